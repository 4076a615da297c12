"""Request input checked before a view acts on it; failures are ``{field: [messages]}``, 422.

A browser gets the error page listing the messages; a ``fetch`` asking for JSON gets the
mapping itself.
"""

from __future__ import annotations

from collections.abc import Collection

from flask import Flask, jsonify, request
from werkzeug.datastructures import MultiDict


class ValidationError(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def deep_link_choice(form: MultiDict, known: Collection[str]) -> list[str]:
    """The activity keys chosen on the deep-linking page: at least one, all known."""
    chosen = form.getlist("activity")
    errors: list[str] = []
    if not chosen:
        errors.append("Choose at least one activity.")
    unknown = [key for key in chosen if key not in known]
    if unknown:
        errors.append("Unknown activity: " + ", ".join(unknown))
    if errors:
        raise ValidationError({"activity": errors})
    return list(dict.fromkeys(chosen))


#: The most posts or points an instructor may set as a discussion's target at placement.
MAX_GRADING_TARGET = 100


def placement_grading(
    form: MultiDict, key: str, choices: Collection[str]
) -> tuple[str, int] | None:
    """The grading an instructor chose for activity ``key`` on the deep-linking page
    (fields ``grading:<key>`` and ``grading_target:<key>``): ``(mode, target)``, or
    ``None`` for "not graded" (also when the page offered no choice)."""
    mode = form.get("grading:" + key, "ungraded")
    if mode == "ungraded":
        return None
    if mode not in choices:
        raise ValidationError({"grading:" + key: [f"Unknown way of grading: {mode[:40]}"]})
    raw = form.get("grading_target:" + key, "").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_GRADING_TARGET:
        raise ValidationError(
            {
                "grading_target:" + key: [
                    f"Give a whole number from 1 to {MAX_GRADING_TARGET} for how this "
                    "activity is graded."
                ]
            }
        )
    return mode, int(raw)


def init_app(app: Flask) -> None:
    from .errors import error_page

    @app.errorhandler(ValidationError)
    def invalid(error: ValidationError):
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error.errors), 422
        messages = " ".join(message for field in error.errors.values() for message in field)
        return error_page(422, messages, "Please correct the form")
