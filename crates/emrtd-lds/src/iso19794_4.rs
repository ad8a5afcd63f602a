//! ISO/IEC 19794-4:2005 finger image records ("FIR\0", version "010\0"), as carried in the
//! biometric data blocks of DG3 (ICAO 9303-10 §4.7.3):
//!
//! ```text
//! general header (32): "FIR\0" "010\0", record length (6), capture device (2),
//!   acquisition level (2), number of finger images (1), scale units (1),
//!   scan resolution h/v (2+2), image resolution h/v (2+2), pixel depth (1),
//!   compression (1: 0/1 raw, 2 WSQ, 3 JPEG, 4 JPEG 2000, 5 PNG), reserved (2)
//! per image (14 + data): data block length (4, header included), finger position (1),
//!   count of views (1), view number (1), quality (1), impression type (1),
//!   width (2), height (2), reserved (1), image data
//! ```
//!
//! Images are returned as stored (WSQ is not decoded), with their format.

use crate::imaging::ImageFormat;
use crate::LdsError;

const FILE: &str = "DG3 finger image record";
/// Format identifier.
pub const FIR_MAGIC: &[u8; 4] = b"FIR\0";
/// Size of the general record header.
pub const GENERAL_HEADER_LEN: usize = 32;
/// Size of a finger image header.
pub const IMAGE_HEADER_LEN: usize = 14;

/// Encodings of biometric images (finger, iris) as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum BiometricImageFormat {
    /// Uncompressed pixels (no container).
    Raw,
    /// Uncompressed, bit-packed pixels.
    RawBitPacked,
    /// Wavelet Scalar Quantization (FBI WSQ), starts with `FF A0`.
    Wsq,
    /// JPEG, starts with `FF D8 FF`.
    Jpeg,
    /// JPEG-LS, starts with `FF D8 FF F7`.
    JpegLs,
    /// JPEG 2000 (JP2 container or raw codestream).
    Jpeg2000,
    /// PNG, starts with `89 50 4E 47 0D 0A 1A 0A`.
    Png,
}

impl BiometricImageFormat {
    /// Recognise a container by its first bytes (raw pixels cannot be recognised).
    pub fn detect(bytes: &[u8]) -> Option<BiometricImageFormat> {
        if bytes.starts_with(&[0xFF, 0xA0]) {
            Some(BiometricImageFormat::Wsq)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF, 0xF7]) {
            Some(BiometricImageFormat::JpegLs)
        } else if bytes.starts_with(&[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(BiometricImageFormat::Png)
        } else {
            match ImageFormat::detect(bytes)? {
                ImageFormat::Jpeg => Some(BiometricImageFormat::Jpeg),
                ImageFormat::Jp2 | ImageFormat::J2k => Some(BiometricImageFormat::Jpeg2000),
            }
        }
    }

    /// File extension for export, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            BiometricImageFormat::Raw | BiometricImageFormat::RawBitPacked => "raw",
            BiometricImageFormat::Wsq => "wsq",
            BiometricImageFormat::Jpeg => "jpg",
            BiometricImageFormat::JpegLs => "jls",
            BiometricImageFormat::Jpeg2000 => "jp2",
            BiometricImageFormat::Png => "png",
        }
    }
}

/// The compression algorithm byte of ISO/IEC 19794-4:2005 Table 3.
pub fn finger_compression(code: u8) -> Option<BiometricImageFormat> {
    Some(match code {
        0 => BiometricImageFormat::Raw,
        1 => BiometricImageFormat::RawBitPacked,
        2 => BiometricImageFormat::Wsq,
        3 => BiometricImageFormat::Jpeg,
        4 => BiometricImageFormat::Jpeg2000,
        5 => BiometricImageFormat::Png,
        _ => return None,
    })
}

/// One finger image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct FingerImage {
    /// Finger position (ISO/IEC 19794-4 Table 5: 1 right thumb … 10 left little, 0 unknown).
    pub position: u8,
    /// How many views of this finger the record holds.
    pub count_of_views: u8,
    /// Which view this is (from 1).
    pub view_number: u8,
    /// Quality 0–100 (255 = not computed).
    pub quality: u8,
    /// Impression type (0 live-scan plain, 1 live-scan rolled, …), as stored.
    pub impression_type: u8,
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// The image bytes as stored.
    #[serde(skip)]
    pub data: Vec<u8>,
}

/// A finger image record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct FingerImageRecord {
    /// Version string, e.g. "010".
    pub version: String,
    /// Capture device, vendor-assigned.
    pub capture_device_id: u16,
    /// Image acquisition setting level, as stored.
    pub acquisition_level: u16,
    /// Units of the resolutions: 1 pixels per inch, 2 pixels per centimetre.
    pub scale_units: u8,
    /// Horizontal and vertical scan resolution.
    pub scan_resolution: (u16, u16),
    /// Horizontal and vertical image resolution.
    pub image_resolution: (u16, u16),
    /// Bits per pixel.
    pub pixel_depth: u8,
    /// Compression byte as stored.
    pub compression_code: u8,
    /// The finger images.
    pub images: Vec<FingerImage>,
}

fn invalid(element: &'static str, reason: impl Into<String>) -> LdsError {
    LdsError::Invalid {
        file: FILE,
        element,
        reason: reason.into(),
    }
}

pub(crate) fn be(b: &[u8]) -> u64 {
    b.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x))
}

pub(crate) fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_be_bytes([b[i], b[i + 1]])
}

impl FingerImageRecord {
    /// Decode a record; every length is checked against the bytes present.
    pub fn decode(bytes: &[u8]) -> Result<FingerImageRecord, LdsError> {
        if bytes.len() < GENERAL_HEADER_LEN {
            return Err(invalid(
                "general header",
                format!(
                    "{} bytes, the header alone has {GENERAL_HEADER_LEN}",
                    bytes.len()
                ),
            ));
        }
        if &bytes[..4] != FIR_MAGIC {
            return Err(invalid(
                "format identifier",
                "does not start with \"FIR\\0\"",
            ));
        }
        if bytes[7] != 0 {
            return Err(invalid(
                "version",
                "not a NUL-terminated 3-character version",
            ));
        }
        let version = String::from_utf8_lossy(&bytes[4..7]).into_owned();
        let record_len = be(&bytes[8..14]);
        if record_len != bytes.len() as u64 {
            return Err(invalid(
                "record length",
                format!(
                    "declares {record_len} bytes, the data block holds {}",
                    bytes.len()
                ),
            ));
        }
        let count = bytes[18];
        let mut images = Vec::with_capacity(usize::from(count));
        let mut rest = &bytes[GENERAL_HEADER_LEN..];
        for _ in 0..count {
            if rest.len() < IMAGE_HEADER_LEN {
                return Err(invalid("finger image header", "truncated"));
            }
            let len = be(&rest[..4]);
            if len < IMAGE_HEADER_LEN as u64 || len > rest.len() as u64 {
                return Err(invalid(
                    "finger image length",
                    format!("{len} bytes declared, {} left in the record", rest.len()),
                ));
            }
            let (block, after) = rest.split_at(len as usize);
            images.push(FingerImage {
                position: block[4],
                count_of_views: block[5],
                view_number: block[6],
                quality: block[7],
                impression_type: block[8],
                width: u16_at(block, 9),
                height: u16_at(block, 11),
                data: block[IMAGE_HEADER_LEN..].to_vec(),
            });
            rest = after;
        }
        if !rest.is_empty() {
            return Err(invalid(
                "finger images",
                format!(
                    "{} bytes after the {count} image(s) the header announces",
                    rest.len()
                ),
            ));
        }
        Ok(FingerImageRecord {
            version,
            capture_device_id: u16_at(bytes, 14),
            acquisition_level: u16_at(bytes, 16),
            scale_units: bytes[19],
            scan_resolution: (u16_at(bytes, 20), u16_at(bytes, 22)),
            image_resolution: (u16_at(bytes, 24), u16_at(bytes, 26)),
            pixel_depth: bytes[28],
            compression_code: bytes[29],
            images,
        })
    }

    /// The declared image encoding (`None` for an undefined compression code).
    pub fn compression(&self) -> Option<BiometricImageFormat> {
        finger_compression(self.compression_code)
    }
}

/// A biometric image ready for export: a file name stem, the format (recognised from the
/// bytes, else as declared), and the bytes as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct StoredImage {
    /// E.g. `finger-1-pos-2-view-1` or `iris-1-right-1`.
    pub name: String,
    /// `None` when neither the bytes nor the header identify the encoding.
    pub format: Option<BiometricImageFormat>,
    /// The format the record header declares, when defined.
    pub declared: Option<BiometricImageFormat>,
    /// The image bytes as stored.
    #[serde(skip)]
    pub data: Vec<u8>,
}

impl StoredImage {
    /// File name with extension (`.bin` when the format is unknown).
    pub fn file_name(&self) -> String {
        format!(
            "{}.{}",
            self.name,
            self.format.map_or("bin", |f| f.extension())
        )
    }

    /// True when the bytes are recognisably another encoding than the header declares.
    pub fn format_mismatch(&self) -> bool {
        matches!((BiometricImageFormat::detect(&self.data), self.declared),
            (Some(d), Some(h)) if d != h)
    }

    pub(crate) fn new(
        name: String,
        declared: Option<BiometricImageFormat>,
        data: Vec<u8>,
    ) -> StoredImage {
        StoredImage {
            name,
            format: BiometricImageFormat::detect(&data).or(declared),
            declared,
            data,
        }
    }
}
