"""``ece-o365 report``: the report of a results file, rendered again without probing (contract §1).

The same report the run writes (report.summary: verdict, what could not be judged, the findings along the
dependency chain with their fix, documentation link and evidence, provenance, case note), with this
version's ordering and wording of the report itself, its check titles and its documentation link for each
cause (:func:`current_rules`); what was seen and what to do are the run's own
(their values were filled in from its observations, which the file does not hold). Then every result in a
plain table. An interrupted run is shown with report.summary's INTERRUPTED banner, never as a PASS;
``--ece-compare`` adds what changed since another results file.
"""

from __future__ import annotations

from dataclasses import replace

from pytest_ece_o365.catalog import CHECKS
from pytest_ece_o365.report.results import ResultRow
from pytest_ece_o365.report.results_file import ResultsFile
from pytest_ece_o365.report.standalone import e, page, results_table
from pytest_ece_o365.report.summary import report_title, simulated_banner, summary_html, unused_waivers_html


def current_rules(rows: list[ResultRow]) -> list[ResultRow]:
    """The rows with this version's check titles and documentation links (by check id and cause id) where it
    has them: a file written before ``doc`` existed gets its links. What was seen and the fix stay the run's."""
    from pytest_ece_o365.checks import REGISTRY  # noqa: F401  (every diagnosis row, through the checks)
    from pytest_ece_o365.diagnosis import TABLE
    from pytest_ece_o365.diagnosis.causes import cause_id
    from pytest_ece_o365.diagnosis.table import doc_url

    docs: dict[str, str] = {}
    for (check, signature), row in TABLE.items():
        cause = row.cause_id or cause_id(check, signature)
        if not docs.get(cause):
            docs[cause] = doc_url(row)
    return [
        replace(
            row,
            title=CHECKS[row.check].title if row.check in CHECKS else row.title,
            doc=(docs.get(row.cause) or row.doc) if row.is_finding else row.doc,
        )
        for row in rows
    ]


def rerendered_html(read: ResultsFile, previous: tuple[ResultsFile, str] | None = None) -> str:
    """The page for ``read``; ``previous`` is the file ``--ece-compare`` names, with its name as given."""
    info = read.info
    rows = current_rules(read.rows)
    if previous is not None:
        info = replace(info, previous=previous[0].as_previous(previous[1]))
    name = info.deployment
    origin = (
        f"<p class='ece-note'>Rendered by ece-o365 report from {e(read.path.name)}, which pytest-ece-o365 "
        f"{e(info.tool_version or 'of an unknown version')} wrote at {e(info.generated_text)} (UTC).</p>"
    )
    return page(
        report_title(name),
        [
            simulated_banner(info.simulated),
            f"<h1 id='ece-title'>{e(report_title(name))}</h1>",
            origin,
            summary_html(name, [info], rows),
            unused_waivers_html(read.unused_waivers),
            f"<h2>Every result ({len(rows)})</h2>",
            results_table(rows),
        ],
    )
