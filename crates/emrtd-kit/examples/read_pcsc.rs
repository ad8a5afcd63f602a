//! Read a document on a PC/SC reader (USB or NFC) and verify it.
//!
//! `cargo run -p emrtd-kit --example read_pcsc -- CAN [TRUST_PATH…]`
//!
//! The CAN is the 6-digit number printed on the document. For documents without a CAN, build
//! the key with `AccessKey::from_mrz_fields(document_number, date_of_birth, date_of_expiry)`.
//! TRUST_PATH: CSCA certificates, folders, master lists (`.ml`) or PKD LDIF files; the Norwegian
//! CSCAs are built in.

use emrtd_kit::pcsc::Pcsc;
use emrtd_kit::{read_document_with_progress, verify_document, AccessKey, ReadOptions};
use emrtd_kit::{BuiltIn, Sources, TrustPath, TrustStore, Verdict};
use std::time::Duration;

fn main() {
    // Errors in words (their `Display`), not as a debug dump.
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(4);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(can) = args.next() else {
        eprintln!("usage: read_pcsc CAN [TRUST_PATH…]");
        std::process::exit(2);
    };
    let key = AccessKey::from_can(&can)?;

    // Load the trust anchors first: a wrong path fails before anyone waits at the reader.
    let mut sources = Sources::new().with(BuiltIn::NorwegianCscas);
    for path in args {
        sources.push(Box::new(TrustPath::new(path)));
    }
    let (trust, _) = TrustStore::from_sources(&[&sources])?;

    let pcsc = Pcsc::establish()?;
    eprintln!("Hold the document to the reader…");
    let reader = pcsc.wait_for_card(None, Duration::from_secs(30))?;
    let card = pcsc.connect(Some(&reader))?;
    let document = read_document_with_progress(card, &key, &ReadOptions::default(), &mut |p| {
        eprintln!("  {p:?}")
    })?;

    let verdict = verify_document(&document, &trust);
    for line in &verdict.summary {
        println!("  {line}");
    }
    println!("verdict: {}", verdict.status.as_str());
    std::process::exit(match verdict.status {
        Verdict::Valid => 0,
        Verdict::Invalid => 1,
        _ => 3,
    });
}
