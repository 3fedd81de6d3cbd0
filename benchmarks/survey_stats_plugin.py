"""A pytest plugin for the benchmarks (``-p survey_stats_plugin``): at the end of a checklist run it writes
the survey's accounting to the JSON file named by ``ECE_BENCH_STATS`` — probes, the probing span (first
probe start to last probe end), the slowest probe and the most probes in flight at once."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pytest_ece_o365.survey import ProbeTiming


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
def pytest_sessionfinish(session: pytest.Session) -> None:
    from pytest_ece_o365.plugin.session import SESSION_KEY

    target = os.environ.get("ECE_BENCH_STATS")
    ece = session.config.stash.get(SESSION_KEY, None)
    survey = ece.context.survey if ece is not None else None
    if not target or survey is None:
        return
    timings = survey.accounting
    edges = sorted([(t.started, 1) for t in timings] + [(t.ended, -1) for t in timings])
    in_flight = peak = 0
    for _when, step in edges:
        in_flight += step
        peak = max(peak, in_flight)
    stats = {
        "probes": len(timings),
        "probing": max(t.ended for t in timings) - min(t.started for t in timings) if timings else 0.0,
        "slowest": max((t.duration for t in timings), default=0.0),
        "in_flight_peak": peak,
        "threads": len({t.thread for t in timings}),
        "by_type": _by_type(timings),
    }
    Path(target).write_text(json.dumps(stats), encoding="utf-8")
