#!/usr/bin/env bash
# End to end over real PC/SC: pcscd with vsmartcard's vpcd driver, the virtual Norwegian ID card
# attached with `emrtd sim --vpcd`, read with `emrtd read --reader "Virtual PCD 00 00"`.
set -euo pipefail
cd "$(dirname "$0")/.."
EMRTD=${EMRTD:-target/debug/emrtd}

if ! pgrep -x pcscd >/dev/null; then
  pcscd --foreground >/tmp/emrtd-pcscd.log 2>&1 &
  PCSCD_PID=$!
fi
# vpcd's readers appear once pcscd has loaded the driver; attach the card only then.
for _ in $(seq 1 50); do
  "$EMRTD" readers 2>/dev/null | grep -q "Virtual PCD 00 00" && break
  sleep 0.2
done
"$EMRTD" sim --vpcd 127.0.0.1:35963 --profile norway-id >/tmp/emrtd-sim.log 2>&1 &
SIM_PID=$!
# pcscd is waited for after the kill, so that a script run next finds it gone, not dying.
cleanup() {
  kill "$SIM_PID" 2>/dev/null || true
  if [ -n "${PCSCD_PID:-}" ]; then kill "$PCSCD_PID" 2>/dev/null || true; wait "$PCSCD_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

for _ in $(seq 1 50); do
  if "$EMRTD" readers 2>/dev/null | grep -q "Virtual PCD 00 00  \[card present"; then break; fi
  sleep 0.2
done
"$EMRTD" readers

out=$(echo 123456 | timeout 120 "$EMRTD" read --reader "Virtual PCD 00 00" --can - \
  --trust crates/emrtd-sim/pki/csca.der --json --stats)
echo "$out" | python3 -c '
import json, sys
v = json.load(sys.stdin)
assert v["access"]["protocol"] == "PACE", v["access"]
assert v["access"]["mapping"] == "GM" and v["access"]["parameter_id"] == 13, v["access"]
assert v["dg1"]["document_number"] == "GDC000127", v["dg1"]
assert v["passive_authentication"]["status"] == "valid", v["passive_authentication"]
assert v["verdict"]["valid"] is True
print("vpcd end to end: PACE %s id %s %s, %d APDUs, verdict valid" % (
    v["access"]["mapping"], v["access"]["parameter_id"], v["access"]["cipher_suite"], v["stats"]["apdus"]))
'
# A wrong CAN is refused through PC/SC as well.
if echo 000000 | "$EMRTD" read --reader "Virtual PCD 00 00" --can - 2>/tmp/emrtd-wrong.txt; then
  echo "wrong CAN was accepted" >&2; exit 1
fi
grep -q "refused the access key" /tmp/emrtd-wrong.txt
echo "vpcd end to end: wrong CAN refused"

# A reader name that matches nothing fails at once (exit 4), listing the readers.
start=$SECONDS
rc=0
echo 123456 | "$EMRTD" read --reader "No Such Reader" --can - 2>/tmp/emrtd-noreader.txt || rc=$?
[ "$rc" = 4 ] || { echo "unknown reader: exit $rc, expected 4" >&2; cat /tmp/emrtd-noreader.txt >&2; exit 1; }
grep -q "Virtual PCD 00 00" /tmp/emrtd-noreader.txt
[ $((SECONDS - start)) -le 5 ] || { echo "unknown reader took $((SECONDS - start)) s" >&2; exit 1; }
echo "vpcd end to end: unknown reader refused at once, readers listed"

# No card on the reader: --wait bounds the wait (exit 4).
kill "$SIM_PID" 2>/dev/null || true
wait "$SIM_PID" 2>/dev/null || true
gone=no
for _ in $(seq 1 50); do
  if "$EMRTD" readers 2>/dev/null | grep -q "Virtual PCD 00 00  \[no card"; then gone=yes; break; fi
  sleep 0.2
done
[ "$gone" = yes ] || { echo "the virtual card is still on the reader after the simulator stopped (another vpcd client?)" >&2; exit 1; }
start=$SECONDS
rc=0
echo 123456 | "$EMRTD" read --reader "Virtual PCD 00 00" --can - --wait 2 2>/tmp/emrtd-nocard.txt || rc=$?
[ "$rc" = 4 ] || { echo "no card: exit $rc, expected 4" >&2; cat /tmp/emrtd-nocard.txt >&2; exit 1; }
elapsed=$((SECONDS - start))
[ "$elapsed" -ge 1 ] && [ "$elapsed" -le 6 ] || { echo "--wait 2 took ${elapsed} s" >&2; exit 1; }
echo "vpcd end to end: no card within --wait 2, exit 4 after ${elapsed} s"
