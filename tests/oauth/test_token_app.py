"""A run's tokens share what they can (issue 13): one MSAL application, so the tenant's OpenID configuration is
read once, and one DNS lookup per host — seen from the simulated Entra ID's and DNS's own records, not from
our accounting. When the configuration cannot be read, every token still reports that as its own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pytest_ece_o365.config.deployment import DeploymentConfig, Mailbox
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.probes.token import TokenObservation, token_need_for
from pytest_ece_o365.secret import SecretRef, SecretSource
from pytest_ece_o365.sim.runner import RunningSimulator, start_simulator
from pytest_ece_o365.survey import Survey

EXAMPLE = Path(__file__).resolve().parents[2] / "pytest_ece_o365" / "example_config.toml"
MAILBOXES = 6


def _with_mailboxes(cfg: DeploymentConfig, count: int) -> DeploymentConfig:
    boxes = tuple(
        Mailbox(
            f"agent{i}@example.com", "imap", "mailbox", None, SecretRef(f"mailboxes[{i}].refresh_token", env=f"RT{i}")
        )
        for i in range(count)
    )
    return replace(cfg, mailboxes=boxes)


@pytest.fixture(scope="module")
def sim() -> Iterator[RunningSimulator]:
    with start_simulator(_with_mailboxes(load_config(EXAMPLE), MAILBOXES), "healthy") as running:
        yield running


def _redeem_all(sim: RunningSimulator, config: DeploymentConfig) -> list[TokenObservation]:
    with Survey(config, 10.0, secrets=SecretSource(sim.secrets)) as survey:
        needs = [token_need_for(config, box) for box in config.mailboxes]
        survey.gather([need for need in needs if need is not None])
        return [survey.get(need) for need in needs if need is not None]


def test_every_token_of_a_run_comes_from_one_reading_of_the_configuration_and_one_lookup(
    sim: RunningSimulator,
) -> None:
    config = sim.configure(sim.cfg)
    before = len(sim.recorder.lines())
    tokens = _redeem_all(sim, config)
    assert [token.ok for token in tokens] == [True] * MAILBOXES
    recorded = sim.recorder.lines()[before:]
    login = Counter(line.line.split()[0] + " " + line.line.split()[1].rsplit("/", 1)[-1]
                    for line in recorded if line.protocol == "login" and line.direction == "C")  # fmt: skip
    assert login == Counter({"GET openid-configuration": 1, "POST token": MAILBOXES})
    login_host = urlsplit(config.o365.login).hostname
    asked = Counter(line.line for line in recorded if line.protocol == "dns" and line.direction == "C")
    assert asked and all(count == 1 for count in asked.values()), asked  # each question once: A, then AAAA
    assert {question.split()[-1].rstrip(".") for question in asked} == {login_host}
    for token in tokens:  # each token's evidence still shows the configuration it was redeemed under
        assert any("openid-configuration" in line for line in token.transcript)
        assert any("read once for every token of the run" in line for line in token.transcript)


def test_a_configuration_that_cannot_be_read_is_every_token_s_own_finding(sim: RunningSimulator) -> None:
    config = sim.configure(sim.cfg)
    config = replace(config, azure_ad=replace(config.azure_ad, tenant="no-such-tenant.onmicrosoft.com"))
    tokens = _redeem_all(sim, config)
    assert [token.aadsts for token in tokens] == [90002] * MAILBOXES  # Entra's "tenant not found", as before
    for token in tokens:  # read again by each token: its own request is its evidence
        assert any("openid-configuration" in line and "GET" in line for line in token.transcript)
        assert not any("read once for every token" in line for line in token.transcript)
