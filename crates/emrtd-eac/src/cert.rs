//! Card-verifiable certificates and certificate requests (BSI TR-03110-3 App. C, D.2, D.3):
//!
//! ```text
//! 7F21 CV certificate
//!   7F4E certificate body (signed, as received)
//!     5F29 profile identifier (00)      42   CAR
//!     7F49 public key: 06 OID, RSA 81 n 82 e | EC [81 p 82 a 83 b 84 G 85 r] 86 Y [87 f]
//!     5F20 CHR   7F4C CHAT   5F25 effective date   5F24 expiration date   [65 extensions]
//!   5F37 signature
//! ```
//!
//! Parsing is strict about order and bounded; every value is kept as received so that the
//! re-encoding is byte-identical and the signature is verified over the bytes received.

use crate::algorithm::{oid_to_string, TaAlgorithm};
use crate::chat::{Chat, ChatError};
use crate::date::{CvDate, DateError};
use emrtd_tlv::{encode, encode_constructed, TlvError, TlvRef};
use std::fmt;

/// Largest CV certificate or request accepted (bytes).
pub const MAX_CERTIFICATE_LEN: usize = 8192;
/// Largest public key element (bytes): RSA-8192 moduli, 521-bit curve points.
pub const MAX_KEY_ELEMENT_LEN: usize = 1025;
/// Most certificate extensions accepted.
pub const MAX_EXTENSIONS: usize = 16;

/// Why bytes are not a CV certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CvcError {
    /// The bytes are not well-formed TLV.
    #[error("CV certificate is not valid TLV: {0}")]
    Tlv(#[from] TlvError),
    /// Longer than a CV certificate may be.
    #[error("CV certificate of {len} bytes exceeds the {max}-byte limit")]
    TooLong {
        /// The length found, in bytes.
        len: usize,
        /// The largest length accepted, in bytes.
        max: usize,
    },
    /// An element has another tag than its place requires.
    #[error("expected {expected} (tag {expected_tag:X}), found tag {found:X}")]
    UnexpectedTag {
        /// The element expected.
        expected: &'static str,
        /// Its tag.
        expected_tag: u32,
        /// The tag found.
        found: u32,
    },
    /// A required element is absent.
    #[error("{0} is missing")]
    Missing(&'static str),
    /// An element that has no place here.
    #[error("unexpected element with tag {tag:X} after {after}")]
    UnexpectedElement {
        /// The tag of the element.
        tag: u32,
        /// The element it follows.
        after: &'static str,
    },
    /// The certificate profile identifier is not the one byte `00`.
    #[error("certificate profile identifier must be one byte 00, found {0:02X?}")]
    ProfileIdentifier(Vec<u8>),
    /// A CAR or CHR is not a valid reference (country, mnemonic, sequence number).
    #[error("{element} is not a valid reference: {reason}")]
    Reference {
        /// The element.
        element: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The effective or expiration date is not a valid date.
    #[error("{element}: {source}")]
    Date {
        /// The element.
        element: &'static str,
        /// What is wrong with the date.
        source: DateError,
    },
    /// The public key names no Terminal Authentication algorithm.
    #[error(
        "public key OID {0} is not a Terminal Authentication algorithm (TR-03110-3 Tables 17, 18)"
    )]
    UnsupportedAlgorithm(String),
    /// The public key data object is malformed.
    #[error("public key: {0}")]
    PublicKey(&'static str),
    /// The CHAT is malformed.
    #[error("CHAT: {0}")]
    Chat(#[from] ChatError),
    /// The certificate extensions are malformed.
    #[error("certificate extensions: {0}")]
    Extension(&'static str),
    /// The signature data object is empty.
    #[error("the signature (5F37) is empty")]
    EmptySignature,
}

/// A Certification Authority Reference or Certificate Holder Reference (§A.7.1): 1–16
/// ISO/IEC 8859-1 characters, normally country code (2), holder mnemonic (≤ 9) and sequence
/// number (5).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CvReference(Vec<u8>);

impl CvReference {
    /// Check and wrap the bytes of a reference.
    pub fn new(bytes: &[u8], element: &'static str) -> Result<CvReference, CvcError> {
        if bytes.is_empty() || bytes.len() > 16 {
            return Err(CvcError::Reference {
                element,
                reason: "must be 1 to 16 characters",
            });
        }
        if bytes.iter().any(|b| *b < 0x20 || (0x7F..=0x9F).contains(b)) {
            return Err(CvcError::Reference {
                element,
                reason: "holds a character ISO/IEC 8859-1 leaves unassigned (00–1F, 7F–9F)",
            });
        }
        Ok(CvReference(bytes.to_vec()))
    }

    /// From text (ISO/IEC 8859-1 characters only).
    pub fn from_text(text: &str) -> Result<CvReference, CvcError> {
        let bytes: Option<Vec<u8>> = text
            .chars()
            .map(|c| u8::try_from(u32::from(c)).ok())
            .collect();
        let bytes = bytes.ok_or(CvcError::Reference {
            element: "reference",
            reason: "holds a character outside ISO/IEC 8859-1",
        })?;
        CvReference::new(&bytes, "reference")
    }

    /// The reference's bytes, as encoded.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The ISO 3166-1 alpha-2 country code (first two characters), if the reference is long
    /// enough.
    pub fn country_code(&self) -> Option<String> {
        (self.0.len() >= 7).then(|| latin1(&self.0[..2]))
    }

    /// The 5-character sequence number (last five characters), if long enough.
    pub fn sequence_number(&self) -> Option<String> {
        (self.0.len() >= 7).then(|| latin1(&self.0[self.0.len() - 5..]))
    }
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|c| char::from(*c)).collect()
}

impl fmt::Display for CvReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&latin1(&self.0))
    }
}

/// Elliptic curve domain parameters as carried in a public key (§D.3.3), unsigned integers and
/// the base point kept exactly as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcDomain {
    /// Prime modulus p (`81`).
    pub p: Vec<u8>,
    /// First coefficient a (`82`).
    pub a: Vec<u8>,
    /// Second coefficient b (`83`).
    pub b: Vec<u8>,
    /// Base point G, uncompressed.
    pub g: Vec<u8>,
    /// Order r of G.
    pub r: Vec<u8>,
    /// Cofactor f (optional).
    pub f: Option<Vec<u8>>,
}

/// The key material of a CV public key.
// Not #[non_exhaustive]: TR-03110 CV certificates carry RSA or EC keys, nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyData {
    /// RSA modulus n (81) and public exponent e (82).
    Rsa {
        /// The modulus.
        n: Vec<u8>,
        /// The public exponent.
        e: Vec<u8>,
    },
    /// EC public point Y (86), with the domain parameters when the certificate carries them.
    Ec {
        /// The domain parameters, when carried (CVCA certificates).
        domain: Option<EcDomain>,
        /// The public point Y, as encoded.
        point: Vec<u8>,
    },
}

/// A public key data object (`7F49`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CvPublicKey {
    /// The Terminal Authentication algorithm (the key's OID).
    pub algorithm: TaAlgorithm,
    /// The key material.
    pub data: KeyData,
}

impl CvPublicKey {
    fn decode_value(value: &[u8]) -> Result<CvPublicKey, CvcError> {
        let items = emrtd_tlv::parse_all(value)?;
        let (oid, rest) = items.split_first().ok_or(CvcError::PublicKey("empty"))?;
        if oid.tag != 0x06 {
            return Err(CvcError::PublicKey("must start with an OID (06)"));
        }
        let algorithm = TaAlgorithm::from_oid(oid.value)
            .ok_or_else(|| CvcError::UnsupportedAlgorithm(oid_to_string(oid.value)))?;
        let tags: Vec<u32> = rest.iter().map(|t| t.tag).collect();
        for t in rest {
            if t.value.is_empty() {
                return Err(CvcError::PublicKey("a key element is empty"));
            }
            if t.value.len() > MAX_KEY_ELEMENT_LEN {
                return Err(CvcError::PublicKey("a key element is too long"));
            }
        }
        let v = |i: usize| rest[i].value.to_vec();
        let data = if algorithm.is_ecdsa() {
            match tags.as_slice() {
                [0x86] => KeyData::Ec {
                    domain: None,
                    point: v(0),
                },
                [0x81, 0x82, 0x83, 0x84, 0x85, 0x86]
                | [0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87] => KeyData::Ec {
                    domain: Some(EcDomain {
                        p: v(0),
                        a: v(1),
                        b: v(2),
                        g: v(3),
                        r: v(4),
                        f: (tags.len() == 7).then(|| v(6)),
                    }),
                    point: v(5),
                },
                _ => {
                    return Err(CvcError::PublicKey(
                        "an EC key is 86 alone, or 81 82 83 84 85 86 [87] in this order",
                    ))
                }
            }
        } else {
            match tags.as_slice() {
                [0x81, 0x82] => KeyData::Rsa { n: v(0), e: v(1) },
                _ => return Err(CvcError::PublicKey("an RSA key is 81 (n) then 82 (e)")),
            }
        };
        Ok(CvPublicKey { algorithm, data })
    }

    /// Encode as a `7F49` data object.
    pub fn encode(&self) -> Vec<u8> {
        let mut items = vec![encode(0x06, &self.algorithm.oid())];
        match &self.data {
            KeyData::Rsa { n, e } => {
                items.push(encode(0x81, n));
                items.push(encode(0x82, e));
            }
            KeyData::Ec { domain, point } => {
                if let Some(d) = domain {
                    items.push(encode(0x81, &d.p));
                    items.push(encode(0x82, &d.a));
                    items.push(encode(0x83, &d.b));
                    items.push(encode(0x84, &d.g));
                    items.push(encode(0x85, &d.r));
                }
                items.push(encode(0x86, point));
                if let Some(f) = domain.as_ref().and_then(|d| d.f.as_ref()) {
                    items.push(encode(0x87, f));
                }
            }
        }
        encode_constructed(0x7F49, &items)
    }

    /// The EC domain parameters carried in this key, if any.
    pub fn domain(&self) -> Option<&EcDomain> {
        match &self.data {
            KeyData::Ec { domain, .. } => domain.as_ref(),
            KeyData::Rsa { .. } => None,
        }
    }
}

/// A certificate extension (§C.3): a discretionary data template `73` with an OID and
/// context-specific data objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// OID value bytes (e.g. `id-description`, `id-sector`).
    pub oid: Vec<u8>,
    /// The data objects after the OID, each as (tag, value).
    pub objects: Vec<(u32, Vec<u8>)>,
}

/// `id-extensions` = 0.4.0.127.0.7.3.1.3.
pub const ID_EXTENSIONS: [u8; 8] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x03, 0x01, 0x03];

impl Extension {
    fn decode(t: &TlvRef<'_>) -> Result<Extension, CvcError> {
        if t.tag != 0x73 {
            return Err(CvcError::Extension("each extension is a template 73"));
        }
        let items = emrtd_tlv::parse_all(t.value)?;
        let (oid, rest) = items
            .split_first()
            .ok_or(CvcError::Extension("an extension template is empty"))?;
        if oid.tag != 0x06 || oid.value.is_empty() {
            return Err(CvcError::Extension(
                "an extension must start with an OID (06)",
            ));
        }
        Ok(Extension {
            oid: oid.value.to_vec(),
            objects: rest.iter().map(|o| (o.tag, o.value.to_vec())).collect(),
        })
    }

    fn encode(&self) -> Vec<u8> {
        let mut items = vec![encode(0x06, &self.oid)];
        items.extend(self.objects.iter().map(|(t, v)| encode(*t, v)));
        encode_constructed(0x73, &items)
    }

    /// The value of the first object with `tag` (e.g. `80`, the hash of a certificate
    /// description).
    pub fn object(&self, tag: u32) -> Option<&[u8]> {
        self.objects
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, v)| v.as_slice())
    }
}

fn decode_extensions(value: &[u8]) -> Result<Vec<Extension>, CvcError> {
    let items = emrtd_tlv::parse_all(value)?;
    if items.len() > MAX_EXTENSIONS {
        return Err(CvcError::Extension("too many extensions"));
    }
    items.iter().map(Extension::decode).collect()
}

fn encode_extensions(ext: &[Extension]) -> Vec<u8> {
    let items: Vec<Vec<u8>> = ext.iter().map(Extension::encode).collect();
    encode_constructed(0x65, &items)
}

/// The body of a CV certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateBody {
    /// Certificate profile identifier (0 = version 1).
    pub profile_identifier: u8,
    /// Certification authority reference: the key that signed this certificate.
    pub car: CvReference,
    /// The holder's public key.
    pub public_key: CvPublicKey,
    /// Certificate holder reference: the name of this certificate's key.
    pub chr: CvReference,
    /// The holder's role and access rights.
    pub chat: Chat,
    /// First day of validity.
    pub effective_date: CvDate,
    /// Last day of validity.
    pub expiration_date: CvDate,
    /// Certificate extensions (`65`); `None` when absent (distinct from an empty `65`).
    pub extensions: Option<Vec<Extension>>,
}

impl CertificateBody {
    /// Encode as a `7F4E` data object.
    pub fn encode(&self) -> Vec<u8> {
        let mut items = vec![
            encode(0x5F29, &[self.profile_identifier]),
            encode(0x42, self.car.as_bytes()),
            self.public_key.encode(),
            encode(0x5F20, self.chr.as_bytes()),
            self.chat.encode(),
            encode(0x5F25, &self.effective_date.to_bcd()),
            encode(0x5F24, &self.expiration_date.to_bcd()),
        ];
        if let Some(ext) = &self.extensions {
            items.push(encode_extensions(ext));
        }
        encode_constructed(0x7F4E, &items)
    }
}

/// A cursor over the elements of a body, enforcing their order.
struct Elements<'a> {
    items: Vec<TlvRef<'a>>,
    pos: usize,
    last: &'static str,
}

impl<'a> Elements<'a> {
    fn peek_tag(&self) -> Option<u32> {
        self.items.get(self.pos).map(|t| t.tag)
    }

    fn take(&mut self, tag: u32, name: &'static str) -> Result<TlvRef<'a>, CvcError> {
        match self.items.get(self.pos) {
            Some(t) if t.tag == tag => {
                self.pos += 1;
                self.last = name;
                Ok(*t)
            }
            Some(t) => Err(CvcError::UnexpectedTag {
                expected: name,
                expected_tag: tag,
                found: t.tag,
            }),
            None => Err(CvcError::Missing(name)),
        }
    }

    fn take_optional(&mut self, tag: u32, name: &'static str) -> Option<TlvRef<'a>> {
        if self.peek_tag() == Some(tag) {
            self.take(tag, name).ok()
        } else {
            None
        }
    }

    fn finish(&self) -> Result<(), CvcError> {
        match self.items.get(self.pos) {
            Some(t) => Err(CvcError::UnexpectedElement {
                tag: t.tag,
                after: self.last,
            }),
            None => Ok(()),
        }
    }
}

fn profile_identifier(t: &TlvRef<'_>) -> Result<u8, CvcError> {
    match t.value {
        [0] => Ok(0),
        v => Err(CvcError::ProfileIdentifier(v.to_vec())),
    }
}

fn date(t: &TlvRef<'_>, element: &'static str) -> Result<CvDate, CvcError> {
    CvDate::from_bcd(t.value).map_err(|source| CvcError::Date { element, source })
}

fn check_len(bytes: &[u8]) -> Result<(), CvcError> {
    if bytes.len() > MAX_CERTIFICATE_LEN {
        return Err(CvcError::TooLong {
            len: bytes.len(),
            max: MAX_CERTIFICATE_LEN,
        });
    }
    Ok(())
}

/// Splits `7F21 { 7F4E body, 5F37 signature }`.
fn split_outer(bytes: &[u8]) -> Result<(TlvRef<'_>, Vec<u8>), CvcError> {
    let outer = emrtd_tlv::parse_exact(bytes)?;
    if outer.tag != 0x7F21 {
        return Err(CvcError::UnexpectedTag {
            expected: "CV certificate",
            expected_tag: 0x7F21,
            found: outer.tag,
        });
    }
    let mut e = Elements {
        items: emrtd_tlv::parse_all(outer.value)?,
        pos: 0,
        last: "start of the certificate",
    };
    let body = e.take(0x7F4E, "certificate body")?;
    let sig = e.take(0x5F37, "signature")?;
    e.finish()?;
    if sig.value.is_empty() {
        return Err(CvcError::EmptySignature);
    }
    Ok((body, sig.value.to_vec()))
}

/// A CV certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CvCertificate {
    /// The signed body.
    pub body: CertificateBody,
    /// The signature (`5F37` value): plain `r ‖ s` for ECDSA.
    pub signature: Vec<u8>,
    /// The certificate body `7F4E` (tag, length, value) exactly as received: the signed bytes.
    body_raw: Vec<u8>,
    /// The whole certificate as received.
    raw: Vec<u8>,
}

impl CvCertificate {
    /// Decode a certificate (`7F21`), strictly in the order of TR-03110-3 Table 23.
    pub fn decode(bytes: &[u8]) -> Result<CvCertificate, CvcError> {
        check_len(bytes)?;
        let (body_tlv, signature) = split_outer(bytes)?;
        let mut e = Elements {
            items: emrtd_tlv::parse_all(body_tlv.value)?,
            pos: 0,
            last: "start of the body",
        };
        let profile_identifier =
            profile_identifier(&e.take(0x5F29, "certificate profile identifier")?)?;
        let car = CvReference::new(e.take(0x42, "CAR")?.value, "CAR")?;
        let public_key = CvPublicKey::decode_value(e.take(0x7F49, "public key")?.value)?;
        let chr = CvReference::new(e.take(0x5F20, "CHR")?.value, "CHR")?;
        let chat = Chat::decode_value(e.take(0x7F4C, "CHAT")?.value)?;
        let effective_date = date(
            &e.take(0x5F25, "certificate effective date")?,
            "certificate effective date",
        )?;
        let expiration_date = date(
            &e.take(0x5F24, "certificate expiration date")?,
            "certificate expiration date",
        )?;
        let extensions = match e.take_optional(0x65, "certificate extensions") {
            Some(t) => Some(decode_extensions(t.value)?),
            None => None,
        };
        e.finish()?;
        Ok(CvCertificate {
            body: CertificateBody {
                profile_identifier,
                car,
                public_key,
                chr,
                chat,
                effective_date,
                expiration_date,
                extensions,
            },
            signature,
            body_raw: body_tlv.raw.to_vec(),
            raw: bytes.to_vec(),
        })
    }

    /// A certificate from a body and its signature (the body is encoded here).
    pub fn from_parts(body: CertificateBody, signature: Vec<u8>) -> CvCertificate {
        let body_raw = body.encode();
        let raw = encode_constructed(0x7F21, &[body_raw.clone(), encode(0x5F37, &signature)]);
        CvCertificate {
            body,
            signature,
            body_raw,
            raw,
        }
    }

    /// Re-encode from the decoded fields (equal to [`raw`](Self::raw) for DER input).
    pub fn encode(&self) -> Vec<u8> {
        encode_constructed(
            0x7F21,
            &[self.body.encode(), encode(0x5F37, &self.signature)],
        )
    }

    /// The certificate as received.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// The signed bytes: the body `7F4E` as received.
    pub fn signed_body(&self) -> &[u8] {
        &self.body_raw
    }

    /// The content of `7F21` as received (body then signature): the data field of
    /// PSO:Verify Certificate.
    pub fn verify_certificate_data(&self) -> Vec<u8> {
        let mut v = self.body_raw.clone();
        v.extend(encode(0x5F37, &self.signature));
        v
    }

    /// The certification authority reference (who signed it).
    pub fn car(&self) -> &CvReference {
        &self.body.car
    }

    /// The certificate holder reference (whose key it is).
    pub fn chr(&self) -> &CvReference {
        &self.body.chr
    }

    /// True when CAR = CHR (a self-signed CVCA certificate).
    pub fn is_self_signed(&self) -> bool {
        self.body.car == self.body.chr
    }
}

/// The outer signature of an authenticated certificate request (`67`, §C.2.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OuterSignature {
    /// CAR of the key that made the outer signature.
    pub car: CvReference,
    /// The outer signature (`5F37` value).
    pub signature: Vec<u8>,
}

/// The body of a certificate request (§C.2): no CHAT and no dates, CAR optional, domain
/// parameters always present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestBody {
    /// Certificate profile identifier (0 = version 1).
    pub profile_identifier: u8,
    /// The CAR of the certificate the request expects to be signed with, when given.
    pub car: Option<CvReference>,
    /// The requested public key, with domain parameters.
    pub public_key: CvPublicKey,
    /// The requested certificate holder reference.
    pub chr: CvReference,
    /// Certificate extensions (`65`), when present.
    pub extensions: Option<Vec<Extension>>,
}

impl RequestBody {
    /// Encode as a `7F4E` data object.
    pub fn encode(&self) -> Vec<u8> {
        let mut items = vec![encode(0x5F29, &[self.profile_identifier])];
        if let Some(car) = &self.car {
            items.push(encode(0x42, car.as_bytes()));
        }
        items.push(self.public_key.encode());
        items.push(encode(0x5F20, self.chr.as_bytes()));
        if let Some(ext) = &self.extensions {
            items.push(encode_extensions(ext));
        }
        encode_constructed(0x7F4E, &items)
    }
}

/// A certificate request, optionally wrapped with an outer signature (`67`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    /// The request body.
    pub body: RequestBody,
    /// Inner signature (made with the requested key).
    pub signature: Vec<u8>,
    /// The outer signature, for an authenticated request.
    pub outer: Option<OuterSignature>,
    raw: Vec<u8>,
}

impl CertificateRequest {
    /// Decode `7F21` (inner request only) or `67 { 7F21, 42, 5F37 }` (authenticated request).
    pub fn decode(bytes: &[u8]) -> Result<CertificateRequest, CvcError> {
        check_len(bytes)?;
        let top = emrtd_tlv::parse_exact(bytes)?;
        let (inner_bytes, outer) = if top.tag == 0x67 {
            let mut e = Elements {
                items: emrtd_tlv::parse_all(top.value)?,
                pos: 0,
                last: "start of the authenticated request",
            };
            let inner = e.take(0x7F21, "CV certificate request")?;
            let car = CvReference::new(e.take(0x42, "outer CAR")?.value, "outer CAR")?;
            let sig = e.take(0x5F37, "outer signature")?;
            e.finish()?;
            if sig.value.is_empty() {
                return Err(CvcError::EmptySignature);
            }
            (
                inner.raw,
                Some(OuterSignature {
                    car,
                    signature: sig.value.to_vec(),
                }),
            )
        } else {
            (bytes, None)
        };
        let (body_tlv, signature) = split_outer(inner_bytes)?;
        let mut e = Elements {
            items: emrtd_tlv::parse_all(body_tlv.value)?,
            pos: 0,
            last: "start of the body",
        };
        let profile_identifier =
            profile_identifier(&e.take(0x5F29, "certificate profile identifier")?)?;
        let car = match e.take_optional(0x42, "CAR") {
            Some(t) => Some(CvReference::new(t.value, "CAR")?),
            None => None,
        };
        let public_key = CvPublicKey::decode_value(e.take(0x7F49, "public key")?.value)?;
        let chr = CvReference::new(e.take(0x5F20, "CHR")?.value, "CHR")?;
        let extensions = match e.take_optional(0x65, "certificate extensions") {
            Some(t) => Some(decode_extensions(t.value)?),
            None => None,
        };
        e.finish()?;
        Ok(CertificateRequest {
            body: RequestBody {
                profile_identifier,
                car,
                public_key,
                chr,
                extensions,
            },
            signature,
            outer,
            raw: bytes.to_vec(),
        })
    }

    /// Re-encode from the decoded fields.
    pub fn encode(&self) -> Vec<u8> {
        let inner = encode_constructed(
            0x7F21,
            &[self.body.encode(), encode(0x5F37, &self.signature)],
        );
        match &self.outer {
            None => inner,
            Some(o) => encode_constructed(
                0x67,
                &[
                    inner,
                    encode(0x42, o.car.as_bytes()),
                    encode(0x5F37, &o.signature),
                ],
            ),
        }
    }

    /// The request as received.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example_terminal() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/eac/tc_ecdh_ta_cert.bin"
        ))
        .unwrap()
    }

    #[test]
    fn every_truncation_of_a_certificate_is_a_typed_error() {
        let b = example_terminal();
        for n in 0..b.len() {
            assert!(
                CvCertificate::decode(&b[..n]).is_err(),
                "prefix of {n} bytes"
            );
            assert!(CertificateRequest::decode(&b[..n]).is_err());
        }
        let mut extra = b.clone();
        extra.push(0);
        assert!(matches!(
            CvCertificate::decode(&extra),
            Err(CvcError::Tlv(TlvError::TrailingBytes(1)))
        ));
    }

    #[test]
    fn every_single_byte_change_decodes_or_fails_without_panic() {
        let b = example_terminal();
        for i in 0..b.len() {
            for x in [0x00u8, 0x01, 0x80, 0xFF] {
                let mut m = b.clone();
                m[i] ^= x;
                let _ = CvCertificate::decode(&m);
            }
        }
    }

    #[test]
    fn huge_declared_lengths_are_refused_before_allocation() {
        // 7F21 with a 4-byte length of 2^31.
        assert!(CvCertificate::decode(&[0x7F, 0x21, 0x84, 0x80, 0, 0, 0, 0x7F, 0x4E]).is_err());
        let big = vec![0u8; MAX_CERTIFICATE_LEN + 1];
        assert!(matches!(
            CvCertificate::decode(&big),
            Err(CvcError::TooLong { .. })
        ));
    }

    #[test]
    fn elements_out_of_order_or_malformed_are_named() {
        let b = example_terminal();
        let c = CvCertificate::decode(&b).unwrap();
        // Profile identifier other than 00.
        let mut body = c.body.clone();
        body.profile_identifier = 1;
        let e =
            CvCertificate::decode(&CvCertificate::from_parts(body, c.signature.clone()).encode());
        assert_eq!(e, Err(CvcError::ProfileIdentifier(vec![1])));
        // CHAT before CHR.
        let items = [
            encode(0x5F29, &[0]),
            encode(0x42, b"DETESTDVDE019"),
            c.body.public_key.encode(),
            c.body.chat.encode(),
            encode(0x5F20, b"DETESTATDE019"),
        ];
        let cert = encode_constructed(
            0x7F21,
            &[encode_constructed(0x7F4E, &items), encode(0x5F37, &[1])],
        );
        assert!(matches!(
            CvCertificate::decode(&cert),
            Err(CvcError::UnexpectedTag {
                expected: "CHR",
                found: 0x7F4C,
                ..
            })
        ));
        // A control character in the CHR.
        assert!(CvReference::new(b"DE\x01TEST", "CHR").is_err());
        assert!(CvReference::new(&[b'A'; 17], "CHR").is_err());
        // Unknown algorithm OID.
        let pk = encode_constructed(
            0x7F49,
            &[encode(0x06, &[0x2A, 0x03]), encode(0x86, &[4, 1, 2])],
        );
        assert!(matches!(
            CvPublicKey::decode_value(&pk[3..]),
            Err(CvcError::UnsupportedAlgorithm(_))
        ));
        // An RSA key with EC elements.
        let pk = [
            encode(
                0x06,
                &TaAlgorithm::RsaPss(crate::algorithm::RsaHash::Sha256).oid(),
            ),
            encode(0x86, &[4]),
        ]
        .concat();
        assert!(matches!(
            CvPublicKey::decode_value(&pk),
            Err(CvcError::PublicKey(_))
        ));
        // Empty signature.
        let cert = encode_constructed(0x7F21, &[c.body.encode(), encode(0x5F37, &[])]);
        assert_eq!(CvCertificate::decode(&cert), Err(CvcError::EmptySignature));
    }
}
