//! Conversions between big-endian octet strings and fixed-width `crypto-bigint` integers.

use crypto_bigint::{Limb, Uint, Word, U576};

/// Width of the generic curve arithmetic: fields up to 576 bits (P-521 and every explicit
/// curve ICAO allows), shared by `ec` and the narrow-width arithmetic `narrow`.
pub(crate) const EC_LIMBS: usize = U576::LIMBS;
/// An integer of that width.
pub(crate) type EcUint = Uint<EC_LIMBS>;

/// Big-endian bytes → `Uint<L>`; `None` if the value does not fit (leading zero octets are
/// accepted). Runs in time depending only on the input length.
pub(crate) fn from_be<const L: usize>(bytes: &[u8]) -> Option<Uint<L>> {
    let cap = Uint::<L>::BYTES;
    let (excess, rest) = if bytes.len() > cap {
        bytes.split_at(bytes.len() - cap)
    } else {
        (&[][..], bytes)
    };
    // Leading octets beyond the capacity must all be zero.
    if excess.iter().fold(0u8, |acc, b| acc | b) != 0 {
        return None;
    }
    let mut words = [0 as Word; L];
    for (i, byte) in rest.iter().rev().enumerate() {
        let w = i / Limb::BYTES;
        let shift = 8 * (i % Limb::BYTES);
        words[w] |= (*byte as Word) << shift;
    }
    Some(Uint::from_words(words))
}

/// `Uint<L>` → big-endian bytes, exactly `len` octets (the value must fit; higher octets are
/// dropped otherwise).
pub(crate) fn to_be<const L: usize>(x: &Uint<L>, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    for (i, slot) in out.iter_mut().rev().enumerate() {
        let w = i / Limb::BYTES;
        if w >= L {
            break;
        }
        let shift = 8 * (i % Limb::BYTES);
        *slot = (x.as_words()[w] >> shift) as u8;
    }
    out
}

/// Number of octets needed for `bits` bits.
pub(crate) const fn byte_len(bits: usize) -> usize {
    bits.div_ceil(8)
}

/// Strips leading zero octets (public data only: the running time depends on the value).
pub(crate) fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_bigint::U576;

    #[test]
    fn round_trip() {
        let bytes: Vec<u8> = (1..=40u8).collect();
        let x: U576 = from_be(&bytes).unwrap();
        assert_eq!(to_be(&x, 40), bytes);
        let mut padded = vec![0u8; 80];
        padded[40..].copy_from_slice(&bytes);
        assert_eq!(from_be::<{ U576::LIMBS }>(&padded), Some(x));
        let mut too_big = vec![0u8; 73];
        too_big[0] = 1;
        assert_eq!(from_be::<{ U576::LIMBS }>(&too_big), None);
        assert_eq!(strip_leading_zeros(&[0, 0, 5, 0]), &[5, 0]);
    }
}
