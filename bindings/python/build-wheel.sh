#!/usr/bin/env bash
# Build the Python wheel of the emrtd bindings with maturin (bindings/python/pyproject.toml):
# the package `emrtd` = the UniFFI-generated emrtd.py + the native library libemrtd_ffi.
#
#   bash bindings/python/build-wheel.sh --out DIR [--sim] [--dev]
#
# Default: a release wheel (cargo release profile, no virtual chip). --sim adds the virtual
# chip and its TEST CSCA (`VirtualCard`) for the bindings' tests: never publish such a wheel.
# --dev builds with the dev profile (fast to build, large and slow library: tests only).
# maturin comes from $MATURIN, else from PATH (`pip install maturin`). The bindings generator
# (emrtd-bindgen, UniFFI's uniffi-bindgen) is built with the same profile and features as the
# library, so cargo compiles the dependencies once for both.
set -euo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")/../.."

out=
profile=release
features=cli,images
while [ $# -gt 0 ]; do
  case "$1" in
    --out)
      out="${2:?--out needs a folder}"
      case "$out" in /*) ;; *) out="$caller_dir/$out" ;; esac
      shift 2 ;;
    --sim) features=cli,sim,images; shift ;;
    --dev) profile=dev; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (expected --out DIR, --sim or --dev)" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || { echo "--out DIR is required" >&2; exit 2; }
maturin="${MATURIN:-maturin}"
command -v "$maturin" >/dev/null || {
  echo "maturin not found: pip install maturin (or set MATURIN)" >&2
  exit 1
}

cargo build -q -p emrtd-ffi --profile "$profile" --features "$features" --bin emrtd-bindgen
target_dir="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
case "$profile" in dev) profile_dir=debug ;; *) profile_dir="$profile" ;; esac

# maturin runs `uniffi-bindgen` from PATH (the crate's generator is named emrtd-bindgen so that
# maturin does not `cargo run` it with other features, which would build the library again).
bin_dir="$(mktemp -d "${TMPDIR:-/tmp}/emrtd-bindgen.XXXXXX")"
trap 'rm -rf "$bin_dir"' EXIT
ln -s "$target_dir/$profile_dir/emrtd-bindgen" "$bin_dir/uniffi-bindgen"

cd bindings/python
PATH="$bin_dir:$PATH" "$maturin" build -q --profile "$profile" --features "$features" --out "$out"
