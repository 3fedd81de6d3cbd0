"""``ece-o365``: what is not a test run (contract §1).

``login`` generates a mailbox's refresh token (:mod:`pytest_ece_o365.cli.login`), ``merge`` makes one report
from the per-server results files (:mod:`pytest_ece_o365.report.merge`), ``sim`` runs the simulated
tenant in the foreground. ``report``, ``monitor`` and ``bundle`` live wholly in their own modules
(:data:`MODULE_COMMANDS`): each defines ``HELP``, ``DESCRIPTION``, ``add_arguments(parser)`` and ``run(args)``,
and imports only the standard library at its top, so that building the parser stays cheap.
The commands' logic lives in those modules, imported only when used.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from pytest_ece_o365 import __version__
from pytest_ece_o365.cli.errors import INTERNAL_ERROR, INTERRUPTED, USAGE_ERROR, CommandError, UsageError
from pytest_ece_o365.config.loader import ConfigError, load_config

__all__ = ["INTERNAL_ERROR", "INTERRUPTED", "USAGE_ERROR", "CommandError", "UsageError", "main"]

MONITOR_USAGE_ERROR = 3  # Nagios UNKNOWN

# Commands that live wholly in one module each (name -> module), in the order ``--help`` lists them.
MODULE_COMMANDS = {
    "report": "pytest_ece_o365.cli.report_cmd",
    "monitor": "pytest_ece_o365.cli.monitor",
    "bundle": "pytest_ece_o365.cli.bundle",
}


class _Parser(argparse.ArgumentParser):
    """argparse with the contract's exit code for a usage error: 4 (argparse's own is 2), one line after the
    usage. ``monitor`` exits 3 instead: a Nagios plugin's usage error is UNKNOWN
    (https://www.monitoring-plugins.org/doc/guidelines.html#AEN78, checked 2026-12-05)."""

    usage_exit = USAGE_ERROR

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(self.usage_exit, f"{self.prog}: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Every log record of every library this command drives is redacted (MSAL logs response bodies).
    from pytest_ece_o365 import redact_logs

    redact_logs.install()
    try:
        if args.command == "login":
            from pytest_ece_o365.cli.login import run_login

            return run_login(args)
        if args.command == "merge":
            from pytest_ece_o365.cli.merge import run_merge

            return run_merge(args)
        if args.command in MODULE_COMMANDS:
            return int(importlib.import_module(MODULE_COMMANDS[args.command]).run(args))
        return run_sim(args)
    except CommandError as exc:
        from pytest_ece_o365.redact import redact

        print(f"ece-o365: error: {redact(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\nece-o365: interrupted; nothing was written", file=sys.stderr)
        return INTERRUPTED
    except Exception as exc:
        if args.command == "sim":
            raise
        # login and merge handle every expected failure; this is a bug. One line, still redacted: the
        # login command holds a client secret and tokens, and a traceback is not where they may leak.
        from pytest_ece_o365.redact import redact

        print(f"ece-o365: internal error (please report it): {type(exc).__name__}: {redact(str(exc))}", file=sys.stderr)
        return INTERNAL_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ece-o365", description="pytest-ece-o365 tools")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    login = commands.add_parser(
        "login",
        help="generate a mailbox's refresh token the way ECE does",
        description="Print the sign-in URL for the mailbox's token account, read back the address the "
        "browser lands on, check the signed-in account and store the refresh token in a file only you "
        "can read.",
    )
    login.add_argument("config", metavar="CONFIG", help="the deployment file")
    login.add_argument("--mailbox", required=True, metavar="ADDRESS", help="the [[mailboxes]] address")
    login.add_argument(
        "--out",
        metavar="FILE",
        help="where to write the token (default: the mailbox's refresh_token file, else ./<account>.rt)",
    )
    merge = commands.add_parser(
        "merge",
        help="one report for the deployment from the per-server results files",
        description="Merge --ece-json results files into one HTML report (and one JSON document). "
        "Exit 1 when any input has a failed result.",
    )
    merge.add_argument("inputs", nargs="+", metavar="RESULTS.json", help="results files (--ece-json)")
    merge.add_argument("--html", required=True, metavar="OUT.html", help="the merged report")
    merge.add_argument("--json", metavar="OUT.json", help="the merged document (pytest-ece-o365/merged/1)")
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
    for name, module_name in MODULE_COMMANDS.items():
        module = importlib.import_module(module_name)
        sub = commands.add_parser(name, help=module.HELP, description=module.DESCRIPTION)
        if name == "monitor":
            sub.usage_exit = MONITOR_USAGE_ERROR
        module.add_arguments(sub)
    return parser


def run_sim(args: argparse.Namespace) -> int:
    from pytest_ece_o365.plugin.source import packaged_example
    from pytest_ece_o365.sim.foreground import run_foreground
    from pytest_ece_o365.sim.runner import list_scenarios
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
