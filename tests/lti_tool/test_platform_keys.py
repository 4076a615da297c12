"""The platform's public keys: fetched once and cached, refetched when it signs with a new key."""

from __future__ import annotations

from tests.lti_platform import launch, session_key


def test_a_second_launch_does_not_fetch_the_platforms_keys_again(connected):
    assert launch(connected.platform).status_code == 200
    connected.platform.published_keys = ()  # the JWKS endpoint now publishes nothing

    assert launch(connected.platform).status_code == 200


def test_a_platform_that_rotated_its_key_is_followed_after_one_refetch(connected):
    assert launch(connected.platform).status_code == 200
    new_key = session_key("platform-next")
    connected.platform.signing_key = new_key
    connected.platform.published_keys = (new_key,)

    assert launch(connected.platform).status_code == 200
