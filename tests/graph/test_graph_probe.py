"""The Graph probes and checks against the simulated tenant with the reader app's own faults, and within
the timeout when Graph never answers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Hashable, Iterator
from dataclasses import replace
from pathlib import Path

import msal  # noqa: F401  (loaded before any pytester run: see tests/conftest.py)
import pytest

from pytest_ece_o365.checks.base import REGISTRY, CheckContext, RunOptions, Target
from pytest_ece_o365.checks.targets import targets_for
from pytest_ece_o365.config import load_config
from pytest_ece_o365.deployment import DeploymentConfig
from pytest_ece_o365.probes.graph import AppNeed, GraphTokenNeed, LicenseNeed
from pytest_ece_o365.secret import Secret, SecretSource
from pytest_ece_o365.session import packaged_example
from pytest_ece_o365.sim.runner import RunningSimulator, start_simulator
from pytest_ece_o365.survey import Survey
from pytest_ece_o365.verdict import Verdict

READER = "66666666-7777-8888-9999-000000000000"
CHECK_IDS = ("azure_app.registration", "azure_app.client_secret", "azure_app.permissions", "license.exchange")


@pytest.fixture
def sim() -> Iterator[RunningSimulator]:
    simulator = start_simulator(load_config(packaged_example()), "healthy")
    try:
        yield simulator
    finally:
        simulator.stop()


def judge_all(config: DeploymentConfig, secrets: SecretSource, timeout: float = 5.0) -> dict[tuple[str, str], Verdict]:
    """Every Graph check for every target, through a survey, as a run does it."""
    ctx = CheckContext(config, ("services", "application"), RunOptions(timeout), secrets=secrets)
    items: list[tuple[str, Target]] = []
    for check_id in CHECK_IDS:
        check = REGISTRY[check_id]
        items.extend((check_id, target) for target in targets_for(check.spec, config))
    with Survey(config, timeout, secrets=secrets) as survey:
        ctx.survey = survey
        needs: list[Hashable] = []
        for check_id, target in items:
            needs_of = REGISTRY[check_id].needs
            assert needs_of is not None
            needs.extend(needs_of(ctx, target))
        survey.gather(needs)
        return {(cid, t.label): REGISTRY[cid].run(ctx, t) for cid, t in items}


def test_reader_without_permissions_is_one_finding_naming_them(sim: RunningSimulator) -> None:
    reader = sim.tenant.app(READER)
    assert reader is not None
    reader.roles = []
    verdicts = judge_all(sim.configure(sim.cfg), SecretSource(sim.secrets))
    finding = verdicts[("azure_app.registration", "")]
    assert (finding.status, finding.owner) == ("failed", "azure-admin")
    assert "Authorization_RequestDenied" in finding.detail and "Application.Read.All" in finding.detail
    assert "Application.Read.All and Directory.Read.All" in finding.remediation
    for key, verdict in verdicts.items():
        if key != ("azure_app.registration", "") and key[0] != "license.exchange":
            assert verdict.status == "skipped" and "reported by azure_app.registration" in verdict.detail


def test_reader_without_directory_read_cannot_check_consent_nor_licences(sim: RunningSimulator) -> None:
    reader = sim.tenant.app(READER)
    assert reader is not None
    reader.roles = ["Application.Read.All"]
    verdicts = judge_all(sim.configure(sim.cfg), SecretSource(sim.secrets))
    assert verdicts[("azure_app.registration", "")].status == "passed"
    assert verdicts[("azure_app.client_secret", "")].status == "passed"
    consent = verdicts[("azure_app.permissions", "")]
    assert consent.status == "failed" and "Directory.Read.All" in consent.detail + consent.remediation
    licence = verdicts[("license.exchange", "support@example.com")]
    assert licence.status == "failed" and "User.Read.All (or Directory.Read.All)" in licence.detail
    # licenseDetails was refused, so the probe asked for assignedPlans before giving up
    assert any("assignedPlans" in line for line in licence.evidence)


def test_reader_secret_wrong_is_reported_with_its_aadsts_code(sim: RunningSimulator) -> None:
    config = sim.configure(sim.cfg)
    assert config.graph is not None
    secrets = {**sim.secrets, config.graph.client_secret.key_path: Secret("wrong-reader-secret-value")}
    verdicts = judge_all(config, SecretSource(secrets))
    finding = verdicts[("azure_app.registration", "")]
    assert (finding.status, finding.owner) == ("failed", "azure-admin")
    assert "AADSTS7000215" in finding.detail and READER in finding.detail
    assert "Trace ID" not in finding.detail
    assert "Value (not its Secret ID)" in finding.remediation
    assert all(v.status == "skipped" for k, v in verdicts.items() if k[0] != "azure_app.registration")
    assert "wrong-reader-secret-value" not in repr(verdicts)


def test_graph_out_of_reach_skips_every_check(sim: RunningSimulator) -> None:
    sim.tenant.nxdomain.add(sim.tenant.hosts.graph)
    verdicts = judge_all(sim.configure(sim.cfg), SecretSource(sim.secrets))
    for verdict in verdicts.values():
        assert verdict.status == "skipped"
        assert "ECE itself never calls Graph" in verdict.detail and "graph.microsoft.com" in verdict.detail


def test_each_observation_is_made_once_per_run(sim: RunningSimulator) -> None:
    config = sim.configure(sim.cfg)
    ctx = CheckContext(config, ("services",), RunOptions(5.0), secrets=SecretSource(sim.secrets))
    with Survey(config, 5.0, secrets=ctx.secrets) as survey:
        ctx.survey = survey
        needs: list[Hashable] = []
        for check_id in CHECK_IDS:
            check = REGISTRY[check_id]
            for target in targets_for(check.spec, config):
                assert check.needs is not None
                needs.extend(check.needs(ctx, target))
        survey.gather(needs)
        probed = [timing.need for timing in survey.accounting]
    assert sorted(map(repr, probed)) == sorted(
        map(
            repr,
            [
                GraphTokenNeed(READER),
                AppNeed(config.azure_ad.client_id),
                LicenseNeed("support@example.com"),
                LicenseNeed("sales@example.com"),
            ],
        )
    )


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts TCP connections on loopback and never says a word (a proxy holding the connection)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_silent_login_host_costs_one_timeout(silent_server: int, tmp_path: Path) -> None:
    base = load_config(packaged_example())
    assert base.graph is not None
    config = base.with_endpoints(
        replace(base.o365, login=f"https://127.0.0.1:{silent_server}", graph=f"https://127.0.0.1:{silent_server}"),
        base.network,
    )
    secrets = SecretSource({base.graph.client_secret.key_path: Secret("some-reader-secret")})
    started = time.monotonic()
    verdicts = judge_all(config, secrets, timeout=0.5)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0
    for verdict in verdicts.values():
        assert verdict.status == "skipped" and "could not be read from this machine" in verdict.detail


def test_a_mailbox_graph_does_not_know_as_a_user_cannot_tell_its_licence(sim: RunningSimulator) -> None:
    del sim.tenant.accounts["support@example.com"]
    verdicts = judge_all(sim.configure(sim.cfg), SecretSource(sim.secrets))
    verdict = verdicts[("license.exchange", "support@example.com")]
    assert verdict.status == "skipped"
    assert "Graph has no user support@example.com" in verdict.detail and "Request_ResourceNotFound" in verdict.detail
    assert verdicts[("license.exchange", "sales@example.com")].status == "passed"
