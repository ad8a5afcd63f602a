//! BSI TR-03105-5.1 unit ISO7816_G (PACE) and LDS_J (EF.CardSecurity) against hostile
//! virtual chips. As the unit's preamble requires, every chip refuses to open the eMRTD
//! application (6982) until PACE has succeeded. See docs/conformance.md.

mod conformance_support;

use conformance_support::*;
use emrtd_access::pace::PaceError;
use emrtd_apdu::{ins, CommandApdu, StatusWord};
use emrtd_crypto::pk::Group;
use emrtd_lds::security_infos::{
    ChipAuthenticationPublicKeyInfo, DomainParameters, EcParameters, PaceAlgorithm,
    PaceDomainParameterInfo, PaceInfo, SecurityInfo, SecurityInfos,
};
use emrtd_reader::ReadError;
use emrtd_sim::hostile::{Fault, HostileChip, PaceFault};
use emrtd_sim::profile::PaceConfig;
use emrtd_sim::Profile;

/// Step numbers of [`Fault::Pace`].
const MSE: usize = 0;
const NONCE: usize = 1;
const MAP: usize = 2;
const KEY_AGREEMENT: usize = 3;
const TOKEN: usize = 4;

fn pace_chip(p: &Profile, mut faults: Vec<Fault>) -> HostileChip {
    faults.insert(0, Fault::ApplicationNeedsPace);
    hostile(p, faults)
}

fn pace_fault(step: usize, fault: PaceFault) -> Vec<Fault> {
    vec![Fault::Pace { step, fault }]
}

/// Inspect a PACE chip with `faults` and return the PACE error the read ended with.
#[track_caller]
fn pace_error(case: &str, p: &Profile, faults: Vec<Fault>) -> PaceError {
    match inspect(pace_chip(p, faults), p).read_error(case) {
        ReadError::Pace(e) => e,
        other => panic!("{case}: expected a PACE error, got {other:?}"),
    }
}

/// The MSE:Set AT the reader sent: (protocol OID dotted, password reference, parameter id).
fn mse(chip: &HostileChip) -> (String, u8, Option<Vec<u8>>) {
    let (cmd, _) = chip
        .exchanges()
        .iter()
        .find(|(c, _)| c.get(1) == Some(&ins::MANAGE_SECURITY_ENVIRONMENT))
        .expect("MSE:Set AT sent");
    let cmd = CommandApdu::parse(cmd).unwrap();
    let items = emrtd_tlv::parse_all(&cmd.data).unwrap();
    let get = |t| items.iter().find(|i| i.tag == t).map(|i| i.value.to_vec());
    (
        emrtd_lds::sod::oid_to_string(&get(0x80).unwrap()).unwrap(),
        get(0x83).unwrap()[0],
        get(0x84),
    )
}

fn pace_info(oid: &str, id: i64) -> SecurityInfo {
    SecurityInfo::Pace(PaceInfo::new(PaceAlgorithm::from_oid(oid).unwrap(), id).unwrap())
}

/// `SEQUENCE { OID, INTEGER version, INTEGER parameterId }` for any OID.
fn raw_pace_info(oid: &str, version: u8, id: u8) -> Vec<u8> {
    let oid = emrtd_tlv::encode(0x06, &emrtd_lds::sod::oid_from_str(oid).unwrap());
    emrtd_tlv::encode(
        0x30,
        &[oid, vec![0x02, 0x01, version], vec![0x02, 0x01, id]].concat(),
    )
}

fn set_of(entries: &[Vec<u8>]) -> Vec<u8> {
    emrtd_tlv::encode(0x31, &entries.concat())
}

const ECDH_GM_3DES: &str = "0.4.0.127.0.7.2.2.4.2.1";
const ECDH_GM_AES128: &str = "0.4.0.127.0.7.2.2.4.2.2";

// ---- positive cases -------------------------------------------------------------------------

#[test]
fn iso7816_g_01_correct_execution_of_pace_protocols() {
    let p = pace_profile();
    for key in [mrz_key(&p), can_key(&p)] {
        let mut chip = pace_chip(&p, vec![]);
        let outcome = inspect_with(&mut chip, &key, &trust(), Some(&data_page(&p)));
        let (doc, _) = outcome.successful("ISO7816_G_01");
        assert_eq!(doc.access.protocol, emrtd_reader::AccessProtocol::Pace);
        let (oid, reference, _) = mse(&chip);
        assert_eq!(oid, ECDH_GM_3DES);
        assert_eq!(
            reference,
            if doc.access.password == emrtd_reader::Password::Mrz {
                1
            } else {
                2
            }
        );
    }
}

#[test]
fn iso7816_g_02_standardized_domain_parameters_with_generic_mapping() {
    for id in [0u32, 1, 2, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18] {
        let p = pace_profile_with("GM", "AES-128", id);
        let (doc, _) = inspect(pace_chip(&p, vec![]), &p).successful("ISO7816_G_02");
        assert_eq!(doc.access.parameter_id, Some(id));
    }
}

#[test]
fn iso7816_g_03_standardized_domain_parameters_with_integrated_mapping() {
    // Parameter id 10 (NIST P-224, p ≡ 1 mod 4) has no Integrated Mapping point encoding.
    for id in [0u32, 1, 2, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18] {
        let p = pace_profile_with("IM", "AES-128", id);
        let (doc, _) = inspect(pace_chip(&p, vec![]), &p).successful("ISO7816_G_03");
        assert_eq!(
            doc.access.mapping,
            Some(emrtd_reader::PaceMapping::Integrated)
        );
        assert_eq!(doc.access.parameter_id, Some(id));
    }
}

#[test]
fn iso7816_g_04_supported_algorithms() {
    for cipher in ["3DES", "AES-128", "AES-192", "AES-256"] {
        for ka in [0u32, 13] {
            let p = pace_profile_with("GM", cipher, ka);
            let (doc, _) = inspect(pace_chip(&p, vec![]), &p).successful("ISO7816_G_04");
            assert_eq!(doc.access.cipher_suite.to_string(), cipher);
        }
    }
}

#[test]
fn iso7816_g_05_additional_entries_in_security_infos() {
    let mut p = pace_profile();
    let other = emrtd_tlv::encode(
        0x30,
        &[
            emrtd_tlv::encode(0x06, &emrtd_lds::sod::oid_from_str("1.2.3.4.5.6").unwrap()),
            vec![0x02, 0x01, 0x01],
            vec![0x04, 0x03, 1, 2, 3],
        ]
        .concat(),
    );
    let ta = raw_pace_info("0.4.0.127.0.7.2.2.2", 1, 0);
    let ca = raw_pace_info("0.4.0.127.0.7.2.2.3.2.1", 1, 0);
    let card_access = set_of(&[other, ta, raw_pace_info(ECDH_GM_3DES, 2, 13), ca]);
    p.files
        .insert("CardAccess".into(), hex::encode(card_access));
    let mut chip = pace_chip(&p, vec![]);
    inspect(&mut chip, &p).successful("ISO7816_G_05");
    assert_eq!(mse(&chip).0, ECDH_GM_3DES);
}

#[test]
fn iso7816_g_06_selection_of_standardized_domain_parameters_and_algorithms() {
    let mut p = pace_profile();
    for (mapping, cipher, id) in [
        ("GM", "AES-128", 12),
        ("IM", "AES-256", 13),
        ("GM", "AES-192", 0),
        ("GM", "AES-256", 16),
    ] {
        p.access.pace.push(PaceConfig {
            mapping: mapping.into(),
            cipher: cipher.into(),
            parameter_id: id,
        });
    }
    let offered: Vec<(String, u32)> = {
        let infos = SecurityInfos::parse(chip(&p).file("CardAccess").unwrap()).unwrap();
        infos
            .pace_infos()
            .map(|i| (i.protocol.clone(), i.parameter_id.unwrap() as u32))
            .collect()
    };
    let mut chip = pace_chip(&p, vec![]);
    let (doc, _) = inspect(&mut chip, &p).successful("ISO7816_G_06");
    let (oid, _, id) = mse(&chip);
    // With several PACEInfos the parameter id is named in DO'84'.
    let id = u32::from(id.expect("DO'84' with several PACEInfos")[0]);
    assert!(offered.contains(&(oid, id)), "{offered:?}");
    assert_eq!(doc.access.parameter_id, Some(id));
}

#[test]
fn iso7816_g_07_card_access_with_two_pace_infos_and_domain_parameters() {
    // A standardized PACEInfo and a proprietary one (parameter id 32) whose
    // PACEDomainParameterInfo gives brainpoolP256r1 explicitly. The chip computes with id 13;
    // the groups are the same, so either choice must work.
    let mut p = pace_profile();
    let Group::Ec(curve) = Group::standardized(13).unwrap() else {
        unreachable!()
    };
    let explicit = SecurityInfo::PaceDomainParameter(PaceDomainParameterInfo {
        protocol: emrtd_lds::security_infos::oid::PACE_ECDH_GM.to_string(),
        domain_parameter: DomainParameters::Ec {
            algorithm: "1.2.840.10045.2.1".into(),
            params: EcParameters {
                p: curve.p(),
                a: curve.a(),
                b: curve.b(),
                g: curve.encode_point(&curve.generator()),
                n: curve.order(),
                h: Some(curve.cofactor()),
            },
        },
        parameter_id: Some(32),
    });
    for order in [[0usize, 1], [1, 0]] {
        let infos = [pace_info(ECDH_GM_3DES, 13), pace_info(ECDH_GM_3DES, 32)];
        let mut all: Vec<SecurityInfo> = order.iter().map(|i| infos[*i].clone()).collect();
        all.push(explicit.clone());
        let der = SecurityInfos { infos: all }.to_der();
        p.files.insert("CardAccess".into(), hex::encode(der));
        // The simulator only knows id 13: when the reader names 32 it is told 13.
        let mut chip = pace_chip(&p, vec![]);
        let outcome = inspect(&mut chip, &p);
        let (oid, _, id) = mse(&chip);
        assert_eq!(oid, ECDH_GM_3DES);
        if id.as_deref() == Some(&[13]) {
            outcome.successful("ISO7816_G_07");
        } else {
            panic!("the reader chose the proprietary PACEInfo ({id:02X?}): {outcome:?}");
        }
    }
}

// ---- MSE:Set AT and GENERAL AUTHENTICATE errors ---------------------------------------------

#[test]
fn iso7816_g_08_abort_pace_on_sw_error_during_mse_set_at() {
    let p = pace_profile();
    for sw in [0x6A80u16, 0x6A88, 0x6985, 0x6F00] {
        let e = pace_error(
            "ISO7816_G_08",
            &p,
            pace_fault(MSE, PaceFault::Status(StatusWord(sw))),
        );
        assert!(
            matches!(
                e,
                PaceError::ParametersRejected { .. }
                    | PaceError::PasswordNotAvailable { .. }
                    | PaceError::PasswordBlocked { .. }
            ),
            "{sw:04X}: {e:?}"
        );
    }
}

#[test]
fn iso7816_g_09_error_on_the_nonce() {
    // The encrypted nonce is altered after the chip sent it: the terminal derives another
    // generator, the chip refuses the terminal's token, PACE fails.
    fn flip(v: &[u8]) -> Vec<u8> {
        let mut v = v.to_vec();
        v[0] ^= 0x80;
        v
    }
    fn shorten(v: &[u8]) -> Vec<u8> {
        v[..v.len() - 1].to_vec()
    }
    let p = pace_profile();
    let chip = pace_chip(&p, pace_fault(NONCE, PaceFault::Map(0x80, flip)));
    let err = inspect(chip, &p).read_error("ISO7816_G_09");
    assert!(
        matches!(err, ReadError::AccessDenied | ReadError::Pace(_)),
        "{err:?}"
    );
    let e = pace_error(
        "ISO7816_G_09",
        &p,
        pace_fault(NONCE, PaceFault::Map(0x80, shorten)),
    );
    assert!(
        matches!(
            e,
            PaceError::Crypto(_) | PaceError::MalformedResponse { .. }
        ),
        "{e:?}"
    );
}

fn step_errors(case: &str, step: usize) {
    let p = pace_profile();
    for sw in [0x6A80u16, 0x6700, 0x6985, 0x6F00, 0x6D00] {
        let e = pace_error(
            case,
            &p,
            pace_fault(step, PaceFault::Status(StatusWord(sw))),
        );
        assert!(matches!(e, PaceError::ChipError { .. }), "{sw:04X}: {e:?}");
    }
}

#[test]
fn iso7816_g_10_error_on_general_authenticate_step_1() {
    step_errors("ISO7816_G_10", NONCE);
}

#[test]
fn iso7816_g_11_step_1_bad_tag_90_instead_of_80() {
    let p = pace_profile();
    let e = pace_error(
        "ISO7816_G_11",
        &p,
        pace_fault(
            NONCE,
            PaceFault::Retag {
                from: 0x80,
                to: 0x90,
            },
        ),
    );
    assert!(matches!(e, PaceError::MalformedResponse { .. }), "{e:?}");
}

#[test]
fn iso7816_g_12_error_on_general_authenticate_step_2() {
    step_errors("ISO7816_G_12", MAP);
}

#[test]
fn iso7816_g_13_step_2_bad_tag_92_instead_of_82() {
    let p = pace_profile();
    let e = pace_error(
        "ISO7816_G_13",
        &p,
        pace_fault(
            MAP,
            PaceFault::Retag {
                from: 0x82,
                to: 0x92,
            },
        ),
    );
    assert!(matches!(e, PaceError::MalformedResponse { .. }), "{e:?}");
}

#[test]
fn iso7816_g_14_abort_pace_on_error_in_step_2_gm() {
    let p = pace_profile();
    for fault in [
        PaceFault::Remove(0x82),
        PaceFault::Replace(0x82, vec![]),
        PaceFault::Add(0x82, vec![0x04; 65]),
        PaceFault::Reflect,
    ] {
        let e = pace_error("ISO7816_G_14", &p, pace_fault(MAP, fault.clone()));
        assert!(
            matches!(
                e,
                PaceError::MalformedResponse { .. }
                    | PaceError::InvalidPeerKey(_)
                    | PaceError::IdenticalEphemeralKeys
            ),
            "{fault:?}: {e:?}"
        );
    }
}

#[test]
fn iso7816_g_15_abort_pace_on_error_in_step_2_im() {
    // Integrated Mapping: the chip's answer to the nonce t must be empty.
    let p = pace_profile_with("IM", "AES-128", 13);
    for fault in [
        PaceFault::Add(0x82, vec![0x04; 65]),
        PaceFault::Add(0x84, vec![1, 2, 3]),
        PaceFault::Status(StatusWord(0x6A80)),
    ] {
        let e = pace_error("ISO7816_G_15", &p, pace_fault(MAP, fault.clone()));
        assert!(
            matches!(
                e,
                PaceError::MalformedResponse { .. } | PaceError::ChipError { .. }
            ),
            "{fault:?}: {e:?}"
        );
    }
}

/// Invalid encodings of an ECDH public key on the group of `id`.
fn bad_ec_keys(id: u32) -> Vec<(&'static str, PaceFault, u32)> {
    let Group::Ec(curve) = Group::standardized(id).unwrap() else {
        unreachable!()
    };
    let l = curve.field_size();
    let p = curve.p();
    let g = curve.encode_point(&curve.generator());
    let mut p_full = vec![0u8; l - p.len()];
    p_full.extend(&p);
    let tag = 0; // filled in by the caller
    let _ = tag;
    vec![
        (
            "x = p",
            PaceFault::Replace(0, [vec![4], p_full.clone(), g[1 + l..].to_vec()].concat()),
            0,
        ),
        (
            "y = p",
            PaceFault::Replace(0, [g[..1 + l].to_vec(), p_full.clone()].concat()),
            0,
        ),
        (
            "not on the curve",
            PaceFault::Map(0, |v| {
                let mut v = v.to_vec();
                let last = v.len() - 1;
                v[last] ^= 1;
                v
            }),
            0,
        ),
        ("point at infinity", PaceFault::Replace(0, vec![0x00]), 0),
        ("all zero", PaceFault::Replace(0, vec![0; 1 + 2 * l]), 0),
        (
            "compressed",
            PaceFault::Map(0, |v| {
                let l = (v.len() - 1) / 2;
                let mut c = vec![0x02 | (v[v.len() - 1] & 1)];
                c.extend(&v[1..1 + l]);
                c
            }),
            0,
        ),
        (
            "format 05",
            PaceFault::Map(0, |v| {
                let mut v = v.to_vec();
                v[0] = 0x05;
                v
            }),
            0,
        ),
        (
            "one byte short",
            PaceFault::Map(0, |v| v[..v.len() - 1].to_vec()),
            0,
        ),
        (
            "one byte long",
            PaceFault::Map(0, |v| [v, &[0]].concat()),
            0,
        ),
    ]
}

/// `fault` aimed at data object `tag`.
fn aim(fault: PaceFault, tag: u32) -> PaceFault {
    match fault {
        PaceFault::Replace(_, v) => PaceFault::Replace(tag, v),
        PaceFault::Map(_, f) => PaceFault::Map(tag, f),
        other => other,
    }
}

fn invalid_ec_keys(case: &str, mapping: &str, step: usize, tag: u32) {
    for id in [13u32, 8, 15] {
        let p = pace_profile_with(mapping, "AES-128", id);
        for (what, fault, _) in bad_ec_keys(id) {
            let e = pace_error(case, &p, pace_fault(step, aim(fault, tag)));
            assert!(
                matches!(e, PaceError::InvalidPeerKey(_)),
                "id {id}, {what}: {e:?}"
            );
        }
    }
}

/// Invalid DH public values on the group of `id`.
fn bad_dh_keys(id: u32) -> Vec<(&'static str, Vec<u8>)> {
    let Group::Dh(g) = Group::standardized(id).unwrap() else {
        unreachable!()
    };
    let p = g.p();
    let add = |k: i8| {
        let mut v = p.clone();
        let mut carry = k as i16;
        for b in v.iter_mut().rev() {
            let x = *b as i16 + carry;
            *b = x.rem_euclid(256) as u8;
            carry = x.div_euclid(256);
            if carry == 0 {
                break;
            }
        }
        v
    };
    vec![
        ("0", vec![0]),
        ("1", vec![1]),
        ("p - 1", add(-1)),
        ("p", p.clone()),
        ("p + 1", add(1)),
        ("longer than p", vec![0xFF; p.len() + 1]),
        ("outside the subgroup", vec![2]),
        ("empty", vec![]),
    ]
}

fn invalid_dh_keys(case: &str, step: usize, tag: u32) {
    for id in [0u32, 2] {
        let p = pace_profile_with("GM", "AES-128", id);
        for (what, value) in bad_dh_keys(id) {
            let e = pace_error(case, &p, pace_fault(step, PaceFault::Replace(tag, value)));
            assert!(
                matches!(e, PaceError::InvalidPeerKey(_)),
                "id {id}, {what}: {e:?}"
            );
        }
    }
}

#[test]
fn iso7816_g_16_mapping_data_invalid_ecdh_public_key() {
    invalid_ec_keys("ISO7816_G_16", "GM", MAP, 0x82);
}

#[test]
fn iso7816_g_17_mapping_data_invalid_dh_public_key() {
    invalid_dh_keys("ISO7816_G_17", MAP, 0x82);
}

#[test]
fn iso7816_g_18_error_on_general_authenticate_step_3() {
    step_errors("ISO7816_G_18", KEY_AGREEMENT);
}

#[test]
fn iso7816_g_19_step_3_bad_tag_94_instead_of_84() {
    let p = pace_profile();
    let e = pace_error(
        "ISO7816_G_19",
        &p,
        pace_fault(
            KEY_AGREEMENT,
            PaceFault::Retag {
                from: 0x84,
                to: 0x94,
            },
        ),
    );
    assert!(matches!(e, PaceError::MalformedResponse { .. }), "{e:?}");
}

#[test]
fn iso7816_g_20_abort_pace_on_error_in_step_3() {
    let p = pace_profile();
    for fault in [
        PaceFault::Remove(0x84),
        PaceFault::Replace(0x84, vec![]),
        PaceFault::Add(0x84, vec![0x04; 65]),
    ] {
        let e = pace_error("ISO7816_G_20", &p, pace_fault(KEY_AGREEMENT, fault.clone()));
        assert!(
            matches!(
                e,
                PaceError::MalformedResponse { .. } | PaceError::InvalidPeerKey(_)
            ),
            "{fault:?}: {e:?}"
        );
    }
}

#[test]
fn iso7816_g_21_ephemeral_key_invalid_ecdh_public_key() {
    invalid_ec_keys("ISO7816_G_21", "GM", KEY_AGREEMENT, 0x84);
    invalid_ec_keys("ISO7816_G_21 (IM)", "IM", KEY_AGREEMENT, 0x84);
}

#[test]
fn iso7816_g_22_ephemeral_key_invalid_dh_public_key() {
    invalid_dh_keys("ISO7816_G_22", KEY_AGREEMENT, 0x84);
}

#[test]
fn iso7816_g_23_abort_pace_on_identical_ephemeral_public_keys() {
    for (mapping, id) in [("GM", 13u32), ("IM", 13), ("GM", 0)] {
        let p = pace_profile_with(mapping, "AES-128", id);
        let e = pace_error(
            "ISO7816_G_23",
            &p,
            pace_fault(KEY_AGREEMENT, PaceFault::Reflect),
        );
        assert!(
            matches!(e, PaceError::IdenticalEphemeralKeys),
            "{mapping} {id}: {e:?}"
        );
    }
}

#[test]
fn iso7816_g_24_error_on_general_authenticate_step_4() {
    let p = pace_profile();
    for sw in [0x6A80u16, 0x6700, 0x6F00, 0x6985] {
        let e = pace_error(
            "ISO7816_G_24",
            &p,
            pace_fault(TOKEN, PaceFault::Status(StatusWord(sw))),
        );
        assert!(
            matches!(
                e,
                PaceError::ChipError { .. } | PaceError::PasswordBlocked { .. }
            ),
            "{sw:04X}: {e:?}"
        );
    }
    // 6300 at this step means the chip refused the terminal's token: a wrong password.
    let chip = pace_chip(
        &p,
        pace_fault(TOKEN, PaceFault::Status(StatusWord::VERIFICATION_FAILED)),
    );
    let err = inspect(chip, &p).read_error("ISO7816_G_24 (6300)");
    assert!(matches!(err, ReadError::AccessDenied), "{err:?}");
}

#[test]
fn iso7816_g_25_step_4_bad_tag_96_instead_of_86() {
    let p = pace_profile();
    let e = pace_error(
        "ISO7816_G_25",
        &p,
        pace_fault(
            TOKEN,
            PaceFault::Retag {
                from: 0x86,
                to: 0x96,
            },
        ),
    );
    assert!(matches!(e, PaceError::MalformedResponse { .. }), "{e:?}");
}

#[test]
fn iso7816_g_26_abort_pace_on_error_in_step_4() {
    fn flip(v: &[u8]) -> Vec<u8> {
        let mut v = v.to_vec();
        v[3] ^= 0x01;
        v
    }
    let p = pace_profile();
    let e = pace_error(
        "ISO7816_G_26",
        &p,
        pace_fault(TOKEN, PaceFault::Map(0x86, flip)),
    );
    assert!(matches!(e, PaceError::ChipTokenMismatch), "{e:?}");
    for fault in [PaceFault::Remove(0x86), PaceFault::Replace(0x86, vec![])] {
        let e = pace_error("ISO7816_G_26", &p, pace_fault(TOKEN, fault.clone()));
        assert!(
            matches!(
                e,
                PaceError::MalformedResponse { .. } | PaceError::ChipTokenMismatch
            ),
            "{fault:?}: {e:?}"
        );
    }
}

// ---- EF.CardAccess errors -------------------------------------------------------------------

#[test]
fn iso7816_g_27_abort_pace_on_tlv_error_in_card_access() {
    let good = chip(&pace_profile()).file("CardAccess").unwrap().to_vec();
    let mut broken_inner = good.clone();
    broken_inner[3] = 0x7F; // length of the first SecurityInfo beyond the set
    for (what, bytes) in [
        ("outer length too long", {
            let mut b = good.clone();
            b[1] += 1;
            b
        }),
        ("inner length too long", broken_inner),
        ("truncated", good[..good.len() - 3].to_vec()),
        ("not a SET", [vec![0x30], good[1..].to_vec()].concat()),
        ("garbage", vec![0xFF, 0xFF, 0xFF]),
    ] {
        let mut p = pace_profile();
        p.files.insert("CardAccess".into(), hex::encode(&bytes));
        let mut chip = pace_chip(&p, vec![]);
        let (stage, why) = inspect(&mut chip, &p).failed("ISO7816_G_27");
        assert_eq!(stage, Stage::Read, "{what}: {why}");
        // No PACE was attempted with unreadable parameters.
        assert!(
            !chip
                .exchanges()
                .iter()
                .any(|(c, _)| c.get(1) == Some(&ins::GENERAL_AUTHENTICATE)),
            "{what}"
        );
    }
}

#[test]
fn iso7816_g_28_abort_pace_on_incorrect_parameter_id() {
    for id in [3u8, 7, 19, 31, 0x7F] {
        let mut p = pace_profile();
        p.files.insert(
            "CardAccess".into(),
            hex::encode(set_of(&[raw_pace_info(ECDH_GM_3DES, 2, id)])),
        );
        let mut chip = pace_chip(&p, vec![]);
        let err = inspect(&mut chip, &p).read_error("ISO7816_G_28");
        assert!(matches!(err, ReadError::Unsupported(_)), "{id}: {err:?}");
        assert!(chip.exchanges().len() < 4, "{id}: PACE was attempted");
    }
    // A DH parameter id for an ECDH protocol.
    let mut p = pace_profile();
    p.files.insert(
        "CardAccess".into(),
        hex::encode(set_of(&[raw_pace_info(ECDH_GM_3DES, 2, 2)])),
    );
    let err = inspect(pace_chip(&p, vec![]), &p).read_error("ISO7816_G_28 (DH id)");
    assert!(matches!(err, ReadError::Unsupported(_)), "{err:?}");
}

// ---- PACE-CAM -------------------------------------------------------------------------------

fn cam_profile(id: u32) -> Profile {
    pace_profile_with("CAM", "AES-128", id)
}

/// How a CAM inspection failed: a PACE error, or a failed pace_cam check in the verdict.
fn cam_failure(case: &str, p: &Profile, faults: Vec<Fault>) -> String {
    match inspect(pace_chip(p, faults), p) {
        Outcome::Failed {
            stage: Stage::Read,
            error: Some(ReadError::Pace(e)),
            ..
        } => format!("PACE: {e}"),
        Outcome::Failed {
            stage: Stage::Verify,
            verdict: Some(v),
            ..
        } => {
            assert_eq!(
                v.pace_cam.status(),
                emrtd_auth::CheckStatus::Failed,
                "{case}: {:?}",
                v.summary
            );
            format!("pace_cam: {}", v.pace_cam.reason())
        }
        other => panic!("{case}: expected PACE-CAM to fail, got {other:?}"),
    }
}

#[test]
fn iso7816_g_29_cam_with_missing_tag_8a() {
    let why = cam_failure(
        "ISO7816_G_29",
        &cam_profile(13),
        pace_fault(TOKEN, PaceFault::Remove(0x8A)),
    );
    assert!(why.contains("8A"), "{why}");
}

#[test]
fn iso7816_g_30_cam_with_incorrectly_encoded_ecad() {
    fn not_blocks(v: &[u8]) -> Vec<u8> {
        v[..v.len() - 1].to_vec()
    }
    fn wrapped(v: &[u8]) -> Vec<u8> {
        emrtd_tlv::encode(0x04, v)
    }
    for f in [not_blocks as fn(&[u8]) -> Vec<u8>, wrapped] {
        cam_failure(
            "ISO7816_G_30",
            &cam_profile(13),
            pace_fault(TOKEN, PaceFault::Map(0x8A, f)),
        );
    }
}

#[test]
fn iso7816_g_31_cam_with_wrong_ecad() {
    fn first_block(v: &[u8]) -> Vec<u8> {
        let mut v = v.to_vec();
        v[0] ^= 0x01;
        v
    }
    fn last_block(v: &[u8]) -> Vec<u8> {
        let mut v = v.to_vec();
        let i = v.len() - 1;
        v[i] ^= 0x01;
        v
    }
    for f in [first_block as fn(&[u8]) -> Vec<u8>, last_block] {
        cam_failure(
            "ISO7816_G_31",
            &cam_profile(13),
            pace_fault(TOKEN, PaceFault::Map(0x8A, f)),
        );
    }
}

#[test]
fn iso7816_g_32_cam_with_wrong_tag_8b() {
    let why = cam_failure(
        "ISO7816_G_32",
        &cam_profile(13),
        pace_fault(
            TOKEN,
            PaceFault::Retag {
                from: 0x8A,
                to: 0x8B,
            },
        ),
    );
    assert!(why.contains("8A"), "{why}");
}

#[test]
fn iso7816_g_33_cam_with_tag_8a_but_missing_ecad() {
    cam_failure(
        "ISO7816_G_33",
        &cam_profile(13),
        pace_fault(TOKEN, PaceFault::Replace(0x8A, vec![])),
    );
}

#[test]
fn iso7816_g_34_cam_with_passive_authentication() {
    let p = cam_profile(13);
    let (doc, verdict) = inspect(pace_chip(&p, vec![]), &p).successful("ISO7816_G_34");
    assert_eq!(
        doc.access.mapping,
        Some(emrtd_reader::PaceMapping::ChipAuthentication)
    );
    assert_eq!(verdict.pace_cam.status(), emrtd_auth::CheckStatus::Passed);
    assert_eq!(
        verdict.card_security.as_ref().unwrap().status,
        emrtd_auth::Verdict::Valid
    );
}

#[test]
fn iso7816_g_35_additional_tag_8a_during_pace_gm() {
    let p = pace_profile();
    let chip = pace_chip(&p, pace_fault(TOKEN, PaceFault::Add(0x8A, vec![0x11; 32])));
    let (doc, _) = inspect(chip, &p).successful("ISO7816_G_35");
    assert_eq!(doc.access.chip_authentication_mapping, None);
}

#[test]
fn iso7816_g_36_invalid_oid_for_pace_cam_in_card_access() {
    // EF.CardAccess: id-PACE-ECDH-GM-3DES (13) and a "DH-CAM-AES128" PACEInfo, which no OID
    // names (arc 5 of id-PACE is unassigned); DG14 holds the same. The reader must use GM.
    let mut p = pace_profile();
    let card_access = set_of(&[
        raw_pace_info(ECDH_GM_3DES, 2, 13),
        raw_pace_info("0.4.0.127.0.7.2.2.4.5.2", 2, 0),
    ]);
    p.files
        .insert("CardAccess".into(), hex::encode(&card_access));
    p.files.insert(
        "DG14".into(),
        hex::encode(emrtd_tlv::encode(0x6E, &card_access)),
    );
    let mut chip = pace_chip(&p, vec![]);
    let outcome = inspect(&mut chip, &p);
    let (oid, reference, _) = mse(&chip);
    assert_eq!(oid, ECDH_GM_3DES);
    assert_eq!(reference, 0x01);
    outcome.successful("ISO7816_G_36");
}

/// EF.CardAccess of a CAM chip and a key on its group that is not the chip's.
fn cam_parts(p: &Profile) -> (SecurityInfos, Vec<u8>) {
    let c = chip(p);
    let infos = SecurityInfos::parse(c.file("CardAccess").unwrap()).unwrap();
    let group = Group::standardized(p.access.pace[0].parameter_id).unwrap();
    let sk = group.generate_private_key(&mut rand_core::OsRng);
    let pk = group
        .encode_public_key(&group.public_key(&sk, &group.generator()).unwrap())
        .unwrap();
    (infos, pk)
}

fn signed_card_security(infos: &[SecurityInfo]) -> String {
    let der = SecurityInfos {
        infos: infos.to_vec(),
    }
    .to_der();
    hex::encode(emrtd_sim::pki::sign_card_security(&der).unwrap())
}

#[test]
fn iso7816_g_38_dg14_without_security_info_during_pace_cam() {
    let mut p = cam_profile(13);
    p.files.insert("DG14".into(), "6E023100".into());
    let (doc, verdict) = inspect(pace_chip(&p, vec![]), &p).successful("ISO7816_G_38");
    assert!(doc.files.contains_key(&emrtd_reader::EfId::Dg(14)));
    assert_eq!(verdict.pace_cam.status(), emrtd_auth::CheckStatus::Passed);
}

#[test]
fn iso7816_g_39_card_security_with_wrong_chip_authentication_public_key() {
    let mut p = cam_profile(13);
    let (infos, other_key) = cam_parts(&p);
    let mut all = infos.infos.clone();
    all.push(SecurityInfo::ChipAuthenticationPublicKey(
        ChipAuthenticationPublicKeyInfo::ecdh_standardized(13, other_key, Some(13)),
    ));
    p.files
        .insert("CardSecurity".into(), signed_card_security(&all));
    let why = cam_failure("ISO7816_G_39", &p, vec![]);
    assert!(why.starts_with("pace_cam"), "{why}");
}

#[test]
fn iso7816_g_40_card_security_without_chip_authentication_public_key_info() {
    let mut p = cam_profile(13);
    let (infos, _) = cam_parts(&p);
    p.files
        .insert("CardSecurity".into(), signed_card_security(&infos.infos));
    let why = cam_failure("ISO7816_G_40", &p, vec![]);
    assert!(why.contains("no chip authentication public key"), "{why}");
}

#[test]
fn iso7816_g_41_standardized_domain_parameters_with_cam() {
    for id in 8u32..=18 {
        let p = cam_profile(id);
        let (doc, verdict) = inspect(pace_chip(&p, vec![]), &p).successful("ISO7816_G_41");
        assert_eq!(doc.access.parameter_id, Some(id));
        assert_eq!(verdict.pace_cam.status(), emrtd_auth::CheckStatus::Passed);
    }
}

// ---- LDS_J: EF.CardSecurity against EF.CardAccess -------------------------------------------

/// The SecurityInfos of a CAM chip's EF.CardSecurity (same key as every chip of `p`).
fn card_security_infos(p: &Profile) -> Vec<SecurityInfo> {
    let c = chip(p);
    let (_, infos) = SecurityInfos::parse_card_security(c.file("CardSecurity").unwrap()).unwrap();
    infos.infos
}

#[test]
fn lds_j_01_card_security_with_more_security_infos() {
    let mut p = cam_profile(13);
    let mut infos = card_security_infos(&p);
    infos.push(pace_info(ECDH_GM_AES128, 13));
    p.files
        .insert("CardSecurity".into(), signed_card_security(&infos));
    let (_, verdict) = inspect(pace_chip(&p, vec![]), &p).successful("LDS_J_01");
    assert_eq!(verdict.pace_cam.status(), emrtd_auth::CheckStatus::Passed);
}

#[test]
fn lds_j_02_card_security_with_fewer_security_infos() {
    // EF.CardSecurity keeps the chip's key but drops the PACEInfo of EF.CardAccess.
    let mut p = cam_profile(13);
    let infos: Vec<SecurityInfo> = card_security_infos(&p)
        .into_iter()
        .filter(|i| !matches!(i, SecurityInfo::Pace(_)))
        .collect();
    p.files
        .insert("CardSecurity".into(), signed_card_security(&infos));
    let (stage, reason) = inspect(pace_chip(&p, vec![]), &p).failed("LDS_J_02");
    assert_eq!(stage, Stage::Verify, "LDS_J_02: {reason}");
    assert!(
        reason.contains("not in the signed EF.CardSecurity"),
        "LDS_J_02: {reason}"
    );
}

fn explicit_brainpool(id: u32, parameter_id: i64) -> SecurityInfo {
    let Group::Ec(curve) = Group::standardized(id).unwrap() else {
        unreachable!()
    };
    SecurityInfo::PaceDomainParameter(PaceDomainParameterInfo {
        protocol: emrtd_lds::security_infos::oid::PACE_ECDH_GM.to_string(),
        domain_parameter: DomainParameters::Ec {
            algorithm: "1.2.840.10045.2.1".into(),
            params: EcParameters {
                p: curve.p(),
                a: curve.a(),
                b: curve.b(),
                g: curve.encode_point(&curve.generator()),
                n: curve.order(),
                h: Some(curve.cofactor()),
            },
        },
        parameter_id: Some(parameter_id),
    })
}

#[test]
fn lds_j_03_card_security_with_different_security_infos() {
    // Both files list a PACEDomainParameterInfo (id 32) next to the CAM PACEInfo, with other
    // domain parameters in EF.CardSecurity than in EF.CardAccess.
    let mut p = cam_profile(13);
    let infos = card_security_infos(&p);
    let pace = infos
        .iter()
        .find(|i| matches!(i, SecurityInfo::Pace(_)))
        .unwrap()
        .clone();
    let card_access = SecurityInfos {
        infos: vec![pace, explicit_brainpool(13, 32)],
    };
    let mut secured = infos.clone();
    secured.push(explicit_brainpool(14, 32));
    p.files
        .insert("CardAccess".into(), hex::encode(card_access.to_der()));
    p.files
        .insert("CardSecurity".into(), signed_card_security(&secured));
    inspect(pace_chip(&p, vec![]), &p).failed("LDS_J_03");
}

#[test]
fn lds_j_04_card_security_with_incorrect_chip_authentication_public_key_info() {
    // The ChipAuthenticationPublicKeyInfo loses its protocol OID.
    let mut p = cam_profile(13);
    let entries: Vec<Vec<u8>> = card_security_infos(&p)
        .iter()
        .map(|i| match i {
            SecurityInfo::ChipAuthenticationPublicKey(k) => {
                let der = SecurityInfos {
                    infos: vec![SecurityInfo::ChipAuthenticationPublicKey(k.clone())],
                }
                .to_der();
                // SET { SEQUENCE { OID, SPKI, keyId } } -> SEQUENCE { SPKI, keyId }
                let set = emrtd_tlv::parse_exact(&der).unwrap();
                let seq = emrtd_tlv::parse_exact(set.value).unwrap();
                let mut parts = emrtd_tlv::parse_all(seq.value).unwrap();
                parts.remove(0);
                emrtd_tlv::encode(
                    0x30,
                    &parts
                        .iter()
                        .flat_map(|t| t.raw.to_vec())
                        .collect::<Vec<u8>>(),
                )
            }
            other => {
                let der = SecurityInfos {
                    infos: vec![other.clone()],
                }
                .to_der();
                emrtd_tlv::parse_exact(&der).unwrap().value.to_vec()
            }
        })
        .collect();
    let signed = emrtd_sim::pki::sign_card_security(&set_of(&entries)).unwrap();
    p.files.insert("CardSecurity".into(), hex::encode(signed));
    cam_failure("LDS_J_04", &p, vec![]);
}
