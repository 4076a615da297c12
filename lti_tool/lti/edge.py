"""Request parameters of the LTI endpoints, checked before pylti1p3 or the database sees them.

Each check returns a short reason for a 400 page, or ``None``. Limits are generous for
what platforms send (Canvas's ``lti_message_hint`` is a JWT of a few hundred bytes) and
small enough that nobody can make the tool store much for them: the login keeps its
parameters for ten minutes, to restart the login in a new window if the frame lost it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

ASCII = re.compile(r"^[\x21-\x7e]*$")
NO_CONTROL = re.compile(r"^[^\x00-\x1f\x7f]*$")
OPAQUE = re.compile(r"^[A-Za-z0-9_.~=+/-]*$")

#: name → (longest value, pattern)
LOGIN_PARAMS = {
    "iss": (255, ASCII),
    "client_id": (255, ASCII),
    "lti_deployment_id": (255, ASCII),
    "target_link_uri": (2048, ASCII),
    "login_hint": (2048, NO_CONTROL),
    "lti_message_hint": (4096, NO_CONTROL),
    "lti_storage_target": (64, re.compile(r"^[A-Za-z0-9_.-]*$")),
    "lti1p3_new_window": (1, re.compile(r"^1?$")),
}
LAUNCH_PARAMS = {
    "id_token": (200_000, OPAQUE),
    "state": (255, OPAQUE),
    "lti_storage_value": (255, OPAQUE),
}
REGISTER_PARAMS = {
    "openid_configuration": (2048, ASCII),
    "registration_token": (4096, ASCII),
    "token": (256, OPAQUE),
}


def problem(values: Mapping[str, str], spec: Mapping[str, tuple[int, re.Pattern[str]]]):
    """The first parameter of ``spec`` in ``values`` that is too long or has bad characters."""
    for name, (longest, pattern) in spec.items():
        value = values.get(name)
        if value is None:
            continue
        if len(value) > longest:
            return f"The parameter {name} is too long."
        if not pattern.match(value):
            return f"The parameter {name} has characters it may not have."
    return None
