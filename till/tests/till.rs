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

#[path = "till/commands.rs"]
mod commands;
#[path = "till/devices.rs"]
mod devices;
#[path = "till/events.rs"]
mod events;
#[path = "till/forgeries.rs"]
mod forgeries;
#[path = "till/hardware.rs"]
mod hardware;
#[path = "till/journal.rs"]
mod journal;
#[path = "till/numbers.rs"]
mod numbers;
#[path = "till/owner.rs"]
mod owner;
#[path = "till/property.rs"]
mod property;
#[path = "till/receipts.rs"]
mod receipts;
#[path = "till/sessions.rs"]
mod sessions;
#[path = "till/typescript.rs"]
mod typescript;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo")
}

/// A test's own folder under the target directory's scratch space: the test binary's folder is
/// emptied at its first use in a run, so runs leave one set of folders behind (a failed test's data
/// stays there to look at), not one per run in the system's temporary folder.
fn scratch(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    static CLEARED: std::sync::Once = std::sync::Once::new();
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("till-tests");
    CLEARED.call_once(|| match std::fs::remove_dir_all(&root) {
        // The first run has nothing to clear.
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            panic!("cannot clear the last run's folders in {}: {e}", root.display())
        }
        _ => {}
    });
    let dir = root.join(format!("{}-{name}", N.fetch_add(1, Ordering::SeqCst)));
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
    // Cash to the bank carries its deposit slip, which head office matches the bank's line by.
    assert!(till.cash_to_bank(1_000, "RM 42", None).is_err(), "a slip number has no space");
    till.cash_to_bank(1_000, "RM-LYO-0042", None).unwrap();
    let slip = [Kind::PaymentProof, Kind::Event]
        .into_iter()
        .flat_map(|k| store::records_of_kind(till.conn(), ChainName::Live, k).unwrap())
        .filter_map(|r| match r.entry {
            pos_journal::body::Entry::CashOut { slip, cents, .. } if !slip.is_empty() => Some((slip, cents)),
            _ => None,
        })
        .next()
        .unwrap();
    assert_eq!(slip, ("RM-LYO-0042".to_owned(), 1_000));
    let dup = till.reprint(&refs[0]).unwrap();
    assert_eq!(dup["duplicate"], 1);
    assert!(book.tickets >= 50);

    // Closing: counted 1.00 short of what is expected.
    let expected = 15_000 + book.cash + 2_000 - 500 - 1_000;
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
            .any(|r| r.contains("Z N°1 - 05/12/2026") && r.contains("Écart") && r.contains("-1,00 €"))
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
fn a_variant_sells_without_its_model_in_the_basket() {
    let dir = new_till("variant");
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    till.login("S007", "2468").unwrap();
    till.open_register(0, None).unwrap();
    let r = till.scan("3761200159390", 1, None, None, None).unwrap();
    assert_eq!(r["line"], 1);
    assert_eq!(till.state().basket.lines.len(), 1);
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

fn cli(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(POS_TILL).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The till can run on a thread of its own (the desktop app keeps it on one).
#[test]
fn the_till_can_move_to_another_thread() {
    fn send<T: Send>() {}
    send::<Till>();
}
