//! `emrtd`: read and verify ICAO 9303 travel document chips.

mod output;
mod trace;

use clap::{Args, Parser, Subcommand};
use emrtd_auth::TrustStore;
use emrtd_mrz::Mrz;
use emrtd_reader::{
    read_document_with_progress, verify_document, AccessKey, Document, EfId, ReadOptions,
};
use emrtd_sim::{LinkModel, Profile, VirtualChip, DEFAULT_PROFILE};
use output::outln;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

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
    /// Open a chip (PACE, or BAC where the chip has no PACE), read its files and verify them.
    ///
    /// Exit status: 0 read and valid, 1 error, 3 read but not valid (see the verdict).
    Read(Box<ReadArgs>),
    /// Verify a dump folder (COM.bin, SOD.bin, DG1.bin … DG16.bin, CardAccess.bin, CardSecurity.bin).
    ///
    /// Exit status: 0 valid, 3 invalid or unverified, 1 error.
    Verify {
        /// The dump folder.
        dir: PathBuf,
        /// Trust anchors: CSCA certificates (PEM/DER), folders, master lists (.ml/.mls), LDIF.
        /// The Norwegian CSCAs are built in.
        #[arg(long, value_name = "PATH")]
        trust: Vec<PathBuf>,
        /// Do not trust the built-in Norwegian CSCAs.
        #[arg(long)]
        no_builtin_trust: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the smart-card readers and whether a card is present.
    Readers,
    /// Run a virtual document as a card in a real PC/SC reader (vsmartcard's vpcd).
    Sim {
        /// Where pcscd's vpcd driver listens.
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:35963")]
        vpcd: String,
        /// Profile: a built-in name or a .toml/.json file.
        #[arg(long, default_value = DEFAULT_PROFILE)]
        profile: String,
    },
    /// List the built-in virtual documents.
    Profiles,
}

#[derive(Args)]
struct ReadArgs {
    /// Read the built-in virtual chip (or a profile file .toml/.json) instead of a card.
    #[arg(long, value_name = "PROFILE", num_args = 0..=1, default_missing_value = DEFAULT_PROFILE)]
    sim: Option<String>,
    /// PC/SC reader to use (name or part of it); default: the first reader with a card.
    #[arg(long, value_name = "NAME", conflicts_with = "sim")]
    reader: Option<String>,
    /// The 6-digit card access number printed on the document (PACE).
    #[arg(long, value_name = "DIGITS", conflicts_with_all = ["mrz", "document_number"])]
    can: Option<String>,
    /// The MRZ printed on the document (the access key is derived from it).
    #[arg(long, value_name = "TEXT")]
    mrz: Option<String>,
    /// Document number (instead of --mrz; with --date-of-birth and --date-of-expiry).
    #[arg(long, requires_all = ["date_of_birth", "date_of_expiry"], conflicts_with = "mrz")]
    document_number: Option<String>,
    /// Date of birth, YYMMDD.
    #[arg(long, value_name = "YYMMDD")]
    date_of_birth: Option<String>,
    /// Date of expiry, YYMMDD.
    #[arg(long, value_name = "YYMMDD")]
    date_of_expiry: Option<String>,
    /// Trust anchors for Passive Authentication (CSCA certificates, folders, master lists, LDIF).
    /// The Norwegian CSCAs are built in; with --sim the virtual documents' test CSCA is trusted
    /// as well.
    #[arg(long, value_name = "PATH")]
    trust: Vec<PathBuf>,
    /// Do not trust the built-in Norwegian CSCAs.
    #[arg(long)]
    no_builtin_trust: bool,
    /// Write every file read to this folder (COM.bin, SOD.bin, DG1.bin, …).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write the face image from DG2: converted to PNG, or as the chip stores it when FILE ends
    /// in .jpg/.jpeg (JPEG) or .jp2/.j2k (JPEG 2000). `--out` also writes it as stored.
    #[arg(long, value_name = "FILE")]
    face: Option<PathBuf>,
    /// Print APDU count, bytes each way and (virtual chip) the modelled link time.
    #[arg(long)]
    stats: bool,
    /// Link bit rate for --stats with --sim, kbit/s (106, 212, 424, 848).
    #[arg(long, value_name = "KBPS")]
    bit_rate: Option<u32>,
    /// Log every APDU to standard error (access-control data is redacted).
    #[arg(long)]
    trace: bool,
    /// Largest READ BINARY block (default: the largest the chip accepts).
    #[arg(long, value_name = "BYTES")]
    block: Option<usize>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = match &cli.command {
        Command::Read(args) => args.json,
        Command::Verify { json, .. } => *json,
        _ => false,
    };
    let result = match cli.command {
        Command::Mrz { text, json } => return cmd_mrz(&text, json),
        Command::Read(args) => cmd_read(&args),
        Command::Verify {
            dir,
            trust,
            no_builtin_trust,
            json,
        } => cmd_verify(&dir, &trust, !no_builtin_trust, json),
        Command::Readers => cmd_readers(),
        Command::Sim { vpcd, profile } => cmd_sim(&vpcd, &profile),
        Command::Profiles => {
            for name in Profile::builtin_names() {
                let description = Profile::builtin(name)
                    .map(|p| p.description)
                    .unwrap_or_default();
                outln!("{name:20} {description}");
            }
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            if json {
                // A program reading the JSON gets the failure too, not an empty output.
                outln!("{}", serde_json::json!({ "valid": false, "error": msg }));
            }
            eprintln!("error: {msg}");
            ExitCode::from(1)
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
        // A literal `\n` (as typed in a shell between single quotes) separates lines too: a
        // backslash never occurs in an MRZ.
        Ok(parts.join("\n").replace("\\n", "\n"))
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
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if json {
        outln!("{}", output::to_json(&mrz));
    } else {
        output::print_mrz(&mrz);
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

fn load_trust(paths: &[PathBuf], sim: bool, builtin: bool) -> Result<TrustStore, String> {
    let mut trust = TrustStore::new();
    if builtin {
        trust
            .add_norwegian_cscas()
            .map_err(|e| format!("built-in Norwegian CSCAs: {e}"))?;
    }
    for p in paths {
        trust
            .load_path(p)
            .map_err(|e| format!("cannot load trust anchors from {}: {e}", p.display()))?;
    }
    if sim {
        trust
            .add_der_certificate(emrtd_sim::pki::TEST_CSCA)
            .map_err(|e| format!("test CSCA: {e}"))?;
    }
    Ok(trust)
}

fn cmd_read(args: &ReadArgs) -> Result<ExitCode, String> {
    let key = access_key(args)?;
    let trust = load_trust(&args.trust, args.sim.is_some(), !args.no_builtin_trust)?;
    let options = ReadOptions {
        max_block: args.block,
        ..ReadOptions::default()
    };
    let mut progress = output::ProgressDisplay::new(!args.json && std::io::stderr().is_terminal());
    let (doc, stats) = if let Some(profile_name) = &args.sim {
        let mut profile = Profile::load(profile_name).map_err(|e| e.to_string())?;
        if let Some(rate) = args.bit_rate {
            profile.link = LinkModel {
                bit_rate_kbps: rate,
                ..profile.link
            };
        }
        let mut chip = VirtualChip::new(profile).map_err(|e| e.to_string())?;
        let doc = {
            let mut transport = trace::Traced::new(&mut chip, args.trace);
            read_document_with_progress(&mut transport, &key, &options, &mut |p| {
                progress.update(&p)
            })
        };
        let stats = chip.stats().clone();
        (
            doc,
            Some(serde_json::json!({
                "apdus": stats.apdus,
                "bytes_to_chip": stats.bytes_to_chip,
                "bytes_from_chip": stats.bytes_from_chip,
                "modelled_ms": (stats.modelled_ms * 10.0).round() / 10.0,
                "bit_rate_kbps": chip.profile().link.bit_rate_kbps,
            })),
        )
    } else {
        let pcsc = emrtd_pcsc::Pcsc::establish().map_err(|e| e.to_string())?;
        if !args.json {
            eprintln!("Waiting for a document on the reader…");
        }
        let name = pcsc
            .wait_for_card(args.reader.as_deref(), Duration::from_secs(60))
            .map_err(|e| e.to_string())?;
        let card = pcsc.connect(Some(&name)).map_err(|e| e.to_string())?;
        let mut counted = trace::Traced::new(card, args.trace);
        let doc =
            read_document_with_progress(&mut counted, &key, &options, &mut |p| progress.update(&p));
        let s = counted.stats();
        (
            doc,
            Some(serde_json::json!({
                "apdus": s.0, "bytes_to_chip": s.1, "bytes_from_chip": s.2, "reader": name,
            })),
        )
    };
    progress.finish();
    let doc = doc.map_err(|e| e.to_string())?;
    let verdict = verify_document(&doc, &trust);
    if let Some(dir) = &args.out {
        write_dump(&doc, dir)?;
    }
    if let Some(path) = &args.face {
        write_face(&doc, path)?;
    }
    if args.json {
        let mut v = output::document_json(&doc);
        v["passive_authentication"] = serde_json::to_value(&verdict.passive_authentication)
            .unwrap_or(serde_json::Value::Null);
        v["verdict"] = serde_json::to_value(&verdict).unwrap_or(serde_json::Value::Null);
        if args.stats {
            v["stats"] = stats.unwrap_or(serde_json::Value::Null);
        }
        outln!("{}", output::to_json(&v));
    } else {
        output::print_document(&doc);
        outln!("Verification:");
        for line in &verdict.summary {
            outln!("  {line}");
        }
        if let (true, Some(s)) = (args.stats, stats) {
            let mut line = format!(
                "Link: {} APDUs, {} bytes to the chip, {} bytes from the chip",
                s["apdus"], s["bytes_to_chip"], s["bytes_from_chip"]
            );
            if let Some(ms) = s["modelled_ms"].as_f64() {
                line.push_str(&format!(
                    ", modelled time {ms:.1} ms at {} kbit/s",
                    s["bit_rate_kbps"]
                ));
            }
            outln!("{line}");
        }
    }
    Ok(if verdict.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

fn write_dump(doc: &Document, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (ef, bytes) in &doc.files {
        let path = dir.join(format!("{}.bin", ef.name()));
        std::fs::write(&path, bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    // The face images as stored in DG2 (`face-1.jpg`, …), next to the raw files.
    if let Ok(images) = face_images(doc) {
        for (i, image) in images.iter().enumerate() {
            let Some(format) = emrtd_lds::ImageFormat::detect(image) else {
                continue;
            };
            let path = dir.join(format!("face-{}.{}", i + 1, format.extension()));
            std::fs::write(&path, image)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// The face images of DG2, as stored.
fn face_images(doc: &Document) -> Result<Vec<Vec<u8>>, String> {
    let bytes = doc
        .files
        .get(&EfId::Dg(2))
        .ok_or("the chip has no DG2 (face image)")?;
    let dg2 = emrtd_lds::dg2::Dg2::decode(bytes).map_err(|e| format!("DG2: {e}"))?;
    let faces: Vec<Vec<u8>> = dg2.faces().iter().map(|f| f.image.to_vec()).collect();
    if faces.is_empty() {
        return Err("DG2 holds no face image".into());
    }
    Ok(faces)
}

fn write_face(doc: &Document, path: &Path) -> Result<(), String> {
    let images = face_images(doc)?;
    let image = images.first().ok_or("DG2 holds no face image")?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let wanted = match ext.as_str() {
        "jpg" | "jpeg" => Some(emrtd_lds::ImageFormat::Jpeg),
        "jp2" | "j2k" | "jpf" => Some(emrtd_lds::ImageFormat::Jp2),
        _ => None,
    };
    let bytes = match wanted {
        None => emrtd_lds::face_to_png(image).map_err(|e| e.to_string())?,
        Some(wanted) => {
            let found = emrtd_lds::ImageFormat::detect(image)
                .ok_or("the DG2 face image is neither JPEG nor JPEG 2000")?;
            if found.is_jpeg2000() != wanted.is_jpeg2000() {
                return Err(format!(
                    "the face image is stored as {}: name the file .{} (or .png to convert it)",
                    found.mime_type(),
                    found.extension()
                ));
            }
            image.clone()
        }
    };
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn cmd_verify(
    dir: &Path,
    trust_paths: &[PathBuf],
    builtin_trust: bool,
    json: bool,
) -> Result<ExitCode, String> {
    let trust = load_trust(trust_paths, false, builtin_trust)?;
    let result = emrtd_auth::verify_dump(dir, &trust).map_err(|e| e.to_string())?;
    let pa = &result.passive_authentication;
    if json {
        outln!("{}", output::to_json(&result));
    } else {
        outln!(
            "Passive Authentication: {}",
            output::verdict_word(pa.status)
        );
        for c in &pa.checks {
            let status = output::plain(&c.status).replace('_', " ");
            outln!("  {:<30} {status:<11} {}", c.name, c.reason);
        }
        let mut dgs: Vec<_> = pa.data_groups.iter().collect();
        dgs.sort_by_key(|(dg, _)| dg.trim_start_matches("DG").parse::<u8>().unwrap_or(u8::MAX));
        for (dg, s) in dgs {
            outln!("  {dg:<6} {}", output::plain(s));
        }
        if let Some(cs) = &result.card_security {
            outln!("EF.CardSecurity: {}", output::verdict_word(cs.status));
        }
        for e in &pa.errors {
            outln!("  error: {e}");
        }
    }
    let valid = pa.status == emrtd_auth::Verdict::Valid
        && result
            .card_security
            .as_ref()
            .is_none_or(|c| c.status == emrtd_auth::Verdict::Valid);
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

fn cmd_readers() -> Result<ExitCode, String> {
    let pcsc = emrtd_pcsc::Pcsc::establish().map_err(|e| e.to_string())?;
    let readers = pcsc.readers().map_err(|e| e.to_string())?;
    if readers.is_empty() {
        outln!("No smart-card reader found.");
    }
    for r in readers {
        if r.card_present {
            outln!(
                "{}  [card present, ATR {}]",
                r.name,
                hex::encode_upper(&r.atr)
            );
        } else {
            outln!("{}  [no card]", r.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_sim(vpcd: &str, profile: &str) -> Result<ExitCode, String> {
    let profile = Profile::load(profile).map_err(|e| e.to_string())?;
    let name = profile.name.clone();
    let mut chip = VirtualChip::new(profile).map_err(|e| e.to_string())?;
    eprintln!("Virtual document {name} connecting to vpcd at {vpcd} (Ctrl-C to stop)…");
    let stop = std::sync::atomic::AtomicBool::new(false);
    loop {
        // vpcd drops the connection when pcscd restarts; reconnect.
        match emrtd_sim::vpcd::serve(&mut chip, vpcd, &stop) {
            Ok(()) => eprintln!("vpcd closed the connection; reconnecting"),
            Err(e) => eprintln!("vpcd connection failed ({e}); reconnecting"),
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}
