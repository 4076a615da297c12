"""The tool's keys: made on first use, rotated beside the old one, retired by the CLI."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from lti_tool import create_app, db
from lti_tool.keys import KeyCipher, KeyStore, KeyStoreError
from lti_tool.models import ToolKey

from .conftest import tool_settings


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


def test_a_retired_keys_private_half_is_deleted(app, client, runner):
    (old,) = jwks_kids(client)
    rotated = runner.invoke(["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output

    retired = runner.invoke(["keys", "retire", old])
    assert retired.exit_code == 0, retired.output

    with app.app_context():
        retired = db.get_session().scalar(select(ToolKey).where(ToolKey.kid == old))
        assert retired.private_pem == ""


def test_a_key_whose_kid_begins_with_a_dash_is_retired_too(app, client, runner):
    """Thumbprints are base64url: one in 64 begins with "-", which must not read as an option
    (CI once drew one: "No such option '-v'")."""
    (old,) = jwks_kids(client)
    assert runner.invoke(["keys", "rotate"]).exit_code == 0
    dashed = "-v" + old[2:]
    with app.app_context():
        session = db.get_session()
        session.scalar(select(ToolKey).where(ToolKey.kid == old)).kid = dashed
        session.commit()

    retired = runner.invoke(["keys", "retire", dashed])

    assert retired.exit_code == 0, retired.output
    assert dashed not in jwks_kids(client)


@pytest.fixture
def encrypted_app(database):
    app = create_app(
        tool_settings(database, LTI_KEY_ENCRYPTION_KEYS=Fernet.generate_key().decode())
    )
    with app.app_context():
        db.upgrade(db.engine())
    yield app
    app.extensions["lti_tool.engine"].dispose()


def test_private_keys_are_stored_encrypted_and_still_sign(encrypted_app):
    with encrypted_app.app_context():
        signing = KeyStore(db.get_session()).signing_key()
        stored = db.get_session().scalar(select(ToolKey.private_pem))

    assert stored.startswith("fernet:")
    assert "PRIVATE KEY" not in stored
    assert signing.private_pem.startswith("-----BEGIN PRIVATE KEY-----")


def test_the_encryption_key_rotates_by_resealing_every_private_key(encrypted_app):
    old_key = encrypted_app.config["LTI_KEY_ENCRYPTION_KEYS"]
    new_key = Fernet.generate_key().decode()
    with encrypted_app.app_context():
        before = KeyStore(db.get_session()).signing_key()

        rotating = KeyCipher.from_setting(f"{new_key},{old_key}")
        assert KeyStore(db.get_session(), rotating).reencrypt() == 1

        only_new = KeyStore(db.get_session(), KeyCipher.from_setting(new_key))
        assert only_new.signing_key().private_pem == before.private_pem


def test_without_the_encryption_key_the_tool_says_so_instead_of_signing(encrypted_app):
    with encrypted_app.app_context():
        KeyStore(db.get_session()).signing_key()
        with pytest.raises(KeyStoreError, match="LTI_KEY_ENCRYPTION_KEYS"):
            KeyStore(db.get_session(), KeyCipher(None)).signing_key()
