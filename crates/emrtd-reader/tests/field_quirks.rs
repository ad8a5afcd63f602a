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
    (aa.status(), aa.reason().to_string())
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

/// Read `profile` with the chip kept, so that its recorded APDUs can be looked at.
fn read_recorded(profile: Profile) -> (Result<emrtd_reader::Document, ReadError>, VirtualChip) {
    let key = key_for(&profile);
    let mut chip = VirtualChip::new(profile).unwrap();
    chip.record();
    let result = read_document(&mut chip, &key, &ReadOptions::default());
    (result, chip)
}

/// The commands the reader sent with this INS (byte 1; secure messaging keeps the INS).
fn commands_with_ins(chip: &VirtualChip, ins: u8) -> Vec<Vec<u8>> {
    chip.recorded()
        .iter()
        .filter(|(c, _)| c.get(1) == Some(&ins))
        .map(|(c, _)| c.clone())
        .collect()
}

/// An extended-length APDU: Lc (or Le) in three bytes starting with 00.
fn is_extended(apdu: &[u8]) -> bool {
    apdu.len() > 5 && apdu[4] == 0
}

#[test]
fn rsa_3072_and_4096_active_authentication_uses_one_extended_apdu_where_the_chip_announces_it() {
    for key in ["rsa-3072", "rsa-4096"] {
        let mut p = Profile::builtin("norway-id").unwrap();
        assert!(
            p.chip.extended_length,
            "EF.ATR/INFO announces extended length"
        );
        p.active_authentication = key.into();
        let (doc, chip) = read_recorded(p);
        let aa = doc.unwrap().active_authentication.expect("DG15: AA runs");
        assert_eq!(
            aa.status(),
            emrtd_auth::CheckStatus::Passed,
            "{key}: {}",
            aa.reason()
        );
        let ia = commands_with_ins(&chip, 0x88);
        assert_eq!(ia.len(), 1, "{key}");
        assert!(is_extended(&ia[0]), "{key}: {}", hex::encode(&ia[0]));
        assert!(
            commands_with_ins(&chip, 0xC0).is_empty(),
            "{key}: no GET RESPONSE"
        );
    }
}

#[test]
fn rsa_3072_and_4096_signatures_come_in_61xx_parts_to_a_short_le_and_are_joined() {
    for key in ["rsa-3072", "rsa-4096"] {
        for base in ["norway-id", "norway-passport"] {
            let mut p = Profile::builtin(base).unwrap();
            p.chip.extended_length = false;
            p.active_authentication = key.into();
            let (doc, chip) = read_recorded(p);
            let aa = doc.unwrap().active_authentication.expect("DG15: AA runs");
            assert_eq!(
                aa.status(),
                emrtd_auth::CheckStatus::Passed,
                "{base} {key}: {}",
                aa.reason()
            );
            let ia = commands_with_ins(&chip, 0x88);
            assert!(ia.iter().all(|c| !is_extended(c)), "{base} {key}");
            // 384 or 512 bytes in parts of at most 223: two or three parts.
            let parts = commands_with_ins(&chip, 0xC0).len();
            assert_eq!(parts, if key == "rsa-3072" { 1 } else { 2 }, "{base} {key}");
        }
    }
}

#[test]
fn a_chip_that_refuses_extended_apdus_gets_its_long_signature_in_parts_after_reopening() {
    let mut p = Profile::builtin("norway-id").unwrap();
    p.active_authentication = "rsa-4096".into();
    p.chip.extended_refusal = Some("6700".into());
    let (doc, chip) = read_recorded(p);
    let aa = doc.unwrap().active_authentication.expect("DG15: AA runs");
    assert_eq!(
        aa.status(),
        emrtd_auth::CheckStatus::Passed,
        "{}",
        aa.reason()
    );
    assert!(commands_with_ins(&chip, 0x88)
        .iter()
        .all(|c| !is_extended(c)));
}

#[test]
fn a_truncated_rsa_4096_signature_with_9000_is_a_failed_check() {
    for (key, extended) in [("rsa-3072", true), ("rsa-4096", true), ("rsa-4096", false)] {
        let mut p = Profile::builtin("norway-id").unwrap();
        p.chip.extended_length = extended;
        p.active_authentication = key.into();
        p.chip.aa_response = "truncate".into();
        let doc = read(p).unwrap();
        let aa = doc.active_authentication.expect("DG15: AA runs");
        assert_eq!(aa.status(), emrtd_auth::CheckStatus::Failed, "{key}");
        assert!(!aa.reason().is_empty());
    }
}

#[test]
fn chips_that_answer_6282_to_an_le_they_do_not_take_are_read_completely() {
    // Spanish ID cards answer Le = 00 with 6282 ("end of file before Le bytes") although the
    // file goes on: the data that came with it is data, the rest is read in smaller blocks.
    for refusal in ["6282"] {
        for max_read in [160, 100] {
            for base in ["norway-id", "norway-passport"] {
                let mut p = Profile::builtin(base).unwrap();
                p.chip.extended_length = false;
                p.chip.max_read = max_read;
                p.chip.le_refusal = refusal.into();
                let doc =
                    read(p.clone()).unwrap_or_else(|e| panic!("{base} {refusal} {max_read}: {e}"));
                assert_complete(&p, &doc);
                assert_eq!(doc.resumes, 0, "{base} {refusal} {max_read}");
            }
        }
    }
}

#[test]
fn a_file_shorter_than_its_header_declares_is_reported_truncated_whatever_the_chip_answers() {
    // DG11 declares 256 bytes of content and holds 15: the reader asks only within the
    // declared length, gets nothing more, and says the file is truncated.
    let content = [&[0x5C, 0x02, 0x5F, 0x0E, 0x5F, 0x0E, 0x08][..], b"SPECIMEN"].concat();
    let whole = [&[0x6B, content.len() as u8][..], &content].concat();
    let dg11 = [&[0x6B, 0x82, 0x01, 0x00][..], &content].concat();
    for eof in ["6282", "short", "6cxx", "6b00"] {
        let mut p = Profile::builtin("norway-passport").unwrap();
        p.chip.eof = eof.into();
        // The same read with a DG11 that is whole: the APDUs it takes.
        p.files.insert("DG11".into(), hex::encode(&whole));
        let (complete, chip) = read_recorded(p.clone());
        complete.unwrap_or_else(|e| panic!("{eof}: a whole DG11: {e}"));
        let baseline = chip.recorded().len();
        p.files.insert("DG11".into(), hex::encode(&dg11));
        let (result, chip) = read_recorded(p);
        match result {
            Err(ReadError::Malformed(m)) => {
                assert!(m.contains("DG11") && m.contains("ends after"), "{eof}: {m}")
            }
            Err(e) => panic!("{eof}: expected a truncated DG11, got {e}"),
            Ok(_) => panic!("{eof}: a truncated DG11 was read as complete"),
        }
        // A bounded number of tries: the block steps down to one byte, then the file is
        // reported truncated.
        let extra = chip.recorded().len().saturating_sub(baseline);
        assert!(extra <= 16, "{eof}: {extra} APDUs more than a whole DG11");
    }
}

/// A clock that shows the simulator's modelled time (2026-01-01 plus the time modelled on the
/// chip's link), so the per-command budget is measured against the modelled chip.
struct ModelClock(emrtd_sim::ModelledTime);

const EPOCH_2026: i64 = 1_767_225_600;

impl emrtd_reader::Clock for ModelClock {
    fn now(&self) -> i64 {
        EPOCH_2026 + (self.0.micros() / 1_000_000) as i64
    }
    fn now_millis(&self) -> i64 {
        EPOCH_2026 * 1000 + (self.0.micros() / 1000) as i64
    }
}

/// Read with the RSA-4096 AA key, INTERNAL AUTHENTICATE taking `aa_ms` on the chip, and
/// `budget` per command (`None`: the default).
fn read_slow_aa(
    aa_ms: u32,
    budget: Option<std::time::Duration>,
) -> (Result<emrtd_reader::Document, ReadError>, u64) {
    let mut p = Profile::builtin("norway-id").unwrap();
    p.active_authentication = "rsa-4096".into();
    p.chip.internal_authenticate_ms = aa_ms;
    let key = key_for(&p);
    let mut chip = VirtualChip::new(p).unwrap();
    let time = chip.modelled_time();
    let options = ReadOptions {
        command_budget: budget,
        ..ReadOptions::default()
    };
    let config = emrtd_reader::EngineConfig::new(key, options).link_extended_length(true);
    let engine = emrtd_reader::Engine::new(config, rand_core::OsRng, ModelClock(time.clone()));
    let result = emrtd_reader::read_blocking(&mut chip, engine, &mut |_| {});
    (result, time.micros())
}

#[test]
fn long_chip_work_within_the_default_budget_is_waited_for() {
    // RSA-4096 on a slow chip: 9 s for INTERNAL AUTHENTICATE, under the 10 s default.
    let (result, micros) = read_slow_aa(9_000, None);
    let aa = result.unwrap().active_authentication.expect("AA runs");
    assert_eq!(
        aa.status(),
        emrtd_auth::CheckStatus::Passed,
        "{}",
        aa.reason()
    );
    assert!(micros > 9_000_000, "{micros} µs modelled");
    assert_eq!(
        ReadOptions::default().command_budget(),
        emrtd_reader::DEFAULT_COMMAND_BUDGET
    );
}

#[test]
fn a_command_that_takes_longer_than_the_budget_ends_the_read_with_chip_too_slow() {
    for (aa_ms, budget) in [
        (11_000, None),
        (3_000, Some(std::time::Duration::from_secs(2))),
    ] {
        let (result, _) = read_slow_aa(aa_ms, budget);
        match result {
            Err(ReadError::ChipTooSlow {
                command,
                elapsed_ms,
                budget_ms,
            }) => {
                assert_eq!(command, "INTERNAL AUTHENTICATE");
                assert!(elapsed_ms >= u64::from(aa_ms), "{elapsed_ms}");
                let expected = budget.unwrap_or(emrtd_reader::DEFAULT_COMMAND_BUDGET);
                assert_eq!(budget_ms, expected.as_millis() as u64);
            }
            Err(e) => panic!("{aa_ms} ms: expected ChipTooSlow, got {e}"),
            Ok(_) => panic!("{aa_ms} ms: an answer after the budget was taken"),
        }
    }
}

#[test]
fn a_chip_slow_on_every_command_fails_at_its_first_command_past_the_budget() {
    let mut p = Profile::builtin("norway-passport").unwrap();
    p.link.apdu_overhead_us = Some(1_500_000);
    let key = key_for(&p);
    let mut chip = VirtualChip::new(p).unwrap();
    let options = ReadOptions {
        command_budget: Some(std::time::Duration::from_secs(1)),
        ..ReadOptions::default()
    };
    let engine = emrtd_reader::Engine::new(
        emrtd_reader::EngineConfig::new(key, options),
        rand_core::OsRng,
        ModelClock(chip.modelled_time()),
    );
    let err = emrtd_reader::read_blocking(&mut chip, engine, &mut |_| {}).unwrap_err();
    assert!(
        matches!(&err, ReadError::ChipTooSlow { elapsed_ms, .. } if *elapsed_ms >= 1500),
        "{err}"
    );
    // Nothing more went to the chip after the command that took too long.
    assert_eq!(chip.stats().apdus, 1);
}

/// The plain SELECT MF the reader sends before opening the chip again without a reset.
const SELECT_MF_3F00: [u8; 7] = [0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00];

/// A chip that drops its session after refusing a large Le (6B00, then 6987): the reader opens
/// it again without a reset, and so sends SELECT MF first.
fn reopened_without_reset(base: &str) -> Profile {
    let mut p = Profile::builtin(base).unwrap();
    p.chip.extended_length = false;
    p.chip.max_read = 192;
    p.chip.le_refusal = "6b00-drop".into();
    p
}

#[test]
fn chips_that_refuse_select_mf_with_any_status_are_opened_again_and_read() {
    // Field quirks A1 (NZ 6982, China 6A81, Australia 6A86, Ukraine 6A87) and A3 (ID cards
    // 6D00, 6985): the status of SELECT MF is not a reason to stop.
    for sw in ["6982", "6A81", "6A86", "6A87", "6D00", "6985"] {
        for base in ["norway-id", "norway-passport"] {
            let mut p = reopened_without_reset(base);
            p.chip.select_mf_refusal = Some(sw.into());
            let (doc, chip) = read_recorded(p.clone());
            let doc = doc.unwrap_or_else(|e| panic!("{base} {sw}: {e}"));
            assert_complete(&p, &doc);
            assert!(doc.resumes >= 1, "{base} {sw}: opened again");
            let refused = chip
                .recorded()
                .iter()
                .filter(|(c, r)| c[..] == SELECT_MF_3F00 && r.ends_with(&hex::decode(sw).unwrap()))
                .count();
            assert!(
                refused >= 1,
                "{base} {sw}: SELECT MF went out and was refused"
            );
        }
    }
}

#[test]
fn select_mf_is_always_sent_with_3f00_so_a_chip_ignoring_the_implicit_form_is_read() {
    // Field quirk A2: the implicit SELECT MF (no data) answers 9000 but selects nothing.
    for base in ["norway-id", "norway-passport"] {
        let mut p = reopened_without_reset(base);
        p.chip.select_mf_implicit_noop = true;
        let (doc, chip) = read_recorded(p.clone());
        let doc = doc.unwrap_or_else(|e| panic!("{base}: {e}"));
        assert_complete(&p, &doc);
        let select_mf: Vec<Vec<u8>> = commands_with_ins(&chip, 0xA4)
            .into_iter()
            .filter(|c| c.get(2) == Some(&0x00))
            .collect();
        assert!(!select_mf.is_empty(), "{base}: the chip was opened again");
        assert!(
            select_mf.iter().all(|c| c[..] == SELECT_MF_3F00),
            "{base}: every SELECT MF names 3F00: {select_mf:02X?}"
        );
    }
}

#[test]
fn bac_refused_with_6a88_is_reported_as_refused_not_as_a_wrong_mrz() {
    // Field quirk A9: German passports with BAC disabled answer MUTUAL AUTHENTICATE with 6A88.
    let mut p = Profile::builtin("norway-passport").unwrap();
    p.chip.bac_refusal = Some("6A88".into());
    let err = read(p).expect_err("BAC refused");
    match &err {
        ReadError::Bac(emrtd_access::bac::BacError::Refused(sw)) => {
            assert_eq!(sw.0, 0x6A88)
        }
        other => panic!("expected BacError::Refused(6A88), got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("6A88") && !text.to_lowercase().contains("wrong"),
        "{text}"
    );
    // A wrong MRZ (6300) is another error: access denied, not refused.
    let mut p = Profile::builtin("norway-passport").unwrap();
    p.chip.bac_refusal = Some("6300".into());
    let wrong = read(p).expect_err("6300");
    assert!(
        !matches!(
            wrong,
            ReadError::Bac(emrtd_access::bac::BacError::Refused(_))
        ),
        "{wrong:?}"
    );
}

#[test]
fn a_chip_without_access_control_is_read_in_plain_and_the_report_says_so() {
    // Field quirk A19 (Nigerian passport): no BAC, no PACE, EF.COM readable in plain.
    let p = Profile::builtin("norway-passport").unwrap();
    let plain = emrtd_sim::hostile::PlainChip::from_chip(&VirtualChip::new(p.clone()).unwrap());
    let doc = read_document(plain, &key_for(&p), &ReadOptions::default()).unwrap();
    assert_eq!(doc.access.protocol, AccessProtocol::None);
    let note = doc.access.note.clone().unwrap_or_default();
    assert!(note.contains("without secure messaging"), "{note}");
    assert!(doc.files.contains_key(&EfId::Dg(1)));
    assert!(doc.files.contains_key(&EfId::Sod));
}

#[test]
fn an_empty_active_authentication_answer_with_9000_is_a_failed_check() {
    // Field quirk C3: recent Chinese passports return 0 bytes to an extended-length Le.
    for key in ["rsa-2048", "ec-p256"] {
        let (status, reason) = aa_status(key, "empty");
        assert_eq!(status, emrtd_auth::CheckStatus::Failed, "{key}: {reason}");
        assert!(reason.contains("no signature"), "{key}: {reason}");
    }
}
