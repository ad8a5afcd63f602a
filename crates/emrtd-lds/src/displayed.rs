//! DG5 (displayed portrait, `5F40`) and DG7 (displayed signature or usual mark, `5F43`),
//! ICAO 9303-10 §4.7.5 and §4.7.7: a count (`02`) and the images as JPEG or JPEG 2000.

use crate::check::Issue;
use crate::common::{children, count, outer, set_once};
use crate::imaging::ImageFormat;
use crate::LdsError;
use emrtd_tlv::{encode, encode_constructed};

/// Largest number of images accepted in DG5 or DG7.
pub const MAX_IMAGES: usize = 64;

/// The images and the other elements of a DG5/DG7.
type ImagesAndUnknown = (Vec<Vec<u8>>, Vec<Vec<u8>>);

fn decode_images(
    bytes: &[u8],
    dg_tag: u32,
    image_tag: u32,
    file: &'static str,
    element: &'static str,
) -> Result<ImagesAndUnknown, LdsError> {
    let outer = outer(bytes, dg_tag, file)?;
    let mut declared = None;
    let mut images = Vec::new();
    let mut unknown = Vec::new();
    for c in children(&outer, file)? {
        if c.tag == 0x02 {
            set_once(
                &mut declared,
                count(c.value, file, "number of images (02)")?,
                file,
                "number of images (02)",
            )?;
        } else if c.tag == image_tag {
            if images.len() >= MAX_IMAGES {
                return Err(LdsError::Invalid {
                    file,
                    element,
                    reason: format!("more than {MAX_IMAGES} images"),
                });
            }
            if ImageFormat::detect(c.value).is_none() {
                return Err(LdsError::Invalid {
                    file,
                    element,
                    reason: "is neither JPEG nor JPEG 2000 (unknown magic bytes)".into(),
                });
            }
            images.push(c.value.to_vec());
        } else {
            unknown.push(c.raw.to_vec());
        }
    }
    let declared = declared.ok_or(LdsError::Missing {
        file,
        element: "number of images (02)",
    })?;
    if declared == 0 || declared != images.len() {
        return Err(LdsError::Invalid {
            file,
            element: "number of images (02)",
            reason: format!("says {declared}, but {} image(s) are present", images.len()),
        });
    }
    Ok((images, unknown))
}

macro_rules! displayed_dg {
    ($(#[$doc:meta])* $name:ident, $dg_tag:expr, $image_tag:expr, $file:expr, $element:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
        pub struct $name {
            /// The images (JPEG or JPEG 2000), exactly as stored.
            #[serde(skip)]
            pub images: Vec<Vec<u8>>,
            /// Other elements, kept raw.
            #[serde(skip)]
            pub unknown: Vec<Vec<u8>>,
            /// The file exactly as decoded (empty when built in code).
            #[serde(skip)]
            pub raw: Vec<u8>,
        }

        impl $name {
            /// The data group holding `images`.
            pub fn new(images: Vec<Vec<u8>>) -> $name {
                $name { images, unknown: Vec::new(), raw: Vec::new() }
            }

            /// Decode the data group; every image must be JPEG or JPEG 2000 and the count must match.
            pub fn decode(bytes: &[u8]) -> Result<$name, LdsError> {
                let (images, unknown) = decode_images(bytes, $dg_tag, $image_tag, $file, $element)?;
                Ok($name { images, unknown, raw: bytes.to_vec() })
            }

            /// Encode the data group.
            pub fn encode(&self) -> Vec<u8> {
                let mut items = vec![encode(0x02, &[self.images.len().min(255) as u8])];
                items.extend(self.images.iter().map(|i| encode($image_tag, i)));
                items.extend(self.unknown.iter().cloned());
                encode_constructed($dg_tag, &items)
            }

            /// The format of each image, from its magic bytes.
            pub fn formats(&self) -> Vec<Option<ImageFormat>> {
                self.images.iter().map(|i| ImageFormat::detect(i)).collect()
            }

            /// Findings (none are defined beyond what decoding enforces).
            pub fn check(&self) -> Vec<Issue> {
                Vec::new()
            }
        }
    };
}

displayed_dg!(
    /// Decoded DG5: displayed portrait(s).
    Dg5,
    0x65,
    0x5F40,
    "DG5",
    "displayed portrait (5F40)"
);

displayed_dg!(
    /// Decoded DG7: displayed signature(s) or usual mark(s).
    Dg7,
    0x67,
    0x5F43,
    "DG7",
    "displayed signature or usual mark (5F43)"
);
