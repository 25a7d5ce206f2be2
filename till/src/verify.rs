//! Walking the journal: every chain in order, each record checked (sequence without gaps, previous
//! hash, its own hash, its signature by the key in force, canonical header matching its row, numbers
//! per kind without gaps, the till's own name, key changes only where the journal hands a key over)
//! and, when asked, replayed ([`crate::replay::Replay`]) to check what it says against the records
//! before it.
//!
//! Records are read from SQLite in batches of 16,384 while the batch before is checked on every
//! core: hashes, signatures (batch-verified per key, then one by one when a batch fails, to name the
//! first bad record), headers, and, for a replay, the bodies decoded. Links, numbering and the replay
//! itself run in order on the reading thread.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use ed25519_dalek::{Signature, VerifyingKey};
use pos_journal::{self as journal, ChainName, GENESIS, Header, Kind, hex};
use rusqlite::{Connection, OptionalExtension};

use crate::error::TillError;
use crate::replay::{Problem, Replay};
use pos_journal::body::Entry;
use pos_journal::keys::KeyRing;

/// Something verification found wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// A record: broken (missing, altered, forged, misnumbered), or saying what the records before
    /// it contradict.
    Record {
        /// Its chain.
        chain: ChainName,
        /// Its seq (or where one is missing).
        seq: u64,
        /// What is wrong.
        reason: String,
        /// True when nothing after it can be trusted or replayed (a broken chain, an impossible
        /// balance); false for a record whose figures do not add up (a closure, a ticket, a count).
        fatal: bool,
    },
    /// A projection row that is not what the replay of the journal makes.
    Row {
        /// The table.
        table: String,
        /// The row's key (or the field of the state).
        key: String,
        /// What the till's table holds.
        stored: String,
        /// What the journal makes.
        journal: String,
    },
    /// Something outside the journal that contradicts it: the head file, the key file.
    Outside(String),
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::Record { chain, seq, reason, .. } => {
                write!(f, "{} record {seq}: {reason}", chain.as_str())
            }
            Finding::Row { table, key, stored, journal } => write!(
                f,
                "projection {table} {key}: the till's table holds {stored}, the journal makes {journal}"
            ),
            Finding::Outside(what) => f.write_str(what),
        }
    }
}

/// What a walk saw.
#[derive(Clone, Debug, Default)]
pub struct Walked {
    /// Records checked, per chain.
    pub live: u64,
    /// Training records checked.
    pub training: u64,
    /// What was found, in order. A fatal finding ends the walk; so does any finding when the walk
    /// was asked to stop at the first.
    pub findings: Vec<Finding>,
}

impl Walked {
    /// Records checked.
    pub fn records(&self) -> u64 {
        self.live + self.training
    }

    /// The first finding.
    pub fn first(&self) -> Option<&Finding> {
        self.findings.first()
    }

    /// Whether a fatal finding stopped the walk.
    pub fn fatal(&self) -> bool {
        self.findings.iter().any(|f| matches!(f, Finding::Record { fatal: true, .. }))
    }
}

/// Records checked together.
const BATCH: usize = 16_384;

/// Walks every chain of the journal of `conn` (the identity's till, its key ring). With `replay`,
/// each live and training record is replayed into the projection tables that `conn` resolves
/// unqualified names to. `stop_at_first`: end at the first finding, whatever it is (verify); else only
/// a fatal one ends the walk (rebuild).
pub fn walk(
    conn: &Connection,
    till: &str,
    ring: &KeyRing,
    mut replay: Option<&mut Replay>,
    stop_at_first: bool,
) -> Result<Walked, TillError> {
    let mut walked = Walked::default();
    let keys = match ring.verifying() {
        Ok(k) => k,
        Err(reason) => {
            walked.findings.push(Finding::Record { chain: ChainName::Live, seq: 0, reason, fatal: true });
            return Ok(walked);
        }
    };
    let foreign: Option<String> = conn
        .query_row("SELECT chain FROM journal WHERE chain NOT IN ('live', 'training') LIMIT 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(chain) = foreign {
        walked.findings.push(Finding::Record {
            chain: ChainName::Live,
            seq: 0,
            reason: format!("the journal holds records of an unknown chain `{chain}` (inserted)"),
            fatal: true,
        });
        return Ok(walked);
    }
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    // Live records where a new key takes over: the record before is the hand-over.
    let hand_overs: BTreeSet<u64> = ring.keys().iter().skip(1).map(|k| k.from_seq - 1).collect();
    for chain in [ChainName::Live, ChainName::Training] {
        let checker = Arc::new(Checker {
            keys: keys.clone(),
            ring: ring.clone(),
            till: till.to_owned(),
            chain,
            decode: replay.is_some(),
        });
        let mut stmt = conn.prepare(
            "SELECT seq, kind, no, at, bytes, prev, hash, sig FROM journal WHERE chain = ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([chain.as_str()])?;
        let mut order =
            InOrder { chain, expect_seq: 1, prev_hash: GENESIS, numbers: HashMap::new(), key_index: 0 };
        let mut in_flight: Option<Vec<Checking>> = None;
        loop {
            let mut batch: Vec<(u64, Row)> = Vec::with_capacity(BATCH);
            while batch.len() < BATCH {
                let Some(r) = rows.next()? else { break };
                batch.push((
                    r.get(0)?,
                    Row {
                        kind: r.get(1)?,
                        no: r.get(2)?,
                        at: r.get(3)?,
                        bytes: r.get(4)?,
                        prev: r.get(5)?,
                        hash: r.get(6)?,
                        sig: r.get(7)?,
                    },
                ));
            }
            let done = in_flight.take();
            if !batch.is_empty() {
                in_flight = Some(check_on_all_cores(&checker, batch, workers)?);
            }
            let Some(done) = done else {
                if in_flight.is_none() {
                    break;
                }
                continue;
            };
            for h in done {
                let (part, results) =
                    h.join().map_err(|_| TillError::storage("a verification thread failed"))?;
                for ((seq, row), checked) in part.into_iter().zip(results) {
                    let seen = order.next(&hand_overs, ring, seq, &row, checked);
                    let stop = match seen {
                        Ok(record) => {
                            match chain {
                                ChainName::Live => walked.live += 1,
                                ChainName::Training => walked.training += 1,
                            }
                            match (replay.as_deref_mut(), record) {
                                (Some(r), Some(record)) => {
                                    let hash = to32(&row.hash);
                                    match r.record(conn, &record.0, &hash, &record.1) {
                                        Ok(()) => false,
                                        Err(Problem::Soft(reason)) => {
                                            walked.findings.push(Finding::Record {
                                                chain,
                                                seq,
                                                reason,
                                                fatal: false,
                                            });
                                            stop_at_first
                                        }
                                        Err(Problem::Hard(reason)) => {
                                            walked.findings.push(Finding::Record {
                                                chain,
                                                seq,
                                                reason,
                                                fatal: true,
                                            });
                                            true
                                        }
                                    }
                                }
                                _ => false,
                            }
                        }
                        Err(finding) => {
                            walked.findings.push(finding);
                            true
                        }
                    };
                    if stop {
                        settle(in_flight.take());
                        return Ok(walked);
                    }
                }
            }
        }
    }
    Ok(walked)
}

/// What the in-order part of the walk keeps for one chain.
struct InOrder {
    chain: ChainName,
    expect_seq: u64,
    prev_hash: [u8; 32],
    numbers: HashMap<Kind, u64>,
    /// Training records may only move forward through the keys.
    key_index: usize,
}

impl InOrder {
    /// Checks a record's place in its chain; gives back its header and body (when decoded).
    fn next(
        &mut self,
        hand_overs: &BTreeSet<u64>,
        ring: &KeyRing,
        seq: u64,
        row: &Row,
        checked: Result<Checked, String>,
    ) -> Result<Option<Box<(Header, Entry)>>, Finding> {
        let chain = self.chain;
        let broken = |seq: u64, reason: String| Finding::Record { chain, seq, reason, fatal: true };
        if seq != self.expect_seq {
            return Err(broken(
                self.expect_seq,
                format!("record {} is missing (the next one is {seq})", self.expect_seq),
            ));
        }
        if row.prev != self.prev_hash {
            return Err(broken(
                seq,
                "its previous hash is not the hash of the record before it (removed, inserted or reordered)"
                    .into(),
            ));
        }
        let checked = checked.map_err(|reason| broken(seq, reason))?;
        let kind = checked.kind;
        let n = self.numbers.entry(kind).or_insert(0);
        if row.no != *n + 1 {
            return Err(broken(
                seq,
                format!("{} number {} follows {} (a gap or a repeat)", kind.as_str(), row.no, n),
            ));
        }
        *n = row.no;
        if chain == ChainName::Training {
            if checked.key_index < self.key_index {
                return Err(broken(seq, "it is signed with a key the till had already handed over".into()));
            }
            self.key_index = checked.key_index;
        }
        let entry = checked.record.as_ref().map(|r| &r.1);
        let decoded = || -> Option<Entry> {
            entry.cloned().or_else(|| {
                journal::decode(&row.bytes).ok().and_then(|(_, b)| serde_json::from_value(b).ok())
            })
        };
        if let Some(e) = entry
            && e.kind() != kind
        {
            return Err(broken(seq, format!("its body is not a record of kind {}", kind.as_str())));
        }
        if chain == ChainName::Live && seq == 1 {
            match decoded() {
                Some(Entry::Initialised { public_key, .. }) if public_key == hex(&ring.keys()[0].key) => {}
                _ => return Err(broken(seq, "the first record is not this till's initialisation".into())),
            }
        }
        if chain == ChainName::Live {
            let at_hand_over = hand_overs.contains(&seq);
            let is_change = matches!(entry, Some(Entry::KeyChanged { .. }));
            if at_hand_over {
                let i = ring.index_at(seq + 1);
                match decoded() {
                    Some(Entry::KeyChanged { old_key, new_key, .. })
                        if old_key == hex(&ring.keys()[i - 1].key) && new_key == hex(&ring.keys()[i].key) => {
                    }
                    _ => {
                        return Err(broken(
                            seq,
                            "a key change that does not hand the key in force over".into(),
                        ));
                    }
                }
            } else if is_change {
                return Err(broken(seq, "a key change the journal does not account for".into()));
            }
        }
        self.prev_hash = to32(&row.hash);
        self.expect_seq += 1;
        Ok(checked.record)
    }
}

/// Waits for the batch still being checked: no thread outlives [`walk`].
fn settle(in_flight: Option<Vec<Checking>>) {
    for h in in_flight.into_iter().flatten() {
        if h.join().is_err() {
            tracing::error!("a verification thread stopped on a panic");
        }
    }
}

/// What a worker found of a record by itself.
struct Checked {
    kind: Kind,
    /// The header and body, decoded for a replay (left on the worker otherwise). Boxed: a body is
    /// hundreds of bytes, and a million results move between threads.
    record: Option<Box<(Header, Entry)>>,
    /// Which key of the ring signed it.
    key_index: usize,
}

/// A part of a batch with what each of its records says of itself.
type Part = (Vec<(u64, Row)>, Vec<Result<Checked, String>>);

/// One part of a batch being checked on its own thread.
type Checking = std::thread::JoinHandle<Part>;

/// Splits `batch` in one part per core and checks each on its own thread.
fn check_on_all_cores(
    checker: &Arc<Checker>,
    batch: Vec<(u64, Row)>,
    workers: usize,
) -> Result<Vec<Checking>, TillError> {
    let size = batch.len().div_ceil(workers);
    let mut rest = batch.into_iter();
    let mut handles = Vec::new();
    loop {
        let part: Vec<(u64, Row)> = rest.by_ref().take(size).collect();
        if part.is_empty() {
            return Ok(handles);
        }
        let checker = Arc::clone(checker);
        let spawned = std::thread::Builder::new().name("verify".into()).spawn(move || {
            let results = checker.check_all(&part);
            (part, results)
        });
        match spawned {
            Ok(h) => handles.push(h),
            Err(e) => return Err(TillError::storage(format!("cannot start a verification thread: {e}"))),
        }
    }
}

/// A journal row as read.
pub(crate) struct Row {
    kind: String,
    no: u64,
    at: String,
    bytes: Vec<u8>,
    prev: Vec<u8>,
    hash: Vec<u8>,
    sig: Vec<u8>,
}

struct Checker {
    keys: Vec<VerifyingKey>,
    ring: KeyRing,
    till: String,
    chain: ChainName,
    decode: bool,
}

impl Checker {
    /// Checks what each record says of itself: its hash over its stated previous hash and bytes, its
    /// signature by the key in force, and its header matching the row (and decodes its body for a
    /// replay). Links are checked in order by the caller.
    fn check_all(&self, part: &[(u64, Row)]) -> Vec<Result<Checked, String>> {
        let hashes: Vec<[u8; 32]> =
            part.iter().map(|(_, row)| journal::chain_hash(&to32(&row.prev), &row.bytes)).collect();
        let mut signed: Vec<Result<usize, String>> = part
            .iter()
            .zip(&hashes)
            .map(|((_, row), hash)| {
                if row.hash != hash {
                    return Err("its hash does not match its content (the record was altered)".to_string());
                }
                Signature::from_slice(&row.sig)
                    .map(|_| 0)
                    .map_err(|_| "its signature is malformed".to_string())
            })
            .collect();
        let sig_of = |i: usize| <[u8; 64]>::try_from(part[i].1.sig.as_slice()).unwrap_or([0; 64]);
        match self.chain {
            ChainName::Live => {
                // Grouped by the key in force at each record; a batch per key.
                let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
                for (i, (seq, _)) in part.iter().enumerate() {
                    if signed[i].is_err() {
                        continue;
                    }
                    let k = self.ring.index_at(*seq);
                    match groups.last_mut() {
                        Some((key, members)) if *key == k => members.push(i),
                        _ => groups.push((k, vec![i])),
                    }
                }
                for (k, members) in groups {
                    let sigs: Vec<[u8; 64]> = members.iter().map(|&i| sig_of(i)).collect();
                    let items: Vec<(&[u8], &[u8; 64])> =
                        members.iter().zip(&sigs).map(|(&i, s)| (&hashes[i][..], s)).collect();
                    let all_good = pos_journal::signature::verify_batch(&self.keys[k], &items);
                    for (&i, s) in members.iter().zip(&sigs) {
                        signed[i] = if all_good
                            || pos_journal::signature::verify_one(&self.keys[k], &hashes[i], s)
                        {
                            Ok(k)
                        } else {
                            Err("its signature is not this till's (forged or from another till)".to_string())
                        };
                    }
                }
            }
            ChainName::Training => {
                for i in 0..part.len() {
                    if signed[i].is_ok() {
                        let s = sig_of(i);
                        signed[i] = self
                            .keys
                            .iter()
                            .position(|k| pos_journal::signature::verify_one(k, &hashes[i], &s))
                            .ok_or_else(|| {
                                "its signature is not this till's (forged or from another till)".to_string()
                            });
                    }
                }
            }
        }
        part.iter()
            .zip(signed)
            .map(|((seq, row), key)| {
                let key_index = key?;
                let (header, entry) = self.read(row)?;
                self.header_matches(*seq, row, &header)?;
                Ok(Checked { kind: header.kind, record: entry.map(|e| Box::new((header, e))), key_index })
            })
            .collect()
    }

    fn read(&self, row: &Row) -> Result<(Header, Option<Entry>), String> {
        // The signature vouches for the bytes as the till wrote them (canonically).
        #[derive(serde::Deserialize)]
        struct Only {
            header: Header,
        }
        #[derive(serde::Deserialize)]
        struct Full {
            body: Entry,
            header: Header,
        }
        if self.decode {
            let full = serde_json::from_slice::<Full>(&row.bytes)
                .map_err(|e| format!("its content is unreadable by this version: {e}"))?;
            Ok((full.header, Some(full.body)))
        } else {
            let only = serde_json::from_slice::<Only>(&row.bytes)
                .map_err(|e| format!("its content is unreadable: {e}"))?;
            Ok((only.header, None))
        }
    }

    fn header_matches(&self, seq: u64, row: &Row, header: &Header) -> Result<(), String> {
        if header.till != self.till {
            return Err(format!("it belongs to till {}, not {}", header.till, self.till));
        }
        if header.chain != self.chain
            || header.seq != seq
            || header.kind.as_str() != row.kind
            || header.no != row.no
            || header.at != row.at
        {
            return Err("its row does not match its signed header (seq, kind, number or time altered)".into());
        }
        Ok(())
    }
}

pub(crate) fn to32(b: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    if b.len() == 32 {
        out.copy_from_slice(b);
    }
    out
}
