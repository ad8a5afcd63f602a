//! Trust anchors that ship with the library: the Norwegian Country Signing CAs (`CSCA_NO`), so
//! that Norwegian passports and identity cards verify without a trust store of one's own.
//!
//! The certificates are copied byte for byte from the German CSCA master list of 2026-05-28
//! (BSI; its signature is checked in this crate's tests, which also check that each certificate
//! below is in it). They are RSA-4096 keys; since 2017 they sign with RSASSA-PSS. A newer CSCA
//! reaches users through a master list or `--trust`, as for any other country.

use crate::trust::{LoadSummary, TrustStore};
use crate::AuthError;

/// The Norwegian CSCA certificates (DER), oldest first; the fourth is the 2022 link certificate
/// signed by the 2017 key.
pub const NORWAY: [&[u8]; 4] = [
    include_bytes!("../anchors/NO/NO_CSCA_2012-05-10_2027-05-10_d8661123.cer"),
    include_bytes!("../anchors/NO/NO_CSCA_2017-05-08_2032-08-02_12a92fc8.cer"),
    include_bytes!("../anchors/NO/NO_CSCA_2022-04-28_2037-07-23_4f8176db.cer"),
    include_bytes!("../anchors/NO/NO_CSCA_2022-05-02_2027-05-01_e64560f1.cer"),
];

impl TrustStore {
    /// Add the built-in Norwegian CSCAs ([`NORWAY`]).
    pub fn add_norwegian_cscas(&mut self) -> Result<LoadSummary, AuthError> {
        let mut total = LoadSummary::default();
        for der in NORWAY {
            total.merge(self.add_der_certificate(der)?);
        }
        Ok(total)
    }
}
