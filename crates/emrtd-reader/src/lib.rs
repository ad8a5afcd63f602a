//! Reading an eMRTD: a sans-IO read [`Engine`] (access control, secure messaging, file
//! reading, Chip and Active Authentication) and the drivers that move its APDUs over a
//! [`emrtd_apdu::Transport`] or [`emrtd_apdu::AsyncTransport`].
//!
//! The same engine serves PC/SC readers, phone NFC stacks (through a callback transport), the
//! virtual chip, async servers and fuzzers. Protocol logic lives in the sans-IO crates below;
//! the engine only sequences them.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod drivers;
pub mod engine;
pub mod error;
pub mod files;
pub mod report;
pub mod verdict;

pub use drivers::{read_async, read_blocking, read_document, read_document_with_progress};
pub use engine::{
    Channel, Clock, Engine, EngineConfig, EngineError, Event, FixedClock, Report, SystemClock,
};
pub use error::ReadError;
pub use files::EfId;
pub use report::{
    AccessChoice, AccessKey, AccessProtocol, AccessReport, CheckOutcome, ChipKeySource,
    CipherSuite, Document, LengthRefusal, NotPerformed, PaceMapping, Password, Progress,
    ReadOptions, Refusal, RemoteProof, RemoteProofTranscript, TaVersionChoice, TerminalAuthConfig,
    TerminalAuthReport, DEFAULT_COMMAND_BUDGET,
};
pub use verdict::{
    document_validity, verify_document, verify_document_at, verify_document_with, ReadVerdict,
};
