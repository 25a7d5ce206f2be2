//! The till's public keys over its life, read from its journal: the key of its initialisation, then
//! the new key of each `key_changed` record. A `key_changed` record is the last one signed with the
//! old key; the records after it are signed with the new one. Nothing else changes a key: a
//! database whose records verify with a key that the journal does not hand over is a re-keyed one.

use ed25519_dalek::VerifyingKey;
use pos_core::journal::{self, ChainName, unhex};
use rusqlite::Connection;

use crate::entry::Entry;
use crate::error::TillError;
use crate::store;

/// A key and the first live record it signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInForce {
    /// First live seq signed with it (1 for the initial key).
    pub from_seq: u64,
    /// The key.
    pub key: [u8; 32],
}

impl KeyInForce {
    /// Its fingerprint.
    pub fn fingerprint(&self) -> String {
        journal::fingerprint(&self.key)
    }
}

/// The keys of a till, oldest first; never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRing {
    keys: Vec<KeyInForce>,
}

impl KeyRing {
    /// Reads the ring from the journal: the identity's key, then each `key_changed` record's new key.
    /// What the records say is checked by the verification walk, which holds them to this ring.
    pub fn load(conn: &Connection) -> Result<KeyRing, TillError> {
        let id = store::identity(conn)?;
        let mut keys = vec![KeyInForce { from_seq: 1, key: id.public_key }];
        let mut stmt = conn.prepare(
            "SELECT seq FROM journal WHERE chain = 'live' AND kind = 'event' AND instr(CAST(bytes AS TEXT), '\"type\":\"key_changed\"') > 0 ORDER BY seq",
        )?;
        let seqs: Vec<u64> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        for seq in seqs {
            if let Some(Entry::KeyChanged { new_key, .. }) =
                store::read_records(conn, ChainName::Live, seq, seq)?.pop().map(|r| r.entry)
            {
                let key: [u8; 32] = unhex(&new_key).and_then(|b| b.try_into().ok()).ok_or_else(|| {
                    TillError::Storage(format!("record {seq}: `{new_key}` is not a public key"))
                })?;
                keys.push(KeyInForce { from_seq: seq + 1, key });
            }
        }
        Ok(KeyRing { keys })
    }

    /// Every key, oldest first.
    pub fn keys(&self) -> &[KeyInForce] {
        &self.keys
    }

    /// The key in force now (signing the next record).
    pub fn current(&self) -> &KeyInForce {
        // Never empty: `load` starts with the identity's key.
        &self.keys[self.keys.len() - 1]
    }

    /// The index of the key that signs live record `seq`.
    pub fn index_at(&self, seq: u64) -> usize {
        self.keys.iter().rposition(|k| k.from_seq <= seq).unwrap_or(0)
    }

    /// The verifying keys, oldest first; `Err` names the first that is not a usable key (a key of
    /// small order would accept made-up signatures).
    pub fn verifying(&self) -> Result<Vec<VerifyingKey>, String> {
        self.keys
            .iter()
            .map(|k| match VerifyingKey::from_bytes(&k.key) {
                Ok(v) if !v.is_weak() => Ok(v),
                _ => Err(format!(
                    "the public key in force from record {} is not a valid key (the identity was altered)",
                    k.from_seq
                )),
            })
            .collect()
    }

    /// Whether any key of the ring has this fingerprint.
    pub fn holds(&self, typed: &str) -> Option<&KeyInForce> {
        self.keys.iter().find(|k| journal::fingerprint_matches(&k.fingerprint(), typed))
    }
}
