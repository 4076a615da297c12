"""``scormgen validate``: any SCORM 1.2 zip checked the way an importing LMS would."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from scormgen.cli import main
from scormgen.package.archive import zip_bytes
from scormgen.package.scorm.manifest import ManifestInfo, build_manifest
from scormgen.package.scorm.validate import validate_package
from scormgen.package.scorm.xsd import schema_bytes
from scormgen.package.xmlschema import serialize
from scormgen.render.files import RenderedSco
from tests.scormgen.paths import shared_file

GOLF = ("fixtures", "scorm12", "golf_runtime_basic_calls_scorm12.zip")

SCO = RenderedSco("intro", "Intro", "sco/intro.html", ("sco/intro.html", "sco/app.js"), 80)
PAGE = b"<!doctype html><title>Intro</title><script src='app.js'></script>\n"


def manifest(scos=(SCO,)) -> bytes:
    return serialize(build_manifest(ManifestInfo("pkg", "1", "Package"), scos))


def good_files() -> dict[str, bytes]:
    return {
        "imsmanifest.xml": manifest(),
        "sco/intro.html": PAGE,
        "sco/app.js": b"// SCORM 1.2 RTE 3.4: finish once\n",
        **schema_bytes(),
    }


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def problems(path: Path) -> list[str]:
    return [p.format("p.zip") for p in validate_package(path)]


def codes(path: Path) -> list[tuple[str, str]]:
    return [(p.level, p.code) for p in validate_package(path)]


def test_a_well_formed_package_has_no_problem(tmp_path):
    path = tmp_path / "p.zip"
    path.write_bytes(zip_bytes(good_files()))
    assert problems(path) == []


def test_the_golf_sample_passes_with_warnings_for_its_external_links():
    found = validate_package(shared_file(*GOLF))
    assert [p for p in found if p.level == "error"] == []
    # Its unlisted XSDs at the root are normal for SCORM 1.2: not reported at all.
    assert {p.code for p in found} == {"content.external-url"}
    assert any(p.member == "Etiquette/Course.html" for p in found)


def test_not_a_zip(tmp_path):
    path = tmp_path / "p.zip"
    path.write_bytes(b"PK not really")
    assert codes(path) == [("error", "zip.unreadable")]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("/etc/passwd", "zip.absolute-path"),
        ("C:/evil.html", "zip.absolute-path"),
        ("../outside.html", "zip.parent-path"),
        ("sco/../../outside.html", "zip.parent-path"),
        ("sco\\intro.html", "zip.backslash"),
    ],
)
def test_unsafe_member_names(tmp_path, name, code):
    files = good_files()
    files[name] = b"x"
    assert ("error", code) in codes(write_zip(tmp_path / "p.zip", files))


def test_unsafe_member_name_message(tmp_path):
    files = good_files()
    files["../outside.html"] = b"x"
    assert (
        "p.zip: error: member name '../outside.html' climbs out of the package ('..') "
        "[zip.parent-path]"
    ) in problems(write_zip(tmp_path / "p.zip", files))


def test_manifest_must_be_at_the_root(tmp_path):
    files = {f"course/{name}": data for name, data in good_files().items()}
    assert problems(write_zip(tmp_path / "p.zip", files)) == [
        "p.zip: error: no imsmanifest.xml at the root of the zip (found at "
        "'course/imsmanifest.xml': zip the folder's contents, not the folder) [zip.no-manifest]"
    ]


def test_manifest_that_is_not_xml(tmp_path):
    files = good_files()
    files["imsmanifest.xml"] = b"<manifest>\n<oops>\n</manifest>"
    assert codes(write_zip(tmp_path / "p.zip", files)) == [("error", "manifest.not-xml")]


def test_manifest_that_breaks_the_schemas(tmp_path):
    files = good_files()
    files["imsmanifest.xml"] = files["imsmanifest.xml"].replace(
        b'adlcp:scormtype="sco"', b'adlcp:scormtype="lesson"'
    )
    found = validate_package(write_zip(tmp_path / "p.zip", files))
    assert [(p.code, p.member) for p in found] == [("manifest.schema", "imsmanifest.xml")]
    assert found[0].line > 1
    assert "lesson" in found[0].message


def test_identifierref_naming_no_resource(tmp_path):
    files = good_files()
    files["imsmanifest.xml"] = files["imsmanifest.xml"].replace(
        b'identifierref="RES-intro"', b'identifierref="RES-missing"'
    )
    found = problems(write_zip(tmp_path / "p.zip", files))
    assert any(
        "error: item 'ITEM-intro' refers to resource 'RES-missing', which the manifest does "
        "not declare [manifest.identifierref]" in line
        for line in found
    ), found


def test_referenced_file_missing_from_the_zip(tmp_path):
    files = good_files()
    del files["sco/app.js"]
    found = problems(write_zip(tmp_path / "p.zip", files))
    assert len(found) == 1
    assert found[0].startswith("p.zip:imsmanifest.xml:")
    assert found[0].endswith(
        "error: resource 'RES-intro' lists 'sco/app.js', which is not in the package "
        "[manifest.missing-file]"
    )


def test_launch_page_missing_from_the_zip(tmp_path):
    files = good_files()
    del files["sco/intro.html"]
    found = codes(write_zip(tmp_path / "p.zip", files))
    assert found == [("error", "manifest.missing-file"), ("error", "manifest.missing-file")]


@pytest.mark.parametrize("score", [b"150", b"-1", b"high"])
def test_masteryscore_out_of_range(tmp_path, score):
    files = good_files()
    files["imsmanifest.xml"] = files["imsmanifest.xml"].replace(
        b"<adlcp:masteryscore>80<", b"<adlcp:masteryscore>" + score + b"<"
    )
    assert codes(write_zip(tmp_path / "p.zip", files)) == [("error", "manifest.masteryscore")]


def test_launched_resource_without_scormtype(tmp_path):
    files = good_files()
    files["imsmanifest.xml"] = files["imsmanifest.xml"].replace(b' adlcp:scormtype="sco"', b"")
    assert codes(write_zip(tmp_path / "p.zip", files)) == [("error", "manifest.scormtype")]


def test_file_never_referenced_is_a_warning(tmp_path):
    files = good_files()
    files["notes/todo.txt"] = b"remember"
    assert problems(write_zip(tmp_path / "p.zip", files)) == [
        "p.zip:notes/todo.txt: warning: no resource in the manifest lists this file "
        "[package.unlisted-file]"
    ]


def test_external_urls_are_warnings_with_their_line(tmp_path):
    files = good_files()
    files["sco/intro.html"] = PAGE + b'<script src="//cdn.example.com/x.js"></script>\n'
    files["sco/app.js"] = b"// comment, not a URL\nfetch('https://example.org/api');\n"
    # In the zip's member order.
    assert problems(write_zip(tmp_path / "p.zip", files)) == [
        "p.zip:sco/intro.html:2: warning: refers outside the package: '//cdn.example.com/x.js' "
        "[content.external-url]",
        "p.zip:sco/app.js:2: warning: refers outside the package: 'https://example.org/api' "
        "[content.external-url]",
    ]


def test_namespace_names_and_doctypes_are_not_references(tmp_path):
    files = good_files()
    files["sco/intro.html"] = (
        b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" '
        b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        b'<html xmlns="http://www.w3.org/1999/xhtml"><svg xmlns="http://www.w3.org/2000/svg"/>'
        b"</html>\n"
    )
    assert problems(write_zip(tmp_path / "p.zip", files)) == []


def test_external_resource_href_is_a_warning(tmp_path):
    external = RenderedSco("web", "Web", "https://example.org/course", (), None)
    files = good_files()
    files["imsmanifest.xml"] = manifest((SCO, external))
    assert codes(write_zip(tmp_path / "p.zip", files)) == [
        ("warning", "manifest.external"),
        ("warning", "manifest.external"),
    ]


# --- The command line --------------------------------------------------------------


def test_cli_validate_exits_0_with_a_summary_for_a_good_package(tmp_path):
    path = tmp_path / "p.zip"
    path.write_bytes(zip_bytes(good_files()))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "1 package: 0 errors, 0 warnings\n"


def test_cli_validate_exits_1_and_prints_one_line_per_error(tmp_path):
    files = good_files()
    del files["sco/app.js"]
    files["../x"] = b""
    path = write_zip(tmp_path / "p.zip", files)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 3  # unsafe name, missing file, unlisted '../x'
    assert all(str(path) in line for line in lines)
    assert "Error: 1 package: 2 errors, 1 warnings" in result.stderr


def test_cli_validate_warnings_pass_unless_strict(tmp_path):
    files = good_files()
    files["extra.txt"] = b""
    path = write_zip(tmp_path / "p.zip", files)
    assert CliRunner().invoke(main, ["validate", str(path)]).exit_code == 0
    assert CliRunner().invoke(main, ["validate", "--strict", str(path)]).exit_code == 1
