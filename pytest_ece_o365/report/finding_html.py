"""One finding as HTML (contract §5.3): check id, status word, who acts, what was seen, the fix, one
documentation link, the ECE setting label, the targets it hits, the results it blocked, and its evidence
folded and capped. Every value is redacted and escaped; nothing needs JavaScript.
"""

from __future__ import annotations

from html import escape

from pytest_ece_o365.redact import redact
from pytest_ece_o365.report.chain import Finding
from pytest_ece_o365.report.results import ResultRow

#: Evidence kept per finding (all its targets together): enough for a protocol dialogue, small enough
#: that 50 checks stay under 300 KB (contract §5). The results file keeps every line.
EVIDENCE_MAX_LINES = 40
EVIDENCE_MAX_CHARS = 4000
#: Evidence kept on a whole page: a merged report of many hosts shares it out, each finding getting at least
#: :data:`EVIDENCE_MIN_CHARS` (:func:`evidence_budget`).
EVIDENCE_PAGE_CHARS = 120_000
EVIDENCE_MIN_CHARS = 600

OWNER_WORDS = {
    "ece-admin": "ECE administrator",
    "azure-admin": "Azure (Entra ID) administrator",
    "exchange-admin": "Exchange Online administrator",
    "network": "network team",
}


def e(value: object) -> str:
    return escape(redact(str(value)), quote=True)


def status_badge(status: str) -> str:
    return f"<span class='ece-badge ece-s-{e(status)}'>{e(status.upper())}</span>"


def owner_text(owner: str | None) -> str:
    if not owner:
        return "not stated"
    word = OWNER_WORDS.get(owner)
    return f"{e(owner)} ({e(word)})" if word else e(owner)


def doc_link(url: str) -> str:
    # Only web links: a value from a results file must not become a javascript: or file: link.
    if not url.startswith(("https://", "http://")):
        return ""
    return f"<a href='{e(url)}' rel='noreferrer'>{e(url)}</a>"


def target_label(row: ResultRow, hosts: dict[int, str] | None) -> str:
    label = row.target or "the deployment"
    host = hosts.get(id(row)) if hosts else None
    return f"{label} (seen from {host})" if host else label


def evidence_budget(findings: int) -> int:
    """The characters of evidence each of ``findings`` findings may show on one page."""
    return max(EVIDENCE_MIN_CHARS, min(EVIDENCE_MAX_CHARS, EVIDENCE_PAGE_CHARS // max(findings, 1)))


def capped_evidence(
    rows: list[ResultRow], hosts: dict[int, str] | None, max_chars: int = EVIDENCE_MAX_CHARS
) -> tuple[list[str], int]:
    """The evidence lines shown (each target's under its name when there are several) and how many were cut."""
    shown: list[str] = []
    size = 0
    cut = 0
    for row in rows:
        lines = ([f"--- {target_label(row, hosts)} ---"] if len(rows) > 1 and row.evidence else []) + [
            redact(line) for line in row.evidence
        ]
        for line in lines:
            if len(shown) >= EVIDENCE_MAX_LINES or size + len(line) > max_chars:
                cut += 1
                continue
            shown.append(line)
            size += len(line) + 1
    return shown, cut


def evidence_html(rows: list[ResultRow], hosts: dict[int, str] | None, max_chars: int = EVIDENCE_MAX_CHARS) -> str:
    shown, cut = capped_evidence(rows, hosts, max_chars)
    if not shown:
        return "<p class='ece-note'>No evidence recorded.</p>"
    note = ""
    if cut:
        note = (
            f"<p class='ece-note'>{cut} more evidence line(s) cut to keep the report small: "
            "the results file (--ece-json) holds every line.</p>"
        )
    return (
        f"<details><summary>Evidence ({len(shown)} line(s))</summary>"
        f"<pre class='ece-evidence'>{escape(chr(10).join(shown))}</pre>{note}</details>"
    )


#: Beyond this many distinct wordings (one cause on many mailboxes, each named in its own text), the first is
#: shown and the others are folded: 20 mailboxes must not make 20 screens of one tenant-wide cause.
UNFOLDED_WORDINGS = 3


def _for_targets(value: str, targets: list[str], css: str) -> str:
    names = ", ".join(target or "the deployment" for target in targets)
    return f"<p>For {e(names)}:</p><span class='{css}'>{e(value)}</span>"


def _per_target(finding: Finding, field: str, css: str) -> str:
    """``field`` of the finding's rows: once when every target has the same, else each with its targets."""
    values = [(value, targets) for value, targets in finding.distinct(field) if value]
    if not values:
        return "<span class='ece-note'>Not stated.</span>"
    if len(values) == 1:
        return f"<span class='{css}'>{e(values[0][0])}</span>"
    shown = "".join(_for_targets(value, targets, css) for value, targets in values[:UNFOLDED_WORDINGS])
    rest = values[UNFOLDED_WORDINGS:]
    if not rest:
        return shown
    folded = "".join(_for_targets(value, targets, css) for value, targets in rest)
    count = sum(len(targets) for _, targets in rest)
    return (
        f"{shown}<details><summary>The same for {count} more target(s), each with its own values</summary>"
        f"{folded}</details>"
    )


def _blocked_html(finding: Finding, hosts: dict[int, str] | None) -> str:
    if not finding.blocked:
        return ""
    items = []
    for row in finding.blocked:
        check, target = row.blocked_by or ("", "")
        items.append(
            f"<li>{e(row.check)} for {e(target_label(row, hosts))}: "
            f"blocked by {e(check)} for {e(target or 'the deployment')}</li>"
        )
    return f"<dt>Not judged</dt><dd>{len(items)} result(s) this finding explains:<ul>{''.join(items)}</ul></dd>"


def seen_from(finding: Finding, hosts: dict[int, str] | None) -> list[tuple[str, list[str]]]:
    """Each target of the finding once, with the hosts it was seen from (merged reports; none otherwise)."""
    by_target: dict[str, list[str]] = {}
    for row in finding.rows:
        seen = by_target.setdefault(row.target, [])
        host = hosts.get(id(row)) if hosts else None
        if host and host not in seen:
            seen.append(host)
    return list(by_target.items())


def _targets_html(finding: Finding, hosts: dict[int, str] | None) -> list[tuple[str, str]]:
    """The Target(s) row, and in a merged report the hosts a finding was seen from (once, not per host)."""
    targets = seen_from(finding, hosts)
    every_host = list(dict.fromkeys(host for _, seen in targets for host in seen))
    labels = [
        f"{target or 'the deployment'} (seen from {', '.join(seen)})"
        if seen and len(every_host) > 1 and seen != every_host
        else target or "the deployment"
        for target, seen in targets
    ]
    hits = f"{len(labels)} targets: " if len(labels) > 1 else ""
    rows = [("Targets" if len(labels) > 1 else "Target", hits + e(", ".join(labels)))]
    if every_host:
        count = f" ({len(every_host)} hosts)" if len(every_host) > 1 else ""
        rows.append(("Seen from", e(", ".join(every_host)) + count))
    return rows


def finding_html(
    finding: Finding, hosts: dict[int, str] | None = None, evidence_chars: int = EVIDENCE_MAX_CHARS
) -> str:
    first = finding.first
    doc = doc_link(first.doc)
    rows = [
        *_targets_html(finding, hosts),
        ("Who acts", owner_text(first.owner)),
        ("What was seen", _per_target(finding, "detail", "ece-seen")),
        ("What to do", _per_target(finding, "remediation", "ece-fix")),
    ]
    if first.setting:
        rows.append(("ECE setting", e(first.setting)))
    if doc:
        rows.append(("Documentation", doc))
    if first.cause:
        rows.append(("Cause id", f"<code>{e(first.cause)}</code>"))
    body = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    return (
        f"<article class='ece-finding ece-{e(first.status)}' data-check='{e(first.check)}'>"
        f"<h4>{status_badge(first.status)} {e(first.check)} — {e(first.title)}</h4>"
        f"<dl>{body}{_blocked_html(finding, hosts)}</dl>{evidence_html(finding.rows, hosts, evidence_chars)}</article>"
    )
