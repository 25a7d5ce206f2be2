//! Web orders: what the web shop sends head office (`POST /api/v0/web-orders`), and what reaches a
//! store's till to hand over (its inbox). An order is known by the shop's own id: sent again the
//! same, it is the same order; sent again different, it is refused.

use serde::{Deserialize, Serialize};

/// How the customer gets the goods.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fulfilment {
    /// Sent from the warehouse.
    Delivery,
    /// Collected at a store: its stock is reserved there and the order reaches its tills.
    ClickAndCollect,
}

/// Where an order stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebOrderState {
    /// A delivery taken from the warehouse's stock.
    Shipped,
    /// Waiting at the store, its stock reserved there.
    ReadyForPickup,
    /// Handed over at the store (the till's record reached head office).
    Collected,
}

impl WebOrderState {
    /// Its name in a database.
    pub fn as_str(self) -> &'static str {
        match self {
            WebOrderState::Shipped => "shipped",
            WebOrderState::ReadyForPickup => "ready_for_pickup",
            WebOrderState::Collected => "collected",
        }
    }

    /// The state a database names.
    pub fn parse(s: &str) -> Option<WebOrderState> {
        [WebOrderState::Shipped, WebOrderState::ReadyForPickup, WebOrderState::Collected]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One line of a web order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebLine {
    /// The item.
    pub sku: String,
    /// Units.
    pub qty: u32,
    /// Price of one unit, VAT included, cents.
    pub unit_cents: i64,
}

/// The customer, as the shop knows them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebCustomer {
    /// Name, as said at the counter.
    pub name: String,
    /// E-mail.
    pub email: String,
}

/// An order from the web shop.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebOrder {
    /// The shop's order id: the same id is the same order.
    pub order: String,
    /// Delivery or click & collect.
    pub fulfilment: Fulfilment,
    /// The store that hands it over (click & collect only).
    #[serde(default)]
    pub store: Option<String>,
    /// Who ordered.
    pub customer: WebCustomer,
    /// What.
    pub lines: Vec<WebLine>,
    /// Paid on the shop's site (else paid at the counter when collected).
    pub paid_online: bool,
    /// The day the customer ordered (and paid online), `2026-11-28`, when the shop sends an order
    /// later than that day; head office's books date the order by it. None: the day it arrives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered_on: Option<String>,
}

/// How a till names a web order among tickets (`WEB/W-1042`), in its returns and their lines.
pub const WEB_ORDER_PREFIX: &str = "WEB/";

/// Most lines an order has.
pub const MAX_LINES: usize = 200;
/// Most units of a line.
pub const MAX_QTY: u32 = 10_000;
/// Highest unit price, cents (a million euros).
pub const MAX_UNIT_CENTS: i64 = 100_000_000;

impl WebOrder {
    /// What is wrong with the order, in words the shop's developer can act on.
    pub fn check(&self) -> Result<(), String> {
        let code = |s: &str, max: usize| {
            !s.is_empty()
                && s.len() <= max
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !code(&self.order, 64) {
            return Err(format!("order id `{}`: 1 to 64 letters, digits, `-` or `_`", self.order));
        }
        match (self.fulfilment, &self.store) {
            (Fulfilment::ClickAndCollect, None) => {
                return Err("a click & collect order names the store that hands it over (`store`)".into());
            }
            (Fulfilment::Delivery, Some(_)) => {
                return Err("a delivery names no store (`store` is for click & collect)".into());
            }
            (_, Some(s)) if !code(s, 8) || s.bytes().any(|b| b.is_ascii_lowercase()) => {
                return Err(format!("store `{s}`: a store code, 1 to 8 capital letters or digits"));
            }
            _ => {}
        }
        if self.customer.name.trim().is_empty() || self.customer.name.len() > 200 {
            return Err("the customer's name: 1 to 200 characters".into());
        }
        if !self.customer.email.contains('@') || self.customer.email.len() > 254 {
            return Err(format!("the customer's e-mail `{}` is not an address", self.customer.email));
        }
        if let Some(d) = &self.ordered_on {
            let b = d.as_bytes();
            let digits =
                |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
            let num = |r: std::ops::Range<usize>| d.get(r).and_then(|x| x.parse::<u32>().ok()).unwrap_or(0);
            if b.len() != 10
                || !digits(0..4)
                || b[4] != b'-'
                || !digits(5..7)
                || b[7] != b'-'
                || !digits(8..10)
                || !(1..=12).contains(&num(5..7))
                || !(1..=31).contains(&num(8..10))
            {
                return Err(format!("ordered_on `{d}` is not a day like 2026-11-28"));
            }
        }
        if self.lines.is_empty() || self.lines.len() > MAX_LINES {
            return Err(format!("an order has 1 to {MAX_LINES} lines"));
        }
        for (i, l) in self.lines.iter().enumerate() {
            let n = i + 1;
            if l.sku.is_empty()
                || l.sku.len() > 32
                || !l.sku.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(format!("line {n}: `{}` is not a SKU", l.sku));
            }
            if l.qty == 0 || l.qty > MAX_QTY {
                return Err(format!("line {n}: {} units: 1 to {MAX_QTY}", l.qty));
            }
            if !(0..=MAX_UNIT_CENTS).contains(&l.unit_cents) {
                return Err(format!(
                    "line {n}: a unit price of {} cents: 0 to {MAX_UNIT_CENTS}",
                    l.unit_cents
                ));
            }
        }
        Ok(())
    }

    /// The order's total, cents (bounded by the checks: no overflow).
    pub fn total_cents(&self) -> i64 {
        self.lines.iter().map(|l| i64::from(l.qty) * l.unit_cents).sum()
    }
}

/// Head office's answer to an order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebOrderTaken {
    /// The shop's order id.
    pub order: String,
    /// False when the order was already taken (the same order sent again).
    pub created: bool,
    /// Where it stands.
    pub state: WebOrderState,
}

/// A click & collect order waiting at a store, as its tills see it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pickup {
    /// The order.
    pub order: WebOrder,
    /// Its total, cents.
    pub total_cents: i64,
}

/// What is addressed to a till.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    /// Click & collect orders waiting at the till's store.
    pub pickups: Vec<Pickup>,
    /// Head office's latest messages to the till's store (or to every store), newest first.
    #[serde(default)]
    pub messages: Vec<Message>,
}

/// A message from head office to the stores.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Its number at head office.
    pub id: i64,
    /// The store it is for (`None`: every store).
    pub store: Option<String>,
    /// What it says.
    pub text: String,
    /// When head office wrote it, milliseconds since the epoch.
    pub at_ms: i64,
}

/// Most messages an inbox carries (the latest).
pub const INBOX_MESSAGES: usize = 20;

/// What is wrong with a message's text.
pub fn check_message(text: &str) -> Result<(), String> {
    let n = text.trim().chars().count();
    if n == 0 || n > 500 {
        return Err(format!("a message is 1 to 500 characters, not {n}"));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err("a message holds no control character but line breaks".into());
    }
    Ok(())
}

/// A line of a web order as a store's till sees it to take units back.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnableLine {
    /// The line's number in the order, from 1.
    pub line: u32,
    /// The item.
    pub sku: String,
    /// Units bought.
    pub qty: u32,
    /// Price of one unit paid, VAT included, cents.
    pub unit_cents: i64,
    /// Units already brought back at the tills other than the asking one (its own it counts in
    /// its journal, synced or not).
    pub returned_elsewhere: u32,
}

/// A web order as a store's till sees it to take units back (any store takes back a web order).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnableOrder {
    /// The shop's order id.
    pub order: String,
    /// Where it stands.
    pub state: WebOrderState,
    /// Paid on the shop's site.
    pub paid_online: bool,
    /// Who ordered.
    pub customer: WebCustomer,
    /// Its lines.
    pub lines: Vec<ReturnableLine>,
}

impl WebOrderState {
    /// Whether the customer has the goods (so may bring them back).
    pub fn delivered(self) -> bool {
        matches!(self, WebOrderState::Shipped | WebOrderState::Collected)
    }
}

/// Units of web orders brought back in the live `accepted` records: (order, line, units).
pub fn returns_of(accepted: &[pos_journal::check::Accepted]) -> Vec<(String, u32, u32)> {
    use pos_journal::body::Entry;
    let mut out = Vec::new();
    for a in accepted.iter().filter(|a| a.header.chain == pos_journal::ChainName::Live) {
        if let Entry::Ticket(t) = &a.entry {
            for (order, line, units) in t.lines.iter().filter_map(|l| l.returns_web_line()) {
                out.push((order.to_owned(), line, units));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> WebOrder {
        WebOrder {
            order: "W-1001".into(),
            fulfilment: Fulfilment::ClickAndCollect,
            store: Some("LYO".into()),
            customer: WebCustomer { name: "Antoine Martin".into(), email: "a.martin@example.org".into() },
            lines: vec![WebLine { sku: "PROP-1060".into(), qty: 2, unit_cents: 390 }],
            paid_online: true,
            ordered_on: None,
        }
    }

    #[test]
    fn an_order_is_checked_field_by_field() {
        assert_eq!(order().check(), Ok(()));
        assert_eq!(order().total_cents(), 780);
        type Spoil = fn(&mut WebOrder);
        let bad: Vec<(Spoil, &str)> = vec![
            (|o| o.order = String::new(), "order id"),
            (|o| o.order = "a b".into(), "order id"),
            (|o| o.store = None, "names the store"),
            (|o| o.store = Some("lyo".into()), "store code"),
            (|o| o.fulfilment = Fulfilment::Delivery, "names no store"),
            (|o| o.customer.email = "nobody".into(), "e-mail"),
            (|o| o.ordered_on = Some("2026-13-01".into()), "ordered_on"),
            (|o| o.ordered_on = Some("28/11/2026".into()), "ordered_on"),
            (|o| o.lines.clear(), "1 to"),
            (|o| o.lines[0].qty = 0, "units"),
            (|o| o.lines[0].qty = MAX_QTY + 1, "units"),
            (|o| o.lines[0].unit_cents = -5, "unit price"),
            (|o| o.lines[0].unit_cents = i64::MAX, "unit price"),
            (|o| o.lines[0].sku = "prop".into(), "SKU"),
        ];
        for (spoil, word) in bad {
            let mut o = order();
            spoil(&mut o);
            let e = o.check().unwrap_err();
            assert!(e.contains(word), "{e}");
        }
        // The largest order there can be adds up without overflow.
        let mut big = order();
        big.lines = vec![WebLine { sku: "X".into(), qty: MAX_QTY, unit_cents: MAX_UNIT_CENTS }; MAX_LINES];
        assert_eq!(big.check(), Ok(()));
        assert_eq!(big.total_cents(), 200 * 10_000 * 100_000_000);
    }
}
