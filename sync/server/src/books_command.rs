//! Head office's books from the command line: `fec`, `report vat|pnl|cash`, `import-bank`,
//! `reconcile`. Each catches the books up first (what the tills pushed and head office recorded
//! since the last posting).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use pos_ledger::matching::Rule;
use pos_ledger::{Chart, Role, bank, fec, report};
use pos_server::storage::Storage;

use crate::Data;

/// Which report.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Report {
    /// VAT by rate: base, collected, deductible.
    Vat,
    /// The daily P&L per store, channel and family.
    Pnl,
    /// Cash in the drawers, on its way to the bank, and at the bank.
    Cash,
}

#[derive(Subcommand)]
pub enum BooksCommand {
    /// Writes the FEC of a fiscal year (`SIRENFECAAAAMMJJ.txt`) into a folder.
    Fec {
        #[command(flatten)]
        data: Data,
        /// The company's SIREN (9 digits).
        #[arg(long)]
        siren: String,
        /// The fiscal year (calendar year).
        #[arg(long)]
        year: i32,
        /// The folder to write it in.
        #[arg(long)]
        out: PathBuf,
    },
    /// A report for a period.
    Report {
        /// Which.
        #[arg(value_enum)]
        which: Report,
        #[command(flatten)]
        data: Data,
        /// First day (`2026-11-01`).
        #[arg(long)]
        from: NaiveDate,
        /// Last day, included.
        #[arg(long)]
        to: NaiveDate,
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// VAT: one channel's sales only (`store`, `web`).
        #[arg(long, value_parser = channel)]
        channel: Option<pos_ledger::Channel>,
    },
    /// Imports a bank statement file (CAMT.053, CAMT.054, OFX, CFONB 120): all of it, or nothing
    /// and the reason; a line already imported is not imported again.
    ImportBank {
        #[command(flatten)]
        data: Data,
        /// The file.
        file: PathBuf,
    },
    /// Matches the bank's open lines to the takings, deposits and invoices they settle; prints what
    /// was matched and what is left for a person, and why.
    Reconcile {
        #[command(flatten)]
        data: Data,
    },
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Opens the database and catches the books up.
async fn books(data: &Data) -> anyhow::Result<(Storage, Chart)> {
    let storage = crate::open(data).await?;
    let caught = pos_server::books::catch_up(&storage, today(), pos_server::now_ms()).await?;
    if caught.problems > 0 {
        eprintln!("{} flows could not be posted: see `books_problem`", caught.problems);
    }
    let chart = pos_server::books::chart(&storage)
        .await?
        .context("the books have no chart of accounts: `pos-server catalogue import --fixtures DIR` the chain's files (with accounting/)")?;
    Ok((storage, chart))
}

pub async fn run(command: BooksCommand) -> anyhow::Result<()> {
    match command {
        BooksCommand::Fec { data, siren, year, out } => {
            if siren.len() != 9 || !siren.bytes().all(|b| b.is_ascii_digit()) {
                bail!("`{siren}` is not a SIREN: 9 digits");
            }
            let (from, to) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31));
            let (Some(from), Some(to)) = (from, to) else { bail!("{year} is not a year") };
            let (storage, chart) = books(&data).await?;
            let mut entries = storage.entries_between(from, to).await?;
            let opening = chart.account(Role::Journal, "opening")?.to_owned();
            fec::sort(&mut entries, &opening);
            let letters = pos_server::reconcile::lettering(&chart, &entries, &storage.bank_matches().await?)?;
            std::fs::create_dir_all(&out).with_context(|| format!("cannot make {}", out.display()))?;
            let path = out.join(fec::file_name(&siren, to));
            let tmp = path.with_extension("part");
            let mut w = std::io::BufWriter::new(
                std::fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?,
            );
            let lines = fec::write(&mut w, &chart, &entries, &letters)?;
            w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            println!("{}: {} entries, {lines} lines", path.display(), entries.len());
            Ok(())
        }
        BooksCommand::Report { which, data, from, to, json, channel } => {
            if to < from {
                bail!("--to {to} is before --from {from}");
            }
            let (storage, chart) = books(&data).await?;
            let all = storage.entries_between(NaiveDate::MIN, to).await?;
            let out = std::io::stdout();
            let mut out = out.lock();
            match which {
                Report::Vat => {
                    let rows = report::vat_of(&chart, &all, from, to, channel)?;
                    if json {
                        writeln!(out, "{}", serde_json::to_string(&rows)?)?;
                    } else {
                        writeln!(
                            out,
                            "{:<12} {:>14} {:>14} {:>14}",
                            "rate", "base", "collected", "deductible"
                        )?;
                        for r in rows {
                            writeln!(
                                out,
                                "{:<12} {:>14} {:>14} {:>14}",
                                r.rate,
                                euros(r.base),
                                euros(r.collected),
                                euros(r.deductible)
                            )?;
                        }
                    }
                }
                Report::Pnl => {
                    let rows = report::pnl(&chart, &all, from, to)?;
                    if json {
                        writeln!(out, "{}", serde_json::to_string(&rows)?)?;
                    } else {
                        writeln!(
                            out,
                            "{:<10} {:<6} {:<6} {:<8} {:>12} {:>12} {:>12}",
                            "day", "store", "chan.", "family", "revenue", "cost", "margin"
                        )?;
                        for r in rows {
                            let day = r.day.map(|d| d.to_string()).unwrap_or_default();
                            let channel = r.channel.map_or("", |c| c.as_str());
                            writeln!(
                                out,
                                "{day:<10} {:<6} {channel:<6} {:<8} {:>12} {:>12} {:>12}",
                                r.store,
                                r.family,
                                euros(r.revenue),
                                euros(r.cost),
                                euros(r.margin)
                            )?;
                        }
                    }
                }
                Report::Cash => {
                    let rows = report::cash(&chart, &all, from, to)?;
                    if json {
                        writeln!(out, "{}", serde_json::to_string(&rows)?)?;
                    } else {
                        writeln!(
                            out,
                            "{:<8} {:<36} {:<10} {:>12} {:>12} {:>12} {:>12}",
                            "account", "label", "aux", "opening", "in", "out", "closing"
                        )?;
                        for r in rows {
                            writeln!(
                                out,
                                "{:<8} {:<36} {:<10} {:>12} {:>12} {:>12} {:>12}",
                                r.account,
                                r.label,
                                r.aux,
                                euros(r.opening),
                                euros(r.debit),
                                euros(r.credit),
                                euros(r.closing)
                            )?;
                        }
                    }
                }
            }
            Ok(())
        }
        BooksCommand::ImportBank { data, file } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let statements = bank::read(&bytes)
                .map_err(|e| anyhow::anyhow!("{}: {e}; nothing was imported", file.display()))?;
            for s in &statements {
                if !s.currency.is_empty() && s.currency != "EUR" {
                    bail!(
                        "{}: account {} is in {}, the books are in euros; nothing was imported",
                        file.display(),
                        s.account,
                        s.currency
                    );
                }
            }
            let storage = crate::open(&data).await?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            for s in statements {
                let n = s.lines.len();
                let (new, held) =
                    storage.import_bank_lines(&s.account, &name, s.lines, pos_server::now_ms()).await?;
                println!(
                    "{} ({}): {n} lines, {new} new, {held} already imported",
                    s.account,
                    s.format.as_str()
                );
            }
            Ok(())
        }
        BooksCommand::Reconcile { data } => {
            let (storage, chart) = books(&data).await?;
            let reconciled =
                pos_server::reconcile::reconcile(&storage, &chart, today(), pos_server::now_ms()).await?;
            let _ = pos_server::books::catch_up(&storage, today(), pos_server::now_ms()).await?;
            println!(
                "{} lines matched automatically ({} card settlements, {} deposits, {} supplier payments), {} left for review",
                reconciled.matched.len(),
                reconciled.matched.iter().filter(|m| m.rule == Rule::CardSettlement).count(),
                reconciled.matched.iter().filter(|m| m.rule == Rule::Deposit).count(),
                reconciled.matched.iter().filter(|m| m.rule == Rule::SupplierPayment).count(),
                reconciled.review.len()
            );
            for r in &reconciled.review {
                println!(
                    "  {}: {}{}",
                    r.line,
                    r.reason,
                    if r.candidates.is_empty() {
                        String::new()
                    } else {
                        format!(" (candidates: {})", r.candidates.join(", "))
                    }
                );
            }
            Ok(())
        }
    }
}

fn channel(s: &str) -> Result<pos_ledger::Channel, String> {
    match s {
        "store" => Ok(pos_ledger::Channel::Store),
        "web" => Ok(pos_ledger::Channel::Web),
        _ => Err(format!("`{s}`: store or web")),
    }
}

fn euros(cents: i64) -> String {
    format!(
        "{}{}.{:02}",
        if cents < 0 { "-" } else { "" },
        cents.unsigned_abs() / 100,
        cents.unsigned_abs() % 100
    )
}
