//! The `emrtd` command as a user runs it.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const PASSPORT: &str =
    "P<NOROESTENBYEN<<AASAMUND<SPECIMEN<<<<<<<<<<\nCCC0022514NOR5604230M3004157<<<<<<<<<<<<<<04";
const TD1: &str = "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSTEVENSON<<PETER<JOHN<<<<<<<<<";

fn emrtd(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_emrtd"))
        .args(args)
        .output()
        .unwrap()
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

#[test]
fn mrz_json_has_the_documented_keys() {
    let out = emrtd(&["mrz", "--json", PASSPORT]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["format"], "TD3");
    assert_eq!(v["document_code"], "P");
    assert_eq!(v["issuing_state"], "NOR");
    assert_eq!(v["document_number"], "CCC002251");
    assert_eq!(v["date_of_birth"], "560423");
    assert_eq!(v["date_of_expiry"], "300415");
    assert_eq!(v["sex"], "M");
    assert_eq!(v["nationality"], "NOR");
    assert_eq!(v["primary_identifier"], "OESTENBYEN");
    assert_eq!(v["secondary_identifier"], "AASAMUND SPECIMEN");
    assert_eq!(v["optional_data"], "");
    assert_eq!(v["valid"], true);
    let checks = v["checks"].as_object().unwrap();
    assert!(checks.len() >= 4);
    assert!(checks.values().all(|c| c == true));
}

#[test]
fn mrz_lines_as_separate_arguments_and_stdin() {
    let lines: Vec<&str> = TD1.lines().collect();
    let mut args = vec!["mrz", "--json"];
    args.extend(&lines);
    let out = emrtd(&args);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["format"], "TD1");
    assert_eq!(v["document_number"], "D23145890734");

    let mut child = Command::new(env!("CARGO_BIN_EXE_emrtd"))
        .args(["mrz", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{TD1}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["format"], "TD1");

    // Lines joined by a space or by a literal `\n` (as typed between single quotes).
    let (l1, l2) = PASSPORT.split_once('\n').unwrap();
    for joined in [format!("{l1} {l2}"), format!("{l1}\\n{l2}")] {
        let out = emrtd(&["mrz", "--json", &joined]);
        assert_eq!(out.status.code(), Some(0), "{joined}");
        assert_eq!(json(&out)["document_number"], "CCC002251");
    }
}

#[test]
fn mrz_exit_codes() {
    // A wrong check digit: parsed, exit 1.
    let bad = PASSPORT.replace("5604230", "5604231");
    let out = emrtd(&["mrz", "--json", &bad]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["valid"], false);
    assert_eq!(v["checks"]["date_of_birth"], false);
    // Not an MRZ at all: exit 2.
    let out = emrtd(&["mrz", "hello world"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not an MRZ"), "{err}");
    assert!(!err.contains("not an MRZ: not an MRZ"), "{err}");
}

#[test]
fn read_sim_with_mrz_prints_com_and_dg1() {
    let out = emrtd(&[
        "read",
        "--sim",
        "norway-passport",
        "--mrz",
        PASSPORT,
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["access"]["protocol"], "BAC");
    assert_eq!(v["dg1"]["document_number"], "CCC002251");
    assert_eq!(v["dg1"]["primary_identifier"], "OESTENBYEN");
    assert_eq!(v["dg1"]["valid"], true);
    assert!(v["com"]["data_groups"]
        .as_array()
        .unwrap()
        .contains(&Value::from("DG1")));

    let human = emrtd(&["read", "--sim", "norway-passport", "--mrz", PASSPORT]);
    assert_eq!(human.status.code(), Some(0));
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("OESTENBYEN"), "{text}");
}

#[test]
fn read_with_wrong_mrz_fails_cleanly() {
    // A valid MRZ of another document: the chip refuses it.
    let other = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
    let out = emrtd(&["read", "--sim", "norway-passport", "--mrz", other]);
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refused the access key"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // A typo in a check digit is caught before talking to the chip.
    let typo = PASSPORT.replace("3004157", "3004158");
    let out = emrtd(&["read", "--sim", "norway-passport", "--mrz", &typo]);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("check digit"));
}

fn fixture(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path)
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("emrtd-cli-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn read_norway_id_with_can_reports_pace_and_a_valid_verdict() {
    let out = emrtd(&["read", "--sim", "norway-id", "--can", "123456", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["access"]["protocol"], "PACE");
    assert_eq!(v["access"]["mapping"], "GM");
    assert_eq!(v["access"]["parameter_id"], 13);
    assert_eq!(v["access"]["cipher_suite"], "AES-128");
    assert_eq!(v["access"]["password"], "CAN");
    assert_eq!(v["dg1"]["document_number"], "GDC000127");
    assert_eq!(v["passive_authentication"]["status"], "valid");
    assert_eq!(v["passive_authentication"]["signature_valid"], true);
    assert_eq!(v["passive_authentication"]["chain_valid"], true);
    assert_eq!(v["passive_authentication"]["data_groups"]["DG2"], "match");
    assert_eq!(v["verdict"]["valid"], true);
    // --sim without a name is norway-id; the MRZ opens it too.
    let mrz = "CANORGDC0001273230456<12345<<<\n5604230M2606118NOR<<<<<<<<<<<9\nOESTENBYEN<<AASAMUND<SPECIMEN<";
    let out = emrtd(&["read", "--sim", "--mrz", mrz, "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["access"]["password"], "MRZ");
    assert_eq!(v["access"]["protocol"], "PACE");
}

#[test]
fn read_sim_with_an_attack_plays_it_and_the_local_verdict_sees_the_clone() {
    // The clone's files are the genuine ones (Passive Authentication valid), its Chip
    // Authentication key is its own: the chip fails Chip Authentication.
    let out = emrtd(&[
        "read",
        "--sim",
        "norway-id:clone",
        "--can",
        "123456",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["passive_authentication"]["status"], "valid");
    assert_eq!(v["verdict"]["valid"], false);
    let out = emrtd(&["read", "--sim", "norway-id:teleport", "--can", "123456"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown attack"), "{stderr}");
    let out = emrtd(&["profiles"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for attack in [":clone", ":replay", ":wrong-aa-key", ":dg14-swap"] {
        assert!(stdout.contains(attack), "{stdout}");
    }
}

#[test]
fn read_with_wrong_can_fails_with_a_clear_message() {
    // The chip refused the key the person gave: an input error (exit 2).
    let out = emrtd(&["read", "--sim", "--can", "999999"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refused the access key"), "{err}");
    let out = emrtd(&["read", "--sim", "--can", "12ab"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("card access number"));
    // With --json the failure is JSON on standard output as well.
    let out = emrtd(&["read", "--sim", "--can", "999999", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    assert_eq!(v["exit_status"], 2);
    assert!(v["error"]
        .as_str()
        .unwrap()
        .contains("refused the access key"));
}

#[test]
fn read_writes_a_dump_that_verify_accepts_and_a_png_face() {
    let dir = temp_dir("dump");
    let face = dir.join("face.png");
    let out = emrtd(&[
        "read",
        "--sim",
        "--can",
        "123456",
        "--out",
        dir.to_str().unwrap(),
        "--face",
        face.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in ["COM.bin", "SOD.bin", "DG1.bin", "DG2.bin", "CardAccess.bin"] {
        assert!(dir.join(f).exists(), "{f} missing");
    }
    assert_eq!(&std::fs::read(&face).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
    // The face as stored in DG2: in the dump, and with `--face` named .jpg (a .jp2 name for a
    // JPEG is refused with the right extension).
    let stored = std::fs::read(dir.join("face-1.jpg")).unwrap();
    assert_eq!(&stored[..3], b"\xFF\xD8\xFF");
    let dg2 = std::fs::read(dir.join("DG2.bin")).unwrap();
    assert!(dg2.windows(stored.len()).any(|w| w == stored.as_slice()));
    let read_face = |name: &str| {
        let path = dir.join(name);
        let out = emrtd(&[
            "read",
            "--sim",
            "--can",
            "123456",
            "--face",
            path.to_str().unwrap(),
        ]);
        (out, path)
    };
    let (out, jpg) = read_face("face.jpg");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read(&jpg).unwrap(), stored);
    let (out, _) = read_face("face.jp2");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".jpg"));
    // Without a trust anchor the dump is unverified, never valid.
    let out = emrtd(&["verify", dir.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(3));
    let v = json(&out);
    assert_eq!(v["passive_authentication"]["status"], "unverified");
    assert_eq!(
        v["passive_authentication"]["chain_valid"],
        serde_json::Value::Null
    );
    // The Norwegian CSCAs are built in (they do not sign the virtual document), unless refused.
    assert_eq!(v["trust_store"]["csca"], 4);
    let out = emrtd(&[
        "verify",
        dir.to_str().unwrap(),
        "--json",
        "--no-builtin-trust",
    ]);
    assert_eq!(json(&out)["trust_store"]["csca"], 0);
    let csca = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../emrtd-sim/pki/csca.der");
    let out = emrtd(&[
        "verify",
        dir.to_str().unwrap(),
        "--trust",
        csca.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["passive_authentication"]["status"], "valid");
    // A changed data group is a mismatch.
    let mut dg1 = std::fs::read(dir.join("DG1.bin")).unwrap();
    let last = dg1.len() - 1;
    dg1[last] ^= 1;
    std::fs::write(dir.join("DG1.bin"), dg1).unwrap();
    let out = emrtd(&[
        "verify",
        dir.to_str().unwrap(),
        "--trust",
        csca.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["verdict"], "invalid");
    assert_eq!(v["passive_authentication"]["status"], "invalid");
    assert_eq!(
        v["passive_authentication"]["data_groups"]["DG1"],
        "mismatch"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn verify_real_uk_document() {
    let dir = temp_dir("uk");
    let src = fixture("sod/gmrtd");
    std::fs::copy(src.join("UK_imported_EF.SOD.bin"), dir.join("SOD.bin")).unwrap();
    std::fs::copy(src.join("UK_imported_DG1.bin"), dir.join("DG1.bin")).unwrap();
    std::fs::copy(src.join("UK_imported_DG2.bin"), dir.join("DG2.bin")).unwrap();
    let csca = src.join("UK_imported_CSCA.cer");
    let out = emrtd(&[
        "verify",
        dir.to_str().unwrap(),
        "--trust",
        csca.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v = json(&out);
    assert_eq!(v["passive_authentication"]["status"], "valid");
    assert_eq!(v["passive_authentication"]["data_groups"]["DG2"], "match");
    std::fs::copy(
        src.join("UK_imported_DG2_corrupted_lastbyte.bin"),
        dir.join("DG2.bin"),
    )
    .unwrap();
    let out = emrtd(&[
        "verify",
        dir.to_str().unwrap(),
        "--trust",
        csca.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["verdict"], "invalid");
    assert_eq!(v["passive_authentication"]["status"], "invalid");
    assert_eq!(
        v["passive_authentication"]["data_groups"]["DG2"],
        "mismatch"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn trace_redacts_access_control_and_stats_count_apdus() {
    let out = emrtd(&[
        "read", "--sim", "--can", "123456", "--trace", "--stats", "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    let ga: Vec<&str> = err
        .lines()
        .filter(|l| l.contains(">> 10860000") || l.contains(">> 00860000"))
        .collect();
    assert!(!ga.is_empty(), "{err}");
    assert!(ga.iter().all(|l| l.contains("redacted")), "{err}");
    let v = json(&out);
    let apdus = v["stats"]["apdus"].as_u64().unwrap();
    let logged = err.lines().filter(|l| l.starts_with(">> ")).count() as u64;
    assert_eq!(apdus, logged);
    assert!(v["stats"]["modelled_ms"].as_f64().unwrap() > 0.0);
}

#[test]
fn stats_take_every_chip_family_and_platform_and_refuse_unknown_ones_in_one_line() {
    for family in emrtd_sim::ChipFamily::ALL {
        for platform in emrtd_sim::Platform::ALL {
            let out = emrtd(&[
                "read",
                "--sim",
                "--can",
                "123456",
                "--stats",
                "--platform",
                platform.name(),
                "--chip-family",
                family.name(),
            ]);
            assert_eq!(out.status.code(), Some(0));
            let text = String::from_utf8_lossy(&out.stdout);
            let header = format!("({}, {} chip, 106 kbit/s)", platform.name(), family.name());
            assert!(text.contains(&header), "{text}");
            assert!(
                text.lines()
                    .any(|l| l.contains("EF.DG2") && l.contains("ms per APDU")),
                "{text}"
            );
        }
    }
    for (option, value) in [("--chip-family", "nxp-p42"), ("--platform", "windows")] {
        let out = emrtd(&["read", "--sim", "--can", "123456", "--stats", option, value]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(value), "{err}");
    }
}
