//! The exported API driven as an app would: a callback transport (here in Rust) forwards every
//! APDU to a virtual chip.

#![cfg(feature = "sim")]

mod common;

use common::Events;
use emrtd_ffi::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const ID_MRZ: &str =
    "CANORGDC0001273230456<12345<<<\n5604230M2606118NOR<<<<<<<<<<<9\nOESTENBYEN<<AASAMUND<SPECIMEN<";

/// A transport that forwards to a virtual card, counts APDUs and can lose the tag.
struct Forward {
    card: Arc<VirtualCard>,
    apdus: Arc<AtomicUsize>,
    /// Lose the tag on this APDU (1-based), once.
    lose_at: Mutex<Option<usize>>,
    /// What `reconnect` does: reset the card (true) or fail (false).
    can_reconnect: bool,
    io_error_at: Option<usize>,
}

impl Forward {
    fn new(card: Arc<VirtualCard>) -> Self {
        Forward {
            card,
            apdus: Arc::new(AtomicUsize::new(0)),
            lose_at: Mutex::new(None),
            can_reconnect: false,
            io_error_at: None,
        }
    }
}

impl NfcTransport for Forward {
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, NfcError> {
        let n = self.apdus.fetch_add(1, Ordering::SeqCst) + 1;
        if self.io_error_at == Some(n) {
            return Err(NfcError::Io {
                reason: "antenna overheated".into(),
            });
        }
        let mut lose = self.lose_at.lock().unwrap();
        if *lose == Some(n) {
            *lose = None;
            self.card.reset();
            return Err(NfcError::TagLost);
        }
        self.card.transceive(apdu)
    }

    fn reconnect(&self) -> Result<(), NfcError> {
        if self.can_reconnect {
            self.card.reset();
            Ok(())
        } else {
            Err(NfcError::TagLost)
        }
    }
}

fn can() -> Arc<AccessKey> {
    AccessKey::from_can("123456".into()).unwrap()
}

fn test_trust() -> Arc<TrustStore> {
    let t = TrustStore::new();
    let added = t.add_der_certificate(virtual_card_test_csca()).unwrap();
    assert_eq!(added.csca, 1);
    assert_eq!(t.csca_count(), 1);
    t
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("emrtd-ffi-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The Norwegian ID card profile with extra files and PACE mapping.
fn id_profile(mapping: &str, files: &[(&str, Vec<u8>)]) -> String {
    let lines: Vec<String> = ID_MRZ.lines().map(|l| format!("{l:?}")).collect();
    let mut t = format!(
        "name = \"test\"\nmrz = [{}]\ncan = \"123456\"\n[access]\nbac = false\n\
         [[access.pace]]\nmapping = \"{mapping}\"\ncipher = \"AES-128\"\nparameter_id = 13\n\
         [chip]\nmax_read = 2048\nextended_length = true\n[files]\n",
        lines.join(", ")
    );
    for (name, bytes) in files {
        t.push_str(&format!("{name} = \"{}\"\n", hex(bytes)));
    }
    t
}

#[test]
fn reads_the_id_card_with_can_through_the_callback_and_verifies_it() {
    let card = VirtualCard::new("norway-id".into()).unwrap();
    assert_eq!(card.can().as_deref(), Some("123456"));
    let transport = Forward::new(card);
    let apdus = transport.apdus.clone();
    let events = Events::default();
    let session = ReadSession::new(Box::new(transport), can(), None);
    let doc = session.read(Some(Box::new(events.clone()))).unwrap();

    let access = doc.access();
    assert_eq!(access.protocol, AccessProtocol::Pace);
    assert_eq!(access.mapping, Some(PaceMapping::Gm));
    assert_eq!(access.parameter_id, Some(13));
    assert_eq!(access.cipher_suite, CipherSuite::Aes128);
    assert_eq!(access.password, PasswordKind::Can);
    assert!(apdus.load(Ordering::SeqCst) > 10);

    let mrz = doc.mrz().unwrap().unwrap();
    assert_eq!(mrz.format, MrzFormat::Td1);
    assert_eq!(mrz.document_number, "GDC000127");
    assert_eq!(mrz.primary_identifier, "OESTENBYEN");
    assert_eq!(mrz.secondary_identifier, "AASAMUND SPECIMEN");
    assert_eq!(mrz.date_of_birth, "560423");
    assert!(mrz.valid);
    assert_eq!(mrz, parse_mrz(ID_MRZ.into()).unwrap());

    let faces = doc.faces().unwrap();
    assert_eq!(faces.len(), 1);
    assert_eq!(faces[0].format, ImageFormat::Jpeg);
    assert_eq!(faces[0].mime_type, "image/jpeg");
    assert!(faces[0].image.starts_with(&[0xFF, 0xD8, 0xFF]));
    #[cfg(feature = "images")]
    {
        let png = doc.face_png().unwrap().unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    }
    assert_eq!(doc.personal_details().unwrap(), None);
    assert_eq!(doc.document_details().unwrap(), None);
    // EF.CardSecurity is read when a check needs it (PACE-CAM); everything else always.
    let mut names = doc.file_names();
    names.retain(|n| n != "CardSecurity");
    assert_eq!(names, ["CardAccess", "COM", "SOD", "DG1", "DG2", "DG14"]);
    assert_eq!(doc.file("DG1".into()), doc.files().get("DG1").cloned());
    assert_eq!(doc.resumes(), 0);

    // Progress: opening, opened, then every file to its end.
    let events = events.0.lock().unwrap();
    assert_eq!(events.first(), Some(&ReadProgress::Opening));
    assert!(matches!(events.get(1), Some(ReadProgress::Opened { access: a }) if *a == access));
    for name in ["COM", "SOD", "DG1", "DG2"] {
        let size = doc.file(name.into()).unwrap().len() as u64;
        assert!(
            events.contains(&ReadProgress::FileDone {
                file: name.into(),
                size
            }),
            "{name}"
        );
    }

    let verdict = doc.verify(test_trust());
    assert_eq!(
        verdict.status,
        VerdictStatus::Valid,
        "{:?}",
        verdict.summary
    );
    assert!(verdict.valid);
    assert_eq!(verdict.passive_authentication.signature_valid, Some(true));
    assert_eq!(verdict.passive_authentication.chain_valid, Some(true));
    let dgs: Vec<_> = verdict
        .passive_authentication
        .data_groups
        .iter()
        .map(|d| (d.data_group.as_str(), d.status))
        .collect();
    assert_eq!(
        dgs,
        [
            ("DG1", DataGroupStatus::Match),
            ("DG2", DataGroupStatus::Match),
            ("DG14", DataGroupStatus::Match)
        ]
    );
    assert_eq!(verdict.chip_authentication.status, CheckStatus::Passed);
    if let Some(cs) = &verdict.card_security {
        assert_eq!(cs.status, VerdictStatus::Valid, "{:?}", cs.errors);
    }
    assert_eq!(verdict.pace_cam.status, CheckStatus::Skipped);

    // Without the trust anchor nothing fails, but nothing is proven either.
    let untrusted = doc.verify(TrustStore::new());
    assert_eq!(untrusted.status, VerdictStatus::Unverified);
    assert!(!untrusted.valid);
}

#[test]
fn pace_cam_is_verified_and_reported() {
    let card = VirtualCard::from_profile_toml(id_profile("CAM", &[])).unwrap();
    let doc = ReadSession::new(Box::new(Forward::new(card)), can(), None)
        .read(None)
        .unwrap();
    assert_eq!(doc.access().mapping, Some(PaceMapping::Cam));
    assert_eq!(
        doc.access().chip_authentication_mapping,
        Some(CheckOutcome::Verified)
    );
    assert_eq!(
        doc.access().chip_authentication_mapping_text.as_deref(),
        Some("passed")
    );
    assert!(doc.file_names().contains(&"CardSecurity".to_string()));
    let verdict = doc.verify(test_trust());
    assert_eq!(
        verdict.card_security.as_ref().map(|c| c.status),
        Some(VerdictStatus::Valid)
    );
    assert_eq!(verdict.pace_cam.status, CheckStatus::Passed);
    assert_eq!(
        verdict.status,
        VerdictStatus::Valid,
        "{:?}",
        verdict.summary
    );
}

#[test]
fn a_wrong_can_is_a_wrong_access_key() {
    let card = VirtualCard::new("norway-id".into()).unwrap();
    let key = AccessKey::from_can("654321".into()).unwrap();
    let err = ReadSession::new(Box::new(Forward::new(card)), key, None)
        .read(None)
        .unwrap_err();
    assert!(matches!(err, EmrtdError::WrongAccessKey(_)), "{err:?}");
    assert!(err.to_string().contains("CAN"), "{err}");
}

#[test]
fn bad_keys_are_refused_before_any_read() {
    assert!(matches!(
        AccessKey::from_can("12a456".into()),
        Err(EmrtdError::InvalidCan(_))
    ));
    // Wrong date-of-birth check digit (0 instead of 8 after 560423).
    let bad = ID_MRZ.replace("5604230M", "5604231M");
    let err = AccessKey::from_mrz(bad).unwrap_err();
    assert!(matches!(err, EmrtdError::InvalidMrz(_)), "{err:?}");
    assert!(err.to_string().contains("date of birth"), "{err}");
    assert!(matches!(
        AccessKey::from_mrz_fields("GDC000127".into(), "5604".into(), "260611".into()),
        Err(EmrtdError::InvalidMrz(_))
    ));
    assert!(matches!(
        parse_mrz("hello".into()),
        Err(EmrtdError::InvalidMrz(_))
    ));
    let parsed = parse_mrz(ID_MRZ.replace("5604230M", "5604231M")).unwrap();
    assert!(!parsed.valid);
    assert!(!parsed.check_errors.is_empty());
    assert_eq!(AccessKey::from_mrz(ID_MRZ.into()).unwrap().kind(), "MRZ");
}

#[test]
fn the_id_card_also_opens_with_its_mrz() {
    let card = VirtualCard::new("norway-id".into()).unwrap();
    let key = AccessKey::from_mrz(card.mrz()).unwrap();
    let doc = ReadSession::new(Box::new(Forward::new(card)), key, None)
        .read(None)
        .unwrap();
    assert_eq!(doc.access().protocol, AccessProtocol::Pace);
    assert_eq!(doc.access().password, PasswordKind::Mrz);
}

#[test]
fn the_passport_opens_with_bac_from_the_mrz_fields() {
    let card = VirtualCard::new("norway-passport".into()).unwrap();
    assert_eq!(card.can(), None);
    let key =
        AccessKey::from_mrz_fields("CCC002251".into(), "560423".into(), "300415".into()).unwrap();
    let options = ReadOptions {
        files: Some(vec!["DG1".into()]),
        ..ReadOptions::default()
    };
    let doc = ReadSession::new(Box::new(Forward::new(card)), key, Some(options))
        .read(None)
        .unwrap();
    assert_eq!(doc.access().protocol, AccessProtocol::Bac);
    assert_eq!(doc.access().cipher_suite, CipherSuite::Tdes);
    assert_eq!(doc.mrz().unwrap().unwrap().format, MrzFormat::Td3);
    assert_eq!(doc.file_names(), ["COM", "DG1"]);
    assert!(doc.faces().unwrap().is_empty());
    #[cfg(feature = "images")]
    assert_eq!(doc.face_png().unwrap(), None);
}

#[test]
fn cancel_stops_the_read_before_the_next_apdu() {
    /// Cancels the session when the first file is done; notes the APDU count then.
    struct CancelOnFirstFile(
        Mutex<Option<Arc<ReadSession>>>,
        Arc<AtomicUsize>,
        AtomicUsize,
    );
    #[derive(Clone)]
    struct Listener(Arc<CancelOnFirstFile>);
    impl ProgressListener for Listener {
        fn on_progress(&self, progress: ReadProgress) {
            if let ReadProgress::FileDone { .. } = progress {
                if let Some(s) = self.0 .0.lock().unwrap().take() {
                    s.cancel();
                    let now = self.0 .1.load(Ordering::SeqCst);
                    self.0 .2.store(now, Ordering::SeqCst);
                }
            }
        }
    }
    let card = VirtualCard::new("norway-id".into()).unwrap();
    let transport = Forward::new(card);
    let apdus = transport.apdus.clone();
    let session = ReadSession::new(Box::new(transport), can(), None);
    let listener = Listener(Arc::new(CancelOnFirstFile(
        Mutex::new(Some(session.clone())),
        apdus.clone(),
        AtomicUsize::new(0),
    )));
    let err = session.read(Some(Box::new(listener.clone()))).unwrap_err();
    assert!(matches!(err, EmrtdError::Cancelled), "{err:?}");
    assert!(session.is_cancelled());
    // Not one APDU after the cancellation.
    assert_eq!(
        apdus.load(Ordering::SeqCst),
        listener.0 .2.load(Ordering::SeqCst)
    );
    assert!(apdus.load(Ordering::SeqCst) > 0);
    // A cancelled session stays cancelled.
    assert!(matches!(session.read(None), Err(EmrtdError::Cancelled)));
}

#[test]
fn a_lost_tag_that_does_not_come_back_is_tag_lost() {
    let card = VirtualCard::new("norway-id".into()).unwrap();
    let transport = Forward::new(card);
    *transport.lose_at.lock().unwrap() = Some(12);
    let err = ReadSession::new(Box::new(transport), can(), None)
        .read(None)
        .unwrap_err();
    assert!(matches!(err, EmrtdError::TagLost), "{err:?}");
}

#[test]
fn a_lost_tag_that_comes_back_resumes_the_read() {
    let card = VirtualCard::new("norway-id".into()).unwrap();
    let mut transport = Forward::new(card);
    transport.can_reconnect = true;
    *transport.lose_at.lock().unwrap() = Some(16);
    let events = Events::default();
    let doc = ReadSession::new(Box::new(transport), can(), None)
        .read(Some(Box::new(events.clone())))
        .unwrap();
    assert_eq!(doc.resumes(), 1);
    let events = events.0.lock().unwrap();
    assert!(events.contains(&ReadProgress::CardLost { attempt: 1, max: 3 }));
    assert!(events
        .iter()
        .any(|e| matches!(e, ReadProgress::Resumed { .. })));
    assert_eq!(doc.verify(test_trust()).status, VerdictStatus::Valid);
}

#[test]
fn transport_failures_and_bad_options_are_typed() {
    let card = VirtualCard::new("norway-id".into()).unwrap();
    let mut transport = Forward::new(card.clone());
    transport.io_error_at = Some(3);
    let err = ReadSession::new(Box::new(transport), can(), None)
        .read(None)
        .unwrap_err();
    assert!(
        matches!(&err, EmrtdError::Nfc(m) if m.contains("antenna overheated")),
        "{err:?}"
    );

    let options = ReadOptions {
        files: Some(vec!["DG99".into()]),
        ..ReadOptions::default()
    };
    let err = ReadSession::new(Box::new(Forward::new(card)), can(), Some(options))
        .read(None)
        .unwrap_err();
    assert!(matches!(err, EmrtdError::InvalidArgument(_)), "{err:?}");
    assert!(matches!(
        VirtualCard::new("atlantis".into()),
        Err(EmrtdError::Simulator(_))
    ));
    assert!(virtual_card_profiles().contains(&"norway-id".to_string()));
}

#[test]
fn dg11_dg12_decode_and_a_dump_verifies_offline() {
    let mut dg11 = emrtd_lds::dg11::Dg11 {
        full_name: Some("OESTENBYEN<<AASAMUND SPECIMEN".into()),
        personal_number: Some("23045612345".into()),
        place_of_birth: Some("OSLO".into()),
        address: Some("STORGATA 1<0150<OSLO".into()),
        ..Default::default()
    };
    dg11.tag_list = dg11.present_tags();
    let mut dg12 = emrtd_lds::dg12::Dg12 {
        issuing_authority: Some("POLITIET".into()),
        date_of_issue: Some("20210611".into()),
        ..Default::default()
    };
    dg12.tag_list = dg12.present_tags();
    let card = VirtualCard::from_profile_toml(id_profile(
        "GM",
        &[("DG11", dg11.encode()), ("DG12", dg12.encode())],
    ))
    .unwrap();
    let doc = ReadSession::new(Box::new(Forward::new(card)), can(), None)
        .read(None)
        .unwrap();
    let details = doc.personal_details().unwrap().unwrap();
    assert_eq!(details.full_name, dg11.full_name);
    assert_eq!(details.personal_number.as_deref(), Some("23045612345"));
    assert_eq!(details.place_of_birth.as_deref(), Some("OSLO"));
    assert_eq!(details.address, dg11.address);
    let doc_details = doc.document_details().unwrap().unwrap();
    assert_eq!(doc_details.issuing_authority.as_deref(), Some("POLITIET"));
    assert_eq!(doc_details.date_of_issue.as_deref(), Some("20210611"));

    let trust = test_trust();
    assert_eq!(doc.verify(trust.clone()).status, VerdictStatus::Valid);

    let dir = temp_dir("dump");
    let written = doc.save_dump(dir.display().to_string()).unwrap();
    assert_eq!(written.len(), doc.file_names().len());
    let v = verify_dump(dir.display().to_string(), trust.clone()).unwrap();
    assert_eq!(
        v.status,
        VerdictStatus::Valid,
        "{:?}",
        v.passive_authentication.errors
    );
    assert!(v.valid);
    assert!(v.files.contains(&"DG11.bin".to_string()));
    assert_eq!(v.passive_authentication.data_groups.len(), 4);

    // One changed byte in DG11 is caught.
    let path = dir.join("DG11.bin");
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();
    let v = verify_dump(dir.display().to_string(), trust).unwrap();
    assert_eq!(v.status, VerdictStatus::Invalid);
    assert!(v
        .passive_authentication
        .data_groups
        .contains(&DataGroupCheck {
            data_group: "DG11".into(),
            status: DataGroupStatus::Mismatch
        }));
    let _ = std::fs::remove_dir_all(&dir);

    assert!(matches!(
        verify_dump("/nonexistent/emrtd-dump".into(), TrustStore::new()),
        Err(EmrtdError::Io(_))
    ));
    assert!(matches!(
        TrustStore::new().add_der_certificate(vec![0x30, 0x03, 0x02, 0x01]),
        Err(EmrtdError::InvalidCertificate(_))
    ));
    #[cfg(feature = "images")]
    assert!(matches!(
        face_to_png(b"not an image".to_vec()),
        Err(EmrtdError::Image(_))
    ));
}
