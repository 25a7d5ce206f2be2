//! The till's HTTP client to head office: rustls (trusting the certificate authority given at
//! enrolment, or the system's), short connection timeouts, every request but the enrolment signed
//! with the till's key.

use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use pos_journal::signature::RecordSigner;
use pos_sync::auth;
use pos_sync::wire::{ApiError, ErrorCode, header};
use reqwest::blocking::{Client, Response};

use super::SyncError;

/// How long the till waits to reach head office.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a request may take, its answer included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A client to head office at `url`.
pub struct HeadOffice {
    http: Client,
    url: String,
}

impl HeadOffice {
    /// A client to `url`, trusting `ca_pem` (or the system's authorities).
    pub fn new(url: &str, ca_pem: Option<&str>) -> Result<HeadOffice, SyncError> {
        let url = url.trim_end_matches('/').to_owned();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(SyncError::Setup(format!("`{url}` is not an http:// or https:// address")));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| SyncError::Setup(format!("TLS: {e}")))?;
        let tls = match ca_pem {
            Some(pem) => {
                let mut roots = rustls::RootCertStore::empty();
                let certs = rustls_pemfile::certs(&mut pem.as_bytes())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| SyncError::Setup(format!("the certificate authority does not read: {e}")))?;
                if certs.is_empty() {
                    return Err(SyncError::Setup(
                        "the certificate authority file holds no certificate".into(),
                    ));
                }
                for c in certs {
                    roots.add(c).map_err(|e| {
                        SyncError::Setup(format!("the certificate authority is not usable: {e}"))
                    })?;
                }
                builder.with_root_certificates(roots).with_no_client_auth()
            }
            None => system_trust()?,
        };
        let http = Client::builder()
            .use_preconfigured_tls(tls)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| SyncError::Setup(format!("the HTTP client: {e}")))?;
        Ok(HeadOffice { http, url })
    }

    /// `POST path` with a JSON body, unsigned (the enrolment).
    pub fn post_unsigned(&self, path: &str, body: Vec<u8>) -> Result<Vec<u8>, SyncError> {
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .body(body)
            .send();
        answer(r)
    }

    /// `method path` with `body`, signed by `till` with `key`.
    pub fn signed(
        &self,
        key: &SigningKey,
        till: &str,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, SyncError> {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).map_err(|e| SyncError::Setup(format!("no randomness: {e}")))?;
        let now = chrono::Utc::now().timestamp_millis();
        let signer = RecordSigner::new(key.clone());
        let s = auth::sign(&signer, till, method.as_str(), path, &body, now, nonce);
        let r = self
            .http
            .request(method, format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .header(header::TILL, &s.till)
            .header(header::AT, s.at_ms.to_string())
            .header(header::NONCE, &s.nonce)
            .header(header::SIGNATURE, &s.signature)
            .body(body)
            .send();
        answer(r)
    }
}

/// The TLS setting trusting the system's certificate authorities, read once per process (reading
/// them costs more than a round with nothing to push).
fn system_trust() -> Result<rustls::ClientConfig, SyncError> {
    use rustls_platform_verifier::BuilderVerifierExt;
    static SYSTEM: std::sync::OnceLock<Result<rustls::ClientConfig, String>> = std::sync::OnceLock::new();
    SYSTEM
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .and_then(|b| b.with_platform_verifier())
                .map(|b| b.with_no_client_auth())
                .map_err(|e| format!("the system's certificate authorities: {e}"))
        })
        .clone()
        .map_err(SyncError::Setup)
}

fn answer(r: reqwest::Result<Response>) -> Result<Vec<u8>, SyncError> {
    let r = r.map_err(|e| SyncError::Offline(chain_of(&e)))?;
    let status = r.status();
    let bytes = r.bytes().map_err(|e| SyncError::Offline(chain_of(&e)))?.to_vec();
    if status.is_success() {
        return Ok(bytes);
    }
    let error: Option<ApiError> = serde_json::from_slice(&bytes).ok();
    Err(SyncError::Refused {
        status: status.as_u16(),
        code: error.as_ref().map(|e| e.code),
        message: error.as_ref().map_or_else(
            || String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            |e| e.message.clone(),
        ),
        quarantine: error.and_then(|e| e.quarantine).map(Box::new),
    })
}

/// An error and its causes, in one line (reqwest's own says only "error sending request").
fn chain_of(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Whether a refusal means the server is not (or no longer) this till's head office.
pub fn is_enrolment_problem(code: Option<ErrorCode>) -> bool {
    matches!(code, Some(ErrorCode::NotEnrolled | ErrorCode::AuthBadSignature))
}
