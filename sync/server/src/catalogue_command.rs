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
            let storage = crate::open(&data).await?;
            let done = storage.catalogue_import(entries, pos_server::now_ms()).await.context("the import")?;
            if done.changed == 0 {
                println!("catalogue version {}: nothing changed", done.version);
            } else {
                println!("catalogue version {}: {} entries changed", done.version, done.changed);
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
