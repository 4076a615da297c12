"""A minimal LMS for the SCO browser tests: files over HTTP, scorm-again as the SCORM 1.2 API.

The parent page (``lms.html``) creates ``window.API = new Scorm12API(...)`` from
scorm-again's ``dist/scorm12.js`` and loads the SCO in an iframe, as Moodle's
player does. Every API method is wrapped to log the call, its result and the
LMS error code right after it, so tests assert on call order and errors.
"""

from __future__ import annotations

import functools
import shutil
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from scormgen.model import Course, Session
from scormgen.render.pages import render_package_files

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
SCORM_AGAIN = ROOT / "node_modules" / "scorm-again" / "dist" / "scorm12.js"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

LMS_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Test LMS</title><link rel="icon" href="data:,">
<script src="/lms/scorm12.js"></script></head>
<body>
<iframe id="sco" title="Course content" style="width:100%;height:900px;border:0"></iframe>
<script>
window.calls = [];
var METHODS = ["LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit",
  "LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic"];
window.makeApi = function (initial) {
  var api = new Scorm12API({ autocommit: false, lmsCommitUrl: false, logLevel: 5 });
  if (initial) { api.loadFromJSON(initial, ""); }
  var lastError = api.LMSGetLastError.bind(api);
  METHODS.forEach(function (name) {
    var original = api[name].bind(api);
    api[name] = function () {
      var args = Array.prototype.slice.call(arguments);
      var result = original.apply(null, args);
      window.calls.push({ name: name, args: args.map(String), result: String(result),
                          error: String(lastError()) });
      return result;
    };
  });
  window.calls = [];
  window.API = api;
  return true;
};
window.cmi = function () { return JSON.parse(JSON.stringify(window.API.cmi)); };
</script>
</body></html>
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def write_site(root: Path, files: dict[str, bytes]) -> None:
    """The rendered package files plus the test LMS page and its scripts under ``lms/``."""
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (root / "lms").mkdir(exist_ok=True)
    shutil.copyfile(SCORM_AGAIN, root / "lms" / "scorm12.js")
    shutil.copyfile(AXE, root / "lms" / "axe.min.js")
    (root / "lms" / "index.html").write_text(LMS_PAGE, encoding="utf-8")


@contextmanager
def serve(root: Path):
    """Serve ``root`` on 127.0.0.1 (a free port) in a thread; yield the base address."""
    handler = functools.partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve_course(root: Path, course: Course, sessions: tuple[Session, ...], include_pages: bool):
    """Render ``sessions`` of ``course`` (and its pages if asked) into ``root`` and serve it."""
    write_site(root, render_package_files(course, sessions, include_pages=include_pages).files)
    with serve(root) as base:
        yield base
