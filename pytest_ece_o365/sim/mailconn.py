"""One client connection of a simulated mail server: CRLF line I/O with a read timeout, TLS upgrade in
place (implicit TLS or STARTTLS), recording through the shared :class:`~pytest_ece_o365.sim.recorder.Recorder`,
and an ``abort()`` that wakes the session thread from another thread (``MailServer.stop()``).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading

from pytest_ece_o365.sim.authority import MailProtocol
from pytest_ece_o365.sim.recorder import Recorder

__all__ = ["MAX_LINE", "Connection", "ConnectionClosed"]

#: Longest command line accepted; a longer one ends the session (a client gone wrong, not a real one).
MAX_LINE = 64 * 1024


class ConnectionClosed(Exception):
    """The client went away, timed out, or the server is stopping: end the session quietly."""


class Connection:
    """A client connection: CRLF line I/O with a read timeout, recording, and an in-place TLS upgrade."""

    def __init__(
        self, sock: socket.socket, protocol: MailProtocol, session_id: int, recorder: Recorder, timeout: float
    ) -> None:
        self.sock = sock
        # A duplicate descriptor of the same socket, for abort(): wrap_socket() detaches ``sock`` during
        # a TLS upgrade, and a thread stuck in the handshake must still be wakeable.
        self._waker = sock.dup()
        self.protocol: MailProtocol = protocol
        self.session_id = session_id
        self.recorder = recorder
        # A bytearray: deleting consumed bytes from its front is cheap, so long DATA stays linear.
        self._buf = bytearray()
        sock.settimeout(timeout)
        #: Benchmarks (a slow tenant): seconds added before each answer — the greeting, the TLS
        #: ServerHello, the first reply to each command read.
        self.answer_delay = 0.0
        self._owes_delay = True
        self._aborted = threading.Event()

    def _delay_answer(self) -> None:
        if self.answer_delay and self._owes_delay:
            self._owes_delay = False
            if self._aborted.wait(self.answer_delay):
                raise ConnectionClosed("the server is stopping")

    @property
    def peer_ip(self) -> str:
        """The client's address, for SMTP's ``Hello [ip]``."""
        try:
            return str(self.sock.getpeername()[0])
        except OSError:
            return "127.0.0.1"

    def start_tls(self, context: ssl.SSLContext) -> None:
        """Upgrade to TLS (implicit TLS at connect, or after STARTTLS)."""
        # Anything the client pipelined before the handshake must not be trusted afterwards.
        self._buf.clear()
        self._owes_delay = True
        self._delay_answer()
        try:
            self.sock = context.wrap_socket(self.sock, server_side=True)
        except (OSError, ValueError) as exc:
            raise ConnectionClosed(f"TLS handshake failed: {exc}") from None
        self._owes_delay = True  # the client's Finished was read: what follows answers it

    def _fill(self) -> None:
        try:
            chunk = self.sock.recv(65536)
        except (OSError, ValueError) as exc:  # timeout, reset, TLS error, socket closed by stop()
            raise ConnectionClosed(str(exc)) from None
        if not chunk:
            raise ConnectionClosed("client closed the connection")
        self._buf += chunk
        self._owes_delay = True

    def read_line(self) -> str:
        """One line without its CRLF (bare LF accepted); latin-1 so every byte survives."""
        searched = 0
        while (end := self._buf.find(b"\n", searched)) < 0:
            if len(self._buf) > MAX_LINE:
                raise ConnectionClosed("line too long")
            searched = len(self._buf)
            self._fill()
        raw = bytes(self._buf[:end])
        del self._buf[: end + 1]
        return raw.rstrip(b"\r").decode("latin-1")

    def read_exact(self, size: int) -> bytes:
        """Exactly ``size`` bytes (IMAP literals, SMTP BDAT chunks)."""
        while len(self._buf) < size:
            self._fill()
        data = bytes(self._buf[:size])
        del self._buf[:size]
        return data

    def send(self, *lines: str) -> None:
        """Send reply lines (each gets CRLF) and record them."""
        for line in lines:
            self.recorder.reply(self.protocol, self.session_id, line)
        self.send_raw("".join(f"{line}\r\n" for line in lines).encode("utf-8"))

    def send_raw(self, data: bytes) -> None:
        """Send bytes unrecorded (message bodies)."""
        self._delay_answer()
        try:
            self.sock.sendall(data)
        except (OSError, ValueError) as exc:
            raise ConnectionClosed(str(exc)) from None

    def record(self, line: str, *, mutation: bool = False) -> None:
        """Record a client line; callers mask SASL payloads and passwords before calling."""
        self.recorder.command(self.protocol, self.session_id, line, mutation=mutation)

    def record_auth(self, command: str, args: str) -> None:
        """Record an AUTH/AUTHENTICATE command: the mechanism, never its initial response (the token)."""
        mechanism, _, initial_response = args.partition(" ")
        self.record(f"{command} {mechanism}".rstrip() + (" [redacted]" if initial_response else ""))

    def abort(self) -> None:
        """Wake a thread blocked in recv (called from stop()); must not touch the TLS object's state."""
        # shutdown() acts on the socket, not the descriptor, so the duplicate wakes the reader; and it
        # leaves the SSL object alone (SSLSocket.shutdown would tear it down under the reader's feet).
        self._aborted.set()
        with contextlib.suppress(OSError, ValueError):
            self._waker.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Close the connection (both descriptors); safe to call twice."""
        with contextlib.suppress(OSError):
            self.sock.close()
        self._waker.close()
