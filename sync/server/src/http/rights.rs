//! `POST /api/v0/rights`: a till asks for the right to spend part of a balance.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, Method, StatusCode};
use pos_sync::rights::{RightsGrant, RightsRequest};
use pos_sync::wire::{self, ApiError, ErrorCode};

use super::{App, Refuse, authenticate, body, json};
use crate::storage::rights::RightsRefusal;

/// Grants the asking till the rights it asks for out of what head office holds, once per request
/// (asked again, the same grant); what other tills hold is theirs until they hand it back.
#[utoipa::path(post, path = "/api/v0/rights", request_body = RightsRequest,
    responses((status = 200, body = RightsGrant), (status = 401, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub(super) async fn grant(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Result<Json<RightsGrant>, Refuse> {
    let bytes = body(b)?;
    let till = authenticate(&app, &headers, &Method::POST, wire::RIGHTS, &bytes).await?;
    let req: RightsRequest = json(&bytes)?;
    req.check().map_err(|e| Refuse::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidRequest, e))?;
    match app.storage.grant_rights(&till, req, (app.now_ms)()).await? {
        Ok(g) => {
            tracing::info!(till = till.till, number = g.number, amount = g.amount, "rights granted");
            Ok(Json(g))
        }
        Err(r) => {
            let (status, code) = match r {
                RightsRefusal::Unknown(_) => (StatusCode::NOT_FOUND, ErrorCode::UnknownVoucher),
                RightsRefusal::Short { .. } => (StatusCode::CONFLICT, ErrorCode::RightsShort),
                RightsRefusal::OtherKind(..) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidRequest),
            };
            Err(Refuse::new(status, code, r.to_string()))
        }
    }
}
