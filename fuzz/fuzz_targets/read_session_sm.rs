//! The reader inside an established secure messaging session.
//!
//! Byte 0: bit 0 picks the mode, bit 1 the reading API (`read_document`, or engine steps over a `Channel` with a
//! deterministic random source reading EF.COM, DG1, DG2, EF.SOD and one more file id taken
//! from byte 1), bit 2 lets the transport reconnect after a card loss.
//!
//! * Tamper mode: the reader runs BAC against the real virtual chip (`norway-passport`). Once
//!   the chip has a session, each chip answer is changed as the next input bytes say:
//!   op byte % 8 = 0-2 pass, 3 flip one bit (u16 position), 4 truncate (u16 length), 5
//!   replace with a chunk, 6 append a chunk, 7 lose the card (the chip is reset on reconnect).
//!   When the input is used up the chip's answers pass unchanged.
//! * Hostile chip: a fake chip runs the real chip side of BAC (so the session is genuine) and
//!   then answers every protected command with a *plaintext* response (data + status word)
//!   taken from the next chunk, protected with the genuine session keys: the reader must cope
//!   with authentic but malicious file contents, lengths and status words. Plain commands
//!   before BAC (EF.CardAccess, EF.ATR/INFO) are answered `6A82`.
#![no_main]

use emrtd_access::bac::{BacChip, BacKeys};
use emrtd_apdu::{ins, CommandApdu, ResponseApdu, StatusWord, Transport, TransportError};
use emrtd_fuzz::{sim_chip, sim_profile, FuzzRng, Input, SPECIMEN_MRZ_FIELDS};
use emrtd_reader::engine::MAX_FILE_SIZE;
use emrtd_reader::{
    read_blocking, read_document, AccessKey, EfId, Engine, EngineConfig, FixedClock, ReadOptions,
};
use emrtd_sim::VirtualChip;
use emrtd_sm::SecureMessaging;
use libfuzzer_sys::fuzz_target;

struct Tamper<'a> {
    chip: VirtualChip,
    input: Input<'a>,
    reconnects: bool,
}

impl Transport for Tamper<'_> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let session_up = self.chip.has_secure_messaging();
        let mut resp = self.chip.process(apdu);
        if !session_up || self.input.is_empty() {
            return Ok(resp);
        }
        match self.input.byte() % 8 {
            3 if !resp.is_empty() => {
                let pos = usize::from(self.input.u16()) % (resp.len() * 8);
                resp[pos / 8] ^= 1 << (pos % 8);
            }
            4 => resp.truncate(usize::from(self.input.u16()) % (resp.len() + 1)),
            5 => resp = self.input.chunk().unwrap_or_default().to_vec(),
            6 => resp.extend_from_slice(self.input.chunk().unwrap_or_default()),
            7 => return Err(TransportError::CardRemoved),
            _ => {}
        }
        Ok(resp)
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        if self.reconnects {
            self.chip.reset();
            Ok(())
        } else {
            Err(TransportError::CardRemoved)
        }
    }
}

const RND_IC: [u8; 8] = [0x46, 0x08, 0xF9, 0x19, 0x88, 0x70, 0x22, 0x12];
const K_IC: [u8; 16] = [0x0B; 16];

struct HostileChip<'a> {
    bac: BacChip,
    sm: Option<SecureMessaging>,
    input: Input<'a>,
    reconnects: bool,
}

impl HostileChip<'_> {
    fn answer(&mut self, apdu: &[u8]) -> Result<ResponseApdu, TransportError> {
        let Ok(cmd) = CommandApdu::parse(apdu) else {
            return Ok(ResponseApdu::status(StatusWord::WRONG_LENGTH));
        };
        if let Some(sm) = self.sm.as_mut() {
            let Ok(_plain) = sm.unprotect_command(&cmd) else {
                self.sm = None;
                return Ok(ResponseApdu::status(StatusWord::SM_DATA_INCORRECT));
            };
            let chunk = self.input.chunk().ok_or(TransportError::CardRemoved)?;
            let plain_resp = ResponseApdu::parse(chunk)
                .unwrap_or_else(|_| ResponseApdu::status(StatusWord::UNKNOWN));
            return sm
                .protect_response(&plain_resp)
                .map_err(|e| TransportError::Other(e.to_string()));
        }
        Ok(match cmd.ins {
            ins::GET_CHALLENGE => self.bac.handle_get_challenge_with(RND_IC),
            ins::EXTERNAL_AUTHENTICATE => {
                let (resp, sm) = self.bac.handle_external_authenticate_with(&cmd, K_IC);
                self.sm = sm;
                resp
            }
            _ => ResponseApdu::status(StatusWord::FILE_NOT_FOUND),
        })
    }
}

impl Transport for HostileChip<'_> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.answer(apdu).map(|r| r.to_bytes())
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        if self.reconnects && !self.input.is_empty() {
            self.sm = None;
            self.bac.reset();
            Ok(())
        } else {
            Err(TransportError::CardRemoved)
        }
    }
}

fn read<T: Transport>(mut transport: T, use_session: bool, extra: EfId) {
    let (doc, dob, doe) = SPECIMEN_MRZ_FIELDS;
    let key = AccessKey::from_mrz_fields(doc, dob, doe).expect("specimen key");
    if !use_session {
        let _ = read_document(transport, &key, &ReadOptions::default());
        return;
    }
    let config = EngineConfig::new(key, ReadOptions::default())
        .link_extended_length(transport.may_support_extended_length());
    let engine = Engine::with_procedure(
        config,
        FuzzRng::new(3),
        FixedClock(0),
        move |mut ch| async move {
            ch.open().await?;
            for ef in [EfId::Com, EfId::Dg(1), EfId::Dg(2), EfId::Sod, extra] {
                if let Ok(bytes) = ch.read_file(ef).await {
                    assert!(bytes.len() <= MAX_FILE_SIZE);
                }
            }
            Ok(())
        },
    );
    let _ = read_blocking(&mut transport, engine, &mut |_| {});
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let flags = input.byte();
    let extra = match input.byte() % 18 {
        0 => EfId::CardSecurity,
        1 => EfId::AtrInfo,
        n => EfId::Dg(n - 1),
    };
    let use_session = flags & 2 != 0;
    let reconnects = flags & 4 != 0;
    if flags & 1 == 0 {
        let chip = sim_chip(sim_profile(false, true), 5);
        read(
            Tamper {
                chip,
                input,
                reconnects,
            },
            use_session,
            extra,
        );
    } else {
        let (doc, dob, doe) = SPECIMEN_MRZ_FIELDS;
        let keys = BacKeys::from_mrz(doc, dob, doe).expect("specimen key");
        read(
            HostileChip {
                bac: BacChip::new(keys),
                sm: None,
                input,
                reconnects,
            },
            use_session,
            extra,
        );
    }
});
