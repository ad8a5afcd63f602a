//! PC/SC transport: USB contact and contactless (NFC) readers through the system's PC/SC service.
//!
//! - **Linux and the other Unix systems** (not macOS): pcsclite's client library
//!   `libpcsclite.so.1` is loaded at run time, the first time PC/SC is used ([`Pcsc::establish`]);
//!   building needs no pkg-config and no headers, and a program that never uses a reader (for
//!   example `emrtd read --sim`) never loads it. The environment variable
//!   [`EMRTD_PCSC_LIBRARY`](LIBRARY_ENV) names another file to load. When the library is
//!   missing, [`PcscError::NoLibrary`] says which package to install (Debian/Ubuntu
//!   `libpcsclite1`, Fedora `pcsc-lite-libs`; the service itself is `pcscd` / `pcsc-lite`).
//! - **macOS and Windows**: the system's PCSC framework / WinSCard, through the `pcsc` crate.
//!
//! The API is the same everywhere: [`Pcsc::establish`], [`Pcsc::readers`],
//! [`Pcsc::find_reader`], [`Pcsc::wait_for_card`], [`Pcsc::connect`], and [`PcscTransport`],
//! an [`emrtd_apdu::Transport`]. Every way PC/SC reports a lost card (removed, reset, unpowered,
//! mute, transaction broken off, reader gone, or an answer without a status word) comes out as
//! [`TransportError::CardRemoved`], so the reader can resume when the card returns. A
//! [`PcscError`] tells with [`PcscError::is_unavailable`] whether the environment is at fault
//! (no library, service, reader or card, or none in time) rather than the exchange.
//!
//! `unsafe` is confined to the loader's FFI module. To check the macOS/Windows back end on
//! Linux, select it with `--cfg emrtd_pcsc_native` (it then links pcsclite at build time):
//! `RUSTFLAGS="--cfg emrtd_pcsc_native" PCSC_LIB_DIR=/usr/lib/x86_64-linux-gnu
//! PCSC_LIB_NAME="dylib:+verbatim=libpcsclite.so.1" cargo clippy -p emrtd-pcsc --lib --tests
//! --target-dir target/native`.
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod atr;
mod status;

#[cfg(all(unix, not(target_os = "macos"), not(emrtd_pcsc_native)))]
#[allow(unsafe_code)]
mod dynamic;
#[cfg(all(unix, not(target_os = "macos"), not(emrtd_pcsc_native)))]
use dynamic as backend;
#[cfg(all(unix, not(target_os = "macos"), not(emrtd_pcsc_native)))]
pub use dynamic::DEFAULT_LIBRARY;

#[cfg(any(target_os = "macos", windows, emrtd_pcsc_native))]
mod native;
#[cfg(any(target_os = "macos", windows, emrtd_pcsc_native))]
use native as backend;

use emrtd_apdu::{Transport, TransportError};
use std::ffi::{CStr, CString};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The environment variable naming the PC/SC library to load instead of `libpcsclite.so.1`
/// (Linux and other Unix systems but macOS; a path, or a file name for the dynamic loader).
pub const LIBRARY_ENV: &str = "EMRTD_PCSC_LIBRARY";

/// Largest extended APDU plus framing, as PC/SC defines it (`MAX_BUFFER_SIZE_EXTENDED`).
const MAX_BUFFER_SIZE_EXTENDED: usize = 4 + 3 + (1 << 16) + 3 + 2;

/// Why the PC/SC service or a reader could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PcscError {
    /// The PC/SC client library could not be loaded (or is not pcsclite).
    #[error(
        "the PC/SC library {library} could not be loaded ({reason}); install it \
         (Debian/Ubuntu: `sudo apt install libpcsclite1 pcscd`; Fedora: \
         `sudo dnf install pcsc-lite-libs pcsc-lite`) or set EMRTD_PCSC_LIBRARY to its path"
    )]
    NoLibrary {
        /// The file that was tried.
        library: String,
        /// What the dynamic loader said.
        reason: String,
    },
    /// The library is there but the PC/SC service (pcscd) is not running.
    #[error(
        "the PC/SC service is not running (on Linux start it with `sudo systemctl start pcscd`)"
    )]
    NoService,
    /// The service runs but no reader is connected.
    #[error("no smart-card reader is connected")]
    NoReaders,
    /// No connected reader matches the name asked for: the name, and the connected readers
    /// (comma-separated, or `none`).
    #[error("no reader matches {0:?}; connected readers: {1}")]
    NoSuchReader(String, String),
    /// No reader holds a card.
    #[error("no card is on any reader; place the document on the reader")]
    NoCard,
    /// [`Pcsc::wait_for_card`] gave up after the time given.
    #[error("no card arrived within {0:?}")]
    Timeout(Duration),
    /// Any other PC/SC failure, with the service's error in words.
    #[error("PC/SC error: {0}")]
    Other(String),
}

impl PcscError {
    /// Is it the environment rather than a failure: no PC/SC library, no service, no reader
    /// (or none of the name given), no card, or none within the time allowed? The CLI exits
    /// with code 4 for these.
    pub fn is_unavailable(&self) -> bool {
        match self {
            PcscError::NoLibrary { .. }
            | PcscError::NoService
            | PcscError::NoReaders
            | PcscError::NoSuchReader(..)
            | PcscError::NoCard
            | PcscError::Timeout(_) => true,
            PcscError::Other(_) => false,
        }
    }
}

/// A reader and what is on it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReaderInfo {
    /// The reader's name as PC/SC reports it (what [`Pcsc::connect`] takes).
    pub name: String,
    /// Is a card in the reader (or in its field)?
    pub card_present: bool,
    /// ATR of the card, when one is present.
    pub atr: Vec<u8>,
}

/// One reader's state for `SCardGetStatusChange`: `current` is what the caller knows, `event`
/// and `atr` what the service reports.
pub(crate) struct ReaderState {
    pub(crate) name: CString,
    pub(crate) current: u32,
    pub(crate) event: u32,
    pub(crate) atr: Vec<u8>,
}

impl ReaderState {
    fn unaware(name: CString) -> ReaderState {
        ReaderState {
            name,
            current: 0,
            event: 0,
            atr: Vec::new(),
        }
    }

    /// A card is in the reader and answered (not mute).
    fn card_present(&self) -> bool {
        self.event & status::SCARD_STATE_PRESENT != 0 && self.event & status::SCARD_STATE_MUTE == 0
    }
}

/// The reader `wanted` names: the one of exactly that name, else the first whose name contains
/// it.
fn match_reader<'a>(names: &'a [String], wanted: &str) -> Option<&'a str> {
    names
        .iter()
        .find(|n| n.as_str() == wanted)
        .or_else(|| names.iter().find(|n| n.contains(wanted)))
        .map(String::as_str)
}

fn no_such_reader(wanted: &str, names: &[String]) -> PcscError {
    let list = if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    };
    PcscError::NoSuchReader(wanted.to_string(), list)
}

/// The PC/SC service.
pub struct Pcsc {
    ctx: Arc<backend::Context>,
}

impl Pcsc {
    /// Connect to the PC/SC service (on Linux this loads the PC/SC library the first time).
    ///
    /// Errors: [`PcscError::NoLibrary`], [`PcscError::NoService`], or [`PcscError::Other`].
    pub fn establish() -> Result<Pcsc, PcscError> {
        Ok(Pcsc {
            ctx: backend::Context::establish()?,
        })
    }

    /// Every reader with its current state (empty when none is connected).
    fn reader_states(&self) -> Result<Vec<ReaderState>, PcscError> {
        // A reader unplugged between listing and asking its state: ask again.
        let mut last = 0;
        for _ in 0..3 {
            let names = match self.ctx.list_readers() {
                Ok(n) => n,
                Err(status::SCARD_E_NO_READERS_AVAILABLE) => return Ok(Vec::new()),
                Err(e) => return Err(status::pcsc_error(e)),
            };
            let mut states: Vec<ReaderState> =
                names.into_iter().map(ReaderState::unaware).collect();
            match self.ctx.get_status_change(Duration::ZERO, &mut states) {
                Ok(()) | Err(status::SCARD_E_TIMEOUT) => return Ok(states),
                Err(e @ (status::SCARD_E_UNKNOWN_READER | status::SCARD_E_READER_UNAVAILABLE)) => {
                    last = e
                }
                Err(e) => return Err(status::pcsc_error(e)),
            }
        }
        Err(status::pcsc_error(last))
    }

    /// All readers, with whether a card is present.
    pub fn readers(&self) -> Result<Vec<ReaderInfo>, PcscError> {
        Ok(self
            .reader_states()?
            .into_iter()
            .map(|s| {
                let present = s.card_present();
                ReaderInfo {
                    name: s.name.to_string_lossy().into_owned(),
                    card_present: present,
                    atr: if present { s.atr } else { Vec::new() },
                }
            })
            .collect())
    }

    /// The full name of the connected reader that `wanted` names (exactly, else as a part of
    /// the name), at once: [`PcscError::NoSuchReader`] with the connected readers when none
    /// matches. Call it before waiting for a card, so that a mistyped `--reader` fails at once.
    pub fn find_reader(&self, wanted: &str) -> Result<String, PcscError> {
        let names = self.reader_names()?;
        match_reader(&names, wanted)
            .map(str::to_string)
            .ok_or_else(|| no_such_reader(wanted, &names))
    }

    fn reader_names(&self) -> Result<Vec<String>, PcscError> {
        Ok(self.readers()?.into_iter().map(|r| r.name).collect())
    }

    /// Wait until a card is present on the reader (by exact name or part of it; `None`: any
    /// reader), at most `timeout`. Returns the reader's full name.
    ///
    /// Fails at once with [`PcscError::NoSuchReader`] when no connected reader matches
    /// `reader`, and with [`PcscError::NoReaders`] when `reader` is `None` and no reader is
    /// connected; with [`PcscError::Timeout`] when no card came in time.
    pub fn wait_for_card(
        &self,
        reader: Option<&str>,
        timeout: Duration,
    ) -> Result<String, PcscError> {
        let start = Instant::now();
        let target = match reader {
            Some(w) => Some(self.find_reader(w)?),
            None => None,
        };
        let mut first = true;
        loop {
            let mut states = self.reader_states()?;
            if first && target.is_none() && states.is_empty() {
                return Err(PcscError::NoReaders);
            }
            first = false;
            if let Some(t) = &target {
                states.retain(|s| s.name.as_bytes() == t.as_bytes());
            }
            if let Some(s) = states.iter().find(|s| s.card_present()) {
                return Ok(s.name.to_string_lossy().into_owned());
            }
            let remaining = timeout.saturating_sub(start.elapsed());
            if remaining.is_zero() {
                return Err(PcscError::Timeout(timeout));
            }
            // Slices of at most half a second, so that newly attached readers are seen too.
            let slice = remaining.min(Duration::from_millis(500));
            if states.is_empty() {
                std::thread::sleep(slice.min(Duration::from_millis(200)));
                continue;
            }
            for s in &mut states {
                s.current = s.event & !status::SCARD_STATE_CHANGED;
            }
            match self.ctx.get_status_change(slice, &mut states) {
                Ok(())
                | Err(
                    status::SCARD_E_TIMEOUT
                    | status::SCARD_E_UNKNOWN_READER
                    | status::SCARD_E_READER_UNAVAILABLE,
                ) => {}
                Err(e) => return Err(status::pcsc_error(e)),
            }
        }
    }

    /// Connect to the card on a reader (by name or part of it; `None`: the first reader with a
    /// card).
    pub fn connect(&self, reader: Option<&str>) -> Result<PcscTransport, PcscError> {
        let readers = self.readers()?;
        let name = match reader {
            Some(w) => {
                let names: Vec<String> = readers.iter().map(|r| r.name.clone()).collect();
                match_reader(&names, w)
                    .map(str::to_string)
                    .ok_or_else(|| no_such_reader(w, &names))?
            }
            None if readers.is_empty() => return Err(PcscError::NoReaders),
            None => readers
                .iter()
                .find(|r| r.card_present)
                .map(|r| r.name.clone())
                .ok_or(PcscError::NoCard)?,
        };
        let cname = CString::new(name.clone())
            .map_err(|_| PcscError::Other(format!("reader name {name:?} contains NUL")))?;
        let card = self.ctx.connect(&cname).map_err(status::pcsc_error)?;
        let atr = card.atr().unwrap_or_default();
        Ok(PcscTransport {
            card,
            reader: name,
            extended: atr::supports_extended_length(&atr),
            atr,
        })
    }
}

/// A card connected through PC/SC. Dropping it disconnects with a reset of the card.
pub struct PcscTransport {
    card: backend::Card,
    reader: String,
    atr: Vec<u8>,
    /// Extended length as the ATR tells it (`None`: the ATR says nothing).
    extended: Option<bool>,
}

impl PcscTransport {
    /// Reader name.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// The card's ATR (for contactless cards, the reader synthesises it from the ATS).
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    /// Override the extended-length capability (for example from EF.ATR/INFO).
    pub fn set_extended_length(&mut self, yes: bool) {
        self.extended = Some(yes);
    }

    /// Reconnect after the card left the field and came back (resets the card).
    pub fn reconnect(&mut self) -> Result<(), PcscError> {
        self.card.reconnect().map_err(status::pcsc_error)?;
        self.atr = self.card.atr().unwrap_or_default();
        Ok(())
    }

    fn raw_transmit(&self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if apdu.len() > MAX_BUFFER_SIZE_EXTENDED {
            return Err(TransportError::Other(format!(
                "a command APDU of {} bytes exceeds PC/SC's limit of {MAX_BUFFER_SIZE_EXTENDED}",
                apdu.len()
            )));
        }
        let resp = self.card.transmit(apdu).map_err(status::transport_error)?;
        checked_response(resp)
    }
}

/// A response must end in a status word; one without (empty, or a lone byte) means the card
/// went away mid-exchange.
fn checked_response(resp: Vec<u8>) -> Result<Vec<u8>, TransportError> {
    if resp.len() < 2 {
        Err(TransportError::CardRemoved)
    } else {
        Ok(resp)
    }
}

impl Transport for PcscTransport {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut resp = self.raw_transmit(apdu)?;
        // T=0 style "61xx: more data": collect it with GET RESPONSE (bounded).
        let mut data = Vec::new();
        for _ in 0..64 {
            let n = resp.len();
            if n < 2 || resp[n - 2] != 0x61 {
                break;
            }
            let le = resp[n - 1];
            data.extend_from_slice(&resp[..n - 2]);
            resp =
                self.raw_transmit(&[apdu.first().copied().unwrap_or(0) & 0x03, 0xC0, 0, 0, le])?;
        }
        if data.is_empty() {
            Ok(resp)
        } else {
            data.extend_from_slice(&resp);
            Ok(data)
        }
    }

    fn supports_extended_length(&self) -> bool {
        self.extended == Some(true)
    }

    /// Most contactless chips' ATRs (made by the reader from the ATS) say nothing about
    /// extended length: then the chip's EF.ATR/INFO decides, and the reader falls back to short
    /// APDUs if this reader refuses extended ones.
    fn may_support_extended_length(&self) -> bool {
        self.extended != Some(false)
    }

    /// Wait (up to 30 s) for the card to be back in the field and reconnect to it.
    fn reconnect(&mut self) -> Result<(), TransportError> {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            match PcscTransport::reconnect(self) {
                Ok(()) => return Ok(()),
                Err(PcscError::NoService) => {
                    return Err(TransportError::Other(PcscError::NoService.to_string()))
                }
                Err(_) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(300))
                }
                Err(_) => return Err(TransportError::CardRemoved),
            }
        }
    }
}

/// Name of a reader as a C string (for diagnostics).
pub fn reader_name(c: &CStr) -> String {
    c.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_reader_is_found_by_exact_name_before_a_part_of_one() {
        let readers = names(&["Virtual PCD 00 00", "Virtual PCD 00 01", "PCD"]);
        assert_eq!(match_reader(&readers, "PCD"), Some("PCD"));
        assert_eq!(match_reader(&readers, "00 01"), Some("Virtual PCD 00 01"));
        assert_eq!(match_reader(&readers, "Virtual"), Some("Virtual PCD 00 00"));
        assert_eq!(match_reader(&readers, "ACS"), None);
    }

    #[test]
    fn an_unknown_reader_lists_the_connected_ones() {
        let readers = names(&["Virtual PCD 00 00", "ACS ACR122U 00 00"]);
        let e = no_such_reader("Identiv", &readers);
        assert_eq!(
            e,
            PcscError::NoSuchReader(
                "Identiv".into(),
                "Virtual PCD 00 00, ACS ACR122U 00 00".into()
            )
        );
        assert_eq!(
            e.to_string(),
            "no reader matches \"Identiv\"; connected readers: Virtual PCD 00 00, ACS ACR122U 00 00"
        );
        assert_eq!(
            no_such_reader("Identiv", &[]),
            PcscError::NoSuchReader("Identiv".into(), "none".into())
        );
    }

    #[test]
    fn a_response_without_status_word_is_a_lost_card() {
        assert_eq!(checked_response(vec![]), Err(TransportError::CardRemoved));
        assert_eq!(
            checked_response(vec![0x90]),
            Err(TransportError::CardRemoved)
        );
        assert_eq!(checked_response(vec![0x90, 0x00]), Ok(vec![0x90, 0x00]));
        assert_eq!(
            checked_response(vec![1, 0x6A, 0x82]),
            Ok(vec![1, 0x6A, 0x82])
        );
    }

    #[test]
    fn environment_errors_are_unavailable_others_are_not() {
        for e in [
            PcscError::NoLibrary {
                library: "libpcsclite.so.1".into(),
                reason: "not found".into(),
            },
            PcscError::NoService,
            PcscError::NoReaders,
            PcscError::NoSuchReader("x".into(), "none".into()),
            PcscError::NoCard,
            PcscError::Timeout(Duration::from_secs(30)),
        ] {
            assert!(e.is_unavailable(), "{e}");
        }
        assert!(!PcscError::Other("sharing violation".into()).is_unavailable());
    }

    #[test]
    fn a_mute_card_is_not_present() {
        let mut s = ReaderState::unaware(CString::new("R").unwrap());
        s.event = 0x0001_0022; // counter 1, CHANGED | PRESENT
        assert!(s.card_present());
        s.event |= status::SCARD_STATE_MUTE;
        assert!(!s.card_present());
        s.event = 0x0012; // CHANGED | EMPTY
        assert!(!s.card_present());
    }
}

// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;
