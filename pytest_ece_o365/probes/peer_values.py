"""Numbers read from peers, range-checked: a value out of range is a :class:`PeerValueError` (the probe turns it
into a finding), never an ``OverflowError`` or a silently absurd number.

Pure functions, no I/O: the token probe (``expires_in``), the mailbox probes (POP3 ``STAT``, IMAP ``EXISTS``)
and Entra's replies (AADSTS codes) read their numbers here.
"""

from __future__ import annotations

import math
import re
from typing import Final

from pytest_ece_o365.redact import clip

#: Far above any access-token lifetime Entra ID issues (10 minutes to 1 day, "Configurable token lifetimes":
#: https://learn.microsoft.com/en-us/entra/identity-platform/configurable-token-lifetimes, checked 2026-12-05);
#: a larger ``expires_in`` is not Entra's.
MAX_EXPIRES_IN: Final = 10_000_000
#: IMAP message numbers and counts are unsigned 32-bit integers (RFC 9051 §9, ``number``; RFC 3501 §9 the
#: same); POP3's STAT (RFC 1939 §5) states no limit, and a mailbox ECE serves holds far fewer messages.
MAX_MESSAGES: Final = 2**32 - 1
#: AADSTS codes have at most 7 digits (AADSTS7000215, AADSTS9002327; Microsoft's error reference,
#: https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes, checked 2026-12-05).
_AADSTS_DIGITS: Final = 9
_DIGITS = re.compile(r"[0-9]{1,12}")  # ASCII digits only: str.isdigit() accepts "²", which int() refuses


class PeerValueError(ValueError):
    """A value from a peer that is not what the protocol allows; ``message`` says which and why (one line)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def shown(value: object) -> str:
    """A peer's value as a message may quote it: its repr, cut to 40 characters (a 401-digit number, or a
    string of any length, must not become the finding)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"a {len(str(abs(value))) if abs(value) < 10**4000 else 'more than 4000'}-digit number"
    return clip(repr(value), 40) if not isinstance(value, (dict, list)) else type(value).__name__


def whole_number(value: object, name: str, maximum: int, *, minimum: int = 0) -> int:
    """``value`` as an int in ``minimum``..``maximum``: an int, a string of ASCII digits, or a float with no
    fraction; anything else raises :class:`PeerValueError` naming ``name``."""
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    if number is None:
        raise PeerValueError(f"{name} is {shown(value)}, not a whole number")
    if not minimum <= number <= maximum:
        raise PeerValueError(f"{name} is {shown(value)}, outside {minimum}..{maximum}")
    return number


def expires_in(value: object) -> int | None:
    """A token response's ``expires_in`` in seconds (None when absent); out of range: :class:`PeerValueError`."""
    if value is None:
        return None
    return whole_number(value, "expires_in", MAX_EXPIRES_IN, minimum=1)


def message_count(text: str | int) -> int:
    """A mailbox's message count (POP3 ``STAT``'s first number, IMAP ``EXISTS``); :class:`PeerValueError` when
    it is not an unsigned 32-bit number."""
    return whole_number(text, "the message count", MAX_MESSAGES)


def aadsts_number(value: object) -> int | None:
    """An AADSTS code from an ``error_codes`` member or a description: None unless it is 1..9 ASCII digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value < 10**_AADSTS_DIGITS else None
    if isinstance(value, str) and re.fullmatch(f"[0-9]{{1,{_AADSTS_DIGITS}}}", value.strip()):
        return int(value.strip())
    return None
