//! DG3 (ISO/IEC 19794-4 finger images) and DG4 (ISO/IEC 19794-6 iris images) of the BSI 2008
//! test passport (`fixtures/lds/bsi2008/`), and hostile records.

use emrtd_lds::dg3::Dg3;
use emrtd_lds::dg4::Dg4;
use emrtd_lds::iso19794_4::{BiometricImageFormat, FingerImageRecord};
use emrtd_lds::iso19794_6::{Eye, IrisImageRecord};
use emrtd_lds::LdsError;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/lds/").to_string() + name)
        .unwrap()
}

#[test]
fn bsi2008_fingerprints_are_wsq_images_with_their_header_fields() {
    let dg3 = Dg3::decode(&fixture("bsi2008/Datagroup3.bin")).unwrap();
    let recs = dg3.finger_records().unwrap();
    assert_eq!(recs.len(), 2);
    let r = &recs[0];
    assert_eq!(r.version, "010");
    assert_eq!(r.compression(), Some(BiometricImageFormat::Wsq));
    assert_eq!(r.scan_resolution, (500, 500));
    assert_eq!(r.pixel_depth, 8);
    assert_eq!(r.images.len(), 1);
    let img = &r.images[0];
    assert_eq!((img.position, img.view_number, img.quality), (2, 1, 100));
    assert_eq!((img.width, img.height), (620, 620));
    assert_eq!(img.data.len(), 0x4013 - 14);
    let images = dg3.images().unwrap();
    assert_eq!(images.len(), 2);
    for i in &images {
        assert_eq!(i.format, Some(BiometricImageFormat::Wsq));
        assert!(i.data.starts_with(&[0xFF, 0xA0]), "WSQ start of image");
        assert!(i.data.ends_with(&[0xFF, 0xA1]), "WSQ end of image");
        assert!(!i.format_mismatch());
    }
    assert_eq!(images[0].file_name(), "finger-1-pos-2-view-1.wsq");
    assert_eq!(
        images[1].name,
        format!("finger-2-pos-{}-view-1", recs[1].images[0].position)
    );
}

#[test]
fn bsi2008_irises_are_jpeg2000_images_per_eye() {
    let dg4 = Dg4::decode(&fixture("bsi2008/Datagroup4.bin")).unwrap();
    let recs = dg4.iris_records().unwrap();
    assert_eq!(recs.len(), 2);
    let r = &recs[0];
    assert_eq!(
        r.image_format(),
        Some((BiometricImageFormat::Jpeg2000, true))
    );
    assert_eq!((r.width, r.height, r.intensity_depth), (163, 149, 24));
    assert_eq!(r.iris_diameter, 150);
    assert_eq!(r.images.len(), 1);
    assert_eq!(r.images[0].eye, Eye::Right);
    assert_eq!(r.images[0].quality, 0x33);
    assert_eq!(r.images[0].data.len(), 0x18F2);
    let images = dg4.images().unwrap();
    assert_eq!(images.len(), 2);
    for i in &images {
        assert_eq!(i.format, Some(BiometricImageFormat::Jpeg2000));
        assert!(!i.format_mismatch());
    }
    assert_eq!(images[0].file_name(), "iris-1-right-1.jp2");
    assert_eq!(recs[1].images[0].eye, Eye::Left);
}

fn first_record(dg: &[u8], magic: &[u8]) -> Vec<u8> {
    let at = dg.windows(4).position(|w| w == magic).unwrap();
    let len = if magic == b"FIR\0" {
        u64::from_be_bytes([
            0,
            0,
            dg[at + 8],
            dg[at + 9],
            dg[at + 10],
            dg[at + 11],
            dg[at + 12],
            dg[at + 13],
        ])
    } else {
        u64::from(u32::from_be_bytes([
            dg[at + 8],
            dg[at + 9],
            dg[at + 10],
            dg[at + 11],
        ]))
    };
    dg[at..at + len as usize].to_vec()
}

#[test]
fn truncated_finger_and_iris_records_are_typed_errors() {
    let fir = first_record(&fixture("bsi2008/Datagroup3.bin"), b"FIR\0");
    let iir = first_record(&fixture("bsi2008/Datagroup4.bin"), b"IIR\0");
    assert!(FingerImageRecord::decode(&fir).is_ok());
    assert!(IrisImageRecord::decode(&iir).is_ok());
    for n in (0..fir.len()).step_by(97).chain(fir.len() - 3..fir.len()) {
        assert!(
            matches!(
                FingerImageRecord::decode(&fir[..n]),
                Err(LdsError::Invalid { .. })
            ),
            "{n}"
        );
    }
    for n in (0..iir.len()).step_by(89).chain(iir.len() - 3..iir.len()) {
        assert!(
            matches!(
                IrisImageRecord::decode(&iir[..n]),
                Err(LdsError::Invalid { .. })
            ),
            "{n}"
        );
    }
}

#[test]
fn huge_declared_lengths_are_refused_without_allocation() {
    let mut fir = first_record(&fixture("bsi2008/Datagroup3.bin"), b"FIR\0");
    // Image block length 0xFFFFFFFF.
    fir[32..36].copy_from_slice(&[0xFF; 4]);
    let e = FingerImageRecord::decode(&fir).unwrap_err();
    assert!(e.to_string().contains("finger image length"), "{e}");
    // 255 images announced.
    let mut fir = first_record(&fixture("bsi2008/Datagroup3.bin"), b"FIR\0");
    fir[18] = 255;
    assert!(FingerImageRecord::decode(&fir).is_err());
    // Record length larger than the data.
    let mut fir = first_record(&fixture("bsi2008/Datagroup3.bin"), b"FIR\0");
    fir[8..14].copy_from_slice(&[0xFF; 6]);
    assert!(FingerImageRecord::decode(&fir)
        .unwrap_err()
        .to_string()
        .contains("record length"));

    let iir = first_record(&fixture("bsi2008/Datagroup4.bin"), b"IIR\0");
    let mut m = iir.clone();
    m[45 + 3 + 7..45 + 3 + 11].copy_from_slice(&[0xFF; 4]);
    assert!(IrisImageRecord::decode(&m)
        .unwrap_err()
        .to_string()
        .contains("iris image length"));
    let mut m = iir.clone();
    m[46..48].copy_from_slice(&[0xFF, 0xFF]); // 65535 images of the first eye
    assert!(IrisImageRecord::decode(&m).is_err());
    let mut m = iir.clone();
    m[14] = 0xFF; // 255 eye subtypes
    assert!(IrisImageRecord::decode(&m).is_err());
    let mut m = iir;
    m[0] = b'X';
    assert!(IrisImageRecord::decode(&m)
        .unwrap_err()
        .to_string()
        .contains("format identifier"));
}

#[test]
fn every_single_byte_change_in_the_headers_fails_cleanly_or_decodes() {
    let fir = first_record(&fixture("bsi2008/Datagroup3.bin"), b"FIR\0");
    let iir = first_record(&fixture("bsi2008/Datagroup4.bin"), b"IIR\0");
    for i in 0..60 {
        for x in [0x01u8, 0x80, 0xFF] {
            let mut m = fir.clone();
            m[i] ^= x;
            let _ = FingerImageRecord::decode(&m);
            let mut m = iir.clone();
            m[i] ^= x;
            let _ = IrisImageRecord::decode(&m);
        }
    }
}

#[test]
fn image_formats_are_recognised_by_their_magic_bytes() {
    assert_eq!(
        BiometricImageFormat::detect(&[0xFF, 0xA0, 0xFF, 0xA8]),
        Some(BiometricImageFormat::Wsq)
    );
    assert_eq!(
        BiometricImageFormat::detect(&[0xFF, 0xD8, 0xFF, 0xE0]),
        Some(BiometricImageFormat::Jpeg)
    );
    assert_eq!(
        BiometricImageFormat::detect(&[0xFF, 0xD8, 0xFF, 0xF7]),
        Some(BiometricImageFormat::JpegLs)
    );
    assert_eq!(
        BiometricImageFormat::detect(&[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        Some(BiometricImageFormat::Png)
    );
    assert_eq!(
        BiometricImageFormat::detect(&[0xFF, 0x4F, 0xFF, 0x51]),
        Some(BiometricImageFormat::Jpeg2000)
    );
    assert_eq!(BiometricImageFormat::detect(&[0x00, 0x01]), None);
}

/// The biometric subtype (82) of fingerprints and irises is mandatory and follows the CBEFF
/// coding: side bits 01/02 (not both), for fingers a finger code 1–5 in bits 3–5, nothing else.
#[test]
fn biometric_subtypes_of_fingers_and_irises_follow_the_cbeff_coding() {
    let subtype_issues = |issues: Vec<emrtd_lds::check::Issue>| {
        issues
            .iter()
            .filter(|i| i.element == "biometric subtype (82)")
            .count()
    };
    let dg3 = Dg3::decode(&fixture("bsi2008/Datagroup3.bin")).unwrap();
    assert!(dg3.check().is_empty(), "{:?}", dg3.check());
    for (subtype, ok) in [
        (Some(vec![0x00]), true),
        (Some(vec![0x05]), true),  // right thumb
        (Some(vec![0x09]), true),  // right index
        (Some(vec![0x0A]), true),  // left index
        (Some(vec![0x16]), true),  // left little
        (Some(vec![0x03]), false), // right and left
        (Some(vec![0x19]), false), // finger code 6
        (Some(vec![0x21]), false), // a reserved bit
        (Some(vec![0xFE]), false), // LDS_D_12
        (Some(vec![0x09, 0x00]), false),
        (None, false), // LDS_D_13
    ] {
        let mut dg = dg3.clone();
        dg.group.templates[0].header.biometric_subtype = subtype.clone();
        let issues = dg.check();
        assert_eq!(
            subtype_issues(issues),
            usize::from(!ok),
            "DG3 {subtype:02X?}"
        );
    }
    let dg4 = Dg4::decode(&fixture("bsi2008/Datagroup4.bin")).unwrap();
    assert!(dg4.check().is_empty(), "{:?}", dg4.check());
    for (subtype, ok) in [
        (Some(vec![0x00]), true),
        (Some(vec![0x01]), true),
        (Some(vec![0x02]), true),
        (Some(vec![0x03]), false),
        (Some(vec![0x09]), false), // a finger code on an iris
        (Some(vec![0xFE]), false), // LDS_E_11
        (None, false),             // LDS_E_12
    ] {
        let mut dg = dg4.clone();
        dg.group.templates[1].header.biometric_subtype = subtype.clone();
        assert_eq!(
            subtype_issues(dg.check()),
            usize::from(!ok),
            "DG4 {subtype:02X?}"
        );
    }
}

/// A record that starts with the right format identifier but cannot be decoded is a finding of
/// the data group's check, not silently accepted.
#[test]
fn undecodable_finger_and_iris_records_are_findings() {
    let mut dg3 = Dg3::decode(&fixture("bsi2008/Datagroup3.bin")).unwrap();
    dg3.group.templates[1].data.truncate(40);
    let issues: Vec<String> = dg3.check().iter().map(ToString::to_string).collect();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert!(
        issues[0].contains("the record cannot be decoded"),
        "{issues:?}"
    );
    let mut dg4 = Dg4::decode(&fixture("bsi2008/Datagroup4.bin")).unwrap();
    dg4.group.templates[0].data.truncate(50);
    let issues: Vec<String> = dg4.check().iter().map(ToString::to_string).collect();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert!(
        issues[0].contains("the record cannot be decoded"),
        "{issues:?}"
    );
}
