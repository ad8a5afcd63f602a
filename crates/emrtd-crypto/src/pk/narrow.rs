//! Width-specific Montgomery arithmetic for curves without a RustCrypto implementation
//! (brainpoolP192r1/P224r1/P320r1/P512r1, explicit curves): the scalar multiplications run on
//! `crypto-bigint` residues of the smallest width (3, 4, 5, 6 or 8 limbs) that holds p, instead
//! of the shared 576-bit width. Same algorithms as [`super::ec`]: complete projective formulas
//! (Renes–Costello–Batina 2016, algorithm 1) and a constant-time fixed 4-bit window.

use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::Uint;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

use super::ec::{EcUint, EC_LIMBS};

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

/// Curve constants at width `L`.
#[derive(Clone, Debug)]
pub(crate) struct Arith<const L: usize> {
    fp: DynResidueParams<L>,
    a: DynResidue<L>,
    b3: DynResidue<L>,
    p_minus_2: Uint<L>,
    field_bits: usize,
}

#[derive(Clone, Copy)]
struct Proj<const L: usize> {
    x: DynResidue<L>,
    y: DynResidue<L>,
    z: DynResidue<L>,
}

impl<const L: usize> ConditionallySelectable for Proj<L> {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        Proj {
            x: DynResidue::conditional_select(&a.x, &b.x, choice),
            y: DynResidue::conditional_select(&a.y, &b.y, choice),
            z: DynResidue::conditional_select(&a.z, &b.z, choice),
        }
    }
}

impl<const L: usize> Arith<L> {
    fn new(p: &EcUint, a: &EcUint, b: &EcUint, field_bits: usize) -> Self {
        let p = shrink::<L>(p);
        let fp = DynResidueParams::new(&p);
        let a = DynResidue::new(&shrink(a), fp);
        let b = DynResidue::new(&shrink(b), fp);
        Arith {
            fp,
            a,
            b3: b + b + b,
            p_minus_2: p.wrapping_sub(&Uint::from_u8(2)),
            field_bits,
        }
    }

    fn identity(&self) -> Proj<L> {
        Proj {
            x: DynResidue::zero(self.fp),
            y: DynResidue::one(self.fp),
            z: DynResidue::zero(self.fp),
        }
    }

    fn point(&self, x: &EcUint, y: &EcUint) -> Proj<L> {
        Proj {
            x: DynResidue::new(&shrink(x), self.fp),
            y: DynResidue::new(&shrink(y), self.fp),
            z: DynResidue::one(self.fp),
        }
    }

    /// Complete addition (RCB 2016, algorithm 1).
    fn add(&self, p1: &Proj<L>, p2: &Proj<L>) -> Proj<L> {
        let (x1, y1, z1) = (p1.x, p1.y, p1.z);
        let (x2, y2, z2) = (p2.x, p2.y, p2.z);
        let (a, b3) = (self.a, self.b3);
        let mut t0 = x1 * x2;
        let mut t1 = y1 * y2;
        let mut t2 = z1 * z2;
        let mut t3 = x1 + y1;
        let mut t4 = x2 + y2;
        t3 *= t4;
        t4 = t0 + t1;
        t3 -= t4;
        t4 = x1 + z1;
        let mut t5 = x2 + z2;
        t4 *= t5;
        t5 = t0 + t2;
        t4 -= t5;
        t5 = y1 + z1;
        let mut x3 = y2 + z2;
        t5 *= x3;
        x3 = t1 + t2;
        t5 -= x3;
        let mut z3 = a * t4;
        x3 = b3 * t2;
        z3 = x3 + z3;
        x3 = t1 - z3;
        z3 += t1;
        let mut y3 = x3 * z3;
        t1 = t0 + t0;
        t1 += t0;
        t2 = a * t2;
        t4 = b3 * t4;
        t1 += t2;
        t2 = t0 - t2;
        t2 = a * t2;
        t4 += t2;
        t0 = t1 * t4;
        y3 += t0;
        t0 = t5 * t4;
        x3 *= t3;
        x3 -= t0;
        t0 = t3 * t1;
        z3 *= t5;
        z3 += t0;
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
            for _ in 0..W {
                acc = self.add(&acc, &acc);
            }
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
        if bool::from(acc.z.retrieve().ct_eq(&Uint::ZERO)) {
            return None;
        }
        let zinv = acc.z.pow_bounded_exp(&self.p_minus_2, self.field_bits);
        Some((
            grow(&(acc.x * zinv).retrieve()),
            grow(&(acc.y * zinv).retrieve()),
        ))
    }
}

/// [`Arith`] at the width that fits p (kept inline, like the rest of the curve's constants).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub(crate) enum Narrow {
    W3(Arith<3>),
    W4(Arith<4>),
    W5(Arith<5>),
    W6(Arith<6>),
    W8(Arith<8>),
}

impl Narrow {
    /// The narrowest width for a field of `field_bits` bits; `None` above 512 bits (the
    /// 576-bit arithmetic of [`super::ec`] is then already the right width).
    pub(crate) fn for_field(p: &EcUint, a: &EcUint, b: &EcUint, field_bits: usize) -> Option<Self> {
        Some(match field_bits.div_ceil(64) {
            0..=3 => Narrow::W3(Arith::new(p, a, b, field_bits)),
            4 => Narrow::W4(Arith::new(p, a, b, field_bits)),
            5 => Narrow::W5(Arith::new(p, a, b, field_bits)),
            6 => Narrow::W6(Arith::new(p, a, b, field_bits)),
            7 | 8 => Narrow::W8(Arith::new(p, a, b, field_bits)),
            _ => return None,
        })
    }

    /// k·P (+ Q) in constant time for a given `bits`; `None` for the identity.
    pub(crate) fn mul_add(
        &self,
        p: (&EcUint, &EcUint),
        k: &EcUint,
        bits: usize,
        q: Option<(&EcUint, &EcUint)>,
    ) -> Option<(EcUint, EcUint)> {
        match self {
            Narrow::W3(a) => a.mul_add(p, k, bits, q),
            Narrow::W4(a) => a.mul_add(p, k, bits, q),
            Narrow::W5(a) => a.mul_add(p, k, bits, q),
            Narrow::W6(a) => a.mul_add(p, k, bits, q),
            Narrow::W8(a) => a.mul_add(p, k, bits, q),
        }
    }
}
