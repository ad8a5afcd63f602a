#!/usr/bin/env bash
# Compares emrtd's cryptography with its peers, interleaved, and prints ratio tables
# (ours / theirs; below 1.0 means emrtd is faster):
#   * PACE, terminal side, Generic Mapping, AES-128, per standardized domain parameter id,
#     against OpenPACE (Debian libeac-dev);
#   * signature verification of a message with SHA-256 (hashing included) against OpenSSL's libcrypto: ECDSA per curve
#     (named and explicit parameters) and RSASSA-PSS with 2048-, 3072- and 4096-bit keys.
# Both sides measure thread CPU time (see perf/*.c and crates/emrtd-auth/benches/compare.rs);
# each cell is the median over ROUNDS (default 5) rounds, each round the median of many runs.
# Build artefacts and keys go to a temporary directory that is removed at the end.
#
# usage: perf/compare.sh            (ROUNDS=7 PACE_ITERS=20 VERIFY_ITERS=50 to change)
set -euo pipefail

ROUNDS=${ROUNDS:-5}
PACE_ITERS=${PACE_ITERS:-20}
VERIFY_ITERS=${VERIFY_ITERS:-50}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

need_pkgs=()
[ -f /usr/include/eac/pace.h ] || need_pkgs+=(libeac-dev)
[ -f /usr/include/openssl/evp.h ] || need_pkgs+=(libssl-dev)
command -v openssl >/dev/null || need_pkgs+=(openssl)
command -v cc >/dev/null || need_pkgs+=(gcc)
command -v python3 >/dev/null || need_pkgs+=(python3)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    echo "installing ${need_pkgs[*]} (Debian packages)" >&2
    apt-get install -y "${need_pkgs[@]}" >/dev/null
fi

echo "building the peers' probes and ours..." >&2
cc -O2 -o "$TMP/openpace_pace" "$HERE/openpace_pace.c" -leac -lcrypto
cc -O2 -o "$TMP/openssl_verify" "$HERE/openssl_verify.c" -lcrypto
OURS=$(cd "$ROOT" && cargo bench -p emrtd-auth --bench compare --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "compare" and m.get("executable"):
        print(m["executable"])')
[ -x "$OURS" ] || { echo "could not build crates/emrtd-auth/benches/compare.rs" >&2; exit 1; }

echo "generating keys and signatures..." >&2
head -c 1000 /dev/urandom > "$TMP/msg"
openssl dgst -sha256 -binary "$TMP/msg" > "$TMP/digest"
VERIFY_CASES=()
for curve in prime256v1 secp384r1 secp521r1 brainpoolP256r1 brainpoolP384r1 brainpoolP512r1; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:$curve -out "$TMP/$curve.pem" 2>/dev/null
    openssl pkey -in "$TMP/$curve.pem" -pubout -outform DER -out "$TMP/$curve.spki" 2>/dev/null
    openssl pkeyutl -sign -inkey "$TMP/$curve.pem" -in "$TMP/digest" -out "$TMP/$curve.sig"
    VERIFY_CASES+=("$curve:$curve.spki:$curve.sig:")
done
for curve in prime256v1 brainpoolP256r1; do
    openssl ec -in "$TMP/$curve.pem" -param_enc explicit -pubout -outform DER \
        -out "$TMP/$curve-explicit.spki" 2>/dev/null
    VERIFY_CASES+=("$curve (explicit):$curve-explicit.spki:$curve.sig:")
done
for bits in 2048 3072 4096; do
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:$bits -out "$TMP/rsa$bits.pem" 2>/dev/null
    openssl pkey -in "$TMP/rsa$bits.pem" -pubout -outform DER -out "$TMP/rsa$bits.spki" 2>/dev/null
    openssl pkeyutl -sign -inkey "$TMP/rsa$bits.pem" -in "$TMP/digest" -out "$TMP/rsa$bits.sig" \
        -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32
    VERIFY_CASES+=("RSA-$bits PSS:rsa$bits.spki:rsa$bits.sig:pss")
done

PACE_IDS=(0 1 2 8 9 10 11 12 13 14 15 16 17 18)
: > "$TMP/results"
for round in $(seq 1 "$ROUNDS"); do
    echo "round $round/$ROUNDS..." >&2
    for id in "${PACE_IDS[@]}"; do
        # alternate who goes first
        if [ $((round % 2)) -eq 0 ]; then
            o=$("$OURS" pace "$id" "$PACE_ITERS"); t=$("$TMP/openpace_pace" "$id" "$PACE_ITERS" 2>/dev/null || echo nan)
        else
            t=$("$TMP/openpace_pace" "$id" "$PACE_ITERS" 2>/dev/null || echo nan); o=$("$OURS" pace "$id" "$PACE_ITERS")
        fi
        echo "pace|$id|$o|$t" >> "$TMP/results"
    done
    for c in "${VERIFY_CASES[@]}"; do
        IFS=: read -r name spki sig mode <<< "$c"
        args=("$TMP/$spki" "$TMP/msg" "$TMP/$sig" "$VERIFY_ITERS")
        [ -n "$mode" ] && args+=("$mode")
        if [ $((round % 2)) -eq 0 ]; then
            o=$("$OURS" verify "${args[@]}"); t=$("$TMP/openssl_verify" "${args[@]}")
        else
            t=$("$TMP/openssl_verify" "${args[@]}"); o=$("$OURS" verify "${args[@]}")
        fi
        echo "verify|$name|$o|$t" >> "$TMP/results"
    done
done

python3 - "$TMP/results" "$ROUNDS" <<'PY'
import statistics, sys
names = {0: "MODP 1024/160", 1: "MODP 2048/224", 2: "MODP 2048/256", 8: "P-192",
         9: "brainpoolP192r1", 10: "P-224", 11: "brainpoolP224r1", 12: "P-256",
         13: "brainpoolP256r1", 14: "brainpoolP320r1", 15: "P-384", 16: "brainpoolP384r1",
         17: "brainpoolP512r1", 18: "P-521"}
rows = {}
for line in open(sys.argv[1]):
    kind, case, o, t = line.strip().split("|")
    rows.setdefault((kind, case), []).append((float(o), float(t)))
def med(v):
    v = [x for x in v if x == x]
    return statistics.median(v) if v else float("nan")
print(f"rounds: {sys.argv[2]}; times are medians of thread CPU time in µs\n")
print("| PACE GM terminal side | id | emrtd µs | OpenPACE µs | ratio |")
print("|---|---|---|---|---|")
for (kind, case), v in rows.items():
    if kind != "pace":
        continue
    o, t = med([x[0] for x in v]), med([x[1] for x in v])
    print(f"| {names[int(case)]} | {case} | {o:.0f} | {t:.0f} | {o / t:.2f} |")
print()
print("| verify (message, SHA-256) | emrtd µs | OpenSSL µs | ratio |")
print("|---|---|---|---|")
for (kind, case), v in rows.items():
    if kind != "verify":
        continue
    o, t = med([x[0] for x in v]), med([x[1] for x in v])
    print(f"| {case} | {o:.1f} | {t:.1f} | {o / t:.2f} |")
PY
