"""``ece-o365 merge``: one report for a whole deployment from the per-server results files (§4).

Each ECE server runs the checks for its own role(s) and writes ``--ece-json``; this reads those files,
validates them, and writes one self-contained HTML page (the findings summary with a Host column, then
every host's full results) and, optionally, one JSON document:

``{"schema": "pytest-ece-o365/merged/1", "generated": ..., "tool": {...},
"deployment": {"name": ..., "other_names": [...]}, "hosts": [{"host", "label", "roles", "file",
"summary"}, ...], "summary": {<status>: count over every input}, "failed": bool,
"runs": [<each input document as read>]}``

Exit code: 1 when any input holds a failed result, else 0 — CI can gate on the merged view.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path
from typing import Any

from pytest_ece_o365 import __version__
from pytest_ece_o365.files import RESULTS_LIMIT, read_bounded
from pytest_ece_o365.redact import redact
from pytest_ece_o365.report.results import SCHEMA, ResultRow, RunInfo, summarize
from pytest_ece_o365.report.summary import report_title, summary_html
from pytest_ece_o365.verdict import STATUSES

MERGED_SCHEMA = "pytest-ece-o365/merged/1"

_PAGE_STYLE = """<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #222; }
table.ece-results { border-collapse: collapse; margin: 0.3em 0 1.5em; }
table.ece-results th, table.ece-results td { border: 1px solid #ccc; padding: 4px 8px; text-align: left;
  vertical-align: top; }
table.ece-results th { background: #f2f2f2; }
.ece-note { background: #fff3cd; padding: 4px 8px; }
</style>"""


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
    """Read and validate one results file; :class:`MergeInputError` naming the file and what is wrong."""
    try:
        document = json.loads(read_bounded(path, RESULTS_LIMIT).decode("utf-8"))
    except OSError as exc:
        raise MergeInputError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MergeInputError(f"{path}: not a JSON results file ({exc})") from None
    except RecursionError:
        raise MergeInputError(f"{path}: not a results file (JSON nested hundreds of levels deep)") from None
    try:
        return _parse(path, document)
    except (KeyError, TypeError, ValueError) as exc:
        raise MergeInputError(f"{path}: {exc.args[0] if exc.args else exc}") from None


def _parse(path: Path, document: Any) -> Run:
    if not isinstance(document, dict):
        raise ValueError("not a results file (the JSON is not an object)")
    schema = document.get("schema")
    if schema != SCHEMA:
        raise ValueError(f"schema is {schema!r}, expected {SCHEMA!r} (a file written by pytest --ece-json)")
    if document.get("interrupted") is True:
        # An interrupted run's file lists unrun checks as skipped: merged, its host would look judged.
        raise ValueError("the run was interrupted (Ctrl-C) before every check ran: run it again, then merge")
    deployment = _field(document, "deployment", dict, "deployment")
    specials = _strings(deployment.get("engineering_specials", []), "deployment.engineering_specials")
    info = RunInfo(
        host=_field(document, "host", str, "host") or path.stem,
        roles=tuple(_strings(document.get("roles", []), "roles")),
        deployment=_field(deployment, "name", str, "deployment.name"),
        ece_version=str(deployment.get("ece_version", "")),
        engineering_specials=tuple(specials),
        tenant=str(deployment.get("tenant", "")),
        generated=_time(document.get("generated")),
        **_provenance(document),
    )  # fmt: skip
    results = _field(document, "results", list, "results")
    if not results:
        # A run that executed no check (everything deselected, xdist workers) judged nothing: merging it
        # would count its host as clean.
        raise ValueError("the run executed no check (no results): it judged nothing, so it cannot be merged")
    rows = [_row(item, f"results[{index}]") for index, item in enumerate(results)]
    return Run(path, document, info, rows, info.host)


def _provenance(document: dict[str, Any]) -> dict[str, Any]:
    """The keys added on 2026-12-03 (contract §4), absent in older files: read when there, else empty."""
    rows = document.get("results")
    failed = isinstance(rows, list) and any(isinstance(row, dict) and row.get("status") == "failed" for row in rows)
    tool = document.get("tool")
    return {
        "knowledge_date": _optional(document, "knowledge_date"),
        "simulated": _optional(document, "simulated") or None,
        "config_sha256": _optional(document, "config_sha256"),
        "raw_command": _optional(document, "command"),  # redacted when written; RunInfo.command redacts again
        # --ece-strict is not recorded as such: a FAIL without a failed result is an advisory under it.
        "strict": document.get("verdict") == "FAIL" and not failed,
        "tool_version": str(tool.get("version") or "") if isinstance(tool, dict) else "",
    }


def _optional(document: dict[str, Any], key: str) -> str:
    value = document.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key} should be a string, not {type(value).__name__}")
    return value


def _row(item: Any, where: str) -> ResultRow:
    if not isinstance(item, dict):
        raise ValueError(f"{where} is not an object")
    status = item.get("status")
    if status not in STATUSES:
        raise ValueError(f"{where}.status is {status!r}, not one of {', '.join(STATUSES)}")
    evidence = item.get("evidence", [])
    return ResultRow(
        check=_field(item, "check", str, f"{where}.check"),
        target=_field(item, "target", str, f"{where}.target"),
        status=status,
        section=str(item.get("section", "")),
        title=str(item.get("title", "")),
        detail=str(item.get("detail", "")),
        remediation=str(item.get("remediation", "")),
        owner=str(item["owner"]) if item.get("owner") else None,
        setting=str(item["setting"]) if item.get("setting") else None,
        evidence=tuple(_strings(evidence, f"{where}.evidence")),
        nodeid=str(item.get("nodeid", "")),
        cause=str(item.get("cause") or ""),
        blocked_by=_blocked_by(item.get("blocked_by"), f"{where}.blocked_by"),
        doc=str(item.get("doc") or ""),
    )


def _blocked_by(value: Any, where: str) -> tuple[str, str] | None:
    """A result's ``blocked_by`` ({"check": …, "target": …}), absent in files written before it existed."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected an object with check and target")
    return _field(value, "check", str, f"{where}.check"), _field(value, "target", str, f"{where}.target")


def _field(container: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in container:
        raise ValueError(f"{where} is missing")
    value = container[key]
    if not isinstance(value, kind):
        raise ValueError(
            f"{where} should be a {'string' if kind is str else kind.__name__}, not {type(value).__name__}"
        )
    return value


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        raise ValueError(f"{where} should be a list")
    return [str(item) for item in value]


def _time(value: Any) -> dt.datetime:
    try:
        return dt.datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise ValueError(f"generated is {value!r}, not a UTC time like 2026-11-28T14:00:00Z") from None


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
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>",
        f"{_PAGE_STYLE}</head><body><h1>{title}</h1>",
        f"<p>Merged from {len(runs)} results file(s): {inputs}.</p>{note}",
        summary_html(name, infos, rows, with_host=hosts),
        "<h2>Results per host</h2>",
    ]
    parts.extend(_host_table(run) for run in runs)
    parts.append("</body></html>\n")
    return "".join(parts)


def _host_table(run: Run) -> str:
    counts = ", ".join(f"{count} {status}" for status, count in summarize(run.rows).items() if count)
    header = (
        f"<h3>{_e(run.label)} — {_e(', '.join(run.info.roles) or 'no role')}</h3>"
        f"<p>{_e(counts or 'no results')}; written {_e(run.info.generated_text)}.</p>"
    )
    cells = [
        f"<tr class='ece-{_e(row.status)}'><td>{_e(row.check)}<br><small>{_e(row.title)}</small></td>"
        f"<td>{_e(row.target)}</td><td>{_e(row.status)}</td><td>{_e(row.owner or '')}</td>"
        f"<td>{_e(row.detail)}</td></tr>"
        for row in run.rows
    ]
    table = (
        "<table class='ece-results'><tr><th>Check</th><th>Target</th><th>Status</th><th>Who acts</th>"
        f"<th>Detail</th></tr>{''.join(cells)}</table>"
    )
    return header + table


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
        "runs": [run.document for run in runs],
    }


def _e(value: object) -> str:
    return escape(redact(str(value)), quote=True)
