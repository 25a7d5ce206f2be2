//! # pos-till: the till engine, headless
//!
//! The desktop app, the tests and scripts all drive the same engine ([`engine::Till`]). Its source of
//! truth is one SQLite file per till ([`store`]): an append-only, chained, signed journal that the
//! French cash-register law accepts, and projections (the open basket, the register session, balances,
//! stock deltas) updated in the same transaction and rebuilt from the journal by [`rebuild`].
//!
//! Devices are reached only through the traits of `pos-drivers`. The `pos-till` command
//! (`src/main.rs`) sets a till up, runs scripted sessions ([`script`], format in
//! `docs/till-script.md`), verifies the journal, prints Z reports and writes signed archives.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod archive;
pub mod catalogue;
pub mod devices;
pub mod engine;
pub mod entry;
pub mod error;
pub mod pin;
pub mod receipt;
pub mod script;
pub mod signer;
pub mod store;

use std::path::Path;

use pos_core::journal::ChainName;

pub use error::TillError;

/// Rebuilds every projection from the journal alone: empties them, then applies each record in order
/// with the same function live commits use. Returns the number of records applied.
pub fn rebuild(dir: &Path) -> Result<u64, TillError> {
    let mut conn = store::open_existing(dir)?;
    let settings = catalogue::settings(&conn)?;
    let tx = conn.transaction()?;
    for table in store::PROJECTIONS {
        tx.execute(&format!("DELETE FROM {table}"), [])?;
    }
    engine::seed_loyalty(&tx, &settings.customers)?;
    let mut state = engine::State::default();
    let mut n = 0u64;
    for chain in [ChainName::Live, ChainName::Training] {
        let last: u64 = tx.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM journal WHERE chain = ?1",
            [chain.as_str()],
            |r| r.get(0),
        )?;
        let mut from = 1;
        while from <= last {
            let to = (from + 999).min(last);
            for r in store::read_records(&tx, chain, from, to)? {
                engine::apply(&tx, &mut state, &r.header, &r.entry)?;
                n += 1;
            }
            from = to + 1;
        }
    }
    let json = serde_json::to_string(&state).map_err(|e| TillError::Storage(e.to_string()))?;
    tx.execute("INSERT INTO state (id, json) VALUES (1, ?1)", [json])?;
    tx.commit()?;
    Ok(n)
}
