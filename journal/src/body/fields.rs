//! The fields of records that name one of a few things, as enums written as the strings format 1
//! always wrote (a "return without receipt" as `NO-RECEIPT/<approver>`), and a basket's line as asked.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How a tender was paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TenderMethod {
    /// Notes and coins.
    Cash,
    /// A payment card through the terminal.
    Card,
    /// A gift card.
    GiftCard,
    /// A store credit note.
    StoreCredit,
    /// Loyalty points.
    Loyalty,
}

impl TenderMethod {
    /// Every method, in the order reports list them.
    pub const ALL: [TenderMethod; 5] = [
        TenderMethod::Cash,
        TenderMethod::Card,
        TenderMethod::GiftCard,
        TenderMethod::StoreCredit,
        TenderMethod::Loyalty,
    ];

    /// The name written in records (`cash`, `gift_card` ...).
    pub fn as_str(self) -> &'static str {
        match self {
            TenderMethod::Cash => "cash",
            TenderMethod::Card => "card",
            TenderMethod::GiftCard => "gift_card",
            TenderMethod::StoreCredit => "store_credit",
            TenderMethod::Loyalty => "loyalty",
        }
    }

    /// The method named `s`.
    pub fn parse(s: &str) -> Option<TenderMethod> {
        TenderMethod::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl fmt::Display for TenderMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a ticket line's quantity counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LineMeasure {
    /// Whole units.
    Units,
    /// Grams.
    Weight,
    /// One item priced by its label.
    Label,
    /// Units brought back (the quantity is negative).
    Returned,
}

/// Whether a ticket's prices include VAT (consumers) or not (professionals).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Basis {
    /// TTC: prices include VAT.
    #[serde(rename = "ttc")]
    TaxIncluded,
    /// HT: VAT is added per rate on the bases.
    #[serde(rename = "ht")]
    TaxExcluded,
}

/// What the card terminal answered to a payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardOutcome {
    /// Approved: the customer paid.
    Approved,
    /// Declined by the card or the bank.
    Declined,
    /// Not made (cancelled, the terminal unreachable, or confirmed never made by a manager).
    NotMade,
}

impl CardOutcome {
    /// The name written in records.
    pub fn as_str(self) -> &'static str {
        match self {
            CardOutcome::Approved => "approved",
            CardOutcome::Declined => "declined",
            CardOutcome::NotMade => "not_made",
        }
    }
}

/// The period a closure closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ClosurePeriod {
    /// A business day (the Z).
    Day,
    /// A month.
    Month,
    /// A fiscal year.
    Year,
}

impl ClosurePeriod {
    /// The name written in records (`day`, `month`, `year`).
    pub fn as_str(self) -> &'static str {
        match self {
            ClosurePeriod::Day => "day",
            ClosurePeriod::Month => "month",
            ClosurePeriod::Year => "year",
        }
    }
}

impl fmt::Display for ClosurePeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where returned units come from: a ticket of this chain, an order of the chain's web shop, or no
/// receipt at all (then the manager who approved the return is named). Written as the ticket's
/// reference, `WEB/` and the order's id, or `NO-RECEIPT/` and the manager's id (format 1 wrote the
/// first and the last; a ticket's reference never starts with `WEB/`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReturnedFrom {
    /// The ticket's reference (`LYO-1-T000042`).
    Ticket(String),
    /// No receipt; the manager who approved it.
    NoReceipt {
        /// The manager's id.
        approved_by: String,
    },
    /// A web order's id (the shop's), bought online and brought back to a store.
    WebOrder(String),
}

/// How a return without a receipt is written.
pub(super) const NO_RECEIPT: &str = "NO-RECEIPT/";
/// How a return of a web order is written.
pub(super) const WEB_ORDER: &str = "WEB/";

impl ReturnedFrom {
    /// Reads what a record wrote.
    pub fn parse(s: &str) -> ReturnedFrom {
        if let Some(by) = s.strip_prefix(NO_RECEIPT) {
            return ReturnedFrom::NoReceipt { approved_by: by.to_owned() };
        }
        match s.strip_prefix(WEB_ORDER) {
            Some(order) => ReturnedFrom::WebOrder(order.to_owned()),
            None => ReturnedFrom::Ticket(s.to_owned()),
        }
    }

    /// The ticket of this chain, when there was one.
    pub fn ticket(&self) -> Option<&str> {
        match self {
            ReturnedFrom::Ticket(t) => Some(t),
            ReturnedFrom::NoReceipt { .. } | ReturnedFrom::WebOrder(_) => None,
        }
    }

    /// The web order, when the units were bought online.
    pub fn web_order(&self) -> Option<&str> {
        match self {
            ReturnedFrom::WebOrder(o) => Some(o),
            ReturnedFrom::Ticket(_) | ReturnedFrom::NoReceipt { .. } => None,
        }
    }
}

impl fmt::Display for ReturnedFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReturnedFrom::Ticket(t) => f.write_str(t),
            ReturnedFrom::NoReceipt { approved_by } => write!(f, "{NO_RECEIPT}{approved_by}"),
            ReturnedFrom::WebOrder(order) => write!(f, "{WEB_ORDER}{order}"),
        }
    }
}

impl Serialize for ReturnedFrom {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ReturnedFrom {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| ReturnedFrom::parse(&s))
    }
}

/// A basket line as journaled: already resolved (the product looked up, the label decoded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum LineSpec {
    /// Whole units, with a serial number for serial-tracked items.
    Units {
        /// SKU.
        sku: String,
        /// Units.
        quantity: u32,
        /// Serial number.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        serial: Option<String>,
    },
    /// A weighed item.
    Weighed {
        /// SKU.
        sku: String,
        /// Net weight in grams.
        grams: i64,
    },
    /// An item whose label carries its price.
    Label {
        /// SKU.
        sku: String,
        /// Price on the label.
        cents: i64,
    },
    /// A gift card sold or topped up.
    GiftCard {
        /// SKU of the gift card product.
        sku: String,
        /// Card number.
        card: String,
        /// Amount loaded.
        cents: i64,
    },
    /// Units returned from a ticket (or without a receipt).
    Return {
        /// Where they come from.
        ticket: ReturnedFrom,
        /// Its line.
        line: u32,
        /// SKU.
        sku: String,
        /// Name as sold.
        name: String,
        /// Units returned.
        units: u32,
        /// Units sold on that line.
        sold_units: u32,
        /// Net of the sold line.
        net: i64,
        /// Eco-participation of the sold line.
        eco: i64,
        /// VAT parts of the sold line: category, rate, amount.
        vat: Vec<(String, String, i64)>,
        /// The sold ticket's basis.
        basis: Basis,
        /// Units of the sold line already brought back (or on their way back in another basket)
        /// when this return was added: the refund is priced for all of them less those.
        #[serde(default, skip_serializing_if = "is_zero_u32")]
        before: u32,
    },
}

/// Why a login or an approval was refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginFailure {
    /// The PIN was wrong.
    #[default]
    WrongPin,
    /// The account is locked after too many wrong PINs (the PIN is not even checked).
    Locked,
    /// No member of staff has that id.
    UnknownStaff,
}

impl LoginFailure {
    pub(super) fn is_wrong_pin(&self) -> bool {
        *self == LoginFailure::WrongPin
    }
}

pub(super) fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}
