//! What the relying party expects the document to say, and how it is compared.

use serde::{Deserialize, Serialize};

/// Longest expected value accepted.
pub const MAX_EXPECTED_LEN: usize = 128;

/// Values the relying party already knows (all optional).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// National identity number (e.g. the 11-digit Norwegian number), digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_identity_number: Option<String>,
    /// Document number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
    /// Full name (surname and given names in any order, as transliterated in the MRZ).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Expectations {
    /// Check lengths and characters; returns what is wrong.
    pub fn check(&self) -> Result<(), String> {
        for (field, value) in [
            ("national_identity_number", &self.national_identity_number),
            ("document_number", &self.document_number),
            ("name", &self.name),
        ] {
            if let Some(v) = value {
                if v.len() > MAX_EXPECTED_LEN {
                    return Err(format!(
                        "expect.{field} is {} bytes; at most {MAX_EXPECTED_LEN}",
                        v.len()
                    ));
                }
                if v.chars().any(char::is_control) {
                    return Err(format!("expect.{field} holds control characters"));
                }
            }
        }
        Ok(())
    }
}

/// Outcome of one expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Expected {
    /// The authenticated document says the same.
    Match,
    /// The authenticated document says something else.
    Mismatch,
    /// The relying party did not ask.
    NotRequested,
    /// The document does not carry the value, or the data group holding it is not
    /// authenticated by Passive Authentication.
    Unavailable,
}

/// The outcome of each expectation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExpectationOutcomes {
    /// National identity number.
    pub national_identity_number: Expected,
    /// Document number.
    pub document_number: Expected,
    /// Name.
    pub name: Expected,
}

impl ExpectationOutcomes {
    /// True when nothing requested failed to match.
    pub fn all_met(&self) -> bool {
        [
            self.national_identity_number,
            self.document_number,
            self.name,
        ]
        .iter()
        .all(|e| matches!(e, Expected::Match | Expected::NotRequested))
    }
}

/// Digits only.
pub(crate) fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Document numbers: upper case, fillers and spaces removed.
pub(crate) fn normalize_document_number(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '<' | ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Name tokens: upper case words of letters, sorted (order of names does not matter).
pub(crate) fn name_tokens(s: &str) -> Vec<String> {
    let mut words: Vec<String> = s
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_uppercase)
        .collect();
    words.sort();
    words
}

/// Compare an expected value with what the document holds.
pub(crate) fn compare(
    expected: Option<&str>,
    actual: Option<&str>,
    normalize: impl Fn(&str) -> String,
) -> Expected {
    match (expected, actual) {
        (None, _) => Expected::NotRequested,
        (Some(_), None) => Expected::Unavailable,
        (Some(e), Some(a)) => {
            let (e, a) = (normalize(e), normalize(a));
            if !e.is_empty() && e == a {
                Expected::Match
            } else {
                Expected::Mismatch
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_in_any_order_and_case() {
        let n = |s: &str| name_tokens(s).join(" ");
        assert_eq!(
            compare(
                Some("Aasamund Specimen Oestenbyen"),
                Some("OESTENBYEN AASAMUND SPECIMEN"),
                n
            ),
            Expected::Match
        );
        assert_eq!(
            compare(Some("Ola Nordmann"), Some("OESTENBYEN AASAMUND"), n),
            Expected::Mismatch
        );
    }

    #[test]
    fn an_empty_expectation_never_matches() {
        assert_eq!(
            compare(Some("<<"), Some(""), normalize_document_number),
            Expected::Mismatch
        );
        assert_eq!(compare(None, Some("X"), digits), Expected::NotRequested);
        assert_eq!(compare(Some("1"), None, digits), Expected::Unavailable);
    }

    #[test]
    fn document_numbers_ignore_fillers_and_case() {
        assert_eq!(
            compare(
                Some("gdc000127"),
                Some("GDC000127"),
                normalize_document_number
            ),
            Expected::Match
        );
    }

    #[test]
    fn overlong_expectations_are_refused() {
        let e = Expectations {
            name: Some("A".repeat(200)),
            ..Default::default()
        };
        assert!(e.check().is_err());
    }
}
