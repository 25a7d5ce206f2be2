//! Stock: a location's low items and what to reorder (by the item's min/max at that location
//! when one is set, else by days of coverage at the last four weeks' sales), an item's level at
//! every location with its movements, its min/max, and transfers between locations. A store
//! manager sees and moves their own store's stock only.
//!
//! Without a min/max, an item is low under [`COVER_MIN_DAYS`] of sales in stock and is brought up
//! to [`COVER_MAX_DAYS`]: the figures a specialty shop reorders weekly by.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Form, Path, Query, State};
use maud::html;
use pos_sync::stock::{Milli, OfficeMove};

use super::auth::Area;
use super::html as frame;
use super::i18n::Msg;
use super::{AdminApp, Fail, Fields, PageResult, Staff};
use crate::storage::Storage;

/// Days of sales in stock under which an item without min/max is low.
pub const COVER_MIN_DAYS: i64 = 7;
/// Days of sales a reorder brings it up to.
pub const COVER_MAX_DAYS: i64 = 21;
/// The sales window the average is taken over, days.
pub const WINDOW_DAYS: i64 = 28;

/// An item to reorder at a location.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Suggestion {
    /// The item.
    pub sku: String,
    /// Its level, thousandths.
    pub level: i64,
    /// Sold over the window, thousandths.
    pub sold: i64,
    /// Days of coverage at that pace (none: nothing sold).
    pub cover_days: Option<i64>,
    /// Its min/max here, thousandths, when set.
    pub min_max: Option<(i64, i64)>,
    /// What to order, thousandths.
    pub order: i64,
}

/// What to reorder: items at or under their min, or with under [`COVER_MIN_DAYS`] of sales.
pub fn suggestions(
    levels: &BTreeMap<String, i64>,
    sold: &BTreeMap<String, i64>,
    rules: &BTreeMap<String, (i64, i64)>,
) -> Vec<Suggestion> {
    let skus: std::collections::BTreeSet<&String> = sold.keys().chain(rules.keys()).collect();
    let mut out = Vec::new();
    for sku in skus {
        let level = levels.get(sku).copied().unwrap_or(0);
        let s = sold.get(sku).copied().unwrap_or(0).max(0);
        let cover_days = (s > 0).then(|| level.max(0).saturating_mul(WINDOW_DAYS) / s);
        let min_max = rules.get(sku).copied();
        let order = match min_max {
            Some((min, max)) if level <= min => max - level,
            Some(_) => 0,
            None if cover_days.is_some_and(|d| d < COVER_MIN_DAYS) => {
                // Up to COVER_MAX_DAYS of sales, in whole units.
                let want = s.saturating_mul(COVER_MAX_DAYS) / WINDOW_DAYS - level;
                (want + 999) / 1000 * 1000
            }
            None => 0,
        };
        if order > 0 {
            out.push(Suggestion { sku: sku.clone(), level, sold: s, cover_days, min_max, order });
        }
    }
    out
}

/// A location's reorder list, read from the database.
pub async fn reorder(storage: &Storage, location: &str, now_ms: i64) -> Result<Vec<Suggestion>, Fail> {
    let since = now_ms - WINDOW_DAYS * 86_400_000;
    let sold: BTreeMap<String, i64> = storage
        .rows(
            "SELECT sku, CAST(-SUM(qty) AS BIGINT) FROM movement WHERE location = $1 AND kind IN ('sale', 'return', 'web_sale') AND at_ms >= $2 GROUP BY sku",
            vec![location.into(), since.into()],
        )
        .await?
        .into_iter()
        .map(|r| Ok((r[0].text()?, r[1].int()?)))
        .collect::<Result<_, crate::storage::StorageError>>()?;
    let rules: BTreeMap<String, (i64, i64)> = storage
        .rows("SELECT sku, min_qty, max_qty FROM stock_rule WHERE location = $1", vec![location.into()])
        .await?
        .into_iter()
        .map(|r| Ok((r[0].text()?, (r[1].int()?, r[2].int()?))))
        .collect::<Result<_, crate::storage::StorageError>>()?;
    let mut levels = BTreeMap::new();
    for sku in sold.keys().chain(rules.keys()) {
        if let Some(r) = storage
            .row(
                "SELECT qty FROM stock_level WHERE location = $1 AND sku = $2",
                vec![location.into(), sku.as_str().into()],
            )
            .await?
        {
            levels.insert(sku.clone(), r[0].int()?);
        }
    }
    Ok(suggestions(&levels, &sold, &rules))
}

async fn locations(storage: &Storage) -> Result<Vec<String>, Fail> {
    let text = super::catalogue::whole_file(storage, "locations.csv").await?;
    let (header, rows) = super::catalogue::table_of(&text);
    let Some(code) = header.iter().position(|h| h == "code") else { return Ok(Vec::new()) };
    Ok(rows.into_iter().filter_map(|r| r.get(code).cloned()).filter(|c| !c.is_empty()).collect())
}

/// Which location.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Where {
    location: Option<String>,
    sku: Option<String>,
}

/// A location's stock page: its reorder list, and an item looked up.
pub async fn page(State(a): State<Arc<AdminApp>>, staff: Staff, Query(w): Query<Where>) -> PageResult {
    staff.may(Area::Stock)?;
    let storage = &a.app.storage;
    let all = locations(storage).await?;
    let location = match (staff.scope(), w.location) {
        (Some(own), _) => own.to_owned(),
        (None, Some(l)) if all.contains(&l) => l,
        (None, _) => all.first().cloned().unwrap_or_default(),
    };
    if let Some(sku) = w.sku.filter(|s| !s.trim().is_empty()) {
        return Err(Fail::Redirect(format!("/admin/stock/{}", sku.trim().to_uppercase())));
    }
    let list = reorder(storage, &location, a.now_ms()).await?;
    let body = html! {
        form.inline method="get" action="/admin/stock" {
            @if staff.scope().is_none() {
                select #location name="location" {
                    @for l in &all { option value=(l) selected[*l == location] { (l) } }
                }
            }
            input #sku name="sku" placeholder="SKU";
            button.quiet type="submit" { (staff.t(Msg::Show)) }
        }
        h2 { (staff.t(Msg::Reorder)) " — " (location) }
        table #reorder {
            thead { tr { th { "SKU" } th.num { (staff.t(Msg::Stock)) } th.num { (staff.t(Msg::Sold28)) } th.num { (staff.t(Msg::Cover)) } th.num { "min / max" } th.num { (staff.t(Msg::ToOrder)) } } }
            tbody {
                @for s in &list {
                    tr data-sku=(s.sku) {
                        td { a href={"/admin/stock/" (s.sku)} { (s.sku) } }
                        td.num { (Milli(s.level)) } td.num { (Milli(s.sold)) }
                        td.num { @if let Some(d) = s.cover_days { (d) } @else { "—" } }
                        td.num { @if let Some((min, max)) = s.min_max { (Milli(min)) " / " (Milli(max)) } }
                        td.num { strong { (Milli(s.order)) } }
                    }
                }
                @if list.is_empty() { tr { td colspan="6" { (staff.t(Msg::Nothing)) } } }
            }
        }
    };
    Ok(frame::page(&staff, Area::Stock, staff.t(Msg::Stock), body))
}

async fn item_page(a: &AdminApp, staff: &Staff, sku: &str, notice: Option<(String, bool)>) -> PageResult {
    staff.may(Area::Stock)?;
    let storage = &a.app.storage;
    let mine = |l: &str| staff.scope().is_none_or(|s| s == l);
    let levels: Vec<_> = storage.stock_of(sku).await?.into_iter().filter(|l| mine(&l.location)).collect();
    let mut moves: Vec<_> = storage.movements(sku).await?.into_iter().filter(|m| mine(&m.location)).collect();
    moves.reverse();
    moves.truncate(200);
    let all = locations(storage).await?;
    let body = html! {
        (frame::notice(notice.as_ref().map(|n| n.0.as_str()), notice.as_ref().is_some_and(|n| n.1)))
        table #levels {
            thead { tr { th { (staff.t(Msg::Store)) } th.num { (staff.t(Msg::Stock)) } } }
            tbody { @for l in &levels { tr data-location=(l.location) { td { (l.location) } td.num { (l.qty) } } } }
        }
        h2 { (staff.t(Msg::Transfer)) }
        form.inline method="post" action={"/admin/stock/" (sku)} {
            (frame::csrf(staff))
            input type="hidden" name="action" value="transfer";
            label { (staff.t(Msg::From)) " " select #transfer-from name="from" { @for l in all.iter().filter(|l| mine(l)) { option value=(l) { (l) } } } }
            label { (staff.t(Msg::To)) " " select #transfer-to name="to" { @for l in &all { option value=(l) { (l) } } } }
            label { (staff.t(Msg::Quantity)) " " input #transfer-qty name="qty" size="6"; }
            button #transfer type="submit" { (staff.t(Msg::Transfer)) }
        }
        h2 { "min / max" }
        form.inline method="post" action={"/admin/stock/" (sku)} {
            (frame::csrf(staff))
            input type="hidden" name="action" value="rule";
            label { (staff.t(Msg::Store)) " " select name="location" { @for l in all.iter().filter(|l| mine(l)) { option value=(l) { (l) } } } }
            label { "min " input #rule-min name="min" size="5"; }
            label { "max " input #rule-max name="max" size="5"; }
            button.quiet type="submit" { (staff.t(Msg::Save)) }
        }
        h2 { (staff.t(Msg::Movements)) }
        table #movements {
            thead { tr { th { "#" } th { (staff.t(Msg::Store)) } th.num { (staff.t(Msg::Quantity)) } th { (staff.t(Msg::Kind)) } th { (staff.t(Msg::Piece)) } } }
            tbody { @for m in &moves { tr { td { (m.id) } td { (m.location) } td.num { (m.qty) } td { (m.kind.as_str()) } td { (m.source) } } } }
        }
    };
    Ok(frame::page(staff, Area::Stock, &format!("{} — {sku}", staff.t(Msg::Stock)), body))
}

/// An item's stock at every location (a manager's: theirs), its movements.
pub async fn item(State(a): State<Arc<AdminApp>>, staff: Staff, Path(sku): Path<String>) -> PageResult {
    item_page(&a, &staff, &sku, None).await
}

/// A transfer between locations, or an item's min/max at a location.
pub async fn act(
    State(a): State<Arc<AdminApp>>,
    staff: Staff,
    Path(sku): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    staff.check(&f)?;
    staff.may(Area::Stock)?;
    let storage = &a.app.storage;
    let all = locations(storage).await?;
    let known = |l: &str| all.iter().any(|x| x == l);
    let qty = |name: &str| Milli::parse(f.get(name).unwrap_or_default().trim());
    let now = a.now_ms();
    let notice = match f.get("action") {
        Some("transfer") => {
            let (from, to) = (f.get("from").unwrap_or_default(), f.get("to").unwrap_or_default());
            staff.store_ok(from)?;
            if !known(from) || !known(to) || from == to {
                (format!("{from} → {to}: two different locations of the chain"), true)
            } else {
                match qty("qty") {
                    Ok(q) if q.0 > 0 => {
                        // A slip of its own: two transfers in the same millisecond are two.
                        let reference = format!("TR-{now}-{}", pos_journal::hex(&super::auth::random::<4>()));
                        let what = OfficeMove::Transfer { from: from.to_owned(), to: to.to_owned() };
                        match storage.office_move(&what, &reference, &sku, q, now).await? {
                            Ok(crate::storage::stock::Recorded::Already) => {
                                (format!("{reference} was recorded already: nothing moved again"), true)
                            }
                            Ok(crate::storage::stock::Recorded::New) => {
                                storage
                                    .write(vec![staff.audit(
                                        now,
                                        "stock_transferred",
                                        &sku,
                                        &format!("{q} {from} → {to} ({reference})"),
                                    )])
                                    .await?;
                                (format!("{q} {sku} {from} → {to} ✓"), false)
                            }
                            Err(e) => (e.to_string(), true),
                        }
                    }
                    Ok(q) => (format!("{q}: a transfer moves more than nothing"), true),
                    Err(e) => (e.to_string(), true),
                }
            }
        }
        Some("rule") => {
            let location = f.get("location").unwrap_or_default();
            staff.store_ok(location)?;
            match (qty("min"), qty("max")) {
                (Ok(min), Ok(max)) if known(location) && 0 <= min.0 && min.0 <= max.0 => {
                    storage
                        .admin_change(
                            vec![(
                                "INSERT INTO stock_rule (location, sku, min_qty, max_qty) VALUES ($1, $2, $3, $4) ON CONFLICT (location, sku) DO UPDATE SET min_qty = excluded.min_qty, max_qty = excluded.max_qty",
                                vec![location.into(), sku.as_str().into(), min.0.into(), max.0.into()],
                            )],
                            staff.audit(now, "stock_rule_set", &sku, &format!("{location}: {min} / {max}")),
                        )
                        .await?;
                    (format!("{sku} {location}: {min} / {max} ✓"), false)
                }
                _ => ("min and max: quantities, 0 ≤ min ≤ max, at a location of the chain".to_owned(), true),
            }
        }
        _ => return Err(Fail::Bad(staff.lang, "no such action: transfer or rule".into())),
    };
    item_page(&a, &staff, &sku, Some(notice)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reorder_by_min_max_or_cover() {
        let levels =
            BTreeMap::from([("A".to_owned(), 2_000), ("B".to_owned(), 50_000), ("C".to_owned(), 1_000)]);
        // A: 28 sold in 28 days, 2 left: 2 days of cover, brought to 21 (19 to order).
        // B: 28 sold, 50 left: 50 days, nothing. C: its min is 2: up to its max, 10.
        let sold = BTreeMap::from([("A".to_owned(), 28_000), ("B".to_owned(), 28_000)]);
        let rules = BTreeMap::from([("C".to_owned(), (2_000, 10_000))]);
        let s = suggestions(&levels, &sold, &rules);
        assert_eq!(
            s.iter().map(|x| (x.sku.as_str(), x.order)).collect::<Vec<_>>(),
            [("A", 19_000), ("C", 9_000)]
        );
        assert_eq!(s[0].cover_days, Some(2));
    }
}
