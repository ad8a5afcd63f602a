//! Machine readable zones.

use crate::EmrtdError;

/// Layout of a machine readable zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MrzFormat {
    /// ID card: 3 lines of 30 characters.
    Td1,
    /// 2 lines of 36 characters.
    Td2,
    /// Passport: 2 lines of 44 characters.
    Td3,
    /// Full-size visa: 2 lines of 44 characters.
    MrvA,
    /// Small visa: 2 lines of 36 characters.
    MrvB,
}

impl From<emrtd_mrz::MrzFormat> for MrzFormat {
    fn from(f: emrtd_mrz::MrzFormat) -> Self {
        use emrtd_mrz::MrzFormat as F;
        match f {
            F::Td1 => MrzFormat::Td1,
            F::Td2 => MrzFormat::Td2,
            F::Td3 => MrzFormat::Td3,
            F::MrvA => MrzFormat::MrvA,
            F::MrvB => MrzFormat::MrvB,
        }
    }
}

/// One check digit and whether it is right.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MrzCheck {
    /// `document_number`, `date_of_birth`, `date_of_expiry`, `optional_data` or `composite`.
    pub field: String,
    /// Does the check digit match its data?
    pub valid: bool,
}

/// A parsed machine readable zone (printed, or DG1 of the chip).
///
/// Text fields are as printed, fillers removed; names have inner fillers turned into spaces.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MrzInfo {
    /// Layout (TD1, TD2, TD3, MRV-A, MRV-B).
    pub format: MrzFormat,
    /// `P`, `I`, `ID`, `AC`, `V`, …
    pub document_code: String,
    /// Three-letter code of the issuing state.
    pub issuing_state: String,
    /// The whole document number (including a TD1/TD2 overflow).
    pub document_number: String,
    /// `YYMMDD` as printed.
    pub date_of_birth: String,
    /// `YYMMDD` as printed.
    pub date_of_expiry: String,
    /// `M`, `F` or `<`.
    pub sex: String,
    /// Three-letter nationality code.
    pub nationality: String,
    /// Surname.
    pub primary_identifier: String,
    /// Given names.
    pub secondary_identifier: String,
    /// Optional data (TD3: personal number).
    pub optional_data: String,
    /// TD1 line-2 optional data.
    pub optional_data_2: Option<String>,
    /// Every check digit with its outcome.
    pub checks: Vec<MrzCheck>,
    /// Whether every check digit is right.
    pub valid: bool,
    /// One message per wrong check digit, saying where it is.
    pub check_errors: Vec<String>,
    /// The lines as read.
    pub lines: Vec<String>,
}

impl From<&emrtd_mrz::Mrz> for MrzInfo {
    fn from(m: &emrtd_mrz::Mrz) -> Self {
        MrzInfo {
            format: m.format.into(),
            document_code: m.document_code.clone(),
            issuing_state: m.issuing_state.clone(),
            document_number: m.document_number.clone(),
            date_of_birth: m.date_of_birth.clone(),
            date_of_expiry: m.date_of_expiry.clone(),
            sex: m.sex.clone(),
            nationality: m.nationality.clone(),
            primary_identifier: m.primary_identifier.clone(),
            secondary_identifier: m.secondary_identifier.clone(),
            optional_data: m.optional_data.clone(),
            optional_data_2: m.optional_data_2.clone(),
            checks: m
                .checks
                .iter()
                .map(|(field, valid)| MrzCheck {
                    field: field.clone(),
                    valid: *valid,
                })
                .collect(),
            valid: m.is_valid(),
            check_errors: m.check_failures().iter().map(|e| e.to_string()).collect(),
            lines: m.lines.clone(),
        }
    }
}

/// Parse a machine readable zone: lines separated by line breaks, or one string of 90, 72 or
/// 88 characters. Wrong check digits do not fail the parse: see `valid` and `check_errors`.
#[uniffi::export]
pub fn parse_mrz(text: String) -> Result<MrzInfo, EmrtdError> {
    let mrz = emrtd_mrz::Mrz::parse(&text)?;
    Ok(MrzInfo::from(&mrz))
}
