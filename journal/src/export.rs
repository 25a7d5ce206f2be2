//! A journal export: the whole live chain of a till, from its first record, as a file an inspector
//! or head office checks with nothing else (`pos-till export` writes it, `pos-journal verify` checks
//! it).
//!
//! Format `pos-journal-export/1`: the till, the chain and its records in order (each its canonical
//! bytes, previous hash, hash and signature, as in an archive). It carries no key of its own: the
//! first record (`initialised`) names the till's key and signs itself with it, and each
//! `key_changed` record hands over to the next. A forger could make a whole journal with a key of
//! their own, so the check prints the fingerprints of the keys and takes the one printed on the
//! till's Z reports (or registered by head office) as `--expect-key`.

use serde::{Deserialize, Serialize};

use crate::archive::ArchivedRecord;
use crate::body::Entry;
use crate::check::ChainWalk;
use crate::keys::KeyRing;
use crate::{ChainName, decode, fingerprint, fingerprint_matches, unhex};

/// The format this version writes.
pub const FORMAT: &str = "pos-journal-export/1";

/// A journal export file.
#[derive(Debug, Serialize, Deserialize)]
pub struct ExportFile {
    /// [`FORMAT`].
    pub format: String,
    /// The till (`LYO-1`).
    pub till: String,
    /// The chain exported.
    pub chain: ChainName,
    /// Its records, from the first.
    pub records: Vec<ArchivedRecord>,
}

/// What [`verify`] found in a good export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// Records.
    pub records: usize,
    /// The fingerprints of the keys that signed them, oldest first.
    pub keys: Vec<String>,
    /// The date of the last record.
    pub last_at: String,
}

/// Checks an export: the first record names the key, every record follows the one before, is
/// canonical, numbered without gaps and signed by the key in force. With `expect_key`, one of the
/// till's keys must have that fingerprint. The records are checked on up to `threads` threads.
pub fn verify(bytes: &[u8], expect_key: Option<&str>, threads: usize) -> Result<Checked, String> {
    let file: ExportFile = serde_json::from_slice(bytes).map_err(|e| format!("not a journal export: {e}"))?;
    if file.format != FORMAT {
        return Err(format!("unknown journal export format `{}`", file.format));
    }
    if file.chain != ChainName::Live {
        return Err("only the live chain is exported and checked".into());
    }
    let first = file.records.first().ok_or("the export holds no record")?;
    let (_, body) = decode(first.bytes.as_bytes()).map_err(|e| format!("record 1: {e}"))?;
    let key: [u8; 32] = match serde_json::from_value::<Entry>(body) {
        Ok(Entry::Initialised { public_key, .. }) => unhex(&public_key)
            .and_then(|k| k.try_into().ok())
            .ok_or("record 1 names a public key that is not 32 bytes of hex")?,
        _ => {
            return Err(
                "record 1 is not the till's initialisation: an export starts at the first record".into()
            );
        }
    };
    let mut walk = ChainWalk::from_start(&file.till, ChainName::Live, KeyRing::new(key))
        .ok_or("record 1 names a public key that is not a valid key")?
        .with_threads(threads);
    let accepted = crate::archive::walk_rows(&mut walk, 1, &file.records)?;
    let keys: Vec<String> = walk.ring().keys().iter().map(|k| fingerprint(&k.key)).collect();
    if let Some(fp) = expect_key
        && !keys.iter().any(|k| fingerprint_matches(k, fp))
    {
        return Err(format!(
            "the journal is signed by key {}, not by the expected {fp}",
            keys.join(", then ")
        ));
    }
    Ok(Checked {
        records: accepted.len(),
        keys,
        last_at: accepted.last().map(|a| a.header.at.clone()).unwrap_or_default(),
    })
}
