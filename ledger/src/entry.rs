//! An entry: lines on accounts whose debits equal their credits, with the analytic axes (store,
//! channel, family) a P&L per store and channel reads.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{LedgerError, add};

/// Where revenue was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// At a store's till.
    Store,
    /// On the web shop (delivered, or collected at a store).
    Web,
}

impl Channel {
    /// Its word.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Store => "store",
            Channel::Web => "web",
        }
    }
}

/// The analytic axes of a line: which store, which channel, which family (empty where a line has
/// none, as a tender's).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Analytic {
    /// Store code (`LYO`), or empty for head office.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub store: String,
    /// Channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// Family code.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub family: String,
    /// The VAT rate of a revenue line (`20`), what the VAT report's bases are read from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rate: String,
}

/// One line of an entry. Exactly one of `debit` and `credit` is above zero.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// Account number (`707101`).
    pub account: String,
    /// Auxiliary account (a supplier, a payment terminal), or empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub aux: String,
    /// Label.
    pub label: String,
    /// Debit, cents.
    #[serde(default)]
    pub debit: i64,
    /// Credit, cents.
    #[serde(default)]
    pub credit: i64,
    /// Analytic axes.
    #[serde(default)]
    pub analytic: Analytic,
}

/// An entry as validated: numbered in its journal, never changed afterwards (a correction is a
/// new entry).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Journal code (`VE`).
    pub journal: String,
    /// Number in its journal, continuous from 1 (0 until validated).
    pub number: u64,
    /// Accounting date.
    pub date: NaiveDate,
    /// Piece reference (the ticket, the Z, the delivery note, the bank line).
    pub piece: String,
    /// The piece's date.
    pub piece_date: NaiveDate,
    /// What it is.
    pub label: String,
    /// Validation date.
    pub valid: NaiveDate,
    /// What it was made from, unique: `till:LYO-1:123`, `office:receipt:BL-42`, `bank:...`.
    pub source: String,
    /// Its lines.
    pub lines: Vec<Line>,
}

impl Entry {
    /// Refuses an entry whose debits and credits differ, a line with both or neither, a negative
    /// amount, or no line.
    pub fn check(&self) -> Result<(), LedgerError> {
        if self.lines.is_empty() {
            return Err(LedgerError::Invalid(format!("entry {} has no line", self.piece)));
        }
        let (mut debit, mut credit) = (0i64, 0i64);
        for l in &self.lines {
            if l.debit < 0 || l.credit < 0 || (l.debit == 0) == (l.credit == 0) {
                return Err(LedgerError::Invalid(format!(
                    "entry {}: a line on {} with debit {} and credit {}: one of them, above zero",
                    self.piece, l.account, l.debit, l.credit
                )));
            }
            debit = add(debit, l.debit)?;
            credit = add(credit, l.credit)?;
        }
        if debit != credit {
            return Err(LedgerError::Unbalanced { piece: self.piece.clone(), debit, credit });
        }
        Ok(())
    }

    /// Sum of the debits.
    pub fn total(&self) -> i64 {
        self.lines.iter().map(|l| l.debit).sum()
    }
}

/// Lines being gathered for an entry: amounts signed (debit above zero, credit below), merged by
/// account and analytic axes, lines at zero dropped.
#[derive(Debug, Default)]
pub struct Draft {
    lines: Vec<(String, String, String, Analytic, i64)>,
}

impl Draft {
    /// Adds `signed` cents (debit above zero) on `account`.
    pub fn put(
        &mut self,
        account: &str,
        label: &str,
        analytic: Analytic,
        signed: i64,
    ) -> Result<(), LedgerError> {
        self.put_aux(account, "", label, analytic, signed)
    }

    /// Adds `signed` cents on `account` with auxiliary account `aux`.
    pub fn put_aux(
        &mut self,
        account: &str,
        aux: &str,
        label: &str,
        analytic: Analytic,
        signed: i64,
    ) -> Result<(), LedgerError> {
        if signed == 0 {
            return Ok(());
        }
        if let Some(l) =
            self.lines.iter_mut().find(|l| l.0 == account && l.1 == aux && l.3 == analytic && l.2 == label)
        {
            l.4 = add(l.4, signed)?;
        } else {
            self.lines.push((account.to_owned(), aux.to_owned(), label.to_owned(), analytic, signed));
        }
        Ok(())
    }

    /// True when nothing was put (or everything cancelled out).
    pub fn is_empty(&self) -> bool {
        self.lines.iter().all(|l| l.4 == 0)
    }

    /// The lines, debits first then credits, in the order put.
    pub fn lines(self) -> Vec<Line> {
        let mut out: Vec<Line> = self
            .lines
            .into_iter()
            .filter(|l| l.4 != 0)
            .map(|(account, aux, label, analytic, v)| Line {
                account,
                aux,
                label,
                debit: v.max(0),
                credit: v.checked_neg().unwrap_or(i64::MAX).max(0),
                analytic,
            })
            .collect();
        out.sort_by_key(|l| l.debit == 0);
        out
    }
}
