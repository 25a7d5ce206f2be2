//! A till's requests, signed with its journal key (registered at enrolment): head office takes a
//! request only when it is signed by that till's key, for this method, path and body, recently,
//! and not seen before.
//!
//! What is signed is one line per field under a label of its own (`pos-sync/request/1`): the till,
//! the method, the path, the time (milliseconds since the epoch, as the till's clock read it), a
//! nonce the till never uses twice, and the SHA-256 of the body. The clock and the nonces come from
//! the caller: this crate reads neither.

use ed25519_dalek::VerifyingKey;
use pos_journal::signature::{RecordSigner, verify_one};
use pos_journal::{hex, sha256, unhex};
use serde::{Deserialize, Serialize};

const LABEL: &str = "pos-sync/request/1";

/// How far a request's time may be from head office's clock, either way (milliseconds).
pub const WINDOW_MS: i64 = 5 * 60 * 1000;

/// What a till sends with a request (as HTTP headers, `X-Pos-…`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signed {
    /// The till.
    pub till: String,
    /// When the till made it, milliseconds since the epoch.
    pub at_ms: i64,
    /// 16 bytes the till never uses twice, hex.
    pub nonce: String,
    /// The till's signature, hex.
    pub signature: String,
}

/// Why a request is refused. Nothing of a refused request is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthRefusal {
    /// The nonce is not 16 bytes of hex, or the signature not 64.
    #[error("the request's nonce or signature is not what a till sends")]
    Malformed,
    /// Too far from head office's clock: set the till's clock right.
    #[error("the request's time is more than five minutes from head office's clock")]
    Stale,
    /// This nonce was already used: a request replayed.
    #[error("the request was already received (replayed)")]
    Replayed,
    /// Not signed by this till's key for this method, path and body.
    #[error("the request is not signed by this till's key for what it asks")]
    BadSignature,
}

fn message(till: &str, method: &str, path: &str, at_ms: i64, nonce: &str, body: &[u8]) -> Vec<u8> {
    format!("{LABEL}\n{till}\n{method}\n{path}\n{at_ms}\n{nonce}\n{}", hex(&sha256(body))).into_bytes()
}

/// Signs a request of `till` (its journal key `signer`) to `method` `path` with `body`, made at
/// `at_ms` with the fresh `nonce`.
pub fn sign(
    signer: &RecordSigner,
    till: &str,
    method: &str,
    path: &str,
    body: &[u8],
    at_ms: i64,
    nonce: [u8; 16],
) -> Signed {
    let nonce = hex(&nonce);
    let signature = hex(&signer.sign(&message(till, method, path, at_ms, &nonce, body)).to_bytes());
    Signed { till: till.to_owned(), at_ms, nonce, signature }
}

/// Checks a request against the till's registered `key` at head office's time `now_ms`; `seen`
/// says whether head office already took a request with this till's nonce (it records the nonce
/// once the request is taken, and may forget those older than twice the window).
pub fn check(
    signed: &Signed,
    method: &str,
    path: &str,
    body: &[u8],
    key: &VerifyingKey,
    now_ms: i64,
    seen: impl Fn(&str) -> bool,
) -> Result<(), AuthRefusal> {
    if unhex(&signed.nonce).is_none_or(|n| n.len() != 16) {
        return Err(AuthRefusal::Malformed);
    }
    let Some(sig) = unhex(&signed.signature).and_then(|s| <[u8; 64]>::try_from(s).ok()) else {
        return Err(AuthRefusal::Malformed);
    };
    if now_ms.checked_sub(signed.at_ms).is_none_or(|d| d.checked_abs().is_none_or(|d| d > WINDOW_MS)) {
        return Err(AuthRefusal::Stale);
    }
    if !verify_one(key, &message(&signed.till, method, path, signed.at_ms, &signed.nonce, body), &sig) {
        return Err(AuthRefusal::BadSignature);
    }
    if seen(&signed.nonce) {
        return Err(AuthRefusal::Replayed);
    }
    Ok(())
}
