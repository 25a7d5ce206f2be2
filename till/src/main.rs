//! `pos-till`: set up a till, run scripted sessions, verify its journal, print reports, archive.
//!
//! `verify`, `verify-archive`, `report` and `status` only read: they work on a copy (a DVD, a USB
//! key) and without the private key. Whatever changes the till takes its folder's lock.

use pos_journal::body::{ClosurePeriod, Entry};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::Utc;
use clap::{Parser, Subcommand};
use pos_drivers::terminal::SimTerminal;
use pos_journal::{ChainName, Kind};
use pos_till::engine::{Approval, Clock, Till};
use pos_till::{TillError, devices, inspect, receipt, script, store};

/// The till engine's command.
#[derive(Parser)]
#[command(name = "pos-till", version, about = "The till: set it up, run it, verify its journal")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// A member of staff's id and PIN: a manager's for what a manager does, a technician's too for the
/// devices.
#[derive(clap::Args)]
struct Manager {
    /// The manager's staff id.
    #[arg(long)]
    staff: String,
    /// Their PIN.
    #[arg(long)]
    pin: String,
}

impl Manager {
    fn approval(&self) -> Approval {
        Approval { staff: self.staff.clone(), pin: self.pin.clone() }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Sets up a new till from the chain's files.
    Init {
        /// The till's folder.
        #[arg(long)]
        data: PathBuf,
        /// Store code (LYO).
        #[arg(long)]
        store: String,
        /// Till number in the store.
        #[arg(long)]
        till: u32,
        /// The chain's files.
        #[arg(long)]
        fixtures: PathBuf,
    },
    /// Runs a scripted session (docs/till-script.md), one JSON line per action.
    Script {
        /// The till's folder.
        #[arg(long)]
        data: PathBuf,
        /// The script.
        file: PathBuf,
    },
    /// Verifies the journal from the database alone: chains, signatures, every closure against the
    /// tickets, every table against a replay, the head files, the key.
    Verify {
        /// The till's folder (read only).
        #[arg(long)]
        data: PathBuf,
        /// The fingerprint of the key the journal must be signed with (as head office registered it
        /// or a Z printed it).
        #[arg(long)]
        expect_key: Option<String>,
        /// Hashes, signatures and numbering only, without the replay.
        #[arg(long)]
        chain_only: bool,
    },
    /// Prints a Z (or the X of the open day).
    Report {
        /// `z`.
        #[arg(value_parser = ["z"])]
        which: String,
        /// The till's folder (read only).
        #[arg(long)]
        data: PathBuf,
        /// The day (YYYY-MM-DD); the last one without it.
        #[arg(long)]
        date: Option<String>,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Writes the signed archive of a month.
    Archive {
        /// The till's folder.
        #[arg(long)]
        data: PathBuf,
        /// YYYY-MM.
        #[arg(long)]
        period: String,
    },
    /// Writes the whole live journal, from its first record, to a file that `pos-journal verify`
    /// checks with nothing else (for an inspector or head office).
    Export {
        /// The till's folder (read only).
        #[arg(long)]
        data: PathBuf,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Verifies an archive file without any database.
    VerifyArchive {
        /// The archive.
        file: PathBuf,
        /// The fingerprint of the key the archive must be signed with.
        #[arg(long)]
        expect_key: Option<String>,
    },
    /// What the till is doing, from its folder (read only).
    Status {
        /// The till's folder.
        #[arg(long)]
        data: PathBuf,
        /// As one JSON line.
        #[arg(long)]
        json: bool,
    },
    /// A manager makes the till's tables again from its journal (journaled).
    Rebuild {
        /// The till's folder.
        #[arg(long)]
        data: PathBuf,
        #[command(flatten)]
        manager: Manager,
    },
    /// A manager accepts a journal that does not reach the head kept outside it (journaled).
    AcceptHead {
        /// The till's folder.
        #[arg(long)]
        data: PathBuf,
        #[command(flatten)]
        manager: Manager,
    },
    /// A manager replaces the till's signing key: the change is signed by the old key.
    ChangeKey {
        /// The till's folder.
        #[arg(long)]
        data: PathBuf,
        #[command(flatten)]
        manager: Manager,
    },
    /// Enrols the till with head office (a one-time code from `pos-server enroll`).
    Enroll {
        /// The till's folder.
        #[arg(long)]
        data: PathBuf,
        /// Head office's address (`https://ho.example:8443`).
        #[arg(long)]
        server: String,
        /// The one-time code.
        #[arg(long)]
        code: String,
        /// The certificate authority to trust for head office's address (PEM); the system's without it.
        #[arg(long)]
        ca: Option<PathBuf>,
    },
    /// Runs one round of the sync with head office now: pushes the journal, keeps the
    /// acknowledgements.
    Sync {
        /// The till's folder.
        #[arg(long)]
        data: PathBuf,
        /// As one JSON line.
        #[arg(long)]
        json: bool,
    },
    /// The till's devices.
    Devices {
        #[command(subcommand)]
        command: DevicesCommand,
    },
}

#[derive(Subcommand)]
enum DevicesCommand {
    /// Each device's setting, and the ports the system lists.
    List {
        /// The till's folder.
        #[arg(long)]
        data: PathBuf,
    },
    /// Sets a device (a manager or a technician): `printer escpos serial:/dev/ttyUSB0` ...
    Set {
        /// The till's folder.
        #[arg(long)]
        data: PathBuf,
        #[command(flatten)]
        staff: Manager,
        /// printer, terminal, scale, scanner.
        name: String,
        /// The setting, in words.
        #[arg(required = true, num_args = 1..)]
        setting: Vec<String>,
    },
    /// Tries a device (journaled).
    Test {
        /// The till's folder.
        #[arg(long)]
        data: PathBuf,
        #[command(flatten)]
        staff: Manager,
        /// printer, terminal, scale, scanner.
        name: String,
    },
}

fn open(dir: &Path, quiet: bool) -> Result<(Till, Option<SimTerminal>), TillError> {
    pos_till::launch::open_till(dir, Clock::System, quiet)
}

fn devices_command(command: DevicesCommand) -> Result<ExitCode, TillError> {
    match command {
        DevicesCommand::List { data } => {
            let config = pos_till::engine::stored_config(&data)?;
            let configured = devices::configured(&config);
            println!("configured:");
            for name in devices::NAMES {
                match configured.iter().find(|(n, _)| n == name) {
                    Some((_, Ok(_))) => println!("  {name:<9} {}", config[&format!("device.{name}")]),
                    Some((_, Err(e))) => println!("  {name:<9} INVALID: {e}"),
                    None => println!(
                        "  {name:<9} {}",
                        match *name {
                            "printer" => "folder (default: receipts as text files)",
                            "terminal" => "sim (default: the built-in simulated terminal)",
                            _ => "none",
                        }
                    ),
                }
            }
            println!("found:");
            let found = pos_drivers::link::found();
            if found.is_empty() {
                println!("  no serial port or USB printer (a pseudo-terminal is configured by its path)");
            }
            for f in found {
                println!("  {:<40} {}", f.address, f.description);
            }
            Ok(ExitCode::SUCCESS)
        }
        DevicesCommand::Set { data, staff, name, setting } => {
            let (mut till, _) = open(&data, true)?;
            till.login(&staff.staff, &staff.pin)?;
            let out = till.configure(&format!("device.{name}"), &setting.join(" "))?;
            till.logout()?;
            println!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        DevicesCommand::Test { data, staff, name } => {
            let (mut till, _) = open(&data, true)?;
            till.login(&staff.staff, &staff.pin)?;
            let out = till.test_device(&name)?;
            till.logout()?;
            println!("{out}");
            Ok(ExitCode::from(if out["ok"] == true { 0 } else { 1 }))
        }
    }
}

fn verify(data: &Path, expect_key: Option<&str>, chain_only: bool) -> Result<ExitCode, TillError> {
    let report = match inspect::verify(data, expect_key, !chain_only) {
        Ok(r) => r,
        // A file edited below SQLite (a hex editor) may no longer read as a database at all.
        Err(TillError::Storage { message: e, .. }) => {
            println!("BROKEN the database file is damaged: {e}");
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e),
    };
    let mut out = std::io::stdout().lock();
    for line in report.lines() {
        // A reader that stops early (`| head -1`) is not an error of the journal.
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
    Ok(if report.first_problem().is_some() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn report_z(data: &Path, date: Option<&str>, as_json: bool) -> Result<ExitCode, TillError> {
    let ro = store::open_read_only(data)?;
    let conn = &ro.conn;
    let id = store::identity(conn)?;
    let ring = pos_till::keys::load(conn)?;
    let closures = store::records_of_kind(conn, ChainName::Live, Kind::Closure)?;
    let found = closures.into_iter().rev().find_map(|r| match r.entry {
        Entry::Closure(c) if c.period == ClosurePeriod::Day && date.is_none_or(|d| d == c.key) => {
            Some((r.header, c))
        }
        _ => None,
    });
    let Some((header, closure)) = found else {
        // Not closed yet: the X report of the open day.
        let day = match date {
            Some(d) => d.to_owned(),
            None => pos_till::closing::drawer(conn)?
                .map(|r| r.day)
                .ok_or_else(|| TillError::refused("no closure yet and no open day: give --date"))?,
        };
        let c = pos_till::closing::day_closure(conn, &day, "X")?;
        if as_json {
            println!("{}", serde_json::json!({"closed": false, "report": c}));
        } else {
            let families = pos_till::catalogue::settings(conn)?.families;
            let text = receipt::closure(&id.till, "", 0, &c, None, None, &families, receipt::WIDTH).to_text();
            println!("X (not closed)\n{text}");
        }
        return Ok(ExitCode::SUCCESS);
    };
    let anchor = receipt::anchor_of(conn, &header, &ring)?;
    if as_json {
        println!(
            "{}",
            serde_json::json!({
                "closed": true,
                "number": header.no,
                "at": header.at,
                "report": closure,
                "journal": {"seq": anchor.seq, "hash": anchor.hash, "key": anchor.key},
            })
        );
    } else {
        let families = pos_till::catalogue::settings(conn)?.families;
        let r = receipt::closure(
            &id.till,
            &header.at,
            header.no,
            &closure,
            None,
            Some(&anchor),
            &families,
            receipt::WIDTH,
        );
        print!("{}", r.to_text());
    }
    Ok(ExitCode::SUCCESS)
}

fn status(data: &Path, as_json: bool) -> Result<ExitCode, TillError> {
    let ro = store::open_read_only(data)?;
    let conn = &ro.conn;
    let id = store::identity(conn)?;
    let ring = pos_till::keys::load(conn)?;
    let heads = store::Heads::load(conn)?;
    let state = pos_till::projection::load_state(conn)?;
    let blocks = inspect::start_checks(conn, data, &id, &ring, state.as_ref(), &heads)?;
    let mut s = inspect::status_of(conn, &id, &state.unwrap_or_default(), &heads, &ring, &blocks)?;
    s.head_office = pos_till::sync::view(conn, data)?;
    if as_json {
        println!("{}", serde_json::to_string(&s).unwrap_or_default());
    } else {
        println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens the till, has a manager do `what`, stops it.
fn as_manager(
    data: &Path,
    manager: &Manager,
    what: impl FnOnce(&mut Till, &Approval) -> Result<serde_json::Value, TillError>,
) -> Result<ExitCode, TillError> {
    let (mut till, _) = open(data, false)?;
    let out = what(&mut till, &manager.approval());
    till.stop()?;
    println!("{}", out?);
    Ok(ExitCode::SUCCESS)
}

/// The folder of the till a command writes to (whose log it writes); `None` for the commands that
/// only read (`verify`, `status`, `report`, `export`, `devices list`), which may run on a read-only
/// copy.
fn writes_to(command: &Command) -> Option<&Path> {
    match command {
        Command::Script { data, .. }
        | Command::Archive { data, .. }
        | Command::Rebuild { data, .. }
        | Command::AcceptHead { data, .. }
        | Command::ChangeKey { data, .. }
        | Command::Enroll { data, .. }
        | Command::Sync { data, .. }
        | Command::Devices {
            command: DevicesCommand::Set { data, .. } | DevicesCommand::Test { data, .. },
        } => Some(data),
        _ => None,
    }
}

fn run(cli: Cli) -> Result<ExitCode, TillError> {
    // The log of a till this command writes to, in its folder (a folder without a till is refused
    // below and left untouched).
    let _log = match writes_to(&cli.command) {
        Some(dir) if dir.join(store::DB_FILE).is_file() => Some(pos_till::logging::start(dir)?),
        _ => None,
    };
    match cli.command {
        Command::Init { data, store, till, fixtures } => {
            Till::init(&data, &store, till, &fixtures, Utc::now())?;
            let _log = pos_till::logging::start(&data)?;
            tracing::info!(till = %format!("{store}-{till}"), "set up");
            println!("till {store}-{till} set up in {}", data.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Script { data, file } => {
            let text = std::fs::read(&file)
                .map_err(|e| TillError::refused(format!("cannot read {}: {e}", file.display())))?;
            let script: script::Script = serde_json::from_slice(&text)
                .map_err(|e| TillError::refused(format!("{} is not a till script: {e}", file.display())))?;
            // The script's clock from the start: the till's own start is dated by it too.
            let clock = match &script.start {
                Some(start) => Clock::Set(
                    chrono::DateTime::parse_from_rfc3339(start)
                        .map_err(|e| TillError::refused(format!("`start` {start}: {e}")))?
                        .with_timezone(&Utc),
                ),
                None => Clock::System,
            };
            let (mut till, terminal) = pos_till::launch::open_till(&data, clock, false)?;
            let mut out = std::io::stdout().lock();
            script::run(&mut till, terminal.as_ref(), &script, &mut out)?;
            till.stop()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify { data, expect_key, chain_only } => verify(&data, expect_key.as_deref(), chain_only),
        Command::Report { data, date, json, .. } => report_z(&data, date.as_deref(), json),
        Command::Archive { data, period } => {
            let (mut till, _) = open(&data, false)?;
            let v = till.archive(&period);
            till.stop()?;
            println!("{}", v?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { data, out } => {
            let db = store::open_read_only(&data)?;
            let n = pos_till::archive::export(&db.conn, &out)?;
            println!(
                "wrote {n} records to {}: check it with `pos-journal verify {}`",
                out.display(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::VerifyArchive { file, expect_key } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| TillError::refused(format!("cannot read {}: {e}", file.display())))?;
            let threads = std::thread::available_parallelism().map_or(1, usize::from);
            match pos_journal::archive::verify(&bytes, expect_key.as_deref(), threads) {
                Ok(c) => {
                    println!(
                        "OK {} records of {}, signed by key {}{}",
                        c.records,
                        c.period,
                        c.fingerprint,
                        if c.period_signed { "" } else { " (format 1: the period itself is not signed)" }
                    );
                    if c.record_keys.len() > 1 || c.record_keys.first() != Some(&c.fingerprint) {
                        println!("records signed by key {}", c.record_keys.join(" then "));
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("BROKEN {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Status { data, json } => status(&data, json),
        Command::Rebuild { data, manager } => as_manager(&data, &manager, |t, a| t.rebuild(Some(a))),
        Command::AcceptHead { data, manager } => as_manager(&data, &manager, |t, a| t.accept_head(Some(a))),
        Command::ChangeKey { data, manager } => as_manager(&data, &manager, |t, a| t.change_key(Some(a))),
        Command::Devices { command } => devices_command(command),
        Command::Enroll { data, server, code, ca } => {
            let ca = ca
                .map(|f| {
                    std::fs::read_to_string(&f)
                        .map_err(|e| TillError::refused(format!("cannot read {}: {e}", f.display())))
                })
                .transpose()?;
            match pos_till::sync::enroll(&data, &server, &code, ca) {
                Ok(e) => {
                    tracing::info!(till = e.till, server, "enrolled with head office");
                    println!(
                        "till {} enrolled with head office at {server} (its key {})",
                        e.till, e.server_key
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => sync_failed(e),
            }
        }
        Command::Sync { data, json } => match pos_till::sync::round(&data) {
            Ok(r) => {
                if json {
                    println!("{}", serde_json::to_string(&r).unwrap_or_default());
                } else {
                    for c in &r.chains {
                        let chain = c.chain.map_or("", |c| c.as_str());
                        println!(
                            "{chain}: {} records, {} sent now, {} already held, acknowledged up to {}",
                            c.head, c.pushed, c.duplicates, c.acknowledged
                        );
                        if let Some(q) = &c.quarantine {
                            println!("QUARANTINE {q}");
                        }
                    }
                    if let Some(b) = &r.behind {
                        println!("BEHIND {b}");
                    }
                }
                let clean = r.behind.is_none() && r.chains.iter().all(|c| c.quarantine.is_none());
                Ok(if clean { ExitCode::SUCCESS } else { ExitCode::from(1) })
            }
            Err(e) => sync_failed(e),
        },
    }
}

/// A sync that did not happen: said, with exit code 3 (head office unreachable: try later) or 2.
fn sync_failed(e: pos_till::sync::SyncError) -> Result<ExitCode, TillError> {
    eprintln!("pos-till: {e}");
    tracing::warn!("sync: {e}");
    Ok(ExitCode::from(if matches!(e, pos_till::sync::SyncError::Offline(_)) { 3 } else { 2 }))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("pos-till: {e}");
            ExitCode::from(2)
        }
    }
}
