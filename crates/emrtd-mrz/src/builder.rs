//! Writing a machine readable zone from its fields.

use crate::format::{Layout, Span};
use crate::{char_value, check_digit_char, Mrz, MrzError, MrzFormat};

/// Builds a zone of any format from its fields, computing every check digit.
///
/// Values must already be in MRZ characters (`A-Z`, `0-9`; spaces in names and optional data
/// become `<`); nothing is transliterated or truncated: a value that does not fit is an error.
/// A document number longer than 9 characters is written as ICAO 9303-5/-6 prescribe for TD1
/// and TD2 (overflow into the optional data); the other formats refuse it.
///
/// ```
/// use emrtd_mrz::{MrzBuilder, MrzFormat};
/// let mrz = MrzBuilder::new(MrzFormat::Td3)
///     .document_code("P")
///     .issuing_state("UTO")
///     .nationality("UTO")
///     .document_number("L898902C3")
///     .date_of_birth("740812")
///     .sex("F")
///     .date_of_expiry("120415")
///     .primary_identifier("ERIKSSON")
///     .secondary_identifier("ANNA MARIA")
///     .optional_data("ZE184226B")
///     .build()
///     .unwrap();
/// assert_eq!(mrz.lines[1], "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
/// assert!(mrz.is_valid());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MrzBuilder {
    /// The layout to write (TD1, TD2, TD3, MRV-A, MRV-B).
    pub format: MrzFormat,
    /// One or two characters; visas start with `V`, other documents must not.
    pub document_code: String,
    /// One to three characters.
    pub issuing_state: String,
    /// Up to 9 characters in its field; TD1 and TD2-style formats continue longer numbers in
    /// the optional data, as ICAO 9303 describes.
    pub document_number: String,
    /// `YYMMDD`; `<` may stand for unknown digits.
    pub date_of_birth: String,
    /// `YYMMDD`.
    pub date_of_expiry: String,
    /// `M`, `F`, `<` (unspecified); empty means `<`.
    pub sex: String,
    /// One to three characters.
    pub nationality: String,
    /// Surname(s), words separated by `<` or spaces.
    pub primary_identifier: String,
    /// Given name(s); empty when the holder has none.
    pub secondary_identifier: String,
    /// TD1 line-1 optional data, TD2/MRV optional data, TD3 personal number.
    pub optional_data: String,
    /// TD1 line-2 optional data (must be empty for other formats).
    pub optional_data_2: String,
}

macro_rules! setters {
    ($($name:ident),* $(,)?) => {
        $(
            #[doc = concat!("Set `", stringify!($name), "`.")]
            pub fn $name(mut self, value: impl Into<String>) -> Self {
                self.$name = value.into();
                self
            }
        )*
    };
}

/// Only MRZ characters; `position` in the error is 1-based within the value.
fn mrz_chars(field: &'static str, value: &str) -> Result<(), MrzError> {
    chars_allowed(field, value, false)
}

/// Only MRZ characters (and spaces if `spaces`).
fn chars_allowed(field: &'static str, value: &str, spaces: bool) -> Result<(), MrzError> {
    let bad = |c: char| char_value(c).is_none() && !(spaces && c == ' ');
    match value.chars().enumerate().find(|(_, c)| bad(*c)) {
        Some((i, found)) => Err(MrzError::InvalidCharacter {
            field,
            line: None,
            position: i + 1,
            found,
        }),
        None => Ok(()),
    }
}

/// Spaces and `<` separate words; the result joins the words with single `<`.
fn words(field: &'static str, value: &str) -> Result<String, MrzError> {
    chars_allowed(field, value, true)?;
    Ok(value
        .split([' ', '<'])
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("<"))
}

/// Optional data as given, spaces written as `<` and fillers at the ends removed.
fn optional_text(field: &'static str, value: &str) -> Result<String, MrzError> {
    chars_allowed(field, value, true)?;
    Ok(value.replace(' ', "<").trim_matches('<').to_string())
}

/// `YYMMDD` followed by its check digit.
fn date_with_check(field: &'static str, value: &str) -> Result<String, MrzError> {
    mrz_chars(field, value)?;
    let n = value.chars().count();
    if n != 6 {
        return Err(MrzError::FieldLength {
            field,
            expected: 6,
            found: n,
        });
    }
    Ok(format!("{value}{}", check_digit_char(field, value)?))
}

fn fit(
    field: &'static str,
    value: &str,
    span: Span,
    format: MrzFormat,
) -> Result<String, MrzError> {
    let n = value.chars().count();
    if n > span.len {
        return Err(MrzError::FieldTooLong {
            field,
            max: span.len,
            found: n,
            format,
        });
    }
    Ok(format!("{value:<<width$}", width = span.len))
}

impl MrzBuilder {
    /// An empty builder for `format`.
    pub fn new(format: MrzFormat) -> MrzBuilder {
        MrzBuilder {
            format,
            document_code: String::new(),
            issuing_state: String::new(),
            document_number: String::new(),
            date_of_birth: String::new(),
            date_of_expiry: String::new(),
            sex: String::new(),
            nationality: String::new(),
            primary_identifier: String::new(),
            secondary_identifier: String::new(),
            optional_data: String::new(),
            optional_data_2: String::new(),
        }
    }

    setters!(
        document_code,
        issuing_state,
        document_number,
        date_of_birth,
        date_of_expiry,
        sex,
        nationality,
        primary_identifier,
        secondary_identifier,
        optional_data,
        optional_data_2,
    );

    /// A builder holding the fields of a parsed zone (same format).
    pub fn from_mrz(mrz: &Mrz) -> MrzBuilder {
        MrzBuilder {
            format: mrz.format,
            document_code: mrz.document_code.clone(),
            issuing_state: mrz.issuing_state.clone(),
            document_number: mrz.document_number.clone(),
            date_of_birth: mrz.date_of_birth.clone(),
            date_of_expiry: mrz.date_of_expiry.clone(),
            sex: mrz.sex.clone(),
            nationality: mrz.nationality.clone(),
            primary_identifier: mrz.primary_identifier.clone(),
            secondary_identifier: mrz.secondary_identifier.clone(),
            optional_data: mrz.optional_data.clone(),
            optional_data_2: mrz.optional_data_2.clone().unwrap_or_default(),
        }
    }

    /// Write the zone and parse it back.
    pub fn build(&self) -> Result<Mrz, MrzError> {
        Mrz::parse(&self.lines()?.join("\n"))
    }

    /// Write the zone's lines.
    pub fn lines(&self) -> Result<Vec<String>, MrzError> {
        let f = self.format;
        let l = Layout::of(f);

        let code = &self.document_code;
        mrz_chars("document code", code)?;
        let code_len = code.chars().count();
        if !(1..=2).contains(&code_len) || code.starts_with('<') {
            return Err(MrzError::InvalidField {
                field: "document code",
                reason: "it must be one or two characters and start with a letter",
            });
        }
        if code.starts_with('V') != f.is_visa() {
            return Err(MrzError::InvalidField {
                field: "document code",
                reason: "visas (MRV-A, MRV-B) have a code starting with 'V' and other \
                         documents must not, or the zone would read as another format",
            });
        }
        let code = fit("document code", code, l.document_code, f)?;

        let state = |field: &'static str, v: &str, span: Span| -> Result<String, MrzError> {
            mrz_chars(field, v)?;
            if v.trim_matches('<').is_empty() {
                return Err(MrzError::InvalidField {
                    field,
                    reason: "a state or organisation code (such as UTO or D) is required",
                });
            }
            fit(field, v, span, f)
        };
        let issuing_state = state("issuing state", &self.issuing_state, l.issuing_state)?;
        let nationality = state("nationality", &self.nationality, l.nationality)?;

        let dob = date_with_check("date of birth", &self.date_of_birth)?;
        let doe = date_with_check("date of expiry", &self.date_of_expiry)?;

        let sex = match self.sex.as_str() {
            "" | "<" => "<",
            "M" => "M",
            "F" => "F",
            _ => {
                return Err(MrzError::InvalidField {
                    field: "sex",
                    reason: "it must be M, F or < (unspecified)",
                })
            }
        };

        let primary = words("primary identifier", &self.primary_identifier)?;
        let secondary = words("secondary identifier", &self.secondary_identifier)?;
        if primary.is_empty() {
            return Err(MrzError::InvalidField {
                field: "primary identifier",
                reason: "a name is required (a single name is the primary identifier)",
            });
        }
        let name = if secondary.is_empty() {
            primary
        } else {
            format!("{primary}<<{secondary}")
        };
        let name = fit("name", &name, l.name, f)?;

        let optional = optional_text("optional data", &self.optional_data)?;
        let optional_2 = optional_text("optional data (line 2)", &self.optional_data_2)?;
        if l.optional_data_2.is_none() && !optional_2.is_empty() {
            return Err(MrzError::InvalidField {
                field: "optional data (line 2)",
                reason: "only TD1 documents have a second optional data field",
            });
        }

        let doc = &self.document_number;
        mrz_chars("document number", doc)?;
        if doc.is_empty() || doc.contains('<') {
            return Err(MrzError::InvalidField {
                field: "document number",
                reason: "it must be given, without fillers or spaces",
            });
        }
        let doc_len = doc.chars().count();
        let (doc_field, optional_field) = if doc_len > 9 {
            if !matches!(f, MrzFormat::Td1 | MrzFormat::Td2) {
                return Err(MrzError::FieldTooLong {
                    field: "document number",
                    max: 9,
                    found: doc_len,
                    format: f,
                });
            }
            let head: String = doc.chars().take(9).collect();
            let tail: String = doc.chars().skip(9).collect();
            let check = check_digit_char("document number", doc)?;
            let overflow = if optional.is_empty() {
                format!("{tail}{check}")
            } else {
                format!("{tail}{check}<{optional}")
            };
            (
                format!("{head}<"),
                fit(
                    "document number overflow and optional data",
                    &overflow,
                    l.optional_data,
                    f,
                )?,
            )
        } else {
            let padded = format!("{doc:<<9}");
            let check = check_digit_char("document number", &padded)?;
            (
                format!("{padded}{check}"),
                fit("optional data", &optional, l.optional_data, f)?,
            )
        };

        let mut lines = match f {
            MrzFormat::Td1 => {
                let optional_2 = fit(
                    "optional data (line 2)",
                    &optional_2,
                    l.optional_data_2.unwrap_or(l.optional_data),
                    f,
                )?;
                vec![
                    format!("{code}{issuing_state}{doc_field}{optional_field}"),
                    format!("{dob}{sex}{doe}{nationality}{optional_2}"),
                    name,
                ]
            }
            _ => {
                let mut line2 = format!("{doc_field}{nationality}{dob}{sex}{doe}{optional_field}");
                if f == MrzFormat::Td3 {
                    // ICAO 9303-4: an unused personal number has '<' as its check digit.
                    line2.push(if optional.is_empty() {
                        '<'
                    } else {
                        check_digit_char("optional data", &optional_field)?
                    });
                }
                vec![format!("{code}{issuing_state}{name}"), line2]
            }
        };
        if let Some(at) = l.composite_check {
            let data: String = l
                .composite_data
                .iter()
                .map(|s| {
                    lines
                        .get(s.line)
                        .and_then(|line| line.get(s.start..s.end()))
                        .unwrap_or("")
                })
                .collect();
            let digit = check_digit_char("composite", &data)?;
            if let Some(line) = lines.get_mut(at.line) {
                line.push(digit);
            }
        }
        Ok(lines)
    }
}
