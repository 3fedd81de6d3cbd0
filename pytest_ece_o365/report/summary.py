"""The report a support engineer reads cold (contract §5), as server-rendered HTML: the verdict and the
counts, what could not be judged and why, the findings along the dependency chain, the provenance.

Shared by the pytest-html report of a run and by ``ece-o365 merge``. Every value is redacted and escaped;
nothing here needs JavaScript, so it reads the same with scripts blocked, in a mail client and in print.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import groupby

from pytest_ece_o365 import __version__
from pytest_ece_o365.report.casenote import case_note
from pytest_ece_o365.report.chain import Finding, group_findings, stage_name
from pytest_ece_o365.report.compare import compare
from pytest_ece_o365.report.compare_html import comparison_html
from pytest_ece_o365.report.finding_html import e, evidence_budget, finding_html
from pytest_ece_o365.report.outcome import run_verdict, unjudged_reasons
from pytest_ece_o365.report.results import ResultRow, RunInfo, summarize
from pytest_ece_o365.report.theme import stylesheet

__all__ = ["report_title", "simulated_banner", "summary_html", "unused_waivers_html"]

_VERDICT_SENTENCE = {
    "FAIL": "At least one check failed: the findings below say what to change, and who changes it.",
    "INCOMPLETE": "Nothing failed, but some checks could not be judged: this run does not show that all is well.",
    "PASS": "Every selected check passed.",
}


def report_title(deployment_name: str) -> str:
    return f"ECE ↔ Office 365 OAuth check — {deployment_name}"


def simulated_banner(scenario: str | None) -> str:
    if not scenario:
        return ""
    return (
        f"<p class='ece-banner' role='note'>SIMULATED RUN (scenario {e(scenario)}): these results come from "
        "the built-in simulated Office 365 tenant on this machine's loopback, not from Microsoft's servers. "
        "They say nothing about a real deployment.</p>"
    )


def _verdict_html(verdict: str, rows: list[ResultRow]) -> str:
    counts = summarize(rows)
    items = "".join(f"<li class='ece-s-{e(status)}'>{count} {e(status)}</li>" for status, count in counts.items())
    sentence = _VERDICT_SENTENCE.get(verdict, "")
    if not rows:
        sentence = "No check ran: this report says nothing about the deployment."
    return (
        f"<h2 id='ece-verdict'>Verdict</h2><p class='ece-verdict ece-verdict-{e(verdict)}'>"
        f"{e(verdict)}</p><p>{e(sentence)}</p><ul class='ece-counts'>{items}</ul>"
    )


def _reason(row: ResultRow) -> str:
    """The one reason of one row: what blocked it, else its skip text."""
    if row.blocked_by is not None:
        check, target = row.blocked_by
        return f"blocked by {check} for {target or 'the deployment'}"
    return row.detail


def _which(row: ResultRow) -> str:
    return f"{row.check} for {row.target or 'the deployment'}"


def _unjudged_html(rows: list[ResultRow]) -> str:
    """The checks that could not be judged, by reason kind (report.outcome), each kind by its reasons."""
    groups = unjudged_reasons(rows)
    total = sum(len(group) for _, group in groups)
    if not total:
        return "<p>Every selected check could be judged.</p>" if rows else ""
    parts = [f"<h3>{total} check(s) could not be judged</h3><ul>"]
    for kind, group in groups:
        by_reason: dict[str, list[ResultRow]] = {}
        for row in group:
            by_reason.setdefault(_reason(row), []).append(row)
        reasons = "".join(
            f"<li>{e(reason)} ({len(same)}): {e(', '.join(map(_which, same)))}</li>"
            for reason, same in by_reason.items()
        )
        parts.append(f"<li><strong>{e(kind)}</strong> ({len(group)})<ul>{reasons}</ul></li>")
    parts.append("</ul>")
    return "".join(parts)


def _findings_html(findings: list[Finding], hosts: dict[int, str] | None) -> str:
    if not findings:
        return "<h2>Findings</h2><p>No findings: no check failed, advised or was waived.</p>"
    parts = [
        "<h2>Findings</h2><p>Along the dependency chain (configuration → DNS → TCP → TLS → token → mailbox "
        "login → directory): fix the first one first, it may explain the ones after it.</p>"
    ]
    for stage, group in groupby(findings, key=lambda finding: finding.stage):
        parts.append(f"<h3>{e(stage_name(stage))}</h3>")
        parts.extend(finding_html(finding, hosts, evidence_budget(len(findings))) for finding in group)
    return "".join(parts)


def _provenance_html(infos: Iterable[RunInfo]) -> str:
    parts = ["<h2>Provenance</h2>"]
    for info in infos:
        fields = [
            ("Tool", f"pytest-ece-o365 {info.tool_version or __version__}"),
            ("Knowledge tables dated", info.knowledge_date or "not recorded"),
            ("ECE version", f"{info.ece_version} ({', '.join(info.engineering_specials) or 'no ES'})"),
            ("Roles", ", ".join(info.roles) or "none"),
            ("Host", info.host),
            ("Tenant", info.tenant),
            ("Command line (redacted)", info.command or "not recorded"),
            ("Configuration SHA-256", info.config_sha256 or "not recorded"),
            ("Time (UTC)", info.generated_text),
        ]
        body = "".join(f"<dt>{e(name)}</dt><dd>{e(value)}</dd>" for name, value in fields)
        parts.append(f"<dl class='ece-provenance'>{body}</dl>")
    return "".join(parts)


def _case_note_html(infos: list[RunInfo], rows: list[ResultRow]) -> str:
    """The case note of a run (contract §5.5) to paste into a support case; the terminal run ends with the
    same note plus this file's SHA-256, which only exists once the file is written."""
    if len(infos) != 1:
        return ""  # a merged report has no one run to sum up
    note = case_note(infos[0], rows)
    return f"<h2>Case note</h2><p>To paste into the support case:</p><pre class='ece-evidence'>{e(note)}</pre>"


def _compared_html(infos: list[RunInfo], rows: list[ResultRow]) -> str:
    """What changed since the run ``--ece-compare`` names (a single run's report only)."""
    if len(infos) != 1 or infos[0].previous is None:
        return ""
    return comparison_html(compare(infos[0].previous, rows))


def summary_html(
    deployment_name: str,
    infos: list[RunInfo],
    rows: list[ResultRow],
    *,
    with_host: dict[int, str] | None = None,
    strict: bool | None = None,
) -> str:
    """The report's own section: style, verdict, counts, what could not be judged, findings, provenance,
    case note. ``strict`` defaults to the run's own ``--ece-strict`` (a single run's info)."""
    if strict is None:
        strict = len(infos) == 1 and infos[0].strict
    findings, _ = group_findings(rows)
    verdict = run_verdict(rows, strict=strict, interrupted=_stopped(infos))
    return (
        f"{stylesheet()}<section class='ece-report' aria-label='{e(report_title(deployment_name))}'>"
        f"{_interrupted_html(infos)}{_verdict_html(verdict, rows)}{_unjudged_html(rows)}{_compared_html(infos, rows)}"
        f"{_findings_html(findings, with_host)}{_provenance_html(infos)}{_case_note_html(infos, rows)}</section>"
    )


def _stopped(infos: list[RunInfo]) -> bool:
    return any(info.interrupted for info in infos)


def _interrupted_html(infos: list[RunInfo]) -> str:
    if not _stopped(infos):
        return ""
    return (
        "<p class='ece-banner ece-interrupted'><strong>INTERRUPTED</strong>: the run was stopped (Ctrl-C) "
        "before every check ran; the checks not run are listed as skipped. Run it again for a verdict.</p>"
    )


def unused_waivers_html(waivers: Sequence[Mapping[str, str]]) -> str:
    """The waivers that matched no finding of the run (contract §2, the results file's ``unused_waivers``):
    reported, never silently ignored."""
    if not waivers:
        return ""
    items = "".join(
        f"<li>{e(waiver.get('check', ''))} for {e(waiver.get('target') or 'every target')}, expiring "
        f"{e(waiver.get('expires', ''))}: {e(waiver.get('reason', ''))}</li>"
        for waiver in waivers
    )
    return (
        "<h2>Waivers that matched no finding</h2><p>Remove each if its finding is fixed, or correct its check "
        f"or target:</p><ul>{items}</ul>"
    )
