//! Users and roles, and the audit log (admins only). A new user gets a one-time password, shown
//! once, to change at the first login, where the second factor is enrolled.

use std::sync::Arc;

use axum::extract::{Form, Query, State};
use maud::{Markup, html};

use super::auth::{self, Area, Role};
use super::html as frame;
use super::i18n::Msg;
use super::{AdminApp, Fail, Fields, PageResult, Staff};
use crate::storage::admin::UserRow;

fn role_name(staff: &Staff, r: Role) -> &'static str {
    match (r, staff.lang) {
        (Role::Admin, _) => "admin",
        (Role::Accountant, super::i18n::Lang::Fr) => "comptable",
        (Role::Accountant, _) => "accountant",
        (Role::StoreManager, super::i18n::Lang::Fr) => "responsable de magasin",
        (Role::StoreManager, _) => "store manager",
        (Role::Technician, super::i18n::Lang::Fr) => "technicien",
        (Role::Technician, _) => "technician",
    }
}

async fn users_page(a: &AdminApp, staff: &Staff, notice: Option<Markup>) -> PageResult {
    staff.may(Area::Users)?;
    let users = a.app.storage.admin_users().await?;
    let now = a.now_ms();
    let body = html! {
        @if let Some(n) = notice { (n) }
        table #users {
            thead { tr { th { (staff.t(Msg::Email)) } th { (staff.t(Msg::Role)) } th { (staff.t(Msg::Store)) } th { (staff.t(Msg::SecondFactor)) } th {} th {} } }
            tbody {
                @for u in &users {
                    tr data-user=(u.email) {
                        td { (u.email) }
                        td { (Role::parse(&u.role).map_or(u.role.as_str(), |r| role_name(staff, r))) }
                        td { (u.store.as_deref().unwrap_or("")) }
                        td { (if u.totp_secret.is_some() { staff.t(Msg::Yes) } else { staff.t(Msg::No) }) }
                        td.bad { @if u.locked_until_ms > now { (staff.t(Msg::Locked)) " " (staff.lang.moment(u.locked_until_ms)) } }
                        td {
                            @if u.email != staff.email {
                                form method="post" action="/admin/users/access" {
                                    (frame::csrf(staff))
                                    input type="hidden" name="email" value=(u.email);
                                    input type="hidden" name="disabled" value=(if u.disabled { "0" } else { "1" });
                                    button.quiet.access type="submit" { (if u.disabled { staff.t(Msg::Enable) } else { staff.t(Msg::Disable) }) }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (staff.t(Msg::AddUser)) }
        form.inline method="post" action="/admin/users" {
            (frame::csrf(staff))
            label { (staff.t(Msg::Email)) " " input #new-email type="email" name="email" required; }
            label { (staff.t(Msg::Role)) " "
                select #new-role name="role" { @for r in Role::ALL { option value=(r.as_str()) { (role_name(staff, r)) } } }
            }
            label { (staff.t(Msg::Store)) " " input #new-store name="store" size="6"; }
            button #add-user type="submit" { (staff.t(Msg::AddUser)) }
        }
        p { a href="/admin/audit" { (staff.t(Msg::Audit)) } }
    };
    Ok(frame::page(staff, Area::Users, staff.t(Msg::Users), body))
}

/// The users.
pub async fn list(State(a): State<Arc<AdminApp>>, staff: Staff) -> PageResult {
    users_page(&a, &staff, None).await
}

/// Adds a user: a one-time password, shown once.
pub async fn add(State(a): State<Arc<AdminApp>>, staff: Staff, Form(f): Form<Fields>) -> PageResult {
    staff.check(&f)?;
    staff.may(Area::Users)?;
    let email = f.get("email").unwrap_or_default().trim().to_lowercase();
    let bad = |m: &str| Fail::Bad(staff.lang, m.to_owned());
    if !valid_email(&email) {
        return Err(bad("e-mail: an address such as name@example.fr"));
    }
    let role = f
        .get("role")
        .and_then(Role::parse)
        .ok_or_else(|| bad("role: admin, accountant, store_manager or technician"))?;
    let store = f.get("store").map(|s| s.trim().to_uppercase()).filter(|s| !s.is_empty());
    if role == Role::StoreManager && !store.as_deref().is_some_and(store_code) {
        return Err(bad(staff.t(Msg::StoreNeeded)));
    }
    let password = auth::one_time_password();
    let hash = {
        let p = password.clone();
        auth::hashing(move || auth::hash_password(&p))
            .await
            .ok_or_else(|| bad("the password could not be made: try again"))?
    };
    let now = a.now_ms();
    let user = UserRow {
        email: email.clone(),
        role: role.as_str().into(),
        store: if role == Role::StoreManager { store } else { None },
        password: hash,
        must_change: true,
        totp_secret: None,
        totp_step: 0,
        failed: 0,
        locked_until_ms: 0,
        lang: staff.lang.code().into(),
        disabled: false,
    };
    let line = staff.audit(now, "user_added", &email, role.as_str());
    let notice = if a.app.storage.add_admin_user(&user, now, line).await? {
        html! { p.notice { (staff.t(Msg::OneTimePassword)) " " strong #one-time-password { (password) } } }
    } else {
        html! { p.notice.error { (staff.t(Msg::EmailTaken)) } }
    };
    users_page(&a, &staff, Some(notice)).await
}

/// A user let in again, or no longer (their sessions end at once); not oneself.
pub async fn access(State(a): State<Arc<AdminApp>>, staff: Staff, Form(f): Form<Fields>) -> PageResult {
    staff.check(&f)?;
    staff.may(Area::Users)?;
    let email = f.get("email").unwrap_or_default().to_owned();
    if email == staff.email {
        return Err(Fail::Bad(staff.lang, "you cannot shut yourself out: ask another admin".into()));
    }
    let disabled = f.get("disabled") == Some("1");
    let now = a.now_ms();
    let done = a
        .app
        .storage
        .admin_change(
            vec![
                (
                    "UPDATE admin_user SET disabled = $2 WHERE email = $1",
                    vec![email.as_str().into(), i64::from(disabled).into()],
                ),
                ("DELETE FROM admin_session WHERE email = $1", vec![email.as_str().into()]),
            ],
            staff.audit(now, if disabled { "user_disabled" } else { "user_enabled" }, &email, ""),
        )
        .await?;
    if done.first() != Some(&1) {
        return Err(Fail::NotFound(staff.lang));
    }
    users_page(&a, &staff, None).await
}

/// A store's code: 2 to 8 capital letters or digits (`LYO`).
pub fn store_code(s: &str) -> bool {
    (2..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// A plausible e-mail address: something, `@`, a domain with a dot; no space or control.
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.len() <= 254
        && !s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        && !domain.contains('@')
}

/// Where the audit log's page starts.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Before {
    before: Option<i64>,
}

/// The audit log, newest first, 100 lines a page.
pub async fn audit(State(a): State<Arc<AdminApp>>, staff: Staff, Query(b): Query<Before>) -> PageResult {
    staff.may(Area::Users)?;
    let rows = a.app.storage.audit_log(b.before, 100).await?;
    let lang = staff.lang;
    let body = html! {
        table #audit {
            thead { tr { th { (staff.t(Msg::When)) } th { (staff.t(Msg::Who)) } th { (staff.t(Msg::FromWhere)) } th { (staff.t(Msg::Action)) } th { (staff.t(Msg::Target)) } th { (staff.t(Msg::Detail)) } } }
            tbody {
                @for r in &rows {
                    tr data-action=(r.action) { td { (lang.moment(r.at_ms)) } td { (r.who) } td { (r.ip) } td { (r.action) } td { (r.target) } td { (r.detail) } }
                }
            }
        }
        @if let Some(last) = rows.last().filter(|_| rows.len() == 100) {
            p { a href={"/admin/audit?before=" (last.id)} { (staff.t(Msg::Older)) } }
        }
    };
    Ok(frame::page(&staff, Area::Users, staff.t(Msg::Audit), body))
}
