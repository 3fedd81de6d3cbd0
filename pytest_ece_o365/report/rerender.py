"""``ece-o365 report``: the report of a results file, rendered again without probing (contract §1).

The same report the run writes (report.summary: verdict, what could not be judged, the findings along the
dependency chain with their fix, documentation link and evidence, provenance, case note), with this
version's ordering and wording of the report itself; what was seen and what to do are the run's own
(their values were filled in from its observations, which the file does not hold). Then every result in a
plain table. An interrupted run is shown, with a note that it is partial; ``--ece-compare`` adds what
changed since another results file.
"""

from __future__ import annotations

from dataclasses import replace

from pytest_ece_o365.report.results_file import ResultsFile
from pytest_ece_o365.report.standalone import e, page, results_table
from pytest_ece_o365.report.summary import report_title, simulated_banner, summary_html, unused_waivers_html


def interrupted_note(read: ResultsFile) -> str:
    if not read.interrupted:
        return ""
    return (
        "<p class='ece-banner' role='note'>INTERRUPTED RUN: the run was stopped before every check had run. "
        "The results below are partial: a check it did not reach is not known to pass.</p>"
    )


def rerendered_html(read: ResultsFile, previous: tuple[ResultsFile, str] | None = None) -> str:
    """The page for ``read``; ``previous`` is the file ``--ece-compare`` names, with its name as given."""
    info = read.info
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
            interrupted_note(read),
            f"<h1 id='ece-title'>{e(report_title(name))}</h1>",
            origin,
            summary_html(name, [info], read.rows),
            unused_waivers_html(read.unused_waivers),
            f"<h2>Every result ({len(read.rows)})</h2>",
            results_table(read.rows),
        ],
    )
