//! Cross-checks of the AWS-LC (assembly) verification path of `sig::verify` against the own
//! arithmetic (`sig::verify_prehashed`, which never uses AWS-LC): a signature valid in one is
//! valid in the other, a flipped bit of the signature or the message fails in both, and the
//! pairs AWS-LC does not take stay on the own path.

use emrtd_crypto::pk::{EcCurve, Group};
use emrtd_crypto::sig::{
    ecdsa_sign_prehashed, verifies_on_assembly, verify, verify_prehashed, HashAlg, PublicKey,
    SignatureScheme,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rsa::pkcs8::DecodePrivateKey;

const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/keys");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{KEYS}/{name}")).unwrap()
}

/// The standardized curve `id` (12 P-256, 15 P-384, 18 P-521).
fn curve(id: u32) -> EcCurve {
    match Group::standardized(id).unwrap() {
        Group::Ec(c) => c,
        _ => unreachable!("id {id} is a curve"),
    }
}

/// The SubjectPublicKeyInfo of `spki_template` (an EC key, named or explicit) with its point
/// replaced by `point` (uncompressed, of the template's length: the last field).
fn with_point(spki_template: &[u8], point: &[u8]) -> Vec<u8> {
    let mut spki = spki_template.to_vec();
    let at = spki.len() - point.len();
    spki[at..].copy_from_slice(point);
    spki
}

/// DER `ECDSA-Sig-Value` of a plain `r‖s` signature, with `zeros` superfluous leading zero
/// octets in front of r (field quirk D7) besides the one a high bit needs.
fn der(plain: &[u8], zeros: usize) -> Vec<u8> {
    let (r, s) = plain.split_at(plain.len() / 2);
    let int = |v: &[u8], extra: usize| {
        let v = &v[v.iter().position(|b| *b != 0).unwrap_or(v.len() - 1)..];
        let pad = usize::from(v[0] & 0x80 != 0) + extra;
        let mut t = vec![0x02, (v.len() + pad) as u8];
        t.extend(std::iter::repeat_n(0u8, pad));
        t.extend_from_slice(v);
        t
    };
    let body = [int(r, zeros), int(s, 0)].concat();
    // P-521: a body of 128 octets or more takes a two-octet length
    let len = match body.len() {
        n @ 0..=127 => vec![n as u8],
        n => vec![0x81, n as u8],
    };
    [vec![0x30], len, body].concat()
}

/// Both paths on one signature: `verify` (AWS-LC where it applies) and `verify_prehashed`.
fn both(key: &PublicKey, scheme: &SignatureScheme, msg: &[u8], sig: &[u8]) -> (bool, bool) {
    let own = verify_prehashed(key, scheme, &scheme.hash().digest(msg), sig).is_ok();
    (verify(key, scheme, msg, sig).is_ok(), own)
}

/// RustCrypto's `rsa` crate on the same RSA signature (SHA-256, PKCS#1 v1.5 or PSS with a
/// 32-byte salt): an independent reference for both paths.
fn rsa_crate_verifies(key: &PublicKey, scheme: &SignatureScheme, msg: &[u8], sig: &[u8]) -> bool {
    let PublicKey::Rsa(k) = key else {
        panic!("not an RSA key")
    };
    let h = scheme.hash().digest(msg);
    match *scheme {
        SignatureScheme::RsaPkcs1v15 {
            hash: HashAlg::Sha256,
        } => k
            .verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &h, sig)
            .is_ok(),
        SignatureScheme::RsaPss {
            hash: HashAlg::Sha256,
            mgf1_hash: HashAlg::Sha256,
            salt_len: 32,
        } => k.verify(rsa::Pss::new::<sha2::Sha256>(), &h, sig).is_ok(),
        other => panic!("no reference for {other:?}"),
    }
}

fn flip(v: &[u8], bit: usize) -> Vec<u8> {
    let mut v = v.to_vec();
    let i = bit % (8 * v.len());
    v[i / 8] ^= 1 << (i % 8);
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn nist_ecdsa_on_aws_lc_agrees_with_the_own_wnaf(
        id in prop::sample::select(vec![12u32, 15, 18]),
        d in prop::collection::vec(any::<u8>(), 66),
        msg in prop::collection::vec(any::<u8>(), 0..200),
        hash in prop::sample::select(vec![HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512]),
        explicit in any::<bool>(),
        plain in any::<bool>(),
        zeros in 0usize..3,
        bit in any::<usize>(),
        seed in any::<u64>(),
    ) {
        let curve = curve(id);
        let len = curve.scalar_to_bytes(&curve.scalar_from_bytes(&[1]).unwrap()).len();
        let mut d = d[..len].to_vec();
        if id == 18 {
            d[0] &= 1; // P-521: n is just above 2^520
        }
        let d = curve.scalar_to_bytes(&match curve.scalar_from_bytes(&d) {
            Ok(k) => k,
            Err(_) => return Ok(()), // zero or ≥ n: not a private key
        });
        let q = curve.encode_point(&curve.mul(&curve.generator(), &curve.scalar_from_bytes(&d).unwrap()).unwrap());
        let template = fixture(match id {
            12 if explicit => "aa_ec_p256_explicit.spki.der",
            12 => "aa_ec_p256.spki.der",
            15 => "aa_ec_p384.spki.der",
            _ => "aa_ec_p521.spki.der",
        });
        let key = PublicKey::from_spki_der(&with_point(&template, &q)).unwrap();
        let scheme = SignatureScheme::Ecdsa { hash, plain };
        prop_assert!(verifies_on_assembly(&key, &scheme));
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let rs = ecdsa_sign_prehashed(&curve, &d, &hash.digest(&msg), &mut rng).unwrap();
        let sig = if plain { rs.clone() } else { der(&rs, zeros) };
        prop_assert_eq!(both(&key, &scheme, &msg, &sig), (true, true));
        // a flipped bit of the signature or of the message fails in both
        let bad_sig = flip(&sig, bit);
        let (lc, own) = both(&key, &scheme, &msg, &bad_sig);
        prop_assert!(!lc && !own, "flipped signature bit {}: AWS-LC {} own {}", bit % (8 * sig.len()), lc, own);
        let bad_msg = if msg.is_empty() { vec![0] } else { flip(&msg, bit) };
        prop_assert_eq!(both(&key, &scheme, &bad_msg, &sig), (false, false));
    }

    #[test]
    fn p256_ecdsa_aws_lc_and_own_agree_on_arbitrary_signatures(
        sig in prop::collection::vec(any::<u8>(), 0..80),
        plain in any::<bool>(),
    ) {
        let key = PublicKey::from_spki_der(&fixture("aa_ec_p256.spki.der")).unwrap();
        let scheme = SignatureScheme::Ecdsa { hash: HashAlg::Sha256, plain };
        let (lc, own) = both(&key, &scheme, b"message", &sig);
        prop_assert_eq!(lc, own);
    }
}

/// RSA keys from the fixtures.
fn rsa_key(bits: u32) -> (rsa::RsaPrivateKey, PublicKey) {
    let sk =
        rsa::RsaPrivateKey::from_pkcs8_der(&fixture(&format!("aa_rsa{bits}.pk8.der"))).unwrap();
    let pk = PublicKey::from_spki_der(&fixture(&format!("aa_rsa{bits}.spki.der"))).unwrap();
    (sk, pk)
}

fn rsa_sign(sk: &rsa::RsaPrivateKey, scheme: &SignatureScheme, msg: &[u8], seed: u64) -> Vec<u8> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let h = scheme.hash().digest(msg);
    match *scheme {
        SignatureScheme::RsaPkcs1v15 {
            hash: HashAlg::Sha256,
        } => sk
            .sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &h)
            .unwrap(),
        SignatureScheme::RsaPkcs1v15 {
            hash: HashAlg::Sha512,
        } => sk
            .sign(rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), &h)
            .unwrap(),
        SignatureScheme::RsaPss {
            hash: HashAlg::Sha256,
            salt_len,
            ..
        } => sk
            .sign_with_rng(
                &mut rng,
                rsa::Pss::new_with_salt::<sha2::Sha256>(salt_len),
                &h,
            )
            .unwrap(),
        SignatureScheme::RsaPss {
            hash: HashAlg::Sha384,
            salt_len,
            ..
        } => sk
            .sign_with_rng(
                &mut rng,
                rsa::Pss::new_with_salt::<sha2::Sha384>(salt_len),
                &h,
            )
            .unwrap(),
        other => panic!("no signer for {other:?}"),
    }
}

fn pss(hash: HashAlg, salt_len: usize) -> SignatureScheme {
    SignatureScheme::RsaPss {
        hash,
        mgf1_hash: hash,
        salt_len,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn rsa_2560_on_aws_lc_agrees_with_the_own_montgomery_path(
        msg in prop::collection::vec(any::<u8>(), 0..300),
        which in 0usize..4,
        bit in any::<usize>(),
        seed in any::<u64>(),
    ) {
        let (sk, key) = rsa_key(2560);
        let scheme = [
            SignatureScheme::RsaPkcs1v15 { hash: HashAlg::Sha256 },
            SignatureScheme::RsaPkcs1v15 { hash: HashAlg::Sha512 },
            pss(HashAlg::Sha256, 32),
            pss(HashAlg::Sha384, 48),
        ][which];
        prop_assert!(verifies_on_assembly(&key, &scheme));
        let sig = rsa_sign(&sk, &scheme, &msg, seed);
        prop_assert_eq!(both(&key, &scheme, &msg, &sig), (true, true));
        prop_assert_eq!(both(&key, &scheme, &msg, &flip(&sig, bit)), (false, false));
        let bad_msg = if msg.is_empty() { vec![0] } else { flip(&msg, bit) };
        prop_assert_eq!(both(&key, &scheme, &bad_msg, &sig), (false, false));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// The own RSA path at every width it has: 1024 and 1536 bits on the slice form of the
    /// fused Montgomery multiplication (own path only: AWS-LC starts at 2048 bits), 2048,
    /// 3072 and 4096 bits at widths fixed at compile time (two-column squaring), 2560 bits
    /// on the slice form, each in `verify_prehashed`, and from 2048 bits on AWS-LC in
    /// `verify`; a genuine signature verifies on both paths and in the `rsa` crate, a
    /// flipped bit fails in all three.
    #[test]
    fn rsa_every_key_size_agrees_between_aws_lc_and_the_own_montgomery_path(
        msg in prop::collection::vec(any::<u8>(), 0..100),
        size in prop::sample::select(vec![1024u32, 1536, 2048, 2560, 3072, 4096]),
        pkcs1 in any::<bool>(),
        bit in any::<usize>(),
        seed in any::<u64>(),
    ) {
        let (sk, key) = rsa_key(size);
        let scheme = if pkcs1 {
            SignatureScheme::RsaPkcs1v15 { hash: HashAlg::Sha256 }
        } else {
            pss(HashAlg::Sha256, 32)
        };
        prop_assert_eq!(verifies_on_assembly(&key, &scheme), size >= 2048);
        let sig = rsa_sign(&sk, &scheme, &msg, seed);
        prop_assert_eq!(both(&key, &scheme, &msg, &sig), (true, true));
        prop_assert!(rsa_crate_verifies(&key, &scheme, &msg, &sig));
        let bad = flip(&sig, bit);
        prop_assert_eq!(both(&key, &scheme, &msg, &bad), (false, false));
        prop_assert!(!rsa_crate_verifies(&key, &scheme, &msg, &bad));
    }
}

#[test]
fn rsa_4096_pss_on_aws_lc_agrees_with_the_rsa_crate_and_a_flipped_bit_fails() {
    let (sk, key) = rsa_key(4096);
    let scheme = pss(HashAlg::Sha256, 32);
    assert!(verifies_on_assembly(&key, &scheme));
    let msg = b"signed attributes of an EF.SOD";
    let sig = rsa_sign(&sk, &scheme, msg, 7);
    assert_eq!(both(&key, &scheme, msg, &sig), (true, true));
    assert!(rsa_crate_verifies(&key, &scheme, msg, &sig));
    for bit in [0, 1000, 4095] {
        let bad = flip(&sig, bit);
        assert_eq!(both(&key, &scheme, msg, &bad), (false, false));
        assert!(!rsa_crate_verifies(&key, &scheme, msg, &bad));
    }
    assert_eq!(
        both(&key, &scheme, b"other signed attributes", &sig),
        (false, false)
    );
}

/// A DigestInfo without the NULL parameters (RFC 8017 §9.2 note 2, found in the field) is
/// refused by AWS-LC and accepted by the own path: `verify` falls back and accepts it.
#[test]
fn rsa_pkcs1_digest_info_without_null_parameters_verifies_through_the_own_path() {
    let (sk, key) = rsa_key(2560);
    let scheme = SignatureScheme::RsaPkcs1v15 {
        hash: HashAlg::Sha256,
    };
    let msg = b"certificate TBS";
    let pad = rsa::Pkcs1v15Sign {
        hash_len: Some(32),
        // SEQUENCE { SEQUENCE { OID sha256 }, OCTET STRING (32) } with no NULL
        prefix: hex::decode("302f300b0609608648016503040201 0420".replace(' ', ""))
            .unwrap()
            .into_boxed_slice(),
    };
    let sig = sk.sign(pad, &HashAlg::Sha256.digest(msg)).unwrap();
    assert_eq!(both(&key, &scheme, msg, &sig), (true, true));
    assert_eq!(both(&key, &scheme, b"another TBS", &sig), (false, false));
}

/// AWS-LC takes the NIST curves with SHA-256/384/512 and RSA from 2048 bits with PSS salts as
/// long as the hash; SHA-1/SHA-224, brainpool curves, RSA below 2048 bits and other PSS
/// parameters stay on the own arithmetic.
#[test]
fn pairs_aws_lc_does_not_take_stay_on_the_own_arithmetic() {
    let ec = |name: &str, hash| {
        let key = PublicKey::from_spki_der(&fixture(name)).unwrap();
        verifies_on_assembly(&key, &SignatureScheme::Ecdsa { hash, plain: false })
    };
    assert!(ec("aa_ec_p256.spki.der", HashAlg::Sha256));
    assert!(ec("aa_ec_p256_explicit.spki.der", HashAlg::Sha384));
    assert!(!ec("aa_ec_p256.spki.der", HashAlg::Sha1));
    assert!(!ec("aa_ec_p256.spki.der", HashAlg::Sha224));
    assert!(ec("aa_ec_p256.spki.der", HashAlg::Sha512));
    assert!(ec("aa_ec_p384.spki.der", HashAlg::Sha384));
    assert!(!ec("aa_ec_p384.spki.der", HashAlg::Sha1));
    assert!(ec("aa_ec_p521.spki.der", HashAlg::Sha512));
    assert!(!ec("aa_ec_p521.spki.der", HashAlg::Sha224));
    assert!(!ec("aa_ec_brainpoolp256r1.spki.der", HashAlg::Sha256));
    assert!(!ec(
        "aa_ec_brainpoolp256r1_explicit.spki.der",
        HashAlg::Sha256
    ));
    let (_, rsa1024) = rsa_key(1024);
    let (_, rsa2560) = rsa_key(2560);
    let sha256 = SignatureScheme::RsaPkcs1v15 {
        hash: HashAlg::Sha256,
    };
    assert!(!verifies_on_assembly(&rsa1024, &sha256));
    assert!(verifies_on_assembly(&rsa2560, &sha256));
    for bits in [2048, 3072, 4096] {
        let (_, key) = rsa_key(bits);
        assert!(verifies_on_assembly(&key, &sha256));
    }
    assert!(!verifies_on_assembly(
        &rsa2560,
        &SignatureScheme::RsaPkcs1v15 {
            hash: HashAlg::Sha1
        }
    ));
    assert!(!verifies_on_assembly(&rsa2560, &pss(HashAlg::Sha256, 20)));
    assert!(!verifies_on_assembly(
        &rsa2560,
        &SignatureScheme::RsaPss {
            hash: HashAlg::Sha256,
            mgf1_hash: HashAlg::Sha1,
            salt_len: 32
        }
    ));
}

/// The RFC 6979 A.2.5 P-256/SHA-256 known answer ("sample") on both paths.
#[test]
fn rfc6979_p256_sha256_known_answer_verifies_on_aws_lc_and_on_the_own_path() {
    let q = hex::decode(concat!(
        "04",
        "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
        "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"
    ))
    .unwrap();
    let key = PublicKey::from_spki_der(&with_point(&fixture("aa_ec_p256.spki.der"), &q)).unwrap();
    let sig = hex::decode(concat!(
        "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
        "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"
    ))
    .unwrap();
    let scheme = SignatureScheme::Ecdsa {
        hash: HashAlg::Sha256,
        plain: true,
    };
    assert!(verifies_on_assembly(&key, &scheme));
    assert_eq!(both(&key, &scheme, b"sample", &sig), (true, true));
    assert_eq!(both(&key, &scheme, b"samplf", &sig), (false, false));
    let der_scheme = SignatureScheme::Ecdsa {
        hash: HashAlg::Sha256,
        plain: false,
    };
    assert_eq!(
        both(&key, &der_scheme, b"sample", &der(&sig, 1)),
        (true, true)
    );
}
