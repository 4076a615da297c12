"""Save-to-page time of ``scormgen serve`` (issue 12), not a timed test.

Starts ``scormgen serve`` (the command, as an author runs it) on a copy of
``content/``, opens session 2 in headless Chromium, and SAVES times edits its
Markdown: each time from the file's write to the new paragraph being in the
LMS frame's page (the watcher's poll, the in-memory rebuild of the whole course,
the Server-Sent Event, the SCO's relaunch). Prints every time and the median.

    .venv/bin/python bench/serve.py [--saves 10]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import launch_chromium  # noqa: E402
from tests.sco_browser.test_serve import SESSION_FILE, open_session, save_and_wait  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        content = Path(folder) / "content"
        shutil.copytree(ROOT / "content", content)
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "scormgen"), "serve", str(content), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            line = server.stdout.readline() if server.stdout else ""
            found = re.search(r"http://127\.0\.0\.1:\d+/", line)
            if not found:
                raise SystemExit(f"scormgen serve did not start: {line!r}")
            address = found.group(0)
            path = content / SESSION_FILE
            original = path.read_text(encoding="utf-8")
            times = []
            with launch_chromium() as browser:
                page = open_session(browser.new_context(), address)
                for number in range(1, args.saves + 1):
                    time.sleep(0.5)  # a writer's pause: each save is its own rebuild
                    _, seconds = save_and_wait(
                        page, path, original, f"Benchmark edit number {number}."
                    )
                    times.append(seconds * 1000)
                    print(f"save {number:2d}: {seconds * 1000:6.0f} ms")
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(
        f"save to updated page, median of {len(times)}: {statistics.median(times):.0f} ms "
        f"(min {min(times):.0f}, max {max(times):.0f})"
    )


if __name__ == "__main__":
    main()
