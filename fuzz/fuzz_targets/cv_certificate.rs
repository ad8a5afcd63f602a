//! CV certificates and certificate requests (`emrtd_eac::cert`) as a terminal configuration
//! file or a simulated chip could hand them over: decoding must never panic, a decoded
//! certificate re-encodes to something that decodes to the same fields, and trusting it (key
//! resolution, self-signature check, chain verification against itself) stays bounded.
#![no_main]

use emrtd_eac::cert::CertificateRequest;
use emrtd_eac::chain::{verify_chain, TrustStore};
use emrtd_eac::{CvCertificate, CvDate, VerifyingKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = CertificateRequest::decode(data) {
        let again = CertificateRequest::decode(&r.encode()).expect("re-encoded request decodes");
        assert_eq!(again.body, r.body);
    }
    let Ok(c) = CvCertificate::decode(data) else {
        return;
    };
    let again = CvCertificate::decode(&c.encode()).expect("re-encoded certificate decodes");
    assert_eq!(again.body, c.body);
    assert_eq!(again.signature, c.signature);
    if let Ok(key) = VerifyingKey::from_cv(&c.body.public_key, None) {
        let _ = key.verify(c.signed_body(), &c.signature);
    }
    let mut store = TrustStore::new();
    if store.add(c.clone()).is_ok() {
        let date = CvDate::new(2026, 1, 1).expect("date");
        let _ = verify_chain(&store, std::slice::from_ref(&c), date);
    }
});
