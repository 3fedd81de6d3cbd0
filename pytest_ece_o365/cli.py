"""``ece-o365``: what is not a test run. ``sim`` runs the simulated tenant in the foreground."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pytest_ece_o365 import __version__
from pytest_ece_o365.config import ConfigError, load_config

USAGE_ERROR = 4  # pytest's exit code for usage errors; the CLI uses the same codes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ece-o365", description="pytest-ece-o365 tools")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sim = commands.add_parser(
        "sim",
        help="run the simulated Office 365 tenant in the foreground",
        description="Run the simulated Office 365 tenant on loopback until Ctrl-C, and print the "
        "config snippet that points a deployment file at it.",
    )
    sim.add_argument("--scenario", default="healthy", metavar="NAME", help="fault to simulate (default healthy)")
    sim.add_argument("--list", action="store_true", help="print the scenario names and what each changes")
    sim.add_argument(
        "--config",
        metavar="PATH",
        help="deployment file whose mailboxes and app the tenant holds (default: the packaged example)",
    )
    args = parser.parse_args(argv)
    try:
        return run_sim(args)
    except UsageError as exc:
        print(f"ece-o365: error: {exc}", file=sys.stderr)
        return USAGE_ERROR


class UsageError(Exception):
    pass


def run_sim(args: argparse.Namespace) -> int:
    from pytest_ece_o365.session import packaged_example
    from pytest_ece_o365.sim.runner import list_scenarios, run_foreground
    from pytest_ece_o365.sim.tenant import ScenarioError

    if args.list:
        for name, what in list_scenarios():
            print(f"{name:28} {what}")
        return 0
    path = Path(args.config) if args.config else packaged_example()
    try:
        deployment = load_config(path)
        return run_foreground(deployment, args.scenario)
    except (ConfigError, ScenarioError) as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot start the simulated tenant: {exc}") from None


if __name__ == "__main__":
    sys.exit(main())
