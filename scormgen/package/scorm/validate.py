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

from pathlib import Path

from lxml import etree

from scormgen.package.reading import (
    MANIFEST,
    OpenPackage,
    Problem,
    error,
    external_url_problems,
    file_problems,
    read_package,
    reference_problems,
    unlisted_problems,
    warning,
)
from scormgen.package.scorm.xsd import ADLCP_NS, IMSCP_NS, SCHEMA_FILES, validate_manifest

__all__ = ["Problem", "validate_package"]


def _manifest_problems(
    document: etree._ElementTree, members: set[str]
) -> tuple[list[Problem], set[str]]:
    referenced: set[str] = set()
    cp = {"cp": IMSCP_NS, "adlcp": ADLCP_NS}
    root = document.getroot()

    resources = {r.get("identifier"): r for r in root.iterfind(".//cp:resource", cp)}
    organizations = {o.get("identifier") for o in root.iterfind(".//cp:organization", cp)}
    problems: list[Problem] = []
    for element in root.iterfind("cp:organizations", cp):
        default = element.get("default")
        if default and default not in organizations:
            problems.append(
                error(
                    "manifest.default",
                    f"organizations default {default!r} names no organization",
                    MANIFEST,
                    element.sourceline or 0,
                )
            )
    if not organizations:
        problems.append(warning("manifest.no-organization", "no organization", MANIFEST))

    reference, launched = reference_problems(root, cp, resources)
    problems.extend(reference)

    for mastery in root.iterfind(".//cp:item/adlcp:masteryscore", cp):
        text = (mastery.text or "").strip()
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0 <= value <= 100:
            problems.append(
                error(
                    "manifest.masteryscore",
                    f"masteryscore {text!r} is not a number from 0 to 100",
                    MANIFEST,
                    mastery.sourceline or 0,
                )
            )

    for identifier, resource in resources.items():
        line = resource.sourceline or 0
        scormtype = resource.get(f"{{{ADLCP_NS}}}scormtype")
        if identifier in launched and scormtype is None:
            problems.append(
                error(
                    "manifest.scormtype",
                    f"resource {identifier!r} is launched by an item but has no "
                    "adlcp:scormtype ('sco' or 'asset')",
                    MANIFEST,
                    line,
                )
            )
        if identifier in launched and not resource.get("href"):
            problems.append(
                error(
                    "manifest.no-launch",
                    f"resource {identifier!r} is launched by an item but has no href",
                    MANIFEST,
                    line,
                )
            )
        problems.extend(file_problems(identifier, resource, cp, members, referenced))
    return problems, referenced


def _package_problems(package: OpenPackage) -> list[Problem]:
    assert package.manifest is not None
    problems = package.problems
    for schema_error in validate_manifest(package.manifest):
        problems.append(error("manifest.schema", schema_error.message, MANIFEST, schema_error.line))
    manifest_problems, referenced = _manifest_problems(package.manifest, set(package.names))
    problems.extend(manifest_problems)
    schemas = set(SCHEMA_FILES.values())
    problems.extend(unlisted_problems(package.names, referenced, schemas))
    problems.extend(external_url_problems(package.archive, package.names, schemas))
    return problems


def validate_package(path: str | Path) -> list[Problem]:
    """Every problem an importing LMS (or a learner) would meet in the SCORM 1.2 zip at ``path``."""
    return read_package(path, _package_problems)
