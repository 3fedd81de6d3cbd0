"""Claims are read from the token as PyJWT's unverified decode reads them (issue 13 replaced it for speed),
and whatever is not a signed JWT in compact form is opaque."""

from __future__ import annotations

import base64
import json

import jwt
import pytest

from pytest_ece_o365.probes.token import decode_claims

CLAIMS = {
    "aud": "https://outlook.office.com",
    "upn": "support@example.com",
    "scp": "IMAP.AccessAsUser.All SMTP.Send",
    "name": "Suporte — Atendimento",  # not ASCII: the payload is UTF-8 JSON
    "iat": 1764892800,
    "exp": 1764896400,
}


def _raw(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _segment(value: object) -> str:
    return _raw(json.dumps(value).encode())


@pytest.mark.parametrize("key", ["a-secret-key-long-enough-for-hs256!!", None])
def test_claims_are_what_pyjwt_reads(key: str | None) -> None:
    token = jwt.encode(CLAIMS, key, algorithm="HS256" if key else "none")
    assert decode_claims(token) == jwt.decode(token, options={"verify_signature": False}) == CLAIMS


def test_a_padded_segment_is_read_too() -> None:
    header = base64.urlsafe_b64encode(b'{"alg":"RS256","typ":"JWT"}').decode()
    payload = base64.urlsafe_b64encode(json.dumps(CLAIMS).encode()).decode()
    assert decode_claims(f"{header}.{payload}.c2ln") == CLAIMS


NOT_UTF8 = _raw(b"\xff\xfe")
DEEP = _raw(b"[" * 100_000)  # nested deeper than Python parses


@pytest.mark.parametrize(
    "token",
    [
        "EwBwA8l6BAAUopaque-token-value",  # an opaque token
        f"{_segment({'alg': 'RSA-OAEP', 'enc': 'A256GCM'})}.a.b.c.d",  # encrypted (JWE): five segments
        f"{_segment({'alg': 'RS256'})}.{_segment(['not', 'an', 'object'])}.sig",
        f"{_segment({'typ': 'JWT'})}.{_segment(CLAIMS)}.sig",  # a header without "alg" is no JWS header
        f"{_segment({'alg': 'RS256'})}.{_segment(CLAIMS)[:-1]}!.sig",  # a character outside base64url
        f"{_segment({'alg': 'RS256'})}.{NOT_UTF8}.sig",
        f"{_segment({'alg': 'RS256'})}.{DEEP}.sig",
        "",
    ],
)
def test_anything_else_is_opaque(token: str) -> None:
    assert decode_claims(token) == {}
