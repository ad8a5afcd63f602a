//! DG15 (ICAO 9303-10 §4.7.15, 9303-11 §6.1): the Active Authentication public key, a DER
//! `SubjectPublicKeyInfo` (RFC 5280) for RSA or ECDSA (named curve or explicit parameters,
//! RFC 3279 / BSI TR-03111).

use crate::common::{outer, uint_tlv};
use crate::LdsError;
use der::asn1::{AnyRef, BitStringRef, IntRef, ObjectIdentifier, OctetStringRef, UintRef};
use der::{Decode, Sequence, Tag, Tagged};
use emrtd_tlv::{encode, encode_constructed};
use spki::SubjectPublicKeyInfoRef;

const FILE: &str = "DG15";

/// rsaEncryption.
pub const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
/// id-ecPublicKey.
pub const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
/// prime-field (field type of explicit curve parameters).
pub const OID_PRIME_FIELD: &str = "1.2.840.10045.1.1";

const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap(OID_RSA_ENCRYPTION);
const EC: ObjectIdentifier = ObjectIdentifier::new_unwrap(OID_EC_PUBLIC_KEY);
const PRIME: ObjectIdentifier = ObjectIdentifier::new_unwrap(OID_PRIME_FIELD);

/// Explicit elliptic-curve domain parameters over a prime field (`SpecifiedECDomain`). Integers
/// are big-endian without leading zero bytes; `a`, `b` and `g` as stored (field elements and an
/// encoded point).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EcParameters {
    /// Version (1).
    pub version: u8,
    /// Field prime.
    pub p: Vec<u8>,
    /// Curve coefficient a.
    pub a: Vec<u8>,
    /// Curve coefficient b.
    pub b: Vec<u8>,
    /// Curve seed, if given.
    pub seed: Option<Vec<u8>>,
    /// Base point (encoded, normally uncompressed `04 || x || y`).
    pub g: Vec<u8>,
    /// Order of the base point.
    pub n: Vec<u8>,
    /// Cofactor, if given.
    pub h: Option<Vec<u8>>,
}

/// Curve of an EC public key.
// Not #[non_exhaustive]: the ECParameters CHOICE of RFC 3279 has these three alternatives.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum EcCurve {
    /// Named curve, as a dotted OID (e.g. "1.3.36.3.3.2.8.1.1.7" for brainpoolP256r1).
    Named(String),
    /// Explicit parameters.
    Explicit(EcParameters),
    /// `implicitlyCA` (NULL): parameters inherited from elsewhere.
    ImplicitlyCa,
}

impl EcCurve {
    /// Common name of a named curve ("secp256r1", "brainpoolP256r1", ...), if known.
    pub fn name(&self) -> Option<&'static str> {
        match self {
            EcCurve::Named(oid) => NAMED_CURVES.iter().find(|(o, _)| o == oid).map(|(_, n)| *n),
            _ => None,
        }
    }
}

const NAMED_CURVES: [(&str, &str); 12] = [
    ("1.2.840.10045.3.1.1", "secp192r1"),
    ("1.3.132.0.33", "secp224r1"),
    ("1.2.840.10045.3.1.7", "secp256r1"),
    ("1.3.132.0.34", "secp384r1"),
    ("1.3.132.0.35", "secp521r1"),
    ("1.3.36.3.3.2.8.1.1.1", "brainpoolP160r1"),
    ("1.3.36.3.3.2.8.1.1.3", "brainpoolP192r1"),
    ("1.3.36.3.3.2.8.1.1.5", "brainpoolP224r1"),
    ("1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1"),
    ("1.3.36.3.3.2.8.1.1.9", "brainpoolP320r1"),
    ("1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1"),
    ("1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1"),
];

/// The Active Authentication public key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum AaPublicKey {
    /// RSA: modulus and public exponent, big-endian without leading zero bytes.
    Rsa {
        /// The modulus.
        n: Vec<u8>,
        /// The public exponent.
        e: Vec<u8>,
    },
    /// ECDSA: curve and public point (encoded, normally `04 || x || y`).
    Ec {
        /// The curve (named or explicit parameters).
        curve: EcCurve,
        /// The public point as encoded in the key.
        point: Vec<u8>,
    },
    /// Another algorithm, kept as its complete `SubjectPublicKeyInfo`.
    Other {
        /// Algorithm OID, dotted.
        algorithm: String,
        /// The `SubjectPublicKeyInfo` DER.
        #[serde(skip)]
        spki: Vec<u8>,
    },
}

/// Decoded DG15.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Dg15 {
    /// The public key.
    pub public_key: AaPublicKey,
    /// The `SubjectPublicKeyInfo` DER as stored (empty when built in code).
    #[serde(skip)]
    pub spki: Vec<u8>,
    /// The file exactly as decoded (empty when built in code).
    #[serde(skip)]
    pub raw: Vec<u8>,
}

/// `RSAPublicKey`. The integers are read as signed DER INTEGERs and taken as unsigned: some
/// issuers (e.g. the BSI 2008 test passport) store a modulus with its top bit set and no leading
/// zero byte, which strict DER reads as negative.
#[derive(Sequence)]
struct RsaPublicKeyDer<'a> {
    n: IntRef<'a>,
    e: IntRef<'a>,
}

fn magnitude(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

#[derive(Sequence)]
struct FieldIdDer<'a> {
    field_type: ObjectIdentifier,
    parameters: AnyRef<'a>,
}

#[derive(Sequence)]
struct CurveDer<'a> {
    a: OctetStringRef<'a>,
    b: OctetStringRef<'a>,
    #[asn1(optional = "true")]
    seed: Option<BitStringRef<'a>>,
}

#[derive(Sequence)]
struct SpecifiedEcDomainDer<'a> {
    version: u8,
    field_id: FieldIdDer<'a>,
    curve: CurveDer<'a>,
    base: OctetStringRef<'a>,
    order: UintRef<'a>,
    #[asn1(optional = "true")]
    cofactor: Option<UintRef<'a>>,
}

fn asn1(e: der::Error) -> LdsError {
    LdsError::Asn1 {
        file: FILE,
        reason: e.to_string(),
    }
}

impl AaPublicKey {
    /// Decode a DER `SubjectPublicKeyInfo`.
    pub fn from_spki(der_bytes: &[u8]) -> Result<AaPublicKey, LdsError> {
        let spki = SubjectPublicKeyInfoRef::from_der(der_bytes).map_err(asn1)?;
        let key = spki
            .subject_public_key
            .as_bytes()
            .ok_or(LdsError::Invalid {
                file: FILE,
                element: "subjectPublicKey",
                reason: "BIT STRING has unused bits".into(),
            })?;
        let oid = spki.algorithm.oid;
        if oid == RSA {
            if let Some(p) = spki.algorithm.parameters {
                if p.tag() != Tag::Null {
                    return Err(LdsError::Invalid {
                        file: FILE,
                        element: "rsaEncryption parameters",
                        reason: "must be NULL".into(),
                    });
                }
            }
            let rsa = RsaPublicKeyDer::from_der(key).map_err(asn1)?;
            Ok(AaPublicKey::Rsa {
                n: magnitude(rsa.n.as_bytes()),
                e: magnitude(rsa.e.as_bytes()),
            })
        } else if oid == EC {
            let params = spki.algorithm.parameters.ok_or(LdsError::Missing {
                file: FILE,
                element: "EC domain parameters",
            })?;
            let curve = match params.tag() {
                Tag::ObjectIdentifier => EcCurve::Named(
                    params
                        .decode_as::<ObjectIdentifier>()
                        .map_err(asn1)?
                        .to_string(),
                ),
                Tag::Null => EcCurve::ImplicitlyCa,
                Tag::Sequence => EcCurve::Explicit(explicit(params)?),
                t => {
                    return Err(LdsError::Invalid {
                        file: FILE,
                        element: "EC domain parameters",
                        reason: format!("unexpected {t}"),
                    })
                }
            };
            Ok(AaPublicKey::Ec {
                curve,
                point: key.to_vec(),
            })
        } else {
            Ok(AaPublicKey::Other {
                algorithm: oid.to_string(),
                spki: der_bytes.to_vec(),
            })
        }
    }

    /// Encode as a DER `SubjectPublicKeyInfo` (RSA with NULL parameters).
    pub fn to_spki(&self) -> Vec<u8> {
        let (algorithm, key) = match self {
            AaPublicKey::Other { spki, .. } => return spki.clone(),
            AaPublicKey::Rsa { n, e } => (
                encode_constructed(0x30, &[oid_tlv(&RSA), vec![0x05, 0x00]]),
                encode_constructed(0x30, &[uint_tlv(n), uint_tlv(e)]),
            ),
            AaPublicKey::Ec { curve, point } => {
                let params = match curve {
                    EcCurve::Named(oid) => match crate::sod::typed_oid(oid) {
                        Some(o) => oid_tlv(&o),
                        None => vec![0x05, 0x00],
                    },
                    EcCurve::ImplicitlyCa => vec![0x05, 0x00],
                    EcCurve::Explicit(p) => {
                        let field = encode_constructed(0x30, &[oid_tlv(&PRIME), uint_tlv(&p.p)]);
                        let mut curve = vec![encode(0x04, &p.a), encode(0x04, &p.b)];
                        if let Some(seed) = &p.seed {
                            let mut bits = vec![0u8];
                            bits.extend_from_slice(seed);
                            curve.push(encode(0x03, &bits));
                        }
                        let mut items = vec![
                            encode(0x02, &[p.version]),
                            field,
                            encode_constructed(0x30, &curve),
                            encode(0x04, &p.g),
                            uint_tlv(&p.n),
                        ];
                        if let Some(h) = &p.h {
                            items.push(uint_tlv(h));
                        }
                        encode_constructed(0x30, &items)
                    }
                };
                (
                    encode_constructed(0x30, &[oid_tlv(&EC), params]),
                    point.clone(),
                )
            }
        };
        let mut bits = vec![0u8];
        bits.extend(key);
        encode_constructed(0x30, &[algorithm, encode(0x03, &bits)])
    }
}

fn explicit(params: AnyRef<'_>) -> Result<EcParameters, LdsError> {
    let d: SpecifiedEcDomainDer<'_> = params.decode_as().map_err(asn1)?;
    if d.field_id.field_type != PRIME {
        return Err(LdsError::Unsupported {
            file: FILE,
            what: format!(
                "EC field type {} (only prime fields)",
                d.field_id.field_type
            ),
        });
    }
    let p: UintRef<'_> = d.field_id.parameters.decode_as().map_err(asn1)?;
    let seed = match d.curve.seed {
        Some(s) => Some(
            s.as_bytes()
                .ok_or(LdsError::Invalid {
                    file: FILE,
                    element: "curve seed",
                    reason: "BIT STRING has unused bits".into(),
                })?
                .to_vec(),
        ),
        None => None,
    };
    Ok(EcParameters {
        version: d.version,
        p: p.as_bytes().to_vec(),
        a: d.curve.a.as_bytes().to_vec(),
        b: d.curve.b.as_bytes().to_vec(),
        seed,
        g: d.base.as_bytes().to_vec(),
        n: d.order.as_bytes().to_vec(),
        h: d.cofactor.map(|h| h.as_bytes().to_vec()),
    })
}

fn oid_tlv(oid: &ObjectIdentifier) -> Vec<u8> {
    encode(0x06, oid.as_bytes())
}

impl Dg15 {
    /// DG15 holding `public_key`.
    pub fn new(public_key: AaPublicKey) -> Dg15 {
        Dg15 {
            public_key,
            spki: Vec::new(),
            raw: Vec::new(),
        }
    }

    /// Decode DG15.
    pub fn decode(bytes: &[u8]) -> Result<Dg15, LdsError> {
        let outer = outer(bytes, 0x6F, FILE)?;
        let spki = emrtd_tlv::parse_exact(outer.value).map_err(LdsError::tlv(FILE))?;
        Ok(Dg15 {
            public_key: AaPublicKey::from_spki(spki.raw)?,
            spki: spki.raw.to_vec(),
            raw: bytes.to_vec(),
        })
    }

    /// Encode DG15 from [`Dg15::public_key`].
    pub fn encode(&self) -> Vec<u8> {
        encode(0x6F, &self.public_key.to_spki())
    }
}
