"""A real LTI 1.3 platform for the tests, served over HTTP on 127.0.0.1.

It signs id_tokens with its own RSA keys and publishes them at ``/jwks``; answers OIDC
authentication requests with an auto-submitting form post; issues access tokens for signed
client assertions; serves AGS, NRPS, a Deep Linking return, Dynamic Registration and, on its
activity page, LTI Platform Storage. Tests drive it through ``Platform`` and the fixtures in
``lti_platform.fixtures`` (``lti_platform``, ``lti_platform_factory``, ``serve_wsgi``).

Modules: ``keys`` (RSA keys, JWKS), ``claims`` (LTI vocabulary, token crafting), ``model``
(users, courses, tools), ``lms`` (the ``Platform`` API), ``oidc``/``services``/``pages`` (the
HTTP endpoints), ``server`` (threaded werkzeug), ``useragent`` (launches without a browser).
"""

from .claims import OMIT, encode, tamper, unverified_claims
from .keys import SigningKey, jwks, session_key
from .lms import AuthResponse, Platform, PlatformError, replace_tool
from .model import (
    ADMINISTRATOR,
    CONTENT_DEVELOPER,
    INSTRUCTOR,
    LEARNER,
    SECOND_LEARNER,
    TEACHING_ASSISTANT,
    ToolRegistration,
    User,
)
from .server import RunningServer, serving, start_server
from .useragent import LaunchAttempt, launch, parse_forms, query_params, start_launch

__all__ = [
    "ADMINISTRATOR",
    "CONTENT_DEVELOPER",
    "INSTRUCTOR",
    "LEARNER",
    "OMIT",
    "SECOND_LEARNER",
    "TEACHING_ASSISTANT",
    "AuthResponse",
    "LaunchAttempt",
    "Platform",
    "PlatformError",
    "RunningServer",
    "SigningKey",
    "ToolRegistration",
    "User",
    "encode",
    "jwks",
    "launch",
    "parse_forms",
    "query_params",
    "replace_tool",
    "serving",
    "session_key",
    "start_launch",
    "start_server",
    "tamper",
    "unverified_claims",
]
