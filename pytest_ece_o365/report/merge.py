"""``ece-o365 merge``: one report for a whole deployment from the per-server results files (§4).

Each ECE server runs the checks for its own role(s) and writes ``--ece-json``; this reads those files,
validates them, and writes one self-contained HTML page (the findings summary with a Host column, then
every host's full results) and, optionally, one JSON document:

``{"schema": "pytest-ece-o365/merged/1", "generated": ..., "tool": {...},
"deployment": {"name": ..., "other_names": [...]}, "hosts": [{"host", "label", "roles", "file",
"summary"}, ...], "summary": {<status>: count over every input}, "failed": bool,
"findings": [<each finding once over every host: check, status, cause, owner, title, doc, targets (each with
the hosts it was seen from), hosts, detail, remediation, evidence (capped), evidence_cut, blocked>],
"runs": [<each input document as read>]}``

Exit code: 1 when any input holds a failed result, else 0 — CI can gate on the merged view.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path
from typing import Any

from pytest_ece_o365 import __version__
from pytest_ece_o365.redact import redact
from pytest_ece_o365.report.chain import group_findings
from pytest_ece_o365.report.finding_html import capped_evidence, evidence_budget, seen_from
from pytest_ece_o365.report.results import ResultRow, RunInfo, summarize
from pytest_ece_o365.report.results_file import ResultsFileError, read_results
from pytest_ece_o365.report.standalone import page, results_table
from pytest_ece_o365.report.summary import report_title, simulated_banner, summary_html

MERGED_SCHEMA = "pytest-ece-o365/merged/1"


@dataclass(frozen=True)
class Run:
    """One results file: its document as read, and the rows and run info the report needs."""

    path: Path
    document: dict[str, Any]
    info: RunInfo
    rows: list[ResultRow]
    label: str  # the host as shown: its name, plus the file name when two files name the same host


# --- Reading ----------------------------------------------------------------------------------------


class MergeInputError(ValueError):
    """A results file that cannot be merged; the message names the file and what is wrong."""


def read_run(path: Path) -> Run:
    """Read one results file with the bounded reader (report.results_file); :class:`MergeInputError`
    naming the file and what is wrong. An interrupted run is refused: the checks it did not reach would
    count as clean in the deployment's view."""
    try:
        read = read_results(path)
    except ResultsFileError as exc:
        raise MergeInputError(str(exc)) from None
    if read.interrupted:
        raise MergeInputError(
            f"{path}: the run was interrupted before every check ran: run it again on {read.info.host} to merge it"
        )
    return Run(path, read.document, read.info, read.rows, read.info.host)


def label_hosts(runs: list[Run]) -> list[Run]:
    """Label each run by its host; when two files name the same host (a rerun), add the file name."""
    counts = Counter(run.info.host.casefold() for run in runs)
    return [
        Run(run.path, run.document, run.info, run.rows, f"{run.info.host} ({run.path.name})")
        if counts[run.info.host.casefold()] > 1
        else run
        for run in runs
    ]


# --- Writing ----------------------------------------------------------------------------------------


def deployment_names(runs: list[Run]) -> tuple[str, list[str]]:
    """The first file's deployment name, and the other names files disagree with it on."""
    first = runs[0].info.deployment
    others: list[str] = []
    for run in runs[1:]:
        if run.info.deployment != first and run.info.deployment not in others:
            others.append(run.info.deployment)
    return first, others


def merged_html(runs: list[Run]) -> str:
    """The self-contained page: title, inputs, summary with a Host column, each host's full results."""
    name, others = deployment_names(runs)
    title = _e(report_title(name))
    rows = [row for run in runs for row in run.rows]
    hosts = {id(row): run.label for run in runs for row in run.rows}
    infos = [replace(run.info, host=run.label) for run in runs]  # the deployment table tells reruns apart
    inputs = ", ".join(f"{_e(run.path.name)} ({_e(run.label)})" for run in runs)
    note = ""
    if others:
        note = (
            "<p class='ece-note'>The files do not agree on the deployment name: also "
            f"{', '.join(_e(other) for other in others)}. Check that they belong to one deployment.</p>"
        )
    scenarios = ", ".join(dict.fromkeys(run.info.simulated for run in runs if run.info.simulated))
    parts = [
        simulated_banner(scenarios),  # any simulated input: the whole page says so first
        f"<h1>{title}</h1>",
        f"<p>Merged from {len(runs)} results file(s): {inputs}.</p>{note}",
        summary_html(name, infos, rows, with_host=hosts),
        "<h2>Results per host</h2>",
    ]
    parts.extend(_host_table(run) for run in runs)
    return page(report_title(name), parts)


def _host_table(run: Run) -> str:
    counts = ", ".join(f"{count} {status}" for status, count in summarize(run.rows).items() if count)
    header = (
        f"<h3>{_e(run.label)} — {_e(', '.join(run.info.roles) or 'no role')}</h3>"
        f"<p>{_e(counts or 'no results')}; written {_e(run.info.generated_text)}.</p>"
    )
    return header + results_table(run.rows)


def merged_document(runs: list[Run]) -> dict[str, Any]:
    """The ``pytest-ece-o365/merged/1`` document (see the module docstring)."""
    name, others = deployment_names(runs)
    rows = [row for run in runs for row in run.rows]
    return {
        "schema": MERGED_SCHEMA,
        "generated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool": {"name": "pytest-ece-o365", "version": __version__},
        "deployment": {"name": name, "other_names": others},
        "hosts": [
            {
                "host": run.info.host,
                "label": run.label,
                "roles": list(run.info.roles),
                "file": str(run.path),
                "summary": summarize(run.rows),
            }
            for run in runs
        ],
        "summary": summarize(rows),
        "failed": any(row.status == "failed" for row in rows),
        "findings": merged_findings(runs),
        "runs": [run.document for run in runs],
    }


def merged_findings(runs: list[Run]) -> list[dict[str, Any]]:
    """Each finding once over every host (a tenant-wide cause seen from three servers is one entry), along the
    dependency chain: its targets, the hosts it was seen from, what was seen and what to do (the first
    host's wording), and its evidence capped as in the report."""
    hosts = {id(row): run.label for run in runs for row in run.rows}
    findings, _ = group_findings([row for run in runs for row in run.rows])
    entries = []
    for finding in findings:
        first = finding.first
        seen = seen_from(finding, hosts)
        evidence, cut = capped_evidence(finding.rows, hosts, evidence_budget(len(findings)))
        entries.append({
            "check": first.check, "status": first.status, "cause": first.cause, "owner": first.owner,
            "title": first.title, "doc": first.doc,
            "targets": [{"target": redact(target), "hosts": hosts_of} for target, hosts_of in seen],
            "hosts": list(dict.fromkeys(host for _, hosts_of in seen for host in hosts_of)),
            "detail": redact(first.detail), "remediation": redact(first.remediation),
            "evidence": evidence, "evidence_cut": cut,
            "blocked": [{"check": row.check, "target": redact(row.target), "host": hosts[id(row)]}
                        for row in finding.blocked],
        })  # fmt: skip
    return entries


def _e(value: object) -> str:
    return escape(redact(str(value)), quote=True)
