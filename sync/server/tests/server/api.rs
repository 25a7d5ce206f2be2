//! The API's edges: enrolment and its refusals, requests not signed, forged, stale or replayed,
//! malformed bodies, unknown routes, the OpenAPI document, HTTPS — on both backends.

use std::path::Path;

use pos_journal::archive::ArchivedRecord;
use pos_journal::{ChainName, hex};
use pos_sync::push::Batch;
use pos_sync::wire::{self, ApiError, ErrorCode, Streams, header};
use pos_till::sync::SyncError;
use pos_till::sync::client::HeadOffice;
use reqwest::blocking::Client;

use super::{Backend, Server, enrol, head, new_till, scratch, sell};

/// Records `from..=to` of the live chain of the till in `dir`, as a batch.
pub fn batch(dir: &Path, from: u64, to: u64) -> Batch {
    let conn = pos_till::store::open_db(dir).unwrap();
    let id = pos_till::store::identity(&conn).unwrap();
    let records = pos_till::store::read_records(&conn, ChainName::Live, from, to)
        .unwrap()
        .into_iter()
        .map(|r| ArchivedRecord {
            bytes: String::from_utf8(r.bytes).unwrap(),
            prev: hex(&r.prev),
            hash: hex(&r.hash),
            sig: hex(&r.sig),
        })
        .collect();
    Batch { till: id.till, chain: ChainName::Live, first_seq: from, records }
}

fn client_of(server: &Server) -> HeadOffice {
    let ca = server.tls.as_ref().map(|(cert, _)| std::fs::read_to_string(cert).unwrap());
    HeadOffice::new(&server.url, ca.as_deref()).unwrap()
}

/// Pushes `batch` signed by the till in `dir`, as its sync does.
pub fn push_raw(server: &Server, dir: &Path, batch: &Batch) -> Result<Vec<u8>, SyncError> {
    push_signed(server, &pos_till::store::read_key(dir).unwrap(), batch)
}

/// Sends `batch` signed with `key`.
pub fn push_signed(
    server: &Server,
    key: &ed25519_dalek::SigningKey,
    batch: &Batch,
) -> Result<Vec<u8>, SyncError> {
    let body = serde_json::to_vec(batch).unwrap();
    client_of(server).signed(key, &batch.till, reqwest::Method::POST, wire::PUSH, body)
}

/// Head office's view of the till in `dir`'s streams.
pub fn streams(server: &Server, dir: &Path) -> Streams {
    let conn = pos_till::store::open_db(dir).unwrap();
    let id = pos_till::store::identity(&conn).unwrap();
    let key = pos_till::store::read_key(dir).unwrap();
    let bytes =
        client_of(server).signed(&key, &id.till, reqwest::Method::GET, wire::STREAMS, Vec::new()).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn plain() -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder().build().unwrap()
}

/// A refusal's status and code.
fn refusal(r: reqwest::blocking::Response) -> (u16, ErrorCode) {
    let status = r.status().as_u16();
    let body = r.bytes().unwrap();
    let e: ApiError = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("a refusal is JSON ({e}): {}", String::from_utf8_lossy(&body)));
    assert!(!e.message.is_empty());
    (status, e.code)
}

fn enrolment_and_its_refusals(backend: Backend) {
    let server = Server::start(backend, "enrol");
    let lyon = new_till("LYO", 1, "enrol-lyo");
    let code = server.code("LYO", 1);
    assert_eq!(code.len(), 14, "{code}");
    let http = plain();
    let enrol_as = |code: &str, till: &str, key: &str| {
        http.post(format!("{}{}", server.url, wire::ENROL))
            .body(serde_json::json!({"code": code, "till": till, "journal_key": key}).to_string())
            .send()
            .unwrap()
    };
    let enrol_with = |code: &str, key: &str| enrol_as(code, "LYO-1", key);
    let other_key = hex(&[7u8; 32]);
    assert_eq!(refusal(enrol_with("AAAA-BBBB-CCCC", &other_key)), (403, ErrorCode::EnrolmentCodeUnknown));
    // The code typed in lower case, without dashes, works.
    let typed = code.replace('-', "").to_lowercase();
    let enrolled = pos_till::sync::enroll(&lyon, &server.url, &typed, None).unwrap();
    assert_eq!(enrolled.till, "LYO-1");
    // Spent: another key cannot use it; the same till may ask again (its answer lost in a cut).
    assert_eq!(refusal(enrol_with(&code, &other_key)), (403, ErrorCode::EnrolmentCodeUsed));
    pos_till::sync::enroll(&lyon, &server.url, &code, None).unwrap();
    // A new code for a till already enrolled, presented with another key.
    let second = server.code("LYO", 1);
    assert_eq!(refusal(enrol_with(&second, &other_key)), (409, ErrorCode::TillAlreadyEnrolled));
    // A code for another till, presented by this one: refused, and not spent.
    let paris = server.code("PAR", 1);
    match pos_till::sync::enroll(&lyon, &server.url, &paris, None) {
        Err(SyncError::Refused { status: 403, code: Some(ErrorCode::EnrolmentCodeOtherTill), .. }) => {}
        other => panic!("{other:?}"),
    }
    let paris_till = new_till("PAR", 1, "enrol-par");
    assert_eq!(pos_till::sync::enroll(&paris_till, &server.url, &paris, None).unwrap().till, "PAR-1");
    // An expired code.
    let (rt, storage) = server.storage();
    let (expired, kept) = pos_server::enrolment::new_code("MRS", 1, pos_server::now_ms() - 1).unwrap();
    rt.block_on(storage.add_enrolment(&kept)).unwrap();
    assert_eq!(refusal(enrol_as(&expired, "MRS-1", &other_key)), (403, ErrorCode::EnrolmentCodeExpired));
    assert!(rt.block_on(storage.till("MRS-1")).unwrap().is_none(), "nothing stored");
    assert_eq!(refusal(enrol_with(&code, "not hex")), (400, ErrorCode::MalformedBody));
}

fn requests_not_from_the_till(backend: Backend) {
    let server = Server::start(backend, "auth");
    let dir = new_till("LYO", 1, "auth");
    sell(&dir, 2, "2026-12-01T10:00:00+01:00");
    let b = batch(&dir, 1, head(&dir));
    // Not enrolled yet.
    match push_raw(&server, &dir, &b) {
        Err(SyncError::Refused { status: 401, code: Some(ErrorCode::NotEnrolled), .. }) => {}
        other => panic!("{other:?}"),
    }
    enrol(&server, &dir);
    let http = plain();
    let body = serde_json::to_vec(&b).unwrap();
    let url = format!("{}{}", server.url, wire::PUSH);
    // Unsigned.
    assert_eq!(refusal(http.post(&url).body(body.clone()).send().unwrap()), (401, ErrorCode::AuthMalformed));
    // Signed by another key.
    let forger = pos_journal::signature::RecordSigner::new(ed25519_dalek::SigningKey::from_bytes(&[9; 32]));
    let key = pos_journal::signature::RecordSigner::new(pos_till::store::read_key(&dir).unwrap());
    let now = pos_server::now_ms();
    let send = |s: &pos_sync::auth::Signed, body: &[u8]| {
        http.post(&url)
            .header(header::TILL, &s.till)
            .header(header::AT, s.at_ms.to_string())
            .header(header::NONCE, &s.nonce)
            .header(header::SIGNATURE, &s.signature)
            .body(body.to_vec())
            .send()
            .unwrap()
    };
    let forged = pos_sync::auth::sign(&forger, "LYO-1", "POST", wire::PUSH, &body, now, [1; 16]);
    assert_eq!(refusal(send(&forged, &body)), (401, ErrorCode::AuthBadSignature));
    // Signed for another body.
    let other = pos_sync::auth::sign(&key, "LYO-1", "POST", wire::PUSH, b"{}", now, [2; 16]);
    assert_eq!(refusal(send(&other, &body)), (401, ErrorCode::AuthBadSignature));
    // An hour old.
    let stale = pos_sync::auth::sign(&key, "LYO-1", "POST", wire::PUSH, &body, now - 3_600_000, [3; 16]);
    assert_eq!(refusal(send(&stale, &body)), (401, ErrorCode::AuthStale));
    assert_eq!(server.records("LYO-1"), 0, "nothing of a refused request is stored");
    // A good request, then the same bytes again.
    let good = pos_sync::auth::sign(&key, "LYO-1", "POST", wire::PUSH, &body, now, [4; 16]);
    assert_eq!(send(&good, &body).status().as_u16(), 200);
    assert_eq!(refusal(send(&good, &body)), (401, ErrorCode::AuthReplayed));
    assert_eq!(server.records("LYO-1"), head(&dir));
    // A batch of another till, signed by this one.
    let mut theirs = batch(&dir, 1, 1);
    theirs.till = "PAR-1".into();
    let theirs_body = serde_json::to_vec(&theirs).unwrap();
    let s = pos_sync::auth::sign(&key, "LYO-1", "POST", wire::PUSH, &theirs_body, now, [5; 16]);
    assert_eq!(refusal(send(&s, &theirs_body)), (403, ErrorCode::WrongTill));
    // Garbage, signed.
    let s = pos_sync::auth::sign(&key, "LYO-1", "POST", wire::PUSH, b"[1,2", now, [6; 16]);
    assert_eq!(refusal(send(&s, b"[1,2")), (400, ErrorCode::MalformedBody));
    // A record whose hash is not hex.
    let mut bad = batch(&dir, 1, 1);
    bad.records[0].hash = "zz".into();
    let bad_body = serde_json::to_vec(&bad).unwrap();
    let s = pos_sync::auth::sign(&key, "LYO-1", "POST", wire::PUSH, &bad_body, now, [7; 16]);
    assert_eq!(refusal(send(&s, &bad_body)), (400, ErrorCode::MalformedRecord));
}

#[test]
fn sqlite_enrolment_and_its_refusals() {
    enrolment_and_its_refusals(Backend::Sqlite);
}
#[test]
fn postgres_enrolment_and_its_refusals() {
    enrolment_and_its_refusals(Backend::Postgres);
}
#[test]
fn sqlite_requests_not_from_the_till() {
    requests_not_from_the_till(Backend::Sqlite);
}
#[test]
fn postgres_requests_not_from_the_till() {
    requests_not_from_the_till(Backend::Postgres);
}

#[test]
fn malformed_requests_get_a_json_4xx() {
    let server = Server::start(Backend::Sqlite, "malformed");
    let http = plain();
    let at = |p: &str| format!("{}{p}", server.url);
    assert_eq!(refusal(http.get(at("/api/v0/nothing")).send().unwrap()), (404, ErrorCode::NotFound));
    assert_eq!(refusal(http.get(at(wire::PUSH)).send().unwrap()), (405, ErrorCode::MethodNotAllowed));
    assert_eq!(
        refusal(http.post(at(wire::ENROL)).body("{").send().unwrap()),
        (400, ErrorCode::MalformedBody)
    );
    assert_eq!(
        refusal(
            http.post(at(wire::ENROL))
                .body(r#"{"code":"X","till":"LYO-1","journal_key":"00","extra":1}"#)
                .send()
                .unwrap()
        ),
        (400, ErrorCode::MalformedBody)
    );
    let huge = vec![b' '; pos_server::http::BODY_LIMIT + 1];
    assert_eq!(
        refusal(http.post(at(wire::ENROL)).body(huge).send().unwrap()),
        (413, ErrorCode::BodyTooLarge)
    );
    // A request's head never finished: the connection is closed, the server goes on.
    let mut raw = std::net::TcpStream::connect(server.url.trim_start_matches("http://")).unwrap();
    std::io::Write::write_all(
        &mut raw,
        b"POST /api/v0/push HTTP/1.1\r\nHost: x\r\nContent-Length: 99999\r\n\r\n{",
    )
    .unwrap();
    drop(raw);
    let health: wire::Health =
        serde_json::from_slice(&http.get(at(wire::HEALTH)).send().unwrap().bytes().unwrap()).unwrap();
    assert_eq!((health.status.as_str(), health.backend.as_str()), ("ok", "sqlite"));
}

#[test]
fn the_openapi_document_names_every_route() {
    let server = Server::start(Backend::Sqlite, "openapi");
    let doc: serde_json::Value = serde_json::from_slice(
        &plain().get(format!("{}{}", server.url, wire::OPENAPI)).send().unwrap().bytes().unwrap(),
    )
    .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for (route, method) in [
        (wire::ENROL, "post"),
        (wire::PUSH, "post"),
        (wire::STREAMS, "get"),
        (wire::STOCK, "get"),
        (wire::HEALTH, "get"),
        (wire::TICKET_RETURNS, "get"),
    ] {
        assert!(paths.get(route).and_then(|p| p.get(method)).is_some(), "{route} {method} in {doc}");
    }
    assert_eq!(paths.len(), 12, "every route documented, and nothing else: {:?}", paths.keys());
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for s in [
        "Batch",
        "PushAnswer",
        "Ack",
        "Quarantine",
        "ApiError",
        "ErrorCode",
        "EnrolRequest",
        "Enrolled",
        "StockDelta",
        "StockLevel",
        "WebOrder",
        "WebOrderTaken",
        "Inbox",
        "RightsRequest",
        "RightsGrant",
        "CatalogueDelta",
    ] {
        assert!(schemas.contains_key(s), "schema {s}: {:?}", schemas.keys());
    }
    assert!(doc["components"]["securitySchemes"]["shop_token"].is_object(), "{doc}");
}

#[test]
fn a_stock_pull_takes_a_whole_since_and_is_signed_with_it() {
    let server = Server::start(Backend::Sqlite, "stock-query");
    let dir = new_till("LYO", 1, "stock-query");
    enrol(&server, &dir);
    let key = pos_till::store::read_key(&dir).unwrap();
    let get = |path: &str| client_of(&server).signed(&key, "LYO-1", reqwest::Method::GET, path, Vec::new());
    for bad in ["", "?since=-1", "?since=x", "?since=1&more=2", "?since=99999999999999999999"] {
        match get(&format!("{}{bad}", wire::STOCK)) {
            Err(SyncError::Refused { status: 400, code: Some(ErrorCode::MalformedQuery), .. }) => {}
            other => panic!("{bad}: {other:?}"),
        }
    }
    let delta: pos_sync::stock::StockDelta =
        serde_json::from_slice(&get(&format!("{}?since=0", wire::STOCK)).unwrap()).unwrap();
    assert_eq!((delta.upto, delta.levels.len()), (0, 0));
    // The signature covers the query: the same headers for another `since` are refused.
    let signer = pos_journal::signature::RecordSigner::new(key.clone());
    let s = pos_sync::auth::sign(
        &signer,
        "LYO-1",
        "GET",
        "/api/v0/stock?since=0",
        b"",
        chrono::Utc::now().timestamp_millis(),
        [7; 16],
    );
    let r = plain()
        .get(format!("{}{}?since=5", server.url, wire::STOCK))
        .header(wire::header::TILL, &s.till)
        .header(wire::header::AT, s.at_ms.to_string())
        .header(wire::header::NONCE, &s.nonce)
        .header(wire::header::SIGNATURE, &s.signature)
        .send()
        .unwrap();
    assert_eq!(refusal(r), (401, ErrorCode::AuthBadSignature));
}

#[test]
fn https_with_a_certificate_and_plain_http_only_on_loopback() {
    let dir = scratch("tls");
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let (cert_file, key_file) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_file, cert.cert.pem()).unwrap();
    std::fs::write(&key_file, cert.signing_key.serialize_pem()).unwrap();
    let server = Server::spawn(dir.join("data"), None, Some((cert_file.clone(), key_file)), "127.0.0.1:0");
    assert!(server.url.starts_with("https://"), "{}", server.url);
    let till = new_till("LYO", 1, "tls-till");
    enrol(&server, &till);
    sell(&till, 2, "2026-12-01T10:00:00+01:00");
    let r = pos_till::sync::round(&till).unwrap();
    assert_eq!(r.chains[0].acknowledged, head(&till));
    // A till that does not trust the certificate does not talk to it.
    match pos_till::sync::enroll(&new_till("LYO", 2, "tls-untrusting"), &server.url, "AAAA-BBBB-CCCC", None) {
        Err(SyncError::Offline(m)) => assert!(m.to_lowercase().contains("certificate"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Plain HTTP on an address other than loopback is refused at start.
    let out = std::process::Command::new(super::POS_SERVER)
        .args(["serve", "--listen", "0.0.0.0:0", "--data"])
        .arg(dir.join("plain"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--tls-cert"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
