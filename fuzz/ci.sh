#!/usr/bin/env bash
# Bounded fuzzing for CI: installs cargo-fuzz if missing, seeds the corpora from fixtures/,
# builds every target (libFuzzer + AddressSanitizer, optimised, with debug assertions and
# overflow checks), runs each one for FUZZ_SECONDS and fails on any crash, leak, timeout or
# out-of-memory, printing the reproducer. See docs/fuzzing.md.
#
# Usage (from the repository root): bash fuzz/ci.sh
# Environment:
#   FUZZ_SECONDS  seconds per target (default 20)
#   FUZZ_JOBS     targets fuzzed at the same time (default 2, one per core)
#   FUZZ_TARGETS  space-separated subset of targets (default: all, from `cargo fuzz list`)
set -euo pipefail

# Everything runs inside main, so bash has parsed the whole file before anything runs.
main() {
    cd "$(dirname "$0")"
    export RUSTC_BOOTSTRAP=1 # cargo-fuzz needs nightly flags (-Zsanitizer); the toolchain is stable.

    # cargo updates Cargo.lock when a workspace crate gained a dependency since the lock was
    # committed; CI must leave the checkout as it found it, so the committed lock is put back.
    lock_backup="$(mktemp)"
    cp Cargo.lock "$lock_backup"
    restore_lock() {
        if ! cmp -s Cargo.lock "$lock_backup"; then
            echo "== note: fuzz/Cargo.lock is out of date (restored); run a fuzz build and commit it"
            cp "$lock_backup" Cargo.lock
        fi
        rm -f "$lock_backup"
    }
    trap restore_lock EXIT

    seconds="${FUZZ_SECONDS:-20}"
    jobs="${FUZZ_JOBS:-2}"
    start=$SECONDS

    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "== installing cargo-fuzz"
        cargo install cargo-fuzz --locked
    fi

    echo "== fuzz targets formatted (cargo fmt --check; the workspace's cargo fmt does not see them)"
    cargo fmt --check

    echo "== seeding corpora from fixtures/"
    bash seed.sh

    echo "== building fuzz targets"
    if [ -n "${FUZZ_TARGETS:-}" ]; then
        for t in $FUZZ_TARGETS; do cargo fuzz build -O -a "$t"; done
    else
        cargo fuzz build -O -a
    fi
    bin="target/x86_64-unknown-linux-gnu/release"
    echo "   built in $((SECONDS - start)) s"

    # Largest input per target: enough for the biggest seed that matters, small enough to stay fast.
    max_len() {
        case "$1" in
            mrz) echo 1100 ;; # the parser refuses more than 1024 bytes
            bac_response | aa_verify) echo 1024 ;;
            pace_responses) echo 2048 ;;
            tlv | apdu | sm_unprotect | sim_chip | ca_responses) echo 4096 ;;
            sod | card_access | cv_certificate) echo 8192 ;;
            read_session) echo 16384 ;;
            read_session_sm | lds | x509_ml_ldif | face_image | dg2_face | finger_iris) echo 32768 ;;
            *) echo 4096 ;;
        esac
    }

    # RSS limit per target (MB): the face decoder path must stay within 512 MB whatever the
    # image declares (the decoding budget is 16 megapixels and 256 MiB per image).
    rss_limit() {
        case "$1" in
            face_image | dg2_face) echo 512 ;;
            *) echo 2048 ;;
        esac
    }

    dict() {
        case "$1" in
            mrz) echo dict/mrz.dict ;;
            *) echo dict/emrtd.dict ;;
        esac
    }

    targets="${FUZZ_TARGETS:-$(cargo fuzz list)}"
    logs="$(mktemp -d)"
    trap 'rm -rf "$logs"; restore_lock' EXIT
    marker="$logs/start" # artifacts newer than this file come from this run
    touch "$marker"

    run_target() {
        local t="$1"
        mkdir -p "corpus/$t" "artifacts/$t"
        local rc=0
        "$bin/$t" "corpus/$t" \
            -max_total_time="$seconds" -rss_limit_mb="$(rss_limit "$t")" -max_len="$(max_len "$t")" -dict="$(dict "$t")" \
            -timeout=30 -print_final_stats=1 -artifact_prefix="artifacts/$t/" \
            >"$logs/$t.log" 2>&1 || rc=$?
        echo "$rc" >"$logs/$t.rc"
    }

    echo "== fuzzing $(echo $targets | wc -w) targets for ${seconds} s each, ${jobs} at a time"
    running=0
    for t in $targets; do
        run_target "$t" &
        running=$((running + 1))
        if [ "$running" -ge "$jobs" ]; then
            wait -n || true
            running=$((running - 1))
        fi
    done
    wait || true

    failed=0
    for t in $targets; do
        rc="$(cat "$logs/$t.rc" 2>/dev/null || echo missing)"
        stats="$(grep -E '^stat::number_of_executed_units' "$logs/$t.log" | awk '{print $2}' || true)"
        if [ "$rc" = "0" ]; then
            printf '   ok    %-16s %8s runs\n' "$t" "${stats:-?}"
            continue
        fi
        failed=1
        echo "   FAIL  $t (libFuzzer exit code $rc)"
        echo "----- $t: end of log -----"
        grep -v '^#' "$logs/$t.log" | tail -n 40
        echo "----- $t: reproducer -----"
        for a in $(find "artifacts/$t" -type f -newer "$marker" | sort); do
            echo "   reproducer: fuzz/$a"
            echo "   replay:     (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -O -a $t $a)"
        done
    done

    echo "== fuzzing took $((SECONDS - start)) s in all"
    if [ "$failed" -ne 0 ]; then
        echo "fuzzing found crashes: see above; docs/fuzzing.md explains how to turn one into a regression test"
        exit 1
    fi
    echo "fuzzing: $(echo $targets | wc -w) targets, no crash"
}

main "$@"
