"""Noticing a save: poll the modification times under a few folders.

Polling, not inotify (``watchfiles``): the course is a few dozen files, a walk of them
ten times a second costs next to nothing, it needs no dependency, and it sees every
way an editor saves (in place, or a new file renamed over the old one), on every OS
and on network or container mounts, where file events are often missing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

#: Seconds between two looks; a save is seen within this (plus the settling look).
INTERVAL = 0.1

Snapshot = dict[str, tuple[int, int]]


def source_roots(content_dir: str | os.PathLike) -> list[Path]:
    """What a build reads: the content, the page templates and the page runtime."""
    from scormgen.render.pages import RUNTIME_DIR, TEMPLATES_DIR

    return [Path(content_dir), TEMPLATES_DIR, RUNTIME_DIR]


def snapshot(roots: Iterable[Path]) -> Snapshot:
    """Every file under ``roots`` with its (mtime in ns, size); editors' temporary files aside."""
    seen: Snapshot = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith((".", "__pycache__"))]
            for name in files:
                if name.startswith(".") or name.endswith(("~", ".swp", ".part")):
                    continue
                path = os.path.join(folder, name)
                try:
                    stat = os.stat(path)
                except OSError:
                    continue  # removed between the listing and the look
                seen[path] = (stat.st_mtime_ns, stat.st_size)
    return seen


def watch(
    roots: Iterable[Path],
    on_change: Callable[[], None],
    stop: threading.Event,
    interval: float = INTERVAL,
    since: Snapshot | None = None,
) -> None:
    """Call ``on_change()`` after each save under ``roots`` until ``stop`` is set.

    ``since``: the files as the last build read them (a snapshot taken before it),
    so that a save during that build is not missed; default, the files now. A
    change is acted on once the files have stayed the same for one more look, so
    that a save in several writes (or a whole folder copied in) gives one rebuild.
    """
    roots = [Path(root) for root in roots]
    last = snapshot(roots) if since is None else since
    while not stop.wait(interval):
        now = snapshot(roots)
        if now == last:
            continue
        while not stop.wait(interval / 2):
            settled = snapshot(roots)
            if settled == now:
                break
            now = settled
        last = now
        if not stop.is_set():
            on_change()
