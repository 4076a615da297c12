"""The wheel alone runs the compiler and the tool: templates, course, static files,
migrations and schemas are all inside it (``scormgen.shipped``, ``build_shipped.py``).

Built as ``python -m build`` does (a source distribution from the checkout, then the wheel
from that), offline; installed into a fresh virtual environment; run from a folder
outside the repository. The dependencies come from this environment's site-packages
through a ``.pth`` line, since installing them offline is not possible here: a ``.pth``
line adds the folder without running its ``.pth`` files, so this checkout's editable
install stays out and every module of the project is the wheel's (the test checks).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

BUILD_SDIST = (
    "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
)

WHERE = """
import json, lti_tool, scormgen
from scormgen import shipped
from scormgen.render import pages
print(json.dumps({
    "scormgen": scormgen.__file__, "lti_tool": lti_tool.__file__,
    "content": str(shipped.path("content")), "sco_templates": str(pages.TEMPLATES_DIR),
    "tool_templates": str(lti_tool.TEMPLATES_DIR),
}))
"""

SERVE_PAGES = """
import json
from lti_tool import activities, create_app
app = create_app()
client = app.test_client()
with app.app_context():
    offered = [activity.key for activity in activities.available()]
print(json.dumps({
    "index": [client.get("/").status_code, "<main" in client.get("/").text],
    "missing": client.get("/no/such/page").status_code,
    "static": client.get("/static/tool.css").status_code,
    "health": client.get("/healthz").json,
    "activities": offered,
}))
"""


@dataclass
class Installed:
    venv: Path
    elsewhere: Path
    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            args, cwd=self.elsewhere, env=self.env, capture_output=True, text=True, timeout=300
        )

    def python(self, code: str) -> dict:
        result = self.run(str(self.venv / "bin" / "python"), "-c", code)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


def run(*args: str, cwd: Path) -> str:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    sdist = run(sys.executable, "-c", BUILD_SDIST, str(work), cwd=ROOT).strip().splitlines()[-1]
    with tarfile.open(work / sdist) as archive:
        archive.extractall(work, filter="data")
    source = work / sdist.removesuffix(".tar.gz")
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input")
    run(*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(work), str(source), cwd=work)
    (wheel,) = work.glob("*.whl")

    venv = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", str(venv), cwd=work)
    target = venv / "bin" / "python"
    run(*pip, "--python", str(target), "install", "--no-deps", "--no-index", str(wheel), cwd=work)
    site = Path(
        run(
            str(target), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=work
        ).strip()
    )
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "project_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")

    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(elsewhere),
        "LTI_TOOL_ENV": "testing",
        "SECRET_KEY": "wheel-test-secret",
        "DATABASE_URL": f"sqlite:///{elsewhere / 'tool.sqlite'}",
        "GRADE_WORKER": "off",
    }
    return Installed(venv, elsewhere, env)


def test_the_project_runs_from_the_wheel_not_the_checkout(installed):
    where = installed.python(WHERE)

    for name, path in where.items():
        assert Path(path).is_relative_to(installed.venv), (name, path)
        assert not Path(path).is_relative_to(ROOT), (name, path)
    assert Path(where["content"], "course.yml").is_file()


def test_the_installed_compiler_checks_and_builds_the_installed_course(installed):
    content = installed.python(WHERE)["content"]

    checked = installed.run("scormgen", "check", content)
    built = installed.run(
        *("scormgen", "build", content, "-o", "out", "--session", "course-introduction"),
        *("--format", "scorm", "--format", "cc", "--tool-url", "https://lti.example.edu"),
    )
    assert checked.returncode == 0, checked.stderr
    assert built.returncode == 0, built.stderr
    assert len(list((installed.elsewhere / "out").glob("*.zip"))) == 1
    assert len(list((installed.elsewhere / "out").glob("*.imscc"))) == 1


def test_the_installed_tool_migrates_and_serves_its_pages(installed):
    upgraded = installed.run("lti-tool", "db", "upgrade")

    assert upgraded.returncode == 0, upgraded.stderr
    served = installed.python(SERVE_PAGES)
    assert served["index"] == [200, True]
    assert served["missing"] == 404
    assert served["static"] == 200
    assert served["health"]["status"] == "ok"
    assert "scenario:" in " ".join(served["activities"])
    assert "assignment:" in " ".join(served["activities"])


def test_the_checkout_reads_its_own_folders():
    from scormgen import shipped

    assert not shipped.INSTALLED.exists()
    assert shipped.path("templates", "sco") == ROOT / "templates" / "sco"
