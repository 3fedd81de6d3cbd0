"""The survey: needs gathered concurrently in a bounded pool, once each, cached, accounted for."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from waiting import SLACK

import pytest_ece_o365.survey as survey_module
from pytest_ece_o365.config.deployment import DeploymentConfig, Endpoint
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.survey import EndpointNeed, HostNeed, NotGathered, Survey, SurveyEnv

EXAMPLE = Path(__file__).resolve().parents[1] / "pytest_ece_o365" / "example_config.toml"
_calls: Counter[str] = Counter()
_calls_lock = threading.Lock()


@dataclass(frozen=True)
class SleepNeed:
    name: str
    seconds: float = 0.2

    def observe(self, env: SurveyEnv) -> str:
        with _calls_lock:
            _calls[self.name] += 1
        time.sleep(self.seconds)
        return f"observed {self.name}"


@dataclass(frozen=True)
class GateNeed:
    """A need that signals when it starts and returns only when the test (or ``gate``) lets it."""

    name: str
    started: threading.Event
    release: threading.Event

    def observe(self, env: SurveyEnv) -> str:
        with _calls_lock:
            _calls[self.name] += 1
        self.started.set()
        assert self.release.wait(10), "the test never released the need"
        return f"observed {self.name}"


@dataclass(frozen=True)
class BarrierNeed:
    """A need that waits until ``barrier.parties`` needs run side by side, counting how many ever did."""

    name: str
    barrier: threading.Barrier
    in_flight: list[int] = field(compare=False)  # [now, most]; a list is not hashable, a need must be

    def observe(self, env: SurveyEnv) -> str:
        with _calls_lock:
            self.in_flight[0] += 1
            self.in_flight[1] = max(self.in_flight)
        self.barrier.wait(10)  # BrokenBarrierError (raised to the reader) if fewer ever run at once
        with _calls_lock:
            self.in_flight[0] -= 1
        return f"observed {self.name}"


@dataclass(frozen=True)
class ParentNeed:
    """A need whose observation reads a sub-need through ``env.get`` (as the endpoint chain reads DNS)."""

    name: str
    child: str

    def observe(self, env: SurveyEnv) -> str:
        return f"{self.name} saw {env.get(SleepNeed(self.child, 0.0))}"


@dataclass(frozen=True)
class BrokenNeed:
    def observe(self, env: SurveyEnv) -> str:
        raise RuntimeError("probe bug")


@pytest.fixture
def config() -> DeploymentConfig:
    return load_config(EXAMPLE)


@pytest.fixture
def hanging_ports() -> Iterator[list[int]]:
    """Ports that accept TCP and never say anything (the listen backlog accepts without our help)."""
    sockets = []
    for _ in range(6):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        sockets.append(sock)
    yield [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()


def test_no_needs_opens_no_socket_and_starts_no_thread(
    config: DeploymentConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket, "socket", forbidden)
    with Survey(config, 1.0) as survey:
        survey.gather([])
        assert not [thread for thread in threading.enumerate() if thread.name.startswith("ece-survey")]
        assert survey.accounting == () and survey.observations() == {}


def test_each_need_runs_once_across_gathers_and_gets(config: DeploymentConfig) -> None:
    need = SleepNeed("once", 0.05)
    with Survey(config, 1.0) as survey:
        survey.gather([need, need, SleepNeed("once", 0.05)])
        survey.gather([need])
        assert survey.get(need) == "observed once"
        assert survey.get(SleepNeed("once", 0.05)) == "observed once"
    assert _calls["once"] == 1
    assert len(survey.accounting) == 1


def test_get_of_a_need_not_gathered_fails_loudly_naming_it_and_probes_nothing(config: DeploymentConfig) -> None:
    with Survey(config, 1.0) as survey:
        survey.gather([SleepNeed("declared", 0.0)])
        with pytest.raises(NotGathered, match=r"SleepNeed\(name='undeclared'.*was not gathered"):
            survey.get(SleepNeed("undeclared", 0.0))
        assert [timing.need for timing in survey.accounting] == [SleepNeed("declared", 0.0)]
    assert _calls["undeclared"] == 0


def test_a_needs_sub_needs_are_computed_inline_in_its_thread_and_stay_undeclared(config: DeploymentConfig) -> None:
    parents = [ParentNeed("parent-a", "shared-child"), ParentNeed("parent-b", "shared-child")]
    with Survey(config, 1.0, max_workers=1) as survey:  # one worker: a sub-need queued behind it would deadlock
        survey.gather(parents)
        seen = [survey.get(parent) for parent in parents]
        assert seen == ["parent-a saw observed shared-child", "parent-b saw observed shared-child"]
        threads = {str(timing.need): timing.thread for timing in survey.accounting}
        assert len(set(threads.values())) == 1 and threading.current_thread().name not in threads.values()
        with pytest.raises(NotGathered):  # a sub-need is its parent's; a check reading it must declare it
            survey.get(SleepNeed("shared-child", 0.0))
    assert _calls["shared-child"] == 1


def test_a_gathered_need_still_queued_is_probed_by_the_reader_not_refused(config: DeploymentConfig) -> None:
    busy = GateNeed("busy", threading.Event(), threading.Event())
    queued = SleepNeed("queued", 0.0)
    with Survey(config, 1.0, max_workers=1) as survey:
        survey.gather([busy, queued], wait_for_all=False)
        assert busy.started.wait(10)  # the only worker is busy: ``queued`` has not started
        assert survey.get(queued) == "observed queued"
        busy.release.set()
        assert survey.get(busy) == "observed busy"
    assert _calls["queued"] == 1


@pytest.mark.parametrize("sliced", [False, True], ids=["plain-wait", "windows-sliced-wait"])
def test_get_waits_for_a_need_in_flight_instead_of_probing_again(
    config: DeploymentConfig, monkeypatch: pytest.MonkeyPatch, sliced: bool
) -> None:
    # The main thread waits in slices where Ctrl-C cannot interrupt a plain wait (Windows before 3.14):
    # released after several slices, it still gets the one observation.
    monkeypatch.setattr(survey_module, "_SLICED_WAIT", sliced)
    monkeypatch.setattr(survey_module, "_WAIT_SLICE", 0.01)
    need = GateNeed(f"in-flight-{sliced}", threading.Event(), threading.Event())
    with Survey(config, 1.0) as survey:
        survey.gather([need], wait_for_all=False)
        assert need.started.wait(10)  # in flight in the pool now
        # Released while get() waits (or, on a very slow machine, just before: get must not probe again either way).
        release = threading.Timer(0.1, need.release.set)
        release.start()
        assert survey.get(need) == f"observed in-flight-{sliced}"
        release.join()
    assert _calls[f"in-flight-{sliced}"] == 1


class _InterruptOnce:
    """Stands in for the survey's ``time``: the first clock reading raises KeyboardInterrupt, as a Ctrl-C
    landing in the main thread right after it claimed a need (before its probe began) would."""

    def __init__(self) -> None:
        self.fired = False

    def monotonic(self) -> float:
        if not self.fired:
            self.fired = True
            raise KeyboardInterrupt
        return time.monotonic()


def test_a_ctrl_c_right_after_claiming_a_need_still_releases_its_waiters(
    config: DeploymentConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pool thread waiting on a slot that is never marked done would wait for ever, and the interpreter
    # waits for the pool's threads at exit: the run could not end.
    need = SleepNeed("claimed", 0.0)
    survey = Survey(config, 1.0)
    monkeypatch.setattr(survey_module, "time", _InterruptOnce())
    with pytest.raises(KeyboardInterrupt):
        survey.observe_nested(need)
    seen: list[BaseException] = []

    def reader() -> None:
        try:
            survey.observe_nested(need)
        except BaseException as exc:  # the interrupt, handed to every reader like a probe's error
            seen.append(exc)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "a reader waits for ever on a need the interrupted thread claimed"
    assert [type(exc) for exc in seen] == [KeyboardInterrupt]
    survey.close()


def test_needs_overlap_and_the_pool_is_bounded(config: DeploymentConfig) -> None:
    # Three at a time pass the barrier together: fewer workers would break it, more would show in "most".
    barrier, in_flight = threading.Barrier(3), [0, 0]
    needs = [BarrierNeed(f"bounded-{i}", barrier, in_flight) for i in range(6)]
    with Survey(config, 1.0, max_workers=3) as survey:
        survey.gather(needs)
        assert [survey.get(need) for need in needs] == [f"observed bounded-{i}" for i in range(6)]
        assert len(survey.accounting) == 6
    assert in_flight == [0, 3]


def test_a_probe_bug_is_raised_to_the_reader_not_swallowed(config: DeploymentConfig) -> None:
    with Survey(config, 1.0) as survey:
        survey.gather([BrokenNeed()])
        with pytest.raises(RuntimeError, match="probe bug"):
            survey.get(BrokenNeed())


def test_anything_without_observe_is_not_a_need(config: DeploymentConfig) -> None:
    with Survey(config, 1.0) as survey, pytest.raises(TypeError, match="not a survey need"):
        survey.gather(["network.dns"])


def test_every_port_hanging_costs_one_timeout_not_one_per_probe(
    config: DeploymentConfig, hanging_ports: list[int]
) -> None:
    timeout = 1.0
    needs = [EndpointNeed(Endpoint("127.0.0.1", port), "imap") for port in hanging_ports]
    with Survey(config, timeout) as survey:
        survey.gather(needs)
        chains = [t for t in survey.accounting if isinstance(t.need, EndpointNeed)]
        observations = [survey.get(need) for need in needs]
    assert all(o.tls is not None and o.tls.error == "read-timeout" for o in observations)
    assert len(chains) == len(hanging_ports)
    # every probe started before any ended: they ran side by side, so the survey took about one timeout
    assert max(t.started for t in chains) < min(t.ended for t in chains)
    # About time: each probe ends at its deadline, and the survey at about one of them (one after the
    # other, the six would take 6 s); SLACK is what a loaded machine may add.
    assert all(t.duration < timeout + SLACK for t in chains)
    span = max(t.ended for t in chains) - min(t.started for t in chains)
    assert span < timeout + SLACK


def test_endpoints_on_one_host_share_one_lookup(config: DeploymentConfig, hanging_ports: list[int]) -> None:
    needs = [EndpointNeed(Endpoint("localhost", port), "pop3") for port in hanging_ports[:3]]
    with Survey(config, 0.3, max_workers=1) as survey:  # one worker: the DNS dependency must not deadlock
        survey.gather(needs)
        lookups = [t for t in survey.accounting if isinstance(t.need, HostNeed)]
    assert len(lookups) == 1


def test_closed_survey_refuses_new_work(config: DeploymentConfig) -> None:
    survey = Survey(config, 1.0)
    survey.close()
    with pytest.raises(RuntimeError):
        survey.gather([SleepNeed("late")])
