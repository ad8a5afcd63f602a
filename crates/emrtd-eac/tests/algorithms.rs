//! Every Terminal Authentication algorithm of TR-03110-3 Tables 17 and 18 (the TR-03105-5.1
//! ISO7816_E_01–07 and E_35–38 variants): a PKCS#8 key signs, the CV public key verifies, a
//! changed message or signature does not.

use emrtd_eac::cert::{CvPublicKey, KeyData};
use emrtd_eac::*;
use rand::SeedableRng;

fn rng(seed: u64) -> Box<rand::rngs::StdRng> {
    Box::new(rand::rngs::StdRng::seed_from_u64(seed))
}

fn check(signer: &Pkcs8Signer) {
    let mut data = signer.public_key_data().unwrap();
    if let KeyData::Ec { domain, .. } = &mut data {
        *domain = signer.ec_domain();
    }
    let pk = CvPublicKey {
        algorithm: signer.algorithm(),
        data,
    };
    let key = VerifyingKey::from_cv(&pk, None).unwrap();
    let msg = b"ID_PICC || r_PICC || Comp(PK_PCD)";
    let sig = signer.sign(msg).unwrap();
    key.verify(msg, &sig)
        .unwrap_or_else(|e| panic!("{}: {e}", signer.algorithm()));
    assert!(
        key.verify(b"another message", &sig).is_err(),
        "{}",
        signer.algorithm()
    );
    let mut bad = sig.clone();
    bad[sig.len() / 3] ^= 0x10;
    assert!(key.verify(msg, &bad).is_err(), "{}", signer.algorithm());
    if signer.algorithm().is_ecdsa() {
        assert!(matches!(
            key.verify(msg, &sig[1..]),
            Err(SignatureError::Length { .. })
        ));
    }
}

#[test]
fn every_rsa_ta_algorithm_signs_and_verifies() {
    use rsa::pkcs8::EncodePrivateKey;
    let k = rsa::RsaPrivateKey::new(&mut rand::rngs::StdRng::seed_from_u64(3), 1024).unwrap();
    let der = k.to_pkcs8_der().unwrap();
    let pss512 = TaAlgorithm::RsaPss(RsaHash::Sha512);
    for a in TaAlgorithm::ALL
        .into_iter()
        .filter(|a| !a.is_ecdsa() && *a != pss512)
    {
        check(&Pkcs8Signer::from_pkcs8_der(der.as_bytes(), a, rng(4)).unwrap());
    }
    // PSS with SHA-512 and a 64-byte salt does not fit a 1024-bit modulus: a typed error.
    let s = Pkcs8Signer::from_pkcs8_der(der.as_bytes(), pss512, rng(4)).unwrap();
    assert!(
        matches!(s.sign(b"x"), Err(SignerError::Unsupported(ref m)) if m.contains("1034 bits"))
    );
    // It does fit 1536 bits; PEM is accepted too.
    let k = rsa::RsaPrivateKey::new(&mut rand::rngs::StdRng::seed_from_u64(5), 1536).unwrap();
    let pem = k.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF).unwrap();
    check(&Pkcs8Signer::from_pkcs8(pem.as_bytes(), pss512, rng(5)).unwrap());
}

#[test]
fn every_ecdsa_ta_algorithm_signs_and_verifies_on_nist_and_brainpool_curves() {
    use p256::pkcs8::EncodePrivateKey;
    let p256 = p256::SecretKey::random(&mut rand::rngs::StdRng::seed_from_u64(6))
        .to_pkcs8_der()
        .unwrap();
    let p384 = p384::SecretKey::random(&mut rand::rngs::StdRng::seed_from_u64(7))
        .to_pkcs8_der()
        .unwrap();
    // brainpoolP320r1 with a named-curve PKCS#8 (generic ECDSA).
    let emrtd_crypto::pk::Group::Ec(c) = emrtd_crypto::pk::Group::standardized(14).unwrap() else {
        panic!()
    };
    let sk = c.scalar_to_bytes(&c.random_scalar(&mut rand::rngs::StdRng::seed_from_u64(8)));
    let tlv = emrtd_tlv::encode;
    let seq = emrtd_tlv::encode_constructed;
    let bp320 = seq(
        0x30,
        &[
            tlv(0x02, &[0]),
            seq(
                0x30,
                &[
                    tlv(0x06, &hex::decode("2A8648CE3D0201").unwrap()),
                    tlv(0x06, &hex::decode("2B2403030208010109").unwrap()),
                ],
            ),
            tlv(0x04, &seq(0x30, &[tlv(0x02, &[1]), tlv(0x04, &sk)])),
        ],
    );
    for a in TaAlgorithm::ALL.into_iter().filter(|a| a.is_ecdsa()) {
        for der in [p256.as_bytes(), p384.as_bytes(), &bp320[..]] {
            check(&Pkcs8Signer::from_pkcs8_der(der, a, rng(9)).unwrap());
        }
    }
}

#[test]
fn malformed_pkcs8_keys_are_typed_errors() {
    let a = TaAlgorithm::Ecdsa(HashAlg::Sha256);
    assert!(matches!(
        Pkcs8Signer::from_pkcs8_der(&[], a, rng(1)),
        Err(SignerError::Pkcs8(_))
    ));
    assert!(matches!(
        Pkcs8Signer::from_pkcs8_der(&[0x30, 0x03, 0x02, 0x01, 0x00], a, rng(1)),
        Err(SignerError::Pkcs8(_))
    ));
    assert!(matches!(
        Pkcs8Signer::from_pkcs8(
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            a,
            rng(1)
        ),
        Err(SignerError::Pkcs8(_))
    ));
}
