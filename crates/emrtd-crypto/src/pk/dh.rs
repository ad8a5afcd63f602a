//! Multiplicative groups modulo a prime p (up to 2048 bits) with a generator g of prime order
//! q: the MODP groups used by PACE-DH and Chip Authentication with DH.
//!
//! Elements are integers in [0, p) kept 2048 bits wide; all arithmetic runs on the own fused
//! Montgomery multiplication (`pk::mont`, private: product scanning at 2048 bits, CIOS and a
//! dedicated squaring at 1024), at 1024-bit width when p < 2^1024. `crypto-bigint` 0.7's
//! `FixedMontyParams` supply R mod p and R² mod p once per group. Three exponentiations:
//!
//! * any base, secret exponent: a fixed 4-bit window whose table entries are all read and
//!   masked (constant time for the public number of exponent bits);
//! * base g (key pairs, the Generic Mapping's g^s): Yao's method over a table of
//!   g^(2^(4i)) built once per group at first use (shared by the group's clones): one
//!   multiplication per 4-bit digit into one of 16 buckets, each bucket read and written
//!   for every digit, no squaring;
//! * a peer's public value y (key agreement): the subgroup check y^q = 1 (public y and q,
//!   variable time) and y^x (secret x, the constant-time buckets) share the squarings of y
//!   ([`DhGroup::decode_and_pow`]).

use cbig7::modular::FixedMontyParams;
use crypto_bigint::{Uint, U1024, U2048};
use rand_core::CryptoRngCore;
use std::sync::{Arc, OnceLock};
use subtle::{ConditionallySelectable, ConstantTimeEq, ConstantTimeLess};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::mont::{self, Word};
use super::uint::{byte_len, from_be, strip_leading_zeros, to_be};
use super::PkError;

pub(crate) const DH_LIMBS: usize = U2048::LIMBS;
pub(crate) type DhUint = Uint<DH_LIMBS>;
const NARROW_LIMBS: usize = U1024::LIMBS;

fn narrow(x: &DhUint) -> Uint<NARROW_LIMBS> {
    let mut words = [0; NARROW_LIMBS];
    words.copy_from_slice(&x.as_words()[..NARROW_LIMBS]);
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

/// Digit width of the bucket exponentiations ([`Buckets`]), in bits.
const DIGIT: usize = 4;

/// Exponent bits the table of g's powers covers at least (the Generic Mapping's nonce s is at
/// most 256 bits; the group's q where longer).
const FIXED_BASE_MIN_BITS: usize = 256;

/// The i-th `DIGIT`-bit digit of e (little-endian words) over its low `bits` bits (bits at
/// and above `bits` count as zero). `i` and `bits` are public; no branch depends on e.
#[inline(always)]
fn digit(e: &[Word], bits: usize, i: usize) -> Word {
    let mut d = 0;
    for j in (0..DIGIT).rev() {
        let k = DIGIT * i + j;
        let bit = if k < bits {
            (e[k / Word::BITS as usize] >> (k % Word::BITS as usize)) & 1
        } else {
            0
        };
        d = (d << 1) | bit;
    }
    d
}

/// All ones when a = b, else zero, by `subtle`'s constant-time comparison and selection (no
/// branch; the comparison's result passes `subtle`'s optimisation barrier).
#[inline(always)]
fn eq_mask(a: Word, b: Word) -> Word {
    Word::conditional_select(&0, &Word::MAX, a.ct_eq(&b))
}

/// Montgomery arithmetic modulo p at L limbs (`W` = 2L): p, −p⁻¹ mod 2^w, R mod p and R² mod
/// p. p is public.
#[derive(Clone, Debug)]
struct Field<const L: usize, const W: usize> {
    p: [Word; L],
    inv: Word,
    one: [Word; L],
    r2: [Word; L],
}

impl<const L: usize, const W: usize> Field<L, W> {
    fn new(params: &FixedMontyParams<L>) -> Self {
        Field {
            p: params.modulus().as_ref().to_words(),
            inv: params.mod_neg_inv().0,
            one: params.one().to_words(),
            r2: params.r2().to_words(),
        }
    }

    /// The low L words of x (x < p < 2^(w·L)).
    fn load(x: &DhUint) -> [Word; L] {
        let mut w = [0; L];
        w.copy_from_slice(&x.as_words()[..L]);
        w
    }

    fn store(x: &[Word; L]) -> DhUint {
        let mut w = [0; DH_LIMBS];
        w[..L].copy_from_slice(x);
        Uint::from_words(w)
    }

    #[inline(always)]
    fn mul(&self, a: &[Word; L], b: &[Word; L]) -> [Word; L] {
        mont::mul(a, b, &self.p, self.inv)
    }

    #[inline(always)]
    fn sqr(&self, a: &[Word; L]) -> [Word; L] {
        mont::sqr::<L, W>(a, &self.p, self.inv)
    }

    /// a·b mod p of integers a, b < p (two Montgomery multiplications: a·b·R⁻¹, then by
    /// R²·R⁻¹).
    fn mul_plain(&self, a: &DhUint, b: &DhUint) -> DhUint {
        let (mut a, mut b) = (Self::load(a), Self::load(b));
        let mut t = self.mul(&a, &b);
        let mut r = self.mul(&t, &self.r2);
        let out = Self::store(&r);
        a.zeroize();
        b.zeroize();
        t.zeroize();
        r.zeroize();
        out
    }

    /// x·R mod p (x < p).
    fn enter_mont(&self, x: &DhUint) -> [Word; L] {
        let mut w = Self::load(x);
        let out = self.mul(&w, &self.r2);
        w.zeroize();
        out
    }

    /// x·R⁻¹ mod p, as an integer.
    fn leave_mont(&self, x: &[Word; L]) -> DhUint {
        let mut w = mont::redc(x, &self.p, self.inv);
        let out = Self::store(&w);
        w.zeroize();
        out
    }

    /// base^e mod p over the low `bits` bits of e (little-endian words; bits above are
    /// ignored), base < p: a fixed window of [`WINDOW`] bits, every table entry read for
    /// each window and the wanted one kept by a mask, so neither branches nor memory accesses
    /// depend on e; the sequence of operations depends only on `bits` (public).
    fn pow_ct(&self, base: &DhUint, e: &[Word], bits: usize) -> DhUint {
        let bits = bits.clamp(1, Word::BITS as usize * e.len());
        // table[i] = base^i in Montgomery form; table[0] = R mod p (one)
        let mut table = [[0; L]; 1 << WINDOW];
        table[0] = self.one;
        table[1] = self.enter_mont(base);
        for i in 2..table.len() {
            table[i] = self.mul(&table[i - 1], &table[1]);
        }
        let mut acc = [0; L];
        let mut entry = [0; L];
        let windows = bits.div_ceil(WINDOW);
        for w in (0..windows).rev() {
            if w + 1 < windows {
                for _ in 0..WINDOW {
                    acc = self.sqr(&acc);
                }
            }
            let mut d = digit(e, bits, w);
            entry.fill(0);
            for (i, t) in table.iter().enumerate() {
                let mask = eq_mask(i as Word, d);
                for (x, y) in entry.iter_mut().zip(t) {
                    *x |= y & mask;
                }
            }
            acc = if w + 1 < windows {
                self.mul(&acc, &entry)
            } else {
                entry
            };
            d.zeroize();
        }
        entry.zeroize();
        table.zeroize();
        let out = self.leave_mont(&acc);
        acc.zeroize();
        out
    }

    /// The powers g^(2^(DIGIT·i)) for i < ⌈bits / DIGIT⌉ in Montgomery form, as one flat
    /// vector of L-word entries ((⌈bits / DIGIT⌉ − 1)·DIGIT squarings).
    fn fixed_base_table(&self, g: &DhUint, bits: usize) -> Vec<Word> {
        let digits = bits.div_ceil(DIGIT).max(1);
        let mut out = Vec::with_capacity(digits * L);
        let mut y = self.enter_mont(g);
        for i in 0..digits {
            if i > 0 {
                for _ in 0..DIGIT {
                    y = self.sqr(&y);
                }
            }
            out.extend_from_slice(&y);
        }
        out
    }

    /// g^e over the low `bits` bits of e from the table of [`Field::fixed_base_table`]
    /// (which must cover `bits`), in constant time for a given `bits`: one multiplication
    /// per digit into one of 2^DIGIT buckets (every bucket read and written), then the
    /// buckets combined. No squaring.
    fn fixed_base_pow_ct(&self, table: &[Word], e: &[Word], bits: usize) -> DhUint {
        let bits = bits.clamp(1, Word::BITS as usize * e.len());
        let mut b = Buckets::<L>::new(&self.one);
        for (i, power) in table.chunks_exact(L).take(bits.div_ceil(DIGIT)).enumerate() {
            let mut power_words = [0; L];
            power_words.copy_from_slice(power);
            let mut d = digit(e, bits, i);
            b.mul_into_ct(self, d, &power_words);
            d.zeroize();
        }
        let mut r = b.combine(self);
        let out = self.leave_mont(&r);
        r.zeroize();
        out
    }

    /// (y^q = 1, y^x) with the squarings of y shared: y^(2^(DIGIT·i)) is computed once per
    /// digit and multiplied into a bucket of each exponent. x (secret, over `x_bits` bits)
    /// takes the constant-time buckets; q is public (the subgroup check), so its buckets are
    /// indexed directly and its zero digits skipped. y is public.
    fn check_order_and_pow(
        &self,
        y: &DhUint,
        q: &DhUint,
        q_bits: usize,
        x: &[Word],
        x_bits: usize,
    ) -> (bool, DhUint) {
        let x_bits = x_bits.clamp(1, Word::BITS as usize * x.len());
        let q_words = q.as_words();
        let digits = x_bits.max(q_bits).div_ceil(DIGIT);
        let mut bx = Buckets::<L>::new(&self.one);
        let mut bq = Buckets::<L>::new(&self.one);
        let mut power = self.enter_mont(y);
        for i in 0..digits {
            if i > 0 {
                for _ in 0..DIGIT {
                    power = self.sqr(&power);
                }
            }
            let mut d = digit(x, x_bits, i);
            bx.mul_into_ct(self, d, &power);
            d.zeroize();
            bq.mul_into_vartime(self, digit(q_words, q_bits, i), &power);
        }
        let in_subgroup = bq.combine(self) == self.one;
        let mut r = bx.combine(self);
        let out = self.leave_mont(&r);
        r.zeroize();
        (in_subgroup, out)
    }
}

/// Yao's exponentiation (A. C. Yao, "On the evaluation of powers", SIAM J. Comput. 1976):
/// with e = Σ dᵢ·2^(DIGIT·i), b^e = Π_d B_d^d where bucket B_d is the product of the powers
/// b^(2^(DIGIT·i)) whose digit dᵢ is d. Buckets in Montgomery form; B_0 collects the zero
/// digits and is never used.
struct Buckets<const L: usize>([[Word; L]; 1 << DIGIT]);

impl<const L: usize> Buckets<L> {
    fn new(one: &[Word; L]) -> Self {
        Buckets([*one; 1 << DIGIT])
    }

    /// B_d ← B_d·y with every bucket read and written and the wanted one chosen by masks:
    /// no branch or memory access depends on d.
    fn mul_into_ct<const W: usize>(&mut self, f: &Field<L, W>, d: Word, y: &[Word; L]) {
        let mut masks = [0; 1 << DIGIT];
        for (i, m) in masks.iter_mut().enumerate() {
            *m = eq_mask(i as Word, d);
        }
        let mut selected = [0; L];
        for (b, mask) in self.0.iter().zip(&masks) {
            for (s, x) in selected.iter_mut().zip(b) {
                *s |= x & mask;
            }
        }
        let mut product = f.mul(&selected, y);
        for (b, mask) in self.0.iter_mut().zip(&masks) {
            for (x, p) in b.iter_mut().zip(&product) {
                *x = (*x & !mask) | (p & mask);
            }
        }
        masks.zeroize();
        selected.zeroize();
        product.zeroize();
    }

    /// B_d ← B_d·y for a public digit d (nothing for d = 0). Variable time.
    fn mul_into_vartime<const W: usize>(&mut self, f: &Field<L, W>, d: Word, y: &[Word; L]) {
        if d != 0 {
            let b = &mut self.0[d as usize];
            *b = f.mul(b, y);
        }
    }

    /// Π_{d ≥ 1} B_d^d by running products: S = B_15·…·B_d, T = Π S (2·(2^DIGIT − 2)
    /// multiplications, the same for any digits).
    fn combine<const W: usize>(&self, f: &Field<L, W>) -> [Word; L] {
        let top = self.0.len() - 1;
        let mut s = self.0[top];
        let mut t = s;
        for d in (1..top).rev() {
            s = f.mul(&s, &self.0[d]);
            t = f.mul(&t, &s);
        }
        s.zeroize();
        t
    }
}

impl<const L: usize> Drop for Buckets<L> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// The powers of g for [`Field::fixed_base_pow_ct`], built at the first use of g as a base
/// and shared by the group's clones.
struct FixedBase {
    /// g^(2^(DIGIT·i)) in Montgomery form at the group's width, L words each.
    words: Vec<Word>,
    /// Exponent bits covered.
    bits: usize,
}

impl core::fmt::Debug for FixedBase {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "FixedBase({} bits)", self.bits)
    }
}

/// Runs `$body` with `$f` bound to the group's narrowest Montgomery arithmetic (1024-bit
/// width when p < 2^1024, else 2048).
macro_rules! with_field {
    ($group:expr, $f:ident => $body:expr) => {
        match &$group.narrow {
            Some($f) => $body,
            None => {
                let $f = &$group.wide;
                $body
            }
        }
    };
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
    /// Montgomery arithmetic of the exponentiations at 2048-bit width.
    wide: Field<DH_LIMBS, { 2 * DH_LIMBS }>,
    /// The same at 1024-bit width, when p < 2^1024 (used instead of `wide` then).
    narrow: Option<Field<NARROW_LIMBS, { 2 * NARROW_LIMBS }>>,
    /// The powers of g for exponentiations by g, built at first use.
    fixed_base: Arc<OnceLock<FixedBase>>,
    g: DhElement,
    p_bits: usize,
    p_len: usize,
    q_bits: usize,
}

/// An element of a [`DhGroup`] (a validated public value or a computed element).
#[derive(Clone, Copy, Debug)]
pub struct DhElement(DhUint);

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
        let odd = PkError::InvalidDomainParameters("prime p must be odd");
        let wide = Field::new(&params7(&p_int).ok_or(odd.clone())?);
        let narrow_field = if p_bits <= U1024::BITS {
            Some(Field::new(&params7(&narrow(&p_int)).ok_or(odd)?))
        } else {
            None
        };
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
                // p and q are public: variable-time division (q ≥ 2 here)
                let q7 = Option::from(cbig7::NonZero::new(to7(&q_int)))
                    .ok_or(PkError::InvalidDomainParameters("subgroup order is zero"))?;
                let (cofactor, rem) = to7(&p_minus_1).div_rem_vartime(&q7);
                if rem != cbig7::Uint::ZERO {
                    return Err(PkError::InvalidDomainParameters("q does not divide p−1"));
                }
                // Standardized groups (id given) were checked when transcribed (unit tests).
                if id.is_none() {
                    let gq = match &narrow_field {
                        Some(f) => f.pow_ct(&g_int, q_int.as_words(), q_bits),
                        None => wide.pow_ct(&g_int, q_int.as_words(), q_bits),
                    };
                    if gq != DhUint::ONE {
                        return Err(PkError::InvalidDomainParameters("g does not have order q"));
                    }
                }
                (
                    Some(q_int),
                    Some(DhUint::from_words(cofactor.to_words())),
                    q_bits,
                )
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
            wide,
            narrow: narrow_field,
            fixed_base: Arc::new(OnceLock::new()),
            g: DhElement(g_int),
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
        let y = self.decode_in_range(bytes)?;
        if let Some(q) = &self.q {
            if self.pow_bits(&y, q, self.q_bits) != DhUint::ONE {
                return Err(PkError::NotInSubgroup);
            }
        }
        Ok(DhElement(y))
    }

    /// An unsigned big-endian integer y with 1 < y < p−1 (leading zeros allowed).
    fn decode_in_range(&self, bytes: &[u8]) -> Result<DhUint, PkError> {
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
        Ok(y)
    }

    /// Encodes an element as an unsigned integer with the minimal number of octets
    /// (ICAO 9303-11 §9.4.1), as used in GENERAL AUTHENTICATE and authentication tokens.
    pub fn encode_element(&self, el: &DhElement) -> Vec<u8> {
        let full = to_be(&el.0, self.p_len);
        strip_leading_zeros(&full).to_vec()
    }

    /// An element as exactly `size()` octets (PKCS #3 shared secret format).
    pub fn element_fixed(&self, el: &DhElement) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(to_be(&el.0, self.p_len))
    }

    /// Constant-time equality.
    pub fn elements_equal(&self, a: &DhElement, b: &DhElement) -> bool {
        bool::from(a.0.ct_eq(&b.0))
    }

    /// base^e over the low `bits` bits of e, in constant time for a given `bits`; at 1024-bit
    /// width when p fits.
    fn pow_bits(&self, base: &DhUint, e: &DhUint, bits: usize) -> DhUint {
        with_field!(self, f => f.pow_ct(base, e.as_words(), bits))
    }

    /// The table of g's powers, built at the first call (for this group and its clones).
    fn fixed_base(&self) -> &FixedBase {
        self.fixed_base.get_or_init(|| {
            let bits = self.q_bits.max(FIXED_BASE_MIN_BITS);
            FixedBase {
                words: with_field!(self, f => f.fixed_base_table(&self.g_int, bits)),
                bits,
            }
        })
    }

    /// g^e over the low `bits` bits of e, in constant time for a given `bits`: from the table
    /// of g's powers when it covers `bits`, else the windowed exponentiation.
    fn pow_g_bits(&self, e: &DhUint, bits: usize) -> DhUint {
        let table = self.fixed_base();
        if bits > table.bits {
            return self.pow_bits(&self.g.0, e, bits);
        }
        with_field!(self, f => f.fixed_base_pow_ct(&table.words, e.as_words(), bits))
    }

    /// base^x in constant time (for the exponent's public bit length).
    pub fn pow(&self, base: &DhElement, x: &DhExponent) -> Result<DhElement, PkError> {
        // Whether the base is g (public for key pairs; for a mapped generator the comparison
        // only reveals that it is not g) chooses the table of g's powers.
        let r = if bool::from(base.0.ct_eq(&self.g.0)) {
            self.pow_g_bits(&x.value, x.bits)
        } else {
            self.pow_bits(&base.0, &x.value, x.bits)
        };
        self.check_result(DhElement(r))
    }

    /// Decodes and validates the peer's public value as [`DhGroup::decode_element`] does and
    /// raises it to x: (peer's element, peer^x). When q is known, the subgroup check y^q = 1
    /// and y^x share their squarings of y (y and q are public; x is used in constant time for
    /// its public bit length).
    pub fn decode_and_pow(
        &self,
        bytes: &[u8],
        x: &DhExponent,
    ) -> Result<(DhElement, DhElement), PkError> {
        let Some(q) = &self.q else {
            let y = self.decode_element(bytes)?;
            return Ok((y, self.pow(&y, x)?));
        };
        let y = self.decode_in_range(bytes)?;
        let (in_subgroup, mut r) = with_field!(self, f => f.check_order_and_pow(
            &y,
            q,
            self.q_bits,
            x.value.as_words(),
            x.bits
        ));
        if !in_subgroup {
            r.zeroize();
            return Err(PkError::NotInSubgroup);
        }
        Ok((DhElement(y), self.check_result(DhElement(r))?))
    }

    /// a·b mod p.
    pub fn mul(&self, a: &DhElement, b: &DhElement) -> Result<DhElement, PkError> {
        self.check_result(DhElement(with_field!(self, f => f.mul_plain(&a.0, &b.0))))
    }

    fn check_result(&self, el: DhElement) -> Result<DhElement, PkError> {
        let v = el.0;
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
        let gs = self.pow_g_bits(&s.value, s.bits);
        let mut gs = gs;
        let r = with_field!(self, f => f.mul_plain(&gs, &h.0));
        gs.zeroize();
        self.check_result(DhElement(r))
    }

    /// Integrated Mapping g' = f_g(R_p(s,t)) = R_p(s,t)^((p−1)/q) (ICAO 9303-11 §4.4.3.3.2);
    /// `prf_output` is the raw pseudo-random octet string, reduced mod p here. Fails if the
    /// result is 1 (or q is unknown).
    pub fn integrated_map(&self, prf_output: &[u8]) -> Result<DhElement, PkError> {
        let cofactor = self.cofactor.ok_or(PkError::IntegratedMappingUnsupported)?;
        // R mod p by Horner's rule over 2048-bit chunks, most significant first:
        // acc ← (acc·2^2048 + chunk) mod p, a division constant-time in the dividend.
        const CHUNK: usize = DhUint::BYTES;
        let mut acc = DhUint::ZERO;
        let head = match prf_output.len() % CHUNK {
            0 => CHUNK.min(prf_output.len()),
            n => n,
        };
        let (first, rest) = prf_output.split_at(head);
        for chunk in core::iter::once(first).chain(rest.chunks(CHUNK)) {
            let mut buf = Zeroizing::new([0u8; CHUNK]);
            buf[CHUNK - chunk.len()..].copy_from_slice(chunk);
            let mut lo = DhUint::from_be_slice(&buf[..]);
            acc = DhUint::const_rem_wide((lo, acc), &self.p).0;
            lo.zeroize();
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
    use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
    use crypto_bigint::NonZero;
    use proptest::prelude::*;

    fn group(id: u32) -> DhGroup {
        match Group::standardized(id).unwrap() {
            Group::Dh(g) => g,
            _ => unreachable!("ids 0-2 are MODP groups"),
        }
    }

    /// The reference: `crypto-bigint` 0.5's `DynResidue` exponentiation (its own Montgomery
    /// arithmetic, square-and-multiply).
    fn reference_pow(g: &DhGroup, base: &DhUint, e: &DhUint, bits: usize) -> DhUint {
        let params = DynResidueParams::new(&g.p);
        DynResidue::new(base, params)
            .pow_bounded_exp(e, bits)
            .retrieve()
    }

    /// An integer from big-endian bytes (at most 256), reduced mod p.
    fn reduced(g: &DhGroup, bytes: &[u8]) -> DhUint {
        let mut v = [0u8; 256];
        v[256 - bytes.len()..].copy_from_slice(bytes);
        DhUint::from_be_slice(&v).rem(&NonZero::new(g.p).unwrap())
    }

    /// Exponents at the edges: 0, 1, 2, q − 2, q − 1, q, q + 1, 2^j, 2^j − 1 for j across
    /// the digit boundaries and the width of the table of g's powers (256 bits), all ones.
    fn edge_exponents(g: &DhGroup) -> Vec<DhUint> {
        let q = g.q.unwrap();
        let mut v = vec![
            DhUint::ZERO,
            DhUint::ONE,
            DhUint::from_u8(2),
            q.wrapping_sub(&DhUint::from_u8(2)),
            q.wrapping_sub(&DhUint::ONE),
            q,
            q.wrapping_add(&DhUint::ONE),
        ];
        for j in [1, 3, 4, 5, 63, 64, 65, 159, 160, 223, 224, 255, 256] {
            let p2 = DhUint::ONE.shl_vartime(j);
            v.push(p2);
            v.push(p2.wrapping_sub(&DhUint::ONE));
        }
        v
    }

    /// Edge exponents and bases: e = 0 over any number of bits is 1, e = 1 gives the base,
    /// bits of e above `bits` are ignored, q − 1 gives the inverse of an element of order q,
    /// base 1 stays 1 and p − 1 alternates with the parity of e.
    #[test]
    fn exponentiation_edge_cases() {
        for id in 0..3 {
            let g = group(id);
            let gen = g.generator().0;
            let one = DhUint::ONE;
            let pm1 = g.p_minus_1;
            assert_eq!(g.pow_bits(&gen, &DhUint::ZERO, 1), one);
            assert_eq!(g.pow_bits(&gen, &DhUint::ZERO, 2048), one);
            assert_eq!(g.pow_bits(&gen, &DhUint::ONE, 256), gen);
            assert_eq!(g.pow_bits(&gen, &DhUint::from_u8(3), 1), gen);
            let q = g.q.unwrap();
            let inv = g.pow_bits(&gen, &q.wrapping_sub(&DhUint::ONE), g.q_bits);
            assert_eq!(g.wide.mul_plain(&inv, &gen), one);
            assert_eq!(g.pow_bits(&gen, &q, g.q_bits), one);
            assert_eq!(g.pow_bits(&one, &q, g.q_bits), one);
            assert_eq!(g.pow_bits(&pm1, &DhUint::from_u8(6), 8), one);
            assert_eq!(g.pow_bits(&pm1, &DhUint::from_u8(7), 8), pm1);
        }
    }

    /// g^e from the table of g's powers (buckets, no squaring) equals the reference for the
    /// edge exponents over their own length, over 256 bits (the table's width) and over bit
    /// counts that are not multiples of the digit; beyond the table it falls back.
    #[test]
    fn fixed_base_exponentiation_matches_the_reference_at_edge_exponents() {
        for id in 0..3 {
            let g = group(id);
            for e in edge_exponents(&g) {
                let own_bits = e.bits_vartime().max(1);
                for bits in [own_bits, 161, 255, 256, 257, 300] {
                    assert_eq!(
                        g.pow_g_bits(&e, bits),
                        reference_pow(&g, &g.g_int, &e, bits),
                        "id {id}, {bits} bits"
                    );
                }
            }
            assert_eq!(g.fixed_base().bits, 256);
        }
    }

    /// The joint subgroup check and exponentiation: for y = g^k (order q) the check passes
    /// and y^x equals the reference at the edge exponents; for y = p − 1 (order 2) and y = 2
    /// it fails as the reference y^q ≠ 1 says, and y^x still equals the reference.
    #[test]
    fn joint_subgroup_check_and_exponentiation_match_the_reference_at_edge_exponents() {
        for id in 0..3 {
            let g = group(id);
            let q = g.q.unwrap();
            let y_in = g.pow_bits(&g.g_int, &DhUint::from_u64(0x1234_5678_9abc_def1), 64);
            for (y, in_subgroup) in [
                (y_in, true),
                (g.p_minus_1, false),
                (DhUint::from_u8(2), false),
            ] {
                assert_eq!(
                    reference_pow(&g, &y, &q, g.q_bits) == DhUint::ONE,
                    in_subgroup
                );
                for x in edge_exponents(&g) {
                    for bits in [x.bits_vartime().max(1), g.q_bits, 2048] {
                        let (ok, r) =
                            g.wide
                                .check_order_and_pow(&y, &q, g.q_bits, x.as_words(), bits);
                        assert_eq!(ok, in_subgroup, "id {id}");
                        assert_eq!(r, reference_pow(&g, &y, &x, bits), "id {id}, {bits} bits");
                        if let Some(f) = &g.narrow {
                            assert_eq!(
                                f.check_order_and_pow(&y, &q, g.q_bits, x.as_words(), bits),
                                (ok, r)
                            );
                        }
                    }
                }
            }
        }
    }

    /// `decode_and_pow` gives what `decode_element` and `pow` give, values and errors alike:
    /// out of range (0, 1, p − 1, p, longer than p), outside the subgroup, valid.
    #[test]
    fn decode_and_pow_equals_decode_then_pow() {
        for id in 0..3 {
            let g = group(id);
            let x = g.exponent_from_bytes(&[0x5A; 32]).unwrap();
            let valid = g.encode_element(&g.pow(&g.generator(), &x).unwrap());
            let mut longer = vec![1u8];
            longer.extend(g.p());
            for bytes in [
                vec![0u8],
                vec![1],
                vec![2],
                g.p(),
                to_be(&g.p_minus_1, g.size()),
                longer,
                valid,
            ] {
                let separate = g
                    .decode_element(&bytes)
                    .and_then(|y| Ok((y.0, g.pow(&y, &x)?.0)));
                let joint = g.decode_and_pow(&bytes, &x).map(|(y, k)| (y.0, k.0));
                assert_eq!(joint, separate, "id {id}");
            }
        }
    }

    /// The Integrated Mapping's reduction of R(s, t) mod p by 2048-bit chunks equals the
    /// byte-by-byte Horner's rule on `DynResidue` (the code it replaced), for lengths around
    /// the chunk size.
    #[test]
    fn integrated_mapping_reduction_matches_bytewise_horner() {
        for id in 0..3 {
            let g = group(id);
            let params = DynResidueParams::new(&g.p);
            for len in [0usize, 1, 136, 255, 256, 257, 264, 511, 512, 600] {
                let bytes: Vec<u8> = (0..len).map(|i| (i * 151 + 7) as u8).collect();
                let mut acc = DynResidue::zero(params);
                let base = DynResidue::new(&DhUint::from_u16(256), params);
                for b in &bytes {
                    acc = acc * base + DynResidue::new(&DhUint::from_u8(*b), params);
                }
                let cofactor = g.cofactor.unwrap();
                let expected = acc
                    .pow_bounded_exp(&cofactor, cofactor.bits_vartime())
                    .retrieve();
                match g.integrated_map(&bytes) {
                    Ok(el) => assert_eq!(el.0, expected, "id {id}, {len} bytes"),
                    Err(e) => {
                        assert_eq!(e, PkError::MappingFailed);
                        assert!(expected <= DhUint::ONE, "id {id}, {len} bytes");
                    }
                }
            }
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
            let b = reduced(&g, &base);
            let e_int = from_be::<DH_LIMBS>(&e).unwrap();
            let bits = 8 * e.len();
            prop_assert_eq!(g.pow_bits(&b, &e_int, bits), reference_pow(&g, &b, &e_int, bits));
        }

        /// g^e from the table of g's powers equals the reference for random exponents of
        /// 1–40 octets (above 32 octets: the windowed fallback).
        #[test]
        fn fixed_base_exponentiation_equals_the_dyn_residue_exponentiation(
            id in 0u32..3,
            e in prop::collection::vec(any::<u8>(), 1..40),
        ) {
            let g = group(id);
            let e_int = from_be::<DH_LIMBS>(&e).unwrap();
            let bits = 8 * e.len();
            prop_assert_eq!(g.pow_g_bits(&e_int, bits), reference_pow(&g, &g.g_int, &e_int, bits));
        }

        /// The joint subgroup check and exponentiation equal the reference y^q = 1 and y^x,
        /// for random y (almost never of order q) and for y = g^k (always).
        #[test]
        fn joint_check_and_pow_equal_the_dyn_residue_exponentiations(
            id in 0u32..3,
            base in prop::collection::vec(any::<u8>(), 1..256),
            k in prop::collection::vec(any::<u8>(), 1..32),
            x in prop::collection::vec(any::<u8>(), 1..40),
            in_subgroup in any::<bool>(),
        ) {
            let g = group(id);
            let q = g.q.unwrap();
            let y = if in_subgroup {
                let k = from_be::<DH_LIMBS>(&k).unwrap();
                g.pow_bits(&g.g_int, &k, 256)
            } else {
                reduced(&g, &base)
            };
            let x_int = from_be::<DH_LIMBS>(&x).unwrap();
            let bits = 8 * x.len();
            let (ok, r) = with_field!(g, f => f.check_order_and_pow(&y, &q, g.q_bits, x_int.as_words(), bits));
            prop_assert_eq!(ok, reference_pow(&g, &y, &q, g.q_bits) == DhUint::ONE);
            prop_assert!(ok || !in_subgroup);
            prop_assert_eq!(r, reference_pow(&g, &y, &x_int, bits));
        }
    }
}
