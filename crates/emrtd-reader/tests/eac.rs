//! Terminal Authentication end to end: a BAC passport and a PACE ID card with Chip
//! Authentication and EAC (virtual chips) holding the BSI 2008 specimen's DG3/DG4, read with a
//! test PKI built here (P-256 keys from seeded RNGs: public test keys).

use emrtd_eac::cert::{CertificateBody, CvPublicKey};
use emrtd_eac::*;
use emrtd_reader::{
    read_document, AccessKey, CheckOutcome, ChipKeySource, Document, EfId, ReadOptions, Refusal,
    TaVersionChoice, TerminalAuthConfig,
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

/// The test CVCA (`pki(1, "NOCVCA00001", …)`) as the chip's trust point, hex.
fn test_cvca() -> String {
    hex::encode(
        pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01")
            .cvca
            .encode(),
    )
}

/// A built-in profile with EAC (`eac` with the test CVCA; the chip's date 2026-12-06) and the
/// BSI 2008 specimen's DG3/DG4.
fn eac_profile(base: &str, eac: EacConfig) -> Profile {
    let mut p = Profile::builtin(base).unwrap();
    p.eac = Some(EacConfig {
        cvca: test_cvca(),
        date: "2026-12-06".into(),
        ..eac
    });
    p.files.insert("DG3".into(), hex::encode(DG3));
    p.files.insert("DG4".into(), hex::encode(DG4));
    p
}

/// An EAC chip from a built-in profile: `norway-passport` (BAC, Chip Authentication added)
/// or `norway-id` (PACE with the MRZ or the CAN 123456, Chip Authentication); `static_binding`:
/// ID_PICC after PACE is the document number or the CAN (older documents).
fn eac_chip(base: &str, static_binding: bool) -> VirtualChip {
    let mut p = eac_profile(
        base,
        EacConfig {
            static_binding,
            ..Default::default()
        },
    );
    if p.chip_authentication.is_none() {
        p.chip_authentication = Some(CaConfig {
            cipher: "3DES".into(),
            parameter_id: 12,
            key_id: None,
        });
    }
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

/// The four refusals of the acceptance tests, each read by `read` (chain, key seed): an
/// expired IS certificate, a certificate without the fingerprint right, a chain from an
/// unknown CVCA, a wrong terminal key. Checks what every version and access control must
/// give (a clear message, DG3/DG4 refused for the right reason) and returns the documents.
fn refusals(mut read: impl FnMut(Vec<CvCertificate>, u64) -> Document) -> [Document; 4] {
    // Expired IS certificate (the chip's date is 2026-12-06, it expired on 2026-12-03).
    let expired = read(
        pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2026-12-03").chain,
        3,
    );
    assert!(
        failure(&expired).contains("refused certificate NOISGATE00042"),
        "{}",
        failure(&expired)
    );
    // Without the fingerprint right: DG4 read, DG3 refused for the missing right.
    let iris = IsRights::default().with(IsRight::ReadDg4);
    let iris_only = read(pki(1, "NOCVCA00001", iris, "2027-01-01").chain, 3);
    let ta = iris_only.terminal_authentication.as_ref().unwrap();
    assert_eq!(ta.outcome, CheckOutcome::Verified);
    assert_eq!(ta.rights, iris);
    assert_eq!(
        iris_only.refused.get(&EfId::Dg(3)),
        Some(&Refusal::RightMissing)
    );
    assert_eq!(
        iris_only.files.get(&EfId::Dg(4)).map(Vec::as_slice),
        Some(DG4)
    );
    // A chain from a CVCA the chip does not list: not sent, the message names both.
    let unknown = read(
        pki(50, "XXCVCA00009", IsRights::DG3_DG4, "2027-01-01").chain,
        3,
    );
    let why = failure(&unknown);
    assert!(why.contains("EF.CVCA lists NOCVCA00001"), "{why}");
    assert!(why.contains("XXCVCA00009"), "{why}");
    // A wrong terminal key: the chip rejects the signature.
    let wrong_key = read(
        pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01").chain,
        77,
    );
    let why = failure(&wrong_key);
    assert!(why.contains("rejected the terminal's signature"), "{why}");
    for doc in [&expired, &unknown, &wrong_key] {
        for dg in [3, 4] {
            assert_eq!(
                doc.refused.get(&EfId::Dg(dg)),
                Some(&Refusal::TerminalAuthenticationFailed)
            );
        }
    }
    [expired, iris_only, unknown, wrong_key]
}

#[test]
fn an_expired_chain_a_missing_right_an_unknown_cvca_and_a_wrong_key_are_refused_after_bac() {
    refusals(|chain, seed| read(config(chain, seed)));
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
        let mut p = eac_profile("norway-id", EacConfig::default());
        p.access.pace = vec![emrtd_sim::profile::PaceConfig {
            mapping: "CAM".into(),
            cipher: "AES-128".into(),
            parameter_id: 13,
        }];
        p.chip_authentication = None;
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
        let mut orders = Vec::new();
        let [.., wrong_key] = refusals(|chain, seed| {
            let mut chip = eac_chip("norway-id", false);
            let doc = read_after_pace(&mut chip, password, config(chain, seed));
            orders.push(protocol_order(&chip));
            doc
        });
        // A wrong key is rejected with the dynamic binding, then with the static one, each
        // in its own session; DG3 then asked for and refused.
        assert!(failure(&wrong_key).contains("static binding"));
        assert_eq!(
            orders[3],
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
    VirtualChip::new(eac_profile_v2()).unwrap()
}

fn eac_profile_v2() -> Profile {
    let p = eac_profile(
        "norway-id",
        EacConfig {
            version: 2,
            ..Default::default()
        },
    );
    assert!(p.chip_authentication.is_some());
    p
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
        assert_eq!(
            ca.status(),
            emrtd_auth::CheckStatus::Passed,
            "{}",
            ca.reason()
        );
        assert!(ca.reason().contains("version 2"), "{}", ca.reason());
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
        chip_authentication(&doc).status(),
        emrtd_auth::CheckStatus::NotChecked,
        "a version 2 key is not run on its own: {}",
        chip_authentication(&doc).reason()
    );
    for dg in [3, 4] {
        assert!(!doc.files.contains_key(&EfId::Dg(dg)));
    }
}

#[test]
fn ta_v2_refuses_an_expired_chain_a_missing_right_an_unknown_cvca_and_a_wrong_key() {
    let mut orders = Vec::new();
    let [expired, iris_only, _, wrong_key] = refusals(|chain, seed| {
        let mut chip = eac_chip_v2();
        let doc = read_after_pace(&mut chip, Pace::Mrz, config(chain, seed));
        orders.push(protocol_order(&chip));
        doc
    });
    assert_eq!(
        expired.terminal_authentication.as_ref().unwrap().version,
        Some(TaVersion::V2)
    );
    // TA failed: Chip Authentication v2 cannot follow (not checked, never passed).
    let ca = chip_authentication(&expired);
    assert_eq!(ca.status(), emrtd_auth::CheckStatus::NotChecked);
    assert!(ca
        .reason()
        .contains("only after Terminal Authentication version 2"));
    assert_eq!(
        chip_authentication(&iris_only).status(),
        emrtd_auth::CheckStatus::Passed
    );
    // Version 2 has no static binding to retry (one session); an unknown CVCA sends nothing.
    assert!(!failure(&wrong_key).contains("static binding"));
    assert_eq!(orders[0], ["PACE", "TA", "DG3"]);
    assert_eq!(orders[2], ["PACE", "DG3"]);
    assert_eq!(orders[3], ["PACE", "TA", "DG3"]);
}

#[test]
fn ta_v2_without_a_configured_chain_leaves_chip_authentication_v2_not_checked() {
    let doc = read_after_pace(&mut eac_chip_v2(), Pace::Can, None);
    assert!(!doc.terminal_authentication.as_ref().unwrap().configured);
    let ca = chip_authentication(&doc);
    assert_eq!(
        ca.status(),
        emrtd_auth::CheckStatus::NotChecked,
        "{}",
        ca.reason()
    );
    assert!(ca.reason().contains("version 2 only"), "{}", ca.reason());
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
        chip_authentication(&doc).status(),
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
    // Terminal Authentication configured: PACE carries the CHAT version 2 needs.
    let config = EngineConfig::new(
        AccessKey::from_can("123456").unwrap(),
        ReadOptions {
            terminal_authentication: config(p.chain.clone(), 3),
            ..ReadOptions::default()
        },
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

/// The CHAT of PACE's MSE:Set AT (the whole `7F4C` object) in the recorded session, if any.
fn pace_chat(chip: &VirtualChip) -> Option<Vec<u8>> {
    let (cmd, _) = chip
        .recorded()
        .iter()
        .find(|(c, _)| c.len() > 5 && c[1..4] == [0x22, 0xC1, 0xA4])?;
    let data = &cmd[5..5 + cmd[4] as usize];
    emrtd_tlv::parse_all(data)
        .unwrap()
        .iter()
        .find(|d| d.tag == 0x7F4C)
        .map(|d| d.raw.to_vec())
}

#[test]
fn before_ta_v2_pace_carries_the_terminals_chat_and_a_narrower_one_reduces_the_rights() {
    // As configured: the IS certificate's rights (DG3 + DG4, role terminal, id-IS).
    let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
    let mut chip = eac_chip_v2();
    let doc = read_after_pace(&mut chip, Pace::Can, config(p.chain.clone(), 3));
    let chat = Chat::inspection_system(Role::Terminal, IsRights::DG3_DG4).encode();
    assert_eq!(pace_chat(&chip), Some(chat));
    let ta = doc.terminal_authentication.as_ref().unwrap();
    assert_eq!(ta.requested, Some(IsRights::DG3_DG4));
    assert_eq!(ta.rights, IsRights::DG3_DG4);

    // The operator asks for the iris only: the chip grants DG4 and refuses DG3, although the
    // certificate chain would allow both.
    let iris = IsRights::default().with(IsRight::ReadDg4);
    let mut ta = config(p.chain, 3).unwrap();
    ta.requested_rights = Some(iris);
    let mut chip = eac_chip_v2();
    let doc = read_after_pace(&mut chip, Pace::Can, Some(ta));
    assert_eq!(
        pace_chat(&chip),
        Some(Chat::inspection_system(Role::Terminal, iris).encode())
    );
    let ta = doc.terminal_authentication.as_ref().unwrap();
    assert_eq!(ta.outcome, CheckOutcome::Verified);
    assert_eq!((ta.requested, ta.rights), (Some(iris), iris));
    assert_eq!(doc.refused.get(&EfId::Dg(3)), Some(&Refusal::RightMissing));
    assert_eq!(doc.files.get(&EfId::Dg(4)).map(Vec::as_slice), Some(DG4));

    // Version 1 (after Chip Authentication) sends no CHAT in PACE.
    let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
    let mut chip = eac_chip("norway-id", false);
    let doc = read_after_pace(&mut chip, Pace::Can, config(p.chain, 3));
    assert_eq!(pace_chat(&chip), None);
    assert_eq!(
        doc.terminal_authentication.as_ref().unwrap().requested,
        None
    );
}

#[test]
fn ta_v2_takes_the_chip_authentication_key_from_ef_card_security_read_after_it() {
    let p = pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01");
    let mut chip = eac_chip_v2();
    let doc = read_after_pace(&mut chip, Pace::Can, config(p.chain, 3));
    let ta = doc.terminal_authentication.as_ref().unwrap();
    assert_eq!(ta.chip_key_source, Some(ChipKeySource::CardSecurity));
    assert_eq!(
        chip_authentication(&doc).status(),
        emrtd_auth::CheckStatus::Passed
    );
    assert_eq!(
        doc.files.get(&EfId::CardSecurity).map(Vec::as_slice),
        chip.file("CardSecurity")
    );
    // EF.CardSecurity (SFI 1D in the master file) is read after TA v2, before CA v2; the
    // eMRTD application is selected again before DG3.
    let order: Vec<&str> = chip
        .recorded()
        .iter()
        .filter_map(|(c, _)| match (c[1], c[2], c[3]) {
            (0x22, 0x81, 0xA4) => Some("TA"),
            (0xA4, 0x00, 0x0C) => Some("MF"),
            // SFI 1D: EF.CardSecurity in the master file (EF.SOD in the application).
            (0xB0, 0x9D, _) => Some("1D"),
            (0x22, 0x41, _) => Some("CA"),
            (0xA4, 0x04, _) => Some("LDS1"),
            (0xB0, 0x83, _) => Some("DG3"),
            _ => None,
        })
        .skip_while(|w| *w != "TA")
        .collect();
    assert_eq!(order[..5], ["TA", "MF", "1D", "CA", "LDS1"]);
    assert!(order[5..].contains(&"DG3"), "{order:?}");
    // Its signature and chain are part of the verdict, as EF.SOD's.
    let mut trust = emrtd_auth::TrustStore::new();
    trust
        .add_der_certificate(emrtd_sim::pki::TEST_CSCA)
        .unwrap();
    let verdict = emrtd_reader::verify_document(&doc, &trust);
    assert_eq!(
        verdict.card_security.as_ref().map(|c| c.status),
        Some(emrtd_auth::Verdict::Valid)
    );
    assert!(verdict.valid, "{:?}", verdict.summary);
}

#[test]
fn ta_v2_falls_back_to_the_dg14_key_and_says_why_when_ef_card_security_cannot_be_used() {
    let infos = |p: &Profile| {
        let chip = VirtualChip::new(p.clone()).unwrap();
        let (_, infos) = emrtd_lds::security_infos::SecurityInfos::parse_card_security(
            chip.file("CardSecurity").unwrap(),
        )
        .unwrap();
        infos
    };
    let read_with = |card_security: Option<Vec<u8>>| {
        let mut p = eac_profile_v2();
        match card_security {
            Some(bytes) => {
                p.files.insert("CardSecurity".into(), hex::encode(bytes));
            }
            None => p.sign = false,
        }
        let ta = config(
            pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01").chain,
            3,
        );
        let doc = read_after_pace(&mut VirtualChip::new(p).unwrap(), Pace::Can, ta);
        assert_eq!(
            chip_authentication(&doc).status(),
            emrtd_auth::CheckStatus::Passed,
            "{}",
            chip_authentication(&doc).reason()
        );
        assert_eq!(doc.files.get(&EfId::Dg(3)).map(Vec::as_slice), Some(DG3));
        match doc.terminal_authentication.unwrap().chip_key_source {
            Some(ChipKeySource::Dg14(why)) => why,
            other => panic!("expected DG14, got {other:?}"),
        }
    };
    // No EF.CardSecurity at all.
    assert!(read_with(None).contains("no EF.CardSecurity"));
    // Its signature does not verify: its key is not trusted.
    let p = eac_profile_v2();
    let bad = emrtd_sim::hostile::card_security(&infos(&p).to_der(), true).unwrap();
    let why = read_with(Some(bad));
    assert!(why.contains("signature does not verify"), "{why}");
    // Signed, but without the Chip Authentication key.
    let mut without = infos(&p);
    without.infos.retain(|i| {
        !matches!(
            i,
            emrtd_lds::security_infos::SecurityInfo::ChipAuthenticationPublicKey(_)
        )
    });
    let unsigned_key = emrtd_sim::hostile::card_security(&without.to_der(), false).unwrap();
    let why = read_with(Some(unsigned_key));
    assert!(
        why.contains("no usable Chip Authentication version 2 key"),
        "{why}"
    );
}
