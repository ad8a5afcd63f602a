//! Checks of a verification: what was checked ([`CheckId`]) and how it came out.

use serde::Serialize;

/// Status of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckStatus {
    /// The check ran and succeeded.
    Passed,
    /// The check ran and failed.
    Failed,
    /// The check was not run because an earlier step failed.
    Skipped,
    /// The check could not be run (missing input: no CRL, no trust anchor, no signing time ...).
    NotChecked,
}

/// One check with its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Machine name, e.g. `"signature"`.
    pub name: String,
    /// Outcome.
    pub status: CheckStatus,
    /// Why, in words.
    pub reason: String,
    /// True when the outcome is reported but does not count towards the verdict.
    pub informational: bool,
}

/// What a check is about: the typed identity behind [`Check::name`] (which is its
/// [`CheckId::as_str`]). Decisions are made on these, never on the strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckId {
    /// The CMS SignedData version is the one ICAO 9303-10 requires (3).
    SignedDataVersion,
    /// The encapsulated content type is the one expected (the LDS Security Object in EF.SOD).
    ContentType,
    /// `SignedData.digestAlgorithms` is not empty and lists the SignerInfo's digest algorithm.
    DigestAlgorithms,
    /// There is exactly one SignerInfo.
    SignerInfos,
    /// The SignerInfo version matches its signer identifier (1: issuer and serial, 3: key identifier).
    SignerInfoVersion,
    /// The SignerInfo digest algorithm is one ICAO 9303 allows.
    DigestAlgorithm,
    /// The signed attributes are present and well-formed.
    SignedAttributes,
    /// The content-type signed attribute names the encapsulated content type.
    ContentTypeAttribute,
    /// The message-digest signed attribute equals the hash of the encapsulated content.
    MessageDigest,
    /// The signing-time attribute, when present, is a valid time.
    SigningTime,
    /// The signature algorithm is one ICAO 9303 allows, with sound parameters.
    SignatureAlgorithm,
    /// The signer (Document Signer) certificate, embedded or supplied, matching the SignerInfo.
    SignerCertificate,
    /// The signature over the signed attributes verifies with the signer certificate's key.
    Signature,
    /// The signer certificate is X.509 v3 with keyUsage digitalSignature and an authority key
    /// identifier.
    SignerCertificateProfile,
    /// The signer certificate chains to a trusted CSCA.
    CertificateChain,
    /// The signer certificate was valid when the object was signed.
    ValidityAtSigning,
    /// The signer certificate and CSCA are valid at verification time.
    ValidityNow,
    /// Revocation: no CRL of the store revokes the signer certificate.
    Crl,
    /// The LDS Security Object version agrees with its LDSVersionInfo (version 0 has none,
    /// version 1 has one).
    LdsSecurityObjectVersion,
    /// Every data group read hashes to the value in EF.SOD.
    DataGroupHashes,
    /// DG1, and DG2 when EF.SOD lists it, compared and matching.
    RequiredDataGroups,
    /// EF.SOD as a whole: decodable and verified.
    EfSod,
    /// EF.CardSecurity as a whole: decodable and verified.
    EfCardSecurity,
    /// EF.COM and EF.SOD list the same data groups.
    EfComConsistency,
    /// EF.CardAccess agrees with the SecurityInfos signed in EF.CardSecurity.
    CardAccessConsistency,
}

impl CheckId {
    /// The machine name used in reports (`"signature"`, `"certificate_chain"` …).
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::SignedDataVersion => "signed_data_version",
            CheckId::ContentType => "content_type",
            CheckId::DigestAlgorithms => "digest_algorithms",
            CheckId::SignerInfos => "signer_infos",
            CheckId::SignerInfoVersion => "signer_info_version",
            CheckId::DigestAlgorithm => "digest_algorithm",
            CheckId::SignedAttributes => "signed_attributes",
            CheckId::ContentTypeAttribute => "content_type_attribute",
            CheckId::MessageDigest => "message_digest",
            CheckId::SigningTime => "signing_time",
            CheckId::SignatureAlgorithm => "signature_algorithm",
            CheckId::SignerCertificate => "signer_certificate",
            CheckId::Signature => "signature",
            CheckId::SignerCertificateProfile => "signer_certificate_profile",
            CheckId::CertificateChain => "certificate_chain",
            CheckId::ValidityAtSigning => "validity_at_signing",
            CheckId::ValidityNow => "validity_now",
            CheckId::Crl => "crl",
            CheckId::LdsSecurityObjectVersion => "lds_security_object_version",
            CheckId::DataGroupHashes => "data_group_hashes",
            CheckId::RequiredDataGroups => "required_data_groups",
            CheckId::EfSod => "ef_sod",
            CheckId::EfCardSecurity => "ef_card_security",
            CheckId::EfComConsistency => "ef_com_consistency",
            CheckId::CardAccessConsistency => "card_access_consistency",
        }
    }

    /// Checks that must pass for a `valid` verdict (when they are part of the report).
    pub(crate) fn essential(self) -> bool {
        matches!(
            self,
            CheckId::SignerCertificate
                | CheckId::Signature
                | CheckId::CertificateChain
                | CheckId::DataGroupHashes
                | CheckId::RequiredDataGroups
        )
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Check {
    /// A check with its typed identity as name.
    pub fn of(id: CheckId, status: CheckStatus, reason: impl Into<String>) -> Self {
        Check {
            name: id.as_str().into(),
            status,
            reason: reason.into(),
            informational: false,
        }
    }
}
