"""Helpers for the mailbox tests: the simulator with the example config, access tokens minted the way
ECE gets them (refresh token -> the simulator's token endpoint), and a run of the plugin read as JSON.

Not a conftest.py (see tests/sim/mailfixtures.py for why); test modules import what they use.
The example config has support@example.com (IMAP, own mailbox) and sales@example.com (POP3, shared,
token of ece-mail@example.com).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import pytest_ece_o365
from pytest_ece_o365.config.deployment import DeploymentConfig, Network
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.plugin.session import SESSION_KEY
from pytest_ece_o365.probes.dns import resolve
from pytest_ece_o365.probes.http import ResolvingHttpClient
from pytest_ece_o365.probes.observation import DnsObservation
from pytest_ece_o365.secret import Secret
from pytest_ece_o365.sim.mailserver import Recorder
from pytest_ece_o365.sim.runner import RunningSimulator, start_simulator

EXAMPLE = Path(pytest_ece_o365.__file__).parent / "example_config.toml"
SUPPORT = "support@example.com"
SALES = "sales@example.com"
DELEGATE = "ece-mail@example.com"
TOKEN_KEYS = {SUPPORT: "mailboxes[0].refresh_token", SALES: "mailboxes[1].refresh_token"}
SCOPES = ("IMAP.AccessAsUser.All", "POP.AccessAsUser.All", "SMTP.Send")


@contextmanager
def simulator(scenario: str = "healthy") -> Iterator[RunningSimulator]:
    with start_simulator(load_config(EXAMPLE), scenario) as sim:
        yield sim


def configured(sim: RunningSimulator) -> DeploymentConfig:
    """The example config pointed at the simulator (resolver, CA bundle, ports)."""
    return sim.configure(sim.cfg)


def network(sim: RunningSimulator) -> Network:
    return configured(sim).network


def dns(sim: RunningSimulator, host: str) -> DnsObservation:
    """The lookup every probe gets from the survey: through the simulator's nameserver."""
    return resolve(host, (sim.nameserver,), 5)


def access_token(sim: RunningSimulator, mailbox: str) -> Secret:
    """Redeem the mailbox's refresh token at the simulator's token endpoint, as ECE does."""
    cfg = configured(sim)
    client = ResolvingHttpClient(cfg.network, 5)
    form = {
        "grant_type": "refresh_token",
        "client_id": cfg.azure_ad.client_id,
        "client_secret": sim.tenant.run_secrets["azure_ad.client_secret"],
        "refresh_token": sim.tenant.run_secrets[TOKEN_KEYS[mailbox]],
        "scope": " ".join(f"{cfg.o365.outlook_resource}/{s}" for s in SCOPES) + " offline_access",
    }
    reply = client.post(f"{cfg.o365.login}/{cfg.azure_ad.tenant}/oauth2/v2.0/token", data=form)
    assert reply.status_code == 200, reply.text[:200]
    return Secret(str(reply.json()["access_token"]))


class SimulatorSpy:
    """A plugin for in-process runs: keeps the run's simulator recorder after the run stopped it."""

    def __init__(self) -> None:
        self.recorder: Recorder | None = None

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        simulator = session.config.stash[SESSION_KEY].simulator
        self.recorder = simulator.recorder


def run_json(
    pytester: pytest.Pytester, *args: str, spy: SimulatorSpy | None = None
) -> tuple[Any, list[dict[str, Any]]]:
    """Run the checklist in-process with ``--ece-json``; return the run result and the result rows."""
    plugins: list[object] = [spy] if spy is not None else []
    result = pytester.runpytest("--ece-json", "results.json", "--ece-timeout", "2", *args, plugins=plugins)
    rows = json.loads((pytester.path / "results.json").read_text(encoding="utf-8"))["results"]
    return result, rows


def statuses(rows: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    return {(row["check"], row["target"]): row["status"] for row in rows}


def failures(rows: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["check"], row["target"]): row for row in rows if row["status"] == "failed"}
