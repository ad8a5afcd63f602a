//! DG1 (ICAO 9303-10 §4.7.1): the MRZ as stored on the chip.

use crate::check::Issue;
use crate::common::{children, outer};
use crate::LdsError;
use emrtd_mrz::{Mrz, MrzError};
use emrtd_tlv::{encode, encode_constructed};

const FILE: &str = "DG1";

/// Decoded DG1.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Dg1 {
    /// The MRZ characters exactly as stored (no line breaks).
    pub mrz_text: String,
    /// Elements other than 5F1F, kept raw.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
    /// The file exactly as decoded (empty when built in code).
    #[serde(skip)]
    pub raw: Vec<u8>,
}

impl Dg1 {
    /// Decode DG1 from the bytes read from the chip.
    pub fn decode(bytes: &[u8]) -> Result<Dg1, LdsError> {
        let outer = outer(bytes, 0x61, FILE)?;
        let mut mrz_text = None;
        let mut unknown = Vec::new();
        for child in children(&outer, FILE)? {
            if child.tag == 0x5F1F && mrz_text.is_none() {
                if !child.value.iter().all(|b| b.is_ascii_graphic()) {
                    return Err(LdsError::Invalid {
                        file: FILE,
                        element: "MRZ (5F1F)",
                        reason: "contains non-printable or non-ASCII bytes".into(),
                    });
                }
                mrz_text = Some(child.value.iter().map(|b| *b as char).collect());
            } else {
                unknown.push(child.raw.to_vec());
            }
        }
        Ok(Dg1 {
            mrz_text: mrz_text.ok_or(LdsError::Missing {
                file: FILE,
                element: "MRZ (5F1F)",
            })?,
            unknown,
            raw: bytes.to_vec(),
        })
    }

    /// Build DG1 from an MRZ.
    pub fn from_mrz(mrz: &Mrz) -> Dg1 {
        Dg1 {
            mrz_text: mrz.lines.concat(),
            unknown: Vec::new(),
            raw: Vec::new(),
        }
    }

    /// Rules of ICAO 9303-10 §4.7.1 and 9303-3/4/5 the stored MRZ breaks: a length other than
    /// TD1 (90), TD2 (72) or TD3 (88), characters other than `A-Z`, `0-9`, `<`, wrong check
    /// digits, an unknown document code, issuing state or nationality that are not letters, a
    /// void name, a sex other than `M`, `F`, `X` or `<`, impossible dates (a date of birth may
    /// have unknown parts written `<`).
    pub fn check(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        let len = self.mrz_text.len();
        if ![72, 88, 90].contains(&len) {
            issues.push(Issue::new(
                FILE,
                "MRZ (5F1F)",
                format!("{len} characters is not a TD1 (90), TD2 (72) or TD3 (88) MRZ"),
            ));
        }
        if let Some((i, c)) = self
            .mrz_text
            .chars()
            .enumerate()
            .find(|(_, c)| !(c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '<'))
        {
            issues.push(Issue::new(
                FILE,
                "MRZ (5F1F)",
                format!("character {c:?} at position {i} is not an MRZ character"),
            ));
        }
        if !issues.is_empty() {
            return issues;
        }
        let mrz = match self.mrz() {
            Ok(m) => m,
            Err(e) => {
                issues.push(Issue::new(
                    FILE,
                    "MRZ (5F1F)",
                    format!("does not parse: {e}"),
                ));
                return issues;
            }
        };
        for (field, ok) in &mrz.checks {
            if !ok {
                issues.push(Issue::new(
                    FILE,
                    "MRZ check digit",
                    format!("check digit of {field} is wrong"),
                ));
            }
        }
        if !matches!(
            mrz.document_code.chars().next(),
            Some('P' | 'I' | 'A' | 'C' | 'V')
        ) {
            issues.push(Issue::new(
                FILE,
                "MRZ document code",
                format!(
                    "{:?} is not a known document type (P, I, A, C, V)",
                    mrz.document_code
                ),
            ));
        }
        for (element, code) in [
            ("MRZ issuing state", &mrz.issuing_state),
            ("MRZ nationality", &mrz.nationality),
        ] {
            if code.is_empty() || !code.chars().all(|c| c.is_ascii_uppercase() || c == '<') {
                issues.push(Issue::new(
                    FILE,
                    element,
                    format!("{code:?} is not a 1 to 3 letter code"),
                ));
            }
        }
        if mrz.primary_identifier.trim().is_empty() {
            issues.push(Issue::new(
                FILE,
                "MRZ name",
                "the primary identifier is void",
            ));
        }
        if !["M", "F", "X", "<", ""].contains(&mrz.sex.as_str()) {
            issues.push(Issue::new(
                FILE,
                "MRZ sex",
                format!("{:?} is not M, F, X or <", mrz.sex),
            ));
        }
        if !date_ok(&mrz.date_of_birth, true) {
            issues.push(Issue::new(
                FILE,
                "MRZ date of birth",
                format!("{:?} is not a date YYMMDD", mrz.date_of_birth),
            ));
        }
        if !date_ok(&mrz.date_of_expiry, false) {
            issues.push(Issue::new(
                FILE,
                "MRZ date of expiry",
                format!("{:?} is not a date YYMMDD", mrz.date_of_expiry),
            ));
        }
        issues
    }

    /// Does the stored MRZ equal `printed` (the MRZ read from the data page), ignoring line
    /// breaks and spaces?
    pub fn matches(&self, printed: &str) -> bool {
        let printed: String = printed.chars().filter(|c| !c.is_whitespace()).collect();
        printed == self.mrz_text
    }

    /// Parse the stored MRZ (check digits are reported in the result, not as an error).
    pub fn mrz(&self) -> Result<Mrz, MrzError> {
        Mrz::parse(&self.mrz_text)
    }

    /// Encode DG1.
    pub fn encode(&self) -> Vec<u8> {
        let mut children = vec![encode(0x5F1F, self.mrz_text.as_bytes())];
        children.extend(self.unknown.iter().cloned());
        encode_constructed(0x61, &children)
    }
}

/// A `YYMMDD` date: digits forming a real month and day; with `unknown_parts`, a part may be
/// `<<` (unknown), as ICAO 9303-3 allows for dates of birth.
fn date_ok(date: &str, unknown_parts: bool) -> bool {
    let b = date.as_bytes();
    if b.len() != 6 {
        return false;
    }
    let part = |i: usize| -> Option<Option<u8>> {
        match (b[i], b[i + 1]) {
            (b'<', b'<') if unknown_parts => Some(None),
            (x, y) if x.is_ascii_digit() && y.is_ascii_digit() => {
                Some(Some((x - b'0') * 10 + (y - b'0')))
            }
            _ => None,
        }
    };
    let (Some(year), Some(month), Some(day)) = (part(0), part(2), part(4)) else {
        return false;
    };
    let max_day = match month {
        None => 31,
        Some(1 | 3 | 5 | 7 | 8 | 10 | 12) => 31,
        Some(4 | 6 | 9 | 11) => 30,
        // Without the century a year divisible by 4 may be a leap year (2000 was one).
        Some(2) => match year {
            Some(y) if y % 4 != 0 => 28,
            _ => 29,
        },
        Some(_) => return false,
    };
    match day {
        None => true,
        Some(d) => (1..=max_day).contains(&d),
    }
}
