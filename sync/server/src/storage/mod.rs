//! Head office's storage, behind one narrow boundary with two real backends: an embedded SQLite
//! file (the default, one machine) and PostgreSQL (a chain that outgrows one machine). Both hold the
//! same tables and answer the same calls; the server's test suite runs on both.
//!
//! What must be atomic is atomic in one transaction of the backend: a batch's records, the stream's
//! new state and its quarantine are written together or not at all; an enrolment code is spent and
//! the till registered together. A record is keyed by (till, chain, seq): the same record can never
//! be stored twice, whatever retries and cuts happen.

pub mod admin;
pub mod books;
pub mod catalogue;
pub mod customers;
pub mod mail;
mod messages;
mod postgres;
pub mod rights;
pub mod sql;
mod sqlite;
pub mod stock;
mod tickets;
pub mod web;
mod web_returns;

use std::collections::HashMap;
use std::path::Path;

use pos_journal::ChainName;
use pos_journal::check::Accepted;
use pos_sync::push::{Batch, Quarantine, Refusal, Stream, Taken, take};

/// What the storage could not do: the database is unreachable or refused a statement. The request
/// is answered 503 and nothing of it is kept.
#[derive(Debug, thiserror::Error)]
#[error("head office's database: {0}")]
pub struct StorageError(pub String);

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        StorageError(e.to_string())
    }
}

impl From<tokio_postgres::Error> for StorageError {
    fn from(e: tokio_postgres::Error) -> Self {
        StorageError(format!("{e} ({e:?})"))
    }
}

/// A one-time enrolment code, as head office keeps it (only its hash).
#[derive(Clone, Debug)]
pub struct NewEnrolment {
    /// SHA-256 of the code.
    pub code_hash: [u8; 32],
    /// Store code (`LYO`).
    pub store: String,
    /// Till number in the store.
    pub number: u32,
    /// When the code stops working, milliseconds since the epoch.
    pub expires_ms: i64,
}

/// A till head office knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TillRow {
    /// `LYO-1`.
    pub till: String,
    /// `LYO`.
    pub store: String,
    /// 1.
    pub number: u32,
    /// The key its journal started with (registered at enrolment).
    pub journal_key: [u8; 32],
}

/// Why an enrolment is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnrolRefusal {
    /// No such code.
    #[error("this enrolment code is unknown: ask head office for a new one")]
    Unknown,
    /// The code was used by another key already.
    #[error("this enrolment code was already used: ask head office for a new one")]
    Used,
    /// The code expired.
    #[error("this enrolment code has expired: ask head office for a new one")]
    Expired,
    /// The code was made for another till.
    #[error("this enrolment code is for another till: ask head office for this till's code")]
    OtherTill,
    /// The till is enrolled already with another key.
    #[error("this till is already enrolled with another key: head office must retire it first")]
    AlreadyEnrolled,
}

/// An enrolment code's row: its store and till number, its expiry, the key that spent it.
pub(crate) struct CodeRow {
    store: String,
    number: u32,
    expires_ms: i64,
    used_key: Option<Vec<u8>>,
}

/// Where an enrolment stands once its code is read.
pub(crate) enum CodeStep {
    /// Answered already: the same till again (its answer lost), or refused.
    Done(Result<TillRow, EnrolRefusal>),
    /// The code may be spent on this till, if the till is not enrolled with another key.
    Spend(TillRow),
}

/// What `asking` with `key` may do with `code` at `now_ms` (the same rule on both backends).
pub(crate) fn code_step(code: Option<CodeRow>, asking: &str, key: [u8; 32], now_ms: i64) -> CodeStep {
    let Some(code) = code else { return CodeStep::Done(Err(EnrolRefusal::Unknown)) };
    let till = format!("{}-{}", code.store, code.number);
    if till != asking {
        return CodeStep::Done(Err(EnrolRefusal::OtherTill));
    }
    let row = TillRow { till, store: code.store, number: code.number, journal_key: key };
    match code.used_key {
        Some(k) if k == key => CodeStep::Done(Ok(row)),
        Some(_) => CodeStep::Done(Err(EnrolRefusal::Used)),
        None if now_ms >= code.expires_ms => CodeStep::Done(Err(EnrolRefusal::Expired)),
        None => CodeStep::Spend(row),
    }
}

/// Whether the till is to be registered (`true`), is already with this key (`false`), or is with
/// another key (refused).
pub(crate) fn till_step(existing: Option<&[u8]>, key: [u8; 32]) -> Result<bool, EnrolRefusal> {
    match existing {
        Some(k) if k != key => Err(EnrolRefusal::AlreadyEnrolled),
        Some(_) => Ok(false),
        None => Ok(true),
    }
}

/// What a push did.
#[derive(Debug)]
pub enum Pushed {
    /// The batch was taken (wholly, or up to its first fault with the stream put in quarantine).
    Taken {
        /// Records stored.
        accepted: u64,
        /// Records already held, the same.
        duplicates: u64,
        /// The stream after the batch.
        stream: Stream,
    },
    /// The batch could not be taken at all; nothing was stored.
    Refused(Refusal),
}

/// One stream as head office holds it.
#[derive(Clone, Debug)]
pub struct StreamRow {
    /// The chain.
    pub chain: ChainName,
    /// Where it stands.
    pub stream: Stream,
}

/// Head office's database.
pub enum Storage {
    /// An SQLite file in the data folder.
    Sqlite(sqlite::Db),
    /// A PostgreSQL database.
    Postgres(postgres::Db),
}

impl Storage {
    /// Opens (and migrates) the database: `database` is a `postgres://` URL, or `None` for the
    /// SQLite file `server.db` in `data`.
    pub async fn open(data: &Path, database: Option<&str>) -> Result<Storage, StorageError> {
        match database {
            None => Ok(Storage::Sqlite(sqlite::Db::open(&data.join(sqlite::DB_FILE))?)),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Storage::Postgres(postgres::Db::open(url).await?))
            }
            Some(other) => Err(StorageError(format!(
                "`{other}` is not a database this server runs on: give a postgres:// URL, or nothing for the \
                 SQLite file in the data folder"
            ))),
        }
    }

    /// Which backend, in a word.
    pub fn backend(&self) -> &'static str {
        match self {
            Storage::Sqlite(_) => "sqlite",
            Storage::Postgres(_) => "postgres",
        }
    }

    /// Keeps a new enrolment code.
    pub async fn add_enrolment(&self, e: &NewEnrolment) -> Result<(), StorageError> {
        match self {
            Storage::Sqlite(db) => db.add_enrolment(e).await,
            Storage::Postgres(db) => db.add_enrolment(e).await,
        }
    }

    /// Spends the code whose hash is `code_hash` on till `till` whose journal key is `key`, at
    /// `now_ms`.
    /// The same key presenting the same code again (an answer lost in a cut) gets the same till.
    pub async fn enrol(
        &self,
        code_hash: [u8; 32],
        till: &str,
        key: [u8; 32],
        now_ms: i64,
    ) -> Result<Result<TillRow, EnrolRefusal>, StorageError> {
        match self {
            Storage::Sqlite(db) => db.enrol(code_hash, till.to_owned(), key, now_ms).await,
            Storage::Postgres(db) => db.enrol(code_hash, till, key, now_ms).await,
        }
    }

    /// The till `till`, if enrolled.
    pub async fn till(&self, till: &str) -> Result<Option<TillRow>, StorageError> {
        match self {
            Storage::Sqlite(db) => db.till(till).await,
            Storage::Postgres(db) => db.till(till).await,
        }
    }

    /// Notes a request's nonce; false when it was already noted (a replay). Nonces older than
    /// `forget_before_ms` are forgotten (their requests are stale anyway).
    pub async fn note_nonce(
        &self,
        till: &str,
        nonce: &str,
        at_ms: i64,
        forget_before_ms: i64,
    ) -> Result<bool, StorageError> {
        match self {
            Storage::Sqlite(db) => db.note_nonce(till, nonce, at_ms, forget_before_ms).await,
            Storage::Postgres(db) => db.note_nonce(till, nonce, at_ms, forget_before_ms).await,
        }
    }

    /// Takes a batch of `till`'s records (checked, stored with the stream's state, in one
    /// transaction).
    pub async fn push(&self, till: &TillRow, batch: Batch, now_ms: i64) -> Result<Pushed, StorageError> {
        match self {
            Storage::Sqlite(db) => db.push(till.clone(), batch, now_ms).await,
            Storage::Postgres(db) => db.push(till, batch, now_ms).await,
        }
    }

    /// The streams of `till`.
    pub async fn streams(&self, till: &str) -> Result<Vec<StreamRow>, StorageError> {
        match self {
            Storage::Sqlite(db) => db.streams(till).await,
            Storage::Postgres(db) => db.streams(till).await,
        }
    }

    /// Every till enrolled, by name.
    pub async fn tills(&self) -> Result<Vec<TillRow>, StorageError> {
        match self {
            Storage::Sqlite(db) => db.tills().await,
            Storage::Postgres(db) => db.tills().await,
        }
    }

    /// How many records of `till`'s `chain` are stored (what an operator or a test counts).
    pub async fn record_count(&self, till: &str, chain: ChainName) -> Result<u64, StorageError> {
        match self {
            Storage::Sqlite(db) => db.record_count(till, chain).await,
            Storage::Postgres(db) => db.record_count(till, chain).await,
        }
    }
}

/// The seqs of a batch that head office may already hold: those below the stream's next seq.
fn held_range(stream: &Stream, batch: &Batch) -> Option<(u64, u64)> {
    let last = batch.first_seq.checked_add(batch.records.len() as u64)?.checked_sub(1)?;
    let top = last.min(stream.walk.next_seq.checked_sub(1)?);
    (batch.first_seq <= top && !batch.records.is_empty()).then_some((batch.first_seq, top))
}

/// A stream's state as a row holds it, read back.
fn stream_from_row(state: &str, quarantine: Option<&str>) -> Result<Stream, StorageError> {
    let walk = serde_json::from_str(state).map_err(|e| StorageError(format!("a stream's state: {e}")))?;
    let quarantine = quarantine
        .map(serde_json::from_str::<Quarantine>)
        .transpose()
        .map_err(|e| StorageError(format!("a stream's quarantine: {e}")))?;
    Ok(Stream { walk, quarantine })
}

/// A stream's state and quarantine as a row keeps them.
fn stream_to_row(stream: &Stream) -> (String, Option<String>) {
    // Plain structs of strings and integers: serialising them never fails.
    let state = serde_json::to_string(&stream.walk).unwrap_or_default();
    let quarantine = stream.quarantine.as_ref().map(|q| serde_json::to_string(q).unwrap_or_default());
    (state, quarantine)
}

/// The pure part of a push once the held hashes are read: [`take`], and the rows to store.
fn plan(stream: &Stream, batch: &Batch, held: &HashMap<u64, [u8; 32]>) -> Result<Taken, Refusal> {
    take(stream, batch, |seq| held.get(&seq).copied())
}

/// A record to store, from what the walk accepted and the batch carried.
struct RecordRow<'a> {
    seq: u64,
    kind: &'static str,
    no: u64,
    at: &'a str,
    bytes: &'a [u8],
    prev: Vec<u8>,
    hash: [u8; 32],
    sig: Vec<u8>,
}

/// The rows of the accepted records of `batch`, each with the bytes the batch carried for its seq.
fn record_rows<'a>(batch: &'a Batch, taken: &'a Taken) -> Vec<RecordRow<'a>> {
    taken
        .accepted
        .iter()
        .filter_map(|a: &'a Accepted| {
            // `take` accepted it from this batch: its seq is one of the batch's.
            let r = batch.records.get(usize::try_from(a.header.seq.checked_sub(batch.first_seq)?).ok()?)?;
            Some(RecordRow {
                seq: a.header.seq,
                kind: a.header.kind.as_str(),
                no: a.header.no,
                at: &a.header.at,
                bytes: r.bytes.as_bytes(),
                prev: pos_journal::unhex(&r.prev).unwrap_or_default(),
                hash: a.hash,
                sig: pos_journal::unhex(&r.sig).unwrap_or_default(),
            })
        })
        .collect()
}

/// `i64` for a database column, refused rather than wrapped.
fn db_int(n: u64) -> Result<i64, StorageError> {
    i64::try_from(n).map_err(|_| StorageError(format!("{n} does not fit a database integer")))
}
