//! ISO/IEC 7816-4 APDUs, status words and the [`Transport`] trait.
//!
//! Everything that talks to a chip (PC/SC, a phone's NFC stack, the virtual chip, a fuzzer)
//! implements [`Transport`]: raw command bytes in, raw response bytes (data + SW1 SW2) out.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::fmt;

/// Largest Le a short APDU can ask for (encoded as `00`).
pub const SHORT_LE_MAX: usize = 256;
/// Largest Le an extended APDU can ask for (encoded as `0000`).
pub const EXTENDED_LE_MAX: usize = 65536;
/// Largest command data field of a short APDU.
pub const SHORT_LC_MAX: usize = 255;
/// Largest command data field of an extended APDU.
pub const EXTENDED_LC_MAX: usize = 65535;

/// Errors building or parsing APDUs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApduError {
    /// The bytes end inside the four header bytes CLA INS P1 P2.
    #[error("APDU shorter than its 4-byte header")]
    TooShort,
    /// Lc or Le do not agree with the number of bytes (the total is given).
    #[error("APDU length fields do not match its size ({0} bytes)")]
    BadLength(usize),
    /// The command data field is longer than any APDU can carry.
    #[error("command data of {0} bytes exceeds the 65535 bytes an extended APDU can carry")]
    DataTooLong(usize),
    /// The expected response length is larger than any APDU can ask for.
    #[error("Le of {0} exceeds 65536")]
    LeTooLarge(usize),
    /// A response needs at least the two status word bytes.
    #[error("response shorter than its 2-byte status word")]
    ResponseTooShort,
}

/// A command APDU.
// Not #[non_exhaustive]: the fields of a command APDU are fixed by ISO/IEC 7816-4.
#[derive(Clone, PartialEq, Eq)]
pub struct CommandApdu {
    /// Class byte (CLA): channel and secure messaging indication.
    pub cla: u8,
    /// Instruction byte (INS), see [`ins`].
    pub ins: u8,
    /// First parameter byte.
    pub p1: u8,
    /// Second parameter byte.
    pub p2: u8,
    /// Command data field (Lc is its length); empty for none.
    pub data: Vec<u8>,
    /// Expected response length: `None` (no Le field), or `Some(n)` with 1..=65536;
    /// `Some(256)` is encoded `00` in short form and `Some(65536)` is `0000` in extended form.
    pub le: Option<usize>,
    /// Force the extended length encoding even when short would do.
    pub force_extended: bool,
}

impl fmt::Debug for CommandApdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CommandApdu({:02X} {:02X} {:02X} {:02X}, data {} bytes, le {:?})",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.le
        )
    }
}

impl CommandApdu {
    /// SELECT the master file (`00 A4 00 0C 02 3F00`, no response data).
    pub fn select_mf() -> Self {
        CommandApdu::new(0x00, ins::SELECT, 0x00, 0x0C).with_data(vec![0x3F, 0x00])
    }

    /// SELECT an application by its AID (`00 A4 04 0C`, no response data).
    pub fn select_application(aid: &[u8]) -> Self {
        CommandApdu::new(0x00, ins::SELECT, 0x04, 0x0C).with_data(aid.to_vec())
    }

    /// SELECT an elementary file by its file identifier (`00 A4 02 0C`, no response data).
    pub fn select_ef(fid: u16) -> Self {
        CommandApdu::new(0x00, ins::SELECT, 0x02, 0x0C).with_data(fid.to_be_bytes().to_vec())
    }

    /// READ BINARY of the file with short EF identifier `sfi` (1..=30) at `offset` (0..=255):
    /// P1 = `80 | sfi` selects the file as it reads.
    pub fn read_binary_sfi(sfi: u8, offset: u8, le: usize) -> Self {
        CommandApdu::new(0x00, ins::READ_BINARY, 0x80 | (sfi & 0x1F), offset).with_le(le)
    }

    /// READ BINARY of the current EF at `offset` (15 bits, P1-P2; bit 8 of P1 is kept clear).
    pub fn read_binary(offset: u16, le: usize) -> Self {
        let [hi, lo] = offset.to_be_bytes();
        CommandApdu::new(0x00, ins::READ_BINARY, hi & 0x7F, lo).with_le(le)
    }

    /// READ BINARY with odd INS (`B1`) of the current EF at `offset` (beyond 32767): the
    /// offset in DO'54' on three bytes, the data comes back in DO'53'. `le` counts the DO'53'
    /// header too.
    pub fn read_binary_odd(offset: u32, le: usize) -> Self {
        let [_, a, b, c] = offset.min(0x00FF_FFFF).to_be_bytes();
        CommandApdu::new(0x00, ins::READ_BINARY_ODD, 0, 0)
            .with_data(vec![0x54, 0x03, a, b, c])
            .with_le(le)
    }

    /// GET RESPONSE for the `le` bytes a `61xx` status announced.
    pub fn get_response(le: usize) -> Self {
        CommandApdu::new(0x00, ins::GET_RESPONSE, 0, 0).with_le(le)
    }

    /// GET CHALLENGE of `le` bytes (8 for BAC and Terminal Authentication).
    pub fn get_challenge(le: usize) -> Self {
        CommandApdu::new(0x00, ins::GET_CHALLENGE, 0, 0).with_le(le)
    }
}

impl CommandApdu {
    /// A command with no data and no Le (ISO 7816-4 case 1); add them with the `with_` methods.
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        CommandApdu {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
            force_extended: false,
        }
    }

    /// Set the command data field.
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// Set the expected response length (1..=65536; 256 and 65536 are encoded as zeros).
    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    /// Force (`true`) the extended length encoding even where the short one would do.
    pub fn extended(mut self, yes: bool) -> Self {
        self.force_extended = yes;
        self
    }

    /// Does this APDU need (or ask for) the extended length encoding?
    pub fn is_extended(&self) -> bool {
        self.force_extended
            || self.data.len() > SHORT_LC_MAX
            || self.le.is_some_and(|le| le > SHORT_LE_MAX)
    }

    /// Is secure messaging indicated in CLA (ISO 7816-4 first interindustry class, b4 b3 = 11)?
    pub fn is_secure_messaging(&self) -> bool {
        self.cla & 0x0C == 0x0C
    }

    /// Encode the APDU (cases 1, 2S/E, 3S/E, 4S/E of ISO 7816-3).
    pub fn to_bytes(&self) -> Result<Vec<u8>, ApduError> {
        if self.data.len() > EXTENDED_LC_MAX {
            return Err(ApduError::DataTooLong(self.data.len()));
        }
        if let Some(le) = self.le {
            if le == 0 || le > EXTENDED_LE_MAX {
                return Err(ApduError::LeTooLarge(le));
            }
        }
        let ext = self.is_extended();
        let mut out = Vec::with_capacity(9 + self.data.len());
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if !self.data.is_empty() {
            if ext {
                out.push(0);
                out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
            } else {
                out.push(self.data.len() as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            if ext {
                if self.data.is_empty() {
                    out.push(0);
                }
                let v = if le == EXTENDED_LE_MAX { 0 } else { le as u16 };
                out.extend_from_slice(&v.to_be_bytes());
            } else {
                out.push(if le == SHORT_LE_MAX { 0 } else { le as u8 });
            }
        }
        Ok(out)
    }

    /// Parse an encoded command APDU.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        if bytes.len() < 4 {
            return Err(ApduError::TooShort);
        }
        let mut cmd = CommandApdu::new(bytes[0], bytes[1], bytes[2], bytes[3]);
        let body = &bytes[4..];
        let n = bytes.len();
        match body.len() {
            0 => {}
            1 => cmd.le = Some(if body[0] == 0 { 256 } else { body[0] as usize }),
            _ if body[0] != 0 => {
                // short case 3 or 4
                let lc = body[0] as usize;
                let rest = &body[1..];
                if rest.len() == lc {
                    cmd.data = rest.to_vec();
                } else if rest.len() == lc + 1 {
                    cmd.data = rest[..lc].to_vec();
                    let le = rest[lc];
                    cmd.le = Some(if le == 0 { 256 } else { le as usize });
                } else {
                    return Err(ApduError::BadLength(n));
                }
            }
            3 => {
                // extended case 2
                cmd.force_extended = true;
                let le = u16::from_be_bytes([body[1], body[2]]) as usize;
                cmd.le = Some(if le == 0 { EXTENDED_LE_MAX } else { le });
            }
            len if len > 3 => {
                cmd.force_extended = true;
                let lc = u16::from_be_bytes([body[1], body[2]]) as usize;
                let rest = &body[3..];
                if lc == 0 {
                    return Err(ApduError::BadLength(n));
                }
                if rest.len() == lc {
                    cmd.data = rest.to_vec();
                } else if rest.len() == lc + 2 {
                    cmd.data = rest[..lc].to_vec();
                    let le = u16::from_be_bytes([rest[lc], rest[lc + 1]]) as usize;
                    cmd.le = Some(if le == 0 { EXTENDED_LE_MAX } else { le });
                } else {
                    return Err(ApduError::BadLength(n));
                }
            }
            _ => return Err(ApduError::BadLength(n)),
        }
        Ok(cmd)
    }
}

/// A status word SW1 SW2.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// `9000`: normal processing.
    pub const OK: StatusWord = StatusWord(0x9000);
    /// End of file reached before reading Le bytes.
    pub const END_OF_FILE: StatusWord = StatusWord(0x6282);
    /// Authentication failed / counter (63Cx).
    pub const VERIFICATION_FAILED: StatusWord = StatusWord(0x6300);
    /// `6700`: wrong length (Lc or Le).
    pub const WRONG_LENGTH: StatusWord = StatusWord(0x6700);
    /// `6982`: security status not satisfied (for example access control not done).
    pub const SECURITY_STATUS_NOT_SATISFIED: StatusWord = StatusWord(0x6982);
    /// `6983`: authentication method blocked.
    pub const AUTH_METHOD_BLOCKED: StatusWord = StatusWord(0x6983);
    /// `6985`: conditions of use not satisfied.
    pub const CONDITIONS_NOT_SATISFIED: StatusWord = StatusWord(0x6985);
    /// `6987`: expected secure messaging data objects missing.
    pub const SM_DATA_MISSING: StatusWord = StatusWord(0x6987);
    /// `6988`: secure messaging data objects incorrect (for example a wrong MAC).
    pub const SM_DATA_INCORRECT: StatusWord = StatusWord(0x6988);
    /// `6A80`: incorrect parameters in the command data field.
    pub const WRONG_DATA: StatusWord = StatusWord(0x6A80);
    /// `6A81`: function not supported.
    pub const FUNCTION_NOT_SUPPORTED: StatusWord = StatusWord(0x6A81);
    /// `6A82`: file or application not found.
    pub const FILE_NOT_FOUND: StatusWord = StatusWord(0x6A82);
    /// `6A86`: incorrect parameters P1-P2.
    pub const INCORRECT_P1P2: StatusWord = StatusWord(0x6A86);
    /// `6A88`: referenced data (a key) not found.
    pub const REFERENCED_DATA_NOT_FOUND: StatusWord = StatusWord(0x6A88);
    /// `6B00`: wrong parameters P1-P2 (for example an offset beyond the file).
    pub const WRONG_P1P2: StatusWord = StatusWord(0x6B00);
    /// `6D00`: instruction not supported.
    pub const INS_NOT_SUPPORTED: StatusWord = StatusWord(0x6D00);
    /// `6E00`: class not supported.
    pub const CLA_NOT_SUPPORTED: StatusWord = StatusWord(0x6E00);
    /// `6F00`: no precise diagnosis.
    pub const UNKNOWN: StatusWord = StatusWord(0x6F00);

    /// The status word of the bytes SW1 SW2.
    pub fn new(sw1: u8, sw2: u8) -> Self {
        StatusWord(u16::from_be_bytes([sw1, sw2]))
    }
    /// The first byte, SW1.
    pub fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }
    /// The second byte, SW2.
    pub fn sw2(self) -> u8 {
        self.0 as u8
    }
    /// Is this exactly `9000`?
    pub fn is_ok(self) -> bool {
        self.0 == 0x9000
    }
    /// Normal processing or warning (61xx, 62xx, 63xx); data may be present.
    pub fn is_success_or_warning(self) -> bool {
        matches!(self.sw1(), 0x90 | 0x61 | 0x62 | 0x63)
    }
    /// The two bytes SW1 SW2, as sent on the wire.
    pub fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }

    /// Plain-language meaning, for error messages.
    pub fn describe(self) -> &'static str {
        match self.0 {
            0x9000 => "success",
            0x6282 => "end of file reached before Le bytes",
            0x6700 => "wrong length",
            0x6982 => "security status not satisfied",
            0x6983 => "authentication method blocked",
            0x6984 => "reference data not usable",
            0x6985 => "conditions of use not satisfied",
            0x6987 => "expected secure messaging data objects missing",
            0x6988 => "incorrect secure messaging data objects",
            0x6A80 => "incorrect parameters in the data field",
            0x6A81 => "function not supported",
            0x6A82 => "file or application not found",
            0x6A86 => "incorrect parameters P1-P2",
            0x6A88 => "referenced data not found",
            0x6B00 => "wrong parameters P1-P2",
            0x6D00 => "instruction not supported",
            0x6E00 => "class not supported",
            _ if self.sw1() == 0x63 => "verification failed",
            _ if self.sw1() == 0x6C => "wrong Le; SW2 gives the exact length",
            _ if self.sw1() == 0x61 => "more response bytes available",
            _ => "unexpected status",
        }
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SW {:04X}", self.0)
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X} ({})", self.0, self.describe())
    }
}

/// A response APDU: data and status word.
// Not #[non_exhaustive]: a response APDU is data and SW1 SW2 (ISO/IEC 7816-4), nothing more.
#[derive(Clone, PartialEq, Eq)]
pub struct ResponseApdu {
    /// The response data field (possibly empty).
    pub data: Vec<u8>,
    /// The status word that ended the response.
    pub sw: StatusWord,
}

impl fmt::Debug for ResponseApdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResponseApdu({} bytes, {:?})", self.data.len(), self.sw)
    }
}

impl ResponseApdu {
    /// A response of `data` and `sw`.
    pub fn new(data: Vec<u8>, sw: StatusWord) -> Self {
        ResponseApdu { data, sw }
    }

    /// A response with a status word and no data.
    pub fn status(sw: StatusWord) -> Self {
        ResponseApdu {
            data: Vec::new(),
            sw,
        }
    }

    /// Split raw response bytes into data and status word.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        if bytes.len() < 2 {
            return Err(ApduError::ResponseTooShort);
        }
        let (data, sw) = bytes.split_at(bytes.len() - 2);
        Ok(ResponseApdu {
            data: data.to_vec(),
            sw: StatusWord::new(sw[0], sw[1]),
        })
    }

    /// The response as sent on the wire: data, then SW1 SW2.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_bytes());
        out
    }
}

/// Why a transport could not exchange an APDU.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The card left the field or the link to it broke; a reconnect may resume the read.
    #[error("the card was removed or the connection to it was lost; hold the document still on the reader")]
    CardRemoved,
    /// The reader reports no card.
    #[error("no card is present on the reader; place the document on the reader")]
    NoCard,
    /// No reader matched (the text says which were looked for).
    #[error("no reader found{0}")]
    NoReader(String),
    /// No answer within the link's time limit.
    #[error("the card did not answer in time")]
    Timeout,
    /// The application cancelled the exchange.
    #[error("the operation was cancelled")]
    Cancelled,
    /// Any other failure of the link, in words.
    #[error("transport failure: {0}")]
    Other(String),
}

impl TransportError {
    /// Is this a loss of the card that a retry after the card returns could recover from?
    pub fn is_card_lost(&self) -> bool {
        matches!(
            self,
            TransportError::CardRemoved | TransportError::NoCard | TransportError::Timeout
        )
    }
}

/// The one interface to a chip: send a command APDU, get the response APDU (data + SW1 SW2).
pub trait Transport {
    /// Send one command APDU and return the whole response (data + SW1 SW2).
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Does the link accept extended-length APDUs? Unknown is `false`.
    fn supports_extended_length(&self) -> bool {
        false
    }

    /// Might the link accept extended-length APDUs? `true` when it does, and also when it
    /// cannot tell (a PC/SC reader whose ATR says nothing): the reader then uses them where the
    /// chip announces them in EF.ATR/INFO, and falls back to short APDUs if the link refuses.
    fn may_support_extended_length(&self) -> bool {
        self.supports_extended_length()
    }

    /// After the card was lost: wait for it to come back and reconnect (the card starts
    /// afresh, so access control must run again). Transports that cannot do this say so.
    fn reconnect(&mut self) -> Result<(), TransportError> {
        Err(TransportError::CardRemoved)
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(apdu)
    }
    fn supports_extended_length(&self) -> bool {
        (**self).supports_extended_length()
    }
    fn may_support_extended_length(&self) -> bool {
        (**self).may_support_extended_length()
    }
    fn reconnect(&mut self) -> Result<(), TransportError> {
        (**self).reconnect()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(apdu)
    }
    fn supports_extended_length(&self) -> bool {
        (**self).supports_extended_length()
    }
    fn may_support_extended_length(&self) -> bool {
        (**self).may_support_extended_length()
    }
    fn reconnect(&mut self) -> Result<(), TransportError> {
        (**self).reconnect()
    }
}

/// The asynchronous twin of [`Transport`], for links that answer later (phone NFC stacks
/// driven from an event loop, a remote card behind a network connection). Nothing here ties it
/// to an executor: implement it over tokio, async-std or a hand-written future.
#[allow(async_fn_in_trait)]
pub trait AsyncTransport {
    /// Send one command APDU; the whole response (data + SW1 SW2) when it arrives.
    async fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Might the link accept extended-length APDUs? (See
    /// [`Transport::may_support_extended_length`].)
    fn may_support_extended_length(&self) -> bool {
        false
    }

    /// After the card was lost: wait for it to come back and reconnect.
    async fn reconnect(&mut self) -> Result<(), TransportError> {
        Err(TransportError::CardRemoved)
    }
}

impl<T: AsyncTransport + ?Sized> AsyncTransport for &mut T {
    async fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(apdu).await
    }
    fn may_support_extended_length(&self) -> bool {
        (**self).may_support_extended_length()
    }
    async fn reconnect(&mut self) -> Result<(), TransportError> {
        (**self).reconnect().await
    }
}

/// Errors of a command exchange (transport or malformed response).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeError {
    /// The link failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The command could not be encoded or the response is shorter than a status word.
    #[error("malformed APDU: {0}")]
    Apdu(#[from] ApduError),
}

/// Encode, transmit and parse one plain (unprotected) command.
pub fn exchange<T: Transport + ?Sized>(
    transport: &mut T,
    cmd: &CommandApdu,
) -> Result<ResponseApdu, ExchangeError> {
    let bytes = cmd.to_bytes()?;
    let resp = transport.transmit(&bytes)?;
    Ok(ResponseApdu::parse(&resp)?)
}

/// ICAO 9303 instruction bytes.
pub mod ins {
    /// SELECT (ISO 7816-4 §11.2.2).
    pub const SELECT: u8 = 0xA4;
    /// READ BINARY with an offset in P1-P2 (or a short EF identifier in P1).
    pub const READ_BINARY: u8 = 0xB0;
    /// READ BINARY with the offset in a data object (odd INS; offsets beyond 32767).
    pub const READ_BINARY_ODD: u8 = 0xB1;
    /// GET CHALLENGE (BAC, Terminal Authentication).
    pub const GET_CHALLENGE: u8 = 0x84;
    /// GET RESPONSE (the rest of a response announced by `61xx`).
    pub const GET_RESPONSE: u8 = 0xC0;
    /// EXTERNAL AUTHENTICATE (BAC mutual authentication, Terminal Authentication).
    pub const EXTERNAL_AUTHENTICATE: u8 = 0x82;
    /// INTERNAL AUTHENTICATE (Active Authentication).
    pub const INTERNAL_AUTHENTICATE: u8 = 0x88;
    /// MANAGE SECURITY ENVIRONMENT (PACE, Chip and Terminal Authentication set-up).
    pub const MANAGE_SECURITY_ENVIRONMENT: u8 = 0x22;
    /// GENERAL AUTHENTICATE (the PACE steps, Chip Authentication version 2).
    pub const GENERAL_AUTHENTICATE: u8 = 0x86;
    /// PERFORM SECURITY OPERATION (certificate verification in Terminal Authentication).
    pub const PERFORM_SECURITY_OPERATION: u8 = 0x2A;
}

#[cfg(test)]
mod file_command_tests {
    use super::*;

    fn bytes(c: &CommandApdu) -> Vec<u8> {
        c.to_bytes().unwrap()
    }

    #[test]
    fn select_commands_carry_p2_0c_and_the_identifier() {
        assert_eq!(
            bytes(&CommandApdu::select_mf()),
            [0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00]
        );
        assert_eq!(
            bytes(&CommandApdu::select_ef(0x011E)),
            [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1E]
        );
        let aid = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];
        let mut want = vec![0x00, 0xA4, 0x04, 0x0C, 0x07];
        want.extend_from_slice(&aid);
        assert_eq!(bytes(&CommandApdu::select_application(&aid)), want);
    }

    #[test]
    fn read_binary_encodes_offsets_by_sfi_p1p2_and_odd_ins() {
        assert_eq!(
            bytes(&CommandApdu::read_binary_sfi(0x1E, 0x00, 4)),
            [0x00, 0xB0, 0x9E, 0x00, 0x04]
        );
        assert_eq!(
            bytes(&CommandApdu::read_binary(0x1234, 0xE0)),
            [0x00, 0xB0, 0x12, 0x34, 0xE0]
        );
        // Le 256 is coded 00 in a short APDU.
        assert_eq!(
            bytes(&CommandApdu::read_binary(0x7FFF, 256)),
            [0x00, 0xB0, 0x7F, 0xFF, 0x00]
        );
        assert_eq!(
            bytes(&CommandApdu::read_binary_odd(0x01_2345, 0xE4)),
            [0x00, 0xB1, 0x00, 0x00, 0x05, 0x54, 0x03, 0x01, 0x23, 0x45, 0xE4]
        );
    }

    #[test]
    fn get_response_and_get_challenge_carry_only_le() {
        assert_eq!(
            bytes(&CommandApdu::get_response(0x10)),
            [0x00, 0xC0, 0x00, 0x00, 0x10]
        );
        assert_eq!(
            bytes(&CommandApdu::get_challenge(8)),
            [0x00, 0x84, 0x00, 0x00, 0x08]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(cmd: &CommandApdu, expected: &str) {
        let bytes = cmd.to_bytes().unwrap();
        assert_eq!(hex::encode_upper(&bytes), expected);
        assert_eq!(
            &CommandApdu::parse(&bytes).unwrap().to_bytes().unwrap(),
            &bytes
        );
    }

    #[test]
    fn cases() {
        roundtrip(&CommandApdu::new(0, 0xA4, 4, 0xC), "00A4040C");
        roundtrip(&CommandApdu::new(0, 0x84, 0, 0).with_le(8), "0084000008");
        roundtrip(&CommandApdu::new(0, 0xB0, 0, 0).with_le(256), "00B0000000");
        roundtrip(
            &CommandApdu::new(0, 0xA4, 2, 0xC).with_data(vec![1, 0x1E]),
            "00A4020C02011E",
        );
        roundtrip(
            &CommandApdu::new(0x0C, 0xB0, 0, 0)
                .with_data(vec![0x97, 1, 4])
                .with_le(256),
            "0CB000000397010400",
        );
        roundtrip(
            &CommandApdu::new(0, 0xB0, 0, 0).with_le(65536),
            "00B00000000000",
        );
        roundtrip(
            &CommandApdu::new(0, 0xB0, 0, 0).with_le(1000),
            "00B000000003E8",
        );
        let big = CommandApdu::new(0x0C, 0x86, 0, 0)
            .with_data(vec![0xAA; 300])
            .with_le(65536);
        let enc = big.to_bytes().unwrap();
        assert_eq!(&enc[4..7], &[0, 0x01, 0x2C]);
        assert_eq!(&enc[enc.len() - 2..], &[0, 0]);
        assert_eq!(CommandApdu::parse(&enc).unwrap(), big.extended(true));
    }

    #[test]
    fn bad_apdus() {
        assert_eq!(CommandApdu::parse(&[0, 1, 2]), Err(ApduError::TooShort));
        assert!(CommandApdu::parse(&[0, 1, 2, 3, 5, 1]).is_err());
        assert!(CommandApdu::parse(&[0, 1, 2, 3, 0, 0, 5, 1]).is_err());
        assert!(CommandApdu::new(0, 0, 0, 0).with_le(0).to_bytes().is_err());
        assert!(ResponseApdu::parse(&[0x90]).is_err());
        let r = ResponseApdu::parse(&[1, 2, 0x90, 0]).unwrap();
        assert_eq!(r.data, vec![1, 2]);
        assert!(r.sw.is_ok());
    }
}

// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;
