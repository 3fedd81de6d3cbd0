"""TCP connections to resolved addresses, and a line reader bounded by the probe's deadline."""

from __future__ import annotations

import errno
import ipaddress
import re
import socket
import ssl

from pytest_ece_o365.config.deployment import Endpoint
from pytest_ece_o365.probes import inflight
from pytest_ece_o365.probes.observation import Deadline, TcpObservation, Transcript
from pytest_ece_o365.redact import clip

# "Unreachable" spans several errno values, and Windows reports its own WSAE* numbers for them.
_UNREACHABLE = {
    value
    for name in (
        "ENETUNREACH", "EHOSTUNREACH", "ENETDOWN", "EHOSTDOWN", "EADDRNOTAVAIL",
        "WSAENETUNREACH", "WSAEHOSTUNREACH", "WSAENETDOWN", "WSAEHOSTDOWN", "WSAEADDRNOTAVAIL",
    )
    if isinstance(value := getattr(errno, name, None), int)
}  # fmt: skip


#: A TCP reset (RST) right after the connection opened: the peer, or a firewall or IPS on the path acting
#: for it, aborted the connection (RFC 9293 §3.5.2, reset processing).
RESET = (
    "the connection was reset by something on the path (a TCP reset right after it opened: a firewall's or IPS's "
    "reset action)"
)


class ProbeError(Exception):
    """Internal: a step failed with a classified ``error``; caught inside the probe, never escapes it."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


def connect_address(address: str, port: int, deadline: Deadline, shown: str = "") -> socket.socket:
    """Open a TCP connection to ``address`` (an IP) or raise :class:`ProbeError`.

    ``shown`` names the peer in the error messages (default ``address:port``): a simulated run names the
    endpoint it stands for, so that the loopback port stays in the evidence, out of the findings.
    """
    peer = shown or f"{address}:{port}"
    family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        inflight.register(sock)  # Ctrl-C shuts it down at once (probes/inflight.py)
        remaining = deadline.remaining()
        if remaining <= 0:
            raise TimeoutError
        sock.settimeout(remaining)
        sock.connect((address, port))
        return sock
    except ConnectionRefusedError:
        sock.close()
        raise ProbeError("refused", f"{peer} refused the connection (nothing listens, or a firewall rejects)") from None
    except TimeoutError:
        sock.close()
        raise ProbeError(
            "tcp-timeout",
            f"{peer} did not answer within {deadline.seconds:g} s (a firewall drops the packets?)",
        ) from None
    except ConnectionResetError:
        sock.close()
        raise ProbeError("reset", f"{peer}: {RESET}") from None
    except OSError as exc:
        sock.close()
        if exc.errno in _UNREACHABLE:
            raise ProbeError("unreachable", f"{peer} is unreachable from this server ({exc.strerror or exc})") from None
        raise ProbeError("tcp-error", f"connecting to {peer} failed: {exc}") from None


def connect(
    endpoint: Endpoint, addresses: tuple[str, ...], deadline: Deadline, port: int | None = None
) -> tuple[TcpObservation, socket.socket | None]:
    """Connect to the first of ``addresses`` that accepts; the socket is None when none did.

    ``port`` is the one to dial when it is not the endpoint's: a simulated run's loopback port
    (``Network.port_for``). The transcript then says which endpoint it stands for; the message names the
    endpoint and the address, never the loopback port (that stays in the evidence).
    """
    dial = port or endpoint.port
    simulated = dial != endpoint.port
    transcript = Transcript()
    error, message, address = "tcp-error", f"no address to connect to for {endpoint.host}", ""
    for address in addresses:
        transcript.note(f"connect {address}:{dial} ({endpoint}, simulated)" if simulated
                        else f"connect {address}:{dial} ({endpoint.host})")  # fmt: skip
        shown = f"{endpoint} (simulated, at {address})" if simulated else ""
        try:
            sock = connect_address(address, dial, deadline, shown)
        except ProbeError as exc:
            transcript.note(exc.message)
            error, message = exc.error, exc.message
            continue
        transcript.note(f"connected to {address}:{dial}")
        connected = f"connected to {shown}" if simulated else f"connected to {address}:{dial}"
        return TcpObservation(endpoint, address, "", connected, deadline.elapsed(), transcript.lines(), dial), sock
    return TcpObservation(endpoint, address, error, message, deadline.elapsed(), transcript.lines(), dial), None


#: A control character other than TAB: a line holding one is binary data, not a mail server's reply.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f]")


class LineReader:
    """Reads CRLF lines and writes commands on a (TLS) socket, every call bounded by ``deadline``.

    Failures raise :class:`ProbeError` with ``read-timeout``, ``closed`` or ``garbage`` (a "line" too long
    or not text: whatever answers is not the mail server the port should have).
    """

    MAX_LINE = 8192
    #: Bytes one connection may send us, at most: a mail session's replies are a few KiB.
    MAX_RECEIVED = 1 << 20

    def __init__(self, sock: socket.socket, deadline: Deadline, transcript: Transcript, what: str) -> None:
        self.sock = sock
        self.deadline = deadline
        self.transcript = transcript
        self.what = what  # "outlook.office365.com:993", for messages
        self._buffer = b""
        self.received = 0

    def read_line(self, waiting_for: str) -> str:
        while b"\n" not in self._buffer:
            if len(self._buffer) > self.MAX_LINE:
                self.transcript.server(clip(self._buffer.decode("latin-1"), 80))
                raise ProbeError(
                    "garbage", f"{self.what} sent {len(self._buffer)} bytes without a line end instead of {waiting_for}"
                )
            remaining = self.deadline.remaining()
            if remaining <= 0:
                self._timed_out(waiting_for)
            try:
                self.sock.settimeout(remaining)
                chunk = self.sock.recv(4096)
            except TimeoutError:
                self._timed_out(waiting_for)
            except (ssl.SSLError, OSError) as exc:
                raise ProbeError(
                    "closed", f"{self.what} broke the connection while we waited for {waiting_for} ({exc})"
                ) from None
            if not chunk:
                if self._buffer:
                    self.transcript.server(self._buffer.decode("utf-8", "replace"))
                raise ProbeError("closed", f"{self.what} closed the connection instead of sending {waiting_for}")
            self._buffer += chunk
            self.received += len(chunk)
            if self.received > self.MAX_RECEIVED:
                raise ProbeError("garbage", f"{self.what} sent more than 1 MiB in one session instead of {waiting_for}")
        raw, self._buffer = self._buffer.split(b"\n", 1)
        line = raw.rstrip(b"\r").decode("utf-8", "replace")
        self.transcript.server(line)
        if "\ufffd" in line or _CONTROL.search(line):
            raise ProbeError("garbage", f"{self.what} sent binary data instead of {waiting_for}")
        return line

    def _timed_out(self, waiting_for: str) -> None:
        if self._buffer:
            self.transcript.server(self._buffer.decode("utf-8", "replace") + " (incomplete)")
        raise ProbeError(
            "read-timeout",
            f"{self.what}: the connection opened but {waiting_for} did not come within {self.deadline.seconds:g} s",
        )

    def send_line(self, line: str, shown: str | None = None) -> None:
        self.transcript.client(shown if shown is not None else line)
        try:
            self.sock.settimeout(max(self.deadline.remaining(), 0.001))
            self.sock.sendall(line.encode("utf-8") + b"\r\n")
        except TimeoutError:
            raise ProbeError("read-timeout", f"{self.what} stopped accepting data (send timed out)") from None
        except OSError as exc:
            raise ProbeError("closed", f"{self.what} broke the connection ({exc})") from None

    def pending(self) -> bool:
        """Whether bytes beyond the last line were received (must be none before a STARTTLS handshake)."""
        return bool(self._buffer)
