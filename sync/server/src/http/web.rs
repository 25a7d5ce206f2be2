//! The web shop's orders, and a till's inbox.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use pos_journal::sha256;
use pos_sync::tickets::ReturnableTicket;
use pos_sync::web::{Inbox, ReturnableOrder, WebOrder, WebOrderTaken};
use pos_sync::wire::{self, ApiError, ErrorCode};

use super::{App, Refuse, authenticate, body, json};
use crate::storage::web::WebRefusal;

/// An order from the web shop, for delivery (taken from the warehouse's stock) or click & collect
/// (reserved at the store, in its tills' inbox). The same order id is the same order: sent again,
/// it is answered 200 with `created: false`; another order under it is refused.
#[utoipa::path(post, path = "/api/v0/web-orders", request_body = WebOrder,
    security(("shop_token" = [])),
    responses((status = 201, body = WebOrderTaken), (status = 200, body = WebOrderTaken),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 409, body = ApiError),
        (status = 422, body = ApiError)))]
pub(super) async fn take(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<WebOrderTaken>), Refuse> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty());
    let shop = match token {
        Some(t) => app.storage.shop_of(sha256(t.trim().as_bytes())).await?,
        None => None,
    };
    let Some(shop) = shop else {
        tracing::warn!("web order refused: no valid shop token");
        return Err(Refuse::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::ShopNotAuthorised,
            "send `Authorization: Bearer TOKEN` with a token `pos-server shop-token` printed",
        ));
    };
    let order: WebOrder = json(&body(b)?)?;
    order
        .check()
        .map_err(|e| Refuse::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidWebOrder, e))?;
    let order_again = order.clone();
    match app.storage.take_web_order(order, &app.warehouse, (app.now_ms)()).await? {
        Ok(taken) => {
            tracing::info!(shop, order = taken.order, created = taken.created, "web order");
            // Queued again when the shop sends the same order again after a cut: once by source.
            crate::books::web_order_taken(&app.storage, &order_again, &app.warehouse, (app.now_ms)()).await?;
            let status = if taken.created { StatusCode::CREATED } else { StatusCode::OK };
            Ok((status, Json(taken)))
        }
        Err(r @ WebRefusal::Conflict(_)) => {
            Err(Refuse::new(StatusCode::CONFLICT, ErrorCode::WebOrderConflict, r.to_string()))
        }
        Err(r @ WebRefusal::UnknownStore(_)) => {
            Err(Refuse::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::UnknownStore, r.to_string()))
        }
    }
}

/// What is addressed to the asking till: the click & collect orders waiting at its store, and
/// head office's latest messages to it.
#[utoipa::path(get, path = "/api/v0/inbox",
    responses((status = 200, body = Inbox), (status = 401, body = ApiError)))]
pub(super) async fn inbox(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Json<Inbox>, Refuse> {
    let till = authenticate(&app, &headers, &Method::GET, wire::INBOX, b"").await?;
    Ok(Json(Inbox {
        pickups: app.storage.pickups(&till.store).await?,
        messages: app.storage.messages_for(&till.store).await?,
    }))
}

/// A web order's lines and what the other tills took back of them, for a store's till taking
/// units of it back (any store takes back a web order).
#[utoipa::path(get, path = "/api/v0/web-orders/{order}",
    params(("order" = String, Path, description = "The shop's order id")),
    responses((status = 200, body = ReturnableOrder), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub(super) async fn returnable(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(order): Path<String>,
) -> Result<Json<ReturnableOrder>, Refuse> {
    let path = wire::WEB_ORDER_RETURNS.replace("{order}", &order);
    let till = authenticate(&app, &headers, &Method::GET, &path, b"").await?;
    match app.storage.returnable_order(&order, &till.till).await? {
        Some(o) => Ok(Json(o)),
        None => Err(Refuse::new(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownWebOrder,
            format!("head office has no web order {order}: check the order number on the customer's e-mail"),
        )),
    }
}

/// A ticket of a till of the chain, as signed, and what the tills other than the asking one took
/// back of each of its lines: a store's till taking back another till's ticket.
#[utoipa::path(get, path = "/api/v0/tickets/{ticket}",
    params(("ticket" = String, Path, description = "The ticket's reference (`PAR-1-T000042`)")),
    responses((status = 200, body = ReturnableTicket), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub(super) async fn returnable_ticket(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(ticket): Path<String>,
) -> Result<Json<ReturnableTicket>, Refuse> {
    let path = wire::TICKET_RETURNS.replace("{ticket}", &ticket);
    let till = authenticate(&app, &headers, &Method::GET, &path, b"").await?;
    match app.storage.returnable_ticket(&ticket, &till.till).await? {
        Some(t) => Ok(Json(t)),
        None => Err(Refuse::new(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownTicket,
            format!("head office holds no ticket {ticket}: check the number, or wait for its till to sync"),
        )),
    }
}
