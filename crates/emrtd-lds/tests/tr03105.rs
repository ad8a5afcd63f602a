//! BSI TR-03105-5.1 data-level test cases LDS_A (EF.COM), LDS_B (DG1), LDS_C (DG2), LDS_D
//! (DG3), LDS_E (DG4), LDS_F (DG14), LDS_G (EF.CVCA), LDS_I (DG15) and LDS_K (EF.ATR/INFO),
//! built as fixtures by
//! fixtures/lds/tr03105/make_fixtures.py. A case the plan says must fail must be rejected: the
//! file does not decode, its conformance check finds an issue, or (DG1) it differs from the data
//! page. A case that must pass decodes without findings.

mod common;

use common::{fixture, json};
use emrtd_lds::{decode_file, FileId, LdsFile};

fn file_id(kind: &str) -> FileId {
    match kind {
        "EF.COM" => FileId::Com,
        "EF.CVCA" => FileId::Cvca,
        "EF.ATR/INFO" => FileId::AtrInfo,
        dg => FileId::Dg(dg.trim_start_matches("DG").parse().expect("DG number")),
    }
}

/// Why the case is rejected, or `None` if it is accepted.
fn verdict(kind: &str, bytes: &[u8], data_page: Option<&str>) -> Option<String> {
    let file = match decode_file(file_id(kind), bytes) {
        Ok(f) => f,
        Err(e) => return Some(format!("decode error: {e}")),
    };
    assert_eq!(file.raw(), bytes, "raw keeps the bytes as read");
    let issues = file.check();
    if !issues.is_empty() {
        let list: Vec<String> = issues.iter().map(ToString::to_string).collect();
        return Some(format!("issues: {}", list.join("; ")));
    }
    if let (LdsFile::Dg1(dg1), Some(page)) = (&file, data_page) {
        if !dg1.matches(page) {
            return Some("DG1 differs from the data page".into());
        }
    }
    None
}

#[test]
fn every_case_reaches_the_expected_verdict() {
    let manifest = json("tr03105/manifest.json");
    let cases = manifest["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 116);
    let mut failures = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let kind = case["file"].as_str().unwrap();
        let bytes = fixture(&format!("tr03105/{}", case["fixture"].as_str().unwrap()));
        let expected = case["expected"].as_str().unwrap();
        let outcome = verdict(kind, &bytes, case["data_page_mrz"].as_str());
        eprintln!("{id}: {expected}: {outcome:?}");
        match (expected, &outcome) {
            ("pass", None) | ("fail", Some(_)) => {}
            _ => failures.push(format!(
                "{id} ({}): expected {expected}, got {outcome:?}",
                case["title"]
            )),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The rejections come from the element the case is about, not from an unrelated defect.
#[test]
fn rejections_name_the_right_element() {
    let manifest = json("tr03105/manifest.json");
    let expect = [
        ("LDS_A_01", "expected tag 60"),
        ("LDS_A_04", "LDS version"),
        ("LDS_A_05", "LDS version (5F01) is missing"),
        ("LDS_A_06", "Unicode version"),
        ("LDS_A_08", "DG1"),
        ("LDS_A_09", "tag list (5C) is missing"),
        ("LDS_B_08", "document code"),
        ("LDS_B_09", "issuing state"),
        ("LDS_B_10", "name"),
        ("LDS_B_11", "data page"),
        ("LDS_B_12", "data page"),
        ("LDS_B_13", "document_number"),
        ("LDS_B_14", "nationality"),
        ("LDS_B_16", "date of birth"),
        ("LDS_B_17", "date_of_birth"),
        ("LDS_B_18", "sex"),
        ("LDS_B_20", "date of expiry"),
        ("LDS_B_21", "date_of_expiry"),
        ("LDS_B_22", "optional_data"),
        ("LDS_B_23", "composite"),
        ("LDS_B_24", "MRZ (5F1F) is missing"),
        ("LDS_C_04", "expected tag 75"),
        ("LDS_C_07", "number of instances"),
        ("LDS_C_08", "format owner"),
        ("LDS_C_09", "format owner (87)"),
        ("LDS_C_10", "format type"),
        ("LDS_C_11", "format type (88)"),
        ("LDS_C_12", "biometric type"),
        ("LDS_C_13", "biometric type"),
        ("LDS_C_14", "format identifier"),
        ("LDS_C_15", "version"),
        ("LDS_C_16", "facial record data length"),
        ("LDS_C_17", "gender"),
        ("LDS_C_18", "eye colour"),
        ("LDS_C_19", "hair colour"),
        ("LDS_C_20", "pose angle (yaw)"),
        ("LDS_C_21", "pose angle (pitch)"),
        ("LDS_C_22", "pose angle (roll)"),
        ("LDS_C_23", "pose angle uncertainty (yaw)"),
        ("LDS_C_24", "pose angle uncertainty (pitch)"),
        ("LDS_C_25", "pose angle uncertainty (roll)"),
        ("LDS_C_26", "face image type"),
        ("LDS_C_27", "image data type"),
        ("LDS_C_28", "biometric data block"),
        ("LDS_D_04", "expected tag 63"),
        ("LDS_D_05", "DG3"),
        ("LDS_D_06", "DG3"),
        ("LDS_D_07", "number of instances (02)"),
        ("LDS_D_08", "format owner (87): 01FF"),
        ("LDS_D_09", "format owner (87)"),
        ("LDS_D_10", "format type (88): 0009"),
        ("LDS_D_11", "format type (88)"),
        ("LDS_D_12", "biometric subtype (82): FE"),
        ("LDS_D_13", "biometric subtype (82): missing"),
        ("LDS_D_14", "format identifier \"FIR\\0\""),
        ("LDS_D_15", "biometric data block (5F2E)"),
        ("LDS_E_03", "expected tag 76"),
        ("LDS_E_04", "DG4"),
        ("LDS_E_05", "DG4"),
        ("LDS_E_06", "number of instances (02)"),
        ("LDS_E_07", "format owner (87): 01FF"),
        ("LDS_E_08", "format owner (87)"),
        ("LDS_E_09", "format type (88): 000F"),
        ("LDS_E_10", "format type (88)"),
        ("LDS_E_11", "biometric subtype (82): FE"),
        ("LDS_E_12", "biometric subtype (82): missing"),
        ("LDS_E_13", "format identifier \"IIR\\0\""),
        ("LDS_E_14", "biometric data block (5F2E)"),
        ("LDS_F_01", "expected tag 6E"),
        ("LDS_F_04", "ChipAuthenticationPublicKeyInfo"),
        ("LDS_F_05", "SecurityInfo"),
        ("LDS_F_06", "ChipAuthenticationInfo"),
        ("LDS_F_07", "ChipAuthentication"),
        ("LDS_G_01", "padding"),
        ("LDS_G_02", "no trust point"),
        ("LDS_I_01", "expected tag 6F"),
        ("LDS_K_03", "two INTEGERs"),
        ("LDS_K_04", "extended length information (7F66): missing"),
    ];
    for (id, needle) in expect {
        let case = manifest["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id}"));
        let bytes = fixture(&format!("tr03105/{}", case["fixture"].as_str().unwrap()));
        let why = verdict(
            case["file"].as_str().unwrap(),
            &bytes,
            case["data_page_mrz"].as_str(),
        )
        .unwrap_or_else(|| panic!("{id} accepted"));
        assert!(
            why.contains(needle),
            "{id}: {why:?} does not mention {needle:?}"
        );
    }
}

/// The accepted cases re-encode to the bytes they were built from.
#[test]
fn accepted_cases_round_trip() {
    let manifest = json("tr03105/manifest.json");
    for case in manifest["cases"].as_array().unwrap() {
        if case["expected"] != "pass" {
            continue;
        }
        let bytes = fixture(&format!("tr03105/{}", case["fixture"].as_str().unwrap()));
        let file = decode_file(file_id(case["file"].as_str().unwrap()), &bytes).unwrap();
        assert_eq!(file.encode(), bytes, "{}", case["id"]);
    }
}

/// The cases that must pass hold the image sets of the plan's annex (8.2.6–8.2.10): the number
/// of instances, the CBEFF subtypes, and images in the format their record declares.
#[test]
fn image_set_cases_hold_the_images_the_plan_describes() {
    use emrtd_lds::iso19794_4::BiometricImageFormat as F;
    let bytes = |id: &str| fixture(&format!("tr03105/{id}.bin"));
    for (id, subtypes, format) in [
        ("LDS_D_01", &[0x09, 0x0A][..], F::Jpeg2000),
        ("LDS_D_02", &[0x09, 0x0A][..], F::Wsq),
        ("LDS_D_03", &[0x09, 0x0A, 0x05][..], F::Wsq),
        ("LDS_D_16", &[0x09, 0x0A][..], F::Raw),
    ] {
        let LdsFile::Dg3(dg3) = decode_file(FileId::Dg(3), &bytes(id)).unwrap() else {
            panic!("{id}: not DG3")
        };
        let found: Vec<u8> = dg3
            .group
            .templates
            .iter()
            .map(|t| t.header.biometric_subtype.as_deref().unwrap()[0])
            .collect();
        assert_eq!(found, subtypes, "{id}");
        let images = dg3.images().unwrap();
        assert_eq!(images.len(), subtypes.len(), "{id}");
        for image in &images {
            assert_eq!(image.format, Some(format), "{id}");
            assert!(!image.format_mismatch(), "{id}");
        }
        if format == F::Raw {
            for r in dg3.finger_records().unwrap() {
                let img = &r.images[0];
                assert_eq!(
                    img.data.len(),
                    usize::from(img.width) * usize::from(img.height)
                );
            }
        }
    }
    for (id, format) in [("LDS_E_01", F::Jpeg2000), ("LDS_E_02", F::Raw)] {
        let LdsFile::Dg4(dg4) = decode_file(FileId::Dg(4), &bytes(id)).unwrap() else {
            panic!("{id}: not DG4")
        };
        let images = dg4.images().unwrap();
        assert_eq!(images.len(), 2, "{id}");
        let names: Vec<&str> = images.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["iris-1-right-1", "iris-2-left-1"], "{id}");
        for image in &images {
            assert_eq!(image.format, Some(format), "{id}");
            assert!(!image.format_mismatch(), "{id}");
        }
        if format == F::Raw {
            for r in dg4.iris_records().unwrap() {
                let expected = usize::from(r.width) * usize::from(r.height);
                assert_eq!(r.images[0].data.len(), expected, "{id}");
            }
        }
    }
}
