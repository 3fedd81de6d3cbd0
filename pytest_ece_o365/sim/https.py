"""A small threaded HTTPS server for the simulator's web endpoints (Entra ID, Microsoft Graph).

The request logic lives in a :class:`WebApp` (pure: request in, response out), so it can be tested without
sockets; this module only speaks HTTP/1.0 over TLS. HTTP/1.0 closes each connection after its response:
no idle keep-alive connection can then hold a handler thread, and ``stop()`` joins every thread promptly.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from pytest_ece_o365.sim.listen import claim_port_options
from pytest_ece_o365.sim.recorder import Recorder

__all__ = ["HttpsServer", "Request", "Response", "SimBindError", "WebApp", "json_response", "served_base"]

#: Longest request body accepted (token requests are a few KB).
MAX_BODY = 1 << 20


class SimBindError(OSError):
    """A simulator server could not listen; the message names the server and the address."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    def form(self) -> dict[str, str]:
        """The body as ``application/x-www-form-urlencoded`` (last value wins)."""
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))


def served_base(request: Request, fallback: str) -> str:
    """``https://`` + the Host the client asked for, as a real server's self-links are: a client dialling the
    nominal host (``--ece-simulate``: ``login.microsoftonline.com`` on 443, sent to the loopback port by
    ``Network.simulation``) reads nominal URLs back, one given ``host:port`` (``ece-o365 sim``) that port.
    ``fallback`` (the listener's own base) when the header is missing or not a plain host[:port]."""
    host = request.headers.get("host", "").strip()
    return f"https://{host}" if _HOST.fullmatch(host) else fallback


_HOST = re.compile(r"[A-Za-z0-9.-]+(?::\d{1,5})?")


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with the content type Microsoft's endpoints send."""
    merged = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store, no-cache"}
    merged.update(headers or {})
    return Response(status, json.dumps(payload).encode("utf-8"), merged)


class WebApp(Protocol):
    def handle(self, request: Request) -> Response: ...


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(Response(413))
            return
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        self.server.record(request)
        try:
            response = self.server.app.handle(request)
        except Exception:  # a bug in the simulator must look like a server error, not kill the thread
            response = json_response(500, {"error": "server_error", "error_description": "simulator bug"})
        self._send(response)

    do_GET = do_POST = _dispatch

    def _send(self, response: Response) -> None:
        if self.server.answer_delay and self.server.stopping.wait(self.server.answer_delay):
            return  # benchmarks: a slow tenant; stopping meanwhile
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        # Silent: request lines can carry authorization codes and tokens in query strings.
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler thread
    block_on_close = True
    allow_reuse_address = False  # claim_port_options() sets the right option for each system
    # socketserver's default backlog is 5: a run of 100 mailboxes opens hundreds of connections at once,
    # and a full backlog drops SYNs, which the client retries only after 1 s, 3 s, 7 s (a false timeout).
    request_queue_size = 1024

    def server_bind(self) -> None:
        claim_port_options(self.socket)
        super().server_bind()

    def __init__(
        self,
        address: tuple[str, int],
        app: WebApp,
        context: ssl.SSLContext,
        timeout: float,
        record: Callable[[Request], None],
        latency: float = 0.0,
        answer_delay: float = 0.0,
    ) -> None:
        self.app = app
        self.latency = latency
        self.answer_delay = answer_delay
        self.stopping = threading.Event()  # wakes the delays above when the server stops
        self.record = record
        self.context = context
        self.conn_timeout = timeout
        self.open_conns: set[socket.socket] = set()
        self.conns_lock = threading.Lock()
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake happens here, in the connection's own thread, so a silent client cannot
        # stall the accept loop.
        raw: socket.socket = request
        with self.conns_lock:
            self.open_conns.add(raw)
        try:
            raw.settimeout(self.conn_timeout)
            delay = self.latency or self.answer_delay  # benchmarks: a distant server (before the ServerHello)
            if delay and self.stopping.wait(delay):
                return
            try:
                tls = self.context.wrap_socket(raw, server_side=True)
            except (OSError, ValueError):
                return
            with self.conns_lock:
                self.open_conns.discard(raw)
                self.open_conns.add(tls)
            try:
                _Handler(tls, client_address, self)
            except (OSError, ValueError):
                pass
            finally:
                with self.conns_lock:
                    self.open_conns.discard(tls)
                tls.close()
        finally:
            with self.conns_lock:
                self.open_conns.discard(raw)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # clients that hang up mid-request are normal (TCP probes, timeouts)


class HttpsServer:
    """One HTTPS listener on loopback serving a :class:`WebApp`."""

    def __init__(
        self,
        name: str,
        app: WebApp,
        context: ssl.SSLContext,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        timeout: float = 10.0,
        recorder: Recorder | None = None,
        latency: float = 0.0,
        answer_delay: float = 0.0,
    ) -> None:
        self.name = name
        self._latency = latency
        self._answer_delay = answer_delay
        self.recorder = recorder if recorder is not None else Recorder()
        self._requests = itertools.count(1)
        self._address = (host, port)
        self._app = app
        self._context = context
        self._timeout = timeout
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def _record(self, request: Request) -> None:
        """One line per request: method, path and the grant type — never a query string or body, which
        carry codes, secrets and tokens."""
        line = f"{request.method} {request.path}"
        if request.body:
            grant = dict(parse_qsl(request.body.decode("utf-8", "replace"))).get("grant_type")
            if grant:
                line += f" grant_type={grant}"
        self.recorder.command(self.name, next(self._requests), line)  # type: ignore[arg-type]

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{self.name} is not started")
        return int(self._server.server_address[1])

    def start(self) -> None:
        """Listen and serve; ready when this returns."""
        try:
            self._server = _Server(
                self._address, self._app, self._context, self._timeout, self._record, self._latency, self._answer_delay
            )
        except OSError as exc:
            host, port = self._address
            raise SimBindError(exc.errno, f"{self.name} cannot listen on {host}:{port}: {exc.strerror}") from exc
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"sim-{self.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, abort open connections, join every thread. Idempotent."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping.set()
        server.shutdown()
        with server.conns_lock:
            conns = list(server.open_conns)
        for conn in conns:
            with contextlib.suppress(OSError, ValueError):
                socket.socket.shutdown(conn, socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
