//! What the command prints: text for people, JSON for programs.
//!
//! Text reports start with one `Overall:` line; checks are named one way everywhere
//! ("Passive Authentication", "Chip Authentication", …); dates are ISO 8601. Every JSON document
//! carries `schema_version` and follows its schema in `docs/schema/`.

use crate::exit::Failure;
use crate::out::outln;
use crate::SCHEMA_VERSION;
use emrtd_auth::{Check, CheckId, CheckOutcome, CheckStatus, Verdict};
use emrtd_mrz::{Date, Mrz};
use emrtd_reader::{Document, EfId, Progress, ReadVerdict};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use std::path::Path;

pub fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// The JSON of a failure (`docs/schema/error.schema.json`).
pub fn error_json(f: &Failure) -> String {
    serde_json::to_string(&json!({
        "schema_version": SCHEMA_VERSION,
        "error": f.message,
        "exit_status": f.exit.code(),
    }))
    .unwrap_or_default()
}

/// A serde enum value as its plain string.
fn plain<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Today's date (UTC), for the century of a date of birth.
fn today() -> Option<Date> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    let iso = emrtd_auth::cert::format_time(i64::try_from(now).ok()?);
    Date::new(
        iso.get(0..4)?.parse().ok()?,
        iso.get(5..7)?.parse().ok()?,
        iso.get(8..10)?.parse().ok()?,
    )
}

/// `YYYYMMDD` (DG11, DG12) as ISO 8601; other text as it is.
fn iso_date(yyyymmdd: &str) -> String {
    let digits = yyyymmdd.len() == 8 && yyyymmdd.bytes().all(|b| b.is_ascii_digit());
    match digits {
        true => format!(
            "{}-{}-{}",
            &yyyymmdd[0..4],
            &yyyymmdd[4..6],
            &yyyymmdd[6..8]
        ),
        false => yyyymmdd.to_string(),
    }
}

fn nin_json(mrz: &Mrz) -> Value {
    match emrtd_mrz::no::identity_number_of(mrz) {
        Some((n, birth_date_check)) => json!({
            "number": n.number,
            "kind": n.kind.as_str(),
            "synthetic": n.kind.is_synthetic(),
            "birth_date": n.birth_date.to_string(),
            "century_ambiguous": n.century_ambiguous,
            "control_rule": match n.control_rule {
                emrtd_mrz::no::ControlRule::Classic => "classic",
                emrtd_mrz::no::ControlRule::From2032 => "from_2032",
            },
            "birth_date_check": birth_date_check,
        }),
        None => Value::Null,
    }
}

/// The Norwegian national identity number of an MRZ, for text output (informational: it does
/// not change the verdict).
fn nin_line(mrz: &Mrz) -> Option<String> {
    use emrtd_mrz::no::BirthDateCheck;
    let (n, check) = emrtd_mrz::no::identity_number_of(mrz)?;
    let kind = match n.kind.is_synthetic() {
        true => format!("{}: a test number, never a real person", n.kind.as_str()),
        false => n.kind.as_str().to_string(),
    };
    let check = match check {
        BirthDateCheck::Matches => "its date of birth matches the MRZ".to_string(),
        BirthDateCheck::Differs { number, mrz } => {
            format!("its date of birth DIFFERS from the MRZ (number {number}, MRZ {mrz})")
        }
        BirthDateCheck::NotComparable { .. } => {
            "the MRZ date of birth cannot be compared with it".to_string()
        }
        _ => "its date of birth was not compared".to_string(),
    };
    Some(format!(
        "Norwegian national identity number {} ({kind}); {check}",
        n.number
    ))
}

/// An MRZ as JSON (`docs/schema/mrz.schema.json` without the envelope).
fn mrz_value(mrz: &Mrz) -> Value {
    let mut v = serde_json::to_value(mrz).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("valid".into(), json!(mrz.is_valid()));
        m.insert(
            "birth_date".into(),
            json!(today()
                .and_then(|t| mrz.birth_date(t))
                .map(|d| d.to_string())),
        );
        m.insert(
            "expiry_date".into(),
            json!(mrz.expiry_date().map(|d| d.to_string())),
        );
        m.insert("norwegian_national_identity_number".into(), nin_json(mrz));
    }
    v
}

/// `emrtd mrz --json`.
pub fn mrz_json(mrz: &Mrz) -> Value {
    let mut v = mrz_value(mrz);
    v["schema_version"] = json!(SCHEMA_VERSION);
    v
}

pub fn print_mrz(mrz: &Mrz, indent: &str) {
    let date = |yymmdd: &str, d: Option<Date>| match d {
        Some(d) => d.to_string(),
        None => format!("{yymmdd} (not a date)"),
    };
    outln!("{indent}Format:             {}", mrz.format);
    outln!("{indent}Document code:      {}", mrz.document_code);
    outln!("{indent}Issuing state:      {}", mrz.issuing_state);
    outln!("{indent}Document number:    {}", mrz.document_number);
    outln!("{indent}Primary identifier: {}", mrz.primary_identifier);
    outln!("{indent}Secondary ident.:   {}", mrz.secondary_identifier);
    outln!("{indent}Nationality:        {}", mrz.nationality);
    outln!(
        "{indent}Date of birth:      {}",
        date(&mrz.date_of_birth, today().and_then(|t| mrz.birth_date(t)))
    );
    outln!("{indent}Sex:                {}", mrz.sex);
    outln!(
        "{indent}Date of expiry:     {}",
        date(&mrz.date_of_expiry, mrz.expiry_date())
    );
    if !mrz.optional_data.is_empty() {
        outln!("{indent}Optional data:      {}", mrz.optional_data);
    }
    if let Some(o) = mrz.optional_data_2.as_deref().filter(|o| !o.is_empty()) {
        outln!("{indent}Optional data 2:    {o}");
    }
    if let Some(line) = nin_line(mrz) {
        outln!("{indent}{line}");
    }
    let checks: Vec<String> = mrz
        .checks
        .iter()
        .map(|(k, ok)| format!("{} {}", k.replace('_', " "), if *ok { "✓" } else { "✗" }))
        .collect();
    outln!("{indent}Check digits:       {}", checks.join(", "));
    outln!(
        "{indent}Valid:              {}",
        if mrz.is_valid() { "yes" } else { "NO" }
    );
}

fn dg11_json(doc: &Document) -> Value {
    let Some(d) = doc
        .files
        .get(&EfId::Dg(11))
        .and_then(|b| emrtd_lds::dg11::Dg11::decode(b).ok())
    else {
        return Value::Null;
    };
    json!({
        "full_name": d.full_name,
        "other_names": d.other_names,
        "personal_number": d.personal_number,
        "full_date_of_birth": d.full_date_of_birth.as_deref().map(iso_date),
        "place_of_birth": d.place_of_birth,
        "address": d.address,
        "telephone": d.telephone,
        "profession": d.profession,
        "title": d.title,
        "personal_summary": d.personal_summary,
        "other_td_numbers": d.other_td_numbers,
        "custody": d.custody,
    })
}

fn dg12_json(doc: &Document) -> Value {
    let Some(d) = doc
        .files
        .get(&EfId::Dg(12))
        .and_then(|b| emrtd_lds::dg12::Dg12::decode(b).ok())
    else {
        return Value::Null;
    };
    json!({
        "issuing_authority": d.issuing_authority,
        "date_of_issue": d.date_of_issue.as_deref().map(iso_date),
        "other_persons": d.other_persons,
        "endorsements": d.endorsements,
        "tax_exit_requirements": d.tax_exit_requirements,
        "personalisation_time": d.personalisation_time,
        "personalisation_device": d.personalisation_device,
    })
}

/// `emrtd read --json` (`docs/schema/read.schema.json`).
pub fn read_json(doc: &Document, verdict: &ReadVerdict, stats: Option<Value>) -> Value {
    let dg1 = doc.dg1.as_ref().map(|d| match d.mrz() {
        Ok(m) => mrz_value(&m),
        Err(e) => json!({ "error": e.to_string(), "mrz_text": d.mrz_text }),
    });
    let files: serde_json::Map<String, Value> = doc
        .files
        .iter()
        .map(|(k, v)| (k.name(), json!(v.len())))
        .collect();
    let refused: serde_json::Map<String, Value> = doc
        .refused
        .iter()
        .map(|(k, v)| (k.name(), json!(v)))
        .collect();
    let mut v = json!({
        "schema_version": SCHEMA_VERSION,
        "access": doc.access,
        "com": doc.com.as_ref().map(|c| json!({
            "lds_version": c.lds_version,
            "unicode_version": c.unicode_version,
            "data_groups": c.data_groups().iter().map(|n| format!("DG{n}")).collect::<Vec<_>>(),
        })),
        "dg1": dg1,
        "dg11": dg11_json(doc),
        "dg12": dg12_json(doc),
        "files": files,
        "refused": refused,
        "resumes": doc.resumes,
        "passive_authentication": verdict.passive_authentication,
        "verdict": verdict,
    });
    if let Some(ta) = &doc.terminal_authentication {
        v["terminal_authentication"] = terminal_authentication_json(ta);
    }
    if let Some(stats) = stats {
        v["stats"] = stats;
    }
    v
}

/// The `terminal_authentication` object of the JSON report.
fn terminal_authentication_json(ta: &emrtd_reader::TerminalAuthReport) -> Value {
    use emrtd_reader::CheckOutcome;
    let (outcome, reason) = match &ta.outcome {
        CheckOutcome::Verified => ("passed", None),
        CheckOutcome::Failed(why) => ("failed", Some(why.clone())),
        CheckOutcome::NotPerformed(why) => ("not_performed", Some(why.reason().to_string())),
        other => ("not_performed", Some(other.to_string())),
    };
    json!({
        "outcome": outcome,
        "reason": reason,
        "configured": ta.configured,
        "version": ta.version.and_then(|v| match v {
            emrtd_eac::TaVersion::V1 => Some(1),
            emrtd_eac::TaVersion::V2 => Some(2),
            _ => None,
        }),
        "cvca": ta.cvca.as_ref().map(ToString::to_string),
        "terminal": ta.terminal.as_ref().map(ToString::to_string),
        "rights": rights_words(ta.rights),
        "requested_rights": ta.requested.map(rights_words),
        "chip_key_source": ta.chip_key_source.as_ref().map(|s| match s {
            emrtd_reader::ChipKeySource::CardSecurity => json!({ "file": "CardSecurity" }),
            emrtd_reader::ChipKeySource::Dg14(why) => json!({ "file": "DG14", "reason": why }),
            _ => json!({ "file": null, "reason": s.to_string() }),
        }),
    })
}

fn rights_words(rights: emrtd_eac::IsRights) -> Vec<&'static str> {
    rights
        .rights()
        .into_iter()
        .map(|r| match r {
            emrtd_eac::IsRight::ReadDg3 => "read_dg3",
            emrtd_eac::IsRight::ReadDg4 => "read_dg4",
        })
        .collect()
}

/// The "Terminal Authentication" line under "Checks:".
fn print_terminal_authentication(doc: &Document) {
    let Some(ta) = &doc.terminal_authentication else {
        return;
    };
    let (word, detail) = match &ta.outcome {
        emrtd_reader::CheckOutcome::Verified => {
            let rights: Vec<String> = ta.rights.rights().iter().map(ToString::to_string).collect();
            (
                "passed",
                format!(
                    "{} via {}; granted: {}{}{}",
                    ta.terminal
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    ta.cvca
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    if rights.is_empty() {
                        "nothing".to_string()
                    } else {
                        rights.join(", ")
                    },
                    ta.requested
                        .map(|r| format!(" (asked for in PACE: {r})"))
                        .unwrap_or_default(),
                    ta.chip_key_source
                        .as_ref()
                        .map(|s| format!("; Chip Authentication key from {s}"))
                        .unwrap_or_default()
                ),
            )
        }
        emrtd_reader::CheckOutcome::Failed(why) => ("failed", why.clone()),
        other => ("not run", other.to_string()),
    };
    outln!("  {:<26} {:<11} {detail}", "Terminal Authentication", word);
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Valid => "valid",
        Verdict::Invalid => "invalid",
        other => other.as_str(),
    }
}

/// The one name of each check in text output.
fn check_title(id: CheckId) -> String {
    match id {
        CheckId::ChipAuthentication => "Chip Authentication".into(),
        CheckId::ActiveAuthentication => "Active Authentication".into(),
        CheckId::PaceCam => "PACE-CAM".into(),
        CheckId::LdsConformance => "LDS conformance".into(),
        CheckId::DocumentValidity => "Document validity".into(),
        other => {
            let mut s = other.as_str().replace('_', " ");
            if let Some(first) = s.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            s
        }
    }
}

fn status_word(c: &Check) -> &'static str {
    match (c.id, &c.outcome) {
        (CheckId::DocumentValidity, CheckOutcome::Verified) => return "in force",
        (CheckId::DocumentValidity, CheckOutcome::Failed(_)) => return "expired",
        _ => {}
    }
    match c.status() {
        CheckStatus::Passed => "passed",
        CheckStatus::Failed if c.informational => "findings",
        CheckStatus::Failed => "FAILED",
        CheckStatus::Skipped => "skipped",
        _ => "not checked",
    }
}

/// `"DG2: DG2: text"` → `"DG2: text"`: a reason that repeats the file name it is prefixed with.
fn without_repeated_label(reason: &str) -> String {
    reason
        .split("; ")
        .map(|part| match part.split_once(": ") {
            Some((label, rest)) if rest.starts_with(&format!("{label}: ")) => rest.to_string(),
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Why the overall verdict is what it is, in a few words.
fn overall_reason(verdict: &ReadVerdict) -> String {
    let pa = &verdict.passive_authentication;
    let required = [
        &verdict.lds_conformance,
        &verdict.chip_authentication,
        &verdict.active_authentication,
        &verdict.pace_cam,
    ];
    match verdict.status {
        Verdict::Valid => {
            let clones: Vec<String> = required[1..]
                .iter()
                .filter(|c| c.is_verified())
                .map(|c| check_title(c.id))
                .collect();
            if clones.is_empty() {
                "the data is signed by a trusted issuer; the chip offers no clone detection".into()
            } else {
                format!(
                    "the data is signed by a trusted issuer and the chip is genuine ({})",
                    clones.join(", ")
                )
            }
        }
        _ => {
            if pa.status != Verdict::Valid {
                let why = pa.errors.first().cloned().unwrap_or_default();
                return format!(
                    "Passive Authentication is {}{}",
                    verdict_word(pa.status),
                    if why.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", without_repeated_label(&why))
                    }
                );
            }
            if let Some(cs) = verdict
                .card_security
                .as_ref()
                .filter(|c| c.status != Verdict::Valid)
            {
                return format!(
                    "EF.CardSecurity is {}{}",
                    verdict_word(cs.status),
                    cs.errors
                        .first()
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default()
                );
            }
            required
                .iter()
                .find(|c| {
                    !c.informational
                        && matches!(c.status(), CheckStatus::Failed | CheckStatus::NotChecked)
                })
                .map(|c| {
                    format!(
                        "{} {}: {}",
                        check_title(c.id),
                        status_word(c).to_lowercase(),
                        without_repeated_label(c.reason())
                    )
                })
                .unwrap_or_else(|| "a required check did not pass".into())
        }
    }
}

fn access_line(doc: &Document) -> String {
    let a = &doc.access;
    let mut access = format!("{} ({})", a.protocol, a.cipher_suite);
    if let Some(m) = &a.mapping {
        access = format!(
            "{}-{m} with the {}, {} (parameter id {}), {}",
            a.protocol,
            a.password,
            a.domain_parameters.as_deref().unwrap_or("?"),
            a.parameter_id
                .map(|i| i.to_string())
                .unwrap_or_else(|| "-".into()),
            a.cipher_suite
        );
    }
    if let Some(note) = &a.note {
        access.push_str(&format!(" ({note})"));
    }
    access
}

/// The text report of `emrtd read`.
pub fn print_read(doc: &Document, verdict: &ReadVerdict, stats: Option<&Value>) {
    outln!(
        "Overall: {} — {}",
        verdict_word(verdict.status),
        overall_reason(verdict)
    );
    let genuine = verdict.passive_authentication.status == Verdict::Valid;
    let unverified = if genuine {
        String::new()
    } else {
        format!(
            "  (NOT VERIFIED: Passive Authentication is {})",
            verdict_word(verdict.passive_authentication.status)
        )
    };
    outln!();
    match doc.dg1.as_ref().map(|d| d.mrz()) {
        Some(Ok(m)) => {
            let expiry = match (m.expiry_date(), today()) {
                (Some(e), Some(t)) if e < t => format!("expired on {e}"),
                (Some(e), _) => format!("valid until {e}"),
                (None, _) => format!("date of expiry {} is not a date", m.date_of_expiry),
            };
            outln!(
                "Document:  {} {} ({}), number {}, {expiry}",
                m.issuing_state,
                m.document_code,
                m.format,
                m.document_number
            );
            outln!(
                "Holder:    {}, {}{unverified}",
                m.primary_identifier,
                m.secondary_identifier
            );
            let born = today()
                .and_then(|t| m.birth_date(t))
                .map(|d| d.to_string())
                .unwrap_or_else(|| format!("{} (not a date)", m.date_of_birth));
            outln!(
                "           born {born}, sex {}, nationality {}",
                m.sex,
                m.nationality
            );
            if let Some(line) = nin_line(&m) {
                outln!("           {line}");
            }
            if !m.is_valid() {
                let failures: Vec<String> =
                    m.check_failures().iter().map(ToString::to_string).collect();
                outln!("           MRZ check digits wrong: {}", failures.join("; "));
            }
        }
        Some(Err(e)) => outln!("Document:  the MRZ in DG1 is malformed: {e}"),
        None => outln!("Document:  DG1 (the MRZ) was not read"),
    }
    print_dg11_dg12(doc, &unverified);
    outln!("Chip:      {}", access_line(doc));
    let files: Vec<String> = doc
        .files
        .iter()
        .map(|(ef, b)| format!("{} {}", ef.name(), b.len()))
        .collect();
    outln!("Files:     {} (bytes)", files.join(", "));
    for (ef, why) in &doc.refused {
        outln!("           {} not read: {why}", ef.name());
    }
    if doc.resumes > 0 {
        outln!(
            "           the card was lost {} time(s); reading resumed each time",
            doc.resumes
        );
    }
    outln!();
    outln!("Checks:");
    print_pa_lines(&verdict.passive_authentication);
    if let Some(cs) = &verdict.card_security {
        outln!(
            "  {:<26} {:<11} {}",
            "EF.CardSecurity",
            verdict_word(cs.status),
            cs.errors
                .first()
                .map(String::as_str)
                .unwrap_or("signature and chain hold")
        );
    }
    for c in [
        &verdict.lds_conformance,
        &verdict.chip_authentication,
        &verdict.active_authentication,
        &verdict.pace_cam,
        &verdict.document_validity,
    ] {
        let note = if c.informational && c.outcome.is_failed() && c.id != CheckId::DocumentValidity
        {
            " (not counted)"
        } else {
            ""
        };
        outln!(
            "  {:<26} {:<11} {}{note}",
            check_title(c.id),
            status_word(c),
            without_repeated_label(c.reason())
        );
    }
    print_terminal_authentication(doc);
    if let Some(s) = stats {
        let mut line = format!(
            "Link:      {} APDUs, {} bytes to the chip, {} bytes from the chip",
            s["apdus"], s["bytes_to_chip"], s["bytes_from_chip"]
        );
        if let Some(ms) = s["modelled_ms"].as_f64() {
            line.push_str(&format!(
                ", modelled time {ms:.1} ms ({}, {} chip, {} kbit/s)",
                s["platform"].as_str().unwrap_or("?"),
                s["chip_family"].as_str().unwrap_or("?"),
                s["bit_rate_kbps"]
            ));
        }
        outln!("{line}");
        for p in s["phases"].as_array().into_iter().flatten() {
            let ms = p["modelled_ms"].as_f64().unwrap_or(0.0);
            let apdus = p["apdus"].as_u64().unwrap_or(0);
            outln!(
                "  {:<26} {:>4} APDUs {:>9.1} ms ({:.1} ms per APDU, chip {:.1} ms)",
                p["phase"].as_str().unwrap_or("?"),
                apdus,
                ms,
                ms / apdus.max(1) as f64,
                p["chip_ms"].as_f64().unwrap_or(0.0)
            );
        }
    }
}

fn print_dg11_dg12(doc: &Document, unverified: &str) {
    print_fields(
        &format!("DG11 (additional personal details){unverified}:"),
        &dg11_json(doc),
    );
    print_fields(
        &format!("DG12 (additional document details){unverified}:"),
        &dg12_json(doc),
    );
}

/// The non-empty text fields of a decoded data group, one per line under `title`.
fn print_fields(title: &str, fields: &Value) {
    let Value::Object(fields) = fields else {
        return;
    };
    let shown: Vec<(String, String)> = fields
        .iter()
        .filter_map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Array(a) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("; "),
                _ => String::new(),
            };
            (!text.is_empty()).then(|| (k.replace('_', " "), text))
        })
        .collect();
    if shown.is_empty() {
        return;
    }
    outln!("{title}");
    for (k, v) in shown {
        outln!("           {k}: {v}");
    }
}

fn print_pa_lines(pa: &emrtd_auth::PassiveAuthReport) {
    // Keyed by `DataGroup`: in the order of the numbers.
    let hashes: Vec<String> = pa
        .data_groups
        .iter()
        .map(|(dg, s)| format!("{dg} {}", plain(s).replace('_', " ")))
        .collect();
    let detail = match pa.errors.first() {
        Some(e) => without_repeated_label(e),
        None => format!("data-group hashes: {}", hashes.join(", ")),
    };
    outln!(
        "  {:<26} {:<11} {detail}",
        "Passive Authentication",
        verdict_word(pa.status)
    );
    if !pa.errors.is_empty() && !hashes.is_empty() {
        outln!("  {:<26} {:<11} {}", "", "", hashes.join(", "));
    }
    for f in &pa.findings {
        outln!("  {:<26} {:<11} {f}", "", "finding");
    }
}

/// One line of `emrtd verify --json` (`docs/schema/verify.schema.json`).
pub fn verify_json(
    dir: &Path,
    verdict: Verdict,
    result: &emrtd_auth::pa::DumpVerification,
) -> String {
    let mut v = serde_json::to_value(result).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("schema_version".into(), json!(SCHEMA_VERSION));
        m.insert("dir".into(), json!(dir.display().to_string()));
        m.insert("verdict".into(), json!(verdict_word(verdict)));
    }
    serde_json::to_string(&v).unwrap_or_default()
}

/// The text report of `emrtd verify` for one folder.
pub fn print_verify(
    dir: &Path,
    verdict: Verdict,
    result: &emrtd_auth::pa::DumpVerification,
    several: bool,
) {
    let pa = &result.passive_authentication;
    let why = pa
        .errors
        .first()
        .map(|e| format!(" — {}", without_repeated_label(e)))
        .unwrap_or_default();
    if several {
        outln!("{}:", dir.display());
    }
    outln!("Overall: {}{why}", verdict_word(verdict));
    print_pa_lines(pa);
    for c in &pa.checks {
        outln!(
            "    {:<30} {:<11} {}",
            c.id.as_str().replace('_', " "),
            status_word(c),
            without_repeated_label(c.reason())
        );
    }
    if let Some(cs) = &result.card_security {
        outln!(
            "  {:<26} {:<11} {}",
            "EF.CardSecurity",
            verdict_word(cs.status),
            cs.errors
                .first()
                .map(String::as_str)
                .unwrap_or("signature and chain hold")
        );
    }
    if several {
        outln!();
    }
}

/// Progress on a terminal: a bar per file; otherwise nothing (plain lines would clutter pipes).
pub struct ProgressDisplay {
    enabled: bool,
    quiet: bool,
    bar: Option<ProgressBar>,
    apdus: Option<std::rc::Rc<std::cell::Cell<usize>>>,
    /// Files read completely, in order.
    completed: Vec<String>,
    /// The file being read: name, bytes so far, size.
    current: Option<(String, usize, usize)>,
}

impl ProgressDisplay {
    pub fn new(enabled: bool, quiet: bool) -> Self {
        ProgressDisplay {
            enabled,
            quiet,
            bar: None,
            apdus: None,
            completed: Vec::new(),
            current: None,
        }
    }

    /// What a read that stopped now had not finished, for the `INCOMPLETE` marker.
    pub fn unfinished(&self) -> Vec<String> {
        let read = if self.completed.is_empty() {
            "no file was read completely".to_string()
        } else {
            format!("read completely: {}", self.completed.join(" "))
        };
        match &self.current {
            Some((file, done, total)) => vec![
                format!("{file} (stopped at byte {done} of {total})"),
                format!("and every file after it ({read})"),
            ],
            None => vec![format!("every file not yet started ({read})")],
        }
    }

    fn track(&mut self, p: &Progress) {
        match p {
            Progress::Reading { file, done, total } => {
                self.current = Some((file.name(), *done, *total));
            }
            Progress::FileDone { file, .. } => {
                self.completed.push(file.name());
                self.current = None;
            }
            _ => {}
        }
    }

    /// Show the number of APDUs exchanged so far beside the bar.
    pub fn count_apdus(&mut self, counter: std::rc::Rc<std::cell::Cell<usize>>) {
        self.apdus = Some(counter);
    }

    pub fn update(&mut self, p: &Progress) {
        self.track(p);
        if !self.enabled {
            if let (Progress::CardLost { attempt, max }, false) = (p, self.quiet) {
                eprintln!(
                    "The card was lost; hold it to the reader again (attempt {attempt} of {max})…"
                );
            }
            return;
        }
        match p {
            Progress::Opening => eprintln!("Opening the chip…"),
            Progress::Reading { file, done, total } => {
                let bar = self.bar.get_or_insert_with(|| {
                    let b = ProgressBar::new(*total as u64);
                    b.set_style(
                        ProgressStyle::with_template(
                            "{msg:>12} [{bar:30}] {bytes}/{total_bytes} {prefix}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    );
                    b.set_message(file.name());
                    b
                });
                bar.set_length(*total as u64);
                bar.set_position(*done as u64);
                if let Some(n) = &self.apdus {
                    bar.set_prefix(format!("{} APDUs", n.get()));
                }
            }
            Progress::FileDone { file, size } => {
                if let Some(b) = self.bar.take() {
                    b.finish_and_clear();
                }
                eprintln!("  {:<12} {size} bytes", file.name());
            }
            Progress::CardLost { attempt, max } => {
                if let Some(b) = self.bar.take() {
                    b.abandon();
                }
                eprintln!(
                    "The card was lost; hold it to the reader again (attempt {attempt} of {max})…"
                );
            }
            Progress::Resumed { file, offset } => match file {
                Some(f) => eprintln!("Card back; resuming {f} at byte {offset}"),
                None => eprintln!("Card back; session re-established"),
            },
            // Opened, and kinds of report this build does not show.
            _ => {}
        }
    }

    pub fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}
