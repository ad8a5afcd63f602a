//! PACE with the Chip Authentication Mapping as a remote proof, driven by the server
//! (ICAO 9303-11 §4.4.3.5; `docs/remote-verification.md`, "PACE-CAM").
//!
//! A PACE-CAM run the phone performs itself proves nothing to a server: the phone knows its own
//! ephemeral mapping key, so it can play the chip's part as well (pick CA_IC, publish
//! PK_Map,IC = CA_IC·PK_IC, compute every key). The proof holds only when the terminal's
//! ephemeral secrets are the server's. So the server plays the terminal and the phone relays:
//!
//! 1. `POST /v1/challenge` (EF.CardAccess lists PACE-CAM): the server draws SK_Map,PCD, answers
//!    PK_Map,PCD and seals SK_Map,PCD in the token.
//! 2. The phone sends MSE:Set AT and GENERAL AUTHENTICATE (encrypted nonce), decrypts s with its
//!    password (the server never sees the password), sends PK_Map,PCD, receives PK_Map,IC and
//!    posts `{token, nonce, chip_mapping_public_key}` to `POST /v1/pace/map`: the server
//!    computes G' = s·G + SK_Map,PCD·PK_Map,IC, draws SK_PCD, answers PK_PCD = SK_PCD·G' and a
//!    new token sealing SK_PCD and PK_Map,IC.
//! 3. The phone sends PK_PCD, receives PK_IC,eph and posts it to `POST /v1/pace/agree`: the
//!    server computes K, KS_enc, KS_mac, the terminal's token T_PCD, the chip's token T_IC it
//!    expects, wraps SELECT (eMRTD application) and READ BINARY of DG1 and EF.SOD under the new
//!    keys (SSC from 0) and answers T_PCD, the wrapped commands and a token sealing the keys.
//! 4. The phone sends T_PCD, receives T_IC and the encrypted chip authentication data A_IC,
//!    relays the wrapped commands and posts the evidence to `POST /v1/verify`: the server checks
//!    T_IC, decrypts CA_IC, checks PK_Map,IC = CA_IC·PK_IC with PK_IC from the EF.CardSecurity
//!    that Passive Authentication verified, and the MACs and contents of the relayed answers.
//!
//! A forger without the chip must choose PK_Map,IC = CA_IC·PK_IC for a CA_IC it knows, so it
//! does not know the discrete logarithm of PK_Map,IC, and SK_Map,PCD is the server's: it cannot
//! compute G', hence neither K nor T_IC (computational Diffie–Hellman).

use crate::error::RequestError;
use crate::evidence::MAX_BODY;
use crate::relay::{read_command, ssc_block};
use crate::token::{seal, Claims, KeyRing, ProofPlan, RelayRead, SealedCipher, SealedSessionKeys};
use crate::Policy;
use emrtd_access::pace::{protocol, Mapping, PaceParams};
use emrtd_apdu::CommandApdu;
use emrtd_crypto::pk::{Group, PrivateKey};
use emrtd_crypto::sym::SymKey;
use emrtd_lds::security_infos::SecurityInfos;
use emrtd_sm::SecureMessaging;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The eMRTD (LDS1) application identifier.
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// The reads the server wraps after PACE-CAM (after a SELECT of the eMRTD application).
pub const PACE_CAM_RELAY_READS: [RelayRead; 2] = crate::relay::RELAY_READS;

/// Longest public key accepted in a step (an uncompressed point on a 521-bit curve is 133).
const MAX_POINT: usize = 160;
/// Longest nonce s accepted (AES-256: 32 bytes).
const MAX_NONCE: usize = 64;

/// Body of `POST /v1/pace/map`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapRequest {
    /// The token of the challenge.
    pub token: String,
    /// The nonce s the phone decrypted with the password, hex.
    pub nonce: String,
    /// The chip's mapping public key PK_Map,IC (uncompressed point), hex.
    pub chip_mapping_public_key: String,
}

/// Answer of `POST /v1/pace/map`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapResponse {
    /// The token for the next step.
    pub token: String,
    /// Expiry, Unix seconds (the challenge's: the steps do not extend it).
    pub expires_at: i64,
    /// The server's ephemeral public key PK_PCD on the mapped generator, hex: send it in the
    /// key agreement step (DO'83').
    pub terminal_public_key: String,
}

/// Body of `POST /v1/pace/agree`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreeRequest {
    /// The token of `POST /v1/pace/map`.
    pub token: String,
    /// The chip's ephemeral public key of the key agreement (DO'84'), hex.
    pub chip_public_key: String,
}

/// Answer of `POST /v1/pace/agree`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreeResponse {
    /// The token to put into the evidence.
    pub token: String,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
    /// The terminal's authentication token T_PCD, hex: send it in the last step (DO'85').
    pub terminal_token: String,
    /// Command APDUs (hex) wrapped under the new session keys: send them after PACE as they
    /// are, in order, and return the raw responses.
    pub relay: Vec<String>,
}

fn field(reason: impl Into<String>) -> RequestError {
    RequestError::Field(reason.into())
}

fn hex(b: &[u8]) -> String {
    hex::encode(b)
}

fn unhex_bounded(what: &str, s: &str, max: usize) -> Result<Vec<u8>, RequestError> {
    if s.len() > 2 * max {
        return Err(field(format!("{what} is longer than {max} bytes")));
    }
    hex::decode(s).map_err(|_| field(format!("{what} is not hexadecimal")))
}

/// The PACE parameters sealed in a token.
fn params_of(protocol: &str, parameter_id: u32) -> Result<PaceParams, String> {
    let p =
        PaceParams::from_oid(protocol, Some(i64::from(parameter_id))).map_err(|e| e.to_string())?;
    if p.mapping() != Mapping::ChipAuthentication {
        return Err(format!("{protocol} is not PACE-CAM"));
    }
    Ok(p)
}

/// A private key drawn uniformly from `rng` (rejection sampling), with its bytes.
fn draw_key(
    group: &Group,
    rng: &mut impl CryptoRngCore,
) -> Result<(PrivateKey, Zeroizing<Vec<u8>>), String> {
    let len = group.order_size().unwrap_or(32);
    for _ in 0..128 {
        let mut sk = Zeroizing::new(vec![0u8; len]);
        rng.fill_bytes(&mut sk);
        if let Ok(k) = group.private_key_from_bytes(&sk) {
            return Ok((k, sk));
        }
    }
    Err("no usable ephemeral key could be drawn".into())
}

/// The PACE-CAM parameters EF.CardAccess offers (standardized ECDH domain parameters), if any.
pub(crate) fn offered(card_access: &[u8]) -> Option<PaceParams> {
    let infos = SecurityInfos::parse(card_access).ok()?;
    let found = infos.pace_infos().find_map(|info| {
        PaceParams::from_oid(&info.protocol, info.parameter_id)
            .ok()
            .filter(|p| p.mapping() == Mapping::ChipAuthentication)
    });
    found
}

/// What the phone is told to run: the PACE protocol and domain parameters, and the server's
/// mapping public key (hex).
pub(crate) struct MappingOffer {
    pub(crate) protocol: String,
    pub(crate) parameter_id: u32,
    pub(crate) mapping_public_key: String,
}

/// The first step for a challenge: the server's mapping key pair. Returns the plan to seal and
/// the instructions (with the public key) for the phone.
pub(crate) fn start(
    params: &PaceParams,
    rng: &mut impl CryptoRngCore,
) -> Result<(ProofPlan, MappingOffer), String> {
    let group = params.group();
    let (sk, sk_bytes) = draw_key(group, rng)?;
    let public = group
        .public_key(&sk, &group.generator())
        .and_then(|p| group.encode_public_key(&p))
        .map_err(|e| e.to_string())?;
    let parameter_id = params
        .parameter_id()
        .ok_or("PACE-CAM needs standardized domain parameters")?;
    Ok((
        ProofPlan::PaceCamMapping {
            protocol: params.oid_dotted(),
            parameter_id,
            mapping_private_key: hex(&sk_bytes),
        },
        MappingOffer {
            protocol: params.oid_dotted(),
            parameter_id,
            mapping_public_key: hex(&public),
        },
    ))
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, RequestError> {
    if body.len() > MAX_BODY {
        return Err(RequestError::TooLarge {
            size: body.len(),
            max: MAX_BODY,
        });
    }
    serde_json::from_slice(body).map_err(|e| RequestError::Json(crate::evidence::one_line(&e)))
}

fn next_token(
    ring: &KeyRing,
    claims: &Claims,
    proof: ProofPlan,
    rng: &mut impl CryptoRngCore,
) -> String {
    let next = Claims {
        nonce: claims.nonce.clone(),
        context: claims.context.clone(),
        expect: claims.expect.clone(),
        issued_at: claims.issued_at,
        expires_at: claims.expires_at,
        proof,
    };
    seal(ring, &next, rng)
}

/// `POST /v1/pace/map`: the mapped generator and the server's key agreement key.
pub fn pace_map(
    ring: &KeyRing,
    policy: &Policy,
    body: &[u8],
    now: i64,
    rng: &mut impl CryptoRngCore,
) -> Result<MapResponse, RequestError> {
    let req: MapRequest = parse_body(body)?;
    let claims = policy.open_token(ring, &req.token, now)?;
    let ProofPlan::PaceCamMapping {
        protocol: oid,
        parameter_id,
        mapping_private_key,
    } = &claims.proof
    else {
        return Err(field(
            "the token is not at the PACE-CAM mapping step: post the token of a PACE-CAM challenge",
        ));
    };
    let params =
        params_of(oid, *parameter_id).map_err(|e| field(format!("the token's PACE: {e}")))?;
    let group = params.group();
    let s = Zeroizing::new(unhex_bounded("nonce", &req.nonce, MAX_NONCE)?);
    if s.len() != protocol::nonce_len(params.cipher()) {
        return Err(field(format!(
            "nonce is {} bytes; {} expects {}",
            s.len(),
            params.name(),
            protocol::nonce_len(params.cipher())
        )));
    }
    let chip_map = unhex_bounded(
        "chip_mapping_public_key",
        &req.chip_mapping_public_key,
        MAX_POINT,
    )?;
    let peer = group.decode_public_key(&chip_map).map_err(|e| {
        field(format!(
            "chip_mapping_public_key is not a point of {}: {e}",
            group.name()
        ))
    })?;
    let sk_bytes = Zeroizing::new(
        hex::decode(mapping_private_key).map_err(|_| field("the token's key is unusable"))?,
    );
    let sk = group
        .private_key_from_bytes(&sk_bytes)
        .map_err(|_| field("the token's key is unusable"))?;
    let own = group
        .public_key(&sk, &group.generator())
        .and_then(|p| group.encode_public_key(&p))
        .map_err(|e| field(e.to_string()))?;
    if own == chip_map {
        return Err(field(
            "chip_mapping_public_key equals the server's mapping key: not a chip's answer",
        ));
    }
    let (agreement, agreement_bytes) = draw_key(group, rng).map_err(field)?;
    // the terminal's key on the mapped generator G' = s·G + sk·PK_map,IC, in one pass where
    // the curve can (G' itself is needed for nothing else)
    let public = group
        .generic_mapping_public_key(&s, &sk, &peer, &agreement)
        .and_then(|p| group.encode_public_key(&p))
        .map_err(|e| {
            field(format!(
                "the mapped key agreement key cannot be computed: {e}"
            ))
        })?;
    let plan = ProofPlan::PaceCamAgreement {
        protocol: oid.clone(),
        parameter_id: *parameter_id,
        agreement_private_key: hex(&agreement_bytes),
        terminal_public_key: hex(&public),
        chip_mapping_public_key: hex(&chip_map),
    };
    Ok(MapResponse {
        token: next_token(ring, &claims, plan, rng),
        expires_at: claims.expires_at,
        terminal_public_key: hex(&public),
    })
}

/// The plain commands relayed after PACE-CAM: SELECT of the eMRTD application, then `reads`.
pub(crate) fn relay_commands(reads: &[RelayRead]) -> Vec<CommandApdu> {
    let mut out = vec![CommandApdu::select_application(&EMRTD_AID)];
    out.extend(reads.iter().map(read_command));
    out
}

/// The secure messaging session at `ssc` under sealed keys.
pub(crate) fn session(keys: &SealedSessionKeys, ssc: u64) -> Result<SecureMessaging, String> {
    crate::relay::session_from(keys, ssc)
}

/// `POST /v1/pace/agree`: the session keys, the terminal's token and the wrapped reads.
pub fn pace_agree(
    ring: &KeyRing,
    policy: &Policy,
    body: &[u8],
    now: i64,
    rng: &mut impl CryptoRngCore,
) -> Result<AgreeResponse, RequestError> {
    let req: AgreeRequest = parse_body(body)?;
    let claims = policy.open_token(ring, &req.token, now)?;
    let ProofPlan::PaceCamAgreement {
        protocol: oid,
        parameter_id,
        agreement_private_key,
        terminal_public_key,
        chip_mapping_public_key,
    } = &claims.proof
    else {
        return Err(field(
            "the token is not at the PACE-CAM key agreement step: post the token /v1/pace/map answered",
        ));
    };
    let params =
        params_of(oid, *parameter_id).map_err(|e| field(format!("the token's PACE: {e}")))?;
    let group = params.group();
    let chip_public = unhex_bounded("chip_public_key", &req.chip_public_key, MAX_POINT)?;
    let peer = group.decode_public_key(&chip_public).map_err(|e| {
        field(format!(
            "chip_public_key is not a point of {}: {e}",
            group.name()
        ))
    })?;
    let terminal_public =
        hex::decode(terminal_public_key).map_err(|_| field("the token's key is unusable"))?;
    if chip_public == terminal_public {
        return Err(field(
            "chip_public_key equals the server's key agreement key: not a chip's answer",
        ));
    }
    let sk_bytes = Zeroizing::new(
        hex::decode(agreement_private_key).map_err(|_| field("the token's key is unusable"))?,
    );
    let sk = group
        .private_key_from_bytes(&sk_bytes)
        .map_err(|_| field("the token's key is unusable"))?;
    let k = group
        .shared_secret(&sk, &peer)
        .map_err(|e| field(format!("the key agreement cannot be computed: {e}")))?;
    let (ks_enc, ks_mac) = protocol::session_keys(&k, params.cipher());
    let token_of = |key: &[u8]| {
        protocol::authentication_token(
            &ks_mac,
            &protocol::authentication_token_input(params.oid(), key, true),
        )
        .map_err(|e| field(format!("the authentication token cannot be computed: {e}")))
    };
    let t_pcd = token_of(&chip_public)?;
    let t_ic = token_of(&terminal_public)?;
    let keys = SealedSessionKeys {
        cipher: SealedCipher::of(ks_enc.cipher()),
        enc: hex(ks_enc.as_bytes()),
        mac: hex(ks_mac.as_bytes()),
    };
    let reads = PACE_CAM_RELAY_READS.to_vec();
    let mut relay = Vec::new();
    for (i, cmd) in relay_commands(&reads).iter().enumerate() {
        let mut sm = SecureMessaging::from_keys(
            ks_enc.clone(),
            ks_mac.clone(),
            &ssc_block(2 * i as u64, ks_enc.cipher().block_size()),
        )
        .map_err(|e| field(e.to_string()))?;
        let wrapped = sm
            .protect(cmd)
            .map_err(|e| field(e.to_string()))?
            .to_bytes()
            .map_err(|e| field(e.to_string()))?;
        relay.push(hex(&wrapped));
    }
    let plan = ProofPlan::PaceCam {
        protocol: oid.clone(),
        parameter_id: *parameter_id,
        session_keys: keys,
        chip_token: hex(&t_ic),
        chip_mapping_public_key: chip_mapping_public_key.clone(),
        reads,
    };
    Ok(AgreeResponse {
        token: next_token(ring, &claims, plan, rng),
        expires_at: claims.expires_at,
        terminal_token: hex(&t_pcd),
        relay,
    })
}

/// What a PACE-CAM token sealed for checking the chip's answers at `POST /v1/verify`.
pub(crate) struct CamCheck<'a> {
    /// The PACE protocol OID, dotted.
    pub protocol: &'a str,
    /// The standardized domain parameters (also the chip key's id).
    pub parameter_id: u32,
    /// The sealed session keys.
    pub keys: &'a SealedSessionKeys,
    /// T_IC expected, hex.
    pub chip_token: &'a str,
    /// PK_Map,IC, hex.
    pub chip_mapping_public_key: &'a str,
}

impl CamCheck<'_> {
    /// Check T_IC and PK_Map,IC = CA_IC·PK_IC with PK_IC from `card_security` (verified by the
    /// caller). On failure, the one-line reason.
    pub(crate) fn check(
        &self,
        chip_token: &[u8],
        encrypted_cam_data: &[u8],
        card_security: &[u8],
    ) -> Result<(), String> {
        let params = params_of(self.protocol, self.parameter_id)
            .map_err(|e| format!("the token's PACE parameters are unusable: {e}"))?;
        let expected = Zeroizing::new(
            hex::decode(self.chip_token).map_err(|_| "the token's chip token is unusable")?,
        );
        if !emrtd_crypto::sym::ct_eq(chip_token, &expected) {
            return Err("the chip's PACE authentication token T_IC does not verify under the keys of this challenge: no chip ran PACE with the server's ephemeral keys (a replayed or forged answer)".into());
        }
        let ks_enc = Zeroizing::new(
            hex::decode(&self.keys.enc).map_err(|_| "the token's keys are unusable")?,
        );
        let ks_enc = SymKey::new(self.keys.cipher.cipher(), &ks_enc).map_err(|e| e.to_string())?;
        let ca_ic = protocol::cam_decrypt(&ks_enc, encrypted_cam_data).map_err(|e| {
            format!("the encrypted Chip Authentication Mapping data do not decrypt under this challenge's keys ({e}): forged")
        })?;
        let pk_map = hex::decode(self.chip_mapping_public_key)
            .map_err(|_| "the token's mapping key is unusable")?;
        let (_, infos) = SecurityInfos::parse_card_security(card_security)
            .map_err(|e| format!("EF.CardSecurity: {e}"))?;
        let key_id = Some(i64::from(self.parameter_id));
        let mut keys: Vec<_> = infos.chip_authentication_public_keys().collect();
        if keys.len() > 1 {
            keys.retain(|k| k.key_id.is_none() || k.key_id == key_id);
        }
        if keys.is_empty() {
            return Err("EF.CardSecurity holds no Chip Authentication public key: PACE-CAM cannot be checked".into());
        }
        for k in keys {
            let Ok(point) = k.public_key.public_value() else {
                continue;
            };
            if protocol::cam_verify(params.group(), &ca_ic, &point, &pk_map).is_ok() {
                return Ok(());
            }
        }
        Err("PK_Map,IC is not CA_IC·PK_IC for the Chip Authentication key of EF.CardSecurity: the chip does not hold that key's private key (a clone, or forged CAM data)".into())
    }
}
