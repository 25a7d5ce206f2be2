//! # pos-server: head office's server
//!
//! Tills enrol with a one-time code and sign every later request with their journal key; their
//! journals reach head office in batches, each record checked with the journal crate before it is
//! kept, once, and acknowledged with head office's signature; a gap, a fork or a broken record puts
//! the till's stream in quarantine with its first bad record (see [`pos_sync`]).
//!
//! - [`storage`]: the narrow boundary over the two backends, SQLite (default) and PostgreSQL.
//! - [`http`]: the routes under `/api/v0/`, their refusals, the OpenAPI document.
//! - [`serve`]: the listening loop, HTTPS with rustls, plain HTTP on loopback only.
//! - [`enrolment`]: one-time codes.
//! - [`keys`]: head office's signing key.
//! - [`admin`]: head office's screen, the admin page under `/admin/`.
//! - [`reconcile`]: the bank's lines matched to what the books hold open.
//! - [`books`]: the poster that turns what tills pushed and head office recorded into entries
//!   ([`pos_ledger`]).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admin;
pub mod books;
pub mod enrolment;
pub mod http;
pub mod keys;
pub mod mail;
pub mod reconcile;
pub mod serve;
pub mod storage;

/// Milliseconds since the epoch by the machine's clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
