//! Head office's messages to the stores' tills, on both backends: written by an operator, carried
//! by each till's inbox (the latest for its store or for every store).

use pos_sync::web::{INBOX_MESSAGES, Message};
use rusqlite::params;

use super::{Storage, StorageError};

const LATEST: &str = "SELECT id, store, text, at_ms FROM message WHERE store IS NULL OR store = $1
     ORDER BY id DESC LIMIT $2";

impl Storage {
    /// Keeps a message for `store`'s tills (`None`: every store's); its number.
    pub async fn add_message(
        &self,
        store: Option<String>,
        text: &str,
        at_ms: i64,
    ) -> Result<i64, StorageError> {
        let text = text.trim().to_owned();
        match self {
            Storage::Sqlite(db) => {
                db.run(move |c| {
                    c.execute(
                        "INSERT INTO message (store, text, at_ms) VALUES (?1, ?2, ?3)",
                        params![store, text, at_ms],
                    )?;
                    Ok(c.last_insert_rowid())
                })
                .await
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                let row = c
                    .query_one(
                        "INSERT INTO message (store, text, at_ms) VALUES ($1, $2, $3) RETURNING id",
                        &[&store, &text, &at_ms],
                    )
                    .await?;
                Ok(row.get(0))
            }
        }
    }

    /// The latest messages for `store`'s tills, newest first.
    pub async fn messages_for(&self, store: &str) -> Result<Vec<Message>, StorageError> {
        let store = store.to_owned();
        let limit = INBOX_MESSAGES as i64;
        match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut stmt = c.prepare_cached(&LATEST.replace('$', "?"))?;
                    let rows = stmt.query_map(params![store, limit], |r| {
                        Ok(Message { id: r.get(0)?, store: r.get(1)?, text: r.get(2)?, at_ms: r.get(3)? })
                    })?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                Ok(c.query(LATEST, &[&store, &limit])
                    .await?
                    .iter()
                    .map(|r| Message { id: r.get(0), store: r.get(1), text: r.get(2), at_ms: r.get(3) })
                    .collect())
            }
        }
    }
}
