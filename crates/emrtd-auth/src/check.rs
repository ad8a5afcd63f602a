//! Checks of a verification: what was checked ([`CheckId`]) and how it came out.

use serde::Serialize;

/// The word a report gives a check's outcome (`status` in JSON): derived from its
/// [`CheckOutcome`], never the other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckStatus {
    /// [`CheckOutcome::Verified`].
    Passed,
    /// [`CheckOutcome::Failed`].
    Failed,
    /// Not run: an earlier step failed, it does not apply, or the chip does not support it.
    Skipped,
    /// Not run for a missing input: no CRL, no trust anchor, no signing time …
    NotChecked,
}

impl CheckStatus {
    /// `"passed"`, `"failed"`, `"skipped"` or `"not_checked"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Passed => "passed",
            CheckStatus::Failed => "failed",
            CheckStatus::Skipped => "skipped",
            CheckStatus::NotChecked => "not_checked",
        }
    }
}

/// How a check came out.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CheckOutcome {
    /// The check ran and passed.
    Verified,
    /// The check ran and failed, with why.
    Failed(String),
    /// The check did not run, with why.
    NotPerformed(NotPerformed),
    /// The document or chip does not offer what the check needs (no DG14 for Chip
    /// Authentication, no DG15 for Active Authentication).
    NotSupported,
}

impl CheckOutcome {
    /// Did the check run and pass?
    pub fn is_verified(&self) -> bool {
        matches!(self, CheckOutcome::Verified)
    }

    /// Did the check run and fail?
    pub fn is_failed(&self) -> bool {
        matches!(self, CheckOutcome::Failed(_))
    }

    /// The word of reports.
    pub fn status(&self) -> CheckStatus {
        match self {
            CheckOutcome::Verified => CheckStatus::Passed,
            CheckOutcome::Failed(_) => CheckStatus::Failed,
            CheckOutcome::NotPerformed(NotPerformed::MissingInput(_)) => CheckStatus::NotChecked,
            CheckOutcome::NotPerformed(
                NotPerformed::EarlierStepFailed(_) | NotPerformed::NotApplicable(_),
            )
            | CheckOutcome::NotSupported => CheckStatus::Skipped,
        }
    }
}

impl std::fmt::Display for CheckOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckOutcome::Verified => f.write_str("passed"),
            CheckOutcome::Failed(why) => write!(f, "failed: {why}"),
            CheckOutcome::NotPerformed(why) => write!(f, "not performed: {}", why.reason()),
            CheckOutcome::NotSupported => f.write_str("not supported by the chip"),
        }
    }
}

impl Serialize for CheckOutcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why a check did not run. What it decides: a check that could not run for a missing input
/// keeps a verdict from `valid`; one that does not apply does not.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NotPerformed {
    /// An earlier step it needs failed (that failure decides the verdict), with why.
    EarlierStepFailed(String),
    /// An input it needs is missing (no trust anchor, no CRL, no signing time, a file not
    /// read), with why.
    MissingInput(String),
    /// It does not apply to this document or read (PACE-CAM when another mapping was used),
    /// with why.
    NotApplicable(String),
}

impl NotPerformed {
    /// Why, in words.
    pub fn reason(&self) -> &str {
        match self {
            NotPerformed::EarlierStepFailed(r)
            | NotPerformed::MissingInput(r)
            | NotPerformed::NotApplicable(r) => r,
        }
    }
}

/// One check with its outcome. Serialised (JSON) as `name`, `status`, `reason` and
/// `informational`, the words made from the typed fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Check {
    /// What was checked.
    pub id: CheckId,
    /// How it came out.
    pub outcome: CheckOutcome,
    /// What was verified with what (for a verified check), or what is missing (not
    /// supported), in words; a failure or a check not performed carries its why in `outcome`.
    pub note: String,
    /// True when the outcome is reported but does not count towards the verdict.
    pub informational: bool,
}

impl Check {
    /// A check with this outcome and note.
    pub fn new(id: CheckId, outcome: CheckOutcome, note: impl Into<String>) -> Self {
        Check {
            id,
            outcome,
            note: note.into(),
            informational: false,
        }
    }

    /// A check that ran and passed; `note` says what was verified with what.
    pub fn verified(id: CheckId, note: impl Into<String>) -> Self {
        Check::new(id, CheckOutcome::Verified, note)
    }

    /// A check that ran and failed, with why.
    pub fn failed(id: CheckId, why: impl Into<String>) -> Self {
        Check::new(id, CheckOutcome::Failed(why.into()), "")
    }

    /// A check that did not run, with why.
    pub fn not_performed(id: CheckId, why: NotPerformed) -> Self {
        Check::new(id, CheckOutcome::NotPerformed(why), "")
    }

    /// A check that could not run for a missing input, with why.
    pub fn missing_input(id: CheckId, why: impl Into<String>) -> Self {
        Check::not_performed(id, NotPerformed::MissingInput(why.into()))
    }

    /// A check not run because an earlier step failed, with why.
    pub fn after_failure(id: CheckId, why: impl Into<String>) -> Self {
        Check::not_performed(id, NotPerformed::EarlierStepFailed(why.into()))
    }

    /// A check that does not apply to this document or read, with why.
    pub fn not_applicable(id: CheckId, why: impl Into<String>) -> Self {
        Check::not_performed(id, NotPerformed::NotApplicable(why.into()))
    }

    /// A check the document or chip does not support; `note` says what it lacks.
    pub fn not_supported(id: CheckId, note: impl Into<String>) -> Self {
        Check::new(id, CheckOutcome::NotSupported, note)
    }

    /// The same check, reported but not counted towards the verdict.
    pub fn informational(self) -> Self {
        Check {
            informational: true,
            ..self
        }
    }

    /// The word of reports for the outcome.
    pub fn status(&self) -> CheckStatus {
        self.outcome.status()
    }

    /// Did it run and pass?
    pub fn is_verified(&self) -> bool {
        self.outcome.is_verified()
    }

    /// Did it fail in a way that counts towards the verdict?
    pub fn counts_as_failure(&self) -> bool {
        self.outcome.is_failed() && !self.informational
    }

    /// Why, in words: the failure or the reason it did not run, else the note.
    pub fn reason(&self) -> &str {
        match &self.outcome {
            CheckOutcome::Failed(why) => why,
            CheckOutcome::NotPerformed(why) => why.reason(),
            CheckOutcome::Verified | CheckOutcome::NotSupported => &self.note,
        }
    }
}

impl Serialize for Check {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Check", 4)?;
        st.serialize_field("name", self.id.as_str())?;
        st.serialize_field("status", &self.status())?;
        st.serialize_field("reason", self.reason())?;
        st.serialize_field("informational", &self.informational)?;
        st.end()
    }
}

/// What a check is about. Decisions are made on these, never on their names
/// ([`CheckId::as_str`], the `name` of reports).
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
    /// Every data group EF.SOD lists that the read asked for could be read (a chip that hides
    /// one fails).
    DataGroupsPresent,
    /// Chip Authentication (DG14): the chip proved it holds the private key of DG14.
    ChipAuthentication,
    /// Active Authentication (DG15): the chip signed a fresh challenge with the key of DG15.
    ActiveAuthentication,
    /// PACE-CAM: the chip proved its EF.CardSecurity key within PACE.
    PaceCam,
    /// Every file read decodes and follows the LDS rules.
    LdsConformance,
    /// The document's date of expiry has not passed (informational).
    DocumentValidity,
    /// The issuing state in DG1 is the country of the CSCA (and of the Document Signer's
    /// issuer) that signed the document.
    IssuingState,
    /// DG1's document code is among the document types the Document Signer's certificate lists
    /// (ICAO Doc 9303-12 documentTypeList), when it lists any.
    DocumentType,
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
            CheckId::DataGroupsPresent => "data_groups_present",
            CheckId::ChipAuthentication => "chip_authentication",
            CheckId::ActiveAuthentication => "active_authentication",
            CheckId::PaceCam => "pace_cam",
            CheckId::LdsConformance => "lds_conformance",
            CheckId::DocumentValidity => "document_validity",
            CheckId::IssuingState => "issuing_state",
            CheckId::DocumentType => "document_type",
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
                | CheckId::IssuingState
        )
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}
