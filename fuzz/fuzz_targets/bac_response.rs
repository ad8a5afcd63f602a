//! Basic Access Control with the specimen's access keys.
//!
//! First byte selects the side and whether the chip's cryptogram is authentic:
//! * 0 — terminal, raw: the GET CHALLENGE and EXTERNAL AUTHENTICATE responses are chunks;
//! * 1 — terminal, sealed: the challenge is 8 input bytes; the EXTERNAL AUTHENTICATE answer is
//!   32 input bytes encrypted and MACed with the right keys (so the MAC passes and the nonce
//!   checks run); flag bits make it echo the true nonces. With both echoes the terminal must
//!   succeed, and its session must talk to the chip's;
//! * 2 — chip, raw: arbitrary EXTERNAL AUTHENTICATE commands (chunks), each after a GET
//!   CHALLENGE when the chunk's first byte is even;
//! * 3 — chip, sealed: the terminal's cryptogram is 32 input bytes sealed with the right keys.
#![no_main]

use emrtd_access::bac::{BacChip, BacKeys, BacTerminal};
use emrtd_apdu::{ins, CommandApdu, ResponseApdu, StatusWord};
use emrtd_crypto::sym;
use emrtd_fuzz::{Input, SPECIMEN_MRZ_FIELDS};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn keys() -> BacKeys {
    static KEYS: OnceLock<BacKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let (doc, dob, doe) = SPECIMEN_MRZ_FIELDS;
        BacKeys::from_mrz(doc, dob, doe).expect("specimen MRZ fields are valid")
    })
    .clone()
}

/// `E || MAC(E)` for a 32-byte plaintext, as both sides of BAC send it.
fn seal(keys: &BacKeys, plain: &[u8; 32]) -> Vec<u8> {
    let e = sym::tdes_cbc_encrypt(keys.k_enc(), &[0; 8], plain).expect("32 bytes encrypt");
    let m = sym::retail_mac(keys.k_mac(), &sym::pad(&e, 8)).expect("padded data MACs");
    [e, m.to_vec()].concat()
}

fn ext_auth(data: Vec<u8>) -> CommandApdu {
    CommandApdu::new(0, ins::EXTERNAL_AUTHENTICATE, 0, 0)
        .with_data(data)
        .with_le(40)
}

const RND_IFD: [u8; 8] = [0x78, 0x17, 0x23, 0x86, 0x0C, 0x06, 0xC2, 0x26];
const K_IFD: [u8; 16] = [0x0B; 16];
const RND_IC: [u8; 8] = [0x46, 0x08, 0xF9, 0x19, 0x88, 0x70, 0x22, 0x12];
const K_IC: [u8; 16] = [0x0C; 16];

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mode = input.byte();
    match mode & 3 {
        0 => {
            let mut term = BacTerminal::new(keys());
            let _ = term.get_challenge_command().to_bytes();
            let Some(c) = input.chunk() else { return };
            let Ok(challenge) = ResponseApdu::parse(c) else {
                return;
            };
            if term
                .external_authenticate_command_with(&challenge, RND_IFD, K_IFD)
                .is_err()
            {
                return;
            }
            let Some(r) = input.chunk() else { return };
            if let Ok(resp) = ResponseApdu::parse(r) {
                let _ = term.finish(&resp);
            }
        }
        1 => {
            let keys = keys();
            let mut term = BacTerminal::new(keys.clone());
            let rnd_ic: [u8; 8] = input.array();
            let challenge = ResponseApdu::new(rnd_ic.to_vec(), StatusWord::OK);
            let cmd = term
                .external_authenticate_command_with(&challenge, RND_IFD, K_IFD)
                .expect("an 8-byte challenge is accepted");
            let mut plain: [u8; 32] = input.array();
            let echo_ic = mode & 0x10 != 0;
            let echo_ifd = mode & 0x20 != 0;
            if echo_ic {
                plain[..8].copy_from_slice(&rnd_ic);
            }
            if echo_ifd {
                plain[8..16].copy_from_slice(&RND_IFD);
            }
            let sw = if mode & 0x40 != 0 {
                StatusWord(input.u16())
            } else {
                StatusWord::OK
            };
            let resp = ResponseApdu::new(seal(&keys, &plain), sw);
            let result = term.finish(&resp);
            if echo_ic && echo_ifd && sw == StatusWord::OK {
                let mut sm = result.expect("an authentic answer echoing both nonces is accepted");
                // The chip side of the same run must derive the same session.
                let mut chip = BacChip::new(keys);
                chip.handle_get_challenge_with(rnd_ic);
                let k_ic: [u8; 16] = plain[16..].try_into().expect("16 bytes");
                let (answer, chip_sm) = chip.handle_external_authenticate_with(&cmd, k_ic);
                assert_eq!(
                    answer.sw,
                    StatusWord::OK,
                    "chip refused the terminal's cryptogram"
                );
                let mut chip_sm = chip_sm.expect("chip session");
                let probe = CommandApdu::new(0, ins::SELECT, 2, 0x0C).with_data(vec![1, 0x1E]);
                let protected = sm.protect(&probe).expect("protect");
                let plain_cmd = chip_sm
                    .unprotect_command(&protected)
                    .expect("sessions of both sides agree");
                assert_eq!(plain_cmd.data, probe.data);
            }
        }
        2 => {
            let mut chip = BacChip::new(keys());
            while let Some(c) = input.chunk() {
                if c.first().is_some_and(|b| b & 1 == 0) {
                    chip.handle_get_challenge_with(RND_IC);
                }
                if let Ok(cmd) = CommandApdu::parse(c) {
                    let _ = chip.handle_external_authenticate_with(&cmd, K_IC);
                }
            }
        }
        _ => {
            let keys = keys();
            let mut chip = BacChip::new(keys.clone());
            if mode & 0x08 == 0 {
                chip.handle_get_challenge_with(RND_IC);
            }
            let mut plain: [u8; 32] = input.array();
            if mode & 0x10 != 0 {
                plain[8..16].copy_from_slice(&RND_IC);
            }
            let mut cmd = ext_auth(seal(&keys, &plain));
            if mode & 0x20 != 0 {
                cmd.p1 = input.byte();
                cmd.p2 = input.byte();
            }
            let (resp, sm) = chip.handle_external_authenticate_with(&cmd, K_IC);
            assert_eq!(resp.sw == StatusWord::OK, sm.is_some());
            if mode & 0x18 == 0x10 && mode & 0x20 == 0 {
                assert!(sm.is_some(), "chip refused an authentic cryptogram");
            }
        }
    }
});
