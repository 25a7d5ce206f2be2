//! Web orders through the API: refused when unauthorised or wrong, taken once by the shop's id; a
//! click & collect order reaches its store's till, is handed over there (paid online, or paid at the
//! counter on a ticket), journaled, and collected at head office when the till syncs.

use pos_sync::web::{WebOrderState, WebOrderTaken};
use pos_sync::wire::{self, ApiError, ErrorCode};
use pos_till::engine::TenderSpec;
use pos_till::sync;
use serde_json::{Value, json};

use super::{Backend, Server, enrol, new_till, open_till, verify};

fn post(server: &Server, token: Option<&str>, body: &str) -> (u16, Value) {
    // Refused only when a provider is installed already (another test's): either way one is.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut r = reqwest::blocking::Client::new()
        .post(format!("{}{}", server.url, wire::WEB_ORDERS))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(t) = token {
        r = r.header("authorization", format!("Bearer {t}"));
    }
    let r = r.send().unwrap();
    let status = r.status().as_u16();
    (status, serde_json::from_slice(&r.bytes().unwrap()).unwrap())
}

fn order(id: &str, fulfilment: &str, store: Option<&str>, qty: u32, paid_online: bool) -> Value {
    json!({
        "order": id,
        "fulfilment": fulfilment,
        "store": store,
        "customer": {"name": "Antoine Martin", "email": "a.martin@example.org"},
        "lines": [{"sku": "PROP-1060", "qty": qty, "unit_cents": 390}],
        "paid_online": paid_online,
    })
}

fn code_of(v: &Value) -> ErrorCode {
    serde_json::from_value::<ApiError>(v.clone()).unwrap().code
}

fn web_order_to_pickup(backend: Backend) {
    let server = Server::start(backend, "web");
    let lyon = new_till("LYO", 1, "web-lyo");
    enrol(&server, &lyon);
    let token = server.cli_ok(&["shop-token", "--name", "shop"]).trim().to_owned();
    let w1 = order("W-1", "click_and_collect", Some("LYO"), 2, true).to_string();

    // Refused: no token, a wrong token, a body that is not an order, an order that is wrong, a
    // store with no till.
    assert_eq!(code_of(&post(&server, None, &w1).1), ErrorCode::ShopNotAuthorised);
    assert_eq!(code_of(&post(&server, Some("0123"), &w1).1), ErrorCode::ShopNotAuthorised);
    let (status, v) = post(&server, Some(&token), "{\"order\":");
    assert_eq!((status, code_of(&v)), (400, ErrorCode::MalformedBody));
    for bad in [
        order("W-9", "click_and_collect", Some("LYO"), 0, true),
        order("W-9", "click_and_collect", None, 1, true),
        order("W 9", "delivery", None, 1, true),
    ] {
        let (status, v) = post(&server, Some(&token), &bad.to_string());
        assert_eq!((status, code_of(&v)), (422, ErrorCode::InvalidWebOrder), "{v}");
    }
    let (status, v) =
        post(&server, Some(&token), &order("W-9", "click_and_collect", Some("NAN"), 1, true).to_string());
    assert_eq!((status, code_of(&v)), (422, ErrorCode::UnknownStore), "{v}");

    // Taken once: the same order again is the same order; another under its id is refused.
    let (status, v) = post(&server, Some(&token), &w1);
    let taken: WebOrderTaken = serde_json::from_value(v).unwrap();
    assert_eq!((status, taken.created, taken.state), (201, true, WebOrderState::ReadyForPickup));
    let (status, v) = post(&server, Some(&token), &w1);
    assert_eq!((status, v["created"].as_bool()), (200, Some(false)));
    let (status, v) =
        post(&server, Some(&token), &order("W-1", "click_and_collect", Some("LYO"), 3, true).to_string());
    assert_eq!((status, code_of(&v)), (409, ErrorCode::WebOrderConflict));
    assert_eq!(
        post(&server, Some(&token), &order("W-2", "click_and_collect", Some("LYO"), 1, false).to_string()).0,
        201
    );
    let (status, v) = post(&server, Some(&token), &order("W-3", "delivery", None, 3, true).to_string());
    assert_eq!((status, v["state"].as_str()), (201, Some("shipped")));

    // Stock: the delivery left the warehouse; the click & collect orders are reserved at Lyon.
    let stock: Value =
        serde_json::from_str(&server.cli_ok(&["stock", "show", "--sku", "PROP-1060", "--json"])).unwrap();
    assert_eq!(stock["levels"], json!([{"location": "WHS", "qty": "-3"}]), "{stock}");
    assert_eq!(stock["reserved"], json!([{"location": "LYO", "qty": "3"}]), "{stock}");

    // The orders reach Lyon's till.
    let r = sync::round(&lyon).unwrap();
    assert_eq!(r.pickups, 2, "{r:?}");
    let mut till = open_till(&lyon, "2026-12-01T11:00:00+01:00");
    till.login("S007", "2468").unwrap();
    super::open_register(&mut till);
    let waiting = till.pickups().unwrap();
    let ids: Vec<&str> = waiting.as_array().unwrap().iter().map(|p| p["order"].as_str().unwrap()).collect();
    assert_eq!(ids, ["W-1", "W-2"]);
    assert_eq!(waiting[0]["total"], "7.80");

    // W-2 is paid at the counter: not before a ticket holds it.
    let e = till.hand_over("W-2", None).unwrap_err();
    assert!(e.to_string().contains("paid at the counter"), "{e}");
    till.scan("3762200151285", 1, None, None, None).unwrap();
    let sold = till.pay(&[TenderSpec::Cash(390)], None).unwrap()["ticket"].as_str().unwrap().to_owned();
    till.hand_over("W-2", Some(&sold)).unwrap();
    // Paid online, W-1 leaves with its stock; neither goes twice, nor pays twice.
    till.hand_over("W-1", None).unwrap();
    let e = till.hand_over("W-1", None).unwrap_err();
    assert!(e.to_string().contains("already handed over"), "{e}");
    let e = till.hand_over("W-404", None).unwrap_err();
    assert!(e.to_string().contains("no click & collect order W-404"), "{e}");
    assert_eq!(till.pickups().unwrap(), json!([]));
    till.stop().unwrap();

    // Head office marks them collected when the handovers arrive; the reservation is gone and the
    // stock left Lyon once each.
    let r = sync::round(&lyon).unwrap();
    assert_eq!(r.pickups, 0, "{r:?}");
    let orders: Value = serde_json::from_str(&server.cli_ok(&["web-orders", "--json"])).unwrap();
    let state = |id: &str| {
        let o = orders.as_array().unwrap().iter().find(|o| o["order"] == id).unwrap();
        (
            o["state"].as_str().unwrap().to_owned(),
            o["collected_by"].as_str().map(|s| s.starts_with("till:LYO-1:")),
        )
    };
    assert_eq!(state("W-1"), ("collected".into(), Some(true)));
    assert_eq!(state("W-2"), ("collected".into(), Some(true)));
    assert_eq!(state("W-3"), ("shipped".into(), None));
    let stock: Value =
        serde_json::from_str(&server.cli_ok(&["stock", "show", "--sku", "PROP-1060", "--json"])).unwrap();
    assert_eq!(
        stock["levels"],
        json!([{"location": "LYO", "qty": "-3"}, {"location": "WHS", "qty": "-3"}]),
        "{stock}"
    );
    assert_eq!(stock["reserved"], json!([]), "{stock}");
    let kinds: Vec<(&str, &str)> = stock["movements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["location"].as_str().unwrap(), m["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("WHS", "web_sale"), ("LYO", "sale"), ("LYO", "web_sale")]);
    let (ok, lines) = verify(&lyon);
    assert!(ok, "{lines}");

    // Head office's messages reach the store's inbox: those to Lyon and to every store, newest
    // first, not Paris's.
    server.cli_ok(&["message", "--store", "LYO", "Inventaire dimanche à 8 h"]);
    server.cli_ok(&["message", "Soldes d'hiver mercredi"]);
    server.cli_ok(&["message", "--store", "PAR", "Livraison retardée"]);
    for bad in [vec!["message", "  "], vec!["message", "--store", "lyon", "x"]] {
        assert!(!server.cli(&bad).status.success(), "{bad:?}");
    }
    sync::round(&lyon).unwrap();
    let till = open_till(&lyon, "2026-12-01T16:00:00+01:00");
    let messages = till.messages().unwrap();
    till.stop().unwrap();
    let said: Vec<(&str, bool)> = messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["text"].as_str().unwrap(), m["every_store"].as_bool().unwrap()))
        .collect();
    assert_eq!(said, [("Soldes d'hiver mercredi", true), ("Inventaire dimanche à 8 h", false)]);
}

#[test]
fn sqlite_web_order_to_pickup() {
    web_order_to_pickup(Backend::Sqlite);
}
#[test]
fn postgres_web_order_to_pickup() {
    web_order_to_pickup(Backend::Postgres);
}
