//! BSI TR-03105-5.1 units ISO7816_D (Chip Authentication), LDS_F (DG14) and ISO7816_F
//! (Active Authentication) against virtual chips with Chip Authentication and Active
//! Authentication keys, and hostile variants of both. See docs/conformance.md.

mod conformance_support;

use conformance_support::*;
use emrtd_access::aa::{AaChipKey, Iso9796Trailer};
use emrtd_apdu::{ins, CommandApdu, StatusWord};
use emrtd_auth::CheckStatus;
use emrtd_crypto::sig::HashAlg;
use emrtd_lds::security_infos::{
    ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, DomainParameters, SecurityInfo,
    SecurityInfos,
};
use emrtd_sim::hostile::{aa_fault, record_plain, AaFault, Fault, PlainLog, When};
use emrtd_sim::profile::CaConfig;
use emrtd_sim::{Profile, VirtualChip};

/// CFG.DFLT.EAC's Chip Authentication on CFG.DFLT.BAC: ECDH, 3DES (default brainpoolP224r1).
fn ca_profile(cipher: &str, id: u32, key_id: Option<i64>) -> Profile {
    let mut p = bac_profile();
    p.chip.extended_length = true;
    p.chip.max_read = 1024;
    p.chip_authentication = Some(CaConfig {
        cipher: cipher.into(),
        parameter_id: id,
        key_id,
    });
    p
}

fn default_ca() -> Profile {
    ca_profile("3DES", 11, None)
}

/// Inspect and require Chip Authentication to have passed.
#[track_caller]
fn ca_passes(case: &str, p: &Profile) {
    let (_, v) = inspect(chip(p), p).successful(case);
    assert_eq!(
        v.chip_authentication.status(),
        CheckStatus::Passed,
        "{case}: {}",
        v.chip_authentication.reason()
    );
}

/// Inspect and require the inspection to fail because Chip Authentication failed.
#[track_caller]
fn ca_fails(case: &str, chip: impl emrtd_apdu::Transport, p: &Profile) -> String {
    match inspect(chip, p) {
        Outcome::Failed {
            stage: Stage::Verify,
            verdict: Some(v),
            ..
        } => {
            assert_eq!(
                v.chip_authentication.status(),
                CheckStatus::Failed,
                "{case}: {:?}",
                v.summary
            );
            eprintln!("{case}: {}", v.chip_authentication.reason());
            v.chip_authentication.reason().to_string()
        }
        other => panic!("{case}: expected Chip Authentication to fail, got {other:?}"),
    }
}

/// The SecurityInfos of the DG14 the chip of `p` builds.
fn dg14_infos(p: &Profile) -> Vec<SecurityInfo> {
    SecurityInfos::parse_dg14(chip(p).file("DG14").unwrap())
        .unwrap()
        .infos
}

fn with_dg14(p: &Profile, infos: Vec<SecurityInfo>) -> Profile {
    let mut p = p.clone();
    p.files.insert(
        "DG14".into(),
        hex::encode(SecurityInfos { infos }.to_dg14()),
    );
    p
}

fn ca_info_mut(infos: &mut [SecurityInfo]) -> &mut ChipAuthenticationInfo {
    infos
        .iter_mut()
        .find_map(|i| match i {
            SecurityInfo::ChipAuthentication(c) => Some(c),
            _ => None,
        })
        .unwrap()
}

fn ca_key_mut(infos: &mut [SecurityInfo]) -> &mut ChipAuthenticationPublicKeyInfo {
    infos
        .iter_mut()
        .find_map(|i| match i {
            SecurityInfo::ChipAuthenticationPublicKey(k) => Some(k),
            _ => None,
        })
        .unwrap()
}

/// A chip recording its plain exchanges under secure messaging.
fn recorded(p: &Profile) -> (VirtualChip, PlainLog) {
    let log = PlainLog::default();
    let mut c = chip(p);
    c.set_response_hook(record_plain(log.clone()));
    (c, log)
}

/// The plain Chip Authentication commands (MSE:Set KAT / MSE:Set AT, GENERAL AUTHENTICATE).
fn ca_commands(log: &PlainLog) -> Vec<CommandApdu> {
    log.lock()
        .unwrap()
        .iter()
        .filter(|(c, _)| {
            c.ins == ins::GENERAL_AUTHENTICATE || c.ins == ins::MANAGE_SECURITY_ENVIRONMENT
        })
        .map(|(c, _)| c.clone())
        .collect()
}

/// The key reference (DO'84') the terminal named in MSE, if any.
fn key_reference(log: &PlainLog) -> Option<Vec<u8>> {
    ca_commands(log)
        .iter()
        .filter(|c| c.ins == ins::MANAGE_SECURITY_ENVIRONMENT)
        .find_map(|c| {
            emrtd_tlv::parse_all(&c.data)
                .unwrap()
                .iter()
                .find(|t| t.tag == 0x84)
                .map(|t| t.value.to_vec())
        })
}

// ---- ISO7816_D: Chip Authentication ---------------------------------------------------------

#[test]
fn iso7816_d_01_chip_authentication_with_dh() {
    for (cipher, id) in [
        ("3DES", 0u32),
        ("AES-128", 0),
        ("AES-128", 1),
        ("AES-256", 2),
    ] {
        ca_passes("ISO7816_D_01", &ca_profile(cipher, id, None));
    }
}

#[test]
fn iso7816_d_02_chip_authentication_with_ecdh() {
    for id in 8u32..=18 {
        ca_passes("ISO7816_D_02", &ca_profile("3DES", id, None));
    }
    for cipher in ["AES-128", "AES-192", "AES-256"] {
        ca_passes("ISO7816_D_02", &ca_profile(cipher, 13, None));
    }
}

#[test]
fn iso7816_d_03_dg14_with_one_key_reference() {
    for cipher in ["3DES", "AES-128"] {
        let p = ca_profile(cipher, 13, Some(1));
        let (chip, log) = recorded(&p);
        let (_, v) = inspect(chip, &p).successful("ISO7816_D_03");
        assert_eq!(v.chip_authentication.status(), CheckStatus::Passed);
        assert_eq!(key_reference(&log), Some(vec![0x01]), "{cipher}");
    }
}

/// DG14 with the chip's key (AES-128, key id `chip_id`) and `others` keys of other chips
/// (3DES, key ids 10, 11, ...).
fn several_keys(case: &str, others: usize) {
    let chip_id = 2;
    let p = ca_profile("AES-128", 13, Some(chip_id));
    let mut infos = dg14_infos(&p);
    for n in 0..others {
        let id = 10 + n as i64;
        // A key on another curve: certainly not the chip's.
        infos.extend(dg14_infos(&ca_profile("3DES", 12 + n as u32, Some(id))));
    }
    let p = with_dg14(&p, infos);
    let (chip, log) = recorded(&p);
    let (_, v) = inspect(chip, &p).successful(case);
    assert_eq!(v.chip_authentication.status(), CheckStatus::Passed);
    // The reader chose the AES key and named it.
    assert_eq!(key_reference(&log), Some(vec![chip_id as u8]), "{case}");
}

#[test]
fn iso7816_d_04_dg14_with_two_key_references() {
    several_keys("ISO7816_D_04", 1);
}

#[test]
fn iso7816_d_05_dg14_with_three_key_references() {
    several_keys("ISO7816_D_05", 2);
}

#[test]
fn iso7816_d_06_dg14_with_invalid_key_reference() {
    // DG14 names the key 7; the chip knows it as key 1 and refuses the reference (6A88).
    let p = ca_profile("AES-128", 13, Some(1));
    let mut infos = dg14_infos(&p);
    ca_info_mut(&mut infos).key_id = Some(7);
    ca_key_mut(&mut infos).key_id = Some(7);
    let p = with_dg14(&p, infos);
    ca_fails("ISO7816_D_06", chip(&p), &p);
}

#[test]
fn iso7816_d_07_dg14_with_corrupted_dh_public_key() {
    let p = ca_profile("AES-128", 0, None);
    for value in [
        vec![0x02, 0x01, 0x01],
        vec![0x02, 0x01, 0x00],
        vec![0xFF; 4],
    ] {
        let mut infos = dg14_infos(&p);
        ca_key_mut(&mut infos).public_key.subject_public_key = value.clone();
        let p = with_dg14(&p, infos);
        ca_fails("ISO7816_D_07", chip(&p), &p);
    }
}

#[test]
fn iso7816_d_08_dg14_with_corrupted_ecdh_public_key() {
    let p = default_ca();
    let mut infos = dg14_infos(&p);
    let point = &mut ca_key_mut(&mut infos).public_key.subject_public_key;
    let last = point.len() - 1;
    point[last] ^= 0x01;
    let p = with_dg14(&p, infos);
    ca_fails("ISO7816_D_08", chip(&p), &p);
}

#[test]
fn iso7816_d_09_old_session_keys_after_chip_authentication() {
    // After Chip Authentication the chip only accepts the new keys: every file after it is
    // read, so the reader switched. (The chip answers the CA command itself with the old keys.)
    for (cipher, id) in [("3DES", 11u32), ("AES-128", 13)] {
        let p = ca_profile(cipher, id, None);
        let (chip, log) = recorded(&p);
        let (doc, v) = inspect(chip, &p).successful("ISO7816_D_09");
        assert_eq!(v.chip_authentication.status(), CheckStatus::Passed);
        let log = log.lock().unwrap();
        let ca_at = log
            .iter()
            .rposition(|(c, _)| {
                c.ins == ins::GENERAL_AUTHENTICATE || c.ins == ins::MANAGE_SECURITY_ENVIRONMENT
            })
            .unwrap();
        // Commands under the new keys followed, and all files were read.
        assert!(log.len() > ca_at + 3, "{cipher}");
        assert!(doc.files.contains_key(&emrtd_reader::EfId::Dg(2)));
    }
}

#[test]
fn iso7816_d_10_lifetime_of_ephemeral_keys() {
    // Two inspections of the same chip: the terminal's ephemeral key differs each time.
    for cipher in ["3DES", "AES-128"] {
        let p = ca_profile(cipher, 13, None);
        let mut keys = Vec::new();
        for _ in 0..2 {
            let (chip, log) = recorded(&p);
            inspect(chip, &p).successful("ISO7816_D_10");
            let cmds = ca_commands(&log);
            keys.push(cmds.last().unwrap().data.clone());
        }
        assert_ne!(keys[0], keys[1], "{cipher}");
    }
}

#[test]
fn iso7816_d_11_dg14_with_invalid_dh_public_key_specification() {
    let p = ca_profile("AES-128", 0, None);
    for spec in [
        DomainParameters::Standardized(3),
        DomainParameters::Standardized(13),
        DomainParameters::Other {
            algorithm: "1.2.840.10046.2.1".into(),
            parameters: Some(vec![0x30, 0x00]),
        },
    ] {
        let mut infos = dg14_infos(&p);
        ca_key_mut(&mut infos).public_key.algorithm = spec.clone();
        let p = with_dg14(&p, infos);
        let (stage, why) = inspect(chip(&p), &p).failed("ISO7816_D_11");
        eprintln!("ISO7816_D_11 {spec:?}: {stage:?}: {why}");
        assert!(
            matches!(stage, Stage::Verify | Stage::Lds),
            "{spec:?}: {why}"
        );
    }
}

#[test]
fn iso7816_d_12_dg14_with_invalid_ecdh_public_key_specification() {
    let p = default_ca();
    for spec in [
        DomainParameters::Standardized(5),
        DomainParameters::Standardized(0),
        DomainParameters::Standardized(13),
        DomainParameters::EcNamedCurve("1.2.3.4".into()),
    ] {
        let mut infos = dg14_infos(&p);
        ca_key_mut(&mut infos).public_key.algorithm = spec.clone();
        let p = with_dg14(&p, infos);
        let (stage, why) = inspect(chip(&p), &p).failed("ISO7816_D_12");
        eprintln!("ISO7816_D_12 {spec:?}: {stage:?}: {why}");
        assert!(
            matches!(stage, Stage::Verify | Stage::Lds),
            "{spec:?}: {why}"
        );
    }
}

#[test]
fn iso7816_d_13_public_key_info_key_reference_differs_from_chip_authentication_info() {
    let p = ca_profile("AES-128", 13, Some(1));
    let mut infos = dg14_infos(&p);
    ca_key_mut(&mut infos).key_id = Some(2);
    let p = with_dg14(&p, infos);
    ca_fails("ISO7816_D_13", chip(&p), &p);
}

#[test]
fn iso7816_d_14_chip_authentication_with_extended_length() {
    // 2048-bit DH: the terminal's public key does not fit a short APDU.
    for cipher in ["3DES", "AES-128"] {
        let p = ca_profile(cipher, 2, None);
        let mut chip = emrtd_sim::hostile::HostileChip::new(chip(&p), vec![]);
        let (_, v) = inspect(&mut chip, &p).successful("ISO7816_D_14");
        assert_eq!(v.chip_authentication.status(), CheckStatus::Passed);
        assert!(
            chip.exchanges().iter().any(|(c, _)| {
                let c = CommandApdu::parse(c).unwrap();
                c.is_secure_messaging()
                    && c.is_extended()
                    && matches!(
                        c.ins,
                        ins::MANAGE_SECURITY_ENVIRONMENT | ins::GENERAL_AUTHENTICATE
                    )
            }),
            "{cipher}: no extended-length Chip Authentication command"
        );
    }
}

#[test]
fn iso7816_d_15_status_words_for_invalid_key_reference() {
    for cipher in ["3DES", "AES-128"] {
        for sw in [0x6A88u16, 0x6A80, 0x6985, 0x6300, 0x6F00] {
            let p = ca_profile(cipher, 13, Some(1));
            let chip = hostile(
                &p,
                vec![Fault::PlainStatus(
                    When::ProtectedIns(ins::MANAGE_SECURITY_ENVIRONMENT, 0),
                    StatusWord(sw),
                )],
            );
            let (stage, why) = inspect(chip, &p).failed("ISO7816_D_15");
            assert!(
                matches!(stage, Stage::Verify | Stage::Read),
                "{cipher} {sw:04X}: {why}"
            );
            assert!(
                why.contains("chip_authentication: FAILED") || why.contains("secure messaging"),
                "{cipher} {sw:04X}: {why}"
            );
        }
    }
}

// ---- LDS_F: DG14 ----------------------------------------------------------------------------

/// The chip's DG14 bytes, changed by `f`.
fn dg14_bytes_case(case: &str, f: impl FnOnce(&mut Vec<u8>)) {
    let p = default_ca();
    let mut dg14 = chip(&p).file("DG14").unwrap().to_vec();
    f(&mut dg14);
    let mut q = p.clone();
    q.files.insert("DG14".into(), hex::encode(&dg14));
    let (stage, why) = inspect(chip(&q), &q).failed(case);
    eprintln!("{case}: {stage:?}: {why}");
    assert!(why.contains("DG14"), "{case}: failed at {stage:?}: {why}");
}

/// The DG14 SecurityInfos as raw entries, changed by `f`, re-encoded.
fn dg14_entries_case(case: &str, f: impl FnOnce(&mut Vec<Vec<u8>>)) {
    let p = default_ca();
    let dg14 = chip(&p).file("DG14").unwrap().to_vec();
    let outer = emrtd_tlv::parse_exact(&dg14).unwrap();
    let set = emrtd_tlv::parse_exact(outer.value).unwrap();
    let mut entries: Vec<Vec<u8>> = emrtd_tlv::parse_all(set.value)
        .unwrap()
        .iter()
        .map(|t| t.raw.to_vec())
        .collect();
    f(&mut entries);
    let bytes = emrtd_tlv::encode(0x6E, &emrtd_tlv::encode(0x31, &entries.concat()));
    dg14_bytes_case(case, |d| *d = bytes);
}

const PK_ECDH: [u8; 11] = [
    0x06, 0x09, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x02,
];

#[test]
fn lds_f_01_dg_tag_6e_wrong() {
    dg14_bytes_case("LDS_F_01", |d| d[0] = 0x6F);
}

/// Index of the last length octet of the outer TLV.
fn outer_length_end(d: &[u8]) -> usize {
    match d[1] {
        0x81 => 2,
        0x82 => 3,
        _ => 1,
    }
}

#[test]
fn lds_f_02_dg_tag_6e_length_too_small() {
    dg14_bytes_case("LDS_F_02", |d| {
        let i = outer_length_end(d);
        d[i] -= 1;
    });
}

#[test]
fn lds_f_03_dg_tag_6e_length_too_big() {
    dg14_bytes_case("LDS_F_03", |d| {
        let i = outer_length_end(d);
        d[i] += 1;
    });
}

#[test]
fn lds_f_04_illegal_chip_authentication_oid() {
    // id-PK-ECDH (…2.1.2) becomes …2.1.3, which names no public key type.
    dg14_entries_case("LDS_F_04", |entries| {
        let pk = entries
            .iter_mut()
            .find(|e| e.windows(PK_ECDH.len()).any(|w| w == PK_ECDH))
            .unwrap();
        let at = pk
            .windows(PK_ECDH.len())
            .position(|w| w == PK_ECDH)
            .unwrap();
        pk[at + PK_ECDH.len() - 1] = 0x03;
    });
}

#[test]
fn lds_f_05_missing_chip_authentication_oid() {
    dg14_entries_case("LDS_F_05", |entries| {
        let pk = entries
            .iter_mut()
            .find(|e| e.windows(PK_ECDH.len()).any(|w| w == PK_ECDH))
            .unwrap();
        let seq = emrtd_tlv::parse_exact(pk).unwrap();
        let rest: Vec<u8> = emrtd_tlv::parse_all(seq.value)
            .unwrap()
            .iter()
            .filter(|t| t.tag != 0x06)
            .flat_map(|t| t.raw.to_vec())
            .collect();
        *pk = emrtd_tlv::encode(0x30, &rest);
    });
}

#[test]
fn lds_f_06_chip_authentication_info_incorrect_version() {
    let p = default_ca();
    let mut infos = dg14_infos(&p);
    ca_info_mut(&mut infos).version = 10;
    let p = with_dg14(&p, infos);
    let (_, why) = inspect(chip(&p), &p).failed("LDS_F_06");
    assert!(why.contains("version"), "{why}");
}

#[test]
fn lds_f_07_chip_authentication_info_missing_version() {
    dg14_entries_case("LDS_F_07", |entries| {
        let ca = entries
            .iter_mut()
            .find(|e| {
                let seq = emrtd_tlv::parse_exact(e).unwrap();
                let first = emrtd_tlv::parse_all(seq.value).unwrap()[0].value.to_vec();
                emrtd_lds::sod::oid_to_string(&first)
                    .is_some_and(|o| o.starts_with("0.4.0.127.0.7.2.2.3."))
            })
            .unwrap();
        let seq = emrtd_tlv::parse_exact(ca).unwrap();
        let rest: Vec<u8> = emrtd_tlv::parse_all(seq.value)
            .unwrap()
            .iter()
            .filter(|t| t.tag != 0x02 || t.value != [0x01])
            .flat_map(|t| t.raw.to_vec())
            .collect();
        *ca = emrtd_tlv::encode(0x30, &rest);
    });
}

// ---- ISO7816_F: Active Authentication -------------------------------------------------------

/// CFG.DFLT.EACAA on the virtual chip: Chip Authentication (DG14) and Active Authentication
/// (DG15) with `key`.
fn aa_profile(key: &str) -> Profile {
    let mut p = default_ca();
    p.active_authentication = key.into();
    p
}

#[track_caller]
fn aa_passes(case: &str, c: VirtualChip, p: &Profile) -> String {
    let (_, v) = inspect(c, p).successful(case);
    assert_eq!(
        v.active_authentication.status(),
        CheckStatus::Passed,
        "{case}: {}",
        v.active_authentication.reason()
    );
    v.active_authentication.reason().to_string()
}

#[track_caller]
fn aa_fails(case: &str, c: VirtualChip, p: &Profile) -> String {
    let v = inspect(c, p).verify_failure(case);
    eprintln!("{case}: {}", v.active_authentication.reason());
    assert_eq!(
        v.active_authentication.status(),
        CheckStatus::Failed,
        "{case}: {:?}",
        v.summary
    );
    v.active_authentication.reason().to_string()
}

#[test]
fn iso7816_f_01_active_authentication_with_rsa_sha1() {
    let p = aa_profile("rsa-2048");
    let why = aa_passes("ISO7816_F_01", chip(&p), &p);
    assert!(why.contains("BC") || why.contains("SHA-1"), "{why}");
}

#[test]
fn iso7816_f_02_active_authentication_with_ecdsa() {
    for key in ["ec-p256", "ec-brainpoolp256r1"] {
        let p = aa_profile(key);
        aa_passes("ISO7816_F_02", chip(&p), &p);
    }
}

/// The chip's RSA key signs with `hash` (ISO/IEC 9796-2 trailer xxCC).
fn rsa_with(case: &str, hash: HashAlg) {
    let p = aa_profile("rsa-2048");
    let mut c = chip(&p);
    let key = AaChipKey::from_pkcs8_der(emrtd_sim::hostile::AA_RSA_2048)
        .unwrap()
        .with_hash(hash);
    c.set_response_hook(aa_fault(AaFault::SignWith(key)));
    let why = aa_passes(case, c, &p);
    assert!(
        why.contains(&Iso9796Trailer::for_hash(hash).hex()) || why.contains(hash.name()),
        "{why}"
    );
}

#[test]
fn iso7816_f_04_active_authentication_with_rsa_sha224() {
    rsa_with("ISO7816_F_04", HashAlg::Sha224);
}

#[test]
fn iso7816_f_05_active_authentication_with_rsa_sha256() {
    rsa_with("ISO7816_F_05", HashAlg::Sha256);
}

#[test]
fn iso7816_f_06_active_authentication_with_rsa_sha384() {
    rsa_with("ISO7816_F_06", HashAlg::Sha384);
}

#[test]
fn iso7816_f_07_active_authentication_with_rsa_sha512() {
    rsa_with("ISO7816_F_07", HashAlg::Sha512);
}

#[test]
fn iso7816_f_08_active_authentication_with_wrong_trailer() {
    for trailer in [vec![0xBD], vec![0x34, 0xCC], vec![0x33, 0xBC]] {
        let p = aa_profile("rsa-2048");
        let mut c = chip(&p);
        c.set_response_hook(aa_fault(AaFault::RsaTrailer(trailer.clone())));
        aa_fails("ISO7816_F_08", c, &p);
    }
    // The same construction with the right trailer passes: only the trailer is wrong above.
    let p = aa_profile("rsa-2048");
    let mut c = chip(&p);
    c.set_response_hook(aa_fault(AaFault::RsaTrailer(vec![0xBC])));
    aa_passes("ISO7816_F_08 (BC)", c, &p);
}

#[test]
fn iso7816_f_09_active_authentication_with_invalid_signature_oid() {
    // DG14's ActiveAuthenticationInfo names a signature algorithm that is not ECDSA.
    for oid in [
        "1.2.840.113549.1.1.11",
        "0.4.0.127.0.7.1.1.4.1.9",
        "1.2.840.10045.4.3.2.99",
    ] {
        let p = aa_profile("ec-p256");
        let mut infos = dg14_infos(&p);
        for i in infos.iter_mut() {
            if let SecurityInfo::ActiveAuthentication(a) = i {
                a.signature_algorithm = oid.into();
            }
        }
        let p = with_dg14(&p, infos);
        aa_fails("ISO7816_F_09", chip(&p), &p);
    }
}

#[test]
fn a_corrupted_or_foreign_aa_signature_fails() {
    let p = aa_profile("rsa-2048");
    let mut c = chip(&p);
    c.set_response_hook(aa_fault(AaFault::FlipSignature));
    aa_fails("flipped", c, &p);
    let p = aa_profile("ec-p256");
    let mut c = chip(&p);
    let other = AaChipKey::from_pkcs8_der(emrtd_sim::hostile::AA_RSA_2048).unwrap();
    c.set_response_hook(aa_fault(AaFault::SignWith(other)));
    aa_fails("foreign key", c, &p);
}
