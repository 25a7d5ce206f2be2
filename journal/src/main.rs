//! `pos-journal`: the auditor's tool. Checks a till's signed archive (`pos-till archive`) or journal
//! export (`pos-till export`) with the public keys it carries, without the till, its database or
//! its private key.
//!
//! ```text
//! pos-journal verify FILE [--expect-key FINGERPRINT]
//! ```
//!
//! Prints `OK ...` and exits 0 for a file that checks; prints what is wrong (the first record that
//! fails and why) and exits 1 otherwise; exits 2 when the file cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pos_journal::{archive, export};

#[derive(Parser)]
#[command(name = "pos-journal", version, about = "Checks a till's signed archive or journal export")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Checks an archive or a journal export: every record's link, hash, numbering and signature.
    Verify {
        /// The file (`LYO-1-2026-12.json` from `pos-till archive`, or a `pos-till export`).
        file: PathBuf,
        /// The fingerprint of the till's key, as its Z reports print it or head office registered it
        /// (`3f2a9c1e...`; spaces and colons are ignored).
        #[arg(long, value_name = "FINGERPRINT")]
        expect_key: Option<String>,
    },
}

#[derive(serde::Deserialize)]
struct Format {
    format: String,
}

fn main() -> ExitCode {
    let Command::Verify { file, expect_key } = Cli::parse().command;
    let bytes = match std::fs::read(&file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let format = serde_json::from_slice::<Format>(&bytes).map(|f| f.format).unwrap_or_default();
    let checked = if format.starts_with("pos-till-archive/") {
        archive::verify(&bytes, expect_key.as_deref(), threads).map(|c| {
            format!(
                "OK archive of {}: {} records signed by key {}; the archive signed by key {}{}",
                c.period,
                c.records,
                c.record_keys.join(", then "),
                c.fingerprint,
                if c.period_signed { "" } else { " (format 1: the period itself is not signed)" }
            )
        })
    } else if format.starts_with("pos-journal-export/") {
        export::verify(&bytes, expect_key.as_deref(), threads).map(|c| {
            format!(
                "OK journal of {} records up to {}, signed by key {}",
                c.records,
                c.last_at,
                c.keys.join(", then ")
            )
        })
    } else {
        Err(format!(
            "{} is neither a till archive nor a journal export (no known `format` field)",
            file.display()
        ))
    };
    match checked {
        Ok(line) => {
            println!("{line}");
            if expect_key.is_none() {
                println!(
                    "compare the key's fingerprint with the one on the till's Z reports, or give it as --expect-key"
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("BROKEN {}: {e}", file.display());
            ExitCode::FAILURE
        }
    }
}
