"""IMAP FETCH and sequence sets for the simulated Exchange Online server (a useful subset).

Supported data items: FLAGS, UID, RFC822.SIZE, INTERNALDATE, the macros ALL/FAST/FULL (without
ENVELOPE/BODY structure), BODY[]/BODY.PEEK[]/RFC822, BODY[HEADER]/RFC822.HEADER,
BODY[HEADER.FIELDS (...)], BODY[TEXT]/RFC822.TEXT. Anything else is silently left out of the answer.
UIDs equal sequence numbers in the static sample mailbox, so one parser serves FETCH and UID FETCH.
"""

from __future__ import annotations

import re

from pytest_ece_o365.sim.mailstore import StoredMessage

__all__ = ["fetch_response", "parse_sequence_set"]

_SECTION = re.compile(r"(BODY\.PEEK|BODY)\[([^\]]*)\]|RFC822\.HEADER|RFC822\.TEXT|RFC822\.SIZE|RFC822", re.I)


def parse_sequence_set(text: str, count: int) -> list[int] | None:
    """``1:*``, ``2,3``, ``*`` … as sorted existing numbers; None when the set is malformed."""
    numbers: set[int] = set()
    for part in text.split(","):
        bounds = part.split(":")
        if len(bounds) > 2 or not all(b == "*" or b.isdigit() for b in bounds):
            return None
        values = [count if b == "*" else int(b) for b in bounds]
        low, high = min(values), max(values)
        numbers.update(n for n in range(max(low, 1), high + 1) if n <= count)
    return sorted(numbers)


def _header_fields(msg: StoredMessage, names: list[str]) -> bytes:
    wanted = {n.lower() for n in names}
    lines = [line for line in msg.header.split(b"\r\n") if line and line.split(b":", 1)[0].decode().lower() in wanted]
    return b"".join(line + b"\r\n" for line in lines) + b"\r\n"


def _section(msg: StoredMessage, section: str) -> bytes:
    upper = section.upper()
    if upper == "":
        return msg.data
    if upper == "HEADER":
        return msg.header
    if upper == "TEXT":
        return msg.data[len(msg.header) :]
    if upper.startswith("HEADER.FIELDS") and not upper.startswith("HEADER.FIELDS.NOT"):
        return _header_fields(msg, section[section.find("(") + 1 : section.rfind(")")].split())
    return b""


def fetch_response(number: int, msg: StoredMessage, items: str, *, uid: bool) -> tuple[bytes, str]:
    """The untagged FETCH response for one message, and a one-line summary (literals elided)."""
    upper = items.upper()
    words = set(re.findall(r"[A-Z0-9.]+", re.sub(r"\[[^\]]*\]", "", upper)))
    if words & {"ALL", "FAST", "FULL"}:
        words |= {"FLAGS", "INTERNALDATE", "RFC822.SIZE"}
    simple: list[str] = []
    if uid or "UID" in words:
        simple.append(f"UID {msg.uid}")
    if "FLAGS" in words:
        simple.append(f"FLAGS ({' '.join(msg.flags)})")
    if "INTERNALDATE" in words:
        simple.append(f'INTERNALDATE "{msg.internal_date}"')
    if "RFC822.SIZE" in words:
        simple.append(f"RFC822.SIZE {msg.size}")
    literals: list[tuple[str, bytes]] = []
    for match in _SECTION.finditer(items):
        token = match.group(0).upper()
        if match.group(1):
            section = match.group(2)
            literals.append((f"BODY[{section}]", _section(msg, section)))
        elif token == "RFC822":
            literals.append(("RFC822", msg.data))
        elif token == "RFC822.HEADER":
            literals.append(("RFC822.HEADER", msg.header))
        elif token == "RFC822.TEXT":
            literals.append(("RFC822.TEXT", msg.data[len(msg.header) :]))
    head = " ".join(simple)
    out = f"* {number} FETCH ({head}".encode()
    summary_parts = [head] if head else []
    for i, (name, data) in enumerate(literals):
        sep = " " if (head or i) else ""
        out += f"{sep}{name} {{{len(data)}}}\r\n".encode() + data
        summary_parts.append(f"{name} {{{len(data)}}}")
    out += b")\r\n"
    return out, f"* {number} FETCH ({' '.join(summary_parts)})"
