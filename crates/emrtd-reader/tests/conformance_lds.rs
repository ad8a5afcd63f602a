//! BSI TR-03105-5.1 layer-7 units through the whole reader: LDS_A (EF.COM), LDS_B (DG1),
//! LDS_C (DG2), LDS_I (DG15), LDS_K (EF.ATR/INFO) with the data-level fixtures
//! of `fixtures/lds/tr03105` served by a BAC chip whose EF.SOD is re-signed over them (as the
//! plan's configurations require), and LDS_H (EF.SOD) with EF.SOD variants signed by the test
//! Document Signer. See docs/conformance.md.

mod conformance_support;

use conformance_support::*;
use emrtd_apdu::ins;
use emrtd_auth::Verdict;
use emrtd_crypto::sig::HashAlg;
use emrtd_lds::sod::DigestAlgorithm;
use emrtd_sim::hostile::{ecdsa_oid, edit_signed_data, resign, HostileChip, Sid, SodSpec};
use emrtd_sim::Profile;
use emrtd_tlv::Tlv;
use serde_json::Value;

// ---- LDS_A, LDS_B, LDS_C, LDS_F, LDS_I, LDS_K: the data-level fixtures ----------------------

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

/// The chip of a data-level case: CFG.DFLT.BAC with the case's file; EF.SOD is signed over it.
fn fixture_case(id: &str) -> (Profile, Option<String>, String) {
    let case = manifest_entry(id);
    let bytes = fixture(&format!(
        "lds/tr03105/{}",
        case["fixture"].as_str().unwrap()
    ));
    let mut p = bac_profile();
    let (name, short) = match case["file"].as_str().unwrap() {
        "EF.COM" => ("COM", "COM"),
        "EF.ATR/INFO" => {
            p.chip.extended_length = true;
            p.chip.max_read = 4096;
            ("ATRINFO", "ATR")
        }
        dg => (dg, dg),
    };
    p.files.insert(name.into(), hex::encode(&bytes));
    if name == "COM" {
        // The chip holds the data groups its EF.COM lists, so that EF.SOD (signed over the
        // chip's data groups) agrees with EF.COM (LDS_H_90–92): DG3/DG4 are EAC-protected
        // (never readable here), DG14 is an empty SecurityInfos set.
        if let Ok(com) = emrtd_lds::com::EfCom::decode(&bytes) {
            for n in com.data_groups() {
                let filler = match n {
                    3 => "630402020100",
                    4 => "760402020100",
                    14 => "6E023100",
                    _ => continue,
                };
                p.files
                    .entry(format!("DG{n}"))
                    .or_insert_with(|| filler.into());
            }
        }
    }
    let page = case["data_page_mrz"].as_str().map(str::to_string);
    (p, page, short.to_string())
}

/// Run a data-level case and compare with the manifest's expected verdict.
fn manifest_case(id: &str) -> HostileChip {
    let (p, page, file) = fixture_case(id);
    let mut chip = HostileChip::new(chip(&p), vec![]);
    let outcome = inspect_with(&mut chip, &mrz_key(&p), &trust(), page.as_deref());
    match manifest_entry(id)["expected"].as_str().unwrap() {
        "pass" => {
            outcome.successful(id);
        }
        _ => {
            let (stage, why) = outcome.failed(id);
            eprintln!("{id}: {stage:?}: {why}");
            assert!(
                why.contains(&file) || stage == Stage::DataPage,
                "{id}: failed at {stage:?} for another reason: {why}"
            );
        }
    }
    chip
}

macro_rules! manifest_cases {
    ($($name:ident => $id:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                manifest_case($id);
            }
        )*
    };
}

manifest_cases! {
    lds_a_01_dg_tag_60_wrong => "LDS_A_01",
    lds_a_02_dg_tag_60_length_too_small => "LDS_A_02",
    lds_a_03_dg_tag_60_length_too_big => "LDS_A_03",
    lds_a_04_incorrect_lds_version => "LDS_A_04",
    lds_a_05_missing_lds_version => "LDS_A_05",
    lds_a_06_incorrect_unicode_version => "LDS_A_06",
    lds_a_07_missing_unicode_version => "LDS_A_07",
    lds_a_08_incorrect_dgpm_missing_dg1 => "LDS_A_08",
    lds_a_09_missing_dgpm => "LDS_A_09",
    lds_a_10_ef_com_with_lds_version_1_8 => "LDS_A_10",
    lds_b_01_mrz_with_optional_data => "LDS_B_01",
    lds_b_02_abbreviated_secondary_identifier => "LDS_B_02",
    lds_b_03_no_secondary_identifier => "LDS_B_03",
    lds_b_04_no_optional_data_check_digit_0 => "LDS_B_04",
    lds_b_05_dg_tag_61_wrong => "LDS_B_05",
    lds_b_06_dg_tag_61_length_too_small => "LDS_B_06",
    lds_b_07_dg_tag_61_length_too_big => "LDS_B_07",
    lds_b_08_document_type_unknown => "LDS_B_08",
    lds_b_09_issuing_state_syntax_error => "LDS_B_09",
    lds_b_10_name_is_void => "LDS_B_10",
    lds_b_11_name_differs_from_data_page => "LDS_B_11",
    lds_b_12_document_number_differs_from_data_page => "LDS_B_12",
    lds_b_13_wrong_document_number_check_digit => "LDS_B_13",
    lds_b_14_nationality_syntax_error => "LDS_B_14",
    lds_b_15_date_of_birth_syntax_error => "LDS_B_15",
    lds_b_16_date_of_birth_error => "LDS_B_16",
    lds_b_17_wrong_date_of_birth_check_digit => "LDS_B_17",
    lds_b_18_incorrect_sex => "LDS_B_18",
    lds_b_19_date_of_expiry_syntax_error => "LDS_B_19",
    lds_b_20_date_of_expiry_error => "LDS_B_20",
    lds_b_21_wrong_date_of_expiry_check_digit => "LDS_B_21",
    lds_b_22_wrong_optional_data_check_digit => "LDS_B_22",
    lds_b_23_wrong_composite_check_digit => "LDS_B_23",
    lds_b_24_missing_mrz_data_object => "LDS_B_24",
    lds_b_25_birth_date_without_day => "LDS_B_25",
    lds_b_26_birth_date_without_month => "LDS_B_26",
    lds_b_27_birth_date_without_year => "LDS_B_27",
    lds_b_28_birth_date_missing => "LDS_B_28",
    lds_c_01_jpeg2000_full_frontal => "LDS_C_01",
    lds_c_02_jpeg_full_frontal => "LDS_C_02",
    lds_c_03_jpeg2000_with_feature_points => "LDS_C_03",
    lds_c_04_dg_tag_75_wrong => "LDS_C_04",
    lds_c_05_dg_tag_75_length_too_small => "LDS_C_05",
    lds_c_06_dg_tag_75_length_too_big => "LDS_C_06",
    lds_c_07_bit_missing_number_of_instances => "LDS_C_07",
    lds_c_08_bht_format_owner_not_allowed => "LDS_C_08",
    lds_c_09_bht_missing_format_owner => "LDS_C_09",
    lds_c_10_bht_format_type_not_allowed => "LDS_C_10",
    lds_c_11_bht_missing_format_type => "LDS_C_11",
    lds_c_12_bht_deprecated_biometric_type => "LDS_C_12",
    lds_c_13_bht_incorrect_biometric_type => "LDS_C_13",
    lds_c_14_frh_incorrect_format_identifier => "LDS_C_14",
    lds_c_15_frh_incorrect_version => "LDS_C_15",
    lds_c_16_fib_incorrect_record_length => "LDS_C_16",
    lds_c_17_fib_incorrect_gender => "LDS_C_17",
    lds_c_18_fib_incorrect_eye_colour => "LDS_C_18",
    lds_c_19_fib_incorrect_hair_colour => "LDS_C_19",
    lds_c_20_fib_incorrect_pose_yaw => "LDS_C_20",
    lds_c_21_fib_incorrect_pose_pitch => "LDS_C_21",
    lds_c_22_fib_incorrect_pose_roll => "LDS_C_22",
    lds_c_23_fib_incorrect_pose_uncertainty_yaw => "LDS_C_23",
    lds_c_24_fib_incorrect_pose_uncertainty_pitch => "LDS_C_24",
    lds_c_25_fib_incorrect_pose_uncertainty_roll => "LDS_C_25",
    lds_c_26_iib_incorrect_face_image_type => "LDS_C_26",
    lds_c_27_iib_incorrect_image_data_type => "LDS_C_27",
    lds_c_28_missing_facial_image => "LDS_C_28",
    lds_i_01_dg_tag_6f_wrong => "LDS_I_01",
    lds_i_02_dg_tag_6f_length_too_small => "LDS_I_02",
    lds_i_03_dg_tag_6f_length_too_big => "LDS_I_03",
}

#[test]
fn the_default_files_of_the_fixtures_pass() {
    // The plan's default EF.COM and DG1 (CFG.DFLT.EAC) on the chip. (LDS_F, DG14, is tested
    // on a chip holding the Chip Authentication key: conformance_iso7816_df.rs.)
    for id in ["LDS_A_00", "LDS_B_00"] {
        manifest_case(id);
    }
}

/// A READ BINARY with an extended Le (two-byte DO'97') was sent.
fn used_extended_reads(chip: &HostileChip) -> bool {
    chip.exchanges().iter().any(|(c, _)| {
        let cmd = emrtd_apdu::CommandApdu::parse(c).unwrap();
        cmd.ins == ins::READ_BINARY
            && emrtd_tlv::parse_all(&cmd.data)
                .unwrap()
                .iter()
                .any(|t| t.tag == 0x97 && t.value.len() == 2)
    })
}

#[test]
fn lds_k_01_two_byte_apdu_lengths() {
    let chip = manifest_case("LDS_K_01");
    assert!(used_extended_reads(&chip));
}

#[test]
fn lds_k_02_three_byte_apdu_lengths() {
    let chip = manifest_case("LDS_K_02");
    assert!(used_extended_reads(&chip));
}

#[test]
fn lds_k_03_only_one_command_length() {
    manifest_case("LDS_K_03");
}

#[test]
fn lds_k_04_wrong_tag_7f66() {
    manifest_case("LDS_K_04");
}

// ---- LDS_H: EF.SOD --------------------------------------------------------------------------

/// DG1 and DG2 of CFG.DFLT.BAC on the virtual chip.
fn data_groups() -> Vec<(u8, Vec<u8>)> {
    let c = chip(&bac_profile());
    vec![
        (1, c.file("DG1").unwrap().to_vec()),
        (2, c.file("DG2").unwrap().to_vec()),
    ]
}

fn spec_with(hash: HashAlg) -> SodSpec {
    let dgs = data_groups();
    let refs: Vec<(u8, &[u8])> = dgs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    SodSpec::with_hash(&refs, hash)
}

fn spec() -> SodSpec {
    spec_with(HashAlg::Sha256)
}

/// Inspect CFG.DFLT.BAC with this EF.SOD.
fn with_sod(sod: &[u8]) -> Outcome {
    let mut p = bac_profile();
    p.files.insert("SOD".into(), hex::encode(sod));
    inspect(chip(&p), &p)
}

#[track_caller]
fn sod_valid(case: &str, sod: &[u8]) {
    let (_, v) = with_sod(sod).successful(case);
    assert_eq!(v.passive_authentication.status, Verdict::Valid);
}

/// The inspection fails on EF.SOD: Passive Authentication is invalid (or the file cannot even
/// be read completely).
#[track_caller]
fn sod_invalid(case: &str, sod: &[u8]) -> String {
    match with_sod(sod) {
        Outcome::Failed {
            stage: Stage::Verify,
            verdict: Some(v),
            reason,
            ..
        } => {
            assert_eq!(
                v.passive_authentication.status,
                Verdict::Invalid,
                "{case}: {reason}"
            );
            v.passive_authentication.errors.join("; ")
        }
        Outcome::Failed {
            stage: Stage::Read,
            reason,
            ..
        } if reason.contains("SOD") => reason,
        other => panic!("{case}: expected Passive Authentication to fail, got {other:?}"),
    }
}

fn signed(s: &SodSpec) -> Vec<u8> {
    s.sign().unwrap()
}

fn oid_tlv(oid: &str) -> Tlv {
    Tlv::Primitive {
        tag: 0x06,
        value: emrtd_lds::sod::oid_from_str(oid).unwrap(),
    }
}

fn alg_tlv(oid: &str) -> Tlv {
    Tlv::Constructed {
        tag: 0x30,
        children: vec![oid_tlv(oid)],
    }
}

fn int_tlv(v: u8) -> Tlv {
    Tlv::Primitive {
        tag: 0x02,
        value: vec![v],
    }
}

fn kids(t: &mut Tlv) -> &mut Vec<Tlv> {
    match t {
        Tlv::Constructed { children, .. } => children,
        Tlv::Primitive { .. } => panic!("primitive"),
    }
}

/// The children of the first SignerInfo.
fn signer_info(sd: &mut [Tlv]) -> &mut Vec<Tlv> {
    kids(&mut kids(sd.last_mut().unwrap())[0])
}

fn edited(sod: &[u8], f: impl FnOnce(&mut Vec<Tlv>)) -> Vec<u8> {
    edit_signed_data(sod, f).unwrap()
}

const MD5: &str = "1.2.840.113549.2.5";
const MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";

#[test]
fn lds_h_09_to_14_and_70_to_73_ecdsa_with_every_hash() {
    // The Document Signer is ECDSA P-256: EF.SOD signed with ANSI (X9.62) and BSI (plain)
    // ECDSA OIDs, LDSSecurityObject and SignerInfo digests with the same hash.
    for (case, hash, plain) in [
        ("LDS_H_09", HashAlg::Sha1, false),
        ("LDS_H_10", HashAlg::Sha1, true),
        ("LDS_H_11", HashAlg::Sha224, true),
        ("LDS_H_12", HashAlg::Sha256, true),
        ("LDS_H_13", HashAlg::Sha384, true),
        ("LDS_H_14", HashAlg::Sha512, true),
        ("LDS_H_70", HashAlg::Sha224, false),
        ("LDS_H_71", HashAlg::Sha256, false),
        ("LDS_H_72", HashAlg::Sha384, false),
        ("LDS_H_73", HashAlg::Sha512, false),
    ] {
        let mut s = spec_with(hash);
        s.signature_algorithm = ecdsa_oid(hash, plain).into();
        sod_valid(case, &signed(&s));
    }
}

#[test]
fn lds_h_15_document_signer_not_stored_in_sod() {
    let mut s = spec();
    s.embed_certificate = false;
    let mut p = bac_profile();
    p.files.insert("SOD".into(), hex::encode(signed(&s)));
    // Without the Document Signer nothing can be verified ...
    let (stage, _) = inspect(chip(&p), &p).failed("LDS_H_15 (no DS)");
    assert_eq!(stage, Stage::Verify);
    // ... with it preinstalled (plan chapter 2.2) the document is authentic.
    let mut t = trust();
    t.add_der_certificate(s.dsc).unwrap();
    inspect_with(chip(&p), &mrz_key(&p), &t, Some(&data_page(&p))).successful("LDS_H_15");
    // Also by subjectKeyIdentifier.
    s.sid = Sid::KeyIdentifier;
    p.files.insert("SOD".into(), hex::encode(signed(&s)));
    inspect_with(chip(&p), &mrz_key(&p), &t, Some(&data_page(&p))).successful("LDS_H_15 (SKI)");
}

#[test]
fn lds_h_17_dg_tag_77_wrong() {
    let mut sod = signed(&spec());
    sod[0] = 0x78;
    sod_invalid("LDS_H_17", &sod);
}

#[test]
fn lds_h_18_dg_tag_77_length_too_small() {
    let mut sod = signed(&spec());
    assert_eq!(sod[1], 0x82);
    sod[3] -= 1;
    sod_invalid("LDS_H_18", &sod);
}

#[test]
fn lds_h_19_dg_tag_77_length_too_big() {
    let mut sod = signed(&spec());
    sod[3] += 1;
    sod_invalid("LDS_H_19", &sod);
}

#[test]
fn lds_h_20_signed_data_version_incorrect() {
    let sod = edited(&signed(&spec()), |sd| sd[0] = int_tlv(1));
    sod_invalid("LDS_H_20", &sod);
}

#[test]
fn lds_h_21_signed_data_version_missing() {
    let sod = edited(&signed(&spec()), |sd| {
        sd.remove(0);
    });
    sod_invalid("LDS_H_21", &sod);
}

#[test]
fn lds_h_22_signed_data_illegal_digest_algorithm_md5() {
    let sod = edited(&signed(&spec()), |sd| {
        sd[1] = Tlv::Constructed {
            tag: 0x31,
            children: vec![alg_tlv(MD5)],
        }
    });
    sod_invalid("LDS_H_22", &sod);
}

#[test]
fn lds_h_23_signed_data_missing_digest_algorithm_list() {
    let sod = edited(&signed(&spec()), |sd| {
        sd.remove(1);
    });
    sod_invalid("LDS_H_23", &sod);
}

#[test]
fn lds_h_24_incorrect_content_type_oid() {
    // id-data instead of id-icao-ldsSecurityObject, in eContentType and in the signed
    // content-type attribute, signed again: only the OID is wrong.
    let sod = edited(&signed(&spec()), |sd| {
        kids(&mut sd[2])[0] = oid_tlv("1.2.840.113549.1.7.1");
        let si = signer_info(sd);
        let attrs = si.iter_mut().find(|t| t.tag() == 0xA0).unwrap();
        for a in kids(attrs) {
            let c = kids(a);
            if c[0] == oid_tlv("1.2.840.113549.1.9.3") {
                kids(&mut c[1])[0] = oid_tlv("1.2.840.113549.1.7.1");
            }
        }
    });
    sod_invalid("LDS_H_24", &resign(&sod).unwrap());
}

#[test]
fn lds_h_25_missing_content_type_oid() {
    let sod = edited(&signed(&spec()), |sd| {
        kids(&mut sd[2]).remove(0);
    });
    sod_invalid("LDS_H_25", &sod);
}

#[test]
fn lds_h_26_signer_info_incorrect_version() {
    let sod = edited(&signed(&spec()), |sd| signer_info(sd)[0] = int_tlv(2));
    sod_invalid("LDS_H_26", &sod);
}

#[test]
fn lds_h_27_signer_info_missing_version() {
    let sod = edited(&signed(&spec()), |sd| {
        signer_info(sd).remove(0);
    });
    sod_invalid("LDS_H_27", &sod);
}

#[test]
fn lds_h_28_version_1_and_incorrect_issuer_and_serial_number() {
    let mut s = spec();
    s.sid = Sid::WrongSerial;
    sod_invalid("LDS_H_28", &signed(&s));
}

#[test]
fn lds_h_29_version_3_and_incorrect_subject_key_identifier() {
    let mut s = spec();
    s.sid = Sid::WrongKeyIdentifier;
    sod_invalid("LDS_H_29", &signed(&s));
}

#[test]
fn lds_h_30_signer_info_illegal_digest_algorithm() {
    let sod = edited(&signed(&spec()), |sd| signer_info(sd)[2] = alg_tlv(MD5));
    sod_invalid("LDS_H_30", &sod);
}

#[test]
fn lds_h_31_signer_info_missing_digest_algorithm() {
    let sod = edited(&signed(&spec()), |sd| {
        signer_info(sd).remove(2);
    });
    sod_invalid("LDS_H_31", &sod);
}

#[test]
fn lds_h_32_incorrect_message_digest() {
    let mut s = spec();
    s.message_digest = Some(vec![0x5A; 32]);
    sod_invalid("LDS_H_32", &signed(&s));
}

#[test]
fn lds_h_33_missing_message_digest() {
    // The attribute is removed and the remaining attributes signed again.
    let sod = edited(&signed(&spec()), |sd| {
        let si = signer_info(sd);
        let attrs = si.iter_mut().find(|t| t.tag() == 0xA0).unwrap();
        kids(attrs).retain(|a| match a {
            Tlv::Constructed { children, .. } => children[0] != oid_tlv(MESSAGE_DIGEST),
            Tlv::Primitive { .. } => true,
        });
    });
    sod_invalid("LDS_H_33", &resign(&sod).unwrap());
}

#[test]
fn lds_h_36_signature_algorithm_not_allowed() {
    // md5WithRSAEncryption, md2WithRSAEncryption, and an OID that names no algorithm.
    for oid in [
        "1.2.840.113549.1.1.4",
        "1.2.840.113549.1.1.2",
        "1.3.6.1.4.1.99999.1",
    ] {
        let mut s = spec();
        s.signature_algorithm = oid.into();
        let (stage, why) = with_sod(&signed(&s)).failed("LDS_H_36");
        assert_eq!(stage, Stage::Verify, "{oid}: {why}");
    }
}

#[test]
fn lds_h_37_incorrect_signature() {
    let sod = edited(&signed(&spec()), |sd| {
        let si = signer_info(sd);
        if let Some(Tlv::Primitive { value, .. }) = si.last_mut() {
            let i = value.len() / 2;
            value[i] ^= 0x01;
        }
    });
    let why = sod_invalid("LDS_H_37", &sod);
    assert!(why.contains("signature"), "{why}");
}

#[test]
fn lds_h_38_missing_signature() {
    let sod = edited(&signed(&spec()), |sd| {
        signer_info(sd).pop();
    });
    sod_invalid("LDS_H_38", &sod);
}

#[test]
fn lds_h_39_lds_security_object_incorrect_version() {
    for v in [1, 2, -1] {
        let mut s = spec();
        s.lso.version = v;
        sod_invalid("LDS_H_39", &signed(&s));
    }
}

/// The LDSSecurityObject DER of `s` with its `i`-th element removed.
fn lso_without(s: &SodSpec, i: usize) -> Vec<u8> {
    let mut t = Tlv::parse_tree(&s.lso.to_der().unwrap()).unwrap().remove(0);
    kids(&mut t).remove(i);
    t.encode()
}

#[test]
fn lds_h_40_lds_security_object_missing_version() {
    let mut s = spec();
    s.content = Some(lso_without(&s, 0));
    sod_invalid("LDS_H_40", &signed(&s));
}

#[test]
fn lds_h_41_lds_security_object_illegal_digest_algorithm() {
    let mut s = spec();
    s.lso.hash_algorithm = DigestAlgorithm::from_oid(MD5);
    sod_invalid("LDS_H_41", &signed(&s));
}

#[test]
fn lds_h_42_lds_security_object_missing_digest_algorithm() {
    let mut s = spec();
    s.content = Some(lso_without(&s, 1));
    sod_invalid("LDS_H_42", &signed(&s));
}

#[test]
fn lds_h_43_incorrect_data_group_hash_for_dg2() {
    let mut s = spec();
    s.lso.data_group_hashes[1].1[0] ^= 0x01;
    let why = sod_invalid("LDS_H_43", &signed(&s));
    assert!(why.contains("DG2 hash mismatch"), "{why}");
}

#[test]
fn lds_h_44_missing_data_group_hash_for_dg1() {
    let mut s = spec();
    s.lso.data_group_hashes.retain(|(n, _)| *n != 1);
    let why = sod_invalid("LDS_H_44", &signed(&s));
    assert!(why.contains("DG1"), "{why}");
}

#[test]
fn lds_h_45_additional_data_group_hash_for_dg10() {
    let mut s = spec();
    s.lso.data_group_hashes.push((10, vec![0xFF; 32]));
    sod_invalid("LDS_H_45", &signed(&s));
}

#[test]
fn lds_h_46_incorrect_data_group_number() {
    for n in [0u8, 3, 17, 99] {
        let mut s = spec();
        s.lso.data_group_hashes[1].0 = n;
        sod_invalid("LDS_H_46", &signed(&s));
    }
}

#[test]
fn lds_h_47_missing_data_group_number_for_dg2() {
    let mut s = spec();
    let mut t = Tlv::parse_tree(&s.lso.to_der().unwrap()).unwrap().remove(0);
    let hashes = kids(&mut kids(&mut t)[2]);
    kids(&mut hashes[1]).remove(0);
    s.content = Some(t.encode());
    sod_invalid("LDS_H_47", &signed(&s));
}

#[test]
fn lds_h_69_priority_of_signature_check() {
    // Correct hashes do not make up for a wrong signature, nor a correct signature for a
    // wrong hash.
    let sod = edited(&signed(&spec()), |sd| {
        if let Some(Tlv::Primitive { value, .. }) = signer_info(sd).last_mut() {
            value[10] ^= 0x40;
        }
    });
    sod_invalid("LDS_H_69 (signature)", &sod);
    let mut s = spec();
    s.lso.data_group_hashes[0].1[5] ^= 0x01;
    sod_invalid("LDS_H_69 (hash)", &signed(&s));
}

#[test]
fn lds_h_74_different_digest_algorithms() {
    // LDSSecurityObject hashes with SHA-224, the SignerInfo digests with SHA-256.
    let mut s = spec_with(HashAlg::Sha224);
    s.digest_algorithm = HashAlg::Sha256.oid().into();
    s.signature_algorithm = ecdsa_oid(HashAlg::Sha256, false).into();
    sod_valid("LDS_H_74", &signed(&s));
}

#[test]
fn lds_h_84_signer_info_version_3_with_issuer_and_serial_number() {
    let sod = edited(&signed(&spec()), |sd| signer_info(sd)[0] = int_tlv(3));
    sod_invalid("LDS_H_84", &sod);
}

#[test]
fn lds_h_85_signer_info_version_1_with_subject_key_identifier() {
    let mut s = spec();
    s.sid = Sid::KeyIdentifier;
    sod_valid("LDS_H_85 (version 3 is fine)", &signed(&s));
    let sod = edited(&signed(&s), |sd| signer_info(sd)[0] = int_tlv(1));
    sod_invalid("LDS_H_85", &sod);
}

#[test]
fn lds_h_86_ef_sod_with_lds_version_1_8() {
    let mut s = spec();
    s.lso.version = 1;
    s.lso.lds_version_info = Some(("0108".into(), "040000".into()));
    sod_valid("LDS_H_86", &signed(&s));
}

#[test]
fn lds_h_87_lds_1_8_with_wrong_version_number() {
    let mut s = spec();
    s.lso.version = 0;
    s.lso.lds_version_info = Some(("0108".into(), "040000".into()));
    sod_invalid("LDS_H_87", &signed(&s));
}

#[test]
fn lds_h_88_lds_1_7_with_version_number_1() {
    let mut s = spec();
    s.lso.version = 1;
    s.lso.lds_version_info = None;
    sod_invalid("LDS_H_88", &signed(&s));
}

#[test]
fn lds_h_89_ef_sod_with_future_lds_version_1_9() {
    let mut s = spec();
    s.lso.version = 1;
    s.lso.lds_version_info = Some(("0109".into(), "040000".into()));
    let (_, v) = with_sod(&signed(&s)).successful("LDS_H_89");
    assert!(
        v.passive_authentication
            .warnings
            .iter()
            .any(|w| w.contains("0109")),
        "{:?}",
        v.passive_authentication.warnings
    );
}

#[test]
fn lds_h_90_ef_sod_with_more_data_groups_than_ef_com() {
    let mut s = spec();
    s.lso.data_group_hashes.push((3, vec![0xFF; 32]));
    sod_invalid("LDS_H_90", &signed(&s));
}

#[test]
fn lds_h_91_ef_sod_with_fewer_data_groups_than_ef_com() {
    let mut s = spec();
    s.lso.data_group_hashes.retain(|(n, _)| *n != 2);
    let why = sod_invalid("LDS_H_91", &signed(&s));
    assert!(why.contains("DG2"), "{why}");
}

#[test]
fn lds_h_92_ef_sod_with_other_data_groups_than_ef_com() {
    let mut s = spec();
    s.lso.data_group_hashes[1].0 = 3;
    let why = sod_invalid("LDS_H_92", &signed(&s));
    assert!(why.contains("DG2"), "{why}");
}

#[test]
fn lds_h_93_ef_card_security_with_incorrect_signature() {
    // PACE-CAM chip whose EF.CardSecurity signature does not verify.
    let mut p = pace_profile_with("CAM", "AES-128", 13);
    let c = chip(&p);
    let (_, infos) = emrtd_lds::security_infos::SecurityInfos::parse_card_security(
        c.file("CardSecurity").unwrap(),
    )
    .unwrap();
    let bad = emrtd_sim::hostile::card_security(&infos.to_der(), true).unwrap();
    let good = emrtd_sim::hostile::card_security(&infos.to_der(), false).unwrap();
    p.files.insert("CardSecurity".into(), hex::encode(&good));
    inspect(chip(&p), &p).successful("LDS_H_93 (intact)");
    p.files.insert("CardSecurity".into(), hex::encode(&bad));
    let v = inspect(chip(&p), &p).verify_failure("LDS_H_93");
    assert_eq!(v.card_security.unwrap().status, Verdict::Invalid);
}

/// Field quirk T10: the German data page signed by a Document Signer of the Norwegian test
/// CSCA. Signature, chain and hashes hold; the document is refused because its issuing state
/// (`D`) is not the CSCA's country (`NO`). Signed by the German test CSCA it is valid.
#[test]
fn a_document_signed_by_another_states_csca_fails_passive_authentication() {
    let mut s = spec();
    assert_eq!(
        s.dsc,
        emrtd_sim::pki::TEST_DSC_DE,
        "the German page gets the German DSC"
    );
    sod_valid("T10 (own CSCA)", &signed(&s));
    s.dsc = emrtd_sim::pki::TEST_DSC;
    let errors = sod_invalid("T10 (Norwegian CSCA)", &signed(&s));
    assert!(
        errors.starts_with("issuing_state: issuing state D (CSCA country DE) but the CSCA")
            && errors.contains("has C=NO")
            && !errors.contains(';'),
        "the issuing state is the only failure: {errors}"
    );
}
