//! Reading an eMRTD over any [`Transport`]: access control, secure messaging, file reading.
//!
//! The same code serves PC/SC readers, phone NFC stacks (through a callback transport), the
//! virtual chip and fuzzers. Protocol logic lives in the sans-IO crates below; this crate only
//! drives them.

pub mod error;
pub mod files;
pub mod session;
pub mod verdict;

pub use error::ReadError;
pub use files::EfId;
pub use session::{
    read_document, read_document_with_progress, AccessKey, AccessReport, Document, Progress,
    ReadOptions, Session,
};
pub use verdict::{document_validity, verify_document, ReadVerdict};
