#!/usr/bin/env bash
# cargo-deny over the whole workspace (configuration: deny.toml).
#
# licenses, bans and sources need only Cargo.lock and the crates' manifests and always run.
# advisories needs the RustSec advisory database, cloned from GitHub: when it cannot be fetched
# (no network to GitHub), the advisories check is skipped and this script says so plainly; set
# DENY_REQUIRE_ADVISORIES=1 (release builds) to make that an error instead.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-deny >/dev/null 2>&1; then
  echo "installing cargo-deny"
  cargo install -q cargo-deny --locked
fi

cargo deny --locked check licenses bans sources

if cargo deny fetch db; then
  cargo deny --locked check advisories
  echo "cargo deny: advisories, licenses, bans, sources: ok"
else
  echo
  echo "ADVISORIES NOT CHECKED: the RustSec advisory database could not be fetched" \
    "(no network to github.com). licenses, bans and sources passed."
  if [ "${DENY_REQUIRE_ADVISORIES:-0}" = 1 ]; then
    exit 1
  fi
fi
