"""What the HTML report needs of the run's verdict (contract §4 ``verdict``): the word, and the checks that
could not be judged grouped by reason.

The verdict is decided in :mod:`pytest_ece_o365.report.outcome` (owned by the JSON/terminal side); this
module only adapts it to the report's needs, so that one definition serves every output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pytest_ece_o365.report.results import ResultRow


@dataclass(frozen=True)
class RunOutcome:
    verdict: str  # PASS | FAIL | INCOMPLETE
    unjudged: list[tuple[str, list[ResultRow]]] = field(default_factory=list)  # reason -> rows


def run_outcome(rows: list[ResultRow], *, strict: bool = False) -> RunOutcome:
    try:
        from pytest_ece_o365.report import outcome  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # until report/outcome.py is committed
        return _interim(rows, strict)
    return RunOutcome(outcome.run_verdict(rows, strict=strict), outcome.unjudged_reasons(rows))


_OPT_IN = frozenset({"mailbox.send_test"})


def _interim(rows: list[ResultRow], strict: bool) -> RunOutcome:
    """Stand-in for report/outcome.py while it is being written (removed when it lands)."""
    groups: dict[str, list[ResultRow]] = {}
    for row in rows:
        if row.status == "skipped" and row.check not in _OPT_IN:
            reason = f"blocked by {row.blocked_by[0]} for {row.blocked_by[1]}" if row.blocked_by else row.detail
            groups.setdefault(reason, []).append(row)
    statuses = {row.status for row in rows}
    if "failed" in statuses or (strict and "advisory" in statuses):
        verdict = "FAIL"
    elif groups or not rows:
        verdict = "INCOMPLETE"
    else:
        verdict = "PASS"
    return RunOutcome(verdict, list(groups.items()))
