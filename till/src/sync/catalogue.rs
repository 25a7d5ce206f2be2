//! Head office's catalogue at the till: the entries as last pulled (`catalogue_mirror`), checked
//! whole against the version's hash before they are kept. The engine applies a version pulled
//! ([`crate::engine::Till::apply_catalogue`]) when no basket is open, and journals it.

use pos_journal::hex;
use pos_sync::catalogue::{CatalogueDelta, Entries, hash_of};
use rusqlite::{Connection, OptionalExtension, params};

use super::SyncError;
use crate::error::TillError;

/// The version and hash last pulled, if any.
pub fn pulled(conn: &Connection) -> Result<Option<(u64, String)>, TillError> {
    if !super::link::has_table(conn, "catalogue_pull")? {
        return Ok(None);
    }
    Ok(conn
        .query_row("SELECT version, hash FROM catalogue_pull WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

/// Every entry held.
pub fn entries(conn: &Connection) -> Result<Entries, TillError> {
    let mut stmt = conn.prepare("SELECT file, key, body FROM catalogue_mirror")?;
    let rows = stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Keeps `delta` (pulled from the version held): every entry, then the whole checked against the
/// version's hash. What does not match is not kept, and the mirror is emptied so that the next
/// round takes the whole catalogue again.
pub fn keep(conn: &Connection, delta: &CatalogueDelta, at: &str) -> Result<(), SyncError> {
    let tx = conn.unchecked_transaction()?;
    let empty: bool = tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM catalogue_mirror)", [], |r| r.get(0))?;
    {
        let mut put = tx.prepare_cached(
            "INSERT INTO catalogue_mirror (file, key, body) VALUES (?1, ?2, ?3)
             ON CONFLICT (file, key) DO UPDATE SET body = excluded.body",
        )?;
        let mut gone = tx.prepare_cached("DELETE FROM catalogue_mirror WHERE file = ?1 AND key = ?2")?;
        for e in &delta.entries {
            match &e.body {
                Some(body) => put.execute(params![e.file, e.key, body])?,
                None => gone.execute(params![e.file, e.key])?,
            };
        }
    }
    // Into an empty mirror (a snapshot), what is held is what came: hashed as it came, not read back.
    let held = if empty {
        let came: Entries = delta
            .entries
            .iter()
            .filter_map(|e| Some(((e.file.clone(), e.key.clone()), e.body.clone()?)))
            .collect();
        hex(&hash_of(&came))
    } else {
        hex(&hash_of(&entries(&tx)?))
    };
    if held != delta.hash {
        drop(tx);
        conn.execute_batch("DELETE FROM catalogue_mirror; DELETE FROM catalogue_pull;")?;
        return Err(SyncError::BadAnswer(format!(
            "head office's catalogue version {} does not add up (hash {held}, not {}): the whole catalogue is \
             taken again next round",
            delta.version, delta.hash
        )));
    }
    tx.execute(
        "INSERT INTO catalogue_pull (id, version, hash, at) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, hash = excluded.hash, at = excluded.at",
        params![delta.version, delta.hash, at],
    )?;
    tx.commit()?;
    Ok(())
}
