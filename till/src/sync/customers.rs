//! Customers as the till knows them beside the chain's files: each one's merged registers
//! (`pos_sync::customers`), from this till's own edits (kept until head office has them) and from
//! what head office merged of every till's. The edits are not fiscal records and stay out of the
//! journal, so that an erasure removes a customer's data from the till too.

use std::collections::BTreeMap;

use pos_sync::customers::{Customer, CustomerDelta, CustomerEdit, CustomerEdits, Field, MAX_EDITS, Stamp};
use pos_sync::wire;
use rusqlite::{Connection, OptionalExtension, params};

use super::pull::Asker;
use super::{SyncError, link, now};
use crate::error::TillError;

/// Records this till's edit of `customer` (`at_ms` by its clock) and merges it into what the till
/// knows, in one transaction. Each field is checked; nothing is kept of a refused edit.
pub fn edit(
    conn: &Connection,
    till: &str,
    at_ms: i64,
    customer: &str,
    fields: &[(Field, String)],
) -> Result<Customer, TillError> {
    pos_sync::customers::check_id(customer).map_err(TillError::refused)?;
    for (f, v) in fields {
        f.check(v).map_err(TillError::refused)?;
    }
    let tx = conn.unchecked_transaction()?;
    let mut c = known_one(&tx, customer)?.unwrap_or_default();
    for (field, value) in fields {
        tx.prepare_cached(
            "INSERT INTO customer_edit (customer, field, value, at_ms) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![customer, field.as_str(), value, at_ms])?;
        let n = u64::try_from(tx.last_insert_rowid()).unwrap_or(0);
        c.set(*field, value, Stamp { at_ms, till: till.to_owned(), n });
    }
    put(&tx, customer, &c)?;
    tx.commit()?;
    Ok(c)
}

/// The next id of a customer created at this till (`LYO-1-C0001`, ...).
pub fn next_id(conn: &Connection, till: &str) -> Result<String, TillError> {
    let prefix = format!("{till}-C");
    let mut stmt = conn.prepare("SELECT id FROM customer_known WHERE substr(id, 1, ?2) = ?1")?;
    let ids: Vec<String> =
        stmt.query_map(params![prefix, prefix.len() as i64], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let last = ids.iter().filter_map(|id| id[prefix.len()..].parse::<u32>().ok()).max().unwrap_or(0);
    Ok(format!("{prefix}{:04}", last + 1))
}

/// A customer as the till knows them, if it knows any edit of them.
pub fn known_one(conn: &Connection, id: &str) -> Result<Option<Customer>, TillError> {
    if !link::has_table(conn, "customer_known")? {
        return Ok(None);
    }
    let json: Option<String> = conn
        .prepare_cached("SELECT json FROM customer_known WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    json.map(|j| read(id, &j)).transpose()
}

/// Every customer the till knows edits of.
pub fn known(conn: &Connection) -> Result<BTreeMap<String, Customer>, TillError> {
    if !link::has_table(conn, "customer_known")? {
        return Ok(BTreeMap::new());
    }
    let mut stmt = conn.prepare_cached("SELECT id, json FROM customer_known ORDER BY id")?;
    let rows: Vec<(String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    rows.into_iter().map(|(id, j)| Ok((id.clone(), read(&id, &j)?))).collect()
}

fn read(id: &str, json: &str) -> Result<Customer, TillError> {
    serde_json::from_str(json)
        .map_err(|e| TillError::storage(format!("customer {id} as the till knows them does not read: {e}")))
}

fn put(conn: &Connection, id: &str, c: &Customer) -> Result<(), TillError> {
    let json = serde_json::to_string(c).map_err(|e| TillError::storage(e.to_string()))?;
    conn.prepare_cached(
        "INSERT INTO customer_known (id, json) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET json = excluded.json",
    )?
    .execute(params![id, json])?;
    Ok(())
}

/// Sends head office the edits it does not have yet, oldest first, and forgets them; how many.
pub(super) fn push(conn: &Connection, asker: &Asker<'_>) -> Result<u64, SyncError> {
    let mut sent = 0u64;
    loop {
        let rows: Vec<(i64, String, String, String, i64)> = conn
            .prepare_cached("SELECT n, customer, field, value, at_ms FROM customer_edit ORDER BY n LIMIT ?1")?
            .query_map([MAX_EDITS as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
            .collect::<Result<_, _>>()?;
        let Some(last) = rows.last().map(|r| r.0) else { return Ok(sent) };
        let edits = rows
            .iter()
            .map(|(n, customer, field, value, at_ms)| {
                Ok(CustomerEdit {
                    customer: customer.clone(),
                    field: Field::parse(field).ok_or_else(|| {
                        TillError::storage(format!("a customer's edit of unknown field `{field}`"))
                    })?,
                    value: value.clone(),
                    stamp: Stamp {
                        at_ms: *at_ms,
                        till: asker.till.to_owned(),
                        n: u64::try_from(*n).unwrap_or(0),
                    },
                })
            })
            .collect::<Result<Vec<_>, TillError>>()?;
        let body =
            serde_json::to_vec(&CustomerEdits { edits }).map_err(|e| SyncError::Setup(e.to_string()))?;
        asker.post(wire::CUSTOMERS, body)?;
        // Head office has them: kept no longer (they hold personal data).
        conn.execute("DELETE FROM customer_edit WHERE n <= ?1", [last])?;
        sent += rows.len() as u64;
    }
}

/// Takes the customers head office changed since the version held, merged into what the till
/// knows; how many.
pub(super) fn pull(conn: &Connection, asker: &Asker<'_>) -> Result<u64, SyncError> {
    let mut pulled = 0u64;
    loop {
        let since: u64 = conn
            .query_row("SELECT version FROM customer_pull WHERE id = 1", [], |r| r.get(0))
            .optional()?
            .unwrap_or(0);
        let delta: CustomerDelta =
            asker.get(&format!("{}?since={since}", wire::CUSTOMERS), "the customers")?;
        if delta.version < since {
            return Err(SyncError::BadAnswer(format!(
                "head office's customers go back to version {} after this till pulled version {since}",
                delta.version
            )));
        }
        let tx = conn.unchecked_transaction()?;
        for s in &delta.customers {
            let mut c = known_one(&tx, &s.id)?.unwrap_or_default();
            c.merge(&s.customer);
            put(&tx, &s.id, &c)?;
            if c.erased.is_some() {
                // Erased: the edits not sent yet would change nothing, and hold personal data.
                tx.execute("DELETE FROM customer_edit WHERE customer = ?1", [&s.id])?;
            }
        }
        tx.execute(
            "INSERT INTO customer_pull (id, version, at) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, at = excluded.at",
            params![delta.version, now()],
        )?;
        tx.commit()?;
        pulled += delta.customers.len() as u64;
        if delta.customers.is_empty() || delta.version == since {
            return Ok(pulled);
        }
    }
}
