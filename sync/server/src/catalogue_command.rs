//! `pos-server catalogue import`: the chain's files become head office's next catalogue version.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use crate::Data;

#[derive(Subcommand)]
pub enum CatalogueCommand {
    /// Reads the chain's files (products, price lists, promotions, ...), checks them whole, and
    /// records what changed as the next version (nothing changed: no new version).
    Import {
        #[command(flatten)]
        data: Data,
        /// The folder of the chain's files (`fixtures/demo`).
        #[arg(long)]
        fixtures: PathBuf,
    },
}

pub async fn run(command: CatalogueCommand) -> anyhow::Result<()> {
    match command {
        CatalogueCommand::Import { data, fixtures } => {
            let read = |name: &str| {
                std::fs::read(fixtures.join(name))
                    .map_err(|e| format!("{}: {e}", fixtures.join(name).display()))
            };
            // The same check a till makes: a catalogue head office sends must load.
            let chain = pos_core::load::load_chain(read).map_err(|e| {
                anyhow::anyhow!("the chain's files are not valid: {e}; fix the file and import again")
            })?;
            let entries = pos_sync::catalogue::entries_of(read).map_err(|e| anyhow::anyhow!(e))?;
            // Head office's books: the chart, journals and map beside the chain's files, checked
            // before anything is imported.
            let books = if fixtures.join("accounting").is_dir() {
                let text = |f: &str| {
                    std::fs::read_to_string(fixtures.join(f))
                        .map_err(|e| format!("{}: {e}", fixtures.join(f).display()))
                };
                pos_ledger::Chart::parse(text).map_err(|e| {
                    anyhow::anyhow!(
                        "the accounting configuration is not valid: {e}; fix the file and import again"
                    )
                })?;
                let files = pos_ledger::Chart::FILES
                    .iter()
                    .map(|f| Ok((f.to_string(), text(f).map_err(anyhow::Error::msg)?)))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                Some(files)
            } else {
                None
            };
            let storage = crate::open(&data).await?;
            let done = storage.catalogue_import(entries, pos_server::now_ms()).await.context("the import")?;
            if done.changed == 0 {
                println!("catalogue version {}: nothing changed", done.version);
            } else {
                println!("catalogue version {}: {} entries changed", done.version, done.changed);
            }
            if let Some(files) = books {
                storage.set_books_config(files).await.context("the accounting configuration")?;
                println!("the books' chart of accounts and accounting map imported");
            }
            let opening = chain.customers.iter().map(|c| (c.id.clone(), i64::from(c.points))).collect();
            let opened = storage.open_points(opening).await.context("the customers' opening points")?;
            if opened > 0 {
                println!("{opened} customers' loyalty points opened at head office");
            }
            Ok(())
        }
    }
}
