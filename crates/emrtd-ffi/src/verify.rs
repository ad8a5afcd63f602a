//! Trust stores and verdicts.

use crate::EmrtdError;
use emrtd_auth::source::{
    BuiltIn, CertificateSource, DerCertificates, LdifFile, MasterListFile, TrustPath,
};
use emrtd_auth::{CheckStatus as AuthCheckStatus, DgStatus, PassiveAuthReport, SignedObjectReport};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, RwLock};

/// Overall answer of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VerdictStatus {
    /// Every required check passed.
    Valid,
    /// Something failed: do not trust the data.
    Invalid,
    /// Nothing failed, but a required check could not run (for example no trust anchor for
    /// the issuing country).
    Unverified,
}

impl From<emrtd_auth::Verdict> for VerdictStatus {
    fn from(v: emrtd_auth::Verdict) -> Self {
        match v {
            emrtd_auth::Verdict::Valid => VerdictStatus::Valid,
            emrtd_auth::Verdict::Invalid => VerdictStatus::Invalid,
            // Unverified, or a verdict this build does not know: never valid.
            _ => VerdictStatus::Unverified,
        }
    }
}

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CheckStatus {
    /// The check ran and passed.
    Passed,
    /// The check ran and failed: do not trust the data.
    Failed,
    /// Not run (the chip does not offer it, or an earlier step failed).
    Skipped,
    /// Could not be run for lack of input (no CRL, no trust anchor …).
    NotChecked,
}

impl From<AuthCheckStatus> for CheckStatus {
    fn from(s: AuthCheckStatus) -> Self {
        match s {
            AuthCheckStatus::Passed => CheckStatus::Passed,
            AuthCheckStatus::Failed => CheckStatus::Failed,
            AuthCheckStatus::Skipped => CheckStatus::Skipped,
            // Not checked, or an outcome this build does not know.
            _ => CheckStatus::NotChecked,
        }
    }
}

/// One check with its outcome and why.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckResult {
    /// Machine name, e.g. `signature`, `chip_authentication`.
    pub name: String,
    /// Outcome of the check.
    pub status: CheckStatus,
    /// Why, in words.
    pub reason: String,
    /// Reported, but does not count towards the verdict.
    pub informational: bool,
}

impl From<&emrtd_auth::Check> for CheckResult {
    fn from(c: &emrtd_auth::Check) -> Self {
        CheckResult {
            name: c.id.as_str().to_string(),
            status: c.status().into(),
            reason: c.reason().to_string(),
            informational: c.informational,
        }
    }
}

/// Hash comparison of one data group with EF.SOD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DataGroupStatus {
    /// The hash of the bytes read equals the hash in EF.SOD.
    Match,
    /// The data group was altered.
    Mismatch,
    /// EF.SOD lists the data group but it was not read.
    NotRead,
    /// The data group was read but EF.SOD has no hash for it (a failure).
    NotInSod,
    /// The data group was read but there was no usable EF.SOD to compare it with.
    NotChecked,
}

/// One data group and its hash comparison.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DataGroupCheck {
    /// `DG1` … `DG16`.
    pub data_group: String,
    /// Outcome of the hash comparison.
    pub status: DataGroupStatus,
}

/// Passive Authentication: EF.SOD signature, certificate chain, data-group hashes.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PassiveAuthentication {
    /// `Valid` only when the signature, the chain and every data-group hash passed.
    pub status: VerdictStatus,
    /// Does the EF.SOD signature verify with the Document Signer key?
    pub signature_valid: Option<bool>,
    /// Does the Document Signer chain to a trusted CSCA?
    pub chain_valid: Option<bool>,
    /// Every data group, in number order.
    pub data_groups: Vec<DataGroupCheck>,
    /// What failed or could not be checked, for people.
    pub errors: Vec<String>,
    /// What is unusual but does not fail the verification, for people.
    pub warnings: Vec<String>,
    /// Every step.
    pub checks: Vec<CheckResult>,
    /// Hash algorithm of EF.SOD, e.g. `SHA-256`.
    pub hash_algorithm: Option<String>,
}

fn checks(c: &[emrtd_auth::Check]) -> Vec<CheckResult> {
    c.iter().map(CheckResult::from).collect()
}

impl From<&PassiveAuthReport> for PassiveAuthentication {
    fn from(r: &PassiveAuthReport) -> Self {
        // Keyed by `DataGroup`: in the order of the numbers; the name is made here.
        let data_groups: Vec<DataGroupCheck> = r
            .data_groups
            .iter()
            .map(|(dg, s)| DataGroupCheck {
                data_group: dg.to_string(),
                status: match s {
                    DgStatus::Match => DataGroupStatus::Match,
                    DgStatus::Mismatch => DataGroupStatus::Mismatch,
                    DgStatus::NotRead => DataGroupStatus::NotRead,
                    DgStatus::NotInSod => DataGroupStatus::NotInSod,
                    // Not checked, or a status this build does not know.
                    _ => DataGroupStatus::NotChecked,
                },
            })
            .collect();
        PassiveAuthentication {
            status: r.status.into(),
            signature_valid: r.signature_valid,
            chain_valid: r.chain_valid,
            data_groups,
            errors: r.errors.clone(),
            warnings: r.warnings.clone(),
            checks: checks(&r.checks),
            hash_algorithm: r.hash_algorithm.clone(),
        }
    }
}

/// Verification of a signed object (EF.CardSecurity).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignatureCheck {
    /// `Valid` only when the signature and the chain passed.
    pub status: VerdictStatus,
    /// Does the signature verify with the signer's key? (`None`: not checked.)
    pub signature_valid: Option<bool>,
    /// Does the signer chain to a trusted CSCA? (`None`: not checked.)
    pub chain_valid: Option<bool>,
    /// What failed or could not be checked, for people.
    pub errors: Vec<String>,
    /// What is unusual but does not fail the verification, for people.
    pub warnings: Vec<String>,
    /// Every step.
    pub checks: Vec<CheckResult>,
}

impl From<&SignedObjectReport> for SignatureCheck {
    fn from(r: &SignedObjectReport) -> Self {
        SignatureCheck {
            status: r.status.into(),
            signature_valid: r.signature_valid,
            chain_valid: r.chain_valid,
            errors: r.errors.clone(),
            warnings: r.warnings.clone(),
            checks: checks(&r.checks),
        }
    }
}

/// The verdict on a read document.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Verdict {
    /// `Valid` only when every required check passed.
    pub status: VerdictStatus,
    /// Same as `status == Valid`.
    pub valid: bool,
    /// Passive Authentication of EF.SOD and the data groups.
    pub passive_authentication: PassiveAuthentication,
    /// EF.CardSecurity, when the chip has one.
    pub card_security: Option<SignatureCheck>,
    /// Chip Authentication (DG14).
    pub chip_authentication: CheckResult,
    /// Active Authentication (DG15).
    pub active_authentication: CheckResult,
    /// PACE-CAM.
    pub pace_cam: CheckResult,
    /// Every file read decodes and follows the LDS rules.
    pub lds_conformance: CheckResult,
    /// The document's date of expiry has not passed (informational: not part of `status`).
    pub document_validity: CheckResult,
    /// The checks, one line each, for people.
    pub summary: Vec<String>,
}

impl From<emrtd_reader::ReadVerdict> for Verdict {
    fn from(v: emrtd_reader::ReadVerdict) -> Self {
        Verdict {
            status: v.status.into(),
            valid: v.valid,
            passive_authentication: (&v.passive_authentication).into(),
            card_security: v.card_security.as_ref().map(SignatureCheck::from),
            chip_authentication: (&v.chip_authentication).into(),
            active_authentication: (&v.active_authentication).into(),
            pace_cam: (&v.pace_cam).into(),
            lds_conformance: (&v.lds_conformance).into(),
            document_validity: (&v.document_validity).into(),
            summary: v.summary,
        }
    }
}

/// The verdict on a dump folder (offline: the data is checked, the chip cannot be).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DumpVerdict {
    /// `Valid` when Passive Authentication (and EF.CardSecurity, when present) passed.
    pub status: VerdictStatus,
    /// Same as `status == Valid`.
    pub valid: bool,
    /// The files found in the folder.
    pub files: Vec<String>,
    /// Passive Authentication of EF.SOD and the data groups.
    pub passive_authentication: PassiveAuthentication,
    /// EF.CardSecurity, when the dump has one.
    pub card_security: Option<SignatureCheck>,
    /// The time used as "now" (UTC).
    pub verified_at: String,
}

/// What one load into a trust store added.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LoadSummary {
    /// New CSCA (and link) certificates: trust anchors.
    pub csca: u32,
    /// New Document Signer certificates (never trusted by themselves).
    pub dsc: u32,
    /// New certificate revocation lists.
    pub crls: u32,
    /// Master lists read.
    pub master_lists: u32,
    /// Entries skipped, with why.
    pub skipped: Vec<String>,
}

fn n32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<emrtd_auth::trust::LoadSummary> for LoadSummary {
    fn from(s: emrtd_auth::trust::LoadSummary) -> Self {
        LoadSummary {
            csca: n32(s.csca),
            dsc: n32(s.dsc),
            crls: n32(s.crls),
            master_lists: n32(s.master_lists),
            skipped: s.skipped,
        }
    }
}

fn trust_error(e: emrtd_auth::AuthError) -> EmrtdError {
    match e {
        // The file or folder cannot be read: the path is wrong, not a certificate.
        emrtd_auth::AuthError::Io { .. } => {
            EmrtdError::Io(format!("{e}; check the path of the trust anchors"))
        }
        other => EmrtdError::InvalidCertificate(other.to_string()),
    }
}

/// CSCA trust anchors (and Document Signer certificates, CRLs) to verify documents against.
#[derive(Debug, Default, uniffi::Object)]
pub struct TrustStore {
    inner: RwLock<emrtd_auth::TrustStore>,
}

impl TrustStore {
    pub(crate) fn with<R>(&self, f: impl FnOnce(&emrtd_auth::TrustStore) -> R) -> R {
        let guard = self.inner.read().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }

    fn add(
        &self,
        f: impl FnOnce(
            &mut emrtd_auth::TrustStore,
        ) -> Result<emrtd_auth::trust::LoadSummary, emrtd_auth::AuthError>,
    ) -> Result<LoadSummary, EmrtdError> {
        let mut guard = self.inner.write().unwrap_or_else(|e| e.into_inner());
        f(&mut guard).map(LoadSummary::from).map_err(trust_error)
    }
}

#[uniffi::export]
impl TrustStore {
    /// An empty store (verifications against it are `Unverified` at best).
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(TrustStore::default())
    }

    /// Add one DER certificate (a CSCA becomes a trust anchor).
    pub fn add_der_certificate(&self, der: Vec<u8>) -> Result<LoadSummary, EmrtdError> {
        self.add(|t| DerCertificates::new("the certificate given", vec![der]).load_into(t))
    }

    /// Add every certificate and CRL in PEM text.
    pub fn add_pem(&self, text: String) -> Result<LoadSummary, EmrtdError> {
        self.add(|t| t.add_pem(&text))
    }

    /// Add every CSCA of an ICAO master list (CMS). Its signature is not checked: take the
    /// master list from a source you trust.
    pub fn add_master_list(&self, bytes: Vec<u8>) -> Result<LoadSummary, EmrtdError> {
        self.add(|t| t.add_master_list(&bytes, None))
    }

    /// Add the Norwegian CSCAs built into the library (from the German CSCA master list).
    pub fn add_norwegian_cscas(&self) -> Result<LoadSummary, EmrtdError> {
        self.add(|t| BuiltIn::NorwegianCscas.load_into(t))
    }

    /// Add a DER CRL.
    pub fn add_crl(&self, der: Vec<u8>) -> Result<LoadSummary, EmrtdError> {
        self.add(|t| t.add_crl_der(&der))
    }

    /// Load a file or folder: PEM, DER certificates, CRLs, master lists (`.ml`), PKD LDIF.
    pub fn load_path(&self, path: String) -> Result<LoadSummary, EmrtdError> {
        self.add(|t| TrustPath::new(path).load_into(t))
    }

    /// Load an ICAO master list file. With `signer_roots` (e.g. a store holding the issuing
    /// country's CSCA) its signer must chain to them now, or nothing is added; without, its
    /// CSCAs are unverified anchors (the master list's own signature is checked either way).
    pub fn load_master_list_file(
        &self,
        path: String,
        signer_roots: Option<Arc<TrustStore>>,
    ) -> Result<LoadSummary, EmrtdError> {
        let mut source = MasterListFile::new(path);
        if let Some(roots) = signer_roots {
            let roots = roots.with(|r| Arc::new(r.clone()));
            source = source.signer_roots(roots, emrtd_auth::VerifyOptions::now().now);
        }
        self.add(|t| source.load_into(t))
    }

    /// Load the certificates, CRLs and master lists of an ICAO PKD LDIF file.
    pub fn load_ldif_file(&self, path: String) -> Result<LoadSummary, EmrtdError> {
        self.add(|t| LdifFile::new(path).load_into(t))
    }

    /// Number of trust anchors.
    pub fn csca_count(&self) -> u32 {
        self.with(|t| n32(t.anchor_count()))
    }
}

/// Verify a dump folder offline (`COM.bin`, `SOD.bin`, `DG1.bin` … `DG16.bin`,
/// `CardSecurity.bin`, as written by `Document.save_dump` or `emrtd read --out`).
#[uniffi::export]
pub fn verify_dump(directory: String, trust: Arc<TrustStore>) -> Result<DumpVerdict, EmrtdError> {
    trust
        .with(|t| emrtd_auth::verify_dump(Path::new(&directory), t))
        .map(|r| dump_verdict(&r))
        .map_err(|e| dump_error(e, "check the folder of the dump"))
}

/// Verify dumped files held in memory (the app's own storage, a server upload), named as in a
/// dump folder: `COM`, `SOD`, `DG1` … `DG16`, `CardAccess`, `CardSecurity` (with or without
/// `.bin`, any case); other names are ignored.
#[uniffi::export]
pub fn verify_files(
    files: HashMap<String, Vec<u8>>,
    trust: Arc<TrustStore>,
) -> Result<DumpVerdict, EmrtdError> {
    let files: BTreeMap<String, Vec<u8>> = files.into_iter().collect();
    trust
        .with(|t| emrtd_auth::pa::verify_files(&files, t, &emrtd_auth::VerifyOptions::now()))
        .map(|r| dump_verdict(&r))
        .map_err(|e| dump_error(e, "check the files given"))
}

fn dump_error(e: emrtd_auth::AuthError, what_to_do: &str) -> EmrtdError {
    match e {
        emrtd_auth::AuthError::Io { .. } | emrtd_auth::AuthError::File { .. } => {
            EmrtdError::Io(format!("{e}; {what_to_do}"))
        }
        other => EmrtdError::InvalidData(other.to_string()),
    }
}

fn dump_verdict(report: &emrtd_auth::DumpVerification) -> DumpVerdict {
    let status = match report.verdict() {
        emrtd_auth::Verdict::Valid => VerdictStatus::Valid,
        emrtd_auth::Verdict::Invalid => VerdictStatus::Invalid,
        // Unverified, and any verdict a later version adds: never valid.
        _ => VerdictStatus::Unverified,
    };
    DumpVerdict {
        status,
        valid: status == VerdictStatus::Valid,
        files: report.files.clone(),
        passive_authentication: (&report.passive_authentication).into(),
        card_security: report.card_security.as_ref().map(SignatureCheck::from),
        verified_at: report.verified_at.clone(),
    }
}
