#!/usr/bin/env bash
# Generate the Kotlin, Swift and Python sources of the emrtd bindings (UniFFI, library mode).
#
#   bash bindings/generate.sh [--out DIR] [--release] [--sim] [LANGUAGE ...]
#
# LANGUAGE is kotlin, swift or python (default: kotlin swift). Sources go to DIR/<language>
# (default DIR: bindings/generated, ignored by git). Builds the host cdylib of crates/emrtd-ffi
# and its emrtd-bindgen binary (UniFFI's uniffi-bindgen) first; the generated sources are the
# same for every target, so they serve the Android and iOS builds of the library (see
# docs/mobile.md). --sim adds the virtual chip (VirtualCard, TEST keys) for the bindings'
# tests: never ship it in an app (the mobile libraries are built without it, the default, and
# the bindings must match the library's features; --no-sim, the default, is still accepted).
# The python directory also gets the host library next to emrtd.py, ready for `import emrtd`.
set -euo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")/.."

out=bindings/generated
profile=debug
release_flag=
features="--features cli,images"
languages=
while [ $# -gt 0 ]; do
  case "$1" in
    --out)
      out="${2:?--out needs a folder}"
      case "$out" in /*) ;; *) out="$caller_dir/$out" ;; esac
      shift 2 ;;
    --release) profile=release; release_flag=--release; shift ;;
    --sim) features="--features cli,sim,images"; shift ;;
    --no-sim) features="--features cli,images"; shift ;;
    kotlin|swift|python) languages="$languages $1"; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (expected --out DIR, --release, --sim, --no-sim, kotlin, swift or python)" >&2; exit 2 ;;
  esac
done
[ -n "$languages" ] || languages="kotlin swift"

# shellcheck disable=SC2086 # word splitting of the flags is intended
cargo build -q -p emrtd-ffi $features --lib --bin emrtd-bindgen $release_flag

target_dir="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
case "$(uname -s)" in
  Darwin) lib_name=libemrtd_ffi.dylib ;;
  *) lib_name=libemrtd_ffi.so ;;
esac
lib="$target_dir/$profile/$lib_name"
bindgen="$target_dir/$profile/emrtd-bindgen"

for language in $languages; do
  mkdir -p "$out/$language"
  "$bindgen" generate --library "$lib" --language "$language" --out-dir "$out/$language" --no-format
  if [ "$language" = python ]; then
    cp "$lib" "$out/python/"
  fi
  echo "$language bindings: $out/$language"
done
