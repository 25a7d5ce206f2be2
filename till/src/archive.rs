//! Signed archives of a period: a self-contained JSON file that `pos-till verify-archive` checks with
//! no database.
//!
//! Format `pos-till-archive/1`: the till, its public key, the period, the live records of the period
//! (each its canonical bytes as a string, its previous hash, hash and signature), the SHA-256 digest of
//! the records' hashes in order, and the till's signature of that digest.

use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use pos_core::journal::{self, hex, unhex};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::error::TillError;
use crate::store;

/// One record in an archive.
#[derive(Debug, Serialize, Deserialize)]
pub struct ArchivedRecord {
    /// Canonical bytes (UTF-8 JSON).
    pub bytes: String,
    /// Previous hash, hex.
    pub prev: String,
    /// Hash, hex.
    pub hash: String,
    /// Signature, hex.
    pub sig: String,
}

/// An archive file.
#[derive(Debug, Serialize, Deserialize)]
pub struct ArchiveFile {
    /// `pos-till-archive/1`.
    pub format: String,
    /// Till.
    pub till: String,
    /// Public key, hex.
    pub public_key: String,
    /// Period (`YYYY-MM`).
    pub period: String,
    /// First seq.
    pub from_seq: u64,
    /// Last seq.
    pub to_seq: u64,
    /// Records.
    pub records: Vec<ArchivedRecord>,
    /// SHA-256 of the concatenated record hashes, hex.
    pub digest: String,
    /// Signature of the digest, hex.
    pub signature: String,
}

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

/// Writes the archive of `period` (`YYYY-MM`) into `dir/archives/`.
pub fn write(conn: &Connection, key: &SigningKey, dir: &Path, period: &str) -> Result<Written, TillError> {
    let ok =
        period.len() == 7 && chrono::NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").is_ok();
    if !ok {
        return Err(TillError::Refused(format!("`{period}` is not a month: give YYYY-MM")));
    }
    let id = store::identity(conn)?;
    let (from, to): (Option<u64>, Option<u64>) = conn.query_row(
        "SELECT MIN(seq), MAX(seq) FROM journal WHERE chain = 'live' AND substr(at, 1, 7) = ?1",
        [period],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (Some(from), Some(to)) = (from, to) else {
        return Err(TillError::Refused(format!("the journal holds nothing of {period}")));
    };
    let mut stmt = conn.prepare("SELECT bytes, prev, hash, sig FROM journal WHERE chain = 'live' AND seq BETWEEN ?1 AND ?2 ORDER BY seq")?;
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
            bytes: String::from_utf8(bytes)
                .map_err(|_| TillError::Storage("a record is not UTF-8".into()))?,
            prev: hex(&prev),
            hash: hex(&hash),
            sig: hex(&sig),
        });
    }
    let digest = journal::sha256(&hashes);
    let file = ArchiveFile {
        format: "pos-till-archive/1".into(),
        till: id.till.clone(),
        public_key: hex(&id.public_key),
        period: period.into(),
        from_seq: from,
        to_seq: to,
        records,
        digest: hex(&digest),
        signature: hex(&key.sign(&digest).to_bytes()),
    };
    let folder = dir.join("archives");
    std::fs::create_dir_all(&folder)
        .map_err(|e| TillError::Storage(format!("cannot create {}: {e}", folder.display())))?;
    let path = folder.join(format!("{}-{period}.json", id.till));
    let text = serde_json::to_vec_pretty(&file).map_err(|e| TillError::Storage(e.to_string()))?;
    std::fs::write(&path, text)
        .map_err(|e| TillError::Storage(format!("cannot write {}: {e}", path.display())))?;
    Ok(Written { path, from_seq: from, to_seq: to, digest: file.digest })
}

/// Checks an archive file: every record's chain link, hash and signature, the digest and its
/// signature. Returns the number of records and the key's fingerprint (to compare with the one head
/// office registered).
pub fn verify(bytes: &[u8]) -> Result<(usize, String), String> {
    let file: ArchiveFile = serde_json::from_slice(bytes).map_err(|e| format!("not an archive: {e}"))?;
    if file.format != "pos-till-archive/1" {
        return Err(format!("unknown archive format `{}`", file.format));
    }
    let key_bytes: [u8; 32] = unhex(&file.public_key)
        .and_then(|b| b.try_into().ok())
        .ok_or("the public key is not 32 bytes of hex")?;
    let key =
        VerifyingKey::from_bytes(&key_bytes).map_err(|e| format!("the public key is not valid: {e}"))?;
    let mut hashes = Vec::new();
    let mut prev: Option<Vec<u8>> = None;
    for (i, r) in file.records.iter().enumerate() {
        let seq = file.from_seq + i as u64;
        let at = |m: &str| format!("record {seq}: {m}");
        let p = unhex(&r.prev).filter(|p| p.len() == 32).ok_or_else(|| at("bad previous hash"))?;
        if let Some(expected) = &prev
            && *expected != p
        {
            return Err(at("does not follow the record before it (removed, inserted or reordered)"));
        }
        let p32: [u8; 32] = p.try_into().map_err(|_| at("bad previous hash"))?;
        let hash = journal::chain_hash(&p32, r.bytes.as_bytes());
        if hex(&hash) != r.hash {
            return Err(at("its hash does not match its content (altered)"));
        }
        let (header, _) = journal::decode(r.bytes.as_bytes()).map_err(|e| at(&e.to_string()))?;
        if header.seq != seq || header.till != file.till {
            return Err(at("its header does not match its place in the archive"));
        }
        let sig = unhex(&r.sig)
            .and_then(|s| Signature::from_slice(&s).ok())
            .ok_or_else(|| at("malformed signature"))?;
        if !crate::signer::verify_one(&key, &hash, &sig.to_bytes()) {
            return Err(at("its signature is not the till's"));
        }
        hashes.extend_from_slice(&hash);
        prev = Some(hash.to_vec());
    }
    if file.records.len() as u64 != file.to_seq + 1 - file.from_seq {
        return Err("the archive does not hold every record of its range".into());
    }
    let digest = journal::sha256(&hashes);
    if hex(&digest) != file.digest {
        return Err("the digest does not match the records".into());
    }
    let sig = unhex(&file.signature)
        .and_then(|s| Signature::from_slice(&s).ok())
        .ok_or("malformed archive signature")?;
    if !crate::signer::verify_one(&key, &digest, &sig.to_bytes()) {
        return Err("the archive's signature is not the till's".to_string());
    }
    Ok((file.records.len(), hex(&journal::sha256(&key_bytes))[..16].to_owned()))
}
