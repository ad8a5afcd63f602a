//! Norwegian national identity numbers.
//!
//! Numbers come from Skatteetaten's "Nytt fødselsnummer fra 2032" page (Folkeregisteret API
//! documentation: 02013299997, 30108299920, 30108299939, 02013299903, 02013299806), the
//! fnrinfo.no worked example (31129956715), and otherwise were derived outside this crate with
//! the published formulas (K1 weights 3 7 6 1 8 9 4 5 2, K2 weights 5 4 3 2 7 6 5 4 3 2,
//! modulo 11).

use emrtd_mrz::no::{
    extract_candidate, BirthDateCheck, ControlRule, Fodselsnummer, NinError, NinKind, Sex,
};
use emrtd_mrz::{Date, Mrz, MrzBuilder, MrzFormat};

fn ok(n: &str) -> Fodselsnummer {
    Fodselsnummer::parse(n).unwrap_or_else(|e| panic!("{n}: {e}"))
}

fn date(y: u16, m: u8, d: u8) -> Date {
    Date::new(y, m, d).unwrap()
}

#[test]
fn classic_numbers() {
    let f = ok("15055012374");
    assert_eq!(f.number, "15055012374");
    assert_eq!(f.kind, NinKind::Ordinary);
    assert_eq!(f.birth_date, date(1950, 5, 15));
    assert_eq!(f.sex, Sex::Male);
    assert_eq!(f.control_rule, ControlRule::Classic);
    assert_eq!(ok("15055012455").sex, Sex::Female);
    // fnrinfo.no example: individual 567 with year 99 is 1899.
    let f = ok("31129956715");
    assert_eq!(f.birth_date, date(1899, 12, 31));
    assert_eq!(f.sex, Sex::Male);
}

#[test]
fn century_from_individual_number() {
    // 000–499 → 1900–1999
    assert_eq!(ok("15055012374").birth_date.year, 1950);
    // 500–749 with year 54–99 → 1854–1899
    assert_eq!(ok("15057560085").birth_date.year, 1875);
    // 500–999 with year 00–39 → 2000–2039
    assert_eq!(ok("15050580013").birth_date.year, 2005);
    assert_eq!(ok("15053999961").birth_date.year, 2039);
    // 900–999 with year 40–99 → 1940–1999
    let f = ok("15054595066");
    assert_eq!(f.birth_date.year, 1945);
    assert_eq!(f.sex, Sex::Female);
    // Outside the classic ranges (750–899, 500–749 with year 40–53): only issued from 2032,
    // when the individual number stopped telling the century; remainder 0 is still possible
    // then, so such numbers are accepted and read as 19YY.
    let f = ok("15054580026");
    assert_eq!(f.birth_date, date(1945, 5, 15));
    assert_eq!(f.control_rule, ControlRule::Classic);
    assert_eq!(ok("15054560181").birth_date.year, 1945);
}

#[test]
fn calendar_dates() {
    // 29 February 2000 exists (individual 500 → 2000), 29 February 1900 does not; from 2032
    // the individual number no longer tells the century, so individual 100 (classically
    // 1900) is valid too, read as 2000.
    assert_eq!(ok("29020050088").birth_date, date(2000, 2, 29));
    assert_eq!(ok("29020010027").birth_date, date(2000, 2, 29));
    assert!(matches!(
        Fodselsnummer::parse("30029012373"),
        Err(NinError::BirthDate { .. })
    ));
}

#[test]
fn d_and_h_numbers() {
    let d = ok("41019012393");
    assert_eq!(d.kind, NinKind::DNumber);
    assert_eq!(d.birth_date, date(1990, 1, 1));
    let h = ok("01419012382");
    assert_eq!(h.kind, NinKind::HNumber);
    assert_eq!(h.birth_date, date(1990, 1, 1));
    // Both modifications at once is no number (check digits are right).
    assert!(matches!(
        Fodselsnummer::parse("41419012376"),
        Err(NinError::BirthDate { .. })
    ));
}

#[test]
fn numbers_issued_from_2032() {
    // Skatteetaten's examples: remainder 0 numbers are valid under both rules.
    for n in ["02013299997", "02013299806"] {
        let f = ok(n);
        assert_eq!(f.control_rule, ControlRule::Classic, "{n}");
        assert_eq!(f.birth_date, date(2032, 1, 2), "{n}");
    }
    let f = ok("30108299920");
    assert_eq!(f.control_rule, ControlRule::Classic);
    assert_eq!(f.birth_date, date(1982, 10, 30));
    // K1 = 12 - (196 mod 11) = 3: remainder 1, only valid under the 2032 rule.
    let f = ok("30108299939");
    assert_eq!(f.control_rule, ControlRule::From2032);
    assert_eq!(f.birth_date, date(1982, 10, 30));
    // The "next free number" example: remainder 2.
    assert_eq!(ok("02013299903").control_rule, ControlRule::From2032);
    // Remainder 3 and a D-number with remainder 2.
    assert_eq!(ok("15055012560").control_rule, ControlRule::From2032);
    let d = ok("71019012322");
    assert_eq!(
        (d.kind, d.control_rule),
        (NinKind::DNumber, ControlRule::From2032)
    );
    assert_eq!(d.birth_date, date(1990, 1, 31));
    // 2032 numbers no longer encode the century: an individual number outside the classic
    // ranges is accepted and read as 19YY.
    let f = ok("15054580034");
    assert_eq!(f.control_rule, ControlRule::From2032);
    assert_eq!(f.birth_date, date(1945, 5, 15));
}

#[test]
fn wrong_control_digits() {
    // 31129956715 with K1 changed to 5: remainder 4, no rule allows it.
    match Fodselsnummer::parse("31129956755") {
        Err(NinError::FirstControlDigit { found: 5, allowed }) => {
            assert_eq!(allowed, vec![1, 2, 3, 4]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        Fodselsnummer::parse("31129956716"),
        Err(NinError::SecondControlDigit {
            found: 6,
            expected: Some(5)
        })
    );
    // Every single-digit change of a valid number is caught by the control digits or by the
    // date and individual-number rules, except changes to K1 that the 2032 rule allows (those
    // then fail K2 unless K2 happens to fit).
    let base = "15055012374";
    let mut accepted = Vec::new();
    for pos in 0..11 {
        for d in b'0'..=b'9' {
            let mut bytes = base.as_bytes().to_vec();
            if bytes[pos] == d {
                continue;
            }
            bytes[pos] = d;
            let n = String::from_utf8(bytes).unwrap();
            if Fodselsnummer::parse(&n).is_ok() {
                accepted.push(n);
            }
        }
    }
    assert!(accepted.is_empty(), "{accepted:?}");
}

#[test]
fn malformed_input() {
    assert_eq!(Fodselsnummer::parse(""), Err(NinError::Length { found: 0 }));
    assert_eq!(
        Fodselsnummer::parse("1505501237"),
        Err(NinError::Length { found: 10 })
    );
    assert_eq!(
        Fodselsnummer::parse("150550 12374"),
        Err(NinError::Length { found: 12 })
    );
    assert_eq!(
        Fodselsnummer::parse("1505501237A"),
        Err(NinError::NotDigit {
            position: 11,
            found: 'A'
        })
    );
    // Non-ASCII digits are not digits here.
    assert!(matches!(
        Fodselsnummer::parse("١٥٠٥٥٠١٢٣٧٤"),
        Err(NinError::NotDigit { position: 1, .. })
    ));
    // Error messages tell what to do.
    let msg = Fodselsnummer::parse("31129956716").unwrap_err().to_string();
    assert!(msg.contains("mistyped"), "{msg}");
}

#[test]
fn from_norwegian_id_card_specimen() {
    // Specimen ID card: the optional data holds "230456<12345": date + separator + 5 digits.
    let mrz = Mrz::parse(
        "CANORGDC0001273230456<12345<<<\n5604230M2606118NOR<<<<<<<<<<<9\nOESTENBYEN<<AASAMUND<SPECIMEN<",
    )
    .unwrap();
    assert!(mrz.is_valid());
    assert_eq!(extract_candidate(&mrz).as_deref(), Some("23045612345"));
    // The specimen's digits are not a valid number (first control digit), so no number.
    assert!(matches!(
        Fodselsnummer::parse("23045612345"),
        Err(NinError::FirstControlDigit { found: 4, .. })
    ));
    assert_eq!(mrz.norwegian_personal_number(), None);

    // A card built with a valid number yields it.
    let card = MrzBuilder::from_mrz(&mrz)
        .optional_data("150550<12374")
        .build()
        .unwrap();
    let f = card.norwegian_personal_number().unwrap();
    assert_eq!(f.number, "15055012374");
    assert_eq!(f.birth_date, date(1950, 5, 15));
}

#[test]
fn from_norwegian_passport() {
    let passport = MrzBuilder::new(MrzFormat::Td3)
        .document_code("P")
        .issuing_state("NOR")
        .nationality("NOR")
        .document_number("CCC002251")
        .date_of_birth("820130")
        .sex("M")
        .date_of_expiry("300415")
        .primary_identifier("OESTENBYEN")
        .secondary_identifier("AASAMUND SPECIMEN")
        .optional_data("30108299939")
        .build()
        .unwrap();
    assert!(passport.is_valid());
    assert_eq!(extract_candidate(&passport).as_deref(), Some("30108299939"));
    let f = passport.norwegian_personal_number().unwrap();
    assert_eq!(f.control_rule, ControlRule::From2032);

    // The specimen passport has no personal number.
    let specimen = Mrz::parse(
        "P<NOROESTENBYEN<<AASAMUND<SPECIMEN<<<<<<<<<<\nCCC0022514NOR5604230M3004157<<<<<<<<<<<<<<04",
    )
    .unwrap();
    assert_eq!(extract_candidate(&specimen), None);

    // Only Norwegian documents, and only the two layouts.
    let foreign = MrzBuilder::from_mrz(&passport)
        .issuing_state("SWE")
        .build()
        .unwrap();
    assert_eq!(extract_candidate(&foreign), None);
    for odd in [
        "3010829993",
        "301082999390",
        "301082<9993",
        "3010829<9939",
        "301082<999390",
        "3010A299939",
    ] {
        let m = MrzBuilder::from_mrz(&passport)
            .optional_data(odd)
            .build()
            .unwrap();
        assert_eq!(extract_candidate(&m), None, "{odd}");
    }
}

#[test]
fn synthetic_test_numbers_month_plus_80_are_recognised() {
    // Skatteetaten's test population (Tenor) adds 80 to the month; control digits as usual
    // (derived with the published formulas).
    let f = ok("15859012342");
    assert_eq!(f.kind, NinKind::SyntheticOrdinary);
    assert!(f.kind.is_synthetic());
    assert_eq!(f.birth_date, date(1990, 5, 15));
    assert_eq!(f.kind.as_str(), "synthetic_fodselsnummer");
    // Synthetic D-number: day + 40 and month + 80.
    let d = ok("55859012336");
    assert_eq!(d.kind, NinKind::SyntheticDNumber);
    assert_eq!(d.birth_date, date(1990, 5, 15));
    // H-numbers (month + 40) and D-numbers (day + 40) are not synthetic.
    assert!(!NinKind::HNumber.is_synthetic() && !NinKind::DNumber.is_synthetic());
    assert_eq!(
        serde_json::to_value(NinKind::SyntheticDNumber).unwrap(),
        "SyntheticDNumber"
    );
}

#[test]
fn a_date_that_exists_only_in_the_other_century_is_valid() {
    // 29 February "00" with individual number 123: the classic reading says 1900, which had
    // no 29 February; 2000 had one, and from 2032 the individual number no longer tells.
    let f = ok("29020012380");
    assert_eq!(f.birth_date, date(2000, 2, 29));
    assert!(!f.century_ambiguous);
    // Both readings exist for a 2032-rule number: the classic one is given, marked ambiguous.
    let f = ok("30108299939");
    assert_eq!(f.birth_date, date(1982, 10, 30));
    assert!(f.century_ambiguous);
    // Remainder 0 inside a classic range is not ambiguous.
    assert!(!ok("31129956715").century_ambiguous);
}

#[test]
fn birth_date_is_cross_checked_with_the_mrz() {
    let f = ok("31129956715"); // 31 December 1999
    assert_eq!(f.check_birth_date("991231"), BirthDateCheck::Matches);
    assert_eq!(
        f.check_birth_date("991230"),
        BirthDateCheck::Differs {
            number: "991231".into(),
            mrz: "991230".into()
        }
    );
    assert!(matches!(
        f.check_birth_date("99<<<<"),
        BirthDateCheck::NotComparable { .. }
    ));
    assert!(matches!(
        f.check_birth_date("1999-12-31"),
        BirthDateCheck::NotComparable { .. }
    ));
    // Offsets are removed before comparing: D-number, synthetic number.
    assert_eq!(
        ok("71019012322").check_birth_date("900131"),
        BirthDateCheck::Matches
    );
    assert_eq!(
        ok("15859012342").check_birth_date("900515"),
        BirthDateCheck::Matches
    );
    let json = serde_json::to_value(f.check_birth_date("991230")).unwrap();
    assert_eq!(json["result"], "differs");
}

#[test]
fn identity_number_of_a_zone_is_cross_checked_with_its_date_of_birth() {
    let mrz = Mrz::parse(
        "CANORGDC0001273230456<12345<<<\n5604230M2606118NOR<<<<<<<<<<<9\nOESTENBYEN<<AASAMUND<SPECIMEN<",
    )
    .unwrap();
    // The specimen's number is invalid: nothing to cross-check.
    assert_eq!(emrtd_mrz::no::identity_number_of(&mrz), None);
    // Born 15 May 1950 per the number, 23 April 1956 per the zone: they differ.
    let card = MrzBuilder::from_mrz(&mrz)
        .optional_data("150550<12374")
        .build()
        .unwrap();
    let (nin, check) = emrtd_mrz::no::identity_number_of(&card).unwrap();
    assert_eq!(nin.kind, NinKind::Ordinary);
    assert_eq!(
        check,
        BirthDateCheck::Differs {
            number: "500515".into(),
            mrz: "560423".into()
        }
    );
    // The same number with the zone's date of birth set to match.
    let card = MrzBuilder::from_mrz(&card)
        .date_of_birth("500515")
        .build()
        .unwrap();
    assert_eq!(
        emrtd_mrz::no::identity_number_of(&card).map(|(_, c)| c),
        Some(BirthDateCheck::Matches)
    );
}
