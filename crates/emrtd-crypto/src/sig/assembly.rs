//! Public-key verification on AWS-LC (`aws-lc-rs`: assembly Montgomery multiplication with
//! MULX/ADCX/ADOX for RSA, assembly or formally verified field arithmetic for the NIST
//! curves) for the (key, scheme) pairs where it measured faster than the own arithmetic:
//! ECDSA on P-256, P-384 and P-521 with SHA-256/384/512 (also when the key gives the curve
//! as explicit parameters equal to the named one), RSASSA-PKCS1-v1_5 with SHA-256/384/512
//! and RSASSA-PSS with MGF1 of the same hash and a salt as long as the hash, for moduli of
//! 2048 to 8192 bits. Everything else (brainpool and other curves, SHA-1 and SHA-224, RSA
//! below 2048 bits, other salt lengths) stays on the project's own arithmetic
//! ([`super::verify_prehashed`]). One path per (curve or modulus size, scheme):
//! [`applies`] says which.
//!
//! By measurement (`perf/compare.sh`, thread CPU time, interleaved, 2026-12-07; ratio to
//! OpenSSL 3.0, lower is faster; `docs/performance.md`): RSA PSS on AWS-LC 0.87–0.91× at
//! 2048, 3072 and 4096 bits against 1.05–1.27× on the own fixed-width path, which lacks the
//! two carry chains of ADCX/ADOX in portable Rust; ECDSA P-256 0.83× (was 0.89× on `ring`),
//! P-384 and P-521 faster than the own wNAF.
//!
//! Parsed keys are remembered ([`MAX_CACHED_KEYS`]): an RSA key keeps its Montgomery context
//! inside AWS-LC after the first use, so a Document Signer or CSCA key that verifies many
//! signatures is set up once.
//!
//! AWS-LC verifies a message (it hashes it itself), so this path is taken by
//! [`super::verify`], which is given the signed bytes, and never by `verify_prehashed`.
//!
//! Equivalence with the own path (checked by `tests/assembly_cross_check.rs`):
//! * ECDSA: `r` and `s` are taken from the signature as the own path takes them (DER with
//!   superfluous leading zero octets tolerated, or plain `r‖s`) and handed to AWS-LC as a
//!   minimal DER `ECDSA-Sig-Value`, so the encoding quirks the own path accepts are accepted
//!   here too; a point other than an uncompressed one, a point AWS-LC refuses, or a
//!   signature that does not parse goes to the own path (which gives the reason).
//! * RSA: AWS-LC is stricter (it wants the DigestInfo with NULL parameters, a signature
//!   exactly as long as the modulus), so a signature AWS-LC rejects is decided by the own
//!   path; a signature AWS-LC accepts is one the own path accepts too.

use super::{Curve, HashAlg, NistCurve, PublicKey, SignatureScheme};
use crate::pk::named::Named;
use crate::remembered::Remembered;
use aws_lc_rs::signature::{self as lc, ParsedPublicKey, VerificationAlgorithm};
use std::sync::Arc;

/// The NIST curves verified on AWS-LC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum LcCurve {
    P256,
    P384,
    P521,
}

impl LcCurve {
    /// Octets of a field element (and of r and s).
    fn field_len(self) -> usize {
        match self {
            LcCurve::P256 => 32,
            LcCurve::P384 => 48,
            LcCurve::P521 => 66,
        }
    }
}

/// The curve of an EC key if AWS-LC verifies on it: named, or explicit parameters equal to
/// a named curve's.
fn lc_curve(curve: &Curve) -> Option<LcCurve> {
    match curve {
        Curve::Nist(NistCurve::P256) => Some(LcCurve::P256),
        Curve::Nist(NistCurve::P384) => Some(LcCurve::P384),
        Curve::Nist(NistCurve::P521) => Some(LcCurve::P521),
        Curve::Prime(c) => match c.named()? {
            Named::P256 => Some(LcCurve::P256),
            Named::P384 => Some(LcCurve::P384),
            Named::P521 => Some(LcCurve::P521),
            _ => None,
        },
    }
}

/// Which AWS-LC verification algorithm a (key, scheme) pair takes. The hash is one of
/// SHA-256/384/512 ([`plan`] refuses the others).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Plan {
    Ecdsa(LcCurve, HashAlg),
    RsaPkcs1(HashAlg),
    RsaPss(HashAlg),
}

impl Plan {
    fn algorithm(self) -> Option<&'static dyn VerificationAlgorithm> {
        use HashAlg::{Sha256, Sha384, Sha512};
        use LcCurve::{P256, P384, P521};
        Some(match self {
            Plan::Ecdsa(P256, Sha256) => &lc::ECDSA_P256_SHA256_ASN1,
            Plan::Ecdsa(P256, Sha384) => &lc::ECDSA_P256_SHA384_ASN1,
            Plan::Ecdsa(P256, Sha512) => &lc::ECDSA_P256_SHA512_ASN1,
            Plan::Ecdsa(P384, Sha256) => &lc::ECDSA_P384_SHA256_ASN1,
            Plan::Ecdsa(P384, Sha384) => &lc::ECDSA_P384_SHA384_ASN1,
            Plan::Ecdsa(P384, Sha512) => &lc::ECDSA_P384_SHA512_ASN1,
            Plan::Ecdsa(P521, Sha256) => &lc::ECDSA_P521_SHA256_ASN1,
            Plan::Ecdsa(P521, Sha384) => &lc::ECDSA_P521_SHA384_ASN1,
            Plan::Ecdsa(P521, Sha512) => &lc::ECDSA_P521_SHA512_ASN1,
            Plan::RsaPkcs1(Sha256) => &lc::RSA_PKCS1_2048_8192_SHA256,
            Plan::RsaPkcs1(Sha384) => &lc::RSA_PKCS1_2048_8192_SHA384,
            Plan::RsaPkcs1(Sha512) => &lc::RSA_PKCS1_2048_8192_SHA512,
            Plan::RsaPss(Sha256) => &lc::RSA_PSS_2048_8192_SHA256,
            Plan::RsaPss(Sha384) => &lc::RSA_PSS_2048_8192_SHA384,
            Plan::RsaPss(Sha512) => &lc::RSA_PSS_2048_8192_SHA512,
            _ => return None,
        })
    }
}

fn plan(key: &PublicKey, scheme: &SignatureScheme) -> Option<Plan> {
    let plan = match (key, scheme) {
        (PublicKey::Ec { curve, point }, SignatureScheme::Ecdsa { hash, .. }) => {
            let curve = lc_curve(curve)?;
            if point.len() != 1 + 2 * curve.field_len() || point.first() != Some(&0x04) {
                return None;
            }
            Plan::Ecdsa(curve, *hash)
        }
        (PublicKey::Rsa(k), SignatureScheme::RsaPkcs1v15 { hash }) => {
            rsa_size_ok(k)?;
            Plan::RsaPkcs1(*hash)
        }
        (
            PublicKey::Rsa(k),
            SignatureScheme::RsaPss {
                hash,
                mgf1_hash,
                salt_len,
            },
        ) => {
            rsa_size_ok(k)?;
            if mgf1_hash != hash || *salt_len != hash.output_len() {
                return None;
            }
            Plan::RsaPss(*hash)
        }
        _ => return None,
    };
    plan.algorithm().map(|_| plan)
}

/// AWS-LC's RSA algorithms take 2048–8192-bit moduli.
fn rsa_size_ok(k: &rsa::RsaPublicKey) -> Option<()> {
    use rsa::traits::PublicKeyParts;
    (2048..=8192).contains(&k.n().bits()).then_some(())
}

/// Whether [`super::verify`] verifies this (key, scheme) pair on AWS-LC.
pub(super) fn applies(key: &PublicKey, scheme: &SignatureScheme) -> bool {
    plan(key, scheme).is_some()
}

/// Parsed keys remembered (the map is emptied when full).
const MAX_CACHED_KEYS: usize = 256;

/// A key as the caller holds it: an uncompressed point, or an RSA key.
#[derive(Clone, Copy)]
enum KeyRef<'a> {
    Point(&'a [u8]),
    Rsa(&'a rsa::RsaPublicKey),
}

/// The key a cache entry was parsed from (a hit compares it in full).
enum KeyOwned {
    Point(Vec<u8>),
    Rsa(rsa::RsaPublicKey),
}

impl KeyRef<'_> {
    /// The cache slot: the key's length and its low 128 bits (the last octets of a point's
    /// y, the low words of n: as random as the rest). Computed without allocating.
    /// `Rsa` only for moduli of at least 2048 bits ([`plan`] checks).
    fn slot(self) -> (usize, u128) {
        use rsa::traits::PublicKeyParts;
        match self {
            KeyRef::Point(p) => {
                let tail = &p[p.len().saturating_sub(16)..];
                let low = tail
                    .iter()
                    .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
                (p.len(), low)
            }
            KeyRef::Rsa(k) => {
                let n = k.n();
                // the digit width of `BigUint` (64 or 32 bits); n has at least 2048 bits here
                let digit_bits = 8 * std::mem::size_of_val(&n.get_limb(0));
                let low = u128::from(n.get_limb(0)) | (u128::from(n.get_limb(1)) << digit_bits);
                (n.bits(), low)
            }
        }
    }

    fn matches(self, owned: &KeyOwned) -> bool {
        match (self, owned) {
            (KeyRef::Point(p), KeyOwned::Point(q)) => p == q.as_slice(),
            (KeyRef::Rsa(k), KeyOwned::Rsa(l)) => k == l,
            _ => false,
        }
    }

    fn to_owned(self) -> KeyOwned {
        match self {
            KeyRef::Point(p) => KeyOwned::Point(p.to_vec()),
            KeyRef::Rsa(k) => KeyOwned::Rsa(k.clone()),
        }
    }

    /// The octets AWS-LC parses: the point, or the key's SubjectPublicKeyInfo (DER, by the
    /// `rsa` crate); `None` if that cannot be encoded.
    fn octets(self) -> Option<Vec<u8>> {
        use rsa::pkcs8::EncodePublicKey;
        match self {
            KeyRef::Point(p) => Some(p.to_vec()),
            KeyRef::Rsa(k) => Some(k.to_public_key_der().ok()?.into_vec()),
        }
    }
}

/// A key AWS-LC parsed, with the key it was parsed from.
struct Parsed {
    from: KeyOwned,
    key: ParsedPublicKey,
}

/// `key` parsed for `plan`'s algorithm, from the cache or parsed now; `None` when AWS-LC
/// refuses the key (the own path then verifies and gives the reason). A hit allocates
/// nothing; a hostile key in the same slot as a remembered one only replaces it.
fn parsed(plan: Plan, key: KeyRef<'_>) -> Option<Arc<Parsed>> {
    static CACHE: Remembered<(Plan, usize, u128), Parsed, MAX_CACHED_KEYS> = Remembered::new();
    let (len, low) = key.slot();
    // the unit error: a refusal needs no reason here, the own path gives it
    let parse = || -> Result<Parsed, ()> {
        let algorithm = plan.algorithm().ok_or(())?;
        let parsed = ParsedPublicKey::new(algorithm, key.octets().ok_or(())?).map_err(|_| ())?;
        Ok(Parsed {
            from: key.to_owned(),
            key: parsed,
        })
    };
    CACHE
        .get_or_make((plan, len, low), |p| key.matches(&p.from), parse)
        .ok()
}

/// `Some(true)`: AWS-LC verified the signature. `Some(false)`: it is invalid (ECDSA only).
/// `None`: AWS-LC does not decide this one; the own path must.
pub(super) fn verify(
    key: &PublicKey,
    scheme: &SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Option<bool> {
    let plan = plan(key, scheme)?;
    match (plan, key, scheme) {
        (
            Plan::Ecdsa(curve, _),
            PublicKey::Ec { point, .. },
            SignatureScheme::Ecdsa { plain, .. },
        ) => {
            let (r, s) = if *plain {
                if signature.is_empty() || signature.len() % 2 == 1 {
                    return None;
                }
                signature.split_at(signature.len() / 2)
            } else {
                super::ecdsa_der_rs(signature).ok()?
            };
            let der = minimal_der_signature(r, s, curve.field_len())?;
            let parsed = parsed(plan, KeyRef::Point(point))?;
            Some(parsed.key.verify_sig(message, &der).is_ok())
        }
        (_, PublicKey::Rsa(k), _) => {
            let parsed = parsed(plan, KeyRef::Rsa(k))?;
            // A rejection is re-examined by the own path (see the module documentation).
            parsed
                .key
                .verify_sig(message, signature)
                .is_ok()
                .then_some(true)
        }
        _ => None,
    }
}

/// `SEQUENCE { INTEGER r, INTEGER s }` in minimal DER, from unsigned big-endian `r` and `s`
/// of at most `len` significant octets each (longer ones exceed n: `None`, the own path
/// rejects them with its reason).
fn minimal_der_signature(r: &[u8], s: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut body = Vec::with_capacity(2 * len + 6);
    for v in [r, s] {
        let v = &v[v.iter().position(|b| *b != 0).unwrap_or(v.len())..];
        if v.len() > len {
            return None;
        }
        let pad = v.first().is_none_or(|b| b & 0x80 != 0);
        let mut int = Vec::with_capacity(v.len() + 1);
        if pad {
            int.push(0);
        }
        int.extend_from_slice(v);
        body.extend(emrtd_tlv::encode(0x02, &int));
    }
    // P-521: up to 2 · (2 + 67) = 138 octets, a two-octet length
    Some(emrtd_tlv::encode(0x30, &body))
}

#[cfg(test)]
mod tests {
    use super::minimal_der_signature;

    #[test]
    fn minimal_der_strips_zeros_and_pads_high_bits() {
        assert_eq!(
            minimal_der_signature(&[0, 0, 0x7F], &[0x80, 1], 32).unwrap(),
            vec![0x30, 0x08, 0x02, 0x01, 0x7F, 0x02, 0x03, 0x00, 0x80, 0x01]
        );
        // zero encodes as a single 00 octet (AWS-LC then rejects it, as the own path does)
        assert_eq!(
            minimal_der_signature(&[], &[0], 32).unwrap(),
            vec![0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]
        );
        assert!(minimal_der_signature(&[1; 33], &[1], 32).is_none());
        assert_eq!(
            minimal_der_signature(&[0xFF; 48], &[0xFF; 48], 48)
                .unwrap()
                .len(),
            104
        );
    }

    #[test]
    fn a_p521_signature_longer_than_127_octets_gets_a_long_form_length() {
        let der = minimal_der_signature(&[0xFF; 66], &[0xFF; 66], 66).unwrap();
        // 2 · (2 + 67) = 138 octets of body: 30 81 8A
        assert_eq!(&der[..3], &[0x30, 0x81, 0x8A]);
        assert_eq!(der.len(), 3 + 138);
    }
}
