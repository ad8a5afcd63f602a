//! `emrtd`: read and verify ICAO 9303 travel document chips.

use clap::{Args, Parser, Subcommand};
use emrtd_mrz::Mrz;
use emrtd_reader::{read_document, AccessKey, Document, ReadError, ReadOptions};
use emrtd_sim::{Profile, VirtualChip, DEFAULT_PROFILE};
use std::io::Read;
use std::process::ExitCode;

/// `println!` that ignores a closed standard output (e.g. `emrtd … | head`).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[derive(Parser)]
#[command(
    name = "emrtd",
    version,
    about = "Read and verify the chips of ICAO 9303 travel documents (passports, ID cards)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse an MRZ and check every check digit.
    ///
    /// Exit status: 0 valid, 1 parsed but a check failed, 2 not an MRZ.
    Mrz {
        /// The MRZ: lines as separate arguments, one string with newlines, or `-` for standard input.
        #[arg(required = true, value_name = "TEXT|-")]
        text: Vec<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Open a chip (PACE, or BAC where the chip has no PACE) and read its files.
    Read(ReadArgs),
    /// List the built-in virtual documents.
    Profiles,
}

#[derive(Args)]
struct ReadArgs {
    /// Read the built-in virtual chip (or a profile file .toml/.json) instead of a card.
    #[arg(long, value_name = "PROFILE", num_args = 0..=1, default_missing_value = DEFAULT_PROFILE)]
    sim: Option<String>,
    /// The MRZ printed on the document (the access key is derived from it).
    #[arg(long, value_name = "TEXT")]
    mrz: Option<String>,
    /// The 6-digit card access number printed on the document (PACE).
    #[arg(long, value_name = "DIGITS", conflicts_with_all = ["mrz", "document_number"])]
    can: Option<String>,
    /// Document number (instead of --mrz; with --date-of-birth and --date-of-expiry).
    #[arg(long, requires_all = ["date_of_birth", "date_of_expiry"], conflicts_with = "mrz")]
    document_number: Option<String>,
    /// Date of birth, YYMMDD.
    #[arg(long, value_name = "YYMMDD")]
    date_of_birth: Option<String>,
    /// Date of expiry, YYMMDD.
    #[arg(long, value_name = "YYMMDD")]
    date_of_expiry: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Mrz { text, json } => cmd_mrz(&text, json),
        Command::Read(args) => match cmd_read(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(msg) => {
                eprintln!("error: {msg}");
                ExitCode::from(1)
            }
        },
        Command::Profiles => {
            for name in Profile::builtin_names() {
                let description = Profile::builtin(name)
                    .map(|p| p.description)
                    .unwrap_or_default();
                outln!("{name:20} {description}");
            }
            ExitCode::SUCCESS
        }
    }
}

fn read_mrz_text(parts: &[String]) -> Result<String, String> {
    if parts.len() == 1 && parts[0] == "-" {
        let mut s = String::new();
        std::io::stdin()
            .take(64 * 1024)
            .read_to_string(&mut s)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        Ok(s)
    } else {
        Ok(parts.join("\n"))
    }
}

fn cmd_mrz(parts: &[String], json: bool) -> ExitCode {
    let text = match read_mrz_text(parts) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mrz = match Mrz::parse(&text) {
        Ok(m) => m,
        Err(e) => {
            if json {
                outln!(
                    "{}",
                    serde_json::json!({ "valid": false, "error": e.to_string() })
                );
            }
            eprintln!("error: not an MRZ: {e}");
            return ExitCode::from(2);
        }
    };
    if json {
        outln!("{}", to_json(&mrz));
    } else {
        print_mrz(&mrz);
        for failure in mrz.check_failures() {
            outln!("  ✗ {failure}");
        }
    }
    if mrz.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

fn print_mrz(mrz: &Mrz) {
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

fn access_key(args: &ReadArgs) -> Result<AccessKey, String> {
    if let Some(can) = &args.can {
        return AccessKey::from_can(can).map_err(|e| e.to_string());
    }
    if let Some(text) = &args.mrz {
        let mrz = Mrz::parse(text).map_err(|e| format!("--mrz is not a valid MRZ: {e}"))?;
        if let Err(e) = mrz.validate() {
            return Err(format!(
                "--mrz has a wrong check digit ({e}); check what you typed"
            ));
        }
        return AccessKey::from_mrz(&mrz).map_err(|e| e.to_string());
    }
    match (&args.document_number, &args.date_of_birth, &args.date_of_expiry) {
        (Some(doc), Some(dob), Some(doe)) => {
            AccessKey::from_mrz_fields(doc, dob, doe).map_err(|e| e.to_string())
        }
        _ => Err("give the access key: --can DIGITS, --mrz TEXT, or --document-number with --date-of-birth and --date-of-expiry".into()),
    }
}

fn cmd_read(args: &ReadArgs) -> Result<(), String> {
    let key = access_key(args)?;
    let Some(profile_name) = &args.sim else {
        return Err(
            "no card reader support in this build yet: use --sim to read the built-in virtual document"
                .into(),
        );
    };
    let profile = Profile::load(profile_name).map_err(|e| e.to_string())?;
    let chip = VirtualChip::new(profile).map_err(|e| e.to_string())?;
    let doc = read_document(chip, &key, &ReadOptions::default()).map_err(describe)?;
    if args.json {
        outln!("{}", to_json(&document_json(&doc)));
    } else {
        print_document(&doc);
    }
    Ok(())
}

fn describe(e: ReadError) -> String {
    e.to_string()
}

fn document_json(doc: &Document) -> serde_json::Value {
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
    })
}

fn print_document(doc: &Document) {
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
    if let Some(dg1) = &doc.dg1 {
        outln!("DG1:");
        match dg1.mrz() {
            Ok(m) => print_mrz(&m),
            Err(e) => outln!("  MRZ on the chip is malformed: {e}"),
        }
    }
}
