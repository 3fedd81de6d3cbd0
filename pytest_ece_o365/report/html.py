"""pytest-html hooks: title, the findings summary on top, a status and owner column, evidence extras.

Registered only when pytest-html is active, so a run without it never sees these hook names.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from pytest_ece_o365.plugin.collect import CheckItem, format_verdict
from pytest_ece_o365.redact import redact
from pytest_ece_o365.report.summary import report_title, summary_html
from pytest_ece_o365.verdict import Verdict

if TYPE_CHECKING:
    from pytest_ece_o365.config.deployment import DeploymentConfig
    from pytest_ece_o365.report.results import ResultRow, RunInfo


class ReportedRun(Protocol):
    """What the report needs of the run (:class:`~pytest_ece_o365.plugin.session.EceSession`)."""

    @property
    def deployment(self) -> DeploymentConfig: ...

    @property
    def info(self) -> RunInfo: ...

    @property
    def rows(self) -> list[ResultRow]: ...


class HtmlSummary:
    def __init__(self, session: ReportedRun) -> None:
        self.session = session

    def pytest_html_report_title(self, report: Any) -> None:
        report.title = report_title(self.session.deployment.name)

    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str]) -> None:
        prefix.append(summary_html(self.session.deployment.name, [self.session.info], self.session.rows))

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(1, "<th>Check status</th>")
        cells.insert(2, "<th>Who acts</th>")

    def pytest_html_results_table_row(self, report: Any, cells: list[str]) -> None:
        verdict: Verdict | None = getattr(report, "ece_verdict", None)
        status = verdict.status if verdict is not None else report.outcome
        owner = verdict.owner if verdict is not None and verdict.owner else ""
        cells.insert(1, f'<td class="col-ecestatus">{escape(status)}</td>')
        cells.insert(2, f'<td class="col-eceowner">{escape(owner)}</td>')

    def pytest_html_results_table_html(self, report: Any, data: list[str]) -> None:
        """The row's log: the finding (what was seen, what to do, who acts) instead of a traceback."""
        verdict: Verdict | None = getattr(report, "ece_verdict", None)
        if verdict is None:
            return
        if report.longreprtext and data:
            del data[0]  # pytest-html's rendering of the failure or skip: the finding replaces it
        data[:] = [entry for entry in data if entry != "No log output captured."]
        data.insert(0, escape(format_verdict(verdict, with_evidence=False)) + "\n")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        verdict = item.verdict if isinstance(item, CheckItem) and call.when == "call" else None
        if verdict is not None and verdict.evidence:
            from pytest_html import extras

            evidence = escape(redact("\n".join(verdict.evidence)))
            report.extras = [*getattr(report, "extras", []), extras.html(f"<pre>Evidence:\n{evidence}</pre>")]
        return report
