//! Stock per location, consolidated at head office from movements: the tills' sales and returns
//! (read from the tickets they push), and what head office records itself (supplier receipts,
//! transfers between locations, breakage, counts). A location's stock of an item is the sum of its
//! movements, nothing else: no level is ever stored apart from them.
//!
//! Quantities are kept in thousandths (a gram of a weighed item, a thousandth of a unit), exact
//! integers that a database sums without rounding. The tills never write finer quantities (weights
//! are to the gram, units whole); a quantity that does not read as thousandths is refused.

use std::fmt;

use pos_journal::body::Entry;
use pos_journal::check::Accepted;
use serde::{Deserialize, Serialize};

/// Why stock moved.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    /// Sold at a till (out).
    Sale,
    /// Brought back to a till (in).
    Return,
    /// Received from a supplier (in).
    Receipt,
    /// Sent to another location (out).
    TransferOut,
    /// Received from another location (in).
    TransferIn,
    /// Broken, lost, stolen (out).
    Breakage,
    /// The difference a count found (in or out).
    Count,
    /// Sent to a web customer or collected by one (out).
    WebSale,
}

impl MovementKind {
    /// Its name in a database.
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Sale => "sale",
            MovementKind::Return => "return",
            MovementKind::Receipt => "receipt",
            MovementKind::TransferOut => "transfer_out",
            MovementKind::TransferIn => "transfer_in",
            MovementKind::Breakage => "breakage",
            MovementKind::Count => "count",
            MovementKind::WebSale => "web_sale",
        }
    }

    /// The kind a database names.
    pub fn parse(s: &str) -> Option<MovementKind> {
        [
            MovementKind::Sale,
            MovementKind::Return,
            MovementKind::Receipt,
            MovementKind::TransferOut,
            MovementKind::TransferIn,
            MovementKind::Breakage,
            MovementKind::Count,
            MovementKind::WebSale,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A quantity in thousandths of a unit (or grams).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Milli(pub i64);

/// A quantity that does not read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a quantity to the thousandth (digits, an optional sign and at most three decimals)")]
pub struct BadQuantity(pub String);

impl Milli {
    /// Reads `12`, `-3`, `0.455`; refuses more than three decimals, anything else, and what does
    /// not fit.
    pub fn parse(s: &str) -> Result<Milli, BadQuantity> {
        let bad = || BadQuantity(s.to_owned());
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > 3 {
            return Err(bad());
        }
        if digits.contains('.') && fraction.is_empty() {
            return Err(bad());
        }
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let mut frac: i64 = if fraction.is_empty() { 0 } else { fraction.parse().map_err(|_| bad())? };
        for _ in fraction.len()..3 {
            frac *= 10;
        }
        let n = whole.checked_mul(1000).and_then(|w| w.checked_add(frac)).ok_or_else(bad)?;
        Ok(Milli(if negative { -n } else { n }))
    }

    /// The opposite quantity; `None` for the one that has none.
    pub fn negated(self) -> Option<Milli> {
        self.0.checked_neg().map(Milli)
    }
}

impl fmt::Display for Milli {
    /// `12`, `-3`, `0.455`, `1.5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let n = self.0.unsigned_abs();
        let (whole, frac) = (n / 1000, n % 1000);
        if frac == 0 {
            write!(f, "{sign}{whole}")
        } else {
            let frac = format!("{frac:03}");
            write!(f, "{sign}{whole}.{}", frac.trim_end_matches('0'))
        }
    }
}

/// One movement of one item at one location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Movement {
    /// The location (`LYO`, `WHS`).
    pub location: String,
    /// The item.
    pub sku: String,
    /// In (positive) or out (negative).
    pub qty: Milli,
    /// Why.
    pub kind: MovementKind,
}

/// A stock movement of a ticket that does not read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("record {seq}: stock of {sku}: {error}")]
pub struct UnreadableMove {
    /// The record.
    pub seq: u64,
    /// The item.
    pub sku: String,
    /// What is wrong.
    pub error: BadQuantity,
}

/// The movements of the live records head office accepted from a till of `store`, each with the
/// seq of its record: a ticket's stock moves out (a sale) or back in (a return, a negative move); a
/// click & collect order paid online leaves with its handover. Training records move nothing; nor
/// does any other record.
pub fn of_records(store: &str, accepted: &[Accepted]) -> Result<Vec<(u64, Movement)>, UnreadableMove> {
    let mut out = Vec::new();
    for a in accepted {
        if a.header.chain != pos_journal::ChainName::Live {
            continue;
        }
        let (moves, web) = match &a.entry {
            Entry::Ticket(t) => (&t.stock_moves, false),
            Entry::PickupHandedOver { stock_moves, .. } => (stock_moves, true),
            _ => continue,
        };
        for (sku, qty) in moves {
            let seq = a.header.seq;
            let unreadable = |error| UnreadableMove { seq, sku: sku.clone(), error };
            let out_qty = Milli::parse(qty).map_err(unreadable)?;
            let qty = out_qty.negated().ok_or_else(|| unreadable(BadQuantity(qty.clone())))?;
            let kind = match (web, qty.0 < 0) {
                (true, _) => MovementKind::WebSale,
                (false, true) => MovementKind::Sale,
                (false, false) => MovementKind::Return,
            };
            out.push((seq, Movement { location: store.to_owned(), sku: sku.clone(), qty, kind }));
        }
    }
    Ok(out)
}

/// What head office records itself, as its operator says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OfficeMove {
    /// Goods received from a supplier at a location.
    Receipt {
        /// Where.
        location: String,
        /// Supplier's delivery note.
        reference: String,
    },
    /// Goods sent from one location to another (out of one, into the other, together).
    Transfer {
        /// From.
        from: String,
        /// To.
        to: String,
    },
    /// Goods broken or lost at a location.
    Breakage {
        /// Where.
        location: String,
    },
}

impl OfficeMove {
    /// The movements of `qty` (positive) of `sku`.
    pub fn movements(&self, sku: &str, qty: Milli) -> Result<Vec<Movement>, BadQuantity> {
        if qty.0 <= 0 {
            return Err(BadQuantity(format!("{qty} (a quantity moved is positive)")));
        }
        let neg = qty.negated().ok_or_else(|| BadQuantity(qty.to_string()))?;
        let m = |location: &str, qty, kind| Movement {
            location: location.to_owned(),
            sku: sku.to_owned(),
            qty,
            kind,
        };
        Ok(match self {
            OfficeMove::Receipt { location, .. } => vec![m(location, qty, MovementKind::Receipt)],
            OfficeMove::Transfer { from, to } => {
                vec![m(from, neg, MovementKind::TransferOut), m(to, qty, MovementKind::TransferIn)]
            }
            OfficeMove::Breakage { location } => vec![m(location, neg, MovementKind::Breakage)],
        })
    }
}

/// A location's stock of an item as head office last consolidated it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLevel {
    /// The location.
    pub location: String,
    /// The item.
    pub sku: String,
    /// Its stock, thousandths.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub qty: Milli,
}

/// Stock levels that changed since a till's last pull.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockDelta {
    /// The last movement these levels count: the next pull asks from there.
    pub upto: i64,
    /// The asking till's live records these levels count (its movements after them are its own
    /// to add).
    pub till_seq: u64,
    /// Each (location, item) whose stock moved since the pull asked from, at its level now.
    pub levels: Vec<StockLevel>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_read_to_the_thousandth_and_nothing_else() {
        for (s, n) in [("12", 12_000), ("-3", -3_000), ("0.455", 455), ("1.5", 1_500), ("0", 0)] {
            assert_eq!(Milli::parse(s), Ok(Milli(n)), "{s}");
            assert_eq!(Milli(n).to_string(), s.trim_start_matches('+'));
        }
        for s in ["", "-", "1.", ".5", "1.2345", "1e3", "+1", "1,5", " 1", "9223372036854776", "--1"] {
            assert!(Milli::parse(s).is_err(), "{s}");
        }
        assert_eq!(Milli::parse("9223372036854775.807"), Ok(Milli(i64::MAX)));
        assert_eq!(Milli(i64::MIN).negated(), None);
    }

    #[test]
    fn an_office_move_is_positive_and_a_transfer_moves_both_ends() {
        let t = OfficeMove::Transfer { from: "WHS".into(), to: "LYO".into() };
        let m = t.movements("X", Milli(2_000)).unwrap();
        assert_eq!(m.iter().map(|m| m.qty.0).sum::<i64>(), 0);
        assert_eq!((m[0].kind, m[1].kind), (MovementKind::TransferOut, MovementKind::TransferIn));
        for bad in [0, -5_000] {
            assert!(t.movements("X", Milli(bad)).is_err());
        }
        for k in ["sale", "return", "receipt", "transfer_out", "transfer_in", "breakage", "count", "web_sale"]
        {
            assert_eq!(MovementKind::parse(k).map(MovementKind::as_str), Some(k));
        }
    }
}
