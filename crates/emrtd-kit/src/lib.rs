//! Read and verify the chips of ICAO 9303 electronic travel documents (passports, national ID
//! cards, visas): the front door of the emrtd crates.
//!
//! A read goes MRZ or CAN → access control (PACE or BAC) → secure messaging → the files of the
//! Logical Data Structure → verification (Passive Authentication against a CSCA trust store,
//! Chip and Active Authentication, PACE-CAM) → one [`Verdict`]: `valid` only when every required
//! check passed, `unverified` when one could not run, else `invalid`.
//!
//! * [`mrz`]: parse and check machine readable zones, derive the access key.
//! * [`read`]: the sans-IO read [`Engine`] and its two drivers, [`read_blocking`] over a
//!   [`Transport`] and [`read_async`] over an [`AsyncTransport`].
//! * [`verify`]: [`verify_document`] after a read, [`verify_dump`] for files on disk, and the
//!   [`TrustStore`] of CSCA certificates, assembled from [`CertificateSource`]s (files and
//!   folders, ICAO master lists, PKD LDIF, the built-in anchors) and cached with [`Cached`].
//! * [`report`]: what a read and a verification produce.
//! * [`lds`]: decoders of every LDS file (EF.COM, EF.SOD, DG1–DG16, EF.CardAccess, …).
//! * [`pcsc`] (feature `pcsc`, on by default): USB and NFC readers through PC/SC.
//!
//! # Reading a document
//!
//! The virtual chip of `emrtd-sim` stands in for a card here; a [`pcsc::PcscTransport`] or your
//! own [`Transport`] (a phone's NFC stack, a remote card) takes its place in an application.
//!
//! ```
//! use emrtd_kit::{read_blocking, verify_document, AccessKey, Engine, EngineConfig};
//! use emrtd_kit::{DerCertificates, ReadOptions, SystemClock, TrustStore, Verdict};
//! use emrtd_sim::{Profile, VirtualChip};
//!
//! let mut chip = VirtualChip::new(Profile::builtin("norway-id")?)?;
//! let key = AccessKey::from_can("123456")?;
//! let engine = Engine::new(
//!     EngineConfig::new(key, ReadOptions::default()),
//!     emrtd_kit::rand_core::OsRng,
//!     SystemClock,
//! );
//! let document = read_blocking(&mut chip, engine, &mut |progress| eprintln!("{progress:?}"))?;
//!
//! // The virtual chip's test CSCA; an application adds TrustPath, MasterListFile, BuiltIn …
//! let test_csca = DerCertificates::new("test CSCA", vec![emrtd_sim::pki::TEST_CSCA.to_vec()]);
//! let (trust, _) = TrustStore::from_sources(&[&test_csca])?;
//! let verdict = verify_document(&document, &trust);
//! assert_eq!(verdict.status, Verdict::Valid);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Stability
//!
//! The items re-exported here are the API this crate keeps stable within a minor version
//! (before 1.0: within a patch version). Reports and errors are `#[non_exhaustive]` where they
//! are expected to grow. The crates behind them (`emrtd-reader`, `emrtd-auth`, …) are published
//! too, for protocol-level work, but change more freely.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The random number generator traits the [`Engine`] takes (`rand_core` 0.6), and
/// `rand_core::OsRng`, the operating system's generator.
pub use rand_core;

/// Machine readable zones (ICAO 9303-3/4/5/6/7): parse, check, build, and derive the access key.
///
/// ```
/// use emrtd_kit::mrz::{Mrz, MrzFormat};
///
/// let mrz = Mrz::parse(
///     "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
///      L898902C36UTO7408122F1204159ZE184226B<<<<<10",
/// )?;
/// assert_eq!(mrz.format, MrzFormat::Td3);
/// assert_eq!(mrz.document_number, "L898902C3");
/// assert!(mrz.is_valid()); // every check digit is right
/// assert_eq!(mrz.access_key_info()?, "L898902C3674081221204159");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub mod mrz {
    pub use emrtd_mrz::{
        check_digit, mrz_information, no, Date, Mrz, MrzBuilder, MrzError, MrzFormat, MAX_INPUT_LEN,
    };
}

/// Reading a chip: the sans-IO [`Engine`], its drivers and what they need.
///
/// The engine does no IO: it hands out [`Event`]s (an APDU to send, progress, a request to
/// reconnect, the result) and is fed the chip's answers. [`read_blocking`] runs it over a
/// [`Transport`], [`read_async`] over an [`AsyncTransport`]; randomness and the clock are passed
/// in, so a read can be replayed byte for byte.
///
/// An asynchronous read: the app's link implements [`AsyncTransport`] (here it wraps the virtual
/// chip; on a phone it awaits the NFC stack's `transceive`), and any executor runs the future.
///
/// ```
/// use emrtd_kit::read::{read_async, AccessKey, AsyncTransport, Engine, EngineConfig};
/// use emrtd_kit::read::{Progress, ReadOptions, SystemClock, Transport, TransportError};
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
///
/// struct Link(emrtd_sim::VirtualChip);
///
/// impl AsyncTransport for Link {
///     async fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
///         self.0.transmit(apdu) // an app awaits its NFC stack here
///     }
/// }
///
/// let chip = emrtd_sim::VirtualChip::new(emrtd_sim::Profile::builtin("norway-passport")?)?;
/// let mrz = chip.profile().parsed_mrz()?;
/// let config = EngineConfig::new(AccessKey::from_mrz(&mrz)?, ReadOptions::default());
/// let engine = Engine::new(config, emrtd_kit::rand_core::OsRng, SystemClock);
/// let mut link = Link(chip);
/// let mut progress = |p: Progress| eprintln!("{p:?}"); // a phone updates its UI here
/// let mut read = std::pin::pin!(read_async(&mut link, engine, &mut progress));
///
/// // The smallest executor there is: the virtual chip answers at once, so polling suffices.
/// let mut cx = Context::from_waker(Waker::noop());
/// let document = loop {
///     if let Poll::Ready(result) = read.as_mut().poll(&mut cx) {
///         break result?;
///     }
/// };
/// assert!(document.dg1.is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub mod read {
    pub use emrtd_apdu::{AsyncTransport, Transport, TransportError};
    pub use emrtd_reader::{
        read_async, read_blocking, read_document, read_document_with_progress, AccessChoice,
        AccessKey, Clock, EfId, Engine, EngineConfig, EngineError, Event, FixedClock, Progress,
        ReadError, ReadOptions, SystemClock, TaVersionChoice, TerminalAuthConfig,
    };
}

/// Verification: Passive Authentication (EF.SOD and EF.CardSecurity signatures, the certificate
/// chain to a CSCA, data-group hashes) and the overall verdict with Chip Authentication, Active
/// Authentication and PACE-CAM.
pub mod verify {
    pub use emrtd_auth::pa::verify_dump_with;
    pub use emrtd_auth::source::{
        BuiltIn, Cached, CertificateSource, DerCertificates, LdifFile, MasterListFile, Sources,
        TrustPath,
    };
    pub use emrtd_auth::trust::LoadSummary;
    pub use emrtd_auth::{verify_dump, verify_sod, AuthError, TrustStore, VerifyOptions};
    pub use emrtd_reader::{
        document_validity, verify_document, verify_document_at, verify_document_with,
    };
}

/// What reads and verifications produce.
pub mod report {
    pub use emrtd_auth::pa::TrustStoreSummary;
    pub use emrtd_auth::{
        Check, CheckStatus, DgStatus, DumpVerification, PassiveAuthReport, SignedObjectReport,
        Verdict,
    };
    pub use emrtd_reader::{
        AccessProtocol, AccessReport, CheckOutcome, CipherSuite, Document, PaceMapping, Password,
        ReadVerdict, Refusal, TerminalAuthReport,
    };
}

/// The files of the Logical Data Structure (ICAO 9303-10): typed decoders of EF.COM, EF.SOD,
/// DG1–DG16, EF.CardAccess and EF.CardSecurity, and their rule checks.
pub use emrtd_lds as lds;

/// PC/SC smart-card readers (USB contact and NFC): list them, wait for a card, connect. On
/// Linux the PC/SC library (`libpcsclite.so.1`) is loaded at run time, so building needs no
/// headers and a machine without PC/SC gets [`PcscError::NoLibrary`](pcsc::PcscError::NoLibrary).
#[cfg(feature = "pcsc")]
pub mod pcsc {
    pub use emrtd_pcsc::{Pcsc, PcscError, PcscTransport, ReaderInfo};
}

pub use mrz::Mrz;
pub use read::{
    read_async, read_blocking, read_document, read_document_with_progress, AccessKey,
    AsyncTransport, Engine, EngineConfig, Event, ReadError, ReadOptions, SystemClock, Transport,
};
pub use report::{Document, ReadVerdict, Verdict};
pub use verify::{
    verify_document, verify_dump, BuiltIn, Cached, CertificateSource, DerCertificates, LdifFile,
    MasterListFile, Sources, TrustPath, TrustStore,
};
