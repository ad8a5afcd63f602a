//! Secure messaging with fixed session keys (3DES and AES-128/192/256) and a fuzz-chosen SSC.
//!
//! First byte: bits 0-1 cipher (3DES, AES-128, AES-192, AES-256), bits 2-3 mode:
//! * 0 — terminal `unprotect` of arbitrary response APDUs (one per chunk);
//! * 1 — chip `unprotect_command` of arbitrary command APDUs, each answered with
//!   `protect_response`;
//! * 2, 3 — authentic round trip: plain commands/responses from the input are protected by one
//!   side and must come out unchanged on the other (terminal `protect` → chip
//!   `unprotect_command`, chip `protect_response` → terminal `unprotect`).
//!
//! Then 16 bytes of SSC (only the first block-size bytes are used), then chunks.
#![no_main]

use emrtd_apdu::{CommandApdu, ResponseApdu, StatusWord};
use emrtd_crypto::sym::Cipher;
use emrtd_fuzz::Input;
use emrtd_sm::SecureMessaging;
use libfuzzer_sys::fuzz_target;

const K_ENC: [u8; 32] = [0x11; 32];
const K_MAC: [u8; 32] = [0x22; 32];

fn session(cipher: Cipher, ssc: &[u8]) -> SecureMessaging {
    let n = cipher.key_len();
    SecureMessaging::new(
        cipher,
        &K_ENC[..n],
        &K_MAC[..n],
        &ssc[..cipher.block_size()],
    )
    .expect("valid fixed keys")
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mode = input.byte();
    let cipher = match mode & 3 {
        0 => Cipher::Tdes,
        1 => Cipher::Aes128,
        2 => Cipher::Aes192,
        _ => Cipher::Aes256,
    };
    let ssc: [u8; 16] = input.array();
    let mut sm = session(cipher, &ssc);
    match (mode >> 2) & 3 {
        0 => {
            while let Some(chunk) = input.chunk() {
                if let Ok(resp) = ResponseApdu::parse(chunk) {
                    let _ = sm.unprotect(&resp);
                }
            }
        }
        1 => {
            while let Some(chunk) = input.chunk() {
                if let Ok(cmd) = CommandApdu::parse(chunk) {
                    if let Ok(plain) = sm.unprotect_command(&cmd) {
                        let _ = plain.to_bytes();
                        let _ = sm.protect_response(&ResponseApdu::new(plain.data, StatusWord::OK));
                    }
                }
            }
        }
        _ => {
            let mut chip = session(cipher, &ssc);
            while let Some(chunk) = input.chunk() {
                let Ok(cmd) = CommandApdu::parse(chunk) else {
                    continue;
                };
                let Ok(protected) = sm.protect(&cmd) else {
                    // A command that cannot be protected (too long) must not change the SSC.
                    continue;
                };
                let bytes = protected.to_bytes().expect("protected command encodes");
                let received = CommandApdu::parse(&bytes).expect("protected command parses");
                let plain = chip
                    .unprotect_command(&received)
                    .expect("chip accepts an authentic command");
                assert_eq!(plain.ins, cmd.ins);
                assert_eq!((plain.p1, plain.p2), (cmd.p1, cmd.p2));
                assert_eq!(plain.cla, cmd.cla & !0x0C);
                assert_eq!(plain.data, cmd.data, "command data changed under SM");
                assert_eq!(plain.le, cmd.le, "Le changed under SM");
                let Some(rchunk) = input.chunk() else {
                    break;
                };
                let Ok(resp) = ResponseApdu::parse(rchunk) else {
                    break;
                };
                let wrapped = chip
                    .protect_response(&resp)
                    .expect("chip protects a response");
                let back = sm
                    .unprotect(&ResponseApdu::parse(&wrapped.to_bytes()).expect("parses"))
                    .expect("terminal accepts an authentic response");
                assert_eq!(back, resp, "response changed under SM");
            }
        }
    }
});
