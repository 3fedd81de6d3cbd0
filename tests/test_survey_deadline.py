"""A need's timeout counts from when its probe began, its sub-needs' waits included (issue 13 item 2): a
mailbox session that waited for a slow token gets what is left of the timeout, not a timeout of its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.probes.mail_needs import MIN_SESSION_SHARE, MailSessionNeed
from pytest_ece_o365.probes.mail_observation import MailSessionObservation
from pytest_ece_o365.probes.token import token_need_for
from pytest_ece_o365.secret import SecretSource
from pytest_ece_o365.sim.runner import RunningSimulator, start_simulator
from pytest_ece_o365.survey import Need, Survey, SurveyEnv
from pytest_ece_o365.survey.needs import T

EXAMPLE = Path(__file__).resolve().parents[1] / "pytest_ece_o365" / "example_config.toml"
TIMEOUT = 20.0


@dataclass(frozen=True)
class HeldNeed:
    """A sub-need the test releases."""

    release: threading.Event

    def observe(self, env: SurveyEnv) -> None:
        assert self.release.wait(30), "the test never released the sub-need"


@dataclass(frozen=True)
class BudgetNeed:
    """Waits for its sub-need, then reports what is left of its timeout."""

    sub: HeldNeed

    def observe(self, env: SurveyEnv) -> float:
        env.get(self.sub)
        return env.remaining(self)


def test_the_wait_for_a_sub_need_is_spent_from_the_parent_timeout() -> None:
    release = threading.Event()
    need = BudgetNeed(HeldNeed(release))
    with Survey(load_config(EXAMPLE), TIMEOUT) as survey:
        survey.gather([need], wait_for_all=False)
        time.sleep(0.3)
        release.set()
        left = survey.get(need)
    assert left <= TIMEOUT - 0.3  # the 0.3 s held are spent (without the rule: TIMEOUT, a fresh timeout)


class BegunEarlier:
    """The real survey, except that every need's probe is said to have begun ``ago`` seconds ago."""

    def __init__(self, survey: Survey, ago: float) -> None:
        self.survey, self.ago = survey, ago

    def observe_nested(self, need: Need[T]) -> T:
        return self.survey.observe_nested(need)

    def waiting_since(self, need: Need[object]) -> float:
        return time.monotonic() - self.ago


@pytest.fixture(scope="module")
def simulated() -> Iterator[tuple[RunningSimulator, DeploymentConfig]]:
    cfg = load_config(EXAMPLE)
    with start_simulator(cfg) as sim:
        yield sim, sim.configure(cfg)


def session(simulated: tuple[RunningSimulator, DeploymentConfig], ago: float) -> MailSessionObservation:
    sim, cfg = simulated
    secrets = SecretSource(sim.secrets)
    mailbox = cfg.mailboxes[0]
    with Survey(cfg, TIMEOUT, secrets=secrets) as survey:
        token = token_need_for(cfg, mailbox)
        assert token is not None
        survey.gather([token])  # the token is in; the session below is said to have waited ``ago`` for it
        env = replace(SurveyEnv(cfg, TIMEOUT, survey, secrets), survey=BegunEarlier(survey, ago))
        return MailSessionNeed(mailbox.address, mailbox.inbound).observe(env)


def test_a_session_whose_token_took_the_timeout_is_not_tried_and_says_why(
    simulated: tuple[RunningSimulator, DeploymentConfig],
) -> None:
    observation = session(simulated, ago=TIMEOUT * (1 - MIN_SESSION_SHARE / 2))
    assert (observation.stage, observation.error) == ("token", "no-token")
    assert "leaving none for the session" in observation.message


def test_a_session_with_time_left_after_its_token_runs(
    simulated: tuple[RunningSimulator, DeploymentConfig],
) -> None:
    observation = session(simulated, ago=TIMEOUT / 2)
    assert observation.ok, observation
