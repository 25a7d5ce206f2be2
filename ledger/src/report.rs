//! Reports from the entries: VAT by rate for a period (collected and deductible), the daily P&L
//! per store, channel and family (revenue excluding tax, cost of goods at weighted average cost,
//! gross margin), the cash position (cash in the drawers, cash on its way to the bank, the bank),
//! and a store's day tied out against the Z its tills signed.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::chart::{Chart, Role};
use crate::entry::{Channel, Entry};
use crate::{LedgerError, add, sub};

/// VAT at one rate.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatRow {
    /// Rate (`20`), or the account when the map gives none.
    pub rate: String,
    /// Revenue excluding tax at that rate (sales), cents.
    pub base: i64,
    /// Collected, cents.
    pub collected: i64,
    /// Deductible, cents.
    pub deductible: i64,
}

fn within(e: &Entry, from: NaiveDate, to: NaiveDate) -> bool {
    e.date >= from && e.date <= to
}

/// VAT by rate from `from` to `to` (both included): the base is the revenue lines' at that rate
/// (their analytic rate), collected the VAT accounts' of that rate, deductible the deductible
/// VAT accounts' (class 4456).
pub fn vat(
    chart: &Chart,
    entries: &[Entry],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<VatRow>, LedgerError> {
    vat_of(chart, entries, from, to, None)
}

/// VAT by rate as [`vat`], of one channel's sales only (no deductible VAT then).
pub fn vat_of(
    chart: &Chart,
    entries: &[Entry],
    from: NaiveDate,
    to: NaiveDate,
    channel: Option<Channel>,
) -> Result<Vec<VatRow>, LedgerError> {
    let rates = chart.keys(Role::VatCollected);
    let mut rows: BTreeMap<String, VatRow> = BTreeMap::new();
    for e in entries.iter().filter(|e| within(e, from, to)) {
        for l in e.lines.iter().filter(|l| channel.is_none() || l.analytic.channel == channel) {
            let net = sub(l.credit, l.debit)?;
            let (rate, what) = if let Some((rate, _)) = rates.iter().find(|(_, a)| *a == l.account) {
                (rate.clone(), 0)
            } else if l.account.starts_with("4456") {
                ("deductible".to_owned(), 1)
            } else if !l.analytic.rate.is_empty() {
                (l.analytic.rate.clone(), 2)
            } else {
                continue;
            };
            let r = rows.entry(rate.clone()).or_insert_with(|| VatRow { rate, ..Default::default() });
            match what {
                0 => r.collected = add(r.collected, net)?,
                1 => r.deductible = add(r.deductible, -net)?,
                _ => r.base = add(r.base, net)?,
            }
        }
    }
    Ok(rows.into_values().collect())
}

/// One row of the P&L.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PnlRow {
    /// Day.
    pub day: Option<NaiveDate>,
    /// Store.
    pub store: String,
    /// Channel.
    pub channel: Option<Channel>,
    /// Family.
    pub family: String,
    /// Revenue excluding tax, cents.
    pub revenue: i64,
    /// Cost of goods sold, cents.
    pub cost: i64,
    /// Revenue less cost, cents.
    pub margin: i64,
}

/// The daily P&L from `from` to `to`, one row per day, store, channel and family with revenue or
/// cost (loyalty discounts are revenue's reduction, on the family-less row).
pub fn pnl(
    chart: &Chart,
    entries: &[Entry],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<PnlRow>, LedgerError> {
    let purchases = chart.account(Role::Purchases, "")?;
    let variation = chart.account(Role::StockVariation, "")?;
    let mut rows: BTreeMap<(NaiveDate, String, Option<Channel>, String), PnlRow> = BTreeMap::new();
    for e in entries.iter().filter(|e| within(e, from, to)) {
        for l in &e.lines {
            let revenue = l.account.starts_with('7');
            let cost = l.account == purchases || l.account == variation;
            if !revenue && !cost {
                continue;
            }
            let a = &l.analytic;
            let key = (e.date, a.store.clone(), a.channel, a.family.clone());
            let r = rows.entry(key).or_insert_with(|| PnlRow {
                day: Some(e.date),
                store: a.store.clone(),
                channel: a.channel,
                family: a.family.clone(),
                ..Default::default()
            });
            if revenue {
                r.revenue = add(r.revenue, sub(l.credit, l.debit)?)?;
            } else {
                r.cost = add(r.cost, sub(l.debit, l.credit)?)?;
            }
        }
    }
    let mut out = Vec::new();
    for mut r in rows.into_values() {
        r.margin = sub(r.revenue, r.cost)?;
        if r.revenue != 0 || r.cost != 0 {
            out.push(r);
        }
    }
    Ok(out)
}

/// The cash position of one account (and auxiliary) over a period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashRow {
    /// Account.
    pub account: String,
    /// Its label.
    pub label: String,
    /// Auxiliary (a till's drawer, a deposit slip), or empty.
    pub aux: String,
    /// Balance before the period, cents.
    pub opening: i64,
    /// In during the period.
    pub debit: i64,
    /// Out during the period.
    pub credit: i64,
    /// Balance at its end.
    pub closing: i64,
}

/// Cash in the drawers (per till), cash on its way to the bank, and the bank, from `from` to `to`.
pub fn cash(
    chart: &Chart,
    entries: &[Entry],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CashRow>, LedgerError> {
    let accounts = [
        chart.account(Role::Tender, "cash")?,
        chart.account(Role::DepositTransit, "")?,
        chart.account(Role::Bank, "")?,
    ];
    let mut rows: BTreeMap<(usize, String), CashRow> = BTreeMap::new();
    for e in entries.iter().filter(|e| e.date <= to) {
        for l in &e.lines {
            let Some(i) = accounts.iter().position(|a| *a == l.account) else { continue };
            // Deposits in transit are summed, not listed slip by slip.
            let aux = if i == 1 { String::new() } else { l.aux.clone() };
            let r = rows.entry((i, aux.clone())).or_insert_with(|| CashRow {
                account: l.account.clone(),
                label: chart.label(&l.account).to_owned(),
                aux,
                ..Default::default()
            });
            if e.date < from {
                r.opening = add(r.opening, sub(l.debit, l.credit)?)?;
            } else {
                r.debit = add(r.debit, l.debit)?;
                r.credit = add(r.credit, l.credit)?;
            }
        }
    }
    let mut out = Vec::new();
    for mut r in rows.into_values() {
        r.closing = add(r.opening, sub(r.debit, r.credit)?)?;
        out.push(r);
    }
    Ok(out)
}

/// A till's day in the books: revenue excluding tax and VAT collected by rate, from the entries
/// its records posted (`source` starting `till:{till}:`).
pub fn till_day(
    chart: &Chart,
    entries: &[Entry],
    till: &str,
    day: NaiveDate,
) -> Result<BTreeMap<String, (i64, i64)>, LedgerError> {
    let prefix = format!("till:{till}:");
    let mine: Vec<Entry> = entries
        .iter()
        .filter(|e| e.date == day && e.source.starts_with(&prefix) && !e.source.ends_with(":cost"))
        .cloned()
        .collect();
    Ok(vat(chart, &mine, day, day)?
        .into_iter()
        .filter(|r| r.rate != "deductible")
        .map(|r| (r.rate, (r.base, r.collected)))
        .collect())
}

/// Ties a till's closure out against the entries its tickets posted (those numbered
/// `tickets_from` to `tickets_to`, references `{till}-T000042`): for each VAT rate, the Z's base and
/// VAT against the books'. The differences, in words; none when it ties to the cent.
pub fn z_tie_out(
    chart: &Chart,
    entries: &[Entry],
    till: &str,
    z: &pos_journal::body::Closure,
) -> Result<Vec<String>, LedgerError> {
    let prefix = format!("till:{till}:");
    let ticket = format!("{till}-T");
    let mine: Vec<Entry> = entries
        .iter()
        .filter(|e| e.source.starts_with(&prefix) && !e.source.ends_with(":cost"))
        .filter(|e| {
            e.piece
                .strip_prefix(&ticket)
                .and_then(|n| n.parse::<u64>().ok())
                .is_some_and(|n| (z.tickets_from..=z.tickets_to).contains(&n))
        })
        .cloned()
        .collect();
    let books = vat_of(chart, &mine, NaiveDate::MIN, NaiveDate::MAX, Some(Channel::Store))?;
    let mut out = Vec::new();
    let mut rates: std::collections::BTreeSet<&str> = z.totals.vat.keys().map(String::as_str).collect();
    rates.extend(books.iter().map(|r| r.rate.as_str()));
    for rate in rates {
        let signed = z.totals.vat.get(rate).map_or((0, 0), |v| (v.base, v.vat));
        let held = books.iter().find(|r| r.rate == rate).map_or((0, 0), |r| (r.base, r.collected));
        if signed != held {
            out.push(format!(
                "at {rate} %: the Z says base {} VAT {}, the books {} and {}",
                signed.0, signed.1, held.0, held.1
            ));
        }
    }
    Ok(out)
}
