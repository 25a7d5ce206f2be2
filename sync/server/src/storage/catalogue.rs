//! The chain's catalogue at head office, on both backends: its entries (`pos_sync::catalogue`),
//! each with the version that last changed it (a removed entry kept as a tombstone), and each
//! version's hash. An import records only what changed, as the next version; a till asks for the
//! entries changed after the version it holds (0: everything, the snapshot).

use pos_journal::hex;
use pos_sync::catalogue::{CatalogueDelta, CatalogueEntry, Entries, diff, hash_of};
use rusqlite::params;

use super::{Storage, StorageError, db_int};

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// The catalogue's version now.
    pub version: u64,
    /// Entries added, changed or removed by this import (0: nothing changed, no new version).
    pub changed: usize,
}

/// An entry as a row holds it: file, key, text (none: removed).
type EntryRow = (String, String, Option<String>);

/// Rows sent to PostgreSQL per statement.
const CHUNK: usize = 5_000;

impl Storage {
    /// Records `entries` as the catalogue's next version, if anything changed.
    pub async fn catalogue_import(&self, entries: Entries, now_ms: i64) -> Result<Imported, StorageError> {
        let hash = hash_of(&entries);
        match self {
            Storage::Sqlite(db) => {
                db.run(move |c| {
                    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    let (version, old) = {
                        let version: i64 =
                            tx.query_row("SELECT COALESCE(MAX(version), 0) FROM catalogue_version", [], |r| r.get(0))?;
                        let mut stmt = tx.prepare("SELECT file, key, body FROM catalogue_entry WHERE body IS NOT NULL")?;
                        let old: Entries = stmt
                            .query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?
                            .collect::<Result<_, _>>()?;
                        (version, old)
                    };
                    let changes = diff(&old, &entries);
                    if changes.is_empty() {
                        return Ok(Imported { version: u64::try_from(version).unwrap_or(0), changed: 0 });
                    }
                    let next = version + 1;
                    {
                        let mut put = tx.prepare(
                            "INSERT INTO catalogue_entry (file, key, body, version) VALUES (?1, ?2, ?3, ?4)
                             ON CONFLICT (file, key) DO UPDATE SET body = excluded.body, version = excluded.version",
                        )?;
                        for e in &changes {
                            put.execute(params![e.file, e.key, e.body, next])?;
                        }
                    }
                    tx.execute(
                        "INSERT INTO catalogue_version (version, hash, changed, at_ms) VALUES (?1, ?2, ?3, ?4)",
                        params![next, &hash[..], changes.len() as i64, now_ms],
                    )?;
                    tx.commit()?;
                    Ok(Imported { version: u64::try_from(next).unwrap_or(0), changed: changes.len() })
                })
                .await
            }
            Storage::Postgres(db) => {
                let mut c = db.client().await;
                let tx = c.transaction().await?;
                tx.execute("LOCK TABLE catalogue_version IN EXCLUSIVE MODE", &[]).await?;
                let version: i64 = tx
                    .query_one("SELECT COALESCE(MAX(version), 0)::bigint FROM catalogue_version", &[])
                    .await?
                    .get(0);
                let old: Entries = tx
                    .query("SELECT file, key, body FROM catalogue_entry WHERE body IS NOT NULL", &[])
                    .await?
                    .iter()
                    .map(|r| ((r.get(0), r.get(1)), r.get(2)))
                    .collect();
                let changes = diff(&old, &entries);
                if changes.is_empty() {
                    return Ok(Imported { version: u64::try_from(version).unwrap_or(0), changed: 0 });
                }
                let next = version + 1;
                for chunk in changes.chunks(CHUNK) {
                    let files: Vec<&str> = chunk.iter().map(|e| e.file.as_str()).collect();
                    let keys: Vec<&str> = chunk.iter().map(|e| e.key.as_str()).collect();
                    let bodies: Vec<Option<&str>> = chunk.iter().map(|e| e.body.as_deref()).collect();
                    tx.execute(
                        "INSERT INTO catalogue_entry (file, key, body, version)
                         SELECT f, k, b, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS t (f, k, b)
                         ON CONFLICT (file, key) DO UPDATE SET body = excluded.body, version = excluded.version",
                        &[&files, &keys, &bodies, &next],
                    )
                    .await?;
                }
                tx.execute(
                    "INSERT INTO catalogue_version (version, hash, changed, at_ms) VALUES ($1, $2, $3, $4)",
                    &[&next, &&hash[..], &(changes.len() as i64), &now_ms],
                )
                .await?;
                tx.commit().await?;
                Ok(Imported { version: u64::try_from(next).unwrap_or(0), changed: changes.len() })
            }
        }
    }

    /// The entries changed after version `since` (0: every entry there is), with the version and
    /// hash they bring a till to.
    pub async fn catalogue_delta(&self, since: u64) -> Result<CatalogueDelta, StorageError> {
        let since = db_int(since)?;
        let (version, hash, rows): (i64, Vec<u8>, Vec<EntryRow>) = match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let tx = c.transaction()?;
                    let (version, hash) = tx
                        .query_row(
                            "SELECT version, hash FROM catalogue_version ORDER BY version DESC LIMIT 1",
                            [],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .unwrap_or((0, Vec::new()));
                    let rows = tx
                        .prepare(
                            "SELECT file, key, body FROM catalogue_entry WHERE version > ?1 AND (?1 > 0 OR body IS NOT NULL)
                             ORDER BY file, key",
                        )?
                        .query_map([since], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                        .collect::<Result<_, _>>()?;
                    Ok((version, hash, rows))
                })
                .await?
            }
            Storage::Postgres(db) => {
                let mut c = db.client().await;
                let tx = c
                    .build_transaction()
                    .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start()
                    .await?;
                let (version, hash) = tx
                    .query_opt("SELECT version, hash FROM catalogue_version ORDER BY version DESC LIMIT 1", &[])
                    .await?
                    .map_or((0, Vec::new()), |r| (r.get(0), r.get(1)));
                let rows = tx
                    .query(
                        "SELECT file, key, body FROM catalogue_entry WHERE version > $1 AND ($1 > 0 OR body IS NOT NULL)
                         ORDER BY file, key",
                        &[&since],
                    )
                    .await?
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2)))
                    .collect();
                tx.commit().await?;
                (version, hash, rows)
            }
        };
        Ok(CatalogueDelta {
            version: u64::try_from(version).unwrap_or(0),
            hash: hex(&hash),
            entries: rows.into_iter().map(|(file, key, body)| CatalogueEntry { file, key, body }).collect(),
        })
    }
}
