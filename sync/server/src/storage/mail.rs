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

/// After this many failed attempts a receipt is left for a person (`receipt_mail.error` says why):
/// with the waits of [`retry_after_ms`], about fourteen hours of a relay out.
pub const MAX_TRIES: i64 = 20;

/// The wait before the next attempt after `tries` failed ones: 30 s, doubled each time, at most an
/// hour.
pub fn retry_after_ms(tries: i64) -> i64 {
    let doubled = 30_000i64.saturating_mul(1i64 << tries.clamp(0, 20));
    doubled.min(3_600_000)
}

/// What became of one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailOutcome {
    /// The relay took it, at this time.
    Sent(i64),
    /// Not now (the relay out, a transient refusal): tried again at `next_ms`.
    Retry {
        /// Why.
        error: String,
        /// When next.
        next_ms: i64,
    },
    /// Never (the relay refused it for good, or the address is not one): left for a person.
    GiveUp(String),
}

const QUEUE: &str =
    "INSERT INTO receipt_mail (till, seq, ticket, to_addr, body, tries, sent_ms, error, next_ms)
     VALUES ($1, $2, $3, $4, $5, 0, NULL, NULL, 0) ON CONFLICT (till, seq) DO NOTHING";
const WAITING: &str = "SELECT till, seq, ticket, to_addr, body, tries FROM receipt_mail
     WHERE sent_ms IS NULL AND tries < $1 AND next_ms <= $3 ORDER BY next_ms, till, seq LIMIT $2";
const SENT: &str = "UPDATE receipt_mail SET sent_ms = $3, error = NULL WHERE till = $1 AND seq = $2";
const FAILED: &str =
    "UPDATE receipt_mail SET tries = $5, error = $3, next_ms = $4 WHERE till = $1 AND seq = $2";

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
    /// Receipts not sent yet, not given up on and due by `now_ms`, at most `limit`.
    pub async fn mails_waiting(&self, limit: i64, now_ms: i64) -> Result<Vec<QueuedMail>, StorageError> {
        let row = |till, seq, ticket, to, text, tries| QueuedMail { till, seq, ticket, to, text, tries };
        match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut stmt = c.prepare_cached(&WAITING.replace('$', "?"))?;
                    let rows = stmt.query_map(params![MAX_TRIES, limit, now_ms], |r| {
                        Ok(row(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
                    })?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                Ok(c.query(WAITING, &[&MAX_TRIES, &limit, &now_ms])
                    .await?
                    .iter()
                    .map(|r| row(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
                    .collect())
            }
        }
    }

    /// Notes what became of one attempt at receipt (`till`, `seq`), tried `tries` times before.
    pub async fn mail_done(&self, m: &QueuedMail, outcome: MailOutcome) -> Result<(), StorageError> {
        let (till, seq) = (m.till.clone(), m.seq);
        let failed = match &outcome {
            MailOutcome::Sent(_) => None,
            MailOutcome::Retry { error, next_ms } => Some((error.clone(), *next_ms, m.tries + 1)),
            MailOutcome::GiveUp(error) => Some((error.clone(), 0, MAX_TRIES)),
        };
        let sent_ms = match outcome {
            MailOutcome::Sent(at) => at,
            _ => 0,
        };
        match self {
            Storage::Sqlite(db) => {
                db.run(move |c| {
                    match failed {
                        None => c.execute(&SENT.replace('$', "?"), params![till, seq, sent_ms])?,
                        Some((e, next, tries)) => {
                            c.execute(&FAILED.replace('$', "?"), params![till, seq, e, next, tries])?
                        }
                    };
                    Ok(())
                })
                .await
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                match failed {
                    None => c.execute(SENT, &[&till, &seq, &sent_ms]).await?,
                    Some((e, next, tries)) => c.execute(FAILED, &[&till, &seq, &e, &next, &tries]).await?,
                };
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_an_hour() {
        assert_eq!(retry_after_ms(0), 30_000);
        assert_eq!(retry_after_ms(1), 60_000);
        assert_eq!(retry_after_ms(6), 1_920_000);
        assert_eq!(retry_after_ms(7), 3_600_000);
        assert_eq!(retry_after_ms(i64::MAX), 3_600_000);
        assert_eq!(retry_after_ms(-3), 30_000);
    }
}
