//! Extended Access Control for inspection systems (BSI TR-03110): card-verifiable
//! certificates, their chains and access rights, and Terminal Authentication as sans-IO
//! messages, terminal side and chip side.
//!
//! - [`cert`]: parse and encode CV certificates and requests, keeping the signed bytes.
//! - [`chat`]: terminal types, roles and the inspection-system rights (DG3, DG4).
//! - [`chain`]: CVCA → link → DV → terminal verification with TR-03110's current date.
//! - [`ta`]: the Terminal Authentication commands, signed data and the terminal state machine.
//! - [`signer`]: the [`signer::TerminalSigner`] trait and PKCS#8 keys.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod algorithm;
pub mod cert;
pub mod chain;
pub mod chat;
pub mod date;
pub mod keys;
pub mod signer;
pub mod ta;

pub use algorithm::{HashAlg, RsaHash, TaAlgorithm};
pub use cert::{
    CertificateBody, CertificateRequest, CvCertificate, CvPublicKey, CvReference, CvcError, KeyData,
};
pub use chain::{verify_chain, ChainError, ChainVerifier, TrustPoint, TrustStore, VerifiedChain};
pub use chat::{Chat, IsRight, IsRights, Role, TerminalType};
pub use date::CvDate;
pub use keys::{KeyError, SignatureError, VerifyingKey};
pub use signer::{Pkcs8Signer, SignerError, TerminalSigner};
pub use ta::{EphemeralKey, IdPicc, TaError, TaStep, TaVersion, TerminalAuthentication};
