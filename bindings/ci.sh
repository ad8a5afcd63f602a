#!/usr/bin/env bash
# CI for the mobile bindings: generate the Python, Kotlin and Swift sources from the emrtd-ffi
# cdylib, then run the Python end-to-end test (a Python transport between the Rust reader and
# the virtual chip: PACE, secure messaging, verification). The library is built with the
# virtual chip (`--features sim`): tests only, never in an app. Run from anywhere:
#   bash bindings/ci.sh
set -euo pipefail
cd "$(dirname "$0")/.."

out="$(mktemp -d "${TMPDIR:-/tmp}/emrtd-bindings.XXXXXX")"
trap 'rm -rf "$out"' EXIT

echo "== Rust tests of the exported API (virtual chip: --features sim) =="
cargo test -q -p emrtd-ffi --features sim

echo "== generate Python, Kotlin and Swift bindings =="
bash bindings/generate.sh --sim --out "$out" python kotlin swift

# The Kotlin and Swift sources must exist and declare the API the glue examples use.
check() { # file, then strings it must contain
  local file="$1"; shift
  [ -s "$file" ] || { echo "missing generated file: $file" >&2; exit 1; }
  for s in "$@"; do
    grep -qF -- "$s" "$file" || { echo "$file does not declare: $s" >&2; exit 1; }
  done
}
check "$out/kotlin/uniffi/emrtd/emrtd.kt" \
  'interface NfcTransport' 'open class ReadSession' 'sealed class NfcException' 'class TagLost' \
  'fun `fromCan`(' 'fun `verify`(' 'interface ProgressListener' 'fun `faces`()'
check "$out/swift/emrtd.swift" \
  "protocol NfcTransport" "class ReadSession" "enum NfcError" "case TagLost" \
  "static func fromCan(" "func verify(" "protocol ProgressListener"
check "$out/swift/emrtdFFI.h"
check "$out/swift/emrtdFFI.modulemap"
echo "Kotlin and Swift sources generated"

echo "== Python end-to-end test =="
PYTHONPATH="$out/python" PYTHONDONTWRITEBYTECODE=1 python3 bindings/python/test_emrtd.py
