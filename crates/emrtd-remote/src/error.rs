//! Typed errors. Each is a client error (HTTP 4xx) with a one-line reason that says what to do.

pub use crate::token::TokenError;

/// Why a request or an evidence document is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The body is larger than accepted.
    #[error("the request body is {size} bytes; at most {max} are accepted")]
    TooLarge {
        /// Bytes received.
        size: usize,
        /// The cap.
        max: usize,
    },
    /// Not the JSON document expected.
    #[error("the request is not a valid document: {0}")]
    Json(String),
    /// Unsupported evidence version.
    #[error("evidence version {0} is not supported; this server reads version 1")]
    Version(u64),
    /// A field breaks a limit or a rule.
    #[error("{0}")]
    Field(String),
    /// The token cannot be used.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The token has expired.
    #[error("the challenge expired at {expires_at} (now {now}): ask for a new challenge and read the document again")]
    Expired {
        /// Expiry, Unix seconds.
        expires_at: i64,
        /// Now, Unix seconds.
        now: i64,
    },
    /// The token was issued in the future (clock skew between instances beyond tolerance).
    #[error(
        "the challenge was issued at {issued_at}, after now ({now}): the servers' clocks disagree"
    )]
    NotYetValid {
        /// Issued at.
        issued_at: i64,
        /// Now.
        now: i64,
    },
    /// The evidence names another relying-party context than the token.
    #[error("the evidence is for another relying-party context than the challenge was issued for")]
    ContextMismatch,
}

impl RequestError {
    /// The HTTP status a server answers with: 413 too large, 403 for token problems
    /// (forged, expired, wrong context), 400 otherwise.
    pub fn http_status(&self) -> u16 {
        match self {
            RequestError::TooLarge { .. } => 413,
            RequestError::Token(_)
            | RequestError::Expired { .. }
            | RequestError::NotYetValid { .. }
            | RequestError::ContextMismatch => 403,
            _ => 400,
        }
    }

    /// A short machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::TooLarge { .. } => "too_large",
            RequestError::Json(_) => "malformed",
            RequestError::Version(_) => "unsupported_version",
            RequestError::Field(_) => "invalid_field",
            RequestError::Token(_) => "invalid_token",
            RequestError::Expired { .. } => "expired",
            RequestError::NotYetValid { .. } => "not_yet_valid",
            RequestError::ContextMismatch => "context_mismatch",
        }
    }
}
