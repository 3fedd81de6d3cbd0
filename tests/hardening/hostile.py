"""Hostile peers for the hardening tests: loopback servers that reset, stream without end or answer with
out-of-range values. Each runs one thread per connection and stops with the test (no mocks: the probes
talk to them over real TCP and TLS)."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import trustme

from pytest_ece_o365.config.deployment import DeploymentConfig, Endpoint, Network
from pytest_ece_o365.probes.observation import DnsObservation
from pytest_ece_o365.probes.token import TokenObservation, token_need_for
from pytest_ece_o365.secret import Secret, SecretSource
from pytest_ece_o365.survey import Survey

HOST = "hostile.test"
Handler = Callable[[socket.socket, threading.Event], None]


class Listener:
    """Accepts on 127.0.0.1 and runs ``handler(conn, stopping)`` per connection, each in its own thread."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.stopping = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port: int = self.sock.getsockname()[1]
        self.sent = 0  # bytes the streaming handlers sent, all connections together
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            conn.settimeout(30)
            self.handler(conn, self.stopping)

    def endpoint(self) -> Endpoint:
        return Endpoint(HOST, self.port)

    def stop(self) -> None:
        self.stopping.set()
        self.sock.close()


def dns() -> DnsObservation:
    """A recorded answer: HOST is 127.0.0.1 (the probes take addresses from the survey's lookup)."""
    return DnsObservation(HOST, "recorded", ("127.0.0.1",), message=f"{HOST} -> 127.0.0.1")


def network(timeout: float, bundle: Path | None) -> Network:
    return Network(timeout=timeout, ca_bundle=bundle)


def reset(conn: socket.socket, stopping: threading.Event) -> None:
    """A firewall's "reset" action: accept, then abort with an RST (SO_LINGER 0) before a byte is sent."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def tls(cert: trustme.LeafCert, then: Handler) -> Handler:
    """``then`` on the TLS session of an accepted connection."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)

    def handler(conn: socket.socket, stopping: threading.Event) -> None:
        with context.wrap_socket(conn, server_side=True) as session:
            then(session, stopping)

    return handler


def read_request(conn: socket.socket) -> bytes:
    """An HTTP request's head (and whatever body came with it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def endless_http(listener_sent: Callable[[int], None], *, delay: float = 0.0, chunked: bool = False) -> Handler:
    """Answer any request with HTTP 200 and a body that never ends: fast (``delay`` 0) or a chunk at a time."""

    def handler(conn: socket.socket, stopping: threading.Event) -> None:
        read_request(conn)
        head = "Transfer-Encoding: chunked" if chunked else "Connection: close"
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{head}\r\n\r\n".encode())
        piece = b'{"access_token": "' + b"A" * 16384
        if chunked:
            piece = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        while not stopping.is_set():
            conn.sendall(piece)
            listener_sent(len(piece))
            if delay:
                time.sleep(delay)

    return handler


def http_reply(status: int, body: str) -> Handler:
    """Answer every request with ``status`` and ``body`` (JSON)."""

    def handler(conn: socket.socket, stopping: threading.Event) -> None:
        while read_request(conn):
            data = body.encode()
            conn.sendall(
                f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n".encode()
                + data
            )

    return handler


def endless_capability(conn: socket.socket, stopping: threading.Event) -> None:
    """An IMAP server whose CAPABILITY reply never ends (and whose greeting is fine)."""
    conn.sendall(b"* OK IMAP4rev1 ready\r\n")
    conn.recv(4096)
    line = b"* CAPABILITY IMAP4rev1 " + b"X-NOISE " * 20 + b"\r\n"
    while not stopping.is_set():
        conn.sendall(line * 50)


def login_host(token_reply: Callable[[str], tuple[int, str] | None]) -> Handler:
    """An Entra-like login host: OpenID discovery answers properly (for the host the request names), the
    token endpoint with ``token_reply(issuer)`` (status, body), or with a body without end when that is None."""

    def handler(conn: socket.socket, stopping: threading.Event) -> None:
        while request := read_request(conn):
            line = request.split(b"\r\n", 1)[0].decode()
            host = next(
                (
                    h.split(b":", 1)[1].strip().decode()
                    for h in request.split(b"\r\n")
                    if h.lower().startswith(b"host:")
                ),
                HOST,
            )
            tenant = line.split(" ")[1].split("/")[1]
            issuer = f"https://{host}/{tenant}/v2.0"
            if "openid-configuration" in line:
                status, body = (
                    200,
                    json.dumps(
                        {
                            "issuer": issuer,
                            "authorization_endpoint": f"https://{host}/{tenant}/oauth2/v2.0/authorize",
                            "token_endpoint": f"https://{host}/{tenant}/oauth2/v2.0/token",
                        }
                    ),
                )
            elif (reply := token_reply(issuer)) is not None:
                status, body = reply
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
                while not stopping.is_set():
                    conn.sendall(b'{"access_token": "' + b"A" * 65536)
            data = body.encode()
            conn.sendall(
                f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n".encode()
                + data
            )

    return handler


def unsigned_jwt(claims: dict[str, object]) -> str:
    """A JWT with ``claims`` and no signature (MSAL reads an ID token's claims without verifying it)."""

    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def lines(conn: socket.socket) -> Iterator[str]:
    """The client's lines, as text."""
    buffer = b""
    while True:
        while b"\n" not in buffer:
            chunk = conn.recv(4096)
            if not chunk:
                return
            buffer += chunk
        line, buffer = buffer.split(b"\n", 1)
        yield line.rstrip(b"\r").decode("utf-8", "replace")


def scripted(greeting: str, answers: dict[str, list[str]]) -> Handler:
    """A line server: ``greeting``, then for each client line the answer of the first key its command
    (the word after an IMAP tag, or the first word) starts with; ``{tag}`` in an answer is the line's tag."""

    def handler(conn: socket.socket, stopping: threading.Event) -> None:
        conn.sendall(greeting.encode() + b"\r\n")
        for line in lines(conn):
            tag, _, rest = line.partition(" ")
            for key, answer in answers.items():
                if line.upper().startswith(key) or rest.upper().startswith(key):
                    conn.sendall("".join(f"{a.format(tag=tag)}\r\n" for a in answer).encode())
                    break
            else:
                conn.sendall(f"{tag} BAD unknown\r\n".encode())

    return handler


POP3 = {"AUTH": ["+ "], "DXNLCJ": ["+OK logged in"], "STAT": ["+OK {count} 0"], "QUIT": ["+OK bye"]}
IMAP = {
    "CAPABILITY": ["* CAPABILITY IMAP4rev1 AUTH=XOAUTH2 SASL-IR", "{tag} OK CAPABILITY completed."],
    "AUTHENTICATE": ["{tag} OK AUTHENTICATE completed."],
    "EXAMINE": ["* {count} EXISTS", "* 0 RECENT", "{tag} OK [READ-ONLY] EXAMINE completed."],
    "LOGOUT": ["* BYE bye", "{tag} OK LOGOUT completed."],
}


def with_count(script: dict[str, list[str]], count: str) -> dict[str, list[str]]:
    """``script`` with ``{count}`` (the message count a mailbox reports) filled in."""
    return {key: [line.replace("{count}", count) for line in answer] for key, answer in script.items()}


def redeem(config: DeploymentConfig) -> TokenObservation:
    """The first mailbox's refresh token redeemed at the configured login host (test secrets)."""
    secrets = SecretSource(
        {"azure_ad.client_secret": Secret("client-secret-value-1"), "mailboxes[0].refresh_token": Secret("rt-value-1")}
    )
    need = token_need_for(config, config.mailboxes[0])
    assert need is not None
    with Survey(config, config.network.timeout, secrets=secrets) as survey:
        survey.gather([need])
        return survey.get(need)
