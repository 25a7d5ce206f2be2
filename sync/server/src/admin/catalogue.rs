//! The catalogue: the chain's items searched (by SKU, barcode or name), an item's names and price
//! and its price-list rows edited now or from a day, the promotions' calendar edited; every change
//! checked as a till would load it, then recorded as the catalogue's next version, which the tills
//! pull at their next sync. A change for a later day waits in `catalogue_schedule` and is applied
//! on its day ([`run_schedule`]).

use std::sync::Arc;

use axum::extract::{Form, Path, Query, State};
use chrono::NaiveDate;
use maud::{Markup, html};
use pos_sync::catalogue::{Entries, HEADER};

use super::auth::Area;
use super::dashboard::today;
use super::html as frame;
use super::i18n::Msg;
use super::{AdminApp, Fail, Fields, PageResult, Staff};
use crate::storage::Storage;
use crate::storage::sql::Val;

/// Items shown per page of a search.
const PAGE: i64 = 50;

/// One change of an entry: file, key, new text (none: removed).
pub type Change = (String, String, Option<String>);

/// Splits a CSV line into its fields.
fn fields(line: &str) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
    r.records()
        .next()
        .and_then(Result::ok)
        .map(|rec| rec.iter().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The text of a file of the chain kept whole, or a row-split file's header line (empty: none).
pub async fn whole_file(storage: &Storage, file: &str) -> Result<String, Fail> {
    Ok(storage
        .row("SELECT body FROM catalogue_entry WHERE file = $1 AND key = ''", vec![file.into()])
        .await?
        .map(|r| r[0].text())
        .transpose()?
        .unwrap_or_default())
}

/// A whole CSV file: its header and rows (a quoted field may hold a line break).
pub fn table_of(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header = r.headers().map(|h| h.iter().map(str::to_owned).collect()).unwrap_or_default();
    let rows =
        r.records().filter_map(Result::ok).map(|rec| rec.iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

/// Writes fields as a CSV line, as the chain's files are split. Into memory it does not fail; if
/// it ever did, the change is refused rather than an empty line put in the catalogue.
pub fn line(fields: &[String]) -> Result<String, String> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(fields).map_err(|e| format!("a CSV line could not be written: {e}"))?;
    let bytes = w.into_inner().map_err(|e| format!("a CSV line could not be written: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("a CSV line is not UTF-8: {e}"))
}

/// An amount typed by a person: digits, a decimal point or comma, at most two decimals, above
/// zero, below 100,000; anything else refused (never rounded).
pub fn typed_amount(s: &str) -> Option<String> {
    let s = s.trim().replace(',', ".");
    let (units, cents) = s.split_once('.').unwrap_or((&s, ""));
    let ok = !units.is_empty()
        && units.len() <= 5
        && units.bytes().all(|b| b.is_ascii_digit())
        && cents.len() <= 2
        && cents.bytes().all(|b| b.is_ascii_digit());
    let n: u64 = format!("{units}{cents:0<2}").parse().ok()?;
    (ok && n > 0).then(|| format!("{}.{:02}", n / 100, n % 100))
}

/// The catalogue's entries now, every file's (what the tills assemble).
async fn entries(storage: &Storage) -> Result<Entries, Fail> {
    Ok(storage
        .rows("SELECT file, key, body FROM catalogue_entry WHERE body IS NOT NULL", vec![])
        .await?
        .into_iter()
        .map(|r| Ok(((r[0].text()?, r[1].text()?), r[2].text()?)))
        .collect::<Result<_, crate::storage::StorageError>>()?)
}

/// Applies `changes` to the catalogue, checked as a till loads it, as its next version. Answers
/// the version, or why the change is refused.
pub async fn apply(storage: &Storage, changes: &[Change], now_ms: i64) -> Result<Result<u64, String>, Fail> {
    // One change at a time on this server: each is made on the catalogue as the last one left it.
    static ONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one = ONE.lock().await;
    let mut all = entries(storage).await?;
    for (file, key, body) in changes {
        match body {
            Some(b) => all.insert((file.clone(), key.clone()), b.clone()),
            None => all.remove(&(file.clone(), key.clone())),
        };
    }
    let whole = |name: &str| {
        all.get(&(name.to_owned(), HEADER.to_owned()))
            .map(|t| t.as_bytes().to_vec())
            .or_else(|| pos_sync::catalogue::default_of(name).map(|d| d.as_bytes().to_vec()))
            .ok_or_else(|| format!("{name} is missing"))
    };
    let settings = match pos_core::load::load_settings(whole) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e.to_string())),
    };
    for (file, key, body) in changes {
        if let (Some(b), "products.csv") = (body, file.as_str()) {
            let header = all.get(&(file.clone(), HEADER.to_owned())).cloned().unwrap_or_default();
            if let Err(e) = pos_core::load::parse_products(format!("{header}{b}").as_bytes(), &settings) {
                return Ok(Err(format!("{key}: {e}")));
            }
        }
    }
    let done = storage.catalogue_import(all, now_ms).await?;
    Ok(Ok(done.version))
}

/// Search query.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: i64,
}

/// The items that match `q` (SKU prefix, barcode, or a word of the name), a page of them.
pub async fn search(storage: &Storage, q: &str, page: i64) -> Result<Vec<(String, Vec<String>)>, Fail> {
    let q = q.trim();
    let like = format!("%{}%", q.replace(['%', '_'], ""));
    let rows = storage
        .rows(
            "SELECT key, body FROM catalogue_entry WHERE file = 'products.csv' AND key <> '' AND body IS NOT NULL AND (key LIKE $1 OR body LIKE $2) ORDER BY key LIMIT $3 OFFSET $4",
            vec![format!("{}%", q.to_uppercase()).into(), like.into(), PAGE.into(), (page.max(0) * PAGE).into()],
        )
        .await?;
    rows.into_iter().map(|r| Ok((r[0].text()?, fields(&r[1].text()?)))).collect()
}

async fn header(storage: &Storage) -> Result<Vec<String>, Fail> {
    let h = whole_file(storage, "products.csv").await?;
    Ok(fields(&h))
}

fn col(header: &[String], name: &str) -> Option<usize> {
    header.iter().position(|h| h == name)
}

/// The catalogue's search page.
pub async fn list(State(a): State<Arc<AdminApp>>, staff: Staff, Query(s): Query<Search>) -> PageResult {
    staff.may(Area::Catalogue)?;
    let storage = &a.app.storage;
    let header = header(storage).await?;
    let page = s.page.clamp(0, 10_000);
    let found = if s.q.trim().is_empty() { Vec::new() } else { search(storage, &s.q, page).await? };
    let get = |f: &[String], c: &str| col(&header, c).and_then(|i| f.get(i)).cloned().unwrap_or_default();
    let name = if staff.lang == super::i18n::Lang::En { "name_en" } else { "name_fr" };
    let body = html! {
        p { a href="/admin/promotions" { "Promotions" } }
        form.inline method="get" action="/admin/catalogue" {
            input #q name="q" value=(s.q) placeholder="SKU, EAN, nom" autofocus;
            button.quiet #search type="submit" { (staff.t(Msg::Search)) }
        }
        table #items {
            thead { tr { th { "SKU" } th { (staff.t(Msg::Label)) } th { (staff.t(Msg::Family)) } th.num { "TTC" } th { "EAN" } } }
            tbody {
                @for (sku, f) in &found {
                    tr data-sku=(sku) {
                        td { a href={"/admin/catalogue/" (sku)} { (sku) } }
                        td { (get(f, name)) } td { (get(f, "family")) } td.num { (get(f, "price_ttc")) } td { (get(f, "barcode")) }
                    }
                }
            }
        }
        @if i64::try_from(found.len()).unwrap_or(0) == PAGE {
            p { a href={"/admin/catalogue?q=" (s.q) "&page=" (page + 1)} { (staff.t(Msg::Older)) } }
        }
    };
    Ok(frame::page(&staff, Area::Catalogue, staff.t(Msg::Catalogue), body))
}

async fn item_page(a: &AdminApp, staff: &Staff, sku: &str, notice: Option<(String, bool)>) -> PageResult {
    staff.may(Area::Catalogue)?;
    let storage = &a.app.storage;
    let header = header(storage).await?;
    let row = storage
        .row(
            "SELECT body FROM catalogue_entry WHERE file = 'products.csv' AND key = $1 AND body IS NOT NULL",
            vec![sku.into()],
        )
        .await?
        .ok_or(Fail::NotFound(staff.lang))?;
    let f = fields(&row[0].text()?);
    let get = |c: &str| col(&header, c).and_then(|i| f.get(i)).cloned().unwrap_or_default();
    let (lh, lists) = list_rows(storage, sku).await?;
    let at = |l: &[String], c: &str| col(&lh, c).and_then(|i| l.get(i)).cloned().unwrap_or_default();
    let waiting = storage
        .rows(
            "SELECT day, body, made_by FROM catalogue_schedule WHERE key = $1 AND applied_ms IS NULL ORDER BY day",
            vec![sku.into()],
        )
        .await?;
    let body = html! {
        (frame::notice(notice.as_ref().map(|n| n.0.as_str()), notice.as_ref().is_some_and(|n| n.1)))
        form method="post" action={"/admin/catalogue/" (sku)} {
            (frame::csrf(staff))
            label for="name_fr" { "Nom (FR)" } input #name_fr name="name_fr" value=(get("name_fr")) size="50";
            label for="name_en" { "Name (EN)" } input #name_en name="name_en" value=(get("name_en")) size="50";
            label for="price_ttc" { "Prix TTC" } input #price_ttc name="price_ttc" value=(get("price_ttc")) size="10";
            @for (_, l) in &lists {
                @let segment = at(l, "segment");
                label for={"pl-" (segment)} { (segment) " (" (at(l, "basis")) ")" }
                input id={"pl-" (segment)} name={"pl:" (segment)} value=(at(l, "price")) size="10";
            }
            label for="from" { (staff.t(Msg::ApplyFrom)) }
            input #from type="date" name="from";
            p { button #save type="submit" { (staff.t(Msg::Save)) } }
        }
        @if !waiting.is_empty() {
            h2 { (staff.t(Msg::Scheduled)) }
            ul #scheduled { @for w in &waiting { li { (w[0].text().unwrap_or_default()) " — " (w[1].text().unwrap_or_default()) " — " (w[2].text().unwrap_or_default()) } } }
        }
    };
    Ok(frame::page(staff, Area::Catalogue, &format!("{sku} — {}", get("name_fr")), body))
}

/// An item's page.
pub async fn item(State(a): State<Arc<AdminApp>>, staff: Staff, Path(sku): Path<String>) -> PageResult {
    item_page(&a, &staff, &sku, None).await
}

/// What a person changes of an item: columns of its product row, and its price in price lists
/// (segment, price). Kept as such when scheduled, and made into the catalogue's entries on the day,
/// from the catalogue as it is then (what changed meanwhile in other columns stays).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ItemChange {
    /// Column, new value.
    pub fields: Vec<(String, String)>,
    /// Segment, new price.
    pub lists: Vec<(String, String)>,
}

/// The price-list rows of `sku` now: each row's key (its line) and fields, and the header.
async fn list_rows(storage: &Storage, sku: &str) -> Result<(Vec<String>, Vec<(String, Vec<String>)>), Fail> {
    let header = fields(&whole_file(storage, "price_lists.csv").await?);
    let Some(sku_col) = col(&header, "sku") else { return Ok((header, Vec::new())) };
    // LIKE narrows the rows; the SKU column decides (a `_` in a SKU matches any character).
    let rows = storage
        .rows(
            "SELECT key FROM catalogue_entry WHERE file = 'price_lists.csv' AND key <> '' AND body IS NOT NULL AND key LIKE $1 ORDER BY key",
            vec![format!("%{sku}%").into()],
        )
        .await?
        .into_iter()
        .map(|r| r[0].text().map(|k| (k.clone(), fields(&k))))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|(_, f)| f.get(sku_col).map(String::as_str) == Some(sku))
        .collect();
    Ok((header, rows))
}

/// The catalogue's entries that `change` makes of item `sku` as the catalogue is now.
async fn entries_of_change(
    storage: &Storage,
    sku: &str,
    change: &ItemChange,
) -> Result<Result<Vec<Change>, String>, Fail> {
    let header = header(storage).await?;
    let Some(row) = storage
        .row(
            "SELECT body FROM catalogue_entry WHERE file = 'products.csv' AND key = $1 AND body IS NOT NULL",
            vec![sku.into()],
        )
        .await?
    else {
        return Ok(Err(format!("{sku} is no longer in the catalogue")));
    };
    let mut f = fields(&row[0].text()?);
    let mut out = Vec::new();
    if !change.fields.is_empty() {
        for (c, v) in &change.fields {
            match col(&header, c).and_then(|i| f.get_mut(i)) {
                Some(cell) => *cell = v.clone(),
                None => return Ok(Err(format!("products.csv has no `{c}` column for {sku}"))),
            }
        }
        match line(&f) {
            Ok(l) => out.push(("products.csv".to_owned(), sku.to_owned(), Some(l))),
            Err(why) => return Ok(Err(why)),
        }
    }
    if !change.lists.is_empty() {
        let (lh, rows) = list_rows(storage, sku).await?;
        let (Some(seg), Some(price)) = (col(&lh, "segment"), col(&lh, "price")) else {
            return Ok(Err("price_lists.csv has no `segment` or `price` column".into()));
        };
        for (segment, p) in &change.lists {
            let Some((old, l)) = rows.iter().find(|(_, l)| l.get(seg) == Some(segment)) else {
                return Ok(Err(format!("{sku} has no price in the `{segment}` list any more")));
            };
            let mut l = l.clone();
            if let Some(cell) = l.get_mut(price) {
                *cell = p.clone();
            }
            let new = match line(&l) {
                Ok(n) => n,
                Err(why) => return Ok(Err(why)),
            };
            out.push(("price_lists.csv".to_owned(), old.clone(), None));
            out.push(("price_lists.csv".to_owned(), new.clone(), Some(new)));
        }
    }
    Ok(Ok(out))
}

/// An item changed: names, price, price-list rows; now, or from a day.
pub async fn save(
    State(a): State<Arc<AdminApp>>,
    staff: Staff,
    Path(sku): Path<String>,
    Form(form): Form<Fields>,
) -> PageResult {
    staff.check(&form)?;
    staff.may(Area::Catalogue)?;
    let storage = &a.app.storage;
    let refuse = |m: String| item_page(&a, &staff, &sku, Some((m, true)));
    let mut change = ItemChange::default();
    for name in ["name_fr", "name_en"] {
        let v = form.get(name).unwrap_or_default().trim();
        if v.is_empty() || v.chars().count() > 120 || v.chars().any(char::is_control) {
            return refuse(format!("{name}: 1 to 120 characters")).await;
        }
        change.fields.push((name.to_owned(), v.to_owned()));
    }
    let typed = form.get("price_ttc").unwrap_or_default();
    let Some(price) = typed_amount(typed) else {
        return refuse(format!("`{typed}` is not a price: 12.90 (two decimals at most)")).await;
    };
    change.fields.push(("price_ttc".to_owned(), price));
    let (lh, rows) = list_rows(storage, &sku).await?;
    let (seg, pcol) = (col(&lh, "segment"), col(&lh, "price"));
    for (_, l) in &rows {
        let Some(segment) = seg.and_then(|i| l.get(i)) else { continue };
        let Some(typed) = form.get(&format!("pl:{segment}")) else { continue };
        let Some(p) = typed_amount(typed) else {
            return refuse(format!("`{typed}` is not a price: 12.90 (two decimals at most)")).await;
        };
        if pcol.and_then(|i| l.get(i)) != Some(&p) {
            change.lists.push((segment.clone(), p));
        }
    }
    let now = a.now_ms();
    let from = form.get("from").filter(|d| !d.is_empty());
    match from.map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d")) {
        Some(Err(_)) => refuse(format!("`{}` is not a day", from.unwrap_or_default())).await,
        Some(Ok(day)) if day > today(now) => {
            let body = serde_json::to_string(&change).unwrap_or_default();
            storage
                .admin_change(
                    vec![(
                        "INSERT INTO catalogue_schedule (day, file, key, body, made_by, made_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                        vec![day.to_string().into(), "products.csv".into(), sku.as_str().into(), body.into(), staff.email.as_str().into(), now.into()],
                    )],
                    staff.audit(now, "price_scheduled", &sku, &day.to_string()),
                )
                .await?;
            item_page(&a, &staff, &sku, Some((format!("{sku} ⏱ {day}"), false))).await
        }
        _ => {
            let changes = match entries_of_change(storage, &sku, &change).await? {
                Ok(c) => c,
                Err(why) => return refuse(why).await,
            };
            match apply(storage, &changes, now).await? {
                Ok(version) => {
                    storage
                        .write(vec![staff.audit(
                            now,
                            "item_changed",
                            &sku,
                            &format!("catalogue version {version}"),
                        )])
                        .await?;
                    item_page(&a, &staff, &sku, Some((format!("{sku} ✓ (version {version})"), false))).await
                }
                Err(why) => refuse(why).await,
            }
        }
    }
}

/// Applies the scheduled changes whose day has come, every minute.
pub async fn run_schedule(app: Arc<crate::http::App>) {
    loop {
        if let Err(e) = apply_due(&app.storage, (app.now_ms)()).await {
            tracing::warn!("scheduled catalogue changes: {e:?}");
        }
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}

/// Applies the scheduled changes due at `now_ms`, one at a time, each made from the catalogue as it
/// is then; one refused (its item gone, its list row gone, a check failed) is audited with its
/// reason and the others go on. Answers how many were applied.
pub async fn apply_due(storage: &Storage, now_ms: i64) -> Result<usize, Fail> {
    let due = storage
        .rows(
            "SELECT id, key, body FROM catalogue_schedule WHERE applied_ms IS NULL AND day <= $1 ORDER BY id",
            vec![today(now_ms).to_string().into()],
        )
        .await?;
    let mut applied = 0;
    for r in &due {
        let sku = r[1].text()?;
        let outcome = match serde_json::from_str::<ItemChange>(&r[2].opt_text()?.unwrap_or_default()) {
            Err(e) => Err(format!("the scheduled change does not read: {e}")),
            Ok(change) => match entries_of_change(storage, &sku, &change).await? {
                Ok(changes) => apply(storage, &changes, now_ms).await?,
                Err(why) => Err(why),
            },
        };
        let (action, detail) = match &outcome {
            Ok(v) => {
                applied += 1;
                ("scheduled_change_applied", format!("catalogue version {v}"))
            }
            Err(why) => ("scheduled_change_refused", why.clone()),
        };
        storage
            .write(vec![
                (
                    "UPDATE catalogue_schedule SET applied_ms = $2 WHERE id = $1",
                    vec![r[0].clone(), Val::Int(now_ms)],
                ),
                crate::storage::admin::audit(now_ms, "schedule", "local", action, &sku, &detail),
            ])
            .await?;
    }
    Ok(applied)
}

/// The promotions' calendar.
pub async fn promotions(State(a): State<Arc<AdminApp>>, staff: Staff) -> PageResult {
    promotions_page(&a, &staff, None).await
}

async fn promotions_text(storage: &Storage) -> Result<String, Fail> {
    whole_file(storage, "promotions.csv").await
}

async fn promotions_page(a: &AdminApp, staff: &Staff, notice: Option<(String, bool)>) -> PageResult {
    staff.may(Area::Catalogue)?;
    let (header, rows) = table_of(&promotions_text(&a.app.storage).await?);
    let at = |r: &[String], c: &str| col(&header, c).and_then(|i| r.get(i)).cloned().unwrap_or_default();
    let body: Markup = html! {
        (frame::notice(notice.as_ref().map(|n| n.0.as_str()), notice.as_ref().is_some_and(|n| n.1)))
        table #promotions {
            thead { tr { th { "Id" } th { (staff.t(Msg::Label)) } th { (staff.t(Msg::From)) } th { (staff.t(Msg::To)) } th { "%" } th {} } }
            tbody {
                @for r in &rows {
                    @let id = at(r, "id");
                    tr data-promotion=(id) {
                        td { (id) } td { (at(r, "name_fr")) }
                        td colspan="4" {
                            form.inline method="post" action="/admin/promotions" {
                                (frame::csrf(staff))
                                input type="hidden" name="id" value=(id);
                                input type="date" name="starts" value=(at(r, "starts"));
                                input type="date" name="ends" value=(at(r, "ends"));
                                input name="percent" value=(at(r, "percent")) size="4";
                                button.quiet type="submit" { (staff.t(Msg::Save)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(frame::page(staff, Area::Catalogue, "Promotions", body))
}

/// A promotion's dates and percentage changed (checked as a till loads the calendar).
pub async fn promotion_save(
    State(a): State<Arc<AdminApp>>,
    staff: Staff,
    Form(f): Form<Fields>,
) -> PageResult {
    staff.check(&f)?;
    staff.may(Area::Catalogue)?;
    let storage = &a.app.storage;
    let (header, rows) = table_of(&promotions_text(storage).await?);
    let id = f.get("id").unwrap_or_default();
    let mut found = false;
    let mut written = vec![line(&header)];
    for mut r in rows {
        if col(&header, "id").and_then(|i| r.get(i)).map(String::as_str) == Some(id) {
            found = true;
            for c in ["starts", "ends", "percent"] {
                if let Some(cell) = col(&header, c).and_then(|i| r.get_mut(i)) {
                    *cell = f.get(c).unwrap_or_default().trim().to_owned();
                }
            }
        }
        written.push(line(&r));
    }
    if !found {
        return promotions_page(&a, &staff, Some((format!("no promotion {id}"), true))).await;
    }
    let out = match written.into_iter().collect::<Result<String, String>>() {
        Ok(o) => o,
        Err(why) => return promotions_page(&a, &staff, Some((why, true))).await,
    };
    let now = a.now_ms();
    match apply(storage, &[("promotions.csv".into(), HEADER.into(), Some(out))], now).await? {
        Ok(v) => {
            storage
                .write(vec![staff.audit(now, "promotion_changed", id, &format!("catalogue version {v}"))])
                .await?;
            promotions_page(&a, &staff, Some((format!("{id} ✓ (version {v})"), false))).await
        }
        Err(why) => promotions_page(&a, &staff, Some((why, true))).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_typed() {
        assert_eq!(typed_amount("4,2").as_deref(), Some("4.20"));
        assert_eq!(typed_amount(" 12.90 ").as_deref(), Some("12.90"));
        for bad in ["", "-5", "2.555", "1e3", "0", "0.00", "100000", "12,345.6", "i64"] {
            assert_eq!(typed_amount(bad), None, "{bad}");
        }
        assert_eq!(line(&fields("a,\"b,c\",d\n")).unwrap(), "a,\"b,c\",d\n");
    }
}
