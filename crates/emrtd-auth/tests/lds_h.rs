//! BSI TR-03105-5.1 unit LDS_H ("Tests with EF.SOD") as generated fixtures: each case builds
//! the EF.SOD the test plan describes with a test PKI and checks the verdict the plan expects
//! ("inspection procedure successful" = `valid`, "failed" = `invalid`).
//!
//! Not generated: LDS_H_34/35 (signing time rules give no expected result in
//! the plan), LDS_H_53 (naming convention, no expected result), LDS_H_93 (EF.CardSecurity hash
//! in EF.SOD, a PACE/CA topic).

mod common;

use common::*;
use emrtd_auth::pa::{self, PassiveAuthReport};
use emrtd_auth::trust::TrustStore;
use emrtd_auth::{CheckStatus, DataGroup, DgStatus, Verdict, VerifyOptions};
use emrtd_crypto::sig::HashAlg::{self, *};
use emrtd_tlv::Tlv;
use std::collections::BTreeMap;

fn trust_of(w: &World) -> TrustStore {
    let mut t = TrustStore::new();
    t.add_der_certificate(&w.csca).unwrap();
    t
}

fn run(w: &World, sod: &[u8]) -> PassiveAuthReport {
    pa::verify_sod_bytes(sod, &default_dgs(), &trust_of(w), &VerifyOptions::at(NOW))
}

#[track_caller]
fn valid(case: &str, r: &PassiveAuthReport) {
    assert_eq!(r.status, Verdict::Valid, "{case}: {:#?}", r.errors);
    assert!(
        r.data_groups.values().all(|s| *s == DgStatus::Match),
        "{case}"
    );
}

#[track_caller]
fn invalid(case: &str, r: &PassiveAuthReport, needle: &str) {
    assert_eq!(r.status, Verdict::Invalid, "{case}: {:#?}", r.checks);
    assert!(
        r.errors.iter().any(|e| e.contains(needle)),
        "{case}: expected an error containing {needle:?}, got {:#?}",
        r.errors
    );
}

fn default_case() -> (World, SodOpts) {
    // CFG.DFLT.EAC: RSASSA-PSS with SHA-256, CSCA RSA-3072, DS RSA-2048.
    let a = alg(Kind::Pss, Sha256);
    (rsa_world(a), SodOpts::new(a))
}

#[test]
fn lds_h_rsa_pkcs1_and_pss_with_every_hash() {
    // LDS_H_01, 04–07 (PKCS#1 v1.5), 02, 03, 94–96 (PSS): SOD, DG hashes and chain all use
    // the same algorithm.
    let cases = [
        ("LDS_H_01", Kind::Pkcs1, Sha1),
        ("LDS_H_04", Kind::Pkcs1, Sha224),
        ("LDS_H_05", Kind::Pkcs1, Sha256),
        ("LDS_H_06", Kind::Pkcs1, Sha384),
        ("LDS_H_07", Kind::Pkcs1, Sha512),
        ("LDS_H_02", Kind::Pss, Sha1),
        ("LDS_H_03", Kind::Pss, Sha256),
        ("LDS_H_94", Kind::Pss, Sha224),
        ("LDS_H_95", Kind::Pss, Sha384),
        ("LDS_H_96", Kind::Pss, Sha512),
    ];
    for (case, kind, h) in cases {
        let a = alg(kind, h);
        let w = rsa_world(a);
        let r = run(&w, &make_sod(&w, &SodOpts::new(a)));
        valid(case, &r);
        assert_eq!(r.hash_algorithm.as_deref(), Some(h.name()));
    }
}

#[test]
fn lds_h_rsa_encryption_oid_as_signature_algorithm() {
    // LDS_H_79–83: signatureAlgorithm rsaEncryption, hash from the digest algorithm; the
    // certificate chain uses shaXWithRSAEncryption.
    for (case, h) in [
        ("LDS_H_79", Sha1),
        ("LDS_H_80", Sha224),
        ("LDS_H_81", Sha256),
        ("LDS_H_82", Sha384),
        ("LDS_H_83", Sha512),
    ] {
        let w = rsa_world(alg(Kind::Pkcs1, h));
        let r = run(&w, &make_sod(&w, &SodOpts::new(alg(Kind::RsaOid, h))));
        valid(case, &r);
    }
}

#[test]
fn lds_h_ecdsa_bsi_and_ansi_oids() {
    // LDS_H_09 (ANSI, SHA-1), 10–14 (BSI plain), 70–73 (ANSI). CSCA P-256 / DS P-224 as in
    // the plan for SHA-1 and SHA-224; 384-bit and "512-bit" cases use P-384 and P-521.
    let ec = |kind: Kind, h: HashAlg| -> (World, SigAlg) {
        let a = alg(kind, h);
        let w = match h {
            Sha1 | Sha224 => world(Key::p256(), Key::p224(), a, |_| {}),
            Sha256 => world(Key::p256(), Key::p256(), a, |_| {}),
            Sha384 => world(Key::p384(), Key::p384(), a, |_| {}),
            Sha512 => world(Key::p521(), Key::p521(), a, |_| {}),
        };
        (w, a)
    };
    let cases = [
        ("LDS_H_09", Kind::X962, Sha1),
        ("LDS_H_10", Kind::Plain, Sha1),
        ("LDS_H_11", Kind::Plain, Sha224),
        ("LDS_H_12", Kind::Plain, Sha256),
        ("LDS_H_13", Kind::Plain, Sha384),
        ("LDS_H_14", Kind::Plain, Sha512),
        ("LDS_H_70", Kind::X962, Sha224),
        ("LDS_H_71", Kind::X962, Sha256),
        ("LDS_H_72", Kind::X962, Sha384),
        ("LDS_H_73", Kind::X962, Sha512),
    ];
    for (case, kind, h) in cases {
        let (w, a) = ec(kind, h);
        let r = run(&w, &make_sod(&w, &SodOpts::new(a)));
        valid(case, &r);
    }
}

#[test]
fn lds_h_15_16_document_signer_not_stored_in_sod() {
    for (case, w, a) in [
        (
            "LDS_H_15",
            rsa_world(alg(Kind::Pkcs1, Sha256)),
            alg(Kind::Pkcs1, Sha256),
        ),
        (
            "LDS_H_16",
            world(Key::p256(), Key::p224(), alg(Kind::Plain, Sha224), |_| {}),
            alg(Kind::Plain, Sha224),
        ),
    ] {
        let mut o = SodOpts::new(a);
        o.embed = false;
        let sod = make_sod(&w, &o);
        // Without the DSC nothing can be verified.
        let r = run(&w, &sod);
        assert_eq!(r.status, Verdict::Unverified, "{case}");
        assert_eq!(r.signature_valid, None);
        // Supplied out of band, or in the trust store, it verifies.
        let dsc = emrtd_auth::cert::Certificate::from_der(&w.ds).unwrap();
        let mut opts = VerifyOptions::at(NOW);
        opts.dsc.push(dsc);
        let r = pa::verify_sod_bytes(&sod, &default_dgs(), &trust_of(&w), &opts);
        valid(case, &r);
        assert_eq!(
            r.details.unwrap().signer_source.as_deref(),
            Some("supplied")
        );
        let mut t = trust_of(&w);
        t.add_der_certificate(&w.ds).unwrap();
        let r = pa::verify_sod_bytes(&sod, &default_dgs(), &t, &VerifyOptions::at(NOW));
        valid(case, &r);
    }
}

#[test]
fn lds_h_17_19_outer_tag_and_length() {
    let (w, o) = default_case();
    let sod = make_sod(&w, &o);
    let mut b = sod.clone();
    b[0] = 0x78;
    invalid("LDS_H_17", &run(&w, &b), "expected tag 77");
    // 77 82 LL LL: one byte less / more than the content.
    assert_eq!(sod[1], 0x82);
    let len = u16::from_be_bytes([sod[2], sod[3]]);
    for (case, l) in [("LDS_H_18", len - 1), ("LDS_H_19", len + 1)] {
        let mut b = sod.clone();
        b[2..4].copy_from_slice(&l.to_be_bytes());
        invalid(case, &run(&w, &b), "ef_sod");
    }
}

fn int_tlv(v: u8) -> Tlv {
    Tlv::Primitive {
        tag: 0x02,
        value: vec![v],
    }
}

fn signer_info(sd: &mut [Tlv]) -> &mut Vec<Tlv> {
    let last = sd.len() - 1;
    children(&mut sd[last], &[0])
}

#[test]
fn lds_h_20_25_signed_data_structure() {
    let (w, o) = default_case();
    let sod = make_sod(&w, &o);
    let b = edit_signed_data(&sod, |sd| sd[0] = int_tlv(1));
    invalid("LDS_H_20", &run(&w, &b), "SignedData version is 1");
    let b = edit_signed_data(&sod, |sd| {
        sd.remove(0);
    });
    invalid("LDS_H_21", &run(&w, &b), "ef_sod");
    let md5 = emrtd_tlv::Tlv::parse_tree(&seq(&[oid("1.2.840.113549.2.5"), vec![5, 0]]))
        .unwrap()
        .remove(0);
    let b = edit_signed_data(&sod, |sd| {
        if let Tlv::Constructed { children, .. } = &mut sd[1] {
            children[0] = md5.clone();
        }
    });
    invalid("LDS_H_22", &run(&w, &b), "digestAlgorithms does not list");
    let b = edit_signed_data(&sod, |sd| {
        sd.remove(1);
    });
    invalid("LDS_H_23", &run(&w, &b), "ef_sod");
    let b = edit_signed_data(&sod, |sd| {
        let eci = children(&mut sd[2], &[]);
        eci[0] = Tlv::parse_tree(&oid("2.23.136.1.1.2")).unwrap().remove(0);
    });
    invalid(
        "LDS_H_24",
        &run(&w, &b),
        "is not id-icao-mrtd-security-ldsSecurityObject",
    );
    let b = edit_signed_data(&sod, |sd| {
        children(&mut sd[2], &[]).remove(0);
    });
    invalid("LDS_H_25", &run(&w, &b), "ef_sod");
}

#[test]
fn lds_h_26_38_signer_info() {
    let (w, o) = default_case();
    let sod = make_sod(&w, &o);
    let b = edit_signed_data(&sod, |sd| signer_info(sd)[0] = int_tlv(2));
    invalid("LDS_H_26", &run(&w, &b), "SignerInfo version 2");
    let b = edit_signed_data(&sod, |sd| {
        signer_info(sd).remove(0);
    });
    invalid("LDS_H_27", &run(&w, &b), "ef_sod");

    let mut o2 = o.clone();
    o2.sid = Sid::WrongSerial;
    invalid("LDS_H_28", &run(&w, &make_sod(&w, &o2)), "matches none");
    o2.sid = Sid::WrongSki;
    invalid("LDS_H_29", &run(&w, &make_sod(&w, &o2)), "matches none");
    // A correct subjectKeyIdentifier (version 3) is fine.
    o2.sid = Sid::Ski;
    valid("SKI", &run(&w, &make_sod(&w, &o2)));

    let mut o2 = o.clone();
    o2.digest = "1.2.840.113549.2.5".into();
    invalid(
        "LDS_H_30",
        &run(&w, &make_sod(&w, &o2)),
        "digest algorithm 1.2.840.113549.2.5 is not allowed",
    );
    let b = edit_signed_data(&sod, |sd| {
        signer_info(sd).remove(2);
    });
    invalid("LDS_H_31", &run(&w, &b), "ef_sod");

    let mut o2 = o.clone();
    o2.message_digest = Some(vec![0x11; 32]);
    invalid(
        "LDS_H_32",
        &run(&w, &make_sod(&w, &o2)),
        "message-digest attribute does not equal",
    );
    // LDS_H_33: remove the message-digest attribute (the signature no longer matches either).
    let b = edit_signed_data(&sod, |sd| {
        let attrs = children(&mut signer_info(sd)[3], &[]);
        attrs.retain(|a| {
            let enc = a.encode();
            !enc.windows(11)
                .any(|w| w == [6, 9, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 1, 9, 4])
        });
    });
    invalid(
        "LDS_H_33",
        &run(&w, &b),
        "message-digest attribute is missing",
    );

    let mut o2 = o.clone();
    o2.sod_alg = alg(Kind::Md5Rsa, Sha256);
    invalid("LDS_H_36", &run(&w, &make_sod(&w, &o2)), "not allowed");

    let b = edit_signed_data(&sod, |sd| {
        if let Tlv::Primitive { value, .. } = &mut signer_info(sd)[5] {
            value[10] ^= 0x01;
        }
    });
    let r = run(&w, &b);
    invalid("LDS_H_37", &r, "signature:");
    assert_eq!(r.signature_valid, Some(false));
    let b = edit_signed_data(&sod, |sd| {
        signer_info(sd).remove(5);
    });
    invalid("LDS_H_38", &run(&w, &b), "ef_sod");

    // LDS_H_84/85: version and identifier do not agree.
    let b = edit_signed_data(&sod, |sd| signer_info(sd)[0] = int_tlv(3));
    invalid(
        "LDS_H_84",
        &run(&w, &b),
        "SignerInfo version 3 does not match",
    );
    let mut o2 = o.clone();
    o2.sid = Sid::Ski;
    let b = edit_signed_data(&make_sod(&w, &o2), |sd| signer_info(sd)[0] = int_tlv(1));
    invalid(
        "LDS_H_85",
        &run(&w, &b),
        "SignerInfo version 1 does not match",
    );
}

#[test]
fn lds_h_39_47_lds_security_object() {
    let (w, o) = default_case();
    let mut o2 = o.clone();
    o2.lso_version = 2;
    invalid(
        "LDS_H_39",
        &run(&w, &make_sod(&w, &o2)),
        "LDSSecurityObject version 2",
    );
    let mut o2 = o.clone();
    o2.lso_hash = "1.2.840.113549.2.5".into();
    invalid(
        "LDS_H_41",
        &run(&w, &make_sod(&w, &o2)),
        "hash algorithm 1.2.840.113549.2.5 is not allowed",
    );
    // LDS_H_40/42/46/47 are structural: build the eContent by hand and sign it.
    let lso_variants: [(&str, Vec<u8>); 4] = [
        (
            "LDS_H_40",
            seq(&[
                seq(&[oid(Sha256.oid())]),
                seq(&[seq(&[int(1), emrtd_tlv::encode(0x04, &[0; 32])])]),
            ]),
        ),
        (
            "LDS_H_42",
            seq(&[
                int(0),
                seq(&[seq(&[int(1), emrtd_tlv::encode(0x04, &[0; 32])])]),
            ]),
        ),
        (
            "LDS_H_46",
            seq(&[
                int(0),
                seq(&[oid(Sha256.oid())]),
                seq(&[seq(&[
                    emrtd_tlv::encode(0x02, &[0xFF]),
                    emrtd_tlv::encode(0x04, &[0; 32]),
                ])]),
            ]),
        ),
        (
            "LDS_H_47",
            seq(&[
                int(0),
                seq(&[oid(Sha256.oid())]),
                seq(&[seq(&[emrtd_tlv::encode(0x04, &[0; 32])])]),
            ]),
        ),
    ];
    for (case, lso) in lso_variants {
        let parts = emrtd_lds::sod::SignerParts {
            digest_algorithm: emrtd_lds::sod::AlgorithmIdentifier::new(Sha256.oid()),
            message_digest: Sha256.digest(&lso),
            signature_algorithm: o.sod_alg.algorithm_identifier(),
            sid: emrtd_lds::sod::SignerIdentifier::SubjectKeyIdentifier(w.ds_key.key_id()),
            certificate: Some(w.ds.clone()),
            signing_time: None,
        };
        let ci = emrtd_lds::sod::encode_signed_data::<()>(
            emrtd_lds::sod::oid::LDS_SECURITY_OBJECT,
            &lso,
            &parts,
            |a| Ok(w.ds_key.sign(&o.sod_alg, a)),
        )
        .unwrap();
        let r = run(&w, &emrtd_tlv::encode(0x77, &ci));
        invalid(case, &r, "ef_sod");
    }

    let mut o2 = o.clone();
    o2.hash_overrides = vec![(2, Some(vec![0x22; 32]))];
    let r = run(&w, &make_sod(&w, &o2));
    invalid("LDS_H_43", &r, "DG2 hash mismatch");
    assert_eq!(r.signature_valid, Some(true));
    // LDS_H_69: a wrong DG2 hash with a correct signature is still a failure.
    assert_eq!(r.data_groups[&DataGroup::DG2], DgStatus::Mismatch);
    let mut o2 = o.clone();
    o2.hash_overrides = vec![(1, None)];
    let r = run(&w, &make_sod(&w, &o2));
    invalid("LDS_H_44", &r, "DG1 read but not in EF.SOD");
    assert_eq!(r.data_groups[&DataGroup::DG1], DgStatus::NotInSod);
}

fn dump(case: &str, w: &World, sod: &[u8], com: &[u8]) -> PassiveAuthReport {
    let dir = std::env::temp_dir().join(format!("emrtd-lds-h-{}-{case}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("SOD.bin"), sod).unwrap();
    std::fs::write(dir.join("COM.bin"), com).unwrap();
    for (n, b) in default_dgs() {
        std::fs::write(dir.join(format!("DG{n}.bin")), b).unwrap();
    }
    let v = pa::verify_dump_with(&dir, &trust_of(w), &VerifyOptions::at(NOW)).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    v.passive_authentication
}

#[test]
fn lds_h_45_90_92_consistency_with_ef_com() {
    let (w, o) = default_case();
    let all = [1, 2, 3, 4, 14];
    valid(
        "consistent",
        &dump("ok", &w, &make_sod(&w, &o), &com_for(&all)),
    );
    let mut o2 = o.clone();
    o2.hash_overrides = vec![(10, Some(vec![0x10; 32]))];
    let r = dump("h45", &w, &make_sod(&w, &o2), &com_for(&all));
    invalid(
        "LDS_H_45",
        &r,
        "EF.COM lists DG1,DG2,DG3,DG4,DG14 but EF.SOD hashes DG1,DG2,DG3,DG4,DG10,DG14",
    );
    assert_eq!(
        r.data_groups[&DataGroup::new(10).unwrap()],
        DgStatus::NotRead
    );
    invalid(
        "LDS_H_90",
        &dump("h90", &w, &make_sod(&w, &o), &com_for(&[1, 2, 3, 4, 5, 14])),
        "ef_com_consistency",
    );
    invalid(
        "LDS_H_91",
        &dump("h91", &w, &make_sod(&w, &o), &com_for(&[1, 2, 14])),
        "ef_com_consistency",
    );
    invalid(
        "LDS_H_92",
        &dump("h92", &w, &make_sod(&w, &o), &com_for(&[1, 2, 3, 7, 14])),
        "ef_com_consistency",
    );
}

#[test]
fn lds_h_48_68_document_signer_certificate() {
    let a = alg(Kind::Pss, Sha256);
    let o = SodOpts::new(a);
    let case = |name: &str, tweak: fn(&mut CertOpts), needle: &str| {
        let w = world(Key::csca_rsa(), Key::ds_rsa(), a, tweak);
        let r = run(&w, &make_sod(&w, &o));
        invalid(name, &r, needle);
    };
    case(
        "LDS_H_48",
        |c| c.version = Some(2),
        "certificate version is v2",
    );
    case(
        "LDS_H_49",
        |c| c.version = None,
        "certificate version is v1",
    );
    case("LDS_H_50", |c| c.serial = None, "cannot be decoded");
    case(
        "LDS_H_51",
        |c| c.tbs_alg = Some(alg(Kind::Pkcs1, Sha256)),
        "tbsCertificate.signature differs",
    );
    case(
        "LDS_H_52",
        |c| c.omit = Some(Omit::TbsAlgorithm),
        "cannot be decoded",
    );
    case(
        "LDS_H_59",
        |c| c.omit = Some(Omit::Spki),
        "cannot be decoded",
    );
    case(
        "LDS_H_66",
        |c| c.omit = Some(Omit::SignatureAlgorithm),
        "cannot be decoded",
    );
    case("LDS_H_68", |c| c.omit_signature = true, "cannot be decoded");
    case(
        "LDS_H_54",
        |c| c.issuer = Some(name("UT", "Another CSCA")),
        "does not match the subject",
    );
    case("LDS_H_55", |c| c.issuer = None, "cannot be decoded");
    case(
        "LDS_H_56",
        |c| {
            c.validity = Some((
                tlv_time(0x18, "20240101000000Z"),
                tlv_time(0x18, "20300101000000Z"),
            ))
        },
        "GeneralizedTime for a date before 2050",
    );
    case("LDS_H_57", |c| c.validity = None, "cannot be decoded");
    case(
        "LDS_H_58",
        |c| {
            c.spki = Some(seq(&[
                seq(&[oid("1.2.840.10040.4.1")]),
                emrtd_tlv::encode(0x03, &[0, 2, 1, 5]),
            ]))
        },
        "DSA public key without domain parameters",
    );
    case(
        "LDS_H_58",
        |c| {
            c.spki = Some(seq(&[
                seq(&[oid("1.2.840.10046.2.1")]), // X9.42 Diffie-Hellman: not a signing key
                emrtd_tlv::encode(0x03, &[0, 2, 1, 5]),
            ]))
        },
        "unsupported public key algorithm",
    );
    case(
        "LDS_H_60",
        |c| c.aki = Aki::NoKeyId,
        "authorityKeyIdentifier has no keyIdentifier",
    );
    case(
        "LDS_H_61",
        |c| c.aki = Aki::Missing,
        "authorityKeyIdentifier extension is missing",
    );
    case(
        "LDS_H_62",
        |c| c.key_usage = Some(KU_CERT_SIGN.to_vec()),
        "does not assert digitalSignature",
    );
    case(
        "LDS_H_63",
        |c| c.key_usage = Some(vec![0x03, 0x02, 0x06, 0x40]),
        "does not assert digitalSignature",
    );
    case(
        "LDS_H_64",
        |c| c.key_usage = None,
        "keyUsage extension is missing",
    );
    case(
        "LDS_H_67",
        |c| c.corrupt_signature = true,
        "verifies with none of the 1 CSCA",
    );
    // LDS_H_65: the DS certificate is signed with RSA-MD5.
    let csca = Key::csca_rsa();
    let ds_key = Key::ds_rsa();
    let csca_cert = make_cert(&CertOpts::csca(csca_name()), &csca, &csca, &a);
    let ds = make_cert(
        &CertOpts::ds(csca_name()),
        &ds_key,
        &csca,
        &alg(Kind::Md5Rsa, Sha256),
    );
    let w = World {
        csca_key: csca,
        csca: csca_cert,
        ds_key,
        ds,
        ds_serial: 0x1234,
    };
    invalid(
        "LDS_H_65",
        &run(&w, &make_sod(&w, &o)),
        "RSA with MD2/MD4/MD5",
    );
}

fn tlv_time(tag: u32, s: &str) -> Vec<u8> {
    emrtd_tlv::encode(tag, s.as_bytes())
}

#[test]
fn lds_h_74_78_mixed_algorithms() {
    // LDS_H_74: LDSSecurityObject hashes with SHA-224, the SignerInfo digests with SHA-256.
    let (w, mut o) = default_case();
    o.lso_hash = Sha224.oid().into();
    let r = run(&w, &make_sod(&w, &o));
    valid("LDS_H_74", &r);
    assert_eq!(r.hash_algorithm.as_deref(), Some("SHA-224"));
    // LDS_H_76: CSCA ECDSA P-256 signs an RSA DS certificate with ECDSA-SHA224; the SOD is
    // RSASSA-PKCS1-v1_5 with SHA-256 over SHA-224 data group hashes.
    let w = world(Key::p256(), Key::ds_rsa(), alg(Kind::X962, Sha224), |_| {});
    let mut o = SodOpts::new(alg(Kind::Pkcs1, Sha256));
    o.lso_hash = Sha224.oid().into();
    o.digest = Sha224.oid().into();
    valid("LDS_H_76", &run(&w, &make_sod(&w, &o)));
    // LDS_H_77: chain RSA-PSS SHA-224, SOD RSA-PSS SHA-256.
    let w = rsa_world(alg(Kind::Pss, Sha224));
    valid(
        "LDS_H_77",
        &run(&w, &make_sod(&w, &SodOpts::new(alg(Kind::Pss, Sha256)))),
    );
    // LDS_H_78: chain PKCS#1 v1.5 SHA-256, SOD RSA-PSS SHA-256.
    let w = rsa_world(alg(Kind::Pkcs1, Sha256));
    valid(
        "LDS_H_78",
        &run(&w, &make_sod(&w, &SodOpts::new(alg(Kind::Pss, Sha256)))),
    );
    // LDS_H_75: chain ECDSA P-256 SHA-256, SOD ECDSA P-224 with SHA-224 (plain).
    let w = world(Key::p256(), Key::p224(), alg(Kind::X962, Sha256), |_| {});
    valid(
        "LDS_H_75",
        &run(&w, &make_sod(&w, &SodOpts::new(alg(Kind::Plain, Sha224)))),
    );
}

#[test]
fn lds_h_86_89_lds_versions() {
    let (w, o) = default_case();
    let mut o2 = o.clone();
    o2.lso_version = 1;
    o2.lds_info = Some(("0108".into(), "040000".into()));
    let r = run(&w, &make_sod(&w, &o2));
    valid("LDS_H_86", &r);
    assert_eq!(r.lds_version.as_deref(), Some("0108"));
    let mut o2 = o.clone();
    o2.lds_info = Some(("0108".into(), "040000".into()));
    invalid(
        "LDS_H_87",
        &run(&w, &make_sod(&w, &o2)),
        "version 0 with LDSVersionInfo",
    );
    let mut o2 = o.clone();
    o2.lso_version = 1;
    invalid(
        "LDS_H_88",
        &run(&w, &make_sod(&w, &o2)),
        "version 1 without LDSVersionInfo",
    );
    // LDS_H_89: a future LDS version is accepted with a warning.
    let mut o2 = o.clone();
    o2.lso_version = 1;
    o2.lds_info = Some(("0109".into(), "040000".into()));
    let r = run(&w, &make_sod(&w, &o2));
    valid("LDS_H_89", &r);
    assert!(r.warnings.iter().any(|w| w.contains("0109")));
}

#[test]
fn signing_time_validity_and_crls() {
    let (w, o) = default_case();
    // Signed after the DS certificate expired.
    let mut o2 = o.clone();
    o2.signing_time = Some(utc("310101000000Z"));
    invalid(
        "late signing",
        &run(&w, &make_sod(&w, &o2)),
        "validity_at_signing",
    );
    let r = run(&w, &make_sod(&w, &o));
    assert_eq!(
        r.details.as_ref().unwrap().validity_at_signing.status(),
        CheckStatus::Passed
    );
    assert_eq!(
        r.details.as_ref().unwrap().signing_time.as_deref(),
        Some("2025-06-01T12:00:00Z")
    );

    // CRLs signed by the CSCA: revoking the DS, not revoking it, and a forged one.
    let crl = |revoked: &[u64], key: &Key| {
        let a = alg(Kind::Pss, Sha256);
        let entries: Vec<Vec<u8>> = revoked
            .iter()
            .map(|s| seq(&[int(*s), utc("250301000000Z")]))
            .collect();
        let mut tbs = vec![
            int(1),
            a.alg_id(),
            csca_name(),
            utc("250901000000Z"),
            utc("260901000000Z"),
        ];
        if !entries.is_empty() {
            tbs.push(seq(&entries));
        }
        let tbs = seq(&tbs);
        let mut bits = vec![0u8];
        bits.extend(key.sign(&a, &tbs));
        seq(&[tbs, a.alg_id(), emrtd_tlv::encode(0x03, &bits)])
    };
    let sod = make_sod(&w, &o);
    let verify_with = |crl: Vec<u8>| {
        let mut t = trust_of(&w);
        t.add_crl_der(&crl).unwrap();
        pa::verify_sod_bytes(&sod, &default_dgs(), &t, &VerifyOptions::at(NOW))
    };
    let r = verify_with(crl(&[7, w.ds_serial], &w.csca_key));
    invalid(
        "revoked",
        &r,
        "serial 1234 is revoked since 2025-03-01T00:00:00Z",
    );
    let r = verify_with(crl(&[7], &w.csca_key));
    valid("not revoked", &r);
    assert_eq!(
        r.details.as_ref().unwrap().crl.status(),
        CheckStatus::Passed
    );
    let r = verify_with(crl(&[w.ds_serial], &w.ds_key));
    valid("forged CRL ignored", &r);
    assert_eq!(
        r.details.as_ref().unwrap().crl.status(),
        CheckStatus::NotChecked
    );
    assert!(r
        .warnings
        .iter()
        .any(|x| x.contains("signature does not verify")));
}

#[test]
fn lds_h_dsa_with_sha1_sha224_sha256() {
    // LDS_H_08 (SHA-1), LDS_H_97 (SHA-224), LDS_H_98 (SHA-256): DSA for the chain and EF.SOD,
    // the DG hashes with the same hash, DS certificate inside EF.SOD.
    for (case, hash) in [
        ("LDS_H_08", Sha1),
        ("LDS_H_97", Sha224),
        ("LDS_H_98", Sha256),
    ] {
        let a = alg(Kind::Dsa, hash);
        let w = world(Key::dsa("csca"), Key::dsa("ds"), a, |_| {});
        let o = SodOpts::new(a);
        let sod = make_sod(&w, &o);
        let r = run(&w, &sod);
        valid(case, &r);
        assert_eq!(r.hash_algorithm.as_deref(), Some(hash.name()));
        let signer = r.details.as_ref().unwrap().signer.as_ref().unwrap();
        assert_eq!(signer.public_key, "DSA-2048", "{case}");
        assert!(
            r.checks
                .iter()
                .any(|c| c.id == emrtd_auth::CheckId::Signature
                    && c.status() == CheckStatus::Passed
                    && c.reason().contains("DSA with")),
            "{case}: {:#?}",
            r.checks
        );
        // A changed signature byte is an invalid signature.
        let mut bad = sod.clone();
        let n = bad.len();
        bad[n - 5] ^= 0x01;
        let r = run(&w, &bad);
        assert_eq!(r.status, Verdict::Invalid, "{case}");
        assert_eq!(r.signature_valid, Some(false), "{case}");
    }
}

#[test]
fn dsa_signatures_made_by_openssl_verify() {
    // Independent of the signer used above: `openssl dgst -shaX -sign` over a fixed message
    // with the DS key (fixtures/README.md).
    use emrtd_crypto::sig::{verify, PublicKey, SignatureScheme};
    let key = PublicKey::from_spki_der(
        &std::fs::read(format!("{FIX}/sod/test_pki/ds_dsa2048.spki.der")).unwrap(),
    )
    .unwrap();
    assert_eq!(key.describe(), "DSA-2048");
    let msg = b"emrtd DSA test message";
    for (name, hash) in [("sha1", Sha1), ("sha224", Sha224), ("sha256", Sha256)] {
        let sig = std::fs::read(format!("{FIX}/sod/test_pki/ds_dsa2048_{name}.sig")).unwrap();
        let scheme = SignatureScheme::Dsa { hash };
        verify(&key, &scheme, msg, &sig).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(verify(&key, &scheme, b"another message", &sig).is_err());
        let other = SignatureScheme::Dsa {
            hash: if hash == Sha1 { Sha256 } else { Sha1 },
        };
        assert!(verify(&key, &other, msg, &sig).is_err(), "{name}");
    }
}

#[test]
fn oversized_dsa_keys_are_refused_before_any_arithmetic() {
    // The key check raises y to the power q modulo p: sizes are capped first.
    use emrtd_crypto::sig::{PublicKey, MAX_DSA_BITS};
    let uint = |len: usize| emrtd_tlv::encode(0x02, &[vec![0x7F], vec![0xFF; len - 1]].concat());
    let spki = |p: usize, q: usize, y: usize| {
        let mut y_bits = vec![0u8];
        y_bits.extend(uint(y));
        seq(&[
            seq(&[oid("1.2.840.10040.4.1"), seq(&[uint(p), uint(q), uint(32)])]),
            emrtd_tlv::encode(0x03, &y_bits),
        ])
    };
    let too_big = [
        (MAX_DSA_BITS / 8 + 8, 32, 256),
        (256, 80, 256),
        (256, 32, MAX_DSA_BITS / 8 + 64),
    ];
    for (p, q, y) in too_big {
        let err = PublicKey::from_spki_der(&spki(p, q, y)).unwrap_err();
        assert!(err.contains("larger than"), "{p} {q} {y}: {err}");
    }
    // Well-sized but not a DSA key (y is not in the subgroup): refused by the key check.
    let err = PublicKey::from_spki_der(&spki(256, 32, 256)).unwrap_err();
    assert!(err.contains("DSA public key"), "{err}");
}

#[test]
fn encoder_round_trip() {
    let (w, mut o) = default_case();
    o.lso_version = 1;
    o.lds_info = Some(("0108".into(), "040000".into()));
    let sod = make_sod(&w, &o);
    let parsed = emrtd_lds::sod::Sod::parse(&sod).unwrap();
    assert_eq!(parsed.lds_security_object.data_group_hashes.len(), 5);
    assert_eq!(parsed.raw, sod);
    // Signed attributes are DER: re-tagging them gives exactly what was signed.
    let attrs = parsed.signed_data.signer_infos[0]
        .signed_attrs
        .as_ref()
        .unwrap();
    assert_eq!(attrs.signed_bytes()[0], 0x31);
    assert_eq!(attrs.content_type().as_deref(), Some("2.23.136.1.1.1"));
    let _: BTreeMap<u8, Vec<u8>> = default_dgs();
}

#[test]
fn pss_with_a_different_mgf1_hash_made_by_openssl() {
    // `openssl pkeyutl -sign -pkeyopt rsa_padding_mode:pss -pkeyopt digest:sha256
    //  -pkeyopt rsa_mgf1_md:sha1 -pkeyopt rsa_pss_saltlen:20` over "emrtd PSS cross-check".
    use emrtd_crypto::sig::{self, PublicKey, SignatureScheme};
    let sig_hex = std::fs::read_to_string(format!(
        "{FIX}/sod/test_pki/pss_sha256_mgf1sha1_salt20.sig.hex"
    ))
    .unwrap();
    let signature = hex::decode(sig_hex.trim()).unwrap();
    let key = PublicKey::from_spki_der(&Key::ds_rsa().spki()).unwrap();
    let msg = b"emrtd PSS cross-check";
    let scheme = SignatureScheme::RsaPss {
        hash: Sha256,
        mgf1_hash: Sha1,
        salt_len: 20,
    };
    sig::verify(&key, &scheme, msg, &signature).unwrap();
    // Parsed from RSASSA-PSS-params the same way.
    let params = seq(&[
        emrtd_tlv::encode(0xA0, &seq(&[oid(Sha256.oid())])),
        emrtd_tlv::encode(
            0xA1,
            &seq(&[oid("1.2.840.113549.1.1.8"), seq(&[oid(Sha1.oid())])]),
        ),
        emrtd_tlv::encode(0xA2, &int(20)),
    ]);
    assert_eq!(
        sig::scheme_from_algorithm("1.2.840.113549.1.1.10", Some(&params), None).unwrap(),
        scheme
    );
    // Defaults (absent parameters): SHA-1, MGF1-SHA-1, salt 20.
    assert_eq!(
        sig::scheme_from_algorithm("1.2.840.113549.1.1.10", None, None).unwrap(),
        SignatureScheme::RsaPss {
            hash: Sha1,
            mgf1_hash: Sha1,
            salt_len: 20
        }
    );
    // Wrong MGF hash, wrong salt length or another message: rejected.
    for bad in [
        SignatureScheme::RsaPss {
            hash: Sha256,
            mgf1_hash: Sha256,
            salt_len: 20,
        },
        SignatureScheme::RsaPss {
            hash: Sha256,
            mgf1_hash: Sha1,
            salt_len: 32,
        },
    ] {
        assert!(sig::verify(&key, &bad, msg, &signature).is_err());
    }
    assert!(sig::verify(&key, &scheme, b"other", &signature).is_err());
}
