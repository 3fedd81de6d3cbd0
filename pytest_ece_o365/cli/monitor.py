"""``ece-o365 monitor RESULTS.json``: for schedulers and monitoring (contract §1; logic in
:mod:`pytest_ece_o365.report.monitor`)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

HELP = "a results file as a Nagios status line and exit code, or Prometheus metrics"
DESCRIPTION = (
    "Read a results file (pytest --ece-json) and print one Nagios-plugin status line with perfdata, exit "
    "0 OK, 1 WARNING (advisories, or a client secret or refresh token expiring within --warn-days), "
    "2 CRITICAL (a failure), 3 UNKNOWN (unreadable, older than --max-age, or incomplete); or, with "
    "--format prometheus, text-format metrics for the node exporter's textfile collector (same exit code)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", metavar="RESULTS.json", help="a results file written by pytest --ece-json")
    parser.add_argument("--format", choices=("nagios", "prometheus"), default="nagios", help="default: nagios")
    parser.add_argument(
        "--max-age", type=_hours, metavar="HOURS", help="results older than this are UNKNOWN (a run that stopped)"
    )
    parser.add_argument(
        "--warn-days", type=_days, default=30, metavar="N", help="WARNING for an expiry within N days (default 30)"
    )
    parser.add_argument(
        "--out", metavar="FILE", help="write the output to FILE atomically (e.g. the textfile collector's *.prom)"
    )


def _hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours") from None
    if not 0 < value < 1e6:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of hours above 0")
    return value


def _days(text: str) -> int:
    if not text.isdigit() or int(text) > 3650:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days from 0 to 3650")
    return int(text)


def run(args: argparse.Namespace) -> int:
    from pytest_ece_o365.cli.errors import CommandError
    from pytest_ece_o365.redact import redact
    from pytest_ece_o365.report.monitor import assess, prometheus_text

    now = dt.datetime.now(dt.timezone.utc)
    assessment = assess(Path(args.results), now=now, max_age_h=args.max_age, warn_days=args.warn_days)
    text = prometheus_text(assessment, now=now) if args.format == "prometheus" else assessment.line + "\n"
    text = redact(text)
    if args.out:
        try:
            write_atomically(Path(args.out), text)
        except OSError as exc:
            raise CommandError(f"cannot write {args.out}: {exc.strerror or exc}", 3) from None
    else:
        sys.stdout.write(text)
    return assessment.state


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename: a reader (the textfile collector, which
    reads every ``*.prom`` file) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(temp, 0o644)  # mkstemp makes it 0600; the collector runs as another user
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
