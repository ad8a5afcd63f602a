//! The P-521 field and group against `crypto-bigint` (field) and the `p521` crate (group).

use super::*;
use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::{Encoding, U576};
use p521::elliptic_curve::ff::PrimeField;
use p521::elliptic_curve::group::Group;
use p521::elliptic_curve::sec1::ToEncodedPoint;
use proptest::prelude::*;

const P_HEX: &str = "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF";

fn u576(be66: &[u8]) -> U576 {
    let mut b = [0u8; 72];
    b[72 - LEN..].copy_from_slice(be66);
    U576::from_be_slice(&b)
}

fn be66(v: &U576) -> [u8; LEN] {
    let b = v.to_be_bytes();
    let mut out = [0u8; LEN];
    out.copy_from_slice(&b[72 - LEN..]);
    out
}

fn params() -> DynResidueParams<{ U576::LIMBS }> {
    DynResidueParams::new(&u576(&hex66(P_HEX)))
}

fn res(v: &[u8; LEN]) -> DynResidue<{ U576::LIMBS }> {
    DynResidue::new(&u576(v), params())
}

fn p_minus(k: u8) -> [u8; LEN] {
    let mut v = hex66(P_HEX);
    v[LEN - 1] -= k;
    v
}

/// A canonical field element from 66 random octets (reduced by masking to 521 bits and
/// mapping p to 0).
fn canonical(mut b: [u8; LEN]) -> [u8; LEN] {
    b[0] &= 1;
    if b == hex66(P_HEX) {
        [0u8; LEN]
    } else {
        b
    }
}

/// An element with limbs stretched to the invariant's bounds but the same value, to exercise
/// the unsaturated paths.
fn loose(v: &Fe) -> Fe {
    // value + p, added limb by limb without carrying: limbs up to 2^59 − 2 (top 2^58 − 2)
    let mut l = v.0;
    for (i, x) in l.iter_mut().enumerate() {
        *x += if i == 8 { M57 } else { M58 };
    }
    Fe(l)
}

fn edge_values() -> Vec<[u8; LEN]> {
    let mut one = [0u8; LEN];
    one[LEN - 1] = 1;
    let mut two_520 = [0u8; LEN];
    two_520[0] = 1;
    vec![[0u8; LEN], one, p_minus(1), p_minus(2), two_520]
}

fn arb66() -> impl Strategy<Value = [u8; LEN]> {
    prop::collection::vec(any::<u8>(), LEN).prop_map(|v| {
        let mut a = [0u8; LEN];
        a.copy_from_slice(&v);
        canonical(a)
    })
}

fn check_ops(a: &[u8; LEN], b: &[u8; LEN]) {
    let (fa, fb) = (Fe::from_bytes(a).unwrap(), Fe::from_bytes(b).unwrap());
    let (ra, rb) = (res(a), res(b));
    assert_eq!(fa.mul(&fb).to_bytes(), be66(&(ra * rb).retrieve()), "mul");
    assert_eq!(
        fa.square().to_bytes(),
        be66(&ra.square().retrieve()),
        "square"
    );
    assert_eq!(fa.add(&fb).to_bytes(), be66(&(ra + rb).retrieve()), "add");
    assert_eq!(fa.sub(&fb).to_bytes(), be66(&(ra - rb).retrieve()), "sub");
    assert_eq!(fa.neg().to_bytes(), be66(&(-ra).retrieve()), "neg");
    let (inv, ok) = ra.invert();
    let expect_inv = if bool::from(ok) {
        be66(&inv.retrieve())
    } else {
        [0u8; LEN]
    };
    assert_eq!(fa.invert().to_bytes(), expect_inv, "invert");
    // the same through loose (unsaturated) representations
    let (la, lb) = (loose(&fa), loose(&fb));
    assert_eq!(la.to_bytes(), *a, "loose form encodes canonically");
    assert_eq!(
        la.mul(&lb).to_bytes(),
        be66(&(ra * rb).retrieve()),
        "loose mul"
    );
    assert_eq!(la.square().to_bytes(), be66(&ra.square().retrieve()));
    assert_eq!(la.sub(&lb).to_bytes(), be66(&(ra - rb).retrieve()));
    assert_eq!(
        bool::from(fa.ct_eq(&fb)),
        a == b,
        "ct_eq on canonical values"
    );
}

#[test]
fn field_edge_values_match_crypto_bigint() {
    for a in edge_values() {
        for b in edge_values() {
            check_ops(&a, &b);
        }
    }
    // p − 1 squared is 1; (p − 1)⁻¹ = p − 1; 0⁻¹ maps to 0
    let pm1 = Fe::from_bytes(&p_minus(1)).unwrap();
    assert_eq!(pm1.square().to_bytes(), Fe::ONE.to_bytes());
    assert_eq!(pm1.invert().to_bytes(), p_minus(1));
    assert!(bool::from(Fe::ZERO.invert().is_zero()));
}

#[test]
fn field_decoding_refuses_p_and_above_and_wrong_lengths() {
    assert!(Fe::from_bytes(&hex66(P_HEX)).is_none(), "p itself");
    let mut above = hex66(P_HEX);
    above[0] = 2;
    assert!(Fe::from_bytes(&above).is_none(), "2^521");
    let mut ff = [0xFFu8; LEN];
    assert!(Fe::from_bytes(&ff).is_none(), "all ones");
    ff[0] = 0x01;
    ff[LEN - 1] = 0xFE;
    assert_eq!(
        Fe::from_bytes(&ff).unwrap().to_bytes(),
        ff,
        "p − 1 round trip"
    );
    assert!(Fe::from_bytes(&[0u8; LEN - 1]).is_none());
    assert!(Fe::from_bytes(&[0u8; LEN + 1]).is_none());
    // p and 0 as limbs encode the same
    let mut p_limbs = [M58; 9];
    p_limbs[8] = M57;
    assert_eq!(Fe(p_limbs).to_bytes(), [0u8; LEN]);
    assert!(bool::from(Fe(p_limbs).is_zero()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn field_ops_match_crypto_bigint(a in arb66(), b in arb66()) {
        check_ops(&a, &b);
        prop_assert_eq!(Fe::from_bytes(&a).unwrap().to_bytes(), a);
    }
}

// ---------------------------------------------------------------------------------------------
// group
// ---------------------------------------------------------------------------------------------

fn n_minus(k: u64) -> [u8; LEN] {
    be66(&u576(&N).wrapping_sub(&U576::from_u64(k)))
}

fn small(k: u64) -> [u8; LEN] {
    be66(&U576::from_u64(k))
}

fn crate_scalar(k: &[u8; LEN]) -> p521::Scalar {
    let mut repr = p521::FieldBytes::default();
    repr.copy_from_slice(k);
    Option::from(p521::Scalar::from_repr(repr)).expect("scalar below n")
}

fn crate_encode(p: &p521::ProjectivePoint) -> Option<Vec<u8>> {
    let b = p.to_affine().to_encoded_point(false).as_bytes().to_vec();
    (b.len() > 1).then_some(b)
}

fn edge_scalars() -> Vec<[u8; LEN]> {
    let mut v: Vec<[u8; LEN]> = (0..=66).map(small).collect();
    v.extend((1..=66).map(n_minus));
    let mut two_520 = [0u8; LEN];
    two_520[0] = 1;
    v.push(two_520);
    v
}

fn arb_scalar() -> impl Strategy<Value = [u8; LEN]> {
    prop::collection::vec(any::<u8>(), LEN).prop_map(|v| {
        let mut a = [0u8; LEN];
        a.copy_from_slice(&v);
        a[0] &= 1;
        // below n: reduce through the crate
        let wide = u576(&a);
        let n = crypto_bigint::NonZero::new(u576(&N)).unwrap();
        be66(&wide.rem(&n))
    })
}

#[test]
fn generator_and_b_match_the_p521_crate() {
    let g = crate_encode(&p521::ProjectivePoint::GENERATOR).unwrap();
    assert_eq!(Aff::generator().encode(), g);
    assert!(bool::from(Aff::generator().is_on_curve()));
    assert!(Aff::decode(&g).is_some());
    let mut off = g.clone();
    off[LEN] ^= 1; // x changed: off the curve
    assert!(Aff::decode(&off).is_none());
    assert!(Aff::decode(&g[..g.len() - 1]).is_none());
}

#[test]
fn edge_scalars_times_g_and_p_match_the_p521_crate() {
    let g = Aff::generator().encode();
    let p_scalar = crate_scalar(&arb_fixed());
    let p = p521::ProjectivePoint::GENERATOR * p_scalar;
    let p_enc = crate_encode(&p).unwrap();
    for k in edge_scalars() {
        let ks = crate_scalar(&k);
        let expect_g = crate_encode(&(p521::ProjectivePoint::GENERATOR * ks));
        assert_eq!(
            mul_generator(&k).map(|v| v.to_vec()),
            expect_g,
            "k·G, k = {}",
            hex::encode(k)
        );
        assert_eq!(
            mul(&g, &k).map(|v| v.to_vec()),
            expect_g,
            "mul(G) goes by the table"
        );
        let pa = Aff::decode(&p_enc).unwrap();
        assert_eq!(
            encode_jac(&mul_ct(&pa, &k)),
            crate_encode(&(p * ks)),
            "k·P, k = {}",
            hex::encode(k)
        );
        assert_eq!(
            encode_jac(&mul_ct(&Aff::generator(), &k)),
            expect_g,
            "variable-base k·G"
        );
    }
}

fn arb_fixed() -> [u8; LEN] {
    let mut v = [0u8; LEN];
    for (i, b) in v.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37).wrapping_add(11);
    }
    v[0] = 0;
    v
}

#[test]
fn generator_plus_h_covers_equal_opposite_and_identity_sums() {
    let k = small(5);
    let five_g = crate_encode(&(p521::ProjectivePoint::GENERATOR * crate_scalar(&k))).unwrap();
    // 5·G + 5·G = 10·G (the doubling case)
    let ten_g = crate_encode(&(p521::ProjectivePoint::GENERATOR * crate_scalar(&small(10))));
    assert_eq!(mul_generator_add(&k, &five_g), ten_g);
    // (n − 5)·G + 5·G = identity
    assert_eq!(mul_generator_add(&n_minus(5), &five_g), None);
    // 0·G + H = H
    assert_eq!(mul_generator_add(&small(0), &five_g), Some(five_g.clone()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn scalar_multiplication_matches_the_p521_crate(k in arb_scalar(), a in arb_scalar(), s in arb_scalar()) {
        let ks = crate_scalar(&k);
        let g = p521::ProjectivePoint::GENERATOR;
        prop_assert_eq!(mul_generator(&k).map(|v| v.to_vec()), crate_encode(&(g * ks)));
        let p = g * crate_scalar(&a);
        if let Some(p_enc) = crate_encode(&p) {
            prop_assert_eq!(mul(&p_enc, &k).map(|v| v.to_vec()), crate_encode(&(p * ks)));
            let ss = crate_scalar(&s);
            prop_assert_eq!(mul_generator_add(&s, &p_enc), crate_encode(&(g * ss + p)));
            // u1·G + u2·P, variable time: x-coordinate
            let expect = crate_encode(&(g * ks + p * ss)).map(|e| e[1..1 + LEN].to_vec());
            prop_assert_eq!(lincomb_x_vartime(&k, &p_enc, &s).map(|x| x.to_vec()), expect);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn vartime_inverse_mod_n_matches_the_p521_crate(s in arb_scalar()) {
        let expect = Option::<p521::Scalar>::from(crate_scalar(&s).invert())
            .map(|i| {
                let mut b = [0u8; LEN];
                b.copy_from_slice(&i.to_repr());
                b
            });
        prop_assert_eq!(invert_mod_n_vartime(&s), expect);
    }
}

#[test]
fn vartime_inverse_mod_n_refuses_zero_and_n_and_inverts_edges() {
    assert_eq!(invert_mod_n_vartime(&small(0)), None);
    assert_eq!(invert_mod_n_vartime(&N), None);
    assert_eq!(invert_mod_n_vartime(&small(1)), Some(small(1)));
    // (n − 1)⁻¹ = n − 1
    assert_eq!(invert_mod_n_vartime(&n_minus(1)), Some(n_minus(1)));
}

#[test]
fn lincomb_vartime_handles_cancelling_and_doubling_terms() {
    let g = Aff::generator().encode();
    // 3·G + (n − 3)·G = identity
    assert_eq!(lincomb_x_vartime(&small(3), &g, &n_minus(3)), None);
    // 7·G + 7·G = 14·G
    let expect = crate_encode(&(p521::ProjectivePoint::GENERATOR * crate_scalar(&small(14))))
        .map(|e| e[1..1 + LEN].to_vec());
    assert_eq!(
        lincomb_x_vartime(&small(7), &g, &small(7)).map(|x| x.to_vec()),
        expect
    );
    assert!(p521::ProjectivePoint::GENERATOR.is_identity().unwrap_u8() == 0);
}

#[test]
fn comb_table_rows_are_the_tooth_multiples_of_g() {
    let comb = g_comb();
    let g = p521::ProjectivePoint::GENERATOR;
    for (j, m) in [
        (0usize, 0usize),
        (0, TABLE - 1),
        (1, 3),
        (TEETH - 1, TABLE - 1),
    ] {
        // (2m+1)·2^(W·SPAN·j), reduced modulo n
        let mut k = U576::from_u64(2 * m as u64 + 1);
        k = k.shl_vartime(W * SPAN * j);
        k = k.rem(&crypto_bigint::NonZero::new(u576(&N)).unwrap());
        let expect = crate_encode(&(g * crate_scalar(&be66(&k)))).unwrap();
        assert_eq!(comb[j][m].encode(), expect, "tooth {j}, entry {m}");
    }
}

#[test]
fn recoding_gives_odd_bounded_digits_that_sum_to_the_scalar() {
    for k in [small(1), small(3), n_minus(0), n_minus(2), arb_fixed()] {
        let mut kw = words(&k);
        kw[0] |= 1;
        let d = recode_odd(&kw);
        // Σ d_i·2^(W·i) over signed 576-bit arithmetic by wrapping U576
        let mut sum = U576::ZERO;
        for (i, di) in d.iter().enumerate() {
            assert_eq!(di & 1, 1, "odd digit");
            assert!(i32::from(*di).abs() < 1 << W);
            let mag = U576::from_u64(u64::from(di.unsigned_abs())).shl_vartime(W * i);
            sum = if *di < 0 {
                sum.wrapping_sub(&mag)
            } else {
                sum.wrapping_add(&mag)
            };
        }
        let mut expect = [0u8; 72];
        for (i, w) in kw.iter().enumerate() {
            expect[72 - 8 * (i + 1)..72 - 8 * i].copy_from_slice(&w.to_be_bytes());
        }
        assert_eq!(sum, U576::from_be_slice(&expect));
    }
}

#[test]
fn complete_additions_resolve_doubling_opposite_and_identity_inputs() {
    let g = Aff::generator();
    let gj = g.to_jac();
    // a Jacobian G with Z ≠ 1: 2G − G computed projectively
    let g_scaled = gj.double().add_raw(&gj.neg()).0;
    let two_g = encode_jac(&gj.double());
    assert_eq!(encode_jac(&g_scaled), Some(g.encode()));
    for p in [gj, g_scaled] {
        assert_eq!(encode_jac(&p.madd_complete(&g)), two_g, "P + P, mixed");
        assert_eq!(encode_jac(&p.add_complete(&gj)), two_g, "P + P");
        assert_eq!(encode_jac(&p.madd_complete(&g.neg())), None, "P − P, mixed");
        assert_eq!(encode_jac(&p.add_complete(&gj.neg())), None, "P − P");
        assert_eq!(
            encode_jac(&p.add_complete(&Jac::IDENTITY)),
            Some(g.encode())
        );
        assert_eq!(
            encode_jac(&Jac::IDENTITY.add_complete(&p)),
            Some(g.encode())
        );
    }
    assert_eq!(
        encode_jac(&Jac::IDENTITY.madd_complete(&g)),
        Some(g.encode())
    );
    assert_eq!(
        encode_jac(&Jac::IDENTITY.add_complete(&Jac::IDENTITY)),
        None
    );
    assert_eq!(encode_jac(&Jac::IDENTITY.double()), None);
    // and the general case against the crate: G + 2G = 3G
    let three = crate_encode(&(p521::ProjectivePoint::GENERATOR * crate_scalar(&small(3))));
    assert_eq!(encode_jac(&gj.double().madd_complete(&g)), three);
    assert_eq!(encode_jac(&gj.double().add_complete(&gj)), three);
}
