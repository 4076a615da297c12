"""What a build wrote in its output folder, so that the next build can remove what went stale.

A renamed or deleted session leaves its old package behind (``sessions/03-old-id.zip``),
and a designer who uploads ``dist/`` to a staging LMS would upload it too. Every build
records the packages it wrote in ``<output>/.scormgen-written.json`` (path relative to
the output folder → SHA-256 of the bytes written), and removes a recorded file when:

- no session of the course corresponds to it any more (it is not one of the packages a
  full build of the course would write, ``expected``), and
- it still holds exactly the bytes the build wrote (same SHA-256).

So a file scormgen did not write is never touched, nor one someone replaced or edited
after the build. A record, rather than a marker inside our zips, because a marker
travels with a copy: ``cp dist/sessions/01-intro.zip dist/for-moodle.zip`` would
carry it, and that copy is not ours to delete. Folders from before the record existed
are not cleaned (nothing recorded, nothing removed); one build later they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from scormgen.package.archive import write_atomically

RECORD = ".scormgen-written.json"
_FORMAT = 1


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_record(output: Path) -> dict[str, str]:
    """The files the previous builds recorded (relative path → SHA-256); empty if none or unreadable."""
    try:
        data = json.loads((output / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {str(k): str(v) for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}


def _still_ours(path: Path, digest: str) -> bool:
    try:
        return path.is_file() and not path.is_symlink() and _digest(path.read_bytes()) == digest
    except OSError:
        return False


def remove_stale(
    output: Path, written: Mapping[Path, bytes], expected: Iterable[Path]
) -> list[Path]:
    """Remove the recorded files no package of the course corresponds to; record ``written``.

    ``written``: the files this build has just written; ``expected``: every package a
    full build of the course writes (a ``--session`` build keeps the other sessions'
    packages). Returns the removed paths. Call it after the packages are written.
    """
    record = read_record(output)
    keep = {_relative(output, path) for path in expected}
    removed: list[Path] = []
    remaining: dict[str, str] = {}
    for name, digest in sorted(record.items()):
        path = output / name
        if name in keep:
            if _still_ours(path, digest):
                remaining[name] = digest
            continue
        if not _still_ours(path, digest):
            continue  # gone, or changed by someone else since: no longer ours to remove
        try:
            path.unlink()
        except OSError:
            remaining[name] = digest  # try again next build
            continue
        removed.append(path)
    for path, data in written.items():
        remaining[_relative(output, path)] = _digest(data)
    record_bytes = json.dumps(
        {"format": _FORMAT, "files": dict(sorted(remaining.items()))}, indent=1
    ).encode()
    write_atomically({output / RECORD: record_bytes + b"\n"})
    return removed


def _relative(output: Path, path: Path) -> str:
    return Path(path).relative_to(output).as_posix()
