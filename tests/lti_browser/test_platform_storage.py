"""The test platform's LTI Platform Storage responder follows the IMS "Client Side postMessages"
and "Platform Storage" specifications, checked from a stand-in tool framed cross-site."""

from __future__ import annotations

import json

import pytest
from flask import Flask, render_template_string, request
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

STANDIN_PAGE = """<!doctype html><html lang="en"><head><title>stand-in</title></head><body>
<main><p id="out"></p></main>
<script>
const target = {{ target|tojson }};
const platformOrigin = {{ origin|tojson }};
function ask(win, message, origin) {
  return new Promise(function (resolve) {
    message.message_id = "m-" + Math.random().toString(36).slice(2);
    function listener(event) {
      if (event.data && event.data.message_id === message.message_id) {
        window.removeEventListener("message", listener);
        resolve({origin: event.origin, data: event.data});
      }
    }
    window.addEventListener("message", listener);
    win.postMessage(message, origin);
  });
}
(async function () {
  const results = {};
  results.capabilities = await ask(window.parent, {subject: "lti.capabilities"}, "*");
  const frame = target === "_parent" ? window.parent : window.parent.frames[target];
  results.put = await ask(frame, {subject: "lti.put_data", key: "k", value: "v"}, platformOrigin);
  results.get = await ask(frame, {subject: "lti.get_data", key: "k"}, platformOrigin);
  results.missing = await ask(frame, {subject: "lti.get_data", key: "nope"}, platformOrigin);
  results.legacy = await ask(frame, {subject: "org.imsglobal.lti.get_data", key: "k"},
                             platformOrigin);
  document.getElementById("out").textContent = JSON.stringify(results);
})();
</script></body></html>"""


@pytest.fixture
def standin(lti_platform, serve_wsgi):
    app = Flask("storage-standin")

    @app.route("/lti/login", methods=["GET", "POST"])
    def login():
        return render_template_string(
            STANDIN_PAGE,
            target=request.values.get("lti_storage_target"),
            origin=request.values["iss"],
        )

    server = serve_wsgi(app, host_name="localhost")
    lti_platform.register_tool_at(server.url)
    return server


def storage_results(page, lti_platform, storage: str) -> dict:
    page.goto(lti_platform.course_launch_url(storage=storage))
    out = page.frame_locator("iframe[name=tool_frame]").locator("#out")
    expect(out).not_to_be_empty()
    return json.loads(out.inner_text())


@pytest.mark.parametrize("storage", ["post_message_forwarding", "_parent"])
def test_capabilities_name_the_frame_that_answers_put_and_get(
    open_page, lti_platform, standin, storage
):
    results = storage_results(open_page("third-party-blocked"), lti_platform, storage)

    capabilities = results["capabilities"]
    assert capabilities["origin"] == lti_platform.origin
    assert capabilities["data"]["subject"] == "lti.capabilities.response"
    supported = capabilities["data"]["supported_messages"]
    assert {"subject": "lti.put_data", "frame": storage} in supported
    assert {"subject": "lti.get_data", "frame": storage} in supported


@pytest.mark.parametrize("storage", ["post_message_forwarding", "_parent"])
def test_a_value_put_by_the_tool_is_given_back_to_it(open_page, lti_platform, standin, storage):
    results = storage_results(open_page("third-party-blocked"), lti_platform, storage)

    assert results["put"]["data"] == {
        "subject": "lti.put_data.response",
        "message_id": results["put"]["data"]["message_id"],
        "key": "k",
        "value": "v",
    }
    assert results["get"]["origin"] == lti_platform.origin
    assert results["get"]["data"]["value"] == "v"
    assert results["legacy"]["data"]["subject"] == "org.imsglobal.lti.get_data.response"
    assert results["legacy"]["data"]["value"] == "v"


def test_an_unknown_key_is_answered_with_an_error(open_page, lti_platform, standin):
    results = storage_results(open_page("third-party-blocked"), lti_platform, "_parent")

    assert results["missing"]["data"]["error"]["code"] == "bad_request"
    assert "value" not in results["missing"]["data"]


def test_values_are_kept_apart_per_origin(open_page, lti_platform, standin):
    page = open_page("third-party-blocked")
    storage_results(page, lti_platform, "_parent")

    reply = page.evaluate(
        """() => new Promise(resolve => {
            window.addEventListener("message", event => {
                if (event.data.subject === "lti.get_data.response" &&
                    event.data.message_id === "other-origin") resolve(event.data);
            });
            window.postMessage({subject: "lti.get_data", key: "k", message_id: "other-origin"},
                               "*");
        })"""
    )

    assert reply["error"]["code"] == "bad_request"
    assert "value" not in reply


def test_without_storage_the_platform_offers_no_storage_and_refuses_put(
    open_page, lti_platform, standin
):
    page = open_page("third-party-blocked")
    page.goto(lti_platform.course_launch_url(storage=None))
    expect(page.frame_locator("iframe[name=tool_frame]").locator("#out")).to_be_attached()

    reply = page.frame(name="tool_frame").evaluate(
        """() => new Promise(resolve => {
            window.addEventListener("message", event => {
                if (event.data.message_id === "no-storage") resolve(event.data);
            });
            window.parent.postMessage(
                {subject: "lti.put_data", key: "k", value: "v", message_id: "no-storage"}, "*");
        })"""
    )

    assert reply["error"]["code"] == "unsupported_subject"
