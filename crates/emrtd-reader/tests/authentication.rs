//! Verdicts of full reads of virtual chips: Passive Authentication against the test CSCA,
//! Active Authentication with each key type, PACE-CAM, and chips that fail them.

use emrtd_auth::{CheckStatus, TrustStore, Verdict};
use emrtd_reader::{read_document, verify_document, AccessKey, EfId, ReadOptions};
use emrtd_sim::profile::PaceConfig;
use emrtd_sim::{Profile, VirtualChip};

fn trust() -> TrustStore {
    let mut t = TrustStore::new();
    t.add_der_certificate(emrtd_sim::pki::TEST_CSCA).unwrap();
    t
}

fn profile(aa: &str) -> Profile {
    // With its face: DG2 is mandatory, and a document without it is not valid.
    let mut p = Profile::builtin("norway-id").unwrap();
    p.active_authentication = aa.into();
    p
}

fn read(p: Profile) -> emrtd_reader::Document {
    read_document(
        VirtualChip::new(p).unwrap(),
        &AccessKey::from_can("123456").unwrap(),
        &ReadOptions::default(),
    )
    .unwrap()
}

#[test]
fn active_authentication_with_every_key_type() {
    for aa in [
        "rsa-2048",
        "rsa-2048-sha256",
        "ec-p256",
        "ec-brainpoolp256r1",
    ] {
        let doc = read(profile(aa));
        let v = verify_document(&doc, &trust());
        assert_eq!(
            v.active_authentication.status(),
            CheckStatus::Passed,
            "{aa}: {}",
            v.active_authentication.reason()
        );
        assert_eq!(v.status, Verdict::Valid, "{aa}: {:?}", v.summary);
    }
}

#[test]
fn a_chip_whose_key_does_not_match_dg15_fails_active_authentication() {
    // DG15 announces the P-256 key, the chip signs with brainpoolP256r1: a clone's behaviour.
    let mut p = profile("ec-brainpoolp256r1");
    let other = VirtualChip::new(profile("ec-p256")).unwrap();
    p.files
        .insert("DG15".into(), hex::encode(other.file("DG15").unwrap()));
    let doc = read(p);
    let v = verify_document(&doc, &trust());
    assert_eq!(v.passive_authentication.status, Verdict::Valid);
    assert_eq!(v.active_authentication.status(), CheckStatus::Failed);
    assert_eq!(v.status, Verdict::Invalid);
    assert!(!v.valid);
}

#[test]
fn pace_cam_and_card_security_are_verified() {
    let mut p = profile("none");
    p.access.pace = vec![PaceConfig {
        mapping: "CAM".into(),
        cipher: "AES-128".into(),
        parameter_id: 13,
    }];
    let doc = read(p);
    let v = verify_document(&doc, &trust());
    assert_eq!(v.pace_cam.status(), CheckStatus::Passed);
    assert_eq!(v.card_security.as_ref().unwrap().status, Verdict::Valid);
    assert_eq!(v.status, Verdict::Valid);
}

#[test]
fn without_a_trust_anchor_nothing_is_valid() {
    let doc = read(profile("ec-p256"));
    let v = verify_document(&doc, &TrustStore::new());
    assert_eq!(v.passive_authentication.status, Verdict::Unverified);
    assert_eq!(v.passive_authentication.chain_valid, None);
    assert_eq!(v.status, Verdict::Unverified);
    assert!(!v.valid);
}

#[test]
fn skipped_checks_are_reported_as_skipped() {
    let mut p = profile("none");
    p.chip_authentication = None;
    let doc = read(p);
    let v = verify_document(&doc, &trust());
    assert_eq!(v.active_authentication.status(), CheckStatus::Skipped);
    assert_eq!(v.chip_authentication.status(), CheckStatus::Skipped);
    assert!(v
        .summary
        .iter()
        .any(|l| l.contains("clone detection: not checked")));
}

fn with_ca(mut p: Profile, cipher: &str, id: u32) -> Profile {
    p.chip_authentication = Some(emrtd_sim::profile::CaConfig {
        cipher: cipher.into(),
        parameter_id: id,
        key_id: Some(1),
    });
    p
}

#[test]
fn chip_authentication_after_pace_and_after_bac_then_active_authentication() {
    for (cipher, id) in [
        ("AES-128", 13),
        ("AES-256", 12),
        ("3DES", 13),
        ("AES-128", 2),
        ("3DES", 0),
    ] {
        // After PACE, with AA afterwards under the Chip Authentication session.
        let doc = read(with_ca(profile("rsa-2048-sha256"), cipher, id));
        let v = verify_document(&doc, &trust());
        assert_eq!(
            v.chip_authentication.status(),
            CheckStatus::Passed,
            "{cipher} {id}: {}",
            v.chip_authentication.reason()
        );
        assert_eq!(
            v.active_authentication.status(),
            CheckStatus::Passed,
            "{cipher} {id}"
        );
        assert_eq!(v.status, Verdict::Valid, "{cipher} {id}: {:?}", v.summary);
    }
    // After BAC.
    let p = with_ca(Profile::builtin("norway-passport").unwrap(), "3DES", 13);
    let key = AccessKey::from_mrz(&p.parsed_mrz().unwrap()).unwrap();
    let doc = read_document(VirtualChip::new(p).unwrap(), &key, &ReadOptions::default()).unwrap();
    assert_eq!(doc.access.protocol, emrtd_reader::AccessProtocol::Bac);
    let v = verify_document(&doc, &trust());
    assert_eq!(
        v.chip_authentication.status(),
        CheckStatus::Passed,
        "{}",
        v.chip_authentication.reason()
    );
    assert_eq!(v.status, Verdict::Valid);
}

#[test]
fn a_cloned_chip_fails_chip_authentication() {
    // DG14 (signed in EF.SOD) holds another chip's key: the clone cannot derive the session keys.
    let genuine = VirtualChip::new(with_ca(profile("none"), "AES-128", 13)).unwrap();
    let mut clone = with_ca(profile("none"), "AES-128", 13);
    clone
        .files
        .insert("DG14".into(), hex::encode(genuine.file("DG14").unwrap()));
    let doc = read(clone);
    let v = verify_document(&doc, &trust());
    assert_eq!(v.passive_authentication.status, Verdict::Valid);
    assert_eq!(
        v.chip_authentication.status(),
        CheckStatus::Failed,
        "{}",
        v.chip_authentication.reason()
    );
    assert_eq!(v.status, Verdict::Invalid);
    // The reader re-opened the chip and still read every file.
    assert!(doc.files.contains_key(&emrtd_reader::EfId::Dg(1)));
}

#[test]
fn a_chip_refusing_dg15_is_not_valid() {
    // A clone that answers 6982 ("needs Extended Access Control") for DG15 would avoid Active
    // Authentication; only DG3 and DG4 may be refused.
    let mut doc = read(profile("rsa-2048"));
    let dg15 = doc.files.remove(&EfId::Dg(15)).unwrap();
    assert!(!dg15.is_empty());
    doc.refused
        .insert(EfId::Dg(15), emrtd_reader::Refusal::AccessDenied);
    doc.active_authentication = None;
    let v = verify_document(&doc, &trust());
    assert_eq!(v.status, Verdict::Invalid, "{:?}", v.summary);
    assert!(
        v.passive_authentication
            .errors
            .iter()
            .any(|e| e.contains("DG15")),
        "{:?}",
        v.passive_authentication.errors
    );
}

#[test]
fn lds_decode_errors_fail_the_verdict_and_findings_are_listed() {
    // A signed DG11 that cannot be decoded (its content is not BER-TLV): invalid.
    let mut p = profile("none");
    p.files.insert("DG11".into(), "6B04FF000000".into());
    let v = verify_document(&read(p), &trust());
    assert_eq!(v.passive_authentication.status, Verdict::Valid);
    assert_eq!(v.lds_conformance.status(), CheckStatus::Failed);
    assert!(!v.lds_conformance.informational);
    assert!(
        v.lds_conformance.reason().contains("DG11"),
        "{}",
        v.lds_conformance.reason()
    );
    assert_eq!(v.status, Verdict::Invalid);

    // A readable EF.COM that breaks a rule (an LDS version this reader does not know): listed,
    // not counted.
    let mut p = profile("none");
    let chip = VirtualChip::new(p.clone()).unwrap();
    let com = chip.file("COM").unwrap().to_vec();
    let mut changed = com.clone();
    let at = com
        .windows(3)
        .position(|w| w == [0x5F, 0x01, 0x04])
        .unwrap()
        + 3;
    changed[at..at + 4].copy_from_slice(b"0199");
    p.files.insert("COM".into(), hex::encode(&changed));
    let v = verify_document(&read(p), &trust());
    assert_eq!(
        v.lds_conformance.status(),
        CheckStatus::Failed,
        "{:?}",
        v.summary
    );
    assert!(v.lds_conformance.informational);
    assert_eq!(v.status, Verdict::Valid, "{:?}", v.summary);
    assert!(v
        .summary
        .iter()
        .any(|l| l.contains("findings (not counted)")));
}

#[test]
fn document_expiry_is_reported_and_never_changes_the_verdict() {
    // The specimen ID card expires on 2026-06-11.
    let doc = read(profile("none"));
    let on = |y, m, d| emrtd_reader::document_validity(&doc, emrtd_mrz::Date::new(y, m, d));
    let before = on(2026, 6, 11);
    assert_eq!(before.status(), CheckStatus::Passed);
    assert_eq!(before.reason(), "valid until 2026-06-11");
    let after = on(2026, 6, 12);
    assert_eq!(after.status(), CheckStatus::Failed);
    assert!(after.informational);
    assert!(after.reason().contains("expired on 2026-06-11"));
    assert_eq!(
        emrtd_reader::document_validity(&doc, None).status(),
        CheckStatus::Skipped
    );
    let v = verify_document(&doc, &trust());
    assert!(v.document_validity.informational);
    assert_eq!(v.status, Verdict::Valid, "{:?}", v.summary);
    assert!(v
        .summary
        .iter()
        .any(|l| l.starts_with("document validity: ")));
}
