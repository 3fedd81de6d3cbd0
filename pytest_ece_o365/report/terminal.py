"""The findings section at the end of the terminal output."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from pytest_ece_o365.catalog import CHECKS
from pytest_ece_o365.redact import redact
from pytest_ece_o365.report.compare import compare, comparison_line
from pytest_ece_o365.report.results import ResultRow, RunInfo

_MARKUP = {"failed": {"red": True, "bold": True}, "advisory": {"yellow": True}, "waived": {"yellow": True}}


def findings(rows: list[ResultRow]) -> list[ResultRow]:
    """Failed, advisory and waived rows, in checklist order (section, then catalog order)."""
    order = {check_id: index for index, check_id in enumerate(CHECKS)}
    interesting = [row for row in rows if row.status in _MARKUP]
    return sorted(interesting, key=lambda row: (CHECKS[row.check].section, order[row.check]))


def write_findings(terminal: Any, rows: list[ResultRow]) -> None:
    found = findings(rows)
    if not found:
        return
    terminal.write_sep("=", "ECE <-> Office 365 findings")
    for section, group in groupby(found, key=lambda row: row.section):
        terminal.write_line(f"{section}:", bold=True)
        for row in group:
            target = f" [{row.target}]" if row.target else ""
            terminal.write_line(
                f"  {row.status.upper()} {row.check}{target} (who acts: {row.owner})", **_MARKUP[row.status]
            )
            terminal.write_line(f"    seen: {redact(row.detail)}")
            if row.remediation:
                terminal.write_line(f"    do:   {redact(row.remediation)}")


def write_case_note(terminal: Any, lines: list[str]) -> None:
    """The case note (report/casenote.py) as the last thing the run prints, ready to copy."""
    terminal.write_sep("=", "case note (paste into the support case)")
    for line in lines:
        terminal.write_line(line)


def write_comparison(terminal: Any, info: RunInfo, rows: list[ResultRow]) -> None:
    """``--ece-compare``: one line saying what changed since the previous run."""
    if info.previous is not None:
        terminal.write_line(f"ece-o365: {redact(comparison_line(compare(info.previous, rows)))}", bold=True)
