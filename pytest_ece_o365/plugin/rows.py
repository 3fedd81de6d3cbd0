"""A check item's report as a result row of the results file (contract §4)."""

from __future__ import annotations

import pytest

from pytest_ece_o365.plugin.collect import CheckItem
from pytest_ece_o365.redact import redact
from pytest_ece_o365.report.results import ResultRow
from pytest_ece_o365.verdict import Verdict


def result_row(item: CheckItem, report: pytest.TestReport) -> ResultRow:
    spec = item.check.spec
    verdict: Verdict | None = getattr(report, "ece_verdict", None)
    if verdict is None:
        verdict = _verdict_without_check(report)
    return ResultRow(
        check=spec.id,
        target=item.target.label,
        status=verdict.status,
        section=spec.section_name,
        title=spec.title,
        detail=verdict.detail,
        remediation=verdict.remediation,
        owner=verdict.owner,
        setting=verdict.setting,
        evidence=verdict.evidence,
        nodeid=report.nodeid,
        duration_s=report.duration,
        cause=verdict.cause,
        blocked_by=verdict.blocked_by,
        doc=verdict.doc,
    )


def _verdict_without_check(report: pytest.TestReport) -> Verdict:
    """A result the check itself did not give: a skip from outside, or a crash of the check."""
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return Verdict("skipped", reason.removeprefix("Skipped: "))
    crash = redact(report.longreprtext.strip().splitlines()[-1] if report.longreprtext else "unknown error")
    return Verdict(
        "failed",
        f"The check itself crashed: {crash}",
        "This is a bug in pytest-ece-o365, not a finding about the deployment: report it with the "
        "terminal output (which holds no secrets).",
        "ece-admin",
    )
