"""imapclient on the mailbox session's own connection: the seam between imapclient/imaplib and the probes.

imapclient opens its connection through ``IMAPClient._create_IMAP4``; :class:`Client` returns a
:class:`Wire` there instead, an ``imaplib.IMAP4`` whose ``open``, ``read``, ``readline``, ``send`` and
``shutdown`` (the methods imaplib documents as overridable) use the session's :class:`LineReader`. So the
socket is the one the network probes connected (configured resolver, resolved address) and verified (SNI
= host name, system store + ``[network] ca_bundle``); every read and write is bounded by the run's
deadline and recorded, redacted, in the transcript; and a failure is the reader's classified
:class:`ProbeError` (``read-timeout``, ``closed``, ``garbage``), which imaplib passes through untouched.
Nothing global is patched.
"""

from __future__ import annotations

import base64
import imaplib
from collections.abc import Callable

from imapclient import IMAPClient

from pytest_ece_o365.config.deployment import Endpoint
from pytest_ece_o365.probes.mail_session import base64_text
from pytest_ece_o365.probes.tcp import LineReader, ProbeError

_CRLF = b"\r\n"
_MAX_LINES = 500  # a command gets a handful of untagged lines; a server sending thousands is broken


class Seen:
    """What the wire saw, for the probe's verdict: tagged replies by command, the last ``* BYE``."""

    def __init__(self) -> None:
        self.replies: dict[str, str] = {}  # "AUTHENTICATE" -> "XKJP2 OK AUTHENTICATE completed."
        self.bye = ""
        self.secret = ""  # the XOAUTH2 blob: shown as [redacted] wherever it is sent
        self.on_challenge: Callable[[str], None] = lambda text: None
        self.tags: dict[str, str] = {}  # tag -> command

    def respond(self) -> Callable[[bytes], bytes]:
        """The SASL callback for imapclient's ``sasl_login``: the XOAUTH2 response to the first ``+``; an
        empty line to any later one (an error challenge, noted), after which the server sends its NO."""
        answered: list[bool] = []

        def mechanism(challenge: bytes) -> bytes:
            if not answered:
                answered.append(True)
                return base64.b64decode(self.secret)  # imaplib encodes it again, to the same blob
            self.on_challenge(challenge.decode("utf-8", "replace"))
            return b""

        return mechanism


class Wire(imaplib.IMAP4):
    """imaplib on the session's TLS socket (see the module docstring); the greeting, already read by the
    TLS step, is handed to imaplib first."""

    def __init__(self, endpoint: Endpoint, reader: LineReader, greeting: str, seen: Seen) -> None:
        self._reader = reader
        self._seen = seen
        self._unread = [greeting.encode("utf-8") + _CRLF]
        self._outgoing = b""
        self._waiting_for = "the CAPABILITY reply"
        self._lines = 0
        super().__init__(endpoint.host, endpoint.port)  # open(), then imaplib reads the greeting and CAPABILITY

    def open(self, host: str = "", port: int = 993, timeout: float | None = None) -> None:
        self.host, self.port = host, port
        self.sock = self._reader.sock

    def readline(self) -> bytes:
        if self._unread:
            return self._unread.pop(0)
        self._lines += 1
        if self._lines > _MAX_LINES:
            raise ProbeError("garbage", f"{self._reader.what} sent an endless reply instead of {self._waiting_for}")
        line = self._reader.read_line(self._waiting_for)
        if line.startswith("* BYE"):
            self._seen.bye = line
        elif (tag := line.partition(" ")[0]) in self._seen.tags:
            self._seen.replies[self._seen.tags[tag]] = line
        return line.encode("utf-8") + _CRLF

    def read(self, size: int) -> bytes:
        """A literal, read as lines (the probe's commands get none from Exchange or Dovecot; its lines are
        recorded like any other)."""
        data = b""
        while len(data) < size:
            data += self.readline()
        if data[size:]:
            self._unread.insert(0, data[size:])
        return data[:size]

    def send(self, data: bytes | bytearray | memoryview) -> None:  # type: ignore[override]
        # imaplib sends a literal and its CRLF apart: a line goes out (and into the transcript) when complete
        self._outgoing += bytes(data)
        if not self._outgoing.endswith(_CRLF):
            return
        text, self._outgoing = self._outgoing.decode("utf-8"), b""
        for line in text.split("\r\n")[:-1]:
            self._note_command(line)
            secret = self._seen.secret
            self._reader.send_line(line, shown=line.replace(secret, "[redacted]") if secret else None)

    def _note_command(self, line: str) -> None:
        tag, _, rest = line.partition(" ")
        command = rest.partition(" ")[0].upper()
        if command.isalpha():
            self._seen.tags[tag] = command
            self._waiting_for, self._lines = f"the {command} reply", 0

    def shutdown(self) -> None:
        """Nothing: the session closes the socket once it has read the server's last words."""

    def authenticate_ir(self, mechanism: str, initial: str) -> None:
        """AUTHENTICATE with the initial response on the command line (SASL-IR, RFC 4959), through imaplib's
        own command path: imaplib's ``authenticate`` cannot send one (see :mod:`.mail_imap`)."""
        self.literal = self._challenged  # type: ignore[assignment]  # a bound method: called for each "+"
        status, data = self._simple_command("AUTHENTICATE", mechanism, initial)
        if status != "OK":
            raise self.error(data[-1].decode("utf-8", "replace"))
        self.state = "AUTH"

    def _challenged(self, payload: bytes) -> bytes:
        """An error challenge to the initial response: noted, then answered with an empty line."""
        self._seen.on_challenge(base64_text(payload.decode("ascii", "replace")))
        return b""


class Client(IMAPClient):  # type: ignore[misc]  # imapclient ships no type information
    """IMAPClient on a :class:`Wire` instead of a connection of its own."""

    def __init__(self, connect: Callable[[], Wire]) -> None:
        self._connect_wire = connect
        self.wire: Wire | None = None
        super().__init__("", 993)

    def _create_IMAP4(self) -> Wire:
        self.wire = self._connect_wire()
        return self.wire
