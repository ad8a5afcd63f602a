//! The virtual chip: an ICAO 9303 LDS1 application answering APDUs.

use crate::link::{ChipOp, LinkStats, Phase};
use crate::profile::{Attack, Profile, ProfileError};
use emrtd_access::bac::{BacChip, BacKeys};
use emrtd_access::pace::{Mapping, PaceChip, PaceParams, PacePassword};
use emrtd_apdu::{
    ins, CommandApdu, ResponseApdu, StatusWord, Transport, TransportError, SHORT_LE_MAX,
};
use emrtd_crypto::sym::Cipher;
use emrtd_lds::com::{dg_tag, EfCom};
use emrtd_lds::dg1::Dg1;
use emrtd_lds::security_infos::{
    ChipAuthenticationPublicKeyInfo, PaceAlgorithm, PaceInfo, SecurityInfo, SecurityInfos,
    TerminalAuthenticationInfo,
};
use emrtd_sm::SecureMessaging;
use rand_core::{CryptoRng, RngCore};
use std::collections::BTreeMap;

/// Application identifier of the LDS1 eMRTD application.
pub const LDS1_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// Where a file lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Location {
    /// Master file (EF.CardAccess, EF.ATR/INFO, EF.CardSecurity, EF.DIR).
    MasterFile,
    /// The LDS1 application.
    Lds1,
}

/// One elementary file of the chip.
#[derive(Debug, Clone)]
pub struct ElementaryFile {
    /// File identifier (for SELECT).
    pub fid: u16,
    /// Short EF identifier, when the file has one (for READ BINARY by SFI).
    pub sfi: Option<u8>,
    /// Master file or the eMRTD application.
    pub location: Location,
    /// Readable without access control (EF.CardAccess, EF.ATR/INFO, EF.DIR).
    pub free: bool,
    /// The bytes of the file.
    pub content: Vec<u8>,
}

/// File identifiers and short EF identifiers of the files the chip knows by name.
pub fn file_by_name(name: &str) -> Option<(u16, u8, Location, bool)> {
    let upper = name.to_ascii_uppercase();
    let named = match upper.as_str() {
        "COM" | "EF.COM" => Some((0x011E, 0x1E, Location::Lds1, false)),
        "SOD" | "EF.SOD" => Some((0x011D, 0x1D, Location::Lds1, false)),
        "CARDACCESS" | "EF.CARDACCESS" => Some((0x011C, 0x1C, Location::MasterFile, true)),
        "CARDSECURITY" | "EF.CARDSECURITY" => Some((0x011D, 0x1D, Location::MasterFile, false)),
        "ATRINFO" | "ATR/INFO" | "EF.ATR/INFO" => Some((0x2F01, 0x01, Location::MasterFile, true)),
        "DIR" | "EF.DIR" => Some((0x2F00, 0x1E, Location::MasterFile, true)),
        "CVCA" | "EF.CVCA" => Some((0x011C, 0x1C, Location::Lds1, false)),
        _ => None,
    };
    if named.is_some() {
        return named;
    }
    let n: u8 = upper.strip_prefix("DG")?.parse().ok()?;
    dg_tag(n)?;
    Some((0x0100 + n as u16, n, Location::Lds1, false))
}

/// Why a chip could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The profile cannot make a chip.
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

enum Selected {
    MasterFile,
    Lds1,
}

/// Random source of the chip (`OsRng` unless a test injects its own).
pub trait ChipRng: RngCore + CryptoRng + Send {}
impl<T: RngCore + CryptoRng + Send> ChipRng for T {}

/// A virtual eMRTD chip built from a [`Profile`].
pub struct VirtualChip {
    profile: Profile,
    files: Vec<ElementaryFile>,
    selected_df: Selected,
    current_ef: Option<usize>,
    bac: Option<BacChip>,
    pace: Option<PaceChip>,
    aa: Option<emrtd_access::aa::AaChipKey>,
    ca: Option<emrtd_access::ca::CaChip>,
    eac: Option<crate::eac::EacChip>,
    /// Session that replaces the current one once the current response is protected
    /// (Chip Authentication switches keys after its answer).
    next_sm: Option<SecureMessaging>,
    sm: Option<SecureMessaging>,
    rng: Box<dyn ChipRng>,
    log: Option<Vec<(Vec<u8>, Vec<u8>)>>,
    stats: LinkStats,
    /// The chip's work for the command being processed, for the link model.
    work: Vec<ChipOp>,
    /// What the command being processed belongs to (the last one's for GET RESPONSE).
    phase: Phase,
    time: crate::link::ModelledTime,
    until_tag_loss: Option<usize>,
    /// Status answered to READ BINARY by short EF identifier (profile `[chip] sfi_refusal`).
    sfi_refusal: Option<StatusWord>,
    /// The rest of a response announced with 61xx, for GET RESPONSE.
    pending_response: Vec<u8>,
    /// Status answered to extended-length APDUs (profile `[chip] extended_refusal`).
    extended_refusal: Option<StatusWord>,
    /// The command being executed ends the secure messaging session (`le_refusal = "6b00-drop"`).
    drop_session: bool,
    /// The recording of [`Attack::Replay`].
    replay: Option<Replay>,
    #[cfg(feature = "hostile")]
    response_hook: Option<ResponseHook>,
}

/// The state of [`Attack::Replay`]: the answers of the first session, and where a later session
/// is in them.
#[derive(Debug, Default)]
struct Replay {
    recording: Vec<Vec<u8>>,
    playing: bool,
    next: usize,
}

/// Answers a replay chip records at most (a complete read takes a few hundred).
const MAX_RECORDED_ANSWERS: usize = 4096;

/// The error of a profile whose attack lacks what it attacks.
fn attack_needs(attack: Attack, what: &str) -> ProfileError {
    ProfileError::Invalid(format!(
        "attack {attack} needs a profile with {what}: the genuine chip has no such key to replace"
    ))
}

/// DG14 of a chip with these keys: the Active Authentication info, then the Chip
/// Authentication infos (none: the chip has no DG14).
fn dg14_of(
    aa: Option<&emrtd_access::aa::AaChipKey>,
    extra: &[SecurityInfo],
    ca: Option<&emrtd_access::ca::CaChip>,
) -> Result<Option<Vec<u8>>, ProfileError> {
    let mut dg14 = SecurityInfos { infos: Vec::new() };
    if let Some(info) = aa.and_then(|k| k.active_authentication_info()) {
        dg14.infos.push(SecurityInfo::ActiveAuthentication(info));
    }
    dg14.infos.extend(extra.iter().cloned());
    if let Some(chip) = ca {
        dg14.infos.extend(
            chip.security_infos(emrtd_access::ca::DomainParameterEncoding::Standardized)
                .map_err(|e| ProfileError::Invalid(format!("Chip Authentication: {e}")))?,
        );
    }
    Ok((!dg14.infos.is_empty()).then(|| dg14.to_dg14()))
}

#[cfg(feature = "hostile")]
/// Conformance-test hook (see [`crate::hostile`]): given the plain command, the chip's plain
/// answer and the session, the protected answer to send instead (`None`: protect normally).
pub type ResponseHook = Box<
    dyn FnMut(
            &CommandApdu,
            &ResponseApdu,
            &mut SecureMessaging,
        ) -> Option<Result<ResponseApdu, emrtd_sm::SmError>>
        + Send,
>;

impl VirtualChip {
    /// Build a chip from a profile, with the operating system's random source.
    pub fn new(profile: Profile) -> Result<VirtualChip, SimError> {
        Self::with_rng(profile, Box::new(rand_core::OsRng))
    }

    /// Build a chip with an injected random source (for reproducible tests).
    pub fn with_rng(profile: Profile, mut rng: Box<dyn ChipRng>) -> Result<VirtualChip, SimError> {
        let mrz = profile.parsed_mrz()?;
        let info = mrz.access_key_info().map_err(ProfileError::from)?;
        let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        files.insert("DG1".into(), Dg1::from_mrz(&mrz).encode());
        if let Some(dg2) = build_dg2(&profile.face)? {
            files.insert("DG2".into(), dg2);
        }
        let mut aa = aa_key(&profile.active_authentication, false)?;
        if let Some(key) = &aa {
            files.insert("DG15".into(), key.dg15());
        }
        let eac_version2 = profile.eac.as_ref().is_some_and(|e| e.version >= 2);
        // SecurityInfos EF.CardAccess lists besides PACE (TR-03110-3 §A.1.2.1: Terminal and
        // Chip Authentication version 2).
        let mut card_access_extra = Vec::new();
        // DG14 lists TerminalAuthenticationInfo besides the CA and AA infos.
        let mut dg14_extra = Vec::new();
        if let Some(e) = &profile.eac {
            if e.version > 2 {
                return Err(ProfileError::Invalid(format!(
                    "eac.version = {}: use 1 or 2",
                    e.version
                ))
                .into());
            }
            let ta = if eac_version2 {
                Some(TerminalAuthenticationInfo {
                    version: 2,
                    ef_cvca: None,
                })
            } else {
                e.ta_info_ef_cvca
                    .as_deref()
                    .map(|spec| {
                        ta_info_file(spec).map(|file| TerminalAuthenticationInfo {
                            version: 1,
                            ef_cvca: Some(file),
                        })
                    })
                    .transpose()?
            };
            if let Some(ta) = ta {
                if eac_version2 {
                    card_access_extra.push(SecurityInfo::TerminalAuthentication(ta.clone()));
                }
                dg14_extra.push(SecurityInfo::TerminalAuthentication(ta));
            }
        }
        let mut ca = match &profile.chip_authentication {
            Some(cfg) => {
                if let Ok(group) = emrtd_crypto::pk::Group::standardized(cfg.parameter_id) {
                    require_extended_length(
                        &profile,
                        &group,
                        "Chip Authentication",
                        cfg.parameter_id,
                    )?;
                }
                let chip = ca_chip(cfg, eac_version2, &mut *rng)?;
                if eac_version2 {
                    card_access_extra.push(SecurityInfo::ChipAuthentication(
                        chip.chip_authentication_info(),
                    ));
                }
                Some(chip)
            }
            None => None,
        };
        if let Some(dg14) = dg14_of(aa.as_ref(), &dg14_extra, ca.as_ref())? {
            files.insert("DG14".into(), dg14);
        }
        if let Some(cfg) = &profile.eac {
            let cvca = emrtd_eac::CvCertificate::decode(&hex_bytes(&cfg.cvca, "eac.cvca")?)
                .map_err(|e| ProfileError::Invalid(format!("eac.cvca: {e}")))?;
            let ef = emrtd_lds::cvca::EfCvca::new(vec![cvca.chr().to_string()]);
            files.insert("CVCA".into(), ef.encode());
        }
        let mut overrides = BTreeMap::new();
        for (name, hex_content) in &profile.files {
            let bytes = hex::decode(hex_content.split_whitespace().collect::<String>())
                .map_err(|e| ProfileError::Invalid(format!("file {name}: {e}")))?;
            if file_by_name(name).is_none() {
                return Err(ProfileError::Invalid(format!("unknown file name {name:?}")).into());
            }
            overrides.insert(name.to_ascii_uppercase(), bytes);
        }
        files.extend(overrides.clone());

        // PACE: the variants, EF.CardAccess listing them, and for CAM a static chip key
        // published in EF.CardSecurity.
        let mut pace_params = Vec::new();
        for p in &profile.access.pace {
            let params = pace_params_of(p)?;
            require_extended_length(&profile, params.group(), "PACE", p.parameter_id)?;
            pace_params.push(params);
        }
        let mut pace = if pace_params.is_empty() {
            None
        } else {
            let mut infos = SecurityInfos { infos: Vec::new() };
            for params in &pace_params {
                let algorithm = PaceAlgorithm::from_oid(&params.oid_dotted()).ok_or_else(|| {
                    ProfileError::Invalid(format!("no PACEInfo for {}", params.name()))
                })?;
                let info = PaceInfo::new(algorithm, params.parameter_id().unwrap_or(0) as i64)
                    .ok_or_else(|| ProfileError::Invalid("PACEInfo".into()))?;
                infos.infos.push(SecurityInfo::Pace(info));
            }
            infos.infos.extend(card_access_extra.iter().cloned());
            files
                .entry("CARDACCESS".into())
                .or_insert_with(|| infos.to_der());
            let mut passwords = vec![PacePassword::Mrz(info.clone())];
            if let Some(can) = &profile.can {
                passwords.push(PacePassword::Can(can.clone()));
            }
            // The PACE chip owns its random source: seeded from the chip's, so that a chip
            // built with a seeded source answers the same way every time.
            let mut seed = [0u8; 32];
            rng.fill_bytes(&mut seed);
            let pace_rng = <rand::rngs::StdRng as rand::SeedableRng>::from_seed(seed);
            let mut chip = PaceChip::new(pace_params.clone(), passwords, pace_rng);
            if let Some(cam) = pace_params
                .iter()
                .find(|p| p.mapping() == Mapping::ChipAuthentication)
            {
                let (secret, public) = generate_key(cam.group(), &mut *rng)?;
                chip.set_cam_key(&secret)
                    .map_err(|e| ProfileError::Invalid(format!("CAM key: {e}")))?;
                infos.infos.push(SecurityInfo::ChipAuthenticationPublicKey(
                    ChipAuthenticationPublicKeyInfo::ecdh_standardized(
                        cam.parameter_id().unwrap_or(0) as i64,
                        public,
                        cam.parameter_id().map(i64::from),
                    ),
                ));
            }
            // Chip Authentication version 2: EF.CardSecurity holds the key (TR-03110-3
            // §A.1.2.2: a ChipAuthenticationPublicKeyInfo for each ChipAuthenticationInfo).
            if let (true, Some(chip)) = (eac_version2, ca.as_ref()) {
                infos.infos.push(SecurityInfo::ChipAuthenticationPublicKey(
                    chip.public_key_info(emrtd_access::ca::DomainParameterEncoding::Standardized)
                        .map_err(|e| ProfileError::Invalid(format!("Chip Authentication: {e}")))?,
                ));
            }
            if profile.sign && !overrides.contains_key("CARDSECURITY") {
                let signed = crate::pki::sign_card_security(&infos.to_der())
                    .map_err(|e| ProfileError::Invalid(e.to_string()))?;
                files.insert("CARDSECURITY".into(), signed);
            }
            Some(chip)
        };

        if profile.chip.extended_length && !files.contains_key("ATRINFO") {
            // Largest APDUs: the read block plus room for secure messaging objects and SW.
            let info = emrtd_lds::atr_info::EfAtrInfo {
                extended_length: Some(emrtd_lds::atr_info::ExtendedLengthInfo {
                    max_command: 0x1000,
                    max_response: (profile.chip.max_read + 48) as u32,
                    unknown: Vec::new(),
                }),
                ..Default::default()
            };
            files.insert("ATRINFO".into(), info.encode());
        }
        if !files.contains_key("COM") {
            let tag_list = (1..=16u8)
                .filter(|n| files.contains_key(&format!("DG{n}")))
                .filter_map(dg_tag)
                .collect();
            let com = EfCom::new("0108", "040000", tag_list);
            files.insert("COM".into(), com.encode());
        }
        if profile.sign && !files.contains_key("SOD") {
            let dgs: Vec<(u8, &[u8])> = (1..=16u8)
                .filter_map(|n| files.get(&format!("DG{n}")).map(|b| (n, b.as_slice())))
                .collect();
            let sod =
                crate::pki::sign_sod(&dgs).map_err(|e| ProfileError::Invalid(e.to_string()))?;
            files.insert("SOD".into(), sod);
        }
        // The attack, last: every genuine key and file above is drawn exactly as for the
        // genuine chip (a chip built with the same seeded random source has the same files).
        let mut replay = None;
        match profile.attack {
            None => {}
            Some(Attack::Clone) => {
                // The copied files stay; every private key is the clone's own.
                if let Some(cfg) = &profile.chip_authentication {
                    ca = Some(ca_chip(cfg, eac_version2, &mut *rng)?);
                }
                if aa.is_some() {
                    aa = aa_key(&profile.active_authentication, true)?;
                }
                if let (Some(chip), Some(cam)) = (
                    pace.as_mut(),
                    pace_params
                        .iter()
                        .find(|p| p.mapping() == Mapping::ChipAuthentication),
                ) {
                    let (secret, _) = generate_key(cam.group(), &mut *rng)?;
                    chip.set_cam_key(&secret)
                        .map_err(|e| ProfileError::Invalid(format!("CAM key: {e}")))?;
                }
            }
            Some(Attack::WrongAaKey) => {
                if aa.is_none() {
                    return Err(attack_needs(Attack::WrongAaKey, "active_authentication").into());
                }
                aa = aa_key(&profile.active_authentication, true)?;
            }
            Some(Attack::Dg14Swap) => {
                let Some(cfg) = &profile.chip_authentication else {
                    return Err(
                        attack_needs(Attack::Dg14Swap, "a [chip_authentication] table").into(),
                    );
                };
                // The other document: its own Chip Authentication key and the DG14 that
                // publishes it; EF.SOD stays this document's.
                let other = ca_chip(cfg, eac_version2, &mut *rng)?;
                if let Some(dg14) = dg14_of(aa.as_ref(), &dg14_extra, Some(&other))? {
                    files.insert("DG14".into(), dg14);
                }
                ca = Some(other);
            }
            Some(Attack::Replay) => replay = Some(Replay::default()),
        }
        let files = files
            .into_iter()
            .filter_map(|(name, content)| {
                let (fid, sfi, location, free) = file_by_name(&name)?;
                Some(ElementaryFile {
                    fid,
                    sfi: Some(sfi),
                    location,
                    free,
                    content,
                })
            })
            .collect();
        let eac = match &profile.eac {
            Some(cfg) => Some(eac_chip(cfg, &info)?),
            None => None,
        };
        let bac = if profile.access.bac {
            Some(BacChip::new(BacKeys::from_mrz_information(&info)))
        } else {
            None
        };
        let until_tag_loss = profile.chip.tag_loss_after;
        let sfi_refusal = status_key("sfi_refusal", profile.chip.sfi_refusal.as_deref())?;
        let extended_refusal =
            status_key("extended_refusal", profile.chip.extended_refusal.as_deref())?;
        if !matches!(
            profile.chip.aa_response.as_str(),
            "whole" | "61xx" | "6cxx" | "truncate"
        ) {
            return Err(ProfileError::Invalid(format!(
                "[chip] aa_response = {:?}: use whole, 61xx, 6cxx or truncate",
                profile.chip.aa_response
            ))
            .into());
        }
        if !matches!(
            profile.chip.le_refusal.as_str(),
            "6700" | "6b00" | "6b00-drop" | "6282"
        ) {
            return Err(ProfileError::Invalid(format!(
                "[chip] le_refusal = {:?}: use 6700, 6b00, 6b00-drop or 6282",
                profile.chip.le_refusal
            ))
            .into());
        }
        if !matches!(
            profile.chip.pace_key_reference.as_str(),
            "optional" | "required" | "refused"
        ) {
            return Err(ProfileError::Invalid(format!(
                "[chip] pace_key_reference = {:?}: use optional, required or refused",
                profile.chip.pace_key_reference
            ))
            .into());
        }
        Ok(VirtualChip {
            pending_response: Vec::new(),
            sfi_refusal,
            extended_refusal,
            drop_session: false,
            profile,
            files,
            selected_df: Selected::MasterFile,
            current_ef: None,
            bac,
            pace,
            aa,
            ca,
            eac,
            next_sm: None,
            sm: None,
            rng,
            log: None,
            stats: LinkStats::default(),
            work: Vec::new(),
            phase: Phase::Other,
            time: crate::link::ModelledTime::default(),
            until_tag_loss,
            replay,
            #[cfg(feature = "hostile")]
            response_hook: None,
        })
    }

    /// The profile the chip was built from.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Content of a file by name (`DG1`, `COM`, …), as the chip serves it.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        let (fid, _, location, _) = file_by_name(name)?;
        self.files
            .iter()
            .find(|f| f.fid == fid && f.location == location)
            .map(|f| f.content.as_slice())
    }

    /// Is a secure messaging session established?
    pub fn has_secure_messaging(&self) -> bool {
        self.sm.is_some()
    }

    /// Start recording every APDU pair (for tests and traces).
    pub fn record(&mut self) {
        self.log = Some(Vec::new());
    }

    /// The recorded APDU pairs.
    pub fn recorded(&self) -> &[(Vec<u8>, Vec<u8>)] {
        self.log.as_deref().unwrap_or(&[])
    }

    /// Lose the card after `apdus` more exchanges (the next one fails with "card removed" and
    /// all session state is gone until the reader reconnects).
    pub fn lose_card_after(&mut self, apdus: usize) {
        self.until_tag_loss = Some(apdus);
    }

    /// The modelled time of this chip's link, shared (see [`ModelledTime`](crate::ModelledTime)).
    pub fn modelled_time(&self) -> crate::link::ModelledTime {
        self.time.clone()
    }

    /// What crossed the modelled link so far (see [`crate::link`]).
    pub fn stats(&self) -> &LinkStats {
        &self.stats
    }

    /// Simulate removing the card from the field and putting it back: all session state is lost.
    pub fn reset(&mut self) {
        self.selected_df = Selected::MasterFile;
        self.current_ef = None;
        self.sm = None;
        if let Some(bac) = &mut self.bac {
            bac.reset();
        }
        if let Some(eac) = &mut self.eac {
            eac.end_session();
        }
        if let Some(replay) = &mut self.replay {
            // The recording ends with the first session that recorded something.
            replay.playing |= !replay.recording.is_empty();
            replay.next = 0;
        }
    }

    /// The attack this chip plays, if any (see [`Attack`]).
    pub fn attack(&self) -> Option<Attack> {
        self.profile.attack
    }

    /// Process one command APDU and return the response bytes (data + SW).
    pub fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.work.clear();
        let response = match self.replay.as_mut().filter(|r| r.playing) {
            Some(r) => {
                // Whatever was sent: the next recorded answer (6F00 once they run out).
                let answer = r.recording.get(r.next).cloned();
                r.next = r.next.saturating_add(1);
                answer.unwrap_or_else(|| ResponseApdu::status(StatusWord(0x6F00)).to_bytes())
            }
            None => {
                let response = self.process_inner(apdu).to_bytes();
                if let Some(r) = self
                    .replay
                    .as_mut()
                    .filter(|r| r.recording.len() < MAX_RECORDED_ANSWERS)
                {
                    r.recording.push(response.clone());
                }
                response
            }
        };
        let mut us = self.stats.record(
            &self.profile.link,
            apdu.len(),
            response.len(),
            self.phase.clone(),
            &self.work,
        );
        if apdu.get(1) == Some(&ins::INTERNAL_AUTHENTICATE) {
            // A profile's extra signing time (RSA-4096 on a slow chip takes seconds).
            let work = f64::from(self.profile.chip.internal_authenticate_ms) * 1000.0;
            self.stats.add_work(work);
            us += work;
        }
        self.time.advance(us as u64);
        if let Some(log) = &mut self.log {
            log.push((apdu.to_vec(), response.clone()));
        }
        response
    }

    fn process_inner(&mut self, apdu: &[u8]) -> ResponseApdu {
        let cmd = match CommandApdu::parse(apdu) {
            Ok(c) => c,
            Err(_) => return self.abort_sm(StatusWord::WRONG_LENGTH),
        };
        if let (true, Some(sw)) = (cmd.is_extended(), self.extended_refusal) {
            // Not processed at all: the session and its counter stay as they were.
            return ResponseApdu::status(sw);
        }
        if cmd.is_extended() && !self.profile.chip.extended_length {
            return self.abort_sm(StatusWord::WRONG_LENGTH);
        }
        if cmd.cla & 0x10 != 0
            && cmd.ins != ins::GENERAL_AUTHENTICATE
            && !(cmd.ins == INS_PSO && self.eac.is_some())
        {
            // Command chaining is only used by GENERAL AUTHENTICATE and PSO:Verify Certificate.
            return self.abort_sm(StatusWord(0x6884));
        }
        match self.sm.as_mut() {
            Some(sm) if cmd.is_secure_messaging() => {
                let plain = match sm.unprotect_command(&cmd) {
                    Ok(p) => p,
                    Err(_) => return self.abort_sm(StatusWord::SM_DATA_INCORRECT),
                };
                self.work.push(ChipOp::SecureMessaging);
                let resp = self.execute(&plain);
                if std::mem::take(&mut self.drop_session) {
                    return self.abort_sm(resp.sw);
                }
                let protected = match self.protect_response(&plain, &resp) {
                    Some(Ok(r)) => r,
                    // Session ended while executing or wrapping failed.
                    _ => self.abort_sm(StatusWord::UNKNOWN),
                };
                if let Some(next) = self.next_sm.take() {
                    self.sm = Some(next);
                }
                protected
            }
            Some(_) => self.abort_sm(StatusWord::SM_DATA_MISSING),
            None if cmd.is_secure_messaging() => ResponseApdu::status(StatusWord::SM_DATA_MISSING),
            None => self.execute(&cmd),
        }
    }

    /// Protect an answer with the session, unless a conformance-test hook answers instead.
    fn protect_response(
        &mut self,
        cmd: &CommandApdu,
        resp: &ResponseApdu,
    ) -> Option<Result<ResponseApdu, emrtd_sm::SmError>> {
        let sm = self.sm.as_mut()?;
        #[cfg(not(feature = "hostile"))]
        let _ = cmd;
        #[cfg(feature = "hostile")]
        if let Some(hooked) = self.response_hook.as_mut().and_then(|h| h(cmd, resp, sm)) {
            return Some(hooked);
        }
        Some(sm.protect_response(resp))
    }

    /// Let a conformance-test hook protect the chip's answers (see [`crate::hostile`]).
    #[cfg(feature = "hostile")]
    pub fn set_response_hook(&mut self, hook: ResponseHook) {
        self.response_hook = Some(hook);
    }

    /// ICAO 9303-11 §9.8.6: on any secure messaging error the chip ends the session.
    fn abort_sm(&mut self, sw: StatusWord) -> ResponseApdu {
        self.sm = None;
        if let Some(eac) = &mut self.eac {
            // The rights of Terminal Authentication end with the session.
            eac.end_session();
        }
        ResponseApdu::status(sw)
    }

    fn execute(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if cmd.cla & 0xE3 != 0x00 {
            return ResponseApdu::status(StatusWord::CLA_NOT_SUPPORTED);
        }
        if self.profile.chip.refuse_le
            && cmd.le.is_some()
            && matches!(cmd.ins, ins::SELECT | ins::MANAGE_SECURITY_ENVIRONMENT)
        {
            return ResponseApdu::status(StatusWord::WRONG_LENGTH);
        }
        if self.is_ta_command(cmd) {
            self.phase = Phase::TerminalAuthentication;
            return self.ta_step(cmd);
        }
        self.phase = self.phase_of(cmd);
        match cmd.ins {
            ins::SELECT => self.select(cmd),
            ins::READ_BINARY => self.read_binary(cmd),
            ins::READ_BINARY_ODD => self.read_binary_odd(cmd),
            ins::GET_CHALLENGE => self.get_challenge(cmd),
            ins::EXTERNAL_AUTHENTICATE => self.external_authenticate(cmd),
            ins::INTERNAL_AUTHENTICATE => self.internal_authenticate(cmd),
            GET_RESPONSE => self.get_response(cmd),
            ins::MANAGE_SECURITY_ENVIRONMENT | ins::GENERAL_AUTHENTICATE
                if self.sm.is_some() && self.ca.as_ref().is_some_and(|c| c.handles(cmd)) =>
            {
                self.ca_step(cmd)
            }
            ins::MANAGE_SECURITY_ENVIRONMENT | ins::GENERAL_AUTHENTICATE
                if PaceChip::is_pace_command(cmd) =>
            {
                self.pace_step(cmd)
            }
            _ => ResponseApdu::status(StatusWord::INS_NOT_SUPPORTED),
        }
    }

    /// What a plain command belongs to, for time per phase (see [`crate::link`]).
    fn phase_of(&self, cmd: &CommandApdu) -> Phase {
        match cmd.ins {
            ins::SELECT if cmd.p1 == 0x04 || cmd.data.is_empty() || cmd.data == [0x3F, 0x00] => {
                Phase::Select
            }
            ins::SELECT => match cmd.data[..] {
                [hi, lo] => self
                    .find(|f| f.fid == u16::from_be_bytes([hi, lo]))
                    .map_or(Phase::Other, |i| Phase::File(file_name(&self.files[i]))),
                _ => Phase::Other,
            },
            ins::READ_BINARY if cmd.p1 & 0x80 != 0 => self
                .find(|f| f.sfi == Some(cmd.p1 & 0x1F))
                .map_or(Phase::Other, |i| Phase::File(file_name(&self.files[i]))),
            ins::READ_BINARY | ins::READ_BINARY_ODD => self
                .current_ef
                .map_or(Phase::Other, |i| Phase::File(file_name(&self.files[i]))),
            ins::GET_CHALLENGE if self.sm.is_some() => Phase::TerminalAuthentication,
            ins::GET_CHALLENGE | ins::EXTERNAL_AUTHENTICATE => Phase::Access,
            ins::INTERNAL_AUTHENTICATE => Phase::ActiveAuthentication,
            GET_RESPONSE => self.phase.clone(),
            ins::MANAGE_SECURITY_ENVIRONMENT | ins::GENERAL_AUTHENTICATE
                if self.sm.is_some() && self.ca.as_ref().is_some_and(|c| c.handles(cmd)) =>
            {
                Phase::ChipAuthentication
            }
            ins::MANAGE_SECURITY_ENVIRONMENT | ins::GENERAL_AUTHENTICATE
                if PaceChip::is_pace_command(cmd) =>
            {
                Phase::Access
            }
            _ => Phase::Other,
        }
    }

    /// Bits of the standardized group `id` (field size for curves, modulus size for DH), and
    /// whether it is DH.
    fn group_bits(id: u32) -> Option<(u32, bool)> {
        match emrtd_crypto::pk::Group::standardized(id).ok()? {
            emrtd_crypto::pk::Group::Ec(c) => Some((c.field_bits() as u32, false)),
            emrtd_crypto::pk::Group::Dh(g) => Some((g.size() as u32 * 8, true)),
        }
    }

    /// The chip's work for one PACE command: by the step its dynamic authentication data
    /// belongs to (BSI TR-03110-2 / ICAO 9303-11 §4.4): the nonce, the mapping (a key pair and
    /// a multiplication, then the mapped generator), the key agreement (a key pair on the
    /// mapped generator and the shared secret), the tokens.
    fn pace_work(&self, cmd: &CommandApdu) -> Vec<ChipOp> {
        if cmd.ins != ins::GENERAL_AUTHENTICATE {
            return Vec::new();
        }
        let id = self
            .profile
            .access
            .pace
            .first()
            .map_or(13, |p| p.parameter_id);
        let Some((bits, dh)) = Self::group_bits(id) else {
            return Vec::new();
        };
        let (pair, mul) = if dh {
            (ChipOp::DhModExp { bits }, ChipOp::DhModExp { bits })
        } else {
            (ChipOp::EcKeyPair { bits }, ChipOp::EcMul { bits })
        };
        let step = emrtd_tlv::parse_exact(&cmd.data)
            .ok()
            .filter(|outer| outer.tag == 0x7C)
            .map(|outer| {
                emrtd_tlv::parse_all(outer.value)
                    .ok()
                    .and_then(|inner| inner.first().map(|t| t.tag))
                    .unwrap_or(0)
            });
        match step {
            Some(0) => vec![ChipOp::SymmetricAuthentication],
            Some(0x81) => vec![pair, mul, mul],
            Some(0x83) => vec![pair, mul],
            Some(0x85) => vec![ChipOp::SymmetricAuthentication],
            _ => Vec::new(),
        }
    }

    fn select(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        match cmd.p1 {
            0x04 => {
                if cmd.data == LDS1_AID {
                    self.selected_df = Selected::Lds1;
                    self.current_ef = None;
                    ResponseApdu::status(StatusWord::OK)
                } else {
                    ResponseApdu::status(StatusWord::FILE_NOT_FOUND)
                }
            }
            0x00 | 0x02 => {
                if cmd.p1 == 0x00 && (cmd.data.is_empty() || cmd.data == [0x3F, 0x00]) {
                    self.selected_df = Selected::MasterFile;
                    self.current_ef = None;
                    return ResponseApdu::status(StatusWord::OK);
                }
                let [hi, lo] = cmd.data[..] else {
                    return ResponseApdu::status(StatusWord::WRONG_DATA);
                };
                let fid = u16::from_be_bytes([hi, lo]);
                match self.find(|f| f.fid == fid) {
                    Some(i) => {
                        self.current_ef = Some(i);
                        ResponseApdu::status(StatusWord::OK)
                    }
                    None => ResponseApdu::status(StatusWord::FILE_NOT_FOUND),
                }
            }
            _ => ResponseApdu::status(StatusWord::INCORRECT_P1P2),
        }
    }

    fn location(&self) -> Location {
        match self.selected_df {
            Selected::MasterFile => Location::MasterFile,
            Selected::Lds1 => Location::Lds1,
        }
    }

    fn find(&self, pred: impl Fn(&ElementaryFile) -> bool) -> Option<usize> {
        let loc = self.location();
        self.files.iter().position(|f| f.location == loc && pred(f))
    }

    fn read_binary(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let offset = if cmd.p1 & 0x80 != 0 {
            if cmd.p1 & 0x60 != 0 {
                return ResponseApdu::status(StatusWord::INCORRECT_P1P2);
            }
            if let Some(sw) = self.sfi_refusal {
                return ResponseApdu::status(sw);
            }
            let sfi = cmd.p1 & 0x1F;
            match self.find(|f| f.sfi == Some(sfi)) {
                Some(i) => self.current_ef = Some(i),
                None => return ResponseApdu::status(StatusWord::FILE_NOT_FOUND),
            }
            cmd.p2 as usize
        } else {
            u16::from_be_bytes([cmd.p1 & 0x7F, cmd.p2]) as usize
        };
        self.read_at(offset, cmd.le)
            .map_or_else(ResponseApdu::status, |(data, sw)| {
                ResponseApdu::new(data, sw)
            })
    }

    fn read_binary_odd(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        // Offset in DO'54', response in DO'53' (ISO 7816-4 §11.3.3).
        let Ok((do54, _)) = emrtd_tlv::expect_tag(&cmd.data, 0x54) else {
            return ResponseApdu::status(StatusWord::WRONG_DATA);
        };
        if do54.value.is_empty() || do54.value.len() > 3 {
            return ResponseApdu::status(StatusWord::WRONG_DATA);
        }
        let offset = do54
            .value
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        if cmd.p1 != 0 || cmd.p2 != 0 {
            let fid = u16::from_be_bytes([cmd.p1, cmd.p2]);
            let by_sfi = cmd.p1 == 0 && cmd.p2 & 0xE0 == 0 && cmd.p2 != 0;
            let found = if by_sfi {
                self.find(|f| f.sfi == Some(cmd.p2 & 0x1F))
            } else {
                self.find(|f| f.fid == fid)
            };
            match found {
                Some(i) => self.current_ef = Some(i),
                None => return ResponseApdu::status(StatusWord::FILE_NOT_FOUND),
            }
        }
        // Le counts DO'53' header bytes too.
        match self.read_at(offset, cmd.le.map(|le| le.saturating_sub(4).max(1))) {
            Ok((data, sw)) => ResponseApdu::new(emrtd_tlv::encode(0x53, &data), sw),
            Err(sw) => ResponseApdu::status(sw),
        }
    }

    fn read_at(
        &mut self,
        offset: usize,
        le: Option<usize>,
    ) -> Result<(Vec<u8>, StatusWord), StatusWord> {
        let Some(i) = self.current_ef else {
            return Err(StatusWord(0x6986));
        };
        let file = &self.files[i];
        if !file.free && self.sm.is_none() {
            return Err(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
        }
        // DG3 (fingerprints) and DG4 (irises) need Extended Access Control: readable only
        // after Terminal Authentication granted the right in this session.
        if file.location == Location::Lds1 && matches!(file.fid, 0x0103 | 0x0104) {
            let dg = (file.fid & 0xFF) as u8;
            if !self.eac.as_ref().is_some_and(|e| e.allows(dg)) {
                return Err(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
            }
        }
        let Some(le) = le else {
            return Err(StatusWord::WRONG_LENGTH);
        };
        if le > self.profile.chip.max_read {
            let len = file.content.len();
            let max = self.profile.chip.max_read;
            return match self.profile.chip.le_refusal.as_str() {
                // "End of file reached before Le bytes" although the file goes on: the bytes the
                // chip is willing to send.
                "6282" if offset <= len => {
                    let end = (offset + max).min(len);
                    Ok((file.content[offset..end].to_vec(), StatusWord::END_OF_FILE))
                }
                "6282" => Err(StatusWord::WRONG_P1P2),
                _ => Err(self.le_refusal()),
            };
        }
        self.read_in_file(offset, le)
    }

    /// The status answered to an Le above `max_read` (`le_refusal` 6700, 6b00, 6b00-drop).
    fn le_refusal(&mut self) -> StatusWord {
        match self.profile.chip.le_refusal.as_str() {
            "6b00" => StatusWord::WRONG_P1P2,
            "6b00-drop" => {
                self.drop_session = self.sm.is_some();
                StatusWord::WRONG_P1P2
            }
            _ => StatusWord::WRONG_LENGTH,
        }
    }

    /// READ BINARY of at most `max_read` bytes in the current file.
    fn read_in_file(
        &mut self,
        offset: usize,
        le: usize,
    ) -> Result<(Vec<u8>, StatusWord), StatusWord> {
        let Some(i) = self.current_ef else {
            return Err(StatusWord(0x6986));
        };
        let file = &self.files[i];
        let len = file.content.len();
        if offset > len {
            return Err(StatusWord::WRONG_P1P2);
        }
        let end = (offset + le).min(len);
        let data = file.content[offset..end].to_vec();
        if end - offset == le {
            return Ok((data, StatusWord::OK));
        }
        match self.profile.chip.eof.as_str() {
            "short" => Ok((data, StatusWord::OK)),
            "6cxx" if !data.is_empty() && data.len() < 256 => {
                Err(StatusWord::new(0x6C, data.len() as u8))
            }
            "6b00" => Err(StatusWord::WRONG_P1P2),
            _ => Ok((data, StatusWord::END_OF_FILE)),
        }
    }

    fn get_challenge(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if cmd.le != Some(8) {
            return ResponseApdu::status(StatusWord::WRONG_LENGTH);
        }
        match self.bac.as_mut() {
            Some(bac) => bac.handle_get_challenge(&mut *self.rng),
            None => ResponseApdu::status(StatusWord::INS_NOT_SUPPORTED),
        }
    }

    /// Chip Authentication: key agreement with the DG14 key; the new session starts after this
    /// response, which is still protected with the old keys.
    fn ca_step(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let Some(ca) = self.ca.as_mut() else {
            return ResponseApdu::status(StatusWord::INS_NOT_SUPPORTED);
        };
        let key = ca_terminal_key(cmd);
        if key.is_some() {
            let id = self
                .profile
                .chip_authentication
                .as_ref()
                .map_or(13, |c| c.parameter_id);
            if let Some((bits, dh)) = Self::group_bits(id) {
                self.work.push(if dh {
                    ChipOp::DhModExp { bits }
                } else {
                    ChipOp::EcMul { bits }
                });
            }
        }
        let dh = self
            .profile
            .chip_authentication
            .as_ref()
            .is_some_and(|c| c.parameter_id <= 2);
        let compressed = key.map(|key| {
            if dh {
                emrtd_eac::ta::EphemeralKey::Dh(key)
            } else {
                emrtd_eac::ta::EphemeralKey::Ec(key)
            }
            .compressed()
        });
        let version2 = self.eac.as_ref().is_some_and(|e| e.is_version2());
        if let (Some(eac), Some(comp), true) = (self.eac.as_ref(), &compressed, version2) {
            // Chip Authentication v2 follows Terminal Authentication v2, with the key it named.
            if let Err(sw) = eac.check_ca_v2_key(comp) {
                return ResponseApdu::status(sw);
            }
        }
        let (resp, session) = ca.handle_with_rng(cmd, &mut *self.rng);
        if let (Some(eac), Some(_), Some(comp)) = (self.eac.as_mut(), &session, compressed) {
            if version2 {
                eac.chip_authenticated_v2();
            } else {
                eac.chip_authenticated(comp);
            }
        }
        self.next_sm = session;
        resp
    }

    /// Is this a Terminal Authentication command (under secure messaging, EAC chip)?
    fn is_ta_command(&self, cmd: &CommandApdu) -> bool {
        let Some(eac) = self.eac.as_ref() else {
            return false;
        };
        self.sm.is_some()
            && match cmd.ins {
                ins::MANAGE_SECURITY_ENVIRONMENT => cmd.p1 == 0x81 && matches!(cmd.p2, 0xB6 | 0xA4),
                INS_PSO => cmd.p2 == 0xBE,
                ins::GET_CHALLENGE => eac.wants_challenge(),
                ins::EXTERNAL_AUTHENTICATE => eac.wants_signature(),
                _ => false,
            }
    }

    /// Terminal Authentication commands (under the Chip Authentication session).
    fn ta_step(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let Some(eac) = self.eac.as_mut() else {
            return ResponseApdu::status(StatusWord::INS_NOT_SUPPORTED);
        };
        match (cmd.ins, cmd.p2) {
            (ins::MANAGE_SECURITY_ENVIRONMENT, 0xB6) => eac.set_dst(cmd),
            (ins::MANAGE_SECURITY_ENVIRONMENT, _) => eac.set_at(cmd),
            (INS_PSO, _) => eac.verify_certificate(cmd),
            (ins::GET_CHALLENGE, _) if cmd.le != Some(8) => {
                ResponseApdu::status(StatusWord::WRONG_LENGTH)
            }
            (ins::GET_CHALLENGE, _) => eac.get_challenge(&mut *self.rng),
            _ => eac.external_authenticate(cmd),
        }
    }

    /// The chip's current date for Terminal Authentication, if it offers it.
    pub fn eac_date(&self) -> Option<emrtd_eac::CvDate> {
        self.eac.as_ref().map(|e| e.current_date())
    }

    /// Active Authentication: sign the terminal's 8-byte challenge with the DG15 key.
    fn internal_authenticate(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let Some(key) = self.aa.as_ref() else {
            return ResponseApdu::status(StatusWord::INS_NOT_SUPPORTED);
        };
        if self.sm.is_none() {
            return ResponseApdu::status(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
        }
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return ResponseApdu::status(StatusWord::INCORRECT_P1P2);
        }
        if cmd.data.len() != 8 {
            return ResponseApdu::status(StatusWord::WRONG_DATA);
        }
        if let Some(op) = aa_work(&self.profile.active_authentication) {
            self.work.push(op);
        }
        let mut sig = match key.sign_challenge(&cmd.data, &mut self.rng) {
            Ok(sig) => sig,
            Err(_) => return ResponseApdu::status(StatusWord::UNKNOWN),
        };
        const PART: usize = 231;
        // A signature longer than a short response (RSA-3072: 384 bytes, RSA-4096: 512) asked
        // for with a short Le: the chip returns it in parts (61xx, GET RESPONSE), each small
        // enough to fit a short response once secure messaging has wrapped it.
        const SHORT_PART: usize = 223;
        let short_command = !cmd.is_extended();
        match self.profile.chip.aa_response.as_str() {
            "truncate" => {
                sig.truncate(PART);
                ResponseApdu::new(sig, StatusWord::OK)
            }
            _ if short_command && sig.len() > SHORT_LE_MAX => {
                self.pending_response = sig.split_off(SHORT_PART);
                let left = self.pending_response.len().min(255) as u8;
                ResponseApdu::new(sig, StatusWord::new(0x61, left))
            }
            "61xx" if sig.len() > PART => {
                self.pending_response = sig.split_off(PART);
                let left = self.pending_response.len().min(255) as u8;
                ResponseApdu::new(sig, StatusWord::new(0x61, left))
            }
            "6cxx" if cmd.le != Some(sig.len()) && sig.len() <= 256 => {
                ResponseApdu::status(StatusWord::new(0x6C, sig.len() as u8))
            }
            _ => ResponseApdu::new(sig, StatusWord::OK),
        }
    }

    /// GET RESPONSE: the next part of a response announced with 61xx.
    fn get_response(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if self.pending_response.is_empty() {
            return ResponseApdu::status(StatusWord(0x6985));
        }
        let want = cmd
            .le
            .unwrap_or(SHORT_LE_MAX)
            .min(if cmd.is_extended() { usize::MAX } else { 223 })
            .min(self.pending_response.len());
        let rest = self.pending_response.split_off(want);
        let part = std::mem::replace(&mut self.pending_response, rest);
        let sw = if self.pending_response.is_empty() {
            StatusWord::OK
        } else {
            StatusWord::new(0x61, self.pending_response.len().min(255) as u8)
        };
        ResponseApdu::new(part, sw)
    }

    fn pace_step(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if self.pace.is_none() {
            return ResponseApdu::status(StatusWord::INS_NOT_SUPPORTED);
        }
        if cmd.ins == ins::MANAGE_SECURITY_ENVIRONMENT {
            let has_key_reference =
                emrtd_tlv::parse_all(&cmd.data).is_ok_and(|dos| dos.iter().any(|d| d.tag == 0x84));
            match (
                self.profile.chip.pace_key_reference.as_str(),
                has_key_reference,
            ) {
                ("required", false) => return ResponseApdu::status(StatusWord::new(0x6A, 0x87)),
                ("refused", true) => return ResponseApdu::status(StatusWord::WRONG_DATA),
                _ => {}
            }
        }
        if self.sm.is_some() {
            // PACE is run before secure messaging; a new run ends the old session.
            self.sm = None;
        }
        let work = self.pace_work(cmd);
        self.work.extend(work);
        let Some(pace) = self.pace.as_mut() else {
            return ResponseApdu::status(StatusWord::INS_NOT_SUPPORTED);
        };
        if let Some(eac) = &self.eac {
            // Answered in 87/88 when MSE:Set AT carries a CHAT (TR-03110-3 §B.1.4).
            pace.set_certification_authority_references(eac.cars());
        }
        let resp = pace.handle(cmd);
        if let Some(session) = pace.take_session() {
            self.sm = Some(session);
            if let Some(eac) = &mut self.eac {
                match pace.summary() {
                    Some(s) => {
                        let comp = |key: &[u8]| match s.key_agreement {
                            emrtd_access::pace::KeyAgreement::Ecdh => {
                                emrtd_eac::ta::EphemeralKey::Ec(key.to_vec()).compressed()
                            }
                            emrtd_access::pace::KeyAgreement::Dh => {
                                emrtd_eac::ta::EphemeralKey::Dh(key.to_vec()).compressed()
                            }
                        };
                        let password = match (s.password, &self.profile.can) {
                            ("CAN", Some(can)) => {
                                crate::eac::StaticPassword::Can(can.as_bytes().to_vec())
                            }
                            _ => crate::eac::StaticPassword::Mrz,
                        };
                        // TR-03110-1 §3.5: after PACE-CAM, C is Comp of the terminal's PACE key.
                        let cam = (s.mapping == Mapping::ChipAuthentication)
                            .then(|| comp(&s.terminal_ephemeral_public_key));
                        eac.pace_established(
                            comp(&s.chip_ephemeral_public_key),
                            password,
                            cam,
                            s.chat.as_deref(),
                        );
                    }
                    None => eac.end_session(),
                }
            }
        }
        resp
    }

    fn external_authenticate(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let Some(bac) = self.bac.as_mut() else {
            return ResponseApdu::status(StatusWord::INS_NOT_SUPPORTED);
        };
        self.work.push(ChipOp::SymmetricAuthentication);
        let (resp, session) = bac.handle_external_authenticate(cmd, &mut *self.rng);
        let established = session.is_some();
        self.sm = session;
        if let Some(eac) = &mut self.eac {
            if established {
                eac.bac_established();
            } else {
                eac.end_session();
            }
        }
        resp
    }
}

impl Transport for VirtualChip {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self.until_tag_loss {
            Some(0) => {
                self.until_tag_loss = None;
                self.reset();
                return Err(TransportError::CardRemoved);
            }
            Some(n) => self.until_tag_loss = Some(n - 1),
            None => {}
        }
        Ok(self.process(apdu))
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        self.reset();
        Ok(())
    }

    fn supports_extended_length(&self) -> bool {
        self.profile.chip.extended_length
    }
}

/// The built-in drawn specimen portrait (see `profiles/make_face.py`).
pub const SPECIMEN_FACE: &[u8] = include_bytes!("../profiles/specimen-face.jpg");

/// INS of PERFORM SECURITY OPERATION (PSO:Verify Certificate).
const INS_PSO: u8 = 0x2A;

fn hex_bytes(text: &str, what: &str) -> Result<Vec<u8>, ProfileError> {
    hex::decode(text.split_whitespace().collect::<String>())
        .map_err(|e| ProfileError::Invalid(format!("{what}: {e}")))
}

/// The chip's Terminal Authentication from the profile; ID_PICC after BAC (and after PACE with
/// the static binding and the MRZ) is the document number with its check digit (the MRZ
/// information without the two dates).
fn eac_chip(
    cfg: &crate::profile::EacConfig,
    mrz_information: &str,
) -> Result<crate::eac::EacChip, ProfileError> {
    let cvca = emrtd_eac::CvCertificate::decode(&hex_bytes(&cfg.cvca, "eac.cvca")?)
        .map_err(|e| ProfileError::Invalid(format!("eac.cvca: {e}")))?;
    let parts: Vec<&str> = cfg.date.split('-').collect();
    let date = match parts.as_slice() {
        [y, m, d] => y
            .parse()
            .ok()
            .zip(m.parse().ok())
            .zip(d.parse().ok())
            .and_then(|((y, m), d)| emrtd_eac::CvDate::new(y, m, d).ok()),
        _ => None,
    }
    .ok_or_else(|| ProfileError::Invalid(format!("eac.date {:?}: use YYYY-MM-DD", cfg.date)))?;
    let end = mrz_information
        .len()
        .checked_sub(14)
        .ok_or_else(|| ProfileError::Invalid("MRZ information too short".into()))?;
    let document_number = match &cfg.id_document_number {
        Some(n) => n.as_bytes().to_vec(),
        None => mrz_information.as_bytes()[..end].to_vec(),
    };
    crate::eac::EacChip::new(
        cvca,
        date,
        document_number,
        cfg.static_binding,
        cfg.version >= 2,
    )
    .map_err(ProfileError::Invalid)
}

/// `efCVCA` of a TerminalAuthenticationInfo from `"FFFF"` or `"FFFF/SS"` (hex).
fn ta_info_file(spec: &str) -> Result<emrtd_lds::security_infos::FileId, ProfileError> {
    let bad = || {
        ProfileError::Invalid(format!(
            "eac.ta_info_ef_cvca = {spec:?}: use FFFF or FFFF/SS (hex file identifier, short file identifier)"
        ))
    };
    let (fid, sfid) = match spec.split_once('/') {
        Some((f, s)) => (f, Some(s)),
        None => (spec, None),
    };
    let fid = hex::decode(fid)
        .ok()
        .filter(|f| f.len() == 2)
        .ok_or_else(bad)?;
    let sfid = match sfid {
        Some(s) => Some(
            hex::decode(s)
                .ok()
                .filter(|s| s.len() == 1)
                .ok_or_else(bad)?,
        ),
        None => None,
    };
    Ok(emrtd_lds::security_infos::FileId { fid, sfid })
}

/// The terminal's ephemeral public key in a Chip Authentication command (MSE:Set KAT `91`,
/// or GENERAL AUTHENTICATE `7C { 80 }`).
/// The chip's signature for Active Authentication with the profile's key.
fn aa_work(kind: &str) -> Option<ChipOp> {
    let kind = kind.to_ascii_lowercase();
    if let Some(rest) = kind.strip_prefix("rsa-") {
        let bits = rest.split('-').next()?.parse().ok()?;
        return Some(ChipOp::RsaSign { bits });
    }
    let curve = kind.strip_prefix("ec-")?;
    let bits = curve
        .trim_start_matches("brainpool")
        .trim_start_matches('p')
        .get(..3)?
        .parse()
        .ok()?;
    Some(ChipOp::EcdsaSign { bits })
}

/// The name of a file the chip holds, as in profiles (`DG2`, `SOD`, `CardAccess`, …).
fn file_name(f: &ElementaryFile) -> String {
    match (f.location, f.fid) {
        (Location::MasterFile, 0x011C) => "CardAccess".into(),
        (Location::MasterFile, 0x011D) => "CardSecurity".into(),
        (Location::MasterFile, 0x2F01) => "ATR/INFO".into(),
        (Location::MasterFile, 0x2F00) => "DIR".into(),
        (Location::Lds1, 0x011E) => "COM".into(),
        (Location::Lds1, 0x011D) => "SOD".into(),
        (Location::Lds1, 0x011C) => "CVCA".into(),
        (Location::Lds1, fid @ 0x0101..=0x0110) => format!("DG{}", fid - 0x0100),
        (_, fid) => format!("{fid:04X}"),
    }
}

fn ca_terminal_key(cmd: &CommandApdu) -> Option<Vec<u8>> {
    let tag = if cmd.ins == ins::GENERAL_AUTHENTICATE {
        let outer = emrtd_tlv::parse_exact(&cmd.data).ok()?;
        if outer.tag != 0x7C {
            return None;
        }
        let inner = emrtd_tlv::parse_exact(outer.value).ok()?;
        (inner.tag == 0x80).then(|| inner.value.to_vec())
    } else {
        emrtd_tlv::parse_all(&cmd.data)
            .ok()?
            .into_iter()
            .find(|t| t.tag == 0x91)
            .map(|t| t.value.to_vec())
    };
    tag
}

fn build_dg2(face: &str) -> Result<Option<Vec<u8>>, ProfileError> {
    let image = match face {
        "none" => return Ok(None),
        "specimen" => SPECIMEN_FACE.to_vec(),
        path => std::fs::read(path).map_err(|source| ProfileError::Io {
            path: path.to_string(),
            source,
        })?,
    };
    let format = emrtd_lds::imaging::ImageFormat::detect(&image).ok_or_else(|| {
        ProfileError::Invalid(format!("face {face}: not a JPEG or JPEG 2000 image"))
    })?;
    let (width, height) = image_size(&image).unwrap_or((0, 0));
    let info = emrtd_lds::iso19794_5::FaceImageInfo {
        gender: 1,
        eye_colour: 2,
        hair_colour: 4,
        feature_mask: 0,
        expression: 1,
        pose_angle: [0; 3],
        pose_angle_uncertainty: [0; 3],
        feature_points: Vec::new(),
        face_image_type: 1,
        image_data_type: if format == emrtd_lds::imaging::ImageFormat::Jpeg {
            0
        } else {
            1
        },
        width,
        height,
        colour_space: 1,
        source_type: 2,
        device_type: 0,
        quality: 0,
        image,
    };
    let record = emrtd_lds::iso19794_5::FacialRecord { images: vec![info] };
    Ok(Some(emrtd_lds::dg2::Dg2::from_19794(record).encode()))
}

/// Width and height from a JPEG's SOF marker (0 when not found).
fn image_size(jpeg: &[u8]) -> Option<(u16, u16)> {
    let mut i = 2;
    while i + 9 < jpeg.len() {
        if jpeg[i] != 0xFF {
            return None;
        }
        let marker = jpeg[i + 1];
        let len = u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]) as usize;
        if (0xC0..=0xC3).contains(&marker) {
            let h = u16::from_be_bytes([jpeg[i + 5], jpeg[i + 6]]);
            let w = u16::from_be_bytes([jpeg[i + 7], jpeg[i + 8]]);
            return Some((w, h));
        }
        i += 2 + len;
    }
    None
}

/// Public keys of a DH group with a 2048-bit modulus do not fit a short APDU, and the protocols
/// cannot split them (PACE and CA already use command chaining between their steps), so a chip
/// offering such a group must accept extended-length APDUs. Refuse profiles that would build a
/// chip no reader can authenticate to.
fn require_extended_length(
    profile: &Profile,
    group: &emrtd_crypto::pk::Group,
    protocol: &str,
    parameter_id: u32,
) -> Result<(), ProfileError> {
    match group {
        emrtd_crypto::pk::Group::Dh(dh) if dh.size() > 200 && !profile.chip.extended_length => {
            Err(ProfileError::Invalid(format!(
                "{protocol} with parameter id {parameter_id} (DH, {} bits) sends public keys \
                 longer than a short APDU can carry: set `extended_length = true` in the [chip] \
                 table",
                dh.p_bits()
            )))
        }
        _ => Ok(()),
    }
}

/// A profile's cipher name (`3DES`, `AES-128`, …, any case, dash optional).
fn cipher_named(name: &str, protocol: &str) -> Result<Cipher, ProfileError> {
    match name.to_ascii_uppercase().as_str() {
        "3DES" => Ok(Cipher::Tdes),
        "AES-128" | "AES128" => Ok(Cipher::Aes128),
        "AES-192" | "AES192" => Ok(Cipher::Aes192),
        "AES-256" | "AES256" => Ok(Cipher::Aes256),
        other => Err(ProfileError::Invalid(format!(
            "{protocol} cipher {other:?}: use 3DES, AES-128, AES-192 or AES-256"
        ))),
    }
}

fn pace_params_of(p: &crate::profile::PaceConfig) -> Result<PaceParams, ProfileError> {
    let mapping = match p.mapping.to_ascii_uppercase().as_str() {
        "GM" => Mapping::Generic,
        "IM" => Mapping::Integrated,
        "CAM" => Mapping::ChipAuthentication,
        other => {
            return Err(ProfileError::Invalid(format!(
                "PACE mapping {other:?}: use GM, IM or CAM"
            )))
        }
    };
    let cipher = cipher_named(&p.cipher, "PACE")?;
    PaceParams::standardized(mapping, cipher, p.parameter_id)
        .map_err(|e| ProfileError::Invalid(format!("PACE {}: {e}", p.mapping)))
}

/// A fresh static key on the group: (private scalar bytes, encoded public key).
fn generate_key(
    group: &emrtd_crypto::pk::Group,
    rng: &mut dyn ChipRng,
) -> Result<(zeroize::Zeroizing<Vec<u8>>, Vec<u8>), ProfileError> {
    let len = group
        .order_size()
        .ok_or_else(|| ProfileError::Invalid("group without order".into()))?;
    // Clear the bits above the order's length so that most draws are below the order.
    let bits = match group {
        emrtd_crypto::pk::Group::Ec(c) => c.order_bits(),
        emrtd_crypto::pk::Group::Dh(_) => len * 8,
    };
    let mask = 0xFFu8 >> (len * 8).saturating_sub(bits).min(7);
    for _ in 0..64 {
        let mut secret = zeroize::Zeroizing::new(vec![0u8; len]);
        rng.fill_bytes(&mut secret);
        if let Some(first) = secret.first_mut() {
            *first &= mask;
        }
        if let Ok(sk) = group.private_key_from_bytes(&secret) {
            let public = group
                .public_key(&sk, &group.generator())
                .and_then(|pk| group.encode_public_key(&pk))
                .map_err(|e| ProfileError::Invalid(format!("key generation: {e}")))?;
            return Ok((secret, public));
        }
    }
    Err(ProfileError::Invalid("key generation failed".into()))
}

fn ca_chip(
    cfg: &crate::profile::CaConfig,
    version2: bool,
    rng: &mut dyn ChipRng,
) -> Result<emrtd_access::ca::CaChip, ProfileError> {
    use emrtd_lds::security_infos::{CaAlgorithm, CipherSuite, KeyAgreement};
    let group = emrtd_crypto::pk::Group::standardized(cfg.parameter_id)
        .map_err(|e| ProfileError::Invalid(format!("Chip Authentication parameters: {e}")))?;
    let cipher = match cipher_named(&cfg.cipher, "Chip Authentication")? {
        Cipher::Tdes => CipherSuite::Tdes,
        Cipher::Aes128 => CipherSuite::Aes128,
        Cipher::Aes192 => CipherSuite::Aes192,
        Cipher::Aes256 => CipherSuite::Aes256,
    };
    let key_agreement = if group.is_ec() {
        KeyAgreement::Ecdh
    } else {
        KeyAgreement::Dh
    };
    let algorithm = CaAlgorithm {
        key_agreement,
        cipher,
    };
    let info = if version2 {
        emrtd_access::ca::chip_authentication_info_v2(algorithm, cfg.key_id)
    } else {
        emrtd_access::ca::chip_authentication_info(algorithm, cfg.key_id)
    };
    emrtd_access::ca::CaChip::generate(group, &info, &mut &mut *rng)
        .map_err(|e| ProfileError::Invalid(format!("Chip Authentication key: {e}")))
}

/// INS of GET RESPONSE (ISO 7816-4 §11.4.3).
const GET_RESPONSE: u8 = 0xC0;

/// A `[chip]` key holding a status word as 4 hex digits.
fn status_key(key: &str, value: Option<&str>) -> Result<Option<StatusWord>, ProfileError> {
    let Some(hex) = value else {
        return Ok(None);
    };
    match u16::from_str_radix(hex, 16) {
        Ok(v) if hex.len() == 4 => Ok(Some(StatusWord(v))),
        _ => Err(ProfileError::Invalid(format!(
            "[chip] {key} = {hex:?}: give a status word as 4 hex digits"
        ))),
    }
}

/// The Active Authentication key of a profile's key type; `other`: a second key of the same
/// type (the one a clone or a wrong-key chip signs with), which DG15 never holds.
fn aa_key(name: &str, other: bool) -> Result<Option<emrtd_access::aa::AaChipKey>, ProfileError> {
    use emrtd_access::aa::AaChipKey;
    let der: &[u8] = match (name, other) {
        ("none", _) => return Ok(None),
        ("rsa-2048" | "rsa-2048-sha256", false) => include_bytes!("../pki/aa_rsa2048.pk8.der"),
        ("rsa-3072", false) => include_bytes!("../pki/aa_rsa3072.pk8.der"),
        ("rsa-4096", false) => include_bytes!("../pki/aa_rsa4096.pk8.der"),
        ("ec-p256", false) => include_bytes!("../pki/aa_ec_p256.pk8.der"),
        ("ec-brainpoolp256r1", false) => include_bytes!("../pki/aa_ec_brainpoolp256r1.pk8.der"),
        ("rsa-2048" | "rsa-2048-sha256", true) => include_bytes!("../pki/aa_other_rsa2048.pk8.der"),
        ("rsa-3072", true) => include_bytes!("../pki/aa_other_rsa3072.pk8.der"),
        ("rsa-4096", true) => include_bytes!("../pki/aa_other_rsa4096.pk8.der"),
        ("ec-p256", true) => include_bytes!("../pki/aa_other_ec_p256.pk8.der"),
        ("ec-brainpoolp256r1", true) => {
            include_bytes!("../pki/aa_other_ec_brainpoolp256r1.pk8.der")
        }
        (other, _) => {
            return Err(ProfileError::Invalid(format!(
                "active_authentication {other:?}: use none, rsa-2048, rsa-2048-sha256, rsa-3072, rsa-4096, ec-p256 or ec-brainpoolp256r1"
            )))
        }
    };
    let key = AaChipKey::from_pkcs8_der(der)
        .map_err(|e| ProfileError::Invalid(format!("Active Authentication key: {e}")))?;
    let key = if name != "rsa-2048" {
        key.with_hash(emrtd_crypto::sig::HashAlg::Sha256)
    } else {
        key
    };
    Ok(Some(key))
}
