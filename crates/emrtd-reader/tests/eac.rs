//! Terminal Authentication end to end: a BAC passport with Chip Authentication and EAC
//! (virtual chip) holding the BSI 2008 specimen's DG3/DG4, read with a test PKI built here
//! (P-256 keys from seeded RNGs: public test keys).

use emrtd_eac::cert::{CertificateBody, CvPublicKey};
use emrtd_eac::*;
use emrtd_reader::{
    read_document, AccessKey, CheckOutcome, Document, EfId, ReadOptions, Refusal,
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
    let mut p = Profile::builtin("norway-passport").unwrap();
    p.chip_authentication = Some(CaConfig {
        cipher: "3DES".into(),
        parameter_id: 12,
        key_id: None,
    });
    p.eac = Some(EacConfig {
        cvca: hex::encode(
            pki(1, "NOCVCA00001", IsRights::DG3_DG4, "2027-01-01")
                .cvca
                .encode(),
        ),
        date: "2026-12-06".into(),
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
