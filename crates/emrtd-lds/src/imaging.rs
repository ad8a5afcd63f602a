//! Image formats found in the LDS (face, portrait, signature, document images) and conversion of
//! face images to PNG.
//!
//! [`ImageFormat::detect`] looks at magic bytes only and [`image_header`] reads the declared size
//! from the headers without decoding; both are always available. `face_to_png` decodes JPEG
//! (with `image`/`zune-jpeg`) and JPEG 2000 (with the pure-Rust `hayro-jpeg2000`) and writes
//! PNG; it needs the cargo feature `images` (off by default, so verification pulls no image
//! crate). Decoding has a budget ([`MAX_IMAGE_PIXELS`], [`MAX_IMAGE_BYTES`]) checked against the
//! header before any pixel is decoded.

/// Image encodings that appear in eMRTD data groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum ImageFormat {
    /// JPEG (JFIF/Exif), starts with `FF D8 FF`.
    Jpeg,
    /// JPEG 2000 in the JP2 container, starts with the signature box `00 00 00 0C 6A 50 20 20 0D 0A 87 0A`.
    Jp2,
    /// Raw JPEG 2000 codestream, starts with `FF 4F FF 51` (SOC, SIZ).
    J2k,
}

impl ImageFormat {
    /// Recognise an image by its first bytes; `None` if it is none of the formats above.
    pub fn detect(bytes: &[u8]) -> Option<ImageFormat> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageFormat::Jpeg)
        } else if bytes.starts_with(&[
            0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A,
        ]) {
            Some(ImageFormat::Jp2)
        } else if bytes.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
            Some(ImageFormat::J2k)
        } else {
            None
        }
    }

    /// Usual file extension, without the dot: `jpg`, `jp2` or `j2k`.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Jp2 => "jp2",
            ImageFormat::J2k => "j2k",
        }
    }

    /// MIME type.
    pub fn mime_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Jp2 => "image/jp2",
            ImageFormat::J2k => "image/j2k",
        }
    }

    /// Is this one of the JPEG 2000 forms?
    pub fn is_jpeg2000(self) -> bool {
        matches!(self, ImageFormat::Jp2 | ImageFormat::J2k)
    }
}

/// Largest width or height `face_to_png` accepts. A passport face is well under 1000 pixels a
/// side; the cap bounds memory on hostile input.
pub const MAX_IMAGE_DIMENSION: u32 = 10_000;

/// Largest number of pixels (width × height) `face_to_png` accepts: 16 megapixels.
pub const MAX_IMAGE_PIXELS: u64 = 16_000_000;

/// Most memory the decoders may allocate for one image (256 MiB).
pub const MAX_IMAGE_BYTES: u64 = 256 << 20;

/// What an image's header declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ImageHeader {
    /// JPEG, or JPEG 2000 (JP2 file or raw codestream).
    pub format: ImageFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Colour components (channels) declared.
    pub components: u16,
}

impl ImageHeader {
    /// Decoded size in bytes at 8 bits per component (saturating).
    pub fn decoded_bytes(&self) -> u64 {
        u64::from(self.width)
            .saturating_mul(u64::from(self.height))
            .saturating_mul(u64::from(self.components.max(1)))
    }

    /// Is the image within the decoding budget? `Err` says why not.
    pub fn check_budget(&self) -> Result<(), crate::LdsError> {
        let (w, h) = (self.width, self.height);
        let bad = |reason: String| Err(crate::LdsError::Image { reason });
        if w == 0 || h == 0 {
            return bad(format!("image has no pixels ({w}×{h})"));
        }
        let pixels = u64::from(w) * u64::from(h);
        if w > MAX_IMAGE_DIMENSION || h > MAX_IMAGE_DIMENSION || pixels > MAX_IMAGE_PIXELS {
            return bad(format!(
                "the header declares {w}×{h} pixels, which exceeds the limit of {MAX_IMAGE_DIMENSION} pixels a side and {MAX_IMAGE_PIXELS} pixels in all: not decoded"
            ));
        }
        // Decoders hold about two copies (components, then the converted output).
        if self.decoded_bytes().saturating_mul(2) > MAX_IMAGE_BYTES {
            return bad(format!(
                "decoding {w}×{h} pixels of {} component(s) needs more than {MAX_IMAGE_BYTES} bytes: not decoded",
                self.components
            ));
        }
        Ok(())
    }
}

fn header_err(reason: impl Into<String>) -> crate::LdsError {
    crate::LdsError::Image {
        reason: reason.into(),
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Read the width, height and components an image declares, from its headers only (JPEG
/// SOFn, JPEG 2000 SIZ, JP2 `ihdr`): no pixel is decoded, so this takes microseconds whatever
/// size the header claims.
pub fn image_header(bytes: &[u8]) -> Result<ImageHeader, crate::LdsError> {
    let format = ImageFormat::detect(bytes).ok_or_else(|| {
        header_err("the data is neither JPEG nor JPEG 2000 (unknown magic bytes)")
    })?;
    let (width, height, components) = match format {
        ImageFormat::Jpeg => jpeg_size(bytes)?,
        ImageFormat::J2k => siz_size(bytes)?,
        ImageFormat::Jp2 => jp2_size(bytes)?,
    };
    Ok(ImageHeader {
        format,
        width,
        height,
        components,
    })
}

fn jpeg_size(b: &[u8]) -> Result<(u32, u32, u16), crate::LdsError> {
    let mut i = 2; // after SOI
    loop {
        // Fill bytes FF may precede a marker.
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let (Some(0xFF), Some(&marker)) = (b.get(i), b.get(i + 1)) else {
            return Err(header_err(
                "JPEG: no frame header (SOF) before the data ends",
            ));
        };
        i += 2;
        match marker {
            0xD8 | 0x01 | 0xD0..=0xD7 => continue, // no length
            0xD9 | 0xDA => return Err(header_err("JPEG: scan data before any frame header (SOF)")),
            _ => {}
        }
        let len = usize::from(be16(b, i).ok_or_else(|| header_err("JPEG: truncated segment"))?);
        if len < 2 {
            return Err(header_err("JPEG: segment length below 2"));
        }
        let is_sof = matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF);
        if is_sof {
            let (Some(h), Some(w), Some(&nf)) = (be16(b, i + 3), be16(b, i + 5), b.get(i + 7))
            else {
                return Err(header_err("JPEG: truncated frame header"));
            };
            return Ok((u32::from(w), u32::from(h), u16::from(nf)));
        }
        i += len;
    }
}

/// SIZ marker segment of a JPEG 2000 codestream starting at `FF 4F FF 51`.
fn siz_size(b: &[u8]) -> Result<(u32, u32, u16), crate::LdsError> {
    let field = |at: usize| be32(b, at).ok_or_else(|| header_err("JPEG 2000: truncated SIZ"));
    // FF4F FF51 Lsiz(2) Rsiz(2) Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz(2)
    let (x, y, xo, yo) = (field(8)?, field(12)?, field(16)?, field(20)?);
    let c = be16(b, 40).ok_or_else(|| header_err("JPEG 2000: truncated SIZ"))?;
    if xo >= x || yo >= y {
        return Err(header_err("JPEG 2000: image offset beyond its size"));
    }
    Ok((x - xo, y - yo, c))
}

/// JP2 boxes: the `ihdr` box in the `jp2h` header box, else the codestream's SIZ.
fn jp2_size(b: &[u8]) -> Result<(u32, u32, u16), crate::LdsError> {
    fn boxes(b: &[u8], depth: u8) -> Result<Option<(u32, u32, u16)>, crate::LdsError> {
        let mut i = 0usize;
        while i + 8 <= b.len() {
            let lbox = be32(b, i).unwrap_or(0);
            let tbox = b.get(i + 4..i + 8).unwrap_or_default();
            let (header, len) = match lbox {
                0 => (8, b.len() - i),
                1 => {
                    let xl = b
                        .get(i + 8..i + 16)
                        .and_then(|x| x.try_into().ok())
                        .map(u64::from_be_bytes)
                        .ok_or_else(|| header_err("JP2: truncated box length"))?;
                    (16, usize::try_from(xl).unwrap_or(usize::MAX))
                }
                n => (8, n as usize),
            };
            if len < header || len > b.len() - i {
                return Err(header_err("JP2: box length out of range"));
            }
            let content = &b[i + header..i + len];
            match tbox {
                b"ihdr" => {
                    let (Some(h), Some(w), Some(c)) =
                        (be32(content, 0), be32(content, 4), be16(content, 8))
                    else {
                        return Err(header_err("JP2: truncated ihdr box"));
                    };
                    return Ok(Some((w, h, c)));
                }
                b"jp2h" if depth == 0 => {
                    if let Some(found) = boxes(content, 1)? {
                        return Ok(Some(found));
                    }
                }
                b"jp2c" if depth == 0 && content.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) => {
                    return siz_size(content).map(Some);
                }
                _ => {}
            }
            i += len;
        }
        Ok(None)
    }
    boxes(b, 0)?.ok_or_else(|| header_err("JP2: no image header box (ihdr) nor codestream"))
}

#[cfg(feature = "images")]
pub use convert::face_to_png;

#[cfg(feature = "images")]
mod convert {
    use super::{
        image_header, ImageFormat, MAX_IMAGE_BYTES, MAX_IMAGE_DIMENSION, MAX_IMAGE_PIXELS,
    };
    use crate::LdsError;
    use image::{ExtendedColorType, ImageEncoder};
    use std::panic::{catch_unwind, AssertUnwindSafe};

    fn err(reason: impl Into<String>) -> LdsError {
        LdsError::Image {
            reason: reason.into(),
        }
    }

    fn check_size(width: u32, height: u32) -> Result<(), LdsError> {
        if width == 0 || height == 0 {
            return Err(err(format!("image has no pixels ({width}×{height})")));
        }
        if width > MAX_IMAGE_DIMENSION
            || height > MAX_IMAGE_DIMENSION
            || width as u64 * height as u64 > MAX_IMAGE_PIXELS
        {
            return Err(err(format!(
                "image of {width}×{height} pixels exceeds the limit of {MAX_IMAGE_DIMENSION} pixels a side and {MAX_IMAGE_PIXELS} pixels in all"
            )));
        }
        Ok(())
    }

    /// Convert a face (or portrait, signature) image as stored in the LDS — JPEG, JP2 or a raw
    /// JPEG 2000 codestream — to PNG.
    ///
    /// The format is recognised from magic bytes, the size the headers declare is checked
    /// against the budget ([`super::MAX_IMAGE_PIXELS`], [`MAX_IMAGE_BYTES`]) before any pixel is
    /// decoded, the decoders are limited to it too, and a panic inside a decoder is turned into
    /// an error.
    pub fn face_to_png(image: &[u8]) -> Result<Vec<u8>, LdsError> {
        let header = image_header(image)?;
        header.check_budget()?;
        let format = header.format;
        let decoded = catch_unwind(AssertUnwindSafe(|| match format {
            ImageFormat::Jpeg => decode_jpeg(image),
            ImageFormat::Jp2 | ImageFormat::J2k => decode_jpeg2000(image),
        }))
        .map_err(|_| err("the image decoder failed on malformed data"))??;
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(
                &decoded.pixels,
                decoded.width,
                decoded.height,
                decoded.color,
            )
            .map_err(|e| err(format!("PNG encoding failed: {e}")))?;
        Ok(png)
    }

    struct Pixels {
        width: u32,
        height: u32,
        color: ExtendedColorType,
        pixels: Vec<u8>,
    }

    fn decode_jpeg(data: &[u8]) -> Result<Pixels, LdsError> {
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_IMAGE_DIMENSION);
        limits.max_image_height = Some(MAX_IMAGE_DIMENSION);
        limits.max_alloc = Some(MAX_IMAGE_BYTES);
        let mut reader =
            image::ImageReader::with_format(std::io::Cursor::new(data), image::ImageFormat::Jpeg);
        reader.limits(limits);
        let img = reader
            .decode()
            .map_err(|e| err(format!("JPEG decoding failed: {e}")))?;
        check_size(img.width(), img.height())?;
        let (width, height) = (img.width(), img.height());
        let (color, pixels) = match img {
            image::DynamicImage::ImageLuma8(buf) => (ExtendedColorType::L8, buf.into_raw()),
            other => (ExtendedColorType::Rgb8, other.to_rgb8().into_raw()),
        };
        Ok(Pixels {
            width,
            height,
            color,
            pixels,
        })
    }

    fn decode_jpeg2000(data: &[u8]) -> Result<Pixels, LdsError> {
        use hayro_jpeg2000::{ColorSpace, DecodeSettings, DecoderContext, Image};
        let image = Image::new(data, &DecodeSettings::default())
            .map_err(|e| err(format!("JPEG 2000 header is invalid: {e}")))?;
        let (width, height) = (image.width(), image.height());
        check_size(width, height)?;
        let has_alpha = image.has_alpha();
        let color_space = image.color_space().clone();
        let mut ctx = DecoderContext::default();
        let decoded = image
            .decode(&mut ctx)
            .map_err(|e| err(format!("JPEG 2000 decoding failed: {e}")))?;
        let samples = decoded.data_u8();
        let pixels = width as usize * height as usize;
        let channels = color_space.num_channels() as usize + usize::from(has_alpha);
        if channels == 0 || samples.len() != pixels * channels {
            return Err(err(
                "JPEG 2000 decoder returned an unexpected number of samples",
            ));
        }
        let (color, pixels) = match (&color_space, channels, has_alpha) {
            (_, 1, false) => (ExtendedColorType::L8, samples),
            (_, 2, true) => (ExtendedColorType::La8, samples),
            (ColorSpace::CMYK, 4, false) => (ExtendedColorType::Rgb8, cmyk_to_rgb(&samples)),
            (_, 3, false) => (ExtendedColorType::Rgb8, samples),
            (_, 4, true) => (ExtendedColorType::Rgba8, samples),
            _ => {
                return Err(err(format!(
                    "JPEG 2000 colour space with {channels} channel(s) is not supported"
                )))
            }
        };
        Ok(Pixels {
            width,
            height,
            color,
            pixels,
        })
    }

    fn cmyk_to_rgb(samples: &[u8]) -> Vec<u8> {
        samples
            .chunks_exact(4)
            .flat_map(|p| {
                let k = 255 - p[3] as u16;
                [p[0], p[1], p[2]].map(|c| ((255 - c as u16) * k / 255) as u8)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_magic_bytes() {
        assert_eq!(
            ImageFormat::detect(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageFormat::Jpeg)
        );
        assert_eq!(
            ImageFormat::detect(&[
                0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A, 0
            ]),
            Some(ImageFormat::Jp2)
        );
        assert_eq!(
            ImageFormat::detect(&[0xFF, 0x4F, 0xFF, 0x51]),
            Some(ImageFormat::J2k)
        );
        assert_eq!(ImageFormat::detect(&[0xFE, 0xD8, 0xFF]), None);
        assert_eq!(ImageFormat::detect(&[]), None);
        assert_eq!(ImageFormat::Jp2.extension(), "jp2");
    }

    #[cfg(feature = "images")]
    #[test]
    fn rejects_unknown_and_empty_images() {
        assert!(matches!(
            face_to_png(&[]),
            Err(crate::LdsError::Image { .. })
        ));
        assert!(face_to_png(&[0xFF, 0xD8, 0xFF]).is_err());
        assert!(face_to_png(&[0xFF, 0x4F, 0xFF, 0x51, 0, 0]).is_err());
    }
}
