//! Errors of LDS decoding.

/// Why an LDS file could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LdsError {
    /// The bytes are not well-formed BER-TLV.
    #[error("malformed TLV in {file}: {source}")]
    Tlv {
        /// The file being decoded (`DG1`, `EF.SOD`, …).
        file: &'static str,
        /// What the TLV parser found.
        #[source]
        source: emrtd_tlv::TlvError,
    },
    /// The file or one of its elements starts with another tag than the one it must have.
    #[error("{file}: expected tag {expected:X}, found {found:X}")]
    UnexpectedTag {
        /// The file being decoded.
        file: &'static str,
        /// The tag required.
        expected: u32,
        /// The tag found.
        found: u32,
    },
    /// An element the file must have is absent.
    #[error("{file}: required element {element} is missing")]
    Missing {
        /// The file being decoded.
        file: &'static str,
        /// The element, by its name in ICAO 9303-10 (or the biometric standard).
        element: &'static str,
    },
    /// An element is present but its value breaks the format's rules.
    #[error("{file}: invalid {element}: {reason}")]
    Invalid {
        /// The file being decoded.
        file: &'static str,
        /// The element.
        element: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An ASN.1 (DER) structure inside the file (EF.SOD, SecurityInfos, keys) does not decode.
    #[error("{file}: ASN.1 decoding failed: {reason}")]
    Asn1 {
        /// The file being decoded.
        file: &'static str,
        /// What the DER decoder said.
        reason: String,
    },
    /// Well-formed, but uses something this decoder does not implement.
    #[error("{file}: {what} is not supported")]
    Unsupported {
        /// The file being decoded.
        file: &'static str,
        /// What is not supported.
        what: String,
    },
    /// A face image could not be decoded or converted (feature `images`).
    #[error("image conversion failed: {reason}")]
    Image {
        /// What the image decoder said.
        reason: String,
    },
}

impl LdsError {
    /// A mapper from TLV errors to [`LdsError::Tlv`] in `file`, for `map_err`.
    pub fn tlv(file: &'static str) -> impl Fn(emrtd_tlv::TlvError) -> LdsError {
        move |source| LdsError::Tlv { file, source }
    }
}
