#!/usr/bin/env bash
# The UI tests must not depend on the machine's speed: run them RUNS times while BUSY loops keep
# every core busy, and count. Exits non-zero unless every run passed.
#   bash scripts/ui_under_load.sh                  # the UI tier, 10 runs, 2 busy loops
#   RUNS=3 BUSY=4 bash scripts/ui_under_load.sh tests/ui/test_snapshots.py
# Arguments (test files or node ids) replace the default: the whole UI tier (tests/ui), the
# tests that drive the app through Textual's pilot and read the screen. At the end, the tests
# that failed in any run are counted per test.
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
cd "$ROOT"
ensure_venv "[test]"

RUNS=${RUNS:-10}
BUSY=${BUSY:-2}
if [ "$#" -eq 0 ]; then
    set -- tests/ui
fi

busy_pids=()
stop_busy() {
    for pid in "${busy_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
}
trap stop_busy EXIT
for _ in $(seq "$BUSY"); do
    # A pure CPU loop in its own process: it competes for the cores like a build or a browser.
    "$VENV/bin/python" -c "while True: pass" &
    busy_pids+=("$!")
done

logs=$(mktemp -d)
passed=0
failed=0
for run in $(seq "$RUNS"); do
    started=$(date +%s)
    if "$VENV/bin/python" -m pytest -q -p no:randomly -p no:cacheprovider "$@" \
        >"$logs/run-$run.log" 2>&1; then
        passed=$((passed + 1))
        verdict=pass
    else
        failed=$((failed + 1))
        verdict=FAIL
    fi
    summary=$(tail -n 1 "$logs/run-$run.log")
    echo "run $run/$RUNS: $verdict in $(($(date +%s) - started))s — $summary"
    if [ "$verdict" = FAIL ]; then
        grep -E '^(FAILED|ERROR) ' "$logs/run-$run.log" | sed 's/^/    /' || true
    fi
done
echo "under $BUSY busy loops: $passed/$RUNS runs passed, $failed failed (logs in $logs)"
if [ "$failed" -gt 0 ]; then
    echo "failures per test (runs):"
    cat "$logs"/run-*.log | grep -E '^(FAILED|ERROR) ' | sed -E 's/ - .*//' | sort | uniq -c |
        sort -rn | sed 's/^/    /'
fi
[ "$failed" -eq 0 ]
