//! Width-specific Montgomery arithmetic for curves without a RustCrypto implementation
//! (brainpoolP192r1/P224r1/P320r1/P512r1, explicit curves): the scalar multiplications run on
//! `crypto-bigint` integers of the smallest width (3, 4, 5, 6 or 8 limbs) that holds p, kept
//! in Montgomery form and multiplied with the project's fused Montgomery multiplication
//! ([`super::mont`], constant time; at 4 limbs `crypto-bigint`'s `mul_wide` / `square_wide`
//! and `montgomery_reduction`, measured faster there). A field element is just its limbs; no
//! modulus is copied along with every value.
//!
//! Two kinds of operation, kept apart:
//!
//! * **Secret scalars** ([`Narrow::mul_add`]: key agreement, the Generic Mapping, Chip
//!   Authentication): a fixed 4-bit window with constant-time table selection; the additions
//!   use the complete projective formulas (Renes–Costello–Batina 2016, algorithm 1, any `a`),
//!   the four doublings of each window the Jacobian formula `dbl-2007-bl` (no exceptional
//!   case: the identity keeps Z = 0), with branch-free conversions between the two. No branch
//!   or memory access depends on the scalar.
//! * **Public data only** ([`Narrow::lincomb_vartime`]: ECDSA verification): Jacobian
//!   coordinates (formulas `dbl-2007-bl`, `add-2007-bl`, `madd-2007-bl` of the Explicit-Formulas
//!   Database, any `a`) and interleaved width-w NAF, with a table of odd multiples of G in
//!   affine form built once per curve. Its running time depends on the inputs.

use std::sync::{Arc, OnceLock};

use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::{Limb, Uint};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

use super::mont;
use super::uint::{to_be, EcUint, EC_LIMBS};
use super::wnaf::wnaf;

fn shrink<const L: usize>(x: &EcUint) -> Uint<L> {
    let mut words = [0; L];
    words.copy_from_slice(&x.as_words()[..L]);
    Uint::from_words(words)
}

fn grow<const L: usize>(x: &Uint<L>) -> EcUint {
    let mut words = [0; EC_LIMBS];
    words[..L].copy_from_slice(x.as_words());
    Uint::from_words(words)
}

/// The prime field at width `L`; elements are `Uint<L>` in Montgomery form, always < p.
/// Every operation is constant time (crypto-bigint's `const fn` arithmetic).
#[derive(Clone, Debug)]
struct Field<const L: usize> {
    p: Uint<L>,
    inv: Limb,
    /// R² mod p (R = 2^(64·L)), to enter Montgomery form.
    r2: Uint<L>,
    /// R mod p: the element 1.
    one: Uint<L>,
    p_minus_2: Uint<L>,
    bits: usize,
}

impl<const L: usize> Field<L> {
    fn new(p: &Uint<L>, bits: usize) -> Self {
        let params = DynResidueParams::new(p);
        let one = *DynResidue::one(params).as_montgomery();
        let r2 = *DynResidue::new(&one, params).as_montgomery();
        Field {
            p: *p,
            inv: Limb(mont::neg_inv(p.as_words()[0])),
            r2,
            one,
            p_minus_2: p.wrapping_sub(&Uint::from_u8(2)),
            bits,
        }
    }

    #[inline(always)]
    fn mul(&self, a: &Uint<L>, b: &Uint<L>) -> Uint<L> {
        // At 256 bits `crypto-bigint`'s product and reduction measured faster in the curve
        // formulas (brainpoolP224r1 PACE 0.46 vs 0.48 of OpenPACE; brainpoolP256r1
        // verification equal), although the fused multiplication alone is faster.
        if L == L256 {
            return crypto_bigint::modular::montgomery_reduction(&a.mul_wide(b), &self.p, self.inv);
        }
        Uint::from_words(mont::mul(
            a.as_words(),
            b.as_words(),
            self.p.as_words(),
            self.inv.0,
        ))
    }

    #[inline(always)]
    fn sq(&self, a: &Uint<L>) -> Uint<L> {
        if L == L256 {
            return crypto_bigint::modular::montgomery_reduction(
                &a.square_wide(),
                &self.p,
                self.inv,
            );
        }
        Uint::from_words(mont::sqr::<L, SQUARE_SCRATCH>(
            a.as_words(),
            self.p.as_words(),
            self.inv.0,
        ))
    }

    #[inline(always)]
    fn add(&self, a: &Uint<L>, b: &Uint<L>) -> Uint<L> {
        a.add_mod(b, &self.p)
    }

    #[inline(always)]
    fn sub(&self, a: &Uint<L>, b: &Uint<L>) -> Uint<L> {
        a.sub_mod(b, &self.p)
    }

    #[inline(always)]
    fn dbl(&self, a: &Uint<L>) -> Uint<L> {
        a.add_mod(a, &self.p)
    }

    /// An integer < p into Montgomery form.
    fn enter(&self, x: &Uint<L>) -> Uint<L> {
        self.mul(x, &self.r2)
    }

    /// Montgomery form back to the integer.
    fn leave(&self, x: &Uint<L>) -> Uint<L> {
        Uint::from_words(mont::redc(x.as_words(), self.p.as_words(), self.inv.0))
    }

    /// x⁻¹ = x^(p−2) (Fermat; p prime). Square-and-multiply over the public exponent: the
    /// same sequence of operations for every x of one field. 0 maps to 0.
    fn invert(&self, x: &Uint<L>) -> Uint<L> {
        self.pow(x, &self.p_minus_2)
    }

    /// x^e by square-and-multiply over the bits of `e` below the field's bit length: the
    /// sequence of operations depends on e only (public exponents).
    fn pow(&self, x: &Uint<L>, e: &Uint<L>) -> Uint<L> {
        let mut acc = self.one;
        for i in (0..self.bits).rev() {
            acc = self.sq(&acc);
            if e.bit_vartime(i) {
                acc = self.mul(&acc, x);
            }
        }
        acc
    }
}

/// Projective point (X:Y:Z) for the complete formulas; the identity is (0:1:0).
#[derive(Clone, Copy)]
struct Proj<const L: usize> {
    x: Uint<L>,
    y: Uint<L>,
    z: Uint<L>,
}

impl<const L: usize> ConditionallySelectable for Proj<L> {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        Proj {
            x: Uint::conditional_select(&a.x, &b.x, choice),
            y: Uint::conditional_select(&a.y, &b.y, choice),
            z: Uint::conditional_select(&a.z, &b.z, choice),
        }
    }
}

/// Jacobian point (X:Y:Z) = (X/Z², Y/Z³) for variable-time arithmetic on public points;
/// Z = 0 is the point at infinity.
#[derive(Clone, Copy)]
struct Jac<const L: usize> {
    x: Uint<L>,
    y: Uint<L>,
    z: Uint<L>,
}

impl<const L: usize> Jac<L> {
    const INFINITY: Self = Jac {
        x: Uint::ZERO,
        y: Uint::ZERO,
        z: Uint::ZERO,
    };

    fn is_infinity(&self) -> bool {
        self.z == Uint::ZERO
    }
}

/// What ECDSA verification on a curve builds once: the isomorphism to a curve with a = −3,
/// if there is one, and the odd multiples G, 3G, …, (2^(W_G−1) − 1)·G of the base point
/// (on that curve when there is one), affine, Montgomery form.
#[derive(Debug)]
struct VerifyTables<const L: usize> {
    twist: Option<Twist<L>>,
    g: Vec<(Uint<L>, Uint<L>)>,
}

/// The isomorphism (x, y) ↦ (u²·x, u³·y) from y² = x³ + ax + b to y² = x³ − 3x + u⁶·b,
/// u⁴ = −3/a (RFC 5639 §3 defines the brainpool "t" curves this way; any u with u⁴ = −3/a
/// serves, and only a enters the doubling and addition formulas used here). Doubling with
/// a = −3 costs 3M + 5S instead of 2M + 8S (one multiplication by a and a squaring fewer),
/// and a verification doubles once per scalar bit. Montgomery form.
#[derive(Debug)]
struct Twist<const L: usize> {
    /// u: x on the original curve is X/(Z·u)² for the twisted curve's Jacobian (X:Y:Z).
    u: Uint<L>,
    u2: Uint<L>,
    u3: Uint<L>,
}

/// Which doubling formula the variable-time (verification) arithmetic takes: any a, or
/// a = −3 (on the twisted curve of [`Twist`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Doubling {
    AnyA,
    AMinus3,
}

/// wNAF window of u1 (multiplier of G, from the table built once).
const W_G: u32 = 7;
/// wNAF window of u2 (multiplier of the public key, table built per verification).
const W_Q: u32 = 5;

/// Curve constants at width `L`.
#[derive(Clone, Debug)]
pub(crate) struct Arith<const L: usize> {
    f: Field<L>,
    a: Uint<L>,
    b3: Uint<L>,
    /// Base point, affine, Montgomery form.
    g: (Uint<L>, Uint<L>),
    /// Built on the first verification and shared by every copy of this curve.
    verify_tables: Arc<OnceLock<VerifyTables<L>>>,
}

impl<const L: usize> Arith<L> {
    fn new(p: &EcUint, a: &EcUint, b: &EcUint, g: (&EcUint, &EcUint), field_bits: usize) -> Self {
        let f = Field::new(&shrink::<L>(p), field_bits);
        let a = f.enter(&shrink(a));
        let b = f.enter(&shrink(b));
        let b3 = f.add(&f.dbl(&b), &b);
        let g = (f.enter(&shrink(g.0)), f.enter(&shrink(g.1)));
        Arith {
            f,
            a,
            b3,
            g,
            verify_tables: Arc::new(OnceLock::new()),
        }
    }

    fn identity(&self) -> Proj<L> {
        Proj {
            x: Uint::ZERO,
            y: self.f.one,
            z: Uint::ZERO,
        }
    }

    fn point(&self, x: &EcUint, y: &EcUint) -> Proj<L> {
        Proj {
            x: self.f.enter(&shrink(x)),
            y: self.f.enter(&shrink(y)),
            z: self.f.one,
        }
    }

    /// Complete addition (RCB 2016, algorithm 1): no exceptional case, no branch.
    fn add(&self, p1: &Proj<L>, p2: &Proj<L>) -> Proj<L> {
        let f = &self.f;
        let (x1, y1, z1) = (&p1.x, &p1.y, &p1.z);
        let (x2, y2, z2) = (&p2.x, &p2.y, &p2.z);
        let (a, b3) = (&self.a, &self.b3);
        let mut t0 = f.mul(x1, x2);
        let mut t1 = f.mul(y1, y2);
        let mut t2 = f.mul(z1, z2);
        let mut t3 = f.add(x1, y1);
        let mut t4 = f.add(x2, y2);
        t3 = f.mul(&t3, &t4);
        t4 = f.add(&t0, &t1);
        t3 = f.sub(&t3, &t4);
        t4 = f.add(x1, z1);
        let mut t5 = f.add(x2, z2);
        t4 = f.mul(&t4, &t5);
        t5 = f.add(&t0, &t2);
        t4 = f.sub(&t4, &t5);
        t5 = f.add(y1, z1);
        let mut x3 = f.add(y2, z2);
        t5 = f.mul(&t5, &x3);
        x3 = f.add(&t1, &t2);
        t5 = f.sub(&t5, &x3);
        let mut z3 = f.mul(a, &t4);
        x3 = f.mul(b3, &t2);
        z3 = f.add(&x3, &z3);
        x3 = f.sub(&t1, &z3);
        z3 = f.add(&z3, &t1);
        let mut y3 = f.mul(&x3, &z3);
        t1 = f.add(&t0, &t0);
        t1 = f.add(&t1, &t0);
        t2 = f.mul(a, &t2);
        t4 = f.mul(b3, &t4);
        t1 = f.add(&t1, &t2);
        t2 = f.sub(&t0, &t2);
        t2 = f.mul(a, &t2);
        t4 = f.add(&t4, &t2);
        t0 = f.mul(&t1, &t4);
        y3 = f.add(&y3, &t0);
        t0 = f.mul(&t5, &t4);
        x3 = f.mul(&x3, &t3);
        x3 = f.sub(&x3, &t0);
        t0 = f.mul(&t3, &t1);
        z3 = f.mul(&z3, &t5);
        z3 = f.add(&z3, &t0);
        Proj {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// k·P (+ Q) over the `bits` low bits of k, fixed 4-bit window with constant-time table
    /// selection; affine result as canonical integers, `None` for the identity.
    fn mul_add(
        &self,
        p: (&EcUint, &EcUint),
        k: &EcUint,
        bits: usize,
        q: Option<(&EcUint, &EcUint)>,
    ) -> Option<(EcUint, EcUint)> {
        const W: usize = 4;
        let base = self.point(p.0, p.1);
        let mut table = [self.identity(); 1 << W];
        table[1] = base;
        for i in 2..table.len() {
            table[i] = self.add(&table[i - 1], &base);
        }
        let bits = bits.min(EcUint::BITS);
        let mut acc = self.identity();
        for w in (0..bits.div_ceil(W)).rev() {
            // The W doublings in Jacobian coordinates (cheaper than the complete addition
            // formulas), converted without a branch; the identity keeps Z = 0 throughout.
            let mut j = self.proj_to_jac(&acc);
            for _ in 0..W {
                j = self.double_formula(&j);
            }
            acc = self.jac_to_proj(&j);
            let mut nibble = 0u8;
            for j in (0..W).rev() {
                let i = W * w + j;
                let bit = if i < bits {
                    Choice::from(k.bit(i)).unwrap_u8()
                } else {
                    0
                };
                nibble = (nibble << 1) | bit;
            }
            let mut entry = self.identity();
            for (i, t) in table.iter().enumerate() {
                entry.conditional_assign(t, (i as u8).ct_eq(&nibble));
            }
            acc = self.add(&acc, &entry);
        }
        if let Some(q) = q {
            acc = self.add(&acc, &self.point(q.0, q.1));
        }
        if bool::from(acc.z.ct_eq(&Uint::ZERO)) {
            return None;
        }
        let f = &self.f;
        let zinv = f.invert(&acc.z);
        Some((
            grow(&f.leave(&f.mul(&acc.x, &zinv))),
            grow(&f.leave(&f.mul(&acc.y, &zinv))),
        ))
    }

    /// (X:Y:Z) projective → (X·Z, Y·Z², Z) Jacobian (the same affine point); the identity
    /// (Z = 0) becomes (1, 1, 0), which doubling keeps. Constant time.
    fn proj_to_jac(&self, p: &Proj<L>) -> Jac<L> {
        let f = &self.f;
        let at_infinity = p.z.ct_eq(&Uint::ZERO);
        Jac {
            x: Uint::conditional_select(&f.mul(&p.x, &p.z), &f.one, at_infinity),
            y: Uint::conditional_select(&f.mul(&p.y, &f.sq(&p.z)), &f.one, at_infinity),
            z: p.z,
        }
    }

    /// (X:Y:Z) Jacobian → (X·Z, Y, Z³) projective; Z = 0 gives (0, Y, 0), the identity for
    /// Y ≠ 0 ((1, 1, 0) doubled stays (1, 1, 0)). Constant time.
    fn jac_to_proj(&self, p: &Jac<L>) -> Proj<L> {
        let f = &self.f;
        Proj {
            x: f.mul(&p.x, &p.z),
            y: p.y,
            z: f.mul(&f.sq(&p.z), &p.z),
        }
    }

    // ---- variable time, public data only ------------------------------------------------

    /// 2·P, variable time (skips the point at infinity).
    fn jac_double(&self, p: &Jac<L>, kind: Doubling) -> Jac<L> {
        if p.is_infinity() {
            return *p;
        }
        match kind {
            Doubling::AnyA => self.double_formula(p),
            Doubling::AMinus3 => self.double_a_minus_3(p),
        }
    }

    /// 2·P when a = −3 (EFD `dbl-2001-b`: 3M + 5S); variable time use only (no special care
    /// for Y = 0: Z3 = 0 then, the point at infinity, as it should be).
    fn double_a_minus_3(&self, p: &Jac<L>) -> Jac<L> {
        let f = &self.f;
        let delta = f.sq(&p.z);
        let gamma = f.sq(&p.y);
        let beta = f.mul(&p.x, &gamma);
        let t = f.mul(&f.sub(&p.x, &delta), &f.add(&p.x, &delta));
        let alpha = f.add(&f.dbl(&t), &t);
        let beta4 = f.dbl(&f.dbl(&beta));
        let x3 = f.sub(&f.sq(&alpha), &f.dbl(&beta4));
        let z3 = f.sub(&f.sub(&f.sq(&f.add(&p.y, &p.z)), &gamma), &delta);
        let gamma2_8 = f.dbl(&f.dbl(&f.dbl(&f.sq(&gamma))));
        let y3 = f.sub(&f.mul(&alpha, &f.sub(&beta4, &x3)), &gamma2_8);
        Jac {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// 2·P (EFD `dbl-2007-bl`, any a), without a branch: constant time. Z = 0 stays Z = 0
    /// (the point at infinity; (1, 1, 0) maps to itself), and a point with Y = 0 gives Z3 = 0.
    fn double_formula(&self, p: &Jac<L>) -> Jac<L> {
        let f = &self.f;
        let xx = f.sq(&p.x);
        let yy = f.sq(&p.y);
        let yyyy = f.sq(&yy);
        let zz = f.sq(&p.z);
        let s = f.dbl(&f.sub(&f.sub(&f.sq(&f.add(&p.x, &yy)), &xx), &yyyy));
        let m = f.add(&f.add(&f.dbl(&xx), &xx), &f.mul(&self.a, &f.sq(&zz)));
        let t = f.sub(&f.sq(&m), &f.dbl(&s));
        let yyyy8 = f.dbl(&f.dbl(&f.dbl(&yyyy)));
        Jac {
            x: t,
            y: f.sub(&f.mul(&m, &f.sub(&s, &t)), &yyyy8),
            z: f.sub(&f.sub(&f.sq(&f.add(&p.y, &p.z)), &yy), &zz),
        }
    }

    /// P + Q, both Jacobian (EFD `add-2007-bl`), with the exceptional cases handled.
    fn jac_add(&self, p: &Jac<L>, q: &Jac<L>, kind: Doubling) -> Jac<L> {
        if p.is_infinity() {
            return *q;
        }
        if q.is_infinity() {
            return *p;
        }
        let f = &self.f;
        let z1z1 = f.sq(&p.z);
        let z2z2 = f.sq(&q.z);
        let u1 = f.mul(&p.x, &z2z2);
        let u2 = f.mul(&q.x, &z1z1);
        let s1 = f.mul(&f.mul(&p.y, &q.z), &z2z2);
        let s2 = f.mul(&f.mul(&q.y, &p.z), &z1z1);
        let h = f.sub(&u2, &u1);
        let r = f.dbl(&f.sub(&s2, &s1));
        if h == Uint::ZERO {
            return if r == Uint::ZERO {
                self.jac_double(p, kind)
            } else {
                Jac::INFINITY
            };
        }
        let i = f.sq(&f.dbl(&h));
        let j = f.mul(&h, &i);
        let v = f.mul(&u1, &i);
        let x3 = f.sub(&f.sub(&f.sq(&r), &j), &f.dbl(&v));
        let y3 = f.sub(&f.mul(&r, &f.sub(&v, &x3)), &f.dbl(&f.mul(&s1, &j)));
        let z3 = f.mul(&f.sub(&f.sub(&f.sq(&f.add(&p.z, &q.z)), &z1z1), &z2z2), &h);
        Jac {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// P + (x2, y2) with the second point affine (EFD `madd-2007-bl`).
    fn jac_add_affine(&self, p: &Jac<L>, x2: &Uint<L>, y2: &Uint<L>, kind: Doubling) -> Jac<L> {
        let f = &self.f;
        if p.is_infinity() {
            return Jac {
                x: *x2,
                y: *y2,
                z: f.one,
            };
        }
        let z1z1 = f.sq(&p.z);
        let u2 = f.mul(x2, &z1z1);
        let s2 = f.mul(&f.mul(y2, &p.z), &z1z1);
        let h = f.sub(&u2, &p.x);
        let r = f.dbl(&f.sub(&s2, &p.y));
        if h == Uint::ZERO {
            return if r == Uint::ZERO {
                self.jac_double(p, kind)
            } else {
                Jac::INFINITY
            };
        }
        let hh = f.sq(&h);
        let i = f.dbl(&f.dbl(&hh));
        let j = f.mul(&h, &i);
        let v = f.mul(&p.x, &i);
        let x3 = f.sub(&f.sub(&f.sq(&r), &j), &f.dbl(&v));
        let y3 = f.sub(&f.mul(&r, &f.sub(&v, &x3)), &f.dbl(&f.mul(&p.y, &j)));
        let z3 = f.sub(&f.sub(&f.sq(&f.add(&p.z, &h)), &z1z1), &hh);
        Jac {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// Odd multiples of `p`: p, 3p, …, (2^(w−1) − 1)·p, Jacobian.
    fn odd_multiples(&self, p: &Jac<L>, w: u32, kind: Doubling) -> Vec<Jac<L>> {
        let p2 = self.jac_double(p, kind);
        let mut out = Vec::with_capacity(1 << (w - 2));
        let mut acc = *p;
        for _ in 0..1usize << (w - 2) {
            out.push(acc);
            acc = self.jac_add(&acc, &p2, kind);
        }
        out
    }

    /// The isomorphism to a curve with a = −3 ([`Twist`]), when p ≡ 3 (mod 4) and −3/a is a
    /// square (every brainpool curve; u = 1 when a = −3 already). For such p the squares form
    /// a group of odd order m = (p − 1)/2, so a square t has the fourth root t^e with
    /// e = 4⁻¹ mod m (4e ≡ 1 mod m). One inverse and one exponentiation, once per curve; the
    /// result is checked (u⁴·a = −3), so a non-square gives `None`.
    fn twist(&self) -> Option<Twist<L>> {
        let f = &self.f;
        if self.a == Uint::ZERO || f.p.as_words()[0] & 3 != 3 {
            return None;
        }
        let minus_3 = f.sub(&Uint::ZERO, &f.add(&f.dbl(&f.one), &f.one));
        let target = f.mul(&minus_3, &f.invert(&self.a));
        // 4⁻¹ mod m for odd m = 4q + r: q + 1 when r = 3 ((m + 1)/4), 3q + 1 when r = 1
        // ((3m + 1)/4); no overflow (3q < m < p)
        let m = f.p.shr_vartime(1);
        let q = m.shr_vartime(2);
        let e = if m.as_words()[0] & 3 == 3 {
            q.wrapping_add(&Uint::ONE)
        } else {
            q.wrapping_add(&q).wrapping_add(&q).wrapping_add(&Uint::ONE)
        };
        let u = f.pow(&target, &e);
        let u2 = f.sq(&u);
        if f.mul(&f.sq(&u2), &self.a) != minus_3 {
            return None;
        }
        Some(Twist {
            u3: f.mul(&u2, &u),
            u2,
            u,
        })
    }

    /// The twist and the odd multiples of G in affine form (one inversion for all:
    /// Montgomery's trick), on the twisted curve when there is one.
    fn verify_tables(&self) -> &VerifyTables<L> {
        self.verify_tables.get_or_init(|| {
            let f = &self.f;
            let twist = self.twist();
            let (g, kind) = match &twist {
                Some(t) => (
                    Jac {
                        x: f.mul(&self.g.0, &t.u2),
                        y: f.mul(&self.g.1, &t.u3),
                        z: f.one,
                    },
                    Doubling::AMinus3,
                ),
                None => (
                    Jac {
                        x: self.g.0,
                        y: self.g.1,
                        z: f.one,
                    },
                    Doubling::AnyA,
                ),
            };
            let jac = self.odd_multiples(&g, W_G, kind);
            // On a real curve G has prime order n > 2^(W_G−1), so none of these multiples is
            // the point at infinity and every Z is invertible. Explicit parameters are not
            // checked for that (n need not be prime): a multiple at infinity leaves the table
            // empty, and verification on such a curve fails.
            let mut prefix = Vec::with_capacity(jac.len());
            let mut acc = f.one;
            for p in &jac {
                prefix.push(acc);
                acc = f.mul(&acc, &p.z);
            }
            if acc == Uint::ZERO {
                return VerifyTables {
                    twist,
                    g: Vec::new(),
                };
            }
            let mut inv = f.invert(&acc);
            let mut out = vec![(Uint::ZERO, Uint::ZERO); jac.len()];
            for (i, p) in jac.iter().enumerate().rev() {
                let zinv = f.mul(&inv, &prefix[i]);
                inv = f.mul(&inv, &p.z);
                let zinv2 = f.sq(&zinv);
                out[i] = (f.mul(&p.x, &zinv2), f.mul(&p.y, &f.mul(&zinv2, &zinv)));
            }
            VerifyTables { twist, g: out }
        })
    }

    /// x(u1·G + u2·Q) as a canonical integer, `None` for the point at infinity. Variable
    /// time: for public inputs only (ECDSA verification).
    fn lincomb_vartime(
        &self,
        u1: &EcUint,
        q: (&EcUint, &EcUint),
        u2: &EcUint,
        order_len: usize,
    ) -> Option<EcUint> {
        let f = &self.f;
        let n1 = wnaf(&to_be(u1, order_len), W_G);
        let n2 = wnaf(&to_be(u2, order_len), W_Q);
        let tables = self.verify_tables();
        let gt = &tables.g;
        if gt.is_empty() {
            return None;
        }
        let (mut qx, mut qy) = (f.enter(&shrink(q.0)), f.enter(&shrink(q.1)));
        let kind = match &tables.twist {
            Some(t) => {
                (qx, qy) = (f.mul(&qx, &t.u2), f.mul(&qy, &t.u3));
                Doubling::AMinus3
            }
            None => Doubling::AnyA,
        };
        let qj = Jac {
            x: qx,
            y: qy,
            z: f.one,
        };
        let qt = self.odd_multiples(&qj, W_Q, kind);
        let neg = |y: &Uint<L>| f.sub(&Uint::ZERO, y);
        let mut acc = Jac::INFINITY;
        for i in (0..n1.len().max(n2.len())).rev() {
            acc = self.jac_double(&acc, kind);
            match n1.get(i).copied().unwrap_or(0) {
                0 => {}
                d if d > 0 => {
                    let (x, y) = &gt[(d as usize) >> 1];
                    acc = self.jac_add_affine(&acc, x, y, kind);
                }
                d => {
                    let (x, y) = &gt[(d.unsigned_abs() as usize) >> 1];
                    acc = self.jac_add_affine(&acc, x, &neg(y), kind);
                }
            }
            match n2.get(i).copied().unwrap_or(0) {
                0 => {}
                d if d > 0 => acc = self.jac_add(&acc, &qt[(d as usize) >> 1], kind),
                d => {
                    let t = &qt[(d.unsigned_abs() as usize) >> 1];
                    let t = Jac {
                        x: t.x,
                        y: neg(&t.y),
                        z: t.z,
                    };
                    acc = self.jac_add(&acc, &t, kind);
                }
            }
        }
        if acc.is_infinity() {
            return None;
        }
        // on the twisted curve x = X/(Z·u)² on the original one: one inversion either way
        let z = match &tables.twist {
            Some(t) => f.mul(&acc.z, &t.u),
            None => acc.z,
        };
        let zinv = f.invert(&z);
        Some(grow(&f.leave(&f.mul(&acc.x, &f.sq(&zinv)))))
    }
}

/// Limbs (machine words: 64 or 32 bits) of a field of up to `bits` bits.
const fn limbs(bits: u32) -> usize {
    bits.div_ceil(mont::Word::BITS) as usize
}
const L192: usize = limbs(192);
const L256: usize = limbs(256);
const L320: usize = limbs(320);
const L384: usize = limbs(384);
const L512: usize = limbs(512);
/// Words of the scratch buffer of a squaring: a double-width square at the widest width.
const SQUARE_SCRATCH: usize = 2 * L512;

/// [`Arith`] at the width that fits p (kept inline, like the rest of the curve's constants):
/// up to 192, 256, 320, 384 or 512 bits.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub(crate) enum Narrow {
    W3(Arith<L192>),
    W4(Arith<L256>),
    W5(Arith<L320>),
    W6(Arith<L384>),
    W8(Arith<L512>),
}

macro_rules! each_width {
    ($self:expr, $a:ident => $e:expr) => {
        match $self {
            Narrow::W3($a) => $e,
            Narrow::W4($a) => $e,
            Narrow::W5($a) => $e,
            Narrow::W6($a) => $e,
            Narrow::W8($a) => $e,
        }
    };
}

impl Narrow {
    /// The narrowest width for a field of `field_bits` bits; `None` above 512 bits (the
    /// 576-bit arithmetic of [`super::ec`] is then already the right width). `p` odd, `a`,
    /// `b` and the base point `g` reduced mod p.
    pub(crate) fn for_field(
        p: &EcUint,
        a: &EcUint,
        b: &EcUint,
        g: (&EcUint, &EcUint),
        field_bits: usize,
    ) -> Option<Self> {
        Some(match field_bits {
            0..=192 => Narrow::W3(Arith::new(p, a, b, g, field_bits)),
            193..=256 => Narrow::W4(Arith::new(p, a, b, g, field_bits)),
            257..=320 => Narrow::W5(Arith::new(p, a, b, g, field_bits)),
            321..=384 => Narrow::W6(Arith::new(p, a, b, g, field_bits)),
            385..=512 => Narrow::W8(Arith::new(p, a, b, g, field_bits)),
            _ => return None,
        })
    }

    /// Whether ECDSA verification runs on an isomorphic curve with a = −3 ([`Twist`]).
    #[cfg(test)]
    pub(crate) fn verifies_on_a_minus_3_twist(&self) -> bool {
        each_width!(self, a => a.verify_tables().twist.is_some())
    }

    /// k·P (+ Q) in constant time for a given `bits`; `None` for the identity.
    pub(crate) fn mul_add(
        &self,
        p: (&EcUint, &EcUint),
        k: &EcUint,
        bits: usize,
        q: Option<(&EcUint, &EcUint)>,
    ) -> Option<(EcUint, EcUint)> {
        each_width!(self, a => a.mul_add(p, k, bits, q))
    }

    /// The affine x-coordinate of u1·G + u2·Q, `None` for the point at infinity; u1, u2 < n
    /// (`order_len` octets), Q a validated point. **Variable time: public data only.**
    pub(crate) fn lincomb_vartime(
        &self,
        u1: &EcUint,
        q: (&EcUint, &EcUint),
        u2: &EcUint,
        order_len: usize,
    ) -> Option<EcUint> {
        each_width!(self, a => a.lincomb_vartime(u1, q, u2, order_len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_inversion_and_montgomery_form_round_trip() {
        // p = 2^127 − 1 at 128 bits (two or four limbs)
        const L128: usize = limbs(128);
        let p = Uint::<L128>::MAX.shr_vartime(1);
        let f = Field::new(&p, 127);
        for v in [1u64, 2, 12345, u64::MAX] {
            let x = f.enter(&Uint::from_u64(v));
            assert_eq!(f.leave(&x), Uint::from_u64(v));
            assert_eq!(f.leave(&f.mul(&x, &f.invert(&x))), Uint::ONE);
        }
    }
}
