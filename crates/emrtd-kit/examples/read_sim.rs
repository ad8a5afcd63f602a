//! Read the virtual Norwegian ID card (no hardware needed) and verify it.
//!
//! `cargo run -p emrtd-kit --example read_sim [PROFILE]` (`norway-id` by default; `norway-passport`
//! is another built-in profile).

use emrtd_kit::{read_blocking, verify_document, AccessKey, Engine, EngineConfig};
use emrtd_kit::{DerCertificates, ReadOptions, SystemClock, TrustStore, Verdict};
use emrtd_sim::{Profile, VirtualChip};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let name = std::env::args().nth(1);
    let profile = Profile::builtin(name.as_deref().unwrap_or(emrtd_sim::DEFAULT_PROFILE))?;
    // The virtual documents open with their CAN, or with the MRZ when they have none.
    let key = match &profile.can {
        Some(can) => AccessKey::from_can(can)?,
        None => AccessKey::from_mrz(&profile.parsed_mrz()?)?,
    };
    let mut chip = VirtualChip::new(profile)?;

    let engine = Engine::new(
        EngineConfig::new(key, ReadOptions::default()),
        emrtd_kit::rand_core::OsRng,
        SystemClock,
    );
    let document = read_blocking(&mut chip, engine, &mut |p| eprintln!("  {p:?}"))?;

    println!("access: {}", document.access.protocol);
    for (file, bytes) in &document.files {
        println!("{file}: {} bytes", bytes.len());
    }
    if let Some(dg1) = &document.dg1 {
        let mrz = dg1.mrz()?;
        println!(
            "holder: {} {}",
            mrz.secondary_identifier, mrz.primary_identifier
        );
    }

    // The virtual chip's data is signed by a published test CSCA: trust it for this demo only.
    let test_csca = DerCertificates::new("test CSCA", vec![emrtd_sim::pki::TEST_CSCA.to_vec()]);
    let (trust, _) = TrustStore::from_sources(&[&test_csca])?;
    let verdict = verify_document(&document, &trust);
    for line in &verdict.summary {
        println!("  {line}");
    }
    println!("verdict: {}", verdict.status.as_str());
    if verdict.status != Verdict::Valid {
        std::process::exit(1);
    }
    Ok(())
}
