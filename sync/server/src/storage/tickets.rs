//! Tickets brought back at another till, on both backends: where each pushed live ticket is (by
//! its reference, `ticket_ref`) and the units each till took back of each sold line
//! (`ticket_return`), both written in the push's own transaction.

use std::collections::BTreeMap;

use pos_journal::body::Entry;
use pos_journal::check::Accepted;
use pos_sync::tickets::{ReturnableTicket, ticket_returns_of, tickets_of};
use rusqlite::{OptionalExtension, params};

use super::{Storage, StorageError, TillRow};

const PLACE: &str =
    "INSERT INTO ticket_ref (reference, till, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
const RETURNED: &str = "INSERT INTO ticket_return (ticket, line, till, units) VALUES ($1, $2, $3, $4)
     ON CONFLICT (ticket, line, till) DO UPDATE SET units = ticket_return.units + excluded.units";
const RECORD: &str = "SELECT r.till, r.bytes FROM ticket_ref t JOIN record r
     ON r.till = t.till AND r.chain = 'live' AND r.seq = t.seq WHERE t.reference = $1";
const ELSEWHERE: &str =
    "SELECT line, SUM(units) FROM ticket_return WHERE ticket = $1 AND till <> $2 GROUP BY line";

pub(super) fn record_sqlite(
    tx: &rusqlite::Transaction<'_>,
    till: &TillRow,
    accepted: &[Accepted],
) -> Result<(), StorageError> {
    for (reference, seq) in tickets_of(accepted) {
        tx.prepare_cached(&PLACE.replace('$', "?"))?.execute(params![reference, till.till, seq as i64])?;
    }
    for (ticket, line, units) in ticket_returns_of(accepted) {
        tx.prepare_cached(&RETURNED.replace('$', "?"))?.execute(params![ticket, line, till.till, units])?;
    }
    Ok(())
}

pub(super) async fn record_postgres(
    tx: &tokio_postgres::Transaction<'_>,
    till: &TillRow,
    accepted: &[Accepted],
) -> Result<(), StorageError> {
    for (reference, seq) in tickets_of(accepted) {
        tx.execute(PLACE, &[&reference, &till.till, &(seq as i64)]).await?;
    }
    for (ticket, line, units) in ticket_returns_of(accepted) {
        tx.execute(RETURNED, &[&ticket, &i64::from(line), &till.till, &i64::from(units)]).await?;
    }
    Ok(())
}

/// The till that sold a ticket, and its record's bytes.
type SoldAt = (String, Vec<u8>);

impl Storage {
    /// Ticket `reference` as `till` sees it to take units of it back: the ticket as signed and
    /// what the other tills took back of it. `None`: head office holds no such ticket.
    pub async fn returnable_ticket(
        &self,
        reference: &str,
        till: &str,
    ) -> Result<Option<ReturnableTicket>, StorageError> {
        let (reference, till) = (reference.to_owned(), till.to_owned());
        let (row, elsewhere): (Option<SoldAt>, Vec<(i64, i64)>) = match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let tx = c.transaction()?;
                    let row = tx
                        .query_row(&RECORD.replace('$', "?"), [&reference], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()?;
                    let elsewhere = tx
                        .prepare(&ELSEWHERE.replace('$', "?"))?
                        .query_map(params![reference, till], |r| Ok((r.get(0)?, r.get(1)?)))?
                        .collect::<Result<_, _>>()?;
                    Ok((row, elsewhere))
                })
                .await?
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                let row = c.query_opt(RECORD, &[&reference]).await?.map(|r| (r.get(0), r.get(1)));
                let elsewhere = c
                    .query(&ELSEWHERE.replace("SUM(units)", "SUM(units)::bigint"), &[&reference, &till])
                    .await?
                    .iter()
                    .map(|r| (r.get(0), r.get(1)))
                    .collect();
                (row, elsewhere)
            }
        };
        let Some((sold_at, bytes)) = row else { return Ok(None) };
        let ticket = match pos_journal::body::Entry::read(&bytes) {
            Ok((_, Entry::Ticket(t))) => t,
            Ok(_) | Err(_) => {
                return Err(StorageError(format!("the record of ticket {sold_at} does not read as one")));
            }
        };
        let returned_elsewhere: BTreeMap<u32, u32> = elsewhere
            .into_iter()
            .filter_map(|(l, u)| Some((u32::try_from(l).ok()?, u32::try_from(u).unwrap_or(u32::MAX))))
            .collect();
        Ok(Some(ReturnableTicket { till: sold_at, ticket, returned_elsewhere }))
    }
}
