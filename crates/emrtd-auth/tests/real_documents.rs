//! Passive Authentication of real documents and real trust material (fixtures/sod, fixtures/trust).

use emrtd_auth::cert::Certificate;
use emrtd_auth::pa::{self, verify_certificate_chain};
use emrtd_auth::trust::TrustStore;
use emrtd_auth::MasterList;
use emrtd_auth::{CheckStatus, DataGroup, DgStatus, Verdict, VerifyOptions};
use emrtd_lds::sod::{SignerIdentifier, Sod};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const F: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");
/// 2025-10-09: a fixed "now" so results do not change with the clock.
const NOW: i64 = 1_760_000_000;
const COUNTRIES: [&str; 12] = [
    "AT", "DE", "FI", "FR", "ID", "MY", "NZ", "PH", "RU", "SG", "UK", "US",
];

fn rd(p: &str) -> Vec<u8> {
    std::fs::read(format!("{F}/{p}")).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn cert(p: &str) -> Certificate {
    Certificate::from_der(&rd(p)).unwrap()
}

fn german_ml() -> &'static TrustStore {
    static T: OnceLock<TrustStore> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = TrustStore::new();
        let s = t
            .add_master_list(&rd("trust/DE_ML_2026-05-28-08-28-45.ml"), None)
            .unwrap();
        assert_eq!(s.master_lists, 1);
        assert_eq!(s.csca, 588);
        t
    })
}

fn opts() -> VerifyOptions {
    VerifyOptions::at(NOW)
}

fn no_dgs() -> BTreeMap<u8, Vec<u8>> {
    BTreeMap::new()
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("emrtd-auth-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn twelve_real_sods_verify_with_their_embedded_dsc_but_are_unverified_without_anchor() {
    let empty = TrustStore::new();
    for c in COUNTRIES {
        let r = pa::verify_sod_bytes(
            &rd(&format!("sod/gmrtd/{c}_EF.SOD.bin")),
            &no_dgs(),
            &empty,
            &opts(),
        );
        assert_eq!(r.signature_valid, Some(true), "{c}: {:?}", r.errors);
        assert_eq!(r.chain_valid, None, "{c}");
        assert_eq!(r.status, Verdict::Unverified, "{c}");
        let d = r.details.as_ref().unwrap();
        assert_eq!(d.signer_source.as_deref(), Some("embedded"));
        assert!(
            r.errors.iter().any(|e| e.contains("trust store is empty")),
            "{c}: {:?}",
            r.errors
        );
        // Every data group in EF.SOD is reported as not read.
        assert!(!r.data_groups.is_empty());
        assert!(r.data_groups.values().all(|s| *s == DgStatus::NotRead));
    }
}

#[test]
fn real_sods_chain_to_the_german_master_list_except_indonesia() {
    // The German master list (2026-05) holds the CSCAs of 11 of the 12 countries; the
    // Indonesian DSC is issued by the 2020 CSCA, which it does not contain.
    let trust = german_ml();
    for c in COUNTRIES {
        let r = pa::verify_sod_bytes(
            &rd(&format!("sod/gmrtd/{c}_EF.SOD.bin")),
            &no_dgs(),
            trust,
            &opts(),
        );
        assert_eq!(r.signature_valid, Some(true), "{c}");
        if c == "ID" {
            assert_eq!(r.chain_valid, None);
            assert_eq!(r.status, Verdict::Unverified);
            continue;
        }
        assert_eq!(r.chain_valid, Some(true), "{c}: {:?}", r.errors);
        // Signature and chain hold, but no data group was compared: never `valid`.
        assert_eq!(r.status, Verdict::Unverified, "{c}: {:?}", r.errors);
        assert!(
            r.errors.iter().any(|e| e.contains("data_group_hashes")),
            "{c}: {:?}",
            r.errors
        );
        let d = r.details.unwrap();
        let country = if c == "UK" { "GB" } else { c };
        let csca = d.csca.unwrap();
        assert!(
            csca.subject
                .to_uppercase()
                .contains(&format!("C={country}")),
            "{c}: {}",
            csca.subject
        );
        assert!(d.root_reached || !d.chain.is_empty());
        assert_eq!(d.crl.status(), CheckStatus::NotChecked);
    }
}

#[test]
fn explicit_parameter_curves_are_identified() {
    let trust = german_ml();
    let expect = [
        (
            "AT",
            "brainpoolP256r1 (explicit parameters)",
            "ECDSA with SHA-256",
        ),
        (
            "DE",
            "brainpoolP384r1 (explicit parameters)",
            "ECDSA with SHA-384",
        ),
        (
            "FI",
            "brainpoolP512r1 (explicit parameters)",
            "ECDSA with SHA-512",
        ),
        ("RU", "NIST P-256 (explicit parameters)", "ECDSA with SHA-1"),
        (
            "UK",
            "NIST P-256 (explicit parameters)",
            "ECDSA with SHA-256",
        ),
        (
            "SG",
            "RSA-2048",
            "RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32",
        ),
        ("NZ", "RSA-2048", "RSASSA-PKCS1-v1_5 with SHA-256"),
    ];
    for (c, key, alg) in expect {
        let r = pa::verify_sod_bytes(
            &rd(&format!("sod/gmrtd/{c}_EF.SOD.bin")),
            &no_dgs(),
            trust,
            &opts(),
        );
        let d = r.details.unwrap();
        assert!(d.signer.unwrap().public_key.ends_with(key), "{c}");
        assert_eq!(d.signature_algorithm.as_deref(), Some(alg), "{c}");
    }
}

#[test]
fn card_security_of_de_and_fi_chains_to_the_german_master_list() {
    for c in ["DE", "FI"] {
        let bytes = rd(&format!("sod/gmrtd/{c}_EF.CardSecurity.bin"));
        let r = pa::verify_card_security(&bytes, german_ml(), &opts());
        assert_eq!(r.status, Verdict::Valid, "{c}: {:?}", r.errors);
        assert_eq!(r.details.content_type, "0.4.0.127.0.7.3.2.1");
        // Without anchors it is only unverified.
        let r = pa::verify_card_security(&bytes, &TrustStore::new(), &opts());
        assert_eq!(
            (r.status, r.signature_valid),
            (Verdict::Unverified, Some(true))
        );
    }
}

fn uk_trust() -> TrustStore {
    let mut t = TrustStore::new();
    t.add_der_certificate(&rd("sod/gmrtd/UK_imported_CSCA.cer"))
        .unwrap();
    t
}

#[test]
fn uk_set_is_valid_with_its_csca_and_the_corrupted_dg2_is_a_mismatch() {
    let dir = temp_dir("uk");
    std::fs::write(dir.join("SOD.bin"), rd("sod/gmrtd/UK_imported_EF.SOD.bin")).unwrap();
    std::fs::write(dir.join("DG1.bin"), rd("sod/gmrtd/UK_imported_DG1.bin")).unwrap();
    std::fs::write(dir.join("DG2.bin"), rd("sod/gmrtd/UK_imported_DG2.bin")).unwrap();
    let trust = uk_trust();
    let v = pa::verify_dump_with(&dir, &trust, &opts()).unwrap();
    let r = &v.passive_authentication;
    assert_eq!(r.status, Verdict::Valid, "{:?}", r.errors);
    assert_eq!(r.data_groups[&DataGroup::DG1], DgStatus::Match);
    assert_eq!(r.data_groups[&DataGroup::DG2], DgStatus::Match);
    assert_eq!(v.files, ["DG1.bin", "DG2.bin", "SOD.bin"]);
    // The DSC expired in 2022: reported, informational only.
    let d = r.details.as_ref().unwrap();
    assert_eq!(d.validity_now.status(), CheckStatus::Failed);
    assert!(d.validity_now.informational);
    assert_eq!(d.validity_at_signing.status(), CheckStatus::NotChecked);

    let json = serde_json::to_value(&v).unwrap();
    let p = &json["passive_authentication"];
    assert_eq!(p["status"], "valid");
    assert_eq!(p["signature_valid"], true);
    assert_eq!(p["chain_valid"], true);
    assert_eq!(p["data_groups"]["DG2"], "match");
    assert_eq!(p["errors"].as_array().unwrap().len(), 0);
    assert_eq!(p["crl"]["status"], "not_checked");

    std::fs::write(
        dir.join("DG2.bin"),
        rd("sod/gmrtd/UK_imported_DG2_corrupted_lastbyte.bin"),
    )
    .unwrap();
    let v = pa::verify_dump_with(&dir, &trust, &opts()).unwrap();
    let r = &v.passive_authentication;
    assert_eq!(r.status, Verdict::Invalid);
    assert_eq!(r.signature_valid, Some(true));
    assert_eq!(r.chain_valid, Some(true));
    assert_eq!(r.data_groups[&DataGroup::DG1], DgStatus::Match);
    assert_eq!(r.data_groups[&DataGroup::DG2], DgStatus::Mismatch);
    assert!(
        r.errors.iter().any(|e| e.contains("DG2 hash mismatch")),
        "{:?}",
        r.errors
    );
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["passive_authentication"]["status"], "invalid");
    assert_eq!(
        json["passive_authentication"]["data_groups"]["DG2"],
        "mismatch"
    );

    // No anchor: unverified with a null chain, never valid.
    std::fs::write(dir.join("DG2.bin"), rd("sod/gmrtd/UK_imported_DG2.bin")).unwrap();
    let v = pa::verify_dump_with(&dir, &TrustStore::new(), &opts()).unwrap();
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["passive_authentication"]["status"], "unverified");
    assert!(json["passive_authentication"]["chain_valid"].is_null());
    assert!(json["card_security"].is_null());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn uk_set_verifies_from_memory_too() {
    let trust = uk_trust();
    let mut files = BTreeMap::new();
    files.insert("sod".to_string(), rd("sod/gmrtd/UK_imported_EF.SOD.bin"));
    files.insert("DG1.bin".to_string(), rd("sod/gmrtd/UK_imported_DG1.bin"));
    files.insert("DG2".to_string(), rd("sod/gmrtd/UK_imported_DG2.bin"));
    files.insert("notes.txt".to_string(), b"ignored".to_vec());
    let v = pa::verify_files(&files, &trust, &opts()).unwrap();
    assert_eq!(v.passive_authentication.status, Verdict::Valid);
    assert_eq!(v.files, ["DG1.bin", "DG2", "sod"]);
    files.insert(
        "DG2".to_string(),
        rd("sod/gmrtd/UK_imported_DG2_corrupted_lastbyte.bin"),
    );
    let v = pa::verify_files(&files, &trust, &opts()).unwrap();
    assert_eq!(v.passive_authentication.status, Verdict::Invalid);
    assert_eq!(
        v.passive_authentication.data_groups[&DataGroup::DG2],
        DgStatus::Mismatch
    );
    // Names: each file once, data groups by their plain number.
    let mut twice = files.clone();
    twice.insert("dg2.bin".to_string(), rd("sod/gmrtd/UK_imported_DG2.bin"));
    assert!(pa::verify_files(&twice, &trust, &opts()).is_err());
    let mut odd = BTreeMap::new();
    odd.insert("SOD".to_string(), rd("sod/gmrtd/UK_imported_EF.SOD.bin"));
    odd.insert("DG01".to_string(), rd("sod/gmrtd/UK_imported_DG1.bin"));
    odd.insert("DG+2".to_string(), rd("sod/gmrtd/UK_imported_DG2.bin"));
    let v = pa::verify_files(&odd, &trust, &opts()).unwrap();
    assert_eq!(v.files, ["SOD"], "DG01 and DG+2 are not data group names");
    // Nothing but EF.SOD: signature and chain hold, but no data was compared.
    let only_sod: BTreeMap<_, _> = files.into_iter().filter(|(k, _)| k == "sod").collect();
    let v = pa::verify_files(&only_sod, &trust, &opts()).unwrap();
    assert_eq!(v.passive_authentication.status, Verdict::Unverified);
}

#[test]
fn my_signer_info_names_its_issuer_in_another_rdn_order_and_still_verifies() {
    let sod = Sod::parse(&rd("sod/gmrtd/MY_EF.SOD.bin")).unwrap();
    let si = &sod.signed_data.signer_infos[0];
    let dsc = Certificate::from_der(&sod.signed_data.certificates[0]).unwrap();
    let SignerIdentifier::IssuerAndSerialNumber { issuer, .. } = &si.sid else {
        panic!("MY uses issuerAndSerialNumber")
    };
    let cert_issuer = der::Encode::to_der(dsc.issuer_name()).unwrap();
    assert_ne!(issuer, &cert_issuer, "the encodings differ");
    assert!(pa::sid_matches(&si.sid, &dsc));
    let r = pa::verify_sod(&sod, &no_dgs(), german_ml(), &opts());
    assert_sod_only_holds(&r);
}

/// EF.SOD verified on its own: signature and chain hold, and with no data group to compare the
/// verdict is `unverified` for that reason alone (no hash compared, DG1/DG2 not compared, so
/// no issuing state to compare with the CSCA's country).
fn assert_sod_only_holds(r: &pa::PassiveAuthReport) {
    assert_eq!(r.signature_valid, Some(true), "{:?}", r.errors);
    assert_eq!(r.chain_valid, Some(true), "{:?}", r.errors);
    assert_eq!(r.status, Verdict::Unverified, "{:?}", r.errors);
    assert!(
        r.errors[2].starts_with("issuing_state: DG1 not read"),
        "{:?}",
        r.errors
    );
    assert_eq!(
        r.errors.len(),
        3,
        "nothing else may be wrong: {:?}",
        r.errors
    );
    assert_eq!(r.errors[0], "data_group_hashes: no data group was supplied");
    assert!(
        r.errors[1].starts_with("required_data_groups: DG1"),
        "{:?}",
        r.errors
    );
}

fn dgs(list: &[(u8, &str)]) -> BTreeMap<u8, Vec<u8>> {
    list.iter().map(|(n, p)| (*n, rd(p))).collect()
}

#[test]
fn bsi_and_etsi_reference_sets_verify_signatures_and_data_group_hashes() {
    let empty = TrustStore::new();
    // BSI TR-03105-5 set (pymrtd copy and zienit copy are the same document).
    for (sod, dg1, dg14) in [
        (
            "sod/pymrtd/BSI_TR-03105-5_EF_SOD.bin",
            "sod/pymrtd/BSI_TR-03105-5_DG1.bin",
            "sod/pymrtd/BSI_TR-03105-5_DG14.bin",
        ),
        (
            "sod/zienit/EF_SOD.bin",
            "sod/zienit/Datagroup1.bin",
            "sod/zienit/Datagroup14.bin",
        ),
    ] {
        let m = dgs(&[(1, dg1), (14, dg14)]);
        let r = pa::verify_sod_bytes(&rd(sod), &m, &empty, &opts());
        assert_eq!(r.signature_valid, Some(true), "{sod}");
        assert_eq!(r.data_groups[&DataGroup::DG1], DgStatus::Match, "{sod}");
        assert_eq!(r.data_groups[&DataGroup::DG14], DgStatus::Match, "{sod}");
        assert_eq!(r.data_groups[&DataGroup::DG2], DgStatus::NotRead);
        assert_eq!(r.status, Verdict::Unverified);
    }
    // The BSI SOD has no hash for DG15: reading one makes the document invalid.
    let m = dgs(&[(15, "sod/pymrtd/DG15_not_in_BSI_SOD.bin")]);
    let r = pa::verify_sod_bytes(
        &rd("sod/pymrtd/BSI_TR-03105-5_EF_SOD.bin"),
        &m,
        &empty,
        &opts(),
    );
    assert_eq!(r.data_groups[&DataGroup::DG15], DgStatus::NotInSod);
    assert_eq!(r.status, Verdict::Invalid);
    // ETSI TR 103 200 set.
    let m = dgs(&[
        (1, "sod/pymrtd/ETSI_TR103200_DG1.bin"),
        (14, "sod/pymrtd/ETSI_TR103200_DG14.bin"),
        (15, "sod/pymrtd/ETSI_TR103200_DG15.bin"),
    ]);
    let r = pa::verify_sod_bytes(
        &rd("sod/pymrtd/ETSI_TR103200_EACAA_EF_SOD.bin"),
        &m,
        &empty,
        &opts(),
    );
    assert_eq!(r.signature_valid, Some(true));
    for dg in [DataGroup::DG1, DataGroup::DG14, DataGroup::DG15] {
        assert_eq!(r.data_groups[&dg], DgStatus::Match);
    }
    // The DSC supplied out of band is found when the store holds it (it is also embedded).
    let mut t = TrustStore::new();
    t.add_der_certificate(&rd("sod/pymrtd/dsc_certs/dsc_de_0142fd5cf927.cer"))
        .unwrap();
    assert_eq!(t.dsc().len(), 1);
    assert!(t.csca().is_empty());
}

#[test]
fn jmrtd_sets_brainpool224_sha1_rsa_and_indefinite_lengths() {
    let empty = TrustStore::new();
    // BSI 2008 test passport: ECDSA-SHA1 on brainpoolP224r1 with explicit parameters.
    let m = dgs(&[
        (1, "sod/jmrtd/bsi2008/Datagroup1.bin"),
        (2, "sod/jmrtd/bsi2008/Datagroup2.bin"),
        (3, "sod/jmrtd/bsi2008/Datagroup3.bin"),
        (14, "sod/jmrtd/bsi2008/Datagroup14.bin"),
    ]);
    let r = pa::verify_sod_bytes(&rd("sod/jmrtd/bsi2008/EF_SOD.bin"), &m, &empty, &opts());
    assert_eq!(r.signature_valid, Some(true), "{:?}", r.errors);
    assert!(r
        .details
        .as_ref()
        .unwrap()
        .signer
        .as_ref()
        .unwrap()
        .public_key
        .contains("brainpoolP224r1"));
    assert!(r.data_groups.values().all(|s| *s == DgStatus::Match));
    // Its 2008 test DSC has no keyUsage extension: the ICAO profile check fails.
    assert_eq!(r.status, Verdict::Invalid);
    assert!(r
        .errors
        .iter()
        .any(|e| e.contains("keyUsage extension is missing")));

    // NL 2006 test passport.
    let m = dgs(&[
        (1, "sod/jmrtd/loes2006/ef0101.bin"),
        (2, "sod/jmrtd/loes2006/ef0102.bin"),
        (15, "sod/jmrtd/loes2006/ef010F.bin"),
    ]);
    let r = pa::verify_sod_bytes(&rd("sod/jmrtd/loes2006/ef011D.bin"), &m, &empty, &opts());
    assert_eq!(r.signature_valid, Some(true));
    assert!(r.data_groups.values().all(|s| *s == DgStatus::Match));

    // NZ 2013 uses indefinite lengths throughout; signing time 2011-10-18.
    let r = pa::verify_sod_bytes(
        &rd("sod/jmrtd/ef_sod/NZ2013_EF_SOD.BIN"),
        &no_dgs(),
        &empty,
        &opts(),
    );
    assert_eq!(r.signature_valid, Some(true));
    let d = r.details.unwrap();
    assert_eq!(d.signing_time.as_deref(), Some("2011-10-18T00:38:56Z"));
}

#[test]
fn master_lists_load_and_their_signers_verify() {
    for (f, root, n) in [
        ("trust/NL_ML_2026-07-22.ml", "trust/NL_ROOT_CA.cer", 411),
        (
            "trust/NL_MASTERLIST_20211207.mls",
            "trust/NL_CSCA_serial6_2021-2034_from_zienit.cer",
            306,
        ),
        (
            "trust/DE_ML_2026-05-28-08-28-45.ml",
            "trust/DE_ROOT_CA_CSCA07.cer",
            588,
        ),
    ] {
        let bytes = rd(f);
        let ml = MasterList::parse(&bytes).unwrap();
        assert_eq!(ml.certificates.len(), n, "{f}");
        assert!(ml.skipped.is_empty());
        let mut roots = TrustStore::new();
        roots.add_der_certificate(&rd(root)).unwrap();
        let r = ml.verify_signer(&roots, NOW);
        assert_eq!(r.status, Verdict::Valid, "{f}: {:?}", r.errors);
        // Loading with verification succeeds; against the wrong root it is refused.
        let mut t = TrustStore::new();
        assert_eq!(
            t.add_master_list(&bytes, Some((&roots, NOW))).unwrap().csca,
            n
        );
        let mut wrong = TrustStore::new();
        wrong
            .add_der_certificate(&rd("sod/gmrtd/UK_imported_CSCA.cer"))
            .unwrap();
        let err = t.add_master_list(&bytes, Some((&wrong, NOW))).unwrap_err();
        assert!(err.to_string().contains("unverified"), "{err}");
    }
}

#[test]
fn norwegian_csca_rsa_4096_pss_self_signatures_and_link_certificate() {
    let dir = "trust/NO_from_DE_ML";
    let c2012 = cert(&format!("{dir}/NO_CSCA_2012-05-10_2027-05-10_d8661123.cer"));
    let c2017 = cert(&format!("{dir}/NO_CSCA_2017-05-08_2032-08-02_12a92fc8.cer"));
    let c2022 = cert(&format!("{dir}/NO_CSCA_2022-04-28_2037-07-23_4f8176db.cer"));
    let link = cert(&format!("{dir}/NO_CSCA_2022-05-02_2027-05-01_e64560f1.cer"));
    for c in [&c2012, &c2017, &c2022, &link] {
        assert_eq!(c.public_key().unwrap().describe(), "RSA-4096");
    }
    for c in [&c2017, &c2022, &link] {
        assert_eq!(
            c.summary().signature_algorithm,
            "RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32"
        );
    }
    for c in [&c2012, &c2017, &c2022] {
        c.verify_signed_by(&c.public_key().unwrap()).unwrap();
    }
    // The 2022-05-02 certificate links the 2022 key to the 2017 CSCA.
    assert!(link.verify_signed_by(&link.public_key().unwrap()).is_err());
    link.verify_signed_by(&c2017.public_key().unwrap()).unwrap();
    assert!(link.verify_signed_by(&c2012.public_key().unwrap()).is_err());
    let mut t = TrustStore::new();
    t.add_certificate(c2017.clone());
    let chain = verify_certificate_chain(&link, &t);
    assert_eq!(chain.valid, Some(true));
    assert!(chain.root_reached);
    // The folder loads as four anchors (all self-issued by name).
    let mut t = TrustStore::new();
    let s = t.load_path(Path::new(&format!("{F}/{dir}"))).unwrap();
    assert_eq!((s.csca, s.dsc), (4, 0));
    // Among four same-named anchors, the one whose key identifier matches is used.
    let chain = verify_certificate_chain(&link, &t);
    assert_eq!(chain.valid, Some(true));
    assert_eq!(chain.certs[0].fingerprint(), c2017.fingerprint());
}

#[test]
fn indonesian_link_certificates_chain_2010_2016_2020() {
    let d = "trust/IDN_2010_SERIES";
    let c2010 = cert(&format!("{d}/2010-12_CSCA.cer"));
    let link2016 = cert(&format!("{d}/2016-01_CSCA_LINK.cer"));
    let link2020 = cert(&format!("{d}/2020-10_CSCA_LINK.cer"));

    // Only the 2010 root: the 2020 link (signed by the 2016 key) has no anchor.
    let mut t = TrustStore::new();
    t.add_certificate(c2010.clone());
    assert_eq!(verify_certificate_chain(&link2020, &t).valid, None);

    // Root plus the 2016 link: 2020 link -> 2016 link -> 2010 root.
    t.add_certificate(link2016.clone());
    let chain = verify_certificate_chain(&link2020, &t);
    assert_eq!(chain.valid, Some(true), "{}", chain.check.reason());
    assert!(chain.root_reached);
    let fps: Vec<String> = chain.certs.iter().map(Certificate::fingerprint).collect();
    assert_eq!(fps, [link2016.fingerprint(), c2010.fingerprint()]);

    // The Indonesian SOD (DSC signed by the 2020 key) chains through both links to 2010.
    t.add_certificate(link2020.clone());
    let r = pa::verify_sod_bytes(&rd("sod/gmrtd/ID_EF.SOD.bin"), &no_dgs(), &t, &opts());
    assert_sod_only_holds(&r);
    let det = r.details.unwrap();
    assert!(det.root_reached);
    assert_eq!(det.chain.len(), 3);
    assert_eq!(det.chain[2].fingerprint_sha256, c2010.fingerprint());

    // The whole folder works too, whichever certificate is tried first.
    let mut t = TrustStore::new();
    assert_eq!(t.load_path(Path::new(&format!("{F}/{d}"))).unwrap().csca, 5);
    let r = pa::verify_sod_bytes(&rd("sod/gmrtd/ID_EF.SOD.bin"), &no_dgs(), &t, &opts());
    assert_sod_only_holds(&r);
}

#[test]
fn colombian_crl_loads_and_verifies_with_a_colombian_csca() {
    let mut t = german_ml().clone();
    let s = t
        .load_path(Path::new(&format!("{F}/sod/zienit/COL.crl")))
        .unwrap();
    assert_eq!(s.crls, 1);
    let crl = &t.crls()[0];
    assert_eq!(crl.revoked_count(), 15);
    assert!(crl.issuer().contains("Government of Colombia CSCA"));
    let verified = t
        .csca()
        .iter()
        .filter(|c| emrtd_auth::cert::names_equal(c.subject_name(), crl.issuer_name()))
        .filter(|c| crl.verify_signed_by(&c.public_key().unwrap()).is_ok())
        .count();
    assert!(verified >= 1);
    // A Colombian CRL says nothing about other countries' DSCs.
    let r = pa::verify_sod_bytes(&rd("sod/gmrtd/FR_EF.SOD.bin"), &no_dgs(), &t, &opts());
    assert_sod_only_holds(&r);
    let d = r.details.unwrap();
    assert_eq!(d.crl.status(), CheckStatus::NotChecked);
    assert!(d.crl.reason().contains("no CRL from"));
}

fn b64_folded(name: &str, der: &[u8]) -> String {
    use base64ct::Encoding;
    let line = format!("{name}:: {}", base64ct::Base64::encode_string(der));
    let mut out = String::new();
    let bytes = line.as_bytes();
    out.push_str(std::str::from_utf8(&bytes[..76.min(bytes.len())]).unwrap());
    for chunk in bytes[76.min(bytes.len())..].chunks(75) {
        out.push_str("\n ");
        out.push_str(std::str::from_utf8(chunk).unwrap());
    }
    out.push('\n');
    out
}

#[test]
fn ldif_pem_and_folders_load() {
    let dir = temp_dir("ldif");
    let mut ldif = String::from("version: 1\n\n");
    ldif += "dn: cn=uk,o=csca,c=GB,dc=data,dc=download,dc=pkd\nobjectClass: top\n";
    ldif += &b64_folded(
        "userCertificate;binary",
        &rd("sod/gmrtd/UK_imported_CSCA.cer"),
    );
    ldif += "\ndn: cn=ml,o=ml,c=NL\n";
    ldif += &b64_folded(
        "CscaMasterListData",
        &rd("trust/NL_MASTERLIST_20211207.mls"),
    );
    ldif += "\ndn: cn=crl,o=crl,c=CO\r\n";
    ldif += &b64_folded(
        "certificateRevocationList;binary",
        &rd("sod/zienit/COL.crl"),
    );
    ldif += "\ndn: cn=dsc,o=dsc,c=DE\n";
    ldif += &b64_folded(
        "userCertificate;binary",
        &rd("sod/pymrtd/dsc_certs/dsc_de_0130846f2b3e.cer"),
    );
    std::fs::write(dir.join("pkd.ldif"), &ldif).unwrap();
    let mut t = TrustStore::new();
    let s = t.load_path(&dir.join("pkd.ldif")).unwrap();
    // The UK CSCA is also in the NL master list: it is stored once.
    let uk = rd("sod/gmrtd/UK_imported_CSCA.cer");
    let nl = MasterList::parse(&rd("trust/NL_MASTERLIST_20211207.mls")).unwrap();
    assert!(nl.certificates.iter().any(|c| c.der() == uk.as_slice()));
    assert_eq!(
        (s.csca, s.dsc, s.crls, s.master_lists),
        (306, 1, 1, 1),
        "{:?}",
        s.skipped
    );
    assert_eq!(t.csca().len(), 306);

    // PEM with two certificates and a CRL, in a nested folder, plus an unknown file.
    use base64ct::Encoding;
    let pem = |label: &str, der: &[u8]| {
        let b = base64ct::Base64::encode_string(der);
        let lines: Vec<&str> = b
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        )
    };
    let nested = dir.join("a/b");
    std::fs::create_dir_all(&nested).unwrap();
    let text = pem("CERTIFICATE", &rd("trust/IDN_2010_SERIES/2010-12_CSCA.cer"))
        + "some text between\n"
        + &pem(
            "CERTIFICATE",
            &rd("trust/IDN_2010_SERIES/2016-01_CSCA_LINK.cer"),
        )
        + &pem("X509 CRL", &rd("sod/zienit/COL.crl"));
    std::fs::write(nested.join("idn.pem"), text).unwrap();
    std::fs::write(nested.join("readme.txt"), "not a certificate").unwrap();
    std::fs::copy(
        format!("{F}/trust/DE_ROOT_CA_CSCA07.cer"),
        dir.join("a/de.cer"),
    )
    .unwrap();
    let mut t = TrustStore::new();
    let s = t.load_path(&dir.join("a")).unwrap();
    assert_eq!((s.csca, s.crls), (3, 1));
    assert_eq!(s.skipped.len(), 1, "{:?}", s.skipped);
    assert!(s.skipped[0].contains("readme.txt"));
    // A single unknown file is an error.
    assert!(TrustStore::new()
        .load_path(&nested.join("readme.txt"))
        .is_err());

    // The whole fixtures/trust folder: three master lists and the loose certificates.
    let mut t = TrustStore::new();
    let s = t.load_path(Path::new(&format!("{F}/trust"))).unwrap();
    assert_eq!(s.master_lists, 3);
    assert!(s.skipped.is_empty(), "{:?}", s.skipped);
    assert!(t.csca().len() > 700);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dump_with_com_and_card_security() {
    let dir = temp_dir("bsi2008");
    for (from, to) in [
        ("sod/zienit/EF_SOD.bin", "SOD.bin"),
        ("sod/zienit/EF_COM.bin", "COM.bin"),
        ("sod/zienit/Datagroup1.bin", "DG1.bin"),
        ("sod/zienit/Datagroup14.bin", "dg14.bin"),
        ("sod/gmrtd/DE_EF.CardSecurity.bin", "CardSecurity.bin"),
    ] {
        std::fs::write(dir.join(to), rd(from)).unwrap();
    }
    let v = pa::verify_dump_with(&dir, german_ml(), &opts()).unwrap();
    let r = &v.passive_authentication;
    assert_eq!(r.data_groups[&DataGroup::DG1], DgStatus::Match);
    assert_eq!(r.data_groups[&DataGroup::DG14], DgStatus::Match);
    let com = r
        .checks
        .iter()
        .find(|c| c.id == emrtd_auth::CheckId::EfComConsistency)
        .unwrap();
    assert_eq!(com.status(), CheckStatus::Passed, "{}", com.reason());
    assert_eq!(v.card_security.as_ref().unwrap().status, Verdict::Valid);
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["card_security"]["status"], "valid");
    assert_eq!(json["passive_authentication"]["status"], "unverified");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn built_in_norwegian_cscas_are_those_of_the_german_master_list() {
    let mut t = TrustStore::new();
    let s = t.add_norwegian_cscas().unwrap();
    assert_eq!(s.csca, 4);
    assert_eq!(s.dsc, 0);
    let in_ml: Vec<String> = german_ml().csca().iter().map(|c| c.fingerprint()).collect();
    for c in t.csca() {
        assert!(c.subject().contains("C=NO"), "{}", c.subject());
        assert!(in_ml.contains(&c.fingerprint()), "{}", c.subject());
    }
    // The 2022 link certificate chains to the 2017 CSCA; adding them again adds nothing.
    let link = Certificate::from_der(emrtd_auth::anchors::NORWAY[3]).unwrap();
    let chain = verify_certificate_chain(&link, &t);
    assert_eq!(chain.valid, Some(true), "{}", chain.check.reason());
    assert_eq!(t.add_norwegian_cscas().unwrap().csca, 0);
}

#[test]
fn a_built_chain_is_reused_across_dumps_until_the_store_changes() {
    let mut trust = uk_trust();
    let mut files = BTreeMap::new();
    files.insert("SOD".to_string(), rd("sod/gmrtd/UK_imported_EF.SOD.bin"));
    files.insert("DG1".to_string(), rd("sod/gmrtd/UK_imported_DG1.bin"));
    assert_eq!(trust.cached_chains(), 0);
    let first = pa::verify_files(&files, &trust, &opts()).unwrap();
    assert_eq!(trust.cached_chains(), 1);
    let second = pa::verify_files(&files, &trust, &opts()).unwrap();
    assert_eq!(trust.cached_chains(), 1);
    let (a, b) = (
        &first.passive_authentication,
        &second.passive_authentication,
    );
    assert_eq!(a.chain_valid, Some(true));
    assert_eq!(a.status, b.status);
    assert_eq!(a.checks, b.checks);
    // A clone starts empty; a change to the store forgets every chain, so a chain that an
    // added anchor (or CRL) would change is built again.
    assert_eq!(trust.clone().cached_chains(), 0);
    trust
        .add_der_certificate(&rd(
            "trust/NO_from_DE_ML/NO_CSCA_2017-05-08_2032-08-02_12a92fc8.cer",
        ))
        .unwrap();
    assert_eq!(trust.cached_chains(), 0);
    // A store without the UK CSCA: no chain, and nothing from the other store leaks in.
    let empty = TrustStore::new();
    let v = pa::verify_files(&files, &empty, &opts()).unwrap();
    assert_ne!(v.passive_authentication.chain_valid, Some(true));
}

#[test]
fn real_document_signers_document_type_lists_are_read_with_their_forms() {
    use emrtd_auth::doctype::{document_type_list, DocumentTypeListOid};
    // (country, types, SETs: 0 for the bare SEQUENCE OF without version and SET); every list
    // of these twelve sits under the ICAO OID, and NZ and RU have none.
    type Expected = Option<(&'static [&'static str], usize)>;
    let expected: [(&str, Expected); 12] = [
        ("AT", Some((&["P", "AR", "ID"], 1))),
        ("DE", Some((&["P"], 1))),
        ("FI", Some((&["I"], 1))),
        ("FR", Some((&["P", "IR"], 1))),
        ("ID", Some((&["P"], 0))),
        ("MY", Some((&["P"], 1))),
        ("NZ", None),
        ("PH", Some((&["P", "PO", "PD", "PR", "PS"], 0))),
        ("RU", None),
        ("SG", Some((&["P"], 1))),
        ("UK", Some((&["P", "PT"], 1))),
        ("US", Some((&["P"], 1))),
    ];
    for (c, want) in expected {
        let sod = Sod::parse(&rd(&format!("sod/gmrtd/{c}_EF.SOD.bin"))).unwrap();
        let dsc = Certificate::from_der(&sod.signed_data.certificates[0]).unwrap();
        let got = document_type_list(&dsc).unwrap_or_else(|e| panic!("{c}: {e}"));
        match (got, want) {
            (None, None) => {}
            (Some(l), Some((types, sets))) => {
                assert_eq!(l.types, types, "{c}");
                assert_eq!(l.sets, sets, "{c}");
                assert_eq!(l.oid, DocumentTypeListOid::Icao, "{c}");
            }
            (got, want) => panic!("{c}: read {got:?}, expected {want:?}"),
        }
    }
}
