//! The virtual chip (`emrtd_sim::VirtualChip::process`) on arbitrary APDU sequences.
//!
//! First byte: bit 0 picks the profile (`norway-passport` with BAC, or `norway-id` with PACE);
//! bit 1 picks the mode:
//! * raw — every chunk is sent to the chip as a command APDU (a chunk of length 0 resets the
//!   chip, as if the card left the field);
//! * authenticated — the harness first opens secure messaging (BAC with the right MRZ; BAC is
//!   switched on for the ID card profile too, since PACE is too slow per run), then every chunk is a *plain* command APDU that is protected before it is sent,
//!   so the chip's file handling runs on hostile but authentic commands. A chunk starting with
//!   `FF` is sent unprotected instead (it ends the session, as on a real chip).
#![no_main]

use emrtd_apdu::{CommandApdu, ResponseApdu};
use emrtd_fuzz::{open_sim_session, sim_chip, sim_profile, Input};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mode = input.byte();
    let id_card = mode & 1 != 0;
    let authenticated = mode & 2 != 0;
    let mut chip = sim_chip(sim_profile(id_card, authenticated), u64::from(mode));
    if !authenticated {
        while let Some(apdu) = input.chunk() {
            if apdu.is_empty() {
                chip.reset();
                continue;
            }
            let resp = chip.process(apdu);
            assert!(resp.len() >= 2, "the chip answered without a status word");
        }
        return;
    }
    let Some(mut sm) = open_sim_session(&mut chip, 7) else {
        panic!("cannot open secure messaging with the virtual chip");
    };
    while let Some(chunk) = input.chunk() {
        if chunk.first() == Some(&0xFF) {
            let resp = chip.process(&chunk[1..]);
            assert!(resp.len() >= 2, "the chip answered without a status word");
            continue;
        }
        let Ok(cmd) = CommandApdu::parse(chunk) else {
            continue;
        };
        let Ok(protected) = sm.protect(&cmd) else {
            continue;
        };
        let Ok(bytes) = protected.to_bytes() else {
            continue;
        };
        let raw = chip.process(&bytes);
        if let Ok(resp) = ResponseApdu::parse(&raw) {
            let _ = sm.unprotect(&resp);
        }
    }
});
