//! The admin page's people and their traces: users with their role (and store, for a store
//! manager), password hash, TOTP secret and recovery codes; sessions (only their token's hash is
//! kept); and the audit log, which, like the journal, is never changed nor deleted (a trigger
//! refuses it); the catalogue's changes scheduled for a later day. Written once for both backends
//! through [`super::sql`].

use super::sql::{Statement, Val};
use super::{Storage, StorageError};

pub(super) const SQLITE_SCHEMA: &str = r#"
CREATE TABLE admin_user (email TEXT PRIMARY KEY, role TEXT NOT NULL, store TEXT, password TEXT NOT NULL, must_change INTEGER NOT NULL, totp_secret BLOB, totp_step INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0, locked_until_ms INTEGER NOT NULL DEFAULT 0, lang TEXT NOT NULL DEFAULT 'fr', disabled INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL);
CREATE TABLE admin_recovery (email TEXT NOT NULL, code_hash BLOB NOT NULL, used_ms INTEGER, PRIMARY KEY (email, code_hash));
CREATE TABLE admin_session (token_hash BLOB PRIMARY KEY, email TEXT NOT NULL, csrf TEXT NOT NULL, stage TEXT NOT NULL, totp_pending BLOB, created_ms INTEGER NOT NULL, seen_ms INTEGER NOT NULL, ip TEXT NOT NULL);
CREATE INDEX admin_session_email ON admin_session (email);
CREATE TABLE admin_audit (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, who TEXT NOT NULL, ip TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TRIGGER admin_audit_no_update BEFORE UPDATE ON admin_audit BEGIN SELECT RAISE(ABORT, 'the audit log is never changed'); END;
CREATE TRIGGER admin_audit_no_delete BEFORE DELETE ON admin_audit BEGIN SELECT RAISE(ABORT, 'the audit log is never deleted'); END;
CREATE INDEX record_kind_at ON record (kind, at);
CREATE TABLE catalogue_schedule (id INTEGER PRIMARY KEY, day TEXT NOT NULL, file TEXT NOT NULL, key TEXT NOT NULL, body TEXT, made_by TEXT NOT NULL, made_ms INTEGER NOT NULL, applied_ms INTEGER);
CREATE INDEX catalogue_schedule_due ON catalogue_schedule (applied_ms, day);
CREATE TABLE stock_rule (location TEXT NOT NULL, sku TEXT NOT NULL, min_qty BIGINT NOT NULL, max_qty BIGINT NOT NULL, PRIMARY KEY (location, sku));
CREATE INDEX movement_location_at ON movement (location, at_ms);
"#;

pub(super) const POSTGRES_SCHEMA: &str = r#"
CREATE TABLE admin_user (email TEXT PRIMARY KEY, role TEXT NOT NULL, store TEXT, password TEXT NOT NULL, must_change BIGINT NOT NULL, totp_secret BYTEA, totp_step BIGINT NOT NULL DEFAULT 0, failed BIGINT NOT NULL DEFAULT 0, locked_until_ms BIGINT NOT NULL DEFAULT 0, lang TEXT NOT NULL DEFAULT 'fr', disabled BIGINT NOT NULL DEFAULT 0, created_ms BIGINT NOT NULL);
CREATE TABLE admin_recovery (email TEXT NOT NULL, code_hash BYTEA NOT NULL, used_ms BIGINT, PRIMARY KEY (email, code_hash));
CREATE TABLE admin_session (token_hash BYTEA PRIMARY KEY, email TEXT NOT NULL, csrf TEXT NOT NULL, stage TEXT NOT NULL, totp_pending BYTEA, created_ms BIGINT NOT NULL, seen_ms BIGINT NOT NULL, ip TEXT NOT NULL);
CREATE INDEX admin_session_email ON admin_session (email);
CREATE TABLE admin_audit (id BIGSERIAL PRIMARY KEY, at_ms BIGINT NOT NULL, who TEXT NOT NULL, ip TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL);
CREATE FUNCTION admin_audit_frozen() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'the audit log is never changed nor deleted'; END; $$;
CREATE TRIGGER admin_audit_frozen BEFORE UPDATE OR DELETE ON admin_audit FOR EACH ROW EXECUTE FUNCTION admin_audit_frozen();
CREATE INDEX record_kind_at ON record (kind, at);
CREATE TABLE catalogue_schedule (id BIGSERIAL PRIMARY KEY, day TEXT NOT NULL, file TEXT NOT NULL, key TEXT NOT NULL, body TEXT, made_by TEXT NOT NULL, made_ms BIGINT NOT NULL, applied_ms BIGINT);
CREATE INDEX catalogue_schedule_due ON catalogue_schedule (applied_ms, day);
CREATE TABLE stock_rule (location TEXT NOT NULL, sku TEXT NOT NULL, min_qty BIGINT NOT NULL, max_qty BIGINT NOT NULL, PRIMARY KEY (location, sku));
CREATE INDEX movement_location_at ON movement (location, at_ms);
"#;

/// A user of the admin page as kept.
#[derive(Clone, Debug)]
pub struct UserRow {
    /// Their e-mail address (lower case), their login.
    pub email: String,
    /// `admin`, `accountant`, `store_manager`, `technician`.
    pub role: String,
    /// A store manager's store.
    pub store: Option<String>,
    /// The argon2 hash (PHC string).
    pub password: String,
    /// The password was made by someone else: change it at the next login.
    pub must_change: bool,
    /// The TOTP secret, once enrolled.
    pub totp_secret: Option<Vec<u8>>,
    /// The last TOTP time step accepted (a code is taken once).
    pub totp_step: i64,
    /// Failed logins since the last good one.
    pub failed: i64,
    /// Locked until then, milliseconds since the epoch.
    pub locked_until_ms: i64,
    /// `fr` or `en`.
    pub lang: String,
    /// No longer let in.
    pub disabled: bool,
}

const USER_COLUMNS: &str = "email, role, store, password, must_change, totp_secret, totp_step, failed, locked_until_ms, lang, disabled";

fn user(r: &[Val]) -> Result<UserRow, StorageError> {
    let [email, role, store, password, must_change, secret, step, failed, locked, lang, disabled] = r else {
        return Err(StorageError("a user's row has not its columns".into()));
    };
    Ok(UserRow {
        email: email.text()?,
        role: role.text()?,
        store: store.opt_text()?,
        password: password.text()?,
        must_change: must_change.int()? != 0,
        totp_secret: match secret {
            Val::Null => None,
            v => Some(v.bytes()?),
        },
        totp_step: step.int()?,
        failed: failed.int()?,
        locked_until_ms: locked.int()?,
        lang: lang.text()?,
        disabled: disabled.int()? != 0,
    })
}

/// A session as kept (the token itself is only in the browser's cookie).
#[derive(Clone, Debug)]
pub struct SessionRow {
    /// Whose.
    pub email: String,
    /// The form token of this session.
    pub csrf: String,
    /// How far the login went (`totp`, `change_password`, `enrol_totp`, `full`).
    pub stage: String,
    /// A TOTP secret shown for enrolment, not yet confirmed.
    pub totp_pending: Option<Vec<u8>>,
    /// Opened.
    pub created_ms: i64,
    /// Last used.
    pub seen_ms: i64,
}

/// One line of the audit log.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AuditRow {
    /// Its number.
    pub id: i64,
    /// When, milliseconds since the epoch.
    pub at_ms: i64,
    /// Who (an e-mail, or `cli` for a command run on the server).
    pub who: String,
    /// From where (an address).
    pub ip: String,
    /// What (`login`, `price_changed`, ...).
    pub action: String,
    /// On what.
    pub target: String,
    /// The particulars.
    pub detail: String,
}

/// An audit line to write with the change it records (in the same transaction).
pub fn audit(at_ms: i64, who: &str, ip: &str, action: &str, target: &str, detail: &str) -> Statement {
    (
        "INSERT INTO admin_audit (at_ms, who, ip, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        vec![at_ms.into(), who.into(), ip.into(), action.into(), target.into(), detail.into()],
    )
}

impl Storage {
    /// The user `email` (lower case), if any.
    pub async fn admin_user(&self, email: &str) -> Result<Option<UserRow>, StorageError> {
        const SQL: &str = "SELECT email, role, store, password, must_change, totp_secret, totp_step, failed, locked_until_ms, lang, disabled FROM admin_user WHERE email = $1";
        debug_assert!(SQL.contains(USER_COLUMNS));
        self.row(SQL, vec![email.into()]).await?.map(|r| user(&r)).transpose()
    }

    /// Every user, by e-mail.
    pub async fn admin_users(&self) -> Result<Vec<UserRow>, StorageError> {
        const SQL: &str = "SELECT email, role, store, password, must_change, totp_secret, totp_step, failed, locked_until_ms, lang, disabled FROM admin_user ORDER BY email";
        self.rows(SQL, vec![]).await?.iter().map(|r| user(r)).collect()
    }

    /// Adds a user with a password to change at first login; false when the e-mail is taken. The
    /// audit line goes in with it.
    pub async fn add_admin_user(
        &self,
        u: &UserRow,
        now_ms: i64,
        audit_line: Statement,
    ) -> Result<bool, StorageError> {
        let changed = self
            .write(vec![
                (
                    "INSERT INTO admin_user (email, role, store, password, must_change, lang, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (email) DO NOTHING",
                    vec![
                        u.email.as_str().into(),
                        u.role.as_str().into(),
                        u.store.clone().into(),
                        u.password.as_str().into(),
                        i64::from(u.must_change).into(),
                        u.lang.as_str().into(),
                        now_ms.into(),
                    ],
                ),
                audit_line,
            ])
            .await?;
        Ok(changed.first() == Some(&1))
    }

    /// Notes a failed login of `email`: at the `limit`-th in a row the account is locked until
    /// `lock_until_ms` (and the count starts again). Answers whether it is now locked.
    pub async fn admin_login_failed(
        &self,
        email: &str,
        limit: i64,
        lock_until_ms: i64,
        audit_line: Statement,
    ) -> Result<bool, StorageError> {
        // Every SET reads the row as it was: both see the same `failed`.
        self.write(vec![
            (
                "UPDATE admin_user SET failed = CASE WHEN failed + 1 >= $3 THEN 0 ELSE failed + 1 END, locked_until_ms = CASE WHEN failed + 1 >= $3 THEN $2 ELSE locked_until_ms END WHERE email = $1",
                vec![email.into(), lock_until_ms.into(), limit.into()],
            ),
            audit_line,
        ])
        .await?;
        Ok(self.admin_user(email).await?.is_some_and(|u| u.locked_until_ms == lock_until_ms))
    }

    /// Runs `statements` (a user's change, a session's) with their audit line, in one transaction.
    pub async fn admin_change(
        &self,
        mut statements: Vec<Statement>,
        audit_line: Statement,
    ) -> Result<Vec<u64>, StorageError> {
        statements.push(audit_line);
        self.write(statements).await
    }

    /// The session whose token hashes to `token_hash`.
    pub async fn admin_session(&self, token_hash: &[u8]) -> Result<Option<SessionRow>, StorageError> {
        let r = self
            .row(
                "SELECT email, csrf, stage, totp_pending, created_ms, seen_ms FROM admin_session WHERE token_hash = $1",
                vec![Val::Bytes(token_hash.to_vec())],
            )
            .await?;
        let Some(r) = r else { return Ok(None) };
        let [email, csrf, stage, pending, created, seen] = &r[..] else {
            return Err(StorageError("a session's row has not its columns".into()));
        };
        Ok(Some(SessionRow {
            email: email.text()?,
            csrf: csrf.text()?,
            stage: stage.text()?,
            totp_pending: match pending {
                Val::Null => None,
                v => Some(v.bytes()?),
            },
            created_ms: created.int()?,
            seen_ms: seen.int()?,
        }))
    }

    /// Opens a session after `extra` (and forgets those of anyone that have expired).
    pub async fn open_admin_session(
        &self,
        token_hash: &[u8],
        s: &SessionRow,
        ip: &str,
        forget_before_ms: i64,
        extra: Vec<Statement>,
    ) -> Result<(), StorageError> {
        // What goes with the opening first (it may end this user's other sessions), then the session.
        let mut st = extra;
        st.push(("DELETE FROM admin_session WHERE seen_ms < $1", vec![forget_before_ms.into()]));
        st.push((
                "INSERT INTO admin_session (token_hash, email, csrf, stage, totp_pending, created_ms, seen_ms, ip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                vec![
                    Val::Bytes(token_hash.to_vec()),
                    s.email.as_str().into(),
                    s.csrf.as_str().into(),
                    s.stage.as_str().into(),
                    s.totp_pending.clone().into(),
                    s.created_ms.into(),
                    s.seen_ms.into(),
                    ip.into(),
                ],
            ));
        self.write(st).await.map(drop)
    }

    /// The audit log, newest first: `limit` lines before id `before` (none: the newest).
    pub async fn audit_log(&self, before: Option<i64>, limit: i64) -> Result<Vec<AuditRow>, StorageError> {
        let rows = self
            .rows(
                "SELECT id, at_ms, who, ip, action, target, detail FROM admin_audit WHERE id < $1 ORDER BY id DESC LIMIT $2",
                vec![before.unwrap_or(i64::MAX).into(), limit.into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let [id, at, who, ip, action, target, detail] = &r[..] else {
                    return Err(StorageError("an audit row has not its columns".into()));
                };
                Ok(AuditRow {
                    id: id.int()?,
                    at_ms: at.int()?,
                    who: who.text()?,
                    ip: ip.text()?,
                    action: action.text()?,
                    target: target.text()?,
                    detail: detail.text()?,
                })
            })
            .collect()
    }
}
