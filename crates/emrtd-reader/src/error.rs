//! Errors a person can act on.

use emrtd_apdu::{StatusWord, TransportError};

/// Why a read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Transport(#[from] TransportError),
    #[error("the chip refused the access key: check the MRZ (document number, date of birth, date of expiry) or the CAN, and try again")]
    AccessDenied,
    #[error(
        "the chip does not support {0}; this document cannot be read with the given access key"
    )]
    Unsupported(String),
    #[error("the chip has no access control (no BAC, no PACE)")]
    NoAccessControl,
    #[error("a CAN is the 6-digit card access number printed on the document (digits only)")]
    InvalidCan,
    #[error("PACE failed: {0}")]
    Pace(emrtd_access::pace::PaceError),
    #[error("basic access control failed: {0}")]
    Bac(#[from] emrtd_access::bac::BacError),
    #[error("secure messaging failed ({0}); the session is broken: remove the document and read it again")]
    SecureMessaging(#[from] emrtd_sm::SmError),
    #[error("the chip answered {sw} to {command}")]
    Status { command: String, sw: StatusWord },
    #[error("{file} is not on this chip")]
    FileNotFound { file: String },
    #[error("{file} is larger than the {limit} bytes this reader accepts")]
    FileTooLarge { file: String, limit: usize },
    #[error("the chip's answer is malformed: {0}")]
    Malformed(String),
    #[error("{0}")]
    Lds(#[from] emrtd_lds::LdsError),
    #[error("the MRZ cannot be used as an access key: {0}")]
    Mrz(#[from] emrtd_mrz::MrzError),
    #[error(
        "the chip that came back after the card left the field failed Chip Authentication ({0}): \
         it may not be the same chip; read the document again and keep it still on the reader"
    )]
    ChipChanged(String),
    #[error(
        "the chip took {elapsed_ms} ms to answer {command}, more than the {budget_ms} ms one \
         command may take: keep the document still on the reader and read it again, or allow \
         more time (ReadOptions::command_budget)"
    )]
    ChipTooSlow {
        /// The command (by name) that took too long.
        command: String,
        /// Time it took, milliseconds (the engine's clock).
        elapsed_ms: u64,
        /// The bound in force, milliseconds.
        budget_ms: u64,
    },
}

impl From<emrtd_apdu::ExchangeError> for ReadError {
    fn from(e: emrtd_apdu::ExchangeError) -> Self {
        match e {
            emrtd_apdu::ExchangeError::Transport(t) => ReadError::Transport(t),
            emrtd_apdu::ExchangeError::Apdu(a) => ReadError::Malformed(a.to_string()),
        }
    }
}

impl ReadError {
    /// Was the card lost (a retry after it returns may succeed)?
    pub fn is_card_lost(&self) -> bool {
        matches!(self, ReadError::Transport(t) if t.is_card_lost())
    }
}
