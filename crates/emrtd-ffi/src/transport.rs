//! The app's NFC link as an [`emrtd_apdu::Transport`].

use crate::NfcError;
use emrtd_apdu::{Transport, TransportError};
use std::sync::atomic::{AtomicBool, Ordering};

/// The app's NFC link to the document, implemented in Kotlin (Android `IsoDep`), Swift (iOS
/// `NFCISO7816Tag`) or Python.
///
/// Calls come from the thread that runs `ReadSession.read`; they may block.
#[uniffi::export(callback_interface)]
pub trait NfcTransport: Send + Sync {
    /// Send one command APDU and return the whole response: data followed by SW1 SW2.
    /// Throw `NfcError.TagLost` when the document left the field, `NfcError.Io` otherwise.
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, NfcError>;

    /// After a tag loss: wait (a few seconds at most) for the document to come back and connect
    /// to it, then return; the read re-runs access control and goes on where it stopped.
    /// Transports that cannot do this throw `NfcError.TagLost`.
    fn reconnect(&self) -> Result<(), NfcError>;
}

/// Largest response accepted from the app (an extended-length response is at most 65538 bytes).
const MAX_RESPONSE: usize = 65_538;

/// [`NfcTransport`] seen as a [`Transport`], with cancellation checked before every exchange.
pub(crate) struct CallbackTransport<'a> {
    pub inner: &'a dyn NfcTransport,
    pub cancelled: &'a AtomicBool,
    pub extended_length: bool,
}

impl CallbackTransport<'_> {
    fn check_cancelled(&self) -> Result<(), TransportError> {
        if self.cancelled.load(Ordering::SeqCst) {
            Err(TransportError::Cancelled)
        } else {
            Ok(())
        }
    }
}

impl Transport for CallbackTransport<'_> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.check_cancelled()?;
        let response = self.inner.transceive(apdu.to_vec())?;
        if response.len() > MAX_RESPONSE {
            return Err(TransportError::Other(format!(
                "the NFC transport returned {} bytes, more than any APDU response ({MAX_RESPONSE})",
                response.len()
            )));
        }
        Ok(response)
    }

    fn supports_extended_length(&self) -> bool {
        self.extended_length
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        self.check_cancelled()?;
        self.inner.reconnect()?;
        self.check_cancelled()
    }
}
