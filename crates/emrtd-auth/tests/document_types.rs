//! The Document Signer's document-type list (ICAO Doc 9303-12 documentTypeList, field quirk
//! T6): crafted Document Signer certificates carrying the extension, in the ICAO form and in the
//! forms issued certificates show (old OID, one SET per type), and garbage.

mod common;

use common::*;
use emrtd_auth::doctype::{
    parse_document_type_list, DocumentTypeListError, DocumentTypeListOid, MAX_DOCUMENT_TYPES,
};
use emrtd_auth::pa::{self, CheckId, Finding, PassiveAuthReport};
use emrtd_auth::trust::TrustStore;
use emrtd_auth::{CheckStatus, Verdict, VerifyOptions};
use emrtd_crypto::sig::HashAlg::Sha256;
use emrtd_tlv::encode as tlv;

const SOD_ALG: SigAlg = alg(Kind::X962, Sha256);
const ICAO_OID: &str = "2.23.136.1.1.6.2";
const OLD_OID: &str = "2.23.136.1.1.4";

/// `DocumentTypeListSyntax` with version 0 and these SETs of PrintableStrings.
fn list_value(sets: &[&[&str]]) -> Vec<u8> {
    let mut parts = vec![int(0)];
    for set in sets {
        let items: Vec<u8> = set.iter().flat_map(|t| tlv(0x13, t.as_bytes())).collect();
        parts.push(tlv(0x31, &items));
    }
    seq(&parts)
}

/// A CSCA and a Document Signer whose certificate carries `extensions`.
fn world_with(extensions: Vec<Vec<u8>>) -> World {
    world(Key::p384(), Key::p256(), SOD_ALG, |o| {
        o.extra_extensions = extensions
    })
}

/// Passive Authentication of a crafted EF.SOD over the default data groups, DG1's document
/// code replaced by `code` (two characters).
fn verify_code(w: &World, code: &str) -> PassiveAuthReport {
    let mut o = SodOpts::new(SOD_ALG);
    let mrz = format!("{code:<<2}NORERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10");
    assert_eq!(mrz.len(), 88);
    o.dgs.insert(1, tlv(0x61, &tlv(0x5F1F, mrz.as_bytes())));
    let mut trust = TrustStore::new();
    trust.add_der_certificate(&w.csca).unwrap();
    pa::verify_sod_bytes(&make_sod(w, &o), &o.dgs, &trust, &VerifyOptions::at(NOW))
}

fn document_type(r: &PassiveAuthReport) -> &emrtd_auth::Check {
    r.checks
        .iter()
        .find(|c| c.id == CheckId::DocumentType)
        .unwrap_or_else(|| panic!("no document_type check in {:#?}", r.checks))
}

#[test]
fn a_document_type_the_list_allows_is_valid_without_findings() {
    let w = world_with(vec![ext(ICAO_OID, false, list_value(&[&["P", "ID"]]))]);
    let r = verify_code(&w, "P<");
    assert_eq!(r.status, Verdict::Valid, "{:#?}", r.checks);
    let c = document_type(&r);
    assert_eq!(c.status(), CheckStatus::Passed);
    assert!(c.reason().contains("[P, ID]"), "{}", c.reason());
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    // a two-character type allows codes that start with it
    let r = verify_code(&w, "ID");
    assert_eq!(r.status, Verdict::Valid, "{:#?}", r.checks);
}

#[test]
fn a_document_type_the_list_does_not_allow_makes_the_document_invalid() {
    let w = world_with(vec![ext(ICAO_OID, false, list_value(&[&["P"]]))]);
    let r = verify_code(&w, "I<");
    assert_eq!(r.status, Verdict::Invalid);
    assert_eq!(r.signature_valid, Some(true));
    let c = document_type(&r);
    assert_eq!(c.status(), CheckStatus::Failed);
    assert!(
        c.reason().starts_with(
            "the Document Signer may sign only document types [P] but this is an I document"
        ),
        "{}",
        c.reason()
    );
    assert!(r.errors.iter().any(|e| e.contains("document types [P]")));
    // "ID" allows an ID card, not an I document: the code must start with the type
    let w = world_with(vec![ext(ICAO_OID, false, list_value(&[&["ID"]]))]);
    let r = verify_code(&w, "I<");
    assert_eq!(r.status, Verdict::Invalid);
    assert!(document_type(&r)
        .reason()
        .contains("[ID] but this is an I document"));
}

#[test]
fn the_old_oid_is_read_and_named_as_a_finding() {
    let w = world_with(vec![ext(OLD_OID, false, list_value(&[&["P"]]))]);
    let r = verify_code(&w, "P<");
    assert_eq!(r.status, Verdict::Valid, "{:#?}", r.checks);
    assert_eq!(r.findings, vec![Finding::DocumentTypeListOldOid]);
    // and it restricts as the ICAO OID does
    let r = verify_code(&w, "AC");
    assert_eq!(r.status, Verdict::Invalid);
    assert!(document_type(&r)
        .reason()
        .contains("this is an AC document"));
}

#[test]
fn one_set_per_document_type_is_read_and_named_as_a_finding() {
    let w = world_with(vec![ext(ICAO_OID, false, list_value(&[&["P"], &["I"]]))]);
    for code in ["P<", "I<"] {
        let r = verify_code(&w, code);
        assert_eq!(r.status, Verdict::Valid, "{code}: {:#?}", r.checks);
        assert_eq!(
            r.findings,
            vec![Finding::DocumentTypeListSplitSets { sets: 2 }]
        );
    }
    let r = verify_code(&w, "AC");
    assert_eq!(r.status, Verdict::Invalid);
}

#[test]
fn a_bare_sequence_of_types_without_version_and_set_is_read_and_named_as_a_finding() {
    // the form of the Indonesian and Philippine Document Signers (fixtures/sod/gmrtd)
    let bare = seq(&[tlv(0x13, b"P"), tlv(0x13, b"PO")]);
    let w = world_with(vec![ext(ICAO_OID, false, bare)]);
    let r = verify_code(&w, "PO");
    assert_eq!(r.status, Verdict::Valid, "{:#?}", r.checks);
    assert_eq!(r.findings, vec![Finding::DocumentTypeListWithoutVersion]);
    let r = verify_code(&w, "I<");
    assert_eq!(r.status, Verdict::Invalid);
    assert!(document_type(&r)
        .reason()
        .contains("[P, PO] but this is an I document"));
}

#[test]
fn without_a_list_the_check_says_not_present_and_never_passes() {
    let w = world_with(Vec::new());
    let r = verify_code(&w, "P<");
    assert_eq!(r.status, Verdict::Valid, "{:#?}", r.checks);
    let c = document_type(&r);
    assert_eq!(c.status(), CheckStatus::Skipped);
    assert!(!c.is_verified());
    assert!(c.reason().contains("not present"), "{}", c.reason());
}

#[test]
fn a_garbage_list_is_a_typed_failure_never_a_panic_nor_valid() {
    let too_many: Vec<String> = (0..=MAX_DOCUMENT_TYPES).map(|_| "P".to_string()).collect();
    let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
    let many_sets: Vec<&[&str]> = (0..=MAX_DOCUMENT_TYPES).map(|_| &["P"][..]).collect();
    let garbage: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x30],
        vec![0x30, 0x81],
        vec![0x30, 0x03, 0x02, 0x01],
        tlv(0x31, &int(0)),
        seq(&[int(0)]),
        seq(&[int(1), tlv(0x31, &tlv(0x13, b"P"))]),
        seq(&[tlv(0x04, &[0]), tlv(0x31, &tlv(0x13, b"P"))]),
        seq(&[int(0), tlv(0x31, &tlv(0x0C, b"P"))]),
        seq(&[int(0), tlv(0x31, &tlv(0x13, b""))]),
        seq(&[int(0), tlv(0x31, &tlv(0x13, b"PPP"))]),
        seq(&[int(0), tlv(0x31, &tlv(0x13, b"p"))]),
        seq(&[int(0), tlv(0x31, &tlv(0x13, b"<"))]),
        seq(&[int(0), tlv(0x31, &tlv(0x13, &[0xFF]))]),
        seq(&[int(0), tlv(0x30, &tlv(0x13, b"P"))]),
        seq(&[tlv(0x13, b"P"), int(0)]),
        seq(&[tlv(0x13, b"P"), tlv(0x31, &tlv(0x13, b"P"))]),
        seq(&[tlv(0x13, b"p")]),
        [list_value(&[&["P"]]), vec![0x00]].concat(),
        list_value(&[&too_many]),
        list_value(&many_sets),
    ];
    for g in &garbage {
        assert!(
            parse_document_type_list(g, DocumentTypeListOid::Icao).is_err(),
            "{g:02X?} was accepted"
        );
        let w = world_with(vec![ext(ICAO_OID, false, g.clone())]);
        let r = verify_code(&w, "P<");
        assert_eq!(r.status, Verdict::Invalid, "{g:02X?}");
        let c = document_type(&r);
        assert_eq!(c.status(), CheckStatus::Failed, "{g:02X?}");
        assert!(c.reason().contains("refuse"), "{}", c.reason());
    }
    // both OIDs at once: which list applies is unknown
    let w = world_with(vec![
        ext(ICAO_OID, false, list_value(&[&["P"]])),
        ext(OLD_OID, false, list_value(&[&["P"]])),
    ]);
    let r = verify_code(&w, "P<");
    assert_eq!(r.status, Verdict::Invalid);
    assert!(document_type(&r).reason().contains("2 document-type list"));
}

#[test]
fn parsing_pins_types_fillers_and_the_cap() {
    let l = parse_document_type_list(&list_value(&[&["P<", "ID", "A"]]), DocumentTypeListOid::Old)
        .unwrap();
    assert_eq!(l.types, ["P", "ID", "A"]);
    assert_eq!(l.oid, DocumentTypeListOid::Old);
    assert_eq!(l.sets, 1);
    assert!(l.allows("P<") && l.allows("PD") && l.allows("ID") && l.allows("AC"));
    assert!(!l.allows("I<") && !l.allows("C<") && !l.allows("<<"));
    let max: Vec<&str> = vec!["V"; MAX_DOCUMENT_TYPES];
    assert_eq!(
        parse_document_type_list(&list_value(&[&max]), DocumentTypeListOid::Icao)
            .unwrap()
            .types
            .len(),
        MAX_DOCUMENT_TYPES
    );
    let over: Vec<&str> = vec!["V"; MAX_DOCUMENT_TYPES + 1];
    assert_eq!(
        parse_document_type_list(&list_value(&[&over]), DocumentTypeListOid::Icao),
        Err(DocumentTypeListError::TooLong)
    );
    // an empty SET lists no type: nothing may be signed
    let none = parse_document_type_list(&list_value(&[&[]]), DocumentTypeListOid::Icao).unwrap();
    assert!(none.types.is_empty() && !none.allows("P<"));
}
