//! The till's signed head, kept outside its database: after every fiscal commit the till writes the
//! last record of each chain (seq, hash and the record's own signature) into `till.head` beside the
//! database, and into a second copy where the setting `head_copy` says (a backup folder, a USB key).
//!
//! A database can be cut short or replaced by yesterday's copy without breaking its chain; its head
//! cannot follow it back. At start the till refuses a database older than its head ([`check`]), and
//! says what it found. The head is written after the commit with no sync of its own: a head older
//! than the database is harmless (the database is newer), only a database older than its head is
//! refused. Every Z prints the head too, so a paper Z anchors the journal as well; head office's
//! acknowledgements will be the third anchor.

use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use pos_core::journal::{ChainName, hex, unhex};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::keys::KeyRing;
use crate::store::Heads;

/// The head file's name beside the database.
pub const HEAD_FILE: &str = "till.head";
/// The head file's format.
pub const FORMAT: &str = "pos-till-head/1";

/// The last record of a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    /// Its seq.
    pub seq: u64,
    /// Its hash, hex.
    pub hash: String,
    /// Its signature (the record's own), hex.
    pub sig: String,
}

/// A head file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadFile {
    /// [`FORMAT`].
    pub format: String,
    /// The till.
    pub till: String,
    /// The live chain's last record.
    pub live: ChainHead,
    /// The training chain's last record, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<ChainHead>,
    /// The time of the live record.
    pub at: String,
}

impl HeadFile {
    /// The head of `till` as `heads` has it; `None` before the first record.
    pub fn of(till: &str, heads: &Heads) -> Option<HeadFile> {
        let chain = |c: ChainName| {
            heads.head(c).map(|(seq, hash, sig)| ChainHead { seq, hash: hex(&hash), sig: hex(&sig) })
        };
        Some(HeadFile {
            format: FORMAT.into(),
            till: till.into(),
            live: chain(ChainName::Live)?,
            training: chain(ChainName::Training),
            at: heads.last_at(ChainName::Live).unwrap_or_default().to_owned(),
        })
    }

    /// `live 42 3f2a…` as the events and messages say it.
    pub fn describe(&self) -> String {
        format!("live record {} (hash {}, {})", self.live.seq, short(&self.live.hash), self.at)
    }
}

fn short(hash: &str) -> &str {
    hash.get(..16).unwrap_or(hash)
}

/// Where the second copy of `till`'s head goes in folder `copy`.
pub fn copy_path(copy: &Path, till: &str) -> PathBuf {
    copy.join(format!("{till}.head"))
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename over it.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("head-new");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Writes the head beside the database and, when `copy` is set, into that folder. The copy's
/// failure (a USB key pulled out) is returned for the device status; it never stops a sale.
pub fn write(dir: &Path, copy: Option<&Path>, head: &HeadFile) -> Result<(), String> {
    let bytes = serde_json::to_vec(head).map_err(|e| e.to_string())?;
    write_atomic(&dir.join(HEAD_FILE), &bytes)
        .map_err(|e| format!("cannot write {}: {e}", dir.join(HEAD_FILE).display()))?;
    if let Some(folder) = copy {
        let path = copy_path(folder, &head.till);
        write_atomic(&path, &bytes)
            .map_err(|e| format!("cannot write the head's copy {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Reads a head file: `Ok(None)` when there is none, `Err` when it cannot be read as one.
pub fn read(path: &Path) -> Result<Option<HeadFile>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let head: HeadFile =
        serde_json::from_slice(&bytes).map_err(|e| format!("{} is not a head file: {e}", path.display()))?;
    if head.format != FORMAT {
        return Err(format!("{}: unknown head format `{}`", path.display(), head.format));
    }
    Ok(Some(head))
}

/// What a head file says of the database it is checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// The journal holds the head's records: the database is the head's or newer.
    Reached,
    /// The database ends before the head: it was cut short, or an older copy was put back.
    Behind {
        /// Where the head is.
        head: String,
        /// Where the database ends.
        found: String,
    },
    /// The database holds another record where the head is: the journal was rewritten.
    Differs {
        /// Where the head is.
        head: String,
        /// What the database holds there.
        found: String,
    },
    /// The head is not this till's, or its signature is not the till's (re-keyed, forged).
    Foreign(String),
}

/// Checks one head file against the journal of `conn`.
pub fn check(conn: &Connection, till: &str, ring: &KeyRing, head: &HeadFile) -> Result<Finding, String> {
    if head.till != till {
        return Ok(Finding::Foreign(format!("the head file is till {}'s, not {till}'s", head.till)));
    }
    let keys = ring.verifying()?;
    for (chain, h) in [(ChainName::Live, Some(&head.live)), (ChainName::Training, head.training.as_ref())] {
        let Some(h) = h else { continue };
        let (Some(hash), Some(sig)) = (
            unhex(&h.hash).and_then(|b| <[u8; 32]>::try_from(b).ok()),
            unhex(&h.sig).and_then(|b| <[u8; 64]>::try_from(b).ok()),
        ) else {
            return Ok(Finding::Foreign(format!("the head of the {} chain is malformed", chain.as_str())));
        };
        let signed = |k: &VerifyingKey| crate::signer::verify_one(k, &hash, &sig);
        let by_ring = match chain {
            ChainName::Live => signed(&keys[ring.index_at(h.seq)]),
            ChainName::Training => keys.iter().any(signed),
        };
        if !by_ring {
            return Ok(Finding::Foreign(format!(
                "the head of the {} chain (record {}) is not signed by a key of this journal (key now {}): \
                 the database was re-keyed, or the head forged",
                chain.as_str(),
                h.seq,
                ring.current().fingerprint()
            )));
        }
        let here = || format!("{} record {} (hash {})", chain.as_str(), h.seq, short(&h.hash));
        let last: u64 = conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM journal WHERE chain = ?1", [chain.as_str()], |r| {
                r.get(0)
            })
            .map_err(|e| e.to_string())?;
        if last < h.seq {
            return Ok(Finding::Behind {
                head: format!("{} of {}", here(), head.at),
                found: format!("{} record {last}", chain.as_str()),
            });
        }
        let stored: Option<Vec<u8>> = conn
            .query_row(
                "SELECT hash FROM journal WHERE chain = ?1 AND seq = ?2",
                params![chain.as_str(), h.seq],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| e.to_string())?;
        if stored.as_deref() != Some(&hash[..]) {
            return Ok(Finding::Differs {
                head: here(),
                found: format!(
                    "{} record {} with hash {}",
                    chain.as_str(),
                    h.seq,
                    stored.map(|s| hex(&s)).as_deref().map_or("none", short).to_owned()
                ),
            });
        }
    }
    Ok(Finding::Reached)
}

/// Whether the journal says a head is kept (a `head_started` or `head_accepted` event): from then
/// on a missing head file is a finding, not a fresh start.
pub fn expected(conn: &Connection) -> Result<bool, rusqlite::Error> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM journal WHERE chain = 'live' AND kind = 'event'
         AND (instr(CAST(bytes AS TEXT), '\"type\":\"head_started\"') > 0
              OR instr(CAST(bytes AS TEXT), '\"type\":\"head_accepted\"') > 0))",
        [],
        |r| r.get(0),
    )
}
