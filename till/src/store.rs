//! The till's SQLite file: schema and migrations, the append-only signed journal, and its verification.
//!
//! - WAL mode. A transaction that carries a fiscal record (anything but basket [`Kind::Operation`]s)
//!   commits with `synchronous=FULL`: the ticket is on disk before its receipt prints. Basket
//!   operations commit with `synchronous=NORMAL`: they survive a killed process (the WAL is in the OS's
//!   hands) and the next fiscal commit syncs them too; a power cut may lose the last scans of an unpaid
//!   basket, never a ticket.
//! - The `journal` table refuses UPDATE and DELETE (triggers), so a bug cannot alter history.
//! - Each record: canonical bytes ([`pos_core::journal`]), chained hash, Ed25519 signature of the hash
//!   with the till's key (`till.key` beside the database, owner-only).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use pos_core::journal::{self, ChainName, GENESIS, Header, Kind};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::entry::Entry;
use crate::error::TillError;
use crate::signer::RecordSigner;

/// The database file's name in the data folder.
pub const DB_FILE: &str = "till.db";
/// The signing key's file name in the data folder.
pub const KEY_FILE: &str = "till.key";

/// Embedded migrations: an id (timestamped) and its SQL. Never edit one once merged: add another.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "2026-11-28-1200-journal",
        r#"
CREATE TABLE identity (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    till TEXT NOT NULL,
    store TEXT NOT NULL,
    number INTEGER NOT NULL,
    public_key BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TRIGGER identity_is_fixed_u BEFORE UPDATE ON identity
BEGIN SELECT RAISE(ABORT, 'the till identity never changes'); END;
CREATE TRIGGER identity_is_fixed_d BEFORE DELETE ON identity
BEGIN SELECT RAISE(ABORT, 'the till identity never changes'); END;

CREATE TABLE journal (
    chain TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    no INTEGER NOT NULL,
    at TEXT NOT NULL,
    bytes BLOB NOT NULL,
    prev BLOB NOT NULL,
    hash BLOB NOT NULL,
    sig BLOB NOT NULL,
    PRIMARY KEY (chain, seq),
    UNIQUE (chain, kind, no)
) WITHOUT ROWID;
CREATE TRIGGER journal_append_only_u BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'the fiscal journal is append-only: record a correction instead'); END;
CREATE TRIGGER journal_append_only_d BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'the fiscal journal is append-only: record a correction instead'); END;

-- Reference data, written at init from the chain's files.
CREATE TABLE chain_file (name TEXT PRIMARY KEY, bytes BLOB NOT NULL);
CREATE TABLE product (
    sku TEXT PRIMARY KEY,
    row BLOB NOT NULL,
    plu TEXT,
    name_fr TEXT NOT NULL
);
CREATE INDEX product_plu ON product (plu) WHERE plu IS NOT NULL;
CREATE TABLE barcode (code TEXT PRIMARY KEY, sku TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE kit_row (kit TEXT NOT NULL, row BLOB NOT NULL);
CREATE INDEX kit_row_kit ON kit_row (kit);
CREATE TABLE price_row (sku TEXT NOT NULL, row BLOB NOT NULL);
CREATE INDEX price_row_sku ON price_row (sku);
CREATE TABLE fits (sku TEXT NOT NULL, fits_sku TEXT NOT NULL, PRIMARY KEY (sku, fits_sku)) WITHOUT ROWID;
CREATE INDEX fits_back ON fits (fits_sku, sku);
CREATE VIRTUAL TABLE product_search USING fts5 (sku, name_fr, name_en, fits, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
CREATE TABLE staff (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, pin_hash TEXT NOT NULL);

-- Projections: rebuilt from the journal alone by `pos-till rebuild`.
CREATE TABLE state (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
CREATE TABLE voucher (number TEXT PRIMARY KEY, kind TEXT NOT NULL, balance INTEGER NOT NULL CHECK (balance >= 0)) WITHOUT ROWID;
CREATE TABLE loyalty (customer TEXT PRIMARY KEY, points INTEGER NOT NULL CHECK (points >= 0)) WITHOUT ROWID;
CREATE TABLE stock_delta (sku TEXT PRIMARY KEY, delta TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE returned (ticket TEXT NOT NULL, line INTEGER NOT NULL, units INTEGER NOT NULL, PRIMARY KEY (ticket, line)) WITHOUT ROWID;
"#,
    ),
    (
        // A WITHOUT ROWID table keeps at most ~1,000 bytes of a row in its leaf: a ticket spilled to an
        // overflow page and each append rebalanced three leaves, ten pages synced per ticket. A rowid
        // table keeps a ticket in its leaf and appends at the right edge: about five pages. The records
        // are copied byte for byte (hashes and signatures do not depend on where a row is stored).
        "2026-11-28-1800-journal-rowid",
        r#"
CREATE TABLE journal_rowid (
    id INTEGER PRIMARY KEY,
    chain TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    no INTEGER NOT NULL,
    at TEXT NOT NULL,
    bytes BLOB NOT NULL,
    prev BLOB NOT NULL,
    hash BLOB NOT NULL,
    sig BLOB NOT NULL,
    UNIQUE (chain, seq),
    UNIQUE (chain, kind, no)
);
INSERT INTO journal_rowid (chain, seq, kind, no, at, bytes, prev, hash, sig)
    SELECT chain, seq, kind, no, at, bytes, prev, hash, sig FROM journal ORDER BY chain, seq;
DROP TABLE journal;
ALTER TABLE journal_rowid RENAME TO journal;
CREATE TRIGGER journal_append_only_u BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'the fiscal journal is append-only: record a correction instead'); END;
CREATE TRIGGER journal_append_only_d BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'the fiscal journal is append-only: record a correction instead'); END;
"#,
    ),
];

/// The projection tables, emptied before a rebuild.
pub const PROJECTIONS: &[&str] = &["state", "voucher", "loyalty", "stock_delta", "returned"];

/// Opens (or creates) the database in `dir` and brings its schema up to date.
pub fn open_db(dir: &Path) -> Result<Connection, TillError> {
    let path = dir.join(DB_FILE);
    let conn = Connection::open(&path)
        .map_err(|e| TillError::Storage(format!("cannot open {}: {e}", path.display())))?;
    // Small pages: a ticket commit syncs 7–8 KiB of WAL frames instead of 28–32 KiB. Applies to a new
    // file only; an existing one keeps its page size.
    conn.pragma_update(None, "page_size", 1024)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migration (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    for (id, sql) in MIGRATIONS {
        let done: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM schema_migration WHERE id = ?1)", [id], |r| {
                r.get(0)
            })?;
        if !done {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(sql)?;
            tx.execute("INSERT INTO schema_migration (id, applied_at) VALUES (?1, datetime('now'))", [id])?;
            tx.commit()?;
        }
    }
    Ok(conn)
}

/// Opens the database of an existing till; refuses (and creates nothing) where there is none.
pub fn open_existing(dir: &Path) -> Result<Connection, TillError> {
    if !dir.join(DB_FILE).is_file() {
        return Err(TillError::Refused(format!(
            "{} holds no till: check --data, or set one up with `pos-till init`",
            dir.display()
        )));
    }
    open_db(dir)
}

/// Creates the till's signing key in `dir` (owner-only permissions); refuses to overwrite one.
pub fn create_key(dir: &Path) -> Result<SigningKey, TillError> {
    let path = dir.join(KEY_FILE);
    if path.exists() {
        return Err(TillError::Refused(format!(
            "{} already exists: this folder already holds a till; use another --data folder",
            path.display()
        )));
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| TillError::Storage(format!("no randomness for the key: {e}")))?;
    let key = SigningKey::from_bytes(&secret);
    write_private(&path, journal::hex(&secret).as_bytes())?;
    Ok(key)
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TillError> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut f = options
        .open(path)
        .map_err(|e| TillError::Storage(format!("cannot write {}: {e}", path.display())))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| TillError::Storage(format!("cannot write {}: {e}", path.display())))
}

/// Reads the till's signing key from `dir`.
pub fn read_key(dir: &Path) -> Result<SigningKey, TillError> {
    let path = dir.join(KEY_FILE);
    let text = fs::read_to_string(&path).map_err(|e| {
        TillError::Storage(format!(
            "cannot read the till's key {}: {e}; restore it from the till's backup",
            path.display()
        ))
    })?;
    let bytes = journal::unhex(text.trim())
        .filter(|b| b.len() == 32)
        .ok_or_else(|| TillError::Storage(format!("{} is not a till key (64 hex digits)", path.display())))?;
    let mut secret = [0u8; 32];
    secret.copy_from_slice(&bytes);
    Ok(SigningKey::from_bytes(&secret))
}

/// Who the till is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// `LYO-1`.
    pub till: String,
    /// `LYO`.
    pub store: String,
    /// 1.
    pub number: u32,
    /// Verifying key.
    pub public_key: [u8; 32],
}

/// Reads the identity row.
pub fn identity(conn: &Connection) -> Result<Identity, TillError> {
    conn.query_row("SELECT till, store, number, public_key FROM identity WHERE id = 1", [], |r| {
        let key: Vec<u8> = r.get(3)?;
        let mut public_key = [0u8; 32];
        if key.len() == 32 {
            public_key.copy_from_slice(&key);
        }
        Ok(Identity { till: r.get(0)?, store: r.get(1)?, number: r.get(2)?, public_key })
    })
    .optional()?
    .ok_or_else(|| TillError::Refused("this folder holds no till: run `pos-till init` first".into()))
}

/// The head of each chain and the last number of each kind: where the next record goes.
#[derive(Clone, Debug, Default)]
pub struct Heads {
    chains: HashMap<ChainName, (u64, [u8; 32])>,
    numbers: HashMap<(ChainName, Kind), u64>,
    last_at: HashMap<ChainName, String>,
}

impl Heads {
    /// Reads the heads from the journal.
    pub fn load(conn: &Connection) -> Result<Heads, TillError> {
        let mut heads = Heads::default();
        let mut stmt = conn.prepare(
            "SELECT j.chain, j.seq, j.hash, j.at FROM journal j
             JOIN (SELECT chain, MAX(seq) AS seq FROM journal GROUP BY chain) m ON m.chain = j.chain AND m.seq = j.seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?, r.get::<_, Vec<u8>>(2)?, r.get::<_, String>(3)?))
        })?;
        for row in rows {
            let (chain, seq, hash, at) = row?;
            let chain = ChainName::parse(&chain)
                .ok_or_else(|| TillError::Storage(format!("unknown chain `{chain}`")))?;
            heads.chains.insert(chain, (seq, to32(&hash)));
            heads.last_at.insert(chain, at);
        }
        let mut stmt = conn.prepare("SELECT chain, kind, MAX(no) FROM journal GROUP BY chain, kind")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, u64>(2)?)))?;
        for row in rows {
            let (chain, kind, no) = row?;
            if let (Some(c), Some(k)) = (ChainName::parse(&chain), Kind::parse(&kind)) {
                heads.numbers.insert((c, k), no);
            }
        }
        Ok(heads)
    }

    /// The number the next record of `kind` on `chain` will take.
    pub fn next_no(&self, chain: ChainName, kind: Kind) -> u64 {
        self.numbers.get(&(chain, kind)).copied().unwrap_or(0) + 1
    }

    /// Records on `chain`.
    pub fn len(&self, chain: ChainName) -> u64 {
        self.chains.get(&chain).map_or(0, |h| h.0)
    }

    /// The time of the last record on `chain`.
    pub fn last_at(&self, chain: ChainName) -> Option<&str> {
        self.last_at.get(&chain).map(String::as_str)
    }
}

fn to32(b: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    if b.len() == 32 {
        out.copy_from_slice(b);
    }
    out
}

/// Appends one record inside `tx`, advancing `heads` (the caller keeps the old heads if the
/// transaction rolls back).
pub fn append(
    tx: &Transaction<'_>,
    heads: &mut Heads,
    signer: &RecordSigner,
    till: &str,
    chain: ChainName,
    at: &str,
    entry: &Entry,
) -> Result<Header, TillError> {
    let kind = entry.kind();
    let (seq, prev) = heads.chains.get(&chain).map_or((1, GENESIS), |&(s, h)| (s + 1, h));
    let no = heads.next_no(chain, kind);
    let header =
        Header { v: journal::FORMAT, till: till.to_owned(), chain, seq, kind, no, at: at.to_owned() };
    let body = serde_json::to_value(entry)
        .map_err(|e| TillError::Storage(format!("cannot encode a record: {e}")))?;
    let bytes = journal::encode(&header, &body).map_err(|e| TillError::Storage(e.to_string()))?;
    let hash = journal::chain_hash(&prev, &bytes);
    let sig = signer.sign(&hash);
    tx.prepare_cached(
        "INSERT INTO journal (chain, seq, kind, no, at, bytes, prev, hash, sig) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(
        params![chain.as_str(), seq, kind.as_str(), no, at, bytes, &prev[..], &hash[..], &sig.to_bytes()[..]],
    )?;
    heads.chains.insert(chain, (seq, hash));
    heads.numbers.insert((chain, kind), no);
    heads.last_at.insert(chain, at.to_owned());
    Ok(header)
}

/// A stored record, read back.
#[derive(Clone, Debug)]
pub struct Stored {
    /// Header (from the canonical bytes).
    pub header: Header,
    /// Body.
    pub entry: Entry,
    /// Canonical bytes.
    pub bytes: Vec<u8>,
    /// Previous hash.
    pub prev: [u8; 32],
    /// Hash.
    pub hash: [u8; 32],
    /// Signature.
    pub sig: [u8; 64],
}

/// Reads records of `chain` with `seq` in `from..=to`, in order, decoding each.
pub fn read_records(
    conn: &Connection,
    chain: ChainName,
    from: u64,
    to: u64,
) -> Result<Vec<Stored>, TillError> {
    let mut stmt = conn.prepare_cached(
        "SELECT bytes, prev, hash, sig FROM journal WHERE chain = ?1 AND seq BETWEEN ?2 AND ?3 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![chain.as_str(), from, to], stored_row)?;
    rows.map(|r| decode_stored(r?)).collect()
}

/// Every record of one kind on `chain`, in order.
pub fn records_of_kind(conn: &Connection, chain: ChainName, kind: Kind) -> Result<Vec<Stored>, TillError> {
    let mut stmt = conn.prepare_cached(
        "SELECT bytes, prev, hash, sig FROM journal WHERE chain = ?1 AND kind = ?2 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![chain.as_str(), kind.as_str()], stored_row)?;
    rows.map(|r| decode_stored(r?)).collect()
}

type RawRecord = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

fn stored_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRecord> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn decode_stored((bytes, prev, hash, sig): RawRecord) -> Result<Stored, TillError> {
    let bad = |e: String| TillError::Storage(format!("a journal record: {e}"));
    let (header, body) = journal::decode(&bytes).map_err(|e| bad(e.to_string()))?;
    let entry: Entry = serde_json::from_value(body).map_err(|e| bad(e.to_string()))?;
    let mut s = [0u8; 64];
    if sig.len() == 64 {
        s.copy_from_slice(&sig);
    }
    Ok(Stored { header, entry, bytes, prev: to32(&prev), hash: to32(&hash), sig: s })
}

/// The outcome of a verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every record checks.
    Ok {
        /// Records checked.
        records: u64,
    },
    /// The first broken record.
    Broken {
        /// Chain.
        chain: ChainName,
        /// Its seq (or where one is missing).
        seq: u64,
        /// Why.
        reason: String,
    },
}

/// Walks every chain: sequence without gaps, previous hashes, canonical bytes matching the row,
/// hashes, signatures with the till's key, per-kind numbers without gaps, the till's own name.
pub fn verify(conn: &Connection) -> Result<Verdict, TillError> {
    let id = identity(conn)?;
    let key = match VerifyingKey::from_bytes(&id.public_key) {
        Ok(k) if !k.is_weak() => k,
        // A key of small order would accept made-up signatures: an altered identity.
        _ => {
            return Ok(Verdict::Broken {
                chain: ChainName::Live,
                seq: 0,
                reason: "the till's public key in the database is not a valid key (the identity was altered)"
                    .into(),
            });
        }
    };
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let foreign: Option<String> = conn
        .query_row("SELECT chain FROM journal WHERE chain NOT IN ('live', 'training') LIMIT 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(chain) = foreign {
        return Ok(Verdict::Broken {
            chain: ChainName::Live,
            seq: 0,
            reason: format!("the journal holds records of an unknown chain `{chain}` (inserted)"),
        });
    }
    let mut records = 0u64;
    for chain in [ChainName::Live, ChainName::Training] {
        let mut stmt = conn.prepare(
            "SELECT seq, kind, no, at, bytes, prev, hash, sig FROM journal WHERE chain = ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([chain.as_str()])?;
        let mut expect_seq = 1u64;
        let mut prev_hash = GENESIS;
        let mut numbers: HashMap<Kind, u64> = HashMap::new();
        let checker = Arc::new(Checker { key, till: id.till.clone(), chain });
        // The next batch is read from SQLite while the one before it is checked on all cores.
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
            let mut checked: Vec<Checked> = Vec::new();
            for h in done {
                checked
                    .push(h.join().map_err(|_| TillError::Storage("a verification thread failed".into()))?);
            }
            let in_order =
                checked.iter().flat_map(|(part, results)| part.iter().zip(results.iter().cloned()));
            for ((seq, row), content) in in_order {
                let seq = *seq;
                let broken = |reason: String| Verdict::Broken { chain, seq, reason };
                if seq != expect_seq {
                    return settle(
                        in_flight.take(),
                        Verdict::Broken {
                            chain,
                            seq: expect_seq,
                            reason: format!("record {expect_seq} is missing (the next one is {seq})"),
                        },
                    );
                }
                if row.prev != prev_hash {
                    return settle(in_flight.take(), broken(
                        "its previous hash is not the hash of the record before it (removed, inserted or reordered)"
                            .into(),
                    ));
                }
                let kind = match content {
                    Ok(k) => k,
                    Err(reason) => return settle(in_flight.take(), broken(reason)),
                };
                let n = numbers.entry(kind).or_insert(0);
                if row.no != *n + 1 {
                    return settle(
                        in_flight.take(),
                        broken(format!(
                            "{} number {} follows {} (a gap or a repeat)",
                            kind.as_str(),
                            row.no,
                            n
                        )),
                    );
                }
                *n = row.no;
                if seq == 1 && chain == ChainName::Live {
                    let entry: Option<Entry> =
                        journal::decode(&row.bytes).ok().and_then(|(_, b)| serde_json::from_value(b).ok());
                    match entry {
                        Some(Entry::Initialised { public_key, .. })
                            if public_key == journal::hex(&id.public_key) => {}
                        _ => {
                            return settle(
                                in_flight.take(),
                                broken("the first record is not this till's initialisation".into()),
                            );
                        }
                    }
                }
                prev_hash = to32(&row.hash);
                expect_seq += 1;
                records += 1;
            }
        }
    }
    Ok(Verdict::Ok { records })
}

/// Returns `verdict` once the batch still being checked is done: no thread outlives [`verify`].
fn settle(in_flight: Option<Vec<Checking>>, verdict: Verdict) -> Result<Verdict, TillError> {
    for h in in_flight.into_iter().flatten() {
        let _ = h.join();
    }
    Ok(verdict)
}

/// Records checked together by [`verify`].
const BATCH: usize = 16_384;

/// A part of a batch with what each of its records says of itself (its kind, or why it is broken).
type Checked = (Vec<(u64, Row)>, Vec<Result<Kind, String>>);

/// One part of a batch being checked on its own thread; gives the part back with its results.
type Checking = std::thread::JoinHandle<Checked>;

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
            Err(e) => return Err(TillError::Storage(format!("cannot start a verification thread: {e}"))),
        }
    }
}

struct Row {
    kind: String,
    no: u64,
    at: String,
    bytes: Vec<u8>,
    prev: Vec<u8>,
    hash: Vec<u8>,
    sig: Vec<u8>,
}

struct Checker {
    key: VerifyingKey,
    till: String,
    chain: ChainName,
}

impl Checker {
    /// Checks what each record says of itself: its hash over its stated previous hash and bytes, its
    /// signature (batch-verified, then one by one if the batch fails, to name the bad one), canonical
    /// bytes, and the header matching the row. Links are checked by the caller.
    fn check_all(&self, part: &[(u64, Row)]) -> Vec<Result<Kind, String>> {
        let hashes: Vec<[u8; 32]> =
            part.iter().map(|(_, row)| journal::chain_hash(&to32(&row.prev), &row.bytes)).collect();
        let mut out: Vec<Result<Kind, String>> = part
            .iter()
            .zip(&hashes)
            .map(|((_, row), hash)| {
                if row.hash != hash {
                    return Err("its hash does not match its content (the record was altered)".to_string());
                }
                Signature::from_slice(&row.sig)
                    .map(|_| Kind::Event)
                    .map_err(|_| "its signature is malformed".to_string())
            })
            .collect();
        let candidates: Vec<usize> = (0..part.len()).filter(|&i| out[i].is_ok()).collect();
        let signatures: Vec<[u8; 64]> = candidates
            .iter()
            .map(|&i| <[u8; 64]>::try_from(part[i].1.sig.as_slice()).unwrap_or([0; 64]))
            .collect();
        let items: Vec<(&[u8], &[u8; 64])> =
            candidates.iter().zip(&signatures).map(|(&i, sig)| (&hashes[i][..], sig)).collect();
        if !crate::signer::verify_batch(&self.key, &items) {
            for (&i, sig) in candidates.iter().zip(&signatures) {
                if !crate::signer::verify_one(&self.key, &hashes[i], sig) {
                    out[i] =
                        Err("its signature is not this till's (forged or from another till)".to_string());
                }
            }
        }
        part.iter().zip(out).map(|((seq, row), r)| r.and_then(|_| self.header(*seq, row))).collect()
    }

    fn header(&self, seq: u64, row: &Row) -> Result<Kind, String> {
        // The signature already vouches for the bytes as the till wrote them (canonically); only the
        // header is read, the body skipped.
        #[derive(serde::Deserialize)]
        struct Only {
            header: Header,
        }
        let header = serde_json::from_slice::<Only>(&row.bytes)
            .map_err(|e| format!("its content is unreadable: {e}"))?
            .header;
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
        Ok(header.kind)
    }
}

/// Paths of a till's data folder.
pub fn receipts_dir(dir: &Path) -> PathBuf {
    dir.join("receipts")
}
