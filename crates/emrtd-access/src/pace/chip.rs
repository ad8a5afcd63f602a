//! Chip side of PACE, for the virtual chip.

use emrtd_apdu::{ins, CommandApdu, ResponseApdu, StatusWord};
use emrtd_crypto::pk::{Element, Group, PrivateKey};
use emrtd_crypto::sym::{self, SymKey};
use emrtd_sm::SecureMessaging;
use emrtd_tlv::parse_all;
use rand_core::CryptoRngCore;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::apdus::{self, *};
use super::protocol;
use super::{KeyAgreement, Mapping, PaceError, PaceParams, PacePassword, PaceSummary};

/// Fixed chip secrets, to reproduce published examples: the nonce s and the ephemeral private
/// keys. Zeroized on drop.
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct ChipSecrets {
    /// The nonce s.
    pub nonce: Vec<u8>,
    /// SK_Map,IC (Generic / Chip Authentication Mapping).
    pub mapping_private_key: Vec<u8>,
    /// SK_DH,IC.
    pub agreement_private_key: Vec<u8>,
}

type Source = super::secrets::Source<ChipSecrets>;

impl super::secrets::FixedSecrets for ChipSecrets {
    fn mapping_private_key(&self) -> &[u8] {
        &self.mapping_private_key
    }
    fn agreement_private_key(&self) -> &[u8] {
        &self.agreement_private_key
    }
    fn nonce(&self) -> &[u8] {
        &self.nonce
    }
}

/// Selected protocol and password (indices into the chip's configuration).
#[derive(Clone, Copy)]
struct Selection {
    params: usize,
    password: usize,
}

// Transient per-run state; the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
enum State {
    Idle,
    Selected(Selection),
    NonceSent {
        sel: Selection,
        s: Zeroizing<Vec<u8>>,
    },
    Mapped {
        sel: Selection,
        generator: Element,
        mapping_key: Option<PrivateKey>,
    },
    KeysAgreed {
        sel: Selection,
        ks_enc: SymKey,
        ks_mac: SymKey,
        chip_public: Vec<u8>,
        terminal_public: Vec<u8>,
        mapping_key: Option<PrivateKey>,
    },
}

/// The chip's PACE state machine.
///
/// It answers MSE:Set AT (`6A80` for an unsupported protocol, `6A88` for an unknown password)
/// and the GENERAL AUTHENTICATE chain; a wrong password shows as a token mismatch answered with
/// `6300`; malformed or invalid input is answered with `6A80` and resets PACE. It never panics.
pub struct PaceChip {
    supported: Vec<PaceParams>,
    passwords: Vec<PacePassword>,
    cam_key: Option<PrivateKey>,
    source: Source,
    state: State,
    session: Option<SecureMessaging>,
    summary: Option<PaceSummary>,
    /// The CHAT of the current run's MSE:Set AT (whole `7F4C` object), if it carried one.
    chat: Option<Vec<u8>>,
    /// CARs of the CVCA keys, answered in `87`/`88` when MSE:Set AT carried a CHAT.
    cars: Vec<Vec<u8>>,
}

impl core::fmt::Debug for PaceChip {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PaceChip")
            .field(
                "supported",
                &self.supported.iter().map(|p| p.name()).collect::<Vec<_>>(),
            )
            .field("established", &self.session.is_some())
            .finish_non_exhaustive()
    }
}

fn sw(sw: StatusWord) -> ResponseApdu {
    ResponseApdu::status(sw)
}

impl PaceChip {
    /// A chip supporting the given PACE variants and passwords; randomness from `rng`.
    pub fn new(
        supported: Vec<PaceParams>,
        passwords: Vec<PacePassword>,
        rng: impl CryptoRngCore + Send + 'static,
    ) -> Self {
        PaceChip {
            supported,
            passwords,
            cam_key: None,
            source: Source::Rng(Box::new(rng)),
            state: State::Idle,
            session: None,
            summary: None,
            chat: None,
            cars: Vec::new(),
        }
    }

    /// The Certification Authority References of the CVCA keys the chip holds, most recent
    /// first (at most two are sent). When MSE:Set AT carries a CHAT (Terminal Authentication
    /// version 2 follows), the mutual authentication answer holds them in `87` and `88`
    /// (TR-03110-3 §B.1, §B.1.4).
    pub fn set_certification_authority_references(&mut self, cars: Vec<Vec<u8>>) {
        self.cars = cars;
    }

    /// A chip with fixed secrets (replays of worked examples only).
    pub fn with_secrets(
        supported: Vec<PaceParams>,
        passwords: Vec<PacePassword>,
        secrets: ChipSecrets,
    ) -> Self {
        let mut chip = Self::new(supported, passwords, rand_core::OsRng);
        chip.source = Source::Fixed(secrets);
        chip
    }

    /// The static Chip Authentication private key (SK_IC) used for PACE-CAM, big-endian. Its
    /// curve is the one of the CAM parameters; the key must be valid for it.
    pub fn set_cam_key(&mut self, private_key: &[u8]) -> Result<(), PaceError> {
        let group = self
            .supported
            .iter()
            .find(|p| p.mapping == Mapping::ChipAuthentication)
            .map(|p| p.group.clone())
            .ok_or(PaceError::UnsupportedParameters(
                "no Chip Authentication Mapping protocol is configured".into(),
            ))?;
        self.cam_key = Some(group.private_key_from_bytes(private_key)?);
        Ok(())
    }

    /// True once PACE succeeded (until the session is taken or PACE restarts).
    pub fn is_established(&self) -> bool {
        self.session.is_some()
    }

    /// The established secure messaging session (chip side).
    pub fn session_mut(&mut self) -> Option<&mut SecureMessaging> {
        self.session.as_mut()
    }

    /// Takes the established secure messaging session.
    pub fn take_session(&mut self) -> Option<SecureMessaging> {
        self.session.take()
    }

    /// What the last successful PACE run negotiated.
    pub fn summary(&self) -> Option<&PaceSummary> {
        self.summary.as_ref()
    }

    /// Whether `cmd` is a PACE command (MSE:Set AT for PACE or GENERAL AUTHENTICATE).
    pub fn is_pace_command(cmd: &CommandApdu) -> bool {
        (cmd.ins == ins::MANAGE_SECURITY_ENVIRONMENT && cmd.p1 == 0xC1 && cmd.p2 == 0xA4)
            || cmd.ins == ins::GENERAL_AUTHENTICATE
    }

    /// Answers one (unprotected) command.
    pub fn handle(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let state = core::mem::replace(&mut self.state, State::Idle);
        match self.step(state, cmd) {
            Ok(resp) => resp,
            Err(status) => {
                self.state = State::Idle;
                sw(status)
            }
        }
    }

    fn step(&mut self, state: State, cmd: &CommandApdu) -> Result<ResponseApdu, StatusWord> {
        if cmd.ins == ins::MANAGE_SECURITY_ENVIRONMENT && cmd.p1 == 0xC1 && cmd.p2 == 0xA4 {
            // A new MSE:Set AT always restarts PACE (and ends a previous session).
            self.session = None;
            self.chat = None;
            let (sel, chat) = self.select(&cmd.data)?;
            self.chat = chat;
            self.state = State::Selected(sel);
            return Ok(sw(StatusWord::OK));
        }
        if cmd.ins != ins::GENERAL_AUTHENTICATE {
            self.state = state;
            return Ok(sw(StatusWord::INS_NOT_SUPPORTED));
        }
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return Err(StatusWord::INCORRECT_P1P2);
        }
        let dos = apdus::parse_dynamic(&cmd.data, "command").map_err(|_| StatusWord::WRONG_DATA)?;
        if cmd.data.is_empty() {
            return Err(StatusWord::WRONG_DATA);
        }
        let last = cmd.cla & 0x10 == 0;
        match state {
            State::Idle => Err(StatusWord::CONDITIONS_NOT_SATISFIED),
            State::Selected(sel) => {
                if !dos.is_empty() || last {
                    return Err(StatusWord::WRONG_DATA);
                }
                let params = &self.supported[sel.params];
                let cipher = params.cipher;
                let s = self.source.nonce(protocol::nonce_len(cipher));
                let k_pi = protocol::password_key(&self.passwords[sel.password], cipher);
                let z = protocol::encrypt_nonce(&k_pi, &s).map_err(|_| StatusWord::UNKNOWN)?;
                self.state = State::NonceSent { sel, s };
                Ok(self.reply(&[(TAG_NONCE, &z)]))
            }
            State::NonceSent { sel, s } => {
                if last {
                    return Err(StatusWord::WRONG_DATA);
                }
                let params = self.supported[sel.params].clone();
                let group = &params.group;
                let data = apdus::take(&dos, TAG_MAP_IFD, "map nonce", "mapping data")
                    .map_err(|_| StatusWord::WRONG_DATA)?;
                match params.mapping {
                    Mapping::Generic | Mapping::ChipAuthentication => {
                        let key = self
                            .source
                            .private_key(group, true)
                            .map_err(|_| StatusWord::UNKNOWN)?;
                        let public = group
                            .public_key(&key, &group.generator())
                            .and_then(|p| group.encode_public_key(&p))
                            .map_err(|_| StatusWord::UNKNOWN)?;
                        if public == data {
                            return Err(StatusWord::WRONG_DATA);
                        }
                        let h = protocol::agree_with_peer(group, &key, &data)
                            .map_err(|_| StatusWord::WRONG_DATA)?;
                        let generator = protocol::map_generic(group, &s, &h)
                            .map_err(|_| StatusWord::WRONG_DATA)?;
                        let cam = params.mapping == Mapping::ChipAuthentication;
                        self.state = State::Mapped {
                            sel,
                            generator,
                            mapping_key: cam.then_some(key),
                        };
                        Ok(self.reply(&[(TAG_MAP_IC, &public)]))
                    }
                    Mapping::Integrated => {
                        if data.len() != protocol::terminal_nonce_len(params.cipher) {
                            return Err(StatusWord::WRONG_DATA);
                        }
                        let generator = protocol::map_integrated(group, &s, &data, params.cipher)
                            .map_err(|_| StatusWord::WRONG_DATA)?;
                        self.state = State::Mapped {
                            sel,
                            generator,
                            mapping_key: None,
                        };
                        Ok(self.reply(&[(TAG_MAP_IC, &[])]))
                    }
                }
            }
            State::Mapped {
                sel,
                generator,
                mapping_key,
            } => {
                if last {
                    return Err(StatusWord::WRONG_DATA);
                }
                let params = self.supported[sel.params].clone();
                let group = &params.group;
                let terminal_public = apdus::take(&dos, TAG_PK_IFD, "key agreement", "public key")
                    .map_err(|_| StatusWord::WRONG_DATA)?;
                let key = self
                    .source
                    .private_key(group, false)
                    .map_err(|_| StatusWord::UNKNOWN)?;
                let chip_public = group
                    .public_key(&key, &generator)
                    .and_then(|p| group.encode_public_key(&p))
                    .map_err(|_| StatusWord::UNKNOWN)?;
                if chip_public == terminal_public {
                    return Err(StatusWord::WRONG_DATA);
                }
                let k = protocol::agree_with_peer(group, &key, &terminal_public)
                    .and_then(|shared| Ok(group.shared_secret_bytes(&shared)?))
                    .map_err(|_| StatusWord::WRONG_DATA)?;
                let (ks_enc, ks_mac) = protocol::session_keys(&k, params.cipher);
                self.state = State::KeysAgreed {
                    sel,
                    ks_enc,
                    ks_mac,
                    chip_public: chip_public.clone(),
                    terminal_public,
                    mapping_key,
                };
                Ok(self.reply(&[(TAG_PK_IC, &chip_public)]))
            }
            State::KeysAgreed {
                sel,
                ks_enc,
                ks_mac,
                chip_public,
                terminal_public,
                mapping_key,
            } => {
                if !last {
                    return Err(StatusWord::WRONG_DATA);
                }
                let params = self.supported[sel.params].clone();
                let t_ifd = apdus::take(&dos, TAG_TOKEN_IFD, "mutual authentication", "token")
                    .map_err(|_| StatusWord::WRONG_DATA)?;
                let ec = params.key_agreement == KeyAgreement::Ecdh;
                let expected = protocol::authentication_token(
                    &ks_mac,
                    &protocol::authentication_token_input(&params.oid, &chip_public, ec),
                )
                .map_err(|_| StatusWord::UNKNOWN)?;
                if !sym::ct_eq(&t_ifd, &expected) {
                    // Wrong password (or a corrupted token).
                    return Err(StatusWord::VERIFICATION_FAILED);
                }
                let t_ic = protocol::authentication_token(
                    &ks_mac,
                    &protocol::authentication_token_input(&params.oid, &terminal_public, ec),
                )
                .map_err(|_| StatusWord::UNKNOWN)?;
                let mut dos_out: Vec<(u32, Vec<u8>)> = vec![(TAG_TOKEN_IC, t_ic.to_vec())];
                if params.mapping == Mapping::ChipAuthentication {
                    let a_ic = self
                        .cam_data(&params.group, mapping_key.as_ref(), &ks_enc)
                        .ok_or(StatusWord::CONDITIONS_NOT_SATISFIED)?;
                    dos_out.push((TAG_CAM, a_ic));
                }
                if self.chat.is_some() {
                    for (tag, car) in [TAG_CAR1, TAG_CAR2].into_iter().zip(&self.cars) {
                        dos_out.push((tag, car.clone()));
                    }
                }
                let ssc = vec![0u8; params.cipher.block_size()];
                let session = SecureMessaging::from_keys(ks_enc, ks_mac, &ssc)
                    .map_err(|_| StatusWord::UNKNOWN)?;
                let refs: Vec<(u32, &[u8])> =
                    dos_out.iter().map(|(t, v)| (*t, v.as_slice())).collect();
                let resp = self.reply(&refs);
                self.session = Some(session);
                self.summary = Some(PaceSummary {
                    protocol: params.oid_dotted(),
                    protocol_name: params.name(),
                    mapping: params.mapping,
                    cipher: params.cipher,
                    key_agreement: params.key_agreement,
                    parameter_id: params.parameter_id,
                    group_name: params.group.name().to_string(),
                    password: self.passwords[sel.password].kind(),
                    terminal_ephemeral_public_key: terminal_public,
                    chip_ephemeral_public_key: chip_public,
                    car: if self.chat.is_some() {
                        self.cars.iter().take(2).cloned().collect()
                    } else {
                        Vec::new()
                    },
                    chat: self.chat.clone(),
                    cam_verified_key: None,
                });
                self.state = State::Idle;
                Ok(resp)
            }
        }
    }

    /// A_IC = E(KS_enc, CA_IC), CA_IC = SK_IC⁻¹·SK_Map,IC mod n.
    fn cam_data(
        &self,
        group: &Group,
        mapping_key: Option<&PrivateKey>,
        ks_enc: &SymKey,
    ) -> Option<Vec<u8>> {
        let (Group::Ec(curve), Some(PrivateKey::Ec(sk_map)), Some(PrivateKey::Ec(sk_ic))) =
            (group, mapping_key, self.cam_key.as_ref())
        else {
            return None;
        };
        let ca = curve.cam_chip_authentication_data(sk_ic, sk_map);
        let bytes = curve.scalar_to_bytes(&ca);
        protocol::cam_encrypt(ks_enc, &bytes).ok()
    }

    fn reply(&self, dos: &[(u32, &[u8])]) -> ResponseApdu {
        let inner: Vec<u8> = dos
            .iter()
            .flat_map(|(t, v)| emrtd_tlv::encode(*t, v))
            .collect();
        ResponseApdu::new(emrtd_tlv::encode(TAG_DYN, &inner), StatusWord::OK)
    }

    /// Parses MSE:Set AT data and picks the protocol and password; the CHAT (whole `7F4C`
    /// object) when there is one.
    fn select(&self, data: &[u8]) -> Result<(Selection, Option<Vec<u8>>), StatusWord> {
        let items = parse_all(data).map_err(|_| StatusWord::WRONG_DATA)?;
        let get = |tag: u32| items.iter().find(|t| t.tag == tag).map(|t| t.value);
        let oid = get(0x80).ok_or(StatusWord::WRONG_DATA)?;
        let pw_ref = match get(0x83) {
            Some([r]) => *r,
            _ => return Err(StatusWord::WRONG_DATA),
        };
        let param_id = match get(0x84) {
            None => None,
            Some(v) if !v.is_empty() && v.len() <= 4 => {
                Some(v.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
            }
            Some(_) => return Err(StatusWord::WRONG_DATA),
        };
        let params = self
            .supported
            .iter()
            .position(|p| p.oid == oid && (param_id.is_none() || param_id == p.parameter_id))
            .ok_or(StatusWord::WRONG_DATA)?;
        let password = self
            .passwords
            .iter()
            .position(|p| p.reference() == pw_ref)
            .ok_or(StatusWord::REFERENCED_DATA_NOT_FOUND)?;
        if self.supported[params].mapping == Mapping::ChipAuthentication && self.cam_key.is_none() {
            return Err(StatusWord::REFERENCED_DATA_NOT_FOUND);
        }
        let chat = get(0x7F4C).map(|v| emrtd_tlv::encode(0x7F4C, v));
        Ok((Selection { params, password }, chat))
    }
}
