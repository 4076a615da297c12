#!/usr/bin/env bash
# Sets up the Python environment and builds every SCORM package into dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/scormgen build content -o dist "$@"
cat <<'TXT'

Packages are in dist/ (check one with: .venv/bin/scormgen validate dist/peer-support-training.zip).

To start the LTI tool on its embedded SQLite database (instance/lti_tool.sqlite), development server:
    export LTI_TOOL_ENV=development
    .venv/bin/lti-tool db upgrade
    .venv/bin/lti-tool serve            # http://127.0.0.1:5000/
In production set SECRET_KEY and LTI_TOOL_URL and run gunicorn "lti_tool:create_app()" (README).
TXT
