//! Trust-store loaders and X.509 decoding on arbitrary input. First byte selects:
//! 0 certificate DER (every accessor), 1 CRL DER, 2 CSCA master list (CMS) with signer
//! verification, 3 PEM text, 4 PKD LDIF text, 5 SubjectPublicKeyInfo, 6 ASN.1 time,
//! 7 master list added to a trust store. Text inputs are the lossy UTF-8 of the bytes.
//! Asserts only "no panic".
#![no_main]

use emrtd_auth::cert::{parse_time, Certificate};
use emrtd_auth::trust::Crl;
use emrtd_auth::MasterList;
use emrtd_auth::TrustStore;
use emrtd_crypto::sig::PublicKey;
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_700_000_000;

fn exercise_cert(c: &Certificate) {
    let _ = (c.subject(), c.issuer(), c.serial_hex(), c.version());
    let _ = (c.not_before(), c.not_after(), c.valid_at(NOW));
    let _ = (c.subject_key_identifier(), c.authority_key_identifier());
    let _ = (c.key_usage(), c.is_ca(), c.is_self_issued());
    let _ = (c.signature_scheme(), c.fingerprint(), c.summary());
    if let Ok(key) = c.public_key() {
        let _ = key.describe();
        let _ = c.verify_signed_by(&key);
    }
    let _ = c.may_be_issued_by(c);
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 8 {
        0 => {
            if let Ok(c) = Certificate::from_der(rest) {
                exercise_cert(&c);
            }
        }
        1 => {
            if let Ok(crl) = Crl::from_der(rest) {
                let _ = (crl.issuer(), crl.this_update(), crl.next_update());
                let _ = (crl.revoked_count(), crl.revocation_of(&[1]));
            }
        }
        2 => {
            if let Ok(ml) = MasterList::parse(rest) {
                for c in ml.certificates.iter().take(4) {
                    exercise_cert(c);
                }
                let mut roots = TrustStore::new();
                if let Some(first) = ml.certificates.first() {
                    roots.add_anchor(first.clone());
                }
                let _ = ml.verify_signer(&roots, NOW);
            }
        }
        3 => {
            let mut t = TrustStore::new();
            let _ = t.add_pem(&String::from_utf8_lossy(rest));
        }
        4 => {
            let mut t = TrustStore::new();
            let _ = t.add_ldif(&String::from_utf8_lossy(rest));
        }
        5 => {
            if let Ok(k) = PublicKey::from_spki_der(rest) {
                let _ = k.describe();
            }
        }
        6 => {
            let _ = parse_time(rest);
        }
        _ => {
            let mut t = TrustStore::new();
            let _ = t.add_master_list(rest, None);
            let _ = t.add_crl_der(rest);
            let _ = t.add_der_certificate(rest);
            let cscas = t.csca();
            if let Some(c) = cscas.first().copied().or(t.dsc().first()) {
                let _ = t.issuer_candidates(c);
                let _ = t.key_id_candidates(c);
            }
        }
    }
});
