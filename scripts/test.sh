#!/usr/bin/env bash
# One command: set up everything the tests need, then run lint, import contracts and every test.
#   bash scripts/test.sh [extra pytest arguments]
# Installs (when root or with sudo): Debian's prometheus (integration tests against a real
# server), kubectl (the reference for action semantics) and tmux (end-to-end tests).
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
cd "$ROOT"
ensure_venv "[test]"

need() {  # need <command> <debian package>
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "installing $2 (for $1)..." >&2
    apt_install "$2" || echo "warning: $1 is missing and could not be installed; run: sudo apt-get install $2" >&2
}
need prometheus prometheus
need kubectl kubernetes-client
need tmux tmux
need openssl openssl

echo "== ruff"
"$VENV/bin/ruff" check .
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
