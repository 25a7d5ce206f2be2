//! The till's inbox of click & collect orders and head office's messages, as last pulled.

use pos_sync::web::{Inbox, Pickup};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::TillError;

/// Keeps the inbox: it replaces what the till knew (an order head office no longer lists was
/// handed over, at this till or another of the store, or withdrawn).
pub fn keep(conn: &Connection, inbox: &Inbox, at: &str) -> Result<(), TillError> {
    let tx = conn.unchecked_transaction()?;
    tx.execute("DELETE FROM pickup", [])?;
    tx.execute("DELETE FROM message", [])?;
    {
        let mut put =
            tx.prepare_cached("INSERT INTO message (id, store, text, at_ms) VALUES (?1, ?2, ?3, ?4)")?;
        for m in &inbox.messages {
            put.execute(params![m.id, m.store, m.text, m.at_ms])?;
        }
    }
    {
        let mut put =
            tx.prepare_cached("INSERT INTO pickup (order_id, json, received_at) VALUES (?1, ?2, ?3)")?;
        for p in &inbox.pickups {
            let json = serde_json::to_string(p).map_err(|e| TillError::storage(e.to_string()))?;
            put.execute(params![p.order.order, json, at])?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn read(json: &str) -> Result<Pickup, TillError> {
    serde_json::from_str(json).map_err(|e| TillError::storage(format!("a click & collect order kept: {e}")))
}

/// The orders waiting, oldest first (none before the first pull).
pub fn waiting(conn: &Connection) -> Result<Vec<Pickup>, TillError> {
    if !has_table(conn)? {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached("SELECT json FROM pickup ORDER BY received_at, order_id")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|r| read(&r?)).collect()
}

/// One order waiting.
pub fn find(conn: &Connection, order: &str) -> Result<Option<Pickup>, TillError> {
    if !has_table(conn)? {
        return Ok(None);
    }
    let json: Option<String> =
        conn.query_row("SELECT json FROM pickup WHERE order_id = ?1", [order], |r| r.get(0)).optional()?;
    json.map(|j| read(&j)).transpose()
}

fn has_table(conn: &Connection) -> Result<bool, TillError> {
    super::link::has_table(conn, "pickup")
}

/// Head office's latest messages to the store, newest first (none before the first pull).
pub fn messages(conn: &Connection) -> Result<Vec<pos_sync::web::Message>, TillError> {
    if !crate::sync::link::has_table(conn, "message")? {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached("SELECT id, store, text, at_ms FROM message ORDER BY id DESC")?;
    let rows = stmt.query_map([], |r| {
        Ok(pos_sync::web::Message { id: r.get(0)?, store: r.get(1)?, text: r.get(2)?, at_ms: r.get(3)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
