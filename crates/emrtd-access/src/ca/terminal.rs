//! Terminal (reader) side of Chip Authentication versions 1 and 2.

use super::{
    authentication_token_v2, describe_group, key_id_bytes, protocol_name, protocol_oid, resolve,
    session_keys, session_keys_v2, CaCommandStyle, CaError, CaReport, CaStatus, CaVersion,
    Resolved, INS_GA, INS_MSE, NONCE_LEN, P1_SET_COMPUTE, P2_AT, P2_KAT, TAG_DYNAMIC,
    TAG_GA_PUBLIC_KEY, TAG_KAT_PUBLIC_KEY, TAG_KEY_ID, TAG_OID,
};
use emrtd_apdu::{CommandApdu, ResponseApdu, SHORT_LC_MAX};
use emrtd_crypto::pk::{PkError, PrivateKey};
use emrtd_crypto::sym::SymKey;
use emrtd_lds::security_infos::{
    CaAlgorithm, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, CipherSuite,
};
use emrtd_sm::SecureMessaging;
use emrtd_tlv::encode;
use rand_core::CryptoRngCore;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Terminal side of Chip Authentication (version 1, or version 2 for a version-2
/// ChipAuthenticationInfo), as a sans-IO state machine.
///
/// 1. [`CaTerminal::new`] (or [`CaTerminal::with_ephemeral_private_key`] to replay a trace)
///    checks the chip's key, generates the ephemeral key pair and derives the new keys.
/// 2. Send [`commands`](CaTerminal::commands) in order, each protected with the CURRENT
///    secure messaging session. Pass the unprotected response to every command but the last
///    to [`check_intermediate`](CaTerminal::check_intermediate); stop at the first error.
/// 3. Pass the unprotected response to the last command to [`finish`](CaTerminal::finish):
///    it returns the new session (SSC 0) and a report pending confirmation.
/// 4. Version 1: send one command with the new session and give the unprotected result to
///    [`CaReport::confirm`]. Version 2: the chip's token was checked by `finish`; the report
///    is already [`CaStatus::Passed`].
///
/// On an error, [`failure_report`](CaTerminal::failure_report) gives the failed report; the
/// chip keeps the previous session when it refused a command.
#[derive(Debug)]
pub struct CaTerminal {
    version: CaVersion,
    algorithm: CaAlgorithm,
    inferred: bool,
    key_id: Option<i64>,
    group_name: String,
    style: CaCommandStyle,
    ephemeral_public: Vec<u8>,
    compressed: Vec<u8>,
    keys: Option<(SymKey, SymKey)>,
    /// Version 2: K, until the chip's nonce gives the session keys.
    shared_secret: Option<Zeroizing<Vec<u8>>>,
    /// The ephemeral private key (zeroized on drop, never printed): kept so that
    /// [`with_chip_key`](CaTerminal::with_chip_key) can run with another key of the chip.
    ephemeral: PrivateKey,
    /// Standardized id of the domain parameters (also of explicit ones equal to a set).
    group_id: Option<u8>,
}

impl CaTerminal {
    /// Prepares Chip Authentication with the chip's key (from DG14 / EF.CardSecurity) and its
    /// ChipAuthenticationInfo (`None` when the document has none: 3DES is then assumed, as for
    /// early passports). A fresh ephemeral key pair is drawn from `rng` on the key's domain
    /// parameters. Fails if the entries disagree or the chip's key is invalid.
    pub fn new(
        info: Option<&ChipAuthenticationInfo>,
        public_key_info: &ChipAuthenticationPublicKeyInfo,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, CaError> {
        let r = resolve(info, public_key_info)?;
        let sk = r.group.generate_private_key(rng);
        Self::build(r, public_key_info, &sk)
    }

    /// As [`new`](Self::new) with a given ephemeral private key (big-endian), to replay
    /// recorded sessions and published examples. Never reuse an ephemeral key otherwise.
    pub fn with_ephemeral_private_key(
        info: Option<&ChipAuthenticationInfo>,
        public_key_info: &ChipAuthenticationPublicKeyInfo,
        ephemeral_private_key: &[u8],
    ) -> Result<Self, CaError> {
        let r = resolve(info, public_key_info)?;
        let sk = r
            .group
            .private_key_from_bytes(ephemeral_private_key)
            .map_err(CaError::InvalidPrivateKey)?;
        Self::build(r, public_key_info, &sk)
    }

    fn build(
        r: Resolved,
        key: &ChipAuthenticationPublicKeyInfo,
        sk: &PrivateKey,
    ) -> Result<Self, CaError> {
        let group = &r.group;
        let value = key.public_key.public_value().map_err(|_| {
            CaError::InvalidChipKey(PkError::InvalidEncoding(
                "the DH public key is not a DER INTEGER",
            ))
        })?;
        // The chip's key is validated and the shared element computed in one step (for DH the
        // subgroup check and the agreement share their squarings).
        let shared = match group.decode_and_agree(sk, &value) {
            Ok((_, shared)) => shared,
            Err(e @ (PkError::IdentityResult | PkError::GroupMismatch)) => {
                return Err(CaError::KeyAgreement(e))
            }
            Err(e) => return Err(CaError::InvalidChipKey(e)),
        };
        let pk_pcd = group
            .public_key(sk, &group.generator())
            .map_err(CaError::KeyAgreement)?;
        let ephemeral_public = group
            .encode_public_key(&pk_pcd)
            .map_err(CaError::KeyAgreement)?;
        // Comp(PK_PCD) (TR-03110-3 §A.2.2.3): x-coordinate for ECDH, SHA-1 of the value for DH.
        let compressed = if group.is_ec() {
            group
                .shared_secret_bytes(&pk_pcd)
                .map_err(CaError::KeyAgreement)?
                .to_vec()
        } else {
            Sha1::digest(&ephemeral_public).to_vec()
        };
        let k = group
            .shared_secret_bytes(&shared)
            .map_err(CaError::KeyAgreement)?;
        let (keys, shared_secret, style) = match r.version {
            CaVersion::V1 => (
                Some(session_keys(&k, r.algorithm.cipher)),
                None,
                CaCommandStyle::default_for(r.algorithm.cipher),
            ),
            CaVersion::V2 => (None, Some(k), CaCommandStyle::MseSetAtGeneralAuthenticate),
        };
        let group_id = group.standardized_id().or_else(|| group.identify());
        Ok(CaTerminal {
            version: r.version,
            algorithm: r.algorithm,
            inferred: r.inferred,
            key_id: r.key_id,
            group_id,
            ephemeral: sk.clone(),
            group_name: describe_group(group),
            style,
            ephemeral_public,
            compressed,
            keys,
            shared_secret,
        })
    }

    /// The same ephemeral key pair, against another public key of the chip: Terminal
    /// Authentication version 2 names Comp(PK_PCD) before the chip's key is read from
    /// EF.CardSecurity (TR-03110-3 §A.1.2.2, §B.3), so Chip Authentication v2 then runs with
    /// that key and this very ephemeral key. Refused ([`CaError::DomainParameters`]) when the
    /// new key is not on the same standardized domain parameters.
    pub fn with_chip_key(
        &self,
        info: Option<&ChipAuthenticationInfo>,
        public_key_info: &ChipAuthenticationPublicKeyInfo,
    ) -> Result<CaTerminal, CaError> {
        let r = resolve(info, public_key_info)?;
        let id = r.group.standardized_id().or_else(|| r.group.identify());
        if id.is_none() || id != self.group_id {
            return Err(CaError::DomainParameters(format!(
                "the key is on {}, the ephemeral key on {}: not the same standardized domain parameters",
                describe_group(&r.group),
                self.group_name
            )));
        }
        let t = Self::build(r, public_key_info, &self.ephemeral)?;
        Ok(CaTerminal {
            style: self.style,
            ..t
        })
    }

    /// Chooses the commands (default: [`CaCommandStyle::default_for`] the cipher). Set KAT
    /// cannot be chosen for AES.
    pub fn with_command_style(mut self, style: CaCommandStyle) -> Result<Self, CaError> {
        if style == CaCommandStyle::MseSetKat && self.version == CaVersion::V2 {
            return Err(CaError::KatWithVersion2);
        }
        if style == CaCommandStyle::MseSetKat && self.algorithm.cipher != CipherSuite::Tdes {
            return Err(CaError::KatWithAes);
        }
        self.style = style;
        Ok(self)
    }

    /// The version run (that of the ChipAuthenticationInfo; 1 without one).
    pub fn version(&self) -> CaVersion {
        self.version
    }

    /// The protocol (key agreement and cipher).
    pub fn algorithm(&self) -> CaAlgorithm {
        self.algorithm
    }

    /// The key id sent as key reference, if any.
    pub fn key_id(&self) -> Option<i64> {
        self.key_id
    }

    /// The commands used.
    pub fn command_style(&self) -> CaCommandStyle {
        self.style
    }

    /// The terminal's ephemeral public key as sent (EC point `04||X||Y`, or DH unsigned integer).
    pub fn ephemeral_public_key(&self) -> &[u8] {
        &self.ephemeral_public
    }

    /// `Comp(PK_PCD)` for Terminal Authentication: the x-coordinate (ECDH) or the SHA-1 hash of
    /// the public value (DH).
    pub fn compressed_ephemeral_public_key(&self) -> &[u8] {
        &self.compressed
    }

    /// The derived `(KS_enc, KS_mac)` of version 1, until [`finish`](Self::finish) moves them
    /// into the session (version 2 derives them in `finish`, with the chip's nonce: `None`).
    pub fn session_keys(&self) -> Option<(&SymKey, &SymKey)> {
        self.keys.as_ref().map(|(e, m)| (e, m))
    }

    /// The plain commands, in order. Each must be protected with the current session.
    pub fn commands(&self) -> Vec<CommandApdu> {
        let key_ref = self
            .key_id
            .map(|id| encode(TAG_KEY_ID, &key_id_bytes(id)))
            .unwrap_or_default();
        match self.style {
            CaCommandStyle::MseSetKat => {
                let mut data = encode(TAG_KAT_PUBLIC_KEY, &self.ephemeral_public);
                data.extend(key_ref);
                vec![CommandApdu::new(0x00, INS_MSE, P1_SET_COMPUTE, P2_KAT).with_data(data)]
            }
            CaCommandStyle::MseSetAtGeneralAuthenticate => {
                let oid = emrtd_lds::sod::oid_from_str(&protocol_oid(&self.algorithm))
                    .unwrap_or_default();
                let mut mse = encode(TAG_OID, &oid);
                mse.extend(key_ref);
                let ga = encode(
                    TAG_DYNAMIC,
                    &encode(TAG_GA_PUBLIC_KEY, &self.ephemeral_public),
                );
                let le = if ga.len() > SHORT_LC_MAX {
                    emrtd_apdu::EXTENDED_LE_MAX
                } else {
                    emrtd_apdu::SHORT_LE_MAX
                };
                vec![
                    CommandApdu::new(0x00, INS_MSE, P1_SET_COMPUTE, P2_AT).with_data(mse),
                    CommandApdu::new(0x00, INS_GA, 0x00, 0x00)
                        .with_data(ga)
                        .with_le(le),
                ]
            }
        }
    }

    fn command_name(&self, index: usize) -> &'static str {
        match (self.style, index) {
            (CaCommandStyle::MseSetKat, _) => "MSE:Set KAT",
            (CaCommandStyle::MseSetAtGeneralAuthenticate, 0) => "MSE:Set AT",
            _ => "GENERAL AUTHENTICATE",
        }
    }

    /// Checks the (unprotected) response to a command other than the last one (MSE:Set AT):
    /// status 9000 and no data.
    pub fn check_intermediate(&self, response: &ResponseApdu) -> Result<(), CaError> {
        if self.style == CaCommandStyle::MseSetKat {
            return Err(CaError::InvalidState(
                "MSE:Set KAT is the only command: pass its response to finish()",
            ));
        }
        check_status(self.command_name(0), response)?;
        if !response.data.is_empty() {
            return Err(CaError::UnexpectedResponse {
                command: self.command_name(0),
                reason: format!(
                    "{} bytes of response data, expected none",
                    response.data.len()
                ),
            });
        }
        Ok(())
    }

    /// Takes the (unprotected) response to the last command and, if the chip accepted the
    /// key, returns the new secure messaging session (SSC 0) and a report pending
    /// confirmation. Use the new session for every following command.
    pub fn finish(
        &mut self,
        last_response: &ResponseApdu,
    ) -> Result<(SecureMessaging, CaReport), CaError> {
        let last = match self.style {
            CaCommandStyle::MseSetKat => 0,
            CaCommandStyle::MseSetAtGeneralAuthenticate => 1,
        };
        let command = self.command_name(last);
        check_status(command, last_response)?;
        if self.version == CaVersion::V2 {
            return self.finish_v2(&last_response.data);
        }
        let note = match self.style {
            CaCommandStyle::MseSetKat => {
                if !last_response.data.is_empty() {
                    return Err(CaError::UnexpectedResponse {
                        command,
                        reason: format!(
                            "{} bytes of response data, expected none",
                            last_response.data.len()
                        ),
                    });
                }
                ""
            }
            CaCommandStyle::MseSetAtGeneralAuthenticate => check_dynamic_data(&last_response.data)?,
        };
        let (k_enc, k_mac) = self
            .keys
            .take()
            .ok_or(CaError::InvalidState("finish() was already called"))?;
        let ssc = vec![0u8; k_enc.cipher().block_size()];
        let session = SecureMessaging::from_keys(k_enc, k_mac, &ssc).map_err(CaError::Sm)?;
        let mut report = self.report(CaStatus::PendingConfirmation, String::new());
        report.reason = format!(
            "the chip accepted the key agreement{note}; secure messaging restarted with the new keys — the chip is authenticated once it answers a command under them"
        );
        Ok((session, report))
    }

    /// Version 2: `7C { 81 r_PICC, 82 T_PICC }` → keys from K ‖ r_PICC, token checked in
    /// constant time, the new session and a passed report.
    fn finish_v2(&mut self, data: &[u8]) -> Result<(SecureMessaging, CaReport), CaError> {
        const GA: &str = "GENERAL AUTHENTICATE";
        let unexpected = |reason: String| CaError::UnexpectedResponse {
            command: GA,
            reason,
        };
        let outer = emrtd_tlv::parse_exact(data)
            .map_err(|e| unexpected(format!("malformed response data: {e}")))?;
        if outer.tag != TAG_DYNAMIC {
            return Err(unexpected(format!(
                "expected dynamic authentication data '7C', found tag {:X}",
                outer.tag
            )));
        }
        let objects = emrtd_tlv::parse_all(outer.value)
            .map_err(|e| unexpected(format!("malformed dynamic authentication data: {e}")))?;
        let (mut nonce, mut token) = (None, None);
        for o in &objects {
            let slot = match o.tag {
                0x81 => &mut nonce,
                0x82 => &mut token,
                other => {
                    return Err(unexpected(format!(
                        "unexpected data object '{other:X}' (version 2 answers '81' nonce and '82' token)"
                    )))
                }
            };
            if slot.replace(o.value).is_some() {
                return Err(unexpected(format!("data object '{:X}' repeated", o.tag)));
            }
        }
        let nonce = nonce.ok_or_else(|| {
            unexpected(
                "no nonce '81': the chip answered as for Chip Authentication version 1".into(),
            )
        })?;
        let token = token.ok_or_else(|| unexpected("no authentication token '82'".into()))?;
        if nonce.len() != NONCE_LEN {
            return Err(unexpected(format!(
                "the nonce has {} bytes, expected {NONCE_LEN}",
                nonce.len()
            )));
        }
        let k = self
            .shared_secret
            .take()
            .ok_or(CaError::InvalidState("finish() was already called"))?;
        let (k_enc, k_mac) = session_keys_v2(&k, nonce, self.algorithm.cipher);
        let expected = authentication_token_v2(&k_mac, &self.algorithm, &self.ephemeral_public)?;
        if token.len() != expected.len() || !bool::from(expected.ct_eq(token)) {
            return Err(CaError::TokenMismatch);
        }
        let ssc = vec![0u8; k_enc.cipher().block_size()];
        let session = SecureMessaging::from_keys(k_enc, k_mac, &ssc).map_err(CaError::Sm)?;
        let report = self.report(
            CaStatus::Passed,
            "version 2: the chip's authentication token verifies over the terminal's ephemeral key: it holds the Chip Authentication private key; secure messaging restarted with the new keys".into(),
        );
        Ok((session, report))
    }

    /// The failed report for an error of [`check_intermediate`](Self::check_intermediate) or
    /// [`finish`](Self::finish) (or of the transport).
    pub fn failure_report(&self, error: &CaError) -> CaReport {
        self.report(CaStatus::Failed, error.to_string())
    }

    fn report(&self, status: CaStatus, reason: String) -> CaReport {
        CaReport {
            status,
            version: Some(self.version),
            protocol: Some(protocol_oid(&self.algorithm)),
            algorithm: Some(protocol_name(&self.algorithm)),
            protocol_inferred: self.inferred,
            domain_parameters: Some(self.group_name.clone()),
            key_id: self.key_id,
            command_style: Some(self.style),
            reason,
        }
    }
}

fn check_status(command: &'static str, response: &ResponseApdu) -> Result<(), CaError> {
    if response.sw.is_ok() {
        Ok(())
    } else {
        Err(CaError::ChipRejected {
            command,
            sw: response.sw.0,
            meaning: response.sw.describe(),
        })
    }
}

/// The GENERAL AUTHENTICATE response of version 1: `7C 00`. A missing object is tolerated
/// (returns a note for the report); content is not (version 2 data, or garbage).
fn check_dynamic_data(data: &[u8]) -> Result<&'static str, CaError> {
    const GA: &str = "GENERAL AUTHENTICATE";
    if data.is_empty() {
        return Ok(" (its answer omitted the empty dynamic authentication data '7C')");
    }
    let t = emrtd_tlv::parse_exact(data).map_err(|e| CaError::UnexpectedResponse {
        command: GA,
        reason: format!("malformed response data: {e}"),
    })?;
    if t.tag != TAG_DYNAMIC {
        return Err(CaError::UnexpectedResponse {
            command: GA,
            reason: format!(
                "expected dynamic authentication data '7C', found tag {:X}",
                t.tag
            ),
        });
    }
    if t.value.is_empty() {
        return Ok("");
    }
    let v2 = emrtd_tlv::parse_all(t.value)
        .map(|dos| dos.iter().any(|d| d.tag == 0x81 || d.tag == 0x82))
        .unwrap_or(false);
    Err(CaError::UnexpectedResponse {
        command: GA,
        reason: if v2 {
            "the chip returned a nonce/authentication token (Chip Authentication version 2); version 1 expects '7C 00'".to_string()
        } else {
            format!(
                "the dynamic authentication data holds {} bytes; version 1 expects it empty",
                t.value.len()
            )
        },
    })
}
