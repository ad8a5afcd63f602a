//! `emrtd read --ta-chain … --ta-key …` against a virtual EAC passport (BAC, Chip
//! Authentication, DG3/DG4 of the BSI 2008 specimen) with a test PKI built here.

mod support;

use emrtd_eac::*;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use support::eac_pki::{date, issue, key_der, signer};

const DG3: &[u8] = include_bytes!("../../../fixtures/lds/bsi2008/Datagroup3.bin");
const DG4: &[u8] = include_bytes!("../../../fixtures/lds/bsi2008/Datagroup4.bin");

/// The validity of every certificate of this PKI.
fn validity() -> (CvDate, CvDate) {
    (date(2026, 1, 1), date(2028, 1, 1))
}

/// A folder with the profile, the DV and IS certificates and the IS key; removed on drop.
struct Setup {
    dir: PathBuf,
    mrz: String,
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Setup {
    fn new(name: &str) -> Setup {
        Setup::with_version(name, 1)
    }

    /// `version` 1: the BAC passport; 2: the PACE ID card `norway-id` with Terminal
    /// Authentication version 2 (and Chip Authentication version 2).
    fn with_version(name: &str, version: u8) -> Setup {
        let dir = std::env::temp_dir().join(format!("emrtd-cli-eac-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (cvca_key, dv_key, is_key) = (signer(1), signer(2), signer(3));
        let cvca = issue(
            &cvca_key,
            &cvca_key,
            ("NOCVCA00001", "NOCVCA00001"),
            Role::Cvca,
            validity(),
        );
        let dv = issue(
            &cvca_key,
            &dv_key,
            ("NOCVCA00001", "NODVPOLICE001"),
            Role::DvOfficialDomestic,
            validity(),
        );
        let is = issue(
            &dv_key,
            &is_key,
            ("NODVPOLICE001", "NOISGATE00042"),
            Role::Terminal,
            validity(),
        );
        std::fs::write(dir.join("dv.cvcert"), dv.encode()).unwrap();
        std::fs::write(dir.join("is.cvcert"), is.encode()).unwrap();
        std::fs::write(dir.join("is.pk8"), key_der(3)).unwrap();
        std::fs::write(dir.join("other.pk8"), key_der(9)).unwrap();
        let mut p = if version == 2 {
            emrtd_sim::Profile::builtin("norway-id").unwrap()
        } else {
            let mut p = emrtd_sim::Profile::builtin("norway-passport").unwrap();
            p.chip_authentication = Some(emrtd_sim::profile::CaConfig {
                cipher: "3DES".into(),
                parameter_id: 12,
                key_id: None,
            });
            p
        };
        p.eac = Some(emrtd_sim::profile::EacConfig {
            cvca: hex::encode(cvca.encode()),
            date: "2026-12-06".into(),
            static_binding: false,
            version,
            ..Default::default()
        });
        p.files.insert("DG3".into(), hex::encode(DG3));
        p.files.insert("DG4".into(), hex::encode(DG4));
        let mrz = p.mrz.join("\n");
        std::fs::write(dir.join("eac.json"), serde_json::to_vec(&p).unwrap()).unwrap();
        Setup { dir, mrz }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn read(&self, extra: &[&str]) -> Output {
        let sim = self.path("eac.json");
        let mut args = vec!["read", "--sim", &sim, "--mrz", &self.mrz, "--quiet"];
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_emrtd"))
            .args(&args)
            .output()
            .unwrap()
    }
}

#[test]
fn read_with_ta_chain_and_key_reads_dg3_and_dg4_and_reports_terminal_authentication() {
    let s = Setup::new("ok");
    let (dv, is, key) = (s.path("dv.cvcert"), s.path("is.cvcert"), s.path("is.pk8"));
    let out = s.read(&["--json", "--ta-chain", &dv, &is, "--ta-key", &key]);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let ta = &v["terminal_authentication"];
    assert_eq!(ta["outcome"], "passed", "{ta}");
    assert_eq!(ta["rights"], serde_json::json!(["read_dg3", "read_dg4"]));
    assert_eq!(ta["terminal"], "NOISGATE00042");
    assert_eq!(v["files"]["DG3"], DG3.len());
    assert_eq!(v["files"]["DG4"], DG4.len());

    let text = s.read(&["--ta-chain", &dv, &is, "--ta-key", &key]);
    let text = String::from_utf8_lossy(&text.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("Terminal Authentication"))
        .unwrap_or_else(|| panic!("no Terminal Authentication line in\n{text}"));
    assert!(
        line.contains("passed") && line.contains("read DG3 (fingerprints)"),
        "{line}"
    );
}

#[test]
fn ta_version_auto_and_2_run_version_2_on_a_chip_that_announces_it_and_1_fails_there() {
    let s = Setup::with_version("v2", 2);
    let (dv, is, key) = (s.path("dv.cvcert"), s.path("is.cvcert"), s.path("is.pk8"));
    for (choice, outcome, version) in [
        (None, "passed", 2),
        (Some("2"), "passed", 2),
        (Some("1"), "not_performed", 0),
    ] {
        let mut args = vec!["--json", "--ta-chain", &dv, &is, "--ta-key", &key];
        if let Some(c) = choice {
            args.extend(["--ta-version", c]);
        }
        let out = s.read(&args);
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        let ta = &v["terminal_authentication"];
        assert_eq!(ta["outcome"], outcome, "{choice:?}: {ta}");
        if version == 2 {
            assert_eq!(ta["version"], 2, "{ta}");
            assert_eq!(v["files"]["DG3"], DG3.len());
        } else {
            assert!(v["files"]["DG3"].is_null(), "{choice:?}");
        }
    }
}

#[test]
fn ta_rights_narrows_what_pace_asks_for_before_version_2_and_the_report_says_so() {
    let s = Setup::with_version("rights", 2);
    let (dv, is, key) = (s.path("dv.cvcert"), s.path("is.cvcert"), s.path("is.pk8"));
    let args = ["--json", "--ta-chain", &dv, &is, "--ta-key", &key];
    let out = s.read(&[&args[..], &["--ta-rights", "dg4"]].concat());
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let ta = &v["terminal_authentication"];
    assert_eq!(ta["outcome"], "passed", "{ta}");
    assert_eq!(ta["requested_rights"], serde_json::json!(["read_dg4"]));
    assert_eq!(ta["rights"], serde_json::json!(["read_dg4"]));
    assert_eq!(ta["chip_key_source"]["file"], "CardSecurity", "{ta}");
    assert!(v["files"]["DG3"].is_null());
    assert_eq!(v["files"]["DG4"], DG4.len());
    // Without the option: all the certificate's rights.
    let out = s.read(&args);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ta = &v["terminal_authentication"];
    assert_eq!(
        ta["requested_rights"],
        serde_json::json!(["read_dg3", "read_dg4"])
    );
    assert_eq!(v["files"]["DG3"], DG3.len());
    // Only dg3 and dg4 are rights.
    let bad = s.read(&[&args[..], &["--ta-rights", "dg5"]].concat());
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn without_ta_flags_the_report_says_dg3_and_dg4_need_terminal_authentication() {
    let s = Setup::new("none");
    let out = s.read(&["--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["terminal_authentication"]["outcome"], "not_performed");
    assert!(v["refused"]["DG3"]
        .as_str()
        .unwrap()
        .contains("none configured"));
}

#[test]
fn a_bad_ta_file_is_a_usage_error_before_any_reader_is_touched() {
    let s = Setup::new("bad");
    let (dv, is) = (s.path("dv.cvcert"), s.path("is.cvcert"));
    // A key file that is not a certificate, the chain out of order, the wrong key.
    for (args, says) in [
        (
            vec![
                "--ta-chain",
                &s.path("is.pk8"),
                "--ta-key",
                &s.path("is.pk8"),
            ],
            "not a CV certificate",
        ),
        (
            vec!["--ta-chain", &is, &dv, "--ta-key", &s.path("is.pk8")],
            "in order",
        ),
        (
            vec!["--ta-chain", &dv, &is, "--ta-key", &s.path("other.pk8")],
            "not the key of terminal certificate NOISGATE00042",
        ),
        (
            vec!["--ta-chain", &dv, &is, "--ta-key", &s.path("missing.pk8")],
            "--ta-key",
        ),
    ] {
        let out = s.read(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}

#[test]
fn read_with_out_writes_the_finger_and_iris_images_as_stored_named_by_position() {
    let s = Setup::new("out");
    let (dv, is, key) = (s.path("dv.cvcert"), s.path("is.cvcert"), s.path("is.pk8"));
    let out = s.dir.join("dump");
    let dump = out.display().to_string();
    let result = s.read(&["--ta-chain", &dv, &is, "--ta-key", &key, "--out", &dump]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    // What the decoders find in the BSI 2008 specimen's DG3 (two WSQ fingers) and DG4 (two
    // JPEG 2000 irises), written byte for byte under their export names.
    let fingers = emrtd_lds::dg3::Dg3::decode(DG3).unwrap().images().unwrap();
    let irises = emrtd_lds::dg4::Dg4::decode(DG4).unwrap().images().unwrap();
    let names: Vec<String> = fingers
        .iter()
        .chain(&irises)
        .map(|i| i.file_name())
        .collect();
    assert_eq!(
        names,
        [
            "finger-1-pos-2-view-1.wsq",
            "finger-2-pos-7-view-1.wsq",
            "iris-1-right-1.jp2",
            "iris-2-left-1.jp2"
        ]
    );
    for image in fingers.iter().chain(&irises) {
        assert_eq!(
            std::fs::read(out.join(image.file_name())).unwrap(),
            image.data,
            "{}",
            image.file_name()
        );
    }
    assert_eq!(std::fs::read(out.join("DG3.bin")).unwrap(), DG3);
    // Written atomically: no temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Without Terminal Authentication DG3/DG4 are refused: no finger or iris file.
    let out2 = s.dir.join("dump2");
    let dump2 = out2.display().to_string();
    s.read(&["--out", &dump2]);
    let names: Vec<String> = std::fs::read_dir(&out2)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("finger-") || n.starts_with("iris-")),
        "{names:?}"
    );
}
