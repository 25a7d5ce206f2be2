//! The accounting pages: VAT by rate and the daily P&L per store and channel for a period (table
//! and chart), the entries, the bank reconciliation (the rules' proposals to accept, a match by
//! hand, a match undone, the rules run), and the FEC downloaded.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Form, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Duration, NaiveDate};
use maud::{Markup, html};
use pos_ledger::matching::{self, OpenItem};
use pos_ledger::report::PnlRow;
use pos_ledger::{Chart, Role};

use super::auth::Area;
use super::dashboard::today;
use super::html as frame;
use super::i18n::Msg;
use super::{AdminApp, Fail, Fields, PageResult, Staff};

/// A period asked for (`from`, `to`: days; none: this month).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Period {
    from: Option<String>,
    to: Option<String>,
}

impl Period {
    fn days(&self, staff: &Staff, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), Fail> {
        let parse = |s: &Option<String>| -> Result<Option<NaiveDate>, Fail> {
            s.as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| {
                    NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map_err(|_| Fail::Bad(staff.lang, format!("`{s}` is not a day (2026-11-30)")))
                })
                .transpose()
        };
        let first = today.with_day(1).unwrap_or(today);
        let (from, to) = (parse(&self.from)?.unwrap_or(first), parse(&self.to)?.unwrap_or(today));
        if to < from || (to - from).num_days() > 366 {
            return Err(Fail::Bad(
                staff.lang,
                format!("{from} to {to}: give a period of a year at most, in order"),
            ));
        }
        Ok((from, to))
    }
}

async fn chart(a: &AdminApp, staff: &Staff) -> Result<Chart, Fail> {
    crate::books::chart(&a.app.storage).await?.ok_or_else(|| {
        Fail::Bad(staff.lang, "the books have no chart of accounts: import the chain's files".into())
    })
}

fn ledger_fail(staff: &Staff) -> impl Fn(pos_ledger::LedgerError) -> Fail + '_ {
    |e| Fail::Bad(staff.lang, e.to_string())
}

fn period_form(staff: &Staff, action: &str, from: NaiveDate, to: NaiveDate) -> Markup {
    html! {
        form.inline method="get" action=(action) {
            label { (staff.t(Msg::From)) " " input type="date" name="from" value=(from.to_string()); }
            label { (staff.t(Msg::To)) " " input type="date" name="to" value=(to.to_string()); }
            button.quiet type="submit" { (staff.t(Msg::Show)) }
        }
    }
}

/// The daily P&L of a period as JSON.
pub async fn api_pnl(
    State(a): State<Arc<AdminApp>>,
    staff: Staff,
    Query(p): Query<Period>,
) -> Result<Json<Vec<PnlRow>>, Fail> {
    staff.may(Area::Books)?;
    let (from, to) = p.days(&staff, today(a.now_ms()))?;
    let chart = chart(&a, &staff).await?;
    let entries = a.books.entries(&a.app.storage).await?;
    Ok(Json(pos_ledger::report::pnl(&chart, &entries, from, to).map_err(ledger_fail(&staff))?))
}

/// VAT and the P&L of a period.
pub async fn page(State(a): State<Arc<AdminApp>>, staff: Staff, Query(p): Query<Period>) -> PageResult {
    staff.may(Area::Books)?;
    let lang = staff.lang;
    let now = today(a.now_ms());
    let (from, to) = p.days(&staff, now)?;
    let chart = chart(&a, &staff).await?;
    let entries = a.books.entries(&a.app.storage).await?;
    let vat = pos_ledger::report::vat_of(&chart, &entries, from, to, None).map_err(ledger_fail(&staff))?;
    let pnl = pos_ledger::report::pnl(&chart, &entries, from, to).map_err(ledger_fail(&staff))?;
    let mut by: BTreeMap<(NaiveDate, String, String), (i64, i64, i64)> = BTreeMap::new();
    for r in &pnl {
        let key = (r.day.unwrap_or(from), r.store.clone(), r.channel.map_or("", |c| c.as_str()).to_owned());
        let v = by.entry(key).or_default();
        v.0 += r.revenue;
        v.1 += r.cost;
        v.2 += r.margin;
    }
    let days: Vec<String> =
        (0..=(to - from).num_days()).map(|i| (from + Duration::days(i)).to_string()).collect();
    let keys: std::collections::BTreeSet<(String, String)> =
        by.keys().map(|(_, s, c)| (s.clone(), c.clone())).collect();
    let series: Vec<(String, Vec<i64>)> = keys
        .iter()
        .map(|(s, c)| {
            let v = days
                .iter()
                .map(|d| {
                    by.iter()
                        .filter(|((day, st, ch), _)| &day.to_string() == d && st == s && ch == c)
                        .map(|(_, v)| v.2)
                        .sum()
                })
                .collect();
            (format!("{} {c}", if s.is_empty() { "—" } else { s }), v)
        })
        .collect();
    let body = html! {
        p { a href="/admin/books/entries" { (staff.t(Msg::Entries)) } " · " a href="/admin/books/bank" { (staff.t(Msg::Bank)) } }
        (period_form(&staff, "/admin/books", from, to))
        h2 { (staff.t(Msg::Vat)) }
        table #vat {
            thead { tr { th { (staff.t(Msg::Rate)) } th.num { (staff.t(Msg::Base)) } th.num { (staff.t(Msg::Collected)) } th.num { (staff.t(Msg::Deductible)) } } }
            tbody { @for r in &vat { tr data-rate=(r.rate) { td { (r.rate) " %" } (frame::money(lang, r.base)) (frame::money(lang, r.collected)) (frame::money(lang, r.deductible)) } } }
        }
        h2 { (staff.t(Msg::Pnl)) " — " (staff.t(Msg::Margin)) }
        (frame::chart(lang, &series, &days))
        table #pnl {
            thead { tr { th { (staff.t(Msg::Day)) } th { (staff.t(Msg::Store)) } th { (staff.t(Msg::Channel)) } th.num { (staff.t(Msg::Revenue)) } th.num { (staff.t(Msg::Cost)) } th.num { (staff.t(Msg::Margin)) } } }
            tbody {
                @for ((day, store, channel), (revenue, cost, margin)) in by.iter().rev() {
                    tr { td { (lang.day(*day)) } td { (store) } td { (channel) } (frame::money(lang, *revenue)) (frame::money(lang, *cost)) (frame::money(lang, *margin)) }
                }
            }
        }
        h2 { (staff.t(Msg::Fec)) }
        form.inline method="get" action="/admin/books/fec" {
            label { (staff.t(Msg::Siren)) " " input #siren name="siren" required pattern="[0-9]{9}" size="10"; }
            label { (staff.t(Msg::Year)) " " input #year name="year" type="number" value=(to.year()) size="5"; }
            button #fec-download type="submit" { (staff.t(Msg::Download)) }
        }
    };
    Ok(frame::page(&staff, Area::Books, staff.t(Msg::Books), body))
}

/// The entries of a period (the first thousand lines' worth), newest first.
pub async fn entries(State(a): State<Arc<AdminApp>>, staff: Staff, Query(p): Query<Period>) -> PageResult {
    staff.may(Area::Books)?;
    let lang = staff.lang;
    let (from, to) = p.days(&staff, today(a.now_ms()))?;
    let chart = chart(&a, &staff).await?;
    let mut entries: Vec<pos_ledger::Entry> = a
        .books
        .entries(&a.app.storage)
        .await?
        .iter()
        .filter(|e| e.date >= from && e.date <= to)
        .cloned()
        .collect();
    entries.sort_by(|x, y| (y.date, &y.journal, y.number).cmp(&(x.date, &x.journal, x.number)));
    let mut shown = 0usize;
    let entries: Vec<_> = entries
        .into_iter()
        .take_while(|e| {
            shown += e.lines.len();
            shown <= 1000
        })
        .collect();
    let body = html! {
        (period_form(&staff, "/admin/books/entries", from, to))
        table #entries {
            thead { tr { th { (staff.t(Msg::Journal)) } th { (staff.t(Msg::Day)) } th { (staff.t(Msg::Piece)) } th { (staff.t(Msg::Account)) } th { (staff.t(Msg::Label)) } th.num { (staff.t(Msg::Debit)) } th.num { (staff.t(Msg::Credit)) } } }
            tbody {
                @for e in &entries {
                    @for (i, l) in e.lines.iter().enumerate() {
                        tr {
                            td { @if i == 0 { (e.journal) " " (e.number) } }
                            td { @if i == 0 { (lang.day(e.date)) } }
                            td { @if i == 0 { (e.piece) } }
                            td title=(chart.label(&l.account)) { (l.account) @if !l.aux.is_empty() { " " (l.aux) } }
                            td { (l.label) }
                            td.num { @if l.debit != 0 { (lang.euros(l.debit)) } }
                            td.num { @if l.credit != 0 { (lang.euros(l.credit)) } }
                        }
                    }
                }
            }
        }
    };
    Ok(frame::page(&staff, Area::Books, staff.t(Msg::Entries), body))
}

fn item_text(lang: super::i18n::Lang, i: &OpenItem) -> String {
    match i {
        OpenItem::CardDay { till, day, gross } => {
            format!("CB {till} {} {}", lang.day(*day), lang.euros(*gross))
        }
        OpenItem::Deposit { slip, day, amount } => {
            format!("Remise {slip} {} {}", lang.day(*day), lang.euros(*amount))
        }
        OpenItem::Invoice { supplier, reference, day, amount } => {
            format!("{supplier} {reference} {} {}", lang.day(*day), lang.euros(-amount))
        }
    }
}

/// The reconciliation page: the open lines with what the rules propose or why they could not,
/// the lines matched (to undo), a match by hand.
pub async fn bank(State(a): State<Arc<AdminApp>>, staff: Staff) -> PageResult {
    bank_page(&a, &staff, None).await
}

async fn bank_page(a: &AdminApp, staff: &Staff, notice: Option<(String, bool)>) -> PageResult {
    staff.may(Area::Books)?;
    let lang = staff.lang;
    let storage = &a.app.storage;
    let chart = chart(a, staff).await?;
    let open_lines = storage.open_bank_lines().await?;
    let entries = a.books.entries(storage).await?;
    let open = crate::reconcile::open_items(&chart, &entries, &storage.settled_items().await?)
        .map_err(|e| Fail::Bad(lang, e.to_string()))?;
    let lines: Vec<_> = open_lines.iter().map(|(_, l)| l.clone()).collect();
    let proposed = matching::run(&lines, &open, chart.terminals()).map_err(ledger_fail(staff))?;
    let by_key: BTreeMap<String, &OpenItem> = open.iter().map(|i| (i.key(), i)).collect();
    let commission = chart.account(Role::CardCommission, "").unwrap_or_default().to_owned();
    let matches = storage.bank_matches().await?;
    let all_lines = storage.bank_lines().await?;
    let accept = |account: &str, line: &str, items: &[String], label: &str| {
        let card = items.iter().all(|i| i.starts_with("card:"));
        html! {
            form.inline method="post" action="/admin/books/bank" {
                (frame::csrf(staff))
                input type="hidden" name="action" value="hand";
                input type="hidden" name="account" value=(account);
                input type="hidden" name="line" value=(line);
                @for i in items { input type="hidden" name="item" value=(i); }
                @if card { input type="hidden" name="rest" value=(commission); }
                button.accept type="submit" data-line=(line) { (label) }
            }
        }
    };
    let body = html! {
        (frame::notice(notice.as_ref().map(|n| n.0.as_str()), notice.as_ref().is_some_and(|n| n.1)))
        form method="post" action="/admin/books/bank" {
            (frame::csrf(staff))
            input type="hidden" name="action" value="run";
            button #run-matching type="submit" { (staff.t(Msg::RunMatching)) }
        }
        h2 { (staff.t(Msg::ToReview)) " (" (open_lines.len()) ")" }
        table #open-lines {
            thead { tr { th { (staff.t(Msg::Day)) } th { (staff.t(Msg::Label)) } th.num { (staff.t(Msg::Amount)) } th { (staff.t(Msg::Candidates)) } th { (staff.t(Msg::MatchByHand)) } } }
            tbody {
                @for (account, l) in &open_lines {
                    tr data-line=(l.id) {
                        td { (lang.day(l.booked)) }
                        td { (l.label) @if !l.reference.is_empty() { br; small { (l.reference) } } }
                        (frame::money(lang, l.amount))
                        td {
                            @if let Some(m) = proposed.matched.iter().find(|m| m.line == l.id) {
                                (m.items.iter().filter_map(|k| by_key.get(k)).map(|i| item_text(lang, i)).collect::<Vec<_>>().join(" + "))
                                (accept(account, &l.id, &m.items, staff.t(Msg::Accept)))
                            }
                            @if let Some(r) = proposed.review.iter().find(|r| r.line == l.id) {
                                small.bad { (r.reason) }
                                @for c in &r.candidates {
                                    @if let Some(i) = by_key.get(c) {
                                        div { (item_text(lang, i)) (accept(account, &l.id, std::slice::from_ref(c), staff.t(Msg::Accept))) }
                                    }
                                }
                            }
                        }
                        td {
                            form method="post" action="/admin/books/bank" {
                                (frame::csrf(staff))
                                input type="hidden" name="action" value="hand";
                                input type="hidden" name="account" value=(account);
                                input type="hidden" name="line" value=(l.id);
                                select name="item" multiple size="3" {
                                    @for i in open.iter().filter(|i| matches!(i, OpenItem::Invoice { .. }) == (l.amount < 0)) {
                                        option value=(i.key()) { (item_text(lang, i)) }
                                    }
                                }
                                select name="rest" {
                                    option value="" { "—" }
                                    @for (acc, label) in chart.accounts() { option value=(acc) { (acc) " " (label) } }
                                }
                                button.quiet.hand type="submit" { (staff.t(Msg::MatchByHand)) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (staff.t(Msg::Matched)) " (" (matches.len()) ")" }
        table #matched {
            thead { tr { th { (staff.t(Msg::Letter)) } th { (staff.t(Msg::Day)) } th { (staff.t(Msg::Label)) } th.num { (staff.t(Msg::Amount)) } th { (staff.t(Msg::Rule)) } th {} } }
            tbody {
                @for m in matches.iter().rev().take(300) {
                    @let line = all_lines.iter().find(|(acc, l)| *acc == m.account && l.id == m.line).map(|(_, l)| l);
                    tr data-line=(m.line) {
                        td { (m.letter) }
                        td { @if let Some(l) = line { (lang.day(l.booked)) } }
                        td { @if let Some(l) = line { (l.label) } }
                        @if let Some(l) = line { (frame::money(lang, l.amount)) } @else { td {} }
                        td { (m.rule) }
                        td {
                            form method="post" action="/admin/books/bank" {
                                (frame::csrf(staff))
                                input type="hidden" name="action" value="unmatch";
                                input type="hidden" name="account" value=(m.account);
                                input type="hidden" name="line" value=(m.line);
                                button.quiet.unmatch type="submit" { (staff.t(Msg::Unmatch)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(frame::page(staff, Area::Books, staff.t(Msg::Bank), body))
}

/// The reconciliation's actions: `run` the rules, `hand` (a proposal accepted, or a match made by
/// hand), `unmatch`.
pub async fn bank_action(State(a): State<Arc<AdminApp>>, staff: Staff, Form(f): Form<Fields>) -> PageResult {
    staff.check(&f)?;
    staff.may(Area::Books)?;
    let chart = chart(&a, &staff).await?;
    let storage = &a.app.storage;
    let now = a.now_ms();
    let day = today(now);
    let (account, line) = (f.get("account").unwrap_or_default(), f.get("line").unwrap_or_default());
    let bad = |e: anyhow::Error| Fail::Bad(staff.lang, format!("{e:#}"));
    let notice = match f.get("action") {
        Some("run") => {
            let o = crate::reconcile::reconcile(storage, &chart, day, now).await.map_err(bad)?;
            storage
                .write(vec![staff.audit(
                    now,
                    "bank_reconciled",
                    "bank",
                    &format!("{} matched, {} to review", o.matched.len(), o.review.len()),
                )])
                .await?;
            (format!("{} / {}", o.matched.len(), o.matched.len() + o.review.len()), false)
        }
        Some("hand") => {
            let items: Vec<String> = f.all("item").into_iter().map(str::to_owned).collect();
            let rest = f.get("rest");
            match crate::reconcile::match_by_hand(storage, &chart, account, line, &items, rest, day, now)
                .await
                .map_err(bad)?
            {
                Ok(()) => {
                    let detail = format!("{} {}", items.join(" "), rest.unwrap_or_default());
                    storage
                        .write(vec![staff.audit(
                            now,
                            "bank_matched",
                            &format!("{account}:{line}"),
                            detail.trim(),
                        )])
                        .await?;
                    (format!("{line} ✓"), false)
                }
                Err(why) => (why.to_string(), true),
            }
        }
        Some("unmatch") => {
            let audit = staff.audit(now, "bank_unmatched", &format!("{account}:{line}"), "");
            if crate::reconcile::unmatch(storage, account, line, &staff.email, now, audit)
                .await
                .map_err(bad)?
            {
                (format!("{line} ↺"), false)
            } else {
                (format!("{line}: not matched"), true)
            }
        }
        _ => return Err(Fail::Bad(staff.lang, "no such action: run, hand or unmatch".into())),
    };
    // What was posted is in the books before the page is drawn again.
    crate::books::catch_up(storage, day, now).await?;
    bank_page(&a, &staff, Some(notice)).await
}

/// The FEC query.
#[derive(Debug, serde::Deserialize)]
pub struct FecQuery {
    siren: String,
    year: i32,
}

/// The FEC of a year, downloaded (`SIRENFECAAAAMMJJ.txt`).
pub async fn fec(
    State(a): State<Arc<AdminApp>>,
    staff: Staff,
    Query(q): Query<FecQuery>,
) -> Result<Response, Fail> {
    staff.may(Area::Books)?;
    if q.siren.len() != 9 || !q.siren.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Fail::Bad(staff.lang, format!("`{}` is not a SIREN: 9 digits", q.siren)));
    }
    if !(2000..=9999).contains(&q.year) {
        return Err(Fail::Bad(staff.lang, format!("{} is not a fiscal year", q.year)));
    }
    let chart = chart(&a, &staff).await?;
    let storage = &a.app.storage;
    let now = a.now_ms();
    crate::books::catch_up(storage, today(now), now).await?;
    let (name, bytes) = crate::reconcile::fec_file(storage, &chart, &q.siren, q.year)
        .await
        .map_err(|e| Fail::Bad(staff.lang, format!("{e:#}")))?;
    storage.write(vec![staff.audit(now, "fec_downloaded", &name, &format!("{} bytes", bytes.len()))]).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=iso-8859-15".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}
