//! Bank lines matched to what they settle, by rules, within date windows:
//!
//! - a **card settlement** (money in, the terminal's contract number in the label) is the card
//!   takings of that terminal's days not yet settled, the days just before the line's booking day
//!   (one, or several after a weekend or a holiday), net of the contract's commission computed day
//!   by day; it posts Dr bank (net) + Dr commission / Cr cards to collect (gross);
//! - a **cash deposit** (money in) is the deposit whose slip reference the line carries, for its
//!   very amount, booked within 10 days of the deposit;
//! - a **supplier payment** (money out) is the invoice whose reference the line carries, for its
//!   amount, booked within 60 days of the invoice.
//!
//! A line no rule matches exactly waits for a person, with candidates proposed (open items of the
//! same amount within 15 days, or card days whose net comes closest).

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::bank::BankLine;
use crate::{LedgerError, add, mul_div, sub};

/// A card terminal's contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terminal {
    /// The till it serves (its takings' auxiliary account).
    pub till: String,
    /// The contract number the acquirer writes on its settlement lines.
    pub contract: String,
    /// Commission, hundredths of a percent (90: 0.90 %).
    pub rate_bps: i64,
}

/// What is open in the books, waiting for a bank line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpenItem {
    /// A day's card takings at a till.
    CardDay {
        /// Till.
        till: String,
        /// Day.
        day: NaiveDate,
        /// Gross takings, cents.
        gross: i64,
    },
    /// Cash taken to the bank with a slip.
    Deposit {
        /// Slip reference.
        slip: String,
        /// Day.
        day: NaiveDate,
        /// Cents.
        amount: i64,
    },
    /// A supplier's invoice to pay.
    Invoice {
        /// Supplier code.
        supplier: String,
        /// Invoice reference.
        reference: String,
        /// Day.
        day: NaiveDate,
        /// Cents, tax included.
        amount: i64,
    },
}

impl OpenItem {
    /// Its key, unique among open items.
    pub fn key(&self) -> String {
        match self {
            OpenItem::CardDay { till, day, .. } => format!("card:{till}:{day}"),
            OpenItem::Deposit { slip, .. } => format!("deposit:{slip}"),
            OpenItem::Invoice { supplier, reference, .. } => format!("invoice:{supplier}:{reference}"),
        }
    }

    fn day(&self) -> NaiveDate {
        match self {
            OpenItem::CardDay { day, .. } | OpenItem::Deposit { day, .. } | OpenItem::Invoice { day, .. } => {
                *day
            }
        }
    }

    /// What the bank line settling it would be, cents (card days: gross).
    fn amount(&self) -> i64 {
        match self {
            OpenItem::CardDay { gross, .. } => *gross,
            OpenItem::Deposit { amount, .. } => *amount,
            OpenItem::Invoice { amount, .. } => -*amount,
        }
    }
}

/// Which rule matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A card settlement.
    CardSettlement,
    /// A cash deposit.
    Deposit,
    /// A supplier payment.
    SupplierPayment,
}

/// A line matched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matched {
    /// The bank line.
    pub line: String,
    /// The rule.
    pub rule: Rule,
    /// The open items it settles (their keys).
    pub items: Vec<String>,
    /// Card settlements: the commission, cents.
    pub commission: i64,
}

/// A line left for a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// The bank line.
    pub line: String,
    /// Why no rule matched it.
    pub reason: String,
    /// Open items that might be it (keys).
    pub candidates: Vec<String>,
}

/// What a matching run found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Matched automatically.
    pub matched: Vec<Matched>,
    /// Left for review.
    pub review: Vec<Review>,
}

/// The commission on a set of card days: each day's, rounded, added up.
pub fn commission(days: &[i64], rate_bps: i64) -> Result<i64, LedgerError> {
    days.iter().try_fold(0i64, |a, g| add(a, mul_div(*g, rate_bps, 10_000)?))
}

fn contains_word(hay: &str, needle: &str) -> bool {
    !needle.is_empty()
        && hay
            .to_uppercase()
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '/')
            .any(|w| w == needle.to_uppercase())
}

/// Matches `lines` against `open` (each open item settles at most one line, each line at most one
/// match).
pub fn run(lines: &[BankLine], open: &[OpenItem], terminals: &[Terminal]) -> Result<Outcome, LedgerError> {
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    // Card days per till, by day.
    let mut cards: HashMap<&str, BTreeMap<NaiveDate, i64>> = HashMap::new();
    let mut by_ref: HashMap<String, &OpenItem> = HashMap::new();
    for item in open {
        match item {
            OpenItem::CardDay { till, day, gross } => {
                let d = cards.entry(till.as_str()).or_default().entry(*day).or_default();
                *d = add(*d, *gross)?;
            }
            OpenItem::Deposit { slip, .. } => {
                by_ref.insert(slip.to_uppercase(), item);
            }
            OpenItem::Invoice { reference, .. } => {
                by_ref.insert(reference.to_uppercase(), item);
            }
        }
    }
    let mut out = Outcome::default();
    for line in lines {
        if let Some(m) = card(line, &cards, terminals, &taken)? {
            taken.extend(m.items.iter().cloned());
            out.matched.push(m);
            continue;
        }
        let words: Vec<String> = format!("{} {} {}", line.reference, line.label, line.counterparty)
            .to_uppercase()
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == ':')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        let found = words.iter().filter_map(|w| by_ref.get(w)).find(|item| !taken.contains(&item.key()));
        if let Some(item) = found {
            let (rule, window) = match item {
                OpenItem::Deposit { .. } => (Rule::Deposit, 10),
                _ => (Rule::SupplierPayment, 60),
            };
            let days = (line.booked - item.day()).num_days();
            if item.amount() == line.amount && (0..=window).contains(&days) {
                taken.insert(item.key());
                out.matched.push(Matched {
                    line: line.id.clone(),
                    rule,
                    items: vec![item.key()],
                    commission: 0,
                });
                continue;
            }
            out.review.push(Review {
                line: line.id.clone(),
                reason: format!(
                    "it names {} but {}",
                    item.key(),
                    if item.amount() != line.amount {
                        format!("for {} cents where {} were expected", line.amount, item.amount())
                    } else {
                        format!("{days} days after it, outside the {window}-day window")
                    }
                ),
                candidates: vec![item.key()],
            });
            continue;
        }
        let near = |item: &&OpenItem| {
            item.amount() == line.amount
                && (line.booked - item.day()).num_days().abs() <= 15
                && !taken.contains(&item.key())
        };
        let mut candidates: Vec<String> = open.iter().filter(near).map(OpenItem::key).take(5).collect();
        let reason = if line.amount > 0 && terminals.iter().any(|t| contains_word(&line.label, &t.contract)) {
            "a card settlement whose amount is no run of unsettled days net of commission".to_owned()
        } else if candidates.is_empty() {
            "no rule and no open item of this amount within 15 days".to_owned()
        } else {
            "no reference the books know; open items of the same amount are proposed".to_owned()
        };
        if candidates.is_empty() && line.amount > 0 {
            candidates.extend(closest_card_days(line, &cards, terminals, &taken));
        }
        out.review.push(Review { line: line.id.clone(), reason, candidates });
    }
    Ok(out)
}

/// The runs of unsettled card days a settlement on `line` may cover: the days before its booking
/// day, newest first, up to 5 days back.
fn runs(
    line: &BankLine,
    days: &BTreeMap<NaiveDate, i64>,
    till: &str,
    taken: &std::collections::HashSet<String>,
) -> Vec<Vec<(NaiveDate, i64)>> {
    let from = line.booked - Duration::days(5);
    let open: Vec<(NaiveDate, i64)> = days
        .range(from..line.booked)
        .filter(|(d, _)| !taken.contains(&format!("card:{till}:{d}")))
        .map(|(d, g)| (*d, *g))
        .collect();
    // Runs ending at each day, oldest-first inside: [d], [d-1, d], ...
    let mut out = Vec::new();
    for end in (0..open.len()).rev() {
        for start in (0..=end).rev() {
            out.push(open[start..=end].to_vec());
        }
    }
    out
}

fn card(
    line: &BankLine,
    cards: &HashMap<&str, BTreeMap<NaiveDate, i64>>,
    terminals: &[Terminal],
    taken: &std::collections::HashSet<String>,
) -> Result<Option<Matched>, LedgerError> {
    if line.amount <= 0 {
        return Ok(None);
    }
    let Some(t) = terminals
        .iter()
        .find(|t| contains_word(&line.label, &t.contract) || contains_word(&line.reference, &t.contract))
    else {
        return Ok(None);
    };
    let Some(days) = cards.get(t.till.as_str()) else { return Ok(None) };
    for run in runs(line, days, &t.till, taken) {
        let grosses: Vec<i64> = run.iter().map(|(_, g)| *g).collect();
        let gross = grosses.iter().try_fold(0i64, |a, g| add(a, *g))?;
        let fee = commission(&grosses, t.rate_bps)?;
        if sub(gross, fee)? == line.amount {
            return Ok(Some(Matched {
                line: line.id.clone(),
                rule: Rule::CardSettlement,
                items: run.iter().map(|(d, _)| format!("card:{}:{d}", t.till)).collect(),
                commission: fee,
            }));
        }
    }
    Ok(None)
}

fn closest_card_days(
    line: &BankLine,
    cards: &HashMap<&str, BTreeMap<NaiveDate, i64>>,
    terminals: &[Terminal],
    taken: &std::collections::HashSet<String>,
) -> Vec<String> {
    let mut best: Option<(i64, Vec<String>)> = None;
    for t in terminals {
        let Some(days) = cards.get(t.till.as_str()) else { continue };
        for run in runs(line, days, &t.till, taken) {
            let gross: i64 = run.iter().map(|(_, g)| *g).sum();
            let diff = (gross - line.amount).abs();
            if gross >= line.amount && best.as_ref().is_none_or(|(b, _)| diff < *b) {
                best = Some((diff, run.iter().map(|(d, _)| format!("card:{}:{d}", t.till)).collect()));
            }
        }
    }
    best.map(|(_, k)| k).unwrap_or_default()
}
