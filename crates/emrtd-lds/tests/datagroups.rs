//! Data groups of the BSI 2008 and NL 2006 test passports, the BSI TR-03105-5 and ETSI TR 103 200
//! reference sets, a real UK DG1, the DG literals of the gmrtd test suite, DG15 with EC keys,
//! EF.CVCA and EF.ATR/INFO.

mod common;

use common::{fixture, gmrtd, hex, rejected};
use emrtd_lds::atr_info::{EfAtrInfo, ExtendedLengthInfo};
use emrtd_lds::cbeff::{FORMAT_TYPE_FINGER_19794, FORMAT_TYPE_IRIS_19794};
use emrtd_lds::com::EfCom;
use emrtd_lds::cvca::EfCvca;
use emrtd_lds::dg1::Dg1;
use emrtd_lds::dg11::{Dg11, ListEncoding};
use emrtd_lds::dg12::Dg12;
use emrtd_lds::dg14::Dg14;
use emrtd_lds::dg15::{AaPublicKey, Dg15, EcCurve};
use emrtd_lds::dg16::{Dg16, PersonToNotify};
use emrtd_lds::dg3::Dg3;
use emrtd_lds::dg4::Dg4;
use emrtd_lds::displayed::{Dg5, Dg7};
use emrtd_lds::{decode_file, FileId, LdsError, LdsFile};

#[test]
fn bsi_2008_test_passport() {
    let com = EfCom::decode(&fixture("bsi2008/EF_COM.bin")).unwrap();
    assert_eq!(
        (com.lds_version.as_str(), com.data_groups()),
        ("0107", vec![1, 2, 3, 14])
    );
    assert!(com.check().is_empty());

    let dg1 = Dg1::decode(&fixture("bsi2008/Datagroup1.bin")).unwrap();
    assert!(
        dg1.mrz_text.starts_with("P<D<<MUSTERMANN<<ERIKA<"),
        "{}",
        dg1.mrz_text
    );
    assert!(dg1.check().is_empty(), "{:?}", dg1.check());

    let dg3_bytes = fixture("bsi2008/Datagroup3.bin");
    let dg3 = Dg3::decode(&dg3_bytes).unwrap();
    assert_eq!(dg3.encode(), dg3_bytes);
    assert_eq!(dg3.group.templates.len(), 2);
    for (t, subtype) in dg3.group.templates.iter().zip([0x09u8, 0x0A]) {
        assert_eq!(t.header.format_type, FORMAT_TYPE_FINGER_19794);
        assert_eq!(t.header.biometric_type.as_deref(), Some(&[0x08][..]));
        assert_eq!(t.header.biometric_subtype.as_deref(), Some(&[subtype][..]));
    }
    assert!(dg3.records().iter().all(|r| r.starts_with(b"FIR\0")));
    assert_eq!(dg3.records()[0].len(), 16435);
    assert!(dg3.check().is_empty(), "{:?}", dg3.check());

    let dg4_bytes = fixture("bsi2008/Datagroup4.bin");
    let dg4 = Dg4::decode(&dg4_bytes).unwrap();
    assert_eq!(dg4.encode(), dg4_bytes);
    assert_eq!(dg4.group.templates.len(), 2);
    assert!(dg4
        .group
        .templates
        .iter()
        .all(|t| t.header.format_type == FORMAT_TYPE_IRIS_19794));
    assert!(dg4.records().iter().all(|r| r.starts_with(b"IIR\0")));
    assert!(dg4.check().is_empty(), "{:?}", dg4.check());
    // DG3 bytes are not a DG4.
    assert!(matches!(
        Dg4::decode(&dg3_bytes),
        Err(LdsError::UnexpectedTag {
            expected: 0x76,
            found: 0x63,
            ..
        })
    ));

    let dg14_bytes = fixture("bsi2008/Datagroup14.bin");
    let dg14 = Dg14::decode(&dg14_bytes).unwrap();
    assert_eq!(dg14.content.len(), 330);
    assert_eq!(dg14.encode(), dg14_bytes);
    let infos = dg14.security_infos().unwrap();
    assert_eq!(infos.infos.len(), 3);
    assert_eq!(
        infos.chip_authentication_infos().next().map(|c| c.version),
        Some(1)
    );
    assert!(dg14.check().is_empty(), "{:?}", dg14.check());
    assert_eq!(
        emrtd_lds::dg14::Dg14::from_security_infos(&infos).encode(),
        dg14_bytes
    );

    let dg15_bytes = fixture("bsi2008/Datagroup15.bin");
    let dg15 = Dg15::decode(&dg15_bytes).unwrap();
    let AaPublicKey::Rsa { n, e } = &dg15.public_key else {
        panic!("RSA")
    };
    assert_eq!((n.len(), n[0], e.as_slice()), (128, 0xCF, &[1u8, 0, 1][..]));
    assert_eq!(dg15.spki, dg15_bytes[3..]);
    assert_eq!(dg15.raw, dg15_bytes);
    // The modulus is stored without the leading zero DER needs (`02 81 80 CF..`); encoding
    // writes canonical DER (`02 81 81 00 CF..`), which decodes to the same key.
    let canonical = dg15.encode();
    assert_eq!(canonical.len(), dg15_bytes.len() + 1);
    assert_eq!(
        Dg15::decode(&canonical).unwrap().public_key,
        dg15.public_key
    );
    assert_eq!(Dg15::decode(&canonical).unwrap().encode(), canonical);
}

#[test]
fn nl_2006_test_passport() {
    let com = EfCom::decode(&fixture("loes2006/ef011E.bin")).unwrap();
    assert_eq!(com.data_groups(), vec![1, 2, 15]);
    let dg1 = Dg1::decode(&fixture("loes2006/ef0101.bin")).unwrap();
    assert!(dg1.mrz_text.starts_with("P<NLDMEULENDIJK<<LOES<ALBERTINE<"));
    assert!(dg1.check().is_empty(), "{:?}", dg1.check());
    let dg15_bytes = fixture("loes2006/ef010F.bin");
    let dg15 = Dg15::decode(&dg15_bytes).unwrap();
    assert!(matches!(&dg15.public_key, AaPublicKey::Rsa { n, .. } if n.len() == 128));
    assert_eq!(dg15.encode(), dg15_bytes);
    for (fid, path) in [
        (0x011E, "loes2006/ef011E.bin"),
        (0x0101, "loes2006/ef0101.bin"),
        (0x0102, "loes2006/ef0102.bin"),
        (0x010F, "loes2006/ef010F.bin"),
    ] {
        let bytes = fixture(path);
        let file = decode_file(FileId::from_fid(fid).unwrap(), &bytes).unwrap();
        assert_eq!(file.encode(), bytes, "{path}");
        assert!(file.check().is_empty(), "{path}: {:?}", file.check());
    }
}

#[test]
fn reference_sets_and_uk_dg1() {
    for path in [
        "bsi_tr03105_5/EF_COM.bin",
        "bsi_tr03105_5/Datagroup1.bin",
        "bsi_tr03105_5/Datagroup14.bin",
        "bsi_tr03105_5/Datagroup15.bin",
        "etsi_tr103200/ETSI_TR103200_DG1.bin",
        "etsi_tr103200/ETSI_TR103200_DG14.bin",
        "etsi_tr103200/ETSI_TR103200_DG15.bin",
        "uk/UK_imported_DG1.bin",
    ] {
        let bytes = fixture(path);
        let file = decode_file(FileId::from_tag(bytes[0]).unwrap(), &bytes)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(file.encode(), bytes, "{path}");
        assert_eq!(file.raw(), &bytes[..]);
        assert!(file.check().is_empty(), "{path}: {:?}", file.check());
    }
    let LdsFile::Dg1(uk) = decode_file(FileId::Dg(1), &fixture("uk/UK_imported_DG1.bin")).unwrap()
    else {
        panic!("DG1")
    };
    assert!(uk.mrz_text.starts_with("P<GBR"), "{}", uk.mrz_text);
    assert_eq!(uk.mrz().unwrap().issuing_state, "GBR");
}

#[test]
fn gmrtd_ef_com_and_dg1_literals() {
    let ok = gmrtd("document/com_test.go", "TestNewCOM");
    assert!(EfCom::decode(&ok[0].1).unwrap().check().is_empty());
    let errors = gmrtd("document/com_test.go", "TestNewCOMErrors");
    assert_eq!(errors.len(), 3);
    assert!(matches!(
        EfCom::decode(&errors[0].1),
        Err(LdsError::Invalid {
            element: "LDS version (5F01)",
            ..
        })
    ));
    assert!(matches!(
        EfCom::decode(&errors[1].1),
        Err(LdsError::Invalid {
            element: "Unicode version (5F36)",
            ..
        })
    ));
    let bad_tags = EfCom::decode(&errors[2].1).unwrap();
    assert!(bad_tags
        .check()
        .iter()
        .any(|i| i.problem.contains("5F is not a data group tag")));

    for (comment, bytes) in gmrtd("document/dg1_test.go", "TestNewDG1") {
        let dg1 = Dg1::decode(&bytes).unwrap();
        assert_eq!(dg1.encode(), bytes);
        assert!(dg1.mrz().is_ok(), "{comment:?}");
    }
    let (_, bad) = &gmrtd("document/dg1_test.go", "TestNewDG1UnhappyBadMRZ")[0];
    assert!(rejected(&Dg1::decode(bad), Dg1::check));
}

#[test]
fn gmrtd_dg7_literals() {
    let (_, good) = &gmrtd("document/dg7_test.go", "TestNewDG7")[0];
    let dg7 = Dg7::decode(good).unwrap();
    assert_eq!(dg7.encode(), *good);
    let errors = gmrtd("document/dg7_test.go", "TestNewDG7Errors");
    assert_eq!(errors.len(), 3);
    for (comment, bytes) in errors {
        assert!(Dg7::decode(&bytes).is_err(), "{comment:?}");
    }
    // The same content under the DG5 tags is a displayed portrait.
    let mut dg5 = Dg5::new(dg7.images.clone());
    assert_eq!(Dg5::decode(&dg5.encode()).unwrap().images, dg7.images);
    dg5.images.push(b"not an image".to_vec());
    assert!(Dg5::decode(&dg5.encode()).is_err());
}

#[test]
fn gmrtd_dg11_literals() {
    let (_, happy) = &gmrtd("document/dg11_test.go", "TestNewDG11Happy")[0];
    assert!(Dg11::decode(happy).unwrap().check().is_empty());

    let (_, china) = &gmrtd("document/dg11_test.go", "TestNewDG11China")[0];
    let dg = Dg11::decode(china).unwrap();
    assert_eq!(dg.full_name.as_deref(), Some("赵彬"));
    assert_eq!(dg.other_names, vec!["ZHAO<<BIN".to_string()]);
    assert_eq!(dg.other_names_encoding, ListEncoding::Bare);
    assert_eq!(dg.encode(), *china, "bare other names re-encode bare");

    let other = gmrtd("document/dg11_test.go", "TestNewDG11OtherNames");
    assert_eq!(other.len(), 4);
    let names = vec!["SMITH<<JOHN".to_string(), "JOHN<SMITH".to_string()];
    // Nominal: A0 template referenced as 5F0F.
    let nominal = Dg11::decode(&other[0].1).unwrap();
    assert_eq!(
        (nominal.other_names.clone(), nominal.other_names_encoding),
        (names.clone(), ListEncoding::Template)
    );
    assert!(nominal.check().is_empty());
    assert_eq!(nominal.encode(), other[0].1);
    // Deviation (Belarus): the template is listed as A0; accepted without findings.
    let belarus = Dg11::decode(&other[1].1).unwrap();
    assert_eq!(belarus.other_names, names);
    assert!(belarus.check().is_empty(), "{:?}", belarus.check());
    assert_eq!(belarus.encode(), other[1].1);
    // Deviation (China): a single 5F0F without template; decoded, reported.
    let bare = Dg11::decode(&other[2].1).unwrap();
    assert_eq!(bare.other_names, vec!["SMITH<<JOHN".to_string()]);
    assert_eq!(bare.check().len(), 1);
    // Error: a name with three components.
    let three = Dg11::decode(&other[3].1).unwrap();
    assert!(three
        .check()
        .iter()
        .any(|i| i.problem.contains("more than two")));

    // Counts that do not match the names, or are not one byte, are errors.
    let counts = gmrtd(
        "document/dg11_test.go",
        "TestNewDG11OtherNamesCountValidation",
    );
    assert_eq!(counts.len(), 4);
    for (_, bytes) in counts {
        assert!(
            matches!(Dg11::decode(&bytes), Err(LdsError::Invalid { .. })),
            "{}",
            hex::encode(&bytes)
        );
    }

    // Proof of citizenship is an image; it round-trips as bytes.
    let literals = gmrtd("document/dg11_test.go", "TestProcessTagDG11");
    let jpeg = literals[0].1.clone();
    let mut built = Dg11 {
        full_name: Some("SMITH<<JOHN".into()),
        proof_of_citizenship: Some(jpeg.clone()),
        ..Dg11::default()
    };
    built.tag_list = built.present_tags();
    let again = Dg11::decode(&built.encode()).unwrap();
    assert_eq!(again.proof_of_citizenship, Some(jpeg));
    assert_eq!(again.tag_list, vec![0x5F0E, 0x5F16]);
    assert!(again.check().is_empty());
}

#[test]
fn gmrtd_dg12_literals() {
    let (_, nz) = &gmrtd("document/dg12_test.go", "TestNewDG12NZ")[0];
    assert_eq!(Dg12::decode(nz).unwrap().encode(), *nz);
    let (_, fr) = &gmrtd("document/dg12_test.go", "TestNewDG12FR")[0];
    let dg = Dg12::decode(fr).unwrap();
    assert_eq!(
        dg.issuing_authority.as_deref(),
        Some("JAKARTA - AMBASSADE DE FRANCE EN INDONESIE")
    );
    assert_eq!(dg.date_of_issue.as_deref(), Some("20170905"));
    assert!(dg.check().is_empty());
    assert_eq!(dg.encode(), *fr);

    // Every element, built in code, round-trips.
    let process = gmrtd("document/dg12_test.go", "TestProcessTag");
    let authority = String::from_utf8(process[0].1.clone()).unwrap();
    let image = process[1].1.clone();
    let mut full = Dg12 {
        issuing_authority: Some(authority.clone()),
        date_of_issue: Some("20200101".into()),
        other_persons: vec!["SMITH<<BRENDA".into(), "SMITH<<PETER".into()],
        endorsements: Some("NONE".into()),
        tax_exit_requirements: Some("EXEMPT".into()),
        image_front: Some(image.clone()),
        image_rear: Some(image),
        personalisation_time: Some("20200101120000".into()),
        personalisation_device: Some("XYZ-1".into()),
        ..Dg12::default()
    };
    full.tag_list = full.present_tags();
    let bytes = full.encode();
    let again = Dg12::decode(&bytes).unwrap();
    assert_eq!(again.raw, bytes);
    full.raw = bytes.clone();
    assert_eq!(again, full);
    assert!(again.check().is_empty(), "{:?}", again.check());
    assert_eq!(again.encode(), bytes);
    assert_eq!(again.issuing_authority.as_deref(), Some(authority.as_str()));
}

#[test]
fn gmrtd_dg15_and_dg16_literals() {
    let dg15 = gmrtd("document/dg15_test.go", "TestNewDG15");
    let decoded = Dg15::decode(&dg15[0].1).unwrap();
    assert_eq!(
        AaPublicKey::from_spki(&dg15[1].1).unwrap(),
        decoded.public_key
    );
    assert_eq!(decoded.spki, dg15[1].1);

    let (_, happy) = &gmrtd("document/dg16_test.go", "TestNewDG16Happy")[0];
    assert!(Dg16::decode(happy).unwrap().check().is_empty());
    let errors = gmrtd("document/dg16_test.go", "TestNewDG16Errors");
    assert!(matches!(
        Dg16::decode(&errors[0].1),
        Err(LdsError::Invalid {
            element: "number of persons (02)",
            ..
        })
    ));
    let names = Dg16::decode(&errors[1].1).unwrap();
    assert!(names
        .check()
        .iter()
        .any(|i| i.problem.contains("more than two")));

    let built = Dg16 {
        persons: vec![
            PersonToNotify {
                name: Some("DOE<<JANE".into()),
                ..PersonToNotify::default()
            },
            PersonToNotify {
                name: Some("DOE<<JOHN".into()),
                telephone: Some("+4712345678".into()),
                ..PersonToNotify::default()
            },
        ],
        ..Dg16::default()
    };
    let bytes = built.encode();
    assert_eq!(bytes[..5], [0x70, bytes[1], 0x02, 0x01, 0x02]);
    let again = Dg16::decode(&bytes).unwrap();
    assert_eq!(again.persons, built.persons);
    assert_eq!(again.encode(), bytes);
}

#[test]
fn dg15_ec_named_curve() {
    let bytes = fixture("dg15_ec_named_secp384r1.bin");
    let dg15 = Dg15::decode(&bytes).unwrap();
    let AaPublicKey::Ec { curve, point } = &dg15.public_key else {
        panic!("EC")
    };
    assert_eq!(curve, &EcCurve::Named("1.3.132.0.34".into()));
    assert_eq!(curve.name(), Some("secp384r1"));
    assert_eq!((point.len(), point[0]), (97, 0x04));
    assert_eq!(dg15.encode(), bytes);
}

#[test]
fn dg15_ec_explicit_parameters() {
    let bytes = fixture("dg15_ec_explicit.bin");
    let dg15 = Dg15::decode(&bytes).unwrap();
    let AaPublicKey::Ec {
        curve: EcCurve::Explicit(p),
        point,
    } = &dg15.public_key
    else {
        panic!("explicit EC")
    };
    // brainpoolP384r1 (RFC 5639 §3.6).
    assert_eq!(p.version, 1);
    assert_eq!(p.p[..8], hex("8CB91E82A3386D28"));
    assert_eq!(p.p.len(), 48);
    assert_eq!(p.a[..8], hex("7BC382C63D8C150C"));
    assert_eq!(p.b[..8], hex("04A8C7DD22CE2826"));
    assert_eq!((p.g.len(), p.g[0]), (97, 0x04));
    assert_eq!(p.n[..8], hex("8CB91E82A3386D28"));
    assert_eq!(p.h.as_deref(), Some(&[1u8][..]));
    assert_eq!(p.seed, None);
    assert_eq!((point.len(), point[0]), (97, 0x04));
    assert_eq!(dg15.encode(), bytes);
    // Built from the typed key, the same bytes come out.
    assert_eq!(Dg15::new(dg15.public_key.clone()).encode(), bytes);
}

#[test]
fn dg15_rejects_broken_keys() {
    let bytes = fixture("bsi2008/Datagroup15.bin");
    // Truncated SubjectPublicKeyInfo inside a consistent outer TLV.
    let spki = &bytes[3..bytes.len() - 10];
    let mut broken = vec![0x6F, 0x81, spki.len() as u8];
    broken.extend_from_slice(spki);
    assert!(Dg15::decode(&broken).is_err());
    // Unknown algorithm: kept whole.
    let other = AaPublicKey::from_spki(&hex(
        "3019301306072A8648CE380401060800000000000000000302000A",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matches!(&other, AaPublicKey::Other { algorithm, .. } if algorithm == "1.2.840.10040.4.1")
    );
}

#[test]
fn ef_cvca() {
    let mut file = emrtd_tlv::encode(0x42, b"DETESTCVCA00002");
    file.extend(emrtd_tlv::encode(0x42, b"DETESTCVCA00001"));
    file.resize(36, 0);
    let cvca = EfCvca::decode(&file).unwrap();
    assert_eq!(
        cvca.cars,
        vec!["DETESTCVCA00002".to_string(), "DETESTCVCA00001".to_string()]
    );
    assert!(cvca.check().is_empty());
    assert_eq!(cvca.encode(), file);
    assert_eq!(EfCvca::new(cvca.cars.clone()).encode(), file);
    // Three CARs do not fit 36 bytes; they decode, the check reports them.
    let three = EfCvca::new(vec![
        "DECVCA00001".into(),
        "DECVCA00002".into(),
        "DECVCA00003".into(),
    ]);
    assert_eq!(EfCvca::decode(&three.encode()).unwrap().check().len(), 1);
    assert!(EfCvca::decode(&[0x42, 0x02, 0x41]).is_err());
    assert!(
        EfCvca::decode(&[0x42, 0x01, 0x01, 0x00]).is_err(),
        "CAR must be printable"
    );
    assert!(EfCvca::decode(&[0x43, 0x01, 0x41, 0x00]).is_err());
}

#[test]
fn ef_atr_info() {
    let info = EfAtrInfo {
        historical_bytes: Some(hex("80318065B0850100E683")),
        extended_length: Some(ExtendedLengthInfo {
            max_command: 0x0780,
            max_response: 65536,
            unknown: Vec::new(),
        }),
        ..EfAtrInfo::default()
    };
    let bytes = info.encode();
    assert_eq!(
        bytes,
        hex("5F520A80318065B0850100E6837F66090202078002030100 00"
            .replace(' ', "")
            .as_str())
    );
    let again = EfAtrInfo::decode(&bytes).unwrap();
    assert_eq!(again.extended_length, info.extended_length);
    assert_eq!(again.historical_bytes, info.historical_bytes);
    assert!(again.check().is_empty());
    assert!(
        EfAtrInfo::decode(&hex("7F660802FF078002020780")).is_err(),
        "negative length"
    );
    assert!(
        EfAtrInfo::decode(&hex("7F6608020207800202078000FF")).is_ok(),
        "padding is allowed"
    );
    let short = EfAtrInfo::decode(&hex("7F660602010002010F")).unwrap();
    assert_eq!(short.check().len(), 1, "lengths within short APDUs");
}

/// Field quirks D10 and D11: a full date of birth (DG11 `5F2B`) or date of issue (DG12
/// `5F26`) stored as 4 BCD bytes (French, Malaysian, Belgian documents) reads as the
/// `YYYYMMDD` it stands for, with a finding; 4 ASCII characters are not taken for BCD, and
/// bytes that are neither stay an error.
#[test]
fn bcd_dates_in_dg11_and_dg12_read_as_dates_with_a_finding() {
    let dg11 = |date: &[u8]| {
        emrtd_tlv::encode(
            0x6B,
            &[
                emrtd_tlv::encode(0x5C, &[0x5F, 0x0E, 0x5F, 0x2B]),
                emrtd_tlv::encode(0x5F0E, b"MUSTERMANN<<ERIKA"),
                emrtd_tlv::encode(0x5F2B, date),
            ]
            .concat(),
        )
    };
    let bcd = Dg11::decode(&dg11(&[0x19, 0x96, 0x08, 0x12])).unwrap();
    assert_eq!(bcd.full_date_of_birth.as_deref(), Some("19960812"));
    let issues: Vec<String> = bcd.check().iter().map(ToString::to_string).collect();
    assert_eq!(
        issues,
        ["DG11: full date of birth (5F2B): stored as 4 BCD bytes, not as the 8 digits YYYYMMDD (read all the same)"]
    );
    let ascii = Dg11::decode(&dg11(b"19960812")).unwrap();
    assert_eq!(ascii.full_date_of_birth.as_deref(), Some("19960812"));
    assert!(ascii.check().is_empty(), "{:?}", ascii.check());
    // Four ASCII digits are text (0x31 is no century), not BCD.
    let year = Dg11::decode(&dg11(b"1996")).unwrap();
    assert_eq!(year.full_date_of_birth.as_deref(), Some("1996"));
    // Neither text nor a BCD date (month 13).
    assert!(Dg11::decode(&dg11(&[0x19, 0x96, 0x13, 0x92])).is_err());

    let dg12 = |date: &[u8]| {
        emrtd_tlv::encode(
            0x6C,
            &[
                emrtd_tlv::encode(0x5C, &[0x5F, 0x26]),
                emrtd_tlv::encode(0x5F26, date),
            ]
            .concat(),
        )
    };
    let bcd = Dg12::decode(&dg12(&[0x20, 0x15, 0x03, 0x01])).unwrap();
    assert_eq!(bcd.date_of_issue.as_deref(), Some("20150301"));
    assert_eq!(bcd.check().len(), 1, "{:?}", bcd.check());
    let ascii = Dg12::decode(&dg12(b"20150301")).unwrap();
    assert!(ascii.check().is_empty(), "{:?}", ascii.check());
}
