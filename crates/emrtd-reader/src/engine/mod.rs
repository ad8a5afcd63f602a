//! The read engine: a sans-IO state machine over APDUs.
//!
//! ```text
//! driver                          Engine                      read procedure (async fn)
//!   next_event() ───────────────▶ poll the procedure ───────▶ runs until it needs the chip
//!   ◀── Event::Transmit(apdu) ─── the parked APDU ◀────────── link.exchange(apdu).await
//!   feed_response(bytes) ───────▶ answer in the slot
//!   next_event() ───────────────▶ poll again ───────────────▶ exchange returns the bytes …
//!   ◀── Event::Done(report) ───── the procedure's result
//! ```
//!
//! The procedure (the read of a whole document, `engine/read.rs`, or any closure over a
//! [`Channel`])
//! is written as ordinary `async` code; the compiler turns it into the state machine. The
//! engine polls it with a no-op waker: nothing runs in the background, nothing sleeps, nothing
//! does IO. Randomness and time come in through [`Engine::new`].

mod channel;
mod link;
mod read;

pub use channel::{Channel, LDS1_AID, MAX_FILE_SIZE, MAX_RESUMES};

use crate::report::{AccessKey, Document, Progress, ReadOptions};
use crate::{EfId, ReadError};
use emrtd_apdu::TransportError;
use link::{Answer, Link, Request};
use rand_core::{CryptoRng, CryptoRngCore, RngCore};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Where the engine gets "now" from (Unix seconds, UTC).
pub trait Clock {
    /// The current time, Unix seconds (UTC).
    fn now(&self) -> i64;

    /// The current time, Unix milliseconds (UTC): times each command against the per-command
    /// budget ([`ReadOptions::command_budget`]). The default has the resolution of
    /// [`Clock::now`] (whole seconds); clocks that can tell milliseconds should say them.
    fn now_millis(&self) -> i64 {
        self.now().saturating_mul(1000)
    }
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }

    fn now_millis(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock that always says the same time (replays, tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0
    }
}

/// What to read, with which key, over what kind of link.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The key that opens the chip.
    pub key: AccessKey,
    /// Files, block size, extended length.
    pub options: ReadOptions,
    /// The link might carry extended-length APDUs ([`emrtd_apdu::Transport::may_support_extended_length`]):
    /// then EF.ATR/INFO is read and extended length used where the chip announces it.
    pub link_may_support_extended_length: bool,
}

impl EngineConfig {
    /// A read with `key` and `options` over a link that carries only short APDUs.
    pub fn new(key: AccessKey, options: ReadOptions) -> Self {
        EngineConfig {
            key,
            options,
            link_may_support_extended_length: false,
        }
    }

    /// Say whether the link might carry extended-length APDUs.
    #[must_use]
    pub fn link_extended_length(mut self, may: bool) -> Self {
        self.link_may_support_extended_length = may;
        self
    }
}

/// The result of a read: the document, or a typed error saying what to do.
pub type Report = Result<Document, ReadError>;

/// What the engine needs from its driver, or tells it.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<T = Document> {
    /// Send these bytes to the chip; answer with [`Engine::feed_response`], or
    /// [`Engine::card_lost`] / [`Engine::feed_error`] when the link failed.
    Transmit(Vec<u8>),
    /// `bytes` of `total` of `file` are read (`bytes == total`: the file is complete).
    Progress {
        /// The file.
        file: EfId,
        /// Bytes read so far.
        bytes: usize,
        /// The file's length.
        total: usize,
    },
    /// A step of the read, for displays: opening, opened, resumed.
    Notice(Progress),
    /// The card left the field (attempt `attempt` of `max`): reconnect, then call
    /// [`Engine::resume`] (or [`Engine::reconnect_failed`]).
    Reconnect {
        /// This is the `attempt`-th loss of the read.
        attempt: usize,
        /// How many losses the read survives.
        max: usize,
    },
    /// The read is over.
    Done(Result<T, ReadError>),
}

/// A driver called the engine out of turn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// A response or link error was fed while no [`Event::Transmit`] was waiting for one.
    #[error("the engine is not waiting for a response: call next_event() and answer its Transmit")]
    NoCommandPending,
    /// `resume` or `reconnect_failed` was called while no [`Event::Reconnect`] was waiting.
    #[error(
        "the engine is not waiting for a reconnect: answer only an Event::Reconnect with resume()"
    )]
    NoReconnectPending,
}

/// The injected random number generator, shared by every protocol step of one read.
#[derive(Clone)]
pub(crate) struct SharedRng(Arc<Mutex<Box<dyn CryptoRngCore + Send>>>);

impl std::fmt::Debug for SharedRng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedRng")
    }
}

impl SharedRng {
    fn with<R>(&self, f: impl FnOnce(&mut dyn CryptoRngCore) -> R) -> R {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(g.as_mut())
    }
}

impl RngCore for SharedRng {
    fn next_u32(&mut self) -> u32 {
        self.with(|r| r.next_u32())
    }
    fn next_u64(&mut self) -> u64 {
        self.with(|r| r.next_u64())
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.with(|r| r.fill_bytes(dest));
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.with(|r| r.try_fill_bytes(dest))
    }
}

impl CryptoRng for SharedRng {}

type Procedure<T> = Pin<Box<dyn Future<Output = Result<T, ReadError>> + Send>>;

/// A read (or any procedure over a [`Channel`]) as a state machine: ask it for the next
/// [`Event`], answer what it asks.
pub struct Engine<T = Document> {
    link: Link,
    procedure: Option<Procedure<T>>,
    done: Option<Result<T, ReadError>>,
}

impl<T> std::fmt::Debug for Engine<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("running", &self.procedure.is_some())
            .finish_non_exhaustive()
    }
}

impl Engine<Document> {
    /// A whole read: access control, EF.COM, Chip Authentication,
    /// the files, Active Authentication. `rng` draws every nonce and ephemeral key; `clock`
    /// dates the report.
    pub fn new(
        config: EngineConfig,
        rng: impl CryptoRngCore + Send + 'static,
        clock: impl Clock + Send + 'static,
    ) -> Self {
        Engine::with_procedure(config, rng, clock, read::read)
    }
}

impl Engine<std::collections::BTreeMap<crate::EfId, Vec<u8>>> {
    /// The first read of a remote verification: opens the chip and returns EF.CardAccess,
    /// DG14 and DG15 (those the chip has), from which the verifier chooses its chip proof.
    /// No Chip or Active Authentication runs.
    pub fn proof_files(
        config: EngineConfig,
        rng: impl CryptoRngCore + Send + 'static,
        clock: impl Clock + Send + 'static,
    ) -> Self {
        Engine::with_procedure(config, rng, clock, read::proof_files)
    }
}

impl<T: Send + 'static> Engine<T> {
    /// An engine running `procedure` over a [`Channel`] to the chip (for tools and tests that
    /// need single protocol steps; every APDU still leaves through [`Event::Transmit`]).
    pub fn with_procedure<F, Fut>(
        config: EngineConfig,
        rng: impl CryptoRngCore + Send + 'static,
        clock: impl Clock + Send + 'static,
        procedure: F,
    ) -> Self
    where
        F: FnOnce(Channel) -> Fut,
        Fut: Future<Output = Result<T, ReadError>> + Send + 'static,
    {
        let link = Link::default();
        let rng = SharedRng(Arc::new(Mutex::new(Box::new(rng))));
        let channel = Channel::new(config, link.clone(), rng, Box::new(clock));
        Engine {
            link,
            procedure: Some(Box::pin(procedure(channel))),
            done: None,
        }
    }

    /// The next thing to do. `None` once [`Event::Done`] was handed out. While a
    /// [`Event::Transmit`] or [`Event::Reconnect`] is unanswered, it is handed out again.
    pub fn next_event(&mut self) -> Option<Event<T>> {
        loop {
            {
                let mut shared = self.link.lock();
                if let Some(p) = shared.notes.pop_front() {
                    return Some(event_of(p));
                }
                if let Some(done) = self.done.take() {
                    return Some(Event::Done(done));
                }
                if shared.answer.is_none() {
                    match &shared.request {
                        Some(Request::Transmit(apdu)) => {
                            return Some(Event::Transmit(apdu.clone()))
                        }
                        Some(Request::Reconnect { attempt, max }) => {
                            return Some(Event::Reconnect {
                                attempt: *attempt,
                                max: *max,
                            })
                        }
                        None => {}
                    }
                }
            }
            let procedure = self.procedure.as_mut()?;
            let mut cx = Context::from_waker(Waker::noop());
            match procedure.as_mut().poll(&mut cx) {
                Poll::Ready(result) => {
                    self.procedure = None;
                    self.done = Some(result);
                }
                Poll::Pending => {
                    let shared = self.link.lock();
                    if shared.request.is_none() && shared.notes.is_empty() {
                        // Only the link can make the procedure wait; anything else is a bug
                        // that must end the read rather than hang it.
                        drop(shared);
                        self.procedure = None;
                        self.done = Some(Err(ReadError::Malformed(
                            "the read procedure stopped without asking for anything".into(),
                        )));
                    }
                }
            }
        }
    }

    /// The chip's response (data + SW1 SW2) to the last [`Event::Transmit`].
    pub fn feed_response(&mut self, response: Vec<u8>) -> Result<(), EngineError> {
        self.answer_command(Answer::Response(response))
    }

    /// The card left the field while the last [`Event::Transmit`] was under way.
    pub fn card_lost(&mut self) -> Result<(), EngineError> {
        self.feed_error(TransportError::CardRemoved)
    }

    /// The link failed the last [`Event::Transmit`] (timeout, reader error, cancellation).
    pub fn feed_error(&mut self, error: TransportError) -> Result<(), EngineError> {
        self.answer_command(Answer::Failed(error))
    }

    /// The card is back after an [`Event::Reconnect`].
    pub fn resume(&mut self) -> Result<(), EngineError> {
        self.answer_reconnect(Answer::Resumed)
    }

    /// The card did not come back after an [`Event::Reconnect`]: the read ends with `error`.
    pub fn reconnect_failed(&mut self, error: TransportError) -> Result<(), EngineError> {
        self.answer_reconnect(Answer::Failed(error))
    }

    fn answer_command(&mut self, answer: Answer) -> Result<(), EngineError> {
        let mut shared = self.link.lock();
        match (&shared.request, &shared.answer) {
            (Some(Request::Transmit(_)), None) => {
                shared.answer = Some(answer);
                Ok(())
            }
            _ => Err(EngineError::NoCommandPending),
        }
    }

    fn answer_reconnect(&mut self, answer: Answer) -> Result<(), EngineError> {
        let mut shared = self.link.lock();
        match (&shared.request, &shared.answer) {
            (Some(Request::Reconnect { .. }), None) => {
                shared.answer = Some(answer);
                Ok(())
            }
            _ => Err(EngineError::NoReconnectPending),
        }
    }
}

fn event_of<T>(p: Progress) -> Event<T> {
    match p {
        Progress::Reading { file, done, total } => Event::Progress {
            file,
            bytes: done,
            total,
        },
        Progress::FileDone { file, size } => Event::Progress {
            file,
            bytes: size,
            total: size,
        },
        Progress::CardLost { attempt, max } => Event::Reconnect { attempt, max },
        other => Event::Notice(other),
    }
}

/// The [`Progress`] a display shows for an event (`None` for transmits and the end).
pub fn progress_of<T>(event: &Event<T>) -> Option<Progress> {
    match event {
        Event::Progress { file, bytes, total } if bytes >= total => Some(Progress::FileDone {
            file: *file,
            size: *total,
        }),
        Event::Progress { file, bytes, total } => Some(Progress::Reading {
            file: *file,
            done: *bytes,
            total: *total,
        }),
        Event::Notice(p) => Some(p.clone()),
        Event::Reconnect { attempt, max } => Some(Progress::CardLost {
            attempt: *attempt,
            max: *max,
        }),
        Event::Transmit(_) | Event::Done(_) => None,
    }
}
