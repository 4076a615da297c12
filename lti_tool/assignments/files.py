"""Learners' attached files: their type told by their content, their bytes kept outside any
served folder under random names.

* ``detect(head, path)`` says what a file is from its bytes, never its name: a PDF starts with
  ``%PDF-``; an ODF text document is a zip whose first entry is ``mimetype`` holding
  ``application/vnd.oasis.opendocument.text`` (OpenDocument 1.2 part 3, §3.3); a Word
  document is a zip with ``[Content_Types].xml`` and ``word/document.xml`` (ECMA-376 part 2).
  Anything else (HTML named ``.pdf``, a renamed program, a spreadsheet) is refused. Only the
  zip's directory and the tiny ``mimetype`` entry are read: nothing is decompressed besides.
* ``FileStore`` writes under ``ASSIGNMENT_FILES_DIR`` (default: ``assignment_files`` in the
  instance folder, mode 0700), fsyncs before the database row is committed, and deletes a
  file's bytes only after the transaction that forgot it has committed.
"""

from __future__ import annotations

import os
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
EXTENSIONS = {PDF: "pdf", DOCX: "docx", ODT: "odt"}
SESSION_KEY = "lti_tool.assignments.delete_after_commit"
_NAME_CHARS = set("0123456789abcdef")


@dataclass(frozen=True)
class Kind:
    media_type: str
    extension: str


def detect(stream: IO[bytes]) -> Kind | None:
    """The kind of the file in ``stream`` (seekable), from its content; ``None`` if not allowed."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return Kind(PDF, "pdf")
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            first = entries[0] if entries else None
            if (
                first is not None
                and first.filename == "mimetype"
                and first.file_size < 100
                and archive.read("mimetype").strip() == ODT.encode()
            ):
                return Kind(ODT, "odt")
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return Kind(DOCX, "docx")
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return None
    finally:
        stream.seek(0)
    return None


def display_name(filename: str | None, kind: Kind) -> str:
    """A safe name to show and to download as: the learner's, tidied, with the true extension."""
    base = os.path.basename((filename or "").replace("\\", "/"))
    stem = base.rsplit(".", 1)[0] if "." in base else base
    cleaned = "".join(ch if ch.isalnum() or ch in " -_()" else "_" for ch in stem).strip()
    return f"{(cleaned or 'attachment')[:120]}.{kind.extension}"


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def of(cls, app: Flask | None = None) -> FileStore:
        app = app or current_app
        configured = app.config.get("ASSIGNMENT_FILES_DIR")
        root = Path(configured) if configured else Path(app.instance_path) / "assignment_files"
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        return cls(root)

    def path(self, storage_name: str) -> Path:
        if len(storage_name) != 32 or not set(storage_name) <= _NAME_CHARS:
            raise ValueError("not a storage name")
        return self.root / storage_name

    def save(self, stream: IO[bytes], limit: int) -> tuple[str, int, str] | None:
        """Write ``stream`` under a new random name: (name, size, sha256), or ``None`` when it
        is larger than ``limit`` bytes (nothing is kept then)."""
        import hashlib

        name = secrets.token_hex(16)
        target = self.path(name)
        partial = target.with_suffix(".part")
        digest = hashlib.sha256()
        size = 0
        stream.seek(0)
        with open(partial, "xb") as out:
            while chunk := stream.read(1024 * 1024):
                size += len(chunk)
                if size > limit:
                    out.close()
                    partial.unlink(missing_ok=True)
                    return None
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(partial, 0o600)
        os.replace(partial, target)
        return name, size, digest.hexdigest()

    def delete(self, storage_name: str) -> None:
        self.path(storage_name).unlink(missing_ok=True)

    def delete_after_commit(self, session: Session, storage_name: str) -> None:
        """Delete the bytes once ``session`` commits (kept if it rolls back)."""
        session.info.setdefault(SESSION_KEY, []).append((self, storage_name))


@event.listens_for(Session, "after_commit")
def _delete_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released: the real commit is still to come
    for store, storage_name in session.info.pop(SESSION_KEY, ()):
        store.delete(storage_name)


@event.listens_for(Session, "after_rollback")
def _keep_rolled_back(session: Session) -> None:
    session.info.pop(SESSION_KEY, None)
