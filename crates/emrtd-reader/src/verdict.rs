//! The verdict on a read document: is the data genuine, is the chip genuine?

use crate::engine::{Clock, SystemClock};
use crate::report::Refusal;
use crate::{Document, EfId};
use emrtd_auth::pa::{
    check_card_access_consistency, check_ef_com_consistency, verify_card_security, verify_sod_bytes,
};
use emrtd_auth::{
    Check, CheckId, CheckOutcome, CheckStatus, NotPerformed, PassiveAuthReport, SignedObjectReport,
    TrustStore, Verdict,
};
use std::collections::BTreeMap;

/// Every verification step of a read, with an overall answer nobody can misread.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct ReadVerdict {
    /// `valid` only when every required check passed; `unverified` when nothing failed but a
    /// required check could not run (for example no trust anchor); otherwise `invalid`.
    pub status: Verdict,
    /// Same as `status == valid`.
    pub valid: bool,
    /// EF.SOD signature, certificate chain, data-group hashes.
    pub passive_authentication: PassiveAuthReport,
    /// EF.CardSecurity signature and chain, when the chip has one.
    pub card_security: Option<SignedObjectReport>,
    /// Chip Authentication (DG14): proves the chip holds the private key of DG14.
    pub chip_authentication: Check,
    /// Active Authentication (DG15): the chip signs a fresh challenge.
    pub active_authentication: Check,
    /// PACE-CAM: chip authentication within PACE.
    pub pace_cam: Check,
    /// Every file read decodes and follows the rules of ICAO 9303-10 and the biometric formats.
    /// A data group or EF.SOD that cannot be decoded fails the verdict; rule findings of readable
    /// files (`emrtd-lds` `check()`) are listed with `informational` set and do not.
    pub lds_conformance: Check,
    /// Whether the document is still valid (date of expiry in DG1 not passed). Informational:
    /// it says nothing about the data or the chip being genuine, so it never changes `status`.
    pub document_validity: Check,
    /// The checks, one line each, for people.
    pub summary: Vec<String>,
}

/// Verify a read document against a trust store.
///
/// Required checks: Passive Authentication; EF.CardSecurity when present; and every
/// anti-cloning check the chip offers (Chip Authentication when DG14 has a key, Active
/// Authentication when DG15 is present, PACE-CAM when it was used). A chip that offers none
/// of them can be `valid` on Passive Authentication alone; the summary says it was not
/// checked for cloning.
pub fn verify_document(doc: &Document, trust: &TrustStore) -> ReadVerdict {
    verify_document_at(doc, trust, &SystemClock)
}

/// [`verify_document`] at the time `clock` says (certificate validity, document validity).
pub fn verify_document_at(doc: &Document, trust: &TrustStore, clock: &dyn Clock) -> ReadVerdict {
    verify_document_with(doc, trust, &emrtd_auth::VerifyOptions::at(clock.now()))
}

/// [`verify_document`] with explicit options: "now" (`opts.now`, also for document
/// validity), Document Signer certificates for an EF.SOD that embeds none, and the opt-in
/// for EF.SODs signed over `id-data`
/// ([`VerifyOptions::accept_id_data_content_type`](emrtd_auth::VerifyOptions::accept_id_data_content_type)).
pub fn verify_document_with(
    doc: &Document,
    trust: &TrustStore,
    opts: &emrtd_auth::VerifyOptions,
) -> ReadVerdict {
    let dgs: BTreeMap<u8, Vec<u8>> = doc
        .files
        .iter()
        .filter_map(|(ef, b)| match ef {
            EfId::Dg(n) => Some((*n, b.clone())),
            _ => None,
        })
        .collect();
    let mut pa = match doc.files.get(&EfId::Sod) {
        Some(sod) => verify_sod_bytes(sod, &dgs, trust, opts),
        None => {
            let mut r = verify_sod_bytes(&[], &dgs, trust, opts);
            r.status = Verdict::Invalid;
            r.errors = vec!["EF.SOD was not read: the data cannot be verified".into()];
            r
        }
    };
    if let (Some(com), Some(sod)) = (doc.files.get(&EfId::Com), doc.files.get(&EfId::Sod)) {
        check_ef_com_consistency(&mut pa, com, sod);
    }
    // A data group EF.SOD vouches for that the chip claims not to have: the document cannot
    // be fully verified (a chip hiding a data group, TR-03105-5.1 ISO7816_C_01).
    // Only DG3 and DG4 may be refused (Extended Access Control); a chip that refuses DG14 or
    // DG15 could be a clone avoiding Chip or Active Authentication.
    let hidden: Vec<String> = doc
        .refused
        .iter()
        .filter(|(ef, why)| match ef {
            EfId::Dg(3 | 4) => **why == Refusal::NotPresent,
            EfId::Dg(_) => true,
            _ => false,
        })
        .filter_map(|(ef, _)| match ef {
            EfId::Dg(n) => emrtd_auth::DataGroup::new(*n),
            _ => None,
        })
        .filter(|dg| pa.data_groups.contains_key(dg))
        .map(|dg| dg.to_string())
        .collect();
    if !hidden.is_empty() {
        let reason = format!(
            "EF.SOD lists {} but the chip does not let them be read",
            hidden.join(", ")
        );
        pa.checks
            .push(Check::failed(CheckId::DataGroupsPresent, reason.clone()));
        pa.errors.push(reason);
        pa.status = Verdict::Invalid;
    }
    let card_security = doc.files.get(&EfId::CardSecurity).map(|b| {
        let mut report = verify_card_security(b, trust, opts);
        if let Some(ca) = doc.files.get(&EfId::CardAccess) {
            check_card_access_consistency(&mut report, ca, b);
        }
        report
    });

    let ca = doc.chip_authentication.clone().unwrap_or_else(|| {
        Check::not_supported(
            CheckId::ChipAuthentication,
            "the chip offers no Chip Authentication key (no DG14)",
        )
    });
    let aa = doc.active_authentication.clone().unwrap_or_else(|| {
        Check::not_supported(
            CheckId::ActiveAuthentication,
            "the chip offers no Active Authentication key (no DG15)",
        )
    });
    let cam = match &doc.access.chip_authentication_mapping {
        Some(CheckOutcome::Verified) => Check::verified(
            CheckId::PaceCam,
            "the chip proved its EF.CardSecurity key in PACE",
        ),
        // PACE-CAM was used: anything but a verified proof fails (never "valid" unchecked).
        Some(other) => Check::failed(CheckId::PaceCam, other.to_string()),
        None => Check::not_applicable(CheckId::PaceCam, "PACE-CAM was not used"),
    };

    let lds = lds_conformance(doc);
    let validity = document_validity(doc, today(opts.now));

    let mut statuses = vec![pa.status];
    if lds.counts_as_failure() {
        statuses.push(Verdict::Invalid);
    }
    if let Some(cs) = &card_security {
        statuses.push(cs.status);
    }
    let mut offered = 0;
    for c in [&ca, &aa, &cam] {
        match &c.outcome {
            CheckOutcome::Verified => offered += 1,
            CheckOutcome::Failed(_) => {
                offered += 1;
                statuses.push(Verdict::Invalid)
            }
            // The chip does not offer it, or it does not apply to this read.
            CheckOutcome::NotSupported
            | CheckOutcome::NotPerformed(NotPerformed::NotApplicable(_)) => {}
            // Offered but not checked, or an outcome this reader does not know: never `valid`.
            _ => statuses.push(Verdict::Unverified),
        }
    }
    let status = if statuses.contains(&Verdict::Invalid) {
        Verdict::Invalid
    } else if statuses.contains(&Verdict::Unverified) {
        Verdict::Unverified
    } else {
        Verdict::Valid
    };

    let word = |s: Verdict| match s {
        Verdict::Valid => "valid",
        Verdict::Invalid => "INVALID",
        other => other.as_str(),
    };
    let mark = |c: &Check| match c.status() {
        CheckStatus::Passed => "passed",
        CheckStatus::Failed if c.informational => "findings (not counted)",
        CheckStatus::Failed => "FAILED",
        CheckStatus::Skipped => "skipped",
        _ => "not checked",
    };
    let mut summary = vec![format!(
        "Passive Authentication: {}{}",
        word(pa.status),
        pa.errors
            .first()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default()
    )];
    for (dg, s) in &pa.data_groups {
        summary.push(format!("  {dg} hash: {}", serde_plain(s)));
    }
    if let Some(cs) = &card_security {
        summary.push(format!(
            "EF.CardSecurity: {}{}",
            word(cs.status),
            cs.errors
                .first()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ));
    }
    for c in [&lds, &ca, &aa, &cam] {
        summary.push(format!("{}: {} ({})", c.id, mark(c), c.reason()));
    }
    summary.push(format!("document validity: {}", validity.reason()));
    if offered == 0 {
        summary.push("clone detection: not checked (the chip offers no CA, AA or PACE-CAM)".into());
    }
    summary.push(format!("Overall: {}", word(status)));
    ReadVerdict {
        status,
        valid: status == Verdict::Valid,
        passive_authentication: pa,
        card_security,
        chip_authentication: ca,
        active_authentication: aa,
        pace_cam: cam,
        lds_conformance: lds,
        document_validity: validity,
        summary,
    }
}

/// The calendar date of Unix time `now` (UTC).
fn today(now: i64) -> Option<emrtd_mrz::Date> {
    let iso = emrtd_auth::cert::format_time(now);
    let year: u16 = iso.get(0..4)?.parse().ok()?;
    let month: u8 = iso.get(5..7)?.parse().ok()?;
    let day: u8 = iso.get(8..10)?.parse().ok()?;
    emrtd_mrz::Date::new(year, month, day)
}

/// Is the document past its date of expiry (DG1) on `today`? An informational check.
pub fn document_validity(doc: &Document, today: Option<emrtd_mrz::Date>) -> Check {
    const NAME: CheckId = CheckId::DocumentValidity;
    let expiry = doc
        .dg1
        .as_ref()
        .and_then(|d| d.mrz().ok())
        .and_then(|m| m.expiry_date());
    let check = match (expiry, today) {
        // Reported as skipped, as before: an informational check that does not apply.
        (None, _) => Check::not_applicable(NAME, "no date of expiry in DG1"),
        (Some(_), None) => Check::not_applicable(NAME, "today's date is not known"),
        (Some(e), Some(t)) if e >= t => Check::verified(NAME, format!("valid until {e}")),
        (Some(e), Some(_)) => Check::failed(
            NAME,
            format!("expired on {e} (whether the data and the chip are genuine is told above)"),
        ),
    };
    check.informational()
}

/// Decode every file read and collect its conformance findings. A data group or EF.SOD that
/// cannot be decoded fails the check (signed data nobody can interpret); rule findings of
/// readable files (`emrtd-lds` `check()`) and problems of the unsigned EF.ATR/INFO and EF.CVCA are reported
/// as failed but informational: they do not change the verdict, and a stricter inspection
/// system (as the TR-03105-5.1 harness in the tests) can count them.
fn lds_conformance(doc: &Document) -> Check {
    use emrtd_lds::{decode_file, FileId};
    const NAME: CheckId = CheckId::LdsConformance;
    let mut errors = Vec::new();
    let mut findings = Vec::new();
    let mut decoded = 0;
    for (ef, bytes) in &doc.files {
        let (id, signed) = match ef {
            EfId::Com => (FileId::Com, false),
            EfId::Sod => (FileId::Sod, true),
            EfId::Dg(n) => (FileId::Dg(*n), true),
            EfId::AtrInfo => (FileId::AtrInfo, false),
            // Decoded and checked by PACE and EF.CardSecurity verification.
            EfId::CardAccess | EfId::CardSecurity => continue,
            // Not signed by EF.SOD (its key references choose the Terminal Authentication
            // chain): a broken one is a finding (TR-03105-5.1 LDS_G), never a failed verdict.
            EfId::Cvca => (FileId::Cvca, false),
        };
        match decode_file(id, bytes) {
            Ok(f) => {
                decoded += 1;
                findings.extend(f.check().iter().map(ToString::to_string));
            }
            Err(e) if signed => errors.push(format!("{ef}: {e}")),
            Err(e) => findings.push(format!("{ef}: {e}")),
        }
    }
    if !errors.is_empty() {
        errors.extend(findings);
        Check::failed(NAME, errors.join("; "))
    } else if !findings.is_empty() {
        Check::failed(NAME, findings.join("; ")).informational()
    } else if decoded == 0 {
        Check::not_applicable(NAME, "no file was read")
    } else {
        Check::verified(
            NAME,
            format!("{decoded} file(s) decode and follow the LDS rules"),
        )
    }
}

fn serde_plain<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
