//! Head office's catalogue put in use: the version the sync pulled replaces the till's catalogue
//! tables (products, barcodes, the search index, price lists, kits, what fits what, the chain's
//! files) in one transaction, checked whole by the same loader as `init`, and is journaled with
//! its version and hash. The staff who may log in follow the version's `staff.csv` (someone new
//! logs in after the sync, someone gone no more; a PIN is hashed again only when it changed);
//! customers' points stay as the till's journal has them.

use super::*;
use crate::sync::catalogue as pulled;

/// The catalogue tables a new version replaces.
const TABLES: &[&str] =
    &["chain_file", "product", "barcode", "product_search", "price_row", "kit_row", "fits"];

impl Till {
    /// Puts head office's catalogue version pulled by the sync in use, when it is newer than the
    /// one in use and no basket is open: `Some(version)` when it did.
    pub fn apply_catalogue(&mut self) -> Result<Option<u64>, TillError> {
        let Some((version, hash)) = pulled::pulled(&self.conn)? else { return Ok(None) };
        if version <= self.state.catalogue_version || self.state.training || !self.basket().lines.is_empty() {
            return Ok(None);
        }
        let entries = pulled::entries(&self.conn)?;
        if pos_journal::hex(&pos_sync::catalogue::hash_of(&entries)) != hash {
            // Changed since it was pulled and checked: dropped, the next round takes it whole again.
            self.conn.execute_batch("DELETE FROM catalogue_mirror; DELETE FROM catalogue_pull;")?;
            return Err(TillError::storage(format!(
                "head office's catalogue version {version} held here does not match its hash: it is dropped,                  and the next sync takes the whole catalogue again"
            )));
        }
        let files = pos_sync::catalogue::files_of(&entries).map_err(TillError::storage)?;
        let incoming = self.dir.join("catalogue-incoming");
        clear_incoming(&incoming)?;
        std::fs::create_dir_all(&incoming)
            .map_err(|e| TillError::storage(format!("cannot create {}: {e}", incoming.display())))?;
        for (name, text) in &files {
            std::fs::write(incoming.join(name), text).map_err(|e| {
                TillError::storage(format!("cannot write {}: {e}", incoming.join(name).display()))
            })?;
        }
        let tx = self.conn.transaction()?;
        let staff_file = |tx: &rusqlite::Transaction<'_>| -> Result<Option<Vec<u8>>, TillError> {
            Ok(tx
                .query_row("SELECT bytes FROM chain_file WHERE name = 'staff.csv'", [], |r| r.get(0))
                .optional()?)
        };
        let staff_before = staff_file(&tx)?;
        for table in TABLES {
            tx.execute(&format!("DELETE FROM {table}"), [])?;
        }
        let chain = catalogue::import(&tx, &incoming)?;
        // PINs are checked one by one (slow by design): only when the staff's file changed.
        let staff_changed = if staff_file(&tx)? == staff_before { 0 } else { put_staff(&tx, &chain.staff)? };
        tx.commit()?;
        if staff_changed > 0 {
            tracing::info!(version, staff_changed, "staff from head office's catalogue");
        }
        // The tables hold the version now; a folder left behind is cleared by the next version.
        if let Err(e) = clear_incoming(&incoming) {
            tracing::warn!("{e}");
        }
        self.settings = catalogue::settings(&self.conn)?;
        *self.cache.borrow_mut() = catalogue::Cache::default();
        let products = chain.catalogue.products().len() as u64;
        self.commit(vec![Entry::CatalogueApplied { version, hash, products }])?;
        Ok(Some(version))
    }
}

/// Removes the folder a version is written into (a leftover of a cut run, or this one's).
fn clear_incoming(incoming: &Path) -> Result<(), TillError> {
    match std::fs::remove_dir_all(incoming) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(TillError::storage(format!("cannot remove {}: {e}", incoming.display()))),
    }
}

/// Makes the till's staff the version's: rows added, changed (name, role, or PIN: hashed again) or
/// removed; an unchanged row (PIN included) is left as it is. How many rows changed.
fn put_staff(tx: &rusqlite::Transaction<'_>, staff: &[pos_core::chain::Staff]) -> Result<usize, TillError> {
    let mut changed = 0;
    let held: Vec<(String, String, String, String)> = tx
        .prepare("SELECT id, name, role, pin_hash FROM staff")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    for (id, ..) in held.iter().filter(|(id, ..)| !staff.iter().any(|s| &s.id == id)) {
        tx.execute("DELETE FROM staff WHERE id = ?1", [id])?;
        changed += 1;
    }
    for s in staff {
        let role = role_str(s.role);
        let same = held.iter().any(|(id, name, r, hash)| {
            id == &s.id && name == &s.name && r == role && crate::pin::verify(&s.pin, hash)
        });
        if !same {
            tx.execute(
                "INSERT INTO staff (id, name, role, pin_hash) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, pin_hash = excluded.pin_hash",
                params![s.id, s.name, role, crate::pin::hash(&s.pin)?],
            )?;
            changed += 1;
        }
    }
    Ok(changed)
}
