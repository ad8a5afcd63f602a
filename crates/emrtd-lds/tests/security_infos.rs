//! SecurityInfos of real and test EF.CardAccess / EF.CardSecurity / DG14 files.

use emrtd_lds::security_infos::{
    oid, CipherSuite, DomainParameters, KeyAgreement, PaceAlgorithm, PaceInfo, PaceMapping,
    SecurityInfo, SecurityInfos,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../fixtures/security_infos/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn hexs(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// The SET's own encoding (files may carry trailing bytes).
fn set_bytes(file: &[u8]) -> &[u8] {
    let (t, _) = emrtd_tlv::parse_one(file).unwrap();
    t.raw
}

fn assert_round_trip(bytes: &[u8], infos: &SecurityInfos) {
    // Decoding then encoding a DER file reproduces it byte for byte.
    assert_eq!(infos.to_der(), bytes);
    assert_eq!(SecurityInfos::parse(&infos.to_der()).unwrap(), *infos);
}

#[test]
fn icao_g1_card_access() {
    let bytes = hexs("31143012060A04007F0007020204020202010202010D");
    let infos = SecurityInfos::parse(&bytes).unwrap();
    assert_eq!(infos.infos.len(), 1);
    let pace = infos.best_pace_info().unwrap();
    assert_eq!(pace.protocol, "0.4.0.127.0.7.2.2.4.2.2");
    assert_eq!(
        pace.algorithm,
        PaceAlgorithm {
            key_agreement: KeyAgreement::Ecdh,
            mapping: PaceMapping::Generic,
            cipher: CipherSuite::Aes128
        }
    );
    assert_eq!(pace.version, 2);
    assert_eq!(pace.parameter_id, Some(13));
    assert_eq!(infos.to_der(), bytes);
}

#[test]
fn gmrtd_de_card_access_prefers_cam() {
    // DE passport: GM-AES-128 and CAM-AES-128 on brainpoolP256r1.
    let bytes = hexs(
        "31283012060A04007F0007020204020202010202010D3012060A04007F0007020204060202010202010D",
    );
    let infos = SecurityInfos::parse(&bytes).unwrap();
    assert_eq!(infos.pace_infos().count(), 2);
    let best = infos.best_pace_info().unwrap();
    assert_eq!(best.algorithm.mapping, PaceMapping::ChipAuthentication);
    assert_eq!(best.protocol, "0.4.0.127.0.7.2.2.4.6.2");
    assert_eq!(infos.to_der(), bytes);
}

#[test]
fn nz_card_access_3des() {
    let bytes = hexs("31143012060A04007F0007020204020102010202010D");
    let infos = SecurityInfos::parse(&bytes).unwrap();
    let best = infos.best_pace_info().unwrap();
    assert_eq!(best.algorithm.cipher, CipherSuite::Tdes);
    assert_eq!(best.algorithm.name(), "id-PACE-ECDH-GM-3DES-CBC-CBC");
}

#[test]
fn bsi_test_card_files() {
    for (name, n_infos, pace_oid, param) in [
        (
            "tc_ecdh_ef_cardaccess.bin",
            6,
            "0.4.0.127.0.7.2.2.4.2.2",
            13,
        ),
        ("tc_dh_ef_cardaccess.bin", 6, "0.4.0.127.0.7.2.2.4.1.2", 0),
        ("ef_cardaccess_dan.bin", 7, "0.4.0.127.0.7.2.2.4.2.2", 13),
        (
            "ef_cardaccess_new_testcard.bin",
            5,
            "0.4.0.127.0.7.2.2.4.2.2",
            13,
        ),
    ] {
        let file = fixture(name);
        let infos = SecurityInfos::parse(&file).unwrap();
        assert_eq!(infos.infos.len(), n_infos, "{name}");
        let best = infos.best_pace_info().unwrap();
        assert_eq!(best.protocol, pace_oid, "{name}");
        assert_eq!(best.parameter_id, Some(param), "{name}");
        // TerminalAuthenticationInfo v2, ChipAuthenticationInfo and its domain parameters.
        assert!(infos
            .infos
            .iter()
            .any(|i| matches!(i, SecurityInfo::TerminalAuthentication(t) if t.version == 2)));
        assert!(infos.chip_authentication_infos().count() >= 1);
        assert!(infos.infos.iter().any(|i| matches!(
            i,
            SecurityInfo::ChipAuthenticationDomainParameter(d)
                if d.domain_parameter == DomainParameters::Standardized(param)
        )));
        // CardInfo (0.4.0.127.0.7.2.2.6) is kept raw.
        assert!(infos.infos.iter().any(|i| matches!(i, SecurityInfo::Other(o) if o.protocol == "0.4.0.127.0.7.2.2.6" && o.problem.is_none())));
        assert_round_trip(set_bytes(&file), &infos);
    }
}

#[test]
fn ca3_card_access_with_cam_and_psa() {
    let file = fixture("ef_cardaccess_ca3.bin");
    let infos = SecurityInfos::parse(&file).unwrap();
    let best = infos.best_pace_info().unwrap();
    assert_eq!(best.algorithm.mapping, PaceMapping::ChipAuthentication);
    let cas: Vec<_> = infos
        .chip_authentication_infos()
        .map(|c| (c.version, c.key_id))
        .collect();
    assert_eq!(cas, vec![(2, Some(0x48)), (3, Some(0x4F))]);
    assert_round_trip(set_bytes(&file), &infos);
}

#[test]
fn old_test_card_explicit_domain_parameters() {
    // PACEInfo version 1 without parameterId plus PACEDomainParameterInfo with explicit
    // brainpoolP256t1 parameters under a BSI algorithm OID.
    let file = fixture("ef_cardaccess_old_testcard.bin");
    let infos = SecurityInfos::parse(&file).unwrap();
    let pace: Vec<&PaceInfo> = infos.pace_infos().collect();
    assert_eq!(pace.len(), 1);
    assert_eq!(pace[0].version, 1);
    assert_eq!(pace[0].parameter_id, None);
    // Version 1 is not usable.
    assert!(infos.best_pace_info().is_none());
    let dp: Vec<_> = infos.pace_domain_parameter_infos().collect();
    assert_eq!(dp.len(), 1);
    match &dp[0].domain_parameter {
        DomainParameters::Ec { algorithm, params } => {
            assert_eq!(algorithm, "0.4.0.127.0.7.1.1.5.2.2.2");
            assert_eq!(
                params.p,
                hexs("A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377")
            );
            assert_eq!(
                params.a,
                hexs("A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5374")
            );
            assert_eq!(
                params.n,
                hexs("A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7")
            );
            assert_eq!(params.h.as_deref(), Some(&[1u8][..]));
            assert_eq!(params.g.len(), 65);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(infos.pace_domain_parameters_for(pace[0]).is_some());
    assert_round_trip(set_bytes(&file), &infos);
}

#[test]
fn slovenian_card_access_ta_v1_with_file_id() {
    let file = fixture("ef_cardaccess_slowenia.bin");
    let infos = SecurityInfos::parse(&file).unwrap();
    let ta = infos
        .infos
        .iter()
        .find_map(|i| match i {
            SecurityInfo::TerminalAuthentication(t) => Some(t),
            _ => None,
        })
        .unwrap();
    assert_eq!(ta.version, 1);
    let f = ta.ef_cvca.as_ref().unwrap();
    assert_eq!(f.fid, [0x01, 0x1A]);
    assert_eq!(f.sfid.as_deref(), Some(&[0x1A][..]));
    assert!(infos.pace_infos().next().is_none());
    assert!(infos.best_pace_info().is_none());
    assert_round_trip(set_bytes(&file), &infos);
}

#[test]
fn card_security_files() {
    for (name, key_id, param, ka) in [
        ("DE_EF.CardSecurity.bin", Some(13), 13, KeyAgreement::Ecdh),
        ("FI_EF.CardSecurity.bin", Some(16), 16, KeyAgreement::Ecdh),
        (
            "tc_ecdh_ef_cardsecurity.bin",
            Some(1),
            13,
            KeyAgreement::Ecdh,
        ),
        ("tc_dh_ef_cardsecurity.bin", Some(1), 0, KeyAgreement::Dh),
        (
            "ef_cardsecurity_dan.bin",
            Some(0x41),
            13,
            KeyAgreement::Ecdh,
        ),
    ] {
        let (sd, infos) = SecurityInfos::parse_card_security(&fixture(name)).unwrap();
        assert_eq!(sd.content_type, "0.4.0.127.0.7.3.2.1");
        let pk = infos
            .chip_authentication_public_key(key_id)
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(
            pk.public_key.algorithm,
            DomainParameters::Standardized(param),
            "{name}"
        );
        let value = pk.public_key.public_value().unwrap();
        match ka {
            KeyAgreement::Ecdh => {
                assert_eq!(pk.protocol, oid::PK_ECDH.to_string());
                assert_eq!(value[0], 0x04);
            }
            KeyAgreement::Dh => {
                assert_eq!(pk.protocol, oid::PK_DH.to_string());
                assert_eq!(value.len(), 128);
            }
        }
        assert_round_trip(sd.content.as_deref().unwrap(), &infos);
    }
    // FI: the strongest PACEInfo is CAM with AES-256 on brainpoolP384r1.
    let (_, fi) = SecurityInfos::parse_card_security(&fixture("FI_EF.CardSecurity.bin")).unwrap();
    let best = fi.best_pace_info().unwrap();
    assert_eq!(best.algorithm.name(), "id-PACE-ECDH-CAM-AES-CBC-CMAC-256");
    assert_eq!(best.parameter_id, Some(16));
    // DE: two CA keys (0x0D for PACE-CAM, 0x48 for CA); asking without an id is ambiguous.
    let (_, de) = SecurityInfos::parse_card_security(&fixture("DE_EF.CardSecurity.bin")).unwrap();
    assert!(de.chip_authentication_public_key(None).is_none());
    assert!(de.chip_authentication_public_key(Some(0x48)).is_some());
}

#[test]
fn dg14_files() {
    // BSI 2008 test passport: explicit brainpoolP224r1 CA key, CA-ECDH-3DES, TA v1.
    let dg14 = fixture("bsi2008_dg14.bin");
    let infos = SecurityInfos::parse_dg14(&dg14).unwrap();
    let pk = infos.chip_authentication_public_key(None).unwrap();
    match &pk.public_key.algorithm {
        DomainParameters::Ec { algorithm, params } => {
            assert_eq!(*algorithm, oid::EC_PUBLIC_KEY.to_string());
            assert_eq!(
                params.p,
                hexs("D7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(pk.public_key.public_value().unwrap().len(), 57);
    let ca: Vec<_> = infos.chip_authentication_infos().collect();
    assert_eq!(ca.len(), 1);
    assert_eq!(ca[0].algorithm.unwrap().cipher, CipherSuite::Tdes);
    assert_eq!(infos.to_dg14(), dg14);

    // ICAO sample: PKCS #3 DH key (dhKeyAgreement, no q).
    let dg14 = fixture("icao_spec_sample_dg14.bin");
    let infos = SecurityInfos::parse_dg14(&dg14).unwrap();
    let pk = infos.chip_authentication_public_key(None).unwrap();
    match &pk.public_key.algorithm {
        DomainParameters::Dh { algorithm, params } => {
            assert_eq!(*algorithm, oid::DH_KEY_AGREEMENT.to_string());
            assert_eq!(params.p.len(), 128);
            assert!(params.q.is_none());
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(pk.public_key.public_value().unwrap().len(), 128);
    assert_eq!(infos.to_dg14(), dg14);

    let dg14 = fixture("etsi_tr103200_dg14.bin");
    let infos = SecurityInfos::parse_dg14(&dg14).unwrap();
    assert!(infos.chip_authentication_public_key(None).is_some());
    assert_eq!(infos.to_dg14(), dg14);
}

#[test]
fn gmrtd_dg14_with_key_id() {
    // gmrtd TestChipAuthDE: explicit brainpoolP256r1 key with keyId 0xC3.
    let dg14 = hexs("6E82019A31820196300D060804007F00070202020201013012060A04007F0007020204020202010202010D3012060A04007F0007020204060202010202010D3013060A04007F00070202030202020101020200C330820146060904007F000702020102308201333081EC06072A8648CE3D02013081E0020101302C06072A8648CE3D0101022100A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377304404207D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9042026DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B60441048BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997022100A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7020101034200047036BC5D0BCF31913B59103BB6F2C0C98C99EF4C19B9517340B76BFE4EE2194C76C3F3314E021D4B092DB5A32AB7D6E297F2FBEAE45AA28DEFC4DA750FEAD54E020200C3");
    let infos = SecurityInfos::parse_dg14(&dg14).unwrap();
    let pk = infos.chip_authentication_public_key(Some(0xC3)).unwrap();
    assert_eq!(
        pk.public_key.public_value().unwrap()[..3],
        [0x04, 0x70, 0x36]
    );
    let ca = infos.chip_authentication_infos().next().unwrap();
    assert_eq!(ca.key_id, Some(0xC3));
    assert_eq!(infos.to_dg14(), dg14);
}

#[test]
fn icao_appendix_i_chip_authentication_public_key_info() {
    let info = hexs("3062060904007F0007020201023052300C060704007F0007010202010D034200041872709494399E7470A6431BE25E83EEE24FEA568C2ED28DB48E05DB3A610DC884D256A40E35EFCB59BF6753D3A489D28C7A4D973C2DA138A6E7A4A08F68E16F02010D");
    let mut set = vec![0x31, info.len() as u8];
    set.extend_from_slice(&info);
    let infos = SecurityInfos::parse(&set).unwrap();
    let pk = infos.chip_authentication_public_key(Some(13)).unwrap();
    assert_eq!(
        pk.public_key.public_value().unwrap(),
        hexs("041872709494399E7470A6431BE25E83EEE24FEA568C2ED28DB48E05DB3A610DC884D256A40E35EFCB59BF6753D3A489D28C7A4D973C2DA138A6E7A4A08F68E16F")
    );
    let built = emrtd_lds::security_infos::ChipAuthenticationPublicKeyInfo::ecdh_standardized(
        13,
        pk.public_key.public_value().unwrap(),
        Some(13),
    );
    assert_eq!(
        SecurityInfo::ChipAuthenticationPublicKey(built).to_der(),
        info
    );
}

#[test]
fn ranking_prefers_aes_then_cam_then_key_length_then_group() {
    let mk = |oid_suffix: &str, id: i64| {
        SecurityInfo::Pace(
            PaceInfo::new(
                PaceAlgorithm::from_oid(&format!("0.4.0.127.0.7.2.2.4.{oid_suffix}")).unwrap(),
                id,
            )
            .unwrap(),
        )
    };
    let pick = |infos: Vec<SecurityInfo>| {
        let s = SecurityInfos { infos };
        let b = s.best_pace_info().unwrap();
        (b.algorithm.name(), b.parameter_id.unwrap())
    };
    // 3DES GM loses to AES IM.
    assert_eq!(
        pick(vec![mk("2.1", 13), mk("4.2", 13)]).0,
        "id-PACE-ECDH-IM-AES-CBC-CMAC-128"
    );
    // CAM-128 beats GM-256.
    assert_eq!(
        pick(vec![mk("2.4", 13), mk("6.2", 13)]).0,
        "id-PACE-ECDH-CAM-AES-CBC-CMAC-128"
    );
    // Same mapping: AES-256 beats AES-128 on a larger curve.
    assert_eq!(
        pick(vec![mk("2.2", 17), mk("2.4", 12)]).0,
        "id-PACE-ECDH-GM-AES-CBC-CMAC-256"
    );
    // Same algorithm: the larger curve wins; ECDH beats DH of lower strength.
    assert_eq!(pick(vec![mk("2.2", 12), mk("2.2", 15)]).1, 15);
    assert_eq!(pick(vec![mk("1.2", 2), mk("2.2", 13)]).1, 13);
    // A parameter id of the wrong key agreement is unusable.
    let s = SecurityInfos {
        infos: vec![mk("1.2", 13)],
    };
    assert!(s.best_pace_info().is_none());
}

#[test]
fn malformed_inputs_are_errors_or_kept_raw() {
    // Not a SET.
    assert!(SecurityInfos::parse(&hexs("30020500")).is_err());
    // Truncated.
    assert!(SecurityInfos::parse(&hexs("3114301206")).is_err());
    assert!(SecurityInfos::parse(&[]).is_err());
    // Entry without OID.
    assert!(SecurityInfos::parse(&hexs("31053003020101")).is_err());
    // A PACEInfo whose version is not an INTEGER is kept raw with a problem note.
    let bytes = hexs("3111300F060A04007F000702020402020401FF");
    let infos = SecurityInfos::parse(&bytes).unwrap();
    match &infos.infos[0] {
        SecurityInfo::Other(o) => {
            assert_eq!(o.protocol, "0.4.0.127.0.7.2.2.4.2.2");
            assert!(o.problem.is_some());
        }
        other => panic!("unexpected {other:?}"),
    }
    // Oversized input.
    assert!(SecurityInfos::parse(&vec![0x31; 70_000]).is_err());
    // Arbitrary prefixes of a real file never panic.
    let file = fixture("ef_cardaccess_ca3.bin");
    for n in 0..file.len() {
        let _ = SecurityInfos::parse(&file[..n]);
    }
}

/// Field quirk D15 (Swedish ID cards): bytes inside DG14 after the SET of SecurityInfos. DG14
/// decodes, its SecurityInfos are those of the SET, the bytes are kept (the file re-encodes
/// as stored) and reported by the check.
#[test]
fn dg14_with_bytes_after_its_security_infos_decodes_with_a_finding() {
    let plain = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/lds/bsi2008/Datagroup14.bin"
    ))
    .unwrap();
    let outer = emrtd_tlv::parse_exact(&plain).unwrap();
    let bytes = emrtd_tlv::encode(0x6E, &[outer.value, &[0xFF, 0x00, 0x12]].concat());
    let dg14 = emrtd_lds::dg14::Dg14::decode(&bytes).unwrap();
    assert_eq!(dg14.trailing, [0xFF, 0x00, 0x12]);
    assert_eq!(dg14.encode(), bytes);
    let plain_dg14 = emrtd_lds::dg14::Dg14::decode(&plain).unwrap();
    assert_eq!(
        dg14.security_infos().unwrap(),
        plain_dg14.security_infos().unwrap()
    );
    let issues: Vec<String> = dg14.check().iter().map(ToString::to_string).collect();
    assert_eq!(
        issues,
        ["DG14: SecurityInfos: 3 byte(s) after the SET of SecurityInfos (ignored by Chip Authentication)"]
    );
    assert!(plain_dg14.check().is_empty());
}
