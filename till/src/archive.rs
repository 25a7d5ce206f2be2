//! Writing the signed archive of a period (`pos-till archive`) and the export of a whole journal
//! (`pos-till export`); their formats and checks are the journal crate's ([`pos_journal::archive`],
//! [`pos_journal::export`]), which `pos-journal verify` runs with no till.

use std::path::{Path, PathBuf};

use ed25519_dalek::{Signer, SigningKey};
use pos_journal::archive::{ArchiveFile, ArchivedKey, ArchivedRecord, FORMAT};
use pos_journal::export::ExportFile;
use pos_journal::{self as journal, hex};
use rusqlite::{Connection, params};

use crate::error::TillError;
use crate::store;
use pos_journal::keys::KeyRing;

/// What [`write`] made.
pub struct Written {
    /// The file.
    pub path: PathBuf,
    /// First seq.
    pub from_seq: u64,
    /// Last seq.
    pub to_seq: u64,
    /// Digest, hex.
    pub digest: String,
}

/// Writes the archive of `period` (`YYYY-MM`) into `dir/archives/`, signed with `key` (the key in
/// force, the last of `ring`).
pub fn write(
    conn: &Connection,
    key: &SigningKey,
    ring: &KeyRing,
    dir: &Path,
    period: &str,
) -> Result<Written, TillError> {
    let ok =
        period.len() == 7 && chrono::NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").is_ok();
    if !ok {
        return Err(TillError::refused(format!("`{period}` is not a month: give YYYY-MM")));
    }
    let id = store::identity(conn)?;
    let (from, to): (Option<u64>, Option<u64>) = conn.query_row(
        "SELECT MIN(seq), MAX(seq) FROM journal WHERE chain = 'live' AND substr(at, 1, 7) = ?1",
        [period],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (Some(from), Some(to)) = (from, to) else {
        return Err(TillError::refused(format!("the journal holds nothing of {period}")));
    };
    let mut stmt = conn.prepare(
        "SELECT bytes, prev, hash, sig FROM journal WHERE chain = 'live' AND seq BETWEEN ?1 AND ?2 ORDER BY seq",
    )?;
    let mut records = Vec::new();
    let mut hashes = Vec::new();
    for row in stmt.query_map(params![from, to], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, Vec<u8>>(2)?,
            r.get::<_, Vec<u8>>(3)?,
        ))
    })? {
        let (bytes, prev, hash, sig) = row?;
        hashes.extend_from_slice(&hash);
        records.push(ArchivedRecord {
            bytes: String::from_utf8(bytes).map_err(|_| TillError::storage("a record is not UTF-8"))?,
            prev: hex(&prev),
            hash: hex(&hash),
            sig: hex(&sig),
        });
    }
    let mut file = ArchiveFile {
        format: FORMAT.into(),
        till: id.till.clone(),
        public_key: hex(&key.verifying_key().to_bytes()),
        keys: ring.keys().iter().map(|k| ArchivedKey { from_seq: k.from_seq, key: hex(&k.key) }).collect(),
        period: period.into(),
        from_seq: from,
        to_seq: to,
        records,
        digest: hex(&journal::sha256(&hashes)),
        signature: String::new(),
    };
    let signed = file.signed().map_err(TillError::storage)?;
    file.signature = hex(&key.sign(&signed).to_bytes());
    let folder = dir.join("archives");
    std::fs::create_dir_all(&folder)
        .map_err(|e| TillError::storage(format!("cannot create {}: {e}", folder.display())))?;
    let path = folder.join(format!("{}-{period}.json", id.till));
    let text = serde_json::to_vec_pretty(&file).map_err(|e| TillError::storage(e.to_string()))?;
    std::fs::write(&path, text)
        .map_err(|e| TillError::storage(format!("cannot write {}: {e}", path.display())))?;
    Ok(Written { path, from_seq: from, to_seq: to, digest: file.digest })
}

/// Writes the live chain of the till on `conn`, from its first record, to `out` (a journal export
/// for an inspector or head office); the number of records.
pub fn export(conn: &Connection, out: &Path) -> Result<u64, TillError> {
    let id = store::identity(conn)?;
    let mut stmt =
        conn.prepare("SELECT bytes, prev, hash, sig FROM journal WHERE chain = 'live' ORDER BY seq")?;
    let records = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })?
        .map(|row| {
            let (bytes, prev, hash, sig) = row?;
            Ok(ArchivedRecord {
                bytes: String::from_utf8(bytes).map_err(|_| TillError::storage("a record is not UTF-8"))?,
                prev: hex(&prev),
                hash: hex(&hash),
                sig: hex(&sig),
            })
        })
        .collect::<Result<Vec<_>, TillError>>()?;
    let n = records.len() as u64;
    let file = ExportFile {
        format: pos_journal::export::FORMAT.into(),
        till: id.till,
        chain: pos_journal::ChainName::Live,
        records,
    };
    let text = serde_json::to_vec_pretty(&file).map_err(|e| TillError::storage(e.to_string()))?;
    std::fs::write(out, text)
        .map_err(|e| TillError::storage(format!("cannot write {}: {e}", out.display())))?;
    Ok(n)
}
