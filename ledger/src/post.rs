//! What each flow posts. A till's record (a ticket, a cash movement, a count) posts as soon as head
//! office accepts it; head office's own flows (a supplier receipt, a web order paid online, a
//! breakage, a count, a bank line matched) post as they are recorded. Every entry is balanced by
//! construction and checked; the stock's cost moves with each movement.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use pos_journal::body::{Entry as Record, TenderMethod, Ticket};

use crate::chart::{Chart, Role};
use crate::entry::{Analytic, Channel, Draft, Entry};
use crate::valuation::Valuation;
use crate::{LedgerError, add, mul_div, sub};

/// Where a record comes from.
#[derive(Clone, Copy, Debug)]
pub struct Origin<'a> {
    /// Store code.
    pub store: &'a str,
    /// Till (`LYO-1`): its card terminal is its own.
    pub till: &'a str,
    /// The record's seq in the till's live chain.
    pub seq: u64,
    /// When the till journaled it: local date and time with offset (RFC 3339); its date is the
    /// date of a cash movement's entry.
    pub at: &'a str,
}

/// One line of goods sold on the web, as head office values it from its catalogue.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WebSaleLine {
    /// Item.
    pub sku: String,
    /// Its family.
    pub family: String,
    /// VAT rate (`20`).
    pub rate: String,
    /// Price paid, tax included, cents.
    pub ttc: i64,
    /// Thousandths that left the stock.
    pub qty: i64,
}

/// Head office's own flows.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficeFlow {
    /// The opening balances of the books: account, signed cents (debit above zero).
    Opening {
        /// Date.
        date: NaiveDate,
        /// Balances; the rest goes to the opening account.
        balances: Vec<(String, i64)>,
    },
    /// Goods received from a supplier with its invoice.
    Receipt {
        /// Delivery note / invoice reference.
        reference: String,
        /// Supplier code (its auxiliary account).
        supplier: String,
        /// Where.
        location: String,
        /// Date.
        date: NaiveDate,
        /// Item, family, thousandths, cost excluding VAT (cents, the whole line), VAT rate.
        lines: Vec<(String, String, i64, i64, String)>,
    },
    /// Goods that left the stock with no sale (breakage, a count below the books), or came in with
    /// no purchase (a count above): item, family, location, thousandths out (negative: in).
    StockAdjusted {
        /// Why (`breakage`, `count`) and its reference.
        reference: String,
        /// Date.
        date: NaiveDate,
        /// Location.
        location: String,
        /// Item.
        sku: String,
        /// Its family.
        family: String,
        /// Thousandths out (negative: in).
        qty: i64,
    },
    /// A web order paid online: the provider owes it; revenue comes when the goods go.
    WebPaid {
        /// Order id.
        order: String,
        /// Date.
        date: NaiveDate,
        /// Cents.
        total: i64,
    },
    /// A web order's goods handed over (collected at a store, or shipped): revenue, VAT, cost.
    WebDelivered {
        /// Order id.
        order: String,
        /// Date.
        date: NaiveDate,
        /// The store that handed it over, or the warehouse that shipped it.
        location: String,
        /// Its lines.
        lines: Vec<WebSaleLine>,
    },
    /// A bank line matched: the bank account against the accounts it settles.
    Bank {
        /// The bank line's id.
        line: String,
        /// Date.
        date: NaiveDate,
        /// Its label.
        label: String,
        /// Account, auxiliary, signed cents (debit above zero) on the other side of the bank,
        /// which moves by their opposite.
        against: Vec<(String, String, i64)>,
    },
}

fn day(s: &str) -> Result<NaiveDate, LedgerError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| LedgerError::Invalid(format!("`{s}` is not a day")))
}

fn journal(chart: &Chart, kind: &str) -> Result<String, LedgerError> {
    Ok(chart.account(Role::Journal, kind)?.to_owned())
}

fn tender_key(t: TenderMethod) -> &'static str {
    t.as_str()
}

/// The cost of loyalty points: `points` at `per_thousand` cents per thousand points.
pub fn points_value(points: i64, per_thousand: i64) -> Result<i64, LedgerError> {
    mul_div(points, per_thousand, 1000)
}

/// Splits `total` over `weights` (largest remainder; all of it on the first when weights are zero).
fn split(total: i64, weights: &[i64]) -> Result<Vec<i64>, LedgerError> {
    let sum_w = weights.iter().try_fold(0i64, |a, w| add(a, w.abs()))?;
    if weights.is_empty() {
        return Ok(Vec::new());
    }
    if sum_w == 0 {
        let mut v = vec![0; weights.len()];
        v[0] = total;
        return Ok(v);
    }
    let mut out = weights.iter().map(|w| mul_div(total, w.abs(), sum_w)).collect::<Result<Vec<_>, _>>()?;
    let left = sub(total, out.iter().try_fold(0i64, |a, v| add(a, *v))?)?;
    // The cent or two of rounding goes on the heaviest line.
    if let Some(i) = (0..weights.len()).max_by_key(|&i| weights[i].abs()) {
        out[i] = add(out[i], left)?;
    }
    Ok(out)
}

/// The entries a till's live record posts (none for most records), moving `valuation`.
/// Loyalty points earned are provisioned at the chain's point value.
pub fn record(
    chart: &Chart,
    valuation: &mut Valuation,
    origin: Origin<'_>,
    record: &Record,
    valid: NaiveDate,
) -> Result<Vec<Entry>, LedgerError> {
    let source = format!("till:{}:{}", origin.till, origin.seq);
    let at = |store: &str| Analytic {
        store: store.to_owned(),
        channel: Some(Channel::Store),
        ..Analytic::default()
    };
    let till_aux = origin.till;
    match record {
        Record::Ticket(t) => ticket(chart, valuation, origin, t, valid, &source),
        Record::CashIn { cents, reason, .. } | Record::CashOut { cents, reason, .. } => {
            let out = matches!(record, Record::CashOut { .. });
            let slip = match record {
                Record::CashOut { slip, .. } => slip.as_str(),
                _ => "",
            };
            let signed = if out { -*cents } else { *cents };
            let mut d = Draft::default();
            d.put_aux(chart.account(Role::Tender, "cash")?, till_aux, reason, at(origin.store), signed)?;
            if slip.is_empty() {
                d.put(chart.account(Role::Suspense, "")?, reason, at(origin.store), -signed)?;
            } else {
                d.put_aux(chart.account(Role::DepositTransit, "")?, slip, reason, at(origin.store), -signed)?;
            }
            let kind = if !slip.is_empty() {
                "Remise d'espèces"
            } else if out {
                "Sortie de caisse"
            } else {
                "Entrée de caisse"
            };
            let piece =
                if slip.is_empty() { format!("{}-{}", origin.till, origin.seq) } else { slip.to_owned() };
            let date = origin.at.get(..10).map_or(Ok(valid), day)?;
            one(chart, "cash", date, valid, piece, format!("{kind} {}", origin.till), source, d)
        }
        Record::CashCounted { day: d0, difference, .. } if *difference != 0 => {
            let date = day(d0)?;
            let mut d = Draft::default();
            let cash = chart.account(Role::Tender, "cash")?;
            d.put_aux(cash, till_aux, "Écart de caisse", at(origin.store), *difference)?;
            let other = if *difference < 0 { Role::CashShort } else { Role::CashOver };
            d.put(chart.account(other, "")?, "Écart de caisse", at(origin.store), -*difference)?;
            one(
                chart,
                "cash",
                date,
                valid,
                format!("{}-{d0}", origin.till),
                format!("Écart de caisse {} {d0}", origin.till),
                source,
                d,
            )
        }
        _ => Ok(Vec::new()),
    }
}

#[allow(clippy::too_many_arguments)]
fn one(
    chart: &Chart,
    kind: &str,
    date: NaiveDate,
    valid: NaiveDate,
    piece: String,
    label: String,
    source: String,
    draft: Draft,
) -> Result<Vec<Entry>, LedgerError> {
    if draft.is_empty() {
        return Ok(Vec::new());
    }
    let e = Entry {
        journal: journal(chart, kind)?,
        number: 0,
        date,
        piece,
        piece_date: date,
        label,
        valid: valid.max(date),
        source,
        lines: draft.lines(),
    };
    e.check()?;
    Ok(vec![e])
}

fn ticket(
    chart: &Chart,
    valuation: &mut Valuation,
    origin: Origin<'_>,
    t: &Ticket,
    valid: NaiveDate,
    source: &str,
) -> Result<Vec<Entry>, LedgerError> {
    let date = day(&t.day)?;
    let fam = |family: &str| Analytic {
        store: origin.store.to_owned(),
        channel: Some(Channel::Store),
        family: family.to_owned(),
        rate: String::new(),
    };
    let label = format!("Ticket {}", t.reference);
    let mut d = Draft::default();
    for tender in &t.tenders {
        let mut cents = tender.cents;
        if tender.kind == TenderMethod::Cash {
            cents = sub(cents, t.change)?;
        }
        let aux = match tender.kind {
            TenderMethod::Cash | TenderMethod::Card => origin.till,
            _ => "",
        };
        d.put_aux(chart.account(Role::Tender, tender_key(tender.kind))?, aux, &label, fam(""), cents)?;
    }
    if t.tenders.iter().all(|x| x.kind != TenderMethod::Cash) && t.change != 0 {
        d.put_aux(chart.account(Role::Tender, "cash")?, origin.till, &label, fam(""), -t.change)?;
    }
    for l in t.lines.iter().filter(|l| l.gift_card) {
        d.put(chart.account(Role::GiftCards, "")?, &label, fam(&l.family), -l.net)?;
    }
    for v in &t.vat {
        d.put(chart.account(Role::VatCollected, &v.rate)?, &label, fam(""), -v.vat)?;
        let lines: Vec<_> =
            t.lines.iter().filter(|l| !l.gift_card && l.vat.iter().any(|(_, r, _)| *r == v.rate)).collect();
        let lines =
            if lines.is_empty() { t.lines.iter().filter(|l| !l.gift_card).take(1).collect() } else { lines };
        if lines.is_empty() {
            return Err(LedgerError::Invalid(format!(
                "ticket {}: VAT at {} % on no line",
                t.reference, v.rate
            )));
        }
        let shares = split(v.base, &lines.iter().map(|l| l.net).collect::<Vec<_>>())?;
        for (l, share) in lines.iter().zip(shares) {
            let a = Analytic { rate: v.rate.clone(), ..fam(&l.family) };
            d.put(chart.revenue(&l.family)?, &label, a, -share)?;
        }
    }
    let points = points_value(t.points_earned, chart.point_value())?;
    d.put(chart.account(Role::LoyaltyCost, "")?, &label, fam(""), points)?;
    d.put(chart.account(Role::LoyaltyLiability, "")?, &label, fam(""), -points)?;
    balance(chart, &mut d, &label, fam(""))?;
    let mut out = one(chart, "sales", date, valid, t.reference.clone(), label.clone(), source.to_owned(), d)?;
    // The cost of the goods that left (or came back) with it.
    let mut s = Draft::default();
    for (sku, qty) in &t.stock_moves {
        let q = milli(qty)?;
        let family = t
            .lines
            .iter()
            .find(|l| l.sku == *sku)
            .or_else(|| t.lines.iter().find(|l| !t.stock_moves.iter().any(|(s, _)| *s == l.sku)))
            .map_or("", |l| l.family.as_str());
        let cost = valuation.take(sku, q)?;
        let label = format!("Coût des ventes {}", t.reference);
        s.put(chart.account(Role::StockVariation, "")?, &label, fam(family), cost)?;
        s.put(chart.account(Role::Stock, "")?, &label, fam(family), -cost)?;
    }
    out.extend(one(
        chart,
        "stock",
        date,
        valid,
        t.reference.clone(),
        format!("Coût des ventes {}", t.reference),
        format!("{source}:cost"),
        s,
    )?);
    Ok(out)
}

/// What is left after the flows' lines goes to the suspense account, labelled for a person: an
/// entry is balanced whatever a record holds, and the difference is in sight, not lost.
fn balance(chart: &Chart, d: &mut Draft, label: &str, analytic: Analytic) -> Result<(), LedgerError> {
    let lines = std::mem::take(d).lines();
    let debit = lines.iter().try_fold(0i64, |a, l| add(a, l.debit))?;
    let credit = lines.iter().try_fold(0i64, |a, l| add(a, l.credit))?;
    for l in lines {
        d.put_aux(&l.account, &l.aux, &l.label, l.analytic, sub(l.debit, l.credit)?)?;
    }
    if debit != credit {
        d.put(
            chart.account(Role::Suspense, "")?,
            &format!("{label}: écart à analyser"),
            analytic,
            sub(credit, debit)?,
        )?;
    }
    Ok(())
}

/// Thousandths from a quantity as records write it (`2`, `0.350`).
pub fn milli(s: &str) -> Result<i64, LedgerError> {
    let bad = || LedgerError::Invalid(format!("`{s}` is not a quantity"));
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() || frac.len() > 3 || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let int: i64 = int.parse().map_err(|_| bad())?;
    let frac: i64 = format!("{frac:0<3}").parse().map_err(|_| bad())?;
    let v = int.checked_mul(1000).and_then(|v| v.checked_add(frac)).ok_or_else(bad)?;
    Ok(if neg { -v } else { v })
}

/// The entries head office's own flow posts, moving `valuation`. `source` is unique per flow.
pub fn office(
    chart: &Chart,
    valuation: &mut Valuation,
    flow: &OfficeFlow,
    source: &str,
    valid: NaiveDate,
) -> Result<Vec<Entry>, LedgerError> {
    let src = source.to_owned();
    match flow {
        OfficeFlow::Opening { date, balances } => {
            let mut d = Draft::default();
            let mut total = 0i64;
            for (account, signed) in balances {
                d.put(account, "À-nouveau", Analytic::default(), *signed)?;
                total = add(total, *signed)?;
            }
            d.put(chart.account(Role::Opening, "")?, "À-nouveau", Analytic::default(), -total)?;
            one(chart, "opening", *date, valid, format!("AN-{date}"), "Soldes d'ouverture".into(), src, d)
        }
        OfficeFlow::Receipt { reference, supplier, location, date, lines } => {
            let mut d = Draft::default();
            let mut s = Draft::default();
            let label = format!("Facture {supplier} {reference}");
            let mut ttc = 0i64;
            for (sku, family, qty, cost, rate) in lines {
                let a = Analytic {
                    store: location.clone(),
                    channel: None,
                    family: family.clone(),
                    rate: String::new(),
                };
                let vat = rate_of(rate).and_then(|r| mul_div(*cost, r, 10_000))?;
                d.put(chart.account(Role::Purchases, "")?, &label, a.clone(), *cost)?;
                d.put(chart.account(Role::VatDeductible, rate)?, &label, Analytic::default(), vat)?;
                ttc = add(ttc, add(*cost, vat)?)?;
                valuation.receive(sku, *qty, *cost)?;
                s.put(
                    chart.account(Role::Stock, "")?,
                    &format!("Entrée en stock {reference}"),
                    a.clone(),
                    *cost,
                )?;
                s.put(
                    chart.account(Role::StockVariation, "")?,
                    &format!("Entrée en stock {reference}"),
                    a,
                    -*cost,
                )?;
            }
            d.put_aux(chart.account(Role::Supplier, "")?, supplier, &label, Analytic::default(), -ttc)?;
            let mut out = one(chart, "purchases", *date, valid, reference.clone(), label, src.clone(), d)?;
            out.extend(one(
                chart,
                "stock",
                *date,
                valid,
                reference.clone(),
                format!("Entrée en stock {reference}"),
                format!("{src}:stock"),
                s,
            )?);
            Ok(out)
        }
        OfficeFlow::StockAdjusted { reference, date, location, sku, family, qty } => {
            let cost = valuation.take(sku, *qty)?;
            let a = Analytic {
                store: location.clone(),
                channel: None,
                family: family.clone(),
                rate: String::new(),
            };
            let label = format!("{reference} {sku}");
            let mut d = Draft::default();
            d.put(chart.account(Role::StockVariation, "")?, &label, a.clone(), cost)?;
            d.put(chart.account(Role::Stock, "")?, &label, a, -cost)?;
            one(chart, "stock", *date, valid, reference.clone(), label, src, d)
        }
        OfficeFlow::WebPaid { order, date, total } => {
            let mut d = Draft::default();
            let label = format!("Commande web {order} payée en ligne");
            d.put(chart.account(Role::WebProvider, "")?, &label, Analytic::default(), *total)?;
            d.put(chart.account(Role::WebPrepaid, "")?, &label, Analytic::default(), -*total)?;
            one(chart, "sales", *date, valid, order.clone(), label, src, d)
        }
        OfficeFlow::WebDelivered { order, date, location, lines } => {
            let mut d = Draft::default();
            let mut s = Draft::default();
            let label = format!("Commande web {order} remise");
            let a = |family: &str| Analytic {
                store: location.clone(),
                channel: Some(Channel::Web),
                family: family.to_owned(),
                rate: String::new(),
            };
            let mut by_rate: BTreeMap<&str, (i64, Vec<&WebSaleLine>)> = BTreeMap::new();
            let mut total = 0i64;
            for l in lines {
                let e = by_rate.entry(l.rate.as_str()).or_default();
                e.0 = add(e.0, l.ttc)?;
                e.1.push(l);
                total = add(total, l.ttc)?;
            }
            d.put(chart.account(Role::WebPrepaid, "")?, &label, a(""), total)?;
            for (rate, (ttc, ls)) in by_rate {
                let r = rate_of(rate)?;
                let base = mul_div(ttc, 10_000, add(10_000, r)?)?;
                d.put(chart.account(Role::VatCollected, rate)?, &label, a(""), -sub(ttc, base)?)?;
                let shares = split(base, &ls.iter().map(|l| l.ttc).collect::<Vec<_>>())?;
                for (l, share) in ls.iter().zip(shares) {
                    let an = Analytic { rate: rate.to_owned(), ..a(&l.family) };
                    d.put(chart.revenue(&l.family)?, &label, an, -share)?;
                }
            }
            let cost_label = format!("Coût des ventes {order}");
            for l in lines {
                let cost = valuation.take(&l.sku, l.qty)?;
                s.put(chart.account(Role::StockVariation, "")?, &cost_label, a(&l.family), cost)?;
                s.put(chart.account(Role::Stock, "")?, &cost_label, a(&l.family), -cost)?;
            }
            let mut out = one(chart, "sales", *date, valid, order.clone(), label, src.clone(), d)?;
            out.extend(one(
                chart,
                "stock",
                *date,
                valid,
                order.clone(),
                cost_label,
                format!("{src}:cost"),
                s,
            )?);
            Ok(out)
        }
        OfficeFlow::Bank { line, date, label, against } => {
            let mut d = Draft::default();
            let mut total = 0i64;
            for (account, aux, signed) in against {
                d.put_aux(account, aux, label, Analytic::default(), *signed)?;
                total = add(total, *signed)?;
            }
            d.put(chart.account(Role::Bank, "")?, label, Analytic::default(), -total)?;
            one(chart, "bank", *date, valid, line.clone(), label.clone(), src, d)
        }
    }
}

/// A VAT rate in hundredths of a percent (`5.5` is 550).
pub fn rate_of(rate: &str) -> Result<i64, LedgerError> {
    let m = milli(rate).map_err(|_| LedgerError::Invalid(format!("`{rate}` is not a VAT rate")))?;
    if !(0..=100_000).contains(&m) || m % 10 != 0 {
        return Err(LedgerError::Invalid(format!("`{rate}` is not a VAT rate")));
    }
    Ok(m / 10)
}
