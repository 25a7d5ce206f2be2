//! Web orders at head office, on both backends: taken once by the shop's id (the same order again
//! is answered the same, another order under the same id refused), a delivery taken from the
//! warehouse's stock, a click & collect order reserved at its store until the handover a till
//! records reaches head office.

use pos_journal::body::Entry;
use pos_journal::check::Accepted;
use pos_sync::stock::{Milli, Movement, MovementKind};
use pos_sync::web::{Fulfilment, Pickup, WebOrder, WebOrderState, WebOrderTaken};
use rusqlite::{OptionalExtension, params};

use super::stock::{Sourced, insert_postgres, insert_sqlite};
use super::{Storage, StorageError, TillRow};

/// Why an order is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebRefusal {
    /// Another order was taken under this id.
    #[error("order {0} was already taken with other contents: an order id is one order; use a new id")]
    Conflict(String),
    /// No till of that store is enrolled: nobody could hand it over.
    #[error("store {0} has no till enrolled with head office: nobody could hand this order over")]
    UnknownStore(String),
}

/// An order as head office lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebOrderRow {
    /// The order.
    pub order: WebOrder,
    /// Where it stands.
    pub state: WebOrderState,
    /// The till record that handed it over (`till:LYO-1:123`).
    pub collected_by: Option<String>,
}

/// The web shop's tokens are kept as their SHA-256.
pub type TokenHash = [u8; 32];

fn fulfilment_str(f: Fulfilment) -> &'static str {
    match f {
        Fulfilment::Delivery => "delivery",
        Fulfilment::ClickAndCollect => "click_and_collect",
    }
}

pub(super) fn row_of(
    body: &str,
    state: &str,
    collected_by: Option<String>,
) -> Result<WebOrderRow, StorageError> {
    let order: WebOrder = serde_json::from_str(body)
        .map_err(|e| StorageError(format!("a web order kept does not read: {e}")))?;
    let state = WebOrderState::parse(state)
        .ok_or_else(|| StorageError(format!("web order {} is in unknown state `{state}`", order.order)))?;
    Ok(WebOrderRow { order, state, collected_by })
}

/// The orders handed over by `accepted` records of `till`: (order id, the record).
pub(super) fn handed_over(till: &TillRow, accepted: &[Accepted]) -> Vec<(String, String)> {
    accepted
        .iter()
        .filter(|a| a.header.chain == pos_journal::ChainName::Live)
        .filter_map(|a| match &a.entry {
            Entry::PickupHandedOver { order, .. } => {
                Some((order.clone(), format!("till:{}:{}", till.till, a.header.seq)))
            }
            _ => None,
        })
        .collect()
}

/// The warehouse's movements of a delivery.
fn shipped(order: &WebOrder, warehouse: &str) -> Vec<Sourced> {
    order
        .lines
        .iter()
        .map(|l| {
            let m = Movement {
                location: warehouse.to_owned(),
                sku: l.sku.clone(),
                qty: Milli(-i64::from(l.qty) * 1000),
                kind: MovementKind::WebSale,
            };
            (format!("web:{}", order.order), m)
        })
        .collect()
}

const SET_COLLECTED: &str = "UPDATE web_order SET state = 'collected', collected_by = $2, collected_ms = $3
     WHERE order_id = $1 AND state = 'ready_for_pickup'";

pub(super) fn collect_sqlite(
    tx: &rusqlite::Transaction<'_>,
    handed: &[(String, String)],
    now_ms: i64,
) -> Result<(), StorageError> {
    let mut stmt = tx.prepare_cached(&SET_COLLECTED.replace('$', "?"))?;
    for (order, by) in handed {
        stmt.execute(params![order, by, now_ms])?;
    }
    Ok(())
}

pub(super) async fn collect_postgres(
    tx: &tokio_postgres::Transaction<'_>,
    handed: &[(String, String)],
    now_ms: i64,
) -> Result<(), StorageError> {
    for (order, by) in handed {
        tx.execute(SET_COLLECTED, &[order, by, &now_ms]).await?;
    }
    Ok(())
}

impl Storage {
    /// Keeps a token of the web shop.
    pub async fn add_shop_token(&self, hash: TokenHash, name: &str, now_ms: i64) -> Result<(), StorageError> {
        let name = name.to_owned();
        match self {
            Storage::Sqlite(db) => {
                db.run(move |c| {
                    c.execute(
                        "INSERT INTO shop_token (token_hash, name, created_ms) VALUES (?1, ?2, ?3)",
                        params![&hash[..], name, now_ms],
                    )?;
                    Ok(())
                })
                .await
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                c.execute(
                    "INSERT INTO shop_token (token_hash, name, created_ms) VALUES ($1, $2, $3)",
                    &[&&hash[..], &name, &now_ms],
                )
                .await?;
                Ok(())
            }
        }
    }

    /// The shop a token is of, if any.
    pub async fn shop_of(&self, hash: TokenHash) -> Result<Option<String>, StorageError> {
        match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    Ok(c.query_row("SELECT name FROM shop_token WHERE token_hash = ?1", [&hash[..]], |r| {
                        r.get(0)
                    })
                    .optional()?)
                })
                .await
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                let row =
                    c.query_opt("SELECT name FROM shop_token WHERE token_hash = $1", &[&&hash[..]]).await?;
                Ok(row.map(|r| r.get(0)))
            }
        }
    }

    /// Takes an order (checked already): once by its id.
    pub async fn take_web_order(
        &self,
        order: WebOrder,
        warehouse: &str,
        now_ms: i64,
    ) -> Result<Result<WebOrderTaken, WebRefusal>, StorageError> {
        let body = serde_json::to_string(&order).map_err(|e| StorageError(e.to_string()))?;
        let state = match order.fulfilment {
            Fulfilment::Delivery => WebOrderState::Shipped,
            Fulfilment::ClickAndCollect => WebOrderState::ReadyForPickup,
        };
        let moves =
            if order.fulfilment == Fulfilment::Delivery { shipped(&order, warehouse) } else { Vec::new() };
        let same = |existing: WebOrderRow| {
            if existing.order == order {
                Ok(WebOrderTaken { order: order.order.clone(), created: false, state: existing.state })
            } else {
                Err(WebRefusal::Conflict(order.order.clone()))
            }
        };
        match self {
            Storage::Sqlite(db) => {
                let o = order.clone();
                let answer = db
                    .run(move |c| {
                        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                        let existing: Option<(String, String, Option<String>)> = tx
                            .query_row(
                                "SELECT body, state, collected_by FROM web_order WHERE order_id = ?1",
                                [&o.order],
                                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                            )
                            .optional()?;
                        if let Some((b, s, by)) = existing {
                            return Ok(Some(Ok(row_of(&b, &s, by)?)));
                        }
                        if let Some(store) = &o.store {
                            let known: bool =
                                tx.query_row("SELECT EXISTS (SELECT 1 FROM till WHERE store = ?1)", [store], |r| r.get(0))?;
                            if !known {
                                return Ok(Some(Err(WebRefusal::UnknownStore(store.clone()))));
                            }
                        }
                        tx.execute(
                            "INSERT INTO web_order (order_id, body, fulfilment, store, state, received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                            params![o.order, body, fulfilment_str(o.fulfilment), o.store, state.as_str(), now_ms],
                        )?;
                        for (i, l) in o.lines.iter().enumerate() {
                            tx.execute(
                                "INSERT INTO web_order_line (order_id, line, sku, qty, unit_cents) VALUES (?1, ?2, ?3, ?4, ?5)",
                                params![o.order, i as i64 + 1, l.sku, l.qty, l.unit_cents],
                            )?;
                        }
                        insert_sqlite(&tx, &moves, now_ms)?;
                        tx.commit()?;
                        Ok(None)
                    })
                    .await?;
                Ok(match answer {
                    None => Ok(WebOrderTaken { order: order.order.clone(), created: true, state }),
                    Some(Ok(existing)) => same(existing),
                    Some(Err(refusal)) => Err(refusal),
                })
            }
            Storage::Postgres(db) => {
                let mut c = db.client().await;
                let tx = c.transaction().await?;
                // Two servers taking the same order at once: the second waits, then finds it.
                tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&order.order]).await?;
                let existing = tx
                    .query_opt(
                        "SELECT body, state, collected_by FROM web_order WHERE order_id = $1",
                        &[&order.order],
                    )
                    .await?;
                if let Some(r) = existing {
                    return Ok(same(row_of(r.get(0), r.get(1), r.get(2))?));
                }
                if let Some(store) = &order.store {
                    let known: bool = tx
                        .query_one("SELECT EXISTS (SELECT 1 FROM till WHERE store = $1)", &[store])
                        .await?
                        .get(0);
                    if !known {
                        return Ok(Err(WebRefusal::UnknownStore(store.clone())));
                    }
                }
                tx.execute(
                    "INSERT INTO web_order (order_id, body, fulfilment, store, state, received_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                    &[&order.order, &body, &fulfilment_str(order.fulfilment), &order.store, &state.as_str(), &now_ms],
                )
                .await?;
                for (i, l) in order.lines.iter().enumerate() {
                    tx.execute(
                        "INSERT INTO web_order_line (order_id, line, sku, qty, unit_cents) VALUES ($1, $2, $3, $4, $5)",
                        &[&order.order, &(i as i32 + 1), &l.sku, &i32::try_from(l.qty).unwrap_or(i32::MAX), &l.unit_cents],
                    )
                    .await?;
                }
                insert_postgres(&tx, &moves, now_ms).await?;
                tx.commit().await?;
                Ok(Ok(WebOrderTaken { order: order.order.clone(), created: true, state }))
            }
        }
    }

    /// Click & collect orders waiting at `store`, oldest first.
    pub async fn pickups(&self, store: &str) -> Result<Vec<Pickup>, StorageError> {
        let store = store.to_owned();
        let sql = "SELECT body FROM web_order WHERE store = $1 AND state = 'ready_for_pickup' ORDER BY received_ms, order_id";
        let bodies: Vec<String> = match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut stmt = c.prepare_cached(&sql.replace('$', "?"))?;
                    let rows = stmt.query_map([&store], |r| r.get(0))?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await?
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                c.query(sql, &[&store]).await?.iter().map(|r| r.get(0)).collect()
            }
        };
        bodies
            .iter()
            .map(|b| {
                let r = row_of(b, WebOrderState::ReadyForPickup.as_str(), None)?;
                Ok(Pickup { total_cents: r.order.total_cents(), order: r.order })
            })
            .collect()
    }

    /// Every web order (`None`), or those of one store, oldest first.
    pub async fn orders_where(&self, store: Option<String>) -> Result<Vec<WebOrderRow>, StorageError> {
        let rows: Vec<(String, String, Option<String>)> = match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut stmt = c.prepare_cached(
                        "SELECT body, state, collected_by FROM web_order WHERE ?1 IS NULL OR store = ?1 ORDER BY received_ms, order_id",
                    )?;
                    let rows = stmt.query_map([&store], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await?
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                c.query(
                    "SELECT body, state, collected_by FROM web_order WHERE $1::text IS NULL OR store = $1 ORDER BY received_ms, order_id",
                    &[&store],
                )
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect()
            }
        };
        rows.into_iter().map(|(b, s, by)| row_of(&b, &s, by)).collect()
    }

    /// Units of `sku` reserved at each location by click & collect orders not collected yet.
    pub async fn reserved(&self, sku: &str) -> Result<Vec<(String, Milli)>, StorageError> {
        let sku = sku.to_owned();
        let sql =
            "SELECT o.store, SUM(l.qty) FROM web_order_line l JOIN web_order o ON o.order_id = l.order_id
             WHERE l.sku = $1 AND o.state = 'ready_for_pickup' GROUP BY o.store ORDER BY o.store";
        let rows: Vec<(String, i64)> = match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut stmt = c.prepare_cached(&sql.replace('$', "?"))?;
                    let rows = stmt.query_map([&sku], |r| Ok((r.get(0)?, r.get(1)?)))?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await?
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                c.query(&sql.replace("SUM(l.qty)", "SUM(l.qty)::bigint"), &[&sku])
                    .await?
                    .iter()
                    .map(|r| (r.get(0), r.get(1)))
                    .collect()
            }
        };
        Ok(rows.into_iter().map(|(l, q)| (l, Milli(q.saturating_mul(1000)))).collect())
    }
}
