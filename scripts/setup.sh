#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine with Python 3.11.
#   scripts/setup.sh           Python environment only (.venv), enough to build packages
#   scripts/setup.sh --test    also the benchmarks' and tests' packages (locust among them),
#                              Debian chromium and the npm packages
# Idempotent: each step is skipped when what it installs is already there and current.
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=false
[ "${1:-}" = "--test" ] && with_tests=true

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$python" -m venv .venv
fi

# Reinstall only when the declared dependencies changed.
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if $with_tests; then stamp=$stamp-test; fi
if [ ! -f "$stamp" ]; then
    echo "setup: installing Python dependencies"
    .venv/bin/python -m pip install -q --upgrade pip
    if $with_tests; then
        .venv/bin/python -m pip install -q -e '.[test,bench]'
    else
        .venv/bin/python -m pip install -q -e .
    fi
    rm -f .venv/.installed-*
    touch "$stamp"
fi

$with_tests || exit 0

if ! command -v chromium >/dev/null 2>&1; then
    echo "setup: installing Debian chromium (headless browser tests)"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "setup: installing npm test packages (scorm-again, axe-core)"
    npm ci --no-audit --no-fund --silent
fi
