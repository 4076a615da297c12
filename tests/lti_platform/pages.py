"""Pages a person sees on the platform: the activity page that frames the tool (with the LTI
Platform Storage responder, as Canvas has), and the administrator's Dynamic Registration page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template_string, request

from . import claims as c
from .lms import Platform

pages = Blueprint("pages", __name__)

# LTI Client Side postMessages 1.0 and Platform Storage 1.0: answer lti.capabilities,
# lti.put_data and lti.get_data (and the org.imsglobal.lti.* subjects Canvas also accepts),
# replying to event.source at event.origin, keeping values apart per sender origin.
RESPONDER_JS = """
(function () {
  const ROLE = {{ role|tojson }};
  const STORAGE = {{ storage|tojson }};
  const SILENT = {{ silent|tojson }};  // advertise storage, answer nothing: a broken platform
  const PREFIXES = ["lti.", "org.imsglobal.lti."];
  const store = {};
  window.ltiMessages = [];
  const answersStorage = STORAGE !== null && (
    (ROLE === "top" && STORAGE === "_parent") ||
    (ROLE === "forwarding" && STORAGE === "post_message_forwarding"));
  window.addEventListener("message", function (event) {
    const data = event.data;
    if (!data || typeof data !== "object" || typeof data.subject !== "string") return;
    const prefix = PREFIXES.find(function (p) { return data.subject.startsWith(p); });
    if (!prefix || data.subject.endsWith(".response")) return;
    const name = data.subject.slice(prefix.length);
    const reply = {subject: data.subject + ".response", message_id: data.message_id};
    if (name === "capabilities") {
      if (ROLE !== "top") return;
      reply.supported_messages = [{subject: "lti.capabilities"}];
      if (STORAGE !== null) {
        reply.supported_messages.push(
          {subject: "lti.put_data", frame: STORAGE},
          {subject: "lti.get_data", frame: STORAGE});
      }
    } else if (name === "put_data" || name === "get_data") {
      if (SILENT) return;
      if (!answersStorage) {
        if (ROLE !== "top" || STORAGE !== null) return;
        reply.error = {code: "unsupported_subject", message: "platform storage is off"};
      } else if (typeof data.key !== "string" || data.key === "") {
        reply.error = {code: "bad_request", message: "key is required"};
      } else if (name === "put_data") {
        store[event.origin] = store[event.origin] || {};
        store[event.origin][data.key] = data.value;
        reply.key = data.key;
        reply.value = data.value;
      } else {
        const values = store[event.origin] || {};
        reply.key = data.key;
        if (Object.prototype.hasOwnProperty.call(values, data.key)) {
          reply.value = values[data.key];
        } else {
          reply.error = {code: "bad_request", message: "no value stored for this key"};
        }
      }
    } else if (ROLE === "top") {
      reply.error = {code: "unsupported_subject", message: data.subject + " is not supported"};
    } else {
      return;
    }
    window.ltiMessages.push({origin: event.origin, request: data, reply: reply});
    event.source.postMessage(reply, event.origin);
  });
})();
"""

LAUNCH_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ link.title }} · {{ course.title }}</title>
<style>body{margin:0;font-family:sans-serif} iframe.tool{width:100%;height:80vh;border:0}</style>
</head><body>
<header><p>{{ platform_name }} · {{ course.title }} · signed in as {{ user.name }}</p></header>
<main>
<h1>{{ link.title }}</h1>
<iframe class="tool" name="tool_frame" id="tool_frame" title="{{ link.title }}"
  src="about:blank" allow="clipboard-write; fullscreen"></iframe>
<form id="lti-login" method="{{ method }}" action="{{ login_url }}" target="tool_frame">
{% for name, value in params.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}</form>
{% if storage == "post_message_forwarding" %}
<iframe name="post_message_forwarding" id="post_message_forwarding" title="Platform messages"
  src="{{ forwarding_url }}" hidden></iframe>
{% endif %}
</main>
<script>{{ responder|safe }}</script>
<script>window.addEventListener("load", function () {
  document.getElementById("lti-login").submit();
});</script>
</body></html>"""

FORWARDING_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Platform messages</title></head>
<body><script>{{ responder|safe }}</script></body></html>"""

RETURN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ course.title }}</title></head>
<body><main><h1>{{ course.title }}</h1></main></body></html>"""

REGISTER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Register a tool</title>
<style>iframe{width:100%;height:80vh;border:0}</style></head>
<body><main><h1>Register a tool</h1>
<p id="status" role="status">Registration in progress</p>
<iframe name="registration" title="Tool registration" src="{{ url }}"></iframe>
</main>
<script>
window.addEventListener("message", function (event) {
  if (event.data && event.data.subject === "org.imsglobal.lti.close") {
    document.getElementById("status").textContent = "Registration closed by the tool";
    window.registrationClosed = true;
  }
});
</script></body></html>"""


def platform() -> Platform:
    return current_app.extensions["lti_platform"]


def _responder(role: str, storage: str | None, silent: bool = False) -> str:
    return render_template_string(RESPONDER_JS, role=role, storage=storage, silent=silent)


@pages.get("/course/<course_id>/launch/<resource_link_id>")
def launch_page(course_id: str, resource_link_id: str):
    """The activity as a learner opens it: the tool's login initiation, framed."""
    lms = platform()
    user = lms.users.get(request.args.get("user", "learner-1"))
    if user is None:
        abort(404)
    storage = request.args.get("storage") or None
    if storage not in (None, "_parent", "post_message_forwarding"):
        abort(400)
    silent = request.args.get("storage_silent") == "1"
    method = request.args.get("login_method", "post").lower()
    client_id = request.args.get("client_id")
    message_type = request.args.get("message_type", c.RESOURCE_LINK_REQUEST)
    if message_type not in (c.RESOURCE_LINK_REQUEST, c.DEEP_LINKING_REQUEST):
        abort(400)
    link = lms.resource_link(course_id, resource_link_id, client_id=client_id)
    params = lms.login_initiation_params(
        user=user,
        course_id=course_id,
        resource_link_id=resource_link_id,
        client_id=link.client_id,
        storage_target=storage,
        message_type=message_type,
    )
    return render_template_string(
        LAUNCH_PAGE,
        platform_name=lms.name,
        course=lms.course(course_id),
        link=link,
        user=user,
        method=method,
        login_url=lms.tool(link.client_id).login_url,
        params=params,
        storage=storage,
        forwarding_url=lms.url(
            "/post_message_forwarding" + ("?storage_silent=1" if silent else "")
        ),
        responder=_responder("top", storage, silent),
    )


@pages.get("/post_message_forwarding")
def post_message_forwarding():
    """Canvas's hidden sibling frame that answers Platform Storage messages."""
    silent = request.args.get("storage_silent") == "1"
    return render_template_string(
        FORWARDING_PAGE, responder=_responder("forwarding", "post_message_forwarding", silent)
    )


@pages.get("/course/<course_id>")
def course_page(course_id: str):
    """Where ``launch_presentation.return_url`` points."""
    return render_template_string(RETURN_PAGE, course=platform().course(course_id))


@pages.get("/admin/register")
def register_page():
    """An administrator pastes the tool's registration URL; the platform frames it with
    ``openid_configuration`` and a one-time ``registration_token`` (LTI DR §3.3)."""
    tool_url = request.args.get("tool_url")
    if not tool_url:
        abort(400)
    url = platform().dynamic_registration_url(tool_url)
    return render_template_string(REGISTER_PAGE, url=url)
