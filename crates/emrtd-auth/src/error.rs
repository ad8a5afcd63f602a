//! Errors of the authentication crate.

use std::path::PathBuf;

/// Why an object could not be loaded or verified at all (verdicts are reports, not errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// An LDS file (EF.SOD, a data group) cannot be decoded.
    #[error(transparent)]
    Lds(#[from] emrtd_lds::LdsError),
    /// A certificate is not a decodable X.509 certificate.
    #[error("certificate cannot be decoded: {0}")]
    Certificate(String),
    /// A certificate revocation list is not decodable.
    #[error("CRL cannot be decoded: {0}")]
    Crl(String),
    /// An ICAO master list (CMS SignedData of CSCA certificates) is not decodable.
    #[error("master list cannot be decoded: {0}")]
    MasterList(String),
    /// A master list larger than any real one: probably not a master list.
    #[error(
        "the master list is {size} bytes, more than the {limit} bytes accepted (ICAO and national \
         master lists are a few MiB): check that the file is a CSCA master list"
    )]
    MasterListTooLarge {
        /// Its size in bytes.
        size: usize,
        /// The largest size accepted.
        limit: usize,
    },
    /// A line of an ICAO PKD LDIF file is malformed.
    #[error("LDIF line {line}: {reason}")]
    Ldif {
        /// The line number, from 1.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A PEM file is malformed or holds no certificate.
    #[error("PEM: {0}")]
    Pem(String),
    /// A file or folder could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A file cannot be used: too large, or given twice (names differing only in case).
    #[error("{}: {reason}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// A file's content cannot be used: what is wrong with it, typed.
    #[error("{}: {error}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with its content.
        #[source]
        error: Box<AuthError>,
    },
    /// A certificate source that is not a file (built in, in memory) failed.
    #[error("{source_name}: {error}")]
    InSource {
        /// The source, as [`crate::source::CertificateSource::name`] says.
        source_name: String,
        /// What failed.
        #[source]
        error: Box<AuthError>,
    },
}
