//! The till's SQLite file: schema and migrations, the append-only signed journal, the folder's lock,
//! and the read-only opening that `verify`, `report` and `status` use (its verification is
//! [`crate::verify`]).
//!
//! - WAL mode. A transaction that carries a fiscal record (anything but basket [`Kind::Operation`]s)
//!   commits with `synchronous=FULL`: the ticket is on disk before its receipt prints. Basket
//!   operations commit with `synchronous=NORMAL`: they survive a killed process (the WAL is in the OS's
//!   hands) and the next fiscal commit syncs them too; a power cut may lose the last scans of an unpaid
//!   basket, never a ticket.
//! - The `journal` table refuses UPDATE and DELETE (triggers), so a bug cannot alter history.
//! - Each record: canonical bytes ([`pos_journal`]), chained hash, Ed25519 signature of the hash
//!   with the till's key (`till.key` beside the database, owner-only).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use pos_journal::{self as journal, ChainName, GENESIS, Header, Kind};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::TillError;
use pos_journal::body::Entry;
use pos_journal::signature::RecordSigner;

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
    (
        // Loyalty balances may go below zero (a return takes back points already spent: the balance
        // is what the journal says, see ARCHITECTURE.md); the rows that let money out name the record
        // that last set them, which the engine reads back before using them.
        "2026-12-02-0900-anchored-projections",
        r#"
CREATE TABLE loyalty_anchored (customer TEXT PRIMARY KEY, points INTEGER NOT NULL, seq INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
INSERT INTO loyalty_anchored (customer, points) SELECT customer, points FROM loyalty;
DROP TABLE loyalty;
ALTER TABLE loyalty_anchored RENAME TO loyalty;
ALTER TABLE voucher ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE returned ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
-- The rows' seq are made by the replay: the till rebuilds its tables (journaled) at its next start.
UPDATE state SET json = json_remove(json, '$.made_from');
"#,
    ),
    (
        // The state row is sealed (HMAC with a key derived from the till's). A voucher's balance may
        // go below zero in a replay of a journal that spent one beyond it (the replay says so; a live
        // commit refuses it), so the table no longer refuses it.
        "2026-12-02-1400-sealed-state",
        r#"
ALTER TABLE state ADD COLUMN seal BLOB;
CREATE TABLE voucher_unbounded (number TEXT PRIMARY KEY, kind TEXT NOT NULL, balance INTEGER NOT NULL, seq INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
INSERT INTO voucher_unbounded (number, kind, balance, seq) SELECT number, kind, balance, seq FROM voucher;
DROP TABLE voucher;
ALTER TABLE voucher_unbounded RENAME TO voucher;
-- Sealed by the till itself when it rebuilds its tables (journaled) at its next start.
UPDATE state SET json = json_remove(json, '$.made_from');
"#,
    ),
    (
        // Receipts waiting for the printer (see `printing`): kept across a restart, printed once.
        // Not fiscal and not a projection: what a receipt says is in the journal.
        "2026-12-03-0900-print-queue",
        r#"
CREATE TABLE print_job (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    layout TEXT NOT NULL,
    made_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'sending')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
"#,
    ),
    (
        // What only grows with a till's age leaves the state row: each closed period and each
        // ticket's duplicates in a row of their own, written when they change, so that a scan on a
        // till three years old writes no more than on a new one. Filled by the rebuild (journaled)
        // the till makes at its next start.
        "2026-12-04-0900-closed-periods-and-duplicates",
        r#"
CREATE TABLE closed_period (period TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (period, key)) WITHOUT ROWID;
CREATE TABLE duplicate (ticket TEXT PRIMARY KEY, copies INTEGER NOT NULL, seq INTEGER NOT NULL) WITHOUT ROWID;
UPDATE state SET json = json_remove(json, '$.made_from', '$.closed_days', '$.closed_months', '$.duplicates');
"#,
    ),
    (
        // Head office: the link made at enrolment, the last acknowledgement of each chain, how the
        // last rounds went. The sync's own tables: it writes nothing else.
        "2026-12-05-0900-head-office",
        r#"
CREATE TABLE head_office (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    url TEXT NOT NULL,
    server_key BLOB NOT NULL,
    ca_pem TEXT,
    till TEXT NOT NULL,
    enrolled_at TEXT NOT NULL
);
CREATE TABLE ack (chain TEXT PRIMARY KEY, seq INTEGER NOT NULL, json TEXT NOT NULL, received_at TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE sync_progress (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
"#,
    ),
    (
        // Head office's stock levels as last pulled (thousandths), and how far they count this
        // till's own records. The sync's own tables.
        "2026-12-06-0900-stock-known",
        r#"
CREATE TABLE stock_known (sku TEXT NOT NULL, location TEXT NOT NULL, qty INTEGER NOT NULL, PRIMARY KEY (sku, location)) WITHOUT ROWID;
CREATE TABLE stock_pull (id INTEGER PRIMARY KEY CHECK (id = 1), upto INTEGER NOT NULL, till_seq INTEGER NOT NULL, at TEXT NOT NULL);
"#,
    ),
    (
        // The till's inbox: click & collect orders waiting at its store, as last pulled.
        "2026-12-06-1000-inbox",
        r#"
CREATE TABLE pickup (order_id TEXT PRIMARY KEY, json TEXT NOT NULL, received_at TEXT NOT NULL) WITHOUT ROWID;
"#,
    ),
    (
        // Head office's catalogue as last pulled (its entries, its version and hash), waiting for
        // the engine to apply it. The sync's own tables.
        "2026-12-06-1200-catalogue-mirror",
        r#"
CREATE TABLE catalogue_mirror (file TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (file, key)) WITHOUT ROWID;
CREATE TABLE catalogue_pull (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, hash TEXT NOT NULL, at TEXT NOT NULL);
"#,
    ),
    (
        // Customers beside the chain's files: this till's edits until head office has them, and
        // every customer's merged registers (its own edits and head office's). Not fiscal: kept
        // out of the journal so that an erasure reaches the till too.
        "2026-12-07-0900-customers",
        r#"
CREATE TABLE customer_edit (n INTEGER PRIMARY KEY AUTOINCREMENT, customer TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, at_ms INTEGER NOT NULL);
CREATE TABLE customer_known (id TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE customer_pull (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, at TEXT NOT NULL);
"#,
    ),
    (
        // Head office's latest messages to the store, as last pulled with the inbox.
        "2026-12-07-1000-messages",
        r#"
CREATE TABLE message (id INTEGER PRIMARY KEY, store TEXT, text TEXT NOT NULL, at_ms INTEGER NOT NULL);
"#,
    ),
];

/// The projection tables, emptied before a rebuild.
pub const PROJECTIONS: &[&str] =
    &["state", "voucher", "loyalty", "stock_delta", "returned", "closed_period", "duplicate"];

/// The projection tables as the latest migration makes them, for a replay into an empty database.
pub const PROJECTION_SCHEMA: &str = r#"
CREATE TABLE state (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL, seal BLOB);
CREATE TABLE voucher (number TEXT PRIMARY KEY, kind TEXT NOT NULL, balance INTEGER NOT NULL, seq INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE loyalty (customer TEXT PRIMARY KEY, points INTEGER NOT NULL, seq INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE stock_delta (sku TEXT PRIMARY KEY, delta TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE returned (ticket TEXT NOT NULL, line INTEGER NOT NULL, units INTEGER NOT NULL, seq INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (ticket, line)) WITHOUT ROWID;
CREATE TABLE closed_period (period TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (period, key)) WITHOUT ROWID;
CREATE TABLE duplicate (ticket TEXT PRIMARY KEY, copies INTEGER NOT NULL, seq INTEGER NOT NULL) WITHOUT ROWID;
"#;

/// The lock file that keeps a second process off a till's folder.
pub const LOCK_FILE: &str = "till.lock";

/// Holds a till's folder for this process: a second process (or a second engine in this one) that
/// opens the till to write is refused while this lives. The operating system lets go of it when the
/// process ends, however it ends.
#[derive(Debug)]
pub struct FolderLock {
    _file: fs::File,
}

/// Takes the folder's lock, or says which process holds it.
pub fn lock_folder(dir: &Path) -> Result<FolderLock, TillError> {
    use std::io::{Read, Seek, Write};
    let path = dir.join(LOCK_FILE);
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| TillError::storage(format!("cannot open {}: {e}", path.display())))?;
    // A process of ours being started holds a copy of the descriptor between its fork and its exec
    // (the descriptor closes on exec): a lock held that briefly is waited for, a till that runs is not.
    let mut tries = 0;
    let locked = loop {
        match file.try_lock() {
            Err(fs::TryLockError::WouldBlock) if tries < 25 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => break other,
        }
    };
    match locked {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            let pid = pid.trim();
            return Err(TillError::refused(format!(
                "the till in {} is already running (pid {}): use that one, or close it first",
                dir.display(),
                if pid.is_empty() { "unknown" } else { pid }
            )));
        }
        Err(fs::TryLockError::Error(e)) => {
            return Err(TillError::storage(format!("cannot lock {}: {e}", path.display())));
        }
    }
    // Who holds it, for the message a second process gets; the lock itself is what counts.
    let written = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| write!(file, "{}", std::process::id()))
        .and_then(|()| file.flush());
    written.map_err(|e| TillError::storage(format!("cannot write {}: {e}", path.display())))?;
    Ok(FolderLock { _file: file })
}

/// A till's database opened to read only, for `verify`, `report`, `status` (an inspector's copy on
/// a DVD or a USB key, or a till running meanwhile). Nothing is migrated or written.
pub struct ReadOnly {
    /// The connection.
    pub conn: Connection,
    /// A copy made where the folder could not be read in place (kept until this is dropped).
    _copy: Option<TempCopy>,
}

struct TempCopy(PathBuf);

impl Drop for TempCopy {
    fn drop(&mut self) {
        if let Err(e) = fs::remove_dir_all(&self.0) {
            tracing::warn!("cannot remove the read-only copy {}: {e}", self.0.display());
        }
    }
}

/// The `file:` URI of a path, for SQLite's URI parameters.
pub fn uri(path: &Path) -> String {
    let mut out = String::from("file:");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'%' | b'?' | b'#' => out.push_str(&format!("%{b:02X}")),
            _ => out.push(char::from(b)),
        }
    }
    out
}

/// Opens the database in `dir` to read only: in place (`mode=ro`) where SQLite can share the WAL's
/// index (a till running meanwhile included); on read-only media, as an immutable file when its WAL
/// holds nothing, or else from a copy in a temporary folder, where the WAL's records are read too.
pub fn open_read_only(dir: &Path) -> Result<ReadOnly, TillError> {
    use rusqlite::OpenFlags;
    let db = dir.join(DB_FILE);
    if !db.is_file() {
        return Err(TillError::refused(format!(
            "{} holds no till: check --data, or set one up with `pos-till init`",
            dir.display()
        )));
    }
    let flags =
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let cannot = |e: rusqlite::Error| TillError::storage(format!("cannot read {}: {e}", db.display()));
    let usable =
        |c: &Connection| c.query_row("SELECT COUNT(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0));
    if let Ok(conn) = Connection::open_with_flags(format!("{}?mode=ro", uri(&db)), flags)
        && usable(&conn).is_ok()
    {
        return Ok(ReadOnly { conn, _copy: None });
    }
    let pending = fs::metadata(dir.join("till.db-wal")).is_ok_and(|m| m.len() > 0);
    if !pending {
        let conn = Connection::open_with_flags(format!("{}?immutable=1", uri(&db)), flags).map_err(cannot)?;
        usable(&conn).map_err(cannot)?;
        return Ok(ReadOnly { conn, _copy: None });
    }
    let tmp = std::env::temp_dir().join(format!("pos-till-read-{}-{}", std::process::id(), nonce()));
    fs::create_dir_all(&tmp)
        .map_err(|e| TillError::storage(format!("cannot create {}: {e}", tmp.display())))?;
    let copy = TempCopy(tmp.clone());
    for f in [DB_FILE, "till.db-wal"] {
        fs::copy(dir.join(f), tmp.join(f)).map_err(|e| {
            TillError::storage(format!("cannot copy {} to read it: {e}", dir.join(f).display()))
        })?;
    }
    let conn = Connection::open(tmp.join(DB_FILE)).map_err(cannot)?;
    usable(&conn).map_err(cannot)?;
    Ok(ReadOnly { conn, _copy: Some(copy) })
}

fn nonce() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

/// Opens (or creates) the database in `dir` and brings its schema up to date.
pub fn open_db(dir: &Path) -> Result<Connection, TillError> {
    let path = dir.join(DB_FILE);
    let conn = Connection::open(&path)
        .map_err(|e| TillError::storage(format!("cannot open {}: {e}", path.display())))?;
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
        return Err(TillError::refused(format!(
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
        return Err(TillError::refused(format!(
            "{} already exists: this folder already holds a till; use another --data folder",
            path.display()
        )));
    }
    create_key_file(&path)
}

/// Creates a new signing key in the file `path` (owner-only permissions, synced).
pub fn create_key_file(path: &Path) -> Result<SigningKey, TillError> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| TillError::storage(format!("no randomness for the key: {e}")))?;
    let key = SigningKey::from_bytes(&secret);
    write_private(path, journal::hex(&secret).as_bytes())?;
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
        .map_err(|e| TillError::storage(format!("cannot write {}: {e}", path.display())))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| TillError::storage(format!("cannot write {}: {e}", path.display())))
}

/// Syncs a folder, so that a file created or renamed in it survives a power cut.
pub fn sync_folder(dir: &Path) -> Result<(), TillError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| TillError::storage(format!("cannot sync {}: {e}", dir.display())))
}

/// Reads the till's signing key from `dir`.
pub fn read_key(dir: &Path) -> Result<SigningKey, TillError> {
    read_key_file(&dir.join(KEY_FILE))
}

/// Reads a signing key from the file `path`.
pub fn read_key_file(path: &Path) -> Result<SigningKey, TillError> {
    let text = fs::read_to_string(path).map_err(|e| {
        TillError::storage(format!(
            "cannot read the till's key {}: {e}; restore it from the till's backup",
            path.display()
        ))
    })?;
    let bytes = journal::unhex(text.trim())
        .filter(|b| b.len() == 32)
        .ok_or_else(|| TillError::storage(format!("{} is not a till key (64 hex digits)", path.display())))?;
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
    .ok_or_else(|| TillError::refused("this folder holds no till: run `pos-till init` first"))
}

/// The head of each chain and the last number of each kind: where the next record goes.
#[derive(Clone, Debug, Default)]
pub struct Heads {
    chains: HashMap<ChainName, (u64, [u8; 32], [u8; 64])>,
    numbers: HashMap<(ChainName, Kind), u64>,
    last_at: HashMap<ChainName, String>,
}

impl Heads {
    /// Reads the heads from the journal.
    pub fn load(conn: &Connection) -> Result<Heads, TillError> {
        let mut heads = Heads::default();
        let mut stmt = conn.prepare(
            "SELECT j.chain, j.seq, j.hash, j.at, j.sig FROM journal j
             JOIN (SELECT chain, MAX(seq) AS seq FROM journal GROUP BY chain) m ON m.chain = j.chain AND m.seq = j.seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Vec<u8>>(4)?,
            ))
        })?;
        for row in rows {
            let (chain, seq, hash, at, sig) = row?;
            let chain = ChainName::parse(&chain)
                .ok_or_else(|| TillError::storage(format!("unknown chain `{chain}`")))?;
            heads.chains.insert(chain, (seq, to32(&hash), to64(&sig)));
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

    /// The last record of `chain`: seq, hash and signature.
    pub fn head(&self, chain: ChainName) -> Option<(u64, [u8; 32], [u8; 64])> {
        self.chains.get(&chain).copied()
    }

    /// The live chain's last seq and hash, and the training chain's, as `(seq, hash)` pairs.
    pub fn marks(&self) -> [(ChainName, Option<Mark>); 2] {
        [ChainName::Live, ChainName::Training].map(|c| (c, self.chains.get(&c).map(|h| (h.0, h.1))))
    }

    /// The time of the last record on `chain`.
    pub fn last_at(&self, chain: ChainName) -> Option<&str> {
        self.last_at.get(&chain).map(String::as_str)
    }
}

fn to64(b: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    if b.len() == 64 {
        out.copy_from_slice(b);
    }
    out
}

fn to32(b: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    if b.len() == 32 {
        out.copy_from_slice(b);
    }
    out
}

/// A chain's last record: its seq and hash.
pub type Mark = (u64, [u8; 32]);

/// Appends one record inside `tx`, advancing `heads` (the caller keeps the old heads if the
/// transaction rolls back). Returns its header and hash.
pub fn append(
    tx: &Transaction<'_>,
    heads: &mut Heads,
    signer: &RecordSigner,
    till: &str,
    chain: ChainName,
    at: &str,
    entry: &Entry,
) -> Result<(Header, [u8; 32]), TillError> {
    let kind = entry.kind();
    let (seq, prev) = heads.chains.get(&chain).map_or((1, GENESIS), |&(s, h, _)| (s + 1, h));
    let no = heads.next_no(chain, kind);
    let header =
        Header { v: journal::FORMAT, till: till.to_owned(), chain, seq, kind, no, at: at.to_owned() };
    let body = serde_json::to_value(entry)
        .map_err(|e| TillError::storage(format!("cannot encode a record: {e}")))?;
    let bytes = journal::encode(&header, &body).map_err(|e| TillError::storage(e.to_string()))?;
    let hash = journal::chain_hash(&prev, &bytes);
    let sig = signer.sign(&hash);
    tx.prepare_cached(
        "INSERT INTO journal (chain, seq, kind, no, at, bytes, prev, hash, sig) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![chain.as_str(), seq, kind.as_str(), no, at, bytes, &prev[..], &hash[..], &sig.to_bytes()[..]])
    .map_err(|e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => TillError::storage(format!(
            "record {} of the {} chain was written by another process meanwhile ({e}): a second till runs \
             on this folder (its lock file removed?); close both and start one",
            seq,
            chain.as_str()
        )),
        _ => TillError::from(e),
    })?;
    heads.chains.insert(chain, (seq, hash, sig.to_bytes()));
    heads.numbers.insert((chain, kind), no);
    heads.last_at.insert(chain, at.to_owned());
    Ok((header, hash))
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

/// The records of one kind on `chain` from seq `from` on, in order.
pub fn records_of_kind_from(
    conn: &Connection,
    chain: ChainName,
    kind: Kind,
    from: u64,
) -> Result<Vec<Stored>, TillError> {
    let mut stmt = conn.prepare_cached(
        "SELECT bytes, prev, hash, sig FROM journal WHERE chain = ?1 AND kind = ?2 AND seq >= ?3 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![chain.as_str(), kind.as_str(), from], stored_row)?;
    rows.map(|r| decode_stored(r?)).collect()
}

type RawRecord = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

fn stored_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRecord> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn decode_stored((bytes, prev, hash, sig): RawRecord) -> Result<Stored, TillError> {
    let bad = |e: String| TillError::storage(format!("a journal record: {e}"));
    let (header, body) = journal::decode(&bytes).map_err(|e| bad(e.to_string()))?;
    let entry: Entry = serde_json::from_value(body).map_err(|e| bad(e.to_string()))?;
    let mut s = [0u8; 64];
    if sig.len() == 64 {
        s.copy_from_slice(&sig);
    }
    Ok(Stored { header, entry, bytes, prev: to32(&prev), hash: to32(&hash), sig: s })
}

/// Paths of a till's data folder.
pub fn receipts_dir(dir: &Path) -> PathBuf {
    dir.join("receipts")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A migration, once merged, is never edited (a till that ran it would never run it again): its
    /// text is frozen here. A change of schema is a new migration.
    #[test]
    fn migrations_are_never_edited() {
        let frozen: &[(&str, &str)] = &[
            ("2026-11-28-1200-journal", "ba988ad5c1e3e4179c086aca18fbd1114b9d76fd4ea13fc2b48c8f81f03cd89d"),
            (
                "2026-11-28-1800-journal-rowid",
                "1d0f75e01432424eb23b2bdc497b5656c20bf515bfec2ca886ad82f6eaffc740",
            ),
            (
                "2026-12-02-0900-anchored-projections",
                "f311899896f27c104832e25e79ed49408fd9fed4cc882f68640bc91de13b7072",
            ),
            (
                "2026-12-02-1400-sealed-state",
                "b064fe3ab086196d7535bc80fccfa2be680a429b8e089472a625b936f2ee438a",
            ),
            (
                "2026-12-03-0900-print-queue",
                "635b42292912e1789fa2be1a81cf789702984f5a8d23b532fd4f1266d19e2a09",
            ),
            (
                "2026-12-04-0900-closed-periods-and-duplicates",
                "10f4529b8f11412ec08a174afed573397d435aba7bed128c9c08f419786c19b6",
            ),
            (
                "2026-12-05-0900-head-office",
                "74fe97809c402e5de4fc94b515f060e0ef1c98cdbdd641c116b6b4bc0f06f2d4",
            ),
            (
                "2026-12-06-0900-stock-known",
                "dd53e4b3d9135898568bc4d5d773b8f5da5346e14d4425353b2add0c5bae5541",
            ),
            ("2026-12-06-1000-inbox", "c74858b14ce7c813f68e012c328e7009b18e8fb23f42a6132e9022a4f0e3b52f"),
            (
                "2026-12-06-1200-catalogue-mirror",
                "aa486f8d67beec7c5ff20e713a50e293d5c49da26700c49e2b14b3b9e3af5d07",
            ),
            ("2026-12-07-0900-customers", "65d555e2834fcfcf4cd84dddc3309029f24e70600a196e170b627ee224989f32"),
            ("2026-12-07-1000-messages", "1bef1e1ab99ff15de9460551e33125436f55ff0fc3f730a63a5140b1f46eb5bb"),
        ];
        let now: Vec<(&str, String)> = MIGRATIONS
            .iter()
            .map(|(id, sql)| (*id, journal::hex(&journal::sha256(sql.as_bytes()))))
            .collect();
        for ((id, hash), (frozen_id, frozen_hash)) in now.iter().zip(frozen) {
            assert_eq!(
                (id, hash.as_str()),
                (frozen_id, *frozen_hash),
                "migration {id} was edited: add a new one"
            );
        }
        assert_eq!(now.len(), frozen.len(), "a new migration: freeze its text here too");
    }
}
