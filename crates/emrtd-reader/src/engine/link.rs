//! The engine's only way to the chip: a slot shared between the read procedure (an `async fn`)
//! and the [`Engine`](super::Engine). `exchange(apdu).await` parks the APDU in the slot and
//! yields; the engine hands it out as [`Event::Transmit`](super::Event::Transmit) and puts
//! the driver's answer back; the next poll returns it. No executor, no IO.

use crate::report::Progress;
use emrtd_apdu::TransportError;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

/// What the procedure waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Request {
    /// Send these bytes to the chip.
    Transmit(Vec<u8>),
    /// The card was lost: reconnect (attempt `attempt` of `max`).
    Reconnect { attempt: usize, max: usize },
}

/// The driver's answer to a [`Request`].
#[derive(Debug)]
pub(crate) enum Answer {
    Response(Vec<u8>),
    Failed(TransportError),
    Resumed,
}

#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub request: Option<Request>,
    pub answer: Option<Answer>,
    pub notes: VecDeque<Progress>,
}

/// The procedure's end of the slot.
#[derive(Debug, Clone, Default)]
pub(crate) struct Link(Arc<Mutex<Shared>>);

impl Link {
    pub fn lock(&self) -> MutexGuard<'_, Shared> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Send raw command bytes; the raw response (data + SW1 SW2) or the link's failure.
    pub async fn exchange(&self, apdu: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        match self.wait(Request::Transmit(apdu)).await {
            Answer::Response(bytes) => Ok(bytes),
            Answer::Failed(e) => Err(e),
            Answer::Resumed => Err(TransportError::Other(
                "the driver answered a command with resume()".into(),
            )),
        }
    }

    /// Ask the driver to reconnect to the card.
    pub async fn reconnect(&self, attempt: usize, max: usize) -> Result<(), TransportError> {
        match self.wait(Request::Reconnect { attempt, max }).await {
            Answer::Resumed => Ok(()),
            Answer::Failed(e) => Err(e),
            Answer::Response(_) => Err(TransportError::Other(
                "the driver answered a reconnect request with a response".into(),
            )),
        }
    }

    /// Queue a progress report (handed out before the next request).
    pub fn note(&self, p: Progress) {
        self.lock().notes.push_back(p);
    }

    fn wait(&self, request: Request) -> Wait<'_> {
        Wait {
            link: self,
            request: Some(request),
        }
    }
}

/// Pending until the driver answers the request.
struct Wait<'a> {
    link: &'a Link,
    request: Option<Request>,
}

impl Future for Wait<'_> {
    type Output = Answer;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Answer> {
        let request = self.request.take();
        let mut shared = self.link.lock();
        if let Some(r) = request {
            shared.request = Some(r);
            shared.answer = None;
            return Poll::Pending;
        }
        match shared.answer.take() {
            Some(a) => {
                shared.request = None;
                Poll::Ready(a)
            }
            None => Poll::Pending,
        }
    }
}
