"""Fenced interaction blocks: their declared fields and how each becomes a model object.

A block is a fenced code block whose info string names its type and whose
body is YAML::

    ```reflection
    id: my-recovery-story
    prompt: What has helped your own recovery?
    ```
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scormgen.diagnostics import Diagnostics
from scormgen.load.fields import Field, check_id, check_positive, read_fields
from scormgen.model import (
    Assignment,
    Block,
    CourseSettings,
    MatchPair,
    Notice,
    Option,
    Question,
    Reflection,
    RubricCriterion,
    Scenario,
    SourceLocation,
)

# SCORM 1.2 choice and matching responses are single characters 0-9, a-z (RTE 3.4.4,
# cmi.interactions.n.student_response), so a question can offer at most 36 options.
RESPONSE_KEYS = "abcdefghijklmnopqrstuvwxyz0123456789"

QUESTION_TYPES = ("single", "multiple", "true_false", "matching")
FIELDS_NOT_FOR_TYPE = {
    "single": {"pairs"},
    "multiple": {"pairs"},
    "true_false": {"options", "pairs"},
    "matching": {"options", "correct"},
}

REFLECTION_FIELDS = (
    Field("id", "Stable id (tracking data is keyed on it).", required=True, check=check_id),
    Field("prompt", "The question the learner reflects on (Markdown).", required=True),
    Field("guidance", "Optional help shown under the prompt (Markdown).", default=""),
    Field(
        "max_length",
        "Maximum characters (default: the course's reflection_max_length).",
        kind=int,
        default=None,
        check=check_positive,
    ),
    Field(
        "required",
        "true if completing the session needs this reflection (default false: "
        "nobody must be pushed to write about their mental health to pass).",
        kind=bool,
        default=False,
    ),
)

QUESTION_FIELDS = (
    Field("id", "Stable id; becomes the interaction id in the LMS.", required=True, check=check_id),
    Field("type", "single, multiple, true_false or matching.", required=True),
    Field("prompt", "The question (Markdown).", required=True),
    Field(
        "options",
        "single/multiple: mapping of option id to text (or to {text, feedback}).",
        kind=dict,
        default=None,
    ),
    Field(
        "correct",
        "The answer key: an option id (single), a list of ids (multiple), true/false (true_false).",
        kind=(str, list, bool),
        default=None,
    ),
    Field(
        "pairs",
        "matching: list of {premise, response}, each premise with its answer.",
        kind=list,
        default=None,
    ),
    Field(
        "source",
        "Verbatim quote of the seed sentence that states the answer ('...' may elide words).",
        required=True,
    ),
    Field(
        "weighting",
        "Points this question is worth (default 1).",
        kind=int,
        default=1,
        check=check_positive,
    ),
    Field("feedback", "{correct: ..., wrong: ...} shown after answering.", kind=dict, default=None),
)

OPTION_FIELDS = (
    Field("text", "The option's text.", required=True),
    Field("feedback", "Feedback shown when this option is chosen.", default=""),
)

FEEDBACK_FIELDS = (
    Field("correct", "Shown when the answer is right.", default=""),
    Field("wrong", "Shown when the answer is wrong.", default=""),
)

PAIR_FIELDS = (
    Field("premise", "The item the learner matches.", required=True),
    Field("response", "The answer that belongs with it.", required=True),
)

SCENARIO_FIELDS = (
    Field(
        "id", "Stable id; the LTI tool keys the discussion on it.", required=True, check=check_id
    ),
    Field("title", "Short title, e.g. 'Scenario 1: John and the roofer'.", required=True),
    Field("situation", "The scenario as learners read it (Markdown).", required=True),
    Field(
        "commentary",
        "Course commentary, shown after the learner has posted (Markdown).",
        required=True,
    ),
    Field("prompts", "Discussion questions (list of text).", kind=list, default=[]),
    Field(
        "note",
        "A note shown after the commentary (Markdown), e.g. a safety note for the discussion.",
        default="",
    ),
    Field(
        "review",
        "Who must still review drafted text in this scenario (its note), e.g. 'course team'.",
        default=None,
        nullable=True,
    ),
)

ASSIGNMENT_FIELDS = (
    Field(
        "id",
        "Stable id; the LTI tool keys submissions and grades on it.",
        required=True,
        check=check_id,
    ),
    Field("title", "The assignment's title.", required=True),
    Field("brief", "What the learner must write (Markdown).", required=True),
    Field(
        "word_limit",
        "Maximum words, if any.",
        kind=int,
        default=None,
        nullable=True,
        check=check_positive,
    ),
    Field("rubric", "List of {id, title, description, points}.", kind=list, default=[]),
    Field(
        "review",
        "Who must still review a drafted brief, e.g. 'course team'.",
        default=None,
        nullable=True,
    ),
)

CRITERION_FIELDS = (
    Field("id", "Stable id of the criterion.", required=True, check=check_id),
    Field("title", "Short name.", required=True),
    Field("description", "What earns the points.", default=""),
    Field("points", "Maximum points.", kind=int, required=True, check=check_positive),
)

NOTICE_FIELDS = (
    Field(
        "style",
        "info, support (uses the course's support notice when text is empty) or "
        "draft (text awaiting review).",
        default="info",
        check=lambda v: (
            None if v in ("info", "support", "draft") else "must be info, support or draft"
        ),
    ),
    Field("title", "Optional heading.", default=""),
    Field("text", "The notice (Markdown).", default=""),
)

BLOCK_FIELDS: dict[str, tuple[Field, ...]] = {
    "reflection": REFLECTION_FIELDS,
    "question": QUESTION_FIELDS,
    "scenario": SCENARIO_FIELDS,
    "assignment": ASSIGNMENT_FIELDS,
    "notice": NOTICE_FIELDS,
}


def _lines(container: Any, line: int) -> list[int]:
    return list(getattr(container, "item_lines", [])) or [line] * len(container)


def _line_of(mapping: Any, key: str, default: int) -> int:
    return mapping.line_of(key) if hasattr(mapping, "line_of") else default


def _reflection(data, values, at, settings: CourseSettings, diagnostics) -> Reflection:
    return Reflection(
        id=values["id"],
        prompt=values["prompt"],
        guidance=values["guidance"],
        max_length=values["max_length"] or settings.reflection_max_length,
        required=values["required"],
        location=at,
    )


def _choice_options(data, values, at, diagnostics) -> tuple[Option, ...]:
    raw = values["options"]
    if raw is None:
        diagnostics.error(at, "question.no-options", f"question '{values['id']}' has no options")
        return ()
    if len(raw) > len(RESPONSE_KEYS):
        diagnostics.error(
            SourceLocation(at.path, _line_of(data, "options", at.line)),
            "question.too-many-options",
            f"question '{values['id']}' has {len(raw)} options; SCORM 1.2 allows at most "
            f"{len(RESPONSE_KEYS)} (responses are single characters 0-9, a-z)",
        )
        return ()
    options = []
    for index, (option_id, option) in enumerate(raw.items()):
        line = _line_of(raw, option_id, at.line)
        if isinstance(option, str):
            option = {"text": option}
        fields = read_fields(option, OPTION_FIELDS, at.path, line, "option", diagnostics)
        if fields is None or "text" not in fields:
            continue
        options.append(
            Option(
                id=str(option_id),
                key=RESPONSE_KEYS[index],
                text=fields["text"],
                correct=False,
                feedback=fields["feedback"],
                location=SourceLocation(at.path, line),
            )
        )
    return tuple(options)


def _mark_correct(data, values, options, at, diagnostics) -> tuple[Option, ...]:
    question_id, kind, correct = values["id"], values["type"], values["correct"]
    where = SourceLocation(at.path, _line_of(data, "correct", at.line))
    if correct is None:
        diagnostics.error(
            at, "question.no-correct", f"question '{question_id}' has no correct answer"
        )
        return options
    if kind == "single" and not isinstance(correct, str):
        diagnostics.error(
            where,
            "question.bad-correct",
            f"question '{question_id}' is single choice: 'correct' names one option",
        )
        return options
    if kind == "multiple" and isinstance(correct, bool):
        diagnostics.error(
            where,
            "question.bad-correct",
            f"question '{question_id}': 'correct' must list option ids",
        )
        return options
    wanted = [correct] if isinstance(correct, str) else [str(c) for c in correct]
    known = {option.id for option in options}
    for option_id in wanted:
        if option_id not in known:
            diagnostics.error(
                where,
                "question.unknown-option",
                f"question '{question_id}': the answer key names option '{option_id}', "
                f"which is not one of its options ({', '.join(sorted(known)) or 'none'})",
            )
    if not wanted:
        diagnostics.error(
            where, "question.no-correct", f"question '{question_id}' has no correct answer"
        )
    return tuple(
        Option(o.id, o.key, o.text, o.id in wanted, o.feedback, o.location) for o in options
    )


def _matching_pairs(data, values, at, diagnostics) -> tuple[MatchPair, ...]:
    raw = values["pairs"]
    if not raw or len(raw) < 2:
        diagnostics.error(
            at, "question.no-pairs", f"matching question '{values['id']}' needs at least two pairs"
        )
        return ()
    if len(raw) > len(RESPONSE_KEYS):
        diagnostics.error(
            at,
            "question.too-many-options",
            f"question '{values['id']}' has more than {len(RESPONSE_KEYS)} pairs",
        )
        return ()
    pairs = []
    for index, (item, line) in enumerate(zip(raw, _lines(raw, at.line), strict=True)):
        fields = read_fields(item, PAIR_FIELDS, at.path, line, "pair", diagnostics)
        if fields is None or "premise" not in fields or "response" not in fields:
            continue
        pairs.append(
            MatchPair(
                id=str(index + 1),
                key=RESPONSE_KEYS[index],
                premise=fields["premise"],
                response=fields["response"],
                response_key=RESPONSE_KEYS[index],
                location=SourceLocation(at.path, line),
            )
        )
    return tuple(pairs)


def _question(data, values, at, settings, diagnostics) -> Question | None:
    kind = values["type"]
    question_id = values["id"]
    if kind not in QUESTION_TYPES:
        diagnostics.error(
            SourceLocation(at.path, _line_of(data, "type", at.line)),
            "question.bad-type",
            f"question '{question_id}' has unknown type '{kind}' "
            f"(one of: {', '.join(QUESTION_TYPES)})",
        )
        return None
    for name in sorted(FIELDS_NOT_FOR_TYPE[kind]):
        if values.get(name) is not None:
            # An answer key that the question type ignores would silently not be in force.
            diagnostics.error(
                SourceLocation(at.path, _line_of(data, name, at.line)),
                "question.field-not-for-type",
                f"question '{question_id}': field '{name}' does not apply to a {kind} question",
            )
    options: tuple[Option, ...] = ()
    pairs: tuple[MatchPair, ...] = ()
    if kind in ("single", "multiple"):
        options = _choice_options(data, values, at, diagnostics)
        if options:  # without options, a broken answer key is only an echo of that error
            options = _mark_correct(data, values, options, at, diagnostics)
        if kind == "single" and sum(o.correct for o in options) > 1:
            diagnostics.error(
                at,
                "question.bad-correct",
                f"single-choice question '{question_id}' has several answers",
            )
    elif kind == "true_false":
        correct = values["correct"]
        if not isinstance(correct, bool):
            diagnostics.error(
                SourceLocation(at.path, _line_of(data, "correct", at.line)),
                "question.no-correct" if correct is None else "question.bad-correct",
                f"true/false question '{question_id}' needs 'correct: true' or 'correct: false'",
            )
            correct = True
        # SCORM 1.2 true-false responses are "t" and "f" (RTE 3.4.4).
        options = (
            Option("true", "t", "True", correct is True, "", at),
            Option("false", "f", "False", correct is False, "", at),
        )
    else:
        pairs = _matching_pairs(data, values, at, diagnostics)
    feedback = (
        read_fields(
            values["feedback"] or {},
            FEEDBACK_FIELDS,
            at.path,
            _line_of(data, "feedback", at.line),
            "feedback",
            diagnostics,
        )
        or {}
    )
    return Question(
        id=question_id,
        question_type=kind,
        prompt=values["prompt"],
        options=options,
        pairs=pairs,
        source=values["source"],
        weighting=values["weighting"],
        feedback_correct=feedback.get("correct", ""),
        feedback_wrong=feedback.get("wrong", ""),
        location=at,
    )


def _text_list(container, at, what, diagnostics) -> tuple[str, ...]:
    items = []
    for item, line in zip(container, _lines(container, at.line), strict=True):
        if not isinstance(item, str) or not item.strip():
            diagnostics.error(
                SourceLocation(at.path, line),
                f"{what}.bad-item",
                f"every item of {what} must be text",
            )
            continue
        items.append(item)
    return tuple(items)


def _scenario(data, values, at, settings, diagnostics) -> Scenario:
    prompts_at = SourceLocation(at.path, _line_of(data, "prompts", at.line))
    return Scenario(
        id=values["id"],
        title=values["title"],
        situation=values["situation"],
        commentary=values["commentary"],
        prompts=_text_list(values["prompts"], prompts_at, "prompts", diagnostics),
        location=at,
        note=values["note"],
        review=values["review"],
    )


def _assignment(data, values, at, settings, diagnostics) -> Assignment:
    criteria = []
    raw = values["rubric"]
    for item, line in zip(raw, _lines(raw, at.line), strict=True):
        fields = read_fields(item, CRITERION_FIELDS, at.path, line, "criterion", diagnostics)
        if fields and all(k in fields for k in ("id", "title", "points")):
            criteria.append(
                RubricCriterion(
                    fields["id"],
                    fields["title"],
                    fields["description"],
                    fields["points"],
                    SourceLocation(at.path, line),
                )
            )
    return Assignment(
        id=values["id"],
        title=values["title"],
        brief=values["brief"],
        word_limit=values["word_limit"],
        rubric=tuple(criteria),
        review=values["review"],
        location=at,
    )


def _notice(data, values, at, settings, diagnostics) -> Notice:
    if values["style"] != "support" and not values["text"].strip():
        diagnostics.error(
            at,
            "notice.empty",
            "a notice needs 'text' (only style: support may "
            "leave it empty to use the course's support notice)",
        )
    return Notice(
        style=values["style"], markdown=values["text"], title=values["title"], location=at
    )


BUILDERS: dict[str, Callable[..., Block | None]] = {
    "reflection": _reflection,
    "question": _question,
    "scenario": _scenario,
    "assignment": _assignment,
    "notice": _notice,
}


def build_block(
    block_type: str,
    data: Any,
    at: SourceLocation,
    settings: CourseSettings,
    diagnostics: Diagnostics,
) -> Block | None:
    """Turn one fenced block's parsed YAML into a model object (None if it is unusable)."""
    values = read_fields(data, BLOCK_FIELDS[block_type], at.path, at.line, block_type, diagnostics)
    if values is None:
        return None
    required = [f.name for f in BLOCK_FIELDS[block_type] if f.required]
    if any(name not in values for name in required):
        return None
    return BUILDERS[block_type](data, values, at, settings, diagnostics)
