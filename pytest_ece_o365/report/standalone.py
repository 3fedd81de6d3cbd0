"""A report page of its own (not pytest-html's): ``ece-o365 report`` and ``ece-o365 merge`` write one.

The page holds the report's section (report.summary, with the theme's light and dark palettes) and a plain
table of every result; it needs no script and makes no external request.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from pytest_ece_o365.redact import redact
from pytest_ece_o365.report.results import ResultRow

#: The results table in the theme's colours (report.theme defines the variables, in both schemes).
PAGE_STYLE = (
    "<style>table.ece-results{border-collapse:collapse;margin:0.3em 0 1.5em;width:100%}"
    "table.ece-results th,table.ece-results td{border:1px solid var(--ece-border);padding:4px 8px;"
    "text-align:left;vertical-align:top;overflow-wrap:break-word}"
    # Status and who acts never break inside a word; the check id and target only when they must; the
    # detail takes what is left (anywhere: a long URL must not widen the page).
    "table.ece-results td:nth-child(3),table.ece-results td:nth-child(4){white-space:nowrap}"
    "table.ece-results td:nth-child(5){overflow-wrap:anywhere}"
    "table.ece-results th:nth-child(1){width:20%}table.ece-results th:nth-child(2){width:17%}"
    "table.ece-results th:nth-child(5){width:50%}"
    "table.ece-results th{background:var(--ece-card-bg)}</style>"
)


def e(value: object) -> str:
    return escape(redact(str(value)), quote=True)


def page(title: str, body: Iterable[str]) -> str:
    """The whole document; ``title`` is plain text, ``body`` HTML."""
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{e(title)}</title>"
        f"{PAGE_STYLE}</head><body>{''.join(body)}</body></html>\n"
    )


def results_table(rows: Iterable[ResultRow]) -> str:
    """Every result: check and title, target, status as a word, who acts, what was seen."""
    cells = [
        f"<tr class='ece-{e(row.status)}'><td>{e(row.check)}<br><small>{e(row.title)}</small></td>"
        f"<td>{e(row.target)}</td><td><span class='ece-badge ece-s-{e(row.status)}'>{e(row.status)}</span></td>"
        f"<td>{e(row.owner or '')}</td><td>{e(row.detail)}</td></tr>"
        for row in rows
    ]
    return (
        "<table class='ece-results'><tr><th>Check</th><th>Target</th><th>Status</th><th>Who acts</th>"
        f"<th>Detail</th></tr>{''.join(cells)}</table>"
    )
