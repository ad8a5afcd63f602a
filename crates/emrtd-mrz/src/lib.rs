//! ICAO Doc 9303 machine readable zones (parts 3, 4, 5, 6, 7).
//!
//! * [`Mrz::parse`] reads TD1, TD2, TD3, MRV-A and MRV-B zones, checks every check digit and
//!   records the outcome (a zone with a wrong check digit still parses; see [`Mrz::validate`]).
//! * [`MrzBuilder`] writes a zone of any format from its fields, computing the check digits.
//! * [`mrz_information`] gives the BAC / PACE "MRZ information" (ICAO 9303-11 §4.3).
//! * [`no`] reads Norwegian national identity numbers (fødselsnummer, D- and H-numbers).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod builder;
mod date;
mod error;
mod format;
pub mod no;
mod parse;

pub use builder::MrzBuilder;
pub use date::Date;
pub use error::MrzError;
pub use format::MrzFormat;
pub use parse::{Mrz, MAX_INPUT_LEN};

/// Value of one MRZ character in the check digit computation (ICAO 9303-3 §4.9).
pub fn char_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        'A'..='Z' => Some(c as u32 - 'A' as u32 + 10),
        '<' => Some(0),
        _ => None,
    }
}

/// Check digit of a field (weights 7, 3, 1). `None` if a character is not an MRZ character.
pub fn check_digit(field: &str) -> Option<u8> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum = 0u32;
    for (c, w) in field.chars().zip(WEIGHTS.iter().cycle()) {
        // Reduce as we go so that arbitrarily long input cannot overflow.
        sum = (sum + char_value(c)? * w) % 10;
    }
    Some(sum as u8)
}

/// Check digit of `value` as a character, or the error naming the first non-MRZ character.
pub(crate) fn check_digit_char(field: &'static str, value: &str) -> Result<char, MrzError> {
    match check_digit(value) {
        Some(d) => Ok(char::from(b'0' + d)),
        None => {
            let (index, found) = value
                .chars()
                .enumerate()
                .find(|(_, c)| char_value(*c).is_none())
                .unwrap_or((0, '?'));
            Err(MrzError::InvalidCharacter {
                field,
                line: None,
                position: index + 1,
                found,
            })
        }
    }
}

/// The "MRZ information" that seeds BAC and the PACE MRZ password (ICAO 9303-11 §4.3 / App. D.2):
/// document number (padded with `<` to at least 9 characters) + its check digit, date of birth +
/// check digit, date of expiry + check digit.
///
/// Long document numbers (TD1/TD2 overflow) are used in full, followed by their check digit.
pub fn mrz_information(
    document_number: &str,
    date_of_birth: &str,
    date_of_expiry: &str,
) -> Result<String, MrzError> {
    let mut doc = document_number.to_string();
    while doc.chars().count() < 9 {
        doc.push('<');
    }
    for (field, v) in [
        ("date of birth", date_of_birth),
        ("date of expiry", date_of_expiry),
    ] {
        if v.chars().count() != 6 {
            return Err(MrzError::FieldLength {
                field,
                expected: 6,
                found: v.chars().count(),
            });
        }
    }
    let mut out = String::with_capacity(doc.len() + 15);
    out.push_str(&doc);
    out.push(check_digit_char("document number", &doc)?);
    out.push_str(date_of_birth);
    out.push(check_digit_char("date of birth", date_of_birth)?);
    out.push_str(date_of_expiry);
    out.push(check_digit_char("date of expiry", date_of_expiry)?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icao_examples() {
        assert_eq!(check_digit("L898902C<"), Some(3));
        assert_eq!(check_digit("690806"), Some(1));
        assert_eq!(check_digit("940623"), Some(6));
        assert_eq!(check_digit("a"), None);
        assert_eq!(check_digit(""), Some(0));
        assert_eq!(
            mrz_information("L898902C", "690806", "940623").unwrap(),
            "L898902C<369080619406236"
        );
        assert_eq!(
            mrz_information("D23145890734", "340712", "950712").unwrap(),
            "D23145890734934071279507122"
        );
    }

    #[test]
    fn mrz_information_errors() {
        assert_eq!(
            mrz_information("L898902C", "69080", "940623"),
            Err(MrzError::FieldLength {
                field: "date of birth",
                expected: 6,
                found: 5
            })
        );
        assert_eq!(
            mrz_information("L898902c", "690806", "940623"),
            Err(MrzError::InvalidCharacter {
                field: "document number",
                line: None,
                position: 8,
                found: 'c'
            })
        );
    }
}

// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;
