//! BSI TR-03105-5.1 unit ISO7816_E (Terminal Authentication) against virtual EAC passports
//! (BAC, Chip Authentication, EAC, the BSI 2008 specimen's DG3/DG4), with test PKIs built here
//! from seeded keys. "MRTD inspection procedure failed" is, for this reader, Terminal
//! Authentication reported as failed and DG3/DG4 reported refused because of it; "successful"
//! is Terminal Authentication verified and the data groups the rights allow read. See
//! docs/conformance.md.

use emrtd_apdu::ResponseApdu;
use emrtd_eac::cert::{CertificateBody, CvPublicKey};
use emrtd_eac::*;
use emrtd_reader::{
    read_document, AccessKey, CheckOutcome, Document, EfId, ReadOptions, Refusal,
    TerminalAuthConfig,
};
use emrtd_sim::profile::{CaConfig, EacConfig, Profile};
use emrtd_sim::VirtualChip;
use rand::SeedableRng;
use std::sync::Arc;

const DG3: &[u8] = include_bytes!("../../../fixtures/lds/bsi2008/Datagroup3.bin");
const DG4: &[u8] = include_bytes!("../../../fixtures/lds/bsi2008/Datagroup4.bin");

fn rng(seed: u64) -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(seed)
}

/// A key of `alg` from `seed`: P-256 for ECDSA, RSA of `bits` otherwise (1536 by default:
/// PSS with SHA-512 needs more than 1024 bits).
fn signer_bits(alg: TaAlgorithm, bits: usize, seed: u64) -> Pkcs8Signer {
    use p256::pkcs8::EncodePrivateKey;
    let der = match alg {
        TaAlgorithm::Ecdsa(_) => p256::SecretKey::random(&mut rng(seed))
            .to_pkcs8_der()
            .unwrap()
            .as_bytes()
            .to_vec(),
        _ => rsa::RsaPrivateKey::new(&mut rng(seed), bits)
            .unwrap()
            .to_pkcs8_der()
            .unwrap()
            .as_bytes()
            .to_vec(),
    };
    Pkcs8Signer::from_pkcs8_der(&der, alg, Box::new(rng(seed + 1000))).unwrap()
}

fn date(y: u16, m: u8, d: u8) -> CvDate {
    CvDate::new(y, m, d).unwrap()
}

fn issue(
    issuer: &Pkcs8Signer,
    subject: &Pkcs8Signer,
    (car, chr): (&str, &str),
    role: Role,
    rights: IsRights,
    to: CvDate,
) -> CvCertificate {
    let mut data = subject.public_key_data().unwrap();
    if let (Role::Cvca, KeyData::Ec { domain, .. }) = (role, &mut data) {
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
        chat: Chat::inspection_system(role, rights),
        effective_date: date(2026, 1, 1),
        expiration_date: to,
        extensions: None,
    };
    let sig = issuer.sign(&body.encode()).unwrap();
    CvCertificate::from_parts(body, sig)
}

/// The chip's CVCA `NOCVCA00001`, `links` CVCA link certificates after it (`NOCVCA00002`, …),
/// a DV and an IS certificate with `rights`, expiring `is_to`; and the IS key.
struct Pki {
    cvca: CvCertificate,
    chain: Vec<CvCertificate>,
    is_key: Arc<Pkcs8Signer>,
}

fn pki(alg: TaAlgorithm, links: usize, rights: IsRights, is_to: CvDate) -> Pki {
    pki_bits(alg, 1536, links, rights, is_to)
}

fn pki_bits(alg: TaAlgorithm, bits: usize, links: usize, rights: IsRights, is_to: CvDate) -> Pki {
    let signer = |alg, seed| signer_bits(alg, bits, seed);
    let cvca_key = signer(alg, 1);
    let cvca = issue(
        &cvca_key,
        &cvca_key,
        ("NOCVCA00001", "NOCVCA00001"),
        Role::Cvca,
        IsRights::DG3_DG4,
        date(2029, 1, 1),
    );
    let mut chain = Vec::new();
    let mut issuer = cvca_key;
    let mut issuer_chr = "NOCVCA00001".to_string();
    for i in 0..links {
        let next_key = signer(alg, 10 + i as u64);
        let chr = format!("NOCVCA{:05}", i + 2);
        chain.push(issue(
            &issuer,
            &next_key,
            (&issuer_chr, &chr),
            Role::Cvca,
            IsRights::DG3_DG4,
            date(2029, 1, 1),
        ));
        issuer = next_key;
        issuer_chr = chr;
    }
    let dv_key = signer(alg, 2);
    chain.push(issue(
        &issuer,
        &dv_key,
        (&issuer_chr, "NODVPOLICE001"),
        Role::DvOfficialDomestic,
        IsRights::DG3_DG4,
        date(2027, 6, 1),
    ));
    let is_key = signer(alg, 3);
    chain.push(issue(
        &dv_key,
        &is_key,
        ("NODVPOLICE001", "NOISGATE00042"),
        Role::Terminal,
        rights,
        is_to,
    ));
    Pki {
        cvca,
        chain,
        is_key: Arc::new(is_key),
    }
}

fn valid(alg: TaAlgorithm) -> Pki {
    pki(alg, 0, IsRights::DG3_DG4, date(2027, 3, 1))
}

/// A BAC passport with Chip Authentication (P-256 unless `ca_parameter_id`), trusting `cvca`,
/// current date 2026-12-06, with DG3 and DG4; `tweak` changes the profile further.
fn chip(cvca: &CvCertificate, tweak: impl FnOnce(&mut Profile)) -> VirtualChip {
    let mut p = Profile::builtin("norway-passport").unwrap();
    p.chip_authentication = Some(CaConfig {
        cipher: "3DES".into(),
        parameter_id: 12,
        key_id: None,
    });
    p.eac = Some(EacConfig {
        cvca: hex::encode(cvca.encode()),
        date: "2026-12-06".into(),
        static_binding: false,
        ..Default::default()
    });
    p.files.insert("DG3".into(), hex::encode(DG3));
    p.files.insert("DG4".into(), hex::encode(DG4));
    tweak(&mut p);
    VirtualChip::new(p).unwrap()
}

fn inspect(chip: VirtualChip, chain: Vec<CvCertificate>, key: Arc<Pkcs8Signer>) -> Document {
    let access = AccessKey::from_mrz(&chip.profile().parsed_mrz().unwrap()).unwrap();
    let options = ReadOptions {
        terminal_authentication: Some(TerminalAuthConfig::new(chain, key)),
        ..ReadOptions::default()
    };
    read_document(chip, &access, &options).unwrap()
}

/// "MRTD inspection procedure successful": TA verified, DG3 and DG4 read as stored.
#[track_caller]
fn successful(case: &str, doc: &Document) {
    let ta = doc.terminal_authentication.as_ref().unwrap();
    assert_eq!(ta.outcome, CheckOutcome::Verified, "{case}");
    assert_eq!(
        doc.files.get(&EfId::Dg(3)).map(Vec::as_slice),
        Some(DG3),
        "{case}"
    );
    assert_eq!(
        doc.files.get(&EfId::Dg(4)).map(Vec::as_slice),
        Some(DG4),
        "{case}"
    );
}

/// "MRTD inspection procedure failed": TA failed (the reason contains `says`), DG3 and DG4
/// refused because of it.
#[track_caller]
fn failed(case: &str, doc: &Document, says: &str) {
    let ta = doc.terminal_authentication.as_ref().unwrap();
    match &ta.outcome {
        CheckOutcome::Failed(why) => assert!(why.contains(says), "{case}: {why}"),
        other => panic!("{case}: expected Terminal Authentication to fail, got {other}"),
    }
    for dg in [3, 4] {
        assert_eq!(
            doc.refused.get(&EfId::Dg(dg)),
            Some(&Refusal::TerminalAuthenticationFailed),
            "{case}"
        );
        assert!(!doc.files.contains_key(&EfId::Dg(dg)), "{case}");
    }
}

macro_rules! algorithm_cases {
    ($($case:ident => $alg:expr,)*) => {$(
        #[test]
        fn $case() {
            let p = valid($alg);
            let doc = inspect(chip(&p.cvca, |_| {}), p.chain, p.is_key);
            successful(stringify!($case), &doc);
        }
    )*};
}

algorithm_cases! {
    iso7816_e_01 => TaAlgorithm::RsaPkcs1v15(RsaHash::Sha1),
    iso7816_e_02 => TaAlgorithm::RsaPkcs1v15(RsaHash::Sha256),
    iso7816_e_03 => TaAlgorithm::RsaPss(RsaHash::Sha1),
    iso7816_e_04 => TaAlgorithm::RsaPss(RsaHash::Sha256),
    iso7816_e_05 => TaAlgorithm::Ecdsa(HashAlg::Sha1),
    iso7816_e_06 => TaAlgorithm::Ecdsa(HashAlg::Sha224),
    iso7816_e_07 => TaAlgorithm::Ecdsa(HashAlg::Sha256),
    iso7816_e_35 => TaAlgorithm::RsaPkcs1v15(RsaHash::Sha512),
    iso7816_e_36 => TaAlgorithm::RsaPss(RsaHash::Sha512),
    iso7816_e_37 => TaAlgorithm::Ecdsa(HashAlg::Sha384),
    iso7816_e_38 => TaAlgorithm::Ecdsa(HashAlg::Sha512),
}

const P256: TaAlgorithm = TaAlgorithm::Ecdsa(HashAlg::Sha256);

/// The chip with EF.CVCA holding `cars` instead of its trust point's CHR.
fn chip_listing(cvca: &CvCertificate, cars: &[&str]) -> VirtualChip {
    let ef = emrtd_lds::cvca::EfCvca::new(cars.iter().map(|c| c.to_string()).collect());
    chip(cvca, |p| {
        p.files.insert("CVCA".into(), hex::encode(ef.encode()));
    })
}

#[test]
fn iso7816_e_08_wrong_car_in_ef_cvca() {
    let p = valid(P256);
    let doc = inspect(chip_listing(&p.cvca, &["NOCVCA00007"]), p.chain, p.is_key);
    failed("E_08", &doc, "EF.CVCA lists NOCVCA00007");
}

#[test]
fn iso7816_e_09_missing_car_in_ef_cvca() {
    let p = valid(P256);
    let doc = inspect(chip_listing(&p.cvca, &[]), p.chain, p.is_key);
    failed("E_09", &doc, "");
}

#[test]
fn iso7816_e_10_three_cars_in_ef_cvca() {
    // EF.CVCA holds at most two CARs: either outcome, but the read must end normally.
    let p = valid(P256);
    let chip = chip_listing(&p.cvca, &["NOCVCA00001", "NOCVCA00000", "NOCVCA00009"]);
    let doc = inspect(chip, p.chain, p.is_key);
    let ta = doc.terminal_authentication.as_ref().unwrap();
    match &ta.outcome {
        CheckOutcome::Verified => successful("E_10", &doc),
        _ => failed("E_10", &doc, ""),
    }
}

/// The chip answers Terminal Authentication's GET CHALLENGE with `len` bytes.
fn challenge_of(len: usize) -> Document {
    let p = valid(P256);
    let mut chip = chip(&p.cvca, |_| {});
    chip.set_response_hook(Box::new(move |cmd, resp, sm| {
        // After BAC, GET CHALLENGE under secure messaging is Terminal Authentication's.
        (cmd.ins == 0x84 && resp.sw.is_ok()).then(|| {
            let mut data = resp.data.clone();
            data.resize(len, 0x5A);
            sm.protect_response(&ResponseApdu::new(data, resp.sw))
        })
    }));
    inspect(chip, p.chain, p.is_key)
}

#[test]
fn iso7816_e_12_challenge_of_7_bytes() {
    failed("E_12", &challenge_of(7), "7 bytes, not 8");
}

#[test]
fn iso7816_e_13_challenge_of_9_bytes() {
    failed("E_13", &challenge_of(9), "9 bytes, not 8");
}

/// A terminal with `rights` only.
fn rights_case(case: &str, rights: IsRights) -> Document {
    let p = pki(P256, 0, rights, date(2027, 3, 1));
    let doc = inspect(chip(&p.cvca, |_| {}), p.chain, p.is_key);
    let ta = doc.terminal_authentication.as_ref().unwrap();
    assert_eq!(ta.outcome, CheckOutcome::Verified, "{case}");
    assert_eq!(ta.rights, rights, "{case}");
    for (dg, right) in [(3, IsRight::ReadDg3), (4, IsRight::ReadDg4)] {
        if rights.contains(right) {
            assert!(doc.files.contains_key(&EfId::Dg(dg)), "{case}");
        } else {
            assert_eq!(
                doc.refused.get(&EfId::Dg(dg)),
                Some(&Refusal::RightMissing),
                "{case}"
            );
        }
    }
    doc
}

#[test]
fn iso7816_e_14_access_denied_to_dg3() {
    rights_case("E_14", IsRights::default().with(IsRight::ReadDg4));
}

#[test]
fn iso7816_e_15_access_denied_to_dg4() {
    rights_case("E_15", IsRights::default().with(IsRight::ReadDg3));
}

#[test]
fn iso7816_e_16_access_denied_to_dg3_and_dg4() {
    rights_case("E_16", IsRights::default());
}

/// The certificate with one byte of its signature changed.
fn bad_signature(cert: &CvCertificate) -> CvCertificate {
    let mut sig = cert.signature.clone();
    sig[5] ^= 0x01;
    CvCertificate::from_parts(cert.body.clone(), sig)
}

#[test]
fn iso7816_e_17_wrong_signature_in_dv_certificate() {
    let mut p = valid(P256);
    p.chain[0] = bad_signature(&p.chain[0]);
    let doc = inspect(chip(&p.cvca, |_| {}), p.chain, p.is_key);
    failed("E_17", &doc, "refused certificate NODVPOLICE001");
}

#[test]
fn iso7816_e_18_wrong_signature_in_is_certificate() {
    let mut p = valid(P256);
    p.chain[1] = bad_signature(&p.chain[1]);
    let doc = inspect(chip(&p.cvca, |_| {}), p.chain, p.is_key);
    failed("E_18", &doc, "refused certificate NOISGATE00042");
}

#[test]
fn iso7816_e_19_expired_certificate_chain() {
    // The chip's date is 2026-12-06; the IS certificate expired on 2026-12-03.
    let p = pki(P256, 0, IsRights::DG3_DG4, date(2026, 12, 3));
    let doc = inspect(chip(&p.cvca, |_| {}), p.chain, p.is_key);
    failed("E_19", &doc, "refused certificate NOISGATE00042");
}

#[test]
fn iso7816_e_24_missing_certificates() {
    // The DV certificate is missing: the IS certificate's CAR is no CVCA the chip lists.
    let mut p = valid(P256);
    p.chain.remove(0);
    let doc = inspect(chip(&p.cvca, |_| {}), p.chain, p.is_key);
    failed("E_24", &doc, "EF.CVCA lists NOCVCA00001");
}

#[test]
fn iso7816_e_26_additional_data_groups() {
    let p = valid(P256);
    let dg11 = emrtd_tlv::encode(
        0x6B,
        &[
            emrtd_tlv::encode(0x5C, &[0x5F, 0x0E]),
            emrtd_tlv::encode(0x5F0E, b"OESTENBYEN<<AASAMUND"),
        ]
        .concat(),
    );
    let dg12 = emrtd_tlv::encode(
        0x6C,
        &[
            emrtd_tlv::encode(0x5C, &[0x5F, 0x19]),
            emrtd_tlv::encode(0x5F19, b"POLITIET"),
        ]
        .concat(),
    );
    let chip = chip(&p.cvca, |pr| {
        pr.files.insert("DG11".into(), hex::encode(&dg11));
        pr.files.insert("DG12".into(), hex::encode(&dg12));
    });
    let doc = inspect(chip, p.chain, p.is_key);
    successful("E_26", &doc);
    assert_eq!(doc.files.get(&EfId::Dg(11)), Some(&dg11));
    assert_eq!(doc.files.get(&EfId::Dg(12)), Some(&dg12));
}

#[test]
fn iso7816_e_28_chip_authentication_with_224_bits_terminal_authentication_with_256() {
    let p = valid(P256);
    let chip = chip(&p.cvca, |pr| {
        // secp224r1 (standardized domain parameters 10) for Chip Authentication.
        pr.chip_authentication = Some(CaConfig {
            cipher: "3DES".into(),
            parameter_id: 10,
            key_id: None,
        });
    });
    let doc = inspect(chip, p.chain, p.is_key);
    successful("E_28", &doc);
}

/// The chip stores only DG`dg` of DG3/DG4.
fn only(dg: u8) -> Document {
    let p = valid(P256);
    let chip = chip(&p.cvca, |pr| {
        pr.files.remove(if dg == 3 { "DG4" } else { "DG3" });
    });
    let doc = inspect(chip, p.chain, p.is_key);
    assert_eq!(
        doc.terminal_authentication.as_ref().unwrap().outcome,
        CheckOutcome::Verified
    );
    let (stored, bytes) = if dg == 3 { (3, DG3) } else { (4, DG4) };
    assert_eq!(
        doc.files.get(&EfId::Dg(stored)).map(Vec::as_slice),
        Some(bytes)
    );
    assert!(!doc.files.contains_key(&EfId::Dg(7 - stored)));
    doc
}

#[test]
fn iso7816_e_29_dg3_but_no_dg4() {
    only(3);
}

#[test]
fn iso7816_e_30_dg4_but_no_dg3() {
    only(4);
}

#[test]
fn iso7816_e_32_trust_anchor_update() {
    // CVCA link certificate NOCVCA00001 → NOCVCA00002, then the DV under the new CVCA.
    let p = pki(P256, 1, IsRights::DG3_DG4, date(2027, 3, 1));
    let doc = inspect(chip(&p.cvca, |_| {}), p.chain, p.is_key);
    successful("E_32", &doc);
}

#[test]
fn iso7816_e_33_two_trust_anchor_updates() {
    let p = pki(P256, 2, IsRights::DG3_DG4, date(2027, 3, 1));
    let doc = inspect(chip(&p.cvca, |_| {}), p.chain, p.is_key);
    successful("E_33", &doc);
}

#[test]
fn iso7816_e_27_chip_authentication_with_dh_2048_terminal_authentication_with_rsa_1024() {
    let p = pki_bits(
        TaAlgorithm::RsaPkcs1v15(RsaHash::Sha256),
        1024,
        0,
        IsRights::DG3_DG4,
        date(2027, 3, 1),
    );
    let chip = chip(&p.cvca, |pr| {
        // 2048-bit MODP group (standardized domain parameters 2): extended length needed.
        pr.chip_authentication = Some(CaConfig {
            cipher: "3DES".into(),
            parameter_id: 2,
            key_id: None,
        });
        pr.chip.extended_length = true;
    });
    let doc = inspect(chip, p.chain, p.is_key);
    successful("E_27", &doc);
}

#[test]
fn iso7816_e_11_external_authenticate_with_wrong_document_number() {
    // The chip binds Terminal Authentication to document number M11T002JM (check digit 4), not
    // the MRZ's: it rejects the inspection system's signature.
    let p = valid(P256);
    let chip = chip(&p.cvca, |pr| {
        pr.eac.as_mut().unwrap().id_document_number = Some("M11T002JM4".into());
    });
    let doc = inspect(chip, p.chain, p.is_key);
    failed("E_11", &doc, "rejected the terminal's signature");
}

/// DG14 lists a TerminalAuthenticationInfo whose `efCVCA` is `spec`; EF.CVCA stays at 011C/1C.
fn ef_cvca_elsewhere(case: &str, spec: &str, says: &str) {
    let p = valid(P256);
    let chip = chip(&p.cvca, |pr| {
        pr.eac.as_mut().unwrap().ta_info_ef_cvca = Some(spec.into());
    });
    let doc = inspect(chip, p.chain, p.is_key);
    failed(case, &doc, says);
    assert!(!doc.files.contains_key(&EfId::Cvca), "{case}");
}

#[test]
fn iso7816_e_22_ta_info_file_id_does_not_match_ef_cvca() {
    // EF.CVCA is read where DG14 says (SELECT 011F): not there.
    ef_cvca_elsewhere("E_22", "011F", "file identifier 011F");
}

#[test]
fn iso7816_e_23_ta_info_short_file_id_does_not_match_ef_cvca() {
    // Read by short file identifier 1A, as DG14 says: not there (and not looked for by FID).
    ef_cvca_elsewhere("E_23", "011C/1A", "short file identifier 1A");
}

#[test]
fn ta_info_naming_the_default_ef_cvca_location_reads_it_there() {
    // The same entry with the real location (FID only: read after SELECT 011C) succeeds.
    for spec in ["011C", "011C/1C"] {
        let p = valid(P256);
        let chip = chip(&p.cvca, |pr| {
            pr.eac.as_mut().unwrap().ta_info_ef_cvca = Some(spec.into());
        });
        let doc = inspect(chip, p.chain, p.is_key);
        successful(spec, &doc);
    }
}

#[test]
fn iso7816_e_34_offered_but_not_needed_trust_anchor_update() {
    // The chip already trusts NOCVCA00002 (EF.CVCA lists it); the inspection system offers the
    // link certificate NOCVCA00001 → NOCVCA00002 before its DV: the link is not sent, the DV
    // under NOCVCA00002 is.
    let p = pki(P256, 1, IsRights::DG3_DG4, date(2027, 3, 1));
    let link = p.chain[0].clone();
    assert_eq!(link.chr().to_string(), "NOCVCA00002");
    let mut chip = chip(&link, |_| {});
    chip.record();
    let access = AccessKey::from_mrz(&chip.profile().parsed_mrz().unwrap()).unwrap();
    let options = ReadOptions {
        terminal_authentication: Some(TerminalAuthConfig::new(p.chain, p.is_key)),
        ..ReadOptions::default()
    };
    let doc = read_document(&mut chip, &access, &options).unwrap();
    successful("E_34", &doc);
    // Two certificates verified (DV, IS): two PSO:Verify Certificate (last part of each).
    let pso = chip
        .recorded()
        .iter()
        .filter(|(c, _)| c[1] == 0x2A && c[0] & 0x10 == 0)
        .count();
    assert_eq!(pso, 2);
}

/// Terminal Authentication version 2 (after PACE, before Chip Authentication v2) with RSA
/// PKCS#1 v1.5, RSA-PSS and ECDSA terminal keys, as engine steps on a version 2 chip (the
/// ISO7816_E cases above run version 1; the algorithms are the same, the data signed and the
/// order of the steps are not).
#[test]
fn ta_v2_runs_with_rsa_pkcs1_v15_rsa_pss_and_ecdsa_terminal_keys() {
    for alg in [
        TaAlgorithm::RsaPkcs1v15(RsaHash::Sha256),
        TaAlgorithm::RsaPss(RsaHash::Sha256),
        TaAlgorithm::Ecdsa(HashAlg::Sha256),
    ] {
        let p = valid(alg);
        let mut profile = Profile::builtin("norway-id").unwrap();
        profile.eac = Some(EacConfig {
            cvca: hex::encode(p.cvca.encode()),
            date: "2026-12-06".into(),
            version: 2,
            ..Default::default()
        });
        profile.files.insert("DG3".into(), hex::encode(DG3));
        profile.files.insert("DG4".into(), hex::encode(DG4));
        let doc = inspect(VirtualChip::new(profile).unwrap(), p.chain, p.is_key);
        successful(&format!("{alg:?}"), &doc);
        let ta = doc.terminal_authentication.as_ref().unwrap();
        assert_eq!(ta.version, Some(TaVersion::V2), "{alg:?}");
        assert!(
            doc.chip_authentication.as_ref().unwrap().is_verified(),
            "{alg:?}"
        );
    }
}
