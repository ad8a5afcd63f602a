//! Hostile and malformed input: errors, never panics.

use emrtd_mrz::no::Fodselsnummer;
use emrtd_mrz::{mrz_information, Date, Mrz, MrzError, MAX_INPUT_LEN};

const TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

fn shape_error(text: &str) -> Vec<usize> {
    match Mrz::parse(text) {
        Err(MrzError::NotAnMrz { line_lengths }) => line_lengths,
        other => panic!("{text:?}: {other:?}"),
    }
}

#[test]
fn empty_and_blank() {
    assert_eq!(shape_error(""), Vec::<usize>::new());
    assert_eq!(shape_error("   \n\r\n\t  "), Vec::<usize>::new());
}

#[test]
fn wrong_shapes() {
    // One line of TD3.
    assert_eq!(shape_error(&TD3[..44]), vec![44]);
    // Three TD3 lines, one line too short, mixed lengths.
    assert_eq!(
        shape_error(&format!("{TD3}\n{}", &TD3[..44])),
        vec![44, 44, 44]
    );
    assert_eq!(shape_error(&TD3[..TD3.len() - 1]), vec![44, 43]);
    assert_eq!(
        shape_error("I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6"),
        vec![30, 30]
    );
    // A single string of a length that is no MRZ.
    assert_eq!(shape_error(&"<".repeat(89)), vec![89]);
    // Four lines of 30.
    assert_eq!(
        shape_error(&vec!["<".repeat(30); 4].join("\n")),
        vec![30; 4]
    );
    // White space never belongs to an MRZ: stray spaces (OCR, copied text) are dropped when the
    // rest has the length of a zone, and lines joined by a space are split again.
    let spaced = TD3.replacen("ERIKSSON", "ERIKSSON ", 1);
    assert_eq!(Mrz::parse(&spaced).unwrap(), Mrz::parse(TD3).unwrap());
    assert_eq!(
        Mrz::parse(&TD3.replace('\n', " ")).unwrap(),
        Mrz::parse(TD3).unwrap()
    );
    // Not when the characters left are one too many: the error shows the lines as given.
    let extra = TD3.replacen("ERIKSSON", "ERIKSSON <", 1);
    assert_eq!(shape_error(&extra), vec![46, 44]);
    // The message says what is expected.
    let msg = Mrz::parse("ABC").unwrap_err().to_string();
    assert!(msg.contains("2 lines of 44 (TD3, MRV-A)"), "{msg}");
}

#[test]
fn huge_input_is_refused() {
    let huge = "<".repeat(MAX_INPUT_LEN + 1);
    assert_eq!(
        Mrz::parse(&huge),
        Err(MrzError::InputTooLong {
            found: MAX_INPUT_LEN + 1,
            max: MAX_INPUT_LEN
        })
    );
    let lines = vec!["<".repeat(600), "<".repeat(600)];
    assert!(matches!(
        Mrz::from_lines(&lines),
        Err(MrzError::InputTooLong { .. })
    ));
    // Megabytes: refused at once.
    let mega = "P".repeat(8 << 20);
    assert!(matches!(
        Mrz::parse(&mega),
        Err(MrzError::InputTooLong { .. })
    ));
    // Up to the cap, surrounding whitespace is fine.
    let padded = format!("{TD3}{}", " ".repeat(MAX_INPUT_LEN - TD3.len()));
    assert!(Mrz::parse(&padded).unwrap().is_valid());
}

#[test]
fn invalid_characters() {
    // Lower case is reported, not converted.
    assert_eq!(
        Mrz::parse(&TD3.replacen("ERIKSSON", "Eriksson", 1)),
        Err(MrzError::InvalidCharacter {
            field: "name",
            line: Some(1),
            position: 7,
            found: 'r'
        })
    );
    assert_eq!(
        Mrz::parse(&TD3.to_lowercase()),
        Err(MrzError::InvalidCharacter {
            field: "document code",
            line: Some(1),
            position: 1,
            found: 'p'
        })
    );
    // Multi-byte UTF-8 counts as one character each: the shape is right, the character wrong.
    let umlaut = TD3.replacen("ERIKSSON", "ERIKSSÖN", 1);
    assert_eq!(
        Mrz::parse(&umlaut),
        Err(MrzError::InvalidCharacter {
            field: "name",
            line: Some(1),
            position: 12,
            found: 'Ö'
        })
    );
    let emoji = TD3.replacen("7408122", "74081🎉2", 1);
    assert_eq!(
        Mrz::parse(&emoji),
        Err(MrzError::InvalidCharacter {
            field: "date of birth",
            line: Some(2),
            position: 19,
            found: '🎉'
        })
    );
    let nul = TD3.replacen('F', "\0", 1);
    assert!(matches!(
        Mrz::parse(&nul),
        Err(MrzError::InvalidCharacter {
            field: "sex",
            found: '\0',
            ..
        })
    ));
    // Check digit position, optional data, composite: each field named.
    let cases = [
        (TD3.replacen("C36", "C3?", 1), "document number check digit"),
        (TD3.replacen("ZE1", "Ze1", 1), "optional data"),
        (TD3.replacen("<10", "<1.", 1), "composite check digit"),
    ];
    for (text, field) in cases {
        match Mrz::parse(&text) {
            Err(MrzError::InvalidCharacter { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    // An error message tells what to do.
    let msg = Mrz::parse(&umlaut).unwrap_err().to_string();
    assert!(msg.contains("only A-Z, 0-9 and '<'"), "{msg}");
}

#[test]
fn check_digit_errors_name_their_place() {
    let wrong = TD3.replacen("7408122", "7408123", 1);
    let mrz = Mrz::parse(&wrong).unwrap();
    assert!(!mrz.is_valid());
    assert_eq!(
        mrz.validate(),
        Err(MrzError::CheckDigit {
            field: "date of birth",
            line: 2,
            position: 20,
            expected: '2',
            found: '3'
        })
    );
    assert_eq!(mrz.check_failures().len(), 2, "date of birth and composite");
    let msg = mrz.validate().unwrap_err().to_string();
    assert!(msg.contains("line 2, position 20"), "{msg}");
    // Lines changed by hand after parsing: check_failures reports why they no longer parse.
    let mut broken = mrz.clone();
    broken.lines.pop();
    assert!(matches!(
        broken.check_failures().as_slice(),
        [MrzError::NotAnMrz { .. }]
    ));
}

#[test]
fn typed_values_from_odd_fields() {
    // Unknown parts of a date ('<') give no typed date but do not fail.
    let mrz = Mrz::parse(&TD3.replacen("7408122", "7408<<7", 1)).unwrap();
    assert_eq!(mrz.date_of_birth, "7408<<");
    assert_eq!(mrz.birth_date(Date::new(2025, 1, 1).unwrap()), None);
    assert!(
        mrz.checks["date_of_birth"],
        "check digit of 7408<< is 7 (7·7 + 4·3 + 8·7 = 117)"
    );
    assert!(mrz_information("", "", "").is_err());
    assert!(mrz_information("ÅÄÖ", "740812", "120415").is_err());
    assert!(mrz_information(&"A".repeat(10_000), "740812", "120415").is_ok());
}

/// xorshift64*: a small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Use every public entry point on whatever parsed.
fn exercise(text: &str) {
    if let Ok(mrz) = Mrz::parse(text) {
        let _ = mrz.is_valid();
        let _ = mrz.validate();
        let _ = mrz.check_failures();
        let _ = mrz.access_key_info();
        let _ = mrz.birth_date(Date::new(2025, 6, 1).unwrap());
        let _ = mrz.expiry_date();
        let _ = mrz.norwegian_personal_number();
        let _ = emrtd_mrz::MrzBuilder::from_mrz(&mrz).build();
        assert_eq!(Mrz::parse(&mrz.to_string_lines()).as_ref(), Ok(&mrz));
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let text = String::from_utf8_lossy(&bytes);
        exercise(&text);
        let _ = Fodselsnummer::parse(&text);
    }
}

#[test]
fn random_mrz_shaped_text_never_panics() {
    // Right shapes filled with MRZ characters (and a few others) reach every field reader.
    const ALPHABET: &[u8] = b"<<<<<<<<ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789V";
    let shapes: [(usize, usize); 5] = [(3, 30), (2, 36), (2, 44), (1, 90), (1, 88)];
    let mut rng = Rng(42);
    let mut parsed = 0;
    for i in 0..20_000 {
        let (count, width) = shapes[rng.below(shapes.len())];
        let mut lines = Vec::new();
        for _ in 0..count {
            let line: String = (0..width)
                .map(|_| char::from(ALPHABET[rng.below(ALPHABET.len())]))
                .collect();
            lines.push(line);
        }
        let mut text = lines.join(if i % 2 == 0 { "\n" } else { "\r\n" });
        if i % 97 == 0 {
            text.push('é');
        }
        if Mrz::parse(&text).is_ok() {
            parsed += 1;
        }
        exercise(&text);
    }
    assert!(parsed > 15_000, "most shaped inputs parse ({parsed})");
    // Random digit strings for the identity number parser.
    for _ in 0..20_000 {
        let n: String = (0..11)
            .map(|_| char::from(b'0' + rng.below(10) as u8))
            .collect();
        let _ = Fodselsnummer::parse(&n);
    }
}
