//! Cross-checks of `emrtd_crypto::pk` against the RustCrypto curve crates: for random scalars,
//! k·G and the ECDH shared point must agree byte for byte; plus validation and DH checks.

use emrtd_crypto::pk::{EcCurve, Element, Group, PkError, PrivateKey};
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};

/// Deterministic test RNG: SHA-256 in counter mode.
struct TestRng {
    seed: [u8; 32],
    counter: u64,
    buf: Vec<u8>,
}

impl TestRng {
    fn new(label: &str) -> Self {
        TestRng {
            seed: Sha256::digest(label.as_bytes()).into(),
            counter: 0,
            buf: Vec::new(),
        }
    }
}

impl RngCore for TestRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_be_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_be_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for d in dest.iter_mut() {
            if self.buf.is_empty() {
                let mut h = Sha256::new();
                h.update(self.seed);
                h.update(self.counter.to_be_bytes());
                self.counter += 1;
                self.buf = h.finalize().to_vec();
            }
            *d = self.buf.remove(0);
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl CryptoRng for TestRng {}

fn ec(id: u32) -> EcCurve {
    match Group::standardized(id).unwrap() {
        Group::Ec(c) => c,
        Group::Dh(_) => panic!("not a curve"),
    }
}

/// Our k·G, k·P (P = j·G) and shared x-coordinate for scalars k, j.
fn ours(curve: &EcCurve, k: &[u8], j: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let ks = curve.scalar_from_bytes(k).unwrap();
    let js = curve.scalar_from_bytes(j).unwrap();
    let kg = curve.mul(&curve.generator(), &ks).unwrap();
    let jg = curve.mul(&curve.generator(), &js).unwrap();
    let kjg = curve.mul(&jg, &ks).unwrap();
    (
        curve.encode_point(&kg),
        curve.encode_point(&kjg),
        curve.x_coordinate(&kjg).to_vec(),
    )
}

macro_rules! cross_check_013 {
    ($name:ident, $krate:ident, $curve:ident, $id:expr, $rounds:expr) => {
        #[test]
        fn $name() {
            use $krate::elliptic_curve::sec1::ToEncodedPoint;
            type SecretKey = $krate::elliptic_curve::SecretKey<$krate::$curve>;
            let curve = ec($id);
            let mut rng = TestRng::new(stringify!($name));
            for _ in 0..$rounds {
                let k = curve.scalar_to_bytes(&curve.random_scalar(&mut rng));
                let j = curve.scalar_to_bytes(&curve.random_scalar(&mut rng));
                let (kg, kjg, shared) = ours(&curve, &k, &j);
                let sk = SecretKey::from_slice(&k).unwrap();
                let sj = SecretKey::from_slice(&j).unwrap();
                let their_kg = sk.public_key().to_encoded_point(false);
                assert_eq!(kg, their_kg.as_bytes());
                let their_kjg = ($krate::ProjectivePoint::from(*sj.public_key().as_affine())
                    * *sk.to_nonzero_scalar())
                .to_affine()
                .to_encoded_point(false);
                assert_eq!(kjg, their_kjg.as_bytes());
                assert_eq!(shared, their_kjg.x().unwrap().as_slice());
                // Our decoder accepts their public key and re-encodes it identically.
                let decoded = curve.decode_point(their_kg.as_bytes()).unwrap();
                assert_eq!(curve.encode_point(&decoded), their_kg.as_bytes());
            }
        }
    };
}

cross_check_013!(p192_agrees, p192, NistP192, 8, 6);
cross_check_013!(p224_agrees, p224, NistP224, 10, 6);
cross_check_013!(p256_agrees, p256, NistP256, 12, 6);
cross_check_013!(p384_agrees, p384, NistP384, 15, 4);
cross_check_013!(p521_agrees, p521, NistP521, 18, 3);

macro_rules! cross_check_014 {
    ($name:ident, $krate:ident, $id:expr, $rounds:expr) => {
        #[test]
        fn $name() {
            use $krate::elliptic_curve::sec1::ToSec1Point;
            let curve = ec($id);
            let mut rng = TestRng::new(stringify!($name));
            for _ in 0..$rounds {
                let k = curve.scalar_to_bytes(&curve.random_scalar(&mut rng));
                let j = curve.scalar_to_bytes(&curve.random_scalar(&mut rng));
                let (kg, kjg, _) = ours(&curve, &k, &j);
                let sk = $krate::r1::SecretKey::from_slice(&k).unwrap();
                let sj = $krate::r1::SecretKey::from_slice(&j).unwrap();
                let their_kg = sk.public_key().to_sec1_point(false);
                assert_eq!(kg, their_kg.as_bytes());
                let their_kjg = ($krate::r1::ProjectivePoint::from(*sj.public_key().as_affine())
                    * *sk.to_nonzero_scalar())
                .to_affine()
                .to_sec1_point(false);
                assert_eq!(kjg, their_kjg.as_bytes());
            }
        }
    };
}

cross_check_014!(brainpool_p256r1_agrees, bp256, 13, 6);
cross_check_014!(brainpool_p384r1_agrees, bp384, 16, 4);

#[test]
fn icao_g1_mapping_ecdh_on_brainpool_p256r1() {
    // ICAO 9303-11 App. G.1: H = SK_Map,IC · PK_Map,IFD = SK_Map,IFD · PK_Map,IC.
    let g = Group::standardized(13).unwrap();
    let sk_ifd = g
        .private_key_from_bytes(
            &hex::decode("7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99")
                .unwrap(),
        )
        .unwrap();
    let pk_ifd = g.public_key(&sk_ifd, &g.generator()).unwrap();
    assert_eq!(
        hex::encode_upper(g.encode_public_key(&pk_ifd).unwrap()),
        "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D"
    );
    let pk_ic = g
        .decode_public_key(&hex::decode("04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54").unwrap())
        .unwrap();
    let h = g.key_agreement(&sk_ifd, &pk_ic).unwrap();
    assert_eq!(
        hex::encode_upper(g.encode_public_key(&h).unwrap()),
        "0460332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD50840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181"
    );
    let mapped = g
        .generic_mapping(
            &hex::decode("3F00C4D39D153F2B2A214A078D899B22").unwrap(),
            &h,
        )
        .unwrap();
    assert_eq!(
        hex::encode_upper(g.encode_public_key(&mapped).unwrap()),
        "048CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E28C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522"
    );
}

#[test]
fn ec_public_key_validation() {
    let g = Group::standardized(12).unwrap();
    let Group::Ec(c) = &g else { unreachable!() };
    let good = c.encode_point(&c.generator());
    assert!(g.decode_public_key(&good).is_ok());
    // Not on the curve: flip a bit of y.
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(g.decode_public_key(&bad).unwrap_err(), PkError::NotOnCurve);
    // Coordinate ≥ p.
    let mut big = good.clone();
    for b in &mut big[1..33] {
        *b = 0xFF;
    }
    assert_eq!(
        g.decode_public_key(&big).unwrap_err(),
        PkError::CoordinateOutOfRange
    );
    // Compressed / wrong length / identity encoding.
    assert!(g.decode_public_key(&good[..33]).is_err());
    assert!(g.decode_public_key(&[0x00]).is_err());
    assert!(g.decode_public_key(&[]).is_err());
    let mut compressed = good[..33].to_vec();
    compressed[0] = 0x02;
    assert!(g.decode_public_key(&compressed).is_err());
    // Scalars: 0 and n are rejected.
    assert!(g.private_key_from_bytes(&[0]).is_err());
    assert!(g.private_key_from_bytes(&c.order()).is_err());
}

#[test]
fn cofactor_curve_rejects_points_outside_subgroup() {
    // y² = x³ + 2x + 3 over F_97 has 100 points; (3, 6) has order 5 (h = 20).
    // A point of order 2 or 4 must be rejected as a public key.
    let c = EcCurve::new(&[97], &[2], &[3], &[3], &[6], &[5], &[20]).unwrap();
    let mut found_bad = 0;
    for x in 0u8..97 {
        for y in 0u8..97 {
            let enc = [4, x, y];
            let on_curve = (u32::from(y) * u32::from(y)) % 97
                == (u32::from(x).pow(3) + 2 * u32::from(x) + 3) % 97;
            match c.decode_point(&enc) {
                Ok(p) => {
                    assert!(on_curve);
                    // In the subgroup of order 5: 5·P = O, so mul by 5 fails.
                    let five = c.scalar_from_bytes_unreduced(&[5]).unwrap();
                    assert_eq!(c.mul(&p, &five).unwrap_err(), PkError::IdentityResult);
                }
                Err(PkError::NotInSubgroup) => {
                    assert!(on_curve);
                    found_bad += 1;
                }
                Err(PkError::NotOnCurve) => assert!(!on_curve),
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
    }
    assert!(found_bad > 0);
}

#[test]
fn dh_groups_agree_and_validate() {
    let mut rng = TestRng::new("dh");
    for id in 0..=2 {
        let g = Group::standardized(id).unwrap();
        let a = g.generate_private_key(&mut rng);
        let b = g.generate_private_key(&mut rng);
        let pa = g.public_key(&a, &g.generator()).unwrap();
        let pb = g.public_key(&b, &g.generator()).unwrap();
        let pa = g
            .decode_public_key(&g.encode_public_key(&pa).unwrap())
            .unwrap();
        let pb = g
            .decode_public_key(&g.encode_public_key(&pb).unwrap())
            .unwrap();
        let k1 = g.shared_secret(&a, &pb).unwrap();
        let k2 = g.shared_secret(&b, &pa).unwrap();
        assert_eq!(k1, k2);
        let Group::Dh(d) = &g else { unreachable!() };
        assert_eq!(k1.len(), d.size());
        // Validation: 0, 1, p−1, p and an element outside the subgroup are rejected.
        let p = d.p();
        let mut p_minus_1 = p.clone();
        *p_minus_1.last_mut().unwrap() -= 1;
        assert!(g.decode_public_key(&[0]).is_err());
        assert!(g.decode_public_key(&[1]).is_err());
        assert!(g.decode_public_key(&p_minus_1).is_err());
        assert!(g.decode_public_key(&p).is_err());
        assert_eq!(
            g.decode_public_key(&[2]).unwrap_err(),
            PkError::NotInSubgroup
        );
        let _ = PrivateKey::Dh(d.random_exponent(&mut rng));
    }
}

#[test]
fn icao_g2_dh_generic_mapping() {
    let g = Group::standardized(0).unwrap();
    let sk = g
        .private_key_from_bytes(&hex::decode("5265030F751F4AD18B08AC565FC7AC952E41618D").unwrap())
        .unwrap();
    let pk = g.public_key(&sk, &g.generator()).unwrap();
    assert_eq!(
        hex::encode_upper(g.encode_public_key(&pk).unwrap()),
        "23FB3749EA030D2A25B278D2A562047ADE3F01B74F17A15402CB7352CA7D2B3EB71C343DB13D1DEBCE9A3666DBCFC920B49174A602CB47965CAA73DC702489A44D41DB914DE9613DC5E98C94160551C0DF86274B9359BC0490D01B03AD54022DCB4F57FAD6322497D7A1E28D46710F461AFE710FBBBC5F8BA166F4311975EC6C"
    );
    let peer = g.decode_public_key(&hex::decode("78879F57225AA8080D52ED0FC890A4B25336F699AA89A2D3A189654AF70729E623EA5738B26381E4DA19E004706FACE7B235C2DBF2F38748312F3C98C2DD4882A41947B324AA1259AC22579DB93F7085655AF30889DBB845D9E6783FE42C9F2449400306254C8AE8EE9DD812A804C0B66E8CAFC14F84D8258950A91B44126EE6").unwrap()).unwrap();
    let h = g.key_agreement(&sk, &peer).unwrap();
    assert_eq!(
        hex::encode_upper(g.shared_secret_bytes(&h).unwrap().as_slice()),
        "5BABEBEF5B74E5BA94B5C063FDA15F1F1CDE94873EE0A5D3A2FCAB49F258D07F544F13CB66658C3AFEE9E727389BE3F6CBBBD32128A8C21DD6EEA3CF7091CDDFB08B8D007D40318DCCA4FFBF51208790FB4BD111E5A968ED6B6F08B26CA87C410B3CE0C310CE104EABD16629AA48620C1279270CB0750C0D37C57FFFE302AE7F"
    );
    let mapped = g
        .generic_mapping(
            &hex::decode("FA5B7E3E49753A0DB9178B7B9BD898C8").unwrap(),
            &h,
        )
        .unwrap();
    assert_eq!(
        hex::encode_upper(g.encode_public_key(&mapped).unwrap()),
        "7C9CBFE98F9FBDDA8D143506FA7D9306F4CB17E3C71707AFF5E1C1A12370249684D64EE37AF44B8DBD9D45BF6023919CBAA027AB97ACC771666C8E98FF483301BFA4872DEDE9034EDFACB70814166B7F360676829B826BEA57291B5AD69FBC84EF1E779032A305803F74341793E869742D401325B37EE8565FFCDEE618342DC5"
    );
    assert!(matches!(mapped, Element::Dh(_)));
}

#[test]
fn icao_h1_h2_integrated_mapping_point_encoding() {
    // H.1: brainpoolP256r1, R(s,t) → f_G(R_p(s,t)).
    let g = Group::standardized(13).unwrap();
    let r = hex::decode("E4447E2DFB3586BAC05DDB00156B57FBB2179A3949294C97254189800C517BAA8DA0FF397ED8C445D3E421E4FEB57322").unwrap();
    let mapped = g.integrated_mapping(&r).unwrap();
    assert_eq!(
        hex::encode_upper(g.encode_public_key(&mapped).unwrap()),
        "048E82D31559ED0FDE92A4D0498ADD3C23BABA94FB77691E31E90AEA77FB17D4274C1AE14BD0C3DBAC0C871B7F3608169364437CA30AC243A089D3F266C1E60FAD"
    );
    // H.2: 1024-bit MODP group, g' = R_p(s,t)^((p−1)/q).
    let g = Group::standardized(0).unwrap();
    let r = hex::decode("EAB98D13E09052952AA729907C3C946184DEA0FE74AD2B3AF506F0A83018459C38099CD1F7FF4EA0A078DB1FAC1365505E3DC85500EF95E20B4EEF2E88489233BEE0546B472F994B618D168702406791DEEF3CB4810932EC278F3533FDB860EB4835C36FA4F1BF3FA0B828A718C96BDE88FBA38A3E6C35AAA10959251EB5FC710FC187258995944C0F926E249373F485").unwrap();
    let mapped = g.integrated_mapping(&r).unwrap();
    assert_eq!(
        hex::encode_upper(g.encode_public_key(&mapped).unwrap()),
        "1D7D767F11E333BCD6DBAEF40E799E7A926B96973550656FF3C830726D118D61C276CDCC61D475CF03A98E0C0E79CAEBA5BE25578BD4551D0B10903236F0B0F976852FA78EEA14EA0ACA87D1E91F688FE0DFF897BBE35A472621D343564B262F34223AE8FC59B664BFEDFA2BFE7516CA5510A6BBB633D517EC25D4E0BBAA16C2"
    );
    // P-224 (p ≡ 1 mod 4) cannot be used with the Integrated Mapping.
    let p224 = Group::standardized(10).unwrap();
    assert_eq!(
        p224.integrated_mapping(&[1; 48]).unwrap_err(),
        PkError::IntegratedMappingUnsupported
    );
    assert!(!p224.supports_integrated_mapping());
    for id in [0, 1, 2, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18] {
        assert!(
            Group::standardized(id)
                .unwrap()
                .supports_integrated_mapping(),
            "id {id}"
        );
    }
}

#[test]
fn icao_appendix_i_chip_authentication_data() {
    // CA_IC = SK_IC⁻¹ · SK_Map,IC mod n, and CA_IC · PK_IC = PK_Map,IC.
    let c = ec(13);
    let sk_map = c
        .scalar_from_bytes(
            &hex::decode("9E56A6B59C95D06ECE5CD10F983BB2F4F1943528E577F23881D89D8C3BBEE0AA")
                .unwrap(),
        )
        .unwrap();
    let sk_ic = c
        .scalar_from_bytes(
            &hex::decode("86C88A4579CE48135878E6348A734B5D47CE5BC1E54C0E8978687B49FDE2E2C2")
                .unwrap(),
        )
        .unwrap();
    let ca = c.cam_chip_authentication_data(&sk_ic, &sk_map);
    assert_eq!(
        hex::encode_upper(c.scalar_to_bytes(&ca).as_slice()),
        "85DC3FA93D0952BFA82F5FD189EE75BD82F11D1F0B8ED4BF5319AC9B53C426B3"
    );
    let pk_ic = c
        .decode_point(&hex::decode("041872709494399E7470A6431BE25E83EEE24FEA568C2ED28DB48E05DB3A610DC884D256A40E35EFCB59BF6753D3A489D28C7A4D973C2DA138A6E7A4A08F68E16F").unwrap())
        .unwrap();
    assert_eq!(
        c.encode_point(&c.mul(&c.generator(), &sk_ic).unwrap()),
        c.encode_point(&pk_ic)
    );
    let pk_map = c.mul(&pk_ic, &ca).unwrap();
    assert_eq!(
        hex::encode_upper(c.encode_point(&pk_map)),
        "04A234236AA9B9621E8EFB73B5245C0E09D2576E5277183C1208BDD55280CAE8B304F365713A356E65A451E165ECC9AC0AC46E3771342C8FE5AEDD092685338E23"
    );
}
