//! PACE — Password Authenticated Connection Establishment (ICAO 9303-11 §4.4, BSI TR-03110-2/3).
//!
//! Two sans-IO state machines exchange APDUs:
//! * [`PaceTerminal`] (the reader): [`PaceTerminal::start`] gives MSE:Set AT, then each chip
//!   response goes to [`PaceTerminal::process_response`], which returns the next command or,
//!   at the end, a [`PaceOutcome`] holding the secure messaging session.
//! * [`PaceChip`] (the virtual chip): [`PaceChip::handle`] answers MSE:Set AT and the GENERAL
//!   AUTHENTICATE chain; afterwards [`PaceChip::take_session`] yields the chip's side of secure
//!   messaging.
//!
//! Supported: Generic, Integrated and Chip Authentication Mapping; DH (standardized ids 0–2) and
//! ECDH (ids 8–18); 3DES and AES-128/192/256; passwords MRZ, CAN, PIN, PUK. Every peer public key
//! is validated, identical ephemeral keys are rejected, tokens are compared in constant time and
//! secrets are zeroized. Randomness is injected (an RNG, or fixed secrets to replay published
//! examples).

mod apdus;
mod chip;
pub mod protocol;
mod secrets;
mod terminal;

use emrtd_apdu::StatusWord;
use emrtd_crypto::pk::{DhGroup, EcCurve, Group, PkError};
use emrtd_crypto::sym::Cipher;
use emrtd_lds::security_infos::{DomainParameters, PaceInfo, SecurityInfos};
use emrtd_sm::SecureMessaging;
use sha1::{Digest, Sha1};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

pub use apdus::{general_authenticate, mse_set_at};
pub use chip::{ChipSecrets, PaceChip};
pub use terminal::{PaceTerminal, Step, TerminalSecrets};

/// A PACE password. Zeroized on drop; `Debug` does not show it.
// Not #[non_exhaustive]: TR-03110 defines these four PACE passwords.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub enum PacePassword {
    /// MRZ information: document number (padded with `<` to 9) + check digit, date of birth +
    /// check digit, date of expiry + check digit (see [`PacePassword::from_mrz`]).
    Mrz(String),
    /// Card Access Number (printed on the document, usually 6 digits).
    Can(String),
    /// eID PIN.
    Pin(String),
    /// eID PUK.
    Puk(String),
}

impl core::fmt::Debug for PacePassword {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PacePassword::{}(<redacted>)", self.kind())
    }
}

impl PacePassword {
    /// The MRZ password from the three MRZ fields (check digits are computed).
    pub fn from_mrz(
        document_number: &str,
        date_of_birth: &str,
        date_of_expiry: &str,
    ) -> Result<Self, PaceError> {
        emrtd_mrz::mrz_information(document_number, date_of_birth, date_of_expiry)
            .map(PacePassword::Mrz)
            .map_err(|e| PaceError::InvalidPassword(e.to_string()))
    }

    /// Password reference of MSE:Set AT (DO'83'): 1 MRZ, 2 CAN, 3 PIN, 4 PUK.
    pub fn reference(&self) -> u8 {
        match self {
            PacePassword::Mrz(_) => 1,
            PacePassword::Can(_) => 2,
            PacePassword::Pin(_) => 3,
            PacePassword::Puk(_) => 4,
        }
    }

    /// "MRZ", "CAN", "PIN" or "PUK".
    pub fn kind(&self) -> &'static str {
        kind_of(self.reference())
    }

    fn text(&self) -> &str {
        match self {
            PacePassword::Mrz(s)
            | PacePassword::Can(s)
            | PacePassword::Pin(s)
            | PacePassword::Puk(s) => s,
        }
    }

    /// Checks the password is usable: non-empty, at most 64 characters, ISO 8859-1 only (MRZ:
    /// only `0-9 A-Z <`).
    pub fn validate(&self) -> Result<(), PaceError> {
        let text = self.text();
        let n = text.chars().count();
        if n == 0 || n > 64 {
            return Err(PaceError::InvalidPassword(format!(
                "the {} must have 1 to 64 characters",
                self.kind()
            )));
        }
        let ok = match self {
            PacePassword::Mrz(s) => s
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || c == '<'),
            _ => text.chars().all(|c| u32::from(c) <= 0xFF),
        };
        if !ok {
            return Err(PaceError::InvalidPassword(format!(
                "the {} contains characters that cannot be used (MRZ: 0-9, A-Z, <; others: ISO 8859-1)",
                self.kind()
            )));
        }
        Ok(())
    }

    /// f(π) of ICAO 9303-11 Table 14: SHA-1(MRZ information) or the ISO 8859-1 bytes.
    pub(crate) fn encoded(&self) -> Zeroizing<Vec<u8>> {
        match self {
            PacePassword::Mrz(s) => {
                let mut h = Sha1::digest(s.as_bytes());
                let out = Zeroizing::new(h.to_vec());
                h.as_mut_slice().zeroize();
                out
            }
            _ => Zeroizing::new(
                self.text()
                    .chars()
                    .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                    .collect(),
            ),
        }
    }
}

fn kind_of(reference: u8) -> &'static str {
    match reference {
        1 => "MRZ",
        2 => "CAN",
        3 => "PIN",
        4 => "PUK",
        _ => "password",
    }
}

/// Nonce mapping of PACE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mapping {
    /// Generic Mapping.
    Generic,
    /// Integrated Mapping.
    Integrated,
    /// Chip Authentication Mapping (ECDH, AES only).
    ChipAuthentication,
}

/// Key agreement family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAgreement {
    /// Diffie-Hellman (MODP group).
    Dh,
    /// Elliptic curve Diffie-Hellman.
    Ecdh,
}

const PACE_OID_PREFIX: [u8; 8] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04];

/// The PACE variant to run: protocol OID, mapping, cipher, domain parameters.
#[derive(Clone, Debug)]
pub struct PaceParams {
    oid: Vec<u8>,
    key_agreement: KeyAgreement,
    mapping: Mapping,
    cipher: Cipher,
    parameter_id: Option<u32>,
    group: Group,
    send_parameter_id: bool,
    /// Certificate Holder Authorization Template (`7F4C …`, encoded) sent in MSE:Set AT when
    /// Terminal Authentication version 2 follows PACE (TR-03110-3 §B.1, §B.14.1).
    chat: Option<Vec<u8>>,
}

fn family(ka: KeyAgreement, mapping: Mapping) -> Option<u8> {
    Some(match (ka, mapping) {
        (KeyAgreement::Dh, Mapping::Generic) => 1,
        (KeyAgreement::Ecdh, Mapping::Generic) => 2,
        (KeyAgreement::Dh, Mapping::Integrated) => 3,
        (KeyAgreement::Ecdh, Mapping::Integrated) => 4,
        (KeyAgreement::Ecdh, Mapping::ChipAuthentication) => 6,
        (KeyAgreement::Dh, Mapping::ChipAuthentication) => return None,
    })
}

fn cipher_arc(c: Cipher) -> u8 {
    match c {
        Cipher::Tdes => 1,
        Cipher::Aes128 => 2,
        Cipher::Aes192 => 3,
        Cipher::Aes256 => 4,
    }
}

impl PaceParams {
    /// PACE with standardized domain parameters (ids 0–2 DH, 8–18 ECDH).
    pub fn standardized(
        mapping: Mapping,
        cipher: Cipher,
        parameter_id: u32,
    ) -> Result<Self, PaceError> {
        let group = Group::standardized(parameter_id)
            .map_err(|e| PaceError::UnsupportedParameters(format!("{e}")))?;
        Self::with_group(mapping, cipher, group, Some(parameter_id))
    }

    /// PACE with the given group. Explicit domain parameters must equal a standardized set
    /// (terminals must not use unverified parameters, ICAO 9303-11 §9.2.2); `parameter_id` is
    /// the id sent in MSE:Set AT (DO'84') and, for CAM, the chip's CA key id.
    pub fn with_group(
        mapping: Mapping,
        cipher: Cipher,
        group: Group,
        parameter_id: Option<u32>,
    ) -> Result<Self, PaceError> {
        if group.standardized_id().is_none() && group.identify().is_none() {
            return Err(PaceError::UnsupportedParameters(
                "explicit domain parameters that are not one of the standardized sets are refused (they could leak the password)".into(),
            ));
        }
        let key_agreement = if group.is_ec() {
            KeyAgreement::Ecdh
        } else {
            KeyAgreement::Dh
        };
        let fam = family(key_agreement, mapping).ok_or_else(|| {
            PaceError::UnsupportedParameters(
                "the Chip Authentication Mapping is only defined for ECDH".into(),
            )
        })?;
        if mapping == Mapping::ChipAuthentication && cipher == Cipher::Tdes {
            return Err(PaceError::UnsupportedParameters(
                "the Chip Authentication Mapping is only defined with AES".into(),
            ));
        }
        if mapping == Mapping::Integrated && !group.supports_integrated_mapping() {
            return Err(PaceError::UnsupportedParameters(format!(
                "the Integrated Mapping is not defined for {}",
                group.name()
            )));
        }
        let mut oid = PACE_OID_PREFIX.to_vec();
        oid.push(fam);
        oid.push(cipher_arc(cipher));
        Ok(PaceParams {
            oid,
            key_agreement,
            mapping,
            cipher,
            parameter_id,
            group,
            send_parameter_id: true,
            chat: None,
        })
    }

    /// From a PACEInfo: protocol OID in dotted form and the parameter id (standardized).
    pub fn from_oid(protocol: &str, parameter_id: Option<i64>) -> Result<Self, PaceError> {
        let (ka, mapping, cipher) = parse_pace_oid(protocol).ok_or_else(|| {
            PaceError::UnsupportedParameters(format!("{protocol} is not a PACE protocol OID"))
        })?;
        let id = parameter_id.ok_or_else(|| {
            PaceError::UnsupportedParameters(
                "the PACEInfo names no standardized domain parameters (parameterId missing)".into(),
            )
        })?;
        let id = u32::try_from(id).map_err(|_| {
            PaceError::UnsupportedParameters(format!("parameter id {id} is out of range"))
        })?;
        let params = Self::standardized(mapping, cipher, id)?;
        if params.key_agreement != ka {
            return Err(PaceError::UnsupportedParameters(format!(
                "{protocol} needs {} domain parameters, but parameter id {id} is {}",
                if ka == KeyAgreement::Dh { "DH" } else { "ECDH" },
                params.group.name()
            )));
        }
        Ok(params)
    }

    /// From a PACEInfo of EF.CardAccess, with its PACEDomainParameterInfo when the parameters
    /// are explicit (looked up in `infos`). Version must be 2.
    pub fn from_pace_info(info: &PaceInfo, infos: &SecurityInfos) -> Result<Self, PaceError> {
        if info.version != 2 {
            return Err(PaceError::UnsupportedParameters(format!(
                "PACE version {} (only version 2 is supported)",
                info.version
            )));
        }
        let (_, mapping, cipher) = parse_pace_oid(&info.protocol).ok_or_else(|| {
            PaceError::UnsupportedParameters(format!(
                "{} is not a PACE protocol OID",
                info.protocol
            ))
        })?;
        let standardized = info
            .parameter_id
            .filter(|id| (0..=31).contains(id))
            .and_then(|id| Group::standardized(id as u32).ok());
        let id = info.parameter_id.and_then(|id| u32::try_from(id).ok());
        let params = match (standardized, infos.pace_domain_parameters_for(info)) {
            (Some(group), _) => Self::with_group(mapping, cipher, group, id)?,
            (None, Some(dp)) => {
                let group = group_from_domain_parameters(&dp.domain_parameter)?;
                Self::with_group(mapping, cipher, group, id)?
            }
            (None, None) => {
                return Err(PaceError::UnsupportedParameters(format!(
                    "no domain parameters for parameter id {:?}",
                    info.parameter_id
                )))
            }
        };
        let expected = parse_pace_oid(&info.protocol).map(|(ka, _, _)| ka);
        if expected != Some(params.key_agreement) {
            return Err(PaceError::UnsupportedParameters(format!(
                "{} does not match domain parameters {}",
                info.protocol,
                params.group.name()
            )));
        }
        Ok(params)
    }

    /// Whether MSE:Set AT carries DO'84' with the parameter id (default: yes when known, as
    /// most readers do; the ICAO worked examples omit it).
    pub fn send_parameter_id(mut self, yes: bool) -> Self {
        self.send_parameter_id = yes;
        self
    }

    /// Send a Certificate Holder Authorization Template in MSE:Set AT: the whole `7F4C`
    /// object, encoded (TR-03110-3 §B.14.1: REQUIRED when Terminal Authentication version 2
    /// follows PACE; it names the terminal type and the rights the terminal asks for, and the
    /// chip then answers the mutual authentication with the CARs of its CVCA keys, `87`/`88`).
    pub fn with_chat(mut self, chat: Vec<u8>) -> Self {
        self.chat = Some(chat);
        self
    }

    /// The CHAT MSE:Set AT carries, if any (encoded `7F4C` object).
    pub fn chat(&self) -> Option<&[u8]> {
        self.chat.as_deref()
    }

    /// Protocol OID content octets (without tag 06).
    pub fn oid(&self) -> &[u8] {
        &self.oid
    }

    /// Protocol OID in dotted form.
    pub fn oid_dotted(&self) -> String {
        let mut s = String::from("0.4.0.127.0.7.2.2.4");
        for arc in &self.oid[8..] {
            s.push('.');
            s.push_str(&arc.to_string());
        }
        s
    }

    /// Mapping.
    pub fn mapping(&self) -> Mapping {
        self.mapping
    }

    /// Cipher suite.
    pub fn cipher(&self) -> Cipher {
        self.cipher
    }

    /// DH or ECDH.
    pub fn key_agreement(&self) -> KeyAgreement {
        self.key_agreement
    }

    /// Domain parameter id.
    pub fn parameter_id(&self) -> Option<u32> {
        self.parameter_id
    }

    /// The domain parameters.
    pub fn group(&self) -> &Group {
        &self.group
    }

    /// ICAO name, e.g. `id-PACE-ECDH-GM-AES-CBC-CMAC-128`.
    pub fn name(&self) -> String {
        let ka = match self.key_agreement {
            KeyAgreement::Dh => "DH",
            KeyAgreement::Ecdh => "ECDH",
        };
        let map = match self.mapping {
            Mapping::Generic => "GM",
            Mapping::Integrated => "IM",
            Mapping::ChipAuthentication => "CAM",
        };
        let c = match self.cipher {
            Cipher::Tdes => "3DES-CBC-CBC",
            Cipher::Aes128 => "AES-CBC-CMAC-128",
            Cipher::Aes192 => "AES-CBC-CMAC-192",
            Cipher::Aes256 => "AES-CBC-CMAC-256",
        };
        format!("id-PACE-{ka}-{map}-{c}")
    }
}

/// Builds a group from the domain parameters of an `AlgorithmIdentifier` (PACEDomainParameterInfo,
/// ChipAuthenticationPublicKeyInfo, ...): standardized id, explicit EC parameters (base point
/// uncompressed) or explicit DH parameters. Parameters are checked for consistency, not for
/// being standardized.
pub fn group_from_domain_parameters(dp: &DomainParameters) -> Result<Group, PaceError> {
    let unsupported = |what: String| PaceError::UnsupportedParameters(what);
    match dp {
        DomainParameters::Standardized(id) => u32::try_from(*id)
            .ok()
            .and_then(|id| Group::standardized(id).ok())
            .ok_or_else(|| unsupported(format!("unknown standardized domain parameters {id}"))),
        DomainParameters::Ec { params, .. } => {
            let g = &params.g;
            let n = g.len().saturating_sub(1) / 2;
            if g.first() != Some(&0x04) || g.len() != 1 + 2 * n || n == 0 {
                return Err(unsupported(
                    "the base point must be encoded uncompressed".into(),
                ));
            }
            let h = params.h.clone().unwrap_or_else(|| vec![1]);
            EcCurve::new(
                &params.p,
                &params.a,
                &params.b,
                &g[1..1 + n],
                &g[1 + n..],
                &params.n,
                &h,
            )
            .map(Group::Ec)
            .map_err(PaceError::Group)
        }
        DomainParameters::Dh { params, .. } => {
            DhGroup::new(&params.p, &params.g, params.q.as_deref())
                .map(Group::Dh)
                .map_err(PaceError::Group)
        }
        DomainParameters::EcNamedCurve(oid) => Err(unsupported(format!("named curve {oid}"))),
        DomainParameters::Other { algorithm, .. } => Err(unsupported(format!(
            "domain parameters of type {algorithm}"
        ))),
        _ => Err(unsupported(
            "domain parameters of a kind this version cannot use".into(),
        )),
    }
}

/// Parses a dotted PACE OID into (key agreement, mapping, cipher).
fn parse_pace_oid(dotted: &str) -> Option<(KeyAgreement, Mapping, Cipher)> {
    use emrtd_lds::security_infos::{self as si, PaceAlgorithm};
    // The OID is decoded once, as typed arcs, by the LDS layer; this maps its names to the
    // protocol's.
    let alg = PaceAlgorithm::from_oid(dotted)?;
    let ka = match alg.key_agreement {
        si::KeyAgreement::Dh => KeyAgreement::Dh,
        si::KeyAgreement::Ecdh => KeyAgreement::Ecdh,
    };
    let mapping = match alg.mapping {
        si::PaceMapping::Generic => Mapping::Generic,
        si::PaceMapping::Integrated => Mapping::Integrated,
        si::PaceMapping::ChipAuthentication => Mapping::ChipAuthentication,
    };
    let cipher = match alg.cipher {
        si::CipherSuite::Tdes => Cipher::Tdes,
        si::CipherSuite::Aes128 => Cipher::Aes128,
        si::CipherSuite::Aes192 => Cipher::Aes192,
        si::CipherSuite::Aes256 => Cipher::Aes256,
    };
    Some((ka, mapping, cipher))
}

/// Why PACE failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaceError {
    /// The chip rejected the terminal's authentication token: the password is wrong.
    #[error("the chip refused the password: check the {kind} (chip answered {sw:?}{})", retries_left.map(|n| format!(", {n} attempt(s) left")).unwrap_or_default())]
    WrongPassword {
        /// "MRZ", "CAN", "PIN" or "PUK".
        kind: &'static str,
        /// The status word.
        sw: StatusWord,
        /// Remaining attempts, when the chip says (63Cx).
        retries_left: Option<u8>,
    },
    /// The password is blocked or deactivated.
    #[error("the {kind} is blocked or deactivated (chip answered {sw:?}); it must be resumed or unblocked first")]
    PasswordBlocked {
        /// Password kind.
        kind: &'static str,
        /// The status word.
        sw: StatusWord,
    },
    /// The chip does not know this password reference.
    #[error("the chip does not offer PACE with the {kind} (chip answered {sw:?}); try the other password (CAN or MRZ)")]
    PasswordNotAvailable {
        /// Password kind.
        kind: &'static str,
        /// The status word.
        sw: StatusWord,
    },
    /// The requested PACE variant cannot be run.
    #[error("unsupported PACE parameters: {0}")]
    UnsupportedParameters(String),
    /// The chip refused MSE:Set AT.
    #[error("the chip refused the PACE parameters (MSE:Set AT answered {sw:?}); EF.CardAccess may list others to try")]
    ParametersRejected {
        /// The status word.
        sw: StatusWord,
    },
    /// A step failed with an error status.
    #[error("PACE step '{step}' failed: the chip answered {sw:?}")]
    ChipError {
        /// Step name.
        step: &'static str,
        /// The status word.
        sw: StatusWord,
    },
    /// A chip response could not be understood.
    #[error("malformed chip response in PACE step '{step}': {reason}")]
    MalformedResponse {
        /// Step name.
        step: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A peer's public key failed validation.
    #[error("the peer's ephemeral public key is invalid ({0}); PACE aborted")]
    InvalidPeerKey(PkError),
    /// Both sides used the same ephemeral public key.
    #[error("the peer sent back our own ephemeral public key (reflection attack?); PACE aborted")]
    IdenticalEphemeralKeys,
    /// The chip's token does not verify.
    #[error("the chip's authentication token is wrong: the chip may not be genuine or the data was corrupted in transit; try again")]
    ChipTokenMismatch,
    /// PACE-CAM verification failed.
    #[error("chip authentication (PACE-CAM) failed: the chip did not prove it holds the key of EF.CardSecurity; the chip may be cloned")]
    ChipAuthenticationFailed,
    /// The chip's static key (from EF.CardSecurity) is unusable.
    #[error("the chip's static public key for PACE-CAM is unusable: {0}")]
    InvalidChipStaticKey(String),
    /// A group operation failed.
    #[error("group operation failed: {0}")]
    Group(PkError),
    /// A symmetric operation failed.
    #[error("cryptographic operation failed: {0}")]
    Crypto(String),
    /// The password cannot be used.
    #[error("invalid password: {0}")]
    InvalidPassword(String),
    /// The state machine was used out of order.
    #[error("PACE used out of order: {0}")]
    InvalidState(&'static str),
    /// Secure messaging could not be set up.
    #[error("secure messaging setup failed: {0}")]
    Sm(String),
}

impl PaceError {
    /// True when the failure means the password was wrong (as opposed to a protocol error).
    pub fn is_wrong_password(&self) -> bool {
        matches!(self, PaceError::WrongPassword { .. })
    }
}

/// What a successful PACE run established (no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PaceSummary {
    /// Protocol OID, dotted.
    pub protocol: String,
    /// ICAO protocol name.
    pub protocol_name: String,
    /// Mapping.
    pub mapping: Mapping,
    /// Cipher suite of the secure messaging.
    pub cipher: Cipher,
    /// DH or ECDH.
    pub key_agreement: KeyAgreement,
    /// Domain parameter id.
    pub parameter_id: Option<u32>,
    /// Domain parameter name.
    pub group_name: String,
    /// Password used ("MRZ", "CAN", ...).
    pub password: &'static str,
    /// Terminal's ephemeral public key PK_DH,IFD (needed later by Terminal Authentication).
    pub terminal_ephemeral_public_key: Vec<u8>,
    /// Chip's ephemeral public key PK_DH,IC (Chip Authentication v2 / TA use it).
    pub chip_ephemeral_public_key: Vec<u8>,
    /// Certification Authority References (DO'87', DO'88') if the chip sent them.
    pub car: Vec<Vec<u8>>,
    /// The CHAT of MSE:Set AT (the whole `7F4C` object as sent / received), if any.
    pub chat: Option<Vec<u8>>,
    /// For PACE-CAM: the chip static public key that was verified, once verified.
    pub cam_verified_key: Option<Vec<u8>>,
}

/// PACE-CAM evidence kept for the check against EF.CardSecurity (read under secure messaging).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CamEvidence {
    /// CA_IC (decrypted chip authentication data).
    pub chip_authentication_data: Vec<u8>,
    /// PK_Map,IC (the chip's mapping public key).
    pub chip_mapping_public_key: Vec<u8>,
    /// A_IC as received.
    pub encrypted_chip_authentication_data: Vec<u8>,
}

/// The result of PACE: the secure messaging session and what was negotiated.
#[derive(Debug)]
#[non_exhaustive]
pub struct PaceOutcome {
    /// Secure messaging with KS_enc, KS_mac and SSC 0.
    pub sm: SecureMessaging,
    /// Negotiated parameters.
    pub summary: PaceSummary,
    /// PACE-CAM data, to verify with [`PaceOutcome::verify_chip_authentication`].
    pub cam: Option<CamEvidence>,
    group: Group,
}

impl PaceOutcome {
    /// PACE-CAM chip authentication (ICAO 9303-11 §4.4.3.5.2): checks PK_Map,IC = CA_IC·PK_IC
    /// with the chip's static key (uncompressed point from the ChipAuthenticationPublicKeyInfo
    /// of EF.CardSecurity whose keyId is the PACE parameter id). EF.CardSecurity itself must be
    /// verified by Passive Authentication. On success the key is recorded in the summary.
    pub fn verify_chip_authentication(
        &mut self,
        chip_static_public_key: &[u8],
    ) -> Result<(), PaceError> {
        let cam = self.cam.as_ref().ok_or(PaceError::InvalidState(
            "this PACE run did not use the Chip Authentication Mapping",
        ))?;
        protocol::cam_verify(
            &self.group,
            &cam.chip_authentication_data,
            chip_static_public_key,
            &cam.chip_mapping_public_key,
        )?;
        self.summary.cam_verified_key = Some(chip_static_public_key.to_vec());
        Ok(())
    }
}
