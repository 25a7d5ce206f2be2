//! Stock at head office, on both backends: the movements read from the tickets a push accepts
//! (written in the push's own transaction, so a record and its movements are kept together, once),
//! what head office records itself (receipts, transfers, breakage, counts), and the levels: each the
//! sum of a location's movements of an item, moved with them in their transaction (`stock_level`,
//! with the last movement that moved it, so that a pull reads only the levels that moved).
//!
//! A till pulls the levels that moved since its last pull, by movement id. On SQLite one writer
//! numbers movements in commit order; on PostgreSQL a transaction that writes movements takes one
//! advisory lock from its first movement to its commit, so that an id is never seen after a
//! higher one and a pull never skips a movement committed late.

use pos_sync::stock::{self, Milli, Movement, MovementKind, OfficeMove, StockDelta, StockLevel};
use rusqlite::{OptionalExtension, params};

use super::{Storage, StorageError, TillRow};
use pos_journal::check::Accepted;

/// The advisory lock PostgreSQL transactions writing movements take.
const MOVEMENT_LOCK: i64 = 0x0053_544f_434b; // "STOCK"

/// A movement with where it comes from (`till:LYO-1:123`, `office:BL-2026-0042`).
pub(super) type Sourced = (String, Movement);

/// The movements of the live records in `accepted` from `till` (tickets, click & collect handed over). A quantity that does not read (no
/// till writes one) is refused loudly and moves nothing: the record itself is kept, it is fiscal.
pub(super) fn ticket_moves(till: &TillRow, accepted: &[Accepted]) -> Vec<Sourced> {
    let one = |a: &Accepted| match stock::of_records(&till.store, std::slice::from_ref(a)) {
        Ok(moves) => moves,
        Err(e) => {
            tracing::error!(till = till.till, "a stock movement is refused: {e}");
            Vec::new()
        }
    };
    accepted.iter().flat_map(one).map(|(seq, m)| (format!("till:{}:{seq}", till.till), m)).collect()
}

/// One movement as head office holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MovementRow {
    /// Its number, in the order head office recorded them.
    pub id: i64,
    /// The movement.
    pub location: String,
    /// The item.
    pub sku: String,
    /// In or out.
    pub qty: Milli,
    /// Why.
    pub kind: MovementKind,
    /// Where it comes from.
    pub source: String,
}

/// What head office's operator recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Recorded now.
    New,
    /// That reference was recorded already: nothing recorded again.
    Already,
}

pub(super) fn insert_sqlite(
    tx: &rusqlite::Transaction<'_>,
    moves: &[Sourced],
    at_ms: i64,
) -> Result<usize, StorageError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO movement (location, sku, qty, kind, source, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
    )?;
    let mut level = tx.prepare_cached(
        "INSERT INTO stock_level (location, sku, qty, last_movement) VALUES (?1, ?2, ?3, last_insert_rowid())
         ON CONFLICT (location, sku) DO UPDATE SET qty = stock_level.qty + excluded.qty, last_movement = excluded.last_movement",
    )?;
    let mut n = 0;
    for (source, m) in moves {
        if stmt.execute(params![m.location, m.sku, m.qty.0, m.kind.as_str(), source, at_ms])? == 1 {
            level.execute(params![m.location, m.sku, m.qty.0])?;
            n += 1;
        }
    }
    Ok(n)
}

pub(super) async fn insert_postgres(
    tx: &tokio_postgres::Transaction<'_>,
    moves: &[Sourced],
    at_ms: i64,
) -> Result<u64, StorageError> {
    if moves.is_empty() {
        return Ok(0);
    }
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MOVEMENT_LOCK]).await?;
    let (mut locations, mut skus, mut qtys, mut kinds, mut sources) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (source, m) in moves {
        locations.push(m.location.as_str());
        skus.push(m.sku.as_str());
        qtys.push(m.qty.0);
        kinds.push(m.kind.as_str());
        sources.push(source.as_str());
    }
    // The movements and the levels they move, in one statement.
    let rows = tx
        .query(
            "WITH m AS (
                 INSERT INTO movement (location, sku, qty, kind, source, at_ms)
                 SELECT l, s, q, k, o, $6 FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[])
                      AS t (l, s, q, k, o)
                 ON CONFLICT DO NOTHING
                 RETURNING id, location, sku, qty)
             INSERT INTO stock_level (location, sku, qty, last_movement)
             SELECT location, sku, SUM(qty)::bigint, MAX(id) FROM m GROUP BY location, sku
             ON CONFLICT (location, sku) DO UPDATE
                 SET qty = stock_level.qty + excluded.qty,
                     last_movement = GREATEST(stock_level.last_movement, excluded.last_movement)
             RETURNING (SELECT COUNT(*) FROM m)",
            &[&locations, &skus, &qtys, &kinds, &sources, &at_ms],
        )
        .await?;
    Ok(rows.first().map_or(0, |r| u64::try_from(r.get::<_, i64>(0)).unwrap_or(0)))
}

fn level_of(location: String, sku: String, qty: i64) -> StockLevel {
    StockLevel { location, sku, qty: Milli(qty) }
}

fn movement_of(
    id: i64,
    location: String,
    sku: String,
    qty: i64,
    kind: &str,
    source: String,
) -> Result<MovementRow, StorageError> {
    let kind = MovementKind::parse(kind)
        .ok_or_else(|| StorageError(format!("movement {id} is of unknown kind `{kind}`")))?;
    Ok(MovementRow { id, location, sku, qty: Milli(qty), kind, source })
}

const LEVELS_SINCE: &str = "SELECT location, sku, qty FROM stock_level
     WHERE last_movement > ?1 AND last_movement <= ?2 ORDER BY sku, location";

impl Storage {
    /// Records what head office's operator says moved (`reference`: the delivery note, the
    /// transfer slip): the same reference again records nothing.
    pub async fn office_move(
        &self,
        what: &OfficeMove,
        reference: &str,
        sku: &str,
        qty: Milli,
        now_ms: i64,
    ) -> Result<Result<Recorded, stock::BadQuantity>, StorageError> {
        let moves = match what.movements(sku, qty) {
            Ok(m) => m,
            Err(e) => return Ok(Err(e)),
        };
        let sourced: Vec<Sourced> = moves.into_iter().map(|m| (format!("office:{reference}"), m)).collect();
        let n = match self {
            Storage::Sqlite(db) => {
                db.run(move |c| {
                    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    let n = insert_sqlite(&tx, &sourced, now_ms)?;
                    tx.commit()?;
                    Ok(n as u64)
                })
                .await?
            }
            Storage::Postgres(db) => {
                let mut c = db.client().await;
                let tx = c.transaction().await?;
                let n = insert_postgres(&tx, &sourced, now_ms).await?;
                tx.commit().await?;
                n
            }
        };
        Ok(Ok(if n == 0 { Recorded::Already } else { Recorded::New }))
    }

    /// Records a count of `sku` at `location`: the movement that brings the level to `counted`.
    pub async fn count(
        &self,
        location: &str,
        sku: &str,
        counted: Milli,
        reference: &str,
        now_ms: i64,
    ) -> Result<Recorded, StorageError> {
        let source = format!("office:{reference}");
        let (location, sku) = (location.to_owned(), sku.to_owned());
        let difference = move |level: i64| {
            counted
                .0
                .checked_sub(level)
                .map(Milli)
                .ok_or_else(|| StorageError(format!("a count of {counted} does not fit")))
        };
        let n = match self {
            Storage::Sqlite(db) => {
                db.run(move |c| {
                    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    let level: i64 = tx
                        .query_row(
                            "SELECT qty FROM stock_level WHERE location = ?1 AND sku = ?2",
                            params![location, sku],
                            |r| r.get(0),
                        )
                        .optional()?
                        .unwrap_or(0);
                    let m = Movement { location, sku, qty: difference(level)?, kind: MovementKind::Count };
                    let n = insert_sqlite(&tx, &[(source, m)], now_ms)?;
                    tx.commit()?;
                    Ok(n as u64)
                })
                .await?
            }
            Storage::Postgres(db) => {
                let mut c = db.client().await;
                let tx = c.transaction().await?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MOVEMENT_LOCK]).await?;
                let level: i64 = tx
                    .query_opt(
                        "SELECT qty FROM stock_level WHERE location = $1 AND sku = $2",
                        &[&location, &sku],
                    )
                    .await?
                    .map_or(0, |r| r.get(0));
                let m = Movement { location, sku, qty: difference(level)?, kind: MovementKind::Count };
                let n = insert_postgres(&tx, &[(source, m)], now_ms).await?;
                tx.commit().await?;
                n
            }
        };
        Ok(if n == 0 { Recorded::Already } else { Recorded::New })
    }

    /// Every location's stock of `sku`.
    pub async fn stock_of(&self, sku: &str) -> Result<Vec<StockLevel>, StorageError> {
        let sku = sku.to_owned();
        match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut stmt = c.prepare_cached(
                        "SELECT location, sku, qty FROM stock_level WHERE sku = ?1 ORDER BY location",
                    )?;
                    let rows = stmt.query_map([&sku], |r| Ok(level_of(r.get(0)?, r.get(1)?, r.get(2)?)))?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                let rows = c
                    .query(
                        "SELECT location, sku, qty FROM stock_level WHERE sku = $1 ORDER BY location",
                        &[&sku],
                    )
                    .await?;
                Ok(rows.iter().map(|r| level_of(r.get(0), r.get(1), r.get(2))).collect())
            }
        }
    }

    /// Every movement of `sku`, in the order head office recorded them.
    pub async fn movements(&self, sku: &str) -> Result<Vec<MovementRow>, StorageError> {
        let sku = sku.to_owned();
        let sql = "SELECT id, location, sku, qty, kind, source FROM movement WHERE sku = $1 ORDER BY id";
        match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut stmt = c.prepare_cached(&sql.replace("$1", "?1"))?;
                    let rows = stmt.query_map([&sku], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, String>(4)?, r.get(5)?))
                    })?;
                    rows.map(|r| {
                        let (id, l, s, q, k, o) = r?;
                        movement_of(id, l, s, q, &k, o)
                    })
                    .collect()
                })
                .await
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                let rows = c.query(sql, &[&sku]).await?;
                rows.iter()
                    .map(|r| movement_of(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
                    .collect()
            }
        }
    }

    /// The levels that moved after movement `since`, for `till`, with how far they count its own
    /// live records (read together: the same snapshot).
    pub async fn stock_delta(&self, till: &str, since: i64) -> Result<StockDelta, StorageError> {
        let till = till.to_owned();
        match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let tx = c.transaction()?;
                    let upto: i64 =
                        tx.query_row("SELECT COALESCE(MAX(id), 0) FROM movement", [], |r| r.get(0))?;
                    let till_seq: Option<u64> = tx
                        .query_row(
                            "SELECT last_seq FROM stream WHERE till = ?1 AND chain = 'live'",
                            [&till],
                            |r| r.get(0),
                        )
                        .optional()?;
                    let levels = {
                        let mut stmt = tx.prepare_cached(LEVELS_SINCE)?;
                        let rows = stmt.query_map(params![since, upto], |r| {
                            Ok(level_of(r.get(0)?, r.get(1)?, r.get(2)?))
                        })?;
                        rows.collect::<Result<_, _>>()?
                    };
                    Ok(StockDelta { upto, till_seq: till_seq.unwrap_or(0), levels })
                })
                .await
            }
            Storage::Postgres(db) => {
                let mut c = db.client().await;
                let tx = c.transaction().await?;
                // Waits for movements being committed (their transactions hold the lock to their
                // commit) and keeps new ones out until this read is done: each statement after it
                // sees the same movements.
                tx.execute("SELECT pg_advisory_xact_lock_shared($1)", &[&MOVEMENT_LOCK]).await?;
                let upto: i64 =
                    tx.query_one("SELECT COALESCE(MAX(id), 0)::bigint FROM movement", &[]).await?.get(0);
                let till_seq: Option<i64> = tx
                    .query_opt("SELECT last_seq FROM stream WHERE till = $1 AND chain = 'live'", &[&till])
                    .await?
                    .map(|r| r.get(0));
                let sql = LEVELS_SINCE
                    .replace("?1", "$1")
                    .replace("?2", "$2")
                    .replace("SUM(qty)", "SUM(qty)::bigint");
                let rows = tx.query(&sql, &[&since, &upto]).await?;
                let levels = rows.iter().map(|r| level_of(r.get(0), r.get(1), r.get(2))).collect();
                tx.commit().await?;
                Ok(StockDelta {
                    upto,
                    till_seq: till_seq.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                    levels,
                })
            }
        }
    }
}
