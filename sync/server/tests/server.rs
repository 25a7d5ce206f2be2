//! pos-server's tests: the real `pos-server` binary on a real port (0: the system picks), tills
//! each with their own SQLite file driven by the real engine and synced by the real client, on both
//! backends: the SQLite file, and a fresh database of the PostgreSQL cluster `cargo xtask test`
//! starts (its address in `POS_TEST_POSTGRES`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Utc};
use pos_drivers::printer::FolderPrinter;
use pos_drivers::terminal::SimTerminal;
use pos_till::engine::{Clock, TenderSpec, Till};

const POS_SERVER: &str = env!("CARGO_BIN_EXE_pos-server");

#[path = "server/admin.rs"]
mod admin;
#[path = "server/admin_security.rs"]
mod admin_security;
#[path = "server/api.rs"]
mod api;
#[path = "server/books.rs"]
mod books;
#[path = "server/catalogue.rs"]
mod catalogue;
#[path = "server/customers.rs"]
mod customers;
#[path = "server/mail.rs"]
mod mail;
#[path = "server/month.rs"]
mod month;
#[path = "server/points.rs"]
mod points;
#[path = "server/push.rs"]
mod push;
#[path = "server/rights.rs"]
mod rights;
#[path = "server/stock.rs"]
mod stock;
#[path = "server/ticket_return.rs"]
mod ticket_return;
#[path = "server/web.rs"]
mod web;
#[path = "server/web_return.rs"]
mod web_return;

/// Where a test's server keeps its data.
#[derive(Clone, Copy, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A test's own folder under the target directory's scratch space: the test binary's folder is
/// emptied at its first use in a run, so runs leave one set of folders behind (a failed test's data
/// stays there to look at), not one per run in the system's temporary folder.
fn scratch(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    static CLEARED: std::sync::Once = std::sync::Once::new();
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("server-tests");
    CLEARED.call_once(|| match std::fs::remove_dir_all(&root) {
        // The first run has nothing to clear.
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            panic!("cannot clear the last run's folders in {}: {e}", root.display())
        }
        _ => {}
    });
    let dir = root.join(format!("{}-{name}", N.fetch_add(1, Ordering::SeqCst)));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh PostgreSQL database for one test, in the cluster `cargo xtask test` runs.
fn postgres_database(name: &str) -> String {
    let base = std::env::var("POS_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "POS_TEST_POSTGRES is not set: run the tests with `cargo xtask test`, which starts a throw-away \
             PostgreSQL cluster, or set it to a postgres:// URL of a user that may create databases"
        )
    });
    static N: AtomicU32 = AtomicU32::new(0);
    let db =
        format!("t{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst), name.replace('-', "_"));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls).await.unwrap();
        let task = tokio::spawn(conn);
        client.batch_execute(&format!("CREATE DATABASE {db}")).await.unwrap();
        drop(client);
        if let Ok(Err(e)) = task.await {
            panic!("the PostgreSQL connection: {e}");
        }
    });
    let (head, _) = base.rsplit_once('/').expect("POS_TEST_POSTGRES ends with /database");
    format!("{head}/{db}")
}

/// A running `pos-server serve`, killed when dropped.
struct Server {
    child: Child,
    url: String,
    data: PathBuf,
    database: Option<String>,
    tls: Option<(PathBuf, PathBuf)>,
    /// The SMTP relay it sends the tills' e-mailed receipts through.
    smtp: Option<String>,
}

impl Server {
    fn start(backend: Backend, name: &str) -> Server {
        let data = scratch(name);
        let database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(postgres_database(name)),
        };
        Server::spawn(data, database, None, "127.0.0.1:0")
    }

    fn spawn(
        data: PathBuf,
        database: Option<String>,
        tls: Option<(PathBuf, PathBuf)>,
        listen: &str,
    ) -> Server {
        Server::spawn_mailing(data, database, tls, listen, None)
    }

    fn spawn_mailing(
        data: PathBuf,
        database: Option<String>,
        tls: Option<(PathBuf, PathBuf)>,
        listen: &str,
        smtp: Option<String>,
    ) -> Server {
        let mut cmd = Command::new(POS_SERVER);
        cmd.args(["serve", "--listen", listen, "--data"]).arg(&data);
        if let Some(relay) = &smtp {
            cmd.args(["--smtp", relay]);
        }
        if let Some(db) = &database {
            cmd.args(["--database", db]);
        }
        if let Some((cert, key)) = &tls {
            cmd.arg("--tls-cert").arg(cert).arg("--tls-key").arg(key);
        }
        // Its log beside its data, appended across restarts (a failing test points at it).
        std::fs::create_dir_all(&data).unwrap();
        let log =
            std::fs::OpenOptions::new().create(true).append(true).open(data.join("server.log")).unwrap();
        let mut child = cmd.stdout(Stdio::piped()).stderr(log).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http"))
            .unwrap_or_else(|| panic!("pos-server did not say where it listens: {line:?}"))
            .to_owned();
        Server { child, url, data, database, tls, smtp }
    }

    /// Kills the server with SIGKILL, as a power cut would.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same data and address (the tills know it by its address).
    fn restart(self) -> Server {
        let smtp = self.smtp.clone();
        self.restart_mailing(smtp)
    }

    /// [`Server::restart`], sending e-mails through `smtp` (none: they wait).
    fn restart_mailing(mut self, smtp: Option<String>) -> Server {
        self.kill();
        let (data, database, tls) = (self.data.clone(), self.database.take(), self.tls.take());
        let listen = self.url.rsplit_once("://").map_or("", |(_, a)| a).to_owned();
        Server::spawn_mailing(data, database, tls, &listen, smtp)
    }

    /// Runs `pos-server ARGS --data DATA [--database URL]` beside the running server.
    fn cli(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new(POS_SERVER);
        cmd.args(args).arg("--data").arg(&self.data);
        if let Some(db) = &self.database {
            cmd.args(["--database", db]);
        }
        cmd.output().unwrap()
    }

    /// The same, which must succeed: its standard output.
    fn cli_ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(out.status.success(), "pos-server {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// A one-time code for till `number` of `store`.
    fn code(&self, store: &str, number: u32) -> String {
        self.cli_ok(&["enroll", "--store", store, "--till", &number.to_string()]).trim().to_owned()
    }

    /// `pos-server tills --json`.
    fn tills_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.cli_ok(&["tills", "--json"])).unwrap()
    }

    /// Head office's storage, opened beside the running server.
    fn storage(&self) -> (tokio::runtime::Runtime, pos_server::storage::Storage) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let s =
            rt.block_on(pos_server::storage::Storage::open(&self.data, self.database.as_deref())).unwrap();
        (rt, s)
    }

    /// Records head office holds of `till`'s live chain.
    fn records(&self, till: &str) -> u64 {
        let (rt, s) = self.storage();
        rt.block_on(s.record_count(till, pos_journal::ChainName::Live)).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo")
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A new till of `store` in its own folder.
fn new_till(store: &str, number: u32, name: &str) -> PathBuf {
    let dir = scratch(name).join("till");
    Till::init(&dir, store, number, &fixtures(), at("2026-12-01T08:00:00+01:00")).unwrap();
    dir
}

/// A cashier of each demo store and their PIN.
fn cashier(dir: &Path) -> (&'static str, &'static str) {
    let conn = pos_till::store::open_db(dir).unwrap();
    match pos_till::store::identity(&conn).unwrap().store.as_str() {
        "PAR" => ("S002", "1937"),
        _ => ("S007", "2468"),
    }
}

const PROP: &str = "3762200151285"; // 3.90

/// The till in `dir`, opened at `when` with the simulated terminal and a folder for receipts.
fn open_till(dir: &Path, when: &str) -> Till {
    let terminal = SimTerminal::new(dir.join("terminal-sim.log"));
    let printer = FolderPrinter::new(dir.join("receipts")).unwrap();
    Till::open(dir, Clock::Set(at(when)), Box::new(printer), Box::new(terminal)).unwrap()
}

/// Opens the register with a float, unless it is open already (the only refusal taken).
fn open_register(till: &mut Till) {
    if let Err(e) = till.open_register(10_000, None) {
        assert!(matches!(e, pos_till::TillError::Refused(_)), "{e}");
    }
}

/// The till in `dir` at `when`, `staff` logged in, its register open.
fn till_at(dir: &Path, when: &str, staff: (&str, &str)) -> Till {
    let mut till = open_till(dir, when);
    till.login(staff.0, staff.1).unwrap();
    open_register(&mut till);
    till
}

/// What each line of ticket (or web order) `reference` can still bring back at `till`.
fn returnable(till: &Till, reference: &str) -> Vec<u64> {
    let v = till.ticket_view(reference).unwrap();
    v["lines"].as_array().unwrap().iter().map(|l| l["returnable"].as_u64().unwrap()).collect()
}

/// Sells `n` tickets of one propeller each, paid cash, at `when`.
fn sell(dir: &Path, n: u32, when: &str) {
    let mut till = open_till(dir, when);
    let (staff, pin) = cashier(dir);
    till.login(staff, pin).unwrap();
    open_register(&mut till);
    for _ in 0..n {
        till.scan(PROP, 1, None, None, None).unwrap();
        let total = pos_till::script::cents(till.basket_view().unwrap()["total"].as_str().unwrap()).unwrap();
        till.pay(&[TenderSpec::Cash(total)], None).unwrap();
    }
    till.stop().unwrap();
}

/// The live chain's length in the till's journal.
fn head(dir: &Path) -> u64 {
    let conn = pos_till::store::open_db(dir).unwrap();
    pos_till::store::Heads::load(&conn).unwrap().len(pos_journal::ChainName::Live)
}

/// Enrols the till in `dir` with `server`.
fn enrol(server: &Server, dir: &Path) {
    let conn = pos_till::store::open_db(dir).unwrap();
    let id = pos_till::store::identity(&conn).unwrap();
    let code = server.code(&id.store, id.number);
    let ca = server.tls.as_ref().map(|(cert, _)| std::fs::read_to_string(cert).unwrap());
    pos_till::sync::enroll(dir, &server.url, &code, ca).unwrap();
}

/// What `pos-till verify` says of the till in `dir`: whether it found a problem, and its lines.
fn verify(dir: &Path) -> (bool, String) {
    let report = pos_till::inspect::verify(dir, None, true).unwrap();
    (report.first_problem().is_none(), report.lines().join("\n"))
}
