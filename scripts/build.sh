#!/usr/bin/env bash
# Sets up the Python environment and builds every package into dist/: the SCORM packages,
# and the IMS Common Cartridge when LTI_TOOL_URL names the LTI tool its links launch.
# Without LTI_TOOL_URL the cartridge is skipped (a cartridge with placeholder links would
# import activities that cannot launch), and the script says how to build it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -n "${LTI_TOOL_URL:-}" ]; then
    .venv/bin/scormgen build content -o dist --format scorm --format cc --tool-url "$LTI_TOOL_URL" "$@"
    cartridge="Common Cartridge: dist/peer-support-training.imscc, its links at $LTI_TOOL_URL (check it with: .venv/bin/scormgen validate dist/peer-support-training.imscc)."
else
    .venv/bin/scormgen build content -o dist --format scorm "$@"
    cartridge="No Common Cartridge: set LTI_TOOL_URL to the tool's base URL (https://...) to build dist/peer-support-training.imscc too (for Canvas also pass --canvas-client-id ID; README)."
fi
cat <<TXT

Packages are in dist/ (check one with: .venv/bin/scormgen validate dist/peer-support-training.zip).
$cartridge

To start the LTI tool on its embedded SQLite database (instance/lti_tool.sqlite), development server:
    export LTI_TOOL_ENV=development
    .venv/bin/lti-tool db upgrade
    .venv/bin/lti-tool serve            # http://127.0.0.1:5000/
In production set SECRET_KEY, LTI_TOOL_URL and LTI_KEY_ENCRYPTION_KEYS and run gunicorn "lti_tool:create_app()" (README, Running in production).
TXT
