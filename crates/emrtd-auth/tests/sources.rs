//! Certificate sources: folders, master lists (signer checked), LDIF, built-in anchors, in
//! memory; a trust store assembled from several; the cache that loads a source once.

use emrtd_auth::source::{
    BuiltIn, Cached, CertificateSource, DerCertificates, LdifFile, MasterListFile, Sources,
    TrustPath,
};
use emrtd_auth::trust::TrustStore;
use emrtd_auth::AuthError;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");
/// 2025-10-09: the Dutch master list of 2026-07-22 … its signer's root is valid then.
const NOW: i64 = 1_760_000_000;
const NL_ML: &str = "trust/NL_ML_2026-07-22.ml";
const NL_ML_CERTS: usize = 411;

fn fix(p: &str) -> PathBuf {
    Path::new(FIX).join(p)
}

fn rd(p: &str) -> Vec<u8> {
    std::fs::read(fix(p)).unwrap()
}

/// A fresh folder under the system's temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "emrtd-auth-sources-{}-{tag}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn pem(der: &[u8]) -> String {
    pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, der).unwrap()
}

fn nl_roots() -> Arc<TrustStore> {
    let mut roots = TrustStore::new();
    roots
        .add_der_certificate(&rd("trust/NL_ROOT_CA.cer"))
        .unwrap();
    Arc::new(roots)
}

#[test]
fn a_folder_of_der_and_pem_certificates_loads_every_certificate_as_an_anchor() {
    let dir = TempDir::new("folder");
    let idn = fix("trust/IDN_2010_SERIES");
    let mut names: Vec<_> = std::fs::read_dir(&idn)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    // Three as DER, two as PEM (one nested a folder down).
    std::fs::create_dir(dir.0.join("pem")).unwrap();
    for (i, p) in names.iter().enumerate() {
        let der = std::fs::read(p).unwrap();
        match i {
            0..=2 => dir.file(&format!("{i}.cer"), &der),
            _ => dir.file(&format!("pem/{i}.pem"), pem(&der).as_bytes()),
        };
    }
    dir.file("README.txt", b"not a certificate");
    let (store, summary) = TrustStore::from_sources(&[&TrustPath::new(&dir.0)]).unwrap();
    assert_eq!(store.anchor_count(), 5);
    assert_eq!(summary.csca, 5);
    assert_eq!(summary.skipped.len(), 1, "{:?}", summary.skipped);
    assert!(
        summary.skipped[0].contains("README.txt"),
        "{:?}",
        summary.skipped
    );
}

#[test]
fn a_master_list_file_with_its_signer_root_gives_verified_anchors() {
    let source = MasterListFile::new(fix(NL_ML)).signer_roots(nl_roots(), NOW);
    let mut store = TrustStore::new();
    let s = source.load_into(&mut store).unwrap();
    assert_eq!(
        (s.master_lists, s.csca, s.unverified_anchors),
        (1, NL_ML_CERTS, 0)
    );
    assert!(store.csca().iter().all(|c| !store.is_unverified_anchor(c)));
}

#[test]
fn a_master_list_file_without_a_signer_root_gives_unverified_anchors() {
    let mut store = TrustStore::new();
    let s = MasterListFile::new(fix(NL_ML))
        .load_into(&mut store)
        .unwrap();
    assert_eq!((s.csca, s.unverified_anchors), (NL_ML_CERTS, NL_ML_CERTS));
    assert!(s.notes[0].contains("unverified anchor"), "{:?}", s.notes);
}

#[test]
fn a_master_list_whose_signer_does_not_chain_to_the_roots_adds_nothing_and_names_the_file() {
    let mut wrong = TrustStore::new();
    wrong
        .add_der_certificate(&rd("trust/DE_ROOT_CA_CSCA07.cer"))
        .unwrap();
    let mut store = TrustStore::new();
    let err = MasterListFile::new(fix(NL_ML))
        .signer_roots(Arc::new(wrong), NOW)
        .load_into(&mut store)
        .unwrap_err();
    match &err {
        AuthError::InFile { path, error } => {
            assert_eq!(path, &fix(NL_ML));
            assert!(matches!(**error, AuthError::MasterList(_)), "{error:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("NL_ML_2026-07-22.ml"), "{err}");
    assert_eq!(store.anchor_count(), 0);
}

#[test]
fn a_file_that_is_not_a_master_list_is_a_typed_error_naming_it() {
    let dir = TempDir::new("bad-ml");
    let p = dir.file("broken.ml", &[0x30, 0x03, 0x02, 0x01, 0x00]);
    let err = MasterListFile::new(&p)
        .load_into(&mut TrustStore::new())
        .unwrap_err();
    assert!(
        matches!(&err, AuthError::InFile { path, .. } if path == &p),
        "{err:?}"
    );
    let missing = dir.0.join("missing.ml");
    let err = MasterListFile::new(&missing)
        .load_into(&mut TrustStore::new())
        .unwrap_err();
    assert!(
        matches!(&err, AuthError::Io { path, .. } if path == &missing),
        "{err:?}"
    );
}

#[test]
fn an_ldif_file_loads_its_certificates_and_names_the_lines_it_skips() {
    use base64ct::{Base64, Encoding};
    let dir = TempDir::new("ldif");
    let a = rd("trust/IDN_2010_SERIES/2010-12_CSCA.cer");
    let b = rd("trust/IDN_2010_SERIES/2016-01_CSCA.cer");
    // The second value is folded over two lines, as the ICAO PKD writes long values.
    let b64 = Base64::encode_string(&b);
    let (b1, b2) = b64.split_at(60);
    let text = format!(
        "version: 1\n\ndn: cn=a,o=CSCA\nuserCertificate;binary:: {}\n\ndn: cn=b,o=CSCA\n\
         userCertificate;binary:: {b1}\n {b2}\n\ndn: cn=c,o=CSCA\nuserCertificate;binary:: AAAA\n",
        Base64::encode_string(&a)
    );
    let p = dir.file("pkd.ldif", text.as_bytes());
    let mut store = TrustStore::new();
    let s = LdifFile::new(&p).load_into(&mut store).unwrap();
    assert_eq!(store.anchor_count(), 2);
    assert_eq!(s.skipped.len(), 1, "{:?}", s.skipped);
    assert!(s.skipped[0].starts_with("LDIF line 11"), "{:?}", s.skipped);

    let q = dir.file("binary.ldif", &[0xFF, 0xFE, 0x00]);
    let err = LdifFile::new(&q).load_into(&mut store).unwrap_err();
    assert!(
        matches!(&err, AuthError::File { path, .. } if path == &q),
        "{err:?}"
    );
}

#[test]
fn the_built_in_source_holds_the_four_norwegian_cscas() {
    let (store, s) = TrustStore::from_sources(&[&BuiltIn::NorwegianCscas]).unwrap();
    assert_eq!((store.anchor_count(), s.csca), (4, 4));
    assert_eq!(BuiltIn::NorwegianCscas.stamp().unwrap(), None);
}

#[test]
fn an_in_memory_certificate_that_does_not_decode_is_a_typed_error_naming_it() {
    let good = rd("trust/NL_ROOT_CA.cer");
    let source = DerCertificates::new("app CSCAs", vec![good, vec![0x30, 0x00]]);
    let err = source.load_into(&mut TrustStore::new()).unwrap_err();
    match &err {
        AuthError::InSource { source_name, error } => {
            assert_eq!(source_name, "app CSCAs, certificate 2");
            assert!(matches!(**error, AuthError::Certificate(_)), "{error:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_store_assembled_from_several_sources_holds_all_of_them_once() {
    let sources = Sources::new()
        .with(BuiltIn::NorwegianCscas)
        .with(TrustPath::new(fix("trust/NO_from_DE_ML")))
        .with(TrustPath::new(fix("trust/IDN_2010_SERIES")));
    let mut store = TrustStore::new();
    let s = sources.load_into(&mut store).unwrap();
    // The folder holds the same four Norwegian certificates as the built-in ones.
    assert_eq!((store.anchor_count(), s.csca), (9, 9));
    assert!(sources.name().contains("built-in Norwegian CSCAs"));
}

#[test]
fn a_cached_source_is_parsed_once_and_shared() {
    let cached = Cached::new(MasterListFile::new(fix(NL_ML)).signer_roots(nl_roots(), NOW));
    assert_eq!(cached.loads(), 0);
    let first = cached.store().unwrap();
    let second = cached.store().unwrap();
    assert!(Arc::ptr_eq(&first, &second));
    assert_eq!(cached.loads(), 1);
    assert_eq!(first.anchor_count(), NL_ML_CERTS);

    // Copied into assembled stores without parsing it again, with the same anchors as the
    // source loaded directly (the Dutch list holds three of the four Norwegian CSCAs).
    let direct = MasterListFile::new(fix(NL_ML)).signer_roots(nl_roots(), NOW);
    let (expected, _) = TrustStore::from_sources(&[&direct, &BuiltIn::NorwegianCscas]).unwrap();
    assert_eq!(expected.anchor_count(), NL_ML_CERTS + 1);
    for _ in 0..3 {
        let (store, s) = TrustStore::from_sources(&[&cached, &BuiltIn::NorwegianCscas]).unwrap();
        assert_eq!(s.master_lists, 1);
        let ders = |t: &TrustStore| {
            t.csca()
                .iter()
                .map(|c| c.der().to_vec())
                .collect::<Vec<_>>()
        };
        assert_eq!(ders(&store), ders(&expected));
        assert!(store.csca().iter().all(|c| !store.is_unverified_anchor(c)));
    }
    assert_eq!(cached.loads(), 1);
    // Unchanged files: no reload.
    assert!(!cached.refresh().unwrap());
    assert_eq!(cached.loads(), 1);
}

#[test]
fn a_cached_folder_is_loaded_again_only_when_its_files_change() {
    let dir = TempDir::new("refresh");
    dir.file("a.cer", &rd("trust/IDN_2010_SERIES/2010-12_CSCA.cer"));
    let cached = Cached::new(TrustPath::new(&dir.0));
    assert_eq!(cached.store().unwrap().anchor_count(), 1);
    assert!(!cached.refresh().unwrap());
    dir.file("b.cer", &rd("trust/IDN_2010_SERIES/2016-01_CSCA.cer"));
    assert!(cached.refresh().unwrap());
    assert_eq!(cached.store().unwrap().anchor_count(), 2);
    assert_eq!(cached.loads(), 2);
}

#[test]
fn a_cached_source_that_fails_reports_the_file_and_keeps_nothing() {
    let dir = TempDir::new("cache-fail");
    let p = dir.file("list.ml", b"not a master list");
    let cached = Cached::new(MasterListFile::new(&p));
    for attempt in 1..=2 {
        let err = cached.store().unwrap_err();
        assert!(
            matches!(&err, AuthError::InFile { path, .. } if path == &p),
            "{err:?}"
        );
        // A failed load is not kept: the next call tries again.
        assert_eq!(cached.loads(), attempt);
    }
    let err = TrustStore::from_sources(&[&BuiltIn::NorwegianCscas, &cached]).unwrap_err();
    assert!(err.to_string().contains("list.ml"), "{err}");
}
