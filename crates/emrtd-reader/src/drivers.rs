//! Drivers: move the engine's APDUs over a real link. They hold no protocol logic.

use crate::engine::{progress_of, Engine, EngineConfig, Event, SystemClock};
use crate::report::{AccessKey, Document, Progress, ReadOptions};
use crate::ReadError;
use emrtd_apdu::{AsyncTransport, Transport};

fn driver_bug(e: crate::engine::EngineError) -> ReadError {
    ReadError::Malformed(format!("read driver: {e}"))
}

/// Run `engine` to its end over a blocking [`Transport`], reporting progress.
pub fn read_blocking<T: Send + 'static>(
    transport: &mut (impl Transport + ?Sized),
    mut engine: Engine<T>,
    progress: &mut dyn FnMut(Progress),
) -> Result<T, ReadError> {
    while let Some(event) = engine.next_event() {
        if let Some(p) = progress_of(&event) {
            progress(p);
        }
        match event {
            Event::Transmit(apdu) => match transport.transmit(&apdu) {
                Ok(response) => engine.feed_response(response),
                Err(e) => engine.feed_error(e),
            }
            .map_err(driver_bug)?,
            Event::Reconnect { .. } => match transport.reconnect() {
                Ok(()) => engine.resume(),
                Err(e) => engine.reconnect_failed(e),
            }
            .map_err(driver_bug)?,
            Event::Done(result) => return result,
            _ => {}
        }
    }
    Err(ReadError::Malformed(
        "the read engine ended without a result".into(),
    ))
}

/// Run `engine` to its end over an [`AsyncTransport`], reporting progress. The future does
/// no IO of its own: it awaits only the transport.
pub async fn read_async<T: Send + 'static>(
    transport: &mut (impl AsyncTransport + ?Sized),
    mut engine: Engine<T>,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<T, ReadError> {
    while let Some(event) = engine.next_event() {
        if let Some(p) = progress_of(&event) {
            progress(p);
        }
        match event {
            Event::Transmit(apdu) => match transport.transmit(&apdu).await {
                Ok(response) => engine.feed_response(response),
                Err(e) => engine.feed_error(e),
            }
            .map_err(driver_bug)?,
            Event::Reconnect { .. } => match transport.reconnect().await {
                Ok(()) => engine.resume(),
                Err(e) => engine.reconnect_failed(e),
            }
            .map_err(driver_bug)?,
            Event::Done(result) => return result,
            _ => {}
        }
    }
    Err(ReadError::Malformed(
        "the read engine ended without a result".into(),
    ))
}

/// Open the chip with the key and read EF.COM, EF.SOD and the data groups EF.COM lists
/// (OS randomness, system clock, blocking driver).
pub fn read_document<T: Transport>(
    transport: T,
    key: &AccessKey,
    options: &ReadOptions,
) -> Result<Document, ReadError> {
    read_document_with_progress(transport, key, options, &mut |_| {})
}

/// [`read_document`] with progress reports; resumes after the card was lost (up to
/// [`crate::engine::MAX_RESUMES`] times) when the transport can reconnect.
pub fn read_document_with_progress<T: Transport>(
    mut transport: T,
    key: &AccessKey,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Document, ReadError> {
    let config = EngineConfig::new(key.clone(), options.clone())
        .link_extended_length(transport.may_support_extended_length());
    let engine = Engine::new(config, rand_core::OsRng, SystemClock);
    read_blocking(&mut transport, engine, progress)
}
