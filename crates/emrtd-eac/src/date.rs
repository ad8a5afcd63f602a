//! CV certificate dates (BSI TR-03110-3 §D.2.1.3): six unpacked BCD digits `YYMMDD`, GMT,
//! the year meaning 20YY.

use std::fmt;

/// Why six bytes are not a CV certificate date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateError {
    /// Not 6 bytes.
    #[error("a date has 6 bytes (unpacked BCD YYMMDD), not {0}")]
    WrongLength(usize),
    /// A byte is not an unpacked BCD digit.
    #[error("date byte {index} is {byte:02X}, not an unpacked BCD digit 00–09")]
    NotADigit {
        /// Its position, from 0.
        index: usize,
        /// The byte.
        byte: u8,
    },
    /// The digits are no calendar date.
    #[error("20{yy:02}-{mm:02}-{dd:02} is not a calendar date")]
    NotACalendarDate {
        /// The year in the century.
        yy: u8,
        /// The month.
        mm: u8,
        /// The day.
        dd: u8,
    },
}

/// A calendar date between 2000-01-01 and 2099-12-31. Ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CvDate {
    year: u16,
    month: u8,
    day: u8,
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

impl CvDate {
    /// The date `year-month-day`; the year must be 2000–2099.
    pub fn new(year: u16, month: u8, day: u8) -> Result<CvDate, DateError> {
        let yy = year.wrapping_sub(2000);
        if !(2000..=2099).contains(&year) || day == 0 || day > days_in_month(year, month) {
            return Err(DateError::NotACalendarDate {
                yy: (yy % 100) as u8,
                mm: month,
                dd: day,
            });
        }
        Ok(CvDate { year, month, day })
    }

    /// Decode six unpacked BCD digits.
    pub fn from_bcd(bytes: &[u8]) -> Result<CvDate, DateError> {
        if bytes.len() != 6 {
            return Err(DateError::WrongLength(bytes.len()));
        }
        if let Some((index, &byte)) = bytes.iter().enumerate().find(|(_, b)| **b > 9) {
            return Err(DateError::NotADigit { index, byte });
        }
        let yy = bytes[0] * 10 + bytes[1];
        let mm = bytes[2] * 10 + bytes[3];
        let dd = bytes[4] * 10 + bytes[5];
        CvDate::new(2000 + u16::from(yy), mm, dd).map_err(|_| DateError::NotACalendarDate {
            yy,
            mm,
            dd,
        })
    }

    /// The six unpacked BCD digits.
    pub fn to_bcd(self) -> [u8; 6] {
        let yy = (self.year - 2000) as u8;
        [
            yy / 10,
            yy % 10,
            self.month / 10,
            self.month % 10,
            self.day / 10,
            self.day % 10,
        ]
    }

    /// The year (2000–2099).
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month.
    pub fn day(self) -> u8 {
        self.day
    }
}

impl fmt::Display for CvDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcd_dates_decode_order_and_reencode() {
        let d = CvDate::from_bcd(&[1, 0, 0, 9, 3, 0]).unwrap();
        assert_eq!(d.to_string(), "2010-09-30");
        assert_eq!(d.to_bcd(), [1, 0, 0, 9, 3, 0]);
        assert!(d < CvDate::from_bcd(&[1, 0, 1, 0, 0, 1]).unwrap());
        assert!(CvDate::from_bcd(&[2, 4, 0, 2, 2, 9]).is_ok());
    }

    #[test]
    fn malformed_dates_are_typed_errors() {
        assert_eq!(
            CvDate::from_bcd(&[1, 0, 0, 9]),
            Err(DateError::WrongLength(4))
        );
        assert_eq!(
            CvDate::from_bcd(&[0x31, 0, 0, 9, 3, 0]),
            Err(DateError::NotADigit {
                index: 0,
                byte: 0x31
            })
        );
        assert!(matches!(
            CvDate::from_bcd(&[2, 3, 0, 2, 2, 9]),
            Err(DateError::NotACalendarDate { .. })
        ));
        assert!(CvDate::from_bcd(&[1, 0, 1, 3, 0, 1]).is_err());
        assert!(CvDate::from_bcd(&[1, 0, 0, 0, 0, 1]).is_err());
    }
}
