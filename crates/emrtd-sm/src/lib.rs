//! ISO/IEC 7816-4 secure messaging as profiled by ICAO Doc 9303-11 §9.8.
//!
//! A [`SecureMessaging`] session holds the session keys KS_enc / KS_mac and the send sequence
//! counter (SSC). The terminal side [`protect`](SecureMessaging::protect)s commands and
//! [`unprotect`](SecureMessaging::unprotect)s responses; the chip side (used by the virtual chip)
//! does the mirror image with [`unprotect_command`](SecureMessaging::unprotect_command) and
//! [`protect_response`](SecureMessaging::protect_response). The SSC is incremented once for every
//! command and once for every response.
//!
//! Data objects: `87` (padding-content indicator `01` + cryptogram, even INS), `85` (cryptogram,
//! odd INS such as READ BINARY `B1`), `97` (Le), `99` (status word), `8E` (8-byte MAC).
//! 3DES: CBC with a zero IV, retail MAC, 8-byte SSC. AES: IV = AES(KS_enc, SSC), CMAC truncated to
//! 8 bytes, 16-byte SSC. Data and MAC input are padded with ISO/IEC 9797-1 method 2.
//!
//! Any error on received data closes the session (ICAO 9303-11 §9.8.6: the chip does the same);
//! later calls fail with [`SmError::SessionClosed`] until a new session is established.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use emrtd_apdu::{ApduError, CommandApdu, ResponseApdu, StatusWord};
use emrtd_crypto::sym::{self, Cipher, SymError, SymKey};
use std::fmt;
use zeroize::Zeroize;

const TAG_CRYPTOGRAM_PCI: u32 = 0x87;
const TAG_CRYPTOGRAM: u32 = 0x85;
const TAG_LE: u32 = 0x97;
const TAG_SW: u32 = 0x99;
const TAG_MAC: u32 = 0x8E;
const MAC_LEN: usize = 8;
/// Padding-content indicator of DO'87': padded with ISO/IEC 9797-1 method 2 ("80 00..").
const PCI_METHOD2: u8 = 0x01;

const BROKEN: &str =
    "the secure messaging session is broken and must be re-established (run BAC or PACE again)";

/// Errors of secure messaging. Except for [`SmError::UnprotectedStatus`] and errors about the
/// caller's own command, each one ends the session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SmError {
    /// The MAC in DO'8E' does not match: data altered in transit or keys/SSC out of step.
    #[error("secure messaging MAC mismatch (data altered or keys/counter out of step); {BROKEN}")]
    MacMismatch,
    /// A required data object is missing (tag given).
    #[error("secure messaging data object '{0:02X}' is missing; {BROKEN}")]
    MissingDo(u32),
    /// The decrypted data does not end in ISO/IEC 9797-1 method 2 padding.
    #[error("decrypted secure messaging data has invalid padding; {BROKEN}")]
    BadPadding,
    /// The secure messaging data objects are not well formed.
    #[error("malformed secure messaging data: {0}; {BROKEN}")]
    Malformed(String),
    /// The chip answered with a plain status word and no secure messaging data objects. The
    /// status word is NOT authenticated; chips usually close the session after such an answer.
    #[error("the chip answered {0} without secure messaging (status not authenticated); chips usually end the secure messaging session after this, so re-establish it (BAC or PACE) if further commands fail")]
    UnprotectedStatus(StatusWord),
    /// A received command does not indicate secure messaging in its CLA byte.
    #[error("the command does not indicate secure messaging in CLA; {BROKEN}")]
    NotProtected,
    /// The session was closed by an earlier error.
    #[error("the secure messaging session was closed after an earlier error; re-establish it (run BAC or PACE again)")]
    SessionClosed,
    /// The command to protect cannot be encoded.
    #[error("cannot protect the command: {0}")]
    InvalidCommand(ApduError),
    /// The protected command would exceed the 65535-byte data field of an extended APDU.
    #[error("the protected command would carry {0} bytes, more than the 65535 an extended APDU allows; send less data per command")]
    CommandTooLong(usize),
    /// Keys or SSC of the wrong size when creating a session.
    #[error("invalid secure messaging key or counter: {0}")]
    InvalidKey(String),
    /// A symmetric primitive failed (internal error).
    #[error("secure messaging cryptography failed: {0}; {BROKEN}")]
    Crypto(SymError),
}

/// The cipher family of a secure messaging session.
// Not #[non_exhaustive]: ICAO 9303-11 §9.8 defines two secure messaging families (3DES, AES).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmCipher {
    /// 3DES (BAC, or PACE with 3DES): 8-byte SSC, retail MAC.
    Tdes,
    /// AES-128/192/256 (PACE, Chip Authentication): 16-byte SSC, CMAC.
    Aes,
}

impl SmCipher {
    /// The family of a [`Cipher`].
    pub fn of(cipher: Cipher) -> SmCipher {
        if cipher.is_aes() {
            SmCipher::Aes
        } else {
            SmCipher::Tdes
        }
    }

    /// Block size, which is also the SSC length.
    pub fn block_size(self) -> usize {
        match self {
            SmCipher::Tdes => sym::DES_BLOCK,
            SmCipher::Aes => sym::AES_BLOCK,
        }
    }
}

/// A secure messaging session. Keys and SSC are zeroized on drop.
pub struct SecureMessaging {
    k_enc: SymKey,
    k_mac: SymKey,
    ssc: [u8; 16],
    ssc_len: usize,
    closed: bool,
    /// INS of the last command unwrapped on the chip side (chooses DO'85' or DO'87').
    last_ins: Option<u8>,
}

impl Drop for SecureMessaging {
    fn drop(&mut self) {
        self.ssc.zeroize();
    }
}

impl fmt::Debug for SecureMessaging {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SecureMessaging({}, closed: {}, <keys redacted>)",
            self.k_enc.cipher(),
            self.closed
        )
    }
}

/// Parsed secure messaging data objects of a command or response.
#[derive(Default)]
struct Dos<'a> {
    /// (tag, value) of DO'87' or DO'85'.
    cryptogram: Option<(u32, &'a [u8])>,
    le: Option<&'a [u8]>,
    sw: Option<&'a [u8]>,
    mac: &'a [u8],
    /// Everything before DO'8E': the data objects covered by the MAC.
    mac_input: &'a [u8],
}

fn malformed(msg: impl Into<String>) -> SmError {
    SmError::Malformed(msg.into())
}

/// Split SM data objects; `command` selects command (DO'97') or response (DO'99') objects.
/// DO'8E' must come last; the objects before it are the MAC input.
fn parse_dos(data: &[u8], command: bool) -> Result<Dos<'_>, SmError> {
    let mut dos = Dos::default();
    let mut rest = data;
    loop {
        if rest.is_empty() {
            return Err(SmError::MissingDo(TAG_MAC));
        }
        let offset = data.len() - rest.len();
        let (t, next) = emrtd_tlv::parse_one(rest).map_err(|e| malformed(e.to_string()))?;
        let dup = || malformed(format!("data object '{:02X}' appears twice", t.tag));
        match t.tag {
            TAG_CRYPTOGRAM_PCI | TAG_CRYPTOGRAM => {
                if dos.cryptogram.replace((t.tag, t.value)).is_some() {
                    return Err(dup());
                }
            }
            TAG_LE if command => {
                if dos.le.replace(t.value).is_some() {
                    return Err(dup());
                }
            }
            TAG_SW if !command => {
                if dos.sw.replace(t.value).is_some() {
                    return Err(dup());
                }
            }
            TAG_MAC => {
                if !next.is_empty() {
                    return Err(malformed("data after the MAC object '8E'"));
                }
                if t.value.len() != MAC_LEN {
                    return Err(malformed(format!(
                        "the MAC object '8E' holds {} bytes instead of {MAC_LEN}",
                        t.value.len()
                    )));
                }
                dos.mac = t.value;
                dos.mac_input = &data[..offset];
                return Ok(dos);
            }
            other => return Err(malformed(format!("unexpected data object '{other:02X}'"))),
        }
        rest = next;
    }
}

impl SecureMessaging {
    /// A 3DES session (BAC): 16-byte KS_enc and KS_mac, 8-byte SSC.
    pub fn new_3des(k_enc: [u8; 16], k_mac: [u8; 16], ssc: [u8; 8]) -> Self {
        let mut k_enc = k_enc;
        let mut k_mac = k_mac;
        let sm = Self::build(SymKey::tdes(&k_enc), SymKey::tdes(&k_mac), &ssc);
        k_enc.zeroize();
        k_mac.zeroize();
        sm
    }

    /// An AES session: 16-, 24- or 32-byte keys (both the same size), 16-byte SSC.
    pub fn new_aes(k_enc: &[u8], k_mac: &[u8], ssc: [u8; 16]) -> Result<Self, SmError> {
        let cipher =
            Cipher::aes_for_key_len(k_enc.len()).map_err(|e| SmError::InvalidKey(e.to_string()))?;
        Self::new(cipher, k_enc, k_mac, &ssc)
    }

    /// A session for any cipher; `ssc` must be one block (8 bytes for 3DES, 16 for AES).
    pub fn new(cipher: Cipher, k_enc: &[u8], k_mac: &[u8], ssc: &[u8]) -> Result<Self, SmError> {
        let key = |k: &[u8]| SymKey::new(cipher, k).map_err(|e| SmError::InvalidKey(e.to_string()));
        Self::from_keys(key(k_enc)?, key(k_mac)?, ssc)
    }

    /// A session from derived keys (e.g. [`emrtd_crypto::sym::kdf`] output). Both keys must be
    /// for the same cipher and `ssc` must be one block.
    pub fn from_keys(k_enc: SymKey, k_mac: SymKey, ssc: &[u8]) -> Result<Self, SmError> {
        if k_enc.cipher() != k_mac.cipher() {
            return Err(SmError::InvalidKey(format!(
                "KS_enc is a {} key but KS_mac a {} key",
                k_enc.cipher(),
                k_mac.cipher()
            )));
        }
        let bs = k_enc.cipher().block_size();
        if ssc.len() != bs {
            return Err(SmError::InvalidKey(format!(
                "the SSC must be {bs} bytes for {}, got {}",
                k_enc.cipher(),
                ssc.len()
            )));
        }
        Ok(Self::build(k_enc, k_mac, ssc))
    }

    fn build(k_enc: SymKey, k_mac: SymKey, ssc: &[u8]) -> Self {
        let mut buf = [0u8; 16];
        let n = ssc.len().min(16);
        buf[..n].copy_from_slice(&ssc[..n]);
        SecureMessaging {
            k_enc,
            k_mac,
            ssc: buf,
            ssc_len: n,
            closed: false,
            last_ins: None,
        }
    }

    /// The current send sequence counter.
    pub fn ssc(&self) -> &[u8] {
        &self.ssc[..self.ssc_len]
    }

    /// The cipher family.
    pub fn cipher(&self) -> SmCipher {
        SmCipher::of(self.k_enc.cipher())
    }

    /// The exact cipher (key size) of the session keys.
    pub fn key_cipher(&self) -> Cipher {
        self.k_enc.cipher()
    }

    /// Has an error closed this session?
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    fn block_size(&self) -> usize {
        self.k_enc.cipher().block_size()
    }

    fn increment_ssc(&mut self) {
        for b in self.ssc[..self.ssc_len].iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }

    fn check_open(&self) -> Result<(), SmError> {
        if self.closed {
            Err(SmError::SessionClosed)
        } else {
            Ok(())
        }
    }

    fn iv(&self) -> Result<Vec<u8>, SmError> {
        match self.cipher() {
            SmCipher::Tdes => Ok(vec![0u8; sym::DES_BLOCK]),
            SmCipher::Aes => self
                .k_enc
                .encrypt_block(self.ssc())
                .map_err(SmError::Crypto),
        }
    }

    fn encrypt(&self, plain: &[u8]) -> Result<Vec<u8>, SmError> {
        let mut padded = sym::pad(plain, self.block_size());
        let r = self.k_enc.encrypt_cbc(&self.iv()?, &padded);
        padded.zeroize();
        r.map_err(SmError::Crypto)
    }

    fn decrypt(&self, cryptogram: &[u8]) -> Result<Vec<u8>, SmError> {
        let bs = self.block_size();
        if cryptogram.is_empty() || cryptogram.len().checked_rem(bs) != Some(0) {
            return Err(malformed(format!(
                "a cryptogram of {} bytes is not a positive multiple of the {bs}-byte block",
                cryptogram.len()
            )));
        }
        let mut padded = self
            .k_enc
            .decrypt_cbc(&self.iv()?, cryptogram)
            .map_err(SmError::Crypto)?;
        let r = sym::unpad(&padded, bs)
            .map(<[u8]>::to_vec)
            .map_err(|_| SmError::BadPadding);
        padded.zeroize();
        r
    }

    /// MAC over `pad(SSC || header_and_dos)`.
    fn mac(&self, parts: &[&[u8]]) -> Result<[u8; MAC_LEN], SmError> {
        let mut n = self.ssc().to_vec();
        for p in parts {
            n.extend_from_slice(p);
        }
        self.k_mac
            .mac8(&sym::pad(&n, self.block_size()))
            .map_err(SmError::Crypto)
    }

    fn padded_header(&self, cla: u8, ins: u8, p1: u8, p2: u8) -> Vec<u8> {
        sym::pad(&[cla, ins, p1, p2], self.block_size())
    }

    fn cryptogram_do(&self, ins: u8, plain: &[u8]) -> Result<Vec<u8>, SmError> {
        let enc = self.encrypt(plain)?;
        if ins & 1 == 1 {
            Ok(emrtd_tlv::encode(TAG_CRYPTOGRAM, &enc))
        } else {
            let mut v = Vec::with_capacity(enc.len() + 1);
            v.push(PCI_METHOD2);
            v.extend_from_slice(&enc);
            Ok(emrtd_tlv::encode(TAG_CRYPTOGRAM_PCI, &v))
        }
    }

    fn open_cryptogram(&self, cryptogram: Option<(u32, &[u8])>) -> Result<Vec<u8>, SmError> {
        match cryptogram {
            None => Ok(Vec::new()),
            Some((TAG_CRYPTOGRAM_PCI, v)) => match v.split_first() {
                Some((&PCI_METHOD2, c)) => self.decrypt(c),
                Some((pci, _)) => Err(malformed(format!(
                    "unsupported padding-content indicator {pci:02X} in '87' (expected 01)"
                ))),
                None => Err(malformed("empty data object '87'")),
            },
            Some((_, c)) => self.decrypt(c),
        }
    }

    fn verify_mac(&self, parts: &[&[u8]], mac: &[u8]) -> Result<(), SmError> {
        let expected = self.mac(parts)?;
        if sym::ct_eq(&expected, mac) {
            Ok(())
        } else {
            Err(SmError::MacMismatch)
        }
    }

    /// Close the session if `r` is an error that ends it.
    fn track<T>(&mut self, r: Result<T, SmError>) -> Result<T, SmError> {
        if let Err(e) = &r {
            if !matches!(e, SmError::UnprotectedStatus(_)) {
                self.closed = true;
            }
        }
        r
    }

    /// Terminal side: protect a plain command (SSC + 1). The result always has Le (`00`, or
    /// `0000` when extended); it is extended if `cmd` was, or if the protected data needs it.
    /// A command that cannot be protected leaves the SSC unchanged (it is never sent).
    pub fn protect(&mut self, cmd: &CommandApdu) -> Result<CommandApdu, SmError> {
        self.check_open()?;
        cmd.to_bytes().map_err(SmError::InvalidCommand)?;
        let saved = zeroize::Zeroizing::new(self.ssc);
        let r = self.protect_inner(cmd);
        if r.is_err() {
            self.ssc = *saved;
        }
        r
    }

    fn protect_inner(&mut self, cmd: &CommandApdu) -> Result<CommandApdu, SmError> {
        self.increment_ssc();
        let cla = cmd.cla | 0x0C;
        let extended = cmd.is_extended();
        let mut dos = Vec::new();
        if !cmd.data.is_empty() {
            dos.extend(self.cryptogram_do(cmd.ins, &cmd.data)?);
        }
        if let Some(le) = cmd.le {
            let le_bytes = match (extended, le) {
                (true, emrtd_apdu::EXTENDED_LE_MAX) => vec![0, 0],
                (true, n) => (n as u16).to_be_bytes().to_vec(),
                (false, emrtd_apdu::SHORT_LE_MAX) => vec![0],
                (false, n) => vec![n as u8],
            };
            dos.extend(emrtd_tlv::encode(TAG_LE, &le_bytes));
        }
        let header = self.padded_header(cla, cmd.ins, cmd.p1, cmd.p2);
        let mac = self.mac(&[&header, &dos])?;
        dos.extend(emrtd_tlv::encode(TAG_MAC, &mac));
        if dos.len() > emrtd_apdu::EXTENDED_LC_MAX {
            return Err(SmError::CommandTooLong(dos.len()));
        }
        let ext = extended || dos.len() > emrtd_apdu::SHORT_LC_MAX;
        Ok(CommandApdu {
            cla,
            ins: cmd.ins,
            p1: cmd.p1,
            p2: cmd.p2,
            data: dos,
            le: Some(if ext {
                emrtd_apdu::EXTENDED_LE_MAX
            } else {
                emrtd_apdu::SHORT_LE_MAX
            }),
            force_extended: ext,
        })
    }

    /// Terminal side: verify and decrypt a response (SSC + 1). The MAC is checked (in constant
    /// time) before anything is decrypted; the returned status word is the authenticated DO'99'.
    /// A plain non-9000 status without data objects gives [`SmError::UnprotectedStatus`].
    pub fn unprotect(&mut self, resp: &ResponseApdu) -> Result<ResponseApdu, SmError> {
        self.check_open()?;
        self.increment_ssc();
        let r = self.unprotect_inner(resp);
        self.track(r)
    }

    fn unprotect_inner(&self, resp: &ResponseApdu) -> Result<ResponseApdu, SmError> {
        if resp.data.is_empty() {
            return Err(if resp.sw == StatusWord::OK {
                SmError::MissingDo(TAG_SW)
            } else {
                SmError::UnprotectedStatus(resp.sw)
            });
        }
        let dos = parse_dos(&resp.data, false)?;
        self.verify_mac(&[dos.mac_input], dos.mac)?;
        let sw = match dos.sw {
            None => return Err(SmError::MissingDo(TAG_SW)),
            Some(&[sw1, sw2]) => StatusWord::new(sw1, sw2),
            Some(v) => {
                return Err(malformed(format!(
                    "the status object '99' holds {} bytes instead of 2",
                    v.len()
                )))
            }
        };
        let data = self.open_cryptogram(dos.cryptogram)?;
        Ok(ResponseApdu::new(data, sw))
    }

    /// Chip side: verify and decrypt a protected command (SSC + 1).
    pub fn unprotect_command(&mut self, cmd: &CommandApdu) -> Result<CommandApdu, SmError> {
        self.check_open()?;
        self.increment_ssc();
        let r = self.unprotect_command_inner(cmd);
        self.last_ins = r.as_ref().ok().map(|c| c.ins);
        self.track(r)
    }

    fn unprotect_command_inner(&self, cmd: &CommandApdu) -> Result<CommandApdu, SmError> {
        if !cmd.is_secure_messaging() {
            return Err(SmError::NotProtected);
        }
        let dos = parse_dos(&cmd.data, true)?;
        let header = self.padded_header(cmd.cla, cmd.ins, cmd.p1, cmd.p2);
        self.verify_mac(&[&header, dos.mac_input], dos.mac)?;
        let (le, two_byte_le) = match dos.le {
            None => (None, false),
            Some(&[0]) => (Some(emrtd_apdu::SHORT_LE_MAX), false),
            Some(&[n]) => (Some(usize::from(n)), false),
            Some(&[0, 0]) => (Some(emrtd_apdu::EXTENDED_LE_MAX), true),
            Some(&[a, b]) => (Some(usize::from(u16::from_be_bytes([a, b]))), true),
            Some(v) => {
                return Err(malformed(format!(
                    "the Le object '97' holds {} bytes instead of 1 or 2",
                    v.len()
                )))
            }
        };
        let data = self.open_cryptogram(dos.cryptogram)?;
        Ok(CommandApdu {
            cla: cmd.cla & !0x0C,
            ins: cmd.ins,
            p1: cmd.p1,
            p2: cmd.p2,
            data,
            le,
            force_extended: two_byte_le,
        })
    }

    /// Chip side: protect a response (SSC + 1): DO'87' (or DO'85' when the command had an odd
    /// INS) with the encrypted data, DO'99' with the status word and DO'8E'.
    pub fn protect_response(&mut self, resp: &ResponseApdu) -> Result<ResponseApdu, SmError> {
        self.protect_response_edited(resp, |_| {})
    }

    /// Chip side, for conformance-test chips only: like
    /// [`protect_response`](Self::protect_response) (SSC + 1), but `edit` may change the data
    /// objects (drop DO'99', alter the cryptogram, add objects) before DO'8E' is computed over
    /// them, so the result carries a valid MAC over malformed content.
    pub fn protect_response_edited(
        &mut self,
        resp: &ResponseApdu,
        edit: impl FnOnce(&mut Vec<u8>),
    ) -> Result<ResponseApdu, SmError> {
        self.check_open()?;
        self.increment_ssc();
        let ins = self.last_ins.take().unwrap_or(0);
        let mut dos = Vec::new();
        if !resp.data.is_empty() {
            dos.extend(self.cryptogram_do(ins, &resp.data)?);
        }
        dos.extend(emrtd_tlv::encode(TAG_SW, &resp.sw.to_bytes()));
        edit(&mut dos);
        let mac = self.mac(&[&dos])?;
        dos.extend(emrtd_tlv::encode(TAG_MAC, &mac));
        Ok(ResponseApdu::new(dos, resp.sw))
    }
}
