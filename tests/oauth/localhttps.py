"""A tiny HTTPS server on loopback for the HTTP client and token probe tests (trustme certificates)."""

from __future__ import annotations

import http.server
import ssl
import threading
from collections.abc import Callable
from pathlib import Path

import trustme

from pytest_ece_o365.config.deployment import Endpoint, Network

Reply = Callable[[str, str], tuple[int, str]]  # (method, path) -> (status, body)


class LocalHttps:
    """Serves ``reply`` over TLS with a certificate for ``names`` issued by ``ca``; records request lines."""

    def __init__(self, ca: trustme.CA, reply: Reply, names: tuple[str, ...] = ("login.ok.test",)) -> None:
        self.requests: list[str] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                owner.requests.append(f"{self.command} {self.path}")
                status, body = reply(self.command, self.path)
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert(*names).configure_cert(context)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port: int = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(2)


def network_for(dns_port: int, bundle: Path | None, timeout: float = 2.0) -> Network:
    """[network] that resolves through the local DNS server and trusts ``bundle``."""
    return Network(timeout=timeout, nameservers=(Endpoint("127.0.0.1", dns_port),), ca_bundle=bundle)
