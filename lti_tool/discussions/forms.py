"""The discussions' form input, checked before a view acts: failures are ``{field: [messages]}``."""

from __future__ import annotations

from datetime import datetime

from werkzeug.datastructures import MultiDict

from ..validation import MAX_GRADING_TARGET, ValidationError
from .models import FROM_DATE, GRADING_MODES, REVEAL_MODES
from .service import Settings

EDIT_WINDOW_LIMIT = 7 * 24 * 60


def optional_id(form: MultiDict, name: str) -> int | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError({name: ["Not a valid reference."]})
    return int(raw)


def _whole(form: MultiDict, name: str, low: int, high: int, errors: dict) -> int:
    raw = form.get(name, "").strip()
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors[name] = [f"Enter a whole number from {low} to {high}."]
        return low
    return int(raw)


def settings(form: MultiDict) -> Settings:
    """The settings form: checkboxes, a reveal mode (and its date), the edit window, grading."""
    errors: dict[str, list[str]] = {}
    reveal = form.get("commentary_reveal", "")
    if reveal not in REVEAL_MODES:
        errors["commentary_reveal"] = ["Choose when the commentary is shown."]
        reveal = REVEAL_MODES[0]
    reveal_from = None
    if reveal == FROM_DATE:
        try:
            reveal_from = datetime.fromisoformat(form.get("commentary_from", "").strip())
        except ValueError:
            errors["commentary_from"] = ["Enter the date and time (UTC) the commentary shows."]
        else:
            reveal_from = reveal_from.replace(tzinfo=None, second=0, microsecond=0)
    grading = form.get("grading", "")
    if grading not in GRADING_MODES:
        errors["grading"] = ["Choose how the discussion is graded."]
        grading = GRADING_MODES[0]
    window = _whole(form, "edit_window_minutes", 0, EDIT_WINDOW_LIMIT, errors)
    target = _whole(form, "grading_target", 1, MAX_GRADING_TARGET, errors)
    if errors:
        raise ValidationError(errors)
    return Settings(
        post_first=form.get("post_first") == "on",
        anonymous=form.get("anonymous") == "on",
        commentary_reveal=reveal,
        commentary_from=reveal_from,
        edit_window_minutes=window,
        grading=grading,
        grading_target=target,
    )


def mark(form: MultiDict) -> tuple[float, str | None]:
    """An instructor's mark (a number, halves allowed) and an optional comment."""
    raw = form.get("mark", "").strip().replace(",", ".")
    try:
        given = float(raw)
    except ValueError:
        raise ValidationError({"mark": ["Enter the mark as a number."]}) from None
    if given != given or given < 0 or given * 2 != int(given * 2):
        raise ValidationError({"mark": ["Enter a mark of 0 or more, in halves at most."]})
    comment = form.get("comment", "").strip()
    if len(comment) > 1000:
        raise ValidationError({"comment": ["Please keep the comment under 1000 characters."]})
    return given, comment or None
