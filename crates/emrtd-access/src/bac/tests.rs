use super::*;
use emrtd_apdu::ResponseApdu;
use rand_core::OsRng;
use serde_json::Value;

fn load() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/vectors/icao9303-11_appD_bac_sm_3des.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn h(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

fn hx(b: &[u8]) -> String {
    hex::encode_upper(b)
}

fn a8(v: &Value) -> [u8; 8] {
    h(v).try_into().unwrap()
}

fn a16(v: &Value) -> [u8; 16] {
    h(v).try_into().unwrap()
}

/// The first D.4 command (SELECT EF.COM) protected with `sm`, as bytes.
fn protect_d41(sm: &mut SecureMessaging, v: &Value) -> String {
    let step = &v["D4_secure_messaging_3des"]["steps"][0];
    let cmd = CommandApdu::parse(&h(&step["unprotected_command"])).unwrap();
    hx(&sm.protect(&cmd).unwrap().to_bytes().unwrap())
}

#[test]
fn appendix_d_keys() {
    let v = load();
    let d2 = &v["D2_mrz_key_derivation"];
    let d3 = &v["D3_bac_mutual_authentication"];
    let keys = BacKeys::from_mrz_information(d2["mrz_information"].as_str().unwrap());
    assert_eq!(keys.k_enc().to_vec(), h(&d3["k_enc"]));
    assert_eq!(keys.k_mac().to_vec(), h(&d3["k_mac"]));
    let from_fields = BacKeys::from_mrz(
        d2["document_number"].as_str().unwrap(),
        d2["date_of_birth"].as_str().unwrap(),
        d2["date_of_expiry"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(from_fields.k_enc(), keys.k_enc());
    assert_eq!(from_fields.k_mac(), keys.k_mac());
    let from_seed = BacKeys::from_seed(&a16(&d2["k_seed"]));
    assert_eq!(from_seed.k_enc(), keys.k_enc());
    // Session keys are the same derivation from K.IFD xor K.IC.
    let session = BacKeys::from_seed(&a16(&d3["k_seed_session"]));
    assert_eq!(session.k_enc().to_vec(), h(&d3["ks_enc"]));
    assert_eq!(session.k_mac().to_vec(), h(&d3["ks_mac"]));
    assert!(!format!("{keys:?}").contains("AB"));
    assert!(BacKeys::from_mrz("L898902C", "6908", "940623").is_err());
}

#[test]
fn appendix_d3_terminal() {
    let v = load();
    let d3 = &v["D3_bac_mutual_authentication"];
    let mut term = BacTerminal::new(BacKeys::from_seed(&a16(
        &v["D2_mrz_key_derivation"]["k_seed"]
    )));
    let gc = term.get_challenge_command();
    assert_eq!(
        hx(&gc.to_bytes().unwrap()),
        hx(&h(&d3["get_challenge"]["command"]))
    );
    let challenge = ResponseApdu::parse(&h(&d3["get_challenge"]["response"])).unwrap();
    assert_eq!(challenge.data, h(&d3["rnd_ic"]));
    let ea = term
        .external_authenticate_command_with(&challenge, a8(&d3["rnd_ifd"]), a16(&d3["k_ifd"]))
        .unwrap();
    assert_eq!(hx(&ea.data), hx(&h(&d3["cmd_data"])));
    assert_eq!(hx(&ea.data[..32]), hx(&h(&d3["e_ifd"])));
    assert_eq!(hx(&ea.data[32..]), hx(&h(&d3["m_ifd"])));
    assert_eq!(
        hx(&ea.to_bytes().unwrap()),
        hx(&h(&d3["external_authenticate"]["command"]))
    );
    let resp = ResponseApdu::parse(&h(&d3["external_authenticate"]["response"])).unwrap();
    assert_eq!(resp.data, h(&d3["resp_data"]));
    let mut sm = term.finish(&resp).unwrap();
    assert_eq!(sm.ssc(), h(&d3["ssc"]).as_slice());
    // The session keys are KS_enc / KS_mac: SELECT EF.COM protects exactly as in D.4.1.
    let expected = hx(&h(
        &v["D4_secure_messaging_3des"]["steps"][0]["protected_command"]
    ));
    assert_eq!(protect_d41(&mut sm, &v), expected);
}

#[test]
fn appendix_d3_chip() {
    let v = load();
    let d3 = &v["D3_bac_mutual_authentication"];
    let keys = BacKeys::from_mrz_information(
        v["D2_mrz_key_derivation"]["mrz_information"]
            .as_str()
            .unwrap(),
    );
    let mut chip = BacChip::new(keys);
    let gc = chip.handle_get_challenge_with(a8(&d3["rnd_ic"]));
    assert_eq!(hx(&gc.to_bytes()), hx(&h(&d3["get_challenge"]["response"])));
    let cmd = CommandApdu::parse(&h(&d3["external_authenticate"]["command"])).unwrap();
    let (resp, sm) = chip.handle_external_authenticate_with(&cmd, a16(&d3["k_ic"]));
    assert_eq!(
        hx(&resp.to_bytes()),
        hx(&h(&d3["external_authenticate"]["response"]))
    );
    let mut sm = sm.expect("session established");
    assert_eq!(sm.ssc(), h(&d3["ssc"]).as_slice());
    // The chip's session accepts the D.4.1 protected SELECT.
    let step = &v["D4_secure_messaging_3des"]["steps"][0];
    let plain = sm
        .unprotect_command(&CommandApdu::parse(&h(&step["protected_command"])).unwrap())
        .unwrap();
    assert_eq!(
        hx(&plain.to_bytes().unwrap()),
        hx(&h(&step["unprotected_command"]))
    );
    // The challenge is used up.
    let (again, none) = chip.handle_external_authenticate_with(&cmd, [0; 16]);
    assert_eq!(again.sw, StatusWord::CONDITIONS_NOT_SATISFIED);
    assert!(none.is_none());
}

fn run(
    term_info: &str,
    chip_info: &str,
) -> (Result<SecureMessaging, BacError>, Option<SecureMessaging>) {
    let mut term = BacTerminal::new(BacKeys::from_mrz_information(term_info));
    let mut chip = BacChip::new(BacKeys::from_mrz_information(chip_info));
    let gc = CommandApdu::parse(&term.get_challenge_command().to_bytes().unwrap()).unwrap();
    assert_eq!(gc.le, Some(8));
    let challenge = chip.handle_get_challenge(&mut OsRng);
    let ea = term
        .external_authenticate_command(&challenge, &mut OsRng)
        .unwrap();
    let wire = CommandApdu::parse(&ea.to_bytes().unwrap()).unwrap();
    let (resp, chip_sm) = chip.handle_external_authenticate(&wire, &mut OsRng);
    let resp = ResponseApdu::parse(&resp.to_bytes()).unwrap();
    (term.finish(&resp), chip_sm)
}

#[test]
fn round_trip_and_wrong_key() {
    let info = "L898902C<369080619406236";
    let (term_sm, chip_sm) = run(info, info);
    let mut term_sm = term_sm.unwrap();
    let mut chip_sm = chip_sm.unwrap();
    assert_eq!(term_sm.ssc(), chip_sm.ssc());
    let cmd = CommandApdu::new(0, 0xB0, 0, 0).with_le(4);
    let prot = term_sm.protect(&cmd).unwrap();
    assert_eq!(chip_sm.unprotect_command(&prot).unwrap(), cmd);
    let resp = chip_sm
        .protect_response(&ResponseApdu::new(
            vec![0x60, 0x14, 0x5F, 0x01],
            StatusWord::OK,
        ))
        .unwrap();
    assert_eq!(
        term_sm.unprotect(&resp).unwrap().data,
        vec![0x60, 0x14, 0x5F, 0x01]
    );

    // Wrong MRZ (date of birth off by one): the chip answers 6300, the terminal reports it.
    let (term_sm, chip_sm) = run("L898902C<369080729406236", info);
    assert_eq!(term_sm.unwrap_err(), BacError::AccessDenied);
    assert!(chip_sm.is_none());
    assert!(BacError::AccessDenied.to_string().contains("check the MRZ"));
}

fn vector_terminal(v: &Value) -> BacTerminal {
    let d3 = &v["D3_bac_mutual_authentication"];
    let mut term = BacTerminal::new(BacKeys::from_seed(&a16(
        &v["D2_mrz_key_derivation"]["k_seed"]
    )));
    let challenge = ResponseApdu::parse(&h(&d3["get_challenge"]["response"])).unwrap();
    term.external_authenticate_command_with(&challenge, a8(&d3["rnd_ifd"]), a16(&d3["k_ifd"]))
        .unwrap();
    term
}

#[test]
fn terminal_rejects_bad_answers() {
    let v = load();
    let d3 = &v["D3_bac_mutual_authentication"];
    let good = ResponseApdu::parse(&h(&d3["external_authenticate"]["response"])).unwrap();
    // Any flipped bit in E_IC or M_IC breaks the MAC.
    for i in 0..good.data.len() {
        let mut bad = good.clone();
        bad.data[i] ^= 0x10;
        assert_eq!(
            vector_terminal(&v).finish(&bad).unwrap_err(),
            BacError::MacMismatch,
            "byte {i}"
        );
    }
    // Wrong lengths.
    for len in [0, 8, 39, 41] {
        let mut bad = good.clone();
        bad.data.resize(len, 0);
        assert!(matches!(
            vector_terminal(&v).finish(&bad),
            Err(BacError::BadResponse(_))
        ));
    }
    // Status words.
    for (sw, expected) in [
        (0x6300, BacError::AccessDenied),
        (0x63C2, BacError::AccessDenied),
        (0x6982, BacError::AccessDenied),
        (0x6A86, BacError::Refused(StatusWord(0x6A86))),
    ] {
        let r = vector_terminal(&v).finish(&ResponseApdu::status(StatusWord(sw)));
        assert_eq!(r.unwrap_err(), expected);
    }
    // A correctly MACed answer for other nonces (e.g. replayed from another session).
    let keys = BacKeys::from_seed(&a16(&v["D2_mrz_key_derivation"]["k_seed"]));
    let mut r = [0u8; 32];
    r[..8].copy_from_slice(&h(&d3["rnd_ic"]));
    r[8..16].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
    let forged = ResponseApdu::new(keys.seal(&r), StatusWord::OK);
    assert_eq!(
        vector_terminal(&v).finish(&forged).unwrap_err(),
        BacError::NonceMismatch
    );
    // Out of order.
    let fresh = BacTerminal::new(keys.clone());
    assert_eq!(fresh.finish(&good).unwrap_err(), BacError::WrongState);
    // Bad challenges.
    let mut term = BacTerminal::new(keys);
    assert_eq!(
        term.external_authenticate_command_with(
            &ResponseApdu::new(vec![1; 7], StatusWord::OK),
            [0; 8],
            [0; 16]
        ),
        Err(BacError::BadChallenge(7))
    );
    assert_eq!(
        term.external_authenticate_command(
            &ResponseApdu::status(StatusWord::INS_NOT_SUPPORTED),
            &mut OsRng
        ),
        Err(BacError::ChallengeRefused(StatusWord::INS_NOT_SUPPORTED))
    );
}

#[test]
fn chip_rejects_bad_commands() {
    let v = load();
    let d3 = &v["D3_bac_mutual_authentication"];
    let keys = BacKeys::from_seed(&a16(&v["D2_mrz_key_derivation"]["k_seed"]));
    let good = CommandApdu::parse(&h(&d3["external_authenticate"]["command"])).unwrap();
    let rnd_ic = a8(&d3["rnd_ic"]);
    let attempt = |cmd: &CommandApdu| {
        let mut chip = BacChip::new(keys.clone());
        chip.handle_get_challenge_with(rnd_ic);
        let (resp, sm) = chip.handle_external_authenticate_with(cmd, [7; 16]);
        assert_eq!(resp.data, Vec::<u8>::new());
        assert!(sm.is_none());
        resp.sw
    };
    // Tampered cryptogram or MAC.
    for i in 0..good.data.len() {
        let mut bad = good.clone();
        bad.data[i] ^= 0x01;
        assert_eq!(attempt(&bad), StatusWord::VERIFICATION_FAILED, "byte {i}");
    }
    // Wrong lengths.
    for len in [0, 1, 32, 39, 41, 300] {
        let mut bad = good.clone();
        bad.data.resize(len, 0);
        assert_eq!(attempt(&bad), StatusWord::WRONG_LENGTH, "len {len}");
    }
    let mut bad = good.clone();
    bad.p2 = 1;
    assert_eq!(attempt(&bad), StatusWord::INCORRECT_P1P2);
    // Correct keys but answering another challenge.
    let mut chip = BacChip::new(keys.clone());
    chip.handle_get_challenge_with([9; 8]);
    let (resp, sm) = chip.handle_external_authenticate_with(&good, [7; 16]);
    assert_eq!(resp.sw, StatusWord::VERIFICATION_FAILED);
    assert!(sm.is_none());
    // Without GET CHALLENGE, and after a reset.
    let mut chip = BacChip::new(keys);
    assert_eq!(
        chip.handle_external_authenticate_with(&good, [7; 16]).0.sw,
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
    chip.handle_get_challenge_with(rnd_ic);
    chip.reset();
    assert_eq!(
        chip.handle_external_authenticate_with(&good, [7; 16]).0.sw,
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
}
