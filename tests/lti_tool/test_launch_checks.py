"""The launch checks pylti1p3 lacks and the tool adds: each test fails when its check is gone.

- The id_token's audience (``aud``) must name this tool, and with several audiences the
  authorized party (``azp``) must be this tool (LTI 1.3 Security Framework §5.1.3).
- A login's state and nonce are single-use: replaying the whole request, cookie
  included, is refused.
- A launch belongs to the platform and client its login was started for.

Each was found unguarded by breaking it on purpose (issue 16); see ``test_refusals`` for
the refusals of forged, tampered and incomplete id_tokens.
"""

from __future__ import annotations

import pytest

from tests.lti_platform import OMIT, launch, session_key, start_launch
from tests.lti_tool.test_refusals import assert_refused, forged

from .conftest import connect

ANOTHER_TOOL = "another-tool"


# --- aud and azp ------------------------------------------------------------------------


def test_an_id_token_for_another_tool_is_refused_even_when_azp_names_this_tool(connected):
    attempt = start_launch(connected.platform)
    claims = {"aud": ANOTHER_TOOL, "azp": connected.client_id}

    response = attempt.post(id_token=forged(attempt, connected.platform, claims=claims))

    assert_refused(response, "Audience", 401)


def test_an_id_token_whose_audience_list_leaves_this_tool_out_is_refused(connected):
    attempt = start_launch(connected.platform)
    claims = {"aud": [ANOTHER_TOOL, "a-third-tool"], "azp": connected.client_id}

    response = attempt.post(id_token=forged(attempt, connected.platform, claims=claims))

    assert_refused(response, "Audience", 401)


def test_an_id_token_with_several_audiences_and_no_azp_is_refused(connected):
    attempt = start_launch(connected.platform)
    claims = {"aud": [connected.client_id, ANOTHER_TOOL], "azp": OMIT}

    response = attempt.post(id_token=forged(attempt, connected.platform, claims=claims))

    assert_refused(response, "authorized party", 401)


@pytest.mark.parametrize("audience_list", [False, True], ids=["aud-string", "aud-list"])
def test_an_id_token_whose_azp_is_another_tool_is_refused(connected, audience_list):
    """Two guards answer this one: the registration is looked up by ``azp`` (none is
    found), and ``azp`` must equal the registration's client id. Either will do."""
    attempt = start_launch(connected.platform)
    audience = [connected.client_id, ANOTHER_TOOL] if audience_list else connected.client_id
    claims = {"aud": audience, "azp": ANOTHER_TOOL}

    response = attempt.post(id_token=forged(attempt, connected.platform, claims=claims))

    assert_refused(response, "Launch refused", 401)


# --- single use -------------------------------------------------------------------------


def test_replaying_a_launch_with_its_id_token_state_and_cookie_is_refused(connected):
    """What an attacker who captured the whole request (form and cookie) would send again."""
    attempt = start_launch(connected.platform)
    state_cookies = [c for c in attempt.session.cookies if c.value == attempt.state]
    assert state_cookies, "the login set a state cookie"
    assert attempt.post().status_code == 200

    for cookie in state_cookies:
        attempt.session.cookies.set_cookie(cookie)
    replay = attempt.post()

    assert_refused(replay, "already been used", 403)


# --- the launch's platform is the login's -----------------------------------------------


def test_a_launch_signed_by_another_platform_than_the_logins_is_refused(
    app, lti_platform_factory, live_tool
):
    moodle = connect(app, lti_platform_factory(name="Moodle"), live_tool)
    canvas = connect(
        app,
        lti_platform_factory(name="Canvas", signing_key=session_key("second-platform")),
        live_tool,
    )
    assert launch(canvas.platform).status_code == 200, "Canvas's own launches are good"
    attempt = start_launch(moodle.platform)

    # Canvas signs a launch for the login Moodle started (its state, cookie and nonce).
    token = canvas.platform.make_id_token(nonce=attempt.nonce)

    assert_refused(attempt.post(id_token=token), "another platform than the login", 403)


def test_a_launch_for_another_client_than_the_logins_is_refused(app, lti_platform, live_tool):
    connect(app, lti_platform, live_tool, client_id="client-a")
    connect(app, lti_platform, live_tool, client_id="client-b")
    assert launch(lti_platform, client_id="client-b").status_code == 200
    attempt = start_launch(lti_platform, client_id="client-a")

    token = lti_platform.make_id_token(nonce=attempt.nonce, client_id="client-b")

    assert_refused(attempt.post(id_token=token), "another platform than the login", 403)
