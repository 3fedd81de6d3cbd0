"""Benchmark of the simulated IMAP server under concurrent sessions.

Run: ``python benchmarks/bench_mail_servers.py [--sessions 50] [--full]``. Loopback only. Prints a table.

Each session is what the mailbox probe does: TLS connect, read the greeting, AUTHENTICATE XOAUTH2 (SASL-IR),
EXAMINE INBOX, FETCH 1:* (FLAGS RFC822.SIZE), LOGOUT. All sessions start together (a barrier), each in its
own client thread. Reported: wall time for all sessions, per-session latency (median, 95th percentile,
max), failures, and whether every server thread is gone after ``stop()``.

- default: a bare :class:`~pytest_ece_o365.sim.imap.ImapServer` with a trivial authority (measures the
  server: threads, TLS, parsing).
- ``--full``: the whole simulator (``start_simulator(example_config, "healthy")``) with a real access
  token from its token endpoint, so every login also pays the tenant's JWT verification.

``bench_concurrent_imap()`` is importable, so the simulator benchmark (``bench_simulator.py``) can add it
as its "N concurrent IMAP sessions" section.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import socket
import ssl
import statistics
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import trustme

from pytest_ece_o365.sim.authority import MailLogin, MailProtocol
from pytest_ece_o365.sim.imap import ImapServer

EXAMPLE = Path(__file__).resolve().parents[1] / "pytest_ece_o365" / "example_config.toml"
USER = "support@example.com"


class _AcceptAll:
    """A MailAuthority that accepts one fixed token for every mailbox."""

    def __init__(self, token: str) -> None:
        self.token = token

    def mail_login(self, protocol: MailProtocol, user: str, bearer: str) -> MailLogin:
        ok = bearer == self.token
        return MailLogin(ok, user if ok else None, ok, "" if ok else "invalid-token")

    def may_send_as(self, account: str, sender: str) -> bool:
        return account == sender


@dataclass
class Result:
    sessions: int
    wall: float
    latencies: list[float]
    failures: list[str]
    threads_left: int

    def row(self, label: str) -> str:
        lat = sorted(self.latencies) or [0.0]
        p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
        return (
            f"{label:<10} {self.sessions:>8} {self.wall * 1000:>9.0f} {statistics.median(lat) * 1000:>8.1f} "
            f"{p95 * 1000:>8.1f} {lat[-1] * 1000:>8.1f} {len(self.failures):>8} {self.threads_left:>12}"
        )


def _session(port: int, context: ssl.SSLContext, token: str) -> None:
    blob = base64.b64encode(f"user={USER}\x01auth=Bearer {token}\x01\x01".encode()).decode()
    with (
        socket.create_connection(("127.0.0.1", port), timeout=20) as raw,
        context.wrap_socket(raw, server_hostname="outlook.office365.com") as sock,
    ):
        reader = sock.makefile("rb")

        def until(tag: bytes) -> bytes:
            while True:
                line = reader.readline()
                if not line:
                    raise ConnectionError("server closed the connection")
                if line.startswith(tag):
                    return line

        until(b"* OK")
        for tag, command in (
            (b"a1", f"AUTHENTICATE XOAUTH2 {blob}"),
            (b"a2", "EXAMINE INBOX"),
            (b"a3", "FETCH 1:* (FLAGS RFC822.SIZE)"),
            (b"a4", "LOGOUT"),
        ):
            sock.sendall(tag + b" " + command.encode() + b"\r\n")
            reply = until(tag + b" ")
            if not reply.startswith(tag + b" OK"):
                raise RuntimeError(reply.decode(errors="replace").strip())
        reader.close()


def bench_concurrent_imap(port: int, context: ssl.SSLContext, token: str, sessions: int = 50) -> Result:
    """Run ``sessions`` IMAP sessions at once against ``127.0.0.1:port``; the server is the caller's."""
    barrier = threading.Barrier(sessions + 1)
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        barrier.wait()
        started = time.perf_counter()
        try:
            _session(port, context, token)
        except Exception as exc:  # a benchmark reports failures, it does not stop at the first
            with lock:
                failures.append(f"{type(exc).__name__}: {exc}")
            return
        with lock:
            latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, name=f"bench-client-{i}") for i in range(sessions)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return Result(sessions, time.perf_counter() - started, latencies, failures, 0)


def _sim_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith("sim-"))


def run_bare(sessions: int) -> Result:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("outlook.office365.com", "127.0.0.1").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    token = "bench-token-0123456789"
    with ImapServer(_AcceptAll(token), server_ctx) as server:
        result = bench_concurrent_imap(server.port, client_ctx, token, sessions)
    result.threads_left = _sim_threads()
    return result


def _token_from_simulator(login_base: str, tenant: str, form: dict[str, str], context: ssl.SSLContext) -> str:
    parts = urllib.parse.urlsplit(login_base)
    # The simulator's certificate also names 127.0.0.1, so no DNS is needed to reach its token endpoint.
    conn = http.client.HTTPSConnection("127.0.0.1", parts.port, context=context, timeout=10)
    try:
        body = urllib.parse.urlencode(form)
        headers = {"Host": parts.netloc, "Content-Type": "application/x-www-form-urlencoded"}
        conn.request("POST", f"/{tenant}/oauth2/v2.0/token", body=body, headers=headers)
        reply = conn.getresponse()
        payload = json.loads(reply.read())
    finally:
        conn.close()
    if reply.status != 200:
        raise RuntimeError(f"token endpoint: HTTP {reply.status} {payload.get('error')}")
    return str(payload["access_token"])


def run_full(sessions: int) -> Result:
    from pytest_ece_o365.config.loader import load_config
    from pytest_ece_o365.sim.runner import start_simulator

    cfg = load_config(EXAMPLE)
    with start_simulator(cfg, "healthy") as sim:
        context = ssl.create_default_context(cafile=str(sim.ca_bundle))
        token = _token_from_simulator(
            sim.endpoints.login,
            cfg.azure_ad.tenant,
            {
                "grant_type": "refresh_token",
                "client_id": cfg.azure_ad.client_id,
                "client_secret": sim.tenant.run_secrets["azure_ad.client_secret"],
                "refresh_token": sim.tenant.run_secrets["mailboxes[0].refresh_token"],
                "scope": "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
            },
            context,
        )
        result = bench_concurrent_imap(sim.endpoints.imap.port, context, token, sessions)
    result.threads_left = _sim_threads()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--full", action="store_true", help="also run against the whole simulator")
    args = parser.parse_args(argv)
    runs: list[tuple[str, Callable[[int], Result]]] = [("bare", run_bare)]
    if args.full:
        runs.append(("simulator", run_full))
    print(f"{'server':<10} {'sessions':>8} {'wall ms':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
          f"{'failures':>8} {'threads left':>12}")  # fmt: skip
    status = 0
    for label, run in runs:
        result = run(args.sessions)
        print(result.row(label))
        for failure in sorted(set(result.failures))[:5]:
            print(f"    failure: {failure}")
        status |= bool(result.failures or result.threads_left)
    return status


if __name__ == "__main__":
    sys.exit(main())
