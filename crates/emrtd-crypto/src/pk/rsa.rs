//! The RSA public-key operation RSAVP1 (RFC 8017 §5.2.2), `m = s^e mod n`, for signature
//! verification: all inputs are public, so it runs in variable time: left-to-right binary
//! exponentiation over the public exponent on the own Montgomery multiplication
//! (`pk::mont`, private), with the Montgomery parameters of the modulus (−n⁻¹ mod 2^w, R² mod n)
//! computed once per modulus and remembered. e = 65537 takes one multiplication into
//! Montgomery form (s·R² · R⁻¹), 16 squarings and one multiplication by s itself, which also
//! leaves Montgomery form (no final reduction). At 2048, 3072 and 4096 bits the width is
//! fixed at compile time and the squarings (and at 3072 and 4096 bits the multiplications)
//! take the full square or product by product scanning two columns at a time, followed by a
//! separate Montgomery reduction (`mont::sqr_pairs`, `mont::mul_pairs`), at 2048 bits itself
//! two columns at a time (`mont::sqr_pairs_redc_pairs`).

use super::mont::{self, Word};
use crate::remembered::Remembered;
use cbig7::modular::{BoxedMontyForm, BoxedMontyParams};
use cbig7::{BoxedUint, Odd};
use std::sync::Arc;

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

/// An odd modulus n ready for Montgomery arithmetic: little-endian machine words.
struct Modulus {
    /// n as big-endian octets without leading zeros (the cache compares it in full).
    octets: Vec<u8>,
    n: Vec<Word>,
    /// −n⁻¹ mod 2^w (w the word size).
    inv: Word,
    /// R² mod n, R = 2^(w·len).
    r2: Vec<Word>,
}

/// Octets in a [`Word`].
const WORD_BYTES: usize = (Word::BITS / 8) as usize;

/// Words of the moduli with a width fixed at compile time: 2048, 3072 and 4096 bits.
const W2048: usize = 2048 / Word::BITS as usize;
const W3072: usize = 3072 / Word::BITS as usize;
const W4096: usize = 4096 / Word::BITS as usize;

/// Octets of the modulus that key the cache besides its length: its last ones (the low bits
/// of an RSA modulus are as random as the rest). A hit is confirmed by comparing the whole
/// modulus; a different modulus with the same key replaces the entry (hostile keys can only
/// evict, never be confused).
const KEY_OCTETS: usize = 16;

/// The cache key of a modulus: its length and its last [`KEY_OCTETS`] octets (fewer when
/// shorter, zero-padded). Hashing these instead of the whole modulus keeps a look-up cheap.
fn cache_key(n: &[u8]) -> (usize, [u8; KEY_OCTETS]) {
    let mut tail = [0u8; KEY_OCTETS];
    let take = n.len().min(KEY_OCTETS);
    tail[..take].copy_from_slice(&n[n.len() - take..]);
    (n.len(), tail)
}

/// Little-endian machine words of a big-endian octet string, `words` long (it must fit).
fn words_le(be: &[u8], words: usize) -> Vec<Word> {
    let mut out = vec![0; words];
    fill_words_le(&mut out, be);
    out
}

/// `out` = the big-endian octet string `be` as little-endian machine words (it must fit;
/// the words above it are zeroed).
fn fill_words_le(out: &mut [Word], be: &[u8]) {
    out.fill(0);
    for (w, chunk) in out.iter_mut().zip(be.rchunks(WORD_BYTES)) {
        let mut buf = [0u8; WORD_BYTES];
        buf[WORD_BYTES - chunk.len()..].copy_from_slice(chunk);
        *w = Word::from_be_bytes(buf);
    }
}

/// `out` (as long as n in octets) = the little-endian words `r`, big-endian.
fn fill_octets_be(out: &mut [u8], r: &[Word]) {
    for (chunk, w) in out.rchunks_mut(WORD_BYTES).zip(r) {
        let len = chunk.len();
        chunk.copy_from_slice(&w.to_be_bytes()[WORD_BYTES - len..]);
    }
}

/// The Montgomery parameters of `n` (big-endian without leading zeros, odd, at least 512
/// bits), from the cache or computed (variable time: n is public).
fn params_for(n: &[u8]) -> Result<Arc<Modulus>, RsaError> {
    static CACHE: Remembered<(usize, [u8; KEY_OCTETS]), Modulus, MAX_CACHED_MODULI> =
        Remembered::new();
    CACHE.get_or_make(cache_key(n), |p| p.octets == n, || modulus(n))
}

/// The Montgomery parameters of `n` computed (variable time: n is public).
fn modulus(n: &[u8]) -> Result<Modulus, RsaError> {
    let words = n.len().div_ceil(WORD_BYTES);
    let precision = u32::try_from(words * Word::BITS as usize).map_err(|_| RsaError::Modulus)?;
    let n_u = BoxedUint::from_be_slice(n, precision).map_err(|_| RsaError::Modulus)?;
    let n_odd = Odd::new(n_u).into_option().ok_or(RsaError::Modulus)?;
    let params = BoxedMontyParams::new_vartime(n_odd);
    // R mod n is 1 in Montgomery form; entering it into Montgomery form gives R² mod n.
    let one = BoxedMontyForm::one(&params).as_montgomery().clone();
    let r2 = BoxedMontyForm::new(one, &params)
        .as_montgomery()
        .to_be_bytes();
    let n_words = words_le(n, words);
    Ok(Modulus {
        inv: mont::neg_inv(n_words[0]),
        r2: words_le(&r2, words),
        n: n_words,
        octets: n.to_vec(),
    })
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
    // e < n: e has fewer octets than n, or as many and compares lower (both without
    // leading zeros, so comparing octet strings of one length compares the integers)
    if e.is_empty()
        || e.last().is_none_or(|b| b & 1 == 0)
        || e == [1]
        || e.len() > k
        || (e.len() == k && e >= n)
    {
        return Err(RsaError::Exponent);
    }
    if s.len() != k || s >= n {
        return Err(RsaError::Signature);
    }
    let m = params_for(n)?;
    let e_bits = e.len() * 8 - e[0].leading_zeros() as usize;
    let bit = |i: usize| (e[e.len() - 1 - i / 8] >> (i % 8)) & 1 == 1;
    let mut out = vec![0u8; k];
    // the common sizes at a width fixed at compile time (no bounds checks in the loops, no
    // allocation), squaring two columns at a time; multiplying so from 3072 bits on (at 2048
    // bits the fused product scanning of `mont::mul` measured as fast)
    match m.n.len() {
        W2048 => pow_fixed::<W2048>(
            &m,
            s,
            e_bits,
            bit,
            mont::sqr_pairs_redc_pairs::<W2048, { 2 * W2048 }>,
            mont::mul::<W2048>,
            &mut out,
        ),
        W3072 => pow_fixed::<W3072>(
            &m,
            s,
            e_bits,
            bit,
            mont::sqr_pairs::<W3072, { 2 * W3072 }>,
            mont::mul_pairs::<W3072, { 2 * W3072 }>,
            &mut out,
        ),
        W4096 => pow_fixed::<W4096>(
            &m,
            s,
            e_bits,
            bit,
            mont::sqr_pairs::<W4096, { 2 * W4096 }>,
            mont::mul_pairs::<W4096, { 2 * W4096 }>,
            &mut out,
        ),
        _ => {
            let r = pow_slices(&m, &words_le(s, m.n.len()), e_bits, bit);
            fill_octets_be(&mut out, &r);
        }
    }
    Ok(out)
}

/// s^e mod n into `out` (s < n as big-endian octets, as long as n; e odd and at least 3,
/// given by its bit length and bits, top bit set), left to right, at a width fixed at
/// compile time, squaring with `sqr` and multiplying with `mul`.
fn pow_fixed<const L: usize>(
    m: &Modulus,
    s: &[u8],
    e_bits: usize,
    bit: impl Fn(usize) -> bool,
    sqr: impl Fn(&[Word; L], &[Word; L], Word) -> [Word; L],
    mul: impl Fn(&[Word; L], &[Word; L], &[Word; L], Word) -> [Word; L],
    out: &mut [u8],
) {
    let fixed = |v: &[Word]| -> [Word; L] {
        let mut out = [0; L];
        out.copy_from_slice(&v[..L]);
        out
    };
    let (n, r2) = (fixed(&m.n), fixed(&m.r2));
    let mut s_w = [0; L];
    fill_words_le(&mut s_w, s);
    let s = s_w;
    let mul = |x: &[Word; L], y: &[Word; L]| mul(x, y, &n, m.inv);
    let base = mul(&s, &r2);
    let mut acc = base;
    let sq = |x: &[Word; L]| sqr(x, &n, m.inv);
    for i in (1..e_bits - 1).rev() {
        acc = sq(&acc);
        if bit(i) {
            acc = mul(&acc, &base);
        }
    }
    // bit 0 (e is odd): multiplying s^(e−1)·R by s itself, not by s·R, also leaves
    // Montgomery form (one multiplication fewer than a final reduction)
    acc = sq(&acc);
    fill_octets_be(out, &mul(&acc, &s));
}

/// The same for any number of words.
fn pow_slices(m: &Modulus, s: &[Word], e_bits: usize, bit: impl Fn(usize) -> bool) -> Vec<Word> {
    let len = m.n.len();
    let mut t = vec![0; 2 * len];
    let mut base = vec![0; len];
    // s·R mod n: into Montgomery form
    mont::mul_slices(&mut base, s, &m.r2, &m.n, m.inv, &mut t);
    let mut acc = base.clone();
    let mut tmp = vec![0; len];
    for i in (1..e_bits - 1).rev() {
        mont::sqr_slices(&mut tmp, &acc, &m.n, m.inv, &mut t);
        if bit(i) {
            mont::mul_slices(&mut acc, &tmp, &base, &m.n, m.inv, &mut t);
        } else {
            core::mem::swap(&mut acc, &mut tmp);
        }
    }
    // bit 0 (e is odd): the last multiplication takes s itself, which leaves Montgomery form
    mont::sqr_slices(&mut tmp, &acc, &m.n, m.inv, &mut t);
    mont::mul_slices(&mut acc, &tmp, s, &m.n, m.inv, &mut t);
    acc
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
    fn moduli_sharing_the_cache_key_never_take_each_others_parameters() {
        // Same length and the same last 16 octets (the cache key), different leading octets:
        // alternating between them must give each its own result every time, at a fixed
        // width (2048 bits) and on the slice path (512 bits).
        for len in [256usize, 64] {
            let mut n1 = vec![0xC5u8; len];
            n1[len - 1] = 0xC7;
            let mut n2 = n1.clone();
            n2[0] = 0xE3;
            n2[1] = 0x11;
            let (b1, b2) = (
                rsa::BigUint::from_bytes_be(&n1),
                rsa::BigUint::from_bytes_be(&n2),
            );
            let mut s = vec![0u8; len];
            s[0] = 0x42;
            s[len - 1] = 0x09;
            let s_big = rsa::BigUint::from_bytes_be(&s);
            let e = rsa::BigUint::from(65537u32);
            let want = |n: &rsa::BigUint| {
                let v = s_big.modpow(&e, n).to_bytes_be();
                let mut out = vec![0u8; len - v.len()];
                out.extend(v);
                out
            };
            let (w1, w2) = (want(&b1), want(&b2));
            assert_ne!(w1, w2);
            for _ in 0..3 {
                assert_eq!(rsa_public_op(&n1, &[1, 0, 1], &s).unwrap(), w1);
                assert_eq!(rsa_public_op(&n2, &[1, 0, 1], &s).unwrap(), w2);
            }
        }
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        /// The public operation equals `num-bigint-dig`'s modular exponentiation, at the
        /// widths fixed at compile time (2048, 3072, 4096 bits) and on the slice path (512,
        /// 2056, 8192 bits), for e = 3, 65537 and a long random odd exponent, and for the
        /// edge signatures 0, 1 and n − 1.
        #[test]
        fn public_operation_equals_num_bigint_modpow(
            size in prop::sample::select(vec![64usize, 257, 256, 384, 512, 1024]),
            seed in prop::collection::vec(any::<u8>(), 1024),
            s_seed in prop::collection::vec(any::<u8>(), 1024),
            long_e in prop::collection::vec(any::<u8>(), 1..40),
            edge in 0u8..4,
        ) {
            use rsa::BigUint;
            let mut n = seed[..size].to_vec();
            n[0] |= 0x80;
            n[size - 1] |= 1;
            let n_big = BigUint::from_bytes_be(&n);
            let mut s = s_seed[..size].to_vec();
            s[0] &= 0x7F; // < n
            match edge {
                0 => s.fill(0),
                1 => { s.fill(0); s[size - 1] = 1; }
                2 => { s.clone_from(&n); s[size - 1] &= 0xFE; } // n − 1
                _ => {}
            }
            let mut long_e = long_e;
            long_e[0] |= 0x40;
            let last = long_e.len() - 1;
            long_e[last] |= 1;
            for e in [vec![3u8], vec![1, 0, 1], long_e] {
                let want = BigUint::from_bytes_be(&s).modpow(&BigUint::from_bytes_be(&e), &n_big);
                let mut want = want.to_bytes_be();
                while want.len() < size {
                    want.insert(0, 0);
                }
                prop_assert_eq!(rsa_public_op(&n, &e, &s).unwrap(), want);
            }
        }
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
