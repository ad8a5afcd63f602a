//! Verifications per second of two real chains (the RSA one with a cold trust store each
//! time; the others with a warm store, whose chain cache answers after the first run):
//! * RSA-4096 RSASSA-PSS: the Norwegian 2022 link certificate verified against the 2017 CSCA,
//!   and that CSCA's self-signature (two RSA-4096 PSS verifications);
//! * ECDSA brainpoolP256r1 with explicit parameters: the Austrian EF.SOD (signature by its DSC,
//!   DSC by the Austrian CSCA from the German master list): SOD signature and chain, without
//!   data groups;
//! * a whole dump: the UK set (EF.SOD, DG1, DG2 with its face image) verified against its CSCA,
//!   data-group hashes included;
//! * throughput: batches of the UK dump verified on two threads sharing one warm trust store
//!   (the chain is built once and then taken from the store's cache), reported as dumps per
//!   second.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use emrtd_auth::cert::Certificate;
use emrtd_auth::pa::{self, verify_certificate_chain};
use emrtd_auth::trust::TrustStore;
use emrtd_auth::MasterList;
use emrtd_auth::{Verdict, VerifyOptions};
use emrtd_lds::sod::Sod;
use std::collections::BTreeMap;

const F: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");

fn rd(p: &str) -> Vec<u8> {
    std::fs::read(format!("{F}/{p}")).expect("fixture")
}

fn bench(c: &mut Criterion) {
    let no = "trust/NO_from_DE_ML";
    let link = Certificate::from_der(&rd(&format!(
        "{no}/NO_CSCA_2022-05-02_2027-05-01_e64560f1.cer"
    )))
    .expect("link");
    let mut no_store = TrustStore::new();
    no_store
        .add_der_certificate(&rd(&format!(
            "{no}/NO_CSCA_2017-05-08_2032-08-02_12a92fc8.cer"
        )))
        .expect("CSCA");
    assert_eq!(verify_certificate_chain(&link, &no_store).valid, Some(true));

    let sod = Sod::parse(&rd("sod/gmrtd/AT_EF.SOD.bin")).expect("SOD");
    let ml = MasterList::parse(&rd("trust/DE_ML_2026-05-28-08-28-45.ml")).expect("ML");
    let mut at_store = TrustStore::new();
    for cert in ml
        .certificates
        .into_iter()
        .filter(|c| c.subject().contains("CSCA-AUSTRIA"))
    {
        at_store.add_anchor(cert);
    }
    let opts = VerifyOptions::at(1_760_000_000);
    // No data groups: the verdict is "unverified" (their hashes are not checked), but the
    // signature over the SOD and the chain to the Austrian CSCA must verify.
    let dgs = BTreeMap::new();
    let report = pa::verify_sod(&sod, &dgs, &at_store, &opts);
    assert_eq!(report.signature_valid, Some(true), "{:?}", report.errors);
    assert_eq!(report.chain_valid, Some(true), "{:?}", report.errors);
    assert_ne!(report.status, Verdict::Invalid);

    let mut uk_store = TrustStore::new();
    uk_store
        .add_der_certificate(&rd("sod/gmrtd/UK_imported_CSCA.cer"))
        .expect("UK CSCA");
    let uk_sod = Sod::parse(&rd("sod/gmrtd/UK_imported_EF.SOD.bin")).expect("UK SOD");
    let uk_dgs: BTreeMap<u8, Vec<u8>> = [
        (1, rd("sod/gmrtd/UK_imported_DG1.bin")),
        (2, rd("sod/gmrtd/UK_imported_DG2.bin")),
    ]
    .into_iter()
    .collect();
    let uk = pa::verify_sod(&uk_sod, &uk_dgs, &uk_store, &opts);
    assert_eq!(uk.status, Verdict::Valid, "{:?}", uk.errors);

    let mut g = c.benchmark_group("passive_authentication");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1));
    // A cold store each time: the chain is built and both signatures verified (a warm store
    // would answer from its cache).
    g.bench_function("rsa4096_pss_chain_cold_store", |b| {
        b.iter_batched(
            || no_store.clone(),
            |store| verify_certificate_chain(&link, &store),
            BatchSize::SmallInput,
        )
    });
    // Warm store from here on: the SOD's signature and data groups, the chain from the cache.
    g.bench_function("brainpoolP256r1_explicit_sod_warm_store", |b| {
        b.iter(|| pa::verify_sod(&sod, &dgs, &at_store, &opts))
    });
    g.bench_function("uk_whole_dump_sod_dg1_dg2", |b| {
        b.iter(|| pa::verify_sod(&uk_sod, &uk_dgs, &uk_store, &opts))
    });
    g.finish();

    // Two threads, one store: the first verification builds and caches the chain.
    const BATCH: usize = 64;
    let mut t = c.benchmark_group("passive_authentication_throughput");
    t.sample_size(10);
    t.throughput(Throughput::Elements(BATCH as u64));
    t.bench_function("uk_dumps_2_threads_warm_store", |b| {
        b.iter(|| {
            std::thread::scope(|scope| {
                let workers: Vec<_> = (0..2)
                    .map(|_| {
                        scope.spawn(|| {
                            (0..BATCH / 2)
                                .filter(|_| {
                                    pa::verify_sod(&uk_sod, &uk_dgs, &uk_store, &opts).status
                                        == Verdict::Valid
                                })
                                .count()
                        })
                    })
                    .collect();
                let valid: usize = workers.into_iter().map(|w| w.join().expect("worker")).sum();
                assert_eq!(valid, BATCH);
            })
        })
    });
    t.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
