"""pylti1p3's cookie check (``LTI_COOKIE_CHECK=1``): a page that finds blocked cookies first."""

from __future__ import annotations

import json
import re

import pytest
import requests

from tests.lti_platform import launch

CHECK_JSON = re.compile(
    r'<script type="application/json" id="lti-cookie-check">(.*?)</script>', re.S
)


@pytest.fixture
def checking(connected):
    connected.app.config["LTI_COOKIE_CHECK"] = True
    return connected


def test_login_first_shows_the_check_page_that_can_continue_in_a_new_window(checking):
    params = checking.platform.login_initiation_params()

    page = requests.get(checking.platform.tool().login_url, params=params)

    assert page.status_code == 200
    data = json.loads(CHECK_JSON.search(page.text).group(1))
    assert data["params"]["lti1p3_new_window"] == "1"
    assert data["params"]["iss"] == checking.platform.issuer
    assert "Open the activity in a new window" in page.text
    assert "Set-Cookie" not in page.headers


def test_after_the_check_the_login_goes_on_to_the_platform(checking):
    response = launch(checking.platform, extra_login_params={"lti1p3_new_window": "1"})

    assert 'id="launch-user">Lee Learner<' in response.text


def test_the_check_page_is_not_shown_to_unknown_platforms(checking, client):
    response = client.get(
        "/lti/login", query_string={"iss": "https://x.example", "login_hint": "u"}
    )

    assert response.status_code == 400
