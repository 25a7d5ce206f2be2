//! `GET /api/v0/stock`: the stock levels a till pulls.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use pos_sync::stock::StockDelta;
use pos_sync::wire::{ApiError, ErrorCode};

use super::{App, Refuse, authenticate};

/// The levels of every (location, item) whose stock moved after movement `since` (0: all of them),
/// and how far they count the asking till's own records.
#[utoipa::path(get, path = "/api/v0/stock",
    params(("since" = i64, Query, description = "The `upto` of the till's last pull (0 the first time)")),
    responses((status = 200, body = StockDelta), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub(super) async fn levels(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<StockDelta>, Refuse> {
    // The signature covers the query too.
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let till = authenticate(&app, &headers, &Method::GET, path, b"").await?;
    let since = since_or_refuse(&uri, "the `upto` of the last pull")?;
    Ok(Json(app.storage.stock_delta(&till.till, since).await?))
}

/// The `since` of a pull's query, or the refusal that says what to give (`what`: the version or
/// movement the till holds).
pub(super) fn since_or_refuse(uri: &Uri, what: &str) -> Result<i64, Refuse> {
    since(uri.query().unwrap_or("")).ok_or_else(|| {
        Refuse::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::MalformedQuery,
            format!("give `since`: {what}, a whole number from 0 (`?since=0` the first time)"),
        )
    })
}

/// `since=N`, alone, N a whole number from 0.
pub(super) fn since(query: &str) -> Option<i64> {
    let n = query.strip_prefix("since=")?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then(|| n.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    #[test]
    fn since_is_a_whole_number_alone() {
        assert_eq!(super::since("since=0"), Some(0));
        assert_eq!(super::since("since=42"), Some(42));
        for bad in ["", "since=", "since=-1", "since=1.5", "since=1&x=2", "since=99999999999999999999", "x=1"]
        {
            assert_eq!(super::since(bad), None, "{bad}");
        }
    }
}
