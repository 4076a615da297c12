"""Deep linking: instructors choose the course's activities; the platform gets a signed answer."""

from __future__ import annotations

import html

import jwt
import requests

from lti_tool.activities import DEFAULT_COURSE_PATH, DISCUSSION_GRADING, Activity
from scormgen.load import load_course
from tests.lti_platform import INSTRUCTOR, LEARNER, launch, parse_forms
from tests.lti_platform.claims import (
    CLAIM_DL_CONTENT_ITEMS,
    CLAIM_DL_SETTINGS,
    DEEP_LINKING_REQUEST,
)

from .helpers import csrf_token, launch_token

ACTIVITIES = [
    Activity(
        "scenario:boundaries",
        "Scenario discussion",
        "Holding a boundary",
        grading_choices=DISCUSSION_GRADING,
        tag="discussion",
    ),
    Activity("assignment:reflection", "Assignment", "Reflective essay", 20),
]


def send_choice(connected, page: str, choice: dict, *, as_json: bool = False):
    """Post the deep-linking form of ``page`` with ``choice`` (activity and grading fields)."""
    return requests.post(
        connected.tool.url + "/lti/deep-link",
        data={"lti_token": launch_token(page), "csrf_token": csrf_token(page), **choice},
        headers={"Accept": "application/json"} if as_json else {},
    )


def chosen_items(connected, page: str, *keys: str, **choices: str) -> list[dict]:
    """Post the deep-linking choice and read the content items the platform receives
    (``grading__scenario__x`` stands for the field ``grading:scenario:x``)."""
    answer = send_choice(
        connected,
        page,
        {"activity": keys, **{name.replace("__", ":"): value for name, value in choices.items()}},
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

    answer = send_choice(connected, page, {})

    assert answer.status_code == 422
    assert "Choose at least one activity" in answer.text


def test_an_unknown_activity_is_a_422_naming_the_field_for_scripts(connected):
    connected.app.extensions["lti_tool.activities"] = ACTIVITIES
    page = launch(connected.platform, user=INSTRUCTOR, message_type=DEEP_LINKING_REQUEST).text

    answer = send_choice(connected, page, {"activity": "x:y"}, as_json=True)

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


def test_an_instructor_may_place_a_discussion_graded_with_its_own_gradebook_column(connected):
    """Moodle and Canvas create the column from the link's lineItem (Moodle then accepts
    grades from the tool for that activity); the discussion opens graded as chosen."""
    connected.app.extensions["lti_tool.activities"] = ACTIVITIES
    page = launch(connected.platform, user=INSTRUCTOR, message_type=DEEP_LINKING_REQUEST).text
    assert 'name="grading:scenario:boundaries"' in page
    assert 'name="grading:assignment:reflection"' not in page  # graded by its rubric

    (item,) = chosen_items(
        connected,
        page,
        "scenario:boundaries",
        grading__scenario__boundaries="participation",
        grading_target__scenario__boundaries="3",
    )

    assert item["custom"] == {
        "activity": "scenario:boundaries",
        "grading": "participation",
        "grading_target": "3",
    }
    assert item["lineItem"] == {
        "scoreMaximum": 3,
        "label": "Holding a boundary",
        "resourceId": "boundaries",
        "tag": "discussion",
    }


def test_a_discussion_left_ungraded_at_placement_has_no_column(connected):
    connected.app.extensions["lti_tool.activities"] = ACTIVITIES
    page = launch(connected.platform, user=INSTRUCTOR, message_type=DEEP_LINKING_REQUEST).text

    (item,) = chosen_items(
        connected,
        page,
        "scenario:boundaries",
        grading__scenario__boundaries="ungraded",
        grading_target__scenario__boundaries="5",
    )

    assert "lineItem" not in item
    assert item["custom"] == {"activity": "scenario:boundaries"}


def test_a_grading_target_out_of_range_is_a_422_naming_the_field(connected):
    connected.app.extensions["lti_tool.activities"] = ACTIVITIES
    page = launch(connected.platform, user=INSTRUCTOR, message_type=DEEP_LINKING_REQUEST).text

    for target in ("0", "101", "2.5", ""):
        answer = send_choice(
            connected,
            page,
            {
                "activity": "scenario:boundaries",
                "grading:scenario:boundaries": "mark",
                "grading_target:scenario:boundaries": target,
            },
            as_json=True,
        )

        assert answer.status_code == 422, target
        assert list(answer.json()) == ["grading_target:scenario:boundaries"]
    # Refusals leave the request open: the instructor corrects the form and sends it.
    (item,) = chosen_items(
        connected,
        page,
        "scenario:boundaries",
        grading__scenario__boundaries="mark",
        grading_target__scenario__boundaries="10",
    )
    assert item["lineItem"]["scoreMaximum"] == 10


def test_an_unknown_way_of_grading_is_a_422(connected):
    connected.app.extensions["lti_tool.activities"] = ACTIVITIES
    page = launch(connected.platform, user=INSTRUCTOR, message_type=DEEP_LINKING_REQUEST).text

    answer = send_choice(
        connected,
        page,
        {
            "activity": "scenario:boundaries",
            "grading:scenario:boundaries": "bonus",
            "grading_target:scenario:boundaries": "3",
        },
        as_json=True,
    )

    assert answer.status_code == 422
    assert answer.json() == {"grading:scenario:boundaries": ["Unknown way of grading: bonus"]}
