//! Terminal-side CPU time of a complete PACE run (Generic Mapping, AES-128) per standardized
//! domain parameter id, plus Integrated and Chip Authentication Mapping on brainpoolP256r1.
//! Only the terminal's work is timed; the chip's answers come from `PaceChip` outside the clock.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use emrtd_access::pace::{Mapping, PaceChip, PaceParams, PacePassword, PaceTerminal, Step};
use emrtd_crypto::pk::STANDARDIZED_IDS;
use emrtd_crypto::sym::Cipher;
use rand_core::OsRng;

const CAN: &str = "123456";

fn terminal_time(params: &PaceParams) -> Duration {
    let mut chip = PaceChip::new(
        vec![params.clone()],
        vec![PacePassword::Can(CAN.into())],
        OsRng,
    );
    if params.mapping() == Mapping::ChipAuthentication {
        chip.set_cam_key(&[0x2A]).expect("CAM key");
    }
    let mut spent = Duration::ZERO;
    let started = Instant::now();
    let mut terminal =
        PaceTerminal::new(params.clone(), PacePassword::Can(CAN.into()), OsRng).expect("terminal");
    let mut cmd = terminal.start().expect("start");
    spent += started.elapsed();
    loop {
        let resp = chip.handle(&cmd);
        let t = Instant::now();
        let step = terminal.process_response(&resp).expect("PACE");
        spent += t.elapsed();
        match step {
            Step::Send(next) => cmd = next,
            Step::Done(_) => return spent,
        }
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("pace_terminal");
    group.sample_size(10);
    let mut cases: Vec<(String, PaceParams)> = STANDARDIZED_IDS
        .iter()
        .map(|id| {
            let p = PaceParams::standardized(Mapping::Generic, Cipher::Aes128, u32::from(*id))
                .expect("params");
            (format!("GM id {id:2} {}", p.group().name()), p)
        })
        .collect();
    for mapping in [Mapping::Integrated, Mapping::ChipAuthentication] {
        let p = PaceParams::standardized(mapping, Cipher::Aes128, 13).expect("params");
        cases.push((format!("{} id 13", p.name()), p));
    }
    for (name, params) in cases {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| terminal_time(&params)).sum())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
