//! Symmetric primitives of ICAO Doc 9303-11: 3DES and AES in CBC mode, ISO/IEC 9797-1 padding
//! method 2 and MAC algorithm 3 ("retail MAC"), AES-CMAC, DES parity and the key derivation
//! function of §9.7.1.
//!
//! Encryption functions never pad: callers pad with [`pad`] first (secure messaging and BAC
//! always use padding method 2 or already aligned data).

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::block_padding::NoPadding;
use cipher::{
    BlockCipher, BlockDecrypt, BlockDecryptMut, BlockEncrypt, BlockEncryptMut, KeyInit, KeyIvInit,
};
use cmac::{Cmac, Mac};
use des::{Des, TdesEde2};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// DES / 3DES block size in bytes.
pub const DES_BLOCK: usize = 8;
/// AES block size in bytes.
pub const AES_BLOCK: usize = 16;

/// KDF counter for the encryption key (ICAO 9303-11 §9.7.1).
pub const KDF_ENC: u32 = 1;
/// KDF counter for the MAC key.
pub const KDF_MAC: u32 = 2;
/// KDF counter for the PACE password key K_π.
pub const KDF_PACE: u32 = 3;

/// Errors of the symmetric primitives. They indicate a programming error or corrupt input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SymError {
    /// A key of the wrong size for the cipher.
    #[error("{cipher} needs a {expected}-byte key, got {actual} bytes")]
    KeyLength {
        /// The cipher the key was for.
        cipher: Cipher,
        /// The key size it needs, in bytes.
        expected: usize,
        /// The size given.
        actual: usize,
    },
    /// An AES key that is not 16, 24 or 32 bytes.
    #[error("AES keys are 16, 24 or 32 bytes, got {0} bytes")]
    AesKeyLength(usize),
    /// An IV that is not one block.
    #[error("the IV must be one {expected}-byte block, got {actual} bytes")]
    IvLength {
        /// The block size, in bytes.
        expected: usize,
        /// The size given.
        actual: usize,
    },
    /// Data that is not a whole number of blocks (or empty where a block is needed).
    #[error("{len} bytes of data is not a positive multiple of the {block}-byte block size; pad it first (ISO/IEC 9797-1 method 2)")]
    NotBlockAligned {
        /// The data length, in bytes.
        len: usize,
        /// The block size, in bytes.
        block: usize,
    },
    /// ISO/IEC 9797-1 method 2 padding missing or malformed.
    #[error("invalid ISO/IEC 9797-1 padding (method 2): the data was not decrypted with the right key or is corrupt")]
    BadPadding,
}

/// Block ciphers (and key sizes) used by eMRTD access protocols and secure messaging.
// Not #[non_exhaustive]: ICAO 9303-11 defines exactly these ciphers, and a new one needs code in every
// protocol step (key and nonce lengths, KDF, OIDs): exhaustive matches find each place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cipher {
    /// Two-key triple DES (EDE, 16-byte key K1||K2), 8-byte blocks.
    Tdes,
    /// AES with a 128-bit key.
    Aes128,
    /// AES with a 192-bit key.
    Aes192,
    /// AES with a 256-bit key.
    Aes256,
}

impl Cipher {
    /// Key length in bytes (16 for 3DES: K1 || K2, parity bits included).
    pub fn key_len(self) -> usize {
        match self {
            Cipher::Tdes | Cipher::Aes128 => 16,
            Cipher::Aes192 => 24,
            Cipher::Aes256 => 32,
        }
    }

    /// Block size in bytes (also the length of the secure messaging SSC).
    pub fn block_size(self) -> usize {
        match self {
            Cipher::Tdes => DES_BLOCK,
            _ => AES_BLOCK,
        }
    }

    /// Is this one of the AES variants?
    pub fn is_aes(self) -> bool {
        !matches!(self, Cipher::Tdes)
    }

    /// The AES variant for a key of `len` bytes.
    pub fn aes_for_key_len(len: usize) -> Result<Cipher, SymError> {
        match len {
            16 => Ok(Cipher::Aes128),
            24 => Ok(Cipher::Aes192),
            32 => Ok(Cipher::Aes256),
            n => Err(SymError::AesKeyLength(n)),
        }
    }
}

impl fmt::Display for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cipher::Tdes => "3DES",
            Cipher::Aes128 => "AES-128",
            Cipher::Aes192 => "AES-192",
            Cipher::Aes256 => "AES-256",
        })
    }
}

/// A secret symmetric key bound to its cipher. Zeroized on drop; `Debug` does not show it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SymKey {
    #[zeroize(skip)]
    cipher: Cipher,
    bytes: [u8; 32],
}

impl fmt::Debug for SymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SymKey({}, <redacted>)", self.cipher)
    }
}

impl PartialEq for SymKey {
    /// Constant-time comparison of the key bytes.
    fn eq(&self, other: &Self) -> bool {
        self.cipher == other.cipher && ct_eq(self.as_bytes(), other.as_bytes())
    }
}

impl Eq for SymKey {}

impl SymKey {
    /// Wrap key bytes for `cipher`; the length must be `cipher.key_len()`.
    pub fn new(cipher: Cipher, key: &[u8]) -> Result<SymKey, SymError> {
        if key.len() != cipher.key_len() {
            return Err(SymError::KeyLength {
                cipher,
                expected: cipher.key_len(),
                actual: key.len(),
            });
        }
        let mut bytes = [0u8; 32];
        bytes[..key.len()].copy_from_slice(key);
        Ok(SymKey { cipher, bytes })
    }

    /// A two-key 3DES key.
    pub fn tdes(key: &[u8; 16]) -> SymKey {
        let mut bytes = [0u8; 32];
        bytes[..16].copy_from_slice(key);
        SymKey {
            cipher: Cipher::Tdes,
            bytes,
        }
    }

    /// An AES key; the variant follows from the length (16, 24 or 32 bytes).
    pub fn aes(key: &[u8]) -> Result<SymKey, SymError> {
        SymKey::new(Cipher::aes_for_key_len(key.len())?, key)
    }

    /// The cipher this key is for.
    pub fn cipher(&self) -> Cipher {
        self.cipher
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.cipher.key_len()]
    }

    fn tdes_bytes(&self) -> [u8; 16] {
        let mut k = [0u8; 16];
        k.copy_from_slice(&self.bytes[..16]);
        k
    }

    /// CBC encryption without padding (`data` must be block aligned; empty data gives empty output).
    pub fn encrypt_cbc(&self, iv: &[u8], data: &[u8]) -> Result<Vec<u8>, SymError> {
        match self.cipher {
            Cipher::Tdes => {
                let mut k = self.tdes_bytes();
                let r = tdes_cbc_encrypt(&k, iv, data);
                k.zeroize();
                r
            }
            _ => aes_cbc_encrypt(self.as_bytes(), iv, data),
        }
    }

    /// CBC decryption without unpadding (`data` must be block aligned).
    pub fn decrypt_cbc(&self, iv: &[u8], data: &[u8]) -> Result<Vec<u8>, SymError> {
        match self.cipher {
            Cipher::Tdes => {
                let mut k = self.tdes_bytes();
                let r = tdes_cbc_decrypt(&k, iv, data);
                k.zeroize();
                r
            }
            _ => aes_cbc_decrypt(self.as_bytes(), iv, data),
        }
    }

    /// Encrypt a single block in ECB mode (for AES: the secure messaging IV `E(KS_enc, SSC)`).
    pub fn encrypt_block(&self, block: &[u8]) -> Result<Vec<u8>, SymError> {
        let bs = self.cipher.block_size();
        if block.len() != bs {
            return Err(SymError::NotBlockAligned {
                len: block.len(),
                block: bs,
            });
        }
        // One-block ECB is CBC with a zero IV.
        self.encrypt_cbc(&[0u8; AES_BLOCK][..bs], block)
    }

    /// The 8-byte MAC of ICAO 9303-11: for 3DES the retail MAC (ISO/IEC 9797-1 MAC algorithm 3)
    /// over `data`, which must already be padded; for AES the CMAC of `data` truncated to 8 bytes
    /// (CMAC pads by itself; callers that must pad first, such as secure messaging, do so).
    pub fn mac8(&self, data: &[u8]) -> Result<[u8; 8], SymError> {
        match self.cipher {
            Cipher::Tdes => {
                let mut k = self.tdes_bytes();
                let r = retail_mac(&k, data);
                k.zeroize();
                r
            }
            _ => {
                let full = aes_cmac(self.as_bytes(), data)?;
                let mut out = [0u8; 8];
                out.copy_from_slice(&full[..8]);
                Ok(out)
            }
        }
    }
}

fn check_iv(iv: &[u8], block: usize) -> Result<(), SymError> {
    if iv.len() != block {
        return Err(SymError::IvLength {
            expected: block,
            actual: iv.len(),
        });
    }
    Ok(())
}

/// Is `len` a multiple of `block` (false for a zero block)? Written without `is_multiple_of`
/// to keep the workspace's minimum Rust version.
fn is_aligned(len: usize, block: usize) -> bool {
    len.checked_rem(block) == Some(0)
}

fn check_aligned(data: &[u8], block: usize) -> Result<(), SymError> {
    if !is_aligned(data.len(), block) {
        return Err(SymError::NotBlockAligned {
            len: data.len(),
            block,
        });
    }
    Ok(())
}

fn cbc_enc<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, SymError>
where
    C: BlockEncryptMut + BlockCipher + KeyInit + BlockCipherInfo,
{
    check_iv(iv, C::BLOCK)?;
    check_aligned(data, C::BLOCK)?;
    let enc = cbc::Encryptor::<C>::new_from_slices(key, iv).map_err(|_| SymError::KeyLength {
        cipher: C::CIPHER,
        expected: C::CIPHER.key_len(),
        actual: key.len(),
    })?;
    Ok(enc.encrypt_padded_vec_mut::<NoPadding>(data))
}

fn cbc_dec<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, SymError>
where
    C: BlockDecryptMut + BlockCipher + KeyInit + BlockCipherInfo,
{
    check_iv(iv, C::BLOCK)?;
    check_aligned(data, C::BLOCK)?;
    let dec = cbc::Decryptor::<C>::new_from_slices(key, iv).map_err(|_| SymError::KeyLength {
        cipher: C::CIPHER,
        expected: C::CIPHER.key_len(),
        actual: key.len(),
    })?;
    dec.decrypt_padded_vec_mut::<NoPadding>(data)
        .map_err(|_| SymError::NotBlockAligned {
            len: data.len(),
            block: C::BLOCK,
        })
}

/// Ties a RustCrypto block cipher type to our [`Cipher`] label.
trait BlockCipherInfo {
    const BLOCK: usize;
    const CIPHER: Cipher;
}
impl BlockCipherInfo for TdesEde2 {
    const BLOCK: usize = DES_BLOCK;
    const CIPHER: Cipher = Cipher::Tdes;
}
impl BlockCipherInfo for Aes128 {
    const BLOCK: usize = AES_BLOCK;
    const CIPHER: Cipher = Cipher::Aes128;
}
impl BlockCipherInfo for Aes192 {
    const BLOCK: usize = AES_BLOCK;
    const CIPHER: Cipher = Cipher::Aes192;
}
impl BlockCipherInfo for Aes256 {
    const BLOCK: usize = AES_BLOCK;
    const CIPHER: Cipher = Cipher::Aes256;
}

/// Two-key 3DES-CBC encryption without padding. `iv` is 8 bytes (ICAO uses zeros).
pub fn tdes_cbc_encrypt(key: &[u8; 16], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, SymError> {
    cbc_enc::<TdesEde2>(key, iv, data)
}

/// Two-key 3DES-CBC decryption without unpadding.
pub fn tdes_cbc_decrypt(key: &[u8; 16], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, SymError> {
    cbc_dec::<TdesEde2>(key, iv, data)
}

/// AES-CBC encryption without padding; the key (16, 24 or 32 bytes) selects AES-128/192/256.
pub fn aes_cbc_encrypt(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, SymError> {
    match Cipher::aes_for_key_len(key.len())? {
        Cipher::Aes128 => cbc_enc::<Aes128>(key, iv, data),
        Cipher::Aes192 => cbc_enc::<Aes192>(key, iv, data),
        _ => cbc_enc::<Aes256>(key, iv, data),
    }
}

/// AES-CBC decryption without unpadding.
pub fn aes_cbc_decrypt(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, SymError> {
    match Cipher::aes_for_key_len(key.len())? {
        Cipher::Aes128 => cbc_dec::<Aes128>(key, iv, data),
        Cipher::Aes192 => cbc_dec::<Aes192>(key, iv, data),
        _ => cbc_dec::<Aes256>(key, iv, data),
    }
}

/// AES-ECB encryption of one 16-byte block (secure messaging IV: `E(KS_enc, SSC)`).
pub fn aes_ecb_encrypt_block(key: &[u8], block: &[u8; 16]) -> Result<[u8; 16], SymError> {
    let ct = aes_cbc_encrypt(key, &[0u8; AES_BLOCK], block)?;
    let mut out = [0u8; 16];
    out.copy_from_slice(&ct);
    Ok(out)
}

/// ISO/IEC 9797-1 padding method 2: append `80` and then `00` up to a multiple of `block`
/// (a whole block is added when the data is already aligned).
pub fn pad(data: &[u8], block: usize) -> Vec<u8> {
    let block = block.max(1);
    let padded_len = (data.len() / block + 1) * block;
    let mut out = Vec::with_capacity(padded_len);
    out.extend_from_slice(data);
    out.push(0x80);
    out.resize(padded_len, 0);
    out
}

/// Strict removal of ISO/IEC 9797-1 padding method 2: `data` must be a positive multiple of
/// `block` and end in `80 00..00` with at most `block` padding bytes.
pub fn unpad(data: &[u8], block: usize) -> Result<&[u8], SymError> {
    if data.is_empty() || !is_aligned(data.len(), block) {
        return Err(SymError::BadPadding);
    }
    let zeros = data.iter().rev().take_while(|&&b| b == 0).count();
    let marker = data
        .len()
        .checked_sub(zeros + 1)
        .ok_or(SymError::BadPadding)?;
    if data.get(marker) != Some(&0x80) || zeros + 1 > block {
        return Err(SymError::BadPadding);
    }
    Ok(&data[..marker])
}

/// ISO/IEC 9797-1 MAC algorithm 3 with DES ("retail MAC"): DES-CBC with K1 over all blocks,
/// then decrypt with K2 and encrypt with K1 on the last block. `data` must already be padded.
pub fn retail_mac(key: &[u8; 16], data: &[u8]) -> Result<[u8; 8], SymError> {
    if data.is_empty() || !is_aligned(data.len(), DES_BLOCK) {
        return Err(SymError::NotBlockAligned {
            len: data.len(),
            block: DES_BLOCK,
        });
    }
    let k1 = Des::new_from_slice(&key[..8]).map_err(|_| SymError::KeyLength {
        cipher: Cipher::Tdes,
        expected: 16,
        actual: key.len(),
    })?;
    let k2 = Des::new_from_slice(&key[8..]).map_err(|_| SymError::KeyLength {
        cipher: Cipher::Tdes,
        expected: 16,
        actual: key.len(),
    })?;
    let mut h = cipher::Block::<Des>::default();
    for chunk in data.chunks_exact(DES_BLOCK) {
        for (a, b) in h.iter_mut().zip(chunk) {
            *a ^= b;
        }
        k1.encrypt_block(&mut h);
    }
    k2.decrypt_block(&mut h);
    k1.encrypt_block(&mut h);
    let mut out = [0u8; 8];
    out.copy_from_slice(&h);
    h.as_mut_slice().zeroize();
    Ok(out)
}

/// AES-CMAC (NIST SP 800-38B), full 16 bytes; the key length selects AES-128/192/256.
pub fn aes_cmac(key: &[u8], data: &[u8]) -> Result<[u8; 16], SymError> {
    fn run<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Result<[u8; 16], SymError> {
        let mut m =
            <M as KeyInit>::new_from_slice(key).map_err(|_| SymError::AesKeyLength(key.len()))?;
        m.update(data);
        let tag = m.finalize().into_bytes();
        let mut out = [0u8; 16];
        if tag.len() != out.len() {
            return Err(SymError::AesKeyLength(key.len()));
        }
        out.copy_from_slice(&tag);
        Ok(out)
    }
    match Cipher::aes_for_key_len(key.len())? {
        Cipher::Aes128 => run::<Cmac<Aes128>>(key, data),
        Cipher::Aes192 => run::<Cmac<Aes192>>(key, data),
        _ => run::<Cmac<Aes256>>(key, data),
    }
}

/// Set the least significant bit of every byte so that each byte has odd parity (DES keys).
pub fn adjust_des_parity(key: &mut [u8]) {
    for b in key.iter_mut() {
        let ones = (*b & 0xFE).count_ones();
        *b = (*b & 0xFE) | u8::from(ones % 2 == 0);
    }
}

/// ICAO 9303-11 §9.7.1 key derivation: `KDF(K, c) = H(K || c)` with `c` a 32-bit big-endian
/// counter ([`KDF_ENC`], [`KDF_MAC`], [`KDF_PACE`]). 3DES and AES-128 use SHA-1 (first 16 bytes;
/// 3DES parity adjusted), AES-192 and AES-256 use SHA-256 (first 24 / 32 bytes).
pub fn kdf(secret: &[u8], counter: u32, cipher: Cipher) -> SymKey {
    let mut bytes = [0u8; 32];
    match cipher {
        Cipher::Tdes | Cipher::Aes128 => {
            let mut h = Sha1::new()
                .chain_update(secret)
                .chain_update(counter.to_be_bytes())
                .finalize();
            bytes[..16].copy_from_slice(&h[..16]);
            h.as_mut_slice().zeroize();
        }
        Cipher::Aes192 | Cipher::Aes256 => {
            let mut h = Sha256::new()
                .chain_update(secret)
                .chain_update(counter.to_be_bytes())
                .finalize();
            let n = cipher.key_len();
            bytes[..n].copy_from_slice(&h[..n]);
            h.as_mut_slice().zeroize();
        }
    }
    if cipher == Cipher::Tdes {
        adjust_des_parity(&mut bytes[..16]);
    }
    SymKey { cipher, bytes }
}

/// Constant-time equality of two byte strings (the lengths are not secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests;
