//! Errors a person can act on.

use emrtd_apdu::{StatusWord, TransportError};

/// Why a read failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The link to the card failed (card removed, no reader, timeout, cancelled).
    #[error("{0}")]
    Transport(#[from] TransportError),
    /// The chip refused the access key: a wrong MRZ or CAN.
    #[error("the chip refused the access key: check the MRZ (document number, date of birth, date of expiry) or the CAN, and try again")]
    AccessDenied,
    /// The chip needs a protocol or parameter this reader does not implement.
    #[error(
        "the chip does not support {0}; this document cannot be read with the given access key"
    )]
    Unsupported(String),
    /// The chip offers neither BAC nor PACE.
    #[error("the chip has no access control (no BAC, no PACE)")]
    NoAccessControl,
    /// The CAN given is not 1 to 10 digits.
    #[error("a CAN is the 6-digit card access number printed on the document (digits only)")]
    InvalidCan,
    /// PACE failed (other than a refused key).
    #[error("PACE failed: {0}")]
    Pace(emrtd_access::pace::PaceError),
    /// Basic Access Control failed (other than a refused key).
    #[error("basic access control failed: {0}")]
    Bac(#[from] emrtd_access::bac::BacError),
    /// A secure messaging response did not verify: the session cannot go on.
    #[error("secure messaging failed ({0}); the session is broken: remove the document and read it again")]
    SecureMessaging(#[from] emrtd_sm::SmError),
    /// The chip answered a command with an error status word.
    #[error("the chip answered {sw} to {command}")]
    Status {
        /// The command, in words.
        command: String,
        /// The status word it got.
        sw: StatusWord,
    },
    /// A file the read needs is not on the chip.
    #[error("{file} is not on this chip")]
    FileNotFound {
        /// The file.
        file: String,
    },
    /// A file declares a length above the reader's limit (a guard against hostile chips).
    #[error("{file} is larger than the {limit} bytes this reader accepts")]
    FileTooLarge {
        /// The file.
        file: String,
        /// The largest length accepted, in bytes.
        limit: usize,
    },
    /// The chip's answer does not have the structure the protocol requires.
    #[error("the chip's answer is malformed: {0}")]
    Malformed(String),
    /// A file the read itself needs cannot be decoded.
    #[error("{0}")]
    Lds(#[from] emrtd_lds::LdsError),
    /// The MRZ cannot be turned into an access key.
    #[error("the MRZ cannot be used as an access key: {0}")]
    Mrz(#[from] emrtd_mrz::MrzError),
    /// After the card came back, the chip failed Chip Authentication or the PACE-CAM proof
    /// again: it may be another chip.
    #[error(
        "the chip that came back after the card left the field failed Chip Authentication ({0}): \
         it may not be the same chip; read the document again and keep it still on the reader"
    )]
    ChipChanged(String),
    /// One command took longer than the per-command time budget ([`crate::ReadOptions::command_budget`]).
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
            other => ReadError::Malformed(other.to_string()),
        }
    }
}

impl ReadError {
    /// Was the card lost (a retry after it returns may succeed)?
    pub fn is_card_lost(&self) -> bool {
        matches!(self, ReadError::Transport(t) if t.is_card_lost())
    }
}
