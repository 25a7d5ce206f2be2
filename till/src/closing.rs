//! What a closure signs, computed from the journal alone: the totals of the tickets since the last
//! daily closure, the perpetual grand totals (the last closure's, plus every ticket after it), and
//! the cash the drawer should hold (the last opening's float, plus the cash of every ticket and cash
//! movement after it). Nothing here reads a projection: an edited `state` row cannot reach a Z.
//!
//! The same adding-up ([`TotalsBuilder`]) serves the replay that `pos-till verify` runs, which checks
//! every closure ever signed against the tickets before it.

use pos_journal::body::{Closure, ClosurePeriod, Entry, LineMeasure, TenderMethod, Ticket, Totals, VatLine};
use std::collections::BTreeMap;

use pos_core::money::Money;
use pos_journal::{ChainName, Kind};
use rusqlite::{Connection, params};
use rust_decimal::Decimal;

use crate::error::TillError;
use crate::projection::{Register, add, cash_of, overflow};
use crate::reason::Reason;
use crate::store;

/// Adds tickets up into [`Totals`], every sum checked.
#[derive(Clone, Debug, Default)]
pub struct TotalsBuilder {
    totals: Totals,
}

impl TotalsBuilder {
    /// Adds one ticket.
    pub fn add(&mut self, k: &Ticket) -> Result<(), TillError> {
        let t = &mut self.totals;
        t.tickets = add(t.tickets, 1, "the ticket count")?;
        t.total = add(t.total, k.total, "the total")?;
        if k.total > 0 {
            t.sales = add(t.sales, k.total, "the sales")?;
            t.sales_tickets = add(t.sales_tickets, 1, "the ticket count")?;
        } else {
            t.refunds = t.refunds.checked_sub(k.total).ok_or_else(|| overflow("the refunds"))?;
        }
        t.discounts = add(t.discounts, k.discounts, "the discounts")?;
        t.eco = add(t.eco, k.eco, "the eco-participation")?;
        t.gift_cards_sold = add(t.gift_cards_sold, k.out_of_scope, "the gift cards sold")?;
        for l in &k.lines {
            if l.measure == LineMeasure::Returned {
                t.returns = t.returns.checked_sub(l.net).ok_or_else(|| overflow("the returns"))?;
            }
            if !l.gift_card {
                add_into(&mut t.families, &l.family, l.net, "a family's sales")?;
            }
        }
        for tender in &k.tenders {
            add_into(&mut t.tenders, &tender.kind, tender.cents, "a tender's total")?;
        }
        // The change comes out of the cash once per ticket, however many cash tenders it has.
        if k.change != 0 {
            let change = k.change.checked_neg().ok_or_else(|| overflow("the change"))?;
            add_into(&mut t.tenders, &TenderMethod::Cash, change, "the cash")?;
        }
        for v in &k.vat {
            add_vat(&mut t.vat, v)?;
        }
        Ok(())
    }

    /// Adds the totals of a closure below (a month adds its days, a year its months).
    pub fn add_totals(&mut self, t: &Totals) -> Result<(), TillError> {
        let into = &mut self.totals;
        into.tickets = add(into.tickets, t.tickets, "the ticket count")?;
        into.total = add(into.total, t.total, "the total")?;
        into.sales = add(into.sales, t.sales, "the sales")?;
        into.refunds = add(into.refunds, t.refunds, "the refunds")?;
        into.returns = add(into.returns, t.returns, "the returns")?;
        into.discounts = add(into.discounts, t.discounts, "the discounts")?;
        into.eco = add(into.eco, t.eco, "the eco-participation")?;
        into.gift_cards_sold = add(into.gift_cards_sold, t.gift_cards_sold, "the gift cards sold")?;
        for (k, v) in &t.tenders {
            let e = into.tenders.entry(*k).or_default();
            *e = add(*e, *v, "a tender's total")?;
        }
        for (k, v) in &t.families {
            let e = into.families.entry(k.clone()).or_default();
            *e = add(*e, *v, "a family's sales")?;
        }
        for v in t.vat.values() {
            add_vat(&mut into.vat, v)?;
        }
        into.sales_tickets = add(into.sales_tickets, t.sales_tickets, "the ticket count")?;
        Ok(())
    }

    /// The totals, with the average basket worked out.
    pub fn finish(self) -> Totals {
        let mut t = self.totals;
        t.average_basket = if t.sales_tickets > 0 { round_div(t.sales, t.sales_tickets) } else { 0 };
        t
    }
}

/// Totals of some tickets.
pub fn totals<'a>(tickets: impl IntoIterator<Item = &'a Ticket>) -> Result<Totals, TillError> {
    let mut b = TotalsBuilder::default();
    for t in tickets {
        b.add(t)?;
    }
    Ok(b.finish())
}

fn round_div(a: i64, b: i64) -> i64 {
    (Money::from_cents(a).euros() / Decimal::from(b) * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .try_into()
        .unwrap_or(0)
}

/// Adds `amount` to `key`'s sum (the key copied only the first time it is met).
fn add_into<K: Ord + Clone>(
    table: &mut BTreeMap<K, i64>,
    key: &K,
    amount: i64,
    what: &str,
) -> Result<(), TillError> {
    match table.get_mut(key) {
        Some(e) => *e = add(*e, amount, what)?,
        None => {
            table.insert(key.clone(), amount);
        }
    }
    Ok(())
}

/// Adds one rate's base, VAT and total into a per-rate table.
fn add_vat(table: &mut BTreeMap<String, VatLine>, v: &VatLine) -> Result<(), TillError> {
    if !table.contains_key(&v.rate) {
        table.insert(v.rate.clone(), VatLine { rate: v.rate.clone(), base: 0, vat: 0, total: 0 });
    }
    let Some(e) = table.get_mut(&v.rate) else { return Ok(()) };
    e.base = add(e.base, v.base, "a VAT base")?;
    e.vat = add(e.vat, v.vat, "a VAT amount")?;
    e.total = add(e.total, v.total, "a VAT rate's total")?;
    Ok(())
}

/// A live ticket as read back from the journal: its seq, its number and the ticket.
pub struct Journaled {
    /// Seq.
    pub seq: u64,
    /// Ticket number.
    pub no: u64,
    /// The ticket.
    pub ticket: Ticket,
}

/// Every live ticket after `after_seq`, in order.
pub fn tickets_since(conn: &Connection, after_seq: u64) -> Result<Vec<Journaled>, TillError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq FROM journal WHERE chain = 'live' AND kind = 'ticket' AND seq > ?1 ORDER BY seq",
    )?;
    let seqs: Vec<u64> = stmt.query_map([after_seq], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(seqs.len());
    for seq in seqs {
        if let Some(r) = store::read_records(conn, ChainName::Live, seq, seq)?.pop()
            && let Entry::Ticket(ticket) = r.entry
        {
            out.push(Journaled { seq, no: r.header.no, ticket });
        }
    }
    Ok(out)
}

/// The last live record of `kind` (newest first) for which `pick` answers something.
fn last_of<T>(
    conn: &Connection,
    kind: Kind,
    mut pick: impl FnMut(u64, Entry) -> Option<T>,
) -> Result<Option<T>, TillError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq FROM journal WHERE chain = 'live' AND kind = ?1 ORDER BY no DESC LIMIT 64 OFFSET ?2",
    )?;
    let mut offset = 0u64;
    loop {
        let seqs: Vec<u64> =
            stmt.query_map(params![kind.as_str(), offset], |r| r.get(0))?.collect::<Result<_, _>>()?;
        if seqs.is_empty() {
            return Ok(None);
        }
        for &seq in &seqs {
            if let Some(r) = store::read_records(conn, ChainName::Live, seq, seq)?.pop()
                && let Some(found) = pick(seq, r.entry)
            {
                return Ok(Some(found));
            }
        }
        offset += seqs.len() as u64;
    }
}

/// The last closure of `period` (any when `None`), with its seq.
pub fn last_closure(
    conn: &Connection,
    period: Option<ClosurePeriod>,
) -> Result<Option<(u64, Closure)>, TillError> {
    last_of(conn, Kind::Closure, |seq, e| match e {
        Entry::Closure(c) if period.is_none_or(|p| p == c.period) => Some((seq, c)),
        _ => None,
    })
}

/// The register as the journal has it: the last opening and everything after it, or `None` when
/// the last opening's day has been closed since.
pub fn drawer(conn: &Connection) -> Result<Option<Register>, TillError> {
    drawer_of(conn, None)
}

/// [`drawer`], only when the register open is `day`'s (`None`: whatever its day).
fn drawer_of(conn: &Connection, wanted: Option<&str>) -> Result<Option<Register>, TillError> {
    // The newest of an opening and a session's end says whether the register is open.
    let opened = last_of(conn, Kind::PaymentProof, |seq, e| match e {
        Entry::RegisterOpened { day, float, by, .. } => Some(Some((seq, day, float, by))),
        Entry::RegisterClosed { .. } => Some(None),
        _ => None,
    })?;
    let Some(Some((opened_seq, day, float, by))) = opened else { return Ok(None) };
    if wanted.is_some_and(|w| w != day) {
        return Ok(None);
    }
    if last_closure(conn, Some(ClosurePeriod::Day))?.is_some_and(|(seq, c)| seq > opened_seq && c.key == day)
    {
        return Ok(None);
    }
    let mut reg = Register { day, float, cash_sales: 0, cash_in: 0, cash_out: 0, opened_by: by };
    for t in tickets_since(conn, opened_seq)? {
        reg.cash_sales = add(reg.cash_sales, cash_of(&t.ticket)?, "the cash from sales")?;
    }
    let mut stmt = conn.prepare_cached(
        "SELECT seq FROM journal WHERE chain = 'live' AND kind = 'payment_proof' AND seq > ?1 ORDER BY seq",
    )?;
    let seqs: Vec<u64> = stmt.query_map([opened_seq], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for seq in seqs {
        match store::read_records(conn, ChainName::Live, seq, seq)?.pop().map(|r| r.entry) {
            Some(Entry::CashIn { cents, .. }) => reg.cash_in = add(reg.cash_in, cents, "the cash put in")?,
            Some(Entry::CashOut { cents, .. }) => {
                reg.cash_out = add(reg.cash_out, cents, "the cash taken out")?;
            }
            _ => {}
        }
    }
    Ok(Some(reg))
}

/// The day of the last register session when that day has not been closed since its opening: a
/// later day's opening closes it first. A day whose sessions all ended (`RegisterClosed`) is still
/// unclosed until its daily closure, which covers every session of it.
pub fn unclosed_day(conn: &Connection) -> Result<Option<String>, TillError> {
    let opened = last_of(conn, Kind::PaymentProof, |seq, e| match e {
        Entry::RegisterOpened { day, .. } => Some((seq, day)),
        _ => None,
    })?;
    let Some((opened_seq, day)) = opened else { return Ok(None) };
    if last_closure(conn, Some(ClosurePeriod::Day))?.is_some_and(|(seq, c)| seq > opened_seq && c.key == day)
    {
        return Ok(None);
    }
    Ok(Some(day))
}

/// The perpetual grand totals now: the last closure's, plus every live ticket after it.
pub fn grand_totals(conn: &Connection) -> Result<(i64, i64), TillError> {
    let (after, mut gt, mut abs) = match last_closure(conn, None)? {
        Some((seq, c)) => (seq, c.grand_total, c.grand_total_abs),
        None => (0, 0, 0),
    };
    for t in tickets_since(conn, after)? {
        gt = add(gt, t.ticket.total, "the perpetual grand total")?;
        let a = t.ticket.total.checked_abs().ok_or_else(|| overflow("the perpetual grand total"))?;
        abs = add(abs, a, "the perpetual grand total of absolute values")?;
    }
    Ok((gt, abs))
}

/// The daily closure of `day` as it would be made now, from the journal alone: every live ticket
/// since the last daily closure, the grand totals, and the drawer when its register is `day`'s.
pub fn day_closure(conn: &Connection, day: &str, by: &str) -> Result<Closure, TillError> {
    let after = last_closure(conn, Some(ClosurePeriod::Day))?.map_or(0, |(seq, _)| seq);
    let tickets = tickets_since(conn, after)?;
    let totals = totals(tickets.iter().map(|t| &t.ticket))?;
    let (grand_total, grand_total_abs) = grand_totals(conn)?;
    let cash_expected = match drawer_of(conn, Some(day))? {
        Some(r) => r.expected()?,
        None => 0,
    };
    Ok(Closure {
        period: ClosurePeriod::Day,
        key: day.into(),
        totals,
        grand_total,
        grand_total_abs,
        tickets_from: tickets.first().map_or(0, |t| t.no),
        tickets_to: tickets.last().map_or(0, |t| t.no),
        includes: Vec::new(),
        cash_expected,
        automatic: false,
        by: by.into(),
    })
}

/// A monthly (`YYYY-MM`) or yearly (`YYYY`) closure from the closures below it in the journal.
pub fn period_closure(conn: &Connection, key: &str, by: &str) -> Result<Closure, TillError> {
    let refused = TillError::refused;
    let (period, below) = match key.len() {
        7 => (ClosurePeriod::Month, ClosurePeriod::Day),
        4 => (ClosurePeriod::Year, ClosurePeriod::Month),
        _ => return Err(refused(format!("`{key}` is neither a month (YYYY-MM) nor a year (YYYY)"))),
    };
    let closures: Vec<Closure> = store::records_of_kind(conn, ChainName::Live, Kind::Closure)?
        .into_iter()
        .filter_map(|r| match r.entry {
            Entry::Closure(c) => Some(c),
            _ => None,
        })
        .collect();
    if closures.iter().any(|c| c.period == period && c.key == key) {
        return Err(refused(format!("{key} is already closed")));
    }
    let parts: Vec<&Closure> =
        closures.iter().filter(|c| c.period == below && c.key.starts_with(key)).collect();
    if parts.is_empty() {
        return Err(refused(format!("no {below} of {key} is closed yet")));
    }
    if period == ClosurePeriod::Year {
        // Every month that had a day closed must itself be closed before its year.
        let months: std::collections::BTreeSet<&str> = closures
            .iter()
            .filter(|c| c.period == ClosurePeriod::Day && c.key.starts_with(key))
            .filter_map(|c| c.key.get(..7))
            .collect();
        if let Some(open) =
            months.iter().find(|m| !closures.iter().any(|c| c.period == ClosurePeriod::Month && c.key == **m))
        {
            return Err(refused(format!("month {open} is not closed yet: close it before the year")));
        }
    }
    period_from(period, key, &parts, grand_totals(conn)?, by)
}

/// The closure of a period from the closures below it, at the given grand totals.
pub fn period_from(
    period: ClosurePeriod,
    key: &str,
    parts: &[&Closure],
    (grand_total, grand_total_abs): (i64, i64),
    by: &str,
) -> Result<Closure, TillError> {
    let mut b = TotalsBuilder::default();
    for p in parts {
        b.add_totals(&p.totals)?;
    }
    Ok(Closure {
        period,
        key: key.into(),
        totals: b.finish(),
        grand_total,
        grand_total_abs,
        tickets_from: parts.iter().map(|p| p.tickets_from).filter(|&n| n > 0).min().unwrap_or(0),
        tickets_to: parts.iter().map(|p| p.tickets_to).max().unwrap_or(0),
        includes: parts.iter().map(|p| p.key.clone()).collect(),
        cash_expected: 0,
        automatic: false,
        by: by.into(),
    })
}

/// The total of a cash count by denomination (`"50.00"` → pieces), every product and sum checked.
pub fn count_total(counted: &BTreeMap<String, i64>) -> Result<i64, TillError> {
    const DENOMINATIONS: [i64; 15] =
        [50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1];
    /// More pieces of one note or coin than any drawer or safe holds: a typing error.
    const MAX_PIECES: i64 = 100_000;
    let refused = TillError::Refused;
    let mut total = 0i64;
    for (d, n) in counted {
        let cents = d
            .parse::<Money>()
            .ok()
            .filter(|m| m.round() == *m)
            .map(Money::cents)
            .ok_or_else(|| refused(Reason::NotAnAmount { typed: d.clone() }))?;
        if !DENOMINATIONS.contains(&cents) {
            return Err(refused(Reason::NotADenomination { denomination: d.clone() }));
        }
        if *n < 0 {
            return Err(refused(Reason::NegativeCount { denomination: d.clone() }));
        }
        if *n > MAX_PIECES {
            return Err(refused(Reason::TooManyPieces {
                pieces: *n,
                denomination: d.clone(),
                max: MAX_PIECES,
            }));
        }
        let value = cents.checked_mul(*n).ok_or_else(|| overflow("the cash counted"))?;
        total = add(total, value, "the cash counted")?;
    }
    crate::limits::within_ceiling(total, crate::reason::Amounted::CashCount).map_err(refused)?;
    Ok(total)
}
