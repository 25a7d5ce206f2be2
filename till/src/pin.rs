//! Staff PINs, stored hashed with Argon2id (salted); never kept in clear.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::TillError;

fn argon() -> Argon2<'static> {
    // 8 MiB, 2 passes: a PIN check stays well under 100 ms on a till, yet each guess costs an attacker as much.
    let params = Params::new(8 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a PIN (PHC string).
pub fn hash(pin: &str) -> Result<String, TillError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| TillError::storage(format!("no randomness for a salt: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| TillError::storage(e.to_string()))?;
    Ok(argon()
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|e| TillError::storage(e.to_string()))?
        .to_string())
}

/// True when `pin` matches `hash`.
pub fn verify(pin: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| argon().verify_password(pin.as_bytes(), &h).is_ok())
}
