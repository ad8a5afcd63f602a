//! `emrtd read --remote URL` against a verification server started by the test: in-process
//! (`emrtd_server`, with a fixed clock at which the virtual documents are valid) or as the
//! `emrtd serve` command with a configuration file.

use emrtd_server::{start_in_background, AppState, Background, ConfigFile};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;

/// 2026-01-01 00:00 UTC: the virtual Norwegian ID card (expiry 2026-06-11) is valid.
const NOW: i64 = 1_767_225_600;
const TOKEN_KEY: &str = "4242424242424242424242424242424242424242424242424242424242424242";
const PASSPORT: &str =
    "P<NOROESTENBYEN<<AASAMUND<SPECIMEN<<<<<<<<<<\nCCC0022514NOR5604230M3004157<<<<<<<<<<<<<<04";

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("emrtd-cli-remote-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn server() -> Background {
    let file = ConfigFile::parse(
        "[[token_keys]]\nid = \"t1\"\nenv = \"TK\"\n[trust]\nbuiltin = false\ntest_csca = true\n",
    )
    .unwrap();
    let settings = file
        .resolve(&|name| (name == "TK").then(|| TOKEN_KEY.to_string()))
        .unwrap();
    start_in_background(
        AppState::new(settings, Arc::new(|| NOW)),
        "127.0.0.1:0".parse().unwrap(),
        2,
    )
    .unwrap()
}

fn emrtd(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_emrtd"));
    cmd.args(args)
        .env_remove("EMRTD_CAN")
        .env_remove("EMRTD_MRZ");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn read_remote(url: &str, sim: &str, extra: &[&str]) -> Output {
    let mut args = vec!["read", "--sim", sim, "--remote", url, "--json"];
    args.extend_from_slice(extra);
    emrtd(&args, &[("EMRTD_CAN", "123456")])
}

#[test]
fn a_genuine_chip_with_chip_authentication_is_a_genuine_chip_for_the_server() {
    let s = server();
    let out = read_remote(
        &s.url(),
        "norway-id",
        &[
            "--context",
            "onboarding-42",
            "--expect-document-number",
            "GDC000127",
        ],
    );
    let v = json(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["server"], s.url());
    let verdict = &v["verdict"];
    assert_eq!(verdict["genuine_chip"], true, "{verdict}");
    assert_eq!(verdict["accepted"], true);
    assert_eq!(verdict["chip_proof"]["method"], "chip_authentication");
    assert_eq!(verdict["context"], "onboarding-42");
    assert_eq!(verdict["expectations"]["document_number"], "match");
    assert_eq!(verdict["face"]["mime_type"], "image/jpeg");
}

#[test]
fn a_genuine_chip_with_active_authentication_is_a_genuine_chip_for_the_server() {
    let s = server();
    let dir = temp_dir("aa");
    let mut profile = emrtd_sim::Profile::builtin("norway-id").unwrap();
    profile.chip_authentication = None;
    profile.active_authentication = "ec-p256".into();
    let path = dir.join("aa.json");
    std::fs::write(&path, serde_json::to_vec(&profile).unwrap()).unwrap();
    let out = read_remote(&s.url(), path.to_str().unwrap(), &[]);
    let v = json(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["verdict"]["genuine_chip"], true);
    assert_eq!(
        v["verdict"]["chip_proof"]["method"],
        "active_authentication"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_document_without_chip_proof_is_data_authentic_but_not_a_proven_chip() {
    let s = server();
    let out = emrtd(
        &[
            "read",
            "--sim",
            "norway-passport",
            "--mrz",
            PASSPORT,
            "--remote",
            &s.url(),
        ],
        &[],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // Chip not proven, nothing proven wrong: "unverified".
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.starts_with("Overall: REFUSED"), "{text}");
    assert!(text.contains("✓ Data authentic"), "{text}");
    assert!(text.contains("- Chip not proven"), "{text}");
}

#[test]
fn a_mismatching_expected_identity_is_refused_with_exit_status_1() {
    let s = server();
    let out = read_remote(
        &s.url(),
        "norway-id",
        &["--expect-document-number", "XYZ000000"],
    );
    let v = json(&out);
    assert_eq!(out.status.code(), Some(1), "{v}");
    assert_eq!(v["verdict"]["accepted"], false);
    assert_eq!(v["verdict"]["genuine_chip"], true);
    assert_eq!(v["verdict"]["expectations"]["document_number"], "mismatch");
}

#[test]
fn an_unreachable_server_is_a_one_line_error_with_exit_status_4() {
    // A port nothing listens on: bind, note, drop.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = emrtd(
        &["read", "--sim", "--remote", &url],
        &[("EMRTD_CAN", "123456")],
    );
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot reach the verification server"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn remote_options_are_checked_before_a_reader_is_touched() {
    let out = emrtd(
        &["read", "--sim", "--remote", "ftp://example.org"],
        &[("EMRTD_CAN", "123456")],
    );
    assert_eq!(out.status.code(), Some(2));
    let long = "x".repeat(300);
    let out = emrtd(
        &[
            "read",
            "--sim",
            "--remote",
            "http://127.0.0.1:9",
            "--context",
            &long,
        ],
        &[("EMRTD_CAN", "123456")],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = emrtd(
        &["read", "--sim", "--context", "x"],
        &[("EMRTD_CAN", "123456")],
    );
    assert_eq!(out.status.code(), Some(2), "--context needs --remote");
}

/// `emrtd serve` as a process; killed on drop.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn emrtd_serve(config: &std::path::Path, env: &[(&str, &str)]) -> Served {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_emrtd"));
    cmd.args(["serve", "--config", config.to_str().unwrap()])
        .env_remove("EMRTD_TOKEN_KEY")
        .stdout(Stdio::piped())
        // The server's log, for the tests that read it.
        .stderr(std::fs::File::create(config.with_extension("log")).unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    Served { child, url }
}

#[test]
fn emrtd_serve_from_a_configuration_file_verifies_emrtd_read_remote() {
    let dir = temp_dir("serve");
    let key = dir.join("token.hex");
    std::fs::write(&key, format!("{TOKEN_KEY}\n")).unwrap();
    let config = dir.join("serve.toml");
    // The real clock: the virtual ID card expired on 2026-06-11, so validity is not required.
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\n[[token_keys]]\nid = \"file-key\"\nfile = {:?}\n\
             [trust]\nbuiltin = false\ntest_csca = true\n[policy]\nrequire_within_validity = false\n\
             [log]\nformat = \"json\"\n",
            key.to_str().unwrap()
        ),
    )
    .unwrap();
    let served = emrtd_serve(&config, &[]);
    let out = read_remote(&served.url, "norway-id", &[]);
    let v = json(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["verdict"]["genuine_chip"], true);
    let health: Value = serde_json::from_str(
        &ureq::get(format!("{}/healthz", served.url))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(health["token_key"], "file-key");
    drop(served);
    // One JSON object per request on standard error, and never a token or a key.
    let log = std::fs::read_to_string(config.with_extension("log")).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &Value| v["message"] == "request")
        .collect();
    for route in ["challenge", "verify", "healthz"] {
        let line = lines
            .iter()
            .find(|v| v["route"] == route)
            .unwrap_or_else(|| panic!("no JSON log line for {route}: {log}"));
        assert_eq!(line["status"], 200, "{line}");
        assert!(line["latency_ms"].is_number(), "{line}");
        assert_eq!(
            line["method"],
            if route == "healthz" { "GET" } else { "POST" }
        );
    }
    assert!(!log.contains(TOKEN_KEY), "the token key is in the log");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn emrtd_serve_without_a_token_key_stops_with_a_usage_error() {
    let dir = temp_dir("nokey");
    let config = dir.join("serve.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_emrtd"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .env_remove("EMRTD_TOKEN_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no token key"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_clone_and_a_swapped_dg14_are_refused_by_the_server_with_exit_status_1() {
    let s = server();
    for (profile, data_authentic) in [("norway-id:clone", true), ("norway-id:dg14-swap", false)] {
        let out = read_remote(&s.url(), profile, &[]);
        let v = json(&out);
        assert_eq!(out.status.code(), Some(1), "{profile}: {v}");
        let verdict = &v["verdict"];
        assert_eq!(verdict["accepted"], false, "{profile}: {v}");
        assert_eq!(verdict["genuine_chip"], false, "{profile}: {v}");
        assert_eq!(verdict["chip_proof"]["method"], "chip_authentication");
        assert_eq!(verdict["chip_proof"]["status"], "failed");
        assert_eq!(verdict["data_authentic"], data_authentic, "{profile}: {v}");
    }
}

#[test]
fn a_chip_with_only_pace_cam_is_proven_by_the_server_driven_run_and_its_clone_is_refused() {
    let s = server();
    let dir = temp_dir("cam");
    let mut profile = emrtd_sim::Profile::builtin("norway-id").unwrap();
    profile.chip_authentication = None;
    profile.access.pace[0].mapping = "CAM".into();
    let genuine = dir.join("cam.json");
    std::fs::write(&genuine, serde_json::to_vec(&profile).unwrap()).unwrap();
    profile.attack = Some(emrtd_sim::Attack::Clone);
    let clone = dir.join("cam-clone.json");
    std::fs::write(&clone, serde_json::to_vec(&profile).unwrap()).unwrap();

    let out = read_remote(&s.url(), genuine.to_str().unwrap(), &[]);
    let v = json(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["verdict"]["chip_proof"]["method"], "pace_cam", "{v}");
    assert_eq!(v["verdict"]["genuine_chip"], true, "{v}");

    let out = read_remote(&s.url(), clone.to_str().unwrap(), &[]);
    let v = json(&out);
    assert_eq!(out.status.code(), Some(1), "{v}");
    assert_eq!(v["verdict"]["chip_proof"]["method"], "pace_cam", "{v}");
    assert_eq!(v["verdict"]["chip_proof"]["status"], "failed", "{v}");
    assert_eq!(v["verdict"]["data_authentic"], true, "{v}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_replaying_chip_fails_the_remote_read_at_pace_with_exit_status_4() {
    // The replaying chip answers the read with the proof from its recording of the first
    // session: the reader's fresh PACE randomness does not fit, so no evidence is posted.
    let s = server();
    let out = read_remote(&s.url(), "norway-id:replay", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    let v = json(&out);
    assert!(v.get("verdict").is_none(), "{v}");
    assert_eq!(v["exit_status"], 4);
    assert!(
        v["error"].as_str().unwrap().starts_with("PACE failed"),
        "{v}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
