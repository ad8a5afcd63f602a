//! The RSA public-key operation RSAVP1 (RFC 8017 §5.2.2), `m = s^e mod n`, for signature
//! verification: all inputs are public, so it runs in variable time (Montgomery parameters
//! computed with the variable-time algorithms of `crypto-bigint` 0.7, left-to-right binary
//! exponentiation over the public exponent).

use cbig7::modular::{BoxedMontyForm, BoxedMontyParams};
use cbig7::{BoxedUint, Odd};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Largest modulus accepted, in bits.
pub const MAX_MODULUS_BITS: usize = 16384;

/// Why the RSA public operation refused its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RsaError {
    /// The modulus is even, smaller than 512 bits or larger than [`MAX_MODULUS_BITS`].
    #[error("RSA modulus must be odd and 512 to 16384 bits long")]
    Modulus,
    /// The public exponent is even, 1, or not smaller than the modulus.
    #[error("RSA public exponent must be odd, greater than 1 and smaller than the modulus")]
    Exponent,
    /// The signature is not as long as the modulus, or not smaller than it.
    #[error("RSA signature must be as long as the modulus and smaller than it")]
    Signature,
}

fn strip(v: &[u8]) -> &[u8] {
    &v[v.iter().position(|b| *b != 0).unwrap_or(v.len())..]
}

/// Moduli whose Montgomery parameters are remembered (a CSCA or Document Signer key verifies
/// many signatures; computing R² mod n is a division of twice the modulus length, about a tenth
/// of an RSA-4096 verification). The map is emptied when full.
const MAX_CACHED_MODULI: usize = 256;

type ParamsCache = Mutex<HashMap<Vec<u8>, Arc<BoxedMontyParams>>>;

/// The Montgomery parameters of `n` (big-endian without leading zeros, `n_u` its value),
/// from the cache or computed (variable time: n is public).
fn params_for(n: &[u8], n_u: BoxedUint) -> Result<Arc<BoxedMontyParams>, RsaError> {
    static CACHE: OnceLock<ParamsCache> = OnceLock::new();
    let cache = CACHE.get_or_init(ParamsCache::default);
    if let Some(p) = cache.lock().ok().and_then(|m| m.get(n).cloned()) {
        return Ok(p);
    }
    let n_odd = Odd::new(n_u).into_option().ok_or(RsaError::Modulus)?;
    let params = Arc::new(BoxedMontyParams::new_vartime(n_odd));
    if let Ok(mut map) = cache.lock() {
        if map.len() >= MAX_CACHED_MODULI {
            map.clear();
        }
        map.insert(n.to_vec(), Arc::clone(&params));
    }
    Ok(params)
}

/// `s^e mod n` as `k` octets, `k` the length of n in octets (RSAVP1 then I2OSP). `s` must be
/// exactly `k` octets (RFC 8017 §8.1.2 step 1) and smaller than n.
pub fn rsa_public_op(n: &[u8], e: &[u8], s: &[u8]) -> Result<Vec<u8>, RsaError> {
    let (n, e) = (strip(n), strip(e));
    let k = n.len();
    let n_bits = k * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
    if !(512..=MAX_MODULUS_BITS).contains(&n_bits) || n.last().is_none_or(|b| b & 1 == 0) {
        return Err(RsaError::Modulus);
    }
    if e.is_empty() || e.last().is_none_or(|b| b & 1 == 0) || e == [1] || e.len() > k {
        return Err(RsaError::Exponent);
    }
    if s.len() != k {
        return Err(RsaError::Signature);
    }
    let precision = u32::try_from(k.div_ceil(8) * 64).map_err(|_| RsaError::Modulus)?;
    let n_u = BoxedUint::from_be_slice(n, precision).map_err(|_| RsaError::Modulus)?;
    let s_u = BoxedUint::from_be_slice(s, precision).map_err(|_| RsaError::Signature)?;
    let e_u = BoxedUint::from_be_slice(e, precision).map_err(|_| RsaError::Exponent)?;
    if e_u >= n_u {
        return Err(RsaError::Exponent);
    }
    if s_u >= n_u {
        return Err(RsaError::Signature);
    }
    let params = params_for(n, n_u)?;
    let base = BoxedMontyForm::new(s_u, &params);
    let mut acc = base.clone();
    let e_bits = e_u.bit_width_vartime();
    for i in (0..e_bits.saturating_sub(1)).rev() {
        acc = acc.square();
        if e_u.bit_vartime(i) {
            acc = &acc * &base;
        }
    }
    let m = acc.retrieve().to_be_bytes();
    Ok(m[m.len() - k..].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_even_or_small_moduli_bad_exponents_and_out_of_range_signatures() {
        let mut n = vec![0xC5u8; 64];
        n[63] = 0xC4;
        assert_eq!(rsa_public_op(&n, &[3], &[1; 64]), Err(RsaError::Modulus));
        assert_eq!(
            rsa_public_op(&[0xC5; 32], &[3], &[1; 32]),
            Err(RsaError::Modulus)
        );
        let n = vec![0xC5u8; 64];
        assert_eq!(rsa_public_op(&n, &[4], &[1; 64]), Err(RsaError::Exponent));
        assert_eq!(rsa_public_op(&n, &[1], &[1; 64]), Err(RsaError::Exponent));
        assert_eq!(rsa_public_op(&n, &[3], &[1; 63]), Err(RsaError::Signature));
        assert_eq!(
            rsa_public_op(&n, &[3], &[0xC5; 64]),
            Err(RsaError::Signature)
        );
    }

    #[test]
    fn a_remembered_modulus_gives_the_same_results_as_a_fresh_one() {
        // Fill the cache past its bound with distinct moduli, then reuse the first: the
        // answers never change, whether the parameters come from the cache or not.
        let modulus = |i: usize| {
            let mut n = vec![0xC5u8; 64];
            n[62] = (i >> 8) as u8;
            n[63] = (i as u8) | 1;
            n
        };
        let mut s = vec![0u8; 64];
        s[63] = 2;
        let first = rsa_public_op(&modulus(1), &[17], &s).unwrap();
        for i in 0..MAX_CACHED_MODULI + 3 {
            let n = modulus(2 * i + 1);
            let a = rsa_public_op(&n, &[3], &s).unwrap();
            assert_eq!(a, rsa_public_op(&n, &[3], &s).unwrap());
            assert_eq!(a[63], 8);
        }
        assert_eq!(rsa_public_op(&modulus(1), &[17], &s).unwrap(), first);
        assert_eq!(&first[61..], &[0x02, 0x00, 0x00]);
    }

    #[test]
    fn small_exponent_matches_schoolbook_arithmetic() {
        // n = 0xC5…C5 (64 octets, odd), s = 2: s^3 = 8 and s^17 = 131072 stay below n.
        let n = vec![0xC5u8; 64];
        let mut s = vec![0u8; 64];
        s[63] = 2;
        let m = rsa_public_op(&n, &[3], &s).unwrap();
        assert_eq!(m.len(), 64);
        assert_eq!(&m[..63], &[0u8; 63][..]);
        assert_eq!(m[63], 8);
        let m = rsa_public_op(&n, &[17], &s).unwrap();
        assert_eq!(&m[61..], &[0x02, 0x00, 0x00]);
    }
}
