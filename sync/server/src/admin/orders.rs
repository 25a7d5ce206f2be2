//! Web orders and click & collect: each order's state, store, pickup, lines and total; and
//! gift cards, store credit and loyalty points: each balance, and who holds its spending rights
//! now (head office, or a till that was granted them).

use std::sync::Arc;

use axum::extract::{Query, State};
use maud::html;
use pos_sync::web::WebOrder;

use super::auth::Area;
use super::html as frame;
use super::i18n::Msg;
use super::{AdminApp, PageResult, Staff};

/// Filters of the orders' page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Filter {
    state: Option<String>,
}

/// The last 300 web orders (a store manager: their store's click & collect).
pub async fn web_orders(State(a): State<Arc<AdminApp>>, staff: Staff, Query(f): Query<Filter>) -> PageResult {
    staff.may(Area::WebOrders)?;
    let state = f.state.filter(|s| ["shipped", "ready_for_pickup", "collected"].contains(&s.as_str()));
    let rows = a
        .app
        .storage
        .rows(
            "SELECT order_id, body, fulfilment, store, state, received_ms, collected_by, collected_ms FROM web_order
             WHERE ($1 = '' OR store = $1) AND ($2 = '' OR state = $2) ORDER BY received_ms DESC LIMIT 300",
            vec![staff.scope().unwrap_or_default().into(), state.clone().unwrap_or_default().into()],
        )
        .await?;
    let lang = staff.lang;
    let body = html! {
        form.inline method="get" action="/admin/orders" {
            select name="state" {
                option value="" { "—" }
                @for s in ["shipped", "ready_for_pickup", "collected"] { option value=(s) selected[state.as_deref() == Some(s)] { (s) } }
            }
            button.quiet type="submit" { (staff.t(Msg::Show)) }
        }
        table #orders {
            thead { tr { th { "#" } th { (staff.t(Msg::When)) } th { (staff.t(Msg::Channel)) } th { (staff.t(Msg::Store)) } th { (staff.t(Msg::Kind)) } th.num { (staff.t(Msg::Total)) } th { (staff.t(Msg::Till)) } } }
            tbody {
                @for r in &rows {
                    @let order: Option<WebOrder> = r[1].text().ok().and_then(|b| serde_json::from_str(&b).ok());
                    tr data-order=(r[0].text().unwrap_or_default()) {
                        td { (r[0].text().unwrap_or_default()) }
                        td { (lang.moment(r[5].int().unwrap_or(0))) }
                        td { (r[2].text().unwrap_or_default()) }
                        td { (r[3].opt_text().ok().flatten().unwrap_or_default()) }
                        td { (r[4].text().unwrap_or_default()) }
                        @match &order { Some(o) => (frame::money(lang, o.total_cents())), None => td {} }
                        td { (r[6].opt_text().ok().flatten().unwrap_or_default()) }
                    }
                }
                @if rows.is_empty() { tr { td colspan="7" { (staff.t(Msg::Nothing)) } } }
            }
        }
    };
    Ok(frame::page(&staff, Area::WebOrders, staff.t(Msg::WebOrders), body))
}

/// Which balance.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Number {
    number: Option<String>,
}

/// Balances: the largest 300, or one looked up, with where its spending rights are.
pub async fn balances(State(a): State<Arc<AdminApp>>, staff: Staff, Query(n): Query<Number>) -> PageResult {
    staff.may(Area::Balances)?;
    let storage = &a.app.storage;
    let number = n.number.map(|s| s.trim().to_owned()).unwrap_or_default();
    let rows = storage
        .rows(
            "SELECT number, kind, balance FROM voucher WHERE ($1 = '' OR number = $1) ORDER BY balance DESC, number LIMIT 300",
            vec![number.as_str().into()],
        )
        .await?;
    let holdings = storage
        .rows(
            "SELECT h.number, h.holder, h.held FROM holding h JOIN voucher v ON v.number = h.number WHERE h.held <> 0 AND ($1 = '' OR h.number = $1) ORDER BY h.number, h.holder",
            vec![number.as_str().into()],
        )
        .await?;
    // One balance looked up: the rights head office granted tills on it, newest first.
    let grants = if number.is_empty() {
        Vec::new()
    } else {
        storage
            .rows(
                "SELECT till, amount, state, granted_ms FROM rights_grant WHERE number = $1 ORDER BY granted_ms DESC LIMIT 100",
                vec![number.as_str().into()],
            )
            .await?
    };
    let lang = staff.lang;
    let body = html! {
        form.inline method="get" action="/admin/balances" {
            input #number name="number" value=(number) placeholder="GC-…, points:C00001";
            button.quiet type="submit" { (staff.t(Msg::Search)) }
        }
        table #balances {
            thead { tr { th { (staff.t(Msg::Number)) } th { (staff.t(Msg::Kind)) } th.num { (staff.t(Msg::Amount)) } th { (staff.t(Msg::Rights)) } } }
            tbody {
                @for r in &rows {
                    @let num = r[0].text().unwrap_or_default();
                    @let kind = r[1].text().unwrap_or_default();
                    @let points = kind == "points";
                    tr data-number=(num) {
                        td { (num) } td { (kind) }
                        @if points { td.num { (r[2].int().unwrap_or(0)) } } @else { (frame::money(lang, r[2].int().unwrap_or(0))) }
                        td {
                            @for h in holdings.iter().filter(|h| h[0].text().ok().as_deref() == Some(num.as_str())) {
                                span.holder { (h[1].text().unwrap_or_default()) " : "
                                    @if points { (h[2].int().unwrap_or(0)) } @else { (lang.euros(h[2].int().unwrap_or(0))) } }
                                " "
                            }
                        }
                    }
                }
                @if rows.is_empty() { tr { td colspan="4" { (staff.t(Msg::Nothing)) } } }
            }
        }
        @if !grants.is_empty() {
            h2 { (staff.t(Msg::Rights)) }
            table #grants {
                thead { tr { th { (staff.t(Msg::When)) } th { (staff.t(Msg::Till)) } th.num { (staff.t(Msg::Amount)) } th { (staff.t(Msg::Kind)) } } }
                tbody {
                    @for g in &grants {
                        tr { td { (lang.moment(g[3].int().unwrap_or(0))) } td { (g[0].text().unwrap_or_default()) } td.num { (g[1].int().unwrap_or(0)) } td { (g[2].text().unwrap_or_default()) } }
                    }
                }
            }
        }
    };
    Ok(frame::page(&staff, Area::Balances, staff.t(Msg::Balances), body))
}
