//! Head office's acknowledgement: "I hold till T's chain C up to record S, whose hash is H", signed
//! with head office's own key. The till keeps the last one; `pos-till verify` then knows a journal
//! that no longer reaches it (a tail cut off, an old copy put back), which the till alone cannot.
//!
//! What is signed is the canonical JSON of the acknowledgement under a label of its own
//! (`pos-sync/ack/1`), so that no record, archive or other message of the system can pass for one.

use ed25519_dalek::VerifyingKey;
use pos_journal::signature::{RecordSigner, verify_one};
use pos_journal::{ChainName, canonical, hex, unhex};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// What is signed, before the acknowledgement's canonical bytes.
const LABEL: &[u8] = b"pos-sync/ack/1\n";

/// Head office holds `till`'s `chain` up to record `seq`, whose hash is `hash`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// The till.
    pub till: String,
    /// Its chain.
    pub chain: ChainName,
    /// The last record held.
    pub seq: u64,
    /// Its hash, hex.
    pub hash: String,
    /// Head office's signature, hex.
    pub signature: String,
}

fn message(till: &str, chain: ChainName, seq: u64, hash: &str) -> Vec<u8> {
    let body = json!({"till": till, "chain": chain.as_str(), "seq": seq, "hash": hash});
    let mut m = LABEL.to_vec();
    // Integers and strings only: canonical never refuses it.
    m.extend(canonical(&body).unwrap_or_default());
    m
}

impl Ack {
    /// Head office's acknowledgement of `till`'s `chain` up to `seq` (hash `hash`), signed.
    pub fn sign(server: &RecordSigner, till: &str, chain: ChainName, seq: u64, hash: &[u8; 32]) -> Ack {
        let hash = hex(hash);
        let signature = hex(&server.sign(&message(till, chain, seq, &hash)).to_bytes());
        Ack { till: till.to_owned(), chain, seq, hash, signature }
    }

    /// Whether head office's key `server` signed exactly this.
    pub fn verify(&self, server: &VerifyingKey) -> bool {
        let Some(sig) = unhex(&self.signature).and_then(|s| <[u8; 64]>::try_from(s).ok()) else {
            return false;
        };
        verify_one(server, &message(&self.till, self.chain, self.seq, &self.hash), &sig)
    }
}
