//! Passive Authentication (ICAO Doc 9303-11 §5.1): EF.SOD signature, Document Signer → CSCA
//! chain, CRLs and data-group hashes; EF.CardSecurity and master lists through the same CMS
//! verification.
//!
//! Verdicts are reports, never panics or errors: every check has a status (`passed`, `failed`,
//! `skipped`, `not_checked`) and a reason. The overall status is `valid` only when the signature
//! and the chain to a trust anchor verified and nothing failed; `invalid` when anything failed;
//! `unverified` otherwise (for example when no trust anchor matched).

use crate::cert::{self, CertSummary, Certificate};
use crate::error::AuthError;
use crate::trust::TrustStore;
use const_oid::ObjectIdentifier;
use emrtd_crypto::sig::{self, AlgorithmProblem, HashAlg};
use emrtd_lds::sod::{oid, typed_oid, LdsSecurityObject, SignedData, SignerIdentifier, Sod};
use emrtd_lds::DataGroup;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

pub use crate::check::{Check, CheckId, CheckOutcome, CheckStatus, NotPerformed};

pub use crate::finding::{Finding, ListedIn};

/// Overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Verdict {
    /// Signature, chain to a trust anchor and every read data group verified; nothing failed.
    Valid,
    /// Something failed.
    Invalid,
    /// Nothing failed, but something essential could not be checked (e.g. no trust anchor).
    Unverified,
}

impl Verdict {
    /// `"valid"`, `"invalid"` or `"unverified"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Invalid => "invalid",
            Verdict::Unverified => "unverified",
        }
    }

    /// The weaker of two verdicts: `Invalid` if either is, else `Unverified` if either is, else
    /// `Valid`. Combining with it never turns a failed or unchecked step into `Valid`.
    pub fn weakest(self, other: Verdict) -> Verdict {
        match (self, other) {
            (Verdict::Invalid, _) | (_, Verdict::Invalid) => Verdict::Invalid,
            (Verdict::Unverified, _) | (_, Verdict::Unverified) => Verdict::Unverified,
            (Verdict::Valid, Verdict::Valid) => Verdict::Valid,
        }
    }
}

/// Result of comparing one data group with its hash in EF.SOD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DgStatus {
    /// Hash of the bytes read equals the hash in EF.SOD.
    Match,
    /// Hash differs.
    Mismatch,
    /// EF.SOD lists the data group but it was not read.
    NotRead,
    /// The data group was read but EF.SOD has no hash for it (a failure).
    NotInSod,
    /// The data group was read but there is no usable EF.SOD to compare it with.
    NotChecked,
}

/// Inputs besides the object and the trust store: `VerifyOptions::at(now)` or
/// `VerifyOptions::now()`, then the `with_…` methods.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// "Now", Unix seconds (validity and CRL checks).
    pub now: i64,
    /// Document Signer certificates to use when the object embeds none.
    pub dsc: Vec<Certificate>,
    /// Accept EF.SODs whose eContentType is the generic `id-data` (as Chinese passports use),
    /// with a finding. Off by default: BSI TR-03105-5.1 LDS_H_24 expects such an EF.SOD to
    /// fail. The legacy ICAO arc and the Dutch Sdu OID are always accepted with a finding.
    pub accept_id_data_content_type: bool,
}

impl VerifyOptions {
    /// Options with a fixed "now".
    pub fn at(now: i64) -> Self {
        VerifyOptions {
            now,
            dsc: Vec::new(),
            accept_id_data_content_type: false,
        }
    }

    /// Options with the system clock's time.
    pub fn now() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Self::at(now)
    }

    /// Document Signer certificates to use when the object embeds none.
    pub fn with_dsc(mut self, dsc: Vec<Certificate>) -> Self {
        self.dsc = dsc;
        self
    }

    /// Accept (`true`) or refuse (`false`, the default) EF.SODs whose eContentType is the
    /// generic `id-data`; see [`VerifyOptions::accept_id_data_content_type`].
    pub fn with_id_data_content_type(mut self, accept: bool) -> Self {
        self.accept_id_data_content_type = accept;
        self
    }
}

/// Details of a CMS signature verification, shared by EF.SOD, EF.CardSecurity and master lists.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SignatureDetails {
    /// eContentType (dotted OID).
    pub content_type: String,
    /// SignerInfo digest algorithm.
    pub digest_algorithm: Option<String>,
    /// SignerInfo signature algorithm, with its parameters.
    pub signature_algorithm: Option<String>,
    /// signing-time attribute, if present.
    pub signing_time: Option<String>,
    /// The Document Signer (or master-list signer) certificate.
    pub signer: Option<CertSummary>,
    /// Where it came from: `"embedded"`, `"supplied"` or `"trust_store"`.
    pub signer_source: Option<String>,
    /// The trust anchor that verified the signer certificate.
    pub csca: Option<CertSummary>,
    /// Certificates above the signer, nearest first (the anchor, then link/root certificates).
    pub chain: Vec<CertSummary>,
    /// True when the chain ends in a self-signed certificate whose signature verified.
    pub root_reached: bool,
    /// Validity of signer and anchor at the signing time.
    pub validity_at_signing: Check,
    /// Validity of signer and anchor now (informational: documents outlive their signers).
    pub validity_now: Check,
    /// Revocation status of the signer certificate.
    pub crl: Check,
}

/// Verdict on one CMS signed object (EF.CardSecurity, a master list, or the CMS part of EF.SOD).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SignedObjectReport {
    /// Overall verdict.
    pub status: Verdict,
    /// Did the signature verify? `None` when it could not be checked.
    pub signature_valid: Option<bool>,
    /// Did the signer chain to a trust anchor? `None` when no anchor matched.
    pub chain_valid: Option<bool>,
    /// Why the verdict is not `valid`.
    pub errors: Vec<String>,
    /// Remarks that do not change the verdict.
    pub warnings: Vec<String>,
    /// Deviations accepted or not covered, typed.
    pub findings: Vec<Finding>,
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// What was verified with what.
    #[serde(flatten)]
    pub details: SignatureDetails,
    /// The signer certificate found.
    #[serde(skip)]
    pub signer_certificate: Option<Certificate>,
    /// The trust anchor (CSCA) that verified the signer certificate, when one did.
    #[serde(skip)]
    pub anchor_certificate: Option<Certificate>,
}

/// Verdict of Passive Authentication.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct PassiveAuthReport {
    /// Overall verdict.
    pub status: Verdict,
    /// Did the EF.SOD signature verify? `None` when it could not be checked.
    pub signature_valid: Option<bool>,
    /// Did the Document Signer chain to a CSCA? `None` when no trust anchor matched.
    pub chain_valid: Option<bool>,
    /// DG1 … DG16 → `match`, `mismatch`, `not_read`, `not_in_sod`, `not_checked` (in JSON an
    /// object keyed `"DG1"` … `"DG16"`, in the order of the numbers).
    pub data_groups: BTreeMap<DataGroup, DgStatus>,
    /// Why the verdict is not `valid`.
    pub errors: Vec<String>,
    /// Remarks that do not change the verdict.
    pub warnings: Vec<String>,
    /// Deviations accepted or not covered, typed: bytes after EF.SOD, BER, another content
    /// type, data groups not read …
    pub findings: Vec<Finding>,
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// LDSSecurityObject hash algorithm (`"SHA-256"`, or the OID when unknown).
    pub hash_algorithm: Option<String>,
    /// LDSSecurityObject version.
    pub lds_security_object_version: Option<i64>,
    /// LDS version from LDSVersionInfo (`"0108"`).
    pub lds_version: Option<String>,
    /// Unicode version from LDSVersionInfo.
    pub unicode_version: Option<String>,
    /// Signature and chain details (absent when EF.SOD could not be decoded).
    #[serde(flatten)]
    pub details: Option<SignatureDetails>,
}

fn not_checked(id: CheckId, reason: &str) -> Check {
    Check::missing_input(id, reason)
}

/// `valid` needs the signature and the chain, every essential check present passed, and
/// nothing that counts failed.
fn verdict(checks: &[Check], signature_valid: Option<bool>, chain_valid: Option<bool>) -> Verdict {
    if checks.iter().any(|c| c.counts_as_failure()) {
        Verdict::Invalid
    } else if signature_valid == Some(true)
        && chain_valid == Some(true)
        && checks
            .iter()
            .filter(|c| c.id.essential())
            .all(|c| c.is_verified())
    {
        Verdict::Valid
    } else {
        Verdict::Unverified
    }
}

fn errors_of(checks: &[Check], status: Verdict) -> Vec<String> {
    let line = |c: &Check| format!("{}: {}", c.id, c.reason());
    let mut out: Vec<String> = checks
        .iter()
        .filter(|c| c.counts_as_failure())
        .map(line)
        .collect();
    if status == Verdict::Unverified {
        out.extend(
            checks
                .iter()
                .filter(|c| c.id.essential() && !c.is_verified())
                .map(line),
        );
    }
    out
}

/// Add a check to a finished report: a failure that counts makes it `invalid`.
fn add_to_report(
    checks: &mut Vec<Check>,
    status: &mut Verdict,
    errors: &mut Vec<String>,
    check: Check,
) {
    if check.counts_as_failure() {
        if *status != Verdict::Invalid {
            // Only failures are listed for an invalid verdict.
            errors.clear();
        }
        *status = Verdict::Invalid;
        errors.push(format!("{}: {}", check.id, check.reason()));
    }
    checks.push(check);
}

/// Verify a CMS SignedData: structure, signed attributes, signature, signer profile, chain to
/// `trust`, validity and CRL. `expected_content_type` is the eContentType it must carry.
pub fn verify_signed_data(
    sd: &SignedData,
    expected_content_type: ObjectIdentifier,
    trust: &TrustStore,
    opts: &VerifyOptions,
) -> SignedObjectReport {
    verify_signed_data_typed(sd, expected_content_type, trust, opts).0
}

/// Does a CMS object's signature verify with the signer certificate it carries, and its
/// message digest equal the digest of its content? The signer is not chained to anything.
pub(crate) fn own_signature_holds(
    sd: &SignedData,
    content_type: ObjectIdentifier,
) -> Result<(), String> {
    let (report, checks) =
        verify_signed_data_typed(sd, content_type, &TrustStore::new(), &VerifyOptions::now());
    let passed = |id: CheckId| checks.iter().any(|c| c.id == id && c.is_verified());
    if report.signature_valid == Some(true) && passed(CheckId::MessageDigest) {
        return Ok(());
    }
    Err(checks
        .iter()
        .filter(|c| {
            !c.informational
                && matches!(
                    c.id,
                    CheckId::Signature
                        | CheckId::MessageDigest
                        | CheckId::SignerCertificate
                        | CheckId::SignedAttributes
                        | CheckId::SignatureAlgorithm
                )
                && !c.is_verified()
        })
        .map(|c| format!("{}: {}", c.id, c.reason()))
        .collect::<Vec<_>>()
        .join("; "))
}

fn verify_signed_data_typed(
    sd: &SignedData,
    expected_content_type: ObjectIdentifier,
    trust: &TrustStore,
    opts: &VerifyOptions,
) -> (SignedObjectReport, Vec<Check>) {
    let mut checks: Vec<Check> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    if !sd.der_lengths {
        findings.push(Finding::BerEncoding);
    }
    let mut details = SignatureDetails {
        content_type: sd.content_type.clone(),
        digest_algorithm: None,
        signature_algorithm: None,
        signing_time: None,
        signer: None,
        signer_source: None,
        csca: None,
        chain: Vec::new(),
        root_reached: false,
        validity_at_signing: not_checked(CheckId::ValidityAtSigning, "no signer certificate"),
        validity_now: not_checked(CheckId::ValidityNow, "no signer certificate").informational(),
        crl: not_checked(CheckId::Crl, "no signer certificate"),
    };
    let mut signature_valid = None;
    let mut chain_valid = None;
    let mut signer_certificate = None;
    let mut anchor_certificate = None;

    let push = |checks: &mut Vec<Check>, id: CheckId, ok: bool, pass: String, fail: String| {
        checks.push(if ok {
            Check::verified(id, pass)
        } else {
            Check::failed(id, fail)
        });
    };

    push(
        &mut checks,
        CheckId::SignedDataVersion,
        sd.version == 3,
        "SignedData version is 3".into(),
        format!("SignedData version is {}; it must be 3", sd.version),
    );
    // The chip's eContentType, typed: every decision below compares OIDs, never text.
    let content_type = typed_oid(&sd.content_type);
    let is_id_data = content_type == Some(oid::DATA);
    let alternative_content_type = expected_content_type == oid::LDS_SECURITY_OBJECT
        && content_type.is_some_and(|ct| oid::LDS_SECURITY_OBJECT_ALTERNATIVES.contains(&ct))
        && (!is_id_data || opts.accept_id_data_content_type);
    if alternative_content_type {
        findings.push(Finding::NonIcaoContentType {
            oid: sd.content_type.clone(),
        });
    }
    let refused_id_data = expected_content_type == oid::LDS_SECURITY_OBJECT && is_id_data;
    push(
        &mut checks,
        CheckId::ContentType,
        content_type == Some(expected_content_type) || alternative_content_type,
        format!("eContentType is {expected_content_type}"),
        if refused_id_data {
            // docs/conformance.md, "id-data": ICAO 9303-10 names one content type for the
            // security object; a signature over generic data does not say it signed one.
            format!(
                "eContentType is id-data ({}), not id-icao-mrtd-security-ldsSecurityObject \
                 ({expected_content_type}): refused, as ICAO 9303-10 requires and BSI \
                 TR-03105-5.1 LDS_H_24 tests; documents of issuers known to use it are \
                 verified with VerifyOptions::accept_id_data_content_type (`emrtd read` and \
                 `emrtd verify`: --accept-id-data), which reports it as a finding",
                oid::DATA
            )
        } else {
            format!(
                "eContentType is {}, expected {expected_content_type}",
                sd.content_type
            )
        },
    );
    if sd.digest_algorithms.is_empty() {
        checks.push(Check::failed(
            CheckId::DigestAlgorithms,
            "SignedData.digestAlgorithms is empty",
        ));
    }

    let si = match sd.signer_infos.as_slice() {
        [si] => si,
        [] => {
            checks.push(Check::failed(
                CheckId::SignerInfos,
                "SignedData has no SignerInfo",
            ));
            return finish(
                checks,
                warnings,
                findings,
                details,
                signature_valid,
                chain_valid,
                signer_certificate,
            );
        }
        many => {
            checks.push(Check::failed(
                CheckId::SignerInfos,
                format!(
                    "SignedData has {} SignerInfos; exactly one is allowed (the first is checked)",
                    many.len()
                ),
            ));
            &many[0]
        }
    };

    let sid_ok = matches!(
        (si.version, &si.sid),
        (1, SignerIdentifier::IssuerAndSerialNumber { .. })
            | (3, SignerIdentifier::SubjectKeyIdentifier(_))
    );
    push(
        &mut checks,
        CheckId::SignerInfoVersion,
        sid_ok,
        format!("SignerInfo version {} matches its signer identifier", si.version),
        format!(
            "SignerInfo version {} does not match its signer identifier (version 1 requires issuerAndSerialNumber, version 3 subjectKeyIdentifier)",
            si.version
        ),
    );

    let digest = HashAlg::from_oid(&si.digest_algorithm.oid);
    details.digest_algorithm = Some(
        digest
            .map(|h| h.name().to_string())
            .unwrap_or_else(|| si.digest_algorithm.oid.clone()),
    );
    push(
        &mut checks,
        CheckId::DigestAlgorithm,
        digest.is_some(),
        format!(
            "{} is allowed",
            details.digest_algorithm.as_deref().unwrap_or("")
        ),
        format!(
            "digest algorithm {} is not allowed (SHA-1, SHA-224, SHA-256, SHA-384, SHA-512)",
            si.digest_algorithm.oid
        ),
    );
    let signer_digest = typed_oid(&si.digest_algorithm.oid);
    if !sd.digest_algorithms.is_empty()
        && !sd
            .digest_algorithms
            .iter()
            .any(|a| typed_oid(&a.oid) == signer_digest && signer_digest.is_some())
    {
        checks.push(Check::failed(
            CheckId::DigestAlgorithms,
            format!(
                "SignedData.digestAlgorithms does not list the SignerInfo's {}",
                si.digest_algorithm.oid
            ),
        ));
    }

    // Signed attributes: content type and message digest over the eContent as in the file.
    let content = sd.content.as_deref();
    let signed_message: Option<Vec<u8>> = match &si.signed_attrs {
        None => {
            checks.push(Check::failed(
                CheckId::SignedAttributes,
                "SignerInfo has no signed attributes; ICAO Doc 9303 requires them",
            ));
            None
        }
        Some(attrs) => {
            let ct = attrs.content_type();
            push(
                &mut checks,
                CheckId::ContentTypeAttribute,
                content_type.is_some() && ct.as_deref().and_then(typed_oid) == content_type,
                "content-type attribute equals eContentType".into(),
                match ct {
                    None => "content-type attribute is missing or malformed".into(),
                    Some(o) => format!(
                        "content-type attribute {o} differs from eContentType {}",
                        sd.content_type
                    ),
                },
            );
            match (attrs.message_digest(), content, digest) {
                (None, _, _) => checks.push(Check::failed(
                    CheckId::MessageDigest,
                    "message-digest attribute is missing or malformed",
                )),
                (_, None, _) => checks.push(Check::failed(
                    CheckId::MessageDigest,
                    "the encapsulated content is absent",
                )),
                (_, _, None) => checks.push(Check::after_failure(
                    CheckId::MessageDigest,
                    "digest algorithm not allowed",
                )),
                (Some(md), Some(c), Some(h)) => {
                    let ok = ct_eq(&h.digest(c), &md);
                    push(
                        &mut checks,
                        CheckId::MessageDigest,
                        ok,
                        format!("message-digest equals the {} of the eContent", h.name()),
                        format!(
                            "message-digest attribute does not equal the {} of the eContent",
                            h.name()
                        ),
                    );
                }
            }
            if let Some(t) = attrs.signing_time() {
                match cert::parse_time(t) {
                    Some(secs) => details.signing_time = Some(cert::format_time(secs)),
                    None => checks.push(Check::failed(
                        CheckId::SigningTime,
                        "signing-time attribute is not a valid UTCTime/GeneralizedTime",
                    )),
                }
            }
            Some(attrs.signed_bytes())
        }
    };
    let signing_time = si
        .signed_attrs
        .as_ref()
        .and_then(|a| a.signing_time())
        .and_then(cert::parse_time);

    let scheme = sig::scheme_from_algorithm(
        &si.signature_algorithm.oid,
        si.signature_algorithm.parameters.as_deref(),
        digest,
    );
    details.signature_algorithm = Some(match &scheme {
        Ok(s) => s.describe(),
        Err(e) => e.to_string(),
    });
    match &scheme {
        Ok(_) => {}
        Err(AlgorithmProblem::Unsupported(s)) => checks.push(not_checked(
            CheckId::SignatureAlgorithm,
            &format!("signature algorithm not supported by this verifier: {s}"),
        )),
        Err(e) => checks.push(Check::failed(CheckId::SignatureAlgorithm, e.to_string())),
    }

    // Locate the signer certificate.
    let mut undecodable = Vec::new();
    let embedded: Vec<Certificate> = sd
        .certificates
        .iter()
        .enumerate()
        .filter_map(|(i, der)| match Certificate::from_der(der) {
            Ok(c) => Some(c),
            Err(e) => {
                undecodable.push(format!("embedded certificate {i} cannot be decoded: {e}"));
                None
            }
        })
        .collect();
    let pools: [(&str, &[Certificate]); 3] = [
        ("embedded", &embedded),
        ("supplied", &opts.dsc),
        ("trust_store", trust.dsc()),
    ];
    let found = pools.iter().find_map(|(source, pool)| {
        pool.iter()
            .find_map(|c| sid_match(&si.sid, c).map(|how| (*source, c.clone(), how)))
    });
    let dsc = match found {
        Some((source, c, how)) => {
            if how == SignerMatch::IssuerNameByValue {
                findings.push(Finding::SignerIssuerNameNotByteEqual);
            }
            if c.has_explicit_ec_parameters() {
                findings.push(Finding::ExplicitEcParameters);
            }
            details.signer_source = Some(source.to_string());
            details.signer = Some(c.summary());
            checks.push(Check::verified(
                CheckId::SignerCertificate,
                format!("signer certificate {} ({source})", c.subject()),
            ));
            Some(c)
        }
        None => {
            let count = embedded.len() + opts.dsc.len() + trust.dsc().len();
            if !undecodable.is_empty() {
                checks.push(Check::failed(
                    CheckId::SignerCertificate,
                    undecodable.join("; "),
                ));
            } else if count == 0 {
                checks.push(not_checked(
                    CheckId::SignerCertificate,
                    "no Document Signer certificate: none is embedded and none was supplied",
                ));
            } else {
                checks.push(Check::failed(CheckId::SignerCertificate,
                    format!(
                        "the SignerInfo's signer identifier ({}) matches none of the {count} available certificate(s)",
                        describe_sid(&si.sid)
                    ),
                ));
            }
            None
        }
    };

    // Signature: valid only together with a message digest equal to the content's digest.
    let digest_bound = checks
        .iter()
        .any(|c| c.id == CheckId::MessageDigest && c.is_verified());
    match (&dsc, &scheme, &signed_message) {
        (Some(c), Ok(s), Some(msg)) => match c.public_key() {
            Err(e) => {
                signature_valid = Some(false);
                checks.push(Check::failed(
                    CheckId::Signature,
                    format!("signer public key unusable: {e}"),
                ));
            }
            Ok(pk) => match sig::verify(&pk, s, msg, &si.signature) {
                Ok(()) if !digest_bound => {
                    // The signature covers attributes whose message digest is not that of
                    // the content present: it does not vouch for this content.
                    signature_valid = Some(false);
                    checks.push(Check::failed(CheckId::Signature,
                        format!(
                            "{} signature by {} verifies over the signed attributes, but their message-digest is not the digest of the security object present: the signature does not cover this content",
                            s.describe(),
                            pk.describe()
                        ),
                    ));
                }
                Ok(()) => {
                    signature_valid = Some(true);
                    checks.push(Check::verified(CheckId::Signature,
                        format!(
                            "{} signature by {} verifies, and its message-digest is that of the content",
                            s.describe(),
                            pk.describe()
                        ),
                    ));
                }
                Err(e) => {
                    signature_valid = Some(false);
                    checks.push(Check::failed(CheckId::Signature, e));
                }
            },
        },
        (None, _, _) => checks.push(not_checked(CheckId::Signature, "no signer certificate")),
        (_, Err(AlgorithmProblem::Unsupported(s)), _) => checks.push(not_checked(
            CheckId::Signature,
            &format!("signature algorithm not supported: {s}"),
        )),
        (_, Err(_), _) => checks.push(Check::after_failure(
            CheckId::Signature,
            "signature algorithm not allowed or malformed",
        )),
        (_, _, None) => checks.push(Check::after_failure(
            CheckId::Signature,
            "no signed attributes",
        )),
    }

    if let Some(c) = &dsc {
        checks.extend(signer_profile_checks(c));
        let chain = verify_certificate_chain(c, trust);
        chain_valid = chain.valid;
        checks.push(chain.check.clone());
        if let Some(a) = chain.certs.first().filter(|_| chain.valid == Some(true)) {
            if trust.is_unverified_anchor(a) {
                findings.push(Finding::UnverifiedAnchor {
                    subject: a.subject(),
                });
            }
        }
        details.chain = chain.certs.iter().map(Certificate::summary).collect();
        details.root_reached = chain.root_reached;
        details.csca = chain.certs.first().map(Certificate::summary);
        let anchor = chain.certs.first().filter(|_| chain.valid == Some(true));
        details.validity_at_signing =
            validity_check(CheckId::ValidityAtSigning, c, anchor, signing_time);
        if signing_time.is_none() && !c.valid_at(opts.now) && c.not_after() < opts.now {
            findings.push(Finding::ExpiredSignerWithoutSigningTime {
                not_after: cert::format_time(c.not_after()),
            });
            details.validity_at_signing = Check::missing_input(
                CheckId::ValidityAtSigning,
                format!(
                    "no signing-time attribute and the signer certificate expired on {}: assumed signed at issuance",
                    cert::format_time(c.not_after())
                ),
            );
        }
        details.validity_now =
            validity_check(CheckId::ValidityNow, c, anchor, Some(opts.now)).informational();
        if details.validity_now.outcome.is_failed() {
            warnings.push(format!(
                "{} (informational: documents outlive their signer certificates)",
                details.validity_now.reason()
            ));
        }
        details.crl = crl_check(c, anchor, trust, sd, opts.now, &mut warnings);
        checks.extend([
            details.validity_at_signing.clone(),
            details.validity_now.clone(),
            details.crl.clone(),
        ]);
        signer_certificate = Some(c.clone());
        anchor_certificate = anchor.cloned();
    }

    let (mut report, checks) = finish(
        checks,
        warnings,
        findings,
        details,
        signature_valid,
        chain_valid,
        signer_certificate,
    );
    report.anchor_certificate = anchor_certificate;
    (report, checks)
}

fn finish(
    checks: Vec<Check>,
    warnings: Vec<String>,
    findings: Vec<Finding>,
    details: SignatureDetails,
    signature_valid: Option<bool>,
    chain_valid: Option<bool>,
    signer_certificate: Option<Certificate>,
) -> (SignedObjectReport, Vec<Check>) {
    let status = verdict(&checks, signature_valid, chain_valid);
    let report = SignedObjectReport {
        status,
        signature_valid,
        chain_valid,
        errors: errors_of(&checks, status),
        warnings,
        findings,
        checks: checks.clone(),
        details,
        signer_certificate,
        anchor_certificate: None,
    };
    (report, checks)
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    subtle::ConstantTimeEq::ct_eq(a, b).into()
}

fn describe_sid(sid: &SignerIdentifier) -> String {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber { issuer, serial } => {
            let name = der::Decode::from_der(issuer)
                .map(|n: x509_cert::name::Name| n.to_string())
                .unwrap_or_else(|_| "undecodable name".into());
            format!(
                "issuer {name}, serial {}",
                cert::hex_upper(cert::strip_int(serial))
            )
        }
        SignerIdentifier::SubjectKeyIdentifier(k) => {
            format!("subjectKeyIdentifier {}", cert::hex_upper(k))
        }
    }
}

/// How a SignerInfo's identifier matched a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SignerMatch {
    /// issuerAndSerialNumber, the issuer byte for byte as in the certificate.
    IssuerAndSerialExact,
    /// issuerAndSerialNumber, the issuer the same name by value (other RDN order, string
    /// types, case or spacing).
    IssuerNameByValue,
    /// subjectKeyIdentifier.
    SubjectKeyIdentifier,
}

/// Does the SignerInfo's identifier name this certificate? Names are compared by value.
pub fn sid_matches(sid: &SignerIdentifier, c: &Certificate) -> bool {
    sid_match(sid, c).is_some()
}

/// How the SignerInfo's identifier names this certificate, if it does: the serial number and
/// the issuer name (byte for byte as in the certificate, else by value), or the subject key
/// identifier (the extension, else RFC 5280 §4.2.1.2 method 1).
pub fn sid_match(sid: &SignerIdentifier, c: &Certificate) -> Option<SignerMatch> {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber { issuer, serial } => {
            if cert::strip_int(serial) != cert::strip_int(c.serial()) {
                return None;
            }
            if c.issuer_raw() == Some(issuer.as_slice()) {
                return Some(SignerMatch::IssuerAndSerialExact);
            }
            der::Encode::to_der(c.issuer_name())
                .map(|own| cert::name_ders_equal(issuer, &own))
                .unwrap_or(false)
                .then_some(SignerMatch::IssuerNameByValue)
        }
        SignerIdentifier::SubjectKeyIdentifier(k) => {
            let ok = match c.subject_key_identifier() {
                Some(ski) => &ski == k,
                None => HashAlg::Sha1.digest(c.public_key_bits()) == *k,
            };
            ok.then_some(SignerMatch::SubjectKeyIdentifier)
        }
    }
}

/// ICAO Doc 9303-12 profile of a Document Signer certificate (the parts TR-03105 tests).
fn signer_profile_checks(c: &Certificate) -> Vec<Check> {
    let mut problems = Vec::new();
    if c.version() != 3 {
        problems.push(format!(
            "certificate version is v{}, must be v3",
            c.version()
        ));
    }
    match c.key_usage() {
        None => problems.push("keyUsage extension is missing".to_string()),
        Some(ku) if !ku.digital_signature() => {
            problems.push("keyUsage does not assert digitalSignature".to_string())
        }
        Some(_) => {}
    }
    match c.authority_key_identifier_ext() {
        None => problems.push("authorityKeyIdentifier extension is missing".to_string()),
        Some(a) if a.key_identifier.is_none() => {
            problems.push("authorityKeyIdentifier has no keyIdentifier".to_string())
        }
        Some(_) => {}
    }
    if let Some(p) = time_encoding_problem(c) {
        problems.push(p);
    }
    vec![if problems.is_empty() {
        Check::verified(
            CheckId::SignerCertificateProfile,
            "v3 with keyUsage digitalSignature and authorityKeyIdentifier",
        )
    } else {
        Check::failed(CheckId::SignerCertificateProfile, problems.join("; "))
    }]
}

/// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
fn time_encoding_problem(c: &Certificate) -> Option<String> {
    use x509_cert::time::Time;
    let v = &c.x509().tbs_certificate.validity;
    for (what, t) in [("notBefore", &v.not_before), ("notAfter", &v.not_after)] {
        let year_2050 = 2_524_608_000u64; // 2050-01-01T00:00:00Z
        let secs = t.to_unix_duration().as_secs();
        match t {
            Time::GeneralTime(_) if secs < year_2050 => {
                return Some(format!(
                    "validity {what} uses GeneralizedTime for a date before 2050"
                ))
            }
            Time::UtcTime(_) if secs >= year_2050 => {
                return Some(format!(
                    "validity {what} uses UTCTime for a date after 2049"
                ))
            }
            _ => {}
        }
    }
    None
}

pub use crate::trust::CertificateChain;

/// Build the chain from a certificate to a trust anchor in `trust` (name by value, key
/// identifiers when present, every candidate tried), then, for the report, up through link
/// certificates to a self-signed root when the store has them.
///
/// The result is remembered in `trust` (by the certificate's DER) and reused for later dumps
/// signed with the same certificate, until the store changes.
pub fn verify_certificate_chain(leaf: &Certificate, trust: &TrustStore) -> CertificateChain {
    if let Some(chain) = trust.cached_chain(leaf.der()) {
        return chain;
    }
    let chain = build_certificate_chain(leaf, trust);
    trust.cache_chain(leaf.der(), &chain);
    chain
}

fn build_certificate_chain(leaf: &Certificate, trust: &TrustStore) -> CertificateChain {
    let broken = |check: Check| CertificateChain {
        valid: Some(false),
        check,
        certs: Vec::new(),
        root_reached: false,
    };
    let candidates = trust.issuer_candidates(leaf);
    if candidates.is_empty() {
        // A CSCA whose key signed the certificate but whose subject is not its issuer name.
        if let Some(a) = trust.key_id_candidates(leaf).into_iter().find(|a| {
            a.public_key()
                .and_then(|k| leaf.verify_signed_by(&k))
                .is_ok()
        }) {
            return broken(Check::failed(CheckId::CertificateChain,
                format!(
                    "the certificate's issuer name {} does not match the subject {} of the CSCA that signed it",
                    leaf.issuer(),
                    a.subject()
                ),
            ));
        }
        let same_name = trust.name_candidates(leaf);
        // Key identifiers can be wrong: try the anchors of that name all the same.
        if let Some(a) = same_name.iter().find(|a| {
            a.public_key()
                .and_then(|k| leaf.verify_signed_by(&k))
                .is_ok()
        }) {
            return chain_from((*a).clone(), trust);
        }
        let other_generations = same_name.len();
        let why = if trust.is_empty() && !trust.dsc().is_empty() {
            format!(
                "the trust store holds no CSCA, only {} Document Signer certificate(s): give the \
                 issuing country's CSCA certificate or a master list with --trust",
                trust.dsc().len()
            )
        } else if trust.is_empty() {
            "the trust store is empty".to_string()
        } else if other_generations > 0 {
            format!(
                "impostor CSCA: name matches, key does not: the trust store has {other_generations} \
                 CSCA(s) named {} but none with the signer certificate's authority key identifier \
                 {} and none whose key verifies it: an impostor CSCA signed it, or the trust store \
                 lacks this CSCA key generation (give it with --trust)",
                leaf.issuer(),
                leaf.authority_key_identifier()
                    .map(|k| cert::hex_upper(&k))
                    .unwrap_or_default()
            )
        } else {
            format!(
                "no CSCA in the trust store ({} anchors) is named {}",
                trust.anchor_count(),
                leaf.issuer()
            )
        };
        return CertificateChain {
            valid: None,
            check: not_checked(CheckId::CertificateChain, &why),
            certs: Vec::new(),
            root_reached: false,
        };
    }
    let mut failures = Vec::new();
    let mut anchor = None;
    for cand in &candidates {
        match cand.public_key().and_then(|k| leaf.verify_signed_by(&k)) {
            Ok(()) => {
                anchor = Some((*cand).clone());
                break;
            }
            Err(e) => failures.push(format!("serial {}: {e}", cand.serial_hex())),
        }
    }
    let Some(anchor) = anchor else {
        // A CSCA of that name (and key identifier, when both carry one) is trusted, but its
        // key did not sign this certificate: someone else's CSCA uses the name.
        return broken(Check::failed(CheckId::CertificateChain,
            format!(
                "impostor CSCA: name matches, key does not: the signer certificate's signature verifies with none of the {} CSCA certificate(s) named {} (or the certificate was altered): {}",
                candidates.len(),
                leaf.issuer(),
                failures.join("; ")
            ),
        ));
    };
    chain_from(anchor, trust)
}

/// The chain from a verified anchor up through link certificates to a root, for the report.
fn chain_from(anchor: Certificate, trust: &TrustStore) -> CertificateChain {
    let reason = format!(
        "signer certificate issued by trust anchor {} (serial {})",
        anchor.subject(),
        anchor.serial_hex()
    );
    let mut certs = vec![anchor];
    let mut root_reached = false;
    while certs.len() < 8 {
        let Some(cur) = certs.last() else { break };
        let Ok(cur_key) = cur.public_key() else { break };
        if cur.is_self_issued() && cur.verify_signed_by(&cur_key).is_ok() {
            root_reached = true;
            break;
        }
        let next = trust.issuer_candidates(cur).into_iter().find(|cand| {
            !certs.iter().any(|c| c.der() == cand.der())
                && cand
                    .public_key()
                    .and_then(|k| cur.verify_signed_by(&k))
                    .is_ok()
        });
        match next {
            Some(n) => certs.push(n.clone()),
            None => break,
        }
    }
    CertificateChain {
        valid: Some(true),
        check: Check::verified(CheckId::CertificateChain, reason),
        certs,
        root_reached,
    }
}

fn validity_check(
    id: CheckId,
    dsc: &Certificate,
    anchor: Option<&Certificate>,
    at: Option<i64>,
) -> Check {
    let Some(t) = at else {
        return not_checked(id, "no signing-time attribute: the signing time is unknown");
    };
    let when = cert::format_time(t);
    let mut problems = Vec::new();
    for (role, c) in std::iter::once(("signer certificate", dsc)).chain(anchor.map(|a| ("CSCA", a)))
    {
        if !c.valid_at(t) {
            problems.push(format!(
                "{role} {} is valid {} to {}, not at {when}",
                c.subject(),
                cert::format_time(c.not_before()),
                cert::format_time(c.not_after())
            ));
        }
    }
    if problems.is_empty() {
        Check::verified(
            id,
            format!(
                "signer certificate{} valid at {when}",
                if anchor.is_some() { " and CSCA" } else { "" }
            ),
        )
    } else {
        Check::failed(id, problems.join("; "))
    }
}

fn crl_check(
    dsc: &Certificate,
    anchor: Option<&Certificate>,
    trust: &TrustStore,
    sd: &SignedData,
    now: i64,
    warnings: &mut Vec<String>,
) -> Check {
    let mut crls: Vec<crate::trust::Crl> = trust.crls().to_vec();
    crls.extend(
        sd.crls
            .iter()
            .filter_map(|d| crate::trust::Crl::from_der(d).ok()),
    );
    if crls.is_empty() {
        return not_checked(CheckId::Crl, "no CRL provided");
    }
    let mine: Vec<&crate::trust::Crl> = crls
        .iter()
        .filter(|c| cert::names_equal(c.issuer_name(), dsc.issuer_name()))
        .collect();
    if mine.is_empty() {
        return not_checked(
            CheckId::Crl,
            &format!("no CRL from {} provided", dsc.issuer()),
        );
    }
    let Some(anchor) = anchor else {
        return not_checked(
            CheckId::Crl,
            "the CRL's signature cannot be checked without a trusted CSCA",
        );
    };
    let Ok(key) = anchor.public_key() else {
        return not_checked(CheckId::Crl, "CSCA public key unusable");
    };
    let verified: Vec<&crate::trust::Crl> = mine
        .into_iter()
        .filter(|c| match c.verify_signed_by(&key) {
            Ok(()) => true,
            Err(e) => {
                warnings.push(format!(
                    "CRL of {} issued {} ignored: signature does not verify with the CSCA ({e})",
                    c.issuer(),
                    cert::format_time(c.this_update())
                ));
                false
            }
        })
        .collect();
    if verified.is_empty() {
        return not_checked(CheckId::Crl, "no CRL from the CSCA has a valid signature");
    }
    for c in &verified {
        if let Some(when) = c.revocation_of(dsc.serial()) {
            return Check::failed(
                CheckId::Crl,
                format!(
                    "signer certificate serial {} is revoked since {} (CRL issued {})",
                    dsc.serial_hex(),
                    cert::format_time(when),
                    cert::format_time(c.this_update())
                ),
            );
        }
    }
    let newest = verified.iter().map(|c| c.this_update()).max().unwrap_or(0);
    if verified
        .iter()
        .all(|c| c.next_update().is_some_and(|n| n < now))
    {
        warnings.push("every CRL for the signer's CSCA is past its nextUpdate".into());
    }
    Check::verified(
        CheckId::Crl,
        format!(
            "signer certificate not revoked (CRL issued {})",
            cert::format_time(newest)
        ),
    )
}

/// Compare data groups (number → bytes exactly as read) with the hashes in an LDSSecurityObject.
/// Returns the per-group statuses; `Err` when the hash algorithm is not one ICAO allows.
pub fn compare_data_groups(
    lso: &LdsSecurityObject,
    data_groups: &BTreeMap<u8, Vec<u8>>,
) -> Result<BTreeMap<DataGroup, DgStatus>, String> {
    let hash = HashAlg::from_oid(&lso.hash_algorithm.oid).ok_or_else(|| {
        format!(
            "LDSSecurityObject hash algorithm {} is not allowed",
            lso.hash_algorithm.oid
        )
    })?;
    let mut out = BTreeMap::new();
    for dg in DataGroup::all() {
        let status = match (lso.hash_of(dg.number()), data_groups.get(&dg.number())) {
            (Some(expected), Some(bytes)) => {
                if ct_eq(&hash.digest(bytes), expected) {
                    DgStatus::Match
                } else {
                    DgStatus::Mismatch
                }
            }
            (Some(_), None) => DgStatus::NotRead,
            (None, Some(_)) => DgStatus::NotInSod,
            (None, None) => continue,
        };
        out.insert(dg, status);
    }
    Ok(out)
}

/// Passive Authentication of a decoded EF.SOD against the data groups read (number → raw bytes).
pub fn verify_sod(
    sod: &Sod,
    data_groups: &BTreeMap<u8, Vec<u8>>,
    trust: &TrustStore,
    opts: &VerifyOptions,
) -> PassiveAuthReport {
    let (cms, mut checks) =
        verify_signed_data_typed(&sod.signed_data, oid::LDS_SECURITY_OBJECT, trust, opts);
    let lso = &sod.lds_security_object;
    let mut warnings = cms.warnings;
    let mut findings = cms.findings;
    if sod.trailing_bytes > 0 {
        findings.insert(
            0,
            Finding::TrailingBytes {
                count: sod.trailing_bytes,
            },
        );
    }
    if !sod.is_der() && !findings.contains(&Finding::BerEncoding) {
        findings.push(Finding::BerEncoding);
    }

    let v_ok = matches!(
        (lso.version, &lso.lds_version_info),
        (0, None) | (1, Some(_))
    );
    checks.push(if v_ok {
        Check::verified(CheckId::LdsSecurityObjectVersion,
            format!("LDSSecurityObject version {}", lso.version),
        )
    } else {
        Check::failed(CheckId::LdsSecurityObjectVersion,
            format!(
                "LDSSecurityObject version {} {} LDSVersionInfo (version 0 has none, version 1 has one)",
                lso.version,
                if lso.lds_version_info.is_some() { "with" } else { "without" }
            ),
        )
    });
    if let Some((lds, _)) = &lso.lds_version_info {
        if !matches!(lds.as_str(), "0107" | "0108") {
            warnings.push(format!(
                "LDSVersionInfo names LDS version {lds}, unknown to this verifier"
            ));
        }
    }

    let data_group_statuses = match compare_data_groups(lso, data_groups) {
        Ok(map) => {
            let bad: Vec<String> = map
                .iter()
                .filter(|(_, s)| matches!(s, DgStatus::Mismatch | DgStatus::NotInSod))
                .map(|(k, s)| {
                    format!(
                        "{k} {}",
                        if *s == DgStatus::Mismatch {
                            "hash mismatch"
                        } else {
                            "read but not in EF.SOD"
                        }
                    )
                })
                .collect();
            let matched = map.values().filter(|s| **s == DgStatus::Match).count();
            let not_read: Vec<String> = map
                .iter()
                .filter(|(_, s)| **s == DgStatus::NotRead)
                .map(|(k, _)| k.to_string())
                .collect();
            for (n, _) in &lso.data_group_hashes {
                if !data_groups.contains_key(n) {
                    findings.push(Finding::DataGroupNotRead {
                        data_group: *n,
                        listed_in: ListedIn::Sod,
                    });
                }
            }
            if matched > 0 && !not_read.is_empty() {
                warnings.push(format!(
                    "{} listed in EF.SOD but not read: this verdict does not cover them",
                    not_read.join(", ")
                ));
            }
            checks.push(if !bad.is_empty() {
                Check::failed(CheckId::DataGroupHashes, bad.join("; "))
            } else if matched == 0 {
                not_checked(CheckId::DataGroupHashes, "no data group was supplied")
            } else {
                Check::verified(
                    CheckId::DataGroupHashes,
                    format!("{matched} data group hash(es) match"),
                )
            });
            checks.push(required_data_groups(lso, &map));
            map
        }
        Err(e) => {
            checks.push(Check::failed(CheckId::DataGroupHashes, e));
            BTreeMap::new()
        }
    };

    let matched_dg1 = data_groups
        .get(&1)
        .filter(|_| data_group_statuses.get(&DataGroup::DG1).copied() == Some(DgStatus::Match));
    checks.push(issuing_state_check(
        matched_dg1,
        cms.anchor_certificate.as_ref(),
        cms.signer_certificate.as_ref(),
    ));
    checks.push(crate::doctype::document_type_check(
        matched_dg1,
        cms.signer_certificate.as_ref(),
        &mut findings,
    ));

    let status = verdict(&checks, cms.signature_valid, cms.chain_valid);
    PassiveAuthReport {
        status,
        signature_valid: cms.signature_valid,
        chain_valid: cms.chain_valid,
        data_groups: data_group_statuses,
        errors: errors_of(&checks, status),
        warnings,
        findings,
        checks: checks.clone(),
        hash_algorithm: Some(digest_display(&lso.hash_algorithm.oid)),
        lds_security_object_version: Some(lso.version),
        lds_version: lso.lds_version_info.as_ref().map(|v| v.0.clone()),
        unicode_version: lso.lds_version_info.as_ref().map(|v| v.1.clone()),
        details: Some(cms.details),
    }
}

/// DG1 (the MRZ) must be in EF.SOD and match; DG2 (the face) must match when EF.SOD lists it.
/// Without them a signature proves nothing about whom the document describes.
fn required_data_groups(lso: &LdsSecurityObject, map: &BTreeMap<DataGroup, DgStatus>) -> Check {
    let id = CheckId::RequiredDataGroups;
    if lso.hash_of(DataGroup::DG1.number()).is_none() {
        return Check::failed(id, "EF.SOD has no hash for DG1: the MRZ data is not signed");
    }
    let wanted: Vec<DataGroup> = [DataGroup::DG1, DataGroup::DG2]
        .into_iter()
        .filter(|dg| lso.hash_of(dg.number()).is_some())
        .collect();
    let status_of = |dg: DataGroup| map.get(&dg).copied();
    let mismatched: Vec<String> = wanted
        .iter()
        .filter(|dg| status_of(**dg) == Some(DgStatus::Mismatch))
        .map(DataGroup::to_string)
        .collect();
    let missing: Vec<String> = wanted
        .iter()
        .filter(|dg| {
            status_of(**dg) != Some(DgStatus::Match) && status_of(**dg) != Some(DgStatus::Mismatch)
        })
        .map(DataGroup::to_string)
        .collect();
    let names = wanted
        .iter()
        .map(DataGroup::to_string)
        .collect::<Vec<_>>()
        .join(" and ");
    if !mismatched.is_empty() {
        Check::failed(
            id,
            format!("{} do(es) not match EF.SOD", mismatched.join(" and ")),
        )
    } else if !missing.is_empty() {
        not_checked(
            id,
            &format!(
                "{} listed in EF.SOD not read: Passive Authentication needs {names} compared",
                missing.join(" and ")
            ),
        )
    } else {
        Check::verified(id, format!("{names} compared and matching"))
    }
}

/// The `C=` values of a name, upper case, in order.
fn country_attributes(name: &x509_cert::name::Name) -> Vec<String> {
    const COUNTRY: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.6");
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(|atv| atv.oid == COUNTRY)
        .map(|atv| String::from_utf8_lossy(atv.value.value()).to_ascii_uppercase())
        .collect()
}

/// Field quirk T10: the document's issuing state (DG1, as signed) must be the country of the
/// CSCA that verified the Document Signer, and of the Document Signer's issuer. A chain that is
/// only checked for a trusted anchor would accept a document of one state signed by another
/// state's CSCA.
///
/// `dg1` is given only when its hash matched EF.SOD; `anchor` only when the chain verified.
pub fn issuing_state_check(
    dg1: Option<&Vec<u8>>,
    anchor: Option<&Certificate>,
    signer: Option<&Certificate>,
) -> Check {
    use emrtd_mrz::country::{csca_country, IssuerCountry};
    let id = CheckId::IssuingState;
    let Some(dg1) = dg1 else {
        return Check::missing_input(
            id,
            "DG1 not read or not matching EF.SOD: the issuing state cannot be compared with the CSCA's country",
        );
    };
    let (Some(anchor), Some(signer)) = (anchor, signer) else {
        return Check::after_failure(
            id,
            "no trust anchor verified the Document Signer: there is no CSCA country to compare the issuing state with",
        );
    };
    let state = match emrtd_lds::dg1::Dg1::decode(dg1)
        .map_err(|e| e.to_string())
        .and_then(|d| d.mrz().map_err(|e| e.to_string()))
    {
        Ok(m) => m.issuing_state,
        Err(e) => {
            return Check::missing_input(
                id,
                format!("DG1 cannot be decoded ({e}): the issuing state cannot be compared with the CSCA's country"),
            )
        }
    };
    let expected = match csca_country(&state) {
        IssuerCountry::Alpha2(c) => c,
        IssuerCountry::NoKnownCsca(what) => {
            return Check::missing_input(
                id,
                format!("issuing state {state} is {what}: no CSCA country to check it against; the document cannot be called valid"),
            )
        }
        _ => {
            return Check::missing_input(
                id,
                format!("issuing state {state:?} is not an ISO 3166-1 alpha-3 or ICAO code: the CSCA's country cannot be checked; the document cannot be called valid"),
            )
        }
    };
    let csca_c = country_attributes(anchor.subject_name());
    let dsc_c = country_attributes(signer.issuer_name());
    let describe = |v: &[String]| {
        if v.is_empty() {
            "no C=".to_string()
        } else {
            v.iter()
                .map(|c| format!("C={c}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let all_expected = |v: &[String]| !v.is_empty() && v.iter().all(|c| c == expected);
    if all_expected(&csca_c) && all_expected(&dsc_c) {
        Check::verified(
            id,
            format!("issuing state {state} is signed by a CSCA of C={expected}"),
        )
    } else {
        Check::failed(
            id,
            format!(
                "issuing state {state} (CSCA country {expected}) but the CSCA {} has {} and the Document Signer's issuer {}: a state's CSCA signs only that state's documents, refuse this one",
                anchor.subject(),
                describe(&csca_c),
                describe(&dsc_c)
            ),
        )
    }
}

fn digest_display(oid: &str) -> String {
    HashAlg::from_oid(oid)
        .map(|h| h.name().to_string())
        .unwrap_or_else(|| oid.to_string())
}

/// A report for an EF.SOD that could not even be decoded.
fn undecodable(reason: String) -> PassiveAuthReport {
    let checks = vec![Check::failed(CheckId::EfSod, reason)];
    PassiveAuthReport {
        status: Verdict::Invalid,
        signature_valid: None,
        chain_valid: None,
        data_groups: BTreeMap::new(),
        errors: errors_of(&checks, Verdict::Invalid),
        warnings: Vec::new(),
        findings: Vec::new(),
        checks: checks.clone(),
        hash_algorithm: None,
        lds_security_object_version: None,
        lds_version: None,
        unicode_version: None,
        details: None,
    }
}

/// Passive Authentication of EF.SOD bytes; a malformed EF.SOD gives an `invalid` report.
pub fn verify_sod_bytes(
    sod: &[u8],
    data_groups: &BTreeMap<u8, Vec<u8>>,
    trust: &TrustStore,
    opts: &VerifyOptions,
) -> PassiveAuthReport {
    match Sod::parse(sod) {
        Ok(s) => verify_sod(&s, data_groups, trust, opts),
        Err(e) => {
            let mut r = undecodable(format!("EF.SOD cannot be decoded: {e}"));
            // Still say which data groups were read.
            r.data_groups = data_groups
                .keys()
                .filter_map(|n| DataGroup::new(*n))
                .map(|dg| (dg, DgStatus::NotChecked))
                .collect();
            r
        }
    }
}

/// Verify EF.CardSecurity (CMS SignedData with SecurityInfos) the way EF.SOD is verified.
pub fn verify_card_security(
    bytes: &[u8],
    trust: &TrustStore,
    opts: &VerifyOptions,
) -> SignedObjectReport {
    match SignedData::parse(bytes) {
        Ok(sd) => verify_signed_data(&sd, oid::SECURITY_OBJECT, trust, opts),
        Err(e) => {
            let checks = vec![Check::failed(
                CheckId::EfCardSecurity,
                format!("EF.CardSecurity cannot be decoded: {e}"),
            )];
            SignedObjectReport {
                status: Verdict::Invalid,
                signature_valid: None,
                chain_valid: None,
                errors: errors_of(&checks, Verdict::Invalid),
                warnings: Vec::new(),
                findings: Vec::new(),
                checks: checks.clone(),
                details: SignatureDetails {
                    content_type: String::new(),
                    digest_algorithm: None,
                    signature_algorithm: None,
                    signing_time: None,
                    signer: None,
                    signer_source: None,
                    csca: None,
                    chain: Vec::new(),
                    root_reached: false,
                    validity_at_signing: not_checked(CheckId::ValidityAtSigning, "not decoded"),
                    validity_now: not_checked(CheckId::ValidityNow, "not decoded"),
                    crl: not_checked(CheckId::Crl, "not decoded"),
                },
                signer_certificate: None,
                anchor_certificate: None,
            }
        }
    }
}

/// Verification of a folder of dumped files.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct DumpVerification {
    /// The folder.
    pub directory: String,
    /// Files that were read.
    pub files: Vec<String>,
    /// Passive Authentication of SOD.bin and the data groups.
    pub passive_authentication: PassiveAuthReport,
    /// Verification of CardSecurity.bin, if present.
    pub card_security: Option<SignedObjectReport>,
    /// What the trust store held.
    pub trust_store: TrustStoreSummary,
    /// The time used as "now".
    pub verified_at: String,
}

impl DumpVerification {
    /// The one verdict of a dumped folder, for every caller (CLI, FFI): Passive Authentication
    /// combined with EF.CardSecurity's signature when the folder has one ([`Verdict::weakest`]).
    pub fn verdict(&self) -> Verdict {
        self.card_security
            .as_ref()
            .map_or(self.passive_authentication.status, |cs| {
                self.passive_authentication.status.weakest(cs.status)
            })
    }
}

/// Sizes of a trust store.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct TrustStoreSummary {
    /// CSCA certificates (trust anchors).
    pub csca: usize,
    /// Document Signer certificates supplied out of band.
    pub dsc: usize,
    /// Certificate revocation lists.
    pub crls: usize,
}

/// Largest dumped file read (16 MiB).
pub const MAX_DUMP_FILE: u64 = 16 << 20;

/// Read a folder with any of `COM.bin`, `SOD.bin`, `DG1.bin` … `DG16.bin`, `CardAccess.bin`,
/// `CardSecurity.bin` (names case-insensitive) and verify it against `trust` now.
pub fn verify_dump(dir: &Path, trust: &TrustStore) -> Result<DumpVerification, AuthError> {
    verify_dump_with(dir, trust, &VerifyOptions::now())
}

/// [`verify_dump`] with explicit options.
pub fn verify_dump_with(
    dir: &Path,
    trust: &TrustStore,
    opts: &VerifyOptions,
) -> Result<DumpVerification, AuthError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| AuthError::Io { path, source }
    };
    let mut files: BTreeMap<String, (String, Vec<u8>)> = BTreeMap::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let key = name.to_ascii_lowercase();
        if !is_dump_file(&key) || !path.is_file() {
            continue;
        }
        let len = std::fs::metadata(&path).map_err(io(&path))?.len();
        if len > MAX_DUMP_FILE {
            return Err(AuthError::File {
                path,
                reason: format!("{len} bytes is larger than the {MAX_DUMP_FILE} accepted"),
            });
        }
        if let Some((first, _)) = files.get(&key) {
            return Err(AuthError::File {
                path,
                reason: format!("the same file as {first} (names differ only in case)"),
            });
        }
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        files.insert(key, (name.to_string(), bytes));
    }
    Ok(verify_named_files(
        dir.display().to_string(),
        &files,
        trust,
        opts,
    ))
}

/// [`verify_dump`] on files held in memory (an app's own storage, a server upload): names as
/// in a dump folder, `COM.bin`, `SOD.bin`, `DG1.bin` … `DG16.bin`, `CardAccess.bin`,
/// `CardSecurity.bin`, in any case and with or without `.bin`; other names are ignored.
pub fn verify_files(
    named: &BTreeMap<String, Vec<u8>>,
    trust: &TrustStore,
    opts: &VerifyOptions,
) -> Result<DumpVerification, AuthError> {
    let mut files = BTreeMap::new();
    for (name, bytes) in named {
        let mut key = name.to_ascii_lowercase();
        if !key.ends_with(".bin") {
            key.push_str(".bin");
        }
        if !is_dump_file(&key) {
            continue;
        }
        if let Some((first, _)) = files.get(&key) {
            return Err(AuthError::File {
                path: name.into(),
                reason: format!("the same file as {first}: give each file once"),
            });
        }
        if bytes.len() as u64 > MAX_DUMP_FILE {
            return Err(AuthError::File {
                path: name.into(),
                reason: format!(
                    "{} bytes is larger than the {MAX_DUMP_FILE} accepted",
                    bytes.len()
                ),
            });
        }
        files.insert(key, (name.clone(), bytes.clone()));
    }
    Ok(verify_named_files(
        "(in memory)".into(),
        &files,
        trust,
        opts,
    ))
}

fn is_dump_file(lower_name: &str) -> bool {
    matches!(
        lower_name,
        "com.bin" | "sod.bin" | "cardaccess.bin" | "cardsecurity.bin"
    ) || dg_number(lower_name).is_some()
}

/// The verification of a dump: `files` maps lower-case names to (name as given, bytes).
fn verify_named_files(
    directory: String,
    files: &BTreeMap<String, (String, Vec<u8>)>,
    trust: &TrustStore,
    opts: &VerifyOptions,
) -> DumpVerification {
    let data_groups: BTreeMap<u8, Vec<u8>> = files
        .iter()
        .filter_map(|(k, (_, b))| dg_number(k).map(|n| (n, b.clone())))
        .collect();

    let mut pa = match files.get("sod.bin") {
        Some((_, sod)) => verify_sod_bytes(sod, &data_groups, trust, opts),
        None => {
            let checks = vec![not_checked(
                CheckId::EfSod,
                "SOD.bin is missing: nothing to verify",
            )];
            PassiveAuthReport {
                status: Verdict::Unverified,
                signature_valid: None,
                chain_valid: None,
                data_groups: data_groups
                    .keys()
                    .filter_map(|n| DataGroup::new(*n))
                    .map(|dg| (dg, DgStatus::NotChecked))
                    .collect(),
                errors: vec!["ef_sod: SOD.bin is missing: nothing to verify".into()],
                warnings: Vec::new(),
                findings: Vec::new(),
                checks,
                hash_algorithm: None,
                lds_security_object_version: None,
                lds_version: None,
                unicode_version: None,
                details: None,
            }
        }
    };

    // EF.COM consistency (TR-03105-5.1 LDS_H_90..92): same data groups as EF.SOD.
    if let (Some((_, com)), Some((_, sod))) = (files.get("com.bin"), files.get("sod.bin")) {
        check_ef_com_consistency(&mut pa, com, sod);
    }

    let mut card_security = files
        .get("cardsecurity.bin")
        .map(|(_, b)| verify_card_security(b, trust, opts));
    if let (Some(report), Some((_, ca)), Some((_, cs))) = (
        card_security.as_mut(),
        files.get("cardaccess.bin"),
        files.get("cardsecurity.bin"),
    ) {
        check_card_access_consistency(report, ca, cs);
    }

    DumpVerification {
        directory,
        files: files.values().map(|(n, _)| n.clone()).collect(),
        passive_authentication: pa,
        card_security,
        trust_store: TrustStoreSummary {
            csca: trust.anchor_count(),
            dsc: trust.dsc().len(),
            crls: trust.crls().len(),
        },
        verified_at: cert::format_time(opts.now),
    }
}

/// `dg1.bin` … `dg16.bin` → 1 … 16; nothing else (no `dg01`, no `dg+1`).
fn dg_number(lower_name: &str) -> Option<u8> {
    let digits = lower_name.strip_prefix("dg")?.strip_suffix(".bin")?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u8 = digits.parse().ok()?;
    (1..=16).contains(&n).then_some(n)
}

/// TR-03105-5.1 LDS_H_45/90–92: EF.COM and EF.SOD must list the same data groups. Adds the
/// `ef_com_consistency` check to the report (and updates its verdict).
pub fn check_ef_com_consistency(pa: &mut PassiveAuthReport, com: &[u8], sod: &[u8]) {
    let Ok(sod) = Sod::parse(sod) else {
        return; // the report already says EF.SOD cannot be decoded
    };
    let check = match emrtd_lds::com::EfCom::decode(com) {
        Err(e) => Check::failed(
            CheckId::EfComConsistency,
            format!("EF.COM cannot be decoded: {e}"),
        ),
        Ok(c) => {
            let mut in_com: Vec<u8> = c.data_groups();
            in_com.sort_unstable();
            in_com.dedup();
            let mut in_sod: Vec<u8> = sod
                .lds_security_object
                .data_group_hashes
                .iter()
                .map(|(n, _)| *n)
                .collect();
            in_sod.sort_unstable();
            for n in in_com.iter().filter(|n| !in_sod.contains(n)) {
                // Listed in EF.COM only: it is missing unless the report shows it read.
                if !matches!(
                    DataGroup::new(*n).and_then(|dg| pa.data_groups.get(&dg)),
                    Some(DgStatus::NotInSod | DgStatus::Match | DgStatus::Mismatch)
                ) {
                    pa.findings.push(Finding::DataGroupNotRead {
                        data_group: *n,
                        listed_in: ListedIn::Com,
                    });
                }
            }
            let fmt = |v: &[u8]| {
                v.iter()
                    .map(|n| format!("DG{n}"))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            if in_com == in_sod {
                Check::verified(
                    CheckId::EfComConsistency,
                    format!(
                        "EF.COM and EF.SOD list the same data groups ({})",
                        fmt(&in_sod)
                    ),
                )
            } else {
                Check::failed(
                    CheckId::EfComConsistency,
                    format!(
                        "EF.COM lists {} but EF.SOD hashes {}",
                        fmt(&in_com),
                        fmt(&in_sod)
                    ),
                )
            }
        }
    };
    add_to_report(&mut pa.checks, &mut pa.status, &mut pa.errors, check);
}

/// ICAO 9303-11 §9.2.2 / TR-03105-5.1 LDS_J_02–03: EF.CardSecurity must contain every
/// SecurityInfo of EF.CardAccess (EF.CardAccess is not signed; EF.CardSecurity is). Adds the
/// `card_access_consistency` check to the report (and updates its verdict).
pub fn check_card_access_consistency(
    report: &mut SignedObjectReport,
    card_access: &[u8],
    card_security: &[u8],
) {
    let check = match (
        emrtd_lds::security_infos::SecurityInfos::parse(card_access),
        emrtd_lds::security_infos::SecurityInfos::parse_card_security(card_security),
    ) {
        (Err(e), _) => Check::failed(
            CheckId::CardAccessConsistency,
            format!("EF.CardAccess cannot be decoded: {e}"),
        ),
        (_, Err(e)) => Check::failed(
            CheckId::CardAccessConsistency,
            format!("EF.CardSecurity cannot be decoded: {e}"),
        ),
        (Ok(access), Ok((_, secured))) => {
            let signed: Vec<Vec<u8>> = secured.infos.iter().map(|i| i.to_der()).collect();
            let missing = access
                .infos
                .iter()
                .filter(|i| !signed.contains(&i.to_der()))
                .count();
            if missing == 0 {
                Check::verified(
                    CheckId::CardAccessConsistency,
                    "every SecurityInfo of EF.CardAccess is in the signed EF.CardSecurity",
                )
            } else {
                Check::failed(CheckId::CardAccessConsistency,
                    format!(
                        "{missing} SecurityInfo(s) of EF.CardAccess are not in the signed EF.CardSecurity: EF.CardAccess may have been altered"
                    ),
                )
            }
        }
    };
    add_to_report(
        &mut report.checks,
        &mut report.status,
        &mut report.errors,
        check,
    );
}

#[cfg(test)]
mod verdict_tests {
    use super::Verdict::{self, Invalid, Unverified, Valid};

    #[test]
    fn weakest_verdict_is_valid_only_when_both_are_valid() {
        let all = [Valid, Invalid, Unverified];
        for a in all {
            for b in all {
                let w = a.weakest(b);
                assert_eq!(w, b.weakest(a), "order must not matter");
                let expected: Verdict = if a == Invalid || b == Invalid {
                    Invalid
                } else if a == Unverified || b == Unverified {
                    Unverified
                } else {
                    Valid
                };
                assert_eq!(w, expected, "{a:?} with {b:?}");
            }
        }
    }
}
