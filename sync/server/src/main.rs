//! `pos-server`: head office's server, and the commands an operator runs beside it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use pos_server::http::{self, App};
use pos_server::mail::Relay;
use pos_server::storage::Storage;
use pos_server::{enrolment, keys, now_ms, serve};

mod admin_command;
mod books_command;
mod catalogue_command;
mod customers_command;
mod demo_bank;
mod demo_month;
mod stock_command;
mod web_command;

/// Head office's server.
#[derive(Parser)]
#[command(
    name = "pos-server",
    version,
    about = "Head office's server: tills enrolled, journals pushed and acknowledged, stock consolidated"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where head office keeps its data.
#[derive(clap::Args)]
pub struct Data {
    /// The server's folder (its key, its SQLite database, its logs).
    #[arg(long)]
    data: PathBuf,
    /// A PostgreSQL database (`postgres://user@host:port/db`) instead of the SQLite file in --data.
    #[arg(long, env = "POS_SERVER_DATABASE")]
    database: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serves the API.
    Serve {
        #[command(flatten)]
        data: Data,
        /// The address to listen on (`0.0.0.0:8443`; port 0 picks a free one, printed at start).
        #[arg(long)]
        listen: SocketAddr,
        /// The certificate chain (PEM) for HTTPS.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// Its private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// The location delivery orders leave from.
        #[arg(long, default_value = "WHS")]
        warehouse: String,
        /// The SMTP relay receipts e-mailed at the tills go through (`127.0.0.1:25`, plain SMTP);
        /// none: they wait in the queue.
        #[arg(long, env = "POS_SMTP")]
        smtp: Option<SocketAddr>,
        /// The sender of those e-mails.
        #[arg(long, env = "POS_MAIL_FROM", default_value = "Tickets <tickets@boutique.example>")]
        mail_from: String,
    },
    /// Every till enrolled: its streams, the last record held of each, and any quarantine with its
    /// first bad record.
    Tills {
        #[command(flatten)]
        data: Data,
        /// As one JSON line.
        #[arg(long)]
        json: bool,
    },
    /// Prints a one-time code with which a till enrols (`pos-till enroll`).
    Enroll {
        #[command(flatten)]
        data: Data,
        /// The store's code (`LYO`).
        #[arg(long)]
        store: String,
        /// The till's number in the store.
        #[arg(long)]
        till: u32,
        /// How long the code stays valid, in hours.
        #[arg(long, default_value_t = 24)]
        valid_hours: u32,
    },
    /// Web orders: the shop's token, the orders and where each stands.
    #[command(flatten)]
    Web(web_command::WebCommand),
    /// The chain's catalogue the tills pull: import a new version.
    Catalogue {
        #[command(subcommand)]
        what: catalogue_command::CatalogueCommand,
    },
    /// Customers as head office merged the tills' edits; the erasure of one.
    Customers {
        #[command(subcommand)]
        what: customers_command::CustomersCommand,
    },
    /// A simulated month of the demo chain through the real paths: the tills' journals pushed, the
    /// suppliers' receipts, the bank's statements imported and reconciled.
    DemoMonth {
        #[command(flatten)]
        data: Data,
        /// The month (`2026-11`), the first of `--months`.
        #[arg(long)]
        month: String,
        /// How many months from it (12: a year).
        #[arg(long, default_value_t = 1)]
        months: u32,
        /// The chain's files.
        #[arg(long, default_value = "fixtures/demo")]
        fixtures: PathBuf,
        /// Tickets a till sells on a day, about.
        #[arg(long, default_value_t = 30)]
        tickets_per_day: u32,
        /// The simulation's seed (the same seed, the same month).
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Head office's books: the FEC, reports, bank statements and their reconciliation.
    #[command(flatten)]
    Books(books_command::BooksCommand),
    /// Stock: receipts, transfers, breakage and counts head office records; levels by location.
    Stock {
        #[command(subcommand)]
        what: stock_command::StockCommand,
    },
    /// The admin page's users.
    Admin {
        #[command(subcommand)]
        what: admin_command::AdminCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_target(false).init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("pos-server: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pos-server: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Opens head office's database in `data`.
pub async fn open(data: &Data) -> anyhow::Result<Storage> {
    prepare(&data.data)?;
    Storage::open(&data.data, data.database.as_deref()).await.map_err(anyhow::Error::from)
}

fn prepare(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot make the data folder {}", dir.display()))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { data, listen, tls_cert, tls_key, warehouse, smtp, mail_from } => {
            let tls = match (&tls_cert, &tls_key) {
                (Some(c), Some(k)) => Some(serve::tls_acceptor(c, k)?),
                _ => None,
            };
            let listener = serve::bind(listen, tls.is_some()).await?;
            let storage = open(&data).await?;
            let signer = keys::load_or_create(&data.data)?;
            let addr = listener.local_addr()?;
            let scheme = if tls.is_some() { "https" } else { "http" };
            let app = Arc::new(App { storage, signer, warehouse, now_ms });
            let backend = app.storage.backend();
            // The first line of stdout says where to reach the server (port 0 picks one).
            println!("pos-server listening on {scheme}://{addr} ({backend})");
            use std::io::Write;
            std::io::stdout().flush().context("stdout")?;
            if let Some(addr) = smtp {
                let from: lettre::message::Mailbox = mail_from
                    .parse()
                    .with_context(|| format!("--mail-from `{mail_from}` is not an address"))?;
                tokio::spawn(pos_server::mail::run(Arc::clone(&app), Relay { addr, from: from.to_string() }));
            }
            tokio::spawn(pos_server::books::run(Arc::clone(&app)));
            tokio::spawn(pos_server::admin::catalogue::run_schedule(Arc::clone(&app)));
            let secure = tls.is_some();
            let router = http::router(Arc::clone(&app)).merge(pos_server::admin::router(app, secure));
            serve::run(listener, tls, router).await
        }
        Command::Tills { data, json } => {
            let storage = open(&data).await?;
            let mut out = Vec::new();
            for till in storage.tills().await? {
                let streams = storage.streams(&till.till).await?;
                out.push(serde_json::json!({
                    "till": till.till,
                    "store": till.store,
                    "key": pos_journal::fingerprint(&till.journal_key),
                    "streams": streams.iter().map(|s| serde_json::json!({
                        "chain": s.chain,
                        "last_seq": s.stream.last_seq(),
                        "quarantine": s.stream.quarantine,
                    })).collect::<Vec<_>>(),
                }));
            }
            if json {
                println!("{}", serde_json::Value::Array(out));
                return Ok(());
            }
            for t in &out {
                println!(
                    "{} ({}), key {}",
                    t["till"].as_str().unwrap_or(""),
                    t["store"].as_str().unwrap_or(""),
                    t["key"].as_str().unwrap_or("")
                );
                for s in t["streams"].as_array().into_iter().flatten() {
                    let chain = s["chain"].as_str().unwrap_or("");
                    match s["quarantine"].as_object() {
                        None => println!("  {chain}: {} records", s["last_seq"]),
                        Some(q) => println!(
                            "  {chain}: {} records, QUARANTINE {} at record {}: {}",
                            s["last_seq"],
                            q["fault"].as_str().unwrap_or(""),
                            q["seq"],
                            q["detail"].as_str().unwrap_or("")
                        ),
                    }
                }
            }
            Ok(())
        }
        Command::Stock { what } => stock_command::run(what).await,
        Command::Admin { what } => admin_command::run(what).await,
        Command::Books(what) => books_command::run(what).await,
        Command::DemoMonth { data, month, months, fixtures, tickets_per_day, seed } => {
            demo_month::run(data, &month, months, fixtures, tickets_per_day, seed).await
        }
        Command::Catalogue { what } => catalogue_command::run(what).await,
        Command::Customers { what } => customers_command::run(what).await,
        Command::Web(what) => web_command::run(what).await,
        Command::Enroll { data, store, till, valid_hours } => {
            if store.is_empty()
                || store.len() > 8
                || !store.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            {
                bail!("`{store}` is not a store code: 1 to 8 capital letters or digits (LYO)");
            }
            if !(1..=999).contains(&till) {
                bail!("{till} is not a till number: 1 to 999");
            }
            if !(1..=24 * 30).contains(&valid_hours) {
                bail!("{valid_hours} hours: a code is valid from 1 hour to 30 days");
            }
            let storage = open(&data).await?;
            keys::load_or_create(&data.data)?;
            let expires = now_ms() + i64::from(valid_hours) * 3_600_000;
            let (code, kept) = enrolment::new_code(&store, till, expires)?;
            storage.add_enrolment(&kept).await?;
            let until =
                chrono::DateTime::from_timestamp_millis(expires).map(|t| t.to_rfc3339()).unwrap_or_default();
            println!("{code}");
            eprintln!("till {store}-{till}: enrol it with `pos-till enroll --code {code}` before {until}");
            Ok(())
        }
    }
}
