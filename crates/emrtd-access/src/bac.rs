//! Basic Access Control (ICAO Doc 9303-11 §4.3) as sans-IO state machines.
//!
//! Terminal: [`BacTerminal`] builds GET CHALLENGE and EXTERNAL AUTHENTICATE and turns the chip's
//! answer into a 3DES [`SecureMessaging`] session. Chip: [`BacChip`] answers them (virtual chip).
//!
//! Keys: `K_seed` = first 16 bytes of SHA-1(MRZ information); `K_enc` = KDF(K_seed, 1),
//! `K_mac` = KDF(K_seed, 2) (3DES, parity adjusted). Mutual authentication:
//! `E_IFD = 3DES-CBC(K_enc, RND.IFD || RND.IC || K.IFD)`, `M_IFD = MAC(K_mac, pad(E_IFD))`; the
//! chip answers `E_IC || M_IC` over `RND.IC || RND.IFD || K.IC`. Session keys come from
//! `K.IFD xor K.IC`; the SSC is the low 4 bytes of RND.IC followed by the low 4 bytes of RND.IFD.

use emrtd_apdu::{ins, CommandApdu, ResponseApdu, StatusWord};
use emrtd_crypto::sym::{self, Cipher, KDF_ENC, KDF_MAC};
use emrtd_sm::SecureMessaging;
use rand_core::{CryptoRng, RngCore};
use sha1::{Digest, Sha1};
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Length of EXTERNAL AUTHENTICATE data in both directions: 32-byte cryptogram + 8-byte MAC.
const AUTH_DATA_LEN: usize = 40;
const ZERO_IV: [u8; 8] = [0; 8];

/// Errors of the terminal side of BAC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BacError {
    /// The chip rejected the authentication (63xx / 6982): the access key is wrong.
    #[error("the chip refused the access key: check the MRZ (document number, date of birth, date of expiry)")]
    AccessDenied,
    /// GET CHALLENGE was answered with an error status.
    #[error("the chip refused GET CHALLENGE with status {0}; the chip may not support Basic Access Control")]
    ChallengeRefused(StatusWord),
    /// GET CHALLENGE returned something other than an 8-byte nonce.
    #[error("the chip's challenge is {0} bytes instead of 8; retry, or the chip does not support Basic Access Control")]
    BadChallenge(usize),
    /// EXTERNAL AUTHENTICATE was refused with a status other than an authentication failure.
    #[error("the chip refused EXTERNAL AUTHENTICATE with status {0}")]
    Refused(StatusWord),
    /// The chip's answer is malformed.
    #[error("malformed BAC answer from the chip: {0}; retry Basic Access Control")]
    BadResponse(String),
    /// The MAC over the chip's cryptogram is wrong.
    #[error("the MAC of the chip's BAC answer is wrong (answer altered in transit, or the MRZ is wrong); retry, and check the MRZ if it persists")]
    MacMismatch,
    /// The chip did not echo our nonces: not an answer to this authentication (replay?).
    #[error("the chip's BAC answer does not echo this session's nonces (replayed or foreign answer); retry Basic Access Control")]
    NonceMismatch,
    /// Methods called out of order.
    #[error("BAC steps called out of order: send GET CHALLENGE and EXTERNAL AUTHENTICATE first")]
    WrongState,
}

/// The BAC access keys K_enc and K_mac (zeroized on drop).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct BacKeys {
    k_enc: [u8; 16],
    k_mac: [u8; 16],
}

impl fmt::Debug for BacKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BacKeys(<redacted>)")
    }
}

impl BacKeys {
    /// Keys from the MRZ information (document number + check digit, date of birth + check
    /// digit, date of expiry + check digit; see [`emrtd_mrz::mrz_information`]).
    pub fn from_mrz_information(info: &str) -> Self {
        let mut digest = Sha1::digest(info.as_bytes());
        let mut seed = [0u8; 16];
        seed.copy_from_slice(&digest[..16]);
        digest.as_mut_slice().zeroize();
        let keys = Self::from_seed(&seed);
        seed.zeroize();
        keys
    }

    /// Keys from the three MRZ fields (check digits are computed here).
    pub fn from_mrz(
        document_number: &str,
        date_of_birth: &str,
        date_of_expiry: &str,
    ) -> Result<Self, emrtd_mrz::MrzError> {
        let info = Zeroizing::new(emrtd_mrz::mrz_information(
            document_number,
            date_of_birth,
            date_of_expiry,
        )?);
        Ok(Self::from_mrz_information(&info))
    }

    /// Keys from a 16-byte key seed (also gives the BAC session keys from `K.IFD xor K.IC`).
    pub fn from_seed(seed: &[u8; 16]) -> Self {
        let mut k_enc = [0u8; 16];
        let mut k_mac = [0u8; 16];
        k_enc.copy_from_slice(sym::kdf(seed, KDF_ENC, Cipher::Tdes).as_bytes());
        k_mac.copy_from_slice(sym::kdf(seed, KDF_MAC, Cipher::Tdes).as_bytes());
        BacKeys { k_enc, k_mac }
    }

    /// K_enc (3DES, 16 bytes).
    pub fn k_enc(&self) -> &[u8; 16] {
        &self.k_enc
    }

    /// K_mac (3DES, 16 bytes).
    pub fn k_mac(&self) -> &[u8; 16] {
        &self.k_mac
    }

    fn encrypt(&self, plain: &[u8; 32]) -> [u8; 32] {
        let mut out = [0u8; 32];
        // 32 bytes and an 8-byte IV are always valid for 3DES-CBC.
        if let Ok(ct) = sym::tdes_cbc_encrypt(&self.k_enc, &ZERO_IV, plain) {
            out.copy_from_slice(&ct);
        }
        out
    }

    fn decrypt(&self, cryptogram: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        sym::tdes_cbc_decrypt(&self.k_enc, &ZERO_IV, cryptogram)
            .ok()
            .map(Zeroizing::new)
    }

    fn mac(&self, cryptogram: &[u8]) -> [u8; 8] {
        // Padded data is always block aligned, so the retail MAC cannot fail.
        sym::retail_mac(&self.k_mac, &sym::pad(cryptogram, sym::DES_BLOCK)).unwrap_or_default()
    }

    /// `cryptogram || MAC(cryptogram)` for 32 bytes of plaintext.
    fn seal(&self, plain: &[u8; 32]) -> Vec<u8> {
        let e = self.encrypt(plain);
        let mut out = Vec::with_capacity(AUTH_DATA_LEN);
        out.extend_from_slice(&e);
        out.extend_from_slice(&self.mac(&e));
        out
    }

    /// Verify the MAC of `E || M` (constant time), then decrypt E.
    fn open(&self, data: &[u8]) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        if data.len() != AUTH_DATA_LEN {
            return Err(OpenError::Length(data.len()));
        }
        let (e, m) = data.split_at(32);
        if !sym::ct_eq(&self.mac(e), m) {
            return Err(OpenError::Mac);
        }
        self.decrypt(e).ok_or(OpenError::Length(data.len()))
    }
}

enum OpenError {
    Length(usize),
    Mac,
}

/// Nonces and key share of one authentication attempt.
#[derive(Zeroize, ZeroizeOnDrop)]
struct Pending {
    rnd_ic: [u8; 8],
    rnd_ifd: [u8; 8],
    k_ifd: [u8; 16],
}

/// Split a decrypted 32-byte block into (first nonce, second nonce, key share).
fn split32(plain: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    if plain.len() != 32 {
        return None;
    }
    let (a, rest) = plain.split_at(8);
    let (b, k) = rest.split_at(8);
    Some((a, b, k))
}

fn concat32(a: &[u8; 8], b: &[u8; 8], k: &[u8; 16]) -> Zeroizing<[u8; 32]> {
    let mut s = Zeroizing::new([0u8; 32]);
    s[..8].copy_from_slice(a);
    s[8..16].copy_from_slice(b);
    s[16..].copy_from_slice(k);
    s
}

/// Session keys from `K.IFD xor K.IC` and SSC from the nonces.
fn session(k_ifd: &[u8], k_ic: &[u8], rnd_ic: &[u8; 8], rnd_ifd: &[u8; 8]) -> SecureMessaging {
    let mut seed = [0u8; 16];
    for ((s, a), b) in seed.iter_mut().zip(k_ifd).zip(k_ic) {
        *s = a ^ b;
    }
    let keys = BacKeys::from_seed(&seed);
    seed.zeroize();
    let mut ssc = [0u8; 8];
    ssc[..4].copy_from_slice(&rnd_ic[4..]);
    ssc[4..].copy_from_slice(&rnd_ifd[4..]);
    SecureMessaging::new_3des(keys.k_enc, keys.k_mac, ssc)
}

/// Terminal side of BAC.
#[derive(Debug)]
pub struct BacTerminal {
    keys: BacKeys,
    pending: Option<Pending>,
}

impl fmt::Debug for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pending(<redacted>)")
    }
}

impl BacTerminal {
    /// Start BAC with the document's access keys.
    pub fn new(keys: BacKeys) -> Self {
        BacTerminal {
            keys,
            pending: None,
        }
    }

    /// GET CHALLENGE: `00 84 00 00 08`.
    pub fn get_challenge_command(&self) -> CommandApdu {
        CommandApdu::new(0x00, ins::GET_CHALLENGE, 0x00, 0x00).with_le(8)
    }

    /// EXTERNAL AUTHENTICATE from the chip's challenge, with fresh RND.IFD and K.IFD from `rng`.
    pub fn external_authenticate_command(
        &mut self,
        challenge_response: &ResponseApdu,
        rng: &mut (impl RngCore + CryptoRng + ?Sized),
    ) -> Result<CommandApdu, BacError> {
        let mut rnd_ifd = [0u8; 8];
        let mut k_ifd = [0u8; 16];
        rng.fill_bytes(&mut rnd_ifd);
        rng.fill_bytes(&mut k_ifd);
        let r = self.external_authenticate_command_with(challenge_response, rnd_ifd, k_ifd);
        rnd_ifd.zeroize();
        k_ifd.zeroize();
        r
    }

    /// EXTERNAL AUTHENTICATE with given RND.IFD and K.IFD (for known-answer tests).
    /// The command is `00 82 00 00 28 <E_IFD || M_IFD> 28`.
    pub fn external_authenticate_command_with(
        &mut self,
        challenge_response: &ResponseApdu,
        rnd_ifd: [u8; 8],
        k_ifd: [u8; 16],
    ) -> Result<CommandApdu, BacError> {
        if !challenge_response.sw.is_ok() {
            return Err(BacError::ChallengeRefused(challenge_response.sw));
        }
        let rnd_ic: [u8; 8] = challenge_response
            .data
            .as_slice()
            .try_into()
            .map_err(|_| BacError::BadChallenge(challenge_response.data.len()))?;
        let pending = Pending {
            rnd_ic,
            rnd_ifd,
            k_ifd,
        };
        let s = concat32(&pending.rnd_ifd, &pending.rnd_ic, &pending.k_ifd);
        let data = self.keys.seal(&s);
        self.pending = Some(pending);
        Ok(
            CommandApdu::new(0x00, ins::EXTERNAL_AUTHENTICATE, 0x00, 0x00)
                .with_data(data)
                .with_le(AUTH_DATA_LEN),
        )
    }

    /// Check the chip's EXTERNAL AUTHENTICATE answer (MAC in constant time, nonce echoes) and
    /// derive the 3DES secure messaging session.
    pub fn finish(self, response: &ResponseApdu) -> Result<SecureMessaging, BacError> {
        let pending = self.pending.as_ref().ok_or(BacError::WrongState)?;
        match response.sw {
            StatusWord::OK => {}
            sw if sw.sw1() == 0x63 || sw == StatusWord::SECURITY_STATUS_NOT_SATISFIED => {
                return Err(BacError::AccessDenied)
            }
            sw => return Err(BacError::Refused(sw)),
        }
        let plain = self.keys.open(&response.data).map_err(|e| match e {
            OpenError::Length(n) => {
                BacError::BadResponse(format!("{n} bytes of data instead of {AUTH_DATA_LEN}"))
            }
            OpenError::Mac => BacError::MacMismatch,
        })?;
        let (rnd_ic, rnd_ifd, k_ic) = split32(&plain)
            .ok_or_else(|| BacError::BadResponse("cryptogram of the wrong size".into()))?;
        // Both checks always run, so timing does not tell which nonce differed.
        let ok_ic = sym::ct_eq(rnd_ic, &pending.rnd_ic);
        let ok_ifd = sym::ct_eq(rnd_ifd, &pending.rnd_ifd);
        if !(ok_ic & ok_ifd) {
            return Err(BacError::NonceMismatch);
        }
        Ok(session(
            &pending.k_ifd,
            k_ic,
            &pending.rnd_ic,
            &pending.rnd_ifd,
        ))
    }
}

/// Chip side of BAC (for the virtual chip). Every answer is a status word on error; malformed
/// input never panics.
#[derive(Debug)]
pub struct BacChip {
    keys: BacKeys,
    rnd_ic: Option<Zeroizing<[u8; 8]>>,
}

impl BacChip {
    /// A chip whose access keys are `keys`.
    pub fn new(keys: BacKeys) -> Self {
        BacChip { keys, rnd_ic: None }
    }

    /// Forget any outstanding challenge (card reset).
    pub fn reset(&mut self) {
        self.rnd_ic = None;
    }

    /// Answer GET CHALLENGE with a fresh RND.IC.
    pub fn handle_get_challenge(
        &mut self,
        rng: &mut (impl RngCore + CryptoRng + ?Sized),
    ) -> ResponseApdu {
        let mut rnd_ic = [0u8; 8];
        rng.fill_bytes(&mut rnd_ic);
        let r = self.handle_get_challenge_with(rnd_ic);
        rnd_ic.zeroize();
        r
    }

    /// Answer GET CHALLENGE with a given RND.IC (for known-answer tests).
    pub fn handle_get_challenge_with(&mut self, rnd_ic: [u8; 8]) -> ResponseApdu {
        self.rnd_ic = Some(Zeroizing::new(rnd_ic));
        ResponseApdu::new(rnd_ic.to_vec(), StatusWord::OK)
    }

    /// Answer EXTERNAL AUTHENTICATE with a fresh K.IC; on success also returns the session.
    pub fn handle_external_authenticate(
        &mut self,
        cmd: &CommandApdu,
        rng: &mut (impl RngCore + CryptoRng + ?Sized),
    ) -> (ResponseApdu, Option<SecureMessaging>) {
        let mut k_ic = [0u8; 16];
        rng.fill_bytes(&mut k_ic);
        let r = self.handle_external_authenticate_with(cmd, k_ic);
        k_ic.zeroize();
        r
    }

    /// Answer EXTERNAL AUTHENTICATE with a given K.IC (for known-answer tests).
    ///
    /// Status words: 6985 without a preceding GET CHALLENGE (each challenge serves one attempt),
    /// 6A86 for P1/P2 other than 00, 6700 for data that is not 40 bytes, 6300 for a wrong MAC or
    /// a cryptogram that does not carry this challenge.
    pub fn handle_external_authenticate_with(
        &mut self,
        cmd: &CommandApdu,
        k_ic: [u8; 16],
    ) -> (ResponseApdu, Option<SecureMessaging>) {
        let fail = |sw| (ResponseApdu::status(sw), None);
        let Some(rnd_ic) = self.rnd_ic.take() else {
            return fail(StatusWord::CONDITIONS_NOT_SATISFIED);
        };
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return fail(StatusWord::INCORRECT_P1P2);
        }
        let plain = match self.keys.open(&cmd.data) {
            Ok(p) => p,
            Err(OpenError::Length(_)) => return fail(StatusWord::WRONG_LENGTH),
            Err(OpenError::Mac) => return fail(StatusWord::VERIFICATION_FAILED),
        };
        let Some((rnd_ifd, rnd_ic_echo, k_ifd)) = split32(&plain) else {
            return fail(StatusWord::WRONG_LENGTH);
        };
        if !sym::ct_eq(rnd_ic_echo, rnd_ic.as_slice()) {
            return fail(StatusWord::VERIFICATION_FAILED);
        }
        let mut rnd_ifd_arr = [0u8; 8];
        rnd_ifd_arr.copy_from_slice(rnd_ifd);
        let r = concat32(&rnd_ic, &rnd_ifd_arr, &k_ic);
        let data = self.keys.seal(&r);
        let sm = session(k_ifd, &k_ic, &rnd_ic, &rnd_ifd_arr);
        rnd_ifd_arr.zeroize();
        (ResponseApdu::new(data, StatusWord::OK), Some(sm))
    }
}

#[cfg(test)]
mod tests;
