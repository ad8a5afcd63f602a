//! Terminal Authentication end to end: a BAC passport and a PACE ID card with Chip
//! Authentication and EAC (virtual chips) holding the BSI 2008 specimen's DG3/DG4, read with a
//! test PKI built here (P-256 keys from seeded RNGs: public test keys).

use emrtd_eac::cert::{CertificateBody, CvPublicKey};
use emrtd_eac::*;
use emrtd_reader::{
    read_document, AccessKey, CheckOutcome, Document, EfId, ReadOptions, Refusal, TaVersionChoice,
    TerminalAuthConfig,
};
use emrtd_sim::profile::{CaConfig, EacConfig};
use emrtd_sim::{Profile, VirtualChip};
use p256::pkcs8::EncodePrivateKey;
use rand::SeedableRng;
use std::sync::Arc;

const DG3: &[u8] = include_bytes!("../../../fixtures/lds/bsi2008/Datagroup3.bin");
const DG4: &[u8] = include_bytes!("../../../fixtures/lds/bsi2008/Datagroup4.bin");

fn rng(seed: u64) -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(seed)
}

fn key(seed: u64) -> Pkcs8Signer {
    let der = p256::SecretKey::random(&mut rng(seed))
        .to_pkcs8_der()
        .unwrap()
        .as_bytes()
        .to_vec();
    Pkcs8Signer::from_pkcs8_der(
        &der,
        TaAlgorithm::Ecdsa(HashAlg::Sha256),
        Box::new(rng(seed + 1000)),
    )
    .unwrap()
}

fn date(s: &str) -> CvDate {
    let v: Vec<u16> = s.split('-').map(|x| x.parse().unwrap()).collect();
    CvDate::new(v[0], v[1] as u8, v[2] as u8).unwrap()
}

#[allow(clippy::too_many_arguments)]
fn issue(
    issuer: &Pkcs8Signer,
    subject: &Pkcs8Signer,
    car: &str,
    chr: &str,
    chat: Chat,
    from: &str,
    to: &str,
    with_domain: bool,
) -> CvCertificate {
    let mut data = subject.public_key_data().unwrap();
    if let (true, KeyData::Ec { domain, .. }) = (with_domain, &mut data) {
        *domain = subject.ec_domain();
    }
    let body = CertificateBody {
        profile_identifier: 0,
        car: CvReference::from_text(car).unwrap(),
        public_key: CvPublicKey {
            algorithm: subject.algorithm(),
            data,
        },
        chr: CvReference::from_text(chr).unwrap(),
        chat,
        effective_date: date(from),
        expiration_date: date(to),
        extensions: None,
    };
    let sig = issuer.sign(&body.encode()).unwrap();
    CvCertificate::from_parts(body, sig)
}

/// A CVCA (self-signed), and a DV → IS chain issued under it.
struct Pki {
    cvca: CvCertificate,
    chain: Vec<CvCertificate>,
}

fn pki(cvca_seed: u64, cvca_chr: &str, is_rights: IsRights, is_to: &str) -> Pki {
    let cvca_key = key(cvca_seed);
    let dv_key = key(cvca_seed + 1);
    let is_key = key(3);
    let cvca = issue(
        &cvca_key,
        &cvca_key,
        cvca_chr,
        cvca_chr,
        Chat::inspection_system(Role::Cvca, IsRights::DG3_DG4),
        "2026-01-01",
        "2029-01-01",
        true,
    );
    let dv = issue(
        &cvca_key,
        &dv_key,
        cvca_chr,
        "NODVPOLICE001",
        Chat::inspection_system(Role::DvOfficialDomestic, IsRights::DG3_DG4),
        "2026-11-01",
        "2027-02-01",
        false,
    );
    let is = issue(
        &dv_key,
        &is_key,
        "NODVPOLICE001",
        "NOISGATE00042",
        Chat::inspection_system(Role::Terminal, is_rights),
        "2026-12-01",
        is_to,
        false,
    );
    Pki {
        cvca,
        chain: vec![dv, is],
    }
}

/// The chip trusts the CVCA of `pki(1, "NOCVCA00001", …)`; its current date is 2026-12-06.
fn chip() -> VirtualChip {
    eac_chip("norway-passport", false)
}

/// An EAC chip from a built-in profile: `norway-passport` (BAC, Chip Authentication added)
/// or `norway-id` (PACE with the MRZ or the CAN 123456, Chip Authentication), with the BSI
/// 2008 specimen's DG3/DG4; `static_binding`: ID_PICC after PACE is the document number or
/// the CAN (older documents).
fn eac_chip(base: &str, static_binding: bool) -> VirtualChip {
    let mut p = Profile::builtin(base).unwrap();
    if p.chip_authentication.is_none() {
        p.chip_authentication = Some(CaConfig {
            cipher: "3DES".into(),
            parameter_id: 12,
            key_id: None,
        });
    }
    p.eac = Some(EacConfig {
        cvca: hex::encode(
            pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01")
                .cvca
                .encode(),
        ),
        date: "2026-12-06".into(),
        static_binding,
        ..Default::default()
    });
    p.files.insert("DG3".into(), hex::encode(DG3));
    p.files.insert("DG4".into(), hex::encode(DG4));
    VirtualChip::new(p).unwrap()
}

fn read(ta: Option<TerminalAuthConfig>) -> Document {
    let chip = chip();
    let key = AccessKey::from_mrz(&chip.profile().parsed_mrz().unwrap()).unwrap();
    let options = ReadOptions {
        terminal_authentication: ta,
        ..ReadOptions::default()
    };
    read_document(chip, &key, &options).unwrap()
}

/// How the reader opens the PACE chip.
#[derive(Debug, Clone, Copy)]
enum Pace {
    Mrz,
    Can,
}

/// Read `chip` with PACE (recording every APDU) and Terminal Authentication `ta`.
fn read_after_pace(
    chip: &mut VirtualChip,
    password: Pace,
    ta: Option<TerminalAuthConfig>,
) -> Document {
    let key = match password {
        Pace::Mrz => AccessKey::from_mrz(&chip.profile().parsed_mrz().unwrap()).unwrap(),
        Pace::Can => AccessKey::from_can("123456").unwrap(),
    };
    let options = ReadOptions {
        terminal_authentication: ta,
        ..ReadOptions::default()
    };
    chip.record();
    let doc = read_document(&mut *chip, &key, &options).unwrap();
    assert_eq!(doc.access.protocol, emrtd_reader::AccessProtocol::Pace);
    doc
}

/// The commands of the recorded session by what they are (INS and P1/P2 are not encrypted by
/// secure messaging): `PACE` (MSE:Set AT for PACE), `CA` (MSE for Chip Authentication), `TA`
/// (MSE:Set DST), `DG3` (a read of DG3 by short EF identifier), consecutive repeats merged.
fn protocol_order(chip: &VirtualChip) -> Vec<&'static str> {
    let mut order: Vec<&'static str> = Vec::new();
    for (cmd, _) in chip.recorded() {
        let what = match (cmd[1], cmd[2], cmd[3]) {
            (0x22, 0xC1, 0xA4) => "PACE",
            (0x22, 0x41, _) => "CA",
            (0x22, 0x81, 0xB6) => "TA",
            (0xB0, 0x83, _) => "DG3",
            _ => continue,
        };
        if order.last() != Some(&what) {
            order.push(what);
        }
    }
    order
}
fn config(chain: Vec<CvCertificate>, signer_seed: u64) -> Option<TerminalAuthConfig> {
    Some(TerminalAuthConfig::new(chain, Arc::new(key(signer_seed))))
}

fn failure(doc: &Document) -> String {
    match &doc.terminal_authentication.as_ref().unwrap().outcome {
        CheckOutcome::Failed(why) => why.clone(),
        other => panic!("expected a failure, got {other}"),
    }
}

#[test]
fn dg3_and_dg4_are_read_after_terminal_authentication_with_a_valid_chain_and_key() {
    let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
    let doc = read(config(p.chain, 3));
    let ta = doc.terminal_authentication.as_ref().unwrap();
    assert_eq!(ta.outcome, CheckOutcome::Verified);
    assert_eq!(ta.rights, IsRights::DG3_DG4);
    assert_eq!(ta.version, Some(TaVersion::V1));
    assert_eq!(ta.cvca.as_ref().unwrap().to_string(), "NOCVCA00001");
    assert_eq!(doc.files.get(&EfId::Dg(3)).map(Vec::as_slice), Some(DG3));
    assert_eq!(doc.files.get(&EfId::Dg(4)).map(Vec::as_slice), Some(DG4));
    assert!(doc.refused.is_empty(), "{:?}", doc.refused);
    assert!(doc.files.contains_key(&EfId::Cvca));
}

#[test]
fn without_terminal_authentication_dg3_and_dg4_are_refused_and_the_report_says_why() {
    let doc = read(None);
    let ta = doc.terminal_authentication.as_ref().unwrap();
    assert!(!ta.configured);
    assert!(matches!(ta.outcome, CheckOutcome::NotPerformed(_)));
    assert_eq!(
        doc.refused.get(&EfId::Dg(3)),
        Some(&Refusal::NoTerminalAuthentication)
    );
    assert_eq!(
        doc.refused.get(&EfId::Dg(4)),
        Some(&Refusal::NoTerminalAuthentication)
    );
}

#[test]
fn an_expired_terminal_certificate_is_refused_by_the_chip() {
    // The chip's date is 2026-12-06; the IS certificate expired on 2026-12-03.
    let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2026-12-03");
    let doc = read(config(p.chain, 3));
    assert!(
        failure(&doc).contains("refused certificate NOISGATE00042"),
        "{}",
        failure(&doc)
    );
    assert_eq!(
        doc.refused.get(&EfId::Dg(3)),
        Some(&Refusal::TerminalAuthenticationFailed)
    );
    assert_eq!(
        doc.refused.get(&EfId::Dg(4)),
        Some(&Refusal::TerminalAuthenticationFailed)
    );
}

#[test]
fn a_terminal_without_the_fingerprint_right_reads_dg4_but_not_dg3() {
    let iris = IsRights::default().with(IsRight::ReadDg4);
    let p = pki(1, "NOCVCA00001", iris, "2027-01-01");
    let doc = read(config(p.chain, 3));
    let ta = doc.terminal_authentication.as_ref().unwrap();
    assert_eq!(ta.outcome, CheckOutcome::Verified);
    assert_eq!(ta.rights, iris);
    assert_eq!(doc.refused.get(&EfId::Dg(3)), Some(&Refusal::RightMissing));
    assert_eq!(doc.files.get(&EfId::Dg(4)).map(Vec::as_slice), Some(DG4));
}

#[test]
fn a_chain_from_a_cvca_the_chip_does_not_list_is_not_sent() {
    let p = pki(50, "XXCVCA00009", IsRights::DG3_DG4, "2027-01-01");
    let doc = read(config(p.chain, 3));
    let why = failure(&doc);
    assert!(why.contains("EF.CVCA lists NOCVCA00001"), "{why}");
    assert!(why.contains("XXCVCA00009"), "{why}");
    assert_eq!(
        doc.refused.get(&EfId::Dg(3)),
        Some(&Refusal::TerminalAuthenticationFailed)
    );
}

#[test]
fn a_wrong_terminal_key_is_rejected_at_external_authenticate() {
    let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
    let doc = read(config(p.chain, 77));
    let why = failure(&doc);
    assert!(why.contains("rejected the terminal's signature"), "{why}");
    assert_eq!(
        doc.refused.get(&EfId::Dg(4)),
        Some(&Refusal::TerminalAuthenticationFailed)
    );
}

#[test]
fn after_the_card_is_lost_terminal_authentication_runs_again_before_dg3_and_dg4() {
    let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
    let mut chip = chip();
    let key = AccessKey::from_mrz(&chip.profile().parsed_mrz().unwrap()).unwrap();
    // Lost after 90 APDUs: after Terminal Authentication, before DG3/DG4 are complete (the
    // chip forgets the granted rights when it loses power).
    chip.lose_card_after(90);
    let options = ReadOptions {
        terminal_authentication: config(p.chain, 3),
        ..ReadOptions::default()
    };
    let doc = read_document(chip, &key, &options).unwrap();
    assert_eq!(doc.resumes, 1);
    assert_eq!(
        doc.terminal_authentication.as_ref().unwrap().outcome,
        CheckOutcome::Verified
    );
    // The chip grants DG3/DG4 only after TA in the new session: reading them proves it ran.
    assert_eq!(doc.files.get(&EfId::Dg(3)).map(Vec::as_slice), Some(DG3));
    assert_eq!(doc.files.get(&EfId::Dg(4)).map(Vec::as_slice), Some(DG4));
}

#[test]
fn after_pace_terminal_authentication_follows_chip_authentication_and_binds_to_the_pace_key() {
    // The chip checks the signature over ID_PICC = Comp(its ephemeral PACE key) (dynamic
    // binding, TR-03110-1 §3.5): with the MRZ and with the CAN as PACE password.
    for password in [Pace::Mrz, Pace::Can] {
        let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
        let mut chip = eac_chip("norway-id", false);
        let doc = read_after_pace(&mut chip, password, config(p.chain, 3));
        let ta = doc.terminal_authentication.as_ref().unwrap();
        assert_eq!(ta.outcome, CheckOutcome::Verified, "{password:?}");
        assert_eq!(ta.rights, IsRights::DG3_DG4);
        assert_eq!(ta.version, Some(TaVersion::V1));
        assert_eq!(doc.files.get(&EfId::Dg(3)).map(Vec::as_slice), Some(DG3));
        assert_eq!(doc.files.get(&EfId::Dg(4)).map(Vec::as_slice), Some(DG4));
        assert!(doc.refused.is_empty(), "{:?}", doc.refused);
        // PACE → Chip Authentication → Terminal Authentication → DG3, PACE once (the dynamic
        // binding was accepted: no retry with the static one).
        assert_eq!(
            protocol_order(&chip),
            ["PACE", "CA", "TA", "DG3"],
            "{password:?}"
        );
    }
}

#[test]
fn after_pace_cam_terminal_authentication_binds_to_the_terminals_pace_key_without_chip_authentication(
) {
    let mut chip = {
        let mut p = Profile::builtin("norway-id").unwrap();
        p.access.pace = vec![emrtd_sim::profile::PaceConfig {
            mapping: "CAM".into(),
            cipher: "AES-128".into(),
            parameter_id: 13,
        }];
        p.chip_authentication = None;
        p.eac = Some(EacConfig {
            cvca: hex::encode(
                pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01")
                    .cvca
                    .encode(),
            ),
            date: "2026-12-06".into(),
            static_binding: false,
            ..Default::default()
        });
        p.files.insert("DG3".into(), hex::encode(DG3));
        p.files.insert("DG4".into(), hex::encode(DG4));
        VirtualChip::new(p).unwrap()
    };
    let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
    let doc = read_after_pace(&mut chip, Pace::Can, config(p.chain, 3));
    assert_eq!(
        doc.access.chip_authentication_mapping,
        Some(CheckOutcome::Verified)
    );
    assert_eq!(
        doc.terminal_authentication.as_ref().unwrap().outcome,
        CheckOutcome::Verified
    );
    assert_eq!(doc.files.get(&EfId::Dg(3)).map(Vec::as_slice), Some(DG3));
    assert_eq!(protocol_order(&chip), ["PACE", "TA", "DG3"]);
}

#[test]
fn an_older_document_with_the_static_binding_is_read_after_the_dynamic_binding_is_rejected() {
    // ID_PICC is the document number (PACE with the MRZ) or the CAN: the chip rejects the
    // dynamic binding's signature, the reader opens the chip again and signs the static one.
    for password in [Pace::Mrz, Pace::Can] {
        let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
        let mut chip = eac_chip("norway-id", true);
        let doc = read_after_pace(&mut chip, password, config(p.chain, 3));
        assert_eq!(
            doc.terminal_authentication.as_ref().unwrap().outcome,
            CheckOutcome::Verified,
            "{password:?}"
        );
        assert_eq!(doc.files.get(&EfId::Dg(4)).map(Vec::as_slice), Some(DG4));
        assert_eq!(
            protocol_order(&chip),
            ["PACE", "CA", "TA", "PACE", "CA", "TA", "DG3"],
            "{password:?}"
        );
    }
}

#[test]
fn after_pace_an_expired_chain_a_missing_right_an_unknown_cvca_and_a_wrong_key_are_refused() {
    for password in [Pace::Mrz, Pace::Can] {
        // Expired IS certificate (the chip's date is 2026-12-06).
        let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2026-12-03");
        let doc = read_after_pace(
            &mut eac_chip("norway-id", false),
            password,
            config(p.chain, 3),
        );
        assert!(
            failure(&doc).contains("refused certificate NOISGATE00042"),
            "{}",
            failure(&doc)
        );
        for dg in [3, 4] {
            assert_eq!(
                doc.refused.get(&EfId::Dg(dg)),
                Some(&Refusal::TerminalAuthenticationFailed)
            );
        }

        // Without the fingerprint right: DG4 read, DG3 refused.
        let iris = IsRights::default().with(IsRight::ReadDg4);
        let p = pki(1, "NOCVCA00001", iris, "2027-01-01");
        let doc = read_after_pace(
            &mut eac_chip("norway-id", false),
            password,
            config(p.chain, 3),
        );
        assert_eq!(doc.terminal_authentication.as_ref().unwrap().rights, iris);
        assert_eq!(doc.refused.get(&EfId::Dg(3)), Some(&Refusal::RightMissing));
        assert_eq!(doc.files.get(&EfId::Dg(4)).map(Vec::as_slice), Some(DG4));

        // A chain from a CVCA the chip does not list.
        let p = pki(50, "XXCVCA00009", IsRights::DG3_DG4, "2027-01-01");
        let doc = read_after_pace(
            &mut eac_chip("norway-id", false),
            password,
            config(p.chain, 3),
        );
        let why = failure(&doc);
        assert!(why.contains("EF.CVCA lists NOCVCA00001"), "{why}");
        assert_eq!(
            doc.refused.get(&EfId::Dg(3)),
            Some(&Refusal::TerminalAuthenticationFailed)
        );

        // A wrong terminal key: rejected with the dynamic binding, and with the static one.
        let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
        let mut chip = eac_chip("norway-id", false);
        let doc = read_after_pace(&mut chip, password, config(p.chain, 77));
        let why = failure(&doc);
        assert!(why.contains("rejected the terminal's signature"), "{why}");
        assert!(why.contains("static binding"), "{why}");
        assert_eq!(
            doc.refused.get(&EfId::Dg(4)),
            Some(&Refusal::TerminalAuthenticationFailed)
        );
        // Both bindings tried, each in its own session; DG3 then asked for and refused.
        assert_eq!(
            protocol_order(&chip),
            ["PACE", "CA", "TA", "PACE", "CA", "TA", "DG3"],
            "{password:?}"
        );
    }
}

#[test]
fn after_pace_the_chip_forgets_the_rights_when_the_card_is_lost_and_terminal_authentication_runs_again(
) {
    let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
    let mut chip = eac_chip("norway-id", false);
    chip.lose_card_after(40);
    let doc = read_after_pace(&mut chip, Pace::Mrz, config(p.chain, 3));
    assert_eq!(doc.resumes, 1);
    assert_eq!(
        doc.terminal_authentication.as_ref().unwrap().outcome,
        CheckOutcome::Verified
    );
    assert_eq!(doc.files.get(&EfId::Dg(3)).map(Vec::as_slice), Some(DG3));
    assert_eq!(doc.files.get(&EfId::Dg(4)).map(Vec::as_slice), Some(DG4));
}

/// The `norway-id` chip (PACE, Chip Authentication AES-128 on brainpoolP256r1) with Terminal
/// Authentication version 2: its Chip Authentication key is a version 2 key, DG14 and
/// EF.CardAccess list TerminalAuthenticationInfo version 2.
fn eac_chip_v2() -> VirtualChip {
    let mut p = Profile::builtin("norway-id").unwrap();
    assert!(p.chip_authentication.is_some());
    p.eac = Some(EacConfig {
        cvca: hex::encode(
            pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01")
                .cvca
                .encode(),
        ),
        date: "2026-12-06".into(),
        version: 2,
        ..Default::default()
    });
    p.files.insert("DG3".into(), hex::encode(DG3));
    p.files.insert("DG4".into(), hex::encode(DG4));
    VirtualChip::new(p).unwrap()
}

fn chip_authentication(doc: &Document) -> &emrtd_auth::Check {
    doc.chip_authentication.as_ref().unwrap()
}

#[test]
fn ta_v2_after_pace_is_followed_by_chip_authentication_v2_and_dg3_and_dg4_are_read() {
    for password in [Pace::Mrz, Pace::Can] {
        let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
        let mut chip = eac_chip_v2();
        let doc = read_after_pace(&mut chip, password, config(p.chain, 3));
        let ta = doc.terminal_authentication.as_ref().unwrap();
        assert_eq!(ta.outcome, CheckOutcome::Verified, "{password:?}");
        assert_eq!(ta.version, Some(TaVersion::V2));
        assert_eq!(ta.rights, IsRights::DG3_DG4);
        let ca = chip_authentication(&doc);
        assert_eq!(ca.status, emrtd_auth::CheckStatus::Passed, "{}", ca.reason);
        assert!(ca.reason.contains("version 2"), "{}", ca.reason);
        assert_eq!(doc.files.get(&EfId::Dg(3)).map(Vec::as_slice), Some(DG3));
        assert_eq!(doc.files.get(&EfId::Dg(4)).map(Vec::as_slice), Some(DG4));
        assert!(doc.refused.is_empty(), "{:?}", doc.refused);
        // PACE → Terminal Authentication v2 → Chip Authentication v2 → DG3 (v1 is the
        // other way round).
        assert_eq!(protocol_order(&chip), ["PACE", "TA", "CA", "DG3"]);
    }
}

#[test]
fn ta_v1_forced_on_a_v2_chip_fails_and_its_v2_key_is_not_run_alone() {
    // The chip refuses MSE:Set AT without `91` (version 1's form) and Chip Authentication v2
    // before Terminal Authentication v2.
    let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
    let mut ta = config(p.chain, 3).unwrap();
    ta.version = TaVersionChoice::V1;
    let doc = read_after_pace(&mut eac_chip_v2(), Pace::Can, Some(ta));
    let outcome = &doc.terminal_authentication.as_ref().unwrap().outcome;
    assert!(!outcome.is_verified(), "{outcome}");
    assert_eq!(
        chip_authentication(&doc).status,
        emrtd_auth::CheckStatus::NotChecked,
        "a version 2 key is not run on its own: {}",
        chip_authentication(&doc).reason
    );
    for dg in [3, 4] {
        assert!(!doc.files.contains_key(&EfId::Dg(dg)));
    }
}

#[test]
fn ta_v2_refuses_an_expired_chain_a_missing_right_an_unknown_cvca_and_a_wrong_key() {
    // Expired IS certificate: TA fails, Chip Authentication v2 cannot follow (not checked,
    // never passed), DG3/DG4 refused because of TA.
    let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2026-12-03");
    let mut chip = eac_chip_v2();
    let doc = read_after_pace(&mut chip, Pace::Mrz, config(p.chain, 3));
    assert!(
        failure(&doc).contains("refused certificate NOISGATE00042"),
        "{}",
        failure(&doc)
    );
    assert_eq!(
        doc.terminal_authentication.as_ref().unwrap().version,
        Some(TaVersion::V2)
    );
    let ca = chip_authentication(&doc);
    assert_eq!(ca.status, emrtd_auth::CheckStatus::NotChecked);
    assert!(ca
        .reason
        .contains("only after Terminal Authentication version 2"));
    for dg in [3, 4] {
        assert_eq!(
            doc.refused.get(&EfId::Dg(dg)),
            Some(&Refusal::TerminalAuthenticationFailed)
        );
    }
    assert_eq!(protocol_order(&chip), ["PACE", "TA", "DG3"]);

    // Without the fingerprint right: DG4 read, DG3 refused.
    let iris = IsRights::default().with(IsRight::ReadDg4);
    let p = pki(1, "NOCVCA00001", iris, "2027-01-01");
    let doc = read_after_pace(&mut eac_chip_v2(), Pace::Can, config(p.chain, 3));
    assert_eq!(doc.terminal_authentication.as_ref().unwrap().rights, iris);
    assert_eq!(
        chip_authentication(&doc).status,
        emrtd_auth::CheckStatus::Passed
    );
    assert_eq!(doc.refused.get(&EfId::Dg(3)), Some(&Refusal::RightMissing));
    assert_eq!(doc.files.get(&EfId::Dg(4)).map(Vec::as_slice), Some(DG4));

    // A chain from a CVCA the chip does not list: nothing sent.
    let p = pki(50, "XXCVCA00009", IsRights::DG3_DG4, "2027-01-01");
    let mut chip = eac_chip_v2();
    let doc = read_after_pace(&mut chip, Pace::Can, config(p.chain, 3));
    let why = failure(&doc);
    assert!(why.contains("EF.CVCA lists NOCVCA00001"), "{why}");
    assert_eq!(
        doc.refused.get(&EfId::Dg(3)),
        Some(&Refusal::TerminalAuthenticationFailed)
    );
    assert_eq!(protocol_order(&chip), ["PACE", "DG3"]);

    // A wrong terminal key: rejected at EXTERNAL AUTHENTICATE; version 2 has no static
    // binding to retry (one session).
    let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
    let mut chip = eac_chip_v2();
    let doc = read_after_pace(&mut chip, Pace::Mrz, config(p.chain, 77));
    let why = failure(&doc);
    assert!(why.contains("rejected the terminal's signature"), "{why}");
    assert!(!why.contains("static binding"), "{why}");
    assert_eq!(
        doc.refused.get(&EfId::Dg(4)),
        Some(&Refusal::TerminalAuthenticationFailed)
    );
    assert_eq!(protocol_order(&chip), ["PACE", "TA", "DG3"]);
}

#[test]
fn ta_v2_without_a_configured_chain_leaves_chip_authentication_v2_not_checked() {
    let doc = read_after_pace(&mut eac_chip_v2(), Pace::Can, None);
    assert!(!doc.terminal_authentication.as_ref().unwrap().configured);
    let ca = chip_authentication(&doc);
    assert_eq!(
        ca.status,
        emrtd_auth::CheckStatus::NotChecked,
        "{}",
        ca.reason
    );
    assert!(ca.reason.contains("version 2 only"), "{}", ca.reason);
    assert_eq!(
        doc.refused.get(&EfId::Dg(3)),
        Some(&Refusal::NoTerminalAuthentication)
    );
}

#[test]
fn ta_v2_forced_on_a_bac_passport_is_reported_failed() {
    let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
    let mut ta = config(p.chain, 3).unwrap();
    ta.version = TaVersionChoice::V2;
    let doc = read(Some(ta));
    let why = failure(&doc);
    assert!(why.contains("after PACE only"), "{why}");
    assert_eq!(
        doc.refused.get(&EfId::Dg(3)),
        Some(&Refusal::TerminalAuthenticationFailed)
    );
}

#[test]
fn ta_v2_and_chip_authentication_v2_run_again_after_the_card_is_lost() {
    let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
    let mut chip = eac_chip_v2();
    // Lost while DG3 is read (after TA v2 and CA v2): the chip forgets the rights.
    chip.lose_card_after(45);
    let doc = read_after_pace(&mut chip, Pace::Can, config(p.chain, 3));
    assert_eq!(doc.resumes, 1);
    assert_eq!(
        doc.terminal_authentication.as_ref().unwrap().outcome,
        CheckOutcome::Verified
    );
    assert_eq!(
        chip_authentication(&doc).status,
        emrtd_auth::CheckStatus::Passed
    );
    assert_eq!(doc.files.get(&EfId::Dg(3)).map(Vec::as_slice), Some(DG3));
    assert_eq!(doc.files.get(&EfId::Dg(4)).map(Vec::as_slice), Some(DG4));
    let order = protocol_order(&chip);
    assert_eq!(
        order.iter().filter(|w| **w == "TA").count(),
        2,
        "TA v2 ran again: {order:?}"
    );
}

/// The virtual chip's side of version 2, command by command after PACE: Chip Authentication
/// before TA v2 is refused (6985); MSE:Set AT of TA without `91` is refused (6A80) while the
/// chain and the same MSE:Set AT with `91` are accepted. (The key TA v2 names is then the only
/// one CA v2 takes: `emrtd-sim`'s unit test `ca_v2_takes_only_the_key_ta_v2_named`.)
#[test]
fn the_v2_chip_refuses_chip_authentication_before_ta_v2_and_mse_set_at_without_the_key() {
    use emrtd_apdu::{CommandApdu, StatusWord};
    use emrtd_eac::ta::{EphemeralKey, IdPicc, TaStep, TerminalAuthentication};
    use emrtd_reader::{read_blocking, Engine, EngineConfig, SystemClock};
    let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
    let signer = key(3);
    let mut chip = eac_chip_v2();
    let config = EngineConfig::new(
        AccessKey::from_can("123456").unwrap(),
        ReadOptions::default(),
    );
    let engine = Engine::with_procedure(config, rng(8), SystemClock, move |mut ch| async move {
        ch.open().await?;
        // The chip's CA key: brainpoolP256r1 (13), AES-128, key id 1 (norway-id).
        let group = emrtd_crypto::pk::Group::standardized(13).unwrap();
        let point = |seed| {
            let sk = group.generate_private_key(&mut rng(seed));
            let pk = group.public_key(&sk, &group.generator()).unwrap();
            group.encode_public_key(&pk).unwrap()
        };
        let (a, b) = (point(21), point(22));
        let mse_ca = CommandApdu::new(0x00, 0x22, 0x41, 0xA4)
            .with_data(hex::decode("800A04007F00070202030202840101").unwrap());
        let ga = |key: &[u8]| {
            CommandApdu::new(0x00, 0x86, 0x00, 0x00)
                .with_data(emrtd_tlv::encode(0x7C, &emrtd_tlv::encode(0x80, key)))
                .with_le(256)
        };
        let mut sws = Vec::new();
        sws.push(ch.transmit(&mse_ca).await?.sw);
        sws.push(ch.transmit(&ga(&b)).await?.sw);
        // TA v2 naming key A; its MSE:Set AT without `91` first.
        let id = IdPicc::PaceEphemeral(Vec::new());
        let mut ta = TerminalAuthentication::new(
            p.chain.clone(),
            &signer,
            TaVersion::V2,
            id,
            EphemeralKey::Ec(a.clone()).compressed(),
            None,
        )
        .unwrap();
        let mut cmd = ta.start();
        loop {
            if cmd.ins == 0x22 && cmd.p2 == 0xA4 {
                let without = emrtd_tlv::parse_all(&cmd.data)
                    .unwrap()
                    .iter()
                    .filter(|d| d.tag != 0x91)
                    .flat_map(|d| d.raw.to_vec())
                    .collect::<Vec<u8>>();
                let plain = CommandApdu::new(0x00, 0x22, 0x81, 0xA4).with_data(without);
                sws.push(ch.transmit(&plain).await?.sw);
            }
            let resp = ch.transmit(&cmd).await?;
            match ta.on_response(&resp) {
                Ok(TaStep::Send(next)) => cmd = next,
                // ID_PICC here is not the chip's: EXTERNAL AUTHENTICATE is refused, which is
                // all this test needs from it.
                _ => {
                    sws.push(resp.sw);
                    break;
                }
            }
        }
        Ok(sws)
    });
    let sws = read_blocking(&mut chip, engine, &mut |_| {}).unwrap();
    assert_eq!(
        sws,
        [
            StatusWord::OK,
            StatusWord::CONDITIONS_NOT_SATISFIED,
            StatusWord::WRONG_DATA,
            StatusWord::SECURITY_STATUS_NOT_SATISFIED,
        ]
    );
}
