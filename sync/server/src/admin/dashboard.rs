//! The dashboard: today and yesterday per store and channel (revenue excluding tax, tickets,
//! average basket, margin at weighted average cost) read from the books, the last 30 days' revenue
//! drawn, and what needs someone (stock-outs, tills silent or in quarantine, bank lines not
//! matched, card payments a till could not resolve, flows the books could not post).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use chrono::{Duration, NaiveDate};
use maud::html;
use pos_ledger::{Channel, Entry};

use super::auth::Area;
use super::html as frame;
use super::i18n::Msg;
use super::{AdminApp, Fail, PageResult, Staff};
use crate::storage::Storage;

/// One day of one store and channel.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DayFigures {
    /// The day.
    pub day: String,
    /// The store (empty: head office, the web shop's deliveries).
    pub store: String,
    /// `store` or `web`.
    pub channel: String,
    /// Revenue excluding tax, cents.
    pub revenue: i64,
    /// Cost of goods sold at weighted average cost, cents.
    pub cost: i64,
    /// Revenue less cost, cents.
    pub margin: i64,
    /// Sales (entries whose revenue is above zero): tickets, web orders delivered.
    pub tickets: i64,
    /// Revenue per sale, cents (0 without a sale).
    pub basket: i64,
}

/// Something that needs someone.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Alert {
    /// Items at or below zero at a location.
    StockOut { location: String, items: i64 },
    /// A till that has not pushed for more than an hour.
    NotSynced { till: String, last_ms: Option<i64> },
    /// A till's stream in quarantine.
    Quarantine { till: String, chain: String },
    /// Bank lines no match settles.
    BankOpen { lines: i64 },
    /// Card payments a till journaled as unresolved, not resolved since.
    CardUnresolved { till: String, reference: String, cents: i64 },
    /// Flows the books could not post.
    BooksProblem { flows: i64 },
}

/// The dashboard's data.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Dashboard {
    /// The day it is (UTC, the books' day).
    pub today: String,
    /// Every store and channel with revenue, each of the last 30 days (today's last).
    pub days: Vec<DayFigures>,
    /// Alerts.
    pub alerts: Vec<Alert>,
}

/// The figures per day, store and channel from `from` to `to`, within `scope`'s store.
pub fn figures(
    chart: &pos_ledger::Chart,
    entries: &[Entry],
    from: NaiveDate,
    to: NaiveDate,
    scope: Option<&str>,
) -> Result<Vec<DayFigures>, pos_ledger::LedgerError> {
    type Key = (NaiveDate, String, Option<Channel>);
    let mut out: BTreeMap<Key, DayFigures> = BTreeMap::new();
    for r in pos_ledger::report::pnl(chart, entries, from, to)? {
        let Some(day) = r.day else { continue };
        let f = out.entry((day, r.store.clone(), r.channel)).or_default();
        f.revenue += r.revenue;
        f.cost += r.cost;
        f.margin += r.margin;
    }
    for e in entries.iter().filter(|e| e.date >= from && e.date <= to) {
        let mut by: BTreeMap<(String, Option<Channel>), i64> = BTreeMap::new();
        for l in e.lines.iter().filter(|l| l.account.starts_with('7')) {
            *by.entry((l.analytic.store.clone(), l.analytic.channel)).or_default() += l.credit - l.debit;
        }
        for ((store, channel), revenue) in by {
            if revenue > 0 {
                out.entry((e.date, store, channel)).or_default().tickets += 1;
            }
        }
    }
    Ok(out
        .into_iter()
        .filter(|((_, store, channel), _)| channel.is_some() && scope.is_none_or(|s| s == store))
        .map(|((day, store, channel), mut f)| {
            f.day = day.to_string();
            f.store = store;
            f.channel = channel.map_or("", Channel::as_str).into();
            f.basket = if f.tickets > 0 { f.revenue / f.tickets } else { 0 };
            f
        })
        .collect())
}

/// The alerts within `scope`'s store.
pub async fn alerts(storage: &Storage, now_ms: i64, scope: Option<&str>) -> Result<Vec<Alert>, Fail> {
    let mine = |store: &str| scope.is_none_or(|s| s == store);
    let mut out = Vec::new();
    for r in storage
        .rows(
            "SELECT location, COUNT(*) FROM stock_level WHERE qty <= 0 GROUP BY location ORDER BY location",
            vec![],
        )
        .await?
    {
        let location = r[0].text()?;
        if mine(&location) {
            out.push(Alert::StockOut { location, items: r[1].int()? });
        }
    }
    let tills = storage
        .rows(
            "SELECT t.till, t.store, MAX(s.updated_ms) FROM till t LEFT JOIN stream s ON s.till = t.till GROUP BY t.till, t.store ORDER BY t.till",
            vec![],
        )
        .await?;
    for r in &tills {
        let (till, store, last) = (r[0].text()?, r[1].text()?, r[2].opt_int()?);
        if mine(&store) && last.is_none_or(|l| now_ms - l > 3_600_000) {
            out.push(Alert::NotSynced { till, last_ms: last });
        }
    }
    for r in storage
        .rows(
            "SELECT s.till, s.chain, t.store FROM stream s JOIN till t ON t.till = s.till WHERE s.quarantine IS NOT NULL ORDER BY s.till",
            vec![],
        )
        .await?
    {
        if mine(&r[2].text()?) {
            out.push(Alert::Quarantine { till: r[0].text()?, chain: r[1].text()? });
        }
    }
    if scope.is_none() {
        let open = storage
            .rows(
                "SELECT COUNT(*) FROM bank_line l WHERE NOT EXISTS (SELECT 1 FROM bank_match m WHERE m.account = l.account AND m.line = l.id)",
                vec![],
            )
            .await?;
        let lines = open.first().map_or(Ok(0), |r| r[0].int())?;
        if lines > 0 {
            out.push(Alert::BankOpen { lines });
        }
        let problems = storage.books_problems().await?.len();
        if problems > 0 {
            out.push(Alert::BooksProblem { flows: i64::try_from(problems).unwrap_or(i64::MAX) });
        }
    }
    out.extend(unresolved_cards(storage, now_ms, scope).await?);
    Ok(out)
}

/// Card payments journaled unresolved in the last 30 days with no card result of the same
/// reference after them.
async fn unresolved_cards(storage: &Storage, now_ms: i64, scope: Option<&str>) -> Result<Vec<Alert>, Fail> {
    let since = chrono::DateTime::from_timestamp_millis(now_ms - 30 * 86_400_000)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let rows = storage
        .rows(
            "SELECT r.till, t.store, r.seq, r.bytes FROM record r JOIN till t ON t.till = r.till WHERE r.chain = 'live' AND r.kind = 'event' AND r.at >= $1 ORDER BY r.till, r.seq",
            vec![since.into()],
        )
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let (till, store) = (r[0].text()?, r[1].text()?);
        if scope.is_some_and(|s| s != store) {
            continue;
        }
        let Ok((_, pos_journal::body::Entry::CardUnresolved { reference, cents, .. })) =
            pos_journal::body::Entry::read(&r[3].bytes()?)
        else {
            continue;
        };
        let later = storage
            .rows(
                "SELECT bytes FROM record WHERE till = $1 AND chain = 'live' AND seq > $2 AND kind = 'operation' ORDER BY seq",
                vec![till.as_str().into(), r[2].clone()],
            )
            .await?;
        let resolved = later.iter().any(|l| {
            l[0].bytes().ok().and_then(|b| pos_journal::body::Entry::read(&b).ok()).is_some_and(|(_, e)| {
                matches!(e, pos_journal::body::Entry::CardResult { reference: ref x, .. } if *x == reference)
            })
        });
        if !resolved {
            out.push(Alert::CardUnresolved { till, reference, cents });
        }
    }
    Ok(out)
}

/// Today's day (UTC, as the books date head office's own flows).
pub fn today(now_ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(now_ms).map_or(NaiveDate::MIN, |t| t.date_naive())
}

async fn dashboard(a: &AdminApp, staff: &Staff) -> Result<Dashboard, Fail> {
    staff.may(Area::Dashboard)?;
    let now = a.now_ms();
    let to = today(now);
    let from = to - Duration::days(29);
    let storage = &a.app.storage;
    let days = match crate::books::chart(storage).await? {
        Some(chart) => {
            let entries = a.books.entries(storage).await?;
            figures(&chart, &entries, from, to, staff.scope())
                .map_err(|e| Fail::Bad(staff.lang, e.to_string()))?
        }
        None => Vec::new(),
    };
    Ok(Dashboard { today: to.to_string(), days, alerts: alerts(storage, now, staff.scope()).await? })
}

/// The dashboard as JSON.
pub async fn api(State(a): State<Arc<AdminApp>>, staff: Staff) -> Result<Json<Dashboard>, Fail> {
    Ok(Json(dashboard(&a, &staff).await?))
}

/// The dashboard's page.
pub async fn page(State(a): State<Arc<AdminApp>>, staff: Staff) -> PageResult {
    let d = dashboard(&a, &staff).await?;
    let lang = staff.lang;
    let today: NaiveDate = d.today.parse().unwrap_or(NaiveDate::MIN);
    let yesterday = (today - Duration::days(1)).to_string();
    let keys: std::collections::BTreeSet<(String, String)> =
        d.days.iter().map(|f| (f.store.clone(), f.channel.clone())).collect();
    let day_list: Vec<String> = (0..30).map(|i| (today - Duration::days(29 - i)).to_string()).collect();
    let series: Vec<(String, Vec<i64>)> = keys
        .iter()
        .map(|(s, c)| {
            let name = format!("{} {c}", if s.is_empty() { "—" } else { s });
            let values = day_list
                .iter()
                .map(|day| {
                    d.days
                        .iter()
                        .filter(|f| &f.day == day && &f.store == s && &f.channel == c)
                        .map(|f| f.revenue)
                        .sum()
                })
                .collect();
            (name, values)
        })
        .collect();
    let table = |day: &str, id: &str| {
        let rows: Vec<&DayFigures> = d.days.iter().filter(|f| f.day == day).collect();
        html! {
            table id=(id) {
                thead { tr {
                    th { (staff.t(Msg::Store)) } th { (staff.t(Msg::Channel)) }
                    th.num { (staff.t(Msg::Revenue)) } th.num { (staff.t(Msg::Tickets)) }
                    th.num { (staff.t(Msg::Basket)) } th.num { (staff.t(Msg::Margin)) }
                } }
                tbody {
                    @for f in &rows {
                        tr data-store=(f.store) data-channel=(f.channel) {
                            td { (if f.store.is_empty() { "—" } else { &f.store }) } td { (f.channel) }
                            (frame::money(lang, f.revenue)) td.num { (f.tickets) }
                            (frame::money(lang, f.basket)) (frame::money(lang, f.margin))
                        }
                    }
                    @if rows.is_empty() { tr { td colspan="6" { (staff.t(Msg::Nothing)) } } }
                }
            }
        }
    };
    let body = html! {
        section.cards {
            div.card { h2 { (staff.t(Msg::Today)) " · " (lang.day(today)) } (table(&d.today, "today")) }
            div.card { h2 { (staff.t(Msg::Yesterday)) } (table(&yesterday, "yesterday")) }
        }
        h2 { (staff.t(Msg::Last30)) }
        (frame::chart(lang, &series, &day_list))
        h2 { (staff.t(Msg::Alerts)) }
        ul.alerts #alerts {
            @for al in &d.alerts { li.bad { (alert_text(&staff, al)) } }
            @if d.alerts.is_empty() { li.good { (staff.t(Msg::NoAlert)) } }
        }
    };
    Ok(frame::page(&staff, Area::Dashboard, staff.t(Msg::Dashboard), body))
}

fn alert_text(staff: &Staff, a: &Alert) -> String {
    let lang = staff.lang;
    match a {
        Alert::StockOut { location, items } => {
            format!("{location} : {items} {}", staff.t(Msg::AlertStockOut))
        }
        Alert::NotSynced { till, last_ms } => format!(
            "{till} {} ({})",
            staff.t(Msg::AlertNotSynced),
            last_ms.map_or_else(|| staff.t(Msg::Never).to_owned(), |l| lang.moment(l))
        ),
        Alert::Quarantine { till, chain } => format!("{till} ({chain}) {}", staff.t(Msg::AlertQuarantine)),
        Alert::BankOpen { lines } => format!("{lines} {}", staff.t(Msg::AlertBank)),
        Alert::CardUnresolved { till, reference, cents } => {
            format!("{till} : {} {reference} ({})", staff.t(Msg::AlertCard), lang.euros(*cents))
        }
        Alert::BooksProblem { flows } => format!("{flows} {}", staff.t(Msg::AlertBooks)),
    }
}
