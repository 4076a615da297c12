"""RSA signing keys for the test platform (and for tests that play a tool or an attacker).

Generating an RSA key costs tens of milliseconds, so each named key is generated once per
process (``session_key``) and shared by every platform the tests start.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass(frozen=True)
class SigningKey:
    """An RSA key pair with the ``kid`` under which its public half is published."""

    kid: str
    private_key: rsa.RSAPrivateKey

    @property
    def private_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    @property
    def public_pem(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK, with the ``kid``, ``alg`` and ``use`` that LTI tools expect."""
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}


def jwks(*keys: SigningKey) -> dict[str, list[dict[str, str]]]:
    """A JSON Web Key Set publishing the public halves of ``keys``."""
    return {"keys": [key.public_jwk() for key in keys]}


@functools.cache
def session_key(name: str) -> SigningKey:
    """The RSA key called ``name``: generated on first use, then the same for the whole run.

    Names in use: ``platform`` (signs id_tokens), ``platform-next`` (published beside it, for
    rotation tests), ``attacker`` (never published anywhere), ``tool`` (a stand-in tool's key),
    ``second-platform`` (another platform's own key).
    """
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return SigningKey(kid=f"{name}-key", private_key=private_key)
