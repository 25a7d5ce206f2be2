//! Signed archives of a period: a self-contained JSON file that `pos-till verify-archive` checks with
//! no database and no private key.
//!
//! Format `pos-till-archive/2`: the till, the key signing the archive and the keys in force over the
//! till's life, the period, the live records of the period (each its canonical bytes as a string, its
//! previous hash, hash and signature), the SHA-256 digest of the records' hashes in order, and the
//! till's signature of the SHA-256 of the archive's description (format, till, keys, period, range and
//! digest, as canonical JSON): the period and the range are signed, so an archive cannot be passed off
//! as another month's. Format 1 (the records' digest alone was signed) is still read.

use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use pos_core::journal::{self, hex, unhex};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::TillError;
use crate::keys::KeyRing;
use crate::store;

/// The format this version writes.
pub const FORMAT: &str = "pos-till-archive/2";
const FORMAT_1: &str = "pos-till-archive/1";

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

/// A key of the till and the first live record it signs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedKey {
    /// First seq.
    pub from_seq: u64,
    /// Public key, hex.
    pub key: String,
}

/// An archive file.
#[derive(Debug, Serialize, Deserialize)]
pub struct ArchiveFile {
    /// [`FORMAT`].
    pub format: String,
    /// Till.
    pub till: String,
    /// The public key signing the archive, hex.
    pub public_key: String,
    /// The keys in force over the till's life (format 2).
    #[serde(default)]
    pub keys: Vec<ArchivedKey>,
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
    /// Signature, hex: of the description's SHA-256 (format 2), of the digest (format 1).
    pub signature: String,
}

impl ArchiveFile {
    /// What the signature of a format 2 archive covers: SHA-256 of its description, canonical.
    fn signed(&self) -> Result<[u8; 32], String> {
        let description = json!({
            "format": self.format,
            "till": self.till,
            "public_key": self.public_key,
            "keys": self.keys,
            "period": self.period,
            "from_seq": self.from_seq,
            "to_seq": self.to_seq,
            "digest": self.digest,
        });
        let bytes = journal::canonical(&description).map_err(|e| e.to_string())?;
        Ok(journal::sha256(&bytes))
    }
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
            bytes: String::from_utf8(bytes)
                .map_err(|_| TillError::Storage("a record is not UTF-8".into()))?,
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
    let signed = file.signed().map_err(TillError::Storage)?;
    file.signature = hex(&key.sign(&signed).to_bytes());
    let folder = dir.join("archives");
    std::fs::create_dir_all(&folder)
        .map_err(|e| TillError::Storage(format!("cannot create {}: {e}", folder.display())))?;
    let path = folder.join(format!("{}-{period}.json", id.till));
    let text = serde_json::to_vec_pretty(&file).map_err(|e| TillError::Storage(e.to_string()))?;
    std::fs::write(&path, text)
        .map_err(|e| TillError::Storage(format!("cannot write {}: {e}", path.display())))?;
    Ok(Written { path, from_seq: from, to_seq: to, digest: file.digest })
}

/// What [`verify`] found in a good archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// Records.
    pub records: usize,
    /// The fingerprint of the key that signed the archive.
    pub fingerprint: String,
    /// The fingerprints of the keys that signed its records, oldest first.
    pub record_keys: Vec<String>,
    /// Its period, as signed (format 2) or as written (format 1, not signed).
    pub period: String,
    /// Whether the period and range are covered by the signature (format 2).
    pub period_signed: bool,
}

fn key_of(hex_key: &str) -> Result<VerifyingKey, String> {
    let bytes: [u8; 32] =
        unhex(hex_key).and_then(|b| b.try_into().ok()).ok_or("a public key is not 32 bytes of hex")?;
    match VerifyingKey::from_bytes(&bytes) {
        Ok(k) if !k.is_weak() => Ok(k),
        _ => Err(format!("the public key {hex_key} is not a valid key")),
    }
}

/// Checks an archive file: every record's chain link, hash and signature by the key in force, the
/// digest, and the archive's signature (over its period and range in format 2). With `expect_key`,
/// the archive must be signed by a key with that fingerprint (as head office registered it).
pub fn verify(bytes: &[u8], expect_key: Option<&str>) -> Result<Checked, String> {
    let file: ArchiveFile = serde_json::from_slice(bytes).map_err(|e| format!("not an archive: {e}"))?;
    let period_signed = match file.format.as_str() {
        FORMAT => true,
        FORMAT_1 => false,
        other => return Err(format!("unknown archive format `{other}`")),
    };
    let archive_key = key_of(&file.public_key)?;
    let keys: Vec<(u64, VerifyingKey, String)> = if period_signed {
        if file.keys.is_empty() || file.keys.last().map(|k| &k.key) != Some(&file.public_key) {
            return Err("the archive's keys do not end with the key that signed it".into());
        }
        file.keys
            .iter()
            .map(|k| Ok((k.from_seq, key_of(&k.key)?, k.key.clone())))
            .collect::<Result<_, String>>()?
    } else {
        vec![(1, archive_key, file.public_key.clone())]
    };
    let mut hashes = Vec::new();
    let mut prev: Option<Vec<u8>> = None;
    let mut used: Vec<usize> = Vec::new();
    for (i, r) in file.records.iter().enumerate() {
        let seq = file.from_seq.checked_add(i as u64).ok_or("the archive's range is impossible")?;
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
        let k = keys.iter().rposition(|(from, _, _)| *from <= seq).unwrap_or(0);
        if !crate::signer::verify_one(&keys[k].1, &hash, &sig.to_bytes()) {
            return Err(at("its signature is not the till's"));
        }
        if !used.contains(&k) {
            used.push(k);
        }
        hashes.extend_from_slice(&hash);
        prev = Some(hash.to_vec());
    }
    if file.to_seq.checked_add(1).map(|n| n.saturating_sub(file.from_seq)) != Some(file.records.len() as u64)
    {
        return Err("the archive does not hold every record of its range".into());
    }
    let digest = journal::sha256(&hashes);
    if hex(&digest) != file.digest {
        return Err("the digest does not match the records".into());
    }
    let sig = unhex(&file.signature)
        .and_then(|s| Signature::from_slice(&s).ok())
        .ok_or("malformed archive signature")?;
    let message = if period_signed { file.signed()? } else { digest };
    if !crate::signer::verify_one(&archive_key, &message, &sig.to_bytes()) {
        return Err(if period_signed {
            "the archive's signature does not cover what it says (its period, range or keys were changed, or it is not the till's)".into()
        } else {
            "the archive's signature is not the till's".into()
        });
    }
    let fingerprint = journal::fingerprint(&archive_key.to_bytes());
    let all: Vec<String> = keys.iter().map(|(_, k, _)| journal::fingerprint(&k.to_bytes())).collect();
    if let Some(fp) = expect_key
        && !all.iter().any(|k| journal::fingerprint_matches(k, fp))
    {
        return Err(format!("the archive is signed by key {fingerprint}, not by the expected {fp}"));
    }
    Ok(Checked {
        records: file.records.len(),
        fingerprint,
        record_keys: used.into_iter().map(|k| all[k].clone()).collect(),
        period: file.period,
        period_signed,
    })
}
