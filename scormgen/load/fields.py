"""Declared field schemas for authored YAML (course settings, block bodies, front matter).

Each kind of mapping an author writes is declared once as a tuple of
``Field``s with a docstring-like ``doc``; ``read_fields`` checks a mapping
against it (unknown keys with a did-you-mean, missing required keys, wrong
types) and returns the values with defaults filled in. ``content/README.md``
documents the same fields for authors.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scormgen.diagnostics import Diagnostics, did_you_mean
from scormgen.load.yamlsource import LocatedMap
from scormgen.model import SourceLocation

# Authored ids become SCORM identifiers, CMIIdentifiers and URL parts: keep them to a slug.
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

_TYPE_NAMES = {
    str: "text",
    int: "a whole number",
    bool: "true or false",
    list: "a list",
    dict: "a mapping",
}


@dataclass(frozen=True)
class Field:
    name: str
    doc: str
    kind: type | tuple[type, ...] = str
    required: bool = False
    default: Any = None
    nullable: bool = False
    check: Callable[[Any], str | None] | None = None  # returns a problem, or None


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)


def _is_kind(value: Any, kind: type | tuple[type, ...]) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    # YAML's true/false are ints to Python; a number field must not accept them.
    if isinstance(value, bool) and bool not in kinds:
        return False
    return isinstance(value, kinds)


def read_fields(
    mapping: Any,
    schema: tuple[Field, ...],
    path: str,
    line: int,
    what: str,
    diagnostics: Diagnostics,
    unknown_level: str = "error",
) -> dict[str, Any] | None:
    """Check ``mapping`` against ``schema``; return the values, or None if it is not a mapping."""
    if not isinstance(mapping, dict):
        diagnostics.error(
            SourceLocation(path, line), f"{what}.not-a-mapping", f"{what} must be a YAML mapping"
        )
        return None
    line_of = mapping.line_of if isinstance(mapping, LocatedMap) else (lambda _key: line)
    known = {field.name: field for field in schema}
    values: dict[str, Any] = {}
    for key, value in mapping.items():
        location = SourceLocation(path, line_of(key))
        field = known.get(key)
        if field is None:
            message = f"unknown field '{key}' in {what}{did_you_mean(key, known)}"
            if unknown_level == "error":
                diagnostics.error(location, f"{what}.unknown-field", message)
            else:
                diagnostics.warning(location, f"{what}.unknown-field", message)
            continue
        if value is None and field.nullable:
            values[key] = None
            continue
        if not _is_kind(value, field.kind):
            diagnostics.error(
                location,
                f"{what}.bad-type",
                f"field '{key}' of {what} must be {_type_name(field.kind)}",
            )
            continue
        if isinstance(value, str) and not value.strip() and field.required:
            diagnostics.error(location, f"{what}.empty-field", f"field '{key}' of {what} is empty")
            continue
        problem = field.check(value) if field.check else None
        if problem:
            diagnostics.error(location, f"{what}.bad-value", f"field '{key}' of {what}: {problem}")
            continue
        values[key] = value
    for field in schema:
        if field.name in values:
            continue
        if field.name in mapping:
            # Present but wrong (already reported): an optional field falls back to its
            # default so later checks still run; a required one stays absent.
            if not field.required:
                values[field.name] = field.default
            continue
        if field.required:
            diagnostics.error(
                SourceLocation(path, line),
                f"{what}.missing-field",
                f"{what} has no '{field.name}' field",
            )
        else:
            values[field.name] = field.default
    return values


def check_id(value: str) -> str | None:
    if not ID_PATTERN.match(value):
        return (
            f"'{value}' is not a valid id (lower-case letters, digits and hyphens, "
            "starting with a letter or digit, at most 64 characters)"
        )
    return None


def check_percent(value: int) -> str | None:
    return None if 0 <= value <= 100 else f"{value} is not between 0 and 100"


def check_positive(value: int) -> str | None:
    return None if value > 0 else f"{value} is not a positive number"
