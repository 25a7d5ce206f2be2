//! pos-server's benchmarks, each beside a floor measured in the same run on this machine.
//!
//! - Ingest: 50 tills pushing their journals to the real `pos-server` at once, over HTTP on
//!   loopback, through the tills' own sync client (each record checked: canonical bytes, chain hash,
//!   signature, numbering), beside a bulk insert of the same rows into the same backend with no
//!   check and no HTTP. On SQLite, and on PostgreSQL when `cargo xtask bench` gives a cluster
//!   (`POS_BENCH_POSTGRES`).
//!
//! - Catch-up: a thousand tills, each a day offline, reconciled with a fresh head office, 50 at a
//!   time, beside checking the same records alone with the journal crate.
//!
//! - A new till's first sync of the 200,000-item catalogue (`POS_BENCH_CATALOGUE`), pull and put
//!   in use, beside the till's own import of the same files from disk.
//!
//! - The admin page's server time per page family with a year of the demo chain loaded
//!   (`POS_BENCH_ROWS=admin`), beside the style sheet's.
//!
//! The tills are made once under `target/bench-server/` (a real sale, then records appended through
//! the till's own append path) and copied fresh for each run.

#![allow(clippy::float_arithmetic)] // rates of timings for display, never money

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use pos_drivers::printer::FolderPrinter;
use pos_drivers::terminal::SimTerminal;
use pos_journal::ChainName;
use pos_journal::body::{Entry, LineSpec};
use pos_till::engine::{Clock, TenderSpec, Till};
use pos_till::store;

const POS_SERVER: &str = env!("CARGO_BIN_EXE_pos-server");

#[path = "server/admin.rs"]
mod admin;
#[path = "server/catalogue.rs"]
mod catalogue;
/// Tills pushing at once.
const TILLS: u32 = 50;
/// Records each till pushes.
const RECORDS: u64 = 2_000;
/// Runs of each measure (the median is kept).
const RUNS: usize = 3;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A till of the demo chain holding `records` live records: a real sale, then its lines scanned
/// again (with, when `undo`, a line scanned and taken off again), and the ticket, through the till's
/// append path.
fn make_till(dir: &Path, demo: &Path, store: &str, number: u32, records: u64, undo: bool) {
    Till::init(dir, store, number, demo, at("2026-12-05T08:00:00+01:00")).unwrap();
    let terminal = SimTerminal::new(dir.join("terminal-sim.log"));
    let printer = FolderPrinter::new(dir.join("receipts")).unwrap();
    let mut till =
        Till::open(dir, Clock::Set(at("2026-12-05T09:00:00+01:00")), Box::new(printer), Box::new(terminal))
            .unwrap();
    let (staff, pin) = if store == "PAR" { ("S002", "1937") } else { ("S007", "2468") };
    till.login(staff, pin).unwrap();
    till.open_register(10_000, None).unwrap();
    for code in ["3761100080190", "3761300238575", "3762200151285"] {
        till.scan(code, 1, None, None, None).unwrap();
    }
    let total = pos_till::script::cents(till.basket_view().unwrap()["total"].as_str().unwrap()).unwrap();
    till.pay(&[TenderSpec::Cash(total)], None).unwrap();
    till.stop().unwrap();
    let mut conn = store::open_db(dir).unwrap();
    let Entry::Ticket(ticket) =
        store::records_of_kind(&conn, ChainName::Live, pos_journal::Kind::Ticket).unwrap().remove(0).entry
    else {
        panic!("a ticket")
    };
    conn.pragma_update(None, "synchronous", "OFF").unwrap();
    let signer = pos_journal::signature::RecordSigner::new(store::read_key(dir).unwrap());
    let id = store::identity(&conn).unwrap();
    let mut heads = store::Heads::load(&conn).unwrap();
    let tx = conn.transaction().unwrap();
    let mut step = 0u64;
    let mut tickets = 1u64;
    let cycle = if undo { 6 } else { 4 };
    while heads.len(ChainName::Live) < records {
        let entry = match step % cycle {
            s if s == cycle - 1 => {
                tickets += 1;
                let mut t = ticket.clone();
                t.reference = format!("{}-T{tickets:07}", id.till);
                Entry::Ticket(t)
            }
            4 => Entry::LineRemoved { id: 9 },
            3 => Entry::LineAdded {
                id: 9,
                line: LineSpec::Units { sku: "LIPO-3S-2200".into(), quantity: 1, serial: None },
                approved_by: None,
            },
            i => {
                let l = &ticket.lines[i as usize];
                Entry::LineAdded {
                    id: l.id,
                    line: LineSpec::Units {
                        sku: l.sku.clone(),
                        quantity: u32::try_from(l.quantity).unwrap(),
                        serial: None,
                    },
                    approved_by: None,
                }
            }
        };
        step += 1;
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
    }
    tx.commit().unwrap();
}

/// The `TILLS` template tills, made once.
fn templates(root: &Path) -> Vec<PathBuf> {
    let demo = root.join("fixtures/demo");
    let base = root.join("target/bench-server/tills");
    (1..=TILLS)
        .map(|n| {
            let dir = base.join(format!("LYO-{n}"));
            if !dir.join("ready").exists() {
                clear(&dir);
                eprintln!("making till LYO-{n} with {RECORDS} records in {} (once)", dir.display());
                make_till(&dir, &demo, "LYO", n, RECORDS, true);
                std::fs::write(dir.join("ready"), b"").unwrap();
            }
            dir
        })
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else if e.file_name() != "till.lock" {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        // A server that already stopped has nothing left to kill; the run's figures are taken.
        if let Err(e) = self.child.kill().and_then(|()| self.child.wait().map(drop)) {
            eprintln!("pos-server (pid {}) could not be stopped: {e}", self.child.id());
        }
    }
}

/// Removes what a path holds, if anything: a leftover of an interrupted run.
fn clear(path: &Path) {
    let gone = if path.is_dir() { std::fs::remove_dir_all(path) } else { std::fs::remove_file(path) };
    match gone {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("cannot remove {}: {e}", path.display()),
    }
}

fn serve(data: &Path, database: Option<&str>) -> Server {
    let mut cmd = Command::new(POS_SERVER);
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data"]).arg(data);
    if let Some(db) = database {
        cmd.args(["--database", db]);
    }
    std::fs::create_dir_all(data).unwrap();
    let log = std::fs::File::create(data.join("server.log")).unwrap();
    let mut child = cmd.stdout(Stdio::piped()).stderr(log).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url =
        line.split_whitespace().find(|w| w.starts_with("http")).expect("the server's address").to_owned();
    Server { child, url }
}

fn enroll_code(data: &Path, database: Option<&str>, number: u32) -> String {
    let mut cmd = Command::new(POS_SERVER);
    cmd.args(["enroll", "--store", "LYO", "--till", &number.to_string(), "--data"]).arg(data);
    if let Some(db) = database {
        cmd.args(["--database", db]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A fresh database: a file in a fresh folder, or a new PostgreSQL database.
fn fresh_database(pg: Option<&str>, name: &str) -> Option<String> {
    let base = pg?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(base, tokio_postgres::NoTls).await.unwrap();
        let task = tokio::spawn(conn);
        client.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).await.unwrap();
        client.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
        drop(client);
        // The connection ends with its client; an error on the way is the cluster's to say.
        if let Ok(Err(e)) = task.await {
            panic!("the PostgreSQL connection: {e}");
        }
    });
    Some(format!("{}/{name}", base.rsplit_once('/').unwrap().0))
}

/// One ingest: fresh tills enrolled with a fresh server, then all pushing at once. The time of the
/// pushes alone.
fn ingest(root: &Path, tills: &[PathBuf], pg: Option<&str>, run: usize) -> Duration {
    let work =
        root.join(format!("target/bench-server/run-{}-{run}", if pg.is_some() { "pg" } else { "sqlite" }));
    clear(&work);
    let database = fresh_database(pg, &format!("bench_ingest_{run}"));
    let server = serve(&work.join("ho"), database.as_deref());
    let dirs: Vec<PathBuf> = tills
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let dir = work.join(format!("till-{}", i + 1));
            copy_dir(t, &dir);
            let code = enroll_code(&work.join("ho"), database.as_deref(), i as u32 + 1);
            pos_till::sync::enroll(&dir, &server.url, &code, None).unwrap();
            dir
        })
        .collect();
    let start = Instant::now();
    let handles: Vec<_> = dirs
        .into_iter()
        .map(|dir| std::thread::spawn(move || pos_till::sync::round(&dir).unwrap()))
        .collect();
    for h in handles {
        let r = h.join().unwrap();
        assert_eq!(r.chains[0].acknowledged, RECORDS, "{r:?}");
    }
    let took = start.elapsed();
    drop(server);
    took
}

/// A record as the floor inserts it: till, seq, bytes, previous hash, hash, signature.
type RecordRow = (String, i64, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

/// The floor: the same rows inserted into the same backend in transactions of a batch, with no
/// check, no HTTP and no signature.
fn bulk_insert(root: &Path, tills: &[PathBuf], pg: Option<&str>, run: usize) -> Duration {
    let rows: Vec<Vec<RecordRow>> = tills
        .iter()
        .map(|t| {
            let conn = store::open_db(t).unwrap();
            let id = store::identity(&conn).unwrap();
            store::read_records(&conn, ChainName::Live, 1, RECORDS)
                .unwrap()
                .into_iter()
                .map(|r| {
                    (
                        id.till.clone(),
                        r.header.seq as i64,
                        r.bytes,
                        r.prev.to_vec(),
                        r.hash.to_vec(),
                        r.sig.to_vec(),
                    )
                })
                .collect()
        })
        .collect();
    const TABLE: &str = "CREATE TABLE record (till TEXT NOT NULL, chain TEXT NOT NULL, seq BIGINT NOT NULL, \
        bytes BYTEA NOT NULL, prev BYTEA NOT NULL, hash BYTEA NOT NULL, sig BYTEA NOT NULL, PRIMARY KEY (till, chain, seq))";
    let batch = pos_till::sync::BATCH as usize;
    match pg {
        None => {
            let path = root.join(format!("target/bench-server/floor-{run}.db"));
            clear(&path);
            clear(&path.with_extension("db-wal"));
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL").unwrap();
            conn.execute_batch(&TABLE.replace("BYTEA", "BLOB")).unwrap();
            let start = Instant::now();
            for till in &rows {
                for chunk in till.chunks(batch) {
                    let tx = conn.transaction().unwrap();
                    {
                        let mut s = tx
                            .prepare_cached("INSERT INTO record VALUES (?1, 'live', ?2, ?3, ?4, ?5, ?6)")
                            .unwrap();
                        for (till, seq, bytes, prev, hash, sig) in chunk {
                            s.execute(rusqlite::params![till, seq, bytes, prev, hash, sig]).unwrap();
                        }
                    }
                    tx.commit().unwrap();
                }
            }
            start.elapsed()
        }
        Some(_) => {
            let url = fresh_database(pg, &format!("bench_floor_{run}")).unwrap();
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let (mut client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
                tokio::spawn(conn);
                client.batch_execute(TABLE).await.unwrap();
                let start = Instant::now();
                for till in &rows {
                    for chunk in till.chunks(batch) {
                        let tx = client.transaction().await.unwrap();
                        let name = &chunk[0].0;
                        let seqs: Vec<i64> = chunk.iter().map(|r| r.1).collect();
                        let cols = |f: fn(&RecordRow) -> &Vec<u8>| {
                            chunk.iter().map(|r| f(r).as_slice()).collect::<Vec<&[u8]>>()
                        };
                        let (b, p, h, g) = (cols(|r| &r.2), cols(|r| &r.3), cols(|r| &r.4), cols(|r| &r.5));
                        tx.execute(
                            "INSERT INTO record SELECT $1, 'live', s, b, p, h, g
                             FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[], $6::bytea[]) AS t (s, b, p, h, g)",
                            &[name, &seqs, &b, &p, &h, &g],
                        )
                        .await
                        .unwrap();
                        tx.commit().await.unwrap();
                    }
                }
                start.elapsed()
            })
        }
    }
}

/// Tills of the catch-up: `CATCH_UP` tills of two stores, each a day of 300 tickets of three
/// lines scanned (1,200 records and the day's opening), made once.
const CATCH_UP: u32 = 1_000;
/// Records of a till's day offline.
const DAY: u64 = 1_204;

fn catch_up_tills(root: &Path) -> Vec<PathBuf> {
    let demo = root.join("fixtures/demo");
    let base = root.join("target/bench-server/catch-up");
    (0..CATCH_UP)
        .map(|i| {
            let (store, n) = if i % 2 == 0 { ("LYO", i / 2 + 1) } else { ("PAR", i / 2 + 1) };
            let dir = base.join(format!("{store}-{n}"));
            if !dir.join("ready").exists() {
                clear(&dir);
                if n % 50 == 1 {
                    eprintln!(
                        "making the catch-up's tills: {store}-{n} of {CATCH_UP} in {} (once)",
                        base.display()
                    );
                }
                make_till(&dir, &demo, store, n, DAY, false);
                std::fs::write(dir.join("ready"), b"").unwrap();
            }
            dir
        })
        .collect()
}

/// A thousand tills, each a day offline, reconciled with a fresh head office by 50 at a time (the
/// order they come back in); the time from the first round to the last acknowledgement.
fn catch_up(root: &Path, tills: &[PathBuf], pg: Option<&str>) -> Duration {
    let work =
        root.join(format!("target/bench-server/catch-up-ho-{}", if pg.is_some() { "pg" } else { "sqlite" }));
    clear(&work);
    let database = fresh_database(pg, "bench_catch_up");
    let server = serve(&work, database.as_deref());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let storage = rt.block_on(pos_server::storage::Storage::open(&work, database.as_deref())).unwrap();
    // Each till is a machine of its own: its disk syncs run beside the others', not queued behind
    // a thousand others' on this one disk. The tills are copied to memory (`/dev/shm`) for the run
    // (`POS_BENCH_TILLS_ON_DISK=1` keeps them on this disk); head office's database stays on disk.
    let tills: Vec<PathBuf> =
        match Path::new("/dev/shm").is_dir() && std::env::var_os("POS_BENCH_TILLS_ON_DISK").is_none() {
            true => {
                let shm = Path::new("/dev/shm/pos-bench-catch-up");
                clear(shm);
                tills
                    .iter()
                    .map(|dir| {
                        let to = shm.join(dir.file_name().unwrap());
                        std::fs::create_dir_all(shm).unwrap();
                        let copied =
                            std::process::Command::new("cp").arg("-a").arg(dir).arg(&to).status().unwrap();
                        assert!(copied.success(), "cp -a {} {}", dir.display(), to.display());
                        to
                    })
                    .collect()
            }
            false => tills.to_vec(),
        };
    for dir in &tills {
        // Forget the last run's head office.
        let conn = store::open_db(dir).unwrap();
        // Enrolling with the new head office forgets what the former one said (stock, catalogue).
        conn.execute_batch("DELETE FROM ack; DELETE FROM sync_progress;").unwrap();
        clear(&dir.join(pos_till::sync::link::ACK_FILE));
        let id = store::identity(&conn).unwrap();
        let (code, kept) =
            pos_server::enrolment::new_code(&id.store, id.number, pos_server::now_ms() + 3_600_000).unwrap();
        rt.block_on(storage.add_enrolment(&kept)).unwrap();
        pos_till::sync::enroll(dir, &server.url, &code, None).unwrap();
    }
    drop(storage);
    let queue = std::sync::Arc::new(std::sync::Mutex::new(tills.clone()));
    let (server_cpu_before, own_before) = (cpu_seconds(server.child.id()), cpu_seconds(std::process::id()));
    let start = Instant::now();
    let at_once = std::env::var("POS_BENCH_AT_ONCE").ok().and_then(|n| n.parse().ok()).unwrap_or(TILLS);
    let workers: Vec<_> = (0..at_once)
        .map(|_| {
            let queue = std::sync::Arc::clone(&queue);
            std::thread::spawn(move || {
                loop {
                    // The queue's lock is let go before the round: a guard in a `while let`'s
                    // condition would be held through the body and run the tills one at a time.
                    let next = queue.lock().unwrap().pop();
                    let Some(dir) = next else { break };
                    let r = pos_till::sync::round(&dir).unwrap();
                    assert_eq!(r.waiting(), 0, "{r:?}");
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let took = start.elapsed();
    eprintln!(
        "catch-up: {:.1} s, of which the server's CPU {:.1} s and this process's (the tills) {:.1} s",
        took.as_secs_f64(),
        cpu_seconds(server.child.id()) - server_cpu_before,
        cpu_seconds(std::process::id()) - own_before
    );
    drop(server);
    let _ = std::fs::remove_dir_all("/dev/shm/pos-bench-catch-up");
    took
}

/// CPU seconds (user and system) a process has used, from `/proc`.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(") ").map_or(vec![], |(_, rest)| rest.split(' ').collect());
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// The floor of the catch-up: the same records' hashes and signatures checked by the journal
/// crate on this machine's cores, with no HTTP and no database.
fn catch_up_floor(tills: &[PathBuf]) -> Duration {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let records: Vec<(Vec<store::Stored>, [u8; 32], String)> = tills
        .iter()
        .map(|dir| {
            let conn = store::open_db(dir).unwrap();
            let id = store::identity(&conn).unwrap();
            (store::read_records(&conn, ChainName::Live, 1, DAY).unwrap(), id.public_key, id.till)
        })
        .collect();
    let start = Instant::now();
    for (rs, key, till) in &records {
        let mut walk = pos_journal::check::ChainWalk::from_start(
            till,
            ChainName::Live,
            pos_journal::keys::KeyRing::new(*key),
        )
        .unwrap()
        .with_threads(threads);
        let stored: Vec<pos_journal::check::Stored> = rs
            .iter()
            .map(|r| pos_journal::check::Stored {
                bytes: &r.bytes,
                prev: &r.prev,
                hash: &r.hash,
                sig: &r.sig,
            })
            .collect();
        let (ok, refused) = walk.check_many(&stored);
        assert!(refused.is_none() && ok.len() == rs.len());
    }
    start.elapsed()
}

fn median(mut t: Vec<Duration>) -> Duration {
    t.sort();
    t[t.len() / 2]
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let tills = templates(&root);
    let pg = std::env::var("POS_BENCH_POSTGRES").ok();
    let total = u64::from(TILLS) * RECORDS;
    let mut rows: Vec<Row> = Vec::new();
    let backends: Vec<(&str, Option<&str>)> =
        std::iter::once(("SQLite", None)).chain(pg.as_deref().map(|p| ("PostgreSQL", Some(p)))).collect();
    if pg.is_none() {
        eprintln!("POS_BENCH_POSTGRES is not set: the PostgreSQL rows need `cargo xtask bench`");
    }
    // `POS_BENCH_ROWS=catalogue` (a comma list of ingest, catalogue, admin, catch-up) runs only those rows.
    let only = std::env::var("POS_BENCH_ROWS").ok();
    let wanted = |row: &str| only.as_deref().is_none_or(|o| o.split(',').any(|r| r.trim() == row));
    let ingest_rows = std::env::var("POS_BENCH_CATCH_UP").is_err();
    for (name, pg) in backends.into_iter().filter(|_| ingest_rows && wanted("ingest")) {
        let pushed = median((0..RUNS).map(|run| ingest(&root, &tills, pg, run)).collect());
        let floor = median((0..RUNS).map(|run| bulk_insert(&root, &tills, pg, run)).collect());
        let rate = total as f64 / pushed.as_secs_f64();
        rows.push((
            format!("ingest {TILLS} tills x {RECORDS} records over HTTP, {name}"),
            pushed,
            format!("bulk insert of the same rows, {name}"),
            floor,
            format!(">= 20,000 rec/s: {rate:.0} rec/s"),
            rate >= 20_000.0,
        ));
    }
    if let Some(big) =
        std::env::var("POS_BENCH_CATALOGUE").ok().filter(|_| ingest_rows && wanted("catalogue"))
    {
        for (name, pg) in
            std::iter::once(("SQLite", None)).chain(pg.as_deref().map(|p| ("PostgreSQL", Some(p))))
        {
            let (took, floor) = catalogue::first_sync(&root, Path::new(&big), pg);
            rows.push((
                format!(
                    "a new till's first sync of the 200,000-item catalogue (pull and put in use), {name}"
                ),
                took,
                "the till's own init from the same files on disk".to_owned(),
                floor,
                format!("< 15 s: {:.1} s", took.as_secs_f64()),
                took < Duration::from_secs(15),
            ));
        }
    }
    if let Some(big) = std::env::var("POS_BENCH_CATALOGUE").ok().filter(|_| ingest_rows && wanted("admin")) {
        for (name, pg) in
            std::iter::once(("SQLite", None)).chain(pg.as_deref().map(|p| ("PostgreSQL", Some(p))))
        {
            rows.extend(admin::rows(&root, Path::new(&big), pg, name));
        }
    }
    if !wanted("catch-up") {
        print_rows(rows);
        return;
    }
    let mut tills = catch_up_tills(&root);
    // A smaller catch-up when profiling (`POS_BENCH_CATCH_UP=200`).
    if let Some(n) = std::env::var("POS_BENCH_CATCH_UP").ok().and_then(|n| n.parse().ok()) {
        tills.truncate(n);
    }
    let floor = catch_up_floor(&tills);
    for (name, pg) in std::iter::once(("SQLite", None)).chain(pg.as_deref().map(|p| ("PostgreSQL", Some(p))))
    {
        let took = catch_up(&root, &tills, pg);
        rows.push((
            format!(
                "catch-up: {} tills a day offline ({DAY} records each), 50 at a time, {name}",
                tills.len()
            ),
            took,
            "checking the same records alone (journal crate, all cores)".to_owned(),
            floor,
            format!("< 60 s: {:.1} s", took.as_secs_f64()),
            took < Duration::from_secs(60),
        ));
    }
    print_rows(rows);
}

/// A row of the table: the benchmark, its value, the floor's name and value, the budget, within.
type Row = (String, Duration, String, Duration, String, bool);

fn print_rows(rows: Vec<Row>) {
    println!();
    println!("| benchmark | stat | value | floor | floor value | ratio | budget | within |");
    println!("|---|---|---:|---|---:|---:|---:|---|");
    for (name, value, floor_name, floor, budget, within) in rows {
        let stat = if name.starts_with("ingest") {
            format!("median of {RUNS}")
        } else if name.starts_with("admin") {
            format!("median of {}", admin::TIMES)
        } else {
            "one run".to_owned()
        };
        println!(
            "| {name} | {stat} | {value:.3?} | {floor_name} | {floor:.3?} | {:.1}x | {budget} | {} |",
            value.as_secs_f64() / floor.as_secs_f64(),
            if within { "yes" } else { "NO" }
        );
    }
}
