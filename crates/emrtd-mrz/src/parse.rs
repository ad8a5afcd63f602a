//! Reading a machine readable zone.

use crate::format::{Layout, Span};
use crate::{char_value, check_digit, mrz_information, no, Date, MrzError, MrzFormat};
use serde::Serialize;
use std::collections::BTreeMap;

/// Longest input [`Mrz::parse`] accepts, in bytes. The longest MRZ is 90 characters; this
/// leaves room for line breaks and surrounding spaces while refusing arbitrary documents.
pub const MAX_INPUT_LEN: usize = 1024;

/// A parsed machine readable zone.
///
/// Text fields are as printed, with filler characters (`<`) removed from their ends; names have
/// their inner fillers turned into spaces. Check digits do not stop parsing: their outcome is in
/// [`checks`](Mrz::checks), and [`Mrz::validate`] turns a failure into an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Mrz {
    /// Layout, from the line count and length (and a leading `V` for visas).
    pub format: MrzFormat,
    /// `P`, `I`, `ID`, `AC`, `V`, … (trailing filler removed).
    pub document_code: String,
    /// Three-letter code of the issuing state or organisation (`D` for Germany).
    pub issuing_state: String,
    /// The whole document number, including the part that overflows into the optional data of
    /// TD1/TD2 documents (ICAO 9303-5 §4.2.2 note j), without its check digit or fillers.
    pub document_number: String,
    /// `YYMMDD` as printed (may hold `<` for unknown parts).
    pub date_of_birth: String,
    /// `YYMMDD` as printed.
    pub date_of_expiry: String,
    /// `M`, `F` or `<`, as printed.
    pub sex: String,
    /// Three-letter nationality code (fillers removed).
    pub nationality: String,
    /// Primary identifier (surname), fillers turned into spaces.
    pub primary_identifier: String,
    /// Secondary identifier (given names), fillers turned into spaces.
    pub secondary_identifier: String,
    /// TD1 line-1 optional data (after a document number overflow and its check digit, if
    /// any), TD2/MRV optional data, TD3 personal number; fillers at the ends removed.
    pub optional_data: String,
    /// TD1 line-2 optional data; `None` for the other formats.
    pub optional_data_2: Option<String>,
    /// Outcome of every check digit, keyed `document_number`, `date_of_birth`,
    /// `date_of_expiry`, `optional_data` (TD3) and `composite` (TD1, TD2, TD3).
    pub checks: BTreeMap<String, bool>,
    /// Whether every check digit is right.
    pub valid: bool,
    /// The lines as read (after trimming).
    #[serde(skip)]
    pub lines: Vec<String>,
}

/// The outcome of one check digit.
#[derive(Debug, Clone)]
struct Check {
    key: &'static str,
    field: &'static str,
    line: usize,
    position: usize,
    expected: char,
    found: char,
    ok: bool,
}

impl Check {
    fn error(&self) -> MrzError {
        MrzError::CheckDigit {
            field: self.field,
            line: self.line,
            position: self.position,
            expected: self.expected,
            found: self.found,
        }
    }
}

/// Split the input into lines of characters, rejecting oversized input and unknown shapes.
fn split_lines(text: &str) -> Result<(MrzFormat, Vec<Vec<char>>), MrzError> {
    if text.len() > MAX_INPUT_LEN {
        return Err(MrzError::InputTooLong {
            found: text.len(),
            max: MAX_INPUT_LEN,
        });
    }
    let lines: Vec<Vec<char>> = text
        .split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| l.chars().collect())
        .collect();
    let shape_error = |lines: &[Vec<char>]| MrzError::NotAnMrz {
        line_lengths: lines.iter().map(Vec::len).collect(),
    };
    if let Some(format) = detect_shape(&lines) {
        return Ok((format, lines));
    }
    // Not the shape of a zone line by line: the lines may have been joined, or split by spaces
    // (OCR output, copied text). MRZ characters never include white space, so drop it all and
    // cut one string of 90, 72 or 88 characters into lines.
    let joined: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let width = match joined.len() {
        90 => 30,
        72 => 36,
        88 => 44,
        _ => return Err(shape_error(&lines)),
    };
    let rejoined: Vec<Vec<char>> = joined.chunks(width).map(<[char]>::to_vec).collect();
    match detect_shape(&rejoined) {
        Some(format) => Ok((format, rejoined)),
        None => Err(shape_error(&lines)),
    }
}

/// The format of lines that all have the width of one of the formats, if any.
fn detect_shape(lines: &[Vec<char>]) -> Option<MrzFormat> {
    let first = lines.first()?;
    let width = first.len();
    if lines.iter().any(|l| l.len() != width) {
        return None;
    }
    let first_char = first.first().copied().unwrap_or('<');
    MrzFormat::detect(lines.len(), width, first_char)
}

/// The characters of a span (empty if it lies outside the lines; the layout prevents that).
fn chars(lines: &[Vec<char>], s: Span) -> &[char] {
    lines
        .get(s.line)
        .and_then(|l| l.get(s.start..s.end()))
        .unwrap_or(&[])
}

fn text(lines: &[Vec<char>], s: Span) -> String {
    chars(lines, s).iter().collect()
}

fn one(lines: &[Vec<char>], s: Span) -> char {
    chars(lines, s).first().copied().unwrap_or('<')
}

fn strip(s: &str) -> String {
    s.trim_matches('<').to_string()
}

/// Split the name field into primary and secondary identifiers (ICAO 9303-3 §4.6).
fn split_name(raw: &str) -> (String, String) {
    let (primary, secondary) = raw.split_once("<<").unwrap_or((raw, ""));
    let words = |s: &str| -> String {
        s.split('<')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    (words(primary), words(secondary))
}

fn check(
    key: &'static str,
    field: &'static str,
    data: &str,
    at: Span,
    found: char,
    filler_allowed: bool,
) -> Check {
    let expected = check_digit(data).map_or('?', |d| char::from(b'0' + d));
    let all_fillers = data.chars().all(|c| c == '<');
    Check {
        key,
        field,
        line: at.line + 1,
        position: at.start + 1,
        expected,
        found,
        ok: found == expected || (filler_allowed && found == '<' && all_fillers),
    }
}

/// Everything read from a zone whose shape and characters are known to be right.
fn read(format: MrzFormat, lines: &[Vec<char>]) -> (Mrz, Vec<Check>) {
    let l = Layout::of(format);
    let mut checks = Vec::with_capacity(5);

    // Document number, with the TD1/TD2 overflow of ICAO 9303-5 §4.2.2 note j / 9303-6: when
    // the check digit position holds '<' after nine significant characters, the number goes
    // on in the optional data up to the first '<', whose last character is the check digit.
    let doc_field = chars(lines, l.document_number);
    let doc_check = one(lines, l.document_number_check);
    let optional = chars(lines, l.optional_data);
    let overflow_allowed = matches!(format, MrzFormat::Td1 | MrzFormat::Td2);
    let overflow_len = optional.iter().take_while(|c| **c != '<').count();
    let long = overflow_allowed
        && doc_check == '<'
        && doc_field.last().is_some_and(|c| *c != '<')
        && overflow_len >= 2;
    let (document_number, optional_data) = if long {
        let head: String = doc_field.iter().collect();
        let tail: String = optional.iter().take(overflow_len - 1).collect();
        let number = head + &tail;
        let at = Span {
            line: l.optional_data.line,
            start: l.optional_data.start + overflow_len - 1,
            len: 1,
        };
        let found = optional.get(overflow_len - 1).copied().unwrap_or('<');
        checks.push(check(
            "document_number",
            "document number",
            &number,
            at,
            found,
            false,
        ));
        let rest: String = optional.iter().skip(overflow_len).collect();
        (number, strip(&rest))
    } else {
        let raw: String = doc_field.iter().collect();
        checks.push(check(
            "document_number",
            "document number",
            &raw,
            l.document_number_check,
            doc_check,
            false,
        ));
        (
            raw.trim_end_matches('<').to_string(),
            strip(&text(lines, l.optional_data)),
        )
    };

    let date_of_birth = text(lines, l.date_of_birth);
    checks.push(check(
        "date_of_birth",
        "date of birth",
        &date_of_birth,
        l.date_of_birth_check,
        one(lines, l.date_of_birth_check),
        false,
    ));
    let date_of_expiry = text(lines, l.date_of_expiry);
    checks.push(check(
        "date_of_expiry",
        "date of expiry",
        &date_of_expiry,
        l.date_of_expiry_check,
        one(lines, l.date_of_expiry_check),
        false,
    ));
    if let Some(at) = l.optional_data_check {
        // ICAO 9303-4 note: with an unused personal number the check digit may be '<'.
        checks.push(check(
            "optional_data",
            "optional data",
            &text(lines, l.optional_data),
            at,
            one(lines, at),
            true,
        ));
    }
    if let Some(at) = l.composite_check {
        let data: String = l.composite_data.iter().map(|s| text(lines, *s)).collect();
        checks.push(check(
            "composite",
            "composite",
            &data,
            at,
            one(lines, at),
            false,
        ));
    }

    let (primary_identifier, secondary_identifier) = split_name(&text(lines, l.name));
    let check_map: BTreeMap<String, bool> =
        checks.iter().map(|c| (c.key.to_string(), c.ok)).collect();
    let valid = checks.iter().all(|c| c.ok);
    let mrz = Mrz {
        format,
        document_code: text(lines, l.document_code)
            .trim_end_matches('<')
            .to_string(),
        issuing_state: strip(&text(lines, l.issuing_state)),
        document_number,
        date_of_birth,
        date_of_expiry,
        sex: text(lines, l.sex),
        nationality: strip(&text(lines, l.nationality)),
        primary_identifier,
        secondary_identifier,
        optional_data,
        optional_data_2: l.optional_data_2.map(|s| strip(&text(lines, s))),
        checks: check_map,
        valid,
        lines: lines.iter().map(|l| l.iter().collect()).collect(),
    };
    (mrz, checks)
}

/// Parse and read, returning the check details too.
fn parse_full(text: &str) -> Result<(Mrz, Vec<Check>), MrzError> {
    let (format, lines) = split_lines(text)?;
    let layout = Layout::of(format);
    for (li, line) in lines.iter().enumerate() {
        if let Some((pi, found)) = line
            .iter()
            .enumerate()
            .find(|(_, c)| char_value(**c).is_none())
        {
            return Err(MrzError::InvalidCharacter {
                field: layout.field_at(li, pi),
                line: Some(li + 1),
                position: pi + 1,
                found: *found,
            });
        }
    }
    Ok(read(format, &lines))
}

impl Mrz {
    /// Parse a machine readable zone: lines separated by line breaks (LF or CRLF), or one
    /// string of 90 (TD1), 72 (TD2, MRV-B) or 88 (TD3, MRV-A) characters. Spaces around lines
    /// and empty lines are ignored; anything else outside `A-Z`, `0-9`, `<` is an error
    /// (lower case is not converted). Wrong check digits do not make this fail; see
    /// [`Mrz::validate`].
    pub fn parse(text: &str) -> Result<Mrz, MrzError> {
        parse_full(text).map(|(mrz, _)| mrz)
    }

    /// Parse a zone given as separate lines.
    pub fn from_lines<S: AsRef<str>>(lines: &[S]) -> Result<Mrz, MrzError> {
        let total: usize = lines.iter().map(|l| l.as_ref().len() + 1).sum();
        if total > MAX_INPUT_LEN {
            return Err(MrzError::InputTooLong {
                found: total,
                max: MAX_INPUT_LEN,
            });
        }
        let joined: Vec<&str> = lines.iter().map(AsRef::as_ref).collect();
        Mrz::parse(&joined.join("\n"))
    }

    /// Whether every check digit is right.
    pub fn is_valid(&self) -> bool {
        self.valid && !self.checks.is_empty() && self.checks.values().all(|ok| *ok)
    }

    /// `Ok` if every check digit is right, else the first wrong one (in the order document
    /// number, date of birth, date of expiry, optional data, composite).
    pub fn validate(&self) -> Result<(), MrzError> {
        match self.check_failures().into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Every wrong check digit, as [`MrzError::CheckDigit`], in MRZ order. (If `lines` was
    /// changed so that it no longer parses, the parse error.)
    pub fn check_failures(&self) -> Vec<MrzError> {
        match parse_full(&self.lines.join("\n")) {
            Ok((_, checks)) => checks.iter().filter(|c| !c.ok).map(Check::error).collect(),
            Err(e) => vec![e],
        }
    }

    /// The lines joined by `\n`.
    pub fn to_string_lines(&self) -> String {
        self.lines.join("\n")
    }

    /// The MRZ information for BAC and the PACE MRZ password (see [`mrz_information`]).
    pub fn access_key_info(&self) -> Result<String, MrzError> {
        mrz_information(
            &self.document_number,
            &self.date_of_birth,
            &self.date_of_expiry,
        )
    }

    /// Date of birth, with the century chosen so that it is not after `today`
    /// (see [`Date::birth_from_yymmdd`]). `None` if the printed date is incomplete or not real.
    pub fn birth_date(&self, today: Date) -> Option<Date> {
        Date::birth_from_yymmdd(&self.date_of_birth, today)
    }

    /// Date of expiry (years 00–69 → 20YY, 70–99 → 19YY; see [`Date::expiry_from_yymmdd`]).
    pub fn expiry_date(&self) -> Option<Date> {
        Date::expiry_from_yymmdd(&self.date_of_expiry)
    }

    /// The Norwegian national identity number in the optional data of a Norwegian document,
    /// if it is there and valid (see [`no::extract_candidate`]).
    pub fn norwegian_personal_number(&self) -> Option<no::Fodselsnummer> {
        no::extract_candidate(self).and_then(|n| no::Fodselsnummer::parse(&n).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            split_name("ERIKSSON<<ANNA<MARIA<<<<<<<<<<"),
            ("ERIKSSON".into(), "ANNA MARIA".into())
        );
        assert_eq!(
            split_name("CACADOR<DE<ARAUJO<<ANDRE<ESTEV"),
            ("CACADOR DE ARAUJO".into(), "ANDRE ESTEV".into())
        );
        assert_eq!(
            split_name("TEST<<<<<<<<<<<<<<<<<<<<<<<<<<"),
            ("TEST".into(), String::new())
        );
        assert_eq!(
            split_name("VERYLONGSURNAMEWITHOUTANYFILLE"),
            ("VERYLONGSURNAMEWITHOUTANYFILLE".into(), String::new())
        );
        assert_eq!(split_name("<<<<"), (String::new(), String::new()));
    }

    #[test]
    fn shapes() {
        let td1 = "I<UTOD231458907<<<<<<<<<<<<<<<\r\n7408122F1204159UTO<<<<<<<<<<<6\r\nERIKSSON<<ANNA<MARIA<<<<<<<<<<\r\n";
        assert_eq!(split_lines(td1).unwrap().0, MrzFormat::Td1);
        let joined = td1.replace("\r\n", "");
        assert_eq!(split_lines(&joined).unwrap().0, MrzFormat::Td1);
        assert!(matches!(
            split_lines(""),
            Err(MrzError::NotAnMrz { line_lengths }) if line_lengths.is_empty()
        ));
    }
}
