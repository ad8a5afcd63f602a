//! A read session: access control (PACE, or BAC where the chip has no PACE), secure messaging,
//! file reading with block-size adaptation and resumption after the card was lost.

use crate::{EfId, ReadError};
use emrtd_access::bac::{BacError, BacKeys, BacTerminal};
use emrtd_access::pace::{PaceParams, PacePassword, PaceTerminal, Step};
use emrtd_apdu::{exchange, ins, CommandApdu, ResponseApdu, StatusWord, Transport, TransportError};
use emrtd_lds::atr_info::EfAtrInfo;
use emrtd_lds::com::{dg_number_from_tag, EfCom};
use emrtd_lds::dg1::Dg1;
use emrtd_lds::security_infos::SecurityInfos;
use emrtd_sm::SecureMessaging;
use rand_core::CryptoRngCore;
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// AID of the LDS1 eMRTD application.
pub const LDS1_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// Reason recorded in [`Document::refused`] for a file the chip says does not exist.
pub const NOT_PRESENT: &str = "not present on the chip";

/// Largest file this reader accepts (bounds memory on hostile chips).
pub const MAX_FILE_SIZE: usize = 4 * 1024 * 1024;

/// How often a read is resumed after the card was lost before giving up.
pub const MAX_RESUMES: usize = 3;

/// Smallest useful first read: enough for any LDS tag and length.
const HEADER_PROBE: usize = 8;

/// Largest block tried with extended-length APDUs when the chip does not say (EF.ATR/INFO).
const EXTENDED_BLOCK: usize = 0xFF00;

/// The secret that opens the chip.
#[derive(Clone)]
pub enum AccessKey {
    /// MRZ information: document number, date of birth, date of expiry with check digits
    /// (see [`emrtd_mrz::mrz_information`]).
    Mrz(Zeroizing<String>),
    /// Card access number printed on the document.
    Can(Zeroizing<String>),
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AccessKey::Mrz(_) => f.write_str("AccessKey::Mrz(<redacted>)"),
            AccessKey::Can(_) => f.write_str("AccessKey::Can(<redacted>)"),
        }
    }
}

impl AccessKey {
    /// Key from a parsed MRZ.
    pub fn from_mrz(mrz: &emrtd_mrz::Mrz) -> Result<AccessKey, ReadError> {
        Ok(AccessKey::Mrz(Zeroizing::new(mrz.access_key_info()?)))
    }

    /// Key from document number, date of birth (YYMMDD) and date of expiry (YYMMDD).
    pub fn from_mrz_fields(
        document_number: &str,
        date_of_birth: &str,
        date_of_expiry: &str,
    ) -> Result<AccessKey, ReadError> {
        Ok(AccessKey::Mrz(Zeroizing::new(emrtd_mrz::mrz_information(
            document_number,
            date_of_birth,
            date_of_expiry,
        )?)))
    }

    /// Key from a card access number (digits only).
    pub fn from_can(can: &str) -> Result<AccessKey, ReadError> {
        if can.is_empty() || can.len() > 10 || !can.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ReadError::InvalidCan);
        }
        Ok(AccessKey::Can(Zeroizing::new(can.to_string())))
    }

    fn pace_password(&self) -> PacePassword {
        match self {
            AccessKey::Mrz(m) => PacePassword::Mrz(m.to_string()),
            AccessKey::Can(c) => PacePassword::Can(c.to_string()),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            AccessKey::Mrz(_) => "MRZ",
            AccessKey::Can(_) => "CAN",
        }
    }
}

/// Which access control opened the chip.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccessReport {
    /// `BAC` or `PACE`.
    pub protocol: String,
    /// PACE mapping (`GM`, `IM`, `CAM`); `None` for BAC.
    pub mapping: Option<String>,
    /// PACE standardized domain parameter id; `None` for BAC.
    pub parameter_id: Option<u32>,
    /// PACE domain parameters by name (e.g. `brainpoolP256r1`); `None` for BAC.
    pub domain_parameters: Option<String>,
    /// Secure messaging cipher suite: `3DES`, `AES-128`, `AES-192`, `AES-256`.
    pub cipher_suite: String,
    /// PACE protocol OID (dotted); `None` for BAC.
    pub protocol_oid: Option<String>,
    /// Password used: `MRZ` or `CAN`.
    pub password: String,
    /// Why BAC was used instead of PACE, when it was.
    pub note: Option<String>,
    /// PACE-CAM chip authentication: `passed`, `failed` (with the chip refused) or `None`
    /// when the mapping was not CAM.
    pub chip_authentication_mapping: Option<String>,
}

/// What happens during a read, for progress displays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Opening the chip (access control).
    Opening,
    /// The chip is open.
    Opened(AccessReport),
    /// Bytes of a file read so far.
    Reading {
        file: EfId,
        done: usize,
        total: usize,
    },
    /// A file was read completely.
    FileDone { file: EfId, size: usize },
    /// The card left the field; waiting for it to come back.
    CardLost { attempt: usize, max: usize },
    /// The card is back and the session was re-established; reading goes on.
    Resumed { file: Option<EfId>, offset: usize },
}

/// Options of [`read_document`].
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Files to read; `None` reads EF.COM, EF.SOD and every data group EF.COM lists.
    pub files: Option<Vec<EfId>>,
    /// Largest READ BINARY block to start with (the reader steps down when the chip refuses).
    pub max_block: Option<usize>,
    /// Never use extended-length APDUs.
    pub no_extended_length: bool,
}

/// What was read from a chip.
#[derive(Debug, Clone)]
pub struct Document {
    pub access: AccessReport,
    /// Every file read, exactly as the chip sent it.
    pub files: BTreeMap<EfId, Vec<u8>>,
    /// Files the chip refused (for example DG3/DG4, which need Extended Access Control).
    pub refused: BTreeMap<EfId, String>,
    pub com: Option<EfCom>,
    pub dg1: Option<Dg1>,
    /// Number of times the read was resumed after the card was lost.
    pub resumes: usize,
    /// Chip Authentication result (`None` when the chip has no DG14 key).
    pub chip_authentication: Option<emrtd_auth::Check>,
    /// Active Authentication result (`None` when the chip has no DG15).
    pub active_authentication: Option<emrtd_auth::Check>,
}

/// An open session with a chip.
pub struct Session<T: Transport> {
    transport: T,
    sm: Option<SecureMessaging>,
    access: Option<AccessReport>,
    block: usize,
    block_fixed: bool,
    current_ef: Option<EfId>,
    apdus: usize,
    card_access: Option<Vec<u8>>,
    card_security: Option<Vec<u8>>,
    atr_info: Option<Vec<u8>>,
    in_application: bool,
    /// Largest block after a READ BINARY timed out (kept when the session is opened again).
    block_limit: Option<usize>,
    /// A READ BINARY is under way (so a failure of the link happened while reading).
    reading: bool,
    /// DG14 of a Chip Authentication that passed in this session: redone whenever the session
    /// is opened again after the card was lost, so that nothing is read from a chip that has
    /// not proved its key.
    chip_authenticated: Option<Vec<u8>>,
}

impl<T: Transport> Session<T> {
    /// Start a session on a transport (nothing is sent yet).
    pub fn new(transport: T) -> Self {
        Session {
            transport,
            sm: None,
            access: None,
            block: 256,
            block_fixed: false,
            current_ef: None,
            apdus: 0,
            card_access: None,
            card_security: None,
            atr_info: None,
            in_application: false,
            block_limit: None,
            reading: false,
            chip_authenticated: None,
        }
    }

    /// Open the chip: PACE when EF.CardAccess offers it, otherwise BAC; then select LDS1.
    pub fn open(
        transport: T,
        key: &AccessKey,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, ReadError> {
        let mut session = Session::new(transport);
        session.authenticate(key, rng)?;
        Ok(session)
    }

    /// Run access control (again) on the current transport and select the LDS1 application.
    pub fn authenticate(
        &mut self,
        key: &AccessKey,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(), ReadError> {
        self.sm = None;
        self.access = None;
        self.current_ef = None;
        if self.in_application {
            // Opening again without a reset: EF.CardAccess lives in the master file.
            let select_mf =
                CommandApdu::new(0x00, ins::SELECT, 0x00, 0x0C).with_data(vec![0x3F, 0x00]);
            self.transmit_plain(&select_mf)?;
            self.in_application = false;
        }
        let card_access = self.read_optional_plain(EfId::CardAccess)?;
        let atr_info = if self.transport.may_support_extended_length() {
            self.read_optional_plain(EfId::AtrInfo)?
        } else {
            None
        };
        let extended = atr_info
            .as_deref()
            .and_then(|b| EfAtrInfo::decode(b).ok())
            .and_then(|i| i.extended_length)
            .map(|e| e.max_response as usize);
        self.atr_info = atr_info;
        let infos = card_access
            .as_deref()
            .map(SecurityInfos::parse)
            .transpose()
            .map_err(|e| ReadError::Malformed(format!("EF.CardAccess: {e}")))?;
        self.card_access = card_access;
        let pace_info = infos.as_ref().and_then(|i| i.best_pace_info());
        match (pace_info, infos.as_ref()) {
            (Some(info), Some(infos)) => {
                let several = infos.pace_infos().count() > 1;
                let params = PaceParams::from_pace_info(info, infos)
                    .map_err(|e| ReadError::Unsupported(e.to_string()))?
                    .send_parameter_id(several);
                self.pace(params, key)?;
                self.select_lds1()?;
            }
            _ => {
                let note = match &infos {
                    Some(_) => "EF.CardAccess lists no PACE protocol this reader supports",
                    None => "the chip has no EF.CardAccess (no PACE)",
                };
                match self.select_and_bac(key, note, rng) {
                    Ok(()) => {
                        if let Some(a) = self.access.as_mut() {
                            a.note = Some(note.to_string());
                        }
                    }
                    // Only a chip without EF.CardAccess may be a chip without access control.
                    Err(ReadError::NoAccessControl) if infos.is_none() => self.plain_access(),
                    Err(e @ ReadError::AccessDenied) => return Err(e),
                    // The chip announces PACE we cannot run, and BAC did not work either.
                    Err(e) if infos.is_some() => {
                        return Err(ReadError::Unsupported(format!(
                            "PACE as offered ({note}); BAC instead failed: {e}"
                        )))
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        if let Some(max) = extended {
            self.use_extended_length(max);
        }
        Ok(())
    }

    /// BAC path: select the application first (BAC is bound to it, TR-03110-1 §2.4.1), then
    /// BAC with the MRZ; with a CAN only find out whether the chip has access control at all.
    fn select_and_bac(
        &mut self,
        key: &AccessKey,
        note: &str,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(), ReadError> {
        self.select_lds1()?;
        match key {
            AccessKey::Mrz(info) => self.basic_access_control(info, rng),
            AccessKey::Can(_) => {
                self.probe_basic_access_control()?;
                Err(ReadError::Unsupported(format!(
                    "access with a CAN: {note}, and BAC needs the MRZ"
                )))
            }
        }
    }

    /// Does the chip do BAC at all? `Err(NoAccessControl)` when it does not know GET CHALLENGE.
    fn probe_basic_access_control(&mut self) -> Result<(), ReadError> {
        let probe = CommandApdu::new(0x00, ins::GET_CHALLENGE, 0, 0).with_le(8);
        let resp = self.transmit_plain(&probe)?;
        if matches!(
            resp.sw,
            StatusWord::INS_NOT_SUPPORTED | StatusWord::FUNCTION_NOT_SUPPORTED
        ) {
            return Err(ReadError::NoAccessControl);
        }
        Ok(())
    }

    /// A chip without access control (ICAO "plain" eMRTD): files are read without secure
    /// messaging. The report says so; Passive Authentication still applies.
    fn plain_access(&mut self) {
        self.sm = None;
        self.access = Some(AccessReport {
            protocol: "none".into(),
            mapping: None,
            parameter_id: None,
            domain_parameters: None,
            cipher_suite: "none".into(),
            protocol_oid: None,
            password: "none".into(),
            note: Some(
                "the chip has no access control: the data was read without secure messaging".into(),
            ),
            chip_authentication_mapping: None,
        });
    }

    /// How the chip was opened, once it is.
    pub fn access(&self) -> Option<&AccessReport> {
        self.access.as_ref()
    }

    /// EF.CardAccess as read while opening the chip (if the chip has one).
    pub fn card_access(&self) -> Option<&[u8]> {
        self.card_access.as_deref()
    }

    /// EF.CardSecurity, when it was read to check PACE-CAM.
    pub fn card_security(&self) -> Option<&[u8]> {
        self.card_security.as_deref()
    }

    /// Number of APDUs exchanged so far.
    pub fn apdu_count(&self) -> usize {
        self.apdus
    }

    /// The transport.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Give the transport back.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// SELECT the LDS1 application.
    pub fn select_lds1(&mut self) -> Result<(), ReadError> {
        let cmd = CommandApdu::new(0x00, ins::SELECT, 0x04, 0x0C).with_data(LDS1_AID.to_vec());
        let resp = self.transmit(&cmd)?;
        self.current_ef = None;
        match resp.sw {
            sw if sw.is_ok() => {
                self.in_application = true;
                Ok(())
            }
            StatusWord::FILE_NOT_FOUND => Err(ReadError::Unsupported(
                "the ICAO eMRTD application (this is not a travel document chip)".into(),
            )),
            sw => Err(ReadError::Status {
                command: "SELECT eMRTD application".into(),
                sw,
            }),
        }
    }

    /// Read a master-file EF without secure messaging; `None` when the chip has no such file.
    fn read_optional_plain(&mut self, ef: EfId) -> Result<Option<Vec<u8>>, ReadError> {
        match self.read_file(ef) {
            Ok(b) => Ok(Some(b)),
            Err(ReadError::FileNotFound { .. }) | Err(ReadError::Status { .. }) => Ok(None),
            Err(ReadError::Malformed(_)) if ef == EfId::AtrInfo => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Run PACE with the parameters and key; establishes secure messaging.
    pub fn pace(&mut self, params: PaceParams, key: &AccessKey) -> Result<(), ReadError> {
        let mapping = params.mapping();
        let mut terminal =
            PaceTerminal::new(params, key.pace_password(), rand_core::OsRng).map_err(pace_error)?;
        let mut cmd = terminal.start().map_err(pace_error)?;
        let mut outcome = loop {
            let resp = self.transmit_plain(&cmd)?;
            match terminal.process_response(&resp).map_err(pace_error)? {
                Step::Send(next) => cmd = next,
                Step::Done(outcome) => break outcome,
            }
        };
        let s = &outcome.summary;
        let report = AccessReport {
            protocol: "PACE".into(),
            mapping: Some(mapping_name(mapping).into()),
            parameter_id: s.parameter_id,
            domain_parameters: Some(s.group_name.clone()),
            cipher_suite: cipher_name(s.cipher).into(),
            protocol_oid: Some(s.protocol.clone()),
            password: key.kind().into(),
            note: None,
            chip_authentication_mapping: None,
        };
        let cam = outcome.cam.is_some();
        let sm = std::mem::replace(
            &mut outcome.sm,
            SecureMessaging::new_3des([0; 16], [0; 16], [0; 8]),
        );
        self.install_secure_messaging(sm, report);
        if cam {
            let verdict = self.verify_pace_cam(&mut outcome);
            if let Some(a) = self.access.as_mut() {
                a.chip_authentication_mapping = Some(match verdict {
                    Ok(()) => "passed".into(),
                    Err(reason) => format!("failed: {reason}"),
                });
            }
        }
        Ok(())
    }

    /// PACE-CAM: read EF.CardSecurity under the new session and check the chip's proof.
    fn verify_pace_cam(
        &mut self,
        outcome: &mut emrtd_access::pace::PaceOutcome,
    ) -> Result<(), String> {
        let bytes = self
            .read_file(EfId::CardSecurity)
            .map_err(|e| format!("cannot read EF.CardSecurity: {e}"))?;
        self.card_security = Some(bytes.clone());
        let (_, infos) = SecurityInfos::parse_card_security(&bytes)
            .map_err(|e| format!("EF.CardSecurity: {e}"))?;
        let key_id = outcome.summary.parameter_id.map(i64::from);
        let mut keys: Vec<_> = infos.chip_authentication_public_keys().collect();
        if keys.len() > 1 {
            keys.retain(|k| k.key_id.is_none() || k.key_id == key_id);
        }
        let mut last = "EF.CardSecurity holds no chip authentication public key".to_string();
        for k in keys {
            let point = k.public_key.public_value().map_err(|e| e.to_string())?;
            match outcome.verify_chip_authentication(&point) {
                Ok(()) => return Ok(()),
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    }

    /// Run Basic Access Control with MRZ information; establishes 3DES secure messaging.
    pub fn basic_access_control(
        &mut self,
        mrz_information: &str,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(), ReadError> {
        let mut bac = BacTerminal::new(BacKeys::from_mrz_information(mrz_information));
        let challenge = self.transmit_plain(&bac.get_challenge_command())?;
        if matches!(
            challenge.sw,
            StatusWord::INS_NOT_SUPPORTED | StatusWord::FUNCTION_NOT_SUPPORTED
        ) {
            return Err(ReadError::NoAccessControl);
        }
        let ext_auth = bac.external_authenticate_command(&challenge, rng)?;
        let resp = self.transmit_plain(&ext_auth)?;
        let sm = bac.finish(&resp).map_err(|e| match e {
            BacError::AccessDenied => ReadError::AccessDenied,
            other => ReadError::Bac(other),
        })?;
        self.install_secure_messaging(
            sm,
            AccessReport {
                protocol: "BAC".into(),
                mapping: None,
                parameter_id: None,
                domain_parameters: None,
                cipher_suite: "3DES".into(),
                protocol_oid: None,
                password: "MRZ".into(),
                note: None,
                chip_authentication_mapping: None,
            },
        );
        Ok(())
    }

    /// Use a secure messaging session established by an access protocol.
    pub fn install_secure_messaging(&mut self, sm: SecureMessaging, access: AccessReport) {
        if !self.block_fixed {
            self.block =
                short_block(&access.cipher_suite).min(self.block_limit.unwrap_or(usize::MAX));
        }
        self.sm = Some(sm);
        self.access = Some(access);
    }

    /// Replace the secure messaging session (after Chip Authentication).
    pub fn replace_secure_messaging(&mut self, sm: SecureMessaging) {
        self.sm = Some(sm);
    }

    /// Read with extended-length APDUs, up to the chip's largest response.
    pub fn use_extended_length(&mut self, max_response: usize) {
        if self.block_fixed {
            return;
        }
        // Leave room for the secure messaging objects and the status word.
        let room = max_response
            .saturating_sub(48)
            .min(EXTENDED_BLOCK)
            .min(self.block_limit.unwrap_or(usize::MAX));
        if room > self.block {
            self.block = room;
        }
    }

    /// A READ BINARY timed out: some readers and chips cannot move large frames in the time
    /// allowed. Use smaller blocks from now on, also after the session is opened again.
    fn shrink_block_after_timeout(&mut self) {
        if self.block_fixed {
            return;
        }
        let limit = step_down(self.block);
        self.block_limit = Some(limit);
        self.block = limit;
    }

    /// Extended-length reads failed on the link: use short ones from now on. False when no
    /// extended-length reads were in use (then the failure has another cause).
    fn fall_back_to_short_apdus(&mut self) -> bool {
        let short = self
            .access
            .as_ref()
            .map_or(223, |a| short_block(&a.cipher_suite));
        if self.block_fixed || self.block <= short {
            return false;
        }
        self.block_limit = Some(short);
        self.block = short;
        true
    }

    /// Set the largest READ BINARY block (and keep it: no automatic extended length).
    pub fn set_max_block(&mut self, block: usize) {
        self.block = block.clamp(1, emrtd_apdu::EXTENDED_LE_MAX);
        self.block_fixed = true;
    }

    /// Current READ BINARY block size.
    pub fn max_block(&self) -> usize {
        self.block
    }

    fn transmit_plain(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, ReadError> {
        self.apdus += 1;
        Ok(exchange(&mut self.transport, cmd)?)
    }

    /// Send a command, protected by secure messaging once a session is established.
    pub fn transmit(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, ReadError> {
        match self.transmit_protected(cmd)? {
            Ok(r) => Ok(r),
            // A plain error status without secure messaging objects: not authenticated, but
            // meaningful (file not found, access denied); no data is taken from it.
            Err(emrtd_sm::SmError::UnprotectedStatus(sw)) => Ok(ResponseApdu::status(sw)),
            Err(e) => Err(ReadError::SecureMessaging(e)),
        }
    }

    /// Like [`Session::transmit`], but a response that fails secure messaging is returned as
    /// the [`emrtd_sm::SmError`] (the session is dropped unless the chip merely answered a
    /// plain status word).
    fn transmit_protected(
        &mut self,
        cmd: &CommandApdu,
    ) -> Result<Result<ResponseApdu, emrtd_sm::SmError>, ReadError> {
        let Some(sm) = self.sm.as_mut() else {
            return self.transmit_plain(cmd).map(Ok);
        };
        let protected = sm.protect(cmd)?;
        self.apdus += 1;
        let raw = exchange(&mut self.transport, &protected)?;
        let sm = self
            .sm
            .as_mut()
            .ok_or_else(|| ReadError::Malformed("secure messaging session lost".into()))?;
        let result = sm.unprotect(&raw);
        if matches!(&result, Err(e) if !matches!(e, emrtd_sm::SmError::UnprotectedStatus(_))) {
            // The chip has ended the session; so do we.
            self.sm = None;
        }
        Ok(result)
    }

    /// Read a whole elementary file by its short EF identifier.
    pub fn read_file(&mut self, ef: EfId) -> Result<Vec<u8>, ReadError> {
        let mut content = Vec::new();
        self.continue_file(ef, &mut content, &mut |_| {})?;
        Ok(content)
    }

    /// Read the rest of a file into `content` (which may hold the beginning from an earlier,
    /// interrupted read), reporting progress.
    pub fn continue_file(
        &mut self,
        ef: EfId,
        content: &mut Vec<u8>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), ReadError> {
        let name = ef.name();
        let mut ended = false;
        // First block: as large as the chip takes; it holds the TLV header and usually more.
        let header = loop {
            match emrtd_tlv::parse_header(content) {
                Ok(h) => break h,
                Err(emrtd_tlv::TlvError::Truncated { .. }) if !ended => {
                    let want = if content.is_empty() {
                        self.block
                    } else {
                        HEADER_PROBE
                            .saturating_sub(content.len())
                            .clamp(1, self.block)
                    };
                    let (more, sw, asked) = self.read_block(ef, content.len(), want)?;
                    if more.is_empty() {
                        return Err(file_truncated(&name, content.len(), HEADER_PROBE));
                    }
                    content.extend_from_slice(&more);
                    ended = sw == StatusWord::END_OF_FILE || more.len() < asked;
                }
                // A length beyond what the TLV layer accepts (16 MiB): refused before anything
                // is allocated. (More than four length octets is malformed, below.)
                Err(emrtd_tlv::TlvError::BadLength { .. }) if long_form_octets(content) <= 4 => {
                    return Err(ReadError::FileTooLarge {
                        file: name,
                        limit: MAX_FILE_SIZE,
                    });
                }
                Err(e) => {
                    return Err(ReadError::Malformed(format!(
                        "{name} does not start with a TLV: {e}"
                    )))
                }
            }
        };
        let total = header.total_len();
        if total > MAX_FILE_SIZE {
            return Err(ReadError::FileTooLarge {
                file: name,
                limit: MAX_FILE_SIZE,
            });
        }
        content.truncate(total);
        while content.len() < total {
            progress(Progress::Reading {
                file: ef,
                done: content.len(),
                total,
            });
            if ended {
                return Err(file_truncated(&name, content.len(), total));
            }
            let offset = content.len();
            let want = (total - offset).min(self.block);
            let (data, sw, _) = self.read_block(ef, offset, want)?;
            if data.is_empty() {
                return Err(file_truncated(&name, offset, total));
            }
            let take = data.len().min(total - offset);
            content.extend_from_slice(&data[..take]);
            ended = sw == StatusWord::END_OF_FILE;
        }
        progress(Progress::FileDone {
            file: ef,
            size: total,
        });
        Ok(())
    }

    /// One READ BINARY, stepping the block size down when the chip refuses the length.
    /// Returns the data, the status word and the length finally asked for.
    fn read_block(
        &mut self,
        ef: EfId,
        offset: usize,
        mut le: usize,
    ) -> Result<(Vec<u8>, StatusWord, usize), ReadError> {
        loop {
            if self.current_ef != Some(ef) && offset > 0xFF {
                self.select_ef(ef)?;
            }
            let by_sfi = self.current_ef != Some(ef);
            let cmd = if by_sfi {
                CommandApdu::new(0x00, ins::READ_BINARY, 0x80 | ef.sfi(), offset as u8).with_le(le)
            } else if offset <= 0x7FFF {
                CommandApdu::new(0x00, ins::READ_BINARY, (offset >> 8) as u8, offset as u8)
                    .with_le(le)
            } else {
                // Beyond 32767: odd INS with the offset in DO'54' and the data in DO'53'.
                let off = emrtd_tlv::encode(0x54, &(offset as u32).to_be_bytes()[1..]);
                CommandApdu::new(0x00, ins::READ_BINARY_ODD, 0, 0)
                    .with_data(off)
                    .with_le((le + 4).min(emrtd_apdu::EXTENDED_LE_MAX))
            };
            self.reading = true;
            let resp = self.transmit(&cmd)?;
            self.reading = false;
            let data = if cmd.ins == ins::READ_BINARY_ODD && !resp.data.is_empty() {
                emrtd_tlv::expect_tag(&resp.data, 0x53)
                    .map(|(t, _)| t.value.to_vec())
                    .map_err(|e| ReadError::Malformed(format!("READ BINARY (B1): {e}")))?
            } else {
                resp.data
            };
            match resp.sw {
                StatusWord::OK | StatusWord::END_OF_FILE => {
                    self.current_ef = Some(ef);
                    if data.len() > le {
                        return Err(ReadError::Malformed(format!(
                            "{ef}: asked for {le} bytes, the chip sent {}",
                            data.len()
                        )));
                    }
                    return Ok((data, resp.sw, le));
                }
                StatusWord::FILE_NOT_FOUND => {
                    return Err(ReadError::FileNotFound { file: ef.name() })
                }
                // The first block of a file shorter than the block: some chips refuse to read
                // past the end with 6B00; ask for just the header instead.
                StatusWord::WRONG_P1P2 if offset == 0 && le > 1 => {
                    le = if le > HEADER_PROBE {
                        HEADER_PROBE
                    } else {
                        le / 2
                    };
                }
                // Offset at or beyond the end of the file (ISO 7816-4: wrong P1-P2).
                StatusWord::WRONG_P1P2 if offset > 0 => {
                    self.current_ef = Some(ef);
                    return Ok((Vec::new(), StatusWord::END_OF_FILE, le));
                }
                StatusWord::WRONG_LENGTH if le > 1 => {
                    le = step_down(le);
                    self.block = self.block.min(le);
                }
                sw if sw.sw1() == 0x6C => {
                    let exact = if sw.sw2() == 0 {
                        256
                    } else {
                        sw.sw2() as usize
                    };
                    if exact >= le {
                        return Err(ReadError::Status {
                            command: format!("READ BINARY {ef} at offset {offset}"),
                            sw,
                        });
                    }
                    le = exact;
                }
                sw => {
                    return Err(ReadError::Status {
                        command: format!("READ BINARY {ef} at offset {offset}"),
                        sw,
                    })
                }
            }
        }
    }

    /// Open the chip again after it was lost and came back: access control with the same key
    /// and, when Chip Authentication had passed, Chip Authentication again with the same DG14
    /// key. If the chip that came back fails it, the read stops with
    /// [`ReadError::ChipChanged`]: its data cannot be trusted to come from the chip that proved
    /// its key.
    pub fn reopen(
        &mut self,
        key: &AccessKey,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(), ReadError> {
        // What the chip proved before: kept until the chip proves it again, so that another
        // loss of the card in the middle of this cannot skip it.
        let cam_before = self
            .access
            .as_ref()
            .and_then(|a| a.chip_authentication_mapping.clone());
        let card_security_before = self.card_security.clone();
        self.authenticate(key, rng)?;
        if cam_before.as_deref() == Some("passed") {
            let cam_now = self
                .access
                .as_ref()
                .and_then(|a| a.chip_authentication_mapping.clone());
            if cam_now.as_deref() != Some("passed") {
                return Err(ReadError::ChipChanged(format!(
                    "PACE-CAM: {}",
                    cam_now.unwrap_or_else(|| "not run".into())
                )));
            }
            // The key proved must be the one proved before.
            if self.card_security != card_security_before {
                return Err(ReadError::ChipChanged(
                    "PACE-CAM passed with another EF.CardSecurity key".into(),
                ));
            }
        }
        let Some(dg14) = self.chip_authenticated.clone() else {
            return Ok(());
        };
        match self.chip_authentication(&dg14) {
            Ok((Some(check), _)) if check.status == emrtd_auth::CheckStatus::Passed => Ok(()),
            Ok((check, _)) => Err(ReadError::ChipChanged(
                check
                    .map(|c| c.reason)
                    .unwrap_or_else(|| "DG14 has no Chip Authentication key".into()),
            )),
            Err(e) => Err(e),
        }
    }

    /// Chip Authentication v1 with the DG14 key: key agreement, new secure messaging session,
    /// confirmed by one command under the new keys. Returns the check (`None` when DG14 holds
    /// no Chip Authentication key) and whether the chip's session ended (failed confirmation).
    pub fn chip_authentication(
        &mut self,
        dg14: &[u8],
    ) -> Result<(Option<emrtd_auth::Check>, bool), ReadError> {
        use crate::verdict::{failed, passed};
        use emrtd_auth::ca::{self, CaTerminal};
        const NAME: &str = "chip_authentication";
        let infos = match SecurityInfos::parse_dg14(dg14) {
            Ok(i) => i,
            Err(e) => {
                return Ok((
                    Some(failed(NAME, format!("DG14 cannot be decoded: {e}"))),
                    false,
                ))
            }
        };
        if infos.chip_authentication_public_keys().next().is_none() {
            return Ok((None, false));
        }
        let (info, key) = match ca::select(&infos) {
            Ok(k) => k,
            Err(e) => return Ok((Some(failed(NAME, e.to_string())), false)),
        };
        let mut terminal = match CaTerminal::new(info, key, &mut rand_core::OsRng) {
            Ok(t) => t,
            Err(e) => return Ok((Some(failed(NAME, e.to_string())), false)),
        };
        let commands = terminal.commands();
        let mut last = None;
        for (i, cmd) in commands.iter().enumerate() {
            let resp = match self.transmit(cmd) {
                Ok(r) => r,
                Err(e) if e.is_card_lost() => return Err(e),
                Err(e) => return Ok((Some(failed(NAME, e.to_string())), self.sm.is_none())),
            };
            if i + 1 < commands.len() {
                if let Err(e) = terminal.check_intermediate(&resp) {
                    let report = terminal.failure_report(&e);
                    return Ok((Some(failed(NAME, report.reason)), false));
                }
            }
            last = Some(resp);
        }
        let Some(last) = last else {
            return Ok((Some(failed(NAME, "no Chip Authentication command")), false));
        };
        let (sm, mut report) = match terminal.finish(&last) {
            Ok(r) => r,
            Err(e) => {
                return Ok((
                    Some(failed(NAME, terminal.failure_report(&e).reason)),
                    false,
                ))
            }
        };
        self.replace_secure_messaging(sm);
        self.current_ef = None;
        let confirmation = self.transmit_protected(&ca::confirmation_command())?;
        if confirmation.is_err() {
            // Whatever the chip answered, the new session does not hold.
            self.sm = None;
        }
        report.confirm(&confirmation);
        let what = format!(
            "{}{}: {}",
            report.algorithm.clone().unwrap_or_default(),
            report
                .domain_parameters
                .as_ref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default(),
            report.reason
        );
        Ok(if report.is_passed() {
            self.chip_authenticated = Some(dg14.to_vec());
            (Some(passed(NAME, what)), false)
        } else {
            (Some(failed(NAME, what)), true)
        })
    }

    /// Active Authentication with the DG15 key (and DG14's ActiveAuthenticationInfo for
    /// ECDSA): a fresh challenge, INTERNAL AUTHENTICATE, signature check. The result says
    /// passed or failed and why; only a lost card is an error.
    pub fn active_authentication(
        &mut self,
        dg15: &[u8],
        dg14: Option<&[u8]>,
    ) -> Result<emrtd_auth::Check, ReadError> {
        use crate::verdict::{failed, passed};
        const NAME: &str = "active_authentication";
        let key = match emrtd_lds::dg15::Dg15::decode(dg15) {
            Ok(d) => d.public_key,
            Err(e) => return Ok(failed(NAME, format!("DG15 cannot be decoded: {e}"))),
        };
        let infos = dg14.and_then(|b| SecurityInfos::parse_dg14(b).ok());
        let aa_info = infos.as_ref().and_then(emrtd_auth::aa::find_aa_info);
        let challenge = emrtd_auth::aa::new_challenge(&mut rand_core::OsRng);
        let cmd = emrtd_auth::aa::internal_authenticate_command(challenge);
        let resp = match self.transmit(&cmd) {
            Ok(r) => r,
            Err(e) if e.is_card_lost() => return Err(e),
            Err(e) => return Ok(failed(NAME, format!("INTERNAL AUTHENTICATE failed: {e}"))),
        };
        if !resp.sw.is_ok() {
            return Ok(failed(
                NAME,
                format!("the chip refused INTERNAL AUTHENTICATE ({})", resp.sw),
            ));
        }
        let result = emrtd_auth::aa::verify(&key, &challenge, &resp.data, aa_info);
        let reason = format!("{}: {}", result.key, result.reason);
        Ok(if result.passed {
            passed(NAME, reason)
        } else {
            failed(NAME, reason)
        })
    }

    /// SELECT an EF by its file identifier (needed to read beyond offset 255 of a file not
    /// yet selected, e.g. when resuming).
    fn select_ef(&mut self, ef: EfId) -> Result<(), ReadError> {
        let cmd = CommandApdu::new(0x00, ins::SELECT, 0x02, 0x0C)
            .with_data(ef.fid().to_be_bytes().to_vec());
        let resp = self.transmit(&cmd)?;
        match resp.sw {
            sw if sw.is_ok() => {
                self.current_ef = Some(ef);
                Ok(())
            }
            StatusWord::FILE_NOT_FOUND => Err(ReadError::FileNotFound { file: ef.name() }),
            sw => Err(ReadError::Status {
                command: format!("SELECT {ef}"),
                sw,
            }),
        }
    }
}

/// Number of length octets of a long-form TLV length at the start of `data` (0 if short form
/// or unreadable).
fn long_form_octets(data: &[u8]) -> usize {
    match emrtd_tlv::tag(data) {
        Ok((rest, _)) => rest.first().map_or(0, |b| {
            if b & 0x80 != 0 {
                (b & 0x7F) as usize
            } else {
                0
            }
        }),
        Err(_) => 0,
    }
}

fn step_down(le: usize) -> usize {
    // Typical chip limits first (a short-APDU block under SM), then halve.
    if le > 0x400 {
        (le / 2).max(0x400)
    } else if le > 231 {
        231
    } else if le > 223 {
        223
    } else {
        (le / 2).max(1)
    }
}

/// Largest plain block whose protected short response fits 256 bytes:
/// DO'87' (3-byte header + indicator + padded data) + DO'99' (4) + DO'8E' (10).
fn short_block(cipher_suite: &str) -> usize {
    if cipher_suite == "3DES" {
        231
    } else {
        223
    }
}

fn cipher_name(c: emrtd_crypto::sym::Cipher) -> &'static str {
    use emrtd_crypto::sym::Cipher;
    match c {
        Cipher::Tdes => "3DES",
        Cipher::Aes128 => "AES-128",
        Cipher::Aes192 => "AES-192",
        Cipher::Aes256 => "AES-256",
    }
}

fn mapping_name(m: emrtd_access::pace::Mapping) -> &'static str {
    use emrtd_access::pace::Mapping;
    match m {
        Mapping::Generic => "GM",
        Mapping::Integrated => "IM",
        Mapping::ChipAuthentication => "CAM",
    }
}

fn pace_error(e: emrtd_access::pace::PaceError) -> ReadError {
    if e.is_wrong_password() {
        ReadError::AccessDenied
    } else {
        ReadError::Pace(e)
    }
}

fn file_truncated(name: &str, got: usize, total: usize) -> ReadError {
    ReadError::Malformed(format!(
        "{name} ends after {got} bytes but declares {total} bytes"
    ))
}

/// Open the chip with the key and read EF.COM, EF.SOD and the data groups EF.COM lists.
pub fn read_document<T: Transport>(
    transport: T,
    key: &AccessKey,
    options: &ReadOptions,
) -> Result<Document, ReadError> {
    read_document_with_progress(transport, key, options, &mut |_| {})
}

/// [`read_document`] with progress reports; resumes after the card was lost (up to
/// [`MAX_RESUMES`] times) when the transport can reconnect.
pub fn read_document_with_progress<T: Transport>(
    transport: T,
    key: &AccessKey,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Document, ReadError> {
    let mut rng = rand_core::OsRng;
    let mut session = Session::new(transport);
    if let Some(block) = options.max_block {
        session.set_max_block(block);
    }
    let mut resumes = 0;
    progress(Progress::Opening);
    with_resume(&mut session, key, &mut resumes, progress, None, |s, _| {
        s.authenticate(key, &mut rng)
    })?;
    if options.no_extended_length && !session.block_fixed {
        let short = short_block(
            session
                .access()
                .map(|a| a.cipher_suite.as_str())
                .unwrap_or("3DES"),
        );
        session.block = short;
        // Kept when the chip is opened again after a loss.
        session.block_limit = Some(short);
    }
    let access = session
        .access()
        .cloned()
        .ok_or_else(|| ReadError::Malformed("no access control was performed".into()))?;
    progress(Progress::Opened(access.clone()));

    let mut files = BTreeMap::new();
    let mut refused = BTreeMap::new();
    if let Some(ca) = session.card_access() {
        files.insert(EfId::CardAccess, ca.to_vec());
    }
    if let Some(cs) = session.card_security() {
        files.insert(EfId::CardSecurity, cs.to_vec());
    }
    if let Some(info) = session.atr_info.as_ref() {
        files.insert(EfId::AtrInfo, info.clone());
    }
    let com_bytes = read_resumable(&mut session, key, EfId::Com, &mut resumes, progress)?;
    let com = EfCom::decode(&com_bytes)?;
    files.insert(EfId::Com, com_bytes);
    let wanted: Vec<EfId> = match &options.files {
        Some(list) => list.clone(),
        None => [EfId::Sod]
            .into_iter()
            .chain(
                com.tag_list
                    .iter()
                    .filter_map(|t| dg_number_from_tag(*t))
                    .map(EfId::Dg),
            )
            .collect(),
    };
    // Chip Authentication first (ICAO 9303-11 §7.2): read DG14, upgrade the session.
    let mut chip_authentication = None;
    if wanted.contains(&EfId::Dg(14)) {
        match read_resumable(&mut session, key, EfId::Dg(14), &mut resumes, progress) {
            Ok(dg14) => {
                with_resume(
                    &mut session,
                    key,
                    &mut resumes,
                    progress,
                    Some(EfId::Dg(14)),
                    |s, _| {
                        let (check, session_broken) = s.chip_authentication(&dg14)?;
                        if session_broken {
                            // A failed confirmation ended the chip's session: open it again to
                            // go on reading (the verdict already says the chip failed).
                            s.authenticate(key, &mut rand_core::OsRng)?;
                        }
                        chip_authentication = check;
                        Ok(())
                    },
                )?;
                files.insert(EfId::Dg(14), dg14);
            }
            Err(ReadError::FileNotFound { .. }) => {
                refused.insert(EfId::Dg(14), NOT_PRESENT.to_string());
            }
            Err(e) => return Err(e),
        }
    }
    for ef in wanted {
        if files.contains_key(&ef) || refused.contains_key(&ef) {
            continue;
        }
        match read_resumable(&mut session, key, ef, &mut resumes, progress) {
            Ok(bytes) => {
                files.insert(ef, bytes);
            }
            Err(ReadError::Status { sw, .. })
                if sw == StatusWord::SECURITY_STATUS_NOT_SATISFIED =>
            {
                refused.insert(
                    ef,
                    "access denied (needs Extended Access Control)".to_string(),
                );
            }
            Err(ReadError::FileNotFound { .. }) => {
                refused.insert(ef, NOT_PRESENT.to_string());
            }
            Err(e) => return Err(e),
        }
    }
    let active_authentication = match files.get(&EfId::Dg(15)).cloned() {
        Some(dg15) => {
            let dg14 = files.get(&EfId::Dg(14)).cloned();
            let mut result = None;
            with_resume(
                &mut session,
                key,
                &mut resumes,
                progress,
                Some(EfId::Dg(15)),
                |s, _| {
                    result = Some(s.active_authentication(&dg15, dg14.as_deref())?);
                    Ok(())
                },
            )?;
            result
        }
        None => None,
    };
    let dg1 = files
        .get(&EfId::Dg(1))
        .map(|b| Dg1::decode(b))
        .transpose()?;
    Ok(Document {
        access,
        files,
        refused,
        com: Some(com),
        dg1,
        resumes,
        chip_authentication,
        active_authentication,
    })
}

fn read_resumable<T: Transport>(
    session: &mut Session<T>,
    key: &AccessKey,
    ef: EfId,
    resumes: &mut usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<u8>, ReadError> {
    let mut content = Vec::new();
    with_resume(session, key, resumes, progress, Some(ef), |s, p| {
        s.continue_file(ef, &mut content, p)
    })?;
    Ok(content)
}

/// Run `step`; when the card is lost, wait for it, re-authenticate and run `step` again
/// (it continues where it stopped).
fn with_resume<T: Transport>(
    session: &mut Session<T>,
    key: &AccessKey,
    resumes: &mut usize,
    progress: &mut dyn FnMut(Progress),
    file: Option<EfId>,
    mut step: impl FnMut(&mut Session<T>, &mut dyn FnMut(Progress)) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    let mut offset_hint = 0;
    loop {
        let mut track = |p: Progress| {
            if let Progress::Reading { done, .. } = p {
                offset_hint = done;
            }
            progress(p)
        };
        let mut lost = match step(session, &mut track) {
            Err(e) if e.is_card_lost() => e,
            // The link failed an extended-length APDU (a reader that cannot carry them): the
            // secure messaging counters are out of step, so open the chip again and go on with
            // short APDUs.
            Err(e @ ReadError::Transport(TransportError::Other(_)))
                if file.is_some() && session.reading && session.fall_back_to_short_apdus() =>
            {
                e
            }
            other => return other,
        };
        // Wait for the card, open it again (also when it leaves again meanwhile), go on.
        loop {
            if *resumes >= MAX_RESUMES {
                return Err(lost);
            }
            if session.reading && matches!(lost, ReadError::Transport(TransportError::Timeout)) {
                session.shrink_block_after_timeout();
            }
            session.reading = false;
            *resumes += 1;
            progress(Progress::CardLost {
                attempt: *resumes,
                max: MAX_RESUMES,
            });
            session.transport.reconnect()?;
            if file.is_some() {
                // Reading a file: open the chip again (with Chip Authentication when it had
                // passed), then the step goes on. When the step is the opening itself,
                // running it again suffices.
                match session.reopen(key, &mut rand_core::OsRng) {
                    Err(e) if e.is_card_lost() => {
                        lost = e;
                        continue;
                    }
                    other => other?,
                }
            }
            progress(Progress::Resumed {
                file,
                offset: offset_hint,
            });
            break;
        }
    }
}
