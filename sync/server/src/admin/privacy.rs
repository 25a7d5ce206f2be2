//! GDPR: everything head office holds about a customer, as a text file a person can read; and
//! the erasure of a customer — their fields removed at head office and, through the customers'
//! sync, at every till; their row of the chain's file and their web orders and e-mailed receipts
//! pseudonymised; the journals' fiscal records and the books kept as the law requires: they hold
//! the customer's id, and a receipt e-mailed is journaled with its address (`receipt_emailed`, a
//! signed record that cannot be changed: the export lists them, the erasure cannot reach them).
//! Both audited.

use std::sync::Arc;

use axum::extract::{Form, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::html;
use pos_journal::body::Entry;
use pos_sync::customers::{Field, Stamp, check_id};
use pos_sync::web::WebOrder;

use super::auth::Area;
use super::html as frame;
use super::i18n::Msg;
use super::{AdminApp, Fail, Fields, PageResult, Staff};
use crate::storage::Storage;

/// A line of the export (writing into a `String` cannot fail: nothing is dropped).
macro_rules! say {
    ($out:expr, $($t:tt)*) => {{
        $out.push_str(&format!($($t)*));
        $out.push('\n');
    }};
}

/// The customer's row of the chain's `customers.csv`, as a header and fields.
async fn chain_row(storage: &Storage, id: &str) -> Result<Option<(Vec<String>, Vec<String>)>, Fail> {
    let text = super::catalogue::whole_file(storage, "customers.csv").await?;
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().map(|h| h.iter().map(str::to_owned).collect()).unwrap_or_default();
    Ok(r.records()
        .filter_map(Result::ok)
        .find(|rec| rec.get(0) == Some(id))
        .map(|rec| (header, rec.iter().map(str::to_owned).collect())))
}

/// Everything held about `id`, in words.
pub async fn export(storage: &Storage, id: &str) -> Result<String, Fail> {
    let mut out = String::new();
    say!(out, "Données détenues sur le client {id} / Data held about customer {id}\n");
    let mut emails: Vec<String> = Vec::new();
    say!(out, "== Fichier clients de l'enseigne / The chain's customer file ==");
    match chain_row(storage, id).await? {
        Some((h, f)) => {
            for (k, v) in h.iter().zip(&f) {
                say!(out, "{k}: {v}");
                if k == "email" && !v.is_empty() {
                    emails.push(v.clone());
                }
            }
        }
        None => out.push_str("(aucune ligne / no row)\n"),
    }
    say!(out, "\n== Modifications faites en caisse / Edits made at the tills ==");
    match storage.customer(id).await? {
        Some(c) if c.erased.is_some() => out.push_str("(effacé / erased)\n"),
        Some(c) => {
            for f in Field::ALL {
                if let Some(r) = c.fields.get(&f) {
                    say!(
                        out,
                        "{}: {} (caisse / till {}, {} ms)",
                        f.as_str(),
                        r.val,
                        r.marker.till,
                        r.marker.at_ms
                    );
                    if f == Field::Email && !r.val.is_empty() {
                        emails.push(r.val.clone());
                    }
                }
            }
        }
        None => out.push_str("(aucune / none)\n"),
    }
    say!(out, "\n== Points de fidélité / Loyalty points ==");
    match storage
        .row("SELECT balance FROM voucher WHERE number = $1", vec![format!("points:{id}").into()])
        .await?
    {
        Some(r) => {
            say!(out, "{}", r[0].int()?);
        }
        None => out.push_str("0\n"),
    }
    say!(out, "\n== Tickets ==");
    for r in storage
        .rows("SELECT till, seq, bytes FROM record WHERE kind = 'ticket' ORDER BY till, seq", vec![])
        .await?
    {
        if let Ok((_, Entry::Ticket(t))) = Entry::read(&r[2].bytes()?)
            && t.customer == id
        {
            say!(out, "{} {} {}", t.day, t.reference, super::i18n::Lang::Fr.euros(t.total));
        }
    }
    say!(out, "\n== Commandes web / Web orders ==");
    emails.sort();
    emails.dedup();
    for r in storage.rows("SELECT order_id, body FROM web_order ORDER BY received_ms", vec![]).await? {
        if let Ok(o) = serde_json::from_str::<WebOrder>(&r[1].text()?)
            && emails.iter().any(|e| e.eq_ignore_ascii_case(&o.customer.email))
        {
            say!(
                out,
                "{} {} <{}> {} lignes / lines",
                o.order,
                o.customer.name,
                o.customer.email,
                o.lines.len()
            );
        }
    }
    say!(
        out,
        "\n== Tickets envoyés par e-mail (journaux des caisses) / Receipts e-mailed (the tills' journals) =="
    );
    for r in storage
        .rows("SELECT bytes FROM record WHERE chain = 'live' AND kind = 'event' ORDER BY till, seq", vec![])
        .await?
    {
        if let Ok((_, Entry::ReceiptEmailed { ticket, to, .. })) = Entry::read(&r[0].bytes()?)
            && emails.iter().any(|e| e.eq_ignore_ascii_case(&to))
        {
            say!(out, "{ticket} → {to}");
        }
    }
    Ok(out)
}

/// The customers' page: a customer looked up, exported, erased.
pub async fn page(State(_a): State<Arc<AdminApp>>, staff: Staff) -> PageResult {
    staff.may(Area::Customers)?;
    Ok(customers_page(&staff, None))
}

fn customers_page(staff: &Staff, notice: Option<(String, bool)>) -> maud::Markup {
    let body = html! {
        (frame::notice(notice.as_ref().map(|n| n.0.as_str()), notice.as_ref().is_some_and(|n| n.1)))
        form.inline method="get" action="/admin/customers/export" {
            label { (staff.t(Msg::Customer)) " " input #export-id name="id" placeholder="C00001" required; }
            button.quiet #export type="submit" { (staff.t(Msg::Export)) }
        }
        form.inline method="post" action="/admin/customers/erase" {
            (frame::csrf(staff))
            label { (staff.t(Msg::Customer)) " " input #erase-id name="id" placeholder="C00001" required; }
            label { (staff.t(Msg::EraseConfirm)) " " input #erase-confirm name="confirm" size="8"; }
            button #erase type="submit" { (staff.t(Msg::Erase)) }
        }
    };
    frame::page(staff, Area::Customers, staff.t(Msg::Customers), body)
}

/// Which customer.
#[derive(Debug, serde::Deserialize)]
pub struct Who {
    id: String,
}

/// The export, downloaded (`client-ID.txt`), audited.
pub async fn download(
    State(a): State<Arc<AdminApp>>,
    staff: Staff,
    axum::extract::Query(w): axum::extract::Query<Who>,
) -> Result<Response, Fail> {
    staff.may(Area::Customers)?;
    let id = w.id.trim();
    check_id(id).map_err(|e| Fail::Bad(staff.lang, e))?;
    let text = export(&a.app.storage, id).await?;
    let now = a.now_ms();
    a.app
        .storage
        .write(vec![staff.audit(now, "customer_exported", id, &format!("{} bytes", text.len()))])
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"client-{id}.txt\"")),
        ],
        text,
    )
        .into_response())
}

/// The erasure (the id typed twice).
pub async fn erase(State(a): State<Arc<AdminApp>>, staff: Staff, Form(f): Form<Fields>) -> PageResult {
    staff.check(&f)?;
    staff.may(Area::Customers)?;
    let id = f.get("id").unwrap_or_default().trim().to_owned();
    if let Err(e) = check_id(&id) {
        return Ok(customers_page(&staff, Some((e, true))));
    }
    if f.get("confirm").map(str::trim) != Some(id.as_str()) {
        return Ok(customers_page(&staff, Some((staff.t(Msg::EraseConfirm).to_owned(), true))));
    }
    let storage = &a.app.storage;
    let now = a.now_ms();
    // The addresses to forget, read before anything is changed: a retry after a cut reads them
    // again, since the chain's row is rewritten last.
    let mut emails: Vec<String> = Vec::new();
    let chain = chain_row(storage, &id).await?;
    if let Some((h, row)) = &chain
        && let Some(i) = h.iter().position(|c| c == "email")
    {
        emails.extend(row.get(i).filter(|e| !e.is_empty() && !e.ends_with(".invalid")).cloned());
    }
    if let Some(c) = storage.customer(&id).await? {
        emails.extend(c.fields.get(&Field::Email).map(|r| r.val.clone()));
    }
    // Their web orders and e-mailed receipts, pseudonymised; those not sent yet are never sent.
    let mut st = Vec::new();
    for r in storage.rows("SELECT order_id, body FROM web_order", vec![]).await? {
        if let Ok(mut o) = serde_json::from_str::<WebOrder>(&r[1].text()?)
            && emails.iter().any(|e| e.eq_ignore_ascii_case(&o.customer.email))
        {
            o.customer.name = "(effacé)".into();
            o.customer.email = String::new();
            let body = serde_json::to_string(&o).unwrap_or_default();
            st.push(("UPDATE web_order SET body = $2 WHERE order_id = $1", vec![r[0].clone(), body.into()]));
        }
    }
    for e in &emails {
        st.push((
            "UPDATE receipt_mail SET error = 'customer erased: not sent', next_ms = $2 WHERE lower(to_addr) = lower($1) AND sent_ms IS NULL",
            vec![e.as_str().into(), i64::MAX.into()],
        ));
        st.push((
            "UPDATE receipt_mail SET to_addr = '', body = '' WHERE lower(to_addr) = lower($1)",
            vec![e.as_str().into()],
        ));
    }
    storage.write(st).await?;
    // Head office's registers, and through them every till at its next sync.
    storage.erase_customer(&id, Stamp { at_ms: now, till: "HO".into(), n: 0 }).await?;
    // The chain's row, last: its id, segment, tier, points and home store kept (the books and the
    // loyalty rules need them), every other column emptied, its name and address made to say so.
    if let Some((h, _)) = &chain {
        let text = super::catalogue::whole_file(storage, "customers.csv").await?;
        let (_, rows) = super::catalogue::table_of(&text);
        let id_col = h.iter().position(|c| c == "id").unwrap_or(0);
        let mut written = vec![super::catalogue::line(h)];
        for mut fields in rows {
            if fields.get(id_col).map(String::as_str) == Some(id.as_str()) {
                for (c, cell) in h.iter().zip(fields.iter_mut()) {
                    match c.as_str() {
                        "id" | "segment" | "tier" | "points" | "home_location" => {}
                        "name" => *cell = "(effacé)".into(),
                        // The file wants an address: one that reaches no one (RFC 2606).
                        "email" => *cell = format!("{}@efface.invalid", id.to_lowercase()),
                        _ => cell.clear(),
                    }
                }
            }
            written.push(super::catalogue::line(&fields));
        }
        let body = match written.into_iter().collect::<Result<String, String>>() {
            Ok(b) => b,
            Err(why) => return Ok(customers_page(&staff, Some((why, true)))),
        };
        if let Err(why) =
            super::catalogue::apply(storage, &[("customers.csv".into(), String::new(), Some(body))], now)
                .await?
        {
            return Ok(customers_page(&staff, Some((why, true))));
        }
    }
    storage.write(vec![staff.audit(now, "customer_erased", &id, "")]).await?;
    Ok(customers_page(&staff, Some((format!("{id} ✓"), false))))
}
