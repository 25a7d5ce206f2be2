//! Signed archives of a period: a self-contained JSON file checked with no database and no private
//! key (`pos-journal verify`, `pos-till verify-archive`).
//!
//! Format `pos-till-archive/2`: the till, the key signing the archive and the keys in force over the
//! till's life, the period, the live records of the period (each its canonical bytes as a string, its
//! previous hash, hash and signature), the SHA-256 digest of the records' hashes in order, and the
//! till's signature of the SHA-256 of the archive's description (format, till, keys, period, range and
//! digest, as canonical JSON): the period and the range are signed, so an archive cannot be passed off
//! as another month's. Format 1 (the records' digest alone was signed) is still read.

use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::check::{Accepted, ChainWalk, Stored};
use crate::keys::{KeyInForce, KeyRing};
use crate::{ChainName, canonical, fingerprint, fingerprint_matches, hex, sha256, unhex};

/// The format this version writes.
pub const FORMAT: &str = "pos-till-archive/2";
/// The first format, still read (its period is not signed).
pub const FORMAT_1: &str = "pos-till-archive/1";

/// One record in an archive.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize, Deserialize)]
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
    pub fn signed(&self) -> Result<[u8; 32], String> {
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
        let bytes = canonical(&description).map_err(|e| e.to_string())?;
        Ok(sha256(&bytes))
    }
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

/// Walks `rows` (the first is record `first_seq`) on `walk`: each row's hex read back, then the
/// walk's checks; the records accepted, or the first that is not, named.
pub(crate) fn walk_rows(
    walk: &mut ChainWalk,
    first_seq: u64,
    rows: &[ArchivedRecord],
) -> Result<Vec<Accepted>, String> {
    let mut stored = Vec::with_capacity(rows.len());
    for r in rows {
        let bad = |what: &str| format!("record {}: malformed {what}", first_seq + stored.len() as u64);
        stored.push((
            unhex(&r.prev).ok_or_else(|| bad("previous hash"))?,
            unhex(&r.hash).ok_or_else(|| bad("hash"))?,
            unhex(&r.sig).ok_or_else(|| bad("signature"))?,
        ));
    }
    let records: Vec<Stored<'_>> = rows
        .iter()
        .zip(&stored)
        .map(|(r, (prev, hash, sig))| Stored { bytes: r.bytes.as_bytes(), prev, hash, sig })
        .collect();
    match walk.check_many(&records) {
        (_, Some(refused)) => Err(format!("record {}: {}", refused.seq, refused.fault)),
        (accepted, None) => Ok(accepted),
    }
}

/// Checks an archive file: every record's chain link, hash and signature by the key in force, the
/// digest, and the archive's signature (over its period and range in format 2). With `expect_key`,
/// the archive must be signed by a key with that fingerprint (as head office registered it). The
/// records are checked on up to `threads` threads.
pub fn verify(bytes: &[u8], expect_key: Option<&str>, threads: usize) -> Result<Checked, String> {
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
    let ring = KeyRing::from_keys(
        keys.iter().map(|(from_seq, k, _)| KeyInForce { from_seq: *from_seq, key: k.to_bytes() }).collect(),
    )
    .ok_or("the archive's keys are not in the order they took over")?;
    let mut walk = ChainWalk::resume(&file.till, ChainName::Live, file.from_seq, ring)
        .ok_or("a public key of the archive is not a valid key")?
        .with_threads(threads);
    let accepted = walk_rows(&mut walk, file.from_seq, &file.records)?;
    let mut hashes = Vec::with_capacity(32 * accepted.len());
    let mut used: Vec<usize> = Vec::new();
    for a in &accepted {
        hashes.extend_from_slice(&a.hash);
        if !used.contains(&a.key_index) {
            used.push(a.key_index);
        }
    }
    if file.to_seq.checked_add(1).map(|n| n.saturating_sub(file.from_seq)) != Some(file.records.len() as u64)
    {
        return Err("the archive does not hold every record of its range".into());
    }
    let digest = sha256(&hashes);
    if hex(&digest) != file.digest {
        return Err("the digest does not match the records".into());
    }
    let sig = unhex(&file.signature)
        .and_then(|s| Signature::from_slice(&s).ok())
        .ok_or("malformed archive signature")?;
    let message = if period_signed { file.signed()? } else { digest };
    if !crate::signature::verify_one(&archive_key, &message, &sig.to_bytes()) {
        return Err(if period_signed {
            "the archive's signature does not cover what it says (its period, range or keys were changed, or it is not the till's)".into()
        } else {
            "the archive's signature is not the till's".into()
        });
    }
    let fingerprint = fingerprint(&archive_key.to_bytes());
    let all: Vec<String> = keys.iter().map(|(_, k, _)| crate::fingerprint(&k.to_bytes())).collect();
    if let Some(fp) = expect_key
        && !all.iter().any(|k| fingerprint_matches(k, fp))
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
