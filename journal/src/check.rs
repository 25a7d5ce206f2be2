//! The walk along one chain of records: each record's canonical bytes, its link to the one before,
//! its hash, its signature by the key in force, and gap-free numbering, in order. What the till's
//! `verify`, an archive's check, the auditor's tool and head office accept a record by.
//!
//! A walk starts at a chain's first record ([`ChainWalk::from_start`]) or in the middle of one (an
//! archive of a month: [`ChainWalk::resume`], which takes the first record's link on trust and
//! checks every later one). On the live chain a `key_changed` record hands the signature over to
//! its new key from the next record; a training record is signed by one of the keys handed over so
//! far.

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;

use crate::body::Entry;
use crate::keys::{KeyInForce, KeyRing};
use crate::signature::{verify_batch, verify_one};
use crate::{ChainName, Header, Kind, RecordError, chain_hash, decode, hex, unhex};

/// A record as a till stores it.
#[derive(Clone, Copy, Debug)]
pub struct Stored<'a> {
    /// Canonical bytes.
    pub bytes: &'a [u8],
    /// The previous record's hash, as stored with it.
    pub prev: &'a [u8],
    /// Its hash, as stored.
    pub hash: &'a [u8],
    /// Its signature.
    pub sig: &'a [u8],
}

/// Why a record is refused: the record's place (chain and seq, as expected) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{chain} record {seq}: {fault}")]
pub struct Refused {
    /// The chain.
    pub chain: &'static str,
    /// The seq the record should have.
    pub seq: u64,
    /// What is wrong with it.
    pub fault: Fault,
}

/// What is wrong with a record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    /// Its bytes are not a canonical record.
    #[error("not a canonical record ({0})")]
    NotCanonical(String),
    /// Its body is not one this format knows.
    #[error("its body is not a record of format 1 ({0})")]
    UnknownBody(String),
    /// Its stated previous hash is not the hash of the record before it.
    #[error("does not follow the record before it (removed, inserted or reordered)")]
    Unlinked,
    /// Its hash does not match its bytes.
    #[error("its hash does not match its content (altered)")]
    Altered,
    /// Its signature is malformed or not by the key in force.
    #[error("its signature is not the till's (forged, or signed by another till or key)")]
    BadSignature,
    /// Its header names another till, chain or place.
    #[error("its header says {0}")]
    Misplaced(String),
    /// Its number within its kind skips or repeats one.
    #[error("it is {kind} number {found}, after number {before}: numbers must follow without gaps")]
    Numbering {
        /// The kind.
        kind: &'static str,
        /// Its number.
        found: u64,
        /// The number before it.
        before: u64,
    },
    /// A `key_changed` record hands over something that is not a public key.
    #[error("it hands over `{0}`, which is not a public key")]
    BadKey(String),
}

/// A record that passed, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// Its header.
    pub header: Header,
    /// Its body.
    pub entry: Entry,
    /// Its hash.
    pub hash: [u8; 32],
    /// The index in the ring of the key that signed it.
    pub key_index: usize,
}

/// A walk along one chain.
#[derive(Clone, Debug)]
pub struct ChainWalk {
    till: String,
    chain: ChainName,
    next_seq: u64,
    prev: Option<[u8; 32]>,
    ring: KeyRing,
    keys: Vec<VerifyingKey>,
    numbers: BTreeMap<Kind, u64>,
    threads: usize,
}

/// Where a walk stands between two batches: what head office keeps of each till's chain, to take the
/// walk up again ([`ChainWalk::continue_from`]) with every check it had (the link, the numbers of
/// each kind, the keys handed over).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WalkState {
    /// The till.
    pub till: String,
    /// Its chain.
    pub chain: ChainName,
    /// The seq the next record must have.
    pub next_seq: u64,
    /// The last record's hash, hex (the genesis hash before the first record).
    pub head: String,
    /// The keys in force, oldest first: the first live seq each signs, and the key, hex.
    pub keys: Vec<(u64, String)>,
    /// The last number met of each kind.
    pub numbers: BTreeMap<Kind, u64>,
}

/// What a record says of itself, read apart from its place.
struct Read {
    header: Header,
    entry: Entry,
    prev: [u8; 32],
    hash: [u8; 32],
    sig: [u8; 64],
}

fn key_of(bytes: &[u8; 32]) -> Option<VerifyingKey> {
    VerifyingKey::from_bytes(bytes).ok().filter(|k| !k.is_weak())
}

/// Reads a record apart from its place: its hash over its stated link and bytes, its signature's
/// shape, its typed body written back byte for byte.
fn read(r: &Stored<'_>) -> Result<Read, Fault> {
    let prev: [u8; 32] = r.prev.try_into().map_err(|_| Fault::Unlinked)?;
    let hash = chain_hash(&prev, r.bytes);
    if r.hash != hash {
        return Err(Fault::Altered);
    }
    let sig: [u8; 64] = r.sig.try_into().map_err(|_| Fault::BadSignature)?;
    let (header, entry) = Entry::read(r.bytes).map_err(|e| match e {
        RecordError::Malformed(m) if decode(r.bytes).is_ok() => Fault::UnknownBody(m),
        RecordError::NotTyped => Fault::UnknownBody(e.to_string()),
        other => Fault::NotCanonical(other.to_string()),
    })?;
    if entry.kind() != header.kind {
        return Err(Fault::Misplaced(format!(
            "kind {} for a body of kind {}",
            header.kind.as_str(),
            entry.kind().as_str()
        )));
    }
    Ok(Read { header, entry, prev, hash, sig })
}

/// `f` over `items` on up to `threads` threads, in order; on one when there are fewer than `least`
/// (a thread costs more than a few cheap items).
fn in_parallel<T: Sync, U: Send>(
    items: &[T],
    threads: usize,
    least: usize,
    f: impl Fn(&T) -> U + Sync,
) -> Vec<U> {
    if threads <= 1 || items.len() < least.max(2) {
        return items.iter().map(&f).collect();
    }
    let size = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> =
            items.chunks(size).map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<U>>())).collect();
        parts.into_iter().flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

impl ChainWalk {
    /// A walk from the first record of `chain` of till `till`, whose live chain was started with
    /// the keys of `ring` (usually one key: the initialisation's). `None` if a key of the ring is not
    /// a usable public key.
    pub fn from_start(till: &str, chain: ChainName, ring: KeyRing) -> Option<ChainWalk> {
        let mut walk = ChainWalk::resume(till, chain, 1, ring)?;
        walk.prev = Some(crate::GENESIS);
        walk.numbers = Kind::ALL.into_iter().map(|k| (k, 0)).collect();
        Some(walk)
    }

    /// A walk from record `seq` of `chain`, its link to the record before taken as it is stated,
    /// numbers within a kind checked from the first of each kind met.
    pub fn resume(till: &str, chain: ChainName, seq: u64, ring: KeyRing) -> Option<ChainWalk> {
        let keys = ring.keys().iter().map(|k| key_of(&k.key)).collect::<Option<Vec<_>>>()?;
        Some(ChainWalk {
            till: till.to_owned(),
            chain,
            next_seq: seq,
            prev: None,
            ring,
            keys,
            numbers: BTreeMap::new(),
            threads: 1,
        })
    }

    /// Where the walk stands, to be kept and taken up again later.
    pub fn state(&self) -> WalkState {
        WalkState {
            till: self.till.clone(),
            chain: self.chain,
            next_seq: self.next_seq,
            head: hex(&self.prev.unwrap_or(crate::GENESIS)),
            keys: self.ring.keys().iter().map(|k| (k.from_seq, hex(&k.key))).collect(),
            numbers: self.numbers.clone(),
        }
    }

    /// The walk taken up where `state` left it; `None` when the state does not read (a hash or a
    /// key that is not one, keys out of order).
    pub fn continue_from(state: &WalkState) -> Option<ChainWalk> {
        let keys = state
            .keys
            .iter()
            .map(|(from_seq, k)| Some(KeyInForce { from_seq: *from_seq, key: unhex(k)?.try_into().ok()? }))
            .collect::<Option<Vec<_>>>()?;
        let mut walk =
            ChainWalk::resume(&state.till, state.chain, state.next_seq, KeyRing::from_keys(keys)?)?;
        walk.prev = Some(unhex(&state.head)?.try_into().ok()?);
        walk.numbers = state.numbers.clone();
        Some(walk)
    }

    /// Checks records on up to `threads` threads (the caller knows the machine; this crate reads
    /// nothing of it). The answers are the same.
    pub fn with_threads(mut self, threads: usize) -> ChainWalk {
        self.threads = threads.max(1);
        self
    }

    /// The seq the next record must have.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The hash of the last record accepted (the chain's head so far).
    pub fn head(&self) -> Option<[u8; 32]> {
        self.prev
    }

    /// The keys handed over so far.
    pub fn ring(&self) -> &KeyRing {
        &self.ring
    }

    fn refuse(&self, fault: Fault) -> Refused {
        Refused { chain: self.chain.as_str(), seq: self.next_seq, fault }
    }

    /// Checks the next record and moves on past it.
    pub fn check(&mut self, record: Stored<'_>) -> Result<Accepted, Refused> {
        match self.check_many(&[record]) {
            (mut accepted, None) if accepted.len() == 1 => Ok(accepted.remove(0)),
            (_, Some(refused)) => Err(refused),
            (_, None) => Err(self.refuse(Fault::Unlinked)),
        }
    }

    /// Checks the next records in order, the signatures of one key in batches, and moves on past
    /// those accepted: every record before the first refused one, and why that one was.
    pub fn check_many(&mut self, records: &[Stored<'_>]) -> (Vec<Accepted>, Option<Refused>) {
        // What each record says of itself, in parallel; then its place, in order, on a probe.
        let reads = in_parallel(records, self.threads, 64, read);
        let mut probe = self.clone();
        let mut placed: Vec<(Option<usize>, Read)> = Vec::with_capacity(records.len());
        let mut refused = None;
        for r in reads {
            let key = probe.key_for(probe.next_seq);
            match r.and_then(|r| probe.place(&r).map(|()| r)) {
                Ok(r) => placed.push((key, r)),
                Err(fault) => {
                    refused = Some(probe.refuse(fault));
                    break;
                }
            }
        }
        // Signatures: runs of one key on the live chain, cut into batches checked in parallel; a
        // batch that fails is checked one by one to name the record. On the training chain, any key
        // handed over so far may have signed.
        let batch = placed.len().div_ceil(self.threads).clamp(1, 4096);
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        while start < placed.len() {
            let end = (start + 1..placed.len())
                .find(|&j| placed[j].0 != placed[start].0 || j - start == batch)
                .unwrap_or(placed.len());
            runs.push((start, end));
            start = end;
        }
        let first_bad = in_parallel(&runs, self.threads, 2, |&(from, to)| {
            let part = &placed[from..to];
            if let Some(k) = part[0].0 {
                let items: Vec<(&[u8], &[u8; 64])> =
                    part.iter().map(|(_, r)| (&r.hash[..], &r.sig)).collect();
                if verify_batch(&probe.keys[k], &items) {
                    return None;
                }
            }
            part.iter().position(|(key, r)| probe.signed(*key, r).is_none()).map(|i| from + i)
        })
        .into_iter()
        .flatten()
        .min();
        let good = first_bad.unwrap_or(placed.len());
        if first_bad.is_some() {
            refused = Some(Refused {
                chain: self.chain.as_str(),
                seq: self.next_seq + good as u64,
                fault: Fault::BadSignature,
            });
        }
        placed.truncate(good);
        let mut accepted = Vec::with_capacity(good);
        for (key, r) in placed {
            let key_index = key.or_else(|| self.signed(None, &r)).unwrap_or(0);
            // Cannot fail: the probe moved past the same records.
            if let Err(fault) = self.place(&r) {
                return (accepted, Some(self.refuse(fault)));
            }
            accepted.push(Accepted { header: r.header, entry: r.entry, hash: r.hash, key_index });
        }
        (accepted, refused)
    }

    /// The index of the key that signed `r`: the key in force (`key`), or on the training chain
    /// any key handed over so far.
    fn signed(&self, key: Option<usize>, r: &Read) -> Option<usize> {
        match key {
            Some(k) => verify_one(&self.keys[k], &r.hash, &r.sig).then_some(k),
            None => self.keys.iter().position(|k| verify_one(k, &r.hash, &r.sig)),
        }
    }

    fn key_for(&self, seq: u64) -> Option<usize> {
        (self.chain == ChainName::Live).then(|| self.ring.index_at(seq))
    }

    /// Checks a record's place (its link, header and number) and moves the walk past it, handing
    /// the signature over to a new key after a `key_changed` record.
    fn place(&mut self, r: &Read) -> Result<(), Fault> {
        let header = &r.header;
        if self.prev.is_some_and(|p| p != r.prev) {
            return Err(Fault::Unlinked);
        }
        if header.till != self.till || header.chain != self.chain || header.seq != self.next_seq {
            return Err(Fault::Misplaced(format!(
                "{} {} record {} where {} {} record {} belongs",
                header.till,
                header.chain.as_str(),
                header.seq,
                self.till,
                self.chain.as_str(),
                self.next_seq
            )));
        }
        if let Some(&before) = self.numbers.get(&header.kind)
            && header.no != before + 1
        {
            return Err(Fault::Numbering { kind: header.kind.as_str(), found: header.no, before });
        }
        if self.chain == ChainName::Live
            && let Entry::KeyChanged { new_key, .. } = &r.entry
        {
            let key: [u8; 32] = unhex(new_key)
                .and_then(|b| b.try_into().ok())
                .filter(|k| key_of(k).is_some())
                .ok_or_else(|| Fault::BadKey(new_key.clone()))?;
            if self.ring.keys().iter().all(|k| k.from_seq <= header.seq) {
                self.ring.hand_over(header.seq, key);
                self.keys.push(key_of(&key).ok_or_else(|| Fault::BadKey(hex(&key)))?);
            }
        }
        self.numbers.insert(header.kind, header.no);
        self.prev = Some(r.hash);
        self.next_seq += 1;
        Ok(())
    }
}
