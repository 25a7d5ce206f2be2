//! Head office's accounting, pure: what the tills journaled and what head office recorded becomes
//! balanced double-entry entries on the French chart of accounts (DESIGN §8), the stock is valued at
//! weighted average cost, the entries are written as the DGFiP's FEC, bank statements are read
//! (CAMT.053, CAMT.054, OFX, CFONB 120) and matched to the takings they settle, and VAT, the daily
//! P&L and the cash position are reported from the entries.
//!
//! Nothing here reads a clock, a file or the network: the server hands in the records, the
//! configuration's text and the dates, and keeps what comes out.
//!
//! Amounts are cents in `i64`, added with checks: a sum that would overflow is an error, never a
//! wrapped number.

pub mod bank;
pub mod chart;
pub mod entry;
pub mod fec;
pub mod matching;
pub mod post;
pub mod report;
pub mod valuation;

pub use chart::{Chart, Role};
pub use entry::{Analytic, Channel, Entry, Line};

/// What the books cannot do with what they were given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// A configuration file does not read.
    #[error("{file}, line {line}: {what}")]
    Config {
        /// The file.
        file: String,
        /// Its line (1: the header).
        line: u64,
        /// What is wrong and what to do.
        what: String,
    },
    /// The chart has no account for a role the flow needs.
    #[error("the accounting map has no account for {0}: add it to mapping.csv")]
    Unmapped(String),
    /// An entry whose debits and credits differ.
    #[error("entry {piece} is not balanced: debits {debit} cents, credits {credit} cents")]
    Unbalanced {
        /// Its piece reference.
        piece: String,
        /// Sum of debits.
        debit: i64,
        /// Sum of credits.
        credit: i64,
    },
    /// A sum beyond what cents in 64 bits hold.
    #[error("an amount overflows: {0}")]
    Overflow(String),
    /// A record or flow that does not make sense to the books.
    #[error("{0}")]
    Invalid(String),
}

/// `a + b`, refused rather than wrapped.
pub fn add(a: i64, b: i64) -> Result<i64, LedgerError> {
    a.checked_add(b).ok_or_else(|| LedgerError::Overflow(format!("{a} + {b}")))
}

/// `a - b`, refused rather than wrapped.
pub fn sub(a: i64, b: i64) -> Result<i64, LedgerError> {
    a.checked_sub(b).ok_or_else(|| LedgerError::Overflow(format!("{a} - {b}")))
}

/// The sum of `values`, refused rather than wrapped.
pub fn sum(values: impl IntoIterator<Item = i64>) -> Result<i64, LedgerError> {
    values.into_iter().try_fold(0i64, add)
}

/// `value * num / den` rounded half away from zero, in 128 bits (no overflow on the way).
pub fn mul_div(value: i64, num: i64, den: i64) -> Result<i64, LedgerError> {
    if den == 0 {
        return Err(LedgerError::Invalid(format!("{value} x {num} / 0")));
    }
    let p = i128::from(value) * i128::from(num);
    let d = i128::from(den);
    let q = p / d;
    let r = p % d;
    let q = if 2 * r.abs() >= d.abs() { q + if (p < 0) != (d < 0) { -1 } else { 1 } } else { q };
    i64::try_from(q).map_err(|_| LedgerError::Overflow(format!("{value} x {num} / {den}")))
}
