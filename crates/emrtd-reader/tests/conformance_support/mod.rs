//! Shared harness of the BSI TR-03105-5.1 conformance tests (`conformance_*.rs`): the
//! inspection procedure every case runs, and the default configurations of the plan's chapter 4
//! on the virtual chip. See docs/conformance.md.
#![allow(dead_code)]

use emrtd_apdu::Transport;
use emrtd_auth::{TrustStore, Verdict};
use emrtd_reader::{
    read_document, verify_document, AccessKey, Document, ReadError, ReadOptions, ReadVerdict,
};
use emrtd_sim::hostile::{Fault, HostileChip};
use emrtd_sim::profile::PaceConfig;
use emrtd_sim::{Profile, VirtualChip};

/// Where an inspection failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// `read_document` returned an error (access control, secure messaging, file reading).
    Read,
    /// `verify_document` did not return `valid` (Passive Authentication, EF.CardSecurity,
    /// Active Authentication, Chip Authentication, PACE-CAM).
    Verify,
    /// A file read does not decode, or its conformance check (`emrtd_lds` `check()`) reports
    /// an issue.
    Lds,
    /// DG1 differs from the MRZ printed on the data page.
    DataPage,
}

/// The answer of the inspection procedure: "MRTD inspection procedure successful" or
/// "... failed", with where and why.
#[derive(Debug)]
pub enum Outcome {
    Successful {
        doc: Box<Document>,
        verdict: Box<ReadVerdict>,
    },
    Failed {
        stage: Stage,
        reason: String,
        error: Option<ReadError>,
        verdict: Option<Box<ReadVerdict>>,
    },
}

impl Outcome {
    /// The document and verdict of a successful inspection; panics with the reason otherwise.
    #[track_caller]
    pub fn successful(self, case: &str) -> (Document, ReadVerdict) {
        match self {
            Outcome::Successful { doc, verdict } => (*doc, *verdict),
            Outcome::Failed { stage, reason, .. } => {
                panic!("{case}: expected \"inspection procedure successful\", failed at {stage:?}: {reason}")
            }
        }
    }

    /// Stage and reason of a failed inspection; panics if it succeeded.
    #[track_caller]
    pub fn failed(self, case: &str) -> (Stage, String) {
        match self {
            Outcome::Failed { stage, reason, .. } => (stage, reason),
            Outcome::Successful { verdict, .. } => panic!(
                "{case}: expected \"inspection procedure failed\", but it succeeded: {:?}",
                verdict.summary
            ),
        }
    }

    /// The verdict of an inspection that is valid but that the strict procedure failed on LDS
    /// findings alone (informational in the verdict); panics otherwise.
    #[track_caller]
    pub fn failed_only_on_findings(self, case: &str) -> ReadVerdict {
        match self {
            Outcome::Failed {
                stage: Stage::Lds,
                verdict: Some(v),
                ..
            } if v.status == Verdict::Valid => *v,
            Outcome::Failed { stage, reason, .. } => {
                panic!("{case}: expected only LDS findings, failed at {stage:?}: {reason}")
            }
            Outcome::Successful { .. } => {
                panic!("{case}: expected LDS findings, but the inspection succeeded")
            }
        }
    }

    /// The reader's error of a failed read; panics otherwise.
    #[track_caller]
    pub fn read_error(self, case: &str) -> ReadError {
        match self {
            Outcome::Failed {
                stage: Stage::Read,
                error: Some(e),
                ..
            } => e,
            Outcome::Failed { stage, reason, .. } => {
                panic!("{case}: expected a read error, failed at {stage:?}: {reason}")
            }
            Outcome::Successful { verdict, .. } => panic!(
                "{case}: expected a read error, but the inspection succeeded: {:?}",
                verdict.summary
            ),
        }
    }

    /// The verdict of an inspection that failed at verification; panics otherwise.
    #[track_caller]
    pub fn verify_failure(self, case: &str) -> ReadVerdict {
        match self {
            Outcome::Failed {
                stage: Stage::Verify,
                verdict: Some(v),
                ..
            } => *v,
            Outcome::Failed { stage, reason, .. } => {
                panic!("{case}: expected a failed verification, failed at {stage:?}: {reason}")
            }
            Outcome::Successful { verdict, .. } => panic!(
                "{case}: expected a failed verification, but the inspection succeeded: {:?}",
                verdict.summary
            ),
        }
    }
}

/// The test CSCA (and, for "DS not stored inside SOD", the Document Signer), preinstalled as
/// the plan's chapter 2.2 assumes.
pub fn trust() -> TrustStore {
    let mut t = TrustStore::new();
    // The Norwegian and the German test CSCA: the data page of the plan is German (`D`), and
    // a CSCA signs only its own state's documents.
    for csca in emrtd_sim::pki::TEST_CSCAS {
        t.add_der_certificate(csca).unwrap();
    }
    t
}

/// The inspection procedure: read the chip (access control, EF.COM, EF.SOD, the data groups
/// EF.COM lists, Active Authentication), verify everything read against `trust`, decode and
/// check every file read, and compare DG1 with the data page.
pub fn inspect_with<T: Transport>(
    chip: T,
    key: &AccessKey,
    trust: &TrustStore,
    data_page: Option<&str>,
) -> Outcome {
    inspect_with_options(chip, key, trust, data_page, &ReadOptions::default())
}

/// [`inspect_with`] with read options (Terminal Authentication for the EAC units).
pub fn inspect_with_options<T: Transport>(
    chip: T,
    key: &AccessKey,
    trust: &TrustStore,
    data_page: Option<&str>,
    options: &ReadOptions,
) -> Outcome {
    let doc = match read_document(chip, key, options) {
        Ok(d) => d,
        Err(e) => {
            return Outcome::Failed {
                stage: Stage::Read,
                reason: e.to_string(),
                error: Some(e),
                verdict: None,
            }
        }
    };
    let verdict = verify_document(&doc, trust);
    // The verdict includes the LDS conformance of every file read; the plan's inspection
    // procedure is strict and also counts the rule findings the verdict lists as informational.
    if verdict.lds_conformance.status() == emrtd_auth::CheckStatus::Failed
        && verdict.passive_authentication.status == Verdict::Valid
    {
        return Outcome::Failed {
            stage: Stage::Lds,
            reason: verdict.lds_conformance.reason().to_string(),
            error: None,
            verdict: Some(Box::new(verdict)),
        };
    }
    if verdict.status != Verdict::Valid {
        return Outcome::Failed {
            stage: Stage::Verify,
            reason: verdict.summary.join("; "),
            error: None,
            verdict: Some(Box::new(verdict)),
        };
    }
    if let (Some(page), Some(dg1)) = (data_page, &doc.dg1) {
        if !dg1.matches(page) {
            return Outcome::Failed {
                stage: Stage::DataPage,
                reason: format!("DG1 ({}) differs from the data page ({page})", dg1.mrz_text),
                error: None,
                verdict: Some(Box::new(verdict)),
            };
        }
    }
    Outcome::Successful {
        doc: Box::new(doc),
        verdict: Box::new(verdict),
    }
}

/// [`inspect_with`] the profile's MRZ as access key and data page, and the test CSCA.
pub fn inspect<T: Transport>(chip: T, profile: &Profile) -> Outcome {
    inspect_with(chip, &mrz_key(profile), &trust(), Some(&data_page(profile)))
}

/// The MRZ printed on the data page, as one string.
pub fn data_page(profile: &Profile) -> String {
    profile.mrz.concat()
}

/// Access key from the profile's MRZ.
pub fn mrz_key(profile: &Profile) -> AccessKey {
    AccessKey::from_mrz(&profile.parsed_mrz().unwrap()).unwrap()
}

/// The profile's CAN.
pub fn can_key(profile: &Profile) -> AccessKey {
    AccessKey::from_can(profile.can.as_deref().unwrap()).unwrap()
}

/// The data page of the plan's default configurations (chapter 4): Erika Mustermann.
pub const MUSTERMANN: [&str; 2] = [
    "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<",
    "C11T002JM4D<<9608122F2310314<<<<<<<<<<<<<<<4",
];

/// CFG.DFLT.BAC on the virtual chip: BAC, 3DES secure messaging, DG1 and DG2 (face), signed by
/// the test PKI.
pub fn bac_profile() -> Profile {
    let mut p = Profile::builtin("norway-passport").unwrap();
    p.mrz = MUSTERMANN.iter().map(|s| s.to_string()).collect();
    p
}

/// CFG.DFLT.PACE on the virtual chip: PACE-GM, ECDH brainpoolP256r1 (parameter id 13),
/// 3DES, MRZ or CAN; no BAC; DG1 and DG2.
pub fn pace_profile() -> Profile {
    pace_profile_with("GM", "3DES", 13)
}

/// A PACE chip with one PACEInfo.
pub fn pace_profile_with(mapping: &str, cipher: &str, parameter_id: u32) -> Profile {
    let mut p = Profile::builtin("norway-id").unwrap();
    p.mrz = MUSTERMANN.iter().map(|s| s.to_string()).collect();
    p.face = "specimen".into();
    // 2048-bit MODP groups need extended-length GENERAL AUTHENTICATE commands.
    p.chip.extended_length = true;
    p.chip.max_read = 1024;
    p.access.bac = false;
    p.access.pace = vec![PaceConfig {
        mapping: mapping.into(),
        cipher: cipher.into(),
        parameter_id,
    }];
    p
}

/// A reproducible random source for the chip (SplitMix64): two chips built from the same
/// profile get the same keys (the PACE-CAM key of EF.CardSecurity, for instance).
pub struct SeededRng(u64);

impl rand_core::RngCore for SeededRng {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

// Test chips only: the keys it draws are published in the test files anyway.
impl rand_core::CryptoRng for SeededRng {}

/// The virtual chip of a profile (reproducible chip randomness, see [`SeededRng`]).
pub fn chip(profile: &Profile) -> VirtualChip {
    VirtualChip::with_rng(profile.clone(), Box::new(SeededRng(1))).unwrap()
}

/// The virtual chip of a profile behind faults.
pub fn hostile(profile: &Profile, faults: Vec<Fault>) -> HostileChip {
    HostileChip::new(chip(profile), faults)
}

/// The bytes of a fixture under `fixtures/`.
pub fn fixture(rel: &str) -> Vec<u8> {
    let path = format!("{}/../../fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
