//! What a person at the counter, a script or a test asks the till: one typed [`Action`], read from
//! JSON by serde (tagged by its `do` field), run by [`Action::run`]. The window sends the same
//! actions (`ui/src/generated/till.ts` declares them), so the window, scripts and tests drive the
//! engine through the very same code, and the list of actions is written once: here.
//!
//! Numbers are read strictly ([`Euros`], [`Count`], [`Flag`]): text, fractions, signs and sizes
//! that do not fit are refused with a sentence naming the field, never rounded or wrapped.

use std::collections::BTreeMap;
use std::str::FromStr;

use pos_core::money::Money;
use pos_drivers::terminal::{SimBehaviour, SimTerminal};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value, json};
use ts_rs::TS;

use crate::devices::setup::Setup;
use crate::engine::{Approval, TenderSpec, Till};
use crate::error::TillError;
use crate::limits;

/// A whole number from `MIN` to `MAX`: anything else is refused, never coerced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, TS)]
#[ts(as = "i64")]
pub struct Count<const MIN: i64, const MAX: i64>(pub i64);

/// Units on a line or brought back.
pub type Units = Count<1, { limits::CEILING_QUANTITY as i64 }>;
/// A weight typed in grams.
pub type Grams = Count<1, { limits::CEILING_GRAMS }>;
/// A line, slot or points number.
pub type Number = Count<1, { u32::MAX as i64 }>;
/// Notes or coins counted of one kind.
pub type Pieces = Count<0, 100_000>;

impl<'de, const MIN: i64, const MAX: i64> Deserialize<'de> for Count<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let range = || D::Error::custom(format!("{{field}} must be a whole number from {MIN} to {MAX}"));
        match Value::deserialize(d)? {
            Value::Number(n) => match n.as_i64() {
                Some(i) if (MIN..=MAX).contains(&i) => Ok(Count(i)),
                None if n.is_f64() => {
                    Err(D::Error::custom(format!("{{field}} must be a whole number, not {n}")))
                }
                _ => Err(range()),
            },
            Value::String(s) => {
                Err(D::Error::custom(format!("{{field}} must be a number, not the text \"{s}\"")))
            }
            other => Err(D::Error::custom(format!("{{field}} must be a whole number, not {other}"))),
        }
    }
}

impl<const MIN: i64, const MAX: i64> Count<MIN, MAX> {
    /// As a `u32` (every count's `MAX` fits one, except [`Grams`]'s, read with `.0`).
    pub fn get(self) -> u32 {
        u32::try_from(self.0).unwrap_or(u32::MAX)
    }
}

/// An amount written as text in euros (`"12.30"`), held as cents: at most two decimals, at most
/// the till's ceiling either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, TS)]
#[ts(as = "String")]
pub struct Euros(pub i64);

impl<'de> Deserialize<'de> for Euros {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => cents(&s).map(Euros).map_err(|e| D::Error::custom(e.to_string())),
            Value::Number(n) => Err(D::Error::custom(format!(
                "{{field}} is written as text in euros (\"{n}\"), not as a number"
            ))),
            other => Err(D::Error::custom(format!("{{field}} is an amount in euros as text, not {other}"))),
        }
    }
}

/// Parses an amount written as a string of euros (`"12.30"`) into cents: at most two decimals, at
/// most the till's ceiling either way.
pub fn cents(s: &str) -> Result<i64, TillError> {
    let m = Money::from_str(s).map_err(TillError::refused)?;
    if m.round() != m {
        return Err(TillError::refused(format!("{s}: amounts are to the cent")));
    }
    if m.abs() > Money::from_cents(limits::CEILING_CENTS) {
        return Err(TillError::refused(format!(
            "{s} €: no amount above {} € is accepted; check what was typed",
            Money::from_cents(limits::CEILING_CENTS)
        )));
    }
    Ok(m.cents())
}

/// `true` or `false`, nothing else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, TS)]
#[ts(as = "bool")]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Bool(b) => Ok(Flag(b)),
            other => Err(D::Error::custom(format!("{{field}} must be true or false, not {other}"))),
        }
    }
}

/// A manager's id and PIN typed on this till.
#[derive(Clone, Debug, PartialEq, Eq, TS)]
#[ts(as = "Approval")]
pub struct ApprovalField(pub Approval);

impl<'de> Deserialize<'de> for ApprovalField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_json::from_value::<Approval>(Value::deserialize(d)?).map(ApprovalField).map_err(|_| {
            D::Error::custom("{field} is a manager's id and PIN: {\"staff\": \"S006\", \"pin\": \"...\"}")
        })
    }
}

/// A tender at payment: exactly one of `cash`, `card`, `gift_card` (with `amount`),
/// `store_credit` (with `amount`; empty issues a new credit note) or `points`.
#[derive(Clone, Debug, Default, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct Tender {
    /// Cash given (negative: paid out).
    pub cash: Option<Euros>,
    /// Card through the terminal (negative: refund to the card).
    pub card: Option<Euros>,
    /// A gift card's number.
    pub gift_card: Option<String>,
    /// A credit note's number (empty: issue a new one).
    pub store_credit: Option<String>,
    /// The gift card's or credit note's amount.
    pub amount: Option<Euros>,
    /// Loyalty points spent.
    pub points: Option<Number>,
}

impl Tender {
    fn spec(&self) -> Result<TenderSpec, TillError> {
        let bad = |m: &str| {
            TillError::refused(format!("a tender {m}: cash, card, gift_card, store_credit or points"))
        };
        let amount = || self.amount.map(|a| a.0).ok_or_else(|| bad("needs its `amount`"));
        let given = [
            self.cash.is_some(),
            self.card.is_some(),
            self.gift_card.is_some(),
            self.store_credit.is_some(),
            self.points.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(bad("is exactly one of"));
        }
        if self.amount.is_some() && self.gift_card.is_none() && self.store_credit.is_none() {
            return Err(bad("takes `amount` only with a gift card or credit note"));
        }
        Ok(match self {
            Tender { cash: Some(c), .. } => TenderSpec::Cash(c.0),
            Tender { card: Some(c), .. } => TenderSpec::Card(c.0),
            Tender { gift_card: Some(n), .. } => TenderSpec::GiftCard { card: n.clone(), cents: amount()? },
            Tender { store_credit: Some(n), .. } => {
                TenderSpec::StoreCredit { note: n.clone(), cents: amount()? }
            }
            Tender { points: Some(p), .. } => TenderSpec::Points(p.get()),
            _ => return Err(bad("is exactly one of")),
        })
    }
}

/// A line brought back from a ticket.
#[derive(Clone, Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ReturnLine {
    /// The ticket's line.
    pub line: Number,
    /// Units brought back (1 when left out).
    #[ts(optional)]
    pub units: Option<Units>,
}

/// What the simulated terminal does next (scripts only).
#[derive(Clone, Copy, Debug, Deserialize, serde::Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TerminalBehaviour {
    /// Approves.
    Accept,
    /// Declines (with `reason`).
    Decline,
    /// Says nothing.
    Timeout,
    /// Cannot be reached.
    Unplugged,
}

/// One thing asked of the till. Fields left out take the defaults documented in
/// `docs/till-script.md`; `approval` is a manager's id and PIN where one may be needed.
#[derive(Clone, Debug, Deserialize, TS)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)] // each action is the engine method of the same name (docs/till-script.md)
pub enum Action {
    Login {
        staff: String,
        pin: String,
    },
    Logout,
    OpenRegister {
        float: Euros,
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    CashIn {
        amount: Euros,
        #[serde(default)]
        #[ts(optional)]
        reason: Option<String>,
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    CashOut {
        amount: Euros,
        #[ts(optional)]
        reason: Option<String>,
        /// The bank's deposit slip, when the cash goes to the bank.
        #[ts(optional)]
        slip: Option<String>,
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    Scan {
        code: String,
        #[ts(optional)]
        quantity: Option<Units>,
        #[ts(optional)]
        grams: Option<Grams>,
        #[ts(optional)]
        serial: Option<String>,
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    GiftCard {
        card: String,
        amount: Euros,
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    RemoveLine {
        line: Number,
    },
    Quantity {
        line: Number,
        quantity: Units,
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    Discount {
        #[ts(optional)]
        line: Option<Number>,
        #[ts(optional)]
        reason: Option<String>,
        #[ts(optional)]
        percent: Option<String>,
        #[ts(optional)]
        amount: Option<Euros>,
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    OverridePrice {
        line: Number,
        price: Euros,
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    Customer {
        #[ts(optional)]
        id: Option<String>,
    },
    Ticket {
        ticket: String,
    },
    FindCustomer {
        text: String,
    },
    /// Creates a customer (no `id`) or edits one: each field given is set (an empty e-mail,
    /// telephone or town clears it).
    EditCustomer {
        #[ts(optional)]
        id: Option<String>,
        #[ts(optional)]
        name: Option<String>,
        #[ts(optional)]
        email: Option<String>,
        #[ts(optional)]
        phone: Option<String>,
        #[ts(optional)]
        town: Option<String>,
    },
    Park,
    Resume {
        slot: Number,
    },
    Cancel,
    Suggest,
    Search {
        text: String,
    },
    /// The click & collect orders waiting at the store.
    Pickups,
    /// Head office's latest messages to the store.
    Messages,
    /// Hands a click & collect order over: paid online, or paid at the counter on `ticket`.
    HandOver {
        order: String,
        #[ts(optional)]
        ticket: Option<String>,
    },
    Basket,
    Return {
        ticket: String,
        #[ts(optional)]
        lines: Option<Vec<ReturnLine>>,
    },
    ReturnWithoutReceipt {
        code: String,
        #[ts(optional)]
        units: Option<Units>,
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    Pay {
        tenders: Vec<Tender>,
        /// The receipt the customer asked for (absent: the basket's `receipt_offer`).
        #[ts(optional)]
        receipt: Option<crate::limits::ReceiptCopy>,
        /// Where an e-mailed receipt goes (absent: the attached customer's address).
        #[ts(optional)]
        email: Option<String>,
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    /// Prints a receipt asked for after payment: the ORIGINAL of the ticket just paid without one,
    /// a DUPLICATA of any other.
    PrintReceipt {
        ticket: String,
    },
    /// E-mails the receipt of a ticket already paid (the ticket look-up).
    EmailReceipt {
        ticket: String,
        to: String,
    },
    Void {
        ticket: String,
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    Reprint {
        ticket: String,
    },
    NoSale {
        #[ts(optional)]
        reason: Option<String>,
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    Training {
        on: Flag,
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    Config {
        key: String,
        value: String,
    },
    Close {
        counted: BTreeMap<String, Pieces>,
        /// Ends the session only (a change of shift): no daily closure, the register may open
        /// again today.
        #[serde(default)]
        #[ts(optional)]
        shift: Option<Flag>,
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    CountCash {
        day: String,
        counted: BTreeMap<String, Pieces>,
    },
    ClosePeriod {
        key: String,
    },
    Archive {
        period: String,
    },
    ResolveCard {
        reference: String,
        approved: Flag,
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    Balance {
        number: String,
    },
    Status,
    Devices,
    TestDevice {
        device: String,
    },
    DeviceForms,
    SetDevice {
        device: String,
        setup: Setup,
    },
    RetryPrinter,
    Rebuild {
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    AcceptHead {
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    ChangeKey {
        #[ts(optional)]
        approval: Option<ApprovalField>,
    },
    /// Scripts only: what the simulated terminal does next.
    Terminal {
        behaviour: TerminalBehaviour,
        #[ts(optional)]
        reason: Option<String>,
    },
}

/// Reads an action from its JSON fields; the error names the field that is wrong.
pub fn read(fields: &Map<String, Value>) -> Result<Action, TillError> {
    // `null` is never read as "left out": a field is given a value, or not given.
    if let Some((k, _)) = fields.iter().find(|(_, v)| v.is_null()) {
        return Err(TillError::refused(format!("`{k}` is null: leave it out, or give it a value")));
    }
    let parse = |fields: &Map<String, Value>| -> Result<Action, String> {
        serde_json::from_value(Value::Object(fields.clone())).map_err(|e| e.to_string())
    };
    let said = match parse(fields) {
        Ok(action) => return Ok(action),
        Err(said) => said,
    };
    if !said.contains("{field}") {
        return Err(TillError::refused(said));
    }
    // A value our own types refused: serde reads a tagged action's fields from a buffer that keeps
    // no path, so the field is found as the one without which that refusal goes away (looking one
    // level down into a list of objects or an object, for `lines[].units` and `counted`).
    let gone = |fields: &Map<String, Value>| parse(fields).err().as_deref() != Some(said.as_str());
    let mut named = String::new();
    let mut counted = false;
    'top: for (k, v) in fields.iter().filter(|(k, _)| *k != "do") {
        let mut without = fields.clone();
        without.remove(k);
        if !gone(&without) {
            continue;
        }
        named = k.clone();
        let inner: Vec<(Option<usize>, String)> = match v {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .flat_map(|(i, item)| {
                    item.as_object()
                        .into_iter()
                        .flat_map(move |o| o.keys().map(move |kk| (Some(i), kk.clone())))
                })
                .collect(),
            Value::Object(o) => o.keys().map(|kk| (None, kk.clone())).collect(),
            _ => Vec::new(),
        };
        for (i, kk) in inner {
            let mut trial = fields.clone();
            let removed = match (i, trial.get_mut(k)) {
                (Some(i), Some(Value::Array(items))) => {
                    items.get_mut(i).and_then(Value::as_object_mut).and_then(|o| o.remove(&kk))
                }
                (None, Some(Value::Object(o))) => o.remove(&kk),
                _ => None,
            };
            if removed.is_some() && gone(&trial) {
                counted = k == "counted";
                named = kk;
                break 'top;
            }
        }
        break;
    }
    let sentence = said.replace("{field}", &format!("`{named}`"));
    Err(TillError::refused(if counted { format!("the count of {sentence}") } else { sentence }))
}

impl Action {
    /// Its name, as its `do` field says it.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Login { .. } => "login",
            Action::Logout => "logout",
            Action::OpenRegister { .. } => "open_register",
            Action::CashIn { .. } => "cash_in",
            Action::CashOut { .. } => "cash_out",
            Action::Scan { .. } => "scan",
            Action::GiftCard { .. } => "gift_card",
            Action::RemoveLine { .. } => "remove_line",
            Action::Quantity { .. } => "quantity",
            Action::Discount { .. } => "discount",
            Action::OverridePrice { .. } => "override_price",
            Action::Customer { .. } => "customer",
            Action::Ticket { .. } => "ticket",
            Action::FindCustomer { .. } => "find_customer",
            Action::EditCustomer { .. } => "edit_customer",
            Action::Park => "park",
            Action::Resume { .. } => "resume",
            Action::Cancel => "cancel",
            Action::Suggest => "suggest",
            Action::Search { .. } => "search",
            Action::Pickups => "pickups",
            Action::Messages => "messages",
            Action::HandOver { .. } => "hand_over",
            Action::Basket => "basket",
            Action::Return { .. } => "return",
            Action::ReturnWithoutReceipt { .. } => "return_without_receipt",
            Action::Pay { .. } => "pay",
            Action::EmailReceipt { .. } => "email_receipt",
            Action::PrintReceipt { .. } => "print_receipt",
            Action::Void { .. } => "void",
            Action::Reprint { .. } => "reprint",
            Action::NoSale { .. } => "no_sale",
            Action::Training { .. } => "training",
            Action::Config { .. } => "config",
            Action::Close { .. } => "close",
            Action::CountCash { .. } => "count_cash",
            Action::ClosePeriod { .. } => "close_period",
            Action::Archive { .. } => "archive",
            Action::ResolveCard { .. } => "resolve_card",
            Action::Balance { .. } => "balance",
            Action::Status => "status",
            Action::Devices => "devices",
            Action::TestDevice { .. } => "test_device",
            Action::DeviceForms => "device_forms",
            Action::SetDevice { .. } => "set_device",
            Action::RetryPrinter => "retry_printer",
            Action::Rebuild { .. } => "rebuild",
            Action::AcceptHead { .. } => "accept_head",
            Action::ChangeKey { .. } => "change_key",
            Action::Terminal { .. } => "terminal",
        }
    }

    /// Whether the window repaints the basket after it (the answer carries the basket too).
    pub fn changes_basket(&self) -> bool {
        matches!(
            self,
            Action::Scan { .. }
                | Action::GiftCard { .. }
                | Action::RemoveLine { .. }
                | Action::Quantity { .. }
                | Action::Discount { .. }
                | Action::OverridePrice { .. }
                | Action::Customer { .. }
                | Action::Park
                | Action::Resume { .. }
                | Action::Cancel
                | Action::Return { .. }
                | Action::ReturnWithoutReceipt { .. }
                | Action::Pay { .. }
        )
    }

    /// Runs it on `till`; `terminal` is the simulated terminal of a scripted session.
    pub fn run(&self, till: &mut Till, terminal: Option<&SimTerminal>) -> Result<Value, TillError> {
        let ok = |a: &Option<ApprovalField>| a.as_ref().map(|a| a.0.clone());
        let text = |t: &Option<String>| t.clone().unwrap_or_default();
        match self {
            Action::Login { staff, pin } => till.login(staff, pin),
            Action::Logout => till.logout(),
            Action::OpenRegister { float, approval } => till.open_register(float.0, ok(approval).as_ref()),
            Action::CashIn { amount, reason, approval } => {
                till.cash_move(amount.0, &text(reason), false, ok(approval).as_ref())
            }
            Action::CashOut { amount, slip: Some(slip), approval, .. } => {
                till.cash_to_bank(amount.0, slip, ok(approval).as_ref())
            }
            Action::CashOut { amount, reason, slip: None, approval } => {
                till.cash_move(amount.0, &text(reason), true, ok(approval).as_ref())
            }
            Action::Scan { code, quantity, grams, serial, approval } => till.scan(
                code,
                quantity.map_or(1, Count::get),
                grams.map(|g| g.0),
                serial.clone(),
                ok(approval).as_ref(),
            ),
            Action::GiftCard { card, amount, approval } => {
                till.sell_gift_card(card, amount.0, ok(approval).as_ref())
            }
            Action::RemoveLine { line } => till.remove_line(line.get()),
            Action::Quantity { line, quantity, approval } => {
                till.set_quantity(line.get(), quantity.get(), ok(approval).as_ref())
            }
            Action::Discount { line, reason, percent, amount, approval } => till.discount(
                line.map(Count::get),
                &text(reason),
                percent.as_deref(),
                amount.map(|a| a.0),
                ok(approval).as_ref(),
            ),
            Action::OverridePrice { line, price, approval } => {
                till.override_price(line.get(), price.0, ok(approval).as_ref())
            }
            Action::Customer { id } => till.attach_customer(&text(id)),
            Action::Ticket { ticket } => till.ticket_view(ticket),
            Action::FindCustomer { text } => till.find_customers(text),
            Action::EditCustomer { id, name, email, phone, town } => {
                use pos_sync::customers::Field;
                let fields: Vec<(Field, String)> =
                    [(Field::Name, name), (Field::Email, email), (Field::Phone, phone), (Field::Town, town)]
                        .into_iter()
                        .filter_map(|(f, v)| v.as_ref().map(|v| (f, v.trim().to_owned())))
                        .collect();
                till.edit_customer(&text(id), &fields)
            }
            Action::Park => till.park(),
            Action::Resume { slot } => till.resume(slot.get()),
            Action::Cancel => till.cancel_basket(),
            Action::Suggest => till.suggestions(),
            Action::Search { text } => till.search(text),
            Action::Pickups => till.pickups(),
            Action::Messages => till.messages(),
            Action::HandOver { order, ticket } => till.hand_over(order, ticket.as_deref()),
            Action::Basket => till.basket_view(),
            Action::Return { ticket, lines } => {
                let lines: Vec<(u32, u32)> =
                    lines.iter().flatten().map(|l| (l.line.get(), l.units.map_or(1, Count::get))).collect();
                till.return_lines(ticket, &lines)
            }
            Action::ReturnWithoutReceipt { code, units, approval } => {
                till.return_without_receipt(code, units.map_or(1, Count::get), ok(approval).as_ref())
            }
            Action::Pay { tenders, receipt, email, approval } => {
                let specs = tenders.iter().map(Tender::spec).collect::<Result<Vec<_>, _>>()?;
                let receipt = till.receipt_asked(*receipt, email.as_deref())?;
                till.pay_with_receipt(&specs, ok(approval).as_ref(), &receipt)
            }
            Action::EmailReceipt { ticket, to } => till.email_receipt(ticket, to),
            Action::PrintReceipt { ticket } => till.print_receipt(ticket),
            Action::Void { ticket, approval } => till.void_ticket(ticket, ok(approval).as_ref()),
            Action::Reprint { ticket } => till.reprint(ticket),
            Action::NoSale { reason, approval } => till.no_sale(&text(reason), ok(approval).as_ref()),
            Action::Training { on, approval } => till.training(on.0, ok(approval).as_ref()),
            Action::Config { key, value } => till.configure(key, value),
            Action::Close { counted, shift: Some(Flag(true)), approval } => {
                till.end_shift(&pieces(counted), ok(approval).as_ref())
            }
            Action::Close { counted, approval, .. } => {
                till.close_register(&pieces(counted), ok(approval).as_ref())
            }
            Action::CountCash { day, counted } => till.count_cash(day, &pieces(counted)),
            Action::ClosePeriod { key } => till.close_period(key),
            Action::Archive { period } => till.archive(period),
            Action::ResolveCard { reference, approved, approval } => {
                till.resolve_card(reference, approved.0, ok(approval).as_ref())
            }
            Action::Balance { number } => Ok(json!(crate::answer::Balance {
                number: number.clone(),
                balance: till.balance(number)?.map(|c| format!("{}", Money::from_cents(c))),
            })),
            Action::Status => till.status(),
            Action::Devices => Ok(till.devices()),
            Action::TestDevice { device } => till.test_device(device),
            Action::DeviceForms => Ok(till.device_forms()),
            Action::SetDevice { device, setup } => till.set_device(device, setup),
            Action::RetryPrinter => till.retry_printer(),
            Action::Rebuild { approval } => till.rebuild(ok(approval).as_ref()),
            Action::AcceptHead { approval } => till.accept_head(ok(approval).as_ref()),
            Action::ChangeKey { approval } => till.change_key(ok(approval).as_ref()),
            Action::Terminal { behaviour, reason } => {
                let t =
                    terminal.ok_or_else(|| TillError::refused("no simulated terminal in this session"))?;
                t.set_behaviour(match behaviour {
                    TerminalBehaviour::Accept => SimBehaviour::Accept,
                    TerminalBehaviour::Decline => {
                        SimBehaviour::Decline(reason.clone().unwrap_or_else(|| "refused by the bank".into()))
                    }
                    TerminalBehaviour::Timeout => SimBehaviour::Timeout,
                    TerminalBehaviour::Unplugged => SimBehaviour::Unplugged,
                });
                Ok(json!({"terminal": behaviour}))
            }
        }
    }
}

fn pieces(counted: &BTreeMap<String, Pieces>) -> BTreeMap<String, i64> {
    counted.iter().map(|(k, v)| (k.clone(), v.0)).collect()
}
