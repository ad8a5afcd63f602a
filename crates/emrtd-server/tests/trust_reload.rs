//! The server's trust anchors come from `emrtd_auth::source` and are reloaded when their files
//! change: checked at most every `[trust] refresh_secs`, at once on request (SIGHUP), never
//! replaced by a load that fails.

use emrtd_server::trust::Refresh;
use emrtd_server::{ConfigError, ConfigFile};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("emrtd-server-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn config(trust: &Path, refresh: &str) -> ConfigFile {
    ConfigFile::parse(&format!(
        "[[token_keys]]\nid = \"k1\"\nenv = \"TK\"\n[trust]\nbuiltin = false\npaths = [{:?}]\n{refresh}",
        trust.display().to_string()
    ))
    .unwrap()
}

fn resolve(file: &ConfigFile) -> Result<emrtd_server::Settings, ConfigError> {
    file.resolve(&|name| (name == "TK").then(|| "42".repeat(32)))
}

#[test]
fn a_certificate_added_to_the_trust_folder_is_used_after_the_next_check() {
    let dir = temp_dir("added");
    std::fs::write(dir.join("no-2012.cer"), emrtd_auth::anchors::NORWAY[0]).unwrap();
    let settings = resolve(&config(&dir, "refresh_secs = 60")).unwrap();
    let trust = &settings.trust;
    assert_eq!(trust.current().anchor_count(), 1);
    assert_eq!(trust.loads(), 1);

    std::fs::write(dir.join("test-csca.cer"), emrtd_sim::pki::TEST_CSCA).unwrap();
    // Within the interval nothing is looked at.
    assert_eq!(trust.check_if_due(Instant::now()), Refresh::NotDue);
    assert_eq!(trust.current().anchor_count(), 1);
    // After it, the changed folder is loaded again.
    let later = Instant::now() + Duration::from_secs(61);
    assert_eq!(trust.check_if_due(later), Refresh::Reloaded);
    assert_eq!(trust.current().anchor_count(), 2);
    assert_eq!(trust.loads(), 2);
    // Unchanged files are not parsed again.
    assert_eq!(
        trust.check_if_due(later + Duration::from_secs(61)),
        Refresh::Unchanged
    );
    assert_eq!(trust.loads(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sighup_checks_at_once_and_refresh_secs_zero_checks_only_then() {
    let dir = temp_dir("sighup");
    let settings = resolve(&config(&dir, "refresh_secs = 0")).unwrap();
    let trust = &settings.trust;
    assert_eq!(trust.current().anchor_count(), 0);
    std::fs::write(dir.join("test-csca.cer"), emrtd_sim::pki::TEST_CSCA).unwrap();
    let much_later = Instant::now() + Duration::from_secs(365 * 86_400);
    assert_eq!(trust.check_if_due(much_later), Refresh::NotDue);
    assert_eq!(trust.check_now(), Refresh::Reloaded);
    assert_eq!(trust.current().anchor_count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_reload_that_fails_keeps_the_anchors_loaded_before() {
    let dir = temp_dir("broken");
    let file = dir.join("csca.cer");
    std::fs::write(&file, emrtd_sim::pki::TEST_CSCA).unwrap();
    let settings = resolve(&config(&file, "")).unwrap();
    let trust = &settings.trust;
    let first = trust.current();
    assert_eq!(first.anchor_count(), 1);
    // Half-written: not a certificate any more (and another size, so the stamp changes).
    std::fs::write(&file, b"-----BEGIN CERTIFICATE-----\nMIIB").unwrap();
    assert_eq!(trust.check_now(), Refresh::Failed);
    assert!(Arc::ptr_eq(&trust.current(), &first), "the old store stays");
    // Written completely again: loaded, a new store.
    std::fs::write(&file, emrtd_auth::anchors::NORWAY[1]).unwrap();
    assert_eq!(trust.check_now(), Refresh::Reloaded);
    assert!(!Arc::ptr_eq(&trust.current(), &first));
    assert_eq!(trust.current().anchor_count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unreadable_trust_path_or_an_interval_out_of_range_stops_the_start() {
    let missing = std::env::temp_dir().join(format!("emrtd-server-{}-absent", std::process::id()));
    let e = resolve(&config(&missing, "")).unwrap_err();
    assert!(matches!(e, ConfigError::Trust(_)), "{e}");
    assert!(e.to_string().contains("absent"), "{e}");

    let dir = temp_dir("range");
    let e = resolve(&config(&dir, "refresh_secs = 86401")).unwrap_err();
    assert!(e.to_string().contains("refresh_secs"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
