//! A new till's first sync of the 200,000-item catalogue: the pull (every entry over HTTP, checked
//! against the version's hash) and the engine putting it in use (the till's catalogue tables made
//! again, the version journaled); beside the floor: the till's own `init` from the same files on
//! disk (the import alone, no network, no check against head office).

use std::path::Path;
use std::time::{Duration, Instant};

use pos_drivers::printer::FolderPrinter;
use pos_drivers::terminal::SimTerminal;
use pos_till::engine::{Clock, Till};

use super::{POS_SERVER, at, clear, enroll_code, fresh_database, serve};

/// (the first sync, the floor), for one backend.
pub fn first_sync(root: &Path, big: &Path, pg: Option<&str>) -> (Duration, Duration) {
    let work =
        root.join(format!("target/bench-server/catalogue-{}", if pg.is_some() { "pg" } else { "sqlite" }));
    clear(&work);
    let database = fresh_database(pg, "bench_catalogue");
    let ho = work.join("ho");
    let server = serve(&ho, database.as_deref());
    let mut cmd = std::process::Command::new(POS_SERVER);
    cmd.args(["catalogue", "import", "--fixtures"]).arg(big).arg("--data").arg(&ho);
    if let Some(db) = &database {
        cmd.args(["--database", db]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let demo = root.join("fixtures/demo");
    let dir = work.join("till");
    Till::init(&dir, "LYO", 1, &demo, at("2026-12-01T08:00:00+01:00")).unwrap();
    let code = enroll_code(&ho, database.as_deref(), 1);
    pos_till::sync::enroll(&dir, &server.url, &code, None).unwrap();

    let start = Instant::now();
    let r = pos_till::sync::round(&dir).unwrap();
    let printer = FolderPrinter::new(dir.join("receipts")).unwrap();
    let terminal = SimTerminal::new(dir.join("terminal-sim.log"));
    let mut till =
        Till::open(&dir, Clock::Set(at("2026-12-01T09:00:00+01:00")), Box::new(printer), Box::new(terminal))
            .unwrap();
    let applied = till.apply_catalogue().unwrap();
    till.stop().unwrap();
    let took = start.elapsed();
    assert!(r.catalogue_entries > 200_000 && applied == Some(1), "{r:?} {applied:?}");
    drop(server);

    let floor_dir = work.join("floor");
    let start = Instant::now();
    Till::init(&floor_dir, "LYO", 2, big, at("2026-12-01T08:00:00+01:00")).unwrap();
    (took, start.elapsed())
}
