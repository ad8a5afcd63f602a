//! Errors of LDS decoding.

/// Why an LDS file could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LdsError {
    #[error("malformed TLV in {file}: {source}")]
    Tlv {
        file: &'static str,
        #[source]
        source: emrtd_tlv::TlvError,
    },
    #[error("{file}: expected tag {expected:X}, found {found:X}")]
    UnexpectedTag {
        file: &'static str,
        expected: u32,
        found: u32,
    },
    #[error("{file}: required element {element} is missing")]
    Missing {
        file: &'static str,
        element: &'static str,
    },
    #[error("{file}: invalid {element}: {reason}")]
    Invalid {
        file: &'static str,
        element: &'static str,
        reason: String,
    },
    #[error("{file}: ASN.1 decoding failed: {reason}")]
    Asn1 { file: &'static str, reason: String },
    #[error("{file}: {what} is not supported")]
    Unsupported { file: &'static str, what: String },
    #[error("image conversion failed: {reason}")]
    Image { reason: String },
}

impl LdsError {
    pub fn tlv(file: &'static str) -> impl Fn(emrtd_tlv::TlvError) -> LdsError {
        move |source| LdsError::Tlv { file, source }
    }
}
