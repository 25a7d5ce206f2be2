//! Scripted sessions: a JSON list of actions run against the engine, one JSON result line per action.
//! The format is documented in `docs/till-script.md`. The window's commands go through [`action`]
//! too, so this is the till's one door for what people type.
//!
//! Nothing typed is coerced: a field an action does not know, a number written as text, a fraction
//! where units are counted, a negative count, an amount with more than two decimals or beyond the
//! till's ceiling is refused with a sentence that names the field and what it takes.

use std::collections::BTreeMap;
use std::io::Write;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use pos_core::money::Money;
use pos_drivers::terminal::{SimBehaviour, SimTerminal};
use serde_json::{Map, Value, json};

use crate::engine::{Approval, Clock, TenderSpec, Till};
use crate::error::TillError;
use crate::limits;

/// A script: an optional start time and the actions.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// Sets the clock (RFC 3339) before the first action; without it the system clock is used.
    #[serde(default)]
    pub start: Option<String>,
    /// The actions.
    pub actions: Vec<Map<String, Value>>,
}

fn bad(msg: impl Into<String>) -> TillError {
    TillError::refused(msg)
}

/// Fields every action may carry: the action, the time (`at`: time passes to it; `clock`: the wall
/// clock is moved to it, no time passing), and `expect` (for the tests' own use).
const COMMON: &[&str] = &["do", "at", "clock", "expect"];

/// The fields each action takes.
const FIELDS: &[(&str, &[&str])] = &[
    ("login", &["staff", "pin"]),
    ("logout", &[]),
    ("open_register", &["float", "approval"]),
    ("cash_in", &["amount", "reason", "approval"]),
    ("cash_out", &["amount", "reason", "approval"]),
    ("scan", &["code", "quantity", "grams", "serial", "approval"]),
    ("gift_card", &["card", "amount", "approval"]),
    ("remove_line", &["line"]),
    ("discount", &["line", "percent", "amount", "reason", "approval"]),
    ("override_price", &["line", "price", "approval"]),
    ("customer", &["id"]),
    ("ticket", &["ticket"]),
    ("find_customer", &["text"]),
    ("park", &[]),
    ("resume", &["slot"]),
    ("cancel", &[]),
    ("suggest", &[]),
    ("search", &["text"]),
    ("basket", &[]),
    ("return", &["ticket", "lines"]),
    ("return_without_receipt", &["code", "units", "approval"]),
    ("pay", &["tenders", "approval"]),
    ("void", &["ticket", "approval"]),
    ("reprint", &["ticket"]),
    ("no_sale", &["reason", "approval"]),
    ("training", &["on", "approval"]),
    ("config", &["key", "value"]),
    ("close", &["counted", "approval"]),
    ("count_cash", &["day", "counted"]),
    ("close_period", &["key"]),
    ("archive", &["period"]),
    ("resolve_card", &["reference", "approved", "approval"]),
    ("balance", &["number"]),
    ("status", &[]),
    ("devices", &[]),
    ("test_device", &["device"]),
    ("device_forms", &[]),
    ("set_device", &["device", "setup"]),
    ("retry_printer", &[]),
    ("rebuild", &["approval"]),
    ("accept_head", &["approval"]),
    ("change_key", &["approval"]),
    ("terminal", &["behaviour", "reason"]),
];

/// `null` is never read as "left out": a field is given a value, or not given.
fn null(k: &str) -> TillError {
    bad(format!("`{k}` is null: leave it out, or give it a value"))
}

fn text<'a>(a: &'a Map<String, Value>, k: &str) -> Result<&'a str, TillError> {
    match a.get(k) {
        Some(Value::String(s)) => Ok(s),
        None => Err(bad(format!("`{k}` is missing"))),
        Some(Value::Null) => Err(null(k)),
        Some(other) => Err(bad(format!("`{k}` must be text, not {other}"))),
    }
}

fn opt_text<'a>(a: &'a Map<String, Value>, k: &str) -> Result<Option<&'a str>, TillError> {
    match a.get(k) {
        None => Ok(None),
        Some(Value::Null) => Err(null(k)),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(bad(format!("`{k}` must be text, not {other}"))),
    }
}

/// A whole number within `min..=max`, or `None` when absent. Text, fractions and numbers out of
/// range are refused, never rounded or wrapped.
pub fn whole(a: &Map<String, Value>, k: &str, min: i64, max: i64) -> Result<Option<i64>, TillError> {
    let range = || bad(format!("`{k}` must be a whole number from {min} to {max}"));
    match a.get(k) {
        None => Ok(None),
        Some(Value::Null) => Err(null(k)),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) if (min..=max).contains(&i) => Ok(Some(i)),
            Some(_) => Err(range()),
            None if n.is_f64() => Err(bad(format!("`{k}` must be a whole number, not {n}"))),
            None => Err(range()),
        },
        Some(Value::String(s)) => Err(bad(format!("`{k}` must be a number, not the text \"{s}\""))),
        Some(other) => Err(bad(format!("`{k}` must be a whole number, not {other}"))),
    }
}

fn whole_u32(a: &Map<String, Value>, k: &str, min: u32, max: u32) -> Result<Option<u32>, TillError> {
    // `max` fits an i64 and the result is within it: the conversion cannot fail.
    Ok(whole(a, k, i64::from(min), i64::from(max))?.map(|n| u32::try_from(n).unwrap_or(max)))
}

fn flag(a: &Map<String, Value>, k: &str) -> Result<bool, TillError> {
    match a.get(k) {
        None => Ok(false),
        Some(Value::Null) => Err(null(k)),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(bad(format!("`{k}` must be true or false, not {other}"))),
    }
}

/// Parses an amount written as a string of euros (`"12.30"`) into cents: at most two decimals, at
/// most the till's ceiling either way.
pub fn cents(s: &str) -> Result<i64, TillError> {
    let m = Money::from_str(s).map_err(bad)?;
    if m.round() != m {
        return Err(bad(format!("{s}: amounts are to the cent")));
    }
    if m.abs() > Money::from_cents(limits::CEILING_CENTS) {
        return Err(bad(format!(
            "{s} €: no amount above {} € is accepted; check what was typed",
            Money::from_cents(limits::CEILING_CENTS)
        )));
    }
    Ok(m.cents())
}

fn amount(a: &Map<String, Value>, k: &str) -> Result<i64, TillError> {
    match a.get(k) {
        Some(Value::Number(n)) => {
            Err(bad(format!("`{k}` is written as text in euros (\"{n}\"), not as a number")))
        }
        _ => cents(text(a, k)?),
    }
}

fn approval(a: &Map<String, Value>) -> Result<Option<Approval>, TillError> {
    match a.get("approval") {
        None => Ok(None),
        Some(v) => serde_json::from_value::<Approval>(v.clone()).map(Some).map_err(|_| {
            bad("`approval` is a manager's id and PIN: {\"staff\": \"S006\", \"pin\": \"...\"}")
        }),
    }
}

fn counted(a: &Map<String, Value>) -> Result<BTreeMap<String, i64>, TillError> {
    let m = a
        .get("counted")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("`counted` is missing: {\"50.00\": 2, ...}"))?;
    m.keys()
        .map(|k| Ok((k.clone(), whole(m, k, 0, 100_000)?.unwrap_or(0))))
        .collect::<Result<_, TillError>>()
        .map_err(|e| bad(format!("the count of {e}")))
}

fn tenders(a: &Map<String, Value>) -> Result<Vec<TenderSpec>, TillError> {
    let list = a.get("tenders").and_then(Value::as_array).ok_or_else(|| bad("`tenders` is missing"))?;
    let mut out = Vec::new();
    for t in list {
        let t = t.as_object().ok_or_else(|| bad("a tender is an object such as {\"cash\": \"20.00\"}"))?;
        let only = |fields: &[&str]| match t.keys().find(|k| !fields.contains(&k.as_str())) {
            Some(k) => Err(bad(format!("a tender does not take `{k}` ({})", fields.join(", ")))),
            None => Ok(()),
        };
        let spec = if t.contains_key("cash") {
            only(&["cash"])?;
            TenderSpec::Cash(amount(t, "cash")?)
        } else if t.contains_key("card") {
            only(&["card"])?;
            TenderSpec::Card(amount(t, "card")?)
        } else if t.contains_key("gift_card") {
            only(&["gift_card", "amount"])?;
            TenderSpec::GiftCard { card: text(t, "gift_card")?.into(), cents: amount(t, "amount")? }
        } else if t.contains_key("store_credit") {
            only(&["store_credit", "amount"])?;
            TenderSpec::StoreCredit {
                note: opt_text(t, "store_credit")?.unwrap_or_default().into(),
                cents: amount(t, "amount")?,
            }
        } else if t.contains_key("points") {
            only(&["points"])?;
            TenderSpec::Points(whole_u32(t, "points", 1, u32::MAX)?.unwrap_or(0))
        } else {
            return Err(bad(format!(
                "unknown tender {}: cash, card, gift_card, store_credit or points",
                Value::Object(t.clone())
            )));
        };
        out.push(spec);
    }
    Ok(out)
}

fn return_lines(a: &Map<String, Value>) -> Result<Vec<(u32, u32)>, TillError> {
    let list = match a.get("lines") {
        None => return Ok(Vec::new()),
        Some(Value::Null) => return Err(null("lines")),
        Some(Value::Array(l)) => l,
        Some(other) => return Err(bad(format!("`lines` is a list of {{\"line\", \"units\"}}, not {other}"))),
    };
    let mut out = Vec::new();
    for l in list {
        let l = l.as_object().ok_or_else(|| bad("a return line is {\"line\": 2, \"units\": 1}"))?;
        if let Some(k) = l.keys().find(|k| !["line", "units"].contains(&k.as_str())) {
            return Err(bad(format!("a return line does not take `{k}` (line, units)")));
        }
        let line = whole_u32(l, "line", 1, u32::MAX)?.ok_or_else(|| bad("a return line needs `line`"))?;
        let units = whole_u32(l, "units", 1, limits::CEILING_QUANTITY)?.unwrap_or(1);
        out.push((line, units));
    }
    Ok(out)
}

fn time(a: &Map<String, Value>, k: &str) -> Result<Option<DateTime<Utc>>, TillError> {
    opt_text(a, k)?
        .map(|t| {
            DateTime::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| bad(format!("`{k}` {t}: {e}")))
        })
        .transpose()
}

/// Runs one action.
pub fn action(
    till: &mut Till,
    terminal: Option<&SimTerminal>,
    a: &Map<String, Value>,
) -> Result<Value, TillError> {
    let outcome = act(till, terminal, a);
    // What was asked and how it ended (never the fields: a PIN is one of them).
    let what = a.get("do").and_then(Value::as_str).unwrap_or("?");
    match &outcome {
        Ok(_) => tracing::debug!(action = what, "done"),
        Err(e @ (TillError::Storage { .. } | TillError::Device(_))) => {
            tracing::error!(action = what, code = e.code(), "{e}");
        }
        Err(e) => tracing::info!(action = what, code = e.code(), "refused: {e}"),
    }
    outcome
}

fn act(till: &mut Till, terminal: Option<&SimTerminal>, a: &Map<String, Value>) -> Result<Value, TillError> {
    let what = text(a, "do")?;
    let fields = FIELDS
        .iter()
        .find(|(name, _)| *name == what)
        .map(|(_, f)| *f)
        .ok_or_else(|| bad(format!("unknown action `{what}` (see docs/till-script.md)")))?;
    if let Some(k) = a.keys().find(|k| !COMMON.contains(&k.as_str()) && !fields.contains(&k.as_str())) {
        let takes = if fields.is_empty() { "no field".to_owned() } else { fields.join(", ") };
        return Err(bad(format!("`{what}` does not take `{k}` (it takes {takes})")));
    }
    if let Some(t) = time(a, "at")? {
        till.set_clock(Clock::Set(t));
    }
    if let Some(t) = time(a, "clock")? {
        till.move_clock(t);
    }
    let line = || whole_u32(a, "line", 1, u32::MAX);
    let approval = approval(a)?;
    let approval = approval.as_ref();
    match what {
        "login" => till.login(text(a, "staff")?, text(a, "pin")?),
        "logout" => till.logout(),
        "open_register" => till.open_register(amount(a, "float")?, approval),
        "cash_in" => {
            till.cash_move(amount(a, "amount")?, opt_text(a, "reason")?.unwrap_or_default(), false, approval)
        }
        "cash_out" => {
            till.cash_move(amount(a, "amount")?, opt_text(a, "reason")?.unwrap_or_default(), true, approval)
        }
        "scan" => till.scan(
            text(a, "code")?,
            whole_u32(a, "quantity", 1, limits::CEILING_QUANTITY)?.unwrap_or(1),
            whole(a, "grams", 1, limits::CEILING_GRAMS)?,
            opt_text(a, "serial")?.map(str::to_owned),
            approval,
        ),
        "gift_card" => till.sell_gift_card(text(a, "card")?, amount(a, "amount")?, approval),
        "remove_line" => till.remove_line(line()?.ok_or_else(|| bad("`line` is missing"))?),
        "discount" => {
            let c = opt_text(a, "amount")?.map(cents).transpose()?;
            till.discount(
                line()?,
                opt_text(a, "reason")?.unwrap_or_default(),
                opt_text(a, "percent")?,
                c,
                approval,
            )
        }
        "override_price" => till.override_price(
            line()?.ok_or_else(|| bad("`line` is missing"))?,
            amount(a, "price")?,
            approval,
        ),
        "customer" => till.attach_customer(opt_text(a, "id")?.unwrap_or_default()),
        "ticket" => till.ticket_view(text(a, "ticket")?),
        "find_customer" => till.find_customers(text(a, "text")?),
        "park" => till.park(),
        "resume" => till.resume(whole_u32(a, "slot", 1, u32::MAX)?.ok_or_else(|| bad("`slot` is missing"))?),
        "cancel" => till.cancel_basket(),
        "suggest" => till.suggestions(),
        "search" => till.search(text(a, "text")?),
        "basket" => till.basket_view(),
        "return" => till.return_lines(text(a, "ticket")?, &return_lines(a)?),
        "return_without_receipt" => till.return_without_receipt(
            text(a, "code")?,
            whole_u32(a, "units", 1, limits::CEILING_QUANTITY)?.unwrap_or(1),
            approval,
        ),
        "pay" => till.pay(&tenders(a)?, approval),
        "void" => till.void_ticket(text(a, "ticket")?, approval),
        "reprint" => till.reprint(text(a, "ticket")?),
        "no_sale" => till.no_sale(opt_text(a, "reason")?.unwrap_or_default(), approval),
        "training" => till.training(flag(a, "on")?, approval),
        "config" => till.configure(text(a, "key")?, text(a, "value")?),
        "close" => till.close_register(&counted(a)?, approval),
        "count_cash" => till.count_cash(text(a, "day")?, &counted(a)?),
        "close_period" => till.close_period(text(a, "key")?),
        "archive" => till.archive(text(a, "period")?),
        "resolve_card" => till.resolve_card(text(a, "reference")?, flag(a, "approved")?, approval),
        "balance" => {
            let n = text(a, "number")?;
            Ok(json!({"number": n, "balance": till.balance(n)?.map(|c| format!("{}", Money::from_cents(c)))}))
        }
        "status" => till.status(),
        "devices" => Ok(till.devices()),
        "test_device" => till.test_device(text(a, "device")?),
        "device_forms" => Ok(till.device_forms()),
        "set_device" => {
            let setup = a.get("setup").cloned().ok_or_else(|| bad("`setup` is missing"))?;
            let setup: crate::devices::setup::Setup =
                serde_json::from_value(setup).map_err(|e| bad(format!("`setup`: {e}")))?;
            till.set_device(text(a, "device")?, &setup)
        }
        "retry_printer" => till.retry_printer(),
        "rebuild" => till.rebuild(approval),
        "accept_head" => till.accept_head(approval),
        "change_key" => till.change_key(approval),
        "terminal" => {
            let t = terminal.ok_or_else(|| bad("no simulated terminal in this session"))?;
            let b = match text(a, "behaviour")? {
                "accept" => SimBehaviour::Accept,
                "decline" => {
                    SimBehaviour::Decline(opt_text(a, "reason")?.unwrap_or("refused by the bank").into())
                }
                "timeout" => SimBehaviour::Timeout,
                "unplugged" => SimBehaviour::Unplugged,
                other => {
                    return Err(bad(format!(
                        "terminal behaviour `{other}`: accept, decline, timeout, unplugged"
                    )));
                }
            };
            t.set_behaviour(b);
            Ok(json!({"terminal": text(a, "behaviour")?}))
        }
        other => Err(bad(format!("unknown action `{other}` (see docs/till-script.md)"))),
    }
}

/// Runs a whole script, writing one JSON line per action to `out` (flushed each time, so a reader
/// sees every acknowledged action even if the process is killed). Returns the number of refused actions.
pub fn run(
    till: &mut Till,
    terminal: Option<&SimTerminal>,
    script: &Script,
    out: &mut impl Write,
) -> Result<usize, TillError> {
    if let Some(start) = &script.start {
        let t = DateTime::parse_from_rfc3339(start).map_err(|e| bad(format!("`start` {start}: {e}")))?;
        till.set_clock(Clock::Set(t.with_timezone(&Utc)));
    }
    let mut refused = 0;
    for (n, a) in script.actions.iter().enumerate() {
        let what = a.get("do").cloned().unwrap_or(Value::Null);
        let line = match action(till, terminal, a) {
            Ok(result) => json!({"n": n + 1, "do": what, "ok": true, "result": result}),
            Err(e) => {
                refused += 1;
                json!({"n": n + 1, "do": what, "ok": false, "error": e.code(), "reason": e.reason(), "message": e.to_string()})
            }
        };
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| TillError::storage(format!("output: {e}")))?;
    }
    Ok(refused)
}
