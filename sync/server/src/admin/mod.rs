//! Head office's screen: the admin page, server-rendered HTML (maud, escaped by construction), one
//! style sheet and no script, all served by `pos-server` (nothing fetched from elsewhere), in
//! French and English.
//!
//! Who comes in and how is in [`auth`]; every page and every JSON answer under `/admin/api/` goes
//! through [`Staff`], which holds a session that went through both factors, and every page family
//! checks its [`Area`] against the role, and a store manager's store against the store asked for.
//! Every form carries the session's token ([`Staff::check`]); every change writes its audit line,
//! in the transaction that makes it where the change is the admin page's own statements (a stock
//! transfer's, a catalogue version's and a bank action's come just after the change).

pub mod auth;
mod books;
pub mod catalogue;
mod dashboard;
pub mod html;
pub mod i18n;
mod login;
pub mod mirror;
mod orders;
mod privacy;
pub mod stock;
mod tills;
pub mod users;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use maud::Markup;

use crate::http::App;
use crate::storage::StorageError;
use crate::storage::sql::Statement;
use auth::{Area, Role, Stage, Throttle};
use i18n::{Lang, Msg};

/// Where a connection comes from (set by [`crate::serve::run`] on every request).
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub SocketAddr);

/// What the admin page's handlers share.
pub struct AdminApp {
    /// The server's state (its database above all).
    pub app: Arc<App>,
    /// Served over TLS: cookies are `Secure` and `__Host-`, and HSTS is sent.
    pub secure: bool,
    /// Failed logins per address.
    pub throttle: Throttle,
    /// The books' entries, kept up to date in memory.
    pub books: mirror::Mirror,
}

impl AdminApp {
    fn now_ms(&self) -> i64 {
        (self.app.now_ms)()
    }

    /// The session cookie's name.
    fn cookie(&self) -> &'static str {
        if self.secure { "__Host-pos_admin" } else { "pos_admin" }
    }

    /// The login form's cookie (its token, before there is a session).
    fn pre_cookie(&self) -> &'static str {
        if self.secure { "__Host-pos_pre" } else { "pos_pre" }
    }

    /// A `Set-Cookie` value: HttpOnly, SameSite=Strict, the whole site, Secure under TLS.
    fn set_cookie(&self, name: &str, value: &str, max_age_s: i64) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

/// The router of `/admin/...`.
pub fn router(app: Arc<App>, secure: bool) -> Router {
    let state =
        Arc::new(AdminApp { app, secure, throttle: Throttle::default(), books: mirror::Mirror::default() });
    Router::new()
        .route("/admin", get(|| async { Redirect::to("/admin/") }))
        .route("/admin/", get(dashboard::page))
        .route("/admin/api/dashboard", get(dashboard::api))
        .route("/admin/static/admin.css", get(css))
        .route("/admin/login", get(login::form).post(login::submit))
        .route("/admin/totp", get(login::totp_form).post(login::totp_submit))
        .route("/admin/totp/enrol", get(login::enrol_form).post(login::enrol_submit))
        .route("/admin/password", get(login::password_form).post(login::password_submit))
        .route("/admin/logout", post(login::logout))
        .route("/admin/language", post(login::language))
        .route("/admin/tills", get(tills::list).post(tills::enrol))
        .route("/admin/tills/{till}", get(tills::one))
        .route("/admin/api/tills", get(tills::api_list))
        .route("/admin/api/tills/{till}", get(tills::api_one))
        .route("/admin/catalogue", get(catalogue::list))
        .route("/admin/catalogue/{sku}", get(catalogue::item).post(catalogue::save))
        .route("/admin/promotions", get(catalogue::promotions).post(catalogue::promotion_save))
        .route("/admin/stock", get(stock::page))
        .route("/admin/stock/{sku}", get(stock::item).post(stock::act))
        .route("/admin/orders", get(orders::web_orders))
        .route("/admin/balances", get(orders::balances))
        .route("/admin/customers", get(privacy::page))
        .route("/admin/customers/export", get(privacy::download))
        .route("/admin/customers/erase", post(privacy::erase))
        .route("/admin/books", get(books::page))
        .route("/admin/books/entries", get(books::entries))
        .route("/admin/books/bank", get(books::bank).post(books::bank_action))
        .route("/admin/books/fec", get(books::fec))
        .route("/admin/api/books/pnl", get(books::api_pnl))
        .route("/admin/users", get(users::list).post(users::add))
        .route("/admin/users/access", post(users::access))
        .route("/admin/audit", get(users::audit))
        .route("/admin/{*rest}", get(not_found).post(not_found))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), headers))
        .with_state(state)
}

async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], html::CSS)
        .into_response()
}

async fn not_found(staff: Option<Staff>, headers: HeaderMap) -> Fail {
    Fail::NotFound(staff.map_or_else(|| lang_of(&headers), |s| s.lang))
}

/// The security headers of every answer under `/admin/`.
async fn headers(State(a): State<Arc<AdminApp>>, req: axum::extract::Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let login_path =
        ["/admin/login", "/admin/totp", "/admin/password"].iter().any(|p| req.uri().path().starts_with(p));
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // The server's time on the request, in milliseconds (what the benchmarks read); not on the
    // login's pages, where it would tell an account that exists from one that does not.
    let us = started.elapsed().as_micros();
    if !login_path && let Ok(v) = HeaderValue::from_str(&format!("app;dur={}.{:03}", us / 1000, us % 1000)) {
        h.insert("server-timing", v);
    }
    let set = |h: &mut HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, "x-frame-options", "DENY");
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "same-origin");
    set(h, "cross-origin-opener-policy", "same-origin");
    set(h, "cross-origin-resource-policy", "same-origin");
    set(h, "permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()");
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    if a.secure {
        set(h, "strict-transport-security", "max-age=31536000");
    }
    res
}

/// The language a visitor not signed in asked for.
fn lang_of(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept)
        .unwrap_or_default()
}

/// The value of cookie `name`.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn peer(parts: &Parts) -> IpAddr {
    parts.extensions.get::<Peer>().map_or(IpAddr::from([0, 0, 0, 0]), |p| p.0.ip())
}

/// A signed-in user, both factors given, on a request.
#[derive(Clone, Debug)]
pub struct Staff {
    /// Their e-mail.
    pub email: String,
    /// Their role.
    pub role: Role,
    /// A store manager's store.
    pub store: Option<String>,
    /// Their language.
    pub lang: Lang,
    /// The session's form token.
    pub csrf: String,
    /// Where the request came from.
    pub ip: IpAddr,
    /// The session's token hash.
    token_hash: [u8; 32],
    /// The request is to `/admin/api/`: refusals in JSON.
    api: bool,
}

/// A session at any stage of the login (for the second factor's and the password's pages).
pub struct Pending {
    session: crate::storage::admin::SessionRow,
    user: crate::storage::admin::UserRow,
    stage: Stage,
    token_hash: [u8; 32],
    ip: IpAddr,
}

impl Pending {
    fn lang(&self) -> Lang {
        Lang::parse(&self.user.lang)
    }
}

impl FromRequestParts<Arc<AdminApp>> for Pending {
    type Rejection = Fail;

    async fn from_request_parts(parts: &mut Parts, a: &Arc<AdminApp>) -> Result<Pending, Fail> {
        let api = parts.uri.path().starts_with("/admin/api/");
        let login = if api { Fail::ApiLogin } else { Fail::Login };
        let Some(token) = cookie(&parts.headers, a.cookie()) else { return Err(login) };
        let token_hash = auth::token_hash(&token);
        let storage = &a.app.storage;
        let Some(session) = storage.admin_session(&token_hash).await? else { return Err(login) };
        let now = a.now_ms();
        let forget = ("DELETE FROM admin_session WHERE token_hash = $1", vec![token_hash.to_vec().into()]);
        if now - session.seen_ms > auth::IDLE_MS || now - session.created_ms > auth::SESSION_MS {
            storage.write(vec![forget]).await?;
            return Err(login);
        }
        let user = match storage.admin_user(&session.email).await? {
            Some(u) if !u.disabled => u,
            _ => {
                storage.write(vec![forget]).await?;
                return Err(login);
            }
        };
        let Some(stage) = Stage::parse(&session.stage) else { return Err(login) };
        if now - session.seen_ms > 60_000 {
            storage
                .write(vec![(
                    "UPDATE admin_session SET seen_ms = $2 WHERE token_hash = $1",
                    vec![token_hash.to_vec().into(), now.into()],
                )])
                .await?;
        }
        Ok(Pending { session, user, stage, token_hash, ip: peer(parts) })
    }
}

impl FromRequestParts<Arc<AdminApp>> for Staff {
    type Rejection = Fail;

    async fn from_request_parts(parts: &mut Parts, a: &Arc<AdminApp>) -> Result<Staff, Fail> {
        let api = parts.uri.path().starts_with("/admin/api/");
        let p = Pending::from_request_parts(parts, a).await?;
        if p.stage != Stage::Full {
            return Err(if api { Fail::ApiLogin } else { Fail::Redirect(login::stage_page(p.stage).into()) });
        }
        let Some(role) = Role::parse(&p.user.role) else { return Err(Fail::Login) };
        Ok(Staff {
            lang: p.lang(),
            email: p.user.email,
            role,
            store: p.user.store,
            csrf: p.session.csrf,
            ip: p.ip,
            token_hash: p.token_hash,
            api,
        })
    }
}

impl axum::extract::OptionalFromRequestParts<Arc<AdminApp>> for Staff {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        a: &Arc<AdminApp>,
    ) -> Result<Option<Staff>, Self::Rejection> {
        Ok(<Staff as FromRequestParts<_>>::from_request_parts(parts, a).await.ok())
    }
}

impl Staff {
    /// Refuses an area the role does not see.
    pub fn may(&self, area: Area) -> Result<(), Fail> {
        if self.role.may(area) { Ok(()) } else { Err(self.forbidden()) }
    }

    /// Refuses a store other than a store manager's own.
    pub fn store_ok(&self, store: &str) -> Result<(), Fail> {
        match (self.role, &self.store) {
            (Role::StoreManager, Some(own)) if own == store && !own.is_empty() => Ok(()),
            (Role::StoreManager, _) => Err(self.forbidden()),
            _ => Ok(()),
        }
    }

    /// The store a store manager is limited to (none for the others).
    pub fn scope(&self) -> Option<&str> {
        (self.role == Role::StoreManager).then_some(self.store.as_deref().unwrap_or("-"))
    }

    fn forbidden(&self) -> Fail {
        if self.api { Fail::ApiForbidden } else { Fail::Forbidden(self.lang) }
    }

    /// Refuses a form that does not carry the session's token.
    pub fn check(&self, form: &Fields) -> Result<(), Fail> {
        match form.get("csrf") {
            Some(t) if auth::same_secret(t, &self.csrf) => Ok(()),
            _ => Err(Fail::Csrf(self.lang)),
        }
    }

    /// The audit line of a change this user makes.
    pub fn audit(&self, at_ms: i64, action: &str, target: &str, detail: &str) -> Statement {
        crate::storage::admin::audit(at_ms, &self.email, &self.ip.to_string(), action, target, detail)
    }

    /// Wording in the user's language.
    pub fn t(&self, m: Msg) -> &'static str {
        m.in_(self.lang)
    }
}

/// A form's fields, in order (a field may come more than once: boxes ticked).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
}

/// Why a request was not answered as asked.
#[derive(Debug)]
pub enum Fail {
    /// Not signed in: to the login page.
    Login,
    /// Not signed in, on the API: 401.
    ApiLogin,
    /// Somewhere else first (the next step of the login).
    Redirect(String),
    /// Outside the role's areas or the manager's store.
    Forbidden(Lang),
    /// The same, on the API: 403.
    ApiForbidden,
    /// No such page or thing.
    NotFound(Lang),
    /// A form without the session's token.
    Csrf(Lang),
    /// Something asked that cannot be: the page says what.
    Bad(Lang, String),
    /// The database.
    Storage(StorageError),
}

impl From<StorageError> for Fail {
    fn from(e: StorageError) -> Fail {
        Fail::Storage(e)
    }
}

fn error_page(status: StatusCode, lang: Lang, text: &str) -> Response {
    let body = maud::html! {
        p.notice.error role="alert" { (text) }
        p { a href="/admin/" { (Msg::Dashboard.in_(lang)) } }
    };
    (status, html::bare(lang, Msg::Title, body)).into_response()
}

fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(serde_json::json!({"code": code, "message": message}))).into_response()
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        match self {
            Fail::Login => Redirect::to("/admin/login").into_response(),
            Fail::ApiLogin => {
                api_error(StatusCode::UNAUTHORIZED, "signed_out", "sign in on /admin/login first")
            }
            Fail::Redirect(to) => Redirect::to(&to).into_response(),
            Fail::Forbidden(l) => error_page(StatusCode::FORBIDDEN, l, Msg::Forbidden.in_(l)),
            Fail::ApiForbidden => api_error(
                StatusCode::FORBIDDEN,
                "forbidden",
                "this is outside what your role or store may see",
            ),
            Fail::NotFound(l) => error_page(StatusCode::NOT_FOUND, l, Msg::NotFound.in_(l)),
            Fail::Csrf(l) => error_page(StatusCode::FORBIDDEN, l, Msg::FormExpired.in_(l)),
            Fail::Bad(l, text) => error_page(StatusCode::BAD_REQUEST, l, &text),
            Fail::Storage(e) => {
                tracing::error!("admin page: {e}");
                error_page(StatusCode::SERVICE_UNAVAILABLE, Lang::Fr, Msg::Unavailable.in_(Lang::Fr))
            }
        }
    }
}

/// A page's answer.
pub type PageResult = Result<Markup, Fail>;
