"""The second net for secrets: scrub text before it reaches any output.

The first net is the :class:`~pytest_ece_o365.secret.Secret` type, which never shows its value.
This module catches what slips past it: every secret value that was ever revealed is remembered here,
and token-shaped strings (JWTs, XOAUTH2 blobs, OAuth form fields) are masked even when they were never
held in a ``Secret`` — a server's echo of a token, say.
"""

from __future__ import annotations

import re
import threading

REDACTED = "[redacted]"

# Values shorter than this are not remembered: masking "a" everywhere would make reports unreadable,
# and no real secret, token or code is that short.
_MIN_SECRET_LENGTH = 6

_lock = threading.Lock()
_known: set[str] = set()

_PATTERNS: tuple[re.Pattern[str], ...] = (
    # JWTs (access and ID tokens): header.payload.signature, the header always starts with '{"'.
    re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*"),
    # XOAUTH2 strings in the clear and base64-encoded ("user=" encodes as "dXNlcj").
    re.compile(r"(auth=Bearer\s+)[^\s\x01]+", re.IGNORECASE),
    re.compile(r"dXNlcj[A-Za-z0-9+/]{8,}={0,2}"),
    # OAuth form fields and JSON members that carry secrets.
    re.compile(
        r"((?:refresh_token|access_token|id_token|client_secret|code|code_verifier|assertion)"
        r"[\"']?\s*[=:]\s*[\"']?)[^\s\"'&,}]+",
        re.IGNORECASE,
    ),
    re.compile(r"(Authorization:\s*Bearer\s+)\S+", re.IGNORECASE),
)


def remember(value: str) -> None:
    """Mask ``value`` in every later :func:`redact` call (called whenever a secret is revealed)."""
    if len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _known.add(value)


def redact(text: str) -> str:
    """Return ``text`` with every remembered secret and every token-shaped string masked."""
    if not text:
        return text
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(_keep_prefix, text)
    return text


def _keep_prefix(match: re.Match[str]) -> str:
    prefix = match.group(1) if match.re.groups else ""
    return f"{prefix}{REDACTED}"
