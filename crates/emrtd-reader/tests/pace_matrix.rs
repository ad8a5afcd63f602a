//! The reader against virtual chips offering every PACE variant: mapping × standardized
//! domain parameters × cipher suite, with the CAN and with the MRZ.

use emrtd_reader::{read_document, AccessKey, EfId, ReadError, ReadOptions};
use emrtd_sim::profile::PaceConfig;
use emrtd_sim::{Profile, VirtualChip};

fn profile(mapping: &str, cipher: &str, id: u32) -> Profile {
    let mut p = Profile::builtin("norway-id").unwrap();
    p.face = "none".into();
    p.access.pace = vec![PaceConfig {
        mapping: mapping.into(),
        cipher: cipher.into(),
        parameter_id: id,
    }];
    p
}

fn mrz_key() -> AccessKey {
    let mrz = Profile::builtin("norway-id").unwrap().parsed_mrz().unwrap();
    AccessKey::from_mrz(&mrz).unwrap()
}

#[test]
fn every_mapping_parameter_id_and_cipher_suite() {
    let can = AccessKey::from_can("123456").unwrap();
    let mut combos = 0;
    for mapping in ["GM", "IM", "CAM"] {
        for id in [0u32, 1, 2, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18] {
            for cipher in ["3DES", "AES-128", "AES-192", "AES-256"] {
                let dh = id <= 2;
                let defined = !(mapping == "CAM" && (dh || cipher == "3DES"))
                    && !(mapping == "IM" && id == 10);
                let built = VirtualChip::new(profile(mapping, cipher, id));
                if !defined {
                    assert!(
                        built.is_err(),
                        "{mapping} {cipher} id {id} should be refused"
                    );
                    continue;
                }
                let chip = built.unwrap_or_else(|e| panic!("{mapping} {cipher} {id}: {e}"));
                // Alternate the password so both are covered across the matrix.
                let key = if combos % 2 == 0 {
                    can.clone()
                } else {
                    mrz_key()
                };
                let doc = read_document(chip, &key, &ReadOptions::default())
                    .unwrap_or_else(|e| panic!("{mapping} {cipher} id {id}: {e}"));
                assert_eq!(doc.access.protocol, emrtd_reader::AccessProtocol::Pace);
                assert_eq!(
                    doc.access.mapping.map(|m| m.to_string()).as_deref(),
                    Some(mapping)
                );
                assert_eq!(doc.access.parameter_id, Some(id));
                assert_eq!(doc.access.cipher_suite.to_string(), cipher);
                if mapping == "CAM" {
                    assert_eq!(
                        doc.access.chip_authentication_mapping,
                        Some(emrtd_reader::CheckOutcome::Verified)
                    );
                    assert!(doc.files.contains_key(&EfId::CardSecurity));
                }
                assert!(doc.dg1.unwrap().mrz().unwrap().is_valid());
                combos += 1;
            }
        }
    }
    assert_eq!(combos, 141);
}

#[test]
fn chips_without_extended_length() {
    // Short APDUs only: the 1024-bit DH group (id 0) and the curves fit and read end to end.
    let can = AccessKey::from_can("123456").unwrap();
    for (mapping, id) in [("GM", 0u32), ("IM", 0), ("GM", 18), ("CAM", 17)] {
        let mut p = profile(mapping, "AES-128", id);
        p.chip.extended_length = false;
        p.chip.max_read = 231;
        let doc = read_document(VirtualChip::new(p).unwrap(), &can, &ReadOptions::default())
            .unwrap_or_else(|e| panic!("{mapping} id {id} without extended length: {e}"));
        assert_eq!(doc.access.parameter_id, Some(id));
    }
    // 2048-bit DH keys cannot travel in short APDUs: such a profile is refused with the fix.
    for id in [1u32, 2] {
        let mut p = profile("GM", "AES-128", id);
        p.chip.extended_length = false;
        let err = VirtualChip::new(p).err().expect("profile must be refused");
        assert!(err.to_string().contains("extended_length = true"), "{err}");
    }
}

#[test]
fn wrong_can_is_refused_and_never_downgraded_to_bac() {
    // This chip also accepts BAC: a wrong PACE password must still be an error.
    let mut p = profile("GM", "AES-128", 13);
    p.access.bac = true;
    let wrong = AccessKey::from_can("654321").unwrap();
    let err = read_document(
        VirtualChip::new(p).unwrap(),
        &wrong,
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, ReadError::AccessDenied), "{err:?}");
}

#[test]
fn can_without_pace_is_a_clear_error() {
    let chip = VirtualChip::new(Profile::builtin("norway-passport").unwrap()).unwrap();
    let can = AccessKey::from_can("123456").unwrap();
    let err = read_document(chip, &can, &ReadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("BAC needs the MRZ"), "{err}");
}

#[test]
fn several_pace_infos_choose_the_strongest() {
    let mut p = profile("GM", "3DES", 0);
    p.access.pace.push(PaceConfig {
        mapping: "GM".into(),
        cipher: "AES-256".into(),
        parameter_id: 15,
    });
    p.access.pace.push(PaceConfig {
        mapping: "IM".into(),
        cipher: "AES-128".into(),
        parameter_id: 13,
    });
    let key = AccessKey::from_can("123456").unwrap();
    let doc = read_document(VirtualChip::new(p).unwrap(), &key, &ReadOptions::default()).unwrap();
    assert_eq!(doc.access.cipher_suite, emrtd_reader::CipherSuite::Aes256);
    assert_eq!(doc.access.parameter_id, Some(15));
}

#[test]
fn invalid_can_format_is_rejected_before_talking_to_the_chip() {
    assert!(matches!(
        AccessKey::from_can("12a456"),
        Err(ReadError::InvalidCan)
    ));
    assert!(AccessKey::from_can("").is_err());
}
