//! The configuration: a TOML file, with the secrets (token keys, the verdict signing key) read
//! from files or environment variables named there, never from the command line.

use crate::trust::TrustAnchors;
use emrtd_remote::{KeyRing, Policy, ServerKey};
use p256::ecdsa::SigningKey;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// The environment variable holding the current token key, `KID:64-HEX-DIGITS`, used when the
/// configuration file names no `[[token_keys]]`.
pub const ENV_TOKEN_KEY: &str = "EMRTD_TOKEN_KEY";
/// Older token keys still accepted (rotation), `KID:HEX[,KID:HEX…]`, with [`ENV_TOKEN_KEY`].
pub const ENV_TOKEN_KEY_PREVIOUS: &str = "EMRTD_TOKEN_KEY_PREVIOUS";
/// The verdict signing key (PKCS#8 PEM of a P-256 key), used when the file has no `[signing]`.
pub const ENV_SIGNING_KEY: &str = "EMRTD_SIGNING_KEY";
/// The key id of [`ENV_SIGNING_KEY`] (default `verdict`).
pub const ENV_SIGNING_KEY_ID: &str = "EMRTD_SIGNING_KEY_ID";

/// Largest configuration or key file read.
const MAX_CONFIG_FILE: u64 = 1 << 20;
/// Most token keys held at once.
const MAX_TOKEN_KEYS: usize = 16;
/// Upper bounds of the limits a configuration may set.
const MAX_TIMEOUT_MS: u64 = 300_000;
const MAX_CONCURRENCY: usize = 65_536;
/// Default and largest interval between checks of the trust anchors' files.
const DEFAULT_TRUST_REFRESH_SECS: u64 = 300;
const MAX_TRUST_REFRESH_SECS: u64 = 86_400;

/// Why the configuration cannot be used. Each message says what to change.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A file cannot be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The TOML does not parse or has an unknown key.
    #[error("{path}: {reason}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, on one line.
        reason: String,
    },
    /// A value is out of range or inconsistent.
    #[error("{0}")]
    Invalid(String),
    /// No token key at all.
    #[error(
        "no token key: name one in the configuration ([[token_keys]] with id and file or env) \
         or set {ENV_TOKEN_KEY}=KID:64-HEX-DIGITS (generate one with `openssl rand -hex 32`)"
    )]
    NoTokenKey,
    /// A token key is unusable.
    #[error("token key {kid:?}: {reason}")]
    TokenKey {
        /// The key id.
        kid: String,
        /// Why.
        reason: String,
    },
    /// The signing key is unusable.
    #[error("verdict signing key: {0}")]
    SigningKey(String),
    /// A trust anchor cannot be loaded (the message names the file and why).
    #[error("trust anchors: {0}; fix or remove it from [trust] paths / --trust")]
    Trust(emrtd_auth::AuthError),
}

/// The configuration file as written (`emrtd serve --config FILE`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Address to listen on (default `127.0.0.1:8080`; port 0 picks a free port).
    pub listen: Option<String>,
    /// Token keys; the first seals new challenges, the others are still accepted (rotation).
    #[serde(default)]
    pub token_keys: Vec<KeyConfig>,
    /// The key that signs verdicts (JWS ES256); no signature when absent.
    pub signing: Option<KeyConfig>,
    /// Trust anchors for Passive Authentication.
    #[serde(default)]
    pub trust: TrustConfig,
    /// What `accepted` requires, and the challenge lifetime.
    #[serde(default)]
    pub policy: PolicyConfig,
    /// Request limits.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Logging.
    #[serde(default)]
    pub log: LogConfig,
}

/// Where a key is: a file or an environment variable (exactly one).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// The key id (token keys: 1–32 characters `A-Z a-z 0-9 - _`).
    pub id: String,
    /// A file holding the key.
    pub file: Option<PathBuf>,
    /// An environment variable holding the key.
    pub env: Option<String>,
}

/// Trust anchors, as `emrtd verify` takes them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustConfig {
    /// CSCA certificates (PEM/DER), folders, master lists (.ml/.mls), LDIF files.
    #[serde(default)]
    pub paths: Vec<PathBuf>,
    /// Trust the built-in Norwegian CSCAs (default true).
    #[serde(default = "yes")]
    pub builtin: bool,
    /// Trust the simulator's test CSCA (default false; for tests against `emrtd read --sim`).
    #[serde(default)]
    pub test_csca: bool,
    /// Seconds between checks of the `paths` for changes (names, sizes, modification times),
    /// made by the first verification after the interval; the anchors are loaded again when a
    /// file changed. Default 300, at most 86400; 0: only at start and on SIGHUP.
    pub refresh_secs: Option<u64>,
}

impl Default for TrustConfig {
    fn default() -> Self {
        TrustConfig {
            paths: Vec::new(),
            builtin: true,
            test_csca: false,
            refresh_secs: None,
        }
    }
}

fn yes() -> bool {
    true
}

/// The policy; an absent value keeps [`Policy::default`]'s.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Challenge lifetime, seconds (default 300, 10 to 3600).
    pub token_lifetime_secs: Option<i64>,
    /// Tolerated clock difference between instances, seconds (default 60, 0 to 600).
    pub clock_skew_secs: Option<i64>,
    /// `accepted` needs a proven chip (default true).
    pub require_genuine_chip: Option<bool>,
    /// `accepted` needs the document within its validity (default true).
    pub require_within_validity: Option<bool>,
    /// Ask for Active Authentication when the phone disclosed neither DG14 nor DG15.
    pub active_authentication_by_default: Option<bool>,
}

/// Request limits.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest request body, bytes (default and maximum 2 MiB, the evidence cap).
    pub max_body_bytes: Option<usize>,
    /// Time limit of a request, milliseconds (default 10,000).
    pub request_timeout_ms: Option<u64>,
    /// Time limit for the request body to arrive, milliseconds (default 5,000; less than
    /// `request_timeout_ms`). A body that is late is the client's fault: 408, not 503.
    pub body_timeout_ms: Option<u64>,
    /// Requests handled at once (default 64); others wait, within their time limit.
    pub max_concurrency: Option<usize>,
}

/// Log output format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Log level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum LogLevel {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warn,
    /// One line per request (default).
    #[default]
    Info,
    /// More.
    Debug,
}

/// Logging.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `text` (default) or `json`.
    #[serde(default)]
    pub format: LogFormat,
    /// `error`, `warn`, `info` (default) or `debug`.
    #[serde(default)]
    pub level: LogLevel,
}

/// The limits in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body, bytes.
    pub max_body_bytes: usize,
    /// Time limit of a request.
    pub request_timeout: Duration,
    /// Time limit for the request body to arrive (less than `request_timeout`).
    pub body_timeout: Duration,
    /// Requests handled at once.
    pub max_concurrency: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: emrtd_remote::evidence::MAX_BODY,
            request_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(5),
            max_concurrency: 64,
        }
    }
}

/// Everything the server runs with, resolved and checked.
#[derive(Clone)]
pub struct Settings {
    /// Listen address.
    pub listen: SocketAddr,
    /// Token keys.
    pub ring: KeyRing,
    /// Verdict signing key and its id.
    pub signer: Option<(String, SigningKey)>,
    /// Trust anchors, reloaded when their files change ([`TrustAnchors`]).
    pub trust: Arc<TrustAnchors>,
    /// Policy.
    pub policy: Policy,
    /// Limits.
    pub limits: Limits,
    /// Logging.
    pub log: LogConfig,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("ring", &self.ring)
            .field("signer", &self.signer.as_ref().map(|(kid, _)| kid))
            .field("policy", &self.policy)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

fn read_bounded(path: &Path) -> Result<Zeroizing<Vec<u8>>, ConfigError> {
    use std::io::Read;
    let err = |e: std::io::Error| ConfigError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(err)?;
    let mut buf = Zeroizing::new(Vec::new());
    file.take(MAX_CONFIG_FILE + 1)
        .read_to_end(&mut buf)
        .map_err(err)?;
    if buf.len() as u64 > MAX_CONFIG_FILE {
        return Err(ConfigError::Read {
            path: path.to_path_buf(),
            reason: format!("larger than {MAX_CONFIG_FILE} bytes"),
        });
    }
    Ok(buf)
}

impl ConfigFile {
    /// Read and parse a configuration file.
    pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
        let bytes = read_bounded(path)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| ConfigError::Syntax {
            path: path.to_path_buf(),
            reason: "not UTF-8 text".into(),
        })?;
        ConfigFile::parse(text).map_err(|reason| ConfigError::Syntax {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Parse configuration text (the error on one line).
    pub fn parse(text: &str) -> Result<ConfigFile, String> {
        toml::from_str(text).map_err(|e| one_line(&e.to_string()))
    }

    /// Resolve the keys (from files and `env`), load the trust anchors, check every value.
    /// `env` looks up environment variables (the process environment in `emrtd serve`).
    pub fn resolve(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let listen = self.listen.as_deref().unwrap_or("127.0.0.1:8080");
        let listen: SocketAddr = listen.parse().map_err(|_| {
            ConfigError::Invalid(format!(
                "listen = {listen:?} is not an IP address and port such as 127.0.0.1:8080"
            ))
        })?;
        Ok(Settings {
            listen,
            ring: self.key_ring(env)?,
            signer: self.signer(env)?,
            trust: self.trust_anchors()?,
            policy: self.policy()?,
            limits: self.limits()?,
            log: self.log,
        })
    }

    fn key_ring(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<KeyRing, ConfigError> {
        let mut keys = Vec::new();
        if self.token_keys.is_empty() {
            let Some(current) = env(ENV_TOKEN_KEY).map(Zeroizing::new) else {
                return Err(ConfigError::NoTokenKey);
            };
            keys.push(key_pair(ENV_TOKEN_KEY, &current)?);
            if let Some(previous) = env(ENV_TOKEN_KEY_PREVIOUS).map(Zeroizing::new) {
                for item in previous.split(',').filter(|s| !s.trim().is_empty()) {
                    keys.push(key_pair(ENV_TOKEN_KEY_PREVIOUS, item)?);
                }
            }
        } else {
            for k in &self.token_keys {
                let material = secret(k, "token key", env)?;
                let text = std::str::from_utf8(&material).map_err(|_| ConfigError::TokenKey {
                    kid: k.id.clone(),
                    reason: "the key is not text: write 64 hexadecimal digits".into(),
                })?;
                let key = ServerKey::from_hex(&k.id, text).map_err(|e| ConfigError::TokenKey {
                    kid: k.id.clone(),
                    reason: e.to_string(),
                })?;
                keys.push(key);
            }
        }
        if keys.len() > MAX_TOKEN_KEYS {
            return Err(ConfigError::Invalid(format!(
                "{} token keys: at most {MAX_TOKEN_KEYS}; drop keys whose tokens have expired",
                keys.len()
            )));
        }
        let mut seen = std::collections::BTreeSet::new();
        for k in &keys {
            if !seen.insert(k.kid().to_string()) {
                return Err(ConfigError::TokenKey {
                    kid: k.kid().to_string(),
                    reason: "the id is used twice: give every key its own id".into(),
                });
            }
        }
        let mut keys = keys.into_iter();
        let current = keys.next().ok_or(ConfigError::NoTokenKey)?;
        Ok(keys.fold(KeyRing::new(current), KeyRing::with_previous))
    }

    fn signer(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<(String, SigningKey)>, ConfigError> {
        let (kid, material) = match &self.signing {
            Some(k) => (k.id.clone(), secret(k, "signing key", env)?),
            None => match env(ENV_SIGNING_KEY) {
                Some(pem) => (
                    env(ENV_SIGNING_KEY_ID).unwrap_or_else(|| "verdict".into()),
                    Zeroizing::new(pem.into_bytes()),
                ),
                None => return Ok(None),
            },
        };
        if kid.is_empty()
            || kid.len() > 64
            || !kid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            return Err(ConfigError::SigningKey(
                "the key id must be 1 to 64 characters A-Z, a-z, 0-9, '-', '_' or '.'".into(),
            ));
        }
        Ok(Some((kid, signing_key(&material)?)))
    }

    fn trust_anchors(&self) -> Result<Arc<TrustAnchors>, ConfigError> {
        let t = &self.trust;
        let secs = t.refresh_secs.unwrap_or(DEFAULT_TRUST_REFRESH_SECS);
        if secs > MAX_TRUST_REFRESH_SECS {
            return Err(ConfigError::Invalid(format!(
                "[trust] refresh_secs = {secs}: at most {MAX_TRUST_REFRESH_SECS} (0: only at start and on SIGHUP)"
            )));
        }
        if t.test_csca {
            require_test_csca(crate::trust::test_csca())?;
        }
        let interval = (secs > 0).then(|| Duration::from_secs(secs));
        let sources = TrustAnchors::sources(t.builtin, &t.paths, t.test_csca);
        TrustAnchors::load(sources, interval)
            .map(Arc::new)
            .map_err(ConfigError::Trust)
    }

    fn policy(&self) -> Result<Policy, ConfigError> {
        let p = &self.policy;
        let d = Policy::default();
        let lifetime = p.token_lifetime_secs.unwrap_or(d.token_lifetime_secs);
        if !(10..=3600).contains(&lifetime) {
            return Err(ConfigError::Invalid(format!(
                "policy.token_lifetime_secs = {lifetime}: give 10 to 3600 seconds"
            )));
        }
        let skew = p.clock_skew_secs.unwrap_or(d.clock_skew_secs);
        if !(0..=600).contains(&skew) {
            return Err(ConfigError::Invalid(format!(
                "policy.clock_skew_secs = {skew}: give 0 to 600 seconds"
            )));
        }
        Ok(Policy {
            token_lifetime_secs: lifetime,
            clock_skew_secs: skew,
            require_genuine_chip: p.require_genuine_chip.unwrap_or(d.require_genuine_chip),
            require_within_validity: p
                .require_within_validity
                .unwrap_or(d.require_within_validity),
            active_authentication_by_default: p
                .active_authentication_by_default
                .unwrap_or(d.active_authentication_by_default),
        })
    }

    fn limits(&self) -> Result<Limits, ConfigError> {
        let d = Limits::default();
        let l = &self.limits;
        let body = l.max_body_bytes.unwrap_or(d.max_body_bytes);
        if !(1024..=emrtd_remote::evidence::MAX_BODY).contains(&body) {
            return Err(ConfigError::Invalid(format!(
                "limits.max_body_bytes = {body}: give 1024 to {} bytes",
                emrtd_remote::evidence::MAX_BODY
            )));
        }
        let timeout = l
            .request_timeout_ms
            .map(Duration::from_millis)
            .unwrap_or(d.request_timeout);
        if timeout.is_zero() || timeout > Duration::from_millis(MAX_TIMEOUT_MS) {
            return Err(ConfigError::Invalid(format!(
                "limits.request_timeout_ms = {}: give 1 to {MAX_TIMEOUT_MS}",
                timeout.as_millis()
            )));
        }
        // An explicit request limit at or below the default body limit shortens the body limit
        // to half of it, so that a configuration giving only the request limit stays valid.
        let body_timeout = match l.body_timeout_ms {
            Some(ms) => Duration::from_millis(ms),
            None if d.body_timeout < timeout => d.body_timeout,
            None => timeout / 2,
        };
        if body_timeout.is_zero() || body_timeout >= timeout {
            return Err(ConfigError::Invalid(format!(
                "limits.body_timeout_ms = {}: give 1 to less than limits.request_timeout_ms ({})",
                body_timeout.as_millis(),
                timeout.as_millis()
            )));
        }
        let concurrency = l.max_concurrency.unwrap_or(d.max_concurrency);
        if !(1..=MAX_CONCURRENCY).contains(&concurrency) {
            return Err(ConfigError::Invalid(format!(
                "limits.max_concurrency = {concurrency}: give 1 to {MAX_CONCURRENCY}"
            )));
        }
        Ok(Limits {
            max_body_bytes: body,
            request_timeout: timeout,
            body_timeout,
            max_concurrency: concurrency,
        })
    }
}

/// A key's bytes from its file or environment variable.
fn secret(
    k: &KeyConfig,
    what: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Zeroizing<Vec<u8>>, ConfigError> {
    match (&k.file, &k.env) {
        (Some(path), None) => read_bounded(path),
        (None, Some(var)) => env(var)
            .map(|v| Zeroizing::new(v.into_bytes()))
            .ok_or_else(|| {
                ConfigError::Invalid(format!(
                    "{what} {:?}: the environment variable {var} is not set",
                    k.id
                ))
            }),
        _ => Err(ConfigError::Invalid(format!(
            "{what} {:?}: give exactly one of file = \"PATH\" or env = \"VARIABLE\"",
            k.id
        ))),
    }
}

/// `KID:HEX` from an environment variable.
fn key_pair(var: &str, value: &str) -> Result<ServerKey, ConfigError> {
    let Some((kid, hex)) = value.trim().split_once(':') else {
        return Err(ConfigError::Invalid(format!(
            "{var} must be KID:64-HEX-DIGITS, e.g. 2026-12:$(openssl rand -hex 32)"
        )));
    };
    ServerKey::from_hex(kid, hex).map_err(|e| ConfigError::TokenKey {
        kid: kid.to_string(),
        reason: e.to_string(),
    })
}

/// A P-256 signing key from PKCS#8 (PEM or DER) or SEC1 PEM (`EC PRIVATE KEY`).
fn signing_key(material: &[u8]) -> Result<SigningKey, ConfigError> {
    use p256::pkcs8::DecodePrivateKey;
    if let Ok(k) = SigningKey::from_pkcs8_der(material) {
        return Ok(k);
    }
    let text = std::str::from_utf8(material).map_err(|_| {
        ConfigError::SigningKey("neither PKCS#8 DER nor PEM text: give a P-256 private key".into())
    })?;
    let text = text.trim();
    if let Ok(k) = SigningKey::from_pkcs8_pem(text) {
        return Ok(k);
    }
    if let Ok(k) = p256::SecretKey::from_sec1_pem(text) {
        return Ok(SigningKey::from(k));
    }
    Err(ConfigError::SigningKey(
        "not a P-256 private key in PKCS#8 (PEM or DER) or SEC1 PEM; \
         generate one with `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`"
            .into(),
    ))
}

/// A message on one line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `[trust] test_csca = true` needs the test CSCA (`der`, from the feature `test-csca`).
fn require_test_csca(der: Option<&[u8]>) -> Result<(), ConfigError> {
    match der {
        Some(_) => Ok(()),
        None => Err(ConfigError::Invalid(
            "trust.test_csca = true, but this build of emrtd-server has no simulator test CSCA: \
             remove the key (real documents never chain to it) or build emrtd-server with the \
             cargo feature `test-csca` (the `emrtd` command has it)"
                .into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_csca_without_the_feature_is_a_configuration_error_saying_what_to_change() {
        let e = require_test_csca(None).unwrap_err().to_string();
        assert!(e.contains("trust.test_csca"), "{e}");
        assert!(e.contains("feature `test-csca`"), "{e}");
        assert!(!e.contains('\n'));
    }

    #[test]
    fn the_test_csca_is_trusted_with_the_feature() {
        require_test_csca(crate::trust::test_csca()).unwrap();
        let anchors = crate::trust::TrustAnchors::load(
            crate::trust::TrustAnchors::sources(false, &[], true),
            None,
        )
        .unwrap();
        assert!(!anchors.current().is_empty());
    }
}
