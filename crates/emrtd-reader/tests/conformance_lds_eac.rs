//! BSI TR-03105-5.1 data-level units behind Extended Access Control, through the whole reader:
//! LDS_D (DG3), LDS_E (DG4) and LDS_G (EF.CVCA). The chip is CFG.DFLT.EAC on the virtual chip
//! (the data page of Erika Mustermann, BAC, Chip Authentication with ECDH P-224 and 3DES, EAC
//! trusting the stored test CVCA `NOCVCA00001`) holding the case's file from
//! `fixtures/lds/tr03105` (EF.SOD signed over it, as the plan's configurations require). The
//! inspection system runs Terminal Authentication with the stored test chain
//! (`fixtures/eac/test-pki`: DV `NODVTEST00001`, terminal `NOISTEST00001`), so DG3 and DG4 are
//! really read and decoded. See docs/conformance.md.

mod conformance_support;

use conformance_support::*;
use emrtd_auth::DataGroup;
use emrtd_eac::{CvCertificate, Pkcs8Signer};
use emrtd_reader::{CheckOutcome, EfId, ReadOptions, Refusal, TerminalAuthConfig};
use emrtd_sim::profile::{CaConfig, EacConfig};
use emrtd_sim::Profile;
use rand::SeedableRng;
use serde_json::Value;
use std::sync::Arc;

fn manifest_entry(id: &str) -> Value {
    let m: Value = serde_json::from_slice(&fixture("lds/tr03105/manifest.json")).unwrap();
    m["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in the manifest"))
        .clone()
}

fn case_bytes(id: &str) -> Vec<u8> {
    fixture(&format!(
        "lds/tr03105/{}",
        manifest_entry(id)["fixture"].as_str().unwrap()
    ))
}

/// CFG.DFLT.EAC on the virtual chip: BAC, Chip Authentication (ECDH secp224r1, 3DES, as the
/// plan's DG14), EAC with the stored test CVCA and the chip's date 2026-12-06, DG3 and DG4 of
/// the BSI 2008 test passport (fingerprint image set 1, iris image set 2).
fn eac_profile() -> Profile {
    let mut p = bac_profile();
    p.chip_authentication = Some(CaConfig {
        cipher: "3DES".into(),
        parameter_id: 10,
        key_id: None,
    });
    p.eac = Some(EacConfig {
        cvca: hex::encode(fixture("eac/test-pki/NOCVCA00001.cvcert")),
        date: "2026-12-06".into(),
        static_binding: false,
        ..EacConfig::default()
    });
    p.files.insert(
        "DG3".into(),
        hex::encode(fixture("lds/bsi2008/Datagroup3.bin")),
    );
    p.files.insert(
        "DG4".into(),
        hex::encode(fixture("lds/bsi2008/Datagroup4.bin")),
    );
    p
}

/// The inspection system's Terminal Authentication: the stored DV and terminal certificates
/// and the terminal key.
fn terminal_authentication() -> ReadOptions {
    let chain = ["NODVTEST00001.cvcert", "NOISTEST00001.cvcert"]
        .map(|f| CvCertificate::decode(&fixture(&format!("eac/test-pki/{f}"))).unwrap())
        .to_vec();
    let algorithm = chain[1].body.public_key.algorithm;
    let key = Pkcs8Signer::from_pkcs8(
        &fixture("eac/test-pki/NOISTEST00001.pkcs8.der"),
        algorithm,
        Box::new(rand::rngs::StdRng::seed_from_u64(16)),
    )
    .unwrap();
    ReadOptions {
        terminal_authentication: Some(TerminalAuthConfig::new(chain, Arc::new(key))),
        ..ReadOptions::default()
    }
}

/// The chip of case `id`: CFG.DFLT.EAC with the case's file in place.
fn case_profile(id: &str) -> (Profile, &'static str) {
    let entry = manifest_entry(id);
    let name = match entry["file"].as_str().unwrap() {
        "DG3" => "DG3",
        "DG4" => "DG4",
        "EF.CVCA" => "CVCA",
        other => panic!("{id}: {other} is not a file behind EAC"),
    };
    let mut p = eac_profile();
    p.files.insert(name.into(), hex::encode(case_bytes(id)));
    (p, name)
}

fn run(id: &str) -> Outcome {
    let (p, _) = case_profile(id);
    inspect_with_options(
        chip(&p),
        &mrz_key(&p),
        &trust(),
        Some(&data_page(&p)),
        &terminal_authentication(),
    )
}

/// "MRTD inspection procedure successful": Terminal Authentication verified, DG3 and DG4 read
/// as stored (the case's file among them), everything verified and decoded without findings.
#[track_caller]
fn successful(id: &str) {
    let (doc, verdict) = run(id).successful(id);
    let ta = doc.terminal_authentication.as_ref().expect("TA report");
    assert_eq!(ta.outcome, CheckOutcome::Verified, "{id}");
    let (p, name) = case_profile(id);
    for dg in ["DG3", "DG4"] {
        let n = dg[2..].parse().unwrap();
        let stored = hex::decode(&p.files[dg]).unwrap();
        assert_eq!(doc.files.get(&EfId::Dg(n)), Some(&stored), "{id}: {dg}");
    }
    assert_eq!(
        verdict.lds_conformance.status(),
        emrtd_auth::CheckStatus::Passed,
        "{id}: {}",
        verdict.lds_conformance.reason()
    );
    assert!(
        verdict
            .passive_authentication
            .data_groups
            .get(&name.parse::<DataGroup>().unwrap())
            == Some(&emrtd_auth::DgStatus::Match),
        "{id}: {name} hash not compared"
    );
}

/// "MRTD inspection procedure failed", for a reason about the case's file: the reason names
/// it, and (for DG3/DG4) the file got past Terminal Authentication, so the failure is the
/// file's content and not access to it.
#[track_caller]
fn failed(id: &str) -> (Stage, String) {
    let (_, name) = case_profile(id);
    let (stage, why) = run(id).failed(id);
    eprintln!("{id}: {stage:?}: {why}");
    assert!(
        why.contains(name),
        "{id}: failed at {stage:?} for another reason: {why}"
    );
    (stage, why)
}

/// A failed case whose file the reader read whole (Terminal Authentication verified), and
/// whose content the verdict rejects with `says`.
#[track_caller]
fn failed_on_content(id: &str, says: &str) {
    let (_, name) = case_profile(id);
    let outcome = run(id);
    let Outcome::Failed {
        stage,
        reason,
        verdict: Some(verdict),
        ..
    } = outcome
    else {
        panic!("{id}: expected a failed verification, got {outcome:?}")
    };
    assert!(
        matches!(stage, Stage::Lds | Stage::Verify),
        "{id}: {stage:?}"
    );
    assert!(reason.contains(name), "{id}: {reason}");
    assert!(
        reason.contains(says),
        "{id}: {reason} does not say {says:?}"
    );
    // Passive Authentication itself holds (EF.SOD was signed over the broken file): the
    // verdict rejects the file for what it is, not for a hash mismatch.
    assert_eq!(
        verdict.passive_authentication.status,
        emrtd_auth::Verdict::Valid,
        "{id}: {:?}",
        verdict.summary
    );
    assert_eq!(
        verdict.lds_conformance.status(),
        emrtd_auth::CheckStatus::Failed,
        "{id}"
    );
}

// ---- LDS_D: DG3 ------------------------------------------------------------------------------

#[test]
fn lds_d_01_two_jpeg2000_fingerprint_images() {
    successful("LDS_D_01");
}

#[test]
fn lds_d_02_two_wsq_fingerprint_images() {
    successful("LDS_D_02");
}

#[test]
fn lds_d_03_three_wsq_fingerprint_images() {
    successful("LDS_D_03");
}

#[test]
fn lds_d_04_dg_tag_63_wrong() {
    failed_on_content("LDS_D_04", "expected tag 63");
}

#[test]
fn lds_d_05_dg_tag_63_length_too_small() {
    // The reader reads the length the header declares: one byte short of what EF.SOD hashed.
    let (stage, why) = failed("LDS_D_05");
    assert_eq!(stage, Stage::Verify, "{why}");
}

#[test]
fn lds_d_06_dg_tag_63_length_too_big() {
    // The file ends one byte before its declared length: the read of DG3 fails.
    let (stage, why) = failed("LDS_D_06");
    assert_eq!(stage, Stage::Read, "{why}");
}

#[test]
fn lds_d_07_bigt_missing_number_of_instances() {
    failed_on_content("LDS_D_07", "number of instances (02)");
}

#[test]
fn lds_d_08_bht_format_owner_not_allowed() {
    failed_on_content("LDS_D_08", "format owner (87): 01FF");
}

#[test]
fn lds_d_09_bht_missing_format_owner() {
    failed_on_content("LDS_D_09", "format owner (87)");
}

#[test]
fn lds_d_10_bht_format_type_not_allowed() {
    failed_on_content("LDS_D_10", "format type (88): 0009");
}

#[test]
fn lds_d_11_bht_missing_format_type() {
    failed_on_content("LDS_D_11", "format type (88)");
}

#[test]
fn lds_d_12_bht_incorrect_biometric_subtype() {
    failed_on_content("LDS_D_12", "biometric subtype (82): FE");
}

#[test]
fn lds_d_13_bht_missing_biometric_subtype() {
    failed_on_content("LDS_D_13", "biometric subtype (82): missing");
}

#[test]
fn lds_d_14_grh_incorrect_format_identifier() {
    failed_on_content("LDS_D_14", "format identifier \"FIR\\0\"");
}

#[test]
fn lds_d_15_missing_fingerprint_image_in_instance_two() {
    failed_on_content("LDS_D_15", "biometric data block (5F2E)");
}

#[test]
fn lds_d_16_two_raw_fingerprint_images() {
    successful("LDS_D_16");
}

// ---- LDS_E: DG4 ------------------------------------------------------------------------------

#[test]
fn lds_e_01_two_jpeg2000_iris_images() {
    successful("LDS_E_01");
}

#[test]
fn lds_e_02_two_raw_iris_images() {
    successful("LDS_E_02");
}

#[test]
fn lds_e_03_dg_tag_76_wrong() {
    failed_on_content("LDS_E_03", "expected tag 76");
}

#[test]
fn lds_e_04_dg_tag_76_length_too_small() {
    let (stage, why) = failed("LDS_E_04");
    assert_eq!(stage, Stage::Verify, "{why}");
}

#[test]
fn lds_e_05_dg_tag_76_length_too_big() {
    let (stage, why) = failed("LDS_E_05");
    assert_eq!(stage, Stage::Read, "{why}");
}

#[test]
fn lds_e_06_bigt_missing_number_of_instances() {
    failed_on_content("LDS_E_06", "number of instances (02)");
}

#[test]
fn lds_e_07_bht_illegal_format_owner() {
    failed_on_content("LDS_E_07", "format owner (87): 01FF");
}

#[test]
fn lds_e_08_bht_missing_format_owner() {
    failed_on_content("LDS_E_08", "format owner (87)");
}

#[test]
fn lds_e_09_bht_format_type_not_allowed() {
    failed_on_content("LDS_E_09", "format type (88): 000F");
}

#[test]
fn lds_e_10_bht_missing_format_type() {
    failed_on_content("LDS_E_10", "format type (88)");
}

#[test]
fn lds_e_11_bht_incorrect_biometric_subtype() {
    failed_on_content("LDS_E_11", "biometric subtype (82): FE");
}

#[test]
fn lds_e_12_bht_missing_biometric_subtype() {
    failed_on_content("LDS_E_12", "biometric subtype (82): missing");
}

#[test]
fn lds_e_13_bht_incorrect_format_identifier() {
    failed_on_content("LDS_E_13", "format identifier \"IIR\\0\"");
}

#[test]
fn lds_e_14_missing_iris_image_in_instance_two() {
    failed_on_content("LDS_E_14", "biometric data block (5F2E)");
}

// ---- LDS_G: EF.CVCA --------------------------------------------------------------------------

/// A broken EF.CVCA: Terminal Authentication cannot choose a chain (it fails, saying why),
/// DG3 and DG4 stay refused, and the verdict's LDS check names EF.CVCA.
#[track_caller]
fn cvca_case(id: &str, ta_says: &str, lds_says: &str) {
    let (p, _) = case_profile(id);
    let outcome = run(id);
    let Outcome::Failed {
        stage,
        reason,
        verdict: Some(verdict),
        ..
    } = &outcome
    else {
        panic!("{id}: expected \"inspection procedure failed\", got {outcome:?}")
    };
    assert_eq!(*stage, Stage::Lds, "{id}: {reason}");
    assert!(reason.contains("CVCA"), "{id}: {reason}");
    assert!(reason.contains(lds_says), "{id}: {reason}");
    assert_eq!(
        verdict.lds_conformance.status(),
        emrtd_auth::CheckStatus::Failed
    );
    // The same read, for the report of Terminal Authentication.
    let doc =
        emrtd_reader::read_document(chip(&p), &mrz_key(&p), &terminal_authentication()).unwrap();
    let ta = doc.terminal_authentication.as_ref().unwrap();
    match &ta.outcome {
        CheckOutcome::Failed(why) => assert!(why.contains(ta_says), "{id}: {why}"),
        other => panic!("{id}: Terminal Authentication {other}, expected failed"),
    }
    for dg in [3, 4] {
        assert_eq!(
            doc.refused.get(&EfId::Dg(dg)),
            Some(&Refusal::TerminalAuthenticationFailed),
            "{id}: DG{dg}"
        );
    }
    assert_eq!(doc.files.get(&EfId::Cvca), Some(&case_bytes(id)), "{id}");
}

#[test]
fn lds_g_01_first_car_not_encoded_by_tag_42() {
    cvca_case("LDS_G_01", "EF.CVCA cannot be decoded", "padding");
}

#[test]
fn lds_g_02_missing_cars_file_empty_no_trust_point() {
    cvca_case("LDS_G_02", "EF.CVCA lists", "no trust point");
}

/// The default EAC chip of these cases is read whole: the checks above fail only for the
/// broken element (the default EF.CVCA names the chip's trust point; DG3 and DG4 decode).
#[test]
fn the_default_eac_configuration_is_successful() {
    let p = eac_profile();
    let (doc, verdict) = inspect_with_options(
        chip(&p),
        &mrz_key(&p),
        &trust(),
        Some(&data_page(&p)),
        &terminal_authentication(),
    )
    .successful("CFG.DFLT.EAC");
    assert!(doc.files.contains_key(&EfId::Cvca));
    assert!(doc.files.contains_key(&EfId::Dg(3)) && doc.files.contains_key(&EfId::Dg(4)));
    assert_eq!(
        verdict.lds_conformance.status(),
        emrtd_auth::CheckStatus::Passed,
        "{}",
        verdict.lds_conformance.reason()
    );
}

/// EF.CVCA is not one TLV object: a chip trusting two CVCA keys lists two CARs, and the reader
/// reads the whole file. Here the chain starts at the second CAR, so Terminal Authentication
/// passes only if the second CAR was read.
#[test]
fn ef_cvca_is_read_whole_and_its_second_car_can_choose_the_chain() {
    let mut p = eac_profile();
    let cvca =
        emrtd_lds::cvca::EfCvca::new(vec!["NOCVCA00009".into(), "NOCVCA00001".into()]).encode();
    assert_eq!(cvca.len(), emrtd_lds::cvca::CVCA_FILE_SIZE);
    p.files.insert("CVCA".into(), hex::encode(&cvca));
    let doc =
        emrtd_reader::read_document(chip(&p), &mrz_key(&p), &terminal_authentication()).unwrap();
    assert_eq!(doc.files.get(&EfId::Cvca), Some(&cvca));
    let ta = doc.terminal_authentication.as_ref().unwrap();
    assert_eq!(ta.outcome, CheckOutcome::Verified);
    assert!(doc.files.contains_key(&EfId::Dg(3)));
}

// ---- beyond the plan: DG14 with bytes after its SecurityInfos (field quirk D15) --------------

/// Some Swedish ID cards carry bytes inside DG14 after the SET of SecurityInfos. The file is
/// signed as it is: Chip Authentication uses the SET and passes, the verdict is valid, and the
/// LDS check lists the trailing bytes as a finding (informational).
#[test]
fn a_dg14_with_bytes_after_its_security_infos_is_verified_with_a_finding() {
    let mut p = bac_profile();
    p.chip_authentication = Some(CaConfig {
        cipher: "3DES".into(),
        parameter_id: 10,
        key_id: None,
    });
    let dg14 = chip(&p).file("DG14").unwrap().to_vec();
    let outer = emrtd_tlv::parse_exact(&dg14).unwrap();
    let with_trailing = emrtd_tlv::encode(0x6E, &[outer.value, &[0x00, 0x00, 0x90, 0x00]].concat());
    p.files.insert("DG14".into(), hex::encode(&with_trailing));
    let verdict = inspect_with(chip(&p), &mrz_key(&p), &trust(), Some(&data_page(&p)))
        .failed_only_on_findings("D15");
    assert_eq!(
        verdict.passive_authentication.data_groups[&DataGroup::DG14],
        emrtd_auth::DgStatus::Match
    );
    assert_eq!(
        verdict.chip_authentication.status(),
        emrtd_auth::CheckStatus::Passed,
        "{}",
        verdict.chip_authentication.reason()
    );
    assert_eq!(
        verdict.status,
        emrtd_auth::Verdict::Valid,
        "{:?}",
        verdict.summary
    );
    assert!(verdict.lds_conformance.informational);
    assert!(
        verdict
            .lds_conformance
            .reason()
            .contains("DG14: SecurityInfos: 4 byte(s) after the SET"),
        "{}",
        verdict.lds_conformance.reason()
    );
}

// ---- beyond the plan: data-group hashes in another algorithm (field quirk D8) ----------------

/// Some EF.SODs hash the data groups with one algorithm (the LDSSecurityObject's, here
/// SHA-512) and digest the signed content with another (the SignerInfo's, here SHA-256). Each
/// is used where RFC 5652 and ICAO 9303-10 put it: the document verifies.
#[test]
fn data_group_hashes_in_another_algorithm_than_the_signers_digest_verify() {
    use emrtd_crypto::sig::HashAlg;
    use emrtd_sim::hostile::{ecdsa_oid, SodSpec};
    let mut p = bac_profile();
    let plain = chip(&p);
    let dgs: Vec<(u8, Vec<u8>)> = [1u8, 2]
        .iter()
        .map(|n| (*n, plain.file(&format!("DG{n}")).unwrap().to_vec()))
        .collect();
    let refs: Vec<(u8, &[u8])> = dgs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let mut spec = SodSpec::with_hash(&refs, HashAlg::Sha512);
    spec.digest_algorithm = HashAlg::Sha256.oid().into();
    spec.signature_algorithm = ecdsa_oid(HashAlg::Sha256, false).into();
    p.files
        .insert("SOD".into(), hex::encode(spec.sign().unwrap()));
    let (_, verdict) = inspect(chip(&p), &p).successful("D8");
    let pa = &verdict.passive_authentication;
    for dg in [DataGroup::DG1, DataGroup::DG2] {
        assert_eq!(pa.data_groups[&dg], emrtd_auth::DgStatus::Match, "{dg}");
    }
    // The same EF.SOD with one data group changed fails: the SHA-512 hashes are compared.
    let mut tampered = p.clone();
    let mut dg1 = dgs[0].1.clone();
    let last = dg1.len() - 1;
    dg1[last] ^= 0x01;
    tampered.files.insert("DG1".into(), hex::encode(&dg1));
    let v = inspect(chip(&tampered), &tampered).verify_failure("D8 tampered");
    assert_eq!(
        v.passive_authentication.data_groups[&DataGroup::DG1],
        emrtd_auth::DgStatus::Mismatch
    );
}

// ---- beyond the plan: no Active Authentication without DG15 (field quirk C4) ----------------

/// Counts the INTERNAL AUTHENTICATE commands sent through it (plain or protected).
struct CountingInternalAuthenticate<T> {
    inner: T,
    sent: std::rc::Rc<std::cell::Cell<usize>>,
}

impl<T: emrtd_apdu::Transport> emrtd_apdu::Transport for CountingInternalAuthenticate<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, emrtd_apdu::TransportError> {
        if apdu.get(1) == Some(&emrtd_apdu::ins::INTERNAL_AUTHENTICATE) {
            self.sent.set(self.sent.get() + 1);
        }
        self.inner.transmit(apdu)
    }
}

/// Chips without DG15 answer INTERNAL AUTHENTICATE with 6A88 (field quirk C4): the reader sends
/// none to a chip whose EF.COM and EF.SOD list no DG15, and reports Active Authentication as
/// not offered (skipped), never as passed. With DG15 it is sent.
#[test]
fn a_chip_without_dg15_gets_no_internal_authenticate() {
    let run = |p: &Profile| {
        let sent = std::rc::Rc::new(std::cell::Cell::new(0));
        let transport = CountingInternalAuthenticate {
            inner: chip(p),
            sent: sent.clone(),
        };
        let (_, verdict) = inspect(transport, p).successful("C4");
        (sent.get(), verdict.active_authentication.status())
    };
    let without = bac_profile();
    assert_eq!(without.active_authentication, "none");
    assert!(chip(&without).file("DG15").is_none());
    assert_eq!(run(&without), (0, emrtd_auth::CheckStatus::Skipped));
    let mut with = bac_profile();
    with.active_authentication = "ec-p256".into();
    let (sent, status) = run(&with);
    assert!(sent >= 1);
    assert_eq!(status, emrtd_auth::CheckStatus::Passed);
}
