"""Launch roles → what a person may do (LTI 1.3 role vocabularies, full URIs and short names)."""

from __future__ import annotations

import pytest

from lti_tool.roles import Role, role_from_claims

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([LIS + "membership#Learner"], Role.LEARNER),
        ([LIS + "membership#Instructor"], Role.INSTRUCTOR),
        ([LIS + "membership/Instructor#TeachingAssistant"], Role.INSTRUCTOR),
        ([LIS + "membership#TeachingAssistant"], Role.INSTRUCTOR),
        ([LIS + "membership#ContentDeveloper"], Role.INSTRUCTOR),
        ([LIS + "membership#Administrator"], Role.ADMIN),
        ([LIS + "institution/person#Administrator"], Role.ADMIN),
        ([LIS + "system/person#Administrator"], Role.ADMIN),
        ([LIS + "system/person#SysAdmin"], Role.ADMIN),
        (["Instructor"], Role.INSTRUCTOR),
        (["Learner"], Role.LEARNER),
        ([LIS + "membership#Mentor"], Role.LEARNER),
        ([], Role.LEARNER),
        (None, Role.LEARNER),
        # Canvas sends institution roles too: the course role decides.
        ([LIS + "institution/person#Instructor", LIS + "membership#Learner"], Role.LEARNER),
        ([LIS + "institution/person#Instructor"], Role.INSTRUCTOR),
        ([LIS + "membership#Learner", LIS + "institution/person#Administrator"], Role.ADMIN),
        (["http://example.com/custom#Instructor-ish"], Role.LEARNER),
    ],
)
def test_roles_map_to_the_least_privilege_that_fits(roles, expected):
    assert role_from_claims(roles) == expected
