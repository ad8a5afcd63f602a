//! pcsclite loaded at run time (Linux and the other Unix systems but macOS).
//!
//! `libpcsclite.so.1` (or the file named by `EMRTD_PCSC_LIBRARY`) is opened with `dlopen` the
//! first time PC/SC is used, so building needs neither pkg-config nor the pcsclite headers, and a
//! program that never touches a reader never loads it. The declarations below follow pcsclite's
//! public headers (`pcsclite.h`, `winscard.h`) for these systems:
//!
//! - `DWORD` is `unsigned long` and `LONG` is `long` (8 bytes each on 64-bit Linux, 4 on 32-bit);
//!   `SCARDCONTEXT` and `SCARDHANDLE` are `LONG`;
//! - `SCARD_READERSTATE` is `{ const char *szReader; void *pvUserData; DWORD dwCurrentState;
//!   DWORD dwEventState; DWORD cbAtr; unsigned char rgbAtr[33]; }` with natural alignment (only
//!   macOS packs it, and macOS uses its own framework);
//! - `SCARD_IO_REQUEST` is `{ DWORD dwProtocol; DWORD cbPciLength; }`; instead of reading the
//!   exported `g_rgSCardT0Pci`/`g_rgSCardT1Pci` we build the same value for the active protocol;
//! - status codes are `LONG`s holding 32-bit values (`(LONG)0x8010xxxx`): the low 32 bits are
//!   the code on every width.
//!
//! All `unsafe` of the crate is in this module.

use crate::status::{self, SCARD_E_INSUFFICIENT_BUFFER, SCARD_E_INVALID_PARAMETER};
use crate::{PcscError, ReaderState, MAX_BUFFER_SIZE_EXTENDED};
use libloading::Library;
use std::ffi::{c_char, c_long, c_ulong, c_void, CStr, CString, OsStr, OsString};
use std::mem::{offset_of, size_of};
use std::ptr::{null, null_mut};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

type Dword = c_ulong;
type Long = c_long;
type ScardContext = Long;
type ScardHandle = Long;

const MAX_ATR_SIZE: usize = 33;
const SCARD_S_SUCCESS: Long = 0;
const SCARD_SCOPE_USER: Dword = 0x0000;
const SCARD_SHARE_SHARED: Dword = 0x0002;
const SCARD_PROTOCOL_T0: Dword = 0x0001;
const SCARD_PROTOCOL_T1: Dword = 0x0002;
const SCARD_RESET_CARD: Dword = 0x0001;
/// Upper bound on the reader-name list we accept (pcsclite allows 16 readers of 128 bytes).
const MAX_READER_LIST: usize = 64 * 1024;

/// `SCARD_READERSTATE` of pcsclite (not packed on these systems).
#[repr(C)]
struct ScardReaderState {
    sz_reader: *const c_char,
    pv_user_data: *mut c_void,
    dw_current_state: Dword,
    dw_event_state: Dword,
    cb_atr: Dword,
    rgb_atr: [u8; MAX_ATR_SIZE],
}

/// `SCARD_IO_REQUEST`.
#[repr(C)]
struct ScardIoRequest {
    dw_protocol: Dword,
    cb_pci_length: Dword,
}

// The layout pcsclite compiles with: pointers first, then three DWORDs, then the ATR bytes,
// padded to the alignment of DWORD (80 bytes on x86_64 Linux).
const _: () = {
    let p = size_of::<*const c_void>();
    let d = size_of::<Dword>();
    assert!(offset_of!(ScardReaderState, dw_current_state) == 2 * p);
    assert!(offset_of!(ScardReaderState, rgb_atr) == 2 * p + 3 * d);
    assert!(size_of::<ScardReaderState>() == (2 * p + 3 * d + MAX_ATR_SIZE).div_ceil(d) * d);
    assert!(size_of::<ScardIoRequest>() == 2 * d);
};
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
const _: () = assert!(size_of::<ScardReaderState>() == 80 && size_of::<Dword>() == 8);

type EstablishContextFn =
    unsafe extern "C" fn(Dword, *const c_void, *const c_void, *mut ScardContext) -> Long;
type ReleaseContextFn = unsafe extern "C" fn(ScardContext) -> Long;
type ListReadersFn =
    unsafe extern "C" fn(ScardContext, *const c_char, *mut c_char, *mut Dword) -> Long;
type GetStatusChangeFn =
    unsafe extern "C" fn(ScardContext, Dword, *mut ScardReaderState, Dword) -> Long;
type ConnectFn = unsafe extern "C" fn(
    ScardContext,
    *const c_char,
    Dword,
    Dword,
    *mut ScardHandle,
    *mut Dword,
) -> Long;
type ReconnectFn = unsafe extern "C" fn(ScardHandle, Dword, Dword, Dword, *mut Dword) -> Long;
type DisconnectFn = unsafe extern "C" fn(ScardHandle, Dword) -> Long;
type TransmitFn = unsafe extern "C" fn(
    ScardHandle,
    *const ScardIoRequest,
    *const u8,
    Dword,
    *mut ScardIoRequest,
    *mut u8,
    *mut Dword,
) -> Long;
type StatusFn = unsafe extern "C" fn(
    ScardHandle,
    *mut c_char,
    *mut Dword,
    *mut Dword,
    *mut Dword,
    *mut u8,
    *mut Dword,
) -> Long;

/// The entry points of a loaded pcsclite. The function pointers stay valid while `_library`
/// is alive; the one instance in use lives in a `static` and is never dropped.
pub(crate) struct Api {
    establish_context: EstablishContextFn,
    release_context: ReleaseContextFn,
    list_readers: ListReadersFn,
    get_status_change: GetStatusChangeFn,
    connect: ConnectFn,
    reconnect: ReconnectFn,
    disconnect: DisconnectFn,
    transmit: TransmitFn,
    status: StatusFn,
    _library: Library,
}

/// The file loaded when `EMRTD_PCSC_LIBRARY` is not set (pcsclite's run-time package:
/// Debian/Ubuntu `libpcsclite1`, Fedora `pcsc-lite-libs`).
pub const DEFAULT_LIBRARY: &str = "libpcsclite.so.1";

fn library_path() -> OsString {
    std::env::var_os(crate::LIBRARY_ENV)
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| DEFAULT_LIBRARY.into())
}

/// The library, loaded on first use (once per process; a failure is remembered too).
fn api() -> Result<&'static Api, PcscError> {
    static API: OnceLock<Result<Api, PcscError>> = OnceLock::new();
    API.get_or_init(|| Api::load(&library_path()))
        .as_ref()
        .map_err(Clone::clone)
}

impl Api {
    /// Open `path` (a file name is looked up by the dynamic loader) and find every function.
    pub(crate) fn load(path: &OsStr) -> Result<Api, PcscError> {
        let missing = |reason: String| PcscError::NoLibrary {
            library: path.to_string_lossy().into_owned(),
            reason,
        };
        // SAFETY: loading a shared library runs its initialisers. We load the PC/SC client
        // library (or the one the user names in EMRTD_PCSC_LIBRARY, taking responsibility
        // for it); pcsclite's initialisation has no preconditions on the calling program.
        let library = unsafe { Library::new(path) }.map_err(|e| missing(e.to_string()))?;
        /// SAFETY (for every use): `T` must be the exact C signature of the symbol.
        unsafe fn symbol<T: Copy>(
            library: &Library,
            name: &str,
            missing: &dyn Fn(String) -> PcscError,
        ) -> Result<T, PcscError> {
            let mut cname = Vec::with_capacity(name.len() + 1);
            cname.extend_from_slice(name.as_bytes());
            cname.push(0);
            // SAFETY: the caller guarantees that `T` matches the symbol's type; the pointer
            // is copied out and used only while the library stays loaded (see `Api`).
            unsafe { library.get::<T>(&cname) }
                .map(|s| *s)
                .map_err(|e| missing(format!("it has no {name} ({e}); is it pcsclite?")))
        }
        // SAFETY: each type alias above transcribes the prototype in pcsclite's winscard.h
        // with this platform's DWORD/LONG widths.
        unsafe {
            Ok(Api {
                establish_context: symbol(&library, "SCardEstablishContext", &missing)?,
                release_context: symbol(&library, "SCardReleaseContext", &missing)?,
                list_readers: symbol(&library, "SCardListReaders", &missing)?,
                get_status_change: symbol(&library, "SCardGetStatusChange", &missing)?,
                connect: symbol(&library, "SCardConnect", &missing)?,
                reconnect: symbol(&library, "SCardReconnect", &missing)?,
                disconnect: symbol(&library, "SCardDisconnect", &missing)?,
                transmit: symbol(&library, "SCardTransmit", &missing)?,
                status: symbol(&library, "SCardStatus", &missing)?,
                _library: library,
            })
        }
    }
}

/// The low 32 bits of a PC/SC return value: the status code on every `long` width.
fn code(rv: Long) -> u32 {
    rv as u32
}

fn check(rv: Long) -> Result<(), u32> {
    if rv == SCARD_S_SUCCESS {
        Ok(())
    } else {
        Err(code(rv))
    }
}

/// A length for the C side, or `SCARD_E_INVALID_PARAMETER` if it does not fit.
fn dword(n: usize) -> Result<Dword, u32> {
    Dword::try_from(n).map_err(|_| SCARD_E_INVALID_PARAMETER)
}

/// A `SCARD_READERSTATE` multi-string: names separated by NUL, ended by an empty name.
/// Anything after the first empty name (or a missing final NUL) is tolerated.
fn parse_multi_string(bytes: &[u8]) -> Vec<CString> {
    bytes
        .split(|&b| b == 0)
        .take_while(|name| !name.is_empty())
        .filter_map(|name| CString::new(name).ok())
        .collect()
}

/// A PC/SC context (`SCardEstablishContext`), released on drop.
pub(crate) struct Context {
    api: &'static Api,
    handle: ScardContext,
}

impl Context {
    pub(crate) fn establish() -> Result<Arc<Context>, PcscError> {
        let api = api()?;
        let mut handle: ScardContext = 0;
        // SAFETY: the reserved pointers may be NULL; `handle` is a valid out-pointer.
        let rv = unsafe { (api.establish_context)(SCARD_SCOPE_USER, null(), null(), &mut handle) };
        check(rv).map_err(status::pcsc_error)?;
        Ok(Arc::new(Context { api, handle }))
    }

    /// Reader names (`SCARD_E_NO_READERS_AVAILABLE` when there are none).
    pub(crate) fn list_readers(&self) -> Result<Vec<CString>, u32> {
        // Readers may come between the two calls: then the second says the buffer is short.
        for _ in 0..4 {
            let mut len: Dword = 0;
            // SAFETY: a NULL buffer asks for the needed length, written to `len`.
            check(unsafe { (self.api.list_readers)(self.handle, null(), null_mut(), &mut len) })?;
            let n = usize::try_from(len)
                .unwrap_or(MAX_READER_LIST)
                .min(MAX_READER_LIST);
            if n == 0 {
                return Ok(Vec::new());
            }
            let mut buf = vec![0u8; n];
            let mut len = dword(n)?;
            // SAFETY: `buf` has `len` writable bytes; pcsclite writes at most `len` bytes and
            // stores the length used in `len`.
            let rv = unsafe {
                (self.api.list_readers)(
                    self.handle,
                    null(),
                    buf.as_mut_ptr().cast::<c_char>(),
                    &mut len,
                )
            };
            match check(rv) {
                Err(SCARD_E_INSUFFICIENT_BUFFER) => continue,
                Err(e) => return Err(e),
                Ok(()) => {}
            }
            let used = usize::try_from(len).unwrap_or(n).min(n);
            return Ok(parse_multi_string(&buf[..used]));
        }
        Err(SCARD_E_INSUFFICIENT_BUFFER)
    }

    /// `SCardGetStatusChange` over `states` (their `current` in, `event` and `atr` out).
    pub(crate) fn get_status_change(
        &self,
        timeout: Duration,
        states: &mut [ReaderState],
    ) -> Result<(), u32> {
        if states.is_empty() {
            return Ok(());
        }
        let mut raw: Vec<ScardReaderState> = states
            .iter()
            .map(|s| ScardReaderState {
                sz_reader: s.name.as_ptr(),
                pv_user_data: null_mut(),
                dw_current_state: Dword::from(s.current),
                dw_event_state: 0,
                cb_atr: 0,
                rgb_atr: [0; MAX_ATR_SIZE],
            })
            .collect();
        // Milliseconds, below INFINITE (0xFFFFFFFF): the wait is always bounded.
        let ms = Dword::try_from(timeout.as_millis().min(0xFFFF_FFFE)).unwrap_or(0xFFFF_FFFE);
        let count = dword(raw.len())?;
        // SAFETY: `raw` holds `count` initialised structures of pcsclite's layout; each
        // `sz_reader` points into a `CString` of `states`, borrowed for the whole call.
        let rv = unsafe { (self.api.get_status_change)(self.handle, ms, raw.as_mut_ptr(), count) };
        // Copied whatever the outcome (a timeout still reports the states); bounded either way.
        for (s, r) in states.iter_mut().zip(&raw) {
            // State bits and event counter fit in 32 bits.
            s.event = (r.dw_event_state & 0xFFFF_FFFF) as u32;
            let n = usize::try_from(r.cb_atr).unwrap_or(0).min(MAX_ATR_SIZE);
            s.atr = r.rgb_atr[..n].to_vec();
        }
        check(rv)
    }

    /// Connect (shared, T=0 or T=1) to the card on `reader`.
    pub(crate) fn connect(self: &Arc<Self>, reader: &CStr) -> Result<Card, u32> {
        let mut handle: ScardHandle = 0;
        let mut protocol: Dword = 0;
        // SAFETY: `reader` is NUL-terminated and outlives the call; both out-pointers are
        // valid.
        let rv = unsafe {
            (self.api.connect)(
                self.handle,
                reader.as_ptr(),
                SCARD_SHARE_SHARED,
                SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                &mut handle,
                &mut protocol,
            )
        };
        check(rv)?;
        Ok(Card {
            context: Arc::clone(self),
            handle,
            protocol,
        })
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: `handle` came from SCardEstablishContext and is released once; every
        // `Card` holds an `Arc` of its context, so none outlives it.
        let _ = unsafe { (self.api.release_context)(self.handle) };
    }
}

/// A connection to a card (`SCardConnect`), disconnected with a reset on drop (so that no
/// other program inherits the secure-messaging session).
pub(crate) struct Card {
    context: Arc<Context>,
    handle: ScardHandle,
    protocol: Dword,
}

impl Card {
    /// Send a command APDU; the response (data and status word) as the card sent it.
    pub(crate) fn transmit(&self, apdu: &[u8]) -> Result<Vec<u8>, u32> {
        let pci = ScardIoRequest {
            dw_protocol: self.protocol,
            cb_pci_length: dword(size_of::<ScardIoRequest>())?,
        };
        let mut buf = vec![0u8; MAX_BUFFER_SIZE_EXTENDED];
        let mut len = dword(buf.len())?;
        let send_len = dword(apdu.len())?;
        // SAFETY: `pci` is a valid SCARD_IO_REQUEST; `apdu` has `send_len` readable bytes;
        // `buf` has `len` writable bytes and pcsclite writes at most that many, storing the
        // count in `len`; a NULL receive PCI is allowed.
        let rv = unsafe {
            (self.context.api.transmit)(
                self.handle,
                &pci,
                apdu.as_ptr(),
                send_len,
                null_mut(),
                buf.as_mut_ptr(),
                &mut len,
            )
        };
        check(rv)?;
        buf.truncate(usize::try_from(len).unwrap_or(0));
        Ok(buf)
    }

    /// Reconnect with a reset of the card.
    pub(crate) fn reconnect(&mut self) -> Result<(), u32> {
        let mut protocol: Dword = 0;
        // SAFETY: `protocol` is a valid out-pointer; the handle is ours.
        let rv = unsafe {
            (self.context.api.reconnect)(
                self.handle,
                SCARD_SHARE_SHARED,
                SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                SCARD_RESET_CARD,
                &mut protocol,
            )
        };
        check(rv)?;
        self.protocol = protocol;
        Ok(())
    }

    /// The card's ATR (`SCardStatus`).
    pub(crate) fn atr(&self) -> Result<Vec<u8>, u32> {
        let mut name_len: Dword = 0;
        let mut state: Dword = 0;
        let mut protocol: Dword = 0;
        let mut atr = [0u8; MAX_ATR_SIZE];
        let mut atr_len = dword(atr.len())?;
        // SAFETY: a NULL reader-name buffer asks for no name (its length goes to `name_len`);
        // `atr` has `atr_len` writable bytes; all other pointers are valid out-pointers.
        let rv = unsafe {
            (self.context.api.status)(
                self.handle,
                null_mut(),
                &mut name_len,
                &mut state,
                &mut protocol,
                atr.as_mut_ptr(),
                &mut atr_len,
            )
        };
        check(rv)?;
        let n = usize::try_from(atr_len).unwrap_or(0).min(MAX_ATR_SIZE);
        Ok(atr[..n].to_vec())
    }
}

impl Drop for Card {
    fn drop(&mut self) {
        // SAFETY: the handle came from SCardConnect and is disconnected once; its context is
        // still established (we hold an `Arc` of it).
        let _ = unsafe { (self.context.api.disconnect)(self.handle, SCARD_RESET_CARD) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_library_names_the_packages_to_install() {
        let path = OsStr::new("/nonexistent/emrtd-test/libpcsclite.so.1");
        let err = Api::load(path).err().expect("loading a missing file fails");
        match &err {
            PcscError::NoLibrary { library, reason } => {
                assert_eq!(library, "/nonexistent/emrtd-test/libpcsclite.so.1");
                assert!(!reason.is_empty());
            }
            other => panic!("unexpected {other:?}"),
        }
        let text = err.to_string();
        assert!(
            text.contains("libpcsclite1") && text.contains("pcscd"),
            "{text}"
        );
        assert!(
            text.contains("pcsc-lite-libs") && text.contains("pcsc-lite"),
            "{text}"
        );
        assert!(text.contains("EMRTD_PCSC_LIBRARY"), "{text}");
        assert!(!text.contains('\n'));
        assert!(err.is_unavailable());
    }

    #[test]
    fn a_library_without_pcsc_functions_is_refused() {
        // The C library is loaded in every process here, and has no SCard functions.
        let err = Api::load(OsStr::new("libc.so.6"))
            .err()
            .expect("not pcsclite");
        match err {
            PcscError::NoLibrary { library, reason } => {
                assert_eq!(library, "libc.so.6");
                assert!(reason.contains("SCardEstablishContext"), "{reason}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn reader_lists_parse_and_hostile_ones_do_not_overrun() {
        assert_eq!(
            parse_multi_string(b"Reader A 00 00\0Virtual PCD 00 01\0\0"),
            vec![
                CString::new("Reader A 00 00").unwrap(),
                CString::new("Virtual PCD 00 01").unwrap()
            ]
        );
        assert!(parse_multi_string(b"").is_empty());
        assert!(parse_multi_string(b"\0").is_empty());
        assert!(parse_multi_string(b"\0\0Hidden\0").is_empty());
        // No terminating NULs at all: the name still comes out whole, nothing more.
        assert_eq!(
            parse_multi_string(b"Unterminated"),
            vec![CString::new("Unterminated").unwrap()]
        );
    }

    #[test]
    fn status_codes_are_the_low_32_bits() {
        // `(LONG)0x80100069`: zero-extended where `long` has 64 bits, negative where 32.
        assert_eq!(code(0x8010_0069u32 as Long), 0x8010_0069);
        assert_eq!(code(0x8010_0069u32 as i32 as Long), 0x8010_0069);
        assert_eq!(check(0), Ok(()));
        assert_eq!(check(0x8010_000Au32 as Long), Err(0x8010_000A));
    }
}
