"""Reproducible zip files, written whole or not at all.

The same files give the same bytes: entries sorted by name, one fixed
timestamp (``SOURCE_DATE_EPOCH`` when set, as reproducible-builds.org
specifies, else a fixed date), fixed permissions and creator system, deflate
at a fixed level. A zip is written to a temporary file beside its target and
renamed over it only once complete, so a failure never leaves half a zip.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
import zipfile
from collections.abc import Mapping
from pathlib import Path

#: Used when SOURCE_DATE_EPOCH is not set (2000-01-01 00:00:00; any fixed date would do).
DEFAULT_DATE_TIME = (2000, 1, 1, 0, 0, 0)
# The zip format counts time from 1980 (MS-DOS dates).
_ZIP_EPOCH = 315532800
_PERMISSIONS = 0o100644 << 16  # regular file, rw-r--r--
_UNIX = 3
_LEVEL = 6


def build_date_time() -> tuple[int, int, int, int, int, int]:
    """The timestamp every entry gets: ``SOURCE_DATE_EPOCH`` (UTC) if set, else a fixed date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return DEFAULT_DATE_TIME
    try:
        seconds = int(epoch)
    except ValueError:
        raise ValueError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {epoch!r}"
        ) from None
    # Zip times have two-second resolution and cannot go before 1980.
    moment = time.gmtime(max(seconds, _ZIP_EPOCH))
    return (*moment[:5], moment.tm_sec - moment.tm_sec % 2)  # type: ignore[return-value]


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """A zip of ``files`` (package-relative path → content) that depends on nothing else."""
    date_time = build_date_time()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = _UNIX
            info.external_attr = _PERMISSIONS
            archive.writestr(info, files[name], compresslevel=_LEVEL)
    return buffer.getvalue()


def write_atomically(targets: Mapping[Path, bytes]) -> None:
    """Write every file, or none: each goes to a temporary file, then all are renamed.

    The renames come only after every temporary file is complete, so a full disk
    or an unwritable folder leaves the previous files (if any) in place.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for target, data in targets.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".part", dir=target.parent
            )
            staged.append((temporary, target))
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o644)
        for temporary, target in staged:
            os.replace(temporary, target)
    finally:
        for temporary, _ in staged:
            if os.path.exists(temporary):
                os.unlink(temporary)
