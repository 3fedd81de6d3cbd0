"""The checks run along the dependency chain, each as soon as what it reads is observed (issue 13).

The survey is started, not waited for: a check waits for its own observations only, so the network and
mailbox checks of a large deployment are judged while the directory's requests (the app registration's
chain of Graph requests, the longest on a slow link) are still out, instead of all 2000 results after the
last probe."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from pytest_ece_o365.catalog import stage
from pytest_ece_o365.probes.graph import AppNeed

HOLD = 30.0  # how long the app registration's probe is held at most; released far sooner when all is well


def _ids(lines: list[str]) -> list[str]:
    return [line.split("::", 1)[1] for line in lines if "::" in line]


def test_the_checks_are_listed_and_run_along_the_dependency_chain(pytester: pytest.Pytester) -> None:
    listed = _ids(pytester.runpytest("--ece-simulate", "--co", "-q").outlines)
    checks = [item.split("[", 1)[0] for item in listed]
    assert checks, "nothing collected"
    assert [stage(check) for check in checks] == sorted(stage(check) for check in checks)
    # Network before token before mailbox login before the directory; within a check, the config's order.
    assert checks.index("network.dns") < checks.index("token.refresh") < checks.index("mailbox.inbound")
    assert checks.index("mailbox.inbound") < checks.index("azure_app.registration")
    inbound = [item for item in listed if item.startswith("mailbox.inbound[")]
    assert inbound == ["mailbox.inbound[support@example.com]", "mailbox.inbound[sales@example.com]"]


class _HoldTheAppRegistration:
    """Holds the app registration's Graph probe until every earlier-stage check has its result, and records
    whether it was released that way (the checks ran meanwhile) or let go after :data:`HOLD`."""

    def __init__(self) -> None:
        self.earlier_done = threading.Event()
        self.released_by_checks: bool | None = None
        self.earlier: set[str] = set()
        self.reported: list[str] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.earlier = {item.nodeid for item in session.items if stage(item.nodeid.split("::")[1].split("[")[0]) < 6}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            self.reported.append(report.nodeid)
            if self.earlier <= set(self.reported):
                self.earlier_done.set()

    def hold(self, original: Any) -> Any:
        def observe(need: AppNeed, env: Any) -> Any:
            self.released_by_checks = self.earlier_done.wait(HOLD)
            return original(need, env)

        return observe


def test_earlier_checks_are_judged_while_the_directory_is_still_probed(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = _HoldTheAppRegistration()
    monkeypatch.setattr(AppNeed, "observe", recorder.hold(AppNeed.observe))
    result = pytester.runpytest_inprocess("--ece-simulate", "-p", "no:cacheprovider", plugins=[recorder])
    assert result.ret == 0, result.stdout.str()
    # Every network, token and mailbox result was in before the app registration's observation: had the run
    # waited for the whole survey first, the probe would have been let go only after HOLD seconds.
    assert recorder.released_by_checks is True
    registration = next(index for index, nodeid in enumerate(recorder.reported) if "azure_app.registration" in nodeid)
    assert {nodeid for nodeid in recorder.reported[:registration]} == recorder.earlier


def test_the_longest_chains_are_started_first(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # Starting hundreds of probe threads takes a while: the directory's needs (whose chains are the longest:
    # a Graph token, then the app registration's requests) go first, the network's last.
    from pytest_ece_o365.probes.graph import GraphTokenNeed
    from pytest_ece_o365.probes.mail_needs import MailSessionNeed
    from pytest_ece_o365.survey import EndpointNeed, HostNeed, Survey

    gathered: list[object] = []
    original = Survey.gather

    def recording(survey: Survey, needs: Any, **kwargs: Any) -> None:
        needs = list(needs)
        gathered.extend(needs)
        original(survey, needs, **kwargs)

    monkeypatch.setattr(Survey, "gather", recording)
    assert pytester.runpytest_inprocess("--ece-simulate", "-p", "no:cacheprovider").ret == 0
    kinds = [type(need) for need in gathered]
    assert kinds[0] in (GraphTokenNeed, AppNeed) and kinds.index(AppNeed) < kinds.index(MailSessionNeed)
    network = [index for index, kind in enumerate(kinds) if kind in (HostNeed, EndpointNeed)]
    assert network and min(network) > max(index for index, kind in enumerate(kinds) if kind is MailSessionNeed)


def test_a_probe_threads_log_records_stay_out_of_the_check_running_meanwhile(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The app registration's probe logs while its check waits for it (held until every earlier check has
    # its result, so the registration check is the one running): that record is the probe's, not the
    # check's, and must not show as the check's captured log. It still reaches the live log.
    recorder = _HoldTheAppRegistration()
    held = recorder.hold(AppNeed.observe)

    def observe(need: AppNeed, env: Any) -> Any:
        result = held(need, env)
        logging.getLogger("msal.probe-thread-test").warning("logged by the app registration's probe thread")
        return result

    monkeypatch.setattr(AppNeed, "observe", observe)
    result = pytester.runpytest_inprocess(
        "--ece-simulate", "-p", "no:cacheprovider", "-rA", "-o", "log_cli=true", plugins=[recorder]
    )
    assert result.ret == 0, result.stdout.str()
    assert recorder.released_by_checks is True
    out = result.stdout.str()
    assert "logged by the app registration's probe thread" in out  # the live log shows it …
    passes = out.split("= PASSES =", 1)[1]
    assert "logged by the app registration's probe thread" not in passes  # … no check's section does
