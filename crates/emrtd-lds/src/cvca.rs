//! EF.CVCA (BSI TR-03110-3 §A.7.2.4): the certification authority references (CARs) of the CVCA
//! keys the chip trusts for Terminal Authentication, each `42 len CAR`, the file padded to 36
//! bytes with `00`.

use crate::check::Issue;
use crate::LdsError;

const FILE: &str = "EF.CVCA";

/// Size of EF.CVCA.
pub const CVCA_FILE_SIZE: usize = 36;

/// Decoded EF.CVCA.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct EfCvca {
    /// The CARs (most recent first), e.g. "DETESTCVCA00001".
    pub cars: Vec<String>,
    /// The file exactly as decoded (empty when built in code).
    #[serde(skip)]
    pub raw: Vec<u8>,
}

impl EfCvca {
    /// EF.CVCA listing `cars`.
    pub fn new(cars: Vec<String>) -> EfCvca {
        EfCvca {
            cars,
            raw: Vec::new(),
        }
    }

    /// Decode EF.CVCA: CARs tagged `42`, then only `00` padding. A first byte other than `42`
    /// or `00`, or data after the padding started, is an error.
    pub fn decode(bytes: &[u8]) -> Result<EfCvca, LdsError> {
        let mut cars = Vec::new();
        let mut rest = bytes;
        while let Some(&first) = rest.first() {
            if first == 0x00 {
                if let Some(i) = rest.iter().position(|b| *b != 0) {
                    return Err(LdsError::Invalid {
                        file: FILE,
                        element: "padding",
                        reason: format!(
                            "byte {:02X} at offset {} after the padding started (a CAR must be tagged 42)",
                            rest[i],
                            bytes.len() - rest.len() + i
                        ),
                    });
                }
                break;
            }
            let (car, tail) = emrtd_tlv::parse_one(rest).map_err(LdsError::tlv(FILE))?;
            if car.tag != 0x42 {
                return Err(LdsError::UnexpectedTag {
                    file: FILE,
                    expected: 0x42,
                    found: car.tag,
                });
            }
            if car.value.is_empty()
                || car.value.len() > 16
                || !car.value.iter().all(|b| b.is_ascii_graphic())
            {
                return Err(LdsError::Invalid {
                    file: FILE,
                    element: "certification authority reference (42)",
                    reason: "must be 1 to 16 printable ASCII characters".into(),
                });
            }
            if cars.len() >= 8 {
                return Err(LdsError::Invalid {
                    file: FILE,
                    element: "certification authority reference (42)",
                    reason: "more than 8 references".into(),
                });
            }
            cars.push(car.value.iter().map(|b| *b as char).collect());
            rest = tail;
        }
        Ok(EfCvca {
            cars,
            raw: bytes.to_vec(),
        })
    }

    /// Encode: the CARs, padded with `00` to 36 bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out: Vec<u8> = self
            .cars
            .iter()
            .flat_map(|c| emrtd_tlv::encode(0x42, c.as_bytes()))
            .collect();
        if out.len() < CVCA_FILE_SIZE {
            out.resize(CVCA_FILE_SIZE, 0);
        }
        out
    }

    /// Rules of TR-03110 the file breaks: no CAR (no trust point), more than two CARs.
    pub fn check(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        if self.cars.is_empty() {
            issues.push(Issue::new(
                FILE,
                "certification authority reference (42)",
                "none present: the chip names no trust point",
            ));
        }
        if self.cars.len() > 2 {
            issues.push(Issue::new(
                FILE,
                "certification authority reference (42)",
                format!("{} present, at most 2 allowed", self.cars.len()),
            ));
        }
        issues
    }
}
