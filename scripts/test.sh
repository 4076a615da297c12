#!/usr/bin/env bash
# Sets up everything the tests need, then runs the linters and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# The container image, where a Docker daemon answers; without one, tests/test_container.py
# still checks Dockerfile and compose.yaml against the tool.
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    docker build --quiet --tag peer-support-lti-tool:test . >/dev/null
fi
status=0
.venv/bin/python -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: that is a failure, not a pass" >&2
    exit 1
fi
exit "$status"
