//! The evidence document (version 1), parsed with hard caps. Schema:
//! `docs/schema/remote-evidence.schema.json`.

use crate::error::RequestError;
use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Largest request body accepted (evidence or challenge request).
pub const MAX_BODY: usize = 2 << 20;
/// Largest file accepted (decoded).
pub const MAX_FILE: usize = 1 << 20;
/// Most files accepted.
pub const MAX_FILES: usize = 24;
/// Most relayed exchanges accepted.
pub const MAX_EXCHANGES: usize = 16;
/// Largest APDU (command or response) accepted in a transcript.
pub const MAX_APDU: usize = 4096;
/// Longest relying-party context.
pub const MAX_CONTEXT: usize = 256;

/// An elementary file of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FileName {
    /// EF.COM.
    Com,
    /// EF.SOD.
    Sod,
    /// DG1 … DG16.
    Dg(u8),
    /// EF.CardAccess.
    CardAccess,
    /// EF.CardSecurity.
    CardSecurity,
}

impl FileName {
    /// `COM`, `SOD`, `DG1` … `DG16`, `CardAccess`, `CardSecurity` (exactly these spellings).
    pub fn parse(s: &str) -> Option<FileName> {
        Some(match s {
            "COM" => FileName::Com,
            "SOD" => FileName::Sod,
            "CardAccess" => FileName::CardAccess,
            "CardSecurity" => FileName::CardSecurity,
            _ => {
                let d = s.strip_prefix("DG")?;
                if d.is_empty() || d.starts_with('0') || !d.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let n: u8 = d.parse().ok()?;
                if !(1..=16).contains(&n) {
                    return None;
                }
                FileName::Dg(n)
            }
        })
    }

    /// The canonical name.
    pub fn name(self) -> String {
        match self {
            FileName::Com => "COM".into(),
            FileName::Sod => "SOD".into(),
            FileName::Dg(n) => format!("DG{n}"),
            FileName::CardAccess => "CardAccess".into(),
            FileName::CardSecurity => "CardSecurity".into(),
        }
    }

    /// The file a short EF identifier names in the LDS1 application.
    pub fn from_sfi(sfi: u8) -> Option<FileName> {
        match sfi {
            0x1E => Some(FileName::Com),
            0x1D => Some(FileName::Sod),
            1..=16 => Some(FileName::Dg(sfi)),
            _ => None,
        }
    }
}

/// One relayed exchange: the command as sent and the response as received (SW included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// Command APDU bytes.
    pub command: Vec<u8>,
    /// Response APDU bytes (data and status word).
    pub response: Vec<u8>,
}

/// The chip proof carried by the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Proof {
    /// No proof.
    None,
    /// The INTERNAL AUTHENTICATE signature over the token's challenge.
    ActiveAuthentication {
        /// The signature (response data, secure messaging removed by the phone).
        signature: Vec<u8>,
    },
    /// The server-wrapped commands relayed after Chip Authentication.
    ChipAuthentication {
        /// In order.
        exchanges: Vec<Exchange>,
    },
    /// The end of the server-driven PACE-CAM run and the server-wrapped commands relayed
    /// after it.
    PaceCam {
        /// The chip's authentication token T_IC (DO'86' of the last GENERAL AUTHENTICATE).
        chip_token: Vec<u8>,
        /// The encrypted chip authentication data A_IC (DO'8A'), as the chip sent them.
        chip_authentication_data: Vec<u8>,
        /// In order.
        exchanges: Vec<Exchange>,
    },
}

/// Parsed evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The challenge token.
    pub token: String,
    /// The relying-party context the phone read for.
    pub context: String,
    /// The files, bytes as the chip sent them.
    pub files: BTreeMap<FileName, Vec<u8>>,
    /// The chip proof.
    pub proof: Proof,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireExchange {
    command: String,
    response: String,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum WireProof {
    None,
    ActiveAuthentication {
        signature: String,
    },
    ChipAuthentication {
        exchanges: Vec<WireExchange>,
    },
    PaceCam {
        chip_token: String,
        chip_authentication_data: String,
        exchanges: Vec<WireExchange>,
    },
}

/// Parse relayed exchanges with the caps.
fn parse_exchanges(exchanges: &[WireExchange]) -> Result<Vec<Exchange>, RequestError> {
    if exchanges.len() > MAX_EXCHANGES {
        return Err(RequestError::Field(format!(
            "{} relayed exchanges; at most {MAX_EXCHANGES}",
            exchanges.len()
        )));
    }
    let mut out = Vec::with_capacity(exchanges.len());
    for (i, x) in exchanges.iter().enumerate() {
        out.push(Exchange {
            command: b64(
                &format!("proof.exchanges[{i}].command"),
                &x.command,
                MAX_APDU,
            )?,
            response: b64(
                &format!("proof.exchanges[{i}].response"),
                &x.response,
                MAX_APDU,
            )?,
        });
    }
    Ok(out)
}

fn wire_exchanges(exchanges: &[Exchange]) -> Vec<WireExchange> {
    exchanges
        .iter()
        .map(|x| WireExchange {
            command: Base64::encode_string(&x.command),
            response: Base64::encode_string(&x.response),
        })
        .collect()
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEvidence {
    version: u64,
    token: String,
    context: String,
    files: BTreeMap<String, String>,
    proof: WireProof,
}

fn b64(field: &str, s: &str, max: usize) -> Result<Vec<u8>, RequestError> {
    // Base64 of `max` bytes is at most 4 * ceil(max / 3) characters: refuse longer strings
    // before decoding anything.
    if s.len() > max.div_ceil(3) * 4 {
        return Err(RequestError::Field(format!(
            "{field} is larger than {max} bytes"
        )));
    }
    let bytes = Base64::decode_vec(s).map_err(|_| {
        RequestError::Field(format!("{field} is not valid base64 (RFC 4648, padded)"))
    })?;
    // One encoding per value: refuse non-zero padding bits, so that no two documents that
    // differ say the same thing.
    if Base64::encode_string(&bytes) != s {
        return Err(RequestError::Field(format!(
            "{field} is not canonical base64 (the unused bits of its last character must be 0)"
        )));
    }
    Ok(bytes)
}

/// Parse and bound-check a context.
pub(crate) fn check_context(context: &str) -> Result<(), RequestError> {
    if context.is_empty() || context.len() > MAX_CONTEXT {
        return Err(RequestError::Field(format!(
            "context must be 1 to {MAX_CONTEXT} bytes"
        )));
    }
    if context.chars().any(char::is_control) {
        return Err(RequestError::Field(
            "context holds control characters".into(),
        ));
    }
    Ok(())
}

/// Parse named base64 files with the caps.
pub(crate) fn parse_files(
    files: &BTreeMap<String, String>,
) -> Result<BTreeMap<FileName, Vec<u8>>, RequestError> {
    if files.len() > MAX_FILES {
        return Err(RequestError::Field(format!(
            "{} files; at most {MAX_FILES}",
            files.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (name, content) in files {
        let Some(f) = FileName::parse(name) else {
            return Err(RequestError::Field(format!(
                "unknown file name {:?}: use COM, SOD, DG1 … DG16, CardAccess, CardSecurity",
                name.chars().take(40).collect::<String>()
            )));
        };
        let bytes = b64(&format!("files.{name}"), content, MAX_FILE)?;
        if bytes.is_empty() {
            return Err(RequestError::Field(format!("files.{name} is empty")));
        }
        out.insert(f, bytes);
    }
    Ok(out)
}

impl Evidence {
    /// Parse an evidence document: body cap, strict JSON (unknown fields refused), version 1,
    /// file names and sizes, transcript length.
    pub fn parse(body: &[u8]) -> Result<Evidence, RequestError> {
        if body.len() > MAX_BODY {
            return Err(RequestError::TooLarge {
                size: body.len(),
                max: MAX_BODY,
            });
        }
        let wire: WireEvidence =
            serde_json::from_slice(body).map_err(|e| RequestError::Json(one_line(&e)))?;
        if wire.version != 1 {
            return Err(RequestError::Version(wire.version));
        }
        if wire.token.len() > crate::token::MAX_TOKEN_LEN {
            return Err(crate::error::TokenError::TooLong.into());
        }
        check_context(&wire.context)?;
        let files = parse_files(&wire.files)?;
        if files.contains_key(&FileName::CardAccess) && !files.contains_key(&FileName::CardSecurity)
        {
            return Err(RequestError::Field(
                "files.CardAccess is authenticated only through EF.CardSecurity: send both or leave EF.CardAccess out".into(),
            ));
        }
        let proof = match wire.proof {
            WireProof::None => Proof::None,
            WireProof::ActiveAuthentication { signature } => Proof::ActiveAuthentication {
                signature: b64("proof.signature", &signature, MAX_APDU)?,
            },
            WireProof::ChipAuthentication { exchanges } => Proof::ChipAuthentication {
                exchanges: parse_exchanges(&exchanges)?,
            },
            WireProof::PaceCam {
                chip_token,
                chip_authentication_data,
                exchanges,
            } => Proof::PaceCam {
                chip_token: b64("proof.chip_token", &chip_token, MAX_APDU)?,
                chip_authentication_data: b64(
                    "proof.chip_authentication_data",
                    &chip_authentication_data,
                    MAX_APDU,
                )?,
                exchanges: parse_exchanges(&exchanges)?,
            },
        };
        Ok(Evidence {
            token: wire.token,
            context: wire.context,
            files,
            proof,
        })
    }

    /// The evidence as a JSON document (what the phone posts).
    pub fn to_json(&self) -> Vec<u8> {
        let wire = WireEvidence {
            version: 1,
            token: self.token.clone(),
            context: self.context.clone(),
            files: self
                .files
                .iter()
                .map(|(n, b)| (n.name(), Base64::encode_string(b)))
                .collect(),
            proof: match &self.proof {
                Proof::None => WireProof::None,
                Proof::ActiveAuthentication { signature } => WireProof::ActiveAuthentication {
                    signature: Base64::encode_string(signature),
                },
                Proof::ChipAuthentication { exchanges } => WireProof::ChipAuthentication {
                    exchanges: wire_exchanges(exchanges),
                },
                Proof::PaceCam {
                    chip_token,
                    chip_authentication_data,
                    exchanges,
                } => WireProof::PaceCam {
                    chip_token: Base64::encode_string(chip_token),
                    chip_authentication_data: Base64::encode_string(chip_authentication_data),
                    exchanges: wire_exchanges(exchanges),
                },
            },
        };
        serde_json::to_vec(&wire).unwrap_or_default()
    }
}

/// A serde error on one line, without echoing input.
pub(crate) fn one_line(e: &serde_json::Error) -> String {
    e.to_string().replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Evidence {
        Evidence {
            token: "v1.k.AAAA".into(),
            context: "tx".into(),
            files: [
                (FileName::Dg(1), vec![0x61, 0]),
                (FileName::Sod, vec![0x77, 0]),
            ]
            .into_iter()
            .collect(),
            proof: Proof::ChipAuthentication {
                exchanges: vec![Exchange {
                    command: vec![0x0C, 0xB0, 0x81, 0],
                    response: vec![0x90, 0],
                }],
            },
        }
    }

    #[test]
    fn evidence_round_trips_through_json() {
        let e = sample();
        assert_eq!(Evidence::parse(&e.to_json()).unwrap(), e);
    }

    #[test]
    fn non_canonical_base64_is_refused() {
        assert_eq!(b64("f", "AQ==", 10).unwrap(), [1]);
        assert!(b64("f", "AR==", 10).is_err());
    }

    #[test]
    fn file_names_are_exact() {
        assert_eq!(FileName::parse("DG16"), Some(FileName::Dg(16)));
        for bad in ["DG0", "DG17", "DG01", "dg1", "DG+1", "EF.COM", ""] {
            assert_eq!(FileName::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn oversized_and_unknown_input_is_refused_with_a_reason() {
        let big = vec![b' '; MAX_BODY + 1];
        assert!(matches!(
            Evidence::parse(&big),
            Err(RequestError::TooLarge { .. })
        ));
        let mut v: serde_json::Value = serde_json::from_slice(&sample().to_json()).unwrap();
        v["extra"] = 1.into();
        let e = Evidence::parse(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert_eq!(e.http_status(), 400);
        v = serde_json::from_slice(&sample().to_json()).unwrap();
        v["version"] = 2.into();
        assert_eq!(
            Evidence::parse(&serde_json::to_vec(&v).unwrap()),
            Err(RequestError::Version(2))
        );
        v = serde_json::from_slice(&sample().to_json()).unwrap();
        v["files"]["DG1"] = "A".repeat(MAX_FILE / 3 * 4 + 8).into();
        assert!(matches!(
            Evidence::parse(&serde_json::to_vec(&v).unwrap()),
            Err(RequestError::Field(_))
        ));
        v = serde_json::from_slice(&sample().to_json()).unwrap();
        v["context"] = "".into();
        assert!(Evidence::parse(&serde_json::to_vec(&v).unwrap()).is_err());
    }
}
