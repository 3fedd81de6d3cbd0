"""The survey's concurrency: a thread per ready need, capped by the open-file budget (survey/budget.py).

Each scenario runs in a fresh interpreter, because it lowers the process's open-file limit."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_NOFILE is POSIX")

HOLD_SOCKETS = """
import resource, socket, threading
from dataclasses import dataclass
from pathlib import Path
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.survey import Survey
from pytest_ece_o365.survey.budget import probe_cap

EXAMPLE = Path("pytest_ece_o365/example_config.toml")
held = threading.Barrier(8)  # at least 8 needs hold their sockets at the same time


@dataclass(frozen=True)
class SocketNeed:
    index: int

    def observe(self, env):
        # Two descriptors held at once, as a probe with its connection and a reading one.
        a, b = socket.socketpair()
        try:
            try:
                held.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass
            return self.index
        finally:
            a.close()
            b.close()

"""


def run(script: str) -> str:
    code = HOLD_SOCKETS + textwrap.dedent(script)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_a_low_limit_that_cannot_be_raised_caps_the_probes_and_no_probe_runs_out_of_descriptors() -> None:
    out = run(
        """
        resource.setrlimit(resource.RLIMIT_NOFILE, (160, 160))
        cap = probe_cap()
        with Survey(load_config(EXAMPLE), 5.0) as survey:
            needs = [SocketNeed(i) for i in range(300)]
            survey.gather(needs)  # an EMFILE in a probe would re-raise here
            values = sorted(survey.get(need) for need in needs)
        print(cap, values == list(range(300)), resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        """
    )
    cap, all_observed, soft = out.split()
    assert 8 <= int(cap) < 160 // 3
    assert all_observed == "True"
    assert soft == "160"


def test_a_low_soft_limit_is_raised_toward_the_hard_one_for_a_thread_per_need() -> None:
    out = run(
        """
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < 4096:
            print("skip")
        else:
            resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
            cap = probe_cap()
            print(cap, resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= 3 * cap)
        """
    )
    if out.strip() == "skip":
        pytest.skip("the hard open-file limit here is below 4096")
    cap, raised = out.split()
    assert cap == "1024"
    assert raised == "True"


def test_the_cap_never_exceeds_what_is_asked_or_falls_below_the_minimum() -> None:
    out = run(
        """
        resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))
        print(probe_cap(), probe_cap(3))
        """
    )
    assert out.split() == ["8", "8"]
