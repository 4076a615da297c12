"""Fixtures shared by the scormgen build and package tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from scormgen.render.files import RenderedFiles, RenderedSco


def fake_render(course, sessions, include_pages: bool) -> RenderedFiles:
    """A stand-in for ``scormgen.render.render_package_files``: one tiny page per SCO.

    It keeps the pipeline tests (checks, manifest, zip, write) independent of the
    pages' design; the tests that need real pages use the real renderer.
    """
    shared = ("runtime/sco.js", "runtime/sco.css")
    files = {
        "runtime/sco.js": b"'use strict';\n",
        "runtime/sco.css": b"body { margin: 0; }\n",
    }
    scos = []
    for session in sessions:
        launch = f"{session.number:02d}-{session.id}/index.html"
        files[launch] = f"<!doctype html><title>{session.title}</title>\n".encode()
        scos.append(
            RenderedSco(session.id, session.title, launch, (launch, *shared), session.mastery_score)
        )
    if include_pages:
        for page in course.pages:
            launch = f"{page.id}/index.html"
            files[launch] = f"<!doctype html><title>{page.title}</title>\n".encode()
            scos.append(RenderedSco(page.id, page.title, launch, (launch, *shared), None))
    return RenderedFiles(files=files, scos=tuple(scos))


def short_suspend_data(course, session) -> int:
    """A stand-in for ``scormgen.package.scorm.suspend.worst_case_suspend_data_length`` well under 4096."""
    return 100


def fake_build(content, output, **options):
    """``scormgen.build.build`` with the stand-in render and suspend stages."""
    from scormgen.build import build

    return build(content, output, render=fake_render, suspend_length=short_suspend_data, **options)


@pytest.fixture
def fake_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line's build uses the stand-in render and suspend stages."""
    from scormgen import build as build_module

    monkeypatch.setattr(build_module, "_default_render", lambda: fake_render)
    monkeypatch.setattr(build_module, "_default_suspend_length", lambda: short_suspend_data)


@pytest.fixture
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from tmp_path so diagnostics show author-relative paths like content/sessions/..."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
