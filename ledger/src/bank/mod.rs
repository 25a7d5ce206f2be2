//! Bank statements as banks send them: ISO 20022 CAMT.053 statements and CAMT.054 debit/credit
//! notifications, OFX (1.x SGML and 2.x XML), and the French CFONB 120. [`read`] detects the
//! format, reads the whole file or refuses it with the line (or element) that is wrong: a file is
//! imported whole or not at all. Where a file states its opening and closing balances, the lines
//! must lead from one to the other, or the file is refused with both figures.

mod camt;
mod cfonb;
mod ofx;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The formats read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// ISO 20022 bank-to-customer statement.
    Camt053,
    /// ISO 20022 debit/credit notification.
    Camt054,
    /// Open Financial Exchange.
    Ofx,
    /// CFONB 120-character records.
    Cfonb120,
}

impl Format {
    /// Its word.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Camt053 => "camt.053",
            Format::Camt054 => "camt.054",
            Format::Ofx => "ofx",
            Format::Cfonb120 => "cfonb120",
        }
    }
}

/// One line of a statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankLine {
    /// What makes it unique for its account: the bank's reference (`AcctSvcrRef`, `FITID`), or
    /// the line's fields with its rank among identical lines of the file.
    pub id: String,
    /// Booking date.
    pub booked: NaiveDate,
    /// Value date.
    pub value: NaiveDate,
    /// Signed cents: above zero, money in.
    pub amount: i64,
    /// The bank's label.
    pub label: String,
    /// The reference given with the payment (end-to-end id, remittance reference), or empty.
    pub reference: String,
    /// The other party's name, or empty.
    pub counterparty: String,
}

/// A statement of one account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// The file's format.
    pub format: Format,
    /// The account (IBAN, or bank account number).
    pub account: String,
    /// Currency.
    pub currency: String,
    /// Opening balance, cents, if stated.
    pub opening: Option<i64>,
    /// Closing balance, cents, if stated.
    pub closing: Option<i64>,
    /// Lines.
    pub lines: Vec<BankLine>,
}

/// Why a file is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{format}: {at}: {what}")]
pub struct Refused {
    /// The format it was read as (`unknown` when none).
    pub format: &'static str,
    /// Where: `line 52`, `line 3 <Ntry>`.
    pub at: String,
    /// What is wrong.
    pub what: String,
}

impl Refused {
    fn new(format: Format, at: impl Into<String>, what: impl Into<String>) -> Refused {
        Refused { format: format.as_str(), at: at.into(), what: what.into() }
    }
}

/// The format of `bytes`, from its first significant characters.
pub fn detect(bytes: &[u8]) -> Option<Format> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.contains("camt.053") || head.contains("<BkToCstmrStmt") {
        Some(Format::Camt053)
    } else if head.contains("camt.054") || head.contains("<BkToCstmrDbtCdtNtfctn") {
        Some(Format::Camt054)
    } else if head.starts_with("OFXHEADER") || head.contains("<OFX>") || head.contains("<?OFX") {
        Some(Format::Ofx)
    } else if head.len() >= 2
        && head.starts_with("01")
        && head.lines().next().is_some_and(|l| l.trim_end_matches('\r').len() == 120)
    {
        Some(Format::Cfonb120)
    } else {
        None
    }
}

/// Reads a whole file: every statement in it, or the reason it is refused.
pub fn read(bytes: &[u8]) -> Result<Vec<Statement>, Refused> {
    let format = detect(bytes).ok_or_else(|| Refused {
        format: "unknown",
        at: "line 1".into(),
        what: "not a CAMT.053, CAMT.054, OFX or CFONB 120 file".into(),
    })?;
    let statements = match format {
        Format::Camt053 | Format::Camt054 => camt::read(bytes, format)?,
        Format::Ofx => ofx::read(bytes)?,
        Format::Cfonb120 => cfonb::read(bytes)?,
    };
    for s in &statements {
        if let (Some(open), Some(close)) = (s.opening, s.closing) {
            let moved = s.lines.iter().try_fold(0i64, |a, l| a.checked_add(l.amount));
            let reached = moved.and_then(|m| open.checked_add(m));
            if reached != Some(close) {
                return Err(Refused::new(
                    format,
                    format!("account {}", s.account),
                    format!(
                        "the opening balance {} and the lines ({} of them) lead to {}, but the closing balance is {}: \
                         the file is not whole or not consistent; ask the bank for it again",
                        cents(open),
                        s.lines.len(),
                        reached.map_or("an overflow".into(), cents),
                        cents(close)
                    ),
                ));
            }
        }
    }
    Ok(statements)
}

/// Cents in euros, for messages.
fn cents(c: i64) -> String {
    format!("{}{}.{:02}", if c < 0 { "-" } else { "" }, c.unsigned_abs() / 100, c.unsigned_abs() % 100)
}

/// `1405.31`, `-80`, `5.5` as cents; more than two decimals refused.
fn decimal(s: &str, sep: char) -> Option<i64> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = body.split_once(sep).unwrap_or((body, ""));
    if int.is_empty() || frac.len() > 2 || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v =
        int.parse::<i64>().ok()?.checked_mul(100)?.checked_add(format!("{frac:0<2}").parse::<i64>().ok()?)?;
    Some(if neg { -v } else { v })
}

/// Gives identical lines (no bank reference) distinct ids by their rank in the file.
fn rank_ids(lines: &mut [BankLine]) {
    let mut seen = std::collections::HashMap::<String, u32>::new();
    for l in lines.iter_mut() {
        let n = seen.entry(l.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            l.id = format!("{}#{n}", l.id);
        }
    }
}

/// The line number of byte `offset` in `bytes`.
fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())].iter().filter(|&&b| b == b'\n').count() + 1
}
