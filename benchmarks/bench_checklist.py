"""How the live checklist scales: the survey against the simulator with per-connection latency.

For 1, 10 and 100 mailboxes, against a simulated tenant that delays every TCP connection by 200 ms (a
distant Office 365), it gathers every observation the services server's live checks need — network,
and token and mailbox sessions where those checks exist — exactly as a run does, and prints the wall
time, the slowest single probe and their ratio. Then the same with every port hanging, as total / T.

Run: ``python benchmarks/bench_checklist.py [--quick]``. Loopback only. Prints a table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench_simulator import many_mailboxes

import pytest_ece_o365.checks  # noqa: F401  (registers every check)
from pytest_ece_o365.catalog import CATALOG
from pytest_ece_o365.checks.base import REGISTRY, CheckContext, RunOptions
from pytest_ece_o365.checks.targets import targets_for
from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.secret import SecretSource
from pytest_ece_o365.sim.runner import start_simulator
from pytest_ece_o365.survey import Survey

EXAMPLE = Path(__file__).resolve().parents[1] / "pytest_ece_o365" / "example_config.toml"
ROLES = ("services",)
LIVE_KINDS = ("network", "oauth", "mailbox", "graph")


def live_needs(context: CheckContext, kinds: tuple[str, ...] = LIVE_KINDS) -> list[object]:
    """Every need of the live checks of ``kinds`` for the services role, as the plugin gathers them."""
    needs: list[object] = []
    for spec in CATALOG:
        check = REGISTRY.get(spec.id)
        if check is None or check.needs is None or spec.kind not in kinds:
            continue
        for target in targets_for(spec, context.config):
            if set(target.roles) & set(ROLES):
                needs.extend(check.needs(context, target))
    return needs


def measure(
    cfg: DeploymentConfig, scenario: str, latency: float, timeout: float, kinds: tuple[str, ...] = LIVE_KINDS
) -> tuple[int, float, float]:
    """(number of probes, wall seconds, slowest probe seconds) of one survey."""
    with start_simulator(cfg, scenario, latency=latency) as sim:
        configured = sim.configure(cfg)
        secrets = SecretSource(sim.secrets)
        context = CheckContext(configured, ROLES, RunOptions(timeout=timeout), secrets=secrets)
        needs = live_needs(context, kinds)
        survey = Survey(configured, timeout, secrets=secrets)
        started = time.monotonic()
        survey.gather(needs)
        wall = time.monotonic() - started
        slowest = max((timing.duration for timing in survey.accounting), default=0.0)
        probes = len(survey.accounting)
        survey.close()
    return probes, wall, slowest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 and 10 mailboxes only")
    args = parser.parse_args(argv)
    base = load_config(EXAMPLE)
    sizes = (1, 10) if args.quick else (1, 10, 100)
    print(f"{'scenario':38} {'mailboxes':>9} {'probes':>7} {'wall s':>8} {'slowest s':>10} {'ratio':>7}")
    for label, kinds in (("network section", ("network",)), ("whole live checklist", LIVE_KINDS)):
        for count in sizes:
            probes, wall, slowest = measure(many_mailboxes(base, count), "healthy", 0.2, 10.0, kinds)
            ratio = wall / slowest if slowest else 0.0
            name = f"{label}, 200 ms latency"
            print(f"{name:38} {count:>9} {probes:>7} {wall:>8.2f} {slowest:>10.2f} {ratio:>7.2f}")
    timeout = 1.0
    probes, wall, _slowest = measure(many_mailboxes(base, 10), "server-hangs", 0.0, timeout)
    print(f"{'IMAP hangs, T=1 s, total/T':38} {10:>9} {probes:>7} {wall:>8.2f} {'':>10} {wall / timeout:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
