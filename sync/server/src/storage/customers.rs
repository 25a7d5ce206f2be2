//! Customers at head office, on both backends: each customer's merged registers
//! (`pos_sync::customers`), the tills' edits merged into them in any order, any number of times,
//! and an erasure that wins. Each change takes the next version; a till pulls the customers
//! changed after the version it holds. On PostgreSQL a transaction changing customers holds an
//! advisory lock to its commit, so that versions become visible in their order.

use pos_sync::customers::{Customer, CustomerDelta, CustomerEdit, CustomerState, Stamp};
use rusqlite::{OptionalExtension, params};

use super::{Storage, StorageError, db_int};

/// The advisory lock PostgreSQL transactions changing customers take.
const CUSTOMER_LOCK: i64 = 0x0043_5553_544f; // "CUSTO"

/// Most customers one pull carries; a till asks again from the version it reached.
pub const PULL_MAX: usize = 5_000;

/// What changes: a till's edits, or an erasure.
enum Change {
    Edits(Vec<CustomerEdit>),
    Erase(String, Stamp),
}

impl Change {
    /// The customers it touches, in order, each once.
    fn ids(&self) -> Vec<String> {
        match self {
            Change::Edits(edits) => {
                let mut ids: Vec<String> = edits.iter().map(|e| e.customer.clone()).collect();
                ids.sort();
                ids.dedup();
                ids
            }
            Change::Erase(id, _) => vec![id.clone()],
        }
    }

    /// Applies itself to customer `id` as known (`None`: never seen).
    fn apply(&self, id: &str, known: Option<Customer>) -> Customer {
        let mut c = known.unwrap_or_default();
        match self {
            Change::Edits(edits) => {
                for e in edits.iter().filter(|e| e.customer == id) {
                    c.set(e.field, &e.value, e.stamp.clone());
                }
            }
            Change::Erase(_, stamp) => c.erase(stamp.clone()),
        }
        c
    }
}

fn to_json(c: &Customer) -> String {
    // Strings, integers and maps of them: serialising never fails.
    serde_json::to_string(c).unwrap_or_default()
}

fn from_json(id: &str, json: &str) -> Result<Customer, StorageError> {
    serde_json::from_str(json).map_err(|e| StorageError(format!("customer {id} kept does not read: {e}")))
}

impl Storage {
    /// Merges a till's edits into the customers; returns the version they now reach.
    pub async fn merge_customer_edits(&self, edits: Vec<CustomerEdit>) -> Result<u64, StorageError> {
        self.change_customers(Change::Edits(edits)).await
    }

    /// Erases customer `id` (head office's decision, stamped `stamp`): every field goes, at head
    /// office now and at each till on its next sync, whatever edit comes later.
    pub async fn erase_customer(&self, id: &str, stamp: Stamp) -> Result<u64, StorageError> {
        self.change_customers(Change::Erase(id.to_owned(), stamp)).await
    }

    async fn change_customers(&self, change: Change) -> Result<u64, StorageError> {
        match self {
            Storage::Sqlite(db) => {
                db.run(move |c| {
                    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    let version: i64 =
                        tx.query_row("SELECT COALESCE(MAX(version), 0) FROM customer_state", [], |r| r.get(0))?;
                    let mut changed = false;
                    for id in change.ids() {
                        let known: Option<String> = tx
                            .query_row("SELECT json FROM customer_state WHERE id = ?1", [&id], |r| r.get(0))
                            .optional()?;
                        let known = known.map(|j| from_json(&id, &j)).transpose()?;
                        let now = change.apply(&id, known.clone());
                        if Some(&now) != known.as_ref() {
                            tx.execute(
                                "INSERT INTO customer_state (id, json, version) VALUES (?1, ?2, ?3)
                                 ON CONFLICT (id) DO UPDATE SET json = excluded.json, version = excluded.version",
                                params![id, to_json(&now), version + 1],
                            )?;
                            changed = true;
                        }
                    }
                    tx.commit()?;
                    Ok(u64::try_from(version + i64::from(changed)).unwrap_or(0))
                })
                .await
            }
            Storage::Postgres(db) => {
                let mut c = db.client().await;
                let tx = c.transaction().await?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CUSTOMER_LOCK]).await?;
                let version: i64 = tx
                    .query_one("SELECT COALESCE(MAX(version), 0)::bigint FROM customer_state", &[])
                    .await?
                    .get(0);
                let mut changed = false;
                for id in change.ids() {
                    let known: Option<String> =
                        tx.query_opt("SELECT json FROM customer_state WHERE id = $1", &[&id]).await?.map(|r| r.get(0));
                    let known = known.map(|j| from_json(&id, &j)).transpose()?;
                    let now = change.apply(&id, known.clone());
                    if Some(&now) != known.as_ref() {
                        tx.execute(
                            "INSERT INTO customer_state (id, json, version) VALUES ($1, $2, $3)
                             ON CONFLICT (id) DO UPDATE SET json = excluded.json, version = excluded.version",
                            &[&id, &to_json(&now), &(version + 1)],
                        )
                        .await?;
                        changed = true;
                    }
                }
                tx.commit().await?;
                Ok(u64::try_from(version + i64::from(changed)).unwrap_or(0))
            }
        }
    }

    /// The customers changed after version `since` (0: all of them), at most [`PULL_MAX`], and
    /// the version they bring a till to.
    pub async fn customer_delta(&self, since: u64) -> Result<CustomerDelta, StorageError> {
        let since = db_int(since)?;
        let limit = PULL_MAX as i64;
        let rows: Vec<(String, String, i64)> = match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut stmt = c.prepare_cached(
                        "SELECT id, json, version FROM customer_state WHERE version > ?1 ORDER BY version, id LIMIT ?2",
                    )?;
                    let rows = stmt.query_map(params![since, limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await?
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                let tx_rows = c
                    .query(
                        "SELECT id, json, version FROM customer_state WHERE version > $1 ORDER BY version, id LIMIT $2",
                        &[&since, &limit],
                    )
                    .await?;
                tx_rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect()
            }
        };
        // A page ends at a whole version: the last version's rows are left to the next pull when
        // the page is cut inside it.
        let mut rows = rows;
        if rows.len() == PULL_MAX
            && let Some(last) = rows.last().map(|r| r.2)
            && rows.iter().any(|r| r.2 < last)
        {
            rows.retain(|r| r.2 < last);
        }
        let version = rows.last().map_or(since, |r| r.2);
        let customers = rows
            .iter()
            .map(|(id, json, _)| Ok(CustomerState { id: id.clone(), customer: from_json(id, json)? }))
            .collect::<Result<_, StorageError>>()?;
        Ok(CustomerDelta { version: u64::try_from(version).unwrap_or(0), customers })
    }

    /// A customer as head office merged them.
    pub async fn customer(&self, id: &str) -> Result<Option<Customer>, StorageError> {
        let id = id.to_owned();
        let json: Option<String> = match self {
            Storage::Sqlite(db) => {
                let id = id.clone();
                db.read(move |c| {
                    Ok(c.query_row("SELECT json FROM customer_state WHERE id = ?1", [&id], |r| r.get(0))
                        .optional()?)
                })
                .await?
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                c.query_opt("SELECT json FROM customer_state WHERE id = $1", &[&id]).await?.map(|r| r.get(0))
            }
        };
        json.map(|j| from_json(&id, &j)).transpose()
    }
}
