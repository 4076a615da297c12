"""Check any IMS Common Cartridge 1.1 (``.imscc``) the way an importing LMS would.

``validate_cartridge(path)`` returns one ``Problem`` per finding:

- errors: a bad zip or unsafe member names; no ``imsmanifest.xml`` at the root; a
  manifest that is not well-formed or breaks the CC 1.1 schemas (Moodle refuses the
  cartridge); an ``identifierref`` naming nothing; a file a resource names that is not
  in the zip; a QTI assessment or an LTI link that is missing, not well-formed or breaks
  its CC 1.1 schema; an LTI link without an absolute launch URL; an LTI link whose
  ``activity`` custom parameter and launch URL query name different activities;
- warnings: files no resource lists; pages that refer outside the package; an LTI
  link launched over plain http; an LTI link whose launch URL does not name its
  activity (Moodle keeps only the URL, so the tool could not tell what it opens).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from scormgen.package.cartridge.xsd import (
    ASSESSMENT,
    BASIC_LTI,
    BLTI_NS,
    IMSCC_NS,
    LTICM_NS,
    validate_lti_link,
    validate_manifest,
    validate_qti,
)
from scormgen.package.reading import (
    MANIFEST,
    OpenPackage,
    Problem,
    error,
    external_url_problems,
    file_problems,
    parse_member,
    read_package,
    reference_problems,
    resolve,
    unlisted_problems,
    warning,
    xml_base,
)

CP = {"cp": IMSCC_NS}
BLTI = {"blti": BLTI_NS, "lticm": LTICM_NS}


def _first_file(resource: etree._Element) -> str | None:
    first = resource.find("cp:file", CP)
    href = resource.get("href") or (first.get("href") if first is not None else None)
    return resolve(xml_base(resource), href) if href else None


def _checked(
    archive: zipfile.ZipFile, name: str, validate, code: str
) -> tuple[etree._ElementTree | None, list[Problem]]:
    """A member parsed and validated: the document if it is valid, and its problems."""
    document, problem = parse_member(archive, name)
    if problem is not None:
        return None, [problem]
    assert document is not None
    problems = [error(code, found.message, name, found.line) for found in validate(document, name)]
    return (None if problems else document), problems


def _qti_problems(archive: zipfile.ZipFile, name: str) -> Iterator[Problem]:
    yield from _checked(archive, name, validate_qti, "qti.schema")[1]


def _activity_in_query(url: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get("activity")
    return values[0] if values else None


def _lti_problems(archive: zipfile.ZipFile, name: str) -> Iterator[Problem]:
    document, problems = _checked(archive, name, validate_lti_link, "lti.schema")
    yield from problems
    if document is None:
        return
    root = document.getroot()
    element = root.find("blti:secure_launch_url", BLTI)
    if element is None:
        element = root.find("blti:launch_url", BLTI)
    url = (element.text or "").strip() if element is not None else ""
    line = element.sourceline or 0 if element is not None else root.sourceline or 0
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        yield error("lti.launch-url", f"the link has no absolute launch URL ({url!r})", name, line)
        return
    if parts.scheme == "http":
        yield warning("lti.insecure", f"the link launches over plain http: {url}", name, line)
    custom = root.find("blti:custom/lticm:property[@name='activity']", BLTI)
    declared = (custom.text or "").strip() if custom is not None else None
    in_url = _activity_in_query(url)
    if in_url is None:
        yield warning(
            "lti.no-activity-in-url",
            "the launch URL does not name the activity (?activity=...); Moodle's import keeps "
            "only the URL, so the tool could not tell which activity the link opens",
            name,
            line,
        )
    elif declared is not None and declared != in_url:
        yield error(
            "lti.activity-mismatch",
            f"the custom parameter names activity {declared!r} but the launch URL names {in_url!r}",
            name,
            line,
        )


def _cartridge_problems(package: OpenPackage) -> list[Problem]:
    assert package.manifest is not None
    problems = package.problems
    members = set(package.names)
    root = package.manifest.getroot()
    for found in validate_manifest(package.manifest):
        problems.append(error("manifest.schema", found.message, MANIFEST, found.line))
    resources = {r.get("identifier"): r for r in root.iterfind(".//cp:resource", CP)}
    reference, _ = reference_problems(root, CP, resources)
    problems.extend(reference)
    referenced: set[str] = set()
    for identifier, resource in resources.items():
        problems.extend(file_problems(identifier, resource, CP, members, referenced))
        kind = resource.get("type")
        if kind not in (ASSESSMENT, BASIC_LTI):
            continue
        name = _first_file(resource)
        if name is None:
            problems.append(
                error(
                    "manifest.no-file",
                    f"resource {identifier!r} ({kind}) names no file",
                    MANIFEST,
                    resource.sourceline or 0,
                )
            )
        elif name in members:
            check = _qti_problems if kind == ASSESSMENT else _lti_problems
            problems.extend(check(package.archive, name))
    xml_documents = {
        _first_file(r) for r in resources.values() if r.get("type") in (ASSESSMENT, BASIC_LTI)
    }
    problems.extend(unlisted_problems(package.names, referenced, set()))
    problems.extend(
        external_url_problems(package.archive, package.names, {n for n in xml_documents if n})
    )
    return problems


def validate_cartridge(path: str | Path) -> list[Problem]:
    """Every problem an importing LMS (or a learner) would meet in the cartridge at ``path``."""
    return read_package(path, _cartridge_problems)


def is_cartridge(path: str | Path) -> bool:
    """Whether the zip at ``path`` is a Common Cartridge (by name, else by its manifest)."""
    if str(path).lower().endswith((".imscc", ".ccz")):
        return True
    try:
        with zipfile.ZipFile(path) as archive:
            head = archive.read(MANIFEST)[:4096]
    except (zipfile.BadZipFile, OSError, KeyError):
        return False
    return IMSCC_NS.encode() in head
