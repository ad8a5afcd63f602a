//! Where trust comes from: the [`CertificateSource`] trait and its sources — a file or folder
//! of certificates, CRLs, master lists and LDIF ([`TrustPath`]), one ICAO master list with its
//! signer checked ([`MasterListFile`]), an ICAO PKD LDIF file ([`LdifFile`]), the built-in
//! anchors ([`BuiltIn`]), certificates held in memory ([`DerCertificates`]) — and a cache
//! ([`Cached`]) that loads a source once and hands the same store to every verification.
//!
//! A [`TrustStore`] is assembled from one or more sources with [`TrustStore::from_sources`] (or
//! [`CertificateSource::load_into`] one at a time). Errors name the file that failed.

use crate::error::AuthError;
use crate::trust::{LoadSummary, TrustStore, MAX_FOLDER_DEPTH, MAX_MASTER_LIST, MAX_TRUST_FILE};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Most directory entries [`CertificateSource::stamp`] looks at in one folder tree.
pub const MAX_STAMP_ENTRIES: usize = 1 << 20;

/// A place trust anchors (CSCA and link certificates), Document Signer certificates and CRLs
/// come from.
pub trait CertificateSource: Send + Sync {
    /// What the source is, for messages: a path, `built-in Norwegian CSCAs` …
    fn name(&self) -> String;

    /// Add what the source holds to `store`. An error names the file that failed; nothing of a
    /// source that fails is trusted beyond what it added before the failure.
    fn load_into(&self, store: &mut TrustStore) -> Result<LoadSummary, AuthError>;

    /// A stamp of the source's current content (names, sizes and modification times of its
    /// files): a [`Cached`] source is loaded again by [`Cached::refresh`] when it changes.
    /// `None` for a source that never changes (built-in, in memory).
    fn stamp(&self) -> Result<Option<u64>, AuthError> {
        Ok(None)
    }
}

impl TrustStore {
    /// A store assembled from `sources`, in order, with what each added (summed). The first
    /// source that fails stops the assembly with its error.
    pub fn from_sources(
        sources: &[&dyn CertificateSource],
    ) -> Result<(TrustStore, LoadSummary), AuthError> {
        let mut store = TrustStore::new();
        let mut summary = LoadSummary::default();
        for s in sources {
            summary.merge(s.load_into(&mut store)?);
        }
        Ok((store, summary))
    }
}

/// A file or a folder (recursively, hidden entries left out): DER or PEM certificates, CRLs,
/// ICAO master lists (`.ml`, `.mls`, added as unverified anchors: [`MasterListFile`] checks
/// the signer) and ICAO PKD LDIF files, recognised by extension and content. In a folder, a
/// file that is none of these is listed in [`LoadSummary::skipped`]; a single such file is an
/// error. What `emrtd --trust PATH` loads.
#[derive(Debug, Clone)]
pub struct TrustPath {
    path: PathBuf,
}

impl TrustPath {
    /// The file or folder at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        TrustPath { path: path.into() }
    }
}

impl CertificateSource for TrustPath {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn load_into(&self, store: &mut TrustStore) -> Result<LoadSummary, AuthError> {
        store.load_path(&self.path)
    }

    fn stamp(&self) -> Result<Option<u64>, AuthError> {
        path_stamp(&self.path).map(Some)
    }
}

/// An ICAO CSCA master list file (CMS SignedData, at most [`MAX_MASTER_LIST`] bytes). Its own
/// signature must verify with the signer certificate it carries; with
/// [`MasterListFile::signer_roots`] the signer must also chain to those roots (e.g. the issuing
/// country's CSCA), else nothing is added. Without roots, its certificates are unverified
/// anchors and the summary says so.
#[derive(Clone)]
pub struct MasterListFile {
    path: PathBuf,
    roots: Option<(Arc<TrustStore>, i64)>,
}

impl std::fmt::Debug for MasterListFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterListFile")
            .field("path", &self.path)
            .field(
                "signer_roots",
                &self.roots.as_ref().map(|(r, _)| r.anchor_count()),
            )
            .finish()
    }
}

impl MasterListFile {
    /// The master list at `path`; its signer is not chained (unverified anchors).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        MasterListFile {
            path: path.into(),
            roots: None,
        }
    }

    /// Require the master list's signer to chain to `roots` at Unix time `now`.
    pub fn signer_roots(mut self, roots: Arc<TrustStore>, now: i64) -> Self {
        self.roots = Some((roots, now));
        self
    }
}

impl CertificateSource for MasterListFile {
    fn name(&self) -> String {
        format!("master list {}", self.path.display())
    }

    fn load_into(&self, store: &mut TrustStore) -> Result<LoadSummary, AuthError> {
        let limit = u64::try_from(MAX_MASTER_LIST).unwrap_or(MAX_TRUST_FILE);
        let bytes = read_capped(&self.path, limit)?;
        let roots = self.roots.as_ref().map(|(r, now)| (r.as_ref(), *now));
        store
            .add_master_list(&bytes, roots)
            .map_err(|e| in_file(&self.path, e))
    }

    fn stamp(&self) -> Result<Option<u64>, AuthError> {
        path_stamp(&self.path).map(Some)
    }
}

/// An ICAO PKD LDIF file: its certificates, CRLs and master lists (unverified anchors). Entries
/// that cannot be decoded are listed in [`LoadSummary::skipped`] with their line.
#[derive(Debug, Clone)]
pub struct LdifFile {
    path: PathBuf,
}

impl LdifFile {
    /// The LDIF file at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        LdifFile { path: path.into() }
    }
}

impl CertificateSource for LdifFile {
    fn name(&self) -> String {
        format!("LDIF {}", self.path.display())
    }

    fn load_into(&self, store: &mut TrustStore) -> Result<LoadSummary, AuthError> {
        let bytes = read_capped(&self.path, MAX_TRUST_FILE)?;
        let text = std::str::from_utf8(&bytes).map_err(|e| AuthError::File {
            path: self.path.clone(),
            reason: format!("LDIF file is not UTF-8 ({e})"),
        })?;
        store.add_ldif(text).map_err(|e| in_file(&self.path, e))
    }

    fn stamp(&self) -> Result<Option<u64>, AuthError> {
        path_stamp(&self.path).map(Some)
    }
}

/// Anchors that ship with the library ([`crate::anchors`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuiltIn {
    /// The Norwegian CSCAs ([`crate::anchors::NORWAY`]).
    NorwegianCscas,
}

impl CertificateSource for BuiltIn {
    fn name(&self) -> String {
        match self {
            BuiltIn::NorwegianCscas => "built-in Norwegian CSCAs".into(),
        }
    }

    fn load_into(&self, store: &mut TrustStore) -> Result<LoadSummary, AuthError> {
        match self {
            BuiltIn::NorwegianCscas => store.add_norwegian_cscas(),
        }
    }
}

/// DER certificates held in memory (an app's bundled CSCAs, a test CSCA): CA or self-issued
/// certificates are anchors, others Document Signer candidates.
#[derive(Debug, Clone)]
pub struct DerCertificates {
    name: String,
    certificates: Vec<Vec<u8>>,
}

impl DerCertificates {
    /// `certificates` (DER), called `name` in messages.
    pub fn new(name: impl Into<String>, certificates: Vec<Vec<u8>>) -> Self {
        DerCertificates {
            name: name.into(),
            certificates,
        }
    }
}

impl CertificateSource for DerCertificates {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn load_into(&self, store: &mut TrustStore) -> Result<LoadSummary, AuthError> {
        let mut s = LoadSummary::default();
        for (i, der) in self.certificates.iter().enumerate() {
            let added = store
                .add_der_certificate(der)
                .map_err(|e| AuthError::InSource {
                    source_name: format!("{}, certificate {}", self.name, i + 1),
                    error: Box::new(e),
                })?;
            s.merge(added);
        }
        Ok(s)
    }
}

/// Several sources as one, loaded in order (to cache an assembled store as a whole).
#[derive(Default)]
pub struct Sources(Vec<Box<dyn CertificateSource>>);

impl Sources {
    /// No source yet.
    pub fn new() -> Self {
        Sources(Vec::new())
    }

    /// These sources and `source` after them.
    pub fn with(mut self, source: impl CertificateSource + 'static) -> Self {
        self.0.push(Box::new(source));
        self
    }

    /// Add `source` after the others.
    pub fn push(&mut self, source: Box<dyn CertificateSource>) {
        self.0.push(source);
    }

    /// How many sources.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True without any source.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl CertificateSource for Sources {
    fn name(&self) -> String {
        self.0
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn load_into(&self, store: &mut TrustStore) -> Result<LoadSummary, AuthError> {
        let mut s = LoadSummary::default();
        for source in &self.0 {
            s.merge(source.load_into(store)?);
        }
        Ok(s)
    }

    fn stamp(&self) -> Result<Option<u64>, AuthError> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        let mut any = false;
        for source in &self.0 {
            let stamp = source.stamp()?;
            any |= stamp.is_some();
            stamp.hash(&mut h);
        }
        Ok(any.then(|| h.finish()))
    }
}

/// A source loaded once: [`Cached::store`] parses it on first use and then hands out the same
/// store (shared, read-only) to every verification, on every thread; [`Cached::refresh`] loads
/// it again only when its files changed ([`CertificateSource::stamp`]). As a source itself it
/// copies the loaded anchors into another store without parsing anything again.
pub struct Cached<S> {
    source: S,
    state: Mutex<Option<Loaded>>,
    loads: AtomicU64,
}

#[derive(Clone)]
struct Loaded {
    stamp: Option<u64>,
    store: Arc<TrustStore>,
    summary: LoadSummary,
}

impl<S: CertificateSource> Cached<S> {
    /// `source`, not loaded yet.
    pub fn new(source: S) -> Self {
        Cached {
            source,
            state: Mutex::new(None),
            loads: AtomicU64::new(0),
        }
    }

    /// The source's store, loaded on the first call (callers that arrive meanwhile wait for it
    /// rather than load it twice). A failed load is not kept: the next call tries again.
    pub fn store(&self) -> Result<Arc<TrustStore>, AuthError> {
        Ok(self.loaded()?.store)
    }

    /// What loading the source added.
    pub fn summary(&self) -> Result<LoadSummary, AuthError> {
        Ok(self.loaded()?.summary)
    }

    /// Load the source again if its stamp changed since it was loaded (or it was never
    /// loaded); true when it was loaded. On an error the store loaded before stays in use.
    pub fn refresh(&self) -> Result<bool, AuthError> {
        let mut state = self.lock();
        let stamp = self.source.stamp()?;
        if state.as_ref().is_some_and(|l| l.stamp == stamp) {
            return Ok(false);
        }
        *state = Some(self.load(stamp)?);
        Ok(true)
    }

    /// How many times the source was parsed.
    pub fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    /// The wrapped source.
    pub fn source(&self) -> &S {
        &self.source
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Loaded>> {
        // A panic while loading leaves nothing half-written in the slot: the guard is only
        // assigned a finished load.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn loaded(&self) -> Result<Loaded, AuthError> {
        let mut state = self.lock();
        if let Some(l) = state.as_ref() {
            return Ok(l.clone());
        }
        let stamp = self.source.stamp()?;
        let l = self.load(stamp)?;
        *state = Some(l.clone());
        Ok(l)
    }

    fn load(&self, stamp: Option<u64>) -> Result<Loaded, AuthError> {
        self.loads.fetch_add(1, Ordering::Relaxed);
        let mut store = TrustStore::new();
        let summary = self.source.load_into(&mut store)?;
        Ok(Loaded {
            stamp,
            store: Arc::new(store),
            summary,
        })
    }
}

impl<S: CertificateSource> CertificateSource for Cached<S> {
    fn name(&self) -> String {
        self.source.name()
    }

    fn load_into(&self, store: &mut TrustStore) -> Result<LoadSummary, AuthError> {
        let loaded = self.loaded()?;
        let mut s = store.merge_from(&loaded.store);
        s.master_lists = loaded.summary.master_lists;
        s.skipped = loaded.summary.skipped;
        s.notes = loaded.summary.notes;
        Ok(s)
    }

    fn stamp(&self) -> Result<Option<u64>, AuthError> {
        self.source.stamp()
    }
}

impl<S: CertificateSource> std::fmt::Debug for Cached<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cached")
            .field("source", &self.source.name())
            .field("loads", &self.loads())
            .finish()
    }
}

fn in_file(path: &Path, error: AuthError) -> AuthError {
    match error {
        // Already names the file.
        e @ (AuthError::Io { .. } | AuthError::File { .. } | AuthError::InFile { .. }) => e,
        e => AuthError::InFile {
            path: path.to_path_buf(),
            error: Box::new(e),
        },
    }
}

/// A file's bytes, refused beyond `limit` before it is read.
fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, AuthError> {
    use std::io::Read;
    let io = |source| AuthError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let too_large = |len: u64| AuthError::File {
        path: path.to_path_buf(),
        reason: format!("{len} bytes is larger than the {limit} accepted"),
    };
    if len > limit {
        return Err(too_large(len));
    }
    let mut bytes = Vec::new();
    // The file may grow between the size check and the read.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Names, sizes and modification times of a file or of every entry of a folder tree (as deep
/// as loading goes), hashed.
fn path_stamp(path: &Path) -> Result<u64, AuthError> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut seen = 0usize;
    stamp_into(path, 0, &mut h, &mut seen)?;
    Ok(h.finish())
}

fn stamp_into(
    path: &Path,
    depth: usize,
    h: &mut impl Hasher,
    seen: &mut usize,
) -> Result<(), AuthError> {
    let io = |source| AuthError::Io {
        path: path.to_path_buf(),
        source,
    };
    *seen += 1;
    if *seen > MAX_STAMP_ENTRIES {
        return Err(AuthError::File {
            path: path.to_path_buf(),
            reason: format!("more than {MAX_STAMP_ENTRIES} files in the trust folders"),
        });
    }
    let meta = std::fs::metadata(path).map_err(io)?;
    path.hash(h);
    meta.len().hash(h);
    meta.modified().ok().hash(h);
    if meta.is_dir() && depth < MAX_FOLDER_DEPTH {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            match stamp_into(&e, depth + 1, h, seen) {
                // Unreadable entries are skipped when loading too.
                Ok(()) | Err(AuthError::Io { .. }) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}
