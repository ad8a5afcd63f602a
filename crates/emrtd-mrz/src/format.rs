//! The five MRZ layouts.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Layout of a machine readable zone.
// Not #[non_exhaustive]: ICAO 9303 parts 4-7 define exactly these layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MrzFormat {
    /// ID-1 size document: 3 lines of 30 characters (ICAO 9303-5).
    #[serde(rename = "TD1")]
    Td1,
    /// ID-2 size document: 2 lines of 36 characters (ICAO 9303-6).
    #[serde(rename = "TD2")]
    Td2,
    /// Passport: 2 lines of 44 characters (ICAO 9303-4).
    #[serde(rename = "TD3")]
    Td3,
    /// Full-size visa: 2 lines of 44 characters, document code starting with `V` (ICAO 9303-7).
    #[serde(rename = "MRVA")]
    MrvA,
    /// Small visa: 2 lines of 36 characters, document code starting with `V` (ICAO 9303-7).
    #[serde(rename = "MRVB")]
    MrvB,
}

impl MrzFormat {
    /// All formats.
    pub const ALL: [MrzFormat; 5] = [
        MrzFormat::Td1,
        MrzFormat::Td2,
        MrzFormat::Td3,
        MrzFormat::MrvA,
        MrzFormat::MrvB,
    ];

    /// Number of lines.
    pub fn line_count(self) -> usize {
        match self {
            MrzFormat::Td1 => 3,
            _ => 2,
        }
    }

    /// Characters per line.
    pub fn line_length(self) -> usize {
        match self {
            MrzFormat::Td1 => 30,
            MrzFormat::Td2 | MrzFormat::MrvB => 36,
            MrzFormat::Td3 | MrzFormat::MrvA => 44,
        }
    }

    /// Whether this is a visa format (document code starts with `V`).
    pub fn is_visa(self) -> bool {
        matches!(self, MrzFormat::MrvA | MrzFormat::MrvB)
    }

    /// The name used in serialisation and display: `TD1`, `TD2`, `TD3`, `MRVA`, `MRVB`.
    pub fn as_str(self) -> &'static str {
        match self {
            MrzFormat::Td1 => "TD1",
            MrzFormat::Td2 => "TD2",
            MrzFormat::Td3 => "TD3",
            MrzFormat::MrvA => "MRVA",
            MrzFormat::MrvB => "MRVB",
        }
    }

    /// The format of a zone with `lines` lines of `length` characters whose document code
    /// starts with `first_char`.
    pub(crate) fn detect(lines: usize, length: usize, first_char: char) -> Option<MrzFormat> {
        let visa = first_char == 'V';
        match (lines, length) {
            (3, 30) => Some(MrzFormat::Td1),
            (2, 36) if visa => Some(MrzFormat::MrvB),
            (2, 36) => Some(MrzFormat::Td2),
            (2, 44) if visa => Some(MrzFormat::MrvA),
            (2, 44) => Some(MrzFormat::Td3),
            _ => None,
        }
    }
}

impl fmt::Display for MrzFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A field of the zone: 0-based line, 0-based start, length.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    pub line: usize,
    pub start: usize,
    pub len: usize,
}

const fn span(line: usize, start: usize, len: usize) -> Span {
    Span { line, start, len }
}

impl Span {
    pub fn end(self) -> usize {
        self.start + self.len
    }
}

/// Where each field sits, per ICAO 9303-4 (TD3), -5 (TD1), -6 (TD2), -7 (MRV-A/B).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub document_code: Span,
    pub issuing_state: Span,
    pub document_number: Span,
    pub document_number_check: Span,
    pub date_of_birth: Span,
    pub date_of_birth_check: Span,
    pub sex: Span,
    pub date_of_expiry: Span,
    pub date_of_expiry_check: Span,
    pub nationality: Span,
    pub name: Span,
    /// TD1 line 1 optional data, TD3 personal number, TD2/MRV optional data.
    pub optional_data: Span,
    /// TD3 only.
    pub optional_data_check: Option<Span>,
    /// TD1 only: line 2 optional data.
    pub optional_data_2: Option<Span>,
    /// TD1, TD2, TD3.
    pub composite_check: Option<Span>,
    /// The pieces the composite check digit covers, in order.
    pub composite_data: &'static [Span],
}

const TD1_COMPOSITE: [Span; 4] = [
    span(0, 5, 25),
    span(1, 0, 7),
    span(1, 8, 7),
    span(1, 18, 11),
];
const TD2_COMPOSITE: [Span; 3] = [span(1, 0, 10), span(1, 13, 7), span(1, 21, 14)];
const TD3_COMPOSITE: [Span; 3] = [span(1, 0, 10), span(1, 13, 7), span(1, 21, 22)];

impl Layout {
    pub fn of(format: MrzFormat) -> Layout {
        match format {
            MrzFormat::Td1 => Layout {
                document_code: span(0, 0, 2),
                issuing_state: span(0, 2, 3),
                document_number: span(0, 5, 9),
                document_number_check: span(0, 14, 1),
                optional_data: span(0, 15, 15),
                date_of_birth: span(1, 0, 6),
                date_of_birth_check: span(1, 6, 1),
                sex: span(1, 7, 1),
                date_of_expiry: span(1, 8, 6),
                date_of_expiry_check: span(1, 14, 1),
                nationality: span(1, 15, 3),
                optional_data_2: Some(span(1, 18, 11)),
                composite_check: Some(span(1, 29, 1)),
                name: span(2, 0, 30),
                optional_data_check: None,
                composite_data: &TD1_COMPOSITE,
            },
            _ => {
                let width = format.line_length();
                let (optional_len, optional_check, composite, composite_data): (
                    usize,
                    Option<Span>,
                    Option<Span>,
                    &'static [Span],
                ) = match format {
                    MrzFormat::Td2 => (7, None, Some(span(1, 35, 1)), &TD2_COMPOSITE),
                    MrzFormat::Td3 => (
                        14,
                        Some(span(1, 42, 1)),
                        Some(span(1, 43, 1)),
                        &TD3_COMPOSITE,
                    ),
                    _ => (width - 28, None, None, &[]),
                };
                Layout {
                    document_code: span(0, 0, 2),
                    issuing_state: span(0, 2, 3),
                    name: span(0, 5, width - 5),
                    document_number: span(1, 0, 9),
                    document_number_check: span(1, 9, 1),
                    nationality: span(1, 10, 3),
                    date_of_birth: span(1, 13, 6),
                    date_of_birth_check: span(1, 19, 1),
                    sex: span(1, 20, 1),
                    date_of_expiry: span(1, 21, 6),
                    date_of_expiry_check: span(1, 27, 1),
                    optional_data: span(1, 28, optional_len),
                    optional_data_check: optional_check,
                    optional_data_2: None,
                    composite_check: composite,
                    composite_data,
                }
            }
        }
    }

    /// Human name of the field at a 0-based line and position, for error messages.
    pub fn field_at(&self, line: usize, pos: usize) -> &'static str {
        let named: [(Option<Span>, &'static str); 15] = [
            (Some(self.document_code), "document code"),
            (Some(self.issuing_state), "issuing state"),
            (Some(self.document_number), "document number"),
            (
                Some(self.document_number_check),
                "document number check digit",
            ),
            (Some(self.date_of_birth), "date of birth"),
            (Some(self.date_of_birth_check), "date of birth check digit"),
            (Some(self.sex), "sex"),
            (Some(self.date_of_expiry), "date of expiry"),
            (
                Some(self.date_of_expiry_check),
                "date of expiry check digit",
            ),
            (Some(self.nationality), "nationality"),
            (Some(self.name), "name"),
            (Some(self.optional_data), "optional data"),
            (self.optional_data_check, "optional data check digit"),
            (self.optional_data_2, "optional data (line 2)"),
            (self.composite_check, "composite check digit"),
        ];
        named
            .iter()
            .find_map(|(s, name)| {
                s.filter(|s| s.line == line && (s.start..s.end()).contains(&pos))
                    .map(|_| *name)
            })
            .unwrap_or("MRZ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_cover_every_position_once() {
        for f in MrzFormat::ALL {
            let l = Layout::of(f);
            let spans: Vec<Span> = [
                Some(l.document_code),
                Some(l.issuing_state),
                Some(l.document_number),
                Some(l.document_number_check),
                Some(l.date_of_birth),
                Some(l.date_of_birth_check),
                Some(l.sex),
                Some(l.date_of_expiry),
                Some(l.date_of_expiry_check),
                Some(l.nationality),
                Some(l.name),
                Some(l.optional_data),
                l.optional_data_check,
                l.optional_data_2,
                l.composite_check,
            ]
            .into_iter()
            .flatten()
            .collect();
            for line in 0..f.line_count() {
                for pos in 0..f.line_length() {
                    let n = spans
                        .iter()
                        .filter(|s| s.line == line && (s.start..s.end()).contains(&pos))
                        .count();
                    assert_eq!(n, 1, "{f} line {line} pos {pos}");
                    assert_ne!(l.field_at(line, pos), "MRZ");
                }
            }
            for s in l.composite_data {
                assert!(s.end() <= f.line_length());
            }
        }
    }

    #[test]
    fn names_match_serde() {
        for f in MrzFormat::ALL {
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(json, format!("\"{f}\""));
            assert_eq!(serde_json::from_str::<MrzFormat>(&json).unwrap(), f);
        }
        assert_eq!(MrzFormat::MrvA.to_string(), "MRVA");
        assert_eq!(MrzFormat::Td1.to_string(), "TD1");
    }
}
