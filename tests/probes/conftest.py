"""Fixtures for the probe tests: a throw-away CA, local fault servers and a local DNS server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from probes.localdns import LocalDns
from probes.netfaults import HOST, Handler, LocalServer


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA(organization_name="DigiCert Inc")


@pytest.fixture(scope="session")
def good_cert(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert(HOST)


@pytest.fixture(scope="session")
def bundle(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture(scope="session")
def expired_cert(ca: trustme.CA) -> trustme.LeafCert:
    now = dt.datetime.now(dt.timezone.utc)
    return ca.issue_cert(HOST, not_before=now - dt.timedelta(days=60), not_after=now - dt.timedelta(days=1))


@pytest.fixture(scope="session")
def wrong_name_cert(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert("other.example.net")


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], LocalServer]]:
    servers: list[LocalServer] = []

    def start(handler: Handler) -> LocalServer:
        server = LocalServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def local_dns() -> Iterator[LocalDns]:
    server = LocalDns()
    yield server
    server.stop()
