//! A transport wrapper that counts bytes and optionally logs APDUs.

use emrtd_apdu::{ins, Transport, TransportError};

/// Wraps a transport: counts APDUs and bytes; with `log`, prints each exchange to stderr.
///
/// Access-control exchanges (GET CHALLENGE, EXTERNAL AUTHENTICATE, GENERAL AUTHENTICATE) are
/// printed without their data: a recorded BAC or PACE exchange lets anyone try every MRZ or
/// CAN offline, so those bytes never reach a log. Files a chip without access control sends in
/// the clear from its eMRTD application (DG1 holds the MRZ) are not printed either; under secure
/// messaging they are encrypted.
pub struct Traced<T> {
    inner: T,
    log: bool,
    /// The eMRTD application is selected (files read now are personal data).
    in_application: bool,
    apdus: std::rc::Rc<std::cell::Cell<usize>>,
    to_chip: usize,
    from_chip: usize,
}

impl<T: Transport> Traced<T> {
    pub fn new(inner: T, log: bool) -> Self {
        Traced {
            inner,
            log,
            in_application: false,
            apdus: std::rc::Rc::default(),
            to_chip: 0,
            from_chip: 0,
        }
    }

    /// Is the response to `apdu` printed without its data?
    fn hides_response(&self, apdu: &[u8]) -> bool {
        is_secret_exchange(apdu) || (self.in_application && is_plain_read(apdu))
    }

    /// Follow the selected application: a SELECT counts once the chip accepted it.
    fn observe(&mut self, apdu: &[u8], resp: &[u8]) {
        if let (Some(app), [.., 0x90, 0x00]) = (selects(apdu), resp) {
            self.in_application = app;
        }
    }

    /// (APDUs, bytes to the chip, bytes from the chip).
    pub fn stats(&self) -> (usize, usize, usize) {
        (self.apdus.get(), self.to_chip, self.from_chip)
    }

    /// The number of APDUs sent so far, shared (for a progress display).
    pub fn apdu_counter(&self) -> std::rc::Rc<std::cell::Cell<usize>> {
        self.apdus.clone()
    }
}

fn is_secret_exchange(apdu: &[u8]) -> bool {
    matches!(
        apdu.get(1).copied(),
        Some(ins::GET_CHALLENGE | ins::EXTERNAL_AUTHENTICATE | ins::GENERAL_AUTHENTICATE)
    )
}

/// A READ BINARY (even or odd INS) without secure messaging.
fn is_plain_read(apdu: &[u8]) -> bool {
    matches!(apdu, [cla, ins::READ_BINARY | ins::READ_BINARY_ODD, ..] if cla & 0x0C == 0)
}

/// SELECT by name (the eMRTD application) or of the master file.
fn selects(apdu: &[u8]) -> Option<bool> {
    match apdu {
        [_, ins::SELECT, 0x04, ..] => Some(true),
        [_, ins::SELECT, 0x00, _, 0x02, 0x3F, 0x00, ..] => Some(false),
        _ => None,
    }
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
        let redact = self.hides_response(apdu);
        let result = self.inner.transmit(apdu);
        if let Ok(resp) = &result {
            self.observe(apdu, resp);
        }
        self.apdus.set(self.apdus.get() + 1);
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
        self.in_application = false;
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
        assert!(!is_plain_read(&read));
    }

    #[test]
    fn plain_files_of_the_application_are_redacted() {
        // A chip without access control: EF.CardAccess in the master file is shown, DG1 (the
        // MRZ) from the eMRTD application is not; protected reads are encrypted anyway.
        struct Nothing;
        impl Transport for Nothing {
            fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
                Ok(vec![0x90, 0x00])
            }
        }
        let mut t = Traced::new(Nothing, false);
        let mut step = |apdu: &str, sw: &[u8]| {
            let apdu = hex::decode(apdu).unwrap();
            let hidden = t.hides_response(&apdu);
            t.observe(&apdu, sw);
            hidden
        };
        let ok = [0x90, 0x00];
        assert!(!step("00B09C0000", &ok), "EF.CardAccess");
        assert!(
            !step("00B0810000", &ok),
            "EF.ATR/INFO (SFI 01 in the master file)"
        );
        assert!(!step("00A4040C07A0000002471001", &ok));
        assert!(step("00B0810000", &ok), "DG1 (SFI 01 in the application)");
        assert!(step("00B10000040403000100", &ok), "odd INS");
        assert!(!step("0CB0810000", &ok), "protected");
        // A SELECT of the master file the chip refuses leaves the application selected.
        assert!(!step("00A4000C023F00", &[0x6A, 0x82]));
        assert!(step("00B0810000", &ok), "still DG1");
        assert!(!step("00A4000C023F00", &ok));
        assert!(!step("00B0810000", &ok), "master file again");
        assert!(step("0084000008", &ok), "GET CHALLENGE");
    }
}
