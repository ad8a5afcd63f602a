//! Width-w non-adjacent form of public scalars, for the variable-time ECDSA verification
//! of every curve backend (named, narrow, P-521).

/// Width-w NAF of a big-endian unsigned integer, least significant digit first. Public data
/// only: the running time depends on the value.
pub(crate) fn wnaf(be: &[u8], w: u32) -> Vec<i8> {
    // little-endian 64-bit limbs, one spare limb for the carries of the recoding
    let mut limbs = vec![0u64; be.len().div_ceil(8) + 1];
    for (i, b) in be.iter().rev().enumerate() {
        limbs[i / 8] |= u64::from(*b) << (8 * (i % 8));
    }
    let is_zero = |l: &[u64]| l.iter().all(|x| *x == 0);
    let shr1 = |l: &mut [u64]| {
        for i in 0..l.len() {
            let next = l.get(i + 1).copied().unwrap_or(0);
            l[i] = (l[i] >> 1) | (next << 63);
        }
    };
    let mut out = Vec::with_capacity(8 * be.len() + 1);
    let modulus = 1i64 << w;
    while !is_zero(&limbs) {
        let digit = if limbs[0] & 1 == 1 {
            let mut d = (limbs[0] & ((1u64 << w) - 1)) as i64;
            if d >= modulus / 2 {
                d -= modulus;
            }
            // subtract d (may be negative: then add |d|)
            if d >= 0 {
                let mut borrow = d as u64;
                for l in limbs.iter_mut() {
                    let (v, b) = l.overflowing_sub(borrow);
                    *l = v;
                    borrow = u64::from(b);
                    if borrow == 0 {
                        break;
                    }
                }
            } else {
                let mut carry = (-d) as u64;
                for l in limbs.iter_mut() {
                    let (v, c) = l.overflowing_add(carry);
                    *l = v;
                    carry = u64::from(c);
                    if carry == 0 {
                        break;
                    }
                }
            }
            d as i8
        } else {
            0
        };
        out.push(digit);
        shr1(&mut limbs);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wnaf;

    fn value(digits: &[i8]) -> i128 {
        digits
            .iter()
            .rev()
            .fold(0i128, |acc, d| acc * 2 + i128::from(*d))
    }

    #[test]
    fn wnaf_digits_are_odd_bounded_sparse_and_sum_to_the_value() {
        for v in [
            1u64,
            2,
            3,
            7,
            255,
            256,
            1 << 40,
            0xDEAD_BEEF_1234_5678,
            u64::MAX,
        ] {
            for w in [2u32, 5, 7] {
                let digits = wnaf(&v.to_be_bytes(), w);
                assert_eq!(value(&digits), i128::from(v), "v={v} w={w}");
                for (i, d) in digits.iter().enumerate() {
                    if *d != 0 {
                        assert_eq!(d & 1, 1, "odd digit");
                        assert!(i16::from(*d).abs() < (1 << (w - 1)));
                        for nz in digits.iter().skip(i + 1).take(w as usize - 1) {
                            assert_eq!(*nz, 0, "w-1 zeros after a nonzero digit");
                        }
                    }
                }
            }
        }
        assert!(wnaf(&[0, 0], 5).is_empty());
    }
}
