//! ECDSA (SEC 1 §4.1.3, §4.1.4) over any prime curve of `emrtd_crypto::pk::EcCurve`, for the
//! curves RustCrypto has no ECDSA for (brainpool, explicit parameters). Point multiplication
//! is the constant-time ladder of `emrtd-crypto`; arithmetic modulo the order uses
//! `crypto-bigint` Montgomery residues (constant time; inversion by Fermat, n prime).

use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::{Encoding, NonZero, U576};
use emrtd_crypto::pk::EcCurve;
use rand_core::CryptoRngCore;
use zeroize::{Zeroize, Zeroizing};

const LIMBS: usize = U576::LIMBS;
type Fe = DynResidue<LIMBS>;

/// Big-endian bytes (at most 72 after leading zeros) as a 576-bit integer.
pub(crate) fn uint(bytes: &[u8]) -> Option<U576> {
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

/// Verify the plain signature `(r, s)` over the hash `hashed` with the public point `point`.
pub(crate) fn verify(curve: &EcCurve, point: &[u8], hashed: &[u8], r: &[u8], s: &[u8]) -> bool {
    let Ok(q) = curve.decode_point(point) else {
        return false;
    };
    let (Some(n), Some(r), Some(s)) = (uint(&curve.order()), uint(r), uint(s)) else {
        return false;
    };
    let zero = U576::ZERO;
    if r == zero || s == zero || r >= n || s >= n {
        return false;
    }
    let params = DynResidueParams::new(&n);
    let n_minus_2 = n.wrapping_sub(&U576::from_u8(2));
    let w = Fe::new(&s, params).pow_bounded_exp(&n_minus_2, curve.order_bits());
    let e = hash_int(curve, &n, hashed);
    let u1 = (Fe::new(&e, params) * w).retrieve();
    let u2 = (Fe::new(&r, params) * w).retrieve();
    let len = curve.order_size();
    let Ok(u2s) = curve.scalar_from_bytes(&to_bytes(&u2, len)) else {
        return false;
    };
    let Ok(p2) = curve.mul(&q, &u2s) else {
        return false;
    };
    let sum = if u1 == zero {
        p2
    } else {
        let Ok(u1s) = curve.scalar_from_bytes(&to_bytes(&u1, len)) else {
            return false;
        };
        let Ok(p1) = curve.mul(&curve.generator(), &u1s) else {
            return false;
        };
        match curve.add(&p1, &p2) {
            Ok(p) => p,
            Err(_) => return false,
        }
    };
    let Some(x) = uint(&curve.x_coordinate(&sum)) else {
        return false;
    };
    let Some(nz) = Option::<NonZero<U576>>::from(NonZero::new(n)) else {
        return false;
    };
    x.rem(&nz) == r
}

/// Sign the hash `hashed` with the private scalar `d` (big-endian, 1 ≤ d < n); returns
/// `r ‖ s`, each `order_size()` bytes. The nonce comes from `rng`.
pub(crate) fn sign(
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
        let k = curve.random_scalar(&mut RngRef(rng));
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

/// Adapter: `&mut dyn CryptoRngCore` as a sized RNG.
pub(crate) struct RngRef<'a>(pub &'a mut dyn CryptoRngCore);

impl rand_core::RngCore for RngRef<'_> {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.0.try_fill_bytes(dest)
    }
}

impl rand_core::CryptoRng for RngRef<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use emrtd_crypto::pk::Group;
    use rand::SeedableRng;

    fn p256() -> EcCurve {
        match Group::standardized(12).unwrap() {
            Group::Ec(c) => c,
            Group::Dh(_) => unreachable!(),
        }
    }

    #[test]
    fn generic_ecdsa_agrees_with_rustcrypto_p256_both_ways() {
        use ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
        let curve = p256();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for i in 0..8u8 {
            let sk = p256::ecdsa::SigningKey::random(&mut rng);
            let pk = sk.verifying_key().to_encoded_point(false);
            let hash = crate::HashAlg::Sha256.digest(&[i; 40]);
            // RustCrypto signs, the generic code verifies.
            let sig: p256::ecdsa::Signature = sk.sign_prehash(&hash).unwrap();
            let b = sig.to_bytes();
            assert!(verify(&curve, pk.as_bytes(), &hash, &b[..32], &b[32..]));
            assert!(!verify(&curve, pk.as_bytes(), &hash, &b[32..], &b[..32]));
            // The generic code signs (SHA-512 hash, truncated), RustCrypto verifies.
            let hash = crate::HashAlg::Sha512.digest(&[i; 40]);
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
}
