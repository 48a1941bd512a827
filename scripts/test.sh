#!/usr/bin/env bash
# One command: set up everything the tests need, then run lint, import contracts and every test.
#   bash scripts/test.sh [extra pytest arguments]
# Installs (when root or with sudo): Debian's prometheus and promtool (integration tests against a
# real server), kubectl (the reference for action semantics), tmux (end-to-end tests), openssl
# (certificate tests) and a C compiler (the power-cut test builds a small fsync-recording library).
#
# A required tool that is missing and cannot be installed is an error: the run stops with exit
# code 3 and says what to install, because the tests needing it would only skip and a green run
# would hide promises nobody checked. To run anyway (the skips are then listed at the end):
#   COCKPIT_ALLOW_MISSING_TOOLS=1 bash scripts/test.sh
# With CI=true, pytest itself also fails every test whose tool is missing (tests/conftest.py).
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
cd "$ROOT"
ensure_venv "[test]"

missing_tools=()
need() {  # need <command> <debian package>
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "installing $2 (for $1)..." >&2
    apt_install "$2" || true
    command -v "$1" >/dev/null 2>&1 && return 0
    missing_tools+=("$1 (sudo apt-get install $2)")
}
need prometheus prometheus
need promtool prometheus
need kubectl kubernetes-client
need tmux tmux
need openssl openssl
need cc gcc

if [ "${#missing_tools[@]}" -gt 0 ]; then
    for tool in "${missing_tools[@]}"; do
        echo "error: required tool missing: $tool" >&2
    done
    if [ "${COCKPIT_ALLOW_MISSING_TOOLS:-}" != 1 ]; then
        echo "error: the tests needing these would be skipped; install them, or set" \
            "COCKPIT_ALLOW_MISSING_TOOLS=1 to run without them" >&2
        exit 3
    fi
    echo "warning: COCKPIT_ALLOW_MISSING_TOOLS=1: running without them; their tests are skipped" >&2
fi

echo "== ruff"
"$VENV/bin/ruff" check .
echo "== import contracts"
if ! contracts=$("$VENV/bin/python" scripts/lint_imports.py 2>&1); then
    echo "$contracts"
    exit 1
fi
echo "$contracts" | tail -n 1
echo "== pytest"
set +e
"$VENV/bin/python" -m pytest "$@"
status=$?
set -e
# Exit code 5 means "no tests collected" (e.g. a -k filter matched nothing): not a failure.
if [ "$status" = 5 ]; then
    echo "pytest collected no tests"
    exit 0
fi
exit "$status"
