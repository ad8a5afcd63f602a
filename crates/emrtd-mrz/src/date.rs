//! Calendar dates (proleptic Gregorian) and the two-digit years of the MRZ.

use serde::Serialize;
use std::fmt;

/// A calendar date. Build it with [`Date::new`] to have it checked; the fields are public for
/// reading, and [`Date::is_valid`] tells whether a hand-made value is a real date.
///
/// Dates order chronologically (year, then month, then day).
// Not #[non_exhaustive]: a calendar date is a year, a month and a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Date {
    /// Four-digit year.
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
}

impl Date {
    /// The date, if `month` is 1–12 and `day` exists in that month of that year.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let max = Date::days_in_month(year, month)?;
        (1..=max)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// Whether `year` is a leap year in the Gregorian calendar.
    pub fn is_leap_year(year: u16) -> bool {
        (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
    }

    /// Number of days in `month` (1–12) of `year`; `None` for another month number.
    pub fn days_in_month(year: u16, month: u8) -> Option<u8> {
        Some(match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if Date::is_leap_year(year) => 29,
            2 => 28,
            _ => return None,
        })
    }

    /// Whether this is a real calendar date.
    pub fn is_valid(&self) -> bool {
        Date::new(self.year, self.month, self.day).is_some()
    }

    /// `YYMMDD` from an MRZ, as three numbers (`None` unless exactly six ASCII digits).
    pub(crate) fn split_yymmdd(s: &str) -> Option<(u16, u8, u8)> {
        let b = s.as_bytes();
        if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let two = |i: usize| -> u8 { (b[i] - b'0') * 10 + (b[i + 1] - b'0') };
        Some((u16::from(two(0)), two(2), two(4)))
    }

    /// A date of birth from `YYMMDD`: the latest century that puts the date on or before
    /// `today` (a person is not born in the future). `None` if the text is not a real date.
    pub fn birth_from_yymmdd(s: &str, today: Date) -> Option<Date> {
        let (yy, mm, dd) = Date::split_yymmdd(s)?;
        let century = today.year - today.year % 100;
        [century.checked_add(yy), century.checked_sub(100 - yy)]
            .into_iter()
            .flatten()
            .filter_map(|year| Date::new(year, mm, dd))
            .find(|d| *d <= today)
    }

    /// A date of expiry from `YYMMDD`: years `00`–`69` are 2000–2069 and `70`–`99` are
    /// 1970–1999. Machine readable documents appeared in the 1980s and are valid for at most
    /// ten years, so this pivot is right for every document issued before 2060. `None` if the
    /// text is not a real date.
    pub fn expiry_from_yymmdd(s: &str) -> Option<Date> {
        let (yy, mm, dd) = Date::split_yymmdd(s)?;
        let year = if yy < 70 { 2000 + yy } else { 1900 + yy };
        Date::new(year, mm, dd)
    }
}

impl fmt::Display for Date {
    /// ISO 8601: `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: u16, m: u8, day: u8) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn calendar() {
        assert!(Date::is_leap_year(2000));
        assert!(!Date::is_leap_year(1900));
        assert!(Date::is_leap_year(2024));
        assert!(!Date::is_leap_year(2023));
        assert_eq!(Date::new(2023, 2, 29), None);
        assert_eq!(Date::new(1900, 2, 29), None);
        assert!(Date::new(2000, 2, 29).is_some());
        assert_eq!(Date::new(2024, 4, 31), None);
        assert_eq!(Date::new(2024, 13, 1), None);
        assert_eq!(Date::new(2024, 0, 1), None);
        assert_eq!(Date::new(2024, 1, 0), None);
        assert!(Date::new(2024, 12, 31).is_some());
        assert!(!Date {
            year: 2023,
            month: 2,
            day: 29
        }
        .is_valid());
        assert_eq!(d(1974, 8, 12).to_string(), "1974-08-12");
        assert!(d(1999, 12, 31) < d(2000, 1, 1));
        assert!(d(2000, 1, 2) > d(2000, 1, 1));
    }

    #[test]
    fn birth_century() {
        let today = d(2025, 6, 15);
        assert_eq!(
            Date::birth_from_yymmdd("740812", today),
            Some(d(1974, 8, 12))
        );
        assert_eq!(
            Date::birth_from_yymmdd("250615", today),
            Some(d(2025, 6, 15))
        );
        assert_eq!(
            Date::birth_from_yymmdd("250616", today),
            Some(d(1925, 6, 16))
        );
        assert_eq!(
            Date::birth_from_yymmdd("000229", today),
            Some(d(2000, 2, 29))
        );
        assert_eq!(Date::birth_from_yymmdd("010599", today), None);
        assert_eq!(Date::birth_from_yymmdd("74081<", today), None);
        assert_eq!(Date::birth_from_yymmdd("7408120", today), None);
        // In 2100 (not a leap year) a birth on 29 February "00" can only be 2000.
        assert_eq!(
            Date::birth_from_yymmdd("000229", d(2100, 3, 1)),
            Some(d(2000, 2, 29))
        );
        // Years before 100 do not underflow.
        assert_eq!(Date::birth_from_yymmdd("990101", d(50, 1, 1)), None);
    }

    #[test]
    fn expiry_century() {
        assert_eq!(Date::expiry_from_yymmdd("120415"), Some(d(2012, 4, 15)));
        assert_eq!(Date::expiry_from_yymmdd("691231"), Some(d(2069, 12, 31)));
        assert_eq!(Date::expiry_from_yymmdd("961210"), Some(d(1996, 12, 10)));
        assert_eq!(Date::expiry_from_yymmdd("700101"), Some(d(1970, 1, 1)));
        assert_eq!(Date::expiry_from_yymmdd("230229"), None);
        assert_eq!(Date::expiry_from_yymmdd("<<<<<<"), None);
    }
}
