//! The tills: each one's last push, the records held, its chains' state (verified, or in
//! quarantine with the first bad record and what to do), its key's fingerprint; and a one-time
//! code to enrol a till.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Form, Path, State};
use maud::html;
use pos_journal::{hex, sha256};

use super::auth::Area;
use super::html as frame;
use super::i18n::Msg;
use super::{AdminApp, Fail, Fields, PageResult, Staff};
use crate::storage::sql::Val;

/// One chain of a till.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ChainView {
    /// `live`, or a key's chain.
    pub chain: String,
    /// The last record held.
    pub last_seq: i64,
    /// When it last moved.
    pub updated_ms: i64,
    /// What is wrong, in quarantine.
    pub quarantine: Option<QuarantineView>,
}

/// A quarantine as shown.
#[derive(Clone, Debug, serde::Serialize)]
pub struct QuarantineView {
    /// The fault.
    pub fault: String,
    /// The first bad record.
    pub seq: u64,
    /// What the check found.
    pub detail: String,
}

/// A till as shown.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TillView {
    /// `LYO-1`.
    pub till: String,
    /// `LYO`.
    pub store: String,
    /// When it enrolled.
    pub enrolled_ms: i64,
    /// Its journal key's fingerprint (SHA-256, the first 16 bytes, hex in groups).
    pub fingerprint: String,
    /// The last push.
    pub last_sync_ms: Option<i64>,
    /// Records held, all chains.
    pub records: i64,
    /// Live records held and not yet in the books (the poster's lag, or a flow it cannot post).
    pub unposted: i64,
    /// Its chains.
    pub chains: Vec<ChainView>,
}

/// A key's fingerprint as people compare them: `ab12 cd34 ...`.
pub fn fingerprint(key: &[u8]) -> String {
    let h = hex(&sha256(key));
    h.as_bytes()
        .chunks(4)
        .take(8)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

async fn tills(a: &AdminApp, staff: &Staff, only: Option<&str>) -> Result<Vec<TillView>, Fail> {
    staff.may(Area::Tills)?;
    let storage = &a.app.storage;
    let rows = storage
        .rows("SELECT till, store, journal_key, enrolled_ms FROM till ORDER BY store, number", vec![])
        .await?;
    let streams = storage
        .rows("SELECT till, chain, quarantine, last_seq, updated_ms FROM stream ORDER BY till, chain", vec![])
        .await?;
    let posted: std::collections::HashMap<String, i64> = storage
        .rows("SELECT feed, last FROM books_cursor", vec![])
        .await?
        .into_iter()
        .map(|r| Ok((r[0].text()?, r[1].int()?)))
        .collect::<Result<_, crate::storage::StorageError>>()?;
    let mut out = Vec::new();
    for r in rows {
        let (till, store) = (r[0].text()?, r[1].text()?);
        if staff.scope().is_some_and(|s| s != store) || only.is_some_and(|o| o != till) {
            continue;
        }
        let mut chains = Vec::new();
        for s in streams.iter().filter(|s| s[0] == Val::Text(till.clone())) {
            let quarantine = s[2]
                .opt_text()?
                .and_then(|q| serde_json::from_str::<pos_sync::push::Quarantine>(&q).ok())
                .map(|q| QuarantineView { fault: format!("{:?}", q.fault), seq: q.seq, detail: q.detail });
            chains.push(ChainView {
                chain: s[1].text()?,
                last_seq: s[3].int()?,
                updated_ms: s[4].int()?,
                quarantine,
            });
        }
        let live = chains.iter().find(|c| c.chain == "live").map_or(0, |c| c.last_seq);
        out.push(TillView {
            unposted: (live - posted.get(&format!("till:{till}")).copied().unwrap_or(0)).max(0),
            fingerprint: fingerprint(&r[2].bytes()?),
            enrolled_ms: r[3].int()?,
            last_sync_ms: chains.iter().map(|c| c.updated_ms).max(),
            records: chains.iter().map(|c| c.last_seq).sum(),
            chains,
            till,
            store,
        });
    }
    Ok(out)
}

/// Every till (a store manager: their store's) as JSON.
pub async fn api_list(State(a): State<Arc<AdminApp>>, staff: Staff) -> Result<Json<Vec<TillView>>, Fail> {
    Ok(Json(tills(&a, &staff, None).await?))
}

/// One till as JSON.
pub async fn api_one(
    State(a): State<Arc<AdminApp>>,
    staff: Staff,
    Path(till): Path<String>,
) -> Result<Json<TillView>, Fail> {
    staff.store_ok(till.split('-').next().unwrap_or_default())?;
    tills(&a, &staff, Some(&till)).await?.pop().map(Json).ok_or(Fail::NotFound(staff.lang))
}

fn table(staff: &Staff, tills: &[TillView]) -> maud::Markup {
    let lang = staff.lang;
    html! {
        table #tills {
            thead { tr {
                th { (staff.t(Msg::Till)) } th { (staff.t(Msg::LastSync)) } th.num { (staff.t(Msg::Records)) } th.num { (staff.t(Msg::Unposted)) }
                th { (staff.t(Msg::Chain)) } th { (staff.t(Msg::Fingerprint)) }
            } }
            tbody {
                @for t in tills {
                    tr data-till=(t.till) {
                        td { a href={"/admin/tills/" (t.till)} { (t.till) } }
                        td { (t.last_sync_ms.map_or_else(|| staff.t(Msg::Never).to_owned(), |m| lang.moment(m))) }
                        td.num { (t.records) }
                        td.num { (t.unposted) }
                        td {
                            @for c in &t.chains {
                                @if let Some(q) = &c.quarantine {
                                    span.bad { (c.chain) " " (staff.t(Msg::Quarantined)) " (" (q.seq) ")" } " "
                                } @else {
                                    span.good { (c.chain) " " (staff.t(Msg::ChainOk)) } " "
                                }
                            }
                        }
                        td { code { (t.fingerprint) } }
                    }
                }
                @if tills.is_empty() { tr { td colspan="6" { (staff.t(Msg::Nothing)) } } }
            }
        }
    }
}

fn enrol_form(staff: &Staff) -> maud::Markup {
    html! {
        h2 { (staff.t(Msg::Enrol)) }
        form.inline method="post" action="/admin/tills" {
            (frame::csrf(staff))
            label { (staff.t(Msg::Store)) " "
                @match staff.scope() {
                    Some(s) => input name="store" value=(s) readonly size="6";,
                    None => input name="store" required size="6" pattern="[A-Z0-9]{2,8}";,
                }
            }
            label { (staff.t(Msg::Number)) " " input name="number" type="number" min="1" max="99" required size="3"; }
            button #enrol type="submit" { (staff.t(Msg::Enrol)) }
        }
    }
}

/// The tills' page.
pub async fn list(State(a): State<Arc<AdminApp>>, staff: Staff) -> PageResult {
    let tills = tills(&a, &staff, None).await?;
    let body = html! {
        (table(&staff, &tills))
        @if matches!(staff.role, super::auth::Role::Admin | super::auth::Role::Technician) { (enrol_form(&staff)) }
    };
    Ok(frame::page(&staff, Area::Tills, staff.t(Msg::Tills), body))
}

/// One till's page: its chains, and a quarantine's first bad record and what to do.
pub async fn one(State(a): State<Arc<AdminApp>>, staff: Staff, Path(till): Path<String>) -> PageResult {
    staff.store_ok(till.split('-').next().unwrap_or_default())?;
    let t = tills(&a, &staff, Some(&till)).await?.pop().ok_or(Fail::NotFound(staff.lang))?;
    let body = html! {
        (table(&staff, std::slice::from_ref(&t)))
        @for c in &t.chains {
            @if let Some(q) = &c.quarantine {
                h2.bad { (c.chain) " : " (staff.t(Msg::Quarantined)) }
                p { (staff.t(Msg::FirstBad)) " : " strong #first-bad { (q.seq) } " — " (q.fault) " — " (q.detail) }
                p { strong { (staff.t(Msg::WhatToDo)) " : " } (staff.t(Msg::QuarantineHelp)) }
            }
        }
    };
    Ok(frame::page(&staff, Area::Tills, &t.till, body))
}

/// Makes a one-time enrolment code for a till of a store (24 hours).
pub async fn enrol(State(a): State<Arc<AdminApp>>, staff: Staff, Form(f): Form<Fields>) -> PageResult {
    staff.check(&f)?;
    staff.may(Area::Tills)?;
    // A till enrolled pulls the whole chain's files (every store's customers and staff): a store
    // manager asks head office or a technician for its code.
    if !matches!(staff.role, super::auth::Role::Admin | super::auth::Role::Technician) {
        return Err(Fail::Forbidden(staff.lang));
    }
    let store = f.get("store").unwrap_or_default().trim().to_uppercase();
    let bad = |what: &str| Fail::Bad(staff.lang, what.to_owned());
    if !super::users::store_code(&store) {
        return Err(bad("store: 2 to 8 letters or digits (LYO)"));
    }
    staff.store_ok(&store)?;
    let number: u32 = f
        .get("number")
        .and_then(|n| n.trim().parse().ok())
        .filter(|n| (1..=99).contains(n))
        .ok_or_else(|| bad("number: a till number from 1 to 99"))?;
    let now = a.now_ms();
    let (code, kept) =
        crate::enrolment::new_code(&store, number, now + 24 * 3_600_000).map_err(|e| bad(&e.to_string()))?;
    a.app
        .storage
        .admin_change(
            vec![(
                "INSERT INTO enrolment (code_hash, store, number, expires_ms) VALUES ($1, $2, $3, $4)",
                vec![
                    Val::Bytes(kept.code_hash.to_vec()),
                    store.as_str().into(),
                    i64::from(number).into(),
                    kept.expires_ms.into(),
                ],
            )],
            staff.audit(now, "till_code_made", &format!("{store}-{number}"), "valid 24 h"),
        )
        .await?;
    let tills = tills(&a, &staff, None).await?;
    let body = html! {
        p.notice { (staff.t(Msg::EnrolCode)) " " strong #enrol-code { (code) } " (" (store) "-" (number) ")" }
        (table(&staff, &tills)) (enrol_form(&staff))
    };
    Ok(frame::page(&staff, Area::Tills, staff.t(Msg::Tills), body))
}
