#!/usr/bin/env bash
# Install everything and run every check Atelier has, stopping at the first failure:
#
#    1-4  setup: Debian packages (chromium, CJK fonts; needs root), .venv + pip, npm ci, translations
#    5-6  ruff check . / ruff format --check .
#    7    atelier makemigrations --check --dry-run
#    8    atelier check --deploy --fail-level WARNING under production settings
#    9    pytest on SQLite           (-m "not browser")
#   10    pytest on PostgreSQL       (-m "not browser"; DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)
#   11    browser journeys           (-m browser; Playwright driving Debian's /usr/bin/chromium)
#
# Works on a fresh Debian machine as root with no standard input (CI runs it through .ci/run).
# Exits non-zero when any step fails; pytest's "no tests collected" (exit 5) is a failure too.
# Ends with a timing table and one plain line, "summary: N passed, N failed, N skipped", counting
# the tests of the pytest steps; a step that fails without a failing test (ruff, no tests
# collected, a failed install...) adds one to "failed", so that line never reads 0 failed on failure.
# JUnit XML of the pytest steps and the browser screenshots are written to test-results/.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
# shellcheck source=scripts/_setup.sh
source scripts/_setup.sh

RESULTS_DIR="$ATELIER_ROOT/test-results"
PG_URL="postgres://postgres@127.0.0.1:5432/test"
TOTAL_STEPS=11
export PIP_NO_INPUT=1 DEBIAN_FRONTEND=noninteractive

# The checks decide their own settings: ignore anything in the caller's environment that would
# change them (a DATABASE_URL or ATELIER_DEBUG left in a developer's shell, say).
for var in $(compgen -e); do
    case "$var" in
    ATELIER_PYTHON | ATELIER_SETUP_FORCE) ;;
    ATELIER_* | DATABASE_URL | REDIS_URL | DJANGO_SETTINGS_MODULE)
        echo "test.sh: ignoring $var from the environment"
        unset "$var"
        ;;
    esac
done

mkdir -p "$RESULTS_DIR"
rm -f "$RESULTS_DIR"/junit-*.xml "$RESULTS_DIR"/*.png

now() { local t="${EPOCHREALTIME:-$(date +%s.%N)}" && echo "${t/,/.}"; }
STARTED="$(now)"
STEP=0
STEP_ROWS=()     # "seconds<TAB>status<TAB>title<TAB>junit file or -"
FAILED_TITLE=""

# Sum the JUnit XML files given as arguments: prints "passed failed skipped".
junit_counts() {
    local py=python3
    [ -x "$ATELIER_VENV/bin/python" ] && py="$ATELIER_VENV/bin/python"
    "$py" - "$@" <<'PY' 2>/dev/null || echo "0 0 0"
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        continue
    for suite in root.iter("testsuite"):
        tests, skips = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
        fails = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        passed += tests - fails - skips
        failed += fails
        skipped += skips
print(passed, failed, skipped)
PY
}

finish() {
    local rc=$? row seconds status title junit p f s files=()
    trap - EXIT
    printf '\n==> Summary\n'
    for row in "${STEP_ROWS[@]}"; do
        IFS=$'\t' read -r seconds status title junit <<<"$row"
        if [ "$junit" != - ]; then
            files+=("$junit")
            read -r p f s <<<"$(junit_counts "$junit")"
            printf '  %7.1fs  %-4s  %-40s %s passed, %s failed, %s skipped\n' \
                "$seconds" "$status" "$title" "$p" "$f" "$s"
        else
            printf '  %7.1fs  %-4s  %s\n' "$seconds" "$status" "$title"
        fi
    done
    read -r p f s <<<"$(junit_counts "${files[@]}")"
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    seconds="$(awk -v a="$STARTED" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }')"
    if [ "$rc" -eq 0 ]; then
        echo "test.sh: OK, all $TOTAL_STEPS steps passed in ${seconds}s"
    else
        echo "test.sh: FAILED at step $STEP/$TOTAL_STEPS (${FAILED_TITLE:-interrupted}), exit $rc, after ${seconds}s"
    fi
    echo "summary: $p passed, $f failed, $s skipped"
    exit "$rc"
}
trap finish EXIT

# run_step TITLE SHOWN JUNIT COMMAND...: print a header, run COMMAND, time it, stop on failure.
# SHOWN is the command as printed in the log; JUNIT is the pytest XML file the step writes, or -.
run_step() {
    local title=$1 shown=$2 junit=$3 t0 rc seconds
    shift 3
    STEP=$((STEP + 1))
    printf '\n==> [%d/%d] %s\n$ %s\n' "$STEP" "$TOTAL_STEPS" "$title" "$shown"
    t0="$(now)"
    "$@"
    rc=$?
    seconds="$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
    if [ "$rc" -eq 0 ]; then
        STEP_ROWS+=("$seconds"$'\t'ok$'\t'"$title"$'\t'"$junit")
        return 0
    fi
    STEP_ROWS+=("$seconds"$'\t'FAIL$'\t'"$title"$'\t'"$junit")
    FAILED_TITLE="$title"
    if [ "$junit" != - ] && [ "$rc" -eq 5 ]; then
        echo "test.sh: pytest collected no tests (exit 5): the test modules or the marker selection are broken"
    fi
    echo "test.sh: step \"$title\" failed with exit code $rc"
    exit "$rc"
}

# --- 1. Debian packages -------------------------------------------------------------------------
debian_packages() {
    local missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    if ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" &&
        ! dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed"; then
        missing+=(fonts-noto-cjk)
    fi
    # WeasyPrint (PDFs) loads Pango through cffi.
    ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
    command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
    [ -x "$ATELIER_VENV/bin/python" ] || atelier_find_python >/dev/null || missing+=(python3 python3-venv)
    if [ ${#missing[@]} -eq 0 ]; then
        echo "chromium $(chromium --version 2>/dev/null | awk '{print $2}'), Noto Sans CJK, npm $(npm --version), Python: present"
        return 0
    fi
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "test.sh: missing Debian packages: ${missing[*]}; as root run: apt-get install -y ${missing[*]}"
        if [ "${CI:-}" = true ]; then return 1; fi
        echo "test.sh: not root, going on (the browser journeys skip without chromium outside CI)"
        return 0
    fi
    echo "installing: ${missing[*]}"
    apt-get update -q && apt-get install -y -q "${missing[@]}"
}

# --- 8. deploy check under production settings --------------------------------------------------
deploy_check() {
    local key
    key="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" || return 1
    env -u ATELIER_DEBUG ATELIER_SECRET_KEY="$key" ATELIER_HTTPS=1 \
        ATELIER_ALLOWED_HOSTS=atelier.example.gov.cn \
        atelier check --deploy --fail-level WARNING
}

# --- 10. PostgreSQL -----------------------------------------------------------------------------
pg_up() {
    python -c 'import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()' \
        "$PG_URL" 2>/dev/null
}

pytest_postgres() {
    local version _
    if ! pg_up; then
        echo "test.sh: PostgreSQL does not answer at 127.0.0.1:5432; trying to start it once"
        if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
            version="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)"
            pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
            for _ in $(seq 1 30); do
                if pg_up; then break; fi
                sleep 0.5
            done
        fi
        if ! pg_up; then
            echo "test.sh: ERROR: cannot connect to $PG_URL (PostgreSQL with trust auth for user postgres)"
            return 1
        fi
    fi
    DATABASE_URL="$PG_URL" pytest -q -m "not browser" --junitxml="$RESULTS_DIR/junit-postgresql.xml"
}

run_step "Debian packages (chromium, fonts-noto-cjk)" \
    "apt-get install -y chromium fonts-noto-cjk  # only what is missing" - \
    debian_packages
run_step "Python venv and dependencies" "pip install -e '.[dev]'" - atelier_setup_venv
export VIRTUAL_ENV="$ATELIER_VENV" PATH="$ATELIER_VENV/bin:$PATH"
run_step "Front-end assets" "npm ci" - atelier_setup_assets
run_step "Translations" "polib: atelier/locale/*/LC_MESSAGES/*.po -> .mo" - atelier_setup_messages
run_step "ruff check" "ruff check ." - ruff check .
run_step "ruff format" "ruff format --check ." - ruff format --check .
run_step "migrations are up to date" "atelier makemigrations --check --dry-run" - \
    atelier makemigrations --check --dry-run
run_step "deploy check (production settings)" \
    "ATELIER_SECRET_KEY=<random> ATELIER_HTTPS=1 ATELIER_ALLOWED_HOSTS=atelier.example.gov.cn atelier check --deploy --fail-level WARNING" \
    - deploy_check
run_step "pytest on SQLite" "pytest -q -m \"not browser\"" "$RESULTS_DIR/junit-sqlite.xml" \
    pytest -q -m "not browser" --junitxml="$RESULTS_DIR/junit-sqlite.xml"
run_step "pytest on PostgreSQL" "DATABASE_URL=$PG_URL pytest -q -m \"not browser\"" \
    "$RESULTS_DIR/junit-postgresql.xml" pytest_postgres
run_step "browser journeys (Playwright, chromium)" "pytest -q -m browser" \
    "$RESULTS_DIR/junit-browser.xml" \
    pytest -q -m browser --junitxml="$RESULTS_DIR/junit-browser.xml"
