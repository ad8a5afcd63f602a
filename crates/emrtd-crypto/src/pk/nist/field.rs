//! Prime fields of the NIST curves in Montgomery form: `N` little-endian 64-bit limbs,
//! R = 2^(64·N), word-by-word Montgomery multiplication (coarsely integrated operand
//! scanning, Koç–Acar–Kaliski 1996) with the final subtraction done by masks. Every
//! operation is constant time; all are `#[inline(always)]` so that the point formulas of
//! [`super`] compile to straight-line code (the curve crates' field functions are not inlined
//! across crates, and the calls cost about a fifth of a scalar multiplication).
//!
//! Cross-checked against the curve crates' field elements in the tests below.

// Limb loops walk several arrays (operands, modulus, carries) in lockstep by index.
#![allow(clippy::needless_range_loop)]

use core::marker::PhantomData;
use core::ops::{Add, Mul, Neg, Sub};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

/// a + b·c + carry as (low, high) words; never overflows 128 bits.
#[inline(always)]
const fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
    let t = (a as u128) + (b as u128) * (c as u128) + (carry as u128);
    (t as u64, (t >> 64) as u64)
}

/// a + b + carry (carry 0 or 1) as (sum, carry).
#[inline(always)]
const fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = (a as u128) + (b as u128) + (carry as u128);
    (t as u64, (t >> 64) as u64)
}

/// a − b − borrow (borrow 0 or 1) as (difference, borrow).
#[inline(always)]
const fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = (a as u128).wrapping_sub((b as u128) + (borrow as u128));
    (t as u64, ((t >> 64) as u64) & 1)
}

/// a + b mod p for a, b < p (compile-time helper).
const fn add_mod_const<const N: usize>(a: &[u64; N], b: &[u64; N], p: &[u64; N]) -> [u64; N] {
    let mut s = [0u64; N];
    let mut carry = 0;
    let mut i = 0;
    while i < N {
        let (v, c) = adc(a[i], b[i], carry);
        s[i] = v;
        carry = c;
        i += 1;
    }
    let mut d = [0u64; N];
    let mut borrow = 0;
    i = 0;
    while i < N {
        let (v, b) = sbb(s[i], p[i], borrow);
        d[i] = v;
        borrow = b;
        i += 1;
    }
    // s ≥ p (with the carry): take d
    if carry == 1 || borrow == 0 {
        d
    } else {
        s
    }
}

/// 2^e mod p (compile-time helper; p odd, p > 2^(64·N − 64)).
const fn pow2_mod<const N: usize>(p: &[u64; N], e: usize) -> [u64; N] {
    let mut r = [0u64; N];
    r[0] = 1;
    let mut i = 0;
    while i < e {
        r = add_mod_const(&r, &r, p);
        i += 1;
    }
    r
}

/// −p⁻¹ mod 2^64 (Newton iteration; p odd).
const fn neg_inv(p0: u64) -> u64 {
    let mut inv: u64 = 1;
    let mut i = 0;
    while i < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(p0.wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg()
}

/// p − 2, the exponent of Fermat inversion.
const fn minus_two<const N: usize>(p: &[u64; N]) -> [u64; N] {
    let mut out = [0u64; N];
    let mut borrow = 0;
    let mut i = 0;
    while i < N {
        let (v, b) = sbb(p[i], if i == 0 { 2 } else { 0 }, borrow);
        out[i] = v;
        borrow = b;
        i += 1;
    }
    out
}

/// A field modulus and its Montgomery constants.
pub(crate) trait Modulus<const N: usize>: 'static + Copy + Send + Sync {
    /// p, little-endian limbs.
    const P: [u64; N];
    /// Octets of a field element (FE2OS).
    const BYTES: usize;
    /// −p⁻¹ mod 2^64.
    const NEG_INV: u64 = neg_inv(Self::P[0]);
    /// R mod p (one in Montgomery form).
    const R: [u64; N] = pow2_mod(&Self::P, 64 * N);
    /// R² mod p.
    const R2: [u64; N] = pow2_mod(&Self::P, 128 * N);
    /// p − 2.
    const P_MINUS_2: [u64; N] = minus_two(&Self::P);

    /// The inverse of the element a (0 for 0) in constant time; generic: Fermat with 4-bit
    /// windows ([`Fe::invert_by_windows`]); P-224 and P-256 use a fixed addition chain.
    #[inline(always)]
    fn invert(a: &Fe<N, Self>) -> Fe<N, Self> {
        a.invert_by_windows()
    }
}

/// (hi:l) − p if that is not negative, else l; hi is 0 or 1 and (hi:l) < 2p.
#[inline(always)]
fn reduce_once<const N: usize>(l: [u64; N], hi: u64, p: &[u64; N]) -> [u64; N] {
    let mut d = [0u64; N];
    let mut borrow = 0;
    for i in 0..N {
        let (v, b) = sbb(l[i], p[i], borrow);
        d[i] = v;
        borrow = b;
    }
    let (_, borrow) = sbb(hi, 0, borrow);
    // borrow = 1: (hi:l) < p, keep l
    let keep = 0u64.wrapping_sub(borrow);
    let mut out = [0u64; N];
    for i in 0..N {
        out[i] = (l[i] & keep) | (d[i] & !keep);
    }
    out
}

/// Montgomery product a·b·R⁻¹ mod p, word by word (coarsely integrated operand scanning).
#[inline(always)]
fn cios<const N: usize, M: Modulus<N>>(a: &[u64; N], b: &[u64; N]) -> [u64; N] {
    let mut t = [0u64; N];
    let mut t_hi = 0u64;
    for bi in b.iter() {
        let mut c = 0;
        for j in 0..N {
            let (v, h) = mac(t[j], a[j], *bi, c);
            t[j] = v;
            c = h;
        }
        let (v, t_top) = adc(t_hi, c, 0);
        t_hi = v;
        let m = t[0].wrapping_mul(M::NEG_INV);
        let (_, mut c) = mac(t[0], m, M::P[0], 0);
        for j in 1..N {
            let (v, h) = mac(t[j], m, M::P[j], c);
            t[j - 1] = v;
            c = h;
        }
        let (v, h) = adc(t_hi, c, 0);
        t[N - 1] = v;
        t_hi = t_top + h;
    }
    reduce_once(t, t_hi, &M::P)
}

/// P-192: p = 2^192 − 2^64 − 1 (FIPS 186-4 D.1.2.1).
#[derive(Clone, Copy, Debug)]
pub(crate) struct P192;
impl Modulus<3> for P192 {
    const P: [u64; 3] = [
        0xffff_ffff_ffff_ffff,
        0xffff_ffff_ffff_fffe,
        0xffff_ffff_ffff_ffff,
    ];
    const BYTES: usize = 24;
}

/// P-224: p = 2^224 − 2^96 + 1 (FIPS 186-4 D.1.2.2).
#[derive(Clone, Copy, Debug)]
pub(crate) struct P224;
impl Modulus<4> for P224 {
    const P: [u64; 4] = [
        0x0000_0000_0000_0001,
        0xffff_ffff_0000_0000,
        0xffff_ffff_ffff_ffff,
        0x0000_0000_ffff_ffff,
    ];
    const BYTES: usize = 28;

    /// a^(p−2), p − 2 = 2^224 − 2^96 − 1: 127 ones, a zero, 96 ones. An addition chain of
    /// a^(2^k − 1) (k = 1, 2, 3, 6, 12, 24, 48, 96, 120, 126, 127), then 97 squarings and one
    /// multiplication: 223 squarings and 11 multiplications (4-bit windows: 57 more
    /// multiplications).
    fn invert(a: &Fe<4, Self>) -> Fe<4, Self> {
        let x1 = *a;
        // x[i] = a^(2^k − 1) for k = 2, 3, 6, 12, 24, 48, 96, 120, 126, 127
        let mut x = [Fe::ZERO; 10];
        x[0] = x1.square() * x1;
        x[1] = x[0].square() * x1;
        x[2] = x[1].sqn(3) * x[1];
        x[3] = x[2].sqn(6) * x[2];
        x[4] = x[3].sqn(12) * x[3];
        x[5] = x[4].sqn(24) * x[4];
        x[6] = x[5].sqn(48) * x[5];
        x[7] = x[6].sqn(24) * x[4];
        x[8] = x[7].sqn(6) * x[2];
        x[9] = x[8].square() * x1;
        let out = x[9].sqn(97) * x[6];
        x.zeroize();
        out
    }
}

/// P-256: p = 2^256 − 2^224 + 2^192 + 2^96 − 1 (FIPS 186-4 D.1.2.3).
#[derive(Clone, Copy, Debug)]
pub(crate) struct P256;
impl Modulus<4> for P256 {
    const P: [u64; 4] = [
        0xffff_ffff_ffff_ffff,
        0x0000_0000_ffff_ffff,
        0x0000_0000_0000_0000,
        0xffff_ffff_0000_0001,
    ];
    const BYTES: usize = 32;

    /// a^(p−2), p − 2 = 2^256 − 2^224 + 2^192 + 2^96 − 3: from the top, 32 ones, 31 zeros, a
    /// one, 96 zeros, 94 ones, 0, 1. The chain a^(2^k − 1) (k = 2, 4, 8, 16, 32), then each
    /// run of bits by squarings and one multiplication: 255 squarings and 13 multiplications
    /// (4-bit windows: 60 more multiplications).
    fn invert(a: &Fe<4, Self>) -> Fe<4, Self> {
        let x1 = *a;
        // x[i] = a^(2^(2^(i+1)) − 1): a^3, a^15, a^255, a^(2^16 − 1), a^(2^32 − 1); x[5] the sum
        let mut x = [Fe::ZERO; 6];
        x[0] = x1.square() * x1;
        x[1] = x[0].sqn(2) * x[0];
        x[2] = x[1].sqn(4) * x[1];
        x[3] = x[2].sqn(8) * x[2];
        x[4] = x[3].sqn(16) * x[3];
        x[5] = x[4].sqn(32) * x1; // bits 255..192
        x[5] = x[5].sqn(128) * x[4]; // 191..64: 96 zeros, 32 ones
        x[5] = x[5].sqn(32) * x[4]; // 63..32
        x[5] = x[5].sqn(16) * x[3]; // 31..16
        x[5] = x[5].sqn(8) * x[2]; // 15..8
        x[5] = x[5].sqn(4) * x[1]; // 7..4
        x[5] = x[5].sqn(2) * x[0]; // 3..2
        let out = x[5].sqn(2) * x1; // 1..0 = 01
        x.zeroize();
        out
    }
}

/// P-384: p = 2^384 − 2^128 − 2^96 + 2^32 − 1 (FIPS 186-4 D.1.2.4).
#[derive(Clone, Copy, Debug)]
pub(crate) struct P384;
impl Modulus<6> for P384 {
    const P: [u64; 6] = [
        0x0000_0000_ffff_ffff,
        0xffff_ffff_0000_0000,
        0xffff_ffff_ffff_fffe,
        0xffff_ffff_ffff_ffff,
        0xffff_ffff_ffff_ffff,
        0xffff_ffff_ffff_ffff,
    ];
    const BYTES: usize = 48;
}

/// An element of GF(p) in Montgomery form (a·R mod p), always fully reduced.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fe<const N: usize, M> {
    l: [u64; N],
    m: PhantomData<M>,
}

impl<const N: usize, M: Modulus<N>> Fe<N, M> {
    pub(crate) const ZERO: Self = Fe {
        l: [0; N],
        m: PhantomData,
    };
    pub(crate) const ONE: Self = Fe {
        l: M::R,
        m: PhantomData,
    };

    /// Montgomery product a·b·R⁻¹ mod p.
    #[inline(always)]
    fn mont_mul(a: &[u64; N], b: &[u64; N]) -> Self {
        Fe {
            l: cios::<N, M>(a, b),
            m: PhantomData,
        }
    }

    /// a² (as a·a: a dedicated squaring with the cross products doubled measured 5 % slower
    /// for P-256 PACE here, both inside the word-by-word multiplication and as a separate
    /// 10-product square followed by a special-form reduction).
    #[inline(always)]
    pub(crate) fn square(&self) -> Self {
        Self::mont_mul(&self.l, &self.l)
    }

    /// a^(2^n): n squarings.
    fn sqn(&self, n: usize) -> Self {
        let mut r = *self;
        for _ in 0..n {
            r = r.square();
        }
        r
    }

    #[inline(always)]
    pub(crate) fn double(&self) -> Self {
        *self + *self
    }

    pub(crate) fn is_zero(&self) -> Choice {
        self.l.ct_eq(&[0u64; N])
    }

    /// a⁻¹ = a^(p−2) (Fermat; 0 for 0), in constant time ([`Modulus::invert`]).
    pub(crate) fn invert(&self) -> Self {
        M::invert(self)
    }

    /// a^(p−2) with fixed 4-bit windows over the public exponent. The exponent's leading zero
    /// nibbles are skipped and its zero nibbles cost no multiplication: both depend on p
    /// only, never on a.
    fn invert_by_windows(&self) -> Self {
        let mut table = [Self::ONE; 16];
        for i in 1..16 {
            table[i] = table[i - 1] * *self;
        }
        let mut acc = Self::ONE;
        let mut started = false;
        for limb in M::P_MINUS_2.iter().rev() {
            for nibble in (0..16).rev() {
                let e = ((limb >> (4 * nibble)) & 15) as usize;
                if started {
                    for _ in 0..4 {
                        acc = acc.square();
                    }
                }
                // the exponent is public: branching on and indexing by it reveals nothing
                if e != 0 {
                    acc = if started { acc * table[e] } else { table[e] };
                    started = true;
                }
            }
        }
        for t in table.iter_mut() {
            t.zeroize();
        }
        acc
    }

    /// From big-endian octets (exactly `M::BYTES`), `None` unless < p. Variable time (used
    /// for public values: points, constants).
    pub(crate) fn from_be_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != M::BYTES {
            return None;
        }
        let mut l = [0u64; N];
        for (i, b) in bytes.iter().rev().enumerate() {
            l[i / 8] |= u64::from(*b) << (8 * (i % 8));
        }
        // l < p ?
        let mut borrow = 0;
        for i in 0..N {
            borrow = sbb(l[i], M::P[i], borrow).1;
        }
        if borrow == 0 {
            return None;
        }
        Some(Self::mont_mul(&l, &M::R2))
    }

    /// Big-endian octets, `M::BYTES` of them.
    pub(crate) fn to_be_bytes(self) -> Vec<u8> {
        let mut one = [0u64; N];
        one[0] = 1;
        let mut plain = Self::mont_mul(&self.l, &one);
        let mut out = vec![0u8; M::BYTES];
        for (i, b) in out.iter_mut().rev().enumerate() {
            *b = (plain.l[i / 8] >> (8 * (i % 8))) as u8;
        }
        plain.zeroize();
        out
    }
}

impl<const N: usize, M: Modulus<N>> Add for Fe<N, M> {
    type Output = Self;
    #[inline(always)]
    fn add(self, rhs: Self) -> Self {
        let mut s = [0u64; N];
        let mut carry = 0;
        for i in 0..N {
            let (v, c) = adc(self.l[i], rhs.l[i], carry);
            s[i] = v;
            carry = c;
        }
        Fe {
            l: reduce_once(s, carry, &M::P),
            m: PhantomData,
        }
    }
}

impl<const N: usize, M: Modulus<N>> Sub for Fe<N, M> {
    type Output = Self;
    // masks and carries of the limb arithmetic
    #[allow(clippy::suspicious_arithmetic_impl)]
    #[inline(always)]
    fn sub(self, rhs: Self) -> Self {
        let mut d = [0u64; N];
        let mut borrow = 0;
        for i in 0..N {
            let (v, b) = sbb(self.l[i], rhs.l[i], borrow);
            d[i] = v;
            borrow = b;
        }
        // negative: add p back
        let mask = 0u64.wrapping_sub(borrow);
        let mut carry = 0;
        for i in 0..N {
            let (v, c) = adc(d[i], M::P[i] & mask, carry);
            d[i] = v;
            carry = c;
        }
        Fe {
            l: d,
            m: PhantomData,
        }
    }
}

impl<const N: usize, M: Modulus<N>> Neg for Fe<N, M> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Self::ZERO - self
    }
}

impl<const N: usize, M: Modulus<N>> Mul for Fe<N, M> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, rhs: Self) -> Self {
        Self::mont_mul(&self.l, &rhs.l)
    }
}

impl<const N: usize, M: Modulus<N>> ConditionallySelectable for Fe<N, M> {
    #[inline(always)]
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        let mask = 0u64.wrapping_sub(u64::from(choice.unwrap_u8()));
        let mut l = [0u64; N];
        for i in 0..N {
            l[i] = a.l[i] ^ ((a.l[i] ^ b.l[i]) & mask);
        }
        Fe { l, m: PhantomData }
    }
}

impl<const N: usize, M: Modulus<N>> ConstantTimeEq for Fe<N, M> {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.l.ct_eq(&other.l)
    }
}

impl<const N: usize, M> Zeroize for Fe<N, M> {
    fn zeroize(&mut self) {
        self.l.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use primeorder::{Field, PrimeCurveParams, PrimeField};
    use proptest::prelude::*;

    /// The crate's field element from 64 random bytes (reduced by the crate's own
    /// arithmetic: a·2^256 + b computed there), as big-endian octets.
    fn crate_ops<C: PrimeCurveParams>(a: &[u8], b: &[u8]) -> [Vec<u8>; 6] {
        let fe = |bytes: &[u8]| -> C::FieldElement {
            // Horner over bytes in the crate's field: always < p
            let f256 = C::FieldElement::from(256u64);
            bytes.iter().fold(C::FieldElement::ZERO, |acc, x| {
                acc * f256 + C::FieldElement::from(u64::from(*x))
            })
        };
        let (x, y) = (fe(a), fe(b));
        let enc = |v: C::FieldElement| AsRef::<[u8]>::as_ref(&v.to_repr()).to_vec();
        [
            enc(x),
            enc(y),
            enc(x + y),
            enc(x - y),
            enc(x * y),
            enc(Option::from(x.invert()).unwrap_or(C::FieldElement::ZERO)),
        ]
    }

    fn check<const N: usize, M: Modulus<N>, C: PrimeCurveParams>(a: &[u8], b: &[u8]) {
        let [xa, ya, sum, diff, prod, inv] = crate_ops::<C>(a, b);
        let x = Fe::<N, M>::from_be_bytes(&xa).expect("x < p");
        let y = Fe::<N, M>::from_be_bytes(&ya).expect("y < p");
        assert_eq!(x.to_be_bytes(), xa, "round trip");
        assert_eq!((x + y).to_be_bytes(), sum, "x + y");
        assert_eq!((x - y).to_be_bytes(), diff, "x − y");
        assert_eq!((x * y).to_be_bytes(), prod, "x · y");
        assert_eq!((x * x).to_be_bytes(), x.square().to_be_bytes(), "x²");
        assert_eq!(x.invert().to_be_bytes(), inv, "x⁻¹");
        assert_eq!((-x + x).to_be_bytes(), vec![0u8; M::BYTES], "−x + x");
        assert_eq!(x.double().to_be_bytes(), (x + x).to_be_bytes(), "2x");
    }

    fn all(a: &[u8], b: &[u8]) {
        check::<3, P192, p192::NistP192>(a, b);
        check::<4, P224, p224::NistP224>(a, b);
        check::<4, P256, p256::NistP256>(a, b);
        check::<6, P384, p384::NistP384>(a, b);
    }

    #[test]
    fn field_operations_match_the_crates_at_the_edges() {
        let ff = [0xffu8; 64];
        let zero = [0u8; 1];
        let one = [1u8; 1];
        for a in [&ff[..], &zero[..], &one[..]] {
            for b in [&ff[..], &zero[..], &one[..]] {
                all(a, b);
            }
        }
    }

    #[test]
    fn octets_at_or_above_p_and_of_the_wrong_length_are_refused() {
        let p256 = hex::decode("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")
            .unwrap();
        assert!(Fe::<4, P256>::from_be_bytes(&p256).is_none());
        let mut below = p256.clone();
        below[31] -= 1;
        assert!(Fe::<4, P256>::from_be_bytes(&below).is_some());
        assert!(Fe::<4, P256>::from_be_bytes(&below[1..]).is_none());
        let p224 = hex::decode("ffffffffffffffffffffffffffffffff000000000000000000000001").unwrap();
        assert!(Fe::<4, P224>::from_be_bytes(&p224).is_none());
        assert!(Fe::<4, P224>::from_be_bytes(&[0xff; 28]).is_none());
    }

    /// The value of the limbs reduced below p (the top word masked to p's length, then p
    /// subtracted once if needed: below 2p after the mask).
    fn below_p<M: Modulus<4>>(mut l: [u64; 4]) -> [u64; 4] {
        let top_bits = 64 - M::P[3].leading_zeros();
        l[3] &= u64::MAX >> (64 - top_bits);
        reduce_once(l, 0, &M::P)
    }

    /// The P-224/P-256 addition-chain inversion against the windowed one, and a·a⁻¹ = 1.
    fn chain_inversion_matches_the_windows<M: Modulus<4>>(a: [u64; 4]) {
        let fe = Fe::<4, M> {
            l: below_p::<M>(a),
            m: PhantomData,
        };
        let inv = fe.invert();
        assert_eq!(inv.l, fe.invert_by_windows().l, "{a:x?}⁻¹");
        let expect = if bool::from(fe.is_zero()) {
            Fe::<4, M>::ZERO
        } else {
            Fe::<4, M>::ONE
        };
        assert_eq!((fe * inv).l, expect.l, "{a:x?}·{a:x?}⁻¹");
    }

    /// 0, 1, 2, R mod p, p − 1, p − 2, p − 2^k and 2^k (k < bits), words of all ones or
    /// zeros in every position, below p.
    fn edge_limbs<M: Modulus<4>>() -> Vec<[u64; 4]> {
        let sub = |x: [u64; 4], y: [u64; 4]| {
            let mut d = [0u64; 4];
            let mut borrow = 0;
            for i in 0..4 {
                (d[i], borrow) = sbb(x[i], y[i], borrow);
            }
            d
        };
        let mut out = vec![[0; 4], [1, 0, 0, 0], [2, 0, 0, 0], M::R, M::R2];
        out.push(sub(M::P, [1, 0, 0, 0]));
        out.push(sub(M::P, [2, 0, 0, 0]));
        let bits = 256 - M::P[3].leading_zeros() as usize;
        for k in 0..bits {
            let mut p2k = [0u64; 4];
            p2k[k / 64] = 1 << (k % 64);
            out.push(p2k);
            out.push(sub(M::P, p2k));
        }
        for pattern in 0u32..16 {
            let l: [u64; 4] =
                core::array::from_fn(|i| if pattern >> i & 1 == 1 { u64::MAX } else { 0 });
            out.push(l);
            out.push(core::array::from_fn(|i| l[i] ^ 0x0000_0000_ffff_ffff));
        }
        out
    }

    #[test]
    fn p224_and_p256_chain_inversions_match_the_windowed_one_at_the_edges() {
        for a in edge_limbs::<P224>() {
            chain_inversion_matches_the_windows::<P224>(a);
        }
        for a in edge_limbs::<P256>() {
            chain_inversion_matches_the_windows::<P256>(a);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn p224_and_p256_chain_inversions_match_the_windowed_one(a in any::<[u64; 4]>()) {
            chain_inversion_matches_the_windows::<P224>(a);
            chain_inversion_matches_the_windows::<P256>(a);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn field_operations_match_the_crates(
            a in proptest::collection::vec(any::<u8>(), 1..=64),
            b in proptest::collection::vec(any::<u8>(), 1..=64),
        ) {
            all(&a, &b);
        }
    }
}
