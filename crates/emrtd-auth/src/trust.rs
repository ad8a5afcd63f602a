//! Trust stores: CSCA certificates (and link certificates), Document Signer certificates that
//! documents may omit, and CRLs, with the chains built to them. Loading them from files,
//! master lists and LDIF is [`crate::load`]; where they come from is [`crate::source`].

use crate::cert::{self, Certificate};
use crate::check::Check;
use crate::error::AuthError;
use der::Decode;
use emrtd_crypto::sig::PublicKey;
use serde::Serialize;
use std::collections::HashMap;
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

/// Outcome of building a certificate's chain to a trust anchor.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CertificateChain {
    /// `Some(true)` when an anchor verified the certificate, `Some(false)` when anchors with its
    /// issuer's name exist but none verifies it, `None` when no anchor matched.
    pub valid: Option<bool>,
    /// The check as it appears in reports.
    pub check: Check,
    /// The anchor that verified the certificate first, then the certificates above it.
    pub certs: Vec<Certificate>,
    /// True when the chain ends in a self-signed certificate whose signature verified.
    pub root_reached: bool,
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
        let scheme = emrtd_crypto::sig::scheme_from_object_id(alg.oid, params.as_deref(), None)
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

/// What one load added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
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
/// certificates take about their DER size plus 100 bytes each (`docs/conformance.md`).
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
    /// Its keys in the subject and key-identifier indexes (to copy it into another store
    /// without decoding it again).
    keys: AnchorKeys,
    /// From master lists whose signer was not chained to a trusted root only.
    unverified: bool,
}

/// An anchor's keys in the subject-name and key-identifier indexes.
#[derive(Debug, Clone, Copy)]
struct AnchorKeys {
    subject: u64,
    ski: Option<u64>,
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
    pub(crate) fn add_anchor_as(&mut self, c: Certificate, verified: bool) -> bool {
        // Only the keys of the indexes are kept from the decoded certificate.
        let ski = c.subject_key_identifier();
        let keys = AnchorKeys {
            subject: cert::name_key(c.subject_name()),
            ski: ski.as_deref().map(der_key),
        };
        self.insert_anchor(c.into_der().into_boxed_slice(), keys, verified)
    }

    /// Add an anchor by its DER and index keys; false when it was there already.
    fn insert_anchor(&mut self, der: Box<[u8]>, keys: AnchorKeys, verified: bool) -> bool {
        self.chains = ChainCache::default();
        if let Some(i) = self.anchor_position(&der) {
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
        let mut next = [NO_ANCHOR; 3];
        next[Index::Der as usize] = self
            .csca_by_der
            .insert(der_key(&der), i)
            .unwrap_or(NO_ANCHOR);
        next[Index::Subject as usize] = self
            .csca_by_subject
            .insert(keys.subject, i)
            .unwrap_or(NO_ANCHOR);
        if let Some(ski) = keys.ski {
            next[Index::Ski as usize] = self.csca_by_ski.insert(ski, i).unwrap_or(NO_ANCHOR);
        }
        self.csca.push(Anchor {
            der,
            decoded: std::sync::OnceLock::new(),
            next,
            keys,
            unverified: !verified,
        });
        true
    }

    pub(crate) fn add_cert_counted(&mut self, c: Certificate, s: &mut LoadSummary) {
        let anchor = c.is_ca() || c.is_self_issued();
        if self.add_certificate(c) {
            if anchor {
                s.csca += 1;
            } else {
                s.dsc += 1;
            }
        }
    }

    /// Add everything `other` holds: its anchors (an anchor unverified there stays unverified
    /// unless this store already holds it as verified), Document Signer certificates and CRLs.
    /// Nothing is decoded again. Returns what was new here.
    pub fn merge_from(&mut self, other: &TrustStore) -> LoadSummary {
        let mut s = LoadSummary::default();
        for a in &other.csca {
            if self.insert_anchor(a.der.clone(), a.keys, !a.unverified) {
                s.csca += 1;
                if a.unverified {
                    s.unverified_anchors += 1;
                }
            }
        }
        for c in &other.dsc {
            if self.add_certificate(c.clone()) {
                s.dsc += 1;
            }
        }
        for crl in &other.crls {
            if !self.crls.iter().any(|c| c.der() == crl.der()) {
                self.crls.push(crl.clone());
                s.crls += 1;
            }
        }
        self.chains = ChainCache::default();
        s
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
