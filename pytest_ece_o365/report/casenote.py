"""The case note (contract §5.5): a plain-text digest of at most 25 lines, ready to paste into a support case.

Verdict, counts, what could not be judged, the failing ids with who acts and their targets, versions and
the report's provenance. The terminal run ends with it; the HTML report embeds it (without its own
SHA-256, which only exists once the file is written).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pytest_ece_o365.redact import redact
from pytest_ece_o365.report.compare import compare, comparison_line
from pytest_ece_o365.report.outcome import run_verdict, unjudged_summary
from pytest_ece_o365.report.results import ResultRow, RunInfo, summarize

MAX_LINES = 25
# A finding line names at most this many targets; the rest are counted ("+18 more").
_TARGETS_SHOWN = 3


@dataclass(frozen=True)
class ReportFile:
    """The HTML report the note goes with: its path as given and the SHA-256 of its bytes."""

    path: str
    sha256: str


def case_note(
    info: RunInfo, rows: Sequence[ResultRow], *, report: ReportFile | None = None, strict: bool | None = None
) -> str:
    return "\n".join(case_note_lines(info, rows, report=report, strict=strict))


def case_note_lines(
    info: RunInfo, rows: Sequence[ResultRow], *, report: ReportFile | None = None, strict: bool | None = None
) -> list[str]:
    """The note's lines (never more than :data:`MAX_LINES`), redacted."""
    strict = info.strict if strict is None else strict
    head = _head(info, rows, strict)
    tail = _provenance(info, report)
    room = MAX_LINES - len(head) - len(tail)
    return [redact(line) for line in head + _findings(rows, room) + tail]


def _head(info: RunInfo, rows: Sequence[ResultRow], strict: bool) -> list[str]:
    verdict = run_verdict(rows, strict=strict, interrupted=info.interrupted)
    simulated = f" (SIMULATED tenant, scenario {info.simulated})" if info.simulated else ""
    simulated += " - INTERRUPTED (Ctrl-C): the checks not run are listed as skipped" if info.interrupted else ""
    counts = summarize(list(rows))
    lines = [
        f"ECE <-> Office 365 OAuth check: {verdict}{simulated}",
        f"Deployment {info.deployment}: ECE {info.ece_version} ({', '.join(info.engineering_specials) or 'no ES'}), "
        f"tenant {info.tenant}",
        "Results: "
        + ", ".join(f"{count} {status}" for status, count in counts.items())
        + ("" if rows else " (the run executed no check)"),
    ]
    unjudged = unjudged_summary(rows)
    if unjudged:
        lines.append(unjudged.capitalize())
    if info.previous is not None:  # --ece-compare
        lines.append(comparison_line(compare(info.previous, rows)))
    return lines


def _findings(rows: Sequence[ResultRow], room: int) -> list[str]:
    """One line per (status, check, cause): who acts and the targets it hits; cut to ``room`` lines."""
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    order = ("failed", "advisory", "waived")
    for row in sorted((row for row in rows if row.status in order), key=lambda row: order.index(row.status)):
        key = (row.status, row.check, row.cause, row.owner or "")
        groups.setdefault(key, []).append(row.target)
    lines = [_finding_line(key, targets) for key, targets in groups.items()]
    if len(lines) <= room:
        return lines
    shown = max(room - 1, 0)
    return [*lines[:shown], f"... and {len(lines) - shown} more finding(s): see the report"]


def _finding_line(key: tuple[str, str, str, str], targets: list[str]) -> str:
    """ "  FAILED mailbox.inbound [a@x, b@x +2 more]; who acts: exchange-admin; cause: imap-not-connected"."""
    status, check, cause, owner = key
    named = [target for target in targets if target]
    where = ", ".join(named[:_TARGETS_SHOWN])
    if len(named) > _TARGETS_SHOWN:
        where += f" +{len(named) - _TARGETS_SHOWN} more"
    line = f"  {status.upper()} {check}" + (f" [{where}]" if where else "") + f"; who acts: {owner or 'unknown'}"
    return line + (f"; cause: {cause}" if cause else "")


def _provenance(info: RunInfo, report: ReportFile | None) -> list[str]:
    lines = [
        f"Tool pytest-ece-o365 {info.tool_version}; knowledge tables dated {info.knowledge_date or 'not recorded'}",
        f"Host {info.host}; roles {', '.join(info.roles) or 'none'}; generated {info.generated_text} (UTC)",
        f"Config SHA-256 {info.config_sha256 or 'not recorded'}",
    ]
    if report is not None:
        lines.append(f"Report {report.path} SHA-256 {report.sha256}")
    return lines
