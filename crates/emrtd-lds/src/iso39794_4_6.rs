//! ISO/IEC 39794-4 finger image data and ISO/IEC 39794-6 iris image data (tagged ASN.1, DER),
//! the extensible formats that replace ISO/IEC 19794-4/-6 in DG3 and DG4: a biometric data
//! block with tag `7F2E` (constructed) instead of `5F2E`.
//!
//! Only what a reader needs is typed: the version, and per representation the image, its
//! declared format and what it shows (finger position and impression; eye, image kind and bit
//! depth). Every other element (capture date and device, quality, segmentation, PAD data,
//! comments, vendor data, extensions) is kept as its encoded bytes.
//!
//! ```text
//! A1                                  (data block content, as in DG2's 39794-5 profile)
//!   64 FingerImageDataBlock [APPLICATION 4]  |  66 IrisImageDataBlock [APPLICATION 6]
//!     A0 versionBlock { 80 generation, 81 year }
//!     A1 representationBlocks: 30 RepresentationBlock ...
//! finger RepresentationBlock:               iris RepresentationBlock:
//!   A0 position (code)                        80 eyeLabelCode
//!   A1 impression (code)                      A1 irisImageKind (code)
//!   A2 imageDataFormat (code)                 82 bitDepth
//!   83 imageData                              A3 imageDataFormat (code)
//!   [4]… optional blocks, kept raw            84/85/86 orientation, compression history
//!                                             A7 range, A8 capture date, 89 irisImageData
//!                                             [10]… optional blocks, kept raw
//! ```
//!
//! A code is a CHOICE of `[0] INTEGER` or an extension block `[1] { [0] INTEGER }` (as in
//! 39794-5, [`Code`]). Counts and sizes are capped: at most [`MAX_REPRESENTATIONS`]
//! representations; every length is checked against the bytes present by the TLV parser.

use crate::iso19794_4::{BiometricImageFormat, StoredImage};
use crate::iso39794_5::{Code, Ctx, VersionBlock};
use crate::LdsError;
use emrtd_tlv::{parse_exact, TlvRef};

/// Largest number of representations accepted in one data block.
pub const MAX_REPRESENTATIONS: usize = 64;

/// `[APPLICATION 4]`, constructed: FingerImageDataBlock.
const FINGER_BLOCK: u32 = 0x64;
/// `[APPLICATION 6]`, constructed: IrisImageDataBlock.
const IRIS_BLOCK: u32 = 0x66;

/// One finger image representation (ISO/IEC 39794-4 RepresentationBlock).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct FingerRepresentation {
    /// Finger position code (0 unknown, 1 right thumb … 10 left little finger, …).
    pub position: Code,
    /// Impression code (0 plain contact, 1 rolled contact, …).
    pub impression: Code,
    /// Image data format code: 0 PGM, 1 WSQ, 2 JPEG 2000 lossy, 3 JPEG 2000 lossless, 4 PNG.
    pub image_format: Code,
    /// The image as stored.
    #[serde(skip)]
    pub image: Vec<u8>,
    /// The optional elements (`[4]` on), encoded, in order.
    #[serde(skip)]
    pub other: Vec<Vec<u8>>,
}

impl FingerRepresentation {
    /// The format the representation declares, when it is one this crate names.
    pub fn declared_format(&self) -> Option<BiometricImageFormat> {
        match self.image_format.value {
            0 => Some(BiometricImageFormat::Raw),
            1 => Some(BiometricImageFormat::Wsq),
            2 | 3 => Some(BiometricImageFormat::Jpeg2000),
            4 => Some(BiometricImageFormat::Png),
            _ => None,
        }
    }
}

/// Which eye (ISO/IEC 39794-6 EyeLabelCode).
// Not #[non_exhaustive]: ISO/IEC 39794-6 defines these labels (`Other` keeps any other code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum EyeLabel {
    /// 0.
    Unknown,
    /// 1.
    Right,
    /// 2.
    Left,
    /// Any other value.
    Other(u64),
}

/// One iris image representation (ISO/IEC 39794-6 RepresentationBlock).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct IrisRepresentation {
    /// The eye.
    pub eye: EyeLabel,
    /// Iris image kind code (1 uncropped, 2 VGA, 3 cropped, 7 cropped and masked).
    pub image_kind: Code,
    /// Bits per pixel (8 to 24).
    pub bit_depth: u64,
    /// Image data format code: 0 PGM, 1 PPM, 2 PNG, 3 JPEG 2000 lossless, 4 JPEG 2000 lossy.
    pub image_format: Code,
    /// The image as stored.
    #[serde(skip)]
    pub image: Vec<u8>,
    /// Every other element (orientation, compression history, range, capture date, optional
    /// blocks), encoded, in order.
    #[serde(skip)]
    pub other: Vec<Vec<u8>>,
}

impl IrisRepresentation {
    /// The format the representation declares, when it is one this crate names.
    pub fn declared_format(&self) -> Option<BiometricImageFormat> {
        match self.image_format.value {
            0 | 1 => Some(BiometricImageFormat::Raw),
            2 => Some(BiometricImageFormat::Png),
            3 | 4 => Some(BiometricImageFormat::Jpeg2000),
            _ => None,
        }
    }
}

/// ISO/IEC 39794-4 finger image data (one DG3 biometric data block).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct FingerImageData {
    /// Generation and year of the standard.
    pub version: VersionBlock,
    /// The representations, in order.
    pub representations: Vec<FingerRepresentation>,
}

/// ISO/IEC 39794-6 iris image data (one DG4 biometric data block).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct IrisImageData {
    /// Generation and year of the standard.
    pub version: VersionBlock,
    /// The representations, in order.
    pub representations: Vec<IrisRepresentation>,
}

/// The version block and the representation blocks of a data block with `tag`, from the
/// content of a `7F2E` biometric data block (`A1 { tag … }`, or `tag …` itself).
fn blocks<'a>(
    ctx: &Ctx,
    bdb: &'a [u8],
    tag: u32,
    what: &'static str,
) -> Result<(VersionBlock, Vec<TlvRef<'a>>), LdsError> {
    let top = parse_exact(bdb).map_err(LdsError::tlv(ctx.file))?;
    let block = match top.tag {
        0xA1 => parse_exact(top.value).map_err(LdsError::tlv(ctx.file))?,
        t if t == tag => top,
        t => {
            return Err(ctx.invalid(
                what,
                format!("starts with tag {t:X}, expected A1 or {tag:X}"),
            ))
        }
    };
    let mut version = None;
    let mut reps = None;
    for k in ctx.kids(&block, tag, what)? {
        match k.tag {
            0xA0 => {
                let (mut generation, mut year) = (None, None);
                for v in ctx.kids(&k, 0xA0, "version block")? {
                    match v.tag {
                        0x80 => generation = Some(ctx.uint(v.value, "version generation")?),
                        0x81 => year = Some(ctx.uint(v.value, "version year")?),
                        t => return Err(ctx.unexpected("version block", t)),
                    }
                }
                let vb = VersionBlock {
                    generation: generation.ok_or(ctx.missing("version generation"))?,
                    year: year.ok_or(ctx.missing("version year"))?,
                };
                crate::common::set_once(&mut version, vb, ctx.file, "version block")?;
            }
            0xA1 => {
                let list = ctx.kids(&k, 0xA1, "representation blocks")?;
                if list.len() > MAX_REPRESENTATIONS {
                    return Err(ctx.invalid(
                        "representation blocks",
                        format!("{} of them, more than {MAX_REPRESENTATIONS}", list.len()),
                    ));
                }
                if list.is_empty() {
                    return Err(ctx.invalid("representation blocks", "none"));
                }
                crate::common::set_once(&mut reps, list, ctx.file, "representation blocks")?;
            }
            // Extension block of the data block ([2] …): not interpreted.
            _ => {}
        }
    }
    Ok((
        version.ok_or(ctx.missing("version block"))?,
        reps.ok_or(ctx.missing("representation blocks"))?,
    ))
}

/// The elements of one RepresentationBlock (`30 { … }`), by context tag number.
fn elements<'a>(ctx: &Ctx, rep: &TlvRef<'a>) -> Result<Vec<(u32, TlvRef<'a>)>, LdsError> {
    let items = ctx.kids(rep, 0x30, "representation block")?;
    let mut out: Vec<(u32, TlvRef<'a>)> = Vec::with_capacity(items.len());
    for item in items {
        // Context-specific class only; single-byte tags 80–9E / A0–BE.
        if item.tag & 0xC0 != 0x80 || item.tag > 0xFF {
            return Err(ctx.unexpected("representation block", item.tag));
        }
        let n = item.tag & 0x1F;
        if out.iter().any(|(m, _)| *m == n) {
            return Err(ctx.invalid("representation block", format!("element [{n}] repeated")));
        }
        out.push((n, item));
    }
    Ok(out)
}

fn take<'a>(els: &[(u32, TlvRef<'a>)], n: u32) -> Option<TlvRef<'a>> {
    els.iter().find(|(m, _)| *m == n).map(|(_, t)| *t)
}

/// The encoded bytes of a TLV as received (tag, length, value).
fn raw(t: &TlvRef<'_>) -> Vec<u8> {
    t.raw.to_vec()
}

impl FingerImageData {
    /// Decode the content of a DG3 `7F2E` biometric data block.
    pub fn decode(bdb: &[u8], file: &'static str) -> Result<FingerImageData, LdsError> {
        let ctx = Ctx { file };
        let (version, reps) = blocks(&ctx, bdb, FINGER_BLOCK, "finger image data block (64)")?;
        let mut representations = Vec::with_capacity(reps.len());
        for rep in &reps {
            let els = elements(&ctx, rep)?;
            let code = |n: u32, what: &'static str| -> Result<Code, LdsError> {
                let t = take(&els, n).ok_or(ctx.missing(what))?;
                if t.tag != 0xA0 | n {
                    return Err(ctx.invalid(what, format!("has tag {:X}", t.tag)));
                }
                ctx.code(&t, what)
            };
            let image = take(&els, 3).ok_or(ctx.missing("finger imageData [3]"))?;
            if image.tag != 0x83 {
                return Err(ctx.invalid("finger imageData [3]", "must be a primitive OCTET STRING"));
            }
            representations.push(FingerRepresentation {
                position: code(0, "finger position [0]")?,
                impression: code(1, "finger impression [1]")?,
                image_format: code(2, "finger imageDataFormat [2]")?,
                image: image.value.to_vec(),
                other: els
                    .iter()
                    .filter(|(n, _)| *n > 3)
                    .map(|(_, t)| raw(t))
                    .collect(),
            });
        }
        Ok(FingerImageData {
            version,
            representations,
        })
    }
}

impl IrisImageData {
    /// Decode the content of a DG4 `7F2E` biometric data block.
    pub fn decode(bdb: &[u8], file: &'static str) -> Result<IrisImageData, LdsError> {
        let ctx = Ctx { file };
        let (version, reps) = blocks(&ctx, bdb, IRIS_BLOCK, "iris image data block (66)")?;
        let mut representations = Vec::with_capacity(reps.len());
        for rep in &reps {
            let els = elements(&ctx, rep)?;
            let prim = |n: u32, what: &'static str| -> Result<TlvRef<'_>, LdsError> {
                let t = take(&els, n).ok_or(ctx.missing(what))?;
                if t.tag != 0x80 | n {
                    return Err(ctx.invalid(what, format!("has tag {:X}", t.tag)));
                }
                Ok(t)
            };
            let code = |n: u32, what: &'static str| -> Result<Code, LdsError> {
                let t = take(&els, n).ok_or(ctx.missing(what))?;
                if t.tag != 0xA0 | n {
                    return Err(ctx.invalid(what, format!("has tag {:X}", t.tag)));
                }
                ctx.code(&t, what)
            };
            let eye = match ctx.uint(prim(0, "eyeLabelCode [0]")?.value, "eyeLabelCode [0]")? {
                0 => EyeLabel::Unknown,
                1 => EyeLabel::Right,
                2 => EyeLabel::Left,
                n => EyeLabel::Other(n),
            };
            let bit_depth = ctx.uint(prim(2, "bitDepth [2]")?.value, "bitDepth [2]")?;
            if !(8..=24).contains(&bit_depth) {
                return Err(ctx.invalid("bitDepth [2]", format!("{bit_depth}, not 8 to 24")));
            }
            representations.push(IrisRepresentation {
                eye,
                image_kind: code(1, "irisImageKind [1]")?,
                bit_depth,
                image_format: code(3, "iris imageDataFormat [3]")?,
                image: prim(9, "irisImageData [9]")?.value.to_vec(),
                other: els
                    .iter()
                    .filter(|(n, _)| !matches!(n, 0..=3 | 9))
                    .map(|(_, t)| raw(t))
                    .collect(),
            });
        }
        Ok(IrisImageData {
            version,
            representations,
        })
    }
}

/// Every finger image of a 39794-4 data block as stored, named for export
/// (`finger-{template}-pos-{position}-rep-{n}`).
pub(crate) fn finger_images(template: usize, data: &FingerImageData) -> Vec<StoredImage> {
    data.representations
        .iter()
        .enumerate()
        .map(|(j, r)| {
            StoredImage::new(
                format!("finger-{template}-pos-{}-rep-{}", r.position.value, j + 1),
                r.declared_format(),
                r.image.clone(),
            )
        })
        .collect()
}

/// Every iris image of a 39794-6 data block as stored, named for export
/// (`iris-{template}-{eye}-{n}`).
pub(crate) fn iris_images(template: usize, data: &IrisImageData) -> Vec<StoredImage> {
    data.representations
        .iter()
        .enumerate()
        .map(|(j, r)| {
            let eye = match r.eye {
                EyeLabel::Right => "right".to_string(),
                EyeLabel::Left => "left".to_string(),
                EyeLabel::Unknown => "eye".to_string(),
                EyeLabel::Other(n) => format!("eye{n}"),
            };
            StoredImage::new(
                format!("iris-{template}-{eye}-{}", j + 1),
                r.declared_format(),
                r.image.clone(),
            )
        })
        .collect()
}
