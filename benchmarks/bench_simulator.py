"""Benchmark of the simulated Office 365 tenant.

Run: ``python benchmarks/bench_simulator.py [--quick]``. Loopback only. Prints a table.

- start-to-ready and stop time of the whole simulator (DNS, Entra ID, Graph, IMAP, POP3, SMTP) for the
  packaged example configuration (the first start also generates the process's keys: shown apart);
- the same for a tenant with 200 mailboxes (configuration built programmatically);
- token endpoint throughput: 200 refresh-token redemptions over HTTPS (one TLS connection per request,
  as the simulator speaks HTTP/1.0), sequential and from 8 client threads.
"""

from __future__ import annotations

import argparse
import dataclasses
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests

from pytest_ece_o365.config.deployment import DeploymentConfig, Mailbox
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.secret import SecretRef
from pytest_ece_o365.sim.runner import RunningSimulator, start_simulator
from pytest_ece_o365.sim.scenarios import build_tenant

EXAMPLE = Path(__file__).resolve().parents[1] / "pytest_ece_o365" / "example_config.toml"
SCOPES = "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access"


def many_mailboxes(cfg: DeploymentConfig, count: int) -> DeploymentConfig:
    """``cfg`` with ``count`` mailboxes: every fourth one a shared POP3 mailbox served by one delegate."""
    boxes = []
    for i in range(count):
        key = f"mailboxes[{i}].refresh_token"
        if i % 4 == 3:
            boxes.append(
                Mailbox(
                    f"shared{i}@example.com", "pop3", "shared", "ece-mail@example.com", SecretRef(key, env=f"RT{i}")
                )
            )
        else:
            boxes.append(Mailbox(f"agent{i}@example.com", "imap", "mailbox", None, SecretRef(key, env=f"RT{i}")))
    return dataclasses.replace(cfg, mailboxes=tuple(boxes))


@contextmanager
def loopback_dns(sim: RunningSimulator) -> Iterator[None]:
    """Resolve the simulator's host names to 127.0.0.1 for this benchmark's HTTP client only."""
    real = socket.getaddrinfo
    names = set(sim.tenant.hosts.all())

    def fake(host: object, *args: object, **kwargs: object) -> object:
        return real("127.0.0.1" if host in names else host, *args, **kwargs)  # type: ignore[arg-type]

    socket.getaddrinfo = fake  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.getaddrinfo = real


def timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def bench_start_stop(cfg: DeploymentConfig, rounds: int) -> tuple[list[float], list[float]]:
    starts, stops = [], []
    for _ in range(rounds):
        elapsed, sim = timed(lambda: start_simulator(cfg))
        starts.append(elapsed)
        assert isinstance(sim, RunningSimulator)
        stops.append(timed(sim.stop)[0])
    return starts, stops


def bench_refresh(sim: RunningSimulator, count: int, workers: int) -> float:
    """Seconds for ``count`` refresh-token redemptions spread over ``workers`` threads."""
    url = f"{sim.endpoints.login}/{sim.tenant.tenant_id}/oauth2/v2.0/token"
    tokens = [v for k, v in sim.tenant.run_secrets.items() if k.endswith("refresh_token")]
    secret = sim.tenant.run_secrets["azure_ad.client_secret"]
    local = threading.local()

    def one(i: int) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.trust_env, session.verify = False, str(sim.ca_bundle)
        form = {
            "grant_type": "refresh_token",
            "client_id": sim.tenant.ece_client_id,
            "client_secret": secret,
            "refresh_token": tokens[i % len(tokens)],
            "scope": SCOPES,
        }
        response = session.post(url, data=form, timeout=30)
        assert response.status_code == 200, response.status_code

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(count)))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and requests")
    args = parser.parse_args(argv)
    rounds, refreshes = (3, 50) if args.quick else (10, 200)
    cfg = load_config(EXAMPLE)
    rows: list[tuple[str, str]] = []

    first, sim = timed(lambda: start_simulator(cfg))
    assert isinstance(sim, RunningSimulator)
    sim.stop()
    rows.append(("first start (generates CA and signing keys)", f"{first * 1000:8.1f} ms"))
    starts, stops = bench_start_stop(cfg, rounds)
    rows.append((f"start-to-ready, example config (median of {rounds})", f"{statistics.median(starts) * 1000:8.1f} ms"))
    rows.append((f"stop, example config (median of {rounds})", f"{statistics.median(stops) * 1000:8.1f} ms"))

    big = many_mailboxes(cfg, 200)
    build, _ = timed(lambda: build_tenant(big))
    rows.append(("tenant model, 200 mailboxes", f"{build * 1000:8.1f} ms"))
    starts, stops = bench_start_stop(big, rounds)
    rows.append(("start-to-ready, 200 mailboxes", f"{statistics.median(starts) * 1000:8.1f} ms"))
    rows.append(("stop, 200 mailboxes", f"{statistics.median(stops) * 1000:8.1f} ms"))

    with start_simulator(big) as sim, loopback_dns(sim):
        for workers in (1, 8):
            elapsed = bench_refresh(sim, refreshes, workers)
            rows.append(
                (
                    f"{refreshes} refreshes, {workers} client thread(s)",
                    f"{refreshes / elapsed:8.1f} /s ({elapsed:.2f} s)",
                )
            )

    # 50 concurrent IMAP sessions against the whole simulator: benchmarks/bench_mail_servers.py --full

    width = max(len(name) for name, _ in rows)
    print(f"{'measure'.ljust(width)}  value")
    print(f"{'-' * width}  {'-' * 24}")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
