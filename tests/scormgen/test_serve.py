"""``scormgen serve``: the course built in memory on each save, errors and budgets for the page."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from jinja2 import TemplateSyntaxError

from scormgen.build import build, cartridge_options
from scormgen.cli import main
from scormgen.package.scorm.checks import SessionBudget
from scormgen.render import pages
from scormgen.serve import server as serve_module
from scormgen.serve.server import Build, LiveCourse, compile_course, start_serve
from scormgen.serve.watch import snapshot, watch
from tests.scormgen.content_fixture import SESSION_MD, write_course
from tests.scormgen.paths import CONTENT

pytestmark = pytest.mark.usefixtures("in_tmp_path")

#: What only the live-reload channel has; no built package may contain any of them.
LIVE_RELOAD_MARKERS = (b"/_serve/", b"EventSource", b"live.js", b"scormgen-serve")
SESSION = Path("content/sessions/01-what-is-recovery.md")
BROKEN_YAML = SESSION_MD.replace("title: What is Recovery?", "title: [What is Recovery?")


def wait_until(condition, seconds: float = 5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_serve_builds_the_course_in_memory_with_each_session_s_budget(tmp_path):
    build_ = compile_course(write_course(tmp_path), Build())
    assert build_.errors == []
    assert [sco.identifier for sco in build_.scos] == ["what-is-recovery"]
    assert build_.scos[0].launch in build_.files
    [budget] = build_.budgets
    assert budget.interactions == 2
    assert budget.longest_id == "recovery-thoughts"
    assert 0 < budget.suspend_data < 4096
    assert budget.warnings == ()


@pytest.mark.parametrize(
    ("suspend_data", "longest_id", "warning"),
    [
        (3300, "q1", "suspend_data: 3300 of 4096 characters, close to the limit"),
        (4100, "q1", "suspend_data: 4100 of 4096 characters, over the limit"),
        (100, "q" * 210, "interaction id: 210 of 255 characters, close to the limit"),
    ],
)
def test_a_budget_warns_as_a_limit_gets_close(suspend_data, longest_id, warning):
    budget = SessionBudget("s", "S", 1, suspend_data, longest_id)
    assert budget.warnings == (warning,)


def test_an_authoring_error_keeps_the_last_good_pages_and_names_file_and_line(tmp_path):
    lines: list[str] = []
    live = LiveCourse(write_course(tmp_path), lines.append)
    good = live.rebuild()
    SESSION.write_text(BROKEN_YAML, encoding="utf-8")
    broken = live.rebuild()
    assert broken.version == good.version + 1
    assert broken.files == good.files
    assert [str(d).split(": error: ")[0] for d in broken.errors] == [f"{SESSION}:3"]
    assert live.state()["errors"] == [str(d) for d in broken.errors]
    assert str(broken.errors[0]) in lines
    SESSION.write_text(SESSION_MD.replace("Some prose", "New prose"), encoding="utf-8")
    fixed = live.rebuild()
    assert fixed.errors == []
    assert b"New prose" in fixed.files[fixed.scos[0].launch]
    assert lines[-1].endswith("(errors fixed)")


def test_a_template_error_is_shown_at_the_template_s_line(tmp_path, monkeypatch):
    def broken_template(*args, **kwargs):
        raise TemplateSyntaxError("unexpected '}'", 7, "page.html.j2", "templates/sco/page.html.j2")

    monkeypatch.setattr(serve_module, "render_package_files", broken_template)
    [error] = compile_course(write_course(tmp_path), Build()).errors
    assert str(error) == ("templates/sco/page.html.j2:7: error: unexpected '}' [render.template]")


def get(address: str) -> bytes:
    with urllib.request.urlopen(address, timeout=5) as response:
        return response.read()


def test_serve_answers_on_loopback_and_rebuilds_on_save(tmp_path):
    serving = start_serve(write_course(tmp_path), echo=lambda line: None)
    try:
        assert serving.server.server_address[0] == "127.0.0.1"
        page = get(serving.address).decode()
        assert '<script src="/_serve/live.js"></script>' in page
        state = json.loads(get(serving.address + "_serve/state.json"))
        launch = state["scos"][0][2]
        assert get(serving.address + "pkg/" + launch) == serving.live.build.files[launch]
        SESSION.write_text(SESSION_MD.replace("Some prose", "Saved prose"), encoding="utf-8")
        wait_until(lambda: b"Saved prose" in get(serving.address + "pkg/" + launch))
        with urllib.request.urlopen(serving.address + "_serve/events?since=0", timeout=5) as events:
            assert events.readline() == b"retry: 500\n"
            events.readline()
            assert events.readline() == b"event: change\n"
    finally:
        serving.close()


def test_no_built_package_carries_the_live_reload_channel(tmp_path):
    options = cartridge_options("https://tool.example.edu", None)
    result = build(CONTENT, tmp_path / "dist", formats=("scorm", "cc"), cartridge=options)
    assert {p.format for p in result.packages} == {"scorm", "cc"}
    for package in result.packages:
        with zipfile.ZipFile(package.path) as archive:
            for name in archive.namelist():
                data = archive.read(name)
                found = [m for m in LIVE_RELOAD_MARKERS if m in data]
                assert found == [], f"{package.path.name}:{name} has {found}"


def scormgen_command(*args: str, stderr) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from scormgen.cli import main; main()", *args],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def test_build_watch_rebuilds_the_zips_on_save_and_survives_an_error(tmp_path):
    write_course(tmp_path)
    package = tmp_path / "dist" / "sessions" / "01-what-is-recovery.zip"
    log = tmp_path / "watch.log"
    with log.open("w", encoding="utf-8") as stderr:
        process = scormgen_command("build", "content", "-o", "dist", "--watch", stderr=stderr)
    try:
        first = wait_until(lambda: package.is_file() and package.read_bytes(), seconds=30)
        SESSION.write_text(BROKEN_YAML, encoding="utf-8")
        wait_until(lambda: f"{SESSION}:3: error:" in log.read_text(encoding="utf-8"), 15)
        assert process.poll() is None
        assert package.read_bytes() == first
        SESSION.write_text(SESSION_MD.replace("Some prose", "Watched prose"), encoding="utf-8")
        wait_until(lambda: package.read_bytes() != first, seconds=15)
        with zipfile.ZipFile(package) as archive:
            page = archive.read("sco/01-what-is-recovery/index.html")
        assert b"Watched prose" in page
    finally:
        stop(process)


def test_the_serve_command_says_where_it_serves(tmp_path):
    write_course(tmp_path)
    process = scormgen_command("serve", "content", "--port", "0", stderr=subprocess.DEVNULL)
    try:
        line = process.stdout.readline()
        assert line.startswith("Serving content at http://127.0.0.1:")
        address = line.split(" at ")[1].split()[0]
        assert b'id="sco-select"' in get(address)
    finally:
        stop(process)


def test_a_save_during_the_first_build_is_not_missed(tmp_path):
    content = write_course(tmp_path)
    before = snapshot([content])
    SESSION.write_text(SESSION_MD.replace("Some prose", "Early prose"), encoding="utf-8")
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=([content], stop.set, stop, 0.02, before))
    thread.start()
    thread.join(timeout=5)
    assert stop.is_set()


def test_build_watch_refuses_an_output_folder_it_would_watch(tmp_path):
    content = write_course(tmp_path)
    result = CliRunner().invoke(main, ["build", str(content), "-o", "content/dist", "--watch"])
    assert result.exit_code == 1
    assert "each build would otherwise set off the next" in result.output
    assert not (content / "dist").exists()


def test_a_template_edit_is_rebuilt_like_a_content_edit(tmp_path, monkeypatch):
    templates = tmp_path / "templates"
    shutil.copytree(pages.TEMPLATES_DIR, templates)
    monkeypatch.setattr(pages, "TEMPLATES_DIR", templates)
    pages.environment.cache_clear()
    try:
        serving = start_serve(write_course(tmp_path), echo=lambda line: None)
        try:
            launch = serving.live.build.scos[0].launch
            page = templates / "page.html.j2"
            page.write_text(
                page.read_text(encoding="utf-8").replace("</body>", "<p>Template edit</p></body>"),
                encoding="utf-8",
            )
            wait_until(lambda: b"Template edit" in serving.live.build.files[launch])
        finally:
            serving.close()
    finally:
        pages.environment.cache_clear()
