//! The run-time loader against a stand-in pcsclite (`tests/fake-pcsclite/fake_pcsclite.c`,
//! compiled here with the system C compiler): the FFI declarations against a C compiler's
//! layout, reader listing and selection, and every card-loss code through `SCardTransmit`.
//! Its own test binary (so its own process): the library is loaded once per process.
#![cfg(all(unix, not(target_os = "macos"), not(emrtd_pcsc_native)))]

use emrtd_apdu::{Transport, TransportError};
use emrtd_pcsc::{Pcsc, PcscError, LIBRARY_ENV};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const ATR: [u8; 10] = [0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0x40, 0xB7];

fn build_fake_library() -> PathBuf {
    let source = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fake-pcsclite/fake_pcsclite.c"
    );
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("libfakepcsclite.so");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(&cc)
        .args([
            "-shared", "-fPIC", "-O1", "-Wall", "-Wextra", "-Werror", "-o",
        ])
        .arg(&out)
        .arg(source)
        .status()
        .unwrap_or_else(|e| panic!("the C compiler {cc} is needed for this test: {e}"));
    assert!(status.success(), "compiling {source} failed");
    out
}

/// A command whose INS EE makes the fake return `code` from SCardTransmit.
fn failing_with(code: u32) -> Vec<u8> {
    let mut apdu = vec![0x00, 0xEE];
    apdu.extend_from_slice(&code.to_be_bytes());
    apdu
}

#[test]
fn the_loader_drives_a_c_pcsclite_and_maps_every_card_loss() {
    let library = build_fake_library();
    // Set before anything in this process uses PC/SC.
    std::env::set_var(LIBRARY_ENV, &library);
    let pcsc = Pcsc::establish().expect("the fake library loads");

    // Listing and the reader states (SCARD_READERSTATE written by C, read by Rust).
    let readers = pcsc.readers().unwrap();
    assert_eq!(readers.len(), 1);
    assert_eq!(readers[0].name, "Fake Reader 00 00");
    assert!(readers[0].card_present);
    assert_eq!(readers[0].atr, ATR);

    // Reader selection: by part of the name; a wrong name fails at once, listing the readers.
    assert_eq!(pcsc.find_reader("Fake").unwrap(), "Fake Reader 00 00");
    let started = Instant::now();
    assert_eq!(
        pcsc.wait_for_card(Some("ACS"), Duration::from_secs(30)),
        Err(PcscError::NoSuchReader(
            "ACS".into(),
            "Fake Reader 00 00".into()
        ))
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        pcsc.wait_for_card(Some("00 00"), Duration::from_secs(1))
            .unwrap(),
        "Fake Reader 00 00"
    );
    assert_eq!(
        pcsc.wait_for_card(None, Duration::from_secs(1)).unwrap(),
        "Fake Reader 00 00"
    );

    // Connecting reads the ATR through SCardStatus; transmit uses the active protocol's PCI.
    let mut card = pcsc.connect(Some("Fake")).unwrap();
    assert_eq!(card.reader(), "Fake Reader 00 00");
    assert_eq!(card.atr(), ATR);
    assert_eq!(
        card.transmit(&[0x00, 0xA4, 0x04, 0x0C]).unwrap(),
        [0x00, 0xA4, 0x04, 0x0C, 0x90, 0x00]
    );

    // Every form of card loss PC/SC reports.
    for code in [
        0x8010_0069, // SCARD_W_REMOVED_CARD
        0x8010_0068, // SCARD_W_RESET_CARD
        0x8010_0016, // SCARD_E_NOT_TRANSACTED
        0x8010_000C, // SCARD_E_NO_SMARTCARD
        0x8010_0067, // SCARD_W_UNPOWERED_CARD
        0x8010_0017, // SCARD_E_READER_UNAVAILABLE
    ] {
        assert_eq!(
            card.transmit(&failing_with(code)),
            Err(TransportError::CardRemoved),
            "{code:08X}"
        );
    }
    // An answer without a status word.
    assert_eq!(
        card.transmit(&[0x00, 0xE0, 0x00, 0x00]),
        Err(TransportError::CardRemoved)
    );
    assert_eq!(
        card.transmit(&[0x00, 0xE1, 0x00, 0x00]),
        Err(TransportError::CardRemoved)
    );
    assert_eq!(
        card.transmit(&failing_with(0x8010_000A)),
        Err(TransportError::Timeout)
    );
    assert_eq!(
        card.transmit(&failing_with(0x8010_0002)),
        Err(TransportError::Cancelled)
    );
    assert_eq!(
        card.transmit(&failing_with(0x8010_000B)),
        Err(TransportError::Other(
            "another program holds the card exclusively (SCARD_E_SHARING_VIOLATION)".into()
        ))
    );
    // A command too long for PC/SC is refused before it reaches the library.
    assert!(matches!(
        card.transmit(&vec![0u8; 70_000]),
        Err(TransportError::Other(_))
    ));

    // Reconnecting resets the card and reads the ATR again.
    emrtd_pcsc::PcscTransport::reconnect(&mut card).unwrap();
    assert_eq!(card.atr(), ATR);
    drop(card);
    drop(pcsc);
}
