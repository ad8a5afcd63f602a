//! Public-key verification on `ring` (assembly field arithmetic and Montgomery
//! multiplication) for the (key, scheme) pairs where it is faster than the own arithmetic:
//! ECDSA on P-256 with SHA-256 or SHA-384 (also when the key gives P-256 as explicit
//! parameters), RSASSA-PKCS1-v1_5 with SHA-256/384/512 and RSASSA-PSS with MGF1 of the same
//! hash and a salt as long as the hash, for moduli of 2048 to 8192 bits except 2048-, 3072-
//! and 4096-bit ones (1985–2048, 3009–3072 and 4033–4096 bits, on 64-bit targets). Everything else
//! stays on the project's own arithmetic ([`super::verify_prehashed`]). `ring` also has P-384,
//! but in portable C: measured with `perf/compare.sh` it took 690 µs where the own wNAF on
//! `p384` takes 650 µs, so P-384 keeps the own path (one path per curve).
//!
//! RSA by measurement (PSS, SHA-256, 1,000-byte message, thread CPU time, interleaved,
//! 2026-12-07, load average 3–5): the own path (`pk::rsa`, parameters cached per modulus,
//! product-scanning Montgomery reduction in two carry chains) against `ring`: with the
//! Karatsuba squaring 2048 bits 0.97–0.98×, 3072 bits 0.93–0.99×, 4096 bits 0.89× (medians
//! of 5 and 9 rounds); with the squaring two columns at a time 2048 bits 0.91× (24.7 vs
//! 27.1 µs, 7 rounds, load 5). 2048-, 3072- and 4096-bit moduli take the own path (one
//! path per size); `ring` keeps the other sizes from 2048 to 8192 bits, which the own path
//! takes on its slower slice form.
//!
//! `ring` verifies a message (it hashes it itself), so this path is taken by
//! [`super::verify`], which is given the signed bytes, and never by `verify_prehashed`.
//!
//! Equivalence with the own path (checked by `tests/assembly_cross_check.rs`):
//! * ECDSA: `r` and `s` are taken from the signature as the own path takes them (DER with
//!   superfluous leading zero octets tolerated, or plain `r‖s`) and handed to `ring` as a
//!   minimal DER `ECDSA-Sig-Value`, so the encoding quirks the own path accepts are accepted
//!   here too; a point other than an uncompressed one, or a signature that does not parse,
//!   goes to the own path (which gives the reason).
//! * RSA: `ring` is stricter (it wants the DigestInfo with NULL parameters, e ≥ 3, a
//!   signature exactly as long as the modulus), so a signature `ring` rejects is decided by
//!   the own path; a signature `ring` accepts is one the own path accepts too.

use super::{Curve, HashAlg, NistCurve, PublicKey, SignatureScheme};
use crate::pk::named::Named;
use ring::signature as rs;

/// Whether an EC key is on P-256, named or by explicit parameters equal to P-256's.
fn is_p256(curve: &Curve) -> bool {
    match curve {
        Curve::Nist(n) => *n == NistCurve::P256,
        Curve::Prime(c) => c.named() == Some(Named::P256),
    }
}

/// The `ring` algorithm for this (key, scheme) pair, or `None` when `ring` does not
/// implement it (the own path verifies).
enum Plan {
    Ecdsa(&'static rs::EcdsaVerificationAlgorithm),
    Rsa(&'static rs::RsaParameters),
}

fn plan(key: &PublicKey, scheme: &SignatureScheme) -> Option<Plan> {
    match (key, scheme) {
        (PublicKey::Ec { curve, point }, SignatureScheme::Ecdsa { hash, .. }) => {
            if !is_p256(curve) || point.len() != 65 || point.first() != Some(&0x04) {
                return None;
            }
            let alg = match hash {
                HashAlg::Sha256 => &rs::ECDSA_P256_SHA256_ASN1,
                HashAlg::Sha384 => &rs::ECDSA_P256_SHA384_ASN1,
                _ => return None,
            };
            Some(Plan::Ecdsa(alg))
        }
        (PublicKey::Rsa(k), SignatureScheme::RsaPkcs1v15 { hash }) => {
            rsa_size_ok(k)?;
            Some(Plan::Rsa(match hash {
                HashAlg::Sha256 => &rs::RSA_PKCS1_2048_8192_SHA256,
                HashAlg::Sha384 => &rs::RSA_PKCS1_2048_8192_SHA384,
                HashAlg::Sha512 => &rs::RSA_PKCS1_2048_8192_SHA512,
                _ => return None,
            }))
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
            Some(Plan::Rsa(match hash {
                HashAlg::Sha256 => &rs::RSA_PSS_2048_8192_SHA256,
                HashAlg::Sha384 => &rs::RSA_PSS_2048_8192_SHA384,
                HashAlg::Sha512 => &rs::RSA_PSS_2048_8192_SHA512,
                _ => return None,
            }))
        }
        _ => None,
    }
}

/// `ring` takes 2048–8192-bit moduli, except 2048-, 3072- and 4096-bit ones, where the own path
/// measured faster (module documentation).
fn rsa_size_ok(k: &rsa::RsaPublicKey) -> Option<()> {
    use rsa::traits::PublicKeyParts;
    let bits = k.n().bits();
    ((2048..=8192).contains(&bits) && !crate::pk::rsa::faster_than_ring(bits)).then_some(())
}

/// Whether [`super::verify`] verifies this (key, scheme) pair on `ring`.
pub(super) fn applies(key: &PublicKey, scheme: &SignatureScheme) -> bool {
    plan(key, scheme).is_some()
}

/// `Some(true)`: `ring` verified the signature. `Some(false)`: it is invalid (ECDSA only).
/// `None`: `ring` does not decide this one; the own path must.
pub(super) fn verify(
    key: &PublicKey,
    scheme: &SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Option<bool> {
    match plan(key, scheme)? {
        Plan::Ecdsa(alg) => {
            let (PublicKey::Ec { point, .. }, SignatureScheme::Ecdsa { plain, .. }) = (key, scheme)
            else {
                return None;
            };
            let (r, s) = if *plain {
                if signature.is_empty() || signature.len() % 2 == 1 {
                    return None;
                }
                signature.split_at(signature.len() / 2)
            } else {
                super::ecdsa_der_rs(signature).ok()?
            };
            let der = minimal_der_signature(r, s, 32)?;
            Some(
                rs::UnparsedPublicKey::new(alg, point)
                    .verify(message, &der)
                    .is_ok(),
            )
        }
        Plan::Rsa(params) => {
            use rsa::traits::PublicKeyParts;
            let PublicKey::Rsa(k) = key else {
                return None;
            };
            let components = rs::RsaPublicKeyComponents {
                n: k.n().to_bytes_be(),
                e: k.e().to_bytes_be(),
            };
            // A rejection is re-examined by the own path (see the module documentation).
            components
                .verify(params, message, signature)
                .is_ok()
                .then_some(true)
        }
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
        body.push(0x02);
        body.push((v.len() + usize::from(pad)) as u8);
        if pad {
            body.push(0);
        }
        body.extend_from_slice(v);
    }
    // a body of 2 · (2 + 1 + 48) = 102 octets at most for len ≤ 48: a one-octet length
    let mut out = Vec::with_capacity(body.len() + 2);
    out.push(0x30);
    out.push(body.len() as u8);
    out.extend(body);
    Some(out)
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
        // zero encodes as a single 00 octet (ring then rejects it, as the own path does)
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
}
