//! The PostgreSQL backend: a few connections, each behind a lock, a call taking whichever is free
//! (a push waiting for the movements' lock holds up no other till's call while one is free); each
//! stream's row is locked (`FOR UPDATE`) in the transaction that takes a batch, and the batch is
//! written only if the stream has not moved since it was checked, so two pushes of one till, or
//! two servers on one database, cannot interleave one stream's records.
//!
//! The connection is made without TLS: the database is on the server's machine or its private
//! network (see ARCHITECTURE.md).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use pos_journal::ChainName;
use pos_sync::push::{Batch, Stream, Taken, follow_live_keys};
use tokio::sync::{Mutex, MutexGuard};
use tokio_postgres::{Client, NoTls};

use super::{
    CodeRow, CodeStep, EnrolRefusal, NewEnrolment, Pushed, StorageError, StreamRow, TillRow, code_step,
    db_int, held_range, plan, record_rows, stream_from_row, stream_to_row, till_step,
};

/// Connections kept open: enough that a till waiting for the disk does not hold up the others.
const CONNECTIONS: usize = 16;

/// Migrations: an id and its SQL. Never edit one once merged: add another.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "2026-12-05-0900-tills-and-streams",
        r#"
CREATE TABLE till (
    till TEXT PRIMARY KEY,
    store TEXT NOT NULL,
    number INTEGER NOT NULL,
    journal_key BYTEA NOT NULL,
    enrolled_ms BIGINT NOT NULL
);
CREATE TABLE enrolment (
    code_hash BYTEA PRIMARY KEY,
    store TEXT NOT NULL,
    number INTEGER NOT NULL,
    expires_ms BIGINT NOT NULL,
    used_ms BIGINT,
    used_key BYTEA
);
CREATE TABLE stream (
    till TEXT NOT NULL REFERENCES till (till),
    chain TEXT NOT NULL,
    state TEXT NOT NULL,
    quarantine TEXT,
    last_seq BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (till, chain)
);
CREATE TABLE record (
    till TEXT NOT NULL,
    chain TEXT NOT NULL,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    no BIGINT NOT NULL,
    at TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    prev BYTEA NOT NULL,
    hash BYTEA NOT NULL,
    sig BYTEA NOT NULL,
    received_ms BIGINT NOT NULL,
    PRIMARY KEY (till, chain, seq)
);
CREATE FUNCTION record_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'records received are never changed or deleted'; END; $$;
CREATE TRIGGER record_append_only BEFORE UPDATE OR DELETE ON record
FOR EACH ROW EXECUTE FUNCTION record_append_only();
CREATE TABLE nonce (
    till TEXT NOT NULL,
    nonce TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
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
    id BIGSERIAL PRIMARY KEY,
    location TEXT NOT NULL,
    sku TEXT NOT NULL,
    qty BIGINT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX movement_item ON movement (sku, location);
CREATE UNIQUE INDEX movement_office_once ON movement (source, sku, location, kind) WHERE source LIKE 'office:%';
CREATE FUNCTION movement_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'stock movements are never changed or deleted: record another'; END; $$;
CREATE TRIGGER movement_append_only BEFORE UPDATE OR DELETE ON movement
FOR EACH ROW EXECUTE FUNCTION movement_append_only();
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
    received_ms BIGINT NOT NULL,
    collected_by TEXT,
    collected_ms BIGINT
);
CREATE INDEX web_order_pickup ON web_order (store, state);
CREATE TABLE web_order_line (
    order_id TEXT NOT NULL REFERENCES web_order (order_id),
    line INTEGER NOT NULL,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL,
    unit_cents BIGINT NOT NULL,
    PRIMARY KEY (order_id, line)
);
CREATE INDEX web_order_line_sku ON web_order_line (sku);
CREATE TABLE shop_token (token_hash BYTEA PRIMARY KEY, name TEXT NOT NULL, created_ms BIGINT NOT NULL);
"#,
    ),
    (
        // Balances and their spending rights (escrow): each balance as head office knows it, who
        // holds its rights (`HO` or a till), and the rights granted to tills on request.
        "2026-12-06-1100-rights",
        r#"
CREATE TABLE voucher (number TEXT PRIMARY KEY, kind TEXT NOT NULL, balance BIGINT NOT NULL);
CREATE TABLE holding (number TEXT NOT NULL, holder TEXT NOT NULL, held BIGINT NOT NULL, PRIMARY KEY (number, holder));
CREATE TABLE rights_grant (
    till TEXT NOT NULL,
    request TEXT NOT NULL,
    number TEXT NOT NULL,
    amount BIGINT NOT NULL,
    after_seq BIGINT NOT NULL,
    state TEXT NOT NULL,
    granted_ms BIGINT NOT NULL,
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
CREATE TABLE catalogue_entry (file TEXT NOT NULL, key TEXT NOT NULL, body TEXT, version BIGINT NOT NULL, PRIMARY KEY (file, key));
CREATE INDEX catalogue_entry_version ON catalogue_entry (version);
CREATE TABLE catalogue_version (version BIGINT PRIMARY KEY, hash BYTEA NOT NULL, changed BIGINT NOT NULL, at_ms BIGINT NOT NULL);
"#,
    ),
    (
        // Each location's level of each item, kept with its movements in their transaction (the
        // sum of them, by construction), and the last movement that moved it: a till's pull reads
        // the levels that moved, not every movement.
        "2026-12-06-1300-stock-levels",
        r#"
CREATE TABLE stock_level (location TEXT NOT NULL, sku TEXT NOT NULL, qty BIGINT NOT NULL, last_movement BIGINT NOT NULL, PRIMARY KEY (location, sku));
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
CREATE TABLE points_opened (customer TEXT PRIMARY KEY, points BIGINT NOT NULL);
"#,
    ),
    (
        // Units of web orders brought back, per till that took them.
        "2026-12-07-1100-web-returns",
        r#"
CREATE TABLE web_return (order_id TEXT NOT NULL, line BIGINT NOT NULL, till TEXT NOT NULL, units BIGINT NOT NULL, PRIMARY KEY (order_id, line, till));
"#,
    ),
    (
        // Customers as head office merged the tills' edits (`pos_sync::customers`), each with the
        // version that last changed them.
        "2026-12-07-1200-customers",
        r#"
CREATE TABLE customer_state (id TEXT PRIMARY KEY, json TEXT NOT NULL, version BIGINT NOT NULL);
CREATE INDEX customer_state_version ON customer_state (version);
"#,
    ),
    (
        // Head office's messages to a store's tills (no store: to every store).
        "2026-12-07-1300-messages",
        r#"
CREATE TABLE message (id BIGSERIAL PRIMARY KEY, store TEXT, text TEXT NOT NULL, at_ms BIGINT NOT NULL);
"#,
    ),
    (
        // Receipts e-mailed at the tills, until the relay takes them.
        "2026-12-08-0900-receipt-mail",
        r#"
CREATE TABLE receipt_mail (till TEXT NOT NULL, seq BIGINT NOT NULL, ticket TEXT NOT NULL, to_addr TEXT NOT NULL, body TEXT NOT NULL, tries BIGINT NOT NULL, sent_ms BIGINT, error TEXT, next_ms BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (till, seq));
CREATE INDEX receipt_mail_waiting ON receipt_mail (sent_ms, next_ms);
"#,
    ),
    (
        // Where each pushed ticket is, and the units each till took back of each sold line: a
        // till takes back another till's ticket through head office.
        "2026-12-08-1000-ticket-returns",
        r#"
CREATE TABLE ticket_ref (reference TEXT PRIMARY KEY, till TEXT NOT NULL, seq BIGINT NOT NULL);
CREATE TABLE ticket_return (ticket TEXT NOT NULL, line BIGINT NOT NULL, till TEXT NOT NULL, units BIGINT NOT NULL, PRIMARY KEY (ticket, line, till));
"#,
    ),
    (
        // Head office's books: entries, their counters, the stock's cost, the poster's feeds, the
        // bank's lines and matches.
        "2026-12-09-0900-books",
        super::books::POSTGRES_SCHEMA,
    ),
    (
        // The admin page: users, sessions, the audit log; tickets by day (the dashboard).
        "2026-12-10-0900-admin",
        super::admin::POSTGRES_SCHEMA,
    ),
    (
        // A bank match undone from the admin page: what it was, kept; the source of the bank entry
        // each match posted (a line matched again posts under a new one).
        "2026-12-10-0910-bank-unmatch",
        super::books::BANK_UNMATCH,
    ),
];

/// The PostgreSQL database.
pub struct Db {
    clients: Vec<Mutex<Client>>,
    /// Where the next call starts looking for a free connection.
    next: AtomicUsize,
}

impl Db {
    /// Connects to `url` and migrates.
    pub async fn open(url: &str) -> Result<Db, StorageError> {
        let mut clients = Vec::with_capacity(CONNECTIONS);
        for _ in 0..CONNECTIONS {
            let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::error!("the PostgreSQL connection ended: {e}");
                }
            });
            clients.push(Mutex::new(client));
        }
        let db = Db { clients, next: AtomicUsize::new(0) };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), StorageError> {
        let mut c = self.client().await;
        c.batch_execute("CREATE TABLE IF NOT EXISTS migration (id TEXT PRIMARY KEY, at_ms BIGINT NOT NULL)")
            .await?;
        for (id, sql) in MIGRATIONS {
            let tx = c.transaction().await?;
            // One server migrates at a time.
            tx.batch_execute("LOCK TABLE migration IN EXCLUSIVE MODE").await?;
            let done = tx.query_opt("SELECT 1 FROM migration WHERE id = $1", &[id]).await?.is_some();
            if !done {
                tx.batch_execute(sql).await?;
                tx.execute("INSERT INTO migration (id, at_ms) VALUES ($1, 0)", &[id]).await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }

    /// A connection of its own for one call: the first free one, looking from a turning start;
    /// when all are busy, waits for one of them.
    pub(super) async fn client(&self) -> MutexGuard<'_, Client> {
        let n = self.clients.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        for i in 0..n {
            if let Ok(c) = self.clients[(start + i) % n].try_lock() {
                return c;
            }
        }
        self.clients[start].lock().await
    }

    pub(super) async fn add_enrolment(&self, e: &NewEnrolment) -> Result<(), StorageError> {
        let c = self.client().await;
        c.execute(
            "INSERT INTO enrolment (code_hash, store, number, expires_ms) VALUES ($1, $2, $3, $4)",
            &[&&e.code_hash[..], &e.store, &i32::try_from(e.number).unwrap_or(i32::MAX), &e.expires_ms],
        )
        .await?;
        Ok(())
    }

    pub(super) async fn enrol(
        &self,
        code_hash: [u8; 32],
        asking: &str,
        key: [u8; 32],
        now_ms: i64,
    ) -> Result<Result<TillRow, EnrolRefusal>, StorageError> {
        let mut c = self.client().await;
        let tx = c.transaction().await?;
        let code = tx
            .query_opt(
                "SELECT store, number, expires_ms, used_key FROM enrolment WHERE code_hash = $1 FOR UPDATE",
                &[&&code_hash[..]],
            )
            .await?
            .map(|r| {
                let number: i32 = r.get(1);
                Ok::<_, StorageError>(CodeRow {
                    store: r.get(0),
                    number: u32::try_from(number)
                        .map_err(|_| StorageError(format!("till number {number}")))?,
                    expires_ms: r.get(2),
                    used_key: r.get(3),
                })
            })
            .transpose()?;
        let answer = match code_step(code, asking, key, now_ms) {
            CodeStep::Done(answer) => return Ok(answer),
            CodeStep::Spend(row) => row,
        };
        let existing =
            tx.query_opt("SELECT journal_key FROM till WHERE till = $1 FOR UPDATE", &[&answer.till]).await?;
        match till_step(existing.map(|r| r.get::<_, Vec<u8>>(0)).as_deref(), key) {
            Err(refusal) => return Ok(Err(refusal)),
            Ok(false) => {}
            Ok(true) => {
                tx.execute(
                    "INSERT INTO till (till, store, number, journal_key, enrolled_ms) VALUES ($1, $2, $3, $4, $5)",
                    &[&answer.till, &answer.store, &(answer.number as i32), &&key[..], &now_ms],
                )
                .await?;
            }
        }
        tx.execute(
            "UPDATE enrolment SET used_ms = $2, used_key = $3 WHERE code_hash = $1",
            &[&&code_hash[..], &now_ms, &&key[..]],
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(answer))
    }

    pub(super) async fn till(&self, till: &str) -> Result<Option<TillRow>, StorageError> {
        let c = self.client().await;
        let row = c
            .query_opt("SELECT till, store, number, journal_key FROM till WHERE till = $1", &[&till])
            .await?;
        Ok(row.map(|r| TillRow {
            till: r.get(0),
            store: r.get(1),
            number: u32::try_from(r.get::<_, i32>(2)).unwrap_or(0),
            journal_key: r.get::<_, Vec<u8>>(3).try_into().unwrap_or([0; 32]),
        }))
    }

    pub(super) async fn note_nonce(
        &self,
        till: &str,
        nonce: &str,
        at_ms: i64,
        forget_before_ms: i64,
    ) -> Result<bool, StorageError> {
        let mut c = self.client().await;
        let tx = c.transaction().await?;
        // A nonce lost to a crash only lets a request of the last minutes be replayed, which stores
        // nothing twice: its commit does not wait for the disk.
        tx.batch_execute("SET LOCAL synchronous_commit = off").await?;
        tx.execute("DELETE FROM nonce WHERE till = $1 AND at_ms < $2", &[&till, &forget_before_ms]).await?;
        let n = tx
            .execute(
                "INSERT INTO nonce (till, nonce, at_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&till, &nonce, &at_ms],
            )
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// A push in three steps, as on SQLite, so that the checking (most of the work) holds neither
    /// a connection nor a row lock: the stream and the hashes it already holds are read; the batch
    /// is checked on the blocking pool; it is written, the stream's row locked, if the stream has
    /// not moved meanwhile (another push of the same till at once), else taken again from the start.
    pub(super) async fn push(
        &self,
        till: &TillRow,
        batch: Batch,
        now_ms: i64,
    ) -> Result<Pushed, StorageError> {
        let batch = std::sync::Arc::new(batch);
        for _ in 0..5 {
            let (before, stream, held) = {
                let c = self.client().await;
                read_stream(&c, till, &batch).await?
            };
            let b = std::sync::Arc::clone(&batch);
            let taken = tokio::task::spawn_blocking(move || plan(&stream, &b, &held))
                .await
                .map_err(|e| StorageError(format!("a check stopped: {e}")))?;
            let taken = match taken {
                Ok(t) => t,
                Err(refusal) => return Ok(Pushed::Refused(refusal)),
            };
            if let Some(pushed) = self.write_taken(till, &batch, before, taken, now_ms).await? {
                return Ok(pushed);
            }
        }
        Err(StorageError(format!("till {}'s stream kept moving under this batch: send it again", till.till)))
    }

    /// Writes what the check took, if the stream is still as it was read (`None` otherwise).
    async fn write_taken(
        &self,
        till: &TillRow,
        batch: &Batch,
        before: Option<String>,
        taken: Taken,
        now_ms: i64,
    ) -> Result<Option<Pushed>, StorageError> {
        let mut c = self.client().await;
        let tx = c.transaction().await?;
        let chain = batch.chain.as_str();
        let now: Option<String> = tx
            .query_opt(
                "SELECT state FROM stream WHERE till = $1 AND chain = $2 FOR UPDATE",
                &[&till.till, &chain],
            )
            .await?
            .map(|r| r.get(0));
        if now != before {
            return Ok(None);
        }
        let rows = record_rows(batch, &taken);
        if !rows.is_empty() {
            // One statement for the whole batch: arrays unnested into rows.
            let mut seqs = Vec::with_capacity(rows.len());
            let (mut kinds, mut nos, mut ats) = (Vec::new(), Vec::new(), Vec::new());
            let (mut bytes, mut prevs, mut hashes, mut sigs) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for r in &rows {
                seqs.push(db_int(r.seq)?);
                kinds.push(r.kind);
                nos.push(db_int(r.no)?);
                ats.push(r.at);
                bytes.push(r.bytes);
                prevs.push(r.prev.as_slice());
                hashes.push(&r.hash[..]);
                sigs.push(r.sig.as_slice());
            }
            tx.execute(
                "INSERT INTO record (till, chain, seq, kind, no, at, bytes, prev, hash, sig, received_ms)
                 SELECT $1, $2, s, k, n, a, b, p, h, g, $11
                 FROM unnest($3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::bytea[], $8::bytea[], $9::bytea[], $10::bytea[])
                      AS t (s, k, n, a, b, p, h, g)",
                &[&till.till, &chain, &seqs, &kinds, &nos, &ats, &bytes, &prevs, &hashes, &sigs, &now_ms],
            )
            .await?;
        }
        if batch.chain == ChainName::Live {
            super::web::collect_postgres(&tx, &super::web::handed_over(till, &taken.accepted), now_ms)
                .await?;
            super::rights::apply_postgres(&tx, till, &taken.accepted).await?;
            super::web_returns::record_postgres(&tx, till, &taken.accepted).await?;
            super::mail::queue_postgres(&tx, till, &taken.accepted).await?;
            super::tickets::record_postgres(&tx, till, &taken.accepted).await?;
        }
        let (state, quarantine) = stream_to_row(&taken.stream);
        tx.execute(
            "INSERT INTO stream (till, chain, state, quarantine, last_seq, updated_ms) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (till, chain) DO UPDATE SET state = $3, quarantine = $4, last_seq = $5, updated_ms = $6",
            &[&till.till, &chain, &state, &quarantine, &db_int(taken.stream.last_seq())?, &now_ms],
        )
        .await?;
        if batch.chain == ChainName::Live {
            // Last before the commit: the movements' lock (and the levels' rows) are held from here
            // to the commit only.
            super::stock::insert_postgres(&tx, &super::stock::ticket_moves(till, &taken.accepted), now_ms)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(Pushed::Taken {
            accepted: rows.len() as u64,
            duplicates: taken.duplicates,
            stream: taken.stream,
        }))
    }

    pub(super) async fn streams(&self, till: &str) -> Result<Vec<StreamRow>, StorageError> {
        let c = self.client().await;
        let rows = c
            .query("SELECT chain, state, quarantine FROM stream WHERE till = $1 ORDER BY chain", &[&till])
            .await?;
        rows.iter()
            .map(|r| {
                let chain: &str = r.get(0);
                let chain = ChainName::parse(chain)
                    .ok_or_else(|| StorageError(format!("a stream of unknown chain `{chain}`")))?;
                Ok(StreamRow { chain, stream: stream_from_row(r.get(1), r.get::<_, Option<&str>>(2))? })
            })
            .collect()
    }

    pub(super) async fn tills(&self) -> Result<Vec<TillRow>, StorageError> {
        let c = self.client().await;
        let rows = c.query("SELECT till, store, number, journal_key FROM till ORDER BY till", &[]).await?;
        Ok(rows
            .iter()
            .map(|r| TillRow {
                till: r.get(0),
                store: r.get(1),
                number: u32::try_from(r.get::<_, i32>(2)).unwrap_or(0),
                journal_key: r.get::<_, Vec<u8>>(3).try_into().unwrap_or([0; 32]),
            })
            .collect())
    }

    pub(super) async fn record_count(&self, till: &str, chain: ChainName) -> Result<u64, StorageError> {
        let c = self.client().await;
        let n: i64 = c
            .query_one(
                "SELECT COUNT(*) FROM record WHERE till = $1 AND chain = $2",
                &[&till, &chain.as_str()],
            )
            .await?
            .get(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// A stream as stored (its state's text, to see whether it moved), read, and the hashes of the
/// batch's records it already holds.
async fn read_stream(
    c: &Client,
    till: &TillRow,
    batch: &Batch,
) -> Result<(Option<String>, Stream, HashMap<u64, [u8; 32]>), StorageError> {
    let chain = batch.chain.as_str();
    let row = c
        .query_opt(
            "SELECT state, quarantine FROM stream WHERE till = $1 AND chain = $2",
            &[&till.till, &chain],
        )
        .await?;
    let mut stream = match &row {
        Some(r) => stream_from_row(r.get(0), r.get::<_, Option<&str>>(1))?,
        None => Stream::new(&till.till, batch.chain, till.journal_key)
            .ok_or_else(|| StorageError(format!("till {}'s registered key does not read", till.till)))?,
    };
    if batch.chain == ChainName::Training
        && let Some(live) =
            c.query_opt("SELECT state FROM stream WHERE till = $1 AND chain = 'live'", &[&till.till]).await?
    {
        follow_live_keys(&mut stream, &stream_from_row(live.get(0), None)?);
    }
    let mut held = HashMap::new();
    if let Some((from, to)) = held_range(&stream, batch) {
        let rows = c
            .query(
                "SELECT seq, hash FROM record WHERE till = $1 AND chain = $2 AND seq BETWEEN $3 AND $4",
                &[&till.till, &chain, &db_int(from)?, &db_int(to)?],
            )
            .await?;
        for r in rows {
            let seq = u64::try_from(r.get::<_, i64>(0)).unwrap_or(0);
            held.insert(seq, r.get::<_, Vec<u8>>(1).try_into().unwrap_or([0; 32]));
        }
    }
    Ok((row.map(|r| r.get(0)), stream, held))
}
