//! The chip side of Extended Access Control: Terminal Authentication v1 (TR-03110-1 §3.5,
//! TR-03110-3 §B.3) after BAC or PACE and Chip Authentication (or PACE-CAM), or version 2
//! (TR-03110-2/-3) after PACE and before Chip Authentication version 2, with the chip-side
//! functions of `emrtd-eac`. The rights it grants are bound to the secure messaging session of
//! the authenticated ephemeral key: in version 2 they hold only once Chip Authentication v2
//! with the key Terminal Authentication named has passed.
//!
//! ID_PICC, the chip's identity in the data the terminal signs, is the document number with its
//! check digit after BAC and Comp of the chip's ephemeral PACE key after PACE (dynamic binding),
//! or, for a profile with `static_binding`, the document number (PACE with the MRZ) or the CAN
//! (PACE with the CAN), as some older documents do.

use emrtd_apdu::{CommandApdu, ResponseApdu, StatusWord};
use emrtd_eac::chain::{ChainVerifier, TrustPoint, VerifiedChain};
use emrtd_eac::ta::{self, IdPicc, ReceivedSetAt};
use emrtd_eac::{Chat, CvCertificate, CvDate, IsRight, IsRights};
use rand_core::RngCore;

/// The PACE password, for ID_PICC with the static binding.
pub(crate) enum StaticPassword {
    Mrz,
    Can(Vec<u8>),
}

/// `6A88`: referenced data not found.
const REFERENCE_NOT_FOUND: StatusWord = StatusWord(0x6A88);

/// Terminal Authentication as the chip runs it.
pub(crate) struct EacChip {
    trust: Vec<TrustPoint>,
    date: CvDate,
    /// The document number with its check digit (ID_PICC after BAC).
    document_number: Vec<u8>,
    /// ID_PICC after PACE is the password's (document number or CAN), not the PACE key.
    static_binding: bool,
    /// ID_PICC of this session (set by BAC or PACE).
    id_picc: Option<IdPicc>,
    /// Comp(PK_PCD) of the Chip Authentication (or PACE-CAM) of this session: the newest.
    ca_ephemeral: Option<Vec<u8>>,
    /// Terminal Authentication passed in this session: not accepted a second time
    /// (TR-03110-1 §3.5.2).
    authenticated: bool,
    verifier: Option<ChainVerifier>,
    set_at: Option<(ReceivedSetAt, VerifiedChain)>,
    challenge: Option<[u8; 8]>,
    granted: IsRights,
    /// Command chaining buffer of PSO:Verify Certificate.
    chained: Vec<u8>,
    /// Terminal Authentication version 2 (after PACE, before Chip Authentication v2).
    version2: bool,
    /// The session was opened with PACE (version 2 needs it).
    pace_session: bool,
    /// Version 2: Comp(PK_PCD) named by the Terminal Authentication that passed, and the
    /// rights it grants once Chip Authentication v2 with that key has passed.
    ta_v2_pending: Option<(Vec<u8>, IsRights)>,
    /// The CHAT PACE's MSE:Set AT carried (the confined authorization, TR-03110-3 §2.7.1):
    /// version 2 needs it and ANDs it with the chain's rights.
    confined: Option<Chat>,
}

impl EacChip {
    pub(crate) fn new(
        cvca: CvCertificate,
        date: CvDate,
        document_number: Vec<u8>,
        static_binding: bool,
        version2: bool,
    ) -> Result<EacChip, String> {
        let trust = TrustPoint::new(cvca).map_err(|e| format!("EAC trust point: {e}"))?;
        Ok(EacChip::with_trust(
            vec![trust],
            date,
            document_number,
            static_binding,
            version2,
        ))
    }

    /// A chip trusting `trust`, before any session.
    fn with_trust(
        trust: Vec<TrustPoint>,
        date: CvDate,
        document_number: Vec<u8>,
        static_binding: bool,
        version2: bool,
    ) -> EacChip {
        EacChip {
            trust,
            date,
            document_number,
            static_binding,
            id_picc: None,
            ca_ephemeral: None,
            authenticated: false,
            verifier: None,
            set_at: None,
            challenge: None,
            granted: IsRights::default(),
            chained: Vec::new(),
            version2,
            pace_session: false,
            ta_v2_pending: None,
            confined: None,
        }
    }

    /// The CARs of the trust points, most recent first (PACE with a CHAT answers them).
    pub(crate) fn cars(&self) -> Vec<Vec<u8>> {
        self.trust
            .iter()
            .rev()
            .map(|t| t.chr().to_string().into_bytes())
            .collect()
    }

    /// A new secure messaging session (access control, a reset): nothing granted.
    pub(crate) fn end_session(&mut self) {
        self.id_picc = None;
        self.ca_ephemeral = None;
        self.pace_session = false;
        self.confined = None;
        self.reset_terminal_authentication();
    }

    /// Forget the certificates, challenge and rights of this session's Terminal Authentication.
    fn reset_terminal_authentication(&mut self) {
        self.verifier = None;
        self.set_at = None;
        self.challenge = None;
        self.granted = IsRights::default();
        self.authenticated = false;
        self.chained.clear();
        self.ta_v2_pending = None;
    }

    /// BAC established a session: ID_PICC is the document number with its check digit.
    pub(crate) fn bac_established(&mut self) {
        self.end_session();
        self.id_picc = Some(IdPicc::DocumentNumber(self.document_number.clone()));
    }

    /// PACE established a session. `chip_key`: Comp of the chip's ephemeral PACE key (ID_PICC,
    /// dynamic binding); `password`: the PACE password (ID_PICC, static binding: the document
    /// number for the MRZ, the CAN); `cam_terminal_key`: Comp of the terminal's ephemeral PACE
    /// key after PACE-CAM (Terminal Authentication then needs no Chip Authentication);
    /// `chat`: the CHAT of PACE's MSE:Set AT (whole `7F4C` object), if any — one that does not
    /// decode counts as none.
    pub(crate) fn pace_established(
        &mut self,
        chip_key: Vec<u8>,
        password: StaticPassword,
        cam_terminal_key: Option<Vec<u8>>,
        chat: Option<&[u8]>,
    ) {
        self.end_session();
        self.id_picc = Some(match (self.static_binding, password) {
            (false, _) => IdPicc::PaceEphemeral(chip_key),
            (true, StaticPassword::Mrz) => IdPicc::DocumentNumber(self.document_number.clone()),
            (true, StaticPassword::Can(can)) => IdPicc::Can(can),
        });
        self.ca_ephemeral = cam_terminal_key;
        self.pace_session = true;
        self.confined = chat
            .and_then(|c| emrtd_tlv::expect_tag(c, 0x7F4C).ok())
            .and_then(|(t, _)| Chat::decode_value(t.value).ok());
    }

    /// Terminal Authentication version 2 is this chip's.
    pub(crate) fn is_version2(&self) -> bool {
        self.version2
    }

    /// Version 2: may Chip Authentication v2 run with the terminal's key `comp` (compressed)?
    /// `Err(6985)` before Terminal Authentication v2, `Err(6A80)` for another key than the one
    /// it named.
    pub(crate) fn check_ca_v2_key(&self, comp: &[u8]) -> Result<(), StatusWord> {
        match &self.ta_v2_pending {
            None => Err(StatusWord::CONDITIONS_NOT_SATISFIED),
            Some((named, _)) if named.as_slice() != comp => Err(StatusWord::WRONG_DATA),
            Some(_) => Ok(()),
        }
    }

    /// Version 2: Chip Authentication v2 passed with the key Terminal Authentication named; the
    /// rights hold in the new session.
    pub(crate) fn chip_authenticated_v2(&mut self) {
        if let Some((_, rights)) = self.ta_v2_pending.take() {
            self.granted = rights;
        }
    }

    /// Chip Authentication passed with the terminal's ephemeral key `comp` (compressed): the
    /// session restarts with its keys, Terminal Authentication binds to this key (the newest).
    pub(crate) fn chip_authenticated(&mut self, comp: Vec<u8>) {
        self.reset_terminal_authentication();
        self.ca_ephemeral = Some(comp);
    }

    /// May data group `dg` be read in this session?
    pub(crate) fn allows(&self, dg: u8) -> bool {
        IsRight::for_data_group(dg).is_some_and(|r| self.granted.contains(r))
    }

    /// A challenge was asked for Terminal Authentication (after MSE:Set AT).
    pub(crate) fn wants_challenge(&self) -> bool {
        self.set_at.is_some()
    }

    /// EXTERNAL AUTHENTICATE is Terminal Authentication's (a challenge is pending).
    pub(crate) fn wants_signature(&self) -> bool {
        self.challenge.is_some()
    }

    /// The chip's current date (moved forward by accepted certificates).
    pub(crate) fn current_date(&self) -> CvDate {
        self.date
    }

    pub(crate) fn set_dst(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        // Version 1 follows Chip Authentication (or PACE-CAM); version 2 follows PACE, and
        // PACE must have carried the CHAT (TR-03110-3 §B.14.1: REQUIRED when TA version 2
        // follows).
        let ready = if self.version2 {
            self.pace_session && self.confined.is_some()
        } else {
            self.ca_ephemeral.is_some()
        };
        if !ready || self.id_picc.is_none() || self.authenticated {
            return ResponseApdu::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        let car = match ta::parse_set_dst(&cmd.data) {
            Ok(c) => c,
            Err(_) => return ResponseApdu::status(StatusWord::WRONG_DATA),
        };
        if self
            .verifier
            .as_ref()
            .is_some_and(|v| v.issuer_chr() == &car)
        {
            return ResponseApdu::status(StatusWord::OK);
        }
        match self.trust.iter().find(|t| t.chr() == &car) {
            Some(t) => {
                self.verifier = Some(ChainVerifier::new(t, self.date));
                ResponseApdu::status(StatusWord::OK)
            }
            None => {
                self.verifier = None;
                ResponseApdu::status(REFERENCE_NOT_FOUND)
            }
        }
    }

    pub(crate) fn verify_certificate(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if cmd.cla & 0x10 != 0 {
            if self.chained.len() + cmd.data.len() > 4096 {
                self.chained.clear();
                return ResponseApdu::status(StatusWord::WRONG_LENGTH);
            }
            self.chained.extend_from_slice(&cmd.data);
            return ResponseApdu::status(StatusWord::OK);
        }
        let mut data = std::mem::take(&mut self.chained);
        data.extend_from_slice(&cmd.data);
        let Some(verifier) = self.verifier.as_mut() else {
            return ResponseApdu::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        };
        let cert = match ta::parse_verify_certificate(&data) {
            Ok(c) => c,
            Err(_) => return ResponseApdu::status(StatusWord::WRONG_DATA),
        };
        match verifier.accept(&cert) {
            Ok(()) => ResponseApdu::status(StatusWord::OK),
            Err(_) => ResponseApdu::status(StatusWord(0x6300)),
        }
    }

    pub(crate) fn set_at(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        self.set_at = None;
        if self.authenticated {
            return ResponseApdu::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        let received = match ta::parse_set_at(&cmd.data) {
            Ok(r) => r,
            Err(_) => return ResponseApdu::status(StatusWord::WRONG_DATA),
        };
        // Version 2 needs Comp(PK_PCD) of the coming Chip Authentication (TR-03110-3 §B.3).
        if self.version2 && received.compressed_ephemeral.is_none() {
            return ResponseApdu::status(StatusWord::WRONG_DATA);
        }
        let Some(verified) = self.verifier.clone().and_then(|v| v.finish().ok()) else {
            return ResponseApdu::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        };
        if verified.terminal.chr() != &received.terminal_chr {
            return ResponseApdu::status(REFERENCE_NOT_FOUND);
        }
        self.set_at = Some((received, verified));
        ResponseApdu::status(StatusWord::OK)
    }

    pub(crate) fn get_challenge(&mut self, rng: &mut dyn RngCore) -> ResponseApdu {
        let mut r = [0u8; 8];
        rng.fill_bytes(&mut r);
        self.challenge = Some(r);
        ResponseApdu::new(r.to_vec(), StatusWord::OK)
    }

    pub(crate) fn external_authenticate(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let challenge = self.challenge.take();
        let set_at = self.set_at.take();
        let key = match (&set_at, self.version2) {
            // Version 2: the key MSE:Set AT named, which Chip Authentication v2 must then use.
            (Some((received, _)), true) => received.compressed_ephemeral.clone(),
            _ => self.ca_ephemeral.clone(),
        };
        let (Some(r), Some((received, verified)), Some(comp), Some(id)) =
            (challenge, set_at, key, self.id_picc.clone())
        else {
            return ResponseApdu::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        };
        // Version 2's MSE:Set AT names the ephemeral key; it must be this session's.
        if received
            .compressed_ephemeral
            .as_ref()
            .is_some_and(|c| c != &comp)
        {
            return ResponseApdu::status(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
        }
        match ta::verify_external_authenticate(
            &verified.terminal_key,
            &id,
            &r,
            &comp,
            received.aux.as_deref(),
            &cmd.data,
        ) {
            Ok(()) => {
                // Version 2: the rights are also confined by PACE's CHAT (TR-03110-3 §2.7.1);
                // another terminal type there resets them.
                let verified = match (&self.confined, self.version2) {
                    (Some(chat), true) => match verified.confine(chat) {
                        Ok(v) => v,
                        Err(_) => {
                            self.granted = IsRights::default();
                            return ResponseApdu::status(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
                        }
                    },
                    _ => verified,
                };
                let rights = verified.inspection_rights().unwrap_or_default();
                if self.version2 {
                    self.ta_v2_pending = Some((comp, rights));
                } else {
                    self.granted = rights;
                }
                self.authenticated = true;
                // TR-03110-3 §2.5: the current date moves forward with accepted certificates.
                if verified.current_date > self.date {
                    self.date = verified.current_date;
                }
                for link in verified.new_trust_points {
                    if let Ok(t) = TrustPoint::new(link) {
                        self.trust.push(t);
                    }
                }
                ResponseApdu::status(StatusWord::OK)
            }
            Err(_) => ResponseApdu::status(StatusWord::SECURITY_STATUS_NOT_SATISFIED),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chip(version2: bool) -> EacChip {
        EacChip::with_trust(
            Vec::new(),
            CvDate::new(2026, 12, 6).unwrap(),
            b"X12345678<9".to_vec(),
            false,
            version2,
        )
    }

    fn is_chat(rights: IsRights) -> Vec<u8> {
        Chat::inspection_system(emrtd_eac::Role::Terminal, rights).encode()
    }

    #[test]
    fn ca_v2_takes_only_the_key_ta_v2_named_and_grants_the_rights_then() {
        let mut c = chip(true);
        c.pace_established(
            vec![1; 32],
            StaticPassword::Mrz,
            None,
            Some(&is_chat(IsRights::DG3_DG4)),
        );
        assert_eq!(
            c.check_ca_v2_key(&[0xAA; 32]),
            Err(StatusWord::CONDITIONS_NOT_SATISFIED),
            "before Terminal Authentication v2"
        );
        // As a passed TA v2 leaves it: key A named, rights pending.
        c.authenticated = true;
        c.ta_v2_pending = Some((vec![0xAA; 32], IsRights::DG3_DG4));
        assert!(!c.allows(3), "no rights before Chip Authentication v2");
        assert_eq!(c.check_ca_v2_key(&[0xBB; 32]), Err(StatusWord::WRONG_DATA));
        assert_eq!(c.check_ca_v2_key(&[0xAA; 32]), Ok(()));
        c.chip_authenticated_v2();
        assert!(c.allows(3) && c.allows(4));
        // A new session forgets them.
        c.end_session();
        assert!(!c.allows(3));
    }

    #[test]
    fn version_1_needs_chip_authentication_before_mse_set_dst_version_2_only_pace() {
        let dst = CommandApdu::new(0x00, 0x22, 0x81, 0xB6)
            .with_data(emrtd_tlv::encode(0x83, b"NOCVCA00001"));
        let mut v1 = chip(false);
        v1.pace_established(
            vec![1; 32],
            StaticPassword::Mrz,
            None,
            Some(&is_chat(IsRights::DG3_DG4)),
        );
        assert_eq!(v1.set_dst(&dst).sw, StatusWord::CONDITIONS_NOT_SATISFIED);
        let mut v2 = chip(true);
        v2.pace_established(
            vec![1; 32],
            StaticPassword::Mrz,
            None,
            Some(&is_chat(IsRights::DG3_DG4)),
        );
        // Past the precondition: the CAR names no trust point of this test chip.
        assert_eq!(v2.set_dst(&dst).sw, REFERENCE_NOT_FOUND);
        v2.bac_established();
        assert_eq!(v2.set_dst(&dst).sw, StatusWord::CONDITIONS_NOT_SATISFIED);
    }

    #[test]
    fn version_2_refuses_terminal_authentication_when_pace_carried_no_chat() {
        let dst = CommandApdu::new(0x00, 0x22, 0x81, 0xB6)
            .with_data(emrtd_tlv::encode(0x83, b"NOCVCA00001"));
        let mut v2 = chip(true);
        v2.pace_established(vec![1; 32], StaticPassword::Mrz, None, None);
        assert_eq!(v2.set_dst(&dst).sw, StatusWord::CONDITIONS_NOT_SATISFIED);
        // A CHAT that does not decode counts as none.
        v2.pace_established(
            vec![1; 32],
            StaticPassword::Mrz,
            None,
            Some(&[0x7F, 0x4C, 0x01, 0x00]),
        );
        assert_eq!(v2.set_dst(&dst).sw, StatusWord::CONDITIONS_NOT_SATISFIED);
        // With the CHAT: past the precondition (the CAR names no trust point of this chip).
        v2.pace_established(
            vec![1; 32],
            StaticPassword::Mrz,
            None,
            Some(&is_chat(IsRights::DG3_DG4)),
        );
        assert_eq!(v2.set_dst(&dst).sw, REFERENCE_NOT_FOUND);
        // Version 1 does not need it.
        let mut v1 = chip(false);
        v1.pace_established(vec![1; 32], StaticPassword::Mrz, Some(vec![2; 32]), None);
        assert_eq!(v1.set_dst(&dst).sw, REFERENCE_NOT_FOUND);
    }
}
