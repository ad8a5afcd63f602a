//! The protocol steps of a read, as `async` methods over the engine's link: access control
//! (PACE or BAC), secure messaging, file reading with block adaptation, Chip and Active
//! Authentication, reopening after a tag loss. Every APDU goes through [`Channel::transmit`]
//! (or its plain twin) and so leaves the engine as an `Event::Transmit`.

use super::link::Link;
use super::{Clock, EngineConfig, SharedRng};
use crate::report::{
    AccessChoice, AccessKey, AccessProtocol, AccessReport, CheckOutcome, ChipKeySource,
    CipherSuite, LengthRefusal, Password, Progress,
};
use crate::{EfId, ReadError};
use emrtd_access::bac::{BacError, BacKeys, BacTerminal};
use emrtd_access::pace::{PaceError, PaceParams, PaceTerminal, Step};
use emrtd_apdu::{ins, CommandApdu, ResponseApdu, StatusWord, TransportError};
use emrtd_lds::atr_info::EfAtrInfo;
use emrtd_lds::security_infos::SecurityInfos;
use emrtd_sm::SecureMessaging;

/// AID of the LDS1 eMRTD application.
pub const LDS1_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// Largest file this reader accepts (bounds memory on hostile chips).
pub const MAX_FILE_SIZE: usize = 4 * 1024 * 1024;

/// How often a read is resumed after the card was lost before giving up.
pub const MAX_RESUMES: usize = 3;

/// Smallest useful first read: enough for any LDS tag and length.
const HEADER_PROBE: usize = 8;

/// Largest block tried with extended-length APDUs when the chip does not say (EF.ATR/INFO).
const EXTENDED_BLOCK: usize = 0xFF00;

/// The engine's connection to the chip, with the secure messaging session and the reading
/// strategy. Its methods are the protocol steps a procedure is made of.
pub struct Channel {
    link: Link,
    rng: SharedRng,
    clock: Box<dyn Clock + Send>,
    key: AccessKey,
    pub(crate) config: EngineConfig,
    sm: Option<SecureMessaging>,
    access: Option<AccessReport>,
    block: usize,
    block_fixed: bool,
    current_ef: Option<EfId>,
    apdus: usize,
    pub(crate) card_access: Option<Vec<u8>>,
    pub(crate) card_security: Option<Vec<u8>>,
    pub(crate) atr_info: Option<Vec<u8>>,
    in_application: bool,
    /// Largest block after a READ BINARY timed out (kept when the session is opened again).
    pub(crate) block_limit: Option<usize>,
    /// A READ BINARY is under way (so a failure of the link happened while reading).
    reading: bool,
    /// DG14 of a Chip Authentication that passed in this session: redone whenever the session
    /// is opened again after the card was lost, so that nothing is read from a chip that has
    /// not proved its key.
    chip_authenticated: Option<Vec<u8>>,
    /// Comp(PK_PCD) of the terminal's ephemeral key of the Chip Authentication (or PACE-CAM)
    /// of this session: the key Terminal Authentication v1 authenticates.
    ta_ephemeral: Option<Vec<u8>>,
    /// Comp of the chip's ephemeral PACE key (ID_PICC after PACE, dynamic binding).
    pace_chip_key: Option<Vec<u8>>,
    /// The rights the CHAT of this session's PACE asked for (sent when Terminal
    /// Authentication version 2 is to follow, TR-03110-3 §B.14.1); `None`: no CHAT.
    pace_chat: Option<emrtd_eac::IsRights>,
    /// EF.CVCA of a Terminal Authentication that ran in this session: rerun whenever the
    /// session is opened again (the rights belong to the session).
    ta_cvca: Option<Vec<u8>>,
    /// The latest Terminal Authentication outcome.
    pub(crate) ta_report: Option<crate::report::TerminalAuthReport>,
    /// Where EF.CVCA is when DG14's TerminalAuthenticationInfo says (TR-03110-3 §A.1.1.3:
    /// file identifier, short file identifier if any); `None`: 011C / 1C.
    pub(crate) cvca_location: Option<(u16, Option<u8>)>,
    /// EF.CVCA and DG14 of a Terminal Authentication v2 + Chip Authentication v2 that passed in
    /// this session: both rerun whenever the session is opened again.
    ta_v2: Option<(Vec<u8>, Vec<u8>)>,
    /// ID_PICC after PACE is the static binding (document number or CAN): the chip rejected
    /// the dynamic binding's signature (kept when the session is opened again).
    ta_static_binding: bool,
    /// The chip rejected the signature of a Terminal Authentication after PACE with the
    /// dynamic binding: the static binding may be tried (TR-03110-1 §3.5).
    ta_dynamic_rejected: bool,
    /// Offset reached in the file of the current resumable step (for `Progress::Resumed`).
    pub(crate) offset_hint: usize,
    /// Times the read was resumed after the card was lost.
    pub(crate) resumes: usize,
    /// The chip refused a READ BINARY by short EF identifier: files are selected by file
    /// identifier first from then on (kept when the chip is opened again).
    pub(crate) sfi_refused: bool,
    /// The chip answered a protected command with a plain 6986/6987/6988: it has ended the
    /// secure messaging session (after a refused command or a reset), so the step is resumed
    /// after access control is run again.
    session_lost: Option<StatusWord>,
    /// The session was lost to a plain 6700/6D00 in answer to an extended-length APDU: it is
    /// opened again with short APDUs only.
    extended_refused: bool,
    /// Largest response (bytes, secure messaging included) of an extended-length APDU in this
    /// session: EF.ATR/INFO announced extended length over a link that may carry it. `None`:
    /// short APDUs only (INTERNAL AUTHENTICATE then takes long signatures in 61xx parts).
    extended_max: Option<usize>,
    /// Extended-length APDUs failed once (on the link or at the chip): never used again in
    /// this read, also after the chip is opened again.
    short_only: bool,
    /// A command took longer than the per-command budget: (command, elapsed ms, budget ms).
    /// Every later command fails the same way, so that no step goes on in a session whose
    /// secure messaging counter has moved without an answer.
    too_slow: Option<(String, u64, u64)>,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("access", &self.access)
            .field("block", &self.block)
            .field("apdus", &self.apdus)
            .finish_non_exhaustive()
    }
}

impl Channel {
    pub(crate) fn new(
        config: EngineConfig,
        link: Link,
        rng: SharedRng,
        clock: Box<dyn Clock + Send>,
    ) -> Self {
        let mut channel = Channel {
            link,
            rng,
            clock,
            key: config.key.clone(),
            config,
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
            ta_ephemeral: None,
            pace_chip_key: None,
            pace_chat: None,
            ta_cvca: None,
            ta_report: None,
            ta_v2: None,
            cvca_location: None,
            ta_static_binding: false,
            ta_dynamic_rejected: false,
            offset_hint: 0,
            resumes: 0,
            sfi_refused: false,
            session_lost: None,
            extended_refused: false,
            extended_max: None,
            short_only: false,
            too_slow: None,
        };
        if let Some(block) = channel.config.options.max_block {
            channel.set_max_block(block);
        }
        channel
    }

    /// "Now" from the engine's clock, Unix seconds.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Report progress (handed to the driver before the next command).
    pub fn progress(&mut self, p: Progress) {
        if let Progress::Reading { done, .. } = p {
            self.offset_hint = done;
        }
        self.link.note(p);
    }

    /// Run access control (again) and select the LDS1 application: PACE when EF.CardAccess
    /// offers it, otherwise BAC.
    pub async fn open(&mut self) -> Result<(), ReadError> {
        self.sm = None;
        self.session_lost = None;
        self.access = None;
        self.current_ef = None;
        self.ta_ephemeral = None;
        self.pace_chip_key = None;
        self.pace_chat = None;
        if self.in_application {
            // Opening again without a reset: EF.CardAccess lives in the master file.
            let select_mf = CommandApdu::select_mf();
            self.transmit_plain(&select_mf).await?;
            self.in_application = false;
        }
        let card_access = self.read_optional_plain(EfId::CardAccess).await?;
        let atr_info = if self.config.link_may_support_extended_length {
            self.read_optional_plain(EfId::AtrInfo).await?
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
        let pace_params = match infos.as_ref() {
            Some(infos) => match infos.best_pace_info() {
                Some(info) => {
                    let several = infos.pace_infos().count() > 1;
                    Some((
                        PaceParams::from_pace_info(info, infos)
                            .map_err(|e| ReadError::Unsupported(e.to_string()))?,
                        several,
                    ))
                }
                None => None,
            },
            None => None,
        };
        let has_card_access = infos.is_some();
        drop(infos);
        let pace_params = match (self.config.options.access, pace_params) {
            (AccessChoice::Bac, _) => None,
            (AccessChoice::Pace, None) => {
                return Err(ReadError::Unsupported(if has_card_access {
                    "PACE as asked (EF.CardAccess lists no PACE protocol this reader supports)"
                        .into()
                } else {
                    "PACE as asked (the chip has no EF.CardAccess)".into()
                }))
            }
            (_, params) => params,
        };
        match pace_params {
            Some((params, several)) => {
                // DO'84' (the parameter id as key reference) only when EF.CardAccess offers
                // several PACE variants; a chip that refuses the form sent (6A87 without it,
                // 6A80 with it, field-quirks.md) gets the other one, once. Any other PACE
                // failure ends the read: it never becomes BAC.
                let has_id = params.parameter_id().is_some();
                match self.pace(params.clone().send_parameter_id(several)).await {
                    Err(ReadError::Pace(PaceError::ParametersRejected { sw }))
                        if has_id && refuses_key_reference(sw) =>
                    {
                        self.pace(params.send_parameter_id(!several)).await?;
                        if let Some(a) = self.access.as_mut() {
                            a.note = Some(format!(
                                "MSE:Set AT {} DO'84' was refused ({sw}); PACE ran {} it",
                                if several { "with" } else { "without" },
                                if several { "without" } else { "with" },
                            ));
                        }
                    }
                    other => other?,
                }
                self.select_lds1().await?;
            }
            None => {
                let note = if self.config.options.access == AccessChoice::Bac {
                    "BAC was asked for"
                } else if has_card_access {
                    "EF.CardAccess lists no PACE protocol this reader supports"
                } else {
                    "the chip has no EF.CardAccess (6A82 to the read by short EF identifier and to SELECT by \
                     file identifier): no PACE"
                };
                match self.select_and_bac(note).await {
                    Ok(()) => {
                        if let Some(a) = self.access.as_mut() {
                            a.note = Some(note.to_string());
                        }
                    }
                    // Only a chip without EF.CardAccess may be a chip without access control.
                    Err(ReadError::NoAccessControl) if !has_card_access => self.plain_access(),
                    Err(e @ ReadError::AccessDenied) => return Err(e),
                    // The chip announces PACE we cannot run, and BAC did not work either.
                    Err(e) if has_card_access => {
                        return Err(ReadError::Unsupported(format!(
                            "PACE as offered ({note}); BAC instead failed: {e}"
                        )))
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        self.extended_max = extended.filter(|_| !self.short_only);
        if let Some(max) = self.extended_max {
            self.use_extended_length(max);
        }
        Ok(())
    }

    /// BAC path: select the application first (BAC is bound to it, TR-03110-1 §2.4.1), then
    /// BAC with the MRZ; with a CAN only find out whether the chip has access control at all.
    async fn select_and_bac(&mut self, note: &str) -> Result<(), ReadError> {
        self.select_lds1().await?;
        match self.key.clone() {
            AccessKey::Mrz(info) => self.basic_access_control(&info).await,
            AccessKey::Can(_) => {
                self.probe_basic_access_control().await?;
                Err(ReadError::Unsupported(format!(
                    "access with a CAN: {note}, and BAC needs the MRZ"
                )))
            }
        }
    }

    /// Does the chip do BAC at all? `Err(NoAccessControl)` when it does not know GET CHALLENGE.
    async fn probe_basic_access_control(&mut self) -> Result<(), ReadError> {
        let probe = CommandApdu::get_challenge(8);
        let resp = self.transmit_plain(&probe).await?;
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
            protocol: AccessProtocol::None,
            mapping: None,
            parameter_id: None,
            domain_parameters: None,
            cipher_suite: CipherSuite::None,
            protocol_oid: None,
            password: Password::None,
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

    /// Number of APDUs exchanged so far.
    pub fn apdu_count(&self) -> usize {
        self.apdus
    }

    /// SELECT the LDS1 application.
    pub async fn select_lds1(&mut self) -> Result<(), ReadError> {
        let cmd = CommandApdu::select_application(&LDS1_AID);
        let resp = self.transmit(&cmd).await?;
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
    async fn read_optional_plain(&mut self, ef: EfId) -> Result<Option<Vec<u8>>, ReadError> {
        match self.read_file(ef).await {
            Ok(b) => Ok(Some(b)),
            Err(ReadError::FileNotFound { .. }) => Ok(None),
            // EF.CardAccess is there (SELECT by file identifier did not say 6A82) but the
            // chip will not give it: that is not a chip without PACE, and falling back to BAC
            // would hide it.
            Err(ReadError::Status { sw, command }) if ef == EfId::CardAccess => {
                Err(ReadError::Unsupported(format!(
                    "the chip refuses to give EF.CardAccess ({command}: {sw}) although it has \
                     it, so its PACE parameters are unknown; BAC is not tried in its place"
                )))
            }
            Err(ReadError::Status { .. }) => Ok(None),
            Err(ReadError::Malformed(_)) if ef == EfId::AtrInfo => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Run PACE with the parameters and the engine's key; establishes secure messaging.
    pub async fn pace(&mut self, params: PaceParams) -> Result<(), ReadError> {
        let mapping = params.mapping();
        let chat = self.pace_chat_for_ta_v2();
        let params = match &chat {
            Some(chat) => params.with_chat(chat.encode()),
            None => params,
        };
        let mut terminal = PaceTerminal::new(params, self.key.pace_password(), self.rng.clone())
            .map_err(pace_error)?;
        let mut cmd = terminal.start().map_err(pace_error)?;
        let mut outcome = loop {
            let resp = self.transmit_plain(&cmd).await?;
            match terminal.process_response(&resp).map_err(pace_error)? {
                Step::Send(next) => cmd = next,
                Step::Done(outcome) => break outcome,
            }
        };
        let s = &outcome.summary;
        let report = AccessReport {
            protocol: AccessProtocol::Pace,
            mapping: Some(mapping.into()),
            parameter_id: s.parameter_id,
            domain_parameters: Some(s.group_name.clone()),
            cipher_suite: s.cipher.into(),
            protocol_oid: Some(s.protocol.clone()),
            password: self.key.kind(),
            note: None,
            chip_authentication_mapping: None,
        };
        let cam = outcome.cam.is_some();
        self.pace_chat = chat.and_then(|c| c.inspection_rights());
        self.pace_chip_key = Some(compress(s.key_agreement, &s.chip_ephemeral_public_key));
        let pace_terminal_key = compress(s.key_agreement, &s.terminal_ephemeral_public_key);
        let sm = std::mem::replace(
            &mut outcome.sm,
            SecureMessaging::new_3des([0; 16], [0; 16], [0; 8]),
        );
        self.install_secure_messaging(sm, report);
        if cam {
            let verdict = self.verify_pace_cam(&mut outcome).await;
            if verdict.is_ok() {
                // TR-03110-1 §3.5: after PACE-CAM, C is Comp of the terminal's PACE key.
                self.ta_ephemeral = Some(pace_terminal_key);
            }
            if let Some(a) = self.access.as_mut() {
                a.chip_authentication_mapping = Some(match verdict {
                    Ok(()) => CheckOutcome::Verified,
                    Err(reason) => CheckOutcome::Failed(reason),
                });
            }
        }
        Ok(())
    }

    /// PACE-CAM: read EF.CardSecurity under the new session and check the chip's proof.
    async fn verify_pace_cam(
        &mut self,
        outcome: &mut emrtd_access::pace::PaceOutcome,
    ) -> Result<(), String> {
        let bytes = self
            .read_file(EfId::CardSecurity)
            .await
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
    pub async fn basic_access_control(&mut self, mrz_information: &str) -> Result<(), ReadError> {
        let mut bac = BacTerminal::new(BacKeys::from_mrz_information(mrz_information));
        let challenge = self.transmit_plain(&bac.get_challenge_command()).await?;
        if matches!(
            challenge.sw,
            StatusWord::INS_NOT_SUPPORTED | StatusWord::FUNCTION_NOT_SUPPORTED
        ) {
            return Err(ReadError::NoAccessControl);
        }
        let ext_auth = bac.external_authenticate_command(&challenge, &mut self.rng.clone())?;
        let resp = self.transmit_plain(&ext_auth).await?;
        let sm = bac.finish(&resp).map_err(|e| match e {
            BacError::AccessDenied => ReadError::AccessDenied,
            other => ReadError::Bac(other),
        })?;
        self.install_secure_messaging(
            sm,
            AccessReport {
                protocol: AccessProtocol::Bac,
                mapping: None,
                parameter_id: None,
                domain_parameters: None,
                cipher_suite: CipherSuite::Tdes,
                protocol_oid: None,
                password: Password::Mrz,
                note: None,
                chip_authentication_mapping: None,
            },
        );
        Ok(())
    }

    /// Use a secure messaging session established by an access protocol.
    fn install_secure_messaging(&mut self, sm: SecureMessaging, access: AccessReport) {
        if !self.block_fixed {
            self.block = access
                .cipher_suite
                .short_block()
                .min(self.block_limit.unwrap_or(usize::MAX));
        }
        self.sm = Some(sm);
        self.access = Some(access);
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

    /// Never use extended-length APDUs (kept when the chip is opened again).
    pub(crate) fn short_apdus_only(&mut self) {
        self.short_only = true;
        self.extended_max = None;
        if self.block_fixed {
            return;
        }
        let short = self
            .access
            .as_ref()
            .map_or(CipherSuite::Tdes, |a| a.cipher_suite)
            .short_block();
        self.block = short;
        self.block_limit = Some(short);
    }

    /// A READ BINARY timed out (some readers and chips cannot move large frames in the time
    /// allowed), or the chip ended the session after refusing one: use smaller blocks from
    /// now on, also after the session is opened again.
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
        self.short_only = true;
        self.extended_max = None;
        let short = self
            .access
            .as_ref()
            .map_or(223, |a| a.cipher_suite.short_block());
        if self.block_fixed || self.block <= short {
            return false;
        }
        self.block_limit = Some(short);
        self.block = short;
        true
    }

    /// The chip takes blocks of at most `le` bytes: read in blocks no larger for the rest of the
    /// read (a block size given in the options stays as given).
    fn limit_block(&mut self, le: usize) {
        if !self.block_fixed && le > 0 && le < self.block {
            self.block = le;
            self.block_limit = Some(self.block_limit.map_or(le, |l| l.min(le)));
        }
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

    async fn transmit_plain(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, ReadError> {
        self.apdus += 1;
        let bytes = cmd
            .to_bytes()
            .map_err(|e| ReadError::Malformed(e.to_string()))?;
        if self.too_slow.is_none() {
            let sent_at = self.clock.now_millis();
            let resp = self.link.exchange(bytes).await;
            // Long chip work is waited for up to the budget; an answer after it is not taken.
            let elapsed = self.clock.now_millis().saturating_sub(sent_at).max(0) as u64;
            let budget =
                u64::try_from(self.config.options.command_budget().as_millis()).unwrap_or(u64::MAX);
            if elapsed <= budget {
                return parse_response(resp?);
            }
            self.sm = None;
            self.too_slow = Some((command_name(cmd), elapsed, budget));
        }
        let (command, elapsed_ms, budget_ms) = self.too_slow.clone().unwrap_or_default();
        Err(ReadError::ChipTooSlow {
            command,
            elapsed_ms,
            budget_ms,
        })
    }

    /// Send a command, protected by secure messaging once a session is established.
    pub async fn transmit(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, ReadError> {
        match self.transmit_protected(cmd).await? {
            Ok(r) => Ok(r),
            // A plain error status without secure messaging objects: not authenticated, but
            // meaningful (file not found, access denied); no data is taken from it.
            Err(emrtd_sm::SmError::UnprotectedStatus(sw)) => {
                let extended_refused = cmd.is_extended()
                    && matches!(sw, StatusWord::WRONG_LENGTH | StatusWord::INS_NOT_SUPPORTED);
                if SESSION_ENDED.contains(&sw) || extended_refused {
                    // The chip ended the session, or never processed an extended command it
                    // cannot parse (its send sequence counter did not move, ours did): no
                    // further command goes out in this session; the step is resumed after
                    // access control runs again (with short APDUs after an extended refusal).
                    self.sm = None;
                    self.session_lost = Some(sw);
                    self.extended_refused |= extended_refused;
                }
                Ok(ResponseApdu::status(sw))
            }
            Err(e) => Err(ReadError::SecureMessaging(e)),
        }
    }

    /// Like [`Channel::transmit`], but a response that fails secure messaging is returned as
    /// the [`emrtd_sm::SmError`] (the session is dropped unless the chip merely answered a
    /// plain status word).
    async fn transmit_protected(
        &mut self,
        cmd: &CommandApdu,
    ) -> Result<Result<ResponseApdu, emrtd_sm::SmError>, ReadError> {
        if let Some(sw) = self.session_lost {
            // Never fall back to plain commands in a session the chip has ended.
            return Err(ReadError::Status {
                command: "a command after the chip ended secure messaging".into(),
                sw,
            });
        }
        let Some(sm) = self.sm.as_mut() else {
            return self.transmit_plain(cmd).await.map(Ok);
        };
        let protected = sm.protect(cmd)?;
        let raw = self.transmit_plain(&protected).await?;
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
    pub async fn read_file(&mut self, ef: EfId) -> Result<Vec<u8>, ReadError> {
        let mut content = Vec::new();
        self.continue_file(ef, &mut content, false).await?;
        Ok(content)
    }

    /// Read the rest of a file into `content` (which may hold the beginning from an earlier,
    /// interrupted read), reporting progress when `report` is set.
    pub async fn continue_file(
        &mut self,
        ef: EfId,
        content: &mut Vec<u8>,
        report: bool,
    ) -> Result<(), ReadError> {
        if ef == EfId::Cvca {
            // EF.CVCA is not one TLV object: its CARs (`42 len CAR`, one or two) are padded
            // with 00 to 36 bytes. Read by a TLV header, only the first CAR would be read.
            return self
                .continue_fixed_size(ef, content, emrtd_lds::cvca::CVCA_FILE_SIZE, report)
                .await;
        }
        let name = ef.name();
        let mut ended = false;
        // First block: as large as the chip takes; it holds the TLV header and usually more.
        let header = loop {
            match emrtd_tlv::parse_header(content) {
                Ok(h) => break h,
                Err(emrtd_tlv::TlvError::Truncated { .. }) if !ended => {
                    let want = if content.is_empty() {
                        self.config
                            .options
                            .header_read
                            .map_or(self.block, |n| n.clamp(1, self.block))
                    } else {
                        HEADER_PROBE
                            .saturating_sub(content.len())
                            .clamp(1, self.block)
                    };
                    let (more, sw, asked) = self.read_block(ef, content.len(), want).await?;
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
        // "End of file" (6282) or a short answer before the length the header declares is not
        // believed yet: chips answer 6282 to an Le they do not take (Spanish ID cards, to
        // Le = 00). The reader asks on at the offset reached, within the declared length only;
        // a file that really ends early gets no more data there and is reported truncated.
        while content.len() < total {
            if report {
                self.progress(Progress::Reading {
                    file: ef,
                    done: content.len(),
                    total,
                });
            }
            let offset = content.len();
            let want = (total - offset).min(self.block);
            let (data, _, asked) = self.read_block(ef, offset, want).await?;
            if data.is_empty() {
                return Err(file_truncated(&name, offset, total));
            }
            let take = data.len().min(total - offset);
            content.extend_from_slice(&data[..take]);
            if data.len() < asked && content.len() < total {
                // Fewer bytes than asked within the file: the chip's largest answer. Kept for
                // the rest of the read.
                self.limit_block(data.len());
            }
        }
        if report {
            self.progress(Progress::FileDone {
                file: ef,
                size: total,
            });
        }
        Ok(())
    }

    /// Read the rest of a file without a TLV header, up to `size` bytes; it ends early where the
    /// chip says the file ends (end of file, fewer bytes than asked, nothing more).
    async fn continue_fixed_size(
        &mut self,
        ef: EfId,
        content: &mut Vec<u8>,
        size: usize,
        report: bool,
    ) -> Result<(), ReadError> {
        while content.len() < size {
            let offset = content.len();
            let want = (size - offset).min(self.block);
            let (data, sw, asked) = self.read_block(ef, offset, want).await?;
            let take = data.len().min(size - offset);
            content.extend_from_slice(&data[..take]);
            if data.is_empty() || sw == StatusWord::END_OF_FILE || data.len() < asked {
                break;
            }
        }
        if report {
            self.progress(Progress::FileDone {
                file: ef,
                size: content.len(),
            });
        }
        Ok(())
    }

    /// One READ BINARY, stepping the block size down when the chip refuses the length.
    /// Returns the data, the status word and the length finally asked for.
    async fn read_block(
        &mut self,
        ef: EfId,
        offset: usize,
        mut le: usize,
    ) -> Result<(Vec<u8>, StatusWord, usize), ReadError> {
        loop {
            let sfi = self.sfi_of(ef);
            if self.current_ef != Some(ef)
                && (offset > 0xFF
                    || self.sfi_refused
                    || sfi.is_none()
                    || self.config.options.select_by_file_id)
            {
                self.select_ef(ef).await?;
            }
            let by_sfi = self.current_ef != Some(ef);
            let cmd = if let (true, Some(sfi)) = (by_sfi, sfi) {
                CommandApdu::read_binary_sfi(sfi, offset as u8, le)
            } else if offset <= 0x7FFF {
                CommandApdu::read_binary(offset as u16, le)
            } else {
                // Beyond 32767: odd INS with the offset in DO'54' and the data in DO'53'.
                CommandApdu::read_binary_odd(
                    offset as u32,
                    (le + 4).min(emrtd_apdu::EXTENDED_LE_MAX),
                )
            };
            self.reading = true;
            let resp = self.transmit(&cmd).await?;
            self.reading = false;
            let data = if cmd.ins == ins::READ_BINARY_ODD && !resp.data.is_empty() {
                emrtd_tlv::expect_tag(&resp.data, 0x53)
                    .map(|(t, _)| t.value.to_vec())
                    .map_err(|e| ReadError::Malformed(format!("READ BINARY (B1): {e}")))?
            } else {
                resp.data
            };
            match resp.sw {
                // Reading by short EF identifier refused (not supported, or no SFI for this
                // file on this chip): SELECT by file identifier and read by offset, now and
                // for the rest of the read. A file is absent only when SELECT says 6A82 too.
                // (6B00 to a first block larger than the header is first taken as a file
                // shorter than the block, below; 6B00 to the header probe too means SFI.)
                // (Not for EF.CVCA where DG14 names its short file identifier: the file must be
                // there, TR-03105-5.1 ISO7816_E_23.)
                sw if by_sfi
                    && SFI_REFUSALS.contains(&sw)
                    && !(sw == StatusWord::WRONG_P1P2 && offset == 0 && le > HEADER_PROBE)
                    && !(ef == EfId::Cvca && self.cvca_location.is_some()) =>
                {
                    self.select_ef(ef).await?;
                    self.sfi_refused = true;
                }
                // 6282 without data within the declared length: the chip refuses the Le this
                // way; a smaller block. A file that really ends there gives no data down to one
                // byte and is then truncated. (To the first block, 6282 without data is taken
                // as it says: nothing there, as TR-03105-5.1 ISO7816_B_06 requires of an answer
                // whose cryptogram is missing.)
                StatusWord::END_OF_FILE if data.is_empty() && offset > 0 && le > 1 => {
                    le = step_down(le);
                    self.limit_block(le);
                }
                StatusWord::OK | StatusWord::END_OF_FILE => {
                    self.current_ef = Some(ef);
                    if resp.sw == StatusWord::END_OF_FILE
                        && self.config.options.length_refusal == LengthRefusal::DmrtdLadder
                    {
                        // dmrtd takes the data and asks for less from then on.
                        self.block = self.block.min(dmrtd_step_down(le));
                    }
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
                // Within the file (the reader asks only for bytes the TLV header announced),
                // 6B00 refuses the length (Russian passports): a smaller block.
                StatusWord::WRONG_P1P2 if offset > 0 && le > 1 => {
                    le = step_down(le);
                    self.block = self.block.min(le);
                }
                // Offset at or beyond the end of the file (ISO 7816-4: wrong P1-P2).
                StatusWord::WRONG_P1P2 if offset > 0 => {
                    self.current_ef = Some(ef);
                    return Ok((Vec::new(), StatusWord::END_OF_FILE, le));
                }
                StatusWord::WRONG_LENGTH if le > 1 => {
                    le = match self.config.options.length_refusal {
                        LengthRefusal::DmrtdLadder => dmrtd_step_down(le),
                        LengthRefusal::StepDown => step_down(le),
                    };
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
                    if self.config.options.length_refusal == LengthRefusal::DmrtdLadder {
                        self.block = self.block.min(le);
                    }
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
    pub async fn reopen(&mut self) -> Result<(), ReadError> {
        // What the chip proved before: kept until the chip proves it again, so that another
        // loss of the card in the middle of this cannot skip it.
        let cam_before = self
            .access
            .as_ref()
            .and_then(|a| a.chip_authentication_mapping.clone());
        let card_security_before = self.card_security.clone();
        self.open().await?;
        if cam_before.as_ref().is_some_and(CheckOutcome::is_verified) {
            let cam_now = self
                .access
                .as_ref()
                .and_then(|a| a.chip_authentication_mapping.clone());
            match cam_now {
                Some(CheckOutcome::Verified) => {}
                other => {
                    return Err(ReadError::ChipChanged(format!(
                        "PACE-CAM: {}",
                        other.map_or_else(|| "not run".to_string(), |c| c.to_string())
                    )))
                }
            }
            // The key proved must be the one proved before.
            if self.card_security != card_security_before {
                return Err(ReadError::ChipChanged(
                    "PACE-CAM passed with another EF.CardSecurity key".into(),
                ));
            }
        }
        if let Some(dg14) = self.chip_authenticated.clone() {
            match self.chip_authentication(&dg14).await {
                Ok((Some(check), _)) if check.is_verified() => {}
                Ok((check, _)) => {
                    return Err(ReadError::ChipChanged(
                        check
                            .map(|c| c.reason().to_string())
                            .unwrap_or_else(|| "DG14 has no Chip Authentication key".into()),
                    ))
                }
                Err(e) => return Err(e),
            }
        }
        // Terminal Authentication's rights belong to the session: run it again.
        if let Some(cvca) = self.ta_cvca.clone() {
            let report = self.terminal_authentication(&cvca).await?;
            self.ta_report = Some(report);
        }
        // Version 2: TA v2 and Chip Authentication v2, which must pass again.
        if let Some((cvca, dg14)) = self.ta_v2.clone() {
            let (report, check, _) = self.terminal_authentication_v2(&cvca, &dg14).await?;
            if !check.is_verified() {
                return Err(ReadError::ChipChanged(check.reason().to_string()));
            }
            self.ta_report = Some(report);
        }
        Ok(())
    }

    /// Terminal Authentication v1 (TR-03110-1 §3.5, after Chip Authentication or PACE-CAM):
    /// choose the configured chain that starts at a CVCA listed in `cvca` (EF.CVCA), send it,
    /// sign the chip's challenge. Every outcome is a report; only a lost card is an error.
    pub async fn terminal_authentication(
        &mut self,
        cvca: &[u8],
    ) -> Result<crate::report::TerminalAuthReport, ReadError> {
        use crate::report::TerminalAuthReport;
        use emrtd_eac::ta::{IdPicc, TaStep, TaVersion, TerminalAuthentication};
        let Some(config) = self.config.options.terminal_authentication.clone() else {
            return Ok(TerminalAuthReport {
                configured: false,
                ..TerminalAuthReport::not_performed(
                    "no Terminal Authentication configured (give the chain and key: --ta-chain, --ta-key)",
                )
            });
        };
        self.ta_cvca = Some(cvca.to_vec());
        let failed = |why: String| TerminalAuthReport {
            outcome: CheckOutcome::Failed(why),
            ..TerminalAuthReport::not_performed("")
        };
        let chain = match configured_chain(&config, cvca) {
            Ok(c) => c,
            Err(why) => return Ok(failed(why)),
        };
        let cvca_ref = chain.first().map(|c| c.car().clone());
        let terminal = chain.last().map(|c| c.chr().clone());
        let Some(c) = self.ta_ephemeral.clone() else {
            return Ok(TerminalAuthReport {
                cvca: cvca_ref,
                ..TerminalAuthReport::not_performed(
                    "Chip Authentication did not pass in this session (Terminal Authentication v1 authenticates its key)",
                )
            });
        };
        let protocol = self.access.as_ref().map(|a| a.protocol);
        let dynamic = protocol == Some(AccessProtocol::Pace) && !self.ta_static_binding;
        self.ta_dynamic_rejected = false;
        let id_picc = match (protocol, &self.pace_chip_key, &self.key) {
            // TR-03110-1 §3.5: after PACE, Comp of the chip's ephemeral PACE key (dynamic
            // binding); the static binding (document number, CAN) only for older documents.
            (Some(AccessProtocol::Pace), Some(k), _) if dynamic => IdPicc::PaceEphemeral(k.clone()),
            (Some(AccessProtocol::Pace), _, AccessKey::Can(can)) => {
                IdPicc::Can(can.as_bytes().to_vec())
            }
            (Some(AccessProtocol::Bac | AccessProtocol::Pace), _, AccessKey::Mrz(info)) => {
                match document_number_with_check(info) {
                    Some(n) => IdPicc::DocumentNumber(n),
                    None => return Ok(failed("the MRZ information has no document number".into())),
                }
            }
            _ => {
                return Ok(TerminalAuthReport::not_performed(
                    "no ID_PICC: the chip was opened without BAC or PACE",
                ))
            }
        };
        let rights = chain_rights(&chain);
        let signer = config.signer.clone();
        let mut ta = match TerminalAuthentication::new(
            chain.to_vec(),
            &*signer,
            TaVersion::V1,
            id_picc,
            c,
            None,
        ) {
            Ok(t) => t,
            Err(e) => return Ok(failed(e.to_string())),
        };
        let report = |outcome: CheckOutcome, rights| TerminalAuthReport {
            outcome,
            configured: true,
            version: Some(TaVersion::V1),
            terminal: terminal.clone(),
            cvca: cvca_ref.clone(),
            rights,
            requested: None,
            chip_key_source: None,
        };
        let none = emrtd_eac::IsRights::default();
        let mut cmd = ta.start();
        self.current_ef = None;
        loop {
            let resp = match self.send_chained(&cmd).await {
                Ok(r) => r,
                Err(e) if e.is_card_lost() => return Err(e),
                Err(e) => return Ok(report(CheckOutcome::Failed(e.to_string()), none)),
            };
            match ta.on_response(&resp) {
                Ok(TaStep::Send(next)) => cmd = next,
                Ok(TaStep::Authenticated) => return Ok(report(CheckOutcome::Verified, rights)),
                Err(e) => {
                    self.ta_dynamic_rejected =
                        dynamic && matches!(e, emrtd_eac::ta::TaError::SignatureRejected(_));
                    let why = if self.ta_static_binding {
                        format!(
                            "{e}; tried with the dynamic binding (ID_PICC from the chip's PACE key) and the static binding (the document number or CAN) of older documents"
                        )
                    } else {
                        e.to_string()
                    };
                    return Ok(report(CheckOutcome::Failed(why), none));
                }
            }
        }
    }

    /// After PACE the chip rejected the signature over ID_PICC = Comp(chip's PACE key): it may
    /// be an older document with the static binding (TR-03110-1 §3.5: inspection systems
    /// SHOULD then try it). Terminal Authentication runs once per session, so the chip is
    /// opened again (PACE, Chip Authentication) and Terminal Authentication reruns with the
    /// document number (MRZ) or the CAN as ID_PICC. `None` when there is nothing to retry.
    pub(crate) async fn retry_with_static_binding(
        &mut self,
    ) -> Result<Option<crate::report::TerminalAuthReport>, ReadError> {
        if !self.ta_dynamic_rejected && !self.ta_static_binding {
            return Ok(None);
        }
        self.ta_static_binding = true;
        self.ta_dynamic_rejected = false;
        // End the chip's session first: an unprotected command ends it (ICAO 9303-11 §9.8.6),
        // whatever the chip answers; the opening then starts from the master file.
        let select_mf = CommandApdu::select_mf();
        self.transmit_plain(&select_mf).await?;
        self.sm = None;
        self.reopen().await?;
        Ok(self.ta_report.take())
    }

    /// The CHAT PACE carries when Terminal Authentication version 2 is to follow (TR-03110-3
    /// §B.14.1, §2.7.1): Terminal Authentication is configured, DG3 or DG4 may be read, and
    /// version 2 is chosen (`V2`), or (`Auto`) EF.CardAccess lists a TerminalAuthenticationInfo
    /// of version 2 (§A.1.2.1: it MUST when the chip supports it). It names an inspection
    /// system (role terminal) and the rights asked for: those of the configured terminal
    /// certificates (any chain's: the chain is chosen after PACE), ANDed with
    /// [`TerminalAuthConfig::requested_rights`](crate::TerminalAuthConfig::requested_rights).
    fn pace_chat_for_ta_v2(&self) -> Option<emrtd_eac::Chat> {
        use crate::report::TaVersionChoice;
        let config = self.config.options.terminal_authentication.as_ref()?;
        if let Some(files) = &self.config.options.files {
            if !files.contains(&EfId::Dg(3)) && !files.contains(&EfId::Dg(4)) {
                return None;
            }
        }
        let v2 = match config.version {
            TaVersionChoice::V1 => false,
            TaVersionChoice::V2 => true,
            _ => self
                .card_access
                .as_deref()
                .and_then(|b| SecurityInfos::parse(b).ok())
                .is_some_and(|i| announces_ta_v2(&i)),
        };
        if !v2 {
            return None;
        }
        let certified = config
            .chains
            .iter()
            .filter_map(|c| c.last())
            .filter_map(|is| is.body.chat.inspection_rights())
            .fold(0u8, |acc, r| acc | r.bits());
        let asked = config.requested_rights.map_or(0xFF, |r| r.bits());
        Some(emrtd_eac::Chat::inspection_system(
            emrtd_eac::Role::Terminal,
            emrtd_eac::IsRights::from_byte(certified & asked),
        ))
    }

    /// Does this read run Terminal Authentication version 2 (then Chip Authentication v2
    /// follows it, and Chip Authentication v1 does not run before it)? As
    /// [`TaVersionChoice`](crate::TaVersionChoice) says: `Auto` takes version 2 when the chip
    /// was opened with PACE, EF.CardAccess lists a TerminalAuthenticationInfo of version 2 (so
    /// PACE carried the CHAT), and DG14 has a Chip Authentication version 2 key.
    pub fn runs_ta_v2(&self, dg14: &[u8]) -> bool {
        use crate::report::TaVersionChoice;
        use emrtd_access::ca::{select_version, CaVersion};
        let Some(config) = &self.config.options.terminal_authentication else {
            return false;
        };
        match config.version {
            TaVersionChoice::V1 => false,
            TaVersionChoice::V2 => true,
            _ => {
                // PACE carried the CHAT: EF.CardAccess announced version 2 (above).
                let pace = self.access.as_ref().map(|a| a.protocol) == Some(AccessProtocol::Pace);
                let key = SecurityInfos::parse_dg14(dg14)
                    .ok()
                    .is_some_and(|i| select_version(&i, CaVersion::V2).is_ok());
                pace && self.pace_chat.is_some() && key
            }
        }
    }

    /// Terminal Authentication version 2 then Chip Authentication version 2 (TR-03110-2,
    /// TR-03110-3 §B.2, §B.3), after PACE: a fresh ephemeral key pair on the domain parameters
    /// of DG14's Chip Authentication v2 key; MSE:Set AT of TA names Comp of its public key
    /// (`91`); the terminal signs ID_PICC (Comp of the chip's PACE key) ‖ r_PICC ‖ Comp(PK_PCD);
    /// then MSE:Set AT + GENERAL AUTHENTICATE of CA v2 with that very key, the chip's nonce and
    /// token checked, and secure messaging restarted with the new keys. Returns the TA report,
    /// the Chip Authentication check, and whether the chip's session ended (a failed token:
    /// the chip already uses keys this reader does not have). Only a lost card is an error.
    pub async fn terminal_authentication_v2(
        &mut self,
        cvca: &[u8],
        dg14: &[u8],
    ) -> Result<(crate::report::TerminalAuthReport, emrtd_auth::Check, bool), ReadError> {
        use crate::report::TerminalAuthReport;
        use emrtd_access::ca::{self, CaTerminal, CaVersion};
        use emrtd_auth::{Check, CheckId};
        use emrtd_eac::ta::{IdPicc, TaStep, TaVersion, TerminalAuthentication};
        fn failed(why: impl Into<String>) -> Check {
            Check::failed(CheckId::ChipAuthentication, why)
        }
        let ca_not_run = |why: &str| {
            Check::missing_input(
                CheckId::ChipAuthentication,
                format!("Chip Authentication version 2 did not run: {why} (the chip accepts it only after Terminal Authentication version 2)"),
            )
        };
        let Some(config) = self.config.options.terminal_authentication.clone() else {
            return Ok((
                TerminalAuthReport {
                    configured: false,
                    ..TerminalAuthReport::not_performed("no Terminal Authentication configured")
                },
                ca_not_run("no Terminal Authentication configured"),
                false,
            ));
        };
        let failed_ta = |why: String| TerminalAuthReport {
            outcome: CheckOutcome::Failed(why),
            version: Some(TaVersion::V2),
            ..TerminalAuthReport::not_performed("")
        };
        let chain = match configured_chain(&config, cvca) {
            Ok(c) => c,
            Err(why) => {
                return Ok((failed_ta(why), ca_not_run("no chain for this chip"), false));
            }
        };
        let cvca_ref = chain.first().map(|c| c.car().clone());
        let terminal_chr = chain.last().map(|c| c.chr().clone());
        let requested = self.pace_chat;
        let report = |outcome: CheckOutcome, rights| TerminalAuthReport {
            outcome,
            configured: true,
            version: Some(TaVersion::V2),
            terminal: terminal_chr.clone(),
            cvca: cvca_ref.clone(),
            rights,
            requested,
            chip_key_source: None,
        };
        let none = emrtd_eac::IsRights::default();
        let pace_key = match (
            self.access.as_ref().map(|a| a.protocol),
            &self.pace_chip_key,
        ) {
            (Some(AccessProtocol::Pace), Some(k)) => k.clone(),
            _ => {
                let why = "Terminal Authentication version 2 runs after PACE only; this chip was opened with BAC";
                return Ok((
                    report(CheckOutcome::Failed(why.into()), none),
                    ca_not_run(why),
                    false,
                ));
            }
        };
        // The Chip Authentication v2 key and a fresh ephemeral key pair on its parameters.
        let infos = match SecurityInfos::parse_dg14(dg14) {
            Ok(i) => i,
            Err(e) => {
                let why = format!("DG14 cannot be decoded: {e}");
                return Ok((
                    report(CheckOutcome::Failed(why.clone()), none),
                    failed(why),
                    false,
                ));
            }
        };
        let terminal = match ca::select_version(&infos, CaVersion::V2)
            .and_then(|(info, key)| CaTerminal::new(info, key, &mut self.rng.clone()))
        {
            Ok(t) => t,
            Err(e) => {
                let why = format!("no usable Chip Authentication version 2 key in DG14: {e}");
                return Ok((
                    report(CheckOutcome::Failed(why.clone()), none),
                    failed(why),
                    false,
                ));
            }
        };
        drop(infos);
        // The chip ANDs the chain's rights with those PACE's CHAT asked for (§2.7.1).
        let rights = emrtd_eac::IsRights::from_byte(
            chain_rights(&chain).bits() & requested.map_or(0xFF, |r| r.bits()),
        );
        let signer = config.signer.clone();
        let mut ta = match TerminalAuthentication::new(
            chain,
            &*signer,
            TaVersion::V2,
            IdPicc::PaceEphemeral(pace_key),
            terminal.compressed_ephemeral_public_key().to_vec(),
            None,
        ) {
            Ok(t) => t,
            Err(e) => {
                return Ok((
                    report(CheckOutcome::Failed(e.to_string()), none),
                    ca_not_run("Terminal Authentication could not start"),
                    false,
                ))
            }
        };
        let mut cmd = ta.start();
        self.current_ef = None;
        loop {
            let resp = match self.send_chained(&cmd).await {
                Ok(r) => r,
                Err(e) if e.is_card_lost() => return Err(e),
                Err(e) => {
                    return Ok((
                        report(CheckOutcome::Failed(e.to_string()), none),
                        ca_not_run("Terminal Authentication failed"),
                        false,
                    ))
                }
            };
            match ta.on_response(&resp) {
                Ok(TaStep::Send(next)) => cmd = next,
                Ok(TaStep::Authenticated) => break,
                Err(e) => {
                    return Ok((
                        report(CheckOutcome::Failed(e.to_string()), none),
                        ca_not_run("Terminal Authentication failed"),
                        false,
                    ))
                }
            }
        }
        drop(ta);
        // Chip Authentication v2 with the key TA named: EF.CardSecurity's when it can be used
        // (TR-03110-3 §A.1.2.2; read access after PACE, and maybe only after TA), else DG14's.
        let (terminal, source) = match self.ca_v2_key_from_card_security(&terminal).await? {
            Ok(t) => (t, ChipKeySource::CardSecurity),
            Err(why) => (terminal, ChipKeySource::Dg14(why)),
        };
        let (check, ended) = self.chip_authentication_v2(terminal).await?;
        if check.is_verified() {
            self.ta_v2 = Some((cvca.to_vec(), dg14.to_vec()));
        }
        if !ended {
            self.back_to_lds1().await?;
        }
        Ok((
            TerminalAuthReport {
                chip_key_source: Some(source),
                ..report(CheckOutcome::Verified, rights)
            },
            check,
            ended,
        ))
    }

    /// After Terminal Authentication v2: read EF.CardSecurity in the master file, check that
    /// its signature verifies with the Document Signer certificate it holds (its chain to a
    /// CSCA is the verdict's, as for EF.SOD: EF.CardSecurity is kept with the files), and
    /// rebind `terminal`'s ephemeral key to its Chip Authentication version 2 key.
    /// `Ok(Err(why))` when it cannot be used (the DG14 key is then taken); only a lost card is
    /// an error.
    async fn ca_v2_key_from_card_security(
        &mut self,
        terminal: &emrtd_access::ca::CaTerminal,
    ) -> Result<Result<emrtd_access::ca::CaTerminal, String>, ReadError> {
        use emrtd_access::ca::{self, CaVersion};
        let select_mf = CommandApdu::select_mf();
        let resp = match self.transmit(&select_mf).await {
            Ok(r) => r,
            Err(e) if e.is_card_lost() => return Err(e),
            Err(e) => return Ok(Err(format!("the master file could not be selected: {e}"))),
        };
        if !resp.sw.is_ok() {
            return Ok(Err(format!(
                "the chip refused to select the master file ({})",
                resp.sw
            )));
        }
        self.in_application = false;
        self.current_ef = None;
        let bytes = match self.read_file(EfId::CardSecurity).await {
            Ok(b) => b,
            Err(e) if e.is_card_lost() => return Err(e),
            Err(ReadError::FileNotFound { .. }) => {
                return Ok(Err("the chip has no EF.CardSecurity".into()))
            }
            Err(e) => return Ok(Err(format!("EF.CardSecurity could not be read: {e}"))),
        };
        let signed = emrtd_auth::pa::verify_card_security(
            &bytes,
            &emrtd_auth::TrustStore::new(),
            &emrtd_auth::VerifyOptions::at(self.now()),
        );
        if signed.signature_valid != Some(true) {
            let why = signed
                .errors
                .first()
                .cloned()
                .unwrap_or_else(|| "its signature could not be checked".into());
            // Kept: the verdict reports the failed signature.
            self.card_security = Some(bytes);
            return Ok(Err(format!(
                "EF.CardSecurity's signature does not verify ({why})"
            )));
        }
        let infos = match SecurityInfos::parse_card_security(&bytes) {
            Ok((_, infos)) => infos,
            Err(e) => return Ok(Err(format!("EF.CardSecurity cannot be decoded: {e}"))),
        };
        self.card_security = Some(bytes);
        let rebound = ca::select_version(&infos, CaVersion::V2).and_then(|(info, key)| {
            if key.key_id != terminal.key_id() && terminal.key_id().is_some() {
                return Err(ca::CaError::DomainParameters(format!(
                    "its key id {:?} is not DG14's {:?}",
                    key.key_id,
                    terminal.key_id()
                )));
            }
            terminal.with_chip_key(info, key)
        });
        Ok(rebound.map_err(|e| {
            format!("EF.CardSecurity has no usable Chip Authentication version 2 key: {e}")
        }))
    }

    /// Back in the eMRTD application after the master file was selected (EF.CardSecurity),
    /// while the session holds; a refusal is left to the reads that follow.
    async fn back_to_lds1(&mut self) -> Result<(), ReadError> {
        if self.in_application || self.sm.is_none() {
            return Ok(());
        }
        match self.select_lds1().await {
            Err(e) if e.is_card_lost() => Err(e),
            _ => Ok(()),
        }
    }

    /// Chip Authentication version 2 (TR-03110-3 §B.2) with the ephemeral key Terminal
    /// Authentication v2 named: MSE:Set AT, GENERAL AUTHENTICATE, the chip's nonce and token
    /// checked, secure messaging restarted with the new keys. Returns the check and whether
    /// the chip's session ended (a failed token: it already uses keys this reader does not
    /// have). Only a lost card is an error.
    async fn chip_authentication_v2(
        &mut self,
        mut terminal: emrtd_access::ca::CaTerminal,
    ) -> Result<(emrtd_auth::Check, bool), ReadError> {
        use emrtd_auth::{Check, CheckId};
        let failed = |why: String| Check::failed(CheckId::ChipAuthentication, why);
        let describe = |r: &emrtd_access::ca::CaReport| {
            format!(
                "{}{}: {}",
                r.algorithm.clone().unwrap_or_default(),
                r.domain_parameters
                    .as_ref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default(),
                r.reason
            )
        };
        let commands = terminal.commands();
        let mut last = None;
        for (i, cmd) in commands.iter().enumerate() {
            let resp = match self.transmit(cmd).await {
                Ok(r) => r,
                Err(e) if e.is_card_lost() => return Err(e),
                Err(e) => {
                    return Ok((
                        failed(format!("Chip Authentication version 2: {e}")),
                        self.sm.is_none(),
                    ))
                }
            };
            if i + 1 < commands.len() {
                if let Err(e) = terminal.check_intermediate(&resp) {
                    return Ok((failed(describe(&terminal.failure_report(&e))), false));
                }
            }
            last = Some(resp);
        }
        let Some(last) = last else {
            return Ok((failed("no Chip Authentication command".into()), false));
        };
        match terminal.finish(&last) {
            Ok((sm, r)) => {
                self.sm = Some(sm);
                self.current_ef = None;
                Ok((
                    Check::verified(CheckId::ChipAuthentication, describe(&r)),
                    false,
                ))
            }
            Err(e) => {
                // A chip that answered with a nonce has switched to keys of its own.
                let ended = last.sw.is_ok();
                if ended {
                    self.sm = None;
                }
                Ok((failed(describe(&terminal.failure_report(&e))), ended))
            }
        }
    }

    /// Send a command, with ISO 7816-4 command chaining when its data does not fit a short
    /// APDU under secure messaging.
    async fn send_chained(&mut self, cmd: &CommandApdu) -> Result<ResponseApdu, ReadError> {
        let parts = emrtd_eac::ta::chain_command(cmd, SHORT_COMMAND_DATA);
        let n = parts.len();
        for (i, part) in parts.into_iter().enumerate() {
            let resp = self.transmit(&part).await?;
            if i + 1 == n || !resp.sw.is_ok() {
                return Ok(resp);
            }
        }
        Err(ReadError::Malformed("empty command".into()))
    }

    /// Chip Authentication v1 with the DG14 key: key agreement, new secure messaging session,
    /// confirmed by one command under the new keys. Returns the check (`None` when DG14 holds
    /// no Chip Authentication key) and whether the chip's session ended (failed confirmation).
    pub async fn chip_authentication(
        &mut self,
        dg14: &[u8],
    ) -> Result<(Option<emrtd_auth::Check>, bool), ReadError> {
        use emrtd_access::ca::{self, CaTerminal};
        use emrtd_auth::{Check, CheckId};
        fn failed(why: impl Into<String>) -> Check {
            Check::failed(CheckId::ChipAuthentication, why)
        }
        fn passed(what: impl Into<String>) -> Check {
            Check::verified(CheckId::ChipAuthentication, what)
        }
        let infos = match SecurityInfos::parse_dg14(dg14) {
            Ok(i) => i,
            Err(e) => return Ok((Some(failed(format!("DG14 cannot be decoded: {e}"))), false)),
        };
        if infos.chip_authentication_public_keys().next().is_none() {
            return Ok((None, false));
        }
        let terminal = match ca::select(&infos) {
            Ok((info, key)) => CaTerminal::new(info, key, &mut self.rng.clone()),
            // Version 2 keys only: Chip Authentication v2 runs after Terminal Authentication
            // v2 (read.rs), never on its own.
            Err(_) if ca::select_version(&infos, ca::CaVersion::V2).is_ok() => {
                return Ok((
                    Some(Check::missing_input(
                        CheckId::ChipAuthentication,
                        "DG14 offers Chip Authentication version 2 only, which the chip runs after Terminal Authentication version 2: configure Terminal Authentication (--ta-chain, --ta-key) and read DG3/DG4 to run both",
                    )),
                    false,
                ))
            }
            Err(e) => return Ok((Some(failed(e.to_string())), false)),
        };
        drop(infos);
        let mut terminal = match terminal {
            Ok(t) => t,
            Err(e) => return Ok((Some(failed(e.to_string())), false)),
        };
        let commands = terminal.commands();
        let mut last = None;
        for (i, cmd) in commands.iter().enumerate() {
            let resp = match self.transmit(cmd).await {
                Ok(r) => r,
                Err(e) if e.is_card_lost() => return Err(e),
                Err(e) => return Ok((Some(failed(e.to_string())), self.sm.is_none())),
            };
            if self.session_lost.is_some() {
                // The chip lost the session before Chip Authentication (a reset): resumed.
                return Err(ReadError::Status {
                    command: "Chip Authentication".into(),
                    sw: resp.sw,
                });
            }
            if i + 1 < commands.len() {
                if let Err(e) = terminal.check_intermediate(&resp) {
                    let report = terminal.failure_report(&e);
                    return Ok((Some(failed(report.reason)), false));
                }
            }
            last = Some(resp);
        }
        let Some(last) = last else {
            return Ok((Some(failed("no Chip Authentication command")), false));
        };
        let (sm, mut report) = match terminal.finish(&last) {
            Ok(r) => r,
            Err(e) => return Ok((Some(failed(terminal.failure_report(&e).reason)), false)),
        };
        self.sm = Some(sm);
        self.current_ef = None;
        let confirmation = self.transmit_protected(&ca::confirmation_command()).await?;
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
            self.ta_ephemeral = Some(terminal.compressed_ephemeral_public_key().to_vec());
            (Some(passed(what)), false)
        } else {
            (Some(failed(what)), true)
        })
    }

    /// Active Authentication with the DG15 key (and DG14's ActiveAuthenticationInfo for
    /// ECDSA): a fresh challenge, INTERNAL AUTHENTICATE, signature check. The result says
    /// passed or failed and why; only a lost card is an error.
    pub async fn active_authentication(
        &mut self,
        dg15: &[u8],
        dg14: Option<&[u8]>,
    ) -> Result<emrtd_auth::Check, ReadError> {
        use emrtd_auth::{Check, CheckId};
        fn failed(why: impl Into<String>) -> Check {
            Check::failed(CheckId::ActiveAuthentication, why)
        }
        fn passed(what: impl Into<String>) -> Check {
            Check::verified(CheckId::ActiveAuthentication, what)
        }
        let key = match emrtd_lds::dg15::Dg15::decode(dg15) {
            Ok(d) => d.public_key,
            Err(e) => return Ok(failed(format!("DG15 cannot be decoded: {e}"))),
        };
        let infos = dg14.and_then(|b| SecurityInfos::parse_dg14(b).ok());
        let aa_info = infos
            .as_ref()
            .and_then(emrtd_access::aa::find_aa_info)
            .cloned();
        drop(infos);
        let challenge = emrtd_access::aa::new_challenge(&mut self.rng.clone());
        let cmd = emrtd_access::aa::internal_authenticate_command(challenge);
        let cmd = match (signature_len(&key), self.extended_max) {
            // A signature longer than a short response (RSA above 2048 bits) from a chip that
            // announced extended length, when its largest response holds it with the secure
            // messaging objects: one extended APDU. Otherwise short Le, and the chip sends it in
            // 61xx parts (below).
            (Some(len), Some(max)) if len > emrtd_apdu::SHORT_LE_MAX && len + SM_ROOM <= max => {
                cmd.with_le(len)
            }
            _ => cmd,
        };
        let resp = match self.internal_authenticate(cmd).await {
            Ok(r) => r,
            Err(e) if e.is_card_lost() || matches!(e, ReadError::ChipTooSlow { .. }) => {
                return Err(e)
            }
            Err(e) => return Ok(failed(format!("INTERNAL AUTHENTICATE failed: {e}"))),
        };
        if self.session_lost.is_some() {
            // The chip ended the session: resumed (access control, then AA again).
            return Err(ReadError::Status {
                command: "INTERNAL AUTHENTICATE".into(),
                sw: resp.sw,
            });
        }
        if !resp.sw.is_ok() {
            return Ok(failed(format!(
                "the chip refused INTERNAL AUTHENTICATE ({})",
                resp.sw
            )));
        }
        let result = emrtd_access::aa::verify(&key, &challenge, &resp.data, aa_info.as_ref());
        let reason = format!("{}: {}", result.key, result.reason);
        Ok(if result.passed {
            passed(reason)
        } else {
            failed(reason)
        })
    }

    /// Run a remote verifier's chip proof ([`crate::RemoteProof`]) and keep the chip's
    /// answers for the verifier. Active Authentication: INTERNAL AUTHENTICATE over the
    /// verifier's challenge. Chip Authentication: the plain commands under this session, then
    /// the verifier's wrapped APDUs byte for byte (this session is over: the chip now answers
    /// under keys only the verifier holds). A refused command ends the proof with a
    /// `failure`; only a lost card is an error (the step is then run again from the start
    /// after the chip is opened again, which gives the same keys).
    pub async fn remote_proof(
        &mut self,
        proof: &crate::RemoteProof,
    ) -> Result<crate::RemoteProofTranscript, ReadError> {
        let mut out = crate::RemoteProofTranscript::default();
        match proof {
            crate::RemoteProof::ActiveAuthentication { challenge } => {
                let cmd = emrtd_access::aa::internal_authenticate_command(*challenge);
                let resp = self.internal_authenticate(cmd).await?;
                if self.session_lost.is_some() {
                    return Err(ReadError::Status {
                        command: "INTERNAL AUTHENTICATE".into(),
                        sw: resp.sw,
                    });
                }
                if resp.sw.is_ok() {
                    out.signature = Some(resp.data);
                } else {
                    out.failure = Some(format!(
                        "the chip refused INTERNAL AUTHENTICATE ({})",
                        resp.sw
                    ));
                }
            }
            crate::RemoteProof::ChipAuthentication { commands, relay } => {
                for cmd in commands {
                    let resp = self.transmit(cmd).await?;
                    if self.session_lost.is_some() {
                        return Err(ReadError::Status {
                            command: "Chip Authentication".into(),
                            sw: resp.sw,
                        });
                    }
                    if !resp.sw.is_ok() {
                        out.failure = Some(format!(
                            "the chip refused a Chip Authentication command ({})",
                            resp.sw
                        ));
                        return Ok(out);
                    }
                }
                // The chip has switched to the verifier's keys: this session is over.
                self.sm = None;
                self.current_ef = None;
                for apdu in relay {
                    self.apdus += 1;
                    let resp = self.link.exchange(apdu.clone()).await?;
                    if resp.is_empty() {
                        return Err(ReadError::Transport(TransportError::CardRemoved));
                    }
                    out.exchanges.push((apdu.clone(), resp));
                }
            }
        }
        Ok(out)
    }

    /// INTERNAL AUTHENTICATE as chips answer it in the field: 6Cxx (wrong Le, e.g. when DO'97'
    /// is missing) is sent again once with the length the chip names; 61xx is followed by GET
    /// RESPONSE, each part unwrapped by secure messaging before the parts are joined, at most
    /// [`MAX_RESPONSE_PARTS`] parts and [`MAX_SIGNATURE`] bytes.
    async fn internal_authenticate(&mut self, cmd: CommandApdu) -> Result<ResponseApdu, ReadError> {
        let mut resp = self.transmit(&cmd).await?;
        if resp.sw.sw1() == 0x6C && self.session_lost.is_none() {
            let le = match resp.sw.sw2() {
                0 => 256,
                n => n as usize,
            };
            resp = self.transmit(&cmd.with_le(le)).await?;
        }
        let mut data = std::mem::take(&mut resp.data);
        let mut parts = 1;
        while resp.sw.sw1() == 0x61 && self.session_lost.is_none() {
            if parts >= MAX_RESPONSE_PARTS {
                return Err(ReadError::Malformed(format!(
                    "INTERNAL AUTHENTICATE: more than {MAX_RESPONSE_PARTS} response parts"
                )));
            }
            let le = match resp.sw.sw2() {
                0 => 256,
                n => n as usize,
            };
            let get_response = CommandApdu::get_response(le);
            resp = self.transmit(&get_response).await?;
            parts += 1;
            if data.len() + resp.data.len() > MAX_SIGNATURE {
                return Err(ReadError::Malformed(format!(
                    "INTERNAL AUTHENTICATE: response longer than {MAX_SIGNATURE} bytes"
                )));
            }
            data.append(&mut resp.data);
        }
        resp.data = data;
        Ok(resp)
    }

    /// SELECT an EF by its file identifier (needed to read beyond offset 255 of a file not
    /// yet selected, e.g. when resuming).
    async fn select_ef(&mut self, ef: EfId) -> Result<(), ReadError> {
        let cmd = CommandApdu::select_ef(self.fid_of(ef));
        let resp = self.transmit(&cmd).await?;
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

    /// The file identifier of `ef` on this chip (EF.CVCA where DG14 says).
    fn fid_of(&self, ef: EfId) -> u16 {
        match (ef, self.cvca_location) {
            (EfId::Cvca, Some((fid, _))) => fid,
            _ => ef.fid(),
        }
    }

    /// The short file identifier of `ef` on this chip; `None`: EF.CVCA where DG14 names a file
    /// identifier without one (read after SELECT).
    fn sfi_of(&self, ef: EfId) -> Option<u8> {
        match (ef, self.cvca_location) {
            (EfId::Cvca, Some((_, sfi))) => sfi,
            _ => Some(ef.sfi()),
        }
    }

    /// After a step ended with `result`: `Some(value)` when it succeeded; `None` when the card
    /// was lost (or the link refused extended length while reading) and the chip is back and
    /// open again, so the step must run again (it continues where it stopped); the error
    /// otherwise. `file` is the file the step reads (`None`: the step is the opening itself,
    /// which running again suffices to redo).
    pub async fn recover<T>(
        &mut self,
        result: Result<T, ReadError>,
        file: Option<EfId>,
    ) -> Result<Option<T>, ReadError> {
        let mut lost = match result {
            Ok(v) => return Ok(Some(v)),
            Err(e) if e.is_card_lost() => e,
            // The link failed an extended-length APDU (a reader that cannot carry them): the
            // secure messaging counters are out of step, so open the chip again and go on with
            // short APDUs.
            Err(e @ ReadError::Transport(TransportError::Other(_)))
                if file.is_some() && self.reading && self.fall_back_to_short_apdus() =>
            {
                e
            }
            // The chip ended the session (6987/6988 after a refused READ BINARY, 6986 after a
            // reset): run access control again; a read in progress goes on with smaller blocks,
            // kept for the rest of the read.
            Err(e @ ReadError::Status { .. }) if file.is_some() && self.session_lost.is_some() => {
                self.session_lost = None;
                if std::mem::take(&mut self.extended_refused) {
                    // Short APDUs from now on (also for INTERNAL AUTHENTICATE).
                    self.fall_back_to_short_apdus();
                } else {
                    self.shrink_block_after_timeout();
                }
                e
            }
            Err(e) => return Err(e),
        };
        // Wait for the card, open it again (also when it leaves again meanwhile), go on.
        loop {
            if self.resumes >= MAX_RESUMES {
                return Err(lost);
            }
            if self.reading && matches!(lost, ReadError::Transport(TransportError::Timeout)) {
                self.shrink_block_after_timeout();
            }
            self.reading = false;
            self.resumes += 1;
            self.link.reconnect(self.resumes, MAX_RESUMES).await?;
            if file.is_some() {
                // Reading a file: open the chip again (with Chip Authentication when it had
                // passed), then the step goes on.
                match self.reopen().await {
                    Err(e) if e.is_card_lost() => {
                        lost = e;
                        continue;
                    }
                    other => other?,
                }
            }
            let offset = self.offset_hint;
            self.progress(Progress::Resumed { file, offset });
            return Ok(None);
        }
    }
}

/// A raw response: its status word and data (an empty answer is a lost card).
fn parse_response(resp: Vec<u8>) -> Result<ResponseApdu, ReadError> {
    if resp.is_empty() {
        // No status word at all: the card went away under the reader (phone NFC stacks report
        // a lost tag this way); resumed like any other loss.
        return Err(ReadError::Transport(TransportError::CardRemoved));
    }
    ResponseApdu::parse(&resp).map_err(|e| ReadError::Malformed(e.to_string()))
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

/// Answers to a READ BINARY by short EF identifier after which the file is selected by its
/// file identifier instead (field-quirks.md: SFI reads not supported everywhere).
const SFI_REFUSALS: [StatusWord; 5] = [
    StatusWord::FILE_NOT_FOUND,
    StatusWord::INCORRECT_P1P2,
    StatusWord::WRONG_P1P2,
    StatusWord::INS_NOT_SUPPORTED,
    StatusWord::CLA_NOT_SUPPORTED,
];

/// Answers to MSE:Set AT for PACE after which it is sent again with DO'84' added or left out
/// (6A80 wrong data, 6A87 Lc inconsistent with P1-P2).
fn refuses_key_reference(sw: StatusWord) -> bool {
    sw == StatusWord::WRONG_DATA || sw == StatusWord::new(0x6A, 0x87)
}

/// Most parts of one chained response (61xx / GET RESPONSE) taken.
const MAX_RESPONSE_PARTS: usize = 8;

/// Longest Active Authentication signature taken (RSA-4096 is 512 bytes; room for more).
const MAX_SIGNATURE: usize = 1024;

/// Room for the secure messaging objects around response data (padding up to one block,
/// DO'87' header and padding indicator, DO'99', DO'8E') and the status word.
const SM_ROOM: usize = 48;

/// Length of the signature an Active Authentication key makes, when the key fixes it (RSA:
/// the modulus length). `None` for ECDSA, whose signatures always fit a short response.
fn signature_len(key: &emrtd_lds::dg15::AaPublicKey) -> Option<usize> {
    match key {
        emrtd_lds::dg15::AaPublicKey::Rsa { n, .. } => {
            let start = n.iter().position(|b| *b != 0).unwrap_or(n.len());
            Some(n.len() - start)
        }
        _ => None,
    }
}

/// Plain answers to a protected command by which the chip says it has no session any more.
const SESSION_ENDED: [StatusWord; 3] = [
    StatusWord(0x6986),
    StatusWord::SM_DATA_MISSING,
    StatusWord::SM_DATA_INCORRECT,
];

/// Largest command data sent in one short APDU under secure messaging (room for padding,
/// DO'87', DO'97', DO'8E' within 255 bytes).
const SHORT_COMMAND_DATA: usize = 223;

/// Comp() of TR-03110-3 §A.2.2.3 of an ephemeral key as sent in PACE.
/// The configured chain for the CVCAs EF.CVCA lists (see [`emrtd_eac::ta::choose_chain`]),
/// or why there is none.
fn configured_chain(
    config: &crate::report::TerminalAuthConfig,
    cvca: &[u8],
) -> Result<Vec<emrtd_eac::CvCertificate>, String> {
    let cars = emrtd_lds::cvca::EfCvca::decode(cvca)
        .map_err(|e| format!("EF.CVCA cannot be decoded: {e}"))?
        .cars;
    let refs: Vec<emrtd_eac::CvReference> = cars
        .iter()
        .filter_map(|c| emrtd_eac::CvReference::from_text(c).ok())
        .collect();
    match emrtd_eac::ta::choose_chain(&config.chains, &refs) {
        Some(chain) => Ok(chain.to_vec()),
        None => {
            let starts: Vec<String> = config
                .chains
                .iter()
                .filter_map(|c| c.first().map(|f| f.car().to_string()))
                .collect();
            Err(format!(
                "no configured chain starts at a CVCA the chip trusts (EF.CVCA lists {}; the chain starts at {}): get the certificates of this document's country",
                cars.join(", "),
                starts.join(", ")
            ))
        }
    }
}

/// Does a set of SecurityInfos list a TerminalAuthenticationInfo of version 2?
fn announces_ta_v2(infos: &SecurityInfos) -> bool {
    infos.infos.iter().any(|i| {
        matches!(i, emrtd_lds::security_infos::SecurityInfo::TerminalAuthentication(t) if t.version == 2)
    })
}

/// Effective rights as far as the chain shows (the chip also ANDs its CVCA's).
fn chain_rights(chain: &[emrtd_eac::CvCertificate]) -> emrtd_eac::IsRights {
    chain
        .iter()
        .filter_map(|c| c.body.chat.inspection_rights())
        .fold(emrtd_eac::IsRights::from_byte(0xFF), |acc, r| {
            emrtd_eac::IsRights::from_byte(acc.bits() & r.bits())
        })
}

fn compress(ka: emrtd_access::pace::KeyAgreement, key: &[u8]) -> Vec<u8> {
    use emrtd_eac::ta::EphemeralKey;
    match ka {
        emrtd_access::pace::KeyAgreement::Ecdh => EphemeralKey::Ec(key.to_vec()).compressed(),
        emrtd_access::pace::KeyAgreement::Dh => EphemeralKey::Dh(key.to_vec()).compressed(),
    }
}

/// The document number with its check digit from the MRZ information (number, check digit,
/// date of birth + check digit, date of expiry + check digit): ID_PICC after BAC.
fn document_number_with_check(info: &str) -> Option<Vec<u8>> {
    let end = info.len().checked_sub(14)?;
    (end >= 2 && info.is_ascii()).then(|| info.as_bytes()[..end].to_vec())
}

/// A command's name for messages (INS of the command as sent; under secure messaging the INS
/// is the plain command's).
fn command_name(cmd: &CommandApdu) -> String {
    match cmd.ins {
        ins::SELECT => "SELECT".into(),
        ins::READ_BINARY | ins::READ_BINARY_ODD => "READ BINARY".into(),
        ins::GET_CHALLENGE => "GET CHALLENGE".into(),
        ins::EXTERNAL_AUTHENTICATE => "EXTERNAL AUTHENTICATE".into(),
        ins::INTERNAL_AUTHENTICATE => "INTERNAL AUTHENTICATE".into(),
        ins::MANAGE_SECURITY_ENVIRONMENT => "MANAGE SECURITY ENVIRONMENT".into(),
        ins::GENERAL_AUTHENTICATE => "GENERAL AUTHENTICATE".into(),
        ins::PERFORM_SECURITY_OPERATION => "PERFORM SECURITY OPERATION".into(),
        ins::GET_RESPONSE => "GET RESPONSE".into(),
        other => format!("the command with INS {other:02X}"),
    }
}

/// dmrtd's and vcmrtd's next block after a refused length (`mrtd_api.dart`
/// `_reduceMaxRead`).
fn dmrtd_step_down(le: usize) -> usize {
    [224, 160, 128, 96, 64, 32, 16, 8]
        .into_iter()
        .find(|&b| b < le)
        .unwrap_or(1)
}

fn step_down(le: usize) -> usize {
    // Halve extended blocks down to 1 KiB, then the block sizes chips are known to take
    // (field-quirks.md: 224, 192, 160, 128), then halve.
    if le > 0x400 {
        (le / 2).max(0x400)
    } else if le > 224 {
        224
    } else if le > 192 {
        192
    } else if le > 160 {
        160
    } else if le > 128 {
        128
    } else {
        (le / 2).max(1)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_picc_after_bac_is_the_document_number_with_its_check_digit() {
        // ICAO 9303-11 Appendix D.2 MRZ information.
        assert_eq!(
            document_number_with_check("L898902C<369080619406236"),
            Some(b"L898902C<3".to_vec())
        );
        assert_eq!(document_number_with_check("69080619406236"), None);
        assert_eq!(document_number_with_check("short"), None);
    }
}
