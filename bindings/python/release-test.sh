#!/usr/bin/env bash
# Release Python wheels end to end: build, install in a fresh venv, test against the installed
# package (docs/mobile.md, "Release wheels").
#
#   bash bindings/python/release-test.sh [--keep DIR]
#
#   1. The wheel as it ships (build-wheel.sh: release profile, no virtual chip), installed in a
#      fresh venv; test_release_wheel.py checks that it holds no virtual chip and no TEST CSCA,
#      and runs MRZ, key, image and Passive Authentication calls (a real UK passport) on it.
#   2. The same release build with the virtual chip (build-wheel.sh --sim: tests only, never
#      published), in another fresh venv; the whole end-to-end suite test_emrtd.py runs against
#      the optimized library (reads through a Python transport, blocking and asyncio).
# maturin comes from PyPI into a build venv (or from $MATURIN). Everything is written to a
# temporary folder (or DIR with --keep, where the wheels stay); the working tree stays clean.
# The release build is the slow part: cargo compiles the dependency tree with optimizations.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"

keep=
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep="${2:?--keep needs a folder}"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (expected --keep DIR)" >&2; exit 2 ;;
  esac
done
if [ -n "$keep" ]; then
  mkdir -p "$keep"
  out="$(cd "$keep" && pwd)"
else
  out="$(mktemp -d "${TMPDIR:-/tmp}/emrtd-release-wheel.XXXXXX")"
  trap 'rm -rf "$out"' EXIT
fi

step_start=$SECONDS
step() { # name of the next step; prints the time the previous one took
  if [ -n "${step_name:-}" ]; then
    echo "-- $step_name: $((SECONDS - step_start)) s"
  fi
  step_name="$1"
  step_start=$SECONDS
  [ "$1" = done ] || echo "== $1 =="
}

maturin="${MATURIN:-}"
if [ -z "$maturin" ]; then
  step "maturin (PyPI) in a build venv"
  python3 -m venv "$out/build-venv"
  "$out/build-venv/bin/pip" install -q --disable-pip-version-check 'maturin>=1.9,<2'
  maturin="$out/build-venv/bin/maturin"
fi

test_wheel() { # wheel folder, venv name, test file: fresh venv, install, run from $out
  local wheel
  wheel="$(ls "$1"/emrtd-*.whl)"
  echo "installing $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB) into a fresh venv"
  rm -rf "${out:?}/$2"
  python3 -m venv "$out/$2"
  "$out/$2/bin/pip" install -q --disable-pip-version-check --no-index "$wheel"
  (
    cd "$out"
    "$2/bin/python" -c 'import emrtd, sys
assert "/'"$2"'/" in emrtd.__file__, emrtd.__file__
print("emrtd imported from", emrtd.__file__)'
    PYTHONDONTWRITEBYTECODE=1 "$2/bin/python" "$repo/bindings/python/$3"
  )
}

step "release wheel as shipped (release profile, no virtual chip)"
rm -rf "$out/wheels-release"
MATURIN="$maturin" bash bindings/python/build-wheel.sh --out "$out/wheels-release"

step "its tests, installed in a fresh venv"
test_wheel "$out/wheels-release" venv-release test_release_wheel.py

step "release wheel with the virtual chip (tests only)"
rm -rf "$out/wheels-release-sim"
MATURIN="$maturin" bash bindings/python/build-wheel.sh --sim --out "$out/wheels-release-sim"

step "end-to-end suite against it, installed in a fresh venv"
test_wheel "$out/wheels-release-sim" venv-release-sim test_emrtd.py

step done
