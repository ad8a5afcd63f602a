//! Chip Authentication versions 1 and 2 (ICAO Doc 9303-11 §6.2, BSI TR-03110-1 §3.4,
//! TR-03110-3 §A.2.3, §A.2.4, §B.2) as sans-IO state machines: [`CaTerminal`] for the reader,
//! [`CaChip`] for a virtual chip.
//!
//! The chip proves it holds the private key of the Chip Authentication public key in DG14 (or
//! EF.CardSecurity): the terminal sends an ephemeral public key on the chip's domain parameters,
//! both sides compute `K = KA(SK_PCD, PK_IC) = KA(SK_IC, PK_PCD)` (the x-coordinate for ECDH)
//! and derive new secure messaging keys `KS_enc = KDF(K, 1)`, `KS_mac = KDF(K, 2)` for the
//! cipher of the protocol OID. Commands, sent inside the existing secure messaging session:
//!
//! * 3DES (`id-CA-*-3DES-CBC-CBC`): `MSE:Set KAT` (`00 22 41 A6`, data `91 PK_PCD [84 keyId]`);
//!   TR-03110 also allows the AES sequence below ([`CaCommandStyle`]).
//! * AES (`id-CA-*-AES-CBC-CMAC-*`): `MSE:Set AT` (`00 22 41 A4`, data `80 OID [84 keyId]`),
//!   then `GENERAL AUTHENTICATE` (`00 86 00 00`, data `7C { 80 PK_PCD }`), answered by `7C 00`.
//!
//! The response to the last command is unprotected with the OLD keys; only then does secure
//! messaging restart with the new keys and the send sequence counter at zero.
//!
//! Version 1 authenticates the chip only implicitly: a clone without the private key cannot
//! compute the new keys, so its next answer fails the MAC check. [`CaTerminal::finish`]
//! therefore returns a [`CaReport`] in state [`CaStatus::PendingConfirmation`]; the reader
//! must send one more command under the new session (for instance [`confirmation_command`],
//! or simply the next READ BINARY) and pass the unprotected result to [`CaReport::confirm`].
//! Passive Authentication of DG14 is needed as well: it is what binds the key to the issuer.
//!
//! Version 2 ([`CaVersion::V2`], a ChipAuthenticationInfo with version 2; after PACE and
//! Terminal Authentication version 2, which has already named the terminal's ephemeral key) uses
//! the MSE:Set AT + GENERAL AUTHENTICATE sequence, and the chip answers
//! `7C { 81 r_PICC, 82 T_PICC }`: a fresh 8-byte nonce and an authentication token. Both sides
//! derive `KS_enc = KDF(K ‖ r_PICC, 1)`, `KS_mac = KDF(K ‖ r_PICC, 2)` (TR-03110-3 §A.2.3) and
//! `T_PICC = MAC(KS_mac, 7F49 { 06 CA-OID, 86/84 PK_PCD })` (§A.2.4). The terminal checks the
//! token in constant time: the chip is authenticated explicitly, [`CaStatus::Passed`] at once.

mod chip;
mod terminal;

pub use chip::{
    chip_authentication_info, chip_authentication_info_v2, CaChip, DomainParameterEncoding,
};
pub use terminal::CaTerminal;

use crate::pace::{group_from_domain_parameters, PaceError};
use emrtd_apdu::{CommandApdu, ResponseApdu, StatusWord};
use emrtd_crypto::pk::{Group, PkError};
use emrtd_crypto::sym::{kdf, Cipher, SymKey, KDF_ENC, KDF_MAC};
use emrtd_lds::security_infos::{
    oid, CaAlgorithm, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, CipherSuite,
    DomainParameters, KeyAgreement, SecurityInfos,
};
use emrtd_sm::SmError;

/// INS of MANAGE SECURITY ENVIRONMENT.
const INS_MSE: u8 = 0x22;
/// INS of GENERAL AUTHENTICATE.
const INS_GA: u8 = 0x86;
/// P1 of MSE for internal authentication / key agreement ("compute").
const P1_SET_COMPUTE: u8 = 0x41;
/// P2 of MSE:Set AT.
const P2_AT: u8 = 0xA4;
/// P2 of MSE:Set KAT.
const P2_KAT: u8 = 0xA6;
/// Cryptographic mechanism reference (protocol OID).
const TAG_OID: u32 = 0x80;
/// Reference of a private key (key id).
const TAG_KEY_ID: u32 = 0x84;
/// Ephemeral public key in MSE:Set KAT.
const TAG_KAT_PUBLIC_KEY: u32 = 0x91;
/// Dynamic authentication data.
const TAG_DYNAMIC: u32 = 0x7C;
/// Ephemeral public key inside dynamic authentication data.
const TAG_GA_PUBLIC_KEY: u32 = 0x80;
/// Largest key id accepted (fits the 4-byte key references real chips use).
const MAX_KEY_ID: i64 = u32::MAX as i64;

/// Why Chip Authentication could not be set up or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaError {
    /// No ChipAuthenticationPublicKeyInfo in DG14 / EF.CardSecurity.
    #[error("the document offers no Chip Authentication public key (no ChipAuthenticationPublicKeyInfo in DG14 or EF.CardSecurity); Chip Authentication cannot be performed")]
    NoPublicKey,
    /// Several keys and nothing says which one to use.
    #[error("the document lists {0} Chip Authentication public keys without key ids to tell them apart; DG14 is malformed")]
    AmbiguousKey(usize),
    /// A ChipAuthenticationInfo names a key id no public key has.
    #[error("ChipAuthenticationInfo refers to key id {0}, but no ChipAuthenticationPublicKeyInfo has that key id; DG14 is inconsistent")]
    KeyNotFound(i64),
    /// The ChipAuthenticationInfo and the public key name different key ids.
    #[error("key id mismatch: ChipAuthenticationInfo names key {info}, the public key is key {key}; DG14 is inconsistent")]
    KeyIdMismatch {
        /// Key id of the ChipAuthenticationInfo.
        info: i64,
        /// Key id of the ChipAuthenticationPublicKeyInfo.
        key: i64,
    },
    /// A key id cannot be sent as a key reference.
    #[error("key id {0} cannot be used as a key reference (must be 0 to 4294967295)")]
    InvalidKeyId(i64),
    /// The protocol OID is not one of the eight Chip Authentication OIDs.
    #[error("unknown Chip Authentication protocol {0}: not one of id-CA-DH/ECDH-3DES-CBC-CBC or -AES-CBC-CMAC-128/192/256")]
    UnknownProtocol(String),
    /// Only versions 1 and 2 are implemented (version 3 is the eIDAS tokens' pseudonymous
    /// signature).
    #[error("ChipAuthenticationInfo has version {0}; this implementation performs Chip Authentication versions 1 and 2 only")]
    UnsupportedVersion(i64),
    /// The document offers no Chip Authentication key of the version asked for.
    #[error("the document offers no Chip Authentication version {0} key (no ChipAuthenticationInfo of that version with a matching ChipAuthenticationPublicKeyInfo)")]
    NoKeyForVersion(u8),
    /// Version 2 needs MSE:Set AT + GENERAL AUTHENTICATE.
    #[error("MSE:Set KAT cannot run Chip Authentication version 2: it needs MSE:Set AT + GENERAL AUTHENTICATE")]
    KatWithVersion2,
    /// Version 2: the chip's authentication token does not verify.
    #[error("the chip's Chip Authentication token T_PICC does not verify: the chip does not hold the private key of its Chip Authentication public key (possible clone) or the answer was corrupted")]
    TokenMismatch,
    /// The authentication token could not be computed (a key of the wrong size).
    #[error("the Chip Authentication token could not be computed: {0}")]
    Mac(emrtd_crypto::sym::SymError),
    /// The public key is neither id-PK-DH nor id-PK-ECDH.
    #[error(
        "the Chip Authentication public key has protocol {0}, expected id-PK-DH or id-PK-ECDH"
    )]
    UnknownKeyType(String),
    /// DH and ECDH mixed up between protocol, key and domain parameters.
    #[error("key agreement mismatch: {0}")]
    KeyAgreementMismatch(String),
    /// The domain parameters of the chip's key cannot be used.
    #[error("the domain parameters of the Chip Authentication key are unusable: {0}")]
    DomainParameters(String),
    /// The chip's static public key failed validation.
    #[error("the chip's Chip Authentication public key is invalid ({0}); DG14 is corrupt")]
    InvalidChipKey(PkError),
    /// A private key (chip side or injected ephemeral key) is out of range.
    #[error("the private key is unusable: {0}")]
    InvalidPrivateKey(PkError),
    /// A group operation failed.
    #[error("key agreement failed: {0}")]
    KeyAgreement(PkError),
    /// MSE:Set KAT cannot be used with AES.
    #[error("MSE:Set KAT is defined for 3DES only; AES Chip Authentication uses MSE:Set AT + GENERAL AUTHENTICATE")]
    KatWithAes,
    /// The chip refused a command.
    #[error("the chip refused {command} with status {sw:04X} ({meaning}); Chip Authentication failed and the previous session keys remain in use")]
    ChipRejected {
        /// Which command.
        command: &'static str,
        /// The status word, as a number.
        sw: u16,
        /// Its meaning.
        meaning: &'static str,
    },
    /// The chip's answer is not what the protocol expects.
    #[error("unexpected answer to {command}: {reason}")]
    UnexpectedResponse {
        /// Which command.
        command: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The new secure messaging session could not be created.
    #[error("the new secure messaging session could not be created: {0}")]
    Sm(SmError),
    /// The state machine was used out of order.
    #[error("Chip Authentication used out of order: {0}")]
    InvalidState(&'static str),
}

/// The version of Chip Authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CaVersion {
    /// Version 1: implicit authentication, keys `KDF(K, c)`, answer `7C 00` (ICAO 9303-11).
    V1,
    /// Version 2: nonce and authentication token, keys `KDF(K ‖ r_PICC, c)` (TR-03110-2/-3).
    V2,
}

impl CaVersion {
    /// The version of a ChipAuthenticationInfo (`None` for any other number).
    pub fn of(version: i64) -> Option<CaVersion> {
        match version {
            1 => Some(CaVersion::V1),
            2 => Some(CaVersion::V2),
            _ => None,
        }
    }

    /// The version number.
    pub fn number(self) -> u8 {
        match self {
            CaVersion::V1 => 1,
            CaVersion::V2 => 2,
        }
    }
}

/// Which commands carry the ephemeral public key.
// Not #[non_exhaustive]: ICAO 9303-11 and TR-03110 give these two command forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaCommandStyle {
    /// `MSE:Set KAT` (3DES only; the ICAO 9303-11 form for 3DES).
    MseSetKat,
    /// `MSE:Set AT` then `GENERAL AUTHENTICATE` (required for AES, allowed for 3DES).
    MseSetAtGeneralAuthenticate,
}

impl CaCommandStyle {
    /// The style ICAO 9303-11 prescribes for a cipher: Set KAT for 3DES, Set AT + GA for AES.
    pub fn default_for(cipher: CipherSuite) -> Self {
        match cipher {
            CipherSuite::Tdes => CaCommandStyle::MseSetKat,
            _ => CaCommandStyle::MseSetAtGeneralAuthenticate,
        }
    }
}

/// Outcome of Chip Authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CaStatus {
    /// The chip answered correctly under the new session keys: it holds the private key.
    Passed,
    /// Key agreement done and the new session installed, but no answer under the new keys yet.
    PendingConfirmation,
    /// Chip Authentication failed (see the reason).
    Failed,
}

/// Chip Authentication verdict for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CaReport {
    /// Passed, pending confirmation or failed.
    pub status: CaStatus,
    /// The version run (`None` when it failed before one was chosen).
    pub version: Option<CaVersion>,
    /// Protocol OID, dotted (when known).
    pub protocol: Option<String>,
    /// Protocol name, e.g. `id-CA-ECDH-AES-CBC-CMAC-128`.
    pub algorithm: Option<String>,
    /// True when DG14 had no ChipAuthenticationInfo and 3DES was assumed.
    pub protocol_inferred: bool,
    /// Domain parameters of the chip's key ("brainpoolP256r1", "explicit curve", ...).
    pub domain_parameters: Option<String>,
    /// Key id sent as key reference (`84`), if any.
    pub key_id: Option<i64>,
    /// Commands used.
    pub command_style: Option<CaCommandStyle>,
    /// Why the status is what it is, in plain words.
    pub reason: String,
}

impl CaReport {
    /// A failed report for an error that happened before any command was built (unusable
    /// DG14 entries, invalid chip key ...), with what is known about the protocol.
    pub fn failed_setup(
        error: &CaError,
        info: Option<&ChipAuthenticationInfo>,
        public_key_info: Option<&ChipAuthenticationPublicKeyInfo>,
    ) -> Self {
        CaReport {
            status: CaStatus::Failed,
            version: info.and_then(|i| CaVersion::of(i.version)),
            protocol: info.map(|i| i.protocol.clone()),
            algorithm: info.and_then(|i| i.algorithm).map(|a| protocol_name(&a)),
            protocol_inferred: false,
            domain_parameters: None,
            key_id: info
                .and_then(|i| i.key_id)
                .or_else(|| public_key_info.and_then(|k| k.key_id)),
            command_style: None,
            reason: error.to_string(),
        }
    }

    /// True once the chip has answered correctly under the new keys.
    pub fn is_passed(&self) -> bool {
        self.status == CaStatus::Passed
    }

    /// Records the outcome of the first command sent under the new session: the result of
    /// [`emrtd_sm::SecureMessaging::unprotect`] on its response. A response whose MAC verifies
    /// (whatever its status word) proves the chip derived the same keys: `Passed`. Anything
    /// else means the chip does not hold the private key (or the data was corrupted): `Failed`.
    /// Only a report pending confirmation changes.
    pub fn confirm(&mut self, unprotected: &Result<ResponseApdu, SmError>) {
        if self.status != CaStatus::PendingConfirmation {
            return;
        }
        match unprotected {
            Ok(resp) => {
                self.status = CaStatus::Passed;
                self.reason = format!(
                    "the chip answered under the new session keys (status {:04X}): it holds the Chip Authentication private key",
                    resp.sw.0
                );
            }
            Err(SmError::UnprotectedStatus(sw)) => {
                self.status = CaStatus::Failed;
                self.reason = format!(
                    "the chip answered the first command under the new keys with a plain status {:04X} instead of secure messaging: it did not derive the new keys",
                    sw.0
                );
            }
            Err(e) => {
                self.status = CaStatus::Failed;
                self.reason = format!(
                    "the chip's answer under the new session keys does not verify ({e}): the chip does not hold the private key of its Chip Authentication public key (possible clone) or the answer was corrupted"
                );
            }
        }
    }
}

/// A harmless command to confirm the new session: `SELECT EF.COM` by file id without
/// response data (`00 A4 02 0C 02 01 1E`). Any verified answer confirms Chip Authentication.
pub fn confirmation_command() -> CommandApdu {
    CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data(vec![0x01, 0x1E])
}

/// The protocol OID (dotted) of a Chip Authentication algorithm.
pub fn protocol_oid(algorithm: &CaAlgorithm) -> String {
    let ka = match algorithm.key_agreement {
        KeyAgreement::Dh => 1,
        KeyAgreement::Ecdh => 2,
    };
    let c = match algorithm.cipher {
        CipherSuite::Tdes => 1,
        CipherSuite::Aes128 => 2,
        CipherSuite::Aes192 => 3,
        CipherSuite::Aes256 => 4,
    };
    format!("{}.{ka}.{c}", oid::CA)
}

/// The protocol name, e.g. `id-CA-ECDH-AES-CBC-CMAC-128`.
pub fn protocol_name(algorithm: &CaAlgorithm) -> String {
    let ka = match algorithm.key_agreement {
        KeyAgreement::Dh => "DH",
        KeyAgreement::Ecdh => "ECDH",
    };
    let c = match algorithm.cipher {
        CipherSuite::Tdes => "3DES-CBC-CBC",
        CipherSuite::Aes128 => "AES-CBC-CMAC-128",
        CipherSuite::Aes192 => "AES-CBC-CMAC-192",
        CipherSuite::Aes256 => "AES-CBC-CMAC-256",
    };
    format!("id-CA-{ka}-{c}")
}

/// The secure messaging cipher of a cipher suite.
pub fn sym_cipher(cipher: CipherSuite) -> Cipher {
    match cipher {
        CipherSuite::Tdes => Cipher::Tdes,
        CipherSuite::Aes128 => Cipher::Aes128,
        CipherSuite::Aes192 => Cipher::Aes192,
        CipherSuite::Aes256 => Cipher::Aes256,
    }
}

/// Session keys `(KS_enc, KS_mac) = (KDF(K, 1), KDF(K, 2))` for the cipher.
pub fn session_keys(shared_secret: &[u8], cipher: CipherSuite) -> (SymKey, SymKey) {
    let c = sym_cipher(cipher);
    (
        kdf(shared_secret, KDF_ENC, c),
        kdf(shared_secret, KDF_MAC, c),
    )
}

/// Length of the chip's nonce r_PICC in Chip Authentication version 2 (TR-03110-3 §B.2.2).
pub const NONCE_LEN: usize = 8;

/// Version 2 session keys `(KDF(K ‖ r_PICC, 1), KDF(K ‖ r_PICC, 2))` (TR-03110-3 §A.2.3).
pub fn session_keys_v2(
    shared_secret: &[u8],
    nonce: &[u8],
    cipher: CipherSuite,
) -> (SymKey, SymKey) {
    let mut input = zeroize::Zeroizing::new(Vec::with_capacity(shared_secret.len() + nonce.len()));
    input.extend_from_slice(shared_secret);
    input.extend_from_slice(nonce);
    session_keys(&input, cipher)
}

/// The version 2 authentication token `T_PICC = MAC(KS_mac, 7F49 { 06 OID, 86/84 PK_PCD })`
/// over the terminal's ephemeral public key as sent (TR-03110-3 §A.2.4): retail MAC for 3DES,
/// CMAC truncated to 8 bytes for AES.
pub fn authentication_token_v2(
    k_mac: &SymKey,
    algorithm: &CaAlgorithm,
    terminal_public_key: &[u8],
) -> Result<[u8; 8], CaError> {
    let oid = emrtd_lds::sod::oid_from_str(&protocol_oid(algorithm)).unwrap_or_default();
    let input = crate::pace::protocol::authentication_token_input(
        &oid,
        terminal_public_key,
        algorithm.key_agreement == KeyAgreement::Ecdh,
    );
    if k_mac.cipher() == Cipher::Tdes {
        k_mac.mac8(&emrtd_crypto::sym::pad(
            &input,
            emrtd_crypto::sym::DES_BLOCK,
        ))
    } else {
        k_mac.mac8(&input)
    }
    .map_err(CaError::Mac)
}

/// Picks the Chip Authentication entries to use from DG14 / EF.CardSecurity: a version-1
/// ChipAuthenticationInfo with a known protocol and its public key (matched by key id, or
/// the only key). AES is preferred over 3DES, longer keys over shorter, then file order.
/// Without any ChipAuthenticationInfo (older passports), the only public key is returned with
/// `None`: [`CaTerminal::new`] then assumes 3DES.
pub fn select(
    infos: &SecurityInfos,
) -> Result<
    (
        Option<&ChipAuthenticationInfo>,
        &ChipAuthenticationPublicKeyInfo,
    ),
    CaError,
> {
    select_version(infos, CaVersion::V1)
}

/// As [`select`], for a version: version 2 needs a ChipAuthenticationInfo of version 2 (no
/// inference without one); entries of other versions are skipped.
pub fn select_version(
    infos: &SecurityInfos,
    version: CaVersion,
) -> Result<
    (
        Option<&ChipAuthenticationInfo>,
        &ChipAuthenticationPublicKeyInfo,
    ),
    CaError,
> {
    let keys: Vec<&ChipAuthenticationPublicKeyInfo> =
        infos.chip_authentication_public_keys().collect();
    if keys.is_empty() {
        return Err(CaError::NoPublicKey);
    }
    let all_infos: Vec<&ChipAuthenticationInfo> = infos.chip_authentication_infos().collect();
    let ca_infos: Vec<&ChipAuthenticationInfo> = match version {
        CaVersion::V1 => all_infos.clone(),
        CaVersion::V2 => {
            let v2: Vec<_> = all_infos
                .iter()
                .copied()
                .filter(|i| i.version == 2)
                .collect();
            if v2.is_empty() {
                return Err(CaError::NoKeyForVersion(2));
            }
            v2
        }
    };
    if ca_infos.is_empty() {
        return match keys.as_slice() {
            [only] => Ok((None, only)),
            _ => Err(CaError::AmbiguousKey(keys.len())),
        };
    }
    let mut first_error = None;
    let mut best: Option<(
        &ChipAuthenticationInfo,
        &ChipAuthenticationPublicKeyInfo,
        (bool, u32),
    )> = None;
    for info in ca_infos {
        let candidate = (|| {
            if CaVersion::of(info.version) != Some(version) {
                return Err(CaError::UnsupportedVersion(info.version));
            }
            let alg = info
                .algorithm
                .ok_or_else(|| CaError::UnknownProtocol(info.protocol.clone()))?;
            let key = match info.key_id {
                Some(id) => keys
                    .iter()
                    .copied()
                    .find(|k| k.key_id == Some(id))
                    .ok_or(CaError::KeyNotFound(id))?,
                None => match keys.as_slice() {
                    [only] => *only,
                    _ => return Err(CaError::AmbiguousKey(keys.len())),
                },
            };
            Ok((key, alg))
        })();
        match candidate {
            Ok((key, alg)) => {
                let rank = (alg.cipher != CipherSuite::Tdes, alg.cipher.key_bits());
                let better = match &best {
                    None => true,
                    Some((_, _, current)) => *current < rank,
                };
                if better {
                    best = Some((info, key, rank));
                }
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match (best, first_error) {
        (Some((info, key, _)), _) => Ok((Some(info), key)),
        (None, Some(e)) => Err(e),
        (None, None) => Err(CaError::NoPublicKey),
    }
}

/// Everything both sides agree on before the key agreement.
#[derive(Debug, Clone)]
struct Resolved {
    version: CaVersion,
    algorithm: CaAlgorithm,
    inferred: bool,
    key_id: Option<i64>,
    group: Group,
}

/// Checks a ChipAuthenticationInfo (if any) against the public key and builds the group.
fn resolve(
    info: Option<&ChipAuthenticationInfo>,
    key: &ChipAuthenticationPublicKeyInfo,
) -> Result<Resolved, CaError> {
    let key_ka = if emrtd_lds::sod::oid_is(&key.protocol, oid::PK_DH) {
        KeyAgreement::Dh
    } else if emrtd_lds::sod::oid_is(&key.protocol, oid::PK_ECDH) {
        KeyAgreement::Ecdh
    } else {
        return Err(CaError::UnknownKeyType(key.protocol.clone()));
    };
    let mut version = CaVersion::V1;
    let (algorithm, inferred) = match info {
        Some(info) => {
            version =
                CaVersion::of(info.version).ok_or(CaError::UnsupportedVersion(info.version))?;
            let alg = info
                .algorithm
                .ok_or_else(|| CaError::UnknownProtocol(info.protocol.clone()))?;
            (alg, false)
        }
        // TR-03110 v1 / ICAO: without ChipAuthenticationInfo, 3DES secure messaging.
        None => (
            CaAlgorithm {
                key_agreement: key_ka,
                cipher: CipherSuite::Tdes,
            },
            true,
        ),
    };
    if algorithm.key_agreement != key_ka {
        return Err(CaError::KeyAgreementMismatch(format!(
            "the protocol {} needs a {} key but the public key is {}",
            protocol_name(&algorithm),
            ka_name(algorithm.key_agreement),
            key.protocol
        )));
    }
    let key_id = match (info.and_then(|i| i.key_id), key.key_id) {
        (Some(a), Some(b)) if a != b => return Err(CaError::KeyIdMismatch { info: a, key: b }),
        (a, b) => a.or(b),
    };
    if let Some(id) = key_id {
        check_key_id(id)?;
    }
    let group = group_of(&key.public_key.algorithm)?;
    let group_ka = if group.is_ec() {
        KeyAgreement::Ecdh
    } else {
        KeyAgreement::Dh
    };
    if group_ka != key_ka {
        return Err(CaError::KeyAgreementMismatch(format!(
            "the public key is {} but its domain parameters are {}",
            key.protocol,
            group.name()
        )));
    }
    Ok(Resolved {
        version,
        algorithm,
        inferred,
        key_id,
        group,
    })
}

fn ka_name(ka: KeyAgreement) -> &'static str {
    match ka {
        KeyAgreement::Dh => "DH",
        KeyAgreement::Ecdh => "ECDH",
    }
}

fn check_key_id(id: i64) -> Result<(), CaError> {
    if (0..=MAX_KEY_ID).contains(&id) {
        Ok(())
    } else {
        Err(CaError::InvalidKeyId(id))
    }
}

/// Key reference `84`: the key id as minimal unsigned big-endian integer (at least one octet).
fn key_id_bytes(id: i64) -> Vec<u8> {
    let bytes = id.to_be_bytes();
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    bytes.get(start..).unwrap_or(&[0]).to_vec()
}

/// Parses a key reference (1 to 4 octets, unsigned).
fn parse_key_id(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || bytes.len() > 4 {
        return None;
    }
    Some(bytes.iter().fold(0i64, |acc, b| (acc << 8) | i64::from(*b)))
}

/// Standardized domain parameter id of a named-curve OID (see [`emrtd_crypto::sig::standardized_id_of`]).
fn named_curve_id(oid: &str) -> Option<u32> {
    emrtd_crypto::sig::standardized_id_of(oid).map(u32::from)
}

/// The group of a key's `AlgorithmIdentifier`.
fn group_of(dp: &DomainParameters) -> Result<Group, CaError> {
    if let DomainParameters::EcNamedCurve(curve) = dp {
        let id = named_curve_id(curve)
            .ok_or_else(|| CaError::DomainParameters(format!("unknown named curve {curve}")))?;
        return Group::standardized(id).map_err(|e| CaError::DomainParameters(e.to_string()));
    }
    group_from_domain_parameters(dp).map_err(|e| match e {
        PaceError::UnsupportedParameters(s) => CaError::DomainParameters(s),
        PaceError::Group(pk) => CaError::DomainParameters(pk.to_string()),
        other => CaError::DomainParameters(other.to_string()),
    })
}

/// Name of a group for reports: the standardized name, marked "(explicit parameters)" when
/// explicit parameters equal a standardized set.
fn describe_group(group: &Group) -> String {
    if group.standardized_id().is_some() {
        return group.name().to_string();
    }
    match group
        .identify()
        .and_then(|id| Group::standardized(u32::from(id)).ok())
    {
        Some(std) => format!("{} (explicit parameters)", std.name()),
        None => group.name().to_string(),
    }
}

/// A status-word-only response.
fn status(sw: StatusWord) -> ResponseApdu {
    ResponseApdu::status(sw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_id_encoding() {
        assert_eq!(key_id_bytes(0), [0]);
        assert_eq!(key_id_bytes(0xC3), [0xC3]);
        assert_eq!(key_id_bytes(0x0100), [1, 0]);
        assert_eq!(key_id_bytes(MAX_KEY_ID), [0xFF; 4]);
        assert_eq!(parse_key_id(&[0xC3]), Some(0xC3));
        assert_eq!(parse_key_id(&[0, 0xC3]), Some(0xC3));
        assert_eq!(parse_key_id(&[]), None);
        assert_eq!(parse_key_id(&[1, 2, 3, 4, 5]), None);
        assert!(check_key_id(-1).is_err());
        assert!(check_key_id(MAX_KEY_ID + 1).is_err());
    }

    #[test]
    fn oids_and_names() {
        for ka in [KeyAgreement::Dh, KeyAgreement::Ecdh] {
            for cipher in [
                CipherSuite::Tdes,
                CipherSuite::Aes128,
                CipherSuite::Aes192,
                CipherSuite::Aes256,
            ] {
                let alg = CaAlgorithm {
                    key_agreement: ka,
                    cipher,
                };
                assert_eq!(CaAlgorithm::from_oid(&protocol_oid(&alg)), Some(alg));
            }
        }
        let alg = CaAlgorithm::from_oid("0.4.0.127.0.7.2.2.3.2.2").unwrap();
        assert_eq!(protocol_name(&alg), "id-CA-ECDH-AES-CBC-CMAC-128");
        let alg = CaAlgorithm::from_oid("0.4.0.127.0.7.2.2.3.1.1").unwrap();
        assert_eq!(protocol_name(&alg), "id-CA-DH-3DES-CBC-CBC");
    }

    #[test]
    fn named_curves_map_to_standardized_groups() {
        let g = group_of(&DomainParameters::EcNamedCurve(
            "1.2.840.10045.3.1.7".into(),
        ))
        .unwrap();
        assert_eq!(g.standardized_id(), Some(12));
        assert!(group_of(&DomainParameters::EcNamedCurve("1.2.3".into())).is_err());
    }
}
