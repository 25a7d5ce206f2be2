//! `pos-server customers show|erase`: a customer as head office merged the tills' edits, and the
//! erasure (GDPR) that reaches every till on its next sync.

use anyhow::{Context, bail};
use clap::Subcommand;
use pos_sync::customers::{Field, Stamp, check_id};

use crate::Data;

#[derive(Subcommand)]
pub enum CustomersCommand {
    /// A customer's fields as head office merged the tills' edits, each with the till and time of
    /// the edit that set it.
    Show {
        #[command(flatten)]
        data: Data,
        /// The customer's id (`C00001`, `LYO-1-C0001`).
        id: String,
        /// As one JSON line.
        #[arg(long)]
        json: bool,
    },
    /// Erases a customer: every field removed at head office now and at each till on its next
    /// sync, whatever edit comes later (the journals' fiscal records stay as the law requires).
    Erase {
        #[command(flatten)]
        data: Data,
        /// The customer's id.
        id: String,
    },
}

pub async fn run(command: CustomersCommand) -> anyhow::Result<()> {
    match command {
        CustomersCommand::Show { data, id, json } => {
            check_id(&id).map_err(|e| anyhow::anyhow!(e))?;
            let storage = crate::open(&data).await?;
            let Some(c) = storage.customer(&id).await.context("reading the customer")? else {
                bail!("head office has no edit of customer {id} (the chain's files may still have them)");
            };
            if json {
                println!("{}", serde_json::to_string(&c)?);
            } else if let Some(e) = &c.erased {
                println!("customer {id}: erased (by {} at {} ms)", e.till, e.at_ms);
            } else {
                println!("customer {id}:");
                for f in Field::ALL {
                    if let Some(r) = c.fields.get(&f) {
                        println!(
                            "  {:<8} {:<40} (till {}, {} ms)",
                            f.as_str(),
                            r.val,
                            r.marker.till,
                            r.marker.at_ms
                        );
                    }
                }
            }
            Ok(())
        }
        CustomersCommand::Erase { data, id } => {
            check_id(&id).map_err(|e| anyhow::anyhow!(e))?;
            let storage = crate::open(&data).await?;
            let stamp = Stamp { at_ms: pos_server::now_ms(), till: "HO".into(), n: 0 };
            let version = storage.erase_customer(&id, stamp).await.context("the erasure")?;
            println!(
                "customer {id} erased (customers' version {version}): the tills forget them on their next sync"
            );
            Ok(())
        }
    }
}
