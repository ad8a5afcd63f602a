//! Terminal (inspection system) side of PACE.

use emrtd_apdu::{CommandApdu, ResponseApdu, StatusWord};
use emrtd_crypto::pk::{Group, PrivateKey};
use emrtd_crypto::sym::{self, SymKey};
use emrtd_sm::SecureMessaging;
use rand_core::CryptoRngCore;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::apdus::{self, *};
use super::protocol;
use super::{
    CamEvidence, KeyAgreement, Mapping, PaceError, PaceOutcome, PaceParams, PacePassword,
    PaceSummary,
};

/// The General Authenticate steps of PACE, for decisions on the chip's status words (only a
/// refused mutual authentication means a wrong password) and for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PaceStep {
    EncryptedNonce,
    MapNonce,
    KeyAgreement,
    MutualAuthentication,
}

impl PaceStep {
    /// The step's name in errors.
    fn name(self) -> &'static str {
        match self {
            PaceStep::EncryptedNonce => "encrypted nonce",
            PaceStep::MapNonce => "map nonce",
            PaceStep::KeyAgreement => "key agreement",
            PaceStep::MutualAuthentication => "mutual authentication",
        }
    }
}

/// Fixed terminal secrets, to replay published examples: the ephemeral private keys and the
/// Integrated Mapping nonce t. Zeroized on drop.
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct TerminalSecrets {
    /// SK_Map,IFD (Generic / Chip Authentication Mapping), big-endian.
    pub mapping_private_key: Vec<u8>,
    /// SK_DH,IFD (key agreement), big-endian.
    pub agreement_private_key: Vec<u8>,
    /// t (Integrated Mapping).
    pub terminal_nonce: Vec<u8>,
}

type Source = super::secrets::Source<TerminalSecrets>;

impl super::secrets::FixedSecrets for TerminalSecrets {
    fn mapping_private_key(&self) -> &[u8] {
        &self.mapping_private_key
    }
    fn agreement_private_key(&self) -> &[u8] {
        &self.agreement_private_key
    }
    fn nonce(&self) -> &[u8] {
        &self.terminal_nonce
    }
}

enum State {
    Initial,
    AwaitMse,
    AwaitNonce,
    AwaitMapping {
        s: Zeroizing<Vec<u8>>,
        mapping_key: Option<PrivateKey>,
        mapping_public: Vec<u8>,
    },
    AwaitImAck {
        key: PrivateKey,
        public: Vec<u8>,
    },
    AwaitKeyAgreement {
        key: PrivateKey,
        public: Vec<u8>,
        chip_mapping_public: Option<Vec<u8>>,
    },
    AwaitToken {
        ks_enc: SymKey,
        ks_mac: SymKey,
        terminal_public: Vec<u8>,
        chip_public: Vec<u8>,
        chip_mapping_public: Option<Vec<u8>>,
    },
    Finished,
}

/// What to do after a chip response.
#[derive(Debug)]
pub enum Step {
    /// Send this command next.
    Send(CommandApdu),
    /// PACE succeeded.
    Done(Box<PaceOutcome>),
}

/// The terminal's PACE state machine. See the [module docs](super).
pub struct PaceTerminal {
    params: PaceParams,
    password: PacePassword,
    source: Source,
    state: State,
}

impl core::fmt::Debug for PaceTerminal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PaceTerminal")
            .field("protocol", &self.params.name())
            .field("password", &self.password)
            .finish_non_exhaustive()
    }
}

impl PaceTerminal {
    /// A terminal drawing its ephemeral keys and nonce from `rng`.
    pub fn new(
        params: PaceParams,
        password: PacePassword,
        rng: impl CryptoRngCore + Send + 'static,
    ) -> Result<Self, PaceError> {
        password.validate()?;
        Ok(PaceTerminal {
            params,
            password,
            source: Source::Rng(Box::new(rng)),
            state: State::Initial,
        })
    }

    /// A terminal using fixed secrets (to replay worked examples; never for real documents).
    pub fn with_secrets(
        params: PaceParams,
        password: PacePassword,
        secrets: TerminalSecrets,
    ) -> Result<Self, PaceError> {
        password.validate()?;
        Ok(PaceTerminal {
            params,
            password,
            source: Source::Fixed(secrets),
            state: State::Initial,
        })
    }

    /// The first command: MSE:Set AT.
    pub fn start(&mut self) -> Result<CommandApdu, PaceError> {
        if !matches!(self.state, State::Initial) {
            return Err(PaceError::InvalidState("start() may only be called once"));
        }
        self.state = State::AwaitMse;
        let id = if self.params.send_parameter_id {
            self.params.parameter_id
        } else {
            None
        };
        Ok(apdus::mse_set_at(
            &self.params.oid,
            self.password.reference(),
            id,
            self.params.chat.as_deref(),
        ))
    }

    fn long(&self) -> bool {
        match self.params.group() {
            Group::Dh(g) => g.size() > 200,
            Group::Ec(_) => false,
        }
    }

    /// Processes the chip's answer to the last command. Any error ends this PACE run.
    pub fn process_response(&mut self, resp: &ResponseApdu) -> Result<Step, PaceError> {
        let state = core::mem::replace(&mut self.state, State::Finished);
        let result = self.advance(state, resp);
        if result.is_err() {
            self.state = State::Finished;
        }
        result
    }

    fn check_sw(&self, resp: &ResponseApdu, step: PaceStep) -> Result<(), PaceError> {
        let sw = resp.sw;
        if sw == StatusWord::OK {
            return Ok(());
        }
        let kind = self.password.kind();
        Err(match (sw.sw1(), sw.sw2()) {
            (0x63, 0x00) if step == PaceStep::MutualAuthentication => PaceError::WrongPassword {
                kind,
                sw,
                retries_left: None,
            },
            (0x63, x) if x & 0xF0 == 0xC0 && step == PaceStep::MutualAuthentication => {
                PaceError::WrongPassword {
                    kind,
                    sw,
                    retries_left: Some(x & 0x0F),
                }
            }
            (0x69, 0x83) | (0x69, 0x84) => PaceError::PasswordBlocked { kind, sw },
            _ => PaceError::ChipError {
                step: step.name(),
                sw,
            },
        })
    }

    fn advance(&mut self, state: State, resp: &ResponseApdu) -> Result<Step, PaceError> {
        let group = self.params.group.clone();
        match state {
            State::Initial | State::Finished => Err(PaceError::InvalidState(
                "no PACE command is outstanding (call start() first; a finished or failed run cannot continue)",
            )),
            State::AwaitMse => {
                let sw = resp.sw;
                let kind = self.password.kind();
                match (sw.sw1(), sw.sw2()) {
                    (0x90, 0x00) => {}
                    // PIN with retry counter: 63C1..63CF is a warning, proceed.
                    (0x63, x) if x & 0xF0 == 0xC0 && x & 0x0F > 0 => {}
                    (0x63, 0xC0) | (0x69, 0x83) | (0x69, 0x84) => {
                        return Err(PaceError::PasswordBlocked { kind, sw })
                    }
                    (0x6A, 0x88) => return Err(PaceError::PasswordNotAvailable { kind, sw }),
                    _ => return Err(PaceError::ParametersRejected { sw }),
                }
                self.state = State::AwaitNonce;
                Ok(Step::Send(apdus::general_authenticate(&[], false, false)))
            }
            State::AwaitNonce => {
                let step = PaceStep::EncryptedNonce.name();
                self.check_sw(resp, PaceStep::EncryptedNonce)?;
                let dos = apdus::parse_dynamic(&resp.data, step)?;
                let z = apdus::take(&dos, TAG_NONCE, step, "the encrypted nonce")?;
                let k_pi = protocol::password_key(&self.password, self.params.cipher);
                let s = protocol::decrypt_nonce(&k_pi, &z)?;
                match self.params.mapping {
                    Mapping::Generic | Mapping::ChipAuthentication => {
                        let key = self.source.private_key(&group, true)?;
                        let public = group.public_key(&key, &group.generator())?;
                        let public = protocol::encode(&group, &public)?;
                        let cmd = apdus::general_authenticate(&[(TAG_MAP_IFD, &public)], false, self.long());
                        self.state = State::AwaitMapping {
                            s,
                            mapping_key: Some(key),
                            mapping_public: public,
                        };
                        Ok(Step::Send(cmd))
                    }
                    Mapping::Integrated => {
                        let t = self.source.nonce(protocol::terminal_nonce_len(self.params.cipher));
                        let cmd = apdus::general_authenticate(&[(TAG_MAP_IFD, &t)], false, false);
                        let generator = protocol::map_integrated(&group, &s, &t, self.params.cipher)?;
                        let key = self.source.private_key(&group, false)?;
                        let public = group.public_key(&key, &generator)?;
                        let public = protocol::encode(&group, &public)?;
                        self.state = State::AwaitImAck { key, public };
                        Ok(Step::Send(cmd))
                    }
                }
            }
            State::AwaitMapping {
                s,
                mapping_key,
                mapping_public,
            } => {
                let step = PaceStep::MapNonce.name();
                self.check_sw(resp, PaceStep::MapNonce)?;
                let dos = apdus::parse_dynamic(&resp.data, step)?;
                let chip_map = apdus::take(&dos, TAG_MAP_IC, step, "the chip's mapping public key")?;
                if chip_map == mapping_public {
                    return Err(PaceError::IdenticalEphemeralKeys);
                }
                let key = mapping_key.ok_or(PaceError::InvalidState("mapping key missing"))?;
let agreement_key = self.source.private_key(&group, false)?;
                let public = if group.is_ec() {
                    // PK = SK·G' with G' = s·G + H, H = SK_map·PK_map,IC; G' itself is needed
                    // for nothing else, so the group computes PK in one pass where it can.
                    let peer = protocol::decode_peer_key(&group, &chip_map)?;
                    group.generic_mapping_public_key(&s, &key, &peer, &agreement_key)?
                } else {
                    // DH: the peer's subgroup check shares its squarings with H = y^SK_map
                    let h = protocol::agree_with_peer(&group, &key, &chip_map)?;
                    let generator = protocol::map_generic(&group, &s, &h)?;
                    group.public_key(&agreement_key, &generator)?
                };
                let public = protocol::encode(&group, &public)?;
                let cmd = apdus::general_authenticate(&[(TAG_PK_IFD, &public)], false, self.long());
                self.state = State::AwaitKeyAgreement {
                    key: agreement_key,
                    public,
                    chip_mapping_public: (self.params.mapping == Mapping::ChipAuthentication)
                        .then_some(chip_map),
                };
                Ok(Step::Send(cmd))
            }
            State::AwaitImAck { key, public } => {
                // Answer to the Integrated Mapping nonce t: empty, or an empty DO'82'.
                let step = PaceStep::MapNonce.name();
                self.check_sw(resp, PaceStep::MapNonce)?;
                let dos = apdus::parse_dynamic(&resp.data, step)?;
                if dos.iter().any(|(t, v)| *t != TAG_MAP_IC || !v.is_empty()) {
                    return Err(PaceError::MalformedResponse {
                        step,
                        reason: "the answer to the Integrated Mapping nonce must be empty".into(),
                    });
                }
                let cmd = apdus::general_authenticate(&[(TAG_PK_IFD, &public)], false, self.long());
                self.state = State::AwaitKeyAgreement {
                    key,
                    public,
                    chip_mapping_public: None,
                };
                Ok(Step::Send(cmd))
            }
            State::AwaitKeyAgreement {
                key,
                public,
                chip_mapping_public,
            } => {
                let step = PaceStep::KeyAgreement.name();
                self.check_sw(resp, PaceStep::KeyAgreement)?;
                let dos = apdus::parse_dynamic(&resp.data, step)?;
                let chip_public = apdus::take(&dos, TAG_PK_IC, step, "the chip's ephemeral public key")?;
                if chip_public == public {
                    return Err(PaceError::IdenticalEphemeralKeys);
                }
                let shared = protocol::agree_with_peer(&group, &key, &chip_public)?;
                let k = group.shared_secret_bytes(&shared)?;
                let (ks_enc, ks_mac) = protocol::session_keys(&k, self.params.cipher);
                let ec = self.params.key_agreement == KeyAgreement::Ecdh;
                let t_ifd = protocol::authentication_token(
                    &ks_mac,
                    &protocol::authentication_token_input(&self.params.oid, &chip_public, ec),
                )?;
                let cmd = apdus::general_authenticate(&[(TAG_TOKEN_IFD, &t_ifd)], true, false);
                self.state = State::AwaitToken {
                    ks_enc,
                    ks_mac,
                    terminal_public: public,
                    chip_public,
                    chip_mapping_public,
                };
                Ok(Step::Send(cmd))
            }
            State::AwaitToken {
                ks_enc,
                ks_mac,
                terminal_public,
                chip_public,
                chip_mapping_public,
            } => {
                let step = PaceStep::MutualAuthentication.name();
                self.check_sw(resp, PaceStep::MutualAuthentication)?;
                let dos = apdus::parse_dynamic(&resp.data, step)?;
                let t_ic = apdus::take(&dos, TAG_TOKEN_IC, step, "the chip's authentication token")?;
                let ec = self.params.key_agreement == KeyAgreement::Ecdh;
                let expected = protocol::authentication_token(
                    &ks_mac,
                    &protocol::authentication_token_input(&self.params.oid, &terminal_public, ec),
                )?;
                if !sym::ct_eq(&t_ic, &expected) {
                    return Err(PaceError::ChipTokenMismatch);
                }
                let car: Vec<Vec<u8>> = dos
                    .iter()
                    .filter(|(t, _)| *t == TAG_CAR1 || *t == TAG_CAR2)
                    .map(|(_, v)| v.clone())
                    .collect();
                let cam = match chip_mapping_public {
                    Some(pk_map) => {
                        let a_ic = apdus::take(&dos, TAG_CAM, step, "the encrypted chip authentication data")?;
                        let ca = protocol::cam_decrypt(&ks_enc, &a_ic)?;
                        Some(CamEvidence {
                            chip_authentication_data: ca.to_vec(),
                            chip_mapping_public_key: pk_map,
                            encrypted_chip_authentication_data: a_ic,
                        })
                    }
                    // Chip authentication data (DO'8A') outside CAM proves nothing and is
                    // ignored, as TR-03105-5.1 ISO7816_G_35 expects of a robust reader.
                    None => None,
                };
                let ssc = vec![0u8; self.params.cipher.block_size()];
                let sm = SecureMessaging::from_keys(ks_enc, ks_mac, &ssc)
                    .map_err(|e| PaceError::Sm(e.to_string()))?;
                let summary = PaceSummary {
                    protocol: self.params.oid_dotted(),
                    protocol_name: self.params.name(),
                    mapping: self.params.mapping,
                    cipher: self.params.cipher,
                    key_agreement: self.params.key_agreement,
                    parameter_id: self.params.parameter_id,
                    group_name: group.name().to_string(),
                    password: self.password.kind(),
                    terminal_ephemeral_public_key: terminal_public,
                    chip_ephemeral_public_key: chip_public,
                    car,
                    chat: self.params.chat.clone(),
                    cam_verified_key: None,
                };
                Ok(Step::Done(Box::new(PaceOutcome {
                    sm,
                    summary,
                    cam,
                    group,
                })))
            }
        }
    }
}
