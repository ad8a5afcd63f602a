//! Known answers from the BSI "Worked Example for EAC" v1.01 as embedded in OpenPACE
//! (`fixtures/vectors/bsi_tr03110_eac_worked_example_openpace.json`, binary copies of the
//! certificates in `fixtures/eac/`): CV certificates and requests, their signatures, and the
//! Terminal Authentication signatures of the ECDH (brainpoolP512r1, ECDSA-SHA-512) and DH
//! (RSA-1024, PKCS#1 v1.5 SHA-1) examples.

use emrtd_apdu::{ResponseApdu, StatusWord};
use emrtd_eac::cert::CertificateRequest;
use emrtd_eac::chain::{verify_chain, ChainError, TrustPoint, TrustStore};
use emrtd_eac::ta::{self, AuxiliaryData, SetAtParams};
use emrtd_eac::*;
use rand::SeedableRng;
use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example() -> Value {
    let p = root().join("fixtures/vectors/bsi_tr03110_eac_worked_example_openpace.json");
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn hx(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn bin(name: &str) -> Vec<u8> {
    std::fs::read(root().join("fixtures/eac").join(name)).unwrap()
}

fn cert(bytes: &[u8]) -> CvCertificate {
    CvCertificate::decode(bytes).unwrap()
}

fn rng() -> Box<rand::rngs::StdRng> {
    Box::new(rand::rngs::StdRng::seed_from_u64(20))
}

/// (kind, CVCA file, DV file, terminal file)
const SETS: [(&str, &str, &str, &str); 2] = [
    (
        "ecdh",
        "tc_ecdh_cvca_cert.bin",
        "tc_ecdh_dv_cert.bin",
        "tc_ecdh_ta_cert.bin",
    ),
    (
        "dh",
        "tc_dh_cvca.bin",
        "tc_dh_dv_cert.bin",
        "tc_dh_ta_cert.bin",
    ),
];

#[test]
fn binary_certificates_equal_the_json_and_reencode_byte_for_byte() {
    let ex = example();
    for (kind, cvca, dv, term) in SETS {
        let ta = &ex[kind]["terminal_authentication"];
        for (file, key) in [(cvca, "cvca_cvc"), (dv, "dv_cvc"), (term, "terminal_cvc")] {
            let b = bin(file);
            assert_eq!(b, hx(&ta[key]), "{file}");
            let c = cert(&b);
            assert_eq!(c.raw(), &b[..]);
            assert_eq!(c.encode(), b, "{file} re-encodes identically");
            assert_eq!(
                CvCertificate::from_parts(c.body.clone(), c.signature.clone()).raw(),
                &b[..]
            );
        }
    }
    for key in ["cvc1", "wrong_tc_ecdh_cvca", "kba_cert"] {
        let b = hx(&ex["cv_certificates"][key]);
        assert_eq!(cert(&b).encode(), b, "{key}");
    }
}

#[test]
fn non_minimal_outer_length_is_kept_as_received_and_normalized_on_reencoding() {
    // The KBA DV certificate encodes its 7F21 length as 82 00 E7 (BER, not DER). The bytes
    // received are kept (they are what a chip would be sent), the re-encoding is DER.
    let b = hx(&example()["cv_certificates"]["kba_dvca_cert"]);
    assert_eq!(&b[..5], &[0x7F, 0x21, 0x82, 0x00, 0xE7]);
    let c = cert(&b);
    assert_eq!(c.raw(), &b[..]);
    let der = c.encode();
    assert_eq!(&der[..4], &[0x7F, 0x21, 0x81, 0xE7]);
    assert_eq!(&der[4..], &b[5..]);
    assert_eq!(cert(&der).body, c.body);
    assert_eq!(c.signed_body(), cert(&der).signed_body());
}

#[test]
fn worked_example_certificate_fields_decode_as_published() {
    let c = cert(&bin("tc_ecdh_cvca_cert.bin"));
    assert_eq!(c.car().to_string(), "DECVCAAT00001");
    assert!(c.is_self_signed());
    assert_eq!(
        c.body.public_key.algorithm,
        TaAlgorithm::Ecdsa(HashAlg::Sha512)
    );
    assert!(c.body.public_key.domain().is_some());
    assert_eq!(c.body.chat.role(), Role::Cvca);
    assert_eq!(c.body.chat.inspection_rights(), Some(IsRights::DG3_DG4));
    assert_eq!(c.body.effective_date.to_string(), "2010-09-30");
    assert_eq!(c.body.expiration_date.to_string(), "2011-09-25");
    let t = cert(&bin("tc_ecdh_ta_cert.bin"));
    assert_eq!(t.car().to_string(), "DETESTDVDE019");
    assert_eq!(t.chr().to_string(), "DETESTATDE019");
    assert_eq!(t.chr().country_code().as_deref(), Some("DE"));
    assert_eq!(t.chr().sequence_number().as_deref(), Some("DE019"));
    assert_eq!(
        t.body.chat.terminal_type,
        TerminalType::AuthenticationTerminal
    );
    assert_eq!(t.body.chat.role(), Role::Terminal);
    assert!(t.body.public_key.domain().is_none());
    let d = cert(&bin("tc_dh_ta_cert.bin"));
    assert_eq!(
        d.body.public_key.algorithm,
        TaAlgorithm::RsaPkcs1v15(RsaHash::Sha1)
    );
    assert!(matches!(d.body.public_key.data, KeyData::Rsa { ref e, .. } if e == &[1, 0, 1]));
}

#[test]
fn certificate_requests_reencode_byte_for_byte() {
    let ex = example();
    for key in ["req_18102010_csr", "MY_cvreq", "csr_with_outer_sig"] {
        let b = hx(&ex["cv_certificates"][key]);
        let r = CertificateRequest::decode(&b).unwrap();
        assert_eq!(r.encode(), b, "{key}");
        assert_eq!(r.outer.is_some(), key == "csr_with_outer_sig", "{key}");
    }
    let r = CertificateRequest::decode(&hx(&ex["cv_certificates"]["req_18102010_csr"])).unwrap();
    assert!(r.body.car.is_none());
    assert!(r.body.public_key.domain().is_some());
    // A request is not a certificate: no CHAT and no dates.
    assert!(CvCertificate::decode(&hx(&ex["cv_certificates"]["MY_cvreq"])).is_err());
}

#[test]
fn description_extensions_hold_the_sha256_of_the_certificate_descriptions() {
    let ex = example();
    let id_description = {
        let mut v = emrtd_eac::cert::ID_EXTENSIONS.to_vec();
        v.push(1);
        v
    };
    for (c, d) in [("cvc1", "cvc1_desc"), ("kba_cert", "kba_cert_desc")] {
        let c = cert(&hx(&ex["cv_certificates"][c]));
        let ext = c.body.extensions.as_ref().unwrap();
        let desc = ext.iter().find(|e| e.oid == id_description).unwrap();
        let digest = HashAlg::Sha256.digest(&hx(&ex["cv_certificates"][d]));
        assert_eq!(desc.object(0x80).unwrap(), &digest[..]);
    }
}

#[test]
fn worked_example_signatures_verify_link_by_link() {
    for (_, cvca, dv, term) in SETS {
        let (cvca, dv, term) = (cert(&bin(cvca)), cert(&bin(dv)), cert(&bin(term)));
        // The self-signed CVCA verifies with its own key.
        let tp = TrustPoint::new(cvca.clone()).unwrap();
        tp.key().verify(dv.signed_body(), &dv.signature).unwrap();
        let dv_key = VerifyingKey::from_cv(&dv.body.public_key, tp.key().curve()).unwrap();
        dv_key.verify(term.signed_body(), &term.signature).unwrap();
        // One bit less in the body and the signature fails.
        let mut body = term.signed_body().to_vec();
        let last = body.len() - 1;
        body[last] ^= 1;
        assert!(dv_key.verify(&body, &term.signature).is_err());
        // The DV key does not verify the DV certificate.
        assert!(dv_key.verify(dv.signed_body(), &dv.signature).is_err());
    }
}

#[test]
fn worked_example_chain_mixes_terminal_types_and_is_refused() {
    // The example's CVCA CHATs are id-IS, its DV and terminal CHATs id-AT: the chip's trust
    // point for one terminal type cannot authorize another (TR-03110-3 §2.7, B.1.4).
    for (_, cvca, dv, term) in SETS {
        let mut store = TrustStore::new();
        store.add(cert(&bin(cvca))).unwrap();
        let err = verify_chain(
            &store,
            &[cert(&bin(dv)), cert(&bin(term))],
            CvDate::new(2010, 10, 1).unwrap(),
        )
        .unwrap_err();
        assert!(
            matches!(err, ChainError::TerminalTypeMismatch { ref expected, ref found, .. }
                if *expected == TerminalType::InspectionSystem && *found == TerminalType::AuthenticationTerminal),
            "{err}"
        );
    }
}

fn ta_parts(kind: &str) -> (IdPicc, Vec<u8>, Vec<u8>, Vec<u8>) {
    let ex = example();
    let key = |v: &Value| {
        if kind == "ecdh" {
            EphemeralKey::Ec(hx(v))
        } else {
            EphemeralKey::Dh(hx(v))
        }
    };
    let id = IdPicc::from_pace_key(&key(&ex[kind]["pace"]["key_agreement"]["picc_public"]));
    let comp = key(&ex[kind]["chip_authentication_v2"]["pcd_ephemeral_public"]).compressed();
    let ta = &ex[kind]["terminal_authentication"];
    (id, hx(&ta["nonce"]), comp, hx(&ta["pcd_signature"]))
}

#[test]
fn worked_example_ta_signatures_verify_over_id_picc_r_picc_comp_pk_pcd() {
    for (kind, cvca, dv, term) in SETS {
        let tp = TrustPoint::new(cert(&bin(cvca))).unwrap();
        let dvc = cert(&bin(dv));
        let dv_key = VerifyingKey::from_cv(&dvc.body.public_key, tp.key().curve()).unwrap();
        let t = cert(&bin(term));
        let t_key = VerifyingKey::from_cv(&t.body.public_key, dv_key.curve()).unwrap();
        let (id, r, comp, sig) = ta_parts(kind);
        ta::verify_terminal_signature(&t_key, &id, &r, &comp, None, &sig).unwrap();
        // Another challenge, or the static binding, does not verify.
        let mut r2 = r.clone();
        r2[0] ^= 0x80;
        assert!(ta::verify_terminal_signature(&t_key, &id, &r2, &comp, None, &sig).is_err());
        let stat = IdPicc::from_document_number("T22000129", '3');
        assert!(ta::verify_terminal_signature(&t_key, &stat, &r, &comp, None, &sig).is_err());
    }
}

#[test]
fn rsa_pkcs1_v15_ta_signature_is_reproduced_byte_for_byte() {
    let ex = example();
    let signer = Pkcs8Signer::from_pkcs8(
        &hx(&ex["dh"]["terminal_authentication"]["pcd_key"]),
        TaAlgorithm::RsaPkcs1v15(RsaHash::Sha1),
        rng(),
    )
    .unwrap();
    let (id, r, comp, sig) = ta_parts("dh");
    let data = ta::signed_data(&id, &r, &comp, None);
    assert_eq!(signer.sign(&data).unwrap(), sig);
}

#[test]
fn brainpool_p512_explicit_pkcs8_key_signs_ta_data_the_terminal_certificate_verifies() {
    let ex = example();
    let signer = Pkcs8Signer::from_pkcs8(
        &hx(&ex["ecdh"]["terminal_authentication"]["pcd_key"]),
        TaAlgorithm::Ecdsa(HashAlg::Sha512),
        rng(),
    )
    .unwrap();
    let tp = TrustPoint::new(cert(&bin("tc_ecdh_cvca_cert.bin"))).unwrap();
    let t = cert(&bin("tc_ecdh_ta_cert.bin"));
    let key = VerifyingKey::from_cv(&t.body.public_key, tp.key().curve()).unwrap();
    let (id, r, comp, _) = ta_parts("ecdh");
    let data = ta::signed_data(&id, &r, &comp, None);
    let s1 = signer.sign(&data).unwrap();
    let s2 = signer.sign(&data).unwrap();
    assert_eq!(s1.len(), 128, "plain r ‖ s, 64 bytes each");
    assert_ne!(s1, s2, "fresh nonce per signature");
    key.verify(&data, &s1).unwrap();
    key.verify(&data, &s2).unwrap();
    // The wrong algorithm for the key is refused when loading.
    assert!(matches!(
        Pkcs8Signer::from_pkcs8(
            &hx(&ex["ecdh"]["terminal_authentication"]["pcd_key"]),
            TaAlgorithm::RsaPss(RsaHash::Sha256),
            rng()
        ),
        Err(SignerError::AlgorithmMismatch { .. })
    ));
}

fn ok() -> ResponseApdu {
    ResponseApdu::new(Vec::new(), StatusWord(0x9000))
}

#[test]
fn ta_v2_commands_follow_tr03110_and_the_signature_verifies_chip_side() {
    let ex = example();
    let signer = Pkcs8Signer::from_pkcs8(
        &hx(&ex["dh"]["terminal_authentication"]["pcd_key"]),
        TaAlgorithm::RsaPkcs1v15(RsaHash::Sha1),
        rng(),
    )
    .unwrap();
    let (id, r, comp, sig) = ta_parts("dh");
    let dv = cert(&bin("tc_dh_dv_cert.bin"));
    let term = cert(&bin("tc_dh_ta_cert.bin"));
    let mut ta = TerminalAuthentication::new(
        vec![dv.clone(), term.clone()],
        &signer,
        TaVersion::V2,
        id,
        comp.clone(),
        None,
    )
    .unwrap();
    // MSE:Set DST 83 "DETESTCVCA00003"
    let c = ta.start();
    assert_eq!(
        c.to_bytes().unwrap(),
        hex::decode("00228 1B6 11 830F 444554455354435643413030303033".replace(' ', "")).unwrap()
    );
    let TaStep::Send(c) = ta.on_response(&ok()).unwrap() else {
        panic!()
    };
    assert_eq!((c.cla, c.ins, c.p1, c.p2), (0x00, 0x2A, 0x00, 0xBE));
    assert_eq!(
        c.data,
        bin("tc_dh_dv_cert.bin")[5..].to_vec(),
        "the content of 7F21 as received"
    );
    let TaStep::Send(c) = ta.on_response(&ok()).unwrap() else {
        panic!()
    };
    assert_eq!(
        c.data,
        hex::decode("830D44455445535444564445303139").unwrap()
    );
    let TaStep::Send(c) = ta.on_response(&ok()).unwrap() else {
        panic!()
    };
    assert_eq!(c.data, bin("tc_dh_ta_cert.bin")[5..].to_vec());
    // MSE:Set AT: 80 id-TA-RSA-v1-5-SHA-1, 83 CHR, 91 Comp(PK_PCD) (20 bytes, SHA-1 for DH)
    let TaStep::Send(c) = ta.on_response(&ok()).unwrap() else {
        panic!()
    };
    let mut expected = hex::decode("0022 81A4".replace(' ', "")).unwrap();
    let data = [
        hex::decode("800A04007F00070202020101").unwrap(),
        hex::decode("830D444554455354415444453031 39".replace(' ', "")).unwrap(),
        [vec![0x91, 0x14], comp.clone()].concat(),
    ]
    .concat();
    expected.push(data.len() as u8);
    expected.extend(&data);
    assert_eq!(c.to_bytes().unwrap(), expected);
    let TaStep::Send(c) = ta.on_response(&ok()).unwrap() else {
        panic!()
    };
    assert_eq!(c.to_bytes().unwrap(), hex::decode("0084000008").unwrap());
    let TaStep::Send(c) = ta
        .on_response(&ResponseApdu::new(r.clone(), StatusWord(0x9000)))
        .unwrap()
    else {
        panic!()
    };
    assert_eq!((c.ins, c.p1, c.p2), (0x82, 0x00, 0x00));
    assert_eq!(
        c.data, sig,
        "PKCS#1 v1.5 is deterministic: the example's signature"
    );
    assert_eq!(ta.on_response(&ok()).unwrap(), TaStep::Authenticated);
    assert_eq!(ta.on_response(&ok()), Err(TaError::Finished));
}

#[test]
fn ta_refusals_are_typed_errors() {
    let ex = example();
    let signer = Pkcs8Signer::from_pkcs8(
        &hx(&ex["dh"]["terminal_authentication"]["pcd_key"]),
        TaAlgorithm::RsaPkcs1v15(RsaHash::Sha1),
        rng(),
    )
    .unwrap();
    let (id, _, comp, _) = ta_parts("dh");
    let chain = vec![
        cert(&bin("tc_dh_dv_cert.bin")),
        cert(&bin("tc_dh_ta_cert.bin")),
    ];
    let mut ta = TerminalAuthentication::new(
        chain.clone(),
        &signer,
        TaVersion::V2,
        id.clone(),
        comp.clone(),
        None,
    )
    .unwrap();
    ta.start();
    assert!(matches!(
        ta.on_response(&ResponseApdu::new(vec![], StatusWord(0x6A88))),
        Err(TaError::KeyNotSelected { .. })
    ));
    let mut ta = TerminalAuthentication::new(
        chain.clone(),
        &signer,
        TaVersion::V2,
        id.clone(),
        comp.clone(),
        None,
    )
    .unwrap();
    ta.start();
    ta.on_response(&ok()).unwrap();
    let e = ta
        .on_response(&ResponseApdu::new(vec![], StatusWord(0x6300)))
        .unwrap_err();
    assert!(
        matches!(e, TaError::CertificateRefused { ref chr, .. } if chr.to_string() == "DETESTDVDE019")
    );
    // A signer for another algorithm than the terminal certificate's is refused up front.
    let ec = Pkcs8Signer::from_pkcs8(
        &hx(&ex["ecdh"]["terminal_authentication"]["pcd_key"]),
        TaAlgorithm::Ecdsa(HashAlg::Sha512),
        rng(),
    )
    .unwrap();
    assert!(matches!(
        TerminalAuthentication::new(chain, &ec, TaVersion::V2, id, comp, None),
        Err(TaError::AlgorithmMismatch { .. })
    ));
}

#[test]
fn ta_v1_set_at_carries_only_the_chr_and_aux_data_is_signed() {
    let chr = CvReference::from_text("DETESTATDE019").unwrap();
    let v1 = ta::mse_set_at(&SetAtParams {
        version: TaVersion::V1,
        terminal_chr: chr.clone(),
        algorithm: TaAlgorithm::Ecdsa(HashAlg::Sha256),
        compressed_ephemeral: vec![0xAA; 32],
        aux: None,
    });
    assert_eq!(
        v1.to_bytes().unwrap(),
        hex::decode("0022 81A4 0F 830D 44455445535441544445303139".replace(' ', "")).unwrap()
    );
    let aux = AuxiliaryData {
        templates: vec![(
            [&ta::ID_AUXILIARY_DATA[..], &[2]].concat(),
            b"20261206".to_vec(),
        )],
    };
    assert_eq!(
        aux.encode(),
        hex::decode("6717 7315 060904007F000703010402 5308 3230323631323036".replace(' ', ""))
            .unwrap()
    );
    let id = IdPicc::from_document_number("T22000129", '3');
    assert_eq!(id.bytes(), b"T220001293");
    let d = ta::signed_data(&id, &[1; 8], &[2; 4], Some(&aux));
    assert_eq!(
        d,
        [b"T220001293".to_vec(), vec![1; 8], vec![2; 4], aux.encode()].concat()
    );
}
