"""Local fault servers for the probe tests: loopback only, trustme certificates, one thread per connection."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator

import trustme

HOST = "mail.test"  # the name the certificates are for; probes get its address from a recorded DNS answer

Handler = Callable[[socket.socket, threading.Event], None]


class LocalServer:
    """Accepts on 127.0.0.1 and runs ``handler(conn, stopping)`` per connection in its own thread."""

    def __init__(self, handler: Handler, *, listen: bool = True) -> None:
        self.handler = handler
        self.stopping = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.connections = 0
        self._threads: list[threading.Thread] = []
        if listen:
            self.sock.listen(64)
            self.sock.settimeout(0.1)
            self._acceptor = threading.Thread(target=self._accept, daemon=True)
            self._acceptor.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            thread = threading.Thread(target=self._run, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _run(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError, ssl.SSLError), conn:
            conn.settimeout(10)
            self.handler(conn, self.stopping)

    def stop(self) -> None:
        self.stopping.set()
        self.sock.close()


def closed_port() -> int:
    """A loopback port on which nothing listens (bound, then released)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port


# --- TLS material ----------------------------------------------------------------------------------


def server_context(cert: trustme.LeafCert, *, max_tls10: bool = False) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    if max_tls10:
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        context.maximum_version = ssl.TLSVersion.MINIMUM_SUPPORTED  # TLS 1.0
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


# --- Handlers ----------------------------------------------------------------------------------------


def _lines(conn: socket.socket) -> Iterator[bytes]:
    buffer = b""
    while True:
        while b"\n" not in buffer:
            chunk = conn.recv(4096)
            if not chunk:
                return
            buffer += chunk
        line, buffer = buffer.split(b"\n", 1)
        yield line.rstrip(b"\r")


def implicit_tls(context: ssl.SSLContext, then: Handler) -> Handler:
    def handler(conn: socket.socket, stopping: threading.Event) -> None:
        with context.wrap_socket(conn, server_side=True) as tls:
            then(tls, stopping)

    return handler


def imap_server(xoauth2: bool = True) -> Handler:
    auth = " AUTH=PLAIN AUTH=XOAUTH2" if xoauth2 else " AUTH=PLAIN"

    def handler(conn: socket.socket, stopping: threading.Event) -> None:
        conn.sendall(b"* OK The Microsoft Exchange IMAP4 service is ready. [TG9jYWw=]\r\n")
        for line in _lines(conn):
            tag, _, command = line.decode().partition(" ")
            if command.upper() == "CAPABILITY":
                conn.sendall(
                    f"* CAPABILITY IMAP4 IMAP4rev1{auth} SASL-IR UIDPLUS ID\r\n{tag} OK CAPABILITY completed.\r\n".encode()
                )
            elif command.upper() == "LOGOUT":
                conn.sendall(
                    f"* BYE Microsoft Exchange Server IMAP4 server signing off.\r\n{tag} OK LOGOUT completed.\r\n".encode()
                )
                return

    return handler


def pop3_server(conn: socket.socket, stopping: threading.Event) -> None:
    conn.sendall(b"+OK The Microsoft Exchange POP3 service is ready. [TG9jYWw=]\r\n")
    for line in _lines(conn):
        if line.upper() == b"CAPA":
            conn.sendall(b"+OK\r\nTOP\r\nUIDL\r\nSASL PLAIN XOAUTH2\r\nUSER\r\n.\r\n")
        elif line.upper() == b"QUIT":
            conn.sendall(b"+OK Microsoft Exchange Server POP3 server signing off.\r\n")
            return


def smtp_server(context: ssl.SSLContext, *, offer_starttls: bool = True) -> Handler:
    """SMTP submission the Office 365 way: EHLO offers STARTTLS, then AUTH LOGIN XOAUTH2 inside TLS."""

    def dialogue(conn: socket.socket, secure: bool) -> None:
        for line in _lines(conn):
            verb = line.split(b" ")[0].upper()
            if verb == b"EHLO":
                ext = b"250-AUTH LOGIN XOAUTH2\r\n" if secure else (b"250-STARTTLS\r\n" if offer_starttls else b"")
                conn.sendall(
                    b"250-outlook.office365.com Hello [127.0.0.1]\r\n250-SIZE 157286400\r\n" + ext + b"250 SMTPUTF8\r\n"
                )
            elif verb == b"STARTTLS" and not secure:
                conn.sendall(b"220 2.0.0 SMTP server ready\r\n")
                with context.wrap_socket(conn, server_side=True) as tls:
                    dialogue(tls, True)
                return
            elif verb == b"QUIT":
                conn.sendall(b"221 2.0.0 Service closing transmission channel\r\n")
                return
            else:
                conn.sendall(b"500 5.3.3 Unrecognized command\r\n")

    def handler(conn: socket.socket, stopping: threading.Event) -> None:
        conn.sendall(b"220 AM3PR05CA0094.outlook.office365.com Microsoft ESMTP MAIL Service ready\r\n")
        dialogue(conn, False)

    return handler


def hang(conn: socket.socket, stopping: threading.Event) -> None:
    """Accept TCP, then say nothing (not even a TLS ServerHello): a proxy holding the connection."""
    stopping.wait(30)


def drip(payload: bytes, interval: float = 1.0) -> Handler:
    """Send ``payload`` one byte per ``interval``: per-recv timeouts alone would never end this."""

    def handler(conn: socket.socket, stopping: threading.Event) -> None:
        for byte in payload:
            if stopping.wait(interval):
                return
            conn.sendall(bytes([byte]))
        stopping.wait(30)

    return handler


def garbage(conn: socket.socket, stopping: threading.Event) -> None:
    conn.sendall(b"\x00\x17\xfe\xfe garbage \x9c\x01\x02 HTTP/1.1 400 Bad Request\r\n")
    stopping.wait(5)
