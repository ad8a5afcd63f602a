//! `emrtd read --ta-chain FILE… --ta-key FILE`: the Terminal Authentication chain and key,
//! loaded and checked before any reader is touched.

use crate::exit::Failure;
use emrtd_eac::{CvCertificate, Pkcs8Signer, TerminalSigner};
use emrtd_reader::TerminalAuthConfig;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Largest certificate or key file read (CV certificates are well under 1 KiB; RSA-4096
/// PKCS#8 PEM is about 3.3 KiB).
const MAX_FILE: u64 = 64 * 1024;

fn read_small(path: &Path, flag: &str) -> Result<Vec<u8>, Failure> {
    let len = std::fs::metadata(path)
        .map_err(|e| Failure::usage(format!("{flag} {}: {e}", path.display())))?
        .len();
    if len > MAX_FILE {
        return Err(Failure::usage(format!(
            "{flag} {}: {len} bytes, too large for a certificate or key",
            path.display()
        )));
    }
    std::fs::read(path).map_err(|e| Failure::usage(format!("{flag} {}: {e}", path.display())))
}

/// The chain (link certificates and/or CVCA-issued DV, then the IS certificate, in order) and
/// the IS key (PKCS#8, DER or PEM). `None` when neither flag is given.
pub fn load(chain: &[PathBuf], key: Option<&Path>) -> Result<Option<TerminalAuthConfig>, Failure> {
    let key = match (chain.is_empty(), key) {
        (true, None) => return Ok(None),
        (false, Some(k)) => k,
        (true, Some(_)) => {
            return Err(Failure::usage(
                "--ta-key needs --ta-chain (the DV and terminal certificates, in order)",
            ))
        }
        (false, None) => {
            return Err(Failure::usage(
                "--ta-chain needs --ta-key (the terminal certificate's private key, PKCS#8)",
            ))
        }
    };
    let mut certs = Vec::new();
    for path in chain {
        let bytes = read_small(path, "--ta-chain")?;
        let cert = CvCertificate::decode(&bytes).map_err(|e| {
            Failure::usage(format!(
                "--ta-chain {}: not a CV certificate: {e}",
                path.display()
            ))
        })?;
        certs.push(cert);
    }
    for pair in certs.windows(2) {
        if pair[1].car() != pair[0].chr() {
            return Err(Failure::usage(format!(
                "--ta-chain: {} is issued by {}, not by {} before it: give the certificates in order",
                pair[1].chr(),
                pair[1].car(),
                pair[0].chr()
            )));
        }
    }
    let terminal = certs
        .last()
        .ok_or_else(|| Failure::usage("--ta-chain: no certificate"))?;
    let algorithm = terminal.body.public_key.algorithm;
    let key_bytes = zeroize::Zeroizing::new(read_small(key, "--ta-key")?);
    let signer = Pkcs8Signer::from_pkcs8(&key_bytes, algorithm, Box::new(rand_core::OsRng))
        .map_err(|e| Failure::usage(format!("--ta-key {}: {e}", key.display())))?;
    // The key must be the terminal certificate's: compare the public keys.
    match (signer.public_key_data(), &terminal.body.public_key.data) {
        (Ok(mine), theirs) if same_key(&mine, theirs) => {}
        _ => {
            return Err(Failure::usage(format!(
                "--ta-key {}: not the key of terminal certificate {}",
                key.display(),
                terminal.chr()
            )))
        }
    }
    debug_assert_eq!(signer.algorithm(), algorithm);
    Ok(Some(TerminalAuthConfig::new(certs, Arc::new(signer))))
}

/// Same public key, ignoring domain parameters (inherited from the CVCA in DV/IS
/// certificates).
fn same_key(a: &emrtd_eac::KeyData, b: &emrtd_eac::KeyData) -> bool {
    use emrtd_eac::KeyData;
    match (a, b) {
        (KeyData::Ec { point: p, .. }, KeyData::Ec { point: q, .. }) => p == q,
        (x, y) => x == y,
    }
}
