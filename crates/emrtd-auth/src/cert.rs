//! X.509 certificates of the eMRTD PKI (CSCA, link, Document Signer) and name comparison.

use crate::error::AuthError;
use der::{Decode, Encode, Tagged};
use emrtd_crypto::sig::{self, AlgorithmProblem, PublicKey, SignatureScheme};
use serde::Serialize;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier,
};
use x509_cert::name::Name;

/// A decoded certificate that keeps its exact encoding and the bytes its signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    /// Where `tbsCertificate` lies in `der`.
    tbs: std::ops::Range<usize>,
    /// Where the issuer `Name` lies in `der`, as encoded there.
    issuer: Option<std::ops::Range<usize>>,
    cert: x509_cert::Certificate,
    /// Text forms for reports, made on first use.
    texts: Texts,
}

/// The text forms of a certificate's names and its report summary, made once (formatting a
/// name looks up every attribute type in a table of OIDs) and carried by clones: the chains a
/// trust store caches keep them, so a warm store formats no name twice.
#[derive(Debug, Clone, Default)]
struct Texts {
    subject: std::sync::OnceLock<String>,
    issuer: std::sync::OnceLock<String>,
    summary: std::sync::OnceLock<CertSummary>,
}

/// Derived from the certificate's bytes, which the comparison already covers.
impl PartialEq for Texts {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Texts {}

/// Largest certificate accepted (64 KiB).
pub const MAX_CERT_LEN: usize = 64 * 1024;

impl Certificate {
    /// Decode a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, AuthError> {
        if der.len() > MAX_CERT_LEN {
            return Err(AuthError::Certificate(format!(
                "{} bytes is larger than the {MAX_CERT_LEN} accepted",
                der.len()
            )));
        }
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| AuthError::Certificate(e.to_string()))?;
        let outer =
            emrtd_tlv::parse_exact(der).map_err(|e| AuthError::Certificate(e.to_string()))?;
        let (tbs, _) =
            emrtd_tlv::parse_one(outer.value).map_err(|e| AuthError::Certificate(e.to_string()))?;
        let range_of = |part: &[u8]| {
            let start = part.as_ptr() as usize - der.as_ptr() as usize;
            start..start + part.len()
        };
        // tbsCertificate: [0] version (optional), serialNumber, signature, issuer, …
        let issuer = emrtd_tlv::parse_all(tbs.value).ok().and_then(|items| {
            let skip = usize::from(items.first().is_some_and(|v| v.tag == 0xA0));
            items
                .get(skip + 2)
                .filter(|i| i.tag == 0x30)
                .map(|i| range_of(i.raw))
        });
        Ok(Certificate {
            der: der.to_vec(),
            tbs: range_of(tbs.raw),
            issuer,
            cert,
            texts: Texts::default(),
        })
    }

    /// The issuer `Name` exactly as encoded in the certificate.
    pub fn issuer_raw(&self) -> Option<&[u8]> {
        self.issuer.clone().and_then(|r| self.der.get(r))
    }

    /// Is the subject key an EC key with explicit domain parameters (not a named curve)?
    pub fn has_explicit_ec_parameters(&self) -> bool {
        let alg = &self.cert.tbs_certificate.subject_public_key_info.algorithm;
        alg.oid == const_oid::db::rfc5912::ID_EC_PUBLIC_KEY
            && alg
                .parameters
                .as_ref()
                .is_some_and(|p| p.tag() == der::Tag::Sequence)
    }

    /// The certificate exactly as given.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate's bytes, exactly as given (dropping the decoded form).
    pub fn into_der(self) -> Vec<u8> {
        self.der
    }

    /// The `tbsCertificate` bytes as given (what the issuer signed).
    pub fn tbs_der(&self) -> &[u8] {
        self.der.get(self.tbs.clone()).unwrap_or_default()
    }

    /// The decoded certificate.
    pub fn x509(&self) -> &x509_cert::Certificate {
        &self.cert
    }

    /// Subject as an RFC 4514 string.
    pub fn subject(&self) -> String {
        self.texts
            .subject
            .get_or_init(|| self.cert.tbs_certificate.subject.to_string())
            .clone()
    }

    /// Issuer as an RFC 4514 string.
    pub fn issuer(&self) -> String {
        self.texts
            .issuer
            .get_or_init(|| self.cert.tbs_certificate.issuer.to_string())
            .clone()
    }

    /// Subject name.
    pub fn subject_name(&self) -> &Name {
        &self.cert.tbs_certificate.subject
    }

    /// Issuer name.
    pub fn issuer_name(&self) -> &Name {
        &self.cert.tbs_certificate.issuer
    }

    /// Serial number content octets.
    pub fn serial(&self) -> &[u8] {
        self.cert.tbs_certificate.serial_number.as_bytes()
    }

    /// Serial number in upper-case hex.
    pub fn serial_hex(&self) -> String {
        hex_upper(strip_int(self.serial()))
    }

    /// Start of validity, Unix seconds.
    pub fn not_before(&self) -> i64 {
        unix(&self.cert.tbs_certificate.validity.not_before)
    }

    /// End of validity, Unix seconds.
    pub fn not_after(&self) -> i64 {
        unix(&self.cert.tbs_certificate.validity.not_after)
    }

    /// Is `t` (Unix seconds) within the validity period?
    pub fn valid_at(&self, t: i64) -> bool {
        self.not_before() <= t && t <= self.not_after()
    }

    /// X.509 version (1, 2 or 3).
    pub fn version(&self) -> u8 {
        match self.cert.tbs_certificate.version {
            x509_cert::Version::V1 => 1,
            x509_cert::Version::V2 => 2,
            x509_cert::Version::V3 => 3,
        }
    }

    /// The subjectKeyIdentifier extension.
    pub fn subject_key_identifier(&self) -> Option<Vec<u8>> {
        self.cert
            .tbs_certificate
            .get::<SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .map(|(_, s)| s.0.as_bytes().to_vec())
    }

    /// The keyIdentifier of the authorityKeyIdentifier extension.
    pub fn authority_key_identifier(&self) -> Option<Vec<u8>> {
        self.authority_key_identifier_ext()
            .and_then(|a| a.key_identifier)
            .map(|k| k.as_bytes().to_vec())
    }

    /// The authorityKeyIdentifier extension, if present and decodable.
    pub fn authority_key_identifier_ext(&self) -> Option<AuthorityKeyIdentifier> {
        self.cert
            .tbs_certificate
            .get::<AuthorityKeyIdentifier>()
            .ok()
            .flatten()
            .map(|(_, a)| a)
    }

    /// The keyUsage extension, if present and decodable.
    pub fn key_usage(&self) -> Option<KeyUsage> {
        self.cert
            .tbs_certificate
            .get::<KeyUsage>()
            .ok()
            .flatten()
            .map(|(_, k)| k)
    }

    /// basicConstraints cA flag (false when absent).
    pub fn is_ca(&self) -> bool {
        self.cert
            .tbs_certificate
            .get::<BasicConstraints>()
            .ok()
            .flatten()
            .is_some_and(|(_, b)| b.ca)
    }

    /// Are subject and issuer the same name?
    pub fn is_self_issued(&self) -> bool {
        names_equal(self.subject_name(), self.issuer_name())
    }

    /// The subject public key.
    pub fn public_key(&self) -> Result<PublicKey, String> {
        let spki = self
            .cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| e.to_string())?;
        PublicKey::from_spki_der(&spki)
    }

    /// The subjectPublicKey BIT STRING contents.
    pub fn public_key_bits(&self) -> &[u8] {
        self.cert
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes()
    }

    /// The scheme of the issuer's signature on this certificate.
    pub fn signature_scheme(&self) -> Result<SignatureScheme, AlgorithmProblem> {
        let alg = &self.cert.signature_algorithm;
        let params = alg.parameters.as_ref().and_then(|p| p.to_der().ok());
        sig::scheme_from_object_id(alg.oid, params.as_deref(), None)
    }

    /// Does `issuer`'s public key verify this certificate's signature?
    pub fn verify_signed_by(&self, issuer: &PublicKey) -> Result<(), String> {
        if self.cert.tbs_certificate.signature != self.cert.signature_algorithm {
            return Err("tbsCertificate.signature differs from signatureAlgorithm".into());
        }
        let scheme = self.signature_scheme().map_err(|e| e.to_string())?;
        let sig = self
            .cert
            .signature
            .as_bytes()
            .ok_or("signature BIT STRING has unused bits")?;
        sig::verify(issuer, &scheme, self.tbs_der(), sig)
    }

    /// Could `issuer` have issued this certificate (name and, when both present, key identifier)?
    pub fn may_be_issued_by(&self, issuer: &Certificate) -> bool {
        if !names_equal(self.issuer_name(), issuer.subject_name()) {
            return false;
        }
        match (
            self.authority_key_identifier(),
            issuer.subject_key_identifier(),
        ) {
            (Some(a), Some(s)) => a == s,
            _ => true,
        }
    }

    /// SHA-256 of the DER, hex.
    pub fn fingerprint(&self) -> String {
        hex_upper(&emrtd_crypto::sig::HashAlg::Sha256.digest(&self.der))
    }

    /// A short serializable description.
    pub fn summary(&self) -> CertSummary {
        self.texts
            .summary
            .get_or_init(|| self.make_summary())
            .clone()
    }

    fn make_summary(&self) -> CertSummary {
        CertSummary {
            subject: self.subject(),
            issuer: self.issuer(),
            serial: self.serial_hex(),
            not_before: format_time(self.not_before()),
            not_after: format_time(self.not_after()),
            public_key: self
                .public_key()
                .map(|k| k.describe())
                .unwrap_or_else(|e| format!("unusable: {e}")),
            signature_algorithm: self
                .signature_scheme()
                .map(|s| s.describe())
                .unwrap_or_else(|e| e.to_string()),
            subject_key_identifier: self.subject_key_identifier().map(|k| hex_upper(&k)),
            fingerprint_sha256: self.fingerprint(),
        }
    }
}

/// What a report says about a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CertSummary {
    /// Subject name, RFC 4514 text.
    pub subject: String,
    /// Issuer name, RFC 4514 text.
    pub issuer: String,
    /// Serial number, hexadecimal.
    pub serial: String,
    /// Start of validity.
    pub not_before: String,
    /// End of validity.
    pub not_after: String,
    /// The public key described in words (algorithm, curve or size).
    pub public_key: String,
    /// The issuer's signature algorithm.
    pub signature_algorithm: String,
    /// Subject key identifier extension, hexadecimal.
    pub subject_key_identifier: Option<String>,
    /// SHA-256 of the DER certificate, hexadecimal.
    pub fingerprint_sha256: String,
}

fn unix(t: &x509_cert::time::Time) -> i64 {
    i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_time(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// Parse a DER UTCTime or GeneralizedTime TLV to Unix seconds.
pub fn parse_time(tlv: &[u8]) -> Option<i64> {
    let t = x509_cert::time::Time::from_der(tlv).ok()?;
    Some(unix(&t))
}

pub(crate) fn hex_upper(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// INTEGER content without redundant leading zero bytes.
pub(crate) fn strip_int(b: &[u8]) -> &[u8] {
    let mut s = b;
    while s.len() > 1 && s[0] == 0 {
        s = &s[1..];
    }
    s
}

/// Compare two names by value: the same attributes (type and normalised string value) in any
/// RDN order. Strings are compared after trimming, collapsing inner white space and ignoring
/// case, whatever their ASN.1 string type.
pub fn names_equal(a: &Name, b: &Name) -> bool {
    normalised(a) == normalised(b)
}

/// [`names_equal`] on DER-encoded names; falls back to byte equality if one does not decode.
pub fn name_ders_equal(a: &[u8], b: &[u8]) -> bool {
    match (Name::from_der(a), Name::from_der(b)) {
        (Ok(x), Ok(y)) => names_equal(&x, &y),
        _ => a == b,
    }
}

/// A hash of the name by value (equal for names [`names_equal`] calls equal), for indexes.
pub(crate) fn name_key(n: &Name) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    normalised(n).hash(&mut h);
    h.finish()
}

fn normalised(n: &Name) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        n.0.iter()
            .flat_map(|rdn| rdn.0.iter())
            .map(|atv| (atv.oid.to_string(), normalise_value(&atv.value)))
            .collect();
    out.sort();
    out
}

fn normalise_value(v: &der::Any) -> String {
    let bytes = v.value();
    let text = match v.tag() {
        der::Tag::PrintableString
        | der::Tag::Utf8String
        | der::Tag::Ia5String
        | der::Tag::VisibleString => String::from_utf8_lossy(bytes).into_owned(),
        der::Tag::TeletexString => bytes.iter().map(|b| char::from(*b)).collect(),
        der::Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        tag => return format!("#{tag}:{}", hex_upper(bytes)),
    };
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_format() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_time(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_time(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(format_time(4_102_444_799), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn name_order_and_case_do_not_matter() {
        use std::str::FromStr;
        let a =
            Name::from_str("CN=Malaysia Country Signer,O=Jabatan Imigresen Malaysia,C=MY").unwrap();
        let b = Name::from_str("C=my,CN=Malaysia  Country Signer,O=Jabatan Imigresen Malaysia")
            .unwrap();
        let c = Name::from_str("C=MY,CN=Malaysia Doc Signer,O=Jabatan Imigresen Malaysia").unwrap();
        assert!(names_equal(&a, &b));
        assert!(!names_equal(&a, &c));
    }
}
