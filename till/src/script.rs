//! Scripted sessions: a JSON list of actions run against the engine, one JSON result line per action.
//! The format is documented in `docs/till-script.md`.

use std::collections::BTreeMap;
use std::io::Write;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use pos_core::money::Money;
use pos_drivers::terminal::{SimBehaviour, SimTerminal};
use serde_json::{Map, Value, json};

use crate::engine::{Approval, Clock, TenderSpec, Till};
use crate::error::TillError;

/// A script: an optional start time and the actions.
#[derive(Debug, serde::Deserialize)]
pub struct Script {
    /// Sets the clock (RFC 3339) before the first action; without it the system clock is used.
    #[serde(default)]
    pub start: Option<String>,
    /// The actions.
    pub actions: Vec<Map<String, Value>>,
}

fn bad(msg: impl Into<String>) -> TillError {
    TillError::Refused(msg.into())
}

fn text<'a>(a: &'a Map<String, Value>, k: &str) -> Result<&'a str, TillError> {
    a.get(k).and_then(Value::as_str).ok_or_else(|| bad(format!("`{k}` is missing or not a string")))
}

fn opt_text<'a>(a: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    a.get(k).and_then(Value::as_str)
}

fn number(a: &Map<String, Value>, k: &str) -> Result<i64, TillError> {
    a.get(k).and_then(Value::as_i64).ok_or_else(|| bad(format!("`{k}` is missing or not a whole number")))
}

/// Parses an amount written as a string of euros (`"12.30"`) into cents.
pub fn cents(s: &str) -> Result<i64, TillError> {
    let m =
        Money::from_str(s).map_err(|_| bad(format!("`{s}` is not an amount in euros (write \"12.30\")")))?;
    if m.round() != m {
        return Err(bad(format!("{s}: amounts are to the cent")));
    }
    Ok(m.cents())
}

fn amount(a: &Map<String, Value>, k: &str) -> Result<i64, TillError> {
    cents(text(a, k)?)
}

fn approval(a: &Map<String, Value>) -> Option<Approval> {
    a.get("approval").and_then(|v| serde_json::from_value(v.clone()).ok())
}

fn counted(a: &Map<String, Value>) -> Result<BTreeMap<String, i64>, TillError> {
    let m = a
        .get("counted")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("`counted` is missing: {\"50.00\": 2, ...}"))?;
    m.iter()
        .map(|(k, v)| {
            Ok((k.clone(), v.as_i64().ok_or_else(|| bad(format!("count of {k} is not a whole number")))?))
        })
        .collect()
}

fn tenders(a: &Map<String, Value>) -> Result<Vec<TenderSpec>, TillError> {
    let list = a.get("tenders").and_then(Value::as_array).ok_or_else(|| bad("`tenders` is missing"))?;
    let mut out = Vec::new();
    for t in list {
        let t = t.as_object().ok_or_else(|| bad("a tender is an object such as {\"cash\": \"20.00\"}"))?;
        let spec = if let Some(v) = opt_text(t, "cash") {
            TenderSpec::Cash(cents(v)?)
        } else if let Some(v) = opt_text(t, "card") {
            TenderSpec::Card(cents(v)?)
        } else if let Some(card) = opt_text(t, "gift_card") {
            TenderSpec::GiftCard { card: card.into(), cents: amount(t, "amount")? }
        } else if t.contains_key("store_credit") {
            TenderSpec::StoreCredit {
                note: opt_text(t, "store_credit").unwrap_or_default().into(),
                cents: amount(t, "amount")?,
            }
        } else if let Some(p) = t.get("points").and_then(Value::as_u64) {
            TenderSpec::Points(u32::try_from(p).map_err(|_| bad("too many points"))?)
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

/// Runs one action.
pub fn action(
    till: &mut Till,
    terminal: Option<&SimTerminal>,
    a: &Map<String, Value>,
) -> Result<Value, TillError> {
    if let Some(at) = opt_text(a, "at") {
        let t = DateTime::parse_from_rfc3339(at).map_err(|e| bad(format!("`at` {at}: {e}")))?;
        till.set_clock(Clock::Set(t.with_timezone(&Utc)));
    }
    let line = || a.get("line").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok());
    match text(a, "do")? {
        "login" => till.login(text(a, "staff")?, text(a, "pin")?),
        "logout" => till.logout(),
        "open_register" => till.open_register(amount(a, "float")?),
        "cash_in" => till.cash_move(amount(a, "amount")?, opt_text(a, "reason").unwrap_or_default(), false),
        "cash_out" => till.cash_move(amount(a, "amount")?, opt_text(a, "reason").unwrap_or_default(), true),
        "scan" => {
            let quantity = a.get("quantity").and_then(Value::as_u64).unwrap_or(1);
            till.scan(
                text(a, "code")?,
                u32::try_from(quantity).map_err(|_| bad("quantity too large"))?,
                a.get("grams").and_then(Value::as_i64),
                opt_text(a, "serial").map(str::to_owned),
            )
        }
        "gift_card" => till.sell_gift_card(text(a, "card")?, amount(a, "amount")?),
        "remove_line" => till.remove_line(line().ok_or_else(|| bad("`line` is missing"))?),
        "discount" => {
            let c = opt_text(a, "amount").map(cents).transpose()?;
            till.discount(
                line(),
                opt_text(a, "reason").unwrap_or_default(),
                opt_text(a, "percent"),
                c,
                approval(a).as_ref(),
            )
        }
        "override_price" => till.override_price(
            line().ok_or_else(|| bad("`line` is missing"))?,
            amount(a, "price")?,
            approval(a).as_ref(),
        ),
        "customer" => till.attach_customer(opt_text(a, "id").unwrap_or_default()),
        "ticket" => till.ticket_view(text(a, "ticket")?),
        "find_customer" => till.find_customers(text(a, "text")?),
        "park" => till.park(),
        "resume" => till.resume(u32::try_from(number(a, "slot")?).map_err(|_| bad("bad slot"))?),
        "cancel" => till.cancel_basket(),
        "suggest" => till.suggestions(),
        "search" => till.search(text(a, "text")?),
        "basket" => till.basket_view(),
        "return" => {
            let mut lines = Vec::new();
            for l in a.get("lines").and_then(Value::as_array).into_iter().flatten() {
                let n =
                    l.get("line").and_then(Value::as_u64).ok_or_else(|| bad("a return line needs `line`"))?;
                let u = l.get("units").and_then(Value::as_u64).unwrap_or(1);
                lines.push((u32::try_from(n).unwrap_or(0), u32::try_from(u).unwrap_or(0)));
            }
            till.return_lines(text(a, "ticket")?, &lines)
        }
        "return_without_receipt" => {
            let units = a.get("units").and_then(Value::as_u64).unwrap_or(1);
            till.return_without_receipt(
                text(a, "code")?,
                u32::try_from(units).unwrap_or(0),
                approval(a).as_ref(),
            )
        }
        "pay" => till.pay(&tenders(a)?),
        "void" => till.void_ticket(text(a, "ticket")?, approval(a).as_ref()),
        "reprint" => till.reprint(text(a, "ticket")?),
        "no_sale" => till.no_sale(opt_text(a, "reason").unwrap_or_default(), approval(a).as_ref()),
        "training" => {
            till.training(a.get("on").and_then(Value::as_bool).unwrap_or(false), approval(a).as_ref())
        }
        "config" => till.configure(text(a, "key")?, text(a, "value")?),
        "close" => till.close_register(&counted(a)?, approval(a).as_ref()),
        "count_cash" => till.count_cash(text(a, "day")?, &counted(a)?),
        "close_period" => till.close_period(text(a, "key")?),
        "archive" => till.archive(text(a, "period")?),
        "resolve_card" => till.resolve_card(
            text(a, "reference")?,
            a.get("approved").and_then(Value::as_bool).unwrap_or(false),
            approval(a).as_ref(),
        ),
        "balance" => {
            let n = text(a, "number")?;
            Ok(json!({"number": n, "balance": till.balance(n)?.map(|c| format!("{}", Money::from_cents(c)))}))
        }
        "status" => till.status(),
        "devices" => Ok(till.devices()),
        "test_device" => till.test_device(text(a, "device")?),
        "retry_printer" => till.retry_printer(),
        "terminal" => {
            let t = terminal.ok_or_else(|| bad("no simulated terminal in this session"))?;
            let b = match text(a, "behaviour")? {
                "accept" => SimBehaviour::Accept,
                "decline" => {
                    SimBehaviour::Decline(opt_text(a, "reason").unwrap_or("refused by the bank").into())
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
                json!({"n": n + 1, "do": what, "ok": false, "error": e.code(), "message": e.to_string()})
            }
        };
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| TillError::Storage(format!("output: {e}")))?;
    }
    Ok(refused)
}
