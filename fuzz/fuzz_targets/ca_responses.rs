//! Chip Authentication (version 1) on both sides.
//!
//! Byte 0 (mod 3) selects:
//! * 0 — hostile DG14: the first chunk is parsed as DG14, the reader picks the key
//!   (`ca::select`) and prepares CA with a fixed ephemeral key; then the answers to MSE:Set AT /
//!   GENERAL AUTHENTICATE (or MSE:Set KAT) are chunks;
//! * 1 — real DG14s from the gmrtd session traces (fixtures/vectors) with the traces' terminal
//!   keys (byte 1 picks the session); the answers are chunks;
//! * 2 — chip: `CaChip::handle` (brainpoolP256r1, AES-128) on arbitrary commands (chunks).
//!
//! A finished run's session protects the confirmation command and unprotects one more chunk,
//! which feeds `CaReport::confirm`. Asserts only "no panic".
#![no_main]

use emrtd_access::ca::{self, CaChip, CaTerminal};
use emrtd_apdu::{CommandApdu, ResponseApdu};
use emrtd_crypto::pk::Group;
use emrtd_fuzz::Input;
use emrtd_lds::security_infos::{CaAlgorithm, SecurityInfos};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::OnceLock;

/// A valid scalar for every standardized curve (and a valid DH exponent).
const EPHEMERAL: [u8; 20] = [
    0x5D, 0x8B, 0xB8, 0x7B, 0xD7, 0x4D, 0x98, 0x5A, 0x4B, 0x7D, 0x43, 0x25, 0xB9, 0xF7, 0xB9, 0x76,
    0xFE, 0x83, 0x51, 0x22,
];

struct Trace {
    dg14: Vec<u8>,
    ephemeral: Vec<u8>,
}

fn traces() -> &'static [Trace] {
    static T: OnceLock<Vec<Trace>> = OnceLock::new();
    T.get_or_init(|| {
        let v: Value = serde_json::from_str(include_str!(
            "../../fixtures/vectors/gmrtd_real_session_traces.json"
        ))
        .expect("fixture JSON");
        let sessions = v["sessions"].as_object().expect("sessions");
        sessions
            .values()
            .filter_map(|s| {
                let dg14 = hex::decode(s["dg14"].as_str()?).ok()?;
                let ephemeral =
                    hex::decode(s["terminal_ec_keypairs"][0]["private"].as_str()?).ok()?;
                Some(Trace { dg14, ephemeral })
            })
            .collect()
    })
}

fn run_terminal(mut term: CaTerminal, input: &mut Input<'_>) {
    let commands = term.commands();
    for cmd in &commands {
        let _ = cmd.to_bytes();
    }
    for _ in 1..commands.len() {
        let Some(c) = input.chunk() else { return };
        let Ok(resp) = ResponseApdu::parse(c) else {
            return;
        };
        if let Err(e) = term.check_intermediate(&resp) {
            let _ = term.failure_report(&e);
            return;
        }
    }
    let Some(c) = input.chunk() else { return };
    let Ok(resp) = ResponseApdu::parse(c) else {
        return;
    };
    match term.finish(&resp) {
        Ok((mut sm, mut report)) => {
            let _ = sm.protect(&ca::confirmation_command());
            let Some(c) = input.chunk() else { return };
            if let Ok(r) = ResponseApdu::parse(c) {
                report.confirm(&sm.unprotect(&r));
            }
        }
        Err(e) => {
            let _ = term.failure_report(&e);
        }
    }
}

fn chip() -> CaChip {
    let alg = CaAlgorithm::from_oid("0.4.0.127.0.7.2.2.3.2.2").expect("CA OID");
    let info = ca::chip_authentication_info(alg, Some(13));
    let group = Group::standardized(13).expect("brainpoolP256r1");
    CaChip::new(group, &EPHEMERAL, &info).expect("chip key")
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    match input.byte() % 3 {
        0 => {
            let Some(dg14) = input.chunk() else { return };
            let Ok(infos) = SecurityInfos::parse_dg14(dg14) else {
                return;
            };
            let Ok((info, key)) = ca::select(&infos) else {
                return;
            };
            if let Ok(term) = CaTerminal::with_ephemeral_private_key(info, key, &EPHEMERAL) {
                run_terminal(term, &mut input);
            }
        }
        1 => {
            let traces = traces();
            let t = &traces[usize::from(input.byte()) % traces.len()];
            let infos = SecurityInfos::parse_dg14(&t.dg14).expect("fixture DG14");
            let (info, key) = ca::select(&infos).expect("fixture CA key");
            if let Ok(term) = CaTerminal::with_ephemeral_private_key(info, key, &t.ephemeral) {
                run_terminal(term, &mut input);
            }
        }
        _ => {
            let mut chip = chip();
            while let Some(c) = input.chunk() {
                if let Ok(cmd) = CommandApdu::parse(c) {
                    let _ = chip.handles(&cmd);
                    let (resp, _sm) = chip.handle(&cmd);
                    let _ = resp.to_bytes();
                }
            }
        }
    }
});
