//! ISO/IEC 19794-5:2005 facial records ("FAC\0", version "010\0"), the face format of DG2 up to
//! LDS 1.7.
//!
//! ```text
//! Facial record header (14 bytes): "FAC\0", "010\0", record length (4), number of images (2)
//! per image:
//!   Facial information block (20 bytes): data length (4), number of feature points (2), gender,
//!     eye colour, hair colour, feature mask (3), expression (2), pose angle yaw/pitch/roll (3),
//!     pose angle uncertainty (3)
//!   Feature points (8 bytes each): type, point code, x (2), y (2), reserved (2)
//!   Image information block (12 bytes): face image type, image data type, width (2), height (2),
//!     colour space, source type, device type (2), quality (2)
//!   Image data
//! ```

use crate::check::Issue;
use crate::imaging::ImageFormat;
use crate::LdsError;

/// Format identifier of a facial record.
pub const FORMAT_IDENTIFIER: [u8; 4] = *b"FAC\0";
/// The only version of the format decoded here.
pub const VERSION_2005: [u8; 4] = *b"010\0";
/// Largest number of face images accepted in one record.
pub const MAX_IMAGES: usize = 64;

const HEADER_LEN: usize = 14;
/// Most bytes the record length of the facial record header may fall short of the data block
/// (field quirk D13: 8 in NZ passports, 1 in UK passports); the difference is a finding.
pub const RECORD_LENGTH_SLACK: usize = 8;
const FIB_LEN: usize = 20;
const FEATURE_POINT_LEN: usize = 8;
const IIB_LEN: usize = 12;

/// A facial record (the content of a DG2 biometric data block in the 19794-5 format).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FacialRecord {
    /// The face images (at least one).
    pub images: Vec<FaceImageInfo>,
}

/// One feature point (ISO/IEC 19794-5 §5.6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FeaturePoint {
    /// Feature point type (1 = 2D MPEG-4 feature point).
    pub point_type: u8,
    /// Feature point code: MPEG-4 major point in the high nibble, minor in the low nibble.
    pub code: u8,
    /// Horizontal position in pixels.
    pub x: u16,
    /// Vertical position in pixels.
    pub y: u16,
    /// The two reserved bytes, kept as read.
    pub reserved: u16,
}

/// One face image with its facial information and image information blocks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FaceImageInfo {
    /// Gender: 0 unspecified, 1 male, 2 female, FF unknown.
    pub gender: u8,
    /// Eye colour: 0 unspecified, 1 black, 2 blue, 3 brown, 4 grey, 5 green, 6 multi-coloured, 7 pink, FF unknown.
    pub eye_colour: u8,
    /// Hair colour: 0 unspecified, 1 bald, 2 black, 3 blonde, 4 brown, 5 grey, 6 white, 7 red, 8 green, 9 blue, FF unknown.
    pub hair_colour: u8,
    /// Feature mask (24 bits): bit 0 "features specified", 1 glasses, 2 moustache, 3 beard,
    /// 4 teeth visible, 5 blink, 6 mouth open, 7 left eye patch, 8 right eye patch,
    /// 9 dark glasses, 10 distorting medical condition.
    pub feature_mask: u32,
    /// Expression: 0 unspecified, 1 neutral, 2 smile closed jaw, 3 smile open jaw,
    /// 4 raised eyebrows, 5 eyes looking away, 6 squinting, 7 frowning.
    pub expression: u16,
    /// Pose angle codes yaw, pitch, roll: 0 unspecified, 1..=181 for −180..=+180 degrees in steps of 2.
    pub pose_angle: [u8; 3],
    /// Pose angle uncertainty codes yaw, pitch, roll: 0 unspecified, 1..=181 for 0..=180 degrees.
    pub pose_angle_uncertainty: [u8; 3],
    /// Feature points.
    pub feature_points: Vec<FeaturePoint>,
    /// Face image type: 0 basic, 1 full frontal, 2 token frontal.
    pub face_image_type: u8,
    /// Image data type: 0 JPEG, 1 JPEG 2000.
    pub image_data_type: u8,
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// Colour space: 0 unspecified, 1 24-bit RGB, 2 YUV422, 3 8-bit greyscale, 4 other.
    pub colour_space: u8,
    /// Source type: 0 unspecified, 1 static photo (unknown source), 2 digital still camera,
    /// 3 scanner, 4 video frame (unknown source), 5 analogue video, 6 digital video, 7 unknown.
    pub source_type: u8,
    /// Device type (vendor specific, 0 unspecified).
    pub device_type: u16,
    /// Quality (0 unspecified).
    pub quality: u16,
    /// The encoded image (JPEG or JPEG 2000), exactly as stored.
    #[serde(skip)]
    pub image: Vec<u8>,
}

fn invalid(file: &'static str, element: &'static str, reason: impl Into<String>) -> LdsError {
    LdsError::Invalid {
        file,
        element,
        reason: reason.into(),
    }
}

/// Bounds-checked big-endian reader.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    file: &'static str,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, element: &'static str) -> Result<&'a [u8], LdsError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or_else(|| invalid(self.file, element, "record ends early"))?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn u8(&mut self, element: &'static str) -> Result<u8, LdsError> {
        Ok(self.take(1, element)?[0])
    }
    fn u16(&mut self, element: &'static str) -> Result<u16, LdsError> {
        let b = self.take(2, element)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u24(&mut self, element: &'static str) -> Result<u32, LdsError> {
        let b = self.take(3, element)?;
        Ok(u32::from_be_bytes([0, b[0], b[1], b[2]]))
    }
    fn u32(&mut self, element: &'static str) -> Result<u32, LdsError> {
        let b = self.take(4, element)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn array3(&mut self, element: &'static str) -> Result<[u8; 3], LdsError> {
        let b = self.take(3, element)?;
        Ok([b[0], b[1], b[2]])
    }
}

impl FacialRecord {
    /// Decode a facial record. The image bytes must be JPEG or JPEG 2000 (recognised by their
    /// magic bytes) and every length field must agree with the data.
    pub fn decode(data: &[u8], file: &'static str) -> Result<FacialRecord, LdsError> {
        let mut r = Reader { data, pos: 0, file };
        let magic = r.take(4, "facial record header")?;
        if magic != FORMAT_IDENTIFIER {
            return Err(invalid(
                file,
                "format identifier of the facial record header",
                format!("{} is not \"FAC\\0\"", crate::cbeff::hex_string(magic)),
            ));
        }
        let version = r.take(4, "facial record header")?;
        if version != VERSION_2005 {
            return Err(LdsError::Unsupported {
                file,
                what: format!(
                    "facial record version {} (only \"010\\0\", ISO/IEC 19794-5:2005, is decoded)",
                    crate::cbeff::hex_string(version)
                ),
            });
        }
        let record_len = r.u32("record length")? as usize;
        // Issuers that count the record length a few bytes short (NZ: 8, UK: 1, field quirk
        // D13) are read; `Dg2::check` reports the difference.
        let short_by = data.len().saturating_sub(record_len);
        if record_len != data.len() && !(1..=RECORD_LENGTH_SLACK).contains(&short_by) {
            return Err(invalid(
                file,
                "record length of the facial record header",
                format!("says {record_len} bytes, the data block has {}", data.len()),
            ));
        }
        let n = r.u16("number of facial images")? as usize;
        if n == 0 || n > MAX_IMAGES {
            return Err(invalid(
                file,
                "number of facial images",
                format!("{n} is not between 1 and {MAX_IMAGES}"),
            ));
        }
        let mut images = Vec::with_capacity(n);
        for _ in 0..n {
            images.push(FaceImageInfo::decode(&mut r)?);
        }
        if r.pos != data.len() {
            return Err(invalid(
                file,
                "facial record data length",
                format!(
                    "the facial images end {} byte(s) before the record does",
                    data.len() - r.pos
                ),
            ));
        }
        Ok(FacialRecord { images })
    }

    /// Encode the record (header and every image).
    pub fn encode(&self) -> Vec<u8> {
        let body: Vec<u8> = self.images.iter().flat_map(FaceImageInfo::encode).collect();
        let mut out = Vec::with_capacity(HEADER_LEN + body.len());
        out.extend_from_slice(&FORMAT_IDENTIFIER);
        out.extend_from_slice(&VERSION_2005);
        out.extend_from_slice(&((HEADER_LEN + body.len()) as u32).to_be_bytes());
        out.extend_from_slice(&(self.images.len() as u16).to_be_bytes());
        out.extend(body);
        out
    }

    pub(crate) fn check(&self, file: &'static str, issues: &mut Vec<Issue>) {
        for image in &self.images {
            image.check(file, issues);
        }
    }
}

impl FaceImageInfo {
    fn decode(r: &mut Reader<'_>) -> Result<FaceImageInfo, LdsError> {
        let file = r.file;
        let start = r.pos;
        let len = r.u32("facial record data length")? as usize;
        let points = r.u16("number of feature points")? as usize;
        let min = FIB_LEN + points * FEATURE_POINT_LEN + IIB_LEN;
        if len < min || r.data.len() - start < len {
            return Err(invalid(
                file,
                "facial record data length",
                format!(
                    "{len} does not fit the {points} feature point(s) and the {} byte(s) left",
                    r.data.len() - start
                ),
            ));
        }
        let gender = r.u8("gender")?;
        let eye_colour = r.u8("eye colour")?;
        let hair_colour = r.u8("hair colour")?;
        let feature_mask = r.u24("feature mask")?;
        let expression = r.u16("expression")?;
        let pose_angle = r.array3("pose angle")?;
        let pose_angle_uncertainty = r.array3("pose angle uncertainty")?;
        let mut feature_points = Vec::with_capacity(points);
        for _ in 0..points {
            feature_points.push(FeaturePoint {
                point_type: r.u8("feature point")?,
                code: r.u8("feature point")?,
                x: r.u16("feature point")?,
                y: r.u16("feature point")?,
                reserved: r.u16("feature point")?,
            });
        }
        let face_image_type = r.u8("face image type")?;
        let image_data_type = r.u8("image data type")?;
        let width = r.u16("width")?;
        let height = r.u16("height")?;
        let colour_space = r.u8("colour space")?;
        let source_type = r.u8("source type")?;
        let device_type = r.u16("device type")?;
        let quality = r.u16("quality")?;
        let image = r.take(len - min, "image data")?.to_vec();
        if ImageFormat::detect(&image).is_none() {
            return Err(invalid(
                file,
                "image data",
                "is neither JPEG nor JPEG 2000 (unknown magic bytes)",
            ));
        }
        Ok(FaceImageInfo {
            gender,
            eye_colour,
            hair_colour,
            feature_mask,
            expression,
            pose_angle,
            pose_angle_uncertainty,
            feature_points,
            face_image_type,
            image_data_type,
            width,
            height,
            colour_space,
            source_type,
            device_type,
            quality,
            image,
        })
    }

    /// Encode the facial information block, feature points, image information block and image.
    pub fn encode(&self) -> Vec<u8> {
        let len =
            FIB_LEN + self.feature_points.len() * FEATURE_POINT_LEN + IIB_LEN + self.image.len();
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(&(len as u32).to_be_bytes());
        out.extend_from_slice(&(self.feature_points.len() as u16).to_be_bytes());
        out.extend_from_slice(&[self.gender, self.eye_colour, self.hair_colour]);
        out.extend_from_slice(&self.feature_mask.to_be_bytes()[1..]);
        out.extend_from_slice(&self.expression.to_be_bytes());
        out.extend_from_slice(&self.pose_angle);
        out.extend_from_slice(&self.pose_angle_uncertainty);
        for p in &self.feature_points {
            out.extend_from_slice(&[p.point_type, p.code]);
            out.extend_from_slice(&p.x.to_be_bytes());
            out.extend_from_slice(&p.y.to_be_bytes());
            out.extend_from_slice(&p.reserved.to_be_bytes());
        }
        out.extend_from_slice(&[self.face_image_type, self.image_data_type]);
        out.extend_from_slice(&self.width.to_be_bytes());
        out.extend_from_slice(&self.height.to_be_bytes());
        out.extend_from_slice(&[self.colour_space, self.source_type]);
        out.extend_from_slice(&self.device_type.to_be_bytes());
        out.extend_from_slice(&self.quality.to_be_bytes());
        out.extend_from_slice(&self.image);
        out
    }

    /// The format of the image bytes, from their magic bytes.
    pub fn image_format(&self) -> Option<ImageFormat> {
        ImageFormat::detect(&self.image)
    }

    /// Pose angles in degrees (yaw, pitch, roll); `None` where unspecified or out of range.
    pub fn pose_angle_degrees(&self) -> [Option<i16>; 3] {
        self.pose_angle
            .map(|c| (1..=181).contains(&c).then(|| (c as i16 - 91) * 2))
    }

    fn check(&self, file: &'static str, issues: &mut Vec<Issue>) {
        let mut range = |element: &'static str, value: u32, ok: bool| {
            if !ok {
                issues.push(Issue::new(
                    file,
                    element,
                    format!("value {value:#X} is not defined by ISO/IEC 19794-5"),
                ));
            }
        };
        range(
            "gender",
            self.gender.into(),
            self.gender <= 2 || self.gender == 0xFF,
        );
        range(
            "eye colour",
            self.eye_colour.into(),
            self.eye_colour <= 7 || self.eye_colour == 0xFF,
        );
        range(
            "hair colour",
            self.hair_colour.into(),
            self.hair_colour <= 9 || self.hair_colour == 0xFF,
        );
        range("feature mask", self.feature_mask, self.feature_mask < 0x800);
        range(
            "expression",
            self.expression.into(),
            self.expression <= 7 || self.expression >= 0x8000,
        );
        for (element, v) in [
            "pose angle (yaw)",
            "pose angle (pitch)",
            "pose angle (roll)",
        ]
        .into_iter()
        .zip(self.pose_angle)
        {
            range(element, v.into(), v <= 181);
        }
        for (element, v) in [
            "pose angle uncertainty (yaw)",
            "pose angle uncertainty (pitch)",
            "pose angle uncertainty (roll)",
        ]
        .into_iter()
        .zip(self.pose_angle_uncertainty)
        {
            range(element, v.into(), v <= 181);
        }
        range(
            "face image type",
            self.face_image_type.into(),
            self.face_image_type <= 2,
        );
        range(
            "image data type",
            self.image_data_type.into(),
            self.image_data_type <= 1,
        );
        range(
            "colour space",
            self.colour_space.into(),
            self.colour_space <= 4,
        );
        range(
            "source type",
            self.source_type.into(),
            self.source_type <= 7,
        );
        let declared = match self.image_data_type {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        };
        if let (Some(jp2), Some(actual)) = (declared, self.image_format()) {
            if jp2 != actual.is_jpeg2000() {
                issues.push(Issue::new(
                    file,
                    "image data type",
                    format!(
                        "declares {} but the image is {}",
                        if jp2 { "JPEG 2000" } else { "JPEG" },
                        actual.mime_type()
                    ),
                ));
            }
        }
    }
}
