//! Public keys of CV certificates made usable for verification, and signature verification
//! through `emrtd_crypto::sig` (RSA PKCS#1 v1.5 and PSS; ECDSA in the plain `r ‖ s` format on
//! any prime curve, brainpool and explicit parameters included).

use crate::algorithm::TaAlgorithm;
use crate::cert::{CvPublicKey, EcDomain, KeyData};
use emrtd_crypto::pk::EcCurve;
use emrtd_crypto::sig::{self, PublicKey, SignatureScheme};
use std::sync::Arc;

/// Smallest and largest RSA moduli accepted (bits).
pub const RSA_BITS: std::ops::RangeInclusive<usize> = 1024..=4096;

/// Why a public key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// An EC key without domain parameters, and none inherited from a CVCA.
    #[error("the EC public key has no domain parameters and none were inherited from a CVCA")]
    NoDomainParameters,
    /// The EC domain parameters do not make a valid curve.
    #[error("invalid EC domain parameters: {0}")]
    Domain(String),
    /// The EC public point is not on the curve.
    #[error("the EC public point is not a valid point of the curve: {0}")]
    Point(String),
    /// The RSA key is malformed.
    #[error("invalid RSA public key: {0}")]
    Rsa(String),
    /// The RSA modulus size is outside [`RSA_BITS`].
    #[error("RSA modulus of {0} bits is outside 1024–4096")]
    RsaSize(usize),
}

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The signature does not verify.
    #[error("{algorithm} signature does not verify")]
    Invalid {
        /// The algorithm it was checked with.
        algorithm: TaAlgorithm,
    },
    /// An ECDSA signature of the wrong length.
    #[error("ECDSA signature must be r ‖ s of {expected} bytes, found {found}")]
    Length {
        /// The length of `r ‖ s`, in bytes.
        expected: usize,
        /// The length found.
        found: usize,
    },
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
// Not #[non_exhaustive]: TR-03110 terminal keys are RSA or EC, nothing else.
#[derive(Debug, Clone)]
pub enum VerifyingKey {
    /// An RSA key.
    Rsa {
        /// The algorithm it verifies.
        algorithm: TaAlgorithm,
        /// The public key.
        key: rsa::RsaPublicKey,
    },
    /// An EC key on its curve.
    Ec {
        /// The algorithm it verifies.
        algorithm: TaAlgorithm,
        /// The curve.
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
        let invalid = SignatureError::Invalid { algorithm };
        let scheme = scheme_of(algorithm);
        let key = match self {
            VerifyingKey::Rsa { key, .. } => {
                if algorithm.is_ecdsa() {
                    return Err(invalid);
                }
                PublicKey::Rsa(key.clone())
            }
            VerifyingKey::Ec { curve, point, .. } => {
                let expected = 2 * curve.order_size();
                if signature.len() != expected {
                    return Err(SignatureError::Length {
                        expected,
                        found: signature.len(),
                    });
                }
                PublicKey::Ec {
                    curve: sig::Curve::Prime(curve.clone()),
                    point: point.clone(),
                }
            }
        };
        sig::verify(&key, &scheme, message, signature).map_err(|_| invalid)
    }
}

/// The signature scheme of a Terminal Authentication algorithm: PSS with MGF1 of the same hash
/// and a salt as long as the hash (TR-03110-3 §A.7.3.1), ECDSA in the plain format.
pub fn scheme_of(algorithm: TaAlgorithm) -> SignatureScheme {
    match algorithm {
        TaAlgorithm::RsaPkcs1v15(h) => SignatureScheme::RsaPkcs1v15 { hash: h.into() },
        TaAlgorithm::RsaPss(h) => {
            let hash = h.into();
            SignatureScheme::RsaPss {
                hash,
                mgf1_hash: hash,
                salt_len: sig::HashAlg::output_len(hash),
            }
        }
        TaAlgorithm::Ecdsa(hash) => SignatureScheme::Ecdsa { hash, plain: true },
    }
}
