//! ISO/IEC 19794-6:2005 iris image records, rectilinear format ("IIR\0", version "010\0"), as
//! carried in the biometric data blocks of DG4 (ICAO 9303-10 §4.7.4):
//!
//! ```text
//! record header (45): "IIR\0" "010\0", record length (4), capture device (2),
//!   number of eye subtypes (1), header length (2), image property bits (2),
//!   iris diameter (2), image format (2), width (2), height (2), intensity depth (1),
//!   image transformation (1), device unique identifier (16)
//! per subtype (3): subtype (1: 0 undefined, 1 right eye, 2 left eye), number of images (2)
//! per image (11 + data): sequence number (2), quality (1), rotation angle (2),
//!   rotation uncertainty (2), image length (4), image data
//! ```

use crate::iso19794_4::{be, u16_at, BiometricImageFormat};
use crate::LdsError;

const FILE: &str = "DG4 iris image record";
/// Format identifier.
pub const IIR_MAGIC: &[u8; 4] = b"IIR\0";
/// Size of the record header.
pub const RECORD_HEADER_LEN: usize = 45;
/// Most images accepted in one record.
pub const MAX_IMAGES: usize = 64;

/// The eye.
// Not #[non_exhaustive]: ISO/IEC 19794-6 defines these labels (`Other` keeps any other code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Eye {
    /// Not said which eye (code 0).
    Undefined,
    /// The right eye (code 1).
    Right,
    /// The left eye (code 2).
    Left,
    /// Another code, as stored.
    Other(u8),
}

impl Eye {
    fn from_code(c: u8) -> Eye {
        match c {
            0 => Eye::Undefined,
            1 => Eye::Right,
            2 => Eye::Left,
            n => Eye::Other(n),
        }
    }
}

/// The image format field (ISO/IEC 19794-6:2005 Table 3): encoding and colour.
pub fn iris_image_format(code: u16) -> Option<(BiometricImageFormat, bool)> {
    Some(match code {
        0x0002 => (BiometricImageFormat::Raw, false),
        0x0004 => (BiometricImageFormat::Raw, true),
        0x0006 => (BiometricImageFormat::Jpeg, false),
        0x0008 => (BiometricImageFormat::Jpeg, true),
        0x000A => (BiometricImageFormat::JpegLs, false),
        0x000C => (BiometricImageFormat::JpegLs, true),
        0x000E => (BiometricImageFormat::Jpeg2000, false),
        0x0010 => (BiometricImageFormat::Jpeg2000, true),
        _ => return None,
    })
}

/// One iris image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct IrisImage {
    /// Which eye.
    pub eye: Eye,
    /// Image number within the record.
    pub sequence_number: u16,
    /// Quality, as stored.
    pub quality: u8,
    /// Rotation angle of the eye, as stored (ISO/IEC 19794-6 encoding).
    pub rotation_angle: u16,
    /// Uncertainty of the rotation angle, as stored.
    pub rotation_uncertainty: u16,
    /// The image bytes as stored.
    #[serde(skip)]
    pub data: Vec<u8>,
}

/// An iris image record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct IrisImageRecord {
    /// Version string, e.g. "010".
    pub version: String,
    /// Capture device, vendor-assigned.
    pub capture_device_id: u16,
    /// Image property bits (horizontal/vertical orientation, scan type, …), as stored.
    pub image_properties: u16,
    /// Expected iris diameter in pixels.
    pub iris_diameter: u16,
    /// Image format code as stored.
    pub image_format_code: u16,
    /// Image width in pixels.
    pub width: u16,
    /// Image height in pixels.
    pub height: u16,
    /// Bits per pixel.
    pub intensity_depth: u8,
    /// Image transformation code, as stored.
    pub image_transformation: u8,
    /// Device unique identifier (16 bytes; zeros when not given).
    pub device_unique_id: Vec<u8>,
    /// The iris images.
    pub images: Vec<IrisImage>,
}

fn invalid(element: &'static str, reason: impl Into<String>) -> LdsError {
    LdsError::Invalid {
        file: FILE,
        element,
        reason: reason.into(),
    }
}

impl IrisImageRecord {
    /// Decode a record; every length is checked against the bytes present.
    pub fn decode(bytes: &[u8]) -> Result<IrisImageRecord, LdsError> {
        if bytes.len() < RECORD_HEADER_LEN {
            return Err(invalid(
                "record header",
                format!(
                    "{} bytes, the header alone has {RECORD_HEADER_LEN}",
                    bytes.len()
                ),
            ));
        }
        if &bytes[..4] != IIR_MAGIC {
            return Err(invalid(
                "format identifier",
                "does not start with \"IIR\\0\"",
            ));
        }
        if bytes[7] != 0 {
            return Err(invalid(
                "version",
                "not a NUL-terminated 3-character version",
            ));
        }
        let record_len = be(&bytes[8..12]);
        if record_len != bytes.len() as u64 {
            return Err(invalid(
                "record length",
                format!(
                    "declares {record_len} bytes, the data block holds {}",
                    bytes.len()
                ),
            ));
        }
        let header_len = u16_at(bytes, 15);
        if usize::from(header_len) != RECORD_HEADER_LEN {
            return Err(invalid(
                "record header length",
                format!("{header_len}, ISO/IEC 19794-6:2005 defines {RECORD_HEADER_LEN}"),
            ));
        }
        let subtypes = bytes[14];
        let mut rest = &bytes[RECORD_HEADER_LEN..];
        let mut images = Vec::new();
        for _ in 0..subtypes {
            if rest.len() < 3 {
                return Err(invalid("eye subtype header", "truncated"));
            }
            let eye = Eye::from_code(rest[0]);
            let n = u16_at(rest, 1);
            rest = &rest[3..];
            for _ in 0..n {
                if images.len() >= MAX_IMAGES {
                    return Err(invalid(
                        "number of images",
                        format!("more than {MAX_IMAGES}"),
                    ));
                }
                if rest.len() < 11 {
                    return Err(invalid("iris image header", "truncated"));
                }
                let len = be(&rest[7..11]);
                let body = &rest[11..];
                if len > body.len() as u64 {
                    return Err(invalid(
                        "iris image length",
                        format!("{len} bytes declared, {} left in the record", body.len()),
                    ));
                }
                let (data, after) = body.split_at(len as usize);
                images.push(IrisImage {
                    eye,
                    sequence_number: u16_at(rest, 0),
                    quality: rest[2],
                    rotation_angle: u16_at(rest, 3),
                    rotation_uncertainty: u16_at(rest, 5),
                    data: data.to_vec(),
                });
                rest = after;
            }
        }
        if !rest.is_empty() {
            return Err(invalid(
                "iris images",
                format!("{} bytes after the images the headers announce", rest.len()),
            ));
        }
        Ok(IrisImageRecord {
            version: String::from_utf8_lossy(&bytes[4..7]).into_owned(),
            capture_device_id: u16_at(bytes, 12),
            image_properties: u16_at(bytes, 17),
            iris_diameter: u16_at(bytes, 19),
            image_format_code: u16_at(bytes, 21),
            width: u16_at(bytes, 23),
            height: u16_at(bytes, 25),
            intensity_depth: bytes[27],
            image_transformation: bytes[28],
            device_unique_id: bytes[29..45].to_vec(),
            images,
        })
    }

    /// The declared encoding and whether it is colour (`None` for an undefined code).
    pub fn image_format(&self) -> Option<(BiometricImageFormat, bool)> {
        iris_image_format(self.image_format_code)
    }
}
