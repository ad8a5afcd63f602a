//! Secure messaging against published vectors, round trips and error handling.

use emrtd_apdu::{CommandApdu, ResponseApdu, StatusWord};
use emrtd_crypto::sym::{self, Cipher};
use emrtd_sm::{SecureMessaging, SmCipher, SmError};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!(
        "{}/../../fixtures/vectors/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn h(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

fn hx(b: &[u8]) -> String {
    hex::encode_upper(b)
}

fn sm_from(cipher: &str, ks_enc: &[u8], ks_mac: &[u8], ssc: &[u8]) -> SecureMessaging {
    match cipher {
        "3DES" => SecureMessaging::new_3des(
            ks_enc.try_into().unwrap(),
            ks_mac.try_into().unwrap(),
            ssc.try_into().unwrap(),
        ),
        _ => SecureMessaging::new_aes(ks_enc, ks_mac, ssc.try_into().unwrap()).unwrap(),
    }
}

const TDES_ENC: &str = "979EC13B1CBFE9DCD01AB0FED307EAE5";
const TDES_MAC: &str = "F1CB1F1FB5ADF208806B89DC579DC1F8";

fn tdes_sm(ssc: &str) -> SecureMessaging {
    sm_from(
        "3DES",
        &hex::decode(TDES_ENC).unwrap(),
        &hex::decode(TDES_MAC).unwrap(),
        &hex::decode(ssc).unwrap(),
    )
}

#[test]
fn appendix_d4_terminal_side() {
    let v = load("icao9303-11_appD_bac_sm_3des.json");
    let d4 = &v["D4_secure_messaging_3des"];
    let mut sm = sm_from(
        "3DES",
        &h(&d4["ks_enc"]),
        &h(&d4["ks_mac"]),
        &h(&d4["ssc_initial"]),
    );
    assert_eq!(sm.cipher(), SmCipher::Tdes);
    let mut ef_com = Vec::new();
    for step in d4["steps"].as_array().unwrap() {
        let name = step["name"].as_str().unwrap();
        let cmd = CommandApdu::parse(&h(&step["unprotected_command"])).unwrap();
        let prot = sm.protect(&cmd).unwrap();
        assert_eq!(sm.ssc(), h(&step["ssc"]).as_slice(), "{name}");
        assert_eq!(
            hx(&prot.to_bytes().unwrap()),
            hx(&h(&step["protected_command"])),
            "{name}"
        );
        let resp = ResponseApdu::parse(&h(&step["response"])).unwrap();
        let plain = sm.unprotect(&resp).unwrap();
        assert_eq!(sm.ssc(), h(&step["response_ssc"]).as_slice(), "{name}");
        assert_eq!(plain.data, h(&step["response_plain_data"]), "{name}");
        assert_eq!(
            plain.sw.to_bytes().to_vec(),
            h(&step["response_sw"]),
            "{name}"
        );
        if cmd.ins == 0xB0 {
            ef_com.extend_from_slice(&plain.data);
        }
    }
    assert_eq!(ef_com, h(&d4["ef_com_reassembled"]));
    assert_eq!(sm.ssc(), h(&d4["final_ssc"]).as_slice());
}

#[test]
fn appendix_d4_chip_side() {
    let v = load("icao9303-11_appD_bac_sm_3des.json");
    let d4 = &v["D4_secure_messaging_3des"];
    let mut chip = sm_from(
        "3DES",
        &h(&d4["ks_enc"]),
        &h(&d4["ks_mac"]),
        &h(&d4["ssc_initial"]),
    );
    for step in d4["steps"].as_array().unwrap() {
        let name = step["name"].as_str().unwrap();
        let prot = CommandApdu::parse(&h(&step["protected_command"])).unwrap();
        let cmd = chip.unprotect_command(&prot).unwrap();
        assert_eq!(
            hx(&cmd.to_bytes().unwrap()),
            hx(&h(&step["unprotected_command"])),
            "{name}"
        );
        assert_eq!(chip.ssc(), h(&step["ssc"]).as_slice(), "{name}");
        let plain = ResponseApdu::new(h(&step["response_plain_data"]), StatusWord::OK);
        let resp = chip.protect_response(&plain).unwrap();
        assert_eq!(hx(&resp.to_bytes()), hx(&h(&step["response"])), "{name}");
        assert_eq!(chip.ssc(), h(&step["response_ssc"]).as_slice(), "{name}");
    }
}

#[test]
fn aes_examples() {
    let v = load("aes_secure_messaging_examples.json");
    for ex in v["examples"].as_array().unwrap() {
        let name = ex["name"].as_str().unwrap();
        let mut sm = sm_from(
            "AES",
            &h(&ex["ks_enc"]),
            &h(&ex["ks_mac"]),
            &h(&ex["ssc_before"]),
        );
        assert_eq!(sm.cipher(), SmCipher::Aes);
        let cmd = CommandApdu::parse(&h(&ex["unprotected_command"])).unwrap();
        let prot = sm.protect(&cmd).unwrap();
        assert_eq!(
            hx(&prot.to_bytes().unwrap()),
            hx(&h(&ex["protected_command"])),
            "{name}"
        );
        // The chip side recovers the command.
        let mut chip = sm_from(
            "AES",
            &h(&ex["ks_enc"]),
            &h(&ex["ks_mac"]),
            &h(&ex["ssc_before"]),
        );
        assert_eq!(chip.unprotect_command(&prot).unwrap(), cmd, "{name}");
        if let Some(r) = ex.get("response") {
            // The examples give the response data without the status word.
            let resp = ResponseApdu::new(h(r), StatusWord::OK);
            let plain = sm.unprotect(&resp).unwrap();
            assert_eq!(plain.data, h(&ex["response_plain"]), "{name}");
            assert_eq!(plain.sw, StatusWord::OK);
            let again = chip
                .protect_response(&ResponseApdu::new(h(&ex["response_plain"]), StatusWord::OK))
                .unwrap();
            assert_eq!(again, resp, "{name}");
        }
        assert_eq!(sm.ssc(), h(&ex["ssc_after"]).as_slice(), "{name}");
    }
}

#[test]
fn gmrtd_response_cases() {
    let v = load("gmrtd_sym_sm_cases.json");
    for c in v["sm_decode_response"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let mut sm = sm_from(
            c["cipher"].as_str().unwrap(),
            &h(&c["ks_enc"]),
            &h(&c["ks_mac"]),
            &h(&c["ssc_before"]),
        );
        let resp = ResponseApdu::parse(&h(&c["response"])).unwrap();
        match c.get("error") {
            Some(_) => {
                assert_eq!(sm.unprotect(&resp), Err(SmError::MacMismatch), "{name}");
                assert!(sm.is_closed());
            }
            None => {
                let plain = sm.unprotect(&resp).unwrap();
                assert_eq!(hx(&plain.data), hx(&h(&c["plain"])), "{name}");
                assert_eq!(plain.sw.to_bytes().to_vec(), h(&c["sw"]), "{name}");
                assert_eq!(sm.ssc(), h(&c["ssc_after"]).as_slice(), "{name}");
            }
        }
    }
}

#[test]
fn gmrtd_do87_encryption() {
    // The chip side at SSC-1 encrypts the plain data to the published DO'87' value.
    let v = load("gmrtd_sym_sm_cases.json");
    for c in v["sm_decrypt_do87"].as_array().unwrap() {
        let mut ssc = h(&c["ssc"]);
        // Step the SSC back by one: protect_response increments it first.
        for b in ssc.iter_mut().rev() {
            let (n, borrow) = b.overflowing_sub(1);
            *b = n;
            if !borrow {
                break;
            }
        }
        let k_enc = h(&c["ks_enc"]);
        let mut chip = sm_from(c["cipher"].as_str().unwrap(), &k_enc, &k_enc, &ssc);
        let resp = chip
            .protect_response(&ResponseApdu::new(h(&c["plain"]), StatusWord::OK))
            .unwrap();
        let (do87, _) = emrtd_tlv::expect_tag(&resp.data, 0x87).unwrap();
        assert_eq!(hx(do87.value), hx(&h(&c["do87_value"])));
    }
}

/// Terminal → bytes → chip → bytes → terminal.
fn round_trip(
    term: &mut SecureMessaging,
    chip: &mut SecureMessaging,
    cmd: &CommandApdu,
    resp_data: &[u8],
) -> (Vec<u8>, Vec<u8>) {
    let prot = term.protect(cmd).unwrap();
    let wire = prot.to_bytes().unwrap();
    let received = CommandApdu::parse(&wire).unwrap();
    let plain_cmd = chip.unprotect_command(&received).unwrap();
    assert_eq!(plain_cmd.cla, cmd.cla);
    assert_eq!(plain_cmd.ins, cmd.ins);
    assert_eq!((plain_cmd.p1, plain_cmd.p2), (cmd.p1, cmd.p2));
    assert_eq!(plain_cmd.data, cmd.data);
    assert_eq!(plain_cmd.le, cmd.le);
    assert_eq!(plain_cmd.is_extended(), cmd.is_extended());
    let resp = chip
        .protect_response(&ResponseApdu::new(resp_data.to_vec(), StatusWord::OK))
        .unwrap();
    let resp_wire = resp.to_bytes();
    let plain = term
        .unprotect(&ResponseApdu::parse(&resp_wire).unwrap())
        .unwrap();
    assert_eq!(plain.data, resp_data);
    assert_eq!(plain.sw, StatusWord::OK);
    assert_eq!(term.ssc(), chip.ssc());
    (wire, resp.data)
}

fn pairs() -> Vec<(Cipher, SecureMessaging, SecureMessaging)> {
    let mut out = Vec::new();
    for cipher in [Cipher::Tdes, Cipher::Aes128, Cipher::Aes192, Cipher::Aes256] {
        let k_enc: Vec<u8> = (0..cipher.key_len() as u8).collect();
        let k_mac: Vec<u8> = (0..cipher.key_len() as u8).map(|b| b ^ 0xA5).collect();
        let ssc = vec![0xFF; cipher.block_size()]; // also exercises the wrap to zero
        let a = SecureMessaging::new(cipher, &k_enc, &k_mac, &ssc).unwrap();
        let b = SecureMessaging::new(cipher, &k_enc, &k_mac, &ssc).unwrap();
        out.push((cipher, a, b));
    }
    out
}

#[test]
fn round_trips_all_ciphers() {
    let big: Vec<u8> = (0..300u32).map(|i| i as u8).collect();
    let file: Vec<u8> = (0..65536u32).map(|i| (i * 7) as u8).collect();
    for (cipher, mut term, mut chip) in pairs() {
        let bs = cipher.block_size();
        // SELECT without Le.
        let (wire, _) = round_trip(
            &mut term,
            &mut chip,
            &CommandApdu::new(0, 0xA4, 2, 0x0C).with_data(vec![0x01, 0x1E]),
            &[],
        );
        let mut one = vec![0u8; bs];
        one[bs - 1] = 1;
        assert_eq!(
            term.ssc(),
            one.as_slice(),
            "SSC wrapped from FF..FF to 00..00, then 00..01"
        );
        assert_eq!(wire[0], 0x0C);
        assert_eq!(
            *wire.last().unwrap(),
            0x00,
            "protected command always has Le"
        );
        // READ BINARY with Le = 256 (short, DO'97' = 00).
        let (wire, _) = round_trip(
            &mut term,
            &mut chip,
            &CommandApdu::new(0, 0xB0, 0, 0).with_le(256),
            &file[..200],
        );
        assert_eq!(&wire[5..8], &[0x97, 0x01, 0x00]);
        assert_eq!(wire.len(), 5 + 3 + 10 + 1);
        // READ BINARY with Le = 65536 (extended, DO'97' = 0000) and a 65536-byte answer.
        let (wire, resp) = round_trip(
            &mut term,
            &mut chip,
            &CommandApdu::new(0, 0xB0, 0, 0).with_le(65536),
            &file,
        );
        assert_eq!(&wire[4..7], &[0x00, 0x00, 0x0E]);
        assert_eq!(&wire[7..11], &[0x97, 0x02, 0x00, 0x00]);
        assert_eq!(&wire[wire.len() - 2..], &[0x00, 0x00]);
        assert_eq!(&resp[..2], &[0x87, 0x83]);
        // Extended Le below 65536 (two-byte DO'97').
        let (wire, _) = round_trip(
            &mut term,
            &mut chip,
            &CommandApdu::new(0, 0xB0, 0, 0).with_le(1000),
            &file[..1000],
        );
        assert_eq!(&wire[7..11], &[0x97, 0x02, 0x03, 0xE8]);
        // Data above 255 bytes makes the protected command extended.
        let (wire, _) = round_trip(
            &mut term,
            &mut chip,
            &CommandApdu::new(0, 0x2A, 0, 0xBE).with_data(big.clone()),
            &[],
        );
        assert_eq!(wire[4], 0x00);
        let lc = usize::from(u16::from_be_bytes([wire[5], wire[6]]));
        assert_eq!(lc, wire.len() - 7 - 2);
        // Short command whose protected form exceeds 255 bytes.
        let (wire, _) = round_trip(
            &mut term,
            &mut chip,
            &CommandApdu::new(0, 0x86, 0, 0)
                .with_data(big[..250].to_vec())
                .with_le(256),
            &[0x7C, 0x00],
        );
        assert_eq!(
            wire[4], 0x00,
            "extended because the protected data exceeds 255"
        );
        assert_eq!(&wire[wire.len() - 2..], &[0x00, 0x00]);
        // Odd INS: READ BINARY B1 uses DO'85' in the command and the response.
        let (wire, resp) = round_trip(
            &mut term,
            &mut chip,
            &CommandApdu::new(0, 0xB1, 0, 0)
                .with_data(vec![0x54, 0x02, 0x80, 0x00])
                .with_le(256),
            &[0x53, 0x03, 1, 2, 3],
        );
        assert_eq!(&wire[5..7], &[0x85, bs as u8]);
        assert_eq!(resp[0], 0x85);
        // Case 1 command: no data, no Le.
        round_trip(&mut term, &mut chip, &CommandApdu::new(0, 0x44, 0, 0), &[]);
        // Non-zero CLA bits are kept (the SM bits are cleared on the chip side).
        round_trip(
            &mut term,
            &mut chip,
            &CommandApdu::new(0x80, 0xCA, 0x9F, 0x7F).with_le(1),
            &[0xAB],
        );
    }
}

#[test]
fn plain_status_and_missing_objects() {
    let mut sm = tdes_sm("887022120C06C226");
    // A plain error status is reported as such, not authenticated, and does not close the session.
    let r = sm.unprotect(&ResponseApdu::status(StatusWord::FILE_NOT_FOUND));
    assert_eq!(
        r,
        Err(SmError::UnprotectedStatus(StatusWord::FILE_NOT_FOUND))
    );
    assert!(!sm.is_closed());
    assert_eq!(
        sm.ssc(),
        hex::decode("887022120C06C227").unwrap().as_slice()
    );
    // A bare 9000 without the status object is not acceptable.
    assert_eq!(
        sm.unprotect(&ResponseApdu::status(StatusWord::OK)),
        Err(SmError::MissingDo(0x99))
    );
    assert!(sm.is_closed());
    assert_eq!(
        sm.protect(&CommandApdu::new(0, 0xB0, 0, 0).with_le(4)),
        Err(SmError::SessionClosed)
    );
    assert!(SmError::SessionClosed.to_string().contains("re-establish"));
    assert!(SmError::MacMismatch.to_string().contains("re-established"));

    // DO'99' and DO'87' without DO'8E'.
    let mut sm = tdes_sm("887022120C06C227");
    let resp = ResponseApdu::parse(&hex::decode("990290009000").unwrap()).unwrap();
    assert_eq!(sm.unprotect(&resp), Err(SmError::MissingDo(0x8E)));
}

/// Build a response with a correct MAC over arbitrary data objects (3DES, SSC given after increment).
fn forge_3des(dos: &[u8], ssc_after: &str) -> ResponseApdu {
    let k_mac: [u8; 16] = hex::decode(TDES_MAC).unwrap().try_into().unwrap();
    let mut n = hex::decode(ssc_after).unwrap();
    n.extend_from_slice(dos);
    let mac = sym::retail_mac(&k_mac, &sym::pad(&n, 8)).unwrap();
    let mut data = dos.to_vec();
    data.extend_from_slice(&[0x8E, 0x08]);
    data.extend_from_slice(&mac);
    ResponseApdu::new(data, StatusWord::OK)
}

/// Build a READ BINARY command with a correct MAC over arbitrary data objects.
fn forge_cmd_3des(dos: &[u8], ssc_after: &str) -> CommandApdu {
    let k_mac: [u8; 16] = hex::decode(TDES_MAC).unwrap().try_into().unwrap();
    let mut n = hex::decode(ssc_after).unwrap();
    n.extend_from_slice(&sym::pad(&[0x0C, 0xB0, 0, 0], 8));
    n.extend_from_slice(dos);
    let mac = sym::retail_mac(&k_mac, &sym::pad(&n, 8)).unwrap();
    let mut data = dos.to_vec();
    data.extend_from_slice(&[0x8E, 0x08]);
    data.extend_from_slice(&mac);
    CommandApdu::new(0x0C, 0xB0, 0, 0)
        .with_data(data)
        .with_le(256)
}

fn encrypt_3des(padded: &[u8]) -> Vec<u8> {
    let k: [u8; 16] = hex::decode(TDES_ENC).unwrap().try_into().unwrap();
    sym::tdes_cbc_encrypt(&k, &[0; 8], padded).unwrap()
}

#[test]
fn authenticated_but_invalid_content() {
    let ssc = "887022120C06C227";
    let after = "887022120C06C228";
    // Valid MAC, no DO'99'.
    let mut dos = vec![0x87, 0x09, 0x01];
    dos.extend(encrypt_3des(&sym::pad(b"abc", 8)));
    let mut sm = tdes_sm(ssc);
    assert_eq!(
        sm.unprotect(&forge_3des(&dos, after)),
        Err(SmError::MissingDo(0x99))
    );
    // Valid MAC, DO'99', but the plaintext is not padded.
    let mut dos = vec![0x87, 0x09, 0x01];
    dos.extend(encrypt_3des(b"abcdefgh"));
    dos.extend([0x99, 0x02, 0x90, 0x00]);
    let mut sm = tdes_sm(ssc);
    assert_eq!(
        sm.unprotect(&forge_3des(&dos, after)),
        Err(SmError::BadPadding)
    );
    assert!(sm.is_closed());
    // Valid MAC, wrong padding-content indicator.
    let mut dos = vec![0x87, 0x09, 0x02];
    dos.extend(encrypt_3des(&sym::pad(b"abc", 8)));
    dos.extend([0x99, 0x02, 0x90, 0x00]);
    let mut sm = tdes_sm(ssc);
    assert!(matches!(
        sm.unprotect(&forge_3des(&dos, after)),
        Err(SmError::Malformed(_))
    ));
    // Valid MAC, cryptogram not block aligned.
    let dos = [0x87, 0x04, 0x01, 1, 2, 3, 0x99, 0x02, 0x90, 0x00];
    let mut sm = tdes_sm(ssc);
    assert!(matches!(
        sm.unprotect(&forge_3des(&dos, after)),
        Err(SmError::Malformed(_))
    ));
    // Valid MAC, DO'99' of the wrong size.
    let dos = [0x99, 0x01, 0x90];
    let mut sm = tdes_sm(ssc);
    assert!(matches!(
        sm.unprotect(&forge_3des(&dos, after)),
        Err(SmError::Malformed(_))
    ));
    // DO'85' in a response is accepted (odd INS).
    let mut dos = vec![0x85, 0x08];
    dos.extend(encrypt_3des(&sym::pad(b"abc", 8)));
    dos.extend([0x99, 0x02, 0x90, 0x00]);
    let mut sm = tdes_sm(ssc);
    assert_eq!(sm.unprotect(&forge_3des(&dos, after)).unwrap().data, b"abc");
    // Unknown, duplicated and trailing objects are rejected.
    for dos in [
        vec![0x81, 0x01, 0x00, 0x99, 0x02, 0x90, 0x00],
        vec![0x99, 0x02, 0x90, 0x00, 0x99, 0x02, 0x90, 0x00],
    ] {
        let mut sm = tdes_sm(ssc);
        assert!(matches!(
            sm.unprotect(&forge_3des(&dos, after)),
            Err(SmError::Malformed(_))
        ));
    }
    let mut r = forge_3des(&[0x99, 0x02, 0x90, 0x00], after);
    r.data.extend([0x99, 0x02, 0x90, 0x00]);
    let mut sm = tdes_sm(ssc);
    assert!(matches!(sm.unprotect(&r), Err(SmError::Malformed(_))));
    // The same forged response is fine at the right SSC (sanity check of the forger).
    let mut sm = tdes_sm(ssc);
    assert_eq!(
        sm.unprotect(&forge_3des(&[0x99, 0x02, 0x62, 0x82], after))
            .unwrap()
            .sw,
        StatusWord::END_OF_FILE
    );
}

#[test]
fn tampering_is_detected() {
    let v = load("icao9303-11_appD_bac_sm_3des.json");
    let step = &v["D4_secure_messaging_3des"]["steps"][2];
    let resp = h(&step["response"]);
    // Flip every bit of the data objects in turn: always an error, never a panic, MAC checked first.
    for i in 0..resp.len() - 2 {
        for bit in 0..8 {
            let mut t = resp.clone();
            t[i] ^= 1 << bit;
            let mut sm = tdes_sm("887022120C06C22B");
            let r = sm.unprotect(&ResponseApdu::parse(&t).unwrap());
            assert!(r.is_err(), "byte {i} bit {bit}");
            assert!(
                !matches!(r, Err(SmError::BadPadding)),
                "MAC is verified before decryption"
            );
            assert!(sm.is_closed());
        }
    }
    // Truncations: errors, no panics.
    for len in 0..resp.len() - 2 {
        let mut sm = tdes_sm("887022120C06C22B");
        let mut t = resp[..len].to_vec();
        t.extend([0x90, 0x00]);
        assert!(
            sm.unprotect(&ResponseApdu::parse(&t).unwrap()).is_err(),
            "len {len}"
        );
    }
    // Replay with a stale SSC fails.
    let mut sm = tdes_sm("887022120C06C22D");
    assert_eq!(
        sm.unprotect(&ResponseApdu::parse(&resp).unwrap()),
        Err(SmError::MacMismatch)
    );
    // Chip side: a tampered command is rejected and closes the session.
    let cmd = h(&step["protected_command"]);
    for i in 4..cmd.len() - 1 {
        let mut t = cmd.clone();
        t[i] ^= 0x01;
        let mut chip = tdes_sm("887022120C06C22A");
        if let Ok(c) = CommandApdu::parse(&t) {
            assert!(chip.unprotect_command(&c).is_err(), "byte {i}");
            assert!(chip.is_closed());
        }
    }
    // Header bytes are authenticated too.
    let mut t = cmd.clone();
    t[3] ^= 0x01;
    let mut chip = tdes_sm("887022120C06C22A");
    assert_eq!(
        chip.unprotect_command(&CommandApdu::parse(&t).unwrap()),
        Err(SmError::MacMismatch)
    );
    // A command without the SM bits in CLA.
    let mut chip = tdes_sm("887022120C06C22A");
    assert_eq!(
        chip.unprotect_command(&CommandApdu::new(0, 0xB0, 0, 0).with_le(4)),
        Err(SmError::NotProtected)
    );
    // Bad DO'97' lengths are rejected after a correct MAC; good ones decode.
    let ssc = "887022120C06C22A";
    for (do97, ok) in [
        (vec![0x97, 0x03, 0, 1, 0], false),
        (vec![0x97, 0x00], false),
        (vec![0x97, 0x01, 0x04], true),
    ] {
        let mut chip = tdes_sm(ssc);
        let r = chip.unprotect_command(&forge_cmd_3des(&do97, "887022120C06C22B"));
        assert_eq!(r.is_ok(), ok, "{do97:02X?}");
    }
    let mut chip = tdes_sm(ssc);
    assert_eq!(
        chip.unprotect_command(&forge_cmd_3des(&[], "887022120C06C22B"))
            .unwrap(),
        CommandApdu::new(0, 0xB0, 0, 0)
    );
}

#[test]
fn random_input_never_panics() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..4000 {
        let len = (next() % 64) as usize;
        let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Bias towards SM tags so that the parser gets exercised.
        if let Some(b) = data.first_mut() {
            *b = [0x87, 0x85, 0x99, 0x8E, 0x97][(next() % 5) as usize];
        }
        let mut sm = tdes_sm("0000000000000000");
        let _ = sm.unprotect(&ResponseApdu::new(data.clone(), StatusWord::OK));
        let mut aes = SecureMessaging::new_aes(&[1; 32], &[2; 32], [0; 16]).unwrap();
        let _ = aes.unprotect(&ResponseApdu::new(data.clone(), StatusWord::OK));
        let mut chip = tdes_sm("0000000000000000");
        let _ = chip.unprotect_command(&CommandApdu::new(0x0C, 0xB0, 0, 0).with_data(data));
    }
}

#[test]
fn constructors() {
    assert!(SecureMessaging::new_aes(&[0; 15], &[0; 15], [0; 16]).is_err());
    assert!(SecureMessaging::new_aes(&[0; 16], &[0; 32], [0; 16]).is_err());
    let sm = SecureMessaging::new_aes(&[0; 24], &[0; 24], [0; 16]).unwrap();
    assert_eq!(sm.key_cipher(), Cipher::Aes192);
    assert_eq!(sm.ssc(), &[0; 16]);
    assert!(SecureMessaging::new(Cipher::Tdes, &[0; 16], &[0; 16], &[0; 16]).is_err());
    let k = sym::kdf(b"secret", sym::KDF_ENC, Cipher::Aes256);
    let m = sym::kdf(b"secret", sym::KDF_MAC, Cipher::Aes256);
    let sm = SecureMessaging::from_keys(k, m, &[0; 16]).unwrap();
    assert!(!format!("{sm:?}").contains("secret"));
    // An invalid command is refused without touching the SSC.
    let mut sm = tdes_sm("0000000000000000");
    assert!(matches!(
        sm.protect(&CommandApdu::new(0, 0xB0, 0, 0).with_le(70000)),
        Err(SmError::InvalidCommand(_))
    ));
    assert_eq!(sm.ssc(), &[0; 8]);
    assert!(matches!(
        sm.protect(&CommandApdu::new(0, 0xD6, 0, 0).with_data(vec![0; 65530])),
        Err(SmError::CommandTooLong(_))
    ));
}

#[test]
fn a_command_too_long_to_protect_keeps_the_ssc() {
    // Found while writing the `sm_unprotect` fuzz target: the SSC was incremented before the
    // length check, so the next command's MAC no longer matched the chip's counter.
    let mut sm = tdes_sm("00000000000000FF");
    assert!(matches!(
        sm.protect(&CommandApdu::new(0, 0xD6, 0, 0).with_data(vec![0; 65530])),
        Err(SmError::CommandTooLong(_))
    ));
    assert_eq!(sm.ssc(), &[0, 0, 0, 0, 0, 0, 0, 0xFF]);
    assert!(!sm.is_closed());
    sm.protect(&CommandApdu::new(0, 0xB0, 0, 0).with_le(4))
        .expect("the session is still usable");
    assert_eq!(sm.ssc(), &[0, 0, 0, 0, 0, 0, 1, 0]);
}

#[test]
fn the_send_sequence_counter_counts_unsigned_and_carries_across_every_byte() {
    // Field quirk S6: a signed counter broke after enough commands. The SSC is an unsigned
    // big-endian counter of the block size: 7F → 80 and FF → carry, never negative or stuck.
    let cases = [
        ("000000000000007F", "0000000000000080"),
        ("00000000000000FF", "0000000000000100"),
        ("00000000FFFFFFFF", "0000000100000000"),
        ("7FFFFFFFFFFFFFFF", "8000000000000000"),
        ("FFFFFFFFFFFFFFFF", "0000000000000000"),
    ];
    for (before, after) in cases {
        let mut sm = tdes_sm(before);
        let cmd = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(4);
        sm.protect(&cmd).unwrap();
        assert_eq!(hx(sm.ssc()), after, "{before}");
    }
}
