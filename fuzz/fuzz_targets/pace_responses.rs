//! PACE on both sides with the ICAO 9303-11 worked examples' parameters and fixed secrets
//! (fixtures/vectors: G.1 ECDH-GM, G.2 DH-GM, H.1 ECDH-IM, H.2 DH-IM, I ECDH-CAM), so a run is
//! deterministic and the examples' own APDUs are valid seeds.
//!
//! Byte 0: bits 0-2 the example (mod 5); bit 7 the side:
//! * terminal — `PaceTerminal::process_response` on the chip answers given as chunks, until it
//!   finishes or fails; a finished run's session protects a command and unprotects a chunk, and
//!   for CAM the chip key is checked against the next chunk;
//! * chip — `PaceChip::handle` on arbitrary command APDUs (chunks).
//! Asserts only "no panic".
#![no_main]

use emrtd_access::pace::{
    ChipSecrets, PaceChip, PaceParams, PacePassword, PaceTerminal, Step, TerminalSecrets,
};
use emrtd_apdu::{CommandApdu, ResponseApdu};
use emrtd_fuzz::Input;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::OnceLock;

const EXAMPLES: [&str; 5] = [
    include_str!("../../fixtures/vectors/icao9303-11_appG1_pace_ecdh_gm.json"),
    include_str!("../../fixtures/vectors/icao9303-11_appG2_pace_dh_gm.json"),
    include_str!("../../fixtures/vectors/icao9303-11_appH1_pace_ecdh_im.json"),
    include_str!("../../fixtures/vectors/icao9303-11_appH2_pace_dh_im.json"),
    include_str!("../../fixtures/vectors/icao9303-11_appI_pace_cam.json"),
];

struct Example {
    params: PaceParams,
    password: PacePassword,
    terminal: TerminalSecrets,
    chip: ChipSecrets,
    cam_key: Option<Vec<u8>>,
}

fn hex_at(v: &Value, path: &[&str]) -> Vec<u8> {
    let mut cur = v;
    for p in path {
        cur = &cur[*p];
    }
    cur.as_str()
        .map(|s| hex::decode(s).expect("fixture hex"))
        .unwrap_or_default()
}

fn example(text: &str) -> Example {
    let v: Value = serde_json::from_str(text).expect("fixture JSON");
    let oid = emrtd_lds::sod::oid_to_string(&hex_at(&v, &["pace_oid"])).expect("fixture OID");
    let id = v["parameter_id"].as_i64();
    let params = PaceParams::from_oid(&oid, id)
        .expect("fixture PACE parameters")
        .send_parameter_id(false);
    let password = match v["password"]["mrz_information"].as_str() {
        Some(mrz) => PacePassword::Mrz(mrz.to_string()),
        None => PacePassword::Can(
            v["password"]["value_ascii"]
                .as_str()
                .expect("fixture password")
                .to_string(),
        ),
    };
    let terminal = TerminalSecrets {
        mapping_private_key: hex_at(&v, &["mapping", "terminal_private"]),
        agreement_private_key: hex_at(&v, &["key_agreement", "terminal_private"]),
        terminal_nonce: hex_at(&v, &["terminal_nonce_t"]),
    };
    let chip = ChipSecrets {
        nonce: hex_at(&v, &["nonce_s"]),
        mapping_private_key: hex_at(&v, &["mapping", "chip_private"]),
        agreement_private_key: hex_at(&v, &["key_agreement", "chip_private"]),
    };
    let cam_key = v["cam"]["chip_static_private_derived"]
        .as_str()
        .and_then(|s| hex::decode(s).ok());
    Example {
        params,
        password,
        terminal,
        chip,
        cam_key,
    }
}

fn examples() -> &'static [Example] {
    static E: OnceLock<Vec<Example>> = OnceLock::new();
    E.get_or_init(|| EXAMPLES.iter().map(|t| example(t)).collect())
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mode = input.byte();
    let ex = &examples()[usize::from(mode & 7) % EXAMPLES.len()];
    if mode & 0x80 != 0 {
        let mut chip = PaceChip::with_secrets(
            vec![ex.params.clone()],
            vec![ex.password.clone()],
            ex.chip.clone(),
        );
        if let Some(k) = &ex.cam_key {
            let _ = chip.set_cam_key(k);
        }
        while let Some(c) = input.chunk() {
            if let Ok(cmd) = CommandApdu::parse(c) {
                let resp = chip.handle(&cmd);
                let _ = resp.to_bytes();
                if let Some(sm) = chip.session_mut() {
                    let _ = sm.is_closed();
                }
            }
        }
        return;
    }
    let Ok(mut term) =
        PaceTerminal::with_secrets(ex.params.clone(), ex.password.clone(), ex.terminal.clone())
    else {
        return;
    };
    if term.start().is_err() {
        return;
    }
    while let Some(c) = input.chunk() {
        let Ok(resp) = ResponseApdu::parse(c) else {
            return;
        };
        match term.process_response(&resp) {
            Ok(Step::Send(cmd)) => {
                let _ = cmd.to_bytes();
            }
            Ok(Step::Done(mut outcome)) => {
                let probe = CommandApdu::new(0, 0xB0, 0x9E, 0).with_le(8);
                let _ = outcome.sm.protect(&probe);
                if let Some(c) = input.chunk() {
                    if let Ok(r) = ResponseApdu::parse(c) {
                        let _ = outcome.sm.unprotect(&r);
                    }
                }
                if outcome.cam.is_some() {
                    if let Some(point) = input.chunk() {
                        let _ = outcome.verify_chip_authentication(point);
                    }
                }
                return;
            }
            Err(_) => return,
        }
    }
});
