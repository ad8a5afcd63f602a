//! Passive Authentication of eMRTDs with real trust stores (ICAO Doc 9303-11 §5.1, 9303-12).
//!
//! * [`pa`]: EF.SOD / EF.CardSecurity / master-list CMS verification, data-group hashes,
//!   verdict reports ([`pa::PassiveAuthReport`]) and [`pa::verify_dump`] for dumped folders.
//! * [`trust`]: CSCA trust stores (anchors, Document Signers, CRLs, the chains built to them);
//!   [`load`]: loading them from PEM/DER files, folders, ICAO master lists, PKD LDIF, CRLs;
//!   [`source`]: where they come from ([`CertificateSource`]: folders, master lists, LDIF,
//!   built-in anchors, a cache), assembled with [`TrustStore::from_sources`];
//!   [`anchors`]: the Norwegian CSCAs built in.
//! * [`check`]: what a check is about ([`check::CheckId`]) and how it came out.
//! * [`doctype`]: the Document Signer's document-type list and the check of DG1 against it.
//! * [`cert`]: certificates and name comparison by value.
//!
//! Signature verification itself is `emrtd_crypto::sig`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod anchors;
pub mod cert;
pub mod check;
pub mod doctype;
pub mod error;
mod finding;
pub mod load;
pub mod pa;
pub mod source;
pub mod trust;

pub use emrtd_lds::DataGroup;
pub use error::AuthError;
pub use load::MasterList;
pub use pa::{
    verify_dump, verify_sod, Check, CheckId, CheckOutcome, CheckStatus, DgStatus, DumpVerification,
    NotPerformed, PassiveAuthReport, SignedObjectReport, Verdict, VerifyOptions,
};
pub use source::CertificateSource;
pub use trust::TrustStore;

// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;
