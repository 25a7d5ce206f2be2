//! Coming in and going out: the password, then the second factor (enrolled at the first login,
//! after the one-time password is changed), the session's cookie, signing out, the language.
//!
//! A session's token changes when it reaches its last stage (a token seen before the second
//! factor is worth nothing after). The login form, made before any session, carries a token of
//! its own that must equal its cookie's.

use std::sync::Arc;

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::auth::{self, PasswordRefusal, Stage};
use super::i18n::{Lang, Msg};
use super::{AdminApp, Fail, Fields, Pending, Staff, cookie, html as frame, lang_of};
use crate::storage::admin::{SessionRow, audit};
use crate::storage::sql::{Statement, Val};

/// The page of a session's stage.
pub fn stage_page(stage: Stage) -> &'static str {
    match stage {
        Stage::Totp => "/admin/totp",
        Stage::ChangePassword => "/admin/password",
        Stage::EnrolTotp => "/admin/totp/enrol",
        Stage::Full => "/admin/",
    }
}

fn login_page(a: &AdminApp, lang: Lang, status: StatusCode, error: Option<String>) -> Response {
    let pre = auth::csrf_token();
    let body = html! {
        (frame::notice(error.as_deref(), true))
        form method="post" action="/admin/login" {
            input type="hidden" name="pre" value=(pre);
            label for="email" { (Msg::Email.in_(lang)) }
            input #email type="email" name="email" autocomplete="username" required autofocus;
            label for="password" { (Msg::Password.in_(lang)) }
            input #password type="password" name="password" autocomplete="current-password" required;
            p { button #sign-in type="submit" { (Msg::SignIn.in_(lang)) } }
        }
    };
    let mut res = (status, frame::bare(lang, Msg::SignIn, body)).into_response();
    res.headers_mut().append(header::SET_COOKIE, a.set_cookie(a.pre_cookie(), &pre, 1800));
    res
}

/// The login form.
pub async fn form(State(a): State<Arc<AdminApp>>, headers: HeaderMap) -> Response {
    login_page(&a, lang_of(&headers), StatusCode::OK, None)
}

fn peer_ip(peer: Option<axum::Extension<super::Peer>>) -> std::net::IpAddr {
    peer.map_or(std::net::IpAddr::from([0, 0, 0, 0]), |p| p.0.0.ip())
}

/// The password given.
pub async fn submit(
    State(a): State<Arc<AdminApp>>,
    peer: Option<axum::Extension<super::Peer>>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Result<Response, Fail> {
    let lang = lang_of(&headers);
    let ip = peer_ip(peer);
    let now = a.now_ms();
    let pre_ok = matches!((cookie(&headers, a.pre_cookie()), f.get("pre")), (Some(c), Some(p)) if auth::same_secret(&c, p));
    if !pre_ok {
        return Ok(login_page(&a, lang, StatusCode::FORBIDDEN, Some(Msg::FormExpired.in_(lang).into())));
    }
    if let Err(until) = a.throttle.check(ip, now) {
        let text = format!("{} {}.", Msg::Throttled.in_(lang), lang.moment(until));
        return Ok(login_page(&a, lang, StatusCode::TOO_MANY_REQUESTS, Some(text)));
    }
    let email = f.get("email").unwrap_or_default().trim().to_lowercase();
    let password = f.get("password").unwrap_or_default().to_owned();
    let storage = &a.app.storage;
    let user = storage.admin_user(&email).await?.filter(|u| !u.disabled);
    if let Some(u) = user.as_ref().filter(|u| u.locked_until_ms > now) {
        a.throttle.failed(ip, now);
        let text = format!("{} {}.", Msg::Locked.in_(lang), lang.moment(u.locked_until_ms));
        return Ok(login_page(&a, lang, StatusCode::TOO_MANY_REQUESTS, Some(text)));
    }
    let phc = user.as_ref().map_or_else(|| auth::decoy_hash().to_owned(), |u| u.password.clone());
    let good = auth::hashing(move || auth::password_is(&phc, &password)).await.unwrap_or(false);
    let ips = ip.to_string();
    let Some(user) = user.filter(|_| good) else {
        a.throttle.failed(ip, now);
        let line = audit(now, &email, &ips, "login_failed", &email, "wrong password or unknown address");
        if storage.admin_user(&email).await?.is_some() {
            let locked =
                storage.admin_login_failed(&email, auth::LOCK_AFTER, now + auth::LOCK_MS, line).await?;
            if locked {
                let text = format!("{} {}.", Msg::Locked.in_(lang), lang.moment(now + auth::LOCK_MS));
                return Ok(login_page(&a, lang, StatusCode::TOO_MANY_REQUESTS, Some(text)));
            }
        } else {
            storage.write(vec![line]).await?;
        }
        return Ok(login_page(&a, lang, StatusCode::UNAUTHORIZED, Some(Msg::BadLogin.in_(lang).into())));
    };
    let stage = if user.must_change {
        Stage::ChangePassword
    } else if user.totp_secret.is_none() {
        Stage::EnrolTotp
    } else {
        Stage::Totp
    };
    let line = audit(now, &user.email, &ips, "password_accepted", &user.email, stage.as_str());
    // The count of failures is not cleared here: only a login through both factors clears it, so
    // that the password, known, cannot buy fresh tries at the second factor.
    open_session(&a, &user.email, stage, ip, vec![line]).await
}

/// Opens a session at `stage` with `extra` statements, and answers with its cookie and the way to
/// the stage's page.
async fn open_session(
    a: &AdminApp,
    email: &str,
    stage: Stage,
    ip: std::net::IpAddr,
    extra: Vec<Statement>,
) -> Result<Response, Fail> {
    let now = a.now_ms();
    let (token, hash) = auth::session_token();
    let session = SessionRow {
        email: email.to_owned(),
        csrf: auth::csrf_token(),
        stage: stage.as_str().into(),
        totp_pending: None,
        created_ms: now,
        seen_ms: now,
    };
    a.app.storage.open_admin_session(&hash, &session, &ip.to_string(), now - auth::SESSION_MS, extra).await?;
    let mut res = Redirect::to(stage_page(stage)).into_response();
    res.headers_mut().append(header::SET_COOKIE, a.set_cookie(a.cookie(), &token, auth::SESSION_MS / 1000));
    res.headers_mut().append(header::SET_COOKIE, a.set_cookie(a.pre_cookie(), "", 0));
    Ok(res)
}

/// The session moved to its last stage under a new token (the old one forgotten).
async fn promote(a: &AdminApp, p: &Pending, mut extra: Vec<Statement>) -> Result<Response, Fail> {
    extra.insert(
        0,
        ("DELETE FROM admin_session WHERE token_hash = $1", vec![Val::Bytes(p.token_hash.to_vec())]),
    );
    open_session(a, &p.user.email, Stage::Full, p.ip, extra).await
}

fn at_stage(p: &Pending, want: &[Stage]) -> Result<(), Fail> {
    if want.contains(&p.stage) { Ok(()) } else { Err(Fail::Redirect(stage_page(p.stage).into())) }
}

fn check(p: &Pending, f: &Fields) -> Result<(), Fail> {
    match f.get("csrf") {
        Some(t) if auth::same_secret(t, &p.session.csrf) => Ok(()),
        _ => Err(Fail::Csrf(p.lang())),
    }
}

fn code_form(p: &Pending, action: &str, error: Option<&str>, before: Markup) -> Markup {
    let lang = p.lang();
    html! {
        (frame::notice(error, true))
        (before)
        form method="post" action=(action) {
            input type="hidden" name="csrf" value=(p.session.csrf);
            label for="code" { (Msg::TotpCode.in_(lang)) }
            input #code name="code" autocomplete="one-time-code" inputmode="numeric" required autofocus;
            p { button #verify type="submit" { (Msg::Continue.in_(lang)) } }
        }
    }
}

/// The second factor's form.
pub async fn totp_form(p: Pending) -> Result<Markup, Fail> {
    at_stage(&p, &[Stage::Totp])?;
    Ok(frame::bare(p.lang(), Msg::EnrolTotp, code_form(&p, "/admin/totp", None, html! {})))
}

fn unix_s(ms: i64) -> u64 {
    u64::try_from(ms / 1000).unwrap_or(0)
}

/// The second factor given: a code of the app, or a recovery code (spent).
pub async fn totp_submit(
    State(a): State<Arc<AdminApp>>,
    p: Pending,
    Form(f): Form<Fields>,
) -> Result<Response, Fail> {
    at_stage(&p, &[Stage::Totp])?;
    check(&p, &f)?;
    let (now, lang, storage) = (a.now_ms(), p.lang(), &a.app.storage);
    if let Err(until) = a.throttle.check(p.ip, now) {
        let text = format!("{} {}.", Msg::Throttled.in_(lang), lang.moment(until));
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            frame::bare(lang, Msg::EnrolTotp, code_form(&p, "/admin/totp", Some(&text), html! {})),
        )
            .into_response());
    }
    if p.user.locked_until_ms > now {
        let text = format!("{} {}.", Msg::Locked.in_(lang), lang.moment(p.user.locked_until_ms));
        return Ok(login_page(&a, lang, StatusCode::TOO_MANY_REQUESTS, Some(text)));
    }
    let code = f.get("code").unwrap_or_default();
    let email = p.user.email.as_str();
    let ip = p.ip.to_string();
    let step =
        p.user.totp_secret.as_deref().and_then(|s| auth::totp_step(s, code, unix_s(now), p.user.totp_step));
    if let Some(step) = step {
        // Taken once: of two requests with the same code, one moves the step, the other is refused.
        let taken = storage
            .write(vec![(
                "UPDATE admin_user SET totp_step = $2, failed = 0 WHERE email = $1 AND totp_step < $2",
                vec![email.into(), step.into()],
            )])
            .await?;
        if taken.first() == Some(&1) {
            return promote(&a, &p, vec![audit(now, email, &ip, "login", email, "totp")]).await;
        }
    }
    if code.chars().filter(char::is_ascii_alphanumeric).count() == 12 {
        let spent = storage
            .write(vec![(
                "UPDATE admin_recovery SET used_ms = $3 WHERE email = $1 AND code_hash = $2 AND used_ms IS NULL",
                vec![email.into(), Val::Bytes(auth::recovery_hash(code).to_vec()), now.into()],
            )])
            .await?;
        if spent.first() == Some(&1) {
            let reset = ("UPDATE admin_user SET failed = 0 WHERE email = $1", vec![email.into()]);
            return promote(&a, &p, vec![reset, audit(now, email, &ip, "login", email, "recovery code")])
                .await;
        }
    }
    a.throttle.failed(p.ip, now);
    let line = audit(now, email, &ip, "login_failed", email, "wrong second factor");
    if storage.admin_login_failed(email, auth::LOCK_AFTER, now + auth::LOCK_MS, line).await? {
        storage.write(vec![("DELETE FROM admin_session WHERE email = $1", vec![email.into()])]).await?;
        let text = format!("{} {}.", Msg::Locked.in_(lang), lang.moment(now + auth::LOCK_MS));
        return Ok(login_page(&a, lang, StatusCode::TOO_MANY_REQUESTS, Some(text)));
    }
    let page = frame::bare(
        lang,
        Msg::EnrolTotp,
        code_form(&p, "/admin/totp", Some(Msg::BadTotp.in_(lang)), html! {}),
    );
    Ok((StatusCode::UNAUTHORIZED, page).into_response())
}

fn enrol_page(p: &Pending, secret: &[u8], error: Option<&str>) -> Markup {
    let lang = p.lang();
    let url = auth::totp_url(secret, "Siège POS", &p.user.email);
    let svg = auth::qr_svg(&url);
    let svg = svg.find("<svg").map_or(String::new(), |i| svg[i..].to_owned());
    let before = html! {
        p { (Msg::EnrolTotpWhy.in_(lang)) }
        div.qr { (frame::raw(svg)) }
        p { (Msg::Key.in_(lang)) " : " code.secret #totp-secret { (auth::totp_base32(secret)) } }
    };
    frame::bare(lang, Msg::EnrolTotp, code_form(p, "/admin/totp/enrol", error, before))
}

/// The second factor's enrolment: a secret made for this session, shown as a QR code.
pub async fn enrol_form(State(a): State<Arc<AdminApp>>, p: Pending) -> Result<Markup, Fail> {
    at_stage(&p, &[Stage::EnrolTotp])?;
    let secret = match &p.session.totp_pending {
        Some(s) => s.clone(),
        None => {
            let s = auth::totp_secret();
            a.app
                .storage
                .write(vec![(
                    "UPDATE admin_session SET totp_pending = $2 WHERE token_hash = $1",
                    vec![Val::Bytes(p.token_hash.to_vec()), Val::Bytes(s.clone())],
                )])
                .await?;
            s
        }
    };
    Ok(enrol_page(&p, &secret, None))
}

/// The first code of the app: the secret is the user's, recovery codes are made and shown once.
pub async fn enrol_submit(
    State(a): State<Arc<AdminApp>>,
    p: Pending,
    Form(f): Form<Fields>,
) -> Result<Response, Fail> {
    at_stage(&p, &[Stage::EnrolTotp])?;
    check(&p, &f)?;
    let now = a.now_ms();
    let Some(secret) = p.session.totp_pending.clone() else {
        return Err(Fail::Redirect("/admin/totp/enrol".into()));
    };
    let Some(step) = auth::totp_step(&secret, f.get("code").unwrap_or_default(), unix_s(now), 0) else {
        let page = enrol_page(&p, &secret, Some(Msg::BadTotp.in_(p.lang())));
        return Ok((StatusCode::UNAUTHORIZED, page).into_response());
    };
    let email = p.user.email.as_str();
    // A secret enrolled meanwhile (another session) is not replaced by this one.
    let set = a
        .app
        .storage
        .write(vec![(
            "UPDATE admin_user SET totp_secret = $2, totp_step = $3, failed = 0 WHERE email = $1 AND totp_secret IS NULL",
            vec![email.into(), Val::Bytes(secret), step.into()],
        )])
        .await?;
    if set.first() != Some(&1) {
        return Err(Fail::Login);
    }
    let codes = auth::recovery_codes();
    let mut st: Vec<Statement> = vec![("DELETE FROM admin_recovery WHERE email = $1", vec![email.into()])];
    for c in &codes {
        st.push((
            "INSERT INTO admin_recovery (email, code_hash) VALUES ($1, $2)",
            vec![email.into(), Val::Bytes(auth::recovery_hash(c).to_vec())],
        ));
    }
    st.push(audit(now, email, &p.ip.to_string(), "totp_enrolled", email, "10 recovery codes made"));
    let mut res = promote(&a, &p, st).await?;
    // The recovery codes are shown on this answer, once, instead of going on at once.
    let lang = p.lang();
    let body = html! {
        p { (Msg::RecoveryWhy.in_(lang)) }
        ul #recovery-codes { @for c in &codes { li { code { (c) } } } }
        p { a #continue href="/admin/" { (Msg::Continue.in_(lang)) } }
    };
    let cookies: Vec<_> = res.headers_mut().get_all(header::SET_COOKIE).iter().cloned().collect();
    res = (StatusCode::OK, frame::bare(lang, Msg::RecoveryCodes, body)).into_response();
    for c in cookies {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

fn password_page(lang: Lang, csrf: &str, error: Option<&str>) -> Markup {
    let body = html! {
        (frame::notice(error, true))
        p { (Msg::ChangePasswordWhy.in_(lang)) }
        form method="post" action="/admin/password" {
            input type="hidden" name="csrf" value=(csrf);
            label for="current" { (Msg::Password.in_(lang)) }
            input #current type="password" name="current" autocomplete="current-password" required;
            label for="new" { (Msg::NewPassword.in_(lang)) }
            input #new type="password" name="new" autocomplete="new-password" required minlength="12";
            label for="again" { (Msg::PasswordAgain.in_(lang)) }
            input #again type="password" name="again" autocomplete="new-password" required minlength="12";
            p { button #change type="submit" { (Msg::ChangePassword.in_(lang)) } }
        }
    };
    frame::bare(lang, Msg::ChangePassword, body)
}

/// The password's form (at the first login, or later from the menu).
pub async fn password_form(p: Pending) -> Result<Markup, Fail> {
    at_stage(&p, &[Stage::ChangePassword, Stage::Full])?;
    Ok(password_page(p.lang(), &p.session.csrf, None))
}

/// A new password.
pub async fn password_submit(
    State(a): State<Arc<AdminApp>>,
    p: Pending,
    Form(f): Form<Fields>,
) -> Result<Response, Fail> {
    at_stage(&p, &[Stage::ChangePassword, Stage::Full])?;
    check(&p, &f)?;
    let lang = p.lang();
    let (current, new, again) = (
        f.get("current").unwrap_or_default().to_owned(),
        f.get("new").unwrap_or_default().to_owned(),
        f.get("again").unwrap_or_default().to_owned(),
    );
    let phc = p.user.password.clone();
    let checked = auth::hashing(move || {
        if !auth::password_is(&phc, &current) {
            return Err(None);
        }
        auth::new_password(&phc, &new, &again).map_err(Some)?;
        Ok(auth::hash_password(&new))
    })
    .await
    .unwrap_or(Err(None));
    let hash = match checked {
        Ok(h) => h,
        Err(why) => {
            let text = match why {
                None => Msg::BadLogin,
                Some(PasswordRefusal::TooShort) => Msg::PasswordTooShort,
                Some(PasswordRefusal::TooLong) => Msg::PasswordTooLong,
                Some(PasswordRefusal::Different) => Msg::PasswordDifferent,
                Some(PasswordRefusal::Same) => Msg::PasswordSame,
            };
            return Ok((StatusCode::BAD_REQUEST, password_page(lang, &p.session.csrf, Some(text.in_(lang))))
                .into_response());
        }
    };
    let now = a.now_ms();
    let email = p.user.email.as_str();
    let next = match p.stage {
        Stage::Full => Stage::Full,
        _ if p.user.totp_secret.is_none() => Stage::EnrolTotp,
        _ => Stage::Totp,
    };
    let st = vec![
        (
            "UPDATE admin_user SET password = $2, must_change = 0 WHERE email = $1",
            vec![email.into(), hash.into()],
        ),
        // Every other session of this user ends with the old password.
        ("DELETE FROM admin_session WHERE email = $1", vec![email.into()]),
        audit(now, email, &p.ip.to_string(), "password_changed", email, ""),
    ];
    open_session(&a, email, next, p.ip, st).await
}

/// Signs out: the session is forgotten, its cookie cleared.
pub async fn logout(
    State(a): State<Arc<AdminApp>>,
    staff: Staff,
    Form(f): Form<Fields>,
) -> Result<Response, Fail> {
    staff.check(&f)?;
    let now = a.now_ms();
    a.app
        .storage
        .write(vec![
            ("DELETE FROM admin_session WHERE token_hash = $1", vec![Val::Bytes(staff.token_hash.to_vec())]),
            staff.audit(now, "logout", &staff.email, ""),
        ])
        .await?;
    let mut res = Redirect::to("/admin/login").into_response();
    res.headers_mut().append(header::SET_COOKIE, a.set_cookie(a.cookie(), "", 0));
    Ok(res)
}

/// Switches the user's language between French and English.
pub async fn language(
    State(a): State<Arc<AdminApp>>,
    staff: Staff,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Result<Response, Fail> {
    staff.check(&f)?;
    let to = match staff.lang {
        Lang::Fr => Lang::En,
        Lang::En => Lang::Fr,
    };
    let now = a.now_ms();
    a.app
        .storage
        .admin_change(
            vec![(
                "UPDATE admin_user SET lang = $2 WHERE email = $1",
                vec![staff.email.as_str().into(), to.code().into()],
            )],
            staff.audit(now, "language", &staff.email, to.code()),
        )
        .await?;
    // Back to the page the switch was pressed on, when it was one of ours.
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("/admin/").map(|i| r[i..].to_owned()))
        .unwrap_or_else(|| "/admin/".into());
    Ok(Redirect::to(&back).into_response())
}
