//! A seeded Extended Access Control test PKI for the CLI's tests: P-256 keys, signers and CV
//! certificates. Deterministic: the same seeds give the same bytes (`test_pki.rs` relies on it).

use emrtd_eac::cert::{CertificateBody, CvPublicKey};
use emrtd_eac::*;
use p256::pkcs8::EncodePrivateKey;
use rand::SeedableRng;

/// The P-256 private key of seed `seed`, PKCS#8 DER.
pub fn key_der(seed: u64) -> Vec<u8> {
    p256::SecretKey::random(&mut rand::rngs::StdRng::seed_from_u64(seed))
        .to_pkcs8_der()
        .unwrap()
        .as_bytes()
        .to_vec()
}

/// A signer whose ECDSA nonces come from a source seeded with `seed + 1000`.
pub fn signer(seed: u64) -> Pkcs8Signer {
    Pkcs8Signer::from_pkcs8_der(
        &key_der(seed),
        TaAlgorithm::Ecdsa(HashAlg::Sha256),
        Box::new(rand::rngs::StdRng::seed_from_u64(seed + 1000)),
    )
    .unwrap()
}

pub fn date(y: u16, m: u8, d: u8) -> CvDate {
    CvDate::new(y, m, d).unwrap()
}

pub fn issue(
    issuer: &Pkcs8Signer,
    subject: &Pkcs8Signer,
    (car, chr): (&str, &str),
    role: Role,
    (from, to): (CvDate, CvDate),
) -> CvCertificate {
    let mut data = subject.public_key_data().unwrap();
    // Only the CVCA carries the domain parameters; DV and IS keys inherit them.
    if let (Role::Cvca, KeyData::Ec { domain, .. }) = (role, &mut data) {
        *domain = subject.ec_domain();
    }
    let body = CertificateBody {
        profile_identifier: 0,
        car: CvReference::from_text(car).unwrap(),
        public_key: CvPublicKey {
            algorithm: subject.algorithm(),
            data,
        },
        chr: CvReference::from_text(chr).unwrap(),
        chat: Chat::inspection_system(role, IsRights::DG3_DG4),
        effective_date: from,
        expiration_date: to,
        extensions: None,
    };
    let sig = issuer.sign(&body.encode()).unwrap();
    CvCertificate::from_parts(body, sig)
}
