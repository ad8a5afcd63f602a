//! DG16 (ICAO 9303-10 §4.7.16): persons to notify.

use crate::check::Issue;
use crate::common::{children, count, outer, push_opt, set_once, utf8};
use crate::dg11::name_components;
use crate::LdsError;
use emrtd_tlv::{encode, encode_constructed, TlvRef};

const FILE: &str = "DG16";

/// Largest number of persons: templates are tagged `A1`, `A2`, ... up to `BE`.
pub const MAX_PERSONS: usize = 30;

/// One person to notify (template `A1`, `A2`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct PersonToNotify {
    /// `5F50` date the data was recorded (`YYYYMMDD`).
    pub date_recorded: Option<String>,
    /// `5F51` name.
    pub name: Option<String>,
    /// `5F52` telephone.
    pub telephone: Option<String>,
    /// `5F53` address.
    pub address: Option<String>,
    /// Other elements, kept raw.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
}

/// Decoded DG16.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Dg16 {
    /// The persons, in file order.
    pub persons: Vec<PersonToNotify>,
    /// Other elements, kept raw.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
    /// The file exactly as decoded (empty when built in code).
    #[serde(skip)]
    pub raw: Vec<u8>,
}

impl PersonToNotify {
    fn decode(tlv: &TlvRef<'_>) -> Result<PersonToNotify, LdsError> {
        let mut p = PersonToNotify::default();
        for c in children(tlv, FILE)? {
            let text = |element| utf8(c.value, FILE, element);
            match c.tag {
                0x5F50 => set_once(
                    &mut p.date_recorded,
                    text("date recorded (5F50)")?,
                    FILE,
                    "date recorded (5F50)",
                )?,
                0x5F51 => set_once(&mut p.name, text("name (5F51)")?, FILE, "name (5F51)")?,
                0x5F52 => set_once(
                    &mut p.telephone,
                    text("telephone (5F52)")?,
                    FILE,
                    "telephone (5F52)",
                )?,
                0x5F53 => set_once(
                    &mut p.address,
                    text("address (5F53)")?,
                    FILE,
                    "address (5F53)",
                )?,
                _ => p.unknown.push(c.raw.to_vec()),
            }
        }
        Ok(p)
    }

    fn encode(&self, index: usize) -> Vec<u8> {
        let mut items = Vec::new();
        push_opt(&mut items, 0x5F50, &self.date_recorded);
        push_opt(&mut items, 0x5F51, &self.name);
        push_opt(&mut items, 0x5F52, &self.telephone);
        push_opt(&mut items, 0x5F53, &self.address);
        items.extend(self.unknown.iter().cloned());
        encode_constructed(0xA1 + index.min(MAX_PERSONS - 1) as u32, &items)
    }
}

impl Dg16 {
    /// Decode DG16; the count must match the number of templates, which must be tagged `A1`,
    /// `A2`, ... in sequence.
    pub fn decode(bytes: &[u8]) -> Result<Dg16, LdsError> {
        let outer = outer(bytes, 0x70, FILE)?;
        let mut declared = None;
        let mut dg = Dg16::default();
        for c in children(&outer, FILE)? {
            if c.tag == 0x02 {
                set_once(
                    &mut declared,
                    count(c.value, FILE, "number of persons (02)")?,
                    FILE,
                    "number of persons (02)",
                )?;
            } else if (0xA1..=0xBE).contains(&c.tag) {
                let expected = 0xA1 + dg.persons.len() as u32;
                if c.tag != expected {
                    return Err(LdsError::Invalid {
                        file: FILE,
                        element: "person to notify template",
                        reason: format!("tag {:X} out of sequence (expected {expected:X})", c.tag),
                    });
                }
                dg.persons.push(PersonToNotify::decode(&c)?);
            } else {
                dg.unknown.push(c.raw.to_vec());
            }
        }
        let declared = declared.ok_or(LdsError::Missing {
            file: FILE,
            element: "number of persons (02)",
        })?;
        if declared == 0 || declared != dg.persons.len() {
            return Err(LdsError::Invalid {
                file: FILE,
                element: "number of persons (02)",
                reason: format!(
                    "says {declared}, but {} template(s) are present",
                    dg.persons.len()
                ),
            });
        }
        dg.raw = bytes.to_vec();
        Ok(dg)
    }

    /// Encode DG16 (at most [`MAX_PERSONS`] persons are meaningful).
    pub fn encode(&self) -> Vec<u8> {
        let mut items = vec![encode(0x02, &[self.persons.len().min(255) as u8])];
        items.extend(self.persons.iter().enumerate().map(|(i, p)| p.encode(i)));
        items.extend(self.unknown.iter().cloned());
        encode_constructed(0x70, &items)
    }

    /// Rules the content breaks: names with more than two `<<`-separated components, persons
    /// without a name.
    pub fn check(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        for p in &self.persons {
            match &p.name {
                Some(n) if name_components(n) > 2 => issues.push(Issue::new(
                    FILE,
                    "name (5F51)",
                    format!("{n:?} has more than two '<<'-separated components"),
                )),
                None => issues.push(Issue::new(
                    FILE,
                    "name (5F51)",
                    "a person to notify has no name",
                )),
                _ => {}
            }
        }
        issues
    }
}
