//! Signing journal records: Ed25519 (RFC 8032) with the till's key, the costly half done ahead.
//!
//! An Ed25519 signature of a message `M` is `(R, s)` with `R = r·B`, `k = SHA-512(R ‖ A ‖ M)` and
//! `s = r + k·a (mod ℓ)`, where `a` is the secret scalar and `A = a·B` the public key. Computing
//! `R` (a fixed-base scalar multiplication) is about 60 % of the work and does not depend on `M`
//! when the nonce `r` is not derived from the message. RFC 8032 derives `r` from the message so
//! that a signer needs no random source; a verifier cannot tell and does not care how `r` was
//! chosen, only that it is secret and never used twice.
//!
//! The till's [`RecordSigner`] keeps a background thread that prepares a few `(r, R)` pairs while
//! the counter is idle, so that a ticket's commit only hashes and does one scalar multiply-add.
//! Each nonce is `r = SHA-512("pos-till/nonce/1" ‖ prefix ‖ 32 random bytes ‖ counter) mod ℓ`, with
//! the key's secret hash prefix: unpredictable even if the operating system's random source were
//! weak, unique as long as it is not broken outright, and each pair is handed out once (a channel
//! moves it). Pairs live only in memory: a crash drops them unused. When no pair is ready (a burst
//! of commits, or the thread could not get randomness) the signer signs the RFC 8032 way.
//!
//! Both kinds of signature verify with any Ed25519 verifier; `pos-till verify` does not know which
//! was used.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ed25519_dalek::hazmat::ExpandedSecretKey;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha512};

/// Pairs prepared ahead: enough for a ticket and the events committed with it.
const AHEAD: usize = 4;

/// A nonce and its commitment `R = r·B`, used for one signature only.
struct Nonce {
    r: Scalar,
    big_r: [u8; 32],
}

/// Signs journal records with the till's key.
pub struct RecordSigner {
    key: SigningKey,
    scalar: Scalar,
    public: [u8; 32],
    ahead: Option<Receiver<Nonce>>,
}

impl RecordSigner {
    /// A signer that signs the RFC 8032 way only (tools, tests, one-off records).
    pub fn new(key: SigningKey) -> RecordSigner {
        let expanded = ExpandedSecretKey::from(key.as_bytes());
        let public = key.verifying_key().to_bytes();
        RecordSigner { key, scalar: expanded.scalar, public, ahead: None }
    }

    /// A signer with a thread that prepares nonces while the till is idle (the till at the counter).
    pub fn with_nonces_ahead(key: SigningKey) -> RecordSigner {
        let mut signer = RecordSigner::new(key);
        let prefix = ExpandedSecretKey::from(signer.key.as_bytes()).hash_prefix;
        let (tx, rx) = sync_channel(AHEAD);
        let spawned = std::thread::Builder::new().name("nonces".into()).spawn(move || prepare(&prefix, &tx));
        if spawned.is_ok() {
            signer.ahead = Some(rx);
        }
        signer
    }

    /// The key's public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The signing key itself (archives are signed with it directly).
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Signature {
        let Some(nonce) = self.ahead.as_ref().and_then(|rx| rx.try_recv().ok()) else {
            return self.key.sign(message);
        };
        let mut h = Sha512::new();
        h.update(nonce.big_r);
        h.update(self.public);
        h.update(message);
        let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
        let s = k * self.scalar + nonce.r;
        Signature::from_components(nonce.big_r, s.to_bytes())
    }
}

/// The background thread: fills the channel, waits while it is full, stops when the signer is
/// dropped or randomness cannot be had.
fn prepare(prefix: &[u8; 32], tx: &SyncSender<Nonce>) {
    let mut counter = 0u64;
    loop {
        let mut random = [0u8; 32];
        if getrandom::fill(&mut random).is_err() {
            return;
        }
        counter += 1;
        let mut h = Sha512::new();
        h.update(b"pos-till/nonce/1");
        h.update(prefix);
        h.update(random);
        h.update(counter.to_le_bytes());
        let r = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
        let big_r = EdwardsPoint::mul_base(&r).compress().to_bytes();
        match tx.try_send(Nonce { r, big_r }) {
            Ok(()) => {}
            Err(TrySendError::Full(nonce)) => {
                if tx.send(nonce).is_err() {
                    return;
                }
            }
            Err(TrySendError::Disconnected(_)) => return,
        }
    }
}

/// Checks many signatures by one key at once; `true` only if every one is valid.
///
/// Each signature `(R, s)` of `M` satisfies `s·B = R + k·A` with `k = SHA-512(R ‖ A ‖ M)`. With
/// random 128-bit weights `z`, the sum `Σz·R + (Σz·k)·A − (Σz·s)·B` is the identity (times the
/// cofactor 8) when all hold, and is not, but with probability 2⁻¹²⁸, when one does not. All the
/// records of a till share its key, so `A` enters the sum once instead of once per signature, which
/// halves the points of the multi-scalar multiplication (the cost of verification).
///
/// `false` says that at least one is bad (or that no randomness could be had): the caller checks
/// them one by one to name it. A non-canonical `s` or an `R` that is not a point fails the batch.
pub fn verify_batch(key: &VerifyingKey, items: &[(&[u8], &[u8; 64])]) -> bool {
    let public = key.to_bytes();
    let Some(a) = CompressedEdwardsY(public).decompress() else {
        return false;
    };
    let mut weights = vec![0u8; 16 * items.len()];
    if getrandom::fill(&mut weights).is_err() {
        return false;
    }
    let mut scalars = Vec::with_capacity(items.len() + 2);
    let mut points = Vec::with_capacity(items.len() + 2);
    let (mut on_b, mut on_a) = (Scalar::ZERO, Scalar::ZERO);
    for ((message, sig), weight) in items.iter().zip(weights.chunks_exact(16)) {
        let mut r_bytes = [0u8; 32];
        r_bytes.copy_from_slice(&sig[..32]);
        let mut s_bytes = [0u8; 32];
        s_bytes.copy_from_slice(&sig[32..]);
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)) else {
            return false;
        };
        let Some(r) = CompressedEdwardsY(r_bytes).decompress() else {
            return false;
        };
        let mut h = Sha512::new();
        h.update(r_bytes);
        h.update(public);
        h.update(message);
        let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
        let mut z = [0u8; 32];
        z[..16].copy_from_slice(weight);
        let z = Scalar::from_bytes_mod_order(z);
        on_b -= z * s;
        on_a += z * k;
        scalars.push(z);
        points.push(r);
    }
    scalars.push(on_b);
    points.push(ED25519_BASEPOINT_POINT);
    scalars.push(on_a);
    points.push(a);
    EdwardsPoint::vartime_multiscalar_mul(scalars, points).mul_by_cofactor().is_identity()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    #[test]
    fn prepared_signatures_verify_strictly_and_never_reuse_a_nonce() {
        let signer = RecordSigner::with_nonces_ahead(key());
        let public = signer.verifying_key();
        let mut seen = HashSet::new();
        let mut prepared = 0;
        for i in 0..2_000u32 {
            if prepared == 0 {
                // Give the thread time to fill, as the counter's idle moments do.
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            let message = i.to_le_bytes();
            let sig = signer.sign(&message);
            public.verify_strict(&message, &sig).expect("a valid Ed25519 signature");
            assert!(seen.insert(sig.r_bytes().to_owned()), "a nonce was used twice");
            if sig != key().sign(&message) {
                prepared += 1;
            }
            // Wrong message or altered s: refused.
            assert!(public.verify_strict(&(i + 1).to_le_bytes(), &sig).is_err());
            let mut bytes = sig.to_bytes();
            bytes[40] ^= 1;
            assert!(public.verify_strict(&message, &Signature::from_bytes(&bytes)).is_err());
        }
        assert!(prepared > 0, "the prepared nonces were used");
    }

    #[test]
    fn a_batch_passes_only_when_every_signature_is_good() {
        let signer = RecordSigner::new(key());
        let messages: Vec<[u8; 32]> = (0..64u8).map(|i| [i; 32]).collect();
        let sigs: Vec<[u8; 64]> = messages.iter().map(|m| signer.sign(m).to_bytes()).collect();
        let items = |sigs: &[[u8; 64]]| -> Vec<(Vec<u8>, [u8; 64])> {
            messages.iter().map(|m| m.to_vec()).zip(sigs.iter().copied()).collect()
        };
        let check = |v: &[(Vec<u8>, [u8; 64])], key: &VerifyingKey| {
            let refs: Vec<(&[u8], &[u8; 64])> = v.iter().map(|(m, s)| (m.as_slice(), s)).collect();
            verify_batch(key, &refs)
        };
        let public = signer.verifying_key();
        assert!(check(&items(&sigs), &public));
        assert!(check(&items(&sigs[..1]), &public));
        // One bit of one s, one R, a non-canonical s, a swapped pair, another key: refused.
        for i in [0usize, 31, 63] {
            let mut bad = sigs.clone();
            bad[i][40] ^= 1;
            assert!(!check(&items(&bad), &public), "altered s of {i}");
            let mut bad = sigs.clone();
            bad[i][3] ^= 1;
            assert!(!check(&items(&bad), &public), "altered R of {i}");
        }
        let mut bad = sigs.clone();
        bad[5][63] |= 0xf0;
        assert!(!check(&items(&bad), &public), "non-canonical s");
        let mut bad = sigs.clone();
        bad.swap(1, 2);
        assert!(!check(&items(&bad), &public), "signatures swapped between records");
        let other = SigningKey::from_bytes(&[9u8; 32]).verifying_key();
        assert!(!check(&items(&sigs), &other), "another till's key");
    }

    #[test]
    fn without_the_thread_signatures_are_the_rfc_8032_ones() {
        let signer = RecordSigner::new(key());
        assert_eq!(signer.sign(b"ticket"), key().sign(b"ticket"));
        // The RFC 8032 test vector 1 (empty message) through the same key type.
        let secret: [u8; 32] = std::array::from_fn(|i| {
            u8::from_str_radix(
                &"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"[2 * i..2 * i + 2],
                16,
            )
            .unwrap()
        });
        let sig = RecordSigner::new(SigningKey::from_bytes(&secret)).sign(b"");
        assert!(pos_core::journal::hex(&sig.to_bytes()).starts_with("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"));
    }
}
