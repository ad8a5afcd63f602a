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
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an MRZ"));
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
