//! What a read produces: the access key going in, the typed report coming out.
//!
//! Security decisions are enums; words are made only when a report is printed (`Display`) or
//! serialised (serde, through `Display`, so the JSON keeps its strings).

use crate::{EfId, ReadError};
use emrtd_apdu::CommandApdu;
use emrtd_lds::com::EfCom;
use emrtd_lds::dg1::Dg1;
use std::collections::BTreeMap;
use std::fmt;
use zeroize::Zeroizing;

/// The secret that opens the chip.
// Not #[non_exhaustive]: ICAO 9303-11 opens a chip with the MRZ or the CAN, nothing else.
#[derive(Clone)]
pub enum AccessKey {
    /// MRZ information: document number, date of birth, date of expiry with check digits
    /// (see [`emrtd_mrz::mrz_information`]).
    Mrz(Zeroizing<String>),
    /// Card access number printed on the document.
    Can(Zeroizing<String>),
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessKey::Mrz(_) => f.write_str("AccessKey::Mrz(<redacted>)"),
            AccessKey::Can(_) => f.write_str("AccessKey::Can(<redacted>)"),
        }
    }
}

impl AccessKey {
    /// Key from a parsed MRZ.
    pub fn from_mrz(mrz: &emrtd_mrz::Mrz) -> Result<AccessKey, ReadError> {
        Ok(AccessKey::Mrz(Zeroizing::new(mrz.access_key_info()?)))
    }

    /// Key from document number, date of birth (YYMMDD) and date of expiry (YYMMDD).
    pub fn from_mrz_fields(
        document_number: &str,
        date_of_birth: &str,
        date_of_expiry: &str,
    ) -> Result<AccessKey, ReadError> {
        Ok(AccessKey::Mrz(Zeroizing::new(emrtd_mrz::mrz_information(
            document_number,
            date_of_birth,
            date_of_expiry,
        )?)))
    }

    /// Key from a card access number (digits only).
    pub fn from_can(can: &str) -> Result<AccessKey, ReadError> {
        if can.is_empty() || can.len() > 10 || !can.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ReadError::InvalidCan);
        }
        Ok(AccessKey::Can(Zeroizing::new(can.to_string())))
    }

    pub(crate) fn pace_password(&self) -> emrtd_access::pace::PacePassword {
        use emrtd_access::pace::PacePassword;
        match self {
            AccessKey::Mrz(m) => PacePassword::Mrz(m.to_string()),
            AccessKey::Can(c) => PacePassword::Can(c.to_string()),
        }
    }

    /// Which kind of password this is.
    pub fn kind(&self) -> Password {
        match self {
            AccessKey::Mrz(_) => Password::Mrz,
            AccessKey::Can(_) => Password::Can,
        }
    }
}

/// Serialise a type through its `Display` (the JSON keeps the words people read).
macro_rules! serialize_display {
    ($($t:ty),*) => {$(
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    )*};
}

/// The access control protocol that opened the chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccessProtocol {
    /// Basic Access Control (ICAO 9303-11 §4.3).
    Bac,
    /// PACE (ICAO 9303-11 §4.4).
    Pace,
    /// The chip has no access control: read without secure messaging.
    None,
}

impl fmt::Display for AccessProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AccessProtocol::Bac => "BAC",
            AccessProtocol::Pace => "PACE",
            AccessProtocol::None => "none",
        })
    }
}

/// PACE mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaceMapping {
    /// Generic Mapping.
    Generic,
    /// Integrated Mapping.
    Integrated,
    /// Chip Authentication Mapping.
    ChipAuthentication,
}

impl From<emrtd_access::pace::Mapping> for PaceMapping {
    fn from(m: emrtd_access::pace::Mapping) -> Self {
        use emrtd_access::pace::Mapping;
        match m {
            Mapping::Generic => PaceMapping::Generic,
            Mapping::Integrated => PaceMapping::Integrated,
            Mapping::ChipAuthentication => PaceMapping::ChipAuthentication,
        }
    }
}

impl fmt::Display for PaceMapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PaceMapping::Generic => "GM",
            PaceMapping::Integrated => "IM",
            PaceMapping::ChipAuthentication => "CAM",
        })
    }
}

/// Secure messaging cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CipherSuite {
    /// Two-key 3DES with retail MAC.
    Tdes,
    /// AES-128 with CMAC.
    Aes128,
    /// AES-192 with CMAC.
    Aes192,
    /// AES-256 with CMAC.
    Aes256,
    /// No secure messaging (a chip without access control).
    None,
}

impl From<emrtd_crypto::sym::Cipher> for CipherSuite {
    fn from(c: emrtd_crypto::sym::Cipher) -> Self {
        use emrtd_crypto::sym::Cipher;
        match c {
            Cipher::Tdes => CipherSuite::Tdes,
            Cipher::Aes128 => CipherSuite::Aes128,
            Cipher::Aes192 => CipherSuite::Aes192,
            Cipher::Aes256 => CipherSuite::Aes256,
        }
    }
}

impl CipherSuite {
    /// Largest plain READ BINARY block whose protected short response fits 256 bytes:
    /// DO'87' (3-byte header + indicator + padded data) + DO'99' (4) + DO'8E' (10).
    pub fn short_block(self) -> usize {
        match self {
            CipherSuite::Tdes => 231,
            _ => 223,
        }
    }
}

impl fmt::Display for CipherSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CipherSuite::Tdes => "3DES",
            CipherSuite::Aes128 => "AES-128",
            CipherSuite::Aes192 => "AES-192",
            CipherSuite::Aes256 => "AES-256",
            CipherSuite::None => "none",
        })
    }
}

/// The password used for access control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Password {
    /// MRZ information.
    Mrz,
    /// Card access number.
    Can,
    /// No password (a chip without access control).
    None,
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Password::Mrz => "MRZ",
            Password::Can => "CAN",
            Password::None => "none",
        })
    }
}

/// The outcome of a check the reader runs on the chip while reading (PACE-CAM, Terminal
/// Authentication): the one outcome type of every report, from `emrtd-auth`.
pub use emrtd_auth::{CheckOutcome, NotPerformed};

/// Why the chip did not let a file be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// The chip says the file does not exist (`6A82`).
    NotPresent,
    /// The chip refuses access (`6982`): the file needs Extended Access Control.
    AccessDenied,
    /// The chip refuses access (`6982`) and no Terminal Authentication was configured.
    NoTerminalAuthentication,
    /// The chip refuses access (`6982`) after Terminal Authentication failed or could not run.
    TerminalAuthenticationFailed,
    /// The chip refuses access (`6982`): the terminal authenticated, but its effective rights
    /// lack the right to this data group.
    RightMissing,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::NotPresent => "not present on the chip",
            Refusal::AccessDenied => "access denied (needs Extended Access Control)",
            Refusal::NoTerminalAuthentication => {
                "access denied: needs Terminal Authentication, none configured (--ta-chain, --ta-key)"
            }
            Refusal::TerminalAuthenticationFailed => {
                "access denied: Terminal Authentication did not pass (see its check)"
            }
            Refusal::RightMissing => {
                "access denied: the terminal's effective rights do not include this data group"
            }
        })
    }
}

serialize_display!(AccessProtocol, PaceMapping, CipherSuite, Password, Refusal);

/// Which access control opened the chip.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct AccessReport {
    /// BAC, PACE or none.
    pub protocol: AccessProtocol,
    /// PACE mapping; `None` for BAC.
    pub mapping: Option<PaceMapping>,
    /// PACE standardized domain parameter id; `None` for BAC.
    pub parameter_id: Option<u32>,
    /// PACE domain parameters by name (e.g. `brainpoolP256r1`); `None` for BAC.
    pub domain_parameters: Option<String>,
    /// Secure messaging cipher suite.
    pub cipher_suite: CipherSuite,
    /// PACE protocol OID (dotted); `None` for BAC.
    pub protocol_oid: Option<String>,
    /// Password used.
    pub password: Password,
    /// Why BAC was used instead of PACE, when it was.
    pub note: Option<String>,
    /// PACE-CAM chip authentication; `None` when the mapping was not CAM.
    pub chip_authentication_mapping: Option<CheckOutcome>,
}

/// What happens during a read, for progress displays.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// Opening the chip (access control).
    Opening,
    /// The chip is open.
    Opened(AccessReport),
    /// Bytes of a file read so far.
    Reading {
        /// The file.
        file: EfId,
        /// Bytes read so far.
        done: usize,
        /// The file's length.
        total: usize,
    },
    /// A file was read completely.
    FileDone {
        /// The file.
        file: EfId,
        /// Its length in bytes.
        size: usize,
    },
    /// The card left the field; waiting for it to come back.
    CardLost {
        /// This is the `attempt`-th loss of the read.
        attempt: usize,
        /// How many losses the read survives.
        max: usize,
    },
    /// The card is back and the session was re-established; reading goes on.
    Resumed {
        /// The file being read when the card was lost (`None`: between files).
        file: Option<EfId>,
        /// Where in that file reading goes on.
        offset: usize,
    },
}

/// Which access control may open the chip.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccessChoice {
    /// PACE where EF.CardAccess offers a protocol the reader supports, otherwise BAC.
    #[default]
    Auto,
    /// PACE only: a chip that does not offer it is an error, never a silent BAC.
    Pace,
    /// BAC only (the MRZ is the key), even where the chip offers PACE.
    Bac,
}

/// How the reader answers a chip that refuses the length of a READ BINARY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LengthRefusal {
    /// This engine's: a smaller block (224, 192, 160, 128, then halving; 6Cxx: exactly xx) in
    /// the same secure-messaging session, whichever way the chip refuses (6700, 6Cxx, 6B00 or
    /// 6282 without data within the file).
    #[default]
    StepDown,
    /// dmrtd's and vcmrtd's steps (`lib/src/proto/mrtd_api.dart`, `_readBinary` and
    /// `_reduceMaxRead`): after 6700, or 6282 with data (kept), the next of 224, 160, 128, 96,
    /// 64, 32, 16, 8, 1 for the rest of the read; after 6Cxx exactly xx. Other refusals as
    /// [`LengthRefusal::StepDown`]. (After 6700 and 6Cxx those libraries also run BAC or PACE
    /// again before the next block; that is not modelled.)
    DmrtdLadder,
}

/// Options of a read.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Which access control may open the chip.
    pub access: AccessChoice,
    /// Files to read; `None` reads EF.COM, EF.SOD and every data group EF.COM lists.
    pub files: Option<Vec<EfId>>,
    /// Largest READ BINARY block to start with (the reader steps down when the chip refuses).
    pub max_block: Option<usize>,
    /// Never use extended-length APDUs.
    pub no_extended_length: bool,
    /// SELECT every file by its file identifier before reading it, instead of naming it by its
    /// short EF identifier in the first READ BINARY (one more APDU per file). Off by default;
    /// chips that refuse short EF identifiers are detected without it. It exists to measure
    /// other libraries' strategies in the link model (JMRTD as its Android apps configure it,
    /// NFCPassportReader: `docs/performance.md`, "Block strategies in the model").
    pub select_by_file_id: bool,
    /// Read only this many bytes first (the TLV header, to learn the file's length), then the
    /// rest in blocks; `None`: the first READ BINARY asks for a whole block, which holds the
    /// header and usually much more (one APDU per file fewer). Other libraries read 8 bytes
    /// (JMRTD, dmrtd) or 4 (NFCPassportReader) first; the link model compares them.
    pub header_read: Option<usize>,
    /// What the reader does when the chip refuses a READ BINARY length; the default is this
    /// engine's. The other exists to measure other libraries' strategies in the link model
    /// (`docs/performance.md`, "Block strategies in the model").
    pub length_refusal: LengthRefusal,
    /// Terminal Authentication (Extended Access Control) to read DG3/DG4; `None`: not run.
    pub terminal_authentication: Option<TerminalAuthConfig>,
    /// A chip proof a remote verifier asked for (`emrtd-remote`): run at the end of the read
    /// instead of the read's own Chip and Active Authentication; its transcript is
    /// [`Document::remote_proof`].
    pub remote_proof: Option<RemoteProof>,
    /// Longest time one command may take, from the moment it goes to the chip to its answer,
    /// measured with the engine's [`Clock`](crate::engine::Clock); `None`:
    /// [`DEFAULT_COMMAND_BUDGET`]. Long chip work (RSA-4096 Active Authentication, DH key
    /// agreement on slow chips, waiting-time extensions the reader grants) is waited for up to
    /// this bound; an answer that comes later ends the read with
    /// [`ReadError::ChipTooSlow`]. Drivers that can bound a
    /// transceive themselves (Android `IsoDep.setTimeout`) should use
    /// [`ReadOptions::command_budget`] for it.
    pub command_budget: Option<std::time::Duration>,
}

/// Default per-command time budget: 10 s. The slowest chip operations published are RSA-3072
/// private-key operations of about 1.1 s (so about 2.6 s for RSA-4096) and DH key agreements of
/// more than 2 s; ISO/IEC 14443-4 frame waiting times reach about 5 s (FWI 14) before a
/// waiting-time extension (`docs/conformance.md`, "Waiting time").
pub const DEFAULT_COMMAND_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

impl ReadOptions {
    /// The per-command time budget in force ([`ReadOptions::command_budget`] or the default).
    pub fn command_budget(&self) -> std::time::Duration {
        self.command_budget.unwrap_or(DEFAULT_COMMAND_BUDGET)
    }
}

/// A chip proof asked for by a remote verifier, whose answers only that verifier can check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RemoteProof {
    /// INTERNAL AUTHENTICATE over the verifier's 8-byte challenge.
    ActiveAuthentication {
        /// The challenge (RND.IFD).
        challenge: [u8; 8],
    },
    /// Chip Authentication with the verifier's ephemeral public key: `commands` (plain, e.g.
    /// MSE:Set AT and GENERAL AUTHENTICATE) are sent under this read's secure messaging; then
    /// the chip has switched to keys only the verifier knows, and the `relay` APDUs (already
    /// wrapped by the verifier) are sent as they are, their raw answers kept.
    ChipAuthentication {
        /// Plain commands, protected with the read's session.
        commands: Vec<CommandApdu>,
        /// Opaque command APDUs, sent byte for byte.
        relay: Vec<Vec<u8>>,
    },
}

/// What the chip answered to a [`RemoteProof`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteProofTranscript {
    /// The INTERNAL AUTHENTICATE answer (secure messaging removed).
    pub signature: Option<Vec<u8>>,
    /// Each relayed command and the chip's raw answer (status word included).
    pub exchanges: Vec<(Vec<u8>, Vec<u8>)>,
    /// Why the proof could not be run to the end (the chip refused a command).
    pub failure: Option<String>,
}

/// Which version of Terminal Authentication a read runs (docs/eac.md, "Which Terminal
/// Authentication, in which order").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TaVersionChoice {
    /// Version 2 when the chip was opened with PACE, announces Terminal Authentication version
    /// 2 (a TerminalAuthenticationInfo of version 2 in EF.CardAccess or DG14) and DG14 holds a
    /// Chip Authentication version 2 key; version 1 otherwise (every ePassport of TR-03110-1).
    #[default]
    Auto,
    /// Always version 1: Chip Authentication v1 (or PACE-CAM) first, then TA v1.
    V1,
    /// Always version 2: after PACE, TA v2 naming a fresh ephemeral key, then Chip
    /// Authentication v2 with it; reported failed where the chip cannot run it.
    V2,
}

/// What Terminal Authentication needs: the certificate chains the inspection system holds and
/// the key of its terminal certificate.
#[derive(Clone)]
pub struct TerminalAuthConfig {
    /// Chains, each ordered link certificates → DV → terminal (IS); the one starting at a CVCA
    /// the chip lists in EF.CVCA is sent.
    pub chains: Vec<Vec<emrtd_eac::CvCertificate>>,
    /// Version 1, version 2, or as the chip announces (the default).
    pub version: TaVersionChoice,
    /// The terminal certificate's private key (or an HSM behind the trait).
    pub signer: std::sync::Arc<dyn emrtd_eac::TerminalSigner + Send + Sync>,
    /// The rights to ask for: before Terminal Authentication version 2, PACE's MSE:Set AT
    /// carries a CHAT with the terminal certificate's rights ANDed with these (TR-03110-3
    /// §2.7.1, §B.14.1), and the chip grants at most them. `None`: all the terminal
    /// certificate's rights. (Version 1 has no such request: the chain's rights apply.)
    pub requested_rights: Option<emrtd_eac::IsRights>,
}

impl fmt::Debug for TerminalAuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chrs: Vec<Vec<String>> = self
            .chains
            .iter()
            .map(|c| c.iter().map(|x| x.chr().to_string()).collect())
            .collect();
        f.debug_struct("TerminalAuthConfig")
            .field("chains", &chrs)
            .field("signer", &self.signer.algorithm())
            .field("version", &self.version)
            .field("requested_rights", &self.requested_rights)
            .finish()
    }
}

impl TerminalAuthConfig {
    /// One chain (link certificates → DV → terminal) and the terminal's key.
    pub fn new(
        chain: Vec<emrtd_eac::CvCertificate>,
        signer: std::sync::Arc<dyn emrtd_eac::TerminalSigner + Send + Sync>,
    ) -> TerminalAuthConfig {
        TerminalAuthConfig {
            chains: vec![chain],
            signer,
            version: TaVersionChoice::Auto,
            requested_rights: None,
        }
    }

    /// One chain from the certificates' bytes (DER, `7F21 …`), in order.
    pub fn from_der<B: AsRef<[u8]>>(
        chain: &[B],
        signer: std::sync::Arc<dyn emrtd_eac::TerminalSigner + Send + Sync>,
    ) -> Result<TerminalAuthConfig, emrtd_eac::CvcError> {
        let certs = chain
            .iter()
            .map(|b| emrtd_eac::CvCertificate::decode(b.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TerminalAuthConfig::new(certs, signer))
    }
}

/// The outcome of Terminal Authentication in a read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TerminalAuthReport {
    /// Verified, failed (why), or not performed (why).
    pub outcome: CheckOutcome,
    /// Was Terminal Authentication configured for this read (chain and key)?
    pub configured: bool,
    /// Version run (1 after Chip Authentication, TR-03110-1 §3.5; 2 after PACE and before Chip
    /// Authentication version 2).
    pub version: Option<emrtd_eac::TaVersion>,
    /// CHR of the terminal certificate sent.
    pub terminal: Option<emrtd_eac::CvReference>,
    /// The CVCA the chain starts at (listed in the chip's EF.CVCA).
    pub cvca: Option<emrtd_eac::CvReference>,
    /// Effective rights granted (the AND of the rights of the certificates sent, and in
    /// version 2 of the CHAT PACE carried); empty unless the outcome is verified.
    pub rights: emrtd_eac::IsRights,
    /// Version 2: the rights PACE's CHAT asked for (`None` when PACE carried no CHAT).
    pub requested: Option<emrtd_eac::IsRights>,
    /// Version 2: where the Chip Authentication key came from (EF.CardSecurity, or DG14 and
    /// why); `None` before Chip Authentication v2 ran.
    pub chip_key_source: Option<ChipKeySource>,
}

/// Where the Chip Authentication version 2 key came from (TR-03110-3 §A.1.2.2, §A.1.2.4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChipKeySource {
    /// EF.CardSecurity, read after Terminal Authentication, its signature verified (its
    /// Document Signer's chain is checked by the verdict, like EF.SOD's).
    CardSecurity,
    /// DG14 (hashed in EF.SOD), because EF.CardSecurity could not be used: why.
    Dg14(String),
}

impl fmt::Display for ChipKeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChipKeySource::CardSecurity => f.write_str("EF.CardSecurity"),
            ChipKeySource::Dg14(why) => write!(f, "DG14 ({why})"),
        }
    }
}

impl TerminalAuthReport {
    pub(crate) fn not_performed(why: impl Into<String>) -> TerminalAuthReport {
        TerminalAuthReport {
            configured: true,
            outcome: CheckOutcome::NotPerformed(NotPerformed::MissingInput(why.into())),
            version: None,
            terminal: None,
            cvca: None,
            rights: emrtd_eac::IsRights::default(),
            requested: None,
            chip_key_source: None,
        }
    }

    /// Why the chip refused data group `dg` (`6982`), given this outcome.
    pub fn refusal_for(report: Option<&TerminalAuthReport>, dg: u8) -> Refusal {
        match report {
            None => Refusal::AccessDenied,
            Some(r) if !r.configured => Refusal::NoTerminalAuthentication,
            Some(r) => match &r.outcome {
                CheckOutcome::Verified => match emrtd_eac::IsRight::for_data_group(dg) {
                    Some(right) if !r.rights.contains(right) => Refusal::RightMissing,
                    _ => Refusal::AccessDenied,
                },
                _ => Refusal::TerminalAuthenticationFailed,
            },
        }
    }
}

/// What was read from a chip.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Document {
    /// How the chip was opened (BAC or PACE, mapping, cipher, key kind).
    pub access: AccessReport,
    /// Every file read, exactly as the chip sent it.
    pub files: BTreeMap<EfId, Vec<u8>>,
    /// Files the chip refused (for example DG3/DG4, which need Extended Access Control).
    pub refused: BTreeMap<EfId, Refusal>,
    /// EF.COM decoded, when it was read and decodes.
    pub com: Option<EfCom>,
    /// DG1 (the MRZ) decoded, when it was read and decodes.
    pub dg1: Option<Dg1>,
    /// Number of times the read was resumed after the card was lost.
    pub resumes: usize,
    /// Chip Authentication result (`None` when the chip has no DG14 key).
    pub chip_authentication: Option<emrtd_auth::Check>,
    /// Active Authentication result (`None` when the chip has no DG15).
    pub active_authentication: Option<emrtd_auth::Check>,
    /// Terminal Authentication (`None` when neither DG3 nor DG4 was to be read).
    pub terminal_authentication: Option<TerminalAuthReport>,
    /// When the read ended, Unix seconds, from the engine's [`crate::Clock`].
    pub read_at: i64,
    /// The transcript of the remote verifier's chip proof ([`ReadOptions::remote_proof`]).
    pub remote_proof: Option<RemoteProofTranscript>,
}

#[cfg(test)]
mod ta_tests {
    use super::*;
    use emrtd_eac::{IsRight, IsRights};

    fn verified(rights: IsRights) -> TerminalAuthReport {
        TerminalAuthReport {
            outcome: CheckOutcome::Verified,
            version: Some(emrtd_eac::TaVersion::V1),
            rights,
            ..TerminalAuthReport::not_performed("")
        }
    }

    #[test]
    fn a_refused_biometric_group_says_whether_ta_was_missing_failed_or_lacked_the_right() {
        assert_eq!(
            TerminalAuthReport::refusal_for(None, 3),
            Refusal::AccessDenied
        );
        let unconfigured = TerminalAuthReport {
            configured: false,
            ..TerminalAuthReport::not_performed("none")
        };
        assert_eq!(
            TerminalAuthReport::refusal_for(Some(&unconfigured), 3),
            Refusal::NoTerminalAuthentication
        );
        let failed = TerminalAuthReport {
            outcome: CheckOutcome::Failed("signature".into()),
            ..TerminalAuthReport::not_performed("")
        };
        assert_eq!(
            TerminalAuthReport::refusal_for(Some(&failed), 4),
            Refusal::TerminalAuthenticationFailed
        );
        let iris_only = verified(IsRights::default().with(IsRight::ReadDg4));
        assert_eq!(
            TerminalAuthReport::refusal_for(Some(&iris_only), 3),
            Refusal::RightMissing
        );
        assert_eq!(
            TerminalAuthReport::refusal_for(Some(&iris_only), 4),
            Refusal::AccessDenied
        );
    }
}
