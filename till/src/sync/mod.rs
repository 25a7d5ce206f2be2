//! The till's side of the sync with head office: enrolment, and the round that pushes the journal
//! and keeps head office's acknowledgements.
//!
//! A round asks head office where it stands with each chain, then pushes the records it lacks in
//! batches, starting one record early: that record is head office's last, sent again so that a
//! journal which no longer matches it (an older copy put back and sold on) is seen as the fork it
//! is, not mistaken for a broken link. Every answer's acknowledgement is checked with head office's
//! key and against the journal before it is kept. A cut anywhere loses nothing: the next round
//! starts from what head office holds, and a record head office has is never stored twice.
//!
//! The sync writes only its own tables ([`link`]), never the journal, and needs no folder lock: it
//! runs beside a selling till, in the background ([`task`]) or once (`pos-till sync`).

pub mod catalogue;
pub mod client;
pub mod customers;
pub mod link;
pub mod pickup;
mod pull;
pub mod stock;
pub mod task;

use std::path::Path;

use pos_journal::archive::ArchivedRecord;
use pos_journal::{ChainName, hex, unhex};
use pos_sync::ack::Ack;
use pos_sync::push::{Batch, Quarantine};
use pos_sync::wire::{self, EnrolRequest, Enrolled, ErrorCode, PushAnswer, Streams};
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::TillError;
use crate::store;
use client::HeadOffice;
use link::{Link, Progress};

/// Records per batch.
pub const BATCH: u64 = 2_000;

/// Why a round or an enrolment did not happen (or not wholly).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The till has not enrolled with head office.
    #[error("this till is not enrolled with head office: run `pos-till enroll` with a code from head office")]
    NotEnrolled,
    /// Head office could not be reached (no network, server down, cut mid-way): the till goes on
    /// selling and the next round starts where head office stands.
    #[error("head office is unreachable: {0}")]
    Offline(String),
    /// Head office refused the request.
    #[error("head office refused ({status}): {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// Head office's code.
        code: Option<ErrorCode>,
        /// Its words.
        message: String,
        /// The stream's quarantine, when that is why.
        quarantine: Option<Box<Quarantine>>,
    },
    /// Head office's answer does not read, or its acknowledgement is not signed by head office's
    /// key or does not match the journal.
    #[error("head office's answer cannot be trusted: {0}")]
    BadAnswer(String),
    /// A setting is wrong (an address, a certificate).
    #[error("{0}")]
    Setup(String),
    /// The till's own storage.
    #[error(transparent)]
    Till(#[from] TillError),
}

impl From<rusqlite::Error> for SyncError {
    fn from(e: rusqlite::Error) -> Self {
        SyncError::Till(e.into())
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Enrols the till in `dir` with head office at `url`, with the one-time `code`; `ca_pem` is the
/// certificate authority to trust for `url` (none: the system's).
pub fn enroll(dir: &Path, url: &str, code: &str, ca_pem: Option<String>) -> Result<Enrolled, SyncError> {
    let conn = store::open_existing(dir)?;
    let id = store::identity(&conn)?;
    let ho = HeadOffice::new(url, ca_pem.as_deref())?;
    let req = EnrolRequest { code: code.to_owned(), till: id.till.clone(), journal_key: hex(&id.public_key) };
    let body = serde_json::to_vec(&req).map_err(|e| SyncError::Setup(e.to_string()))?;
    let bytes = ho.post_unsigned(wire::ENROL, body)?;
    let enrolled: Enrolled =
        serde_json::from_slice(&bytes).map_err(|e| SyncError::BadAnswer(format!("the enrolment: {e}")))?;
    if enrolled.till != id.till {
        return Err(SyncError::Setup(format!(
            "this code is for till {}, and this folder holds till {}: ask head office for a code for {}",
            enrolled.till, id.till, id.till
        )));
    }
    let server_key = unhex(&enrolled.server_key)
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .and_then(|k| ed25519_dalek::VerifyingKey::from_bytes(&k).ok())
        .ok_or_else(|| SyncError::BadAnswer("head office's key is not a public key".into()))?;
    link::set_link(&conn, &Link { url: url.to_owned(), server_key, ca_pem, till: id.till }, &now())?;
    Ok(enrolled)
}

/// One chain's part of a round.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ChainRound {
    /// The chain.
    pub chain: Option<ChainName>,
    /// The journal's last record.
    pub head: u64,
    /// Records head office stored in this round.
    pub pushed: u64,
    /// Records head office already held.
    pub duplicates: u64,
    /// The last record head office acknowledged.
    pub acknowledged: u64,
    /// Head office put this chain in quarantine.
    pub quarantine: Option<Quarantine>,
}

/// What a round did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Round {
    /// Each chain.
    pub chains: Vec<ChainRound>,
    /// Set when the journal no longer reaches what head office holds.
    pub behind: Option<String>,
    /// Stock levels pulled (each a location's stock of an item that moved since the last pull).
    pub stock_levels: u64,
    /// Click & collect orders waiting at the till's store.
    pub pickups: u64,
    /// Catalogue entries pulled (changed since the version held; all of them the first time).
    pub catalogue_entries: u64,
    /// This till's edits of customers sent.
    pub customer_edits: u64,
    /// Customers pulled (changed at head office since the version held).
    pub customers: u64,
}

impl Round {
    /// Records head office does not hold yet.
    pub fn waiting(&self) -> u64 {
        self.chains.iter().map(|c| c.head.saturating_sub(c.acknowledged)).sum()
    }
}

/// Runs one round now: pushes what head office lacks, keeps its acknowledgements, notes how it
/// went (also when it failed).
pub fn round(dir: &Path) -> Result<Round, SyncError> {
    let conn = store::open_existing(dir)?;
    // The sync's own tables are not fiscal: what a power cut loses of them (how the round went, an
    // acknowledgement also kept in `till.ack`, synced) the next round makes again.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let mut progress = link::progress(&conn)?;
    progress.last_attempt = Some(now());
    let result = push_all(&conn, dir);
    match &result {
        Ok(r) => {
            progress.last_error = None;
            progress.quarantine = r.chains.iter().find_map(|c| c.quarantine.clone());
            progress.behind = r.behind.clone();
            if progress.quarantine.is_none() && r.behind.is_none() {
                progress.last_success = progress.last_attempt.clone();
            }
        }
        Err(SyncError::Refused { quarantine: Some(q), .. }) => {
            progress.quarantine = Some((**q).clone());
            progress.last_error = result.as_ref().err().map(ToString::to_string);
        }
        Err(e) => progress.last_error = Some(e.to_string()),
    }
    link::set_progress(&conn, &progress)?;
    result
}

fn push_all(conn: &Connection, dir: &Path) -> Result<Round, SyncError> {
    let link = link::link(conn)?.ok_or(SyncError::NotEnrolled)?;
    let key = store::read_key(dir)?;
    let ho = HeadOffice::new(&link.url, link.ca_pem.as_deref())?;
    let heads = store::Heads::load(conn)?;
    let mut round = Round::default();
    let handed = hand_over(conn, dir, &ho, &key, &link, heads.len(ChainName::Live))?;
    if let Some(c) = handed.as_ref().filter(|c| c.quarantine.is_some()) {
        round.chains.push(c.clone());
        return Ok(round);
    }
    let bytes = ho.signed(&key, &link.till, reqwest::Method::GET, wire::STREAMS, Vec::new())?;
    let streams: Streams =
        serde_json::from_slice(&bytes).map_err(|e| SyncError::BadAnswer(format!("the streams: {e}")))?;
    for chain in [ChainName::Live, ChainName::Training] {
        let view = streams.streams.iter().find(|s| s.chain == chain);
        let head = heads.len(chain);
        let mut c = ChainRound { chain: Some(chain), head, ..ChainRound::default() };
        if let Some(h) = handed.as_ref().filter(|_| chain == ChainName::Live) {
            (c.pushed, c.duplicates) = (h.pushed, h.duplicates);
        }
        let kept = link::kept_seq(conn, chain)?;
        if let Some(ack) = view.and_then(|v| v.ack.as_ref()) {
            if kept == Some(ack.seq) {
                check_ack(&link, ack, chain)?;
            } else {
                keep(conn, dir, &link, ack, chain)?;
            }
            c.acknowledged = ack.seq;
            if let Some(problem) = link::against(conn, ack)? {
                round.behind = Some(problem);
            }
        }
        if let Some(q) = view.and_then(|v| v.quarantine.clone()) {
            c.quarantine = Some(q);
            round.chains.push(c);
            continue;
        }
        let held = view.map_or(0, |v| v.last_seq);
        // Starting at head office's last record (or this database's own last acknowledgement, if
        // older: an older copy put back): head office compares what it holds with what is sent, and
        // names the first record that differs.
        let from = held.min(head).min(kept.unwrap_or(u64::MAX)).max(1);
        // The last acknowledgement is kept once the chain is pushed, or cut: each keeping syncs the
        // disk, and a round cut short asks head office where it stands next time anyway.
        let mut last_ack = None;
        let pushed = push_chain(conn, &ho, &key, &link, chain, from, head, &mut c, &mut last_ack);
        if let Some(ack) = &last_ack {
            keep(conn, dir, &link, ack, chain)?;
        }
        pushed?;
        round.chains.push(c);
    }
    let asker = pull::Asker { ho: &ho, key: &key, till: &link.till };
    round.stock_levels = pull::stock(conn, &asker)?;
    round.pickups = pull::inbox(conn, &asker)?;
    round.catalogue_entries = pull::catalogue(conn, &asker)?;
    round.customer_edits = customers::push(conn, &asker)?;
    round.customers = customers::pull(conn, &asker)?;
    Ok(round)
}

/// Hands head office the till's new key when the journal changed key since head office's last
/// acknowledgement: every request is signed with the key in force, which head office learns from
/// the `key_changed` record itself, so the first request is a push of the live chain reaching past
/// that record (one batch, longer than usual if the change is far ahead). What it did, when it
/// had to; a quarantine met there ends the round.
fn hand_over(
    conn: &Connection,
    dir: &Path,
    ho: &HeadOffice,
    key: &ed25519_dalek::SigningKey,
    link: &Link,
    head: u64,
) -> Result<Option<ChainRound>, SyncError> {
    let ring = crate::keys::load(conn)?;
    let changed_at = ring.current().from_seq.saturating_sub(1);
    let kept = link::kept_seq(conn, ChainName::Live)?;
    if changed_at == 0 || kept.is_some_and(|k| k >= changed_at) {
        return Ok(None);
    }
    let from = kept.unwrap_or(1).max(1);
    let to = changed_at.max(from.saturating_add(BATCH - 1)).min(head);
    let mut c = ChainRound { chain: Some(ChainName::Live), head, ..ChainRound::default() };
    let batch = batch_of(conn, &link.till, ChainName::Live, from, to)?;
    let body = serde_json::to_vec(&batch).map_err(|e| SyncError::Setup(e.to_string()))?;
    let bytes = ho.signed(key, &link.till, reqwest::Method::POST, wire::PUSH, body)?;
    let answer: PushAnswer =
        serde_json::from_slice(&bytes).map_err(|e| SyncError::BadAnswer(format!("the push: {e}")))?;
    if let Some(ack) = &answer.ack {
        keep(conn, dir, link, ack, ChainName::Live)?;
        c.acknowledged = ack.seq;
    }
    c.pushed = answer.accepted;
    c.duplicates = answer.duplicates;
    c.quarantine = answer.quarantine;
    Ok(Some(c))
}

/// Pushes `chain`'s records `from..=head` in batches, noting each answer in `c` and the last
/// acknowledgement (checked) in `last_ack`; stops at a quarantine.
#[allow(clippy::too_many_arguments)]
fn push_chain(
    conn: &Connection,
    ho: &HeadOffice,
    key: &ed25519_dalek::SigningKey,
    link: &Link,
    chain: ChainName,
    mut from: u64,
    head: u64,
    c: &mut ChainRound,
    last_ack: &mut Option<Ack>,
) -> Result<(), SyncError> {
    while from <= head {
        let to = head.min(from + BATCH - 1);
        let batch = batch_of(conn, &link.till, chain, from, to)?;
        let body = serde_json::to_vec(&batch).map_err(|e| SyncError::Setup(e.to_string()))?;
        let bytes = ho.signed(key, &link.till, reqwest::Method::POST, wire::PUSH, body)?;
        let answer: PushAnswer =
            serde_json::from_slice(&bytes).map_err(|e| SyncError::BadAnswer(format!("the push: {e}")))?;
        c.pushed += answer.accepted;
        c.duplicates += answer.duplicates;
        if let Some(ack) = answer.ack {
            check_ack(link, &ack, chain)?;
            c.acknowledged = ack.seq;
            *last_ack = Some(ack);
        }
        if answer.quarantine.is_some() {
            c.quarantine = answer.quarantine;
            break;
        }
        from = to + 1;
    }
    Ok(())
}

/// Checks an acknowledgement (head office's signature, this till and chain) and keeps it.
fn keep(conn: &Connection, dir: &Path, link: &Link, ack: &Ack, chain: ChainName) -> Result<(), SyncError> {
    check_ack(link, ack, chain)?;
    // An acknowledgement the journal does not reach is kept all the same: it is head office's word
    // of what it holds, and `verify` reports the journal that falls short of it.
    link::keep_ack(conn, dir, ack, &now())?;
    Ok(())
}

/// Whether `ack` is head office's, of this till's `chain`.
fn check_ack(link: &Link, ack: &Ack, chain: ChainName) -> Result<(), SyncError> {
    if !ack.verify(&link.server_key) {
        return Err(SyncError::BadAnswer(format!(
            "the acknowledgement of {} record {} is not signed by head office's key",
            chain.as_str(),
            ack.seq
        )));
    }
    if ack.till != link.till || ack.chain != chain {
        return Err(SyncError::BadAnswer(format!(
            "an acknowledgement of till {} {} came for till {} {}",
            ack.till,
            ack.chain.as_str(),
            link.till,
            chain.as_str()
        )));
    }
    Ok(())
}

/// The records `from..=to` of `chain`, as a batch.
fn batch_of(conn: &Connection, till: &str, chain: ChainName, from: u64, to: u64) -> Result<Batch, SyncError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, bytes, prev, hash, sig FROM journal WHERE chain = ?1 AND seq BETWEEN ?2 AND ?3 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![chain.as_str(), from, to], |r| {
        Ok((
            r.get::<_, u64>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, Vec<u8>>(2)?,
            r.get::<_, Vec<u8>>(3)?,
            r.get::<_, Vec<u8>>(4)?,
        ))
    })?;
    let mut records = Vec::new();
    for (i, row) in rows.enumerate() {
        let (seq, bytes, prev, hash, sig) = row?;
        if seq != from + i as u64 {
            return Err(TillError::storage(format!(
                "{} record {} is missing from the journal",
                chain.as_str(),
                from + i as u64
            ))
            .into());
        }
        let bytes = String::from_utf8(bytes)
            .map_err(|_| TillError::storage(format!("{} record {seq} is not UTF-8", chain.as_str())))?;
        records.push(ArchivedRecord { bytes, prev: hex(&prev), hash: hex(&hash), sig: hex(&sig) });
    }
    Ok(Batch { till: till.to_owned(), chain, first_seq: from, records })
}

/// What the till knows of its sync, for `status` and the window.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// Head office's address, when enrolled.
    pub server: Option<String>,
    /// Records head office has not acknowledged.
    pub waiting: u64,
    /// How the last rounds went.
    pub progress: Progress,
}

/// The sync's status from the till's database.
pub fn status(conn: &Connection, dir: &Path) -> Result<SyncStatus, TillError> {
    let Some(link) = link::link(conn)? else { return Ok(SyncStatus::default()) };
    let acks = link::acks(conn, dir, &link.server_key)?;
    let heads = store::Heads::load(conn)?;
    let waiting = [ChainName::Live, ChainName::Training]
        .iter()
        .map(|&c| heads.len(c).saturating_sub(acks.iter().find(|a| a.chain == c).map_or(0, |a| a.seq)))
        .sum();
    Ok(SyncStatus { server: Some(link.url), waiting, progress: link::progress(conn)? })
}

/// The status bar's view of the sync; `None` before the till is enrolled.
pub fn view(conn: &Connection, dir: &Path) -> Result<Option<crate::answer::HeadOfficeView>, TillError> {
    let s = status(conn, dir)?;
    let Some(server) = s.server else { return Ok(None) };
    let p = s.progress;
    Ok(Some(crate::answer::HeadOfficeView {
        server,
        online: p.last_attempt.is_some() && p.last_error.is_none(),
        waiting: s.waiting,
        last_sync: p.last_success,
        last_error: p.last_error,
        quarantine: p.quarantine.map(|q| q.to_string()),
        behind: p.behind,
    }))
}

/// What the journal says of head office's acknowledgements: one line per acknowledgement it no
/// longer reaches (for `verify`), and what it reaches.
pub fn anchor_findings(conn: &Connection, dir: &Path) -> Result<(Vec<String>, Vec<String>), TillError> {
    let Some(link) = link::link(conn)? else { return Ok((Vec::new(), Vec::new())) };
    let mut bad = Vec::new();
    let mut good = Vec::new();
    match link::acks(conn, dir, &link.server_key) {
        Ok(acks) => {
            for ack in acks {
                match link::against(conn, &ack)? {
                    Some(problem) => bad.push(problem),
                    None => good.push(format!(
                        "head office: {} record {} acknowledged by {} is in the journal",
                        ack.chain.as_str(),
                        ack.seq,
                        link.url
                    )),
                }
            }
        }
        Err(e) => bad.push(e.to_string()),
    }
    Ok((bad, good))
}
