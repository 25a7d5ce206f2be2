//! One-time enrolment codes: twelve characters of Crockford's base-32 alphabet (no I, L, O or U to
//! misread), printed in three groups, valid for a limited time, spent by the first till that
//! presents them. Head office keeps only their SHA-256.

use pos_journal::sha256;

use crate::http::normalise_code;
use crate::storage::NewEnrolment;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A fresh code and what head office keeps of it.
pub fn new_code(store: &str, number: u32, expires_ms: i64) -> anyhow::Result<(String, NewEnrolment)> {
    let mut random = [0u8; 12];
    getrandom::fill(&mut random).map_err(|e| anyhow::anyhow!("no randomness for the code: {e}"))?;
    let chars: String = random.iter().map(|b| ALPHABET[usize::from(b % 32)] as char).collect();
    let code = format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12]);
    let kept = NewEnrolment {
        code_hash: sha256(normalise_code(&code).as_bytes()),
        store: store.to_owned(),
        number,
        expires_ms,
    };
    Ok((code, kept))
}
