//! pos-till integration tests: real SQLite files, a real child process killed with SIGKILL, the real
//! `pos-till` binary for verification.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use pos_drivers::printer::FolderPrinter;
use pos_drivers::terminal::{PaymentRequest, PaymentTerminal, SimBehaviour, SimTerminal};
use pos_journal::body::{Entry, LineSpec, LoginFailure};
use pos_journal::{ChainName, Kind};
use pos_till::engine::{Approval, Clock, TenderSpec, Till};
use pos_till::store;
use rusqlite::Connection;
use serde_json::{Value, json};

const POS_TILL: &str = env!("CARGO_BIN_EXE_pos-till");

#[path = "till/devices.rs"]
mod devices;
#[path = "till/events.rs"]
mod events;
#[path = "till/forgeries.rs"]
mod forgeries;
#[path = "till/numbers.rs"]
mod numbers;
#[path = "till/owner.rs"]
mod owner;
#[path = "till/property.rs"]
mod property;
#[path = "till/typescript.rs"]
mod typescript;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo")
}

fn scratch(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "pos-till-test-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn new_till(name: &str) -> PathBuf {
    let dir = scratch(name);
    Till::init(&dir, "LYO", 1, &fixtures(), at("2026-12-01T08:00:00+01:00")).unwrap();
    dir
}

fn open(dir: &Path, when: &str) -> (Till, SimTerminal) {
    let terminal = SimTerminal::new(dir.join("terminal-sim.log"));
    let printer = FolderPrinter::new(dir.join("receipts")).unwrap();
    let till = Till::open(dir, Clock::Set(at(when)), Box::new(printer), Box::new(terminal.clone())).unwrap();
    (till, terminal)
}

fn manager() -> Approval {
    Approval { staff: "S006".into(), pin: "90517".into() }
}

fn cents(v: &Value) -> i64 {
    pos_till::script::cents(v.as_str().unwrap()).unwrap()
}

fn records(dir: &Path) -> u64 {
    let conn = store::open_db(dir).unwrap();
    conn.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0)).unwrap()
}

/// The first line of what a command printed (`verify`: `OK …` or `BROKEN …`).
fn first(out: &str) -> &str {
    out.lines().next().unwrap_or_default()
}

/// `pos-till verify` on `dir`; a journal it accepts must also read typed, every record of both
/// chains written back from the journal crate's types byte for byte (format 1 is frozen).
fn verify_cli(dir: &Path) -> (bool, String) {
    let out = Command::new(POS_TILL).args(["verify", "--data"]).arg(dir).output().unwrap();
    if out.status.success() {
        every_record_reads_typed(dir);
    }
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Reads every record of the till in `dir` with the journal crate's types and writes it back,
/// byte for byte; the number of records.
fn every_record_reads_typed(dir: &Path) -> usize {
    let conn = rusqlite::Connection::open(dir.join(store::DB_FILE)).unwrap();
    let mut stmt = conn.prepare("SELECT chain, seq, bytes FROM journal ORDER BY chain, seq").unwrap();
    let rows: Vec<(String, u64, Vec<u8>)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    for (chain, seq, bytes) in &rows {
        if let Err(e) = pos_journal::body::Entry::read(bytes) {
            panic!("{chain} record {seq} does not read typed ({e}): {}", String::from_utf8_lossy(bytes));
        }
    }
    rows.len()
}

const PLANE: &str = "3761100080190"; // 249.00, 20 %
const LIPO: &str = "3761300238575"; // 24.90 + eco 0.10
const PROP: &str = "3762200151285"; // 3.90
const MAG: &str = "9771629871128"; // 6.90 at 5.5 %
const GLUE: &str = "3762100072093"; // 6.50
const SERVO: &str = "3761600076143"; // 4.90
const CHARGER: &str = "3761300238599"; // serial-tracked
const KIT: &str = "3761000001035"; // kit, 18.90
const BALSA_455G: &str = "2100123004553"; // scale label: PLU 00123, 455 g

/// What the test itself adds up, independently of the engine's reports.
#[derive(Default)]
struct Book {
    tickets: i64,
    total: i64,
    cash: i64,
    tenders: BTreeMap<String, i64>,
    gift_cards_sold: i64,
}

impl Book {
    fn paid(&mut self, result: &Value, tenders: &[TenderSpec]) {
        self.tickets += 1;
        let total = cents(&result["total"]);
        self.total += total;
        let change = cents(&result["change"]);
        for t in tenders {
            let (k, c) = match t {
                TenderSpec::Cash(c) => ("cash", *c - change),
                TenderSpec::Card(c) => ("card", *c),
                TenderSpec::GiftCard { cents, .. } => ("gift_card", *cents),
                TenderSpec::StoreCredit { cents, .. } => ("store_credit", *cents),
                TenderSpec::Points(p) => ("loyalty", i64::from(*p) * 5 * total.signum()),
            };
            *self.tenders.entry(k.into()).or_default() += c;
            if k == "cash" {
                self.cash += c;
            }
        }
    }
}

#[test]
fn a_full_day_at_lyon_closes_with_a_z_that_matches_the_tickets() {
    let dir = new_till("day");
    let (mut till, _terminal) = open(&dir, "2026-12-05T09:00:00+01:00");
    till.login("S007", "2468").unwrap();
    till.open_register(15_000, None).unwrap();
    let mut book = Book::default();
    let mut refs = Vec::new();
    let items = [PLANE, LIPO, PROP, MAG, GLUE, SERVO, KIT];
    for i in 0..44usize {
        // Two to four items, a varied mix; every fifth a scale label, every seventh a charger.
        for k in 0..(2 + i % 3) {
            till.scan(items[(i * 3 + k) % items.len()], 1 + (k as u32 % 2), None, None, None).unwrap();
        }
        if i % 5 == 0 {
            till.scan(BALSA_455G, 1, None, None, None).unwrap();
        }
        if i % 7 == 0 {
            till.scan(CHARGER, 1, None, Some(format!("B6N-{i:04}")), None).unwrap();
        }
        if i % 4 == 1 {
            till.attach_customer("C00042").unwrap();
        }
        let total = cents(&till.basket_view().unwrap()["total"]);
        let tenders = match i % 4 {
            0 => vec![TenderSpec::Cash((total / 1000 + 1) * 1000)],
            1 => vec![TenderSpec::Card(total)],
            2 => vec![TenderSpec::Card(total / 2), TenderSpec::Cash(total - total / 2)],
            _ => vec![TenderSpec::Cash(total)],
        };
        let r = till.pay(&tenders, None).unwrap();
        book.paid(&r, &tenders);
        refs.push(r["ticket"].as_str().unwrap().to_owned());
    }
    // A weighed item with its ordinary barcode and the scale's weight: 250 g of balsa at 18.00/kg.
    let r = till.scan("3761000001004", 1, Some(250), None, None).unwrap();
    assert_eq!(r["net"], "4.50");
    assert!(
        till.scan("3761000001004", 1, None, None, None)
            .unwrap_err()
            .to_string()
            .contains("type its weight in grams")
    );
    let t = [TenderSpec::Cash(450)];
    book.paid(&till.pay(&t, None).unwrap(), &t);
    // Gift cards: sold, then spent across two tickets; a balance can never be overdrawn.
    till.sell_gift_card("GC-DAY-1", 6_000, None).unwrap();
    let t = [TenderSpec::Card(6_000)];
    book.paid(&till.pay(&t, None).unwrap(), &t);
    book.gift_cards_sold += 6_000;
    till.scan(PLANE, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    let before = records(&dir);
    let err = till.pay(&[TenderSpec::GiftCard { card: "GC-DAY-1".into(), cents: total }], None).unwrap_err();
    assert!(err.to_string().contains("GC-DAY-1 has 60.00 left"), "{err}");
    assert_eq!(records(&dir), before, "a refused payment writes nothing");
    let t = [TenderSpec::GiftCard { card: "GC-DAY-1".into(), cents: 6_000 }, TenderSpec::Cash(total - 6_000)];
    book.paid(&till.pay(&t, None).unwrap(), &t);
    assert_eq!(till.balance("GC-DAY-1").unwrap(), Some(0));
    // Topped up again.
    till.sell_gift_card("GC-DAY-1", 2_500, None).unwrap();
    let t = [TenderSpec::Cash(2_500)];
    book.paid(&till.pay(&t, None).unwrap(), &t);
    book.gift_cards_sold += 2_500;
    assert_eq!(till.balance("GC-DAY-1").unwrap(), Some(2_500));
    // Loyalty points spent (200 points = 10.00).
    till.attach_customer("C00042").unwrap();
    till.scan(GLUE, 4, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    let t = [TenderSpec::Points(200), TenderSpec::Cash(total - 1_000)];
    book.paid(&till.pay(&t, None).unwrap(), &t);
    // A manager's discount above the threshold; refused without approval, and nothing written.
    till.scan(PLANE, 1, None, None, None).unwrap();
    let before = records(&dir);
    assert!(till.discount(Some(1), "damaged box", Some("15"), None, None).is_err());
    assert_eq!(records(&dir), before);
    let listed = cents(&till.basket_view().unwrap()["total"]);
    till.discount(Some(1), "damaged box", Some("15"), None, Some(&manager())).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    assert_eq!(listed, 22_410, "249.00 less the planes' 10 % promotion at Lyon");
    assert_eq!(total, 19_048, "224.10 less 15 % of it (33.615, rounded half away from zero to 33.62)");
    let t = [TenderSpec::Card(total)];
    book.paid(&till.pay(&t, None).unwrap(), &t);
    // A partial return, found by the receipt's QR code, refunded as a store credit note, which is then spent.
    let sig: Vec<u8> = till
        .conn()
        .query_row("SELECT sig FROM journal WHERE chain = 'live' AND kind = 'ticket' AND no = 2", [], |r| {
            r.get(0)
        })
        .unwrap();
    let short = &pos_journal::hex(&sig)[..16];
    let e = till.return_lines(&format!("{}|0123456789abcdef", refs[1]), &[(1, 1)]).unwrap_err().to_string();
    assert!(e.contains("does not match the signature"), "a receipt code with another signature: {e}");
    till.return_lines(&format!("{}|{short}", refs[1]), &[(1, 1)]).unwrap();
    let refund = cents(&till.basket_view().unwrap()["total"]);
    assert!(refund < 0);
    let t = [TenderSpec::StoreCredit { note: String::new(), cents: refund }];
    let r = till.pay(&t, None).unwrap();
    book.paid(&r, &t);
    let note = r["credit_notes"][0]["note"].as_str().unwrap().to_owned();
    assert_eq!(till.balance(&note).unwrap(), Some(-refund));
    till.scan(SERVO, 1, None, None, None).unwrap();
    let servo = cents(&till.basket_view().unwrap()["total"]);
    let t = [TenderSpec::StoreCredit { note: note.clone(), cents: servo }];
    book.paid(&till.pay(&t, None).unwrap(), &t);
    assert_eq!(till.balance(&note).unwrap(), Some(-refund - servo));
    // The same line cannot be returned twice beyond what was sold.
    assert!(till.return_lines(&refs[1], &[(1, 5)]).is_err());
    // A return without a receipt needs a manager.
    assert!(matches!(
        till.return_without_receipt(PROP, 1, None),
        Err(pos_till::TillError::NeedsManager { .. })
    ));
    till.return_without_receipt(PROP, 1, Some(&manager())).unwrap();
    let t = [TenderSpec::Cash(-390)];
    book.paid(&till.pay(&t, None).unwrap(), &t);
    // A void of a whole ticket, refunded to its own tenders.
    let v = till.void_ticket(&refs[3], Some(&manager())).unwrap();
    assert_eq!(v["voids"], refs[3].as_str());
    let voided_total = cents(&v["total"]);
    book.tickets += 1;
    book.total += voided_total;
    // ticket 3 (i = 3) was paid in exact cash.
    *book.tenders.entry("cash".into()).or_default() += voided_total;
    book.cash += voided_total;
    // Cash movements and a reprint.
    till.cash_move(2_000, "change from the bank", false, None).unwrap();
    till.cash_move(500, "stamps", true, None).unwrap();
    let dup = till.reprint(&refs[0]).unwrap();
    assert_eq!(dup["duplicate"], 1);
    assert!(book.tickets >= 50);

    // Closing: counted 1.00 short of what is expected.
    let expected = 15_000 + book.cash + 2_000 - 500;
    let mut counted = BTreeMap::new();
    counted.insert("100.00".to_owned(), (expected - 100) / 10_000);
    let mut left = (expected - 100) % 10_000;
    for (d, c) in [("50.00", 5_000), ("10.00", 1_000), ("1.00", 100), ("0.10", 10), ("0.01", 1)] {
        counted.insert(d.to_owned(), left / c);
        left %= c;
    }
    let closed = till.close_register(&counted, None).unwrap_err();
    assert!(matches!(closed, pos_till::TillError::NeedsManager { .. }), "a cashier does not close alone");
    let z = till.close_register(&counted, Some(&manager())).unwrap();
    assert_eq!(cents(&z["expected"]), expected);
    assert_eq!(cents(&z["difference"]), -100);
    let report = &z["z"]["totals"];
    assert_eq!(report["tickets"], book.tickets);
    assert_eq!(report["total"], book.total);
    assert_eq!(report["gift_cards_sold"], book.gift_cards_sold);
    for (k, v) in &book.tenders {
        assert_eq!(report["tenders"][k], *v, "tender {k}");
    }
    let vat_total: i64 =
        report["vat"].as_object().unwrap().values().map(|v| v["total"].as_i64().unwrap()).sum();
    assert_eq!(vat_total + book.gift_cards_sold, book.total, "VAT by rate plus gift cards make the total");
    for v in report["vat"].as_object().unwrap().values() {
        assert_eq!(v["base"].as_i64().unwrap() + v["vat"].as_i64().unwrap(), v["total"].as_i64().unwrap());
    }
    assert_eq!(z["z"]["grand_total"], book.total);
    assert!(report["returns"].as_i64().unwrap() > 0);

    // The tables rebuilt from the journal alone are the tables that were; `verify` replays the
    // journal and finds every table as it makes them.
    let conn = Connection::open(dir.join("till.db")).unwrap();
    let snapshot = |c: &Connection| -> Vec<String> {
        [
            "SELECT number || balance FROM voucher ORDER BY number",
            "SELECT customer || points FROM loyalty ORDER BY customer",
            "SELECT sku || delta FROM stock_delta ORDER BY sku",
            "SELECT ticket || line || units FROM returned ORDER BY ticket, line",
        ]
        .iter()
        .flat_map(|q| {
            let mut s = c.prepare(q).unwrap();
            s.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect::<Vec<_>>()
        })
        .collect()
    };
    let before = snapshot(&conn);
    till.stop().unwrap();
    let after_stop = snapshot(&conn);
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");
    assert!(out.starts_with("OK ") && out.contains("projections: as the journal makes them"), "{out}");
    assert!(out.contains("closures: 1 checked"), "{out}");
    let (ok, out, err) =
        cli(&["rebuild", "--staff", "S006", "--pin", "90517", "--data", dir.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert_eq!(snapshot(&conn), after_stop);
    assert_ne!(before, Vec::<String>::new());
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");
    // The printer got an ORIGINAL per ticket, a DUPLICATA and the Z.
    let receipts: Vec<String> = std::fs::read_dir(dir.join("receipts"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(receipts.iter().filter(|r| r.contains("ORIGINAL")).count() as i64, book.tickets);
    assert_eq!(receipts.iter().filter(|r| r.contains("DUPLICATA 1")).count(), 1);
    assert!(
        receipts
            .iter()
            .any(|r| r.contains("Z N°1 - 2026-12-05") && r.contains("Écart") && r.contains("-1,00 €"))
    );
}

fn tamper(dir: &Path, sql: &str) {
    let conn = Connection::open(dir.join("till.db")).unwrap();
    conn.execute_batch("DROP TRIGGER journal_append_only_u; DROP TRIGGER journal_append_only_d;").unwrap();
    conn.execute_batch(sql).unwrap();
}

fn small_day(name: &str) -> PathBuf {
    day_of(name, &[PLANE, LIPO, MAG])
}

fn day_of(name: &str, codes: &[&str]) -> PathBuf {
    let dir = new_till(name);
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    till.login("S007", "2468").unwrap();
    till.open_register(10_000, None).unwrap();
    for &code in codes {
        till.scan(code, 1, None, None, None).unwrap();
        let total = cents(&till.basket_view().unwrap()["total"]);
        till.pay(&[TenderSpec::Cash(total)], None).unwrap();
    }
    till.stop().unwrap();
    dir
}

/// A till whose file was written before the journal became a rowid table is migrated when it opens:
/// every record copied byte for byte, the chain still verifies, and the day goes on.
#[test]
fn a_till_of_the_first_schema_is_migrated_without_losing_a_record() {
    let dir = small_day("migrate");
    let before: Vec<(String, i64, Vec<u8>, Vec<u8>)> = {
        let conn = Connection::open(dir.join("till.db")).unwrap();
        let mut s = conn.prepare("SELECT chain, seq, bytes, sig FROM journal ORDER BY chain, seq").unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    // The same till in a file laid out by the first migration alone.
    let old = dir.join("old.db");
    {
        let conn = Connection::open(&old).unwrap();
        conn.execute_batch(store::MIGRATIONS[0].1).unwrap();
        conn.execute_batch(&format!(
            "CREATE TABLE schema_migration (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL);
             INSERT INTO schema_migration VALUES ('{}', '2026-11-28 12:00:00');
             ATTACH '{}' AS new;",
            store::MIGRATIONS[0].0,
            dir.join("till.db").display()
        ))
        .unwrap();
        let tables: Vec<String> = {
            let mut s = conn
                .prepare(
                    "SELECT name FROM new.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                     AND name NOT LIKE 'product_search_%' AND name NOT IN ('journal', 'schema_migration')",
                )
                .unwrap();
            s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
        };
        for t in tables {
            let cols: Vec<String> = {
                let mut s =
                    conn.prepare(&format!("SELECT name FROM pragma_table_info('{t}', 'main')")).unwrap();
                s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
            };
            if cols.is_empty() {
                continue; // a table the first schema did not have: its migration makes it
            }
            let cols = cols.join(", ");
            conn.execute_batch(&format!("INSERT INTO main.{t} ({cols}) SELECT {cols} FROM new.{t}")).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO main.journal SELECT chain, seq, kind, no, at, bytes, prev, hash, sig FROM new.journal;
             DETACH new;",
        )
        .unwrap();
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("till.db{suffix}")));
    }
    std::fs::rename(&old, dir.join("till.db")).unwrap();
    let conn = Connection::open(dir.join("till.db")).unwrap();
    let layout: String =
        conn.query_row("SELECT sql FROM sqlite_schema WHERE name = 'journal'", [], |r| r.get(0)).unwrap();
    assert!(layout.contains("WITHOUT ROWID"), "the file starts in the first layout");
    drop(conn);

    let (mut till, _) = open(&dir, "2026-12-05T15:00:00+01:00");
    till.login("S007", "2468").unwrap();
    till.scan(PROP, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    till.pay(&[TenderSpec::Cash(total)], None).unwrap();
    till.stop().unwrap();

    let conn = Connection::open(dir.join("till.db")).unwrap();
    let layout: String =
        conn.query_row("SELECT sql FROM sqlite_schema WHERE name = 'journal'", [], |r| r.get(0)).unwrap();
    assert!(!layout.contains("WITHOUT ROWID"), "{layout}");
    let mut s = conn.prepare("SELECT chain, seq, bytes, sig FROM journal ORDER BY chain, seq").unwrap();
    let after: Vec<(String, i64, Vec<u8>, Vec<u8>)> = s
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(after[..before.len()], before[..], "every record copied byte for byte");
    assert!(after.len() > before.len(), "the sale after the migration is journaled");
    let e = conn.execute("DELETE FROM journal WHERE seq = 2", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "the triggers came along: {e}");
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");
    assert!(out.starts_with(&format!("OK {} records", after.len())), "{out}");
    assert!(out.contains("projections: as the journal makes them"), "{out}");
}

#[test]
fn the_database_refuses_to_alter_the_journal() {
    let dir = small_day("triggers");
    let conn = Connection::open(dir.join("till.db")).unwrap();
    let e = conn.execute("UPDATE journal SET at = 'x' WHERE seq = 2", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = conn.execute("DELETE FROM journal WHERE seq = 2", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
}

#[test]
fn verify_catches_a_changed_amount() {
    let dir = small_day("amount");
    assert!(verify_cli(&dir).0);
    let seq: u64 = Connection::open(dir.join("till.db"))
        .unwrap()
        .query_row("SELECT seq FROM journal WHERE kind = 'ticket' AND no = 2", [], |r| r.get(0))
        .unwrap();
    // The bytes are edited as a hex editor would: one digit of the total.
    let conn = Connection::open(dir.join("till.db")).unwrap();
    let bytes: Vec<u8> =
        conn.query_row("SELECT bytes FROM journal WHERE seq = ?1", [seq], |r| r.get(0)).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let i = text.find("\"total\":").unwrap() + 8;
    let digit = text.as_bytes()[i];
    let edited = format!("{}{}{}", &text[..i], if digit == b'1' { '2' } else { '1' }, &text[i + 1..]);
    assert_ne!(edited, text);
    tamper(
        &dir,
        &format!(
            "UPDATE journal SET bytes = CAST('{}' AS BLOB) WHERE seq = {seq}",
            edited.replace('\'', "''")
        ),
    );
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert_eq!(
        first(&out),
        format!("BROKEN live record {seq}: its hash does not match its content (the record was altered)")
    );
}

#[test]
fn verify_catches_a_deleted_record() {
    let dir = small_day("deleted");
    tamper(&dir, "DELETE FROM journal WHERE seq = 5");
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert_eq!(first(&out), "BROKEN live record 5: record 5 is missing (the next one is 6)");
}

#[test]
fn verify_catches_reordered_records() {
    let dir = small_day("reordered");
    tamper(
        &dir,
        "UPDATE journal SET seq = -1 WHERE seq = 6; UPDATE journal SET seq = 6 WHERE seq = 7; UPDATE journal SET seq = 7 WHERE seq = -1;",
    );
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert!(out.starts_with("BROKEN live record 6: its previous hash"), "{out}");
}

#[test]
fn verify_catches_a_record_from_another_till() {
    let dir = small_day("mine");
    let other = day_of("other", &[PLANE, LIPO, MAG, PROP, GLUE]);
    let last: u64 = Connection::open(dir.join("till.db"))
        .unwrap()
        .query_row("SELECT MAX(seq) FROM journal", [], |r| r.get(0))
        .unwrap();
    // The other till's record with the same number is appended as if it were ours.
    tamper(
        &dir,
        &format!(
            "ATTACH '{}' AS other; INSERT INTO journal (chain, seq, kind, no, at, bytes, prev, hash, sig) SELECT chain, seq, kind, no, at, bytes, prev, hash, sig FROM other.journal WHERE seq = {}; DETACH other;",
            other.join("till.db").display(),
            last + 1
        ),
    );
    let other_last: u64 = Connection::open(other.join("till.db"))
        .unwrap()
        .query_row("SELECT MAX(seq) FROM journal", [], |r| r.get(0))
        .unwrap();
    assert!(other_last > last, "the other till has a record to steal");
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert!(out.starts_with(&format!("BROKEN live record {}:", last + 1)), "{out}");
    // And a record signed by another key in place of ours.
    let dir2 = small_day("mine2");
    tamper(
        &dir2,
        &format!(
            "ATTACH '{}' AS other; UPDATE journal SET sig = (SELECT sig FROM other.journal WHERE seq = 3) WHERE seq = 3; DETACH other;",
            other.join("till.db").display()
        ),
    );
    let (ok, out) = verify_cli(&dir2);
    assert!(!ok);
    assert_eq!(
        first(&out),
        "BROKEN live record 3: its signature is not this till's (forged or from another till)"
    );
}

#[test]
fn wrong_pins_are_journaled_and_lock_the_account() {
    let dir = new_till("pins");
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    for n in 1..=5 {
        let e = till.login("S008", "0000").unwrap_err().to_string();
        assert!(e.contains(&format!("({n} in a row")), "{e}");
    }
    let e = till.login("S008", "813579").unwrap_err().to_string();
    assert!(e.contains("locked"), "{e}");
    let events = store::records_of_kind(till.conn(), ChainName::Live, Kind::Event).unwrap();
    let failed = |why: LoginFailure| {
        events
            .iter()
            .filter(|r| matches!(&r.entry, Entry::LoginFailed { reason, .. } if *reason == why))
            .count()
    };
    assert_eq!(failed(LoginFailure::WrongPin), 5);
    assert_eq!(failed(LoginFailure::Locked), 1, "the attempt during the lockout is journaled too");
    assert_eq!(events.iter().filter(|r| matches!(r.entry, Entry::LockedOut { .. })).count(), 1);
    // After the lockout, the right PIN works again.
    till.set_clock(Clock::Set(at("2026-12-05T09:20:00+01:00")));
    till.login("S008", "813579").unwrap();
}

#[test]
fn refused_actions_change_nothing() {
    let dir = new_till("refused");
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    let n = records(&dir);
    assert!(till.scan(PLANE, 1, None, None, None).unwrap_err().to_string().contains("log in"));
    till.login("S007", "2468").unwrap();
    till.open_register(0, None).unwrap();
    let n2 = records(&dir);
    assert!(n2 > n);
    let e = till.scan("3761100080191", 1, None, None, None).unwrap_err().to_string();
    assert!(e.contains("check digit"), "{e}");
    let e = till.scan("3761999999993", 1, None, None, None).unwrap_err().to_string();
    assert!(e.contains("no product has barcode 3761999999993"), "{e}");
    let e = till.scan(CHARGER, 1, None, None, None).unwrap_err().to_string();
    assert!(e.contains("serial"), "{e}");
    let e = till.pay(&[TenderSpec::Cash(100)], None).unwrap_err().to_string();
    assert!(e.contains("empty"), "{e}");
    till.scan(PROP, 1, None, None, None).unwrap();
    let n3 = records(&dir);
    let e = till.pay(&[TenderSpec::Card(1_000)], None).unwrap_err().to_string();
    assert!(e.contains("too much on non-cash tenders"), "{e}");
    let e =
        till.pay(&[TenderSpec::GiftCard { card: "NOPE".into(), cents: 390 }], None).unwrap_err().to_string();
    assert!(e.contains("no gift card or credit note NOPE"), "{e}");
    let e = till.pay(&[TenderSpec::Points(78)], None).unwrap_err().to_string();
    assert_eq!(e, "attach the customer to spend their points");
    assert_eq!(records(&dir), n3);
}

#[test]
fn a_card_payment_in_flight_at_a_crash_is_never_charged_twice() {
    let dir = new_till("inflight");
    {
        let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
        till.login("S007", "2468").unwrap();
        till.open_register(0, None).unwrap();
        till.scan(MAG, 1, None, None, None).unwrap();
        // The intent is journaled, the terminal approves, and the till dies before journaling the answer.
        till.commit(vec![Entry::CardIntent { reference: "LYO-1-P999999".into(), cents: 690 }]).unwrap();
        let mut terminal = SimTerminal::new(dir.join("terminal-sim.log"));
        terminal.pay(&PaymentRequest { reference: "LYO-1-P999999".into(), cents: 690 }).unwrap();
        drop(till); // no stop: a crash
    }
    let (mut till, _) = open(&dir, "2026-12-05T09:05:00+01:00");
    let events = store::records_of_kind(till.conn(), ChainName::Live, Kind::Event).unwrap();
    assert!(events.iter().any(|r| matches!(&r.entry, Entry::Recovered { basket_lines: 1, cards_in_flight } if cards_in_flight == &["LYO-1-P999999"])));
    till.login("S007", "2468").unwrap();
    let r = till.pay(&[TenderSpec::Card(690)], None).unwrap();
    assert_eq!(r["total"], "6.90");
    let log = std::fs::read_to_string(dir.join("terminal-sim.log")).unwrap();
    assert_eq!(log.lines().count(), 1, "the terminal ran one transaction: {log}");

    // A payment the terminal never ran is journaled as not made, and the next one is charged.
    till.scan(PROP, 1, None, None, None).unwrap();
    till.commit(vec![Entry::CardIntent { reference: "LYO-1-P999998".into(), cents: 390 }]).unwrap();
    drop(till);
    let (mut till, _) = open(&dir, "2026-12-05T09:10:00+01:00");
    let ops = store::records_of_kind(till.conn(), ChainName::Live, Kind::Operation).unwrap();
    assert!(ops.iter().any(|r| matches!(&r.entry, Entry::CardResult { reference, outcome, .. } if reference == "LYO-1-P999998" && *outcome == pos_journal::body::CardOutcome::NotMade)));
    till.login("S007", "2468").unwrap();
    till.pay(&[TenderSpec::Card(390)], None).unwrap();
    assert_eq!(std::fs::read_to_string(dir.join("terminal-sim.log")).unwrap().lines().count(), 2);
}

#[test]
fn a_declined_card_keeps_the_basket_and_a_split_payment_resumes() {
    let dir = new_till("declined");
    let (mut till, terminal) = open(&dir, "2026-12-05T09:00:00+01:00");
    till.login("S007", "2468").unwrap();
    till.open_register(0, None).unwrap();
    till.scan(MAG, 1, None, None, None).unwrap();
    terminal.set_behaviour(SimBehaviour::Decline("insufficient funds".into()));
    let e = till.pay(&[TenderSpec::Card(690)], None).unwrap_err().to_string();
    assert!(e.contains("card declined (insufficient funds)"), "{e}");
    assert_eq!(till.state().basket.lines.len(), 1);
    terminal.set_behaviour(SimBehaviour::Accept);
    till.pay(&[TenderSpec::Card(690)], None).unwrap();
    assert_eq!(till.state().tickets, 1);
}

#[test]
fn training_mode_has_its_own_chain_and_never_touches_totals() {
    let dir = new_till("training");
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    till.login("S007", "2468").unwrap();
    till.open_register(0, None).unwrap();
    till.training(true, Some(&manager())).unwrap();
    till.scan(MAG, 1, None, None, None).unwrap();
    let r = till.pay(&[TenderSpec::Cash(690)], None).unwrap();
    assert_eq!(r["ticket"], "LYO-1-F000001");
    till.scan(MAG, 1, None, None, None).unwrap();
    till.pay(&[TenderSpec::Card(690)], None).unwrap();
    assert!(!dir.join("terminal-sim.log").exists(), "training never charges a card");
    till.training(false, Some(&manager())).unwrap();
    assert_eq!(till.state().grand_total, 0);
    assert_eq!(till.state().tickets, 0);
    assert_eq!(till.state().register.as_ref().unwrap().expected().unwrap(), 0);
    till.scan(PROP, 1, None, None, None).unwrap();
    let r = till.pay(&[TenderSpec::Cash(390)], None).unwrap();
    assert_eq!(r["ticket"], "LYO-1-T000001");
    till.stop().unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");
}

#[test]
fn a_forgotten_closure_is_made_by_the_next_day_and_counted_later() {
    let dir = new_till("forgotten");
    let (mut till, _) = open(&dir, "2026-12-05T18:00:00+01:00");
    till.login("S006", "90517").unwrap();
    till.open_register(5_000, None).unwrap();
    till.scan(PROP, 1, None, None, None).unwrap();
    till.pay(&[TenderSpec::Cash(390)], None).unwrap();
    till.set_clock(Clock::Set(at("2026-12-06T10:00:00+01:00")));
    till.scan(PROP, 1, None, None, None).unwrap();
    till.pay(&[TenderSpec::Cash(390)], None).unwrap();
    let st = till.state().clone();
    assert!(
        pos_till::projection::is_closed(till.conn(), pos_journal::body::ClosurePeriod::Day, "2026-12-05")
            .unwrap()
    );
    assert!(st.uncounted.contains("2026-12-05"));
    assert_eq!(st.register.as_ref().unwrap().day, "2026-12-06");
    assert_eq!(st.register.as_ref().unwrap().float, 5_390, "the drawer carries over");
    let r = till
        .count_cash(
            "2026-12-05",
            &[
                ("50.00".to_owned(), 1),
                ("2.00".to_owned(), 1),
                ("1.00".to_owned(), 1),
                ("0.10".to_owned(), 3),
            ]
            .into(),
        )
        .unwrap();
    assert_eq!(r["difference"], "-0.60");
    // The month closes from its days once they are closed.
    let mut counted = BTreeMap::new();
    counted.insert("50.00".to_owned(), 1);
    till.close_register(&counted, None).unwrap();
    let e = till.close_period("2026-12").unwrap_err().to_string();
    assert!(e.contains("not over yet"), "{e}");
    till.set_clock(Clock::Set(at("2027-01-02T09:00:00+01:00")));
    let m = till.close_period("2026-12").unwrap();
    assert_eq!(m["includes"], serde_json::json!(["2026-12-05", "2026-12-06"]));
    assert_eq!(m["totals"]["total"], 780);
    assert!(till.close_period("2026-12").is_err());
    till.set_clock(Clock::Set(at("2027-01-02T10:00:00+01:00")));
    let y = till.close_period("2026").unwrap();
    assert_eq!(y["includes"], serde_json::json!(["2026-12"]));
    assert_eq!(y["totals"]["total"], 780);
}

#[test]
fn a_clock_that_jumps_back_is_journaled_not_obeyed() {
    let dir = new_till("clock");
    let (mut till, _) = open(&dir, "2026-12-05T10:00:00+01:00");
    till.login("S007", "2468").unwrap();
    till.set_clock(Clock::Set(at("2026-12-05T09:00:00+01:00")));
    till.logout().unwrap();
    let events = store::records_of_kind(till.conn(), ChainName::Live, Kind::Event).unwrap();
    assert!(events.iter().any(|r| matches!(r.entry, Entry::ClockBack { .. })));
    till.stop().unwrap();
    assert!(verify_cli(&dir).0);
}

#[test]
fn archives_verify_without_the_database_and_catch_edits() {
    let dir = small_day("archive");
    let out =
        Command::new(POS_TILL).args(["archive", "--period", "2026-12", "--data"]).arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = dir.join("archives/LYO-1-2026-12.json");
    let bytes = std::fs::read(&file).unwrap();
    let checked = pos_journal::archive::verify(&bytes, None, 2).unwrap();
    let n = checked.records;
    assert!(n >= 10 && checked.period_signed && checked.period == "2026-12");
    let out = Command::new(POS_TILL).arg("verify-archive").arg(&file).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(&format!("OK {n} records")));
    let edited = String::from_utf8(bytes).unwrap().replacen(
        "\\\"operator\\\":\\\"S007\\\"",
        "\\\"operator\\\":\\\"S008\\\"",
        1,
    );
    assert!(edited.contains("S008"));
    let e = pos_journal::archive::verify(edited.as_bytes(), None, 2).unwrap_err();
    assert!(e.contains("its hash does not match its content"), "{e}");
    let (ok, _) = verify_cli(&dir);
    assert!(ok, "the archive is itself journaled and the chain still verifies");
}

#[test]
fn init_refuses_bad_fixtures_and_keeps_nothing() {
    let fx = scratch("badfx");
    std::fs::create_dir_all(&fx).unwrap();
    for e in std::fs::read_dir(fixtures()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), fx.join(e.file_name())).unwrap();
    }
    let p = fx.join("products.csv");
    let text = std::fs::read_to_string(&p).unwrap().replacen("3761100080190", "3761100080191", 1);
    std::fs::write(&p, text).unwrap();
    let dir = scratch("badinit");
    let e = Till::init(&dir, "LYO", 1, &fx, Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("products.csv") && e.contains("line 2") && e.contains("check digit"), "{e}");
    assert!(!dir.join("till.db").exists() && !dir.join("till.key").exists());
}

/// A long scripted session, killed with SIGKILL at many points; after each kill the till reopens,
/// every acknowledged ticket is there exactly once, the chain verifies and the totals match the tickets.
#[test]
fn a_killed_till_loses_nothing_it_acknowledged() {
    let dir = new_till("crash");
    let mut actions = vec![
        serde_json::json!({"do": "login", "staff": "S007", "pin": "2468"}),
        serde_json::json!({"do": "open_register", "float": "100.00"}),
    ];
    for i in 0..30 {
        let code = [PLANE, LIPO, PROP, MAG, GLUE][i % 5];
        actions.push(serde_json::json!({"do": "scan", "code": code}));
        actions.push(serde_json::json!({"do": "scan", "code": SERVO, "quantity": 2}));
        actions.push(serde_json::json!({"do": "pay", "tenders": [{"cash": "9000.00"}]}));
    }
    let script = dir.join("long.json");
    std::fs::write(&script, serde_json::json!({"actions": actions}).to_string()).unwrap();
    let mut acknowledged: Vec<String> = Vec::new();
    // Kill after k acknowledged lines plus a varying delay, for many k.
    for round in 0..12u64 {
        let mut child = Command::new(POS_TILL)
            .args(["script", "--data"])
            .arg(&dir)
            .arg(&script)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let target = 3 + (round * 7) % 40;
        let mut seen = 0;
        while seen < target {
            let Some(Ok(line)) = lines.next() else { break };
            seen += 1;
            let v: Value = serde_json::from_str(&line).unwrap();
            if let Some(t) = v["result"]["ticket"].as_str() {
                acknowledged.push(t.to_owned());
            }
        }
        std::thread::sleep(std::time::Duration::from_micros(round * 700));
        child.kill().unwrap();
        // Lines already written before the kill are acknowledged too.
        for line in lines.map_while(Result::ok) {
            let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if let Some(t) = v["result"]["ticket"].as_str() {
                acknowledged.push(t.to_owned());
            }
        }
        child.wait().unwrap();

        let (ok, out) = verify_cli(&dir);
        assert!(ok, "round {round}: {out}");
        let conn = store::open_db(&dir).unwrap();
        let tickets: Vec<(String, i64)> = store::records_of_kind(&conn, ChainName::Live, Kind::Ticket)
            .unwrap()
            .into_iter()
            .map(|r| match r.entry {
                Entry::Ticket(t) => (t.reference, t.total),
                _ => unreachable!(),
            })
            .collect();
        for a in &acknowledged {
            assert_eq!(tickets.iter().filter(|(r, _)| r == a).count(), 1, "round {round}: ticket {a}");
        }
        let state: pos_till::engine::State = serde_json::from_str(
            &conn.query_row("SELECT json FROM state", [], |r| r.get::<_, String>(0)).unwrap(),
        )
        .unwrap();
        assert_eq!(state.grand_total, tickets.iter().map(|t| t.1).sum::<i64>(), "round {round}");
        assert_eq!(state.tickets, tickets.len() as u64);
    }
    assert!(acknowledged.len() >= 5, "the rounds got far enough: {acknowledged:?}");
    // The next start journals the recovery.
    let (till, _) = open(&dir, "2026-12-05T23:00:00+01:00");
    let events = store::records_of_kind(till.conn(), ChainName::Live, Kind::Event).unwrap();
    assert!(events.iter().any(|r| matches!(r.entry, Entry::Recovered { .. })));
}

/// The example scripts of `fixtures/scripts/` run as documented: every action succeeds except those
/// marked `"expect": "refused"`, and the journal verifies afterwards.
#[test]
fn the_example_scripts_run_as_documented() {
    let dir_scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/scripts");
    let mut ran = 0;
    for entry in std::fs::read_dir(&dir_scripts).unwrap() {
        let path = entry.unwrap().path();
        let script: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let dir = new_till("example");
        let out = Command::new(POS_TILL).args(["script", "--data"]).arg(&dir).arg(&path).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let lines: Vec<Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let actions = script["actions"].as_array().unwrap();
        assert_eq!(lines.len(), actions.len());
        for (a, r) in actions.iter().zip(&lines) {
            let refused = a["expect"] == "refused";
            assert_eq!(r["ok"], !refused, "{}: {a} gave {r}", path.display());
        }
        if path.ends_with("lyon-day.json") {
            let close = lines.iter().find(|l| l["do"] == "close").unwrap();
            assert_eq!(close["result"]["difference"], "-0.50");
            assert_eq!(close["result"]["z"]["totals"]["tickets"], 6);
        }
        assert!(verify_cli(&dir).0);
        ran += 1;
    }
    assert!(ran >= 2);
}

/// A colour variant names its model; the till fetches the model with it, so the variant sells.
/// Every command and subcommand of `pos-till` answers `--help`, and a wrong argument is named.
#[test]
fn every_command_answers_help() {
    let help = |args: &[&str]| {
        let out = Command::new(POS_TILL).args(args).arg("--help").output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let commands = |text: &str| -> Vec<String> {
        text.split("Commands:")
            .nth(1)
            .unwrap_or_default()
            .split("\n\n")
            .next()
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .filter(|c| c != "help")
            .collect()
    };
    let top = commands(&help(&[]));
    assert!(top.len() >= 12 && top.contains(&"export".to_owned()), "{top:?}");
    for c in &top {
        let text = help(&[c]);
        assert!(text.contains("Usage: pos-till"), "{c}: {text}");
        for sub in commands(&text) {
            assert!(help(&[c, &sub]).contains("Usage:"), "{c} {sub}");
        }
    }
    let out = Command::new(POS_TILL).args(["verify", "--dta", "x"]).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--dta"));
}

/// A session run from the command line leaves its log in the till's folder: each record named by
/// chain, seq and number (a ticket by its reference), each refusal by its code, and no PIN.
#[test]
fn the_till_writes_a_daily_log_in_its_folder() {
    let dir = new_till("log");
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/scripts");
    for script in ["lyon-day.json", "refusals.json"] {
        let out = Command::new(POS_TILL)
            .args(["script", "--data"])
            .arg(&dir)
            .arg(scripts.join(script))
            .output()
            .unwrap();
        assert!(out.status.success() && out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let logs: Vec<PathBuf> =
        std::fs::read_dir(dir.join("logs")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(logs.len(), 1, "one file a day: {logs:?}");
    let name = logs[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("till.") && name.ends_with(".log"), "{name}");
    let log = std::fs::read_to_string(&logs[0]).unwrap();
    let ticket = log.lines().find(|l| l.contains("ticket recorded")).expect("a ticket line");
    assert!(
        ticket.contains("ticket=LYO-1-T000001") && ticket.contains("seq=") && ticket.contains("no=1"),
        "{ticket}"
    );
    assert!(log.lines().any(|l| l.contains("closure recorded") && l.contains("period=\"day\"")), "{log}");
    assert!(log.lines().any(|l| l.contains("refused") && l.contains("code=")), "{log}");
    assert!(!log.to_lowercase().contains("pin\""), "no PIN field in the log");
    // A command that only reads writes no log (it may run on a read-only copy).
    std::fs::remove_dir_all(dir.join("logs")).unwrap();
    assert!(verify_cli(&dir).0);
    assert!(!dir.join("logs").exists());
}

#[test]
fn a_variant_sells_without_its_model_in_the_basket() {
    let dir = new_till("variant");
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    till.login("S007", "2468").unwrap();
    till.open_register(0, None).unwrap();
    let r = till.scan("3761200159390", 1, None, None, None).unwrap();
    assert_eq!(r["line"], 1);
    assert_eq!(till.state().basket.lines.len(), 1);
}

/// Bytes changed in the file itself, below SQLite, as a hex editor would, are caught too.
#[test]
fn verify_catches_an_edit_of_the_file_itself() {
    let dir = small_day("hexedit");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("till.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key is the owner's alone");
    }
    assert!(
        !dir.join("till.db-wal").exists() || std::fs::metadata(dir.join("till.db-wal")).unwrap().len() == 0
    );
    let path = dir.join("till.db");
    let mut bytes = std::fs::read(&path).unwrap();
    let needle = b"\"operator\":\"S007\"";
    let places: Vec<usize> =
        bytes.windows(needle.len()).enumerate().filter(|(_, w)| *w == needle).map(|(i, _)| i).collect();
    assert!(!places.is_empty(), "tickets in the file");
    for at in places {
        bytes[at + 15] = b'8';
    }
    std::fs::write(&path, bytes).unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert!(out.starts_with("BROKEN"), "{out}");
}

/// Search as the cashier types: every word, the last as a prefix; the name's words first.
#[test]
fn search_finds_by_name_reference_and_compatibility() {
    let dir = new_till("search");
    let (till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    let first = |q: &str| till.search(q).unwrap()[0]["sku"].as_str().unwrap().to_owned();
    assert_eq!(first("cyano 20 moy"), "GLUE-CYANO-20");
    assert_eq!(first("helice 10x6"), "PROP-1060", "accents do not matter");
    assert_eq!(first("lipo-3s-22"), "LIPO-3S-2200");
    // Compatibility: what fits the Piper J-3 Cub, found by the plane's name.
    let fits = till.search("piper cub").unwrap();
    assert!(fits.as_array().unwrap().iter().any(|f| f["sku"] == "LIPO-3S-2200"), "{fits}");
    assert_eq!(till.search("  ").unwrap(), serde_json::json!([]));
}

/// Card payments already approved on a basket are reused or refunded, never lost or charged again.
#[test]
fn approved_card_payments_are_never_lost_or_charged_twice() {
    let dir = new_till("cards");
    let (mut till, _terminal) = open(&dir, "2026-12-05T09:00:00+01:00");
    let log = || std::fs::read_to_string(dir.join("terminal-sim.log")).unwrap_or_default().lines().count();
    till.login("S007", "2468").unwrap();
    till.open_register(0, None).unwrap();
    till.scan(MAG, 2, None, None, None).unwrap(); // 13.80
    // 8.00 approved on this basket (a split whose second card was declined, say).
    till.commit(vec![Entry::CardIntent { reference: "LYO-1-PTEST".into(), cents: 800 }]).unwrap();
    till.commit(vec![Entry::CardResult {
        reference: "LYO-1-PTEST".into(),
        outcome: pos_journal::body::CardOutcome::Approved,
        detail: "A1".into(),
    }])
    .unwrap();
    // A payment that leaves it out is refused before anything is charged.
    let e = till.pay(&[TenderSpec::Card(1_380)], None).unwrap_err().to_string();
    assert!(e.contains("a card payment of 8.00 is already approved on this basket"), "{e}");
    assert_eq!(log(), 0);
    // Cancelling refunds it once; cancelling again refunds nothing more.
    till.cancel_basket().unwrap();
    assert_eq!(log(), 1, "one refund");
    till.scan(MAG, 1, None, None, None).unwrap();
    till.cancel_basket().unwrap();
    assert_eq!(log(), 1, "the refund is not made again");
    // A payment that includes it reuses it: only the rest is charged.
    till.scan(MAG, 2, None, None, None).unwrap();
    till.commit(vec![Entry::CardIntent { reference: "LYO-1-PTEST2".into(), cents: 800 }]).unwrap();
    till.commit(vec![Entry::CardResult {
        reference: "LYO-1-PTEST2".into(),
        outcome: pos_journal::body::CardOutcome::Approved,
        detail: "A2".into(),
    }])
    .unwrap();
    till.pay(&[TenderSpec::Card(800), TenderSpec::Card(580)], None).unwrap();
    assert_eq!(log(), 2, "only the 5.80 was charged");
}

/// The same goods cannot be refunded twice through a parked basket, and training touches no drawer.
#[test]
fn parked_returns_and_training_cannot_leak() {
    let dir = new_till("leaks");
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    till.login("S006", "90517").unwrap();
    till.open_register(0, None).unwrap();
    till.scan(MAG, 1, None, None, None).unwrap();
    let t = till.pay(&[TenderSpec::Cash(690)], None).unwrap()["ticket"].as_str().unwrap().to_owned();
    till.return_lines(&t, &[(1, 1)]).unwrap();
    till.park().unwrap();
    let e = till.return_lines(&t, &[(1, 1)]).unwrap_err().to_string();
    assert!(e.contains("0 unit(s) can still be returned"), "{e}");
    till.resume(1).unwrap();
    till.pay(&[TenderSpec::Cash(-690)], None).unwrap();
    till.training(true, Some(&manager())).unwrap();
    let n = records(&dir);
    assert!(till.cash_move(1_000, "float", false, None).unwrap_err().to_string().contains("training"));
    assert!(till.close_register(&BTreeMap::new(), None).unwrap_err().to_string().contains("training"));
    assert_eq!(records(&dir), n);
    assert_eq!(till.state().register.as_ref().unwrap().expected().unwrap(), 0);
}

/// Pointing a command at a folder with no till says so and creates nothing there.
#[test]
fn a_folder_without_a_till_is_refused_and_left_untouched() {
    let dir = scratch("empty");
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(POS_TILL).args(["verify", "--data"]).arg(&dir).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no till"));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

/// A printer simulator on a pseudo-terminal, served on its own thread while the test runs.
struct SimPrinter {
    path: String,
    control: pos_drivers::sim::printer::PrinterControl,
    stop: pos_drivers::sim::Stop,
    out: PathBuf,
}

impl SimPrinter {
    fn start(out: PathBuf) -> SimPrinter {
        SimPrinter::start_width(out, 42)
    }

    fn start_width(out: PathBuf, width: usize) -> SimPrinter {
        let pty = pos_drivers::sim::Pty::open(None).unwrap();
        let sim = pos_drivers::sim::printer::PrinterSim::new(&out, width).unwrap();
        let control = sim.control.clone();
        let stop = pos_drivers::sim::Stop::default();
        let path = pty.path.clone();
        let s = stop.clone();
        std::thread::spawn(move || {
            let mut link = pty.link().unwrap();
            let _ = sim.serve(&mut link, &s);
            drop(pty);
        });
        SimPrinter { path, control, stop, out }
    }

    /// Receipts decoded so far, waiting (bounded) for `n`.
    fn receipts(&self, n: usize) -> Vec<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&self.out)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "txt"))
                .collect();
            files.sort();
            if files.len() >= n || std::time::Instant::now() > deadline {
                return files.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

impl Drop for SimPrinter {
    fn drop(&mut self) {
        self.stop.stop();
    }
}

fn cli(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(POS_TILL).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A sale made by the engine prints on an ESC/POS printer (the simulator on a pseudo-terminal) and
/// the receipt, decoded back from the bytes, says what the ticket says, in PC858 with € and accents.
#[test]
fn a_sale_prints_its_receipt_on_an_escpos_printer() {
    let dir = new_till("escpos");
    let printer = SimPrinter::start(dir.join("printed"));
    let data = dir.to_str().unwrap();
    // Set up as a technician would: an invalid setting is refused and changes nothing.
    let (ok, _, err) = cli(&[
        "devices", "set", "--data", data, "--staff", "S006", "--pin", "90517", "printer", "escpos",
        "serial:x", "width=40",
    ]);
    assert!(!ok && err.contains("42 or 48"), "{err}");
    let setting = format!("escpos serial:{} width=42", printer.path);
    let mut set = vec!["devices", "set", "--data", data, "--staff", "S006", "--pin", "90517", "printer"];
    set.extend(setting.split(' '));
    let (ok, out, err) = cli(&set);
    assert!(ok, "{out}{err}");
    let (ok, out, _) = cli(&["devices", "list", "--data", data]);
    assert!(ok && out.contains(&format!("printer   {setting}")), "{out}");

    let (mut till, _) =
        pos_till::launch::open_till(&dir, Clock::Set(at("2026-12-05T10:00:00+01:00")), false).unwrap();
    till.login("S007", "2468").unwrap();
    till.open_register(10_000, None).unwrap();
    till.scan(PLANE, 1, None, None, None).unwrap();
    till.scan(LIPO, 2, None, None, None).unwrap();
    till.scan(MAG, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    let sale = till.pay(&[TenderSpec::Cash(total + 1_000)], None).unwrap();
    assert!(sale.get("printer").is_none(), "{sale}");
    let ticket = sale["ticket"].as_str().unwrap().to_owned();
    till.stop().unwrap();

    let printed = printer.receipts(2);
    let receipt = printed.iter().find(|r| r.contains("ORIGINAL")).expect("the receipt was printed");
    assert!(receipt.starts_with("[CODE PAGE PC858]\n"), "{receipt}");
    for expected in [
        format!(
            "TOTAL TTC {:>11}",
            format!("{} €", pos_core::money::Money::from_cents(total).to_string().replace('.', ","))
        ),
        "dont éco-participation".to_owned(),
        "TVA (€)    taux        HT     TVA      TTC".to_owned(),
        "20,00 %".to_owned(),
        "5,50 %".to_owned(),
        format!("Ticket {ticket}"),
        "Signature ".to_owned(),
        "Opérateur".to_owned(),
        "RENDU".to_owned(),
        "€".to_owned(),
        format!("[QR {ticket}|"),
        "[CUT]".to_owned(),
    ] {
        assert!(receipt.contains(&expected), "missing {expected:?} in\n{receipt}");
    }
    // The cash sale opened the drawer.
    assert!(printed.iter().any(|r| r.starts_with("[DRAWER pin 2")), "{printed:?}");
    assert_eq!(printer.control.state().drawer_kicks, 1);
    // The setting is a technical event in the journal, and the chain still verifies.
    let conn = Connection::open(dir.join("till.db")).unwrap();
    let changes: i64 = conn
        .query_row("SELECT COUNT(*) FROM journal WHERE kind = 'event' AND CAST(bytes AS TEXT) LIKE '%device.printer%config_changed%'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(changes, 1);
    assert!(verify_cli(&dir).0);
}

/// Sets `device.NAME` to `setting` as a manager, then opens the till with its devices and a
/// cashier at an open register (empty float), at 10:05.
fn till_with_device(dir: &Path, name: &str, setting: &str) -> Till {
    let (mut till, _) = open(dir, "2026-12-05T10:00:00+01:00");
    till.login("S006", "90517").unwrap();
    till.configure(&format!("device.{name}"), setting).unwrap();
    till.stop().unwrap();
    let (mut till, _) =
        pos_till::launch::open_till(dir, Clock::Set(at("2026-12-05T10:05:00+01:00")), false).unwrap();
    till.login("S007", "2468").unwrap();
    till.open_register(0, None).unwrap();
    till
}

/// Paper out at the counter: the sale is saved, the cashier is told, and the receipt prints once
/// the roll is changed, once.
#[test]
fn out_of_paper_the_sale_is_kept_and_the_receipt_follows() {
    let dir = new_till("paper-out");
    let printer = SimPrinter::start(dir.join("printed"));
    let mut till = till_with_device(&dir, "printer", &format!("escpos serial:{}", printer.path));
    till.scan(PROP, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    printer.control.state().paper_out = true;
    let sale = till.pay(&[TenderSpec::Cash(total)], None).unwrap();
    let note = sale["printer"]["message"].as_str().unwrap();
    // The drawer opened for the change at once, paper or not.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while printer.control.state().drawer_kicks == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(printer.control.state().drawer_kicks, 1);
    assert!(note.contains("out of paper") && note.contains("prints once the printer is back"), "{note}");
    let e = till.retry_printer().unwrap_err().to_string();
    assert!(e.contains("out of paper"), "{e}");
    printer.control.state().paper_out = false;
    assert_eq!(till.retry_printer().unwrap()["waiting"], 0);
    let printed = printer.receipts(1);
    assert_eq!(printed.iter().filter(|r| r.contains("ORIGINAL")).count(), 1, "{printed:?}");
    assert_eq!(printer.control.state().discarded, 0);
    assert_eq!(printer.control.state().drawer_kicks, 1, "and not again when the receipt printed");
    till.stop().unwrap();
}

/// `pos-till devices test` tries each configured device and journals what happened.
#[test]
fn the_technician_tests_the_printer_and_the_scale() {
    let dir = new_till("devices-test");
    let data = dir.to_str().unwrap();
    let printer = SimPrinter::start(dir.join("printed"));
    let pty = pos_drivers::sim::Pty::open(None).unwrap();
    let scale_path = pty.path.clone();
    let scale = pos_drivers::sim::scale::ScaleSim::new(pos_drivers::scale::ScaleProtocol::Toledo8217);
    scale.control.set_weight(1250);
    let stop = pos_drivers::sim::Stop::default();
    let s = stop.clone();
    std::thread::spawn(move || {
        let mut link = pty.link().unwrap();
        let _ = scale.serve_serial(&mut link, &s);
    });
    for (name, setting) in [
        ("printer", format!("escpos serial:{}", printer.path)),
        ("scale", format!("toledo8217 serial:{scale_path}")),
    ] {
        let mut args = vec!["devices", "set", "--data", data, "--staff", "S006", "--pin", "90517", name];
        args.extend(setting.split(' '));
        let (ok, out, err) = cli(&args);
        assert!(ok, "{out}{err}");
    }
    let (ok, out, err) =
        cli(&["devices", "test", "--data", data, "--staff", "S006", "--pin", "90517", "printer"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("test receipt printed"), "{out}");
    let test_receipt = &printer.receipts(1)[0];
    assert!(
        test_receipt.contains("Accents : é è ê à ç ù ô « » °") && test_receipt.contains("12,50 €"),
        "{test_receipt}"
    );
    let (ok, out, _) =
        cli(&["devices", "test", "--data", data, "--staff", "S006", "--pin", "90517", "scale"]);
    assert!(ok && out.contains("1.250 kg"), "{out}");
    // A cashier may not.
    let (ok, _, err) = cli(&["devices", "test", "--data", data, "--staff", "S007", "--pin", "2468", "scale"]);
    assert!(!ok && err.contains("manager or a technician"), "{err}");
    // The terminal check: 0.01 EUR on the built-in simulated terminal.
    let (ok, out, _) =
        cli(&["devices", "test", "--data", data, "--staff", "S006", "--pin", "90517", "terminal"]);
    assert!(ok && out.contains("0.01 EUR approved"), "{out}");
    let conn = Connection::open(dir.join("till.db")).unwrap();
    let tests: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM journal WHERE CAST(bytes AS TEXT) LIKE '%\"type\":\"device_tested\"%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tests, 3);
    assert!(verify_cli(&dir).0);
    stop.stop();
}

/// The till is killed while the customer pays on a Concert terminal (the simulator, over a
/// pseudo-terminal). On restart the engine asks the driver, which hears the terminal offer its
/// answer again: the payment is recorded as approved, and the terminal ran it once.
#[test]
fn a_till_killed_during_a_concert_payment_collects_the_answer_on_restart() {
    use pos_drivers::sim::concert::ConcertSim;
    let dir = new_till("concert-crash");
    let pty = pos_drivers::sim::Pty::open(None).unwrap();
    let path = pty.path.clone();
    let sim = ConcertSim::new();
    let control = sim.control.clone();
    control.state().think = std::time::Duration::from_millis(2500);
    let stop = pos_drivers::sim::Stop::default();
    let s = stop.clone();
    std::thread::spawn(move || {
        let mut link = pty.link().unwrap();
        let _ = sim.serve_serial(&mut link, &s);
    });
    let (mut till, _) = open(&dir, "2026-12-05T10:00:00+01:00");
    till.login("S006", "90517").unwrap();
    till.configure("device.terminal", &format!("concert serial:{path}")).unwrap();
    till.stop().unwrap();

    let script = dir.join("card.json");
    let actions = serde_json::json!({"actions": [
        {"do": "login", "staff": "S007", "pin": "2468"},
        {"do": "open_register", "float": "0.00"},
        {"do": "scan", "code": PROP},
        {"do": "pay", "tenders": [{"card": "3.90"}]},
    ]});
    std::fs::write(&script, actions.to_string()).unwrap();
    let mut child = Command::new(POS_TILL)
        .args(["script", "--data"])
        .arg(&dir)
        .arg(&script)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once the terminal has the payment, while the customer types the PIN.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while control.state().journal.is_empty() {
        assert!(std::time::Instant::now() < deadline, "the terminal never got the payment");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let (till, _) =
        pos_till::launch::open_till(&dir, Clock::Set(at("2026-12-05T10:10:00+01:00")), false).unwrap();
    let results = store::records_of_kind(till.conn(), ChainName::Live, Kind::Operation)
        .unwrap()
        .into_iter()
        .filter_map(|r| match r.entry {
            Entry::CardResult { outcome, .. } => Some(outcome),
            _ => None,
        })
        .collect::<Vec<_>>();
    assert_eq!(
        results,
        vec![pos_journal::body::CardOutcome::Approved],
        "the answer collected after the crash"
    );
    let s = control.state();
    assert_eq!((s.journal.len(), s.delivered.len()), (1, 1), "run once, answered once");
    assert_eq!(s.journal[0].cents, 390);
    drop(s);
    till.stop().unwrap();
    stop.stop();
    assert!(verify_cli(&dir).0);
}

/// The counter's scanner and scale as devices: a serial scanner delivers a GS1 weighed label and a
/// product code, the scale is read for the item sold by weight, and a moving weight sells nothing.
#[test]
fn a_serial_scanner_and_a_scale_feed_the_basket() {
    use pos_drivers::scale::ScaleProtocol;
    use pos_drivers::sim::scale::ScaleSim;
    use pos_drivers::sim::scanner::ScannerSim;
    let dir = new_till("scanner-scale");
    let stop = pos_drivers::sim::Stop::default();
    let scale_pty = pos_drivers::sim::Pty::open(None).unwrap();
    let scanner_pty = pos_drivers::sim::Pty::open(None).unwrap();
    let (scale_path, scanner_path) = (scale_pty.path.clone(), scanner_pty.path.clone());
    let scale = ScaleSim::new(ScaleProtocol::Dialog06);
    let weight = scale.control.clone();
    let scanner = ScannerSim::new("", "", true);
    let scan = scanner.control();
    let (s1, s2) = (stop.clone(), stop.clone());
    std::thread::spawn(move || {
        let _ = scale.serve_serial(&mut scale_pty.link().unwrap(), &s1);
    });
    std::thread::spawn(move || {
        let _ = scanner.serve(&mut scanner_pty.link().unwrap(), &s2);
    });
    let (mut till, _) = open(&dir, "2026-12-05T10:00:00+01:00");
    till.login("S006", "90517").unwrap();
    till.configure("device.scale", &format!("dialog06 serial:{scale_path}")).unwrap();
    till.configure("device.scanner", &format!("serial serial:{scanner_path}")).unwrap();
    till.stop().unwrap();

    let (mut till, _) =
        pos_till::launch::open_till(&dir, Clock::Set(at("2026-12-05T10:05:00+01:00")), false).unwrap();
    let spec = pos_till::devices::parse("scanner", &till.config()["device.scanner"]).unwrap();
    let mut reader = pos_till::devices::scanner(&spec).unwrap();
    till.login("S007", "2468").unwrap();
    till.open_register(0, None).unwrap();
    let wait = std::time::Duration::from_secs(5);
    scan.scan(BALSA_455G);
    let code = reader.next_code(wait).unwrap().unwrap();
    let line = till.scan(&code, 1, None, None, None).unwrap();
    assert_eq!(line["total"], "8.19", "455 g at 18.00/kg: {line}");
    weight.set_weight(1250);
    scan.scan("3761000001004");
    let code = reader.next_code(wait).unwrap().unwrap();
    let line = till.scan(&code, 1, None, None, None).unwrap();
    assert_eq!(line["total"], "30.69", "plus 1.250 kg read from the scale: {line}");
    weight.state().motion = true;
    let e = till.scan("3761000001004", 1, None, None, None).unwrap_err().to_string();
    assert!(e.contains("not stable"), "{e}");
    assert_eq!(till.basket_view().unwrap()["lines"].as_array().unwrap().len(), 2, "nothing added");
    till.cancel_basket().unwrap();
    till.stop().unwrap();
    stop.stop();
}

/// A 48-column printer gets 48-column receipts.
#[test]
fn a_48_column_printer_gets_receipts_laid_out_for_it() {
    let dir = new_till("width-48");
    let printer = SimPrinter::start_width(dir.join("printed"), 48);
    let mut till = till_with_device(&dir, "printer", &format!("escpos serial:{} width=48", printer.path));
    till.scan(PROP, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    till.pay(&[TenderSpec::Cash(total)], None).unwrap();
    till.stop().unwrap();
    let receipt = printer.receipts(1).into_iter().find(|r| r.contains("ORIGINAL")).unwrap();
    assert!(receipt.lines().any(|l| l == "-".repeat(48)), "{receipt}");
    assert!(receipt.lines().any(|l| l.starts_with("ESPECES") && l.chars().count() == 48), "{receipt}");
    // The VAT table and the double-size total use the room too; no line is wider.
    assert!(receipt.lines().any(|l| l.starts_with("TVA (€)") && l.chars().count() == 48), "{receipt}");
    assert!(receipt.lines().any(|l| l.starts_with("TOTAL TTC") && l.chars().count() == 24), "{receipt}");
    assert!(receipt.lines().filter(|l| !l.starts_with('[')).all(|l| l.chars().count() <= 48), "{receipt}");
}

/// The till can run on a thread of its own (the desktop app keeps it on one).
#[test]
fn the_till_can_move_to_another_thread() {
    fn send<T: Send>() {}
    send::<Till>();
}

/// The cashier presses cancel while the customer pays on a Concert terminal: the till stops
/// waiting, asks the terminal what happened, and the payment the customer made is kept.
#[test]
fn cancelling_a_card_payment_from_the_till_keeps_what_the_customer_paid() {
    use pos_drivers::sim::concert::ConcertSim;
    let dir = new_till("concert-cancel");
    let pty = pos_drivers::sim::Pty::open(None).unwrap();
    let path = pty.path.clone();
    let sim = ConcertSim::new();
    let control = sim.control.clone();
    control.state().think = std::time::Duration::from_millis(800);
    let stop = pos_drivers::sim::Stop::default();
    let s = stop.clone();
    std::thread::spawn(move || {
        let _ = sim.serve_serial(&mut pty.link().unwrap(), &s);
    });
    let mut till = till_with_device(&dir, "terminal", &format!("concert serial:{path}"));
    till.scan(PROP, 1, None, None, None).unwrap();
    let cancel = till.card_canceller().expect("a Concert payment can be stopped from the till");
    let pressed = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(150));
        cancel.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let total = cents(&till.basket_view().unwrap()["total"]);
    let sale = till.pay(&[TenderSpec::Card(total)], None).unwrap();
    pressed.join().unwrap();
    assert!(sale["ticket"].as_str().is_some(), "the customer paid: the ticket is made: {sale}");
    assert_eq!(control.state().journal.len(), 1, "and the terminal ran it once");
    // A terminal that never answers: without the cancel button the till would wait three minutes.
    control.state().outcome = pos_drivers::sim::concert::CardOutcome::Timeout;
    till.scan(PROP, 1, None, None, None).unwrap();
    let cancel = till.card_canceller().unwrap();
    let pressed = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(150));
        cancel.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let started = std::time::Instant::now();
    let total = cents(&till.basket_view().unwrap()["total"]);
    let e = till.pay(&[TenderSpec::Card(total)], None).unwrap_err().to_string();
    pressed.join().unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "the cancel button stopped the wait");
    assert!(e.contains("cancelled at the till") && e.contains("manager must check"), "{e}");
    assert_eq!(till.basket_view().unwrap()["lines"].as_array().unwrap().len(), 1, "the basket is kept");
    till.stop().unwrap();
    stop.stop();
}

/// Whoever rewrites the database with another key (identity and every signature) is caught by the
/// key file beside it; an identity key of small order is refused outright.
#[test]
fn verify_catches_a_re_keyed_database() {
    let dir = small_day("re-keyed");
    let other = ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]).verifying_key().to_bytes();
    let conn = Connection::open(dir.join("till.db")).unwrap();
    conn.execute_batch("DROP TRIGGER identity_is_fixed_u;").unwrap();
    conn.execute("UPDATE identity SET public_key = ?1", [&other[..]]).unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(!ok && out.contains("re-keyed"), "{out}");
    // Without the key file (kept elsewhere), a key of small order is refused.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    conn.execute("UPDATE identity SET public_key = ?1", [&identity[..]]).unwrap();
    std::fs::rename(dir.join("till.key"), dir.join("till.key.away")).unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(!ok && out.contains("not a valid key"), "{out}");
}

/// A printer unplugged when the till starts does not keep the till shut: it opens, sells (the
/// ticket is journaled, the receipt kept in the database and the cashier told it prints once the
/// printer is back), and once the printer is plugged in the ORIGINAL prints by itself, once; the
/// Concert terminal likewise is reached when it is there.
#[test]
fn a_till_opens_and_sells_with_its_printer_unplugged_and_prints_once_it_is_back() {
    let dir = new_till("unplugged");
    let link = dir.join("printer.pty");
    {
        let (mut till, _) =
            pos_till::launch::open_till(&dir, Clock::Set(at("2026-12-05T09:00:00+01:00")), true).unwrap();
        till.login("S010", "5720").unwrap();
        till.configure("device.printer", &format!("escpos serial:{}", link.display())).unwrap();
        till.configure("device.terminal", &format!("concert serial:{}", dir.join("terminal.pty").display()))
            .unwrap();
        till.logout().unwrap();
    }
    // Nothing behind either path: the till opens all the same.
    let (mut till, _) =
        pos_till::launch::open_till(&dir, Clock::Set(at("2026-12-05T10:00:00+01:00")), false).unwrap();
    assert!(till.card_canceller().is_some(), "the cancel button works once the terminal is reached");
    till.login("S007", "2468").unwrap();
    till.open_register(10_000, None).unwrap();
    till.scan(LIPO, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    let card = till.pay(&[TenderSpec::Card(total)], None).unwrap_err().to_string();
    assert!(card.contains("not charged") || card.contains("check the terminal"), "{card}");
    let sale = till.pay(&[TenderSpec::Cash(total)], None).unwrap();
    let ticket = sale["ticket"].as_str().unwrap().to_owned();
    assert!(
        sale["printer"]["message"].as_str().unwrap().contains("prints once the printer is back"),
        "{sale}"
    );
    assert_eq!(till.devices()["printer"]["last"]["ok"], false);
    assert_eq!(till.devices()["printer_waiting"], 1);

    // Plugged in: the receipt that waited prints by itself.
    let pty = pos_drivers::sim::Pty::open(Some(&link)).unwrap();
    let sim = pos_drivers::sim::printer::PrinterSim::new(&dir.join("printed"), 42).unwrap();
    let stop = pos_drivers::sim::Stop::default();
    let _serving = pty.serve_in_background(&stop, move |l, s| {
        let _ = sim.serve(l, s);
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while till.devices()["printer_waiting"] != 0 {
        assert!(std::time::Instant::now() < deadline, "{}", till.devices());
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(till.devices()["printer"]["last"]["ok"], true);
    till.stop().unwrap();
    stop.stop();
    let printed: Vec<String> = std::fs::read_dir(dir.join("printed"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .filter(|r| r.contains(&ticket))
        .collect();
    assert_eq!(printed.len(), 1, "{printed:?}");
    assert!(printed[0].contains("ORIGINAL"), "{printed:?}");
}
