//! EF.COM (ICAO 9303-10 §4.6.1): LDS version, Unicode version and the list of data groups present.

use crate::check::Issue;
use crate::common::{children, outer, set_once};
use crate::LdsError;
use emrtd_tlv::{encode, encode_constructed};

const FILE: &str = "EF.COM";

/// Decoded EF.COM.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct EfCom {
    /// LDS version as printed, e.g. "0107" (version 1.7).
    pub lds_version: String,
    /// Unicode version as printed, e.g. "040000".
    pub unicode_version: String,
    /// Tags of the data groups present (e.g. 0x61 for DG1, 0x75 for DG2), in file order.
    pub tag_list: Vec<u8>,
    /// Elements other than the three above, kept as raw TLVs in file order.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
    /// The file exactly as decoded (empty when built in code).
    #[serde(skip)]
    pub raw: Vec<u8>,
}

impl EfCom {
    /// EF.COM with the given versions and data-group tags (e.g. `EfCom::new("0108", "040000", vec![0x61, 0x75])`).
    pub fn new(lds_version: &str, unicode_version: &str, tag_list: Vec<u8>) -> EfCom {
        EfCom {
            lds_version: lds_version.into(),
            unicode_version: unicode_version.into(),
            tag_list,
            unknown: Vec::new(),
            raw: Vec::new(),
        }
    }

    /// Decode EF.COM from the bytes read from the chip.
    ///
    /// The LDS version must be 4 digits and the Unicode version 6 digits; their values and the
    /// tag list are checked by [`EfCom::check`].
    pub fn decode(bytes: &[u8]) -> Result<EfCom, LdsError> {
        let outer = outer(bytes, 0x60, FILE)?;
        let mut lds_version = None;
        let mut unicode_version = None;
        let mut tag_list = None;
        let mut unknown = Vec::new();
        for child in children(&outer, FILE)? {
            match child.tag {
                0x5F01 => set_once(
                    &mut lds_version,
                    digits(child.value, 4, "LDS version (5F01)")?,
                    FILE,
                    "LDS version (5F01)",
                )?,
                0x5F36 => set_once(
                    &mut unicode_version,
                    digits(child.value, 6, "Unicode version (5F36)")?,
                    FILE,
                    "Unicode version (5F36)",
                )?,
                0x5C => set_once(&mut tag_list, child.value.to_vec(), FILE, "tag list (5C)")?,
                _ => unknown.push(child.raw.to_vec()),
            }
        }
        Ok(EfCom {
            lds_version: lds_version.ok_or(LdsError::Missing {
                file: FILE,
                element: "LDS version (5F01)",
            })?,
            unicode_version: unicode_version.ok_or(LdsError::Missing {
                file: FILE,
                element: "Unicode version (5F36)",
            })?,
            tag_list: tag_list.ok_or(LdsError::Missing {
                file: FILE,
                element: "tag list (5C)",
            })?,
            unknown,
            raw: bytes.to_vec(),
        })
    }

    /// Rules of ICAO 9303-10 §4.6.1 the content breaks: LDS version other than 1.6, 1.7 or 1.8, Unicode
    /// version other than 4.0.0, tags that name no data group, DG1 or DG2 not listed, duplicates.
    pub fn check(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        if !KNOWN_LDS_VERSIONS.contains(&self.lds_version.as_str()) {
            issues.push(Issue::new(
                FILE,
                "LDS version (5F01)",
                format!(
                    "{:?} is not a known LDS version ({})",
                    self.lds_version,
                    KNOWN_LDS_VERSIONS.join(", ")
                ),
            ));
        }
        if self.unicode_version != "040000" {
            issues.push(Issue::new(
                FILE,
                "Unicode version (5F36)",
                format!(
                    "{:?} is not Unicode 4.0.0 (\"040000\")",
                    self.unicode_version
                ),
            ));
        }
        for (i, tag) in self.tag_list.iter().enumerate() {
            if dg_number_from_tag(*tag).is_none() {
                issues.push(Issue::new(
                    FILE,
                    "tag list (5C)",
                    format!("{tag:02X} is not a data group tag"),
                ));
            } else if self.tag_list[..i].contains(tag) {
                issues.push(Issue::new(
                    FILE,
                    "tag list (5C)",
                    format!("{tag:02X} is listed twice"),
                ));
            }
        }
        for (tag, name) in [(0x61u8, "DG1"), (0x75, "DG2")] {
            if !self.tag_list.contains(&tag) {
                issues.push(Issue::new(
                    FILE,
                    "tag list (5C)",
                    format!("mandatory {name} (tag {tag:02X}) is not listed"),
                ));
            }
        }
        issues
    }

    /// Encode EF.COM.
    pub fn encode(&self) -> Vec<u8> {
        let mut children = vec![
            encode(0x5F01, self.lds_version.as_bytes()),
            encode(0x5F36, self.unicode_version.as_bytes()),
            encode(0x5C, &self.tag_list),
        ];
        children.extend(self.unknown.iter().cloned());
        encode_constructed(0x60, &children)
    }

    /// Data group numbers listed in the tag list (unknown tags are skipped).
    pub fn data_groups(&self) -> Vec<u8> {
        self.tag_list
            .iter()
            .filter_map(|t| dg_number_from_tag(*t))
            .collect()
    }
}

/// LDS versions ICAO 9303-10 defines for EF.COM (1.7 and 1.8; 1.6 was used by early documents and
/// in the 9303-11 worked example).
const KNOWN_LDS_VERSIONS: [&str; 3] = ["0106", "0107", "0108"];

fn digits(value: &[u8], len: usize, element: &'static str) -> Result<String, LdsError> {
    if value.len() == len && value.iter().all(u8::is_ascii_digit) {
        Ok(value.iter().map(|b| *b as char).collect())
    } else {
        Err(LdsError::Invalid {
            file: FILE,
            element,
            reason: format!("must be {len} ASCII digits"),
        })
    }
}

/// Data-group tag → number (ICAO 9303-10 Table 33): 0x61 → 1, 0x75 → 2, … 0x70 → 16.
pub fn dg_number_from_tag(tag: u8) -> Option<u8> {
    DG_TAGS.iter().position(|t| *t == tag).map(|i| i as u8 + 1)
}

/// Data-group number (1..=16) → tag.
pub fn dg_tag(number: u8) -> Option<u8> {
    DG_TAGS.get((number as usize).checked_sub(1)?).copied()
}

const DG_TAGS: [u8; 16] = [
    0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icao_9303_11_app_d_ef_com() {
        // EF.COM decrypted in ICAO 9303-11 App. D.4.
        let bytes = hex::decode("60145F0104303130365F36063034303030305C026175").unwrap();
        let com = EfCom::decode(&bytes).unwrap();
        assert_eq!(com.lds_version, "0106");
        assert_eq!(com.unicode_version, "040000");
        assert_eq!(com.data_groups(), vec![1, 2]);
        assert_eq!(com.encode(), bytes);
    }

    #[test]
    fn missing_elements_are_errors() {
        assert!(matches!(
            EfCom::decode(&[0x60, 0x03, 0x5C, 0x01, 0x61]),
            Err(LdsError::Missing { .. })
        ));
        assert!(matches!(
            EfCom::decode(&[0x61, 0x00]),
            Err(LdsError::UnexpectedTag { .. })
        ));
        assert!(EfCom::decode(&[]).is_err());
    }

    #[test]
    fn dg_tags() {
        for n in 1..=16 {
            assert_eq!(dg_number_from_tag(dg_tag(n).unwrap()), Some(n));
        }
        assert_eq!(dg_tag(0), None);
        assert_eq!(dg_tag(17), None);
    }
}
