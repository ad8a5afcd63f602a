//! Tampered documents are invalid with a reason; hostile bytes never panic.

use emrtd_auth::pa;
use emrtd_auth::trust::TrustStore;
use emrtd_auth::{Verdict, VerifyOptions};
use emrtd_lds::sod::Sod;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const F: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");
const NOW: i64 = 1_760_000_000;

fn rd(p: &str) -> Vec<u8> {
    std::fs::read(format!("{F}/{p}")).unwrap()
}

fn trust() -> &'static TrustStore {
    static T: OnceLock<TrustStore> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = TrustStore::new();
        t.add_master_list(&rd("trust/DE_ML_2026-05-28-08-28-45.ml"), None)
            .unwrap();
        t
    })
}

fn verify(sod: &[u8]) -> emrtd_auth::PassiveAuthReport {
    pa::verify_sod_bytes(sod, &BTreeMap::new(), trust(), &VerifyOptions::at(NOW))
}

fn position(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("needle present")
}

#[test]
fn untouched_documents_verify() {
    for c in ["AT", "FR"] {
        let r = verify(&rd(&format!("sod/gmrtd/{c}_EF.SOD.bin")));
        assert_eq!(r.signature_valid, Some(true));
        assert_eq!(r.chain_valid, Some(true));
        // No data group was given: nothing failed, but the document is not proved genuine.
        assert_eq!(r.status, Verdict::Unverified);
        assert_eq!(r.errors[0], "data_group_hashes: no data group was supplied");
        assert!(r.errors[1].starts_with("required_data_groups: DG1 and DG2"));
        assert!(r.errors[2].starts_with("issuing_state: DG1 not read"));
        assert_eq!(r.errors.len(), 3);
    }
}

#[test]
fn tampered_signature_is_invalid() {
    for c in ["AT", "FR"] {
        let mut b = rd(&format!("sod/gmrtd/{c}_EF.SOD.bin"));
        let sod = Sod::parse(&b).unwrap();
        let sig = &sod.signed_data.signer_infos[0].signature;
        let at = position(&b, sig) + sig.len() / 2;
        b[at] ^= 0x01;
        let r = verify(&b);
        assert_eq!(r.status, Verdict::Invalid, "{c}");
        assert_eq!(r.signature_valid, Some(false), "{c}");
        assert!(
            r.errors.iter().any(|e| e.starts_with("signature:")),
            "{c}: {:?}",
            r.errors
        );
    }
}

#[test]
fn tampered_signed_attribute_is_invalid() {
    let mut b = rd("sod/gmrtd/FR_EF.SOD.bin");
    let sod = Sod::parse(&b).unwrap();
    let md = sod.signed_data.signer_infos[0]
        .signed_attrs
        .as_ref()
        .unwrap()
        .message_digest()
        .unwrap();
    let at = position(&b, &md);
    b[at] ^= 0x80;
    let r = verify(&b);
    assert_eq!(r.status, Verdict::Invalid);
    assert_eq!(r.signature_valid, Some(false));
    assert!(
        r.errors.iter().any(|e| e.starts_with("message_digest:")),
        "{:?}",
        r.errors
    );
}

#[test]
fn tampered_data_group_hash_in_the_content_is_invalid() {
    let mut b = rd("sod/gmrtd/AT_EF.SOD.bin");
    let sod = Sod::parse(&b).unwrap();
    let h = sod.lds_security_object.hash_of(1).unwrap().to_vec();
    let at = position(&b, &h);
    b[at] ^= 0xFF;
    let r = verify(&b);
    assert_eq!(r.status, Verdict::Invalid);
    // The signature over the attributes still verifies, but their message digest is not that
    // of the altered content: the signature does not count.
    assert_eq!(r.signature_valid, Some(false));
    assert!(r
        .errors
        .iter()
        .any(|e| e.contains("message-digest attribute does not equal")));
}

#[test]
fn tampered_dsc_breaks_the_chain() {
    let mut b = rd("sod/gmrtd/AT_EF.SOD.bin");
    let at = position(&b, b"DS-AUSTRIA");
    b[at + 9] = b'X';
    let r = verify(&b);
    assert_eq!(r.status, Verdict::Invalid);
    assert_eq!(r.signature_valid, Some(true));
    assert_eq!(r.chain_valid, Some(false));
    assert!(
        r.errors.iter().any(|e| e.starts_with("certificate_chain:")),
        "{:?}",
        r.errors
    );
}

#[test]
fn wrong_content_type_attribute_is_invalid() {
    // Replace the eContentType OID 2.23.136.1.1.1 by 2.23.136.1.1.2 everywhere but the
    // attribute: easier to change the attribute (second occurrence).
    let mut b = rd("sod/gmrtd/FR_EF.SOD.bin");
    let oid = [0x06, 0x06, 0x67, 0x81, 0x08, 0x01, 0x01, 0x01];
    let first = position(&b, &oid);
    let second = first + 1 + position(&b[first + 1..], &oid);
    b[second + 7] = 0x02;
    let r = verify(&b);
    assert_eq!(r.status, Verdict::Invalid);
    assert!(r
        .errors
        .iter()
        .any(|e| e.starts_with("content_type_attribute:")));
}

/// Deterministic xorshift so the test is reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn hostile_bytes_never_panic() {
    let empty = TrustStore::new();
    let opts = VerifyOptions::at(NOW);
    let sod = rd("sod/gmrtd/UK_imported_EF.SOD.bin");
    let nz = rd("sod/gmrtd/NZ_EF.SOD.bin");
    let cs = rd("sod/gmrtd/DE_EF.CardSecurity.bin");
    let dgs = BTreeMap::new();
    // Every truncation.
    for src in [&sod, &nz] {
        for len in 0..src.len() {
            let r = pa::verify_sod_bytes(&src[..len], &dgs, &empty, &opts);
            assert_ne!(r.status, Verdict::Valid);
        }
    }
    for len in (0..cs.len()).step_by(7) {
        let _ = pa::verify_card_security(&cs[..len], &empty, &opts);
    }
    // Random byte changes (RSA documents are cheap to verify).
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for src in [&sod, &nz] {
        for _ in 0..1500 {
            let mut b = src.clone();
            for _ in 0..(rng.next() % 4 + 1) {
                let i = (rng.next() as usize) % b.len();
                b[i] = rng.next() as u8;
            }
            let _ = pa::verify_sod_bytes(&b, &dgs, &empty, &opts);
        }
    }
    // Handcrafted hostile inputs.
    let mut deep = vec![0x77, 0x80];
    deep.extend([0x30, 0x80].repeat(5000));
    let hostile: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x77],
        vec![0x77, 0x84, 0xFF, 0xFF, 0xFF, 0xFF],
        vec![0x77, 0x85, 1, 2, 3, 4, 5],
        vec![0x77, 0x02, 0x30, 0x80],
        vec![0x77, 0x04, 0x30, 0x02, 0x06, 0x00],
        deep,
        vec![0x77, 0x03, 0x1F, 0xFF, 0xFF],
    ];
    for h in &hostile {
        let r = pa::verify_sod_bytes(h, &dgs, &empty, &opts);
        assert_eq!(r.status, Verdict::Invalid);
        assert!(!r.errors.is_empty());
        let _ = pa::verify_card_security(h, &empty, &opts);
        let _ = emrtd_auth::MasterList::parse(h);
        let _ = emrtd_auth::cert::Certificate::from_der(h);
        let _ = TrustStore::new().add_ldif(&String::from_utf8_lossy(h));
    }
}
