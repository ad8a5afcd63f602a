//! Fused Montgomery multiplication on machine-word limbs (little-endian [`Word`]s: `u64` with
//! `u128` products on 64-bit targets, `u32` with `u64` products on 32-bit ones, as
//! `crypto-bigint`'s limbs), for any odd modulus m of L limbs, R = 2^(w·L), w the word size:
//!
//! * [`mul`]: a·b·R⁻¹ mod m by Coarsely Integrated Operand Scanning (CIOS; Koç, Acar and
//!   Kaliski, "Analyzing and Comparing Montgomery Multiplication Algorithms", IEEE Micro 1996):
//!   each row adds aᵢ·b and then mᵢ·m and shifts by one word, so the 2L-word product is never
//!   stored; 2L² + L word multiplications.
//!   From 32 limbs on (MODP groups, RSA) product scanning is faster and is used instead
//!   (`fips_mul`, `fips_sqr`).
//! * [`sqr`]: a²·R⁻¹ mod m by Separated Operand Scanning: the off-diagonal products aᵢ·aⱼ
//!   (i < j) once, doubled, plus the squares aᵢ², then a word-by-word Montgomery reduction of
//!   the 2L-word square; 1.5L² + 1.5L word multiplications.
//! * [`sqr_pairs`] and [`mul_pairs`] (RSA at 2048, 3072 and 4096 bits): the 2L-word square
//!   or product by product scanning two columns at a time (`pairs`), then a separate
//!   Montgomery reduction by product scanning; [`sqr_pairs_redc_pairs`] (RSA at 2048 bits)
//!   also reduces two columns at a time.
//!
//! The product-scanning loops sum each column in two accumulators (even and odd terms: two
//! carry chains side by side) over operands stored reversed where needed, so that both
//! factors run forward without index arithmetic or bounds checks.
//!
//! Both take operands < m and return a result < m: the sum before the final step is < 2m
//! and m is subtracted when it is not smaller than m, chosen by a mask (no branch). Every
//! loop runs a fixed number of times for a given L and no memory access depends on the
//! values: constant time for secret operands (the modulus is public).
//!
//! The functions are generic over the limb count (const generics: 3–8 limbs for the curves,
//! 16 and 32 for the MODP groups) and come in a slice form of any length (RSA moduli of any
//! size). They are checked against `crypto-bigint` by the tests below.

mod pairs;
pub(crate) use pairs::{mul_pairs, sqr_pairs, sqr_pairs_redc_pairs};

/// One limb: `crypto-bigint`'s word, so that its integers' words feed these functions.
pub(crate) type Word = crypto_bigint::Word;
/// Two limbs: a product of two words.
type Wide = crypto_bigint::WideWord;
const ZERO: Word = 0;

/// −m⁻¹ mod 2^w for odd m₀ (Newton's iteration: each step doubles the correct low bits).
pub(crate) const fn neg_inv(m0: Word) -> Word {
    let mut x: Word = 1; // m₀ odd: correct to 1 bit
    let mut i = 0;
    while i < 6 {
        x = x.wrapping_mul(Word::wrapping_sub(2, m0.wrapping_mul(x)));
        i += 1;
    }
    x.wrapping_neg()
}

/// (hi, lo) of a·b + c + d; never overflows ((2^w−1)² + 2·(2^w−1) < 2^2w).
#[inline(always)]
fn mac(a: Word, b: Word, c: Word, d: Word) -> (Word, Word) {
    let t = (a as Wide) * (b as Wide) + (c as Wide) + (d as Wide);
    ((t >> Word::BITS) as Word, t as Word)
}

/// (carry, sum) of a + b + c with c ≤ 1 … or any c: the sum of three words fits 2 words.
#[inline(always)]
fn adc(a: Word, b: Word, c: Word) -> (Word, Word) {
    let t = (a as Wide) + (b as Wide) + (c as Wide);
    ((t >> Word::BITS) as Word, t as Word)
}

/// `t − m` if `(hi, t) ≥ m` (hi ∈ {0, 1} is the word above t), else `t`, into `out`; a
/// mask selects the result (no branch).
#[inline(always)]
fn final_sub(out: &mut [Word], t: &[Word], hi: Word, m: &[Word]) {
    let mut borrow = ZERO;
    for j in 0..m.len() {
        let d = (t[j] as Wide)
            .wrapping_sub(m[j] as Wide)
            .wrapping_sub(borrow as Wide);
        out[j] = d as Word;
        borrow = ((d >> Word::BITS) as Word) & 1;
    }
    // (hi, t) − m is negative iff the subtraction borrowed out of t and hi = 0.
    let keep_t = (borrow & !hi).wrapping_neg(); // all ones: keep t
    for j in 0..m.len() {
        out[j] = (t[j] & keep_t) | (out[j] & !keep_t);
    }
}

/// CIOS core: `t` (len L, zeroed by the caller) receives the unreduced a·b·R⁻¹ (< 2m); the
/// word above it is returned.
#[inline(always)]
fn cios(t: &mut [Word], a: &[Word], b: &[Word], m: &[Word], inv: Word) -> Word {
    let l = m.len();
    let (a, b, t) = (&a[..l], &b[..l], &mut t[..l]);
    let mut t_hi = ZERO;
    for &bi in b {
        // t += a·bᵢ
        let mut c = ZERO;
        for j in 0..l {
            (c, t[j]) = mac(a[j], bi, t[j], c);
        }
        let (c2, s) = adc(t_hi, c, 0);
        t_hi = s;
        let t_hi2 = c2;
        // t = (t + q·m) / 2^w, q chosen so that the low word vanishes
        let q = t[0].wrapping_mul(inv);
        let (mut c, _) = mac(q, m[0], t[0], 0);
        for j in 1..l {
            (c, t[j - 1]) = mac(q, m[j], t[j], c);
        }
        let (c3, s) = adc(t_hi, c, 0);
        t[l - 1] = s;
        t_hi = t_hi2 + c3;
    }
    t_hi
}

/// Montgomery reduction of the 2L-word `w` in place: afterwards `w[L..]` holds w·R⁻¹ mod m
/// unreduced (< 2m when w < m·R); the word above it is returned.
#[inline(always)]
fn redc_wide(w: &mut [Word], m: &[Word], inv: Word) -> Word {
    let l = m.len();
    let w = &mut w[..2 * l];
    let mut top = ZERO;
    for i in 0..l {
        let q = w[i].wrapping_mul(inv);
        let mut c = ZERO;
        for j in 0..l {
            (c, w[i + j]) = mac(q, m[j], w[i + j], c);
        }
        (top, w[i + l]) = adc(w[i + l], c, top);
    }
    top
}

/// The 2L-word square of `a` into `w` (len 2L; overwritten).
#[inline(always)]
fn square_wide(w: &mut [Word], a: &[Word]) {
    let l = a.len();
    let w = &mut w[..2 * l];
    w.fill(0);
    // off-diagonal products aᵢ·aⱼ, i < j
    for i in 0..l {
        let mut c = ZERO;
        for j in i + 1..l {
            (c, w[i + j]) = mac(a[i], a[j], w[i + j], c);
        }
        w[i + l] = c;
    }
    double_and_add_squares(w, a);
}

/// `w` = 2·w + Σ aᵢ²·2^(2·b·i) (b the word size), where `w` (2L words, L = a.len()) holds the
/// off-diagonal sum Σ_{i<j} aᵢ·aⱼ of a square: the result a² < 2^(2bL), so no carry leaves
/// the top.
#[inline(always)]
fn double_and_add_squares(w: &mut [Word], a: &[Word]) {
    let mut shifted_out = ZERO;
    let mut c = ZERO;
    for (i, &ai) in a.iter().enumerate() {
        let lo = w[2 * i];
        let hi = w[2 * i + 1];
        let d_lo = (lo << 1) | shifted_out;
        let d_hi = (hi << 1) | (lo >> (Word::BITS - 1));
        shifted_out = hi >> (Word::BITS - 1);
        let sq = (ai as Wide) * (ai as Wide);
        let (c1, s_lo) = adc(d_lo, sq as Word, c);
        let (c2, s_hi) = adc(d_hi, (sq >> Word::BITS) as Word, c1);
        w[2 * i] = s_lo;
        w[2 * i + 1] = s_hi;
        c = c2;
    }
}

/// a·b·R⁻¹ mod m on slices of one length L (a, b < m; `inv` = [`neg_inv`]`(m₀)`). Constant
/// time for a given L.
#[inline(always)]
pub(crate) fn mul_slices(
    out: &mut [Word],
    a: &[Word],
    b: &[Word],
    m: &[Word],
    inv: Word,
    t: &mut [Word],
) {
    t[..m.len()].fill(0);
    let hi = cios(t, a, b, m, inv);
    final_sub(out, &t[..m.len()], hi, m);
}

/// a²·R⁻¹ mod m on slices (a < m); `w` is scratch of 2L words. Constant time for a given L.
#[inline(always)]
pub(crate) fn sqr_slices(out: &mut [Word], a: &[Word], m: &[Word], inv: Word, w: &mut [Word]) {
    let l = m.len();
    square_wide(w, &a[..l]);
    let hi = redc_wide(w, m, inv);
    final_sub(out, &w[l..2 * l], hi, m);
}

/// A column accumulator for product scanning: a 192-bit sum of word products.
#[derive(Clone, Copy)]
struct Column {
    lo: Wide,
    top: Word,
}

impl Column {
    const ZERO: Self = Column { lo: 0, top: 0 };

    #[inline(always)]
    fn mac(&mut self, a: Word, b: Word) {
        let (s, c) = self.lo.overflowing_add((a as Wide) * (b as Wide));
        self.lo = s;
        self.top += Word::from(c);
    }

    /// Adds one word.
    #[inline(always)]
    fn add(&mut self, w: Word) {
        let (s, c) = self.lo.overflowing_add(w as Wide);
        self.lo = s;
        self.top += Word::from(c);
    }

    /// Adds twice `half` (a sum of at most a few hundred products: far below 2^191).
    #[inline(always)]
    fn add_doubled(&mut self, half: &Column) {
        let (s, c) = self.lo.overflowing_add(half.lo << 1);
        self.lo = s;
        self.top += (half.top << 1) + ((half.lo >> (Wide::BITS - 1)) as Word) + Word::from(c);
    }

    /// The low word out; the sum shifted right by one word.
    #[inline(always)]
    fn shift(&mut self) -> Word {
        let out = self.lo as Word;
        self.lo = (self.lo >> Word::BITS) | ((self.top as Wide) << Word::BITS);
        self.top = 0;
        out
    }
}

/// a·b·R⁻¹ mod m by Finely Integrated Product Scanning (FIPS; Koç, Acar and Kaliski 1996):
/// column by column, each column summing the products aⱼ·bᵢ₋ⱼ and qⱼ·mᵢ₋ⱼ in a three-word
/// accumulator (no carry chain through a row), qᵢ chosen so that the low column word vanishes.
/// Faster than CIOS from 32 limbs on (measured); same operation count, constant time.
#[inline(always)]
fn fips_mul<const L: usize>(a: &[Word; L], b: &[Word; L], m: &[Word; L], inv: Word) -> [Word; L] {
    // bᵢ₋ⱼ = b_rev[L − 1 − i + j], mᵢ₋ⱼ likewise: both factors of a column run forward
    let (b_rev, m_rev) = (reversed(b), reversed(m));
    let mut q = [ZERO; L];
    let mut acc = Column::ZERO;
    for i in 0..L {
        dot(&mut acc, &a[..=i], &b_rev[L - 1 - i..]);
        dot(&mut acc, &q[..i], &m_rev[L - 1 - i..]);
        q[i] = (acc.lo as Word).wrapping_mul(inv);
        acc.mac(q[i], m[0]);
        acc.shift();
    }
    let mut t = [ZERO; L];
    for i in L..2 * L {
        let first = i - L + 1;
        dot(&mut acc, &a[first..], &b_rev);
        dot(&mut acc, &q[first..], &m_rev);
        t[i - L] = acc.shift();
    }
    let mut out = [ZERO; L];
    final_sub(&mut out, &t, acc.lo as Word, m);
    out
}

/// The words of `x` in reverse order.
#[inline(always)]
fn reversed<const L: usize>(x: &[Word; L]) -> [Word; L] {
    let mut r = *x;
    r.reverse();
    r
}

/// acc += Σ xₖ·yₖ over the shorter length (y a reversed operand, so that both run forward:
/// no index arithmetic, no bounds checks in the loop), in two accumulators taking the even
/// and the odd k, so that two carry chains run side by side; they are added at the end.
#[inline(always)]
fn dot(acc: &mut Column, x: &[Word], y: &[Word]) {
    let n = x.len().min(y.len());
    let (x, y) = (x[..n].chunks_exact(2), y[..n].chunks_exact(2));
    let (x_rest, y_rest) = (x.remainder(), y.remainder());
    let mut odd = Column::ZERO;
    for (xs, ys) in x.zip(y) {
        acc.mac(xs[0], ys[0]);
        odd.mac(xs[1], ys[1]);
    }
    for (a, b) in x_rest.iter().zip(y_rest) {
        acc.mac(*a, *b);
    }
    let (s, c) = acc.lo.overflowing_add(odd.lo);
    acc.lo = s;
    acc.top += odd.top + Word::from(c);
}

/// a²·R⁻¹ mod m by product scanning: each column's off-diagonal products aⱼ·aᵢ₋ⱼ (j < i − j)
/// once, doubled, plus the square on the diagonal, plus the reduction products qⱼ·mᵢ₋ⱼ.
#[inline(always)]
fn fips_sqr<const L: usize>(a: &[Word; L], m: &[Word; L], inv: Word) -> [Word; L] {
    let (a_rev, m_rev) = (reversed(a), reversed(m));
    let mut q = [ZERO; L];
    let mut t = [ZERO; L];
    let mut acc = Column::ZERO;
    for i in 0..2 * L - 1 {
        let first = i.saturating_sub(L - 1);
        // aⱼ·aᵢ₋ⱼ for first ≤ j < i − j; aᵢ₋ⱼ = a_rev[L − 1 − i + j]
        let mut half = Column::ZERO;
        dot(
            &mut half,
            &a[first..i.div_ceil(2)],
            &a_rev[L - 1 + first - i..],
        );
        acc.add_doubled(&half);
        if i % 2 == 0 {
            acc.mac(a[i / 2], a[i / 2]);
        }
        dot(&mut acc, &q[first..i.min(L)], &m_rev[L - 1 + first - i..]);
        if i < L {
            q[i] = (acc.lo as Word).wrapping_mul(inv);
            acc.mac(q[i], m[0]);
            acc.shift();
        } else {
            t[i - L] = acc.shift();
        }
    }
    t[L - 1] = acc.shift();
    let mut out = [ZERO; L];
    final_sub(&mut out, &t, acc.lo as Word, m);
    out
}

/// Montgomery reduction by product scanning: t·R⁻¹ mod m for a 2L-word t < m·R (column by
/// column, each summing qⱼ·mᵢ₋ⱼ and the word of t, qᵢ chosen so that the low column word
/// vanishes). Constant time.
#[inline(always)]
fn redc_columns<const L: usize>(t: &[Word], m: &[Word; L], inv: Word) -> [Word; L] {
    let t = &t[..2 * L];
    let m_rev = reversed(m);
    let mut q = [ZERO; L];
    let mut acc = Column::ZERO;
    for i in 0..L {
        dot(&mut acc, &q[..i], &m_rev[L - 1 - i..]);
        acc.add(t[i]);
        q[i] = (acc.lo as Word).wrapping_mul(inv);
        acc.mac(q[i], m[0]);
        acc.shift();
    }
    let mut r = [ZERO; L];
    for i in L..2 * L {
        dot(&mut acc, &q[i - L + 1..], &m_rev);
        acc.add(t[i]);
        r[i - L] = acc.shift();
    }
    let mut out = [ZERO; L];
    final_sub(&mut out, &r, acc.lo as Word, m);
    out
}

/// a·b·R⁻¹ mod m, L limbs (a, b < m). Constant time.
#[inline(always)]
pub(crate) fn mul<const L: usize>(
    a: &[Word; L],
    b: &[Word; L],
    m: &[Word; L],
    inv: Word,
) -> [Word; L] {
    if L >= 32 {
        return fips_mul(a, b, m, inv);
    }
    let mut t = [ZERO; L];
    let hi = cios(&mut t, a, b, m, inv);
    let mut out = [ZERO; L];
    final_sub(&mut out, &t, hi, m);
    out
}

/// a²·R⁻¹ mod m, L limbs (a < m); `W` ≥ 2L is the size of the scratch buffer (checked at
/// compile time). Constant time.
#[inline(always)]
pub(crate) fn sqr<const L: usize, const W: usize>(
    a: &[Word; L],
    m: &[Word; L],
    inv: Word,
) -> [Word; L] {
    const { assert!(W >= 2 * L) };
    if L >= 32 {
        return fips_sqr(a, m, inv);
    }
    let mut w = [ZERO; W];
    square_wide(&mut w, a);
    let hi = redc_wide(&mut w, m, inv);
    let mut out = [ZERO; L];
    final_sub(&mut out, &w[L..2 * L], hi, m);
    out
}

/// a·R⁻¹ mod m (leaves Montgomery form), L limbs (a < m). Constant time.
#[inline(always)]
pub(crate) fn redc<const L: usize>(a: &[Word; L], m: &[Word; L], inv: Word) -> [Word; L] {
    let mut one = [ZERO; L];
    one[0] = 1;
    mul(a, &one, m, inv)
}

// The limb counts and vectors below are in 64-bit words; on 32-bit targets the curve, DH and
// RSA tests (known answers) exercise this code.
#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    use super::*;
    use crypto_bigint::modular::montgomery_reduction;
    use crypto_bigint::{Limb, NonZero, Uint};
    use proptest::prelude::*;

    /// The reference: the full product, then `crypto-bigint`'s Montgomery reduction.
    fn reference<const L: usize>(a: &[u64; L], b: &[u64; L], m: &[u64; L]) -> [u64; L] {
        let (a, b, m) = (
            Uint::<L>::from_words(*a),
            Uint::<L>::from_words(*b),
            Uint::<L>::from_words(*m),
        );
        montgomery_reduction(&a.mul_wide(&b), &m, Limb(neg_inv(m.as_words()[0]))).to_words()
    }

    fn words<const L: usize>(hex: &str) -> [u64; L] {
        Uint::<L>::from_be_hex(hex).to_words()
    }

    /// x mod m for a random x of L limbs.
    fn reduce<const L: usize>(x: [u64; L], m: &[u64; L]) -> [u64; L] {
        let m = NonZero::new(Uint::<L>::from_words(*m)).unwrap();
        Uint::<L>::from_words(x).rem(&m).to_words()
    }

    fn m_minus<const L: usize>(m: &[u64; L], k: u64) -> [u64; L] {
        Uint::<L>::from_words(*m)
            .wrapping_sub(&Uint::from_u64(k))
            .to_words()
    }

    /// mul, sqr, the slice forms and redc agree with the reference for a, b < m, and on the
    /// edge operands 0, 1, m − 1, m − 2.
    fn check<const L: usize, const W: usize>(m: &[u64; L], a: [u64; L], b: [u64; L]) {
        let inv = neg_inv(m[0]);
        let (a, b) = (reduce(a, m), reduce(b, m));
        let mut one = [0u64; L];
        one[0] = 1;
        let edges = [[0u64; L], one, m_minus(m, 1), m_minus(m, 2), a, b];
        for x in &edges {
            for y in &edges {
                let want = reference(x, y, m);
                assert_eq!(mul(x, y, m, inv), want);
                let (mut out, mut t) = (vec![0u64; L], vec![0u64; L]);
                mul_slices(&mut out, x, y, m, inv, &mut t);
                assert_eq!(out, want);
            }
            let want = reference(x, x, m);
            assert_eq!(sqr::<L, W>(x, m, inv), want);
            let (mut out, mut w) = (vec![0u64; L], vec![0u64; 2 * L]);
            sqr_slices(&mut out, x, m, inv, &mut w);
            assert_eq!(out, want);
            assert_eq!(redc(x, m, inv), reference(x, &one, m));
        }
    }

    const BP192: &str = "C302F41D932A36CDA7A3463093D18DB78FCE476DE1A86297";
    const BP224: &str = "00000000D7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF";
    const BP256: &str = "A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377";
    const BP320: &str =
        "D35E472036BC4FB7E13C785ED201E065F98FCFA6F6F40DEF4F92B9EC7893EC28FCD412B1F1B32E27";
    const BP384: &str = "8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53";
    const BP512: &str = "AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3";
    const MODP2048: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF";

    fn arr<const L: usize>(v: &[u64]) -> [u64; L] {
        let mut out = [0u64; L];
        out.copy_from_slice(&v[..L]);
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn fused_multiplication_equals_crypto_bigint_on_the_brainpool_primes(
            a in prop::collection::vec(any::<u64>(), 8),
            b in prop::collection::vec(any::<u64>(), 8),
        ) {
            check::<3, 6>(&words(BP192), arr(&a), arr(&b));
            check::<4, 8>(&words(BP224), arr(&a), arr(&b));
            check::<4, 8>(&words(BP256), arr(&a), arr(&b));
            check::<5, 10>(&words(BP320), arr(&a), arr(&b));
            check::<6, 12>(&words(BP384), arr(&a), arr(&b));
            check::<8, 16>(&words(BP512), arr(&a), arr(&b));
        }

        #[test]
        fn fused_multiplication_equals_crypto_bigint_on_random_odd_moduli(
            m in prop::collection::vec(any::<u64>(), 8),
            a in prop::collection::vec(any::<u64>(), 8),
            b in prop::collection::vec(any::<u64>(), 8),
            top_bits in 1u32..64,
        ) {
            // odd moduli of every top-word size, so that both "t < m" and "t ≥ m" and the
            // carry word above t are reached
            let mut m = arr::<8>(&m);
            m[0] |= 1;
            m[7] = (m[7] >> (64 - top_bits)) | (1 << (top_bits - 1));
            check::<8, 16>(&m, arr(&a), arr(&b));
            let mut m5 = arr::<5>(&m);
            m5[4] |= 1 << 63;
            check::<5, 10>(&m5, arr(&a), arr(&b));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(8))]

        #[test]
        fn fused_multiplication_equals_crypto_bigint_on_modp_2048(
            a in prop::collection::vec(any::<u64>(), 32),
            b in prop::collection::vec(any::<u64>(), 32),
        ) {
            check::<32, 64>(&words(MODP2048), arr(&a), arr(&b));
        }

        #[test]
        fn fused_multiplication_equals_crypto_bigint_on_random_odd_4096_bit_moduli(
            m in prop::collection::vec(any::<u64>(), 64),
            a in prop::collection::vec(any::<u64>(), 64),
            b in prop::collection::vec(any::<u64>(), 64),
        ) {
            let mut m = arr::<64>(&m);
            m[0] |= 1;
            m[63] |= 1 << 63;
            check::<64, 128>(&m, arr(&a), arr(&b));
        }
    }

    /// The two-column squaring and multiplication (each followed by the separate reduction)
    /// equal the reference on `a`, `b`, on the edge operands 0, 1, m − 1, m − 2, and on
    /// operands whose high or low half is zero.
    fn check_pairs<const L: usize, const W: usize>(m: &[u64; L], a: [u64; L], b: [u64; L]) {
        let inv = neg_inv(m[0]);
        let (a, b) = (reduce(a, m), reduce(b, m));
        let mut one = [0u64; L];
        one[0] = 1;
        let (mut low_only, mut high_only) = (a, a);
        low_only[L / 2..].fill(0);
        high_only[..L / 2].fill(0);
        let edges = [
            [0u64; L],
            one,
            m_minus(m, 1),
            m_minus(m, 2),
            a,
            b,
            low_only,
            high_only,
        ];
        for x in &edges {
            assert_eq!(sqr_pairs::<L, W>(x, m, inv), reference(x, x, m));
            assert_eq!(sqr_pairs_redc_pairs::<L, W>(x, m, inv), reference(x, x, m));
            for y in &edges {
                assert_eq!(mul_pairs::<L, W>(x, y, m, inv), reference(x, y, m));
            }
        }
    }

    /// An odd L-word modulus from random words whose top word has `top_bits` bits.
    fn odd_modulus<const L: usize>(words: &[u64], top_bits: u32) -> [u64; L] {
        let mut m = arr::<L>(words);
        m[0] |= 1;
        m[L - 1] = (m[L - 1] >> (64 - top_bits)) | (1 << (top_bits - 1));
        m
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// The RSA widths (2048, 3072, 4096 bits) on random odd moduli of every top-word size.
        #[test]
        fn two_column_squaring_and_multiplication_equal_crypto_bigint_at_the_rsa_widths(
            m in prop::collection::vec(any::<u64>(), 64),
            a in prop::collection::vec(any::<u64>(), 64),
            b in prop::collection::vec(any::<u64>(), 64),
            top_bits in 1u32..=64,
        ) {
            check_pairs::<64, 128>(&odd_modulus(&m, top_bits), arr(&a), arr(&b));
            check_pairs::<48, 96>(&odd_modulus(&m, top_bits), arr(&a), arr(&b));
            check_pairs::<32, 64>(&odd_modulus(&m, top_bits), arr(&a), arr(&b));
        }

        /// Short widths, where the first and last column pairs (the terms only one column of
        /// a pair has) make up most of the work.
        #[test]
        fn two_column_squaring_and_multiplication_equal_crypto_bigint_at_short_widths(
            m in prop::collection::vec(any::<u64>(), 10),
            a in prop::collection::vec(any::<u64>(), 10),
            b in prop::collection::vec(any::<u64>(), 10),
            top_bits in 1u32..=64,
        ) {
            check_pairs::<2, 4>(&odd_modulus(&m, top_bits), arr(&a), arr(&b));
            check_pairs::<4, 8>(&odd_modulus(&m, top_bits), arr(&a), arr(&b));
            check_pairs::<6, 12>(&odd_modulus(&m, top_bits), arr(&a), arr(&b));
            check_pairs::<10, 20>(&odd_modulus(&m, top_bits), arr(&a), arr(&b));
        }
    }

    #[test]
    fn two_column_squaring_carries_through_all_ones_operands() {
        // m = 2^4096 − 1 and m = 2^4096 − 2^64 + 1: m − 1, m − 2 have (almost) all bits set,
        // so every column and the doubling carry as far as they can
        let m = [u64::MAX; 64];
        check_pairs::<64, 128>(&m, [u64::MAX - 7; 64], [u64::MAX - 1; 64]);
        let mut m = [u64::MAX; 64];
        m[0] = 1;
        check_pairs::<64, 128>(&m, [u64::MAX; 64], [u64::MAX; 64]);
    }

    #[test]
    fn montgomery_inverse_of_the_low_word_is_exact() {
        for m0 in [1u64, 3, 0xFFFF_FFFF, u64::MAX, 0xD7C1_34AA_2643_6687] {
            assert_eq!(m0.wrapping_mul(neg_inv(m0)), u64::MAX, "m0 = {m0:#x}");
        }
    }
}
