"""``scormgen build``: every package read, checked and validated before any is written."""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from scormgen.build import BuildError, build, session_package_name
from scormgen.cli import main
from scormgen.diagnostics import AuthoringError
from scormgen.package.scorm import packages as scorm_packages
from scormgen.package.scorm.validate import validate_package
from scormgen.package.scorm.xsd import ADLCP_NS, IMSCP_NS, SCHEMA_FILES, validate_manifest
from scormgen.package.written import RECORD, read_record
from tests.scormgen.conftest import fake_build, fake_render, short_suspend_data
from tests.scormgen.content_fixture import SESSION_MD, write_course
from tests.scormgen.paths import CONTENT

NS = {"cp": IMSCP_NS, "adlcp": ADLCP_NS}
SECOND_SESSION = (
    SESSION_MD.replace("id: what-is-recovery", "id: second-session")
    .replace("title: What is Recovery?", "title: Second Session")
    .replace("id: recovery-", "id: second-")
    .replace("id: john-and-the-roofer", "id: second-scenario")
)
RESOURCES_PAGE = """\
---
id: useful-resources
title: Useful Resources
---

Organisations that can help.
"""

pytestmark = pytest.mark.usefixtures("in_tmp_path")


def mini_course(tmp_path: Path, session: str = SESSION_MD) -> Path:
    return write_course(
        tmp_path,
        session,
        extra={
            "sessions/02-second-session.md": SECOND_SESSION,
            "pages/useful-resources.md": RESOURCES_PAGE,
        },
    )


def digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*.zip"))
    }


def manifest_of(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("imsmanifest.xml"))


def test_build_writes_the_course_package_and_one_package_per_session(tmp_path):
    fake_build(mini_course(tmp_path), tmp_path / "dist")
    assert sorted(digests(tmp_path / "dist")) == [
        "mini-course.zip",
        "sessions/01-what-is-recovery.zip",
        "sessions/02-second-session.zip",
    ]


def test_course_package_has_one_sco_per_session_then_the_pages_in_course_order(tmp_path):
    fake_build(mini_course(tmp_path), tmp_path / "dist")
    manifest = manifest_of(tmp_path / "dist" / "mini-course.zip")
    assert manifest.xpath("//cp:organization/cp:item/@identifier", namespaces=NS) == [
        "ITEM-what-is-recovery",
        "ITEM-second-session",
        "ITEM-useful-resources",
    ]
    assert manifest.xpath("string(//cp:organization/cp:title)", namespaces=NS) == "Mini Course"


def test_a_session_package_has_its_single_sco(tmp_path):
    fake_build(mini_course(tmp_path), tmp_path / "dist")
    manifest = manifest_of(tmp_path / "dist" / "sessions" / "02-second-session.zip")
    assert manifest.get("identifier") == "MANIFEST-mini-course.second-session"
    assert manifest.xpath("//cp:item/@identifier", namespaces=NS) == ["ITEM-second-session"]
    assert manifest.xpath("string(//cp:organization/cp:title)", namespaces=NS) == (
        "Mini Course: Second Session"
    )


def test_every_package_carries_the_schemas_at_its_root(tmp_path):
    fake_build(mini_course(tmp_path), tmp_path / "dist")
    for path in (tmp_path / "dist").rglob("*.zip"):
        names = zipfile.ZipFile(path).namelist()
        assert set(SCHEMA_FILES.values()) | {"imsmanifest.xml"} <= set(names)


def test_build_result_summarises_each_package(tmp_path):
    result = fake_build(mini_course(tmp_path), tmp_path / "dist")
    summary = [(p.path.name, p.scos, p.interactions) for p in result.packages]
    # Each session has one question and one reflection; the page adds a SCO, no interaction.
    assert summary == [
        ("mini-course.zip", 3, 4),
        ("01-what-is-recovery.zip", 1, 2),
        ("02-second-session.zip", 1, 2),
    ]
    for package in result.packages:
        assert package.size == package.path.stat().st_size
        assert package.sha256 == hashlib.sha256(package.path.read_bytes()).hexdigest()


def test_building_twice_gives_byte_identical_zips(tmp_path):
    content = mini_course(tmp_path)
    fake_build(content, tmp_path / "one")
    fake_build(content, tmp_path / "two")
    assert digests(tmp_path / "one") == digests(tmp_path / "two")


def test_every_package_passes_validate_and_the_xsds(tmp_path):
    fake_build(mini_course(tmp_path), tmp_path / "dist")
    for path in (tmp_path / "dist").rglob("*.zip"):
        assert validate_manifest(manifest_of(path)) == []
        assert [p.format(path.name) for p in validate_package(path)] == []


def test_a_content_error_writes_nothing_and_keeps_the_previous_packages(tmp_path):
    content = mini_course(tmp_path)
    fake_build(content, tmp_path / "dist")
    before = digests(tmp_path / "dist")
    session = content / "sessions" / "01-what-is-recovery.md"
    session.write_text(SESSION_MD.replace("correct: a", "correct: z"), encoding="utf-8")
    with pytest.raises(AuthoringError):
        fake_build(content, tmp_path / "dist")
    assert digests(tmp_path / "dist") == before
    assert sorted(
        p.name for p in (tmp_path / "dist").rglob("*") if p.is_file() and p.name != RECORD
    ) == sorted(Path(name).name for name in before)


def rename_second_session(content: Path, new_id: str) -> None:
    old = content / "sessions" / "02-second-session.md"
    old.rename(content / "sessions" / f"02-{new_id}.md")
    renamed = content / "sessions" / f"02-{new_id}.md"
    renamed.write_text(
        renamed.read_text(encoding="utf-8").replace("id: second-session", f"id: {new_id}"),
        encoding="utf-8",
    )


def test_a_renamed_session_s_old_package_is_removed_and_an_unrelated_file_kept(tmp_path):
    content = mini_course(tmp_path)
    dist = tmp_path / "dist"
    fake_build(content, dist)
    notes = dist / "notes.txt"
    notes.write_text("upload checklist", encoding="utf-8")
    ours_by_name_only = dist / "sessions" / "03-someone-elses.zip"
    ours_by_name_only.write_bytes(b"PK not ours")
    rename_second_session(content, "second-look")

    result = fake_build(content, dist)

    assert sorted(digests(dist)) == [
        "mini-course.zip",
        "sessions/01-what-is-recovery.zip",
        "sessions/02-second-look.zip",
        "sessions/03-someone-elses.zip",
    ]
    assert result.removed == (dist / "sessions" / "02-second-session.zip",)
    assert notes.read_text(encoding="utf-8") == "upload checklist"
    assert ours_by_name_only.read_bytes() == b"PK not ours"
    assert sorted(read_record(dist)) == [
        "mini-course.zip",
        "sessions/01-what-is-recovery.zip",
        "sessions/02-second-look.zip",
    ]


def test_a_stale_package_changed_since_the_build_is_not_ours_to_remove(tmp_path):
    content = mini_course(tmp_path)
    dist = tmp_path / "dist"
    fake_build(content, dist)
    old = dist / "sessions" / "02-second-session.zip"
    old.write_bytes(b"replaced by hand")
    rename_second_session(content, "second-look")
    assert fake_build(content, dist).removed == ()
    assert old.read_bytes() == b"replaced by hand"
    assert "sessions/02-second-session.zip" not in read_record(dist)


def test_a_session_build_keeps_the_other_sessions_packages(tmp_path):
    content = mini_course(tmp_path)
    dist = tmp_path / "dist"
    fake_build(content, dist)
    assert fake_build(content, dist, sessions=["second-session"]).removed == ()
    assert "sessions/01-what-is-recovery.zip" in digests(dist)
    assert "sessions/01-what-is-recovery.zip" in read_record(dist)


def test_a_failed_build_removes_nothing(tmp_path):
    content = mini_course(tmp_path)
    dist = tmp_path / "dist"
    fake_build(content, dist)
    rename_second_session(content, "second-look")
    session = content / "sessions" / "01-what-is-recovery.md"
    session.write_text(SESSION_MD.replace("correct: a", "correct: z"), encoding="utf-8")
    with pytest.raises(AuthoringError):
        fake_build(content, dist)
    assert "sessions/02-second-session.zip" in digests(dist)


def test_cli_build_says_which_stale_packages_it_removed(tmp_path, fake_stages):
    content = mini_course(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(content), "-o", "dist"]).exit_code == 0
    rename_second_session(content, "second-look")
    result = runner.invoke(main, ["build", str(content), "-o", "dist"])
    assert result.exit_code == 0, result.output
    assert (
        "Removed dist/sessions/02-second-session.zip: no session corresponds to it any more"
        in result.output
    )


def test_an_invalid_manifest_is_a_build_error_and_writes_nothing(tmp_path, monkeypatch):
    real = scorm_packages.build_manifest

    def broken(info, scos):
        document = real(info, scos)
        root = document.getroot()
        root.remove(root.find(f"{{{IMSCP_NS}}}resources"))
        return document

    monkeypatch.setattr(scorm_packages, "build_manifest", broken)
    with pytest.raises(BuildError, match="breaks the SCORM 1.2 schemas") as raised:
        fake_build(mini_course(tmp_path), tmp_path / "dist")
    assert "imsmanifest.xml:" in str(raised.value)
    assert not (tmp_path / "dist").exists()


def test_a_rendered_file_missing_from_the_package_is_a_build_error(tmp_path):
    def forgetful(course, sessions, include_pages):
        rendered = fake_render(course, sessions, include_pages)
        del rendered.files["runtime/sco.css"]
        return rendered

    with pytest.raises(BuildError, match="not rendered: runtime/sco.css"):
        build(
            mini_course(tmp_path),
            tmp_path / "dist",
            render=forgetful,
            suspend_length=short_suspend_data,
        )
    assert not (tmp_path / "dist").exists()


def test_session_option_packages_only_those_sessions(tmp_path):
    fake_build(mini_course(tmp_path), tmp_path / "dist", sessions=["second-session"])
    assert sorted(digests(tmp_path / "dist")) == [
        "mini-course.zip",
        "sessions/02-second-session.zip",
    ]
    manifest = manifest_of(tmp_path / "dist" / "mini-course.zip")
    assert manifest.xpath("//cp:item/@identifier", namespaces=NS) == [
        "ITEM-second-session",
        "ITEM-useful-resources",
    ]


def test_an_unknown_session_is_named_with_a_suggestion(tmp_path):
    with pytest.raises(BuildError) as raised:
        fake_build(mini_course(tmp_path), tmp_path / "dist", sessions=["second-sesion"])
    assert str(raised.value) == (
        "no session 'second-sesion' in the course (did you mean 'second-session'?); "
        "sessions: what-is-recovery, second-session"
    )


def test_mastery_score_option_overrides_every_scored_session(tmp_path):
    fake_build(mini_course(tmp_path), tmp_path / "dist", mastery_score=65)
    manifest = manifest_of(tmp_path / "dist" / "mini-course.zip")
    assert manifest.xpath("//cp:item/adlcp:masteryscore/text()", namespaces=NS) == ["65", "65"]


def test_title_option_names_the_package(tmp_path):
    fake_build(mini_course(tmp_path), tmp_path / "dist", title="Peer Support (Spring)")
    manifest = manifest_of(tmp_path / "dist" / "mini-course.zip")
    assert manifest.xpath("string(//cp:organization/cp:title)", namespaces=NS) == (
        "Peer Support (Spring)"
    )


def test_malformed_source_date_epoch_is_a_build_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    with pytest.raises(BuildError, match="SOURCE_DATE_EPOCH"):
        fake_build(mini_course(tmp_path), tmp_path / "dist")


# --- The command line --------------------------------------------------------------


def test_cli_build_prints_a_summary_table(tmp_path, fake_stages):
    mini_course(tmp_path)
    result = CliRunner().invoke(main, ["build", "content", "-o", "out"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == ["package", "SCOs", "interactions", "size"]
    assert re.split(r"\s{2,}", lines[2])[:3] == ["out/mini-course.zip", "3", "4"]
    assert lines[3].startswith("out/sessions/01-what-is-recovery.zip")
    assert lines[2].endswith("KB")


def test_cli_build_reports_content_errors_with_file_and_line_and_writes_nothing(
    tmp_path, fake_stages
):
    mini_course(tmp_path, SESSION_MD.replace("correct: a", "correct: z"))
    result = CliRunner().invoke(main, ["build", "content", "-o", "out"])
    assert result.exit_code == 1
    line = SESSION_MD.split("\n").index("correct: a") + 1
    assert (
        f"content/sessions/01-what-is-recovery.md:{line}: error: question 'recovery-aim': "
        "the answer key names option 'z'"
    ) in result.stderr
    assert "Error: 1 error in the content; nothing written" in result.stderr
    assert not (tmp_path / "out").exists()


def test_cli_build_reports_an_unknown_session_without_traceback(tmp_path, fake_stages):
    mini_course(tmp_path)
    result = CliRunner().invoke(main, ["build", "content", "--session", "nope"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no session 'nope' in the course")


def test_cli_build_refuses_a_mastery_score_over_100(tmp_path, fake_stages):
    mini_course(tmp_path)
    result = CliRunner().invoke(main, ["build", "content", "--mastery-score", "101"])
    assert result.exit_code == 2
    assert "101 is not in the range 0<=x<=100" in result.stderr


# --- The shipped course, with the real render stage ----------------------------------

# What a browser would fetch from outside the package: an http(s) URL anywhere, or a
# protocol-relative '//host.tld' (a JavaScript '// comment' is not one).
EXTERNAL = re.compile(r"https?:|(?<![\w:/])//(?:[a-z0-9-]+\.)+[a-z]{2,}\b", re.IGNORECASE)
TEXT = (".html", ".htm", ".js", ".css", ".json", ".svg", ".txt", ".xml")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    """The shipped course built twice with the real stages; returns the first output folder."""
    folder = tmp_path_factory.mktemp("shipped")
    build(CONTENT, folder / "one")
    build(CONTENT, folder / "two")
    return folder


def test_shipped_course_builds_reproducibly(shipped):
    first = digests(shipped / "one")
    assert len(first) >= 2
    assert first == digests(shipped / "two")


def test_shipped_packages_pass_validate_and_the_xsds(shipped):
    for path in sorted((shipped / "one").rglob("*.zip")):
        assert validate_manifest(manifest_of(path)) == [], path.name
        assert [p.format(path.name) for p in validate_package(path)] == []


def test_no_file_of_any_package_refers_outside_the_package(shipped):
    found = []
    for path in sorted((shipped / "one").rglob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name in SCHEMA_FILES.values():
                    continue  # the official schemas, verbatim; no browser loads them
                data = archive.read(name)
                if name == "imsmanifest.xml":
                    root = etree.fromstring(data)
                    # Namespace names are names, not references; every other value counts.
                    values = [
                        value
                        for element in root.iter()
                        for key, value in element.attrib.items()
                        if key != "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
                    ] + [element.text or "" for element in root.iter()]
                    text = "\n".join(values)
                elif name.endswith(TEXT):
                    text = data.decode("utf-8")
                else:
                    continue
                for number, line in enumerate(text.splitlines(), start=1):
                    for match in EXTERNAL.finditer(line):
                        found.append(f"{path.name}:{name}:{number}: {line[match.start() :][:60]}")
    assert found == []


def test_session_packages_hold_exactly_a_render_of_that_session_alone(shipped):
    # The build cuts session packages from the course package's render; this is the proof.
    from scormgen.load.loader import load_course
    from scormgen.render.pages import render_package_files

    course = load_course(CONTENT)
    for session in course.sessions:
        direct = render_package_files(course, (session,), False)
        path = shipped / "one" / "sessions" / session_package_name(session)
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist()) - {"imsmanifest.xml", *SCHEMA_FILES.values()}
            assert names == set(direct.files), path.name
            for name, data in direct.files.items():
                assert archive.read(name) == data, f"{path.name}:{name}"
