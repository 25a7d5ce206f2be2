//! The fiscal journal's record format and chaining rule (French cash-register law, CGI art. 286 I 3° bis).
//!
//! A record is a [`Header`] and a JSON body. Its **canonical bytes** are a JSON object written with
//! keys sorted by their UTF-8 bytes, no spaces, integers only (no floats: amounts are cents or decimal
//! strings), strings escaped as `serde_json` escapes them — a subset of RFC 8785 that any later version
//! reproduces byte for byte. Format version [`FORMAT`] is written into every record and frozen by the
//! golden test in `tests/journal.rs`.
//!
//! Each record's hash is `SHA-256("pos-journal/1" ‖ previous hash ‖ canonical bytes)`; the first record
//! of a chain takes [`GENESIS`] as its previous hash; the till signs that hash ([`crate::signature`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The record format written by this version.
pub const FORMAT: u32 = 1;

/// The previous hash of a chain's first record.
pub const GENESIS: [u8; 32] = [0; 32];

/// The kinds of record, each numbered without gaps in its own sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A sale, return or exchange, paid.
    Ticket,
    /// An invoice issued for a ticket.
    Invoice,
    /// A daily (Z), monthly or yearly closure.
    Closure,
    /// A reprint of a receipt.
    Duplicate,
    /// Money in or out of the drawer that is not a sale: opening float, cash in/out, tender change.
    PaymentProof,
    /// A technical event: start, stop, recovery, configuration, rights, failed login, closure, archive.
    Event,
    /// A signed archive of a period.
    Archive,
    /// A step of the open basket (line added, removed, discounted, parked ...), so it survives a crash.
    Operation,
}

impl Kind {
    /// Every kind, in a fixed order.
    pub const ALL: [Kind; 8] = [
        Kind::Ticket,
        Kind::Invoice,
        Kind::Closure,
        Kind::Duplicate,
        Kind::PaymentProof,
        Kind::Event,
        Kind::Archive,
        Kind::Operation,
    ];

    /// The name used in the database and in the canonical bytes.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ticket => "ticket",
            Kind::Invoice => "invoice",
            Kind::Closure => "closure",
            Kind::Duplicate => "duplicate",
            Kind::PaymentProof => "payment_proof",
            Kind::Event => "event",
            Kind::Archive => "archive",
            Kind::Operation => "operation",
        }
    }

    /// The kind named `s`.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a record is chained: the live journal, or training mode's own chain that never touches totals.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainName {
    /// Real sales.
    Live,
    /// Training mode.
    Training,
}

impl ChainName {
    /// The name in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ChainName::Live => "live",
            ChainName::Training => "training",
        }
    }

    /// The chain named `s`.
    pub fn parse(s: &str) -> Option<ChainName> {
        match s {
            "live" => Some(ChainName::Live),
            "training" => Some(ChainName::Training),
            _ => None,
        }
    }
}

/// What every record says of itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Format version ([`FORMAT`]).
    pub v: u32,
    /// The till (`LYO-1`).
    pub till: String,
    /// Its chain.
    pub chain: ChainName,
    /// Position in the chain, from 1, without gaps.
    pub seq: u64,
    /// Kind.
    pub kind: Kind,
    /// Number within the kind and chain, from 1, without gaps.
    pub no: u64,
    /// Local date and time with offset (RFC 3339), as the till's clock read it.
    pub at: String,
}

/// Why bytes are not a canonical record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Not JSON, or not an object with `header` and `body`.
    #[error("not a journal record: {0}")]
    Malformed(String),
    /// A float in the body.
    #[error("a number that is not a whole number ({0}): amounts are cents or decimal strings")]
    Float(String),
    /// The bytes parse but are not written canonically.
    #[error("the bytes are not in canonical form")]
    NotCanonical,
    /// The body holds something the record types do not read (a field unknown to format 1).
    #[error("the body holds something a record of format 1 does not (written back, its bytes differ)")]
    NotTyped,
}

/// The canonical bytes of a record.
pub fn encode(header: &Header, body: &Value) -> Result<Vec<u8>, RecordError> {
    let header = serde_json::to_value(header).map_err(|e| RecordError::Malformed(e.to_string()))?;
    // `{"body":…,"header":…}`: the two keys in byte order, written without building the outer object.
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(b"{\"body\":");
    write(body, &mut out)?;
    out.extend_from_slice(b",\"header\":");
    write(&header, &mut out)?;
    out.push(b'}');
    Ok(out)
}

/// The canonical bytes of any JSON value (keys sorted, no spaces, integers only): what a signature
/// over something other than a record (an archive's description) is computed on.
pub fn canonical(value: &Value) -> Result<Vec<u8>, RecordError> {
    let mut out = Vec::new();
    write(value, &mut out)?;
    Ok(out)
}

/// Reads canonical bytes back, and refuses bytes that are not exactly what [`encode`] writes.
pub fn decode(bytes: &[u8]) -> Result<(Header, Value), RecordError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| RecordError::Malformed(e.to_string()))?;
    let Value::Object(mut map) = value else {
        return Err(RecordError::Malformed("not an object".into()));
    };
    let body = map.remove("body").ok_or_else(|| RecordError::Malformed("no body".into()))?;
    let header = map.remove("header").ok_or_else(|| RecordError::Malformed("no header".into()))?;
    if !map.is_empty() {
        return Err(RecordError::Malformed("fields besides header and body".into()));
    }
    let header: Header = serde_json::from_value(header).map_err(|e| RecordError::Malformed(e.to_string()))?;
    if encode(&header, &body)? != bytes {
        return Err(RecordError::NotCanonical);
    }
    Ok((header, body))
}

/// The chained hash of a record.
pub fn chain_hash(previous: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"pos-journal/1");
    h.update(previous);
    h.update(canonical);
    h.finalize().into()
}

/// SHA-256 of some bytes (archives, key fingerprints).
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// A public key's fingerprint as printed on Z reports and by `pos-till verify`: the first 16 hex digits
/// of its SHA-256. Compared with what head office registered, or with `--expect-key`.
pub fn fingerprint(public_key: &[u8; 32]) -> String {
    let mut h = hex(&sha256(public_key));
    h.truncate(16);
    h
}

/// Whether `typed` names the key whose fingerprint is `fingerprint`: case, spaces and colons ignored,
/// so `3F2A 9C1E ...` as read off a paper Z matches.
pub fn fingerprint_matches(fingerprint: &str, typed: &str) -> bool {
    let typed: String =
        typed.chars().filter(|c| !c.is_whitespace() && *c != ':').flat_map(char::to_lowercase).collect();
    !typed.is_empty() && typed == fingerprint
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Parses lower- or upper-case hexadecimal.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

fn write(v: &Value, out: &mut Vec<u8>) -> Result<(), RecordError> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => {
            use std::io::Write as _;
            // Writing to a Vec cannot fail.
            let _ = match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => write!(out, "{i}"),
                (None, Some(u)) => write!(out, "{u}"),
                (None, None) => return Err(RecordError::Float(n.to_string())),
            };
        }
        Value::String(s) => {
            serde_json::to_writer(&mut *out, s).map_err(|e| RecordError::Malformed(e.to_string()))?;
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // serde_json's map is ordered by key already, unless a dependency turns on its
            // `preserve_order` feature: sort again, then (cheap when already in order).
            let mut fields: Vec<(&String, &Value)> = map.iter().collect();
            fields.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (k, v)) in fields.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, k).map_err(|e| RecordError::Malformed(e.to_string()))?;
                out.push(b':');
                write(v, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}
