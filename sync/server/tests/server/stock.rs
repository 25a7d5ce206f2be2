//! Stock across the chain: head office's receipts, transfers, breakage and counts, the tills' sales
//! and returns pushed, every location's level the sum of its movements; the till's look-up shows
//! head office's levels plus its own sales not yet counted.

use serde_json::Value;

use super::{Backend, Server, enrol, new_till, open_till, sell};
use pos_till::engine::TenderSpec;
use pos_till::sync;

const SKU: &str = "PROP-1060";

/// `pos-server stock show --json`: each location's level, and every movement.
fn show(server: &Server) -> (Vec<(String, String)>, Vec<Value>) {
    let v: Value = serde_json::from_str(&server.cli_ok(&["stock", "show", "--sku", SKU, "--json"])).unwrap();
    let levels = v["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["location"].as_str().unwrap().to_owned(), l["qty"].as_str().unwrap().to_owned()))
        .collect();
    (levels, v["movements"].as_array().unwrap().clone())
}

fn levels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(l, q)| (l.to_string(), q.to_string())).collect()
}

fn stock_across_the_chain(backend: Backend) {
    let server = Server::start(backend, "stock");
    let lyon = new_till("LYO", 1, "stock-lyo");
    let paris = new_till("PAR", 1, "stock-par");
    enrol(&server, &lyon);
    enrol(&server, &paris);
    let office = |args: &[&str]| server.cli_ok(&[&["stock"], args, &["--sku", SKU]].concat());
    assert!(
        office(&["receive", "--location", "WHS", "--qty", "100", "--reference", "BL-1"])
            .starts_with("recorded")
    );
    // The same delivery note again records nothing.
    assert!(
        office(&["receive", "--location", "WHS", "--qty", "100", "--reference", "BL-1"])
            .starts_with("already")
    );
    office(&["transfer", "--from", "WHS", "--to", "LYO", "--qty", "30", "--reference", "TR-1"]);
    office(&["transfer", "--from", "WHS", "--to", "PAR", "--qty", "20", "--reference", "TR-2"]);
    office(&["breakage", "--location", "PAR", "--qty", "1", "--reference", "BK-1"]);
    // The warehouse counts 49 where 50 were expected: one missing, recorded as the difference.
    office(&["count", "--location", "WHS", "--qty", "49", "--reference", "INV-1"]);
    // Quantities that are not one are refused, and record nothing.
    for (qty, why) in [("-5", "positive"), ("2.5555", "thousandth"), ("0", "positive"), ("1e3", "thousandth")]
    {
        let out = server.cli(&[
            "stock",
            "receive",
            "--location",
            "WHS",
            "--sku",
            SKU,
            "--qty",
            qty,
            "--reference",
            "X",
        ]);
        assert!(!out.status.success(), "{qty}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(why),
            "{qty}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = server.cli(&[
        "stock",
        "transfer",
        "--from",
        "LYO",
        "--to",
        "LYO",
        "--sku",
        SKU,
        "--qty",
        "1",
        "--reference",
        "T",
    ]);
    assert!(!out.status.success());

    // Lyon sells five and takes one back; Paris sells three; both sync.
    sell(&lyon, 5, "2026-12-01T10:00:00+01:00");
    {
        let mut till = open_till(&lyon, "2026-12-01T11:00:00+01:00");
        till.login("S007", "2468").unwrap();
        let first = till.ticket_view("LYO-1-T000001").unwrap();
        assert_eq!(first["lines"][0]["sku"], SKU, "{first}");
        till.return_lines("LYO-1-T000001", &[(1, 1)]).unwrap();
        let refund = pos_till::script::cents(till.basket_view().unwrap()["total"].as_str().unwrap()).unwrap();
        till.pay(&[TenderSpec::Cash(refund)], None).unwrap();
        till.stop().unwrap();
    }
    sell(&paris, 3, "2026-12-01T10:00:00+01:00");
    for dir in [&lyon, &paris] {
        let r = sync::round(dir).unwrap();
        assert!(r.stock_levels >= 3, "every location's level of the item pulled: {r:?}");
    }
    let (lv, movements) = show(&server);
    assert_eq!(lv, levels(&[("LYO", "26"), ("PAR", "16"), ("WHS", "49")]));
    // Every level is the sum of its location's movements, and the chain's stock the sum of all.
    for (location, qty) in &lv {
        let sum: i64 = movements
            .iter()
            .filter(|m| m["location"] == location.as_str())
            .map(|m| m["qty"].as_str().unwrap().parse::<i64>().unwrap())
            .sum();
        assert_eq!(sum.to_string(), *qty, "{location}");
    }
    let kinds: Vec<&str> = movements.iter().map(|m| m["kind"].as_str().unwrap()).collect();
    for k in ["receipt", "transfer_out", "transfer_in", "breakage", "count", "sale", "return"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    assert_eq!(kinds.iter().filter(|k| **k == "sale").count(), 8, "one movement per ticket line sold");
    // Lyon pulled before Paris pushed: its next round pulls Paris's level, the one after nothing;
    // no movement is recorded twice.
    assert_eq!(sync::round(&lyon).unwrap().stock_levels, 1);
    let r = sync::round(&lyon).unwrap();
    assert_eq!(r.stock_levels, 0, "{r:?}");
    assert_eq!(show(&server).1.len(), movements.len());

    // Lyon sells two more with head office away: its look-up shows head office's levels plus them.
    sell(&lyon, 2, "2026-12-01T15:00:00+01:00");
    let till = open_till(&lyon, "2026-12-01T15:30:00+01:00");
    let found = till.search("10x6").unwrap();
    let prop = found.as_array().unwrap().iter().find(|f| f["sku"] == SKU).expect("found");
    let at = |loc: &str| {
        let s = prop["stock"].as_array().unwrap().iter().find(|s| s["location"] == loc).unwrap();
        (s["qty"].as_str().unwrap().to_owned(), s["own"].as_str().unwrap().to_owned())
    };
    assert_eq!(at("LYO"), ("24".into(), "-2".into()));
    assert_eq!(at("PAR"), ("16".into(), String::new()));
    assert_eq!(at("WHS"), ("49".into(), String::new()));
}

#[test]
fn sqlite_stock_across_the_chain() {
    stock_across_the_chain(Backend::Sqlite);
}
#[test]
fn postgres_stock_across_the_chain() {
    stock_across_the_chain(Backend::Postgres);
}
