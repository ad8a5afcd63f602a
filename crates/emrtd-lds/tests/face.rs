//! DG2 face records: ISO/IEC 19794-5 and ISO/IEC 39794-5 samples (gmrtd test data, BSI 2008
//! and NL 2006 test passports, a real UK DG2), image extraction, PNG conversion.

mod common;

use common::fixture;
use emrtd_lds::cbeff::{BiometricData, FORMAT_TYPE_FACE_19794, FORMAT_TYPE_FACE_39794};
use emrtd_lds::dg2::{
    Dg2, ExpressionKind, EyeColour, FaceImageKind, FaceRecord, Gender, HairColour,
};
use emrtd_lds::iso19794_5::{FacialRecord, FeaturePoint};
use emrtd_lds::iso39794_5::{Code, FaceImageData};
use emrtd_lds::{ImageFormat, LdsError};

fn record_19794(dg2: &Dg2) -> &FacialRecord {
    match &dg2.group.templates[0].data {
        FaceRecord::Iso19794(r) => r,
        other => panic!("19794-5 record expected, got {other:?}"),
    }
}

fn record_39794(dg2: &Dg2) -> &FaceImageData {
    match &dg2.group.templates[0].data {
        FaceRecord::Iso39794(d) => d,
        other => panic!("39794-5 data expected, got {other:?}"),
    }
}

#[test]
fn gmrtd_19794_sample_image_is_extracted_byte_for_byte() {
    let data = fixture("gmrtd_lds_testdata/ISO19794_Test1_Data.bin");
    let record = FacialRecord::decode(&data, "DG2").unwrap();
    assert_eq!(record.images.len(), 1);
    let img = &record.images[0];
    assert_eq!(
        img.image,
        fixture("gmrtd_lds_testdata/ISO19794_Test1_Face.jpg")
    );
    assert_eq!((img.width, img.height), (148, 70));
    assert_eq!(img.image_format(), Some(ImageFormat::Jpeg));
    assert_eq!(record.encode(), data);
    // The sample declares JPEG 2000 (image data type 1) but holds a JPEG: decoded, reported.
    assert_eq!(img.image_data_type, 1);
    let dg2 = Dg2::from_19794(record.clone());
    let issues = dg2.check();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].element, "image data type");
}

#[test]
fn gmrtd_19794_invalid_image_is_rejected() {
    let data = fixture("gmrtd_lds_testdata/ISO19794_Test2_Data_InvalidImage.bin");
    let err = FacialRecord::decode(&data, "DG2").unwrap_err();
    assert!(
        matches!(
            err,
            LdsError::Invalid {
                element: "image data",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn gmrtd_39794_all_fields() {
    let bytes = fixture("gmrtd_lds_testdata/ICAO_39794_5_AP_DG2_AllFields.dat");
    let dg2 = Dg2::decode(&bytes).unwrap();
    assert_eq!(dg2.encode(), bytes, "re-encodes byte for byte");
    let t = &dg2.group.templates[0];
    assert_eq!(t.bdb_tag, 0x7F2E);
    assert_eq!(t.header.format_type, FORMAT_TYPE_FACE_39794);
    assert_eq!(t.header.version.as_deref(), Some(&[0x01, 0x01][..]));
    assert_eq!(t.header.biometric_type.as_deref(), Some(&[0x02][..]));
    assert_eq!(
        t.header.creator.as_deref(),
        Some(&[0x01, 0x03, 0x00, 0x01][..])
    );
    let data = record_39794(&dg2);
    assert!(data.wrapped);
    assert_eq!((data.version.generation, data.version.year), (3, 2019));
    assert_eq!(data.representations.len(), 1);
    let rep = &data.representations[0];
    assert_eq!(rep.id, 0);
    let img = rep.image_2d().unwrap();
    assert_eq!(
        img.data,
        fixture("gmrtd_lds_testdata/ICAO_39794_5_AP_DG2_Face.jpg")
    );
    assert_eq!(img.info.image_data_format, Code::base(3));
    assert_eq!(
        img.info.face_image_kind,
        Some(Code {
            value: 0,
            extension: true
        })
    );
    assert_eq!(img.info.camera_to_subject_distance, Some(3000));
    assert_eq!(img.info.sensor_diagonal, Some(43));
    assert_eq!(img.info.lens_focal_length, Some(55));
    let size = img.info.image_size.unwrap();
    assert_eq!((size.width, size.height), (572, 731));
    assert_eq!(
        img.info.colour_space,
        Some(Code {
            value: 2,
            extension: true
        })
    );
    let dt = rep.capture_date_time.unwrap();
    assert_eq!(
        [
            dt.year,
            dt.month,
            dt.day,
            dt.hour,
            dt.minute,
            dt.second,
            dt.millisecond
        ],
        [
            Some(2024),
            Some(1),
            Some(20),
            Some(13),
            Some(23),
            Some(9),
            Some(908)
        ]
    );
    assert_eq!((rep.session_id, rep.derived_from), (Some(9), Some(0)));
    assert!(rep.quality_blocks.is_some() && rep.pad_data.is_some() && rep.landmarks.is_some());
    let meta = rep.identity_metadata.as_ref().unwrap();
    assert_eq!(
        meta.gender,
        Some(Code {
            value: 3,
            extension: true
        })
    );
    assert_eq!(meta.subject_height, Some(1786));
    let pose = meta.pose_angles.as_ref().unwrap();
    assert_eq!(
        pose.yaw.map(|a| (a.value, a.uncertainty)),
        Some((2, Some(1)))
    );
    assert_eq!(
        pose.pitch.map(|a| (a.value, a.uncertainty)),
        Some((3, Some(1)))
    );
    assert_eq!(
        pose.roll.map(|a| (a.value, a.uncertainty)),
        Some((1, Some(2)))
    );

    let faces = dg2.faces();
    assert_eq!(faces.len(), 1);
    let f = &faces[0];
    assert_eq!(f.format, Some(ImageFormat::Jp2));
    assert_eq!((f.width, f.height), (Some(572), Some(731)));
    assert_eq!(f.gender, Gender::Female);
    assert_eq!(f.eye_colour, EyeColour::Blue);
    assert_eq!(f.hair_colour, HairColour::Brown);
    assert_eq!(f.expression, vec![ExpressionKind::Neutral]);
    assert_eq!(f.pose_degrees, [Some(2), Some(3), Some(1)]);
    assert_eq!(f.kind, FaceImageKind::Mrtd);
    assert!(dg2.check().is_empty(), "{:?}", dg2.check());

    // The stand-alone block is the content of the 7F2E data block.
    let standalone = fixture("gmrtd_lds_testdata/ICAO_39794_5_AP_AllFields.dat");
    let direct = FaceImageData::decode(&standalone, "DG2").unwrap();
    assert_eq!(&direct, data);
    assert_eq!(direct.encode(), standalone);
}

#[test]
fn gmrtd_39794_mandatory_fields() {
    let bytes = fixture("gmrtd_lds_testdata/ICAO_39794_5_AP_DG2_MandFields.dat");
    let dg2 = Dg2::decode(&bytes).unwrap();
    assert_eq!(dg2.encode(), bytes);
    let rep = &record_39794(&dg2).representations[0];
    let img = rep.image_2d().unwrap();
    assert_eq!(
        img.data,
        fixture("gmrtd_lds_testdata/ICAO_39794_5_AP_Face.jpg")
    );
    assert_eq!(img.info.image_data_format, Code::base(3));
    assert_eq!(img.info.image_size, None);
    assert!(rep.identity_metadata.is_none());
    let face = &dg2.faces()[0];
    assert_eq!((face.width, face.gender), (None, Gender::Unspecified));

    let standalone = fixture("gmrtd_lds_testdata/ICAO_39794_5_AP_MandFields.dat");
    assert_eq!(
        FaceImageData::decode(&standalone, "DG2").unwrap().encode(),
        standalone
    );
}

#[test]
fn gmrtd_39794_invalid_image_is_rejected() {
    let bytes = fixture("gmrtd_lds_testdata/ICAO_39794_5_AP_MandFields_InvalidImage.dat");
    let err = FaceImageData::decode(&bytes, "DG2").unwrap_err();
    assert!(
        matches!(
            err,
            LdsError::Invalid {
                element: "representation data 2D",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn bsi_2008_dg2() {
    let bytes = fixture("bsi2008/Datagroup2.bin");
    let dg2 = Dg2::decode(&bytes).unwrap();
    assert_eq!(dg2.encode(), bytes);
    let t = &dg2.group.templates[0];
    assert_eq!(t.header.biometric_type.as_deref(), Some(&[0x02][..]));
    assert_eq!(t.header.biometric_subtype.as_deref(), Some(&[0x00][..]));
    assert_eq!(t.header.format_type, FORMAT_TYPE_FACE_19794);
    let img = &record_19794(&dg2).images[0];
    assert_eq!((img.face_image_type, img.image_data_type), (1, 1));
    assert_eq!((img.width, img.height), (337, 449));
    assert_eq!(img.image_format(), Some(ImageFormat::Jp2));
    assert_eq!(img.image.len(), 0x3AB7 - 32);
    assert!(dg2.check().is_empty(), "{:?}", dg2.check());
}

#[test]
fn nl_2006_dg2() {
    let bytes = fixture("loes2006/ef0102.bin");
    let dg2 = Dg2::decode(&bytes).unwrap();
    assert_eq!(dg2.encode(), bytes);
    let img = &record_19794(&dg2).images[0];
    assert_eq!(
        (
            img.face_image_type,
            img.image_data_type,
            img.width,
            img.height
        ),
        (1, 1, 449, 598)
    );
    assert_eq!(img.colour_space, 1);
    assert_eq!(img.image_format(), Some(ImageFormat::Jp2));
    assert!(dg2.check().is_empty(), "{:?}", dg2.check());
}

#[test]
fn uk_dg2_with_feature_points() {
    let bytes = fixture("uk/UK_imported_DG2.bin");
    let dg2 = Dg2::decode(&bytes).unwrap();
    assert_eq!(dg2.encode(), bytes);
    let t = &dg2.group.templates[0];
    assert_eq!(
        t.header.creation_date.as_deref(),
        Some(&common::hex("20111017113838")[..])
    );
    let img = &record_19794(&dg2).images[0];
    assert_eq!(
        img.feature_points,
        vec![
            FeaturePoint {
                point_type: 1,
                code: 0xC1,
                x: 0xE9,
                y: 0xE3,
                reserved: 0
            },
            FeaturePoint {
                point_type: 1,
                code: 0xC2,
                x: 0x90,
                y: 0xE3,
                reserved: 0
            },
        ]
    );
    assert_eq!(img.pose_angle, [2, 0, 1]);
    assert_eq!(img.pose_angle_degrees(), [Some(-178), None, Some(-180)]);
    assert_eq!(
        (
            img.face_image_type,
            img.image_data_type,
            img.width,
            img.height
        ),
        (0, 0, 384, 480)
    );
    assert_eq!((img.colour_space, img.source_type), (1, 3));
    assert_eq!(img.image_format(), Some(ImageFormat::Jpeg));
    let face = &dg2.faces()[0];
    assert_eq!(face.kind, FaceImageKind::Basic);
    assert_eq!(face.image, &img.image[..]);
    assert!(dg2.check().is_empty(), "{:?}", dg2.check());

    // The copy with its last byte corrupted still decodes (the image is only checked by its
    // magic bytes); its hash, over `raw`, differs.
    let corrupted = fixture("uk/UK_imported_DG2_corrupted_lastbyte.bin");
    let bad = Dg2::decode(&corrupted).unwrap();
    assert_eq!(bad.raw, corrupted);
    assert_ne!(bad.raw, dg2.raw);
}

#[test]
fn built_19794_record_round_trips() {
    let jpeg = fixture("gmrtd_lds_testdata/ISO19794_Test1_Face.jpg");
    let bytes = fixture("gmrtd_lds_testdata/ISO19794_Test1_Data.bin");
    let mut record = FacialRecord::decode(&bytes, "DG2").unwrap();
    record.images[0].image_data_type = 0;
    record.images[0].feature_points.push(FeaturePoint {
        point_type: 1,
        code: 0x31,
        x: 10,
        y: 20,
        reserved: 0,
    });
    record.images.push(record.images[0].clone());
    let dg2 = Dg2::from_19794(record.clone());
    let encoded = dg2.encode();
    let again = Dg2::decode(&encoded).unwrap();
    assert_eq!(record_19794(&again), &record);
    assert_eq!(again.faces().len(), 2);
    assert_eq!(again.faces()[1].image, &jpeg[..]);
    assert!(again.check().is_empty(), "{:?}", again.check());
    assert_eq!(again.encode(), encoded);
}

#[test]
fn built_39794_data_round_trips() {
    let standalone = fixture("gmrtd_lds_testdata/ICAO_39794_5_AP_AllFields.dat");
    let mut data = FaceImageData::decode(&standalone, "DG2").unwrap();
    data.wrapped = false;
    let meta = data.representations[0].identity_metadata.as_mut().unwrap();
    meta.gender = Some(Code::base(2));
    meta.pose_angles
        .as_mut()
        .unwrap()
        .yaw
        .as_mut()
        .unwrap()
        .value = -45;
    let dg2 = Dg2::from_39794(data.clone());
    let again = Dg2::decode(&dg2.encode()).unwrap();
    assert_eq!(record_39794(&again), &data);
    assert_eq!(again.faces()[0].gender, Gender::Male);
    assert_eq!(again.faces()[0].pose_degrees[0], Some(-45));
    assert_eq!(again.group.templates[0].data.encode_bdb()[0], 0x65);
}

#[cfg(feature = "images")]
mod png {
    use super::*;
    use common::json;
    use emrtd_lds::face_to_png;

    fn decode_png(png: &[u8]) -> image::RgbImage {
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        image::load_from_memory_with_format(png, image::ImageFormat::Png)
            .unwrap()
            .to_rgb8()
    }

    #[test]
    fn jpeg_face_to_png_keeps_every_pixel() {
        let jpeg = fixture("gmrtd_lds_testdata/ISO19794_Test1_Face.jpg");
        let png = face_to_png(&jpeg).unwrap();
        let from_png = decode_png(&png);
        let direct = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg)
            .unwrap()
            .to_rgb8();
        assert_eq!(from_png.dimensions(), (148, 70));
        assert_eq!(
            from_png, direct,
            "PNG is lossless: same pixels as the decoded JPEG"
        );
    }

    /// JPEG 2000 → PNG, compared with OpenJPEG's decoding of the same images
    /// (fixtures/lds/jp2_reference_openjpeg.json).
    #[test]
    fn jpeg2000_faces_to_png_match_openjpeg() {
        let reference = json("jp2_reference_openjpeg.json");
        let cases = [
            (
                "gmrtd_lds_testdata/ICAO_39794_5_AP_DG2_Face.jpg",
                fixture("gmrtd_lds_testdata/ICAO_39794_5_AP_DG2_Face.jpg"),
            ),
            (
                "loes2006/ef0102.bin (JP2 inside the 19794-5 record)",
                record_19794(&Dg2::decode(&fixture("loes2006/ef0102.bin")).unwrap()).images[0]
                    .image
                    .clone(),
            ),
        ];
        for (name, jp2) in cases {
            let r = &reference["images"][name];
            let img = decode_png(&face_to_png(&jp2).unwrap());
            let (w, h) = img.dimensions();
            assert_eq!(
                (w as u64, h as u64),
                (r["width"].as_u64().unwrap(), r["height"].as_u64().unwrap()),
                "{name}"
            );
            let n = (w * h) as f64;
            for c in 0..3 {
                let mean = img.pixels().map(|p| p[c] as f64).sum::<f64>() / n;
                let expected = r["mean_rgb"][c].as_f64().unwrap();
                assert!(
                    (mean - expected).abs() < 0.5,
                    "{name}: channel {c} mean {mean} vs {expected}"
                );
            }
            for g in r["grid"].as_array().unwrap() {
                let v: Vec<u64> = g
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_u64().unwrap())
                    .collect();
                let p = img.get_pixel(v[0] as u32, v[1] as u32);
                for c in 0..3 {
                    let diff = (p[c] as i64 - v[2 + c] as i64).abs();
                    assert!(
                        diff <= 2,
                        "{name}: pixel ({}, {}) channel {c}: {} vs {}",
                        v[0],
                        v[1],
                        p[c],
                        v[2 + c]
                    );
                }
            }
        }
    }

    #[test]
    fn every_sample_face_converts() {
        for path in [
            "bsi2008/Datagroup2.bin",
            "uk/UK_imported_DG2.bin",
            "gmrtd_lds_testdata/ICAO_39794_5_AP_DG2_MandFields.dat",
        ] {
            let dg2 = Dg2::decode(&fixture(path)).unwrap();
            for face in dg2.faces() {
                let png = face_to_png(face.image).unwrap_or_else(|e| panic!("{path}: {e}"));
                assert!(decode_png(&png).width() > 0);
            }
        }
    }

    #[test]
    fn oversized_declared_dimensions_are_refused_before_decoding() {
        // The codestream of a real face with its SIZ marker changed to declare 20000 × 20000
        // pixels (and one tile of that size).
        let jp2 = fixture("gmrtd_lds_testdata/ICAO_39794_5_AP_DG2_Face.jpg");
        let soc = jp2
            .windows(4)
            .position(|w| w == [0xFF, 0x4F, 0xFF, 0x51])
            .unwrap();
        let mut j2k = jp2[soc..].to_vec();
        assert_eq!(
            face_to_png(&j2k).map(|p| p.is_empty()),
            Ok(false),
            "the unchanged codestream converts"
        );
        for offset in [8, 12, 24, 28] {
            j2k[offset..offset + 4].copy_from_slice(&20000u32.to_be_bytes());
        }
        let err = face_to_png(&j2k).unwrap_err();
        assert!(err.to_string().contains("exceeds the limit"), "{err}");

        // A real JPEG with its frame header (SOF0) changed to declare 60000 × 60000 pixels.
        let mut jpeg = fixture("gmrtd_lds_testdata/ISO19794_Test1_Face.jpg");
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        jpeg[sof + 5..sof + 7].copy_from_slice(&60000u16.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&60000u16.to_be_bytes());
        let err = face_to_png(&jpeg).unwrap_err();
        assert!(err.to_string().to_lowercase().contains("limit"), "{err}");
    }
}

/// Field quirk D13: NZ passports declare the facial record 8 bytes short in its header, UK
/// passports 1 byte. A shortfall of 1 to 8 bytes is read, the face is the same, and the check
/// reports the difference; more, or a record longer than its data block, is refused.
#[test]
fn facial_record_lengths_a_few_bytes_short_are_read_with_a_finding() {
    let dg2 = fixture("bsi2008/Datagroup2.bin");
    let at = dg2
        .windows(4)
        .position(|w| w == b"FAC\0")
        .expect("a 19794-5 record");
    let declared = u32::from_be_bytes(dg2[at + 8..at + 12].try_into().unwrap());
    let with = |length: u32| {
        let mut d = dg2.clone();
        d[at + 8..at + 12].copy_from_slice(&length.to_be_bytes());
        d
    };
    let good = Dg2::decode(&dg2).unwrap();
    assert!(good.check().is_empty(), "{:?}", good.check());
    for short in [1, 8] {
        let dg = Dg2::decode(&with(declared - short)).unwrap();
        assert_eq!(record_19794(&dg), record_19794(&good), "short by {short}");
        let issues: Vec<String> = dg.check().iter().map(ToString::to_string).collect();
        assert_eq!(
            issues,
            [format!(
                "DG2: record length of the facial record header: says {} bytes, the data block has {declared} (read all the same)",
                declared - short
            )]
        );
    }
    for bad in [declared - 9, declared + 1] {
        assert!(Dg2::decode(&with(bad)).is_err(), "{bad}");
    }
}
