//! Stock as the till knows it: head office's levels per location as last pulled, plus the till's
//! own movements head office had not counted yet (its tickets after the record the levels count).

use std::collections::BTreeMap;

use pos_journal::body::Entry;
use pos_journal::{ChainName, Kind};
use pos_sync::stock::{Milli, StockDelta};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::TillError;
use crate::store;

/// Keeps a pull's levels: each replaces what the till knew of that (location, item).
pub fn keep(conn: &Connection, delta: &StockDelta, at: &str) -> Result<(), TillError> {
    let tx = conn.unchecked_transaction()?;
    {
        let mut put = tx.prepare_cached(
            "INSERT INTO stock_known (sku, location, qty) VALUES (?1, ?2, ?3)
             ON CONFLICT (sku, location) DO UPDATE SET qty = excluded.qty",
        )?;
        for l in &delta.levels {
            put.execute(params![l.sku, l.location, l.qty.0])?;
        }
    }
    tx.execute(
        "INSERT INTO stock_pull (id, upto, till_seq, at) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET upto = excluded.upto, till_seq = excluded.till_seq, at = excluded.at",
        params![delta.upto, delta.till_seq, at],
    )?;
    tx.commit()?;
    Ok(())
}

/// Where the last pull stood: the last movement it counts, and this till's last record it counts.
pub fn pulled(conn: &Connection) -> Result<Option<(i64, u64)>, TillError> {
    if !super::link::has_table(conn, "stock_pull")? {
        return Ok(None);
    }
    Ok(conn
        .query_row("SELECT upto, till_seq FROM stock_pull WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// An item's stock at one location, as the till shows it in a look-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct StockAt {
    /// The location (`LYO`, `WHS`).
    pub location: String,
    /// Head office's level plus this till's movements it had not counted (`12`, `0.455`).
    pub qty: String,
    /// This till's own movements head office had not counted (`-2`), or empty.
    pub own: String,
}

/// The stock of each of `skus` per location: nothing before the first pull (the till does not
/// know head office's levels yet).
pub fn lookup(conn: &Connection, skus: &[String]) -> Result<BTreeMap<String, Vec<StockAt>>, TillError> {
    let mut out = BTreeMap::new();
    let Some((_, counted_to)) = pulled(conn)? else { return Ok(out) };
    let store = store::identity(conn)?.store;
    let mut own: BTreeMap<&str, i64> = BTreeMap::new();
    let tickets = store::records_of_kind_from(conn, ChainName::Live, Kind::Ticket, counted_to + 1)?;
    for r in &tickets {
        let Entry::Ticket(t) = &r.entry else { continue };
        for (sku, qty) in &t.stock_moves {
            let Some(sku) = skus.iter().find(|s| *s == sku) else { continue };
            let q =
                Milli::parse(qty).map_err(|e| TillError::storage(format!("ticket {}: {e}", t.reference)))?;
            let slot = own.entry(sku.as_str()).or_default();
            *slot = slot.checked_sub(q.0).ok_or_else(|| TillError::storage("a stock movement overflows"))?;
        }
    }
    let mut stmt =
        conn.prepare_cached("SELECT location, qty FROM stock_known WHERE sku = ?1 ORDER BY location")?;
    for sku in skus {
        let mut levels: Vec<(String, i64)> =
            stmt.query_map([sku], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        let mine = own.get(sku.as_str()).copied().unwrap_or(0);
        if mine != 0 && !levels.iter().any(|(l, _)| *l == store) {
            levels.push((store.clone(), 0));
        }
        let at: Vec<StockAt> = levels
            .into_iter()
            .map(|(location, known)| {
                let own = if location == store { mine } else { 0 };
                let qty =
                    known.checked_add(own).ok_or_else(|| TillError::storage("a stock level overflows"))?;
                Ok(StockAt {
                    location,
                    qty: Milli(qty).to_string(),
                    own: if own == 0 { String::new() } else { Milli(own).to_string() },
                })
            })
            .collect::<Result<_, TillError>>()?;
        out.insert(sku.clone(), at);
    }
    Ok(out)
}
