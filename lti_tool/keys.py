"""The tool's RSA keys: generated on first use, rotated and retired by the CLI.

The newest unretired key signs (deep-linking responses, service token requests);
every unretired key is published in the JWKS, so after ``keys rotate`` platforms
that cached the old key keep verifying until ``keys retire`` removes it.
A key's ``kid`` is its RFC 7638 thumbprint, the value pylti1p3 puts in JWT headers.

Private keys are stored encrypted (Fernet, ``KeyCipher``) with the keys of
``LTI_KEY_ENCRYPTION_KEYS``, which live in the environment, not in the database: a copy
of the database alone cannot sign as the tool. A retired key's private half is deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK
from sqlalchemy import select
from sqlalchemy.orm import Session

from .config import ConfigError
from .models import ToolKey, utcnow

KEY_SIZE = 2048


class KeyStoreError(LookupError):
    """No such key, or the operation would leave the tool without a signing key."""


class KeyCipher:
    """Seals private keys for the database and opens them again.

    ``LTI_KEY_ENCRYPTION_KEYS`` lists Fernet keys, newest first: the first seals, any
    opens (``MultiFernet``), so a new key can be put in front, every stored key resealed
    (``lti-tool keys reencrypt``), and the old key dropped. Without keys (development)
    private keys are stored as plain PEM; sealed ones are marked ``fernet:``.
    """

    PREFIX = "fernet:"

    def __init__(self, fernet: MultiFernet | None) -> None:
        self._fernet = fernet

    @classmethod
    def from_setting(cls, value: str | None) -> KeyCipher:
        keys = [item.strip() for item in (value or "").split(",") if item.strip()]
        try:
            return cls(MultiFernet([Fernet(key) for key in keys]) if keys else None)
        except ValueError as error:
            raise ConfigError(
                "LTI_KEY_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64 bytes), "
                'e.g. python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"'
            ) from error

    def seal(self, private_pem: str) -> str:
        if self._fernet is None:
            return private_pem
        return self.PREFIX + self._fernet.encrypt(private_pem.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(self.PREFIX):
            return stored
        if self._fernet is None:
            raise KeyStoreError(
                "the tool's private keys are encrypted: set LTI_KEY_ENCRYPTION_KEYS"
            )
        try:
            return self._fernet.decrypt(stored[len(self.PREFIX) :].encode()).decode()
        except InvalidToken as error:
            raise KeyStoreError(
                "no key of LTI_KEY_ENCRYPTION_KEYS opens the tool's private keys"
            ) from error


def _app_cipher() -> KeyCipher:
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.extensions.get("lti_tool.key_cipher") or KeyCipher(None)
    return KeyCipher(None)


def generate_key(session: Session, cipher: KeyCipher | None = None) -> ToolKey:
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
    sealed = (cipher or _app_cipher()).seal(private_pem)
    key = ToolKey(kid=kid, private_pem=sealed, public_pem=public_pem)
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

    def __init__(self, session: Session, cipher: KeyCipher | None = None) -> None:
        self._session = session
        self._cipher = cipher or _app_cipher()

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
            keys = [generate_key(self._session, self._cipher)]
            self._session.commit()
        key = keys[-1]
        return SigningKey(key.kid, self._cipher.open(key.private_pem), key.public_pem)

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
        key = generate_key(self._session, self._cipher)
        self._session.commit()
        return key

    def retire(self, kid: str) -> ToolKey:
        """Stop publishing ``kid`` and delete its private half. Refused for the only active key."""
        key = self._session.scalar(select(ToolKey).where(ToolKey.kid == kid))
        if key is None or key.retired_at is not None:
            raise KeyStoreError(f"no active key with kid {kid!r}")
        if len(self.active()) == 1:
            raise KeyStoreError("it is the only active key: run 'lti-tool keys rotate' first")
        key.retired_at = utcnow()
        key.private_pem = ""  # nothing signs with it again: keep no copy to leak
        self._session.commit()
        return key

    def reencrypt(self) -> int:
        """Seal every stored private key with the first encryption key; returns how many."""
        count = 0
        for key in self.all():
            if key.private_pem:
                key.private_pem = self._cipher.seal(self._cipher.open(key.private_pem))
                count += 1
        self._session.commit()
        return count
