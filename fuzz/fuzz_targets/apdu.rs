//! Command and response APDU parsing: whatever `CommandApdu::parse` / `ResponseApdu::parse`
//! accept must encode back with `to_bytes` and parse to the identical value again.
#![no_main]

use emrtd_apdu::{CommandApdu, ResponseApdu};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cmd) = CommandApdu::parse(data) {
        let _ = cmd.is_extended();
        let _ = cmd.is_secure_messaging();
        let _ = format!("{cmd:?}");
        let bytes = cmd
            .to_bytes()
            .expect("a parsed command APDU must encode again");
        let again = CommandApdu::parse(&bytes).expect("an encoded command APDU must parse");
        assert_eq!(
            cmd, again,
            "command APDU changed in a parse/encode round trip"
        );
        let bytes2 = again.to_bytes().expect("second encoding");
        assert_eq!(bytes, bytes2, "command APDU encoding is not stable");
    }
    if let Ok(resp) = ResponseApdu::parse(data) {
        let _ = resp.sw.describe();
        let _ = format!("{resp:?} {}", resp.sw);
        let bytes = resp.to_bytes();
        assert_eq!(bytes, data, "response APDU bytes changed in a round trip");
        let again = ResponseApdu::parse(&bytes).expect("an encoded response APDU must parse");
        assert_eq!(
            resp, again,
            "response APDU changed in a parse/encode round trip"
        );
    }
});
