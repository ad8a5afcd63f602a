//! ECDSA signing (SEC 1 §4.1.3) over any prime curve of [`crate::pk::EcCurve`], for the
//! curves RustCrypto has no ECDSA for (brainpool, explicit parameters). Point multiplication
//! is the constant-time ladder of [`crate::pk`]; arithmetic modulo the order uses
//! `crypto-bigint` Montgomery residues (constant time; inversion by Fermat, n prime).
//! Verification is [`EcCurve::ecdsa_verify_prehashed`].

use crate::pk::EcCurve;
use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::{Encoding, NonZero, U576};
use rand_core::CryptoRngCore;
use zeroize::{Zeroize, Zeroizing};

const LIMBS: usize = U576::LIMBS;
type Fe = DynResidue<LIMBS>;

/// Big-endian bytes (at most 72 after leading zeros) as a 576-bit integer.
fn uint(bytes: &[u8]) -> Option<U576> {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    let v = &bytes[first..];
    if v.len() > U576::BYTES {
        return None;
    }
    let mut buf = Zeroizing::new([0u8; U576::BYTES]);
    buf[U576::BYTES - v.len()..].copy_from_slice(v);
    Some(U576::from_be_slice(&buf[..]))
}

fn to_bytes(x: &U576, len: usize) -> Vec<u8> {
    let all = x.to_be_bytes();
    all[all.len() - len..].to_vec()
}

/// The hash as an integer: its leftmost `order_bits` bits, reduced modulo n.
fn hash_int(curve: &EcCurve, n: &U576, hashed: &[u8]) -> U576 {
    let take = hashed.len().min(U576::BYTES);
    let mut e = uint(&hashed[..take]).unwrap_or(U576::ZERO);
    let bits = take * 8;
    if bits > curve.order_bits() {
        e = e.shr_vartime(bits - curve.order_bits());
    }
    e.rem(&NonZero::new(*n).unwrap_or(NonZero::<U576>::ONE))
}

/// Sign the hash `hashed` with the private scalar `d` (big-endian, 1 ≤ d < n); returns the
/// plain signature `r ‖ s` (BSI TR-03111), each `order_size()` bytes, or `None` when `d` is out
/// of range. The nonce comes from `rng`.
pub fn ecdsa_sign_prehashed(
    curve: &EcCurve,
    d: &[u8],
    hashed: &[u8],
    rng: &mut dyn CryptoRngCore,
) -> Option<Vec<u8>> {
    curve.scalar_from_bytes(d).ok()?;
    let n = uint(&curve.order())?;
    let nz = Option::<NonZero<U576>>::from(NonZero::new(n))?;
    let params = DynResidueParams::new(&n);
    let n_minus_2 = n.wrapping_sub(&U576::from_u8(2));
    let mut d_int = Zeroizing::new(uint(d)?);
    let e = hash_int(curve, &n, hashed);
    let len = curve.order_size();
    for _ in 0..64 {
        let k = curve.random_scalar(&mut &mut *rng);
        let k_bytes = curve.scalar_to_bytes(&k);
        let Ok(rp) = curve.mul(&curve.generator(), &k) else {
            continue;
        };
        let r = uint(&curve.x_coordinate(&rp))?.rem(&nz);
        if r == U576::ZERO {
            continue;
        }
        let mut k_int = Zeroizing::new(uint(&k_bytes)?);
        let mut kinv = Fe::new(&k_int, params).pow_bounded_exp(&n_minus_2, curve.order_bits());
        let mut dr = Fe::new(&d_int, params) * Fe::new(&r, params);
        let mut s_res = kinv * (Fe::new(&e, params) + dr);
        let s = s_res.retrieve();
        kinv.zeroize();
        dr.zeroize();
        s_res.zeroize();
        k_int.zeroize();
        if s == U576::ZERO {
            continue;
        }
        let mut out = to_bytes(&r, len);
        out.extend(to_bytes(&s, len));
        d_int.zeroize();
        return Some(out);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pk::Group;
    use crate::sig::HashAlg;
    use rand::SeedableRng;

    fn verify(curve: &EcCurve, point: &[u8], hashed: &[u8], r: &[u8], s: &[u8]) -> bool {
        curve
            .decode_point(point)
            .is_ok_and(|q| curve.ecdsa_verify_prehashed(&q, hashed, r, s))
    }

    fn sign(
        curve: &EcCurve,
        d: &[u8],
        hashed: &[u8],
        rng: &mut dyn CryptoRngCore,
    ) -> Option<Vec<u8>> {
        ecdsa_sign_prehashed(curve, d, hashed, rng)
    }

    fn p256() -> EcCurve {
        match Group::standardized(12).unwrap() {
            Group::Ec(c) => c,
            Group::Dh(_) => unreachable!(),
        }
    }

    #[test]
    fn generic_ecdsa_agrees_with_rustcrypto_p256_both_ways() {
        use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
        let curve = p256();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for i in 0..8u8 {
            let sk = p256::ecdsa::SigningKey::random(&mut rng);
            let pk = sk.verifying_key().to_encoded_point(false);
            let hash = HashAlg::Sha256.digest(&[i; 40]);
            // RustCrypto signs, the generic code verifies.
            let sig: p256::ecdsa::Signature = sk.sign_prehash(&hash).unwrap();
            let b = sig.to_bytes();
            assert!(verify(&curve, pk.as_bytes(), &hash, &b[..32], &b[32..]));
            assert!(!verify(&curve, pk.as_bytes(), &hash, &b[32..], &b[..32]));
            // The generic code signs (SHA-512 hash, truncated), RustCrypto verifies.
            let hash = HashAlg::Sha512.digest(&[i; 40]);
            let d = sk.to_bytes();
            let s = sign(&curve, &d, &hash, &mut rng).unwrap();
            let sig = p256::ecdsa::Signature::from_slice(&s).unwrap();
            sk.verifying_key().verify_prehash(&hash, &sig).unwrap();
        }
    }

    #[test]
    fn out_of_range_signatures_and_keys_are_refused() {
        let curve = p256();
        let n = curve.order();
        let g = curve.encode_point(&curve.generator());
        assert!(!verify(&curve, &g, &[1; 32], &[0; 32], &[1; 32]));
        assert!(!verify(&curve, &g, &[1; 32], &n, &[1; 32]));
        assert!(!verify(&curve, &[4; 65], &[1; 32], &[1; 32], &[1; 32]));
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        assert!(sign(&curve, &n, &[1; 32], &mut rng).is_none());
        assert!(sign(&curve, &[0; 32], &[1; 32], &mut rng).is_none());
    }

    #[test]
    fn signatures_on_a_curve_without_fast_arithmetic_verify_and_bind_the_hash() {
        // brainpoolP320r1 (id 14) through the generic reference arithmetic.
        let curve = match Group::standardized(14).unwrap() {
            Group::Ec(c) => c.generic_reference(),
            Group::Dh(_) => unreachable!(),
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let d = curve.scalar_to_bytes(&curve.random_scalar(&mut rng));
        let dk = curve.scalar_from_bytes(&d).unwrap();
        let q = curve.encode_point(&curve.mul(&curve.generator(), &dk).unwrap());
        let hash = HashAlg::Sha384.digest(b"message");
        let sig = sign(&curve, &d, &hash, &mut rng).unwrap();
        assert_eq!(sig.len(), 2 * curve.order_size());
        let (r, s) = sig.split_at(curve.order_size());
        assert!(verify(&curve, &q, &hash, r, s));
        let other = HashAlg::Sha384.digest(b"messagf");
        assert!(!verify(&curve, &q, &other, r, s));
    }
}
