//! Load on loopback: `POST /v1/verify` with genuine evidence (Chip Authentication, the virtual
//! Norwegian ID card) against an in-process `emrtd serve`, from several client threads with
//! keep-alive connections. Bounded in count and time. Prints verifications per second and the
//! latency percentiles the clients saw.
//!
//! `cargo run --release -p emrtd-server --example load -- [REQUESTS] [CLIENTS] [MAX_SECONDS]`
//! (defaults 5000, 4, 30); `perf/remote_load.sh` runs it.

use emrtd_reader::{read_blocking, AccessKey, EfId, Engine, EngineConfig, FixedClock, ReadOptions};
use emrtd_remote::phone::{challenge_request, evidence_of};
use emrtd_remote::{issue_challenge, ChallengeResponse, Expectations, KeyRing, ServerKey};
use emrtd_server::{start_in_background, AppState, ConfigFile};
use emrtd_sim::{Profile, VirtualChip};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// 2026-01-01 00:00 UTC: the virtual document is valid and its tokens live.
const NOW: i64 = 1_767_225_600;
const KEY: &str = "4242424242424242424242424242424242424242424242424242424242424242";
/// Distinct evidence documents the clients cycle through.
const DOCUMENTS: usize = 16;

fn arg(n: usize, default: u64) -> u64 {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// Genuine evidence for a challenge issued with the server's key (the same sans-IO calls the
/// server makes; the token opens at the server).
fn evidence(seed: u64) -> Vec<u8> {
    let ring = KeyRing::new(ServerKey::from_hex("k1", KEY).expect("key"));
    let key = AccessKey::from_can("123456").expect("CAN");
    let mut chip = VirtualChip::new(Profile::builtin("norway-id").expect("profile")).expect("chip");
    let engine = Engine::proof_files(
        EngineConfig::new(key.clone(), ReadOptions::default()),
        StdRng::seed_from_u64(seed),
        FixedClock(NOW),
    );
    let pre = read_blocking(&mut chip, engine, &mut |_| {}).expect("proof files");
    let context = format!("load-{seed}");
    let body = challenge_request(
        &context,
        Expectations::default(),
        pre.get(&EfId::CardAccess).map(Vec::as_slice),
        pre.get(&EfId::Dg(14)).map(Vec::as_slice),
        pre.get(&EfId::Dg(15)).map(Vec::as_slice),
    );
    let challenge: ChallengeResponse = issue_challenge(
        &ring,
        &emrtd_remote::Policy::default(),
        &body,
        NOW,
        &mut StdRng::seed_from_u64(seed + 1000),
    )
    .expect("challenge");
    let options = ReadOptions {
        remote_proof: challenge
            .proof
            .instructions()
            .and_then(|i| i.remote_proof())
            .expect("instructions"),
        ..ReadOptions::default()
    };
    chip.reset();
    let engine = Engine::new(
        EngineConfig::new(key, options),
        StdRng::seed_from_u64(seed + 2000),
        FixedClock(NOW),
    );
    let doc = read_blocking(&mut chip, engine, &mut |_| {}).expect("read");
    evidence_of(&challenge.token, &context, &doc).to_json()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let requests = arg(1, 5000) as usize;
    let clients = arg(2, 4).max(1) as usize;
    let max_time = Duration::from_secs(arg(3, 30));

    let file = ConfigFile::parse(
        "[[token_keys]]\nid = \"k1\"\nenv = \"TK\"\n[trust]\nbuiltin = false\ntest_csca = true\n",
    )
    .expect("config");
    let settings = file
        .resolve(&|n| (n == "TK").then(|| KEY.to_string()))
        .expect("settings");
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let server = start_in_background(
        AppState::new(settings, Arc::new(|| NOW)),
        "127.0.0.1:0".parse().expect("address"),
        workers,
    )
    .expect("server");
    let url = format!("{}/v1/verify", server.url());
    let documents: Arc<Vec<Vec<u8>>> = Arc::new((0..DOCUMENTS as u64).map(evidence).collect());
    let size = documents.iter().map(Vec::len).sum::<usize>() / DOCUMENTS;

    // The verification alone, in-process on one thread: the server's CPU cost per request.
    {
        let ring = KeyRing::new(ServerKey::from_hex("k1", KEY).expect("key"));
        let mut trust = emrtd_auth::TrustStore::new();
        trust
            .add_der_certificate(emrtd_sim::pki::TEST_CSCA)
            .expect("test CSCA");
        let policy = emrtd_remote::Policy::default();
        let n = 200;
        let t = Instant::now();
        for i in 0..n {
            let v = emrtd_remote::verify_evidence(
                &ring,
                &trust,
                &policy,
                &documents[i % DOCUMENTS],
                NOW,
            )
            .expect("verdict");
            assert!(v.accepted);
        }
        println!(
            "in-process verify_evidence: {:.0} µs per verification (one thread, {n} runs)",
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        );
    }

    // Warm up: every document once (and check that each is accepted).
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for d in documents.iter() {
        let mut r = agent
            .post(&url)
            .content_type("application/json")
            .send(&d[..])
            .expect("warm-up request");
        let text = r.body_mut().read_to_string().expect("warm-up answer");
        assert!(
            text.contains("\"accepted\":true") && text.contains("\"genuine_chip\":true"),
            "warm-up verdict not accepted: {text}"
        );
    }

    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + max_time;
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let next = next.clone();
            let documents = documents.clone();
            let url = url.clone();
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut latencies = Vec::new();
                let mut failures = 0usize;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= requests || Instant::now() >= deadline {
                        break;
                    }
                    let body = &documents[i % documents.len()];
                    let t = Instant::now();
                    let ok = agent
                        .post(&url)
                        .content_type("application/json")
                        .send(&body[..])
                        .ok()
                        .and_then(|mut r| {
                            let status = r.status().as_u16();
                            r.body_mut().read_to_vec().ok().map(|_| status == 200)
                        })
                        .unwrap_or(false);
                    latencies.push(t.elapsed());
                    if !ok {
                        failures += 1;
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failures = 0;
    for t in threads {
        let (l, f) = t.join().expect("client thread");
        latencies.extend(l);
        failures += f;
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let done = latencies.len();
    println!(
        "verifications: {done} in {:.2} s with {clients} client threads, {workers} server workers \
         ({size} bytes of evidence each, {failures} not 200)",
        elapsed.as_secs_f64()
    );
    println!(
        "throughput: {:.0} verifications/s",
        done as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.90).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    if failures > 0 {
        std::process::exit(1);
    }
}
