//! What a round pulls from head office once the journal is pushed: the stock levels that moved,
//! the inbox, what changed in the catalogue. Each is kept in the sync's own tables.

use pos_sync::wire;
use rusqlite::Connection;
use serde::de::DeserializeOwned;

use super::client::HeadOffice;
use super::{SyncError, catalogue, now, pickup, stock};

/// Asks head office in the till's name.
pub(super) struct Asker<'a> {
    pub ho: &'a HeadOffice,
    pub key: &'a ed25519_dalek::SigningKey,
    pub till: &'a str,
}

impl Asker<'_> {
    /// `POST path` with `body`, signed; the answer's bytes.
    pub(super) fn post(&self, path: &str, body: Vec<u8>) -> Result<Vec<u8>, SyncError> {
        self.ho.signed(self.key, self.till, reqwest::Method::POST, path, body)
    }

    /// `GET path`, signed, read as `T` (`what` names it in an error).
    pub(super) fn get<T: DeserializeOwned>(&self, path: &str, what: &str) -> Result<T, SyncError> {
        let bytes = self.ho.signed(self.key, self.till, reqwest::Method::GET, path, Vec::new())?;
        serde_json::from_slice(&bytes).map_err(|e| SyncError::BadAnswer(format!("{what}: {e}")))
    }
}

/// The stock levels that moved since the last pull, kept.
pub(super) fn stock(conn: &Connection, asker: &Asker<'_>) -> Result<u64, SyncError> {
    let since = stock::pulled(conn)?.map_or(0, |(upto, _)| upto);
    let delta: pos_sync::stock::StockDelta =
        asker.get(&format!("{}?since={since}", wire::STOCK), "the stock")?;
    if delta.upto < since {
        return Err(SyncError::BadAnswer(format!(
            "head office's stock goes back to movement {} after this till pulled up to {since}",
            delta.upto
        )));
    }
    stock::keep(conn, &delta, &now())?;
    Ok(delta.levels.len() as u64)
}

/// The inbox, kept whole (what head office no longer lists was handed over or withdrawn).
pub(super) fn inbox(conn: &Connection, asker: &Asker<'_>) -> Result<u64, SyncError> {
    let inbox: pos_sync::web::Inbox = asker.get(wire::INBOX, "the inbox")?;
    pickup::keep(conn, &inbox, &now())?;
    Ok(inbox.pickups.len() as u64)
}

/// What changed in head office's catalogue since the version held, kept for the engine to apply.
pub(super) fn catalogue(conn: &Connection, asker: &Asker<'_>) -> Result<u64, SyncError> {
    let since = catalogue::pulled(conn)?.map_or(0, |(v, _)| v);
    let delta: pos_sync::catalogue::CatalogueDelta =
        asker.get(&format!("{}?since={since}", wire::CATALOGUE), "the catalogue")?;
    if delta.version == since {
        return Ok(0);
    }
    if delta.version < since {
        return Err(SyncError::BadAnswer(format!(
            "head office's catalogue is at version {}, and this till already holds version {since}",
            delta.version
        )));
    }
    catalogue::keep(conn, &delta, &now())?;
    Ok(delta.entries.len() as u64)
}
