"""What a person may do, from the LTI roles of their launch.

LTI 1.3 sends roles as full URIs (``http://purl.imsglobal.org/vocab/lis/v2/membership#Learner``,
sub-roles such as ``.../membership/Instructor#TeachingAssistant``, institution and
system roles such as ``.../institution/person#Administrator``); the simple names of
the deprecated short form (``Instructor``) are context roles (LTI 1.3 §A.2.3.1).

Context (membership) roles decide course rights when present: Canvas also sends
institution roles to people who take a course as learners. Administrator roles
of any kind give admin.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


class Role(IntEnum):
    """Ordered: each role may do everything the roles below it may."""

    LEARNER = 1
    INSTRUCTOR = 2
    ADMIN = 3


INSTRUCTOR_NAMES = {"Instructor", "TeachingAssistant", "ContentDeveloper"}
ADMIN_NAMES = {"Administrator", "SysAdmin", "AccountAdmin"}


def _parse(role: str) -> tuple[str, str]:
    """(kind, name): kind is ``membership``, ``institution`` or ``system``."""
    if "#" not in role:
        return "membership", role  # simple name: a context role
    base, name = role.rsplit("#", 1)
    if base.startswith(LIS + "membership"):
        # A sub-role "membership/Instructor#TeachingAssistant" belongs to its principal.
        principal = base[len(LIS + "membership") :].strip("/")
        return "membership", principal if principal in INSTRUCTOR_NAMES | ADMIN_NAMES else name
    if base.startswith(LIS + "institution"):
        return "institution", name
    if base.startswith(LIS + "system"):
        return "system", name
    return "other", name


def role_from_claims(roles: Iterable[str] | None) -> Role:
    parsed = [_parse(role) for role in roles or () if isinstance(role, str)]
    if any(name in ADMIN_NAMES for _kind, name in parsed):
        return Role.ADMIN
    context = [name for kind, name in parsed if kind == "membership"]
    names = context if context else [name for _kind, name in parsed]
    if any(name in INSTRUCTOR_NAMES for name in names):
        return Role.INSTRUCTOR
    return Role.LEARNER
