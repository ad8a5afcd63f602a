//! Fixed-width arithmetic for the named curves that have a RustCrypto implementation
//! (NIST P-192/224/256/384/521, brainpoolP256r1/P384r1).
//!
//! The interface is octet strings (uncompressed points, big-endian scalars), so the rest of
//! [`super::ec`] stays independent of the per-curve types.
//!
//! * Secret operations ([`Named::mul`], [`Named::mul_generator`], [`Named::mul_generator_add`],
//!   [`Named::generic_mapping_public_key`], [`Named::cam_data`]) are constant time: on
//!   P-192/224/256/384 the own Jacobian arithmetic of [`super::nist`] (a once-built table for
//!   k·G), on the other curves the crates' scalar multiplication; scalar inversion and the
//!   products of scalars are the crates'. Secret scalars of any length are reduced
//!   modulo n in constant time (Horner's rule on 64-bit chunks).
//! * Public operations (ECDSA verification) use variable-time interleaved wNAF
//!   ([`Named::ecdsa_verify_vartime`]) with a table of odd multiples of G built once per curve,
//!   on the own arithmetic (P-192…P-384 on [`super::nist`]'s `*_vartime` functions, P-521 on
//!   [`super::nistp521`]); brainpoolP256r1/P384r1 verify on the narrow-width arithmetic.

use super::wnaf::wnaf;
use primeorder::PrimeField;
use zeroize::Zeroizing;

/// A named curve with fixed-width arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Named {
    P192,
    P224,
    P256,
    P384,
    P521,
    Bp256,
    Bp384,
}

/// Window of the wNAF of u1 (multiplier of G, table built once): 2^(W-2) odd multiples.
const W_G: u32 = 7;
/// Window of the wNAF of u2 (multiplier of the public key, table built per verification).
const W_Q: u32 = 5;

/// An ECDSA `r` or `s` (unsigned big-endian, leading zeros allowed) as a scalar in [0, n);
/// `None` if it is empty, longer than the order or not below n.
fn signature_scalar<S: PrimeField>(v: &[u8]) -> Option<S> {
    let mut repr = S::Repr::default();
    let len = repr.as_ref().len();
    let v = &v[v.iter().position(|b| *b != 0).unwrap_or(v.len())..];
    if v.is_empty() || v.len() > len {
        return None;
    }
    repr.as_mut()[len - v.len()..].copy_from_slice(v);
    Option::from(S::from_repr(repr))
}

macro_rules! backend {
    ($(#[$attr:meta])* $module:ident, $ec:path, $scalar:ty, $affine:ty, $proj:ty, $decode:expr, $encode:expr) => {
        $(#[$attr])*
        mod $module {
            use ec::ff::PrimeField;
            use $ec as ec;
            use zeroize::Zeroizing;

            type Scalar = $scalar;
            type Affine = $affine;
            type Proj = $proj;

            /// Decodes a point that the caller has already validated (on the curve, not the
            /// identity); decoding checks it again.
            fn point(bytes: &[u8]) -> Option<Affine> {
                let decode: fn(&[u8]) -> Option<Affine> = $decode;
                decode(bytes)
            }

            /// Uncompressed encoding; `None` for the identity.
            fn encode(p: &Proj) -> Option<Vec<u8>> {
                let encode: fn(&Affine) -> Vec<u8> = $encode;
                let bytes = encode(&Affine::from(*p));
                (bytes.len() > 1).then_some(bytes)
            }

            /// A big-endian integer of any length reduced modulo n, in constant time for a
            /// given length.
            pub(super) fn reduce(be: &[u8]) -> Scalar {
                let shift = Scalar::from(u64::MAX) + Scalar::ONE; // 2^64 mod n
                let head = be.len() % 8;
                let mut acc = Scalar::ZERO;
                let mut chunk = [0u8; 8];
                if head != 0 {
                    chunk[8 - head..].copy_from_slice(&be[..head]);
                    acc = Scalar::from(u64::from_be_bytes(chunk));
                }
                for c in be[head..].chunks_exact(8) {
                    chunk.copy_from_slice(c);
                    acc = acc * shift + Scalar::from(u64::from_be_bytes(chunk));
                }
                chunk.fill(0);
                acc
            }

            fn to_bytes(k: &Scalar) -> Zeroizing<Vec<u8>> {
                Zeroizing::new(AsRef::<[u8]>::as_ref(&k.to_repr()).to_vec())
            }

            pub(super) fn generator() -> Vec<u8> {
                encode(&Proj::GENERATOR).unwrap_or_default()
            }

            pub(super) fn mul(p: &[u8], k: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
                let p = Proj::from(point(p)?);
                let k = reduce(k);
                encode(&(p * k)).map(Zeroizing::new)
            }

            pub(super) fn mul_generator_add(s: &[u8], h: &[u8]) -> Option<Vec<u8>> {
                let h = point(h)?;
                let s = reduce(s);
                encode(&(Proj::GENERATOR * s + h))
            }

            pub(super) fn cam_data(sk_ic: &[u8], sk_map: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
                let inv = Option::<Scalar>::from(reduce(sk_ic).invert())?;
                Some(to_bytes(&(inv * reduce(sk_map))))
            }
        }
    };
}

backend!(
    p192_impl,
    p192::elliptic_curve,
    p192::Scalar,
    p192::AffinePoint,
    p192::ProjectivePoint,
    |b| {
        use p192::elliptic_curve::sec1::FromEncodedPoint;
        let ep = p192::EncodedPoint::from_bytes(b).ok()?;
        Option::from(p192::AffinePoint::from_encoded_point(&ep))
    },
    |p| {
        use p192::elliptic_curve::sec1::ToEncodedPoint;
        p.to_encoded_point(false).as_bytes().to_vec()
    }
);
backend!(
    p224_impl,
    p224::elliptic_curve,
    p224::Scalar,
    p224::AffinePoint,
    p224::ProjectivePoint,
    |b| {
        use p224::elliptic_curve::sec1::FromEncodedPoint;
        let ep = p224::EncodedPoint::from_bytes(b).ok()?;
        Option::from(p224::AffinePoint::from_encoded_point(&ep))
    },
    |p| {
        use p224::elliptic_curve::sec1::ToEncodedPoint;
        p.to_encoded_point(false).as_bytes().to_vec()
    }
);
backend!(
    p256_impl,
    p256::elliptic_curve,
    p256::Scalar,
    p256::AffinePoint,
    p256::ProjectivePoint,
    |b| {
        use p256::elliptic_curve::sec1::FromEncodedPoint;
        let ep = p256::EncodedPoint::from_bytes(b).ok()?;
        Option::from(p256::AffinePoint::from_encoded_point(&ep))
    },
    |p| {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        p.to_encoded_point(false).as_bytes().to_vec()
    }
);
backend!(
    p384_impl,
    p384::elliptic_curve,
    p384::Scalar,
    p384::AffinePoint,
    p384::ProjectivePoint,
    |b| {
        use p384::elliptic_curve::sec1::FromEncodedPoint;
        let ep = p384::EncodedPoint::from_bytes(b).ok()?;
        Option::from(p384::AffinePoint::from_encoded_point(&ep))
    },
    |p| {
        use p384::elliptic_curve::sec1::ToEncodedPoint;
        p.to_encoded_point(false).as_bytes().to_vec()
    }
);
backend!(
    // only its scalar reduction and the PACE-CAM value are used: the points go through
    // `super::nistp521` (`p521_fast` below)
    #[allow(dead_code)]
    p521_impl,
    p521::elliptic_curve,
    p521::Scalar,
    p521::AffinePoint,
    p521::ProjectivePoint,
    |b| {
        use p521::elliptic_curve::sec1::FromEncodedPoint;
        let ep = p521::EncodedPoint::from_bytes(b).ok()?;
        Option::from(p521::AffinePoint::from_encoded_point(&ep))
    },
    |p| {
        use p521::elliptic_curve::sec1::ToEncodedPoint;
        p.to_encoded_point(false).as_bytes().to_vec()
    }
);
backend!(
    bp256_impl,
    bp256::elliptic_curve,
    bp256::Scalar,
    bp256::r1::AffinePoint,
    bp256::r1::ProjectivePoint,
    |b| {
        use bp256::elliptic_curve::sec1::FromSec1Point;
        bp256::r1::AffinePoint::from_sec1_bytes(b).ok()
    },
    |p| {
        use bp256::elliptic_curve::sec1::ToSec1Point;
        p.to_sec1_point(false).as_bytes().to_vec()
    }
);
backend!(
    bp384_impl,
    bp384::elliptic_curve,
    bp384::Scalar,
    bp384::r1::AffinePoint,
    bp384::r1::ProjectivePoint,
    |b| {
        use bp384::elliptic_curve::sec1::FromSec1Point;
        bp384::r1::AffinePoint::from_sec1_bytes(b).ok()
    },
    |p| {
        use bp384::elliptic_curve::sec1::ToSec1Point;
        p.to_sec1_point(false).as_bytes().to_vec()
    }
);

/// P-521 on the dedicated field of [`super::nistp521`]; the `p521` crate's scalars (reduction
/// modulo n, inversion) around it.
mod p521_fast {
    use super::p521_impl::reduce;
    use crate::pk::nistp521 as fast;
    use p521::elliptic_curve::ff::PrimeField;
    use zeroize::Zeroizing;

    fn reduced(k: &[u8]) -> Zeroizing<[u8; fast::LEN]> {
        let mut out = Zeroizing::new([0u8; fast::LEN]);
        let mut repr = reduce(k).to_repr();
        out.copy_from_slice(&repr);
        zeroize::Zeroize::zeroize(repr.as_mut_slice());
        out
    }

    pub(super) fn generator() -> Vec<u8> {
        fast::Aff::generator().encode()
    }

    pub(super) fn mul(p: &[u8], k: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        fast::mul(p, &reduced(k)[..])
    }

    /// k·G on the comb (what `mul` also does when P is G).
    pub(super) fn mul_generator(k: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        fast::mul_generator(&reduced(k)[..])
    }

    pub(super) fn mul_generator_add(s: &[u8], h: &[u8]) -> Option<Vec<u8>> {
        fast::mul_generator_add(&reduced(s)[..], h)
    }

    pub(super) fn cam_data(sk_ic: &[u8], sk_map: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        super::p521_impl::cam_data(sk_ic, sk_map)
    }

    /// SEC 1 §4.1.4 steps 4–8 as in the other curves' backends, with u1·G + u2·Q on the
    /// dedicated field.
    pub(super) fn ecdsa_verify_vartime(q: &[u8], e: &[u8], r: &[u8], s: &[u8]) -> bool {
        let (Some(r_s), Some(s_s)) = (
            super::signature_scalar::<p521::Scalar>(r),
            super::signature_scalar::<p521::Scalar>(s),
        ) else {
            return false;
        };
        let mut s_be = [0u8; fast::LEN];
        s_be.copy_from_slice(&s_s.to_repr());
        let Some(w) = fast::invert_mod_n_vartime(&s_be).and_then(|w| {
            Option::<p521::Scalar>::from(p521::Scalar::from_repr(
                p521::FieldBytes::clone_from_slice(&w),
            ))
        }) else {
            return false;
        };
        let u1 = (reduce(e) * w).to_repr();
        let u2 = (r_s * w).to_repr();
        let Some(x) = fast::lincomb_x_vartime(&u1, q, &u2) else {
            return false;
        };
        // x mod n == r  (x < p; reduce() handles x ≥ n)
        reduce(&x) == r_s
    }
}

/// The NIST curves with a = −3 on the own Jacobian arithmetic of [`super::nist`]: a
/// once-built table for k·G, signed windows for k·P (both constant time).
macro_rules! nist_backend {
    ($module:ident, $crate_impl:ident, $curve:ty, $fe:ty, $bytes:expr, $order_bits:expr, $window:expr) => {
        mod $module {
            use super::super::nist;
            use super::$crate_impl::reduce;
            use super::{wnaf, W_G, W_Q};
            use primeorder::elliptic_curve;
            use primeorder::elliptic_curve::zeroize::Zeroize;
            use primeorder::{PrimeCurveParams, PrimeField};
            use std::sync::OnceLock;
            use zeroize::Zeroizing;

            type F = $fe;

            /// The table of multiples of G, built at the first use of the curve.
            pub(super) fn table() -> Option<&'static nist::GeneratorTable<F>> {
                static TABLE: OnceLock<Option<nist::GeneratorTable<F>>> = OnceLock::new();
                TABLE
                    .get_or_init(|| {
                        // the crate's G is below p: the conversion does not fail
                        let g = nist::generator::<$curve, F>()?;
                        Some(nist::GeneratorTable::new(g, $bytes, $window))
                    })
                    .as_ref()
            }

            /// k mod n as big-endian octets of the order's length.
            fn scalar(k: &[u8]) -> Zeroizing<Vec<u8>> {
                let mut s = reduce(k);
                let out = Zeroizing::new(AsRef::<[u8]>::as_ref(&s.to_repr()).to_vec());
                s.zeroize();
                out
            }

            fn is_generator(p: &[u8]) -> bool {
                let (gx, gy) = <$curve as PrimeCurveParams>::GENERATOR;
                let (gx, gy) = (gx.to_repr(), gy.to_repr());
                let (gx, gy): (&[u8], &[u8]) = (gx.as_ref(), gy.as_ref());
                let l = gx.len();
                p.len() == 1 + 2 * l && p[0] == 0x04 && p[1..1 + l] == *gx && p[1 + l..] == *gy
            }

            pub(super) fn mul_generator(k: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
                let mut r = nist::mul_generator(table()?, &scalar(k), $order_bits)?;
                let out = nist::encode(&r).map(Zeroizing::new);
                r.zeroize();
                out
            }

            /// k·P; P = G (a public comparison) takes the table.
            pub(super) fn mul(p: &[u8], k: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
                if is_generator(p) {
                    return mul_generator(k);
                }
                let p = nist::decode::<$curve, F>(p)?;
                let mut r = nist::mul(&p, &scalar(k));
                let out = nist::encode(&r).map(Zeroizing::new);
                r.zeroize();
                out
            }

            /// Odd multiples of G (width-7 wNAF of u1), built at the first verification.
            fn g_odd() -> Option<&'static [nist::Affine<F>]> {
                static TABLE: OnceLock<Option<Vec<nist::Affine<F>>>> = OnceLock::new();
                TABLE
                    .get_or_init(|| {
                        let g = nist::generator::<$curve, F>()?;
                        Some(nist::odd_multiples_vartime(&g, 1 << (W_G - 2)))
                    })
                    .as_deref()
            }

            /// SEC 1 §4.1.4 steps 4–8 (e already truncated to the order's bit length; r, s
            /// unsigned big-endian) on the own arithmetic, variable time: public data only.
            pub(super) fn ecdsa_verify_vartime(q: &[u8], e: &[u8], r: &[u8], s: &[u8]) -> bool {
                type Scalar = <$curve as elliptic_curve::CurveArithmetic>::Scalar;
                let Some(q) = nist::decode::<$curve, F>(q) else {
                    return false;
                };
                let (Some(r_s), Some(s_s)) = (
                    super::signature_scalar::<Scalar>(r),
                    super::signature_scalar::<Scalar>(s),
                ) else {
                    return false;
                };
                let Some(w) = Option::<Scalar>::from(s_s.invert()) else {
                    return false;
                };
                let Some(g_odd) = g_odd() else {
                    return false;
                };
                let u1 = reduce(e) * w;
                let u2 = r_s * w;
                let d1 = wnaf(AsRef::<[u8]>::as_ref(&u1.to_repr()), W_G);
                let d2 = wnaf(AsRef::<[u8]>::as_ref(&u2.to_repr()), W_Q);
                let point = nist::lincomb_vartime(g_odd, &d1, &q, &d2);
                let Some(x) = nist::x_vartime(&point) else {
                    return false;
                };
                // x mod n == r (x < p; reduce() handles x ≥ n)
                reduce(&x) == r_s
            }

            /// sk·(s·G + sk_map·P) as (sk·s mod n)·G + (sk·sk_map mod n)·P: the table of G
            /// and one variable-base multiplication instead of two, and one inversion instead
            /// of three (the curves have cofactor 1, so P, once decoded, is a multiple of G).
            pub(super) fn generic_mapping_public_key(
                s: &[u8],
                sk_map: &[u8],
                p: &[u8],
                sk: &[u8],
            ) -> Option<Vec<u8>> {
                let p = nist::decode::<$curve, F>(p)?;
                let mut k = reduce(sk);
                let mut a = reduce(s) * k;
                let mut b = reduce(sk_map) * k;
                // sk_map ≡ 0 makes H the identity, which the three steps refuse (sk ≡ 0 leaves
                // the identity anyway): a refused key, no secret to keep
                if bool::from(elliptic_curve::ff::Field::is_zero(&b)) {
                    return None;
                }
                let a_be = Zeroizing::new(AsRef::<[u8]>::as_ref(&a.to_repr()).to_vec());
                let b_be = Zeroizing::new(AsRef::<[u8]>::as_ref(&b.to_repr()).to_vec());
                k.zeroize();
                a.zeroize();
                b.zeroize();
                let mut ag = nist::mul_generator(table()?, &a_be, $order_bits)?;
                let mut bp = nist::mul(&p, &b_be);
                let mut r = nist::add(&ag, &bp);
                ag.zeroize();
                bp.zeroize();
                let out = nist::encode(&r);
                r.zeroize();
                out
            }

            pub(super) fn mul_generator_add(s: &[u8], h: &[u8]) -> Option<Vec<u8>> {
                let h = nist::decode::<$curve, F>(h)?;
                let mut sg = nist::mul_generator(table()?, &scalar(s), $order_bits)?;
                let mut r = nist::add_affine(&sg, &h);
                sg.zeroize();
                let out = nist::encode(&r);
                r.zeroize();
                out
            }
        }
    };
}

// Windows of the k·G tables: 4 bits (65 rows of 8 points for P-256), 3 for P-384 (129 rows
// of 4: a 4-bit table took 1.1 ms to build, over the 1 ms first-use budget).
nist_backend!(p192_nist, p192_impl, p192::NistP192, nist::field::Fe<3, nist::field::P192>, 24, 192, 4);
nist_backend!(p224_nist, p224_impl, p224::NistP224, nist::field::Fe<4, nist::field::P224>, 28, 224, 4);
nist_backend!(p256_nist, p256_impl, p256::NistP256, nist::field::Fe<4, nist::field::P256>, 32, 256, 4);
nist_backend!(p384_nist, p384_impl, p384::NistP384, nist::field::Fe<6, nist::field::P384>, 48, 384, 3);

macro_rules! dispatch {
    ($self:expr, $f:ident ( $($arg:expr),* )) => {
        match $self {
            Named::P192 => p192_impl::$f($($arg),*),
            Named::P224 => p224_impl::$f($($arg),*),
            Named::P256 => p256_impl::$f($($arg),*),
            Named::P384 => p384_impl::$f($($arg),*),
            Named::P521 => p521_fast::$f($($arg),*),
            Named::Bp256 => bp256_impl::$f($($arg),*),
            Named::Bp384 => bp384_impl::$f($($arg),*),
        }
    };
}

impl Named {
    /// The fast implementation of the standardized curve with this id (ICAO 9303-11 §9.5.1).
    pub(crate) fn from_id(id: u8) -> Option<Named> {
        Some(match id {
            8 => Named::P192,
            10 => Named::P224,
            12 => Named::P256,
            13 => Named::Bp256,
            15 => Named::P384,
            16 => Named::Bp384,
            18 => Named::P521,
            _ => return None,
        })
    }

    /// Whether ECDSA verification on this curve runs faster on the narrow-width Jacobian wNAF
    /// of [`super::narrow`] than on the crate's complete formulas (measured with
    /// `perf/compare.sh`; a compile-time choice per curve).
    pub(crate) fn verifies_on_narrow(self) -> bool {
        // 2026-12-07, µs per verification (narrow / crate): brainpoolP256r1 205 / 275,
        // brainpoolP384r1 630 / 774, P-256 203 / 176, P-384 653 / 662 (a tie: kept on the
        // crate); P-521 is wider than the narrow widths.
        matches!(self, Named::Bp256 | Named::Bp384)
    }

    /// Whether secret scalar multiplications (key pairs, key agreement, the Generic Mapping)
    /// on this curve run faster on the narrow-width constant-time window of [`super::narrow`]
    /// (fused Montgomery multiplication) than on the crate's complete formulas (measured with
    /// `perf/compare.sh`; a compile-time choice per curve). Implies [`Named::verifies_on_narrow`].
    pub(crate) fn multiplies_on_narrow(self) -> bool {
        matches!(self, Named::Bp256 | Named::Bp384)
    }

    /// G, uncompressed.
    pub(crate) fn generator(self) -> Vec<u8> {
        dispatch!(self, generator())
    }

    /// k·P in constant time (for a given length of k); `None` if P does not decode or the
    /// result is the identity.
    pub(crate) fn mul(self, p: &[u8], k: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        match self {
            Named::P192 => p192_nist::mul(p, k),
            Named::P224 => p224_nist::mul(p, k),
            Named::P256 => p256_nist::mul(p, k),
            Named::P384 => p384_nist::mul(p, k),
            _ => dispatch!(self, mul(p, k)),
        }
    }

    /// Whether [`Named::mul_generator`] has a table of multiples of G (P-192…P-521); on the
    /// other curves it is [`Named::mul`] by G.
    pub(crate) fn has_generator_table(self) -> bool {
        matches!(
            self,
            Named::P192 | Named::P224 | Named::P256 | Named::P384 | Named::P521
        )
    }

    /// k·G in constant time (for a given length of k); `None` if the result is the identity.
    pub(crate) fn mul_generator(self, k: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        match self {
            Named::P192 => p192_nist::mul_generator(k),
            Named::P224 => p224_nist::mul_generator(k),
            Named::P256 => p256_nist::mul_generator(k),
            Named::P384 => p384_nist::mul_generator(k),
            Named::P521 => p521_fast::mul_generator(k),
            _ => dispatch!(self, mul(&self.generator(), k)),
        }
    }

    /// s·G + H in constant time (for a given length of s).
    pub(crate) fn mul_generator_add(self, s: &[u8], h: &[u8]) -> Option<Vec<u8>> {
        match self {
            Named::P192 => p192_nist::mul_generator_add(s, h),
            Named::P224 => p224_nist::mul_generator_add(s, h),
            Named::P256 => p256_nist::mul_generator_add(s, h),
            Named::P384 => p384_nist::mul_generator_add(s, h),
            _ => dispatch!(self, mul_generator_add(s, h)),
        }
    }

    /// Whether [`Named::generic_mapping_public_key`] computes the Generic Mapping's public key
    /// in one pass (P-192…P-384 on the own arithmetic).
    pub(crate) fn fuses_generic_mapping(self) -> bool {
        matches!(self, Named::P192 | Named::P224 | Named::P256 | Named::P384)
    }

    /// sk·(s·G + sk_map·P), the public key on the Generic Mapping's generator, in constant
    /// time (for given lengths of the scalars): (sk·s)·G + (sk·sk_map)·P with the products
    /// taken modulo n. `None` if P does not decode, the result is the identity (the mapped
    /// generator is), or the curve does not fuse the mapping
    /// ([`Named::fuses_generic_mapping`]).
    pub(crate) fn generic_mapping_public_key(
        self,
        s: &[u8],
        sk_map: &[u8],
        p: &[u8],
        sk: &[u8],
    ) -> Option<Vec<u8>> {
        match self {
            Named::P192 => p192_nist::generic_mapping_public_key(s, sk_map, p, sk),
            Named::P224 => p224_nist::generic_mapping_public_key(s, sk_map, p, sk),
            Named::P256 => p256_nist::generic_mapping_public_key(s, sk_map, p, sk),
            Named::P384 => p384_nist::generic_mapping_public_key(s, sk_map, p, sk),
            _ => None,
        }
    }

    /// sk_ic⁻¹ · sk_map mod n, big-endian (field-size octets), in constant time.
    pub(crate) fn cam_data(self, sk_ic: &[u8], sk_map: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        dispatch!(self, cam_data(sk_ic, sk_map))
    }

    /// ECDSA verification, variable time: `q` the uncompressed public key, `e` the hash
    /// already truncated to the order's bit length, `r`, `s` unsigned big-endian. `None` for
    /// the curves that verify on the narrow-width arithmetic instead
    /// ([`Named::verifies_on_narrow`]).
    pub(crate) fn ecdsa_verify_vartime(
        self,
        q: &[u8],
        e: &[u8],
        r: &[u8],
        s: &[u8],
    ) -> Option<bool> {
        Some(match self {
            Named::P192 => p192_nist::ecdsa_verify_vartime(q, e, r, s),
            Named::P224 => p224_nist::ecdsa_verify_vartime(q, e, r, s),
            Named::P256 => p256_nist::ecdsa_verify_vartime(q, e, r, s),
            Named::P384 => p384_nist::ecdsa_verify_vartime(q, e, r, s),
            Named::P521 => p521_fast::ecdsa_verify_vartime(q, e, r, s),
            Named::Bp256 | Named::Bp384 => return None,
        })
    }
}

#[cfg(test)]
mod nist_tests {
    //! The own Jacobian arithmetic of P-192/224/256/384 ([`super::super::nist`]) against the
    //! crates' `ProjectivePoint * Scalar` (the `*_impl` backends).
    use super::*;
    use proptest::prelude::*;

    /// n of each curve, big-endian (FIPS 186-4 D.1.2).
    fn order(c: Named) -> Vec<u8> {
        let hex = match c {
            Named::P192 => "ffffffffffffffffffffffff99def836146bc9b1b4d22831",
            Named::P224 => "ffffffffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3d",
            Named::P256 => "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
            Named::P384 => concat!(
                "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf",
                "581a0db248b0a77aecec196accc52973"
            ),
            _ => unreachable!("not a curve of this module"),
        };
        hex::decode(hex).unwrap()
    }

    const CURVES: [Named; 4] = [Named::P192, Named::P224, Named::P256, Named::P384];

    /// The crate's k·P.
    fn crate_mul(c: Named, p: &[u8], k: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        dispatch!(c, mul(p, k))
    }

    /// The crate's s·G + H.
    fn crate_mul_generator_add(c: Named, s: &[u8], h: &[u8]) -> Option<Vec<u8>> {
        dispatch!(c, mul_generator_add(s, h))
    }

    /// big-endian a ± small, same length (wrapping)
    fn add_small(a: &[u8], d: i64) -> Vec<u8> {
        let mut out = a.to_vec();
        let mut carry = d as i128;
        for b in out.iter_mut().rev() {
            let v = i128::from(*b) + carry;
            *b = v.rem_euclid(256) as u8;
            carry = v.div_euclid(256);
        }
        out
    }

    /// big-endian a − b, same length (wrapping)
    fn sub(a: &[u8], b: &[u8]) -> Vec<u8> {
        let mut out = a.to_vec();
        let mut borrow = 0i32;
        for i in (0..out.len()).rev() {
            let v = i32::from(a[i]) - i32::from(b[i]) - borrow;
            out[i] = v.rem_euclid(256) as u8;
            borrow = i32::from(v < 0);
        }
        out
    }

    /// Scalars where signed windows meet their edge cases: 0, 1, 2, n−1, n, n+1, n−2·j,
    /// powers of two (and ±1) up to past the order's length, n − 2^j, all-ones.
    fn edge_scalars(c: Named) -> Vec<Vec<u8>> {
        let n = order(c);
        let len = n.len();
        let mut out = vec![
            vec![0u8; len],
            vec![1],
            vec![2],
            vec![0xff; len],
            vec![0xff; 2 * len],
        ];
        for d in [-1i64, 0, 1, 2, -2, -4, -8, -16, -30, -32, -34] {
            out.push(add_small(&n, d));
        }
        for j in 0..8 * len + 6 {
            let mut p = vec![0u8; len + 1];
            p[len - j / 8] |= 1 << (j % 8);
            out.push(p.clone());
            out.push(add_small(&p, 1));
            out.push(add_small(&p, -1));
            if j < 8 * len {
                let mut q = vec![0u8; len];
                q[len - 1 - j / 8] |= 1 << (j % 8);
                // n − 2^j
                out.push(sub(&n, &q));
            }
        }
        out
    }

    #[test]
    fn own_arithmetic_matches_the_crates_on_edge_scalars() {
        for c in CURVES {
            let g = c.generator();
            let p = crate_mul(c, &g, &[0x12, 0x34, 0x56, 0x78, 0x9a]).unwrap();
            let h = crate_mul(c, &g, &[0x0b, 0xad, 0xc0, 0xde]).unwrap();
            for k in edge_scalars(c) {
                assert_eq!(
                    c.mul(&p, &k),
                    crate_mul(c, &p, &k),
                    "{c:?} k·P k={}",
                    hex::encode(&k)
                );
                assert_eq!(c.mul(&g, &k), crate_mul(c, &g, &k), "{c:?} k·G via mul");
                assert_eq!(
                    c.mul_generator(&k),
                    crate_mul(c, &g, &k),
                    "{c:?} k·G k={}",
                    hex::encode(&k)
                );
                assert_eq!(
                    c.mul_generator_add(&k, &h),
                    crate_mul_generator_add(c, &k, &h),
                    "{c:?} k·G + H"
                );
            }
        }
    }

    #[test]
    fn generic_mapping_handles_h_equal_to_plus_and_minus_s_g() {
        for c in CURVES {
            let g = c.generator();
            let s = [0x42u8; 20];
            let sg = crate_mul(c, &g, &s).unwrap();
            // H = s·G: the final addition is a doubling
            assert_eq!(
                c.mul_generator_add(&s, &sg),
                crate_mul_generator_add(c, &s, &sg)
            );
            assert!(c.mul_generator_add(&s, &sg).is_some());
            // H = −s·G = (n − s)·G: the sum is the identity
            let n = order(c);
            let s_wide: Vec<u8> = std::iter::repeat_n(0, n.len() - s.len()).chain(s).collect();
            let msg = crate_mul(c, &g, &sub(&n, &s_wide)).unwrap();
            assert_eq!(c.mul_generator_add(&s, &msg), None);
            assert_eq!(crate_mul_generator_add(c, &s, &msg), None);
        }
    }

    /// The three steps the one-pass Generic Mapping replaces, on the crates:
    /// H = sk_map·P, G' = s·G + H, sk·G'.
    fn crate_generic_mapping_public_key(
        c: Named,
        s: &[u8],
        sk_map: &[u8],
        p: &[u8],
        sk: &[u8],
    ) -> Option<Vec<u8>> {
        let h = crate_mul(c, p, sk_map)?;
        let mapped = crate_mul_generator_add(c, s, &h)?;
        crate_mul(c, &mapped, sk).map(|v| v.to_vec())
    }

    #[test]
    fn one_pass_generic_mapping_public_key_matches_the_three_steps_on_edge_scalars() {
        for c in CURVES {
            assert!(c.fuses_generic_mapping());
            let g = c.generator();
            let p = crate_mul(c, &g, &[0x31, 0x41, 0x59, 0x26, 0x53]).unwrap();
            let (s, sk_map, sk) = ([0x5au8; 16], [0x77u8; 9], [0x2bu8; 21]);
            // every edge for the unreduced nonce s; the first 16 (0, 1, 2, all-ones,
            // n + small) for the two keys as well
            for (i, k) in edge_scalars(c).iter().enumerate() {
                let cases: &[(&[u8], &[u8], &[u8])] = if i < 16 {
                    &[(k, &sk_map, &sk), (&s, k, &sk), (&s, &sk_map, k)]
                } else {
                    &[(k, &sk_map, &sk)]
                };
                for &(s, sk_map, sk) in cases {
                    assert_eq!(
                        c.generic_mapping_public_key(s, sk_map, &p, sk),
                        crate_generic_mapping_public_key(c, s, sk_map, &p, sk),
                        "{c:?} s={} sk_map={} sk={}",
                        hex::encode(s),
                        hex::encode(sk_map),
                        hex::encode(sk)
                    );
                }
            }
        }
    }

    #[test]
    fn one_pass_generic_mapping_handles_h_equal_to_plus_and_minus_s_g() {
        for c in CURVES {
            let g = c.generator();
            let s = [0x42u8; 20];
            let sk = [0x19u8; 12];
            // sk_map = 1 makes H = P. P = s·G: the two halves (sk·s)·G and (sk·sk_map)·P are
            // the same point, the final addition a doubling (G' = 2·s·G)
            let sg = crate_mul(c, &g, &s).unwrap();
            let doubled = c.generic_mapping_public_key(&s, &[1], &sg, &sk);
            assert!(doubled.is_some(), "{c:?}");
            assert_eq!(
                doubled,
                crate_generic_mapping_public_key(c, &s, &[1], &sg, &sk)
            );
            // P = −s·G: G' is the identity, and so is sk·G'
            let n = order(c);
            let s_wide: Vec<u8> = std::iter::repeat_n(0, n.len() - s.len()).chain(s).collect();
            let msg = crate_mul(c, &g, &sub(&n, &s_wide)).unwrap();
            assert_eq!(c.generic_mapping_public_key(&s, &[1], &msg, &sk), None);
            assert_eq!(
                crate_generic_mapping_public_key(c, &s, &[1], &msg, &sk),
                None
            );
            // a point off the curve is refused
            let mut bad = sg.to_vec();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert_eq!(c.generic_mapping_public_key(&s, &[1], &bad, &sk), None);
        }
    }

    #[test]
    fn own_arithmetic_refuses_points_off_the_curve() {
        for c in CURVES {
            let mut g = c.generator();
            let last = g.len() - 1;
            g[last] ^= 1;
            assert_eq!(c.mul(&g, &[5]), None);
            assert_eq!(c.mul_generator_add(&[5], &g), None);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn own_arithmetic_matches_the_crates_on_random_scalars_and_points(
            curve in 0usize..4,
            k in proptest::collection::vec(any::<u8>(), 1..=96),
            r in proptest::collection::vec(any::<u8>(), 1..=48),
        ) {
            let c = CURVES[curve];
            let g = c.generator();
            let p = crate_mul(c, &g, &r);
            prop_assume!(p.is_some());
            let p = p.unwrap();
            prop_assert_eq!(c.mul(&p, &k), crate_mul(c, &p, &k));
            prop_assert_eq!(c.mul_generator(&k), crate_mul(c, &g, &k));
            prop_assert_eq!(c.mul_generator_add(&k, &p), crate_mul_generator_add(c, &k, &p));
            prop_assert_eq!(
                c.generic_mapping_public_key(&r, &k, &p, &k[..k.len().min(40)]),
                crate_generic_mapping_public_key(c, &r, &k, &p, &k[..k.len().min(40)])
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{p521_fast, Named};

    #[test]
    fn p521_generator_entry_points_reduce_unreduced_scalars_and_match_the_p521_crate() {
        let g = Named::P521.generator();
        // a 72-octet scalar: reduced modulo n first
        let k: Vec<u8> = (0u8..72)
            .map(|i| i.wrapping_mul(91).wrapping_add(7))
            .collect();
        let by_comb = p521_fast::mul_generator(&k).expect("not the identity");
        // the p521 crate, with its own reduction modulo n
        let expect = {
            use p521::elliptic_curve::sec1::ToEncodedPoint;
            let p = p521::ProjectivePoint::GENERATOR * super::p521_impl::reduce(&k);
            p.to_affine().to_encoded_point(false).as_bytes().to_vec()
        };
        assert_eq!(by_comb.to_vec(), expect);
        assert_eq!(
            Named::P521.mul(&g, &k).map(|v| v.to_vec()),
            Some(by_comb.to_vec())
        );
        // s·G + G = (s + 1)·G
        let mut k1 = k.clone();
        *k1.last_mut().unwrap() += 1;
        assert_eq!(
            Named::P521.mul_generator_add(&k, &g),
            p521_fast::mul_generator(&k1).map(|v| v.to_vec())
        );
        assert_eq!(p521_fast::mul_generator(&[0u8; 66]), None);
    }
}
