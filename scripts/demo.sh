#!/usr/bin/env bash
# One command: set up (first run only) and start the simulated incident.
#   bash scripts/demo.sh [extra cockpit options, e.g. --theme high-contrast]
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
ensure_venv ""
exec "$VENV/bin/cockpit" --demo "$@"
