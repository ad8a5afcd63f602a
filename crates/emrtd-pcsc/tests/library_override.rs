//! `EMRTD_PCSC_LIBRARY` decides which file is loaded. Its own test binary (so its own process):
//! the library is loaded once per process, on first use.
#![cfg(all(unix, not(target_os = "macos"), not(emrtd_pcsc_native)))]

use emrtd_pcsc::{Pcsc, PcscError, LIBRARY_ENV};

#[test]
fn a_missing_library_is_a_typed_error_naming_the_packages() {
    let path = "/nonexistent/emrtd-pcsc-test/libpcsclite.so.1";
    // Set before anything in this process uses PC/SC.
    std::env::set_var(LIBRARY_ENV, path);
    let err = Pcsc::establish().err().expect("no library, no context");
    assert!(
        matches!(&err, PcscError::NoLibrary { library, .. } if library == path),
        "{err:?}"
    );
    assert!(err.is_unavailable());
    let text = err.to_string();
    for needed in [
        "libpcsclite1",
        "pcscd",
        "pcsc-lite-libs",
        "EMRTD_PCSC_LIBRARY",
        path,
    ] {
        assert!(text.contains(needed), "{needed} missing from: {text}");
    }
    // The failure is remembered: the second attempt does not load anything else.
    std::env::remove_var(LIBRARY_ENV);
    assert_eq!(Pcsc::establish().err(), Some(err));
}
