//! Trust stores: CSCA certificates (and link certificates), Document Signer certificates that
//! documents may omit, and CRLs, loaded from PEM/DER files, folders, ICAO CSCA master lists
//! (`.ml`, `.mls`) and ICAO PKD LDIF files.

use crate::cert::{self, Certificate};
use crate::error::AuthError;
use crate::pa::{verify_signed_data, CertificateChain, SignedObjectReport};
use base64ct::{Base64, Encoding};
use der::Decode;
use emrtd_crypto::sig::PublicKey;
use emrtd_lds::sod::{oid, SignedData};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

/// Most chains a store remembers: a hostile stream of distinct signer certificates cannot grow
/// the cache without bound (beyond it, chains are built and not kept).
pub const MAX_CACHED_CHAINS: usize = 4096;

/// Chains already built from a certificate (by its exact DER) to this store's anchors. They
/// depend only on the certificate and the store (no clock), so they stay right until the store
/// changes; every change empties the cache.
#[derive(Default)]
struct ChainCache(RwLock<HashMap<Vec<u8>, CertificateChain>>);

impl Clone for ChainCache {
    fn clone(&self) -> Self {
        ChainCache::default()
    }
}

impl std::fmt::Debug for ChainCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.read().map_or(0, |m| m.len());
        write!(f, "ChainCache({n} chains)")
    }
}

/// Largest trust file read (64 MiB).
pub const MAX_TRUST_FILE: u64 = 64 << 20;
/// Largest CSCA master list accepted (32 MiB; the ICAO and German lists are a few MiB).
pub const MAX_MASTER_LIST: usize = 32 << 20;
/// Deepest folder recursion.
pub const MAX_FOLDER_DEPTH: usize = 16;

/// A certificate revocation list.
#[derive(Debug, Clone)]
pub struct Crl {
    der: Vec<u8>,
    tbs: Vec<u8>,
    list: x509_cert::crl::CertificateList,
}

impl Crl {
    /// Decode a DER CRL.
    pub fn from_der(der: &[u8]) -> Result<Self, AuthError> {
        let list = x509_cert::crl::CertificateList::from_der(der)
            .map_err(|e| AuthError::Crl(e.to_string()))?;
        let outer = emrtd_tlv::parse_exact(der).map_err(|e| AuthError::Crl(e.to_string()))?;
        let (tbs, _) =
            emrtd_tlv::parse_one(outer.value).map_err(|e| AuthError::Crl(e.to_string()))?;
        Ok(Crl {
            der: der.to_vec(),
            tbs: tbs.raw.to_vec(),
            list,
        })
    }

    /// The CRL exactly as given.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Issuer name.
    pub fn issuer_name(&self) -> &x509_cert::name::Name {
        &self.list.tbs_cert_list.issuer
    }

    /// Issuer as an RFC 4514 string.
    pub fn issuer(&self) -> String {
        self.issuer_name().to_string()
    }

    /// thisUpdate, Unix seconds.
    pub fn this_update(&self) -> i64 {
        secs(&self.list.tbs_cert_list.this_update)
    }

    /// nextUpdate, Unix seconds.
    pub fn next_update(&self) -> Option<i64> {
        self.list.tbs_cert_list.next_update.as_ref().map(secs)
    }

    /// Revocation date of a serial number (content octets), if listed.
    pub fn revocation_of(&self, serial: &[u8]) -> Option<i64> {
        let want = cert::strip_int(serial);
        self.list
            .tbs_cert_list
            .revoked_certificates
            .as_ref()?
            .iter()
            .find(|r| cert::strip_int(r.serial_number.as_bytes()) == want)
            .map(|r| secs(&r.revocation_date))
    }

    /// Number of revoked serials.
    pub fn revoked_count(&self) -> usize {
        self.list
            .tbs_cert_list
            .revoked_certificates
            .as_ref()
            .map_or(0, Vec::len)
    }

    /// Does `key` verify the CRL's signature?
    pub fn verify_signed_by(&self, key: &PublicKey) -> Result<(), String> {
        let alg = &self.list.signature_algorithm;
        let params = alg
            .parameters
            .as_ref()
            .and_then(|p| der::Encode::to_der(p).ok());
        let scheme =
            emrtd_crypto::sig::scheme_from_algorithm(&alg.oid.to_string(), params.as_deref(), None)
                .map_err(|e| e.to_string())?;
        let sig = self
            .list
            .signature
            .as_bytes()
            .ok_or("signature BIT STRING has unused bits")?;
        emrtd_crypto::sig::verify(key, &scheme, &self.tbs, sig)
    }
}

fn secs(t: &x509_cert::time::Time) -> i64 {
    i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// A decoded ICAO CSCA master list.
#[derive(Debug, Clone)]
pub struct MasterList {
    /// The CMS container.
    pub signed_data: SignedData,
    /// `CscaMasterList.version`.
    pub version: i64,
    /// The CSCA and link certificates it lists (undecodable entries are counted in `skipped`).
    pub certificates: Vec<Certificate>,
    /// Entries that could not be decoded, with the reason.
    pub skipped: Vec<String>,
}

impl MasterList {
    /// Decode a master list (`.ml` / `.mls`: CMS SignedData with a CscaMasterList) of at
    /// most [`MAX_MASTER_LIST`] bytes, every certificate decoded. (A trust store loads master
    /// lists without keeping the decoded certificates: [`TrustStore::add_master_list`].)
    pub fn parse(bytes: &[u8]) -> Result<Self, AuthError> {
        let signed_data = master_list_container(bytes)?;
        let (version, entries) = master_list_entries(&signed_data)?;
        let mut certificates = Vec::new();
        let mut skipped = Vec::new();
        for (i, raw) in entries.iter().enumerate() {
            match Certificate::from_der(raw) {
                Ok(c) => certificates.push(c),
                Err(e) => skipped.push(format!("entry {i}: {e}")),
            }
        }
        Ok(MasterList {
            signed_data,
            version,
            certificates,
            skipped,
        })
    }

    /// Verify the master list's own signature and its signer's chain against `roots`
    /// (e.g. a store holding the issuing country's CSCA) at Unix time `now`.
    pub fn verify_signer(&self, roots: &TrustStore, now: i64) -> SignedObjectReport {
        verify_signed_data(
            &self.signed_data,
            oid::CSCA_MASTER_LIST,
            roots,
            &crate::pa::VerifyOptions::at(now),
        )
    }

    /// Does the master list's own CMS signature verify with the signer certificate it
    /// carries, over the content as stored? `Err` says why not. The signer is not chained to
    /// anything here (see [`MasterList::verify_signer`]).
    pub fn verify_own_signature(&self) -> Result<(), String> {
        crate::pa::own_signature_holds(&self.signed_data, oid::CSCA_MASTER_LIST)
    }
}

/// The CMS container of a master list: size bounded, content type checked.
fn master_list_container(bytes: &[u8]) -> Result<SignedData, AuthError> {
    if bytes.len() > MAX_MASTER_LIST {
        return Err(AuthError::MasterListTooLarge {
            size: bytes.len(),
            limit: MAX_MASTER_LIST,
        });
    }
    let sd = SignedData::parse(bytes)?;
    if sd.content_type != oid::CSCA_MASTER_LIST {
        return Err(AuthError::MasterList(format!(
            "content type {} is not id-icao-cscaMasterList ({})",
            sd.content_type,
            oid::CSCA_MASTER_LIST
        )));
    }
    Ok(sd)
}

/// `CscaMasterList.version` and the DER of each entry of its certList, undecoded.
fn master_list_entries(sd: &SignedData) -> Result<(i64, Vec<&[u8]>), AuthError> {
    let content = sd
        .content
        .as_deref()
        .ok_or_else(|| AuthError::MasterList("no encapsulated content".into()))?;
    let bad = |e: emrtd_tlv::TlvError| AuthError::MasterList(e.to_string());
    let shape = || {
        AuthError::MasterList(
            "CscaMasterList must be SEQUENCE { version INTEGER, certList SET OF Certificate }"
                .into(),
        )
    };
    // The list itself may exceed the TLV layer's 16 MiB cap (master lists reach 32 MiB): its
    // two outer headers are read here, each entry by the TLV layer.
    let (tag, body, rest) = large_tlv(content).ok_or_else(shape)?;
    if tag != 0x30 || !rest.is_empty() {
        return Err(shape());
    }
    let (version, after_version) = emrtd_tlv::parse_one(body).map_err(bad)?;
    let (set_tag, set_value, after_set) = large_tlv(after_version).ok_or_else(shape)?;
    if version.tag != 0x02 || set_tag != 0x31 || !after_set.is_empty() {
        return Err(shape());
    }
    let version = version.value.iter().fold(0i64, |a, b| {
        a.saturating_mul(256).saturating_add(i64::from(*b))
    });
    let entries = emrtd_tlv::parse_all(set_value)
        .map_err(bad)?
        .into_iter()
        .map(|t| t.raw)
        .collect();
    Ok((version, entries))
}

/// One DER TLV with a definite length of up to 4 length bytes: (tag byte, value, rest). For
/// the outer layers of a master list, which may be larger than the TLV layer accepts.
fn large_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *input.first()?;
    let first = *input.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = input.get(2..2 + n)?;
        (
            bytes.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b)),
            2 + n,
        )
    };
    let end = header.checked_add(len)?;
    Some((tag, input.get(header..end)?, input.get(end..)?))
}

/// What one load added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoadSummary {
    /// New CSCA / link certificates (anchors).
    pub csca: usize,
    /// New other certificates (Document Signers).
    pub dsc: usize,
    /// CRLs added.
    pub crls: usize,
    /// Master lists read.
    pub master_lists: usize,
    /// Files or entries skipped, with the reason.
    pub skipped: Vec<String>,
    /// Anchors added from master lists whose own signature verified but whose signer was not
    /// chained to a trusted master-list signer root: unverified anchors (counted in `csca` too).
    pub unverified_anchors: usize,
    /// What the loader says about the master lists it read (one line each).
    pub notes: Vec<String>,
}

impl LoadSummary {
    pub(crate) fn merge(&mut self, o: LoadSummary) {
        self.csca += o.csca;
        self.dsc += o.dsc;
        self.crls += o.crls;
        self.master_lists += o.master_lists;
        self.skipped.extend(o.skipped);
        self.unverified_anchors += o.unverified_anchors;
        self.notes.extend(o.notes);
    }
}

/// CSCA anchors, Document Signer certificates and CRLs.
///
/// Every certificate that is a CA (basicConstraints cA) or self-issued is a trust anchor; other
/// certificates are kept as Document Signer candidates for documents that do not embed theirs,
/// and are never trusted by themselves.
///
/// Loading is linear: duplicates are found through a hash of the DER, issuers through a hash
/// of the subject name by value and a hash of the subject key identifier.
///
/// Memory: an anchor is kept as its DER bytes, once, with three index links; it is decoded
/// when a lookup first needs it (issuer candidates of a certificate being verified, or
/// [`TrustStore::csca`]) and the decoded form is kept from then on. 100,000 master-list
/// certificates take about their DER size plus 80 bytes each (`docs/conformance.md`).
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    csca: Vec<Anchor>,
    dsc: Vec<Certificate>,
    crls: Vec<Crl>,
    /// First anchor of each chain (newest first), per index.
    csca_by_der: HashMap<u64, u32>,
    csca_by_subject: HashMap<u64, u32>,
    csca_by_ski: HashMap<u64, u32>,
    dsc_by_der: HashMap<u64, Vec<usize>>,
    chains: ChainCache,
}

/// The end of an index chain.
const NO_ANCHOR: u32 = u32::MAX;

/// The three indexes over the anchors.
#[derive(Debug, Clone, Copy)]
enum Index {
    Der = 0,
    Subject = 1,
    Ski = 2,
}

/// A trust anchor as the store keeps it: its DER, decoded on first use.
#[derive(Debug, Clone)]
struct Anchor {
    der: Box<[u8]>,
    decoded: std::sync::OnceLock<Option<Box<Certificate>>>,
    /// Next anchor with the same key, per [`Index`].
    next: [u32; 3],
    /// From master lists whose signer was not chained to a trusted root only.
    unverified: bool,
}

impl Anchor {
    fn certificate(&self) -> Option<&Certificate> {
        self.decoded
            .get_or_init(|| Certificate::from_der(&self.der).ok().map(Box::new))
            .as_deref()
    }
}

fn der_key(der: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    der.hash(&mut h);
    h.finish()
}

fn position_in(
    list: &[Certificate],
    index: &HashMap<u64, Vec<usize>>,
    der: &[u8],
) -> Option<usize> {
    index
        .get(&der_key(der))?
        .iter()
        .copied()
        .find(|i| list.get(*i).is_some_and(|c| c.der() == der))
}

/// The anchors reached from `head` along the chain of `index`, oldest first.
fn chain(anchors: &[Anchor], head: Option<&u32>, index: Index) -> Vec<u32> {
    let mut out = Vec::new();
    let mut i = head.copied().unwrap_or(NO_ANCHOR);
    while let Some(a) = anchors.get(i as usize) {
        out.push(i);
        i = a.next[index as usize];
    }
    out.reverse();
    out
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trust anchors (CSCA and link certificates), in the order they were added. Decodes every
    /// anchor (and keeps it decoded): for a count use [`TrustStore::anchor_count`].
    pub fn csca(&self) -> Vec<&Certificate> {
        self.csca.iter().filter_map(Anchor::certificate).collect()
    }

    /// Number of trust anchors.
    pub fn anchor_count(&self) -> usize {
        self.csca.len()
    }

    /// Position of the anchor with exactly these DER bytes.
    fn anchor_position(&self, der: &[u8]) -> Option<usize> {
        chain(&self.csca, self.csca_by_der.get(&der_key(der)), Index::Der)
            .into_iter()
            .map(|i| i as usize)
            .find(|i| self.csca.get(*i).is_some_and(|a| &*a.der == der))
    }

    /// The decoded anchors of one index chain.
    fn anchors_in(&self, head: Option<&u32>, index: Index) -> Vec<&Certificate> {
        chain(&self.csca, head, index)
            .into_iter()
            .filter_map(|i| self.csca.get(i as usize)?.certificate())
            .collect()
    }

    /// Document Signer certificates supplied out of band.
    pub fn dsc(&self) -> &[Certificate] {
        &self.dsc
    }

    /// CRLs.
    pub fn crls(&self) -> &[Crl] {
        &self.crls
    }

    /// True when the store has no anchor.
    pub fn is_empty(&self) -> bool {
        self.csca.is_empty()
    }

    /// Is this anchor in the store only from master lists whose signer was not chained to a
    /// trusted root?
    pub fn is_unverified_anchor(&self, c: &Certificate) -> bool {
        self.anchor_position(c.der())
            .and_then(|i| self.csca.get(i))
            .is_some_and(|a| a.unverified)
    }

    /// The chain built earlier for the certificate with this DER, if any.
    pub(crate) fn cached_chain(&self, der: &[u8]) -> Option<CertificateChain> {
        self.chains.0.read().ok()?.get(der).cloned()
    }

    /// Remember the chain built for the certificate with this DER.
    pub(crate) fn cache_chain(&self, der: &[u8], chain: &CertificateChain) {
        // Make the report texts now, so that every copy handed out carries them.
        for c in &chain.certs {
            let _ = (c.summary(), c.subject(), c.issuer());
        }
        if let Ok(mut map) = self.chains.0.write() {
            if map.len() < MAX_CACHED_CHAINS {
                map.insert(der.to_vec(), chain.clone());
            }
        }
    }

    /// Number of chains remembered.
    pub fn cached_chains(&self) -> usize {
        self.chains.0.read().map_or(0, |m| m.len())
    }

    /// Add a certificate; returns false if it was already there.
    pub fn add_certificate(&mut self, c: Certificate) -> bool {
        self.chains = ChainCache::default();
        if c.is_ca() || c.is_self_issued() {
            self.add_anchor(c)
        } else {
            if position_in(&self.dsc, &self.dsc_by_der, c.der()).is_some() {
                return false;
            }
            self.dsc_by_der
                .entry(der_key(c.der()))
                .or_default()
                .push(self.dsc.len());
            self.dsc.push(c);
            true
        }
    }

    /// Add a certificate as a trust anchor whatever its extensions say.
    pub fn add_anchor(&mut self, c: Certificate) -> bool {
        self.add_anchor_as(c, true)
    }

    /// Add an anchor, `verified` false when it comes from an unverified master list. An anchor
    /// added again as verified loses its unverified mark.
    fn add_anchor_as(&mut self, c: Certificate, verified: bool) -> bool {
        self.chains = ChainCache::default();
        if let Some(i) = self.anchor_position(c.der()) {
            if let (true, Some(a)) = (verified, self.csca.get_mut(i)) {
                a.unverified = false;
            }
            return false;
        }
        let Ok(i) = u32::try_from(self.csca.len()) else {
            return false;
        };
        if i == NO_ANCHOR {
            return false;
        }
        // Only the keys of the indexes are kept from the decoded certificate.
        let keys = [
            der_key(c.der()),
            cert::name_key(c.subject_name()),
            c.subject_key_identifier().map_or(0, |k| der_key(&k)),
        ];
        let has_ski = c.subject_key_identifier().is_some();
        let mut next = [NO_ANCHOR; 3];
        next[Index::Der as usize] = self.csca_by_der.insert(keys[0], i).unwrap_or(NO_ANCHOR);
        next[Index::Subject as usize] =
            self.csca_by_subject.insert(keys[1], i).unwrap_or(NO_ANCHOR);
        if has_ski {
            next[Index::Ski as usize] = self.csca_by_ski.insert(keys[2], i).unwrap_or(NO_ANCHOR);
        }
        self.csca.push(Anchor {
            der: c.into_der().into_boxed_slice(),
            decoded: std::sync::OnceLock::new(),
            next,
            unverified: !verified,
        });
        true
    }

    fn add_cert_counted(&mut self, c: Certificate, s: &mut LoadSummary) {
        let anchor = c.is_ca() || c.is_self_issued();
        if self.add_certificate(c) {
            if anchor {
                s.csca += 1;
            } else {
                s.dsc += 1;
            }
        }
    }

    /// Add a DER certificate.
    pub fn add_der_certificate(&mut self, der: &[u8]) -> Result<LoadSummary, AuthError> {
        let mut s = LoadSummary::default();
        self.add_cert_counted(Certificate::from_der(der)?, &mut s);
        Ok(s)
    }

    /// Add a DER CRL.
    pub fn add_crl_der(&mut self, der: &[u8]) -> Result<LoadSummary, AuthError> {
        let crl = Crl::from_der(der)?;
        self.chains = ChainCache::default();
        let mut s = LoadSummary::default();
        if !self.crls.iter().any(|c| c.der() == crl.der()) {
            self.crls.push(crl);
            s.crls = 1;
        }
        Ok(s)
    }

    /// Add every certificate of a CSCA master list. The master list's own CMS signature must
    /// verify first, with the signer certificate it carries. If `verify_with` is given, its
    /// signer must also chain to that store (trusted master-list signer roots, e.g. the
    /// issuing country's CSCA) at `now` (Unix seconds), or nothing is added; without it the
    /// certificates are added as *unverified anchors* and the summary says so.
    pub fn add_master_list(
        &mut self,
        bytes: &[u8],
        verify_with: Option<(&TrustStore, i64)>,
    ) -> Result<LoadSummary, AuthError> {
        // The entries are decoded one at a time and kept as DER: the whole list is never held
        // decoded (about 2.7 KB a certificate).
        let sd = master_list_container(bytes)?;
        let (_, entries) = master_list_entries(&sd)?;
        crate::pa::own_signature_holds(&sd, oid::CSCA_MASTER_LIST).map_err(|why| {
            AuthError::MasterList(format!(
                "the master list's own signature does not verify, its certificates are not trusted: {why}"
            ))
        })?;
        let verified = match verify_with {
            Some((roots, now)) => {
                let report = verify_signed_data(
                    &sd,
                    oid::CSCA_MASTER_LIST,
                    roots,
                    &crate::pa::VerifyOptions::at(now),
                );
                if report.status != crate::pa::Verdict::Valid {
                    return Err(AuthError::MasterList(format!(
                        "master list signer is not trusted ({}): {}",
                        report.status.as_str(),
                        report.errors.join("; ")
                    )));
                }
                true
            }
            None => false,
        };
        let mut s = LoadSummary {
            master_lists: 1,
            ..LoadSummary::default()
        };
        let mut total = 0;
        for (i, raw) in entries.iter().enumerate() {
            let c = match Certificate::from_der(raw) {
                Ok(c) => c,
                Err(e) => {
                    s.skipped.push(format!("entry {i}: {e}"));
                    continue;
                }
            };
            total += 1;
            // Master-list entries are CSCA or link certificates by definition.
            if self.add_anchor_as(c, verified) {
                s.csca += 1;
                if !verified {
                    s.unverified_anchors += 1;
                }
            }
        }
        s.notes.push(if verified {
            format!("master list of {total} certificate(s): signature verified, signer chains to a trusted root")
        } else {
            format!(
                "master list of {total} certificate(s): signature verified with its own signer certificate, \
                 which was not chained to a trusted master-list signer root: {} unverified anchor(s) added",
                s.unverified_anchors
            )
        });
        Ok(s)
    }

    /// Add every certificate and CRL in PEM text.
    pub fn add_pem(&mut self, text: &str) -> Result<LoadSummary, AuthError> {
        let mut s = LoadSummary::default();
        let mut rest = text;
        let mut found = false;
        while let Some(start) = rest.find("-----BEGIN ") {
            let block = &rest[start..];
            let label_end = block[11..]
                .find("-----")
                .ok_or_else(|| AuthError::Pem("unterminated BEGIN line".into()))?;
            let label = &block[11..11 + label_end];
            let end_marker = format!("-----END {label}-----");
            let end = block
                .find(&end_marker)
                .ok_or_else(|| AuthError::Pem(format!("missing {end_marker}")))?;
            let pem = &block[..end + end_marker.len()];
            let (label, der) = pem_rfc7468::decode_vec(pem.as_bytes())
                .map_err(|e| AuthError::Pem(format!("{label}: {e}")))?;
            found = true;
            match label {
                "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                    self.add_cert_counted(Certificate::from_der(&der)?, &mut s)
                }
                "X509 CRL" => s.merge(self.add_crl_der(&der)?),
                "CMS" | "PKCS7" => s.merge(self.add_master_list(&der, None)?),
                other => s.skipped.push(format!("PEM block {other} ignored")),
            }
            rest = &block[end + end_marker.len()..];
        }
        if !found {
            return Err(AuthError::Pem("no PEM block found".into()));
        }
        Ok(s)
    }

    /// Add the certificates, master lists and CRLs of an ICAO PKD LDIF file.
    pub fn add_ldif(&mut self, text: &str) -> Result<LoadSummary, AuthError> {
        let mut s = LoadSummary::default();
        for (line, name, value) in ldif_attributes(text)? {
            let lname = name.to_ascii_lowercase();
            let attr = lname.split(';').next().unwrap_or_default();
            let result = match attr {
                "usercertificate" | "cacertificate" => {
                    Certificate::from_der(&value).map(|c| self.add_cert_counted(c, &mut s))
                }
                "cscamasterlistdata" | "pkdmasterlistcontent" => {
                    self.add_master_list(&value, None).map(|m| s.merge(m))
                }
                "certificaterevocationlist" => self.add_crl_der(&value).map(|m| s.merge(m)),
                _ => Ok(()),
            };
            if let Err(e) = result {
                s.skipped.push(format!("LDIF line {line} ({name}): {e}"));
            }
        }
        Ok(s)
    }

    /// Load a file or a folder (recursively). Files are recognised by extension and content:
    /// `.ldif`, `.ml`/`.mls` master lists, `.crl`, PEM, or DER (certificate, master list or CRL).
    /// In a folder, unrecognised files are listed in `skipped`; a single unrecognised file is an
    /// error.
    pub fn load_path(&mut self, path: &Path) -> Result<LoadSummary, AuthError> {
        self.load_path_depth(path, 0)
    }

    fn load_path_depth(&mut self, path: &Path, depth: usize) -> Result<LoadSummary, AuthError> {
        let io = |source| AuthError::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_dir() {
            return self.load_file(path);
        }
        if depth >= MAX_FOLDER_DEPTH {
            return Err(AuthError::File {
                path: path.to_path_buf(),
                reason: format!("folders nested deeper than {MAX_FOLDER_DEPTH}"),
            });
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        let mut s = LoadSummary::default();
        for e in entries {
            let hidden = e
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            match self.load_path_depth(&e, depth + 1) {
                Ok(sub) => s.merge(sub),
                Err(err) => s.skipped.push(err.to_string()),
            }
        }
        Ok(s)
    }

    /// Load one file (see [`TrustStore::load_path`]).
    pub fn load_file(&mut self, path: &Path) -> Result<LoadSummary, AuthError> {
        let file_err = |reason: String| AuthError::File {
            path: path.to_path_buf(),
            reason,
        };
        let meta = std::fs::metadata(path).map_err(|source| AuthError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if meta.len() > MAX_TRUST_FILE {
            return Err(file_err(format!(
                "{} bytes is larger than the {MAX_TRUST_FILE} accepted",
                meta.len()
            )));
        }
        let bytes = std::fs::read(path).map_err(|source| AuthError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let text = std::str::from_utf8(&bytes).ok();
        let wrap = |e: AuthError| file_err(e.to_string());
        if ext == "ldif" {
            let text = text.ok_or_else(|| file_err("LDIF file is not UTF-8".into()))?;
            return self.add_ldif(text).map_err(wrap);
        }
        if let Some(t) = text.filter(|t| t.contains("-----BEGIN ")) {
            return self.add_pem(t).map_err(wrap);
        }
        match ext.as_str() {
            "ml" | "mls" => return self.add_master_list(&bytes, None).map_err(wrap),
            "crl" => return self.add_crl_der(&bytes).map_err(wrap),
            _ => {}
        }
        if let Ok(c) = Certificate::from_der(&bytes) {
            let mut s = LoadSummary::default();
            self.add_cert_counted(c, &mut s);
            return Ok(s);
        }
        if let Ok(s) = self.add_master_list(&bytes, None) {
            return Ok(s);
        }
        if let Ok(s) = self.add_crl_der(&bytes) {
            return Ok(s);
        }
        Err(file_err(
            "not a certificate, CRL, master list, PEM or LDIF file".into(),
        ))
    }

    /// Anchors that may have issued `c`: subject equal to its issuer (by value, RDN order
    /// ignored) and, when both carry one, the same key identifier.
    pub fn issuer_candidates(&self, c: &Certificate) -> Vec<&Certificate> {
        self.name_candidates(c)
            .into_iter()
            .filter(|a| c.may_be_issued_by(a))
            .collect()
    }

    /// Anchors whose subject is `c`'s issuer name (by value), whatever their key identifiers.
    pub fn name_candidates(&self, c: &Certificate) -> Vec<&Certificate> {
        self.anchors_in(
            self.csca_by_subject.get(&cert::name_key(c.issuer_name())),
            Index::Subject,
        )
        .into_iter()
        .filter(|a| cert::names_equal(c.issuer_name(), a.subject_name()))
        .collect()
    }

    /// Anchors whose subject key identifier equals `c`'s authority key identifier, whatever
    /// their names.
    pub fn key_id_candidates(&self, c: &Certificate) -> Vec<&Certificate> {
        match c.authority_key_identifier() {
            Some(aki) => self
                .anchors_in(self.csca_by_ski.get(&der_key(&aki)), Index::Ski)
                .into_iter()
                .filter(|a| a.subject_key_identifier().as_deref() == Some(aki.as_slice()))
                .collect(),
            None => Vec::new(),
        }
    }
}

/// `(line number, attribute name, decoded value)` of every attribute in LDIF text, with line
/// folding undone and `::` values base64-decoded.
fn ldif_attributes(text: &str) -> Result<Vec<(usize, String, Vec<u8>)>, AuthError> {
    // Unfold: a line starting with one space continues the previous one.
    let mut logical: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(cont) = line.strip_prefix(' ') {
            match logical.last_mut() {
                Some((_, l)) => l.push_str(cont),
                None => {
                    return Err(AuthError::Ldif {
                        line: i + 1,
                        reason: "continuation line without a preceding line".into(),
                    })
                }
            }
        } else {
            logical.push((i + 1, line.to_string()));
        }
    }
    let mut out = Vec::new();
    for (line, l) in logical {
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let Some(colon) = l.find(':') else {
            return Err(AuthError::Ldif {
                line,
                reason: "attribute line without ':'".into(),
            });
        };
        let name = l[..colon].to_string();
        let rest = &l[colon + 1..];
        let value = if let Some(b64) = rest.strip_prefix(':') {
            let b64: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
            Base64::decode_vec(&b64).map_err(|e| AuthError::Ldif {
                line,
                reason: format!("bad base64 in {name}: {e}"),
            })?
        } else {
            rest.trim_start().as_bytes().to_vec()
        };
        out.push((line, name, value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldif_folding_and_base64() {
        let text = "version: 1\n\n# comment\ndn: cn=x,o=ml\nuserCertificate;binary:: QUJD\n REVG\ncn: plain value\n";
        let attrs = ldif_attributes(text).unwrap();
        assert_eq!(attrs[0].1, "version");
        assert_eq!(attrs[2].1, "userCertificate;binary");
        assert_eq!(attrs[2].2, b"ABCDEF");
        assert_eq!(attrs[2].0, 5);
        assert_eq!(attrs[3].2, b"plain value");
        assert!(ldif_attributes(" leading continuation").is_err());
        assert!(ldif_attributes("x:: !!!").is_err());
    }
}
