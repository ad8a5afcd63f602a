#!/usr/bin/env bash
# MSRV check: the workspace must build with the Rust version its Cargo.toml promises
# (`rust-version` in [workspace.package]). Installs that toolchain (minimal profile) when it is
# missing, then checks every library and binary with the committed Cargo.lock.
#
# Why that version: hayro-jpeg2000 0.5 (the JPEG 2000 decoder behind emrtd-lds's `images`
# feature) needs Rust 1.92; the code itself needs nothing newer.
#
# Usage: bash .ci/msrv.sh            (from anywhere in the repository)
#        MSRV_ALL_TARGETS=1 bash .ci/msrv.sh   also tests, examples and benches (dev-dependencies)
#        MSRV_TARGET_DIR=DIR bash .ci/msrv.sh  another target folder (default target/msrv)
#
# Cost (measured December 2026 on the 2-core CI machine, cold target folder, toolchain already
# installed): about 280 s of CPU (262 s user + 16 s system), that is 2.5 to 3 minutes of wall
# time on two idle cores (estimated from the CPU time: the machine was shared when measured).
# CI runs it nice'd in the background after the test stage (.ci/run), where it takes the CPU
# the later stages leave idle, and waits for it at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

msrv="$(sed -n 's/^rust-version = "\([0-9.]*\)"$/\1/p' Cargo.toml | head -n 1)"
if [ -z "$msrv" ]; then
  echo "msrv.sh: no rust-version in [workspace.package] of Cargo.toml" >&2
  exit 1
fi
if ! rustup run "$msrv" rustc --version >/dev/null 2>&1; then
  echo "installing Rust $msrv (minimal profile)"
  rustup toolchain install "$msrv" --profile minimal --no-self-update
fi
echo "checking the workspace with $(rustup run "$msrv" rustc --version)"
start=$SECONDS

targets=()
if [ "${MSRV_ALL_TARGETS:-0}" = 1 ]; then
  targets=(--all-targets)
fi
# Its own target folder: another compiler's artifacts would only evict the main build's.
CARGO_TARGET_DIR="${MSRV_TARGET_DIR:-target/msrv}" \
  cargo "+$msrv" check --workspace --locked "${targets[@]}"
echo "Rust $msrv builds the workspace ($((SECONDS - start)) s)"
