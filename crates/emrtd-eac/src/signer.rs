//! Terminal signing keys: the [`TerminalSigner`] trait (so that an HSM can sign) and
//! [`Pkcs8Signer`], a key from a PKCS#8 file (DER or PEM): RSA (PKCS#1 v1.5 or PSS, through
//! `rsa`, blinded) and ECDSA (RustCrypto for P-256/P-384/P-521, the generic prime-curve code
//! for brainpool and explicit-parameter keys), producing TR-03110 signatures (plain `r ‖ s`).

use crate::algorithm::{HashAlg, TaAlgorithm};
use crate::cert::{EcDomain, KeyData};
use emrtd_crypto::pk::{EcCurve, Group};
use emrtd_crypto::sig;
use rand_core::CryptoRngCore;
use std::sync::Mutex;
use zeroize::Zeroizing;

/// Why a key cannot be loaded or cannot sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignerError {
    /// The key is not a PKCS#8 private key.
    #[error("not a PKCS#8 private key: {0}")]
    Pkcs8(String),
    /// A key type or curve this signer does not support.
    #[error("unsupported private key: {0}")]
    Unsupported(String),
    /// The key cannot make signatures of the requested algorithm.
    #[error("the key is {key}, it cannot make {algorithm} signatures")]
    AlgorithmMismatch {
        /// The key type.
        key: &'static str,
        /// The algorithm requested.
        algorithm: TaAlgorithm,
    },
    /// The signing operation failed.
    #[error("signing failed: {0}")]
    Failed(String),
}

/// Signs Terminal Authentication data (and, for test PKIs, certificate bodies).
pub trait TerminalSigner {
    /// The algorithm of the signatures (the OID of the terminal certificate's key).
    fn algorithm(&self) -> TaAlgorithm;
    /// Sign `data` (the signer hashes it), returning the signature in TR-03110 format.
    fn sign(&self, data: &[u8]) -> Result<Vec<u8>, SignerError>;
}

enum Key {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ec {
        curve: Box<EcCurve>,
        d: Zeroizing<Vec<u8>>,
    },
}

/// A private key from a PKCS#8 file, with the algorithm to use and an injected RNG (ECDSA
/// nonces, PSS salts, RSA blinding).
pub struct Pkcs8Signer {
    key: Key,
    algorithm: TaAlgorithm,
    rng: Mutex<Box<dyn CryptoRngCore + Send>>,
}

impl std::fmt::Debug for Pkcs8Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pkcs8Signer({}, <secret>)", self.algorithm)
    }
}

const ID_EC_PUBLIC_KEY: [u8; 7] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const ID_RSA: [u8; 9] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
fn bad(why: &str) -> SignerError {
    SignerError::Pkcs8(why.to_string())
}

fn tlv<'a>(
    input: &'a [u8],
    tag: u32,
    what: &str,
) -> Result<(emrtd_tlv::TlvRef<'a>, &'a [u8]), SignerError> {
    let (t, rest) = emrtd_tlv::parse_one(input).map_err(|e| bad(&format!("{what}: {e}")))?;
    if t.tag != tag {
        return Err(bad(&format!(
            "{what}: expected tag {tag:02X}, found {:02X}",
            t.tag
        )));
    }
    Ok((t, rest))
}

fn strip_int(v: &[u8]) -> &[u8] {
    let first = v
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(v.len().saturating_sub(1));
    &v[first..]
}

/// Named-curve OID (value bytes) → curve of ICAO 9303-11 §9.5.1.
fn named_curve(oid: &[u8]) -> Result<EcCurve, SignerError> {
    let dotted = crate::algorithm::oid_to_string(oid);
    let id = sig::standardized_id_of(&dotted)
        .ok_or_else(|| SignerError::Unsupported(format!("named curve {dotted}")))?;
    match Group::standardized(u32::from(id)) {
        Ok(Group::Ec(c)) => Ok(c),
        _ => Err(SignerError::Unsupported("named curve".into())),
    }
}

/// RustCrypto-implemented curves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nist {
    P256,
    P384,
    P521,
}

/// Identify a standardized NIST curve (ids of ICAO 9303-11 §9.5.1).
pub(crate) fn nist_of(curve: &EcCurve) -> Option<Nist> {
    match Group::Ec(curve.clone()).identify() {
        Some(12) => Some(Nist::P256),
        Some(15) => Some(Nist::P384),
        Some(18) => Some(Nist::P521),
        _ => None,
    }
}

pub(crate) fn pkcs1v15(h: HashAlg) -> rsa::Pkcs1v15Sign {
    match h {
        HashAlg::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
        HashAlg::Sha224 => rsa::Pkcs1v15Sign::new::<sha2::Sha224>(),
        HashAlg::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
        HashAlg::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
        HashAlg::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
    }
}

impl Pkcs8Signer {
    /// Load a PKCS#8 `PrivateKeyInfo` (DER) to sign with `algorithm`, which must suit the key
    /// (RSA algorithms for RSA keys, ECDSA for EC keys).
    pub fn from_pkcs8_der(
        der: &[u8],
        algorithm: TaAlgorithm,
        rng: Box<dyn CryptoRngCore + Send>,
    ) -> Result<Pkcs8Signer, SignerError> {
        let (pki, _) = tlv(der, 0x30, "PrivateKeyInfo")?;
        let (_version, rest) = tlv(pki.value, 0x02, "version")?;
        let (alg, rest) = tlv(rest, 0x30, "AlgorithmIdentifier")?;
        let (alg_oid, params) = tlv(alg.value, 0x06, "algorithm")?;
        let key = if alg_oid.value == ID_RSA {
            use rsa::pkcs8::DecodePrivateKey;
            if algorithm.is_ecdsa() {
                return Err(SignerError::AlgorithmMismatch {
                    key: "RSA",
                    algorithm,
                });
            }
            let k = rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(|e| bad(&e.to_string()))?;
            Key::Rsa(Box::new(k))
        } else if alg_oid.value == ID_EC_PUBLIC_KEY {
            if !algorithm.is_ecdsa() {
                return Err(SignerError::AlgorithmMismatch {
                    key: "EC",
                    algorithm,
                });
            }
            let p =
                emrtd_tlv::parse_exact(params).map_err(|e| bad(&format!("EC parameters: {e}")))?;
            let curve = match p.tag {
                0x06 => named_curve(p.value)?,
                0x30 => sig::parse_specified_domain(p.value).map_err(SignerError::Unsupported)?,
                _ => {
                    return Err(SignerError::Unsupported(
                        "implicitly-CA EC parameters".into(),
                    ))
                }
            };
            let (octets, _) = tlv(rest, 0x04, "privateKey")?;
            let (ecpk, _) = tlv(octets.value, 0x30, "ECPrivateKey")?;
            let (_v, erest) = tlv(ecpk.value, 0x02, "ECPrivateKey version")?;
            let (d, _) = tlv(erest, 0x04, "ECPrivateKey privateKey")?;
            let d = Zeroizing::new(d.value.to_vec());
            curve
                .scalar_from_bytes(&d)
                .map_err(|_| bad("the private scalar is not in [1, n-1]"))?;
            Key::Ec {
                curve: Box::new(curve),
                d,
            }
        } else {
            return Err(SignerError::Unsupported(format!(
                "key algorithm {}",
                crate::algorithm::oid_to_string(alg_oid.value)
            )));
        };
        Ok(Pkcs8Signer {
            key,
            algorithm,
            rng: Mutex::new(rng),
        })
    }

    /// Load a PEM `PRIVATE KEY` or DER file's content.
    pub fn from_pkcs8(
        bytes: &[u8],
        algorithm: TaAlgorithm,
        rng: Box<dyn CryptoRngCore + Send>,
    ) -> Result<Pkcs8Signer, SignerError> {
        if bytes.starts_with(b"-----BEGIN") {
            let (label, der) =
                pem_rfc7468::decode_vec(bytes).map_err(|e| bad(&format!("PEM: {e}")))?;
            if label != "PRIVATE KEY" {
                return Err(bad(&format!(
                    "PEM label {label}, expected PRIVATE KEY (PKCS#8)"
                )));
            }
            let der = Zeroizing::new(der);
            Pkcs8Signer::from_pkcs8_der(&der, algorithm, rng)
        } else {
            Pkcs8Signer::from_pkcs8_der(bytes, algorithm, rng)
        }
    }
}

impl Pkcs8Signer {
    /// The public key matching the private key (for issuing its CV certificate): RSA n and e,
    /// or the EC point without domain parameters (see [`Pkcs8Signer::ec_domain`]).
    pub fn public_key_data(&self) -> Result<KeyData, SignerError> {
        match &self.key {
            Key::Rsa(k) => {
                use rsa::traits::PublicKeyParts;
                Ok(KeyData::Rsa {
                    n: k.n().to_bytes_be(),
                    e: k.e().to_bytes_be(),
                })
            }
            Key::Ec { curve, d } => {
                let s = curve
                    .scalar_from_bytes(d)
                    .map_err(|e| SignerError::Failed(e.to_string()))?;
                let q = curve
                    .mul(&curve.generator(), &s)
                    .map_err(|e| SignerError::Failed(e.to_string()))?;
                Ok(KeyData::Ec {
                    domain: None,
                    point: curve.encode_point(&q),
                })
            }
        }
    }

    /// The EC domain parameters of the key in CV form (for a CVCA certificate); `None` for RSA.
    pub fn ec_domain(&self) -> Option<EcDomain> {
        match &self.key {
            Key::Ec { curve, .. } => Some(EcDomain {
                p: curve.p(),
                a: curve.a(),
                b: curve.b(),
                g: curve.encode_point(&curve.generator()),
                r: curve.order(),
                f: Some(curve.cofactor()),
            }),
            Key::Rsa(_) => None,
        }
    }
}

fn pss_sign(h: HashAlg) -> rsa::Pss {
    match h {
        HashAlg::Sha1 => rsa::Pss::new::<sha1::Sha1>(),
        HashAlg::Sha224 => rsa::Pss::new::<sha2::Sha224>(),
        HashAlg::Sha256 => rsa::Pss::new::<sha2::Sha256>(),
        HashAlg::Sha384 => rsa::Pss::new::<sha2::Sha384>(),
        HashAlg::Sha512 => rsa::Pss::new::<sha2::Sha512>(),
    }
}

impl TerminalSigner for Pkcs8Signer {
    fn algorithm(&self) -> TaAlgorithm {
        self.algorithm
    }

    fn sign(&self, data: &[u8]) -> Result<Vec<u8>, SignerError> {
        let hashed = self.algorithm.hash().digest(data);
        let mut guard = self
            .rng
            .lock()
            .map_err(|_| SignerError::Failed("random generator lock poisoned".into()))?;
        let rng: &mut dyn CryptoRngCore = &mut **guard;
        let fail = |e: String| SignerError::Failed(e);
        match (&self.key, self.algorithm) {
            (Key::Rsa(k), TaAlgorithm::RsaPkcs1v15(h)) => k
                .sign_with_rng(&mut &mut *rng, pkcs1v15(h.into()), &hashed)
                .map_err(|e| fail(e.to_string())),
            (Key::Rsa(k), TaAlgorithm::RsaPss(h)) => {
                let h = HashAlg::from(h);
                // EMSA-PSS needs emLen = ⌈(modBits − 1)/8⌉ ≥ hLen + sLen + 2 (RFC 8017 §9.1.1).
                let min_bits = 8 * (2 * h.output_len() + 1) + 2;
                if rsa::traits::PublicKeyParts::n(k.as_ref()).bits() < min_bits {
                    return Err(SignerError::Unsupported(format!(
                        "RSA-PSS with {} and a {}-byte salt needs a modulus of at least {min_bits} bits",
                        h.name(),
                        h.output_len(),
                    )));
                }
                k.sign_with_rng(&mut &mut *rng, pss_sign(h), &hashed)
                    .map_err(|e| fail(e.to_string()))
            }
            (Key::Ec { curve, d }, TaAlgorithm::Ecdsa(_)) => {
                match nist_of(curve).filter(|_| hashed.len() * 2 >= curve.field_size()) {
                    Some(n) => nist_sign(n, d, &hashed, rng),
                    None => sig::ecdsa_sign_prehashed(curve, d, &hashed, rng)
                        .ok_or_else(|| fail("ECDSA signing failed".into())),
                }
            }
            (Key::Rsa(_), algorithm) => Err(SignerError::AlgorithmMismatch {
                key: "RSA",
                algorithm,
            }),
            (Key::Ec { .. }, algorithm) => Err(SignerError::AlgorithmMismatch {
                key: "EC",
                algorithm,
            }),
        }
    }
}

fn nist_sign(
    n: Nist,
    d: &[u8],
    hashed: &[u8],
    rng: &mut dyn CryptoRngCore,
) -> Result<Vec<u8>, SignerError> {
    use ecdsa::signature::hazmat::RandomizedPrehashSigner;
    let fail = |e: ecdsa::Error| SignerError::Failed(format!("ECDSA: {e}"));
    macro_rules! s {
        ($c:ident, $len:expr) => {{
            let mut buf = Zeroizing::new([0u8; $len]);
            let v = strip_int(d);
            if v.len() > $len {
                return Err(SignerError::Failed("private scalar too long".into()));
            }
            buf[$len - v.len()..].copy_from_slice(v);
            let key = $c::ecdsa::SigningKey::from_slice(&buf[..]).map_err(fail)?;
            let sig: $c::ecdsa::Signature = key
                .sign_prehash_with_rng(&mut &mut *rng, hashed)
                .map_err(fail)?;
            Ok(sig.to_bytes().to_vec())
        }};
    }
    match n {
        Nist::P256 => s!(p256, 32),
        Nist::P384 => s!(p384, 48),
        Nist::P521 => s!(p521, 66),
    }
}
