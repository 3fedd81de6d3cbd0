"""The mailbox checks judged from recorded observations (no network), and their diagnosis rows."""

from __future__ import annotations

import pytest

from pytest_ece_o365.catalog import CHECKS
from pytest_ece_o365.checks.base import CheckContext, RunOptions, Target
from pytest_ece_o365.checks.mailbox import (
    NOTHING_SENT,
    judge_full_access,
    judge_inbound,
    judge_send_test,
    judge_smtp,
    send_needs,
    send_test,
)
from pytest_ece_o365.deployment import Endpoint, Mailbox
from pytest_ece_o365.diagnosis import FACTS, TABLE, placeholders
from pytest_ece_o365.diagnosis_mail import ROWS
from pytest_ece_o365.probes.mail_session import MailSessionObservation
from pytest_ece_o365.probes.mail_smtp import classify_auth, classify_send

SUPPORT = Mailbox("support@example.com", "imap")
SALES = Mailbox("sales@example.com", "pop3", "shared", "ece-mail@example.com")
SHARED_IMAP = Mailbox("team@example.com", "imap", "shared", "ece-mail@example.com")
IMAP = Endpoint("outlook.office365.com", 993)
POP3 = Endpoint("outlook.office365.com", 995)
SMTP = Endpoint("smtp.office365.com", 587)
TRAP = "A02 BAD User is authenticated but not connected."


def seen(mailbox: Mailbox, protocol: str, stage: str, error: str = "", **fields: object) -> MailSessionObservation:
    endpoint = {"imap": IMAP, "pop3": POP3, "smtp": SMTP}[protocol]
    values: dict[str, object] = {"message": f"{endpoint} said no", "transcript": ("S: greeting",), **fields}
    return MailSessionObservation(protocol, endpoint, mailbox.address, mailbox.token_user, stage, error, **values)  # type: ignore[arg-type]


def test_imap_passes_only_after_examine() -> None:
    verdict = judge_inbound(seen(SUPPORT, "imap", "done", messages=3), SUPPORT, 10)
    assert verdict.status == "passed" and "EXAMINE INBOX (read-only) OK (3 messages)" in verdict.detail
    trap = seen(
        SUPPORT, "imap", "mailbox", "not-connected", auth_reply="A01 OK AUTHENTICATE completed.", follow_up=TRAP
    )
    verdict = judge_inbound(trap, SUPPORT, 10)
    assert (verdict.status, verdict.owner) == ("failed", "exchange-admin")
    assert "Set-CASMailbox support@example.com -ImapEnabled $true" in verdict.remediation
    assert verdict.evidence == ("S: greeting",)


def test_imap_trap_on_a_shared_mailbox_names_full_access_too() -> None:
    verdict = judge_inbound(seen(SHARED_IMAP, "imap", "mailbox", "not-connected"), SHARED_IMAP, 10)
    assert "Add-MailboxPermission -Identity team@example.com -User ece-mail@example.com" in verdict.remediation
    assert "-ImapEnabled $true" in verdict.remediation


def test_full_access_tells_a_rejected_token_from_a_refused_mailbox_over_imap() -> None:
    rejected = judge_full_access(seen(SHARED_IMAP, "imap", "login", "auth-refused"), SHARED_IMAP, 10)
    assert rejected.owner == "azure-admin" and "this is the token, not FullAccess" in rejected.detail
    refused = judge_full_access(seen(SHARED_IMAP, "imap", "mailbox", "not-connected"), SHARED_IMAP, 10)
    assert refused.owner == "exchange-admin"
    assert refused.remediation.startswith(
        "Grant FullAccess: `Add-MailboxPermission -Identity team@example.com -User ece-mail@example.com "
        "-AccessRights FullAccess"
    )


def test_full_access_over_pop3_names_every_cause() -> None:
    verdict = judge_full_access(seen(SALES, "pop3", "login", "auth-refused"), SALES, 10)
    assert verdict.status == "failed"
    for words in ("no FullAccess", "POP is disabled", "is not ece-mail@example.com's", "POP.AccessAsUser.All"):
        assert words in verdict.detail
    assert "-PopEnabled $true" in verdict.remediation and "Add-MailboxPermission" in verdict.remediation


def test_full_access_passes_when_the_mailbox_accepts_the_delegate_even_if_inbox_fails() -> None:
    verdict = judge_full_access(seen(SALES, "pop3", "mailbox", "stat-failed"), SALES, 10)
    assert verdict.status == "passed" and "see mailbox.inbound" in verdict.detail


def test_no_token_is_cannot_tell_naming_token_refresh() -> None:
    observation = seen(SALES, "pop3", "token", "no-token", message="token.refresh got no access token (invalid_grant)")
    for judge in (judge_inbound, judge_smtp, judge_full_access):
        verdict = judge(observation, SALES, 10)
        assert verdict.status == "skipped" and "token.refresh" in verdict.detail


@pytest.mark.parametrize(("stage", "check"), [("dns", "network.dns"), ("tcp", "network.tcp"), ("tls", "network.tls")])
def test_network_failures_are_left_to_the_network_checks(stage: str, check: str) -> None:
    verdict = judge_inbound(seen(SUPPORT, "imap", stage, "read-timeout"), SUPPORT, 10)
    assert verdict.status == "skipped" and f"{check} fails" in verdict.detail


def test_a_session_that_stops_answering_after_tls_is_a_network_finding() -> None:
    verdict = judge_inbound(seen(SUPPORT, "imap", "mailbox", "read-timeout"), SUPPORT, 7)
    assert (verdict.status, verdict.owner) == ("failed", "network")
    assert "within 7 s" in verdict.detail and "*.office365.com" in verdict.remediation


@pytest.mark.parametrize(
    ("reply", "error", "fix"),
    [
        (
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled",
            "smtp-auth-disabled-tenant",
            "Set-TransportConfig -SmtpClientAuthenticationDisabled $false",
        ),
        (
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.",
            "smtp-auth-disabled-mailbox",
            "Set-CASMailbox support@example.com -SmtpClientAuthenticationDisabled $false",
        ),
        ("535 5.7.3 Authentication unsuccessful [SN2PR00CA0018]", "auth-refused", "SMTP.Send"),
    ],
)
def test_smtp_refusals(reply: str, error: str, fix: str) -> None:
    assert classify_auth(reply) == error
    verdict = judge_smtp(seen(SUPPORT, "smtp", "login", error, auth_reply=reply), SUPPORT, 10)
    assert verdict.status == "failed" and fix in verdict.remediation
    assert verdict.owner == ("azure-admin" if error == "auth-refused" else "exchange-admin")


@pytest.mark.parametrize(
    "reply",
    [
        "554 5.2.252 SendAsDenied; ece-mail@example.com not allowed to send as sales@example.com; STOREDRV",
        "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
    ],
)
def test_send_as_denied_names_both_addresses(reply: str) -> None:
    assert classify_send(reply) == "send-as-denied"
    observation = seen(SALES, "smtp", "send", "send-as-denied", follow_up=reply)
    verdict = judge_send_test(observation, SALES, "ops@example.net", 10)
    assert verdict.status == "failed" and verdict.owner == "exchange-admin"
    assert "ece-mail@example.com is not allowed to send as sales@example.com" in verdict.detail
    assert "Add-RecipientPermission -Identity sales@example.com -Trustee ece-mail@example.com" in verdict.remediation


def test_send_test_leaves_a_failed_login_to_mailbox_smtp() -> None:
    observation = seen(SALES, "smtp", "login", "smtp-auth-disabled-tenant")
    verdict = judge_send_test(observation, SALES, "ops@example.net", 10)
    assert verdict.status == "skipped" and "see mailbox.smtp" in verdict.detail


def test_nothing_is_sent_without_the_option() -> None:
    ctx = CheckContext(config=None, roles=("services",), options=RunOptions())  # type: ignore[arg-type]
    target = Target(SUPPORT.address, mailbox=SUPPORT)
    assert list(send_needs(ctx, target)) == []
    verdict = send_test(ctx, target)
    assert (verdict.status, verdict.detail) == ("skipped", NOTHING_SENT)


# --- the diagnosis rows -----------------------------------------------------------------------------

#: Every error class the mailbox probes produce after reaching the server, per protocol.
PRODUCED = {
    "imap": ("auth-refused", "not-connected", "examine-failed", "no-xoauth2", "read-timeout", "closed", "garbage", "rejected"),
    "pop3": ("auth-refused", "stat-failed", "no-xoauth2", "read-timeout", "closed", "garbage"),
    "smtp": ("auth-refused", "smtp-auth-disabled-tenant", "smtp-auth-disabled-mailbox", "no-xoauth2", "read-timeout", "closed", "garbage"),
}  # fmt: skip
SEND = ("send-as-denied", "not-authenticated", "recipient-refused", "send-refused", "read-timeout", "closed")


def _has_row(check: str, protocol: str, error: str, shared: bool) -> bool:
    keys = [f"{protocol}-{error}", error] + ([f"{protocol}-{error}-shared"] if shared else [])
    return any((check, key) in TABLE for key in keys)


@pytest.mark.parametrize("shared", [False, True])
def test_every_produced_error_has_a_row(shared: bool) -> None:
    missing = []
    for protocol, errors in PRODUCED.items():
        check = "mailbox.smtp" if protocol == "smtp" else "mailbox.inbound"
        missing += [(check, protocol, e) for e in errors if not _has_row(check, protocol, e, shared)]
        if protocol != "smtp" and shared:
            judged = [e for e in errors if e not in ("examine-failed", "stat-failed")]  # those pass (see above)
            missing += [
                ("rights.full_access", protocol, e)
                for e in judged
                if not _has_row("rights.full_access", protocol, e, True)
            ]
    missing += [("mailbox.send_test", "smtp", e) for e in SEND if not _has_row("mailbox.send_test", "smtp", e, shared)]
    assert missing == []


@pytest.mark.parametrize("key", sorted(ROWS), ids=[f"{c}:{e}" for c, e in sorted(ROWS)])
def test_rows_are_in_the_shared_table_and_complete(key: tuple[str, str]) -> None:
    row = TABLE[key]
    assert row is ROWS[key] and row.section == CHECKS[key[0]].section
    assert placeholders(row.cause) | placeholders(row.remediation) <= FACTS
