"""The report a TAC engineer reads cold (contract §5), from a real ``--ece-simulate=broken`` run with four
mailboxes (60 results): what comes first, the order of the findings, what each finding holds, what is left
with scripts stripped, the size, and no secret in any byte. The browser tests are in
test_html_report_browser.py and use the same run.
"""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path
from typing import Any

from html_run import BrokenRun, article, broken_run_fixture, strip_scripts, text_of  # noqa: F401  (the fixture)

from pytest_ece_o365.report.chain import STAGES, stage
from pytest_ece_o365.report.finding_html import EVIDENCE_MAX_CHARS, EVIDENCE_MAX_LINES, capped_evidence
from pytest_ece_o365.report.results import ResultRow
from pytest_ece_o365.report.summary import summary_html

FINDINGS = ("failed", "advisory", "waived")


def findings(run: BrokenRun) -> list[dict[str, Any]]:
    return [row for row in run.results["results"] if row["status"] in FINDINGS]


def test_the_simulated_banner_comes_first_then_the_title_and_the_verdict(broken_run: BrokenRun) -> None:
    body = broken_run.html[broken_run.html.index("<body>") :]
    banner = body.index("SIMULATED RUN (scenario broken)")
    title = body.index("<h1 id='ece-title'>ECE ↔ Office 365 OAuth check — Contoso contact center (example)</h1>")
    verdict = body.index("<p class='ece-verdict ece-verdict-FAIL'>FAIL</p>")
    assert banner < title < verdict
    before_verdict = text_of(body[:verdict])
    # Nothing of pytest-html's above it: no Environment table, no grey "generated on" line in local time.
    assert "environment" not in before_verdict.lower() and "Report generated on" not in broken_run.html
    assert '<h1 id="title">' not in broken_run.html


def test_the_counts_and_what_could_not_be_judged_with_its_reasons(broken_run: BrokenRun) -> None:
    summary = broken_run.results["summary"]
    for status, count in summary.items():
        assert f"<li class='ece-s-{status}'>{count} {status}</li>" in broken_run.html
    blocked = [row for row in broken_run.results["results"] if row.get("blocked_by")]
    assert blocked
    assert re.search(r"<h3>\d+ check\(s\) could not be judged</h3>", broken_run.html)
    assert "<li><strong>blocked by another result</strong> (" in broken_run.html  # report.outcome's kinds
    # The results it blocked along the dependency chain, the order the run judged them in: network first.
    blocked_by_dns = re.search(r"<li>blocked by network.dns for smtp.office365.com \((\d+)\): ([^<]*)", broken_run.html)
    assert blocked_by_dns is not None
    listed = blocked_by_dns.group(2).split(", ")
    assert len(listed) == int(blocked_by_dns.group(1))
    assert listed[0] == "network.tcp for smtp.office365.com:587"
    assert listed.index("network.tls for smtp.office365.com:587") < listed.index("mailbox.smtp for support@example.com")
    # No input is missing: without [ece] java_home, network.java_trust judges the simulator's stand-in JRE.
    assert "java_home` is not set" not in broken_run.html
    assert (
        "nothing is sent without --ece-send-test-mail"
        not in broken_run.html.split("id='ece-verdict'")[1].split("<h2>Findings</h2>")[0]
    )  # an opt-in check not asked for is not "could not be judged"


def test_the_verdict_is_the_results_files_and_the_case_note_is_in_the_report(broken_run: BrokenRun) -> None:
    verdict = broken_run.results["verdict"]
    assert f"<p class='ece-verdict ece-verdict-{verdict}'>{verdict}</p>" in broken_run.html
    note = broken_run.html[broken_run.html.index("<h2>Case note</h2>") :]
    assert f"ECE &lt;-&gt; Office 365 OAuth check: {verdict} (SIMULATED tenant, scenario broken)" in note
    assert "FAILED network.dns [smtp.office365.com]; who acts: network; cause: dns-nxdomain" in note


def test_findings_follow_the_dependency_chain(broken_run: BrokenRun) -> None:
    order = re.findall(r"<article class='ece-finding ece-\w+' data-check='([\w.]+)'>", broken_run.html)
    assert order[0] == "network.dns"  # the root cause first, not last
    assert [stage(check) for check in order] == sorted(stage(check) for check in order)
    headings = re.findall(r"<h3>([\w ]+)</h3>", broken_run.html)
    assert [name for name in headings if name in STAGES] == ["DNS", "TLS", "Token", "Mailbox login", "Directory"]


def test_a_tenant_wide_cause_is_shown_once_with_every_target(broken_run: BrokenRun) -> None:
    lifetime = [row for row in findings(broken_run) if row["check"] == "azure_app.token_lifetime"]
    assert len(lifetime) == 4  # one result per mailbox in the results file
    assert broken_run.html.count("data-check='azure_app.token_lifetime'") == 1
    card = article(broken_run.html, "azure_app.token_lifetime")
    assert "<dt>Targets</dt><dd>4 targets: " in card
    assert all(escape(row["target"]) in card for row in lifetime)
    assert card.count(escape(lifetime[0]["remediation"], quote=True)) == 1  # one fix, said once


def test_what_a_finding_explains_is_nested_under_it(broken_run: BrokenRun) -> None:
    dns = article(broken_run.html, "network.dns")
    for row in broken_run.results["results"]:
        if row.get("blocked_by") == {"check": "network.dns", "target": "smtp.office365.com"}:
            assert f"<li>{row['check']} for {row['target']}: blocked by network.dns for smtp.office365.com</li>" in dns
    assert "mailbox.smtp for support@example.com" in dns


def test_every_finding_holds_id_status_owner_seen_fix_doc_and_evidence(broken_run: BrokenRun) -> None:
    for row in findings(broken_run):
        card = article(broken_run.html, row["check"], row["target"])
        assert f"{row['status'].upper()}</span> {row['check']}" in card
        assert f"<dt>Who acts</dt><dd>{row['owner']} (" in card
        assert escape(row["detail"], quote=True) in card
        assert escape(row["remediation"], quote=True) in card
        if row.get("doc"):
            assert f"<a href='{escape(row['doc'], quote=True)}'" in card
        assert "<details><summary>Evidence (" in card
        assert escape(row["evidence"][0], quote=True) in card


def test_with_every_script_stripped_the_verdict_findings_fixes_and_evidence_remain(broken_run: BrokenRun) -> None:
    text = text_of(strip_scripts(broken_run.html))
    assert "FAIL" in text and "could not be judged" in text
    for row in findings(broken_run):
        assert row["check"] in text and row["remediation"] in text
        if row["status"] == "failed":
            assert row["evidence"][0] in text


def test_provenance_in_utc(broken_run: BrokenRun) -> None:
    provenance = broken_run.html[broken_run.html.index("<h2>Provenance</h2>") :]
    assert f"<dt>Time (UTC)</dt><dd>{broken_run.results['generated']}</dd>" in provenance
    assert re.search(r"<dt>Time \(UTC\)</dt><dd>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</dd>", provenance)
    assert f"<dt>Knowledge tables dated</dt><dd>{broken_run.results['knowledge_date']}</dd>" in provenance
    assert "<dt>ECE version</dt><dd>12.6(1) (ES10)</dd>" in provenance
    assert "<dt>Tenant</dt><dd>example.onmicrosoft.com</dd>" in provenance


def test_size_bound_for_fifty_checks_and_no_external_request(broken_run: BrokenRun) -> None:
    assert len(broken_run.results["results"]) >= 50
    assert broken_run.path.stat().st_size <= 300_000
    # Self-contained: nothing is loaded from elsewhere (links are only followed when clicked).
    assert not re.search(r"<(?:script|img|link|iframe|video|source)[^>]+(?:src|href)=['\"]?https?:", broken_run.html)
    assert "@import" not in broken_run.html and "url(http" not in broken_run.html


def test_no_secret_in_any_byte(broken_run: BrokenRun) -> None:
    raw = broken_run.path.read_bytes()
    assert broken_run.secrets
    for secret in broken_run.secrets:
        assert secret.encode() not in raw


def test_evidence_is_capped_per_finding_with_a_note(tmp_path: Path) -> None:
    """The worst case: 50 failing checks, each with an endless dialogue, stays far below the 1 MB cap."""
    long = tuple(f"S: line {index} " + "x" * 150 for index in range(500))
    rows = [
        ResultRow(f"future.check{index}", "t", "failed", "S", "check", "seen", "fix", "network", evidence=long)
        for index in range(50)
    ]
    shown, cut = capped_evidence(rows[:1], None)
    assert len(shown) <= EVIDENCE_MAX_LINES and sum(map(len, shown)) <= EVIDENCE_MAX_CHARS and cut
    html = summary_html("big", [], rows)
    assert len(html.encode()) < 400_000
    assert "more evidence line(s) cut to keep the report small" in html
    assert json.dumps(html)  # plain text, nothing binary
