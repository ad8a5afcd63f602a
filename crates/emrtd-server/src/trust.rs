//! The server's trust anchors: the configured sources (`emrtd_auth::source`) behind one
//! [`Cached`] store that is reloaded when its files change.
//!
//! When: a verification that finds the last check older than `[trust] refresh_secs` (default
//! 300; 0 turns it off) first compares the sources' stamps (names, sizes and modification
//! times of the files) and parses them again only if one changed; SIGHUP (`emrtd serve`, Unix)
//! checks at once. A reload that fails (a file half-written, a master list whose signature does
//! not verify) is logged and the anchors loaded before stay in use; the next check tries again.
//! Verifications under way keep the store they started with.

use emrtd_auth::source::{BuiltIn, Cached, CertificateSource, DerCertificates, Sources, TrustPath};
use emrtd_auth::{AuthError, TrustStore};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Trust anchors loaded from their sources, reloaded when the sources change.
pub struct TrustAnchors {
    cached: Cached<Sources>,
    interval: Option<Duration>,
    last_check: Mutex<Instant>,
}

impl std::fmt::Debug for TrustAnchors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustAnchors")
            .field("sources", &self.cached)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// What a check of the sources did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refresh {
    /// Not checked: the last check is more recent than the interval (or checks are off).
    NotDue,
    /// Checked: the files are as they were.
    Unchanged,
    /// Checked and loaded again: verifications from now on use the new anchors.
    Reloaded,
    /// Checked, but loading failed: the anchors loaded before stay in use.
    Failed,
}

impl TrustAnchors {
    /// The anchors of `sources`, loaded now (a source that cannot be loaded is an error here,
    /// at start, naming its file), checked for changes at most every `interval` (`None`:
    /// never, except when asked with [`TrustAnchors::check_now`]).
    pub fn load(sources: Sources, interval: Option<Duration>) -> Result<TrustAnchors, AuthError> {
        let cached = Cached::new(sources);
        cached.store()?;
        Ok(TrustAnchors {
            cached,
            interval,
            last_check: Mutex::new(Instant::now()),
        })
    }

    /// The sources of a configuration: the built-in Norwegian CSCAs, the paths (files,
    /// folders, master lists, LDIF) and the simulator's test CSCA, in that order.
    pub fn sources(builtin: bool, paths: &[std::path::PathBuf], test_csca: bool) -> Sources {
        let mut sources = Sources::new();
        if builtin {
            sources = sources.with(BuiltIn::NorwegianCscas);
        }
        for p in paths {
            sources = sources.with(TrustPath::new(p));
        }
        if test_csca {
            sources = sources.with(DerCertificates::new(
                "the simulator's test CSCA",
                vec![emrtd_sim::pki::TEST_CSCA.to_vec()],
            ));
        }
        sources
    }

    /// The store verifications use now.
    pub fn current(&self) -> Arc<TrustStore> {
        // Loaded in `load`; a later failed reload keeps it, so this only fails if the first
        // load is gone, which `Cached` never does: fall back to an empty store all the same
        // (verifications then say no CSCA matched) rather than panic.
        self.cached
            .store()
            .unwrap_or_else(|_| Arc::new(TrustStore::new()))
    }

    /// Check the sources if the last check is older than the interval (at `now`).
    pub fn check_if_due(&self, now: Instant) -> Refresh {
        let Some(interval) = self.interval else {
            return Refresh::NotDue;
        };
        {
            let mut last = self.last_check.lock().unwrap_or_else(|p| p.into_inner());
            if now.saturating_duration_since(*last) < interval {
                return Refresh::NotDue;
            }
            // Claimed: concurrent verifications do not check again meanwhile.
            *last = now;
        }
        self.reload_if_changed()
    }

    /// Check the sources now (SIGHUP).
    pub fn check_now(&self) -> Refresh {
        *self.last_check.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        self.reload_if_changed()
    }

    /// How many times the sources were parsed (1 after start).
    pub fn loads(&self) -> u64 {
        self.cached.loads()
    }

    fn reload_if_changed(&self) -> Refresh {
        match self.cached.refresh() {
            Ok(true) => {
                let store = self.current();
                tracing::info!(
                    sources = %self.cached.source().name(),
                    csca = store.anchor_count(),
                    "trust anchors reloaded"
                );
                Refresh::Reloaded
            }
            Ok(false) => Refresh::Unchanged,
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    "trust anchors not reloaded; the ones loaded before stay in use"
                );
                Refresh::Failed
            }
        }
    }
}

/// Check `anchors` each time the process receives SIGHUP (Unix; elsewhere this never
/// returns). Run it beside the server: `tokio::spawn(reload_on_sighup(anchors))`.
pub async fn reload_on_sighup(anchors: Arc<TrustAnchors>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            tracing::warn!("SIGHUP cannot be caught: trust anchors reload only on their interval");
            return std::future::pending().await;
        };
        while hup.recv().await.is_some() {
            let anchors = anchors.clone();
            // Parsing is CPU and file work: off the IO threads.
            let done = tokio::task::spawn_blocking(move || anchors.check_now()).await;
            if let Ok(outcome) = done {
                tracing::info!(?outcome, "SIGHUP: trust anchors checked");
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = anchors;
        std::future::pending::<()>().await;
    }
}
