//! Active Authentication verification (`emrtd_access::aa::verify`) of arbitrary chip answers,
//! with fixed public keys (RSA-2048, EC P-256, brainpoolP256r1 named and explicit) and a
//! challenge from the input; also the ISO/IEC 9796-2 representative check on arbitrary
//! recovered messages (what a forged RSA answer would have to produce), and hostile keys
//! (modes 5-7: SPKI, RSA modulus/exponent, or EC point from the input).
//! Byte 0: key / mode; bytes 1-8: challenge; bit 4 of byte 0 supplies an
//! ActiveAuthenticationInfo with one of the ECDSA OIDs. Asserts only "no panic".
#![no_main]

use emrtd_access::aa::{self, iso9796, AaPublicKey};
use emrtd_fuzz::Input;
use emrtd_lds::security_infos::ActiveAuthenticationInfo;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const KEYS: [&[u8]; 4] = [
    include_bytes!("../../fixtures/keys/aa_rsa2048.spki.der"),
    include_bytes!("../../fixtures/keys/aa_ec_p256.spki.der"),
    include_bytes!("../../fixtures/keys/aa_ec_brainpoolp256r1.spki.der"),
    include_bytes!("../../fixtures/keys/aa_ec_brainpoolp256r1_explicit.spki.der"),
];

/// ecdsa-with-SHA1, -SHA224, -SHA256, -SHA384, -SHA512, and an unknown OID.
const ECDSA_OIDS: [&str; 6] = [
    "1.2.840.10045.4.1",
    "1.2.840.10045.4.3.1",
    "1.2.840.10045.4.3.2",
    "1.2.840.10045.4.3.3",
    "1.2.840.10045.4.3.4",
    "1.2.3.4",
];

fn keys() -> &'static [AaPublicKey] {
    static K: OnceLock<Vec<AaPublicKey>> = OnceLock::new();
    K.get_or_init(|| {
        KEYS.iter()
            .map(|der| AaPublicKey::from_spki(der).expect("fixture AA key decodes"))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mode = input.byte();
    let challenge: [u8; 8] = input.array();
    let info = (mode & 0x10 != 0).then(|| ActiveAuthenticationInfo {
        version: 1,
        signature_algorithm: ECDSA_OIDS[usize::from(mode >> 5) % ECDSA_OIDS.len()].to_string(),
    });
    match mode & 7 {
        k @ 0..=3 => {
            let key = &keys()[usize::from(k)];
            let result = aa::verify(key, &challenge, input.rest(), info.as_ref());
            let _ = result.to_string();
        }
        4 => {
            let _ = iso9796::verify_representative(input.rest(), &challenge);
        }
        // The key comes from the chip too (DG15): hostile key material.
        5 => {
            let Some(spki) = input.chunk() else { return };
            if let Ok(key) = AaPublicKey::from_spki(spki) {
                let _ = aa::verify(&key, &challenge, input.rest(), info.as_ref());
            }
        }
        6 => {
            let n = input.chunk().unwrap_or_default().to_vec();
            let e = input.chunk().unwrap_or_default().to_vec();
            let key = AaPublicKey::Rsa { n, e };
            let _ = aa::verify(&key, &challenge, input.rest(), None);
        }
        _ => {
            let AaPublicKey::Ec { curve, .. } = &keys()[1 + usize::from(mode >> 5) % 3] else {
                return;
            };
            let point = input.chunk().unwrap_or_default().to_vec();
            let key = AaPublicKey::Ec {
                curve: curve.clone(),
                point,
            };
            let _ = aa::verify(&key, &challenge, input.rest(), info.as_ref());
        }
    }
});
