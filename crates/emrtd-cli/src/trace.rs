//! A transport wrapper that counts bytes and optionally logs APDUs.

use emrtd_apdu::{ins, Transport, TransportError};

/// Wraps a transport: counts APDUs and bytes; with `log`, prints each exchange to stderr.
///
/// Access-control exchanges (GET CHALLENGE, EXTERNAL AUTHENTICATE, GENERAL AUTHENTICATE) are
/// printed without their data: a recorded BAC or PACE exchange lets anyone try every MRZ or
/// CAN offline, so those bytes never reach a log.
pub struct Traced<T> {
    inner: T,
    log: bool,
    apdus: usize,
    to_chip: usize,
    from_chip: usize,
}

impl<T: Transport> Traced<T> {
    pub fn new(inner: T, log: bool) -> Self {
        Traced {
            inner,
            log,
            apdus: 0,
            to_chip: 0,
            from_chip: 0,
        }
    }

    /// (APDUs, bytes to the chip, bytes from the chip).
    pub fn stats(&self) -> (usize, usize, usize) {
        (self.apdus, self.to_chip, self.from_chip)
    }
}

fn is_secret_exchange(apdu: &[u8]) -> bool {
    matches!(
        apdu.get(1).copied(),
        Some(ins::GET_CHALLENGE | ins::EXTERNAL_AUTHENTICATE | ins::GENERAL_AUTHENTICATE)
    )
}

fn show(bytes: &[u8], redact: bool) -> String {
    if redact && bytes.len() > 4 {
        format!(
            "{} <{} bytes redacted>",
            hex::encode_upper(&bytes[..4]),
            bytes.len() - 4
        )
    } else {
        hex::encode_upper(bytes)
    }
}

/// How a response is shown: data redacted for access control, SW always.
fn show_response(resp: &[u8], redact: bool) -> String {
    if redact && resp.len() > 2 {
        format!(
            "<{} bytes redacted> {}",
            resp.len() - 2,
            hex::encode_upper(&resp[resp.len() - 2..])
        )
    } else {
        hex::encode_upper(resp)
    }
}

impl<T: Transport> Transport for Traced<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let redact = is_secret_exchange(apdu);
        if self.log {
            eprintln!(">> {}", show(apdu, redact));
        }
        let result = self.inner.transmit(apdu);
        self.apdus += 1;
        self.to_chip += apdu.len();
        match &result {
            Ok(resp) => {
                self.from_chip += resp.len();
                if self.log {
                    eprintln!("<< {}", show_response(resp, redact));
                }
            }
            Err(e) if self.log => eprintln!("<< error: {e}"),
            Err(_) => {}
        }
        result
    }

    fn supports_extended_length(&self) -> bool {
        self.inner.supports_extended_length()
    }

    fn may_support_extended_length(&self) -> bool {
        self.inner.may_support_extended_length()
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        self.inner.reconnect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_control_data_is_redacted() {
        let ext_auth = hex::decode("0082000028AABBCCDD").unwrap();
        assert!(is_secret_exchange(&ext_auth));
        assert_eq!(show(&ext_auth, true), "00820000 <5 bytes redacted>");
        assert_eq!(
            show_response(&[1, 2, 3, 0x90, 0], true),
            "<3 bytes redacted> 9000"
        );
        let read = hex::decode("0CB0000000").unwrap();
        assert!(!is_secret_exchange(&read));
    }
}
