//! Passive Authentication of eMRTDs with real trust stores (ICAO Doc 9303-11 §5.1, 9303-12).
//!
//! * [`pa`]: EF.SOD / EF.CardSecurity / master-list CMS verification, data-group hashes,
//!   verdict reports ([`pa::PassiveAuthReport`]) and [`pa::verify_dump`] for dumped folders.
//! * [`trust`]: CSCA trust stores from PEM/DER files, folders, ICAO master lists, PKD LDIF, CRLs;
//!   [`anchors`]: the Norwegian CSCAs built in.
//! * [`cert`]: certificates and name comparison by value.
//!
//! Signature verification itself is `emrtd_crypto::sig`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod anchors;
pub mod cert;
pub mod error;
pub mod pa;
pub mod trust;

pub use error::AuthError;
pub use pa::{
    verify_dump, verify_sod, Check, CheckStatus, DgStatus, DumpVerification, PassiveAuthReport,
    SignedObjectReport, Verdict, VerifyOptions,
};
pub use trust::TrustStore;
