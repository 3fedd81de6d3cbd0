"""pytest-html hooks: title, our report above pytest-html's table, status words, evidence extras.

Registered only when pytest-html is active, so a run without it never sees these hook names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from pytest_ece_o365.plugin.collect import CheckItem, format_verdict
from pytest_ece_o365.plugin.waivers import waiver_entry
from pytest_ece_o365.report import page
from pytest_ece_o365.report.finding_html import capped_evidence
from pytest_ece_o365.report.results import ResultRow
from pytest_ece_o365.report.summary import report_title, simulated_banner, summary_html, unused_waivers_html
from pytest_ece_o365.verdict import Verdict

if TYPE_CHECKING:
    from pytest_ece_o365.config.deployment import DeploymentConfig, Waiver
    from pytest_ece_o365.report.results import RunInfo

#: Statuses pytest records as "passed" that are not passes (contract §5: not "passed" in pytest-html).
NOT_PASSED = ("advisory", "waived")
#: Captured output kept per pytest-html row (with the capped evidence, 50 rows stay far below 1 MB).
LOG_MAX_CHARS = 3000


class ReportedRun(Protocol):
    """What the report needs of the run (:class:`~pytest_ece_o365.plugin.session.EceSession`)."""

    @property
    def deployment(self) -> DeploymentConfig: ...

    @property
    def info(self) -> RunInfo: ...

    @property
    def rows(self) -> list[ResultRow]: ...

    def unused_waivers(self) -> list[Waiver]: ...


class HtmlSummary:
    def __init__(self, session: ReportedRun) -> None:
        self.session = session
        self.patch_filters = page.pytest_html_filters_patchable()

    def head_html(self) -> str:
        """What comes before the verdict: the simulated banner first, then the title."""
        title = escape(report_title(self.session.deployment.name))
        return f"{simulated_banner(self.session.info.simulated)}<h1 id='ece-title'>{title}</h1>"

    def pytest_html_report_title(self, report: Any) -> None:
        report.title = report_title(self.session.deployment.name)

    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str]) -> None:
        section = summary_html(self.session.deployment.name, [self.session.info], self.session.rows)
        section += unused_waivers_html([waiver_entry(waiver) for waiver in self.session.unused_waivers()])
        prefix.append(page.marked(section))

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(1, "<th>Check status</th>")
        cells.insert(2, "<th>Who acts</th>")

    def pytest_html_results_table_row(self, report: Any, cells: list[str]) -> None:
        verdict: Verdict | None = getattr(report, "ece_verdict", None)
        status = verdict.status if verdict is not None else report.outcome
        owner = verdict.owner if verdict is not None and verdict.owner else ""
        if status in NOT_PASSED and self.patch_filters and cells and "col-result" in cells[0]:
            cells[0] = f'<td class="col-result">{status.capitalize()}</td>'
        cells.insert(1, f'<td class="col-ecestatus">{escape(status)}</td>')
        cells.insert(2, f'<td class="col-eceowner">{escape(owner)}</td>')

    def pytest_html_results_table_html(self, report: Any, data: list[str]) -> None:
        """The row's log: the finding (what was seen, what to do, who acts) instead of a traceback."""
        verdict: Verdict | None = getattr(report, "ece_verdict", None)
        if verdict is None:
            return
        if report.longreprtext and data:
            del data[0]  # pytest-html's rendering of the failure or skip: the finding replaces it
        data[:] = [capped_log(entry) for entry in data if entry != "No log output captured."]
        data.insert(0, escape(format_verdict(verdict, with_evidence=False)) + "\n")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        verdict = item.verdict if isinstance(item, CheckItem) and call.when == "call" else None
        if verdict is not None and verdict.evidence:
            from pytest_html import extras

            row = ResultRow("", "", verdict.status, "", "", "", evidence=verdict.evidence)
            shown, cut = capped_evidence([row], None)  # redacted; capped like the findings' evidence
            note = f"\n[{cut} more line(s) in the results file]" if cut else ""
            evidence = escape("\n".join(shown) + note)
            report.extras = [*getattr(report, "extras", []), extras.html(f"<pre>Evidence:\n{evidence}</pre>")]
        return report

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Iterator[None]:
        self._count_not_passed(session.config)
        result = yield  # pytest-html (trylast) writes its page inside
        html_path = session.config.getoption("htmlpath", None)
        if html_path:
            # The path as pytest-html resolves it (basereport.BaseReport.__init__).
            page.rewrite(Path.cwd() / Path(os.path.expandvars(html_path)).expanduser(), self.head_html())
        return result

    def _count_not_passed(self, config: pytest.Config) -> None:
        """pytest-html counts an advisory as "Passed": move those to counts of their own."""
        if not self.patch_filters:
            return
        outcomes = _pytest_html_outcomes(config)
        if outcomes is None or "passed" not in outcomes:
            return
        for status in NOT_PASSED:
            count = sum(1 for row in self.session.rows if row.status == status)
            outcomes["passed"]["value"] = max(0, outcomes["passed"]["value"] - count)
            outcomes[status] = {"label": status.capitalize(), "value": count}


def capped_log(entry: str) -> str:
    """A row's captured output (already escaped), cut to :data:`LOG_MAX_CHARS`: a DEBUG log must not push the
    page past its 1 MB cap (contract §5); the terminal run (``-rA``) shows it whole."""
    if len(entry) <= LOG_MAX_CHARS:
        return entry
    cut = entry[:LOG_MAX_CHARS].rsplit("\n", 1)[0]  # whole lines: never half an HTML entity
    return f"{cut}\n[{len(entry) - len(cut)} more characters of captured output cut to keep the report small]\n"


def _pytest_html_outcomes(config: pytest.Config) -> dict[str, dict[str, Any]] | None:
    """pytest-html's count per outcome (ReportData.outcomes of its registered report object)."""
    for plugin in config.pluginmanager.get_plugins():
        data = getattr(plugin, "_report", None)
        outcomes = getattr(data, "outcomes", None)
        if type(plugin).__module__.startswith("pytest_html") and isinstance(outcomes, dict):
            return outcomes
    return None
