"""Check any SCORM 1.2 zip the way an importing LMS would, before a learner meets the problem.

``validate_package(path)`` returns one ``Problem`` per finding:

- errors (an LMS refuses the package, or a learner hits a broken page): a bad
  zip; an unsafe member name (absolute, ``..``, backslashes, duplicates); no
  ``imsmanifest.xml`` at the root; a manifest that is not well-formed or breaks
  the SCORM 1.2 schemas; an ``identifierref`` or ``default`` naming nothing; a
  launched resource without ``adlcp:scormtype`` or ``href``; a referenced file
  that is not in the zip; a mastery score outside 0-100;
- warnings (imports, but worth a look): files no resource lists (the schema files
  at the root are conventional and not reported); references to external URLs.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from lxml import etree

from scormgen.package.scorm.xsd import ADLCP_NS, IMSCP_NS, SCHEMA_FILES, XML_NS, validate_manifest

MANIFEST = "imsmanifest.xml"
TEXT_SUFFIXES = {".html", ".htm", ".xhtml", ".js", ".mjs", ".css", ".json", ".svg", ".txt", ".xml"}

# An external reference: an http(s) URL anywhere, or a protocol-relative '//host.tld'
# (not a '// comment' in JavaScript: a host has a dot and a top-level domain).
EXTERNAL_URL = re.compile(
    r"https?:|(?<![\w:/])//(?:[a-z0-9-]+\.)+[a-z]{2,}\b",
    re.IGNORECASE,
)

# Names, not references: a browser loads neither a namespace name nor a DOCTYPE's
# system identifier, so they are blanked (keeping line numbers) before the scan.
_NOT_REFERENCES = re.compile(
    r"""<!DOCTYPE[^>]*>|\bxmlns(?::[\w.-]+)?\s*=\s*("[^"]*"|'[^']*')""", re.I
)

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    level: Level
    code: str
    message: str
    member: str = ""  # the zip member it is about, if any
    line: int = 0

    def location(self, package: str) -> str:
        where = package
        if self.member:
            where += f":{self.member}"
            if self.line:
                where += f":{self.line}"
        return where

    def format(self, package: str) -> str:
        return f"{self.location(package)}: {self.level}: {self.message} [{self.code}]"


def _error(code: str, message: str, member: str = "", line: int = 0) -> Problem:
    return Problem("error", code, message, member, line)


def _warning(code: str, message: str, member: str = "", line: int = 0) -> Problem:
    return Problem("warning", code, message, member, line)


def _member_problems(names: list[str]) -> Iterator[Problem]:
    seen: set[str] = set()
    for name in names:
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
            yield _error("zip.absolute-path", f"member name {name!r} is an absolute path")
        elif "\\" in name:
            yield _error(
                "zip.backslash", f"member name {name!r} uses backslashes; zips use '/' only"
            )
        elif ".." in name.split("/"):
            yield _error(
                "zip.parent-path", f"member name {name!r} climbs out of the package ('..')"
            )
        if name in seen:
            yield _error("zip.duplicate", f"member {name!r} appears more than once")
        seen.add(name)


def _is_external(href: str) -> bool:
    parts = urlsplit(href)
    return bool(parts.scheme or parts.netloc)


def _resolve(base: str, href: str) -> str:
    """The zip member a package-relative href points at (query and fragment dropped)."""
    path = unquote(urlsplit(href).path)
    return posixpath.normpath(posixpath.join(base, path)).lstrip("/")


def _xml_base(element: etree._Element) -> str:
    """The combined xml:base of the element and its ancestors (CP 1.1.2 resources/resource)."""
    bases = [e.get(f"{{{XML_NS}}}base", "") for e in (element, *element.iterancestors())]
    combined = ""
    for base in reversed(bases):
        if base:
            combined = posixpath.join(combined, base)
    return combined


def _manifest_problems(
    document: etree._ElementTree, members: set[str]
) -> tuple[list[Problem], set[str]]:
    problems: list[Problem] = []
    referenced: set[str] = set()
    cp = {"cp": IMSCP_NS, "adlcp": ADLCP_NS}
    root = document.getroot()

    resources = {r.get("identifier"): r for r in root.iterfind(".//cp:resource", cp)}
    organizations = {o.get("identifier") for o in root.iterfind(".//cp:organization", cp)}
    for element in root.iterfind("cp:organizations", cp):
        default = element.get("default")
        if default and default not in organizations:
            problems.append(
                _error(
                    "manifest.default",
                    f"organizations default {default!r} names no organization",
                    MANIFEST,
                    element.sourceline or 0,
                )
            )
    if not organizations:
        problems.append(_warning("manifest.no-organization", "no organization", MANIFEST))

    launched: set[str] = set()
    for item in root.iterfind(".//cp:item", cp):
        ref = item.get("identifierref")
        if ref is None:
            continue
        if ref not in resources:
            problems.append(
                _error(
                    "manifest.identifierref",
                    f"item {item.get('identifier')!r} refers to resource {ref!r}, "
                    "which the manifest does not declare",
                    MANIFEST,
                    item.sourceline or 0,
                )
            )
        else:
            launched.add(ref)
    for dependency in root.iterfind(".//cp:dependency", cp):
        ref = dependency.get("identifierref")
        if ref not in resources:
            problems.append(
                _error(
                    "manifest.identifierref",
                    f"dependency refers to resource {ref!r}, which the manifest does not declare",
                    MANIFEST,
                    dependency.sourceline or 0,
                )
            )

    for mastery in root.iterfind(".//cp:item/adlcp:masteryscore", cp):
        text = (mastery.text or "").strip()
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0 <= value <= 100:
            problems.append(
                _error(
                    "manifest.masteryscore",
                    f"masteryscore {text!r} is not a number from 0 to 100",
                    MANIFEST,
                    mastery.sourceline or 0,
                )
            )

    for identifier, resource in resources.items():
        line = resource.sourceline or 0
        base = _xml_base(resource)
        scormtype = resource.get(f"{{{ADLCP_NS}}}scormtype")
        if identifier in launched and scormtype is None:
            problems.append(
                _error(
                    "manifest.scormtype",
                    f"resource {identifier!r} is launched by an item but has no "
                    "adlcp:scormtype ('sco' or 'asset')",
                    MANIFEST,
                    line,
                )
            )
        hrefs = [(resource.get("href"), line, True)] + [
            (f.get("href"), f.sourceline or 0, False) for f in resource.iterfind("cp:file", cp)
        ]
        if identifier in launched and not resource.get("href"):
            problems.append(
                _error(
                    "manifest.no-launch",
                    f"resource {identifier!r} is launched by an item but has no href",
                    MANIFEST,
                    line,
                )
            )
        for href, href_line, is_launch in hrefs:
            if not href:
                continue
            if _is_external(href):
                problems.append(
                    _warning(
                        "manifest.external",
                        f"resource {identifier!r} refers to {href!r} outside the package",
                        MANIFEST,
                        href_line,
                    )
                )
                continue
            target = _resolve(base, href)
            referenced.add(target)
            if target not in members:
                problems.append(
                    _error(
                        "manifest.missing-file",
                        f"resource {identifier!r} {'launches' if is_launch else 'lists'} "
                        f"{href!r}, which is not in the package",
                        MANIFEST,
                        href_line,
                    )
                )
    return problems, referenced


def _external_url_problems(archive: zipfile.ZipFile, names: list[str]) -> Iterator[Problem]:
    for name in names:
        if name == MANIFEST or name in SCHEMA_FILES.values():
            continue  # namespace names in XML are not references; hrefs are checked above
        if posixpath.splitext(name)[1].lower() not in TEXT_SUFFIXES:
            continue
        text = archive.read(name).decode("utf-8", errors="replace")
        text = _NOT_REFERENCES.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
        hits = [
            (text.count("\n", 0, match.start()) + 1, match) for match in EXTERNAL_URL.finditer(text)
        ]
        if hits:
            line, match = hits[0]
            snippet = re.split(r"[\s\"'()<>]", text[match.start() : match.start() + 80])[0]
            more = f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
            yield _warning(
                "content.external-url",
                f"refers outside the package: {snippet!r}{more}",
                name,
                line,
            )


def validate_package(path: str | Path) -> list[Problem]:
    """Every problem an importing LMS (or a learner) would meet in the SCORM 1.2 zip at ``path``."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        return [_error("zip.unreadable", f"not a readable zip file: {error}")]
    with archive:
        names = [info.filename for info in archive.infolist() if not info.is_dir()]
        problems = list(_member_problems(names))
        members = set(names)
        if MANIFEST not in members:
            nested = [n for n in names if posixpath.basename(n) == MANIFEST]
            hint = f" (found at {nested[0]!r}: zip the folder's contents, not the folder)"
            return [
                *problems,
                _error(
                    "zip.no-manifest",
                    f"no {MANIFEST} at the root of the zip{hint if nested else ''}",
                ),
            ]
        parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
        try:
            document = etree.ElementTree(etree.fromstring(archive.read(MANIFEST), parser))
        except etree.XMLSyntaxError as error:
            return [
                *problems,
                _error(
                    "manifest.not-xml",
                    f"not well-formed XML: {error.msg}",
                    MANIFEST,
                    error.lineno or 0,
                ),
            ]
        for schema_error in validate_manifest(document):
            problems.append(
                _error("manifest.schema", schema_error.message, MANIFEST, schema_error.line)
            )
        manifest_problems, referenced = _manifest_problems(document, members)
        problems.extend(manifest_problems)
        schema_names = set(SCHEMA_FILES.values())
        for name in names:
            if name == MANIFEST or name in referenced or name in schema_names:
                continue
            problems.append(
                _warning(
                    "package.unlisted-file", "no resource in the manifest lists this file", name
                )
            )
        problems.extend(_external_url_problems(archive, names))
    return problems
