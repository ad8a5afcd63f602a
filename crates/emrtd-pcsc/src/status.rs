//! PC/SC status codes (the `SCARD_*` return values, the same numbers in pcsclite, macOS and
//! WinSCard) and what they mean to a reader of documents.
//!
//! Both back ends hand the raw 32-bit code here, so one table decides what is a lost card, a
//! timeout, a missing service or something else.

use crate::PcscError;
use emrtd_apdu::TransportError;

pub(crate) const SCARD_E_CANCELLED: u32 = 0x8010_0002;
pub(crate) const SCARD_E_INSUFFICIENT_BUFFER: u32 = 0x8010_0008;
pub(crate) const SCARD_E_UNKNOWN_READER: u32 = 0x8010_0009;
pub(crate) const SCARD_E_TIMEOUT: u32 = 0x8010_000A;
pub(crate) const SCARD_E_SHARING_VIOLATION: u32 = 0x8010_000B;
pub(crate) const SCARD_E_NO_SMARTCARD: u32 = 0x8010_000C;
pub(crate) const SCARD_E_PROTO_MISMATCH: u32 = 0x8010_000F;
pub(crate) const SCARD_E_SYSTEM_CANCELLED: u32 = 0x8010_0012;
pub(crate) const SCARD_E_NOT_TRANSACTED: u32 = 0x8010_0016;
pub(crate) const SCARD_E_READER_UNAVAILABLE: u32 = 0x8010_0017;
pub(crate) const SCARD_E_NO_SERVICE: u32 = 0x8010_001D;
pub(crate) const SCARD_E_SERVICE_STOPPED: u32 = 0x8010_001E;
pub(crate) const SCARD_E_NO_READERS_AVAILABLE: u32 = 0x8010_002E;
pub(crate) const SCARD_W_UNRESPONSIVE_CARD: u32 = 0x8010_0066;
pub(crate) const SCARD_W_UNPOWERED_CARD: u32 = 0x8010_0067;
pub(crate) const SCARD_W_RESET_CARD: u32 = 0x8010_0068;
pub(crate) const SCARD_W_REMOVED_CARD: u32 = 0x8010_0069;
#[cfg(all(unix, not(target_os = "macos"), not(emrtd_pcsc_native)))]
pub(crate) const SCARD_E_INVALID_PARAMETER: u32 = 0x8010_0004;

/// `SCARD_READERSTATE` event-state bits (PC/SC part 5; the upper 16 bits of the field count
/// card insertions and removals).
pub(crate) const SCARD_STATE_CHANGED: u32 = 0x0002;
pub(crate) const SCARD_STATE_PRESENT: u32 = 0x0020;
pub(crate) const SCARD_STATE_MUTE: u32 = 0x0200;

/// Names and plain-language meanings of the codes a reader of documents may meet.
const KNOWN: &[(u32, &str, &str)] = &[
    (
        0x8010_0001,
        "SCARD_F_INTERNAL_ERROR",
        "internal error in the PC/SC service",
    ),
    (
        SCARD_E_CANCELLED,
        "SCARD_E_CANCELLED",
        "the operation was cancelled",
    ),
    (
        0x8010_0003,
        "SCARD_E_INVALID_HANDLE",
        "the connection handle is no longer valid",
    ),
    (
        0x8010_0004,
        "SCARD_E_INVALID_PARAMETER",
        "a parameter was refused",
    ),
    (
        0x8010_0006,
        "SCARD_E_NO_MEMORY",
        "the service ran out of memory",
    ),
    (
        SCARD_E_INSUFFICIENT_BUFFER,
        "SCARD_E_INSUFFICIENT_BUFFER",
        "the data did not fit the buffer",
    ),
    (
        SCARD_E_UNKNOWN_READER,
        "SCARD_E_UNKNOWN_READER",
        "the reader is not known to the service",
    ),
    (
        SCARD_E_TIMEOUT,
        "SCARD_E_TIMEOUT",
        "the time allowed ran out",
    ),
    (
        SCARD_E_SHARING_VIOLATION,
        "SCARD_E_SHARING_VIOLATION",
        "another program holds the card exclusively",
    ),
    (
        SCARD_E_NO_SMARTCARD,
        "SCARD_E_NO_SMARTCARD",
        "no card is on the reader",
    ),
    (0x8010_000D, "SCARD_E_UNKNOWN_CARD", "the card is not known"),
    (
        SCARD_E_PROTO_MISMATCH,
        "SCARD_E_PROTO_MISMATCH",
        "the card does not speak the requested protocol",
    ),
    (
        0x8010_0010,
        "SCARD_E_NOT_READY",
        "the reader or card is not ready",
    ),
    (
        SCARD_E_SYSTEM_CANCELLED,
        "SCARD_E_SYSTEM_CANCELLED",
        "the system cancelled the operation",
    ),
    (
        0x8010_0013,
        "SCARD_F_COMM_ERROR",
        "communication with the PC/SC service failed",
    ),
    (
        0x8010_0014,
        "SCARD_F_UNKNOWN_ERROR",
        "unknown internal error",
    ),
    (
        0x8010_0015,
        "SCARD_E_INVALID_ATR",
        "the card's ATR is malformed",
    ),
    (
        SCARD_E_NOT_TRANSACTED,
        "SCARD_E_NOT_TRANSACTED",
        "the exchange with the card did not complete",
    ),
    (
        SCARD_E_READER_UNAVAILABLE,
        "SCARD_E_READER_UNAVAILABLE",
        "the reader is no longer available",
    ),
    (
        SCARD_E_NO_SERVICE,
        "SCARD_E_NO_SERVICE",
        "the PC/SC service is not running",
    ),
    (
        SCARD_E_SERVICE_STOPPED,
        "SCARD_E_SERVICE_STOPPED",
        "the PC/SC service stopped",
    ),
    (
        0x8010_001F,
        "SCARD_E_UNEXPECTED",
        "unexpected error (or unsupported feature)",
    ),
    (
        SCARD_E_NO_READERS_AVAILABLE,
        "SCARD_E_NO_READERS_AVAILABLE",
        "no reader is connected",
    ),
    (
        0x8010_002F,
        "SCARD_E_COMM_DATA_LOST",
        "data were lost between reader and computer",
    ),
    (
        0x8010_0031,
        "SCARD_E_SERVER_TOO_BUSY",
        "the PC/SC service is too busy",
    ),
    (
        0x8010_0065,
        "SCARD_W_UNSUPPORTED_CARD",
        "the card's ATR is not supported by the reader",
    ),
    (
        SCARD_W_UNRESPONSIVE_CARD,
        "SCARD_W_UNRESPONSIVE_CARD",
        "the card does not answer",
    ),
    (
        SCARD_W_UNPOWERED_CARD,
        "SCARD_W_UNPOWERED_CARD",
        "the card is not powered",
    ),
    (
        SCARD_W_RESET_CARD,
        "SCARD_W_RESET_CARD",
        "the card was reset",
    ),
    (
        SCARD_W_REMOVED_CARD,
        "SCARD_W_REMOVED_CARD",
        "the card was removed",
    ),
];

/// One line for a status code: its meaning and name, or the bare number if it is not known.
pub(crate) fn describe(code: u32) -> String {
    match KNOWN.iter().find(|(c, _, _)| *c == code) {
        Some((_, name, text)) => format!("{text} ({name})"),
        None => format!("PC/SC status 0x{code:08X}"),
    }
}

/// Does the code say that the card (or the reader it lay on) is gone — removed, reset, mute,
/// unpowered, or the exchange broke off? A retry after the card returns may recover.
pub(crate) fn is_card_lost(code: u32) -> bool {
    matches!(
        code,
        SCARD_W_REMOVED_CARD
            | SCARD_W_RESET_CARD
            | SCARD_E_NOT_TRANSACTED
            | SCARD_E_NO_SMARTCARD
            | SCARD_W_UNPOWERED_CARD
            | SCARD_W_UNRESPONSIVE_CARD
            | SCARD_E_READER_UNAVAILABLE
    )
}

/// A failed exchange with the card (`SCardTransmit`).
pub(crate) fn transport_error(code: u32) -> TransportError {
    match code {
        c if is_card_lost(c) => TransportError::CardRemoved,
        SCARD_E_TIMEOUT => TransportError::Timeout,
        SCARD_E_CANCELLED | SCARD_E_SYSTEM_CANCELLED => TransportError::Cancelled,
        SCARD_E_NO_SERVICE | SCARD_E_SERVICE_STOPPED => {
            TransportError::Other(PcscError::NoService.to_string())
        }
        c => TransportError::Other(describe(c)),
    }
}

/// A failure of the service, a reader or connecting to a card.
pub(crate) fn pcsc_error(code: u32) -> PcscError {
    match code {
        SCARD_E_NO_SERVICE | SCARD_E_SERVICE_STOPPED => PcscError::NoService,
        SCARD_E_NO_READERS_AVAILABLE => PcscError::NoReaders,
        c if is_card_lost(c) => PcscError::NoCard,
        c => PcscError::Other(describe(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_card_loss_is_card_removed() {
        for code in [
            0x8010_0069, // SCARD_W_REMOVED_CARD
            0x8010_0068, // SCARD_W_RESET_CARD
            0x8010_0016, // SCARD_E_NOT_TRANSACTED
            0x8010_000C, // SCARD_E_NO_SMARTCARD
            0x8010_0067, // SCARD_W_UNPOWERED_CARD
            0x8010_0066, // SCARD_W_UNRESPONSIVE_CARD
            0x8010_0017, // SCARD_E_READER_UNAVAILABLE
        ] {
            assert_eq!(
                transport_error(code),
                TransportError::CardRemoved,
                "{code:08X}"
            );
            assert!(transport_error(code).is_card_lost());
            assert_eq!(pcsc_error(code), PcscError::NoCard, "{code:08X}");
        }
    }

    #[test]
    fn timeout_and_cancel_keep_their_meaning() {
        assert_eq!(transport_error(0x8010_000A), TransportError::Timeout);
        assert_eq!(transport_error(0x8010_0002), TransportError::Cancelled);
        assert_eq!(transport_error(0x8010_0012), TransportError::Cancelled);
    }

    #[test]
    fn service_and_reader_codes_map_to_typed_errors() {
        assert_eq!(pcsc_error(0x8010_001D), PcscError::NoService);
        assert_eq!(pcsc_error(0x8010_001E), PcscError::NoService);
        assert_eq!(pcsc_error(0x8010_002E), PcscError::NoReaders);
        assert_eq!(
            transport_error(0x8010_001D),
            TransportError::Other(PcscError::NoService.to_string())
        );
    }

    #[test]
    fn other_codes_are_named_not_lost() {
        let e = pcsc_error(SCARD_E_SHARING_VIOLATION);
        assert_eq!(
            e,
            PcscError::Other(
                "another program holds the card exclusively (SCARD_E_SHARING_VIOLATION)".into()
            )
        );
        assert!(!e.is_unavailable());
        assert!(!is_card_lost(SCARD_E_PROTO_MISMATCH));
        assert_eq!(
            transport_error(0x8010_00FF),
            TransportError::Other("PC/SC status 0x801000FF".into())
        );
        assert_eq!(
            transport_error(0),
            TransportError::Other("PC/SC status 0x00000000".into())
        );
    }

    #[test]
    fn table_has_no_duplicate_codes() {
        for (i, (a, _, _)) in KNOWN.iter().enumerate() {
            assert!(KNOWN[i + 1..].iter().all(|(b, _, _)| a != b), "{a:08X}");
        }
    }
}
