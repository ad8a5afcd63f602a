//! CBEFF biometric templates of DG2, DG3 and DG4 (ICAO 9303-10 §4.7.2–4.7.4, ISO/IEC 7816-11):
//!
//! ```text
//! 7F61 biometric information group template
//!   02   number of instances
//!   7F60 biometric information template (one per instance)
//!     A1   biometric header template: 80 version, 81 type, 82 subtype, 83 creation date,
//!          85 validity period, 86 creator, 87 format owner, 88 format type
//!     5F2E biometric data block (or 7F2E, constructed, for ISO/IEC 39794 data)
//! ```

use crate::check::Issue;
use crate::common::{be_uint, children, count, set_once};
use crate::LdsError;
use emrtd_tlv::{encode, encode_constructed, TlvRef};

/// Largest number of biometric instances accepted in one group.
pub const MAX_INSTANCES: usize = 64;

/// Format owner ISO/IEC JTC 1/SC 37 (`87` = `0101`), the only one ICAO 9303 allows.
pub const FORMAT_OWNER_JTC1_SC37: u16 = 0x0101;
/// Format type of ISO/IEC 19794-5 face images (`88` = `0008`).
pub const FORMAT_TYPE_FACE_19794: u16 = 0x0008;
/// Format type of ISO/IEC 39794-5 face images (`88` = `002A`).
pub const FORMAT_TYPE_FACE_39794: u16 = 0x002A;
/// Format type of ISO/IEC 19794-4 finger images (`88` = `0007`).
pub const FORMAT_TYPE_FINGER_19794: u16 = 0x0007;
/// Format type of ISO/IEC 19794-6 iris images (`88` = `0009`).
pub const FORMAT_TYPE_IRIS_19794: u16 = 0x0009;

/// CBEFF biometric type "facial features".
pub const BIOMETRIC_TYPE_FACE: u32 = 0x02;
/// CBEFF biometric type "fingerprint".
pub const BIOMETRIC_TYPE_FINGERPRINT: u32 = 0x08;
/// CBEFF biometric type "iris".
pub const BIOMETRIC_TYPE_IRIS: u32 = 0x10;

/// Tag of a primitive biometric data block.
pub const BDB_TAG: u32 = 0x5F2E;
/// Tag of a constructed biometric data block (ISO/IEC 39794 encodings).
pub const BDB_CONSTRUCTED_TAG: u32 = 0x7F2E;

/// Biometric header template (`A1`).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct BiometricHeader {
    /// `80` ICAO header version (normally `0101`).
    pub version: Option<Vec<u8>>,
    /// `81` biometric type (1 or 3 bytes; `02` face, `08` fingerprint, `10` iris).
    pub biometric_type: Option<Vec<u8>>,
    /// `82` biometric subtype (e.g. finger position, left/right eye).
    pub biometric_subtype: Option<Vec<u8>>,
    /// `83` creation date and time (7 bytes, BCD `YYYYMMDDhhmmss`).
    pub creation_date: Option<Vec<u8>>,
    /// `85` validity period (8 bytes, BCD `YYYYMMDDYYYYMMDD`).
    pub validity_period: Option<Vec<u8>>,
    /// `86` creator of the biometric reference data.
    pub creator: Option<Vec<u8>>,
    /// `87` format owner (`0101` = ISO/IEC JTC 1/SC 37).
    pub format_owner: u16,
    /// `88` format type (`0008` face 19794-5, `002A` face 39794-5, `0007` finger, `0009` iris).
    pub format_type: u16,
    /// Other elements, kept raw.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
}

impl BiometricHeader {
    /// A header with only format owner and format type.
    pub fn new(format_owner: u16, format_type: u16) -> BiometricHeader {
        BiometricHeader {
            format_owner,
            format_type,
            ..BiometricHeader::default()
        }
    }

    /// The biometric type as a number, if present and at most 4 bytes.
    pub fn biometric_type_value(&self) -> Option<u32> {
        self.biometric_type
            .as_deref()
            .filter(|b| !b.is_empty() && b.len() <= 4)
            .and_then(be_uint)
            .map(|v| v as u32)
    }

    fn decode(tlv: &TlvRef<'_>, file: &'static str) -> Result<BiometricHeader, LdsError> {
        let mut h = BiometricHeader::default();
        let mut owner = None;
        let mut format_type = None;
        for c in children(tlv, file)? {
            let (slot, element) = match c.tag {
                0x80 => (&mut h.version, "ICAO header version (80)"),
                0x81 => (&mut h.biometric_type, "biometric type (81)"),
                0x82 => (&mut h.biometric_subtype, "biometric subtype (82)"),
                0x83 => (&mut h.creation_date, "creation date (83)"),
                0x85 => (&mut h.validity_period, "validity period (85)"),
                0x86 => (&mut h.creator, "creator (86)"),
                0x87 => {
                    let v = two_bytes(c.value, file, "format owner (87)")?;
                    set_once(&mut owner, v, file, "format owner (87)")?;
                    continue;
                }
                0x88 => {
                    let v = two_bytes(c.value, file, "format type (88)")?;
                    set_once(&mut format_type, v, file, "format type (88)")?;
                    continue;
                }
                _ => {
                    h.unknown.push(c.raw.to_vec());
                    continue;
                }
            };
            set_once(slot, c.value.to_vec(), file, element)?;
        }
        h.format_owner = owner.ok_or(LdsError::Missing {
            file,
            element: "format owner (87) in the biometric header template",
        })?;
        h.format_type = format_type.ok_or(LdsError::Missing {
            file,
            element: "format type (88) in the biometric header template",
        })?;
        Ok(h)
    }

    /// Encode the header template (`A1`), elements in ascending tag order, unknown ones last.
    pub fn encode(&self) -> Vec<u8> {
        let mut items = Vec::new();
        for (tag, value) in [
            (0x80, &self.version),
            (0x81, &self.biometric_type),
            (0x82, &self.biometric_subtype),
            (0x83, &self.creation_date),
            (0x85, &self.validity_period),
            (0x86, &self.creator),
        ] {
            crate::common::push_opt(&mut items, tag, value);
        }
        items.push(encode(0x87, &self.format_owner.to_be_bytes()));
        items.push(encode(0x88, &self.format_type.to_be_bytes()));
        items.extend(self.unknown.iter().cloned());
        encode_constructed(0xA1, &items)
    }

    /// Findings about the header for a data group that must hold `expected_types` with the
    /// given biometric type.
    pub(crate) fn check(
        &self,
        file: &'static str,
        expected_types: &[u16],
        biometric_type: u32,
        issues: &mut Vec<Issue>,
    ) {
        if self.format_owner != FORMAT_OWNER_JTC1_SC37 {
            issues.push(Issue::new(
                file,
                "format owner (87)",
                format!(
                    "{:04X} is not ISO/IEC JTC 1/SC 37 (0101)",
                    self.format_owner
                ),
            ));
        }
        if !expected_types.contains(&self.format_type) {
            let allowed: Vec<String> = expected_types.iter().map(|t| format!("{t:04X}")).collect();
            issues.push(Issue::new(
                file,
                "format type (88)",
                format!(
                    "{:04X} is not allowed here (expected {})",
                    self.format_type,
                    allowed.join(" or ")
                ),
            ));
        }
        if let Some(issue) = self.subtype_issue(file, biometric_type) {
            issues.push(issue);
        }
        if let Some(t) = &self.biometric_type {
            match self.biometric_type_value() {
                Some(v) if v == biometric_type && (t.len() == 1 || t.len() == 3) => {}
                _ => issues.push(Issue::new(
                    file,
                    "biometric type (81)",
                    format!(
                        "{} is not the expected biometric type {biometric_type:02X} (1 or 3 bytes)",
                        hex_string(t)
                    ),
                )),
            }
        }
    }
}

impl BiometricHeader {
    /// The biometric subtype (`82`) rule of ICAO 9303-10 for fingerprints (DG3) and irises
    /// (DG4): present, one byte, coded as CBEFF (ISO/IEC 19785-3) says — bit 1 right, bit 2
    /// left (not both); for fingers, bits 3–5 the finger (0 none, 1 thumb … 5 little finger);
    /// no other bit. Faces (DG2) may leave it out.
    fn subtype_issue(&self, file: &'static str, biometric_type: u32) -> Option<Issue> {
        const ELEMENT: &str = "biometric subtype (82)";
        let fingers = match biometric_type {
            BIOMETRIC_TYPE_FINGERPRINT => true,
            BIOMETRIC_TYPE_IRIS => false,
            _ => return None,
        };
        let Some(value) = &self.biometric_subtype else {
            return Some(Issue::new(
                file,
                ELEMENT,
                "missing (mandatory for fingerprints and irises)",
            ));
        };
        let &[v] = value.as_slice() else {
            return Some(Issue::new(
                file,
                ELEMENT,
                format!("{} is not one byte", hex_string(value)),
            ));
        };
        let side_ok = v & 0x03 != 0x03;
        let finger = (v >> 2) & 0x07;
        let rest_ok = if fingers {
            finger <= 5 && v & 0xE0 == 0
        } else {
            v & 0xFC == 0
        };
        if side_ok && rest_ok {
            return None;
        }
        let expected = if fingers {
            "a side (01 right, 02 left) with a finger (04 thumb, 08 index, 0C middle, 10 ring, 14 little)"
        } else {
            "00, 01 (right eye) or 02 (left eye)"
        };
        Some(Issue::new(
            file,
            ELEMENT,
            format!("{v:02X} is not a CBEFF subtype here (expected {expected})"),
        ))
    }
}

fn two_bytes(value: &[u8], file: &'static str, element: &'static str) -> Result<u16, LdsError> {
    match value {
        [a, b] => Ok(u16::from_be_bytes([*a, *b])),
        _ => Err(LdsError::Invalid {
            file,
            element,
            reason: format!("must be 2 bytes, found {}", value.len()),
        }),
    }
}

pub(crate) fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Content of a biometric data block, decoded by the data group that holds it.
pub trait BiometricData: Sized {
    /// Decode the value of the data block with tag `bdb_tag` (`5F2E` or `7F2E`).
    fn decode_bdb(
        bdb_tag: u32,
        value: &[u8],
        header: &BiometricHeader,
        file: &'static str,
    ) -> Result<Self, LdsError>;
    /// The value of the data block.
    fn encode_bdb(&self) -> Vec<u8>;
}

/// A biometric data block kept as bytes (DG3 fingerprints, DG4 irises).
impl BiometricData for Vec<u8> {
    fn decode_bdb(
        _: u32,
        value: &[u8],
        _: &BiometricHeader,
        _: &'static str,
    ) -> Result<Self, LdsError> {
        Ok(value.to_vec())
    }
    fn encode_bdb(&self) -> Vec<u8> {
        self.clone()
    }
}

/// One biometric information template (`7F60`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct BiometricTemplate<R> {
    /// The biometric header template.
    pub header: BiometricHeader,
    /// Tag of the data block: `5F2E` (primitive) or `7F2E` (constructed).
    pub bdb_tag: u32,
    /// The data block content.
    pub data: R,
    /// Other elements of the template, kept raw.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
}

impl<R: BiometricData> BiometricTemplate<R> {
    fn decode(tlv: &TlvRef<'_>, file: &'static str) -> Result<Self, LdsError> {
        let mut header = None;
        let mut bdb: Option<TlvRef<'_>> = None;
        let mut unknown = Vec::new();
        for c in children(tlv, file)? {
            match c.tag {
                0xA1 => set_once(&mut header, c, file, "biometric header template (A1)")?,
                BDB_TAG | BDB_CONSTRUCTED_TAG => {
                    set_once(&mut bdb, c, file, "biometric data block (5F2E/7F2E)")?
                }
                0x7D => {
                    return Err(LdsError::Unsupported {
                        file,
                        what: "a biometric template protected by secure messaging (7D)".into(),
                    })
                }
                _ => unknown.push(c.raw.to_vec()),
            }
        }
        let header = BiometricHeader::decode(
            &header.ok_or(LdsError::Missing {
                file,
                element: "biometric header template (A1)",
            })?,
            file,
        )?;
        let bdb = bdb.ok_or(LdsError::Missing {
            file,
            element: "biometric data block (5F2E)",
        })?;
        let data = R::decode_bdb(bdb.tag, bdb.value, &header, file)?;
        Ok(BiometricTemplate {
            header,
            bdb_tag: bdb.tag,
            data,
            unknown,
        })
    }

    /// Encode the template (`7F60`).
    pub fn encode(&self) -> Vec<u8> {
        let mut items = vec![
            self.header.encode(),
            encode(self.bdb_tag, &self.data.encode_bdb()),
        ];
        items.extend(self.unknown.iter().cloned());
        encode_constructed(0x7F60, &items)
    }
}

/// A biometric information group template (`7F61`) with its templates.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct BiometricGroup<R> {
    /// The templates, one per instance.
    pub templates: Vec<BiometricTemplate<R>>,
    /// Other elements of the group template, kept raw.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
}

impl<R: BiometricData> BiometricGroup<R> {
    /// Decode the value of a data group (`75`, `63`, `76`) that holds one group template.
    pub(crate) fn decode_dg(
        dg: &TlvRef<'_>,
        file: &'static str,
    ) -> Result<(BiometricGroup<R>, Vec<Vec<u8>>), LdsError> {
        let mut group = None;
        let mut dg_unknown = Vec::new();
        for c in children(dg, file)? {
            if c.tag == 0x7F61 {
                set_once(
                    &mut group,
                    c,
                    file,
                    "biometric information group template (7F61)",
                )?;
            } else {
                dg_unknown.push(c.raw.to_vec());
            }
        }
        let group = group.ok_or(LdsError::Missing {
            file,
            element: "biometric information group template (7F61)",
        })?;
        Ok((BiometricGroup::decode(&group, file)?, dg_unknown))
    }

    fn decode(tlv: &TlvRef<'_>, file: &'static str) -> Result<Self, LdsError> {
        let mut declared = None;
        let mut templates = Vec::new();
        let mut unknown = Vec::new();
        for c in children(tlv, file)? {
            match c.tag {
                0x02 => set_once(
                    &mut declared,
                    count(c.value, file, "number of instances (02)")?,
                    file,
                    "number of instances (02)",
                )?,
                0x7F60 => {
                    if templates.len() >= MAX_INSTANCES {
                        return Err(LdsError::Invalid {
                            file,
                            element: "biometric information templates (7F60)",
                            reason: format!("more than {MAX_INSTANCES}"),
                        });
                    }
                    templates.push(BiometricTemplate::decode(&c, file)?);
                }
                _ => unknown.push(c.raw.to_vec()),
            }
        }
        let declared = declared.ok_or(LdsError::Missing {
            file,
            element: "number of instances (02)",
        })?;
        if declared != templates.len() || declared == 0 {
            return Err(LdsError::Invalid {
                file,
                element: "number of instances (02)",
                reason: format!(
                    "says {declared}, but {} biometric information template(s) are present",
                    templates.len()
                ),
            });
        }
        Ok(BiometricGroup { templates, unknown })
    }

    /// Encode the group template (`7F61`).
    pub fn encode(&self) -> Vec<u8> {
        let mut items = vec![encode(0x02, &[self.templates.len().min(255) as u8])];
        items.extend(self.templates.iter().map(BiometricTemplate::encode));
        items.extend(self.unknown.iter().cloned());
        encode_constructed(0x7F61, &items)
    }
}

/// Defines a data group holding CBEFF templates whose data blocks are kept as bytes (DG3, DG4).
macro_rules! raw_biometric_dg {
    ($(#[$doc:meta])* $name:ident, $tag:expr, $file:expr, $types:expr, $btype:expr, $magic:expr, $record:ty, $record39794:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
        pub struct $name {
            /// The biometric information group template; each data block is kept as bytes.
            pub group: $crate::cbeff::BiometricGroup<Vec<u8>>,
            /// Elements other than the group template, kept raw.
            #[serde(skip)]
            pub unknown: Vec<Vec<u8>>,
            /// The file exactly as decoded (empty when built in code).
            #[serde(skip)]
            pub raw: Vec<u8>,
        }

        impl $name {
            /// Decode the data group (CBEFF structure; the records are not interpreted).
            pub fn decode(bytes: &[u8]) -> Result<$name, $crate::LdsError> {
                let outer = $crate::common::outer(bytes, $tag, $file)?;
                let (group, unknown) = $crate::cbeff::BiometricGroup::decode_dg(&outer, $file)?;
                Ok($name { group, unknown, raw: bytes.to_vec() })
            }

            /// Encode the data group.
            pub fn encode(&self) -> Vec<u8> {
                let mut items = vec![self.group.encode()];
                items.extend(self.unknown.iter().cloned());
                emrtd_tlv::encode_constructed($tag, &items)
            }

            /// The biometric records (data block contents), in file order.
            pub fn records(&self) -> Vec<&[u8]> {
                self.group.templates.iter().map(|t| t.data.as_slice()).collect()
            }

            /// Rules the CBEFF headers break (format owner, format type, biometric type and
            /// subtype), records that do not start with the format identifier of their format,
            /// and records that cannot be decoded.
            pub fn check(&self) -> Vec<$crate::check::Issue> {
                let mut issues = Vec::new();
                for t in &self.group.templates {
                    if t.bdb_tag == $crate::cbeff::BDB_CONSTRUCTED_TAG {
                        // ISO/IEC 39794 (tagged ASN.1, no format identifier): the owner and the
                        // biometric type are checked, the format type is the data block's own.
                        t.header.check($file, &[t.header.format_type], $btype, &mut issues);
                        if let Err(e) = <$record39794>::decode(&t.data, $file) {
                            issues.push($crate::check::Issue::new(
                                $file,
                                "biometric data block",
                                format!("the ISO/IEC 39794 data block cannot be decoded: {e}"),
                            ));
                        }
                        continue;
                    }
                    t.header.check($file, &$types, $btype, &mut issues);
                    if !t.data.starts_with($magic) {
                        issues.push($crate::check::Issue::new(
                            $file,
                            "biometric data block",
                            format!("does not start with the format identifier {:?}", String::from_utf8_lossy($magic)),
                        ));
                    } else if let Err(e) = <$record>::decode(&t.data) {
                        issues.push($crate::check::Issue::new(
                            $file,
                            "biometric data block",
                            format!("the record cannot be decoded: {e}"),
                        ));
                    }
                }
                issues
            }
        }
    };
}
pub(crate) use raw_biometric_dg;
