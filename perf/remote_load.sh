#!/usr/bin/env bash
# Load on loopback for `emrtd serve`: POST /v1/verify with genuine Chip Authentication evidence
# (the virtual Norwegian ID card) against an in-process server, from several client threads
# with keep-alive connections, bounded in count and time. Prints verifications per second and
# the latency percentiles the clients saw (crates/emrtd-server/examples/load.rs).
#
# usage: perf/remote_load.sh [REQUESTS [CLIENTS [MAX_SECONDS]]]   (defaults 5000 4 30)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
PKG_CONFIG_LIBDIR=${PKG_CONFIG_LIBDIR:-/nonexistent} \
  cargo run --quiet --release -p emrtd-server --example load -- "${1:-5000}" "${2:-4}" "${3:-30}"
