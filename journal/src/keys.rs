//! The till's public keys over its life: the key of its initialisation, then the new key of each
//! `key_changed` record. A `key_changed` record is the last one signed with the old key; the records
//! after it are signed with the new one. Nothing else changes a key: records that verify with a key
//! the journal does not hand over are a re-keyed journal.

use ed25519_dalek::VerifyingKey;

use crate::fingerprint;

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
        fingerprint(&self.key)
    }
}

/// The keys of a till, oldest first; never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRing {
    keys: Vec<KeyInForce>,
}

impl KeyRing {
    /// The ring of a journal initialised with `key` (it signs from live record 1).
    pub fn new(key: [u8; 32]) -> KeyRing {
        KeyRing { keys: vec![KeyInForce { from_seq: 1, key }] }
    }

    /// A ring of `keys`, oldest first: `None` unless the first signs from record 1 and each later
    /// one from a later record.
    pub fn from_keys(keys: Vec<KeyInForce>) -> Option<KeyRing> {
        let ordered = keys.first().is_some_and(|k| k.from_seq == 1)
            && keys.windows(2).all(|w| w[0].from_seq < w[1].from_seq);
        ordered.then_some(KeyRing { keys })
    }

    /// The key `key_changed` record `seq` hands over: it signs from the next record.
    pub fn hand_over(&mut self, seq: u64, key: [u8; 32]) {
        self.keys.push(KeyInForce { from_seq: seq + 1, key });
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
        self.keys.iter().find(|k| crate::fingerprint_matches(&k.fingerprint(), typed))
    }
}
