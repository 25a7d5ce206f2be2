//! `/api/v0/customers`: the tills' edits of customers, merged at head office, and the customers
//! changed since a till's version.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use pos_sync::customers::{CustomerDelta, CustomerEdits, MAX_EDITS};
use pos_sync::wire::{self, ApiError, ErrorCode};
use serde::Serialize;

use super::{App, Refuse, authenticate, body, json};

/// What head office did with a till's edits.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EditsTaken {
    /// Edits merged (an edit sent again changes nothing and is counted too).
    pub taken: usize,
    /// The customers' version after them.
    pub version: u64,
}

/// A till's edits of customers, made offline or not, merged into each customer's registers:
/// each field's latest edit wins, an erasure wins over every edit. Sent again, nothing changes.
#[utoipa::path(post, path = "/api/v0/customers", request_body = CustomerEdits,
    responses((status = 200, body = EditsTaken), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 422, body = ApiError)))]
pub(super) async fn edits(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Result<Json<EditsTaken>, Refuse> {
    let bytes = body(b)?;
    let till = authenticate(&app, &headers, &Method::POST, wire::CUSTOMERS, &bytes).await?;
    let sent: CustomerEdits = json(&bytes)?;
    let invalid =
        |m: String| Refuse::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidCustomerEdit, m);
    if sent.edits.len() > MAX_EDITS {
        return Err(invalid(format!("{} edits: send at most {MAX_EDITS} at once", sent.edits.len())));
    }
    for (i, e) in sent.edits.iter().enumerate() {
        e.check().map_err(|m| invalid(format!("edit {}: {m}", i + 1)))?;
        if e.stamp.till != till.till {
            return Err(invalid(format!(
                "edit {}: stamped by till {}, sent by till {}: a till sends its own edits",
                i + 1,
                e.stamp.till,
                till.till
            )));
        }
    }
    let taken = sent.edits.len();
    let version = app.storage.merge_customer_edits(sent.edits).await?;
    Ok(Json(EditsTaken { taken, version }))
}

/// The customers changed after version `since` (0: all of them), whole, and the version they
/// bring the till to (ask again from it until nothing comes).
#[utoipa::path(get, path = "/api/v0/customers",
    params(("since" = u64, Query, description = "The customers' version the till holds (0 the first time)")),
    responses((status = 200, body = CustomerDelta), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub(super) async fn delta(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<CustomerDelta>, Refuse> {
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    authenticate(&app, &headers, &Method::GET, path, b"").await?;
    let since = super::stock::since_or_refuse(&uri, "the customers' version the till holds")?;
    Ok(Json(app.storage.customer_delta(u64::try_from(since).unwrap_or(0)).await?))
}
