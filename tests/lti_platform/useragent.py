"""A browser-less user agent for launches over real HTTP: login initiation → the tool's redirect
to the authorization endpoint → the platform's auto-posting form → the launch POST.

``start_launch`` stops before the last step so that a test can post a forged id_token or a
foreign state with the genuine state cookie the tool set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests

from .claims import unverified_claims
from .lms import AuthResponse, Platform


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append({"action": values.get("action", ""), "fields": {}})
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1]["fields"][values["name"]] = values.get("value", "")


def parse_forms(html: str, base_url: str = "") -> list[AuthResponse]:
    """Every form of ``html`` as (absolute action, field values)."""
    parser = _FormParser()
    parser.feed(html)
    return [AuthResponse(urljoin(base_url, f["action"]), f["fields"]) for f in parser.forms]


def query_params(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


@dataclass
class LaunchAttempt:
    """A launch stopped just before the id_token is posted to the tool."""

    session: requests.Session
    login_response: requests.Response
    auth_request: dict[str, str]
    answer: AuthResponse
    history: list[requests.Response] = field(default_factory=list)

    @property
    def nonce(self) -> str:
        return self.auth_request["nonce"]

    @property
    def state(self) -> str:
        return self.auth_request["state"]

    @property
    def id_token(self) -> str:
        assert self.answer.id_token, f"the platform answered {self.answer.fields}"
        return self.answer.id_token

    @property
    def claims(self) -> dict[str, Any]:
        return unverified_claims(self.id_token)

    def post(
        self,
        *,
        id_token: str | None = None,
        state: str | None = None,
        fields: dict[str, str] | None = None,
        allow_redirects: bool = True,
    ) -> requests.Response:
        """POST the form to the tool's redirect_uri, as the browser would; ``id_token`` and
        ``state`` replace the genuine ones, ``fields`` replaces the whole form."""
        data = dict(self.answer.fields) if fields is None else dict(fields)
        if id_token is not None:
            data["id_token"] = id_token
        if state is not None:
            data["state"] = state
        return self.session.post(self.answer.action, data=data, allow_redirects=allow_redirects)


def start_launch(
    platform: Platform,
    session: requests.Session | None = None,
    *,
    login_method: str = "get",
    extra_login_params: dict[str, str] | None = None,
    **login: Any,
) -> LaunchAttempt:
    """Run a launch up to the platform's form post. ``login`` goes to
    ``Platform.login_initiation_params`` (``user``, ``course_id``, ``resource_link_id``…)."""
    session = session or requests.Session()
    tool = platform.tool(login.get("client_id"))
    params = {**platform.login_initiation_params(**login), **(extra_login_params or {})}
    if login_method == "post":
        response = session.post(tool.login_url, data=params, allow_redirects=False)
    else:
        response = session.get(tool.login_url, params=params, allow_redirects=False)
    location = response.headers.get("Location", "")
    if not (response.is_redirect and location.startswith(platform.auth_login_url)):
        raise AssertionError(
            f"login initiation answered {response.status_code} without a redirect to the "
            f"platform's authorization endpoint: {response.text[:500]!r}"
        )
    auth = session.get(location, allow_redirects=False)
    forms = parse_forms(auth.text, auth.url)
    if auth.status_code != 200 or len(forms) != 1:
        raise AssertionError(f"authorization answered {auth.status_code}: {auth.text[:500]!r}")
    return LaunchAttempt(session, response, query_params(location), forms[0], [response, auth])


def launch(platform: Platform, session: requests.Session | None = None, **login: Any):
    """A complete launch; returns the tool's answer to the id_token POST."""
    return start_launch(platform, session, **login).post()
