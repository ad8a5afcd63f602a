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

    /// (hi:l) − p if that is not negative, else l; hi is 0 or 1 and (hi:l) < 2p.
    #[inline(always)]
    fn reduce_once(l: [u64; N], hi: u64) -> Self {
        let mut d = [0u64; N];
        let mut borrow = 0;
        for i in 0..N {
            let (v, b) = sbb(l[i], M::P[i], borrow);
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
        Fe {
            l: out,
            m: PhantomData,
        }
    }

    /// Montgomery product a·b·R⁻¹ mod p (CIOS).
    #[inline(always)]
    fn mont_mul(a: &[u64; N], b: &[u64; N]) -> Self {
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
        Self::reduce_once(t, t_hi)
    }

    /// a² (as a·a: a dedicated squaring with the cross products doubled measured 5 % slower
    /// for P-256 PACE here).
    #[inline(always)]
    pub(crate) fn square(&self) -> Self {
        Self::mont_mul(&self.l, &self.l)
    }

    #[inline(always)]
    pub(crate) fn double(&self) -> Self {
        *self + *self
    }

    pub(crate) fn is_zero(&self) -> Choice {
        self.l.ct_eq(&[0u64; N])
    }

    /// a^(p−2) = a⁻¹ (Fermat; 0 for 0), fixed 4-bit windows over the public exponent. The
    /// exponent's leading zero nibbles are skipped and its zero nibbles cost no
    /// multiplication: both depend on p only, never on a.
    pub(crate) fn invert(&self) -> Self {
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
        Self::reduce_once(s, carry)
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
