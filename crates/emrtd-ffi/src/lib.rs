//! Mobile bindings of the emrtd toolkit, through [UniFFI](https://mozilla.github.io/uniffi-rs).
//!
//! The app supplies its NFC link as an [`NfcTransport`] (Android `IsoDep`, iOS
//! `NFCISO7816Tag`); the library opens the chip with the CAN or the MRZ ([`AccessKey`]), reads it
//! in a [`ReadSession`] (progress reports, cancellation, resumption after a tag loss), decodes
//! it ([`Document`]: MRZ, DG11, DG12, face images) and verifies it against a [`TrustStore`]
//! ([`Verdict`]). [`verify_dump`] verifies a saved dump offline, [`verify_files`] the same files
//! held in memory. The phone side of remote verification ([`read_proof_files`],
//! [`remote_challenge_request`], [`RemoteChallenge`], [`read_for_remote_verification`], and
//! [`RemoteServer`] for the server-driven PACE-CAM steps) lets an app take part with its own
//! HTTP stack.
//!
//! Kotlin, Swift and Python sources are generated from this crate's cdylib by the
//! `emrtd-bindgen` binary (UniFFI's `uniffi-bindgen`, cargo feature `cli`); see `docs/mobile.md`.

#![deny(missing_docs)]

uniffi::setup_scaffolding!("emrtd");

mod async_read;
mod document;
mod error;
mod mrz;
mod remote;
mod session;
#[cfg(feature = "sim")]
mod sim;
mod transport;
mod verify;

pub use async_read::{read_document, AsyncNfcTransport, CancellationToken};
#[cfg(feature = "images")]
pub use document::face_to_png;
pub use document::{Document, DocumentDetails, FaceImage, ImageFormat, PersonalDetails};
pub use error::{EmrtdError, NfcError};
pub use mrz::{parse_mrz, MrzCheck, MrzFormat, MrzInfo};
pub use remote::{
    read_for_remote_verification, read_proof_files, remote_challenge_request, ProofFiles,
    RemoteChallenge, RemoteExpectations, RemoteProofMethod, RemoteRead, RemoteServer,
    RemoteServerError, ServerAnswer,
};
pub use session::{
    AccessInfo, AccessKey, AccessProtocol, CheckOutcome, CipherSuite, PaceMapping, PasswordKind,
    ProgressListener, ReadOptions, ReadProgress, ReadSession,
};
#[cfg(feature = "sim")]
pub use sim::{virtual_card_attacks, virtual_card_profiles, virtual_card_test_csca, VirtualCard};
pub use transport::NfcTransport;
pub use verify::{
    verify_dump, verify_files, CheckResult, CheckStatus, DataGroupCheck, DataGroupStatus,
    DumpVerdict, LoadSummary, PassiveAuthentication, SignatureCheck, TrustStore, Verdict,
    VerdictStatus,
};
