//! The asynchronous read: the app's NFC link as an async foreign trait (Kotlin `suspend fun`,
//! Swift `async`), driven by the reader's sans-IO engine without any runtime of its own.

use crate::session::AccessKey;
use crate::{Document, EmrtdError, NfcError, ProgressListener, ReadOptions};
use emrtd_apdu::{AsyncTransport, TransportError};
use emrtd_reader::Progress;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Largest response accepted from the app (an extended-length response is at most 65538 bytes).
const MAX_RESPONSE: usize = 65_538;

/// The app's NFC link to the document, with suspending calls: Kotlin implements
/// `suspend fun transceive` over `IsoDep.transceive` (on `Dispatchers.IO`), Swift
/// `func transceive(apdu:) async throws` over `NFCISO7816Tag.sendCommand`.
#[uniffi::export(foreign)]
#[async_trait::async_trait]
pub trait AsyncNfcTransport: Send + Sync {
    /// Send one command APDU and return the whole response: data followed by SW1 SW2.
    /// Throw `NfcError.TagLost` when the document left the field, `NfcError.Io` otherwise.
    async fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, NfcError>;

    /// After a tag loss: wait (a few seconds at most) for the document to come back and
    /// connect to it; the read then re-runs access control and goes on where it stopped.
    /// Transports that cannot do this throw `NfcError.TagLost`.
    async fn reconnect(&self) -> Result<(), NfcError>;
}

/// Stops a read from another thread or task: `cancel()` makes the read stop at its next
/// exchange with the chip (or as soon as the exchange under way returns) and fail with
/// `EmrtdError.Cancelled`. A token stays cancelled: make a new one for the next read.
#[derive(Debug, Default, uniffi::Object)]
pub struct CancellationToken {
    cancelled: AtomicBool,
}

#[uniffi::export]
impl CancellationToken {
    /// A token that is not cancelled.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Ask the read to stop.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    /// Was `cancel` called?
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

/// [`AsyncNfcTransport`] seen as an [`AsyncTransport`], with the cancellation token checked
/// before and after every call into the app.
pub(crate) struct ForeignTransport {
    pub(crate) inner: Arc<dyn AsyncNfcTransport>,
    pub(crate) cancel: Option<Arc<CancellationToken>>,
    pub(crate) extended_length: bool,
}

impl ForeignTransport {
    pub(crate) fn check_cancelled(&self) -> Result<(), TransportError> {
        match &self.cancel {
            Some(token) if token.is_cancelled() => Err(TransportError::Cancelled),
            _ => Ok(()),
        }
    }
}

impl AsyncTransport for ForeignTransport {
    async fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.check_cancelled()?;
        let response = self.inner.transceive(apdu.to_vec()).await;
        self.check_cancelled()?;
        let response = response?;
        if response.len() > MAX_RESPONSE {
            return Err(TransportError::Other(format!(
                "the NFC transport returned {} bytes, more than any APDU response ({MAX_RESPONSE})",
                response.len()
            )));
        }
        Ok(response)
    }

    fn may_support_extended_length(&self) -> bool {
        self.extended_length
    }

    async fn reconnect(&mut self) -> Result<(), TransportError> {
        self.check_cancelled()?;
        let result = self.inner.reconnect().await;
        self.check_cancelled()?;
        Ok(result?)
    }
}

/// Open the chip (PACE, or BAC when the chip has no PACE), read EF.COM, EF.SOD and the data
/// groups, and run the chip's anti-cloning checks, suspending while the app's transport
/// exchanges APDUs. Resumes after a tag loss when the transport's `reconnect` brings the
/// document back. Fails with `EmrtdError.Cancelled` once the `cancel` token was cancelled; dropping the
/// call (Kotlin coroutine cancellation, Swift task cancellation) stops the read too and
/// cancels the transport call under way.
#[uniffi::export(default(options = None, listener = None, cancel = None))]
pub async fn read_document(
    transport: Arc<dyn AsyncNfcTransport>,
    key: Arc<AccessKey>,
    options: Option<ReadOptions>,
    listener: Option<Box<dyn ProgressListener>>,
    cancel: Option<Arc<CancellationToken>>,
) -> Result<Arc<Document>, EmrtdError> {
    let options = options.unwrap_or_default();
    let reader_options = options.to_reader()?;
    let doc = drive(
        transport,
        &key,
        &options,
        reader_options,
        listener.as_deref(),
        cancel,
        |c| emrtd_reader::Engine::new(c, rand_core::OsRng, emrtd_reader::SystemClock),
    )
    .await?;
    Ok(Arc::new(Document::new(doc)))
}

/// Run an engine made by `engine` (from the configuration of `key` and the options) over the
/// app's transport, with progress reports, the cancellation token and resumption.
pub(crate) async fn drive<T: Send + 'static>(
    transport: Arc<dyn AsyncNfcTransport>,
    key: &AccessKey,
    options: &ReadOptions,
    reader_options: emrtd_reader::ReadOptions,
    listener: Option<&dyn ProgressListener>,
    cancel: Option<Arc<CancellationToken>>,
    engine: impl FnOnce(emrtd_reader::EngineConfig) -> emrtd_reader::Engine<T>,
) -> Result<T, EmrtdError> {
    let mut transport = ForeignTransport {
        inner: transport,
        cancel: cancel.clone(),
        extended_length: options.extended_length,
    };
    let mut report = |p: Progress| {
        if let Some(l) = listener {
            if let Some(p) = crate::ReadProgress::of(p) {
                l.on_progress(p);
            }
        }
    };
    let config = emrtd_reader::EngineConfig::new(key.reader_key().clone(), reader_options)
        .link_extended_length(transport.may_support_extended_length());
    let result = emrtd_reader::read_async(&mut transport, engine(config), &mut report).await;
    let cancelled = cancel.as_ref().is_some_and(|t| t.is_cancelled());
    match result {
        Ok(out) => Ok(out),
        Err(_) if cancelled => Err(EmrtdError::Cancelled),
        Err(e) => Err(e.into()),
    }
}
