//! Data groups whose content ICAO 9303 leaves to the issuer or reserves: DG6, DG8, DG9, DG10
//! and DG13 (optional details). Their content is kept as bytes.

use crate::common::outer;
use crate::LdsError;

/// A data group kept as its content bytes (DG6, DG8, DG9, DG10, DG13).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct OpaqueDg {
    /// Data-group number (6, 8, 9, 10 or 13).
    pub number: u8,
    /// The value of the outer TLV, uninterpreted.
    #[serde(skip)]
    pub content: Vec<u8>,
    /// The file exactly as decoded (empty when built in code).
    #[serde(skip)]
    pub raw: Vec<u8>,
}

const FILES: [(u8, &str); 5] = [
    (6, "DG6"),
    (8, "DG8"),
    (9, "DG9"),
    (10, "DG10"),
    (13, "DG13"),
];

impl OpaqueDg {
    /// Decode data group `number` (6, 8, 9, 10 or 13): only the outer tag and length are checked.
    pub fn decode(number: u8, bytes: &[u8]) -> Result<OpaqueDg, LdsError> {
        let file = FILES
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, f)| *f)
            .ok_or_else(|| LdsError::Unsupported {
                file: "LDS",
                what: format!("DG{number} as an opaque data group"),
            })?;
        let tag = crate::com::dg_tag(number).map(u32::from).unwrap_or(0);
        let outer = outer(bytes, tag, file)?;
        Ok(OpaqueDg {
            number,
            content: outer.value.to_vec(),
            raw: bytes.to_vec(),
        })
    }

    /// Encode the data group.
    pub fn encode(&self) -> Vec<u8> {
        let tag = crate::com::dg_tag(self.number).map(u32::from).unwrap_or(0);
        emrtd_tlv::encode(tag, &self.content)
    }
}
