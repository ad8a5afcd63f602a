//! DG11 (ICAO 9303-10 §4.7.11): additional personal details.

use crate::check::Issue;
use crate::common::{children, count, encode_tag_list, outer, push_opt, set_once, tag_list, utf8};
use crate::LdsError;
use emrtd_tlv::{encode, encode_constructed, TlvRef};

const FILE: &str = "DG11";

/// Largest number of entries accepted in a counted list (other names, other persons).
pub const MAX_LIST: usize = 64;

/// How a counted list of names (DG11 other names, DG12 other persons) was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub enum ListEncoding {
    /// In an `A0` template with a count (`02`), as ICAO 9303-10 prescribes.
    #[default]
    Template,
    /// Directly in the data group, without template or count (seen on some passports).
    Bare,
}

/// Decoded DG11.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Dg11 {
    /// `5C` tags of the elements present, as stored.
    pub tag_list: Vec<u32>,
    /// `5F0E` full name, in national characters.
    pub full_name: Option<String>,
    /// `5F0F` other names.
    pub other_names: Vec<String>,
    /// How the other names were stored.
    pub other_names_encoding: ListEncoding,
    /// `5F10` personal number.
    pub personal_number: Option<String>,
    /// `5F2B` full date of birth (`YYYYMMDD`).
    pub full_date_of_birth: Option<String>,
    /// `5F11` place of birth.
    pub place_of_birth: Option<String>,
    /// `5F42` permanent address.
    pub address: Option<String>,
    /// `5F12` telephone.
    pub telephone: Option<String>,
    /// `5F13` profession.
    pub profession: Option<String>,
    /// `5F14` title.
    pub title: Option<String>,
    /// `5F15` personal summary.
    pub personal_summary: Option<String>,
    /// `5F16` proof of citizenship (an image).
    #[serde(skip)]
    pub proof_of_citizenship: Option<Vec<u8>>,
    /// `5F17` other valid travel document numbers.
    pub other_td_numbers: Option<String>,
    /// `5F18` custody information.
    pub custody: Option<String>,
    /// Other elements, kept raw.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
    /// The file exactly as decoded (empty when built in code).
    #[serde(skip)]
    pub raw: Vec<u8>,
}

/// A counted list `A0 { 02 n, <tag> × n }`; returns the entries.
pub(crate) fn counted_list(
    tlv: &TlvRef<'_>,
    entry_tag: u32,
    file: &'static str,
    element: &'static str,
) -> Result<Vec<String>, LdsError> {
    let mut declared = None;
    let mut entries = Vec::new();
    for c in children(tlv, file)? {
        if c.tag == 0x02 {
            set_once(&mut declared, count(c.value, file, element)?, file, element)?;
        } else if c.tag == entry_tag {
            if entries.len() >= MAX_LIST {
                return Err(LdsError::Invalid {
                    file,
                    element,
                    reason: format!("more than {MAX_LIST} entries"),
                });
            }
            entries.push(utf8(c.value, file, element)?);
        } else {
            return Err(LdsError::Invalid {
                file,
                element,
                reason: format!("unexpected element {:X} in the A0 template", c.tag),
            });
        }
    }
    let declared = declared.ok_or(LdsError::Missing {
        file,
        element: "count (02) in the A0 template",
    })?;
    if declared != entries.len() {
        return Err(LdsError::Invalid {
            file,
            element,
            reason: format!(
                "count says {declared}, but {} entries are present",
                entries.len()
            ),
        });
    }
    Ok(entries)
}

pub(crate) fn encode_counted_list(
    entry_tag: u32,
    entries: &[String],
    encoding: ListEncoding,
) -> Vec<Vec<u8>> {
    let items: Vec<Vec<u8>> = entries
        .iter()
        .map(|e| encode(entry_tag, e.as_bytes()))
        .collect();
    match encoding {
        ListEncoding::Bare => items,
        ListEncoding::Template => {
            let mut inner = vec![encode(0x02, &[entries.len().min(255) as u8])];
            inner.extend(items);
            vec![encode_constructed(0xA0, &inner)]
        }
    }
}

/// Number of `<<`-separated components of a name in MRZ-like notation (primary and secondary
/// identifier); more than two is malformed.
pub(crate) fn name_components(name: &str) -> usize {
    name.split("<<").count()
}

impl Dg11 {
    /// Decode DG11.
    pub fn decode(bytes: &[u8]) -> Result<Dg11, LdsError> {
        let outer = outer(bytes, 0x6B, FILE)?;
        let mut dg = Dg11::default();
        let mut tags = None;
        let mut template_seen = false;
        for c in children(&outer, FILE)? {
            let text = |element| utf8(c.value, FILE, element);
            match c.tag {
                0x5C => set_once(&mut tags, tag_list(c.value, FILE)?, FILE, "tag list (5C)")?,
                0x5F0E => set_once(
                    &mut dg.full_name,
                    text("full name (5F0E)")?,
                    FILE,
                    "full name (5F0E)",
                )?,
                0xA0 => {
                    if template_seen || !dg.other_names.is_empty() {
                        return Err(LdsError::Invalid {
                            file: FILE,
                            element: "other names (A0)",
                            reason: "appears more than once".into(),
                        });
                    }
                    template_seen = true;
                    dg.other_names = counted_list(&c, 0x5F0F, FILE, "other names (5F0F)")?;
                    dg.other_names_encoding = ListEncoding::Template;
                }
                0x5F0F => {
                    if template_seen || dg.other_names.len() >= MAX_LIST {
                        return Err(LdsError::Invalid {
                            file: FILE,
                            element: "other names (5F0F)",
                            reason: "stored both inside and outside an A0 template, or too many"
                                .into(),
                        });
                    }
                    dg.other_names.push(text("other name (5F0F)")?);
                    dg.other_names_encoding = ListEncoding::Bare;
                }
                0x5F10 => set_once(
                    &mut dg.personal_number,
                    text("personal number (5F10)")?,
                    FILE,
                    "personal number (5F10)",
                )?,
                0x5F2B => set_once(
                    &mut dg.full_date_of_birth,
                    crate::common::date_text(c.value, FILE, "full date of birth (5F2B)")?,
                    FILE,
                    "full date of birth (5F2B)",
                )?,
                0x5F11 => set_once(
                    &mut dg.place_of_birth,
                    text("place of birth (5F11)")?,
                    FILE,
                    "place of birth (5F11)",
                )?,
                0x5F42 => set_once(
                    &mut dg.address,
                    text("address (5F42)")?,
                    FILE,
                    "address (5F42)",
                )?,
                0x5F12 => set_once(
                    &mut dg.telephone,
                    text("telephone (5F12)")?,
                    FILE,
                    "telephone (5F12)",
                )?,
                0x5F13 => set_once(
                    &mut dg.profession,
                    text("profession (5F13)")?,
                    FILE,
                    "profession (5F13)",
                )?,
                0x5F14 => set_once(&mut dg.title, text("title (5F14)")?, FILE, "title (5F14)")?,
                0x5F15 => set_once(
                    &mut dg.personal_summary,
                    text("personal summary (5F15)")?,
                    FILE,
                    "personal summary (5F15)",
                )?,
                0x5F16 => set_once(
                    &mut dg.proof_of_citizenship,
                    c.value.to_vec(),
                    FILE,
                    "proof of citizenship (5F16)",
                )?,
                0x5F17 => set_once(
                    &mut dg.other_td_numbers,
                    text("other TD numbers (5F17)")?,
                    FILE,
                    "other TD numbers (5F17)",
                )?,
                0x5F18 => set_once(
                    &mut dg.custody,
                    text("custody information (5F18)")?,
                    FILE,
                    "custody information (5F18)",
                )?,
                _ => dg.unknown.push(c.raw.to_vec()),
            }
        }
        dg.tag_list = tags.ok_or(LdsError::Missing {
            file: FILE,
            element: "tag list (5C)",
        })?;
        dg.raw = bytes.to_vec();
        Ok(dg)
    }

    /// Encode DG11: tag list as stored, then the elements in the order of ICAO 9303-10 Table 46,
    /// then unknown elements.
    pub fn encode(&self) -> Vec<u8> {
        let mut items = vec![encode(0x5C, &encode_tag_list(&self.tag_list))];
        push_opt(&mut items, 0x5F0E, &self.full_name);
        if !self.other_names.is_empty() {
            items.extend(encode_counted_list(
                0x5F0F,
                &self.other_names,
                self.other_names_encoding,
            ));
        }
        push_opt(&mut items, 0x5F10, &self.personal_number);
        push_opt(&mut items, 0x5F2B, &self.full_date_of_birth);
        push_opt(&mut items, 0x5F11, &self.place_of_birth);
        push_opt(&mut items, 0x5F42, &self.address);
        push_opt(&mut items, 0x5F12, &self.telephone);
        push_opt(&mut items, 0x5F13, &self.profession);
        push_opt(&mut items, 0x5F14, &self.title);
        push_opt(&mut items, 0x5F15, &self.personal_summary);
        push_opt(&mut items, 0x5F16, &self.proof_of_citizenship);
        push_opt(&mut items, 0x5F17, &self.other_td_numbers);
        push_opt(&mut items, 0x5F18, &self.custody);
        items.extend(self.unknown.iter().cloned());
        encode_constructed(0x6B, &items)
    }

    /// Tags of the elements present, for the tag list of a DG11 built in code.
    pub fn present_tags(&self) -> Vec<u32> {
        let mut tags = Vec::new();
        let mut add = |present: bool, tag: u32| {
            if present {
                tags.push(tag)
            }
        };
        add(self.full_name.is_some(), 0x5F0E);
        add(!self.other_names.is_empty(), 0x5F0F);
        add(self.personal_number.is_some(), 0x5F10);
        add(self.full_date_of_birth.is_some(), 0x5F2B);
        add(self.place_of_birth.is_some(), 0x5F11);
        add(self.address.is_some(), 0x5F42);
        add(self.telephone.is_some(), 0x5F12);
        add(self.profession.is_some(), 0x5F13);
        add(self.title.is_some(), 0x5F14);
        add(self.personal_summary.is_some(), 0x5F15);
        add(self.proof_of_citizenship.is_some(), 0x5F16);
        add(self.other_td_numbers.is_some(), 0x5F17);
        add(self.custody.is_some(), 0x5F18);
        tags
    }

    /// Rules of ICAO 9303-10 the content breaks: tag list not matching the elements (the `A0`
    /// template may be listed as `5F0F` or `A0`), names with more than two `<<`-separated
    /// components, other names not in an `A0` template.
    pub fn check(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        let listed: Vec<u32> = self
            .tag_list
            .iter()
            .map(|t| if *t == 0xA0 { 0x5F0F } else { *t })
            .collect();
        let mut present = self.present_tags();
        present.extend(unknown_tags(&self.unknown));
        compare_tag_lists(FILE, &listed, &present, &mut issues);
        for name in self.full_name.iter().chain(&self.other_names) {
            if name_components(name) > 2 {
                issues.push(Issue::new(
                    FILE,
                    "name",
                    format!("{name:?} has more than two '<<'-separated components"),
                ));
            }
        }
        if self.other_names_encoding == ListEncoding::Bare && !self.other_names.is_empty() {
            issues.push(Issue::new(
                FILE,
                "other names (5F0F)",
                "not wrapped in an A0 template with a count",
            ));
        }
        if !crate::common::bcd_date_tags(&self.raw, &[0x5F2B]).is_empty() {
            issues.push(Issue::new(
                FILE,
                "full date of birth (5F2B)",
                "stored as 4 BCD bytes, not as the 8 digits YYYYMMDD (read all the same)",
            ));
        }
        issues
    }
}

/// Findings when the tag list and the elements present differ.
pub(crate) fn compare_tag_lists(
    file: &'static str,
    listed: &[u32],
    present: &[u32],
    issues: &mut Vec<Issue>,
) {
    for t in present {
        if !listed.contains(t) {
            issues.push(Issue::new(
                file,
                "tag list (5C)",
                format!("element {t:X} is present but not listed"),
            ));
        }
    }
    for t in listed {
        if !present.contains(t) {
            issues.push(Issue::new(
                file,
                "tag list (5C)",
                format!("element {t:X} is listed but not present"),
            ));
        }
    }
}

/// Tags of elements kept raw.
pub(crate) fn unknown_tags(unknown: &[Vec<u8>]) -> Vec<u32> {
    unknown
        .iter()
        .filter_map(|u| emrtd_tlv::parse_header(u).ok().map(|h| h.tag))
        .collect()
}
