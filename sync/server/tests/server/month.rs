//! A month of the demo chain run end to end by `pos-server demo-month`: five tills selling through
//! the real engine and pushing by the sync protocol, suppliers' receipts at cost, the bank's month
//! in CAMT.053, CFONB 120 and OFX imported and reconciled. The FEC balances and passes the DGFiP's
//! structural rules; the VAT per rate is the sum of the Z reports the tills signed; the P&L's cost
//! is the weighted average cost worked out here from the receipts and the tickets; at least 95 %
//! of the bank's lines are matched and none wrongly.

use std::collections::BTreeMap;

use pos_journal::ChainName;
use pos_journal::body::Entry;
use pos_journal::record::Kind;
use serde_json::Value;

use super::{Backend, Server, scratch};

const TILLS: [&str; 5] = ["PAR-1", "PAR-2", "LYO-1", "LYO-2", "NAN-1"];

fn a_month_of_the_demo_chain(backend: Backend) {
    let server = Server::start(backend, "month");
    let fixtures = super::fixtures();
    let said = server.cli_ok(&[
        "demo-month",
        "--month",
        "2026-11",
        "--tickets-per-day",
        "4",
        "--fixtures",
        fixtures.to_str().unwrap(),
    ]);
    let summary =
        said.lines().find(|l| l.contains("lines matched automatically")).unwrap_or_else(|| panic!("{said}"));
    let numbers: Vec<u64> =
        summary.split(|c: char| !c.is_ascii_digit()).filter_map(|w| w.parse().ok()).collect();
    let (matched, review) = (numbers[0], numbers[4]);
    assert!(matched * 100 >= (matched + review) * 95, "{summary}");
    // A month is simulated once into a folder.
    assert!(
        !server
            .cli(&["demo-month", "--month", "2026-12", "--fixtures", fixtures.to_str().unwrap()])
            .status
            .success()
    );

    // No line matched wrongly: each match settles what the bank's line was for.
    let truth: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(server.data.join("bank/truth.json")).unwrap()).unwrap();
    let truth: BTreeMap<String, Vec<String>> = truth
        .iter()
        .map(|t| {
            (
                t["label"].as_str().unwrap().to_owned(),
                t["items"].as_array().unwrap().iter().map(|i| i.as_str().unwrap().to_owned()).collect(),
            )
        })
        .collect();
    let (rt, storage) = server.storage();
    let lines = rt.block_on(storage.bank_lines()).unwrap();
    let matches = rt.block_on(storage.bank_matches()).unwrap();
    // Every flow posted, and every Z tied out to the cent against the entries of its tickets.
    assert_eq!(rt.block_on(storage.books_problems()).unwrap(), Vec::<(String, String)>::new());
    assert_eq!(lines.len(), truth.len(), "every line of the bank's files imported once");
    assert_eq!(matches.len() as u64, matched);
    for m in &matches {
        let line = &lines.iter().find(|(_, l)| l.id == m.line).unwrap().1;
        let mut expected = truth[line.label.trim()].clone();
        let mut got = m.items.clone();
        expected.sort();
        got.sort();
        assert_eq!(got, expected, "{}", line.label);
    }

    // The tills' signed Z reports of the month, and their tickets.
    let mut z_vat: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut tickets = Vec::new();
    for (k, till) in TILLS.iter().enumerate() {
        let conn = pos_till::store::open_db(&server.data.join("demo-tills").join(till)).unwrap();
        for r in pos_till::store::records_of_kind(&conn, ChainName::Live, Kind::Closure).unwrap() {
            if let Entry::Closure(c) = r.entry
                && c.key.starts_with("2026-11-")
            {
                for (rate, v) in c.totals.vat {
                    let e = z_vat.entry(rate).or_default();
                    e.0 += v.base;
                    e.1 += v.vat;
                }
            }
        }
        for r in pos_till::store::records_of_kind(&conn, ChainName::Live, Kind::Ticket).unwrap() {
            if let Entry::Ticket(t) = r.entry {
                tickets.push((t.day.clone(), k + 1, r.header.seq, t.stock_moves));
            }
        }
        // Click & collect orders handed over: their stock left with them.
        for r in pos_till::store::records_of_kind(&conn, ChainName::Live, Kind::Event).unwrap() {
            if let Entry::PickupHandedOver { stock_moves, .. } = r.entry {
                tickets.push((r.header.at[..10].to_owned(), k + 1, r.header.seq, stock_moves));
            }
        }
    }
    let vat: Vec<Value> = serde_json::from_str(&server.cli_ok(&[
        "report",
        "vat",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--channel",
        "store",
        "--json",
    ]))
    .unwrap();
    for (rate, (base, collected)) in &z_vat {
        let row =
            vat.iter().find(|r| r["rate"] == rate.as_str()).unwrap_or_else(|| panic!("{rate}: {vat:?}"));
        assert_eq!(
            (row["base"].as_i64().unwrap(), row["collected"].as_i64().unwrap()),
            (*base, *collected),
            "VAT at {rate} %"
        );
    }
    let all: Vec<Value> = serde_json::from_str(&server.cli_ok(&[
        "report",
        "vat",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--json",
    ]))
    .unwrap();
    assert!(
        all.iter().any(|r| r["rate"] == "deductible" && r["deductible"].as_i64().unwrap() > 0),
        "the receipts of the 15th"
    );
    let web: Vec<Value> = serde_json::from_str(&server.cli_ok(&[
        "report",
        "vat",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--channel",
        "web",
        "--json",
    ]))
    .unwrap();
    for r in all.iter().filter(|r| r["rate"] != "deductible") {
        let part = |rows: &[Value], k: &str| {
            rows.iter().find(|x| x["rate"] == r["rate"]).map_or(0, |x| x[k].as_i64().unwrap())
        };
        assert_eq!(r["base"].as_i64().unwrap(), part(&vat, "base") + part(&web, "base"), "store + web");
        assert!(part(&web, "base") > 0 || r["rate"] != "20", "the web's sales: {web:?}");
    }

    // The cost of goods at weighted average cost, worked out from the receipts and the tickets in
    // the order head office received them: each day the suppliers' deliveries, then each till.
    let receipts: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(server.data.join("receipts.json")).unwrap()).unwrap();
    // The web shop's deliveries leave the warehouse as they are taken, before the tills' day.
    let orders: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(server.data.join("web-orders.json")).unwrap()).unwrap();
    for (i, o) in orders.iter().enumerate().filter(|(_, o)| o["order"]["fulfilment"] == "delivery") {
        let moves = o["order"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["sku"].as_str().unwrap().to_owned(), l["qty"].to_string()))
            .collect();
        tickets.push((o["day"].as_str().unwrap().to_owned(), 0, i as u64, moves));
    }
    // Ordered by day, the deliveries (0) before the tills (1 + their rank), each till's records in
    // their order.
    tickets.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
    let mut stock: BTreeMap<String, (i128, i128)> = BTreeMap::new();
    let round = |n: i128, d: i128| (2 * n + d.signum() * n.signum() * d.abs()) / (2 * d);
    let mut applied = 0;
    let mut cost = 0i128;
    for (day, _, _, moves) in &tickets {
        while applied < receipts.len()
            && receipts[applied]["day"].as_str().unwrap().max("2026-11-01") <= day.as_str()
        {
            let r = &receipts[applied];
            let qty = i128::from(r["qty"].as_i64().unwrap());
            let value = i128::from(r["unit_cost"].as_i64().unwrap()) * qty / 1000;
            let e = stock.entry(r["sku"].as_str().unwrap().to_owned()).or_default();
            e.0 += qty;
            e.1 += value;
            applied += 1;
        }
        for (sku, q) in moves {
            let q = i128::from(pos_ledger::post::milli(q).unwrap());
            let e = stock.get_mut(sku).unwrap_or_else(|| panic!("{sku} sold before any receipt"));
            let c = if q >= 0 { round(e.1 * q, e.0) } else { -round(e.1 * -q, e.0) };
            e.0 -= q;
            e.1 = if e.0 == 0 { 0 } else { e.1 - c };
            if day.starts_with("2026-11") {
                cost += c;
            }
        }
    }
    let pnl: Vec<Value> = serde_json::from_str(&server.cli_ok(&[
        "report",
        "pnl",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--json",
    ]))
    .unwrap();
    let sum = |k: &str| pnl.iter().map(|r| i128::from(r[k].as_i64().unwrap())).sum::<i128>();
    assert_eq!(sum("cost"), cost, "the cost of goods at weighted average cost");
    let revenue: i64 = z_vat.values().map(|v| v.0).sum();
    let store_revenue: i128 = pnl
        .iter()
        .filter(|r| r["channel"] == "store")
        .map(|r| i128::from(r["revenue"].as_i64().unwrap()))
        .sum();
    assert_eq!(store_revenue, i128::from(revenue), "the stores' revenue is the Z reports' bases");
    assert!(sum("revenue") > store_revenue, "and the web's");
    assert_eq!(sum("margin"), sum("revenue") - cost);
    for store in ["PAR", "LYO", "NAN"] {
        assert!(pnl.iter().any(|r| r["store"] == store && r["margin"].as_i64().unwrap() > 0), "{store}");
    }

    // The FEC of the year.
    let out = scratch("month-fec");
    server.cli_ok(&["fec", "--siren", "837419621", "--year", "2026", "--out", out.to_str().unwrap()]);
    let fec = std::fs::read(out.join("837419621FEC20261231.txt")).unwrap();
    let checked = pos_ledger::fec::check(&fec, "AN").unwrap_or_else(|e| panic!("{e}"));
    assert!(checked.entries as usize > tickets.len(), "{checked:?}");
    let cash: Vec<Value> = serde_json::from_str(&server.cli_ok(&[
        "report",
        "cash",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--json",
    ]))
    .unwrap();
    let transit = cash.iter().find(|r| r["account"] == "580000").unwrap();
    assert!(
        transit["closing"].as_i64().unwrap() > 0,
        "the deposit the bank never booked is still on its way: {transit}"
    );
}

#[test]
fn sqlite_a_month_of_the_demo_chain() {
    a_month_of_the_demo_chain(Backend::Sqlite);
}
#[test]
fn postgres_a_month_of_the_demo_chain() {
    a_month_of_the_demo_chain(Backend::Postgres);
}
