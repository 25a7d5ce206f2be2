//! `pos-till`: set up a till, run scripted sessions, verify its journal, print reports, archive.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Utc;
use pos_core::journal::{ChainName, Kind};
use pos_drivers::terminal::SimTerminal;
use pos_till::engine::{self, Clock, Till};
use pos_till::entry::Entry;
use pos_till::{TillError, archive, devices, rebuild, script, store};

const USAGE: &str = "usage:
  pos-till init --data DIR --store CODE --till N --fixtures DIR
  pos-till script --data DIR FILE.json
  pos-till verify --data DIR
  pos-till report z --data DIR [--date YYYY-MM-DD] [--json]
  pos-till archive --data DIR --period YYYY-MM
  pos-till verify-archive FILE
  pos-till status --data DIR [--json]
  pos-till rebuild --data DIR
  pos-till devices list --data DIR
  pos-till devices set --data DIR --staff ID --pin PIN NAME SETTING...
  pos-till devices test --data DIR --staff ID --pin PIN NAME";

struct Args(Vec<String>);

impl Args {
    fn value(&self, flag: &str) -> Option<&str> {
        self.0.iter().position(|a| a == flag).and_then(|i| self.0.get(i + 1)).map(String::as_str)
    }
    fn need(&self, flag: &str) -> Result<&str, TillError> {
        self.value(flag).ok_or_else(|| TillError::Refused(format!("{flag} is missing\n{USAGE}")))
    }
    fn has(&self, flag: &str) -> bool {
        self.0.iter().any(|a| a == flag)
    }
    fn data(&self) -> Result<PathBuf, TillError> {
        self.need("--data").map(PathBuf::from)
    }
}

fn open(dir: &std::path::Path, quiet: bool) -> Result<(Till, Option<SimTerminal>), TillError> {
    devices::open_till(dir, Clock::System, quiet)
}

/// `--staff ID --pin PIN`: logs in the manager or technician making a change.
fn login(till: &mut Till, args: &Args) -> Result<(), TillError> {
    till.login(args.need("--staff")?, args.need("--pin")?)?;
    Ok(())
}

fn devices_command(args: &Args) -> Result<ExitCode, TillError> {
    let dir = args.data()?;
    // Positional words after `devices`, flags and their values left out.
    let mut words = Vec::new();
    let mut i = 1;
    while i < args.0.len() {
        if args.0[i].starts_with("--") {
            i += if matches!(args.0[i].as_str(), "--json") { 1 } else { 2 };
        } else {
            words.push(args.0[i].as_str());
            i += 1;
        }
    }
    match words.first().copied() {
        Some("list") => {
            let config = engine::stored_config(&dir)?;
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
                println!("  {f}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Some("set") if words.len() >= 3 => {
            let name = words[1];
            let value = words[2..].join(" ");
            let (mut till, _) = open(&dir, true)?;
            login(&mut till, args)?;
            let out = till.configure(&format!("device.{name}"), &value)?;
            till.logout()?;
            println!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        Some("test") if words.len() == 2 => {
            let (mut till, _) = open(&dir, true)?;
            login(&mut till, args)?;
            let out = till.test_device(words[1])?;
            till.logout()?;
            println!("{out}");
            Ok(ExitCode::from(if out["ok"] == true { 0 } else { 1 }))
        }
        _ => Err(TillError::Refused(format!("which devices command?\n{USAGE}"))),
    }
}

fn run(args: &Args) -> Result<ExitCode, TillError> {
    match args.0.first().map(String::as_str) {
        Some("init") => {
            let dir = args.data()?;
            let number: u32 = args
                .need("--till")?
                .parse()
                .map_err(|_| TillError::Refused("--till takes a number".into()))?;
            Till::init(
                &dir,
                args.need("--store")?,
                number,
                &PathBuf::from(args.need("--fixtures")?),
                Utc::now(),
            )?;
            println!("till {}-{number} set up in {}", args.need("--store")?, dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Some("script") => {
            let dir = args.data()?;
            let file = args
                .0
                .iter()
                .skip(1)
                .find(|a| a.ends_with(".json"))
                .ok_or_else(|| TillError::Refused(format!("no script file\n{USAGE}")))?;
            let text =
                std::fs::read(file).map_err(|e| TillError::Refused(format!("cannot read {file}: {e}")))?;
            let script: script::Script = serde_json::from_slice(&text)
                .map_err(|e| TillError::Refused(format!("{file} is not a till script: {e}")))?;
            let (mut till, terminal) = open(&dir, false)?;
            let mut out = std::io::stdout().lock();
            script::run(&mut till, terminal.as_ref(), &script, &mut out)?;
            till.stop()?;
            Ok(ExitCode::SUCCESS)
        }
        Some("verify") => {
            let dir = args.data()?;
            let conn = store::open_existing(&dir)?;
            // Whoever could rewrite the database could re-key it: the key file beside it must match.
            if let (Ok(key), Ok(id)) = (store::read_key(&dir), store::identity(&conn))
                && key.verifying_key().to_bytes() != id.public_key
            {
                println!(
                    "BROKEN the journal's public key is not the one of {} (the database was re-keyed, or the key file replaced)",
                    dir.join(store::KEY_FILE).display()
                );
                return Ok(ExitCode::from(1));
            }
            let verdict = match store::verify(&conn) {
                Ok(v) => v,
                // A file edited below SQLite (a hex editor) may no longer read as a database at all.
                Err(TillError::Storage(e)) => {
                    println!("BROKEN the database file is damaged: {e}");
                    return Ok(ExitCode::from(1));
                }
                Err(e) => return Err(e),
            };
            match verdict {
                store::Verdict::Ok { records } => {
                    println!("OK {records} records");
                    Ok(ExitCode::SUCCESS)
                }
                store::Verdict::Broken { chain, seq, reason } => {
                    println!("BROKEN {} record {seq}: {reason}", chain.as_str());
                    Ok(ExitCode::from(1))
                }
            }
        }
        Some("report") if args.0.get(1).map(String::as_str) == Some("z") => {
            let dir = args.data()?;
            let (till, _) = open(&dir, true)?;
            let closures = store::records_of_kind(till.conn(), ChainName::Live, Kind::Closure)?;
            let wanted = args.value("--date");
            let found = closures.into_iter().rev().find_map(|r| match r.entry {
                Entry::Closure(c) if c.period == "day" && wanted.is_none_or(|d| d == c.key) => {
                    Some((r.header, c))
                }
                _ => None,
            });
            let (header, closure) = match found {
                Some(x) => x,
                None => {
                    // Not closed yet: the X report of the open day.
                    let day = wanted
                        .map(str::to_owned)
                        .or_else(|| till.state().register.as_ref().map(|r| r.day.clone()));
                    let day = day.ok_or_else(|| {
                        TillError::Refused("no closure yet and no open day: give --date".into())
                    })?;
                    let c = till.day_closure(&day, "X")?;
                    if args.has("--json") {
                        println!("{}", serde_json::json!({"closed": false, "report": c}));
                    } else {
                        println!(
                            "X (not closed)\n{}",
                            pos_till::receipt::closure(
                                &till.identity().till,
                                "",
                                0,
                                &c,
                                None,
                                pos_till::receipt::WIDTH
                            )
                            .to_text()
                        );
                    }
                    return Ok(ExitCode::SUCCESS);
                }
            };
            if args.has("--json") {
                println!(
                    "{}",
                    serde_json::json!({"closed": true, "number": header.no, "at": header.at, "report": closure})
                );
            } else {
                print!(
                    "{}",
                    pos_till::receipt::closure(
                        &till.identity().till,
                        &header.at,
                        header.no,
                        &closure,
                        None,
                        pos_till::receipt::WIDTH
                    )
                    .to_text()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Some("archive") => {
            let dir = args.data()?;
            let (mut till, _) = open(&dir, false)?;
            let v = till.archive(args.need("--period")?)?;
            till.stop()?;
            println!("{v}");
            Ok(ExitCode::SUCCESS)
        }
        Some("verify-archive") => {
            let file =
                args.0.get(1).ok_or_else(|| TillError::Refused(format!("no archive file\n{USAGE}")))?;
            let bytes =
                std::fs::read(file).map_err(|e| TillError::Refused(format!("cannot read {file}: {e}")))?;
            match archive::verify(&bytes) {
                Ok((n, fingerprint)) => {
                    println!("OK {n} records, signed by key {fingerprint}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("BROKEN {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Some("status") => {
            let (till, _) = open(&args.data()?, true)?;
            let s = till.status()?;
            if args.has("--json") {
                println!("{s}");
            } else {
                println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
            }
            Ok(ExitCode::SUCCESS)
        }
        Some("devices") => devices_command(args),
        Some("rebuild") => {
            let n = rebuild(&args.data()?)?;
            println!("projections rebuilt from {n} records");
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            eprintln!("{USAGE}");
            Ok(ExitCode::from(2))
        }
    }
}

fn main() -> ExitCode {
    let args = Args(std::env::args().skip(1).collect());
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("pos-till: {e}");
            ExitCode::from(2)
        }
    }
}
