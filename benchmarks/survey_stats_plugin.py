"""A pytest plugin for the benchmarks (``-p survey_stats_plugin``): at the end of a checklist run it writes
to the JSON file named by ``ECE_BENCH_STATS`` the survey's accounting — probes, the probing span (first
probe start to last probe end), the slowest probe, the most probes in flight at once, per need type — and
the process's CPU seconds: collection; the test loop's, split into the probes' threads (the survey) and the
main thread (the checks: judging and pytest's per-result cost), which run at the same time since the
checks wait for their own observations only; and the end (terminal findings, case note, results file,
HTML report). ``checks_after_probing`` is the wall time the checks took after the last probe ended."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_ece_o365.survey import ProbeTiming

_cpu: dict[str, float] = {}
_main_cpu: dict[str, float] = {}  # the main thread's, where the checks run
_wall: dict[str, float] = {}
_monotonic: dict[str, float] = {}  # the survey's clock (ProbeTiming)


def _mark(phase: str) -> None:
    _cpu.setdefault(phase, time.process_time())
    _main_cpu.setdefault(phase, time.thread_time())
    _wall.setdefault(phase, time.time())
    _monotonic.setdefault(phase, time.monotonic())


@pytest.hookimpl(tryfirst=True)
def pytest_configure() -> None:
    _mark("configure")


def pytest_collection_finish() -> None:
    _mark("collected")


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop() -> Iterator[None]:
    try:
        return (yield)
    finally:
        _mark("checked")


def _by_type(timings: tuple[ProbeTiming, ...]) -> dict[str, list[float]]:
    """Per need type: count, earliest start and latest end (from the first probe's start), longest."""
    first = min((t.started for t in timings), default=0.0)
    out: dict[str, list[float]] = {}
    for t in timings:
        row = out.setdefault(type(t.need).__name__, [0, float("inf"), 0.0, 0.0])
        row[0] += 1
        row[1] = min(row[1], t.started - first)
        row[2] = max(row[2], t.ended - first)
        row[3] = max(row[3], t.duration)
    return out


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    from pytest_ece_o365.plugin.session import SESSION_KEY

    _mark("end")
    target = os.environ.get("ECE_BENCH_STATS")
    ece = config.stash.get(SESSION_KEY, None)
    survey = ece.context.survey if ece is not None else None
    if not target or survey is None:
        return
    timings = survey.accounting
    edges = sorted([(t.started, 1) for t in timings] + [(t.ended, -1) for t in timings])
    in_flight = peak = 0
    for _when, step in edges:
        in_flight += step
        peak = max(peak, in_flight)
    loop = _cpu["checked"] - _cpu["collected"]
    checks = _main_cpu["checked"] - _main_cpu["collected"]
    stats = {
        "probes": len(timings),
        "probing": max(t.ended for t in timings) - min(t.started for t in timings) if timings else 0.0,
        "slowest": max((t.duration for t in timings), default=0.0),
        "in_flight_peak": peak,
        "threads": len({t.thread for t in timings}),
        "by_type": _by_type(timings),
        "cpu": {
            "collected": _cpu["collected"] - _cpu["configure"],
            "survey": loop - checks,
            "checks": checks,
            "end": _cpu["end"] - _cpu["checked"],
        },
        "checks_after_probing": _monotonic["checked"] - max((t.ended for t in timings), default=0.0),
        "results": len(ece.rows) if ece is not None else 0,
        "wall_at": _wall,  # time.time() of each phase's end, for the time before configure and after the end
    }
    Path(target).write_text(json.dumps(stats), encoding="utf-8")
