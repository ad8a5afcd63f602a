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
    /// Server-driven PACE-CAM: run it with [`PaceCamPhone`] after the read (it needs the
    /// server between chip commands, so the engine does not run it).
    PaceCam,
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
            ProofRequest::PaceCam {
                protocol,
                parameter_id,
                mapping_public_key,
            } => {
                pace_cam_params(protocol, *parameter_id)?;
                unhex("the server's mapping key", mapping_public_key)?;
                Instructions::PaceCam
            }
        })
    }
}

/// The PACE parameters of a PACE-CAM challenge: a PACE protocol OID with the Chip
/// Authentication Mapping, on standardized domain parameters.
fn pace_cam_params(
    protocol: &str,
    parameter_id: u32,
) -> Result<emrtd_access::pace::PaceParams, String> {
    let params = emrtd_access::pace::PaceParams::from_oid(protocol, Some(i64::from(parameter_id)))
        .map_err(|e| format!("the server's PACE-CAM parameters: {e}"))?;
    if params.mapping() != emrtd_access::pace::Mapping::ChipAuthentication {
        return Err(format!("{protocol} is not PACE-CAM"));
    }
    Ok(params)
}

/// The body of `POST /v1/challenge`: the context, the expectations and the files that let the
/// server choose the proof (EF.CardAccess, DG14, DG15, when read), for a phone that does not
/// run the server-driven PACE-CAM.
pub fn challenge_request(
    context: &str,
    expect: Expectations,
    card_access: Option<&[u8]>,
    dg14: Option<&[u8]>,
    dg15: Option<&[u8]>,
) -> Vec<u8> {
    challenge_request_with(context, expect, card_access, dg14, dg15, false)
}

/// [`challenge_request`], saying whether the phone runs the server-driven PACE-CAM
/// ([`PaceCamPhone`]) when the server asks for it.
pub fn challenge_request_with(
    context: &str,
    expect: Expectations,
    card_access: Option<&[u8]>,
    dg14: Option<&[u8]>,
    dg15: Option<&[u8]>,
    pace_cam: bool,
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
        pace_cam,
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
            Instructions::None | Instructions::PaceCam => None,
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

/// What the phone does next in a server-driven PACE-CAM run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaceCamStep {
    /// Send this command APDU to the chip and pass its answer to [`PaceCamPhone::chip`].
    Chip(Vec<u8>),
    /// POST this JSON body to the server at `path` (under the server's base URL) and pass the
    /// body of its `200` answer to [`PaceCamPhone::server`].
    Server {
        /// `/v1/pace/map` or `/v1/pace/agree`.
        path: &'static str,
        /// The JSON body.
        body: Vec<u8>,
    },
    /// Done: put `token` and `proof` into the evidence ([`evidence_with`]).
    Done {
        /// The token `POST /v1/pace/agree` answered.
        token: String,
        /// The chip's answers.
        proof: Proof,
    },
}

enum CamState {
    /// After [`PaceCamPhone::start_after_read`]: the answer to a plain SELECT of the master
    /// file; `again` while it may still have been the command that ended the read's session.
    AwaitSelect {
        again: bool,
    },
    AwaitMse,
    AwaitNonce,
    AwaitMapping {
        nonce: zeroize::Zeroizing<Vec<u8>>,
    },
    AwaitServerMap,
    AwaitAgreement {
        token: String,
    },
    AwaitServerAgree,
    AwaitToken {
        token: String,
        relay: Vec<Vec<u8>>,
    },
    Relaying {
        token: String,
        chip_token: Vec<u8>,
        chip_authentication_data: Vec<u8>,
        relay: Vec<Vec<u8>>,
        exchanges: Vec<Exchange>,
    },
    Finished,
}

/// The phone's side of PACE-CAM driven by the server (see [`crate::pace_cam`]), sans-IO: it
/// makes the chip commands from the server's keys, decrypts the chip's nonce with the phone's
/// password (which never leaves the phone), and relays. It checks nothing the server checks.
pub struct PaceCamPhone {
    params: emrtd_access::pace::PaceParams,
    password: emrtd_access::pace::PacePassword,
    mapping_public_key: Vec<u8>,
    token: String,
    state: CamState,
}

impl std::fmt::Debug for PaceCamPhone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaceCamPhone")
            .field("protocol", &self.params.name())
            .finish_non_exhaustive()
    }
}

fn select_mf() -> Vec<u8> {
    emrtd_apdu::CommandApdu::select_mf()
        .to_bytes()
        .unwrap_or_default()
}

fn general_authenticate(dos: &[(u32, &[u8])], last: bool) -> Vec<u8> {
    emrtd_access::pace::general_authenticate(dos, last, false)
        .to_bytes()
        .unwrap_or_default()
}

/// The value of data object `tag` in the chip's `7C` answer (status 9000 required).
fn dynamic_object(response: &[u8], tag: u32, step: &str) -> Result<Vec<u8>, String> {
    let resp = emrtd_apdu::ResponseApdu::parse(response)
        .map_err(|e| format!("PACE-CAM {step}: the chip's answer is not a response APDU: {e}"))?;
    if !resp.sw.is_ok() {
        return Err(format!(
            "PACE-CAM {step}: the chip answered {:04X}",
            resp.sw.0
        ));
    }
    let (outer, rest) = emrtd_tlv::parse_one(&resp.data)
        .map_err(|e| format!("PACE-CAM {step}: the chip's answer is not TLV: {e}"))?;
    if outer.tag != 0x7C || !rest.is_empty() {
        return Err(format!(
            "PACE-CAM {step}: the chip's answer is not dynamic authentication data (7C)"
        ));
    }
    let items = emrtd_tlv::parse_all(outer.value)
        .map_err(|e| format!("PACE-CAM {step}: the chip's answer is not TLV: {e}"))?;
    items
        .iter()
        .find(|t| t.tag == tag)
        .map(|t| t.value.to_vec())
        .ok_or_else(|| format!("PACE-CAM {step}: the chip's answer has no data object {tag:02X}"))
}

impl PaceCamPhone {
    /// Start from the server's PACE-CAM instructions and the phone's access key; the first
    /// command (MSE:Set AT) is what [`PaceCamPhone::start`] returns.
    pub fn new(
        challenge: &crate::ChallengeResponse,
        key: &emrtd_reader::AccessKey,
    ) -> Result<PaceCamPhone, String> {
        let crate::ProofRequest::PaceCam {
            protocol,
            parameter_id,
            mapping_public_key,
        } = &challenge.proof
        else {
            return Err("the server did not ask for PACE-CAM".into());
        };
        let params = pace_cam_params(protocol, *parameter_id)?;
        let password = match key {
            emrtd_reader::AccessKey::Mrz(m) => emrtd_access::pace::PacePassword::Mrz(m.to_string()),
            emrtd_reader::AccessKey::Can(c) => emrtd_access::pace::PacePassword::Can(c.to_string()),
        };
        Ok(PaceCamPhone {
            params,
            password,
            mapping_public_key: unhex("the server's mapping key", mapping_public_key)?,
            token: challenge.token.clone(),
            state: CamState::AwaitMse,
        })
    }

    /// The first command: MSE:Set AT for PACE with the server's protocol and the password.
    pub fn start(&self) -> Vec<u8> {
        emrtd_access::pace::mse_set_at(
            self.params.oid(),
            self.password.reference(),
            self.params.parameter_id(),
            None,
        )
        .to_bytes()
        .unwrap_or_default()
    }

    /// The first command when the chip may still be in the secure messaging session of the
    /// read before (the same connection, no reconnect: Core NFC cannot reconnect a tag): a
    /// plain SELECT of the master file. A plain command ends a secure messaging session
    /// (BSI TR-03110-3 F.1, F.6: answered 6987 or 6988 and not executed), so the SELECT is sent
    /// again then, to start PACE in the master file; a chip that refuses SELECT MF keeps its
    /// current file and PACE starts there. Then MSE:Set AT as after [`PaceCamPhone::start`].
    /// On a fresh chip (after a reconnect) the first SELECT simply selects the master file.
    pub fn start_after_read(&mut self) -> Vec<u8> {
        self.state = CamState::AwaitSelect { again: true };
        select_mf()
    }

    /// The chip answered the last command.
    pub fn chip(&mut self, response: &[u8]) -> Result<PaceCamStep, String> {
        let state = std::mem::replace(&mut self.state, CamState::Finished);
        match state {
            CamState::AwaitSelect { again } => {
                let resp = emrtd_apdu::ResponseApdu::parse(response)
                    .map_err(|e| format!("PACE-CAM: SELECT of the master file: {e}"))?;
                // A plain command during secure messaging: the session ended.
                let ended = [
                    emrtd_apdu::StatusWord::SM_DATA_MISSING,
                    emrtd_apdu::StatusWord::SM_DATA_INCORRECT,
                ]
                .contains(&resp.sw);
                if again && ended {
                    self.state = CamState::AwaitSelect { again: false };
                    return Ok(PaceCamStep::Chip(select_mf()));
                }
                self.state = CamState::AwaitMse;
                Ok(PaceCamStep::Chip(self.start()))
            }
            CamState::AwaitMse => {
                let resp = emrtd_apdu::ResponseApdu::parse(response)
                    .map_err(|e| format!("PACE-CAM: MSE:Set AT: {e}"))?;
                if !resp.sw.is_ok() {
                    return Err(format!(
                        "PACE-CAM: the chip refused MSE:Set AT with {:04X}",
                        resp.sw.0
                    ));
                }
                self.state = CamState::AwaitNonce;
                Ok(PaceCamStep::Chip(general_authenticate(&[], false)))
            }
            CamState::AwaitNonce => {
                let z = dynamic_object(response, 0x80, "encrypted nonce")?;
                let k_pi = emrtd_access::pace::protocol::password_key(
                    &self.password,
                    self.params.cipher(),
                );
                let nonce = emrtd_access::pace::protocol::decrypt_nonce(&k_pi, &z)
                    .map_err(|e| format!("PACE-CAM: {e}"))?;
                let cmd = general_authenticate(&[(0x81, &self.mapping_public_key)], false);
                self.state = CamState::AwaitMapping { nonce };
                Ok(PaceCamStep::Chip(cmd))
            }
            CamState::AwaitMapping { nonce } => {
                let chip_map = dynamic_object(response, 0x82, "mapping")?;
                let body = serde_json::to_vec(&crate::MapRequest {
                    token: self.token.clone(),
                    nonce: hex::encode(&*nonce),
                    chip_mapping_public_key: hex::encode(chip_map),
                })
                .unwrap_or_default();
                self.state = CamState::AwaitServerMap;
                Ok(PaceCamStep::Server {
                    path: "/v1/pace/map",
                    body,
                })
            }
            CamState::AwaitAgreement { token } => {
                let chip_public = dynamic_object(response, 0x84, "key agreement")?;
                let body = serde_json::to_vec(&crate::AgreeRequest {
                    token,
                    chip_public_key: hex::encode(chip_public),
                })
                .unwrap_or_default();
                self.state = CamState::AwaitServerAgree;
                Ok(PaceCamStep::Server {
                    path: "/v1/pace/agree",
                    body,
                })
            }
            CamState::AwaitToken { token, relay } => {
                // The phone cannot check T_IC (it has no session keys): it relays it.
                let chip_token = dynamic_object(response, 0x86, "mutual authentication")?;
                let chip_authentication_data =
                    dynamic_object(response, 0x8A, "mutual authentication")?;
                self.next_relay(
                    token,
                    chip_token,
                    chip_authentication_data,
                    relay,
                    Vec::new(),
                )
            }
            CamState::Relaying {
                token,
                chip_token,
                chip_authentication_data,
                relay,
                mut exchanges,
            } => {
                if response.len() > MAX_APDU {
                    return Err(format!("the chip's answer is longer than {MAX_APDU} bytes"));
                }
                let command = relay.get(exchanges.len()).cloned().unwrap_or_default();
                exchanges.push(Exchange {
                    command,
                    response: response.to_vec(),
                });
                self.next_relay(
                    token,
                    chip_token,
                    chip_authentication_data,
                    relay,
                    exchanges,
                )
            }
            CamState::AwaitServerMap | CamState::AwaitServerAgree | CamState::Finished => {
                Err("PACE-CAM: no chip command is outstanding".into())
            }
        }
    }

    fn next_relay(
        &mut self,
        token: String,
        chip_token: Vec<u8>,
        chip_authentication_data: Vec<u8>,
        relay: Vec<Vec<u8>>,
        exchanges: Vec<Exchange>,
    ) -> Result<PaceCamStep, String> {
        match relay.get(exchanges.len()).cloned() {
            Some(cmd) => {
                self.state = CamState::Relaying {
                    token,
                    chip_token,
                    chip_authentication_data,
                    relay,
                    exchanges,
                };
                Ok(PaceCamStep::Chip(cmd))
            }
            None => Ok(PaceCamStep::Done {
                token,
                proof: Proof::PaceCam {
                    chip_token,
                    chip_authentication_data,
                    exchanges,
                },
            }),
        }
    }

    /// The server answered the last request (`200`, its body).
    pub fn server(&mut self, body: &[u8]) -> Result<PaceCamStep, String> {
        let state = std::mem::replace(&mut self.state, CamState::Finished);
        match state {
            CamState::AwaitServerMap => {
                let a: crate::MapResponse = serde_json::from_slice(body)
                    .map_err(|e| format!("the server's /v1/pace/map answer: {e}"))?;
                let key = unhex("the server's key agreement key", &a.terminal_public_key)?;
                self.state = CamState::AwaitAgreement { token: a.token };
                Ok(PaceCamStep::Chip(general_authenticate(
                    &[(0x83, &key)],
                    false,
                )))
            }
            CamState::AwaitServerAgree => {
                let a: crate::AgreeResponse = serde_json::from_slice(body)
                    .map_err(|e| format!("the server's /v1/pace/agree answer: {e}"))?;
                if a.relay.len() > MAX_EXCHANGES {
                    return Err(format!("more than {MAX_EXCHANGES} relayed commands"));
                }
                let t = unhex("the server's authentication token", &a.terminal_token)?;
                let relay = a
                    .relay
                    .iter()
                    .map(|c| unhex("a relayed command", c))
                    .collect::<Result<Vec<_>, _>>()?;
                self.state = CamState::AwaitToken {
                    token: a.token,
                    relay,
                };
                Ok(PaceCamStep::Chip(general_authenticate(&[(0x85, &t)], true)))
            }
            _ => Err("PACE-CAM: no server request is outstanding".into()),
        }
    }
}

/// The evidence of a read (its files, as [`evidence_of`]) with a proof run outside the engine
/// (server-driven PACE-CAM) and the token that proof ended with.
pub fn evidence_with(
    token: &str,
    context: &str,
    doc: &emrtd_reader::Document,
    proof: Proof,
) -> Evidence {
    let mut e = evidence_of(token, context, doc);
    e.proof = proof;
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone() -> PaceCamPhone {
        let challenge = crate::ChallengeResponse {
            token: "v1.k.AAAA".into(),
            expires_at: 0,
            proof: crate::ProofRequest::PaceCam {
                // id-PACE-ECDH-CAM-AES-CBC-CMAC-128, brainpoolP256r1.
                protocol: "0.4.0.127.0.7.2.2.4.6.2".into(),
                parameter_id: 13,
                mapping_public_key: "04".into(),
            },
        };
        let key = emrtd_reader::AccessKey::from_can("123456").unwrap();
        PaceCamPhone::new(&challenge, &key).unwrap()
    }

    const SELECT_MF: [u8; 7] = [0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00];

    #[test]
    fn after_a_read_a_select_that_ends_the_session_is_sent_again_then_pace_starts() {
        let mut p = phone();
        let mse = p.start();
        assert_eq!(p.start_after_read(), SELECT_MF);
        // The plain SELECT ended the read's secure messaging session: not executed.
        assert_eq!(
            p.chip(&[0x69, 0x87]).unwrap(),
            PaceCamStep::Chip(SELECT_MF.to_vec())
        );
        assert_eq!(p.chip(&[0x90, 0x00]).unwrap(), PaceCamStep::Chip(mse));
    }

    #[test]
    fn a_chip_that_refuses_select_mf_or_ends_the_session_twice_still_gets_mse_set_at() {
        let mut p = phone();
        let mse = p.start();
        p.start_after_read();
        assert_eq!(
            p.chip(&[0x6A, 0x82]).unwrap(),
            PaceCamStep::Chip(mse.clone())
        );
        let mut p = phone();
        p.start_after_read();
        p.chip(&[0x69, 0x88]).unwrap();
        // Sent again once only: no loop on a chip that always answers 6988.
        assert_eq!(p.chip(&[0x69, 0x88]).unwrap(), PaceCamStep::Chip(mse));
    }

    #[test]
    fn a_pace_cam_challenge_with_a_mapping_other_than_cam_is_refused_when_decoded() {
        let request = crate::ProofRequest::PaceCam {
            // id-PACE-ECDH-GM-AES-CBC-CMAC-128: Generic Mapping.
            protocol: "0.4.0.127.0.7.2.2.4.2.2".into(),
            parameter_id: 13,
            mapping_public_key: "04".into(),
        };
        let err = request.instructions().unwrap_err();
        assert!(err.contains("not PACE-CAM"), "{err}");
    }
}
