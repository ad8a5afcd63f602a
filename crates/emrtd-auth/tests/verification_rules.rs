//! Rules that keep a wrong document from being called valid, each with a crafted EF.SOD built
//! with the test PKI, and the deviations genuine documents show, each named as a typed finding.

mod common;

use common::*;
use emrtd_auth::pa::{self, CheckId, Finding, ListedIn, PassiveAuthReport};
use emrtd_auth::trust::TrustStore;
use emrtd_auth::{CheckStatus, DataGroup, DgStatus, Verdict, VerifyOptions};
use emrtd_crypto::sig::HashAlg::Sha256;
use emrtd_lds::sod::{self, AlgorithmIdentifier, SignerIdentifier, SignerParts};
use emrtd_tlv::encode as tlv;
use std::collections::BTreeMap;

const SOD_ALG: SigAlg = alg(Kind::X962, Sha256);

fn ec_world() -> World {
    world(Key::p384(), Key::p256(), SOD_ALG, |_| {})
}

fn trust_of(w: &World) -> TrustStore {
    let mut t = TrustStore::new();
    t.add_der_certificate(&w.csca).unwrap();
    t
}

fn verify(w: &World, sod: &[u8], dgs: &BTreeMap<u8, Vec<u8>>) -> PassiveAuthReport {
    pa::verify_sod_bytes(sod, dgs, &trust_of(w), &VerifyOptions::at(NOW))
}

fn check(r: &PassiveAuthReport, id: CheckId) -> &emrtd_auth::Check {
    r.checks
        .iter()
        .find(|c| c.id.as_str() == id.as_str())
        .unwrap_or_else(|| panic!("no {id} check in {:#?}", r.checks))
}

/// EF.SOD like `make_sod`, with another eContentType and SignerInfo issuer name when given.
fn sod_with(w: &World, content_type: &str, sid_issuer: Option<Vec<u8>>) -> Vec<u8> {
    let o = SodOpts::new(SOD_ALG);
    let lso = sod::LdsSecurityObject {
        version: 0,
        hash_algorithm: sod::DigestAlgorithm::from_oid(Sha256.oid()),
        data_group_hashes: o.dgs.iter().map(|(n, b)| (*n, Sha256.digest(b))).collect(),
        lds_version_info: None,
    };
    let content = lso.to_der().unwrap();
    let parts = SignerParts {
        digest_algorithm: AlgorithmIdentifier::new(Sha256.oid()),
        message_digest: Sha256.digest(&content),
        signature_algorithm: SOD_ALG.algorithm_identifier(),
        sid: SignerIdentifier::IssuerAndSerialNumber {
            issuer: sid_issuer.unwrap_or_else(csca_name),
            serial: int(w.ds_serial)[2..].to_vec(),
        },
        certificate: Some(w.ds.clone()),
        signing_time: o.signing_time.clone(),
    };
    let ci = sod::encode_signed_data::<()>(content_type, &content, &parts, |a| {
        Ok(w.ds_key.sign(&SOD_ALG, a))
    })
    .unwrap();
    tlv(0x77, &ci)
}

#[test]
fn a_good_crafted_sod_is_valid_without_findings() {
    let w = ec_world();
    let r = verify(&w, &make_sod(&w, &SodOpts::new(SOD_ALG)), &default_dgs());
    assert_eq!(r.status, Verdict::Valid, "{:#?}", r.errors);
    assert_eq!(r.findings, []);
    assert_eq!(
        check(&r, CheckId::RequiredDataGroups).status(),
        CheckStatus::Passed
    );
}

#[test]
fn bytes_after_ef_sod_are_a_named_finding() {
    let w = ec_world();
    let mut b = make_sod(&w, &SodOpts::new(SOD_ALG));
    b.extend([0x00, 0x00, 0xFF]);
    let r = verify(&w, &b, &default_dgs());
    assert!(
        r.findings.contains(&Finding::TrailingBytes { count: 3 }),
        "{:#?}",
        r.findings
    );
    // The signed object itself is intact.
    assert_eq!(r.signature_valid, Some(true));
    assert_eq!(r.status, Verdict::Valid, "{:#?}", r.errors);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["findings"][0]["finding"], "trailing_bytes");
    assert_eq!(json["findings"][0]["count"], 3);
}

#[test]
fn signature_counts_only_when_its_message_digest_is_the_content_digest() {
    let w = ec_world();
    // Properly signed attributes whose message digest is not that of the eContent present.
    let mut o = SodOpts::new(SOD_ALG);
    o.message_digest = Some(vec![0x42; 32]);
    let r = verify(&w, &make_sod(&w, &o), &default_dgs());
    assert_eq!(r.status, Verdict::Invalid);
    assert_eq!(r.signature_valid, Some(false));
    assert_eq!(
        check(&r, CheckId::MessageDigest).status(),
        CheckStatus::Failed
    );
    assert!(check(&r, CheckId::Signature)
        .reason()
        .contains("does not cover this content"));

    // The same signed attributes with another security object swapped in.
    let good = make_sod(&w, &SodOpts::new(SOD_ALG));
    let mut other = SodOpts::new(SOD_ALG);
    other.dgs.get_mut(&1).unwrap().push(0);
    let swapped_content = emrtd_lds::sod::Sod::parse(&make_sod(&w, &other))
        .unwrap()
        .econtent()
        .to_vec();
    let original = emrtd_lds::sod::Sod::parse(&good)
        .unwrap()
        .econtent()
        .to_vec();
    assert_eq!(original.len(), swapped_content.len());
    let at = good
        .windows(original.len())
        .position(|x| x == original)
        .unwrap();
    let mut swapped = good.clone();
    swapped[at..at + original.len()].copy_from_slice(&swapped_content);
    let r = verify(&w, &swapped, &other.dgs);
    assert_eq!(r.status, Verdict::Invalid);
    assert_eq!(r.signature_valid, Some(false));
}

#[test]
fn expired_signer_without_signing_time_is_a_finding_assumed_signed_at_issuance() {
    let w = world(Key::p384(), Key::p256(), SOD_ALG, |o| {
        o.validity = Some((utc("200101000000Z"), utc("250101000000Z")));
    });
    let mut o = SodOpts::new(SOD_ALG);
    o.signing_time = None;
    let r = verify(&w, &make_sod(&w, &o), &default_dgs());
    assert!(
        r.findings.iter().any(|f| matches!(
            f,
            Finding::ExpiredSignerWithoutSigningTime { not_after } if not_after == "2025-01-01T00:00:00Z"
        )),
        "{:#?}",
        r.findings
    );
    let c = check(&r, CheckId::ValidityAtSigning);
    assert_eq!(c.status(), CheckStatus::NotChecked);
    assert!(
        c.reason().contains("assumed signed at issuance"),
        "{}",
        c.reason()
    );
    assert!(r
        .findings
        .iter()
        .any(|f| f.to_string().contains("assumed signed at issuance")));

    // A signer still valid today gives no such finding.
    let w = ec_world();
    let r = verify(&w, &make_sod(&w, &o), &default_dgs());
    assert!(!r
        .findings
        .iter()
        .any(|f| matches!(f, Finding::ExpiredSignerWithoutSigningTime { .. })));
}

#[test]
fn data_groups_listed_but_not_read_are_missing_and_dg2_is_required() {
    let w = ec_world();
    let sod = make_sod(&w, &SodOpts::new(SOD_ALG));
    let mut dgs = default_dgs();
    dgs.remove(&2);
    dgs.remove(&3);
    let r = verify(&w, &sod, &dgs);
    assert_eq!(r.status, Verdict::Unverified, "{:#?}", r.checks);
    assert_eq!(r.data_groups[&DataGroup::DG2], DgStatus::NotRead);
    for n in [2, 3] {
        assert!(r.findings.contains(&Finding::DataGroupNotRead {
            data_group: n,
            listed_in: ListedIn::Sod
        }));
    }
    let c = check(&r, CheckId::RequiredDataGroups);
    assert_eq!(c.status(), CheckStatus::NotChecked);
    assert!(
        r.errors.iter().any(|e| e.contains("DG2")),
        "{:#?}",
        r.errors
    );

    // DG1 alone is not enough either, nor DG2 alone.
    let mut only_dg2 = default_dgs();
    only_dg2.retain(|n, _| *n == 2);
    assert_eq!(verify(&w, &sod, &only_dg2).status, Verdict::Unverified);

    // A data group that is not DG1/DG2 may be missing: listed, not fatal.
    let mut no_dg14 = default_dgs();
    no_dg14.remove(&14);
    let r = verify(&w, &sod, &no_dg14);
    assert_eq!(r.status, Verdict::Valid);
    assert!(r.findings.contains(&Finding::DataGroupNotRead {
        data_group: 14,
        listed_in: ListedIn::Sod
    }));
}

#[test]
fn a_sod_without_dg1_is_never_valid() {
    let w = ec_world();
    let mut o = SodOpts::new(SOD_ALG);
    o.dgs.remove(&1);
    let r = verify(&w, &make_sod(&w, &o), &o.dgs);
    assert_eq!(r.status, Verdict::Invalid);
    assert_eq!(
        check(&r, CheckId::RequiredDataGroups).status(),
        CheckStatus::Failed
    );
    assert!(r.errors.iter().any(|e| e.contains("no hash for DG1")));
}

#[test]
fn a_sod_without_dg2_is_valid_on_dg1() {
    let w = ec_world();
    let mut o = SodOpts::new(SOD_ALG);
    o.dgs.remove(&2);
    let r = verify(&w, &make_sod(&w, &o), &o.dgs);
    assert_eq!(r.status, Verdict::Valid, "{:#?}", r.errors);
    assert!(check(&r, CheckId::RequiredDataGroups)
        .reason()
        .contains("DG1"));
}

#[test]
fn data_group_listed_in_ef_com_only_is_listed_missing() {
    let w = ec_world();
    let sod = make_sod(&w, &SodOpts::new(SOD_ALG));
    let mut files: BTreeMap<String, Vec<u8>> = default_dgs()
        .into_iter()
        .map(|(n, b)| (format!("DG{n}.bin"), b))
        .collect();
    files.insert("SOD.bin".into(), sod);
    files.insert("COM.bin".into(), com_for(&[1, 2, 3, 4, 14, 15]));
    let v = pa::verify_files(&files, &trust_of(&w), &VerifyOptions::at(NOW)).unwrap();
    let r = &v.passive_authentication;
    assert!(r.findings.contains(&Finding::DataGroupNotRead {
        data_group: 15,
        listed_in: ListedIn::Com
    }));
    // EF.COM and EF.SOD disagree: that alone fails.
    assert_eq!(r.status, Verdict::Invalid);
}

#[test]
fn impostor_csca_name_matches_key_does_not() {
    let w = ec_world();
    let sod = make_sod(&w, &SodOpts::new(SOD_ALG));
    // A trusted certificate with the CSCA's name and key identifier but another key.
    let mut o = emrtd_auth_csca_opts();
    o.spki = Some(Key::p224().spki());
    let impostor = make_cert(&o, &w.csca_key, &Key::p224(), &alg(Kind::X962, Sha256));
    let mut t = TrustStore::new();
    t.add_der_certificate(&impostor).unwrap();
    let r = pa::verify_sod_bytes(&sod, &default_dgs(), &t, &VerifyOptions::at(NOW));
    assert_eq!(r.status, Verdict::Invalid);
    assert_eq!(r.chain_valid, Some(false));
    let c = check(&r, CheckId::CertificateChain);
    assert!(
        c.reason()
            .starts_with("impostor CSCA: name matches, key does not"),
        "{}",
        c.reason()
    );
    // With the genuine CSCA beside it, the genuine one is found.
    t.add_der_certificate(&w.csca).unwrap();
    let r = pa::verify_sod_bytes(&sod, &default_dgs(), &t, &VerifyOptions::at(NOW));
    assert_eq!(r.status, Verdict::Valid, "{:#?}", r.errors);
}

fn emrtd_auth_csca_opts() -> CertOpts {
    CertOpts::csca(csca_name())
}

#[test]
fn a_csca_of_the_same_name_with_another_key_identifier_is_named_but_not_called_forged() {
    // The store has a CSCA of that name with another key identifier: an impostor, or another
    // key generation the store lacks. Said so; unverified, not invalid.
    let w = ec_world();
    let sod = make_sod(&w, &SodOpts::new(SOD_ALG));
    let other = make_cert(
        &emrtd_auth_csca_opts(),
        &Key::p224(),
        &Key::p224(),
        &alg(Kind::X962, Sha256),
    );
    let mut t = TrustStore::new();
    t.add_der_certificate(&other).unwrap();
    let r = pa::verify_sod_bytes(&sod, &default_dgs(), &t, &VerifyOptions::at(NOW));
    assert_eq!(r.status, Verdict::Unverified);
    assert_eq!(r.chain_valid, None);
    let c = check(&r, CheckId::CertificateChain);
    assert!(c
        .reason()
        .starts_with("impostor CSCA: name matches, key does not"));
    assert!(c.reason().contains("lacks this CSCA key generation"));
}

#[test]
fn issuer_content_types_verify_with_a_finding_id_data_only_when_asked() {
    let w = ec_world();
    let lenient = VerifyOptions::at(NOW).with_id_data_content_type(true);
    for ct in sod::oid::LDS_SECURITY_OBJECT_ALTERNATIVES {
        let sod = sod_with(&w, &ct.to_string(), None);
        let r = pa::verify_sod_bytes(&sod, &default_dgs(), &trust_of(&w), &lenient);
        assert_eq!(r.status, Verdict::Valid, "{ct}: {:#?}", r.errors);
        assert!(r.findings.contains(&Finding::NonIcaoContentType {
            oid: ct.to_string()
        }));
        // By default id-data fails (TR-03105-5.1 LDS_H_24); the ICAO legacy arc and the
        // Dutch OID verify.
        let r = verify(&w, &sod, &default_dgs());
        if ct == sod::oid::DATA {
            assert_eq!(r.status, Verdict::Invalid);
            let c = check(&r, CheckId::ContentType);
            assert_eq!(c.status(), CheckStatus::Failed);
            // The refusal names the rule and the way to accept it, so it is never silent.
            assert!(
                c.reason().contains("id-data")
                    && c.reason().contains("LDS_H_24")
                    && c.reason().contains("accept_id_data_content_type"),
                "{}",
                c.reason()
            );
        } else {
            assert_eq!(r.status, Verdict::Valid, "{ct}");
        }
    }
    // Any other content type is refused.
    let r = verify(&w, &sod_with(&w, "1.2.3.4", None), &default_dgs());
    assert_eq!(r.status, Verdict::Invalid);
}

#[test]
fn signer_issuer_named_in_another_rdn_order_verifies_with_a_finding() {
    let w = ec_world();
    let reversed = seq(&[
        tlv(0x31, &seq(&[oid("2.5.4.3"), tlv(0x0C, b"Test CSCA")])),
        tlv(0x31, &seq(&[oid("2.5.4.6"), tlv(0x13, b"NO")])),
    ]);
    let r = verify(
        &w,
        &sod_with(
            &w,
            &sod::oid::LDS_SECURITY_OBJECT.to_string(),
            Some(reversed),
        ),
        &default_dgs(),
    );
    assert_eq!(r.status, Verdict::Valid, "{:#?}", r.errors);
    assert_eq!(r.findings, [Finding::SignerIssuerNameNotByteEqual]);
    // Another name is no match at all.
    let r = verify(
        &w,
        &sod_with(
            &w,
            &sod::oid::LDS_SECURITY_OBJECT.to_string(),
            Some(name("NO", "Other CSCA")),
        ),
        &default_dgs(),
    );
    assert_eq!(r.status, Verdict::Invalid);
}

// ------------------------------------------------------------------------------------------
// Real documents with deviations: each verifies and names what it deviates in.
// ------------------------------------------------------------------------------------------

const F: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");

fn real(country: &str) -> PassiveAuthReport {
    let b = std::fs::read(format!("{F}/sod/gmrtd/{country}_EF.SOD.bin")).unwrap();
    pa::verify_sod_bytes(
        &b,
        &BTreeMap::new(),
        &TrustStore::new(),
        &VerifyOptions::at(NOW),
    )
}

#[test]
fn sod_in_ber_with_indefinite_lengths_verifies_with_a_finding() {
    // The real NZ 2013 EF.SOD uses indefinite lengths throughout (the US sample is DER).
    let b = std::fs::read(format!("{F}/sod/jmrtd/ef_sod/NZ2013_EF_SOD.BIN")).unwrap();
    let r = pa::verify_sod_bytes(
        &b,
        &BTreeMap::new(),
        &TrustStore::new(),
        &VerifyOptions::at(NOW),
    );
    assert_eq!(r.signature_valid, Some(true), "{:#?}", r.checks);
    assert!(
        r.findings.contains(&Finding::BerEncoding),
        "{:#?}",
        r.findings
    );
    // DER documents have no such finding.
    for c in ["FR", "US"] {
        assert!(!real(c).findings.contains(&Finding::BerEncoding), "{c}");
    }
}

#[test]
fn my_signer_issuer_in_another_rdn_order_verifies_with_a_finding() {
    let r = real("MY");
    assert_eq!(r.signature_valid, Some(true), "{:#?}", r.checks);
    assert!(r.findings.contains(&Finding::SignerIssuerNameNotByteEqual));
    assert!(!real("FR")
        .findings
        .contains(&Finding::SignerIssuerNameNotByteEqual));
}

#[test]
fn signers_with_explicit_ec_parameters_verify_with_a_finding() {
    for c in ["AT", "DE", "FI", "RU", "UK"] {
        let r = real(c);
        assert_eq!(r.signature_valid, Some(true), "{c}");
        assert!(r.findings.contains(&Finding::ExplicitEcParameters), "{c}");
    }
    // RSA signers have none.
    assert!(!real("NZ").findings.contains(&Finding::ExplicitEcParameters));
}

/// A CSCA named `C=csca_c` and a Document Signer whose issuer field names `C=ds_issuer_c` (the
/// rest of the name the same; when the two differ the CSCA is found by key identifier).
fn world_of(csca_c: &str, ds_issuer_c: &str) -> World {
    world_named(
        Key::p384(),
        Key::p256(),
        SOD_ALG,
        name(csca_c, "Test CSCA"),
        |o| o.issuer = Some(name(ds_issuer_c, "Test CSCA")),
    )
}

/// The default data groups with DG1 (TD3) naming `state` as the issuing state.
fn sod_options_issued_by(state: &str) -> SodOpts {
    let line1 = format!("P<{state:<<3}ERIKSSON<<ANNA<MARIA");
    let mrz = format!("{line1:<<44}L898902C36UTO7408122F1204159ZE184226B<<<<<10");
    assert_eq!(mrz.len(), 88);
    let mut o = SodOpts::new(SOD_ALG);
    o.dgs.insert(1, tlv(0x61, &tlv(0x5F1F, mrz.as_bytes())));
    o
}

fn verify_issued_by(w: &World, state: &str) -> PassiveAuthReport {
    let o = sod_options_issued_by(state);
    verify(w, &make_sod(w, &o), &o.dgs)
}

#[test]
fn a_document_signed_by_another_states_csca_is_invalid() {
    let w = world_of("NO", "NO");
    let r = verify_issued_by(&w, "SWE");
    // Signature, chain and hashes all hold: only the country is wrong.
    assert_eq!(r.signature_valid, Some(true), "{:#?}", r.errors);
    assert_eq!(r.chain_valid, Some(true), "{:#?}", r.errors);
    assert_eq!(r.status, Verdict::Invalid, "{:#?}", r.errors);
    let c = check(&r, CheckId::IssuingState);
    assert_eq!(c.status(), CheckStatus::Failed);
    for part in [
        "issuing state SWE",
        "CSCA country SE",
        "C=NO",
        "signs only that state's documents",
    ] {
        assert!(c.reason().contains(part), "{part}: {}", c.reason());
    }
    assert_eq!(
        r.errors,
        vec![format!("issuing_state: {}", c.reason())],
        "the country is the only failure"
    );
}

#[test]
fn issuing_states_verify_under_a_csca_of_their_own_country_including_icao_codes() {
    for (state, country) in [
        ("NOR", "NO"),
        ("DEU", "DE"),
        ("D", "DE"),
        ("GBR", "GB"),
        ("GBD", "GB"),
        ("GBO", "GB"),
        ("UNO", "UN"),
        ("UNA", "UN"),
        ("EUE", "EU"),
        ("RKS", "KS"),
        // Real master lists hold CSCAs whose country is written in lower case.
        ("GBR", "gb"),
    ] {
        let r = verify_issued_by(&world_of(country, country), state);
        assert_eq!(
            r.status,
            Verdict::Valid,
            "{state} / C={country}: {:#?}",
            r.errors
        );
        assert_eq!(
            check(&r, CheckId::IssuingState).status(),
            CheckStatus::Passed
        );
    }
}

#[test]
fn germany_as_d_signed_by_a_csca_other_than_de_is_invalid() {
    for (state, country) in [("D", "NO"), ("GBD", "IE"), ("UNO", "US"), ("NOR", "UN")] {
        let r = verify_issued_by(&world_of(country, country), state);
        assert_eq!(r.status, Verdict::Invalid, "{state} / C={country}");
        assert_eq!(
            check(&r, CheckId::IssuingState).status(),
            CheckStatus::Failed
        );
    }
}

#[test]
fn a_document_signer_whose_issuer_names_another_country_than_its_csca_is_invalid() {
    // The CSCA (C=NO) signed the Document Signer, whose issuer field says C=SE: the key
    // identifier leads to the CSCA and its key verifies, but the names differ, so the chain
    // fails and the issuing state is never taken as checked.
    let w = world_of("NO", "SE");
    let r = verify_issued_by(&w, "NOR");
    assert_eq!(r.status, Verdict::Invalid, "{:#?}", r.errors);
    let chain = check(&r, CheckId::CertificateChain);
    assert_eq!(chain.status(), CheckStatus::Failed);
    assert!(chain.reason().contains("C=SE"), "{}", chain.reason());
    assert_ne!(
        check(&r, CheckId::IssuingState).status(),
        CheckStatus::Passed
    );
}

#[test]
fn specimen_nationality_only_and_unknown_issuing_states_are_never_valid() {
    for state in ["UTO", "XXA", "XXB", "XPO", "ZZZ"] {
        let r = verify_issued_by(&world_of("NO", "NO"), state);
        assert_eq!(r.status, Verdict::Unverified, "{state}: {:#?}", r.errors);
        let c = check(&r, CheckId::IssuingState);
        assert_eq!(c.status(), CheckStatus::NotChecked, "{state}");
        assert!(
            c.reason().contains("cannot be called valid"),
            "{}",
            c.reason()
        );
    }
}

#[test]
fn the_issuing_state_is_not_compared_when_dg1_does_not_match_ef_sod() {
    let w = world_of("NO", "NO");
    let mut o = sod_options_issued_by("NOR");
    let sod = make_sod(&w, &o);
    // DG1 replaced after signing by one claiming Norway (it no longer matches its hash).
    o.dgs.get_mut(&1).unwrap()[10] ^= 1;
    let r = verify(&w, &sod, &o.dgs);
    assert_eq!(r.status, Verdict::Invalid);
    let c = check(&r, CheckId::IssuingState);
    assert_eq!(c.status(), CheckStatus::NotChecked);
    assert!(c.reason().contains("DG1 not read or not matching"));
}

#[test]
fn ecdsa_with_a_hash_longer_than_the_curve_order_is_truncated_and_a_shorter_hash_verifies() {
    // SHA-512 and SHA-384 on P-256 and P-224 (the hash cut to the order's bit length, X9.62
    // §5.3.2 / SEC 1 §4.1.3), and SHA-256 on P-384 (shorter than the order): signed by the
    // RustCrypto curve crates, verified by emrtd.
    use emrtd_crypto::sig::HashAlg::{Sha384, Sha512};
    for (name, ds_key, hash) in [
        ("P-256 SHA-512", Key::p256(), Sha512),
        ("P-256 SHA-384", Key::p256(), Sha384),
        ("P-224 SHA-512", Key::p224(), Sha512),
        ("P-384 SHA-256", Key::p384(), Sha256),
    ] {
        let sod_alg = alg(Kind::X962, hash);
        let w = world(Key::p384(), ds_key, SOD_ALG, |_| {});
        let o = SodOpts::new(sod_alg);
        let sod = make_sod(&w, &o);
        let r = verify(&w, &sod, &o.dgs);
        assert_eq!(r.status, Verdict::Valid, "{name}: {:#?}", r.errors);
        assert_eq!(check(&r, CheckId::Signature).status(), CheckStatus::Passed);
        // A changed signature fails.
        let parsed = sod::Sod::parse(&sod).unwrap();
        let sig = parsed.signed_data.signer_infos[0].signature.clone();
        let at = sod.windows(sig.len()).position(|w| w == sig).unwrap() + sig.len() / 2;
        let mut bad = sod.clone();
        bad[at] ^= 1;
        let r = verify(&w, &bad, &o.dgs);
        assert_eq!(r.status, Verdict::Invalid, "{name}");
    }
}
