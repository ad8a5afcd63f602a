//! Terminal-side CPU time of Chip Authentication (version 1) and Active Authentication.
//!
//! * Chip Authentication, per standardized domain parameter id the chip's key may use: checking
//!   the chip's static key, drawing the ephemeral key pair, the key agreement and the session
//!   keys (`CaTerminal::new`). The chip's key pair is made once, outside the clock.
//! * Active Authentication, per key type and size: verifying the chip's answer to INTERNAL
//!   AUTHENTICATE (`aa::verify`: ISO/IEC 9796-2 scheme 1 for RSA, ECDSA plain `r‖s` with
//!   SHA-256 for EC). The chip signs once, outside the clock, with the test keys of
//!   `fixtures/keys/`.

use criterion::{criterion_group, criterion_main, Criterion};
use emrtd_access::aa::{self, AaChipKey};
use emrtd_access::ca::{chip_authentication_info, CaChip, CaTerminal, DomainParameterEncoding};
use emrtd_crypto::pk::Group;
use emrtd_lds::dg15::Dg15;
use emrtd_lds::security_infos::{CaAlgorithm, ChipAuthenticationInfo, CipherSuite, KeyAgreement};
use rand_core::OsRng;

const F: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");

/// Domain parameters a Chip Authentication key is found on in the field (ICAO 9303-11
/// §9.5.1 ids): MODP 1024/2048, P-256, brainpoolP256r1/P320r1/P384r1/P512r1, P-384, P-521.
const CA_IDS: [u32; 9] = [0, 2, 12, 13, 14, 15, 16, 17, 18];

/// Active Authentication test keys (file stems in `fixtures/keys/`).
const AA_KEYS: [&str; 12] = [
    "aa_rsa1024",
    "aa_rsa1536",
    "aa_rsa2048",
    "aa_rsa3072",
    "aa_rsa4096",
    "aa_ec_p256",
    "aa_ec_p384",
    "aa_ec_p521",
    "aa_ec_brainpoolp256r1",
    "aa_ec_brainpoolp256r1_explicit",
    "aa_ec_brainpoolp384r1",
    "aa_ec_brainpoolp512r1",
];

fn ca_info(group: &Group) -> ChipAuthenticationInfo {
    let key_agreement = if group.is_ec() {
        KeyAgreement::Ecdh
    } else {
        KeyAgreement::Dh
    };
    chip_authentication_info(
        CaAlgorithm {
            key_agreement,
            cipher: CipherSuite::Aes128,
        },
        None,
    )
}

fn bench_ca(c: &mut Criterion) {
    let mut group = c.benchmark_group("chip_authentication_terminal");
    group.sample_size(10);
    for id in CA_IDS {
        let params = Group::standardized(id).expect("standardized group");
        let name = format!("id {id:2} {}", params.name());
        let info = ca_info(&params);
        let chip = CaChip::generate(params, &info, &mut OsRng).expect("chip key");
        let public_key_info = chip
            .public_key_info(DomainParameterEncoding::Standardized)
            .expect("public key info");
        // The run must succeed before it is timed.
        CaTerminal::new(Some(&info), &public_key_info, &mut OsRng).expect("CA terminal");
        group.bench_function(name, |b| {
            b.iter(|| CaTerminal::new(Some(&info), &public_key_info, &mut OsRng))
        });
    }
    group.finish();
}

fn bench_aa(c: &mut Criterion) {
    let mut group = c.benchmark_group("active_authentication_verify");
    group.sample_size(10);
    let challenge = [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF];
    for stem in AA_KEYS {
        let der = std::fs::read(format!("{F}/keys/{stem}.pk8.der")).expect("test key");
        let chip = AaChipKey::from_pkcs8_der(&der).expect("test key loads");
        let public_key = Dg15::decode(&chip.dg15()).expect("DG15").public_key;
        let info = chip.active_authentication_info();
        let signature = chip
            .sign_challenge(&challenge, &mut OsRng)
            .expect("chip signs");
        let result = aa::verify(&public_key, &challenge, &signature, info.as_ref());
        assert!(result.passed, "{stem}: {result}");
        group.bench_function(stem.trim_start_matches("aa_"), |b| {
            b.iter(|| aa::verify(&public_key, &challenge, &signature, info.as_ref()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_ca, bench_aa);
criterion_main!(benches);
