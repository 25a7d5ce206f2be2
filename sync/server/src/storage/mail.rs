//! Receipts e-mailed at the tills, on both backends: each live `receipt_emailed` record a push
//! accepts is queued (`receipt_mail`, keyed by till and seq, so a record pushed twice is queued
//! once, in the push's own transaction) until the mailer hands it to the SMTP relay.

use pos_journal::body::Entry;
use pos_journal::check::Accepted;
use rusqlite::params;

use super::{Storage, StorageError, TillRow};

/// A receipt waiting to be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedMail {
    /// The till that journaled it.
    pub till: String,
    /// Its record's seq there.
    pub seq: i64,
    /// The ticket.
    pub ticket: String,
    /// The customer's address.
    pub to: String,
    /// The receipt's text.
    pub text: String,
    /// Attempts so far.
    pub tries: i64,
}

/// After this many failed attempts a receipt is left for a person (`receipt_mail.error` says why).
pub const MAX_TRIES: i64 = 8;

const QUEUE: &str = "INSERT INTO receipt_mail (till, seq, ticket, to_addr, body, tries, sent_ms, error)
     VALUES ($1, $2, $3, $4, $5, 0, NULL, NULL) ON CONFLICT (till, seq) DO NOTHING";
const WAITING: &str = "SELECT till, seq, ticket, to_addr, body, tries FROM receipt_mail
     WHERE sent_ms IS NULL AND tries < $1 ORDER BY till, seq LIMIT $2";
const SENT: &str = "UPDATE receipt_mail SET sent_ms = $3, error = NULL WHERE till = $1 AND seq = $2";
const FAILED: &str = "UPDATE receipt_mail SET tries = tries + 1, error = $3 WHERE till = $1 AND seq = $2";

/// The e-mailed receipts among `accepted` records: (seq, ticket, address, text).
fn queued(accepted: &[Accepted]) -> impl Iterator<Item = (i64, &str, &str, &str)> {
    accepted.iter().filter(|a| a.header.chain == pos_journal::ChainName::Live).filter_map(|a| {
        match &a.entry {
            Entry::ReceiptEmailed { ticket, to, text, .. } => {
                Some((i64::try_from(a.header.seq).ok()?, ticket.as_str(), to.as_str(), text.as_str()))
            }
            _ => None,
        }
    })
}

pub(super) fn queue_sqlite(
    tx: &rusqlite::Transaction<'_>,
    till: &TillRow,
    accepted: &[Accepted],
) -> Result<(), StorageError> {
    for (seq, ticket, to, text) in queued(accepted) {
        tx.prepare_cached(&QUEUE.replace('$', "?"))?.execute(params![till.till, seq, ticket, to, text])?;
    }
    Ok(())
}

pub(super) async fn queue_postgres(
    tx: &tokio_postgres::Transaction<'_>,
    till: &TillRow,
    accepted: &[Accepted],
) -> Result<(), StorageError> {
    for (seq, ticket, to, text) in queued(accepted) {
        tx.execute(QUEUE, &[&till.till, &seq, &ticket, &to, &text]).await?;
    }
    Ok(())
}

impl Storage {
    /// Receipts not sent yet and not given up on, oldest first, at most `limit`.
    pub async fn mails_waiting(&self, limit: i64) -> Result<Vec<QueuedMail>, StorageError> {
        let row = |till, seq, ticket, to, text, tries| QueuedMail { till, seq, ticket, to, text, tries };
        match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut stmt = c.prepare_cached(&WAITING.replace('$', "?"))?;
                    let rows = stmt.query_map(params![MAX_TRIES, limit], |r| {
                        Ok(row(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
                    })?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                Ok(c.query(WAITING, &[&MAX_TRIES, &limit])
                    .await?
                    .iter()
                    .map(|r| row(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
                    .collect())
            }
        }
    }

    /// Notes the relay's answer for one receipt: sent (at `now_ms`), or the error of one attempt.
    pub async fn mail_done(
        &self,
        till: &str,
        seq: i64,
        outcome: Result<i64, String>,
    ) -> Result<(), StorageError> {
        let till = till.to_owned();
        match self {
            Storage::Sqlite(db) => {
                db.run(move |c| {
                    match outcome {
                        Ok(now_ms) => c.execute(&SENT.replace('$', "?"), params![till, seq, now_ms])?,
                        Err(e) => c.execute(&FAILED.replace('$', "?"), params![till, seq, e])?,
                    };
                    Ok(())
                })
                .await
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                match outcome {
                    Ok(now_ms) => c.execute(SENT, &[&till, &seq, &now_ms]).await?,
                    Err(e) => c.execute(FAILED, &[&till, &seq, &e]).await?,
                };
                Ok(())
            }
        }
    }
}
