//! Errors of the authentication crate.

use std::path::PathBuf;

/// Why an object could not be loaded or verified at all (verdicts are reports, not errors).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Lds(#[from] emrtd_lds::LdsError),
    #[error("certificate cannot be decoded: {0}")]
    Certificate(String),
    #[error("CRL cannot be decoded: {0}")]
    Crl(String),
    #[error("master list cannot be decoded: {0}")]
    MasterList(String),
    #[error(
        "the master list is {size} bytes, more than the {limit} bytes accepted (ICAO and national \
         master lists are a few MiB): check that the file is a CSCA master list"
    )]
    MasterListTooLarge { size: usize, limit: usize },
    #[error("LDIF line {line}: {reason}")]
    Ldif { line: usize, reason: String },
    #[error("PEM: {0}")]
    Pem(String),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {reason}", path.display())]
    File { path: PathBuf, reason: String },
}
