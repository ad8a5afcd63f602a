//! Product scanning two columns at a time, for the RSA squaring at the widths fixed at
//! compile time (2048, 3072 and 4096 bits).
//!
//! Column i of a product sums aⱼ·bᵢ₋ⱼ and column i + 1 sums aⱼ·bᵢ₊₁₋ⱼ over (almost) the same
//! j: one loop over j feeds both columns' accumulators (two independent carry chains, aⱼ
//! loaded once for both products), and the few terms only one of the two columns has are
//! added outside the loop. Every column's loop has another trip count, and a column costs
//! about as much as a dozen word products besides its own (estimated from a micro-benchmark
//! of the one-column kernels at 4096 bits: about 5 ns a column, 0.35 ns a product); taking
//! the columns in pairs halves the number of loop exits. The squaring also doubles the
//! off-diagonal sum once at the end instead of per column. The Montgomery reduction can run
//! two columns at a time too ([`redc_pairs`]: the digits q known before both columns feed
//! one loop, q_i enters the second column outside it).

use super::{reversed, Column, Word, ZERO};

impl Column {
    /// Adds another column sum (both far below 2^191).
    #[inline(always)]
    fn add_column(&mut self, other: &Column) {
        let (s, c) = self.lo.overflowing_add(other.lo);
        self.lo = s;
        self.top += other.top + Word::from(c);
    }
}

/// a0 += Σ xₖ·y0ₖ and a1 += Σ xₖ·y1ₖ over the shortest length: xₖ loaded once for both
/// products, the two sums in two accumulators (two carry chains side by side).
#[inline(always)]
fn dot2(a0: &mut Column, a1: &mut Column, x: &[Word], y0: &[Word], y1: &[Word]) {
    let n = x.len().min(y0.len()).min(y1.len());
    for ((&xk, &u), &v) in x[..n].iter().zip(&y0[..n]).zip(&y1[..n]) {
        a0.mac(xk, u);
        a1.mac(xk, v);
    }
}

/// The 2N-word square of `a` into `out[..2N]` (N even): the off-diagonal products aⱼ·aₖ
/// (j < k) once, by product scanning two columns at a time, then doubled and the squares aᵢ²
/// added in one pass.
#[inline(always)]
pub(super) fn square_pairs<const N: usize>(a: &[Word; N], out: &mut [Word]) {
    const { assert!(N.is_multiple_of(2) && N >= 2) };
    let out = &mut out[..2 * N];
    let a_rev = reversed(a);
    let mut acc = Column::ZERO;
    // columns c (even) and c + 1; aₖ = a_rev[N − 1 − k]
    for c in (0..2 * N).step_by(2) {
        // both columns: max(0, c − N + 2) ≤ j < c/2; column c: a_{c−j} = a_rev[N − 1 − c + j],
        // column c + 1: a_{c+1−j} = a_rev[N − 2 − c + j]
        let first = (c + 2).saturating_sub(N);
        let mut next = Column::ZERO;
        if first < c / 2 {
            dot2(
                &mut acc,
                &mut next,
                &a[first..c / 2],
                &a_rev[N - 1 + first - c..],
                &a_rev[N - 2 + first - c..],
            );
        }
        // column c alone: j = c − N + 1 (k = N − 1), when c − N + 1 ≥ 0 and j < k
        if c + 1 >= N && c + 2 < 2 * N {
            acc.mac(a[c + 1 - N], a[N - 1]);
        }
        out[c] = acc.shift();
        acc.add_column(&next);
        // column c + 1 alone: j = c/2, k = c/2 + 1, when k ≤ N − 1
        if c / 2 + 1 < N {
            acc.mac(a[c / 2], a[c / 2 + 1]);
        }
        out[c + 1] = acc.shift();
    }
    super::double_and_add_squares(out, a);
}

/// a²·R⁻¹ mod m (a < m), L words: [`square_pairs`] then the one-column Montgomery
/// reduction (`redc_columns`); `W` = 2L. Constant time.
#[inline(always)]
pub(crate) fn sqr_pairs<const L: usize, const W: usize>(
    a: &[Word; L],
    m: &[Word; L],
    inv: Word,
) -> [Word; L] {
    const { assert!(W == 2 * L) };
    let mut t = [ZERO; W];
    square_pairs::<L>(a, &mut t);
    super::redc_columns(&t, m, inv)
}

/// The 2N-word product a·b into `out[..2N]` (N even) by product scanning two columns at a
/// time.
#[inline(always)]
pub(super) fn product_pairs<const N: usize>(a: &[Word; N], b: &[Word; N], out: &mut [Word]) {
    const { assert!(N.is_multiple_of(2) && N >= 2) };
    let out = &mut out[..2 * N];
    let b_rev = reversed(b);
    let mut acc = Column::ZERO;
    // columns c (even) and c + 1: aⱼ·b_{c−j} = aⱼ·b_rev[N − 1 − c + j] and
    // aⱼ·b_{c+1−j} = aⱼ·b_rev[N − 2 − c + j]
    for c in (0..2 * N).step_by(2) {
        let mut next = Column::ZERO;
        if c < N {
            // both: 0 ≤ j ≤ c; column c + 1 alone: j = c + 1 (≤ N − 1)
            dot2(
                &mut acc,
                &mut next,
                &a[..=c],
                &b_rev[N - 1 - c..],
                &b_rev[N - 2 - c..],
            );
            next.mac(a[c + 1], b[0]);
        } else {
            // both: c − N + 2 ≤ j ≤ N − 1; column c alone: j = c − N + 1
            dot2(&mut acc, &mut next, &a[c + 2 - N..], &b_rev[1..], &b_rev);
            acc.mac(a[c + 1 - N], b[N - 1]);
        }
        out[c] = acc.shift();
        acc.add_column(&next);
        out[c + 1] = acc.shift();
    }
}

/// a·b·R⁻¹ mod m (a, b < m), L words (even): [`product_pairs`] then `redc_columns`; `W` = 2L.
/// Constant time.
#[inline(always)]
pub(crate) fn mul_pairs<const L: usize, const W: usize>(
    a: &[Word; L],
    b: &[Word; L],
    m: &[Word; L],
    inv: Word,
) -> [Word; L] {
    const { assert!(W == 2 * L) };
    let mut t = [ZERO; W];
    product_pairs::<L>(a, b, &mut t);
    super::redc_columns(&t, m, inv)
}

/// Montgomery reduction by product scanning two columns at a time: t·R⁻¹ mod m for a 2L-word
/// t < m·R (L even). Columns i and i + 1 share one loop over the digits qⱼ known before both;
/// q_i enters column i + 1 (q_i·m₁) outside the loop. Constant time.
#[inline(always)]
fn redc_pairs<const L: usize>(t: &[Word], m: &[Word; L], inv: Word) -> [Word; L] {
    const { assert!(L.is_multiple_of(2) && L >= 2) };
    let t = &t[..2 * L];
    let m_rev = reversed(m);
    let mut q = [ZERO; L];
    let mut acc = Column::ZERO;
    // low columns: i, i + 1 < L; mᵢ₋ⱼ = m_rev[L − 1 − i + j], mᵢ₊₁₋ⱼ = m_rev[L − 2 − i + j]
    for i in (0..L).step_by(2) {
        let mut next = Column::ZERO;
        if i > 0 {
            dot2(
                &mut acc,
                &mut next,
                &q[..i],
                &m_rev[L - 1 - i..],
                &m_rev[L - 2 - i..],
            );
        }
        acc.add(t[i]);
        q[i] = (acc.lo as Word).wrapping_mul(inv);
        acc.mac(q[i], m[0]);
        acc.shift();
        acc.add_column(&next);
        acc.mac(q[i], m[1]);
        acc.add(t[i + 1]);
        q[i + 1] = (acc.lo as Word).wrapping_mul(inv);
        acc.mac(q[i + 1], m[0]);
        acc.shift();
    }
    // high columns i ≥ L: j from i − L + 1 (column i) or i − L + 2 (column i + 1) to L − 1
    let mut r = [ZERO; L];
    for i in (L..2 * L).step_by(2) {
        let mut next = Column::ZERO;
        if i + 2 < 2 * L {
            dot2(&mut acc, &mut next, &q[i + 2 - L..], &m_rev[1..], &m_rev);
        }
        acc.mac(q[i + 1 - L], m[L - 1]);
        acc.add(t[i]);
        r[i - L] = acc.shift();
        acc.add_column(&next);
        acc.add(t[i + 1]);
        r[i + 1 - L] = acc.shift();
    }
    let mut out = [ZERO; L];
    super::final_sub(&mut out, &r, acc.lo as Word, m);
    out
}

/// a²·R⁻¹ mod m (a < m), L words: [`square_pairs`] then the two-column reduction
/// [`redc_pairs`]; `W` = 2L. Constant time. Used at 2048 bits, where the columns are short
/// and their fixed cost weighs most (measured 1–2 % faster per verification than
/// [`sqr_pairs`]; level at 4096 bits).
#[inline(always)]
pub(crate) fn sqr_pairs_redc_pairs<const L: usize, const W: usize>(
    a: &[Word; L],
    m: &[Word; L],
    inv: Word,
) -> [Word; L] {
    const { assert!(W == 2 * L) };
    let mut t = [ZERO; W];
    square_pairs::<L>(a, &mut t);
    redc_pairs(&t, m, inv)
}
