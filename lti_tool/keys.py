"""The tool's RSA keys: generated on first use, rotated and retired by the CLI.

The newest unretired key signs (deep-linking responses, service token requests);
every unretired key is published in the JWKS, so after ``keys rotate`` platforms
that cached the old key keep verifying until ``keys retire`` removes it.
A key's ``kid`` is its RFC 7638 thumbprint, the value pylti1p3 puts in JWT headers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import ToolKey, utcnow

KEY_SIZE = 2048


class KeyStoreError(LookupError):
    """No such key, or the operation would leave the tool without a signing key."""


def generate_key(session: Session) -> ToolKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    kid = JWK.from_pem(public_pem.encode()).thumbprint()
    key = ToolKey(kid=kid, private_pem=private_pem, public_pem=public_pem)
    session.add(key)
    session.flush()
    return key


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: str
    public_pem: str


class KeyStore:
    """The tool's keys in the database."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def active(self) -> list[ToolKey]:
        return list(
            self._session.scalars(
                select(ToolKey).where(ToolKey.retired_at.is_(None)).order_by(ToolKey.id)
            )
        )

    def all(self) -> list[ToolKey]:
        return list(self._session.scalars(select(ToolKey).order_by(ToolKey.id)))

    def signing_key(self) -> SigningKey:
        """The newest unretired key, generated (and committed) if there is none yet."""
        keys = self.active()
        if not keys:
            keys = [generate_key(self._session)]
            self._session.commit()
        key = keys[-1]
        return SigningKey(key.kid, key.private_pem, key.public_pem)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The public JWKS: every unretired key."""
        if not self.active():
            self.signing_key()
        keys = []
        for key in self.active():
            jwk = json.loads(JWK.from_pem(key.public_pem.encode()).export_public())
            jwk.update({"kid": key.kid, "alg": "RS256", "use": "sig"})
            keys.append(jwk)
        return {"keys": keys}

    def rotate(self) -> ToolKey:
        """Add a new signing key; the old ones stay published until retired."""
        key = generate_key(self._session)
        self._session.commit()
        return key

    def retire(self, kid: str) -> ToolKey:
        """Stop publishing ``kid``. Refused for the only active key."""
        key = self._session.scalar(select(ToolKey).where(ToolKey.kid == kid))
        if key is None or key.retired_at is not None:
            raise KeyStoreError(f"no active key with kid {kid!r}")
        if len(self.active()) == 1:
            raise KeyStoreError("it is the only active key: run 'lti-tool keys rotate' first")
        key.retired_at = utcnow()
        self._session.commit()
        return key
