"""Hung and slow endpoints: the whole survey of the live checklist ends within about one timeout T.

Against the simulated tenant (10 mailboxes, services role), with the run's timeout T, it gathers every
observation the live checks need — network, tokens, mailbox sessions (Graph in its own column) — exactly
as a run does, and prints the wall time from the start of probing as a multiple of T:

- every answer withheld (DNS included): each chain stops at its first step;
- DNS answers, every other server silent (login, Graph, IMAP, POP3, SMTP): tokens and network probes hang;
- the login host slow (its answers arrive so that a token takes most of T), IMAP, POP3 and SMTP silent:
  each mailbox session waits for its token, then for a mail host that never answers — its deadline counts
  from when the run began waiting for it, so this costs one T, not the token's time plus T.

Run: ``python benchmarks/bench_hang.py [--timeout T]``. Loopback only. Prints a table.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from bench_checklist import EXAMPLE, LIVE_KINDS, ROLES, live_needs
from bench_simulator import many_mailboxes

from pytest_ece_o365.checks.base import CheckContext, RunOptions
from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.probes.token import TokenNeed
from pytest_ece_o365.secret import SecretSource
from pytest_ece_o365.sim.runner import start_simulator
from pytest_ece_o365.survey import Survey

SILENT = 3600.0  # an answer withheld for longer than any run


def measure(cfg: DeploymentConfig, delays: Mapping[str, float], timeout: float) -> tuple[int, float, float, str]:
    """(probes, seconds until network, tokens and sessions are in, seconds until Graph is in too, when the
    last mailbox token arrived — or "none" when none did)."""
    with start_simulator(cfg, "healthy", answer_delay=delays) as sim:
        configured = sim.configure(cfg)
        secrets = SecretSource(sim.secrets)
        context = CheckContext(configured, ROLES, RunOptions(timeout=timeout), secrets=secrets)
        core = live_needs(context, ("network", "oauth", "mailbox"))
        graph = [need for need in live_needs(context, LIVE_KINDS) if need not in set(core)]
        survey = Survey(configured, timeout, secrets=secrets)
        started = time.monotonic()
        survey.gather([*core, *graph], wait_for_all=False)
        survey.gather(core)
        core_wall = time.monotonic() - started
        survey.gather(graph)
        all_wall = time.monotonic() - started
        probes = len(survey.accounting)
        observed = survey.observations()
        tokens = [t.ended - started for t in survey.accounting if type(t.need) is TokenNeed and observed[t.need].ok]
        survey.close()
    return probes, core_wall, all_wall, f"{max(tokens) / timeout:.2f}T" if tokens else "none"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=4.0, help="the run's timeout T in seconds")
    parser.add_argument("--login-delay", type=float, default=0.25, help="seconds before each login answer")
    args = parser.parse_args(argv)
    t = args.timeout
    cfg = many_mailboxes(load_config(EXAMPLE), 10)
    servers = ("login", "graph", "imap", "pop3", "smtp")
    cases = (
        ("every answer withheld (DNS too)", dict.fromkeys(("dns", *servers), SILENT)),
        ("DNS answers; every server silent", dict.fromkeys(servers, SILENT)),
        # A token is four login answers (discovery: ServerHello, response; token: the same) plus its CPU.
        ("login slow; IMAP, POP3, SMTP silent", {"login": args.login_delay, **dict.fromkeys(servers[2:], SILENT)}),
    )
    print(f"timeout T = {t:g} s, 10 mailboxes; wall time from the start of probing, as a multiple of T")
    print(f"{'case':40} {'probes':>7} {'last token':>11} {'network+tokens+sessions':>24} {'with Graph':>11}")
    for label, delays in cases:
        probes, core, everything, token = measure(cfg, delays, t)
        print(f"{label:40} {probes:>7} {token:>11} {core / t:>23.2f}T {everything / t:>10.2f}T")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
