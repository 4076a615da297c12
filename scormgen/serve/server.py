"""``scormgen serve``: the course in ``preview``'s LMS frame, rebuilt in memory on every save.

One ``LiveCourse`` holds the latest build: the pages ``render_package_files`` makes for
the course package (the very bytes its zip would hold), the diagnostics of
``check_content`` plus the SCORM 1.2 checks (the same as ``scormgen check`` and
``scormgen build``), and each session's budgets. A watcher thread (``watch``) rebuilds
it when a file under ``content/``, ``templates/sco/`` or the runtime changes.

The page is ``preview``'s (``PreviewHandler``) with one more script, ``/_serve/live.js``:
it listens on ``/_serve/events`` (Server-Sent Events) and on a change relaunches the
SCO the reviewer is on, as the LMS would on their next visit, and scrolls the frame
back to where it was; it shows the errors in a panel, the budgets beside the data
model, and a "Reset learner" button. Only this server answers those paths: nothing
of them is in the rendered pages, so no package a build writes carries them
(``tests/scormgen/test_serve.py`` checks the built zips for the markers).

While the content has errors the frame keeps the last good build and the panel says
what to fix; the next good build clears it.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from jinja2 import TemplateError, TemplateSyntaxError

from scormgen.diagnostics import Diagnostic, Diagnostics
from scormgen.load import check_content
from scormgen.load.loader import display_path
from scormgen.model import SourceLocation
from scormgen.package.scorm.checks import (
    INTERACTION_ID_LIMIT,
    SUSPEND_DATA_LIMIT,
    SessionBudget,
    check_course,
    session_budget,
)
from scormgen.package.scorm.preview import PreviewHandler, PreviewSco
from scormgen.package.scorm.suspend import worst_case_suspend_data_length
from scormgen.render import render_package_files
from scormgen.render.pages import TEMPLATES_DIR
from scormgen.serve.watch import INTERVAL, snapshot, source_roots, watch

#: Seconds between two keep-alive comments on an idle event stream.
KEEP_ALIVE = 15.0


@dataclass(frozen=True)
class Build:
    """One in-memory build: the frame's files and SCOs (the last good ones) and what was found."""

    files: dict[str, bytes] = field(default_factory=dict)
    scos: tuple[PreviewSco, ...] = ()
    budgets: tuple[SessionBudget, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    version: int = 0

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "warning"]


def _template_diagnostic(error: TemplateError) -> Diagnostic:
    """A template mistake at the template's file:line (jinja2 puts it in the traceback)."""
    path, line = str(TEMPLATES_DIR / "page.html.j2"), 1
    if isinstance(error, TemplateSyntaxError) and error.filename:
        path, line = error.filename, error.lineno or 1
    else:
        for frame in reversed(traceback.extract_tb(error.__traceback__)):
            if frame.filename.endswith(".j2"):
                path, line = frame.filename, frame.lineno or 1
                break
    return Diagnostic(
        SourceLocation(display_path(Path(path)), line),
        "error",
        "render.template",
        error.message or type(error).__name__,
    )


def compile_course(content_dir: str | Path, previous: Build) -> Build:
    """Load, check and render the course; with errors, ``previous``'s pages stay on show."""
    course, diagnostics = check_content(content_dir)
    if course is not None and not diagnostics.has_errors():
        diagnostics.extend(check_course(course, course.sessions, worst_case_suspend_data_length))
    if course is None or diagnostics.has_errors():
        return Build(previous.files, previous.scos, previous.budgets, tuple(diagnostics))
    try:
        rendered = render_package_files(course, course.sessions, include_pages=True)
    except TemplateError as error:
        found = Diagnostics()
        found.extend([*diagnostics, _template_diagnostic(error)])
        return Build(previous.files, previous.scos, previous.budgets, tuple(found))
    scos = tuple(
        PreviewSco(
            identifier=sco.identifier,
            title=sco.title,
            launch=sco.launch,
            mastery_score="" if sco.mastery_score is None else str(sco.mastery_score),
        )
        for sco in rendered.scos
    )
    budgets = tuple(
        session_budget(course, session, worst_case_suspend_data_length)
        for session in course.sessions
    )
    return Build(rendered.files, scos, budgets, tuple(diagnostics))


class LiveCourse:
    """The latest build of ``content_dir``, and a way to wait for the next one."""

    def __init__(self, content_dir: str | Path, echo: Callable[[str], None] = print) -> None:
        self.content_dir = Path(content_dir)
        self.echo = echo
        self.build = Build()
        self.closed = False
        self._changed = threading.Condition()

    def rebuild(self) -> Build:
        started = time.perf_counter()
        previous = self.build
        try:
            build = compile_course(self.content_dir, previous)
        except Exception:  # a scormgen bug: say so, keep serving the last good build
            self.echo(traceback.format_exc().rstrip())
            build = Build(
                previous.files,
                previous.scos,
                previous.budgets,
                (
                    Diagnostic(
                        SourceLocation(display_path(self.content_dir), 1),
                        "error",
                        "serve.internal",
                        "scormgen failed to build this (a scormgen bug; the terminal has the "
                        "traceback)",
                    ),
                ),
            )
        with self._changed:
            self.build = build = Build(
                build.files, build.scos, build.budgets, build.diagnostics, previous.version + 1
            )
            self._changed.notify_all()
        self._report(previous, build, time.perf_counter() - started)
        return build

    def _report(self, previous: Build, build: Build, seconds: float) -> None:
        if build.errors:
            for diagnostic in build.diagnostics:
                self.echo(str(diagnostic))
            count = len(build.errors)
            self.echo(
                f"{count} error{'s' if count != 1 else ''}: shown in the page, which keeps "
                "the last good build"
            )
            return
        if previous.warnings != build.warnings or previous.errors:
            for diagnostic in build.warnings:
                self.echo(str(diagnostic))
        fixed = " (errors fixed)" if previous.errors else ""
        self.echo(f"Rebuilt in {seconds * 1000:.0f} ms: {len(build.scos)} SCOs{fixed}")

    def wait(self, since: int, timeout: float) -> int:
        """The build's version once it is past ``since`` (or after ``timeout`` seconds)."""
        with self._changed:
            self._changed.wait_for(lambda: self.closed or self.build.version > since, timeout)
            return self.build.version

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def state(self) -> dict:
        """What ``live.js`` shows: the SCOs, the diagnostics and the budgets."""
        build = self.build
        return {
            "version": build.version,
            "scos": [[s.identifier, s.title, s.launch, s.mastery_score] for s in build.scos],
            "errors": [str(d) for d in build.errors],
            "warnings": [str(d) for d in build.warnings],
            "budgets": [
                {
                    "session": b.session_id,
                    "title": b.title,
                    "interactions": b.interactions,
                    "suspend_data": b.suspend_data,
                    "suspend_limit": SUSPEND_DATA_LIMIT,
                    "longest_id": b.longest_id,
                    "id_limit": INTERACTION_ID_LIMIT,
                    "warnings": list(b.warnings),
                }
                for b in build.budgets
            ],
        }


LIVE_JS = r"""
(function () {
  'use strict';
  /* scormgen serve only: the live-reload channel, the error panel, the budgets. */
  var preview = window.scormgenPreview;
  var frame = preview.frame;
  var SCROLL_KEY = 'scormgen-serve-scroll';
  var shown = null;

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (k) { node.setAttribute(k, attributes[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  var style = element('style');
  style.textContent =
    '#serve-errors { position: fixed; left: 0; bottom: 0; right: 26rem; max-height: 45vh; overflow: auto;' +
    ' background: #fff1f1; border-top: 4px solid #9b1c1c; padding: 0.5rem 1rem; margin: 0; }' +
    '#serve-errors h2 { margin: 0 0 0.25rem; font-size: 1rem; color: #9b1c1c; }' +
    '#serve-errors li, #serve-warnings li { font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; }' +
    '#serve-budgets td.warn { background: #fff4cc; font-weight: 700; }' +
    '#serve-status { margin-left: auto; }';
  document.head.appendChild(style);

  var header = document.querySelector('header');
  var resetButton = element('button', { type: 'button', id: 'reset-learner' }, 'Reset learner');
  resetButton.title = 'Forget this learner everywhere: the frame\'s stored data and the reflections kept in this browser';
  var status = element('span', { id: 'serve-status', role: 'status' });
  header.appendChild(resetButton);
  header.appendChild(status);

  var errors = element('section', { id: 'serve-errors', role: 'alert', 'aria-label': 'Authoring errors' });
  errors.hidden = true;
  document.body.appendChild(errors);

  var panel = document.getElementById('panel');
  var budgets = element('section', { id: 'serve-budget-section', 'aria-label': 'SCORM budgets' });
  budgets.appendChild(element('h2', {}, 'SCORM budgets'));
  var table = element('table', { id: 'serve-budgets' });
  budgets.appendChild(table);
  var warnings = element('ul', { id: 'serve-warnings' });
  budgets.appendChild(warnings);
  panel.insertBefore(budgets, panel.firstChild);

  resetButton.addEventListener('click', function () {
    /* sco.js keeps reflections (and, without an LMS, progress) under 'scormgen:<course>:<learner>'. */
    preview.forgetEveryone(function () {
      Object.keys(window.localStorage).forEach(function (key) {
        if (key.indexOf('scormgen:') === 0) { window.localStorage.removeItem(key); }
      });
      status.textContent = 'Learner reset';
    });
  });

  function showErrors(list) {
    errors.textContent = '';
    errors.hidden = !list.length;
    if (!list.length) { return; }
    errors.appendChild(element('h2', {}, list.length + (list.length === 1 ? ' error' : ' errors') +
      ' in the content: the page shows the last good build'));
    var ul = element('ul');
    list.forEach(function (text) { ul.appendChild(element('li', {}, text)); });
    errors.appendChild(ul);
  }

  function showBudgets(state) {
    table.textContent = '';
    var head = element('tr');
    ['session', 'interactions', 'suspend_data', 'longest id'].forEach(function (t) { head.appendChild(element('th', {}, t)); });
    table.appendChild(head);
    warnings.textContent = '';
    state.budgets.forEach(function (b) {
      var tr = element('tr', { 'data-session': b.session });
      tr.appendChild(element('td', {}, b.session));
      tr.appendChild(element('td', {}, String(b.interactions)));
      var suspend = element('td', {}, b.suspend_data + ' / ' + b.suspend_limit);
      var id = element('td', { title: b.longest_id }, b.longest_id.length + ' / ' + b.id_limit);
      b.warnings.forEach(function (w) {
        (w.indexOf('suspend_data') === 0 ? suspend : id).className = 'warn';
        warnings.appendChild(element('li', {}, b.session + ': ' + w));
      });
      tr.appendChild(suspend); tr.appendChild(id);
      table.appendChild(tr);
    });
    state.warnings.forEach(function (w) { warnings.appendChild(element('li', {}, w)); });
  }

  /* Scroll the frame back to where the reviewer was once the SCO has loaded (after its own resume scroll). */
  var pendingScroll = null;
  var saved = window.sessionStorage.getItem(SCROLL_KEY);
  if (saved !== null) { pendingScroll = Number(saved); window.sessionStorage.removeItem(SCROLL_KEY); }
  function frameScroll() {
    try { return frame.contentWindow.scrollY; } catch (e) { return 0; }
  }
  frame.addEventListener('load', function () {
    var win = frame.contentWindow;
    if (pendingScroll === null || !win || win.location.pathname.indexOf('/pkg/') !== 0) { return; }
    var y = pendingScroll;
    pendingScroll = null;
    win.scrollTo(0, y);
    win.requestAnimationFrame(function () { win.scrollTo(0, y); });
  });

  function apply(state) {
    showErrors(state.errors);
    showBudgets(state);
    var scos = JSON.stringify(state.scos);
    if (shown === null) { shown = { version: state.version, scos: scos }; return; }
    if (state.version === shown.version) { return; }
    var changedScos = scos !== shown.scos;
    shown = { version: state.version, scos: scos };
    if (state.errors.length) { return; }
    if (changedScos) {
      /* A session added, removed or renamed: the frame's list is the page's, so reload it. */
      window.sessionStorage.setItem(SCROLL_KEY, String(frameScroll()));
      window.location.reload();
      return;
    }
    pendingScroll = frameScroll();
    preview.relaunch();
    status.textContent = 'Updated ' + new Date().toLocaleTimeString();
  }

  function refresh() {
    return window.fetch('/_serve/state.json', { cache: 'no-store' })
      .then(function (response) { return response.json(); })
      .then(apply);
  }

  refresh().then(function () {
    var source = new window.EventSource('/_serve/events?since=' + shown.version);
    source.addEventListener('change', function () { refresh(); });
    source.onerror = function () { status.textContent = 'scormgen serve stopped? Reconnecting...'; };
    source.onopen = function () { status.textContent = ''; };
  });
}());
"""


class ServeHandler(PreviewHandler):
    live: LiveCourse
    extra_scripts = ("/_serve/live.js",)

    def package(self) -> tuple[dict[str, bytes], list[PreviewSco]]:
        build = self.live.build
        return build.files, list(build.scos)

    def route(self, path: str) -> bool:
        if path == "/_serve/live.js":
            self.send(LIVE_JS.encode(), "text/javascript; charset=utf-8")
        elif path == "/_serve/state.json":
            body = json.dumps(self.live.state()).encode()
            self.send(body, "application/json")
        elif path == "/_serve/events":
            self.events()
        else:
            return False
        return True

    def events(self) -> None:
        """Server-Sent Events: ``change`` with the build's version after each rebuild."""
        query = parse_qs(urlsplit(self.path).query)
        try:
            since = int(query.get("since", ["0"])[0])
        except ValueError:
            since = 0
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write(b"retry: 500\n\n")
            self.wfile.flush()
            while not self.live.closed:
                version = self.live.wait(since, KEEP_ALIVE)
                if self.live.closed:
                    break
                if version > since:
                    since = version
                    self.wfile.write(f"event: change\ndata: {version}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away


@dataclass
class Serving:
    """A running ``serve``: the HTTP server, the live course and the watcher."""

    server: object
    live: LiveCourse
    stop: threading.Event

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"  # type: ignore[attr-defined]

    def close(self) -> None:
        self.stop.set()
        self.live.close()
        self.server.shutdown()  # type: ignore[attr-defined]
        self.server.server_close()  # type: ignore[attr-defined]


def start_serve(
    content_dir: str | Path,
    port: int = 0,
    echo: Callable[[str], None] = print,
    interval: float | None = None,
) -> Serving:
    """Build ``content_dir`` once, serve it on 127.0.0.1, rebuild on every save until closed."""
    from http.server import ThreadingHTTPServer

    live = LiveCourse(content_dir, echo)
    roots = source_roots(content_dir)
    before = snapshot(roots)
    live.rebuild()
    handler = type("Handler", (ServeHandler,), {"live": live})
    # Loopback only, like preview: the pages are unpublished drafts.
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    threading.Thread(
        target=watch,
        args=(roots, live.rebuild, stop, interval or INTERVAL, before),
        daemon=True,
    ).start()
    return Serving(server, live, stop)
