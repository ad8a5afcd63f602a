//! The cryptographic building blocks of PACE (ICAO 9303-11 §4.4.3, BSI TR-03110-3 §A.2–A.3),
//! as pure functions. The state machines in [`super::PaceTerminal`] and [`super::PaceChip`]
//! are built from them; they are public so worked examples can be checked step by step.

use emrtd_crypto::pk::{Element, Group, PkError, PrivateKey};
use emrtd_crypto::sym::{self, Cipher, SymKey, KDF_ENC, KDF_MAC, KDF_PACE};
use zeroize::Zeroizing;

use super::{PaceError, PacePassword};

/// Constants c0, c1 of the Integrated Mapping's pseudo-random function for 3DES and AES-128
/// (l = 128) and for AES-192/256 (l = 256), ICAO 9303-11 §4.4.3.3.2.
const C0_128: [u8; 16] = [
    0xa6, 0x68, 0x89, 0x2a, 0x7c, 0x41, 0xe3, 0xca, 0x73, 0x9f, 0x40, 0xb0, 0x57, 0xd8, 0x59, 0x04,
];
const C1_128: [u8; 16] = [
    0xa4, 0xe1, 0x36, 0xac, 0x72, 0x5f, 0x73, 0x8b, 0x01, 0xc1, 0xf6, 0x02, 0x17, 0xc1, 0x88, 0xad,
];
const C0_256: [u8; 32] = [
    0xd4, 0x63, 0xd6, 0x52, 0x34, 0x12, 0x4e, 0xf7, 0x89, 0x70, 0x54, 0x98, 0x6d, 0xca, 0x0a, 0x17,
    0x4e, 0x28, 0xdf, 0x75, 0x8c, 0xba, 0xa0, 0x3f, 0x24, 0x06, 0x16, 0x41, 0x4d, 0x5a, 0x16, 0x76,
];
const C1_256: [u8; 32] = [
    0x54, 0xbd, 0x72, 0x55, 0xf0, 0xaa, 0xf8, 0x31, 0xbe, 0xc3, 0x42, 0x3f, 0xcf, 0x39, 0xd6, 0x9b,
    0x6c, 0xbf, 0x06, 0x66, 0x77, 0xd0, 0xfa, 0xae, 0x5a, 0xad, 0xd9, 0x9d, 0xf8, 0xe5, 0x35, 0x17,
];

fn crypto(e: sym::SymError) -> PaceError {
    PaceError::Crypto(e.to_string())
}

/// K_π = KDF(f(π), 3) (ICAO 9303-11 §9.7.3): f(π) is SHA-1 of the MRZ information for the MRZ
/// password and the ISO 8859-1 string for CAN, PIN and PUK.
pub fn password_key(password: &PacePassword, cipher: Cipher) -> SymKey {
    let seed = password.encoded();
    sym::kdf(&seed, KDF_PACE, cipher)
}

/// Length in octets of the nonce s a chip chooses (ICAO 9303-11 §4.4.3.3: the smallest
/// multiple of the block size that is at least the key size; 3DES counts as 128 bits).
pub fn nonce_len(cipher: Cipher) -> usize {
    match cipher {
        Cipher::Tdes | Cipher::Aes128 => 16,
        Cipher::Aes192 | Cipher::Aes256 => 32,
    }
}

/// Length in octets of the Integrated Mapping terminal nonce t (the key size k; 16 for 3DES).
pub fn terminal_nonce_len(cipher: Cipher) -> usize {
    cipher.key_len()
}

/// z = E(K_π, s) in CBC mode with a zero IV.
pub fn encrypt_nonce(k_pi: &SymKey, s: &[u8]) -> Result<Vec<u8>, PaceError> {
    let iv = vec![0u8; k_pi.cipher().block_size()];
    k_pi.encrypt_cbc(&iv, s).map_err(crypto)
}

/// s = D(K_π, z) in CBC mode with a zero IV. `z` must be a non-empty multiple of the block size
/// and at most 64 octets.
pub fn decrypt_nonce(k_pi: &SymKey, z: &[u8]) -> Result<Zeroizing<Vec<u8>>, PaceError> {
    let bs = k_pi.cipher().block_size();
    if z.is_empty() || z.len().checked_rem(bs) != Some(0) || z.len() > 64 {
        return Err(PaceError::MalformedResponse {
            step: "encrypted nonce",
            reason: format!(
                "the encrypted nonce is {} bytes; expected a multiple of {bs} up to 64",
                z.len()
            ),
        });
    }
    let iv = vec![0u8; bs];
    Ok(Zeroizing::new(k_pi.decrypt_cbc(&iv, z).map_err(crypto)?))
}

/// The pseudo-random function R(s, t) of the Integrated Mapping (ICAO 9303-11 §4.4.3.3.2):
/// k₀ = E(t, s); kᵢ₊₁ = E(kᵢ, c0), xᵢ₊₁ = E(kᵢ, c1) (CBC, zero IV, keys truncated to the key
/// size), output x₁‖…‖xₙ with n minimal such that n·l ≥ bits(p) + 64. `p_bits` is the bit
/// length of the field / group prime. The reduction mod p happens in the group.
pub fn integrated_mapping_prf(
    s: &[u8],
    t: &[u8],
    cipher: Cipher,
    p_bits: usize,
) -> Result<Zeroizing<Vec<u8>>, PaceError> {
    let (c0, c1): (&[u8], &[u8]) = match cipher {
        Cipher::Tdes | Cipher::Aes128 => (&C0_128, &C1_128),
        Cipher::Aes192 | Cipher::Aes256 => (&C0_256, &C1_256),
    };
    let key_len = cipher.key_len();
    if t.len() != key_len {
        return Err(PaceError::Crypto(format!(
            "the Integrated Mapping nonce t must be {key_len} bytes, got {}",
            t.len()
        )));
    }
    if s.len() < key_len {
        return Err(PaceError::MalformedResponse {
            step: "encrypted nonce",
            reason: format!(
                "the nonce is {} bytes; the Integrated Mapping with {cipher} needs at least {key_len}",
                s.len()
            ),
        });
    }
    let iv = vec![0u8; cipher.block_size()];
    let l_bits = 8 * c1.len();
    let n = (p_bits + 64).div_ceil(l_bits);
    let t_key = SymKey::new(cipher, t).map_err(crypto)?;
    let mut k = Zeroizing::new(t_key.encrypt_cbc(&iv, s).map_err(crypto)?);
    let mut out = Zeroizing::new(Vec::with_capacity(n * c1.len()));
    for _ in 0..n {
        let ki = SymKey::new(cipher, &k[..key_len]).map_err(crypto)?;
        let x = Zeroizing::new(ki.encrypt_cbc(&iv, c1).map_err(crypto)?);
        out.extend_from_slice(&x);
        k = Zeroizing::new(ki.encrypt_cbc(&iv, c0).map_err(crypto)?);
    }
    Ok(out)
}

/// Integrated Mapping: the ephemeral generator f(R_p(s, t)).
pub fn map_integrated(
    group: &Group,
    s: &[u8],
    t: &[u8],
    cipher: Cipher,
) -> Result<Element, PaceError> {
    let p_bits = group_p_bits(group);
    let r = integrated_mapping_prf(s, t, cipher, p_bits)?;
    group.integrated_mapping(&r).map_err(PaceError::Group)
}

/// Bit length of the group's prime.
pub fn group_p_bits(group: &Group) -> usize {
    match group {
        Group::Ec(c) => c.field_bits(),
        Group::Dh(g) => g.p_bits(),
    }
}

/// Generic Mapping: G' = s·G + H (ECDH) or g' = g^s·h (DH).
pub fn map_generic(group: &Group, s: &[u8], h: &Element) -> Result<Element, PaceError> {
    group.generic_mapping(s, h).map_err(PaceError::Group)
}

/// Session keys (KS_enc, KS_mac) = (KDF(K, 1), KDF(K, 2)).
pub fn session_keys(shared_secret: &[u8], cipher: Cipher) -> (SymKey, SymKey) {
    (
        sym::kdf(shared_secret, KDF_ENC, cipher),
        sym::kdf(shared_secret, KDF_MAC, cipher),
    )
}

/// The public key data object the authentication token covers (ICAO 9303-11 §4.4.3.4, §9.4):
/// `7F49 { 06 <protocol OID> , 86 <EC point> | 84 <DH public value> }`.
pub fn authentication_token_input(protocol_oid: &[u8], public_key: &[u8], ec: bool) -> Vec<u8> {
    let mut inner = emrtd_tlv::encode(0x06, protocol_oid);
    inner.extend(emrtd_tlv::encode(if ec { 0x86 } else { 0x84 }, public_key));
    emrtd_tlv::encode(0x7F49, &inner)
}

/// The 8-byte authentication token MAC(KS_mac, data): retail MAC with ISO/IEC 9797-1 padding
/// method 2 for 3DES, CMAC truncated to 8 bytes for AES.
pub fn authentication_token(k_mac: &SymKey, token_input: &[u8]) -> Result<[u8; 8], PaceError> {
    if k_mac.cipher() == Cipher::Tdes {
        let padded = sym::pad(token_input, sym::DES_BLOCK);
        k_mac.mac8(&padded).map_err(crypto)
    } else {
        k_mac.mac8(token_input).map_err(crypto)
    }
}

fn cam_iv(ks_enc: &SymKey) -> Result<Vec<u8>, PaceError> {
    if !ks_enc.cipher().is_aes() {
        return Err(PaceError::UnsupportedParameters(
            "the Chip Authentication Mapping is only defined with AES".into(),
        ));
    }
    ks_enc.encrypt_block(&[0xFF; 16]).map_err(crypto)
}

/// A_IC = E(KS_enc, CA_IC): AES-CBC with IV = E(KS_enc, 0xFF…FF) over CA_IC padded with
/// ISO/IEC 9797-1 method 2 (ICAO 9303-11 §4.4.3.5).
pub fn cam_encrypt(ks_enc: &SymKey, ca_ic: &[u8]) -> Result<Vec<u8>, PaceError> {
    let iv = cam_iv(ks_enc)?;
    let padded = Zeroizing::new(sym::pad(ca_ic, sym::AES_BLOCK));
    ks_enc.encrypt_cbc(&iv, &padded).map_err(crypto)
}

/// Recovers CA_IC from A_IC (inverse of [`cam_encrypt`]).
pub fn cam_decrypt(ks_enc: &SymKey, a_ic: &[u8]) -> Result<Zeroizing<Vec<u8>>, PaceError> {
    let iv = cam_iv(ks_enc)?;
    if a_ic.is_empty() || a_ic.len().checked_rem(sym::AES_BLOCK) != Some(0) || a_ic.len() > 128 {
        return Err(PaceError::MalformedResponse {
            step: "mutual authentication",
            reason: format!(
                "the encrypted chip authentication data is {} bytes; expected a multiple of 16",
                a_ic.len()
            ),
        });
    }
    let plain = Zeroizing::new(ks_enc.decrypt_cbc(&iv, a_ic).map_err(crypto)?);
    let unpadded =
        sym::unpad(&plain, sym::AES_BLOCK).map_err(|_| PaceError::MalformedResponse {
            step: "mutual authentication",
            reason: "the chip authentication data is not correctly padded".into(),
        })?;
    Ok(Zeroizing::new(unpadded.to_vec()))
}

/// Terminal-side check of PACE-CAM (ICAO 9303-11 §4.4.3.5.2): PK_Map,IC = CA_IC · PK_IC, with
/// PK_IC the chip's static public key (uncompressed point) from EF.CardSecurity.
pub fn cam_verify(
    group: &Group,
    ca_ic: &[u8],
    chip_static_public_key: &[u8],
    chip_mapping_public_key: &[u8],
) -> Result<(), PaceError> {
    let Group::Ec(curve) = group else {
        return Err(PaceError::UnsupportedParameters(
            "the Chip Authentication Mapping is only defined for ECDH".into(),
        ));
    };
    let ca = curve
        .scalar_from_bytes(ca_ic)
        .map_err(|_| PaceError::ChipAuthenticationFailed)?;
    let pk_ic = curve
        .decode_point(chip_static_public_key)
        .map_err(|e| PaceError::InvalidChipStaticKey(e.to_string()))?;
    let pk_map = curve
        .decode_point(chip_mapping_public_key)
        .map_err(PaceError::Group)?;
    let expected = curve
        .mul(&pk_ic, &ca)
        .map_err(|_| PaceError::ChipAuthenticationFailed)?;
    if curve.points_equal(&expected, &pk_map) {
        Ok(())
    } else {
        Err(PaceError::ChipAuthenticationFailed)
    }
}

/// Validates and decodes a peer's public key and applies the private key to it: the shared
/// element (DH: the subgroup check and the agreement share their squarings).
pub(crate) fn agree_with_peer(
    group: &Group,
    key: &PrivateKey,
    bytes: &[u8],
) -> Result<Element, PaceError> {
    match group.decode_and_agree(key, bytes) {
        Ok((_, shared)) => Ok(shared),
        Err(e @ (PkError::IdentityResult | PkError::GroupMismatch)) => Err(PaceError::Group(e)),
        Err(e) => Err(PaceError::InvalidPeerKey(e)),
    }
}

/// Validates and decodes a peer's public key (where the key is needed before any agreement:
/// the Generic Mapping's one-pass public key on elliptic curves).
pub(crate) fn decode_peer_key(group: &Group, bytes: &[u8]) -> Result<Element, PaceError> {
    group
        .decode_public_key(bytes)
        .map_err(PaceError::InvalidPeerKey)
}

/// Encodes an element (EC uncompressed point; DH minimal unsigned integer).
pub(crate) fn encode(group: &Group, el: &Element) -> Result<Vec<u8>, PaceError> {
    group.encode_public_key(el).map_err(PaceError::Group)
}

impl From<PkError> for PaceError {
    fn from(e: PkError) -> Self {
        PaceError::Group(e)
    }
}
