//! A web purchase brought back to a store: the till asks head office for the order, takes units
//! back at the price paid online, refunds or credits them there; another store's till sees what
//! came back once the first one synced (and its own returns at once); head office counts them and
//! the store's stock takes the units in.

use pos_till::engine::TenderSpec;
use pos_till::sync;
use serde_json::json;

use super::{Backend, Server, enrol, new_till, returnable, till_at, verify};

const LYON: (&str, &str) = ("S007", "2468");
const PARIS: (&str, &str) = ("S002", "1937");

fn post_order(server: &Server, token: &str, order: serde_json::Value) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let r = reqwest::blocking::Client::new()
        .post(format!("{}{}", server.url, pos_sync::wire::WEB_ORDERS))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(order.to_string())
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{:?}", r.text());
}

fn web_purchase_returned_in_store(backend: Backend) {
    let mut server = Server::start(backend, "web-return");
    let lyon = new_till("LYO", 1, "web-return-lyo");
    let paris = new_till("PAR", 1, "web-return-par");
    enrol(&server, &lyon);
    enrol(&server, &paris);
    let token = server.cli_ok(&["shop-token", "--name", "shop"]).trim().to_owned();
    let customer = json!({"name": "Antoine Martin", "email": "a.martin@example.org"});
    // Bought online at 3.50 a propeller (3.90 in the stores) and delivered; another order waits
    // for its pickup in Lyon.
    post_order(
        &server,
        &token,
        json!({"order": "W-R1", "fulfilment": "delivery", "customer": customer, "paid_online": true,
               "lines": [{"sku": "PROP-1060", "qty": 3, "unit_cents": 350}]}),
    );
    post_order(
        &server,
        &token,
        json!({"order": "W-R2", "fulfilment": "click_and_collect", "store": "LYO", "customer": customer,
               "paid_online": true, "lines": [{"sku": "PROP-1060", "qty": 1, "unit_cents": 350}]}),
    );

    let mut till = till_at(&lyon, "2026-12-01T10:00:00+01:00", LYON);
    let e = till.ticket_view("WEB/W-NONE").unwrap_err().to_string();
    assert!(e.contains("knows no web order W-NONE"), "{e}");
    let e = till.return_lines("WEB/W-R2", &[]).unwrap_err().to_string();
    assert!(e.contains("not with its customer yet"), "{e}");
    let view = till.ticket_view("WEB/W-R1").unwrap();
    assert_eq!((view["total"].as_str(), view["customer"].as_str()), (Some("10.50"), Some("Antoine Martin")));
    assert_eq!(returnable(&till, "WEB/W-R1"), vec![3]);

    // Two units back in Lyon, credited at the price paid online.
    let basket = till.return_lines("WEB/W-R1", &[(1, 2)]).unwrap();
    assert_eq!(basket["total"].as_str(), Some("-7.00"), "{basket}");
    assert_eq!(returnable(&till, "WEB/W-R1"), vec![1], "a basket's return counts at once");
    let e = till.return_lines("WEB/W-R1", &[(1, 2)]).unwrap_err().to_string();
    assert!(e.contains("1"), "{e}");
    let paid = till.pay(&[TenderSpec::StoreCredit { note: String::new(), cents: -700 }], None).unwrap();
    assert!(paid["credit_notes"][0]["note"].is_string(), "{paid}");
    assert_eq!(returnable(&till, "WEB/W-R1"), vec![1], "its own return counts before any sync");
    till.stop().unwrap();

    // Paris sees Lyon's return once Lyon synced; takes the last unit back for cash.
    let till = till_at(&paris, "2026-12-01T11:00:00+01:00", PARIS);
    assert_eq!(returnable(&till, "WEB/W-R1"), vec![3], "Lyon has not synced");
    till.stop().unwrap();
    sync::round(&lyon).unwrap();
    let mut till = till_at(&paris, "2026-12-01T11:30:00+01:00", PARIS);
    assert_eq!(returnable(&till, "WEB/W-R1"), vec![1]);
    till.return_lines("WEB/W-R1", &[]).unwrap();
    till.pay(&[TenderSpec::Cash(-350)], None).unwrap();
    let e = till.return_lines("WEB/W-R1", &[]).unwrap_err().to_string();
    assert!(e.contains("already") || e.contains("nothing"), "{e}");

    // Offline, a web order cannot be looked up: said so, nothing recorded.
    server.kill();
    let e = till.ticket_view("WEB/W-R1").unwrap_err().to_string();
    assert!(e.contains("head office cannot be asked now"), "{e}");
    till.stop().unwrap();
    let server = server.restart();
    for dir in [&lyon, &paris] {
        let r = sync::round(dir).unwrap();
        assert_eq!(r.waiting(), 0, "{r:?}");
        let (ok, lines) = verify(dir);
        assert!(ok, "{lines}");
    }
    // Head office counted every unit back; the stores' stock took them in.
    let (rt, s) = server.storage();
    let o = rt.block_on(s.returnable_order("W-R1", "HO")).unwrap().unwrap();
    assert_eq!(o.lines[0].returned_elsewhere, 3);
    let levels = rt.block_on(s.stock_of("PROP-1060")).unwrap();
    let at = |loc: &str| levels.iter().find(|l| l.location == loc).map(|l| l.qty.to_string());
    assert_eq!((at("LYO"), at("PAR")), (Some("2".into()), Some("1".into())), "{levels:?}");
}

#[test]
fn sqlite_web_purchase_returned_in_store() {
    web_purchase_returned_in_store(Backend::Sqlite);
}

#[test]
fn postgres_web_purchase_returned_in_store() {
    web_purchase_returned_in_store(Backend::Postgres);
}
