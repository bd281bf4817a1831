#!/usr/bin/env bash
# Install Atelier into .venv and start the demo (SQLite in ./var, sample data, a local server).
#
#   scripts/demo.sh            first run installs everything (Python 3.11+, npm), later runs start fast
#   scripts/demo.sh --help     the demo command's own options; any arguments are passed on to it
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/_setup.sh
source scripts/_setup.sh
atelier_setup
exec "$ATELIER_VENV/bin/atelier" demo "$@"
