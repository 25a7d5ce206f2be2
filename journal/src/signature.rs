//! Signing journal records and checking their signatures.
//!
//! Records are signed the RFC 8032 way (Ed25519, the nonce derived from the key and the message):
//! deterministic, with no state to reuse. Preparing nonces ahead (a background thread computing
//! `R = r·B` while the counter is idle) was tried and taken out: it saved about 25 µs a commit, but a
//! nonce that does not depend on the message is used twice if the process's memory is ever run twice
//! (a virtual machine's snapshot restored, a hibernation image resumed twice), and two signatures
//! with one nonce give the key away.
//!
//! [`verify_batch`] checks many signatures of one key at once, and [`verify_one`] checks one by the
//! same rule, so that a record accepted in a batch is never refused alone, nor the reverse. Both are
//! pure: the batch's weights are drawn from a hash of the whole batch, not from the system.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha512};

/// Signs journal records with the till's key.
pub struct RecordSigner {
    key: SigningKey,
}

impl RecordSigner {
    /// A signer with `key`.
    pub fn new(key: SigningKey) -> RecordSigner {
        RecordSigner { key }
    }

    /// The key's public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The signing key itself (archives are signed with it directly).
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// Signs `message` (RFC 8032).
    pub fn sign(&self, message: &[u8]) -> Signature {
        self.key.sign(message)
    }
}

/// Checks one signature by the rule [`verify_batch`] applies.
pub fn verify_one(key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> bool {
    verify_batch(key, &[(message, signature)])
}

/// Checks many signatures by one key at once; `true` only if every one is valid.
///
/// Each signature `(R, s)` of `M` satisfies `s·B = R + k·A` with `k = SHA-512(R ‖ A ‖ M)`. With
/// random 128-bit weights `z`, the sum `Σz·R + (Σz·k)·A − (Σz·s)·B` is the identity (times the
/// cofactor 8) when all hold, and is not, but with probability 2⁻¹²⁸, when one does not. All the
/// records of a till share its key, so `A` enters the sum once instead of once per signature, which
/// halves the points of the multi-scalar multiplication (the cost of verification).
///
/// The weights are the first 128 bits of SHA-512 over a digest of the whole batch (key, every
/// signature and message) and the signature's position: fixed once the batch is, so a forger would
/// have to choose bad signatures whose errors cancel under weights that change with every bit they
/// choose (a 2⁻¹²⁸ chance a try), and the check needs no randomness from the system (a pure crate,
/// the same answer on every machine).
///
/// `false` says that at least one is bad: the caller checks them one by one ([`verify_one`]) to
/// name it. The rule: `s` canonical (below ℓ), `R` a point in its
/// one canonical encoding, the key not of small order, and the cofactored equation.
pub fn verify_batch(key: &VerifyingKey, items: &[(&[u8], &[u8; 64])]) -> bool {
    if key.is_weak() {
        return false;
    }
    let public = key.to_bytes();
    let Some(a) = CompressedEdwardsY(public).decompress() else {
        return false;
    };
    let mut batch = Sha512::new();
    batch.update(b"pos-journal/batch-weights");
    batch.update(public);
    for (message, sig) in items {
        batch.update(sig.as_slice());
        batch.update((message.len() as u64).to_le_bytes());
        batch.update(message);
    }
    let seed = batch.finalize();
    let weights: Vec<[u8; 16]> = (0..items.len() as u64)
        .map(|i| {
            let mut h = Sha512::new();
            h.update(seed);
            h.update(i.to_le_bytes());
            let mut w = [0u8; 16];
            w.copy_from_slice(&h.finalize()[..16]);
            w
        })
        .collect();
    let mut scalars = Vec::with_capacity(items.len() + 2);
    let mut points = Vec::with_capacity(items.len() + 2);
    let (mut on_b, mut on_a) = (Scalar::ZERO, Scalar::ZERO);
    for ((message, sig), weight) in items.iter().zip(&weights) {
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
        if !canonical_encoding(&r_bytes) {
            return false;
        }
        let mut h = Sha512::new();
        h.update(r_bytes);
        h.update(public);
        h.update(message);
        let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
        let mut z = [0u8; 32];
        z[..16].copy_from_slice(weight);
        z[16] = 1; // never zero
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

/// Whether `bytes` is the one encoding of the point it decodes to: `y` below p = 2²⁵⁵ − 19, and no
/// sign bit on the two points whose `x` is zero (`y` = 1 and `y` = p − 1). Checked on the bytes:
/// re-encoding the point would cost a field inversion per signature.
fn canonical_encoding(bytes: &[u8; 32]) -> bool {
    let sign = bytes[31] & 0x80 != 0;
    let mut y = *bytes;
    y[31] &= 0x7f;
    // y ≥ p: bytes 1..=30 all 0xff, byte 31 = 0x7f, byte 0 ≥ 0xed.
    if y[1..31].iter().all(|&b| b == 0xff) && y[31] == 0x7f && y[0] >= 0xed {
        return false;
    }
    let one = y[0] == 1 && y[1..].iter().all(|&b| b == 0);
    let minus_one = y[0] == 0xec && y[1..31].iter().all(|&b| b == 0xff) && y[31] == 0x7f;
    !(sign && (one || minus_one))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    /// ℓ, the order of the base point, little-endian.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];

    fn add_le(a: &[u8], b: &[u8; 32]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut carry = 0u16;
        for i in 0..32 {
            let v = u16::from(a[i]) + u16::from(b[i]) + carry;
            out[i] = (v & 0xff) as u8;
            carry = v >> 8;
        }
        out
    }

    fn check(sigs: &[[u8; 64]], messages: &[[u8; 32]], key: &VerifyingKey) -> bool {
        let items: Vec<(&[u8], &[u8; 64])> = messages.iter().map(|m| &m[..]).zip(sigs).collect();
        verify_batch(key, &items)
    }

    #[test]
    fn a_batch_passes_only_when_every_signature_is_good() {
        let signer = RecordSigner::new(key());
        let public = signer.verifying_key();
        let messages: Vec<[u8; 32]> = (0..64u8).map(|i| [i; 32]).collect();
        let sigs: Vec<[u8; 64]> = messages.iter().map(|m| signer.sign(m).to_bytes()).collect();
        assert!(check(&sigs, &messages, &public));
        assert!(check(&[], &[], &public), "nothing to check");
        for i in [0usize, 31, 63] {
            let mut bad = sigs.clone();
            bad[i][40] ^= 1;
            assert!(!check(&bad, &messages, &public), "altered s of {i}");
            let mut bad = sigs.clone();
            bad[i][3] ^= 1;
            assert!(!check(&bad, &messages, &public), "altered R of {i}");
        }
        // s + ℓ: the same value mod ℓ, not canonical.
        let mut bad = sigs.clone();
        let s_plus_l = add_le(&bad[5][32..], &L);
        bad[5][32..].copy_from_slice(&s_plus_l);
        assert!(!check(&bad, &messages, &public), "non-canonical s");
        // s₁ + 1 and s₂ − 1: caught only if the weights differ.
        let mut bad = sigs.clone();
        let one = Scalar::ONE;
        let s1 = Scalar::from_canonical_bytes(bad[1][32..].try_into().unwrap()).unwrap() + one;
        let s2 = Scalar::from_canonical_bytes(bad[2][32..].try_into().unwrap()).unwrap() - one;
        bad[1][32..].copy_from_slice(&s1.to_bytes());
        bad[2][32..].copy_from_slice(&s2.to_bytes());
        assert!(!check(&bad, &messages, &public), "errors that cancel out with equal weights");
        let mut bad = sigs.clone();
        bad.swap(1, 2);
        assert!(!check(&bad, &messages, &public), "signatures swapped between records");
        let other = SigningKey::from_bytes(&[9u8; 32]).verifying_key();
        assert!(!check(&sigs, &messages, &other), "another till's key");
    }

    #[test]
    fn one_check_and_the_batch_agree_and_refuse_a_weak_key() {
        let signer = RecordSigner::new(key());
        let public = signer.verifying_key();
        let sig = signer.sign(b"ticket").to_bytes();
        assert!(verify_one(&public, b"ticket", &sig));
        assert!(!verify_one(&public, b"ticket!", &sig));
        // A public key of small order (the identity) would accept made-up signatures.
        let mut identity = [0u8; 32];
        identity[0] = 1; // y = 1, x = 0
        let weak = VerifyingKey::from_bytes(&identity).unwrap();
        let mut forged = [0u8; 64];
        forged[..32].copy_from_slice(&identity);
        assert!(!verify_one(&weak, b"anything", &forged));
    }

    #[test]
    fn only_the_canonical_encoding_of_r_passes() {
        let signer = RecordSigner::new(key());
        let public = signer.verifying_key();
        let sig = signer.sign(b"ticket").to_bytes();
        let r: [u8; 32] = sig[..32].try_into().unwrap();
        assert!(canonical_encoding(&r));
        let mut one = [0u8; 32];
        one[0] = 1;
        assert!(canonical_encoding(&one));
        one[31] |= 0x80;
        assert!(!canonical_encoding(&one), "x = 0 with a sign bit");
        let mut p_plus_1 = [0xffu8; 32];
        p_plus_1[0] = 0xee;
        p_plus_1[31] = 0x7f;
        assert!(!canonical_encoding(&p_plus_1), "y = p + 1 encodes y = 1 again");
        // The same point as y = 1 written as p + 1: refused in a signature.
        let mut forged = sig;
        forged[..32].copy_from_slice(&p_plus_1);
        assert!(!verify_one(&public, b"ticket", &forged));
    }

    #[test]
    fn signatures_are_the_rfc_8032_ones() {
        let secret: [u8; 32] = std::array::from_fn(|i| {
            u8::from_str_radix(
                &"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"[2 * i..2 * i + 2],
                16,
            )
            .unwrap()
        });
        let sig = RecordSigner::new(SigningKey::from_bytes(&secret)).sign(b"");
        assert!(crate::hex(&sig.to_bytes()).starts_with(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        ));
    }
}
