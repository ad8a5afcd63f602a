//! Image formats found in the LDS (face, portrait, signature, document images) and conversion of
//! face images to PNG.
//!
//! [`ImageFormat::detect`] looks at magic bytes only and is always available. [`face_to_png`]
//! decodes JPEG (with `image`/`zune-jpeg`) and JPEG 2000 (with the pure-Rust `hayro-jpeg2000`)
//! and writes PNG; it needs the cargo feature `image` (on by default).

/// Image encodings that appear in eMRTD data groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
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

/// Largest width or height [`face_to_png`] accepts. A passport face is well under 1000 pixels a
/// side; the cap bounds memory on hostile input.
pub const MAX_IMAGE_DIMENSION: u32 = 10_000;

/// Largest number of pixels (width × height) [`face_to_png`] accepts (about 200 MB as RGBA).
pub const MAX_IMAGE_PIXELS: u64 = 50_000_000;

#[cfg(feature = "image")]
pub use convert::face_to_png;

#[cfg(feature = "image")]
mod convert {
    use super::{ImageFormat, MAX_IMAGE_DIMENSION, MAX_IMAGE_PIXELS};
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
    /// The format is recognised from magic bytes, the declared size is checked against
    /// [`MAX_IMAGE_DIMENSION`] / [`MAX_IMAGE_PIXELS`] before any pixel is decoded, and a panic
    /// inside a decoder is turned into an error.
    pub fn face_to_png(image: &[u8]) -> Result<Vec<u8>, LdsError> {
        let format = ImageFormat::detect(image)
            .ok_or_else(|| err("the data is neither JPEG nor JPEG 2000 (unknown magic bytes)"))?;
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
        limits.max_alloc = Some(MAX_IMAGE_PIXELS * 4);
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

    #[cfg(feature = "image")]
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
