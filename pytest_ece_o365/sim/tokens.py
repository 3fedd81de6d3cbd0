"""Signing and checking the simulator's JWTs (access and ID tokens), and its JWKS.

One RSA key per process: generating it is the slow part of building a tenant, and a throw-away
simulator has no use for key rotation.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

__all__ = ["SigningKey", "b64url_json", "signing_key"]


def b64url_json(value: object) -> str:
    """base64url (unpadded) of compact JSON, as in ``client_info``."""
    raw = json.dumps(value, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class SigningKey:
    """An RS256 key pair with a key id."""

    def __init__(self, kid: str = "sim-key-1") -> None:
        self.kid = kid
        self._private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public = self._private.public_key()

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact JWS of ``claims`` with ``kid`` and ``x5t``-less header, like Entra's."""
        return jwt.encode(claims, self._private, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})

    def verify(self, token: str, *, audience: list[str], issuer: str) -> dict[str, Any]:
        """Decode ``token`` checking signature, ``exp``/``nbf``, audience and issuer; raise ``jwt`` errors."""
        claims: dict[str, Any] = jwt.decode(
            token,
            self.public,
            algorithms=["RS256"],
            audience=audience,
            issuer=issuer,
            options={"require": ["exp", "iat", "aud", "iss"]},
        )
        return claims

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set that publishes the public key."""
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.public))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256", "kty": "RSA"})
        return {"keys": [jwk]}


@functools.lru_cache(maxsize=1)
def signing_key() -> SigningKey:
    """The process-wide simulator signing key."""
    return SigningKey()
