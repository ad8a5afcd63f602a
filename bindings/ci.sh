#!/usr/bin/env bash
# CI for the mobile bindings. emrtd-ffi is compiled once with the virtual chip
# (`--features cli,sim,images`: tests only, never in an app); that one build then serves:
#   1. the Rust tests of the exported API (the sync and the async read);
#   2. the generated Python, Kotlin and Swift sources (checked to declare what the glue uses);
#   3. a Python wheel built by maturin (`--profile dev`, same features, same target folder),
#      installed with pip into a fresh venv, where the Python end-to-end tests run against it
#      (a Python transport, blocking and asyncio, between the Rust reader and the virtual chip);
#   4. the Kotlin JUnit 5 tests on the JVM (Maven: a Kotlin `suspend` transport, the async read,
#      cancellation, resumption, typed errors), with the library generate.sh built.
# The remote-verification tests of steps 3 and 4 (test_remote.py, RemoteTest.kt) start
# `emrtd serve`: target/debug/emrtd as the workspace's tests build it (`cargo test --workspace`,
# which CI ran before: nothing is compiled again), or the binary in $EMRTD_BIN.
# Needs python3 (venv, pip), a JDK 17 and Maven; maturin and the Maven artifacts come from PyPI
# and Maven Central (or the local caches). Everything it writes goes to a temporary folder
# (Maven's target/ too): the working tree stays clean. Run from anywhere:
#   bash bindings/ci.sh
set -euo pipefail
cd "$(dirname "$0")/.."

out="$(mktemp -d "${TMPDIR:-/tmp}/emrtd-bindings.XXXXXX")"
trap 'rm -rf "$out"' EXIT

step_start=$SECONDS
step() { # name of the next step; prints the time the previous one took
  if [ -n "${step_name:-}" ]; then
    echo "-- $step_name: $((SECONDS - step_start)) s"
  fi
  step_name="$1"
  step_start=$SECONDS
  [ "$1" = done ] || echo "== $1 =="
}

step "Rust tests of the exported API (virtual chip: --features cli,sim,images)"
# The same features as generate.sh below, so that the library is built once.
cargo test -q -p emrtd-ffi --features cli,sim,images

step "generate Python, Kotlin and Swift bindings"
bash bindings/generate.sh --sim --out "$out" python kotlin swift

# The Kotlin and Swift sources must exist and declare the API the glue and the docs use.
check() { # file, then strings it must contain
  local file="$1"; shift
  [ -s "$file" ] || { echo "missing generated file: $file" >&2; exit 1; }
  for s in "$@"; do
    grep -qF -- "$s" "$file" || { echo "$file does not declare: $s" >&2; exit 1; }
  done
}
check "$out/kotlin/uniffi/emrtd/emrtd.kt" \
  'interface NfcTransport' 'open class ReadSession' 'sealed class NfcException' 'class TagLost' \
  'fun `fromCan`(' 'fun `verify`(' 'interface ProgressListener' 'fun `faces`()' \
  'interface AsyncNfcTransport' 'suspend fun `transceive`(' 'suspend fun `reconnect`(' \
  'suspend fun `readDocument`(' 'open class CancellationToken' 'fun `cancel`()' \
  'fun `facePng`(' 'fun `mrz`()' 'data class Reading(' 'class Io(' \
  'fun `onProgress`(`progress`: ReadProgress)' 'var `extendedLength`: kotlin.Boolean' \
  'suspend fun `readDocument`(`transport`: AsyncNfcTransport, `key`: AccessKey, `options`: ReadOptions? = null, `listener`: ProgressListener? = null, `cancel`: CancellationToken? = null)' \
  'suspend fun `readProofFiles`(' 'fun `remoteChallengeRequest`(' 'fun `fromJson`(' \
  'suspend fun `readForRemoteVerification`(' 'fun `evidenceJson`()' 'enum class RemoteProofMethod' \
  'public interface RemoteServer' 'suspend fun `post`(`path`: kotlin.String, `body`: kotlin.String): ServerAnswer' \
  'data class ServerAnswer (' 'sealed class RemoteServerException' 'PACE_CAM;' \
  '`paceCam`: kotlin.Boolean = false' '`server`: RemoteServer? = null' \
  'class ServerRefused(' 'class ServerUnreachable('
check "$out/swift/emrtd.swift" \
  "protocol NfcTransport" "class ReadSession" "enum NfcError" "case TagLost" \
  "static func fromCan(" "func verify(" "protocol ProgressListener" \
  "protocol AsyncNfcTransport" "func transceive(apdu: Data) async throws" \
  "func reconnect() async throws" "func readDocument(" "class CancellationToken" \
  "func cancel()" "case reading(" \
  "static func fromCan(can: String)" "func verify(trust: TrustStore)" "case Io(" \
  "func onProgress(progress: ReadProgress)" "case Cancelled(" \
  "func readDocument(transport: AsyncNfcTransport, key: AccessKey, options: ReadOptions? = nil, listener: ProgressListener? = nil, cancel: CancellationToken? = nil)" \
  "func readProofFiles(" "func remoteChallengeRequest(" "static func fromJson(json: String)" \
  "func readForRemoteVerification(" "func evidenceJson()" \
  "public protocol RemoteServer" "func post(path: String, body: String) async throws" \
  "public struct ServerAnswer" "enum RemoteServerError" "case paceCam" "paceCam: Bool = false" \
  "server: RemoteServer? = nil" "case ServerRefused(" "case ServerUnreachable("
check "$out/swift/emrtdFFI.h"
check "$out/swift/emrtdFFI.modulemap"
echo "Kotlin and Swift sources generated"

step "emrtd binary for the remote-verification tests (the workspace tests' build, reused)"
if [ -z "${EMRTD_BIN:-}" ]; then
  cargo test -q --workspace --no-run >"$out/no-run.log" 2>&1 || { cat "$out/no-run.log" >&2; exit 1; }
  EMRTD_BIN="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug/emrtd"
fi
[ -x "$EMRTD_BIN" ] || { echo "no emrtd binary at $EMRTD_BIN" >&2; exit 1; }
EMRTD_BIN="$(cd "$(dirname "$EMRTD_BIN")" && pwd)/$(basename "$EMRTD_BIN")" # the tests run elsewhere
export EMRTD_BIN
"$EMRTD_BIN" serve --help >/dev/null

step "Python wheel (maturin, dev profile, virtual chip)"
python3 -m venv "$out/build-venv"
"$out/build-venv/bin/pip" install -q --disable-pip-version-check 'maturin>=1.9,<2'
# The dev profile and features of the build above: maturin only links the cdylib again.
MATURIN="$out/build-venv/bin/maturin" bash bindings/python/build-wheel.sh --sim --dev --out "$out/wheels"
wheel="$(ls "$out"/wheels/emrtd-*.whl)"
echo "built $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"

step "Python tests against the wheel installed in a fresh venv"
python3 -m venv "$out/test-venv"
"$out/test-venv/bin/pip" install -q --disable-pip-version-check --no-index "$wheel"
# Run from the temporary folder: only the installed package can be imported.
(
  cd "$out"
  test-venv/bin/python -c 'import emrtd, sys
assert "/test-venv/" in emrtd.__file__, emrtd.__file__
print("emrtd imported from", emrtd.__file__)'
  PYTHONDONTWRITEBYTECODE=1 test-venv/bin/python "$OLDPWD/bindings/python/test_emrtd.py"
  PYTHONDONTWRITEBYTECODE=1 test-venv/bin/python "$OLDPWD/bindings/python/test_remote.py"
)

step "Kotlin (JVM) tests: JUnit 5 through Maven"
# -q: Maven prints only failures; the Surefire reports are summed up below.
# (sed: Maven 3.8 prints colour resets even in batch mode.)
mvn -B -q -f bindings/kotlin/pom.xml test \
  -Demrtd.generated="$out/kotlin" -Demrtd.lib="$out/python" -Demrtd.build.dir="$out/maven" 2>&1 |
  sed 's/\x1b\[[0-9;]*m//g'
python3 - "$out/maven/surefire-reports" <<'EOF'
import glob, sys, xml.etree.ElementTree as ET
tests = failed = skipped = 0
for report in glob.glob(sys.argv[1] + "/TEST-*.xml"):
    suite = ET.parse(report).getroot()
    tests += int(suite.get("tests"))
    failed += int(suite.get("failures")) + int(suite.get("errors"))
    skipped += int(suite.get("skipped"))
print("kotlin-bindings: %d passed, %d failed, %d skipped" % (tests - failed - skipped, failed, skipped))
sys.exit(1 if failed or skipped or tests == 0 else 0)
EOF

step done
