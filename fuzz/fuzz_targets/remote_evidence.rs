//! Remote verification: `emrtd_remote::verify_evidence` on arbitrary request bodies (evidence
//! parsing with its caps, token opening, and on a well-formed body the whole judgement),
//! `issue_challenge` on arbitrary challenge requests, and the server-driven PACE-CAM steps
//! `pace_map` and `pace_agree` on arbitrary step requests. Asserts only "no panic" and that
//! every refusal is a client error.
#![no_main]

use emrtd_auth::TrustStore;
use emrtd_remote::{
    issue_challenge, pace_agree, pace_map, verify_evidence, KeyRing, Policy, ServerKey,
};
use libfuzzer_sys::fuzz_target;
use rand_core::{CryptoRng, RngCore};

struct Counter(u64);

impl RngCore for Counter {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1);
        self.0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            *b = self.next_u64() as u8;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl CryptoRng for Counter {}

fuzz_target!(|data: &[u8]| {
    let ring = KeyRing::new(ServerKey::new("fuzz", [0x42; 32]).unwrap());
    let mut trust = TrustStore::new();
    let _ = trust.add_der_certificate(emrtd_sim::pki::TEST_CSCA);
    let policy = Policy::default();
    if let Err(e) = verify_evidence(&ring, &trust, &policy, data, 1_767_225_600) {
        assert!((400..500).contains(&e.http_status()));
    }
    if let Err(e) = issue_challenge(&ring, &policy, data, 1_767_225_600, &mut Counter(1)) {
        assert!((400..500).contains(&e.http_status()));
    }
    if let Err(e) = pace_map(&ring, &policy, data, 1_767_225_600, &mut Counter(2)) {
        assert!((400..500).contains(&e.http_status()));
    }
    if let Err(e) = pace_agree(&ring, &policy, data, 1_767_225_600, &mut Counter(3)) {
        assert!((400..500).contains(&e.http_status()));
    }
});
