//! Access keys (CAN, MRZ) from where they do not leak.
//!
//! A value on the command line ends up in shell history and in `ps` for every user of the
//! machine; standard input, a file or an environment variable do not. `--can -`, `--mrz -`,
//! `--can-file`, `--mrz-file`, `EMRTD_CAN` and `EMRTD_MRZ` are the recommended forms; a literal
//! value on the command line still works for specimens and demos.

use crate::exit::Failure;
use std::io::{IsTerminal, Read};
use std::path::Path;
use zeroize::Zeroizing;

/// Environment variable holding the CAN.
pub const ENV_CAN: &str = "EMRTD_CAN";
/// Environment variable holding the MRZ.
pub const ENV_MRZ: &str = "EMRTD_MRZ";

/// Largest secret input read from standard input or a file: an MRZ is at most 3 × 44
/// characters; anything much larger is not an access key.
const MAX_SECRET_BYTES: u64 = 4096;

/// Strip what editors and other platforms add around a value: a UTF-8 byte order mark, CR of
/// CRLF line ends, and surrounding white space (on every line, and empty lines at the ends).
pub fn normalize(raw: &str) -> Zeroizing<String> {
    let s = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    let lines: Vec<&str> = s
        .split('\n')
        .map(|l| l.trim_matches(|c: char| c.is_whitespace()))
        .collect();
    let first = lines.iter().position(|l| !l.is_empty()).unwrap_or(0);
    let last = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    Zeroizing::new(lines.get(first..last).unwrap_or(&[]).join("\n"))
}

/// Read a secret from standard input (`what` names it in the prompt and in errors).
fn from_stdin(what: &str) -> Result<Zeroizing<String>, Failure> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("Type the {what} and press Enter (Ctrl-D when done for a multi-line MRZ):");
    }
    read_bounded(stdin.lock(), what, "standard input")
}

fn from_file(path: &Path, what: &str) -> Result<Zeroizing<String>, Failure> {
    let file = std::fs::File::open(path).map_err(|e| {
        Failure::usage(format!(
            "cannot read the {what} from {}: {e}",
            path.display()
        ))
    })?;
    read_bounded(file, what, &path.display().to_string())
}

fn read_bounded(r: impl Read, what: &str, from: &str) -> Result<Zeroizing<String>, Failure> {
    let mut bytes = Zeroizing::new(Vec::new());
    r.take(MAX_SECRET_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::usage(format!("cannot read the {what} from {from}: {e}")))?;
    if bytes.len() as u64 > MAX_SECRET_BYTES {
        return Err(Failure::usage(format!(
            "{from} holds more than {MAX_SECRET_BYTES} bytes: that is not a {what}"
        )));
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Failure::usage(format!("the {what} from {from} is not UTF-8 text")))?;
    let value = normalize(text);
    if value.is_empty() {
        return Err(Failure::usage(format!("{from} holds no {what}")));
    }
    Ok(value)
}

/// Where a secret comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// On the command line (`--can 123456`), or `-` for standard input.
    Argument(&'a str),
    /// In a file.
    File(&'a Path),
    /// In an environment variable.
    Environment(&'static str),
}

/// Resolve a secret from its source. A `-` argument reads standard input.
pub fn resolve(source: Source<'_>, what: &str) -> Result<Zeroizing<String>, Failure> {
    match source {
        Source::Argument("-") => from_stdin(what),
        Source::Argument(v) => Ok(normalize(v)),
        Source::File(p) => from_file(p, what),
        Source::Environment(var) => {
            let v = std::env::var(var)
                .map_err(|_| Failure::usage(format!("{var} is set but is not valid UTF-8 text")))?;
            let v = normalize(&v);
            if v.is_empty() {
                return Err(Failure::usage(format!("{var} is set but empty")));
            }
            Ok(v)
        }
    }
}

/// Is an environment variable set (to anything, even empty)?
pub fn env_is_set(var: &str) -> bool {
    std::env::var_os(var).is_some()
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn bom_crlf_and_surrounding_spaces_are_removed() {
        assert_eq!(*normalize("\u{feff}  123456 \r\n"), "123456");
        assert_eq!(
            *normalize("\r\n P<NOR \r\n  CCC<04\r\n\r\n"),
            "P<NOR\nCCC<04"
        );
    }

    #[test]
    fn inner_characters_are_kept() {
        assert_eq!(*normalize("12 34"), "12 34");
        assert_eq!(*normalize(""), "");
    }
}
