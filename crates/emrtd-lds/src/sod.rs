//! EF.SOD (Document Security Object, ICAO Doc 9303-10 §4.6.2) and the CMS `SignedData` it wraps.
//!
//! EF.SOD is tag `0x77` around a CMS `ContentInfo` whose content is `SignedData` (RFC 5652) whose
//! encapsulated content is an `LDSSecurityObject`. The same `SignedData` container carries
//! EF.CardSecurity (content: `SecurityInfos`) and CSCA master lists (content: `CscaMasterList`),
//! so [`SignedData`] is usable on its own.
//!
//! Decoding is BER-tolerant (real documents use indefinite lengths, e.g. New Zealand) and keeps
//! every byte string that a signature or a hash covers exactly as it appeared in the file:
//! the encapsulated content, the signed attributes and each embedded certificate.
//!
//! [`encode_signed_data`] and [`Sod::encode`] build a DER EF.SOD from an [`LdsSecurityObject`]
//! and signer parts; the signature itself comes from a caller-supplied callback.

use crate::common::int_tlv;
use crate::LdsError;
use const_oid::ObjectIdentifier;
use serde::Serialize;

const FILE: &str = "EF.SOD";
const CMS: &str = "CMS SignedData";

/// Largest EF.SOD accepted (1 MiB); real ones are a few KiB.
pub const MAX_SOD_LEN: usize = 1 << 20;
/// Largest CMS object accepted by [`SignedData::parse`] (32 MiB; master lists are about 1 MiB).
pub const MAX_SIGNED_DATA_LEN: usize = 32 << 20;
/// Most data-group hashes accepted in an LDSSecurityObject (ICAO allows 16).
pub const MAX_DATA_GROUP_HASHES: usize = 16;

/// Object identifiers used by EF.SOD and its container, typed (dotted text only at the edge).
pub mod oid {
    use const_oid::ObjectIdentifier as Oid;

    /// `id-signedData` (RFC 5652).
    pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    /// `id-icao-mrtd-security-ldsSecurityObject`.
    pub const LDS_SECURITY_OBJECT: Oid = Oid::new_unwrap("2.23.136.1.1.1");
    /// `id-data` (RFC 5652): used instead of the ICAO OID by some issuers (China).
    pub const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
    /// The legacy ICAO arc used by some French and Belgian documents.
    pub const LDS_SECURITY_OBJECT_LEGACY: Oid = Oid::new_unwrap("1.3.27.1.1.1");
    /// The Sdu (Netherlands) OID some Dutch documents use.
    pub const LDS_SECURITY_OBJECT_SDU_NL: Oid = Oid::new_unwrap("1.2.528.1.1006.1.20.1");
    /// eContentTypes that genuine EF.SODs carry instead of [`LDS_SECURITY_OBJECT`].
    pub const LDS_SECURITY_OBJECT_ALTERNATIVES: [Oid; 3] =
        [DATA, LDS_SECURITY_OBJECT_LEGACY, LDS_SECURITY_OBJECT_SDU_NL];
    /// `id-icao-cscaMasterList`.
    pub const CSCA_MASTER_LIST: Oid = Oid::new_unwrap("2.23.136.1.1.2");
    /// `id-SecurityObject` (BSI TR-03110), content type of EF.CardSecurity.
    pub const SECURITY_OBJECT: Oid = Oid::new_unwrap("0.4.0.127.0.7.3.2.1");
    /// CMS attribute `content-type`.
    pub const ATTR_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
    /// CMS attribute `message-digest`.
    pub const ATTR_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    /// CMS attribute `signing-time`.
    pub const ATTR_SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
    /// SHA-1.
    pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
    /// SHA-224.
    pub const SHA224: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.4");
    /// SHA-256.
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    /// SHA-384.
    pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
    /// SHA-512.
    pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
}

/// Name of a digest algorithm OID (`"SHA-256"`), or `None` when it is not one ICAO allows.
pub fn digest_name(oid: &str) -> Option<&'static str> {
    let typed = typed_oid(oid)?;
    Some(match typed {
        oid::SHA1 => "SHA-1",
        oid::SHA224 => "SHA-224",
        oid::SHA256 => "SHA-256",
        oid::SHA384 => "SHA-384",
        oid::SHA512 => "SHA-512",
        _ => return None,
    })
}

/// The dotted OID `dotted` (as decoded from the chip or a file) as a typed OID; `None` when it
/// is malformed or longer than an [`ObjectIdentifier`] holds. Goes through the DER bytes:
/// `ObjectIdentifier::new` panics on some hostile text (const-oid 0.9 overflows an arc).
pub fn typed_oid(dotted: &str) -> Option<ObjectIdentifier> {
    ObjectIdentifier::from_bytes(&oid_from_str(dotted)?).ok()
}

/// Whether the dotted OID `dotted` (as decoded from the chip or a file) is `expected`, compared
/// as typed OIDs; a string that is no OID matches nothing.
pub fn oid_is(dotted: &str, expected: ObjectIdentifier) -> bool {
    typed_oid(dotted) == Some(expected)
}

// ---------------------------------------------------------------------------------------------
// Minimal BER reader: definite and indefinite lengths, bounded depth, never panics.
// ---------------------------------------------------------------------------------------------

const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, Copy)]
struct Ber<'a> {
    tag: u32,
    /// Content octets (without the end-of-contents marker of an indefinite length).
    content: &'a [u8],
    /// The whole encoding as it appeared.
    raw: &'a [u8],
}

fn ber_err(file: &'static str, reason: impl Into<String>) -> LdsError {
    LdsError::Asn1 {
        file,
        reason: reason.into(),
    }
}

fn read_tag(input: &[u8]) -> Option<(u32, usize)> {
    let first = *input.first()?;
    if first & 0x1F != 0x1F {
        return Some((u32::from(first), 1));
    }
    let mut tag = u32::from(first);
    for (i, b) in input.iter().enumerate().skip(1).take(3) {
        tag = (tag << 8) | u32::from(*b);
        if b & 0x80 == 0 {
            return Some((tag, i + 1));
        }
    }
    None
}

fn read_ber(input: &[u8], depth: usize) -> Result<(Ber<'_>, &[u8]), String> {
    if depth > MAX_DEPTH {
        return Err(format!("nesting deeper than {MAX_DEPTH}"));
    }
    let (tag, tag_len) = read_tag(input).ok_or("truncated or over-long tag")?;
    let constructed = input.first().is_some_and(|b| b & 0x20 != 0);
    let after_tag = input.get(tag_len..).ok_or("truncated tag")?;
    let first = *after_tag.first().ok_or("missing length")?;
    if first == 0x80 {
        if !constructed {
            return Err("indefinite length on a primitive value".into());
        }
        let start = tag_len + 1;
        let mut rest = input.get(start..).ok_or("truncated")?;
        loop {
            if rest.len() >= 2 && rest[0] == 0 && rest[1] == 0 {
                let content_len = input.len() - start - rest.len();
                let end = start + content_len + 2;
                let content = input.get(start..start + content_len).ok_or("truncated")?;
                let raw = input.get(..end).ok_or("truncated")?;
                let tail = input.get(end..).ok_or("truncated")?;
                return Ok((Ber { tag, content, raw }, tail));
            }
            if rest.is_empty() {
                return Err("indefinite length without end-of-contents".into());
            }
            let (_, r) = read_ber(rest, depth + 1)?;
            rest = r;
        }
    }
    let (len, len_len) = if first < 0x80 {
        (usize::from(first), 1)
    } else {
        let n = usize::from(first & 0x7F);
        if n > 4 {
            return Err("length field longer than 4 bytes".into());
        }
        let bytes = after_tag.get(1..1 + n).ok_or("truncated length")?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, 1 + n)
    };
    let header = tag_len + len_len;
    let end = header
        .checked_add(len)
        .filter(|e| *e <= input.len())
        .ok_or_else(|| {
            format!(
                "value of tag {tag:X} needs {len} bytes, only {} left",
                input.len().saturating_sub(header)
            )
        })?;
    Ok((
        Ber {
            tag,
            content: &input[header..end],
            raw: &input[..end],
        },
        &input[end..],
    ))
}

impl<'a> Ber<'a> {
    fn children(&self) -> Result<Vec<Ber<'a>>, String> {
        let mut out = Vec::new();
        let mut rest = self.content;
        while !rest.is_empty() {
            let (c, r) = read_ber(rest, 1)?;
            out.push(c);
            rest = r;
        }
        Ok(out)
    }

    /// Content of an OCTET STRING, primitive or (BER) constructed.
    fn octets(&self, depth: usize) -> Result<Vec<u8>, String> {
        match self.tag {
            0x04 => Ok(self.content.to_vec()),
            0x24 if depth < MAX_DEPTH => {
                let mut out = Vec::new();
                for c in self.children()? {
                    out.extend(c.octets(depth + 1)?);
                }
                Ok(out)
            }
            t => Err(format!("expected OCTET STRING, found tag {t:X}")),
        }
    }
}

fn parse_top<'a>(input: &'a [u8], file: &'static str) -> Result<Ber<'a>, LdsError> {
    let (obj, rest) = read_ber(input, 0).map_err(|e| ber_err(file, e))?;
    if !rest.is_empty() {
        return Err(ber_err(
            file,
            format!("{} unexpected byte(s) after the object", rest.len()),
        ));
    }
    Ok(obj)
}

/// Does the encoding follow DER's length rules throughout (definite, minimal lengths)? BER
/// documents (indefinite lengths, as US passports encode EF.SOD) decode all the same; callers
/// report the deviation.
fn definite_minimal_lengths(input: &[u8], depth: usize) -> bool {
    let mut rest = input;
    while !rest.is_empty() {
        let Some((_, tag_len)) = read_tag(rest) else {
            return false;
        };
        let constructed = rest[0] & 0x20 != 0;
        let Some(&first) = rest.get(tag_len) else {
            return false;
        };
        if first == 0x80 {
            return false;
        }
        let (len, len_len) = if first < 0x80 {
            (usize::from(first), 1)
        } else {
            let n = usize::from(first & 0x7F);
            let Some(bytes) = rest.get(tag_len + 1..tag_len + 1 + n) else {
                return false;
            };
            if n > 4 || bytes.first() == Some(&0) {
                return false;
            }
            let len = bytes.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b));
            if len < 0x80 {
                return false;
            }
            (len, 1 + n)
        };
        let start = tag_len + len_len;
        let Some(content) = start.checked_add(len).and_then(|end| rest.get(start..end)) else {
            return false;
        };
        if constructed && (depth >= MAX_DEPTH || !definite_minimal_lengths(content, depth + 1)) {
            return false;
        }
        rest = &rest[start + len..];
    }
    true
}

fn expect<'a>(
    obj: Option<&Ber<'a>>,
    tag: u32,
    file: &'static str,
    element: &'static str,
) -> Result<Ber<'a>, LdsError> {
    match obj {
        None => Err(LdsError::Missing { file, element }),
        Some(o) if o.tag == tag => Ok(*o),
        Some(o) => Err(LdsError::Invalid {
            file,
            element,
            reason: format!("expected tag {tag:X}, found {:X}", o.tag),
        }),
    }
}

fn children<'a>(obj: &Ber<'a>, file: &'static str) -> Result<Vec<Ber<'a>>, LdsError> {
    obj.children().map_err(|e| ber_err(file, e))
}

/// Decode a two's complement INTEGER that must fit an `i64`.
fn integer(obj: &Ber<'_>, file: &'static str, element: &'static str) -> Result<i64, LdsError> {
    let bad = |reason: &str| LdsError::Invalid {
        file,
        element,
        reason: reason.into(),
    };
    if obj.tag != 0x02 {
        return Err(bad(&format!("expected INTEGER, found tag {:X}", obj.tag)));
    }
    let c = obj.content;
    if c.is_empty() || c.len() > 8 {
        return Err(bad("INTEGER is empty or larger than 64 bits"));
    }
    let neg = c[0] & 0x80 != 0;
    let mut v: i64 = if neg { -1 } else { 0 };
    for b in c {
        v = (v << 8) | i64::from(*b);
    }
    Ok(v)
}

/// Dotted string of an OBJECT IDENTIFIER's content octets; `None` when malformed.
pub fn oid_to_string(content: &[u8]) -> Option<String> {
    if content.is_empty() || content.len() > 128 {
        return None;
    }
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    let mut in_arc = false;
    for b in content {
        if !in_arc && *b == 0x80 {
            return None; // non-minimal encoding
        }
        if acc > (u64::MAX >> 7) {
            return None;
        }
        acc = (acc << 7) | u64::from(b & 0x7F);
        in_arc = true;
        if b & 0x80 == 0 {
            arcs.push(acc);
            acc = 0;
            in_arc = false;
        }
    }
    if in_arc {
        return None;
    }
    let first = *arcs.first()?;
    let (a, b) = match first {
        0..=39 => (0, first),
        40..=79 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut s = format!("{a}.{b}");
    for arc in &arcs[1..] {
        s.push('.');
        s.push_str(&arc.to_string());
    }
    Some(s)
}

/// Content octets of an OBJECT IDENTIFIER given in dotted form; `None` when malformed.
pub fn oid_from_str(dotted: &str) -> Option<Vec<u8>> {
    let arcs: Vec<u64> = dotted
        .split('.')
        .map(|a| a.parse::<u64>().ok())
        .collect::<Option<_>>()?;
    if arcs.len() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39) {
        return None;
    }
    let mut out = Vec::new();
    let first = arcs[0].checked_mul(40)?.checked_add(arcs[1])?;
    for arc in std::iter::once(first).chain(arcs[2..].iter().copied()) {
        let mut chunk = vec![(arc & 0x7F) as u8];
        let mut v = arc >> 7;
        while v > 0 {
            chunk.push(((v & 0x7F) as u8) | 0x80);
            v >>= 7;
        }
        chunk.reverse();
        out.extend(chunk);
    }
    Some(out)
}

fn oid(obj: &Ber<'_>, file: &'static str, element: &'static str) -> Result<String, LdsError> {
    if obj.tag != 0x06 {
        return Err(LdsError::Invalid {
            file,
            element,
            reason: format!("expected OBJECT IDENTIFIER, found tag {:X}", obj.tag),
        });
    }
    oid_to_string(obj.content).ok_or(LdsError::Invalid {
        file,
        element,
        reason: "malformed OBJECT IDENTIFIER".into(),
    })
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/// An `AlgorithmIdentifier`: OID plus the parameters' raw encoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlgorithmIdentifier {
    /// Dotted OID.
    pub oid: String,
    /// Raw TLV of the parameters, if any (an explicit NULL is kept as `05 00`).
    #[serde(skip)]
    pub parameters: Option<Vec<u8>>,
}

impl AlgorithmIdentifier {
    fn parse(obj: &Ber<'_>, file: &'static str, element: &'static str) -> Result<Self, LdsError> {
        let seq = expect(Some(obj), 0x30, file, element)?;
        let items = children(&seq, file)?;
        let oid_obj = expect(items.first(), 0x06, file, element)?;
        if items.len() > 2 {
            return Err(LdsError::Invalid {
                file,
                element,
                reason: "AlgorithmIdentifier has more than two elements".into(),
            });
        }
        Ok(AlgorithmIdentifier {
            oid: oid(&oid_obj, file, element)?,
            parameters: items.get(1).map(|p| p.raw.to_vec()),
        })
    }

    /// DER encoding.
    pub fn to_der(&self) -> Option<Vec<u8>> {
        let mut body = der_tlv(0x06, &oid_from_str(&self.oid)?);
        if let Some(p) = &self.parameters {
            body.extend_from_slice(p);
        }
        Some(der_tlv(0x30, &body))
    }

    /// An identifier without parameters.
    pub fn new(oid: impl ToString) -> Self {
        AlgorithmIdentifier {
            oid: oid.to_string(),
            parameters: None,
        }
    }
}

/// How a SignerInfo names its signer's certificate.
// Not #[non_exhaustive]: the SignerIdentifier CHOICE of RFC 5652 has these two alternatives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerIdentifier {
    /// `issuerAndSerialNumber` (SignerInfo version 1).
    IssuerAndSerialNumber {
        /// Raw DER of the issuer `Name` as it appears in the SignerInfo.
        issuer: Vec<u8>,
        /// Content octets of the serial number INTEGER.
        serial: Vec<u8>,
    },
    /// `[0] subjectKeyIdentifier` (SignerInfo version 3).
    SubjectKeyIdentifier(Vec<u8>),
}

/// One CMS attribute: type and the raw TLV of each value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attribute {
    /// Dotted OID of the attribute type.
    pub oid: String,
    /// Raw TLV of each value in the attribute's SET.
    pub values: Vec<Vec<u8>>,
}

/// The `signedAttrs` of a SignerInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedAttributes {
    /// The `[0] IMPLICIT` encoding exactly as in the file (first byte `A0`).
    pub raw: Vec<u8>,
    /// Decoded attributes, in file order.
    pub attributes: Vec<Attribute>,
}

impl SignedAttributes {
    /// The bytes the signature covers (RFC 5652 §5.4): the attributes as in the file with the
    /// `[0]` tag replaced by the SET OF tag `0x31`. Nothing else is re-encoded.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut out = self.raw.clone();
        if let Some(first) = out.first_mut() {
            *first = 0x31;
        }
        out
    }

    /// All attributes of a type.
    pub fn all(&self, oid: ObjectIdentifier) -> impl Iterator<Item = &Attribute> {
        self.attributes.iter().filter(move |a| oid_is(&a.oid, oid))
    }

    /// The single value of a single-valued attribute; `None` when absent, repeated or multi-valued.
    pub fn single_value(&self, oid: ObjectIdentifier) -> Option<&[u8]> {
        let mut it = self.all(oid);
        let a = it.next()?;
        if it.next().is_some() || a.values.len() != 1 {
            return None;
        }
        a.values.first().map(Vec::as_slice)
    }

    /// The `content-type` attribute's OID, if present and well formed.
    pub fn content_type(&self) -> Option<String> {
        let v = self.single_value(oid::ATTR_CONTENT_TYPE)?;
        let (obj, rest) = read_ber(v, 0).ok()?;
        if !rest.is_empty() || obj.tag != 0x06 {
            return None;
        }
        oid_to_string(obj.content)
    }

    /// The `message-digest` attribute's octets, if present and well formed.
    pub fn message_digest(&self) -> Option<Vec<u8>> {
        let v = self.single_value(oid::ATTR_MESSAGE_DIGEST)?;
        let (obj, rest) = read_ber(v, 0).ok()?;
        if !rest.is_empty() {
            return None;
        }
        obj.octets(0).ok()
    }

    /// Raw TLV (UTCTime or GeneralizedTime) of the `signing-time` attribute, if present.
    pub fn signing_time(&self) -> Option<&[u8]> {
        self.single_value(oid::ATTR_SIGNING_TIME)
    }
}

/// One `SignerInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignerInfo {
    /// `version` (1 with issuerAndSerialNumber, 3 with subjectKeyIdentifier).
    pub version: i64,
    /// Signer's certificate identifier.
    pub sid: SignerIdentifier,
    /// Digest algorithm for the message digest.
    pub digest_algorithm: AlgorithmIdentifier,
    /// Signed attributes, if any (ICAO requires them).
    pub signed_attrs: Option<SignedAttributes>,
    /// Signature algorithm.
    pub signature_algorithm: AlgorithmIdentifier,
    /// Signature value.
    pub signature: Vec<u8>,
    /// Raw `[1]` unsigned attributes, if any.
    pub unsigned_attrs: Option<Vec<u8>>,
}

/// A CMS `ContentInfo` carrying `SignedData`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedData {
    /// The `ContentInfo` encoding exactly as given.
    pub raw: Vec<u8>,
    /// `SignedData.version`.
    pub version: i64,
    /// `digestAlgorithms`.
    pub digest_algorithms: Vec<AlgorithmIdentifier>,
    /// `encapContentInfo.eContentType` (dotted OID).
    pub content_type: String,
    /// `encapContentInfo.eContent` octets exactly as in the file (`None` when detached).
    pub content: Option<Vec<u8>>,
    /// Raw DER of every certificate in `certificates` (other certificate choices are skipped).
    pub certificates: Vec<Vec<u8>>,
    /// Raw encoding of every entry in `crls`.
    pub crls: Vec<Vec<u8>>,
    /// `signerInfos`.
    pub signer_infos: Vec<SignerInfo>,
    /// False when the ContentInfo is BER rather than DER (indefinite or non-minimal lengths).
    pub der_lengths: bool,
}

impl SignedData {
    /// Decode a CMS `ContentInfo` whose content type is `id-signedData`.
    pub fn parse(input: &[u8]) -> Result<Self, LdsError> {
        Self::parse_as(input, CMS)
    }

    fn parse_as(input: &[u8], file: &'static str) -> Result<Self, LdsError> {
        if input.len() > MAX_SIGNED_DATA_LEN {
            return Err(LdsError::Invalid {
                file,
                element: "ContentInfo",
                reason: format!(
                    "{} bytes is larger than the {MAX_SIGNED_DATA_LEN} accepted",
                    input.len()
                ),
            });
        }
        let ci = parse_top(input, file)?;
        let ci = expect(Some(&ci), 0x30, file, "ContentInfo")?;
        let ci_items = children(&ci, file)?;
        let ct = expect(ci_items.first(), 0x06, file, "ContentInfo.contentType")?;
        let ct = oid(&ct, file, "ContentInfo.contentType")?;
        if !oid_is(&ct, oid::SIGNED_DATA) {
            return Err(LdsError::Invalid {
                file,
                element: "ContentInfo.contentType",
                reason: format!("{ct} is not id-signedData ({})", oid::SIGNED_DATA),
            });
        }
        let explicit = expect(ci_items.get(1), 0xA0, file, "ContentInfo.content")?;
        let sd_list = children(&explicit, file)?;
        if sd_list.len() != 1 {
            return Err(LdsError::Invalid {
                file,
                element: "ContentInfo.content",
                reason: "must hold exactly one SignedData".into(),
            });
        }
        let sd = expect(sd_list.first(), 0x30, file, "SignedData")?;
        let items = children(&sd, file)?;
        let mut it = items.iter().peekable();

        let version = integer(
            &expect(it.next(), 0x02, file, "SignedData.version")?,
            file,
            "SignedData.version",
        )?;
        let digest_set = expect(it.next(), 0x31, file, "SignedData.digestAlgorithms")?;
        let digest_algorithms = children(&digest_set, file)?
            .iter()
            .map(|a| AlgorithmIdentifier::parse(a, file, "SignedData.digestAlgorithms"))
            .collect::<Result<Vec<_>, _>>()?;

        let eci = expect(it.next(), 0x30, file, "SignedData.encapContentInfo")?;
        let eci_items = children(&eci, file)?;
        let ect = expect(eci_items.first(), 0x06, file, "eContentType")?;
        let content_type = oid(&ect, file, "eContentType")?;
        let content = match eci_items.get(1) {
            None => None,
            Some(e) => {
                let e = expect(Some(e), 0xA0, file, "eContent")?;
                let inner = children(&e, file)?;
                if inner.len() != 1 {
                    return Err(LdsError::Invalid {
                        file,
                        element: "eContent",
                        reason: "[0] must hold exactly one OCTET STRING".into(),
                    });
                }
                let octets = inner
                    .first()
                    .map(|o| o.octets(0))
                    .transpose()
                    .map_err(|reason| LdsError::Invalid {
                        file,
                        element: "eContent",
                        reason,
                    })?;
                octets
            }
        };
        if eci_items.len() > 2 {
            return Err(LdsError::Invalid {
                file,
                element: "encapContentInfo",
                reason: "more than two elements".into(),
            });
        }

        let mut certificates = Vec::new();
        if let Some(c) = it.next_if(|o| o.tag == 0xA0) {
            for cert in children(c, file)? {
                if cert.tag == 0x30 {
                    certificates.push(cert.raw.to_vec());
                }
            }
        }
        let mut crls = Vec::new();
        if let Some(c) = it.next_if(|o| o.tag == 0xA1) {
            for crl in children(c, file)? {
                crls.push(crl.raw.to_vec());
            }
        }
        let si_set = expect(it.next(), 0x31, file, "SignedData.signerInfos")?;
        if let Some(extra) = it.next() {
            return Err(LdsError::Invalid {
                file,
                element: "SignedData",
                reason: format!(
                    "unexpected element with tag {:X} after signerInfos",
                    extra.tag
                ),
            });
        }
        let signer_infos = children(&si_set, file)?
            .iter()
            .map(|s| parse_signer_info(s, file))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SignedData {
            der_lengths: definite_minimal_lengths(input, 0),
            raw: input.to_vec(),
            version,
            digest_algorithms,
            content_type,
            content,
            certificates,
            crls,
            signer_infos,
        })
    }
}

fn parse_signer_info(obj: &Ber<'_>, file: &'static str) -> Result<SignerInfo, LdsError> {
    let si = expect(Some(obj), 0x30, file, "SignerInfo")?;
    let items = children(&si, file)?;
    let mut it = items.iter().peekable();
    let version = integer(
        &expect(it.next(), 0x02, file, "SignerInfo.version")?,
        file,
        "SignerInfo.version",
    )?;
    let sid_obj = it.next().ok_or(LdsError::Missing {
        file,
        element: "SignerInfo.sid",
    })?;
    let sid = match sid_obj.tag {
        0x30 => {
            let parts = children(sid_obj, file)?;
            let issuer = expect(parts.first(), 0x30, file, "issuerAndSerialNumber.issuer")?;
            let serial = expect(
                parts.get(1),
                0x02,
                file,
                "issuerAndSerialNumber.serialNumber",
            )?;
            if parts.len() != 2 || serial.content.is_empty() {
                return Err(LdsError::Invalid {
                    file,
                    element: "issuerAndSerialNumber",
                    reason: "must be exactly an issuer Name and a non-empty serial number".into(),
                });
            }
            SignerIdentifier::IssuerAndSerialNumber {
                issuer: issuer.raw.to_vec(),
                serial: serial.content.to_vec(),
            }
        }
        0x80 => SignerIdentifier::SubjectKeyIdentifier(sid_obj.content.to_vec()),
        // Some encoders wrap the key identifier in a constructed [0] holding an OCTET STRING.
        0xA0 => {
            let inner = children(sid_obj, file)?;
            let o = expect(inner.first(), 0x04, file, "subjectKeyIdentifier")?;
            SignerIdentifier::SubjectKeyIdentifier(o.content.to_vec())
        }
        t => {
            return Err(LdsError::Invalid {
                file,
                element: "SignerInfo.sid",
                reason: format!("tag {t:X} is neither issuerAndSerialNumber nor [0]"),
            })
        }
    };
    let digest_algorithm = AlgorithmIdentifier::parse(
        &expect(it.next(), 0x30, file, "SignerInfo.digestAlgorithm")?,
        file,
        "SignerInfo.digestAlgorithm",
    )?;
    let signed_attrs = match it.next_if(|o| o.tag == 0xA0) {
        None => None,
        Some(a) => {
            let mut attributes = Vec::new();
            for attr in children(a, file)? {
                let attr = expect(Some(&attr), 0x30, file, "signedAttrs.Attribute")?;
                let parts = children(&attr, file)?;
                let t = expect(parts.first(), 0x06, file, "Attribute.attrType")?;
                let vals = expect(parts.get(1), 0x31, file, "Attribute.attrValues")?;
                if parts.len() != 2 {
                    return Err(LdsError::Invalid {
                        file,
                        element: "signedAttrs.Attribute",
                        reason: "must be exactly a type and a SET of values".into(),
                    });
                }
                attributes.push(Attribute {
                    oid: oid(&t, file, "Attribute.attrType")?,
                    values: children(&vals, file)?
                        .iter()
                        .map(|v| v.raw.to_vec())
                        .collect(),
                });
            }
            Some(SignedAttributes {
                raw: a.raw.to_vec(),
                attributes,
            })
        }
    };
    let signature_algorithm = AlgorithmIdentifier::parse(
        &expect(it.next(), 0x30, file, "SignerInfo.signatureAlgorithm")?,
        file,
        "SignerInfo.signatureAlgorithm",
    )?;
    let sig = expect(it.next(), 0x04, file, "SignerInfo.signature")?;
    let signature = sig.octets(0).map_err(|reason| LdsError::Invalid {
        file,
        element: "SignerInfo.signature",
        reason,
    })?;
    let unsigned_attrs = it.next_if(|o| o.tag == 0xA1).map(|u| u.raw.to_vec());
    if let Some(extra) = it.next() {
        return Err(LdsError::Invalid {
            file,
            element: "SignerInfo",
            reason: format!("unexpected element with tag {:X}", extra.tag),
        });
    }
    Ok(SignerInfo {
        version,
        sid,
        digest_algorithm,
        signed_attrs,
        signature_algorithm,
        signature,
        unsigned_attrs,
    })
}

/// Digest algorithm of an LDSSecurityObject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DigestAlgorithm {
    /// Dotted OID.
    pub oid: String,
    /// `"SHA-256"` etc., or `"unknown"`.
    pub name: String,
    /// Raw parameters TLV (normally absent or NULL).
    #[serde(skip)]
    pub parameters: Option<Vec<u8>>,
}

impl DigestAlgorithm {
    /// The algorithm for a dotted OID, without parameters.
    pub fn from_oid(oid: impl ToString) -> Self {
        let oid = oid.to_string();
        DigestAlgorithm {
            name: digest_name(&oid).unwrap_or("unknown").into(),
            oid,
            parameters: None,
        }
    }
}

/// `LDSSecurityObject` (ICAO Doc 9303-10 §4.6.2.2), versions 0 and 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LdsSecurityObject {
    /// `version`: 0, or 1 when `ldsVersionInfo` is present.
    pub version: i64,
    /// Hash algorithm of the data-group hashes.
    pub hash_algorithm: DigestAlgorithm,
    /// `(data group number, hash)` in file order.
    pub data_group_hashes: Vec<(u8, Vec<u8>)>,
    /// `(ldsVersion, unicodeVersion)`, e.g. `("0108", "040000")`.
    pub lds_version_info: Option<(String, String)>,
}

impl LdsSecurityObject {
    /// Decode the DER of an LDSSecurityObject (the eContent of EF.SOD).
    pub fn parse(input: &[u8]) -> Result<Self, LdsError> {
        const F: &str = "LDSSecurityObject";
        let top = parse_top(input, F)?;
        let top = expect(Some(&top), 0x30, F, "LDSSecurityObject")?;
        let items = children(&top, F)?;
        let version = integer(&expect(items.first(), 0x02, F, "version")?, F, "version")?;
        let alg = AlgorithmIdentifier::parse(
            &expect(items.get(1), 0x30, F, "hashAlgorithm")?,
            F,
            "hashAlgorithm",
        )?;
        let hashes = expect(items.get(2), 0x30, F, "dataGroupHashValues")?;
        let mut data_group_hashes: Vec<(u8, Vec<u8>)> = Vec::new();
        for dgh in children(&hashes, F)? {
            if data_group_hashes.len() >= MAX_DATA_GROUP_HASHES {
                return Err(LdsError::Invalid {
                    file: F,
                    element: "dataGroupHashValues",
                    reason: format!("more than {MAX_DATA_GROUP_HASHES} hashes"),
                });
            }
            let dgh = expect(Some(&dgh), 0x30, F, "DataGroupHash")?;
            let parts = children(&dgh, F)?;
            let n = integer(
                &expect(parts.first(), 0x02, F, "dataGroupNumber")?,
                F,
                "dataGroupNumber",
            )?;
            let h = expect(parts.get(1), 0x04, F, "dataGroupHashValue")?;
            if parts.len() != 2 {
                return Err(LdsError::Invalid {
                    file: F,
                    element: "DataGroupHash",
                    reason: "must be exactly a number and a hash".into(),
                });
            }
            let n = u8::try_from(n)
                .ok()
                .filter(|n| (1..=16).contains(n))
                .ok_or_else(|| LdsError::Invalid {
                    file: F,
                    element: "dataGroupNumber",
                    reason: format!("{n} is not a data group number (1 to 16)"),
                })?;
            if data_group_hashes.iter().any(|(m, _)| *m == n) {
                return Err(LdsError::Invalid {
                    file: F,
                    element: "dataGroupNumber",
                    reason: format!("DG{n} is listed twice"),
                });
            }
            data_group_hashes.push((n, h.content.to_vec()));
        }
        let lds_version_info = match items.get(3) {
            None => None,
            Some(v) => {
                let v = expect(Some(v), 0x30, F, "ldsVersionInfo")?;
                let parts = children(&v, F)?;
                let s = |o: Option<&Ber<'_>>, element: &'static str| -> Result<String, LdsError> {
                    let o = expect(o, 0x13, F, element)?;
                    String::from_utf8(o.content.to_vec()).map_err(|_| LdsError::Invalid {
                        file: F,
                        element,
                        reason: "not a PrintableString".into(),
                    })
                };
                if parts.len() != 2 {
                    return Err(LdsError::Invalid {
                        file: F,
                        element: "ldsVersionInfo",
                        reason: "must be exactly ldsVersion and unicodeVersion".into(),
                    });
                }
                Some((
                    s(parts.first(), "ldsVersion")?,
                    s(parts.get(1), "unicodeVersion")?,
                ))
            }
        };
        if items.len() > 4 {
            return Err(LdsError::Invalid {
                file: F,
                element: "LDSSecurityObject",
                reason: "more than four elements".into(),
            });
        }
        Ok(LdsSecurityObject {
            version,
            hash_algorithm: DigestAlgorithm {
                name: digest_name(&alg.oid).unwrap_or("unknown").into(),
                oid: alg.oid,
                parameters: alg.parameters,
            },
            data_group_hashes,
            lds_version_info,
        })
    }

    /// The hash recorded for a data group.
    pub fn hash_of(&self, dg: u8) -> Option<&[u8]> {
        self.data_group_hashes
            .iter()
            .find(|(n, _)| *n == dg)
            .map(|(_, h)| h.as_slice())
    }

    /// DER encoding. Fails only on an unencodable OID.
    pub fn to_der(&self) -> Result<Vec<u8>, LdsError> {
        let alg = AlgorithmIdentifier {
            oid: self.hash_algorithm.oid.clone(),
            parameters: self.hash_algorithm.parameters.clone(),
        };
        let mut body = int_tlv(0x02, self.version);
        body.extend(alg.to_der().ok_or_else(|| bad_oid(&alg.oid))?);
        let mut hashes = Vec::new();
        for (n, h) in &self.data_group_hashes {
            let mut dgh = int_tlv(0x02, i64::from(*n));
            dgh.extend(der_tlv(0x04, h));
            hashes.extend(der_tlv(0x30, &dgh));
        }
        body.extend(der_tlv(0x30, &hashes));
        if let Some((lds, uni)) = &self.lds_version_info {
            let mut v = der_tlv(0x13, lds.as_bytes());
            v.extend(der_tlv(0x13, uni.as_bytes()));
            body.extend(der_tlv(0x30, &v));
        }
        Ok(der_tlv(0x30, &body))
    }
}

fn bad_oid(oid: &str) -> LdsError {
    LdsError::Invalid {
        file: FILE,
        element: "OBJECT IDENTIFIER",
        reason: format!("{oid:?} is not a dotted OID"),
    }
}

/// A decoded EF.SOD.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sod {
    /// The file exactly as read (tag `0x77` included, trailing bytes included).
    pub raw: Vec<u8>,
    /// The CMS SignedData inside (its `raw` is the ContentInfo DER).
    pub signed_data: SignedData,
    /// The decoded eContent.
    pub lds_security_object: LdsSecurityObject,
    /// Bytes after the end of the `77` object (file padding, or data nobody signed). They are
    /// not part of EF.SOD; verifiers report them.
    pub trailing_bytes: usize,
}

impl Sod {
    /// Decode EF.SOD: `77 L ContentInfo`, BER or DER. Bytes after the `77` object are not
    /// decoded but counted in [`Sod::trailing_bytes`]. The eContentType must be
    /// `id-icao-mrtd-security-ldsSecurityObject` or one of the
    /// [`oid::LDS_SECURITY_OBJECT_ALTERNATIVES`] genuine documents use.
    pub fn parse(input: &[u8]) -> Result<Self, LdsError> {
        if input.len() > MAX_SOD_LEN {
            return Err(LdsError::Invalid {
                file: FILE,
                element: "EF.SOD",
                reason: format!(
                    "{} bytes is larger than the {MAX_SOD_LEN} accepted",
                    input.len()
                ),
            });
        }
        let (outer, rest) = read_ber(input, 0).map_err(|e| ber_err(FILE, e))?;
        if outer.tag != 0x77 {
            return Err(LdsError::UnexpectedTag {
                file: FILE,
                expected: 0x77,
                found: outer.tag,
            });
        }
        let signed_data = SignedData::parse_as(outer.content, FILE)?;
        let content_type = typed_oid(&signed_data.content_type);
        if content_type != Some(oid::LDS_SECURITY_OBJECT)
            && !content_type.is_some_and(|ct| oid::LDS_SECURITY_OBJECT_ALTERNATIVES.contains(&ct))
        {
            return Err(LdsError::Invalid {
                file: FILE,
                element: "eContentType",
                reason: format!(
                    "{} is not id-icao-mrtd-security-ldsSecurityObject ({})",
                    signed_data.content_type,
                    oid::LDS_SECURITY_OBJECT
                ),
            });
        }
        let content = signed_data.content.as_deref().ok_or(LdsError::Missing {
            file: FILE,
            element: "eContent",
        })?;
        let lds_security_object = LdsSecurityObject::parse(content)?;
        Ok(Sod {
            raw: input.to_vec(),
            signed_data,
            lds_security_object,
            trailing_bytes: rest.len(),
        })
    }

    /// True when the `77` wrapper and the ContentInfo follow DER's length rules.
    pub fn is_der(&self) -> bool {
        let end = self.raw.len().saturating_sub(self.trailing_bytes);
        definite_minimal_lengths(self.raw.get(..end).unwrap_or_default(), 0)
    }

    /// The eContent (DER of the LDSSecurityObject) exactly as in the file.
    pub fn econtent(&self) -> &[u8] {
        self.signed_data.content.as_deref().unwrap_or_default()
    }

    /// Build a DER EF.SOD: the LDSSecurityObject becomes the eContent, signed as `signer` says.
    pub fn encode<E>(
        lso: &LdsSecurityObject,
        signer: &SignerParts,
        sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, E>,
    ) -> Result<Vec<u8>, EncodeError<E>> {
        let content = lso.to_der().map_err(EncodeError::Lds)?;
        let ci = encode_signed_data(oid::LDS_SECURITY_OBJECT, &content, signer, sign)?;
        Ok(der_tlv(0x77, &ci))
    }
}

// ---------------------------------------------------------------------------------------------
// Encoder
// ---------------------------------------------------------------------------------------------

/// What the encoder needs to know about the signer. The signature is produced by a callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerParts {
    /// Digest algorithm of the message digest (SignerInfo.digestAlgorithm).
    pub digest_algorithm: AlgorithmIdentifier,
    /// Digest of the eContent with `digest_algorithm`, computed by the caller.
    pub message_digest: Vec<u8>,
    /// Signature algorithm (SignerInfo.signatureAlgorithm).
    pub signature_algorithm: AlgorithmIdentifier,
    /// How the signer is identified (selects SignerInfo version 1 or 3).
    pub sid: SignerIdentifier,
    /// DER of the Document Signer certificate to embed, if any.
    pub certificate: Option<Vec<u8>>,
    /// Raw TLV of a `signing-time` value (UTCTime `17 0D ...Z`), if wanted.
    pub signing_time: Option<Vec<u8>>,
}

/// Why encoding failed: a bad OID/value, or the signer callback's own error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError<E> {
    /// A value could not be encoded.
    #[error("cannot encode: {0}")]
    Lds(LdsError),
    /// The signing callback returned its error.
    #[error("signer failed")]
    Signer(E),
}

/// Build a DER CMS `ContentInfo`/`SignedData` with signed attributes (content-type,
/// message-digest and optionally signing-time). `sign` receives the DER of the signed
/// attributes (tagged SET) and returns the signature value.
pub fn encode_signed_data<E>(
    content_type: impl ToString,
    content: &[u8],
    signer: &SignerParts,
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, E>,
) -> Result<Vec<u8>, EncodeError<E>> {
    let enc_oid = |o: &str| oid_from_str(o).ok_or_else(|| EncodeError::Lds(bad_oid(o)));
    let enc_alg =
        |a: &AlgorithmIdentifier| a.to_der().ok_or_else(|| EncodeError::Lds(bad_oid(&a.oid)));
    let ct = der_tlv(0x06, &enc_oid(&content_type.to_string())?);

    let attr = |t: ObjectIdentifier, v: Vec<u8>| -> Result<Vec<u8>, EncodeError<E>> {
        let mut a = der_tlv(0x06, t.as_bytes());
        a.extend(der_tlv(0x31, &v));
        Ok(der_tlv(0x30, &a))
    };
    let mut attrs = vec![
        attr(oid::ATTR_CONTENT_TYPE, ct.clone())?,
        attr(
            oid::ATTR_MESSAGE_DIGEST,
            der_tlv(0x04, &signer.message_digest),
        )?,
    ];
    if let Some(t) = &signer.signing_time {
        attrs.push(attr(oid::ATTR_SIGNING_TIME, t.clone())?);
    }
    let attrs_set = der_set_of(attrs);
    let signature = sign(&attrs_set).map_err(EncodeError::Signer)?;

    let (version, sid) = match &signer.sid {
        SignerIdentifier::IssuerAndSerialNumber { issuer, serial } => {
            let mut v = issuer.clone();
            v.extend(der_tlv(0x02, serial));
            (1, der_tlv(0x30, &v))
        }
        SignerIdentifier::SubjectKeyIdentifier(k) => (3, der_tlv(0x80, k)),
    };
    let mut si = int_tlv(0x02, version);
    si.extend(sid);
    si.extend(enc_alg(&signer.digest_algorithm)?);
    let mut tagged_attrs = attrs_set;
    if let Some(first) = tagged_attrs.first_mut() {
        *first = 0xA0;
    }
    si.extend(tagged_attrs);
    si.extend(enc_alg(&signer.signature_algorithm)?);
    si.extend(der_tlv(0x04, &signature));

    let mut sd = int_tlv(0x02, 3);
    sd.extend(der_tlv(0x31, &enc_alg(&signer.digest_algorithm)?));
    let mut eci = ct;
    eci.extend(der_tlv(0xA0, &der_tlv(0x04, content)));
    sd.extend(der_tlv(0x30, &eci));
    if let Some(cert) = &signer.certificate {
        sd.extend(der_tlv(0xA0, cert));
    }
    sd.extend(der_tlv(0x31, &der_tlv(0x30, &si)));

    let mut ci = der_tlv(0x06, oid::SIGNED_DATA.as_bytes());
    ci.extend(der_tlv(0xA0, &der_tlv(0x30, &sd)));
    Ok(der_tlv(0x30, &ci))
}

/// DER TLV with a one- or two-byte tag (as packed by emrtd-tlv).
fn der_tlv(tag: u32, value: &[u8]) -> Vec<u8> {
    emrtd_tlv::encode(tag, value)
}

/// DER SET OF: elements sorted by their encodings (X.690 §11.6).
fn der_set_of(mut elements: Vec<Vec<u8>>) -> Vec<u8> {
    elements.sort();
    der_tlv(0x31, &elements.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_round_trip() {
        for o in [
            "1.2.840.113549.1.7.2",
            "2.23.136.1.1.1",
            "0.4.0.127.0.7.3.2.1",
            "2.16.840.1.101.3.4.2.1",
            "2.999.1",
        ] {
            let b = oid_from_str(o).unwrap();
            assert_eq!(oid_to_string(&b).unwrap(), o);
        }
        assert_eq!(
            oid_from_str("1.2.840.113549.1.7.2").unwrap(),
            hex::decode("2a864886f70d010702").unwrap()
        );
        assert_eq!(oid_to_string(&[0x2A, 0x86]), None);
        assert_eq!(oid_to_string(&[0x80, 0x01]), None);
        assert_eq!(oid_from_str("3.1"), None);
        assert_eq!(oid_from_str("1.40"), None);
    }

    #[test]
    fn ber_indefinite_lengths() {
        // SEQUENCE (indefinite) { INTEGER 5, [0] (indefinite) { OCTET STRING 'AB' } }
        let b = hex::decode("30800201050a0100a08004024142000000000000").unwrap();
        // the 0a0100 element is an ENUMERATED; children must all be read
        let (obj, rest) = read_ber(&b[..b.len() - 2], 0).unwrap();
        assert!(rest.is_empty());
        let ch = obj.children().unwrap();
        assert_eq!(ch.len(), 3);
        assert_eq!(ch[2].children().unwrap()[0].octets(0).unwrap(), b"AB");
        // missing end-of-contents
        assert!(read_ber(&hex::decode("3080020105").unwrap(), 0).is_err());
        // indefinite primitive
        assert!(read_ber(&hex::decode("0480414200").unwrap(), 0).is_err());
        // deep nesting
        let mut deep = [0x30, 0x80].repeat(40);
        deep.extend(vec![0u8; 80]);
        assert!(read_ber(&deep, 0).is_err());
    }

    #[test]
    fn real_sods_decode_with_content_as_in_the_file() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/sod/gmrtd");
        let expect: [(&str, i64, &str, &[u8]); 5] = [
            ("AT", 0, "SHA-256", &[1, 2, 3, 11, 12, 14]),
            ("FI", 1, "SHA-512", &[1, 2, 3, 7, 14]),
            ("NZ", 0, "SHA-256", &[1, 2, 12, 13, 14, 15]),
            ("RU", 0, "SHA-1", &[1, 2, 3, 13, 14]),
            ("DE", 1, "SHA-384", &[1, 2, 3, 14]),
        ];
        for (c, version, hash, dgs) in expect {
            let raw = std::fs::read(format!("{dir}/{c}_EF.SOD.bin")).unwrap();
            let sod = Sod::parse(&raw).unwrap();
            let lso = &sod.lds_security_object;
            assert_eq!(lso.version, version, "{c}");
            assert_eq!(lso.hash_algorithm.name, hash, "{c}");
            let numbers: Vec<u8> = lso.data_group_hashes.iter().map(|(n, _)| *n).collect();
            assert_eq!(numbers, dgs, "{c}");
            assert_eq!(lso.lds_version_info.is_some(), version == 1, "{c}");
            // The eContent is a slice of the file, not a re-encoding.
            let e = sod.econtent();
            assert!(raw.windows(e.len()).any(|w| w == e), "{c}");
            assert_eq!(sod.signed_data.certificates.len(), 1);
            let attrs = sod.signed_data.signer_infos[0]
                .signed_attrs
                .as_ref()
                .unwrap();
            assert!(raw
                .windows(attrs.raw.len())
                .any(|w| w == attrs.raw.as_slice()));
            assert_eq!(
                attrs.content_type(),
                Some(oid::LDS_SECURITY_OBJECT.to_string())
            );
            // Every truncation is an error, never a panic.
            for len in 0..raw.len() {
                assert!(Sod::parse(&raw[..len]).is_err());
            }
        }
        // New Zealand uses indefinite lengths.
        let raw = std::fs::read(format!("{dir}/NZ_EF.SOD.bin")).unwrap();
        assert_eq!(&raw[4..6], [0x30, 0x80]);
        // EF.CardSecurity is a bare ContentInfo with SecurityInfos.
        let cs = std::fs::read(format!("{dir}/DE_EF.CardSecurity.bin")).unwrap();
        let sd = SignedData::parse(&cs).unwrap();
        assert_eq!(sd.content_type, oid::SECURITY_OBJECT.to_string());
        assert!(Sod::parse(&cs).is_err());
    }

    #[test]
    fn lds_security_object_round_trip() {
        let lso = LdsSecurityObject {
            version: 1,
            hash_algorithm: DigestAlgorithm::from_oid(oid::SHA256),
            data_group_hashes: vec![(1, vec![0x11; 32]), (2, vec![0x22; 32])],
            lds_version_info: Some(("0108".into(), "040000".into())),
        };
        let der = lso.to_der().unwrap();
        assert_eq!(LdsSecurityObject::parse(&der).unwrap(), lso);
    }
}
