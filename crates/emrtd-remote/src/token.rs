//! The stateless challenge token: claims sealed with AES-256-GCM under a server key.
//!
//! Format: `v1.<kid>.<base64url(nonce ‖ ciphertext ‖ tag)>`, with the `v1.<kid>` prefix as
//! associated data. Any server holding key `kid` opens the token; nothing is stored.

use crate::expect::Expectations;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64ct::{Base64UrlUnpadded, Encoding};
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Token format prefix.
const VERSION: &str = "v1";
/// Longest token accepted (a CA token carries a private key and a few hashes: well below).
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// Why a token cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Longer than any token this server issues.
    #[error(
        "the token is longer than {} bytes: not a token of this server",
        MAX_TOKEN_LEN
    )]
    TooLong,
    /// Not `v1.<kid>.<base64url>`.
    #[error("the token is malformed: ask for a new challenge")]
    Malformed,
    /// Another format version.
    #[error("the token has an unknown format version: ask for a new challenge")]
    UnknownVersion,
    /// The key id is not in the server's key ring.
    #[error("the token was sealed with a key this server does not hold: ask for a new challenge")]
    UnknownKey,
    /// The seal does not open: forged or changed.
    #[error("the token's seal does not verify (forged or altered): ask for a new challenge")]
    BadSeal,
    /// A key id that cannot be used.
    #[error("a key id must be 1 to 32 characters A-Z, a-z, 0-9, '-' or '_'")]
    BadKeyId,
    /// A key that is not 64 hex digits.
    #[error("a server key must be 64 hexadecimal digits (32 bytes)")]
    BadKeyMaterial,
}

/// Longest key id (letters, digits, `-`, `_`).
pub const MAX_KID_LEN: usize = 32;
/// AES-GCM nonce length.
const NONCE_LEN: usize = 12;

/// A server key: 32 bytes for AES-256-GCM, with its id. Zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ServerKey {
    #[zeroize(skip)]
    kid: String,
    key: [u8; 32],
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServerKey({}, <redacted>)", self.kid)
    }
}

impl ServerKey {
    /// A key from its id and 32 secret bytes. The id is 1–32 characters of `A-Z a-z 0-9 - _`.
    pub fn new(kid: &str, key: [u8; 32]) -> Result<ServerKey, TokenError> {
        if kid.is_empty()
            || kid.len() > MAX_KID_LEN
            || !kid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(TokenError::BadKeyId);
        }
        Ok(ServerKey {
            kid: kid.to_string(),
            key,
        })
    }

    /// A key from 64 hex digits (as given in a configuration file or the environment).
    pub fn from_hex(kid: &str, hex_key: &str) -> Result<ServerKey, TokenError> {
        let hex_key = Zeroizing::new(hex_key.trim().to_string());
        if hex_key.len() != 64 || !hex_key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(TokenError::BadKeyMaterial);
        }
        let mut key = [0u8; 32];
        for (i, out) in key.iter_mut().enumerate() {
            let pair = hex_key
                .get(2 * i..2 * i + 2)
                .ok_or(TokenError::BadKeyMaterial)?;
            *out = u8::from_str_radix(pair, 16).map_err(|_| TokenError::BadKeyMaterial)?;
        }
        let k = ServerKey::new(kid, key);
        key.zeroize();
        k
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }
}

/// The keys a server opens tokens with; the first one seals new tokens.
#[derive(Debug, Clone)]
pub struct KeyRing {
    current: ServerKey,
    others: BTreeMap<String, ServerKey>,
}

impl KeyRing {
    /// A ring that seals with `current`.
    pub fn new(current: ServerKey) -> KeyRing {
        KeyRing {
            current,
            others: BTreeMap::new(),
        }
    }

    /// Also accept tokens sealed with `key` (an older key during rotation).
    pub fn with_previous(mut self, key: ServerKey) -> KeyRing {
        if key.kid != self.current.kid {
            self.others.insert(key.kid.clone(), key);
        }
        self
    }

    fn find(&self, kid: &str) -> Option<&ServerKey> {
        if self.current.kid == kid {
            Some(&self.current)
        } else {
            self.others.get(kid)
        }
    }

    /// The id of the sealing key.
    pub fn current_kid(&self) -> &str {
        &self.current.kid
    }
}

/// Which chip proof the token asks for, with what the server needs to check it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum ProofPlan {
    /// No chip proof: the verdict can only be "data authentic".
    None,
    /// Active Authentication over `challenge` (8 bytes, hex).
    ActiveAuthentication {
        /// RND.IFD, hex.
        challenge: String,
    },
    /// Chip Authentication with a server-chosen ephemeral key.
    ChipAuthentication {
        /// The server's ephemeral private key, hex (sealed: never leaves the token in clear).
        /// Empty when `session_keys` is given (tokens of this version).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        ephemeral_private_key: String,
        /// The secure messaging keys the key agreement gave (sealed), so that verification
        /// needs no elliptic-curve or DH arithmetic. Absent in older tokens: the key agreement
        /// is then computed again from `ephemeral_private_key`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_keys: Option<SealedSessionKeys>,
        /// SHA-256 of the DG14 the key agreement was computed against, hex.
        dg14_sha256: String,
        /// The reads wrapped under the CA session keys, in order.
        reads: Vec<RelayRead>,
    },
    /// PACE-CAM driven by the server, waiting for the mapping step (`POST /v1/pace/map`).
    PaceCamMapping {
        /// The PACE protocol OID, dotted.
        protocol: String,
        /// The standardized domain parameters.
        parameter_id: u32,
        /// SK_Map,PCD, hex (sealed).
        mapping_private_key: String,
    },
    /// PACE-CAM driven by the server, waiting for the key agreement step (`POST /v1/pace/agree`).
    PaceCamAgreement {
        /// The PACE protocol OID, dotted.
        protocol: String,
        /// The standardized domain parameters.
        parameter_id: u32,
        /// SK_PCD of the key agreement, hex (sealed).
        agreement_private_key: String,
        /// PK_PCD on the mapped generator, hex.
        terminal_public_key: String,
        /// The chip's mapping public key PK_Map,IC, hex.
        chip_mapping_public_key: String,
    },
    /// PACE-CAM driven by the server, complete: what `POST /v1/verify` checks.
    PaceCam {
        /// The PACE protocol OID, dotted.
        protocol: String,
        /// The standardized domain parameters (also the id of the chip's key).
        parameter_id: u32,
        /// KS_enc and KS_mac of the PACE run (sealed).
        session_keys: SealedSessionKeys,
        /// The chip's authentication token T_IC the keys give, hex.
        chip_token: String,
        /// The chip's mapping public key PK_Map,IC, hex.
        chip_mapping_public_key: String,
        /// The reads wrapped after the SELECT of the eMRTD application, in order.
        reads: Vec<RelayRead>,
    },
}

/// The cipher of sealed secure messaging keys.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SealedCipher {
    /// Two-key 3DES.
    Tdes,
    /// AES-128.
    Aes128,
    /// AES-192.
    Aes192,
    /// AES-256.
    Aes256,
}

impl SealedCipher {
    /// The cipher of a key.
    pub fn of(c: emrtd_crypto::sym::Cipher) -> SealedCipher {
        use emrtd_crypto::sym::Cipher;
        match c {
            Cipher::Tdes => SealedCipher::Tdes,
            Cipher::Aes128 => SealedCipher::Aes128,
            Cipher::Aes192 => SealedCipher::Aes192,
            Cipher::Aes256 => SealedCipher::Aes256,
        }
    }

    /// The cipher.
    pub fn cipher(self) -> emrtd_crypto::sym::Cipher {
        use emrtd_crypto::sym::Cipher;
        match self {
            SealedCipher::Tdes => Cipher::Tdes,
            SealedCipher::Aes128 => Cipher::Aes128,
            SealedCipher::Aes192 => Cipher::Aes192,
            SealedCipher::Aes256 => Cipher::Aes256,
        }
    }
}

/// KS_enc and KS_mac after Chip Authentication, sealed in the token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SealedSessionKeys {
    /// Their cipher.
    pub cipher: SealedCipher,
    /// KS_enc, hex.
    pub enc: String,
    /// KS_mac, hex.
    pub mac: String,
}

/// A READ BINARY the server wrapped for the phone to relay after Chip Authentication.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RelayRead {
    /// Short EF identifier.
    pub sfi: u8,
    /// Offset (0–255 with a short EF identifier).
    pub offset: u8,
    /// Le.
    pub le: u16,
}

/// What the token binds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    /// Random nonce, hex (16 bytes): makes every token unique.
    pub nonce: String,
    /// The relying party's context (transaction id).
    pub context: String,
    /// What the relying party expects the document to say.
    pub expect: Expectations,
    /// Issued at, Unix seconds.
    pub issued_at: i64,
    /// Expires at, Unix seconds.
    pub expires_at: i64,
    /// The chip proof asked for.
    pub proof: ProofPlan,
}

impl Drop for Claims {
    fn drop(&mut self) {
        match &mut self.proof {
            ProofPlan::ChipAuthentication {
                ephemeral_private_key,
                session_keys,
                ..
            } => {
                ephemeral_private_key.zeroize();
                if let Some(k) = session_keys {
                    k.enc.zeroize();
                    k.mac.zeroize();
                }
            }
            ProofPlan::PaceCamMapping {
                mapping_private_key,
                ..
            } => mapping_private_key.zeroize(),
            ProofPlan::PaceCamAgreement {
                agreement_private_key,
                ..
            } => agreement_private_key.zeroize(),
            ProofPlan::PaceCam { session_keys, .. } => {
                session_keys.enc.zeroize();
                session_keys.mac.zeroize();
            }
            ProofPlan::None | ProofPlan::ActiveAuthentication { .. } => {}
        }
    }
}

/// Seal `claims` with the ring's current key.
pub fn seal(ring: &KeyRing, claims: &Claims, rng: &mut impl CryptoRngCore) -> String {
    let key = &ring.current;
    let header = format!("{VERSION}.{}", key.kid);
    let plaintext = Zeroizing::new(serde_json::to_vec(claims).unwrap_or_default());
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let cipher = Aes256Gcm::new((&key.key).into());
    // Encryption fails only for plaintexts beyond 64 GiB; the claims are a few hundred bytes.
    let ct = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &plaintext,
                aad: header.as_bytes(),
            },
        )
        .unwrap_or_default();
    let mut body = nonce.to_vec();
    body.extend(ct);
    format!("{header}.{}", Base64UrlUnpadded::encode_string(&body))
}

/// Open a token: the key id must be in the ring and the seal intact. Expiry is checked by the
/// caller (it has the clock).
pub fn open(ring: &KeyRing, token: &str) -> Result<Claims, TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::TooLong);
    }
    let mut parts = token.splitn(3, '.');
    let (Some(version), Some(kid), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(TokenError::Malformed);
    };
    if version != VERSION {
        return Err(TokenError::UnknownVersion);
    }
    let key = ring.find(kid).ok_or(TokenError::UnknownKey)?;
    let body = Base64UrlUnpadded::decode_vec(body).map_err(|_| TokenError::Malformed)?;
    if body.len() < NONCE_LEN + 16 {
        return Err(TokenError::Malformed);
    }
    let (nonce, ct) = body.split_at(NONCE_LEN);
    let header = format!("{VERSION}.{kid}");
    let cipher = Aes256Gcm::new((&key.key).into());
    let plaintext = Zeroizing::new(
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: header.as_bytes(),
                },
            )
            .map_err(|_| TokenError::BadSeal)?,
    );
    serde_json::from_slice(&plaintext).map_err(|_| TokenError::BadSeal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn claims() -> Claims {
        Claims {
            nonce: "00".repeat(16),
            context: "tx-1".into(),
            expect: Expectations::default(),
            issued_at: 100,
            expires_at: 400,
            proof: ProofPlan::ActiveAuthentication {
                challenge: "0102030405060708".into(),
            },
        }
    }

    #[test]
    fn a_token_sealed_by_one_instance_opens_on_another_with_the_same_key() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let a = KeyRing::new(ServerKey::new("k1", [7; 32]).unwrap());
        let b = KeyRing::new(ServerKey::new("k2", [9; 32]).unwrap())
            .with_previous(ServerKey::new("k1", [7; 32]).unwrap());
        let t = seal(&a, &claims(), &mut rng);
        assert!(t.starts_with("v1.k1."));
        assert_eq!(open(&b, &t).unwrap(), claims());
    }

    #[test]
    fn every_changed_byte_of_a_token_is_refused() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let ring = KeyRing::new(ServerKey::new("k1", [7; 32]).unwrap());
        let t = seal(&ring, &claims(), &mut rng);
        let bytes = t.as_bytes();
        for i in 0..bytes.len() {
            let mut m = bytes.to_vec();
            m[i] = if m[i] == b'A' { b'B' } else { b'A' };
            let Ok(s) = String::from_utf8(m) else {
                continue;
            };
            if s == t {
                continue;
            }
            assert!(open(&ring, &s).is_err(), "byte {i} changed but accepted");
        }
    }

    #[test]
    fn a_token_under_an_unknown_or_wrong_key_is_refused() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let ring = KeyRing::new(ServerKey::new("k1", [7; 32]).unwrap());
        let other = KeyRing::new(ServerKey::new("k1", [8; 32]).unwrap());
        let t = seal(&ring, &claims(), &mut rng);
        assert_eq!(open(&other, &t), Err(TokenError::BadSeal));
        let renamed = t.replacen("v1.k1.", "v1.k9.", 1);
        assert_eq!(open(&ring, &renamed), Err(TokenError::UnknownKey));
        assert_eq!(open(&ring, "v2.k1.AAAA"), Err(TokenError::UnknownVersion));
        assert_eq!(open(&ring, "garbage"), Err(TokenError::Malformed));
    }

    #[test]
    fn key_ids_and_hex_keys_are_checked() {
        assert!(ServerKey::new("", [0; 32]).is_err());
        assert!(ServerKey::new("a b", [0; 32]).is_err());
        assert!(ServerKey::from_hex("k", "00").is_err());
        assert!(ServerKey::from_hex("k", &"zz".repeat(32)).is_err());
        let k = ServerKey::from_hex("k", &"0a".repeat(32)).unwrap();
        assert_eq!(k.key, [10; 32]);
        assert!(!format!("{k:?}").contains("0a"));
    }
}
