"""The run's verdict and what could not be judged (report/outcome.py), over rows like a real run's."""

from __future__ import annotations

from pytest_ece_o365.report.outcome import (
    BLOCKED,
    MISSING_SECRET,
    NO_GRAPH,
    OTHER,
    reason_kind,
    run_verdict,
    unjudged,
    unjudged_reasons,
    unjudged_summary,
    verdict_line,
)
from pytest_ece_o365.report.results import ResultRow
from pytest_ece_o365.verdict import Status


def row(check: str, status: Status, detail: str = "", target: str = "", **kw: object) -> ResultRow:
    return ResultRow(check=check, target=target, status=status, section="s", title="t", detail=detail, **kw)  # type: ignore[arg-type]


# Skip texts as a run without secrets and without [graph] writes them (tests/test_outcome_run.py checks
# the same kinds end to end).
SECRET = row(
    "token.refresh",
    "skipped",
    "cannot redeem the refresh token: azure_ad.client_secret: environment variable ECE_O365_CLIENT_SECRET is not set",
    "support@example.com",
)
MAILBOX_NO_TOKEN = row(
    "mailbox.inbound",
    "skipped",
    "the IMAP login of support@example.com was not tried: token.refresh has no access token for support@example.com "
    "(secret-missing: azure_ad.client_secret: environment variable ECE_O365_CLIENT_SECRET is not set)",
    "support@example.com",
)
GRAPH_SECRET = row(
    "license.exchange",
    "skipped",
    "the [graph] reader's client secret is not available: environment variable ECE_O365_GRAPH_SECRET is not set",
)
NO_GRAPH_ROW = row("azure_app.permissions", "skipped", "no [graph] section: add a read-only Graph app (...) to run it")
BLOCKED_ROW = row(
    "network.tcp",
    "skipped",
    "blocked by network.dns for smtp.office365.com (dns-nxdomain): ...",
    "smtp.office365.com:587",
    blocked_by=("network.dns", "smtp.office365.com"),
    cause="dns-nxdomain",
)
JAVA_HOME = row("network.java_trust", "skipped", "`[ece] java_home` is not set: give the folder of ECE's Java runtime")
NOT_ASKED = row("mailbox.send_test", "skipped", "nothing is sent without --ece-send-test-mail", "support@example.com")
PASSED = row("network.dns", "passed", "resolves")
ADVISORY = row("version.es", "advisory", "an ES is missing", owner="ece-admin", cause="es-missing")
FAILED = row("mailbox.inbound", "failed", "BAD", owner="exchange-admin", cause="imap-not-connected")


def test_reason_kinds_from_real_skip_texts() -> None:
    assert reason_kind(SECRET) == MISSING_SECRET
    assert reason_kind(MAILBOX_NO_TOKEN) == MISSING_SECRET
    assert reason_kind(GRAPH_SECRET) == MISSING_SECRET
    assert reason_kind(NO_GRAPH_ROW) == NO_GRAPH
    assert reason_kind(BLOCKED_ROW) == BLOCKED
    assert reason_kind(JAVA_HOME) == OTHER  # a setting, not a secret
    assert reason_kind(NOT_ASKED) is None  # opt-in not asked for
    assert reason_kind(PASSED) is None and reason_kind(FAILED) is None


def test_opt_in_check_skipped_for_another_reason_counts() -> None:
    asked_but_no_token = row("mailbox.send_test", "skipped", "no mailbox to send from")
    assert reason_kind(asked_but_no_token) == OTHER


def test_verdict_pass_fail_incomplete() -> None:
    assert run_verdict([PASSED, NOT_ASKED]) == "PASS"
    assert run_verdict([PASSED, ADVISORY]) == "PASS"
    assert run_verdict([PASSED, ADVISORY], strict=True) == "FAIL"
    assert run_verdict([PASSED, SECRET]) == "INCOMPLETE"
    assert run_verdict([PASSED, BLOCKED_ROW, FAILED]) == "FAIL"
    assert run_verdict([PASSED, JAVA_HOME]) == "INCOMPLETE"


def test_a_run_that_executed_nothing_is_incomplete() -> None:
    assert run_verdict([]) == "INCOMPLETE"
    assert run_verdict([], strict=True) == "INCOMPLETE"
    assert verdict_line([]) == "INCOMPLETE: the run executed no check"
    assert verdict_line([PASSED]) == "PASS"


def test_groups_in_reason_order_without_empty_ones() -> None:
    rows = [PASSED, BLOCKED_ROW, JAVA_HOME, SECRET, NOT_ASKED, MAILBOX_NO_TOKEN]
    groups = unjudged_reasons(rows)
    assert [(kind, len(group)) for kind, group in groups] == [(MISSING_SECRET, 2), (BLOCKED, 1), (OTHER, 1)]
    assert unjudged(rows) == [BLOCKED_ROW, JAVA_HOME, SECRET, MAILBOX_NO_TOKEN]
    assert unjudged_summary(rows) == (
        "4 checks could not be judged: 2 missing secret, 1 blocked by another result, 1 other"
    )
    assert unjudged_summary([PASSED, NOT_ASKED]) == ""
    assert unjudged_summary([NO_GRAPH_ROW]) == "1 check could not be judged: 1 no [graph] section"
