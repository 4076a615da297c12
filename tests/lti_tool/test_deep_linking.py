"""Deep linking: instructors choose the course's activities; the platform gets a signed answer."""

from __future__ import annotations

import html

import jwt
import requests

from lti_tool.activities import DEFAULT_COURSE_PATH, Activity
from scormgen.load import load_course
from tests.lti_platform import INSTRUCTOR, LEARNER, launch, parse_forms
from tests.lti_platform.claims import (
    CLAIM_DL_CONTENT_ITEMS,
    CLAIM_DL_SETTINGS,
    DEEP_LINKING_REQUEST,
)

from .helpers import csrf_token, launch_token

ACTIVITIES = [
    Activity("scenario:boundaries", "Scenario discussion", "Holding a boundary"),
    Activity("assignment:reflection", "Assignment", "Reflective essay", 20),
]


def chosen_items(connected, page: str, *keys: str) -> list[dict]:
    """Post the deep-linking choice and read the content items the platform receives."""
    answer = requests.post(
        connected.tool.url + "/lti/deep-link",
        data={"lti_token": launch_token(page), "csrf_token": csrf_token(page), "activity": keys},
    )
    assert answer.status_code == 200, answer.text
    (form,) = parse_forms(answer.text, answer.url)
    message = jwt.decode(form.fields["JWT"], options={"verify_signature": False})
    return message[CLAIM_DL_CONTENT_ITEMS]


def test_the_shipped_course_offers_its_scenarios_and_assignments(connected):
    course = load_course(DEFAULT_COURSE_PATH)

    response = launch(connected.platform, user=INSTRUCTOR, message_type=DEEP_LINKING_REQUEST)

    assert response.status_code == 200
    titles = [s.title for s in course.scenarios] + [a.title for a in course.assignments]
    assert len(titles) == 6
    for title in titles:
        assert title in html.unescape(response.text)


def test_a_course_with_authoring_errors_offers_nothing_rather_than_half(connected, tmp_path):
    (tmp_path / "course.yml").write_text("id: broken\n", encoding="utf-8")
    connected.app.config["COURSE_PATH"] = str(tmp_path)
    connected.app.extensions.pop("lti_tool.activities", None)

    response = launch(connected.platform, user=INSTRUCTOR, message_type=DEEP_LINKING_REQUEST)

    assert response.status_code == 200
    assert 'id="no-activities"' in response.text


def test_a_learner_cannot_add_activities(connected):
    response = launch(connected.platform, user=LEARNER, message_type=DEEP_LINKING_REQUEST)

    assert response.status_code == 403
    assert "Only instructors" in response.text


def test_the_chosen_activities_go_back_to_the_platform_signed_by_the_tool(connected):
    connected.app.extensions["lti_tool.activities"] = ACTIVITIES
    page = launch(connected.platform, user=INSTRUCTOR, message_type=DEEP_LINKING_REQUEST).text
    assert "Holding a boundary" in page

    answer = requests.post(
        connected.tool.url + "/lti/deep-link",
        data={
            "lti_token": launch_token(page),
            "csrf_token": csrf_token(page),
            "activity": ["scenario:boundaries"],
        },
    )

    assert answer.status_code == 200
    (form,) = parse_forms(answer.text, answer.url)
    assert form.action == connected.platform.url("/deep_links/return")
    tool_keys = jwt.PyJWKClient(connected.tool.url + "/lti/jwks.json")
    signing_key = tool_keys.get_signing_key_from_jwt(form.fields["JWT"])
    message = jwt.decode(
        form.fields["JWT"],
        signing_key.key,
        algorithms=["RS256"],
        audience=connected.platform.issuer,
    )
    assert message["iss"] == connected.client_id
    (item,) = message[CLAIM_DL_CONTENT_ITEMS]
    assert item["title"] == "Holding a boundary"
    assert item["custom"] == {"activity": "scenario:boundaries"}
    assert item["url"] == connected.tool.url + "/lti/launch?activity=scenario%3Aboundaries"
    assert "lineItem" not in item  # a discussion is graded only if its instructor says so
    assert connected.platform.origin in answer.headers["Content-Security-Policy"]


def test_choosing_nothing_is_a_422_with_a_message(connected):
    connected.app.extensions["lti_tool.activities"] = ACTIVITIES
    page = launch(connected.platform, user=INSTRUCTOR, message_type=DEEP_LINKING_REQUEST).text

    answer = requests.post(
        connected.tool.url + "/lti/deep-link",
        data={"lti_token": launch_token(page), "csrf_token": csrf_token(page)},
    )

    assert answer.status_code == 422
    assert "Choose at least one activity" in answer.text


def test_an_unknown_activity_is_a_422_naming_the_field_for_scripts(connected):
    connected.app.extensions["lti_tool.activities"] = ACTIVITIES
    page = launch(connected.platform, user=INSTRUCTOR, message_type=DEEP_LINKING_REQUEST).text

    answer = requests.post(
        connected.tool.url + "/lti/deep-link",
        data={"lti_token": launch_token(page), "csrf_token": csrf_token(page), "activity": "x:y"},
        headers={"Accept": "application/json"},
    )

    assert answer.status_code == 422
    assert answer.json() == {"activity": ["Unknown activity: x:y"]}


def test_a_deep_linking_request_is_answered_once_only(connected):
    connected.app.extensions["lti_tool.activities"] = ACTIVITIES
    page = launch(connected.platform, user=INSTRUCTOR, message_type=DEEP_LINKING_REQUEST).text
    choice = {
        "lti_token": launch_token(page),
        "csrf_token": csrf_token(page),
        "activity": ["scenario:boundaries"],
    }

    first = requests.post(connected.tool.url + "/lti/deep-link", data=choice)
    again = requests.post(connected.tool.url + "/lti/deep-link", data=choice)

    assert first.status_code == 200
    assert again.status_code == 409
    assert "already been sent" in again.text
    assert "JWT" not in again.text


def test_an_assignment_link_asks_the_platform_for_its_gradebook_column(connected):
    connected.app.extensions["lti_tool.activities"] = ACTIVITIES
    page = launch(connected.platform, user=INSTRUCTOR, message_type=DEEP_LINKING_REQUEST).text

    (item,) = chosen_items(connected, page, "assignment:reflection")

    assert item["lineItem"] == {
        "scoreMaximum": 20,
        "label": "Reflective essay",
        "resourceId": "reflection",
        "tag": "assignment",
    }


def test_the_shipped_assignments_are_worth_their_rubrics_total(connected):
    course = load_course(DEFAULT_COURSE_PATH)
    page = launch(connected.platform, user=INSTRUCTOR, message_type=DEEP_LINKING_REQUEST).text
    essay = course.assignments[0]

    (item,) = chosen_items(connected, page, f"assignment:{essay.id}")

    assert item["lineItem"]["scoreMaximum"] == sum(c.points for c in essay.rubric) > 0


def single_choice_settings(connected) -> dict:
    return {
        CLAIM_DL_SETTINGS: {
            "deep_link_return_url": connected.platform.url("/deep_links/return"),
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe"],
            "accept_multiple": False,
        }
    }


def test_a_place_that_holds_one_link_offers_one_choice_and_answers_with_one(connected):
    connected.app.extensions["lti_tool.activities"] = ACTIVITIES
    page = launch(
        connected.platform,
        user=INSTRUCTOR,
        message_type=DEEP_LINKING_REQUEST,
        claims=single_choice_settings(connected),
    ).text
    assert 'type="radio"' in page

    refused = requests.post(
        connected.tool.url + "/lti/deep-link",
        data={
            "lti_token": launch_token(page),
            "csrf_token": csrf_token(page),
            "activity": ["scenario:boundaries", "assignment:reflection"],
        },
    )
    (item,) = chosen_items(connected, page, "assignment:reflection")

    assert refused.status_code == 422
    assert "Choose one activity" in refused.text
    assert item["custom"] == {"activity": "assignment:reflection"}
