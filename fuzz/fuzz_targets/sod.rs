//! EF.SOD and CMS SignedData: `Sod::parse`, `SignedData::parse`, `LdsSecurityObject::parse`,
//! and Passive Authentication of the result (`emrtd_auth::pa::verify_sod_bytes`,
//! `verify_card_security`) against a small trust store, at a fixed time.
//! First byte: bit 0 also verifies (slower: signatures and chains). Asserts only "no panic".
#![no_main]

use emrtd_auth::pa::{verify_card_security, verify_sod_bytes};
use emrtd_auth::{TrustStore, VerifyOptions};
use emrtd_lds::sod::{LdsSecurityObject, SignedData, Sod};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use std::sync::OnceLock;

fn trust() -> &'static TrustStore {
    static TRUST: OnceLock<TrustStore> = OnceLock::new();
    TRUST.get_or_init(|| {
        let mut t = TrustStore::new();
        for der in [
            emrtd_sim::pki::TEST_CSCA,
            include_bytes!("../../fixtures/trust/DE_ROOT_CA_CSCA07.cer").as_slice(),
            include_bytes!("../../fixtures/sod/gmrtd/UK_imported_CSCA.cer").as_slice(),
        ] {
            let _ = t.add_der_certificate(der);
        }
        t
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    if let Ok(sod) = Sod::parse(rest) {
        let _ = sod.econtent();
        let lso = &sod.lds_security_object;
        for dg in 0..=16 {
            let _ = lso.hash_of(dg);
        }
        let _ = lso.to_der();
        let attrs = &sod.signed_data;
        let _ = format!("{attrs:?}");
    }
    if let Ok(sd) = SignedData::parse(rest) {
        if let Some(content) = sd.content.as_deref() {
            let _ = LdsSecurityObject::parse(content);
        }
    }
    let _ = LdsSecurityObject::parse(rest);
    if flags & 1 != 0 {
        let opts = VerifyOptions::at(1_700_000_000);
        let mut dgs = BTreeMap::new();
        dgs.insert(1u8, vec![0x61, 0x00]);
        let _ = verify_sod_bytes(rest, &dgs, trust(), &opts);
        let _ = verify_card_security(rest, trust(), &opts);
    }
});
