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

// ISO/IEC 39794-4 / 39794-6 data blocks, written here element by element from the ASN.1 modules'
// structure (fixtures/README.md): no sample of another project is used.

use emrtd_lds::iso39794_4_6::{EyeLabel, FingerImageData, IrisImageData, MAX_REPRESENTATIONS};
use emrtd_tlv::encode as tlv;

/// A PNG signature and IHDR start, a WSQ start of image, a JPEG 2000 codestream start.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D,
];
const WSQ: &[u8] = &[0xFF, 0xA0, 0xFF, 0xA8, 0x00, 0x02, 0xFF, 0xA1];
const J2K: &[u8] = &[0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x29, 0x00, 0x00];

/// A code (CHOICE): `[n] { 80 value }`, or the extension form `[n] { A1 { 80 value } }`.
fn code(n: u32, value: u8, extension: bool) -> Vec<u8> {
    let base = tlv(0x80, &[value]);
    tlv(0xA0 | n, &if extension { tlv(0xA1, &base) } else { base })
}

/// Version block: generation 1, year 2019 (`A0 { 80 01, 81 07E3 }`).
fn version() -> Vec<u8> {
    tlv(0xA0, &[tlv(0x80, &[1]), tlv(0x81, &[0x07, 0xE3])].concat())
}

/// A finger RepresentationBlock: position, impression, format, image, and a capture date block
/// `[4]` (kept raw).
fn finger_rep(position: u8, format: u8, image: &[u8]) -> Vec<u8> {
    tlv(
        0x30,
        &[
            code(0, position, false),
            code(1, 0, false),
            code(2, format, position == 7),
            tlv(0x83, image),
            tlv(0xA4, &tlv(0x80, &[0x07, 0xEA])),
        ]
        .concat(),
    )
}

/// An iris RepresentationBlock: eye, kind, bit depth, format, orientation ×2, compression
/// history, range, capture date, image.
fn iris_rep(eye: u8, format: u8, image: &[u8]) -> Vec<u8> {
    tlv(
        0x30,
        &[
            tlv(0x80, &[eye]),
            code(1, 3, false),
            tlv(0x82, &[8]),
            code(3, format, false),
            tlv(0x84, &[1]),
            tlv(0x85, &[1]),
            tlv(0x86, &[1]),
            tlv(0xA7, &tlv(0x80, &[0x01, 0x2C])),
            tlv(0xA8, &tlv(0x80, &[0x07, 0xEA])),
            tlv(0x89, image),
        ]
        .concat(),
    )
}

/// `A1 { tag { version, A1 { reps } } }`, the content of a `7F2E` data block.
fn data_block(tag: u32, reps: &[Vec<u8>]) -> Vec<u8> {
    tlv(
        0xA1,
        &tlv(tag, &[version(), tlv(0xA1, &reps.concat())].concat()),
    )
}

/// A DG3 (`63`) or DG4 (`76`) with one CBEFF template holding `block` in `7F2E`; biometric
/// type 08 (finger) or 10 (iris), format owner 0101.
fn dg(file_tag: u32, btype: u8, format_type: [u8; 2], block: &[u8]) -> Vec<u8> {
    let bht = tlv(
        0xA1,
        &[
            tlv(0x81, &[btype]),
            // Subtype: right index finger (09) / right eye (01).
            tlv(0x82, &[if btype == 0x08 { 0x09 } else { 0x01 }]),
            tlv(0x87, &[0x01, 0x01]),
            tlv(0x88, &format_type),
        ]
        .concat(),
    );
    let template = tlv(0x7F60, &[bht, tlv(0x7F2E, block)].concat());
    tlv(
        file_tag,
        &tlv(0x7F61, &[tlv(0x02, &[1]), template].concat()),
    )
}

#[test]
fn iso39794_4_finger_images_in_dg3_are_decoded_and_exported_as_stored() {
    let block = data_block(0x64, &[finger_rep(2, 1, WSQ), finger_rep(7, 4, PNG)]);
    let bytes = dg(0x63, 0x08, [0x00, 0x07], &block);
    let dg3 = Dg3::decode(&bytes).unwrap();
    assert!(dg3.check().is_empty(), "{:?}", dg3.check());
    assert!(dg3.finger_records().unwrap().is_empty(), "no 19794 records");
    let data = dg3.finger_data_39794().unwrap();
    assert_eq!(data.len(), 1);
    assert_eq!(
        (data[0].version.generation, data[0].version.year),
        (1, 2019)
    );
    let reps = &data[0].representations;
    assert_eq!(reps.len(), 2);
    assert_eq!(reps[0].position.value, 2);
    assert_eq!(reps[0].declared_format(), Some(BiometricImageFormat::Wsq));
    assert_eq!(reps[0].other, [tlv(0xA4, &tlv(0x80, &[0x07, 0xEA]))]);
    assert!(reps[1].image_format.extension, "extension form of the code");
    let images = dg3.images().unwrap();
    let names: Vec<String> = images.iter().map(|i| i.file_name()).collect();
    assert_eq!(
        names,
        ["finger-1-pos-2-rep-1.wsq", "finger-1-pos-7-rep-2.png"]
    );
    assert_eq!(images[0].data, WSQ);
    assert_eq!(images[1].data, PNG);
    assert!(images.iter().all(|i| !i.format_mismatch()));
}

#[test]
fn iso39794_6_iris_images_in_dg4_are_decoded_and_exported_as_stored() {
    let block = data_block(0x66, &[iris_rep(1, 3, J2K), iris_rep(2, 2, PNG)]);
    let bytes = dg(0x76, 0x10, [0x00, 0x09], &block);
    let dg4 = Dg4::decode(&bytes).unwrap();
    assert!(dg4.check().is_empty(), "{:?}", dg4.check());
    let data = dg4.iris_data_39794().unwrap();
    let reps = &data[0].representations;
    assert_eq!(reps[0].eye, EyeLabel::Right);
    assert_eq!(reps[1].eye, EyeLabel::Left);
    assert_eq!(reps[0].bit_depth, 8);
    assert_eq!(reps[0].image_kind.value, 3);
    assert_eq!(
        reps[0].declared_format(),
        Some(BiometricImageFormat::Jpeg2000)
    );
    assert_eq!(
        reps[0].other.len(),
        5,
        "orientations, history, range, capture date"
    );
    let images = dg4.images().unwrap();
    let names: Vec<String> = images.iter().map(|i| i.file_name()).collect();
    assert_eq!(names, ["iris-1-right-1.jp2", "iris-1-left-2.png"]);
    assert_eq!(images[0].data, J2K);
    // The data block without the A1 wrapper decodes the same.
    let inner = emrtd_tlv::parse_exact(&block).unwrap().value.to_vec();
    assert_eq!(IrisImageData::decode(&inner, "DG4").unwrap(), data[0]);
}

#[test]
fn iso39794_blocks_missing_required_elements_or_too_many_are_refused() {
    // No image data in a finger representation.
    let rep = tlv(
        0x30,
        &[code(0, 2, false), code(1, 0, false), code(2, 1, false)].concat(),
    );
    assert!(matches!(
        FingerImageData::decode(&data_block(0x64, &[rep]), "DG3"),
        Err(LdsError::Missing { .. })
    ));
    // An iris bit depth out of range; a repeated element.
    let mut rep = iris_rep(1, 3, J2K);
    let at = rep
        .windows(3)
        .position(|w| w == [0x82, 0x01, 0x08])
        .unwrap();
    rep[at + 2] = 40;
    assert!(IrisImageData::decode(&data_block(0x66, &[rep]), "DG4").is_err());
    let twice = tlv(0x30, &[tlv(0x80, &[1]), tlv(0x80, &[2])].concat());
    assert!(IrisImageData::decode(&data_block(0x66, &[twice]), "DG4").is_err());
    // The wrong data block (an iris block in DG3's decoder), no representation, too many.
    assert!(FingerImageData::decode(&data_block(0x66, &[iris_rep(1, 3, J2K)]), "DG3").is_err());
    assert!(FingerImageData::decode(&data_block(0x64, &[]), "DG3").is_err());
    let many = vec![finger_rep(1, 1, WSQ); MAX_REPRESENTATIONS + 1];
    assert!(FingerImageData::decode(&data_block(0x64, &many), "DG3").is_err());
    let max = vec![finger_rep(1, 1, WSQ); MAX_REPRESENTATIONS];
    assert_eq!(
        FingerImageData::decode(&data_block(0x64, &max), "DG3")
            .unwrap()
            .representations
            .len(),
        MAX_REPRESENTATIONS
    );
    // Every truncation of a DG3 with a 39794-4 block fails cleanly.
    let bytes = dg(
        0x63,
        0x08,
        [0x00, 0x07],
        &data_block(0x64, &[finger_rep(2, 1, WSQ)]),
    );
    for n in 0..bytes.len() {
        if let Ok(d) = Dg3::decode(&bytes[..n]) {
            let _ = d.images();
        }
    }
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
