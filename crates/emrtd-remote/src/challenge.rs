//! `POST /v1/challenge`: choose the chip proof, draw the nonce (and the CA key pair), seal.

use crate::error::RequestError;
use crate::evidence::{check_context, parse_files, FileName, MAX_BODY};
use crate::expect::Expectations;
use crate::token::{seal, Claims, KeyRing, ProofPlan, RelayRead, SealedCipher, SealedSessionKeys};
use crate::Policy;
use emrtd_access::ca::{self, CaTerminal};
use emrtd_apdu::CommandApdu;
use emrtd_crypto::pk::Group;
use emrtd_lds::security_infos::{DomainParameters, SecurityInfos};
use emrtd_sm::SecureMessaging;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// What the phone (or the relying party) asks a challenge with.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    /// The relying party's context (transaction id), 1–256 bytes.
    pub context: String,
    /// Values the document must carry.
    #[serde(default)]
    pub expect: Expectations,
    /// Files already read, base64: `CardAccess`, `DG14`, `DG15` (others are refused).
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// The phone can run the server-driven PACE-CAM (`POST /v1/pace/map`, `/v1/pace/agree`);
    /// without it the server never asks for PACE-CAM (phones of earlier versions).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pace_cam: bool,
}

/// The proof the phone must run, as instructions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum ProofRequest {
    /// Nothing to run.
    None,
    /// INTERNAL AUTHENTICATE with this 8-byte challenge (hex).
    ActiveAuthentication {
        /// RND.IFD, hex.
        challenge: String,
    },
    /// Chip Authentication with the server's key, then relay.
    ChipAuthentication {
        /// Plain command APDUs (hex) to send under the phone's own secure messaging session;
        /// each must be answered 9000.
        commands: Vec<String>,
        /// Command APDUs (hex) already wrapped by the server: send them as they are, in order,
        /// and return the raw responses.
        relay: Vec<String>,
    },
    /// PACE with the Chip Authentication Mapping, the server playing the terminal (see
    /// [`crate::pace_cam`]): MSE:Set AT with `protocol` and `parameter_id` and the phone's
    /// password, GENERAL AUTHENTICATE for the nonce, then `mapping_public_key` as the
    /// terminal's mapping key; the next steps are `POST /v1/pace/map` and `/v1/pace/agree`.
    PaceCam {
        /// The PACE protocol OID, dotted (a PACE-CAM OID of EF.CardAccess).
        protocol: String,
        /// The standardized domain parameters (sent in MSE:Set AT, DO'84').
        parameter_id: u32,
        /// The server's mapping public key PK_Map,PCD (uncompressed point), hex.
        mapping_public_key: String,
    },
}

/// The answer to a challenge request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeResponse {
    /// The sealed token to return with the evidence.
    pub token: String,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
    /// The proof to run.
    pub proof: ProofRequest,
}

/// The reads the server wraps after Chip Authentication: DG1 and the start of EF.SOD, in
/// blocks that fit short APDUs under 3DES and AES secure messaging (223 bytes of data).
pub const RELAY_READS: [RelayRead; 2] = [
    RelayRead {
        sfi: 0x01,
        offset: 0,
        le: 0xDF,
    },
    RelayRead {
        sfi: 0x1D,
        offset: 0,
        le: 0xDF,
    },
];

/// The plain READ BINARY of a relay read.
pub(crate) fn read_command(r: &RelayRead) -> CommandApdu {
    CommandApdu::read_binary_sfi(r.sfi, r.offset, usize::from(r.le))
}

/// The send sequence counter as a block of `len` bytes.
pub(crate) fn ssc_block(value: u64, len: usize) -> Vec<u8> {
    let mut block = vec![0u8; len];
    let be = value.to_be_bytes();
    let n = len.min(8);
    block[len - n..].copy_from_slice(&be[8 - n..]);
    block
}

/// The secure messaging session of the `index`-th relayed exchange after CA: SSC `2·index`
/// before the command is protected (the command gets `2·index + 1`, its response
/// `2·index + 2`).
pub(crate) fn session_at(terminal: &CaTerminal, ssc: u64) -> Result<SecureMessaging, String> {
    let (enc, mac) = terminal
        .session_keys()
        .ok_or("the Chip Authentication keys are gone")?;
    SecureMessaging::from_keys(
        enc.clone(),
        mac.clone(),
        &ssc_block(ssc, enc.cipher().block_size()),
    )
    .map_err(|e| e.to_string())
}

/// The secure messaging session at send sequence counter `ssc` from sealed session keys.
pub(crate) fn session_from(keys: &SealedSessionKeys, ssc: u64) -> Result<SecureMessaging, String> {
    let cipher = keys.cipher.cipher();
    let key = |h: &str| {
        let bytes = Zeroizing::new(hex::decode(h).map_err(|_| "the token's keys are unusable")?);
        emrtd_crypto::sym::SymKey::new(cipher, &bytes).map_err(|e| e.to_string())
    };
    SecureMessaging::from_keys(
        key(&keys.enc)?,
        key(&keys.mac)?,
        &ssc_block(ssc, cipher.block_size()),
    )
    .map_err(|e| e.to_string())
}

/// The wrapped relay commands.
pub(crate) fn wrap_reads(
    terminal: &CaTerminal,
    reads: &[RelayRead],
) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for (i, r) in reads.iter().enumerate() {
        let mut sm = session_at(terminal, 2 * i as u64)?;
        let cmd = sm.protect(&read_command(r)).map_err(|e| e.to_string())?;
        out.push(cmd.to_bytes().map_err(|e| e.to_string())?);
    }
    Ok(out)
}

/// The group of a Chip Authentication key's domain parameters.
fn group_of(dp: &DomainParameters) -> Option<Group> {
    if let DomainParameters::EcNamedCurve(curve) = dp {
        let id = emrtd_crypto::sig::standardized_id_of(curve)?;
        return Group::standardized(u32::from(id)).ok();
    }
    emrtd_access::pace::group_from_domain_parameters(dp).ok()
}

/// A CA terminal with a fresh ephemeral key drawn from `rng`, and that key's bytes.
pub(crate) fn ca_terminal_for(
    dg14: &[u8],
    rng: &mut impl CryptoRngCore,
) -> Result<(CaTerminal, Zeroizing<Vec<u8>>), String> {
    let infos = SecurityInfos::parse_dg14(dg14).map_err(|e| format!("DG14: {e}"))?;
    let (info, key) = ca::select(&infos).map_err(|e| e.to_string())?;
    let group = group_of(&key.public_key.algorithm)
        .ok_or("the domain parameters of the Chip Authentication key are not supported")?;
    // Rejection sampling: uniform in [1, n) for EC; 256-bit exponents for DH.
    let len = group.order_size().unwrap_or(32);
    for _ in 0..128 {
        let mut sk = Zeroizing::new(vec![0u8; len]);
        rng.fill_bytes(&mut sk);
        match CaTerminal::with_ephemeral_private_key(info, key, &sk) {
            Ok(t) => return Ok((t, sk)),
            Err(ca::CaError::InvalidPrivateKey(_)) => continue,
            Err(e) => return Err(e.to_string()),
        }
    }
    Err("no usable ephemeral key could be drawn".into())
}

/// The CA terminal of a token's sealed key.
pub(crate) fn ca_terminal_with(dg14: &[u8], sk: &[u8]) -> Result<CaTerminal, String> {
    let infos = SecurityInfos::parse_dg14(dg14).map_err(|e| format!("DG14: {e}"))?;
    let (info, key) = ca::select(&infos).map_err(|e| e.to_string())?;
    CaTerminal::with_ephemeral_private_key(info, key, sk).map_err(|e| e.to_string())
}

fn hex(b: &[u8]) -> String {
    hex::encode(b)
}

/// Answer a challenge request (the body as received). Chip Authentication when the request
/// discloses a DG14 with a usable CA key, else PACE-CAM when the phone can run it and the
/// disclosed EF.CardAccess offers it, else Active Authentication when it discloses DG15 (or the
/// policy asks for AA by default), else no chip proof.
pub fn issue_challenge(
    ring: &KeyRing,
    policy: &Policy,
    body: &[u8],
    now: i64,
    rng: &mut impl CryptoRngCore,
) -> Result<ChallengeResponse, RequestError> {
    if body.len() > MAX_BODY {
        return Err(RequestError::TooLarge {
            size: body.len(),
            max: MAX_BODY,
        });
    }
    let req: ChallengeRequest = serde_json::from_slice(body)
        .map_err(|e| RequestError::Json(crate::evidence::one_line(&e)))?;
    check_context(&req.context)?;
    req.expect.check().map_err(RequestError::Field)?;
    let files = parse_files(&req.files)?;
    if let Some(f) = files.keys().find(|f| {
        !matches!(
            f,
            FileName::CardAccess | FileName::Dg(14) | FileName::Dg(15)
        )
    }) {
        return Err(RequestError::Field(format!(
            "files.{} is not needed for a challenge: give only CardAccess, DG14 and DG15",
            f.name()
        )));
    }
    let mut nonce = [0u8; 16];
    rng.fill_bytes(&mut nonce);

    let ca = files
        .get(&FileName::Dg(14))
        .and_then(|dg14| ca_terminal_for(dg14, rng).ok().map(|t| (dg14, t)));
    let (plan, request) = match ca {
        Some((dg14, (terminal, sk))) => {
            // The session keys are sealed instead of the ephemeral key where the terminal has
            // them (CA version 1): verification then needs no key agreement.
            let session_keys = terminal.session_keys().map(|(enc, mac)| SealedSessionKeys {
                cipher: SealedCipher::of(enc.cipher()),
                enc: hex(enc.as_bytes()),
                mac: hex(mac.as_bytes()),
            });
            let commands = terminal
                .commands()
                .iter()
                .map(|c| c.to_bytes().map(|b| hex(&b)))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| RequestError::Field(format!("DG14: {e}")))?;
            let relay = wrap_reads(&terminal, &RELAY_READS).map_err(RequestError::Field)?;
            (
                ProofPlan::ChipAuthentication {
                    ephemeral_private_key: if session_keys.is_some() {
                        String::new()
                    } else {
                        hex(&sk)
                    },
                    session_keys,
                    dg14_sha256: hex(&Sha256::digest(dg14)),
                    reads: RELAY_READS.to_vec(),
                },
                ProofRequest::ChipAuthentication {
                    commands,
                    relay: relay.iter().map(|b| hex(b)).collect(),
                },
            )
        }
        None => match files
            .get(&FileName::CardAccess)
            .filter(|_| req.pace_cam)
            .and_then(|ca| crate::pace_cam::offered(ca))
        {
            // PACE-CAM before Active Authentication: like CA, it reads DG1 and EF.SOD under
            // keys only the server and the chip share, where AA signs a nonce only.
            Some(params) => crate::pace_cam::start(&params, rng).map_err(RequestError::Field)?,
            None if files.contains_key(&FileName::Dg(15))
                || policy.active_authentication_by_default =>
            {
                let mut challenge = [0u8; 8];
                rng.fill_bytes(&mut challenge);
                (
                    ProofPlan::ActiveAuthentication {
                        challenge: hex(&challenge),
                    },
                    ProofRequest::ActiveAuthentication {
                        challenge: hex(&challenge),
                    },
                )
            }
            None => (ProofPlan::None, ProofRequest::None),
        },
    };
    let expires_at = now.saturating_add(policy.token_lifetime_secs);
    let claims = Claims {
        nonce: hex(&nonce),
        context: req.context,
        expect: req.expect,
        issued_at: now,
        expires_at,
        proof: plan,
    };
    Ok(ChallengeResponse {
        token: seal(ring, &claims, rng),
        expires_at,
        proof: request,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssc_blocks_are_big_endian_and_sized() {
        assert_eq!(ssc_block(3, 8), [0, 0, 0, 0, 0, 0, 0, 3]);
        assert_eq!(ssc_block(0x0102, 16)[14..], [1, 2]);
        assert_eq!(ssc_block(0, 16), [0; 16]);
    }

    #[test]
    fn relay_reads_are_short_read_binary_by_sfi() {
        let b = read_command(&RELAY_READS[0]).to_bytes().unwrap();
        assert_eq!(b, [0x00, 0xB0, 0x81, 0x00, 0xDF]);
        let b = read_command(&RELAY_READS[1]).to_bytes().unwrap();
        assert_eq!(b, [0x00, 0xB0, 0x9D, 0x00, 0xDF]);
    }
}
