//! EF.ATR/INFO (ISO/IEC 7816-4 §8.2.1.1, ICAO 9303-10 §3.11.2): interindustry data objects the
//! card would put in its answer-to-reset, notably extended length information (`7F66`: the
//! largest command and response APDUs the chip accepts) and historical bytes (`5F52`).

use crate::check::Issue;
use crate::common::{be_uint, children, set_once};
use crate::LdsError;
use emrtd_tlv::{encode, encode_constructed, parse_all};

const FILE: &str = "EF.ATR/INFO";

/// Extended length information (`7F66`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExtendedLengthInfo {
    /// Largest number of bytes in a command APDU.
    pub max_command: u32,
    /// Largest number of bytes in a response APDU.
    pub max_response: u32,
    /// Further elements (ISO/IEC 7816-4 allows more), kept raw.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
}

/// Decoded EF.ATR/INFO.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct EfAtrInfo {
    /// `7F66` extended length information.
    pub extended_length: Option<ExtendedLengthInfo>,
    /// `5F52` historical bytes.
    pub historical_bytes: Option<Vec<u8>>,
    /// `47` card capabilities.
    pub card_capabilities: Option<Vec<u8>>,
    /// Other data objects, kept raw in file order.
    #[serde(skip)]
    pub unknown: Vec<Vec<u8>>,
    /// The file exactly as decoded (empty when built in code).
    #[serde(skip)]
    pub raw: Vec<u8>,
}

fn integer(value: &[u8]) -> Result<u32, LdsError> {
    let non_negative = !value.is_empty() && value.len() <= 5 && value[0] & 0x80 == 0;
    match be_uint(value) {
        Some(v) if non_negative => u32::try_from(v).map_err(|_| bad_length()),
        _ => Err(bad_length()),
    }
}

fn bad_length() -> LdsError {
    LdsError::Invalid {
        file: FILE,
        element: "extended length information (7F66)",
        reason: "an APDU length must be a positive INTEGER of at most 4 bytes".into(),
    }
}

impl EfAtrInfo {
    /// Decode EF.ATR/INFO: a sequence of BER-TLV data objects (padding `00`/`FF` allowed).
    pub fn decode(bytes: &[u8]) -> Result<EfAtrInfo, LdsError> {
        let mut info = EfAtrInfo::default();
        for c in parse_all(bytes).map_err(LdsError::tlv(FILE))? {
            match c.tag {
                0x7F66 => {
                    let mut ints = Vec::new();
                    let mut unknown = Vec::new();
                    for e in children(&c, FILE)? {
                        if e.tag == 0x02 && ints.len() < 2 {
                            ints.push(integer(e.value)?);
                        } else {
                            unknown.push(e.raw.to_vec());
                        }
                    }
                    let [max_command, max_response] = ints[..] else {
                        return Err(LdsError::Invalid {
                            file: FILE,
                            element: "extended length information (7F66)",
                            reason: format!(
                                "needs two INTEGERs (command and response length), found {}",
                                ints.len()
                            ),
                        });
                    };
                    let eli = ExtendedLengthInfo {
                        max_command,
                        max_response,
                        unknown,
                    };
                    set_once(
                        &mut info.extended_length,
                        eli,
                        FILE,
                        "extended length information (7F66)",
                    )?;
                }
                0x5F52 => set_once(
                    &mut info.historical_bytes,
                    c.value.to_vec(),
                    FILE,
                    "historical bytes (5F52)",
                )?,
                0x47 => set_once(
                    &mut info.card_capabilities,
                    c.value.to_vec(),
                    FILE,
                    "card capabilities (47)",
                )?,
                _ => info.unknown.push(c.raw.to_vec()),
            }
        }
        info.raw = bytes.to_vec();
        Ok(info)
    }

    /// Encode: `5F52`, `47`, `7F66`, then other objects.
    pub fn encode(&self) -> Vec<u8> {
        let mut items = Vec::new();
        crate::common::push_opt(&mut items, 0x5F52, &self.historical_bytes);
        crate::common::push_opt(&mut items, 0x47, &self.card_capabilities);
        if let Some(e) = &self.extended_length {
            let mut inner = vec![uint(e.max_command), uint(e.max_response)];
            inner.extend(e.unknown.iter().cloned());
            items.push(encode_constructed(0x7F66, &inner));
        }
        items.extend(self.unknown.iter().cloned());
        items.concat()
    }

    /// Rules of ICAO 9303-10 the file breaks: no extended length information (`7F66`), or
    /// lengths below the short-APDU maximum (a command of 261 and a response of 258 bytes).
    pub fn check(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        match &self.extended_length {
            None => issues.push(Issue::new(
                FILE,
                "extended length information (7F66)",
                "missing",
            )),
            Some(e) => {
                if e.max_command < 261 || e.max_response < 258 {
                    issues.push(Issue::new(
                        FILE,
                        "extended length information (7F66)",
                        format!(
                            "command {} / response {} bytes do not exceed short APDUs",
                            e.max_command, e.max_response
                        ),
                    ));
                }
            }
        }
        issues
    }
}

fn uint(v: u32) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(3);
    let mut content = Vec::with_capacity(5);
    if bytes[skip] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(&bytes[skip..]);
    encode(0x02, &content)
}
