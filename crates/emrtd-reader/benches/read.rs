//! Benchmarks of a whole read of the virtual `norway-id` document.
//!
//! Criterion measures the CPU time of the read (reader and virtual chip together); the
//! modelled over-the-air time from the simulator's link model is printed once per bit rate,
//! next to the ideal and to a 223-byte-block reader (see `tests/link_model.rs` for the
//! asserted targets).

use criterion::{criterion_group, criterion_main, Criterion};
use emrtd_reader::{read_document, AccessKey, ReadOptions};
use emrtd_sim::{LinkModel, Profile, VirtualChip};

fn read(profile: &Profile, options: &ReadOptions) -> (usize, f64) {
    let mut chip = VirtualChip::new(profile.clone()).expect("profile");
    let key = AccessKey::from_can("123456").expect("CAN");
    read_document(&mut chip, &key, options).expect("read");
    (chip.stats().apdus, chip.stats().modelled_ms)
}

fn bench(c: &mut Criterion) {
    let base = Profile::builtin("norway-id").expect("profile");
    for rate in [106, 424, 848] {
        let mut p = base.clone();
        p.link = LinkModel::at_rate(rate);
        let (apdus, ms) = read(&p, &ReadOptions::default());
        let small = ReadOptions {
            max_block: Some(223),
            ..ReadOptions::default()
        };
        let (small_apdus, small_ms) = read(&p, &small);
        println!(
            "link model {rate} kbit/s: adaptive {apdus} APDUs {ms:.1} ms; \
             223-byte blocks {small_apdus} APDUs {small_ms:.1} ms ({:.2}× fewer APDUs)",
            small_apdus as f64 / apdus as f64
        );
    }
    c.bench_function("read norway-id (PACE-GM brainpoolP256r1, 17 KB DG2)", |b| {
        b.iter(|| read(&base, &ReadOptions::default()))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
