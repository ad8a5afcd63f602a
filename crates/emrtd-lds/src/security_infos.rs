//! `SecurityInfos` of EF.CardAccess, EF.CardSecurity and DG14 (ICAO 9303-11 §9.2,
//! BSI TR-03110-3 §A.1).
//!
//! ```text
//! SecurityInfos ::= SET OF SecurityInfo
//! SecurityInfo  ::= SEQUENCE { protocol OBJECT IDENTIFIER, requiredData ANY, optionalData ANY OPTIONAL }
//! ```
//!
//! Decoded: [`PaceInfo`], [`PaceDomainParameterInfo`], [`ChipAuthenticationInfo`],
//! [`ChipAuthenticationDomainParameterInfo`], [`ChipAuthenticationPublicKeyInfo`],
//! [`ActiveAuthenticationInfo`], [`TerminalAuthenticationInfo`]. Every other entry (CardInfo,
//! PasswordInfo, PSAInfo, ...) and any known entry whose structure does not match its
//! definition is kept raw as [`OtherSecurityInfo`], so one odd entry never prevents PACE.
//! Encoders produce DER entries in the given order, which the virtual chip uses to build its
//! files; decoding then encoding a DER file reproduces it byte for byte.

use emrtd_tlv::{encode, parse_one, TlvRef};
use serde::{Serialize, Serializer};

use crate::common::{int_tlv, uint_tlv};
use crate::sod::{oid_from_str, oid_is, oid_to_string, typed_oid, SignedData};
use crate::LdsError;
use const_oid::ObjectIdentifier;

const FILE_SI: &str = "SecurityInfos";

/// Largest SecurityInfos accepted (64 KiB; real ones are below 4 KiB).
pub const MAX_SECURITY_INFOS_LEN: usize = 64 * 1024;
/// Most SecurityInfo entries accepted in one SecurityInfos.
pub const MAX_ENTRIES: usize = 256;

/// Object identifiers, typed (dotted text only at the edge).
pub mod oid {
    use const_oid::ObjectIdentifier as Oid;

    /// `bsi-de` 0.4.0.127.0.7.
    pub const BSI_DE: Oid = Oid::new_unwrap("0.4.0.127.0.7");
    /// `id-PACE`.
    pub const PACE: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.4");
    /// `id-PACE-DH-GM`.
    pub const PACE_DH_GM: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.4.1");
    /// `id-PACE-ECDH-GM`.
    pub const PACE_ECDH_GM: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.4.2");
    /// `id-PACE-DH-IM`.
    pub const PACE_DH_IM: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.4.3");
    /// `id-PACE-ECDH-IM`.
    pub const PACE_ECDH_IM: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.4.4");
    /// `id-PACE-ECDH-CAM`.
    pub const PACE_ECDH_CAM: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.4.6");
    /// `id-CA`.
    pub const CA: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.3");
    /// `id-CA-DH`.
    pub const CA_DH: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.3.1");
    /// `id-CA-ECDH`.
    pub const CA_ECDH: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.3.2");
    /// `id-PK-DH`.
    pub const PK_DH: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.1.1");
    /// `id-PK-ECDH`.
    pub const PK_ECDH: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.1.2");
    /// `id-TA`.
    pub const TA: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.2");
    /// `id-icao-mrtd-security-aaProtocolObject`.
    pub const AA: Oid = Oid::new_unwrap("2.23.136.1.1.5");
    /// `standardizedDomainParameters` (bsi-de algorithms 2).
    pub const STANDARDIZED_DOMAIN_PARAMETERS: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.2");
    /// `id-ecPublicKey` (ANSI X9.62).
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    /// `prime-field` (ANSI X9.62).
    pub const PRIME_FIELD: Oid = Oid::new_unwrap("1.2.840.10045.1.1");
    /// `dhpublicnumber` (ANSI X9.42).
    pub const DH_PUBLIC_NUMBER: Oid = Oid::new_unwrap("1.2.840.10046.2.1");
    /// `dhKeyAgreement` (PKCS #3).
    pub const DH_KEY_AGREEMENT: Oid = Oid::new_unwrap("1.2.840.113549.1.3.1");
}

/// The two arcs of `dotted` below `base` (`id-PACE.family.cipher`, `id-CA.ka.cipher`), compared
/// as typed arcs; `None` when `dotted` is not an OID exactly two arcs under `base`.
fn arcs_under(dotted: &str, base: ObjectIdentifier) -> Option<[u32; 2]> {
    let oid = typed_oid(dotted)?;
    let mut arcs = oid.arcs();
    for expected in base.arcs() {
        if arcs.next()? != expected {
            return None;
        }
    }
    let pair = [arcs.next()?, arcs.next()?];
    arcs.next().is_none().then_some(pair)
}

fn hex_upper<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    let text: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    s.serialize_str(&text)
}

fn hex_upper_opt<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match bytes {
        Some(b) => hex_upper(b, s),
        None => s.serialize_none(),
    }
}

// ---------------------------------------------------------------------------------------------
// Algorithm vocabulary
// ---------------------------------------------------------------------------------------------

/// Key agreement of a PACE or Chip Authentication protocol.
// Not #[non_exhaustive]: ICAO 9303-11 key agreement is DH or ECDH, nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum KeyAgreement {
    /// Diffie-Hellman over a MODP group.
    Dh,
    /// Elliptic curve Diffie-Hellman.
    Ecdh,
}

/// Nonce mapping of PACE.
// Not #[non_exhaustive]: ICAO 9303-11 defines three PACE mappings (GM, IM, CAM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PaceMapping {
    /// Generic Mapping (GM).
    Generic,
    /// Integrated Mapping (IM).
    Integrated,
    /// Chip Authentication Mapping (CAM, ECDH only).
    ChipAuthentication,
}

/// Symmetric cipher suite of PACE / Chip Authentication (secure messaging and token).
// Not #[non_exhaustive]: ICAO 9303-11 defines exactly these cipher suites, and a new one needs code in
// every protocol step (key and nonce lengths, OIDs): exhaustive matches find each place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CipherSuite {
    /// 3DES-CBC with retail MAC (112-bit keys).
    Tdes,
    /// AES-128-CBC with CMAC.
    Aes128,
    /// AES-192-CBC with CMAC.
    Aes192,
    /// AES-256-CBC with CMAC.
    Aes256,
}

impl CipherSuite {
    fn from_arc(arc: u64) -> Option<Self> {
        Some(match arc {
            1 => CipherSuite::Tdes,
            2 => CipherSuite::Aes128,
            3 => CipherSuite::Aes192,
            4 => CipherSuite::Aes256,
            _ => return None,
        })
    }

    fn arc(self) -> u64 {
        match self {
            CipherSuite::Tdes => 1,
            CipherSuite::Aes128 => 2,
            CipherSuite::Aes192 => 3,
            CipherSuite::Aes256 => 4,
        }
    }

    /// Key length in bits (112 for 3DES).
    pub fn key_bits(self) -> u32 {
        match self {
            CipherSuite::Tdes => 112,
            CipherSuite::Aes128 => 128,
            CipherSuite::Aes192 => 192,
            CipherSuite::Aes256 => 256,
        }
    }
}

/// The algorithms a PACE protocol OID names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct PaceAlgorithm {
    /// DH or ECDH.
    pub key_agreement: KeyAgreement,
    /// GM, IM or CAM.
    pub mapping: PaceMapping,
    /// 3DES or AES-128/192/256.
    pub cipher: CipherSuite,
}

impl PaceAlgorithm {
    /// Decodes a PACE protocol OID (dotted); `None` if it is not one of the 19 defined OIDs.
    pub fn from_oid(dotted: &str) -> Option<Self> {
        let [family, cipher] = arcs_under(dotted, oid::PACE)?;
        let cipher = CipherSuite::from_arc(u64::from(cipher))?;
        let (key_agreement, mapping) = match family {
            1 => (KeyAgreement::Dh, PaceMapping::Generic),
            2 => (KeyAgreement::Ecdh, PaceMapping::Generic),
            3 => (KeyAgreement::Dh, PaceMapping::Integrated),
            4 => (KeyAgreement::Ecdh, PaceMapping::Integrated),
            6 => (KeyAgreement::Ecdh, PaceMapping::ChipAuthentication),
            _ => return None,
        };
        if mapping == PaceMapping::ChipAuthentication && cipher == CipherSuite::Tdes {
            return None;
        }
        Some(PaceAlgorithm {
            key_agreement,
            mapping,
            cipher,
        })
    }

    /// The protocol OID, dotted (`None` for combinations ICAO does not define: CAM with 3DES
    /// or DH).
    pub fn oid(&self) -> Option<String> {
        let family = match (self.key_agreement, self.mapping) {
            (KeyAgreement::Dh, PaceMapping::Generic) => 1,
            (KeyAgreement::Ecdh, PaceMapping::Generic) => 2,
            (KeyAgreement::Dh, PaceMapping::Integrated) => 3,
            (KeyAgreement::Ecdh, PaceMapping::Integrated) => 4,
            (KeyAgreement::Ecdh, PaceMapping::ChipAuthentication) => 6,
            (KeyAgreement::Dh, PaceMapping::ChipAuthentication) => return None,
        };
        if self.mapping == PaceMapping::ChipAuthentication && self.cipher == CipherSuite::Tdes {
            return None;
        }
        Some(format!("{}.{family}.{}", oid::PACE, self.cipher.arc()))
    }

    /// ICAO name, e.g. `id-PACE-ECDH-GM-AES-CBC-CMAC-128`.
    pub fn name(&self) -> String {
        let ka = match self.key_agreement {
            KeyAgreement::Dh => "DH",
            KeyAgreement::Ecdh => "ECDH",
        };
        let map = match self.mapping {
            PaceMapping::Generic => "GM",
            PaceMapping::Integrated => "IM",
            PaceMapping::ChipAuthentication => "CAM",
        };
        let cipher = match self.cipher {
            CipherSuite::Tdes => "3DES-CBC-CBC",
            CipherSuite::Aes128 => "AES-CBC-CMAC-128",
            CipherSuite::Aes192 => "AES-CBC-CMAC-192",
            CipherSuite::Aes256 => "AES-CBC-CMAC-256",
        };
        format!("id-PACE-{ka}-{map}-{cipher}")
    }
}

/// The algorithms a Chip Authentication protocol OID (`id-CA-DH-3DES-CBC-CBC` ...) names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct CaAlgorithm {
    /// DH or ECDH.
    pub key_agreement: KeyAgreement,
    /// Cipher suite of the secure messaging that follows.
    pub cipher: CipherSuite,
}

impl CaAlgorithm {
    /// Decodes a Chip Authentication protocol OID.
    pub fn from_oid(dotted: &str) -> Option<Self> {
        let [key_agreement, cipher] = arcs_under(dotted, oid::CA)?;
        let key_agreement = match key_agreement {
            1 => KeyAgreement::Dh,
            2 => KeyAgreement::Ecdh,
            _ => return None,
        };
        let cipher = CipherSuite::from_arc(u64::from(cipher))?;
        Some(CaAlgorithm {
            key_agreement,
            cipher,
        })
    }
}

/// Approximate security strength (bits) of standardized domain parameters (NIST SP 800-57:
/// 1024-bit MODP → 80, 2048-bit → 112; curves → half the order size).
pub fn standardized_security_bits(parameter_id: i64) -> Option<u32> {
    Some(match parameter_id {
        0 => 80,
        1 | 2 => 112,
        8 | 9 => 96,
        10 | 11 => 112,
        12 | 13 => 128,
        14 => 160,
        15 | 16 => 192,
        17 => 256,
        18 => 260,
        _ => return None,
    })
}

/// Key agreement of a standardized domain parameter id (0–2 DH, 8–18 ECDH).
pub fn standardized_key_agreement(parameter_id: i64) -> Option<KeyAgreement> {
    match parameter_id {
        0..=2 => Some(KeyAgreement::Dh),
        8..=18 => Some(KeyAgreement::Ecdh),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Domain parameters and public keys
// ---------------------------------------------------------------------------------------------

/// Explicit elliptic curve parameters (X9.62 `ECParameters`, prime field). Integers are
/// minimal big-endian; `a`, `b` are the field-size octet strings as encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EcParameters {
    /// Field prime p.
    #[serde(serialize_with = "hex_upper")]
    pub p: Vec<u8>,
    /// Coefficient a.
    #[serde(serialize_with = "hex_upper")]
    pub a: Vec<u8>,
    /// Coefficient b.
    #[serde(serialize_with = "hex_upper")]
    pub b: Vec<u8>,
    /// Base point G as encoded (normally `04||X||Y`).
    #[serde(serialize_with = "hex_upper")]
    pub g: Vec<u8>,
    /// Order n of G.
    #[serde(serialize_with = "hex_upper")]
    pub n: Vec<u8>,
    /// Cofactor h, if present.
    #[serde(serialize_with = "hex_upper_opt")]
    pub h: Option<Vec<u8>>,
}

/// Explicit MODP group parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DhParameters {
    /// Prime p.
    #[serde(serialize_with = "hex_upper")]
    pub p: Vec<u8>,
    /// Generator g.
    #[serde(serialize_with = "hex_upper")]
    pub g: Vec<u8>,
    /// Subgroup order q (X9.42 `dhpublicnumber` only).
    #[serde(serialize_with = "hex_upper_opt")]
    pub q: Option<Vec<u8>>,
    /// Raw DER of the optional elements that follow (PKCS #3 `privateValueLength`, X9.42 `j`
    /// and `validationParms`), kept so the structure re-encodes unchanged.
    #[serde(serialize_with = "hex_upper")]
    pub optional: Vec<u8>,
}

/// The domain parameters an `AlgorithmIdentifier` designates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum DomainParameters {
    /// `standardizedDomainParameters` with the id (ICAO 9303-11 §9.5.1).
    Standardized(i64),
    /// `id-ecPublicKey` (or another OID) with explicit `ECParameters`.
    Ec {
        /// Algorithm OID, dotted.
        algorithm: String,
        /// The parameters.
        params: EcParameters,
    },
    /// `id-ecPublicKey` with a named curve OID (not allowed by ICAO, accepted when reading).
    EcNamedCurve(String),
    /// `dhpublicnumber` or `dhKeyAgreement` with explicit parameters.
    Dh {
        /// Algorithm OID, dotted.
        algorithm: String,
        /// The parameters.
        params: DhParameters,
    },
    /// Anything else: OID and raw DER of the parameters.
    Other {
        /// Algorithm OID, dotted.
        algorithm: String,
        /// Raw parameters.
        #[serde(serialize_with = "hex_upper_opt")]
        parameters: Option<Vec<u8>>,
    },
}

/// A `SubjectPublicKeyInfo` of a Chip Authentication key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubjectPublicKeyInfo {
    /// Domain parameters from the `AlgorithmIdentifier`.
    pub algorithm: DomainParameters,
    /// The `subjectPublicKey` BIT STRING content (without the unused-bits octet).
    #[serde(serialize_with = "hex_upper")]
    pub subject_public_key: Vec<u8>,
}

impl SubjectPublicKeyInfo {
    /// The public key value: the EC point octets, or for DH the unsigned big-endian y
    /// (the BIT STRING holds a DER INTEGER).
    pub fn public_value(&self) -> Result<Vec<u8>, LdsError> {
        match &self.algorithm {
            DomainParameters::Dh { .. } => {
                let (t, rest) =
                    parse_one(&self.subject_public_key).map_err(LdsError::tlv(FILE_SI))?;
                if t.tag != 0x02 || !rest.is_empty() {
                    return Err(invalid("DH public key", "must be a DER INTEGER"));
                }
                Ok(unsigned(t.value).to_vec())
            }
            DomainParameters::Standardized(id) if (0..=2).contains(id) => {
                // DH key with standardized parameters: same INTEGER wrapping.
                match parse_one(&self.subject_public_key) {
                    Ok((t, rest)) if t.tag == 0x02 && rest.is_empty() => {
                        Ok(unsigned(t.value).to_vec())
                    }
                    _ => Ok(self.subject_public_key.clone()),
                }
            }
            _ => Ok(self.subject_public_key.clone()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SecurityInfo entries
// ---------------------------------------------------------------------------------------------

/// `PACEInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PaceInfo {
    /// Protocol OID, dotted.
    pub protocol: String,
    /// Algorithms named by the OID.
    pub algorithm: PaceAlgorithm,
    /// Version (must be 2).
    pub version: i64,
    /// Domain parameter id (standardized 0–31 or local explicit).
    pub parameter_id: Option<i64>,
}

/// `PACEDomainParameterInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaceDomainParameterInfo {
    /// Protocol OID (`id-PACE-DH-GM`, ...), dotted.
    pub protocol: String,
    /// The domain parameters.
    pub domain_parameter: DomainParameters,
    /// Local parameter id.
    pub parameter_id: Option<i64>,
}

/// `ChipAuthenticationInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChipAuthenticationInfo {
    /// Protocol OID, dotted.
    pub protocol: String,
    /// Algorithms named by the OID, if it is one of the defined ones.
    pub algorithm: Option<CaAlgorithm>,
    /// Version (1, 2 or 3).
    pub version: i64,
    /// Key id.
    pub key_id: Option<i64>,
}

/// `ChipAuthenticationDomainParameterInfo` (TR-03110, CA version 2/3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ChipAuthenticationDomainParameterInfo {
    /// Protocol OID (`id-CA-DH` or `id-CA-ECDH`), dotted.
    pub protocol: String,
    /// The domain parameters.
    pub domain_parameter: DomainParameters,
    /// Key id.
    pub key_id: Option<i64>,
}

/// `ChipAuthenticationPublicKeyInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChipAuthenticationPublicKeyInfo {
    /// Protocol OID (`id-PK-DH` or `id-PK-ECDH`), dotted.
    pub protocol: String,
    /// The public key with its domain parameters.
    pub public_key: SubjectPublicKeyInfo,
    /// Key id.
    pub key_id: Option<i64>,
}

/// `ActiveAuthenticationInfo` (ECDSA Active Authentication).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActiveAuthenticationInfo {
    /// Version (must be 1).
    pub version: i64,
    /// Signature algorithm OID, dotted.
    pub signature_algorithm: String,
}

/// `FileID` of EF.CVCA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileId {
    /// File identifier (2 octets).
    #[serde(serialize_with = "hex_upper")]
    pub fid: Vec<u8>,
    /// Short file identifier (1 octet).
    #[serde(serialize_with = "hex_upper_opt")]
    pub sfid: Option<Vec<u8>>,
}

/// `TerminalAuthenticationInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerminalAuthenticationInfo {
    /// Version (1 or 2).
    pub version: i64,
    /// EF.CVCA file id (version 1 only).
    pub ef_cvca: Option<FileId>,
}

/// A SecurityInfo not decoded: unknown protocol, or a known one whose structure is invalid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct OtherSecurityInfo {
    /// Protocol OID, dotted.
    pub protocol: String,
    /// The complete DER of the entry.
    #[serde(serialize_with = "hex_upper")]
    pub raw: Vec<u8>,
    /// Why a known entry could not be decoded (`None` for unknown protocols).
    pub problem: Option<String>,
}

/// One `SecurityInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum SecurityInfo {
    /// PACEInfo.
    Pace(PaceInfo),
    /// PACEDomainParameterInfo.
    PaceDomainParameter(PaceDomainParameterInfo),
    /// ChipAuthenticationInfo.
    ChipAuthentication(ChipAuthenticationInfo),
    /// ChipAuthenticationDomainParameterInfo.
    ChipAuthenticationDomainParameter(ChipAuthenticationDomainParameterInfo),
    /// ChipAuthenticationPublicKeyInfo.
    ChipAuthenticationPublicKey(ChipAuthenticationPublicKeyInfo),
    /// ActiveAuthenticationInfo.
    ActiveAuthentication(ActiveAuthenticationInfo),
    /// TerminalAuthenticationInfo.
    TerminalAuthentication(TerminalAuthenticationInfo),
    /// Anything else, kept raw.
    Other(OtherSecurityInfo),
}

/// A decoded `SecurityInfos` set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityInfos {
    /// The entries in file order.
    pub infos: Vec<SecurityInfo>,
}

// ---------------------------------------------------------------------------------------------
// Decoding helpers
// ---------------------------------------------------------------------------------------------

fn invalid(element: &'static str, reason: &str) -> LdsError {
    LdsError::Invalid {
        file: FILE_SI,
        element,
        reason: reason.to_string(),
    }
}

/// INTEGER content without a leading sign octet.
fn unsigned(content: &[u8]) -> &[u8] {
    match content {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => content,
    }
}

fn children<'a>(t: &TlvRef<'a>) -> Result<Vec<TlvRef<'a>>, LdsError> {
    t.children().map_err(LdsError::tlv(FILE_SI))
}

fn get_oid(t: Option<&TlvRef<'_>>, element: &'static str) -> Result<String, LdsError> {
    let t = t.ok_or(LdsError::Missing {
        file: FILE_SI,
        element,
    })?;
    if t.tag != 0x06 {
        return Err(invalid(element, "expected OBJECT IDENTIFIER"));
    }
    oid_to_string(t.value).ok_or_else(|| invalid(element, "malformed OBJECT IDENTIFIER"))
}

fn get_int(t: Option<&TlvRef<'_>>, element: &'static str) -> Result<i64, LdsError> {
    let t = t.ok_or(LdsError::Missing {
        file: FILE_SI,
        element,
    })?;
    small_int(t, element)
}

fn small_int(t: &TlvRef<'_>, element: &'static str) -> Result<i64, LdsError> {
    if t.tag != 0x02 {
        return Err(invalid(element, "expected INTEGER"));
    }
    let c = t.value;
    if c.is_empty() || c.len() > 8 {
        return Err(invalid(element, "INTEGER empty or larger than 64 bits"));
    }
    let mut v: i64 = if c[0] & 0x80 != 0 { -1 } else { 0 };
    for b in c {
        v = (v << 8) | i64::from(*b);
    }
    Ok(v)
}

fn opt_int(t: Option<&TlvRef<'_>>, element: &'static str) -> Result<Option<i64>, LdsError> {
    t.map(|t| small_int(t, element)).transpose()
}

fn big_uint(t: Option<&TlvRef<'_>>, element: &'static str) -> Result<Vec<u8>, LdsError> {
    let t = t.ok_or(LdsError::Missing {
        file: FILE_SI,
        element,
    })?;
    if t.tag != 0x02 || t.value.is_empty() {
        return Err(invalid(element, "expected a non-empty INTEGER"));
    }
    if t.value[0] & 0x80 != 0 {
        return Err(invalid(element, "negative INTEGER"));
    }
    Ok(unsigned(t.value).to_vec())
}

fn octets(t: Option<&TlvRef<'_>>, element: &'static str) -> Result<Vec<u8>, LdsError> {
    match t {
        Some(t) if t.tag == 0x04 => Ok(t.value.to_vec()),
        Some(_) => Err(invalid(element, "expected OCTET STRING")),
        None => Err(LdsError::Missing {
            file: FILE_SI,
            element,
        }),
    }
}

fn no_more(items: &[TlvRef<'_>], max: usize, element: &'static str) -> Result<(), LdsError> {
    if items.len() > max {
        return Err(invalid(element, "unexpected additional elements"));
    }
    Ok(())
}

fn parse_ec_parameters(params: &TlvRef<'_>) -> Result<EcParameters, LdsError> {
    if params.tag != 0x30 {
        return Err(invalid("ECParameters", "expected SEQUENCE"));
    }
    let items = children(params)?;
    let version = get_int(items.first(), "ECParameters.version")?;
    if version != 1 {
        return Err(invalid("ECParameters.version", "must be 1"));
    }
    let field = items
        .get(1)
        .filter(|t| t.tag == 0x30)
        .ok_or_else(|| invalid("ECParameters.fieldID", "expected SEQUENCE"))?;
    let field_items = children(field)?;
    if !oid_is(
        &get_oid(field_items.first(), "FieldID.fieldType")?,
        oid::PRIME_FIELD,
    ) {
        return Err(invalid(
            "FieldID.fieldType",
            "only prime fields are supported",
        ));
    }
    let p = big_uint(field_items.get(1), "FieldID.prime")?;
    let curve = items
        .get(2)
        .filter(|t| t.tag == 0x30)
        .ok_or_else(|| invalid("ECParameters.curve", "expected SEQUENCE"))?;
    let curve_items = children(curve)?;
    let a = octets(curve_items.first(), "Curve.a")?;
    let b = octets(curve_items.get(1), "Curve.b")?;
    let g = octets(items.get(3), "ECParameters.base")?;
    let n = big_uint(items.get(4), "ECParameters.order")?;
    let h = match items.get(5) {
        Some(t) => Some(big_uint(Some(t), "ECParameters.cofactor")?),
        None => None,
    };
    no_more(&items, 6, "ECParameters")?;
    Ok(EcParameters { p, a, b, g, n, h })
}

fn looks_like_ec_parameters(params: &TlvRef<'_>) -> bool {
    params.tag == 0x30
        && params
            .children()
            .ok()
            .and_then(|items| items.get(1).copied())
            .and_then(|f| f.children().ok())
            .and_then(|f| f.first().copied())
            .and_then(|o| (o.tag == 0x06).then(|| oid_to_string(o.value)).flatten())
            .is_some_and(|o| oid_is(&o, oid::PRIME_FIELD))
}

fn parse_algorithm_identifier(t: &TlvRef<'_>) -> Result<DomainParameters, LdsError> {
    if t.tag != 0x30 {
        return Err(invalid("AlgorithmIdentifier", "expected SEQUENCE"));
    }
    let items = children(t)?;
    no_more(&items, 2, "AlgorithmIdentifier")?;
    let algorithm = get_oid(items.first(), "AlgorithmIdentifier.algorithm")?;
    let params = items.get(1);
    let typed = typed_oid(&algorithm);
    match (typed, params) {
        (Some(oid::STANDARDIZED_DOMAIN_PARAMETERS), Some(p)) => Ok(DomainParameters::Standardized(
            small_int(p, "standardizedDomainParameters id")?,
        )),
        (Some(oid::EC_PUBLIC_KEY), Some(p)) if p.tag == 0x06 => Ok(DomainParameters::EcNamedCurve(
            get_oid(Some(p), "namedCurve")?,
        )),
        (Some(oid::DH_PUBLIC_NUMBER), Some(p)) => {
            let v = children(p)?;
            Ok(DomainParameters::Dh {
                algorithm,
                params: DhParameters {
                    p: big_uint(v.first(), "DomainParameters.p")?,
                    g: big_uint(v.get(1), "DomainParameters.g")?,
                    q: Some(big_uint(v.get(2), "DomainParameters.q")?),
                    optional: v
                        .iter()
                        .skip(3)
                        .flat_map(|t| t.raw.iter().copied())
                        .collect(),
                },
            })
        }
        (Some(oid::DH_KEY_AGREEMENT), Some(p)) => {
            let v = children(p)?;
            Ok(DomainParameters::Dh {
                algorithm,
                params: DhParameters {
                    p: big_uint(v.first(), "DHParameter.prime")?,
                    g: big_uint(v.get(1), "DHParameter.base")?,
                    q: None,
                    optional: v
                        .iter()
                        .skip(2)
                        .flat_map(|t| t.raw.iter().copied())
                        .collect(),
                },
            })
        }
        (_, Some(p)) if typed == Some(oid::EC_PUBLIC_KEY) || looks_like_ec_parameters(p) => {
            Ok(DomainParameters::Ec {
                algorithm,
                params: parse_ec_parameters(p)?,
            })
        }
        _ => Ok(DomainParameters::Other {
            algorithm,
            parameters: params.map(|p| p.raw.to_vec()),
        }),
    }
}

fn parse_spki(t: Option<&TlvRef<'_>>) -> Result<SubjectPublicKeyInfo, LdsError> {
    let t = t
        .filter(|t| t.tag == 0x30)
        .ok_or_else(|| invalid("SubjectPublicKeyInfo", "expected SEQUENCE"))?;
    let items = children(t)?;
    no_more(&items, 2, "SubjectPublicKeyInfo")?;
    let alg = items.first().ok_or(LdsError::Missing {
        file: FILE_SI,
        element: "SubjectPublicKeyInfo.algorithm",
    })?;
    let algorithm = parse_algorithm_identifier(alg)?;
    let bits = items
        .get(1)
        .filter(|t| t.tag == 0x03)
        .ok_or_else(|| invalid("subjectPublicKey", "expected BIT STRING"))?;
    match bits.value.split_first() {
        Some((0, key)) => Ok(SubjectPublicKeyInfo {
            algorithm,
            subject_public_key: key.to_vec(),
        }),
        _ => Err(invalid(
            "subjectPublicKey",
            "BIT STRING must have 0 unused bits",
        )),
    }
}

fn parse_entry(entry: &TlvRef<'_>) -> Result<SecurityInfo, LdsError> {
    if entry.tag != 0x30 {
        return Err(invalid("SecurityInfo", "expected SEQUENCE"));
    }
    let items = children(entry)?;
    let protocol = get_oid(items.first(), "SecurityInfo.protocol")?;
    match decode_known(&protocol, &items) {
        Ok(Some(info)) => Ok(info),
        Ok(None) => Ok(SecurityInfo::Other(OtherSecurityInfo {
            protocol,
            raw: entry.raw.to_vec(),
            problem: None,
        })),
        Err(e) => Ok(SecurityInfo::Other(OtherSecurityInfo {
            protocol,
            raw: entry.raw.to_vec(),
            problem: Some(e.to_string()),
        })),
    }
}

fn decode_known(protocol: &str, items: &[TlvRef<'_>]) -> Result<Option<SecurityInfo>, LdsError> {
    let second_is_seq = items.get(1).is_some_and(|t| t.tag == 0x30);
    if let Some(algorithm) = PaceAlgorithm::from_oid(protocol) {
        no_more(items, 3, "PACEInfo")?;
        return Ok(Some(SecurityInfo::Pace(PaceInfo {
            protocol: protocol.to_string(),
            algorithm,
            version: get_int(items.get(1), "PACEInfo.version")?,
            parameter_id: opt_int(items.get(2), "PACEInfo.parameterId")?,
        })));
    }
    if [
        oid::PACE_DH_GM,
        oid::PACE_ECDH_GM,
        oid::PACE_DH_IM,
        oid::PACE_ECDH_IM,
        oid::PACE_ECDH_CAM,
    ]
    .iter()
    .any(|o| oid_is(protocol, *o))
    {
        no_more(items, 3, "PACEDomainParameterInfo")?;
        let alg = items.get(1).ok_or(LdsError::Missing {
            file: FILE_SI,
            element: "PACEDomainParameterInfo.domainParameter",
        })?;
        return Ok(Some(SecurityInfo::PaceDomainParameter(
            PaceDomainParameterInfo {
                protocol: protocol.to_string(),
                domain_parameter: parse_algorithm_identifier(alg)?,
                parameter_id: opt_int(items.get(2), "PACEDomainParameterInfo.parameterId")?,
            },
        )));
    }
    if (oid_is(protocol, oid::CA_DH) || oid_is(protocol, oid::CA_ECDH)) && second_is_seq {
        no_more(items, 3, "ChipAuthenticationDomainParameterInfo")?;
        let alg = items.get(1).ok_or(LdsError::Missing {
            file: FILE_SI,
            element: "domainParameter",
        })?;
        return Ok(Some(SecurityInfo::ChipAuthenticationDomainParameter(
            ChipAuthenticationDomainParameterInfo {
                protocol: protocol.to_string(),
                domain_parameter: parse_algorithm_identifier(alg)?,
                key_id: opt_int(items.get(2), "keyId")?,
            },
        )));
    }
    if let Some(algorithm) = CaAlgorithm::from_oid(protocol) {
        no_more(items, 3, "ChipAuthenticationInfo")?;
        return Ok(Some(SecurityInfo::ChipAuthentication(
            ChipAuthenticationInfo {
                protocol: protocol.to_string(),
                algorithm: Some(algorithm),
                version: get_int(items.get(1), "ChipAuthenticationInfo.version")?,
                key_id: opt_int(items.get(2), "ChipAuthenticationInfo.keyId")?,
            },
        )));
    }
    if oid_is(protocol, oid::PK_DH) || oid_is(protocol, oid::PK_ECDH) {
        no_more(items, 3, "ChipAuthenticationPublicKeyInfo")?;
        return Ok(Some(SecurityInfo::ChipAuthenticationPublicKey(
            ChipAuthenticationPublicKeyInfo {
                protocol: protocol.to_string(),
                public_key: parse_spki(items.get(1))?,
                key_id: opt_int(items.get(2), "ChipAuthenticationPublicKeyInfo.keyId")?,
            },
        )));
    }
    if oid_is(protocol, oid::AA) {
        no_more(items, 3, "ActiveAuthenticationInfo")?;
        return Ok(Some(SecurityInfo::ActiveAuthentication(
            ActiveAuthenticationInfo {
                version: get_int(items.get(1), "ActiveAuthenticationInfo.version")?,
                signature_algorithm: get_oid(
                    items.get(2),
                    "ActiveAuthenticationInfo.signatureAlgorithm",
                )?,
            },
        )));
    }
    if oid_is(protocol, oid::TA) {
        no_more(items, 3, "TerminalAuthenticationInfo")?;
        let ef_cvca = match items.get(2) {
            None => None,
            Some(f) if f.tag == 0x30 => {
                let v = children(f)?;
                no_more(&v, 2, "FileID")?;
                let fid = octets(v.first(), "FileID.fid")?;
                if fid.len() != 2 {
                    return Err(invalid("FileID.fid", "must be 2 octets"));
                }
                let sfid = match v.get(1) {
                    Some(s) => Some(octets(Some(s), "FileID.sfid")?),
                    None => None,
                };
                Some(FileId { fid, sfid })
            }
            Some(_) => {
                return Err(invalid(
                    "TerminalAuthenticationInfo.efCVCA",
                    "expected SEQUENCE",
                ))
            }
        };
        return Ok(Some(SecurityInfo::TerminalAuthentication(
            TerminalAuthenticationInfo {
                version: get_int(items.get(1), "TerminalAuthenticationInfo.version")?,
                ef_cvca,
            },
        )));
    }
    Ok(None)
}

// ---------------------------------------------------------------------------------------------
// Encoding helpers (DER)
// ---------------------------------------------------------------------------------------------

fn der_oid(dotted: &str) -> Vec<u8> {
    // Only OIDs this module produced or decoded reach here; a malformed one encodes as empty.
    encode(0x06, &oid_from_str(dotted).unwrap_or_default())
}

fn der_typed_oid(oid: ObjectIdentifier) -> Vec<u8> {
    encode(0x06, oid.as_bytes())
}

fn der_seq(parts: &[Vec<u8>]) -> Vec<u8> {
    encode(0x30, &parts.concat())
}

impl EcParameters {
    /// DER `ECParameters`.
    pub fn to_der(&self) -> Vec<u8> {
        let mut parts = vec![
            int_tlv(0x02, 1),
            der_seq(&[der_typed_oid(oid::PRIME_FIELD), uint_tlv(&self.p)]),
            der_seq(&[encode(0x04, &self.a), encode(0x04, &self.b)]),
            encode(0x04, &self.g),
            uint_tlv(&self.n),
        ];
        if let Some(h) = &self.h {
            parts.push(uint_tlv(h));
        }
        der_seq(&parts)
    }
}

impl DomainParameters {
    /// DER `AlgorithmIdentifier`.
    pub fn to_der(&self) -> Vec<u8> {
        match self {
            DomainParameters::Standardized(id) => der_seq(&[
                der_typed_oid(oid::STANDARDIZED_DOMAIN_PARAMETERS),
                int_tlv(0x02, *id),
            ]),
            DomainParameters::Ec { algorithm, params } => {
                der_seq(&[der_oid(algorithm), params.to_der()])
            }
            DomainParameters::EcNamedCurve(curve) => {
                der_seq(&[der_typed_oid(oid::EC_PUBLIC_KEY), der_oid(curve)])
            }
            DomainParameters::Dh { algorithm, params } => {
                let mut inner = vec![uint_tlv(&params.p), uint_tlv(&params.g)];
                if let Some(q) = &params.q {
                    inner.push(uint_tlv(q));
                }
                inner.push(params.optional.clone());
                der_seq(&[der_oid(algorithm), der_seq(&inner)])
            }
            DomainParameters::Other {
                algorithm,
                parameters,
            } => {
                let mut parts = vec![der_oid(algorithm)];
                if let Some(p) = parameters {
                    parts.push(p.clone());
                }
                der_seq(&parts)
            }
        }
    }
}

impl SubjectPublicKeyInfo {
    /// DER `SubjectPublicKeyInfo`.
    pub fn to_der(&self) -> Vec<u8> {
        let mut bits = vec![0u8];
        bits.extend_from_slice(&self.subject_public_key);
        der_seq(&[self.algorithm.to_der(), encode(0x03, &bits)])
    }
}

impl SecurityInfo {
    /// The protocol OID, dotted.
    pub fn protocol(&self) -> String {
        match self {
            SecurityInfo::Pace(i) => i.protocol.clone(),
            SecurityInfo::PaceDomainParameter(i) => i.protocol.clone(),
            SecurityInfo::ChipAuthentication(i) => i.protocol.clone(),
            SecurityInfo::ChipAuthenticationDomainParameter(i) => i.protocol.clone(),
            SecurityInfo::ChipAuthenticationPublicKey(i) => i.protocol.clone(),
            SecurityInfo::ActiveAuthentication(_) => oid::AA.to_string(),
            SecurityInfo::TerminalAuthentication(_) => oid::TA.to_string(),
            SecurityInfo::Other(i) => i.protocol.clone(),
        }
    }

    /// DER encoding of the entry.
    pub fn to_der(&self) -> Vec<u8> {
        let opt = |v: &Option<i64>| v.map(|v| int_tlv(0x02, v));
        match self {
            SecurityInfo::Pace(i) => {
                let mut p = vec![der_oid(&i.protocol), int_tlv(0x02, i.version)];
                p.extend(opt(&i.parameter_id));
                der_seq(&p)
            }
            SecurityInfo::PaceDomainParameter(i) => {
                let mut p = vec![der_oid(&i.protocol), i.domain_parameter.to_der()];
                p.extend(opt(&i.parameter_id));
                der_seq(&p)
            }
            SecurityInfo::ChipAuthentication(i) => {
                let mut p = vec![der_oid(&i.protocol), int_tlv(0x02, i.version)];
                p.extend(opt(&i.key_id));
                der_seq(&p)
            }
            SecurityInfo::ChipAuthenticationDomainParameter(i) => {
                let mut p = vec![der_oid(&i.protocol), i.domain_parameter.to_der()];
                p.extend(opt(&i.key_id));
                der_seq(&p)
            }
            SecurityInfo::ChipAuthenticationPublicKey(i) => {
                let mut p = vec![der_oid(&i.protocol), i.public_key.to_der()];
                p.extend(opt(&i.key_id));
                der_seq(&p)
            }
            SecurityInfo::ActiveAuthentication(i) => der_seq(&[
                der_typed_oid(oid::AA),
                int_tlv(0x02, i.version),
                der_oid(&i.signature_algorithm),
            ]),
            SecurityInfo::TerminalAuthentication(i) => {
                let mut p = vec![der_typed_oid(oid::TA), int_tlv(0x02, i.version)];
                if let Some(f) = &i.ef_cvca {
                    let mut fp = vec![encode(0x04, &f.fid)];
                    if let Some(s) = &f.sfid {
                        fp.push(encode(0x04, s));
                    }
                    p.push(der_seq(&fp));
                }
                der_seq(&p)
            }
            SecurityInfo::Other(i) => i.raw.clone(),
        }
    }
}

impl PaceInfo {
    /// A version-2 PACEInfo for standardized domain parameters.
    pub fn new(algorithm: PaceAlgorithm, parameter_id: i64) -> Option<Self> {
        Some(PaceInfo {
            protocol: algorithm.oid()?,
            algorithm,
            version: 2,
            parameter_id: Some(parameter_id),
        })
    }
}

impl ChipAuthenticationPublicKeyInfo {
    /// An ECDH Chip Authentication key with standardized domain parameters (the form ICAO
    /// 9303-11 App. I uses for PACE-CAM).
    pub fn ecdh_standardized(
        parameter_id: i64,
        public_point: Vec<u8>,
        key_id: Option<i64>,
    ) -> Self {
        ChipAuthenticationPublicKeyInfo {
            protocol: oid::PK_ECDH.to_string(),
            public_key: SubjectPublicKeyInfo {
                algorithm: DomainParameters::Standardized(parameter_id),
                subject_public_key: public_point,
            },
            key_id,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SecurityInfos
// ---------------------------------------------------------------------------------------------

/// Ranking key of a PACEInfo (see [`SecurityInfos::best_pace_info`]).
type Rank = (bool, u8, u32, u32, bool);

fn pace_rank(info: &PaceInfo) -> Rank {
    let alg = info.algorithm;
    let mapping = match alg.mapping {
        PaceMapping::ChipAuthentication => 2,
        PaceMapping::Generic => 1,
        PaceMapping::Integrated => 0,
    };
    let strength = info
        .parameter_id
        .and_then(standardized_security_bits)
        .unwrap_or(0);
    (
        alg.cipher != CipherSuite::Tdes,
        mapping,
        alg.cipher.key_bits(),
        strength,
        alg.key_agreement == KeyAgreement::Ecdh,
    )
}

impl SecurityInfos {
    /// Decodes `SecurityInfos` (the content of EF.CardAccess): a DER SET. Bytes after the SET
    /// (files are often larger than their content) are ignored.
    pub fn parse(input: &[u8]) -> Result<Self, LdsError> {
        if input.len() > MAX_SECURITY_INFOS_LEN {
            return Err(invalid(
                "SecurityInfos",
                &format!(
                    "{} bytes is more than the {MAX_SECURITY_INFOS_LEN} accepted",
                    input.len()
                ),
            ));
        }
        let (set, _trailing) = parse_one(input).map_err(LdsError::tlv(FILE_SI))?;
        if set.tag != 0x31 {
            return Err(LdsError::UnexpectedTag {
                file: FILE_SI,
                expected: 0x31,
                found: set.tag,
            });
        }
        let entries = children(&set)?;
        if entries.len() > MAX_ENTRIES {
            return Err(invalid("SecurityInfos", "too many entries"));
        }
        let infos = entries
            .iter()
            .map(parse_entry)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SecurityInfos { infos })
    }

    /// Decodes EF.DG14: tag `6E` around `SecurityInfos`.
    pub fn parse_dg14(input: &[u8]) -> Result<Self, LdsError> {
        let (outer, _) = parse_one(input).map_err(LdsError::tlv("EF.DG14"))?;
        if outer.tag != 0x6E {
            return Err(LdsError::UnexpectedTag {
                file: "EF.DG14",
                expected: 0x6E,
                found: outer.tag,
            });
        }
        Self::parse(outer.value)
    }

    /// Decodes EF.CardSecurity: CMS `SignedData` with content type `id-SecurityObject`
    /// holding `SecurityInfos`. The signature is not checked here.
    pub fn parse_card_security(input: &[u8]) -> Result<(SignedData, Self), LdsError> {
        let sd = SignedData::parse(input)?;
        if !oid_is(&sd.content_type, crate::sod::oid::SECURITY_OBJECT) {
            return Err(LdsError::Invalid {
                file: "EF.CardSecurity",
                element: "eContentType",
                reason: format!(
                    "{} is not id-SecurityObject ({})",
                    sd.content_type,
                    crate::sod::oid::SECURITY_OBJECT
                ),
            });
        }
        let content = sd.content.as_deref().ok_or(LdsError::Missing {
            file: "EF.CardSecurity",
            element: "eContent",
        })?;
        let infos = Self::parse(content)?;
        Ok((sd, infos))
    }

    /// `SET OF SecurityInfo` with the entries in their order in `infos` (real files are not
    /// always DER-sorted; keeping the order reproduces them exactly). Each entry is DER.
    pub fn to_der(&self) -> Vec<u8> {
        let parts: Vec<Vec<u8>> = self.infos.iter().map(SecurityInfo::to_der).collect();
        encode(0x31, &parts.concat())
    }

    /// EF.DG14 encoding (`6E` around the DER set).
    pub fn to_dg14(&self) -> Vec<u8> {
        encode(0x6E, &self.to_der())
    }

    /// All PACEInfos.
    pub fn pace_infos(&self) -> impl Iterator<Item = &PaceInfo> {
        self.infos.iter().filter_map(|i| match i {
            SecurityInfo::Pace(p) => Some(p),
            _ => None,
        })
    }

    /// All PACEDomainParameterInfos.
    pub fn pace_domain_parameter_infos(&self) -> impl Iterator<Item = &PaceDomainParameterInfo> {
        self.infos.iter().filter_map(|i| match i {
            SecurityInfo::PaceDomainParameter(p) => Some(p),
            _ => None,
        })
    }

    /// All ChipAuthenticationInfos.
    pub fn chip_authentication_infos(&self) -> impl Iterator<Item = &ChipAuthenticationInfo> {
        self.infos.iter().filter_map(|i| match i {
            SecurityInfo::ChipAuthentication(p) => Some(p),
            _ => None,
        })
    }

    /// All ChipAuthenticationPublicKeyInfos.
    pub fn chip_authentication_public_keys(
        &self,
    ) -> impl Iterator<Item = &ChipAuthenticationPublicKeyInfo> {
        self.infos.iter().filter_map(|i| match i {
            SecurityInfo::ChipAuthenticationPublicKey(p) => Some(p),
            _ => None,
        })
    }

    /// The Chip Authentication public key with this key id (or the only one when `key_id` is
    /// `None` and there is exactly one).
    pub fn chip_authentication_public_key(
        &self,
        key_id: Option<i64>,
    ) -> Option<&ChipAuthenticationPublicKeyInfo> {
        let mut keys = self.chip_authentication_public_keys();
        match key_id {
            Some(id) => keys.find(|k| k.key_id == Some(id)),
            None => {
                let first = keys.next()?;
                keys.next().is_none().then_some(first)
            }
        }
    }

    /// The ActiveAuthenticationInfo, if any.
    pub fn active_authentication_info(&self) -> Option<&ActiveAuthenticationInfo> {
        self.infos.iter().find_map(|i| match i {
            SecurityInfo::ActiveAuthentication(a) => Some(a),
            _ => None,
        })
    }

    /// The explicit domain parameters a PACEInfo refers to: the PACEDomainParameterInfo with
    /// the same parameter id (or the only one, when neither names an id).
    pub fn pace_domain_parameters_for(&self, info: &PaceInfo) -> Option<&PaceDomainParameterInfo> {
        let mut candidates = self.pace_domain_parameter_infos();
        match info.parameter_id {
            Some(id) => candidates.find(|d| d.parameter_id == Some(id)),
            None => {
                let first = candidates.next()?;
                candidates.next().is_none().then_some(first)
            }
        }
    }

    /// The PACEInfo a terminal should use, or `None` when there is no usable one.
    ///
    /// Usable: version 2 and either standardized domain parameters (ids 0–2, 8–18) or a
    /// matching PACEDomainParameterInfo. Ranking, most important first:
    /// 1. AES over 3DES (3DES is deprecated);
    /// 2. mapping: Chip Authentication Mapping > Generic > Integrated (CAM also authenticates
    ///    the chip; GM is the most widely deployed);
    /// 3. AES key length: 256 > 192 > 128;
    /// 4. security strength of the standardized group (e.g. P-384 > brainpoolP256r1 >
    ///    2048-bit MODP); explicit parameters rank lowest;
    /// 5. ECDH over DH.
    ///
    /// Ties keep file order.
    pub fn best_pace_info(&self) -> Option<&PaceInfo> {
        let mut best: Option<(&PaceInfo, Rank)> = None;
        for info in self.pace_infos().filter(|i| self.pace_info_usable(i)) {
            let rank = pace_rank(info);
            let better = match &best {
                None => true,
                Some((_, current)) => *current < rank,
            };
            if better {
                best = Some((info, rank));
            }
        }
        best.map(|(info, _)| info)
    }

    fn pace_info_usable(&self, info: &PaceInfo) -> bool {
        if info.version != 2 {
            return false;
        }
        match info.parameter_id {
            Some(id) if standardized_key_agreement(id).is_some() => {
                standardized_key_agreement(id) == Some(info.algorithm.key_agreement)
            }
            _ => self.pace_domain_parameters_for(info).is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pace_oids_round_trip() {
        let mut n = 0;
        for family in [1u64, 2, 3, 4, 5, 6, 7] {
            for c in 0u64..6 {
                let dotted = format!("{}.{family}.{c}", oid::PACE);
                if let Some(alg) = PaceAlgorithm::from_oid(&dotted) {
                    assert_eq!(alg.oid().as_deref(), Some(dotted.as_str()));
                    n += 1;
                }
            }
        }
        assert_eq!(n, 19);
        let alg = PaceAlgorithm::from_oid("0.4.0.127.0.7.2.2.4.6.4").unwrap();
        assert_eq!(alg.name(), "id-PACE-ECDH-CAM-AES-CBC-CMAC-256");
        assert!(PaceAlgorithm::from_oid("0.4.0.127.0.7.2.2.4.6.1").is_none());
        assert!(PaceAlgorithm::from_oid("0.4.0.127.0.7.2.2.4.2").is_none());
        assert!(PaceAlgorithm::from_oid("0.4.0.127.0.7.2.2.4.2.2.1").is_none());
    }

    #[test]
    fn der_integers() {
        assert_eq!(int_tlv(0x02, 0), [2, 1, 0]);
        assert_eq!(int_tlv(0x02, 127), [2, 1, 0x7F]);
        assert_eq!(int_tlv(0x02, 128), [2, 2, 0, 0x80]);
        assert_eq!(int_tlv(0x02, -1), [2, 1, 0xFF]);
        assert_eq!(uint_tlv(&[0, 0, 0x80]), [2, 2, 0, 0x80]);
        assert_eq!(uint_tlv(&[]), [2, 1, 0]);
    }
}
