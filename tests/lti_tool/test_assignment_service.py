"""The rules of an assignment, tested without HTTP (``AssignmentService``): drafts and their
conflicts, immutable versions with receipts, lateness, resubmission, rubric marking, release
through the grades outbox, and the audit log of instructors' openings."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from lti_tool import db
from lti_tool.assignments.course import assignment
from lti_tool.assignments.models import (
    OPENED_SUBMISSION,
    REFUSE_LATE,
    AuditEntry,
    Submission,
)
from lti_tool.assignments.service import (
    AssignmentService,
    Conflict,
    NotFound,
    Refused,
    Viewer,
    lms_due_date,
    receipt_of,
    word_count,
)
from lti_tool.grades.models import GradeDelivery
from lti_tool.models import Context, Deployment, Membership, Platform, ResourceLink, User

ESSAY = "recovery-story-essay"
START = datetime(2026, 11, 30, 9, 0)
RUBRIC = {
    "essay-personal-story": 8,
    "essay-recovery-approach": 7.5,
    "essay-peer-support": 9,
    "essay-format": 4,
}


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class World:
    """A platform with a course, a link placing the first assignment, and people."""

    def __init__(self, session) -> None:
        self.session = session
        self.clock = Clock()
        self.service = AssignmentService(session, self.clock)
        self.texts = assignment(ESSAY)
        assert self.texts is not None
        platform = Platform(
            issuer="https://lms.example",
            client_id="c",
            auth_login_url="https://lms.example/auth",
            auth_token_url="https://lms.example/token",
            key_set_url="https://lms.example/jwks",
        )
        session.add(platform)
        session.flush()
        self.deployment = Deployment(platform_id=platform.id, deployment_id="d")
        session.add(self.deployment)
        session.flush()
        self.course = self.context("course-1")
        self.link = self.resource_link(self.course, "link-1")
        self.placement = self.service.open(self.link, ESSAY)

    def context(self, context_id: str) -> Context:
        context = Context(deployment_id=self.deployment.id, context_id=context_id)
        self.session.add(context)
        self.session.flush()
        return context

    def resource_link(self, context: Context, link_id: str, custom: dict | None = None):
        link = ResourceLink(
            deployment_id=self.deployment.id,
            context_pk=context.id,
            resource_link_id=link_id,
            custom=json.dumps(custom or {}),
        )
        self.session.add(link)
        self.session.flush()
        return link

    def person(self, name: str, role: str = "learner", context: Context | None = None) -> Viewer:
        user = User(issuer="https://lms.example", sub=name.lower(), name=name)
        self.session.add(user)
        self.session.flush()
        self.session.add(
            Membership(user_id=user.id, context_pk=(context or self.course).id, role=role)
        )
        self.session.flush()
        return Viewer(user_pk=user.id, staff=role != "learner")

    def submit(self, viewer: Viewer, text: str, placement=None, **kwargs) -> Submission:
        found = self.service.submit(
            placement or self.placement, viewer, text, texts=self.texts, **kwargs
        )
        self.session.commit()
        return found

    def deliveries(self) -> list[GradeDelivery]:
        return list(self.session.scalars(select(GradeDelivery).order_by(GradeDelivery.id)))


@pytest.fixture
def world(app):
    with app.app_context():
        yield World(db.get_session())


# ---------------------------------------------------------------- the assignment from content/


def test_the_brief_rubric_and_draft_notice_come_from_the_course(world):
    texts = world.texts

    assert texts.title.startswith("First assessment task")
    assert "personal recovery story" in texts.brief
    assert [c.id for c in texts.rubric] == list(RUBRIC)
    assert texts.points_possible == 35
    assert texts.draft_title == "Draft: awaiting the course team"
    assert "course team" in texts.draft_text
    assert texts.support_title == "If this session brings up difficult feelings"


def test_a_link_and_assignment_open_the_same_placement_and_other_links_another(app, world):
    again = world.service.open(world.link, ESSAY)
    elsewhere = world.service.open(world.resource_link(world.context("course-2"), "l2"), ESSAY)

    assert again.id == world.placement.id
    assert elsewhere.id != world.placement.id


# ---------------------------------------------------------------- drafts


def test_a_draft_is_saved_and_each_save_names_the_revision_it_started_from(world):
    lee = world.person("Lee")

    first = world.service.save_draft(world.placement, lee, "My story begins", 0).revision
    second = world.service.save_draft(world.placement, lee, "My story begins here", first).revision

    assert (first, second) == (1, 2)
    assert world.service.draft(world.placement, lee.user_pk).body == "My story begins here"


def test_a_save_from_an_older_revision_is_a_conflict_not_an_overwrite(world):
    lee = world.person("Lee")
    world.service.save_draft(world.placement, lee, "Tab one", 0)
    world.service.save_draft(world.placement, lee, "Tab one, more", 1)

    with pytest.raises(Conflict) as conflict:
        world.service.save_draft(world.placement, lee, "Tab two, from revision 1", 1)

    assert conflict.value.draft.body == "Tab one, more"
    assert conflict.value.draft.revision == 2
    assert world.service.draft(world.placement, lee.user_pk).body == "Tab one, more"


def test_the_same_text_from_an_older_revision_is_no_conflict(world):
    lee = world.person("Lee")
    world.service.save_draft(world.placement, lee, "Same words", 0)
    world.service.save_draft(world.placement, lee, "Same words", 0)  # a retried save

    assert world.service.draft(world.placement, lee.user_pk).revision == 1


def test_a_second_tabs_first_save_is_a_conflict(world):
    lee = world.person("Lee")
    world.service.save_draft(world.placement, lee, "First tab", 0)

    with pytest.raises(Conflict):
        world.service.save_draft(world.placement, lee, "Second tab", 0)


def test_drafts_are_each_learners_own(world):
    lee, sam = world.person("Lee"), world.person("Sam")
    world.service.save_draft(world.placement, lee, "Lee's", 0)

    assert world.service.draft(world.placement, sam.user_pk) is None


# ---------------------------------------------------------------- submitting


def test_submit_makes_an_immutable_version_with_a_receipt(world):
    lee = world.person("Lee")

    version = world.submit(lee, "My recovery story, in relation to the recovery approach.")

    assert version.version == 1
    assert version.word_count == 9
    assert version.submitted_at == START
    assert not version.late
    assert len(version.content_hash) == 64
    assert version.receipt == receipt_of(version.content_hash)
    assert len(version.receipt) == 14 and version.receipt.count("-") == 2


def test_receipts_differ_for_different_texts_times_and_people(world):
    lee, sam = world.person("Lee"), world.person("Sam")

    receipts = {world.submit(lee, "Same essay").receipt, world.submit(sam, "Same essay").receipt}
    world.clock.advance(minutes=1)
    receipts.add(world.submit(lee, "Same essay").receipt)

    assert len(receipts) == 3


def test_a_resubmission_is_a_new_version_and_the_old_one_is_kept(world):
    lee = world.person("Lee")
    world.submit(lee, "First version")
    world.clock.advance(hours=1)

    world.submit(lee, "Second version")

    versions = world.service.versions(world.placement, lee.user_pk)
    assert [(v.version, v.body) for v in versions] == [(1, "First version"), (2, "Second version")]


def test_the_same_submit_sent_twice_makes_one_version(world):
    lee = world.person("Lee")

    first = world.submit(lee, "My essay", request_key="k-1")
    again = world.submit(lee, "My essay", request_key="k-1")

    assert first.id == again.id
    assert len(world.service.versions(world.placement, lee.user_pk)) == 1
    assert len(world.deliveries()) == 1


def test_an_empty_essay_is_refused_with_a_reason(world):
    lee = world.person("Lee")

    with pytest.raises(Refused, match="Write something first"):
        world.submit(lee, "   \n ")


def test_submitting_tells_the_gradebook_the_work_waits_for_marking(world):
    lee = world.person("Lee")

    world.submit(lee, "My essay")

    (delivery,) = world.deliveries()
    assert delivery.score_given is None
    assert delivery.score_maximum == 35
    assert (delivery.activity_progress, delivery.grading_progress) == ("Submitted", "PendingManual")
    assert delivery.submitted_at == START
    assert (delivery.resource_id, delivery.tag) == (f"assignment:{ESSAY}", "assignment")
    assert delivery.label == world.texts.title


def test_a_submit_that_is_rolled_back_leaves_neither_version_nor_grade(world):
    lee = world.person("Lee")

    world.service.submit(world.placement, lee, "Never committed", texts=world.texts)
    world.session.rollback()

    assert world.service.versions(world.placement, lee.user_pk) == []
    assert world.deliveries() == []


def test_submitting_keeps_the_text_as_the_draft_for_a_resubmission(world):
    lee = world.person("Lee")

    world.submit(lee, "Handed in without a saved draft")

    assert world.service.draft(world.placement, lee.user_pk).body == (
        "Handed in without a saved draft"
    )


# ---------------------------------------------------------------- due dates and policies


def test_after_the_due_date_a_submission_is_taken_and_marked_late(world):
    lee = world.person("Lee")
    world.placement.due_at = START - timedelta(minutes=1)

    version = world.submit(lee, "A little late")

    assert version.late
    assert version.due_at == START - timedelta(minutes=1)


def test_a_placement_that_refuses_late_work_says_so_and_keeps_the_draft(world):
    lee = world.person("Lee")
    world.placement.due_at = START - timedelta(minutes=1)
    world.placement.late_policy = REFUSE_LATE
    world.service.save_draft(world.placement, lee, "My draft", 0)

    with pytest.raises(Refused, match="no late submissions. Your draft is kept"):
        world.submit(lee, "My draft")

    assert world.service.draft(world.placement, lee.user_pk).body == "My draft"


def test_resubmission_lasts_until_the_due_date(world):
    lee = world.person("Lee")
    world.placement.due_at = START + timedelta(hours=1)
    world.submit(lee, "One")
    world.clock.advance(minutes=30)
    world.submit(lee, "Two")
    world.clock.advance(hours=1)

    with pytest.raises(Refused, match="Resubmission closed at the due date"):
        world.submit(lee, "Three")


def test_without_resubmission_one_version_is_all(world):
    lee = world.person("Lee")
    world.placement.resubmission = False
    world.submit(lee, "The only one")

    with pytest.raises(Refused, match="takes one submission"):
        world.submit(lee, "Another")


def test_the_due_date_comes_from_the_tool_else_the_lms_else_none(world):
    link = world.resource_link(
        world.course, "canvas-link", custom={"due_at": "2026-12-01T17:00:00+01:00"}
    )
    placement = world.service.open(link, ESSAY)

    assert world.service.rules(world.placement, world.texts).due_at is None
    lms = world.service.rules(placement, world.texts)
    assert (lms.due_at, lms.due_source) == (datetime(2026, 12, 1, 16, 0), "lms")
    placement.due_at = datetime(2026, 12, 5, 12, 0)
    tool = world.service.rules(placement, world.texts)
    assert (tool.due_at, tool.due_source) == (datetime(2026, 12, 5, 12, 0), "tool")


@pytest.mark.parametrize("value", ["$Canvas.assignment.dueAt.iso8601", "", "soon", 12])
def test_an_unsubstituted_or_malformed_lms_due_date_is_ignored(value):
    assert lms_due_date(json.dumps({"due_at": value})) is None


def test_the_defaults_take_late_work_and_allow_resubmission(world):
    rules = world.service.rules(world.placement, world.texts)

    assert (rules.late_policy, rules.resubmission, rules.word_limit) == ("accept_late", True, None)


def test_word_count_counts_words_not_markdown():
    assert word_count("- **one** two\n- three's\n\n> four-five") == 4


# ---------------------------------------------------------------- marking and release


def marked(world, lee, ina, points=RUBRIC, feedback="Clear and thoughtful.", release=False):
    version = world.service.versions(world.placement, lee.user_pk)[-1]
    mark = world.service.save_mark(
        world.placement,
        ina,
        lee.user_pk,
        version.id,
        points,
        feedback,
        texts=world.texts,
        release=release,
    )
    world.session.commit()
    return mark


def test_draft_marking_is_not_released_and_sends_nothing(world):
    lee, ina = world.person("Lee"), world.person("Ina", "instructor")
    world.submit(lee, "Essay")

    mark = marked(world, lee, ina)

    assert (mark.state, mark.total, mark.maximum) == ("draft", 28.5, 35)
    assert len(world.deliveries()) == 1  # only "submitted"
    assert world.service.released_mark(world.placement, lee.user_pk) is None


def test_releasing_sends_the_rubric_total_and_feedback_to_the_gradebook(world):
    lee, ina = world.person("Lee"), world.person("Ina", "instructor")
    version = world.submit(lee, "Essay")
    world.clock.advance(days=2)

    marked(world, lee, ina, release=True)

    submitted, graded = world.deliveries()
    assert submitted.state == "superseded"  # never sent once the grade is released
    assert (graded.score_given, graded.score_maximum) == (28.5, 35)
    assert (graded.activity_progress, graded.grading_progress) == ("Completed", "FullyGraded")
    assert graded.comment == "Clear and thoughtful."
    assert graded.submitted_at == version.submitted_at
    assert world.service.released_mark(world.placement, lee.user_pk).total == 28.5


def test_a_mark_must_fit_the_rubric(world):
    lee, ina = world.person("Lee"), world.person("Ina", "instructor")
    world.submit(lee, "Essay")

    with pytest.raises(Refused, match="0 to 5 points"):
        marked(world, lee, ina, points={**RUBRIC, "essay-format": 6})
    with pytest.raises(Refused, match="in halves"):
        marked(world, lee, ina, points={**RUBRIC, "essay-format": 1.25})
    with pytest.raises(Refused, match="not a criterion"):
        marked(world, lee, ina, points={"made-up": 1})
    with pytest.raises(Refused, match="every criterion"):
        marked(world, lee, ina, points={"essay-format": 3}, release=True)


def test_release_all_releases_complete_draft_markings_only(world):
    lee, sam, ina = world.person("Lee"), world.person("Sam"), world.person("Ina", "instructor")
    world.submit(lee, "Lee's")
    world.submit(sam, "Sam's")
    marked(world, lee, ina)
    marked(world, sam, ina, points={"essay-format": 3})

    released = world.service.release_all(world.placement, ina, world.texts)
    world.session.commit()

    assert released == 1
    assert world.service.released_mark(world.placement, lee.user_pk) is not None
    assert world.service.released_mark(world.placement, sam.user_pk) is None


def test_no_resubmission_once_the_mark_is_released(world):
    lee, ina = world.person("Lee"), world.person("Ina", "instructor")
    world.submit(lee, "Essay")
    marked(world, lee, ina, release=True)

    with pytest.raises(Refused, match="has been marked"):
        world.submit(lee, "Better essay")


def test_learners_cannot_mark_and_nobody_marks_another_courses_learner(world):
    lee, sam = world.person("Lee"), world.person("Sam")
    outsider = world.person("Out", context=world.context("course-2"))
    ina = world.person("Ina", "instructor")
    version = world.submit(lee, "Essay")

    with pytest.raises(NotFound):
        world.service.save_mark(
            world.placement, sam, lee.user_pk, version.id, RUBRIC, "", texts=world.texts
        )
    with pytest.raises(NotFound):
        world.service.save_mark(
            world.placement, ina, outsider.user_pk, version.id, RUBRIC, "", texts=world.texts
        )
    with pytest.raises(NotFound):  # Sam's id with Lee's version
        world.service.save_mark(
            world.placement, ina, sam.user_pk, version.id, RUBRIC, "", texts=world.texts
        )


def test_a_learner_reaches_only_their_own_versions(world):
    lee, sam = world.person("Lee"), world.person("Sam")
    sams = world.submit(sam, "Sam's essay")

    with pytest.raises(NotFound):
        world.service.own_version(world.placement, lee, sams.id)
    assert world.service.own_version(world.placement, sam, sams.id).body == "Sam's essay"


# ---------------------------------------------------------------- statuses and the audit log


def test_statuses_follow_each_learner_from_not_started_to_released(world):
    lee, sam, kim = world.person("Lee"), world.person("Sam"), world.person("Kim")
    ann, bob = world.person("Ann"), world.person("Bob")
    ina = world.person("Ina", "instructor")
    world.service.save_draft(world.placement, sam, "Sam drafts", 0)
    world.submit(kim, "Kim submits")
    world.submit(ann, "Ann submits")
    world.submit(bob, "Bob submits")
    marked(world, ann, ina)
    marked(world, bob, ina, release=True)
    world.placement.due_at = START
    world.clock.advance(minutes=1)
    world.submit(lee, "Lee is late")

    rows = {r.name: r for r in world.service.statuses(world.placement, world.course, None)}

    assert {name: row.status for name, row in rows.items()} == {
        "Lee": "late",
        "Sam": "draft",
        "Kim": "submitted",
        "Ann": "graded",
        "Bob": "released",
        "Ina": "not started",
    }
    assert rows["Bob"].delivery.state == "pending"
    assert list(rows)[-1] == "Ina"  # learners first


def test_every_opening_by_an_instructor_is_in_the_audit_log(world):
    lee, ina = world.person("Lee"), world.person("Ina", "instructor")
    version = world.submit(lee, "Essay")

    world.service.open_for_marking(world.placement, ina, lee.user_pk)
    world.service.open_for_marking(world.placement, ina, lee.user_pk)
    world.session.commit()

    entries = world.service.audit(world.placement)
    assert [(e.action, actor, learner) for e, actor, learner in entries] == [
        (OPENED_SUBMISSION, "Ina", "Lee"),
        (OPENED_SUBMISSION, "Ina", "Lee"),
    ]
    assert entries[0][0].submission_pk == version.id
    assert world.session.scalar(select(func.count(AuditEntry.id))) == 2


def test_a_learner_cannot_open_anothers_work_for_marking(world):
    lee, sam = world.person("Lee"), world.person("Sam")
    world.submit(lee, "Essay")

    with pytest.raises(NotFound):
        world.service.open_for_marking(world.placement, sam, lee.user_pk)


def test_no_essay_text_reaches_the_logs_or_refusals(world, caplog):
    caplog.set_level(logging.DEBUG)
    lee = world.person("Lee")
    world.service.save_draft(world.placement, lee, "SECRET-DRAFT", 0)
    world.submit(lee, "SECRET-ESSAY")
    world.placement.resubmission = False
    with pytest.raises(Refused) as refused:
        world.submit(lee, "SECRET-SECOND")
    with pytest.raises(Refused) as too_long:
        world.service.save_draft(world.placement, lee, "SECRET" * 20_000, 1)

    assert "SECRET" not in caplog.text
    assert "SECRET" not in str(refused.value) + str(too_long.value)


def test_release_all_leaves_a_marking_of_a_replaced_version_as_a_draft(world):
    lee, ina = world.person("Lee"), world.person("Ina", "instructor")
    world.submit(lee, "First version")
    marked(world, lee, ina)
    world.submit(lee, "Second version, not marked yet")

    released = world.service.release_all(world.placement, ina, world.texts)

    assert released == 0
    assert world.service.released_mark(world.placement, lee.user_pk) is None
