//! DG12 (ICAO 9303-10 §4.7.12): additional document details.

use crate::check::Issue;
use crate::common::{children, encode_tag_list, outer, push_opt, set_once, tag_list, utf8};
use crate::dg11::{
    compare_tag_lists, counted_list, encode_counted_list, unknown_tags, ListEncoding, MAX_LIST,
};
use crate::LdsError;
use emrtd_tlv::{encode, encode_constructed};

const FILE: &str = "DG12";

/// Decoded DG12.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Dg12 {
    /// `5C` tags of the elements present, as stored.
    pub tag_list: Vec<u32>,
    /// `5F19` issuing authority.
    pub issuing_authority: Option<String>,
    /// `5F26` date of issue (`YYYYMMDD`).
    pub date_of_issue: Option<String>,
    /// `5F1A` names of other persons (in an `A0` template with a count).
    pub other_persons: Vec<String>,
    /// How the other persons were stored.
    pub other_persons_encoding: ListEncoding,
    /// `5F1B` endorsements and observations.
    pub endorsements: Option<String>,
    /// `5F1C` tax or exit requirements.
    pub tax_exit_requirements: Option<String>,
    /// `5F1D` image of the front of the document.
    #[serde(skip)]
    pub image_front: Option<Vec<u8>>,
    /// `5F1E` image of the rear of the document.
    #[serde(skip)]
    pub image_rear: Option<Vec<u8>>,
    /// `5F55` date and time of personalisation (`YYYYMMDDhhmmss`).
    pub personalisation_time: Option<String>,
    /// `5F56` serial number of the personalisation system.
    pub personalisation_device: Option<String>,
    /// Other elements, kept raw.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
    /// The file exactly as decoded (empty when built in code).
    #[serde(skip)]
    pub raw: Vec<u8>,
}

impl Dg12 {
    /// Decode DG12.
    pub fn decode(bytes: &[u8]) -> Result<Dg12, LdsError> {
        let outer = outer(bytes, 0x6C, FILE)?;
        let mut dg = Dg12::default();
        let mut tags = None;
        let mut template_seen = false;
        for c in children(&outer, FILE)? {
            let text = |element| utf8(c.value, FILE, element);
            match c.tag {
                0x5C => set_once(&mut tags, tag_list(c.value, FILE)?, FILE, "tag list (5C)")?,
                0x5F19 => set_once(
                    &mut dg.issuing_authority,
                    text("issuing authority (5F19)")?,
                    FILE,
                    "issuing authority (5F19)",
                )?,
                0x5F26 => set_once(
                    &mut dg.date_of_issue,
                    crate::common::date_text(c.value, FILE, "date of issue (5F26)")?,
                    FILE,
                    "date of issue (5F26)",
                )?,
                0xA0 => {
                    if template_seen || !dg.other_persons.is_empty() {
                        return Err(LdsError::Invalid {
                            file: FILE,
                            element: "other persons (A0)",
                            reason: "appears more than once".into(),
                        });
                    }
                    template_seen = true;
                    dg.other_persons = counted_list(&c, 0x5F1A, FILE, "other persons (5F1A)")?;
                    dg.other_persons_encoding = ListEncoding::Template;
                }
                0x5F1A => {
                    if template_seen || dg.other_persons.len() >= MAX_LIST {
                        return Err(LdsError::Invalid {
                            file: FILE,
                            element: "other persons (5F1A)",
                            reason: "stored both inside and outside an A0 template, or too many"
                                .into(),
                        });
                    }
                    dg.other_persons.push(text("other person (5F1A)")?);
                    dg.other_persons_encoding = ListEncoding::Bare;
                }
                0x5F1B => set_once(
                    &mut dg.endorsements,
                    text("endorsements (5F1B)")?,
                    FILE,
                    "endorsements (5F1B)",
                )?,
                0x5F1C => set_once(
                    &mut dg.tax_exit_requirements,
                    text("tax/exit requirements (5F1C)")?,
                    FILE,
                    "tax/exit requirements (5F1C)",
                )?,
                0x5F1D => set_once(
                    &mut dg.image_front,
                    c.value.to_vec(),
                    FILE,
                    "image of front (5F1D)",
                )?,
                0x5F1E => set_once(
                    &mut dg.image_rear,
                    c.value.to_vec(),
                    FILE,
                    "image of rear (5F1E)",
                )?,
                0x5F55 => set_once(
                    &mut dg.personalisation_time,
                    text("personalisation time (5F55)")?,
                    FILE,
                    "personalisation time (5F55)",
                )?,
                0x5F56 => set_once(
                    &mut dg.personalisation_device,
                    text("personalisation device (5F56)")?,
                    FILE,
                    "personalisation device (5F56)",
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

    /// Encode DG12: tag list as stored, then the elements in the order of ICAO 9303-10 Table 47,
    /// then unknown elements.
    pub fn encode(&self) -> Vec<u8> {
        let mut items = vec![encode(0x5C, &encode_tag_list(&self.tag_list))];
        push_opt(&mut items, 0x5F19, &self.issuing_authority);
        push_opt(&mut items, 0x5F26, &self.date_of_issue);
        if !self.other_persons.is_empty() {
            items.extend(encode_counted_list(
                0x5F1A,
                &self.other_persons,
                self.other_persons_encoding,
            ));
        }
        push_opt(&mut items, 0x5F1B, &self.endorsements);
        push_opt(&mut items, 0x5F1C, &self.tax_exit_requirements);
        push_opt(&mut items, 0x5F1D, &self.image_front);
        push_opt(&mut items, 0x5F1E, &self.image_rear);
        push_opt(&mut items, 0x5F55, &self.personalisation_time);
        push_opt(&mut items, 0x5F56, &self.personalisation_device);
        items.extend(self.unknown.iter().cloned());
        encode_constructed(0x6C, &items)
    }

    /// Tags of the elements present, for the tag list of a DG12 built in code (the other-persons
    /// template is listed as `A0`).
    pub fn present_tags(&self) -> Vec<u32> {
        let mut tags = Vec::new();
        let mut add = |present: bool, tag: u32| {
            if present {
                tags.push(tag)
            }
        };
        add(self.issuing_authority.is_some(), 0x5F19);
        add(self.date_of_issue.is_some(), 0x5F26);
        add(!self.other_persons.is_empty(), 0xA0);
        add(self.endorsements.is_some(), 0x5F1B);
        add(self.tax_exit_requirements.is_some(), 0x5F1C);
        add(self.image_front.is_some(), 0x5F1D);
        add(self.image_rear.is_some(), 0x5F1E);
        add(self.personalisation_time.is_some(), 0x5F55);
        add(self.personalisation_device.is_some(), 0x5F56);
        tags
    }

    /// Rules of ICAO 9303-10 the content breaks: tag list not matching the elements (the `A0`
    /// template may be listed as `A0` or `5F1A`).
    pub fn check(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        let listed: Vec<u32> = self
            .tag_list
            .iter()
            .map(|t| if *t == 0x5F1A { 0xA0 } else { *t })
            .collect();
        let mut present = self.present_tags();
        present.extend(unknown_tags(&self.unknown));
        compare_tag_lists(FILE, &listed, &present, &mut issues);
        if !crate::common::bcd_date_tags(&self.raw, &[0x5F26]).is_empty() {
            issues.push(Issue::new(
                FILE,
                "date of issue (5F26)",
                "stored as 4 BCD bytes, not as the 8 digits YYYYMMDD (read all the same)",
            ));
        }
        issues
    }
}
