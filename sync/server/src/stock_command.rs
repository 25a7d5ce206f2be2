//! `pos-server stock ...`: what head office's operator records of stock, and what they see of it.

use anyhow::bail;
use clap::Subcommand;
use pos_ledger::post::OfficeFlow;
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
        /// The supplier's code (its account in the books), with `--cost`.
        #[arg(long, requires = "cost")]
        supplier: Option<String>,
        /// The cost of one unit (one kilogram) excluding VAT, euros (`12.40`), as invoiced: the
        /// books post the purchase and the stock at this cost.
        #[arg(long, requires = "supplier")]
        cost: Option<String>,
        /// The purchase's VAT rate.
        #[arg(long, default_value = "20")]
        vat_rate: String,
        /// The invoice's date (`2026-11-28`; default: today).
        #[arg(long, requires = "cost")]
        date: Option<chrono::NaiveDate>,
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

/// Euros with at most two decimals, as cents.
fn euros(s: &str) -> anyhow::Result<i64> {
    let bad = || anyhow::anyhow!("`{s}` is not an amount in euros like 12.40");
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty()
        || int.len() > 9
        || frac.len() > 2
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    Ok(int.parse::<i64>().map_err(|_| bad())? * 100
        + format!("{frac:0<2}").parse::<i64>().map_err(|_| bad())?)
}

pub async fn run(command: StockCommand) -> anyhow::Result<()> {
    let mut books: Option<(String, i64, String)> = None;
    let mut date = chrono::Utc::now().date_naive();
    let (data, what, item) = match command {
        StockCommand::Show { data, sku: s, json } => {
            return show(&crate::open(&data).await?, &sku(&s)?, json).await;
        }
        StockCommand::Receive { data, location, item, supplier, cost, vat_rate, date: invoiced } => {
            let location = code("location", &location)?;
            date = invoiced.unwrap_or(date);
            if let (Some(supplier), Some(cost)) = (supplier, cost) {
                pos_ledger::post::rate_of(&vat_rate).map_err(|e| anyhow::anyhow!("--vat-rate: {e}"))?;
                if supplier.is_empty()
                    || supplier.len() > 20
                    || !supplier.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
                {
                    bail!("`{supplier}` is not a supplier code: 1 to 20 capital letters, digits and hyphens");
                }
                books = Some((supplier, euros(&cost)?, vat_rate));
            } else {
                eprintln!("no --cost and --supplier: the stock moves, the books see no purchase");
            }
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
            let (sku, reference) = (sku(&item.sku)?, reference(&item.reference)?);
            let now = pos_server::now_ms();
            let done = storage.count(&location, &sku, item.qty, &reference, now).await?;
            // The difference the count recorded leaves (or enters) the books' stock at its cost.
            let source = format!("office:{reference}");
            let recorded = storage.movements(&sku).await?.into_iter().find(|m| {
                m.source == source && m.location == location && m.kind == pos_sync::stock::MovementKind::Count
            });
            if let Some(m) = recorded.filter(|m| m.qty.0 != 0) {
                let flow = OfficeFlow::StockAdjusted {
                    reference: format!("Inventaire {reference}"),
                    date: chrono::Utc::now().date_naive(),
                    location,
                    sku: sku.clone(),
                    family: String::new(),
                    qty: -m.qty.0,
                };
                storage.queue_office_flow(&format!("office:{reference}:{sku}"), &flow, now).await?;
            }
            return said(done, &item);
        }
    };
    let storage = crate::open(&data).await?;
    let reference = reference(&item.reference)?;
    let sku = sku(&item.sku)?;
    let now = pos_server::now_ms();
    let done = match storage.office_move(&what, &reference, &sku, item.qty, now).await? {
        Ok(done) => done,
        Err(e) => bail!("{e}"),
    };
    let flow = match (&what, books) {
        (OfficeMove::Receipt { location, .. }, Some((supplier, unit, rate))) => Some(OfficeFlow::Receipt {
            reference: reference.clone(),
            supplier,
            location: location.clone(),
            date,
            lines: vec![(
                sku.clone(),
                String::new(),
                item.qty.0,
                pos_ledger::mul_div(unit, item.qty.0, 1000)?,
                rate,
            )],
        }),
        (OfficeMove::Breakage { location }, _) => Some(OfficeFlow::StockAdjusted {
            reference: format!("Casse {reference}"),
            date,
            location: location.clone(),
            sku: sku.clone(),
            family: String::new(),
            qty: item.qty.0,
        }),
        _ => None,
    };
    if let Some(flow) = flow {
        storage.queue_office_flow(&format!("office:{reference}:{sku}"), &flow, now).await?;
    }
    said(done, &item)
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
