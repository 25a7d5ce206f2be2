//! `pos-server stock ...`: what head office's operator records of stock, and what they see of it.

use anyhow::bail;
use clap::Subcommand;
use pos_server::storage::Storage;
use pos_server::storage::stock::Recorded;
use pos_sync::stock::{Milli, OfficeMove};

use crate::Data;

#[derive(Subcommand)]
pub enum StockCommand {
    /// Goods received from a supplier at a location.
    Receive {
        #[command(flatten)]
        data: Data,
        /// Where (`WHS`, `LYO`).
        #[arg(long)]
        location: String,
        #[command(flatten)]
        item: Item,
    },
    /// Goods sent from one location to another.
    Transfer {
        #[command(flatten)]
        data: Data,
        /// From.
        #[arg(long)]
        from: String,
        /// To.
        #[arg(long)]
        to: String,
        #[command(flatten)]
        item: Item,
    },
    /// Goods broken or lost at a location.
    Breakage {
        #[command(flatten)]
        data: Data,
        /// Where.
        #[arg(long)]
        location: String,
        #[command(flatten)]
        item: Item,
    },
    /// A count: the stock at a location is what was counted (the difference is recorded).
    Count {
        #[command(flatten)]
        data: Data,
        /// Where.
        #[arg(long)]
        location: String,
        #[command(flatten)]
        item: Item,
    },
    /// Every location's stock of an item, and its movements.
    Show {
        #[command(flatten)]
        data: Data,
        /// The item.
        #[arg(long)]
        sku: String,
        /// As one JSON line.
        #[arg(long)]
        json: bool,
    },
}

/// An item, a quantity and the paper that says so.
#[derive(clap::Args)]
pub struct Item {
    /// The item.
    #[arg(long)]
    sku: String,
    /// How many (units, or kilograms to the gram): positive; for a count, what was counted.
    #[arg(long, value_parser = quantity, allow_hyphen_values = true)]
    qty: Milli,
    /// The delivery note, transfer slip or count sheet: the same reference again records nothing.
    #[arg(long)]
    reference: String,
}

fn quantity(s: &str) -> Result<Milli, String> {
    Milli::parse(s).map_err(|e| e.to_string())
}

fn code(what: &str, s: &str) -> anyhow::Result<String> {
    if s.is_empty() || s.len() > 8 || !s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
        bail!("`{s}` is not a {what} code: 1 to 8 capital letters or digits (WHS)");
    }
    Ok(s.to_owned())
}

fn sku(s: &str) -> anyhow::Result<String> {
    if s.is_empty()
        || s.len() > 32
        || !s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
    {
        bail!("`{s}` is not a SKU: 1 to 32 capital letters, digits and hyphens");
    }
    Ok(s.to_owned())
}

fn reference(s: &str) -> anyhow::Result<String> {
    if s.trim().is_empty() || s.len() > 64 {
        bail!(
            "give the paper's reference (1 to 64 characters): it keeps the same movement from being recorded twice"
        );
    }
    Ok(s.trim().to_owned())
}

pub async fn run(command: StockCommand) -> anyhow::Result<()> {
    let (data, what, item) = match command {
        StockCommand::Show { data, sku: s, json } => {
            return show(&crate::open(&data).await?, &sku(&s)?, json).await;
        }
        StockCommand::Receive { data, location, item } => {
            let location = code("location", &location)?;
            (data, OfficeMove::Receipt { location, reference: reference(&item.reference)? }, item)
        }
        StockCommand::Transfer { data, from, to, item } => {
            let (from, to) = (code("location", &from)?, code("location", &to)?);
            if from == to {
                bail!("a transfer goes from one location to another, not to {from} itself");
            }
            (data, OfficeMove::Transfer { from, to }, item)
        }
        StockCommand::Breakage { data, location, item } => {
            (data, OfficeMove::Breakage { location: code("location", &location)? }, item)
        }
        StockCommand::Count { data, location, item } => {
            let location = code("location", &location)?;
            if item.qty.0 < 0 {
                bail!("a count is what is on the shelf: {} cannot be counted", item.qty);
            }
            let storage = crate::open(&data).await?;
            let done = storage
                .count(
                    &location,
                    &sku(&item.sku)?,
                    item.qty,
                    &reference(&item.reference)?,
                    pos_server::now_ms(),
                )
                .await?;
            return said(done, &item);
        }
    };
    let storage = crate::open(&data).await?;
    let reference = reference(&item.reference)?;
    match storage.office_move(&what, &reference, &sku(&item.sku)?, item.qty, pos_server::now_ms()).await? {
        Ok(done) => said(done, &item),
        Err(e) => bail!("{e}"),
    }
}

fn said(done: Recorded, item: &Item) -> anyhow::Result<()> {
    match done {
        Recorded::New => println!("recorded: {} {} ({})", item.qty, item.sku, item.reference),
        Recorded::Already => {
            println!("already recorded: {} for {} (nothing recorded again)", item.reference, item.sku)
        }
    }
    Ok(())
}

async fn show(storage: &Storage, sku: &str, json: bool) -> anyhow::Result<()> {
    let levels = storage.stock_of(sku).await?;
    let movements = storage.movements(sku).await?;
    let reserved = storage.reserved(sku).await?;
    if json {
        let out = serde_json::json!({
            "sku": sku,
            "levels": levels.iter().map(|l| serde_json::json!({"location": l.location, "qty": l.qty.to_string()})).collect::<Vec<_>>(),
            "reserved": reserved.iter().map(|(l, q)| serde_json::json!({"location": l, "qty": q.to_string()})).collect::<Vec<_>>(),
            "movements": movements.iter().map(|m| serde_json::json!({
                "id": m.id, "location": m.location, "qty": m.qty.to_string(), "kind": m.kind, "source": m.source,
            })).collect::<Vec<_>>(),
        });
        println!("{out}");
        return Ok(());
    }
    if levels.is_empty() {
        println!("{sku}: no movement recorded");
    }
    for l in &levels {
        let held = reserved.iter().find(|(r, _)| *r == l.location).map(|(_, q)| format!(", {q} reserved"));
        println!("{sku} at {}: {}{}", l.location, l.qty, held.unwrap_or_default());
    }
    println!("{} movements", movements.len());
    Ok(())
}
