"""Benchmark of the network section's survey: is its wall time about its slowest probe?

Run: ``python benchmarks/bench_network.py [--quick]``. Loopback only. Prints a table.

The network section's probes do not grow with the number of mailboxes (a role has at most four
endpoints), so "1, 10, 100 mailboxes" is measured as 1, 10, 100 endpoints: the load a survey with one
probe per mailbox (issue 5's sessions) will put on the same pool. The servers run in this process, so
at 100 endpoints their TLS handshakes compete with the probes' for the CPU and the GIL: "slowest" grows.

- N endpoints (1, 10, 100), each an IMAP-over-TLS server that waits 200 ms after accepting a connection
  (the latency of a far-away Office 365 front end): survey wall time, slowest single probe, their ratio.
  Above the pool size (16 by default) the ratio grows by design: the pool is bounded so that a large
  deployment does not open 100 connections at once; the row with workers = N shows the unbounded case.
- Every port hangs (accepts TCP, never speaks) with timeout T: survey wall time / T (≈ 1: one timeout,
  not one per probe).
"""

from __future__ import annotations

import argparse
import contextlib
import selectors
import socket
import ssl
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import trustme

from pytest_ece_o365.config.deployment import Endpoint
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.survey import EndpointNeed, Survey

EXAMPLE = Path(__file__).resolve().parents[1] / "pytest_ece_o365" / "example_config.toml"
LATENCY = 0.2


class Servers:
    """N listening ports on 127.0.0.1; one selector thread accepts, one thread per connection serves."""

    def __init__(self, count: int, context: ssl.SSLContext | None, latency: float) -> None:
        self.context, self.latency = context, latency
        self.stopping = threading.Event()
        self.selector = selectors.DefaultSelector()
        self.ports: list[int] = []
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sock.listen(64)
            sock.setblocking(False)
            self.selector.register(sock, selectors.EVENT_READ)
            self.ports.append(sock.getsockname()[1])
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            for key, _ in self.selector.select(0.1):
                with contextlib.suppress(OSError):
                    conn, _ = key.fileobj.accept()  # type: ignore[union-attr]
                    conn.setblocking(True)
                    threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            if self.context is None:  # hang: hold the connection in silence
                self.stopping.wait(60)
                return
            time.sleep(self.latency)
            with self.context.wrap_socket(conn, server_side=True) as tls:
                tls.sendall(b"* OK The Microsoft Exchange IMAP4 service is ready.\r\n")
                buffer = b""
                while b"\n" not in buffer:
                    chunk = tls.recv(1024)
                    if not chunk:
                        return
                    buffer += chunk
                tag = buffer.split(b" ", 1)[0]
                tls.sendall(b"* CAPABILITY IMAP4rev1 AUTH=XOAUTH2 SASL-IR\r\n" + tag + b" OK CAPABILITY completed.\r\n")
                tls.recv(1024)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(1)
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]


def survey_run(ports: list[int], bundle: Path | None, timeout: float, workers: int) -> tuple[float, float, int]:
    """(wall time, slowest single probe, probes that worked) for one survey over ``ports``."""
    config = load_config(EXAMPLE)
    config = config.with_endpoints(config.o365, replace(config.network, ca_bundle=bundle))
    needs = [EndpointNeed(Endpoint("127.0.0.1", port), "imap") for port in ports]
    with Survey(config, timeout, max_workers=workers) as survey:
        started = time.monotonic()
        survey.gather(needs)
        wall = time.monotonic() - started
        slowest = max(t.duration for t in survey.accounting if isinstance(t.need, EndpointNeed))
        worked = sum(
            1 for need in needs if survey.get(need).capabilities is not None and survey.get(need).capabilities.xoauth2
        )
    return wall, slowest, worked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 and 10 endpoints, T = 1 s only")
    args = parser.parse_args()
    ca = trustme.CA(organization_name="DigiCert Inc")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "ca.pem"
        ca.cert_pem.write_to_path(str(bundle))
        print(f"{'scenario':<34}{'endpoints':>10}{'workers':>9}{'wall s':>9}{'slowest s':>11}{'ratio':>8}  ok")
        for count in (1, 10) if args.quick else (1, 10, 100):
            servers = Servers(count, context, LATENCY)
            try:
                for workers in sorted({16, count}):
                    wall, slowest, worked = survey_run(servers.ports, bundle, 10.0, workers)
                    row = f"{'200 ms latency, wall/slowest':<34}{count:>10}{workers:>9}{wall:>9.2f}{slowest:>11.2f}"
                    print(f"{row}{wall / slowest:>8.2f}  {worked}/{count}")
            finally:
                servers.stop()
        for timeout in (1.0,) if args.quick else (1.0, 2.0):
            for count in (4, 16):
                servers = Servers(count, None, 0)
                try:
                    wall, slowest, _ = survey_run(servers.ports, bundle, timeout, 16)
                    label = f"all ports hang, T={timeout:g} s, total/T"
                    print(f"{label:<34}{count:>10}{16:>9}{wall:>9.2f}{slowest:>11.2f}{wall / timeout:>8.2f}")
                finally:
                    servers.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
