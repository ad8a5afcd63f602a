//! Hash and signature algorithms of eMRTD PKI objects, public keys, and verification.
//!
//! Supported: RSASSA-PKCS1-v1_5, RSASSA-PSS (any hash, MGF1 hash and salt length), ECDSA with
//! X9.62 (DER signature) and BSI TR-03111 (plain `r‖s`) OIDs, on NIST P-256/P-384/P-521 through
//! the RustCrypto crates and on every other prime curve (brainpool, explicit domain parameters)
//! through the generic prime-curve arithmetic of [`crate::pk`]; DSA (FIPS 186-4, through
//! the RustCrypto `dsa` crate). Hashes: SHA-1 and SHA-2. ECDSA signing over any prime curve
//! ([`ecdsa_sign_prehashed`]) for test PKIs and terminal keys.
//!
//! Used by Passive Authentication (`emrtd-auth`), Active Authentication (`emrtd-access`) and
//! the CV certificates and Terminal Authentication of `emrtd-eac`.

use crate::pk::{EcCurve, Group};
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use sha2::Digest;
use std::sync::{Arc, Mutex, OnceLock};

mod assembly;
mod ecdsa;

pub use ecdsa::ecdsa_sign_prehashed;

/// Dotted form of an OBJECT IDENTIFIER's value bytes; `None` when they are malformed.
pub fn oid_to_string(value: &[u8]) -> Option<String> {
    ObjectIdentifier::from_bytes(value)
        .ok()
        .map(|o| o.to_string())
}

/// The object identifiers this module decides on. Decisions compare these typed values; dotted
/// strings are parsed into them at the edge ([`HashAlg::from_oid`], [`scheme_from_algorithm`],
/// [`standardized_id_of`]) and made from them only for messages.
pub mod oid {
    use const_oid::ObjectIdentifier as Oid;

    /// id-sha1 (OIW).
    pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
    /// id-sha224 (NIST).
    pub const SHA224: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.4");
    /// id-sha256.
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    /// id-sha384.
    pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
    /// id-sha512.
    pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");

    /// rsaEncryption (PKCS #1).
    pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    /// md2WithRSAEncryption (refused).
    pub const MD2_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.2");
    /// md4WithRSAEncryption (refused).
    pub const MD4_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.3");
    /// md5WithRSAEncryption (refused).
    pub const MD5_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.4");
    /// sha1WithRSAEncryption.
    pub const SHA1_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
    /// sha1WithRSASignature (OIW).
    pub const SHA1_WITH_RSA_OIW: Oid = Oid::new_unwrap("1.3.14.3.2.29");
    /// id-mgf1 (RFC 4055).
    pub const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
    /// id-RSASSA-PSS (RFC 4055).
    pub const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
    /// sha256WithRSAEncryption.
    pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    /// sha384WithRSAEncryption.
    pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    /// sha512WithRSAEncryption.
    pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
    /// sha224WithRSAEncryption.
    pub const SHA224_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.14");

    /// id-ecPublicKey (X9.62).
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    /// prime-field (X9.62 fieldType).
    pub const PRIME_FIELD: Oid = Oid::new_unwrap("1.2.840.10045.1.1");
    /// ecdsa-with-SHA1 (X9.62).
    pub const ECDSA_WITH_SHA1: Oid = Oid::new_unwrap("1.2.840.10045.4.1");
    /// ecdsa-with-SHA224.
    pub const ECDSA_WITH_SHA224: Oid = Oid::new_unwrap("1.2.840.10045.4.3.1");
    /// ecdsa-with-SHA256.
    pub const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    /// ecdsa-with-SHA384.
    pub const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    /// ecdsa-with-SHA512.
    pub const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
    /// ecdsa-plain-SHA1 (BSI TR-03111, plain `r‖s`).
    pub const ECDSA_PLAIN_SHA1: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.1.4.1.1");
    /// ecdsa-plain-SHA224.
    pub const ECDSA_PLAIN_SHA224: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.1.4.1.2");
    /// ecdsa-plain-SHA256.
    pub const ECDSA_PLAIN_SHA256: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.1.4.1.3");
    /// ecdsa-plain-SHA384.
    pub const ECDSA_PLAIN_SHA384: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.1.4.1.4");
    /// ecdsa-plain-SHA512.
    pub const ECDSA_PLAIN_SHA512: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.1.4.1.5");
    /// ecdsa-plain-RIPEMD160 (refused).
    pub const ECDSA_PLAIN_RIPEMD160: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.1.4.1.6");
    /// rsaSignatureWithripemd160 (TeleTrusT, refused).
    pub const RSA_WITH_RIPEMD160: Oid = Oid::new_unwrap("1.3.36.3.3.1.2");

    /// id-dsa (X9.57).
    pub const DSA: Oid = Oid::new_unwrap("1.2.840.10040.4.1");
    /// id-dsa-with-sha1.
    pub const DSA_WITH_SHA1: Oid = Oid::new_unwrap("1.2.840.10040.4.3");
    /// id-dsa-with-sha224 (NIST).
    pub const DSA_WITH_SHA224: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.1");
    /// id-dsa-with-sha256 (NIST).
    pub const DSA_WITH_SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.2");

    /// secp192r1 (NIST P-192).
    pub const SECP192R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.1");
    /// brainpoolP192r1.
    pub const BRAINPOOL_P192R1: Oid = Oid::new_unwrap("1.3.36.3.3.2.8.1.1.3");
    /// secp224r1 (NIST P-224).
    pub const SECP224R1: Oid = Oid::new_unwrap("1.3.132.0.33");
    /// brainpoolP224r1.
    pub const BRAINPOOL_P224R1: Oid = Oid::new_unwrap("1.3.36.3.3.2.8.1.1.5");
    /// secp256r1 (NIST P-256).
    pub const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    /// brainpoolP256r1.
    pub const BRAINPOOL_P256R1: Oid = Oid::new_unwrap("1.3.36.3.3.2.8.1.1.7");
    /// brainpoolP320r1.
    pub const BRAINPOOL_P320R1: Oid = Oid::new_unwrap("1.3.36.3.3.2.8.1.1.9");
    /// secp384r1 (NIST P-384).
    pub const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");
    /// brainpoolP384r1.
    pub const BRAINPOOL_P384R1: Oid = Oid::new_unwrap("1.3.36.3.3.2.8.1.1.11");
    /// brainpoolP512r1.
    pub const BRAINPOOL_P512R1: Oid = Oid::new_unwrap("1.3.36.3.3.2.8.1.1.13");
    /// secp521r1 (NIST P-521).
    pub const SECP521R1: Oid = Oid::new_unwrap("1.3.132.0.35");
}

/// A hash function ICAO Doc 9303 allows.
// Not #[non_exhaustive]: ICAO 9303-12 allows exactly these hashes, and a new one needs code in every
// protocol step (OIDs, KDF, trailers): exhaustive matches make the compiler find each place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlg {
    /// SHA-1 (FIPS 180-4); still found in older documents.
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlg {
    /// The hash for a digest-algorithm OID (dotted form, parsed into an [`ObjectIdentifier`]).
    pub fn from_oid(oid: &str) -> Option<Self> {
        dotted_oid(oid).and_then(Self::from_object_id)
    }

    /// The hash for a digest-algorithm OID.
    pub fn from_object_id(oid: ObjectIdentifier) -> Option<Self> {
        Some(match oid {
            oid::SHA1 => HashAlg::Sha1,
            oid::SHA224 => HashAlg::Sha224,
            oid::SHA256 => HashAlg::Sha256,
            oid::SHA384 => HashAlg::Sha384,
            oid::SHA512 => HashAlg::Sha512,
            _ => return None,
        })
    }

    /// Its OID.
    pub fn object_id(self) -> ObjectIdentifier {
        match self {
            HashAlg::Sha1 => oid::SHA1,
            HashAlg::Sha224 => oid::SHA224,
            HashAlg::Sha256 => oid::SHA256,
            HashAlg::Sha384 => oid::SHA384,
            HashAlg::Sha512 => oid::SHA512,
        }
    }

    /// Dotted OID.
    pub fn oid(self) -> &'static str {
        match self {
            HashAlg::Sha1 => "1.3.14.3.2.26",
            HashAlg::Sha224 => "2.16.840.1.101.3.4.2.4",
            HashAlg::Sha256 => "2.16.840.1.101.3.4.2.1",
            HashAlg::Sha384 => "2.16.840.1.101.3.4.2.2",
            HashAlg::Sha512 => "2.16.840.1.101.3.4.2.3",
        }
    }

    /// `"SHA-256"` etc.
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha1 => "SHA-1",
            HashAlg::Sha224 => "SHA-224",
            HashAlg::Sha256 => "SHA-256",
            HashAlg::Sha384 => "SHA-384",
            HashAlg::Sha512 => "SHA-512",
        }
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Sha1 => 20,
            HashAlg::Sha224 => 28,
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }

    /// Hash `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        self.digest_parts(&[data])
    }

    /// Hash the concatenation of `parts` (without building it).
    pub(crate) fn digest_parts(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut d = D::new();
            for p in parts {
                d.update(p);
            }
            d.finalize().to_vec()
        }
        match self {
            HashAlg::Sha1 => run::<sha1::Sha1>(parts),
            HashAlg::Sha224 => run::<sha2::Sha224>(parts),
            HashAlg::Sha256 => run::<sha2::Sha256>(parts),
            HashAlg::Sha384 => run::<sha2::Sha384>(parts),
            HashAlg::Sha512 => run::<sha2::Sha512>(parts),
        }
    }
}

/// A signature scheme with all its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// RSASSA-PKCS1-v1_5.
    RsaPkcs1v15 {
        /// The message hash.
        hash: HashAlg,
    },
    /// RSASSA-PSS with MGF1.
    RsaPss {
        /// The message hash.
        hash: HashAlg,
        /// The hash inside the mask generation function MGF1.
        mgf1_hash: HashAlg,
        /// The salt length in bytes.
        salt_len: usize,
    },
    /// ECDSA; `plain` = BSI TR-03111 `r‖s` format instead of a DER SEQUENCE.
    Ecdsa {
        /// The message hash.
        hash: HashAlg,
        /// The signature is `r‖s` (TR-03111 plain format), not a DER SEQUENCE.
        plain: bool,
    },
    /// DSA (FIPS 186-4), DER `Dss-Sig-Value`.
    Dsa {
        /// The message hash.
        hash: HashAlg,
    },
}

impl SignatureScheme {
    /// The message hash.
    pub fn hash(&self) -> HashAlg {
        match self {
            SignatureScheme::RsaPkcs1v15 { hash }
            | SignatureScheme::RsaPss { hash, .. }
            | SignatureScheme::Ecdsa { hash, .. }
            | SignatureScheme::Dsa { hash } => *hash,
        }
    }

    /// Short human name, e.g. `"RSASSA-PSS(SHA-256, MGF1-SHA-256, salt 32)"`.
    pub fn describe(&self) -> String {
        match self {
            SignatureScheme::RsaPkcs1v15 { hash } => {
                format!("RSASSA-PKCS1-v1_5 with {}", hash.name())
            }
            SignatureScheme::RsaPss {
                hash,
                mgf1_hash,
                salt_len,
            } => format!(
                "RSASSA-PSS with {}, MGF1-{}, salt {salt_len}",
                hash.name(),
                mgf1_hash.name()
            ),
            SignatureScheme::Ecdsa { hash, plain } => format!(
                "ECDSA with {}{}",
                hash.name(),
                if *plain { " (plain r||s)" } else { "" }
            ),
            SignatureScheme::Dsa { hash } => format!("DSA with {}", hash.name()),
        }
    }
}

/// Why a signature algorithm cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AlgorithmProblem {
    /// Known, but ICAO Doc 9303 does not allow it (MD5, RIPEMD-160, ...): the object is invalid.
    NotAllowed(String),
    /// Possibly allowed, but this implementation cannot verify it (DSA, ...).
    Unsupported(String),
    /// Parameters are malformed.
    Malformed(String),
}

impl std::fmt::Display for AlgorithmProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AlgorithmProblem::NotAllowed(s) => write!(f, "algorithm not allowed: {s}"),
            AlgorithmProblem::Unsupported(s) => write!(f, "algorithm not supported: {s}"),
            AlgorithmProblem::Malformed(s) => write!(f, "malformed algorithm parameters: {s}"),
        }
    }
}

/// An OID in dotted form, parsed: `None` unless every arc is decimal digits below 2^28 (at
/// most four base-128 octets). The check comes first because `const-oid` 0.9 fails on larger
/// arcs, which DER allows and a hostile SOD carries: its parser multiplies without a check
/// (an overflow: a panic where overflow checks are on, found by fuzz target `sod`, a wrong
/// OID where they are off), and its arc iterator panics ("OID malformed") on a five-octet
/// arc that its constructor accepted. Real OIDs stay far below (RSA's arc 113549, ANSI
/// X9.62's 10045).
fn dotted_oid(s: &str) -> Option<ObjectIdentifier> {
    let arcs_fit = !s.is_empty()
        && s.split('.').all(|arc| {
            !arc.is_empty()
                && arc.bytes().all(|b| b.is_ascii_digit())
                && arc.parse::<u32>().is_ok_and(|v| v < 1 << 28)
        });
    if arcs_fit {
        ObjectIdentifier::new(s).ok()
    } else {
        None
    }
}

/// Map a signature AlgorithmIdentifier (OID in dotted form) to a scheme; see
/// [`scheme_from_object_id`].
pub fn scheme_from_algorithm(
    oid: &str,
    params: Option<&[u8]>,
    digest_hint: Option<HashAlg>,
) -> Result<SignatureScheme, AlgorithmProblem> {
    let oid = dotted_oid(oid).ok_or_else(|| {
        AlgorithmProblem::Malformed(format!(
            "signature algorithm {:?} is not an object identifier",
            oid.chars().take(64).collect::<String>()
        ))
    })?;
    scheme_from_object_id(oid, params, digest_hint)
}

/// Map a signature AlgorithmIdentifier to a scheme. `digest_hint` is the SignerInfo digest
/// algorithm, used when the OID names only the key type (`rsaEncryption`, `id-ecPublicKey`).
pub fn scheme_from_object_id(
    algorithm: ObjectIdentifier,
    params: Option<&[u8]>,
    digest_hint: Option<HashAlg>,
) -> Result<SignatureScheme, AlgorithmProblem> {
    use HashAlg::*;
    let hinted = |what: &str| {
        digest_hint.ok_or_else(|| {
            AlgorithmProblem::Malformed(format!(
                "{what} names no hash and no digest algorithm is given"
            ))
        })
    };
    let rsa = |hash| Ok(SignatureScheme::RsaPkcs1v15 { hash });
    let ec = |hash, plain| Ok(SignatureScheme::Ecdsa { hash, plain });
    match algorithm {
        oid::RSA_ENCRYPTION => rsa(hinted("rsaEncryption")?),
        oid::SHA1_WITH_RSA | oid::SHA1_WITH_RSA_OIW => rsa(Sha1),
        oid::SHA224_WITH_RSA => rsa(Sha224),
        oid::SHA256_WITH_RSA => rsa(Sha256),
        oid::SHA384_WITH_RSA => rsa(Sha384),
        oid::SHA512_WITH_RSA => rsa(Sha512),
        oid::RSASSA_PSS => parse_pss_params(params),
        oid::EC_PUBLIC_KEY => ec(hinted("id-ecPublicKey")?, false),
        oid::ECDSA_WITH_SHA1 => ec(Sha1, false),
        oid::ECDSA_WITH_SHA224 => ec(Sha224, false),
        oid::ECDSA_WITH_SHA256 => ec(Sha256, false),
        oid::ECDSA_WITH_SHA384 => ec(Sha384, false),
        oid::ECDSA_WITH_SHA512 => ec(Sha512, false),
        oid::ECDSA_PLAIN_SHA1 => ec(Sha1, true),
        oid::ECDSA_PLAIN_SHA224 => ec(Sha224, true),
        oid::ECDSA_PLAIN_SHA256 => ec(Sha256, true),
        oid::ECDSA_PLAIN_SHA384 => ec(Sha384, true),
        oid::ECDSA_PLAIN_SHA512 => ec(Sha512, true),
        oid::MD2_WITH_RSA | oid::MD4_WITH_RSA | oid::MD5_WITH_RSA => Err(
            AlgorithmProblem::NotAllowed(format!("{algorithm} (RSA with MD2/MD4/MD5)")),
        ),
        oid::ECDSA_PLAIN_RIPEMD160 | oid::RSA_WITH_RIPEMD160 => Err(AlgorithmProblem::NotAllowed(
            format!("{algorithm} (RIPEMD-160)"),
        )),
        oid::DSA_WITH_SHA1 => Ok(SignatureScheme::Dsa { hash: Sha1 }),
        oid::DSA_WITH_SHA224 => Ok(SignatureScheme::Dsa { hash: Sha224 }),
        oid::DSA_WITH_SHA256 => Ok(SignatureScheme::Dsa { hash: Sha256 }),
        other => Err(AlgorithmProblem::Unsupported(format!(
            "unknown signature algorithm {other}"
        ))),
    }
}

/// Parse RSASSA-PSS-params (RFC 4055): defaults SHA-1, MGF1-SHA-1, salt 20, trailer 1.
fn parse_pss_params(params: Option<&[u8]>) -> Result<SignatureScheme, AlgorithmProblem> {
    let bad = |s: &str| AlgorithmProblem::Malformed(format!("RSASSA-PSS-params: {s}"));
    let mut hash = HashAlg::Sha1;
    let mut mgf1_hash = HashAlg::Sha1;
    let mut salt_len: usize = 20;
    let p = match params {
        None | Some([0x05, 0x00]) => &[][..],
        Some(p) => {
            let t = emrtd_tlv::parse_exact(p).map_err(|e| bad(&e.to_string()))?;
            if t.tag != 0x30 {
                return Err(bad("not a SEQUENCE"));
            }
            t.value
        }
    };
    let hash_of = |alg: &[u8]| -> Result<HashAlg, AlgorithmProblem> {
        let (oid, _) = alg_id(alg).ok_or_else(|| bad("bad AlgorithmIdentifier"))?;
        HashAlg::from_object_id(oid)
            .ok_or_else(|| AlgorithmProblem::NotAllowed(format!("PSS hash {oid}")))
    };
    for field in emrtd_tlv::parse_all(p).map_err(|e| bad(&e.to_string()))? {
        match field.tag {
            0xA0 => hash = hash_of(field.value)?,
            0xA1 => {
                let (oid, mgf_params) =
                    alg_id(field.value).ok_or_else(|| bad("bad maskGenAlgorithm"))?;
                if oid != oid::MGF1 {
                    return Err(AlgorithmProblem::Unsupported(format!(
                        "mask generation {oid}"
                    )));
                }
                mgf1_hash = hash_of(mgf_params.ok_or_else(|| bad("MGF1 without hash"))?)?;
            }
            0xA2 => {
                let i = emrtd_tlv::parse_exact(field.value).map_err(|e| bad(&e.to_string()))?;
                if i.tag != 0x02
                    || i.value.len() > 4
                    || i.value.first().is_some_and(|b| b & 0x80 != 0)
                {
                    return Err(bad("saltLength"));
                }
                salt_len = i
                    .value
                    .iter()
                    .fold(0usize, |a, b| (a << 8) | usize::from(*b));
            }
            0xA3 => {
                let i = emrtd_tlv::parse_exact(field.value).map_err(|e| bad(&e.to_string()))?;
                if i.value != [1] {
                    return Err(AlgorithmProblem::Unsupported(
                        "PSS trailer field other than 1".into(),
                    ));
                }
            }
            t => return Err(bad(&format!("unexpected field {t:X}"))),
        }
    }
    Ok(SignatureScheme::RsaPss {
        hash,
        mgf1_hash,
        salt_len,
    })
}

/// `(oid, raw parameters)` of an AlgorithmIdentifier TLV (DER).
fn alg_id(der: &[u8]) -> Option<(ObjectIdentifier, Option<&[u8]>)> {
    let seq = emrtd_tlv::parse_exact(der).ok()?;
    if seq.tag != 0x30 {
        return None;
    }
    let (o, rest) = emrtd_tlv::parse_one(seq.value).ok()?;
    if o.tag != 0x06 {
        return None;
    }
    Some((
        ObjectIdentifier::from_bytes(o.value).ok()?,
        (!rest.is_empty()).then_some(rest),
    ))
}

/// Named elliptic curves with RustCrypto implementations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NistCurve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
}

/// An elliptic curve: a RustCrypto NIST curve, or any prime curve (standardized or explicit
/// parameters) handled by the generic arithmetic of `emrtd_crypto::pk`.
// Not #[non_exhaustive]: closed by design: every other curve is a `Prime` curve on the generic arithmetic.
#[derive(Debug, Clone)]
pub enum Curve {
    /// A NIST curve with its RustCrypto implementation.
    Nist(NistCurve),
    /// Any other prime curve, on the project's own arithmetic.
    Prime(Arc<EcCurve>),
}

/// A public key from a SubjectPublicKeyInfo.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PublicKey {
    /// An RSA key.
    Rsa(rsa::RsaPublicKey),
    /// An elliptic-curve key.
    Ec {
        /// The key's curve.
        curve: Curve,
        /// The public point, SEC 1 encoded as the certificate carries it.
        point: Vec<u8>,
    },
    /// A DSA key.
    Dsa(Box<dsa::VerifyingKey>),
}

/// Largest RSA modulus accepted (bits); verification cost grows with it.
pub const MAX_RSA_BITS: usize = 16384;

/// Largest DSA prime p accepted (bits; FIPS 186-4 stops at 3072).
pub const MAX_DSA_BITS: usize = 4096;

impl PublicKey {
    /// Decode a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, String> {
        let spki = spki::SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| format!("SubjectPublicKeyInfo: {e}"))?;
        let key_bytes = spki
            .subject_public_key
            .as_bytes()
            .ok_or("public key BIT STRING has unused bits")?;
        match spki.algorithm.oid {
            oid::RSA_ENCRYPTION | oid::RSASSA_PSS => {
                let k = rsa::pkcs1::RsaPublicKey::from_der(key_bytes)
                    .map_err(|e| format!("RSA public key: {e}"))?;
                let n = rsa::BigUint::from_bytes_be(k.modulus.as_bytes());
                let e = rsa::BigUint::from_bytes_be(k.public_exponent.as_bytes());
                rsa::RsaPublicKey::new_with_max_size(n, e, MAX_RSA_BITS)
                    .map(PublicKey::Rsa)
                    .map_err(|e| format!("RSA public key: {e}"))
            }
            oid::EC_PUBLIC_KEY => {
                let params = spki
                    .algorithm
                    .parameters
                    .ok_or("EC public key without domain parameters")?;
                let params = params.to_der().map_err(|e| e.to_string())?;
                let curve = curve_from_params(&params)?;
                Ok(PublicKey::Ec {
                    curve,
                    point: key_bytes.to_vec(),
                })
            }
            oid::DSA => {
                // Check the sizes before any arithmetic: the key check raises y to the power q
                // modulo p.
                let params = spki
                    .algorithm
                    .parameters
                    .ok_or("DSA public key without domain parameters (p, q, g)")?
                    .to_der()
                    .map_err(|e| e.to_string())?;
                let bits = |v: &[u8]| {
                    let v = &v[v.iter().position(|b| *b != 0).unwrap_or(v.len())..];
                    v.len() * 8
                };
                let bad = || "DSA parameters are not a SEQUENCE of p, q, g".to_string();
                let seq = emrtd_tlv::parse_exact(&params).map_err(|_| bad())?;
                let ints = emrtd_tlv::parse_all(seq.value).map_err(|_| bad())?;
                let [p, q, _g] = ints.as_slice() else {
                    return Err(bad());
                };
                if bits(p.value) > MAX_DSA_BITS
                    || bits(q.value) > 512
                    || bits(key_bytes) > MAX_DSA_BITS + 64
                {
                    return Err(format!(
                        "DSA key larger than {MAX_DSA_BITS} bits (p) or 512 bits (q)"
                    ));
                }
                dsa::VerifyingKey::try_from(spki)
                    .map(|k| PublicKey::Dsa(Box::new(k)))
                    .map_err(|e| format!("DSA public key: {e}"))
            }
            other => Err(format!("unsupported public key algorithm {other}")),
        }
    }

    /// Human description: `"RSA-4096"`, `"EC P-256"`, `"EC brainpoolP256r1 (explicit parameters)"`.
    pub fn describe(&self) -> String {
        use rsa::traits::PublicKeyParts;
        match self {
            PublicKey::Rsa(k) => format!("RSA-{}", k.n().bits()),
            PublicKey::Dsa(k) => format!("DSA-{}", k.components().p().bits()),
            PublicKey::Ec { curve, .. } => match curve {
                Curve::Nist(NistCurve::P256) => "EC P-256".into(),
                Curve::Nist(NistCurve::P384) => "EC P-384".into(),
                Curve::Nist(NistCurve::P521) => "EC P-521".into(),
                Curve::Prime(c) if c.standardized_id().is_some() => format!("EC {}", c.name()),
                Curve::Prime(c) => match identify(c) {
                    Some(name) => format!("EC {name} (explicit parameters)"),
                    None => format!(
                        "EC {}-bit prime curve (explicit parameters)",
                        c.field_bits()
                    ),
                },
            },
        }
    }
}

/// Standardized curves of ICAO 9303-11 §9.5.1, built once.
fn standardized_curves() -> &'static [EcCurve] {
    static CURVES: OnceLock<Vec<EcCurve>> = OnceLock::new();
    CURVES.get_or_init(|| {
        (8..=18)
            .filter_map(|id| match Group::standardized(id) {
                Ok(Group::Ec(c)) => Some(c),
                _ => None,
            })
            .collect()
    })
}

/// Name of the standardized curve with the same parameters, if any.
fn identify(c: &EcCurve) -> Option<&'static str> {
    standardized_curves()
        .iter()
        .find(|s| s.same_parameters(c))
        .map(|s| s.name())
}

/// ICAO 9303-11 standardized domain parameter id (8–18) of a named-curve OID (dotted).
pub fn standardized_id_of(oid: &str) -> Option<u8> {
    dotted_oid(oid).and_then(standardized_id_of_curve)
}

/// ICAO 9303-11 standardized domain parameter id (8–18) of a named-curve OID.
pub fn standardized_id_of_curve(curve: ObjectIdentifier) -> Option<u8> {
    Some(match curve {
        oid::SECP192R1 => 8,
        oid::BRAINPOOL_P192R1 => 9,
        oid::SECP224R1 => 10,
        oid::BRAINPOOL_P224R1 => 11,
        oid::SECP256R1 => 12,
        oid::BRAINPOOL_P256R1 => 13,
        oid::BRAINPOOL_P320R1 => 14,
        oid::SECP384R1 => 15,
        oid::BRAINPOOL_P384R1 => 16,
        oid::BRAINPOOL_P512R1 => 17,
        oid::SECP521R1 => 18,
        _ => return None,
    })
}

/// ECParameters: a named-curve OID or explicit SpecifiedECDomain (RFC 3279).
fn curve_from_params(der: &[u8]) -> Result<Curve, String> {
    let t = emrtd_tlv::parse_exact(der).map_err(|e| format!("EC parameters: {e}"))?;
    match t.tag {
        0x06 => {
            let oid =
                ObjectIdentifier::from_bytes(t.value).map_err(|_| "EC parameters: bad OID")?;
            match standardized_id_of_curve(oid) {
                Some(12) => Ok(Curve::Nist(NistCurve::P256)),
                Some(15) => Ok(Curve::Nist(NistCurve::P384)),
                Some(18) => Ok(Curve::Nist(NistCurve::P521)),
                Some(id) => standardized_curves()
                    .iter()
                    .find(|c| c.standardized_id() == Some(id))
                    .map(|c| Curve::Prime(Arc::new(c.clone())))
                    .ok_or_else(|| format!("named curve {oid} is not available")),
                None => Err(format!("unsupported named curve {oid}")),
            }
        }
        0x30 => explicit_curve(der).map(Curve::Prime),
        0x05 => Err("EC key inherits its parameters (implicitlyCA), which is not supported".into()),
        other => Err(format!("EC parameters: unexpected tag {other:X}")),
    }
}

/// Explicit parameters, validated once and cached (a few distinct sets occur in practice; each
/// validation costs a scalar multiplication).
fn explicit_curve(der: &[u8]) -> Result<Arc<EcCurve>, String> {
    const MAX_CACHED: usize = 64;
    type Cache = Mutex<Vec<(Vec<u8>, Arc<EcCurve>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
    if let Ok(c) = cache.lock() {
        if let Some((_, curve)) = c.iter().find(|(k, _)| k == der) {
            return Ok(curve.clone());
        }
    }
    let t = emrtd_tlv::parse_exact(der).map_err(|e| format!("EC parameters: {e}"))?;
    let curve = Arc::new(parse_specified_domain(t.value)?);
    if let Ok(mut c) = cache.lock() {
        if c.len() < MAX_CACHED {
            c.push((der.to_vec(), curve.clone()));
        }
    }
    Ok(curve)
}

/// SpecifiedECDomain ::= SEQUENCE { version, fieldID, curve, base, order, cofactor OPTIONAL }
pub fn parse_specified_domain(body: &[u8]) -> Result<EcCurve, String> {
    let bad = |s: &str| format!("explicit EC parameters: {s}");
    let items = emrtd_tlv::parse_all(body).map_err(|e| bad(&e.to_string()))?;
    let get = |i: usize, tag: u32, what: &str| -> Result<&[u8], String> {
        match items.get(i) {
            Some(t) if t.tag == tag => Ok(t.value),
            _ => Err(bad(what)),
        }
    };
    get(0, 0x02, "version")?;
    let field = emrtd_tlv::parse_all(get(1, 0x30, "fieldID")?).map_err(|e| bad(&e.to_string()))?;
    let p = match (field.first(), field.get(1)) {
        (Some(o), Some(p)) if o.tag == 0x06 && p.tag == 0x02 => {
            if ObjectIdentifier::from_bytes(o.value).ok() != Some(oid::PRIME_FIELD) {
                return Err(bad("only prime fields are supported"));
            }
            p.value
        }
        _ => return Err(bad("fieldID")),
    };
    let curve = emrtd_tlv::parse_all(get(2, 0x30, "curve")?).map_err(|e| bad(&e.to_string()))?;
    let (a, b) = match (curve.first(), curve.get(1)) {
        (Some(a), Some(b)) if a.tag == 0x04 && b.tag == 0x04 => (a.value, b.value),
        _ => return Err(bad("curve coefficients")),
    };
    let base = get(3, 0x04, "base point")?;
    let n = get(4, 0x02, "order")?;
    let h = match items.get(5) {
        Some(t) if t.tag == 0x02 => t.value,
        Some(_) => return Err(bad("cofactor")),
        None => &[1][..],
    };
    let flen = p.iter().skip_while(|b| **b == 0).count();
    let (gx, gy) = match base.split_first() {
        Some((0x04, xy)) if xy.len() == 2 * flen => xy.split_at(flen),
        _ => return Err(bad("base point must be uncompressed")),
    };
    EcCurve::new(p, a, b, gx, gy, n, h).map_err(|e| bad(&e.to_string()))
}

fn digest_info_prefix(hash: HashAlg, with_null: bool) -> Vec<u8> {
    let oid = hash.object_id();
    let mut alg = emrtd_tlv::encode(0x06, oid.as_bytes());
    if with_null {
        alg.extend([0x05, 0x00]);
    }
    let alg = emrtd_tlv::encode(0x30, &alg);
    let hlen = hash.output_len();
    let total = alg.len() + 2 + hlen;
    let mut out = vec![0x30];
    out.extend(emrtd_tlv::encode_length(total));
    out.extend(alg);
    out.push(0x04);
    out.extend(emrtd_tlv::encode_length(hlen));
    out
}

/// Verify `signature` over `message` (hashing it as the scheme says).
///
/// ECDSA on P-256, P-384 and P-521 (named or explicit parameters) with SHA-256/384/512, and
/// RSA PKCS#1 v1.5 and PSS (salt as long as the hash) with SHA-256/384/512 and 2048–8192-bit
/// moduli, run on AWS-LC's assembly ([`verifies_on_assembly`]); the rest, and any RSA
/// signature AWS-LC rejects, on the own arithmetic of [`verify_prehashed`].
pub fn verify(
    key: &PublicKey,
    scheme: &SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    match assembly::verify(key, scheme, message, signature) {
        Some(true) => return Ok(()),
        Some(false) => {
            return Err(match scheme {
                SignatureScheme::Ecdsa { .. } => "ECDSA signature does not verify".into(),
                other => format!("{} signature does not verify", other.describe()),
            })
        }
        None => {}
    }
    let hashed = scheme.hash().digest(message);
    verify_prehashed(key, scheme, &hashed, signature)
}

/// Whether [`verify`] checks signatures of this scheme under this key on AWS-LC (assembly)
/// rather than on the own arithmetic. [`verify_prehashed`] never does. ECDSA on P-256/384/521
/// with SHA-256/384/512 and RSA 2048–8192 bits (PKCS#1 v1.5, PSS with a salt as long as the
/// hash) go to AWS-LC, measured faster than the own arithmetic there (RSA PSS 0.87–0.91×
/// OpenSSL against 1.05–1.27× on the own fixed-width path; `docs/performance.md`).
pub fn verifies_on_assembly(key: &PublicKey, scheme: &SignatureScheme) -> bool {
    assembly::applies(key, scheme)
}

/// Verify `signature` over a message whose hash (with the scheme's hash) is `hashed`.
pub fn verify_prehashed(
    key: &PublicKey,
    scheme: &SignatureScheme,
    hashed: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    match (key, scheme) {
        (PublicKey::Rsa(k), SignatureScheme::RsaPkcs1v15 { hash }) => {
            let fail = || "RSA PKCS#1 v1.5 signature does not verify".to_string();
            let em = rsa_public_op(k, signature).map_err(|e| format!("{} ({e})", fail()))?;
            // EMSA-PKCS1-v1_5 (RFC 8017 §9.2), DigestInfo with or without NULL parameters
            let matches = |with_null| {
                let prefix = digest_info_prefix(*hash, with_null);
                let t_len = prefix.len() + hashed.len();
                if prefix.is_empty() || hashed.len() != hash.output_len() || em.len() < t_len + 11 {
                    return false;
                }
                let mut expected = vec![0x00, 0x01];
                expected.resize(em.len() - t_len - 1, 0xFF);
                expected.push(0x00);
                expected.extend_from_slice(&prefix);
                expected.extend_from_slice(hashed);
                bool::from(subtle::ConstantTimeEq::ct_eq(
                    em.as_slice(),
                    expected.as_slice(),
                ))
            };
            if matches(true) || matches(false) {
                Ok(())
            } else {
                Err(fail())
            }
        }
        (
            PublicKey::Rsa(k),
            SignatureScheme::RsaPss {
                hash,
                mgf1_hash,
                salt_len,
            },
        ) => pss_verify(k, *hash, *mgf1_hash, *salt_len, hashed, signature),
        (PublicKey::Ec { curve, point }, SignatureScheme::Ecdsa { plain, .. }) => {
            let (r, s) = if *plain {
                if signature.is_empty() || signature.len() & 1 == 1 {
                    return Err("plain ECDSA signature has odd length".into());
                }
                signature.split_at(signature.len() / 2)
            } else {
                ecdsa_der_rs(signature)?
            };
            ecdsa_verify(curve, point, hashed, r, s)
        }
        (PublicKey::Dsa(k), SignatureScheme::Dsa { .. }) => {
            use dsa::signature::hazmat::PrehashVerifier;
            let sig = dsa::Signature::try_from(signature)
                .map_err(|_| "DSA signature is not a DER SEQUENCE of two INTEGERs".to_string())?;
            k.verify_prehash(hashed, &sig)
                .map_err(|_| "DSA signature does not verify".into())
        }
        (k, s) => Err(format!(
            "key type {} cannot verify {}",
            k.describe(),
            s.describe()
        )),
    }
}

/// `(r, s)` of a DER `ECDSA-Sig-Value`, as unsigned big-endian bytes.
fn ecdsa_der_rs(sig: &[u8]) -> Result<(&[u8], &[u8]), String> {
    let bad = || "ECDSA signature is not a DER SEQUENCE of two INTEGERs".to_string();
    let seq = emrtd_tlv::parse_exact(sig).map_err(|_| bad())?;
    if seq.tag != 0x30 {
        return Err(bad());
    }
    let (r, rest) = emrtd_tlv::parse_one(seq.value).map_err(|_| bad())?;
    let s = emrtd_tlv::parse_exact(rest).map_err(|_| bad())?;
    for t in [&r, &s] {
        if t.tag != 0x02 || t.value.first().is_none_or(|b| b & 0x80 != 0) {
            return Err("ECDSA r or s is not a positive INTEGER".into());
        }
    }
    Ok((r.value, s.value))
}

fn ecdsa_verify(
    curve: &Curve,
    point: &[u8],
    hashed: &[u8],
    r: &[u8],
    s: &[u8],
) -> Result<(), String> {
    // Every curve, NIST ones included, goes through `emrtd_crypto::pk`: fixed-width wNAF for
    // the named curves, and SEC 1 truncation of any hash length (the `ecdsa` crate refuses a
    // hash shorter than half the field size, e.g. SHA-256 with P-521).
    match curve {
        Curve::Nist(nist) => {
            let id = match nist {
                NistCurve::P256 => 12,
                NistCurve::P384 => 15,
                NistCurve::P521 => 18,
            };
            let c = standardized_curves()
                .iter()
                .find(|c| c.standardized_id() == Some(id))
                .ok_or("standardized curve unavailable")?;
            generic_ecdsa_verify(c, point, hashed, r, s)
        }
        Curve::Prime(c) => generic_ecdsa_verify(c, point, hashed, r, s),
    }
}

/// ECDSA verification (SEC 1 §4.1.4) with `emrtd_crypto::pk`: fixed-width arithmetic for
/// curves it knows by their parameters (also when given explicitly), generic otherwise.
fn generic_ecdsa_verify(
    curve: &EcCurve,
    point: &[u8],
    hashed: &[u8],
    r: &[u8],
    s: &[u8],
) -> Result<(), String> {
    let q = curve
        .decode_point(point)
        .map_err(|e| format!("public key: {e}"))?;
    if curve.ecdsa_verify_prehashed(&q, hashed, r, s) {
        Ok(())
    } else {
        Err("ECDSA signature does not verify".into())
    }
}

/// RSAVP1 with the fixed-width arithmetic of `emrtd_crypto::pk::rsa`: `k` octets.
fn rsa_public_op(
    key: &rsa::RsaPublicKey,
    signature: &[u8],
) -> Result<Vec<u8>, crate::pk::rsa::RsaError> {
    use rsa::traits::PublicKeyParts;
    crate::pk::rsa::rsa_public_op(&octets_be(key.n()), &octets_be(key.e()), signature)
}

/// The big-endian octets of `x` without leading zeros, from its digits (`to_bytes_be` goes
/// through a generic bit packer: about 1 % of a 2048-bit verification).
fn octets_be(x: &rsa::BigUint) -> Vec<u8> {
    let bits = x.bits();
    if bits == 0 {
        return Vec::new();
    }
    let digit_octets = x.get_limb(0).to_be_bytes().len();
    let digits = bits.div_ceil(8 * digit_octets);
    let mut out = Vec::with_capacity(digits * digit_octets);
    for i in (0..digits).rev() {
        out.extend_from_slice(&x.get_limb(i).to_be_bytes());
    }
    out.drain(..out.len() - bits.div_ceil(8));
    out
}

/// EMSA-PSS-VERIFY (RFC 8017 §9.1.2) after the RSA public operation.
fn pss_verify(
    key: &rsa::RsaPublicKey,
    hash: HashAlg,
    mgf1_hash: HashAlg,
    salt_len: usize,
    m_hash: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    use rsa::traits::PublicKeyParts;
    let fail = |why: &str| Err(format!("RSASSA-PSS signature does not verify ({why})"));
    let k = key.size();
    if signature.len() != k {
        return fail("signature length differs from the modulus length");
    }
    let m = match rsa_public_op(key, signature) {
        Ok(m) => m,
        Err(_) => return fail("signature representative out of range"),
    };
    let mod_bits = key.n().bits();
    let em_bits = mod_bits - 1;
    let em_len = em_bits.div_ceil(8);
    // I2OSP(m, em_len): m has k ≥ em_len octets; the extra leading octet must be zero
    let (extra, em) = m.split_at(m.len() - em_len);
    if extra.iter().any(|b| *b != 0) {
        return fail("encoded message too long");
    }
    let h_len = hash.output_len();
    if m_hash.len() != h_len || em_len < h_len + salt_len + 2 {
        return fail("inconsistent lengths");
    }
    if em.last() != Some(&0xBC) {
        return fail("trailer is not 0xBC");
    }
    let db_len = em_len - h_len - 1;
    let (masked_db, rest) = em.split_at(db_len);
    let h = &rest[..h_len];
    let top_bits = 8 * em_len - em_bits;
    let top_mask = 0xFFu8.checked_shl(8 - top_bits as u32).unwrap_or(0);
    if masked_db.first().is_some_and(|b| b & top_mask != 0) {
        return fail("leftmost bits not zero");
    }
    let mask = mgf1(mgf1_hash, h, db_len);
    let mut db: Vec<u8> = masked_db.iter().zip(&mask).map(|(a, b)| a ^ b).collect();
    if let Some(b) = db.first_mut() {
        *b &= 0xFFu8 >> top_bits;
    }
    let ps_len = em_len - h_len - salt_len - 2;
    if db[..ps_len].iter().any(|b| *b != 0) || db[ps_len] != 0x01 {
        return fail("padding or salt length wrong");
    }
    let salt = &db[db_len - salt_len..];
    let h2 = hash.digest_parts(&[&[0u8; 8], m_hash, salt]);
    if subtle::ConstantTimeEq::ct_eq(h, h2.as_slice()).into() {
        Ok(())
    } else {
        fail("hash mismatch")
    }
}

fn mgf1(hash: HashAlg, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + hash.output_len());
    let mut counter: u32 = 0;
    while out.len() < len {
        out.extend(hash.digest_parts(&[seed, &counter.to_be_bytes()]));
        counter = counter.wrapping_add(1);
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use emrtd_tlv::encode as tlv;

    #[test]
    fn fuzz_regression_an_oid_arc_beyond_32_bits_is_refused_not_a_panic() {
        // Found by fuzz target `sod`: a SignerInfo whose signature algorithm OID has an arc
        // that overflowed const-oid's parser (the dotted form made from the chip's DER).
        for oid in [
            "1.2.840.99999999999999999999",
            "1.2.4294967296",
            "2.18446744073709551616.1",
        ] {
            assert!(matches!(
                scheme_from_algorithm(oid, None, None),
                Err(AlgorithmProblem::Malformed(_))
            ));
            assert_eq!(HashAlg::from_oid(oid), None);
            assert_eq!(standardized_id_of(oid), None);
        }
        for oid in ["", ".", "1..2", "1.2.", "+1.2", "1.2.-3", "1.2.3a"] {
            assert_eq!(HashAlg::from_oid(oid), None, "{oid:?}");
        }
        // five base-128 octets (const-oid's arc iterator panics on them) are refused too;
        // the largest four-octet arc is parsed, and known OIDs still map
        assert!(matches!(
            scheme_from_algorithm("1.2.4294967295", None, None),
            Err(AlgorithmProblem::Malformed(_))
        ));
        assert!(matches!(
            scheme_from_algorithm("1.2.268435456", None, None),
            Err(AlgorithmProblem::Malformed(_))
        ));
        assert!(matches!(
            scheme_from_algorithm("1.2.268435455", None, None),
            Err(AlgorithmProblem::Unsupported(_))
        ));
        assert_eq!(
            HashAlg::from_oid("2.16.840.1.101.3.4.2.1"),
            Some(HashAlg::Sha256)
        );
        assert_eq!(standardized_id_of("1.3.36.3.3.2.8.1.1.7"), Some(13));
    }

    #[test]
    fn modulus_octets_from_digits_equal_num_bigint_to_bytes_be() {
        let mut values = vec![
            rsa::BigUint::from(1u32),
            rsa::BigUint::from(3u32),
            rsa::BigUint::from(65537u32),
            rsa::BigUint::from(u64::MAX),
            rsa::BigUint::from(u64::MAX) + 1u32,
        ];
        for len in [1usize, 7, 8, 9, 255, 256, 257, 512] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 73 + 41) as u8 | 1).collect();
            values.push(rsa::BigUint::from_bytes_be(&bytes));
        }
        for v in &values {
            assert_eq!(octets_be(v), v.to_bytes_be(), "{v}");
        }
        assert!(octets_be(&rsa::BigUint::from(0u32)).is_empty());
    }

    fn alg(oid: ObjectIdentifier, params: &[u8]) -> Vec<u8> {
        let mut body = tlv(0x06, oid.as_bytes());
        body.extend_from_slice(params);
        tlv(0x30, &body)
    }

    /// RSASSA-PSS-params with SHA-256, the given mask generation function (over SHA-256) and
    /// salt 32.
    fn pss_params(mgf: ObjectIdentifier) -> Vec<u8> {
        let sha256 = alg(oid::SHA256, &[0x05, 0x00]);
        let mut body = tlv(0xA0, &sha256);
        body.extend(tlv(0xA1, &alg(mgf, &sha256)));
        body.extend(tlv(0xA2, &tlv(0x02, &[32])));
        tlv(0x30, &body)
    }

    #[test]
    fn pss_with_mgf1_is_read_from_its_typed_oid() {
        let scheme =
            scheme_from_object_id(oid::RSASSA_PSS, Some(&pss_params(oid::MGF1)), None).unwrap();
        assert_eq!(
            scheme,
            SignatureScheme::RsaPss {
                hash: HashAlg::Sha256,
                mgf1_hash: HashAlg::Sha256,
                salt_len: 32
            }
        );
        // The dotted entry point parses into the same typed OID.
        assert_eq!(
            scheme_from_algorithm("1.2.840.113549.1.1.10", Some(&pss_params(oid::MGF1)), None),
            Ok(scheme)
        );
    }

    #[test]
    fn pss_with_another_mask_generation_function_is_unsupported() {
        // id-pSpecified (1.2.840.113549.1.1.9) is an OAEP parameter, not a mask generation
        // function; it differs from id-mgf1 only in the last arc.
        let other = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.9");
        assert!(matches!(
            scheme_from_object_id(oid::RSASSA_PSS, Some(&pss_params(other)), None),
            Err(AlgorithmProblem::Unsupported(m)) if m.contains("1.2.840.113549.1.1.9")
        ));
    }

    #[test]
    fn a_dotted_string_that_is_no_oid_is_malformed_not_unknown() {
        assert!(matches!(
            scheme_from_algorithm("1.2.840.113549.1.1.11 ", None, None),
            Err(AlgorithmProblem::Malformed(_))
        ));
        assert_eq!(HashAlg::from_oid("2.16.840.1.101.3.4.2.1x"), None);
    }

    #[test]
    fn hash_oids_agree_in_both_forms() {
        for h in [
            HashAlg::Sha1,
            HashAlg::Sha224,
            HashAlg::Sha256,
            HashAlg::Sha384,
            HashAlg::Sha512,
        ] {
            assert_eq!(h.object_id().to_string(), h.oid());
            assert_eq!(HashAlg::from_oid(h.oid()), Some(h));
            assert_eq!(HashAlg::from_object_id(h.object_id()), Some(h));
        }
    }

    #[test]
    fn named_curves_map_to_their_standardized_ids() {
        assert_eq!(standardized_id_of("1.3.36.3.3.2.8.1.1.7"), Some(13));
        assert_eq!(standardized_id_of_curve(oid::SECP521R1), Some(18));
        assert_eq!(standardized_id_of("1.3.132.0.10"), None); // secp256k1: not ICAO
        assert_eq!(standardized_id_of("not an oid"), None);
    }
}
