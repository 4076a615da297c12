"""``scormgen preview`` plays a built package in a minimal LMS frame with the data model beside it."""

from __future__ import annotations

import zipfile

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect

import scormgen.package.scorm.preview as preview
from scormgen.build import build
from scormgen.cli import main
from scormgen.package.scorm.preview import PreviewError, read_package, start_preview
from tests.sco_browser.harness import CONTENT


@pytest.fixture(scope="module")
def session_package(tmp_path_factory) -> str:
    output = tmp_path_factory.mktemp("dist")
    build(CONTENT, output, sessions=["course-introduction"])
    [package] = (output / "sessions").glob("01-*.zip")
    return str(package)


@pytest.fixture
def preview_address(session_package):
    server, scos = start_preview(session_package)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", scos
    finally:
        server.shutdown()
        server.server_close()


def answer_first_question_and_read_the_panel(context, address):
    page = context.new_page()
    page.goto(address)
    content = page.frame_locator("#sco")
    region = content.get_by_role("region", name="Knowledge check 1", exact=True)
    choices = region.get_by_role("radio")
    if not choices.count():
        choices = region.get_by_role("checkbox")
    choices.first.check()
    region.get_by_role("button", name="Check answer").click()
    expect(region.get_by_role("status")).not_to_be_empty()
    return page


@pytest.mark.browser
def test_preview_plays_the_sco_and_shows_calls_and_interactions_live(context, preview_address):
    address, scos = preview_address
    assert [sco.title for sco in scos] == ["Session 1: Course Introduction"]
    page = answer_first_question_and_read_the_panel(context, address)
    expect(page.locator("#api-kind")).to_have_text("API: scorm-again SCORM 1.2")
    expect(page.locator("#calls")).to_contain_text("LMSInitialize()")
    expect(page.locator("#interactions")).to_contain_text("0.id")
    expect(page.locator("#core")).to_contain_text("cmi.core.lesson_status")
    expect(page.locator("#calls tr.bad")).to_have_count(0)


@pytest.mark.browser
def test_preview_falls_back_to_a_built_in_api_without_scorm_again(
    context, session_package, monkeypatch, tmp_path
):
    monkeypatch.setattr(preview, "SCORM_AGAIN", tmp_path / "missing.js")
    server, _scos = start_preview(session_package)
    try:
        address = f"http://127.0.0.1:{server.server_address[1]}/"
        page = answer_first_question_and_read_the_panel(context, address)
        expect(page.locator("#api-kind")).to_contain_text("built-in stand-in")
        expect(page.locator("#interactions")).to_contain_text("0.result")
        expect(page.locator("#calls tr.bad")).to_have_count(0)
    finally:
        server.shutdown()
        server.server_close()


def test_preview_refuses_what_is_not_a_package(tmp_path):
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("hello", encoding="utf-8")
    with pytest.raises(PreviewError, match="not a zip file"):
        read_package(not_zip)
    no_manifest = tmp_path / "empty.zip"
    with zipfile.ZipFile(no_manifest, "w") as archive:
        archive.writestr("index.html", "<p>hi</p>")
    with pytest.raises(PreviewError, match="no imsmanifest.xml at the root"):
        read_package(no_manifest)
    result = CliRunner().invoke(main, ["preview", str(no_manifest)])
    assert result.exit_code == 1
    assert "no imsmanifest.xml at the root" in result.output
    assert "Traceback" not in result.output
