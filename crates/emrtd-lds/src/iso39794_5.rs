//! ISO/IEC 39794-5 face image data (tagged ASN.1, DER), the face format of DG2 from LDS 1.8 on,
//! as profiled by ICAO.
//!
//! Only the parts a reader needs are typed: version, the 2D image and its information block,
//! capture date, identity metadata (gender, eye and hair colour, expression, pose angles).
//! Everything else (quality, PAD data, capture device, landmarks, extensions) is kept as the
//! encoded element, so a file re-encodes to the same bytes.
//!
//! ```text
//! A1                                   (biometric data block content, as written by the ICAO profile)
//!   65 FaceImageDataBlock [APPLICATION 5]
//!     A0 versionBlock { 80 generation, 81 year }
//!     A1 representationBlocks: 30 RepresentationBlock ...
//!          80 representationId
//!          A1 imageRepresentation: A0 base: A0 imageRepresentation2DBlock
//!               80 representationData2D (the image), A1 imageInformation2DBlock, A2 captureDevice2DBlock
//!          A2 captureDateTimeBlock, A3 qualityBlocks, A4 padDataBlock, 85 sessionId, 86 derivedFrom,
//!          A7 captureDeviceBlock, A8 identityMetadataBlock, A9 landmarkBlocks
//! ```
//!
//! Enumerated values ("codes") are a CHOICE of `[0] INTEGER` or an extension block
//! `[1] { [0] INTEGER }`; [`Code`] keeps which one was used.

use crate::check::Issue;
use crate::common::{int_tlv, set_once};
use crate::imaging::ImageFormat;
use crate::LdsError;
use emrtd_tlv::{encode, encode_constructed, parse_all, parse_exact, TlvRef};

/// Largest number of representations accepted.
pub const MAX_REPRESENTATIONS: usize = 64;

/// A coded value (CHOICE of base integer or extension block).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Code {
    /// The integer value.
    pub value: u64,
    /// Encoded through the extension block (`[1] { [0] value }`) rather than as `[0] value`.
    pub extension: bool,
}

impl Code {
    /// A code encoded the base way.
    pub fn base(value: u64) -> Code {
        Code {
            value,
            extension: false,
        }
    }
}

/// Version block: generation and year of the standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct VersionBlock {
    /// Generation (3 for the 2019 edition).
    pub generation: u64,
    /// Year of the edition (e.g. 2019).
    pub year: u64,
}

/// Capture date and time; each part optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct DateTime {
    /// Year.
    pub year: Option<u64>,
    /// Month, 1–12.
    pub month: Option<u64>,
    /// Day, 1–31.
    pub day: Option<u64>,
    /// Hour, 0–23.
    pub hour: Option<u64>,
    /// Minute, 0–59.
    pub minute: Option<u64>,
    /// Second, 0–59.
    pub second: Option<u64>,
    /// Millisecond, 0–999.
    pub millisecond: Option<u64>,
}

/// Image size block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ImageSize {
    /// Width in pixels.
    pub width: u64,
    /// Height in pixels.
    pub height: u64,
}

/// Image information 2D block.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ImageInformation2D {
    /// `[0]` image data format: 0 unknown, 2 JPEG, 3 JPEG 2000 lossy, 4 JPEG 2000 lossless, ...
    pub image_data_format: Code,
    /// `[1]` face image kind: 0 MRTD, 1 general purpose.
    pub face_image_kind: Option<Code>,
    /// `[2]` post-acquisition processing block, kept encoded.
    #[serde(skip)]
    pub post_acquisition_processing: Option<Vec<u8>>,
    /// `[3]` lossy transformation attempts: 0 unknown, 1 none, 2 one, 3 more than one.
    pub lossy_transformation_attempts: Option<Code>,
    /// `[4]` camera to subject distance (mm).
    pub camera_to_subject_distance: Option<u64>,
    /// `[5]` sensor diagonal (mm).
    pub sensor_diagonal: Option<u64>,
    /// `[6]` lens focal length (mm).
    pub lens_focal_length: Option<u64>,
    /// `[7]` image size in pixels.
    pub image_size: Option<ImageSize>,
    /// `[8]` face measurements block, kept encoded.
    #[serde(skip)]
    pub face_measurements: Option<Vec<u8>>,
    /// `[9]` colour space: 0 unknown, 1 other, 2 RGB 24 bit, 3 RGB 48 bit, 4 YUV422, 5 grey 8 bit, 6 grey 16 bit.
    pub colour_space: Option<Code>,
    /// `[10]` reference colour mapping block, kept encoded.
    #[serde(skip)]
    pub reference_colour_mapping: Option<Vec<u8>>,
    /// Other (extension) elements, kept encoded.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
}

/// 2D image representation block.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ImageRepresentation2D {
    /// `[0]` the encoded image.
    #[serde(skip)]
    pub data: Vec<u8>,
    /// `[1]` image information.
    pub info: ImageInformation2D,
    /// `[2]` 2D capture device block, kept encoded.
    #[serde(skip)]
    pub capture_device_2d: Option<Vec<u8>>,
    /// Other elements, kept encoded.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
}

/// Image representation of a representation block.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum ImageRepresentation {
    /// Base choice, 2D image.
    TwoD(Box<ImageRepresentation2D>),
    /// Any other choice (3D shape, extension), kept as the encoded `[1]` element.
    Other(#[serde(skip)] Vec<u8>),
}

/// Expression block: each flag optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct Expression {
    /// Neutral expression.
    pub neutral: Option<bool>,
    /// Smiling.
    pub smile: Option<bool>,
    /// Eyebrows raised.
    pub raised_eyebrows: Option<bool>,
    /// Eyes looking away from the camera.
    pub eyes_looking_away: Option<bool>,
    /// Squinting.
    pub squinting: Option<bool>,
    /// Frowning.
    pub frowning: Option<bool>,
    /// Other elements, kept encoded.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
}

/// One pose angle in degrees with its optional uncertainty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Angle {
    /// Angle in degrees (−180..=180).
    pub value: i64,
    /// Uncertainty in degrees (0..=180).
    pub uncertainty: Option<i64>,
}

/// Pose angle block.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct PoseAngles {
    /// Rotation about the vertical axis.
    pub yaw: Option<Angle>,
    /// Rotation about the horizontal side-to-side axis.
    pub pitch: Option<Angle>,
    /// Rotation about the front-to-back axis.
    pub roll: Option<Angle>,
    /// Other elements, kept encoded.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
}

/// Identity metadata block.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct IdentityMetadata {
    /// `[0]` gender: 0 unknown, 1 other, 2 male, 3 female.
    pub gender: Option<Code>,
    /// `[1]` eye colour: 0 unknown, 1 other, 2 black, 3 blue, 4 brown, 5 grey, 6 green, 7 hazel, 8 multi-coloured, 9 pink.
    pub eye_colour: Option<Code>,
    /// `[2]` hair colour: 0 unknown, 1 other, 2 bald, 3 black, 4 blonde, 5 brown, 6 grey, 7 white, 8 red, 9 known coloured.
    pub hair_colour: Option<Code>,
    /// `[3]` subject height (mm).
    pub subject_height: Option<u64>,
    /// `[4]` properties block (glasses, moustache, ...), kept encoded.
    #[serde(skip)]
    pub properties: Option<Vec<u8>>,
    /// `[5]` expression.
    pub expression: Option<Expression>,
    /// `[6]` pose angles.
    pub pose_angles: Option<PoseAngles>,
    /// Other elements, kept encoded.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
}

/// One representation block (one face image with its metadata).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Representation {
    /// `[0]` representation id.
    pub id: u64,
    /// `[1]` the image.
    pub image: ImageRepresentation,
    /// `[2]` capture date and time.
    pub capture_date_time: Option<DateTime>,
    /// `[3]` quality blocks, kept encoded.
    #[serde(skip)]
    pub quality_blocks: Option<Vec<u8>>,
    /// `[4]` presentation-attack-detection data, kept encoded.
    #[serde(skip)]
    pub pad_data: Option<Vec<u8>>,
    /// `[5]` session id.
    pub session_id: Option<u64>,
    /// `[6]` id of the representation this one is derived from.
    pub derived_from: Option<u64>,
    /// `[7]` capture device block, kept encoded.
    #[serde(skip)]
    pub capture_device: Option<Vec<u8>>,
    /// `[8]` identity metadata.
    pub identity_metadata: Option<IdentityMetadata>,
    /// `[9]` landmark blocks, kept encoded.
    #[serde(skip)]
    pub landmarks: Option<Vec<u8>>,
    /// Other elements, kept encoded.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
}

/// Face image data block (`65`, [APPLICATION 5]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct FaceImageData {
    /// `[0]` version block.
    pub version: VersionBlock,
    /// `[1]` representations.
    pub representations: Vec<Representation>,
    /// Other elements of the data block, kept encoded.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
    /// The data block was wrapped in `A1` (as the ICAO profile and its samples write it).
    pub wrapped: bool,
}

// ---------------------------------------------------------------------------------------------
// Decoding helpers

pub(crate) struct Ctx {
    pub(crate) file: &'static str,
}

impl Ctx {
    pub(crate) fn invalid(&self, element: &'static str, reason: impl Into<String>) -> LdsError {
        LdsError::Invalid {
            file: self.file,
            element,
            reason: reason.into(),
        }
    }

    pub(crate) fn unexpected(&self, element: &'static str, tag: u32) -> LdsError {
        self.invalid(element, format!("unexpected element with tag {tag:X}"))
    }

    pub(crate) fn missing(&self, element: &'static str) -> LdsError {
        LdsError::Missing {
            file: self.file,
            element,
        }
    }

    pub(crate) fn kids<'a>(
        &self,
        tlv: &TlvRef<'a>,
        constructed_tag: u32,
        element: &'static str,
    ) -> Result<Vec<TlvRef<'a>>, LdsError> {
        if tlv.tag != constructed_tag {
            return Err(self.invalid(
                element,
                format!("has tag {:X}, expected {constructed_tag:X}", tlv.tag),
            ));
        }
        parse_all(tlv.value).map_err(LdsError::tlv(self.file))
    }

    /// Signed INTEGER content (two's complement, 1 to 8 bytes).
    pub(crate) fn int(&self, value: &[u8], element: &'static str) -> Result<i64, LdsError> {
        if value.is_empty() || value.len() > 8 {
            return Err(self.invalid(
                element,
                format!("INTEGER of {} bytes is not supported", value.len()),
            ));
        }
        let first = value[0] as i8 as i64;
        Ok(value[1..]
            .iter()
            .fold(first, |acc, b| (acc << 8) | *b as i64))
    }

    pub(crate) fn uint(&self, value: &[u8], element: &'static str) -> Result<u64, LdsError> {
        let v = self.int(value, element)?;
        u64::try_from(v).map_err(|_| self.invalid(element, "must not be negative"))
    }

    pub(crate) fn boolean(&self, value: &[u8], element: &'static str) -> Result<bool, LdsError> {
        match value {
            [b] => Ok(*b != 0),
            _ => Err(self.invalid(element, "BOOLEAN must be one byte")),
        }
    }

    /// A coded value: `[n]` constructed holding `80 int` or `A1 { 80 int }`.
    pub(crate) fn code(&self, tlv: &TlvRef<'_>, element: &'static str) -> Result<Code, LdsError> {
        let inner = parse_exact(tlv.value).map_err(LdsError::tlv(self.file))?;
        match inner.tag {
            0x80 => Ok(Code::base(self.uint(inner.value, element)?)),
            0xA1 => {
                let value = parse_exact(inner.value).map_err(LdsError::tlv(self.file))?;
                if value.tag != 0x80 {
                    return Err(self.invalid(element, "extension block does not hold [0] INTEGER"));
                }
                Ok(Code {
                    value: self.uint(value.value, element)?,
                    extension: true,
                })
            }
            t => Err(self.invalid(element, format!("unexpected choice tag {t:X}"))),
        }
    }
}

fn enc_uint(tag: u32, v: u64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
    let mut content = Vec::with_capacity(9);
    if bytes[skip] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(&bytes[skip..]);
    encode(tag, &content)
}

fn enc_code(tag: u32, c: &Code) -> Vec<u8> {
    let inner = enc_uint(0x80, c.value);
    if c.extension {
        encode(tag, &encode(0xA1, &inner))
    } else {
        encode(tag, &inner)
    }
}

fn enc_bool(tag: u32, b: bool) -> Vec<u8> {
    encode(tag, &[if b { 0xFF } else { 0x00 }])
}

fn push_raw(out: &mut Vec<Vec<u8>>, raw: &Option<Vec<u8>>) {
    if let Some(r) = raw {
        out.push(r.clone());
    }
}

// ---------------------------------------------------------------------------------------------

impl FaceImageData {
    /// Decode the value of a `7F2E` biometric data block (or the same structure without the `A1`
    /// wrapper).
    pub fn decode(bdb: &[u8], file: &'static str) -> Result<FaceImageData, LdsError> {
        let ctx = Ctx { file };
        let top = parse_exact(bdb).map_err(LdsError::tlv(file))?;
        let (block, wrapped) = match top.tag {
            0xA1 => (parse_exact(top.value).map_err(LdsError::tlv(file))?, true),
            0x65 => (top, false),
            t => {
                return Err(ctx.invalid(
                    "face image data block",
                    format!("starts with tag {t:X}, expected A1 or 65"),
                ))
            }
        };
        let kids = ctx.kids(&block, 0x65, "face image data block (65)")?;
        let mut version = None;
        let mut reps = None;
        let mut unknown = Vec::new();
        for k in kids {
            match k.tag {
                0xA0 => {
                    let mut generation = None;
                    let mut year = None;
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
                    set_once(&mut version, vb, file, "version block")?;
                }
                0xA1 => {
                    let mut list = Vec::new();
                    for r in ctx.kids(&k, 0xA1, "representation blocks")? {
                        if list.len() >= MAX_REPRESENTATIONS {
                            return Err(ctx.invalid(
                                "representation blocks",
                                format!("more than {MAX_REPRESENTATIONS}"),
                            ));
                        }
                        list.push(Representation::decode(&ctx, &r)?);
                    }
                    if list.is_empty() {
                        return Err(ctx.missing("representation block"));
                    }
                    set_once(&mut reps, list, file, "representation blocks")?;
                }
                _ => unknown.push(k.raw.to_vec()),
            }
        }
        let data = FaceImageData {
            version: version.ok_or(ctx.missing("version block (A0)"))?,
            representations: reps.ok_or(ctx.missing("representation blocks (A1)"))?,
            unknown,
            wrapped,
        };
        for rep in &data.representations {
            if let ImageRepresentation::TwoD(img) = &rep.image {
                if ImageFormat::detect(&img.data).is_none() {
                    return Err(ctx.invalid(
                        "representation data 2D",
                        "is neither JPEG nor JPEG 2000 (unknown magic bytes)",
                    ));
                }
            }
        }
        Ok(data)
    }

    /// Encode the biometric data block value.
    pub fn encode(&self) -> Vec<u8> {
        let version = encode_constructed(
            0xA0,
            &[
                enc_uint(0x80, self.version.generation),
                enc_uint(0x81, self.version.year),
            ],
        );
        let reps: Vec<Vec<u8>> = self
            .representations
            .iter()
            .map(Representation::encode)
            .collect();
        let mut items = vec![version, encode_constructed(0xA1, &reps)];
        items.extend(self.unknown.iter().cloned());
        let block = encode_constructed(0x65, &items);
        if self.wrapped {
            encode(0xA1, &block)
        } else {
            block
        }
    }

    pub(crate) fn check(&self, file: &'static str, issues: &mut Vec<Issue>) {
        for rep in &self.representations {
            rep.check(file, issues);
        }
    }
}

impl Representation {
    fn decode(ctx: &Ctx, tlv: &TlvRef<'_>) -> Result<Representation, LdsError> {
        let file = ctx.file;
        let mut id = None;
        let mut image = None;
        let mut rep = Representation {
            id: 0,
            image: ImageRepresentation::Other(Vec::new()),
            capture_date_time: None,
            quality_blocks: None,
            pad_data: None,
            session_id: None,
            derived_from: None,
            capture_device: None,
            identity_metadata: None,
            landmarks: None,
            unknown: Vec::new(),
        };
        for k in ctx.kids(tlv, 0x30, "representation block (30)")? {
            let raw = k.raw.to_vec();
            match k.tag {
                0x80 => set_once(
                    &mut id,
                    ctx.uint(k.value, "representation id")?,
                    file,
                    "representation id",
                )?,
                0xA1 => set_once(
                    &mut image,
                    ImageRepresentation::decode(ctx, &k)?,
                    file,
                    "image representation",
                )?,
                0xA2 => set_once(
                    &mut rep.capture_date_time,
                    DateTime::decode(ctx, &k)?,
                    file,
                    "capture date time",
                )?,
                0xA3 => set_once(&mut rep.quality_blocks, raw, file, "quality blocks")?,
                0xA4 => set_once(&mut rep.pad_data, raw, file, "PAD data")?,
                0x85 => set_once(
                    &mut rep.session_id,
                    ctx.uint(k.value, "session id")?,
                    file,
                    "session id",
                )?,
                0x86 => set_once(
                    &mut rep.derived_from,
                    ctx.uint(k.value, "derived from")?,
                    file,
                    "derived from",
                )?,
                0xA7 => set_once(&mut rep.capture_device, raw, file, "capture device block")?,
                0xA8 => set_once(
                    &mut rep.identity_metadata,
                    IdentityMetadata::decode(ctx, &k)?,
                    file,
                    "identity metadata block",
                )?,
                0xA9 => set_once(&mut rep.landmarks, raw, file, "landmark blocks")?,
                _ => rep.unknown.push(raw),
            }
        }
        rep.id = id.ok_or(ctx.missing("representation id ([0])"))?;
        rep.image = image.ok_or(ctx.missing("image representation ([1])"))?;
        Ok(rep)
    }

    fn encode(&self) -> Vec<u8> {
        let mut items = vec![enc_uint(0x80, self.id), self.image.encode()];
        if let Some(dt) = &self.capture_date_time {
            items.push(dt.encode());
        }
        push_raw(&mut items, &self.quality_blocks);
        push_raw(&mut items, &self.pad_data);
        if let Some(v) = self.session_id {
            items.push(enc_uint(0x85, v));
        }
        if let Some(v) = self.derived_from {
            items.push(enc_uint(0x86, v));
        }
        push_raw(&mut items, &self.capture_device);
        if let Some(m) = &self.identity_metadata {
            items.push(m.encode());
        }
        push_raw(&mut items, &self.landmarks);
        items.extend(self.unknown.iter().cloned());
        encode_constructed(0x30, &items)
    }

    /// The 2D image block, if the representation is a 2D image.
    pub fn image_2d(&self) -> Option<&ImageRepresentation2D> {
        match &self.image {
            ImageRepresentation::TwoD(i) => Some(i),
            ImageRepresentation::Other(_) => None,
        }
    }

    fn check(&self, file: &'static str, issues: &mut Vec<Issue>) {
        let mut code = |element: &'static str, c: Option<&Code>, max: u64| {
            if let Some(c) = c {
                if c.value > max {
                    issues.push(Issue::new(
                        file,
                        element,
                        format!("value {} is not defined by ISO/IEC 39794-5", c.value),
                    ));
                }
            }
        };
        if let Some(img) = self.image_2d() {
            code("image data format", Some(&img.info.image_data_format), 7);
            code("face image kind", img.info.face_image_kind.as_ref(), 1);
            code("colour space", img.info.colour_space.as_ref(), 6);
            code(
                "lossy transformation attempts",
                img.info.lossy_transformation_attempts.as_ref(),
                3,
            );
        }
        if let Some(m) = &self.identity_metadata {
            code("gender", m.gender.as_ref(), 3);
            code("eye colour", m.eye_colour.as_ref(), 9);
            code("hair colour", m.hair_colour.as_ref(), 9);
            if let Some(p) = &m.pose_angles {
                for (element, a) in [
                    ("pose angle (yaw)", p.yaw),
                    ("pose angle (pitch)", p.pitch),
                    ("pose angle (roll)", p.roll),
                ] {
                    if let Some(a) = a {
                        if !(-180..=180).contains(&a.value) {
                            issues.push(Issue::new(
                                file,
                                element,
                                format!("{} degrees is outside -180..180", a.value),
                            ));
                        }
                        if let Some(u) = a.uncertainty {
                            if !(0..=180).contains(&u) {
                                issues.push(Issue::new(
                                    file,
                                    element,
                                    format!("uncertainty {u} is outside 0..180"),
                                ));
                            }
                        }
                    }
                }
            }
        }
        if let Some(img) = self.image_2d() {
            let declared = match img.info.image_data_format.value {
                2 => Some(false),
                3 | 4 => Some(true),
                _ => None,
            };
            if let (Some(jp2), Some(actual)) = (declared, ImageFormat::detect(&img.data)) {
                if jp2 != actual.is_jpeg2000() {
                    issues.push(Issue::new(
                        file,
                        "image data format",
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
}

impl ImageRepresentation {
    fn decode(ctx: &Ctx, tlv: &TlvRef<'_>) -> Result<ImageRepresentation, LdsError> {
        let choice = parse_exact(tlv.value).map_err(LdsError::tlv(ctx.file))?;
        if choice.tag != 0xA0 {
            return Ok(ImageRepresentation::Other(tlv.raw.to_vec()));
        }
        let base = parse_exact(choice.value).map_err(LdsError::tlv(ctx.file))?;
        if base.tag != 0xA0 {
            return Ok(ImageRepresentation::Other(tlv.raw.to_vec()));
        }
        let mut data = None;
        let mut info = None;
        let mut capture_device_2d = None;
        let mut unknown = Vec::new();
        let file = ctx.file;
        for k in ctx.kids(&base, 0xA0, "image representation 2D block")? {
            match k.tag {
                0x80 => set_once(&mut data, k.value.to_vec(), file, "representation data 2D")?,
                0xA1 => set_once(
                    &mut info,
                    ImageInformation2D::decode(ctx, &k)?,
                    file,
                    "image information 2D block",
                )?,
                0xA2 => set_once(
                    &mut capture_device_2d,
                    k.raw.to_vec(),
                    file,
                    "capture device 2D block",
                )?,
                _ => unknown.push(k.raw.to_vec()),
            }
        }
        Ok(ImageRepresentation::TwoD(Box::new(ImageRepresentation2D {
            data: data.ok_or(ctx.missing("representation data 2D (the image)"))?,
            info: info.ok_or(ctx.missing("image information 2D block"))?,
            capture_device_2d,
            unknown,
        })))
    }

    fn encode(&self) -> Vec<u8> {
        match self {
            ImageRepresentation::Other(raw) => raw.clone(),
            ImageRepresentation::TwoD(img) => {
                let mut items = vec![encode(0x80, &img.data), img.info.encode()];
                push_raw(&mut items, &img.capture_device_2d);
                items.extend(img.unknown.iter().cloned());
                let two_d = encode_constructed(0xA0, &items);
                encode(0xA1, &encode(0xA0, &two_d))
            }
        }
    }
}

impl ImageInformation2D {
    /// Image information with only the image data format.
    pub fn new(image_data_format: Code) -> ImageInformation2D {
        ImageInformation2D {
            image_data_format,
            face_image_kind: None,
            post_acquisition_processing: None,
            lossy_transformation_attempts: None,
            camera_to_subject_distance: None,
            sensor_diagonal: None,
            lens_focal_length: None,
            image_size: None,
            face_measurements: None,
            colour_space: None,
            reference_colour_mapping: None,
            unknown: Vec::new(),
        }
    }

    fn decode(ctx: &Ctx, tlv: &TlvRef<'_>) -> Result<ImageInformation2D, LdsError> {
        let file = ctx.file;
        let mut format = None;
        let mut info = ImageInformation2D::new(Code::base(0));
        for k in ctx.kids(tlv, 0xA1, "image information 2D block")? {
            let raw = k.raw.to_vec();
            match k.tag {
                0xA0 => set_once(
                    &mut format,
                    ctx.code(&k, "image data format")?,
                    file,
                    "image data format",
                )?,
                0xA1 => set_once(
                    &mut info.face_image_kind,
                    ctx.code(&k, "face image kind")?,
                    file,
                    "face image kind",
                )?,
                0xA2 => set_once(
                    &mut info.post_acquisition_processing,
                    raw,
                    file,
                    "post-acquisition processing",
                )?,
                0xA3 => set_once(
                    &mut info.lossy_transformation_attempts,
                    ctx.code(&k, "lossy transformation attempts")?,
                    file,
                    "lossy transformation attempts",
                )?,
                0x84 => set_once(
                    &mut info.camera_to_subject_distance,
                    ctx.uint(k.value, "camera to subject distance")?,
                    file,
                    "camera to subject distance",
                )?,
                0x85 => set_once(
                    &mut info.sensor_diagonal,
                    ctx.uint(k.value, "sensor diagonal")?,
                    file,
                    "sensor diagonal",
                )?,
                0x86 => set_once(
                    &mut info.lens_focal_length,
                    ctx.uint(k.value, "lens focal length")?,
                    file,
                    "lens focal length",
                )?,
                0xA7 => {
                    let mut w = None;
                    let mut h = None;
                    for s in ctx.kids(&k, 0xA7, "image size block")? {
                        match s.tag {
                            0x80 => w = Some(ctx.uint(s.value, "image width")?),
                            0x81 => h = Some(ctx.uint(s.value, "image height")?),
                            t => return Err(ctx.unexpected("image size block", t)),
                        }
                    }
                    let size = ImageSize {
                        width: w.ok_or(ctx.missing("image width"))?,
                        height: h.ok_or(ctx.missing("image height"))?,
                    };
                    set_once(&mut info.image_size, size, file, "image size block")?;
                }
                0xA8 => set_once(
                    &mut info.face_measurements,
                    raw,
                    file,
                    "face measurements block",
                )?,
                0xA9 => set_once(
                    &mut info.colour_space,
                    ctx.code(&k, "colour space")?,
                    file,
                    "colour space",
                )?,
                0xAA => set_once(
                    &mut info.reference_colour_mapping,
                    raw,
                    file,
                    "reference colour mapping",
                )?,
                _ => info.unknown.push(raw),
            }
        }
        info.image_data_format = format.ok_or(ctx.missing("image data format ([0])"))?;
        Ok(info)
    }

    fn encode(&self) -> Vec<u8> {
        let mut items = vec![enc_code(0xA0, &self.image_data_format)];
        if let Some(c) = &self.face_image_kind {
            items.push(enc_code(0xA1, c));
        }
        push_raw(&mut items, &self.post_acquisition_processing);
        if let Some(c) = &self.lossy_transformation_attempts {
            items.push(enc_code(0xA3, c));
        }
        for (tag, v) in [
            (0x84, self.camera_to_subject_distance),
            (0x85, self.sensor_diagonal),
            (0x86, self.lens_focal_length),
        ] {
            if let Some(v) = v {
                items.push(enc_uint(tag, v));
            }
        }
        if let Some(s) = &self.image_size {
            items.push(encode_constructed(
                0xA7,
                &[enc_uint(0x80, s.width), enc_uint(0x81, s.height)],
            ));
        }
        push_raw(&mut items, &self.face_measurements);
        if let Some(c) = &self.colour_space {
            items.push(enc_code(0xA9, c));
        }
        push_raw(&mut items, &self.reference_colour_mapping);
        items.extend(self.unknown.iter().cloned());
        encode_constructed(0xA1, &items)
    }
}

impl DateTime {
    fn decode(ctx: &Ctx, tlv: &TlvRef<'_>) -> Result<DateTime, LdsError> {
        let mut dt = DateTime::default();
        for k in ctx.kids(tlv, 0xA2, "capture date time block")? {
            let slot = match k.tag {
                0x80 => &mut dt.year,
                0x81 => &mut dt.month,
                0x82 => &mut dt.day,
                0x83 => &mut dt.hour,
                0x84 => &mut dt.minute,
                0x85 => &mut dt.second,
                0x86 => &mut dt.millisecond,
                t => return Err(ctx.unexpected("capture date time block", t)),
            };
            set_once(
                slot,
                ctx.uint(k.value, "capture date time")?,
                ctx.file,
                "capture date time",
            )?;
        }
        Ok(dt)
    }

    fn encode(&self) -> Vec<u8> {
        let parts = [
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.millisecond,
        ];
        let items: Vec<Vec<u8>> = parts
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| enc_uint(0x80 + i as u32, v)))
            .collect();
        encode_constructed(0xA2, &items)
    }
}

impl IdentityMetadata {
    fn decode(ctx: &Ctx, tlv: &TlvRef<'_>) -> Result<IdentityMetadata, LdsError> {
        let file = ctx.file;
        let mut m = IdentityMetadata::default();
        for k in ctx.kids(tlv, 0xA8, "identity metadata block")? {
            let raw = k.raw.to_vec();
            match k.tag {
                0xA0 => set_once(&mut m.gender, ctx.code(&k, "gender")?, file, "gender")?,
                0xA1 => set_once(
                    &mut m.eye_colour,
                    ctx.code(&k, "eye colour")?,
                    file,
                    "eye colour",
                )?,
                0xA2 => set_once(
                    &mut m.hair_colour,
                    ctx.code(&k, "hair colour")?,
                    file,
                    "hair colour",
                )?,
                0x83 => set_once(
                    &mut m.subject_height,
                    ctx.uint(k.value, "subject height")?,
                    file,
                    "subject height",
                )?,
                0xA4 => set_once(&mut m.properties, raw, file, "properties block")?,
                0xA5 => {
                    let mut e = Expression::default();
                    for f in ctx.kids(&k, 0xA5, "expression block")? {
                        let slot = match f.tag {
                            0x80 => &mut e.neutral,
                            0x81 => &mut e.smile,
                            0x82 => &mut e.raised_eyebrows,
                            0x83 => &mut e.eyes_looking_away,
                            0x84 => &mut e.squinting,
                            0x85 => &mut e.frowning,
                            _ => {
                                e.unknown.push(f.raw.to_vec());
                                continue;
                            }
                        };
                        set_once(
                            slot,
                            ctx.boolean(f.value, "expression")?,
                            file,
                            "expression",
                        )?;
                    }
                    set_once(&mut m.expression, e, file, "expression block")?;
                }
                0xA6 => {
                    let mut p = PoseAngles::default();
                    for a in ctx.kids(&k, 0xA6, "pose angle block")? {
                        let slot = match a.tag {
                            0xA0 => &mut p.yaw,
                            0xA1 => &mut p.pitch,
                            0xA2 => &mut p.roll,
                            _ => {
                                p.unknown.push(a.raw.to_vec());
                                continue;
                            }
                        };
                        let mut value = None;
                        let mut uncertainty = None;
                        for f in parse_all(a.value).map_err(LdsError::tlv(file))? {
                            match f.tag {
                                0x80 => value = Some(ctx.int(f.value, "pose angle")?),
                                0x81 => {
                                    uncertainty = Some(ctx.int(f.value, "pose angle uncertainty")?)
                                }
                                t => return Err(ctx.unexpected("angle data block", t)),
                            }
                        }
                        let angle = Angle {
                            value: value.ok_or(ctx.missing("pose angle value"))?,
                            uncertainty,
                        };
                        set_once(slot, angle, file, "pose angle")?;
                    }
                    set_once(&mut m.pose_angles, p, file, "pose angle block")?;
                }
                _ => m.unknown.push(raw),
            }
        }
        Ok(m)
    }

    fn encode(&self) -> Vec<u8> {
        let mut items = Vec::new();
        for (tag, c) in [
            (0xA0, &self.gender),
            (0xA1, &self.eye_colour),
            (0xA2, &self.hair_colour),
        ] {
            if let Some(c) = c {
                items.push(enc_code(tag, c));
            }
        }
        if let Some(h) = self.subject_height {
            items.push(enc_uint(0x83, h));
        }
        push_raw(&mut items, &self.properties);
        if let Some(e) = &self.expression {
            let flags = [
                e.neutral,
                e.smile,
                e.raised_eyebrows,
                e.eyes_looking_away,
                e.squinting,
                e.frowning,
            ];
            let mut f: Vec<Vec<u8>> = flags
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| enc_bool(0x80 + i as u32, v)))
                .collect();
            f.extend(e.unknown.iter().cloned());
            items.push(encode_constructed(0xA5, &f));
        }
        if let Some(p) = &self.pose_angles {
            let mut a: Vec<Vec<u8>> = [p.yaw, p.pitch, p.roll]
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    v.map(|v| {
                        let mut parts = vec![int_tlv(0x80, v.value)];
                        if let Some(u) = v.uncertainty {
                            parts.push(int_tlv(0x81, u));
                        }
                        encode_constructed(0xA0 + i as u32, &parts)
                    })
                })
                .collect();
            a.extend(p.unknown.iter().cloned());
            items.push(encode_constructed(0xA6, &a));
        }
        items.extend(self.unknown.iter().cloned());
        encode_constructed(0xA8, &items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_encode_minimally() {
        assert_eq!(enc_uint(0x80, 0), vec![0x80, 1, 0]);
        assert_eq!(enc_uint(0x80, 0x7F), vec![0x80, 1, 0x7F]);
        assert_eq!(enc_uint(0x80, 0x80), vec![0x80, 2, 0, 0x80]);
        assert_eq!(enc_uint(0x81, 2019), vec![0x81, 2, 0x07, 0xE3]);
        assert_eq!(int_tlv(0x80, -1), vec![0x80, 1, 0xFF]);
        assert_eq!(int_tlv(0x80, -180), vec![0x80, 2, 0xFF, 0x4C]);
        assert_eq!(int_tlv(0x80, 180), vec![0x80, 2, 0x00, 0xB4]);
        let ctx = Ctx { file: "T" };
        for v in [-180i64, -129, -128, -1, 0, 1, 127, 128, 180, 65535] {
            let e = int_tlv(0x80, v);
            assert_eq!(ctx.int(&e[2..], "x").unwrap(), v);
        }
        assert!(ctx.int(&[], "x").is_err());
        assert!(ctx.uint(&[0xFF], "x").is_err());
    }
}
