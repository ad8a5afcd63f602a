//! MRZ parsing: the ICAO 9303-4 TD3 specimen (Anna Maria Eriksson) and the ICAO 9303-5 TD1
//! specimen, and the key seed derivation input (document number, dates, check digits).

use criterion::{criterion_group, criterion_main, Criterion};
use emrtd_mrz::Mrz;
use std::hint::black_box;

const TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";

fn bench(c: &mut Criterion) {
    assert!(Mrz::parse(TD3).is_ok() && Mrz::parse(TD1).is_ok());
    let mut g = c.benchmark_group("mrz");
    g.bench_function("parse_td3", |b| b.iter(|| Mrz::parse(black_box(TD3))));
    g.bench_function("parse_td1", |b| b.iter(|| Mrz::parse(black_box(TD1))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
