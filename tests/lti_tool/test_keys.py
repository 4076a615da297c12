"""The tool's keys: made on first use, rotated beside the old one, retired by the CLI."""

from __future__ import annotations

import pytest

from lti_tool import db
from lti_tool.keys import KeyStore, KeyStoreError


def jwks_kids(client) -> list[str]:
    return [key["kid"] for key in client.get("/lti/jwks.json").json["keys"]]


def test_the_jwks_publishes_one_rsa_key_generated_on_first_use(client):
    keys = client.get("/lti/jwks.json").json["keys"]

    assert len(keys) == 1
    assert {keys[0]["kty"], keys[0]["alg"], keys[0]["use"]} == {"RSA", "RS256", "sig"}
    assert "d" not in keys[0]  # never the private half
    assert jwks_kids(client) == [keys[0]["kid"]]  # stable across requests


def test_rotation_publishes_the_new_key_beside_the_old_until_it_is_retired(client, runner):
    (old,) = jwks_kids(client)

    rotated = runner.invoke(["keys", "rotate"])
    assert rotated.exit_code == 0
    both = jwks_kids(client)
    assert len(both) == 2 and both[0] == old

    retired = runner.invoke(["keys", "retire", old])
    assert retired.exit_code == 0
    assert jwks_kids(client) == [both[1]]


def test_the_newest_key_signs(app):
    with app.app_context():
        store = KeyStore(db.get_session())
        store.signing_key()
        newer = store.rotate()

        assert store.signing_key().kid == newer.kid


def test_the_only_active_key_cannot_be_retired(client, runner):
    (only,) = jwks_kids(client)

    result = runner.invoke(["keys", "retire", only])

    assert result.exit_code == 1
    assert "only active key" in result.output
    assert jwks_kids(client) == [only]


def test_retiring_an_unknown_key_is_an_error(app):
    with app.app_context(), pytest.raises(KeyStoreError, match="no active key"):
        KeyStore(db.get_session()).retire("no-such-kid")


def test_keys_list_shows_active_and_retired_keys(client, runner):
    (old,) = jwks_kids(client)
    runner.invoke(["keys", "rotate"])
    runner.invoke(["keys", "retire", old])

    output = runner.invoke(["keys", "list"]).output

    assert f"{old}  created" in output
    assert "retired" in output
    assert output.count("active") == 1
