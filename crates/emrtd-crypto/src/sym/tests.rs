use super::*;
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

fn arr16(v: &[u8]) -> [u8; 16] {
    v.try_into().expect("16 bytes")
}

fn cipher_named(name: &str) -> Cipher {
    match name {
        "3DES" => Cipher::Tdes,
        "AES-128" => Cipher::Aes128,
        "AES-192" => Cipher::Aes192,
        "AES-256" => Cipher::Aes256,
        other => panic!("unknown cipher {other}"),
    }
}

#[test]
fn appendix_d1_kdf_with_intermediates() {
    let v = load("icao9303-11_appD_bac_sm_3des.json");
    let d1 = &v["D1_key_from_seed"];
    let seed = h(&d1["k_seed"]);
    for (part, counter, key_field) in [("enc", KDF_ENC, "k_enc"), ("mac", KDF_MAC, "k_mac")] {
        let p = &d1[part];
        let mut d = seed.clone();
        d.extend_from_slice(&counter.to_be_bytes());
        assert_eq!(d, h(&p["d"]));
        let digest = Sha1::digest(&d);
        assert_eq!(digest.as_slice(), h(&p["sha1_d"]).as_slice());
        assert_eq!(&digest[..8], h(&p["ka_before_parity"]).as_slice());
        assert_eq!(&digest[8..16], h(&p["kb_before_parity"]).as_slice());
        let mut adjusted = digest[..16].to_vec();
        adjust_des_parity(&mut adjusted);
        assert_eq!(adjusted, h(&p[key_field]));
        let key = kdf(&seed, counter, Cipher::Tdes);
        assert_eq!(key.cipher(), Cipher::Tdes);
        assert_eq!(key.as_bytes(), h(&p[key_field]).as_slice());
    }
}

#[test]
fn appendix_d2_key_seed() {
    let v = load("icao9303-11_appD_bac_sm_3des.json");
    let d2 = &v["D2_mrz_key_derivation"];
    let info = d2["mrz_information"].as_str().unwrap();
    let digest = Sha1::digest(info.as_bytes());
    assert_eq!(digest.as_slice(), h(&d2["sha1_mrz_information"]).as_slice());
    assert_eq!(&digest[..16], h(&d2["k_seed"]).as_slice());
    for ex in v["D2_long_document_number_examples"].as_array().unwrap() {
        let digest = Sha1::digest(ex["mrz_information"].as_str().unwrap().as_bytes());
        assert_eq!(&digest[..16], h(&ex["k_seed"]).as_slice());
    }
}

#[test]
fn appendix_d3_bac_primitives() {
    let v = load("icao9303-11_appD_bac_sm_3des.json");
    let d3 = &v["D3_bac_mutual_authentication"];
    let k_enc = arr16(&h(&d3["k_enc"]));
    let k_mac = arr16(&h(&d3["k_mac"]));
    // E_IFD = 3DES-CBC(K_enc, 0, S); M_IFD = retail MAC over padded E_IFD.
    let e_ifd = tdes_cbc_encrypt(&k_enc, &[0; 8], &h(&d3["s"])).unwrap();
    assert_eq!(e_ifd, h(&d3["e_ifd"]));
    assert_eq!(
        retail_mac(&k_mac, &pad(&e_ifd, DES_BLOCK))
            .unwrap()
            .to_vec(),
        h(&d3["m_ifd"])
    );
    assert_eq!(
        tdes_cbc_decrypt(&k_enc, &[0; 8], &e_ifd).unwrap(),
        h(&d3["s"])
    );
    // Chip answer: E_IC decrypts to R, M_IC verifies.
    let e_ic = h(&d3["e_ic"]);
    assert_eq!(
        tdes_cbc_decrypt(&k_enc, &[0; 8], &e_ic).unwrap(),
        h(&d3["r"])
    );
    assert_eq!(
        SymKey::tdes(&k_mac).mac8(&pad(&e_ic, 8)).unwrap().to_vec(),
        h(&d3["m_ic"])
    );
    // Session keys from K_IFD xor K_IC.
    let k_ifd = h(&d3["k_ifd"]);
    let k_ic = h(&d3["k_ic"]);
    let seed: Vec<u8> = k_ifd.iter().zip(&k_ic).map(|(a, b)| a ^ b).collect();
    assert_eq!(seed, h(&d3["k_seed_session"]));
    assert_eq!(
        kdf(&seed, KDF_ENC, Cipher::Tdes).as_bytes(),
        h(&d3["ks_enc"])
    );
    assert_eq!(
        kdf(&seed, KDF_MAC, Cipher::Tdes).as_bytes(),
        h(&d3["ks_mac"])
    );
}

#[test]
fn appendix_d4_sm_primitives() {
    let v = load("icao9303-11_appD_bac_sm_3des.json");
    let d4 = &v["D4_secure_messaging_3des"];
    let ks_enc = SymKey::tdes(&arr16(&h(&d4["ks_enc"])));
    let ks_mac = SymKey::tdes(&arr16(&h(&d4["ks_mac"])));
    for step in d4["steps"].as_array().unwrap() {
        assert_eq!(
            pad(&h(&step["masked_header"]), 8),
            h(&step["padded_header"])
        );
        if let Some(pd) = step.get("padded_data") {
            let cmd = h(&step["unprotected_command"]);
            assert_eq!(pad(&cmd[5..], 8), h(pd));
            assert_eq!(
                ks_enc.encrypt_cbc(&[0; 8], &h(pd)).unwrap(),
                h(&step["encrypted_data"])
            );
        }
        let n = h(&step["n"]);
        assert_eq!(ks_mac.mac8(&n).unwrap().to_vec(), h(&step["cc"]));
        let k = h(&step["k"]);
        assert_eq!(ks_mac.mac8(&k).unwrap().to_vec(), h(&step["response_cc"]));
        if let Some(enc) = step.get("response_encrypted_data") {
            let plain = ks_enc.decrypt_cbc(&[0; 8], &h(enc)).unwrap();
            assert_eq!(
                unpad(&plain, 8).unwrap(),
                h(&step["response_plain_data"]).as_slice()
            );
        }
    }
}

#[test]
fn gmrtd_kdf_cases() {
    let v = load("gmrtd_sym_sm_cases.json");
    for c in v["kdf"].as_array().unwrap() {
        let cipher = cipher_named(c["cipher"].as_str().unwrap());
        let counter = c["counter"].as_u64().unwrap() as u32;
        let key = kdf(&h(&c["secret"]), counter, cipher);
        assert_eq!(key.as_bytes(), h(&c["key"]).as_slice(), "{c}");
        assert_eq!(key.as_bytes().len(), cipher.key_len());
    }
}

#[test]
fn padding() {
    let v = load("gmrtd_sym_sm_cases.json");
    for c in v["pad_method2_block8"].as_array().unwrap() {
        let padded = pad(&h(&c["data"]), 8);
        assert_eq!(padded, h(&c["padded"]));
        assert_eq!(unpad(&padded, 8).unwrap(), h(&c["data"]).as_slice());
    }
    assert_eq!(pad(&[1; 15], 16).len(), 16);
    assert_eq!(pad(&[1; 16], 16).len(), 32);
    // Strict unpadding.
    assert_eq!(unpad(&[], 8), Err(SymError::BadPadding));
    assert_eq!(
        unpad(&[0x12, 0x34, 0x56, 0x78], 8),
        Err(SymError::BadPadding)
    );
    assert_eq!(unpad(&[0; 8], 8), Err(SymError::BadPadding));
    assert_eq!(
        unpad(&[1, 2, 3, 4, 5, 6, 7, 8], 8),
        Err(SymError::BadPadding)
    );
    assert_eq!(
        unpad(&[1, 2, 0x80, 0, 0, 0, 0, 1], 8),
        Err(SymError::BadPadding)
    );
    assert_eq!(
        unpad(&[0x80, 0, 0, 0, 0, 0, 0], 8),
        Err(SymError::BadPadding)
    );
    // More than one block of padding is rejected.
    let mut two = vec![0x80];
    two.resize(16, 0);
    assert_eq!(unpad(&two, 8), Err(SymError::BadPadding));
    assert_eq!(unpad(&two, 16).unwrap(), &[] as &[u8]);
}

#[test]
fn retail_mac_cases() {
    let v = load("gmrtd_sym_sm_cases.json");
    for c in v["retail_mac"].as_array().unwrap() {
        let key = arr16(&h(&c["key"]));
        assert_eq!(
            retail_mac(&key, &h(&c["data"])).unwrap().to_vec(),
            h(&c["mac"])
        );
    }
    let key = [0x01; 16];
    assert!(matches!(
        retail_mac(&key, &[0; 9]),
        Err(SymError::NotBlockAligned { len: 9, block: 8 })
    ));
    assert!(retail_mac(&key, &[]).is_err());
}

#[test]
fn cbc_cases() {
    let v = load("gmrtd_sym_sm_cases.json");
    for c in v["tdes_cbc_zero_iv"].as_array().unwrap() {
        let key = arr16(&h(&c["key"]));
        assert_eq!(
            tdes_cbc_encrypt(&key, &[0; 8], &h(&c["plain"])).unwrap(),
            h(&c["cipher"])
        );
        assert_eq!(
            tdes_cbc_decrypt(&key, &[0; 8], &h(&c["cipher"])).unwrap(),
            h(&c["plain"])
        );
    }
    for c in v["aes_cbc_nist_sp800_38a"].as_array().unwrap() {
        let (key, iv) = (h(&c["key"]), h(&c["iv"]));
        assert_eq!(
            aes_cbc_encrypt(&key, &iv, &h(&c["plain"])).unwrap(),
            h(&c["cipher"])
        );
        assert_eq!(
            aes_cbc_decrypt(&key, &iv, &h(&c["cipher"])).unwrap(),
            h(&c["plain"])
        );
        let sk = SymKey::aes(&key).unwrap();
        assert_eq!(
            sk.encrypt_cbc(&iv, &h(&c["plain"])).unwrap(),
            h(&c["cipher"])
        );
        // ECB of one block equals CBC with a zero IV; with IV x it equals ECB(p ^ x).
        let x: Vec<u8> = h(&c["plain"]).iter().zip(&iv).map(|(a, b)| a ^ b).collect();
        let block: [u8; 16] = x.as_slice().try_into().unwrap();
        assert_eq!(
            aes_ecb_encrypt_block(&key, &block).unwrap().to_vec(),
            h(&c["cipher"])
        );
        assert_eq!(sk.encrypt_block(&x).unwrap(), h(&c["cipher"]));
    }
    // Errors instead of panics.
    let k = [0u8; 16];
    assert!(matches!(
        tdes_cbc_encrypt(&k, &[0; 7], &[0; 8]),
        Err(SymError::IvLength {
            expected: 8,
            actual: 7
        })
    ));
    assert!(matches!(
        tdes_cbc_decrypt(&k, &[0; 8], &[0; 17]),
        Err(SymError::NotBlockAligned { len: 17, block: 8 })
    ));
    assert_eq!(
        aes_cbc_encrypt(&[0; 25], &[0; 16], &[0; 16]),
        Err(SymError::AesKeyLength(25))
    );
    assert!(aes_cbc_decrypt(&k, &[0; 16], &[0; 15]).is_err());
    assert!(aes_cbc_encrypt(&k, &[0; 8], &[0; 16]).is_err());
    assert_eq!(
        tdes_cbc_encrypt(&k, &[0; 8], &[]).unwrap(),
        Vec::<u8>::new()
    );
    assert!(SymKey::tdes(&k).encrypt_block(&[0; 16]).is_err());
}

#[test]
fn cmac_cases() {
    let v = load("gmrtd_sym_sm_cases.json");
    for c in v["aes_cmac_nist_sp800_38b"].as_array().unwrap() {
        let key = h(&c["key"]);
        let mac = aes_cmac(&key, &h(&c["msg"])).unwrap();
        assert_eq!(mac.to_vec(), h(&c["mac"]));
        let sk = SymKey::aes(&key).unwrap();
        assert_eq!(sk.mac8(&h(&c["msg"])).unwrap(), mac[..8]);
    }
    assert_eq!(aes_cmac(&[0; 8], b"x"), Err(SymError::AesKeyLength(8)));
}

#[test]
fn aes_sm_example_primitives() {
    // Boiano KAT: SELECT eMRTD AID with AES-128, SSC 1 for the command.
    let v = load("aes_secure_messaging_examples.json");
    let ex = &v["examples"][1];
    let k_enc = h(&ex["ks_enc"]);
    let k_mac = h(&ex["ks_mac"]);
    let mut ssc = [0u8; 16];
    ssc[15] = 1;
    let iv = aes_ecb_encrypt_block(&k_enc, &ssc).unwrap();
    let data = pad(&h(&ex["unprotected_command"])[5..], 16);
    let ct = aes_cbc_encrypt(&k_enc, &iv, &data).unwrap();
    let prot = h(&ex["protected_command"]);
    // 0C A4 04 0C 1D | 87 11 01 <16 bytes> | 8E 08 <8 bytes> | 00
    assert_eq!(&prot[8..24], ct.as_slice());
    let mut n = ssc.to_vec();
    n.extend_from_slice(&pad(&prot[..4], 16));
    n.extend_from_slice(&prot[5..24]);
    let mac = aes_cmac(&k_mac, &pad(&n, 16)).unwrap();
    assert_eq!(&prot[26..34], &mac[..8]);
}

#[test]
fn parity_and_misc() {
    let mut k = [0x00, 0x01, 0xFE, 0xFF, 0x23, 0x9A];
    adjust_des_parity(&mut k);
    assert_eq!(k, [0x01, 0x01, 0xFE, 0xFE, 0x23, 0x9B]);
    for b in k {
        assert_eq!(b.count_ones() % 2, 1);
    }
    assert!(ct_eq(b"abc", b"abc"));
    assert!(!ct_eq(b"abc", b"abd"));
    assert!(!ct_eq(b"abc", b"ab"));
    assert_eq!(Cipher::Tdes.key_len(), 16);
    assert_eq!(Cipher::Tdes.block_size(), 8);
    assert_eq!(Cipher::Aes192.key_len(), 24);
    assert_eq!(Cipher::Aes256.block_size(), 16);
    assert!(Cipher::Aes128.is_aes() && !Cipher::Tdes.is_aes());
    assert_eq!(Cipher::aes_for_key_len(32), Ok(Cipher::Aes256));
    assert!(SymKey::new(Cipher::Aes192, &[0; 16]).is_err());
    let key = SymKey::new(Cipher::Aes192, &[7; 24]).unwrap();
    assert_eq!(key.as_bytes(), &[7; 24]);
    assert!(!format!("{key:?}").contains('7'));
    assert_eq!(key.clone(), key);
    assert_ne!(SymKey::new(Cipher::Aes192, &[8; 24]).unwrap(), key);
}
