//! PC/SC transport: USB contact and contactless (NFC) readers through the system's PC/SC service
//! (pcsclite on Linux/macOS, WinSCard on Windows).

pub mod atr;

use emrtd_apdu::{Transport, TransportError};
use std::ffi::{CStr, CString};
use std::time::Duration;

/// Why the PC/SC service or a reader could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PcscError {
    #[error(
        "the PC/SC service is not running (on Linux start it with `sudo systemctl start pcscd`)"
    )]
    NoService,
    #[error("no smart-card reader is connected")]
    NoReaders,
    #[error("no reader matches {0:?}; connected readers: {1}")]
    NoSuchReader(String, String),
    #[error("no card is on any reader; place the document on the reader")]
    NoCard,
    #[error("no card arrived within {0:?}")]
    Timeout(Duration),
    #[error("PC/SC error: {0}")]
    Other(String),
}

fn map_err(e: pcsc::Error) -> PcscError {
    match e {
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => PcscError::NoService,
        pcsc::Error::NoReadersAvailable => PcscError::NoReaders,
        pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard => PcscError::NoCard,
        other => PcscError::Other(other.to_string()),
    }
}

/// A reader and what is on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderInfo {
    pub name: String,
    pub card_present: bool,
    /// ATR of the card, when one is present.
    pub atr: Vec<u8>,
}

/// The PC/SC service.
pub struct Pcsc {
    ctx: pcsc::Context,
}

impl Pcsc {
    /// Connect to the PC/SC service.
    pub fn establish() -> Result<Pcsc, PcscError> {
        let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(map_err)?;
        Ok(Pcsc { ctx })
    }

    /// All readers, with whether a card is present.
    pub fn readers(&self) -> Result<Vec<ReaderInfo>, PcscError> {
        let names = match self.ctx.list_readers_owned() {
            Ok(n) => n,
            Err(pcsc::Error::NoReadersAvailable) => return Ok(Vec::new()),
            Err(e) => return Err(map_err(e)),
        };
        let mut states: Vec<pcsc::ReaderState> = names
            .iter()
            .map(|n| pcsc::ReaderState::new(n.clone(), pcsc::State::UNAWARE))
            .collect();
        if !states.is_empty() {
            self.ctx
                .get_status_change(Duration::from_millis(0), &mut states)
                .map_err(map_err)?;
        }
        Ok(states
            .iter()
            .map(|s| {
                let present = s.event_state().contains(pcsc::State::PRESENT)
                    && !s.event_state().contains(pcsc::State::MUTE);
                ReaderInfo {
                    name: s.name().to_string_lossy().into_owned(),
                    card_present: present,
                    atr: if present {
                        s.atr().to_vec()
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect())
    }

    fn pick(&self, wanted: Option<&str>, need_card: bool) -> Result<String, PcscError> {
        let readers = self.readers()?;
        if readers.is_empty() {
            return Err(PcscError::NoReaders);
        }
        let all = readers
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        match wanted {
            Some(w) => readers
                .iter()
                .find(|r| r.name == w)
                .or_else(|| readers.iter().find(|r| r.name.contains(w)))
                .map(|r| r.name.clone())
                .ok_or_else(|| PcscError::NoSuchReader(w.to_string(), all)),
            None => readers
                .iter()
                .find(|r| r.card_present || !need_card)
                .map(|r| r.name.clone())
                .ok_or(PcscError::NoCard),
        }
    }

    /// Wait until a card is present on the reader (by exact name or substring; `None`: any
    /// reader). Returns the reader's name.
    pub fn wait_for_card(
        &self,
        reader: Option<&str>,
        timeout: Duration,
    ) -> Result<String, PcscError> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Ok(name) = self.pick(reader, true) {
                if self
                    .readers()?
                    .iter()
                    .any(|r| r.name == name && r.card_present)
                {
                    return Ok(name);
                }
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return Err(PcscError::Timeout(timeout));
            }
            // Block in the service until something changes (or a short slice elapses, so that
            // newly attached readers are noticed too).
            let names = self.ctx.list_readers_owned().unwrap_or_default();
            let mut states: Vec<pcsc::ReaderState> = names
                .into_iter()
                .map(|n| pcsc::ReaderState::new(n, pcsc::State::UNAWARE))
                .collect();
            if states.is_empty() {
                std::thread::sleep(Duration::from_millis(200).min(deadline - now));
                continue;
            }
            // First call learns the current state, second waits for a change.
            let _ = self
                .ctx
                .get_status_change(Duration::from_millis(0), &mut states);
            for s in &mut states {
                s.sync_current_state();
            }
            match self.ctx.get_status_change(
                (deadline - now).min(Duration::from_millis(500)),
                &mut states,
            ) {
                Ok(()) | Err(pcsc::Error::Timeout) => {}
                Err(e) => return Err(map_err(e)),
            }
        }
    }

    /// Connect to the card on a reader (by name or substring; `None`: the first reader with a card).
    pub fn connect(&self, reader: Option<&str>) -> Result<PcscTransport, PcscError> {
        let name = self.pick(reader, true)?;
        let cname = CString::new(name.clone()).map_err(|e| PcscError::Other(e.to_string()))?;
        let card = self
            .ctx
            .connect(&cname, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
            .map_err(map_err)?;
        let atr = card_atr(&card);
        Ok(PcscTransport {
            card,
            reader: name,
            extended: atr::supports_extended_length(&atr),
            atr,
        })
    }
}

/// The card's ATR, from the card status (every driver reports it there) or the ATR attribute.
fn card_atr(card: &pcsc::Card) -> Vec<u8> {
    card.status2_owned()
        .map(|s| s.atr().to_vec())
        .ok()
        .filter(|a| !a.is_empty())
        .or_else(|| card.get_attribute_owned(pcsc::Attribute::AtrString).ok())
        .unwrap_or_default()
}

/// A card connected through PC/SC.
pub struct PcscTransport {
    card: pcsc::Card,
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
        self.card
            .reconnect(
                pcsc::ShareMode::Shared,
                pcsc::Protocols::ANY,
                pcsc::Disposition::ResetCard,
            )
            .map_err(map_err)?;
        self.atr = card_atr(&self.card);
        Ok(())
    }

    fn raw_transmit(&self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut buf = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        match self.card.transmit(apdu, &mut buf) {
            Ok(resp) => Ok(resp.to_vec()),
            Err(
                pcsc::Error::RemovedCard
                | pcsc::Error::ResetCard
                | pcsc::Error::NoSmartcard
                | pcsc::Error::UnpoweredCard
                | pcsc::Error::UnresponsiveCard,
            ) => Err(TransportError::CardRemoved),
            Err(pcsc::Error::Timeout) => Err(TransportError::Timeout),
            Err(pcsc::Error::Cancelled) => Err(TransportError::Cancelled),
            Err(pcsc::Error::ReaderUnavailable) => Err(TransportError::NoReader(
                ": the reader was unplugged".into(),
            )),
            Err(e) => Err(TransportError::Other(e.to_string())),
        }
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
