//! Errors about an MRZ or one of its fields.

use crate::MrzFormat;

/// Errors about an MRZ or one of its fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MrzError {
    /// The input is far longer than any MRZ.
    #[error(
        "the input is {found} bytes long but an MRZ (with line breaks and spaces) is at most {max}; \
         pass only the text of the machine readable zone"
    )]
    InputTooLong {
        /// Length of the input in bytes.
        found: usize,
        /// [`MAX_INPUT_LEN`](crate::MAX_INPUT_LEN).
        max: usize,
    },

    /// Wrong number of lines or wrong line lengths.
    #[error(
        "not an MRZ: found {}; expected 3 lines of 30 characters (TD1), 2 lines of 36 (TD2, MRV-B) \
         or 2 lines of 44 (TD3, MRV-A), or the same as one string of 90, 72 or 88 characters",
        describe_lines(.line_lengths)
    )]
    NotAnMrz {
        /// Length (in characters) of each non-empty line found.
        line_lengths: Vec<usize>,
    },

    /// A character outside `A-Z`, `0-9` and `<`.
    #[error(
        "character {} at {} ({field}) is not allowed in an MRZ: only A-Z, 0-9 and '<' are \
         (type letters in upper case and fillers as '<')",
        describe_char(*.found),
        describe_location(.line, *.position)
    )]
    InvalidCharacter {
        /// The field the character belongs to.
        field: &'static str,
        /// Line of the MRZ (1-based), or `None` for a value given on its own.
        line: Option<usize>,
        /// Position in the line, or in the value when `line` is `None` (1-based).
        position: usize,
        /// The offending character.
        found: char,
    },

    /// A check digit does not match its data.
    #[error(
        "{field} check digit at line {line}, position {position} is {found:?} but the data gives \
         {expected:?}: the MRZ was misread or mistyped, compare it with the document"
    )]
    CheckDigit {
        /// The field the check digit protects (`"composite"` for the final check digit).
        field: &'static str,
        /// Line of the MRZ (1-based).
        line: usize,
        /// Position of the check digit in the line (1-based).
        position: usize,
        /// The check digit computed from the data.
        expected: char,
        /// The character printed.
        found: char,
    },

    /// A field with a fixed length has another length.
    #[error("{field} must be {expected} characters, found {found}")]
    FieldLength {
        /// The field, as named in ICAO 9303.
        field: &'static str,
        /// Its fixed length.
        expected: usize,
        /// The length given.
        found: usize,
    },

    /// A field does not fit its place in the zone (names are not truncated automatically).
    #[error(
        "{field} needs {found} characters but only {max} fit in a {format} MRZ; shorten it as \
         ICAO 9303-3 §4.6 describes"
    )]
    FieldTooLong {
        /// The field, as named in ICAO 9303.
        field: &'static str,
        /// The most characters the field has in this format.
        max: usize,
        /// The characters given.
        found: usize,
        /// The format being written.
        format: MrzFormat,
    },

    /// A field value that can not be written in an MRZ.
    #[error("{field} can not be used: {reason}")]
    InvalidField {
        /// The field, as named in ICAO 9303.
        field: &'static str,
        /// What is wrong with the value.
        reason: &'static str,
    },
}

fn describe_lines(lengths: &[usize]) -> String {
    match lengths {
        [] => "no text".to_string(),
        [one] => format!("1 line of {one} characters"),
        many => {
            let list: Vec<String> = many.iter().map(|n| n.to_string()).collect();
            format!("{} lines of {} characters", many.len(), list.join(", "))
        }
    }
}

fn describe_location(line: &Option<usize>, position: usize) -> String {
    match line {
        Some(line) => format!("line {line}, position {position}"),
        None => format!("position {position}"),
    }
}

/// A character as a person can read it: `'x'` when printable, `U+XXXX` otherwise.
fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("'{c}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_is_expected() {
        let e = MrzError::NotAnMrz {
            line_lengths: vec![30, 30, 29],
        };
        let text = e.to_string();
        assert!(text.contains("3 lines of 30, 30, 29 characters"), "{text}");
        assert!(text.contains("3 lines of 30 characters (TD1)"), "{text}");
        let e = MrzError::InvalidCharacter {
            field: "name",
            line: Some(3),
            position: 30,
            found: '>',
        };
        assert!(e.to_string().contains("line 3, position 30"));
        assert!(MrzError::NotAnMrz {
            line_lengths: vec![]
        }
        .to_string()
        .contains("found no text"));
    }
}
