"""Assignments over real HTTP, launched from the test platform: a learner drafts, autosaves,
submits and resubmits; an instructor marks and releases; the grade reaches the platform's AGS
endpoint; nobody reaches another learner's, course's or platform's work by changing an id.

Each person launches the link in their own cookie-less session, as in an LMS iframe; every
page after the launch is a POST carrying the launch token and the CSRF token, and autosave is a
``fetch`` with ``Authorization: Bearer`` and ``X-CSRF-Token``.
"""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import select

from lti_tool import db
from lti_tool.models import User
from tests.lti_platform import INSTRUCTOR, LEARNER, SECOND_LEARNER, launch
from tests.lti_platform.claims import ROLE_LEARNER
from tests.lti_platform.model import ADMINISTRATOR
from tests.lti_platform.model import User as PlatformUser

from .conftest import connect
from .helpers import csrf_token, launch_token
from .test_discussion_grading import deliver_all

ESSAY = "recovery-story-essay"
FINAL = "final-assignment"
THIRD_LEARNER = PlatformUser(
    "learner-3", "Kim Kaur", "Kim", "Kaur", "kim@example.edu", (ROLE_LEARNER,)
)
PLACEMENT = re.compile(r'data-placement="(\d+)"')
RECEIPT = re.compile(r"Your receipt is ([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})")
REVISION = re.compile(r'name="revision" id="essay-revision" value="(\d+)"')
REQUEST_KEY = re.compile(r'name="request_key" value="([^"]+)"')
RUBRIC = {
    "essay-personal-story": "8",
    "essay-recovery-approach": "7.5",
    "essay-peer-support": "9",
    "essay-format": "4",
}


@dataclass
class Person:
    """One person's view of one launched assignment."""

    tool_url: str
    page: str
    status: int = 200
    opened: int | None = None

    @property
    def placement(self) -> int:
        if self.opened is None:
            match = PLACEMENT.search(self.page)
            assert match, "the page is no assignment"
            self.opened = int(match.group(1))
        return self.opened

    def tokens(self) -> dict[str, str]:
        return {"lti_token": launch_token(self.page), "csrf_token": csrf_token(self.page)}

    def post(self, path: str, **fields) -> requests.Response:
        return requests.post(
            f"{self.tool_url}/assignments/{self.placement}{path}",
            data={**self.tokens(), **fields},
        )

    def submit(self, path: str, **fields: str) -> Person:
        """POST a form to ``/assignments/<this placement><path>`` and read the answer page."""
        response = self.post(path, **fields)
        if response.status_code in (200, 422):
            self.page = response.text
        self.status = response.status_code
        return self

    def autosave(self, body: str, revision: int | None = None) -> requests.Response:
        return requests.post(
            f"{self.tool_url}/assignments/{self.placement}/draft",
            data={"body": body, "revision": str(self.revision if revision is None else revision)},
            headers={
                "Authorization": f"Bearer {launch_token(self.page)}",
                "X-CSRF-Token": csrf_token(self.page),
                "Accept": "application/json",
            },
        )

    @property
    def revision(self) -> int:
        return int(REVISION.search(self.page).group(1))

    def hand_in(self, body: str, **fields: str) -> Person:
        key = REQUEST_KEY.search(self.page).group(1)
        return self.submit("/submit", body=body, request_key=key, **fields)

    def text(self) -> str:
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", self.page)).split())


def place(platform, course="c1", link="a1", assignment=ESSAY):
    platform.resource_link(course, link, custom={"activity": f"assignment:{assignment}"})


def open_as(connected, user, course="c1", link="a1") -> Person:
    response = launch(connected.platform, user=user, course_id=course, resource_link_id=link)
    assert response.status_code == 200, response.text[:500]
    match = PLACEMENT.search(response.text)
    return Person(connected.tool.url, response.text, opened=int(match.group(1)) if match else None)


def user_pk(app, sub: str) -> int:
    with app.app_context():
        return db.get_session().scalar(select(User.id).where(User.sub == sub))


@pytest.fixture
def course(connected):
    connected.platform.add_user(THIRD_LEARNER)
    place(connected.platform)
    return connected


def scores(connected, course="c1", link="a1") -> list[dict]:
    return connected.platform.scores_for(connected.platform.line_item_for(course, link))


# ------------------------------------------------------------------ the learner's page


def test_the_launch_shows_the_brief_draft_notice_rubric_and_support_notice(course):
    lee = open_as(course, LEARNER)

    text = lee.text()
    assert "First assessment task" in text
    assert "Draft: awaiting the course team" in text
    assert "personal recovery story in relation to" in text
    assert "Essay format" in text and "How it is marked (35 points)" in text
    assert "If this session brings up difficult feelings" in text
    assert "No due date set" in text
    assert "lti_token=" not in lee.page and "<script>" not in lee.page


def test_the_final_assignment_shows_its_draft_brief_too(course):
    place(course.platform, link="final", assignment=FINAL)

    lee = open_as(course, LEARNER, link="final")

    assert "Final assignment (draft)" in lee.text()
    assert "do not start work on them until your tutor confirms the brief" in lee.text()


def test_autosave_keeps_the_draft_for_the_next_launch(course):
    lee = open_as(course, LEARNER)

    first = lee.autosave("My story starts in 2015")
    unsigned = requests.post(
        f"{lee.tool_url}/assignments/{lee.placement}/draft",
        data={"body": "forged", "revision": "1"},
        headers={"Authorization": f"Bearer {launch_token(lee.page)}"},
    )

    assert first.status_code == 200 and first.json()["revision"] == 1
    assert first.json()["saved_at"].endswith("Z")
    assert unsigned.status_code == 403
    again = open_as(course, LEARNER)
    assert "My story starts in 2015" in again.page
    assert again.revision == 1
    assert "Saved at" in again.text() and "5 words" in again.text()
    assert "My story starts" not in open_as(course, SECOND_LEARNER).page


def test_two_tabs_conflict_instead_of_overwriting(course):
    tab_one = open_as(course, LEARNER)
    tab_two = open_as(course, LEARNER)
    assert tab_one.autosave("Tab one's words").status_code == 200

    conflict = tab_two.autosave("Tab two's words")

    assert conflict.status_code == 409
    assert conflict.json() == {
        "conflict": True,
        "revision": 1,
        "body": "Tab one's words",
        "saved_at": conflict.json()["saved_at"],
    }
    assert tab_two.autosave("Tab two's words", revision=1).status_code == 200  # chose to keep


def test_submit_gives_a_receipt_and_the_version_history(course):
    lee = open_as(course, LEARNER)
    lee.autosave("First thoughts")

    lee.hand_in("My recovery story and *peer support*.")

    assert lee.status == 200
    receipt = RECEIPT.search(lee.text()).group(1)
    assert "Version 1 was submitted on" in lee.text()
    assert f"receipt {receipt}" in lee.text()
    (version_button,) = re.findall(r"/versions/(\d+)", lee.page)
    one = lee.submit(f"/versions/{version_button}")
    assert "<em>peer support</em>" in one.page and receipt in one.text()


def test_a_resubmission_is_a_second_version_and_the_first_is_kept(course):
    lee = open_as(course, LEARNER).hand_in("Version one")
    lee.hand_in("Version two")

    assert "Version 2 was submitted" in lee.text()
    assert "Handed in: version 2," in lee.text()
    assert "Submit again as version 3" in lee.text()
    assert len(re.findall(r"/versions/(\d+)", lee.page)) == 2


def test_the_same_submit_form_sent_twice_makes_one_version(course):
    lee = open_as(course, LEARNER)
    key = REQUEST_KEY.search(lee.page).group(1)

    first = lee.post("/submit", body="Once", request_key=key)
    again = lee.post("/submit", body="Once", request_key=key)

    assert RECEIPT.search(html.unescape(first.text)).group(1) == RECEIPT.search(
        html.unescape(again.text)
    ).group(1)
    assert "Version 1 was submitted" in html.unescape(again.text)


def test_an_empty_submission_is_refused_and_the_text_kept(course):
    lee = open_as(course, LEARNER)

    lee.hand_in("   ")

    assert lee.status == 422 and "Write something first." in lee.text()


def test_late_work_is_marked_late_or_refused_as_the_instructor_set(course):
    ina = open_as(course, INSTRUCTOR)
    ina.submit("/settings", due_at="2020-01-01T12:00", late_policy="default")
    assert "Settings saved." in ina.text()

    lee = open_as(course, LEARNER).hand_in("Late but here")
    assert "after the due date (late)" in lee.text()

    ina.submit("/settings", due_at="2020-01-01T12:00", late_policy="refuse_late")
    sam = open_as(course, SECOND_LEARNER)
    assert "takes no late submissions" in sam.text()
    assert sam.submit("/submit", body="Too late").status == 422
    assert "Your draft is kept" in sam.text()


def test_work_over_the_word_limit_is_handed_in_and_shown_over_the_limit(course):
    """Academic word limits carry a tolerance and a penalty the marker decides: the tool never
    refuses an essay for its length (at a deadline that would cost the learner the work), it
    says so to the learner as they write and submit, and to the marker."""
    ina = open_as(course, INSTRUCTOR)
    ina.submit("/settings", word_limit="5", late_policy="default")
    assert "Settings saved." in ina.text()

    lee = open_as(course, LEARNER).hand_in("one two three four five six seven")

    assert lee.status == 200
    assert "7 words (over the 5-word limit)" in lee.text()
    lee_pk = user_pk(course.app, LEARNER.id)
    marking = open_as(course, INSTRUCTOR).submit(f"/learners/{lee_pk}")
    assert "7 words (over the 5-word limit)" in marking.text()


def test_the_lms_due_date_substitution_is_used_when_the_tool_sets_none(course):
    course.platform.resource_link(
        "c1",
        "canvas",
        custom={"activity": f"assignment:{ESSAY}", "due_at": "2031-05-01T16:00:00Z"},
    )

    lee = open_as(course, LEARNER, link="canvas")

    assert "1 May 2031, 16:00 UTC" in lee.text()


def test_the_learner_downloads_everything_they_wrote_and_received(course):
    lee = open_as(course, LEARNER).hand_in("What I handed in")
    receipt = RECEIPT.search(lee.text()).group(1)

    answer = lee.post("/mine")

    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert answer.headers["Content-Type"].startswith("text/markdown")
    assert "What I handed in" in answer.text and receipt in answer.text


# ------------------------------------------------------------------ marking and grades


def mark_lee(connected, action: str = "release", **points: str) -> Person:
    lee_pk = user_pk(connected.app, LEARNER.id)
    ina = open_as(connected, INSTRUCTOR).submit(f"/learners/{lee_pk}")
    submission = re.search(r'name="submission" value="(\d+)"', ina.page).group(1)
    fields = {f"points-{k}": v for k, v in {**RUBRIC, **points}.items()}
    return ina.submit(
        f"/learners/{lee_pk}/mark",
        submission=submission,
        feedback="Clear and **honest**.",
        action=action,
        **fields,
    )


def test_a_marked_and_released_essay_reaches_the_gradebook_with_the_ags_fields(course):
    open_as(course, LEARNER).hand_in("My essay")
    deliver_all(course.app)

    ina = mark_lee(course, action="save")
    assert "Marking saved as a draft" in ina.text()
    assert "Your mark" not in open_as(course, LEARNER).text()
    ina = mark_lee(course)
    assert "The mark is released" in ina.text()
    deliver_all(course.app)

    submitted, graded = scores(course)
    assert submitted["activityProgress"] == "Submitted"
    assert submitted["gradingProgress"] == "PendingManual"
    assert "scoreGiven" not in submitted
    assert set(graded) == {
        "userId",
        "scoreGiven",
        "scoreMaximum",
        "comment",
        "timestamp",
        "activityProgress",
        "gradingProgress",
    }
    assert (graded["userId"], graded["scoreGiven"], graded["scoreMaximum"]) == (
        LEARNER.id,
        28.5,
        35,
    )
    assert (graded["activityProgress"], graded["gradingProgress"]) == ("Completed", "FullyGraded")
    assert graded["comment"] == "Clear and **honest**."
    lee = open_as(course, LEARNER)
    assert "Your mark: 28.5 / 35" in lee.text()
    assert "<strong>honest</strong>" in lee.page
    assert "Essay format 4 / 5" in lee.text()
    assert "has been marked: it can no longer be resubmitted" in lee.text()


def test_after_two_500s_and_a_429_the_grade_arrives_exactly_once(course):
    open_as(course, LEARNER).hand_in("My essay")
    deliver_all(course.app)
    course.platform.fail_next_scores(2, status=500)
    course.platform.fail_next_scores(1, status=429, retry_after=1)

    mark_lee(course)
    deliver_all(course.app)

    graded = [s for s in scores(course) if "scoreGiven" in s]
    assert len(graded) == 1 and graded[0]["scoreGiven"] == 28.5
    posts = [r for r in course.platform.recorded.service_requests if r["path"].endswith("/scores")]
    assert [r["status"] for r in posts] == [204, 500, 500, 429, 204]
    result = course.platform.result(course.platform.line_item_for("c1", "a1"), LEARNER.id)
    assert (result["scoreGiven"], result["gradingProgress"]) == (28.5, "FullyGraded")


def test_an_expired_access_token_is_replaced_and_the_grade_delivered(course):
    open_as(course, LEARNER).hand_in("My essay")
    deliver_all(course.app)
    course.platform.expire_access_tokens()

    mark_lee(course)
    deliver_all(course.app)

    assert [s.get("scoreGiven") for s in scores(course)] == [None, 28.5]


def test_the_instructor_list_shows_nrps_learners_statuses_and_deliveries(course):
    open_as(course, LEARNER).hand_in("Lee's essay")
    sam = open_as(course, SECOND_LEARNER)
    sam.autosave("Sam drafts")
    course.platform.fail_next_scores(1, status=400)
    deliver_all(course.app)

    listing = open_as(course, INSTRUCTOR).text()

    assert "Kim Kaur not started" in listing and "has not opened the activity" in listing
    assert "Sam Student draft" in listing
    assert "Lee Learner submitted" in listing
    assert "Submission: not accepted by the LMS" in listing
    assert "Retry sending the grade for Lee Learner" in listing
    assert "Ina Instructor" not in listing  # learners only


def test_the_instructor_retries_a_failed_delivery(course):
    open_as(course, LEARNER).hand_in("Lee's essay")
    course.platform.fail_next_scores(1, status=400)
    deliver_all(course.app)
    ina = open_as(course, INSTRUCTOR)
    (delivery,) = re.findall(r"/deliveries/(\d+)/retry", ina.page)

    ina.submit(f"/deliveries/{delivery}/retry")
    deliver_all(course.app)

    assert "The grade is being sent again." in ina.text()
    assert "Submission: in the LMS gradebook" in open_as(course, INSTRUCTOR).text()


def test_release_all_and_the_csv_export_of_marks(course):
    open_as(course, LEARNER).hand_in("Lee's essay")
    open_as(course, SECOND_LEARNER).hand_in("Sam's essay")
    mark_lee(course, action="save")

    ina = open_as(course, INSTRUCTOR).submit("/release-all")
    assert "1 mark(s) released" in ina.text()

    answer = ina.post("/marks.csv")
    assert answer.headers["Content-Type"].startswith("text/csv")
    lines = answer.text.splitlines()
    assert lines[0].startswith("name,status,version,submitted_at,late,receipt,essay-personal")
    lee_line = next(line for line in lines if line.startswith("Lee Learner"))
    assert ",released,1," in lee_line and ",8,7.5,9,4,28.5,35,released," in lee_line
    assert any(line.startswith("Sam Student,submitted,1,") for line in lines)
    assert any(line.startswith("Kim Kaur,not started") for line in lines)
    assert "essay" not in answer.text.lower().replace("essay-", "")  # no essay text


def test_every_opening_is_audited_and_administrators_read_the_log(course):
    open_as(course, LEARNER).hand_in("Lee's essay")
    lee_pk = user_pk(course.app, LEARNER.id)
    open_as(course, INSTRUCTOR).submit(f"/learners/{lee_pk}")

    ina = open_as(course, INSTRUCTOR)
    assert ina.submit("/audit").status == 403
    log = open_as(course, ADMINISTRATOR).submit("/audit")

    assert log.status == 200
    assert "Ina Instructor opened the work of Lee Learner" in log.text()


def test_learners_cannot_reach_instructor_routes(course):
    lee = open_as(course, LEARNER).hand_in("Lee's essay")
    lee_pk = user_pk(course.app, LEARNER.id)

    for path in (
        "/submissions",
        f"/learners/{lee_pk}",
        f"/learners/{lee_pk}/mark",
        "/release-all",
        "/settings",
        "/deliveries/1/retry",
        "/marks.csv",
        "/audit",
    ):
        assert lee.post(path).status_code == 403, path


# ------------------------------------------------------------------ isolation

#: Every route that takes an id, with who may use it and which ids it takes.
ROUTES = [
    ("", "learner"),
    ("/write", "learner"),
    ("/draft", "learner"),
    ("/submit", "learner"),
    ("/mine", "learner"),
    ("/files", "learner"),
    ("/versions/{version}", "learner"),
    ("/files/{file}", "learner"),
    ("/files/{file}/remove", "learner"),
    ("/submissions", "instructor"),
    ("/learners/{learner}", "instructor"),
    ("/learners/{learner}/mark", "instructor"),
    ("/release-all", "instructor"),
    ("/settings", "instructor"),
    ("/deliveries/{delivery}/retry", "instructor"),
    ("/marks.csv", "instructor"),
    ("/audit", "admin"),
]
PDF = b"%PDF-1.4\n% a tiny test file\n%%EOF\n"


def attach(person: Person, data: bytes = PDF, name: str = "notes.pdf") -> requests.Response:
    return requests.post(
        f"{person.tool_url}/assignments/{person.placement}/files",
        data=person.tokens(),
        files={"file": (name, data, "application/octet-stream")},
    )


def ids_of(app, placement_pk: int) -> dict[str, int]:
    """The ids of the (one) submitted essay, its file and its grade at a placement."""
    from lti_tool.assignments.models import Attachment, Placement, Submission
    from lti_tool.grades.models import GradeDelivery

    with app.app_context():
        session = db.get_session()
        version = session.scalar(select(Submission).where(Submission.placement_pk == placement_pk))
        link = session.get(Placement, placement_pk).resource_link_pk
        return {
            "placement": placement_pk,
            "version": version.id,
            "learner": version.user_id,
            "file": session.scalar(
                select(Attachment.id).where(Attachment.placement_pk == placement_pk)
            ),
            "delivery": session.scalar(
                select(GradeDelivery.id).where(GradeDelivery.resource_link_pk == link)
            ),
        }


OUTSIDER = PlatformUser(
    "learner-9", "Otto Outside", "Otto", "Outside", "o@example.edu", (ROLE_LEARNER,)
)


@pytest.fixture
def elsewhere(app, course, lti_platform_factory, live_tool):
    """A submitted essay with a file and a grade at another link of our course (Sam's, who is
    in our course), in another course (someone only there) and on another platform."""
    other_platform = connect(app, lti_platform_factory(), live_tool)
    course.platform.add_user(OUTSIDER)
    found = {}
    for name, connected, who, where in (
        ("link", course, SECOND_LEARNER, dict(link="a2")),
        ("course", course, OUTSIDER, dict(course="c2", link="b1")),
        ("platform", other_platform, SECOND_LEARNER, dict(course="c1", link="a1")),
    ):
        place(connected.platform, **where)
        author = open_as(connected, who, **where)
        assert attach(author).status_code == 200
        author.page = open_as(connected, who, **where).page
        author.hand_in(f"secret essay {name}")
        assert author.status == 200
        found[name] = ids_of(app, author.placement)
    return found


def own_ids(course) -> dict[str, int]:
    """Kim's work on our own placement: another learner of the same link."""
    kim = open_as(course, THIRD_LEARNER)
    assert attach(kim).status_code == 200
    kim.page = open_as(course, THIRD_LEARNER).page
    kim.hand_in("secret essay of Kim")
    ids = ids_of(course.app, kim.placement)
    from lti_tool.assignments.models import Submission

    with course.app.app_context():  # Kim's own, not the first essay of the placement
        version = db.get_session().scalar(
            select(Submission).where(
                Submission.placement_pk == kim.placement,
                Submission.user_id == user_pk(course.app, THIRD_LEARNER.id),
            )
        )
    return {**ids, "version": version.id, "learner": version.user_id}


@pytest.mark.parametrize("path,needs", ROUTES)
def test_every_route_answers_404_for_another_learners_courses_or_platforms_ids(
    course, elsewhere, path, needs
):
    viewer = {"learner": LEARNER, "instructor": INSTRUCTOR, "admin": ADMINISTRATOR}[needs]
    kims = own_ids(course)
    me = open_as(course, viewer)
    here = me.placement
    # Their placement with every id of ours; our placement with every id of theirs; for a
    # learner, our placement with another learner's (Kim's) ids.
    attempts = [(ids["placement"], kims, name) for name, ids in elsewhere.items()]
    attempts += [(here, ids, name) for name, ids in elsewhere.items() if "{" in path]
    if needs == "learner" and "{" in path:
        attempts.append((here, kims, "another learner"))
    for placement, ids, name in attempts:
        url = f"{me.tool_url}/assignments/{placement}" + path.format(**ids)
        if name == "link" and placement == here and path == "/learners/{learner}":
            # Sam is a learner of our course: the page opens, showing nothing of the other link.
            answer = requests.post(url, data=me.tokens())
            assert answer.status_code == 200 and "secret" not in answer.text
            continue
        response = requests.post(
            url,
            data={**me.tokens(), "body": "x", "revision": "0", "submission": str(ids["version"])},
            files={"file": ("x.pdf", PDF)} if path == "/files" else None,
        )
        assert response.status_code == 404, (name, url, response.status_code)
        assert "secret" not in response.text


def test_an_html_file_named_pdf_is_refused(course):
    lee = open_as(course, LEARNER)

    answer = attach(lee, b"<!doctype html><script>alert(1)</script>", "essay.pdf")

    assert answer.status_code == 422
    assert "not a PDF, Word (.docx) or OpenDocument (.odt) document" in html.unescape(answer.text)


def test_an_attached_pdf_is_handed_in_and_downloaded_as_an_attachment_with_nosniff(course):
    lee = open_as(course, LEARNER)
    attached = attach(lee, name="my story.PDF")
    assert attached.status_code == 200
    lee.page = attached.text
    lee.hand_in("See the attached notes")
    (file_pk,) = set(re.findall(r"/files/(\d+)\"", lee.page))

    for person in (lee, open_as(course, INSTRUCTOR)):
        answer = requests.post(
            f"{person.tool_url}/assignments/{person.placement}/files/{file_pk}",
            data=person.tokens(),
        )
        assert answer.status_code == 200
        assert answer.content == PDF
        assert answer.headers["Content-Type"] == "application/pdf"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Content-Disposition"].startswith("attachment;")
        assert "my story.pdf" in answer.headers["Content-Disposition"]


def test_the_pages_are_well_formed(course):
    from .test_pages import assert_accessible_structure

    lee = open_as(course, LEARNER)
    assert_accessible_structure(lee.page)
    lee.hand_in("An essay")
    assert_accessible_structure(lee.page)
    lee_pk = user_pk(course.app, LEARNER.id)
    for path in ("", f"/learners/{lee_pk}"):
        assert_accessible_structure(open_as(course, INSTRUCTOR).submit(path).page)
    assert_accessible_structure(open_as(course, ADMINISTRATOR).submit("/audit").page)


def test_essays_never_reach_the_logs(course, caplog):
    caplog.set_level(logging.DEBUG)
    lee = open_as(course, LEARNER)
    lee.autosave("SECRET-DRAFT")
    lee.hand_in("SECRET-ESSAY")
    attach(lee, b"<html>SECRET-FILE</html>", "SECRET-NAME.pdf")
    lee.hand_in("x" * 200_000 + "SECRET-TOO-LONG")
    mark_lee(course)

    assert "SECRET" not in caplog.text


def test_an_instructor_sees_the_learners_page_without_submitting_for_anyone(course):
    ina = open_as(course, INSTRUCTOR)

    ina.submit("/write")

    assert "Your essay" in ina.text() and json.dumps  # the learner's page renders for staff


def test_a_file_over_the_size_limit_is_refused_with_the_limit_named(course):
    course.app.config["ASSIGNMENT_FILE_MAX_BYTES"] = 1024 * 1024
    lee = open_as(course, LEARNER)

    over = attach(lee, PDF + b"0" * (1024 * 1024), "big.pdf")
    far_over = attach(lee, PDF + b"0" * (3 * 1024 * 1024), "huge.pdf")

    assert over.status_code == 422 and "larger than 1 MB" in html.unescape(over.text)
    assert far_over.status_code == 413 and "too large" in far_over.text
    assert "big.pdf" not in open_as(course, LEARNER).page


def test_an_instructors_download_of_a_learners_file_is_audited(course):
    from lti_tool.assignments.models import AuditEntry

    lee = open_as(course, LEARNER)
    lee.page = attach(lee).text
    lee.hand_in("With a file")
    (file_pk,) = set(re.findall(r"/files/(\d+)\"", lee.page))
    lee.post(f"/files/{file_pk}")  # the learner's own download is not an opening of others' work
    ina = open_as(course, INSTRUCTOR)

    assert ina.post(f"/files/{file_pk}").status_code == 200

    with course.app.app_context():
        actions = db.get_session().scalars(select(AuditEntry.action)).all()
    assert actions == ["downloaded_file"]


def test_canvas_gets_a_new_submission_at_submit_and_a_grade_only_update_at_release(
    app, lti_platform_factory, live_tool
):
    canvas = connect(app, lti_platform_factory(name="Canvas"), live_tool)
    place(canvas.platform)
    lee = open_as(canvas, LEARNER).hand_in("My essay")
    deliver_all(app)

    mark_lee(canvas)
    deliver_all(app)

    submitted, graded = scores(canvas)
    extension = "https://canvas.instructure.com/lti/submission"
    assert submitted[extension]["new_submission"] is True
    assert graded[extension]["new_submission"] is False
    assert graded[extension]["submitted_at"] == submitted[extension]["submitted_at"]
    result = canvas.platform.result(canvas.platform.line_item_for("c1", "a1"), LEARNER.id)
    assert (result["scoreGiven"], result["submission_attempts"]) == (28.5, 1)
    assert "Version 1 was submitted" in lee.text()


def test_a_draft_marking_reaches_neither_the_learners_page_nor_their_download(course):
    open_as(course, LEARNER).hand_in("My essay")
    mark_lee(course, action="save")

    lee = open_as(course, LEARNER)
    download = lee.post("/mine").text

    assert "Your mark" not in lee.text() and "honest" not in lee.page
    assert "Mark:" not in download and "honest" not in download
