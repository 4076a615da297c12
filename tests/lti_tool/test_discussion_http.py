"""Scenario discussions over real HTTP, launched from the test platform.

Each person launches the link in their own cookie-less session, as in an LMS iframe; every
page after the launch is a POST carrying the launch token and the CSRF token.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest
import requests

from tests.lti_platform import (
    ADMINISTRATOR,
    CONTENT_DEVELOPER,
    INSTRUCTOR,
    LEARNER,
    SECOND_LEARNER,
    TEACHING_ASSISTANT,
    User,
    launch,
)
from tests.lti_platform.claims import ROLE_LEARNER

from .conftest import connect
from .helpers import csrf_token, launch_token

THIRD_LEARNER = User("learner-3", "Kim Kaur", "Kim", "Kaur", "kim@example.edu", (ROLE_LEARNER,))
JOHN = "scenario-john-roofer"
BOB = "scenario-bob-loan"
POST_ID = re.compile(r'id="post-(\d+)"')
DISCUSSION = re.compile(r'data-discussion="(\d+)"')


@dataclass
class Person:
    """One person's view of one launched discussion."""

    tool_url: str
    page: str
    status: int = 200
    opened: int | None = None

    @property
    def discussion(self) -> int:
        """The discussion the launch opened (the later pages are about it too)."""
        if self.opened is None:
            match = DISCUSSION.search(self.page)
            assert match, "the page is no discussion"
            self.opened = int(match.group(1))
        return self.opened

    def submit(self, path: str, **fields: str) -> Person:
        """POST to ``/discussions/<this discussion><path>`` with the page's tokens."""
        data = {
            "lti_token": launch_token(self.page),
            "csrf_token": csrf_token(self.page),
            **fields,
        }
        response = requests.post(f"{self.tool_url}/discussions/{self.discussion}{path}", data=data)
        if response.status_code in (200, 422):
            self.page = response.text
        self.status = response.status_code
        return self

    def text(self) -> str:
        return html.unescape(re.sub(r"<[^>]+>", " ", self.page))

    def post_ids(self) -> list[int]:
        return [int(n) for n in POST_ID.findall(self.page)]


def post_id_of(page: str, words: str) -> int:
    """The id of the post whose text contains ``words``."""
    before = page[: page.index(words)]
    return int(POST_ID.findall(before)[-1])


def place(platform, course="c1", link="a1", scenario=JOHN):
    platform.resource_link(course, link, custom={"activity": f"scenario:{scenario}"})


def open_as(connected, user, course="c1", link="a1") -> Person:
    response = launch(connected.platform, user=user, course_id=course, resource_link_id=link)
    assert response.status_code == 200, response.text[:500]
    match = DISCUSSION.search(response.text)
    return Person(connected.tool.url, response.text, opened=int(match.group(1)) if match else None)


@pytest.fixture
def course(connected):
    connected.platform.add_user(THIRD_LEARNER)
    place(connected.platform)
    # Every launch is a new visit here (the default groups page views of ten minutes).
    connected.app.config["DISCUSSION_VISIT_GAP_SECONDS"] = 0
    return connected


# ------------------------------------------------------------------ the launch


def test_a_scenario_link_opens_its_discussion_with_texts_from_the_course(course):
    from lti_tool.activities import DEFAULT_COURSE_PATH
    from scormgen.load import load_course

    (scenario,) = [s for s in load_course(DEFAULT_COURSE_PATH).scenarios if s.id == JOHN]

    lee = open_as(course, LEARNER)

    text = " ".join(lee.text().split())
    assert scenario.title in text
    assert " ".join(scenario.situation.split()) in text
    for prompt in scenario.prompts:
        assert prompt in text
    assert "Ground rules" in text and "Confidentiality" in text
    assert "covers confidentiality, participation and commitment" in text  # from course.yml
    assert "If this session brings up difficult feelings" in text  # course.yml support notice
    assert "issues around dual relationships" not in text  # commentary: after posting


def test_the_page_puts_no_token_in_any_url(course):
    lee = open_as(course, LEARNER)

    assert "lti_token=" not in lee.page
    assert 'method="post"' in lee.page and "<script>" not in lee.page


def test_an_unknown_scenario_says_so(course):
    place(course.platform, link="gone", scenario="scenario-no-such")

    response = launch(course.platform, user=LEARNER, course_id="c1", resource_link_id="gone")

    assert response.status_code == 404
    assert "Please tell your instructor" in response.text


def test_the_same_scenario_at_two_links_or_two_courses_are_separate_discussions(course):
    place(course.platform, link="a2")
    place(course.platform, course="c2", link="b1")  # resource link ids are unique per deployment
    lee = open_as(course, LEARNER)
    lee.submit("/posts", body="Only in the first link")

    for where in (dict(link="a2"), dict(course="c2", link="b1")):
        sam = open_as(course, SECOND_LEARNER, **where)
        assert sam.discussion != lee.discussion
        sam.submit("/posts", body="Sam elsewhere")
        assert "Only in the first link" not in sam.page


# ------------------------------------------------------------------ post first


def test_post_first_learners_see_a_count_then_the_posts_and_the_commentary(course):
    sam = open_as(course, SECOND_LEARNER)
    sam.submit("/posts", body="Sam thinks *carefully*")
    lee = open_as(course, LEARNER)

    assert "1 person has posted." in lee.text()
    assert "Sam thinks" not in lee.page

    lee.submit("/posts", body="Lee thinks")
    assert lee.status == 200
    assert "Your post is published." in lee.text()
    assert "<em>carefully</em>" in lee.page
    assert "2 people have posted." in lee.text()
    assert "issues around dual relationships" in lee.text()


@pytest.mark.parametrize("user", [INSTRUCTOR, TEACHING_ASSISTANT, CONTENT_DEVELOPER, ADMINISTRATOR])
def test_every_instructor_role_reads_without_posting(course, user):
    open_as(course, SECOND_LEARNER).submit("/posts", body="Sam's view")

    staff = open_as(course, user)

    assert "Sam's view" in staff.page
    assert "Sam Student" in staff.page
    assert "For instructors" in staff.text()


def test_before_posting_no_route_reveals_a_post(course):
    sam = open_as(course, SECOND_LEARNER).submit("/posts", body="Sam's private view")
    (sams,) = sam.post_ids()
    lee = open_as(course, LEARNER)

    answers = [
        lee.submit("").page,
        lee.submit("/preview", body="draft").page,
        *(
            lee.submit(path, body="x", reason="other").page
            for path in (
                f"/posts/{sams}/edit",
                f"/posts/{sams}/delete",
                f"/posts/{sams}/report",
                f"/posts/{sams}/reply-form",
                f"/posts/{sams}/edit-form",
                f"/posts/{sams}/delete-form",
                f"/posts/{sams}/report-form",
                f"/posts/{sams}/hide-form",
            )
        ),
        lee.submit("/posts", body="reply", parent=str(sams)).page,
    ]

    for answer in answers:
        assert "Sam's private view" not in answer
        assert "Sam Student" not in answer


# ------------------------------------------------------------------ anonymity


def test_anonymous_discussions_show_pseudonyms_to_peers_and_names_to_instructors(course):
    ina = open_as(course, INSTRUCTOR)
    ina.submit(
        "/settings",
        post_first="on",
        anonymous="on",
        commentary_reveal="after_posting",
        edit_window_minutes="30",
        grading="ungraded",
        grading_target="1",
    )
    assert "Settings saved." in ina.text()
    open_as(course, SECOND_LEARNER).submit("/posts", body="Sam's words")
    open_as(course, THIRD_LEARNER).submit("/posts", body="Kim's words")

    lee = open_as(course, LEARNER).submit("/posts", body="Lee's words")

    assert "Sam Student" not in lee.page and "Kim Kaur" not in lee.page
    assert "learner-2" not in lee.page and "sam@example.edu" not in lee.page
    assert "Participant 1" in lee.page and "Participant 2" in lee.page
    assert "You" in lee.page
    ina = open_as(course, INSTRUCTOR)
    assert "Sam Student" in ina.page and "Kim Kaur" in ina.page


# ------------------------------------------------------------------ threads, edit, delete, report


def test_three_learners_post_reply_edit_delete_and_report(course):
    lee = open_as(course, LEARNER).submit("/posts", body="Lee: clarity at the outset")
    (lees,) = lee.post_ids()
    sam = open_as(course, SECOND_LEARNER).submit("/posts", body="Sam: power matters")
    sam.submit("/posts", body="Sam replies to Lee", parent=str(lees))
    kim = open_as(course, THIRD_LEARNER).submit("/posts", body="Kim: say no kindly")

    lee = open_as(course, LEARNER)
    assert "New since your last visit" in lee.page
    lee.submit(f"/posts/{lees}/edit", body="Lee: clarity, agreed early and revisited")
    assert "Your post is updated." in lee.text() and "agreed early and revisited" in lee.page

    kims = post_id_of(kim.page, "Kim: say no kindly")
    lee.submit(f"/posts/{kims}/report", reason="safeguarding", note="Kim seemed low")
    assert "nobody else learns who sent it" in lee.text()

    lee.submit(f"/posts/{lees}/delete")
    assert "Removed by its author." in lee.text()
    assert "agreed early and revisited" not in lee.page and "Sam replies to Lee" in lee.page

    sam = open_as(course, SECOND_LEARNER)
    assert "Kim seemed low" not in sam.page and "open report" not in sam.page
    ina = open_as(course, INSTRUCTOR)
    assert "safeguarding concern" in ina.text()
    reports = ina.submit("/reports")
    assert "Kim seemed low" in reports.text() and "Lee Learner" in reports.text()


def test_an_edit_of_anothers_post_is_not_found(course):
    sam = open_as(course, SECOND_LEARNER).submit("/posts", body="Sam's")
    (sams,) = sam.post_ids()
    lee = open_as(course, LEARNER).submit("/posts", body="Lee's")

    lee.submit(f"/posts/{sams}/edit", body="hijacked")

    assert lee.status == 404


def test_a_refused_post_keeps_the_draft(course):
    lee = open_as(course, LEARNER)

    lee.submit("/posts", body="   ")

    assert lee.status == 422
    assert "Write something first." in lee.text()


def test_preview_renders_the_markdown_without_posting(course):
    lee = open_as(course, LEARNER)

    lee.submit("/preview", body="- one\n- **two**")

    assert "<strong>two</strong>" in lee.page
    assert "0 people have posted." in lee.text()
    assert "- one\n- **two**" in html.unescape(lee.page)  # the draft stays in the composer


# ------------------------------------------------------------------ moderation


def test_instructors_hide_restore_pin_and_lock(course):
    sam = open_as(course, SECOND_LEARNER).submit("/posts", body="Sam's unkind words")
    (sams,) = sam.post_ids()
    ina = open_as(course, INSTRUCTOR)

    ina.submit(f"/posts/{sams}/hide", reason="Please keep it kind")
    sam = open_as(course, SECOND_LEARNER)
    assert (
        "Hidden by the instructors: only you and the instructors can see this post."
        " Their reason: Please keep it kind" in sam.text()
    )
    lee = open_as(course, LEARNER).submit("/posts", body="Lee's")
    assert "Sam's unkind words" not in lee.page and "Please keep it kind" not in lee.page

    ina.submit(f"/posts/{sams}/restore")
    ina.submit(f"/posts/{sams}/pin", pinned="1")
    assert "Pinned" in ina.text()
    ina.submit("/lock", locked="1")
    lee = open_as(course, LEARNER)
    assert "This discussion is locked: no new posts." in lee.text()
    assert lee.submit("/posts", body="more").status == 422 and "locked" in lee.text()


def test_learners_cannot_reach_moderation_routes(course):
    sam = open_as(course, SECOND_LEARNER).submit("/posts", body="Sam's")
    (sams,) = sam.post_ids()

    for path in (
        f"/posts/{sams}/hide",
        f"/posts/{sams}/restore",
        f"/posts/{sams}/pin",
        f"/posts/{sams}/history",
        "/lock",
        "/commentary",
        "/settings",
        "/reports",
        "/reports/1/handled",
        "/roster",
        "/roster.csv",
    ):
        assert sam.submit(path, reason="x").status == 403, path


def test_the_roster_counts_posts_per_person_and_exports_csv(course):
    open_as(course, SECOND_LEARNER).submit("/posts", body="one")
    open_as(course, LEARNER)
    ina = open_as(course, INSTRUCTOR)

    roster = ina.submit("/roster").text()
    assert "Sam Student" in roster and "Lee Learner" in roster
    ina = open_as(course, INSTRUCTOR)
    data = {"lti_token": launch_token(ina.page), "csrf_token": csrf_token(ina.page)}
    csv = requests.post(f"{ina.tool_url}/discussions/{ina.discussion}/roster.csv", data=data)
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert "Sam Student,learner,1" in csv.text and "Lee Learner,learner,0" in csv.text


# ------------------------------------------------------------------ isolation


ROUTES = [
    ("", "learner"),
    ("/posts", "learner"),
    ("/preview", "learner"),
    ("/posts/{post}/edit", "learner"),
    ("/posts/{post}/delete", "learner"),
    ("/posts/{post}/report", "learner"),
    ("/posts/{post}/reply-form", "learner"),
    ("/posts/{post}/edit-form", "learner"),
    ("/posts/{post}/delete-form", "learner"),
    ("/posts/{post}/report-form", "learner"),
    ("/posts/{post}/hide-form", "instructor"),
    ("/draft", "learner"),
    ("/mine", "learner"),
    ("/marks/{user}", "instructor"),
    ("/posts/{post}/hide", "instructor"),
    ("/posts/{post}/restore", "instructor"),
    ("/posts/{post}/pin", "instructor"),
    ("/posts/{post}/history", "instructor"),
    ("/lock", "instructor"),
    ("/commentary", "instructor"),
    ("/settings", "instructor"),
    ("/reports", "instructor"),
    ("/reports/{report}/handled", "instructor"),
    ("/roster", "instructor"),
    ("/roster.csv", "instructor"),
]


@pytest.fixture
def elsewhere(app, course, lti_platform_factory, live_tool):
    """Discussions with a post and a report at another link, another course, another platform.

    The posts elsewhere are Kim's, who is in no discussion of course c1: her user id is
    foreign to c1 (except through link a2, which is in c1)."""
    from sqlalchemy import select

    from lti_tool import db
    from lti_tool.discussions.models import Post, Report

    other_platform = connect(app, lti_platform_factory(), live_tool)
    other_platform.platform.add_user(THIRD_LEARNER)
    found = {}
    for name, connected, author, where in (
        ("link", course, SECOND_LEARNER, dict(link="a2")),
        ("course", course, THIRD_LEARNER, dict(course="c2", link="b1")),
        ("platform", other_platform, THIRD_LEARNER, dict(course="c1", link="a1")),
    ):
        place(connected.platform, **where)
        them = open_as(connected, author, **where).submit("/posts", body=f"secret {name}")
        (post,) = them.post_ids()
        lee = open_as(connected, LEARNER, **where).submit("/posts", body="lee")
        lee.submit(f"/posts/{post}/report", reason="other")
        with app.app_context():
            session = db.get_session()
            report = session.scalar(select(Report.id).where(Report.post_id == post))
            user = session.scalar(select(Post.author_id).where(Post.id == post))
        found[name] = {"discussion": them.discussion, "post": post, "report": report, "user": user}
    return found


@pytest.mark.parametrize("path,needs", ROUTES)
def test_every_route_answers_404_for_another_links_courses_or_platforms_ids(
    course, elsewhere, path, needs
):
    ina = open_as(course, INSTRUCTOR)
    here = ina.discussion
    own_post = open_as(course, LEARNER).submit("/posts", body="mine").post_ids()[0]

    for name, ids in elsewhere.items():
        # Their discussion id with our token, and our discussion id with their post id.
        for discussion, post in ((ids["discussion"], own_post), (here, ids["post"])):
            if discussion == here and not any(
                f"{{{n}}}" in path for n in ("post", "report", "user")
            ):
                continue
            if discussion == here and "{user}" in path and name == "link":
                continue  # the other link is in this course: its people are ours too
            url = f"{ina.tool_url}/discussions/{discussion}" + path.format(
                post=post, report=ids["report"], user=ids["user"]
            )
            response = requests.post(
                url,
                data={
                    "lti_token": launch_token(ina.page),
                    "csrf_token": csrf_token(ina.page),
                    "body": "x",
                    "reason": "x",
                    "mark": "1",
                },
            )
            assert response.status_code == 404, (name, url)
            assert "secret" not in response.text


def test_every_discussion_page_is_well_formed(course):
    from .test_pages import assert_accessible_structure

    sam = open_as(course, SECOND_LEARNER).submit("/posts", body="Sam's")
    (sams,) = sam.post_ids()
    sam.submit(f"/posts/{sams}/edit", body="Sam's, edited")
    lee = open_as(course, LEARNER)
    assert_accessible_structure(lee.page)
    lee.submit("/posts", body="Lee's")
    lee.submit(f"/posts/{sams}/report", reason="other")
    assert_accessible_structure(lee.page)
    for action in ("reply", "report"):
        assert_accessible_structure(
            open_as(course, LEARNER).submit(f"/posts/{sams}/{action}-form").page
        )
    lees = post_id_of(lee.page, "Lee's")
    for action in ("edit", "delete"):
        assert_accessible_structure(
            open_as(course, LEARNER).submit(f"/posts/{lees}/{action}-form").page
        )
    for path in ("", "/reports", "/roster", f"/posts/{sams}/history", f"/posts/{sams}/hide-form"):
        ina = open_as(course, INSTRUCTOR)
        assert_accessible_structure(ina.submit(path).page)


def test_the_draft_is_saved_with_header_tokens_and_shown_at_the_next_launch(course):
    lee = open_as(course, LEARNER)

    saved = requests.post(
        f"{lee.tool_url}/discussions/{lee.discussion}/draft",
        data={"body": "half a thought"},
        headers={
            "Authorization": f"Bearer {launch_token(lee.page)}",
            "X-CSRF-Token": csrf_token(lee.page),
        },
    )
    unsigned = requests.post(
        f"{lee.tool_url}/discussions/{lee.discussion}/draft",
        data={"body": "forged"},
        headers={"Authorization": f"Bearer {launch_token(lee.page)}"},
    )

    assert (saved.status_code, unsigned.status_code) == (204, 403)
    assert "half a thought" in open_as(course, LEARNER).page
    assert "half a thought" not in open_as(course, SECOND_LEARNER).page


def test_post_text_never_reaches_the_logs(course, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    lee = open_as(course, LEARNER)
    lee.submit("/preview", body="SECRET-PREVIEW")
    lee.submit("/posts", body="SECRET-POST")
    (mine,) = lee.post_ids()
    lee.submit(f"/posts/{mine}/edit", body="SECRET-EDIT")
    lee.submit("/posts", body="x" * 6000 + "SECRET-TOO-LONG")

    assert "SECRET" not in caplog.text


def test_deep_linking_all_four_scenarios_places_four_links_each_its_own_discussion(connected):
    """Choosing all four scenarios makes four links: a gradebook column and settings each."""
    from lti_tool.activities import DEFAULT_COURSE_PATH
    from scormgen.load import load_course
    from tests.lti_platform.claims import DEEP_LINKING_REQUEST
    from tests.lti_platform.useragent import parse_forms

    scenarios = load_course(DEFAULT_COURSE_PATH).scenarios
    page = launch(connected.platform, user=INSTRUCTOR, message_type=DEEP_LINKING_REQUEST).text
    answer = requests.post(
        connected.tool.url + "/lti/deep-link",
        data={
            "lti_token": launch_token(page),
            "csrf_token": csrf_token(page),
            "activity": [f"scenario:{s.id}" for s in scenarios],
        },
    )
    (form,) = parse_forms(answer.text, answer.url)
    requests.post(form.action, data=form.fields)
    items = connected.platform.recorded.deep_link_responses[-1]["content_items"]
    assert len(items) == 4

    discussions = set()
    for number, item in enumerate(items):
        connected.platform.resource_link("c1", f"dl-{number}", custom=item["custom"])
        lee = open_as(connected, LEARNER, link=f"dl-{number}")
        assert scenarios[number].title in html.unescape(lee.page)
        discussions.add(lee.discussion)
    assert len(discussions) == 4


def test_the_edit_form_opens_with_the_posts_own_text(course):
    lee = open_as(course, LEARNER).submit("/posts", body="Lee: *clarity* at the outset")
    (lees,) = lee.post_ids()

    form = lee.submit(f"/posts/{lees}/edit-form")

    assert "Lee: *clarity* at the outset</textarea>" in form.page
