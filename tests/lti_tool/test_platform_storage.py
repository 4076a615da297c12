"""LTI platform storage: when the browser keeps no cookie in the platform's iframe, the
OIDC state is kept by the platform's frame (``lti.put_data`` / ``lti.get_data``)."""

from __future__ import annotations

import json
import re

import requests

from tests.lti_platform import parse_forms, query_params

STORAGE_JSON = re.compile(r'<script type="application/json" id="lti-storage">(.*?)</script>', re.S)


def storage_config(page: str) -> dict:
    match = STORAGE_JSON.search(page)
    assert match, "the page has no platform storage configuration"
    return json.loads(match.group(1))


def login_with_storage(connected, target="_parent"):
    """Login initiation advertising platform storage, then the platform's authorization."""
    session = requests.Session()
    tool = connected.platform.tool()
    params = connected.platform.login_initiation_params(storage_target=target)
    login = session.get(tool.login_url, params=params)
    assert login.status_code == 200
    config = storage_config(login.text)
    auth = session.get(config["redirect"])
    (form,) = parse_forms(auth.text, auth.url)
    return session, config, form


def test_login_stores_the_state_in_the_named_platform_frame_before_redirecting(connected):
    _session, config, form = login_with_storage(connected, "post_message_forwarding")

    assert config["mode"] == "put"
    assert config["target"] == "post_message_forwarding"
    assert config["origin"] == connected.platform.origin
    assert config["key"] == "state_" + form.fields["state"]
    assert config["value"] == form.fields["state"]
    assert query_params(config["redirect"])["state"] == form.fields["state"]


def test_a_launch_without_cookie_asks_the_platform_frame_for_the_state(connected):
    session, _config, form = login_with_storage(connected)
    session.cookies.clear()

    relay = session.post(form.action, data=form.fields)

    assert relay.status_code == 200
    config = storage_config(relay.text)
    assert config == {
        "mode": "get",
        "target": "_parent",
        "origin": connected.platform.origin,
        "key": "state_" + form.fields["state"],
    }
    assert 'id="launch-user"' not in relay.text


def test_the_state_returned_by_the_platform_completes_the_launch(connected):
    session, _config, form = login_with_storage(connected)
    session.cookies.clear()
    relay = session.post(form.action, data=form.fields)
    (relay_form,) = parse_forms(relay.text, relay.url)
    relay_form.fields["lti_storage_value"] = form.fields["state"]  # what lti.get_data returned

    landing = session.post(
        relay_form.action, data=relay_form.fields, headers={"Sec-Fetch-Site": "same-origin"}
    )

    assert landing.status_code == 200
    assert 'id="launch-user">Lee Learner<' in landing.text


def test_a_cross_site_post_claiming_the_platforms_answer_is_refused(connected):
    session, _config, form = login_with_storage(connected)
    session.cookies.clear()
    forged = {**form.fields, "lti_storage_value": form.fields["state"]}

    response = session.post(form.action, data=forged, headers={"Sec-Fetch-Site": "cross-site"})

    assert response.status_code == 403
    assert "did not confirm" in response.text


def test_a_wrong_value_from_platform_storage_is_refused(connected):
    session, _config, form = login_with_storage(connected)
    session.cookies.clear()
    forged = {**form.fields, "lti_storage_value": "state-of-someone-else"}

    response = session.post(form.action, data=forged, headers={"Sec-Fetch-Site": "same-origin"})

    assert response.status_code == 403


def test_a_launch_with_the_cookie_needs_no_platform_storage(connected):
    session, _config, form = login_with_storage(connected)

    response = session.post(form.action, data=form.fields)

    assert 'id="launch-user">Lee Learner<' in response.text


def test_an_invalid_storage_target_is_refused(connected, client):
    params = connected.platform.login_initiation_params(storage_target='x"><script>')

    response = client.get("/lti/login", query_string=params)

    assert response.status_code == 400
