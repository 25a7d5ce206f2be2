//! pos-till's benchmarks, each beside a floor measured in the same run on this machine.
//!
//! Run through `cargo xtask bench`, which passes the 200,000-item catalogue's folder in
//! `POS_BENCH_CATALOGUE`. Tills are set up under `target/bench-till/` once and reused.

#![allow(clippy::float_arithmetic)] // ratios of timings for display, never money

use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use pos_drivers::printer::FolderPrinter;
use pos_drivers::terminal::SimTerminal;
use pos_journal::ChainName;
use pos_journal::body::{Entry, LineSpec};
use pos_journal::check::{ChainWalk, Stored};
use pos_till::engine::{Clock, TenderSpec, Till};
use pos_till::store;
use rusqlite::Connection;

#[path = "till/aged.rs"]
mod aged;

fn times(n: usize, mut f: impl FnMut()) -> Vec<Duration> {
    let mut t: Vec<Duration> = (0..n)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    t
}

fn pct(t: &[Duration], p: usize) -> Duration {
    t[(t.len() * p / 100).min(t.len() - 1)]
}

struct Row {
    name: &'static str,
    stat: &'static str,
    value: Duration,
    floor_name: &'static str,
    floor: Duration,
    budget: String,
    within: bool,
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn till_in(dir: &Path, fixtures: &Path) -> PathBuf {
    if !dir.join("till.db").exists() {
        let _ = std::fs::remove_dir_all(dir);
        eprintln!("setting up a till in {} from {}", dir.display(), fixtures.display());
        Till::init(dir, "LYO", 1, fixtures, at("2026-12-01T08:00:00+01:00")).expect("the bench till sets up");
    }
    dir.to_owned()
}

fn open(dir: &Path, quiet: bool) -> Till {
    let printer = Box::new(FolderPrinter::new(dir.join("receipts")).unwrap());
    let terminal = Box::new(SimTerminal::new(dir.join("terminal-sim.log")));
    let clock = Clock::Set(at("2026-12-05T09:00:00+01:00"));
    if quiet {
        Till::open_quiet(dir, clock, printer, terminal)
    } else {
        Till::open(dir, clock, printer, terminal)
    }
    .unwrap()
}

fn main() {
    let Some(catalogue) = std::env::var_os("POS_BENCH_CATALOGUE").map(PathBuf::from) else {
        eprintln!("POS_BENCH_CATALOGUE is not set: run the benchmarks with `cargo xtask bench`");
        std::process::exit(2);
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-till");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo");
    let only = std::env::var("POS_BENCH_ONLY").unwrap_or_default();
    let wanted = |n: &str| only.is_empty() || only == n;
    let mut rows = Vec::new();

    if wanted("commit") {
        // A fresh small till each run: committing a ticket does not depend on the catalogue's size.
        let dir = root.join("commit");
        let _ = std::fs::remove_dir_all(&dir);
        let dir = till_in(&dir, &demo);
        let mut till = open(&dir, false);
        till.login("S007", "2468").unwrap();
        till.open_register(0, None).unwrap();
        till.scan("3761100080190", 1, None, None, None).unwrap();
        till.scan("3761300238575", 2, None, None, None).unwrap();
        let total = pos_till::script::cents(till.basket_view().unwrap()["total"].as_str().unwrap()).unwrap();
        till.pay(&[TenderSpec::Cash(total)], None).unwrap();
        let ticket =
            pos_till::store::records_of_kind(till.conn(), ChainName::Live, pos_journal::Kind::Ticket)
                .unwrap()
                .remove(0)
                .entry;
        // Warm-up: a till's WAL file keeps its size across checkpoints, so a commit overwrites frames
        // in place; a brand-new file grows at each commit, which a till does only on its first day.
        for _ in 0..300 {
            till.commit(vec![ticket.clone()]).unwrap();
        }
        // Floor: appending 1 KiB to a file in the same folder and syncing it. The two are measured
        // in turns, so that a disk that slows down for a while slows both.
        let mut f =
            std::fs::OpenOptions::new().create(true).append(true).open(dir.join("fsync-floor")).unwrap();
        let block = [7u8; 1024];
        let (mut commit, mut fsync) = (Vec::new(), Vec::new());
        for _ in 0..400 {
            let s = Instant::now();
            black_box(till.commit(vec![ticket.clone()]).unwrap());
            commit.push(s.elapsed());
            let s = Instant::now();
            f.write_all(&block).unwrap();
            f.sync_data().unwrap();
            fsync.push(s.elapsed());
        }
        commit.sort();
        fsync.sort();
        let (m, floor) = (pct(&commit, 50), pct(&fsync, 50));
        rows.push(Row {
            name: "commit a ticket (record, projections, signature, fsync)",
            stat: "median",
            value: m,
            floor_name: "append 1 KiB + fdatasync",
            floor,
            budget: "1.5x floor".into(),
            within: m.as_secs_f64() <= 1.5 * floor.as_secs_f64(),
        });
    }

    let big = root.join("lyon-200k");
    let codes: Vec<String> = if !(wanted("open") || wanted("scan")) {
        Vec::new()
    } else {
        till_in(&big, &catalogue);
        let conn = Connection::open(big.join("till.db")).unwrap();
        let mut s = conn.prepare("SELECT code FROM barcode WHERE length(code) = 13 AND sku NOT LIKE 'RAD%' AND sku NOT LIKE 'CHG%' AND sku NOT LIKE 'GIFT%' AND sku NOT LIKE 'BULK%' ORDER BY code").unwrap();
        let all: Vec<String> = s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        all.iter().step_by(all.len() / 500 + 1).cloned().collect()
    };

    if wanted("open") {
        let opening = times(21, || {
            black_box(open(&big, true));
        });
        let floor = times(21, || {
            let c = Connection::open(big.join("till.db")).unwrap();
            let n: i64 = c.query_row("SELECT COUNT(*) FROM identity", [], |r| r.get(0)).unwrap();
            black_box(n);
        });
        let m = pct(&opening, 50);
        rows.push(Row {
            name: "open a till database with 200,000 items",
            stat: "median",
            value: m,
            floor_name: "open SQLite + one query",
            floor: pct(&floor, 50),
            budget: "10ms".into(),
            within: m <= Duration::from_millis(10),
        });
    }

    if wanted("scan") {
        let mut till = open(&big, false);
        till.login("S007", "2468").unwrap();
        if till.state().register.is_none() {
            till.open_register(0, None).unwrap();
        }
        if !till.state().basket.lines.is_empty() {
            till.cancel_basket().unwrap();
        }
        let mut n = 0;
        let mut scans = Vec::new();
        for code in codes.iter().cycle().take(600) {
            let s = Instant::now();
            black_box(till.scan(code, 1, None, None, None).unwrap());
            scans.push(s.elapsed());
            n += 1;
            if n % 10 == 0 {
                till.cancel_basket().unwrap();
            }
        }
        till.cancel_basket().unwrap();
        scans.sort();
        let conn = Connection::open(big.join("till.db")).unwrap();
        let mut stmt = conn.prepare_cached("SELECT sku FROM barcode WHERE code = ?1").unwrap();
        let mut i = 0;
        let lookups = times(600, || {
            let s: String = stmt.query_row([&codes[i % codes.len()]], |r| r.get(0)).unwrap();
            i += 1;
            black_box(s);
        });
        let p99 = pct(&scans, 99);
        eprintln!(
            "scan: p50 {:.3?}, p90 {:.3?}, p99 {p99:.3?}, max {:.3?} over {} scans",
            pct(&scans, 50),
            pct(&scans, 90),
            scans[scans.len() - 1],
            scans.len()
        );
        rows.push(Row {
            name: "scan to priced line (basket up to 10 lines, journaled)",
            stat: "p99",
            value: p99,
            floor_name: "SQLite barcode look-up",
            floor: pct(&lookups, 99),
            budget: "1ms".into(),
            within: p99 <= Duration::from_millis(1),
        });
        let queries = [
            "lipo 3s",
            "hélice 10x6",
            "piper",
            "servo 9 g",
            "chargeur",
            "cyano",
            "voilier",
            "radio 16",
            "balsa",
            "PROP-10",
        ];
        let mut q = 0;
        let search = times(300, || {
            black_box(till.search(queries[q % queries.len()]).unwrap());
            q += 1;
        });
        let mut q = 0;
        let floor = times(300, || {
            let n: i64 = conn
                .query_row("SELECT COUNT(*) FROM product WHERE sku = ?1", [queries[q % queries.len()]], |r| {
                    r.get(0)
                })
                .unwrap();
            q += 1;
            black_box(n);
        });
        let p99 = pct(&search, 99);
        rows.push(Row {
            name: "product text search (FTS5: names, SKU, compatibility)",
            stat: "p99",
            value: p99,
            floor_name: "SQLite primary-key look-up",
            floor: pct(&floor, 99),
            budget: "20ms".into(),
            within: p99 <= Duration::from_millis(20),
        });
    }

    if wanted("verify") {
        // Two journals of a million records: basket operations only (the figure this benchmark has
        // always given), and a till's sales (a ticket every six records, a Z every 500 tickets).
        for (journal, dir) in [
            ("operations", million(&root.join("verify-1m"), &demo)),
            ("sales", million_sales(&root.join("verify-1m-sales"), &demo)),
        ] {
            let conn = store::open_db(&dir).unwrap();
            let records: u64 = conn.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0)).unwrap();
            let verify = |replay: bool| {
                times(3, || {
                    let report = pos_till::inspect::verify(&dir, None, replay).unwrap();
                    assert!(report.first_problem().is_none(), "{:?}", report.lines());
                })
            };
            let chain = verify(false);
            let replayed = verify(true);
            let floor = times(3, || {
                let mut s = conn.prepare("SELECT bytes, sig FROM journal ORDER BY chain, seq").unwrap();
                let mut rows = s.query([]).unwrap();
                let mut n = 0usize;
                while let Some(r) = rows.next().unwrap() {
                    n += r.get_ref(0).unwrap().as_blob().unwrap().len();
                }
                black_box(n);
            });
            let name = |replay: bool| -> &'static str {
                match (journal, replay, records >= 1_000_000) {
                    ("operations", false, true) => {
                        "verify 1,000,000 records of basket operations: chain only (as before the replay)"
                    }
                    ("operations", true, true) => {
                        "verify 1,000,000 records of basket operations with the replay"
                    }
                    ("sales", false, true) => {
                        "verify 1,000,000 records of sales (a ticket in six records, a Z every 500 tickets): chain only"
                    }
                    ("sales", true, true) => {
                        "verify 1,000,000 records of sales with the replay (every Z, ticket, table checked)"
                    }
                    (_, false, _) => "verify: chain only",
                    (_, true, _) => "verify with the replay",
                }
            };
            for (replay, t) in [(false, &chain), (true, &replayed)] {
                let m = pct(t, 50);
                rows.push(Row {
                    name: name(replay),
                    stat: "median",
                    value: m,
                    floor_name: "read every record's bytes",
                    floor: pct(&floor, 50),
                    budget: "10s".into(),
                    within: m <= Duration::from_secs(10),
                });
            }
            // The journal crate's walk (what head office and the auditor's tool accept records by):
            // every record read typed and written back byte for byte, linked, numbered and signed.
            let walked = times(1, || assert_eq!(walk_live_chain(&conn), records));
            let m = pct(&walked, 50);
            rows.push(Row {
                name: if journal == "operations" {
                    "pos-journal walk of the 1,000,000 operations (typed read-back, links, numbers, signatures)"
                } else {
                    "pos-journal walk of the 1,000,000 sales records (typed read-back, links, numbers, signatures)"
                },
                stat: "median",
                value: m,
                floor_name: "read every record's bytes",
                floor: pct(&floor, 50),
                budget: "10s".into(),
                within: m <= Duration::from_secs(10),
            });
        }
    }

    if wanted("aged") {
        aged::rows(&root, &demo, &mut rows);
    }

    println!();
    println!("| benchmark | stat | value | floor | floor value | ratio | budget | within |");
    println!("|---|---|---:|---|---:|---:|---:|---|");
    for r in &rows {
        println!(
            "| {} | {} | {:.3?} | {} | {:.3?} | {:.1}x | {} | {} |",
            r.name,
            r.stat,
            r.value,
            r.floor_name,
            r.floor,
            r.value.as_secs_f64() / r.floor.as_secs_f64(),
            r.budget,
            if r.within { "yes" } else { "NO" }
        );
    }
}

/// Walks the live chain of the till on `conn` with the journal crate's [`ChainWalk`], a page at a
/// time; the records accepted (all of them, or it panics naming the first refused).
fn walk_live_chain(conn: &Connection) -> u64 {
    let id = store::identity(conn).unwrap();
    let ring = pos_till::keys::load(conn).unwrap();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut walk = ChainWalk::from_start(&id.till, ChainName::Live, ring).unwrap().with_threads(threads);
    let mut page = conn
        .prepare("SELECT bytes, prev, hash, sig FROM journal WHERE chain = 'live' AND seq >= ?1 ORDER BY seq LIMIT 8192")
        .unwrap();
    let mut accepted = 0u64;
    loop {
        let rows: Vec<[Vec<u8>; 4]> = page
            .query_map([walk.next_seq()], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?]))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        if rows.is_empty() {
            return accepted;
        }
        let stored: Vec<Stored<'_>> =
            rows.iter().map(|[bytes, prev, hash, sig]| Stored { bytes, prev, hash, sig }).collect();
        let (ok, refused) = walk.check_many(&stored);
        assert!(refused.is_none(), "{refused:?}");
        accepted += ok.len() as u64;
    }
}

/// A till whose journal holds a million records of a till's sales: one real sale made through the
/// engine, then tickets like it, each after the five basket operations that made it, and a Z every 500
/// tickets added up from the journal (`closing::day_closure`), appended through the real append path
/// in large transactions; its tables are then made by a replay.
fn million_sales(dir: &Path, demo: &Path) -> PathBuf {
    let dir = till_in(dir, demo);
    let have: u64 =
        store::open_db(&dir).unwrap().query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0)).unwrap();
    if have >= 1_000_000 {
        return tables_made(dir);
    }
    eprintln!("appending sales up to 1,000,000 records in {} (once)", dir.display());
    let ticket = aged::first_sale(&dir);
    let mut conn = store::open_db(&dir).unwrap();
    conn.pragma_update(None, "synchronous", "OFF").unwrap();
    let signer = pos_journal::signature::RecordSigner::new(store::read_key(&dir).unwrap());
    let id = store::identity(&conn).unwrap();
    let mut heads = store::Heads::load(&conn).unwrap();
    let mut n: u64 = conn.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0)).unwrap();
    let mut tickets = 1u64;
    let mut step = 0u64;
    assert_eq!(ticket.lines.len(), 3, "the sale the journal repeats has three lines");
    let at = "2026-12-05T10:00:00+01:00";
    // The day the real sale's register is open for, then the days after it.
    let day0 = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    while n < 1_000_000 {
        let tx = conn.transaction().unwrap();
        for _ in 0..3_000 {
            if n >= 1_000_000 {
                break;
            }
            // A ticket's lines scanned, a line scanned and taken off again, the ticket.
            let entry = match step % 6 {
                5 => {
                    tickets += 1;
                    let mut t = ticket.clone();
                    t.reference = format!("LYO-1-T{tickets:07}");
                    Entry::Ticket(t)
                }
                4 => Entry::LineRemoved { id: 9 },
                3 => Entry::LineAdded {
                    id: 9,
                    line: LineSpec::Units { sku: "LIPO-3S-2200".into(), quantity: 1, serial: None },
                    approved_by: None,
                },
                i => aged::scanned(&ticket.lines[i as usize]),
            };
            step += 1;
            store::append(&tx, &mut heads, &signer, &id.till, ChainName::Live, at, &entry).unwrap();
            n += 1;
            if matches!(entry, Entry::Ticket(_)) && tickets.is_multiple_of(500) && n + 3 <= 1_000_000 {
                // The day closes (its cash counted, the Z), and the next one opens.
                let key = (day0 + chrono::Duration::days((tickets / 500 - 1) as i64)).to_string();
                let next = (day0 + chrono::Duration::days((tickets / 500) as i64)).to_string();
                let z = pos_till::closing::day_closure(&tx, &key, "S006").unwrap();
                let expected = z.cash_expected;
                for e in [
                    Entry::CashCounted {
                        day: key.clone(),
                        counted: Default::default(),
                        total: 0,
                        expected,
                        difference: -expected,
                        by: "S006".into(),
                    },
                    Entry::Closure(z),
                    Entry::RegisterOpened {
                        day: next,
                        float: 10_000,
                        by: "S006".into(),
                        carried: false,
                        approved_by: None,
                    },
                ] {
                    store::append(&tx, &mut heads, &signer, &id.till, ChainName::Live, at, &e).unwrap();
                    n += 1;
                }
            }
        }
        tx.commit().unwrap();
    }
    make_tables(&mut conn, &dir, &id.till);
    dir
}

/// A till whose journal holds a million records (basket operations and tickets' worth of lines),
/// appended through the real append path in large transactions.
fn million(dir: &Path, demo: &Path) -> PathBuf {
    let dir = till_in(dir, demo);
    let mut conn = store::open_db(&dir).unwrap();
    let have: u64 = conn.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0)).unwrap();
    if have >= 1_000_000 {
        drop(conn);
        return tables_made(dir);
    }
    eprintln!("appending records up to 1,000,000 in {} (once)", dir.display());
    conn.pragma_update(None, "synchronous", "OFF").unwrap();
    let signer = pos_journal::signature::RecordSigner::new(store::read_key(&dir).unwrap());
    let id = store::identity(&conn).unwrap();
    let mut heads = store::Heads::load(&conn).unwrap();
    let mut n = have;
    while n < 1_000_000 {
        let tx = conn.transaction().unwrap();
        for _ in 0..20_000.min(1_000_000 - n) {
            let entry = Entry::LineAdded {
                id: (n % 30) as u32 + 1,
                line: LineSpec::Units { sku: "LIPO-3S-2200".into(), quantity: 1, serial: None },
                approved_by: None,
            };
            store::append(
                &tx,
                &mut heads,
                &signer,
                &id.till,
                ChainName::Live,
                "2026-12-05T10:00:00+01:00",
                &entry,
            )
            .unwrap();
            n += 1;
        }
        tx.commit().unwrap();
    }
    make_tables(&mut conn, &dir, &id.till);
    dir
}

/// A benchmark till whose tables a migration left without their stamp gets them made again.
fn tables_made(dir: PathBuf) -> PathBuf {
    let mut conn = store::open_db(&dir).unwrap();
    if pos_till::projection::load_state(&conn).unwrap().is_none_or(|s| s.made_from.is_none()) {
        let till = store::identity(&conn).unwrap().till;
        make_tables(&mut conn, &dir, &till);
    }
    dir
}

/// The tables made from the journal appended to, and sealed, as a till's are.
fn make_tables(conn: &mut Connection, dir: &Path, till: &str) {
    let tx = conn.transaction().unwrap();
    let settings = pos_till::catalogue::settings(&tx).unwrap();
    let ring = pos_till::keys::load(&tx).unwrap();
    let (replay, walked) = pos_till::replay::rebuild_into(&tx, till, &ring, &settings).unwrap();
    assert!(walked.findings.is_empty(), "{:?} (and {} more)", walked.findings.first(), walked.findings.len());
    let seal = pos_till::projection::Seal::of(&store::read_key(dir).unwrap());
    pos_till::projection::save_state(&tx, &replay.state, &seal).unwrap();
    tx.commit().unwrap();
}
