"""``scormgen preview``: try a SCORM 1.2 package on localhost inside a minimal LMS frame.

The preview page lists the package's SCOs (from its manifest), plays the chosen
one in an iframe beside a live view of the SCORM 1.2 data model: core values,
interactions, suspend data and every API call with its result and error code.

The API is scorm-again's SCORM 1.2 runtime (``node_modules/scorm-again``, a dev
dependency) when it is installed, else a small built-in stand-in. "Relaunch"
hands the SCO what an LMS would on the next visit (Moodle's rule: entry
``resume`` only after exit ``suspend``), so resume can be tried too.
"""

from __future__ import annotations

import json
import mimetypes
import posixpath
import threading
import zipfile
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[3]
SCORM_AGAIN = ROOT / "node_modules" / "scorm-again" / "dist" / "scorm12.min.js"


class PreviewError(Exception):
    """The file is not a package the preview can play."""


@dataclass(frozen=True)
class PreviewSco:
    identifier: str
    title: str
    launch: str
    mastery_score: str


def read_package(path: str | Path) -> tuple[dict[str, bytes], list[PreviewSco]]:
    """The package's files (safe names only) and its SCOs in organization order."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise PreviewError(f"{path}: not a zip file ({error})") from None
    files: dict[str, bytes] = {}
    with archive:
        for info in archive.infolist():
            name = info.filename
            normal = posixpath.normpath(name)
            if info.is_dir() or name.startswith("/") or normal.startswith(".."):
                continue
            files[normal] = archive.read(info)
    if "imsmanifest.xml" not in files:
        raise PreviewError(f"{path}: no imsmanifest.xml at the root")
    manifest = ElementTree.fromstring(files["imsmanifest.xml"])
    resources = {
        r.get("identifier"): r.get("href", "")
        for r in manifest.findall(".//{*}resource")
        if r.get("href")
    }
    scos = []
    for item in manifest.findall(".//{*}item"):
        ref = item.get("identifierref")
        if ref not in resources:
            continue
        title = item.find("{*}title")
        mastery = item.find("{*}masteryscore")
        scos.append(
            PreviewSco(
                identifier=item.get("identifier", ref),
                title=(title.text or ref) if title is not None else ref,
                launch=resources[ref],
                mastery_score=(mastery.text or "").strip() if mastery is not None else "",
            )
        )
    if not scos:
        raise PreviewError(f"{path}: the manifest names no launchable SCO")
    return files, scos


FALLBACK_API = """
/* Built-in SCORM 1.2 stand-in, used when scorm-again is not installed. */
window.Scorm12API = function () {
  var data = { 'cmi.core.lesson_status': 'not attempted', 'cmi.core.entry': 'ab-initio',
               'cmi.interactions._count': '0', 'cmi.suspend_data': '', 'cmi.core.exit': '' };
  var state = 'new';
  var error = '0';
  this.data = data;
  this.loadFlat = function (values) { Object.keys(values).forEach(function (k) { data[k] = values[k]; }); };
  this.LMSInitialize = function () {
    if (state !== 'new') { error = '101'; return 'false'; }
    state = 'open'; error = '0'; return 'true';
  };
  this.LMSFinish = function () {
    if (state !== 'open') { error = '301'; return 'false'; }
    state = 'done'; error = '0'; return 'true';
  };
  this.LMSGetValue = function (k) {
    if (state !== 'open') { error = '301'; return ''; }
    error = '0'; return Object.prototype.hasOwnProperty.call(data, k) ? data[k] : '';
  };
  this.LMSSetValue = function (k, v) {
    if (state !== 'open') { error = '301'; return 'false'; }
    var m = /^cmi[.]interactions[.](\\d+)[.]id$/.exec(k);
    if (m && Number(m[1]) >= Number(data['cmi.interactions._count'])) {
      data['cmi.interactions._count'] = String(Number(m[1]) + 1);
    }
    data[k] = String(v); error = '0'; return 'true';
  };
  this.LMSCommit = function () { error = state === 'open' ? '0' : '301'; return state === 'open' ? 'true' : 'false'; };
  this.LMSGetLastError = function () { return error; };
  this.LMSGetErrorString = function (c) { return c === '0' ? 'No error' : 'Error ' + c; };
  this.LMSGetDiagnostic = function (c) { return ''; };
};
window.Scorm12API.builtIn = true;
"""

PREVIEW_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>scormgen preview</title><link rel="icon" href="data:,">
<style>
body { margin: 0; font: 14px system-ui, sans-serif; display: grid; grid-template-columns: 1fr 26rem;
       grid-template-rows: auto 1fr; height: 100vh; }
header { grid-column: 1 / 3; display: flex; gap: 0.75rem; align-items: center; padding: 0.5rem 0.75rem;
         background: #1d4f91; color: #fff; flex-wrap: wrap; }
header label { font-weight: 600; }
iframe { width: 100%; height: 100%; border: 0; }
#panel { overflow: auto; border-left: 1px solid #999; padding: 0 0.75rem; background: #f6f7f9; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; }
th, td { text-align: left; border-bottom: 1px solid #ddd; padding: 2px 4px; vertical-align: top;
         word-break: break-all; font-family: ui-monospace, monospace; font-size: 12px; }
.bad { color: #9b1c1c; font-weight: 700; }
button, select { font: inherit; }
</style></head>
<body>
<header>
<label for="sco-select">SCO</label><select id="sco-select"></select>
<button type="button" id="relaunch">Relaunch (as the LMS would next time)</button>
<button type="button" id="reset">New attempt</button>
<span id="api-kind"></span>
</header>
<iframe id="sco" title="Course content"></iframe>
<section id="panel" aria-label="SCORM data model">
<h2>Data model</h2><table id="core"></table>
<h2>Interactions</h2><table id="interactions"></table>
<h2>Calls</h2><table id="calls"></table>
</section>
<script src="/_lms/api.js"></script>
<script src="/_lms/preview.js"></script>
</body></html>
"""

PREVIEW_JS = """
(function () {
  'use strict';
  var scos = SCOS;
  var select = document.getElementById('sco-select');
  var frame = document.getElementById('sco');
  var calls = [];
  var stored = {};
  var current = null;
  var builtIn = !!window.Scorm12API.builtIn;
  document.getElementById('api-kind').textContent =
    builtIn ? 'API: built-in stand-in (scorm-again not installed)' : 'API: scorm-again SCORM 1.2';
  scos.forEach(function (sco, i) {
    var option = document.createElement('option');
    option.value = String(i); option.textContent = sco.title; select.appendChild(option);
  });

  function snapshot() {
    if (!window.API) { return {}; }
    if (builtIn) { return window.API.data; }
    var flat = {};
    (function walk(value, prefix) {
      Object.keys(value).forEach(function (key) {
        var v = value[key];
        if (v && typeof v === 'object') { walk(v, prefix + key + '.'); }
        else { flat[prefix + key] = String(v); }
      });
    }(JSON.parse(JSON.stringify(window.API.cmi)), 'cmi.'));
    return flat;
  }

  function row(table, cells, bad) {
    var tr = document.createElement('tr');
    cells.forEach(function (text) {
      var td = document.createElement('td'); td.textContent = text; tr.appendChild(td);
    });
    if (bad) { tr.className = 'bad'; }
    table.appendChild(tr);
  }

  function render() {
    var data = snapshot();
    var core = document.getElementById('core');
    var interactions = document.getElementById('interactions');
    var log = document.getElementById('calls');
    core.textContent = ''; interactions.textContent = ''; log.textContent = '';
    Object.keys(data).sort().forEach(function (key) {
      if (key.indexOf('cmi.interactions.') === 0 && key !== 'cmi.interactions._count') {
        row(interactions, [key.slice(17), data[key]]);
      } else if (data[key] !== '' && key.indexOf('._children') < 0) {
        var value = key === 'cmi.suspend_data' ? data[key] + ' (' + data[key].length + ' characters)' : data[key];
        row(core, [key, value]);
      }
    });
    calls.slice(-300).reverse().forEach(function (c) {
      row(log, [c.name + '(' + c.args.join(', ') + ')', c.result, 'error ' + c.error], c.error !== '0');
    });
  }

  function makeApi(sco, previous) {
    var api = new window.Scorm12API({ autocommit: false, lmsCommitUrl: false, logLevel: 5 });
    var core = { student_id: 'preview-learner', student_name: 'Learner, Preview', lesson_mode: 'normal',
                 credit: 'credit', entry: 'ab-initio' };
    var extra = {};
    if (previous) {
      core.entry = previous['cmi.core.exit'] === 'suspend' ? 'resume' : '';
      core.lesson_status = previous['cmi.core.lesson_status'] || 'not attempted';
      core.lesson_location = previous['cmi.core.lesson_location'] || '';
      extra.suspend_data = previous['cmi.suspend_data'] || '';
    }
    if (builtIn) {
      var flat = {};
      Object.keys(core).forEach(function (k) { flat['cmi.core.' + k] = core[k]; });
      if (extra.suspend_data) { flat['cmi.suspend_data'] = extra.suspend_data; }
      if (sco.mastery) { flat['cmi.student_data.mastery_score'] = sco.mastery; }
      api.loadFlat(flat);
    } else {
      var json = { core: core };
      if (extra.suspend_data) { json.suspend_data = extra.suspend_data; }
      if (sco.mastery) { json.student_data = { mastery_score: sco.mastery }; }
      api.loadFromJSON(json, '');
    }
    var lastError = api.LMSGetLastError.bind(api);
    ['LMSInitialize', 'LMSFinish', 'LMSGetValue', 'LMSSetValue', 'LMSCommit', 'LMSGetLastError',
     'LMSGetErrorString', 'LMSGetDiagnostic'].forEach(function (name) {
      var original = api[name].bind(api);
      api[name] = function () {
        var args = Array.prototype.slice.call(arguments);
        var result = original.apply(null, args);
        calls.push({ name: name, args: args.map(String), result: String(result), error: String(lastError()) });
        window.setTimeout(render, 0);
        return result;
      };
    });
    return api;
  }

  function launch(index, resume, beforeLaunch) {
    var sco = scos[index];
    if (current !== null && window.API) { stored[current] = snapshot(); }
    frame.src = 'about:blank';
    window.setTimeout(function () {
      if (current !== null && window.API) { stored[current] = snapshot(); }
      if (beforeLaunch) { stored = {}; beforeLaunch(); }
      current = index;
      calls = [];
      window.history.replaceState(null, '', '#sco=' + encodeURIComponent(sco.id));
      window.API = makeApi(sco, resume ? stored[index] : null);
      frame.src = '/pkg/' + sco.launch;
      render();
    }, 50);
  }

  select.addEventListener('change', function () { launch(Number(select.value), true); });
  document.getElementById('relaunch').addEventListener('click', function () { launch(current, true); });
  document.getElementById('reset').addEventListener('click', function () {
    delete stored[current]; launch(current, false);
  });
  /* The SCO in the address (#sco=<id>) is the one a reload comes back to. */
  var wanted = /^#sco=(.+)$/.exec(window.location.hash);
  var first = 0;
  scos.forEach(function (sco, i) { if (wanted && sco.id === decodeURIComponent(wanted[1])) { first = i; } });
  select.value = String(first);
  /* For pages that extend the preview (scormgen serve): relaunch, start afresh, find the frame. */
  window.scormgenPreview = {
    frame: frame,
    current: function () { return current === null ? null : scos[current]; },
    relaunch: function () { if (current !== null) { launch(current, true); } },
    /* Once the SCO on show has unloaded (and written what it writes then): forget every
       SCO's data, call beforeLaunch, and start the SCO afresh. */
    forgetEveryone: function (beforeLaunch) {
      if (current !== null) { launch(current, false, beforeLaunch || function () {}); }
    }
  };
  if (scos.length) { launch(first, false); }
}());
"""


def api_script() -> bytes:
    """The SCORM 1.2 API the frame offers: scorm-again's when installed, else the stand-in."""
    return SCORM_AGAIN.read_bytes() if SCORM_AGAIN.is_file() else FALLBACK_API.encode()


def preview_script(scos: list[PreviewSco]) -> bytes:
    """The frame's script for these SCOs (JSON with '<' escaped: safe in a script)."""
    sco_json = json.dumps(
        [
            {"id": s.identifier, "title": s.title, "launch": s.launch, "mastery": s.mastery_score}
            for s in scos
        ]
    ).replace("<", "\\u003c")
    return PREVIEW_JS.replace("SCOS", sco_json, 1).encode()


class PreviewHandler(BaseHTTPRequestHandler):
    """The minimal LMS frame over HTTP: the page, the API, and a package's files under /pkg/.

    Subclasses say which package (``package()``), may add scripts to the page
    (``extra_scripts``) and answer more paths (``route()``): ``scormgen serve`` does.
    """

    extra_scripts: tuple[str, ...] = ()

    def package(self) -> tuple[dict[str, bytes], list[PreviewSco]]:
        raise NotImplementedError

    def route(self, path: str) -> bool:
        """Answer ``path`` if it is one of the subclass's; return whether it did."""
        return False

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def send(self, body: bytes, content_type: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def page(self) -> bytes:
        # Only our own fixed paths go into the page, never author or learner text.
        tags = "".join(f'<script src="{src}"></script>\n' for src in self.extra_scripts)
        return PREVIEW_PAGE.replace("</body>", tags + "</body>", 1).encode()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path in ("/", "/index.html"):
            return self.send(self.page(), "text/html; charset=utf-8")
        if path == "/_lms/api.js":
            return self.send(api_script(), "text/javascript; charset=utf-8")
        if path == "/_lms/preview.js":
            return self.send(preview_script(self.package()[1]), "text/javascript; charset=utf-8")
        if path.startswith("/pkg/"):
            files = self.package()[0]
            name = posixpath.normpath(unquote(path[len("/pkg/") :]))
            if name in files:
                kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
                if kind.startswith("text/") or kind.endswith(("javascript", "xml")):
                    kind += "; charset=utf-8"
                return self.send(files[name], kind)
        if self.route(path):
            return None
        return self.send(b"not found", "text/plain; charset=utf-8", 404)


def make_handler(files: dict[str, bytes], scos: list[PreviewSco]) -> type[PreviewHandler]:
    class Handler(PreviewHandler):
        def package(self) -> tuple[dict[str, bytes], list[PreviewSco]]:
            return files, scos

    return Handler


def start_preview(package: str | Path, port: int = 0, host: str = "127.0.0.1"):
    """Start serving ``package``; return the server (``server_address`` has the port)."""
    files, scos = read_package(package)
    server = ThreadingHTTPServer((host, port), make_handler(files, scos))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, scos
