//! Constant-time scalar multiplication on the NIST curves with a = −3 (P-192, P-224, P-256,
//! P-384) in Jacobian coordinates, over the own Montgomery field arithmetic of [`field`]
//! (the curve crates give the constants b and G and serve as the reference in tests).
//!
//! * k·G: a fixed-base signed window. A table of d·2^(wi)·G (d = 1..2^(w−1), one row per
//!   w-bit window i; w = 4, 3 for P-384 so that its table builds in well under 1 ms) in
//!   affine form is built once per curve ([`std::sync::OnceLock`]); k·G is then the sum of
//!   one table entry per window (Booth recoding, digits in −2^(w−1)..2^(w−1)): no doublings,
//!   one mixed addition per window.
//! * k·P: a signed fixed window of 5 bits (Booth recoding, digits in −16..16) over a table of
//!   P, 2P, …, 16P in Jacobian coordinates built per call; five doublings and one addition
//!   per window.
//!
//! Every table lookup reads the whole table with `subtle` conditional selects; the sign of a
//! digit is applied by a conditional negation; the identity and a zero digit are handled by
//! conditional selects. Nothing branches on or indexes by a secret.
//!
//! Formulas (Explicit-Formulas Database, Jacobian coordinates, a = −3):
//! `dbl-2001-b` (3M + 5S), `madd-2007-bl` (7M + 4S), `add-2007-bl` (11M + 5S). These are
//! incomplete: they fail for P + P (and give the identity for P + (−P)). Where the sums
//! provably cannot hit P + P (argued at [`mul_generator`] and [`mul`]) the plain formula is
//! used; elsewhere the doubling is computed as well and chosen by a conditional select.

pub(crate) mod field;

use core::ops::{Add, Mul, Neg, Sub};
use primeorder::{PrimeCurveParams, PrimeField};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

/// What the point formulas need of a field element ([`field::Fe`]).
pub(crate) trait FieldElement:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Neg<Output = Self>
    + ConditionallySelectable
    + ConstantTimeEq
    + Zeroize
    + Send
    + Sync
    + 'static
{
    const ZERO: Self;
    const ONE: Self;
    fn square(&self) -> Self;
    fn double(&self) -> Self;
    fn is_zero(&self) -> Choice;
    /// a⁻¹ (0 for 0), constant time.
    fn invert(&self) -> Self;
    /// From big-endian octets of the field's length, `None` unless < p (public values).
    fn from_be_bytes(bytes: &[u8]) -> Option<Self>;
    fn to_be_bytes(self) -> Vec<u8>;
}

impl<const N: usize, M: field::Modulus<N>> FieldElement for field::Fe<N, M> {
    const ZERO: Self = field::Fe::<N, M>::ZERO;
    const ONE: Self = field::Fe::<N, M>::ONE;
    #[inline(always)]
    fn square(&self) -> Self {
        field::Fe::square(self)
    }
    #[inline(always)]
    fn double(&self) -> Self {
        field::Fe::double(self)
    }
    #[inline(always)]
    fn is_zero(&self) -> Choice {
        field::Fe::is_zero(self)
    }
    fn invert(&self) -> Self {
        field::Fe::invert(self)
    }
    fn from_be_bytes(bytes: &[u8]) -> Option<Self> {
        field::Fe::from_be_bytes(bytes)
    }
    fn to_be_bytes(self) -> Vec<u8> {
        field::Fe::to_be_bytes(self)
    }
}

/// Window of the variable-base multiplication k·P (table of 2^(W_P−1) multiples).
const W_P: usize = 5;

/// An affine point (never the identity).
#[derive(Clone, Copy)]
pub(crate) struct Affine<F> {
    x: F,
    y: F,
}

/// A point in Jacobian coordinates (X/Z², Y/Z³); the identity has Z = 0.
#[derive(Clone, Copy)]
pub(crate) struct Jac<F> {
    x: F,
    y: F,
    z: F,
}

impl<F: FieldElement> Affine<F> {
    fn select(a: &Self, b: &Self, choice: Choice) -> Self {
        Affine {
            x: F::conditional_select(&a.x, &b.x, choice),
            y: F::conditional_select(&a.y, &b.y, choice),
        }
    }
}

impl<F: FieldElement> Zeroize for Jac<F> {
    fn zeroize(&mut self) {
        self.x.zeroize();
        self.y.zeroize();
        self.z.zeroize();
    }
}

impl<F: FieldElement> Zeroize for Affine<F> {
    fn zeroize(&mut self) {
        self.x.zeroize();
        self.y.zeroize();
    }
}

impl<F: FieldElement> Jac<F> {
    fn identity() -> Self {
        Jac {
            x: F::ONE,
            y: F::ONE,
            z: F::ZERO,
        }
    }

    fn from_affine(p: &Affine<F>) -> Self {
        Jac {
            x: p.x,
            y: p.y,
            z: F::ONE,
        }
    }

    fn is_identity(&self) -> Choice {
        self.z.is_zero()
    }

    fn select(a: &Self, b: &Self, choice: Choice) -> Self {
        Jac {
            x: F::conditional_select(&a.x, &b.x, choice),
            y: F::conditional_select(&a.y, &b.y, choice),
            z: F::conditional_select(&a.z, &b.z, choice),
        }
    }

    /// 2P, `dbl-2001-b` (a = −3). The identity (Z = 0) doubles to Z = 0; no point of these
    /// prime-order curves has Y = 0.
    fn double(&self) -> Self {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x * gamma;
        let t = (self.x - delta) * (self.x + delta);
        let alpha = t.double() + t;
        let beta4 = beta.double().double();
        let x3 = alpha.square() - beta4.double();
        let z3 = (self.y + self.z).square() - gamma - delta;
        let gamma2 = gamma.square();
        let y3 = alpha * (beta4 - x3) - gamma2.double().double().double();
        Jac {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// P + Q with Q affine, `madd-2007-bl`; also returns whether H = 0 and r = 0 (P = Q, the
    /// case the formula gets wrong). Wrong too when P is the identity.
    fn add_affine_raw(&self, q: &Affine<F>) -> (Self, Choice) {
        let z1z1 = self.z.square();
        let u2 = q.x * z1z1;
        let s2 = q.y * self.z * z1z1;
        let h = u2 - self.x;
        let hh = h.square();
        let i = hh.double().double();
        let j = h * i;
        let r = (s2 - self.y).double();
        let v = self.x * i;
        let x3 = r.square() - j - v.double();
        let y3 = r * (v - x3) - (self.y * j).double();
        let z3 = (self.z + h).square() - z1z1 - hh;
        let same = h.is_zero() & r.is_zero();
        (
            Jac {
                x: x3,
                y: y3,
                z: z3,
            },
            same,
        )
    }

    /// P + Q, `add-2007-bl`; also returns whether P = Q (H = 0 and r = 0). Wrong when P or Q
    /// is the identity.
    fn add_raw(&self, q: &Self) -> (Self, Choice) {
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x * z2z2;
        let u2 = q.x * z1z1;
        let s1 = self.y * q.z * z2z2;
        let s2 = q.y * self.z * z1z1;
        let h = u2 - u1;
        let i = h.double().square();
        let j = h * i;
        let r = (s2 - s1).double();
        let v = u1 * i;
        let x3 = r.square() - j - v.double();
        let y3 = r * (v - x3) - (s1 * j).double();
        let z3 = ((self.z + q.z).square() - z1z1 - z2z2) * h;
        let same = h.is_zero() & r.is_zero();
        (
            Jac {
                x: x3,
                y: y3,
                z: z3,
            },
            same,
        )
    }

    /// P + Q (Q affine, or the identity when `q_none`), in constant time. With `complete`
    /// the case P = Q is also right (a doubling is computed and selected); without, the
    /// caller guarantees P ≠ Q. The flag is public (a position in the loop), never secret.
    fn add_affine(&self, q: &Affine<F>, q_none: Choice, complete: bool) -> Self {
        let (mut out, same) = self.add_affine_raw(q);
        if complete {
            out = Self::select(&out, &self.double(), same & !self.is_identity());
        }
        out = Self::select(&out, &Self::from_affine(q), self.is_identity());
        Self::select(&out, self, q_none)
    }

    /// P + Q in constant time; `complete` as in [`Jac::add_affine`].
    fn add(&self, q: &Self, complete: bool) -> Self {
        let (mut out, same) = self.add_raw(q);
        if complete {
            out = Self::select(&out, &self.double(), same & !self.is_identity());
        }
        out = Self::select(&out, q, self.is_identity());
        Self::select(&out, self, q.is_identity())
    }

    /// Affine coordinates in constant time (one field inversion); `None` for the identity.
    fn to_affine(self) -> Option<Affine<F>> {
        if bool::from(self.is_identity()) {
            return None;
        }
        let zinv = self.z.invert();
        let zinv2 = zinv.square();
        Some(Affine {
            x: self.x * zinv2,
            y: self.y * zinv2 * zinv,
        })
    }
}

/// Signed digits d_i of a big-endian integer k with k = Σ d_i·2^(w·i), d_i in
/// [−2^(w−1), 2^(w−1)] (Booth recoding), as (|d_i|, d_i < 0), least significant first;
/// `8·len/w + 1` digits. Branch-free: the digits are secret.
fn booth(k: &[u8], w: usize) -> Vec<(u32, Choice)> {
    let bits = 8 * k.len();
    let bit = |i: usize| -> i32 {
        if i >= bits {
            return 0;
        }
        // the bit position is public; the bit is not
        i32::from((k[k.len() - 1 - i / 8] >> (i % 8)) & 1)
    };
    (0..bits / w + 1)
        .map(|i| {
            let lo = w * i;
            let mut d = if lo == 0 { 0 } else { bit(lo - 1) };
            for t in 0..w - 1 {
                d += bit(lo + t) << t;
            }
            d -= bit(lo + w - 1) << (w - 1);
            let sign = d >> 31; // 0 or −1
            let abs = ((d ^ sign) - sign) as u32;
            (abs, Choice::from((sign & 1) as u8))
        })
        .collect()
}

/// The table of d·2^(w·i)·G, d = 1..2^(w−1), row i per window of w bits, in affine form.
pub(crate) struct GeneratorTable<F> {
    rows: Vec<Affine<F>>,
    window: usize,
}

impl<F: FieldElement> GeneratorTable<F> {
    /// Builds the table for the generator g, scalars of `scalar_len` octets and windows of
    /// `window` (2 to 6) bits: each row from the previous one (the row's base is
    /// 2·(2^(w−1)·base)), then all rows to affine with one inversion (Montgomery's trick).
    pub(crate) fn new(g: Affine<F>, scalar_len: usize, window: usize) -> Self {
        let window = window.clamp(2, 6);
        let half = 1usize << (window - 1);
        let windows = 8 * scalar_len / window + 1;
        let mut jac = Vec::with_capacity(windows * half);
        let mut base = Jac::from_affine(&g);
        for _ in 0..windows {
            jac.push(base);
            let mut acc = base.double();
            jac.push(acc);
            for _ in 3..=half {
                // (d−1)·B + B with d−1 ∉ {1, −1}: never a doubling; B ≠ O as n is prime
                // and larger than 2^(w·i).
                acc = acc.add_raw(&base).0;
                jac.push(acc);
            }
            base = acc.double();
        }
        // batch inversion of all Z (none is zero: every entry is a nonzero multiple < n of G)
        let mut prefix = Vec::with_capacity(jac.len());
        let mut running = F::ONE;
        for p in &jac {
            prefix.push(running);
            running = running * p.z;
        }
        let mut inv = running.invert();
        let mut rows = vec![g; jac.len()];
        for idx in (0..jac.len()).rev() {
            let zinv = inv * prefix[idx];
            inv = inv * jac[idx].z;
            let zinv2 = zinv.square();
            rows[idx] = Affine {
                x: jac[idx].x * zinv2,
                y: jac[idx].y * zinv2 * zinv,
            };
        }
        GeneratorTable { rows, window }
    }
}

/// The curve's b in the own field.
fn coefficient_b<C: PrimeCurveParams, F: FieldElement>() -> F {
    let b = C::EQUATION_B.to_repr();
    F::from_be_bytes(b.as_ref()).unwrap_or(F::ZERO)
}

/// y² = x³ − 3x + b.
fn on_curve<C: PrimeCurveParams, F: FieldElement>(p: &Affine<F>) -> bool {
    let three = F::ONE + F::ONE + F::ONE;
    let rhs = (p.x.square() - three) * p.x + coefficient_b::<C, F>();
    bool::from(p.y.square().ct_eq(&rhs))
}

/// Decodes an uncompressed point `04‖X‖Y` of this curve (public data: variable time).
pub(crate) fn decode<C: PrimeCurveParams, F: FieldElement>(bytes: &[u8]) -> Option<Affine<F>> {
    if bytes.len() % 2 != 1 || bytes[0] != 0x04 {
        return None;
    }
    let len = bytes.len() / 2;
    let x = F::from_be_bytes(&bytes[1..1 + len])?;
    let y = F::from_be_bytes(&bytes[1 + len..])?;
    let p = Affine { x, y };
    on_curve::<C, F>(&p).then_some(p)
}

/// `04‖X‖Y` of the affine form; `None` for the identity.
pub(crate) fn encode<F: FieldElement>(p: &Jac<F>) -> Option<Vec<u8>> {
    let mut a = p.to_affine()?;
    let mut out = vec![0x04];
    out.extend_from_slice(&a.x.to_be_bytes());
    out.extend_from_slice(&a.y.to_be_bytes());
    a.zeroize();
    Some(out)
}

/// The generator of the curve (`None` only if the crate's constants did not fit the field).
pub(crate) fn generator<C: PrimeCurveParams, F: FieldElement>() -> Option<Affine<F>> {
    let (gx, gy) = C::GENERATOR;
    Some(Affine {
        x: F::from_be_bytes(gx.to_repr().as_ref())?,
        y: F::from_be_bytes(gy.to_repr().as_ref())?,
    })
}

/// k·G in constant time, k big-endian and reduced modulo n (so k < n).
///
/// The sum runs from the least significant window up (windows of w bits, h = 2^(w−1)):
/// before window i the accumulator is S·G with S = Σ_{j<i} d_j·2^(wj),
/// |S| ≤ h·(2^(wi) − 1)/(2^w − 1) < 2^(wi), and d_i·2^(wi)·G is added with 1 ≤ |d_i| ≤ h.
/// That addition is a doubling only if S ≡ d_i·2^(wi) (mod n); as
/// |S − d_i·2^(wi)| < (h + 1)·2^(wi) ≤ 2^(wi+w), for wi + w < bits(n) − 1 both sides are
/// equal as integers, which |S| < 2^(wi) ≤ |d_i·2^(wi)| excludes. The top windows, where the
/// bound does not hold, use the complete addition.
///
/// `None` if k's length is not the one the table was built for.
pub(crate) fn mul_generator<F: FieldElement>(
    table: &GeneratorTable<F>,
    k: &[u8],
    order_bits: usize,
) -> Option<Jac<F>> {
    let w = table.window;
    let half = 1usize << (w - 1);
    let mut digits = booth(k, w);
    if digits.len() * half != table.rows.len() {
        return None;
    }
    let mut acc = Jac::<F>::identity();
    let mut entry = Affine {
        x: F::ZERO,
        y: F::ZERO,
    };
    for (i, ((abs, neg), row)) in digits.iter().zip(table.rows.chunks(half)).enumerate() {
        entry = Affine {
            x: F::ZERO,
            y: F::ZERO,
        };
        for (d, candidate) in row.iter().enumerate() {
            entry = Affine::select(&entry, candidate, (d as u32 + 1).ct_eq(abs));
        }
        entry.y = F::conditional_select(&entry.y, &-entry.y, *neg);
        let complete = w * i + w + 1 >= order_bits;
        acc = acc.add_affine(&entry, abs.ct_eq(&0), complete);
    }
    entry.zeroize();
    for d in digits.iter_mut() {
        d.0.zeroize();
        d.1 = Choice::from(0);
    }
    Some(acc)
}

/// k·P in constant time, k big-endian and reduced modulo n (k < n), P on the curve.
///
/// From the most significant window down: before the addition of window i ≥ 1 the
/// accumulator is S·P with S a multiple of 32 (five doublings) and |S| < n/2 (it is k's
/// top part shifted down by 5i ≥ 5 bits, plus less than one unit); the addition of d_i·P
/// (1 ≤ |d_i| ≤ 16) is a doubling only if S ≡ d_i (mod n), that is S = d_i as integers,
/// which a multiple of 32 cannot be. Only the last window (i = 0), where S is as large as k,
/// uses the complete addition.
pub(crate) fn mul<F: FieldElement>(p: &Affine<F>, k: &[u8]) -> Jac<F> {
    let half = 1usize << (W_P - 1);
    // P, 2P, …, 16P: (d−1)·P + P is never a doubling for d ≥ 3
    let mut table = Vec::with_capacity(half);
    let pj = Jac::from_affine(p);
    table.push(pj);
    let mut acc = pj.double();
    table.push(acc);
    for _ in 3..=half {
        acc = acc.add_affine_raw(p).0;
        table.push(acc);
    }
    let mut digits = booth(k, W_P);
    let lookup = |abs: u32, neg: Choice, table: &[Jac<F>]| -> Jac<F> {
        let mut out = Jac::identity();
        for (d, candidate) in table.iter().enumerate() {
            out = Jac::select(&out, candidate, (d as u32 + 1).ct_eq(&abs));
        }
        out.y = F::conditional_select(&out.y, &-out.y, neg);
        out
    };
    // the top digit starts the sum (no doublings of the identity)
    let top = digits.len() - 1;
    let mut acc = lookup(digits[top].0, digits[top].1, &table);
    for (i, (abs, neg)) in digits.iter().enumerate().take(top).rev() {
        for _ in 0..W_P {
            acc = acc.double();
        }
        let mut entry = lookup(*abs, *neg, &table);
        acc = acc.add(&entry, i == 0);
        entry.zeroize();
    }
    for t in table.iter_mut() {
        t.zeroize();
    }
    for d in digits.iter_mut() {
        d.0.zeroize();
        d.1 = Choice::from(0);
    }
    acc
}

/// P + Q in constant time, complete (any P, Q).
pub(crate) fn add_affine<F: FieldElement>(p: &Jac<F>, q: &Affine<F>) -> Jac<F> {
    p.add_affine(q, Choice::from(0), true)
}

/// P + Q in constant time, complete (any P, Q, the identity included).
pub(crate) fn add<F: FieldElement>(p: &Jac<F>, q: &Jac<F>) -> Jac<F> {
    p.add(q, true)
}

// ---------------------------------------------------------------------------------------------
// Variable time: public data only (ECDSA verification). Nothing above calls these.

/// The odd multiples G, 3G, …, (2·count − 1)·G in affine form (one inversion for all), the
/// table of ECDSA verification's u1·G.
pub(crate) fn odd_multiples_vartime<F: FieldElement>(
    g: &Affine<F>,
    count: usize,
) -> Vec<Affine<F>> {
    let gj = Jac::from_affine(g);
    let g2 = gj.double();
    let mut jac = Vec::with_capacity(count);
    let mut acc = gj;
    for _ in 0..count {
        jac.push(acc);
        // (2i + 1)·G + 2G: never a doubling nor the identity for 2i + 3 < n
        acc = acc.add_raw(&g2).0;
    }
    let mut prefix = Vec::with_capacity(count);
    let mut running = F::ONE;
    for p in &jac {
        prefix.push(running);
        running = running * p.z;
    }
    let mut inv = running.invert();
    let mut out = vec![*g; count];
    for idx in (0..count).rev() {
        let zinv = inv * prefix[idx];
        inv = inv * jac[idx].z;
        let zinv2 = zinv.square();
        out[idx] = Affine {
            x: jac[idx].x * zinv2,
            y: jac[idx].y * zinv2 * zinv,
        };
    }
    out
}

/// P + Q with branches on the (public) exceptional cases.
fn add_vartime<F: FieldElement>(p: &Jac<F>, q: &Jac<F>) -> Jac<F> {
    if bool::from(p.is_identity()) {
        return *q;
    }
    if bool::from(q.is_identity()) {
        return *p;
    }
    let (sum, same) = p.add_raw(q);
    if bool::from(same) {
        p.double()
    } else {
        sum
    }
}

/// P + Q (Q affine) with branches on the (public) exceptional cases.
fn add_affine_vartime<F: FieldElement>(p: &Jac<F>, q: &Affine<F>) -> Jac<F> {
    if bool::from(p.is_identity()) {
        return Jac::from_affine(q);
    }
    let (sum, same) = p.add_affine_raw(q);
    if bool::from(same) {
        p.double()
    } else {
        sum
    }
}

/// u1·G + u2·Q by interleaved wNAF (`digits1` over `g_odd`, the odd multiples of G;
/// `digits2` of width 5 over Q's odd multiples built here). Variable time: public inputs only.
pub(crate) fn lincomb_vartime<F: FieldElement>(
    g_odd: &[Affine<F>],
    digits1: &[i8],
    q: &Affine<F>,
    digits2: &[i8],
) -> Jac<F> {
    let qj = Jac::from_affine(q);
    let q2 = qj.double();
    let mut q_odd = Vec::with_capacity(8);
    let mut acc = qj;
    for _ in 0..8 {
        q_odd.push(acc);
        acc = add_vartime(&acc, &q2);
    }
    let neg = |p: &Jac<F>| Jac {
        x: p.x,
        y: -p.y,
        z: p.z,
    };
    let mut r = Jac::identity();
    for i in (0..digits1.len().max(digits2.len())).rev() {
        r = r.double();
        match digits1.get(i).copied().unwrap_or(0) {
            0 => {}
            d => {
                let Some(entry) = g_odd.get((d.unsigned_abs() as usize) >> 1) else {
                    return Jac::identity();
                };
                let entry = if d > 0 {
                    *entry
                } else {
                    Affine {
                        x: entry.x,
                        y: -entry.y,
                    }
                };
                r = add_affine_vartime(&r, &entry);
            }
        }
        match digits2.get(i).copied().unwrap_or(0) {
            0 => {}
            d => {
                let Some(entry) = q_odd.get((d.unsigned_abs() as usize) >> 1) else {
                    return Jac::identity();
                };
                let entry = if d > 0 { *entry } else { neg(entry) };
                r = add_vartime(&r, &entry);
            }
        }
    }
    r
}

/// The affine x-coordinate, big-endian; `None` for the identity (public data).
pub(crate) fn x_vartime<F: FieldElement>(p: &Jac<F>) -> Option<Vec<u8>> {
    let a = p.to_affine()?;
    Some(a.x.to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(digits: &[(u32, Choice)], w: usize) -> i128 {
        digits.iter().rev().fold(0i128, |acc, (abs, neg)| {
            let d = i128::from(*abs);
            acc * (1i128 << w) + if bool::from(*neg) { -d } else { d }
        })
    }

    #[test]
    fn generator_tables_of_every_window_give_the_same_multiples() {
        type F = field::Fe<4, field::P256>;
        let g = generator::<p256::NistP256, F>().unwrap();
        let tables: Vec<_> = (2..=6).map(|w| GeneratorTable::new(g, 32, w)).collect();
        let mut k = [0u8; 32];
        for seed in 0u8..12 {
            for (i, b) in k.iter_mut().enumerate() {
                *b = (i as u8)
                    .wrapping_mul(seed)
                    .wrapping_add(seed.rotate_left(3))
                    ^ 0x5a;
            }
            k[0] &= 0x7f; // below n
            let expected = encode(&mul(&g, &k));
            for t in &tables {
                assert!(
                    mul_generator(t, &k[1..], 256).is_none(),
                    "a shorter scalar is refused"
                );
                assert_eq!(
                    encode(&mul_generator(t, &k, 256).unwrap()),
                    expected,
                    "w={}",
                    t.window
                );
            }
        }
    }

    #[test]
    fn booth_digits_are_bounded_and_sum_to_the_value() {
        for v in [
            0u64,
            1,
            2,
            15,
            16,
            17,
            31,
            32,
            0x8000_0000_0000_0000,
            u64::MAX,
        ] {
            for w in [4usize, 5] {
                let digits = booth(&v.to_be_bytes(), w);
                assert_eq!(digits.len(), 64 / w + 1);
                assert_eq!(value(&digits, w), i128::from(v), "v={v:#x} w={w}");
                for (abs, _) in digits {
                    assert!(abs <= 1 << (w - 1));
                }
            }
        }
    }
}
