//! Master lists: their own CMS signature is verified before any certificate is trusted, and
//! large ones load in linear time.

mod common;

use common::*;
use emrtd_auth::pa::{self, Finding};
use emrtd_auth::trust::TrustStore;
use emrtd_auth::{Verdict, VerifyOptions};
use emrtd_crypto::sig::HashAlg::Sha256;
use emrtd_lds::sod::{self, AlgorithmIdentifier, SignerIdentifier, SignerParts};
use emrtd_tlv::encode as tlv;

const ALG: SigAlg = alg(Kind::X962, Sha256);

/// A master list of `certs`, signed by the world's Document Signer key (as master-list
/// signer, issued by the world's CSCA).
fn master_list(w: &World, certs: &[Vec<u8>]) -> Vec<u8> {
    master_list_of(w, &certs.concat())
}

/// A master list of the certificates in `certs` (their DER, one after the other).
fn master_list_of(w: &World, certs: &[u8]) -> Vec<u8> {
    let content = seq(&[int(0), tlv(0x31, certs)]);
    let parts = SignerParts {
        digest_algorithm: AlgorithmIdentifier::new(Sha256.oid()),
        message_digest: Sha256.digest(&content),
        signature_algorithm: ALG.algorithm_identifier(),
        sid: SignerIdentifier::IssuerAndSerialNumber {
            issuer: csca_name(),
            serial: int(w.ds_serial)[2..].to_vec(),
        },
        certificate: Some(w.ds.clone()),
        signing_time: Some(utc("250601120000Z")),
    };
    sod::encode_signed_data::<()>(sod::oid::CSCA_MASTER_LIST, &content, &parts, |a| {
        Ok(w.ds_key.sign(&ALG, a))
    })
    .unwrap()
}

fn ec_world() -> World {
    world(Key::p384(), Key::p256(), ALG, |_| {})
}

#[test]
fn a_master_list_without_a_trusted_root_loads_unverified_anchors_and_the_report_says_so() {
    let w = ec_world();
    let ml = master_list(&w, std::slice::from_ref(&w.csca));
    let mut t = TrustStore::new();
    let s = t.add_master_list(&ml, None).unwrap();
    assert_eq!((s.csca, s.unverified_anchors), (1, 1));
    assert!(s.notes[0].contains("unverified anchor"), "{:?}", s.notes);

    let sod = make_sod(&w, &SodOpts::new(ALG));
    let r = pa::verify_sod_bytes(&sod, &default_dgs(), &t, &VerifyOptions::at(NOW));
    assert_eq!(r.status, Verdict::Valid, "{:#?}", r.errors);
    assert!(r.findings.iter().any(|f| matches!(
        f,
        Finding::UnverifiedAnchor { subject } if subject.contains("Test CSCA")
    )));
}

#[test]
fn a_master_list_whose_signer_chains_to_a_trusted_root_gives_verified_anchors() {
    let w = ec_world();
    let ml = master_list(&w, std::slice::from_ref(&w.csca));
    let mut roots = TrustStore::new();
    roots.add_der_certificate(&w.csca).unwrap();
    let mut t = TrustStore::new();
    let s = t.add_master_list(&ml, Some((&roots, NOW))).unwrap();
    assert_eq!((s.csca, s.unverified_anchors), (1, 0));
    let sod = make_sod(&w, &SodOpts::new(ALG));
    let r = pa::verify_sod_bytes(&sod, &default_dgs(), &t, &VerifyOptions::at(NOW));
    assert_eq!(r.status, Verdict::Valid);
    assert!(!r
        .findings
        .iter()
        .any(|f| matches!(f, Finding::UnverifiedAnchor { .. })));

    // A root that did not sign the master-list signer: nothing is added.
    let other = world(Key::p224(), Key::p256(), ALG, |_| {});
    let mut wrong_roots = TrustStore::new();
    wrong_roots
        .add_der_certificate(&make_cert(
            &CertOpts::csca(name("XX", "Other CSCA")),
            &other.csca_key,
            &other.csca_key,
            &ALG,
        ))
        .unwrap();
    let mut t = TrustStore::new();
    assert!(t.add_master_list(&ml, Some((&wrong_roots, NOW))).is_err());
    assert!(t.is_empty());
}

#[test]
fn a_master_list_whose_own_signature_fails_adds_nothing() {
    let w = ec_world();
    let mut ml = master_list(&w, std::slice::from_ref(&w.csca));
    // Change one byte of the listed certificate: the message digest no longer matches.
    let at = ml.windows(w.csca.len()).position(|x| x == w.csca).unwrap() + 40;
    ml[at] ^= 0x01;
    let mut t = TrustStore::new();
    let e = t.add_master_list(&ml, None).unwrap_err().to_string();
    assert!(e.contains("own signature does not verify"), "{e}");
    assert!(t.is_empty());
}

/// `n` distinct small certificates: one v1 P-256 certificate with its 4-byte serial replaced.
fn many_certificates(n: u32) -> Vec<Vec<u8>> {
    let k = Key::p256();
    let o = CertOpts {
        version: None,
        serial: Some(0x1000_0000),
        subject: name("UT", "C"),
        ..CertOpts::csca(name("UT", "C"))
    };
    let template = make_cert(&o, &k, &k, &ALG);
    let serial = int(0x1000_0000);
    let at = template
        .windows(serial.len())
        .position(|x| x == serial)
        .unwrap()
        + 2;
    (0..n)
        .map(|i| {
            let mut c = template.clone();
            c[at..at + 4].copy_from_slice(&(0x1000_0000 + i).to_be_bytes());
            c
        })
        .collect()
}

/// Loads a large master list (EMRTD_SCALE_CERTS certificates, 3000 by default so it runs in
/// seconds in debug builds) and a duplicate of it; prints the time taken. Measure the 100,000
/// case with `EMRTD_SCALE_CERTS=100000 cargo test --release -p emrtd-auth --test master_lists
/// -- --nocapture large`.
#[test]
fn a_large_master_list_loads_in_linear_time() {
    let n: u32 = std::env::var("EMRTD_SCALE_CERTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let w = ec_world();
    let certs = many_certificates(n);
    let mut ml_certs = certs.clone();
    ml_certs.push(w.csca.clone());
    let ml = master_list(&w, &ml_certs);
    let rss_before = rss_kib();
    let start = std::time::Instant::now();
    let mut t = TrustStore::new();
    let s = t.add_master_list(&ml, None).unwrap();
    let first = start.elapsed();
    let rss_after = rss_kib();
    assert_eq!(s.csca, n as usize + 1);
    // The same list again adds nothing (duplicates found by hash, not by scanning).
    let again = std::time::Instant::now();
    assert_eq!(t.add_master_list(&ml, None).unwrap().csca, 0);
    let second = again.elapsed();
    assert_eq!(t.anchor_count(), n as usize + 1);
    // Lookups go through the name index: the document still verifies.
    let sod = make_sod(&w, &SodOpts::new(ALG));
    let r = pa::verify_sod_bytes(&sod, &default_dgs(), &t, &VerifyOptions::at(NOW));
    assert_eq!(r.status, Verdict::Valid, "{:#?}", r.errors);
    println!(
        "{n} certificates, master list {} bytes: loaded in {first:?}, reloaded in {second:?}; \
         resident memory {rss_before:?} KiB before loading, {rss_after:?} KiB after",
        ml.len()
    );
}

/// Resident memory of this process (Linux), for the printed figures only.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Memory of 100,000 master-list certificates (about 29 MB of DER) held decoded, as
/// `MasterList::parse` gives them (and as the trust store kept its anchors before it kept their
/// DER only), and in a `TrustStore`. Each is measured in a process of its own (this test runs
/// itself again), as growth of resident memory, and printed; the store must stay under 1 KiB a
/// certificate. `cargo test --release -p emrtd-auth --test master_lists -- --ignored
/// --nocapture memory`.
#[test]
#[ignore = "measurement: 100,000 certificates in two child processes"]
fn memory_of_100000_master_list_certificates() {
    const NAME: &str = "memory_of_100000_master_list_certificates";
    let n: u32 = std::env::var("EMRTD_SCALE_CERTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    if let Ok(mode) = std::env::var("EMRTD_ML_MEMORY") {
        measure_memory(&mode, n);
        return;
    }
    let mut figures = Vec::new();
    for mode in ["store", "decoded"] {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                NAME,
                "--nocapture",
                "--test-threads=1",
            ])
            .env("EMRTD_ML_MEMORY", mode)
            // A fixed mmap threshold: large temporary buffers go back to the system when freed
            // instead of being reused for the small allocations measured (glibc; ignored
            // elsewhere).
            .env(
                "GLIBC_TUNABLES",
                "glibc.malloc.mmap_threshold=65536:glibc.malloc.trim_threshold=65536",
            )
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{mode}: {text}");
        let line = text
            .lines()
            .find_map(|l| l.find("MEASURED").map(|at| l[at..].to_string()))
            .unwrap_or_else(|| panic!("{mode}: {text}"));
        println!("{line}");
        let per: f64 = line
            .split("bytes each")
            .next()
            .and_then(|l| l.rsplit(' ').nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap();
        figures.push(per);
    }
    assert!(
        figures[0] < 1024.0,
        "the trust store takes {} bytes a certificate",
        figures[0]
    );
    assert!(figures[0] < figures[1], "{figures:?}");
}

fn measure_memory(mode: &str, n: u32) {
    let w = ec_world();
    // The certificates in one buffer (no small allocations freed before measuring).
    let template = many_certificates(1).remove(0);
    let at = template
        .windows(6)
        .position(|x| x == int(0x1000_0000))
        .unwrap()
        + 2;
    let mut all = Vec::with_capacity(template.len() * n as usize + w.csca.len());
    for i in 0..n {
        let start = all.len();
        all.extend_from_slice(&template);
        all[start + at..start + at + 4].copy_from_slice(&(0x1000_0000 + i).to_be_bytes());
    }
    all.extend_from_slice(&w.csca);
    let der_bytes = all.len();
    let ml = master_list_of(&w, &all);
    drop(all);
    let before = rss_kib().unwrap_or(0);
    let start = std::time::Instant::now();
    let (kept, what) = if mode == "store" {
        let mut t = TrustStore::new();
        t.add_master_list(&ml, None).unwrap();
        assert_eq!(t.anchor_count(), n as usize + 1);
        // The store still finds the issuer through its indexes.
        let sod = make_sod(&w, &SodOpts::new(ALG));
        let r = pa::verify_sod_bytes(&sod, &default_dgs(), &t, &VerifyOptions::at(NOW));
        assert_eq!(r.status, Verdict::Valid, "{:#?}", r.errors);
        (Box::new(t) as Box<dyn std::any::Any>, "trust store")
    } else {
        let decoded = emrtd_auth::MasterList::parse(&ml).unwrap();
        assert_eq!(decoded.certificates.len(), n as usize + 1);
        (
            Box::new(decoded) as Box<dyn std::any::Any>,
            "decoded certificates",
        )
    };
    let elapsed = start.elapsed();
    let grown = rss_kib().unwrap_or(0).saturating_sub(before);
    println!(
        "MEASURED {what}: {} certificates ({der_bytes} bytes of DER, master list {} bytes): \
         +{grown} KiB resident, {:.0} bytes each, in {elapsed:?}",
        n + 1,
        ml.len(),
        grown as f64 * 1024.0 / f64::from(n + 1),
    );
    drop(kept);
}

#[test]
fn a_master_list_larger_than_32_mib_is_refused_with_a_typed_error() {
    // A CMS shell of 32 MiB + 1 byte: refused by its size, before anything is decoded.
    let mut big = vec![0x30, 0x84];
    let len = emrtd_auth::trust::MAX_MASTER_LIST - 5;
    big.extend_from_slice(&(len as u32).to_be_bytes());
    big.resize(emrtd_auth::trust::MAX_MASTER_LIST + 1, 0);
    let mut t = TrustStore::new();
    match t.add_master_list(&big, None) {
        Err(emrtd_auth::AuthError::MasterListTooLarge { size, limit }) => {
            assert_eq!((size, limit), (big.len(), 32 << 20));
        }
        other => panic!("expected MasterListTooLarge, got {other:?}"),
    }
    assert!(matches!(
        emrtd_auth::MasterList::parse(&big),
        Err(emrtd_auth::AuthError::MasterListTooLarge { .. })
    ));
    assert!(t.is_empty());
}
