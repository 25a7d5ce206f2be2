//! Replaying the journal: every record applied in order with the function live commits use
//! ([`crate::projection::apply`]), so the projections a replay makes are the ones the till should
//! have. On the way, what each record says is checked against the records before it:
//!
//! - every closure: its totals, ticket numbers and grand totals against the tickets since the last
//!   daily closure (and, for a month or a year, against the closures below it), its expected cash
//!   against the drawer;
//! - every ticket: its lines, its VAT and its tenders each add up to its total; the balances,
//!   points and returned units it states are the ones the journal makes; nothing is spent or brought
//!   back beyond what there is;
//! - every cash count: its total, its difference, its expected cash; a carried float is the cash the
//!   day before left; duplicates are numbered without gaps.
//!
//! `pos-till verify` replays into temporary tables and compares them with the till's, row by row;
//! `pos-till rebuild` replays into the till's own tables.

use pos_journal::body::{Closure, ClosurePeriod, Entry, LineMeasure, LineSpec, Ticket};
use std::collections::{BTreeMap, HashMap};

use pos_journal::{ChainName, Header};
use rusqlite::Connection;
use serde_json::Value;

use crate::closing::{TotalsBuilder, count_total, period_from};
use crate::error::TillError;
use crate::projection::{self, State};
use crate::verify::Finding;

/// What is wrong with a record, as a replay sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Its figures contradict the journal before it; the replay goes on.
    Soft(String),
    /// It cannot be applied (a balance below zero, a sum that overflows): nothing after it can be
    /// replayed.
    Hard(String),
}

/// A replay in progress.
#[derive(Debug, Default)]
pub struct Replay {
    /// The state as replayed so far.
    pub state: State,
    /// Tickets since the last daily closure.
    since_day: TotalsBuilder,
    first_ticket: u64,
    last_ticket: u64,
    /// Daily and monthly closures replayed, for the month and year closures above them.
    days: Vec<Closure>,
    months: Vec<Closure>,
    /// The cash each day the till closed itself expected, for its later count.
    auto_expected: BTreeMap<String, i64>,
    /// The till whose journal this is (its `initialised` record): returns of other tills' tickets
    /// are head office's to count.
    till: String,
    /// Days whose register opened again after their closure: they may be closed once more.
    reopened: std::collections::BTreeSet<String>,
    /// The cash expected by the last daily closure, for the float carried over from it.
    last_expected: Option<i64>,
    /// Units sold per returnable line of each live ticket: ticket → line → units.
    sold: HashMap<String, Vec<(u32, u32)>>,
    /// Units brought back so far per sold line (`ticket#line`).
    returned: HashMap<String, u32>,
    /// The live records that switched training mode on.
    training_on: std::collections::HashSet<u64>,
    /// The chain's promotions' names: a discount on a ticket is one of them or a journaled one.
    promotions: std::collections::HashSet<String>,
    /// Duplicates printed so far, by ticket.
    duplicates: HashMap<String, u32>,
    /// Closures checked.
    pub closures: u64,
    /// The last record replayed on each chain (live, training): the state's stamp at the end.
    last: [Option<(u64, [u8; 32])>; 2],
}

impl Replay {
    /// A replay from the start of the journal, for a chain whose promotions are named `promotions`.
    pub fn new(promotions: impl IntoIterator<Item = String>) -> Replay {
        Replay { promotions: promotions.into_iter().collect(), ..Replay::default() }
    }

    /// Whether ticket `t` sells what the basket journaled before it holds: the same lines, each what
    /// its step added, and no discount that is neither a promotion nor one the journal holds.
    fn against_basket(&self, t: &Ticket, training: bool) -> Result<(), String> {
        let basket = if training { &self.state.training_basket } else { &self.state.basket };
        let differs = |what: String| Err(format!("ticket {} {what}", t.reference));
        if t.lines.len() != basket.lines.len() {
            return differs(format!(
                "has {} line(s); the basket journaled before it has {}",
                t.lines.len(),
                basket.lines.len()
            ));
        }
        for l in &t.lines {
            let Some(spec) = basket.lines.get(&l.id) else {
                return differs(format!("has a line {} that no journaled step added", l.id));
            };
            let same = match spec {
                LineSpec::Units { sku, quantity, serial } => {
                    l.measure == LineMeasure::Units
                        && l.sku == *sku
                        && l.quantity == i64::from(*quantity)
                        && serial.as_deref().unwrap_or("") == l.reference
                }
                LineSpec::Weighed { sku, grams } => {
                    l.measure == LineMeasure::Weight && l.sku == *sku && l.quantity == *grams
                }
                LineSpec::Label { sku, cents } => {
                    l.measure == LineMeasure::Label && l.sku == *sku && l.gross == *cents
                }
                LineSpec::GiftCard { sku, card, cents } => {
                    l.gift_card && l.sku == *sku && l.reference == *card && l.net == *cents
                }
                LineSpec::Return { ticket, line, sku, units, .. } => {
                    l.measure == LineMeasure::Returned
                        && l.sku == *sku
                        && Some(l.quantity) == i64::from(*units).checked_neg()
                        && l.reference == format!("{ticket}#{line}")
                }
            };
            if !same {
                return differs(format!(
                    "sells on line {} something other than the journaled step added",
                    l.id
                ));
            }
            let manual = basket.discounts.get(&l.id).map(|d| d.reason.as_str());
            if let Some((label, _)) = l
                .discounts
                .iter()
                .find(|(label, _)| !self.promotions.contains(label) && Some(label.as_str()) != manual)
            {
                return differs(format!(
                    "gives line {} a discount \"{label}\", neither a promotion nor journaled",
                    l.id
                ));
            }
        }
        let manual = basket.discount.as_ref().map(|d| d.reason.as_str());
        if let Some((label, _)) = t
            .basket_discounts
            .iter()
            .find(|(label, _)| !self.promotions.contains(label) && Some(label.as_str()) != manual)
        {
            return differs(format!(
                "gives a basket discount \"{label}\", neither a promotion nor journaled"
            ));
        }
        Ok(())
    }

    /// Checks one record against what came before, then applies it.
    pub fn record(
        &mut self,
        conn: &Connection,
        header: &Header,
        hash: &[u8; 32],
        entry: &Entry,
    ) -> Result<(), Problem> {
        let live = header.chain == ChainName::Live;
        self.last[usize::from(!live)] = Some((header.seq, *hash));
        let mut soft = None;
        if let Entry::Ticket(t) = entry {
            soft = self.against_basket(t, !live).err();
        }
        if live && soft.is_none() {
            soft = self.check(entry).err();
            if let Entry::Training { on: true, .. } = entry {
                self.training_on.insert(header.seq);
            }
        } else if let Entry::Ticket(t) = entry
            && soft.is_none()
            && !self.training_on.contains(&t.training_from)
        {
            soft = Some(format!(
                "training ticket {} names no record that switched training mode on: a sale kept out of the totals",
                t.reference
            ));
        }
        let breaches = projection::apply(conn, &mut self.state, header, entry)
            .map_err(|e| Problem::Hard(e.to_string()))?;
        if soft.is_none() {
            soft = breaches.into_iter().next();
        }
        if live {
            self.after(header, entry).map_err(|e| Problem::Hard(e.to_string()))?;
        }
        match soft {
            Some(reason) => Err(Problem::Soft(reason)),
            None => Ok(()),
        }
    }

    /// Stamps the state with the last records replayed: done once the walk is over.
    pub fn finish(&mut self) {
        for (chain, last) in [ChainName::Live, ChainName::Training].into_iter().zip(self.last) {
            if let Some((seq, hash)) = last {
                projection::stamp(&mut self.state, chain, seq, &hash);
            }
        }
    }

    /// What a live record says, against the journal before it.
    fn check(&self, entry: &Entry) -> Result<(), String> {
        match entry {
            Entry::Ticket(t) => self.check_ticket(t),
            Entry::Closure(c) => self.check_closure(c),
            Entry::CashCounted { day, counted, total, expected, difference, .. } => {
                let sum = count_total(counted).map_err(|e| format!("its count is not a count: {e}"))?;
                if sum != *total {
                    return Err(format!(
                        "its notes and coins add up to {} €, not the {} € it states",
                        m(sum),
                        m(*total)
                    ));
                }
                let should = match self.auto_expected.get(day) {
                    Some(e) if self.state.register.as_ref().is_none_or(|r| r.day != *day) => *e,
                    _ => match &self.state.register {
                        Some(r) => r.expected().map_err(|e| e.to_string())?,
                        None => return Err(format!("it counts {day}, which has no register to count")),
                    },
                };
                if *expected != should {
                    return Err(format!(
                        "it expects {} € of cash where the journal makes {} €",
                        m(*expected),
                        m(should)
                    ));
                }
                if total.checked_sub(*expected) != Some(*difference) {
                    return Err(format!("its difference {} € is not counted less expected", m(*difference)));
                }
                Ok(())
            }
            Entry::RegisterOpened { day, .. } if self.state.register.is_some() => Err(format!(
                "it opens {day} while the register of {} is still open",
                self.state.register.as_ref().map_or("", |r| r.day.as_str())
            )),
            Entry::RegisterOpened { float, carried: true, .. } => match self.last_expected {
                Some(e) if e == *float => Ok(()),
                other => Err(format!(
                    "it carries a float of {} € where the day before left {} €",
                    m(*float),
                    other.map_or_else(|| "nothing".to_owned(), m)
                )),
            },
            Entry::RegisterClosed { day, .. }
                if self.state.register.as_ref().is_none_or(|r| r.day != *day) =>
            {
                Err(format!("it ends a session of {day} while no register of that day is open"))
            }
            Entry::Duplicate { ticket, copy, .. } => {
                let before = self.duplicates.get(ticket).copied().unwrap_or(0);
                if *copy != before + 1 {
                    return Err(format!("it is duplicate {copy} of {ticket}, after {before}"));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn check_ticket(&self, t: &Ticket) -> Result<(), String> {
        fn sum(mut it: impl Iterator<Item = i64>) -> Option<i64> {
            it.try_fold(0i64, i64::checked_add)
        }
        let lines = sum(t.lines.iter().map(|l| l.net));
        if lines != Some(t.total) {
            return Err(format!("its lines add up to {}, not its total {} €", opt(lines), m(t.total)));
        }
        let vat = sum(t.vat.iter().map(|v| v.total)).and_then(|v| v.checked_add(t.out_of_scope));
        if vat != Some(t.total) {
            return Err(format!("its VAT table adds up to {}, not its total {} €", opt(vat), m(t.total)));
        }
        let paid = sum(t.tenders.iter().map(|x| x.cents)).and_then(|p| p.checked_sub(t.change));
        if paid != Some(t.total) {
            return Err(format!(
                "its tenders less change come to {}, not its total {} €",
                opt(paid),
                m(t.total)
            ));
        }
        for l in t.lines.iter().filter(|l| l.returns_sold_line()) {
            let Some((ticket, line)) = l.reference.rsplit_once('#') else {
                return Err(format!("its return line names no sold line (`{}`)", l.reference));
            };
            if pos_sync::tickets::till_of(ticket).is_some_and(|t| t != self.till) {
                continue;
            }
            let sold = line
                .parse::<u32>()
                .ok()
                .and_then(|n| self.sold.get(ticket)?.iter().find(|(id, _)| *id == n))
                .map(|(_, units)| *units);
            let Some(sold) = sold else {
                return Err(format!(
                    "it brings back {}, which no earlier ticket of this till sold",
                    l.reference
                ));
            };
            let units = l.quantity.checked_neg().and_then(|q| u32::try_from(q).ok()).unwrap_or(u32::MAX);
            let before = self.returned.get(&l.reference).copied().unwrap_or(0);
            if u64::from(before) + u64::from(units) > u64::from(sold) {
                return Err(format!(
                    "it brings back {units} unit(s) of {} which sold {sold}, {before} already brought back",
                    l.reference
                ));
            }
        }
        Ok(())
    }

    fn check_closure(&self, c: &Closure) -> Result<(), String> {
        let gt = (self.state.grand_total, self.state.grand_total_abs);
        let expected = match c.period {
            ClosurePeriod::Day => {
                let mut e = Closure {
                    period: ClosurePeriod::Day,
                    key: c.key.clone(),
                    totals: self.since_day.clone().finish(),
                    grand_total: gt.0,
                    grand_total_abs: gt.1,
                    tickets_from: self.first_ticket,
                    tickets_to: self.last_ticket,
                    includes: Vec::new(),
                    cash_expected: match &self.state.register {
                        Some(r) if r.day == c.key => r.expected().map_err(|e| e.to_string())?,
                        _ => 0,
                    },
                    automatic: c.automatic,
                    by: c.by.clone(),
                };
                if self.days.iter().any(|d| d.key == c.key) && !self.reopened.contains(&c.key) {
                    return Err(format!("it closes {} a second time", c.key));
                }
                if let Some(r) = &self.state.register
                    && r.day != c.key
                {
                    return Err(format!("it closes {} while the register is open for {}", c.key, r.day));
                }
                e.automatic = c.automatic;
                e
            }
            ClosurePeriod::Month | ClosurePeriod::Year => {
                let (below, list) = if c.period == ClosurePeriod::Month {
                    ("day", &self.days)
                } else {
                    ("month", &self.months)
                };
                let parts: Vec<&Closure> = list.iter().filter(|p| p.key.starts_with(&c.key)).collect();
                if parts.is_empty() {
                    return Err(format!("it closes {} {} with no {below} closed", c.period, c.key));
                }
                period_from(c.period, &c.key, &parts, gt, &c.by).map_err(|e| e.to_string())?
            }
        };
        let differs = |what: &str, said: String, journal: String| {
            Err(format!(
                "the {} closure of {} states {what} {said} where the journal adds up to {journal}",
                c.period, c.key
            ))
        };
        if c.grand_total != expected.grand_total {
            return differs("a grand total of", m(c.grand_total) + " €", m(expected.grand_total) + " €");
        }
        if c.grand_total_abs != expected.grand_total_abs {
            return differs(
                "an absolute grand total of",
                m(c.grand_total_abs) + " €",
                m(expected.grand_total_abs) + " €",
            );
        }
        if c.totals != expected.totals {
            let said = serde_json::to_value(&c.totals).unwrap_or_default();
            let made = serde_json::to_value(&expected.totals).unwrap_or_default();
            let (path, a, b) = first_difference("totals", &said, &made).unwrap_or_default();
            return differs(&path, a, b);
        }
        if (c.tickets_from, c.tickets_to) != (expected.tickets_from, expected.tickets_to) {
            return differs(
                "tickets",
                format!("{}–{}", c.tickets_from, c.tickets_to),
                format!("{}–{}", expected.tickets_from, expected.tickets_to),
            );
        }
        if c.includes != expected.includes {
            return differs("the closures", c.includes.join(" "), expected.includes.join(" "));
        }
        if c.cash_expected != expected.cash_expected {
            return differs(
                "an expected cash of",
                m(c.cash_expected) + " €",
                m(expected.cash_expected) + " €",
            );
        }
        Ok(())
    }

    /// Keeps what later checks need, once a live record is applied.
    fn after(&mut self, header: &Header, entry: &Entry) -> Result<(), TillError> {
        if let Entry::Duplicate { ticket, copy, .. } = entry {
            self.duplicates.insert(ticket.clone(), *copy);
        }
        match entry {
            Entry::Ticket(t) => {
                self.since_day.add(t)?;
                if self.first_ticket == 0 {
                    self.first_ticket = header.no;
                }
                self.last_ticket = header.no;
                let lines: Vec<(u32, u32)> = t
                    .lines
                    .iter()
                    .filter(|l| l.measure != LineMeasure::Returned && !l.gift_card)
                    .map(|l| {
                        (
                            l.id,
                            if l.measure == LineMeasure::Units {
                                u32::try_from(l.quantity).unwrap_or(0)
                            } else {
                                1
                            },
                        )
                    })
                    .collect();
                if !lines.is_empty() {
                    self.sold.insert(t.reference.clone(), lines);
                }
                for l in t.lines.iter().filter(|l| l.returns_sold_line()) {
                    let units = l.quantity.checked_neg().and_then(|q| u32::try_from(q).ok()).unwrap_or(0);
                    let e = self.returned.entry(l.reference.clone()).or_insert(0);
                    *e = e.saturating_add(units);
                }
            }
            Entry::Closure(c) => {
                self.closures += 1;
                match c.period {
                    ClosurePeriod::Day => {
                        self.since_day = TotalsBuilder::default();
                        self.first_ticket = 0;
                        self.last_ticket = 0;
                        self.last_expected = Some(c.cash_expected);
                        self.reopened.remove(&c.key);
                        if c.automatic {
                            self.auto_expected.insert(c.key.clone(), c.cash_expected);
                        }
                        self.days.push(c.clone());
                    }
                    ClosurePeriod::Month => self.months.push(c.clone()),
                    ClosurePeriod::Year => {}
                }
            }
            Entry::CashCounted { day, .. } => {
                self.auto_expected.remove(day);
            }
            Entry::Initialised { till, .. } => self.till.clone_from(till),
            // Only the last day closed, in a month not closed yet, opens again (a Z made too early).
            Entry::RegisterOpened { day, .. }
                if self.days.last().is_some_and(|d| d.key == *day)
                    && !self.months.iter().any(|m| day.starts_with(&m.key)) =>
            {
                self.reopened.insert(day.clone());
            }
            _ => {}
        }
        Ok(())
    }
}

fn m(cents: i64) -> String {
    pos_core::money::Money::from_cents(cents).to_string()
}

fn opt(cents: Option<i64>) -> String {
    cents.map_or_else(|| "more than can be counted".to_owned(), |c| format!("{} €", m(c)))
}

/// The first place two JSON values differ: its path, and each side there.
pub fn first_difference(path: &str, a: &Value, b: &Value) -> Option<(String, String, String)> {
    if a == b {
        return None;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let null = Value::Null;
                let found = first_difference(
                    &format!("{path}.{k}"),
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                );
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        _ => Some((path.to_owned(), short(a), short(b))),
    }
}

fn short(v: &Value) -> String {
    let mut s = v.to_string();
    if s.len() > 120 {
        s.truncate(117);
        s.push_str("...");
    }
    s
}

/// One projection table: its name, its key columns and its value columns.
const TABLES: &[(&str, &[&str], &[&str])] = &[
    ("voucher", &["number"], &["kind", "balance", "seq"]),
    ("loyalty", &["customer"], &["points", "seq"]),
    ("stock_delta", &["sku"], &["delta"]),
    ("returned", &["ticket", "line"], &["units", "seq"]),
    ("closed_period", &["period", "key"], &["seq"]),
    ("duplicate", &["ticket"], &["copies", "seq"]),
];

/// Compares the till's projections (schema `stored`) with a replay's (schema `replayed`) and the
/// replayed state; the first row that differs, or `None`.
pub fn compare(
    conn: &Connection,
    stored: &str,
    replayed: &str,
    state: &State,
) -> Result<Option<Finding>, TillError> {
    let json: Option<String> =
        conn.query_row(&format!("SELECT json FROM {stored}.state WHERE id = 1"), [], |r| r.get(0)).ok();
    let made = serde_json::to_value(state).map_err(|e| TillError::storage(e.to_string()))?;
    match json.as_deref().map(serde_json::from_str::<Value>) {
        None => {
            return Ok(Some(Finding::Row {
                table: "state".into(),
                key: "row".into(),
                stored: "nothing".into(),
                journal: "the till's state".into(),
            }));
        }
        Some(Err(e)) => {
            return Ok(Some(Finding::Row {
                table: "state".into(),
                key: "row".into(),
                stored: format!("something that is not a state ({e})"),
                journal: "the till's state".into(),
            }));
        }
        Some(Ok(v)) => {
            if let Some((path, a, b)) = first_difference("state", &v, &made) {
                return Ok(Some(Finding::Row { table: "state".into(), key: path, stored: a, journal: b }));
            }
        }
    }
    for (table, keys, values) in TABLES {
        // An older schema may lack a column: the columns both sides have are compared.
        let have: Vec<String> = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}', '{stored}')"))?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let cols: Vec<&str> = values.iter().copied().filter(|c| have.iter().any(|h| h == c)).collect();
        let select = |schema: &str| {
            format!(
                "SELECT {}, {} FROM {schema}.{table} ORDER BY {}",
                keys.iter().map(|k| format!("CAST({k} AS TEXT)")).collect::<Vec<_>>().join(" || '#' || "),
                if cols.is_empty() {
                    "''".to_owned()
                } else {
                    cols.iter().map(|c| format!("CAST({c} AS TEXT)")).collect::<Vec<_>>().join(" || ' ' || ")
                },
                keys.join(", ")
            )
        };
        let read = |schema: &str| -> Result<Vec<(String, String)>, TillError> {
            Ok(conn
                .prepare(&select(schema))?
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .collect::<Result<_, _>>()?)
        };
        let (a, b) = (read(stored)?, read(replayed)?);
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let row = |stored: String, journal: String, key: &str| Finding::Row {
                table: (*table).into(),
                key: key.into(),
                stored,
                journal,
            };
            match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    if x.1 != y.1 {
                        return Ok(Some(row(format!("({}) {}", cols.join(" "), x.1), y.1.clone(), &x.0)));
                    }
                    i += 1;
                    j += 1;
                }
                (Some(x), Some(y)) if x.0 < y.0 => {
                    return Ok(Some(row(x.1.clone(), "no such row".into(), &x.0)));
                }
                (Some(x), None) => return Ok(Some(row(x.1.clone(), "no such row".into(), &x.0))),
                (_, Some(y)) => return Ok(Some(row("no such row".into(), y.1.clone(), &y.0))),
                (None, None) => break,
            }
        }
    }
    Ok(None)
}

/// Empties the projections that `conn` resolves unqualified names to, and replays the whole journal
/// into them. Refuses when the journal is broken or holds a record that cannot be applied: a
/// projection is never made from a journal that does not verify. Records whose figures do not add
/// up are reported and the replay goes on (they do not change what the projections are).
pub fn rebuild_into(
    conn: &Connection,
    till: &str,
    ring: &pos_journal::keys::KeyRing,
    settings: &pos_core::load::Settings,
) -> Result<(Replay, crate::verify::Walked), TillError> {
    let customers = &settings.customers;
    let promotions = settings.promotions.iter().map(|p| p.name.to_string());
    for table in crate::store::PROJECTIONS {
        conn.execute(&format!("DELETE FROM {table}"), [])?;
    }
    projection::seed_loyalty(conn, customers)?;
    let mut replay = Replay::new(promotions);
    let walked = crate::verify::walk(conn, till, ring, Some(&mut replay), false)?;
    replay.finish();
    if let Some(f) = walked.findings.iter().find(|f| matches!(f, Finding::Record { fatal: true, .. })) {
        return Err(TillError::refused(format!(
            "the journal itself does not verify ({f}): no projection can be made from it; keep this \
             till's files as they are for the inspector, and put back the latest copy of the till that \
             verifies"
        )));
    }
    Ok((replay, walked))
}
