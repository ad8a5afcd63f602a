//! `emrtd`: read and verify ICAO 9303 travel document chips.
//!
//! Every option is checked before a reader is opened or waited on; every failure is one line on
//! standard error and a documented exit status (see [`exit::Exit`]).

#![forbid(unsafe_code)]

mod dump;
mod eac_args;
mod exit;
mod out;
mod output;
mod remote;
mod secret;
mod serve;
mod trace;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use emrtd_auth::source::{BuiltIn, CertificateSource, DerCertificates, TrustPath};
use emrtd_auth::TrustStore;
use emrtd_mrz::Mrz;
use emrtd_reader::{
    read_document_with_progress, verify_document_with, AccessKey, Document, EfId, ReadOptions,
};
use emrtd_sim::{ChipFamily, Platform, Profile, VirtualChip, DEFAULT_PROFILE};
use exit::{Exit, Failure};
use out::outln;
use rayon::prelude::*;
use secret::Source;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Version of the JSON documents the command prints (`schema_version`); the schemas are in
/// `docs/schema/`. Raised when a field changes meaning or disappears, not when one is added.
pub const SCHEMA_VERSION: u32 = 1;

const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  read or verified, and valid
  1  invalid: a check failed (signature, hash, chip authentication, MRZ check digit)
  2  usage or input error (wrong option, access key, file or folder); nothing was read
  3  read, but unverified: a required check could not run (no trust anchor, …)
  4  card or reader error (no PC/SC service, no reader, card removed, chip refused), or the
     verification server (--remote) could not be reached or failed
  5  internal error, or the output could not be written

Access keys are best given on standard input (--can - / --mrz -), in a file (--can-file,
--mrz-file) or in EMRTD_CAN / EMRTD_MRZ: a value on the command line is seen by `ps` and kept
in shell history.";

#[derive(Parser)]
#[command(
    name = "emrtd",
    version,
    about = "Read and verify the chips of ICAO 9303 travel documents (passports, ID cards)",
    after_help = EXIT_STATUS_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse an MRZ and check every check digit.
    ///
    /// Exit status: 0 valid, 1 parsed but a check digit is wrong, 2 not an MRZ.
    Mrz {
        /// The MRZ: lines as separate arguments, one string with newlines, or `-` for standard input.
        #[arg(required = true, value_name = "TEXT|-")]
        text: Vec<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Open a chip (PACE, or BAC where the chip has no PACE), read its files and verify them.
    #[command(after_help = EXIT_STATUS_HELP)]
    Read(Box<ReadArgs>),
    /// Verify dump folders (COM.bin, SOD.bin, DG1.bin … DG16.bin, CardAccess.bin, CardSecurity.bin).
    ///
    /// Folders are verified in parallel; the trust anchors are loaded once.
    #[command(after_help = EXIT_STATUS_HELP)]
    Verify(VerifyArgs),
    /// Run the remote verification server: POST /v1/challenge, POST /v1/verify, GET /healthz,
    /// GET /metrics (see docs/remote-verification.md).
    ///
    /// Keys come from files or environment variables named in the configuration (or
    /// EMRTD_TOKEN_KEY), never from the command line. Stops on Ctrl-C or SIGTERM.
    Serve(serve::ServeArgs),
    /// List the smart-card readers and whether a card is present.
    Readers {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a virtual document as a card in a real PC/SC reader (vsmartcard's vpcd).
    Sim {
        /// Where pcscd's vpcd driver listens.
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:35963")]
        vpcd: String,
        /// Profile: a built-in name or a .toml/.json file, optionally followed by :ATTACK.
        #[arg(long, default_value = DEFAULT_PROFILE)]
        profile: String,
    },
    /// List the built-in virtual documents and the attacks they can play (PROFILE:ATTACK).
    Profiles,
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    ///
    /// bash: `emrtd completions bash > ~/.local/share/bash-completion/completions/emrtd`
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one page per command into a folder.
    ///
    /// Install: `emrtd man --out ~/.local/share/man/man1` then `man emrtd`.
    Man {
        /// Write `emrtd.1`, `emrtd-read.1`, … into this folder instead of printing `emrtd.1`.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// Which access control opens the chip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum AccessChoice {
    /// PACE where EF.CardAccess offers it, otherwise BAC.
    Auto,
    /// PACE only; a chip without PACE is an error.
    Pace,
    /// BAC only (needs the MRZ), even where the chip offers PACE.
    Bac,
}

#[derive(Args)]
struct ReadArgs {
    /// Read the built-in virtual chip (or a profile file .toml/.json) instead of a card;
    /// PROFILE:ATTACK plays an attack (clone, replay, wrong-aa-key, dg14-swap; see `profiles`).
    #[arg(long, value_name = "PROFILE", num_args = 0..=1, default_missing_value = DEFAULT_PROFILE)]
    sim: Option<String>,
    /// PC/SC reader to use (name or part of it); default: the first reader with a card.
    #[arg(long, value_name = "NAME", conflicts_with = "sim")]
    reader: Option<String>,
    /// Seconds to wait for a document on the reader.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, conflicts_with = "sim",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    wait: u64,
    /// The 6-digit card access number printed on the document (PACE); `-` reads it from
    /// standard input (recommended), as does EMRTD_CAN.
    #[arg(long, value_name = "DIGITS|-", conflicts_with_all = ["mrz", "mrz_file", "can_file", "document_number"])]
    can: Option<String>,
    /// A file holding the CAN.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["mrz", "mrz_file", "document_number"])]
    can_file: Option<PathBuf>,
    /// The MRZ printed on the document (the access key is derived from it); `-` reads it from
    /// standard input (recommended), as does EMRTD_MRZ.
    #[arg(long, value_name = "TEXT|-", conflicts_with_all = ["mrz_file", "document_number"])]
    mrz: Option<String>,
    /// A file holding the MRZ.
    #[arg(long, value_name = "PATH", conflicts_with = "document_number")]
    mrz_file: Option<PathBuf>,
    /// Document number (instead of --mrz; with --date-of-birth and --date-of-expiry).
    #[arg(long, requires_all = ["date_of_birth", "date_of_expiry"])]
    document_number: Option<String>,
    /// Date of birth, YYMMDD.
    #[arg(long, value_name = "YYMMDD", requires = "document_number")]
    date_of_birth: Option<String>,
    /// Date of expiry, YYMMDD.
    #[arg(long, value_name = "YYMMDD", requires = "document_number")]
    date_of_expiry: Option<String>,
    /// Access control: auto (PACE where the chip offers it, else BAC), pace, or bac.
    #[arg(long, value_enum, default_value_t = AccessChoice::Auto)]
    access: AccessChoice,
    /// Trust anchors for Passive Authentication (CSCA certificates, folders, master lists, LDIF).
    /// The Norwegian CSCAs are built in; with --sim the virtual documents' test CSCA is trusted
    /// as well.
    #[arg(long, value_name = "PATH")]
    trust: Vec<PathBuf>,
    /// Do not trust the built-in Norwegian CSCAs.
    #[arg(long)]
    no_builtin_trust: bool,
    /// Write every file read to this new or empty folder (COM.bin, SOD.bin, DG1.bin, …).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// With --out: write into a folder that already holds files.
    #[arg(long, requires = "out")]
    force: bool,
    /// Write the face image from DG2: converted to PNG, or as the chip stores it when FILE ends
    /// in .jpg/.jpeg (JPEG) or .jp2/.j2k (JPEG 2000). `--out` also writes it as stored.
    #[arg(long, value_name = "FILE")]
    face: Option<PathBuf>,
    /// Terminal Authentication (EAC) to read DG3/DG4: the CV certificates to send, in order
    /// (CVCA link certificates, DV, inspection system), one FILE each.
    #[arg(long, value_name = "FILE", num_args = 1.., requires = "ta_key")]
    ta_chain: Vec<PathBuf>,
    /// The inspection system certificate's private key (PKCS#8, DER or PEM).
    #[arg(long, value_name = "FILE", requires = "ta_chain")]
    ta_key: Option<PathBuf>,
    /// Terminal Authentication version: `auto` (version 2 after PACE when the chip announces
    /// it, else 1), `1` or `2` (docs/eac.md).
    #[arg(long, value_name = "VERSION", default_value = "auto", value_parser = ["auto", "1", "2"], requires = "ta_chain")]
    ta_version: String,
    /// The rights to ask for before Terminal Authentication version 2 (PACE's CHAT): `dg3`,
    /// `dg4` or both, comma-separated; the chip grants at most these (and never more than the
    /// certificates allow). Default: all the terminal certificate's rights (docs/eac.md).
    #[arg(long, value_name = "RIGHTS", value_delimiter = ',', value_parser = ["dg3", "dg4"], requires = "ta_chain")]
    ta_rights: Vec<String>,
    /// Print APDU count, bytes each way and (virtual chip) the modelled link time.
    #[arg(long)]
    stats: bool,
    /// Link bit rate for --stats with --sim, kbit/s: 106, 212, 424 or 848.
    #[arg(long, value_name = "KBPS", requires = "sim", value_parser = parse_bit_rate)]
    bit_rate: Option<u32>,
    /// Platform the link model assumes for --stats with --sim: pcsc, android or iphone.
    #[arg(long, value_name = "PLATFORM", requires = "sim", value_parser = parse_platform)]
    platform: Option<Platform>,
    /// Chip family the link model assumes for --stats with --sim: nxp-p71 or nxp-p60.
    #[arg(long, value_name = "FAMILY", requires = "sim", value_parser = parse_chip_family)]
    chip_family: Option<ChipFamily>,
    /// Log every APDU to standard error (access-control data is redacted).
    #[arg(long)]
    trace: bool,
    /// Largest READ BINARY block, 1 to 65536 (default: the largest the chip accepts).
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u32).range(1..=65536))]
    block: Option<u32>,
    /// Longest wait for one answer of the chip, 1 to 300 seconds (default 10). Raise it for
    /// slow chips that stop the read with "the chip took … ms" (RSA-4096 Active
    /// Authentication, DH key agreement, readers granting long waiting-time extensions).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=300))]
    command_timeout: Option<u64>,
    /// Never send extended-length APDUs, even where the chip announces them (readers or
    /// drivers that do not forward commands or answers longer than 261 bytes).
    #[arg(long)]
    no_extended_length: bool,
    /// Accept an EF.SOD signed over the generic content type id-data (some issuers, Chinese
    /// passports among them): verified, and reported as a finding. Refused by default, as
    /// ICAO 9303-10 requires (BSI TR-03105-5.1 LDS_H_24).
    #[arg(long)]
    accept_id_data: bool,
    /// Remote verification: let the verification server at URL (`emrtd serve`) decide. Ask it
    /// for a challenge, read the chip with the proof it asks for, post the evidence and print
    /// its verdict (exit status 0 accepted, 1 refused, 3 chip not proven).
    #[arg(long, value_name = "URL", conflicts_with_all = ["out", "face", "ta_chain", "stats", "accept_id_data"])]
    remote: Option<String>,
    /// With --remote: the relying party's context (a transaction id) sealed into the challenge;
    /// default: a random one.
    #[arg(long, value_name = "TEXT", requires = "remote")]
    context: Option<String>,
    /// With --remote: the national identity number the document must carry.
    #[arg(long, value_name = "DIGITS", requires = "remote")]
    expect_national_id: Option<String>,
    /// With --remote: the document number the document must carry.
    #[arg(long, value_name = "TEXT", requires = "remote")]
    expect_document_number: Option<String>,
    /// With --remote: the holder's name the document must carry ("PRIMARY SECONDARY").
    #[arg(long, value_name = "NAME", requires = "remote")]
    expect_name: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// No progress display and no prompts on standard error.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct VerifyArgs {
    /// The dump folders.
    #[arg(required = true, value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// Trust anchors: CSCA certificates (PEM/DER), folders, master lists (.ml/.mls), LDIF.
    /// The Norwegian CSCAs are built in.
    #[arg(long, value_name = "PATH")]
    trust: Vec<PathBuf>,
    /// Do not trust the built-in Norwegian CSCAs.
    #[arg(long)]
    no_builtin_trust: bool,
    /// Print one JSON document per folder, one per line.
    #[arg(long)]
    json: bool,
    /// Accept an EF.SOD signed over the generic content type id-data (some issuers, Chinese
    /// passports among them): verified, and reported as a finding. Refused by default, as
    /// ICAO 9303-10 requires (BSI TR-03105-5.1 LDS_H_24).
    #[arg(long)]
    accept_id_data: bool,
}

fn parse_platform(s: &str) -> Result<Platform, String> {
    Platform::ALL
        .into_iter()
        .find(|p| p.name() == s)
        .ok_or_else(|| "the platforms are pcsc, android and iphone".into())
}

fn parse_chip_family(s: &str) -> Result<ChipFamily, String> {
    ChipFamily::ALL
        .into_iter()
        .find(|f| f.name() == s)
        .ok_or_else(|| {
            let names: Vec<&str> = ChipFamily::ALL.iter().map(|f| f.name()).collect();
            format!("the chip families are {}", names.join(", "))
        })
}

fn parse_bit_rate(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(r @ (106 | 212 | 424 | 848)) => Ok(r),
        _ => Err("the ISO 14443 bit rates are 106, 212, 424 and 848 (kbit/s)".into()),
    }
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("internal error (a bug in emrtd; please report it): {info}");
        std::process::exit(Exit::Internal.code().into());
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let json = match &cli.command {
        Command::Read(args) => args.json,
        Command::Verify(args) => args.json,
        Command::Readers { json } => *json,
        _ => false,
    };
    let exit = match run(cli) {
        Ok(exit) => exit,
        Err(f) => {
            if json {
                // A program reading the JSON gets the failure too, not an empty output.
                outln!("{}", output::error_json(&f));
            }
            eprintln!("error: {}", f.message);
            f.exit
        }
    };
    if let Some(e) = out::finish() {
        eprintln!("error: cannot write the output: {e}");
        return Exit::Internal.into();
    }
    exit.into()
}

/// A command line clap refused: one line, exit status 2 (help and version exit 0).
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            Exit::Usage.into()
        } else {
            Exit::Valid.into()
        };
    }
    let rendered = e.render().to_string();
    let first = rendered
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid command line");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    eprintln!("error: {first} (see `emrtd --help`)");
    Exit::Usage.into()
}

fn run(cli: Cli) -> Result<Exit, Failure> {
    match cli.command {
        Command::Mrz { text, json } => cmd_mrz(&text, json),
        Command::Read(args) => cmd_read(&args),
        Command::Verify(args) => cmd_verify(&args),
        Command::Readers { json } => cmd_readers(json),
        Command::Serve(args) => serve::cmd_serve(&args),
        Command::Sim { vpcd, profile } => cmd_sim(&vpcd, &profile),
        Command::Profiles => {
            for name in Profile::builtin_names() {
                let description = Profile::builtin(name)
                    .map(|p| p.description)
                    .unwrap_or_default();
                outln!("{name:20} {description}");
            }
            outln!();
            outln!("Attacks on remote verification (e.g. --sim norway-id:clone):");
            for attack in emrtd_sim::Attack::ALL {
                outln!("  :{:18} {}", attack.name(), attack.description());
            }
            Ok(Exit::Valid)
        }
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "emrtd", &mut buf);
            outln!("{}", String::from_utf8_lossy(&buf).trim_end());
            Ok(Exit::Valid)
        }
        Command::Man { out } => cmd_man(out.as_deref()),
    }
}

fn cmd_man(dir: Option<&Path>) -> Result<Exit, Failure> {
    let cmd = Cli::command();
    match dir {
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut buf)
                .map_err(|e| Failure::internal(format!("cannot render the manual: {e}")))?;
            outln!("{}", String::from_utf8_lossy(&buf).trim_end());
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| Failure::usage(format!("cannot create {}: {e}", dir.display())))?;
            clap_mangen::generate_to(cmd, dir).map_err(|e| {
                Failure::internal(format!("cannot write pages into {}: {e}", dir.display()))
            })?;
            eprintln!("Manual pages written to {}", dir.display());
        }
    }
    Ok(Exit::Valid)
}

fn read_mrz_text(parts: &[String]) -> Result<String, Failure> {
    if parts.len() == 1 && parts[0] == "-" {
        let mut s = String::new();
        std::io::stdin()
            .take(64 * 1024)
            .read_to_string(&mut s)
            .map_err(|e| Failure::usage(format!("cannot read standard input: {e}")))?;
        Ok(secret::normalize(&s).to_string())
    } else {
        // A literal `\n` (as typed in a shell between single quotes) separates lines too: a
        // backslash never occurs in an MRZ.
        Ok(parts.join("\n").replace("\\n", "\n"))
    }
}

fn cmd_mrz(parts: &[String], json: bool) -> Result<Exit, Failure> {
    let text = read_mrz_text(parts)?;
    let mrz = match Mrz::parse(&text) {
        Ok(m) => m,
        Err(e) => {
            let f = Failure::usage(e.to_string());
            if json {
                outln!("{}", output::error_json(&f));
            }
            return Err(f);
        }
    };
    if json {
        outln!("{}", output::to_json(&output::mrz_json(&mrz)));
    } else {
        output::print_mrz(&mrz, "");
        for failure in mrz.check_failures() {
            outln!("  ✗ {failure}");
        }
    }
    Ok(if mrz.is_valid() {
        Exit::Valid
    } else {
        Exit::Invalid
    })
}

/// The access key from the options or the environment, checked.
fn access_key(args: &ReadArgs) -> Result<AccessKey, Failure> {
    let can_source = match (&args.can, &args.can_file) {
        (Some(v), _) => Some(Source::Argument(v)),
        (None, Some(p)) => Some(Source::File(p)),
        (None, None) => None,
    };
    let mrz_source = match (&args.mrz, &args.mrz_file) {
        (Some(v), _) => Some(Source::Argument(v)),
        (None, Some(p)) => Some(Source::File(p)),
        (None, None) => None,
    };
    let fields = args.document_number.is_some();
    let (can_source, mrz_source) = match (can_source, mrz_source, fields) {
        (None, None, false) => {
            let can = secret::env_is_set(secret::ENV_CAN);
            let mrz = secret::env_is_set(secret::ENV_MRZ);
            match (can, mrz) {
                (true, true) => {
                    return Err(Failure::usage(format!(
                        "both {} and {} are set; unset one of them",
                        secret::ENV_CAN,
                        secret::ENV_MRZ
                    )))
                }
                (true, false) => (Some(Source::Environment(secret::ENV_CAN)), None),
                (false, true) => (None, Some(Source::Environment(secret::ENV_MRZ))),
                (false, false) => {
                    return Err(Failure::usage(
                        "give the access key: --can - (the CAN on standard input), --mrz - \
                         (the MRZ on standard input), --can-file/--mrz-file PATH, EMRTD_CAN or \
                         EMRTD_MRZ, or --document-number with --date-of-birth and --date-of-expiry",
                    ))
                }
            }
        }
        (can, mrz, _) => (can, mrz),
    };
    if let Some(source) = can_source {
        let can = secret::resolve(source, "CAN")?;
        if args.access == AccessChoice::Bac {
            return Err(Failure::usage(
                "BAC needs the MRZ, not the CAN: give --mrz, or leave out --access bac",
            ));
        }
        // ICAO 9303-11 §4.4.3.2 and TR-03110 print the CAN as 6 digits; the library takes other
        // lengths for unusual documents, the command line catches a mistyped one at once.
        if can.len() != 6 || !can.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Failure::usage(format!(
                "the CAN is the 6-digit card access number printed on the document; got {} character(s)",
                can.chars().count()
            )));
        }
        return AccessKey::from_can(&can).map_err(|_| {
            Failure::usage(
                "the CAN is the 6-digit card access number printed on the document (6 digits, nothing else)",
            )
        });
    }
    if let Some(source) = mrz_source {
        let text = secret::resolve(source, "MRZ")?;
        let text = text.replace("\\n", "\n");
        let mrz =
            Mrz::parse(&text).map_err(|e| Failure::usage(format!("the MRZ is not valid: {e}")))?;
        if let Err(e) = mrz.validate() {
            return Err(Failure::usage(format!(
                "the MRZ has a wrong check digit ({e}); check what you typed"
            )));
        }
        return AccessKey::from_mrz(&mrz).map_err(|e| Failure::usage(e.to_string()));
    }
    match (
        &args.document_number,
        &args.date_of_birth,
        &args.date_of_expiry,
    ) {
        (Some(doc), Some(dob), Some(doe)) => {
            AccessKey::from_mrz_fields(doc, dob, doe).map_err(|e| Failure::usage(e.to_string()))
        }
        _ => Err(Failure::usage(
            "--document-number needs --date-of-birth and --date-of-expiry",
        )),
    }
}

/// The trust store of `read` and `verify`, assembled from its sources: the built-in anchors,
/// every `--trust` path, and with `--sim` the virtual chip's test CSCA.
fn load_trust(paths: &[PathBuf], sim: bool, builtin: bool) -> Result<TrustStore, Failure> {
    let mut trust = TrustStore::new();
    if builtin {
        BuiltIn::NorwegianCscas
            .load_into(&mut trust)
            .map_err(|e| Failure::internal(format!("built-in Norwegian CSCAs: {e}")))?;
    }
    for p in paths {
        TrustPath::new(p).load_into(&mut trust).map_err(|e| {
            Failure::usage(format!(
                "--trust {}: cannot load trust anchors: {e}",
                p.display()
            ))
        })?;
    }
    if sim {
        DerCertificates::new(
            "the virtual chip's test CSCAs",
            emrtd_sim::pki::TEST_CSCAS
                .iter()
                .map(|c| c.to_vec())
                .collect(),
        )
        .load_into(&mut trust)
        .map_err(|e| Failure::internal(e.to_string()))?;
    }
    Ok(trust)
}

/// What the face image is written as, from the name of `--face`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FaceOutput {
    Png,
    AsStored(emrtd_lds::ImageFormat),
}

fn face_output(path: &Path) -> Result<FaceOutput, Failure> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let kind = match ext.as_str() {
        "png" => FaceOutput::Png,
        "jpg" | "jpeg" => FaceOutput::AsStored(emrtd_lds::ImageFormat::Jpeg),
        "jp2" | "j2k" | "jpf" => FaceOutput::AsStored(emrtd_lds::ImageFormat::Jp2),
        _ => {
            return Err(Failure::usage(format!(
                "--face {}: name the file .png (converted), .jpg or .jp2 (as stored)",
                path.display()
            )))
        }
    };
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent {
        if !parent.is_dir() {
            return Err(Failure::usage(format!(
                "--face {}: the folder {} does not exist",
                path.display(),
                parent.display()
            )));
        }
    }
    Ok(kind)
}

/// Everything `read` needs, checked before a reader is touched.
struct ReadPlan {
    key: AccessKey,
    trust: TrustStore,
    profile: Option<Profile>,
    face: Option<FaceOutput>,
    options: ReadOptions,
}

fn plan_read(args: &ReadArgs) -> Result<ReadPlan, Failure> {
    let key = access_key(args)?;
    let profile = match &args.sim {
        Some(name) => {
            let mut profile =
                Profile::load(name).map_err(|e| Failure::usage(format!("--sim: {e}")))?;
            if let Some(rate) = args.bit_rate {
                profile.link.bit_rate_kbps = rate;
            }
            if let Some(platform) = args.platform {
                profile.link.platform = platform;
            }
            if let Some(family) = args.chip_family {
                profile.link.chip_family = family;
            }
            Some(profile)
        }
        None => None,
    };
    if let Some(dir) = &args.out {
        dump::check_target(dir, args.force)?;
    }
    let face = args.face.as_deref().map(face_output).transpose()?;
    let trust = load_trust(&args.trust, args.sim.is_some(), !args.no_builtin_trust)?;
    let options = ReadOptions {
        access: match args.access {
            AccessChoice::Auto => emrtd_reader::AccessChoice::Auto,
            AccessChoice::Pace => emrtd_reader::AccessChoice::Pace,
            AccessChoice::Bac => emrtd_reader::AccessChoice::Bac,
        },
        max_block: args.block.map(|b| b as usize),
        no_extended_length: args.no_extended_length,
        command_budget: args.command_timeout.map(Duration::from_secs),
        terminal_authentication: eac_args::load(&args.ta_chain, args.ta_key.as_deref())?.map(
            |mut ta| {
                ta.version = match args.ta_version.as_str() {
                    "1" => emrtd_reader::TaVersionChoice::V1,
                    "2" => emrtd_reader::TaVersionChoice::V2,
                    _ => emrtd_reader::TaVersionChoice::Auto,
                };
                if !args.ta_rights.is_empty() {
                    ta.requested_rights = Some(args.ta_rights.iter().fold(
                        emrtd_eac::IsRights::NONE,
                        |acc, r| {
                            acc.with(if r == "dg3" {
                                emrtd_eac::IsRight::ReadDg3
                            } else {
                                emrtd_eac::IsRight::ReadDg4
                            })
                        },
                    ));
                }
                ta
            },
        ),
        ..ReadOptions::default()
    };
    Ok(ReadPlan {
        key,
        trust,
        profile,
        face,
        options,
    })
}

fn cmd_read(args: &ReadArgs) -> Result<Exit, Failure> {
    if let Some(url) = &args.remote {
        return cmd_read_remote(args, url);
    }
    let plan = plan_read(args)?;
    let show_progress = !args.quiet
        && !args.json
        && std::io::stderr().is_terminal()
        && std::io::stdout().is_terminal();
    let mut progress = output::ProgressDisplay::new(show_progress, args.quiet);
    let (doc, stats) = if let Some(profile) = plan.profile.clone() {
        let mut chip =
            VirtualChip::new(profile).map_err(|e| Failure::usage(format!("--sim: {e}")))?;
        let doc = {
            let mut transport = trace::Traced::new(&mut chip, args.trace);
            progress.count_apdus(transport.apdu_counter());
            read_document_with_progress(&mut transport, &plan.key, &plan.options, &mut |p| {
                progress.update(&p)
            })
        };
        let stats = chip.stats().clone();
        (
            doc,
            serde_json::json!({
                "apdus": stats.apdus,
                "bytes_to_chip": stats.bytes_to_chip,
                "bytes_from_chip": stats.bytes_from_chip,
                "modelled_ms": (stats.modelled_ms * 10.0).round() / 10.0,
                "bit_rate_kbps": chip.profile().link.bit_rate_kbps,
                "platform": chip.profile().link.platform,
                "chip_family": chip.profile().link.chip_family,
                "phases": stats.phases.iter().map(|p| serde_json::json!({
                    "phase": p.phase.to_string(),
                    "apdus": p.apdus,
                    "modelled_ms": (p.modelled_ms * 10.0).round() / 10.0,
                    "chip_ms": (p.chip_ms * 10.0).round() / 10.0,
                })).collect::<Vec<_>>(),
            }),
        )
    } else {
        let (name, mut counted) = wait_for_reader_card(args)?;
        progress.count_apdus(counted.apdu_counter());
        let doc = read_document_with_progress(&mut counted, &plan.key, &plan.options, &mut |p| {
            progress.update(&p)
        });
        let s = counted.stats();
        (
            doc,
            serde_json::json!({
                "apdus": s.0, "bytes_to_chip": s.1, "bytes_from_chip": s.2, "reader": name,
            }),
        )
    };
    progress.finish();
    let doc = match doc {
        Ok(doc) => doc,
        Err(e) => {
            if let Some(dir) = &args.out {
                let dump = dump::Dump::create(dir)?;
                dump.mark_incomplete(&e.to_string(), &progress.unfinished())?;
            }
            return Err(e.into());
        }
    };
    let verdict = verify_document_with(&doc, &plan.trust, &verify_options(args.accept_id_data));
    if let Some(dir) = &args.out {
        write_dump(&doc, dir)?;
    }
    if let (Some(path), Some(kind)) = (&args.face, plan.face) {
        write_face(&doc, path, kind)?;
    }
    let stats = args.stats.then_some(stats);
    if args.json {
        outln!(
            "{}",
            output::to_json(&output::read_json(&doc, &verdict, stats))
        );
    } else {
        output::print_read(&doc, &verdict, stats.as_ref());
    }
    Ok(verdict.status.into())
}

/// `read --remote`: the verification server decides (see `remote`).
fn cmd_read_remote(args: &ReadArgs, url: &str) -> Result<Exit, Failure> {
    let remote = remote::RemoteArgs::new(
        url,
        args.context.as_deref(),
        remote::expectations(
            args.expect_national_id.as_deref(),
            args.expect_document_number.as_deref(),
            args.expect_name.as_deref(),
        ),
        args.json,
    )?;
    let plan = plan_read(args)?;
    let show_progress = !args.quiet
        && !args.json
        && std::io::stderr().is_terminal()
        && std::io::stdout().is_terminal();
    let mut progress = output::ProgressDisplay::new(show_progress, args.quiet);
    let result = if let Some(profile) = plan.profile.clone() {
        let mut chip =
            VirtualChip::new(profile).map_err(|e| Failure::usage(format!("--sim: {e}")))?;
        let mut transport = trace::Traced::new(&mut chip, args.trace);
        progress.count_apdus(transport.apdu_counter());
        remote::run(
            &mut transport,
            &plan.key,
            &plan.options,
            &remote,
            &mut |p| progress.update(&p),
        )
    } else {
        let (_, mut transport) = wait_for_reader_card(args)?;
        progress.count_apdus(transport.apdu_counter());
        remote::run(
            &mut transport,
            &plan.key,
            &plan.options,
            &remote,
            &mut |p| progress.update(&p),
        )
    };
    progress.finish();
    result
}

fn write_dump(doc: &Document, dir: &Path) -> Result<(), Failure> {
    let dump = dump::Dump::create(dir)?;
    for (ef, bytes) in &doc.files {
        dump.write(&format!("{}.bin", ef.name()), bytes)?;
    }
    // The face images as stored in DG2 (`face-1.jpg`, …), next to the raw files.
    if let Ok(images) = face_images(doc) {
        for (i, image) in images.iter().enumerate() {
            let Some(format) = emrtd_lds::ImageFormat::detect(image) else {
                continue;
            };
            dump.write(&format!("face-{}.{}", i + 1, format.extension()), image)?;
        }
    }
    // The finger (DG3) and iris (DG4) images as stored (WSQ, JPEG, JPEG 2000, PNG; `.bin`
    // when the encoding is not recognised), named by record, position and view:
    // `finger-1-pos-2-view-1.wsq`, `iris-1-right-1.jp2`.
    let mut written = std::collections::BTreeSet::new();
    for image in biometric_images(doc) {
        let mut name = image.file_name();
        // Two images of a record with the same position and view: keep both.
        let mut n = 1;
        while !written.insert(name.clone()) {
            n += 1;
            name = format!(
                "{}-{n}.{}",
                image.name,
                image.format.map_or("bin", |f| f.extension())
            );
        }
        dump.write(&name, &image.data)?;
    }
    dump.mark_complete()
}

/// The finger images of DG3 and the iris images of DG4, as stored; a data group that cannot
/// be decoded gives none (its raw file is in the dump all the same).
fn biometric_images(doc: &Document) -> Vec<emrtd_lds::iso19794_4::StoredImage> {
    let mut images = Vec::new();
    if let Some(Ok(found)) = doc
        .files
        .get(&EfId::Dg(3))
        .map(|b| emrtd_lds::dg3::Dg3::decode(b).and_then(|d| d.images()))
    {
        images.extend(found);
    }
    if let Some(Ok(found)) = doc
        .files
        .get(&EfId::Dg(4))
        .map(|b| emrtd_lds::dg4::Dg4::decode(b).and_then(|d| d.images()))
    {
        images.extend(found);
    }
    images
}

/// The face images of DG2, as stored.
fn face_images(doc: &Document) -> Result<Vec<Vec<u8>>, Failure> {
    let bytes = doc
        .files
        .get(&EfId::Dg(2))
        .ok_or_else(|| Failure::device("the chip has no DG2 (face image)"))?;
    let dg2 = emrtd_lds::dg2::Dg2::decode(bytes)
        .map_err(|e| Failure::device(format!("DG2 cannot be decoded: {e}")))?;
    let faces: Vec<Vec<u8>> = dg2.faces().iter().map(|f| f.image.to_vec()).collect();
    if faces.is_empty() {
        return Err(Failure::device("DG2 holds no face image"));
    }
    Ok(faces)
}

fn write_face(doc: &Document, path: &Path, kind: FaceOutput) -> Result<(), Failure> {
    let images = face_images(doc)?;
    let image = images
        .first()
        .ok_or_else(|| Failure::device("DG2 holds no face image"))?;
    let bytes = match kind {
        FaceOutput::Png => emrtd_lds::face_to_png(image)
            .map_err(|e| Failure::device(format!("the face image cannot be converted: {e}")))?,
        FaceOutput::AsStored(wanted) => {
            let found = emrtd_lds::ImageFormat::detect(image).ok_or_else(|| {
                Failure::device("the DG2 face image is neither JPEG nor JPEG 2000")
            })?;
            if found.is_jpeg2000() != wanted.is_jpeg2000() {
                return Err(Failure::usage(format!(
                    "the face image is stored as {}: name the file .{} (or .png to convert it)",
                    found.mime_type(),
                    found.extension()
                )));
            }
            image.clone()
        }
    };
    dump::write_atomically(path, &bytes)
        .map_err(|e| Failure::internal(format!("cannot write {}: {e}", path.display())))
}

/// Verification options of `read` and `verify`: now, and the id-data opt-in.
fn verify_options(accept_id_data: bool) -> emrtd_auth::VerifyOptions {
    emrtd_auth::VerifyOptions::now().with_id_data_content_type(accept_id_data)
}

/// Does `dir` hold an EF.SOD dump (`SOD.bin`, in any letter case)?
fn has_sod(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|e| {
            e.file_name()
                .to_string_lossy()
                .eq_ignore_ascii_case("sod.bin")
        })
    })
}

fn cmd_verify(args: &VerifyArgs) -> Result<Exit, Failure> {
    for dir in &args.dirs {
        if !dir.is_dir() {
            return Err(Failure::usage(format!(
                "{} is not a folder; give dump folders written by `emrtd read --out`",
                dir.display()
            )));
        }
        if !has_sod(dir) {
            return Err(Failure::usage(format!(
                "{} has no SOD.bin: without EF.SOD nothing can be verified",
                dir.display()
            )));
        }
    }
    let trust = load_trust(&args.trust, false, !args.no_builtin_trust)?;
    let options = verify_options(args.accept_id_data);
    let results: Vec<_> = args
        .dirs
        .par_iter()
        .map(|dir| emrtd_auth::pa::verify_dump_with(dir, &trust, &options))
        .collect();
    let mut exit = Exit::Valid;
    for (dir, result) in args.dirs.iter().zip(results) {
        let result = result.map_err(|e| Failure::usage(format!("{}: {e}", dir.display())))?;
        let status = result.verdict();
        exit = exit.worst(status.into());
        if args.json {
            outln!("{}", output::verify_json(dir, status, &result));
        } else {
            output::print_verify(dir, status, &result, args.dirs.len() > 1);
        }
    }
    Ok(exit)
}

fn cmd_readers(json: bool) -> Result<Exit, Failure> {
    let pcsc = emrtd_pcsc::Pcsc::establish()?;
    let readers = pcsc.readers()?;
    if json {
        let list: Vec<_> = readers
            .iter()
            .map(|r| {
                serde_json::json!({
                    "name": r.name,
                    "card_present": r.card_present,
                    "atr": r.card_present.then(|| hex::encode_upper(&r.atr)),
                })
            })
            .collect();
        outln!(
            "{}",
            output::to_json(&serde_json::json!({
                "schema_version": SCHEMA_VERSION,
                "readers": list,
            }))
        );
        return Ok(Exit::Valid);
    }
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
    Ok(Exit::Valid)
}

/// Fail at once when no connected reader's name contains `name`, listing the readers.
/// The name of the chosen PC/SC reader (or the first with a card) and its card, waited for up
/// to `--wait`, with the APDU trace of `--trace`.
fn wait_for_reader_card(
    args: &ReadArgs,
) -> Result<(String, trace::Traced<emrtd_pcsc::PcscTransport>), Failure> {
    let pcsc = emrtd_pcsc::Pcsc::establish()?;
    if let Some(name) = &args.reader {
        // A reader name that matches nothing is an error now, not after the wait.
        check_reader_exists(&pcsc, name)?;
    }
    if !args.quiet && !args.json {
        eprintln!("Waiting for a document on the reader…");
    }
    let name = pcsc.wait_for_card(args.reader.as_deref(), Duration::from_secs(args.wait))?;
    let card = pcsc.connect(Some(&name))?;
    Ok((name, trace::Traced::new(card, args.trace)))
}

fn check_reader_exists(pcsc: &emrtd_pcsc::Pcsc, name: &str) -> Result<(), Failure> {
    let readers = pcsc.readers()?;
    if readers.iter().any(|r| r.name.contains(name)) {
        return Ok(());
    }
    let list: Vec<String> = readers.iter().map(|r| format!("{:?}", r.name)).collect();
    Err(Failure::device(if list.is_empty() {
        format!("no reader matches {name:?}: no smart-card reader is connected")
    } else {
        format!(
            "no reader matches {name:?}; connected readers: {}",
            list.join(", ")
        )
    }))
}

/// How long `sim --vpcd` tries to reach vpcd before it gives up.
const VPCD_CONNECT_WAIT: Duration = Duration::from_secs(5);

fn cmd_sim(vpcd: &str, profile: &str) -> Result<Exit, Failure> {
    use std::net::ToSocketAddrs;
    let profile = Profile::load(profile).map_err(|e| Failure::usage(format!("--profile: {e}")))?;
    let addrs: Vec<_> = vpcd
        .to_socket_addrs()
        .map_err(|e| Failure::usage(format!("--vpcd {vpcd}: not a HOST:PORT ({e})")))?
        .collect();
    let name = profile.name.clone();
    let mut chip =
        VirtualChip::new(profile).map_err(|e| Failure::usage(format!("--profile: {e}")))?;
    // Fail soon when nothing listens, instead of retrying forever.
    let start = std::time::Instant::now();
    loop {
        let reached = addrs
            .iter()
            .any(|a| std::net::TcpStream::connect_timeout(a, Duration::from_millis(500)).is_ok());
        if reached {
            break;
        }
        if start.elapsed() >= VPCD_CONNECT_WAIT {
            return Err(Failure::device(format!(
                "nothing listens at {vpcd}: start pcscd with vsmartcard's vpcd driver \
                 (Debian: apt install pcscd vsmartcard-vpcd) or give its address with --vpcd"
            )));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
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
