//! MRZ parsing on arbitrary text: `Mrz::parse` (lossy UTF-8 of the input), every accessor of a
//! parsed zone, the builder round trip, and the Norwegian identity number parser.
//! Asserts only that nothing panics (the parser refuses input over `MAX_INPUT_LEN`).
#![no_main]

use emrtd_mrz::{check_digit, mrz_information, no, Date, Mrz, MrzBuilder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(mrz) = Mrz::parse(&text) {
        let _ = mrz.is_valid();
        let _ = mrz.validate();
        let _ = mrz.check_failures();
        let _ = mrz.access_key_info();
        if let Some(today) = Date::new(2024, 2, 29) {
            let _ = mrz.birth_date(today);
        }
        let _ = mrz.expiry_date();
        let _ = mrz.norwegian_personal_number();
        let _ = no::extract_candidate(&mrz);
        if let Ok(lines) = MrzBuilder::from_mrz(&mrz).lines() {
            let _ = Mrz::from_lines(&lines);
        }
        let _ = Mrz::parse(&mrz.to_string_lines());
    }
    let lines: Vec<&str> = text.lines().collect();
    let _ = Mrz::from_lines(&lines);
    let _ = no::Fodselsnummer::parse(&text);
    let _ = check_digit(&text);
    // The three BAC key fields, split from the text at line breaks.
    let mut parts = text.splitn(3, '\n');
    let (a, b, c) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let _ = mrz_information(a, b, c);
});
