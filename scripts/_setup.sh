# shellcheck shell=bash
# Make a checkout runnable; sourced by scripts/demo.sh and scripts/test.sh, not run on its own.
#
#   atelier_setup   ->  .venv (Python 3.11+) with the project installed editable plus its dev tools,
#                       node_modules + atelier/static/vendor (npm ci), compiled translations (.mo).
#
# Each part is skipped when it is already up to date: the venv and node_modules remember a hash of
# pyproject.toml / package-lock.json, so a second run costs a second or two. ATELIER_SETUP_FORCE=1
# reinstalls anyway. Nothing here needs root; Debian packages are test.sh's business.

ATELIER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ATELIER_VENV="$ATELIER_ROOT/.venv"

_setup_say() { printf 'setup: %s\n' "$*"; }
_setup_die() {
    printf 'setup: ERROR: %s\n' "$*" >&2
    return 1
}

_setup_hash() { # sha256 of a file, or of "" when it is missing
    if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo none; fi
}

_setup_python_ok() { # is $1 a Python >= 3.11 that can create virtualenvs?
    "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

# Print the path of the first usable Python 3.11+ (ATELIER_PYTHON first, if set).
atelier_find_python() {
    local candidate
    for candidate in "${ATELIER_PYTHON:-}" python3 python3.13 python3.12 python3.11; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if _setup_python_ok "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

atelier_setup_venv() {
    local python stamp want
    if [ -x "$ATELIER_VENV/bin/python" ] && ! _setup_python_ok "$ATELIER_VENV/bin/python"; then
        _setup_say "$ATELIER_VENV is broken or older than Python 3.11; recreating it"
        rm -rf "$ATELIER_VENV"
    fi
    if [ ! -x "$ATELIER_VENV/bin/python" ]; then
        python="$(atelier_find_python)" ||
            _setup_die "no Python 3.11+ with the venv module found (Debian: apt-get install python3 python3-venv; or set ATELIER_PYTHON)" ||
            return 1
        _setup_say "creating $ATELIER_VENV with $python ($("$python" -V 2>&1))"
        "$python" -m venv "$ATELIER_VENV" || return 1
    fi
    stamp="$ATELIER_VENV/.atelier-installed"
    want="$(_setup_hash "$ATELIER_ROOT/pyproject.toml") $("$ATELIER_VENV/bin/python" -V 2>&1)"
    if [ "${ATELIER_SETUP_FORCE:-0}" != 1 ] && [ -x "$ATELIER_VENV/bin/atelier" ] &&
        [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        _setup_say "Python dependencies up to date (pyproject.toml unchanged)"
        return 0
    fi
    _setup_say "pip install -e '.[dev]' (pinned versions from pyproject.toml)"
    (
        cd "$ATELIER_ROOT" &&
            "$ATELIER_VENV/bin/python" -m pip install --disable-pip-version-check -q -e '.[dev]'
    ) || return 1
    echo "$want" >"$stamp"
}

atelier_setup_assets() {
    local stamp want
    command -v npm >/dev/null 2>&1 ||
        _setup_die "npm not found (Debian: apt-get install nodejs npm)" || return 1
    stamp="$ATELIER_ROOT/node_modules/.atelier-installed"
    want="$(_setup_hash "$ATELIER_ROOT/package-lock.json") node-$(node --version 2>/dev/null)"
    if [ "${ATELIER_SETUP_FORCE:-0}" != 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        if [ -f "$ATELIER_ROOT/atelier/static/vendor/VERSIONS.json" ]; then
            _setup_say "front-end assets up to date (package-lock.json unchanged)"
        else
            _setup_say "node_modules up to date; copying assets to atelier/static/vendor"
            (cd "$ATELIER_ROOT" && npm run --silent build) || return 1
        fi
        return 0
    fi
    _setup_say "npm ci (its postinstall copies the assets into atelier/static/vendor)"
    (cd "$ATELIER_ROOT" && npm ci --no-audit --no-fund --loglevel=error) || return 1
    [ -f "$ATELIER_ROOT/atelier/static/vendor/VERSIONS.json" ] ||
        _setup_die "npm ci ran but atelier/static/vendor/VERSIONS.json is missing" || return 1
    echo "$want" >"$stamp"
}

# Compile every atelier/locale/*/LC_MESSAGES/*.po into its .mo with polib (no GNU gettext needed).
atelier_setup_messages() {
    if [ ! -d "$ATELIER_ROOT/atelier/locale" ]; then
        _setup_say "no atelier/locale yet; no translations to compile"
        return 0
    fi
    "$ATELIER_VENV/bin/python" - "$ATELIER_ROOT/atelier/locale" <<'PY'
import os
import sys
from pathlib import Path

import polib

compiled = 0
for po_path in sorted(Path(sys.argv[1]).glob("*/LC_MESSAGES/*.po")):
    mo_path = po_path.with_suffix(".mo")
    tmp_path = mo_path.with_name(mo_path.name + ".tmp")
    polib.pofile(str(po_path)).save_as_mofile(str(tmp_path))
    os.replace(tmp_path, mo_path)  # a running server never sees half a file
    compiled += 1
print(f"setup: compiled {compiled} translation catalogue(s) with polib")
PY
}

atelier_setup() {
    atelier_setup_venv && atelier_setup_assets && atelier_setup_messages
}
