//! Set-ups shared by the bindings' async tests (`async_read.rs`, `remote.rs`): a minimal
//! executor, an async transport over a virtual card that can lose the tag and cancel, a progress
//! recorder.

// Each test file uses part of this module.
#![allow(dead_code)]

use emrtd_ffi::*;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake};

pub fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

/// The app's async NFC link: forwards to a virtual card, counts APDUs, can lose the tag once
/// (at APDU `lose_at`), come back on `reconnect` (when `can_reconnect`) and cancel a token.
pub struct AsyncForward {
    pub card: Arc<VirtualCard>,
    pub apdus: AtomicUsize,
    pub lose_at: Mutex<Option<usize>>,
    pub can_reconnect: bool,
    pub reconnects: AtomicUsize,
    pub cancel_at: Option<(usize, Arc<CancellationToken>)>,
}

impl AsyncForward {
    pub fn new(card: Arc<VirtualCard>) -> Self {
        AsyncForward {
            card,
            apdus: AtomicUsize::new(0),
            lose_at: Mutex::new(None),
            can_reconnect: false,
            reconnects: AtomicUsize::new(0),
            cancel_at: None,
        }
    }
}

#[async_trait::async_trait]
impl AsyncNfcTransport for AsyncForward {
    async fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, NfcError> {
        let n = self.apdus.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some((at, token)) = &self.cancel_at {
            if *at == n {
                token.cancel();
            }
        }
        let lose = self.lose_at.lock().unwrap().take_if(|at| *at == n);
        if lose.is_some() {
            self.card.reset();
            return Err(NfcError::TagLost);
        }
        self.card.transceive(apdu)
    }

    async fn reconnect(&self) -> Result<(), NfcError> {
        self.reconnects.fetch_add(1, Ordering::SeqCst);
        if self.can_reconnect {
            self.card.reset();
            Ok(())
        } else {
            Err(NfcError::TagLost)
        }
    }
}

/// Records every progress report.
#[derive(Clone, Default)]
pub struct Events(pub Arc<Mutex<Vec<ReadProgress>>>);

impl ProgressListener for Events {
    fn on_progress(&self, progress: ReadProgress) {
        self.0.lock().unwrap().push(progress);
    }
}

pub fn can(text: &str) -> Arc<AccessKey> {
    AccessKey::from_can(text.into()).unwrap()
}
