//! Chip side of Active Authentication, for the virtual chip: a private key that signs the
//! terminal's challenge (ISO/IEC 9796-2 scheme 1 with RSA, or plain ECDSA per BSI TR-03111),
//! and the public data the chip publishes (DG15 `SubjectPublicKeyInfo`, DG14
//! `ActiveAuthenticationInfo`).

use super::iso9796::{encode_representative, m1_capacity, Iso9796Trailer};
use der::Decode;
use emrtd_crypto::pk::{EcCurve, EcScalar, Group};
use emrtd_crypto::sig::{oid, parse_specified_domain, standardized_id_of_curve, HashAlg};
use emrtd_lds::security_infos::ActiveAuthenticationInfo;
use rand_core::CryptoRngCore;
use rsa::traits::PublicKeyParts;
use zeroize::Zeroizing;

/// Smallest RSA modulus accepted for a chip key (bits).
pub const MIN_RSA_BITS: usize = 1024;

/// Why a chip key cannot be loaded or cannot sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AaError {
    /// The key file is not a usable PKCS#8 private key.
    #[error("Active Authentication key: {0}")]
    InvalidKey(String),
    /// The key type or curve is not supported.
    #[error("Active Authentication key not supported: {0}")]
    UnsupportedKey(String),
    /// The key cannot produce a signature with the chosen hash.
    #[error("cannot sign: {0}")]
    Signing(String),
}

/// The private key of a chip's Active Authentication. Secrets are zeroized on drop.
pub struct AaChipKey {
    kind: Kind,
}

enum Kind {
    Rsa {
        key: Box<rsa::RsaPrivateKey>,
        trailer: Iso9796Trailer,
    },
    Ec(Box<EcKey>),
}

struct EcKey {
    curve: EcCurve,
    /// DER `ECParameters` (named-curve OID or explicit domain), as loaded.
    params: Vec<u8>,
    d: EcScalar,
    point: Vec<u8>,
    hash: HashAlg,
}

impl std::fmt::Debug for AaChipKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AaChipKey({}, <secret>)", self.describe())
    }
}

/// `ecdsa-plain-<hash>` OID of BSI TR-03111.
fn ecdsa_plain_oid(hash: HashAlg) -> &'static str {
    match hash {
        HashAlg::Sha1 => "0.4.0.127.0.7.1.1.4.1.1",
        HashAlg::Sha224 => "0.4.0.127.0.7.1.1.4.1.2",
        HashAlg::Sha256 => "0.4.0.127.0.7.1.1.4.1.3",
        HashAlg::Sha384 => "0.4.0.127.0.7.1.1.4.1.4",
        HashAlg::Sha512 => "0.4.0.127.0.7.1.1.4.1.5",
    }
}

/// ECParameters (named OID or SpecifiedECDomain) → curve.
fn curve_from_params(der: &[u8]) -> Result<EcCurve, AaError> {
    let t = emrtd_tlv::parse_exact(der)
        .map_err(|e| AaError::InvalidKey(format!("EC parameters: {e}")))?;
    match t.tag {
        0x06 => {
            let curve = der::asn1::ObjectIdentifier::from_bytes(t.value)
                .map_err(|_| AaError::InvalidKey("EC parameters: bad OID".into()))?;
            let id = standardized_id_of_curve(curve)
                .ok_or_else(|| AaError::UnsupportedKey(format!("named curve {curve}")))?;
            match Group::standardized(u32::from(id)) {
                Ok(Group::Ec(c)) => Ok(c),
                _ => Err(AaError::UnsupportedKey(format!("named curve {curve}"))),
            }
        }
        0x30 => parse_specified_domain(t.value).map_err(AaError::InvalidKey),
        other => Err(AaError::UnsupportedKey(format!(
            "EC parameters with tag {other:X} (only named curves and explicit prime-field parameters)"
        ))),
    }
}

impl AaChipKey {
    /// Loads an unencrypted PKCS#8 `PrivateKeyInfo` (DER): RSA (`rsaEncryption`) or EC
    /// (`id-ecPublicKey` with a named curve or explicit prime-field parameters). Defaults: RSA
    /// signs with trailer `BC` (SHA-1), EC with SHA-256.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, AaError> {
        let info = rsa::pkcs8::PrivateKeyInfo::from_der(der)
            .map_err(|e| AaError::InvalidKey(format!("PKCS#8 PrivateKeyInfo: {e}")))?;
        match info.algorithm.oid {
            oid::RSA_ENCRYPTION => {
                let key = rsa::RsaPrivateKey::try_from(info)
                    .map_err(|e| AaError::InvalidKey(format!("RSA private key: {e}")))?;
                Self::from_rsa(key)
            }
            oid::EC_PUBLIC_KEY => {
                let params = info
                    .algorithm
                    .parameters
                    .ok_or_else(|| AaError::InvalidKey("EC key without parameters".into()))?;
                let params = der::Encode::to_der(&params)
                    .map_err(|e| AaError::InvalidKey(format!("EC parameters: {e}")))?;
                Self::from_ec_private_key(&params, info.private_key)
            }
            other => Err(AaError::UnsupportedKey(format!("key algorithm {other}"))),
        }
    }

    /// Loads a PEM `PRIVATE KEY` (PKCS#8).
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, AaError> {
        let (label, der) = pem_rfc7468::decode_vec(pem.as_bytes())
            .map_err(|e| AaError::InvalidKey(format!("PEM: {e}")))?;
        let der = Zeroizing::new(der);
        if label != "PRIVATE KEY" {
            return Err(AaError::InvalidKey(format!(
                "PEM label {label}; expected PRIVATE KEY (PKCS#8, unencrypted)"
            )));
        }
        Self::from_pkcs8_der(&der)
    }

    /// An RSA key (modulus a multiple of 8 bits, at least [`MIN_RSA_BITS`]).
    pub fn from_rsa(key: rsa::RsaPrivateKey) -> Result<Self, AaError> {
        let bits = key.n().bits();
        if bits & 7 != 0 || bits < MIN_RSA_BITS {
            return Err(AaError::UnsupportedKey(format!(
                "RSA-{bits}: the modulus must be a multiple of 8 bits and at least {MIN_RSA_BITS} bits"
            )));
        }
        Ok(AaChipKey {
            kind: Kind::Rsa {
                key: Box::new(key),
                trailer: Iso9796Trailer::Implicit,
            },
        })
    }

    /// ECPrivateKey (RFC 5915) with its ECParameters DER.
    fn from_ec_private_key(params: &[u8], ec_private_key: &[u8]) -> Result<Self, AaError> {
        let curve = curve_from_params(params)?;
        let bad = |s: &str| AaError::InvalidKey(format!("ECPrivateKey: {s}"));
        let seq = emrtd_tlv::parse_exact(ec_private_key).map_err(|e| bad(&e.to_string()))?;
        if seq.tag != 0x30 {
            return Err(bad("not a SEQUENCE"));
        }
        let items = emrtd_tlv::parse_all(seq.value).map_err(|e| bad(&e.to_string()))?;
        match items.first() {
            Some(v) if v.tag == 0x02 && v.value == [1] => {}
            _ => return Err(bad("version must be 1")),
        }
        let secret = match items.get(1) {
            Some(s) if s.tag == 0x04 => s.value,
            _ => return Err(bad("privateKey OCTET STRING missing")),
        };
        let d = curve
            .scalar_from_bytes(secret)
            .map_err(|e| bad(&e.to_string()))?;
        let point = curve
            .mul(&curve.generator(), &d)
            .map(|p| curve.encode_point(&p))
            .map_err(|e| bad(&e.to_string()))?;
        for item in items.iter().skip(2) {
            match item.tag {
                0xA0 if item.value != params => {
                    return Err(bad("parameters differ from the PrivateKeyInfo algorithm"))
                }
                0xA1 => {
                    let bits = emrtd_tlv::parse_exact(item.value)
                        .ok()
                        .filter(|b| b.tag == 0x03)
                        .and_then(|b| b.value.split_first().map(|(_, p)| p.to_vec()))
                        .ok_or_else(|| bad("publicKey is not a BIT STRING"))?;
                    if bits != point {
                        return Err(bad("publicKey does not belong to the private key"));
                    }
                }
                _ => {}
            }
        }
        Ok(AaChipKey {
            kind: Kind::Ec(Box::new(EcKey {
                curve,
                params: params.to_vec(),
                d,
                point,
                hash: HashAlg::Sha256,
            })),
        })
    }

    /// Chooses the hash: for RSA the ISO/IEC 9796-2 trailer becomes `BC` (SHA-1) or `xx CC`;
    /// for ECDSA the message hash (announced by [`Self::active_authentication_info`]).
    pub fn with_hash(mut self, hash: HashAlg) -> Self {
        match &mut self.kind {
            Kind::Rsa { trailer, .. } => *trailer = Iso9796Trailer::for_hash(hash),
            Kind::Ec(k) => k.hash = hash,
        }
        self
    }

    /// Sets the ISO/IEC 9796-2 trailer explicitly (e.g. `33CC` for SHA-1). No effect on EC keys.
    pub fn with_trailer(mut self, trailer: Iso9796Trailer) -> Self {
        if let Kind::Rsa { trailer: t, .. } = &mut self.kind {
            *t = trailer;
        }
        self
    }

    /// The hash used for signing.
    pub fn hash(&self) -> HashAlg {
        match &self.kind {
            Kind::Rsa { trailer, .. } => trailer.hash(),
            Kind::Ec(k) => k.hash,
        }
    }

    /// `"RSA-2048, ISO/IEC 9796-2 trailer BC"`, `"EC NIST P-256, ECDSA SHA-256"`.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Rsa { key, trailer } => format!(
                "RSA-{}, ISO/IEC 9796-2 trailer {}",
                key.n().bits(),
                trailer.hex()
            ),
            Kind::Ec(k) => format!("EC {}, ECDSA {}", k.curve.name(), k.hash.name()),
        }
    }

    /// Signs the terminal's challenge (the data of INTERNAL AUTHENTICATE).
    ///
    /// RSA: ISO/IEC 9796-2 scheme 1, `F = 6A ‖ M1 ‖ H(M1 ‖ challenge) ‖ T` with a random M1
    /// filling the capacity, signature `F^d mod n` as modulus-length octets. EC: ECDSA with a
    /// random nonce, plain `r ‖ s` (BSI TR-03111), each of the order's length.
    pub fn sign_challenge(
        &self,
        challenge: &[u8],
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<u8>, AaError> {
        match &self.kind {
            Kind::Rsa { key, trailer } => {
                let k = key.size();
                let cap = m1_capacity(k, *trailer).ok_or_else(|| {
                    AaError::Signing(format!(
                        "RSA-{} is too short for {} with trailer {}",
                        key.n().bits(),
                        trailer.hash().name(),
                        trailer.hex()
                    ))
                })?;
                let mut m1 = vec![0u8; cap];
                rng.fill_bytes(&mut m1);
                let f = encode_representative(&m1, challenge, *trailer);
                let f = rsa::BigUint::from_bytes_be(&f);
                let sig = rsa::hazmat::rsa_decrypt_and_check(key.as_ref(), Some(rng), &f)
                    .map_err(|e| AaError::Signing(format!("RSA private-key operation: {e}")))?;
                let bytes = sig.to_bytes_be();
                let mut out = vec![0u8; k.saturating_sub(bytes.len())];
                out.extend_from_slice(&bytes);
                Ok(out)
            }
            Kind::Ec(key) => ecdsa_sign(key, &key.hash.digest(challenge), rng),
        }
    }

    /// The DER `SubjectPublicKeyInfo` for DG15 (RSA with NULL parameters; EC with the
    /// parameters as loaded and the uncompressed point).
    pub fn public_key_info(&self) -> Vec<u8> {
        use emrtd_tlv::{encode, encode_constructed};
        let oid_tlv = |o: der::asn1::ObjectIdentifier| encode(0x06, o.as_bytes());
        let (algorithm, key) = match &self.kind {
            Kind::Rsa { key, .. } => {
                let int = |v: &rsa::BigUint| {
                    let mut b = v.to_bytes_be();
                    if b.first().is_some_and(|x| x & 0x80 != 0) {
                        b.insert(0, 0);
                    }
                    encode(0x02, &b)
                };
                (
                    encode_constructed(0x30, &[oid_tlv(oid::RSA_ENCRYPTION), vec![0x05, 0x00]]),
                    encode_constructed(0x30, &[int(key.n()), int(key.e())]),
                )
            }
            Kind::Ec(k) => (
                encode_constructed(0x30, &[oid_tlv(oid::EC_PUBLIC_KEY), k.params.clone()]),
                k.point.clone(),
            ),
        };
        let mut bits = vec![0u8];
        bits.extend(key);
        encode_constructed(0x30, &[algorithm, encode(0x03, &bits)])
    }

    /// The complete EF.DG15 file: `6F` around [`Self::public_key_info`].
    pub fn dg15(&self) -> Vec<u8> {
        emrtd_tlv::encode(0x6F, &self.public_key_info())
    }

    /// The `ActiveAuthenticationInfo` DG14 must carry for an ECDSA key (version 1,
    /// `ecdsa-plain-<hash>`); `None` for RSA, which needs none.
    pub fn active_authentication_info(&self) -> Option<ActiveAuthenticationInfo> {
        match &self.kind {
            Kind::Rsa { .. } => None,
            Kind::Ec(k) => Some(ActiveAuthenticationInfo {
                version: 1,
                signature_algorithm: ecdsa_plain_oid(k.hash).to_string(),
            }),
        }
    }
}

/// ECDSA signature generation (SEC 1 §4.1.3) on any prime curve; plain `r ‖ s`.
fn ecdsa_sign(
    key: &EcKey,
    hashed: &[u8],
    rng: &mut impl CryptoRngCore,
) -> Result<Vec<u8>, AaError> {
    let d = key.curve.scalar_to_bytes(&key.d);
    emrtd_crypto::sig::ecdsa_sign_prehashed(&key.curve, &d, hashed, rng).ok_or_else(|| {
        AaError::Signing(format!("ECDSA on {}: no valid signature", key.curve.name()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_curve_ids_match_the_standardized_groups() {
        for (oid, name) in [
            ("1.2.840.10045.3.1.7", "NIST P-256"),
            ("1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1"),
            ("1.3.132.0.35", "NIST P-521"),
        ] {
            let id = emrtd_crypto::sig::standardized_id_of(oid).map(u32::from);
            let group = id.and_then(|id| Group::standardized(id).ok());
            assert_eq!(group.map(|g| g.name()), Some(name), "{oid}");
        }
    }
}
