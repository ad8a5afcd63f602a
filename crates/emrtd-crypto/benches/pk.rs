//! Group operations per standardized domain parameter set: the ECDH / DH key agreement
//! (variable base, secret scalar), the Generic Mapping s·G + H, and ECDSA verification; for
//! the curves with a fixed-width implementation also the generic 576-bit reference, to show
//! what the fixed-width path gains.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use emrtd_crypto::pk::{EcCurve, Group, STANDARDIZED_IDS};
use rand_core::OsRng;

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

criterion_group!(benches, bench);
criterion_main!(benches);
