//! What a Passive Authentication report names besides its checks: deviations that were
//! accepted, and what the verdict does not cover ([`Finding`]). Re-exported by [`crate::pa`].

use serde::Serialize;

/// Where a data group is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ListedIn {
    /// The LDSSecurityObject of EF.SOD holds its hash.
    Sod,
    /// EF.COM's tag list names it.
    Com,
}

/// A deviation the report names. Findings do not change the verdict by themselves (the checks
/// do); they say what was accepted, or what the verdict does not cover, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Finding {
    /// Bytes after the end of EF.SOD's encoding; nobody signed them and they were not decoded.
    TrailingBytes {
        /// How many bytes follow.
        count: usize,
    },
    /// EF.SOD (or the CMS object) is BER, not DER: indefinite or non-minimal lengths. The
    /// signature was checked over the bytes as stored.
    BerEncoding,
    /// eContentType is not `id-icao-mrtd-security-ldsSecurityObject` but an OID some issuers
    /// use instead.
    NonIcaoContentType {
        /// The content type found (dotted OID).
        oid: String,
    },
    /// The SignerInfo's issuer name is not byte for byte the certificate's issuer, but names
    /// the same issuer (same attributes, other order or string types).
    SignerIssuerNameNotByteEqual,
    /// The signer's EC key carries explicit domain parameters instead of a named curve.
    ExplicitEcParameters,
    /// The signer certificate has expired and EF.SOD has no signing time: it is assumed to
    /// have been signed at issuance, while the certificate was valid.
    ExpiredSignerWithoutSigningTime {
        /// When the signer certificate expired.
        not_after: String,
    },
    /// A data group listed but not read: the verdict does not cover it.
    DataGroupNotRead {
        /// The data group number.
        data_group: u8,
        /// Which file lists it.
        listed_in: ListedIn,
    },
    /// The CSCA that verified the signer came from a master list whose own signer was not
    /// chained to a trusted root: an unverified anchor.
    UnverifiedAnchor {
        /// The CSCA's subject name.
        subject: String,
    },
    /// The Document Signer's document-type list is under the older OID 2.23.136.1.1.4, not
    /// ICAO Doc 9303-12's 2.23.136.1.1.6.2; read all the same.
    DocumentTypeListOldOid,
    /// The Document Signer's document-type list puts its types in several SETs, not one; all
    /// were read.
    DocumentTypeListSplitSets {
        /// How many SETs.
        sets: usize,
    },
    /// The Document Signer's document-type list is a bare SEQUENCE OF document types, without
    /// version and SET; read all the same.
    DocumentTypeListWithoutVersion,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::TrailingBytes { count } => write!(
                f,
                "{count} byte(s) after the end of EF.SOD: not signed, not decoded, ignored"
            ),
            Finding::BerEncoding => f.write_str(
                "EF.SOD is BER, not DER (indefinite or non-minimal lengths); verified over the bytes as stored",
            ),
            Finding::NonIcaoContentType { oid } => write!(
                f,
                "eContentType {oid} is not the ICAO id-icao-mrtd-security-ldsSecurityObject; accepted as issuers use it"
            ),
            Finding::SignerIssuerNameNotByteEqual => f.write_str(
                "the SignerInfo names the signer's issuer with the same attributes as the certificate but not byte for byte (other order or string types)",
            ),
            Finding::ExplicitEcParameters => f.write_str(
                "the signer's EC key has explicit domain parameters instead of a named curve",
            ),
            Finding::ExpiredSignerWithoutSigningTime { not_after } => write!(
                f,
                "the signer certificate expired on {not_after} and EF.SOD has no signing time: assumed signed at issuance"
            ),
            Finding::DataGroupNotRead {
                data_group,
                listed_in,
            } => write!(
                f,
                "DG{data_group} is listed in {} but was not read: missing, the verdict does not cover it",
                match listed_in {
                    ListedIn::Sod => "EF.SOD",
                    ListedIn::Com => "EF.COM",
                }
            ),
            Finding::UnverifiedAnchor { subject } => write!(
                f,
                "the CSCA {subject} comes from a master list whose signer was not chained to a trusted root (unverified anchor)"
            ),
            Finding::DocumentTypeListOldOid => f.write_str(
                "the Document Signer's document-type list uses the old OID 2.23.136.1.1.4 instead of 2.23.136.1.1.6.2; read all the same",
            ),
            Finding::DocumentTypeListSplitSets { sets } => write!(
                f,
                "the Document Signer's document-type list spreads its types over {sets} SETs instead of one; all were read"
            ),
            Finding::DocumentTypeListWithoutVersion => f.write_str(
                "the Document Signer's document-type list is a bare SEQUENCE OF document types, without version and SET; read all the same",
            ),
        }
    }
}
