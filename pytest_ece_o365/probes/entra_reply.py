"""What Entra ID's replies mean: the AADSTS code of a refusal, AADSTS70000's two meanings, the Trace and
Correlation IDs that belong in the evidence, and what a reply that is not Entra's JSON says about the host.

Pure functions of the reply's JSON or text: the token probe, the Graph reader's token and the diagnosis
read a refusal the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pytest_ece_o365.probes.peer_values import aadsts_number

# Entra appends these to every error_description; they belong in the evidence (Microsoft support asks
# for them), not in the one-line finding.
_TRAILER = re.compile(r"\s*(Trace ID:.*)$", re.DOTALL)
_TRAILER_PARTS = re.compile(r"(Trace ID|Correlation ID|Timestamp):\s*(\S+(?: \S+Z)?)")
_AADSTS = re.compile(r"AADSTS(\d+)")
#: AADSTS70000's second meaning, told by the stable phrase of its description (whatever surrounds it: the
#: Trace/Correlation ID trailer, CRLF or one line): the refresh asked for a scope that no consent covers.
#: Azure-Samples/ms-identity-java-webapi#16 (checked 2026-12-04); the other wordings ("The provided value for
#: the input parameter 'refresh_token' or 'assertion' is not valid", "… grant is invalid or malformed") are
#: the first meaning, a grant Entra cannot use.
_SCOPE_REFUSAL = re.compile(r"one\s+or\s+more\s+scopes\s+requested\s+are\s+unauthorized\s+or\s+expired", re.I)


@dataclass(frozen=True)
class Refusal:
    """A classified failed request to Entra ID (not yet redacted: the caller redacts what it keeps)."""

    error: str  # Entra's OAuth error as sent ("invalid_grant" …), or "server-error", "discovery-failed", "bad-response"
    description: str  # one line for the finding: error_description without its trailer
    aadsts: int | None = None
    ids: str = ""  # "Trace ID: …, Correlation ID: …, Timestamp: …" for the evidence ("" when none)


def aadsts_in(text: str) -> int | None:
    """The first AADSTS code written in ``text``."""
    match = _AADSTS.search(text)
    return aadsts_number(match.group(1)) if match else None


def aadsts_code(reply: Mapping[str, Any]) -> int | None:
    """An OAuth error reply's AADSTS code: ``error_codes[0]``, else the one its description names."""
    codes = reply.get("error_codes")
    if isinstance(codes, list) and codes and aadsts_number(codes[0]) is not None:
        return aadsts_number(codes[0])
    return aadsts_in(str(reply.get("error_description") or ""))


def aadsts_key(code: int, description: str) -> str:
    """``AADSTS<code>``, or ``AADSTS70000-scope`` when 70000's description says a requested scope has no grant."""
    if code == 70000 and _SCOPE_REFUSAL.search(description):
        return "AADSTS70000-scope"
    return f"AADSTS{code}"


def split_trailer(description: str) -> tuple[str, str]:
    """An error_description without its Trace ID / Correlation ID / Timestamp trailer, and those ids."""
    trailer = _TRAILER.search(description)
    if not trailer:
        return description.strip(), ""
    ids = ", ".join(f"{name}: {value}" for name, value in _TRAILER_PARTS.findall(trailer.group(1)))
    return description[: trailer.start()].strip(), ids


def refusal(reply: Mapping[str, Any]) -> Refusal:
    """An OAuth error reply (``error``, ``error_description``, ``error_codes`` …) as a :class:`Refusal`."""
    error = str(reply.get("error"))
    description, ids = split_trailer(str(reply.get("error_description") or ""))
    if not ids and (reply.get("correlation_id") or reply.get("trace_id")):
        ids = f"Trace ID: {reply.get('trace_id', '')}, Correlation ID: {reply.get('correlation_id', '')}"
    return Refusal(error, description or error, aadsts_code(reply), ids)


def failed_reply(url: str, status: int, text: str, raised: str) -> Refusal:
    """What MSAL raised about the reply ``text`` from ``url`` means (its exceptions keep no body)."""
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python parses
        parsed = None
    if isinstance(parsed, dict) and parsed.get("error"):
        # e.g. a wrong tenant: discovery answers Entra's JSON error (AADSTS90002)
        return refusal(parsed)
    if status >= 500:
        return Refusal("server-error", f"{url} answered HTTP {status}")
    if "openid-configuration" in url:
        said = f"OpenID discovery at {url} answered HTTP {status}, not Azure AD's configuration"
        return Refusal("discovery-failed", said)
    said = f"{url} answered HTTP {status} with something that is not Azure AD's JSON ({raised})"
    return Refusal("bad-response", said)


def first_sentence(text: str) -> str:
    """Entra's error_description out of a reply's text (JSON, or the description itself), without its
    Trace/Correlation ids and timestamp (noise in a finding)."""
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python parses
        parsed = None
    if isinstance(parsed, dict) and parsed.get("error_description"):
        text = str(parsed["error_description"])
    return split_trailer(text)[0]
