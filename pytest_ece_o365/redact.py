"""The second net for secrets: scrub text before it reaches any output.

The first net is the :class:`~pytest_ece_o365.secret.Secret` type, which never shows its value.
This module catches what slips past it: every secret value that was ever revealed is remembered here,
and token-shaped strings (JWTs, XOAUTH2 blobs, OAuth form fields) are masked even when they were never
held in a ``Secret`` — a server's echo of a token, say.
"""

from __future__ import annotations

import functools
import re
import threading

REDACTED = "[redacted]"

# Values shorter than this are not remembered: masking "a" everywhere would make reports unreadable,
# and no real secret, token or code is that short.
_MIN_SECRET_LENGTH = 6

_lock = threading.Lock()
_known: set[str] = set()
# Each remembered value under its first _MIN_SECRET_LENGTH characters, so that redact() looks for the few
# values whose start occurs in the text rather than for every one (a run of 500 mailboxes remembers
# a thousand tokens and redacts tens of thousands of strings: issue 13).
_by_start: dict[str, set[str]] = {}
_generation = 0

_PATTERNS: tuple[re.Pattern[str], ...] = (
    # JWTs (access and ID tokens): header.payload.signature, the header always starts with '{"'.
    re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*"),
    # XOAUTH2 strings in the clear and base64-encoded ("user=" encodes as "dXNlcj").
    re.compile(r"(auth=Bearer\s+)[^\s\x01]+", re.IGNORECASE),
    re.compile(r"dXNlcj[A-Za-z0-9+/]{8,}={0,2}"),
    # Bearer and Basic credentials, with or without an "Authorization:" header name before them.
    re.compile(r"(\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
    # OAuth form fields and query parameters (k=v up to & or white space); "code" only as a parameter.
    re.compile(
        r"((?<![A-Za-z0-9_])(?:refresh_token|access_token|id_token|client_secret|code_verifier|assertion"
        r"|client_assertion|password)=)[^\s&\"'\\]+",
        re.IGNORECASE,
    ),
    # (A number is an error code, as in ".../error?code=700082", not an authorization code.)
    re.compile(r"((?:[?&]|^)code=)(?![0-9]+(?:[\s&\"'\\]|$))[^\s&\"'\\]+", re.IGNORECASE | re.MULTILINE),
    # The same names as JSON members ("name": value): the value runs to its closing quote. Only quoted
    # names count, so that "azure_ad.client_secret: variable X is not set" stays readable. (client_info, the
    # base64 JSON of the user's ids beside the tokens, is no secret but reads like one: masked too.)
    re.compile(
        r"([\"'](?:refresh_token|access_token|id_token|client_secret|code_verifier|assertion|password|client_info)"
        r"[\"']\s*:\s*)(\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^\s,}]+)",
        re.IGNORECASE,
    ),
)


#: A text without any of these (case-folded) cannot match _PATTERNS: one pass of substring searches rules
#: out most text before seven regular expressions run over it.
_PATTERN_WORDS = ("eyj", "dxnlcj", "bearer", "basic", "code=", "token", "secret", "verifier", "assertion", "password")
_PATTERN_WORD = re.compile("|".join(_PATTERN_WORDS))


def remember(value: str) -> None:
    """Mask ``value`` in every later :func:`redact` call (called whenever a secret is revealed)."""
    if len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            if value not in _known:
                _known.add(value)
                _by_start.setdefault(value[:_MIN_SECRET_LENGTH], set()).add(value)
                global _generation
                _generation += 1


def redact(text: str) -> str:
    """Return ``text`` with every remembered secret and every token-shaped string masked."""
    if not text:
        return text
    return _redacted(text, _generation)


@functools.lru_cache(maxsize=4096)  # a report redacts the same titles, words and hosts thousands of times
def _redacted(text: str, generation: int) -> str:
    # ``generation`` changes with every remembered value, so that a cached answer is never stale.
    with _lock:
        if len(_by_start) * 4 <= len(text):  # few values: look for each one's start (a substring search in C)
            candidates = [value for start, values in _by_start.items() if start in text for value in values]
        elif _by_start:  # many: look up each of the text's windows
            starts = {text[i : i + _MIN_SECRET_LENGTH] for i in range(len(text) - _MIN_SECRET_LENGTH + 1)}
            candidates = [value for start in starts & _by_start.keys() for value in _by_start[start]]
        else:
            candidates = []
    for value in sorted(candidates, key=len, reverse=True):
        if value in text:
            text = text.replace(value, REDACTED)
    lower = text.casefold()  # as re.IGNORECASE compares: "ſ" is an "s" there too
    if _PATTERN_WORD.search(lower):
        for pattern in _PATTERNS:
            text = pattern.sub(_keep_prefix, text)
    return text


def clip(text: str, limit: int) -> str:
    """``text`` redacted, then cut to ``limit`` characters (saying how long it was). Redaction first: a secret
    that straddles the cut is masked whole, where cutting first would leave its first part unrecognisable."""
    text = redact(text)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} chars)"


def _keep_prefix(match: re.Match[str]) -> str:
    prefix = match.group(1) if match.re.groups else ""
    value = match.group(2) if match.re.groups >= 2 else ""
    # A quoted JSON value keeps its quotes, so that redacted JSON stays JSON.
    quote = value[0] if value[:1] in ('"', "'") else ""
    return f"{prefix}{quote}{REDACTED}{quote}"
