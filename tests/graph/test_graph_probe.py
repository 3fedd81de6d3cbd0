"""The Graph probes and checks against the simulated tenant with the reader app's own faults, and within
the timeout when Graph never answers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Hashable, Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import msal  # noqa: F401  (loaded before any pytester run: see tests/conftest.py)
import pytest
from waiting import SLACK

from pytest_ece_o365.checks.base import REGISTRY, CheckContext, RunOptions, Target
from pytest_ece_o365.checks.targets import targets_for
from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.plugin.source import packaged_example
from pytest_ece_o365.probes.graph import AppNeed, EceSecretNeed, GraphTokenNeed, LicenseNeed
from pytest_ece_o365.secret import Secret, SecretSource
from pytest_ece_o365.sim import graph as sim_graph
from pytest_ece_o365.sim.directory import AppRegistration
from pytest_ece_o365.sim.runner import RunningSimulator, start_simulator
from pytest_ece_o365.survey import HostNeed, Survey
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


GRANT_PATH = "API permissions > Add a permission > Microsoft Graph > Application permissions > "


def test_reader_without_permissions_skips_every_check_naming_what_it_lacks(sim: RunningSimulator) -> None:
    reader = sim.tenant.app(READER)
    assert reader is not None
    reader.roles = []
    verdicts = judge_all(sim.configure(sim.cfg), SecretSource(sim.secrets))
    # ECE's app is fine: the reader's problem is no finding about it, nor one per mailbox.
    assert {v.status for v in verdicts.values()} == {"skipped"}
    registration = verdicts[("azure_app.registration", "")].detail
    assert "the [graph] reader app (this tool's read-only app, not ECE's) lacks" in registration
    assert "Application.Read.All" in registration and "Authorization_RequestDenied" in registration
    assert GRANT_PATH + "Application.Read.All, then Grant admin consent" in registration
    licence = verdicts[("license.exchange", "support@example.com")].detail
    assert GRANT_PATH + "User.Read.All (or Directory.Read.All)" in licence


def test_reader_without_directory_read_cannot_check_consent_nor_licences(sim: RunningSimulator) -> None:
    reader = sim.tenant.app(READER)
    assert reader is not None
    reader.roles = ["Application.Read.All"]
    verdicts = judge_all(sim.configure(sim.cfg), SecretSource(sim.secrets))
    assert verdicts[("azure_app.registration", "")].status == "passed"
    assert verdicts[("azure_app.client_secret", "")].status == "passed"
    consent = verdicts[("azure_app.permissions", "")]
    assert (consent.status, consent.owner) == ("skipped", None)
    assert consent.detail.startswith("admin consent not checked: the [graph] reader app")
    assert GRANT_PATH + "Directory.Read.All, then Grant admin consent" in consent.detail
    for address in ("support@example.com", "sales@example.com"):
        licence = verdicts[("license.exchange", address)]
        assert (licence.status, licence.owner) == ("skipped", None)
        assert (
            "lacks the Microsoft Graph application permission User.Read.All (or Directory.Read.All)" in licence.detail
        )
        # licenseDetails was refused, so the probe asked for assignedPlans before giving up
        assert any("assignedPlans" in line for line in licence.evidence)


def test_reader_secret_wrong_skips_with_its_aadsts_code(sim: RunningSimulator) -> None:
    config = sim.configure(sim.cfg)
    assert config.graph is not None
    secrets = {**sim.secrets, config.graph.client_secret.key_path: Secret("wrong-reader-secret-value")}
    verdicts = judge_all(config, SecretSource(secrets))
    assert {v.status for v in verdicts.values()} == {"skipped"}
    detail = verdicts[("azure_app.registration", "")].detail
    assert "AADSTS7000215" in detail and READER in detail and "got no Microsoft Graph token" in detail
    assert "Trace ID" not in detail
    assert "Value (not its Secret ID) in [graph] client_secret" in detail
    assert "wrong-reader-secret-value" not in repr(verdicts)


def test_reader_token_refused_by_graph_skips(sim: RunningSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: object, authorization: str) -> set[str]:
        raise sim_graph._GraphError(401, "InvalidAuthenticationToken", "Access token validation failure.")

    monkeypatch.setattr(sim_graph.GraphApp, "_roles", refuse)
    verdicts = judge_all(sim.configure(sim.cfg), SecretSource(sim.secrets))
    assert {v.status for v in verdicts.values()} == {"skipped"}
    assert "has a token that Microsoft Graph refuses" in verdicts[("azure_app.registration", "")].detail


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
                AppNeed(config.azure_ad.client_id, ("support@example.com", "ece-mail@example.com")),
                EceSecretNeed(config.azure_ad.client_secret),
                LicenseNeed("support@example.com"),
                LicenseNeed("sales@example.com"),
                # DNS, once per host for every token and Graph request of the run
                HostNeed(urlsplit(config.o365.login).hostname or ""),
                HostNeed(urlsplit(config.o365.graph).hostname or ""),
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
    # About time: the silent server holds every connection until the test ends; one deadline, not one per call.
    assert elapsed < 0.5 + SLACK
    for verdict in verdicts.values():
        assert verdict.status == "skipped" and "could not be read from this machine" in verdict.detail


def test_a_mailbox_graph_does_not_know_as_a_user_cannot_tell_its_licence(sim: RunningSimulator) -> None:
    del sim.tenant.accounts["support@example.com"]
    verdicts = judge_all(sim.configure(sim.cfg), SecretSource(sim.secrets))
    verdict = verdicts[("license.exchange", "support@example.com")]
    assert verdict.status == "skipped"
    assert "Graph has no user support@example.com" in verdict.detail and "Request_ResourceNotFound" in verdict.detail
    assert verdicts[("license.exchange", "sales@example.com")].status == "passed"


def ece_app(sim: RunningSimulator) -> AppRegistration:
    app = sim.tenant.app(sim.cfg.azure_ad.client_id)
    assert app is not None
    return app


def test_mail_permissions_requested_under_exchange_online_are_resolved_by_name(sim: RunningSimulator) -> None:
    app = ece_app(sim)
    app.requested_scopes = ["offline_access"]
    app.exchange_requested_scopes = ["IMAP.AccessAsUser.All", "POP.AccessAsUser.All", "SMTP.Send"]
    verdicts = judge_all(sim.configure(sim.cfg), SecretSource(sim.secrets))
    permissions = verdicts[("azure_app.permissions", "")]
    assert permissions.status == "passed", permissions.detail
    assert "Office 365 Exchange Online" in permissions.detail
    assert any("servicePrincipals(appId='00000002-0000-0ff1-ce00-000000000000')" in e for e in permissions.evidence)


def test_every_token_account_consented_for_itself_is_an_advisory(sim: RunningSimulator) -> None:
    app = ece_app(sim)
    app.consented_scopes = []
    needed = ["IMAP.AccessAsUser.All", "POP.AccessAsUser.All", "SMTP.Send", "offline_access"]
    app.user_consents = {"support@example.com": list(needed), "ece-mail@example.com": list(needed)}
    verdicts = judge_all(sim.configure(sim.cfg), SecretSource(sim.secrets))
    permissions = verdicts[("azure_app.permissions", "")]
    assert (permissions.status, permissions.owner) == ("advisory", "azure-admin")
    assert "consented by users only, no admin consent" in permissions.detail
    # one account less: the other one's tokens fail, so it is the failure it was
    del app.user_consents["ece-mail@example.com"]
    verdicts = judge_all(sim.configure(sim.cfg), SecretSource(sim.secrets))
    permissions = verdicts[("azure_app.permissions", "")]
    assert permissions.status == "failed" and "1 user(s) consented for themselves only" in permissions.detail
