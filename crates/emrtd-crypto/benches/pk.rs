//! Group operations per standardized domain parameter set: the ECDH / DH key agreement
//! (variable base, secret scalar), the Generic Mapping s·G + H, and ECDSA verification; for
//! the curves with a fixed-width implementation also the generic 576-bit reference, to show
//! what the fixed-width path gains. `sig_verify/*`: signature verification of a message as
//! Passive and Active Authentication call it (`sig::verify`, hashing included) per key: RSA
//! PKCS#1 v1.5 and PSS with SHA-256 per modulus size, ECDSA per curve (P-256/384/521 and RSA
//! ≥ 2048 bits on AWS-LC, the rest on the own arithmetic).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use emrtd_crypto::pk::{EcCurve, Group, STANDARDIZED_IDS};
use emrtd_crypto::sig::{self, HashAlg, PublicKey, SignatureScheme};
use rand_core::OsRng;
use rsa::pkcs8::DecodePrivateKey;

const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/keys");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{KEYS}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn sig_verify(c: &mut Criterion) {
    let mut g = c.benchmark_group("sig_verify");
    g.sample_size(10);
    let msg = [0x3Cu8; 200]; // about the size of an EF.SOD's signed attributes
    for bits in [1024, 1536, 2048, 3072, 4096] {
        let sk = rsa::RsaPrivateKey::from_pkcs8_der(&fixture(&format!("aa_rsa{bits}.pk8.der")))
            .expect("RSA key");
        let key = PublicKey::from_spki_der(&fixture(&format!("aa_rsa{bits}.spki.der")))
            .expect("RSA SubjectPublicKeyInfo");
        let h = HashAlg::Sha256.digest(&msg);
        let cases = [
            (
                "pkcs1v15_sha256",
                SignatureScheme::RsaPkcs1v15 {
                    hash: HashAlg::Sha256,
                },
                sk.sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &h),
            ),
            (
                "pss_sha256",
                SignatureScheme::RsaPss {
                    hash: HashAlg::Sha256,
                    mgf1_hash: HashAlg::Sha256,
                    salt_len: 32,
                },
                sk.sign_with_rng(&mut OsRng, rsa::Pss::new_with_salt::<sha2::Sha256>(32), &h),
            ),
        ];
        for (name, scheme, signature) in cases {
            let signature = signature.expect("signature");
            assert!(sig::verify(&key, &scheme, &msg, &signature).is_ok());
            g.bench_function(BenchmarkId::new(format!("rsa{bits}"), name), |b| {
                b.iter(|| sig::verify(&key, &scheme, &msg, &signature).is_ok())
            });
        }
    }
    // ECDSA: a fresh key pair per curve in the named-curve SubjectPublicKeyInfo of the fixture
    // key (the point is the last 2·len + 1 octets).
    for (id, spki) in [
        (12, "aa_ec_p256.spki.der"),
        (12, "aa_ec_p256_explicit.spki.der"),
        (15, "aa_ec_p384.spki.der"),
        (18, "aa_ec_p521.spki.der"),
        (13, "aa_ec_brainpoolp256r1.spki.der"),
        (13, "aa_ec_brainpoolp256r1_explicit.spki.der"),
        (16, "aa_ec_brainpoolp384r1.spki.der"),
        (17, "aa_ec_brainpoolp512r1.spki.der"),
    ] {
        let Ok(Group::Ec(curve)) = Group::standardized(id) else {
            panic!("curve {id}");
        };
        let d = curve.random_scalar(&mut OsRng);
        let q = curve.encode_point(&curve.mul(&curve.generator(), &d).expect("d·G"));
        let mut der = fixture(spki);
        let at = der.len() - q.len();
        der[at..].copy_from_slice(&q);
        let key = PublicKey::from_spki_der(&der).expect("EC SubjectPublicKeyInfo");
        let scheme = SignatureScheme::Ecdsa {
            hash: HashAlg::Sha256,
            plain: true,
        };
        let signature = sig::ecdsa_sign_prehashed(
            &curve,
            &curve.scalar_to_bytes(&d),
            &HashAlg::Sha256.digest(&msg),
            &mut OsRng,
        )
        .expect("signature");
        assert!(sig::verify(&key, &scheme, &msg, &signature).is_ok());
        let label = spki
            .trim_start_matches("aa_ec_")
            .trim_end_matches(".spki.der");
        g.bench_function(BenchmarkId::new("ecdsa_sha256", label), |b| {
            b.iter(|| sig::verify(&key, &scheme, &msg, &signature).is_ok())
        });
    }
    g.finish();
}

fn curve_ops(c: &mut Criterion, label: &str, curve: &EcCurve) {
    let mut g = c.benchmark_group(format!("ec/{label}"));
    g.sample_size(10);
    let k = curve.random_scalar(&mut OsRng);
    let j = curve.random_scalar(&mut OsRng);
    let p = curve.mul(&curve.generator(), &j).expect("point");
    let s = [0x5Au8; 16];
    g.bench_function(BenchmarkId::new("key_agreement", curve.name()), |b| {
        b.iter(|| curve.mul(&p, &k).expect("k·P"))
    });
    g.bench_function(BenchmarkId::new("generic_mapping", curve.name()), |b| {
        b.iter(|| curve.generic_map(&s, &p).expect("s·G + H"))
    });
    // The verification equation costs the same whether or not (r, s) is a valid signature,
    // so a random pair is timed (valid signatures are checked in tests/fast_paths.rs).
    let r = curve.scalar_to_bytes(&curve.random_scalar(&mut OsRng));
    let sig_s = curve.scalar_to_bytes(&curve.random_scalar(&mut OsRng));
    let hash = [0xA5u8; 32];
    g.bench_function(BenchmarkId::new("ecdsa_verify", curve.name()), |b| {
        b.iter(|| curve.ecdsa_verify_prehashed(&p, &hash, &r, &sig_s))
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    for id in STANDARDIZED_IDS {
        match Group::standardized(u32::from(id)).expect("standardized") {
            Group::Ec(curve) => {
                curve_ops(c, "fast", &curve);
                if curve.has_fast_arithmetic() {
                    curve_ops(c, "generic_reference", &curve.generic_reference());
                }
            }
            Group::Dh(dh) => {
                let group = Group::Dh(dh.clone());
                let mut g = c.benchmark_group("dh");
                g.sample_size(10);
                let sk = group.generate_private_key(&mut OsRng);
                let peer_sk = group.generate_private_key(&mut OsRng);
                let peer = group
                    .public_key(&peer_sk, &group.generator())
                    .expect("public key");
                g.bench_function(BenchmarkId::new("key_agreement", dh.name()), |b| {
                    b.iter(|| group.key_agreement(&sk, &peer).expect("y^x"))
                });
                g.bench_function(BenchmarkId::new("generic_mapping", dh.name()), |b| {
                    b.iter(|| group.generic_mapping(&[0x5A; 16], &peer).expect("g^s·h"))
                });
                g.finish();
            }
        }
    }
}

criterion_group!(benches, bench, sig_verify);
criterion_main!(benches);
