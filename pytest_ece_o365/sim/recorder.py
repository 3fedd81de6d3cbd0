"""The command recorder shared by the simulated mail servers (see :mod:`pytest_ece_o365.sim.mailserver`).

One :class:`Recorder` may serve the IMAP, POP3 and SMTP servers at once; it is thread-safe. Every line
passes through :func:`pytest_ece_o365.redact.redact` on the way in, and the servers themselves replace
SASL payloads (XOAUTH2 blobs, passwords) with ``[redacted]`` before recording, so no token is ever kept.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Literal

from pytest_ece_o365 import redact
from pytest_ece_o365.sim.authority import MailProtocol

#: What recorded the line: a mail server, Entra ID ("login"), Microsoft Graph ("graph") or DNS.
RecordedProtocol = MailProtocol | Literal["login", "graph", "dns"]

__all__ = ["RecordedLine", "RecordedProtocol", "Recorder"]


@dataclass(frozen=True)
class RecordedLine:
    """One line of a session: ``direction`` is ``"C"`` (client command) or ``"S"`` (server reply)."""

    protocol: RecordedProtocol
    session_id: int
    direction: str
    line: str
    mutation: bool = False


class Recorder:
    """Thread-safe log of what clients sent (and what the servers answered), secrets masked."""

    def __init__(self, max_lines: int = 200_000) -> None:
        # Bounded so that a simulator left running by hand (``ece-o365 sim``) cannot grow without end;
        # the oldest lines go first.
        self._lock = threading.Lock()
        self._lines: deque[RecordedLine] = deque(maxlen=max_lines)

    def command(self, protocol: RecordedProtocol, session_id: int, line: str, *, mutation: bool = False) -> None:
        """Record a client command line; ``redact.redact`` is applied here, once for every caller."""
        entry = RecordedLine(protocol, session_id, "C", redact.redact(line), mutation)
        with self._lock:
            self._lines.append(entry)

    def reply(self, protocol: RecordedProtocol, session_id: int, line: str) -> None:
        """Record a server reply line (for transcripts)."""
        entry = RecordedLine(protocol, session_id, "S", redact.redact(line))
        with self._lock:
            self._lines.append(entry)

    def lines(self) -> list[RecordedLine]:
        """Every recorded line, both directions, in order."""
        with self._lock:
            return list(self._lines)

    def commands(self, protocol: RecordedProtocol | None = None) -> list[tuple[RecordedProtocol, int, str]]:
        """Client commands as ``(protocol, session_id, line)``, optionally for one protocol."""
        return [
            (e.protocol, e.session_id, e.line)
            for e in self.lines()
            if e.direction == "C" and (protocol is None or e.protocol == protocol)
        ]

    def mutations(self) -> list[tuple[RecordedProtocol, int, str]]:
        """The client commands that could change a mailbox or send mail (SELECT, STORE, DELE, DATA…)."""
        return [(e.protocol, e.session_id, e.line) for e in self.lines() if e.direction == "C" and e.mutation]

    def transcript(self, protocol: RecordedProtocol, session_id: int) -> list[str]:
        """One session as ``"C: …"`` / ``"S: …"`` lines."""
        return [
            f"{e.direction}: {e.line}" for e in self.lines() if e.protocol == protocol and e.session_id == session_id
        ]

    def sessions(self, protocol: RecordedProtocol | None = None) -> list[int]:
        """Session ids seen, in order of first appearance."""
        seen: dict[int, None] = {}
        for e in self.lines():
            if protocol is None or e.protocol == protocol:
                seen.setdefault(e.session_id, None)
        return list(seen)

    def clear(self) -> None:
        """Forget everything recorded so far."""
        with self._lock:
            self._lines.clear()
