//! The command's manners: secrets off argv, validation before any reader, exit statuses,
//! atomic dumps, write errors, JSON schemas, completions, manual pages, many-folder verify.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const CAN: &str = "123456";
/// The MRZ of the virtual Norwegian ID card (`norway-id` profile).
const NORWAY_ID_MRZ: &str =
    "CANORGDC0001273230456<12345<<<\n5604230M2606118NOR<<<<<<<<<<<9\nOESTENBYEN<<AASAMUND<SPECIMEN<";

fn emrtd() -> Command {
    let mut c = Command::cargo_bin("emrtd").expect("the emrtd binary");
    // The environment of the person running the tests must not change what is tested.
    c.env_remove("EMRTD_CAN").env_remove("EMRTD_MRZ");
    c.timeout(Duration::from_secs(120));
    c
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("emrtd-manners-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// One line on standard error, starting with `error:`.
fn assert_one_error_line(out: &std::process::Output) {
    let err = stderr(out);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
}

// ---- exit statuses --------------------------------------------------------------------------

#[test]
fn valid_virtual_document_exits_0_without_any_pcsc() {
    // `read --sim` never loads the PC/SC library.
    emrtd()
        .args(["read", "--sim", "--can", CAN, "-q"])
        .env("EMRTD_PCSC_LIBRARY", "/nonexistent/libpcsclite.so.1")
        .assert()
        .code(0);
}

#[test]
fn readme_demo_command_reads_the_virtual_document_as_valid() {
    // The first screen of README.md promises `cargo run -p emrtd-cli -- ARGS` works on a fresh
    // machine; CI runs ARGS on the built binary, and so does this test.
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .expect("README.md at the workspace root");
    let demo = readme
        .lines()
        .find_map(|l| l.strip_prefix("cargo run -p emrtd-cli -- "))
        .expect("a `cargo run -p emrtd-cli -- ...` demo line in README.md");
    let out = emrtd()
        .args(demo.split_whitespace())
        .env("EMRTD_PCSC_LIBRARY", "/nonexistent/libpcsclite.so.1")
        .output()
        .expect("run the demo");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .next()
            .unwrap_or("")
            .starts_with("Overall: valid"),
        "{text}"
    );
}

#[test]
fn dump_without_trust_anchor_is_unverified_and_exits_3() {
    let dir = temp_dir("unverified");
    emrtd()
        .args(["read", "--sim", "--can", CAN, "-q", "--out"])
        .arg(&dir)
        .assert()
        .code(0);
    // Without the test CSCA (and without the built-in ones) nothing anchors the chain.
    let out = emrtd()
        .args(["verify", "--no-builtin-trust"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Overall: unverified"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tampered_dump_is_invalid_and_exits_1() {
    let dir = temp_dir("tampered");
    emrtd()
        .args(["read", "--sim", "--can", CAN, "-q", "--out"])
        .arg(&dir)
        .assert()
        .code(0);
    let dg1 = dir.join("DG1.bin");
    let mut bytes = std::fs::read(&dg1).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x01;
    std::fs::write(&dg1, bytes).unwrap();
    let out = emrtd()
        .args(["verify", "--trust", "../emrtd-sim/pki/csca.der"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Overall: invalid"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wrong_mrz_check_digit_exits_1_in_mrz_and_2_in_read() {
    let wrong = NORWAY_ID_MRZ.replace("2606118", "2606117");
    emrtd().args(["mrz", &wrong]).assert().code(1);
    let start = Instant::now();
    let out = emrtd().args(["read", "--mrz", &wrong]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_one_error_line(&out);
    assert!(stderr(&out).contains("check digit"));
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn unknown_option_is_one_line_and_exit_2() {
    let out = emrtd().args(["read", "--frobnicate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_one_error_line(&out);
}

#[test]
fn readers_without_a_pcsc_service_is_a_device_error() {
    // A library that cannot be loaded behaves like a machine without PC/SC; with pcscd stopped
    // the message differs but the status is the same.
    let out = emrtd()
        .arg("readers")
        .env("EMRTD_PCSC_LIBRARY", "/nonexistent/libpcsclite.so.1")
        .output()
        .unwrap();
    if out.status.code() == Some(0) {
        // A real PC/SC stack ignores the override (macOS, Windows): nothing to check here.
        return;
    }
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_one_error_line(&out);
}

// ---- secrets --------------------------------------------------------------------------------

#[test]
fn can_from_standard_input_with_bom_and_crlf() {
    emrtd()
        .args(["read", "--sim", "--can", "-", "-q"])
        .write_stdin("\u{feff}  123456  \r\n")
        .assert()
        .code(0);
}

#[test]
fn mrz_from_standard_input_file_and_environment() {
    let crlf = format!("\u{feff}{}\r\n", NORWAY_ID_MRZ.replace('\n', "\r\n"));
    emrtd()
        .args(["read", "--sim", "--mrz", "-", "-q"])
        .write_stdin(crlf.clone())
        .assert()
        .code(0);

    let file = temp_dir("mrz-file");
    std::fs::write(&file, &crlf).unwrap();
    emrtd()
        .args(["read", "--sim", "-q", "--mrz-file"])
        .arg(&file)
        .assert()
        .code(0);
    let _ = std::fs::remove_file(&file);

    emrtd()
        .args(["read", "--sim", "-q"])
        .env("EMRTD_MRZ", NORWAY_ID_MRZ)
        .assert()
        .code(0);
}

#[test]
fn can_from_environment_and_both_variables_refused() {
    emrtd()
        .args(["read", "--sim", "-q"])
        .env("EMRTD_CAN", " 123456\r\n")
        .assert()
        .code(0);
    let out = emrtd()
        .args(["read", "--sim", "-q"])
        .env("EMRTD_CAN", CAN)
        .env("EMRTD_MRZ", NORWAY_ID_MRZ)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_one_error_line(&out);
}

#[test]
fn no_access_key_at_all_says_how_to_give_one() {
    let out = emrtd().args(["read", "--sim"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_one_error_line(&out);
    assert!(stderr(&out).contains("--can -"));
}

// ---- validation before any reader ----------------------------------------------------------

/// Each of these must fail at once with exit 2, without a reader: the PC/SC library is pointed
/// at nothing, so touching PC/SC would give exit 4 instead.
#[test]
fn bad_options_fail_before_a_reader_is_touched() {
    let full = temp_dir("not-empty");
    std::fs::create_dir_all(&full).unwrap();
    std::fs::write(full.join("keep.txt"), b"x").unwrap();
    let full = full.to_string_lossy().into_owned();
    let wrong_mrz = NORWAY_ID_MRZ.replace("2606118", "2606117");
    let cases: Vec<Vec<&str>> = vec![
        vec!["read", "--can", "12345"],
        vec!["read", "--can", "12345a"],
        vec!["read", "--mrz", &wrong_mrz],
        vec!["read", "--sim", "no-such-profile", "--can", CAN],
        vec!["read", "--sim", "--can", CAN, "--bit-rate", "300"],
        vec!["read", "--can", CAN, "--out", &full],
        vec!["read", "--can", CAN, "--face", "face.gif"],
        vec!["read", "--can", CAN, "--block", "0"],
        vec!["read", "--can", CAN, "--trust", "/nonexistent/trust.ml"],
        vec!["read", "--can", CAN, "--access", "bac"],
        vec!["read", "--can", CAN, "--wait", "0"],
        vec!["read", "--can", CAN, "--command-timeout", "0"],
        vec!["read", "--can", CAN, "--command-timeout", "301"],
        vec!["read", "--can", CAN, "--command-timeout", "2.5"],
        vec!["read", "--can", CAN, "--command-timeout", "ten"],
        vec!["read", "--can", CAN, "--command-timeout", "-1"],
        vec!["read", "--can", CAN, "--command-timeout"],
        vec!["read", "--can", CAN, "--no-extended-length=yes"],
        vec!["read", "--can", CAN, "--accept-id-data=1"],
        vec!["verify", "--accept-id-data=1", "."],
    ];
    for args in cases {
        let start = Instant::now();
        let out = emrtd()
            .args(&args)
            .env("EMRTD_PCSC_LIBRARY", "/nonexistent/libpcsclite.so.1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_one_error_line(&out);
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{args:?} took {:?}",
            start.elapsed()
        );
    }
    let _ = std::fs::remove_dir_all(&full);
}

#[test]
fn sim_vpcd_with_nothing_listening_fails_within_seconds() {
    // Port 9 (discard) on loopback: nothing listens there in a test environment.
    let start = Instant::now();
    let out = emrtd()
        .args(["sim", "--vpcd", "127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_one_error_line(&out);
    assert!(start.elapsed() < Duration::from_secs(15));
}

// ---- dumps ----------------------------------------------------------------------------------

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn out_is_complete_atomic_and_needs_force_to_overwrite() {
    let dir = temp_dir("out");
    emrtd()
        .args(["read", "--sim", "--can", CAN, "-q", "--out"])
        .arg(&dir)
        .assert()
        .code(0);
    let files = names(&dir);
    for f in ["COM.bin", "SOD.bin", "DG1.bin", "DG2.bin", "DG14.bin"] {
        assert!(files.contains(&f.to_string()), "{files:?}");
    }
    assert!(
        !files.iter().any(|f| f.starts_with('.')),
        "temporary files left: {files:?}"
    );
    assert!(!files.contains(&"INCOMPLETE".to_string()));

    // Not empty now: refused without --force, before anything is read.
    let out = emrtd()
        .args(["read", "--sim", "--can", CAN, "-q", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"));
    emrtd()
        .args(["read", "--sim", "--can", CAN, "-q", "--force", "--out"])
        .arg(&dir)
        .assert()
        .code(0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_read_that_stops_leaves_an_incomplete_marker() {
    let dir = temp_dir("incomplete");
    let out = emrtd()
        .args(["read", "--sim", "--can", "654321", "-q", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let marker = std::fs::read_to_string(dir.join("INCOMPLETE")).expect("INCOMPLETE marker");
    assert!(marker.contains("Missing"), "{marker}");
    // A complete read into the same folder removes the marker.
    emrtd()
        .args(["read", "--sim", "--can", CAN, "-q", "--force", "--out"])
        .arg(&dir)
        .assert()
        .code(0);
    assert!(!dir.join("INCOMPLETE").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(target_os = "linux")]
#[test]
fn output_to_a_full_disk_is_an_error() {
    for args in [
        vec!["read", "--sim", "--can", CAN, "-q"],
        vec!["read", "--sim", "--can", CAN, "-q", "--json"],
        vec!["mrz", NORWAY_ID_MRZ],
        vec!["completions", "bash"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_emrtd"))
            .args(&args)
            .env_remove("EMRTD_CAN")
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(5), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("cannot write the output"));
    }
}

// ---- JSON and its schemas ------------------------------------------------------------------

fn schema(name: &str) -> jsonschema::Validator {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema");
    let load = |n: &str| -> Value {
        serde_json::from_slice(&std::fs::read(dir.join(n)).unwrap()).unwrap()
    };
    let common = jsonschema::Resource::from_contents(load("common.schema.json")).unwrap();
    jsonschema::options()
        .with_resource("https://emrtd.invalid/schema/common.schema.json", common)
        .build(&load(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_valid(schema_name: &str, doc: &Value) {
    let v = schema(schema_name);
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{schema_name}: {errors:#?}\n{doc:#}");
    assert_eq!(doc["schema_version"], 1);
}

fn stdout_json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn mrz_json_follows_its_schema() {
    let out = emrtd()
        .args(["mrz", "--json", NORWAY_ID_MRZ])
        .output()
        .unwrap();
    let v = stdout_json(&out);
    assert_valid("mrz.schema.json", &v);
    assert_eq!(v["expiry_date"], "2026-06-11");
    assert_eq!(v["birth_date"], "1956-04-23");
    // The specimen's optional data is not a valid number: stated as null.
    assert_eq!(v["norwegian_national_identity_number"], Value::Null);

    // An ID card carrying a valid national identity number: a field of its own.
    let card = emrtd_mrz::MrzBuilder::from_mrz(&emrtd_mrz::Mrz::parse(NORWAY_ID_MRZ).unwrap())
        .optional_data("150550<12374")
        .build()
        .unwrap();
    let out = emrtd()
        .args(["mrz", "--json", &card.to_string_lines()])
        .output()
        .unwrap();
    let v = stdout_json(&out);
    assert_valid("mrz.schema.json", &v);
    let nin = &v["norwegian_national_identity_number"];
    assert_eq!(nin["number"], "15055012374");
    assert_eq!(nin["birth_date"], "1950-05-15");
    assert_eq!(nin["kind"], "fodselsnummer");
    // The card's MRZ says born 1956-04-23: the number is not this holder's.
    assert_eq!(nin["birth_date_check"]["result"], "differs");
}

#[test]
fn read_json_follows_its_schema() {
    let out = emrtd()
        .args(["read", "--sim", "--can", CAN, "--json", "--stats"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v = stdout_json(&out);
    assert_valid("read.schema.json", &v);
    assert_eq!(v["verdict"]["status"], "valid");

    let out = emrtd()
        .args(["read", "--sim", "norway-passport", "--json", "--mrz", "-"])
        .write_stdin(
            emrtd_sim::Profile::builtin("norway-passport")
                .unwrap()
                .mrz
                .join("\n"),
        )
        .output()
        .unwrap();
    assert_valid("read.schema.json", &stdout_json(&out));
}

#[test]
fn errors_in_json_mode_follow_the_error_schema() {
    let out = emrtd()
        .args(["read", "--sim", "--can", "654321", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v = stdout_json(&out);
    assert_valid("error.schema.json", &v);
    assert_eq!(v["exit_status"], 2);
}

#[test]
fn verify_many_folders_prints_one_json_line_each() {
    let a = temp_dir("many-a");
    let b = temp_dir("many-b");
    for (dir, profile, key) in [(&a, "norway-id", "--can"), (&b, "norway-id", "--can")] {
        emrtd()
            .args(["read", "--sim", profile, key, CAN, "-q", "--out"])
            .arg(dir)
            .assert()
            .code(0);
    }
    std::fs::remove_file(b.join("DG14.bin")).unwrap();
    let out = emrtd()
        .args(["verify", "--json", "--trust", "../emrtd-sim/pki/csca.der"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    for (line, dir) in lines.iter().zip([&a, &b]) {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_valid("verify.schema.json", &v);
        assert_eq!(v["dir"], dir.display().to_string());
        assert_eq!(v["verdict"], "valid");
    }

    // A folder without SOD.bin: exit 2 before anything is verified.
    let empty = temp_dir("many-empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = emrtd().arg("verify").arg(&a).arg(&empty).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_one_error_line(&out);
    assert!(stderr(&out).contains("SOD.bin"));
    assert!(out.stdout.is_empty());
    for d in [&a, &b, &empty] {
        let _ = std::fs::remove_dir_all(d);
    }
}

// ---- completions and manual ----------------------------------------------------------------

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = emrtd().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("emrtd") && text.contains("verify"), "{shell}");
    }
    emrtd().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn manual_page_printed_and_installed() {
    let out = emrtd().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(".TH emrtd"), "{text}");
    let dir = temp_dir("man");
    emrtd().args(["man", "--out"]).arg(&dir).assert().code(0);
    let pages = names(&dir);
    assert!(pages.contains(&"emrtd.1".to_string()), "{pages:?}");
    assert!(pages.contains(&"emrtd-read.1".to_string()), "{pages:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- human output --------------------------------------------------------------------------

#[test]
fn text_report_starts_with_overall_and_uses_iso_dates() {
    let out = emrtd()
        .args(["read", "--sim", "--can", CAN])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Overall: valid"), "{text}");
    assert!(text.contains("1956-04-23"), "{text}");
    assert!(text.contains("2026-06-11"), "{text}");
    assert!(!text.contains("560423"), "YYMMDD shown: {text}");
    assert!(!text.contains("DG2: DG2:"), "{text}");
    // No progress display when standard output is not a terminal.
    assert!(!stderr(&out).contains('['), "{}", stderr(&out));
}

#[test]
fn a_name_that_could_not_be_verified_is_marked() {
    // The virtual ID card without a signed EF.SOD: its MRZ cannot be verified.
    let builtin =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../emrtd-sim/profiles/norway-id.toml");
    let text = std::fs::read_to_string(builtin).unwrap();
    let unsigned = text.replacen("can = ", "sign = false\ncan = ", 1);
    assert_ne!(unsigned, text);
    let profile = temp_dir("unsigned.toml");
    std::fs::write(&profile, unsigned).unwrap();
    let out = emrtd()
        .args(["read", "--can", CAN, "--sim"])
        .arg(&profile)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Overall: invalid"), "{text}");
    let holder = text.lines().find(|l| l.starts_with("Holder:")).unwrap();
    assert!(holder.contains("NOT VERIFIED"), "{holder}");
    let _ = std::fs::remove_file(&profile);
}

#[test]
fn access_choice_picks_pace_or_bac_and_never_falls_back_silently() {
    // The ID card with BAC enabled besides PACE.
    let builtin =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../emrtd-sim/profiles/norway-id.toml");
    let text = std::fs::read_to_string(builtin).unwrap();
    let both = text.replacen("bac = false", "bac = true", 1);
    assert_ne!(both, text);
    let profile = temp_dir("pace-and-bac.toml");
    std::fs::write(&profile, both).unwrap();
    let protocol = |access: &str| {
        let out = emrtd()
            .args(["read", "--json", "--mrz", "-", "--access", access, "--sim"])
            .arg(&profile)
            .write_stdin(NORWAY_ID_MRZ)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{access}: {}", stderr(&out));
        stdout_json(&out)["access"]["protocol"].clone()
    };
    assert_eq!(protocol("auto"), "PACE");
    assert_eq!(protocol("pace"), "PACE");
    assert_eq!(protocol("bac"), "BAC");
    let _ = std::fs::remove_file(&profile);

    // The passport has no PACE: --access pace is refused by the chip's offer, not turned into BAC.
    let passport = emrtd_sim::Profile::builtin("norway-passport").unwrap();
    let out = emrtd()
        .args([
            "read",
            "--sim",
            "norway-passport",
            "--access",
            "pace",
            "--mrz",
            "-",
        ])
        .write_stdin(passport.mrz.join("\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("PACE as asked"), "{}", stderr(&out));
}

#[test]
fn dg11_and_dg12_fields_are_shown_and_in_json() {
    let dg11 = emrtd_lds::dg11::Dg11 {
        full_name: Some("OESTENBYEN<<AASAMUND SPECIMEN".into()),
        place_of_birth: Some("OSLO".into()),
        full_date_of_birth: Some("19560423".into()),
        ..Default::default()
    }
    .encode();
    let dg12 = emrtd_lds::dg12::Dg12 {
        issuing_authority: Some("POLITIET".into()),
        date_of_issue: Some("20210611".into()),
        ..Default::default()
    }
    .encode();
    let builtin =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../emrtd-sim/profiles/norway-id.toml");
    let mut text = std::fs::read_to_string(builtin).unwrap();
    text.push_str(&format!(
        "\n[files]\nDG11 = \"{}\"\nDG12 = \"{}\"\n",
        hex::encode_upper(&dg11),
        hex::encode_upper(&dg12)
    ));
    let profile = temp_dir("dg11.toml");
    std::fs::write(&profile, text).unwrap();

    let out = emrtd()
        .args(["read", "--can", CAN, "--json", "--sim"])
        .arg(&profile)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = stdout_json(&out);
    assert_valid("read.schema.json", &v);
    assert_eq!(v["dg11"]["place_of_birth"], "OSLO");
    assert_eq!(v["dg11"]["full_date_of_birth"], "1956-04-23");
    assert_eq!(v["dg12"]["issuing_authority"], "POLITIET");
    assert_eq!(v["dg12"]["date_of_issue"], "2021-06-11");

    let out = emrtd()
        .args(["read", "--can", CAN, "--sim"])
        .arg(&profile)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("DG11 (additional personal details)"),
        "{text}"
    );
    assert!(text.contains("place of birth: OSLO"), "{text}");
    assert!(text.contains("date of issue: 2021-06-11"), "{text}");
    let _ = std::fs::remove_file(&profile);
}

// ---- options for awkward chips ----------------------------------------------------------------

/// Lines of `--trace` output that carry a command APDU (`>>` then the bytes in hex).
fn traced_commands(err: &str) -> Vec<Vec<u8>> {
    err.lines()
        .filter_map(|l| l.trim_start().strip_prefix(">>"))
        .filter_map(|hex_part| {
            let hex_text: String = hex_part
                .split_whitespace()
                .take_while(|w| w.chars().all(|c| c.is_ascii_hexdigit()))
                .collect();
            hex::decode(hex_text).ok()
        })
        .collect()
}

/// An extended-length command APDU: Lc or Le in the 3-byte form (a 00 byte after the header
/// followed by two length bytes), as ISO/IEC 7816-4 encodes lengths above 255.
fn is_extended(apdu: &[u8]) -> bool {
    apdu.len() >= 7 && apdu[4] == 0x00
}

#[test]
fn no_extended_length_and_command_timeout_are_taken_by_read() {
    // The virtual ID card announces extended length: without the option the read uses it,
    // with --no-extended-length no command is extended; a generous --command-timeout reads
    // the document as valid all the same.
    let run = |extra: &[&str]| {
        let out = emrtd()
            .args(["read", "--sim", "--can", "-", "-q", "--trace"])
            .args(extra)
            .write_stdin(CAN)
            .env("EMRTD_PCSC_LIBRARY", "/nonexistent/libpcsclite.so.1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{extra:?}: {}", stderr(&out));
        traced_commands(&stderr(&out))
    };
    let default = run(&[]);
    assert!(
        default.len() > 10,
        "no APDUs traced: the trace format changed"
    );
    assert!(
        default.iter().any(|a| is_extended(a)),
        "no extended APDU without the option"
    );
    let short = run(&["--no-extended-length", "--command-timeout", "300"]);
    assert!(short.len() > 10);
    assert!(
        !short.iter().any(|a| is_extended(a)),
        "an extended APDU with --no-extended-length"
    );
}

/// An EF.SOD signed over id-data (as some issuers do) is refused by default, and the refusal
/// names the option; with --accept-id-data it verifies, with the finding, in `read` and in
/// `verify`.
#[test]
fn accept_id_data_lets_an_id_data_sod_verify_in_read_and_verify() {
    use emrtd_sim::hostile::SodSpec;
    let dir = temp_dir("id-data");
    let passport = emrtd_sim::Profile::builtin("norway-passport").unwrap();
    let mrz = passport.mrz.join("\n");
    emrtd()
        .args([
            "read",
            "--sim",
            "norway-passport",
            "--mrz",
            "-",
            "-q",
            "--out",
        ])
        .arg(&dir)
        .write_stdin(mrz.clone())
        .assert()
        .code(0);
    let dgs: Vec<(u8, Vec<u8>)> = (1..=16)
        .filter_map(|n| {
            std::fs::read(dir.join(format!("DG{n}.bin")))
                .ok()
                .map(|b| (n, b))
        })
        .collect();
    assert!(dgs.len() >= 2, "DG1 and DG2 dumped");
    let refs: Vec<(u8, &[u8])> = dgs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let sod = SodSpec {
        content_type: "1.2.840.113549.1.7.1".into(),
        ..SodSpec::new(&refs)
    }
    .sign()
    .unwrap();
    std::fs::write(dir.join("SOD.bin"), &sod).unwrap();
    let csca = Path::new(env!("CARGO_MANIFEST_DIR")).join("../emrtd-sim/pki/csca.der");

    // verify: refused (exit 1, the reason names the option), then accepted with the finding.
    let verify = |extra: &[&str]| {
        emrtd()
            .args(["verify", "--no-builtin-trust", "--json", "--trust"])
            .arg(&csca)
            .arg(&dir)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = verify(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("--accept-id-data"), "{text}");
    let out = verify(&["--accept-id-data"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("non_icao_content_type"), "{text}");

    // read: a virtual passport whose chip holds that EF.SOD.
    let mut profile = passport.clone();
    profile.files.insert("SOD".into(), hex::encode(&sod));
    let profile_path = temp_dir("id-data-profile.json");
    std::fs::write(&profile_path, serde_json::to_string(&profile).unwrap()).unwrap();
    let read = |extra: &[&str]| {
        emrtd()
            .args(["read", "--mrz", "-", "-q", "--json", "--sim"])
            .arg(&profile_path)
            .args(extra)
            .write_stdin(mrz.clone())
            .output()
            .unwrap()
    };
    let out = read(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = stdout_json(&out);
    assert_eq!(doc["verdict"]["status"], "invalid", "{doc}");
    assert!(doc.to_string().contains("--accept-id-data"), "{doc}");
    let out = read(&["--accept-id-data"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = stdout_json(&out);
    assert!(doc.to_string().contains("non_icao_content_type"), "{doc}");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&profile_path);
}
