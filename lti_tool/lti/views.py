"""The LTI endpoints, at stable paths documented for administrators.

``/lti/login`` (OIDC login initiation), ``/lti/launch`` (resource link and deep
linking launches), ``/lti/jwks.json``, ``/lti/register`` (Dynamic Registration),
``/lti/canvas.json`` (Canvas developer key), ``/lti/config`` (values for Moodle's
manual configuration), ``/lti/deep-link`` (the deep-linking answer).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import (
    Blueprint,
    after_this_request,
    current_app,
    g,
    jsonify,
    make_response,
    render_template,
    request,
)
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.lineitem import LineItem

from .. import activities, db
from ..errors import error_page
from ..launches import LaunchRecorder
from ..models import ResourceLink
from ..registrations import (
    consume_registration_token,
    origin_of,
    release_registration_token,
    unknown_origins,
)
from ..roles import Role
from ..security import (
    content_security_policy,
    csrf_token,
    frame_policy,
    renew_token,
    requires,
    start_session,
    token_from_request,
)
from ..validation import MAX_GRADING_TARGET, ValidationError, deep_link_choice, placement_grading
from . import edge, targets
from .pylti_glue import (
    AGS_SCOPES,
    CLAIM,
    DEEP_LINKING_REQUEST,
    LaunchRefused,
    PlatformStorageNeeded,
    services,
)

log = logging.getLogger(__name__)

bp = Blueprint("lti", __name__, url_prefix="/lti")

DEEP_LINK_OPEN = "deep-link-open:"


def _invalidate_frame_policy() -> None:
    frame_policy().invalidate()


def _frame_for(lti) -> None:
    """Let the platform this request came from (if it is registered) frame the answer."""
    found = lti.tool_conf.found_platform
    if found is not None:
        g.frame_platform_pk = found.id


@bp.route("/login", methods=["GET", "POST"])
def login():
    """OIDC third-party initiated login: send the browser to the platform's auth endpoint."""
    params = request.values
    problem = edge.problem(params, edge.LOGIN_PARAMS)
    if problem:
        return error_page(400, problem, "Login refused")
    limits = current_app.extensions["lti_tool.login_limits"]
    if not limits.allow_login(request.remote_addr or "", params.get("iss", "")):
        log.warning("login initiation rate limit reached (issuer %.80s)", params.get("iss", ""))
        response = make_response(
            error_page(429, "Too many sign-ins at once. Wait a minute, then try again.")
        )
        response.headers["Retry-After"] = "60"
        return response
    lti = services()
    oidc = lti.oidc_login()
    storage_target = params.get("lti_storage_target")
    try:
        if storage_target and not params.get("lti1p3_new_window"):
            # LTI platform storage: keep the state in the platform's frame as well as
            # in a cookie, so that a browser blocking our cookie can still launch.
            oidc.storage_target = storage_target
            redirect = oidc.get_redirect_object(lti.launch_url())
            _frame_for(lti)
            response = make_response(
                render_template(
                    "lti/storage_login.html",
                    auth_url=redirect.get_redirect_url(),
                    storage={
                        "target": storage_target,
                        "origin": oidc.auth_origin,
                        "key": "state_" + oidc.state,
                        "value": oidc.state,
                        "redirect": redirect.get_redirect_url(),
                    },
                )
            )
            # The state cookie pylti1p3 prepared goes on our page instead of its redirect.
            oidc.set_state_cookie(response)
            return response
        if current_app.config["LTI_COOKIE_CHECK"]:
            # pylti1p3's cookie check: a page that detects blocked cookies before the
            # platform is asked. Off by default: the launch offers the same way out.
            oidc.enable_check_cookies(
                main_msg="Your browser does not let this activity keep its sign-in here.",
                click_msg="Open the activity in a new window",
                loading_msg="Loading…",
            )
        response = oidc.redirect(lti.launch_url())
        _frame_for(lti)
        return response
    except (OIDCException, LtiException) as error:
        log.info("login refused: %s", error)
        _frame_for(lti)
        return error_page(400, f"The login could not start: {error}", "Login refused")


@bp.route("/launch", methods=["POST"])
def launch():
    problem = edge.problem(request.form, edge.LAUNCH_PARAMS)
    if problem:
        return error_page(400, problem, "Launch refused")
    lti = services()
    message_launch = lti.message_launch()
    try:
        message_launch.validate()
    except PlatformStorageNeeded as need:
        _frame_for(lti)
        return render_template(
            "lti/storage_launch.html",
            id_token=request.form.get("id_token", ""),
            state=request.form.get("state", ""),
            storage={"target": need.target, "origin": need.origin, "key": need.key},
            new_window_url=need.new_window_url,
        )
    except LaunchRefused as refusal:
        log.info("launch refused: %s", refusal)
        _frame_for(lti)
        return error_page(
            refusal.status, str(refusal), "Launch refused", new_window_url=refusal.new_window_url
        )
    except LtiException as error:
        log.info("launch refused: %s", error)
        _frame_for(lti)
        return error_page(401, f"The launch could not be verified: {error}", "Launch refused")

    claims = message_launch.get_launch_data()
    issuer, client_id = message_launch.platform_key()
    session = db.get_session()
    deployment = lti.tool_conf.deployment(issuer, client_id, claims[CLAIM + "deployment_id"])
    assert deployment is not None, "a validated launch names a known deployment"
    identity, _link = LaunchRecorder(session).record(
        message_launch.get_launch_id(), deployment, issuer, claims
    )
    g.frame_platform_pk = identity.platform_pk
    _report_unknown_frame_origins(lti.tool_conf.found_platform, claims)
    token = start_session(identity)
    g.lti_token = token
    context = {
        "identity": identity,
        "lti_token": token,
        "csrf_token": csrf_token(token),
        "claims_view": _claims_view(claims),
    }
    if claims.get(CLAIM + "message_type") == DEEP_LINKING_REQUEST:
        if identity.role_enum < Role.INSTRUCTOR:
            return error_page(403, "Only instructors can add this tool's activities.")
        # One answer per deep-linking request: the platform adds what it receives each time.
        lti.cache.set(
            DEEP_LINK_OPEN + identity.launch_id, True, current_app.config["LAUNCH_SESSION_MAX_AGE"]
        )
        settings = claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings")
        page = render_template(
            "lti/deep_link.html",
            activities=_choices(),
            multiple=(settings or {}).get("accept_multiple") is not False,
            max_grading_target=MAX_GRADING_TARGET,
            **context,
        )
    else:
        page = _open_activity(session, identity, token) or render_template(
            "lti/landing.html", choices=_choices(), **context
        )
    response = make_response(page)
    lti.cookie_service().expire(response, request.form["state"])
    return response


def _open_activity(session, identity, token: str):
    """The page of the feature whose activity this link opens, or ``None``."""
    if identity.resource_link_pk is None:
        return None
    link = session.get(ResourceLink, identity.resource_link_pk)
    if link is None or not link.activity_key:
        return None
    found = targets.split_key(link.activity_key)
    known = {activity.key for activity in activities.available()}
    handler = targets.handler_for(found[0]) if found else None
    if link.activity_key not in known or handler is None:
        log.info("a link names an activity the course does not offer: %.80s", link.activity_key)
        return error_page(
            404,
            "This activity is not part of the course, or not available in this tool yet. "
            "Please tell your instructor.",
            "Activity not found",
        )
    g.launch = identity
    return handler(link, found[1])


def _choices() -> list[activities.Activity]:
    """The course's activities the tool can open: those whose feature is running."""
    return [a for a in activities.available() if targets.handler_for(a.key.split(":", 1)[0])]


@bp.post("/activity")
@requires(Role.INSTRUCTOR)
def choose_activity():
    """An instructor says which activity a link placed without deep linking opens."""
    session = db.get_session()
    link = session.get(ResourceLink, g.launch.resource_link_pk or 0)
    if link is None or link.deployment_id != g.launch.deployment_pk:
        return error_page(404)
    known = {activity.key for activity in _choices()}
    (key,) = deep_link_choice(request.form, known)[:1]
    if link.activity_key and link.activity_key != link.activity:
        return error_page(409, "Your course already says which activity this link opens.")
    link.activity = key
    session.commit()
    return _open_activity(session, g.launch, g.lti_token) or error_page(404)


def _claims_view(claims) -> dict[str, str]:
    context = claims.get(CLAIM + "context") or {}
    link = claims.get(CLAIM + "resource_link") or {}
    return {
        "name": claims.get("name")
        or " ".join(p for p in (claims.get("given_name"), claims.get("family_name")) if p)
        or "(no name given)",
        "course": context.get("title") or context.get("label") or "(no course)",
        "activity": link.get("title") or "(untitled activity)",
    }


def _report_unknown_frame_origins(platform, claims) -> None:
    """Log origins the platform returns to that may not frame the tool: only an
    administrator allows one (Canvas frames tools from each institution's domain)."""
    settings = claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings")
    urls = [
        (claims.get(CLAIM + "launch_presentation") or {}).get("return_url"),
        (settings or {}).get("deep_link_return_url"),
    ]
    if platform is None:
        return
    for origin in unknown_origins(platform, urls):
        log.warning(
            "platform %s (client %s) returns to %s, which may not frame the tool; if that is "
            "the platform's own site, allow it: lti-tool platform allow-origin --issuer %s "
            "--client-id %s %s",
            platform.issuer,
            platform.client_id,
            origin,
            platform.issuer,
            platform.client_id,
            origin,
        )


@bp.post("/deep-link")
@requires(Role.INSTRUCTOR)
def deep_link():
    """Answer a deep-linking request with the activities the instructor chose."""
    known = {activity.key: activity for activity in _choices()}
    selected = [known[key] for key in deep_link_choice(request.form, known)]
    gradings = [
        placement_grading(request.form, activity.key, dict(activity.grading_choices))
        for activity in selected
    ]
    lti = services()
    try:
        restored = lti.restored_launch(g.launch.launch_id)
        deep_link = restored.get_deep_link()
    except LtiException:
        return error_page(
            401, "This deep-linking request has expired. Start again from the course."
        )
    settings = restored.get_launch_data()[
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    ]
    if settings.get("accept_multiple") is False and len(selected) > 1:
        # Canvas's assignment_selection, for one: the answer must hold exactly one link.
        raise ValidationError({"activity": ["Choose one activity: this place holds one."]})
    if lti.cache.take(DEEP_LINK_OPEN + g.launch.launch_id) is None:
        return error_page(
            409,
            "These activities have already been sent to your course. To add more, start "
            "again from the course's 'add activity' page.",
        )
    resources = [
        _deep_link_resource(lti.launch_url(), activity, grading)
        for activity, grading in zip(selected, gradings, strict=True)
    ]
    return_url = settings["deep_link_return_url"]
    response = make_response(
        render_template(
            "lti/deep_link_response.html",
            return_url=return_url,
            jwt=deep_link.get_response_jwt(resources),
        )
    )
    frame = frame_policy().origins(g.launch.platform_pk)
    form_origin = origin_of(return_url)
    response.headers["Content-Security-Policy"] = content_security_policy(
        frame, [form_origin] if form_origin else []
    )
    return response


def _deep_link_resource(
    launch_url: str, activity: activities.Activity, grading: tuple[str, int] | None
) -> DeepLinkResource:
    """One link: the activity in its custom parameters and in its URL (importers and course
    copies that drop custom parameters keep the URL), and a gradebook column when graded:
    by its nature (an assignment's rubric total) or by the instructor's choice (``grading``,
    passed on to the feature in the ``grading`` and ``grading_target`` custom parameters)."""
    custom = {"activity": activity.key}
    points = activity.points_possible
    if grading is not None:
        custom |= {"grading": grading[0], "grading_target": str(grading[1])}
        points = grading[1]
    resource = (
        DeepLinkResource()
        .set_url(launch_url + "?" + urlencode({"activity": activity.key}))
        .set_title(activity.title)
        .set_custom_params(custom)
    )
    if points:
        resource.set_lineitem(
            LineItem()
            .set_score_maximum(points)
            .set_label(activity.title)
            .set_resource_id(activity.resource_id)
            .set_tag(activity.line_item_tag)
        )
    return resource


@bp.post("/token")
@requires(Role.LEARNER)
def renew():
    """A fresh launch token for an open page (``static/session.js``), while the session lasts."""
    token = renew_token(token_from_request() or "")
    if token is None:
        return jsonify({"error": "Open the activity again from your course."}), 401
    return jsonify(
        {
            "token": token,
            "csrf_token": csrf_token(token),
            "expires_in": current_app.config["LAUNCH_TOKEN_MAX_AGE"],
        }
    )


@bp.get("/jwks.json")
def jwks():
    return jsonify(services().keys.jwks())


@bp.get("/register")
def register():
    """LTI Dynamic Registration initiation, allowed once per ``lti-tool register-url`` token."""

    @after_this_request
    def framed_by_any_platform(response):
        # The platform shows these pages (success or refusal) in its own frame, before the
        # tool knows its origin; they carry nothing but the registration's outcome.
        response.headers["Content-Security-Policy"] = content_security_policy(["*"], [])
        return response

    problem = edge.problem(request.args, edge.REGISTER_PARAMS)
    if problem:
        return error_page(400, problem, "Registration")
    openid_configuration = request.args.get("openid_configuration")
    if not openid_configuration:
        return error_page(
            400, "Open this address from your platform's tool registration page.", "Registration"
        )
    session = db.get_session()
    if not consume_registration_token(session, request.args.get("token")):
        return error_page(
            403,
            "This registration link is invalid, expired or already used. "
            "Ask the tool's administrator for a new one (lti-tool register-url).",
            "Registration refused",
            dialog_close=True,
        )
    registration = services().dynamic_registration(
        openid_configuration, request.args.get("registration_token")
    )
    try:
        platform = registration.register()
    except LaunchRefused as refusal:
        log.info("registration refused: %s", refusal)
        session.rollback()
        release_registration_token(session, request.args["token"])
        return error_page(refusal.status, str(refusal), "Registration failed", dialog_close=True)
    _invalidate_frame_policy()
    return render_template("lti/registered.html", platform=platform)


@bp.get("/canvas.json")
def canvas_config():
    """A Canvas developer key configuration ("Paste JSON")."""
    lti = services()
    base = lti.tool_url()
    name = current_app.config["LTI_TOOL_NAME"]
    return jsonify(
        {
            "title": name,
            "description": "Scenario discussions and assignments of the course.",
            "oidc_initiation_url": base + "/lti/login",
            "target_link_uri": base + "/lti/launch",
            "public_jwk_url": base + "/lti/jwks.json",
            "scopes": AGS_SCOPES,
            "extensions": [
                {
                    "platform": "canvas.instructure.com",
                    "privacy_level": "name_only",
                    "domain": origin_of(base).split("://", 1)[1] if origin_of(base) else "",
                    "settings": {
                        "placements": [
                            {
                                "placement": "link_selection",
                                "message_type": "LtiDeepLinkingRequest",
                                "target_link_uri": base + "/lti/launch",
                                "text": name,
                            },
                            {
                                "placement": "assignment_selection",
                                "message_type": "LtiDeepLinkingRequest",
                                "target_link_uri": base + "/lti/launch",
                                "text": name,
                            },
                        ]
                    },
                }
            ],
            "custom_fields": {},
        }
    )


@bp.get("/config")
def moodle_config():
    """The values an administrator pastes into Moodle's manual tool configuration."""
    lti = services()
    base = lti.tool_url()
    return render_template(
        "lti/config.html",
        base=base,
        values=[
            ("Tool URL", base + "/lti/launch"),
            ("LTI version", "LTI 1.3"),
            ("Public key type", "Keyset URL"),
            ("Public keyset", base + "/lti/jwks.json"),
            ("Initiate login URL", base + "/lti/login"),
            ("Redirection URI(s)", base + "/lti/launch"),
            ("Supports Deep Linking (Content-Item Message)", "Yes"),
            ("Content Selection URL", base + "/lti/launch"),
        ],
        canvas_url=base + "/lti/canvas.json",
    )
