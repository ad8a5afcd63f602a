//! `emrtd serve` over HTTP on loopback: the server is started in-process by each test; a phone
//! (the read engine over the simulator) asks for a challenge and posts its evidence.

use emrtd_reader::{read_blocking, AccessKey, EfId, Engine, EngineConfig, FixedClock, ReadOptions};
use emrtd_remote::phone::{challenge_request, evidence_of};
use emrtd_remote::{ChallengeResponse, Expectations};
use emrtd_server::{start_in_background, AppState, Background, Clock, ConfigFile};
use emrtd_sim::{Profile, VirtualChip};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// 2026-01-01 00:00 UTC: the virtual Norwegian ID card (expiry 2026-06-11) is valid.
const NOW: i64 = 1_767_225_600;
const KEY_A: &str = "4242424242424242424242424242424242424242424242424242424242424242";
const KEY_B: &str = "1717171717171717171717171717171717171717171717171717171717171717";

fn config(extra: &str) -> ConfigFile {
    ConfigFile::parse(&format!(
        "[[token_keys]]\nid = \"k1\"\nenv = \"TK\"\n[trust]\nbuiltin = false\ntest_csca = true\n{extra}"
    ))
    .unwrap()
}

fn start_with(file: &ConfigFile, env: &[(&str, &str)], clock: Clock) -> Background {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let settings = file.resolve(&lookup).unwrap();
    start_in_background(
        AppState::new(settings, clock),
        "127.0.0.1:0".parse().unwrap(),
        2,
    )
    .unwrap()
}

fn fixed(now: i64) -> Clock {
    Arc::new(move || now)
}

fn start(key: &str) -> Background {
    start_with(&config(""), &[("TK", key)], fixed(NOW))
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// POST a body; the status and the body.
fn post(url: &str, content_type: &str, body: &[u8]) -> (u16, String) {
    let mut r = agent()
        .post(url)
        .content_type(content_type)
        .send(body)
        .unwrap();
    let status = r.status().as_u16();
    (status, r.body_mut().read_to_string().unwrap())
}

fn get(url: &str) -> (u16, String) {
    let mut r = agent().get(url).call().unwrap();
    let status = r.status().as_u16();
    (status, r.body_mut().read_to_string().unwrap())
}

/// A request written on a raw connection (the body from another thread, so that a server
/// that answers early is not blocked on); the status and the body of the answer.
fn raw(server: &Background, head: &str, body: Vec<u8>) -> (u16, String) {
    use std::io::{Read, Write};
    let mut conn = std::net::TcpStream::connect(server.addr).unwrap();
    conn.write_all(head.as_bytes()).unwrap();
    let mut writer = conn.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        // The server may close before everything is sent: that is the point.
        let _ = writer.write_all(&body);
    });
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    let _ = sender.join();
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn key() -> AccessKey {
    AccessKey::from_can("123456").unwrap()
}

/// The phone: read the proof files, ask `server` for a challenge, read with the proof.
/// Returns the evidence JSON.
fn phone(server: &str, profile: Profile, context: &str) -> Vec<u8> {
    let mut chip = VirtualChip::new(profile).unwrap();
    let engine = Engine::proof_files(
        EngineConfig::new(key(), ReadOptions::default()),
        StdRng::seed_from_u64(7),
        FixedClock(NOW),
    );
    let pre = read_blocking(&mut chip, engine, &mut |_| {}).unwrap();
    let body = challenge_request(
        context,
        Expectations::default(),
        pre.get(&EfId::CardAccess).map(Vec::as_slice),
        pre.get(&EfId::Dg(14)).map(Vec::as_slice),
        pre.get(&EfId::Dg(15)).map(Vec::as_slice),
    );
    let (status, text) = post(&format!("{server}/v1/challenge"), "application/json", &body);
    assert_eq!(status, 200, "{text}");
    let challenge: ChallengeResponse = serde_json::from_str(&text).unwrap();
    let options = ReadOptions {
        remote_proof: challenge
            .proof
            .instructions()
            .unwrap()
            .remote_proof()
            .unwrap(),
        ..ReadOptions::default()
    };
    chip.reset();
    let engine = Engine::new(
        EngineConfig::new(key(), options),
        StdRng::seed_from_u64(8),
        FixedClock(NOW),
    );
    let doc = read_blocking(&mut chip, engine, &mut |_| {}).unwrap();
    evidence_of(&challenge.token, context, &doc).to_json()
}

fn ca_profile() -> Profile {
    Profile::builtin("norway-id").unwrap()
}

/// A refusal body: one line of JSON with `error` and `reason`.
fn refusal(status: u16, body: &str) -> (String, String) {
    assert!((400..500).contains(&status), "{status} {body}");
    assert!(!body.contains('\n'), "{body}");
    let v: Value = serde_json::from_str(body).unwrap();
    let reason = v["reason"].as_str().unwrap().to_string();
    assert!(!reason.is_empty() && !reason.contains('\n'));
    (v["error"].as_str().unwrap().to_string(), reason)
}

#[test]
fn a_challenge_from_one_instance_verifies_at_another_holding_the_same_key() {
    let a = start(KEY_A);
    let b = start(KEY_A);
    let evidence = phone(&a.url(), ca_profile(), "tx-stateless");
    let (status, text) = post(
        &format!("{}/v1/verify", b.url()),
        "application/json",
        &evidence,
    );
    assert_eq!(status, 200, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["genuine_chip"], true, "{text}");
    assert_eq!(v["accepted"], true, "{text}");
    assert_eq!(v["chip_proof"]["method"], "chip_authentication");
    assert_eq!(v["context"], "tx-stateless");
    assert!(v.get("jws").is_none(), "no signing key, no signature");
}

#[test]
fn an_instance_with_another_key_refuses_the_token_with_403() {
    let a = start(KEY_A);
    let other = start(KEY_B);
    let evidence = phone(&a.url(), ca_profile(), "tx-other-key");
    let (status, text) = post(
        &format!("{}/v1/verify", other.url()),
        "application/json",
        &evidence,
    );
    assert_eq!(status, 403);
    assert_eq!(refusal(status, &text).0, "invalid_token");
}

#[test]
fn a_rotated_key_still_opens_the_tokens_it_sealed() {
    let old_file = ConfigFile::parse(
        "[[token_keys]]\nid = \"k2\"\nenv = \"TK\"\n[trust]\nbuiltin = false\ntest_csca = true\n",
    )
    .unwrap();
    let old = start_with(&old_file, &[("TK", KEY_B)], fixed(NOW));
    let file = ConfigFile::parse(
        "[[token_keys]]\nid = \"k1\"\nenv = \"TK\"\n[[token_keys]]\nid = \"k2\"\nenv = \"OLD\"\n\
         [trust]\nbuiltin = false\ntest_csca = true\n",
    )
    .unwrap();
    let new = start_with(&file, &[("TK", KEY_A), ("OLD", KEY_B)], fixed(NOW));
    let evidence = phone(&old.url(), ca_profile(), "tx-rotation");
    let (status, text) = post(
        &format!("{}/v1/verify", new.url()),
        "application/json",
        &evidence,
    );
    assert_eq!(status, 200, "{text}");
    let (_, health) = get(&format!("{}/healthz", new.url()));
    assert!(health.contains("\"token_key\":\"k1\""), "{health}");
}

#[test]
fn an_expired_challenge_gets_403_expired() {
    let now = Arc::new(AtomicI64::new(NOW));
    let clock: Clock = {
        let now = now.clone();
        Arc::new(move || now.load(Ordering::SeqCst))
    };
    let s = start_with(&config(""), &[("TK", KEY_A)], clock);
    let evidence = phone(&s.url(), ca_profile(), "tx-late");
    now.store(NOW + 301, Ordering::SeqCst);
    let (status, text) = post(
        &format!("{}/v1/verify", s.url()),
        "application/json",
        &evidence,
    );
    assert_eq!(status, 403);
    assert_eq!(refusal(status, &text).0, "expired");
}

#[test]
fn a_configured_signing_key_signs_the_verdict_as_a_jws_over_the_verdict_without_it() {
    use p256::pkcs8::{EncodePrivateKey, LineEnding};
    let key = p256::ecdsa::SigningKey::from_slice(&[9u8; 32]).unwrap();
    let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap();
    let file = config("[signing]\nid = \"verdict-1\"\nenv = \"SIGN\"\n");
    let s = start_with(&file, &[("TK", KEY_A), ("SIGN", pem.as_str())], fixed(NOW));
    let evidence = phone(&s.url(), ca_profile(), "tx-signed");
    let (status, text) = post(
        &format!("{}/v1/verify", s.url()),
        "application/json",
        &evidence,
    );
    assert_eq!(status, 200, "{text}");
    let mut v: Value = serde_json::from_str(&text).unwrap();
    let jws = v["jws"].as_str().unwrap().to_string();
    let payload = emrtd_remote::jws::verify_es256(key.verifying_key(), &jws).unwrap();
    v.as_object_mut().unwrap().remove("jws");
    assert_eq!(serde_json::from_slice::<Value>(&payload).unwrap(), v);
    let other = p256::ecdsa::SigningKey::from_slice(&[8u8; 32]).unwrap();
    assert!(emrtd_remote::jws::verify_es256(other.verifying_key(), &jws).is_none());
}

#[test]
fn bad_requests_get_a_4xx_with_a_one_line_json_reason() {
    let s = start(KEY_A);
    let u = s.url();
    // Declared too large: refused before the body is read.
    let (status, text) = raw(
        &s,
        "POST /v1/verify HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
         Content-Length: 2097153\r\nConnection: close\r\n\r\n",
        Vec::new(),
    );
    assert_eq!(
        (status, refusal(status, &text).0.as_str()),
        (413, "too_large")
    );
    // Chunked, no length: refused once the cap is passed.
    let chunk = vec![b' '; emrtd_remote::evidence::MAX_BODY + 1];
    let mut body = format!("{:x}\r\n", chunk.len()).into_bytes();
    body.extend_from_slice(&chunk);
    body.extend_from_slice(b"\r\n0\r\n\r\n");
    let (status, text) = raw(
        &s,
        "POST /v1/challenge HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        body,
    );
    assert_eq!(
        (status, refusal(status, &text).0.as_str()),
        (413, "too_large")
    );
    let (status, text) = post(
        &format!("{u}/v1/verify"),
        "application/json",
        b"{\"version\": 1,",
    );
    assert_eq!(
        (status, refusal(status, &text).0.as_str()),
        (400, "malformed")
    );
    let (status, text) = post(&format!("{u}/v1/challenge"), "application/json", b"[]");
    assert_eq!(
        (status, refusal(status, &text).0.as_str()),
        (400, "malformed")
    );
    let (status, text) = post(&format!("{u}/v1/verify"), "text/plain", b"{}");
    assert_eq!(
        (status, refusal(status, &text).0.as_str()),
        (415, "unsupported_media_type")
    );
    let (status, text) = get(&format!("{u}/v2/verify"));
    assert_eq!(
        (status, refusal(status, &text).0.as_str()),
        (404, "not_found")
    );
    let (status, text) = get(&format!("{u}/v1/challenge"));
    assert_eq!(
        (status, refusal(status, &text).0.as_str()),
        (405, "method_not_allowed")
    );
    let (status, text) = post(
        &format!("{u}/v1/challenge"),
        "application/json",
        br#"{"context": ""}"#,
    );
    assert_eq!(
        (status, refusal(status, &text).0.as_str()),
        (400, "invalid_field")
    );
}

/// Change `evidence` in one of several ways chosen by `rng`.
fn mutate(evidence: &[u8], rng: &mut StdRng) -> Vec<u8> {
    let mut e = evidence.to_vec();
    match rng.gen_range(0..6) {
        0 => {
            let i = rng.gen_range(0..e.len());
            e[i] ^= 1 << rng.gen_range(0..8);
        }
        1 => e.truncate(rng.gen_range(0..e.len())),
        2 => {
            let i = rng.gen_range(0..e.len());
            e[i] = rng.gen();
        }
        3 => {
            let i = rng.gen_range(0..e.len());
            let junk: Vec<u8> = (0..rng.gen_range(1..64)).map(|_| rng.gen()).collect();
            e.splice(i..i, junk);
        }
        4 => {
            // Drop a field or change a value's type.
            let mut v: Value = serde_json::from_slice(evidence).unwrap();
            let obj = v.as_object_mut().unwrap();
            let keys: Vec<String> = obj.keys().cloned().collect();
            let k = &keys[rng.gen_range(0..keys.len())];
            if rng.gen() {
                obj.remove(k);
            } else {
                obj.insert(k.clone(), Value::from(rng.gen::<i64>()));
            }
            e = serde_json::to_vec(&v).unwrap();
        }
        _ => {
            // Change one base64 character inside the document.
            let positions: Vec<usize> = e
                .iter()
                .enumerate()
                .filter(|(_, b)| b.is_ascii_alphanumeric())
                .map(|(i, _)| i)
                .collect();
            let i = positions[rng.gen_range(0..positions.len())];
            e[i] = if e[i] == b'A' { b'B' } else { b'A' };
        }
    }
    e
}

fn metric(text: &str, line_start: &str) -> u64 {
    text.lines()
        .filter(|l| l.starts_with(line_start))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[test]
fn three_hundred_mutated_evidence_documents_never_get_a_5xx_and_metrics_count_them() {
    let s = start(KEY_A);
    let u = s.url();
    let evidence = phone(&u, ca_profile(), "tx-mutations");
    let mut rng = StdRng::seed_from_u64(19);
    let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
    let n = 300;
    for _ in 0..n {
        let body = mutate(&evidence, &mut rng);
        let (status, text) = post(&format!("{u}/v1/verify"), "application/json", &body);
        assert!(status < 500, "{status} {text}");
        if status != 200 {
            refusal(status, &text);
        }
        *statuses.entry(status).or_default() += 1;
    }
    // Some mutations still verify (e.g. inside a JSON string outside any checked field) or
    // give refused verdicts; most are client errors.
    assert!(
        statuses.keys().any(|s| (400..500).contains(s)),
        "{statuses:?}"
    );
    let (status, text) = get(&format!("{u}/metrics"));
    assert_eq!(status, 200);
    let counted = metric(&text, "emrtd_verifications_total{");
    assert_eq!(counted, n, "{text}");
    let requests = metric(&text, "emrtd_http_requests_total{route=\"verify\"");
    assert_eq!(requests, n, "{text}");
    for (code, count) in &statuses {
        let line = format!("emrtd_http_requests_total{{route=\"verify\",status=\"{code}\"}}");
        assert_eq!(metric(&text, &line), *count, "{line} in {text}");
    }
    assert_eq!(
        metric(
            &text,
            "emrtd_http_request_duration_seconds_count{route=\"verify\"}"
        ),
        n
    );
    assert_eq!(
        metric(
            &text,
            "emrtd_challenges_total{proof=\"chip_authentication\"}"
        ),
        1
    );
}

#[test]
fn a_dump_posted_without_its_proof_is_data_authentic_but_not_a_genuine_chip() {
    let s = start(KEY_A);
    let genuine = phone(&s.url(), ca_profile(), "tx-dump");
    let mut evidence = emrtd_remote::Evidence::parse(&genuine).unwrap();
    evidence.proof = emrtd_remote::Proof::None;
    let (status, text) = post(
        &format!("{}/v1/verify", s.url()),
        "application/json",
        &evidence.to_json(),
    );
    assert_eq!(status, 200, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["data_authentic"], true, "{text}");
    assert_eq!(v["genuine_chip"], false, "{text}");
    assert_eq!(v["accepted"], false, "{text}");
    assert_eq!(v["chip_proof"]["status"], "failed", "{text}");
    let (_, metrics) = get(&format!("{}/metrics", s.url()));
    assert_eq!(
        metric(
            &metrics,
            "emrtd_verifications_total{outcome=\"refused\",reason=\"chip_proof_failed\"}"
        ),
        1,
        "{metrics}"
    );
}

/// The phone of a PACE-CAM-only chip over HTTP: challenge, read, then the server-driven
/// PACE-CAM run through `/v1/pace/map` and `/v1/pace/agree`. The two step bodies it posted
/// and the evidence JSON.
fn pace_cam_phone(server: &str, context: &str) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    use emrtd_remote::phone::{challenge_request_with, evidence_with, PaceCamPhone, PaceCamStep};
    let mut profile = Profile::builtin("norway-id").unwrap();
    profile.chip_authentication = None;
    profile.access.pace[0].mapping = "CAM".into();
    let mut chip = VirtualChip::new(profile).unwrap();
    let engine = Engine::proof_files(
        EngineConfig::new(key(), ReadOptions::default()),
        StdRng::seed_from_u64(7),
        FixedClock(NOW),
    );
    let pre = read_blocking(&mut chip, engine, &mut |_| {}).unwrap();
    let body = challenge_request_with(
        context,
        Expectations::default(),
        pre.get(&EfId::CardAccess).map(Vec::as_slice),
        None,
        None,
        true,
    );
    let (status, text) = post(&format!("{server}/v1/challenge"), "application/json", &body);
    assert_eq!(status, 200, "{text}");
    let challenge: ChallengeResponse = serde_json::from_str(&text).unwrap();
    chip.reset();
    let engine = Engine::new(
        EngineConfig::new(key(), ReadOptions::default()),
        StdRng::seed_from_u64(8),
        FixedClock(NOW),
    );
    let doc = read_blocking(&mut chip, engine, &mut |_| {}).unwrap();
    chip.reset();
    let mut phone = PaceCamPhone::new(&challenge, &key()).unwrap();
    let mut step = phone.chip(&chip.process(&phone.start())).unwrap();
    let mut posted = Vec::new();
    loop {
        step = match step {
            PaceCamStep::Chip(cmd) => phone.chip(&chip.process(&cmd)).unwrap(),
            PaceCamStep::Server { path, body } => {
                let (status, text) = post(&format!("{server}{path}"), "application/json", &body);
                assert_eq!(status, 200, "{path}: {text}");
                posted.push(body);
                phone.server(text.as_bytes()).unwrap()
            }
            PaceCamStep::Done { token, proof } => {
                let evidence = evidence_with(&token, context, &doc, proof).to_json();
                let agree = posted.pop().unwrap();
                let map = posted.pop().unwrap();
                return (map, agree, evidence);
            }
            other => panic!("unexpected PACE-CAM step {other:?}"),
        };
    }
}

#[test]
fn a_pace_cam_chip_is_proven_over_http_and_mutated_step_requests_never_get_a_5xx() {
    let s = start(KEY_A);
    let u = s.url();
    let (map, agree, evidence) = pace_cam_phone(&u, "tx-pace-cam");
    let (status, text) = post(&format!("{u}/v1/verify"), "application/json", &evidence);
    assert_eq!(status, 200, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["chip_proof"]["method"], "pace_cam", "{v}");
    assert_eq!(v["genuine_chip"], true, "{v}");
    assert_eq!(v["accepted"], true, "{v}");
    let mut rng = StdRng::seed_from_u64(23);
    let mut refused = 0;
    for (path, body) in [("/v1/pace/map", &map), ("/v1/pace/agree", &agree)] {
        for _ in 0..150 {
            let m = mutate(body, &mut rng);
            let (status, text) = post(&format!("{u}{path}"), "application/json", &m);
            assert!(status < 500, "{path}: {status} {text}");
            if status != 200 {
                refusal(status, &text);
                refused += 1;
            }
        }
        // Another step's body, and no JSON at all.
        let (status, text) = post(&format!("{u}{path}"), "application/json", b"[]");
        assert_eq!(refusal(status, &text).0, "malformed");
        let (status, text) = post(&format!("{u}{path}"), "text/plain", body);
        assert_eq!(refusal(status, &text).0, "unsupported_media_type");
    }
    assert!(refused > 100, "{refused}");
    let (status, text) = post(&format!("{u}/v1/pace/agree"), "application/json", &map);
    assert_eq!(refusal(status, &text).0, "malformed", "{text}");
    let (_, text) = get(&format!("{u}/metrics"));
    assert_eq!(
        metric(&text, "emrtd_challenges_total{proof=\"pace_cam\"}"),
        1,
        "{text}"
    );
    assert!(metric(&text, "emrtd_http_requests_total{route=\"pace_map\"") > 150);
}

/// A raw connection that sends a request head promising `len` body bytes, and then nothing.
fn stalled_post(server: &Background, path: &str, len: usize) -> std::net::TcpStream {
    use std::io::Write;
    let mut conn = std::net::TcpStream::connect(server.addr).unwrap();
    write!(
        conn,
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n{{"
    )
    .unwrap();
    conn
}

/// The status of the answer read from a raw connection.
fn status_of(conn: &mut std::net::TcpStream) -> u16 {
    use std::io::Read;
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer)
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_body_that_does_not_arrive_in_time_gets_408_and_frees_its_slot() {
    let server = start_with(
        &config(
            "[limits]\nrequest_timeout_ms = 5000\nbody_timeout_ms = 300\nmax_concurrency = 1\n",
        ),
        &[("TK", KEY_A)],
        fixed(NOW),
    );
    let started = std::time::Instant::now();
    let mut stalled = stalled_post(&server, "/v1/verify", 1000);
    assert_eq!(status_of(&mut stalled), 408);
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    // The only slot is free again.
    let (status, body) = get(&format!("{}/healthz", server.url()));
    assert_eq!(status, 200, "{body}");
    let (_, metrics) = get(&format!("{}/metrics", server.url()));
    assert!(
        metrics.contains("emrtd_http_requests_total{route=\"verify\",status=\"408\"} 1"),
        "{metrics}"
    );
}
