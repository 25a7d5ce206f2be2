//! The SQLite backend: one file in the data folder, WAL, `synchronous=FULL` (a batch acknowledged is
//! on disk), one connection behind a mutex, each call on tokio's blocking pool.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use pos_journal::ChainName;
use pos_sync::push::{Batch, Stream, Taken, follow_live_keys};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{
    CodeRow, CodeStep, EnrolRefusal, NewEnrolment, Pushed, StorageError, StreamRow, TillRow, code_step,
    db_int, held_range, plan, record_rows, stream_from_row, stream_to_row, till_step,
};

/// The database file's name in the data folder.
pub const DB_FILE: &str = "server.db";

/// Migrations: an id and its SQL. Never edit one once merged: add another.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "2026-12-05-0900-tills-and-streams",
        r#"
CREATE TABLE till (
    till TEXT PRIMARY KEY,
    store TEXT NOT NULL,
    number INTEGER NOT NULL,
    journal_key BLOB NOT NULL,
    enrolled_ms INTEGER NOT NULL
);
CREATE TABLE enrolment (
    code_hash BLOB PRIMARY KEY,
    store TEXT NOT NULL,
    number INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    used_ms INTEGER,
    used_key BLOB
);
CREATE TABLE stream (
    till TEXT NOT NULL REFERENCES till (till),
    chain TEXT NOT NULL,
    state TEXT NOT NULL,
    quarantine TEXT,
    last_seq INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (till, chain)
);
CREATE TABLE record (
    till TEXT NOT NULL,
    chain TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    no INTEGER NOT NULL,
    at TEXT NOT NULL,
    bytes BLOB NOT NULL,
    prev BLOB NOT NULL,
    hash BLOB NOT NULL,
    sig BLOB NOT NULL,
    received_ms INTEGER NOT NULL,
    PRIMARY KEY (till, chain, seq)
);
CREATE TRIGGER record_append_only_u BEFORE UPDATE ON record
BEGIN SELECT RAISE(ABORT, 'records received are never changed'); END;
CREATE TRIGGER record_append_only_d BEFORE DELETE ON record
BEGIN SELECT RAISE(ABORT, 'records received are never deleted'); END;
CREATE TABLE nonce (
    till TEXT NOT NULL,
    nonce TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (till, nonce)
);
CREATE INDEX nonce_at ON nonce (at_ms);
"#,
    ),
    (
        // Stock: every movement, never changed; a level is the sum of a location's movements.
        "2026-12-06-0900-stock",
        r#"
CREATE TABLE movement (
    id INTEGER PRIMARY KEY,
    location TEXT NOT NULL,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX movement_item ON movement (sku, location);
CREATE UNIQUE INDEX movement_office_once ON movement (source, sku, location, kind) WHERE source LIKE 'office:%';
CREATE TRIGGER movement_append_only_u BEFORE UPDATE ON movement
BEGIN SELECT RAISE(ABORT, 'stock movements are never changed: record another'); END;
CREATE TRIGGER movement_append_only_d BEFORE DELETE ON movement
BEGIN SELECT RAISE(ABORT, 'stock movements are never deleted: record another'); END;
"#,
    ),
    (
        // Web orders: as the shop sent them, their lines, where each stands; the shop's tokens.
        "2026-12-06-1000-web-orders",
        r#"
CREATE TABLE web_order (
    order_id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    fulfilment TEXT NOT NULL,
    store TEXT,
    state TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    collected_by TEXT,
    collected_ms INTEGER
);
CREATE INDEX web_order_pickup ON web_order (store, state);
CREATE TABLE web_order_line (
    order_id TEXT NOT NULL REFERENCES web_order (order_id),
    line INTEGER NOT NULL,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL,
    unit_cents INTEGER NOT NULL,
    PRIMARY KEY (order_id, line)
);
CREATE INDEX web_order_line_sku ON web_order_line (sku);
CREATE TABLE shop_token (token_hash BLOB PRIMARY KEY, name TEXT NOT NULL, created_ms INTEGER NOT NULL);
"#,
    ),
    (
        // Balances and their spending rights (escrow): each balance as head office knows it, who
        // holds its rights (`HO` or a till), and the rights granted to tills on request.
        "2026-12-06-1100-rights",
        r#"
CREATE TABLE voucher (number TEXT PRIMARY KEY, kind TEXT NOT NULL, balance INTEGER NOT NULL);
CREATE TABLE holding (number TEXT NOT NULL, holder TEXT NOT NULL, held INTEGER NOT NULL, PRIMARY KEY (number, holder));
CREATE TABLE rights_grant (
    till TEXT NOT NULL,
    request TEXT NOT NULL,
    number TEXT NOT NULL,
    amount INTEGER NOT NULL,
    after_seq INTEGER NOT NULL,
    state TEXT NOT NULL,
    granted_ms INTEGER NOT NULL,
    PRIMARY KEY (till, request)
);
CREATE INDEX rights_grant_pending ON rights_grant (till, state);
"#,
    ),
    (
        // The chain's catalogue as head office sends it: entries, each with the version that last
        // changed it (a removed one kept with no body), and each version's hash.
        "2026-12-06-1200-catalogue",
        r#"
CREATE TABLE catalogue_entry (file TEXT NOT NULL, key TEXT NOT NULL, body TEXT, version INTEGER NOT NULL, PRIMARY KEY (file, key));
CREATE INDEX catalogue_entry_version ON catalogue_entry (version);
CREATE TABLE catalogue_version (version INTEGER PRIMARY KEY, hash BLOB NOT NULL, changed INTEGER NOT NULL, at_ms INTEGER NOT NULL);
"#,
    ),
    (
        // Each location's level of each item, kept with its movements in their transaction (the
        // sum of them, by construction), and the last movement that moved it: a till's pull reads
        // the levels that moved, not every movement.
        "2026-12-06-1300-stock-levels",
        r#"
CREATE TABLE stock_level (location TEXT NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL, last_movement INTEGER NOT NULL, PRIMARY KEY (location, sku));
CREATE INDEX stock_level_moved ON stock_level (last_movement);
CREATE INDEX stock_level_sku ON stock_level (sku);
INSERT INTO stock_level (location, sku, qty, last_movement) SELECT location, sku, SUM(qty), MAX(id) FROM movement GROUP BY location, sku;
"#,
    ),
    (
        // The loyalty points each customer of the chain's files opened with, once (their balance
        // and its rights are in `voucher` and `holding`, as `points:` and the customer's id).
        "2026-12-07-0900-points-opened",
        r#"
CREATE TABLE points_opened (customer TEXT PRIMARY KEY, points INTEGER NOT NULL);
"#,
    ),
    (
        // Units of web orders brought back, per till that took them.
        "2026-12-07-1100-web-returns",
        r#"
CREATE TABLE web_return (order_id TEXT NOT NULL, line INTEGER NOT NULL, till TEXT NOT NULL, units INTEGER NOT NULL, PRIMARY KEY (order_id, line, till));
"#,
    ),
    (
        // The requests' nonces moved to a file of their own (`Db::nonces`).
        "2026-12-07-1150-nonces-apart",
        r#"
DROP TABLE nonce;
"#,
    ),
    (
        // Customers as head office merged the tills' edits (`pos_sync::customers`), each with the
        // version that last changed them.
        "2026-12-07-1200-customers",
        r#"
CREATE TABLE customer_state (id TEXT PRIMARY KEY, json TEXT NOT NULL, version INTEGER NOT NULL);
CREATE INDEX customer_state_version ON customer_state (version);
"#,
    ),
    (
        // Head office's messages to a store's tills (no store: to every store).
        "2026-12-07-1300-messages",
        r#"
CREATE TABLE message (id INTEGER PRIMARY KEY, store TEXT, text TEXT NOT NULL, at_ms INTEGER NOT NULL);
"#,
    ),
    (
        // Receipts e-mailed at the tills, until the relay takes them.
        "2026-12-08-0900-receipt-mail",
        r#"
CREATE TABLE receipt_mail (till TEXT NOT NULL, seq INTEGER NOT NULL, ticket TEXT NOT NULL, to_addr TEXT NOT NULL, body TEXT NOT NULL, tries INTEGER NOT NULL, sent_ms INTEGER, error TEXT, next_ms INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (till, seq));
CREATE INDEX receipt_mail_waiting ON receipt_mail (sent_ms, next_ms);
"#,
    ),
    (
        // Where each pushed ticket is, and the units each till took back of each sold line: a
        // till takes back another till's ticket through head office.
        "2026-12-08-1000-ticket-returns",
        r#"
CREATE TABLE ticket_ref (reference TEXT PRIMARY KEY, till TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE ticket_return (ticket TEXT NOT NULL, line INTEGER NOT NULL, till TEXT NOT NULL, units INTEGER NOT NULL, PRIMARY KEY (ticket, line, till));
"#,
    ),
    (
        // Head office's books: entries, their counters, the stock's cost, the poster's feeds, the
        // bank's lines and matches.
        "2026-12-09-0900-books",
        super::books::SQLITE_SCHEMA,
    ),
    (
        // The admin page: users, sessions, the audit log; tickets by day (the dashboard).
        "2026-12-10-0900-admin",
        super::admin::SQLITE_SCHEMA,
    ),
    (
        // A bank match undone from the admin page: what it was, kept; the source of the bank entry
        // each match posted (a line matched again posts under a new one).
        "2026-12-10-0910-bank-unmatch",
        super::books::BANK_UNMATCH,
    ),
];

/// Connections that only read, beside the one that writes (WAL lets them read while it writes).
const READERS: usize = 2;

/// The SQLite database: one connection writes, a few read, each behind its lock; the requests'
/// nonces are in a file of their own (written without waiting for the disk), so that checking a
/// request neither waits for a batch being written nor makes it wait.
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    nonces: Arc<Mutex<Connection>>,
    readers: Vec<Arc<Mutex<Connection>>>,
    next_reader: std::sync::atomic::AtomicUsize,
}

impl Db {
    /// Opens (creating and migrating) the file at `path`.
    pub fn open(path: &Path) -> Result<Db, StorageError> {
        let mut conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;
             PRAGMA cache_size = -65536;",
        )?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS migration (id TEXT PRIMARY KEY, at_ms INTEGER NOT NULL)",
        )?;
        for (id, sql) in MIGRATIONS {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let done: bool =
                tx.query_row("SELECT COUNT(*) > 0 FROM migration WHERE id = ?1", [id], |r| r.get(0))?;
            if !done {
                tx.execute_batch(sql)?;
                tx.execute("INSERT INTO migration (id, at_ms) VALUES (?1, 0)", [id])?;
            }
            tx.commit()?;
        }
        let readers = (0..READERS)
            .map(|_| {
                let r = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
                r.execute_batch("PRAGMA busy_timeout = 10000; PRAGMA cache_size = -65536;")?;
                Ok(Arc::new(Mutex::new(r)))
            })
            .collect::<Result<_, StorageError>>()?;
        let nonces = Connection::open(nonce_file(path))?;
        // A nonce lost to a power cut only lets a request of the last minutes be replayed, which
        // stores nothing twice.
        nonces.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000;
             CREATE TABLE IF NOT EXISTS nonce (till TEXT NOT NULL, nonce TEXT NOT NULL, at_ms INTEGER NOT NULL,
                 PRIMARY KEY (till, nonce));
             CREATE INDEX IF NOT EXISTS nonce_at ON nonce (at_ms);",
        )?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
            nonces: Arc::new(Mutex::new(nonces)),
            readers,
            next_reader: Default::default(),
        })
    }

    /// Runs `f` on the connection that writes.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        Self::on(Arc::clone(&self.conn), f).await
    }

    /// Runs `f`, which only reads, on one of the reading connections.
    pub(super) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        let i = self.next_reader.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % self.readers.len();
        Self::on(Arc::clone(&self.readers[i]), f).await
    }

    async fn on<T: Send + 'static>(
        conn: Arc<Mutex<Connection>>,
        f: impl FnOnce(&mut Connection) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock rolled its transaction back: the connection is sound.
            let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| StorageError(format!("a database task stopped: {e}")))?
    }

    pub(super) async fn add_enrolment(&self, e: &NewEnrolment) -> Result<(), StorageError> {
        let e = e.clone();
        self.run(move |c| {
            c.execute(
                "INSERT INTO enrolment (code_hash, store, number, expires_ms) VALUES (?1, ?2, ?3, ?4)",
                params![&e.code_hash[..], e.store, e.number, e.expires_ms],
            )?;
            Ok(())
        })
        .await
    }

    pub(super) async fn enrol(
        &self,
        code_hash: [u8; 32],
        asking: String,
        key: [u8; 32],
        now_ms: i64,
    ) -> Result<Result<TillRow, EnrolRefusal>, StorageError> {
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let code = tx
                .query_row(
                    "SELECT store, number, expires_ms, used_key FROM enrolment WHERE code_hash = ?1",
                    [&code_hash[..]],
                    |r| Ok(CodeRow { store: r.get(0)?, number: r.get(1)?, expires_ms: r.get(2)?, used_key: r.get(3)? }),
                )
                .optional()?;
            let row = match code_step(code, &asking, key, now_ms) {
                CodeStep::Done(answer) => return Ok(answer),
                CodeStep::Spend(row) => row,
            };
            let existing: Option<Vec<u8>> =
                tx.query_row("SELECT journal_key FROM till WHERE till = ?1", [&row.till], |r| r.get(0)).optional()?;
            match till_step(existing.as_deref(), key) {
                Err(refusal) => return Ok(Err(refusal)),
                Ok(false) => {}
                Ok(true) => {
                    tx.execute(
                        "INSERT INTO till (till, store, number, journal_key, enrolled_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![row.till, row.store, row.number, &key[..], now_ms],
                    )?;
                }
            }
            tx.execute(
                "UPDATE enrolment SET used_ms = ?2, used_key = ?3 WHERE code_hash = ?1",
                params![&code_hash[..], now_ms, &key[..]],
            )?;
            tx.commit()?;
            Ok(Ok(row))
        })
        .await
    }

    pub(super) async fn till(&self, till: &str) -> Result<Option<TillRow>, StorageError> {
        let till = till.to_owned();
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT till, store, number, journal_key FROM till WHERE till = ?1",
                [&till],
                |r| {
                    let key: Vec<u8> = r.get(3)?;
                    Ok(TillRow {
                        till: r.get(0)?,
                        store: r.get(1)?,
                        number: r.get(2)?,
                        journal_key: key.try_into().unwrap_or([0; 32]),
                    })
                },
            )
            .optional()?)
        })
        .await
    }

    pub(super) async fn note_nonce(
        &self,
        till: &str,
        nonce: &str,
        at_ms: i64,
        forget_before_ms: i64,
    ) -> Result<bool, StorageError> {
        let (till, nonce) = (till.to_owned(), nonce.to_owned());
        Self::on(Arc::clone(&self.nonces), move |c| {
            let tx = c.transaction()?;
            tx.execute("DELETE FROM nonce WHERE at_ms < ?1", [forget_before_ms])?;
            let n = tx.execute(
                "INSERT INTO nonce (till, nonce, at_ms) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![till, nonce, at_ms],
            )?;
            tx.commit()?;
            Ok(n == 1)
        })
        .await
    }

    /// A push in three steps, so that the checking (hashes, signatures: most of the work) runs off
    /// the connection's lock, beside other tills' writes: the stream and the hashes it already holds
    /// are read; the batch is checked on the blocking pool; it is written if the stream has not moved
    /// meanwhile (another push of the same till at once), else taken again from the start.
    pub(super) async fn push(
        &self,
        till: TillRow,
        batch: Batch,
        now_ms: i64,
    ) -> Result<Pushed, StorageError> {
        let till = Arc::new(till);
        let batch = Arc::new(batch);
        for _ in 0..5 {
            let (t, b) = (Arc::clone(&till), Arc::clone(&batch));
            let (before, stream, held) = self.read(move |c| read_stream(c, &t, &b)).await?;
            let b = Arc::clone(&batch);
            let taken = tokio::task::spawn_blocking(move || plan(&stream, &b, &held))
                .await
                .map_err(|e| StorageError(format!("a check stopped: {e}")))?;
            let taken = match taken {
                Ok(t) => t,
                Err(refusal) => return Ok(Pushed::Refused(refusal)),
            };
            let (t, b) = (Arc::clone(&till), Arc::clone(&batch));
            if let Some(pushed) = self.run(move |c| write_taken(c, &t, &b, before, taken, now_ms)).await? {
                return Ok(pushed);
            }
        }
        Err(StorageError(format!("till {}'s stream kept moving under this batch: send it again", till.till)))
    }

    pub(super) async fn streams(&self, till: &str) -> Result<Vec<StreamRow>, StorageError> {
        let till = till.to_owned();
        self.read(move |c| {
            let mut stmt =
                c.prepare("SELECT chain, state, quarantine FROM stream WHERE till = ?1 ORDER BY chain")?;
            let rows = stmt.query_map([&till], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))
            })?;
            let mut out = Vec::new();
            for r in rows {
                let (chain, state, q) = r?;
                let chain = ChainName::parse(&chain)
                    .ok_or_else(|| StorageError(format!("a stream of unknown chain `{chain}`")))?;
                out.push(StreamRow { chain, stream: stream_from_row(&state, q.as_deref())? });
            }
            Ok(out)
        })
        .await
    }

    pub(super) async fn tills(&self) -> Result<Vec<TillRow>, StorageError> {
        self.read(move |c| {
            let mut stmt = c.prepare("SELECT till, store, number, journal_key FROM till ORDER BY till")?;
            let rows = stmt.query_map([], |r| {
                let key: Vec<u8> = r.get(3)?;
                Ok(TillRow {
                    till: r.get(0)?,
                    store: r.get(1)?,
                    number: r.get(2)?,
                    journal_key: key.try_into().unwrap_or([0; 32]),
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    pub(super) async fn record_count(&self, till: &str, chain: ChainName) -> Result<u64, StorageError> {
        let till = till.to_owned();
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM record WHERE till = ?1 AND chain = ?2",
                params![till, chain.as_str()],
                |r| r.get(0),
            )?)
        })
        .await
    }
}

/// The file of the requests' nonces, beside the database (`server.sqlite` → `server-nonces.sqlite`).
fn nonce_file(path: &Path) -> std::path::PathBuf {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("server");
    path.with_file_name(format!("{stem}-nonces.sqlite"))
}

/// A stream as stored (its state's text, to see whether it moved), read, and the hashes of the
/// batch's records it already holds.
type ReadStream = (Option<String>, Stream, HashMap<u64, [u8; 32]>);

fn read_stream(c: &mut Connection, till: &TillRow, batch: &Batch) -> Result<ReadStream, StorageError> {
    let tx = c.transaction()?;
    let row: Option<(String, Option<String>)> = tx
        .query_row(
            "SELECT state, quarantine FROM stream WHERE till = ?1 AND chain = ?2",
            params![till.till, batch.chain.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let mut stream = match &row {
        Some((state, q)) => stream_from_row(state, q.as_deref())?,
        None => Stream::new(&till.till, batch.chain, till.journal_key)
            .ok_or_else(|| StorageError(format!("till {}'s registered key does not read", till.till)))?,
    };
    if batch.chain == ChainName::Training {
        let live: Option<String> = tx
            .query_row("SELECT state FROM stream WHERE till = ?1 AND chain = 'live'", [&till.till], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(live) = live {
            follow_live_keys(&mut stream, &stream_from_row(&live, None)?);
        }
    }
    let mut held = HashMap::new();
    if let Some((from, to)) = held_range(&stream, batch) {
        let mut stmt = tx.prepare_cached(
            "SELECT seq, hash FROM record WHERE till = ?1 AND chain = ?2 AND seq BETWEEN ?3 AND ?4",
        )?;
        let rows = stmt
            .query_map(params![till.till, batch.chain.as_str(), db_int(from)?, db_int(to)?], |r| {
                Ok((r.get::<_, u64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?;
        for r in rows {
            let (seq, hash) = r?;
            held.insert(seq, hash.try_into().unwrap_or([0; 32]));
        }
    }
    Ok((row.map(|(state, _)| state), stream, held))
}

/// Writes what a batch did, if the stream is still as it was read (`None` otherwise).
fn write_taken(
    c: &mut Connection,
    till: &TillRow,
    batch: &Batch,
    before: Option<String>,
    taken: Taken,
    now_ms: i64,
) -> Result<Option<Pushed>, StorageError> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now: Option<String> = tx
        .query_row(
            "SELECT state FROM stream WHERE till = ?1 AND chain = ?2",
            params![till.till, batch.chain.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    if now != before {
        return Ok(None);
    }
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO record (till, chain, seq, kind, no, at, bytes, prev, hash, sig, received_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        for r in record_rows(batch, &taken) {
            insert.execute(params![
                till.till,
                batch.chain.as_str(),
                db_int(r.seq)?,
                r.kind,
                db_int(r.no)?,
                r.at,
                r.bytes,
                r.prev,
                &r.hash[..],
                r.sig,
                now_ms
            ])?;
        }
    }
    if batch.chain == ChainName::Live {
        super::stock::insert_sqlite(&tx, &super::stock::ticket_moves(till, &taken.accepted), now_ms)?;
        super::web::collect_sqlite(&tx, &super::web::handed_over(till, &taken.accepted), now_ms)?;
        super::rights::apply_sqlite(&tx, till, &taken.accepted)?;
        super::web_returns::record_sqlite(&tx, till, &taken.accepted)?;
        super::mail::queue_sqlite(&tx, till, &taken.accepted)?;
        super::tickets::record_sqlite(&tx, till, &taken.accepted)?;
    }
    let (state, quarantine) = stream_to_row(&taken.stream);
    tx.execute(
        "INSERT INTO stream (till, chain, state, quarantine, last_seq, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (till, chain) DO UPDATE SET state = ?3, quarantine = ?4, last_seq = ?5, updated_ms = ?6",
        params![till.till, batch.chain.as_str(), state, quarantine, db_int(taken.stream.last_seq())?, now_ms],
    )?;
    tx.commit()?;
    Ok(Some(Pushed::Taken {
        accepted: taken.accepted.len() as u64,
        duplicates: taken.duplicates,
        stream: taken.stream,
    }))
}
