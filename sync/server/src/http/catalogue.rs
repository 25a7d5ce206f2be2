//! `GET /api/v0/catalogue`: what changed in the chain's catalogue since a till's version.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use pos_sync::catalogue::CatalogueDelta;
use pos_sync::wire::ApiError;

use super::{App, Refuse, authenticate};

/// The catalogue's entries changed after version `since` (0: all of them, a new till's snapshot),
/// with the version and hash they bring the till to.
#[utoipa::path(get, path = "/api/v0/catalogue",
    params(("since" = u64, Query, description = "The catalogue version the till holds (0 the first time)")),
    responses((status = 200, body = CatalogueDelta), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub(super) async fn delta(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<CatalogueDelta>, Refuse> {
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    authenticate(&app, &headers, &Method::GET, path, b"").await?;
    let since = super::stock::since_or_refuse(&uri, "the catalogue version the till holds")?;
    let since = u64::try_from(since).unwrap_or(0);
    Ok(Json(app.storage.catalogue_delta(since).await?))
}
