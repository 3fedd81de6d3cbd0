"""Fixtures of the hardening tests: a throw-away CA trusted through ``ca_bundle``, and hostile listeners."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import trustme
from probes.localdns import LocalDns

from hardening.hostile import HOST, Handler, Listener
from pytest_ece_o365.config.deployment import DeploymentConfig, Endpoint, Network
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.plugin.source import packaged_example


@pytest.fixture(scope="session")
def hostile_ca() -> trustme.CA:
    return trustme.CA(organization_name="DigiCert Inc")


@pytest.fixture(scope="session")
def hostile_cert(hostile_ca: trustme.CA) -> trustme.LeafCert:
    return hostile_ca.issue_cert(HOST)


@pytest.fixture(scope="session")
def hostile_bundle(hostile_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile-ca") / "ca.pem"
    hostile_ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def listen() -> Iterator[Callable[[Handler], Listener]]:
    started: list[Listener] = []

    def start(handler: Handler) -> Listener:
        listener = Listener(handler)
        started.append(listener)
        return listener

    yield start
    for listener in started:
        listener.stop()


@pytest.fixture
def hostile_dns() -> Iterator[LocalDns]:
    """A DNS server on loopback that answers HOST with 127.0.0.1."""
    server = LocalDns({HOST: "127.0.0.1"})
    yield server
    server.stop()


@pytest.fixture
def at_login_host(hostile_dns: LocalDns, hostile_bundle: Path) -> Callable[[int, float], DeploymentConfig]:
    """The packaged example with its login host at ``https://HOST:port`` (resolved by ``hostile_dns``)."""
    example = load_config(packaged_example())

    def config(port: int, timeout: float = 3.0) -> DeploymentConfig:
        network = Network(
            timeout=timeout, nameservers=(Endpoint("127.0.0.1", hostile_dns.port),), ca_bundle=hostile_bundle
        )
        return replace(example, o365=replace(example.o365, login=f"https://{HOST}:{port}"), network=network)

    return config
