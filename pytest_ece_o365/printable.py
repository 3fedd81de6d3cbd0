"""Text from a file or a peer, made safe to print: control characters, ANSI escapes and bidi overrides
shown escaped (``\\x1b``, ``\\u202e``), never acted on by a terminal or reordered by a viewer.

A deployment name holding ``\\r`` and an ANSI sequence could overwrite the terminal header with a forged
"all checks passed"; a right-to-left override could make a report line read backwards. The deployment
loader refuses such values (:func:`first_unprintable`); :func:`printable` escapes them wherever text of
unknown origin is shown (file names, one-line errors).
"""

from __future__ import annotations

import re

__all__ = ["first_unprintable", "printable"]

# C0 controls (tab included: a value is one token), DEL, C1 controls (0x9b is a one-byte CSI), the bidi
# embeddings, overrides, isolates and marks, and the line and paragraph separators.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every character a terminal or a viewer would act on shown escaped."""
    return _UNPRINTABLE.sub(_escape, text)


def first_unprintable(text: str) -> str | None:
    """The first such character of ``text``, escaped (``\\x1b``), or None when there is none."""
    match = _UNPRINTABLE.search(text)
    return _escape(match) if match else None
