"""What the manifests of every package format share: the package's description, and
manifest identifiers made from the content's stable ids (so a re-published package keeps
what the LMS has recorded against them)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Manifest identifiers are xsd:ID, i.e. XML NCNames: letters, digits, '.', '-', '_',
# not starting with a digit, '.' or '-'. A prefix keeps any content id (a slug that
# may start with a digit) a valid NCName.
_NCNAME = re.compile(r"^[A-Za-z_][\w.-]*$")


def identifier(prefix: str, content_id: str) -> str:
    """``PREFIX-content-id``, checked to be a valid xsd:ID."""
    value = f"{prefix}-{content_id}"
    if not _NCNAME.match(value):
        raise ValueError(f"{value!r} is not a valid manifest identifier (xsd:ID)")
    return value


@dataclass(frozen=True)
class ManifestInfo:
    """What a manifest says about the package as a whole."""

    identifier: str  # stable content id of the package (course id, or course id + session id)
    version: str
    title: str  # the organization title the LMS shows
    description: str = ""
    language: str = ""
