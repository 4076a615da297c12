"""A learner downloads what they wrote; an administrator exports or erases one person's data
(``lti-tool privacy export|erase``), covering discussions, grades and the account."""

from __future__ import annotations

import json

import pytest
import requests
from sqlalchemy import select

from lti_tool import db
from lti_tool.discussions.models import Draft, Participant, Post, Report, Revision
from lti_tool.grades.models import GradeDelivery
from lti_tool.models import Membership, User
from tests.lti_platform import INSTRUCTOR, LEARNER, SECOND_LEARNER

from .helpers import csrf_token, launch_token
from .test_discussion_http import THIRD_LEARNER, open_as, place


@pytest.fixture
def course(connected):
    connected.platform.add_user(THIRD_LEARNER)
    place(connected.platform)
    place(connected.platform, link="a2", scenario="scenario-bob-loan")
    place(connected.platform, course="c2", link="b1")
    return connected


@pytest.fixture
def lee_wrote(course):
    """Lee posts, edits, replies, reports and leaves a draft; Sam replies to Lee."""
    sam = open_as(course, SECOND_LEARNER).submit("/posts", body="Sam's view")
    (sams,) = sam.post_ids()
    lee = open_as(course, LEARNER).submit("/posts", body="Lee first words")
    lees = max(lee.post_ids())
    lee.submit(f"/posts/{lees}/edit", body="Lee better words")
    lee.submit("/posts", body="Lee replies", parent=str(sams))
    lee.submit(f"/posts/{sams}/report", reason="other", note="Lee's report note")
    open_as(course, SECOND_LEARNER).submit("/posts", body="Sam answers Lee", parent=str(lees))
    open_as(course, LEARNER, link="a2").submit("/draft", body="Lee's draft on Bob")
    open_as(course, LEARNER, course="c2", link="b1").submit("/posts", body="Lee in course two")
    return course


def download(person) -> dict:
    answer = requests.post(
        f"{person.tool_url}/discussions/{person.discussion}/mine",
        data={"lti_token": launch_token(person.page), "csrf_token": csrf_token(person.page)},
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].startswith("attachment")
    return answer.json()


def test_a_learner_downloads_everything_they_wrote_in_this_course(lee_wrote):
    found = download(open_as(lee_wrote, LEARNER))["discussions"]

    text = json.dumps(found)
    for words in ("Lee better words", "Lee first words", "Lee replies", "Lee's report note"):
        assert words in text
    assert "Lee's draft on Bob" in text
    assert "Lee in course two" not in text  # another course
    assert "Sam's view" not in text and "Sam answers Lee" not in text  # others' words


def test_the_cli_exports_one_persons_data_from_every_feature(lee_wrote, runner):
    result = runner.invoke(
        ["privacy", "export", "--issuer", lee_wrote.platform.issuer, "--sub", LEARNER.id]
    )

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"discussions", "grades", "account"} <= set(data)  # and every other feature's
    assert data["account"]["name"] == "Lee Learner"
    assert len(data["discussions"]) == 3
    assert "Sam's view" not in result.output


def test_the_cli_erases_a_persons_words_and_keeps_others_threads(lee_wrote, runner, app):
    result = runner.invoke(
        ["privacy", "erase", "--issuer", lee_wrote.platform.issuer, "--sub", LEARNER.id, "--yes"]
    )

    assert result.exit_code == 0, result.output
    assert "discussions: 3 posts" in result.output
    with app.app_context():
        session = db.get_session()
        lee = session.scalar(select(User).where(User.name == "", User.sub.like("erased-%")))
        assert lee is not None
        mine = session.scalars(select(Post).where(Post.author_id == lee.id)).all()
        assert {(p.body, p.state) for p in mine} == {(None, "deleted")}
        for model, column in (
            (Draft, Draft.user_id),
            (Report, Report.reporter_id),
            (Participant, Participant.user_id),
            (Membership, Membership.user_id),
            (GradeDelivery, GradeDelivery.user_pk),
        ):
            assert session.scalars(select(model).where(column == lee.id)).all() == []
        assert session.scalars(select(Revision)).all() == []
        assert session.scalar(select(Post).where(Post.body == "Sam answers Lee")) is not None
    ina = open_as(lee_wrote, INSTRUCTOR)
    assert "Lee" not in ina.page.replace("Sam answers Lee", "")
    assert "Removed by its author." in ina.text()


def test_an_unknown_person_is_an_error_not_a_traceback(runner):
    result = runner.invoke(
        ["privacy", "erase", "--issuer", "https://x", "--sub", "nobody", "--yes"]
    )

    assert result.exit_code == 1
    assert "Error: no one with sub 'nobody'" in result.output
