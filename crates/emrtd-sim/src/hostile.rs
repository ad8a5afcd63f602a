//! Hostile chips for conformance tests of readers (BSI TR-03105-5.1, the inspection-system
//! test plan). Test use only: these chips break the protocol on purpose.
//!
//! * [`HostileChip`] wraps any [`Transport`] (usually a [`VirtualChip`]) and breaks answers
//!   byte by byte as its [`Fault`]s say: selection and BAC failures, broken secure messaging
//!   objects, replayed or truncated answers, odd status words, and every PACE step's answer
//!   (status words, renamed, missing, replaced or reflected data objects).
//! * [`sm_fault`] and [`aa_fault`] build hooks for [`VirtualChip::set_response_hook`]: faults
//!   that need the session keys because the broken answer must still carry a valid MAC.
//! * [`PlainChip`] is an eMRTD without access control.
//! * [`SodSpec`] builds EF.SOD variants signed by the test Document Signer of [`crate::pki`];
//!   [`edit_signed_data`] changes their CMS structure afterwards.

use crate::chip::ResponseHook;
use crate::VirtualChip;
use emrtd_access::aa::AaChipKey;
use emrtd_access::bac::BacKeys;
use emrtd_apdu::{ins, CommandApdu, ResponseApdu, StatusWord, Transport, TransportError};
use emrtd_crypto::sig::HashAlg;
use emrtd_crypto::sym;
use emrtd_lds::sod::{
    encode_signed_data, oid, AlgorithmIdentifier, LdsSecurityObject, SignerIdentifier, SignerParts,
};
use emrtd_tlv::Tlv;

/// Which answers a fault breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum When {
    /// The `n`-th (from 0) answer to a command protected by secure messaging.
    Protected(usize),
    /// The `n`-th (from 0) answer to a command with this INS (protected or not).
    Ins(u8, usize),
    /// The `n`-th (from 0) answer to a protected command with this INS.
    ProtectedIns(u8, usize),
    /// Every answer to a command with this INS.
    EveryIns(u8),
}

impl When {
    fn matches(self, ins: u8, protected: Option<(usize, usize)>, ins_index: usize) -> bool {
        match self {
            When::Protected(n) => protected.map(|p| p.0) == Some(n),
            When::Ins(i, n) => i == ins && ins_index == n,
            When::ProtectedIns(i, n) => i == ins && protected.map(|p| p.1) == Some(n),
            When::EveryIns(i) => i == ins,
        }
    }
}

/// A fault of the BAC EXTERNAL AUTHENTICATE answer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum BacFault {
    /// A byte of the MAC `M_IC` is flipped (ISO7816_B_01).
    FlipMac,
    /// A byte of the cryptogram `E_IC` is flipped and the MAC recomputed with the document's
    /// K_MAC, so only decryption reveals it (ISO7816_B_02).
    CorruptCryptogram(BacKeys),
    /// The answer echoes a wrong RND.IFD, correctly encrypted and MACed (ISO7816_B_03).
    WrongNonce(BacKeys),
    /// The chip refuses with this status word (ISO7816_B_03: 6300).
    Status(StatusWord),
}

/// A fault of one PACE answer (the data objects inside the `7C` template).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PaceFault {
    /// Answer with this status word and no data.
    Status(StatusWord),
    /// Rename a data object (e.g. `80` → `90`).
    Retag {
        /// The tag to replace.
        from: u32,
        /// The tag put in its place.
        to: u32,
    },
    /// Remove a data object.
    Remove(u32),
    /// Replace the value of a data object.
    Replace(u32, Vec<u8>),
    /// Rewrite the value of a data object with a function of the old value.
    Map(u32, fn(&[u8]) -> Vec<u8>),
    /// Append a data object.
    Add(u32, Vec<u8>),
    /// Answer with the terminal's own public key of this step (`81` → `82`, `83` → `84`).
    Reflect,
}

/// What a [`HostileChip`] breaks.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Fault {
    /// Answer SELECT of the eMRTD application (P1 = 04) with this plain status word
    /// (ISO7816_A_03).
    RefuseApplication(StatusWord),
    /// Answer a SELECT of the eMRTD application without secure messaging with 6982: the
    /// application only opens after PACE (precondition of TR-03105-5.1 unit ISO7816_G).
    ApplicationNeedsPace,
    /// Refuse GET CHALLENGE (6985) until the eMRTD application was selected (BSI TR-03110-1
    /// §2.4.1: select the application, then Basic Access Control).
    BacNeedsApplication,
    /// Break the answer to BAC EXTERNAL AUTHENTICATE.
    Bac(BacFault),
    /// Break the answer to PACE step `step`: 0 is MSE:Set AT, 1 to 4 the GENERAL
    /// AUTHENTICATE commands that follow it.
    Pace {
        /// The step: 0 MSE:Set AT, 1 to 4 GENERAL AUTHENTICATE.
        step: usize,
        /// What is broken in its answer.
        fault: PaceFault,
    },
    /// Answer with this status word only, without secure messaging objects (ISO7816_B_04).
    PlainStatus(When, StatusWord),
    /// Flip a byte of the MAC in DO'8E' (ISO7816_B_08).
    FlipMac(When),
    /// Remove DO'8E' (ISO7816_B_05).
    DropMac(When),
    /// Send the protected answer number `earlier` again instead (a replay: wrong SSC).
    Replay {
        /// Which answer is replaced.
        when: When,
        /// The number of the earlier protected answer sent instead.
        earlier: usize,
    },
    /// Keep only the first `keep` bytes of the answer (status word included).
    Truncate(When, usize),
    /// Add `extra` bytes of data in front of the status word.
    Oversize(When, usize),
    /// Replace the status word (the data stays).
    StatusWord(When, StatusWord),
}

/// A chip that breaks the answers of another as its [`Fault`]s say.
pub struct HostileChip<T: Transport = VirtualChip> {
    inner: T,
    faults: Vec<Fault>,
    /// PACE step of the command being answered (0 = MSE:Set AT).
    pace_step: Option<usize>,
    app_selected: bool,
    protected_seen: usize,
    ins_seen: [usize; 256],
    protected_ins_seen: [usize; 256],
    protected_answers: Vec<Vec<u8>>,
    log: Vec<(Vec<u8>, Vec<u8>)>,
}

impl<T: Transport> HostileChip<T> {
    /// Wrap `inner` with faults.
    pub fn new(inner: T, faults: Vec<Fault>) -> Self {
        HostileChip {
            inner,
            faults,
            pace_step: None,
            app_selected: false,
            protected_seen: 0,
            ins_seen: [0; 256],
            protected_ins_seen: [0; 256],
            protected_answers: Vec::new(),
            log: Vec::new(),
        }
    }

    /// The wrapped chip.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped chip, mutably.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Every exchange as the reader saw it: (command, answer).
    pub fn exchanges(&self) -> &[(Vec<u8>, Vec<u8>)] {
        &self.log
    }

    fn answer(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let Ok(cmd) = CommandApdu::parse(apdu) else {
            return self.inner.transmit(apdu);
        };
        let protected = cmd.is_secure_messaging();
        let slot = usize::from(cmd.ins);
        let protected_index =
            protected.then_some((self.protected_seen, self.protected_ins_seen[slot]));
        if protected {
            self.protected_seen += 1;
            self.protected_ins_seen[slot] += 1;
        }
        let ins_index = self.ins_seen[slot];
        self.ins_seen[slot] += 1;
        let selects_app = cmd.ins == ins::SELECT && cmd.p1 == 0x04;

        // PACE step bookkeeping (PACE runs without secure messaging).
        if !protected && cmd.ins == ins::MANAGE_SECURITY_ENVIRONMENT && cmd.p2 == 0xA4 {
            self.pace_step = Some(0);
        } else if !protected && cmd.ins == ins::GENERAL_AUTHENTICATE {
            self.pace_step = self.pace_step.map(|s| s + 1);
        } else if cmd.ins != ins::GENERAL_AUTHENTICATE {
            self.pace_step = None;
        }

        // Faults that answer instead of the chip.
        for f in &self.faults {
            match f {
                Fault::RefuseApplication(sw) if selects_app => return Ok(sw.to_bytes().to_vec()),
                Fault::ApplicationNeedsPace if selects_app && !protected => {
                    return Ok(StatusWord::SECURITY_STATUS_NOT_SATISFIED
                        .to_bytes()
                        .to_vec())
                }
                Fault::BacNeedsApplication
                    if cmd.ins == ins::GET_CHALLENGE && !self.app_selected =>
                {
                    return Ok(StatusWord::CONDITIONS_NOT_SATISFIED.to_bytes().to_vec())
                }
                Fault::PlainStatus(w, sw) if w.matches(cmd.ins, protected_index, ins_index) => {
                    return Ok(sw.to_bytes().to_vec())
                }
                Fault::Replay { when, earlier }
                    if when.matches(cmd.ins, protected_index, ins_index) =>
                {
                    if let Some(old) = self.protected_answers.get(*earlier) {
                        // The chip still processes the command (its SSC moves on).
                        let _ = self.inner.transmit(apdu)?;
                        return Ok(old.clone());
                    }
                }
                _ => {}
            }
        }

        let mut resp = self.inner.transmit(apdu)?;
        if selects_app && resp.ends_with(&[0x90, 0x00]) {
            self.app_selected = true;
        }
        if protected {
            self.protected_answers.push(resp.clone());
        }
        for f in &self.faults {
            match f {
                Fault::Bac(b) if cmd.ins == ins::EXTERNAL_AUTHENTICATE && !protected => {
                    resp = break_bac(b, &resp)
                }
                Fault::Pace { step, fault } if self.pace_step == Some(*step) && !protected => {
                    resp = break_pace(fault, &cmd, &resp)
                }
                Fault::FlipMac(w) if w.matches(cmd.ins, protected_index, ins_index) => {
                    // DO'8E' is the last 10 bytes before SW; flip the MAC's last byte.
                    if let Some(b) = resp.len().checked_sub(3).and_then(|i| resp.get_mut(i)) {
                        *b ^= 0x01;
                    }
                }
                Fault::DropMac(w)
                    if w.matches(cmd.ins, protected_index, ins_index) && resp.len() >= 12 =>
                {
                    let sw = resp.split_off(resp.len() - 2);
                    resp.truncate(resp.len() - 10);
                    resp.extend(sw);
                }
                Fault::Truncate(w, keep) if w.matches(cmd.ins, protected_index, ins_index) => {
                    resp.truncate(*keep)
                }
                Fault::Oversize(w, extra) if w.matches(cmd.ins, protected_index, ins_index) => {
                    let at = resp.len().saturating_sub(2);
                    resp.splice(at..at, vec![0x5A; *extra]);
                }
                Fault::StatusWord(w, sw) if w.matches(cmd.ins, protected_index, ins_index) => {
                    let at = resp.len().saturating_sub(2);
                    resp.truncate(at);
                    resp.extend(sw.to_bytes());
                }
                _ => {}
            }
        }
        Ok(resp)
    }
}

impl<T: Transport> Transport for HostileChip<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let resp = self.answer(apdu)?;
        self.log.push((apdu.to_vec(), resp.clone()));
        Ok(resp)
    }

    fn supports_extended_length(&self) -> bool {
        self.inner.supports_extended_length()
    }

    fn may_support_extended_length(&self) -> bool {
        self.inner.may_support_extended_length()
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        self.pace_step = None;
        self.app_selected = false;
        self.inner.reconnect()
    }
}

fn split_sw(resp: &[u8]) -> (&[u8], [u8; 2]) {
    match resp.len().checked_sub(2) {
        Some(at) => {
            let (data, sw) = resp.split_at(at);
            (data, [sw[0], sw[1]])
        }
        None => (&[], [0x6F, 0x00]),
    }
}

fn with_sw(mut data: Vec<u8>, sw: [u8; 2]) -> Vec<u8> {
    data.extend(sw);
    data
}

fn break_bac(fault: &BacFault, resp: &[u8]) -> Vec<u8> {
    let (data, sw) = split_sw(resp);
    if data.len() != 40 {
        return resp.to_vec();
    }
    let mut e = data[..32].to_vec();
    let mut m = data[32..].to_vec();
    let remac = |keys: &BacKeys, e: &[u8]| {
        sym::retail_mac(keys.k_mac(), &sym::pad(e, sym::DES_BLOCK))
            .map(|m| m.to_vec())
            .unwrap_or_default()
    };
    match fault {
        BacFault::FlipMac => {
            if let Some(b) = m.last_mut() {
                *b ^= 0x01;
            }
        }
        BacFault::CorruptCryptogram(keys) => {
            e[0] ^= 0x01;
            m = remac(keys, &e);
        }
        BacFault::WrongNonce(keys) => {
            // E_IC = E(RND.IC || RND.IFD || K.IC): change RND.IFD, re-encrypt, re-MAC.
            let Ok(mut plain) = sym::tdes_cbc_decrypt(keys.k_enc(), &[0; 8], &e) else {
                return resp.to_vec();
            };
            if let Some(b) = plain.get_mut(8) {
                *b ^= 0xFF;
            }
            e = sym::tdes_cbc_encrypt(keys.k_enc(), &[0; 8], &plain).unwrap_or_default();
            m = remac(keys, &e);
        }
        BacFault::Status(s) => return s.to_bytes().to_vec(),
    }
    e.extend(m);
    with_sw(e, sw)
}

/// The data objects of a `7C` template, or `None` if the data is not one.
fn dynamic_dos(data: &[u8]) -> Option<Vec<(u32, Vec<u8>)>> {
    let (outer, rest) = emrtd_tlv::parse_one(data).ok()?;
    if outer.tag != 0x7C || !rest.is_empty() {
        return None;
    }
    let items = emrtd_tlv::parse_all(outer.value).ok()?;
    Some(items.iter().map(|t| (t.tag, t.value.to_vec())).collect())
}

fn break_pace(fault: &PaceFault, cmd: &CommandApdu, resp: &[u8]) -> Vec<u8> {
    let (data, sw) = split_sw(resp);
    if let PaceFault::Status(s) = fault {
        return s.to_bytes().to_vec();
    }
    let mut dos = dynamic_dos(data).unwrap_or_default();
    match fault {
        PaceFault::Status(_) => {}
        PaceFault::Retag { from, to } => {
            for (t, _) in dos.iter_mut().filter(|(t, _)| t == from) {
                *t = *to;
            }
        }
        PaceFault::Remove(tag) => dos.retain(|(t, _)| t != tag),
        PaceFault::Replace(tag, v) => {
            for (_, old) in dos.iter_mut().filter(|(t, _)| t == tag) {
                old.clone_from(v);
            }
        }
        PaceFault::Map(tag, f) => {
            for (_, old) in dos.iter_mut().filter(|(t, _)| t == tag) {
                *old = f(old);
            }
        }
        PaceFault::Add(tag, v) => dos.push((*tag, v.clone())),
        PaceFault::Reflect => {
            if let Some(mine) = dynamic_dos(&cmd.data) {
                for (tag, value) in mine {
                    // The chip's key answers the terminal's in the next tag (81→82, 83→84).
                    for (_, old) in dos.iter_mut().filter(|(t, _)| *t == tag + 1) {
                        old.clone_from(&value);
                    }
                }
            }
        }
    }
    let inner: Vec<u8> = dos
        .iter()
        .flat_map(|(t, v)| emrtd_tlv::encode(*t, v))
        .collect();
    with_sw(emrtd_tlv::encode(0x7C, &inner), sw)
}

/// A fault of a protected answer that keeps a valid MAC (see [`sm_fault`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SmFault {
    /// DO'87' / DO'85' removed (ISO7816_B_06).
    DropCryptogram,
    /// DO'99' removed (ISO7816_B_07).
    DropStatus,
    /// The cryptogram altered where its padding ends up, so the padding no longer decrypts
    /// (ISO7816_B_09).
    BreakPadding,
    /// The first cryptogram block altered: the data decrypts to garbage with valid padding
    /// (ISO7816_B_09; only the data's authenticity check can notice).
    GarbleData,
    /// `n` more data bytes than the command asked for.
    Oversize(usize),
    /// DO'99' carries this status word instead of the real one.
    Status(StatusWord),
}

/// A hook (for [`VirtualChip::set_response_hook`]) that breaks the protected answers `when`
/// selects as `fault` says, with a valid MAC.
pub fn sm_fault(fault: SmFault, when: When) -> ResponseHook {
    let mut protected = 0usize;
    let mut per_ins = [0usize; 256];
    Box::new(move |cmd, resp, sm| {
        let index = protected;
        protected += 1;
        let ins_index = per_ins[usize::from(cmd.ins)];
        per_ins[usize::from(cmd.ins)] += 1;
        // Hooks only see protected commands: both INS counters are the same.
        if !when.matches(cmd.ins, Some((index, ins_index)), ins_index) {
            return None;
        }
        let block = match sm.cipher() {
            emrtd_sm::SmCipher::Tdes => sym::DES_BLOCK,
            emrtd_sm::SmCipher::Aes => sym::AES_BLOCK,
        };
        let data_len = resp.data.len();
        let mut resp = resp.clone();
        if let SmFault::Oversize(n) = fault {
            resp.data.extend(vec![0xA5; n]);
        }
        Some(sm.protect_response_edited(&resp, |dos| match fault {
            SmFault::DropCryptogram => remove_do(dos, &[0x87, 0x85]),
            SmFault::DropStatus => remove_do(dos, &[0x99]),
            SmFault::BreakPadding => {
                // The padding marker 80 sits at offset data_len of the padded plaintext; in
                // CBC, flipping a byte of the previous ciphertext block flips it.
                let block_index = data_len / block;
                if block_index > 0 {
                    let pos = (block_index - 1) * block + data_len % block;
                    flip_cryptogram_byte(dos, pos);
                }
            }
            SmFault::GarbleData => flip_cryptogram_byte(dos, 0),
            SmFault::Status(sw) => replace_do(dos, 0x99, &sw.to_bytes()),
            SmFault::Oversize(_) => {}
        }))
    })
}

/// Remove the first data object with one of `tags` from a sequence of data objects.
fn remove_do(dos: &mut Vec<u8>, tags: &[u32]) {
    let Ok(items) = emrtd_tlv::parse_all(dos) else {
        return;
    };
    let kept: Vec<u8> = items
        .iter()
        .filter(|t| !tags.contains(&t.tag))
        .flat_map(|t| t.raw.to_vec())
        .collect();
    *dos = kept;
}

fn replace_do(dos: &mut Vec<u8>, tag: u32, value: &[u8]) {
    let Ok(items) = emrtd_tlv::parse_all(dos) else {
        return;
    };
    let out: Vec<u8> = items
        .iter()
        .flat_map(|t| {
            if t.tag == tag {
                emrtd_tlv::encode(tag, value)
            } else {
                t.raw.to_vec()
            }
        })
        .collect();
    *dos = out;
}

/// Flip one byte of the ciphertext in DO'87' (after the padding indicator) or DO'85'.
fn flip_cryptogram_byte(dos: &mut Vec<u8>, pos: usize) {
    let Ok(items) = emrtd_tlv::parse_all(dos) else {
        return;
    };
    let out: Vec<u8> = items
        .iter()
        .flat_map(|t| {
            let skip = match t.tag {
                0x87 => 1,
                0x85 => 0,
                _ => return t.raw.to_vec(),
            };
            let mut v = t.value.to_vec();
            if let Some(b) = v.get_mut(skip + pos) {
                *b ^= 0x01;
            }
            emrtd_tlv::encode(t.tag, &v)
        })
        .collect();
    *dos = out;
}

/// A fault of the Active Authentication answer (see [`aa_fault`]).
#[non_exhaustive]
pub enum AaFault {
    /// Sign the challenge with this key instead (e.g. the DG15 key with another hash, or
    /// another key altogether).
    SignWith(AaChipKey),
    /// Flip a bit of the chip's signature.
    FlipSignature,
    /// RSA ISO/IEC 9796-2 signature with SHA-1 but this trailer instead of `BC`, made with the
    /// `rsa-2048` test key of the virtual chip.
    RsaTrailer(Vec<u8>),
}

impl std::fmt::Debug for AaFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AaFault::SignWith(k) => write!(f, "SignWith({})", k.describe()),
            AaFault::FlipSignature => f.write_str("FlipSignature"),
            AaFault::RsaTrailer(t) => write!(f, "RsaTrailer({})", hex::encode_upper(t)),
        }
    }
}

/// The virtual chip's `rsa-2048` Active Authentication key (PKCS#8 DER).
pub const AA_RSA_2048: &[u8] = include_bytes!("../pki/aa_rsa2048.pk8.der");
/// The virtual chip's `ec-p256` Active Authentication key (PKCS#8 DER).
pub const AA_EC_P256: &[u8] = include_bytes!("../pki/aa_ec_p256.pk8.der");

/// A hook (for [`VirtualChip::set_response_hook`]) that answers INTERNAL AUTHENTICATE as
/// `fault` says, protected with the session.
pub fn aa_fault(fault: AaFault) -> ResponseHook {
    let mut rng = rand_core::OsRng;
    Box::new(move |cmd, resp, sm| {
        if cmd.ins != ins::INTERNAL_AUTHENTICATE || !resp.sw.is_ok() {
            return None;
        }
        let signature = match &fault {
            AaFault::SignWith(key) => key.sign_challenge(&cmd.data, &mut rng).ok()?,
            AaFault::FlipSignature => {
                let mut s = resp.data.clone();
                let mid = s.len() / 2;
                if let Some(b) = s.get_mut(mid) {
                    *b ^= 0x10;
                }
                s
            }
            AaFault::RsaTrailer(trailer) => rsa_9796_sha1_with_trailer(&cmd.data, trailer)?,
        };
        Some(sm.protect_response(&ResponseApdu::new(signature, StatusWord::OK)))
    })
}

/// ISO/IEC 9796-2 scheme 1 with SHA-1 and an arbitrary trailer, signed with [`AA_RSA_2048`].
fn rsa_9796_sha1_with_trailer(challenge: &[u8], trailer: &[u8]) -> Option<Vec<u8>> {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::traits::PublicKeyParts;
    let key = rsa::RsaPrivateKey::from_pkcs8_der(AA_RSA_2048).ok()?;
    let k = key.size();
    let m1_len = k.checked_sub(1 + 20 + trailer.len())?;
    let m1 = vec![0x3C; m1_len];
    let mut msg = m1.clone();
    msg.extend_from_slice(challenge);
    let mut f = vec![0x6A];
    f.extend(m1);
    f.extend(HashAlg::Sha1.digest(&msg));
    f.extend_from_slice(trailer);
    let s = rsa::hazmat::rsa_decrypt_and_check(
        &key,
        Some(&mut rand_core::OsRng),
        &rsa::BigUint::from_bytes_be(&f),
    )
    .ok()?;
    let bytes = s.to_bytes_be();
    let mut out = vec![0u8; k.saturating_sub(bytes.len())];
    out.extend(bytes);
    Some(out)
}

/// An eMRTD without access control (ICAO 9303-11 allows chips without BAC or PACE): it serves
/// the LDS1 files of a virtual chip without secure messaging and knows neither GET CHALLENGE
/// nor PACE.
pub struct PlainChip {
    files: Vec<(u16, u8, Vec<u8>)>,
    app_selected: bool,
    current: Option<usize>,
}

impl PlainChip {
    /// The LDS1 files (EF.COM, EF.SOD, DG1–DG16) of `chip`, served in plain.
    pub fn from_chip(chip: &VirtualChip) -> PlainChip {
        let mut files = Vec::new();
        for (name, fid, sfi) in [("COM", 0x011E, 0x1E), ("SOD", 0x011D, 0x1D)] {
            if let Some(b) = chip.file(name) {
                files.push((fid, sfi, b.to_vec()));
            }
        }
        for n in 1..=16u8 {
            if let Some(b) = chip.file(&format!("DG{n}")) {
                files.push((0x0100 + u16::from(n), n, b.to_vec()));
            }
        }
        PlainChip {
            files,
            app_selected: false,
            current: None,
        }
    }

    fn process(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let status = ResponseApdu::status;
        if cmd.is_secure_messaging() {
            return status(StatusWord::SM_DATA_INCORRECT);
        }
        match cmd.ins {
            ins::SELECT if cmd.p1 == 0x04 => {
                if cmd.data == crate::LDS1_AID {
                    self.app_selected = true;
                    self.current = None;
                    status(StatusWord::OK)
                } else {
                    status(StatusWord::FILE_NOT_FOUND)
                }
            }
            ins::SELECT if cmd.p1 == 0x00 && (cmd.data.is_empty() || cmd.data == [0x3F, 0]) => {
                self.app_selected = false;
                status(StatusWord::OK)
            }
            ins::SELECT if cmd.p1 == 0x02 || cmd.p1 == 0x00 => {
                let fid = match cmd.data[..] {
                    [a, b] => u16::from_be_bytes([a, b]),
                    _ => return status(StatusWord::WRONG_DATA),
                };
                match self.find(|f| f.0 == fid) {
                    Some(i) => {
                        self.current = Some(i);
                        status(StatusWord::OK)
                    }
                    None => status(StatusWord::FILE_NOT_FOUND),
                }
            }
            ins::READ_BINARY => {
                let offset = if cmd.p1 & 0x80 != 0 {
                    match self.find(|f| f.1 == cmd.p1 & 0x1F) {
                        Some(i) => self.current = Some(i),
                        None => return status(StatusWord::FILE_NOT_FOUND),
                    }
                    usize::from(cmd.p2)
                } else {
                    usize::from(u16::from_be_bytes([cmd.p1 & 0x7F, cmd.p2]))
                };
                self.read(offset, cmd.le)
            }
            _ => status(StatusWord::INS_NOT_SUPPORTED),
        }
    }

    fn find(&self, pred: impl Fn(&(u16, u8, Vec<u8>)) -> bool) -> Option<usize> {
        if !self.app_selected {
            return None;
        }
        self.files.iter().position(pred)
    }

    fn read(&self, offset: usize, le: Option<usize>) -> ResponseApdu {
        let Some((_, _, content)) = self.current.and_then(|i| self.files.get(i)) else {
            return ResponseApdu::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        };
        let Some(le) = le else {
            return ResponseApdu::status(StatusWord::WRONG_LENGTH);
        };
        let Some(rest) = content.get(offset..) else {
            return ResponseApdu::status(StatusWord::WRONG_P1P2);
        };
        let take = rest.len().min(le);
        let sw = if take < le {
            StatusWord::END_OF_FILE
        } else {
            StatusWord::OK
        };
        ResponseApdu::new(rest[..take].to_vec(), sw)
    }
}

impl Transport for PlainChip {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(match CommandApdu::parse(apdu) {
            Ok(cmd) => self.process(&cmd).to_bytes(),
            Err(_) => StatusWord::WRONG_LENGTH.to_bytes().to_vec(),
        })
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        self.app_selected = false;
        self.current = None;
        Ok(())
    }
}

/// ecdsa-with-SHA256 (ANSI X9.62), the signature algorithm of the test Document Signer.
pub const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";

/// Which SignerIdentifier an EF.SOD built by [`SodSpec`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Sid {
    /// issuerAndSerialNumber of the test Document Signer (SignerInfo version 1).
    IssuerSerial,
    /// subjectKeyIdentifier of the test Document Signer (SignerInfo version 3).
    KeyIdentifier,
    /// issuerAndSerialNumber with a serial number no certificate has.
    WrongSerial,
    /// A subjectKeyIdentifier no certificate has.
    WrongKeyIdentifier,
}

/// An EF.SOD to be signed by the test Document Signer (ECDSA P-256), with every element open
/// to change. [`SodSpec::new`] gives what the virtual chip itself would sign.
#[derive(Debug, Clone)]
pub struct SodSpec {
    /// The LDSSecurityObject (eContent).
    pub lso: LdsSecurityObject,
    /// SignerInfo digestAlgorithm (dotted OID); it also hashes the eContent.
    pub digest_algorithm: String,
    /// SignerInfo signatureAlgorithm (dotted OID): `ecdsa-with-SHA*` (DER signature) or
    /// `ecdsa-plain-SHA*` (BSI TR-03111, `r ‖ s`); any other OID is signed as
    /// ecdsa-with-SHA256.
    pub signature_algorithm: String,
    /// The SignerIdentifier.
    pub sid: Sid,
    /// Embed the Document Signer certificate.
    pub embed_certificate: bool,
    /// messageDigest attribute value (`None`: the digest of the eContent).
    pub message_digest: Option<Vec<u8>>,
    /// signing-time attribute (raw UTCTime TLV), if any.
    pub signing_time: Option<Vec<u8>>,
    /// Raw DER eContent to sign instead of `lso` (for structures the encoder cannot make).
    pub content: Option<Vec<u8>>,
    /// eContentType and the signed content-type attribute (dotted OID; by default
    /// id-icao-mrtd-security-ldsSecurityObject).
    pub content_type: String,
    /// The Document Signer certificate named and embedded (DER): by default the test DSC of
    /// the document's country ([`crate::pki::test_dsc_for`]); all test DSCs share one key.
    pub dsc: &'static [u8],
}

impl SodSpec {
    /// SHA-256 hashes of the data groups, signed with ecdsa-with-SHA256, certificate embedded.
    pub fn new(data_groups: &[(u8, &[u8])]) -> SodSpec {
        SodSpec::with_hash(data_groups, HashAlg::Sha256)
    }

    /// Hashes of the data groups with `hash`, which also digests the eContent and names the
    /// ECDSA signature algorithm (ANSI X9.62 OID).
    pub fn with_hash(data_groups: &[(u8, &[u8])], hash: HashAlg) -> SodSpec {
        SodSpec {
            lso: LdsSecurityObject {
                version: 0,
                hash_algorithm: emrtd_lds::sod::DigestAlgorithm::from_oid(hash.oid()),
                data_group_hashes: data_groups
                    .iter()
                    .map(|(n, b)| (*n, hash.digest(b)))
                    .collect(),
                lds_version_info: None,
            },
            digest_algorithm: hash.oid().into(),
            signature_algorithm: ecdsa_oid(hash, false).into(),
            sid: Sid::IssuerSerial,
            embed_certificate: true,
            message_digest: None,
            signing_time: None,
            content: None,
            content_type: oid::LDS_SECURITY_OBJECT.to_string(),
            dsc: crate::pki::test_dsc_for(data_groups),
        }
    }

    /// The DER EF.SOD.
    pub fn sign(&self) -> Result<Vec<u8>, crate::pki::PkiError> {
        let content = match &self.content {
            Some(c) => c.clone(),
            None => self
                .lso
                .to_der()
                .map_err(|e| crate::pki::PkiError(e.to_string()))?,
        };
        let digest = HashAlg::from_oid(&self.digest_algorithm).unwrap_or(HashAlg::Sha256);
        let parts = SignerParts {
            digest_algorithm: AlgorithmIdentifier::new(&self.digest_algorithm),
            message_digest: self
                .message_digest
                .clone()
                .unwrap_or_else(|| digest.digest(&content)),
            signature_algorithm: AlgorithmIdentifier::new(&self.signature_algorithm),
            sid: signer_identifier(self.sid, self.dsc)?,
            certificate: self.embed_certificate.then(|| self.dsc.to_vec()),
            signing_time: self.signing_time.clone(),
        };
        let alg = self.signature_algorithm.clone();
        let ci = encode_signed_data(&self.content_type, &content, &parts, |attrs| {
            sign_ecdsa(&alg, attrs)
        })
        .map_err(|e| crate::pki::PkiError(format!("{e:?}")))?;
        Ok(emrtd_tlv::encode(0x77, &ci))
    }
}

/// Sign the signed attributes of an EF.SOD (after [`edit_signed_data`] changed them) again
/// with the test Document Signer, with the SignerInfo's signature algorithm. `None` when the
/// structure has no SignerInfo with signed attributes.
pub fn resign(sod: &[u8]) -> Option<Vec<u8>> {
    let mut out = None;
    let edited = edit_signed_data(sod, |sd| {
        let Some(Tlv::Constructed {
            children: infos, ..
        }) = sd.last_mut()
        else {
            return;
        };
        let Some(Tlv::Constructed { children: si, .. }) = infos.first_mut() else {
            return;
        };
        let Some(attrs) = si.iter().find(|t| t.tag() == 0xA0) else {
            return;
        };
        // The signature covers the attributes as a SET (tag 31).
        let mut set = attrs.encode();
        if let Some(first) = set.first_mut() {
            *first = 0x31;
        }
        // signatureAlgorithm follows the signed attributes.
        let alg = si
            .iter()
            .skip_while(|t| t.tag() != 0xA0)
            .nth(1)
            .and_then(|a| match a {
                Tlv::Constructed { children, .. } => children.first(),
                Tlv::Primitive { .. } => None,
            })
            .and_then(|o| match o {
                Tlv::Primitive { value, .. } => emrtd_lds::sod::oid_to_string(value),
                Tlv::Constructed { .. } => None,
            })
            .unwrap_or_else(|| ECDSA_WITH_SHA256.to_string());
        let Ok(sig) = sign_ecdsa(&alg, &set) else {
            return;
        };
        if let Some(Tlv::Primitive { value, .. }) = si.iter_mut().rev().find(|t| t.tag() == 0x04) {
            *value = sig;
            out = Some(());
        }
    })?;
    out.map(|()| edited)
}

/// EF.CardSecurity over `security_infos` signed by the test Document Signer, with its
/// signature value corrupted when `corrupt` is set (TR-03105-5.1 LDS_H_93).
pub fn card_security(
    security_infos: &[u8],
    corrupt: bool,
) -> Result<Vec<u8>, crate::pki::PkiError> {
    let content = security_infos;
    let parts = SignerParts {
        digest_algorithm: AlgorithmIdentifier::new(oid::SHA256),
        message_digest: HashAlg::Sha256.digest(content),
        signature_algorithm: AlgorithmIdentifier::new(ECDSA_WITH_SHA256),
        sid: signer_identifier(Sid::IssuerSerial, crate::pki::TEST_DSC)?,
        certificate: Some(crate::pki::TEST_DSC.to_vec()),
        signing_time: None,
    };
    encode_signed_data(
        oid::SECURITY_OBJECT,
        content,
        &parts,
        |attrs| -> Result<_, crate::pki::PkiError> {
            let mut sig = sign_ecdsa(ECDSA_WITH_SHA256, attrs)?;
            if corrupt {
                if let Some(b) = sig.last_mut() {
                    *b ^= 0x01;
                }
            }
            Ok(sig)
        },
    )
    .map_err(|e| crate::pki::PkiError(format!("{e:?}")))
}

const TEST_DSC_KEY: &[u8] = include_bytes!("../pki/dsc.key.der");

/// OID of ECDSA with `hash`: ANSI X9.62 (`plain = false`) or BSI plain.
pub fn ecdsa_oid(hash: HashAlg, plain: bool) -> &'static str {
    match (hash, plain) {
        (HashAlg::Sha1, false) => "1.2.840.10045.4.1",
        (HashAlg::Sha224, false) => "1.2.840.10045.4.3.1",
        (HashAlg::Sha256, false) => ECDSA_WITH_SHA256,
        (HashAlg::Sha384, false) => "1.2.840.10045.4.3.3",
        (HashAlg::Sha512, false) => "1.2.840.10045.4.3.4",
        (HashAlg::Sha1, true) => "0.4.0.127.0.7.1.1.4.1.1",
        (HashAlg::Sha224, true) => "0.4.0.127.0.7.1.1.4.1.2",
        (HashAlg::Sha256, true) => "0.4.0.127.0.7.1.1.4.1.3",
        (HashAlg::Sha384, true) => "0.4.0.127.0.7.1.1.4.1.4",
        (HashAlg::Sha512, true) => "0.4.0.127.0.7.1.1.4.1.5",
    }
}

fn sign_ecdsa(alg: &str, data: &[u8]) -> Result<Vec<u8>, crate::pki::PkiError> {
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    use p256::pkcs8::DecodePrivateKey;
    let (hash, plain) = [
        HashAlg::Sha1,
        HashAlg::Sha224,
        HashAlg::Sha256,
        HashAlg::Sha384,
        HashAlg::Sha512,
    ]
    .into_iter()
    .flat_map(|h| [(h, false), (h, true)])
    .find(|(h, p)| ecdsa_oid(*h, *p) == alg)
    .unwrap_or((HashAlg::Sha256, false));
    let key = p256::ecdsa::SigningKey::from_pkcs8_der(TEST_DSC_KEY)
        .map_err(|e| crate::pki::PkiError(e.to_string()))?;
    let sig: p256::ecdsa::Signature = key
        .sign_prehash(&hash.digest(data))
        .map_err(|e| crate::pki::PkiError(e.to_string()))?;
    Ok(if plain {
        sig.to_bytes().to_vec()
    } else {
        sig.to_der().as_bytes().to_vec()
    })
}

fn signer_identifier(sid: Sid, dsc: &[u8]) -> Result<SignerIdentifier, crate::pki::PkiError> {
    use der::{Decode, Encode};
    let err = |e: der::Error| crate::pki::PkiError(e.to_string());
    let cert = x509_cert::Certificate::from_der(dsc).map_err(err)?;
    let issuer = cert.tbs_certificate.issuer.to_der().map_err(err)?;
    let serial = cert.tbs_certificate.serial_number.as_bytes().to_vec();
    let ski = cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == der::asn1::ObjectIdentifier::new_unwrap("2.5.29.14")) // subjectKeyIdentifier
        .and_then(|e| emrtd_tlv::expect_tag(e.extn_value.as_bytes(), 0x04).ok())
        .map(|(t, _)| t.value.to_vec())
        .unwrap_or_default();
    Ok(match sid {
        Sid::IssuerSerial => SignerIdentifier::IssuerAndSerialNumber { issuer, serial },
        Sid::WrongSerial => {
            let mut serial = serial;
            if let Some(b) = serial.last_mut() {
                *b ^= 0x01;
            }
            SignerIdentifier::IssuerAndSerialNumber { issuer, serial }
        }
        Sid::KeyIdentifier => SignerIdentifier::SubjectKeyIdentifier(ski),
        Sid::WrongKeyIdentifier => SignerIdentifier::SubjectKeyIdentifier(vec![0x5A; 20]),
    })
}

/// Change the CMS structure of an EF.SOD (or any ContentInfo inside one outer TLV): `f`
/// receives the children of SignedData (version, digestAlgorithms, encapContentInfo,
/// certificates, signerInfos). The signature is not recomputed. `None` when the input is not
/// a SignedData.
pub fn edit_signed_data(sod: &[u8], f: impl FnOnce(&mut Vec<Tlv>)) -> Option<Vec<u8>> {
    let mut tree = Tlv::parse_tree(sod).ok()?;
    let outer = tree.first_mut()?;
    // [77] { 30 { 06 signedData, A0 { 30 SignedData } } }
    let content_info = if outer.tag() == 0x77 {
        child_mut(outer, 0)?
    } else {
        outer
    };
    let sd = child_mut(content_info, 1)
        .and_then(|a0| child_mut(a0, 0))
        .and_then(children_mut)?;
    f(sd);
    Some(tree.first()?.encode())
}

fn child_mut(t: &mut Tlv, i: usize) -> Option<&mut Tlv> {
    children_mut(t)?.get_mut(i)
}

fn children_mut(t: &mut Tlv) -> Option<&mut Vec<Tlv>> {
    match t {
        Tlv::Constructed { children, .. } => Some(children),
        Tlv::Primitive { .. } => None,
    }
}

/// Plain exchanges (command, answer) a chip handled under secure messaging, as recorded by
/// [`record_plain`].
pub type PlainLog = std::sync::Arc<std::sync::Mutex<Vec<(CommandApdu, ResponseApdu)>>>;

/// A hook (for [`VirtualChip::set_response_hook`]) that records every command and answer
/// under secure messaging before protection, and protects them normally.
pub fn record_plain(log: PlainLog) -> ResponseHook {
    Box::new(move |cmd, resp, _| {
        if let Ok(mut l) = log.lock() {
            l.push((cmd.clone(), resp.clone()));
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Profile;

    fn chip() -> VirtualChip {
        VirtualChip::new(Profile::builtin("norway-passport").unwrap()).unwrap()
    }

    fn send(t: &mut impl Transport, cmd: CommandApdu) -> ResponseApdu {
        ResponseApdu::parse(&t.transmit(&cmd.to_bytes().unwrap()).unwrap()).unwrap()
    }

    #[test]
    fn plain_chip_serves_files_without_access_control() {
        let c = chip();
        let mut plain = PlainChip::from_chip(&c);
        let challenge = send(
            &mut plain,
            CommandApdu::new(0, ins::GET_CHALLENGE, 0, 0).with_le(8),
        );
        assert_eq!(challenge.sw, StatusWord::INS_NOT_SUPPORTED);
        let read = CommandApdu::new(0, ins::READ_BINARY, 0x81, 0).with_le(256);
        // Nothing before the application is selected.
        assert_eq!(
            send(&mut plain, read.clone()).sw,
            StatusWord::FILE_NOT_FOUND
        );
        let select = CommandApdu::new(0, ins::SELECT, 4, 0x0C).with_data(crate::LDS1_AID.to_vec());
        assert!(send(&mut plain, select).sw.is_ok());
        let dg1 = send(&mut plain, read);
        assert_eq!(dg1.sw, StatusWord::END_OF_FILE);
        assert_eq!(dg1.data, c.file("DG1").unwrap());
    }

    #[test]
    fn sod_spec_edit_and_resign_round_trip() {
        let c = chip();
        let dg1 = c.file("DG1").unwrap();
        let sod = SodSpec::new(&[(1, dg1)]).sign().unwrap();
        assert_eq!(edit_signed_data(&sod, |_| {}).unwrap(), sod);
        let mut trust = emrtd_auth::TrustStore::new();
        trust.add_der_certificate(crate::pki::TEST_CSCA).unwrap();
        let dgs = [(1u8, dg1.to_vec())].into_iter().collect();
        let opts = emrtd_auth::VerifyOptions::now();
        let verify = |b: &[u8]| emrtd_auth::pa::verify_sod_bytes(b, &dgs, &trust, &opts).status;
        assert_eq!(verify(&sod), emrtd_auth::Verdict::Valid);
        // A broken signature, signed again (RFC 6979: the very same signature).
        let broken = edit_signed_data(&sod, |sd| {
            if let Some(Tlv::Constructed { children, .. }) = sd.last_mut() {
                if let Some(Tlv::Constructed { children: si, .. }) = children.first_mut() {
                    if let Some(Tlv::Primitive { value, .. }) = si.last_mut() {
                        value[8] ^= 1;
                    }
                }
            }
        })
        .unwrap();
        assert_eq!(verify(&broken), emrtd_auth::Verdict::Invalid);
        assert_eq!(resign(&broken).unwrap(), sod);
        // With the BSI plain signature format too.
        let mut spec = SodSpec::new(&[(1, dg1)]);
        spec.signature_algorithm = ecdsa_oid(HashAlg::Sha384, true).into();
        assert_eq!(verify(&spec.sign().unwrap()), emrtd_auth::Verdict::Valid);
    }

    #[test]
    fn pace_faults_rewrite_the_dynamic_authentication_data() {
        let resp = [
            emrtd_tlv::encode(0x7C, &emrtd_tlv::encode(0x86, &[1; 8])),
            vec![0x90, 0],
        ]
        .concat();
        let cmd = CommandApdu::new(0, ins::GENERAL_AUTHENTICATE, 0, 0)
            .with_data(emrtd_tlv::encode(0x7C, &emrtd_tlv::encode(0x85, &[2; 8])));
        let retagged = break_pace(
            &PaceFault::Retag {
                from: 0x86,
                to: 0x96,
            },
            &cmd,
            &resp,
        );
        assert_eq!(retagged[2], 0x96);
        let reflected = break_pace(&PaceFault::Reflect, &cmd, &resp);
        assert_eq!(&reflected[4..12], &[2; 8]);
        let status = break_pace(&PaceFault::Status(StatusWord::WRONG_DATA), &cmd, &resp);
        assert_eq!(status, vec![0x6A, 0x80]);
    }
}
