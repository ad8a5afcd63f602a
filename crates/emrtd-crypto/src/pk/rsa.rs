//! The RSA public-key operation RSAVP1 (RFC 8017 §5.2.2), `m = s^e mod n`, for signature
//! verification: all inputs are public, so it runs in variable time (Montgomery parameters
//! computed with the variable-time algorithms of `crypto-bigint` 0.7, left-to-right binary
//! exponentiation over the public exponent).

use cbig7::modular::{BoxedMontyForm, BoxedMontyParams};
use cbig7::{BoxedUint, Odd};

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
    let n_odd = Odd::new(n_u).into_option().ok_or(RsaError::Modulus)?;
    let params = BoxedMontyParams::new_vartime(n_odd);
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
