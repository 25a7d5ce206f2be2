//! The routes under `/api/v0/`: what each takes and answers, its refusals (a 4xx with a JSON
//! [`ApiError`], never a 5xx for a malformed request), and the OpenAPI document generated from the
//! same types.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pos_journal::signature::RecordSigner;
use pos_journal::{hex, sha256, unhex};
use pos_sync::ack::Ack;
use pos_sync::auth::{self, AuthRefusal, Signed};
use pos_sync::push::{Batch, Quarantine, Refusal, Stream, head_of, keys_handed_over};
use pos_sync::wire::{
    self, ApiError, EnrolRequest, Enrolled, ErrorCode, Health, PushAnswer, StreamView, Streams, header,
};
use utoipa::OpenApi;

mod catalogue;
mod customers;
mod rights;
mod stock;
mod web;

use crate::storage::{EnrolRefusal, Pushed, Storage, StorageError, TillRow};

/// The largest body a route takes (a batch of a thousand long tickets fits).
pub const BODY_LIMIT: usize = 16 * 1024 * 1024;
/// The longest a request may take, body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// What the handlers share.
pub struct App {
    /// The database.
    pub storage: Storage,
    /// Head office's key (acknowledgements).
    pub signer: RecordSigner,
    /// The location delivery orders are sent from (`WHS`).
    pub warehouse: String,
    /// Head office's clock, milliseconds since the epoch.
    pub now_ms: fn() -> i64,
}

/// A refusal: its status and body.
#[derive(Debug)]
pub struct Refuse(StatusCode, ApiError);

impl Refuse {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Refuse {
        Refuse(status, ApiError { code, message: message.into(), quarantine: None })
    }
}

impl IntoResponse for Refuse {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

impl From<StorageError> for Refuse {
    fn from(e: StorageError) -> Refuse {
        tracing::error!("{e}");
        Refuse::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "head office's database is unavailable: nothing was kept, try again later",
        )
    }
}

/// The web shop's bearer token, in the OpenAPI document.
struct ShopToken;

impl utoipa::Modify for ShopToken {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "shop_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document of the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "pos-server",
        description = "Head office's API for tills (enrolment, the journal's push, acknowledgements, stock, inbox) and for the web shop (orders)."
    ),
    paths(enrol, push, streams, stock::levels, web::take, web::returnable, web::returnable_ticket, web::inbox, rights::grant, catalogue::delta, customers::edits, customers::delta, health),
    modifiers(&ShopToken),
    components(schemas(ApiError, ErrorCode, Quarantine, Ack))
)]
pub struct ApiDoc;

/// The router.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(wire::ENROL, post(enrol))
        .route(wire::PUSH, post(push))
        .route(wire::STREAMS, get(streams))
        .route(wire::STOCK, get(stock::levels))
        .route(wire::WEB_ORDERS, post(web::take))
        .route(wire::WEB_ORDER_RETURNS, get(web::returnable))
        .route(wire::TICKET_RETURNS, get(web::returnable_ticket))
        .route(wire::INBOX, get(web::inbox))
        .route(wire::RIGHTS, post(rights::grant))
        .route(wire::CATALOGUE, get(catalogue::delta))
        .route(wire::CUSTOMERS, get(customers::delta).post(customers::edits))
        .route(wire::HEALTH, get(health))
        .route(wire::OPENAPI, get(openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(time_limit))
        .with_state(app)
}

async fn time_limit(req: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(r) => r,
        Err(_) => Refuse::new(
            StatusCode::REQUEST_TIMEOUT,
            ErrorCode::Timeout,
            "the request took too long to arrive or to answer: nothing of it was kept",
        )
        .into_response(),
    }
}

async fn not_found() -> Refuse {
    Refuse::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such route: see /api/v0/openapi.json")
}

async fn method_not_allowed() -> Refuse {
    Refuse::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "this route takes another method: see /api/v0/openapi.json",
    )
}

async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

fn body(b: Result<Bytes, BytesRejection>) -> Result<Bytes, Refuse> {
    b.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Refuse::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::BodyTooLarge,
                format!("the body is larger than {BODY_LIMIT} bytes: send smaller batches"),
            )
        } else {
            Refuse::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::MalformedBody,
                format!("the body did not arrive: {e}"),
            )
        }
    })
}

fn json<T: serde::de::DeserializeOwned>(b: &[u8]) -> Result<T, Refuse> {
    serde_json::from_slice(b).map_err(|e| {
        Refuse::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedBody, format!("the body does not read: {e}"))
    })
}

/// Head office's health and public key.
#[utoipa::path(get, path = "/api/v0/health", responses((status = 200, body = Health)))]
async fn health(State(app): State<Arc<App>>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        backend: app.storage.backend().into(),
        server_key: hex(app.signer.verifying_key().as_bytes()),
    })
}

/// A till enrols with its one-time code and its journal's public key.
#[utoipa::path(post, path = "/api/v0/enrolments", request_body = EnrolRequest,
    responses((status = 200, body = Enrolled), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 409, body = ApiError)))]
async fn enrol(
    State(app): State<Arc<App>>,
    b: Result<Bytes, BytesRejection>,
) -> Result<Json<Enrolled>, Refuse> {
    let req: EnrolRequest = json(&body(b)?)?;
    let key: [u8; 32] = unhex(&req.journal_key).and_then(|k| k.try_into().ok()).ok_or_else(|| {
        Refuse::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedBody, "journal_key is not 64 hex digits")
    })?;
    let code = normalise_code(&req.code);
    match app.storage.enrol(sha256(code.as_bytes()), &req.till, key, (app.now_ms)()).await? {
        Ok(till) => {
            tracing::info!(till = till.till, key = hex(&key), "till enrolled");
            Ok(Json(Enrolled {
                till: till.till,
                store: till.store,
                number: till.number,
                server_key: hex(app.signer.verifying_key().as_bytes()),
            }))
        }
        Err(refusal) => {
            tracing::warn!(refusal = %refusal, "enrolment refused");
            let (status, code) = match refusal {
                EnrolRefusal::Unknown => (StatusCode::FORBIDDEN, ErrorCode::EnrolmentCodeUnknown),
                EnrolRefusal::Used => (StatusCode::FORBIDDEN, ErrorCode::EnrolmentCodeUsed),
                EnrolRefusal::Expired => (StatusCode::FORBIDDEN, ErrorCode::EnrolmentCodeExpired),
                EnrolRefusal::OtherTill => (StatusCode::FORBIDDEN, ErrorCode::EnrolmentCodeOtherTill),
                EnrolRefusal::AlreadyEnrolled => (StatusCode::CONFLICT, ErrorCode::TillAlreadyEnrolled),
            };
            Err(Refuse::new(status, code, refusal.to_string()))
        }
    }
}

/// An enrolment code as typed: upper case, dashes and spaces ignored.
pub fn normalise_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// The key the till signs with now: the last handed over on its live chain, or the one it enrolled.
fn current_key(till: &TillRow, live: Option<&Stream>) -> [u8; 32] {
    live.and_then(|s| s.walk.keys.last())
        .and_then(|(_, k)| unhex(k))
        .and_then(|k| k.try_into().ok())
        .unwrap_or(till.journal_key)
}

/// Checks a till's signed request; the till, or a refusal (logged; nothing stored).
async fn authenticate(
    app: &App,
    headers: &HeaderMap,
    method: &Method,
    path: &str,
    body: &[u8],
) -> Result<TillRow, Refuse> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let refuse = |code: ErrorCode, message: &str, till: &str| {
        tracing::warn!(till, code = ?code, path, "request refused: {message}");
        Refuse::new(StatusCode::UNAUTHORIZED, code, message)
    };
    let (Some(till), Some(at), Some(nonce), Some(signature)) =
        (get(header::TILL), get(header::AT), get(header::NONCE), get(header::SIGNATURE))
    else {
        return Err(refuse(ErrorCode::AuthMalformed, "the request is not signed by a till", "?"));
    };
    let Ok(at_ms) = at.parse::<i64>() else {
        return Err(refuse(ErrorCode::AuthMalformed, "the request's time is not a number", &till));
    };
    let Some(row) = app.storage.till(&till).await? else {
        return Err(refuse(
            ErrorCode::NotEnrolled,
            "this till is not enrolled: run `pos-till enroll`",
            &till,
        ));
    };
    let streams = app.storage.streams(&till).await?;
    let live = streams.iter().find(|s| s.chain == pos_journal::ChainName::Live).map(|s| &s.stream);
    let key = ed25519_dalek::VerifyingKey::from_bytes(&current_key(&row, live))
        .map_err(|_| StorageError(format!("till {till}'s key does not read")))?;
    let signed = Signed { till: till.clone(), at_ms, nonce, signature };
    let now = (app.now_ms)();
    let mut checked = auth::check(&signed, method.as_str(), path, body, &key, now, |_| false);
    if checked == Err(AuthRefusal::BadSignature)
        && path == wire::PUSH
        && let Some(live) = live.cloned()
    {
        // A till that changed its key signs with the new one before head office has the change:
        // the batch carrying the change, checked by the walk, vouches for the new key.
        let owned = body.to_vec();
        let handed = tokio::task::spawn_blocking(move || {
            serde_json::from_slice::<Batch>(&owned)
                .ok()
                .filter(|b| b.chain == pos_journal::ChainName::Live)
                .map(|b| keys_handed_over(&live, &b))
                .unwrap_or_default()
        })
        .await
        .unwrap_or_default();
        if let Some(new) = handed.last().and_then(|k| ed25519_dalek::VerifyingKey::from_bytes(k).ok()) {
            checked = auth::check(&signed, method.as_str(), path, body, &new, now, |_| false);
        }
    }
    if let Err(r) = checked {
        let code = match r {
            AuthRefusal::Malformed => ErrorCode::AuthMalformed,
            AuthRefusal::Stale => ErrorCode::AuthStale,
            AuthRefusal::Replayed => ErrorCode::AuthReplayed,
            AuthRefusal::BadSignature => ErrorCode::AuthBadSignature,
        };
        return Err(refuse(code, &r.to_string(), &till));
    }
    if !app.storage.note_nonce(&till, &signed.nonce, at_ms, now - 2 * auth::WINDOW_MS).await? {
        return Err(refuse(ErrorCode::AuthReplayed, &AuthRefusal::Replayed.to_string(), &till));
    }
    Ok(row)
}

fn ack_of(app: &App, stream: &Stream) -> Option<Ack> {
    let seq = stream.last_seq();
    (seq > 0).then(|| Ack::sign(&app.signer, &stream.walk.till, stream.walk.chain, seq, &head_of(stream)))
}

/// A till pushes a batch of one chain's records, in order.
#[utoipa::path(post, path = "/api/v0/push", request_body = Batch,
    responses((status = 200, body = PushAnswer), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 413, body = ApiError)))]
async fn push(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Result<Json<PushAnswer>, Refuse> {
    let bytes = body(b)?;
    let till = authenticate(&app, &headers, &Method::POST, wire::PUSH, &bytes).await?;
    let batch: Batch = json(&bytes)?;
    if batch.till != till.till {
        return Err(Refuse::new(
            StatusCode::FORBIDDEN,
            ErrorCode::WrongTill,
            format!("the batch is till {}'s, the request is signed by till {}", batch.till, till.till),
        ));
    }
    let sent = batch.records.len();
    match app.storage.push(&till, batch, (app.now_ms)()).await? {
        Pushed::Taken { accepted, duplicates, stream } => {
            if let Some(q) = &stream.quarantine {
                tracing::warn!(till = till.till, "stream put in quarantine: {q}");
            }
            tracing::debug!(till = till.till, sent, accepted, duplicates, "batch taken");
            Ok(Json(PushAnswer {
                accepted,
                duplicates,
                ack: ack_of(&app, &stream),
                quarantine: stream.quarantine,
            }))
        }
        Pushed::Refused(Refusal::Quarantined(q)) => Err(Refuse(
            StatusCode::CONFLICT,
            ApiError {
                code: ErrorCode::StreamQuarantined,
                message: format!(
                    "this stream is in quarantine and takes nothing until head office deals with it: {q}"
                ),
                quarantine: Some(*q),
            },
        )),
        Pushed::Refused(r @ Refusal::WrongStream(_)) => {
            Err(Refuse::new(StatusCode::FORBIDDEN, ErrorCode::WrongTill, r.to_string()))
        }
        Pushed::Refused(r @ Refusal::Malformed { .. }) => {
            Err(Refuse::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedRecord, r.to_string()))
        }
    }
}

/// Where head office stands with the asking till's streams, each with its signed acknowledgement.
#[utoipa::path(get, path = "/api/v0/streams",
    responses((status = 200, body = Streams), (status = 401, body = ApiError)))]
async fn streams(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Json<Streams>, Refuse> {
    let till = authenticate(&app, &headers, &Method::GET, wire::STREAMS, b"").await?;
    let streams = app
        .storage
        .streams(&till.till)
        .await?
        .into_iter()
        .map(|s| StreamView {
            chain: s.chain,
            last_seq: s.stream.last_seq(),
            ack: ack_of(&app, &s.stream),
            quarantine: s.stream.quarantine,
        })
        .collect();
    Ok(Json(Streams { till: till.till, streams }))
}
