#!/usr/bin/env bash
# Sets up the Python environment and builds every SCORM package into dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/scormgen build content -o dist "$@"
cat <<'TXT'

Packages are in dist/. To start the LTI tool on its embedded SQLite database:
    .venv/bin/lti-tool db upgrade
    .venv/bin/lti-tool serve
TXT
