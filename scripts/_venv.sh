# Shared by scripts/demo.sh and scripts/test.sh: find Python 3.11+, create .venv, install.
# Usage: source scripts/_venv.sh; ensure_venv "<pip extras spec>"
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else return 1; fi
}

apt_install() {
    # Installs Debian packages when we may; otherwise says exactly what to run.
    command -v apt-get >/dev/null 2>&1 || return 1
    if [ -z "${_APT_UPDATED:-}" ]; then
        as_root apt-get update -qq >/dev/null || return 1
        _APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

find_python() {
    for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "incident-cockpit needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
    return 1
}

ensure_venv() {
    local spec="$1"
    local py
    py=$(find_python)
    if [ ! -x "$VENV/bin/python" ]; then
        if ! "$py" -m venv "$VENV" 2>/dev/null; then
            rm -rf "$VENV"
            echo "python venv module missing; installing python3-venv" >&2
            apt_install python3-venv || {
                echo "run: sudo apt-get install python3-venv   (then re-run this script)" >&2
                return 1
            }
            "$py" -m venv "$VENV"
        fi
    fi
    # Reinstall only when the project definition changed: start-up time matters.
    local stamp="$VENV/.installed-$(echo "$spec" | tr -c 'a-z' '_')"
    if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT$spec"
        touch "$stamp"
    fi
}
