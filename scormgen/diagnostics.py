"""Authoring problems, collected rather than raised.

A stage records every problem it finds in a ``Diagnostics`` list and carries
on, so an author sees all their mistakes in one run; the command then stops
before writing anything. Lines look like compiler output, which editors and CI
logs link back to the file:

    content/sessions/03-personal-recovery.md:14: error: question 'q3' has no correct answer [question.no-correct]
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from scormgen.model import SourceLocation

Level = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    location: SourceLocation
    level: Level
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.level}: {self.message} [{self.code}]"


class Diagnostics:
    """An ordered collection of problems found so far."""

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []

    def error(self, location: SourceLocation, code: str, message: str) -> None:
        self._items.append(Diagnostic(location, "error", code, message))

    def warning(self, location: SourceLocation, code: str, message: str) -> None:
        self._items.append(Diagnostic(location, "warning", code, message))

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self._items.extend(other)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(sorted(self._items))

    def __len__(self) -> int:
        return len(self._items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self if d.level == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self if d.level == "warning"]

    def has_errors(self, strict: bool = False) -> bool:
        return bool(self.errors) or (strict and bool(self.warnings))


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest candidate, or an empty string."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


class AuthoringError(Exception):
    """Raised by a stage that cannot go on; carries every diagnostic found."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))


class BuildError(Exception):
    """A build that cannot produce valid packages for a reason other than the content."""
