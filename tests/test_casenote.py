"""The case note (report/casenote.py, contract §5.5): at most 25 lines, verdict first, findings grouped
with who acts and their targets, provenance last, nothing secret."""

from __future__ import annotations

import datetime as dt

from pytest_ece_o365.redact import remember
from pytest_ece_o365.report.casenote import MAX_LINES, ReportFile, case_note, case_note_lines
from pytest_ece_o365.report.results import ResultRow, RunInfo
from pytest_ece_o365.verdict import Status

WHEN = dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.timezone.utc)
INFO = RunInfo(
    "ece-svc01", ("services",), "Contoso (prod)", "12.6(1)", ("ES10",), "example.onmicrosoft.com", WHEN,
    knowledge_date="2026-12-04", config_sha256="ab" * 32, raw_command="pytest --ece-config prod.toml",
)  # fmt: skip


def row(check: str, target: str, status: Status, owner: str | None = None, cause: str = "") -> ResultRow:
    return ResultRow(check, target, status, "s", "t", "seen", owner=owner, cause=cause)


def test_a_tenant_wide_cause_is_one_line_with_its_targets() -> None:
    rows = [row("mailbox.inbound", f"m{i}@example.com", "failed", "exchange-admin", "imap-disabled") for i in range(20)]
    lines = case_note_lines(INFO, [*rows, row("network.dns", "outlook.office365.com", "passed")])
    assert lines[0] == "ECE <-> Office 365 OAuth check: FAIL"
    assert lines[1] == "Deployment Contoso (prod): ECE 12.6(1) (ES10), tenant example.onmicrosoft.com"
    assert lines[2] == "Results: 1 passed, 20 failed, 0 advisory, 0 waived, 0 skipped"
    assert lines[3] == (
        "  FAILED mailbox.inbound [m0@example.com, m1@example.com, m2@example.com +17 more]; "
        "who acts: exchange-admin; cause: imap-disabled"
    )
    assert lines[-3:] == [
        "Tool pytest-ece-o365 0.1.0; knowledge tables dated 2026-12-04",
        "Host ece-svc01; roles services; generated 2026-12-04T09:30:00Z (UTC)",
        f"Config SHA-256 {'ab' * 32}",
    ]


def test_never_more_than_25_lines_and_says_what_was_cut() -> None:
    rows = [row(f"check.{i}", "", "failed", "network", f"cause-{i}") for i in range(40)]
    rows += [row("token.refresh", "a@example.com", "skipped")]
    lines = case_note_lines(INFO, rows, report=ReportFile("r.html", "cd" * 32))
    assert len(lines) == MAX_LINES
    assert lines[3] == "1 check could not be judged: 1 other"
    assert lines[-5].startswith("... and ") and lines[-5].endswith("more finding(s): see the report")
    assert lines[-1] == f"Report r.html SHA-256 {'cd' * 32}"


def test_failures_first_then_advisories_and_waivers_and_the_verdict_follows_strict() -> None:
    rows = [
        row("version.latest_es", "", "advisory", "ece-admin", "es-later"),
        row("azure_app.redirect_uri", "", "waived", "azure-admin", "redirect-host"),
        row("network.tls", "outlook.office365.com:993", "failed", "network", "tls-inspection"),
    ]
    lines = case_note_lines(INFO, rows)
    assert [line.split()[0] for line in lines[3:6]] == ["FAILED", "ADVISORY", "WAIVED"]
    advisory_only = rows[:2]
    assert case_note_lines(INFO, advisory_only)[0].endswith(": PASS")
    assert case_note_lines(INFO, advisory_only, strict=True)[0].endswith(": FAIL")


def test_a_run_that_executed_nothing_is_incomplete_and_says_why() -> None:
    note = case_note(INFO, [])
    assert note.splitlines()[0] == "ECE <-> Office 365 OAuth check: INCOMPLETE"
    assert "(the run executed no check)" in note


def test_simulated_run_is_named_and_no_secret_is_shown() -> None:
    secret = "CaseNoteCanarySecret-0123456789"
    remember(secret)
    info = RunInfo("h", ("services",), f"Contoso {secret}", "12.6(1)", (), "t", WHEN, simulated="broken")
    note = case_note(info, [row("token.refresh", "a@example.com", "failed", "azure-admin", secret)])
    assert note.splitlines()[0].endswith("(SIMULATED tenant, scenario broken)")
    assert secret not in note and "[redacted]" in note
