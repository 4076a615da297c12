"""What the render stage hands the package stage: files, and the SCOs that launch them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderedSco:
    """One launchable SCO of a package.

    ``files`` lists every package file the SCO uses (its launch page first, then
    the shared assets), so the manifest can list them in the SCO's resource.
    """

    identifier: str  # manifest item/resource identifier stem, from the stable content id
    title: str
    launch: str  # package-relative path of the launch page
    files: tuple[str, ...]
    mastery_score: int | None


@dataclass(frozen=True)
class RenderedFiles:
    """Every file of a package except the manifest and schemas, keyed by package-relative path."""

    files: dict[str, bytes]
    scos: tuple[RenderedSco, ...]
