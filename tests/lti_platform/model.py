"""What the test platform knows: people, courses, activities, registered tools, pending logins."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .claims import (
    ALL_SCOPES,
    INSTITUTION_ROLE_ADMINISTRATOR,
    ROLE_ADMINISTRATOR,
    ROLE_CONTENT_DEVELOPER,
    ROLE_INSTRUCTOR,
    ROLE_LEARNER,
    ROLE_TEACHING_ASSISTANT,
)


@dataclass(frozen=True)
class User:
    """A person on the platform, with the context roles sent when they launch a tool."""

    id: str
    name: str
    given_name: str
    family_name: str
    email: str
    roles: tuple[str, ...]


LEARNER = User("learner-1", "Lee Learner", "Lee", "Learner", "lee@example.edu", (ROLE_LEARNER,))
SECOND_LEARNER = User(
    "learner-2", "Sam Student", "Sam", "Student", "sam@example.edu", (ROLE_LEARNER,)
)
INSTRUCTOR = User(
    "instructor-1", "Ina Instructor", "Ina", "Instructor", "ina@example.edu", (ROLE_INSTRUCTOR,)
)
TEACHING_ASSISTANT = User(
    "ta-1",
    "Tom Assistant",
    "Tom",
    "Assistant",
    "tom@example.edu",
    (ROLE_INSTRUCTOR, ROLE_TEACHING_ASSISTANT),
)
CONTENT_DEVELOPER = User(
    "developer-1", "Dee Developer", "Dee", "Developer", "dee@example.edu", (ROLE_CONTENT_DEVELOPER,)
)
ADMINISTRATOR = User(
    "admin-1",
    "Ada Admin",
    "Ada",
    "Admin",
    "ada@example.edu",
    (INSTITUTION_ROLE_ADMINISTRATOR, ROLE_ADMINISTRATOR),
)
DEFAULT_USERS = (
    LEARNER,
    SECOND_LEARNER,
    INSTRUCTOR,
    TEACHING_ASSISTANT,
    CONTENT_DEVELOPER,
    ADMINISTRATOR,
)


@dataclass
class Course:
    """A context (LTI Core §5.4.1); everyone in ``members`` is listed by the NRPS endpoint."""

    id: str
    title: str
    label: str
    members: list[str] = field(default_factory=list)


@dataclass
class ResourceLink:
    """An activity placed in a course, launching one registered tool."""

    id: str
    course_id: str
    client_id: str
    title: str
    custom: dict[str, str] = field(default_factory=dict)
    line_item_id: str | None = None


@dataclass
class ToolRegistration:
    """A tool as this platform knows it: what an administrator entered, or what the tool sent
    in its Dynamic Registration request (``registration_request``)."""

    client_id: str
    deployment_id: str
    login_url: str
    redirect_uris: list[str]
    target_link_uri: str
    jwks_url: str | None = None
    jwks: dict[str, Any] | None = None
    deep_link_url: str | None = None
    name: str = "Test tool"
    scopes: tuple[str, ...] = ALL_SCOPES
    registration_request: dict[str, Any] | None = None


@dataclass(frozen=True)
class LoginIntent:
    """A launch the platform has started, found again at the authorization endpoint through the
    ``lti_message_hint`` it sent in the login initiation (LTI Core §4.1)."""

    message_hint: str
    user_id: str
    client_id: str
    deployment_id: str
    message_type: str
    target_link_uri: str
    course_id: str
    resource_link_id: str | None
    claims: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AccessToken:
    """A bearer token from the token endpoint, for the LTI Advantage services."""

    token: str
    client_id: str
    scopes: frozenset[str]
    expires_at: float
