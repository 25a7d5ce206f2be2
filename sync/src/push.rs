//! The push: a till's records of one chain, in order, checked by head office before they are kept.
//!
//! Head office keeps, for each till and chain (a *stream*), where its walk stands
//! ([`WalkState`]) and the hash of every record it accepted. A batch is taken in three steps:
//!
//! 1. Records head office already holds are compared with what it holds: the same hash is a
//!    record sent again (after a cut, a retry) and counts as a duplicate; another hash at the same
//!    seq is a **fork** (a till restored from an old copy and selling again, a rewritten journal).
//! 2. The first new record must be the next one: anything after a hole is a **gap**.
//! 3. The new records are walked with the journal crate (canonical bytes, link, hash, numbering
//!    per kind, signature by the key in force, keys handed over): a record refused is a **broken**
//!    chain.
//!
//! Whatever the fault, the records before it are kept and acknowledged, nothing after it is, and
//! the stream goes into quarantine with the reason and the first bad record: nothing is merged
//! silently, and head office does not take that till's records again until a person has dealt
//! with it. The training chain is a stream of its own, accepted the same way and kept apart from
//! every total by whoever reads it.

use pos_journal::archive::ArchivedRecord;
use pos_journal::check::{Accepted, ChainWalk, Stored, WalkState};
use pos_journal::keys::KeyRing;
use pos_journal::{ChainName, GENESIS, hex, unhex};
use serde::{Deserialize, Serialize};

/// Records of one till's chain, in order, as the till pushes them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Serialize, Deserialize)]
pub struct Batch {
    /// The till.
    pub till: String,
    /// Its chain.
    pub chain: ChainName,
    /// The seq of the first record of the batch.
    pub first_seq: u64,
    /// The records, each as the journal holds it.
    pub records: Vec<ArchivedRecord>,
}

/// Why a stream is in quarantine.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Records are missing between what head office holds and what was sent.
    Gap,
    /// Another record where head office already holds one (a restored copy, a rewritten journal).
    Fork,
    /// A record the journal crate refuses (altered, unlinked, misnumbered, not signed by the key in
    /// force, not canonical).
    Broken,
}

/// A stream put aside: why, the first record that is wrong, and what the check said.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{till} {chain} record {seq}: {fault:?}: {detail}", chain = chain.as_str())]
pub struct Quarantine {
    /// The till.
    pub till: String,
    /// Its chain.
    pub chain: ChainName,
    /// What is wrong.
    pub fault: Fault,
    /// The first bad record's seq.
    pub seq: u64,
    /// What the check found, in words.
    pub detail: String,
}

/// A batch that cannot be taken at all: it is not this stream's, or does not read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The batch names another till or chain than the stream it was sent to.
    #[error("the batch is {0}'s, not this stream's")]
    WrongStream(String),
    /// A field of a record is not hex, or the batch's numbering does not add up.
    #[error("record {seq}: {what}")]
    Malformed {
        /// The record.
        seq: u64,
        /// What is wrong.
        what: String,
    },
    /// The stream is in quarantine: nothing is taken until a person deals with it.
    #[error("the stream is in quarantine ({0})")]
    Quarantined(Box<Quarantine>),
}

/// Where head office stands with one stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stream {
    /// Where the walk stands: the next seq, the head, the keys, the numbers.
    pub walk: WalkState,
    /// Set when the stream was put aside.
    pub quarantine: Option<Quarantine>,
}

impl Stream {
    /// A stream that starts at the first record of `chain` of till `till`, whose journal was
    /// initialised with `key` (the key registered at enrolment).
    pub fn new(till: &str, chain: ChainName, key: [u8; 32]) -> Option<Stream> {
        let walk = ChainWalk::from_start(till, chain, KeyRing::new(key))?;
        Some(Stream { walk: walk.state(), quarantine: None })
    }

    /// The seq of the last record held (0 before the first).
    pub fn last_seq(&self) -> u64 {
        self.walk.next_seq.saturating_sub(1)
    }
}

/// What a batch did to a stream.
#[derive(Debug)]
pub struct Taken {
    /// The records accepted, in order, read and typed: to be stored with the stream's new state.
    pub accepted: Vec<Accepted>,
    /// Records of the batch head office already held, the same (sent again after a cut).
    pub duplicates: u64,
    /// The stream after the batch (its quarantine set if the batch met a fault).
    pub stream: Stream,
}

/// Takes `batch` into `stream`. `held` answers the hash of a record head office already accepted
/// (by seq), so that a record sent again can be told from a fork. The records accepted are those
/// before the first fault; the stream's state is theirs.
pub fn take(
    stream: &Stream,
    batch: &Batch,
    held: impl Fn(u64) -> Option<[u8; 32]>,
) -> Result<Taken, Refusal> {
    if let Some(q) = &stream.quarantine {
        return Err(Refusal::Quarantined(Box::new(q.clone())));
    }
    if batch.till != stream.walk.till || batch.chain != stream.walk.chain {
        return Err(Refusal::WrongStream(format!("{} {}", batch.till, batch.chain.as_str())));
    }
    let mut rows = Vec::with_capacity(batch.records.len());
    for (i, r) in batch.records.iter().enumerate() {
        let seq = batch.first_seq.checked_add(i as u64).ok_or_else(|| Refusal::Malformed {
            seq: batch.first_seq,
            what: "the batch's numbering runs past the largest seq".into(),
        })?;
        let bad =
            |what: &str| Refusal::Malformed { seq, what: format!("its {what} is not hex of the right size") };
        let prev: [u8; 32] =
            unhex(&r.prev).and_then(|b| b.try_into().ok()).ok_or_else(|| bad("previous hash"))?;
        let hash: [u8; 32] = unhex(&r.hash).and_then(|b| b.try_into().ok()).ok_or_else(|| bad("hash"))?;
        let sig: [u8; 64] = unhex(&r.sig).and_then(|b| b.try_into().ok()).ok_or_else(|| bad("signature"))?;
        rows.push((seq, r.bytes.as_bytes(), prev, hash, sig));
    }
    let quarantine = |fault: Fault, seq: u64, detail: String| Quarantine {
        till: batch.till.clone(),
        chain: batch.chain,
        fault,
        seq,
        detail,
    };
    let next = stream.walk.next_seq;
    let mut duplicates = 0;
    let mut fresh = Vec::new();
    for (seq, bytes, prev, hash, sig) in &rows {
        if *seq < next {
            if held(*seq) == Some(*hash) {
                duplicates += 1;
                continue;
            }
            let detail = format!(
                "record {seq} is {} here and {} in the batch",
                held(*seq).map_or_else(|| "unknown".to_owned(), |h| hex(&h)),
                hex(hash)
            );
            return Ok(Taken {
                accepted: Vec::new(),
                duplicates,
                stream: Stream {
                    walk: stream.walk.clone(),
                    quarantine: Some(quarantine(Fault::Fork, *seq, detail)),
                },
            });
        }
        fresh.push(Stored { bytes, prev, hash, sig });
    }
    let first_new = batch.first_seq.saturating_add(duplicates);
    if !fresh.is_empty() && first_new > next {
        let detail = format!("head office holds up to record {}, the batch starts at {first_new}", next - 1);
        return Ok(Taken {
            accepted: Vec::new(),
            duplicates,
            stream: Stream {
                walk: stream.walk.clone(),
                quarantine: Some(quarantine(Fault::Gap, next, detail)),
            },
        });
    }
    let mut walk = ChainWalk::continue_from(&stream.walk).ok_or_else(|| Refusal::Malformed {
        seq: next,
        what: "head office's state of this stream does not read".into(),
    })?;
    let (accepted, refused) = walk.check_many(&fresh);
    let quarantine = refused.map(|r| quarantine(Fault::Broken, r.seq, r.fault.to_string()));
    Ok(Taken { accepted, duplicates, stream: Stream { walk: walk.state(), quarantine } })
}

/// The keys `batch` hands over past what `stream` holds, each checked by the walk (its
/// `key_changed` record signed by the key in force, linked, numbered): a till that changed its key
/// while head office had not yet seen the change signs its request with the new key, and the batch
/// that carries the change is what vouches for it. Records head office holds already are skipped; a
/// batch that does not reach on from the stream's head hands nothing over.
pub fn keys_handed_over(stream: &Stream, batch: &Batch) -> Vec<[u8; 32]> {
    let next = stream.walk.next_seq;
    let Some(skip) = next.checked_sub(batch.first_seq) else { return Vec::new() };
    let Ok(skip) = usize::try_from(skip) else { return Vec::new() };
    // A copy of the records past the head: this runs only for a request whose signature the known
    // key refused (a key change, or a stranger), never on an ordinary push.
    let tail = Batch {
        till: batch.till.clone(),
        chain: batch.chain,
        first_seq: next,
        records: batch.records.iter().skip(skip).cloned().collect(),
    };
    let Ok(taken) = take(&Stream { walk: stream.walk.clone(), quarantine: None }, &tail, |_| None) else {
        return Vec::new();
    };
    taken.stream.walk.keys[stream.walk.keys.len().min(taken.stream.walk.keys.len())..]
        .iter()
        .filter_map(|(_, k)| unhex(k)?.try_into().ok())
        .collect()
}

/// Makes the training stream know the keys the live chain handed over: a key changes on the live
/// chain only, and signs the training records made after it too.
pub fn follow_live_keys(training: &mut Stream, live: &Stream) {
    let mine = &training.walk.keys;
    if live.walk.keys.len() > mine.len() && live.walk.keys.starts_with(mine) {
        training.walk.keys = live.walk.keys.clone();
    }
}

/// The hash a stream's head stands at, as bytes (the genesis hash before its first record).
pub fn head_of(stream: &Stream) -> [u8; 32] {
    unhex(&stream.walk.head).and_then(|b| b.try_into().ok()).unwrap_or(GENESIS)
}
