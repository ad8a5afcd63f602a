//! The system's PC/SC through the `pcsc` crate (macOS's PCSC framework, Windows' WinSCard),
//! with the same interface as the run-time loader used elsewhere.

use crate::{status, PcscError, ReaderState, MAX_BUFFER_SIZE_EXTENDED};
use std::ffi::{CStr, CString};
use std::sync::Arc;
use std::time::Duration;

/// A state for the C side, whose `DWORD` is `u32` on macOS and Windows but `unsigned long` on
/// Linux (where this back end can be selected for checking): generic, so no cast is needed.
fn to_dword<T: From<u32>>(state: u32) -> T {
    T::from(state)
}

/// The state bits of a reported state (the event counter is read separately).
fn low16<T: Into<u64>>(state: T) -> u32 {
    (state.into() & 0xFFFF) as u32
}

/// The raw status code of a `pcsc` error (its discriminants are the `SCARD_*` values).
fn code(e: pcsc::Error) -> u32 {
    e as u32
}

pub(crate) struct Context {
    ctx: pcsc::Context,
}

impl Context {
    pub(crate) fn establish() -> Result<Arc<Context>, PcscError> {
        let ctx =
            pcsc::Context::establish(pcsc::Scope::User).map_err(|e| status::pcsc_error(code(e)))?;
        Ok(Arc::new(Context { ctx }))
    }

    /// Reader names (`SCARD_E_NO_READERS_AVAILABLE` when there are none).
    pub(crate) fn list_readers(&self) -> Result<Vec<CString>, u32> {
        self.ctx.list_readers_owned().map_err(code)
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
        let mut raw: Vec<pcsc::ReaderState> = states
            .iter()
            .map(|s| {
                pcsc::ReaderState::new(
                    s.name.clone(),
                    pcsc::State::from_bits_retain(to_dword(s.current)),
                )
            })
            .collect();
        let result = self.ctx.get_status_change(timeout, &mut raw).map_err(code);
        // Copied whatever the outcome (a timeout still reports the states).
        for (s, r) in states.iter_mut().zip(&raw) {
            s.event = low16(r.event_state().bits()) | (r.event_count() << 16);
            s.atr = r.atr().to_vec();
        }
        result
    }

    /// Connect (shared, T=0 or T=1) to the card on `reader`.
    pub(crate) fn connect(self: &Arc<Self>, reader: &CStr) -> Result<Card, u32> {
        let card = self
            .ctx
            .connect(reader, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
            .map_err(code)?;
        Ok(Card { card })
    }
}

/// A connection to a card; the `pcsc` crate disconnects it with a reset on drop.
pub(crate) struct Card {
    card: pcsc::Card,
}

impl Card {
    /// Send a command APDU; the response (data and status word) as the card sent it.
    pub(crate) fn transmit(&self, apdu: &[u8]) -> Result<Vec<u8>, u32> {
        let mut buf = vec![0u8; MAX_BUFFER_SIZE_EXTENDED];
        self.card
            .transmit(apdu, &mut buf)
            .map(|r| r.to_vec())
            .map_err(code)
    }

    /// Reconnect with a reset of the card.
    pub(crate) fn reconnect(&mut self) -> Result<(), u32> {
        self.card
            .reconnect(
                pcsc::ShareMode::Shared,
                pcsc::Protocols::ANY,
                pcsc::Disposition::ResetCard,
            )
            .map_err(code)
    }

    /// The card's ATR: from the card status, or the ATR attribute where a driver leaves the
    /// status empty.
    pub(crate) fn atr(&self) -> Result<Vec<u8>, u32> {
        match self.card.status2_owned() {
            Ok(s) if !s.atr().is_empty() => Ok(s.atr().to_vec()),
            _ => self
                .card
                .get_attribute_owned(pcsc::Attribute::AtrString)
                .map_err(code),
        }
    }
}
