//! Head office's books on both backends: the accounting configuration, the entries (written once,
//! numbered per journal and year in their transaction, never changed: a trigger refuses it), the
//! stock's weighted average cost, what the poster has posted of each feed (a till's live records
//! by seq, head office's own flows by id), and the bank's lines with their matches.
//!
//! One poster writes at a time: it reads the books' version, posts off the database, and writes
//! only if the version has not moved (else it posts again from what is now there); every entry's
//! source is unique besides, so no flow is ever posted twice.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use pos_ledger::Entry;
use pos_ledger::bank::BankLine;
use pos_ledger::valuation::Cost;
use rusqlite::{OptionalExtension, params};

use super::{Storage, StorageError};

pub(super) const SQLITE_SCHEMA: &str = r#"
CREATE TABLE books_config (file TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE books_entry (id INTEGER PRIMARY KEY, journal TEXT NOT NULL, year INTEGER NOT NULL, number INTEGER NOT NULL, date TEXT NOT NULL, valid TEXT NOT NULL, source TEXT NOT NULL UNIQUE, body TEXT NOT NULL, UNIQUE (journal, year, number));
CREATE INDEX books_entry_date ON books_entry (date);
CREATE TRIGGER books_entry_no_update BEFORE UPDATE ON books_entry BEGIN SELECT RAISE(ABORT, 'an entry is never changed: post a correcting entry'); END;
CREATE TRIGGER books_entry_no_delete BEFORE DELETE ON books_entry BEGIN SELECT RAISE(ABORT, 'an entry is never deleted: post a correcting entry'); END;
CREATE TABLE books_counter (journal TEXT NOT NULL, year INTEGER NOT NULL, last INTEGER NOT NULL, PRIMARY KEY (journal, year));
CREATE TABLE books_cursor (feed TEXT PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE books_valuation (sku TEXT PRIMARY KEY, qty INTEGER NOT NULL, value INTEGER NOT NULL, unit INTEGER NOT NULL);
CREATE TABLE books_office (id INTEGER PRIMARY KEY, source TEXT NOT NULL UNIQUE, flow TEXT NOT NULL, at_ms INTEGER NOT NULL);
CREATE TABLE books_version (id INTEGER PRIMARY KEY, version INTEGER NOT NULL);
INSERT INTO books_version (id, version) VALUES (1, 0);
CREATE TABLE books_problem (source TEXT PRIMARY KEY, problem TEXT NOT NULL, at_ms INTEGER NOT NULL);
CREATE TABLE bank_line (account TEXT NOT NULL, id TEXT NOT NULL, booked TEXT NOT NULL, body TEXT NOT NULL, file TEXT NOT NULL, imported_ms INTEGER NOT NULL, PRIMARY KEY (account, id));
CREATE TABLE bank_match (account TEXT NOT NULL, line TEXT NOT NULL, rule TEXT NOT NULL, items TEXT NOT NULL, letter TEXT NOT NULL UNIQUE, day TEXT NOT NULL, PRIMARY KEY (account, line));
"#;

pub(super) const POSTGRES_SCHEMA: &str = r#"
CREATE TABLE books_config (file TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE books_entry (id BIGSERIAL PRIMARY KEY, journal TEXT NOT NULL, year BIGINT NOT NULL, number BIGINT NOT NULL, date TEXT NOT NULL, valid TEXT NOT NULL, source TEXT NOT NULL UNIQUE, body TEXT NOT NULL, UNIQUE (journal, year, number));
CREATE INDEX books_entry_date ON books_entry (date);
CREATE FUNCTION books_entry_frozen() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'an entry is never changed or deleted: post a correcting entry'; END; $$;
CREATE TRIGGER books_entry_frozen BEFORE UPDATE OR DELETE ON books_entry FOR EACH ROW EXECUTE FUNCTION books_entry_frozen();
CREATE TABLE books_counter (journal TEXT NOT NULL, year BIGINT NOT NULL, last BIGINT NOT NULL, PRIMARY KEY (journal, year));
CREATE TABLE books_cursor (feed TEXT PRIMARY KEY, last BIGINT NOT NULL);
CREATE TABLE books_valuation (sku TEXT PRIMARY KEY, qty BIGINT NOT NULL, value BIGINT NOT NULL, unit BIGINT NOT NULL);
CREATE TABLE books_office (id BIGSERIAL PRIMARY KEY, source TEXT NOT NULL UNIQUE, flow TEXT NOT NULL, at_ms BIGINT NOT NULL);
CREATE TABLE books_version (id BIGINT PRIMARY KEY, version BIGINT NOT NULL);
INSERT INTO books_version (id, version) VALUES (1, 0);
CREATE TABLE books_problem (source TEXT PRIMARY KEY, problem TEXT NOT NULL, at_ms BIGINT NOT NULL);
CREATE TABLE bank_line (account TEXT NOT NULL, id TEXT NOT NULL, booked TEXT NOT NULL, body TEXT NOT NULL, file TEXT NOT NULL, imported_ms BIGINT NOT NULL, PRIMARY KEY (account, id));
CREATE TABLE bank_match (account TEXT NOT NULL, line TEXT NOT NULL, rule TEXT NOT NULL, items TEXT NOT NULL, letter TEXT NOT NULL UNIQUE, day TEXT NOT NULL, PRIMARY KEY (account, line));
"#;

/// The same on both backends (`BIGINT` is an integer to SQLite).
pub(super) const BANK_UNMATCH: &str = r#"
ALTER TABLE bank_match ADD COLUMN source TEXT;
CREATE TABLE bank_unmatch (account TEXT NOT NULL, line TEXT NOT NULL, letter TEXT NOT NULL, items TEXT NOT NULL, source TEXT NOT NULL, at_ms BIGINT NOT NULL, who TEXT NOT NULL);
CREATE INDEX bank_unmatch_line ON bank_unmatch (account, line);
"#;

/// Where the poster stands.
#[derive(Clone, Debug, Default)]
pub struct Feeds {
    /// The books' version (moved by every posting).
    pub version: i64,
    /// Last posted per feed: `till:LYO-1` (a seq), `office` (an id).
    pub cursors: HashMap<String, i64>,
}

/// What one posting writes, in one transaction.
#[derive(Clone, Debug, Default)]
pub struct Posting {
    /// New entries (numbered in the transaction).
    pub entries: Vec<Entry>,
    /// Items whose cost moved.
    pub valuation: Vec<(String, Cost)>,
    /// Feeds moved: feed, last posted.
    pub cursors: Vec<(String, i64)>,
    /// Flows the books could not post: source, why.
    pub problems: Vec<(String, String)>,
}

/// A bank line matched, as kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchRow {
    /// The account.
    pub account: String,
    /// The line's id.
    pub line: String,
    /// The rule (`card_settlement`, ...).
    pub rule: String,
    /// The open items it settles.
    pub items: Vec<String>,
    /// Its letter.
    pub letter: String,
    /// The day it was matched.
    pub day: NaiveDate,
    /// The source of the bank entry it posted (`bank:ACCOUNT:LINE`, `#2` after for a line matched
    /// again after an unmatch).
    pub source: String,
}

fn json<T: serde::Serialize>(v: &T) -> String {
    // Plain data: serialising never fails.
    serde_json::to_string(v).unwrap_or_default()
}

fn unjson<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<T, StorageError> {
    serde_json::from_str(s).map_err(|e| StorageError(format!("{what} does not read: {e}")))
}

fn day(s: &str) -> Result<NaiveDate, StorageError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| StorageError(format!("`{s}` is not a day")))
}

const ENTRY: &str = "INSERT INTO books_entry (journal, year, number, date, valid, source, body) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const COUNTER_GET: &str = "SELECT last FROM books_counter WHERE journal = $1 AND year = $2";
const COUNTER_SET: &str = "INSERT INTO books_counter (journal, year, last) VALUES ($1, $2, $3) ON CONFLICT (journal, year) DO UPDATE SET last = excluded.last";
const CURSOR_SET: &str = "INSERT INTO books_cursor (feed, last) VALUES ($1, $2) ON CONFLICT (feed) DO UPDATE SET last = excluded.last";
const COST_SET: &str = "INSERT INTO books_valuation (sku, qty, value, unit) VALUES ($1, $2, $3, $4) ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty, value = excluded.value, unit = excluded.unit";
const PROBLEM: &str =
    "INSERT INTO books_problem (source, problem, at_ms) VALUES ($1, $2, $3) ON CONFLICT (source) DO NOTHING";
const VERSION_MOVE: &str = "UPDATE books_version SET version = version + 1 WHERE id = 1 AND version = $1";
const OFFICE: &str =
    "INSERT INTO books_office (source, flow, at_ms) VALUES ($1, $2, $3) ON CONFLICT (source) DO NOTHING";
const BANK_LINE: &str = "INSERT INTO bank_line (account, id, booked, body, file, imported_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account, id) DO NOTHING";
const MATCH: &str = "INSERT INTO bank_match (account, line, rule, items, letter, day, source) VALUES ($1, $2, $3, $4, $5, $6, $7)";
/// Letters given so far: a letter is never given twice, an unmatched one included.
const LETTERS: &str = "SELECT (SELECT COUNT(*) FROM bank_match) + (SELECT COUNT(*) FROM bank_unmatch)";

fn q(sql: &str) -> String {
    sql.replace('$', "?")
}

impl Storage {
    /// Replaces the accounting configuration (the files of [`pos_ledger::Chart::FILES`]).
    pub async fn set_books_config(&self, files: Vec<(String, String)>) -> Result<(), StorageError> {
        match self {
            Storage::Sqlite(db) => {
                db.run(move |c| {
                    let tx = c.transaction()?;
                    tx.execute("DELETE FROM books_config", [])?;
                    for (f, b) in &files {
                        tx.execute("INSERT INTO books_config (file, body) VALUES (?1, ?2)", params![f, b])?;
                    }
                    tx.commit()?;
                    Ok(())
                })
                .await
            }
            Storage::Postgres(db) => {
                let mut c = db.client().await;
                let tx = c.transaction().await?;
                tx.execute("DELETE FROM books_config", &[]).await?;
                for (f, b) in &files {
                    tx.execute("INSERT INTO books_config (file, body) VALUES ($1, $2)", &[f, b]).await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    }

    /// The accounting configuration's files (empty before the chain's files were imported).
    pub async fn books_config(&self) -> Result<BTreeMap<String, String>, StorageError> {
        let sql = "SELECT file, body FROM books_config";
        match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut s = c.prepare(sql)?;
                    let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                Ok(c.query(sql, &[]).await?.iter().map(|r| (r.get(0), r.get(1))).collect())
            }
        }
    }

    /// The books' version and each feed's cursor.
    pub async fn books_feeds(&self) -> Result<Feeds, StorageError> {
        let v = "SELECT version FROM books_version WHERE id = 1";
        let cur = "SELECT feed, last FROM books_cursor";
        match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let version = c.query_row(v, [], |r| r.get(0))?;
                    let mut s = c.prepare(cur)?;
                    let cursors =
                        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
                    Ok(Feeds { version, cursors })
                })
                .await
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                let version = c.query_one(v, &[]).await?.get(0);
                let cursors = c.query(cur, &[]).await?.iter().map(|r| (r.get(0), r.get(1))).collect();
                Ok(Feeds { version, cursors })
            }
        }
    }

    /// `till`'s live records after seq `after`, at most `limit`: (seq, bytes, received).
    pub async fn live_records_after(
        &self,
        till: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, Vec<u8>, i64)>, StorageError> {
        let sql = "SELECT seq, bytes, received_ms FROM record WHERE till = $1 AND chain = 'live' AND seq > $2 ORDER BY seq LIMIT $3";
        let till = till.to_owned();
        match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut s = c.prepare_cached(&q(sql))?;
                    let rows =
                        s.query_map(params![till, after, limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                Ok(c.query(sql, &[&till, &after, &limit])
                    .await?
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2)))
                    .collect())
            }
        }
    }

    /// Head office's flows after id `after`, at most `limit`: (id, source, flow as JSON, at).
    pub async fn office_flows_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String, String, i64)>, StorageError> {
        let sql = "SELECT id, source, flow, at_ms FROM books_office WHERE id > $1 ORDER BY id LIMIT $2";
        match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut s = c.prepare_cached(&q(sql))?;
                    let rows = s.query_map(params![after, limit], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                Ok(c.query(sql, &[&after, &limit])
                    .await?
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
                    .collect())
            }
        }
    }

    /// Queues one of head office's flows for the books (the same source twice: once).
    pub async fn queue_office_flow(
        &self,
        source: &str,
        flow: &pos_ledger::post::OfficeFlow,
        at_ms: i64,
    ) -> Result<bool, StorageError> {
        let (source, flow) = (source.to_owned(), json(flow));
        match self {
            Storage::Sqlite(db) => {
                db.run(move |c| Ok(c.execute(&q(OFFICE), params![source, flow, at_ms])? == 1)).await
            }
            Storage::Postgres(db) => {
                Ok(db.client().await.execute(OFFICE, &[&source, &flow, &at_ms]).await? == 1)
            }
        }
    }

    /// The cost of `skus` as the books hold it.
    pub async fn valuation(&self, skus: Vec<String>) -> Result<HashMap<String, Cost>, StorageError> {
        let sql = "SELECT qty, value, unit FROM books_valuation WHERE sku = $1";
        match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut s = c.prepare_cached(&q(sql))?;
                    let mut out = HashMap::new();
                    for sku in skus {
                        if let Some(cost) = s
                            .query_row([&sku], |r| {
                                Ok(Cost { qty: r.get(0)?, value: r.get(1)?, unit: r.get(2)? })
                            })
                            .optional()?
                        {
                            out.insert(sku, cost);
                        }
                    }
                    Ok(out)
                })
                .await
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                let s = c.prepare(sql).await?;
                let mut out = HashMap::new();
                for sku in skus {
                    if let Some(r) = c.query_opt(&s, &[&sku]).await? {
                        out.insert(sku, Cost { qty: r.get(0), value: r.get(1), unit: r.get(2) });
                    }
                }
                Ok(out)
            }
        }
    }

    /// Writes a posting if the books are still at `version` (`false`: they moved, post again).
    pub async fn write_posting(&self, version: i64, p: Posting, now_ms: i64) -> Result<bool, StorageError> {
        let rows: Vec<(String, i64, String, String, String, String)> = p
            .entries
            .iter()
            .map(|e| {
                (
                    e.journal.clone(),
                    i64::from(e.date.year()),
                    e.date.to_string(),
                    e.valid.to_string(),
                    e.source.clone(),
                    json(e),
                )
            })
            .collect();
        match self {
            Storage::Sqlite(db) => {
                db.run(move |c| {
                    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    if tx.execute(&q(VERSION_MOVE), [version])? != 1 {
                        return Ok(false);
                    }
                    for (journal, year, date, valid, source, body) in &rows {
                        let last: i64 = tx
                            .query_row(&q(COUNTER_GET), params![journal, year], |r| r.get(0))
                            .optional()?
                            .unwrap_or(0);
                        let n = last + 1;
                        let body = renumber(body, n);
                        tx.execute(&q(ENTRY), params![journal, year, n, date, valid, source, body])?;
                        tx.execute(&q(COUNTER_SET), params![journal, year, n])?;
                    }
                    for (sku, c) in &p.valuation {
                        tx.execute(&q(COST_SET), params![sku, c.qty, c.value, c.unit])?;
                    }
                    for (feed, last) in &p.cursors {
                        tx.execute(&q(CURSOR_SET), params![feed, last])?;
                    }
                    for (source, why) in &p.problems {
                        tx.execute(&q(PROBLEM), params![source, why, now_ms])?;
                    }
                    tx.commit()?;
                    Ok(true)
                })
                .await
            }
            Storage::Postgres(db) => {
                let mut c = db.client().await;
                let tx = c.transaction().await?;
                if tx.execute(VERSION_MOVE, &[&version]).await? != 1 {
                    return Ok(false);
                }
                for (journal, year, date, valid, source, body) in &rows {
                    let last: i64 =
                        tx.query_opt(COUNTER_GET, &[journal, year]).await?.map_or(0, |r| r.get(0));
                    let n = last + 1;
                    let body = renumber(body, n);
                    tx.execute(ENTRY, &[journal, year, &n, date, valid, source, &body]).await?;
                    tx.execute(COUNTER_SET, &[journal, year, &n]).await?;
                }
                for (sku, v) in &p.valuation {
                    tx.execute(COST_SET, &[sku, &v.qty, &v.value, &v.unit]).await?;
                }
                for (feed, last) in &p.cursors {
                    tx.execute(CURSOR_SET, &[feed, last]).await?;
                }
                for (source, why) in &p.problems {
                    tx.execute(PROBLEM, &[source, why, &now_ms]).await?;
                }
                tx.commit().await?;
                Ok(true)
            }
        }
    }

    /// The entries dated `from` to `to` (both included), in order of validation.
    pub async fn entries_between(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Entry>, StorageError> {
        let sql = "SELECT body FROM books_entry WHERE date >= $1 AND date <= $2 ORDER BY id";
        let (from, to) = (from.to_string(), to.to_string());
        let bodies: Vec<String> = match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut s = c.prepare_cached(&q(sql))?;
                    let rows = s.query_map(params![from, to], |r| r.get(0))?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await?
            }
            Storage::Postgres(db) => {
                db.client().await.query(sql, &[&from, &to]).await?.iter().map(|r| r.get(0)).collect()
            }
        };
        bodies.iter().map(|b| unjson(b, "an entry")).collect()
    }

    /// Flows the books could not post: source, why.
    pub async fn books_problems(&self) -> Result<Vec<(String, String)>, StorageError> {
        let sql = "SELECT source, problem FROM books_problem ORDER BY source";
        match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut s = c.prepare(sql)?;
                    let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await
            }
            Storage::Postgres(db) => {
                Ok(db.client().await.query(sql, &[]).await?.iter().map(|r| (r.get(0), r.get(1))).collect())
            }
        }
    }

    /// Imports a statement's lines of `account`, from `file`, in one transaction: (new, already
    /// held).
    pub async fn import_bank_lines(
        &self,
        account: &str,
        file: &str,
        lines: Vec<BankLine>,
        now_ms: i64,
    ) -> Result<(u64, u64), StorageError> {
        let rows: Vec<(String, String, String)> =
            lines.iter().map(|l| (l.id.clone(), l.booked.to_string(), json(l))).collect();
        let (account, file) = (account.to_owned(), file.to_owned());
        let n = rows.len() as u64;
        let new = match self {
            Storage::Sqlite(db) => {
                db.run(move |c| {
                    let tx = c.transaction()?;
                    let mut new = 0u64;
                    for (id, booked, body) in &rows {
                        new += tx.execute(&q(BANK_LINE), params![account, id, booked, body, file, now_ms])?
                            as u64;
                    }
                    tx.commit()?;
                    Ok(new)
                })
                .await?
            }
            Storage::Postgres(db) => {
                let mut c = db.client().await;
                let tx = c.transaction().await?;
                let mut new = 0u64;
                for (id, booked, body) in &rows {
                    new += tx.execute(BANK_LINE, &[&account, id, booked, body, &file, &now_ms]).await?;
                }
                tx.commit().await?;
                new
            }
        };
        Ok((new, n - new))
    }

    /// A web order's lines: SKU, units, unit price (cents, tax included).
    pub async fn web_order_lines(&self, order: &str) -> Result<Vec<(String, i64, i64)>, StorageError> {
        let sql = "SELECT sku, CAST(qty AS BIGINT), unit_cents FROM web_order_line WHERE order_id = $1 ORDER BY line";
        let order = order.to_owned();
        match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut s = c.prepare_cached(&q(sql))?;
                    let rows = s.query_map([&order], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await
            }
            Storage::Postgres(db) => Ok(db
                .client()
                .await
                .query(sql, &[&order])
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect()),
        }
    }

    /// The current rows of `keys` in the catalogue's `file`, and its header row.
    pub async fn catalogue_rows(
        &self,
        file: &str,
        keys: Vec<String>,
    ) -> Result<(String, HashMap<String, String>), StorageError> {
        let sql = "SELECT body FROM catalogue_entry WHERE file = $1 AND key = $2 AND body IS NOT NULL";
        let file = file.to_owned();
        let mut out = HashMap::new();
        let mut header = String::new();
        match self {
            Storage::Sqlite(db) => {
                let (h, rows) = db
                    .read(move |c| {
                        let mut s = c.prepare_cached(&q(sql))?;
                        let h: Option<String> = s
                            .query_row(params![file, pos_sync::catalogue::HEADER], |r| r.get(0))
                            .optional()?;
                        let mut rows = HashMap::new();
                        for k in keys {
                            if let Some(b) =
                                s.query_row(params![file, k], |r| r.get::<_, String>(0)).optional()?
                            {
                                rows.insert(k, b);
                            }
                        }
                        Ok((h.unwrap_or_default(), rows))
                    })
                    .await?;
                header = h;
                out = rows;
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                if let Some(r) = c.query_opt(sql, &[&file, &pos_sync::catalogue::HEADER]).await? {
                    header = r.get(0);
                }
                for k in keys {
                    if let Some(r) = c.query_opt(sql, &[&file, &k]).await? {
                        out.insert(k, r.get(0));
                    }
                }
            }
        }
        Ok((header, out))
    }

    /// Every bank line imported: (account, line).
    pub async fn bank_lines(&self) -> Result<Vec<(String, BankLine)>, StorageError> {
        let sql = "SELECT account, body FROM bank_line ORDER BY booked, account, id";
        let rows: Vec<(String, String)> = match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut s = c.prepare(sql)?;
                    let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await?
            }
            Storage::Postgres(db) => {
                db.client().await.query(sql, &[]).await?.iter().map(|r| (r.get(0), r.get(1))).collect()
            }
        };
        rows.into_iter().map(|(a, b)| Ok((a, unjson(&b, "a bank line")?))).collect()
    }

    /// Every bank line not matched yet: (account, line).
    pub async fn open_bank_lines(&self) -> Result<Vec<(String, BankLine)>, StorageError> {
        let sql = "SELECT l.account, l.body FROM bank_line l LEFT JOIN bank_match m ON m.account = l.account AND m.line = l.id
                   WHERE m.line IS NULL ORDER BY l.booked, l.account, l.id";
        let rows: Vec<(String, String)> = match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut s = c.prepare(sql)?;
                    let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await?
            }
            Storage::Postgres(db) => {
                db.client().await.query(sql, &[]).await?.iter().map(|r| (r.get(0), r.get(1))).collect()
            }
        };
        rows.into_iter().map(|(a, b)| Ok((a, unjson(&b, "a bank line")?))).collect()
    }

    /// Every match kept.
    pub async fn bank_matches(&self) -> Result<Vec<MatchRow>, StorageError> {
        let sql = "SELECT account, line, rule, items, letter, day, COALESCE(source, '') FROM bank_match ORDER BY letter";
        let rows: Vec<(String, String, String, String, String, String, String)> = match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut s = c.prepare(sql)?;
                    let rows = s.query_map([], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
                    })?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await?
            }
            Storage::Postgres(db) => db
                .client()
                .await
                .query(sql, &[])
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6)))
                .collect(),
        };
        rows.into_iter()
            .map(|(account, line, rule, items, letter, d, source)| {
                let source = if source.is_empty() { format!("bank:{account}:{line}") } else { source };
                Ok(MatchRow {
                    account,
                    line,
                    rule,
                    items: unjson(&items, "a match's items")?,
                    letter,
                    day: day(&d)?,
                    source,
                })
            })
            .collect()
    }

    /// Keeps a match and queues the bank entry it posts, in one transaction; its letter is the
    /// next free one. `false` when the line was matched meanwhile.
    pub async fn record_match(
        &self,
        m: MatchRow,
        flow: &pos_ledger::post::OfficeFlow,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let (source, flow) = (m.source.clone(), json(flow));
        let items = json(&m.items);
        let count = LETTERS;
        match self {
            Storage::Sqlite(db) => {
                db.run(move |c| {
                    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    let n: i64 = tx.query_row(count, [], |r| r.get(0))?;
                    let letter = letter(n);
                    let done = tx
                        .execute(
                            &q(MATCH),
                            params![m.account, m.line, m.rule, items, letter, m.day.to_string(), m.source],
                        )
                        .map(|_| true)
                        .or_else(|e| if is_conflict_sqlite(&e) { Ok(false) } else { Err(e) })?;
                    if done {
                        tx.execute(&q(OFFICE), params![source, flow, now_ms])?;
                    }
                    tx.commit()?;
                    Ok(done)
                })
                .await
            }
            Storage::Postgres(db) => {
                let mut c = db.client().await;
                let tx = c.transaction().await?;
                tx.batch_execute("LOCK TABLE bank_match IN EXCLUSIVE MODE").await?;
                let n: i64 = tx.query_one(count, &[]).await?.get(0);
                let letter = letter(n);
                let inserted = tx
                    .execute(
                        "INSERT INTO bank_match (account, line, rule, items, letter, day, source) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account, line) DO NOTHING",
                        &[&m.account, &m.line, &m.rule, &items, &letter, &m.day.to_string(), &m.source],
                    )
                    .await?;
                if inserted == 1 {
                    tx.execute(OFFICE, &[&source, &flow, &now_ms]).await?;
                }
                tx.commit().await?;
                Ok(inserted == 1)
            }
        }
    }

    /// The open items the matching sees as settled already (the items of every match).
    pub async fn settled_items(&self) -> Result<HashSet<String>, StorageError> {
        Ok(self.bank_matches().await?.into_iter().flat_map(|m| m.items).collect())
    }
}

fn is_conflict_sqlite(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation)
}

/// The `n`th letter: `AAA`, `AAB`, ... (three letters and more).
pub fn letter(n: i64) -> String {
    let mut n = n.max(0);
    let mut s = Vec::new();
    for _ in 0..3 {
        s.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    while n > 0 {
        s.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// An entry's JSON with its number set.
fn renumber(body: &str, n: i64) -> String {
    match serde_json::from_str::<Entry>(body) {
        Ok(mut e) => {
            e.number = n as u64;
            json(&e)
        }
        Err(_) => body.to_owned(),
    }
}
