//! The phone side, sans-IO: the challenge request from the files already read, the proof
//! instructions as bytes, and the evidence from what the chip answered.

use crate::challenge::{ChallengeRequest, ProofRequest};
use crate::evidence::{Evidence, Exchange, FileName, Proof, MAX_APDU, MAX_EXCHANGES};
use crate::expect::Expectations;
use base64ct::{Base64, Encoding};
use std::collections::BTreeMap;

/// The proof to run, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Instructions {
    /// Nothing to run.
    None,
    /// INTERNAL AUTHENTICATE over this challenge.
    ActiveAuthentication {
        /// RND.IFD.
        challenge: [u8; 8],
    },
    /// Chip Authentication, then relay.
    ChipAuthentication {
        /// Plain command APDUs to protect with the phone's session.
        commands: Vec<Vec<u8>>,
        /// Wrapped command APDUs to send as they are.
        relay: Vec<Vec<u8>>,
    },
}

fn unhex(what: &str, s: &str) -> Result<Vec<u8>, String> {
    if s.len() > 2 * MAX_APDU {
        return Err(format!("{what} is longer than {MAX_APDU} bytes"));
    }
    hex::decode(s).map_err(|_| format!("{what} is not hexadecimal"))
}

impl ProofRequest {
    /// Decode the server's instructions (bounded).
    pub fn instructions(&self) -> Result<Instructions, String> {
        Ok(match self {
            ProofRequest::None => Instructions::None,
            ProofRequest::ActiveAuthentication { challenge } => {
                let c = unhex("the challenge", challenge)?;
                Instructions::ActiveAuthentication {
                    challenge: c
                        .try_into()
                        .map_err(|_| "the challenge is not 8 bytes".to_string())?,
                }
            }
            ProofRequest::ChipAuthentication { commands, relay } => {
                if commands.len() > MAX_EXCHANGES || relay.len() > MAX_EXCHANGES {
                    return Err(format!("more than {MAX_EXCHANGES} commands"));
                }
                Instructions::ChipAuthentication {
                    commands: commands
                        .iter()
                        .map(|c| unhex("a command", c))
                        .collect::<Result<_, _>>()?,
                    relay: relay
                        .iter()
                        .map(|c| unhex("a relayed command", c))
                        .collect::<Result<_, _>>()?,
                }
            }
        })
    }
}

/// The body of `POST /v1/challenge`: the context, the expectations and the files that let the
/// server choose the proof (EF.CardAccess, DG14, DG15, when read).
pub fn challenge_request(
    context: &str,
    expect: Expectations,
    card_access: Option<&[u8]>,
    dg14: Option<&[u8]>,
    dg15: Option<&[u8]>,
) -> Vec<u8> {
    let mut files = BTreeMap::new();
    for (name, bytes) in [("CardAccess", card_access), ("DG14", dg14), ("DG15", dg15)] {
        if let Some(b) = bytes {
            files.insert(name.to_string(), Base64::encode_string(b));
        }
    }
    serde_json::to_vec(&ChallengeRequest {
        context: context.to_string(),
        expect,
        files,
    })
    .unwrap_or_default()
}

/// The evidence: the token, the context, the files read (EF.COM, EF.SOD, the data groups,
/// EF.CardAccess, EF.CardSecurity; other files are left out) and what the chip answered.
pub fn evidence(
    token: &str,
    context: &str,
    files: impl IntoIterator<Item = (FileName, Vec<u8>)>,
    signature: Option<Vec<u8>>,
    exchanges: Vec<(Vec<u8>, Vec<u8>)>,
) -> Evidence {
    let proof = match (signature, exchanges.is_empty()) {
        (Some(signature), _) => Proof::ActiveAuthentication { signature },
        (None, false) => Proof::ChipAuthentication {
            exchanges: exchanges
                .into_iter()
                .map(|(command, response)| Exchange { command, response })
                .collect(),
        },
        (None, true) => Proof::None,
    };
    Evidence {
        token: token.to_string(),
        context: context.to_string(),
        files: files.into_iter().collect(),
        proof,
    }
}

impl Instructions {
    /// The engine option that runs these instructions ([`emrtd_reader::ReadOptions::remote_proof`]);
    /// `None` when there is nothing to run.
    pub fn remote_proof(&self) -> Result<Option<emrtd_reader::RemoteProof>, String> {
        Ok(match self {
            Instructions::None => None,
            Instructions::ActiveAuthentication { challenge } => {
                Some(emrtd_reader::RemoteProof::ActiveAuthentication {
                    challenge: *challenge,
                })
            }
            Instructions::ChipAuthentication { commands, relay } => {
                Some(emrtd_reader::RemoteProof::ChipAuthentication {
                    commands: commands
                        .iter()
                        .map(|c| {
                            emrtd_apdu::CommandApdu::parse(c)
                                .map_err(|e| format!("a Chip Authentication command: {e}"))
                        })
                        .collect::<Result<_, _>>()?,
                    relay: relay.clone(),
                })
            }
        })
    }
}

/// The evidence file name of a file the engine read (EF.ATR/INFO and EF.CVCA are not evidence).
pub fn file_name(ef: emrtd_reader::EfId) -> Option<FileName> {
    use emrtd_reader::EfId;
    match ef {
        EfId::Com => Some(FileName::Com),
        EfId::Sod => Some(FileName::Sod),
        EfId::Dg(n) => Some(FileName::Dg(n)),
        EfId::CardAccess => Some(FileName::CardAccess),
        EfId::CardSecurity => Some(FileName::CardSecurity),
        _ => None,
    }
}

/// The evidence of a read that ran the verifier's proof.
pub fn evidence_of(token: &str, context: &str, doc: &emrtd_reader::Document) -> Evidence {
    // EF.CardAccess is evidence only with the EF.CardSecurity that signs its content.
    let signed = doc.files.contains_key(&emrtd_reader::EfId::CardSecurity);
    let files = doc
        .files
        .iter()
        .filter(|(ef, _)| signed || **ef != emrtd_reader::EfId::CardAccess)
        .filter_map(|(ef, b)| file_name(*ef).map(|n| (n, b.clone())));
    let (signature, exchanges) = match &doc.remote_proof {
        Some(t) => (t.signature.clone(), t.exchanges.clone()),
        None => (None, Vec::new()),
    };
    evidence(token, context, files, signature, exchanges)
}
