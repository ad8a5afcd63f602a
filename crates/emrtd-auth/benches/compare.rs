//! Timing probe for `perf/compare.sh`, which runs it interleaved with the same work done by
//! OpenPACE and OpenSSL (`perf/*.c`). Times are thread CPU time, so that the other processes
//! of a shared machine count less; each invocation prints one median, in µs.
//!
//! * `compare pace ID ITERATIONS`: terminal side of a PACE run (Generic Mapping, AES-128, CAN)
//!   with standardized domain parameters `ID`; the chip's steps run outside the clock.
//! * `compare verify SPKI.der MESSAGE SIG.der ITERATIONS [pss]`: signature verification of a
//!   message with SHA-256, hashing included, as Passive Authentication verifies signed
//!   attributes and certificates (ECDSA, or RSASSA-PSS with MGF1-SHA-256 and a 32-byte salt),
//!   key decoded once; median of 7 batches. With `own` after the ITERATIONS (or after `pss`),
//!   the hash and then `sig::verify_prehashed`: the project's own arithmetic even for the keys
//!   `sig::verify` hands to AWS-LC (to compare the two paths).
//! * `compare throughput N`: Passive Authentication of the UK dump on two threads with a warm
//!   trust store, N dumps per thread; prints dumps per second of wall time and the dumps per
//!   second two cores give by thread CPU time (what a busy shared machine still lets us measure).
//! * `compare first-use`: for each standardized group, in this fresh process, the set-up a
//!   first use costs (building the group and its tables): the first `Group::standardized` plus
//!   key-pair generation, minus the same warm; for curves also the first ECDSA verification
//!   minus a warm one (the table of multiples of G is built then). Prints `id µs µs` lines.
//! * `--test` (as `cargo bench -- --test` passes it) or no arguments: one quick run of each kind
//!   on built-in data, checking the results.

use std::time::Duration;

use cpu_time::ThreadTime;
use emrtd_access::pace::{Mapping, PaceChip, PaceParams, PacePassword, PaceTerminal, Step};
use emrtd_crypto::sig::{self, HashAlg, PublicKey, SignatureScheme};
use emrtd_crypto::sym::Cipher;
use rand_core::OsRng;

const CAN: &str = "123456";

fn pace_terminal_time(params: &PaceParams) -> Duration {
    let mut chip = PaceChip::new(
        vec![params.clone()],
        vec![PacePassword::Can(CAN.into())],
        OsRng,
    );
    let started = ThreadTime::now();
    let mut terminal =
        PaceTerminal::new(params.clone(), PacePassword::Can(CAN.into()), OsRng).expect("terminal");
    let mut cmd = terminal.start().expect("start");
    let mut spent = started.elapsed();
    loop {
        let resp = chip.handle(&cmd);
        let t = ThreadTime::now();
        let step = terminal.process_response(&resp).expect("PACE");
        spent += t.elapsed();
        match step {
            Step::Send(next) => cmd = next,
            Step::Done(_) => return spent,
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn pace(id: u32, iterations: usize) -> f64 {
    let mapping = Mapping::Generic;
    let params = PaceParams::standardized(mapping, Cipher::Aes128, id).expect("PACE parameters");
    pace_terminal_time(&params); // warm-up: first use of the group
    median(
        (0..iterations.max(1))
            .map(|_| pace_terminal_time(&params).as_secs_f64() * 1e6)
            .collect(),
    )
}

fn verify(
    spki: &[u8],
    message: &[u8],
    signature: &[u8],
    iterations: usize,
    pss: bool,
    own: bool,
) -> f64 {
    let key = PublicKey::from_spki_der(spki).expect("SubjectPublicKeyInfo");
    let scheme = match (&key, pss) {
        (PublicKey::Rsa(_), true) => SignatureScheme::RsaPss {
            hash: HashAlg::Sha256,
            mgf1_hash: HashAlg::Sha256,
            salt_len: 32,
        },
        (PublicKey::Rsa(_), false) => SignatureScheme::RsaPkcs1v15 {
            hash: HashAlg::Sha256,
        },
        _ => SignatureScheme::Ecdsa {
            hash: HashAlg::Sha256,
            plain: false,
        },
    };
    // `own`: the project's own arithmetic even where `sig::verify` would take AWS-LC
    let check = |message: &[u8]| {
        if own {
            let hashed = scheme.hash().digest(message);
            sig::verify_prehashed(&key, &scheme, &hashed, signature)
        } else {
            sig::verify(&key, &scheme, message, signature)
        }
    };
    check(message).expect("signature verifies");
    let n = iterations.max(1);
    median(
        (0..7)
            .map(|_| {
                let t = ThreadTime::now();
                for _ in 0..n {
                    assert!(check(message).is_ok());
                }
                t.elapsed().as_secs_f64() * 1e6 / n as f64
            })
            .collect(),
    )
}

/// First-use set-up per standardized group (see the module documentation): (id, set-up µs,
/// ECDSA verification set-up µs or NaN for DH).
fn first_use() -> Vec<(u8, f64, f64)> {
    use emrtd_crypto::pk::{Group, STANDARDIZED_IDS};
    let us = |t: ThreadTime| t.elapsed().as_secs_f64() * 1e6;
    STANDARDIZED_IDS
        .iter()
        .map(|&id| {
            let key_pair = |g: &Group| {
                let sk = g.generate_private_key(&mut OsRng);
                g.public_key(&sk, &g.generator()).expect("public key")
            };
            let t = ThreadTime::now();
            let group = Group::standardized(u32::from(id)).expect("standardized group");
            key_pair(&group);
            let first = us(t);
            let t = ThreadTime::now();
            key_pair(&group);
            let setup = first - us(t);
            let verify_setup = match &group {
                Group::Ec(c) => {
                    let p = c
                        .mul(&c.generator(), &c.random_scalar(&mut OsRng))
                        .expect("point");
                    let r = c.scalar_to_bytes(&c.random_scalar(&mut OsRng));
                    let s = c.scalar_to_bytes(&c.random_scalar(&mut OsRng));
                    let verify = || {
                        let t = ThreadTime::now();
                        c.ecdsa_verify_prehashed(&p, &[0xA5; 32], &r, &s);
                        us(t)
                    };
                    let first = verify();
                    first - verify()
                }
                _ => f64::NAN, // DH groups have no signature verification
            };
            (id, setup, verify_setup)
        })
        .collect()
}

/// Passive Authentication of the UK dump (EF.SOD, DG1, DG2 with its face image) on two
/// threads sharing one warm trust store, `per_thread` dumps each. Returns (dumps per second of
/// wall time, dumps per second two cores give by CPU time: 2 / mean thread CPU time per dump).
fn throughput(per_thread: usize) -> (f64, f64) {
    use emrtd_auth::pa;
    use emrtd_auth::trust::TrustStore;
    use emrtd_auth::{Verdict, VerifyOptions};
    use emrtd_lds::sod::Sod;
    use std::collections::BTreeMap;
    let f = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/sod/gmrtd");
    let rd = |name: &str| read(&format!("{f}/{name}"));
    let mut store = TrustStore::new();
    store
        .add_der_certificate(&rd("UK_imported_CSCA.cer"))
        .expect("UK CSCA");
    let sod_bytes = rd("UK_imported_EF.SOD.bin");
    let dgs: BTreeMap<u8, Vec<u8>> = [
        (1, rd("UK_imported_DG1.bin")),
        (2, rd("UK_imported_DG2.bin")),
    ]
    .into_iter()
    .collect();
    let opts = VerifyOptions::at(1_760_000_000);
    // One dump as a server gets it: EF.SOD parsed, then verified with its data groups.
    let one = || {
        let sod = Sod::parse(&sod_bytes).expect("SOD");
        pa::verify_sod(&sod, &dgs, &store, &opts).status == Verdict::Valid
    };
    assert!(one(), "the UK dump verifies"); // warms the store's chain cache
    let started = std::time::Instant::now();
    let cpu: Vec<f64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let t = ThreadTime::now();
                    let valid = (0..per_thread).filter(|_| one()).count();
                    assert_eq!(valid, per_thread);
                    t.elapsed().as_secs_f64()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker"))
            .collect()
    });
    let wall = started.elapsed().as_secs_f64();
    let dumps = (2 * per_thread) as f64;
    let cpu_per_dump = cpu.iter().sum::<f64>() / dumps;
    (dumps / wall, 2.0 / cpu_per_dump)
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let num = |s: &String| s.parse::<usize>().expect("a number");
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["pace", id, n] => println!(
            "{:.1}",
            pace(id.parse().expect("id"), n.parse().expect("n"))
        ),
        ["verify", spki, message, signature, n, rest @ ..] => println!(
            "{:.2}",
            verify(
                &read(spki),
                &read(message),
                &read(signature),
                num(&n.to_string()),
                rest.contains(&"pss"),
                rest.contains(&"own"),
            )
        ),
        ["first-use"] => {
            for (id, setup, verify_setup) in first_use() {
                println!("{id} {setup:.0} {verify_setup:.0}");
            }
        }
        ["throughput", n] => {
            let (wall, cpu) = throughput(num(&n.to_string()));
            println!("{wall:.0} {cpu:.0}");
        }
        _ => {
            // `cargo bench -- --test` or a bare run: a smoke test of the probes.
            for id in [2, 13] {
                assert!(pace(id, 1) > 0.0);
            }
            let (wall, cpu) = throughput(2);
            assert!(wall > 0.0 && cpu > 0.0);
            println!("compare: ok");
        }
    }
}
