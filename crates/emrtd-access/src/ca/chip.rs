//! Chip side of Chip Authentication versions 1 and 2 (for the virtual chip).

use super::{
    authentication_token_v2, check_key_id, parse_key_id, protocol_oid, session_keys,
    session_keys_v2, status, CaError, CaVersion, INS_GA, INS_MSE, NONCE_LEN, P1_SET_COMPUTE, P2_AT,
    P2_KAT, TAG_DYNAMIC, TAG_GA_PUBLIC_KEY, TAG_KAT_PUBLIC_KEY, TAG_KEY_ID, TAG_OID,
};
use emrtd_apdu::{CommandApdu, ResponseApdu, StatusWord};
use emrtd_crypto::pk::{Group, PrivateKey};
use emrtd_lds::security_infos::{
    oid, CaAlgorithm, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, CipherSuite,
    DhParameters, DomainParameters, EcParameters, KeyAgreement, SecurityInfo, SubjectPublicKeyInfo,
};
use emrtd_sm::SecureMessaging;
use emrtd_tlv::{encode, parse_all};
use rand_core::{CryptoRngCore, RngCore};

/// A plain response and, after a successful key agreement, the new session.
type Handled = Result<(ResponseApdu, Option<SecureMessaging>), StatusWord>;

/// ISO 7816-4: command chaining not supported.
const SW_CHAINING_NOT_SUPPORTED: StatusWord = StatusWord(0x6884);

/// How the domain parameters of the public key are written in a ChipAuthenticationPublicKeyInfo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DomainParameterEncoding {
    /// Explicit parameters (`id-ecPublicKey` with `ECParameters`, `dhpublicnumber` /
    /// `dhKeyAgreement` with p, g [, q]) — what TR-03110 asks of Chip Authentication version 1.
    Explicit,
    /// `standardizedDomainParameters` with the ICAO id (standardized groups only).
    Standardized,
}

/// Chip side of Chip Authentication (version 1, or version 2 for a version-2
/// ChipAuthenticationInfo): one static key pair and its protocol.
///
/// [`handle`](CaChip::handle) takes commands already unwrapped from secure messaging and
/// returns the plain response plus, when the key agreement succeeded, the new session. The
/// chip must protect that response with the OLD session and only then install the new one
/// (SSC 0). A chip with several keys uses one `CaChip` per key and routes by key id.
pub struct CaChip {
    version: CaVersion,
    algorithm: CaAlgorithm,
    key_id: Option<i64>,
    group: Group,
    private_key: PrivateKey,
    public_key: Vec<u8>,
    /// MSE:Set AT for this key was accepted; GENERAL AUTHENTICATE may follow.
    selected: bool,
}

impl core::fmt::Debug for CaChip {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CaChip")
            .field("version", &self.version)
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.key_id)
            .field("group", &self.group.name())
            .field("selected", &self.selected)
            .finish_non_exhaustive()
    }
}

/// A version-1 ChipAuthenticationInfo for an algorithm and optional key id.
pub fn chip_authentication_info(
    algorithm: CaAlgorithm,
    key_id: Option<i64>,
) -> ChipAuthenticationInfo {
    ChipAuthenticationInfo {
        protocol: protocol_oid(&algorithm),
        algorithm: Some(algorithm),
        version: 1,
        key_id,
    }
}

/// A version-2 ChipAuthenticationInfo for an algorithm and optional key id (TR-03110-3 §A.1.1.2).
pub fn chip_authentication_info_v2(
    algorithm: CaAlgorithm,
    key_id: Option<i64>,
) -> ChipAuthenticationInfo {
    ChipAuthenticationInfo {
        version: 2,
        ..chip_authentication_info(algorithm, key_id)
    }
}

impl CaChip {
    /// A chip key from its private key (big-endian; EC: 1 ≤ k < n, DH: 1 ≤ x < p) on `group`,
    /// for the protocol of `info` (version 1 or 2, key agreement matching the group).
    pub fn new(
        group: Group,
        private_key: &[u8],
        info: &ChipAuthenticationInfo,
    ) -> Result<Self, CaError> {
        let sk = group
            .private_key_from_bytes(private_key)
            .map_err(CaError::InvalidPrivateKey)?;
        Self::build(group, sk, info)
    }

    /// A chip with a fresh random key pair.
    pub fn generate(
        group: Group,
        info: &ChipAuthenticationInfo,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, CaError> {
        let sk = group.generate_private_key(rng);
        Self::build(group, sk, info)
    }

    fn build(group: Group, sk: PrivateKey, info: &ChipAuthenticationInfo) -> Result<Self, CaError> {
        let version =
            CaVersion::of(info.version).ok_or(CaError::UnsupportedVersion(info.version))?;
        let algorithm = info
            .algorithm
            .ok_or_else(|| CaError::UnknownProtocol(info.protocol.clone()))?;
        let group_ka = if group.is_ec() {
            KeyAgreement::Ecdh
        } else {
            KeyAgreement::Dh
        };
        if algorithm.key_agreement != group_ka {
            return Err(CaError::KeyAgreementMismatch(format!(
                "{} does not match the domain parameters {}",
                info.protocol,
                group.name()
            )));
        }
        if let Some(id) = info.key_id {
            check_key_id(id)?;
        }
        let pk = group
            .public_key(&sk, &group.generator())
            .map_err(CaError::KeyAgreement)?;
        let public_key = group
            .encode_public_key(&pk)
            .map_err(CaError::KeyAgreement)?;
        Ok(CaChip {
            version,
            algorithm,
            key_id: info.key_id,
            group,
            private_key: sk,
            public_key,
            selected: false,
        })
    }

    /// The version this key runs.
    pub fn version(&self) -> CaVersion {
        self.version
    }

    /// The protocol.
    pub fn algorithm(&self) -> CaAlgorithm {
        self.algorithm
    }

    /// The key id, if any.
    pub fn key_id(&self) -> Option<i64> {
        self.key_id
    }

    /// The static public key (EC point `04||X||Y`, or DH unsigned integer).
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// The ChipAuthenticationInfo of this key (its version).
    pub fn chip_authentication_info(&self) -> ChipAuthenticationInfo {
        ChipAuthenticationInfo {
            version: i64::from(self.version.number()),
            ..chip_authentication_info(self.algorithm, self.key_id)
        }
    }

    /// The ChipAuthenticationPublicKeyInfo of this key for DG14 / EF.CardSecurity.
    pub fn public_key_info(
        &self,
        encoding: DomainParameterEncoding,
    ) -> Result<ChipAuthenticationPublicKeyInfo, CaError> {
        let algorithm = match encoding {
            DomainParameterEncoding::Standardized => {
                let id = self.group.standardized_id().ok_or_else(|| {
                    CaError::DomainParameters(format!(
                        "{} has no standardized domain parameter id",
                        self.group.name()
                    ))
                })?;
                DomainParameters::Standardized(i64::from(id))
            }
            DomainParameterEncoding::Explicit => explicit_parameters(&self.group),
        };
        let (protocol, subject_public_key) = match &self.group {
            Group::Ec(_) => (oid::PK_ECDH, self.public_key.clone()),
            Group::Dh(_) => (oid::PK_DH, der_unsigned_integer(&self.public_key)),
        };
        Ok(ChipAuthenticationPublicKeyInfo {
            protocol: protocol.to_string(),
            public_key: SubjectPublicKeyInfo {
                algorithm,
                subject_public_key,
            },
            key_id: self.key_id,
        })
    }

    /// Both SecurityInfos for DG14: ChipAuthenticationPublicKeyInfo and ChipAuthenticationInfo.
    pub fn security_infos(
        &self,
        encoding: DomainParameterEncoding,
    ) -> Result<Vec<SecurityInfo>, CaError> {
        Ok(vec![
            SecurityInfo::ChipAuthenticationPublicKey(self.public_key_info(encoding)?),
            SecurityInfo::ChipAuthentication(self.chip_authentication_info()),
        ])
    }

    /// Whether `cmd` is for Chip Authentication: MSE:Set KAT, MSE:Set AT for internal
    /// authentication (`41 A4`), or GENERAL AUTHENTICATE after this chip accepted MSE:Set AT.
    pub fn handles(&self, cmd: &CommandApdu) -> bool {
        (cmd.ins == INS_MSE && cmd.p1 == P1_SET_COMPUTE && (cmd.p2 == P2_KAT || cmd.p2 == P2_AT))
            || (cmd.ins == INS_GA && self.selected)
    }

    /// Answers one plain (SM-unwrapped) command of version 1. Returns the plain response and,
    /// on a successful key agreement, the new session to install after protecting the response
    /// with the old one. Errors: unusable data or invalid terminal key `6A80`, unknown key
    /// reference `6A88`, GENERAL AUTHENTICATE without MSE:Set AT `6985`. A version-2 key draws
    /// its nonce from a random source: use [`handle_with_rng`](Self::handle_with_rng) (here its
    /// GENERAL AUTHENTICATE is refused with `6985`).
    pub fn handle(&mut self, cmd: &CommandApdu) -> (ResponseApdu, Option<SecureMessaging>) {
        self.dispatch(cmd, None)
    }

    /// As [`handle`](Self::handle), with the random source of the version 2 nonce r_PICC.
    pub fn handle_with_rng(
        &mut self,
        cmd: &CommandApdu,
        rng: &mut dyn RngCore,
    ) -> (ResponseApdu, Option<SecureMessaging>) {
        self.dispatch(cmd, Some(rng))
    }

    fn dispatch(
        &mut self,
        cmd: &CommandApdu,
        rng: Option<&mut dyn RngCore>,
    ) -> (ResponseApdu, Option<SecureMessaging>) {
        let result = match (cmd.ins, cmd.p1, cmd.p2) {
            (INS_MSE, P1_SET_COMPUTE, P2_KAT) => self.set_kat(&cmd.data),
            (INS_MSE, P1_SET_COMPUTE, P2_AT) => self.set_at(&cmd.data),
            (INS_GA, _, _) => self.general_authenticate(cmd, rng),
            _ => Err(StatusWord::INS_NOT_SUPPORTED),
        };
        match result {
            Ok((resp, session)) => (resp, session),
            Err(sw) => {
                self.selected = false;
                (status(sw), None)
            }
        }
    }

    fn set_kat(&mut self, data: &[u8]) -> Handled {
        self.selected = false;
        if self.algorithm.cipher != CipherSuite::Tdes || self.version == CaVersion::V2 {
            // TR-03110-3 §B.2: MSE:Set KAT only for version 1 with 3DES.
            return Err(StatusWord::WRONG_DATA);
        }
        let (public_key, key_ref) = split_objects(data, TAG_KAT_PUBLIC_KEY)?;
        let public_key = public_key.ok_or(StatusWord::WRONG_DATA)?;
        self.check_key_ref(key_ref)?;
        let k = self.agree(public_key)?;
        let (k_enc, k_mac) = session_keys(&k, self.algorithm.cipher);
        Ok((status(StatusWord::OK), Some(new_session(k_enc, k_mac)?)))
    }

    fn set_at(&mut self, data: &[u8]) -> Handled {
        self.selected = false;
        let (mechanism, key_ref) = split_objects(data, TAG_OID)?;
        let mechanism = mechanism.ok_or(StatusWord::WRONG_DATA)?;
        let requested = emrtd_lds::sod::oid_to_string(mechanism)
            .and_then(|o| CaAlgorithm::from_oid(&o))
            .ok_or(StatusWord::WRONG_DATA)?;
        if requested != self.algorithm {
            return Err(StatusWord::WRONG_DATA);
        }
        self.check_key_ref(key_ref)?;
        self.selected = true;
        Ok((status(StatusWord::OK), None))
    }

    fn general_authenticate(
        &mut self,
        cmd: &CommandApdu,
        rng: Option<&mut dyn RngCore>,
    ) -> Handled {
        if !self.selected {
            return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        self.selected = false;
        if cmd.cla & 0x10 != 0 {
            return Err(SW_CHAINING_NOT_SUPPORTED);
        }
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return Err(StatusWord::INCORRECT_P1P2);
        }
        let outer = emrtd_tlv::parse_exact(&cmd.data).map_err(|_| StatusWord::WRONG_DATA)?;
        if outer.tag != TAG_DYNAMIC {
            return Err(StatusWord::WRONG_DATA);
        }
        let inner = emrtd_tlv::parse_exact(outer.value).map_err(|_| StatusWord::WRONG_DATA)?;
        if inner.tag != TAG_GA_PUBLIC_KEY {
            return Err(StatusWord::WRONG_DATA);
        }
        match self.version {
            CaVersion::V1 => {
                let k = self.agree(inner.value)?;
                let (k_enc, k_mac) = session_keys(&k, self.algorithm.cipher);
                Ok((
                    ResponseApdu::new(encode(TAG_DYNAMIC, &[]), StatusWord::OK),
                    Some(new_session(k_enc, k_mac)?),
                ))
            }
            CaVersion::V2 => {
                let rng = rng.ok_or(StatusWord::CONDITIONS_NOT_SATISFIED)?;
                let k = self.agree(inner.value)?;
                let mut nonce = [0u8; NONCE_LEN];
                rng.fill_bytes(&mut nonce);
                let (k_enc, k_mac) = session_keys_v2(&k, &nonce, self.algorithm.cipher);
                let token = authentication_token_v2(&k_mac, &self.algorithm, inner.value)
                    .map_err(|_| StatusWord::UNKNOWN)?;
                let mut data = encode(0x81, &nonce);
                data.extend(encode(0x82, &token));
                Ok((
                    ResponseApdu::new(encode(TAG_DYNAMIC, &data), StatusWord::OK),
                    Some(new_session(k_enc, k_mac)?),
                ))
            }
        }
    }

    /// A key reference must name this key; absent is fine (one key).
    fn check_key_ref(&self, key_ref: Option<&[u8]>) -> Result<(), StatusWord> {
        let Some(bytes) = key_ref else {
            return Ok(());
        };
        let id = parse_key_id(bytes).ok_or(StatusWord::WRONG_DATA)?;
        if Some(id) == self.key_id {
            Ok(())
        } else {
            Err(StatusWord::REFERENCED_DATA_NOT_FOUND)
        }
    }

    /// Validates the terminal's ephemeral public key and computes the shared secret K.
    fn agree(&self, terminal_key: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>, StatusWord> {
        let (_, shared) = self
            .group
            .decode_and_agree(&self.private_key, terminal_key)
            .map_err(|_| StatusWord::WRONG_DATA)?;
        self.group
            .shared_secret_bytes(&shared)
            .map_err(|_| StatusWord::WRONG_DATA)
    }
}

/// A session with the new keys and the send sequence counter at zero.
fn new_session(
    k_enc: emrtd_crypto::sym::SymKey,
    k_mac: emrtd_crypto::sym::SymKey,
) -> Result<SecureMessaging, StatusWord> {
    let ssc = vec![0u8; k_enc.cipher().block_size()];
    SecureMessaging::from_keys(k_enc, k_mac, &ssc).map_err(|_| StatusWord::UNKNOWN)
}

/// The main data object and the key reference of an MSE command.
type MseObjects<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

/// Splits MSE data into the object with `main_tag` and the key reference `84`. Unknown or
/// repeated objects are refused.
fn split_objects(data: &[u8], main_tag: u32) -> Result<MseObjects<'_>, StatusWord> {
    let dos = parse_all(data).map_err(|_| StatusWord::WRONG_DATA)?;
    let mut main = None;
    let mut key_ref = None;
    for d in dos {
        let slot = if d.tag == main_tag {
            &mut main
        } else if d.tag == TAG_KEY_ID {
            &mut key_ref
        } else {
            return Err(StatusWord::WRONG_DATA);
        };
        if slot.replace(d.value).is_some() {
            return Err(StatusWord::WRONG_DATA);
        }
    }
    Ok((main, key_ref))
}

/// Strips leading zero octets (keeps one octet for zero).
fn minimal(bytes: &[u8]) -> Vec<u8> {
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    bytes.get(start..).unwrap_or_default().to_vec()
}

/// DER INTEGER of an unsigned big-endian value.
fn der_unsigned_integer(value: &[u8]) -> Vec<u8> {
    let mut content = minimal(value);
    match content.first() {
        Some(b) if b & 0x80 == 0 => {}
        _ => content.insert(0, 0),
    }
    encode(0x02, &content)
}

/// Explicit domain parameters of a group.
fn explicit_parameters(group: &Group) -> DomainParameters {
    match group {
        Group::Ec(c) => DomainParameters::Ec {
            algorithm: oid::EC_PUBLIC_KEY.to_string(),
            params: EcParameters {
                p: minimal(&c.p()),
                a: c.a(),
                b: c.b(),
                g: c.encode_point(&c.generator()),
                n: minimal(&c.order()),
                h: Some(minimal(&c.cofactor())),
            },
        },
        Group::Dh(g) => {
            let q = g.q().map(|q| minimal(&q));
            DomainParameters::Dh {
                algorithm: if q.is_some() {
                    oid::DH_PUBLIC_NUMBER
                } else {
                    oid::DH_KEY_AGREEMENT
                }
                .to_string(),
                params: DhParameters {
                    p: minimal(&g.p()),
                    g: minimal(&g.g()),
                    q,
                    optional: Vec::new(),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_integers() {
        assert_eq!(der_unsigned_integer(&[0x00, 0x7F]), [2, 1, 0x7F]);
        assert_eq!(der_unsigned_integer(&[0x80]), [2, 2, 0, 0x80]);
        assert_eq!(der_unsigned_integer(&[]), [2, 1, 0]);
        assert_eq!(der_unsigned_integer(&[0, 0]), [2, 1, 0]);
    }
}
