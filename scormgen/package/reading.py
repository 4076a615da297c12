"""Reading a package back the way an importing LMS would: what every format's validator shares.

A ``Problem`` is one finding, printed ``package:member:line: level: message [code]``.
``open_package`` checks the zip and its member names and parses ``imsmanifest.xml``;
``reference_problems`` checks that items and dependencies name declared resources;
``file_problems`` that every file a resource names is in the zip;
``external_url_problems`` warns about pages that reach outside the package.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from lxml import etree

from scormgen.package.xmlschema import safe_parser

MANIFEST = "imsmanifest.xml"
XML_NS = "http://www.w3.org/XML/1998/namespace"
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


def error(code: str, message: str, member: str = "", line: int = 0) -> Problem:
    return Problem("error", code, message, member, line)


def warning(code: str, message: str, member: str = "", line: int = 0) -> Problem:
    return Problem("warning", code, message, member, line)


def member_problems(names: list[str]) -> Iterator[Problem]:
    seen: set[str] = set()
    for name in names:
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
            yield error("zip.absolute-path", f"member name {name!r} is an absolute path")
        elif "\\" in name:
            yield error(
                "zip.backslash", f"member name {name!r} uses backslashes; zips use '/' only"
            )
        elif ".." in name.split("/"):
            yield error("zip.parent-path", f"member name {name!r} climbs out of the package ('..')")
        if name in seen:
            yield error("zip.duplicate", f"member {name!r} appears more than once")
        seen.add(name)


def is_external(href: str) -> bool:
    parts = urlsplit(href)
    return bool(parts.scheme or parts.netloc)


def resolve(base: str, href: str) -> str:
    """The zip member a package-relative href points at (query and fragment dropped)."""
    path = unquote(urlsplit(href).path)
    return posixpath.normpath(posixpath.join(base, path)).lstrip("/")


def xml_base(element: etree._Element) -> str:
    """The combined xml:base of the element and its ancestors (CP resources/resource)."""
    bases = [e.get(f"{{{XML_NS}}}base", "") for e in (element, *element.iterancestors())]
    combined = ""
    for base in reversed(bases):
        if base:
            combined = posixpath.join(combined, base)
    return combined


def parse_member(
    archive: zipfile.ZipFile, name: str, code: str = "xml.not-well-formed"
) -> tuple[etree._ElementTree | None, Problem | None]:
    """A member parsed as XML, or the problem (``code``) that stops it."""
    try:
        return etree.ElementTree(etree.fromstring(archive.read(name), safe_parser())), None
    except etree.XMLSyntaxError as failure:
        return None, error(code, f"not well-formed XML: {failure.msg}", name, failure.lineno or 0)


@dataclass
class OpenPackage:
    """A readable zip with its member names, the problems found so far and its manifest."""

    archive: zipfile.ZipFile
    names: list[str]
    problems: list[Problem]
    manifest: etree._ElementTree | None


def open_package(path: str | Path) -> OpenPackage | list[Problem]:
    """The package opened with its manifest parsed, or the problems that stop reading it."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as failure:
        return [error("zip.unreadable", f"not a readable zip file: {failure}")]
    names = [info.filename for info in archive.infolist() if not info.is_dir()]
    problems = list(member_problems(names))
    if MANIFEST not in names:
        archive.close()
        nested = [n for n in names if posixpath.basename(n) == MANIFEST]
        hint = f" (found at {nested[0]!r}: zip the folder's contents, not the folder)"
        return [
            *problems,
            error(
                "zip.no-manifest", f"no {MANIFEST} at the root of the zip{hint if nested else ''}"
            ),
        ]
    document, problem = parse_member(archive, MANIFEST, "manifest.not-xml")
    if problem is not None:
        archive.close()
        return [*problems, problem]
    return OpenPackage(archive, names, problems, document)


def read_package(path: str | Path, check: Callable[[OpenPackage], list[Problem]]) -> list[Problem]:
    """The problems of the package at ``path``: what stops reading it, else ``check``'s."""
    package = open_package(path)
    if isinstance(package, list):
        return package
    with package.archive:
        return check(package)


def reference_problems(
    root: etree._Element, ns: dict[str, str], resources: dict[str, etree._Element]
) -> tuple[list[Problem], set[str]]:
    """Items and dependencies that name undeclared resources; and the resources items open.

    ``ns`` maps the prefix ``cp`` to the format's content-packaging namespace.
    """
    problems: list[Problem] = []
    launched: set[str] = set()
    for item in root.iterfind(".//cp:item", ns):
        ref = item.get("identifierref")
        if ref is None:
            continue
        if ref not in resources:
            problems.append(
                error(
                    "manifest.identifierref",
                    f"item {item.get('identifier')!r} refers to resource {ref!r}, "
                    "which the manifest does not declare",
                    MANIFEST,
                    item.sourceline or 0,
                )
            )
        else:
            launched.add(ref)
    for dependency in root.iterfind(".//cp:dependency", ns):
        ref = dependency.get("identifierref")
        if ref not in resources:
            problems.append(
                error(
                    "manifest.identifierref",
                    f"dependency refers to resource {ref!r}, which the manifest does not declare",
                    MANIFEST,
                    dependency.sourceline or 0,
                )
            )
    return problems, launched


def file_problems(
    identifier: str,
    resource: etree._Element,
    ns: dict[str, str],
    members: set[str],
    referenced: set[str],
) -> Iterator[Problem]:
    """Every file the resource launches or lists that is not in the zip (an external one
    is a warning); each found file is added to ``referenced``."""
    base = xml_base(resource)
    line = resource.sourceline or 0
    hrefs = [(resource.get("href"), line, True)] + [
        (f.get("href"), f.sourceline or 0, False) for f in resource.iterfind("cp:file", ns)
    ]
    for href, href_line, is_launch in hrefs:
        if not href:
            continue
        if is_external(href):
            yield warning(
                "manifest.external",
                f"resource {identifier!r} refers to {href!r} outside the package",
                MANIFEST,
                href_line,
            )
            continue
        target = resolve(base, href)
        referenced.add(target)
        if target not in members:
            yield error(
                "manifest.missing-file",
                f"resource {identifier!r} {'launches' if is_launch else 'lists'} "
                f"{href!r}, which is not in the package",
                MANIFEST,
                href_line,
            )


def unlisted_problems(names: Iterable[str], referenced: set[str], conventional: set[str]):
    """Files no resource lists (``conventional`` ones, like SCORM's schemas, excepted)."""
    for name in names:
        if name == MANIFEST or name in referenced or name in conventional:
            continue
        yield warning("package.unlisted-file", "no resource in the manifest lists this file", name)


def external_url_problems(
    archive: zipfile.ZipFile, names: Iterable[str], skip: set[str]
) -> Iterator[Problem]:
    """Text files (other than the manifest and ``skip``) that refer outside the package."""
    for name in names:
        if name == MANIFEST or name in skip:
            continue  # namespace names in XML are not references; hrefs are checked apart
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
            yield warning(
                "content.external-url",
                f"refers outside the package: {snippet!r}{more}",
                name,
                line,
            )
