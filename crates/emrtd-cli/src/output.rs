//! What the command prints.

use emrtd_mrz::Mrz;
use emrtd_reader::{Document, Progress};
use indicatif::{ProgressBar, ProgressStyle};

/// `println!` that ignores a closed standard output (e.g. `emrtd … | head`).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}
pub(crate) use outln;

pub fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// A serde enum value as its plain string.
pub fn plain<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub fn verdict_word(v: emrtd_auth::Verdict) -> &'static str {
    match v {
        emrtd_auth::Verdict::Valid => "valid",
        emrtd_auth::Verdict::Invalid => "INVALID",
        emrtd_auth::Verdict::Unverified => "unverified (no trust anchor matched)",
    }
}

pub fn print_mrz(mrz: &Mrz) {
    outln!("Format:             {}", mrz.format);
    outln!("Document code:      {}", mrz.document_code);
    outln!("Issuing state:      {}", mrz.issuing_state);
    outln!("Document number:    {}", mrz.document_number);
    outln!("Primary identifier: {}", mrz.primary_identifier);
    outln!("Secondary ident.:   {}", mrz.secondary_identifier);
    outln!("Nationality:        {}", mrz.nationality);
    outln!("Date of birth:      {}", mrz.date_of_birth);
    outln!("Sex:                {}", mrz.sex);
    outln!("Date of expiry:     {}", mrz.date_of_expiry);
    if !mrz.optional_data.is_empty() {
        outln!("Optional data:      {}", mrz.optional_data);
    }
    if let Some(o) = mrz.optional_data_2.as_deref().filter(|o| !o.is_empty()) {
        outln!("Optional data 2:    {o}");
    }
    if let Some(nin) = mrz.norwegian_personal_number() {
        outln!("Norwegian national identity number: {}", nin.number);
    }
    let checks: Vec<String> = mrz
        .checks
        .iter()
        .map(|(k, ok)| format!("{k} {}", if *ok { "✓" } else { "✗" }))
        .collect();
    outln!("Check digits:       {}", checks.join(", "));
    outln!(
        "Valid:              {}",
        if mrz.is_valid() { "yes" } else { "NO" }
    );
}

pub fn document_json(doc: &Document) -> serde_json::Value {
    let dg1 = doc.dg1.as_ref().map(|d| match d.mrz() {
        Ok(m) => serde_json::to_value(&m).unwrap_or(serde_json::Value::Null),
        Err(e) => serde_json::json!({ "error": e.to_string(), "mrz_text": d.mrz_text }),
    });
    let files: serde_json::Map<String, serde_json::Value> = doc
        .files
        .iter()
        .map(|(k, v)| (k.name(), serde_json::json!(v.len())))
        .collect();
    let refused: serde_json::Map<String, serde_json::Value> = doc
        .refused
        .iter()
        .map(|(k, v)| (k.name(), serde_json::json!(v)))
        .collect();
    serde_json::json!({
        "access": doc.access,
        "com": doc.com.as_ref().map(|c| serde_json::json!({
            "lds_version": c.lds_version,
            "unicode_version": c.unicode_version,
            "data_groups": c.data_groups().iter().map(|n| format!("DG{n}")).collect::<Vec<_>>(),
        })),
        "dg1": dg1,
        "files": files,
        "refused": refused,
        "resumes": doc.resumes,
    })
}

pub fn print_document(doc: &Document) {
    let a = &doc.access;
    let mut access = format!("{} ({})", a.protocol, a.cipher_suite);
    if let Some(m) = &a.mapping {
        access = format!(
            "{} {m} with the {}, {} (parameter id {}), {}",
            a.protocol,
            a.password,
            a.domain_parameters.as_deref().unwrap_or("?"),
            a.parameter_id
                .map(|i| i.to_string())
                .unwrap_or_else(|| "-".into()),
            a.cipher_suite
        );
        if let Some(cam) = &a.chip_authentication_mapping {
            access.push_str(&format!("; chip authentication (CAM) {cam}"));
        }
    }
    if let Some(note) = &a.note {
        access.push_str(&format!(" ({note})"));
    }
    outln!("Chip opened with:   {access}");
    if let Some(com) = &doc.com {
        let dgs: Vec<String> = com.data_groups().iter().map(|n| format!("DG{n}")).collect();
        outln!(
            "EF.COM:             LDS {} / Unicode {}; data groups {}",
            com.lds_version,
            com.unicode_version,
            dgs.join(" ")
        );
    }
    for (ef, bytes) in &doc.files {
        outln!("  read {ef:<14} {} bytes", bytes.len());
    }
    for (ef, why) in &doc.refused {
        outln!("  skipped {ef:<11} {why}");
    }
    if doc.resumes > 0 {
        outln!(
            "  the card was lost {} time(s); reading resumed each time",
            doc.resumes
        );
    }
    if let Some(dg1) = &doc.dg1 {
        outln!("DG1:");
        match dg1.mrz() {
            Ok(m) => print_mrz(&m),
            Err(e) => outln!("  MRZ on the chip is malformed: {e}"),
        }
    }
}

/// Progress on a terminal: a bar per file; otherwise nothing (plain lines would clutter pipes).
pub struct ProgressDisplay {
    enabled: bool,
    bar: Option<ProgressBar>,
}

impl ProgressDisplay {
    pub fn new(enabled: bool) -> Self {
        ProgressDisplay { enabled, bar: None }
    }

    pub fn update(&mut self, p: &Progress) {
        if !self.enabled {
            if let Progress::CardLost { attempt, max } = p {
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
                        ProgressStyle::with_template("{msg:>12} [{bar:30}] {bytes}/{total_bytes}")
                            .unwrap_or_else(|_| ProgressStyle::default_bar())
                            .progress_chars("=> "),
                    );
                    b.set_message(file.name());
                    b
                });
                bar.set_length(*total as u64);
                bar.set_position(*done as u64);
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
            Progress::Opened(_) => {}
        }
    }

    pub fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}
