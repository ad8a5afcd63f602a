//! Chip Authentication v1 against recorded real sessions (gmrtd traces of AT, DE, MY and FR
//! passports) and the BSI TR-03110 EAC worked example (key agreement and KDF of its CA part,
//! and its Chip Authentication version 2: nonce, session keys and token, byte for byte).

use emrtd_access::ca::{self, CaChip, CaCommandStyle, CaError, CaStatus, CaTerminal};
use emrtd_apdu::{CommandApdu, ResponseApdu, StatusWord};
use emrtd_crypto::sym::{Cipher, SymKey};
use emrtd_lds::security_infos::{ChipAuthenticationInfo, SecurityInfos};
use emrtd_sm::SecureMessaging;
use rand::SeedableRng;
use serde_json::Value;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/vectors/");
const SECURITY_INFOS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/security_infos/"
);

fn json(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{VECTORS}{name}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn h(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn sym(cipher: &Value, key: &[u8]) -> Cipher {
    match cipher.as_str().unwrap() {
        "TDES" => Cipher::Tdes,
        "AES" => Cipher::aes_for_key_len(key.len()).unwrap(),
        other => panic!("unknown cipher {other}"),
    }
}

fn session(state: &Value, ssc: &[u8]) -> SecureMessaging {
    let enc = h(&state["ks_enc"]);
    let mac = h(&state["ks_mac"]);
    SecureMessaging::new(sym(&state["cipher"], &enc), &enc, &mac, ssc).unwrap()
}

/// Replays one gmrtd Chip Authentication trace byte for byte: terminal ephemeral key, every
/// protected command, the derived keys, the confirmation SELECT under the new keys and the SSC.
fn replay(name: &str, style: Option<CaCommandStyle>) -> (CaTerminal, ca::CaReport) {
    let all = json("gmrtd_real_session_traces.json");
    let s = &all["sessions"][name];
    let infos = SecurityInfos::parse_dg14(&h(&s["dg14"])).unwrap();
    let (info, key) = ca::select(&infos).unwrap();
    let private = h(&s["terminal_ec_keypairs"][0]["private"]);
    let mut t = CaTerminal::with_ephemeral_private_key(info, key, &private).unwrap();
    if let Some(style) = style {
        t = t.with_command_style(style).unwrap();
    }
    assert_eq!(
        t.ephemeral_public_key(),
        h(&s["expected_evidence"]["TermPubKey"]),
        "{name}: ephemeral public key"
    );

    // Derived keys = the trace's post-CA secure messaging keys.
    let post = &s["sm_states"][1];
    let (k_enc, k_mac) = t.session_keys().unwrap();
    let exp_enc = h(&post["ks_enc"]);
    let cipher = sym(&post["cipher"], &exp_enc);
    assert_eq!(
        k_enc,
        &SymKey::new(cipher, &exp_enc).unwrap(),
        "{name}: KS_enc"
    );
    assert_eq!(
        k_mac,
        &SymKey::new(cipher, &h(&post["ks_mac"])).unwrap(),
        "{name}: KS_mac"
    );

    let mut old = session(&s["sm_states"][0], &h(&s["ssc_values"][0]));
    let apdus = s["apdus"].as_array().unwrap();
    let commands = t.commands();
    assert_eq!(
        commands.len() + 1,
        apdus.len(),
        "{name}: number of CA commands"
    );
    let mut result = None;
    for (i, cmd) in commands.iter().enumerate() {
        let protected = old.protect(cmd).unwrap().to_bytes().unwrap();
        assert_eq!(protected, h(&apdus[i]["command"]), "{name}: command {i}");
        let resp = ResponseApdu::parse(&h(&apdus[i]["response"])).unwrap();
        let plain = old.unprotect(&resp).unwrap();
        if i + 1 < commands.len() {
            t.check_intermediate(&plain).unwrap();
        } else {
            result = Some(t.finish(&plain).unwrap());
        }
    }
    let (mut new, mut report) = result.unwrap();
    assert_eq!(report.status, CaStatus::PendingConfirmation);
    assert!(t.session_keys().is_none(), "keys moved into the session");

    // Confirmation: SELECT EF.DG14 under the new keys, as recorded.
    let last = apdus.last().unwrap();
    let select = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data(vec![0x01, 0x0E]);
    let protected = new.protect(&select).unwrap().to_bytes().unwrap();
    assert_eq!(
        protected,
        h(&last["command"]),
        "{name}: SELECT under the new keys"
    );
    let answer = new.unprotect(&ResponseApdu::parse(&h(&last["response"])).unwrap());
    assert_eq!(answer.as_ref().unwrap().sw, StatusWord::OK);
    assert_eq!(
        h(&s["expected_evidence"]["SmRapdu"]),
        h(&last["response"]),
        "{name}: trace consistency"
    );
    report.confirm(&answer);
    assert_eq!(report.status, CaStatus::Passed, "{name}: {}", report.reason);
    assert_eq!(
        new.ssc(),
        h(&s["expected_evidence"]["SmSsc"]),
        "{name}: SSC"
    );
    assert_eq!(new.ssc(), h(&s["ssc_values"][1]), "{name}: SSC");
    (t, report)
}

#[test]
fn gmrtd_at_ecdh_aes128_no_key_id() {
    let (t, report) = replay("TestChipAuthAT", None);
    assert_eq!(
        t.command_style(),
        CaCommandStyle::MseSetAtGeneralAuthenticate
    );
    assert_eq!(
        report.algorithm.as_deref(),
        Some("id-CA-ECDH-AES-CBC-CMAC-128")
    );
    assert_eq!(
        report.domain_parameters.as_deref(),
        Some("brainpoolP256r1 (explicit parameters)")
    );
    assert_eq!(report.key_id, None);
    assert!(!report.protocol_inferred);
    assert_eq!(report.status, CaStatus::Passed);
    assert_eq!(
        report.command_style,
        Some(CaCommandStyle::MseSetAtGeneralAuthenticate)
    );
}

#[test]
fn gmrtd_de_ecdh_aes128_with_key_id() {
    let (t, report) = replay("TestChipAuthDE", None);
    assert_eq!(t.key_id(), Some(0xC3));
    assert_eq!(report.key_id, Some(0xC3));
    // MSE:Set AT carries 80 <OID> 84 01 C3.
    assert_eq!(
        t.commands()[0].data,
        hex::decode("800A04007F00070202030202".to_owned() + "8401C3").unwrap()
    );
}

#[test]
fn gmrtd_my_ecdh_3des_with_set_at() {
    // The Malaysian chip was driven with MSE:Set AT + GENERAL AUTHENTICATE although the
    // protocol is 3DES (TR-03110-3 §B.2 allows it); the default for 3DES is MSE:Set KAT.
    let all = json("gmrtd_real_session_traces.json");
    let s = &all["sessions"]["TestChipAuthMY"];
    let infos = SecurityInfos::parse_dg14(&h(&s["dg14"])).unwrap();
    let (info, key) = ca::select(&infos).unwrap();
    let private = h(&s["terminal_ec_keypairs"][0]["private"]);
    let t = CaTerminal::with_ephemeral_private_key(info, key, &private).unwrap();
    assert_eq!(t.command_style(), CaCommandStyle::MseSetKat);

    let (t, report) = replay(
        "TestChipAuthMY",
        Some(CaCommandStyle::MseSetAtGeneralAuthenticate),
    );
    assert_eq!(
        t.algorithm().cipher,
        emrtd_lds::security_infos::CipherSuite::Tdes
    );
    assert_eq!(report.algorithm.as_deref(), Some("id-CA-ECDH-3DES-CBC-CBC"));
}

#[test]
fn gmrtd_fr_inferred_3des_with_set_kat() {
    // DG14 without ChipAuthenticationInfo: 3DES and MSE:Set KAT; P-256 given explicitly.
    let (t, report) = replay("TestChipAuthFR", None);
    assert_eq!(t.command_style(), CaCommandStyle::MseSetKat);
    assert!(report.protocol_inferred);
    assert_eq!(report.algorithm.as_deref(), Some("id-CA-ECDH-3DES-CBC-CBC"));
    assert_eq!(
        report.domain_parameters.as_deref(),
        Some("NIST P-256 (explicit parameters)")
    );
    assert_eq!(t.compressed_ephemeral_public_key().len(), 32);
}

/// The CA part of the BSI worked example is version 2 (nonce and token), but its key agreement
/// is that of version 1: run version 1 with the example's static and ephemeral keys and check
/// K through the version-1 session keys KDF(K, 1) / KDF(K, 2), on both sides.
fn bsi_worked_example(kind: &str, card_security: &str) {
    let all = json("bsi_tr03110_eac_worked_example_openpace.json");
    let ex = &all[kind]["chip_authentication_v2"];
    let file = std::fs::read(format!("{SECURITY_INFOS}{card_security}")).unwrap();
    let (_, infos) = SecurityInfos::parse_card_security(&file).unwrap();
    let info_v2 = infos.chip_authentication_infos().next().unwrap();
    assert_eq!(info_v2.version, 2);
    assert_eq!(
        emrtd_lds::sod::oid_from_str(&info_v2.protocol).unwrap(),
        h(&ex["oid"])
    );
    let key = infos
        .chip_authentication_public_key(info_v2.key_id)
        .unwrap();
    let info = ChipAuthenticationInfo {
        version: 1,
        ..info_v2.clone()
    };
    let picc_public = h(&ex["picc_static_public"]);
    assert_eq!(key.public_key.public_value().unwrap(), picc_public);

    let mut t =
        CaTerminal::with_ephemeral_private_key(Some(&info), key, &h(&ex["pcd_ephemeral_private"]))
            .unwrap();
    assert_eq!(t.ephemeral_public_key(), h(&ex["pcd_ephemeral_public"]));
    let k = h(&ex["shared_secret_k"]);
    let cipher = t.algorithm().cipher;
    let (exp_enc, exp_mac) = ca::session_keys(&k, cipher);
    let (k_enc, k_mac) = t.session_keys().unwrap();
    assert_eq!(k_enc, &exp_enc);
    assert_eq!(k_mac, &exp_mac);

    // The chip side with the example's static private key derives the same keys.
    let group =
        emrtd_access::pace::group_from_domain_parameters(&key.public_key.algorithm).unwrap();
    let mut chip = CaChip::new(group, &h(&ex["picc_static_private"]), &info).unwrap();
    assert_eq!(chip.public_key(), picc_public.as_slice());
    let commands = t.commands();
    let mut result = None;
    for (i, cmd) in commands.iter().enumerate() {
        assert!(chip.handles(cmd));
        let (resp, session) = chip.handle(cmd);
        assert_eq!(resp.sw, StatusWord::OK);
        if i + 1 < commands.len() {
            t.check_intermediate(&resp).unwrap();
            assert!(session.is_none());
        } else {
            assert_eq!(resp.data, [0x7C, 0x00]);
            result = Some((t.finish(&resp).unwrap(), session.unwrap()));
        }
    }
    let ((mut terminal_session, mut report), mut chip_session) = result.unwrap();
    report.confirm(&confirm_under_new_keys(
        &mut terminal_session,
        &mut chip_session,
    ));
    assert!(report.is_passed(), "{}", report.reason);
}

/// The confirmation command (a read of EF.COM's first bytes) protected by the terminal's new
/// session is understood by the chip's; the chip's answer, unprotected by the terminal.
fn confirm_under_new_keys(
    terminal: &mut emrtd_sm::SecureMessaging,
    chip: &mut emrtd_sm::SecureMessaging,
) -> Result<ResponseApdu, emrtd_sm::SmError> {
    let cmd = chip
        .unprotect_command(&terminal.protect(&ca::confirmation_command()).unwrap())
        .unwrap();
    assert_eq!(cmd.data, [0x01, 0x1E]);
    let answer = chip
        .protect_response(&ResponseApdu::status(StatusWord::OK))
        .unwrap();
    terminal.unprotect(&answer)
}

#[test]
fn bsi_worked_example_ecdh() {
    bsi_worked_example("ecdh", "tc_ecdh_ef_cardsecurity.bin");
}

#[test]
fn bsi_worked_example_dh() {
    bsi_worked_example("dh", "tc_dh_ef_cardsecurity.bin");
}

/// Real and test DG14 files: the Chip Authentication entries are found, the chip's key passes
/// validation, and a terminal can be set up on its domain parameters (explicit curves and a
/// PKCS #3 DH group without subgroup order among them).
#[test]
fn sample_dg14_files_set_up() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/");
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    for (file, algorithm, domain) in [
        (
            "security_infos/bsi2008_dg14.bin",
            "id-CA-ECDH-3DES-CBC-CBC",
            "brainpoolP224r1 (explicit parameters)",
        ),
        (
            "security_infos/icao_spec_sample_dg14.bin",
            "id-CA-DH-3DES-CBC-CBC",
            "explicit MODP group",
        ),
        (
            "security_infos/etsi_tr103200_dg14.bin",
            "id-CA-ECDH-3DES-CBC-CBC",
            "brainpoolP224r1 (explicit parameters)",
        ),
        (
            "lds/bsi_tr03105_5/Datagroup14.bin",
            "id-CA-ECDH-3DES-CBC-CBC",
            "brainpoolP224r1 (explicit parameters)",
        ),
    ] {
        let dg14 = std::fs::read(format!("{fixtures}{file}")).unwrap();
        let infos = SecurityInfos::parse_dg14(&dg14).unwrap();
        let (info, key) = ca::select(&infos).unwrap();
        let t = CaTerminal::new(info, key, &mut rng).unwrap_or_else(|e| panic!("{file}: {e}"));
        let report = t.failure_report(&CaError::NoPublicKey);
        assert_eq!(report.algorithm.as_deref(), Some(algorithm), "{file}");
        assert_eq!(report.domain_parameters.as_deref(), Some(domain), "{file}");
        assert_eq!(t.command_style(), CaCommandStyle::MseSetKat);
    }
}

/// A random source that hands out fixed bytes (the worked example's nonce r_PICC).
struct Fixed(Vec<u8>);

impl rand_core::RngCore for Fixed {
    fn next_u32(&mut self) -> u32 {
        unreachable!("only fill_bytes is used")
    }
    fn next_u64(&mut self) -> u64 {
        unreachable!("only fill_bytes is used")
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        assert_eq!(dest.len(), self.0.len(), "the nonce is drawn in one piece");
        dest.copy_from_slice(&self.0);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// Chip Authentication version 2 of the BSI worked example, both sides: the chip (static key,
/// the example's nonce) answers `7C { 81 r_PICC, 82 T_PICC }` with the published token; the
/// keys KDF(K ‖ r_PICC, 1/2) are the published ones; the terminal (the example's ephemeral
/// key) accepts the answer and refuses it with any token bit changed; both sessions agree.
fn bsi_worked_example_v2(kind: &str, card_security: &str) {
    let all = json("bsi_tr03110_eac_worked_example_openpace.json");
    let ex = &all[kind]["chip_authentication_v2"];
    let file = std::fs::read(format!("{SECURITY_INFOS}{card_security}")).unwrap();
    let (_, infos) = SecurityInfos::parse_card_security(&file).unwrap();
    let (info, key) = ca::select_version(&infos, ca::CaVersion::V2).unwrap();
    let info = info.unwrap();
    assert_eq!(info.version, 2);
    // Version 1 is not offered by this card: no v1 key is chosen for it.
    assert!(ca::select(&infos).is_err());
    let cipher = info.algorithm.unwrap().cipher;
    let (k_enc, k_mac) =
        ca::session_keys_v2(&h(&ex["shared_secret_k"]), &h(&ex["nonce_r_picc"]), cipher);
    assert_eq!(k_enc.as_bytes(), h(&ex["k_enc"]).as_slice());
    assert_eq!(k_mac.as_bytes(), h(&ex["k_mac"]).as_slice());
    let pcd_public = h(&ex["pcd_ephemeral_public"]);
    assert_eq!(
        ca::authentication_token_v2(&k_mac, &info.algorithm.unwrap(), &pcd_public)
            .unwrap()
            .to_vec(),
        h(&ex["authentication_token_picc"])
    );

    let make_terminal = || {
        CaTerminal::with_ephemeral_private_key(Some(info), key, &h(&ex["pcd_ephemeral_private"]))
            .unwrap()
    };
    let mut t = make_terminal();
    assert_eq!(t.version(), ca::CaVersion::V2);
    assert_eq!(t.ephemeral_public_key(), pcd_public.as_slice());
    assert!(t.session_keys().is_none(), "version 2 keys need the nonce");
    assert!(matches!(
        make_terminal().with_command_style(CaCommandStyle::MseSetKat),
        Err(CaError::KatWithVersion2)
    ));
    let group =
        emrtd_access::pace::group_from_domain_parameters(&key.public_key.algorithm).unwrap();
    let mut chip = CaChip::new(group, &h(&ex["picc_static_private"]), info).unwrap();
    let commands = t.commands();
    assert_eq!(commands.len(), 2);
    assert_eq!(
        commands[0].data[..2],
        [0x80, 0x0A],
        "MSE:Set AT names the protocol"
    );
    let (resp, session) = chip.handle(&commands[0]);
    assert_eq!(resp.sw, StatusWord::OK);
    assert!(session.is_none());
    t.check_intermediate(&resp).unwrap();
    // Without a random source the version 2 chip cannot answer.
    let mut no_rng = CaChip::new(
        emrtd_access::pace::group_from_domain_parameters(&key.public_key.algorithm).unwrap(),
        &h(&ex["picc_static_private"]),
        info,
    )
    .unwrap();
    no_rng.handle(&commands[0]);
    assert_eq!(
        no_rng.handle(&commands[1]).0.sw,
        StatusWord::CONDITIONS_NOT_SATISFIED
    );

    let mut nonce = Fixed(h(&ex["nonce_r_picc"]));
    let (resp, chip_session) = chip.handle_with_rng(&commands[1], &mut nonce);
    assert_eq!(resp.sw, StatusWord::OK);
    let expected = [
        vec![0x7C, 0x14, 0x81, 0x08],
        h(&ex["nonce_r_picc"]),
        vec![0x82, 0x08],
        h(&ex["authentication_token_picc"]),
    ]
    .concat();
    assert_eq!(resp.data, expected, "the chip's answer, byte for byte");
    let mut chip_session = chip_session.unwrap();

    // A token with one bit changed is refused; so is an answer without the nonce.
    for i in 0..8 {
        let mut bad = resp.clone();
        let at = bad.data.len() - 1 - i;
        bad.data[at] ^= 0x01;
        let mut t2 = make_terminal();
        assert_eq!(t2.finish(&bad).unwrap_err(), CaError::TokenMismatch);
    }
    let v1_answer = ResponseApdu::new(vec![0x7C, 0x00], StatusWord::OK);
    assert!(matches!(
        make_terminal().finish(&v1_answer),
        Err(CaError::UnexpectedResponse { .. })
    ));

    let (mut terminal_session, report) = t.finish(&resp).unwrap();
    assert_eq!(report.status, CaStatus::Passed, "{}", report.reason);
    assert_eq!(report.version, Some(ca::CaVersion::V2));
    assert_eq!(
        confirm_under_new_keys(&mut terminal_session, &mut chip_session)
            .unwrap()
            .sw,
        StatusWord::OK
    );
}

#[test]
fn bsi_worked_example_ca_v2_ecdh_reproduces_nonce_keys_and_token() {
    bsi_worked_example_v2("ecdh", "tc_ecdh_ef_cardsecurity.bin");
}

#[test]
fn bsi_worked_example_ca_v2_dh_reproduces_nonce_keys_and_token() {
    bsi_worked_example_v2("dh", "tc_dh_ef_cardsecurity.bin");
}
