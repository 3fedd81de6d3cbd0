"""``ece-o365 report RESULTS.json --html OUT.html [--ece-compare PREVIOUS.json]``: the report of a results
file rendered again, without probing (contract §1); the case note, with the new report's SHA-256, on the
terminal. Exit 1 when the run's verdict is FAIL, 4 for a bad input (one line naming the file)."""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

HELP = "render the report of a results file again, without probing"
DESCRIPTION = (
    "Write the HTML report of a --ece-json results file with this version's report (verdict, findings along "
    "the dependency chain, fixes, documentation links, evidence, provenance, case note), and print the case "
    "note. --ece-compare adds what changed since another results file: new, still failing, fixed, not "
    "checked again. Exit 1 when the run's verdict is FAIL."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", metavar="RESULTS.json", help="a results file (pytest --ece-json)")
    parser.add_argument("--html", required=True, metavar="OUT.html", help="where to write the report")
    parser.add_argument(
        "--ece-compare",
        metavar="PREVIOUS.json",
        help="a results file of an earlier run: the report says what is new, still failing, fixed, not checked again",
    )


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from pytest_ece_o365.cli.errors import CommandError, UsageError
    from pytest_ece_o365.redact import redact
    from pytest_ece_o365.report.casenote import ReportFile, case_note_lines
    from pytest_ece_o365.report.compare import compare, comparison_line
    from pytest_ece_o365.report.outcome import run_verdict
    from pytest_ece_o365.report.rerender import rerendered_html
    from pytest_ece_o365.report.results_file import ResultsFileError, read_results

    try:
        read = read_results(Path(args.results))
        previous = (read_results(Path(args.ece_compare)), args.ece_compare) if args.ece_compare else None
    except ResultsFileError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.html)
    if out.resolve() in {read.path.resolve(), *((previous[0].path.resolve(),) if previous else ())}:
        raise UsageError(f"{out}: is an input; write the report to another file")
    # Every value was redacted as the page was built; scrub the whole page again: it goes to support cases.
    data = redact(rerendered_html(read, previous)).encode("utf-8")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
    info = read.info if previous is None else replace(read.info, previous=previous[0].as_previous(previous[1]))
    if info.previous is not None:
        print(f"ece-o365: {redact(comparison_line(compare(info.previous, read.rows)))}")
    print(f"ece-o365: report written to {out}")
    print("=" * 20 + " case note (paste into the support case) " + "=" * 20)
    for line in case_note_lines(info, read.rows, report=ReportFile(str(args.html), hashlib.sha256(data).hexdigest())):
        print(line)
    return 1 if run_verdict(read.rows, strict=info.strict, interrupted=info.interrupted) == "FAIL" else 0
