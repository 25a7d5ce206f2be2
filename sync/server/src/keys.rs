//! Head office's signing key: `server.key` in the data folder (64 hex digits, owner-only), made
//! the first time the server or `enroll` runs. Tills keep its public half from their enrolment and
//! check every acknowledgement with it.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use ed25519_dalek::SigningKey;
use pos_journal::signature::RecordSigner;
use pos_journal::{hex, unhex};

/// The key file's name in the data folder.
pub const KEY_FILE: &str = "server.key";

/// Reads head office's key from `data`, making it the first time.
pub fn load_or_create(data: &Path) -> anyhow::Result<RecordSigner> {
    let path = data.join(KEY_FILE);
    if path.exists() {
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let Some(secret) = unhex(text.trim()).and_then(|b| <[u8; 32]>::try_from(b).ok()) else {
            bail!(
                "{} is not head office's key (64 hex digits): restore it from the server's backup",
                path.display()
            );
        };
        return Ok(RecordSigner::new(SigningKey::from_bytes(&secret)));
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("no randomness for the key: {e}"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(&path).with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(hex(&secret).as_bytes())
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    std::fs::File::open(data)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", data.display()))?;
    Ok(RecordSigner::new(SigningKey::from_bytes(&secret)))
}
