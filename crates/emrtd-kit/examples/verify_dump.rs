//! Verify a dump folder (`COM.bin`, `SOD.bin`, `DG1.bin`, … as written by `emrtd read --out`)
//! offline: EF.SOD signature, certificate chain to a trusted CSCA, data-group hashes.
//!
//! `cargo run -p emrtd-kit --example verify_dump -- DIR [TRUST_PATH…]`
//!
//! Without arguments it first writes a dump of the virtual Norwegian ID card into a temporary
//! folder and verifies that against the virtual chip's test CSCA.

use emrtd_kit::report::DgStatus;
use emrtd_kit::{
    read_document, verify_dump, AccessKey, BuiltIn, CertificateSource, DerCertificates,
    ReadOptions, Sources, TrustPath, TrustStore, Verdict,
};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut sources = Sources::new();
    let (dir, demo) = match args.next() {
        Some(dir) => {
            sources.push(Box::new(BuiltIn::NorwegianCscas));
            for path in args {
                sources.push(Box::new(TrustPath::new(path)));
            }
            (PathBuf::from(dir), false)
        }
        None => {
            let test_csca = emrtd_sim::pki::TEST_CSCA.to_vec();
            sources.push(Box::new(DerCertificates::new("test CSCA", vec![test_csca])));
            (demo_dump()?, true)
        }
    };
    let mut trust = TrustStore::new();
    sources.load_into(&mut trust)?;

    let result = verify_dump(&dir, &trust);
    if demo {
        std::fs::remove_dir_all(&dir)?;
    }
    let result = result?;
    let pa = &result.passive_authentication;
    for check in &pa.checks {
        println!("{:<28} {:?}  {}", check.id, check.outcome, check.reason());
    }
    for (dg, status) in &pa.data_groups {
        let mark = if *status == DgStatus::Match {
            "ok"
        } else {
            "!!"
        };
        println!("{dg:<5} {mark} {status:?}");
    }
    println!("Passive Authentication: {}", pa.status.as_str());
    std::process::exit(match pa.status {
        Verdict::Valid => 0,
        Verdict::Invalid => 1,
        _ => 3,
    });
}

/// Read the virtual chip and write its files as `NAME.bin` into a fresh temporary folder.
fn demo_dump() -> Result<PathBuf, Box<dyn std::error::Error>> {
    let chip = emrtd_sim::VirtualChip::new(emrtd_sim::Profile::builtin("norway-id")?)?;
    let document = read_document(
        chip,
        &AccessKey::from_can("123456")?,
        &ReadOptions::default(),
    )?;
    let dir = std::env::temp_dir().join(format!("emrtd-kit-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    for (file, bytes) in &document.files {
        std::fs::write(dir.join(format!("{}.bin", file.name())), bytes)?;
    }
    eprintln!("wrote the virtual ID card's files to {}", dir.display());
    Ok(dir)
}
