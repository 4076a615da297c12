"""A session's knowledge checks as a QTI 1.2.1 assessment in the Common Cartridge profile.

The LMS imports it as a quiz of its own and grades it (Moodle: a quiz and its question
bank; Canvas: a quiz). Each question kind maps onto a CC item profile:

    single       cc.multiple_choice.v0p1     one correct option
    true_false   cc.true_false.v0p1          options "true" and "false"
    multiple     cc.multiple_response.v0p1   correct: every correct option and no other
    matching     cc.multiple_choice.v0p1     ONE ITEM PER PAIR (the CC profile has no
                                             matching type): "<prompt>: <premise>", with
                                             every response of the question as options

so no question is dropped; a matching question of n pairs counts n marks. Correct
answers, per-option feedback and the right/wrong feedback come from the content, as
in the SCORM pages. Text is the content's Markdown rendered to HTML
(``texttype="text/html"``), the same renderer as the pages. Identifiers derive from
the stable content ids, so a re-import matches the same questions.

Response processing is written the way Moodle's importer reads it
(``backup/cc/entity11.quiz.class.php``), and with the feedback identifiers Canvas's
own QTI uses (``correct_fb``, ``general_incorrect_fb``, ``<choice>_fb``):

- true/false choices are identified ``true`` and ``false`` (Moodle refuses any other);
- the scoring condition comes first, sets ``SCORE`` to 100 and shows ``correct_fb``;
  its ``varequal``s carry ``case="Yes"``, which Moodle requires to find the correct
  choices of a multiple-response item;
- then one condition per wrong choice (per choice with feedback, for multiple
  response) showing that choice's feedback and ``general_incorrect_fb``: Moodle takes a
  choice's feedback from the conditions that test it first;
- every condition has ``continue="No"``: Moodle makes the feedback of every
  ``continue="Yes"`` condition the question's general feedback, shown whatever the
  learner answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lxml import etree

from scormgen.model import Question, Session
from scormgen.package.cartridge.xsd import QTI_NS, XSI_NS, schema_location
from scormgen.render.markdown import render_block, render_inline
from scormgen.render.pages import matching_responses

NSMAP = {None: QTI_NS, "xsi": XSI_NS}
RESPONSE = "response1"
SCORE = "SCORE"

PROFILES = {
    "single": "cc.multiple_choice.v0p1",
    "true_false": "cc.true_false.v0p1",
    "multiple": "cc.multiple_response.v0p1",
    "matching": "cc.multiple_choice.v0p1",
}


@dataclass(frozen=True)
class Choice:
    ident: str
    html: str
    correct: bool
    feedback: str = ""  # HTML, shown when this choice is picked


@dataclass(frozen=True)
class QtiItem:
    """One CC item: a question, or one pair of a matching question."""

    ident: str
    title: str
    profile: str
    prompt_html: str
    choices: tuple[Choice, ...]
    weighting: int
    feedback_correct: str  # HTML
    feedback_wrong: str  # HTML
    question: Question  # where it came from

    @property
    def multiple(self) -> bool:
        return self.profile == "cc.multiple_response.v0p1"


def _html(markdown: str) -> str:
    return str(render_block(markdown)).strip() if markdown else ""


def _inline(markdown: str) -> str:
    return str(render_inline(markdown))


def question_items(question: Question, number: int) -> list[QtiItem]:
    """The CC items a question becomes (one, or one per pair of a matching question),
    named as on the session page: "Knowledge check <number>"."""
    common = {
        "weighting": max(1, min(99, question.weighting)),  # cc_weighting is 1..99
        "feedback_correct": _html(question.feedback_correct),
        "feedback_wrong": _html(question.feedback_wrong),
        "question": question,
    }
    if question.question_type != "matching":
        # Moodle accepts only "true" and "false" as a true/false item's choices.
        ident = (lambda o: o.id) if question.question_type == "true_false" else (lambda o: o.key)
        choices = tuple(
            Choice(ident(option), _inline(option.text), option.correct, _html(option.feedback))
            for option in question.options
        )
        return [
            QtiItem(
                ident=question.id,
                title=f"Knowledge check {number}",
                profile=PROFILES[question.question_type],
                prompt_html=_html(question.prompt),
                choices=choices,
                **common,
            )
        ]
    responses = matching_responses(question)
    items = []
    for index, pair in enumerate(question.pairs, start=1):
        items.append(
            QtiItem(
                ident=f"{question.id}-pair-{pair.id}",
                title=f"Knowledge check {number} ({index} of {len(question.pairs)})",
                profile=PROFILES["matching"],
                prompt_html=f"{_html(question.prompt)}\n<p><strong>{_inline(pair.premise)}</strong></p>",
                choices=tuple(
                    Choice(other.response_key, _inline(other.response), other is pair)
                    for other in responses
                ),
                **common,
            )
        )
    return items


def session_items(session: Session) -> Iterator[QtiItem]:
    for number, question in enumerate(session.questions, start=1):
        yield from question_items(question, number)


def _field(parent: etree._Element, label: str, entry: str) -> None:
    field = etree.SubElement(parent, "qtimetadatafield")
    etree.SubElement(field, "fieldlabel").text = label
    etree.SubElement(field, "fieldentry").text = entry


def _material(parent: etree._Element, html: str) -> None:
    material = etree.SubElement(parent, "material")
    etree.SubElement(material, "mattext", texttype="text/html").text = html


def _feedback(item: etree._Element, ident: str, html: str) -> None:
    feedback = etree.SubElement(item, "itemfeedback", ident=ident)
    _material(etree.SubElement(feedback, "flow_mat"), html)


def _varequal(parent: etree._Element, ident: str) -> None:
    etree.SubElement(parent, "varequal", respident=RESPONSE, case="Yes").text = ident


def _condition(processing: etree._Element) -> etree._Element:
    return etree.SubElement(processing, "respcondition", attrib={"continue": "No"})


def _show(condition: etree._Element, feedback: list[str]) -> None:
    for ident in feedback:
        etree.SubElement(condition, "displayfeedback", feedbacktype="Response", linkrefid=ident)


def _item(section: etree._Element, spec: QtiItem) -> None:
    item = etree.SubElement(section, "item", ident=spec.ident, title=spec.title)
    metadata = etree.SubElement(etree.SubElement(item, "itemmetadata"), "qtimetadata")
    _field(metadata, "cc_profile", spec.profile)
    _field(metadata, "cc_weighting", str(spec.weighting))

    presentation = etree.SubElement(item, "presentation")
    _material(presentation, spec.prompt_html)
    response = etree.SubElement(
        presentation,
        "response_lid",
        ident=RESPONSE,
        rcardinality="Multiple" if spec.multiple else "Single",
    )
    render = etree.SubElement(response, "render_choice")
    for choice in spec.choices:
        label = etree.SubElement(render, "response_label", ident=choice.ident)
        _material(label, choice.html)

    processing = etree.SubElement(item, "resprocessing")
    outcomes = etree.SubElement(processing, "outcomes")
    etree.SubElement(
        outcomes, "decvar", varname=SCORE, vartype="Decimal", minvalue="0", maxvalue="100"
    )
    correct = _condition(processing)
    conditions = etree.SubElement(correct, "conditionvar")
    if spec.multiple:
        both = etree.SubElement(conditions, "and")
        for choice in spec.choices:
            _varequal(both if choice.correct else etree.SubElement(both, "not"), choice.ident)
    else:
        for choice in spec.choices:
            if choice.correct:
                _varequal(conditions, choice.ident)
    etree.SubElement(correct, "setvar", action="Set", varname=SCORE).text = "100"
    shown = ["correct_fb"] if spec.feedback_correct else []
    if not spec.multiple:
        shown += [f"{c.ident}_fb" for c in spec.choices if c.correct and c.feedback]
    _show(correct, shown)
    for choice in spec.choices:
        if spec.multiple and not choice.feedback:
            continue
        shown = [f"{choice.ident}_fb"] if choice.feedback else []
        if not choice.correct and spec.feedback_wrong:
            shown.append("general_incorrect_fb")
        if choice.correct and not spec.multiple or not shown:
            continue
        condition = _condition(processing)
        _varequal(etree.SubElement(condition, "conditionvar"), choice.ident)
        _show(condition, shown)
    if spec.feedback_wrong:
        wrong = _condition(processing)
        etree.SubElement(etree.SubElement(wrong, "conditionvar"), "other")
        _show(wrong, ["general_incorrect_fb"])

    if spec.feedback_correct:
        _feedback(item, "correct_fb", spec.feedback_correct)
    if spec.feedback_wrong:
        _feedback(item, "general_incorrect_fb", spec.feedback_wrong)
    for choice in spec.choices:
        if choice.feedback:
            _feedback(item, f"{choice.ident}_fb", choice.feedback)


def build_assessment(ident: str, title: str, items: Iterable[QtiItem]) -> etree._ElementTree:
    """A ``questestinterop`` document with one assessment (one section) of ``items``."""
    root = etree.Element(f"{{{QTI_NS}}}questestinterop", nsmap=NSMAP)
    root.set(f"{{{XSI_NS}}}schemaLocation", schema_location(QTI_NS))
    assessment = etree.SubElement(root, "assessment", ident=ident, title=title)
    metadata = etree.SubElement(assessment, "qtimetadata")
    _field(metadata, "cc_profile", "cc.exam.v0p1")
    _field(metadata, "qmd_assessmenttype", "Examination")
    _field(metadata, "qmd_scoretype", "Percentage")
    _field(metadata, "cc_maxattempts", "unlimited")
    section = etree.SubElement(assessment, "section", ident=f"{ident}-section")
    for spec in items:
        _item(section, spec)
    for element in root.iter():
        if isinstance(element.tag, str) and not element.tag.startswith("{"):
            element.tag = f"{{{QTI_NS}}}{element.tag}"
    return etree.ElementTree(root)
