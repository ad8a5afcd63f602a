//! NIST P-521 (secp521r1) on a field written for p = 2^521 − 1.
//!
//! * [`Fe`]: nine unsaturated limbs of 58 bits (the top one 57) in `u64`, products in `u128`.
//!   Since 2^522 ≡ 2 (mod p), the upper half of a product folds onto the lower half with a
//!   doubling and no multiplication; the carry out of bit 521 wraps to bit 0. Every operation
//!   runs in constant time; inversion is Fermat's x^(p−2) by a fixed addition chain.
//! * Points in Jacobian coordinates with the a = −3 formulas of the Explicit-Formulas Database
//!   (<https://hyperelliptic.org/EFD/g1p/auto-shortw-jacobian-3.html>): `dbl-2001-b`,
//!   `add-2007-bl`, `madd-2007-bl`.
//! * Secret scalars ([`mul`], [`mul_generator`], [`mul_generator_add`]): regular signed odd
//!   windows (every digit odd, none zero), tables read by a full constant-time scan. For k·P
//!   only the last addition can meet equal inputs and is completed by a constant-time select
//!   of a doubling; k·G is a comb over a table of 112 multiples of G built once
//!   ([`std::sync::OnceLock`], one inversion for all) with every addition complete.
//! * Public data only ([`lincomb_vartime`], ECDSA verification): interleaved wNAF, variable
//!   time, kept apart by name.
//!
//! Field elements and points derived from secret scalars are zeroized when dropped where they
//! are held in buffers (tables, digits, scalar words).

use std::sync::OnceLock;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::{Zeroize, Zeroizing};

/// Octets of a field element / scalar.
pub(crate) const LEN: usize = 66;

const M58: u64 = (1 << 58) - 1;
const M57: u64 = (1 << 57) - 1;

/// Decodes a hexadecimal constant of exactly 132 digits at compile time.
const fn hex66(s: &str) -> [u8; LEN] {
    let b = s.as_bytes();
    assert!(b.len() == 2 * LEN);
    let mut out = [0u8; LEN];
    let mut i = 0;
    while i < LEN {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'F' => c - b'A' + 10,
        _ => panic!("not an upper-case hexadecimal digit"),
    }
}

// FIPS 186-4 D.1.2.5 (the same values as `standard.rs`, id 18).
const B: [u8; LEN] = hex66("0051953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF109E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00");
const GX: [u8; LEN] = hex66("00C6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D3DBAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD66");
const GY: [u8; LEN] = hex66("011839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650");
/// The group order n.
const N: [u8; LEN] = hex66("01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409");

// ---------------------------------------------------------------------------------------------
// Field
// ---------------------------------------------------------------------------------------------

/// An element of GF(2^521 − 1): value Σ limb[i]·2^(58·i). Invariant between operations:
/// limbs 0–7 below 2^59, limb 8 below 2^58 (not necessarily the canonical representative).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Fe(pub(crate) [u64; 9]);

impl Zeroize for Fe {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl ConditionallySelectable for Fe {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        let mut out = [0u64; 9];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u64::conditional_select(&a.0[i], &b.0[i], choice);
        }
        Fe(out)
    }
}

/// One carry pass: limbs 0–7 to 58 bits, limb 8 to 57 bits with its overflow wrapped to limb
/// 0 (2^521 ≡ 1), and limb 0's carry into limb 1. Input limbs below 2^62.
#[inline(always)]
fn carry(l: &mut [u64; 9]) {
    for i in 0..8 {
        l[i + 1] += l[i] >> 58;
        l[i] &= M58;
    }
    let top = l[8] >> 57;
    l[8] &= M57;
    l[0] += top;
    l[1] += l[0] >> 58;
    l[0] &= M58;
}

/// Carries a wide accumulator (each column below 2^126) into the limb invariant.
#[inline(always)]
fn carry_wide(mut c: [u128; 9]) -> Fe {
    for i in 0..8 {
        c[i + 1] += c[i] >> 58;
        c[i] &= u128::from(M58);
    }
    let top = c[8] >> 57;
    c[8] &= u128::from(M57);
    let t = c[0] + top;
    c[0] = t & u128::from(M58);
    c[1] += t >> 58;
    let mut out = [0u64; 9];
    for (o, v) in out.iter_mut().zip(c) {
        *o = v as u64;
    }
    Fe(out)
}

#[inline(always)]
fn m(x: u64, y: u64) -> u128 {
    u128::from(x) * u128::from(y)
}

impl Fe {
    pub(crate) const ZERO: Fe = Fe([0; 9]);
    pub(crate) const ONE: Fe = Fe([1, 0, 0, 0, 0, 0, 0, 0, 0]);

    /// Product. Column k ≥ 9 has weight 2^(58k) = 2^(58(k−9))·2^522 ≡ 2·2^(58(k−9)).
    #[inline]
    pub(crate) fn mul(&self, rhs: &Fe) -> Fe {
        let a = &self.0;
        let b = &rhs.0;
        let mut b2 = [0u64; 9];
        for i in 0..9 {
            b2[i] = b[i] << 1;
        }
        // column k: Σ_{i+j=k} a_i·b_j + Σ_{i+j=k+9} a_i·2b_j (written out: the compiler keeps
        // the 81 products in registers)
        let c0 = m(a[0], b[0])
            + m(a[1], b2[8])
            + m(a[2], b2[7])
            + m(a[3], b2[6])
            + m(a[4], b2[5])
            + m(a[5], b2[4])
            + m(a[6], b2[3])
            + m(a[7], b2[2])
            + m(a[8], b2[1]);
        let c1 = m(a[0], b[1])
            + m(a[1], b[0])
            + m(a[2], b2[8])
            + m(a[3], b2[7])
            + m(a[4], b2[6])
            + m(a[5], b2[5])
            + m(a[6], b2[4])
            + m(a[7], b2[3])
            + m(a[8], b2[2]);
        let c2 = m(a[0], b[2])
            + m(a[1], b[1])
            + m(a[2], b[0])
            + m(a[3], b2[8])
            + m(a[4], b2[7])
            + m(a[5], b2[6])
            + m(a[6], b2[5])
            + m(a[7], b2[4])
            + m(a[8], b2[3]);
        let c3 = m(a[0], b[3])
            + m(a[1], b[2])
            + m(a[2], b[1])
            + m(a[3], b[0])
            + m(a[4], b2[8])
            + m(a[5], b2[7])
            + m(a[6], b2[6])
            + m(a[7], b2[5])
            + m(a[8], b2[4]);
        let c4 = m(a[0], b[4])
            + m(a[1], b[3])
            + m(a[2], b[2])
            + m(a[3], b[1])
            + m(a[4], b[0])
            + m(a[5], b2[8])
            + m(a[6], b2[7])
            + m(a[7], b2[6])
            + m(a[8], b2[5]);
        let c5 = m(a[0], b[5])
            + m(a[1], b[4])
            + m(a[2], b[3])
            + m(a[3], b[2])
            + m(a[4], b[1])
            + m(a[5], b[0])
            + m(a[6], b2[8])
            + m(a[7], b2[7])
            + m(a[8], b2[6]);
        let c6 = m(a[0], b[6])
            + m(a[1], b[5])
            + m(a[2], b[4])
            + m(a[3], b[3])
            + m(a[4], b[2])
            + m(a[5], b[1])
            + m(a[6], b[0])
            + m(a[7], b2[8])
            + m(a[8], b2[7]);
        let c7 = m(a[0], b[7])
            + m(a[1], b[6])
            + m(a[2], b[5])
            + m(a[3], b[4])
            + m(a[4], b[3])
            + m(a[5], b[2])
            + m(a[6], b[1])
            + m(a[7], b[0])
            + m(a[8], b2[8]);
        let c8 = m(a[0], b[8])
            + m(a[1], b[7])
            + m(a[2], b[6])
            + m(a[3], b[5])
            + m(a[4], b[4])
            + m(a[5], b[3])
            + m(a[6], b[2])
            + m(a[7], b[1])
            + m(a[8], b[0]);
        let c = [c0, c1, c2, c3, c4, c5, c6, c7, c8];
        carry_wide(c)
    }

    /// Square: the cross products once, doubled.
    #[inline]
    pub(crate) fn square(&self) -> Fe {
        let a = &self.0;
        let mut a2 = [0u64; 9];
        for i in 0..9 {
            a2[i] = a[i] << 1;
        }
        // column k: a_i² (i+i = k) and 2·a_i·a_j (i < j, i+j = k); the columns k+9 folded
        // with one more doubling
        let c0 =
            m(a[0], a[0]) + m(a2[1], a2[8]) + m(a2[2], a2[7]) + m(a2[3], a2[6]) + m(a2[4], a2[5]);
        let c1 =
            m(a2[0], a[1]) + m(a2[2], a2[8]) + m(a2[3], a2[7]) + m(a2[4], a2[6]) + m(a2[5], a[5]);
        let c2 =
            m(a2[0], a[2]) + m(a[1], a[1]) + m(a2[3], a2[8]) + m(a2[4], a2[7]) + m(a2[5], a2[6]);
        let c3 =
            m(a2[0], a[3]) + m(a2[1], a[2]) + m(a2[4], a2[8]) + m(a2[5], a2[7]) + m(a2[6], a[6]);
        let c4 =
            m(a2[0], a[4]) + m(a2[1], a[3]) + m(a[2], a[2]) + m(a2[5], a2[8]) + m(a2[6], a2[7]);
        let c5 =
            m(a2[0], a[5]) + m(a2[1], a[4]) + m(a2[2], a[3]) + m(a2[6], a2[8]) + m(a2[7], a[7]);
        let c6 = m(a2[0], a[6]) + m(a2[1], a[5]) + m(a2[2], a[4]) + m(a[3], a[3]) + m(a2[7], a2[8]);
        let c7 = m(a2[0], a[7]) + m(a2[1], a[6]) + m(a2[2], a[5]) + m(a2[3], a[4]) + m(a2[8], a[8]);
        let c8 = m(a2[0], a[8]) + m(a2[1], a[7]) + m(a2[2], a[6]) + m(a2[3], a[5]) + m(a[4], a[4]);
        let c = [c0, c1, c2, c3, c4, c5, c6, c7, c8];
        carry_wide(c)
    }

    /// self^(2^k).
    fn sqn(&self, k: usize) -> Fe {
        let mut x = *self;
        for _ in 0..k {
            x = x.square();
        }
        x
    }

    #[inline]
    pub(crate) fn add(&self, rhs: &Fe) -> Fe {
        let mut l = [0u64; 9];
        for (i, o) in l.iter_mut().enumerate() {
            *o = self.0[i] + rhs.0[i];
        }
        carry(&mut l);
        Fe(l)
    }

    /// self − rhs, computed as self + 4p − rhs (4p's limbs exceed any operand's).
    #[inline]
    pub(crate) fn sub(&self, rhs: &Fe) -> Fe {
        let mut l = [0u64; 9];
        for (i, o) in l.iter_mut().enumerate() {
            let four_p = if i == 8 { M57 << 2 } else { M58 << 2 };
            *o = self.0[i] + four_p - rhs.0[i];
        }
        carry(&mut l);
        Fe(l)
    }

    #[inline]
    pub(crate) fn neg(&self) -> Fe {
        Fe::ZERO.sub(self)
    }

    /// self · k for a small k (≤ 8).
    #[inline]
    fn mul_small(&self, k: u64) -> Fe {
        let mut l = self.0;
        for v in l.iter_mut() {
            *v *= k;
        }
        carry(&mut l);
        Fe(l)
    }

    /// Inverse by Fermat, x^(p−2) with p − 2 = (2^519 − 1)·4 + 1; 0 maps to 0. Constant time.
    pub(crate) fn invert(&self) -> Fe {
        let x = *self;
        let x2 = x.square().mul(&x); // x^(2^2 − 1)
        let x4 = x2.sqn(2).mul(&x2); // 2^4 − 1
        let x8 = x4.sqn(4).mul(&x4);
        let x16 = x8.sqn(8).mul(&x8);
        let x32 = x16.sqn(16).mul(&x16);
        let x64 = x32.sqn(32).mul(&x32);
        let x128 = x64.sqn(64).mul(&x64);
        let x256 = x128.sqn(128).mul(&x128);
        let x512 = x256.sqn(256).mul(&x256);
        let x516 = x512.sqn(4).mul(&x4);
        let x518 = x516.sqn(2).mul(&x2);
        let x519 = x518.square().mul(&x);
        x519.sqn(2).mul(&x)
    }

    /// The canonical representative's limbs (value < p).
    fn canonical(&self) -> [u64; 9] {
        let mut l = self.0;
        carry(&mut l);
        carry(&mut l);
        carry(&mut l);
        // now every limb is within its width: the value is at most 2^521 − 1 = p
        // value == p  ⇔  value + 1 carries out of bit 521; then the result is 0
        let mut t = l;
        t[0] += 1;
        for i in 0..8 {
            t[i + 1] += t[i] >> 58;
            t[i] &= M58;
        }
        let is_p = Choice::from((t[8] >> 57) as u8);
        t[8] &= M57;
        for i in 0..9 {
            l[i] = u64::conditional_select(&l[i], &t[i], is_p);
        }
        t.zeroize();
        l
    }

    pub(crate) fn is_zero(&self) -> Choice {
        let l = self.canonical();
        l.iter().fold(0u64, |acc, v| acc | v).ct_eq(&0)
    }

    pub(crate) fn ct_eq(&self, rhs: &Fe) -> Choice {
        self.sub(rhs).is_zero()
    }

    /// 66 octets, big-endian, canonical.
    pub(crate) fn to_bytes(self) -> [u8; LEN] {
        let l = self.canonical();
        let mut out = [0u8; LEN];
        for bit in (0..521).step_by(8) {
            let limb = bit / 58;
            let off = bit % 58;
            let mut v = l[limb] >> off;
            if off + 8 > 58 && limb < 8 {
                v |= l[limb + 1] << (58 - off);
            }
            out[LEN - 1 - bit / 8] = v as u8;
        }
        out
    }

    /// From 66 big-endian octets; `None` unless the value is below p (non-canonical encodings
    /// are refused). Constant time for a given length.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Fe> {
        if bytes.len() != LEN {
            return None;
        }
        let mut l = [0u64; 9];
        for (i, byte) in bytes.iter().rev().enumerate() {
            let bit = 8 * i;
            let v = u64::from(*byte);
            let limb = bit / 58;
            let off = bit % 58;
            if limb < 9 {
                l[limb] |= (v << off) & if limb == 8 { M57 } else { M58 };
            }
            if off + 8 > 58 && limb < 8 {
                l[limb + 1] |= v >> (58 - off);
            }
        }
        // the top octet holds bit 520 only; all-ones limbs are p itself
        let high_ok = bytes[0].ct_eq(&0) | bytes[0].ct_eq(&1);
        let all_ones = l[..8]
            .iter()
            .fold(Choice::from(1), |acc, v| acc & v.ct_eq(&M58))
            & l[8].ct_eq(&M57);
        Option::from(subtle::CtOption::new(Fe(l), high_ok & !all_ones))
    }
}

fn fe_const(bytes: &[u8; LEN]) -> Fe {
    // constants are canonical
    Fe::from_bytes(bytes).unwrap_or(Fe::ZERO)
}

fn curve_b() -> &'static Fe {
    static B_FE: OnceLock<Fe> = OnceLock::new();
    B_FE.get_or_init(|| fe_const(&B))
}

// ---------------------------------------------------------------------------------------------
// Points
// ---------------------------------------------------------------------------------------------

/// Jacobian (X : Y : Z), x = X/Z², y = Y/Z³; Z = 0 is the identity.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Jac {
    x: Fe,
    y: Fe,
    z: Fe,
}

/// Affine (x, y) of a point other than the identity.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Aff {
    x: Fe,
    y: Fe,
}

impl Zeroize for Jac {
    fn zeroize(&mut self) {
        self.x.zeroize();
        self.y.zeroize();
        self.z.zeroize();
    }
}

impl Zeroize for Aff {
    fn zeroize(&mut self) {
        self.x.zeroize();
        self.y.zeroize();
    }
}

impl ConditionallySelectable for Jac {
    fn conditional_select(a: &Self, b: &Self, c: Choice) -> Self {
        Jac {
            x: Fe::conditional_select(&a.x, &b.x, c),
            y: Fe::conditional_select(&a.y, &b.y, c),
            z: Fe::conditional_select(&a.z, &b.z, c),
        }
    }
}

impl ConditionallySelectable for Aff {
    fn conditional_select(a: &Self, b: &Self, c: Choice) -> Self {
        Aff {
            x: Fe::conditional_select(&a.x, &b.x, c),
            y: Fe::conditional_select(&a.y, &b.y, c),
        }
    }
}

impl Aff {
    fn to_jac(self) -> Jac {
        Jac {
            x: self.x,
            y: self.y,
            z: Fe::ONE,
        }
    }

    fn neg(&self) -> Aff {
        Aff {
            x: self.x,
            y: self.y.neg(),
        }
    }

    /// y² = x³ − 3x + b.
    fn is_on_curve(&self) -> Choice {
        let x2 = self.x.square();
        let rhs = x2.mul(&self.x).sub(&self.x.mul_small(3)).add(curve_b());
        self.y.square().ct_eq(&rhs)
    }

    /// `04 ‖ x ‖ y`, validated: coordinates below p and on the curve.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Aff> {
        if bytes.len() != 1 + 2 * LEN || bytes[0] != 0x04 {
            return None;
        }
        let p = Aff {
            x: Fe::from_bytes(&bytes[1..1 + LEN])?,
            y: Fe::from_bytes(&bytes[1 + LEN..])?,
        };
        bool::from(p.is_on_curve()).then_some(p)
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 2 * LEN);
        out.push(0x04);
        out.extend_from_slice(&self.x.to_bytes());
        out.extend_from_slice(&self.y.to_bytes());
        out
    }

    pub(crate) fn generator() -> Aff {
        Aff {
            x: fe_const(&GX),
            y: fe_const(&GY),
        }
    }
}

impl Jac {
    const IDENTITY: Jac = Jac {
        x: Fe::ONE,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    fn neg(&self) -> Jac {
        Jac {
            x: self.x,
            y: self.y.neg(),
            z: self.z,
        }
    }

    fn is_identity(&self) -> Choice {
        self.z.is_zero()
    }

    /// `dbl-2001-b` (a = −3): 3M + 5S. The identity (Z = 0) stays the identity; there is no
    /// point of order 2.
    #[inline]
    pub(crate) fn double(&self) -> Jac {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.mul(&gamma);
        let alpha = self.x.sub(&delta).mul(&self.x.add(&delta)).mul_small(3);
        let x3 = alpha.square().sub(&beta.mul_small(8));
        let z3 = self.y.add(&self.z).square().sub(&gamma).sub(&delta);
        let y3 = alpha
            .mul(&beta.mul_small(4).sub(&x3))
            .sub(&gamma.square().mul_small(8));
        Jac {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `add-2007-bl`: 11M + 5S. Returns also H and r (H = 0 and r = 0: the inputs were
    /// equal, the formula does not apply; H = 0 and r ≠ 0: the sum is the identity, which the
    /// formula yields with Z3 = 0). Not for the identity as an input.
    #[inline]
    fn add_raw(&self, q: &Jac) -> (Jac, Fe, Fe) {
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = q.x.mul(&z1z1);
        let s1 = self.y.mul(&q.z).mul(&z2z2);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&u1);
        let i = h.add(&h).square();
        let j = h.mul(&i);
        let r = s2.sub(&s1);
        let r = r.add(&r);
        let v = u1.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.add(&v));
        let s1j = s1.mul(&j);
        let y3 = r.mul(&v.sub(&x3)).sub(&s1j.add(&s1j));
        let z3 = self.z.add(&q.z).square().sub(&z1z1).sub(&z2z2).mul(&h);
        (
            Jac {
                x: x3,
                y: y3,
                z: z3,
            },
            h,
            r,
        )
    }

    /// `madd-2007-bl` (Z2 = 1): 7M + 4S; H and r as in [`Jac::add_raw`].
    #[inline]
    fn madd_raw(&self, q: &Aff) -> (Jac, Fe, Fe) {
        let z1z1 = self.z.square();
        let u2 = q.x.mul(&z1z1);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&self.x);
        let hh = h.square();
        let i = hh.mul_small(4);
        let j = h.mul(&i);
        let r = s2.sub(&self.y);
        let r = r.add(&r);
        let v = self.x.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.add(&v));
        let yj = self.y.mul(&j);
        let y3 = r.mul(&v.sub(&x3)).sub(&yj.add(&yj));
        let z3 = self.z.add(&h).square().sub(&z1z1).sub(&hh);
        (
            Jac {
                x: x3,
                y: y3,
                z: z3,
            },
            h,
            r,
        )
    }

    /// P + Q for any inputs, in constant time: the identity on either side and P = Q are
    /// resolved by selects, not branches.
    fn add_complete(&self, q: &Jac) -> Jac {
        let (sum, h, r) = self.add_raw(q);
        let equal = h.is_zero() & r.is_zero();
        let mut out = Jac::conditional_select(&sum, &self.double(), equal);
        out = Jac::conditional_select(&out, q, self.is_identity());
        Jac::conditional_select(&out, self, q.is_identity())
    }

    /// Variable-time P + Q (public data only).
    fn add_vartime(&self, q: &Jac) -> Jac {
        if bool::from(self.is_identity()) {
            return *q;
        }
        if bool::from(q.is_identity()) {
            return *self;
        }
        let (sum, h, r) = self.add_raw(q);
        if bool::from(h.is_zero()) {
            return if bool::from(r.is_zero()) {
                self.double()
            } else {
                Jac::IDENTITY
            };
        }
        sum
    }

    /// Variable-time P + Q with Q affine (public data only).
    fn madd_vartime(&self, q: &Aff) -> Jac {
        if bool::from(self.is_identity()) {
            return q.to_jac();
        }
        let (sum, h, r) = self.madd_raw(q);
        if bool::from(h.is_zero()) {
            return if bool::from(r.is_zero()) {
                self.double()
            } else {
                Jac::IDENTITY
            };
        }
        sum
    }

    /// Affine form (one inversion, constant time); `None` for the identity.
    pub(crate) fn to_affine(self) -> Option<Aff> {
        let zi = self.z.invert();
        let zi2 = zi.square();
        let a = Aff {
            x: self.x.mul(&zi2),
            y: self.y.mul(&zi2.mul(&zi)),
        };
        Option::from(subtle::CtOption::new(a, !self.is_identity()))
    }
}

/// Affine forms of points none of which is the identity, with one inversion for all
/// (Montgomery's trick). Variable time in the number of points only.
fn batch_to_affine(points: &[Jac]) -> Vec<Aff> {
    let mut prefix = Vec::with_capacity(points.len());
    let mut acc = Fe::ONE;
    for p in points {
        prefix.push(acc);
        acc = acc.mul(&p.z);
    }
    let mut inv = acc.invert();
    let mut out = vec![Aff::default(); points.len()];
    for (i, p) in points.iter().enumerate().rev() {
        let zi = inv.mul(&prefix[i]);
        inv = inv.mul(&p.z);
        let zi2 = zi.square();
        out[i] = Aff {
            x: p.x.mul(&zi2),
            y: p.y.mul(&zi2.mul(&zi)),
        };
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

/// Little-endian 64-bit words of a 66-octet big-endian integer (9 words, the last holding 16
/// bits).
fn words(be: &[u8; LEN]) -> [u64; 9] {
    let mut w = [0u64; 9];
    for (i, b) in be.iter().rev().enumerate() {
        w[i / 8] |= u64::from(*b) << (8 * (i % 8));
    }
    w
}

/// Window of the constant-time multiplication: digits odd in ±[1, 2^W − 1].
const W: usize = 5;
/// Digits of a scalar below 2^521 + 2^W: ⌈521 / W⌉.
const DIGITS: usize = 521_usize.div_ceil(W);
/// Table size: P, 3P, …, (2^W − 1)·P.
const TABLE: usize = 1 << (W - 1);

/// Regular signed recoding of an odd k < 2^(W·DIGITS): k = Σ d_i·2^(W·i), every d_i odd with
/// |d_i| < 2^W; branch-free. Step: d = (k mod 2^(W+1)) − 2^W, then k ← (k − d)/2^W, and k − d
/// is k with its low W+1 bits replaced by 2^W, so the shift keeps k odd.
fn recode_odd(k: &[u64; 9]) -> Zeroizing<[i8; DIGITS]> {
    let mut k = Zeroizing::new(*k);
    let mut d = Zeroizing::new([0i8; DIGITS]);
    let low_mask = (1u64 << (W + 1)) - 1;
    for digit in d.iter_mut().take(DIGITS - 1) {
        let low = k[0] & low_mask;
        *digit = (low as i64 - (1 << W)) as i8;
        k[0] = (k[0] & !low_mask) | (1 << W);
        for i in 0..9 {
            let next = if i < 8 { k[i + 1] } else { 0 };
            k[i] = (k[i] >> W) | (next << (64 - W));
        }
    }
    d[DIGITS - 1] = k[0] as i8;
    d
}

/// Constant-time read of table entry |d| and conditional negation for d < 0 (d odd).
fn lookup<T: MaskedOr + ConditionallySelectable + Default + Copy>(
    table: &[T],
    d: i8,
    neg: impl Fn(&T) -> T,
) -> T {
    let sign = (d >> 7) as u8 & 1; // 1 if negative
    let abs = ((d ^ -(sign as i8)) + sign as i8) as u8; // |d|
    let idx = abs >> 1;
    let mut out = T::default();
    for (i, e) in table.iter().enumerate() {
        // all ones for the wanted entry, zero otherwise (from `subtle`'s opaque Choice)
        let mask = u64::from((i as u8).ct_eq(&idx).unwrap_u8()).wrapping_neg();
        out.or_masked(e, mask);
    }
    let negated = neg(&out);
    out.conditional_assign(&negated, Choice::from(sign));
    out
}

/// `self |= other & mask` on every limb: a table scan ORs every entry in, masked, in place
/// (no per-entry copies of the accumulated point).
trait MaskedOr {
    fn or_masked(&mut self, other: &Self, mask: u64);
}

impl MaskedOr for Fe {
    #[inline(always)]
    fn or_masked(&mut self, other: &Self, mask: u64) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a |= b & mask;
        }
    }
}

impl MaskedOr for Aff {
    #[inline(always)]
    fn or_masked(&mut self, other: &Self, mask: u64) {
        self.x.or_masked(&other.x, mask);
        self.y.or_masked(&other.y, mask);
    }
}

impl MaskedOr for Jac {
    #[inline(always)]
    fn or_masked(&mut self, other: &Self, mask: u64) {
        self.x.or_masked(&other.x, mask);
        self.y.or_masked(&other.y, mask);
        self.z.or_masked(&other.z, mask);
    }
}

/// k mod n as 64-bit words with k made odd in constant time: k even ⇒ n − k (the result is
/// negated at the end). `k` is below n (already reduced), big-endian, 66 octets. For k = 0 this
/// gives n, whose multiple comes out as the identity.
fn odd_scalar(k: &[u8; LEN]) -> (Zeroizing<[u64; 9]>, Choice) {
    let kw = Zeroizing::new(words(k));
    let nw = words(&N);
    let even = !Choice::from((kw[0] & 1) as u8);
    let mut diff = Zeroizing::new([0u64; 9]);
    let mut borrow = 0u64;
    for i in 0..9 {
        let (v1, b1) = nw[i].overflowing_sub(kw[i]);
        let (v2, b2) = v1.overflowing_sub(borrow);
        diff[i] = v2;
        borrow = u64::from(b1 | b2);
    }
    let mut out = Zeroizing::new([0u64; 9]);
    for i in 0..9 {
        out[i] = u64::conditional_select(&kw[i], &diff[i], even);
    }
    (out, even)
}

/// k·P in constant time for a reduced k (0 ≤ k < n, 66 octets big-endian).
fn mul_ct(p: &Aff, k: &[u8; LEN]) -> Jac {
    let (kw, negate) = odd_scalar(k);
    let digits = recode_odd(&kw);
    // P, 3P, …, 31P (Jacobian)
    let mut table = Zeroizing::new([Jac::default(); TABLE]);
    let pj = p.to_jac();
    let p2 = pj.double();
    table[0] = pj;
    for i in 1..TABLE {
        // (2i+1)P = (2i−1)P + 2P: never equal inputs, never the identity (n is prime and large)
        table[i] = table[i - 1].add_raw(&p2).0;
    }
    let mut acc = lookup(&table[..], digits[DIGITS - 1], Jac::neg);
    for i in (0..DIGITS - 1).rev() {
        for _ in 0..W {
            acc = acc.double();
        }
        let t = lookup(&table[..], digits[i], Jac::neg);
        acc = if i == 0 {
            // only the last addition can meet acc = t (k = n − 2|d₀|); acc = −t (k = n) gives
            // the identity through H = 0 already
            acc.add_complete(&t)
        } else {
            acc.add_raw(&t).0
        };
    }
    let negated = acc.neg();
    acc.conditional_assign(&negated, negate);
    acc
}

/// Teeth of the fixed-base comb: the 105 digits of k split into 7 runs of 15, run j
/// multiplying 2^(W·15·j)·G.
const TEETH: usize = 7;
/// Digits per tooth (doubling steps of k·G).
const SPAN: usize = DIGITS / TEETH;
const _: () = assert!(SPAN * TEETH == DIGITS);

/// Fixed-base table: for each tooth j, the affine points (2m+1)·2^(W·SPAN·j)·G for m < TABLE
/// (112 points), built once with one inversion for all. A table per digit (1,680 points, no
/// doublings at all) took 3–6 ms to build at first use; this one takes a fraction of a
/// millisecond, for 75 doublings per k·G.
fn g_comb() -> &'static [[Aff; TABLE]; TEETH] {
    static COMB: OnceLock<[[Aff; TABLE]; TEETH]> = OnceLock::new();
    COMB.get_or_init(|| {
        let mut jac = Vec::with_capacity(TEETH * TABLE);
        let mut base = Aff::generator().to_jac();
        for _ in 0..TEETH {
            let b2 = base.double();
            let mut e = base;
            for m in 0..TABLE {
                if m > 0 {
                    e = e.add_vartime(&b2);
                }
                jac.push(e);
            }
            for _ in 0..W * SPAN {
                base = base.double();
            }
        }
        let aff = batch_to_affine(&jac);
        let mut comb = [[Aff::default(); TABLE]; TEETH];
        for (row, chunk) in comb.iter_mut().zip(aff.chunks_exact(TABLE)) {
            row.copy_from_slice(chunk);
        }
        comb
    })
}

impl Jac {
    /// P + Q (Q affine) for any P, in constant time: P the identity, P = Q and P = −Q are
    /// resolved by selects, not branches (`madd-2007-bl` gives Z3 = 2·Z1·H = 0 for P = −Q).
    fn madd_complete(&self, q: &Aff) -> Jac {
        let (sum, h, r) = self.madd_raw(q);
        let equal = h.is_zero() & r.is_zero();
        let out = Jac::conditional_select(&sum, &self.double(), equal);
        Jac::conditional_select(&out, &q.to_jac(), self.is_identity())
    }
}

/// k·G in constant time for a reduced k: a comb over the regular odd-digit recoding — per
/// step W doublings and one constant-time table scan and complete mixed addition per tooth.
/// The partial sums of a comb are not prefixes of k, so no addition is assumed to be
/// unexceptional: each one is complete.
fn mul_generator_ct(k: &[u8; LEN]) -> Jac {
    let (kw, negate) = odd_scalar(k);
    let digits = recode_odd(&kw);
    let comb = g_comb();
    let mut acc = Jac::IDENTITY;
    for i in (0..SPAN).rev() {
        if i != SPAN - 1 {
            for _ in 0..W {
                acc = acc.double();
            }
        }
        for (j, row) in comb.iter().enumerate() {
            let t = lookup(row, digits[j * SPAN + i], Aff::neg);
            acc = acc.madd_complete(&t);
        }
    }
    let negated = acc.neg();
    acc.conditional_assign(&negated, negate);
    acc
}

/// A reduced scalar from big-endian octets of at most 66 (left-padded).
fn scalar_array(k: &[u8]) -> Option<Zeroizing<[u8; LEN]>> {
    if k.len() > LEN {
        return None;
    }
    let mut out = Zeroizing::new([0u8; LEN]);
    out[LEN - k.len()..].copy_from_slice(k);
    Some(out)
}

fn encode_jac(p: &Jac) -> Option<Vec<u8>> {
    p.to_affine().map(|a| a.encode())
}

/// Encodes a point derived from a secret scalar and wipes it (and its affine form).
fn encode_secret(mut p: Jac) -> Option<Zeroizing<Vec<u8>>> {
    let mut affine = p.to_affine();
    let out = affine.as_ref().map(|a| Zeroizing::new(a.encode()));
    p.zeroize();
    if let Some(a) = affine.as_mut() {
        a.zeroize();
    }
    out
}

/// k·P for a validated point P (uncompressed) and k < n (big-endian, at most 66 octets), in
/// constant time; `None` if P does not decode or the result is the identity. P = G takes the
/// fixed-base table.
pub(crate) fn mul(p: &[u8], k: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let pa = Aff::decode(p)?;
    // whether P is G is public (the point is)
    if p[1..1 + LEN] == GX[..] && p[1 + LEN..] == GY[..] {
        return mul_generator(k);
    }
    let k = scalar_array(k)?;
    encode_secret(mul_ct(&pa, &k))
}

/// k·G for k < n, in constant time; `None` for the identity.
pub(crate) fn mul_generator(k: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let k = scalar_array(k)?;
    encode_secret(mul_generator_ct(&k))
}

/// s·G + H for s < n, in constant time; `None` if H does not decode or the sum is the identity.
pub(crate) fn mul_generator_add(s: &[u8], h: &[u8]) -> Option<Vec<u8>> {
    let s = scalar_array(s)?;
    let h = Aff::decode(h)?.to_jac();
    let mut sg = mul_generator_ct(&s);
    let sum = sg.add_complete(&h);
    sg.zeroize();
    // G' of the Generic Mapping is public once computed
    encode_jac(&sum)
}

/// s⁻¹ mod n for a public s (ECDSA verification), variable time: `crypto-bigint`'s safegcd
/// (the `p521` crate's constant-time inversion took 15 % of a verification). `None` for
/// s ≡ 0 or s ≥ n.
pub(crate) fn invert_mod_n_vartime(s: &[u8; LEN]) -> Option<[u8; LEN]> {
    let wide = |b: &[u8; LEN]| {
        let mut w = [0u8; 72];
        w[72 - LEN..].copy_from_slice(b);
        cbig7::U576::from_be_slice(&w)
    };
    let (s, n) = (wide(s), wide(&N));
    if s.is_zero_vartime() || s >= n {
        return None;
    }
    let n = Option::<cbig7::Odd<cbig7::U576>>::from(cbig7::Odd::new(n))?;
    let inv = Option::<cbig7::U576>::from(s.invert_odd_mod_vartime(&n))?;
    let mut out = [0u8; LEN];
    out.copy_from_slice(&inv.to_be_bytes()[72 - LEN..]);
    Some(out)
}

/// Width of the wNAF of the multiplier of G (table built once), and of the public key's.
const W_G: u32 = 7;
const W_Q: u32 = 5;

/// Odd multiples G, 3G, …, (2^(W_G−1) − 1)·G, affine, built once with one inversion.
fn g_table_vartime() -> &'static [Aff] {
    static TABLE_G: OnceLock<Vec<Aff>> = OnceLock::new();
    TABLE_G.get_or_init(|| {
        let g = Aff::generator().to_jac();
        let g2 = g.double();
        let mut acc = g;
        let mut jac = Vec::with_capacity(1 << (W_G - 2));
        for _ in 0..1usize << (W_G - 2) {
            jac.push(acc);
            acc = acc.add_vartime(&g2);
        }
        batch_to_affine(&jac)
    })
}

/// x-coordinate (66 octets) of u1·G + u2·Q by interleaved wNAF, or `None` for the identity;
/// variable time: public inputs only (ECDSA verification). u1, u2 big-endian, any length.
pub(crate) fn lincomb_x_vartime(u1: &[u8], q: &[u8], u2: &[u8]) -> Option<[u8; LEN]> {
    let q = Aff::decode(q)?;
    let n1 = super::wnaf::wnaf(u1, W_G);
    let n2 = super::wnaf::wnaf(u2, W_Q);
    let gt = g_table_vartime();
    let qj = q.to_jac();
    let q2 = qj.double();
    let mut qt = Vec::with_capacity(1 << (W_Q - 2));
    let mut acc = qj;
    for _ in 0..1usize << (W_Q - 2) {
        qt.push(acc);
        acc = acc.add_vartime(&q2);
    }
    let mut r = Jac::IDENTITY;
    for i in (0..n1.len().max(n2.len())).rev() {
        r = r.double();
        match n1.get(i).copied().unwrap_or(0) {
            0 => {}
            d if d > 0 => r = r.madd_vartime(&gt[(d as usize) >> 1]),
            d => r = r.madd_vartime(&gt[(d.unsigned_abs() as usize) >> 1].neg()),
        }
        match n2.get(i).copied().unwrap_or(0) {
            0 => {}
            d if d > 0 => r = r.add_vartime(&qt[(d as usize) >> 1]),
            d => r = r.add_vartime(&qt[(d.unsigned_abs() as usize) >> 1].neg()),
        }
    }
    // x = X/Z² only: no need for y
    if bool::from(r.is_identity()) {
        return None;
    }
    let zi = r.z.invert();
    Some(r.x.mul(&zi.square()).to_bytes())
}

#[cfg(test)]
mod tests;
