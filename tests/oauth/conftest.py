"""Fixtures for the OAuth tests: the simulated tenant driven directly (probe tests) or through the plugin."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

# Loaded before any in-process pytester run, for the reason tests/conftest.py gives: pytester restores
# sys.modules after each run, and these (cryptography underneath) cannot be imported twice in a process.
import jwt  # noqa: F401
import msal  # noqa: F401
import pytest
import trustme
from probes.localdns import LocalDns

from oauth.localhttps import LocalHttps, Reply
from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.plugin.source import packaged_example
from pytest_ece_o365.secret import SecretSource
from pytest_ece_o365.sim.runner import RunningSimulator, start_simulator
from pytest_ece_o365.survey import Survey


@pytest.fixture(scope="session")
def example() -> DeploymentConfig:
    return load_config(packaged_example())


@pytest.fixture
def simulate(example: DeploymentConfig) -> Iterator[Callable[..., tuple[RunningSimulator, DeploymentConfig, Survey]]]:
    """Start the simulator for a scenario; return it, the config pointed at it, and a survey with its secrets."""
    started: list[tuple[RunningSimulator, Survey]] = []

    def start(scenario: str = "healthy", timeout: float = 5.0) -> tuple[RunningSimulator, DeploymentConfig, Survey]:
        simulator = start_simulator(example, scenario)
        config = simulator.configure(example)
        survey = Survey(config, timeout, secrets=SecretSource(simulator.secrets))
        started.append((simulator, survey))
        return simulator, config, survey

    yield start
    for simulator, survey in started:
        survey.close()
        simulator.stop()


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA(organization_name="DigiCert Inc")


@pytest.fixture(scope="session")
def bundle(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("oauth-ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def local_dns() -> Iterator[LocalDns]:
    server = LocalDns()
    yield server
    server.stop()


@pytest.fixture
def https(ca: trustme.CA) -> Iterator[Callable[..., LocalHttps]]:
    """Start a local HTTPS server: ``https(reply, names=..., ca=...)``."""
    servers: list[LocalHttps] = []

    def start(
        reply: Reply, names: tuple[str, ...] = ("login.ok.test",), issuer: trustme.CA | None = None
    ) -> LocalHttps:
        server = LocalHttps(issuer or ca, reply, names)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
