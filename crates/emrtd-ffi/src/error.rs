//! Errors crossing the FFI boundary.

use emrtd_apdu::TransportError;
use emrtd_reader::ReadError;

/// Why an operation failed. Every message says what to do next.
///
/// In Kotlin this is `EmrtdException` (one subclass per variant), in Swift the `EmrtdError`
/// enum, in Python `EmrtdError` with one subclass per variant; the text is in the exception
/// message.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum EmrtdError {
    /// The chip refused the CAN or MRZ: it was mistyped or belongs to another document.
    #[error("{0}")]
    WrongAccessKey(String),
    /// The CAN is not 6 digits (or at most 10 digits).
    #[error("{0}")]
    InvalidCan(String),
    /// The MRZ (or one of its fields) cannot be read or has a wrong check digit.
    #[error("{0}")]
    InvalidMrz(String),
    /// The document left the NFC field and did not come back.
    #[error("the document left the NFC field (tag lost): hold the phone still against the document and read it again")]
    TagLost,
    /// The read was cancelled by `ReadSession.cancel`.
    #[error("the read was cancelled")]
    Cancelled,
    /// The document (or the access key kind) is not supported.
    #[error("{0}")]
    UnsupportedDocument(String),
    /// The NFC transport failed otherwise (I/O error, exception in the transport callback).
    #[error("{0}")]
    Nfc(String),
    /// The chip broke the protocol (malformed answer, secure messaging failure, error status).
    #[error("{0}")]
    Chip(String),
    /// A file read from the chip (or a dump) cannot be decoded.
    #[error("{0}")]
    InvalidData(String),
    /// A certificate, CRL or master list cannot be loaded into the trust store.
    #[error("{0}")]
    InvalidCertificate(String),
    /// A file or folder cannot be read or written.
    #[error("{0}")]
    Io(String),
    /// A face image cannot be converted.
    #[error("{0}")]
    Image(String),
    /// An argument is not valid (for example an unknown file name in the read options).
    #[error("{0}")]
    InvalidArgument(String),
    /// The virtual chip cannot be built from the profile.
    #[error("{0}")]
    Simulator(String),
    /// The verification server could not be reached during a remote read (the app's
    /// `RemoteServer.post` threw): check the network, then ask for a new challenge.
    #[error("{0}")]
    ServerUnreachable(String),
    /// The verification server refused a step of a remote read (its status and one-line
    /// reason, e.g. an expired challenge), or answered something that is not this protocol:
    /// ask it for a new challenge and read again.
    #[error("{0}")]
    ServerRefused(String),
}

impl From<TransportError> for EmrtdError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Cancelled => EmrtdError::Cancelled,
            e if e.is_card_lost() => EmrtdError::TagLost,
            e => EmrtdError::Nfc(e.to_string()),
        }
    }
}

impl From<ReadError> for EmrtdError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Transport(t) => t.into(),
            ReadError::AccessDenied => {
                EmrtdError::WrongAccessKey(ReadError::AccessDenied.to_string())
            }
            ReadError::InvalidCan => EmrtdError::InvalidCan(ReadError::InvalidCan.to_string()),
            ReadError::Mrz(m) => EmrtdError::InvalidMrz(ReadError::Mrz(m).to_string()),
            ReadError::Unsupported(what) => {
                EmrtdError::UnsupportedDocument(ReadError::Unsupported(what).to_string())
            }
            ReadError::Lds(l) => EmrtdError::InvalidData(l.to_string()),
            other => EmrtdError::Chip(other.to_string()),
        }
    }
}

impl From<emrtd_mrz::MrzError> for EmrtdError {
    fn from(e: emrtd_mrz::MrzError) -> Self {
        EmrtdError::InvalidMrz(e.to_string())
    }
}

impl From<emrtd_lds::LdsError> for EmrtdError {
    fn from(e: emrtd_lds::LdsError) -> Self {
        EmrtdError::InvalidData(e.to_string())
    }
}

/// What the app's NFC transport reports when a command cannot be exchanged.
///
/// Kotlin: `NfcException.TagLost()` / `NfcException.Io(reason)`; Swift: `NfcError.TagLost` /
/// `NfcError.Io(reason:)`; Python: `NfcError.TagLost()` / `NfcError.Io(reason)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum NfcError {
    /// The tag left the field (Android `TagLostException`, iOS `readerTransceiveErrorTagConnectionLost`).
    #[error("the tag was lost")]
    TagLost,
    /// Any other I/O failure of the NFC stack.
    #[error("NFC I/O error: {reason}")]
    Io {
        /// What failed, in words (the platform exception's message).
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for NfcError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        NfcError::Io {
            reason: format!(
                "the NFC transport callback failed with an unexpected error ({}); it must \
                 throw NfcError.TagLost or NfcError.Io",
                e.reason
            ),
        }
    }
}

impl From<NfcError> for TransportError {
    fn from(e: NfcError) -> Self {
        match e {
            NfcError::TagLost => TransportError::CardRemoved,
            NfcError::Io { reason } => TransportError::Other(reason),
        }
    }
}
