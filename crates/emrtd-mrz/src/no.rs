//! Norwegian national identity numbers (fødselsnummer, D-number, H-number) and where Norwegian
//! documents carry them in the MRZ.
//!
//! An identity number has 11 digits `DDMMYY III K1 K2`: birth date, individual number, two
//! control digits. Control digits follow Skatteetaten's rules, including the rule for numbers
//! issued from 1 January 2032 ("Nytt fødselsnummer fra 2032", Folkeregisteret API
//! documentation): the weighted sum `3 7 6 1 8 9 4 5 2 1` over the first ten digits may leave
//! remainder 0, 1, 2 or 3 modulo 11 (before 2032 only 0), while `K2` is unchanged
//! (`5 4 3 2 7 6 5 4 3 2 1` over all eleven digits, remainder 0).
//!
//! From 2032 the individual number no longer tells the century or sex, so for such numbers
//! [`Fodselsnummer::birth_date`] and [`Fodselsnummer::sex`] are only the classic reading;
//! [`Fodselsnummer::control_rule`] says when a number can only have been issued under the new
//! rule. The population register is the authority for both.

use crate::{Date, Mrz};
use serde::Serialize;

/// What kind of identity number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum NinKind {
    /// Fødselsnummer: the birth date as is.
    Ordinary,
    /// D-number (people without residence): 4 added to the first digit (day + 40).
    DNumber,
    /// H-number (help number used by health services): 4 added to the third digit (month + 40).
    HNumber,
    /// Synthetic test fødselsnummer of Skatteetaten's test population (Tenor): 8 added to the
    /// third digit (month + 80). Never a real person.
    SyntheticOrdinary,
    /// Synthetic test D-number (day + 40 and month + 80). Never a real person.
    SyntheticDNumber,
}

impl NinKind {
    /// True for the synthetic test numbers, which no real person holds.
    pub fn is_synthetic(self) -> bool {
        matches!(self, NinKind::SyntheticOrdinary | NinKind::SyntheticDNumber)
    }

    /// `fodselsnummer`, `d_number`, `h_number`, `synthetic_fodselsnummer`, `synthetic_d_number`.
    pub fn as_str(self) -> &'static str {
        match self {
            NinKind::Ordinary => "fodselsnummer",
            NinKind::DNumber => "d_number",
            NinKind::HNumber => "h_number",
            NinKind::SyntheticOrdinary => "synthetic_fodselsnummer",
            NinKind::SyntheticDNumber => "synthetic_d_number",
        }
    }
}

impl std::fmt::Display for NinKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// Does the date of birth in the MRZ (DG1) agree with the identity number?
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
#[non_exhaustive]
pub enum BirthDateCheck {
    /// Day, month and two-digit year are the same.
    Matches,
    /// They differ: the number is not this holder's (or one of the two was altered).
    Differs {
        /// YYMMDD the number encodes (after removing D-, H- and synthetic offsets).
        number: String,
        /// YYMMDD as in the MRZ.
        mrz: String,
    },
    /// The MRZ date of birth is partly unknown (`<`) in the positions that differ, or not a
    /// date: nothing to compare.
    NotComparable {
        /// YYMMDD as in the MRZ.
        mrz: String,
    },
}

/// Sex as encoded by the parity of the third individual digit (odd: male, even: female).
// Not #[non_exhaustive]: the Norwegian number encodes two values (parity of the ninth digit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Sex {
    /// Even third individual digit (the ninth digit).
    Female,
    /// Odd third individual digit (the ninth digit).
    Male,
}

/// Which first-control-digit rule the number satisfies.
// Not #[non_exhaustive]: the Norwegian number has these two control-digit rules (the 2032 reform).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ControlRule {
    /// Remainder 0: valid before and after 2032; the individual number gives century and sex.
    Classic,
    /// Remainder 1, 2 or 3: only valid for numbers issued from 1 January 2032, which no longer
    /// encode century or sex.
    From2032,
}

/// A checked Norwegian national identity number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct Fodselsnummer {
    /// The 11 digits.
    pub number: String,
    /// Ordinary, D-, H- or synthetic number.
    pub kind: NinKind,
    /// Birth date, the century taken from the individual number ranges (000–499: 1900–1999;
    /// 500–749 with year 54–99: 1854–1899; 500–999 with year 00–39: 2000–2039; 900–999 with
    /// year 40–99: 1940–1999). Outside these ranges (750–899, or 500–749 with year 40–53) the
    /// number can only have been issued under the 2032 rules, whatever remainder its first
    /// control digit leaves, and the year is read as 19YY (those years are 40–99, and nobody
    /// born in 2040 or later has a number yet).
    pub birth_date: Date,
    /// From the parity of the ninth digit.
    pub sex: Sex,
    /// Rule the first control digit satisfies.
    pub control_rule: ControlRule,
    /// True when the date also exists in another century the number allows: a number issued
    /// from 2032 (or any number whose classic century gives no real date) does not tell.
    pub century_ambiguous: bool,
}

/// Why a string is not a valid Norwegian identity number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NinError {
    /// Not 11 characters.
    #[error("a Norwegian identity number has 11 digits, found {found} characters")]
    Length {
        /// The number of characters given.
        found: usize,
    },
    /// A character that is not a digit.
    #[error("character {found:?} at position {position} is not a digit; give the 11 digits only")]
    NotDigit {
        /// Its position, counted from 0.
        position: usize,
        /// The character.
        found: char,
    },
    /// The 10th digit fits no control-digit rule: the number is mistyped.
    #[error(
        "first control digit (10th digit) is {found} but only {allowed:?} are possible for the \
         first nine digits: the number is mistyped"
    )]
    FirstControlDigit {
        /// The 10th digit.
        found: u8,
        /// The digits the rules allow there.
        allowed: Vec<u8>,
    },
    /// The 11th digit is not the one the other ten give: the number is mistyped.
    #[error(
        "second control digit (11th digit) is {found} but the other digits give {}: the number \
         is mistyped",
        describe_expected(.expected)
    )]
    SecondControlDigit {
        /// The 11th digit.
        found: u8,
        /// The digit the others give; `None` when no digit can be right (remainder 1).
        expected: Option<u8>,
    },
    /// Digits 1–6 are not a date in any century or number kind.
    #[error(
        "digits 1-6 ({digits}) are not a real birth date in any century, even read as a D-, H- \
         or synthetic number"
    )]
    BirthDate {
        /// Digits 1–6 as given.
        digits: String,
    },
}

fn describe_expected(expected: &Option<u8>) -> String {
    match expected {
        Some(d) => d.to_string(),
        None => "no valid digit (remainder 1)".to_string(),
    }
}

const K1_WEIGHTS: [u32; 10] = [3, 7, 6, 1, 8, 9, 4, 5, 2, 1];
const K2_WEIGHTS: [u32; 11] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

fn weighted(digits: &[u8], weights: &[u32]) -> u32 {
    digits
        .iter()
        .zip(weights)
        .map(|(d, w)| u32::from(*d) * w)
        .sum::<u32>()
        % 11
}

impl Fodselsnummer {
    /// Parse and check an 11-digit number (no spaces or separators).
    pub fn parse(s: &str) -> Result<Fodselsnummer, NinError> {
        let count = s.chars().count();
        if count != 11 {
            return Err(NinError::Length { found: count });
        }
        let mut d = [0u8; 11];
        for ((i, c), slot) in s.chars().enumerate().zip(d.iter_mut()) {
            *slot = c
                .to_digit(10)
                .filter(|_| c.is_ascii_digit())
                .map(|v| v as u8)
                .ok_or(NinError::NotDigit {
                    position: i + 1,
                    found: c,
                })?;
        }

        // Control digits. K1: (weighted sum of digits 1-10) mod 11 is 0 (classic) or 1-3 (2032).
        let k1_remainder = weighted(&d, &K1_WEIGHTS);
        let control_rule = match k1_remainder {
            0 => ControlRule::Classic,
            1..=3 => ControlRule::From2032,
            _ => {
                let base = weighted(&d[..9], &K1_WEIGHTS);
                let allowed = (0u8..=9)
                    .filter(|k| (base + u32::from(*k)) % 11 <= 3)
                    .collect();
                return Err(NinError::FirstControlDigit {
                    found: d[9],
                    allowed,
                });
            }
        };
        if weighted(&d, &K2_WEIGHTS) != 0 {
            let base = weighted(&d[..10], &K2_WEIGHTS);
            let expected = (0u8..=9).find(|k| (base + u32::from(*k)).is_multiple_of(11));
            return Err(NinError::SecondControlDigit {
                found: d[10],
                expected,
            });
        }

        let two = |i: usize| d[i] * 10 + d[i + 1];
        let (day, month, year) = (two(0), two(2), two(4));
        let individual = u16::from(d[6]) * 100 + u16::from(d[7]) * 10 + u16::from(d[8]);
        let bad_date = || NinError::BirthDate {
            digits: s.chars().take(6).collect(),
        };
        let (d_number, day) = if day > 40 {
            (true, day - 40)
        } else {
            (false, day)
        };
        let (kind, month) = match (d_number, month) {
            (false, 1..=12) => (NinKind::Ordinary, month),
            (true, 1..=12) => (NinKind::DNumber, month),
            (false, 41..=52) => (NinKind::HNumber, month - 40),
            (false, 81..=92) => (NinKind::SyntheticOrdinary, month - 80),
            (true, 81..=92) => (NinKind::SyntheticDNumber, month - 80),
            _ => return Err(bad_date()),
        };
        let yy = u16::from(year);
        let classic = match (individual, year) {
            (0..=499, _) => 1900 + yy,
            (500..=749, 54..=99) => 1800 + yy,
            (500..=999, 0..=39) => 2000 + yy,
            (900..=999, 40..=99) => 1900 + yy,
            // Numbers issued from 2032 no longer encode the century, and one in four of them
            // still leaves remainder 0: outside the classic ranges take the past century.
            _ => 1900 + yy,
        };
        // From 2032 the individual number no longer tells the century: the number is valid
        // when its date exists in either possible century (the classic reading first).
        let other = if classic >= 2000 {
            1900 + yy
        } else {
            2000 + yy
        };
        let in_classic = Date::new(classic, month, day);
        let in_other = Date::new(other, month, day);
        let birth_date = in_classic.or(in_other).ok_or_else(bad_date)?;
        let century_ambiguous = in_classic.is_some()
            && in_other.is_some()
            && (control_rule == ControlRule::From2032 || !classic_range(individual, year));
        let sex = if d[8] % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        };
        Ok(Fodselsnummer {
            number: s.to_string(),
            kind,
            birth_date,
            sex,
            control_rule,
            century_ambiguous,
        })
    }

    /// Compare with the date of birth of the MRZ (DG1), `YYMMDD` as printed (`<` where
    /// unknown). D-, H- and synthetic offsets are removed from the number first; the century
    /// is not compared (the MRZ has none).
    pub fn check_birth_date(&self, mrz_yymmdd: &str) -> BirthDateCheck {
        let number = format!(
            "{:02}{:02}{:02}",
            self.birth_date.year % 100,
            self.birth_date.month,
            self.birth_date.day
        );
        let mrz = mrz_yymmdd.to_string();
        if mrz.len() != 6 || !mrz.bytes().all(|b| b.is_ascii_digit() || b == b'<') {
            return BirthDateCheck::NotComparable { mrz };
        }
        let mut unknown = false;
        for (a, b) in number.bytes().zip(mrz.bytes()) {
            if b == b'<' {
                unknown = true;
            } else if a != b {
                return BirthDateCheck::Differs { number, mrz };
            }
        }
        if unknown {
            BirthDateCheck::NotComparable { mrz }
        } else {
            BirthDateCheck::Matches
        }
    }
}

/// Is the individual number in a range that told the century before 2032?
fn classic_range(individual: u16, year: u8) -> bool {
    matches!(
        (individual, year),
        (0..=499, _) | (500..=749, 54..=99) | (500..=999, 0..=39) | (900..=999, 40..=99)
    )
}

/// The 11 raw digits of a Norwegian identity number in the optional data of a zone issued by
/// Norway (`NOR`), unchecked: TD1 identity cards write it as `DDMMYY<IIIKK` (the `<` only
/// separates), passports as 11 digits in the personal number field.
pub fn extract_candidate(mrz: &Mrz) -> Option<String> {
    if mrz.issuing_state != "NOR" {
        return None;
    }
    let s = mrz.optional_data.as_str();
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    match (s.len(), s.split_once('<')) {
        (12, Some((date, rest))) if date.len() == 6 && digits(date) && digits(rest) => {
            Some(format!("{date}{rest}"))
        }
        (11, None) if digits(s) => Some(s.to_string()),
        _ => None,
    }
}

/// The Norwegian identity number in a zone issued by Norway, checked, with its date of birth
/// compared with the zone's (DG1). `None` when the zone carries no valid number.
pub fn identity_number_of(mrz: &Mrz) -> Option<(Fodselsnummer, BirthDateCheck)> {
    let nin = Fodselsnummer::parse(&extract_candidate(mrz)?).ok()?;
    let check = nin.check_birth_date(&mrz.date_of_birth);
    Some((nin, check))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_first_digits_listed() {
        // 311299567 + k1: classic k1 is 1 (fnrinfo.no worked example 31129956715).
        match Fodselsnummer::parse("31129956795") {
            Err(NinError::FirstControlDigit { found: 9, allowed }) => {
                assert_eq!(allowed.first(), Some(&1));
                assert_eq!(allowed.len(), 4);
            }
            other => panic!("{other:?}"),
        }
    }
}
