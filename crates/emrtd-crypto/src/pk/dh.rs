//! Multiplicative groups modulo a prime p (up to 2048 bits) with a generator g of prime order
//! q: the MODP groups used by PACE-DH and Chip Authentication with DH.
//!
//! Exponentiation runs on the own fused Montgomery multiplication (`pk::mont`, private: product
//! scanning at 2048 bits, CIOS and a dedicated squaring at 1024) with a fixed 4-bit window whose table entries are all
//! read and masked (constant time for the public number of exponent bits); `crypto-bigint`
//! 0.7's `FixedMontyParams` supply R mod p and R² mod p, and 0.5's `DynResidue` the rest of
//! the group arithmetic. Elements are kept 2048 bits wide; groups with p < 2^1024
//! exponentiate at 1024-bit width.

use cbig7::modular::FixedMontyParams;
use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::{Uint, U1024, U2048};
use rand_core::CryptoRngCore;
use subtle::{ConstantTimeEq, ConstantTimeLess};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::mont::{self, Word};
use super::uint::{byte_len, from_be, strip_leading_zeros, to_be};
use super::PkError;

pub(crate) const DH_LIMBS: usize = U2048::LIMBS;
pub(crate) type DhUint = Uint<DH_LIMBS>;
type Ge = DynResidue<DH_LIMBS>;
const NARROW_LIMBS: usize = U1024::LIMBS;

fn narrow(x: &DhUint) -> Uint<NARROW_LIMBS> {
    let mut words = [0; NARROW_LIMBS];
    words.copy_from_slice(&x.as_words()[..NARROW_LIMBS]);
    Uint::from_words(words)
}

fn widen(x: &Uint<NARROW_LIMBS>) -> DhUint {
    let mut words = [0; DH_LIMBS];
    words[..NARROW_LIMBS].copy_from_slice(x.as_words());
    Uint::from_words(words)
}

/// The same integer as a `crypto-bigint` 0.7 integer (same limb type and count).
fn to7<const L: usize>(x: &Uint<L>) -> cbig7::Uint<L> {
    cbig7::Uint::from_words(x.to_words())
}

/// Montgomery parameters of an odd modulus for `crypto-bigint` 0.7 (p is public).
fn params7<const L: usize>(p: &Uint<L>) -> Option<FixedMontyParams<L>> {
    Option::from(cbig7::Odd::new(to7(p))).map(FixedMontyParams::new_vartime)
}

/// Window of the exponentiation, in bits (a table of 2^WINDOW powers).
const WINDOW: usize = 4;

/// base^e mod p over the low `bits` bits of e (little-endian words; bits above are ignored),
/// base < p: a fixed window of [`WINDOW`] bits on the own fused Montgomery multiplication
/// ([`super::mont`]), every table entry read for each window and the wanted one kept by a
/// mask, so neither branches nor memory accesses depend on e; the sequence of operations
/// depends only on `bits` (public). `W` = 2L.
fn pow_ct<const L: usize, const W: usize>(
    base: &[Word; L],
    e: &[Word],
    bits: usize,
    params: &FixedMontyParams<L>,
) -> [Word; L] {
    let p = params.modulus().as_ref().to_words();
    let inv = params.mod_neg_inv().0;
    let bits = bits.clamp(1, Word::BITS as usize * e.len());
    // table[i] = base^i in Montgomery form; table[0] = R mod p (one)
    let mut table = [[0; L]; 1 << WINDOW];
    table[0] = params.one().to_words();
    table[1] = mont::mul(base, &params.r2().to_words(), &p, inv);
    for i in 2..table.len() {
        table[i] = mont::mul(&table[i - 1], &table[1], &p, inv);
    }
    let mut acc = [0; L];
    let mut entry = [0; L];
    let windows = bits.div_ceil(WINDOW);
    for w in (0..windows).rev() {
        if w + 1 < windows {
            for _ in 0..WINDOW {
                acc = mont::sqr::<L, W>(&acc, &p, inv);
            }
        }
        let mut digit = 0;
        for j in (0..WINDOW).rev() {
            let i = WINDOW * w + j;
            // bits beyond `bits` count as zero; `i` and `bits` are public
            let bit = if i < bits {
                (e[i / Word::BITS as usize] >> (i % Word::BITS as usize)) & 1
            } else {
                0
            };
            digit = (digit << 1) | bit;
        }
        entry.fill(0);
        for (i, t) in table.iter().enumerate() {
            // all ones when i = digit, without a branch
            let mask = ((i as Word ^ digit).wrapping_sub(1) >> (Word::BITS - 1)).wrapping_neg();
            for (x, y) in entry.iter_mut().zip(t) {
                *x |= y & mask;
            }
        }
        acc = if w + 1 < windows {
            mont::mul(&acc, &entry, &p, inv)
        } else {
            entry
        };
        digit.zeroize();
    }
    entry.zeroize();
    let out = mont::redc(&acc, &p, inv);
    acc.zeroize();
    out
}

/// A prime-order subgroup of (Z/pZ)*.
#[derive(Clone, Debug)]
pub struct DhGroup {
    pub(crate) id: Option<u8>,
    pub(crate) name: &'static str,
    p: DhUint,
    p_minus_1: DhUint,
    g_int: DhUint,
    q: Option<DhUint>,
    cofactor: Option<DhUint>,
    params: DynResidueParams<DH_LIMBS>,
    /// Montgomery parameters of the exponentiation (`crypto-bigint` 0.7).
    pow_params: FixedMontyParams<DH_LIMBS>,
    /// The same at 1024-bit width, when p < 2^1024.
    narrow_pow_params: Option<FixedMontyParams<NARROW_LIMBS>>,
    g: DhElement,
    p_bits: usize,
    p_len: usize,
    q_bits: usize,
}

/// An element of a [`DhGroup`] (a validated public value or a computed element).
#[derive(Clone, Copy, Debug)]
pub struct DhElement(Ge);

/// A secret exponent; zeroized on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DhExponent {
    value: DhUint,
    /// Number of exponent bits processed (public).
    #[zeroize(skip)]
    bits: usize,
}

impl core::fmt::Debug for DhExponent {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("DhExponent(<secret>)")
    }
}

fn parse(bytes: &[u8], what: &'static str) -> Result<DhUint, PkError> {
    from_be::<DH_LIMBS>(bytes).ok_or(PkError::InvalidDomainParameters(what))
}

impl DhGroup {
    /// Builds a group from big-endian p, g and (optionally) the subgroup order q, and checks
    /// them: p odd, 512 to 2048 bits; 1 < g < p−1; if q is given: q divides p−1 and g^q = 1.
    /// Primality is not tested. Without q, public keys can only be range-checked and the
    /// Integrated Mapping is unavailable.
    pub fn new(p: &[u8], g: &[u8], q: Option<&[u8]>) -> Result<Self, PkError> {
        Self::build(None, "explicit MODP group", p, g, q)
    }

    pub(crate) fn build(
        id: Option<u8>,
        name: &'static str,
        p: &[u8],
        g: &[u8],
        q: Option<&[u8]>,
    ) -> Result<Self, PkError> {
        let p_int = parse(p, "prime p is longer than 2048 bits")?;
        let p_bits = p_int.bits_vartime();
        if p_int.as_words()[0] & 1 == 0 || p_bits < 512 {
            return Err(PkError::InvalidDomainParameters(
                "prime p must be odd and at least 512 bits",
            ));
        }
        let p_minus_1 = p_int.wrapping_sub(&DhUint::ONE);
        let g_int = parse(g, "generator too long")?;
        if g_int.cmp_vartime(&DhUint::ONE) != core::cmp::Ordering::Greater
            || g_int.cmp_vartime(&p_minus_1) != core::cmp::Ordering::Less
        {
            return Err(PkError::InvalidDomainParameters(
                "generator must satisfy 1 < g < p−1",
            ));
        }
        let params = DynResidueParams::new(&p_int);
        let odd = PkError::InvalidDomainParameters("prime p must be odd");
        let pow_params = params7(&p_int).ok_or(odd.clone())?;
        let narrow_pow_params = if p_bits <= U1024::BITS {
            Some(params7(&narrow(&p_int)).ok_or(odd)?)
        } else {
            None
        };
        let g_el = DhElement(Ge::new(&g_int, params));
        let (q_int, cofactor, q_bits) = match q {
            None => (None, None, p_bits),
            Some(q) => {
                let q_int = parse(q, "subgroup order too long")?;
                let q_bits = q_int.bits_vartime();
                if q_bits < 2 || q_int.cmp_vartime(&p_int) != core::cmp::Ordering::Less {
                    return Err(PkError::InvalidDomainParameters(
                        "subgroup order must be 1 < q < p",
                    ));
                }
                let rem = Option::<DhUint>::from(p_minus_1.checked_rem(&q_int))
                    .ok_or(PkError::InvalidDomainParameters("subgroup order is zero"))?;
                if rem != DhUint::ZERO {
                    return Err(PkError::InvalidDomainParameters("q does not divide p−1"));
                }
                // Standardized groups (id given) were checked when transcribed (unit tests).
                if id.is_none() && g_el.0.pow_bounded_exp(&q_int, q_bits).retrieve() != DhUint::ONE
                {
                    return Err(PkError::InvalidDomainParameters("g does not have order q"));
                }
                (Some(q_int), Some(p_minus_1.wrapping_div(&q_int)), q_bits)
            }
        };
        Ok(DhGroup {
            id,
            name,
            p: p_int,
            p_minus_1,
            g_int,
            q: q_int,
            cofactor,
            params,
            pow_params,
            narrow_pow_params,
            g: g_el,
            p_bits,
            p_len: byte_len(p_bits),
            q_bits,
        })
    }

    /// Standardized domain parameter id (0, 1 or 2) if this is a standardized group.
    pub fn standardized_id(&self) -> Option<u8> {
        self.id
    }

    /// Human-readable name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Length of p in octets (and of the shared secret).
    pub fn size(&self) -> usize {
        self.p_len
    }

    /// Bit length of p.
    pub fn p_bits(&self) -> usize {
        self.p_bits
    }

    /// p, big-endian, `size()` octets.
    pub fn p(&self) -> Vec<u8> {
        to_be(&self.p, self.p_len)
    }

    /// g, big-endian, `size()` octets.
    pub fn g(&self) -> Vec<u8> {
        to_be(&self.g_int, self.p_len)
    }

    /// q (minimal big-endian) if known.
    pub fn q(&self) -> Option<Vec<u8>> {
        self.q.map(|q| to_be(&q, byte_len(self.q_bits)))
    }

    /// The generator g.
    pub fn generator(&self) -> DhElement {
        self.g
    }

    /// True if p, g and q are equal.
    pub fn same_parameters(&self, other: &DhGroup) -> bool {
        self.p == other.p && self.g_int == other.g_int && self.q == other.q
    }

    /// Decodes a public value (unsigned big-endian integer, leading zeros allowed) and validates
    /// it (RFC 2631 §2.1.5): 1 < y < p−1 and, when q is known, y^q = 1.
    pub fn decode_element(&self, bytes: &[u8]) -> Result<DhElement, PkError> {
        let digits = strip_leading_zeros(bytes);
        if digits.len() > self.p_len {
            return Err(PkError::PublicValueOutOfRange);
        }
        let y = from_be::<DH_LIMBS>(digits).ok_or(PkError::PublicValueOutOfRange)?;
        if y.cmp_vartime(&DhUint::ONE) != core::cmp::Ordering::Greater
            || y.cmp_vartime(&self.p_minus_1) != core::cmp::Ordering::Less
        {
            return Err(PkError::PublicValueOutOfRange);
        }
        let el = Ge::new(&y, self.params);
        if let Some(q) = &self.q {
            if self.pow_bits(&el, q, self.q_bits).retrieve() != DhUint::ONE {
                return Err(PkError::NotInSubgroup);
            }
        }
        Ok(DhElement(el))
    }

    /// Encodes an element as an unsigned integer with the minimal number of octets
    /// (ICAO 9303-11 §9.4.1), as used in GENERAL AUTHENTICATE and authentication tokens.
    pub fn encode_element(&self, el: &DhElement) -> Vec<u8> {
        let full = to_be(&el.0.retrieve(), self.p_len);
        strip_leading_zeros(&full).to_vec()
    }

    /// An element as exactly `size()` octets (PKCS #3 shared secret format).
    pub fn element_fixed(&self, el: &DhElement) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(to_be(&el.0.retrieve(), self.p_len))
    }

    /// Constant-time equality.
    pub fn elements_equal(&self, a: &DhElement, b: &DhElement) -> bool {
        bool::from(a.0.ct_eq(&b.0))
    }

    /// base^e over the low `bits` bits of e, in constant time for a given `bits`; at 1024-bit
    /// width when p and e fit.
    fn pow_bits(&self, base: &Ge, e: &DhUint, bits: usize) -> Ge {
        let base = base.retrieve();
        let mut e = Zeroizing::new(e.to_words());
        let mut r = match &self.narrow_pow_params {
            Some(np) if bits <= U1024::BITS => widen(&Uint::from_words(pow_ct::<
                NARROW_LIMBS,
                { 2 * NARROW_LIMBS },
            >(
                &narrow(&base).to_words(),
                &e[..],
                bits,
                np,
            ))),
            _ => Uint::from_words(pow_ct::<DH_LIMBS, { 2 * DH_LIMBS }>(
                &base.to_words(),
                &e[..],
                bits,
                &self.pow_params,
            )),
        };
        e.zeroize();
        let out = Ge::new(&r, self.params);
        r.zeroize();
        out
    }

    /// base^x in constant time (for the exponent's public bit length).
    pub fn pow(&self, base: &DhElement, x: &DhExponent) -> Result<DhElement, PkError> {
        let r = self.pow_bits(&base.0, &x.value, x.bits);
        self.check_result(DhElement(r))
    }

    /// a·b mod p.
    pub fn mul(&self, a: &DhElement, b: &DhElement) -> Result<DhElement, PkError> {
        self.check_result(DhElement(a.0 * b.0))
    }

    fn check_result(&self, el: DhElement) -> Result<DhElement, PkError> {
        let v = el.0.retrieve();
        if bool::from(v.ct_eq(&DhUint::ONE) | v.ct_eq(&DhUint::ZERO)) {
            return Err(PkError::IdentityResult);
        }
        Ok(el)
    }

    /// A secret exponent from big-endian bytes: 1 ≤ x < p. The exponentiation processes
    /// 8·len(bytes) bits (rounded up to q's bit length).
    pub fn exponent_from_bytes(&self, bytes: &[u8]) -> Result<DhExponent, PkError> {
        let value = Zeroizing::new(from_be::<DH_LIMBS>(bytes).ok_or(PkError::InvalidScalar)?);
        let ok = value.ct_lt(&self.p) & !value.ct_eq(&DhUint::ZERO);
        if !bool::from(ok) {
            return Err(PkError::InvalidScalar);
        }
        Ok(DhExponent {
            value: *value,
            bits: (8 * bytes.len()).max(self.q_bits).min(DhUint::BITS),
        })
    }

    /// A nonce (arbitrary big-endian bytes, zero allowed) as exponent, used by the Generic
    /// Mapping g^s.
    fn exponent_unreduced(&self, bytes: &[u8]) -> Result<DhExponent, PkError> {
        let value = from_be::<DH_LIMBS>(bytes).ok_or(PkError::InvalidScalar)?;
        Ok(DhExponent {
            value,
            bits: (8 * bytes.len()).clamp(1, DhUint::BITS),
        })
    }

    /// A random exponent in [1, q−1] (or of p_bits − 1 bits when q is unknown).
    pub fn random_exponent(&self, rng: &mut impl CryptoRngCore) -> DhExponent {
        let (bound, bits) = match &self.q {
            Some(q) => (*q, self.q_bits),
            None => (self.p_minus_1, self.p_bits - 1),
        };
        let len = byte_len(bits);
        let mut buf = Zeroizing::new(vec![0u8; len]);
        loop {
            rng.fill_bytes(&mut buf);
            if let Some(first) = buf.first_mut() {
                *first &= 0xFFu8 >> (8 * len - bits);
            }
            if let Some(v) = from_be::<DH_LIMBS>(&buf) {
                let v = Zeroizing::new(v);
                if bool::from(v.ct_lt(&bound) & !v.ct_eq(&DhUint::ZERO)) {
                    return DhExponent { value: *v, bits };
                }
            }
        }
    }

    /// Whether the Integrated Mapping is defined (the subgroup order q is known).
    pub fn supports_integrated_mapping(&self) -> bool {
        self.cofactor.is_some()
    }

    /// Generic Mapping g' = g^s · h (ICAO 9303-11 §4.4.3.3.1), s as big-endian bytes.
    pub fn generic_map(&self, s: &[u8], h: &DhElement) -> Result<DhElement, PkError> {
        let s = self.exponent_unreduced(s)?;
        let gs = self.pow_bits(&self.g.0, &s.value, s.bits);
        self.check_result(DhElement(gs * h.0))
    }

    /// Integrated Mapping g' = f_g(R_p(s,t)) = R_p(s,t)^((p−1)/q) (ICAO 9303-11 §4.4.3.3.2);
    /// `prf_output` is the raw pseudo-random octet string, reduced mod p here. Fails if the
    /// result is 1 (or q is unknown).
    pub fn integrated_map(&self, prf_output: &[u8]) -> Result<DhElement, PkError> {
        let cofactor = self.cofactor.ok_or(PkError::IntegratedMappingUnsupported)?;
        let base = Ge::new(&DhUint::from_u16(256), self.params);
        let mut acc = Ge::zero(self.params);
        for b in prf_output {
            acc = acc * base + Ge::new(&DhUint::from_u8(*b), self.params);
        }
        let r = self.pow_bits(&acc, &cofactor, cofactor.bits_vartime());
        acc.zeroize();
        self.check_result(DhElement(r))
            .map_err(|_| PkError::MappingFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pk::Group;
    use proptest::prelude::*;

    fn group(id: u32) -> DhGroup {
        match Group::standardized(id).unwrap() {
            Group::Dh(g) => g,
            _ => unreachable!("ids 0-2 are MODP groups"),
        }
    }

    /// Edge exponents and bases: e = 0 over any number of bits is 1, e = 1 gives the base,
    /// bits of e above `bits` are ignored, q − 1 gives the inverse of an element of order q,
    /// base 1 stays 1 and p − 1 alternates with the parity of e.
    #[test]
    fn exponentiation_edge_cases() {
        for id in 0..3 {
            let g = group(id);
            let gen = g.generator().0;
            let one = Ge::one(g.params);
            let pm1 = Ge::new(&g.p_minus_1, g.params);
            assert_eq!(g.pow_bits(&gen, &DhUint::ZERO, 1), one);
            assert_eq!(g.pow_bits(&gen, &DhUint::ZERO, 2048), one);
            assert_eq!(g.pow_bits(&gen, &DhUint::ONE, 256), gen);
            assert_eq!(g.pow_bits(&gen, &DhUint::from_u8(3), 1), gen);
            let q = g.q.unwrap();
            let inv = g.pow_bits(&gen, &q.wrapping_sub(&DhUint::ONE), g.q_bits);
            assert_eq!(inv * gen, one);
            assert_eq!(g.pow_bits(&gen, &q, g.q_bits), one);
            assert_eq!(g.pow_bits(&one, &q, g.q_bits), one);
            assert_eq!(g.pow_bits(&pm1, &DhUint::from_u8(6), 8), one);
            assert_eq!(g.pow_bits(&pm1, &DhUint::from_u8(7), 8), pm1);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(6))]

        /// The exponentiation on the own fused Montgomery multiplication equals
        /// `crypto-bigint` 0.5's `DynResidue` exponentiation at 1024- and 2048-bit width, for
        /// any exponent length.
        #[test]
        fn pow_on_the_fused_multiplication_equals_the_dyn_residue_exponentiation(
            id in 0u32..3,
            base in prop::collection::vec(any::<u8>(), 1..256),
            e in prop::collection::vec(any::<u8>(), 1..40),
        ) {
            let g = group(id);
            let b = DhUint::from_be_slice(&{
                let mut v = vec![0u8; 256];
                v[256 - base.len()..].copy_from_slice(&base);
                v
            });
            let b = Ge::new(&b.rem(&crypto_bigint::NonZero::new(g.p).unwrap()), g.params);
            let e_int = from_be::<DH_LIMBS>(&e).unwrap();
            let bits = 8 * e.len();
            prop_assert_eq!(
                g.pow_bits(&b, &e_int, bits).retrieve(),
                b.pow_bounded_exp(&e_int, bits).retrieve()
            );
        }
    }
}
