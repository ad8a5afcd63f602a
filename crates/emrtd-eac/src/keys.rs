//! Public keys of CV certificates made usable for verification, and signature verification
//! (RSA PKCS#1 v1.5 and PSS through `rsa`; ECDSA in the plain `r ‖ s` format through
//! RustCrypto for P-256/P-384/P-521 and through the generic prime-curve arithmetic of
//! `emrtd-crypto` for every other curve, brainpool included).

use crate::algorithm::{HashAlg, TaAlgorithm};
use crate::cert::{CvPublicKey, EcDomain, KeyData};
use crate::ecdsa_generic;
use emrtd_crypto::pk::{EcCurve, Group};
use std::sync::Arc;

/// Smallest and largest RSA moduli accepted (bits).
pub const RSA_BITS: std::ops::RangeInclusive<usize> = 1024..=4096;

/// Why a public key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the EC public key has no domain parameters and none were inherited from a CVCA")]
    NoDomainParameters,
    #[error("invalid EC domain parameters: {0}")]
    Domain(String),
    #[error("the EC public point is not a valid point of the curve: {0}")]
    Point(String),
    #[error("invalid RSA public key: {0}")]
    Rsa(String),
    #[error("RSA modulus of {0} bits is outside 1024–4096")]
    RsaSize(usize),
}

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("{algorithm} signature does not verify")]
    Invalid { algorithm: TaAlgorithm },
    #[error("ECDSA signature must be r ‖ s of {expected} bytes, found {found}")]
    Length { expected: usize, found: usize },
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

/// Build a curve from CV domain parameters.
pub fn curve_from_domain(d: &EcDomain) -> Result<EcCurve, KeyError> {
    let g = &d.g;
    if g.first() != Some(&0x04) || g.len() % 2 != 1 || g.len() < 3 {
        return Err(KeyError::Domain(
            "the base point must be uncompressed (04 ‖ X ‖ Y)".into(),
        ));
    }
    let l = (g.len() - 1) / 2;
    let f = d.f.clone().unwrap_or_else(|| vec![1]);
    EcCurve::new(&d.p, &d.a, &d.b, &g[1..1 + l], &g[1 + l..], &d.r, &f)
        .map_err(|e| KeyError::Domain(e.to_string()))
}

/// A public key ready to verify signatures.
#[derive(Debug, Clone)]
pub enum VerifyingKey {
    Rsa {
        algorithm: TaAlgorithm,
        key: rsa::RsaPublicKey,
    },
    Ec {
        algorithm: TaAlgorithm,
        curve: Arc<EcCurve>,
        /// Uncompressed point, validated.
        point: Vec<u8>,
    },
}

impl VerifyingKey {
    /// Resolve a CV public key. An EC key without domain parameters takes `inherited` (the
    /// CVCA's, TR-03110-3 §D.3.3); a key that carries its own uses those.
    pub fn from_cv(
        key: &CvPublicKey,
        inherited: Option<&Arc<EcCurve>>,
    ) -> Result<VerifyingKey, KeyError> {
        match &key.data {
            KeyData::Rsa { n, e } => {
                let n = rsa::BigUint::from_bytes_be(n);
                let bits = n.bits();
                if !RSA_BITS.contains(&bits) {
                    return Err(KeyError::RsaSize(bits));
                }
                if e.len() > 4 {
                    return Err(KeyError::Rsa("public exponent longer than 32 bits".into()));
                }
                let k = rsa::RsaPublicKey::new(n, rsa::BigUint::from_bytes_be(e))
                    .map_err(|err| KeyError::Rsa(err.to_string()))?;
                Ok(VerifyingKey::Rsa {
                    algorithm: key.algorithm,
                    key: k,
                })
            }
            KeyData::Ec { domain, point } => {
                let curve = match domain {
                    Some(d) => Arc::new(curve_from_domain(d)?),
                    None => inherited.cloned().ok_or(KeyError::NoDomainParameters)?,
                };
                curve
                    .decode_point(point)
                    .map_err(|e| KeyError::Point(e.to_string()))?;
                Ok(VerifyingKey::Ec {
                    algorithm: key.algorithm,
                    curve,
                    point: point.clone(),
                })
            }
        }
    }

    /// The algorithm (from the key's OID).
    pub fn algorithm(&self) -> TaAlgorithm {
        match self {
            VerifyingKey::Rsa { algorithm, .. } | VerifyingKey::Ec { algorithm, .. } => *algorithm,
        }
    }

    /// The curve of an EC key (inherited by certificates this key signs).
    pub fn curve(&self) -> Option<&Arc<EcCurve>> {
        match self {
            VerifyingKey::Ec { curve, .. } => Some(curve),
            VerifyingKey::Rsa { .. } => None,
        }
    }

    /// Verify `signature` over `message` with the key's algorithm.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
        let algorithm = self.algorithm();
        let hashed = algorithm.hash().digest(message);
        let invalid = SignatureError::Invalid { algorithm };
        match self {
            VerifyingKey::Rsa { key, .. } => {
                let r = match algorithm {
                    TaAlgorithm::RsaPkcs1v15(h) => {
                        key.verify(pkcs1v15(h.into()), &hashed, signature)
                    }
                    TaAlgorithm::RsaPss(h) => key.verify(pss_verify(h.into()), &hashed, signature),
                    TaAlgorithm::Ecdsa(_) => return Err(invalid),
                };
                r.map_err(|_| invalid)
            }
            VerifyingKey::Ec { curve, point, .. } => {
                let expected = 2 * curve.order_size();
                if signature.len() != expected {
                    return Err(SignatureError::Length {
                        expected,
                        found: signature.len(),
                    });
                }
                let (r, s) = signature.split_at(expected / 2);
                let ok = match nist_of(curve).filter(|_| hashed.len() * 2 >= curve.field_size()) {
                    Some(n) => nist_verify(n, point, &hashed, signature),
                    None => ecdsa_generic::verify(curve, point, &hashed, r, s),
                };
                if ok {
                    Ok(())
                } else {
                    Err(invalid)
                }
            }
        }
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

/// PSS with MGF1 of the same hash and a salt as long as the hash (TR-03110-3 §A.7.3.1).
pub(crate) fn pss_verify(h: HashAlg) -> rsa::Pss {
    let salt = h.output_len();
    match h {
        HashAlg::Sha1 => rsa::Pss::new_with_salt::<sha1::Sha1>(salt),
        HashAlg::Sha224 => rsa::Pss::new_with_salt::<sha2::Sha224>(salt),
        HashAlg::Sha256 => rsa::Pss::new_with_salt::<sha2::Sha256>(salt),
        HashAlg::Sha384 => rsa::Pss::new_with_salt::<sha2::Sha384>(salt),
        HashAlg::Sha512 => rsa::Pss::new_with_salt::<sha2::Sha512>(salt),
    }
}

fn nist_verify(n: Nist, point: &[u8], hashed: &[u8], sig: &[u8]) -> bool {
    use ecdsa::signature::hazmat::PrehashVerifier;
    macro_rules! v {
        ($c:ident) => {{
            let Ok(key) = $c::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
                return false;
            };
            let Ok(sig) = $c::ecdsa::Signature::from_slice(sig) else {
                return false;
            };
            key.verify_prehash(hashed, &sig).is_ok()
        }};
    }
    match n {
        Nist::P256 => v!(p256),
        Nist::P384 => v!(p384),
        Nist::P521 => v!(p521),
    }
}
