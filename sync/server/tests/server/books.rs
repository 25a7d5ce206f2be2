//! Head office's books from real pushes: supplier receipts at cost, a Lyon till's day of cash and
//! card sales, a deposit to the bank and its Z, posted by the running server within seconds; the
//! VAT per rate equals the Z the till signed, the margin is revenue less the weighted average cost
//! computed here, the FEC passes the DGFiP's structural rules; a bank statement is imported once,
//! its card settlement, deposit and supplier payment matched and lettered, the unrelated line left
//! for review.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Backend, Server, enrol, open_till, scratch};
use pos_till::engine::{Approval, TenderSpec};

const PROP: &str = "3762200151285"; // PROP-1060, 3.90 TTC at 20 %

/// Waits (a few seconds at most) until the books' VAT report for the day shows `base` at 20 %.
fn vat_when(server: &Server, day: &str, base: i64) -> Vec<Value> {
    let mut last = Vec::new();
    for _ in 0..100 {
        let out = server.cli_ok(&["report", "vat", "--from", day, "--to", day, "--json"]);
        last = serde_json::from_str::<Vec<Value>>(&out).unwrap();
        if last.iter().any(|r| r["rate"] == "20" && r["base"] == base) {
            return last;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the books never showed a base of {base} at 20 % on {day}: {last:?}");
}

/// A CAMT.053 statement of `lines` (booked, signed cents, label, reference).
pub(super) fn camt053(opening: i64, lines: &[(&str, i64, &str, &str)]) -> String {
    let amount = |c: i64| format!("{}.{:02}", c.unsigned_abs() / 100, c.unsigned_abs() % 100);
    let closing = opening + lines.iter().map(|l| l.1).sum::<i64>();
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>T1</MsgId></GrpHdr><Stmt><Id>S1</Id>
<Acct><Id><IBAN>FR7630001007941234567890185</IBAN></Id><Ccy>EUR</Ccy></Acct>"#,
    );
    for (code, bal) in [("OPBD", opening), ("CLBD", closing)] {
        x.push_str(&format!(
            "<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>{}</CdtDbtInd><Dt><Dt>2026-12-02</Dt></Dt></Bal>\n",
            amount(bal),
            if bal < 0 { "DBIT" } else { "CRDT" }
        ));
    }
    for (i, (booked, cents, label, reference)) in lines.iter().enumerate() {
        x.push_str(&format!(
            "<Ntry><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>{}</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>{booked}</Dt></BookgDt><ValDt><Dt>{booked}</Dt></ValDt><AcctSvcrRef>BK-{i}</AcctSvcrRef>\
             <NtryDtls><TxDtls><Refs><EndToEndId>{reference}</EndToEndId></Refs><RmtInf><Ustrd>{label}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n",
            amount(*cents),
            if *cents < 0 { "DBIT" } else { "CRDT" }
        ));
    }
    x.push_str("</Stmt></BkToCstmrStmt></Document>\n");
    x
}

fn books_of_a_day(backend: Backend) {
    let server = Server::start(backend, "books");
    server.cli_ok(&["catalogue", "import", "--fixtures", super::fixtures().to_str().unwrap()]);
    // Two deliveries of propellers at different costs: the average is 1.65.
    let receive = |qty: &str, cost: &str, reference: &str| {
        server.cli_ok(&[
            "stock",
            "receive",
            "--location",
            "LYO",
            "--sku",
            "PROP-1060",
            "--qty",
            qty,
            "--reference",
            reference,
            "--supplier",
            "FRS-PROPS",
            "--cost",
            cost,
            "--date",
            "2026-11-28",
        ])
    };
    receive("100", "1.50", "FA-1");
    receive("100", "1.80", "FA-2");
    let refused = server.cli(&[
        "stock",
        "receive",
        "--location",
        "LYO",
        "--sku",
        "PROP-1060",
        "--qty",
        "1",
        "--reference",
        "FA-3",
        "--supplier",
        "FRS-PROPS",
        "--cost",
        "1,5",
    ]);
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("not an amount"));
    // Two broken in the stockroom, and a count that finds one fewer than the books: both leave the
    // stock at the average cost.
    server.cli_ok(&[
        "stock",
        "breakage",
        "--location",
        "LYO",
        "--sku",
        "PROP-1060",
        "--qty",
        "2",
        "--reference",
        "CASSE-1",
    ]);
    server.cli_ok(&[
        "stock",
        "count",
        "--location",
        "LYO",
        "--sku",
        "PROP-1060",
        "--qty",
        "197",
        "--reference",
        "INV-1",
    ]);

    let lyon = super::new_till("LYO", 1, "books-lyo");
    enrol(&server, &lyon);
    // The web shop: a click & collect order for Lyon paid online, a delivery shipped from the
    // warehouse.
    let token = server.cli_ok(&["shop-token", "--name", "shop"]).trim().to_owned();
    let _ = rustls::crypto::ring::default_provider().install_default();
    for (id, fulfilment, store, qty) in
        [("W-1", "click_and_collect", Some("LYO"), 2), ("W-3", "delivery", None, 1)]
    {
        let body = serde_json::json!({
            "order": id, "fulfilment": fulfilment, "store": store,
            "customer": {"name": "Antoine Martin", "email": "a.martin@example.org"},
            "lines": [{"sku": "PROP-1060", "qty": qty, "unit_cents": 390}], "paid_online": true,
        });
        let r = reqwest::blocking::Client::new()
            .post(format!("{}{}", server.url, pos_sync::wire::WEB_ORDERS))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }
    pos_till::sync::round(&lyon).unwrap();
    let mut till = open_till(&lyon, "2026-12-01T10:00:00+01:00");
    till.login("S007", "2468").unwrap();
    till.open_register(10_000, None).unwrap();
    let mut card = 0;
    let mut cash = 0;
    for i in 0..8 {
        till.scan(PROP, 1 + i % 2, None, None, None).unwrap();
        let total = pos_till::script::cents(till.basket_view().unwrap()["total"].as_str().unwrap()).unwrap();
        if i % 2 == 0 {
            till.pay(&[TenderSpec::Card(total)], None).unwrap();
            card += total;
        } else {
            till.pay(&[TenderSpec::Cash(total)], None).unwrap();
            cash += total;
        }
    }
    till.hand_over("W-1", None).unwrap();
    till.cash_to_bank(1_000, "RM-LYO-1", None).unwrap();
    let expected = 10_000 + cash - 1_000;
    let counted = BTreeMap::from([("0.01".to_owned(), expected)]);
    let manager = Approval { staff: "S006".into(), pin: "90517".into() };
    let z = till.close_register(&counted, Some(&manager)).unwrap();
    till.stop().unwrap();
    pos_till::sync::round(&lyon).unwrap();

    // The Z the till signed: VAT per rate.
    let zvat = &z["z"]["totals"]["vat"];
    let base20 = zvat["20"]["base"].as_i64().unwrap();
    // The day's VAT: the Z's, and the click & collect order handed over that day (7.80: 6.50 + 1.30).
    let vat = vat_when(&server, "2026-12-01", base20 + 650);
    let row = vat.iter().find(|r| r["rate"] == "20").unwrap();
    let z20 = zvat["20"]["vat"].as_i64().unwrap();
    assert_eq!(row["collected"].as_i64().unwrap(), z20 + 130, "the Z's VAT and the order's, to the cent");
    assert_eq!(vat.iter().filter(|r| r["base"].as_i64().unwrap_or(0) != 0).count(), 1, "{vat:?}");
    assert!(vat.iter().all(|r| r["rate"] != "deductible"), "the purchases are dated 28 November: {vat:?}");
    let november: Vec<Value> = serde_json::from_str(&server.cli_ok(&[
        "report",
        "vat",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--json",
    ]))
    .unwrap();
    assert_eq!(
        november,
        vec![
            serde_json::json!({"rate": "deductible", "base": 0, "collected": 0, "deductible": 3_000 + 3_600})
        ]
    );

    // The margin: revenue less 12 propellers at the weighted average cost, worked out here.
    let units: i64 = (0..8).map(|i| 1 + i % 2).sum();
    let average = (100 * 150 + 100 * 180) / 200;
    let pnl: Vec<Value> = serde_json::from_str(&server.cli_ok(&[
        "report",
        "pnl",
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-01",
        "--json",
    ]))
    .unwrap();
    let row = |store: &str, channel: &str| {
        pnl.iter()
            .find(|r| r["family"] == "PROP" && r["store"] == store && r["channel"] == channel)
            .unwrap_or_else(|| panic!("{store} {channel}: {pnl:?}"))
    };
    let prop = row("LYO", "store");
    let web = row("LYO", "web");
    assert_eq!(
        (web["revenue"].as_i64(), web["cost"].as_i64()),
        (Some(650), Some(2 * average)),
        "W-1 handed over"
    );
    assert_eq!(prop["revenue"].as_i64().unwrap(), base20);
    assert_eq!(prop["cost"].as_i64().unwrap(), units * average);
    assert_eq!(prop["margin"].as_i64().unwrap(), base20 - units * average);

    // Paid online, both orders are owed by the payment provider; handed over or shipped, nothing
    // is left on the customers' prepayments.
    let (rt, storage) = server.storage();
    let all = rt
        .block_on(
            storage.entries_between(
                chrono::NaiveDate::MIN,
                chrono::NaiveDate::from_ymd_opt(9999, 1, 1).unwrap(),
            ),
        )
        .unwrap();
    let balance = |account: &str| -> i64 {
        all.iter().flat_map(|e| &e.lines).filter(|l| l.account == account).map(|l| l.debit - l.credit).sum()
    };
    assert_eq!(balance("467000"), 780 + 390);
    assert_eq!(balance("419120"), 0);
    assert_eq!(balance("471000"), 0, "nothing left to analyse");
    let adjusted = |piece: &str| -> i64 {
        all.iter()
            .filter(|e| e.piece == piece)
            .flat_map(|e| &e.lines)
            .filter(|l| l.account == "603700")
            .map(|l| l.debit)
            .sum()
    };
    assert_eq!((adjusted("Casse CASSE-1"), adjusted("Inventaire INV-1")), (2 * average, average));

    // The bank's statement of the next day: the card takings net of 0.9 %, the deposit, the
    // first invoice paid, and a line nobody can explain.
    let fee = (card * 90 + 5_000) / 10_000;
    let statement = camt053(
        500_000,
        &[
            ("2026-12-02", card - fee, "REMISE CB 2234501 011226", "NOTPROVIDED"),
            ("2026-12-02", 1_000, "VERSEMENT ESPECES", "RM-LYO-1"),
            ("2026-12-02", -18_000, "VIR SEPA FRS-PROPS", "FA-1"),
            ("2026-12-02", -4_999, "PRLV SEPA ASSURANCE", "NOTPROVIDED"),
        ],
    );
    let file = scratch("books-bank").join("releve-20261202.xml");
    std::fs::write(&file, &statement).unwrap();
    let first = server.cli_ok(&["import-bank", file.to_str().unwrap()]);
    assert!(first.contains("4 lines, 4 new, 0 already imported"), "{first}");
    let again = server.cli_ok(&["import-bank", file.to_str().unwrap()]);
    assert!(again.contains("4 lines, 0 new, 4 already imported"), "{again}");
    // A file whose closing balance the lines do not reach imports nothing.
    let torn = scratch("books-bank-torn").join("torn.xml");
    std::fs::write(
        &torn,
        statement
            .replacen("<Ntry>", "<Ntry><!-- -->", 1)
            .replace("BK-3", "BK-9")
            .replacen("4999", "4998", 1)
            .replacen("49.99", "49.98", 1),
    )
    .unwrap();
    let out = server.cli(&["import-bank", torn.to_str().unwrap()]);
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("nothing was imported"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let rec = server.cli_ok(&["reconcile"]);
    assert!(rec.starts_with("3 lines matched automatically (1 card settlements, 1 deposits, 1 supplier payments), 1 left for review"), "{rec}");
    assert!(rec.contains("BK-3"), "{rec}");
    // Reconciling again matches nothing twice.
    assert!(server.cli_ok(&["reconcile"]).starts_with("0 lines matched automatically"));

    let cash_report: Vec<Value> = serde_json::from_str(&server.cli_ok(&[
        "report",
        "cash",
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-31",
        "--json",
    ]))
    .unwrap();
    let closing = |account: &str, aux: &str| {
        cash_report
            .iter()
            .find(|r| r["account"] == account && r["aux"] == aux)
            .map(|r| r["closing"].as_i64().unwrap())
    };
    assert_eq!(
        closing("530000", "LYO-1"),
        Some(expected - 10_000),
        "the drawer holds the day's cash less the deposit (the float was never posted)"
    );
    assert_eq!(closing("580000", ""), Some(0), "the deposit reached the bank");
    assert_eq!(closing("512000", ""), Some(card - fee + 1_000 - 18_000));

    let out = scratch("books-fec");
    let said =
        server.cli_ok(&["fec", "--siren", "837419621", "--year", "2026", "--out", out.to_str().unwrap()]);
    assert!(said.contains("837419621FEC20261231.txt"), "{said}");
    let fec = std::fs::read(out.join("837419621FEC20261231.txt")).unwrap();
    let checked = pos_ledger::fec::check(&fec, "AN").unwrap_or_else(|e| panic!("{e}"));
    assert!(checked.entries >= 8 + 8 + 4 + 3, "{checked:?}");
    let text: String = fec.iter().map(|&b| b as char).collect();
    let lettered: Vec<&str> =
        text.lines().skip(1).filter(|l| l.split('\t').nth(13).is_some_and(|x| !x.is_empty())).collect();
    // Each card ticket's 511200 line and the settlement's, the deposit's two 580000 lines, the
    // invoice's 401000 line and the payment's.
    assert_eq!(lettered.len(), 4 + 1 + 2 + 2, "{lettered:#?}");
    assert!(
        server.cli(&["fec", "--siren", "83741962", "--year", "2026", "--out", "/tmp"]).status.code()
            != Some(0)
    );
}

#[test]
fn sqlite_books_of_a_day() {
    books_of_a_day(Backend::Sqlite);
}
#[test]
fn postgres_books_of_a_day() {
    books_of_a_day(Backend::Postgres);
}
