//! Short Weierstrass curves y² = x³ + ax + b over prime fields, with explicit domain
//! parameters (p, a, b, G, n, h).
//!
//! Curves with a RustCrypto fixed-width implementation (P-192/224/256/384/521,
//! brainpoolP256r1/P384r1) use it for every secret scalar multiplication (the private module
//! `named`), whether they were given by id or as explicit parameters equal to the standardized
//! ones. The other curves up to 512 bits use the narrow-width Montgomery arithmetic of the
//! private module `narrow`; so does ECDSA verification on brainpoolP256r1/P384r1, where its
//! variable-time Jacobian wNAF is faster than the crates. Curves above 512 bits without a crate
//! use `crypto-bigint` residues with a fixed width of 576 bits (the generic reference): complete
//! projective addition formulas of Renes, Costello and Batina (2016, algorithm 1, any `a`), so
//! adding and doubling never branch on the operands, and secret-scalar multiplication with a
//! fixed 4-bit window over a public number of bits and constant-time table selection.

use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::NonZero;
use rand_core::CryptoRngCore;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq, ConstantTimeLess};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::named::Named;
use super::narrow::Narrow;
use super::uint::{byte_len, from_be, to_be, EcUint, EC_LIMBS};
use super::PkError;

/// Number of limbs used for every EC field element and scalar.
type Fe = DynResidue<EC_LIMBS>;

/// An elliptic curve over a prime field, with a base point of prime order.
#[derive(Clone, Debug)]
pub struct EcCurve {
    pub(crate) id: Option<u8>,
    pub(crate) name: &'static str,
    p: EcUint,
    p_minus_2: EcUint,
    p_plus_1_div_4: Option<EcUint>,
    a_int: EcUint,
    b_int: EcUint,
    n: EcUint,
    n_minus_2: EcUint,
    h: EcUint,
    fp: DynResidueParams<EC_LIMBS>,
    fn_params: DynResidueParams<EC_LIMBS>,
    a: Fe,
    b: Fe,
    b3: Fe,
    g: EcPoint,
    field_bits: usize,
    field_len: usize,
    order_bits: usize,
    order_len: usize,
    /// Fixed-width implementation of these parameters, if there is one.
    fast: Option<Named>,
    /// Otherwise: generic arithmetic at the narrowest width that holds p (up to 512 bits).
    narrow: Option<Narrow>,
    /// For a named curve whose ECDSA verification is faster on the narrow-width Jacobian wNAF
    /// than on its crate ([`Named::verifies_on_narrow`]): that arithmetic, for verification
    /// only (public data); secret scalars stay on the crate's constant-time code.
    verify_narrow: Option<Narrow>,
}

/// A finite point of an [`EcCurve`] in affine coordinates. Points are only produced by the
/// curve's validating decoder or by arithmetic on valid points.
#[derive(Clone, Copy, Debug)]
pub struct EcPoint {
    x: Fe,
    y: Fe,
}

/// A secret scalar (private key, nonce or Chip Authentication data) modulo the group order.
/// Zeroized on drop; never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct EcScalar {
    value: EcUint,
    /// Number of bits the ladder iterates over (public).
    #[zeroize(skip)]
    bits: usize,
}

impl core::fmt::Debug for EcScalar {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("EcScalar(<secret>)")
    }
}

/// Projective point (X:Y:Z); the identity is (0:1:0).
#[derive(Clone, Copy)]
struct Proj {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl Proj {
    /// (X:Y:0) with Y ≠ 0. The complete formulas return (0:0:0) only for the exceptional
    /// inputs that exist on curves of even order; that is not the identity.
    fn is_identity(&self) -> bool {
        bool::from(self.z.retrieve().ct_eq(&EcUint::ZERO) & !self.y.retrieve().ct_eq(&EcUint::ZERO))
    }
}

impl ConditionallySelectable for Proj {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        Proj {
            x: Fe::conditional_select(&a.x, &b.x, choice),
            y: Fe::conditional_select(&a.y, &b.y, choice),
            z: Fe::conditional_select(&a.z, &b.z, choice),
        }
    }
}

fn parse_uint(bytes: &[u8], what: &'static str) -> Result<EcUint, PkError> {
    from_be::<EC_LIMBS>(bytes).ok_or(PkError::InvalidDomainParameters(what))
}

fn is_zero(x: &EcUint) -> bool {
    bool::from(x.ct_eq(&EcUint::ZERO))
}

impl EcCurve {
    // `EcCurve::new` (explicit parameters) is in `standard.rs`: it first looks for a
    // standardized curve with the same parameters, and this module knows none of them.

    /// Take over the arithmetic (fast path, tables of multiples of G) of `standardized`, a
    /// curve with the same parameters.
    pub(super) fn share_arithmetic_of(&mut self, standardized: &EcCurve) {
        self.fast = standardized.fast;
        self.narrow = standardized.narrow.clone();
        self.verify_narrow = standardized.verify_narrow.clone();
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn build(
        id: Option<u8>,
        name: &'static str,
        p: &[u8],
        a: &[u8],
        b: &[u8],
        gx: &[u8],
        gy: &[u8],
        n: &[u8],
        h: &[u8],
        check_order: bool,
    ) -> Result<Self, PkError> {
        let p_int = parse_uint(p, "prime p is longer than 576 bits")?;
        let field_bits = p_int.bits_vartime();
        if p_int.as_words()[0] & 1 == 0 || field_bits < 3 {
            return Err(PkError::InvalidDomainParameters(
                "prime p must be odd and > 3",
            ));
        }
        let a_int = parse_uint(a, "coefficient a too long")?;
        let b_int = parse_uint(b, "coefficient b too long")?;
        let gx_int = parse_uint(gx, "base point x too long")?;
        let gy_int = parse_uint(gy, "base point y too long")?;
        for v in [&a_int, &b_int, &gx_int, &gy_int] {
            if v.cmp_vartime(&p_int) != core::cmp::Ordering::Less {
                return Err(PkError::InvalidDomainParameters(
                    "curve coefficients and base point coordinates must be < p",
                ));
            }
        }
        let n_int = parse_uint(n, "order n too long")?;
        if n_int.as_words()[0] & 1 == 0 || n_int.bits_vartime() < 2 {
            return Err(PkError::InvalidDomainParameters(
                "order n must be odd and > 1",
            ));
        }
        let h_int = if h.is_empty() {
            EcUint::ONE
        } else {
            parse_uint(h, "cofactor too long")?
        };
        if is_zero(&h_int) {
            return Err(PkError::InvalidDomainParameters("cofactor must be ≥ 1"));
        }
        let fp = DynResidueParams::new(&p_int);
        let fn_params = DynResidueParams::new(&n_int);
        let a_fe = Fe::new(&a_int, fp);
        let b_fe = Fe::new(&b_int, fp);
        let b3 = b_fe + b_fe + b_fe;
        // 4a³ + 27b² ≠ 0
        let four = Fe::new(&EcUint::from_u8(4), fp);
        let tw7 = Fe::new(&EcUint::from_u8(27), fp);
        let disc = four * a_fe.square() * a_fe + tw7 * b_fe.square();
        if bool::from(disc.retrieve().ct_eq(&EcUint::ZERO)) {
            return Err(PkError::InvalidDomainParameters(
                "singular curve (4a³ + 27b² = 0)",
            ));
        }
        let p_plus_1_div_4 = if p_int.as_words()[0] & 3 == 3 {
            Some(p_int.wrapping_add(&EcUint::ONE).shr_vartime(2))
        } else {
            None
        };
        let curve = EcCurve {
            id,
            name,
            p: p_int,
            p_minus_2: p_int.wrapping_sub(&EcUint::from_u8(2)),
            p_plus_1_div_4,
            a_int,
            b_int,
            n: n_int,
            n_minus_2: n_int.wrapping_sub(&EcUint::from_u8(2)),
            h: h_int,
            fp,
            fn_params,
            a: a_fe,
            b: b_fe,
            b3,
            g: EcPoint {
                x: Fe::new(&gx_int, fp),
                y: Fe::new(&gy_int, fp),
            },
            field_bits,
            field_len: byte_len(field_bits),
            order_bits: n_int.bits_vartime(),
            order_len: byte_len(n_int.bits_vartime()),
            fast: id.and_then(Named::from_id),
            narrow: None,
            verify_narrow: None,
        };
        if !curve.is_on_curve(&curve.g) {
            return Err(PkError::InvalidDomainParameters(
                "base point is not on the curve",
            ));
        }
        let mut curve = curve;
        let narrow = || Narrow::for_field(&p_int, &a_int, &b_int, (&gx_int, &gy_int), field_bits);
        match curve.fast {
            None => curve.narrow = narrow(),
            Some(named) if named.verifies_on_narrow() => curve.verify_narrow = narrow(),
            Some(_) => {}
        }
        if let Some(fast) = curve.fast {
            if fast.generator() != curve.encode_point(&curve.g) {
                return Err(PkError::InvalidDomainParameters(
                    "base point differs from the named curve's",
                ));
            }
        }
        if check_order {
            curve.check_order()?;
        }
        Ok(curve)
    }

    /// n·G = O, with the generic arithmetic (a scalar multiplication: milliseconds).
    pub(crate) fn check_order(&self) -> Result<(), PkError> {
        let ng = self.ladder(&self.to_proj(&self.g), &self.n, self.order_bits);
        if !ng.is_identity() {
            return Err(PkError::InvalidDomainParameters("n·G is not the identity"));
        }
        Ok(())
    }

    /// The same curve on the generic 576-bit arithmetic only: the reference that tests and
    /// benchmarks compare the fixed-width paths with. Points and scalars of one are valid for
    /// the other.
    #[doc(hidden)]
    pub fn generic_reference(&self) -> EcCurve {
        EcCurve {
            fast: None,
            narrow: None,
            verify_narrow: None,
            ..self.clone()
        }
    }

    /// Whether scalar multiplications run on width-specific arithmetic (a named-curve
    /// implementation, or Montgomery residues of the narrowest width that holds p) rather than
    /// the shared 576-bit width.
    pub fn has_fast_arithmetic(&self) -> bool {
        self.fast.is_some() || self.narrow.is_some()
    }

    /// A point produced by the named-curve arithmetic (already on the curve).
    fn trusted_point(&self, bytes: &[u8]) -> Result<EcPoint, PkError> {
        let l = self.field_len;
        if bytes.len() != 1 + 2 * l {
            return Err(PkError::IdentityResult);
        }
        let x = parse_uint(&bytes[1..1 + l], "x")?;
        let y = parse_uint(&bytes[1 + l..], "y")?;
        Ok(EcPoint {
            x: self.fe(&x),
            y: self.fe(&y),
        })
    }

    /// The scalar's value as big-endian octets, as many as its (public) bit count needs.
    fn scalar_octets(k: &EcScalar) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(to_be(&k.value, byte_len(k.bits)))
    }

    /// The named curve's arithmetic, where secret scalar multiplications run on it.
    fn fast_for_secrets(&self) -> Option<Named> {
        self.fast.filter(|f| !f.multiplies_on_narrow())
    }

    /// The narrow-width arithmetic, where secret scalar multiplications run on it: curves
    /// without a named implementation, and named curves whose multiplication is faster there
    /// ([`Named::multiplies_on_narrow`]; their narrow arithmetic is built for verification).
    fn narrow_for_secrets(&self) -> Option<&Narrow> {
        match self.fast {
            None => self.narrow.as_ref(),
            Some(f) if f.multiplies_on_narrow() => self.verify_narrow.as_ref(),
            Some(_) => None,
        }
    }

    /// The named curve these parameters are (also when they were given explicitly), if it has
    /// a fixed-width implementation.
    pub(crate) fn named(&self) -> Option<Named> {
        self.fast
    }

    /// Standardized domain parameter id (ICAO 9303-11 §9.5.1) if this is a standardized curve.
    pub fn standardized_id(&self) -> Option<u8> {
        self.id
    }

    /// Human-readable curve name ("brainpoolP256r1", "explicit curve", ...).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Length in octets of a field element (and of the shared secret).
    pub fn field_size(&self) -> usize {
        self.field_len
    }

    /// Bit length of the prime p.
    pub fn field_bits(&self) -> usize {
        self.field_bits
    }

    /// Bit length of the group order n.
    pub fn order_bits(&self) -> usize {
        self.order_bits
    }

    /// Length in octets of the group order n (FE2OS length of scalars).
    pub fn order_size(&self) -> usize {
        self.order_len
    }

    /// The prime p, big-endian, `field_size()` octets.
    pub fn p(&self) -> Vec<u8> {
        to_be(&self.p, self.field_len)
    }

    /// The coefficient a, big-endian, `field_size()` octets.
    pub fn a(&self) -> Vec<u8> {
        to_be(&self.a_int, self.field_len)
    }

    /// The coefficient b, big-endian, `field_size()` octets.
    pub fn b(&self) -> Vec<u8> {
        to_be(&self.b_int, self.field_len)
    }

    /// The order n of the base point, big-endian, `order_size()` octets.
    pub fn order(&self) -> Vec<u8> {
        to_be(&self.n, self.order_len)
    }

    /// The cofactor h, minimal big-endian.
    pub fn cofactor(&self) -> Vec<u8> {
        let bits = self.h.bits_vartime().max(1);
        to_be(&self.h, byte_len(bits))
    }

    /// The base point G.
    pub fn generator(&self) -> EcPoint {
        self.g
    }

    /// True if both curves have the same p, a, b, G, n and h.
    pub fn same_parameters(&self, other: &EcCurve) -> bool {
        self.p == other.p
            && self.a_int == other.a_int
            && self.b_int == other.b_int
            && self.n == other.n
            && self.h == other.h
            && self.g.x.retrieve() == other.g.x.retrieve()
            && self.g.y.retrieve() == other.g.y.retrieve()
    }

    fn fe(&self, x: &EcUint) -> Fe {
        Fe::new(x, self.fp)
    }

    fn is_on_curve(&self, pt: &EcPoint) -> bool {
        let lhs = pt.y.square();
        let rhs = pt.x.square() * pt.x + self.a * pt.x + self.b;
        bool::from(lhs.ct_eq(&rhs))
    }

    fn identity(&self) -> Proj {
        Proj {
            x: Fe::zero(self.fp),
            y: Fe::one(self.fp),
            z: Fe::zero(self.fp),
        }
    }

    fn to_proj(&self, pt: &EcPoint) -> Proj {
        Proj {
            x: pt.x,
            y: pt.y,
            z: Fe::one(self.fp),
        }
    }

    /// Complete addition (RCB 2016, algorithm 1).
    fn add_proj(&self, p1: &Proj, p2: &Proj) -> Proj {
        let (x1, y1, z1) = (p1.x, p1.y, p1.z);
        let (x2, y2, z2) = (p2.x, p2.y, p2.z);
        let a = self.a;
        let b3 = self.b3;
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

    /// k·P over the `bits` low bits of `k` with a fixed 4-bit window: constant time for a
    /// given `bits` (every window does four doublings and one addition of a table entry picked
    /// by constant-time selection over the whole table; the complete formulas need no special
    /// case for the identity or equal points).
    fn ladder(&self, base: &Proj, k: &EcUint, bits: usize) -> Proj {
        const W: usize = 4;
        let mut table = [self.identity(); 1 << W];
        table[1] = *base;
        for i in 2..table.len() {
            table[i] = self.add_proj(&table[i - 1], base);
        }
        let bits = bits.min(EcUint::BITS);
        let mut acc = self.identity();
        for w in (0..bits.div_ceil(W)).rev() {
            for _ in 0..W {
                acc = self.add_proj(&acc, &acc);
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
            acc = self.add_proj(&acc, &entry);
        }
        acc
    }

    /// Projective → affine; `None` for the identity. Constant time apart from the final
    /// identity test.
    fn to_affine(&self, pt: &Proj) -> Option<EcPoint> {
        if bool::from(pt.z.retrieve().ct_eq(&EcUint::ZERO)) {
            return None;
        }
        let zinv = pt.z.pow_bounded_exp(&self.p_minus_2, self.field_bits);
        Some(EcPoint {
            x: pt.x * zinv,
            y: pt.y * zinv,
        })
    }

    /// Decodes an uncompressed point `04 || X || Y` and validates it as a public key: correct
    /// length, coordinates < p, on the curve, not the identity, and in the subgroup of order n
    /// when the cofactor is not 1.
    pub fn decode_point(&self, bytes: &[u8]) -> Result<EcPoint, PkError> {
        let l = self.field_len;
        if bytes.len() != 1 + 2 * l {
            return Err(PkError::InvalidEncoding(
                "an uncompressed point needs 1 + 2·(field size) octets",
            ));
        }
        match bytes.first() {
            Some(0x04) => {}
            _ => {
                return Err(PkError::InvalidEncoding(
                    "only uncompressed points (first octet 04) are accepted",
                ))
            }
        }
        let x = parse_uint(&bytes[1..1 + l], "x").map_err(|_| PkError::CoordinateOutOfRange)?;
        let y = parse_uint(&bytes[1 + l..], "y").map_err(|_| PkError::CoordinateOutOfRange)?;
        if !bool::from(x.ct_lt(&self.p)) || !bool::from(y.ct_lt(&self.p)) {
            return Err(PkError::CoordinateOutOfRange);
        }
        let pt = EcPoint {
            x: self.fe(&x),
            y: self.fe(&y),
        };
        if !self.is_on_curve(&pt) {
            return Err(PkError::NotOnCurve);
        }
        if self.h != EcUint::ONE {
            let np = self.ladder(&self.to_proj(&pt), &self.n, self.order_bits);
            if !np.is_identity() {
                return Err(PkError::NotInSubgroup);
            }
        }
        Ok(pt)
    }

    /// Encodes a point uncompressed: `04 || X || Y`, each coordinate `field_size()` octets.
    pub fn encode_point(&self, pt: &EcPoint) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 2 * self.field_len);
        out.push(0x04);
        out.extend_from_slice(&to_be(&pt.x.retrieve(), self.field_len));
        out.extend_from_slice(&to_be(&pt.y.retrieve(), self.field_len));
        out
    }

    /// The x-coordinate of a point, `field_size()` octets (the ECKA shared secret format).
    pub fn x_coordinate(&self, pt: &EcPoint) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(to_be(&pt.x.retrieve(), self.field_len))
    }

    /// Constant-time point equality.
    pub fn points_equal(&self, a: &EcPoint, b: &EcPoint) -> bool {
        bool::from(a.x.ct_eq(&b.x) & a.y.ct_eq(&b.y))
    }

    /// k·P in constant time. Fails only if the result is the identity.
    pub fn mul(&self, pt: &EcPoint, k: &EcScalar) -> Result<EcPoint, PkError> {
        if let Some(fast) = self.fast_for_secrets() {
            // key pairs (public comparison with G): the named curve's table of multiples of G
            let out = if fast.has_generator_table() && self.points_equal(pt, &self.g) {
                fast.mul_generator(&Self::scalar_octets(k))
            } else {
                fast.mul(&self.encode_point(pt), &Self::scalar_octets(k))
            }
            .ok_or(PkError::IdentityResult)?;
            return self.trusted_point(&out);
        }
        if let Some(nw) = self.narrow_for_secrets() {
            let (x, y) = nw
                .mul_add((&pt.x.retrieve(), &pt.y.retrieve()), &k.value, k.bits, None)
                .ok_or(PkError::IdentityResult)?;
            return Ok(EcPoint {
                x: self.fe(&x),
                y: self.fe(&y),
            });
        }
        let r = self.ladder(&self.to_proj(pt), &k.value, k.bits);
        self.to_affine(&r).ok_or(PkError::IdentityResult)
    }

    /// P + Q (complete formulas, no secret-dependent branch). Fails if the sum is the identity.
    pub fn add(&self, p: &EcPoint, q: &EcPoint) -> Result<EcPoint, PkError> {
        let r = self.add_proj(&self.to_proj(p), &self.to_proj(q));
        self.to_affine(&r).ok_or(PkError::IdentityResult)
    }

    /// Interprets big-endian bytes (at most 72) as a secret integer for multiplication, without
    /// reducing it: the ladder runs over max(order bits, 8·len) bits. Used for the PACE nonce s.
    pub fn scalar_from_bytes_unreduced(&self, bytes: &[u8]) -> Result<EcScalar, PkError> {
        let value = from_be::<EC_LIMBS>(bytes).ok_or(PkError::InvalidScalar)?;
        Ok(EcScalar {
            value,
            bits: self.order_bits.max(8 * bytes.len()).min(EcUint::BITS),
        })
    }

    /// A private key from big-endian bytes: must satisfy 1 ≤ k < n.
    pub fn scalar_from_bytes(&self, bytes: &[u8]) -> Result<EcScalar, PkError> {
        let value = Zeroizing::new(from_be::<EC_LIMBS>(bytes).ok_or(PkError::InvalidScalar)?);
        let ok = value.ct_lt(&self.n) & !value.ct_eq(&EcUint::ZERO);
        if !bool::from(ok) {
            return Err(PkError::InvalidScalar);
        }
        Ok(EcScalar {
            value: *value,
            bits: self.order_bits,
        })
    }

    /// The scalar as `order_size()` big-endian octets (FE2OS).
    pub fn scalar_to_bytes(&self, k: &EcScalar) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(to_be(&k.value, self.order_len))
    }

    /// A uniformly random scalar in [1, n−1] (rejection sampling).
    pub fn random_scalar(&self, rng: &mut impl CryptoRngCore) -> EcScalar {
        let mut buf = Zeroizing::new(vec![0u8; self.order_len]);
        let excess_bits = 8 * self.order_len - self.order_bits;
        loop {
            rng.fill_bytes(&mut buf);
            if let Some(first) = buf.first_mut() {
                *first &= 0xFFu8 >> excess_bits;
            }
            if let Ok(k) = self.scalar_from_bytes(&buf) {
                return k;
            }
        }
    }

    /// Chip Authentication data of PACE-CAM: CA = sk_ic⁻¹ · sk_map mod n (ICAO 9303-11
    /// §4.4.3.5.1), computed in constant time (Fermat inversion, n prime).
    pub fn cam_chip_authentication_data(&self, sk_ic: &EcScalar, sk_map: &EcScalar) -> EcScalar {
        if let Some(fast) = self.fast {
            if let Some(bytes) =
                fast.cam_data(&Self::scalar_octets(sk_ic), &Self::scalar_octets(sk_map))
            {
                if let Some(value) = from_be::<EC_LIMBS>(&bytes) {
                    return EcScalar {
                        value,
                        bits: self.order_bits,
                    };
                }
            }
        }
        let x = DynResidue::new(&sk_ic.value, self.fn_params);
        let inv = x.pow_bounded_exp(&self.n_minus_2, self.order_bits);
        let y = DynResidue::new(&sk_map.value, self.fn_params);
        let mut prod = inv * y;
        let value = prod.retrieve();
        prod.zeroize();
        EcScalar {
            value,
            bits: self.order_bits,
        }
    }

    /// Reduces an arbitrary-length big-endian octet string modulo p in constant time
    /// (Horner evaluation on Montgomery residues).
    fn reduce_mod_p(&self, bytes: &[u8]) -> Fe {
        let base = self.fe(&EcUint::from_u16(256));
        let mut acc = Fe::zero(self.fp);
        for b in bytes {
            acc = acc * base + self.fe(&EcUint::from_u8(*b));
        }
        acc
    }

    /// The point encoding f_G of the PACE Integrated Mapping (ICAO 9303-11 §4.4.3.3.2 and
    /// App. B, the simplified SWU map of Brier et al.), applied to `R_p(s,t)` given as the raw
    /// pseudo-random octet string (reduced mod p here). Requires p ≡ 3 (mod 4): P-224 cannot be
    /// used with the Integrated Mapping. The result is multiplied by the cofactor.
    pub fn integrated_map(&self, prf_output: &[u8]) -> Result<EcPoint, PkError> {
        let exp = self
            .p_plus_1_div_4
            .ok_or(PkError::IntegratedMappingUnsupported)?;
        if is_zero(&self.a_int) || is_zero(&self.b_int) {
            return Err(PkError::IntegratedMappingUnsupported);
        }
        let t = self.reduce_mod_p(prf_output);
        let one = Fe::one(self.fp);
        let inv = |x: &Fe| x.pow_bounded_exp(&self.p_minus_2, self.field_bits);
        // 1. α = −t²
        let alpha = -t.square();
        // 2. X2 = −b·a⁻¹·(1 + (α + α²)⁻¹)
        let d = alpha + alpha.square();
        if bool::from(d.retrieve().ct_eq(&EcUint::ZERO)) {
            return Err(PkError::MappingFailed);
        }
        let x2 = -(self.b * inv(&self.a) * (one + inv(&d)));
        // 3. X3 = α·X2
        let x3 = alpha * x2;
        // 4. h2 = X2³ + a·X2 + b
        let h2 = x2.square() * x2 + self.a * x2 + self.b;
        // 6. U = t³·h2
        let u = t.square() * t * h2;
        // 7. A = h2^(p − 1 − (p+1)/4)
        let e = self.p.wrapping_sub(&EcUint::ONE).wrapping_sub(&exp);
        let a_val = h2.pow_bounded_exp(&e, self.field_bits);
        // 8./9. choose (X2, A·h2) if A²·h2 = 1, else (X3, A·U)
        let is_square = (a_val.square() * h2).ct_eq(&one);
        let x = Fe::conditional_select(&x3, &x2, is_square);
        let y = Fe::conditional_select(&(a_val * u), &(a_val * h2), is_square);
        let pt = EcPoint { x, y };
        if !self.is_on_curve(&pt) {
            return Err(PkError::MappingFailed);
        }
        if self.h != EcUint::ONE {
            let r = self.ladder(&self.to_proj(&pt), &self.h, self.h.bits_vartime());
            return self.to_affine(&r).ok_or(PkError::MappingFailed);
        }
        Ok(pt)
    }

    /// Whether the Integrated Mapping's point encoding is defined: p ≡ 3 (mod 4), a ≠ 0, b ≠ 0.
    pub fn supports_integrated_mapping(&self) -> bool {
        self.p_plus_1_div_4.is_some() && !is_zero(&self.a_int) && !is_zero(&self.b_int)
    }

    /// ECDSA signature verification (SEC 1 §4.1.4) of a message hash, for public data only
    /// (variable time): `q` a validated public key, `r` and `s` unsigned big-endian integers.
    /// The hash is truncated to the bit length of n as SEC 1 says. Named curves (also when
    /// given by explicit parameters) use interleaved wNAF on their fixed-width arithmetic,
    /// other curves Shamir's trick on the generic arithmetic.
    pub fn ecdsa_verify_prehashed(&self, q: &EcPoint, hashed: &[u8], r: &[u8], s: &[u8]) -> bool {
        let e = self.bits2int(hashed);
        if let Some(valid) = self
            .fast
            .and_then(|fast| fast.ecdsa_verify_vartime(&self.encode_point(q), &e, r, s))
        {
            return valid;
        }
        self.generic_ecdsa_verify(q, &e, r, s)
    }

    /// SEC 1 §4.1.4 steps 1–5: r and s in [1, n−1], then u1 = e·s⁻¹ and u2 = r·s⁻¹ mod n.
    /// Returns (r, u1, u2); `None` if r or s is out of range.
    fn ecdsa_scalars(&self, e: &[u8], r: &[u8], s: &[u8]) -> Option<(EcUint, EcUint, EcUint)> {
        let parse = |v: &[u8]| -> Option<EcUint> {
            let v = from_be::<EC_LIMBS>(v)?;
            (v != EcUint::ZERO && v.cmp_vartime(&self.n) == core::cmp::Ordering::Less).then_some(v)
        };
        let r_i = parse(r)?;
        let s_i = parse(s)?;
        let e_i = from_be::<EC_LIMBS>(e)?;
        let modn = |x: &EcUint| DynResidue::new(x, self.fn_params);
        // e < 2^order_bits < 2n: one conditional subtraction reduces it.
        let e_red = if e_i.cmp_vartime(&self.n) == core::cmp::Ordering::Less {
            e_i
        } else {
            e_i.wrapping_sub(&self.n)
        };
        let w = modn(&s_i).pow_bounded_exp(&self.n_minus_2, self.order_bits);
        let u1 = (modn(&e_red) * w).retrieve();
        let u2 = (modn(&r_i) * w).retrieve();
        Some((r_i, u1, u2))
    }

    /// SEC 1 §4.1.4 step 8: x mod n = r. A true remainder: on an explicit curve n may be far
    /// smaller than p, so repeated subtraction could run for ever.
    fn x_matches_r(&self, x: &EcUint, r: &EcUint) -> bool {
        let Some(n) = Option::<NonZero<EcUint>>::from(NonZero::new(self.n)) else {
            return false;
        };
        x.rem(&n) == *r
    }

    /// The leftmost order-bits bits of a hash, big-endian (not reduced).
    fn bits2int(&self, hashed: &[u8]) -> Vec<u8> {
        let hashed = &hashed[..hashed.len().min(self.order_len)];
        let excess = (8 * hashed.len()).saturating_sub(self.order_bits);
        if excess == 0 {
            return hashed.to_vec();
        }
        let mut out = vec![0u8; hashed.len()];
        let mut carry = 0u8;
        for (o, b) in out.iter_mut().zip(hashed) {
            *o = (b >> excess) | carry;
            carry = b.checked_shl(8 - excess as u32).unwrap_or(0);
        }
        out
    }

    fn generic_ecdsa_verify(&self, q: &EcPoint, e: &[u8], r: &[u8], s: &[u8]) -> bool {
        let Some((r_i, u1, u2)) = self.ecdsa_scalars(e, r, s) else {
            return false;
        };
        if let Some(nw) = self.narrow.as_ref().or(self.verify_narrow.as_ref()) {
            // Interleaved wNAF in Jacobian coordinates at the width of p (variable time:
            // the public key, the signature and the hash are public).
            let qx = q.x.retrieve();
            let qy = q.y.retrieve();
            return nw
                .lincomb_vartime(&u1, (&qx, &qy), &u2, self.order_len)
                .is_some_and(|x| self.x_matches_r(&x, &r_i));
        }
        // Shamir's trick: one pass over the bits of u1 and u2 with G, Q and G + Q.
        let g = self.to_proj(&self.g);
        let qp = self.to_proj(q);
        let gq = self.add_proj(&g, &qp);
        let bits = u1.bits_vartime().max(u2.bits_vartime());
        let mut acc = self.identity();
        for i in (0..bits).rev() {
            acc = self.add_proj(&acc, &acc);
            match (u1.bit_vartime(i), u2.bit_vartime(i)) {
                (true, true) => acc = self.add_proj(&acc, &gq),
                (true, false) => acc = self.add_proj(&acc, &g),
                (false, true) => acc = self.add_proj(&acc, &qp),
                (false, false) => {}
            }
        }
        let Some(pt) = self.to_affine(&acc) else {
            return false;
        };
        self.x_matches_r(&pt.x.retrieve(), &r_i)
    }

    /// The public key on the Generic Mapping's generator in one call: sk·G' with
    /// G' = s·G + H and H = sk_map·P, P the peer's validated mapping public key (ICAO 9303-11
    /// §4.4.3.3.1), the same point as [`EcCurve::mul`], [`EcCurve::generic_map`] and
    /// [`EcCurve::mul`] in turn give. On curves of cofactor 1 with width-specific arithmetic
    /// (every standardized curve) it is computed as (sk·s)·G + (sk·sk_map)·P with the scalars
    /// multiplied modulo n: two scalar multiplications instead of three (one variable-base one
    /// fewer). On P-192…P-384 in one pass, with one inversion instead of three; elsewhere
    /// (sk·sk_map)·P first, then the k·G + Q of the mapping (two inversions). In constant
    /// time. Fails with [`PkError::IdentityResult`] where G' (or H) is the identity, like the
    /// three steps.
    pub fn generic_map_public_key(
        &self,
        s: &[u8],
        sk_map: &EcScalar,
        p: &EcPoint,
        sk: &EcScalar,
    ) -> Result<EcPoint, PkError> {
        if let Some(fast) = self
            .fast_for_secrets()
            .filter(|f| f.fuses_generic_mapping())
        {
            let s = self.scalar_from_bytes_unreduced(s)?;
            let out = fast
                .generic_mapping_public_key(
                    &Self::scalar_octets(&s),
                    &Self::scalar_octets(sk_map),
                    &self.encode_point(p),
                    &Self::scalar_octets(sk),
                )
                .ok_or(PkError::IdentityResult)?;
            return self.trusted_point(&out);
        }
        let two_terms = self.fast_for_secrets().is_some() || self.narrow_for_secrets().is_some();
        if two_terms && self.h == EcUint::ONE {
            // (sk·s)·G + (sk·sk_map)·P: P first (affine), then the k·G + Q the curve's
            // arithmetic already has (the table of G where there is one)
            let s = self.scalar_from_bytes_unreduced(s)?;
            let (a, b) = self.mapping_scalars(&s, sk_map, sk);
            if bool::from(b.value.ct_eq(&EcUint::ZERO)) {
                // H = sk_map·P would be the identity (sk_map ≡ 0, out of an EcScalar's range)
                return Err(PkError::IdentityResult);
            }
            if let Some(fast) = self.fast_for_secrets() {
                let bp = fast
                    .mul(&self.encode_point(p), &Self::scalar_octets(&b))
                    .ok_or(PkError::IdentityResult)?;
                let out = fast
                    .mul_generator_add(&Self::scalar_octets(&a), &bp)
                    .ok_or(PkError::IdentityResult)?;
                return self.trusted_point(&out);
            }
            if let Some(nw) = self.narrow_for_secrets() {
                let (mut bx, mut by) = nw
                    .mul_add((&p.x.retrieve(), &p.y.retrieve()), &b.value, b.bits, None)
                    .ok_or(PkError::IdentityResult)?;
                let sum = nw.mul_add(
                    (&self.g.x.retrieve(), &self.g.y.retrieve()),
                    &a.value,
                    a.bits,
                    Some((&bx, &by)),
                );
                bx.zeroize();
                by.zeroize();
                let (x, y) = sum.ok_or(PkError::IdentityResult)?;
                return Ok(EcPoint {
                    x: self.fe(&x),
                    y: self.fe(&y),
                });
            }
        }
        let h = self.mul(p, sk_map)?;
        let g = self.generic_map(s, &h)?;
        self.mul(&g, sk)
    }

    /// (sk·s mod n, sk·sk_map mod n) in constant time (s of any length up to 576 bits).
    fn mapping_scalars(
        &self,
        s: &EcScalar,
        sk_map: &EcScalar,
        sk: &EcScalar,
    ) -> (EcScalar, EcScalar) {
        let mut e = DynResidue::new(&sk.value, self.fn_params);
        let mut s_n = DynResidue::new(&s.value, self.fn_params);
        let mut m_n = DynResidue::new(&sk_map.value, self.fn_params);
        let mut a = s_n * e;
        let mut b = m_n * e;
        let out = (
            EcScalar {
                value: a.retrieve(),
                bits: self.order_bits,
            },
            EcScalar {
                value: b.retrieve(),
                bits: self.order_bits,
            },
        );
        for v in [&mut e, &mut s_n, &mut m_n, &mut a, &mut b] {
            v.zeroize();
        }
        out
    }

    /// Generic Mapping G' = s·G + H (ICAO 9303-11 §4.4.3.3.1), s given as big-endian bytes.
    pub fn generic_map(&self, s: &[u8], h: &EcPoint) -> Result<EcPoint, PkError> {
        let s = self.scalar_from_bytes_unreduced(s)?;
        if let Some(fast) = self.fast_for_secrets() {
            let out = fast
                .mul_generator_add(&Self::scalar_octets(&s), &self.encode_point(h))
                .ok_or(PkError::IdentityResult)?;
            return self.trusted_point(&out);
        }
        if let Some(nw) = self.narrow_for_secrets() {
            let (x, y) = nw
                .mul_add(
                    (&self.g.x.retrieve(), &self.g.y.retrieve()),
                    &s.value,
                    s.bits,
                    Some((&h.x.retrieve(), &h.y.retrieve())),
                )
                .ok_or(PkError::IdentityResult)?;
            return Ok(EcPoint {
                x: self.fe(&x),
                y: self.fe(&y),
            });
        }
        let sg = self.ladder(&self.to_proj(&self.g), &s.value, s.bits);
        let r = self.add_proj(&sg, &self.to_proj(h));
        self.to_affine(&r).ok_or(PkError::IdentityResult)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_parameters() {
        // y² = x³ + 0x + 0 is singular
        let r = EcCurve::new(&[0x17], &[0], &[0], &[1], &[1], &[5], &[1]);
        assert!(r.is_err());
        // even p
        let r = EcCurve::new(&[0x01, 0x00], &[1], &[1], &[1], &[1], &[5], &[1]);
        assert!(r.is_err());
    }

    /// Every brainpool curve verifies on its a = −3 twist (RFC 5639's "t" curves): a
    /// fourth root of −3/a exists and is found (the speed-up would silently vanish otherwise).
    #[test]
    fn every_brainpool_curve_verifies_on_its_a_minus_3_twist() {
        for id in [9, 11, 13, 14, 16, 17] {
            let Ok(super::super::Group::Ec(c)) = super::super::Group::standardized(id) else {
                panic!("id {id} is a curve");
            };
            let nw = c.narrow.as_ref().or(c.verify_narrow.as_ref());
            assert_eq!(
                nw.map(Narrow::verifies_on_a_minus_3_twist),
                Some(true),
                "id {id}"
            );
        }
    }
}
