"""Reproducible zips, written whole or not at all."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from scormgen.package import archive as package
from scormgen.package.archive import DEFAULT_DATE_TIME, build_date_time, write_atomically, zip_bytes

FILES = {"b/page.html": b"<p>b</p>", "a.js": b"'use strict';", "imsmanifest.xml": b"<x/>"}


def entries(data: bytes) -> list[zipfile.ZipInfo]:
    return zipfile.ZipFile(io.BytesIO(data)).infolist()


def test_same_files_give_the_same_bytes_whatever_their_order(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert zip_bytes(FILES) == zip_bytes(dict(reversed(list(FILES.items()))))


def test_entries_are_sorted_deflated_with_fixed_time_and_permissions(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    infos = entries(zip_bytes(FILES))
    assert [i.filename for i in infos] == ["a.js", "b/page.html", "imsmanifest.xml"]
    for info in infos:
        assert info.date_time == DEFAULT_DATE_TIME
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.external_attr >> 16 == 0o100644
        assert info.create_system == 3


def test_source_date_epoch_sets_the_timestamp(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000001")  # 2023-11-14 22:13:21 UTC
    assert build_date_time() == (2023, 11, 14, 22, 13, 20)  # zip times are even seconds
    assert entries(zip_bytes(FILES))[0].date_time == (2023, 11, 14, 22, 13, 20)


def test_source_date_epoch_before_1980_is_clamped(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert build_date_time() == (1980, 1, 1, 0, 0, 0)


def test_a_malformed_source_date_epoch_is_refused(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH must be a whole number"):
        build_date_time()


def test_write_atomically_writes_every_file(tmp_path):
    write_atomically({tmp_path / "a.zip": b"A", tmp_path / "sub" / "b.zip": b"B"})
    assert (tmp_path / "a.zip").read_bytes() == b"A"
    assert (tmp_path / "sub" / "b.zip").read_bytes() == b"B"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.zip", "b.zip", "sub"]


def test_a_failed_write_leaves_no_file_and_no_temporary(tmp_path, monkeypatch):
    (tmp_path / "a.zip").write_bytes(b"old")
    real_replace = os.replace
    calls = []

    def failing_replace(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr(package.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomically({tmp_path / "b.zip": b"B", tmp_path / "c.zip": b"C"})
    # b.zip was complete when renamed; c.zip never appears, not even in part.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip", "b.zip"]
    assert (tmp_path / "a.zip").read_bytes() == b"old"


def test_a_failure_while_staging_writes_nothing(tmp_path):
    with pytest.raises(TypeError):
        write_atomically({tmp_path / "a.zip": b"A", tmp_path / "b.zip": "not bytes"})  # type: ignore[dict-item]
    assert list(tmp_path.iterdir()) == []
