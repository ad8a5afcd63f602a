//! Active Authentication (ICAO Doc 9303-11 §6.1), sans-IO.
//!
//! Terminal side: [`new_challenge`] and [`internal_authenticate_command`] build the
//! INTERNAL AUTHENTICATE command; [`verify`] checks the chip's answer against the DG15 public
//! key ([`emrtd_lds::dg15::AaPublicKey`]) and, for ECDSA, the hash named by the DG14
//! `ActiveAuthenticationInfo`. RSA keys sign with ISO/IEC 9796-2 scheme 1 ([`iso9796`]),
//! EC keys with ECDSA (plain `r‖s` per BSI TR-03111, or DER as some chips send).
//!
//! Chip side: [`AaChipKey`] signs challenges for the virtual chip.

mod chip;
pub mod iso9796;

pub use chip::{AaChipKey, AaError, MIN_RSA_BITS};
pub use emrtd_lds::dg15::AaPublicKey;
pub use iso9796::{Iso9796Error, Iso9796Trailer};

use emrtd_apdu::CommandApdu;
use emrtd_crypto::sig::{self, HashAlg, PublicKey, SignatureScheme};
use emrtd_lds::security_infos::{ActiveAuthenticationInfo, SecurityInfo, SecurityInfos};
use rand_core::CryptoRngCore;
use std::fmt;

/// Longest response accepted (an RSA-16384 signature); anything longer fails at once.
pub const MAX_RESPONSE_LEN: usize = sig::MAX_RSA_BITS / 8;

/// INS of INTERNAL AUTHENTICATE.
pub const INS_INTERNAL_AUTHENTICATE: u8 = 0x88;

/// A fresh 8-byte challenge (RND.IFD).
pub fn new_challenge(rng: &mut impl CryptoRngCore) -> [u8; 8] {
    let mut c = [0u8; 8];
    rng.fill_bytes(&mut c);
    c
}

/// `00 88 00 00 08 <challenge> 00`: INTERNAL AUTHENTICATE with Le = 256 (short `00`), as
/// ICAO 9303-11 §6.1 readers send it. Chips with keys above 2048 bits answer with more than 256
/// bytes; send the command with `le = Some(65536)` and `force_extended` for those.
pub fn internal_authenticate_command(challenge: [u8; 8]) -> CommandApdu {
    CommandApdu::new(0x00, INS_INTERNAL_AUTHENTICATE, 0x00, 0x00)
        .with_data(challenge.to_vec())
        .with_le(256)
}

/// The `ActiveAuthenticationInfo` of a decoded DG14, if any.
pub fn find_aa_info(infos: &SecurityInfos) -> Option<&ActiveAuthenticationInfo> {
    infos.infos.iter().find_map(|i| match i {
        SecurityInfo::ActiveAuthentication(a) => Some(a),
        _ => None,
    })
}

/// Encoding of an ECDSA signature.
// Not #[non_exhaustive]: an ECDSA signature is plain (TR-03111) or DER (X9.62), nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcdsaFormat {
    /// `r ‖ s`, each of the order's length (BSI TR-03111).
    Plain,
    /// DER `ECDSA-Sig-Value` (X9.62).
    Der,
}

/// The signature scheme Active Authentication used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AaAlgorithm {
    /// RSA with ISO/IEC 9796-2 scheme 1 (partial message recovery).
    Iso9796_2 {
        /// The hash of the message representative.
        hash: HashAlg,
        /// The trailer: implicit `BC` (SHA-1) or explicit `xx CC`.
        trailer: Iso9796Trailer,
    },
    /// ECDSA.
    Ecdsa {
        /// The hash of the challenge.
        hash: HashAlg,
        /// How the signature is encoded.
        format: EcdsaFormat,
    },
}

impl fmt::Display for AaAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AaAlgorithm::Iso9796_2 { hash, trailer } => write!(
                f,
                "ISO/IEC 9796-2 scheme 1 with {} (trailer {})",
                hash.name(),
                trailer.hex()
            ),
            AaAlgorithm::Ecdsa { hash, format } => write!(
                f,
                "ECDSA with {} ({})",
                hash.name(),
                match format {
                    EcdsaFormat::Plain => "plain r||s",
                    EcdsaFormat::Der => "DER",
                }
            ),
        }
    }
}

/// Outcome of Active Authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AaResult {
    /// The chip proved possession of the DG15 private key for this challenge.
    pub passed: bool,
    /// The public key, e.g. `"RSA-1792"`, `"EC P-256"` (empty if it could not be decoded).
    pub key: String,
    /// The scheme the signature was checked with, when it got that far.
    pub algorithm: Option<AaAlgorithm>,
    /// Why it passed or failed, for a person.
    pub reason: String,
}

impl fmt::Display for AaResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Active Authentication {}: {}",
            if self.passed { "passed" } else { "FAILED" },
            self.reason
        )?;
        if let Some(a) = &self.algorithm {
            write!(f, " [{a}")?;
            if !self.key.is_empty() {
                write!(f, ", {}", self.key)?;
            }
            write!(f, "]")?;
        }
        Ok(())
    }
}

impl AaResult {
    fn fail(key: &str, algorithm: Option<AaAlgorithm>, reason: impl Into<String>) -> Self {
        AaResult {
            passed: false,
            key: key.to_string(),
            algorithm,
            reason: reason.into(),
        }
    }
}

/// DG15 key → verification key. RSA integers are taken as unsigned as DG15 stores them.
fn to_public_key(key: &AaPublicKey) -> Result<PublicKey, String> {
    match key {
        AaPublicKey::Rsa { n, e } => rsa::RsaPublicKey::new_with_max_size(
            rsa::BigUint::from_bytes_be(n),
            rsa::BigUint::from_bytes_be(e),
            sig::MAX_RSA_BITS,
        )
        .map(PublicKey::Rsa)
        .map_err(|e| format!("RSA public key in DG15 is unusable: {e}")),
        AaPublicKey::Ec { .. } => PublicKey::from_spki_der(&key.to_spki())
            .map_err(|e| format!("EC public key in DG15 is unusable: {e}")),
        AaPublicKey::Other { algorithm, .. } => Err(format!(
            "DG15 public key algorithm {algorithm} is not RSA or EC"
        )),
        _ => Err("DG15 public key is of a kind this version cannot use (not RSA or EC)".into()),
    }
}

/// The hash and preferred format named by `ActiveAuthenticationInfo.signatureAlgorithm`.
fn hint_scheme(info: &ActiveAuthenticationInfo) -> Result<(HashAlg, EcdsaFormat), String> {
    match sig::scheme_from_algorithm(&info.signature_algorithm, None, None) {
        Ok(SignatureScheme::Ecdsa { hash, plain }) => Ok((
            hash,
            if plain {
                EcdsaFormat::Plain
            } else {
                EcdsaFormat::Der
            },
        )),
        Ok(other) => Err(format!(
            "DG14 ActiveAuthenticationInfo names {} ({}), not ECDSA",
            info.signature_algorithm,
            other.describe()
        )),
        Err(e) => Err(format!(
            "DG14 ActiveAuthenticationInfo names {}: {e}",
            info.signature_algorithm
        )),
    }
}

/// Does `sig` look like a DER `SEQUENCE { INTEGER, INTEGER }` (and nothing more)?
fn is_der_signature(sig: &[u8]) -> bool {
    let Ok(seq) = emrtd_tlv::parse_exact(sig) else {
        return false;
    };
    if seq.tag != 0x30 || seq.raw.len() != sig.len() {
        return false;
    }
    matches!(emrtd_tlv::parse_all(seq.value), Ok(items)
        if items.len() == 2 && items.iter().all(|i| i.tag == 0x02))
}

/// Verifies the chip's INTERNAL AUTHENTICATE response (the response data, without status word)
/// for `challenge`.
///
/// * RSA: ISO/IEC 9796-2 scheme 1; the trailer names the hash, `aa_info` is not needed.
/// * ECDSA: the hash comes from `aa_info` (DG14 `ActiveAuthenticationInfo`, which ICAO
///   9303-11 requires for ECDSA); both plain and DER signatures are accepted. Without `aa_info`
///   each allowed hash is tried and the result says so.
///
/// Never panics; every problem is a failed result with a reason.
pub fn verify(
    public_key: &AaPublicKey,
    challenge: &[u8; 8],
    response: &[u8],
    aa_info: Option<&ActiveAuthenticationInfo>,
) -> AaResult {
    let key = match to_public_key(public_key) {
        Ok(k) => k,
        Err(e) => return AaResult::fail("", None, e),
    };
    let key_name = key.describe();
    if response.is_empty() {
        return AaResult::fail(&key_name, None, "the chip returned no signature");
    }
    if response.len() > MAX_RESPONSE_LEN {
        return AaResult::fail(
            &key_name,
            None,
            format!(
                "response of {} bytes is longer than any supported signature ({MAX_RESPONSE_LEN})",
                response.len()
            ),
        );
    }
    match &key {
        PublicKey::Rsa(rsa_key) => verify_rsa(rsa_key, &key_name, challenge, response),
        PublicKey::Ec { .. } => verify_ecdsa(&key, &key_name, challenge, response, aa_info),
        PublicKey::Dsa(_) => AaResult::fail(
            &key_name,
            None,
            "Active Authentication uses RSA or ECDSA keys (ICAO 9303-11 §6.1), not DSA",
        ),
        _ => AaResult::fail(
            &key_name,
            None,
            "Active Authentication uses RSA or ECDSA keys (ICAO 9303-11 §6.1), not this kind",
        ),
    }
}

fn verify_rsa(
    key: &rsa::RsaPublicKey,
    key_name: &str,
    challenge: &[u8; 8],
    response: &[u8],
) -> AaResult {
    let f = match iso9796::open_rsa(key, response) {
        Ok(f) => f,
        Err(e) => return AaResult::fail(key_name, None, e.to_string()),
    };
    // Name the scheme even when the hash check fails, if the trailer is readable.
    let algorithm_of = |t: Iso9796Trailer| AaAlgorithm::Iso9796_2 {
        hash: t.hash(),
        trailer: t,
    };
    match iso9796::verify_representative(&f, challenge) {
        Ok((trailer, m1)) => AaResult {
            passed: true,
            key: key_name.to_string(),
            algorithm: Some(algorithm_of(trailer)),
            reason: format!(
                "signature recovers {} bytes of M1 and its {} hash covers the challenge",
                m1.len(),
                trailer.hash().name()
            ),
        },
        Err(e) => {
            // Only a hash mismatch means the representative itself was well formed.
            let algorithm = match e {
                Iso9796Error::HashMismatch(_) => iso9796::parse_trailer(&f).ok().map(algorithm_of),
                _ => None,
            };
            AaResult::fail(key_name, algorithm, e.to_string())
        }
    }
}

const ALL_HASHES: [HashAlg; 5] = [
    HashAlg::Sha256,
    HashAlg::Sha1,
    HashAlg::Sha224,
    HashAlg::Sha384,
    HashAlg::Sha512,
];

fn verify_ecdsa(
    key: &PublicKey,
    key_name: &str,
    challenge: &[u8; 8],
    response: &[u8],
    aa_info: Option<&ActiveAuthenticationInfo>,
) -> AaResult {
    let (hashes, preferred, note): (Vec<HashAlg>, EcdsaFormat, &str) = match aa_info {
        Some(info) => match hint_scheme(info) {
            Ok((h, f)) => (vec![h], f, ""),
            Err(e) => return AaResult::fail(key_name, None, e),
        },
        None => (
            ALL_HASHES.to_vec(),
            EcdsaFormat::Plain,
            "; DG14 has no ActiveAuthenticationInfo, so the hash was found by trial",
        ),
    };
    let format = if is_der_signature(response) {
        EcdsaFormat::Der
    } else {
        EcdsaFormat::Plain
    };
    let mut last_error = String::new();
    for hash in &hashes {
        let scheme = SignatureScheme::Ecdsa {
            hash: *hash,
            plain: format == EcdsaFormat::Plain,
        };
        match sig::verify(key, &scheme, challenge, response) {
            Ok(()) => {
                let format_note = if format != preferred && aa_info.is_some() {
                    match format {
                        EcdsaFormat::Der => {
                            "; the chip sent a DER signature where DG14 names the plain format"
                        }
                        EcdsaFormat::Plain => {
                            "; the chip sent a plain signature where DG14 names the DER format"
                        }
                    }
                } else {
                    ""
                };
                return AaResult {
                    passed: true,
                    key: key_name.to_string(),
                    algorithm: Some(AaAlgorithm::Ecdsa {
                        hash: *hash,
                        format,
                    }),
                    reason: format!(
                        "ECDSA signature over the challenge verifies{note}{format_note}"
                    ),
                };
            }
            Err(e) => last_error = e,
        }
    }
    let algorithm = match hashes.as_slice() {
        [hash] => Some(AaAlgorithm::Ecdsa {
            hash: *hash,
            format,
        }),
        _ => None,
    };
    AaResult::fail(
        key_name,
        algorithm,
        if hashes.len() > 1 {
            format!("{last_error} (with any hash){note}")
        } else {
            last_error
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_encoding() {
        let c = internal_authenticate_command([1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(
            c.to_bytes().ok(),
            Some(vec![
                0x00, 0x88, 0x00, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x00
            ])
        );
    }

    #[test]
    fn der_detection() {
        assert!(is_der_signature(&[0x30, 0x06, 2, 1, 1, 2, 1, 1]));
        assert!(!is_der_signature(&[0x30, 0x06, 2, 1, 1, 2, 1, 1, 0]));
        assert!(!is_der_signature(&[0x30, 0x03, 2, 1, 1]));
        assert!(!is_der_signature(&[0x31, 0x06, 2, 1, 1, 2, 1, 1]));
        assert!(!is_der_signature(&[]));
    }

    #[test]
    fn hint_parsing() {
        let info = |oid: &str| ActiveAuthenticationInfo {
            version: 1,
            signature_algorithm: oid.into(),
        };
        assert_eq!(
            hint_scheme(&info("0.4.0.127.0.7.1.1.4.1.3")),
            Ok((HashAlg::Sha256, EcdsaFormat::Plain))
        );
        assert_eq!(
            hint_scheme(&info("1.2.840.10045.4.3.3")),
            Ok((HashAlg::Sha384, EcdsaFormat::Der))
        );
        assert!(hint_scheme(&info("1.2.840.113549.1.1.11")).is_err());
        assert!(hint_scheme(&info("1.2.3")).is_err());
    }
}
