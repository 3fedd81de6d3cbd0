"""A scripted TLS mail server for the probes' corner cases (no simulator, no Dovecot): it plays a fixed
dialogue — greet, then for each client line the canned answer — and records what the client sent."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import trustme

from pytest_ece_o365.config.deployment import Endpoint, Network
from pytest_ece_o365.probes.observation import DnsObservation

HOST = "mail.test"
CLOSE = "<close>"
#: Answers to one client line: lines to send, or None to fall silent (a hanging server); a last line
#: CLOSE hangs up after the others.
Reply = Callable[[str], "list[str] | None"]


@dataclass
class Scripted:
    endpoint: Endpoint
    network: Network
    received: list[str] = field(default_factory=list)

    @property
    def dns(self) -> DnsObservation:
        return DnsObservation(HOST, "test", ("127.0.0.1",), message=f"{HOST} -> 127.0.0.1")


@contextmanager
def scripted_server(tmp_path: Path, greeting: list[str], reply: Reply, *, starttls: bool = False) -> Iterator[Scripted]:
    """Serve one session: implicit TLS (or plain until ``STARTTLS`` when ``starttls``), ``greeting``, then
    ``reply(line)`` for every line the client sends, until the script returns None or the client leaves."""
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(HOST).configure_cert(context)
    bundle = tmp_path / "scripted-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    listener = socket.create_server(("127.0.0.1", 0))
    server = Scripted(Endpoint(HOST, listener.getsockname()[1]), Network(timeout=2, ca_bundle=bundle))
    stop = threading.Event()

    def send(conn: socket.socket, lines: list[str]) -> None:
        conn.sendall(b"".join(line.encode() + b"\r\n" for line in lines))

    def serve() -> None:
        with contextlib.suppress(OSError):
            raw, _ = listener.accept()
            conn: socket.socket = raw
            try:
                if not starttls:
                    conn = context.wrap_socket(raw, server_side=True)
                talk(conn)
            finally:
                conn.close()
                raw.close()

    def talk(conn: socket.socket, *, greet: bool = True) -> None:
        if greet:
            send(conn, greeting)
        buffer = b""
        while not stop.is_set():
            while b"\n" not in buffer:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buffer += chunk
            raw_line, buffer = buffer.split(b"\n", 1)
            line = raw_line.rstrip(b"\r").decode()
            server.received.append(line)
            answer = reply(line)
            if answer is None:
                stop.wait(10)  # fall silent, as a hanging server does
                return
            send(conn, [item for item in answer if item != CLOSE])
            if CLOSE in answer:
                return
            if starttls and line.upper() == "STARTTLS":
                with context.wrap_socket(conn, server_side=True) as secured:
                    talk(secured, greet=False)  # SMTP: no second greeting after STARTTLS
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        listener.close()
        thread.join(5)
