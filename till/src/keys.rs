//! Reading a till's key ring ([`pos_journal::keys::KeyRing`]) from its journal.

use pos_journal::body::Entry;
use pos_journal::keys::KeyRing;
use pos_journal::{ChainName, unhex};
use rusqlite::Connection;

use crate::error::TillError;
use crate::store;

/// Reads the ring from the journal: the identity's key, then each `key_changed` record's new key.
/// What the records say is checked by the verification walk, which holds them to this ring.
pub fn load(conn: &Connection) -> Result<KeyRing, TillError> {
    let id = store::identity(conn)?;
    let mut ring = KeyRing::new(id.public_key);
    let mut stmt = conn.prepare(
        "SELECT seq FROM journal WHERE chain = 'live' AND kind = 'event' AND instr(CAST(bytes AS TEXT), '\"type\":\"key_changed\"') > 0 ORDER BY seq",
    )?;
    let seqs: Vec<u64> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for seq in seqs {
        if let Some(Entry::KeyChanged { new_key, .. }) =
            store::read_records(conn, ChainName::Live, seq, seq)?.pop().map(|r| r.entry)
        {
            let key: [u8; 32] = unhex(&new_key).and_then(|b| b.try_into().ok()).ok_or_else(|| {
                TillError::storage(format!("record {seq}: `{new_key}` is not a public key"))
            })?;
            ring.hand_over(seq, key);
        }
    }
    Ok(ring)
}
