//! DG2 (ICAO 9303-10 §4.7.2): encoded face, in ISO/IEC 19794-5 (`5F2E`, "FAC\0") or
//! ISO/IEC 39794-5 (`7F2E`) biometric data blocks inside CBEFF templates.

use crate::cbeff::{
    BiometricData, BiometricGroup, BiometricHeader, BiometricTemplate, BDB_CONSTRUCTED_TAG,
    BDB_TAG, BIOMETRIC_TYPE_FACE, FORMAT_OWNER_JTC1_SC37, FORMAT_TYPE_FACE_19794,
    FORMAT_TYPE_FACE_39794,
};
use crate::check::Issue;
use crate::common::outer;
use crate::imaging::ImageFormat;
use crate::iso19794_5::FacialRecord;
use crate::iso39794_5::FaceImageData;
use crate::LdsError;
use emrtd_tlv::encode_constructed;

const FILE: &str = "DG2";

/// The content of one face biometric data block.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum FaceRecord {
    /// ISO/IEC 19794-5:2005 facial record.
    Iso19794(FacialRecord),
    /// ISO/IEC 39794-5 face image data.
    Iso39794(FaceImageData),
}

impl BiometricData for FaceRecord {
    fn decode_bdb(
        bdb_tag: u32,
        value: &[u8],
        header: &BiometricHeader,
        file: &'static str,
    ) -> Result<Self, LdsError> {
        if value.starts_with(b"FAC\0")
            || (bdb_tag == BDB_TAG && header.format_type != FORMAT_TYPE_FACE_39794)
        {
            Ok(FaceRecord::Iso19794(FacialRecord::decode(value, file)?))
        } else {
            Ok(FaceRecord::Iso39794(FaceImageData::decode(value, file)?))
        }
    }

    fn encode_bdb(&self) -> Vec<u8> {
        match self {
            FaceRecord::Iso19794(r) => r.encode(),
            FaceRecord::Iso39794(d) => d.encode(),
        }
    }
}

/// Decoded DG2.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Dg2 {
    /// The biometric information group template with one template per face record.
    pub group: BiometricGroup<FaceRecord>,
    /// Elements of DG2 other than the group template, kept raw.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
    /// The file exactly as decoded (empty when built in code).
    #[serde(skip)]
    pub raw: Vec<u8>,
}

impl Dg2 {
    /// DG2 holding one ISO/IEC 19794-5 facial record (header: owner 0101, type 0008, biometric
    /// type face, ICAO header version 0101).
    pub fn from_19794(record: FacialRecord) -> Dg2 {
        let mut header = BiometricHeader::new(FORMAT_OWNER_JTC1_SC37, FORMAT_TYPE_FACE_19794);
        header.version = Some(vec![0x01, 0x01]);
        header.biometric_type = Some(vec![BIOMETRIC_TYPE_FACE as u8]);
        Dg2::single(header, BDB_TAG, FaceRecord::Iso19794(record))
    }

    /// DG2 holding one ISO/IEC 39794-5 face image data block (format type 002A, tag 7F2E).
    pub fn from_39794(data: FaceImageData) -> Dg2 {
        let mut header = BiometricHeader::new(FORMAT_OWNER_JTC1_SC37, FORMAT_TYPE_FACE_39794);
        header.version = Some(vec![0x01, 0x01]);
        header.biometric_type = Some(vec![BIOMETRIC_TYPE_FACE as u8]);
        Dg2::single(header, BDB_CONSTRUCTED_TAG, FaceRecord::Iso39794(data))
    }

    fn single(header: BiometricHeader, bdb_tag: u32, data: FaceRecord) -> Dg2 {
        Dg2 {
            group: BiometricGroup {
                templates: vec![BiometricTemplate {
                    header,
                    bdb_tag,
                    data,
                    unknown: Vec::new(),
                }],
                unknown: Vec::new(),
            },
            unknown: Vec::new(),
            raw: Vec::new(),
        }
    }

    /// Decode DG2. Every face record is decoded; the image bytes must be JPEG or JPEG 2000.
    pub fn decode(bytes: &[u8]) -> Result<Dg2, LdsError> {
        let outer = outer(bytes, 0x75, FILE)?;
        let (group, unknown) = BiometricGroup::decode_dg(&outer, FILE)?;
        Ok(Dg2 {
            group,
            unknown,
            raw: bytes.to_vec(),
        })
    }

    /// Encode DG2.
    pub fn encode(&self) -> Vec<u8> {
        let mut items = vec![self.group.encode()];
        items.extend(self.unknown.iter().cloned());
        encode_constructed(0x75, &items)
    }

    /// Every face image with its metadata, in file order.
    pub fn faces(&self) -> Vec<Face<'_>> {
        let mut out = Vec::new();
        for t in &self.group.templates {
            match &t.data {
                FaceRecord::Iso19794(r) => out.extend(r.images.iter().map(Face::from_19794)),
                FaceRecord::Iso39794(d) => {
                    out.extend(d.representations.iter().filter_map(Face::from_39794))
                }
            }
        }
        out
    }

    /// Rules of ICAO 9303-10 and ISO/IEC 19794-5 / 39794-5 the content breaks (format owner and
    /// type, biometric type, out-of-range codes, declared image type not matching the image).
    pub fn check(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        for t in &self.group.templates {
            t.header.check(
                FILE,
                &[FORMAT_TYPE_FACE_19794, FORMAT_TYPE_FACE_39794],
                BIOMETRIC_TYPE_FACE,
                &mut issues,
            );
            match &t.data {
                FaceRecord::Iso19794(r) => {
                    if t.header.format_type == FORMAT_TYPE_FACE_39794 {
                        issues.push(Issue::new(
                            FILE,
                            "format type (88)",
                            "002A (ISO/IEC 39794-5) but the data is an ISO/IEC 19794-5 record",
                        ));
                    }
                    r.check(FILE, &mut issues);
                }
                FaceRecord::Iso39794(d) => {
                    if t.header.format_type == FORMAT_TYPE_FACE_19794 {
                        issues.push(Issue::new(
                            FILE,
                            "format type (88)",
                            "0008 (ISO/IEC 19794-5) but the data is ISO/IEC 39794-5",
                        ));
                    }
                    d.check(FILE, &mut issues)
                }
            }
        }
        for (declared, actual) in self.facial_record_lengths() {
            if declared != actual {
                issues.push(Issue::new(
                    FILE,
                    "record length of the facial record header",
                    format!(
                        "says {declared} bytes, the data block has {actual} (read all the same)"
                    ),
                ));
            }
        }
        issues
    }

    /// The record length each ISO/IEC 19794-5 record's header declares, and its data block's
    /// length, from the file as decoded (the decoded records recompute their lengths).
    fn facial_record_lengths(&self) -> Vec<(usize, usize)> {
        let Ok(outer) = outer(&self.raw, 0x75, FILE) else {
            return Vec::new();
        };
        fn children<'a>(t: &emrtd_tlv::TlvRef<'a>) -> Vec<emrtd_tlv::TlvRef<'a>> {
            emrtd_tlv::parse_all(t.value).unwrap_or_default()
        }
        let mut out = Vec::new();
        for group in children(&outer).iter().filter(|t| t.tag == 0x7F61) {
            for bit in children(group).iter().filter(|t| t.tag == 0x7F60) {
                for bdb in children(bit).iter().filter(|t| t.tag == BDB_TAG) {
                    let v = bdb.value;
                    if v.len() >= 12 && v.starts_with(b"FAC\0") {
                        let declared = u32::from_be_bytes([v[8], v[9], v[10], v[11]]) as usize;
                        out.push((declared, v.len()));
                    }
                }
            }
        }
        out
    }
}

/// Gender as recorded with a face image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum Gender {
    /// Not given (code 0).
    Unspecified,
    /// Male.
    Male,
    /// Female.
    Female,
    /// Other (ISO/IEC 39794-5).
    Other,
    /// Unknown (code `FF` in ISO/IEC 19794-5), or a code this decoder does not know.
    Unknown,
}

/// Eye colour as recorded with a face image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum EyeColour {
    /// Not given.
    Unspecified,
    /// Black.
    Black,
    /// Blue.
    Blue,
    /// Brown.
    Brown,
    /// Grey.
    Grey,
    /// Green.
    Green,
    /// Hazel.
    Hazel,
    /// Multi-coloured.
    MultiColoured,
    /// Pink.
    Pink,
    /// Other.
    Other,
    /// Unknown, or a code this decoder does not know.
    Unknown,
}

/// Hair colour as recorded with a face image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum HairColour {
    /// Not given.
    Unspecified,
    /// Bald.
    Bald,
    /// Black.
    Black,
    /// Blonde.
    Blonde,
    /// Brown.
    Brown,
    /// Grey.
    Grey,
    /// White.
    White,
    /// Red.
    Red,
    /// Green.
    Green,
    /// Blue.
    Blue,
    /// Known, but coloured (dyed).
    KnownColoured,
    /// Other.
    Other,
    /// Unknown, or a code this decoder does not know.
    Unknown,
}

/// Facial expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum ExpressionKind {
    /// Neutral (non-smiling, both eyes open, mouth closed).
    Neutral,
    /// Smile, unspecified whether the jaw is open.
    Smile,
    /// Smile with the jaw closed.
    SmileClosedJaw,
    /// Smile with the jaw open (teeth visible).
    SmileOpenJaw,
    /// Raised eyebrows.
    RaisedEyebrows,
    /// Eyes looking away from the camera.
    EyesLookingAway,
    /// Squinting.
    Squinting,
    /// Frowning.
    Frowning,
}

/// Kind of face image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum FaceImageKind {
    /// 19794-5 basic.
    Basic,
    /// 19794-5 full frontal.
    FullFrontal,
    /// 19794-5 token frontal.
    TokenFrontal,
    /// 39794-5 MRTD.
    Mrtd,
    /// 39794-5 general purpose.
    GeneralPurpose,
    /// A type code this decoder does not know.
    Unknown,
}

/// A face image with its metadata, the same view for both encodings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Face<'a> {
    /// The encoded image, exactly as stored.
    #[serde(skip)]
    pub image: &'a [u8],
    /// Image format recognised from the magic bytes.
    pub format: Option<ImageFormat>,
    /// Width in pixels, as declared in the record.
    pub width: Option<u64>,
    /// Height in pixels, as declared in the record.
    pub height: Option<u64>,
    /// Gender, as recorded.
    pub gender: Gender,
    /// Eye colour, as recorded.
    pub eye_colour: EyeColour,
    /// Hair colour, as recorded.
    pub hair_colour: HairColour,
    /// Facial expressions recorded (ISO/IEC 19794-5 has one, 39794-5 may list several).
    pub expression: Vec<ExpressionKind>,
    /// Pose angles yaw, pitch, roll in degrees, where specified.
    pub pose_degrees: [Option<i64>; 3],
    /// The kind of face image (basic, full frontal, token, …).
    pub kind: FaceImageKind,
}

impl<'a> Face<'a> {
    fn from_19794(i: &'a crate::iso19794_5::FaceImageInfo) -> Face<'a> {
        use ExpressionKind as E;
        Face {
            image: &i.image,
            format: i.image_format(),
            width: Some(i.width.into()),
            height: Some(i.height.into()),
            gender: match i.gender {
                0 => Gender::Unspecified,
                1 => Gender::Male,
                2 => Gender::Female,
                _ => Gender::Unknown,
            },
            eye_colour: match i.eye_colour {
                0 => EyeColour::Unspecified,
                1 => EyeColour::Black,
                2 => EyeColour::Blue,
                3 => EyeColour::Brown,
                4 => EyeColour::Grey,
                5 => EyeColour::Green,
                6 => EyeColour::MultiColoured,
                7 => EyeColour::Pink,
                _ => EyeColour::Unknown,
            },
            hair_colour: match i.hair_colour {
                0 => HairColour::Unspecified,
                1 => HairColour::Bald,
                2 => HairColour::Black,
                3 => HairColour::Blonde,
                4 => HairColour::Brown,
                5 => HairColour::Grey,
                6 => HairColour::White,
                7 => HairColour::Red,
                8 => HairColour::Green,
                9 => HairColour::Blue,
                _ => HairColour::Unknown,
            },
            expression: match i.expression {
                1 => vec![E::Neutral],
                2 => vec![E::SmileClosedJaw],
                3 => vec![E::SmileOpenJaw],
                4 => vec![E::RaisedEyebrows],
                5 => vec![E::EyesLookingAway],
                6 => vec![E::Squinting],
                7 => vec![E::Frowning],
                _ => Vec::new(),
            },
            pose_degrees: i.pose_angle_degrees().map(|a| a.map(i64::from)),
            kind: match i.face_image_type {
                0 => FaceImageKind::Basic,
                1 => FaceImageKind::FullFrontal,
                2 => FaceImageKind::TokenFrontal,
                _ => FaceImageKind::Unknown,
            },
        }
    }

    fn from_39794(r: &'a crate::iso39794_5::Representation) -> Option<Face<'a>> {
        let img = r.image_2d()?;
        let meta = r.identity_metadata.as_ref();
        let code = |c: Option<&crate::iso39794_5::Code>| c.map(|c| c.value);
        let mut expression = Vec::new();
        if let Some(e) = meta.and_then(|m| m.expression.as_ref()) {
            for (flag, kind) in [
                (e.neutral, ExpressionKind::Neutral),
                (e.smile, ExpressionKind::Smile),
                (e.raised_eyebrows, ExpressionKind::RaisedEyebrows),
                (e.eyes_looking_away, ExpressionKind::EyesLookingAway),
                (e.squinting, ExpressionKind::Squinting),
                (e.frowning, ExpressionKind::Frowning),
            ] {
                if flag == Some(true) {
                    expression.push(kind);
                }
            }
        }
        let pose = meta.and_then(|m| m.pose_angles.as_ref());
        Some(Face {
            image: &img.data,
            format: ImageFormat::detect(&img.data),
            width: img.info.image_size.map(|s| s.width),
            height: img.info.image_size.map(|s| s.height),
            gender: match code(meta.and_then(|m| m.gender.as_ref())) {
                None | Some(0) => Gender::Unspecified,
                Some(1) => Gender::Other,
                Some(2) => Gender::Male,
                Some(3) => Gender::Female,
                Some(_) => Gender::Unknown,
            },
            eye_colour: match code(meta.and_then(|m| m.eye_colour.as_ref())) {
                None | Some(0) => EyeColour::Unspecified,
                Some(1) => EyeColour::Other,
                Some(2) => EyeColour::Black,
                Some(3) => EyeColour::Blue,
                Some(4) => EyeColour::Brown,
                Some(5) => EyeColour::Grey,
                Some(6) => EyeColour::Green,
                Some(7) => EyeColour::Hazel,
                Some(8) => EyeColour::MultiColoured,
                Some(9) => EyeColour::Pink,
                Some(_) => EyeColour::Unknown,
            },
            hair_colour: match code(meta.and_then(|m| m.hair_colour.as_ref())) {
                None | Some(0) => HairColour::Unspecified,
                Some(1) => HairColour::Other,
                Some(2) => HairColour::Bald,
                Some(3) => HairColour::Black,
                Some(4) => HairColour::Blonde,
                Some(5) => HairColour::Brown,
                Some(6) => HairColour::Grey,
                Some(7) => HairColour::White,
                Some(8) => HairColour::Red,
                Some(9) => HairColour::KnownColoured,
                Some(_) => HairColour::Unknown,
            },
            expression,
            pose_degrees: [
                pose.and_then(|p| p.yaw).map(|a| a.value),
                pose.and_then(|p| p.pitch).map(|a| a.value),
                pose.and_then(|p| p.roll).map(|a| a.value),
            ],
            kind: match code(img.info.face_image_kind.as_ref()) {
                Some(0) => FaceImageKind::Mrtd,
                Some(1) => FaceImageKind::GeneralPurpose,
                _ => FaceImageKind::Unknown,
            },
        })
    }
}
