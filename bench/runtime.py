"""Runtime benchmark of the SCO pages (issue 4), not a timed test.

Per session: API calls and LMSCommit calls for a learner who completes it
(every question answered right once, one reflection saved, Finish pressed)
against scorm-again in the test LMS frame; page weight (HTML + sco.js +
sco.css, raw and gzipped); and time from navigation to interactive in headless
Chromium (the frame's DOMContentLoaded end: sco.js runs synchronously at the
end of the body, so the runtime has initialised by then), median of RUNS.

    .venv/bin/python bench/runtime.py [--runs 7]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scormgen.load import load_course  # noqa: E402
from scormgen.render import render_package_files, session_path  # noqa: E402
from tests.browser import launch_chromium  # noqa: E402
from tests.sco_browser.harness import serve, write_site  # noqa: E402
from tests.sco_browser.lms import Lms, first_launch, sco_url  # noqa: E402
from tests.sco_browser.test_learner_journey import answer_question  # noqa: E402


def complete(lms: Lms, session) -> None:
    for number, question in enumerate(session.questions, start=1):
        answer_question(lms.content, number, question, right=True)
    if session.reflections:
        region = lms.content.locator(f"#r-{session.reflections[0].id}")
        region.get_by_role("textbox").fill("A reflection for the benchmark.")
        region.get_by_role("button", name="Save reflection").click()
    lms.content.get_by_role("button", name="Finish session").click()
    lms.page.wait_for_function("() => window.calls.some(c => c.name === 'LMSFinish')")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    course = load_course(ROOT / "content")
    files = render_package_files(course, course.sessions, include_pages=False).files
    shared = len(files["assets/sco.js"]) + len(files["assets/sco.css"])
    shared_gz = len(gzip.compress(files["assets/sco.js"], 9, mtime=0)) + len(
        gzip.compress(files["assets/sco.css"], 9, mtime=0)
    )
    header = (
        f"{'session':<40} {'calls':>5} {'commits':>7} {'weight':>9} {'gzip':>8} {'ready ms':>9}"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp, launch_chromium() as browser:
        write_site(Path(tmp), files)
        with serve(Path(tmp)) as base:
            for session in course.sessions:
                html = files[session_path(session)]
                context = browser.new_context()
                lms = Lms.open(context, base)
                lms.launch(sco_url(session), first_launch(session))
                complete(lms, session)
                calls = lms.calls()
                commits = sum(c["name"] == "LMSCommit" for c in calls)
                context.close()
                timings = []
                for _ in range(args.runs):
                    context = browser.new_context()
                    lms = Lms.open(context, base)
                    lms.launch(sco_url(session), first_launch(session))
                    timings.append(
                        lms.frame().evaluate(
                            "() => performance.getEntriesByType('navigation')[0]"
                            ".domContentLoadedEventEnd"
                        )
                    )
                    context.close()
                weight = len(html) + shared
                weight_gz = len(gzip.compress(html, 9, mtime=0)) + shared_gz
                print(
                    f"{session.number:02d}-{session.id:<37} {len(calls):>5} {commits:>7} "
                    f"{weight / 1024:>7.1f}KB {weight_gz / 1024:>6.1f}KB "
                    f"{statistics.median(timings):>9.1f}"
                )


if __name__ == "__main__":
    main()
