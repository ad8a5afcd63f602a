#!/usr/bin/env bash
# Whole-process Passive Authentication of one dump: `emrtd verify DIR --trust CSCA` against an
# OpenSSL pipeline doing the same work (unwrap EF.SOD's 0x77 tag, `openssl cms -verify` of the
# SignedData with the chain to the CSCA, `openssl dgst -sha256` of the data groups).
# The dump is the UK set of fixtures/sod/gmrtd (EF.SOD, DG1, DG2 with its face image).
# Runs alternate (who goes first changes every round); prints the median wall time of each and
# the ratio (emrtd / OpenSSL; below 1.0 emrtd is faster). Everything goes to a temporary folder.
#
# usage: perf/verify_compare.sh           (RUNS=41 to change)
set -euo pipefail

RUNS=${RUNS:-21}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

command -v openssl >/dev/null || apt-get install -y openssl >/dev/null
command -v python3 >/dev/null || apt-get install -y python3 >/dev/null

echo "building emrtd (release)..." >&2
EMRTD=$(cd "$ROOT" && cargo build --release -p emrtd-cli --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "emrtd" and m.get("executable"):
        print(m["executable"])')
[ -x "$EMRTD" ] || { echo "could not build emrtd" >&2; exit 1; }

F="$ROOT/fixtures/sod/gmrtd"
mkdir -p "$TMP/dump"
cp "$F/UK_imported_EF.SOD.bin" "$TMP/dump/SOD.bin"
cp "$F/UK_imported_DG1.bin" "$TMP/dump/DG1.bin"
cp "$F/UK_imported_DG2.bin" "$TMP/dump/DG2.bin"
cp "$F/UK_imported_CSCA.cer" "$TMP/csca.der"
openssl x509 -inform DER -in "$TMP/csca.der" -out "$TMP/csca.pem"

# Both must succeed before anything is timed.
"$EMRTD" verify "$TMP/dump" --trust "$TMP/csca.der" --no-builtin-trust --json >"$TMP/ours.json" || true
grep -q '"passive_authentication"' "$TMP/ours.json"

cat >"$TMP/openssl.sh" <<EOF
set -e
tail -c +5 "$TMP/dump/SOD.bin" > "$TMP/sod.p7"
openssl cms -verify -inform DER -in "$TMP/sod.p7" -binary -CAfile "$TMP/csca.pem" \
    -purpose any -no_check_time -out "$TMP/econtent.der" 2>/dev/null
openssl dgst -sha256 "$TMP/dump/DG1.bin" "$TMP/dump/DG2.bin" >/dev/null
EOF
bash "$TMP/openssl.sh"

python3 - "$RUNS" "$EMRTD" "$TMP" <<'EOF'
import statistics, subprocess, sys, time
runs, emrtd, tmp = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ours_cmd = [emrtd, "verify", f"{tmp}/dump", "--trust", f"{tmp}/csca.der", "--no-builtin-trust"]
theirs_cmd = ["bash", f"{tmp}/openssl.sh"]
def run(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t
ours, theirs = [], []
for i in range(runs):
    if i % 2:
        ours.append(run(ours_cmd)); theirs.append(run(theirs_cmd))
    else:
        theirs.append(run(theirs_cmd)); ours.append(run(ours_cmd))
o, t = statistics.median(ours), statistics.median(theirs)
print("| whole process, one dump (UK: SOD, DG1, DG2) | emrtd ms | OpenSSL pipeline ms | ratio |")
print("|---|---|---|---|")
print(f"| `emrtd verify` vs `openssl cms -verify` + `openssl dgst` | {o*1e3:.1f} | {t*1e3:.1f} | {o/t:.2f} |")
EOF
