"""The findings summary as HTML: deployment, counts per status, findings grouped by section.

Shared by the pytest-html report of a run and by ``ece-o365 merge``. Every value is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from itertools import groupby

from pytest_ece_o365.catalog import CHECKS
from pytest_ece_o365.redact import redact
from pytest_ece_o365.report.results import ResultRow, RunInfo, summarize
from pytest_ece_o365.report.terminal import findings

FINDING_STATUSES = frozenset({"failed", "advisory", "waived"})

STYLE = """<style>
.ece-summary { font-family: Helvetica, Arial, sans-serif; margin-bottom: 1.5em; }
.ece-summary table { border-collapse: collapse; margin: 0.3em 0 1em; }
.ece-summary th, .ece-summary td { border: 1px solid #ccc; padding: 4px 8px; text-align: left;
  vertical-align: top; }
.ece-summary th { background: #f2f2f2; }
.ece-counts span { display: inline-block; margin-right: 1em; padding: 2px 8px; border-radius: 3px; }
.ece-failed { background: #f8d7da; } .ece-advisory, .ece-waived { background: #fff3cd; }
.ece-passed { background: #d4edda; } .ece-skipped { background: #e2e3e5; }
.ece-findings td.ece-owner { white-space: nowrap; font-weight: bold; }
</style>"""


def _e(value: object) -> str:
    return escape(redact(str(value)), quote=True)


def deployment_table(infos: Iterable[RunInfo]) -> str:
    rows = []
    for info in infos:
        specials = ", ".join(info.engineering_specials) or "none"
        rows.append(
            f"<tr><td>{_e(info.host)}</td><td>{_e(', '.join(info.roles))}</td>"
            f"<td>{_e(info.ece_version)}</td><td>{_e(specials)}</td><td>{_e(info.tenant)}</td>"
            f"<td>{_e(info.generated_text)}</td></tr>"
        )
    header = (
        "<tr><th>Host</th><th>Roles</th><th>ECE version</th><th>Engineering Specials</th>"
        "<th>Tenant</th><th>Time (UTC)</th></tr>"
    )
    return f"<table class='ece-deployment'>{header}{''.join(rows)}</table>"


def counts_line(rows: list[ResultRow]) -> str:
    counts = summarize(rows)
    spans = [f"<span class='ece-{status}'>{count} {status}</span>" for status, count in counts.items()]
    return f"<p class='ece-counts'>{''.join(spans)}</p>"


def ordered_findings(rows: list[ResultRow]) -> list[ResultRow]:
    """:func:`~pytest_ece_o365.report.terminal.findings`, also for check ids this version does not know
    (``ece-o365 merge`` reads files other versions wrote): those come last, by section and id."""
    known = [row for row in rows if row.check in CHECKS]
    unknown = [row for row in rows if row.check not in CHECKS and row.status in FINDING_STATUSES]
    return findings(known) + sorted(unknown, key=lambda row: (row.section, row.check))


def findings_tables(rows: list[ResultRow], *, with_host: dict[int, str] | None = None) -> str:
    found = ordered_findings(rows)
    if not found:
        return "<p>No findings: every selected check passed or was skipped with its reason.</p>"
    parts = []
    host_header = "<th>Host</th>" if with_host else ""
    for section, group in groupby(found, key=lambda row: row.section):
        parts.append(f"<h3>{_e(section)}</h3><table class='ece-findings'>")
        parts.append(
            f"<tr><th>Status</th>{host_header}<th>Check</th><th>Target</th><th>What was seen</th>"
            "<th>What to do</th><th>Who acts</th><th>ECE setting</th></tr>"
        )
        for row in group:
            host_cell = f"<td>{_e(with_host.get(id(row), ''))}</td>" if with_host else ""
            parts.append(
                f"<tr class='ece-{row.status}'><td>{_e(row.status.upper())}</td>{host_cell}"
                f"<td>{_e(row.check)}</td><td>{_e(row.target)}</td><td>{_e(row.detail)}</td>"
                f"<td>{_e(row.remediation)}</td><td class='ece-owner'>{_e(row.owner or '')}</td>"
                f"<td>{_e(row.setting or '')}</td></tr>"
            )
        parts.append("</table>")
    return "".join(parts)


def summary_html(deployment_name: str, infos: list[RunInfo], rows: list[ResultRow], **kwargs: object) -> str:
    return (
        f"{STYLE}<section class='ece-summary'><h2>Deployment: {_e(deployment_name)}</h2>"
        f"{deployment_table(infos)}<h2>Results</h2>{counts_line(rows)}"
        f"<h2>Findings by checklist section</h2>{findings_tables(rows, **kwargs)}</section>"  # type: ignore[arg-type]
    )


def report_title(deployment_name: str) -> str:
    return f"ECE ↔ Office 365 OAuth check — {deployment_name}"
