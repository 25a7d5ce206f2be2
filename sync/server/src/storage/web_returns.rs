//! Web orders brought back to a store, on both backends: each till's pushed return lines of a web
//! order (`WEB/` and the order's id in the ticket) counted per (order, line, till), so that a till
//! taking units back learns what the other tills took (its own it counts in its journal).

use pos_journal::check::Accepted;
use pos_sync::web::{ReturnableLine, ReturnableOrder, returns_of};
use rusqlite::{OptionalExtension, params};

use super::{Storage, StorageError, TillRow};

const ADD: &str = "INSERT INTO web_return (order_id, line, till, units) VALUES ($1, $2, $3, $4)
     ON CONFLICT (order_id, line, till) DO UPDATE SET units = web_return.units + excluded.units";
const ORDER: &str = "SELECT body, state FROM web_order WHERE order_id = $1";
const ELSEWHERE: &str =
    "SELECT line, SUM(units) FROM web_return WHERE order_id = $1 AND till <> $2 GROUP BY line";

pub(super) fn record_sqlite(
    tx: &rusqlite::Transaction<'_>,
    till: &TillRow,
    accepted: &[Accepted],
) -> Result<(), StorageError> {
    for (order, line, units) in returns_of(accepted) {
        tx.prepare_cached(&ADD.replace('$', "?"))?.execute(params![order, line, till.till, units])?;
    }
    Ok(())
}

pub(super) async fn record_postgres(
    tx: &tokio_postgres::Transaction<'_>,
    till: &TillRow,
    accepted: &[Accepted],
) -> Result<(), StorageError> {
    for (order, line, units) in returns_of(accepted) {
        tx.execute(ADD, &[&order, &i64::from(line), &till.till, &i64::from(units)]).await?;
    }
    Ok(())
}

/// An order's body and state, as stored.
type OrderRow = (String, String);

impl Storage {
    /// Web order `order` as `till` sees it to take units back: its lines, each with what the
    /// other tills took back. `None`: no such order.
    pub async fn returnable_order(
        &self,
        order: &str,
        till: &str,
    ) -> Result<Option<ReturnableOrder>, StorageError> {
        let (order, till) = (order.to_owned(), till.to_owned());
        let (row, elsewhere): (Option<OrderRow>, Vec<(i64, i64)>) = match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let tx = c.transaction()?;
                    let row = tx
                        .query_row(&ORDER.replace('$', "?"), [&order], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()?;
                    let elsewhere = tx
                        .prepare(&ELSEWHERE.replace('$', "?"))?
                        .query_map(params![order, till], |r| Ok((r.get(0)?, r.get(1)?)))?
                        .collect::<Result<_, _>>()?;
                    Ok((row, elsewhere))
                })
                .await?
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                let row = c.query_opt(ORDER, &[&order]).await?.map(|r| (r.get(0), r.get(1)));
                let elsewhere = c
                    .query(&ELSEWHERE.replace("SUM(units)", "SUM(units)::bigint"), &[&order, &till])
                    .await?
                    .iter()
                    .map(|r| (r.get(0), r.get(1)))
                    .collect();
                (row, elsewhere)
            }
        };
        let Some((body, state)) = row else { return Ok(None) };
        let r = super::web::row_of(&body, &state, None)?;
        let back = |line: u32| {
            elsewhere
                .iter()
                .find(|(l, _)| *l == i64::from(line))
                .map_or(0, |(_, u)| u32::try_from(*u).unwrap_or(u32::MAX))
        };
        let lines = r
            .order
            .lines
            .iter()
            .zip(1u32..)
            .map(|(l, line)| ReturnableLine {
                line,
                sku: l.sku.clone(),
                qty: l.qty,
                unit_cents: l.unit_cents,
                returned_elsewhere: back(line),
            })
            .collect();
        Ok(Some(ReturnableOrder {
            order: r.order.order,
            state: r.state,
            paid_online: r.order.paid_online,
            customer: r.order.customer,
            lines,
        }))
    }
}
