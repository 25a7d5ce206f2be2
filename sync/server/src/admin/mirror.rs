//! The books' entries as the admin page reads them: kept in memory and brought up to date from the
//! entries written since (an entry is never changed once written, so what was read stays true).
//! The first page after a start reads them all; each later one reads only the new ones.

use std::sync::Arc;

use pos_ledger::Entry;

use crate::storage::{Storage, StorageError};

/// Every entry written, in the order written.
#[derive(Default)]
pub struct Mirror {
    held: tokio::sync::Mutex<(i64, Arc<Vec<Entry>>)>,
}

impl Mirror {
    /// Every entry, up to date.
    pub async fn entries(&self, storage: &Storage) -> Result<Arc<Vec<Entry>>, StorageError> {
        let mut held = self.held.lock().await;
        let rows = storage
            .rows("SELECT id, body FROM books_entry WHERE id > $1 ORDER BY id", vec![held.0.into()])
            .await?;
        if let Some(last) = rows.last() {
            let last = last[0].int()?;
            let new = rows
                .iter()
                .map(|r| {
                    serde_json::from_str::<Entry>(&r[1].text()?)
                        .map_err(|e| StorageError(format!("an entry does not read: {e}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            // In place when no page holds the last copy; else a copy (the page keeps its own).
            Arc::make_mut(&mut held.1).extend(new);
            held.0 = last;
        }
        Ok(Arc::clone(&held.1))
    }
}
