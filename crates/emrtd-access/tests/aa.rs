//! Active Authentication: published vectors (a real RSA-1792 session, the ICAO 9303-11
//! ISO/IEC 9796-2 example), OpenSSL ECDSA signatures, DG15 samples, chip → terminal round trips
//! and rejection of damaged or foreign signatures.

use emrtd_access::aa::{
    self, iso9796, AaAlgorithm, AaChipKey, AaPublicKey, EcdsaFormat, Iso9796Error, Iso9796Trailer,
};
use emrtd_apdu::{CommandApdu, ResponseApdu};
use emrtd_crypto::sig::HashAlg;
use emrtd_lds::dg15::Dg15;
use emrtd_lds::security_infos::ActiveAuthenticationInfo;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::BigUint;
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{rel}")).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn json(rel: &str) -> Value {
    serde_json::from_slice(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn hex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

fn chip_key(name: &str) -> AaChipKey {
    AaChipKey::from_pkcs8_der(&read(&format!("keys/{name}.pk8.der"))).expect("test key loads")
}

fn public_key(chip: &AaChipKey) -> AaPublicKey {
    Dg15::decode(&chip.dg15()).expect("DG15 decodes").public_key
}

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

const CHALLENGE: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF];

fn plain_info(hash: &str) -> ActiveAuthenticationInfo {
    let oid = match hash {
        "SHA-1" => "0.4.0.127.0.7.1.1.4.1.1",
        "SHA-224" => "0.4.0.127.0.7.1.1.4.1.2",
        "SHA-256" => "0.4.0.127.0.7.1.1.4.1.3",
        "SHA-384" => "0.4.0.127.0.7.1.1.4.1.4",
        "SHA-512" => "0.4.0.127.0.7.1.1.4.1.5",
        other => panic!("{other}"),
    };
    ActiveAuthenticationInfo {
        version: 1,
        signature_algorithm: oid.into(),
    }
}

fn hash_alg(name: &str) -> HashAlg {
    match name {
        "SHA-1" => HashAlg::Sha1,
        "SHA-224" => HashAlg::Sha224,
        "SHA-256" => HashAlg::Sha256,
        "SHA-384" => HashAlg::Sha384,
        "SHA-512" => HashAlg::Sha512,
        other => panic!("{other}"),
    }
}

/// DER `ECDSA-Sig-Value` of a plain `r ‖ s` signature.
fn plain_to_der(sig: &[u8]) -> Vec<u8> {
    let (r, s) = sig.split_at(sig.len() / 2);
    let int = |v: &[u8]| {
        let start = v.iter().position(|b| *b != 0).unwrap_or(v.len() - 1);
        let mut c = v[start..].to_vec();
        if c[0] & 0x80 != 0 {
            c.insert(0, 0);
        }
        emrtd_tlv::encode(0x02, &c)
    };
    emrtd_tlv::encode_constructed(0x30, &[int(r), int(s)])
}

/// Plain `r ‖ s` (each `len` bytes) of a DER signature.
fn der_to_plain(der: &[u8], len: usize) -> Vec<u8> {
    let seq = emrtd_tlv::parse_exact(der).expect("DER");
    let items = emrtd_tlv::parse_all(seq.value).expect("two INTEGERs");
    let mut out = Vec::new();
    for i in items {
        let v: Vec<u8> = i.value.iter().copied().skip_while(|b| *b == 0).collect();
        out.resize(out.len() + len - v.len(), 0);
        out.extend(v);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Published vectors
// ---------------------------------------------------------------------------------------------

/// gmrtd's real session (RSA-1792, ISO/IEC 9796-2, SHA-256) replayed byte for byte, including
/// the 3DES secure messaging around INTERNAL AUTHENTICATE.
#[test]
fn gmrtd_real_session_rsa1792_sha256() {
    let all = json("vectors/gmrtd_real_session_traces.json");
    let t = &all["sessions"]["TestDoActiveAuth"];
    let dg15 = Dg15::decode(&hex(&t["dg15"])).expect("DG15");
    let challenge: [u8; 8] = hex(&t["terminal_randoms"][0]).try_into().expect("8 bytes");
    let signature = hex(&t["expected_evidence"]["Signature"]);

    let sm_keys = &t["sm_states"][0];
    let k_enc: [u8; 16] = hex(&sm_keys["ks_enc"]).try_into().expect("16");
    let k_mac: [u8; 16] = hex(&sm_keys["ks_mac"]).try_into().expect("16");
    let ssc: [u8; 8] = hex(&t["ssc_values"][0]).try_into().expect("8");
    let mut sm = emrtd_sm::SecureMessaging::new_3des(k_enc, k_mac, ssc);

    let cmd = aa::internal_authenticate_command(challenge);
    assert_eq!(
        cmd.to_bytes().expect("encodes"),
        [&[0x00, 0x88, 0x00, 0x00, 0x08][..], &challenge, &[0x00]].concat()
    );
    let protected = sm.protect(&cmd).expect("protect");
    assert_eq!(
        protected.to_bytes().expect("encodes"),
        hex(&t["apdus"][0]["command"])
    );
    let resp = ResponseApdu::parse(&hex(&t["apdus"][0]["response"])).expect("response");
    let plain = sm.unprotect(&resp).expect("unprotect");
    assert!(plain.sw.is_ok());
    assert_eq!(plain.data, signature);
    assert_eq!(sm.ssc(), hex(&t["ssc_values"][1]).as_slice());

    let result = aa::verify(&dg15.public_key, &challenge, &plain.data, None);
    assert!(result.passed, "{result}");
    assert_eq!(result.key, "RSA-1792");
    assert_eq!(
        result.algorithm,
        Some(AaAlgorithm::Iso9796_2 {
            hash: HashAlg::Sha256,
            trailer: Iso9796Trailer::Explicit(HashAlg::Sha256)
        })
    );
    assert_eq!(
        result.algorithm.map(|a| a.to_string()).as_deref(),
        Some("ISO/IEC 9796-2 scheme 1 with SHA-256 (trailer 34CC)")
    );

    // Opening by hand: F = 6A ‖ M1 (189 bytes) ‖ SHA-256 ‖ 34CC.
    let AaPublicKey::Rsa { n, e } = &dg15.public_key else {
        panic!("RSA key expected")
    };
    let key =
        rsa::RsaPublicKey::new(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e)).expect("key");
    let f = iso9796::open_rsa(&key, &signature).expect("opens");
    assert_eq!(f.len(), 224);
    assert_eq!(f[0], 0x6A);
    assert_eq!(&f[222..], &[0x34, 0xCC]);
    let (trailer, m1) = iso9796::verify_representative(&f, &challenge).expect("valid");
    assert_eq!(trailer, Iso9796Trailer::Explicit(HashAlg::Sha256));
    assert_eq!(m1.len(), 189);

    // Any other challenge fails.
    let mut other = challenge;
    other[0] ^= 0x80;
    let r = aa::verify(&dg15.public_key, &other, &signature, None);
    assert!(!r.passed);
    assert!(r.reason.contains("not over this challenge"), "{}", r.reason);
}

/// ICAO 9303-11 AA example (no key published): the encoding of F, the capacity, recovery.
#[test]
fn icao_9796_2_encoding_example() {
    let v = json("vectors/icao9303-11_active_authentication_example.json");
    let m1 = hex(&v["m1"]);
    let m2 = hex(&v["rnd_ifd_m2"]);
    let f = hex(&v["f"]);
    let k_bytes = v["k_bits"].as_u64().expect("k") as usize / 8;
    assert_eq!(v["trailer_t"], "BC");

    let cap = iso9796::m1_capacity(k_bytes, Iso9796Trailer::Implicit).expect("fits");
    assert_eq!(cap, m1.len());
    // c = k − L_h − 8t − 4 bits: M1 plus the border nibble A.
    assert_eq!(cap * 8 + 4, v["c_bits"].as_u64().expect("c") as usize);

    assert_eq!(
        iso9796::encode_representative(&m1, &m2, Iso9796Trailer::Implicit),
        f
    );
    let (trailer, recovered) = iso9796::verify_representative(&f, &m2).expect("valid");
    assert_eq!(trailer, Iso9796Trailer::Implicit);
    assert_eq!(recovered, m1.as_slice());
    assert_eq!([recovered, &m2].concat(), hex(&v["m_star"]));
    assert_eq!(&f[1 + cap..f.len() - 1], hex(&v["h_sha1_m1_m2"]).as_slice());

    let mut wrong = m2.clone();
    wrong[3] ^= 1;
    assert_eq!(
        iso9796::verify_representative(&f, &wrong),
        Err(Iso9796Error::HashMismatch("SHA-1"))
    );
}

/// ECDSA signatures made by OpenSSL (DER) verify, as DER and converted to plain.
#[test]
fn openssl_ecdsa_signatures() {
    let v = json("keys/openssl_ecdsa_aa_signatures.json");
    let challenge: [u8; 8] = hex(&v["challenge"]).try_into().expect("8");
    assert_eq!(challenge, CHALLENGE);
    let sigs = v["signatures"].as_array().expect("list");
    assert_eq!(sigs.len(), 6);
    for s in sigs {
        let key_file = s["key"].as_str().expect("key");
        let key = public_key(&chip_key(key_file.trim_end_matches(".pk8.der")));
        let hash = s["hash"].as_str().expect("hash");
        let der = hex(&s["der"]);
        let info = plain_info(hash);

        let r = aa::verify(&key, &challenge, &der, Some(&info));
        assert!(r.passed, "{key_file} {hash}: {r}");
        assert_eq!(
            r.algorithm,
            Some(AaAlgorithm::Ecdsa {
                hash: hash_alg(hash),
                format: EcdsaFormat::Der
            })
        );
        assert!(r
            .reason
            .contains("DER signature where DG14 names the plain"));

        let plain = der_to_plain(&der, 32);
        let r = aa::verify(&key, &challenge, &plain, Some(&info));
        assert!(r.passed, "{key_file} {hash} plain: {r}");

        // X9.62 OID in DG14 (ecdsa-with-SHAx) works the same.
        if hash != "SHA-1" {
            let x962 = ActiveAuthenticationInfo {
                version: 1,
                signature_algorithm: match hash {
                    "SHA-256" => "1.2.840.10045.4.3.2",
                    _ => "1.2.840.10045.4.3.3",
                }
                .into(),
            };
            assert!(aa::verify(&key, &challenge, &der, Some(&x962)).passed);
        }

        // Without DG14 information the hash is found by trial, and the result says so.
        let r = aa::verify(&key, &challenge, &der, None);
        assert!(r.passed, "{r}");
        assert!(r.reason.contains("found by trial"));

        // A wrong hash in DG14 fails.
        let wrong = if hash == "SHA-256" {
            "SHA-384"
        } else {
            "SHA-256"
        };
        let r = aa::verify(&key, &challenge, &der, Some(&plain_info(wrong)));
        assert!(!r.passed, "{key_file} {hash} verified as {wrong}");

        // Another challenge fails.
        let mut c = challenge;
        c[7] ^= 1;
        assert!(!aa::verify(&key, &c, &der, Some(&info)).passed);
    }
}

// ---------------------------------------------------------------------------------------------
// DG15 samples and key fixtures
// ---------------------------------------------------------------------------------------------

#[test]
fn dg15_samples_decode_as_keys() {
    for (file, expected) in [
        ("lds/bsi2008/Datagroup15.bin", "RSA-1024"),
        ("lds/bsi_tr03105_5/Datagroup15.bin", "RSA-1024"),
        ("lds/etsi_tr103200/ETSI_TR103200_DG15.bin", "RSA-1024"),
        ("lds/loes2006/ef010F.bin", "RSA-1024"),
        (
            "lds/dg15_ec_explicit.bin",
            "EC brainpoolP384r1 (explicit parameters)",
        ),
        ("lds/dg15_ec_named_secp384r1.bin", "EC P-384"),
    ] {
        let dg15 = Dg15::decode(&read(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        // A signature of the right shape but wrong value: the key decodes, the check fails.
        let junk = vec![0x5Au8; if expected.starts_with("RSA") { 128 } else { 96 }];
        let r = aa::verify(&dg15.public_key, &CHALLENGE, &junk, None);
        assert_eq!(r.key, expected, "{file}: {r}");
        assert!(!r.passed, "{file}");
        assert!(!r.reason.is_empty());
    }
}

/// The chip keys publish exactly the SubjectPublicKeyInfo OpenSSL derives from them.
#[test]
fn chip_keys_publish_openssl_spki() {
    for name in [
        "aa_rsa2048",
        "aa_ec_p256",
        "aa_ec_brainpoolp256r1",
        "aa_ec_brainpoolp256r1_explicit",
    ] {
        let key = chip_key(name);
        assert_eq!(
            key.public_key_info(),
            read(&format!("keys/{name}.spki.der")),
            "{name}"
        );
        let dg15 = key.dg15();
        assert_eq!(dg15[0], 0x6F);
        assert_eq!(Dg15::decode(&dg15).expect("decodes").encode(), dg15);
    }
    assert_eq!(
        chip_key("aa_rsa2048").describe(),
        "RSA-2048, ISO/IEC 9796-2 trailer BC"
    );
    assert_eq!(
        chip_key("aa_ec_brainpoolp256r1").describe(),
        "EC brainpoolP256r1, ECDSA SHA-256"
    );
    assert!(chip_key("aa_rsa2048")
        .active_authentication_info()
        .is_none());
    assert_eq!(
        chip_key("aa_ec_p256")
            .with_hash(HashAlg::Sha384)
            .active_authentication_info(),
        Some(plain_info("SHA-384"))
    );
    // Debug output hides the secret.
    let dbg = format!("{:?}", chip_key("aa_ec_p256"));
    assert!(dbg.contains("<secret>") && !dbg.contains("52C9"));
}

#[test]
fn chip_key_loading_errors() {
    assert!(AaChipKey::from_pkcs8_der(&[]).is_err());
    assert!(AaChipKey::from_pkcs8_der(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
    // The SPKI is not a private key.
    assert!(AaChipKey::from_pkcs8_der(&read("keys/aa_ec_p256.spki.der")).is_err());
    // Truncated keys never panic.
    let der = read("keys/aa_ec_brainpoolp256r1_explicit.pk8.der");
    for cut in 0..der.len() {
        assert!(AaChipKey::from_pkcs8_der(&der[..cut]).is_err(), "cut {cut}");
    }
    // A private scalar that does not match the stored public key is refused.
    let mut bad = read("keys/aa_ec_p256.pk8.der");
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let err = AaChipKey::from_pkcs8_der(&bad).expect_err("mismatch");
    assert!(err.to_string().contains("does not belong"), "{err}");
    // PEM.
    let pem = pem_rfc7468::encode_string(
        "PRIVATE KEY",
        pem_rfc7468::LineEnding::LF,
        &read("keys/aa_ec_p256.pk8.der"),
    )
    .expect("pem");
    let k = AaChipKey::from_pkcs8_pem(&pem).expect("PEM key");
    assert_eq!(k.public_key_info(), read("keys/aa_ec_p256.spki.der"));
    let pem = pem.replace("PRIVATE KEY", "PUBLIC KEY");
    assert!(AaChipKey::from_pkcs8_pem(&pem).is_err());
}

// ---------------------------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------------------------

#[test]
fn rsa_round_trips_for_every_trailer() {
    let base = read("keys/aa_rsa2048.pk8.der");
    let cases = [
        (Iso9796Trailer::Implicit, "BC"),
        (Iso9796Trailer::Explicit(HashAlg::Sha1), "33CC"),
        (Iso9796Trailer::Explicit(HashAlg::Sha224), "38CC"),
        (Iso9796Trailer::Explicit(HashAlg::Sha256), "34CC"),
        (Iso9796Trailer::Explicit(HashAlg::Sha384), "36CC"),
        (Iso9796Trailer::Explicit(HashAlg::Sha512), "35CC"),
    ];
    for (i, (trailer, hex_trailer)) in cases.into_iter().enumerate() {
        let chip = AaChipKey::from_pkcs8_der(&base)
            .expect("key")
            .with_trailer(trailer);
        let pk = public_key(&chip);
        let challenge = aa::new_challenge(&mut rng(i as u64));
        let sig = chip
            .sign_challenge(&challenge, &mut rng(100 + i as u64))
            .expect("signs");
        assert_eq!(sig.len(), 256);
        let r = aa::verify(&pk, &challenge, &sig, None);
        assert!(r.passed, "{hex_trailer}: {r}");
        assert_eq!(
            r.algorithm,
            Some(AaAlgorithm::Iso9796_2 {
                hash: trailer.hash(),
                trailer
            })
        );
        assert_eq!(trailer.hex(), hex_trailer);
        // The trailer really is in the representative.
        let AaPublicKey::Rsa { n, e } = &pk else {
            panic!("RSA")
        };
        let key = rsa::RsaPublicKey::new(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e))
            .expect("key");
        let f = iso9796::open_rsa(&key, &sig).expect("opens");
        assert!(hex::encode_upper(&f).ends_with(hex_trailer));

        // The alternative signature n − σ (ISO/IEC 9796-2) verifies too.
        let alt = (key.n() - BigUint::from_bytes_be(&sig)).to_bytes_be();
        let r = aa::verify(&pk, &challenge, &alt, None);
        assert!(r.passed, "n - s with {hex_trailer}: {r}");
    }
    // with_hash picks BC for SHA-1 and 34CC for SHA-256.
    let k = AaChipKey::from_pkcs8_der(&base).expect("key");
    assert_eq!(k.hash(), HashAlg::Sha1);
    let k = k.with_hash(HashAlg::Sha256);
    let sig = k.sign_challenge(&CHALLENGE, &mut rng(7)).expect("signs");
    let r = aa::verify(&public_key(&k), &CHALLENGE, &sig, None);
    assert_eq!(
        r.algorithm,
        Some(AaAlgorithm::Iso9796_2 {
            hash: HashAlg::Sha256,
            trailer: Iso9796Trailer::Explicit(HashAlg::Sha256)
        })
    );
    // Fresh randomness gives a fresh M1, hence a different signature.
    let sig2 = k.sign_challenge(&CHALLENGE, &mut rng(8)).expect("signs");
    assert_ne!(sig, sig2);
    assert!(aa::verify(&public_key(&k), &CHALLENGE, &sig2, None).passed);
}

#[test]
fn ecdsa_round_trips() {
    for name in [
        "aa_ec_p256",
        "aa_ec_brainpoolp256r1",
        "aa_ec_brainpoolp256r1_explicit",
    ] {
        for (i, hash) in ["SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512"]
            .into_iter()
            .enumerate()
        {
            let chip = chip_key(name).with_hash(hash_alg(hash));
            let pk = public_key(&chip);
            let info = chip
                .active_authentication_info()
                .expect("EC needs DG14 info");
            assert_eq!(info, plain_info(hash));
            let challenge = aa::new_challenge(&mut rng(i as u64));
            let sig = chip
                .sign_challenge(&challenge, &mut rng(1000 + i as u64))
                .expect("signs");
            assert_eq!(sig.len(), 64, "{name} {hash}");
            let r = aa::verify(&pk, &challenge, &sig, Some(&info));
            assert!(r.passed, "{name} {hash}: {r}");
            assert_eq!(
                r.algorithm,
                Some(AaAlgorithm::Ecdsa {
                    hash: hash_alg(hash),
                    format: EcdsaFormat::Plain
                })
            );
            // The same signature DER-encoded, as some chips send it.
            let der = plain_to_der(&sig);
            let r = aa::verify(&pk, &challenge, &der, Some(&info));
            assert!(r.passed, "{name} {hash} DER: {r}");
            assert_eq!(
                r.algorithm,
                Some(AaAlgorithm::Ecdsa {
                    hash: hash_alg(hash),
                    format: EcdsaFormat::Der
                })
            );
        }
    }
}

/// P-256 signatures of the generic signer verify with the RustCrypto `p256` crate.
#[test]
fn p256_signatures_verify_with_rustcrypto() {
    use p256::ecdsa::signature::Verifier;
    let chip = chip_key("aa_ec_p256");
    let sk = p256::SecretKey::from_pkcs8_der(&read("keys/aa_ec_p256.pk8.der")).expect("key");
    let vk = p256::ecdsa::VerifyingKey::from(sk.public_key());
    for seed in 0..8 {
        let challenge = aa::new_challenge(&mut rng(seed));
        let sig = chip
            .sign_challenge(&challenge, &mut rng(seed + 50))
            .expect("signs");
        let sig = p256::ecdsa::Signature::from_slice(&sig).expect("r||s");
        vk.verify(&challenge, &sig).expect("p256 verifies");
    }
}

// ---------------------------------------------------------------------------------------------
// Rejections
// ---------------------------------------------------------------------------------------------

fn rsa_private() -> rsa::RsaPrivateKey {
    rsa::RsaPrivateKey::from_pkcs8_der(&read("keys/aa_rsa2048.pk8.der")).expect("key")
}

/// Signs an arbitrary representative with the test RSA key.
fn raw_rsa_sign(f: &[u8]) -> Vec<u8> {
    let key = rsa_private();
    let s = rsa::hazmat::rsa_decrypt_and_check(&key, Some(&mut rng(1)), &BigUint::from_bytes_be(f))
        .expect("private op");
    let mut out = s.to_bytes_be();
    while out.len() < 256 {
        out.insert(0, 0);
    }
    out
}

#[test]
fn rsa_rejections() {
    let chip = chip_key("aa_rsa2048");
    let pk = public_key(&chip);
    let sig = chip.sign_challenge(&CHALLENGE, &mut rng(3)).expect("signs");
    assert!(aa::verify(&pk, &CHALLENGE, &sig, None).passed);

    // Wrong challenge.
    let r = aa::verify(&pk, &[0u8; 8], &sig, None);
    assert!(!r.passed);
    assert!(r.reason.contains("not over this challenge"));
    assert!(r.algorithm.is_some());

    // Every single flipped bit in the signature.
    for byte in 0..sig.len() {
        for bit in [0x01u8, 0x80] {
            let mut s = sig.clone();
            s[byte] ^= bit;
            assert!(
                !aa::verify(&pk, &CHALLENGE, &s, None).passed,
                "flip {byte}/{bit}"
            );
        }
    }
    // Truncated and extended signatures.
    for len in 0..sig.len() {
        assert!(
            !aa::verify(&pk, &CHALLENGE, &sig[..len], None).passed,
            "{len}"
        );
    }
    let mut longer = sig.clone();
    longer.push(0);
    let r = aa::verify(&pk, &CHALLENGE, &longer, None);
    assert!(!r.passed && r.reason.contains("257 bytes"), "{r}");
    // Signature value not below n.
    let r = aa::verify(&pk, &CHALLENGE, &[0xFF; 256], None);
    assert!(
        !r.passed && r.reason.contains("not smaller than the modulus"),
        "{r}"
    );

    // Well-signed representatives with bad contents.
    let m1 = vec![0x11u8; 256 - 1 - 20 - 1];
    let good = iso9796::encode_representative(&m1, &CHALLENGE, Iso9796Trailer::Implicit);
    assert!(aa::verify(&pk, &CHALLENGE, &raw_rsa_sign(&good), None).passed);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            {
                let mut f = good.clone();
                f[0] = 0x4A;
                f
            },
            "total message recovery",
        ),
        (
            {
                let mut f = good.clone();
                f[0] = 0x2A;
                f
            },
            "does not start with the bits 01",
        ),
        (
            {
                // Trailer 37CC (WHIRLPOOL).
                let mut f = iso9796::encode_representative(
                    &m1[..m1.len() - 1],
                    &CHALLENGE,
                    Iso9796Trailer::Implicit,
                );
                let last = f.len() - 1;
                f[last] = 0x37;
                f.push(0xCC);
                f
            },
            "WHIRLPOOL",
        ),
        (
            {
                let mut f = iso9796::encode_representative(
                    &m1[..m1.len() - 1],
                    &CHALLENGE,
                    Iso9796Trailer::Implicit,
                );
                let last = f.len() - 1;
                f[last] = 0x31;
                f.push(0xCC);
                f
            },
            "RIPEMD-160",
        ),
        (
            {
                let mut f = iso9796::encode_representative(
                    &m1[..m1.len() - 1],
                    &CHALLENGE,
                    Iso9796Trailer::Implicit,
                );
                let last = f.len() - 1;
                f[last] = 0x99;
                f.push(0xCC);
                f
            },
            "unknown hash",
        ),
        (
            {
                // SHA-256 hash under an SHA-1 trailer.
                let mut f = iso9796::encode_representative(
                    &vec![0x11u8; 256 - 1 - 32 - 2],
                    &CHALLENGE,
                    Iso9796Trailer::Explicit(HashAlg::Sha256),
                );
                let last = f.len() - 2;
                f[last] = 0x33;
                f
            },
            "not over this challenge",
        ),
    ];
    for (f, why) in cases {
        assert_eq!(f.len(), 256);
        let r = aa::verify(&pk, &CHALLENGE, &raw_rsa_sign(&f), None);
        assert!(!r.passed, "{why}");
        assert!(r.reason.contains(why), "{why}: {}", r.reason);
    }
    // A trailer nibble other than C in both J and n − J.
    let mut f = good.clone();
    f[255] = 0xBD;
    let r = aa::verify(&pk, &CHALLENGE, &raw_rsa_sign(&f), None);
    assert!(!r.passed);

    // An ECDSA signature checked against the RSA key.
    let ec_sig = chip_key("aa_ec_p256")
        .sign_challenge(&CHALLENGE, &mut rng(1))
        .expect("signs");
    assert!(!aa::verify(&pk, &CHALLENGE, &ec_sig, None).passed);
}

#[test]
fn ecdsa_rejections() {
    for name in ["aa_ec_p256", "aa_ec_brainpoolp256r1"] {
        let chip = chip_key(name);
        let pk = public_key(&chip);
        let info = chip.active_authentication_info().expect("info");
        let sig = chip.sign_challenge(&CHALLENGE, &mut rng(9)).expect("signs");
        assert!(aa::verify(&pk, &CHALLENGE, &sig, Some(&info)).passed);

        let mut c = CHALLENGE;
        c[0] ^= 1;
        assert!(!aa::verify(&pk, &c, &sig, Some(&info)).passed);

        for byte in 0..sig.len() {
            let mut s = sig.clone();
            s[byte] ^= 0x04;
            let r = aa::verify(&pk, &CHALLENGE, &s, Some(&info));
            assert!(!r.passed, "{name} flip {byte}");
        }
        for len in 0..sig.len() {
            assert!(
                !aa::verify(&pk, &CHALLENGE, &sig[..len], Some(&info)).passed,
                "{name} {len}"
            );
        }
        let der = plain_to_der(&sig);
        for len in 0..der.len() {
            assert!(!aa::verify(&pk, &CHALLENGE, &der[..len], Some(&info)).passed);
        }
        // r = 0, s = 0, all ones.
        for s in [vec![0u8; 64], vec![0xFF; 64]] {
            assert!(!aa::verify(&pk, &CHALLENGE, &s, Some(&info)).passed);
        }
        // DG14 naming a non-ECDSA algorithm.
        let rsa_info = ActiveAuthenticationInfo {
            version: 1,
            signature_algorithm: "1.2.840.113549.1.1.11".into(),
        };
        let r = aa::verify(&pk, &CHALLENGE, &sig, Some(&rsa_info));
        assert!(!r.passed && r.reason.contains("not ECDSA"), "{r}");
        // Signature of another key.
        let other = chip_key(if name == "aa_ec_p256" {
            "aa_ec_brainpoolp256r1"
        } else {
            "aa_ec_p256"
        });
        let foreign = other
            .sign_challenge(&CHALLENGE, &mut rng(9))
            .expect("signs");
        assert!(!aa::verify(&pk, &CHALLENGE, &foreign, Some(&info)).passed);
        assert!(!aa::verify(&pk, &CHALLENGE, &foreign, None).passed);
    }
}

#[test]
fn hostile_inputs_fail_without_panicking() {
    let keys: Vec<AaPublicKey> = ["aa_rsa2048", "aa_ec_p256", "aa_ec_brainpoolp256r1_explicit"]
        .into_iter()
        .map(|n| public_key(&chip_key(n)))
        .collect();
    let huge = vec![0xA5u8; 1 << 20];
    let mut r = rng(42);
    for key in &keys {
        let res = aa::verify(key, &CHALLENGE, &huge, None);
        assert!(!res.passed && res.reason.contains("longer than"), "{res}");
        let res = aa::verify(key, &CHALLENGE, &[], None);
        assert!(!res.passed && res.reason.contains("no signature"));
        for len in [1usize, 2, 63, 64, 65, 128, 255, 256, 2048] {
            let mut junk = vec![0u8; len];
            rand::RngCore::fill_bytes(&mut r, &mut junk);
            assert!(!aa::verify(key, &CHALLENGE, &junk, None).passed);
            junk[0] = 0x30;
            assert!(!aa::verify(key, &CHALLENGE, &junk, None).passed);
        }
    }
    // Unusable public keys.
    let bad_keys = [
        AaPublicKey::Rsa {
            n: vec![],
            e: vec![1, 0, 1],
        },
        AaPublicKey::Rsa {
            n: vec![0xFF; 4096],
            e: vec![1, 0, 1],
        },
        AaPublicKey::Rsa {
            n: vec![0xC3; 128],
            e: vec![],
        },
        AaPublicKey::Ec {
            curve: emrtd_lds::dg15::EcCurve::Named("1.2.3.4".into()),
            point: vec![4; 65],
        },
        AaPublicKey::Ec {
            curve: emrtd_lds::dg15::EcCurve::ImplicitlyCa,
            point: vec![4; 65],
        },
        AaPublicKey::Ec {
            curve: emrtd_lds::dg15::EcCurve::Named("1.2.840.10045.3.1.7".into()),
            point: vec![4; 65],
        },
        AaPublicKey::Other {
            algorithm: "1.2.840.10040.4.1".into(),
            spki: vec![],
        },
    ];
    for key in &bad_keys {
        let res = aa::verify(key, &CHALLENGE, &[0x42; 64], None);
        assert!(!res.passed, "{key:?}");
        assert!(!res.reason.is_empty());
    }
    // The command for a challenge is always the same five-byte header, data and Le.
    let c: CommandApdu = aa::internal_authenticate_command([9; 8]);
    assert_eq!((c.cla, c.ins, c.p1, c.p2, c.le), (0, 0x88, 0, 0, Some(256)));
}

#[test]
fn an_rsa_signature_whose_leading_zero_octets_were_dropped_still_verifies() {
    // Field quirk C8: a signature (an integer below n) whose first octets are zero arrives
    // without them from chips and stacks that convert big integers to bytes minimally; it is
    // the same number, so it is read as the modulus-length value it stands for.
    let chip = AaChipKey::from_pkcs8_der(&read("keys/aa_rsa2048.pk8.der")).expect("key");
    let pk = public_key(&chip);
    let mut r = rng(8);
    for i in 0u64..4096 {
        let challenge = i.to_be_bytes();
        let sig = chip.sign_challenge(&challenge, &mut r).expect("signs");
        if sig[0] != 0 {
            continue;
        }
        let stripped = &sig[sig.iter().position(|b| *b != 0).unwrap_or(sig.len())..];
        assert!(stripped.len() < 256);
        let ok = aa::verify(&pk, &challenge, stripped, None);
        assert!(ok.passed, "{ok}");
        // Still the same number or nothing: a changed octet fails.
        let mut changed = stripped.to_vec();
        let mid = changed.len() / 2;
        changed[mid] ^= 1;
        assert!(!aa::verify(&pk, &challenge, &changed, None).passed);
        return;
    }
    panic!("no signature with a leading zero octet in 4096 tries");
}

#[test]
fn rsa_keys_below_2048_bits_still_in_circulation_verify_and_are_named_by_size() {
    // Field quirk C6: 1024- and 1792-bit keys in DG15 of documents issued 2006–2015 (the real
    // RSA-1792 session is `gmrtd_real_session_rsa1792_sha256`). They verify; the result names
    // the key size so that a policy can weigh it. A wrong signature still fails.
    for (file, bits) in [("aa_rsa1024", 1024u64), ("aa_rsa1536", 1536)] {
        let chip = chip_key(file);
        let pk = public_key(&chip);
        let challenge = aa::new_challenge(&mut rng(bits));
        let sig = chip.sign_challenge(&challenge, &mut rng(9)).expect("signs");
        assert_eq!(sig.len() as u64, bits / 8);
        let r = aa::verify(&pk, &challenge, &sig, None);
        assert!(r.passed, "{file}: {r}");
        assert!(r.to_string().contains(&bits.to_string()), "{file}: {r}");
        let mut bad = sig.clone();
        bad[10] ^= 1;
        assert!(!aa::verify(&pk, &challenge, &bad, None).passed, "{file}");
    }
}

#[test]
fn ecdsa_active_authentication_on_brainpool_p320_verifies_plain_and_der() {
    // Field quirk C7: Dutch passports use brainpoolP320r1 keys; chips send plain r‖s (BSI
    // TR-03111) or DER (Portuguese ID card). Both forms verify, a changed signature does not.
    let chip = chip_key("aa_ec_brainpoolp320r1").with_hash(HashAlg::Sha256);
    let pk = public_key(&chip);
    let info = chip
        .active_authentication_info()
        .expect("EC needs DG14 info");
    let challenge = aa::new_challenge(&mut rng(320));
    let sig = chip
        .sign_challenge(&challenge, &mut rng(321))
        .expect("signs");
    assert_eq!(sig.len(), 80, "plain r‖s of 40 octets each");
    for (form, s) in [("plain", sig.clone()), ("DER", plain_to_der(&sig))] {
        let r = aa::verify(&pk, &challenge, &s, Some(&info));
        assert!(r.passed, "{form}: {r}");
        let mut bad = s.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(
            !aa::verify(&pk, &challenge, &bad, Some(&info)).passed,
            "{form}"
        );
    }
}
