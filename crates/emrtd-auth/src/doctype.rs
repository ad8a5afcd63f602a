//! The Document Signer's document-type list (ICAO Doc 9303-12, 8th ed.: the DSC extension
//! `id-icao-mrtd-security-extensions-documentTypeList`): which MRZ document codes a Document
//! Signer may sign, and the check of DG1's document code against it.
//!
//! ```text
//! DocumentTypeListSyntax ::= SEQUENCE { version INTEGER (v0), docTypeList SET OF DocumentType }
//! DocumentType ::= PrintableString (SIZE (1..2))
//! ```
//!
//! Issued certificates deviate (field quirk T6): some use the older OID 2.23.136.1.1.4, some
//! put each document type in a SET of its own, some (Indonesian and Philippine Document
//! Signers) write a bare SEQUENCE OF DocumentType without version and SET. All are read and
//! named as findings.

use crate::cert::Certificate;
use crate::check::{Check, CheckId};
use crate::finding::Finding;
use const_oid::ObjectIdentifier;
use der::asn1::AnyRef;
use der::{Decode, Reader, SliceReader, Tag, Tagged};

/// `id-icao-mrtd-security-extensions-documentTypeList` (ICAO Doc 9303-12).
pub const DOCUMENT_TYPE_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.6.2");
/// The older OID some issuers put the same list under.
pub const DOCUMENT_TYPE_LIST_OLD: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.4");
/// Most document types (and SETs) read from one list; real lists hold a handful.
pub const MAX_DOCUMENT_TYPES: usize = 64;

/// Under which OID the list was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DocumentTypeListOid {
    /// 2.23.136.1.1.6.2, as ICAO Doc 9303-12 defines it.
    Icao,
    /// 2.23.136.1.1.4, the older OID.
    Old,
}

/// A decoded document-type list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentTypeList {
    /// The document types (1 or 2 characters `A`–`Z`, a `<` filler removed), in the order read.
    pub types: Vec<String>,
    /// The OID it was found under.
    pub oid: DocumentTypeListOid,
    /// How many SETs held the types (ICAO: one); 0 for the bare form, a SEQUENCE OF
    /// DocumentType without version and SET.
    pub sets: usize,
}

impl DocumentTypeList {
    /// May a document with this MRZ document code (`<` fillers ignored) be signed?
    pub fn allows(&self, document_code: &str) -> bool {
        let code: String = document_code.chars().filter(|c| *c != '<').collect();
        self.types.iter().any(|t| code.starts_with(t.as_str()))
    }
}

/// Why a document-type list cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentTypeListError {
    /// Both OIDs, or one of them twice: which list applies is unknown.
    #[error("the Document Signer certificate carries {0} document-type list extensions: which one applies is unknown; the issuer must fix the certificate")]
    Repeated(usize),
    /// Not decodable DER of the expected shape.
    #[error("the document-type list is not DER of DocumentTypeListSyntax ({0})")]
    Encoding(String),
    /// An element with another tag than the syntax requires.
    #[error("the document-type list has a {found} where {expected} belongs")]
    UnexpectedTag {
        /// The tag found.
        found: String,
        /// The tag expected.
        expected: &'static str,
    },
    /// A version other than v0 (its first bytes at most 8).
    #[error("the document-type list has version bytes {0:02X?}, but only v0 is defined")]
    Version(Vec<u8>),
    /// More entries or SETs than [`MAX_DOCUMENT_TYPES`].
    #[error(
        "the document-type list holds more than {MAX_DOCUMENT_TYPES} entries: not a real list"
    )]
    TooLong,
    /// An entry that is not 1 or 2 characters `A`–`Z` (a `<` filler allowed).
    #[error("the document-type list has the entry {0:?}, not 1 or 2 characters A-Z")]
    BadType(String),
}

fn der_error(e: der::Error) -> DocumentTypeListError {
    DocumentTypeListError::Encoding(e.to_string())
}

fn expect_tag(
    any: &AnyRef<'_>,
    tag: Tag,
    expected: &'static str,
) -> Result<(), DocumentTypeListError> {
    if any.tag() == tag {
        Ok(())
    } else {
        Err(DocumentTypeListError::UnexpectedTag {
            found: any.tag().to_string(),
            expected,
        })
    }
}

/// Decode the extension value (the bytes inside `extnValue`).
pub fn parse_document_type_list(
    value: &[u8],
    oid: DocumentTypeListOid,
) -> Result<DocumentTypeList, DocumentTypeListError> {
    let top = AnyRef::from_der(value).map_err(der_error)?;
    expect_tag(&top, Tag::Sequence, "a SEQUENCE (DocumentTypeListSyntax)")?;
    let mut r = SliceReader::new(top.value()).map_err(der_error)?;
    let mut types = Vec::new();
    let first = AnyRef::decode(&mut r).map_err(der_error)?;
    if first.tag() == Tag::PrintableString {
        // The bare form: SEQUENCE OF DocumentType, without version and SET.
        push_type(&mut types, &first)?;
        while !r.is_finished() {
            let item = AnyRef::decode(&mut r).map_err(der_error)?;
            push_type(&mut types, &item)?;
        }
        return Ok(DocumentTypeList {
            types,
            oid,
            sets: 0,
        });
    }
    expect_tag(&first, Tag::Integer, "an INTEGER (version)")?;
    if first.value() != [0] {
        return Err(DocumentTypeListError::Version(
            first.value().iter().take(8).copied().collect(),
        ));
    }
    let mut sets = 0usize;
    while !r.is_finished() {
        let set = AnyRef::decode(&mut r).map_err(der_error)?;
        expect_tag(&set, Tag::Set, "a SET OF DocumentType")?;
        sets += 1;
        if sets > MAX_DOCUMENT_TYPES {
            return Err(DocumentTypeListError::TooLong);
        }
        let mut items = SliceReader::new(set.value()).map_err(der_error)?;
        while !items.is_finished() {
            let item = AnyRef::decode(&mut items).map_err(der_error)?;
            push_type(&mut types, &item)?;
        }
    }
    if sets == 0 {
        return Err(DocumentTypeListError::UnexpectedTag {
            found: "end of the list".into(),
            expected: "a SET OF DocumentType",
        });
    }
    Ok(DocumentTypeList { types, oid, sets })
}

/// Check one `DocumentType` and add it, `<` fillers removed.
fn push_type(types: &mut Vec<String>, item: &AnyRef<'_>) -> Result<(), DocumentTypeListError> {
    expect_tag(
        item,
        Tag::PrintableString,
        "a PrintableString (DocumentType)",
    )?;
    if types.len() == MAX_DOCUMENT_TYPES {
        return Err(DocumentTypeListError::TooLong);
    }
    let raw = item.value();
    let shown = || String::from_utf8_lossy(raw).into_owned();
    let well_formed = (1..=2).contains(&raw.len())
        && raw.iter().all(|b| b.is_ascii_uppercase() || *b == b'<')
        && raw[0] != b'<';
    if !well_formed {
        return Err(DocumentTypeListError::BadType(shown()));
    }
    types.push(shown().trim_end_matches('<').to_string());
    Ok(())
}

/// The document-type list of a Document Signer certificate: `Ok(None)` when it has none.
pub fn document_type_list(
    signer: &Certificate,
) -> Result<Option<DocumentTypeList>, DocumentTypeListError> {
    let found: Vec<_> = signer
        .x509()
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter_map(|e| {
            if e.extn_id == DOCUMENT_TYPE_LIST {
                Some((e, DocumentTypeListOid::Icao))
            } else if e.extn_id == DOCUMENT_TYPE_LIST_OLD {
                Some((e, DocumentTypeListOid::Old))
            } else {
                None
            }
        })
        .collect();
    match found.as_slice() {
        [] => Ok(None),
        [(e, oid)] => parse_document_type_list(e.extn_value.as_bytes(), *oid).map(Some),
        more => Err(DocumentTypeListError::Repeated(more.len())),
    }
}

/// The [`CheckId::DocumentType`] check: DG1's document code (given only when its hash matched
/// EF.SOD) against the list of the Document Signer (given only when its signature and chain
/// verified). Deviations accepted are added to `findings`.
pub fn document_type_check(
    dg1: Option<&Vec<u8>>,
    signer: Option<&Certificate>,
    findings: &mut Vec<Finding>,
) -> Check {
    let id = CheckId::DocumentType;
    let Some(signer) = signer else {
        return Check::after_failure(
            id,
            "no verified Document Signer: its document-type list cannot be read",
        );
    };
    let list = match document_type_list(signer) {
        Ok(Some(list)) => list,
        Ok(None) => {
            return Check::not_applicable(
                id,
                "document-type list not present in the Document Signer certificate: nothing to check",
            )
        }
        Err(e) => {
            return Check::failed(
                id,
                format!("{e}: which documents the Document Signer may sign is unknown; refuse this document"),
            )
        }
    };
    if list.oid == DocumentTypeListOid::Old {
        findings.push(Finding::DocumentTypeListOldOid);
    }
    if list.sets == 0 {
        findings.push(Finding::DocumentTypeListWithoutVersion);
    }
    if list.sets > 1 {
        findings.push(Finding::DocumentTypeListSplitSets { sets: list.sets });
    }
    let Some(dg1) = dg1 else {
        return Check::missing_input(
            id,
            "DG1 not read or not matching EF.SOD: the document code cannot be compared with the Document Signer's document-type list",
        );
    };
    let code = match emrtd_lds::dg1::Dg1::decode(dg1)
        .map_err(|e| e.to_string())
        .and_then(|d| d.mrz().map_err(|e| e.to_string()))
    {
        Ok(m) => m.document_code,
        Err(e) => {
            return Check::missing_input(
                id,
                format!("DG1 cannot be decoded ({e}): the document code cannot be compared with the Document Signer's document-type list"),
            )
        }
    };
    let shown_code = code.trim_end_matches('<');
    let listed = format!("[{}]", list.types.join(", "));
    if list.allows(&code) {
        Check::verified(
            id,
            format!(
                "document code {shown_code} is among the Document Signer's document types {listed}"
            ),
        )
    } else {
        Check::failed(
            id,
            format!("the Document Signer may sign only document types {listed} but this is {} {shown_code} document: refuse it", article(shown_code)),
        )
    }
}

/// The English article before a letter's name ("an I", "a P").
fn article(code: &str) -> &'static str {
    match code.chars().next() {
        Some('A' | 'E' | 'F' | 'H' | 'I' | 'L' | 'M' | 'N' | 'O' | 'R' | 'S' | 'X') => "an",
        _ => "a",
    }
}
