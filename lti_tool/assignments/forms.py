"""The assignments' form input, checked before a view acts: failures are ``{field: [messages]}``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from werkzeug.datastructures import MultiDict

from ..validation import ValidationError
from .course import AssignmentTexts
from .models import LATE_POLICIES

REQUEST_KEY_LIMIT = 64


def revision(form: MultiDict) -> int:
    raw = form.get("revision", "0").strip() or "0"
    if not raw.isdigit() or len(raw) > 9:
        raise ValidationError({"revision": ["Not a valid revision."]})
    return int(raw)


def request_key(form: MultiDict) -> str | None:
    raw = form.get("request_key", "").strip()
    if len(raw) > REQUEST_KEY_LIMIT or not all(c.isalnum() or c in "-_" for c in raw):
        raise ValidationError({"request_key": ["Not a valid form key."]})
    return raw or None


def whole_id(form: MultiDict, name: str) -> int:
    raw = form.get(name, "").strip()
    if not raw.isdigit() or len(raw) > 12:
        raise ValidationError({name: ["Not a valid reference."]})
    return int(raw)


def points(form: MultiDict, texts: AssignmentTexts) -> dict[str, float | None]:
    """Points per rubric criterion (``points-<criterion id>``); blank is "not marked yet"."""
    errors: dict[str, list[str]] = {}
    given: dict[str, float | None] = {}
    for criterion in texts.rubric:
        name = f"points-{criterion.id}"
        raw = form.get(name, "").strip().replace(",", ".")
        if not raw:
            given[criterion.id] = None
            continue
        try:
            value = float(raw)
        except ValueError:
            errors[name] = [f"{criterion.title}: enter the points as a number."]
            continue
        if value != value:  # NaN
            errors[name] = [f"{criterion.title}: enter the points as a number."]
            continue
        given[criterion.id] = value
    if errors:
        raise ValidationError(errors)
    return given


@dataclass(frozen=True)
class PlacementSettings:
    due_at: datetime | None
    word_limit: int | None
    late_policy: str | None
    resubmission: bool | None


def settings(form: MultiDict) -> PlacementSettings:
    """The instructor's overrides; an empty field or "default" keeps the default."""
    errors: dict[str, list[str]] = {}
    due_at = None
    raw_due = form.get("due_at", "").strip()
    if raw_due:
        try:
            due_at = datetime.fromisoformat(raw_due).replace(tzinfo=None, second=0, microsecond=0)
        except ValueError:
            errors["due_at"] = ["Enter the due date and time (UTC), or leave it empty."]
    word_limit = None
    raw_limit = form.get("word_limit", "").strip()
    if raw_limit:
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100_000:
            errors["word_limit"] = ["Enter a whole number of words from 1 to 100000."]
        else:
            word_limit = int(raw_limit)
    late = form.get("late_policy", "default")
    if late not in (*LATE_POLICIES, "default"):
        errors["late_policy"] = ["Choose what happens to late work."]
    resubmission = {"default": None, "yes": True, "no": False}.get(
        form.get("resubmission", "default"), "invalid"
    )
    if resubmission == "invalid":
        errors["resubmission"] = ["Choose whether learners may resubmit."]
    if errors:
        raise ValidationError(errors)
    return PlacementSettings(
        due_at=due_at,
        word_limit=word_limit,
        late_policy=None if late == "default" else late,
        resubmission=resubmission,  # type: ignore[arg-type]
    )
