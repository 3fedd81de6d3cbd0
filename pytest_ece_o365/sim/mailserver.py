"""Shared machinery of the simulated Office 365 mail servers (IMAP, POP3, SMTP submission).

A :class:`MailServer` is a threaded TCP server on loopback: one thread accepts, one thread per client
session talks. Subclasses (:class:`~pytest_ece_o365.sim.imap.ImapServer`,
:class:`~pytest_ece_o365.sim.pop3.Pop3Server`, :class:`~pytest_ece_o365.sim.smtp.SmtpServer`) only supply
:meth:`MailServer.serve_session`. Every server is built the same way::

    server = ImapServer(authority, ssl_context, host_name="outlook.office365.com",
                        bind=("127.0.0.1", 0), recorder=recorder, hang=False, timeout=30.0)
    server.start()          # listening and ready when this returns
    server.port             # the ephemeral port picked by the OS
    server.stop()           # closes every client connection, joins every thread; idempotent

or ``with ImapServer(...) as server:``. ``ssl_context`` is a *server* context holding the certificate
for ``host_name`` (implicit TLS for IMAP and POP3, STARTTLS for SMTP). ``hang=True`` reproduces the
``server-hangs`` fault: connections are accepted and then held open in silence (not even a TLS
handshake) until :meth:`MailServer.stop`.

The :class:`Recorder` (thread-safe, shareable between the three servers) keeps each client command as
``(protocol, session_id, line)`` with tokens masked, and flags the commands that could change a mailbox
or send mail, so a test can prove the product stayed read-only: ``recorder.mutations() == []``.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import random
import select
import socket
import ssl
import threading
from types import TracebackType
from typing import TypeVar

from pytest_ece_o365.sim.authority import MailAuthority, MailProtocol
from pytest_ece_o365.sim.listen import claim_port_options, while_readable
from pytest_ece_o365.sim.mailconn import Connection, ConnectionClosed
from pytest_ece_o365.sim.recorder import RecordedLine, Recorder

__all__ = [
    "Connection",
    "ConnectionClosed",
    "MailServer",
    "MailServerBindError",
    "RecordedLine",
    "Recorder",
    "backend_host",
    "parse_xoauth2",
]

_session_ids = itertools.count(1)
_ServerT = TypeVar("_ServerT", bound="MailServer")


class MailServerBindError(OSError):
    """The server could not listen on the requested address (message names host:port)."""


def parse_xoauth2(blob: str) -> tuple[str, str] | None:
    """Decode a base64 XOAUTH2 initial response into ``(user, bearer)``; None when malformed."""
    try:
        text = base64.b64decode(blob.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user = bearer = None
    for part in text.split("\x01"):
        key, _, value = part.partition("=")
        if key.lower() == "user":
            user = value
        elif key.lower() == "auth" and value[:7].lower() == "bearer ":
            bearer = value[7:].strip()
    if not user or not bearer:
        return None
    return user, bearer


def backend_host(seed: str) -> tuple[str, str]:
    """A plausible Exchange Online backend, e.g. ``("AM6PR04CA0012", "eurprd04")``, stable per seed."""
    rng = random.Random(seed)
    region = rng.choice(["AM6PR", "DB8PR", "SN2PR", "MN2PR", "SI2PR", "BN9PR"])
    number = rng.randint(1, 9)
    pod = f"{region}{number:02d}CA{rng.randint(1, 999):04d}"
    forest = {"AM6PR": "eurprd", "DB8PR": "eurprd", "SI2PR": "apcprd"}.get(region, "namprd")
    return pod, f"{forest}{number:02d}"


class MailServer:
    """Base of the three servers: listening, threads, hang mode, stop. See the module docstring."""

    protocol: MailProtocol = "imap"
    #: The host name when none is given (Office 365's: SMTP submission has its own).
    default_host_name = "outlook.office365.com"

    def __init__(
        self,
        authority: MailAuthority,
        ssl_context: ssl.SSLContext,
        *,
        host_name: str | None = None,
        bind: tuple[str, int] = ("127.0.0.1", 0),
        recorder: Recorder | None = None,
        hang: bool = False,
        timeout: float = 30.0,
        latency: float = 0.0,
        answer_delay: float = 0.0,
    ) -> None:
        self.authority = authority
        self.answer_delay = answer_delay  # added before every answer (benchmarks: a slow tenant)
        self.latency = latency  # added before each session's first byte (benchmarks: a distant server)
        self.ssl_context = ssl_context
        self.host_name = self.default_host_name if host_name is None else host_name
        self.bind = bind
        self.recorder = recorder if recorder is not None else Recorder()
        self.hang = hang
        self.timeout = timeout
        self.pod, self.forest = backend_host(f"{self.protocol}:{self.host_name}")
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._sessions: dict[int, tuple[threading.Thread | None, Connection]] = {}
        self.prepare()

    def prepare(self) -> None:
        """The state a subclass adds to every server's (called last by ``__init__``, so that the
        subclasses share its signature rather than repeat it)."""

    @property
    def backend_tag(self) -> str:
        """Exchange's greeting tag: the backend host name, UTF-16LE, base64 — as Office 365 sends it."""
        backend = f"{self.pod}.{self.forest}.prod.exchangelabs.com"
        return base64.b64encode(backend.encode("utf-16-le")).decode("ascii")

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The port actually listened on (the ephemeral one when ``bind`` asked for 0)."""
        if self._listener is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return int(self._listener.getsockname()[1])

    @property
    def session_count(self) -> int:
        """Client connections open right now (sessions being served, plus connections held in hang mode)."""
        with self._lock:
            return len(self._sessions)

    @property
    def address(self) -> tuple[str, int]:
        """``(host, port)`` actually listened on."""
        return self.bind[0], self.port

    def start(self) -> None:
        """Listen and start accepting; the server is ready when this returns."""
        if self._listener is not None:
            return
        host, port = self.bind
        listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        try:
            claim_port_options(listener)
            listener.bind((host, port))
            listener.listen(1024)  # a large run connects hundreds at once (see https.py)
        except OSError as exc:
            listener.close()
            raise MailServerBindError(
                exc.errno, f"{type(self).__name__} cannot listen on {host}:{port}: {exc.strerror or exc}"
            ) from exc
        listener.setblocking(False)
        self._listener = listener
        self._stopping.clear()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"sim-{self.protocol}-accept-{self.port}", daemon=True
        )
        self._accept_thread.start()

    def stop(self) -> None:
        """Stop accepting, close every client connection and join every thread. Idempotent."""
        self._stopping.set()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=5)
            self._accept_thread = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            sessions = list(self._sessions.values())
        for _, conn in sessions:
            conn.abort()
        for thread, conn in sessions:
            if thread is not None:
                thread.join(timeout=5)
            conn.close()
        with self._lock:
            self._sessions.clear()

    def __enter__(self: _ServerT) -> _ServerT:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- internals ---------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        for _ in while_readable(listener, self._stopping):
            try:
                sock, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                return
            sock.setblocking(True)
            self._open_session(sock)

    def _open_session(self, sock: socket.socket) -> None:
        session_id = next(_session_ids)
        conn = Connection(sock, self.protocol, session_id, self.recorder, self.timeout)
        conn.answer_delay = self.answer_delay
        if self.hang:
            # server-hangs: hold the TCP connection, say nothing, not even a TLS ServerHello.
            self._prune_hung()
            with self._lock:
                self._sessions[session_id] = (None, conn)
            return
        thread = threading.Thread(
            target=self._run_session,
            args=(conn,),
            name=f"sim-{self.protocol}-session-{session_id}",
            daemon=True,
        )
        with self._lock:
            self._sessions[session_id] = (thread, conn)
        thread.start()

    def _prune_hung(self) -> None:
        """Forget held connections whose client has gone, so a long hang run does not pile up sockets."""
        with self._lock:
            held = [(sid, conn) for sid, (thread, conn) in self._sessions.items() if thread is None]
        for sid, conn in held:
            try:
                # Readable with nothing to peek at means EOF; select() is the portable non-blocking check.
                readable, _, _ = select.select([conn.sock], [], [], 0)
                gone = bool(readable) and conn.sock.recv(1, socket.MSG_PEEK) == b""
            except (OSError, ValueError):
                gone = True
            if gone:
                conn.close()
                with self._lock:
                    self._sessions.pop(sid, None)

    def _run_session(self, conn: Connection) -> None:
        try:
            if self.latency and self._stopping.wait(self.latency):
                return
            self.serve_session(conn)
        except ConnectionClosed:
            pass
        finally:
            conn.abort()
            conn.close()
            with self._lock:
                self._sessions.pop(conn.session_id, None)

    def serve_session(self, conn: Connection) -> None:
        """Talk to one client until it leaves; raise :class:`ConnectionClosed` to end early."""
        raise NotImplementedError
