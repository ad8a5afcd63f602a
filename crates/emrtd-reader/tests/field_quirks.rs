//! Behaviours of real chips catalogued in `field-quirks.md` (see `docs/conformance.md`,
//! "Field quirks"), each against a simulator mode that reproduces it.

use emrtd_reader::{read_document, AccessKey, AccessProtocol, EfId, ReadError, ReadOptions};
use emrtd_sim::{Profile, VirtualChip};

fn key_for(profile: &Profile) -> AccessKey {
    if profile.access.pace.is_empty() {
        AccessKey::from_mrz(&profile.parsed_mrz().unwrap()).unwrap()
    } else {
        AccessKey::from_can("123456").unwrap()
    }
}

fn read(profile: Profile) -> Result<emrtd_reader::Document, ReadError> {
    let key = key_for(&profile);
    read_document(
        VirtualChip::new(profile).unwrap(),
        &key,
        &ReadOptions::default(),
    )
}

/// Every file read equals the chip's file, byte for byte.
fn assert_complete(profile: &Profile, doc: &emrtd_reader::Document) {
    let reference = VirtualChip::new(profile.clone()).unwrap();
    for (ef, bytes) in &doc.files {
        let name = match ef {
            EfId::CardAccess => "CardAccess".to_string(),
            EfId::Dg(14) | EfId::Sod => continue,
            other => other.name(),
        };
        assert_eq!(Some(bytes.as_slice()), reference.file(&name), "{ef}");
    }
    assert!(doc.files.contains_key(&EfId::Dg(1)));
    assert!(doc.files.contains_key(&EfId::Dg(2)));
}

#[test]
fn chips_that_refuse_reads_by_short_ef_identifier_are_read_after_select() {
    for sw in ["6A82", "6A86", "6B00", "6D00", "6E00"] {
        for base in ["norway-id", "norway-passport"] {
            let mut p = Profile::builtin(base).unwrap();
            p.chip.sfi_refusal = Some(sw.into());
            let doc = read(p.clone()).unwrap_or_else(|e| panic!("{base} {sw}: {e}"));
            assert_complete(&p, &doc);
            // The PACE chip's EF.CardAccess was found by SELECT: PACE, not "no PACE".
            let expected = if base == "norway-id" {
                AccessProtocol::Pace
            } else {
                AccessProtocol::Bac
            };
            assert_eq!(doc.access.protocol, expected, "{base} {sw}");
        }
    }
}

#[test]
fn a_chip_without_ef_card_access_is_reported_as_found_absent_by_select() {
    let doc = read(Profile::builtin("norway-passport").unwrap()).unwrap();
    assert_eq!(doc.access.protocol, AccessProtocol::Bac);
    let note = doc.access.note.unwrap_or_default();
    assert!(note.contains("6A82") && note.contains("SELECT"), "{note}");
}

#[test]
fn a_chip_that_refuses_ef_card_access_it_has_is_not_read_with_bac_instead() {
    // PACE and BAC offered; EF.CardAccess exists but its read is refused with 6982.
    let mut p = Profile::builtin("norway-id").unwrap();
    p.access.bac = true;
    p.chip.sfi_refusal = Some("6982".into());
    let key = AccessKey::from_mrz(&p.parsed_mrz().unwrap()).unwrap();
    let err = read_document(VirtualChip::new(p).unwrap(), &key, &ReadOptions::default())
        .expect_err("a refused EF.CardAccess must not turn into BAC");
    match err {
        ReadError::Unsupported(m) => assert!(m.contains("EF.CardAccess"), "{m}"),
        other => panic!("expected Unsupported, got {other}"),
    }
}

#[test]
fn chips_that_refuse_an_le_on_select_and_mse_set_at_are_read() {
    for base in ["norway-id", "norway-passport"] {
        let mut p = Profile::builtin(base).unwrap();
        p.chip.refuse_le = true;
        let doc = read(p.clone()).unwrap_or_else(|e| panic!("{base}: {e}"));
        assert_complete(&p, &doc);
    }
}

fn pace(mapping: &str, cipher: &str, parameter_id: u32) -> emrtd_sim::profile::PaceConfig {
    emrtd_sim::profile::PaceConfig {
        mapping: mapping.into(),
        cipher: cipher.into(),
        parameter_id,
    }
}

#[test]
fn pace_is_retried_with_do84_when_the_chip_requires_it() {
    // One PACEInfo: MSE:Set AT goes without DO'84'; the chip wants it (6A87).
    let mut p = Profile::builtin("norway-id").unwrap();
    p.chip.pace_key_reference = "required".into();
    let doc = read(p.clone()).unwrap();
    assert_complete(&p, &doc);
    assert_eq!(doc.access.protocol, AccessProtocol::Pace);
    let note = doc.access.note.unwrap_or_default();
    assert!(note.contains("6A87") || note.contains("6a87"), "{note}");
}

#[test]
fn pace_is_retried_without_do84_when_the_chip_refuses_it() {
    // Two PACEInfos: MSE:Set AT carries DO'84'; the chip refuses it (6A80).
    let mut p = Profile::builtin("norway-id").unwrap();
    p.access.pace = vec![pace("GM", "AES-128", 13), pace("GM", "AES-128", 12)];
    p.chip.pace_key_reference = "refused".into();
    let doc = read(p.clone()).unwrap();
    assert_complete(&p, &doc);
    assert_eq!(doc.access.protocol, AccessProtocol::Pace);
    assert!(doc.access.note.is_some());
}

#[test]
fn a_profile_with_an_unknown_key_reference_mode_is_refused() {
    let mut p = Profile::builtin("norway-id").unwrap();
    p.chip.pace_key_reference = "sometimes".into();
    assert!(VirtualChip::new(p).is_err());
}

#[test]
fn chips_that_refuse_large_le_in_any_way_are_read_in_blocks_they_take() {
    for (refusal, max_read) in [("6700", 192), ("6b00", 192), ("6b00", 100), ("6700", 100)] {
        for base in ["norway-id", "norway-passport"] {
            let mut p = Profile::builtin(base).unwrap();
            p.chip.extended_length = false;
            p.chip.max_read = max_read;
            p.chip.le_refusal = refusal.into();
            let doc =
                read(p.clone()).unwrap_or_else(|e| panic!("{base} {refusal} {max_read}: {e}"));
            assert_complete(&p, &doc);
        }
    }
}

#[test]
fn a_chip_that_drops_the_session_on_a_large_le_is_opened_again_with_smaller_blocks() {
    // 6B00 without secure messaging to Le > 192, then 6987 to the next protected command
    // (Russian passport): access control again, smaller blocks kept for the rest of the read.
    for base in ["norway-id", "norway-passport"] {
        let mut p = Profile::builtin(base).unwrap();
        p.chip.extended_length = false;
        p.chip.max_read = 192;
        p.chip.le_refusal = "6b00-drop".into();
        let doc = read(p.clone()).unwrap_or_else(|e| panic!("{base}: {e}"));
        assert_complete(&p, &doc);
        assert!(
            doc.resumes >= 1 && doc.resumes <= 2,
            "{base}: {} resumes",
            doc.resumes
        );
    }
}

#[test]
fn a_plain_refusal_of_an_extended_apdu_reopens_with_short_apdus_instead_of_desynchronising() {
    // EF.ATR/INFO announces extended length, but the chip answers every extended APDU with a
    // plain 6700 or 6D00 without processing it (its SSC stays, ours moved): no further command
    // goes out in that session; access control again, then short APDUs only.
    for sw in ["6700", "6D00"] {
        let mut p = Profile::builtin("norway-id").unwrap();
        assert!(p.chip.extended_length);
        p.chip.extended_refusal = Some(sw.into());
        let doc = read(p.clone()).unwrap_or_else(|e| panic!("{sw}: {e}"));
        assert_complete(&p, &doc);
        assert_eq!(doc.resumes, 1, "{sw}");
    }
}

fn aa_status(key: &str, mode: &str) -> (emrtd_auth::CheckStatus, String) {
    let mut p = Profile::builtin("norway-id").unwrap();
    p.active_authentication = key.into();
    p.chip.aa_response = mode.into();
    let doc = read(p).unwrap_or_else(|e| panic!("{key} {mode}: {e}"));
    let aa = doc.active_authentication.expect("DG15 present: AA runs");
    (aa.status, aa.reason)
}

#[test]
fn an_active_authentication_signature_in_61xx_parts_is_joined_and_verified() {
    let (status, reason) = aa_status("rsa-2048", "61xx");
    assert_eq!(status, emrtd_auth::CheckStatus::Passed, "{reason}");
}

#[test]
fn internal_authenticate_answered_6cxx_is_sent_again_with_the_length_named() {
    let (status, reason) = aa_status("ec-p256", "6cxx");
    assert_eq!(status, emrtd_auth::CheckStatus::Passed, "{reason}");
}

#[test]
fn a_truncated_active_authentication_signature_with_9000_is_a_failed_check() {
    let (status, reason) = aa_status("rsa-2048", "truncate");
    assert_eq!(status, emrtd_auth::CheckStatus::Failed, "{reason}");
}
