"""The report's "since the previous run" section (``--ece-compare``): what is new, still failing, fixed and
not checked again, by check, target and cause (report.compare). Redacted and escaped, no JavaScript."""

from __future__ import annotations

from pytest_ece_o365.report.compare import KIND_WORDS, KINDS, Change, Comparison
from pytest_ece_o365.report.finding_html import e, status_badge

_WHAT = {
    "new": "findings the previous run did not have",
    "still_failing": "findings both runs have",
    "fixed": "findings of the previous run that this run judged again and no longer sees",
    "not_checked_again": "findings of the previous run whose check and target this run did not judge",
}


def _item(change: Change) -> str:
    now = f" (now {e(change.now)})" if change.now and change.now != change.status else ""
    cause = f" — cause <code>{e(change.cause)}</code>" if change.cause else ""
    target = e(change.target or "the deployment")
    return f"<li>{status_badge(change.status)} {e(change.check)} for {target}{cause}{now}</li>"


def comparison_html(comparison: Comparison) -> str:
    previous = comparison.previous
    parts = [
        "<h2 id='ece-comparison'>Since the previous run</h2>",
        f"<p>Compared with {e(previous.file)} (written {e(previous.generated)} on host {e(previous.host)}), by "
        f"check, target and cause: {e(comparison.counts())}.</p>",
    ]
    for kind in KINDS:
        changes = comparison.of(kind)
        if not changes:
            continue
        items = "".join(_item(change) for change in changes)
        parts.append(f"<h3>{len(changes)} {e(KIND_WORDS[kind])}: {e(_WHAT[kind])}</h3><ul>{items}</ul>")
    return "".join(parts)
