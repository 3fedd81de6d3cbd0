"""The mailbox checks judged from recorded observations (no network), and their diagnosis rows.

Each judge gets the run's selection (``CheckContext.selected``): a cause another check owns is left to
it (a skip naming it) only when the run executes that check for that target; otherwise the mailbox
check fails with that cause's finding, so that no selection hides a fault.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_ece_o365.catalog import CHECKS
from pytest_ece_o365.checks import mailbox_judge
from pytest_ece_o365.checks.base import CheckContext, RunOptions, Target, settle
from pytest_ece_o365.checks.mailbox import NOTHING_SENT, send_needs, send_test
from pytest_ece_o365.config.deployment import Endpoint, Mailbox
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.diagnosis import TABLE
from pytest_ece_o365.diagnosis.mail import MAIL_FACTS, ROWS
from pytest_ece_o365.diagnosis.table import FACTS, placeholders
from pytest_ece_o365.plugin.source import packaged_example
from pytest_ece_o365.probes.mail_session import MailSessionObservation
from pytest_ece_o365.probes.mail_smtp import classify_auth, classify_send
from pytest_ece_o365.probes.observation import CertificateInfo
from pytest_ece_o365.probes.token import TokenNeed, TokenObservation
from pytest_ece_o365.secret import Secret
from pytest_ece_o365.verdict import Verdict

CONFIG = load_config(packaged_example())
SUPPORT = Mailbox("support@example.com", "imap")
SALES = Mailbox("sales@example.com", "pop3", "shared", "ece-mail@example.com")
SHARED_IMAP = Mailbox("team@example.com", "imap", "shared", "ece-mail@example.com")
IMAP = Endpoint("outlook.office365.com", 993)
POP3 = Endpoint("outlook.office365.com", 995)
SMTP = Endpoint("smtp.office365.com", 587)
TRAP = "A02 BAD User is authenticated but not connected."
OUTLOOK = "https://outlook.office.com"
ALL_SCOPES = "IMAP.AccessAsUser.All POP.AccessAsUser.All SMTP.Send"


def ctx(*selected: tuple[str, str], timeout: float = 10) -> CheckContext:
    """The context of a run that executes ``selected`` (check id, target) items."""
    return CheckContext(CONFIG, ("services",), RunOptions(timeout=timeout), selected=frozenset(selected))


def _settled(judge: Any, check_id: str) -> Any:
    """A judge with the run's one rule applied (checks.base.settle), as a run reports it."""

    def run(context: CheckContext, observation: MailSessionObservation, mailbox: Mailbox, *args: Any) -> Verdict:
        return settle(judge(context, observation, mailbox, *args), check_id, mailbox.address, context)

    return run


judge_inbound = _settled(mailbox_judge.judge_inbound, "mailbox.inbound")
judge_smtp = _settled(mailbox_judge.judge_smtp, "mailbox.smtp")
judge_full_access = _settled(mailbox_judge.judge_full_access, "rights.full_access")
judge_send_test = _settled(mailbox_judge.judge_send_test, "mailbox.send_test")


def seen(mailbox: Mailbox, protocol: str, stage: str, error: str = "", **fields: object) -> MailSessionObservation:
    endpoint = {"imap": IMAP, "pop3": POP3, "smtp": SMTP}[protocol]
    values: dict[str, object] = {"message": f"{endpoint} said no", "transcript": ("S: greeting",), **fields}
    user = mailbox.token_user if protocol == "smtp" else mailbox.address  # SMTP logs in as the token's account
    return MailSessionObservation(protocol, endpoint, user, mailbox.token_user, stage, error, **values)  # type: ignore[arg-type]


def token(mailbox: Mailbox, user: str | None = None, scp: str = ALL_SCOPES, **claims: Any) -> TokenObservation:
    """The token observation of ``mailbox``'s refresh token, issued to ``user`` (default: the right one)."""
    need = TokenNeed("mailboxes[0].refresh_token", mailbox.token_user, ())
    values = {"aud": OUTLOOK, "scp": scp, "upn": user or mailbox.token_user, **claims}
    return TokenObservation(need, True, Secret("eyJ.recorded.token"), claims=values, expires_in=3599)


def dead_token(mailbox: Mailbox, error: str = "invalid_grant", aadsts: int | None = 700082) -> TokenObservation:
    need = TokenNeed("mailboxes[0].refresh_token", mailbox.token_user, ())
    description = f"AADSTS{aadsts}: The refresh token has expired due to inactivity." if aadsts else "it failed"
    return TokenObservation(need, False, error=error, aadsts=aadsts, description=description, transcript=("S: 400",))


# --- the session itself -----------------------------------------------------------------------------


def test_imap_passes_only_after_examine() -> None:
    verdict = judge_inbound(ctx(), seen(SUPPORT, "imap", "done", messages=3), SUPPORT)
    assert verdict.status == "passed" and "EXAMINE INBOX (read-only) OK (3 messages)" in verdict.detail
    trap = seen(
        SUPPORT, "imap", "mailbox", "not-connected", auth_reply="A01 OK AUTHENTICATE completed.", follow_up=TRAP
    )
    verdict = judge_inbound(ctx(), trap, SUPPORT)
    assert (verdict.status, verdict.owner) == ("failed", "exchange-admin")
    assert "Set-CASMailbox support@example.com -ImapEnabled $true" in verdict.remediation
    assert verdict.evidence == ("S: greeting",)


def test_imap_trap_on_a_shared_mailbox_names_full_access_too_when_that_check_is_not_run() -> None:
    verdict = judge_inbound(ctx(), seen(SHARED_IMAP, "imap", "mailbox", "not-connected"), SHARED_IMAP)
    assert verdict.status == "failed"
    assert "Add-MailboxPermission -Identity team@example.com -User ece-mail@example.com" in verdict.remediation
    assert "-ImapEnabled $true" in verdict.remediation


@pytest.mark.parametrize(
    ("mailbox", "protocol", "error"), [(SALES, "pop3", "auth-refused"), (SHARED_IMAP, "imap", "not-connected")]
)
def test_a_shared_mailbox_refusal_without_a_cause_is_left_to_full_access(
    mailbox: Mailbox, protocol: str, error: str
) -> None:
    observation = seen(mailbox, protocol, "login" if protocol == "pop3" else "mailbox", error)
    run = ctx(("mailbox.inbound", mailbox.address), ("rights.full_access", mailbox.address))
    inbound = judge_inbound(run, observation, mailbox)
    assert inbound.status == "skipped" and inbound.blocked_by == ("rights.full_access", mailbox.address)
    assert inbound.detail.startswith(f"blocked by rights.full_access for {mailbox.address}")
    rights = judge_full_access(run, observation, mailbox)
    assert (rights.status, rights.owner) == ("failed", "exchange-admin")
    for cause in ("no FullAccess", "disabled on", "is not ece-mail@example.com's"):
        assert cause in rights.detail, cause
    assert "Add-MailboxPermission" in rights.remediation and "Enabled $true" in rights.remediation


def test_full_access_tells_a_rejected_token_from_a_refused_mailbox_over_imap() -> None:
    rejected = judge_full_access(ctx(), seen(SHARED_IMAP, "imap", "login", "auth-refused"), SHARED_IMAP)
    assert rejected.owner == "azure-admin" and "this is the token, not FullAccess" in rejected.detail
    refused = judge_full_access(ctx(), seen(SHARED_IMAP, "imap", "mailbox", "not-connected"), SHARED_IMAP)
    assert refused.owner == "exchange-admin"
    assert refused.remediation.startswith(
        "Grant FullAccess: `Add-MailboxPermission -Identity team@example.com -User ece-mail@example.com "
        "-AccessRights FullAccess"
    )


def test_a_rejected_token_is_mailbox_inbound_s_finding_when_both_run() -> None:
    observation = seen(SHARED_IMAP, "imap", "login", "auth-refused")
    run = ctx(("mailbox.inbound", SHARED_IMAP.address), ("rights.full_access", SHARED_IMAP.address))
    assert judge_inbound(run, observation, SHARED_IMAP).status == "failed"
    rights = judge_full_access(run, observation, SHARED_IMAP)
    assert rights.status == "skipped" and rights.blocked_by == ("mailbox.inbound", SHARED_IMAP.address)


def test_full_access_over_pop3_names_every_cause() -> None:
    verdict = judge_full_access(ctx(), seen(SALES, "pop3", "login", "auth-refused"), SALES)
    assert verdict.status == "failed"
    for words in ("no FullAccess", "POP is disabled", "is not ece-mail@example.com's", "POP.AccessAsUser.All"):
        assert words in verdict.detail
    assert "-PopEnabled $true" in verdict.remediation and "Add-MailboxPermission" in verdict.remediation


@pytest.mark.parametrize(
    ("mailbox", "protocol", "error"), [(SALES, "pop3", "stat-failed"), (SHARED_IMAP, "imap", "examine-failed")]
)
def test_full_access_passes_only_when_the_mailbox_opened(mailbox: Mailbox, protocol: str, error: str) -> None:
    observation = seen(mailbox, protocol, "mailbox", error, follow_up="A02 NO Mailbox is being migrated")
    alone = judge_full_access(ctx(), observation, mailbox)
    assert (alone.status, alone.owner) == ("failed", "exchange-admin")
    assert "FullAccess could not be confirmed" in alone.detail
    both = ctx(("mailbox.inbound", mailbox.address), ("rights.full_access", mailbox.address))
    left = judge_full_access(both, observation, mailbox)
    assert left.status == "skipped" and left.blocked_by == ("mailbox.inbound", mailbox.address)
    opened = judge_full_access(ctx(), seen(mailbox, protocol, "done", messages=0), mailbox)
    assert opened.status == "passed"


# --- causes other checks own: the token ---------------------------------------------------------------


def test_no_token_is_left_to_token_refresh_when_it_runs_and_its_finding_when_not() -> None:
    observation = seen(SUPPORT, "imap", "token", "no-token", message="invalid_grant: AADSTS700082: expired")
    dead = dead_token(SUPPORT)
    for judge in (judge_inbound, judge_smtp):
        skipped = judge(ctx(("token.refresh", SUPPORT.address)), observation, SUPPORT, dead)
        assert skipped.status == "skipped" and skipped.blocked_by == ("token.refresh", SUPPORT.address)
        assert "was not tried (no access token)" in skipped.detail
        alone = judge(ctx(), observation, SUPPORT, dead)
        assert (alone.status, alone.owner) == ("failed", "ece-admin")
        assert "AADSTS700082" in alone.detail and "was not tried" in alone.detail


def test_a_missing_secret_or_refresh_token_is_always_a_skip() -> None:
    observation = seen(
        SALES, "pop3", "token", "no-token", message="mailboxes entry sales@example.com has no refresh_token"
    )
    missing = TokenObservation(TokenNeed("k", SALES.token_user, ()), False, error="secret-missing", description="unset")
    for judge in (judge_inbound, judge_smtp, judge_full_access):
        for token_observation in (None, missing):
            verdict = judge(ctx(), observation, SALES, token_observation)
            assert verdict.status == "skipped" and "token.refresh" in verdict.detail


def test_a_token_of_another_account_is_token_identity_s_cause() -> None:
    trap = seen(SUPPORT, "imap", "mailbox", "not-connected", follow_up=TRAP)
    admin = token(SUPPORT, "admin@example.com")
    left = judge_inbound(ctx(("token.identity", SUPPORT.address)), trap, SUPPORT, admin)
    assert left.status == "skipped" and left.blocked_by == ("token.identity", SUPPORT.address)
    assert left.detail.startswith("blocked by token.identity for support@example.com (token-wrong-account): ")
    refused = seen(SUPPORT, "smtp", "login", "auth-refused", auth_reply="535 5.7.3 Authentication unsuccessful")
    alone = judge_smtp(ctx(), refused, SUPPORT, admin)
    assert (alone.status, alone.owner) == ("failed", "ece-admin")  # token.identity's finding, not azure-admin's
    assert "535 5.7.3" in alone.detail and "issued to admin@example.com" in alone.detail
    assert "private/incognito" in alone.remediation


def test_a_missing_scope_is_token_scopes_cause_for_that_protocol_only() -> None:
    no_imap = token(SUPPORT, scp="SMTP.Send")
    refused = seen(SUPPORT, "imap", "login", "auth-refused", auth_reply="A01 NO AUTHENTICATE failed.")
    left = judge_inbound(ctx(("token.scopes", SUPPORT.address)), refused, SUPPORT, no_imap)
    assert left.status == "skipped" and "lacks IMAP.AccessAsUser.All" in left.detail
    alone = judge_inbound(ctx(), refused, SUPPORT, no_imap)
    assert (alone.status, alone.owner) == ("failed", "azure-admin") and "lacks IMAP.AccessAsUser.All" in alone.detail
    # SMTP.Send is there: an SMTP refusal is SMTP's own finding
    smtp_refused = seen(SUPPORT, "smtp", "login", "auth-refused", auth_reply="535 5.7.3 Authentication unsuccessful")
    assert judge_smtp(ctx(("token.scopes", SUPPORT.address)), smtp_refused, SUPPORT, no_imap).status == "failed"


def test_findings_name_the_token_by_its_claims_never_by_the_config() -> None:
    refused = seen(SUPPORT, "smtp", "login", "auth-refused", auth_reply="535 5.7.3 Authentication unsuccessful")
    opaque = TokenObservation(TokenNeed("k", SUPPORT.address, ()), True, Secret("opaque"), claims={})
    verdict = judge_smtp(ctx(), refused, SUPPORT, opaque)  # claims unknown: the token *given for* the mailbox
    assert "the token given for support@example.com was rejected" in verdict.detail
    assert "the token of support@example.com" not in verdict.detail
    fine = token(SUPPORT)
    verdict = judge_smtp(ctx(), refused, SUPPORT, fine)
    assert "the token of support@example.com was rejected" in verdict.detail  # from its upn claim
    passed = judge_smtp(ctx(), seen(SUPPORT, "smtp", "done", auth_reply="235 2.7.0 ok"), SUPPORT, None)
    assert "with the token given for support@example.com was accepted" in passed.detail


# --- causes other checks own: the network --------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "error", "check", "label", "words"),
    [
        ("dns", "nxdomain", "network.dns", "outlook.office365.com", "does not exist for 10.0.0.53:53"),
        ("tcp", "refused", "network.tcp", "outlook.office365.com:993", "Open TCP 993"),
        ("tls", "read-timeout", "network.tls", "outlook.office365.com:993", "within 4 s"),
        ("tls", "tls-untrusted", "network.tls", "outlook.office365.com:993", "issued by Contoso Inspection"),
        ("login", "no-xoauth2", "network.xoauth2", "outlook.office365.com:993", "does not offer XOAUTH2"),
    ],
)
def test_network_failures_are_left_to_the_network_check_of_the_step_only_when_it_runs(
    stage: str, error: str, check: str, label: str, words: str
) -> None:
    certificate = CertificateInfo("outlook.office365.com", "Contoso", "Contoso Inspection")
    observation = seen(SUPPORT, "imap", stage, error, resolver="10.0.0.53:53", certificate=certificate)
    left = judge_inbound(ctx((check, label)), observation, SUPPORT)
    assert left.status == "skipped" and left.blocked_by == (check, label)
    assert left.detail.startswith(f"blocked by {check} for {label} (")
    alone = judge_inbound(ctx((check, "another-host:993"), timeout=4), observation, SUPPORT)
    assert (alone.status, alone.owner) == ("failed", "network")
    assert alone.detail.startswith(f"The IMAP login of support@example.com could not be tried ({check} fails).")
    assert words in f"{alone.detail} {alone.remediation}"
    assert alone.evidence == ("S: greeting",)


def test_a_network_failure_of_a_shared_mailbox_is_reported_once() -> None:
    observation = seen(SALES, "pop3", "tcp", "refused")
    run = ctx(("mailbox.inbound", SALES.address), ("rights.full_access", SALES.address))
    assert judge_inbound(run, observation, SALES).owner == "network"
    rights = judge_full_access(run, observation, SALES)
    assert rights.status == "skipped" and "mailbox.inbound" in rights.detail
    assert judge_full_access(ctx(), observation, SALES).owner == "network"  # alone, it says it itself


def test_a_session_that_stops_answering_after_tls_is_a_network_finding() -> None:
    verdict = judge_inbound(ctx(timeout=7), seen(SUPPORT, "imap", "mailbox", "read-timeout"), SUPPORT)
    assert (verdict.status, verdict.owner) == ("failed", "network")
    assert "within 7 s" in verdict.detail and "*.office365.com" in verdict.remediation


# --- SMTP and the test message -----------------------------------------------------------------------


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
    verdict = judge_smtp(ctx(), seen(SUPPORT, "smtp", "login", error, auth_reply=reply), SUPPORT, token(SUPPORT))
    assert verdict.status == "failed" and fix in verdict.remediation
    assert verdict.owner == ("azure-admin" if error == "auth-refused" else "exchange-admin")


def test_a_shared_mailbox_smtp_refusal_is_never_full_access_advice() -> None:
    # SMTP logs in as token_account itself: FullAccess on the shared mailbox plays no part in a 5.7.3.
    refused = seen(SALES, "smtp", "login", "auth-refused", auth_reply="535 5.7.3 Authentication unsuccessful")
    run = ctx(("rights.full_access", SALES.address), ("mailbox.inbound", SALES.address))
    verdict = judge_smtp(run, refused, SALES, token(SALES))
    assert (verdict.status, verdict.owner) == ("failed", "exchange-admin")
    assert "SMTP login of ece-mail@example.com" in verdict.detail and "plays no part" in verdict.detail
    assert "FullAccess" not in verdict.remediation and "Add-MailboxPermission" not in verdict.remediation
    assert "Get-CASMailbox ece-mail@example.com" in verdict.remediation


def test_a_shared_mailbox_smtp_login_names_the_account_it_logs_in_as() -> None:
    accepted = seen(SALES, "smtp", "done", auth_reply="235 2.7.0 Authentication successful")
    verdict = judge_smtp(ctx(), accepted, SALES, token(SALES))
    assert verdict.status == "passed" and "(logged in as ece-mail@example.com)" in verdict.detail
    disabled = seen(SALES, "smtp", "login", "smtp-auth-disabled-mailbox", auth_reply="535 5.7.139 … Mailbox.")
    verdict = judge_smtp(ctx(), disabled, SALES, token(SALES))
    assert "Set-CASMailbox ece-mail@example.com -SmtpClientAuthenticationDisabled $false" in verdict.remediation


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
    verdict = judge_send_test(ctx(), observation, SALES, "ops@example.net", token(SALES))
    assert verdict.status == "failed" and verdict.owner == "exchange-admin"
    assert (
        "ece-mail@example.com, the account ECE logs in as, has no Send As right on sales@example.com" in verdict.detail
    )
    assert "Add-RecipientPermission -Identity sales@example.com -Trustee ece-mail@example.com -AccessRights SendAs" in (
        verdict.remediation
    )
    assert "Add-MailboxPermission" not in verdict.remediation  # FullAccess is not the cause


def test_send_as_denied_for_a_mailbox_of_its_own_says_the_address_is_not_the_account_s() -> None:
    observation = seen(SUPPORT, "smtp", "send", "send-as-denied", follow_up="550 5.7.60 SMTP; Client does not …")
    verdict = judge_send_test(ctx(), observation, SUPPORT, "ops@example.net", token(SUPPORT))
    assert "is not one of support@example.com's addresses" in verdict.detail
    assert "Get-Mailbox support@example.com" in verdict.remediation


def test_send_test_leaves_a_failed_login_to_mailbox_smtp_when_it_runs() -> None:
    observation = seen(SALES, "smtp", "login", "smtp-auth-disabled-tenant")
    verdict = judge_send_test(ctx(("mailbox.smtp", SALES.address)), observation, SALES, "ops@example.net")
    assert verdict.status == "skipped" and verdict.blocked_by == ("mailbox.smtp", SALES.address)
    alone = judge_send_test(ctx(), observation, SALES, "ops@example.net")
    assert (alone.status, alone.owner) == ("failed", "exchange-admin") and "5.7.139" in alone.detail


def test_nothing_is_sent_without_the_option() -> None:
    context = CheckContext(config=None, roles=("services",), options=RunOptions())  # type: ignore[arg-type]
    target = Target(SUPPORT.address, mailbox=SUPPORT)
    assert list(send_needs(context, target)) == []
    verdict = send_test(context, target)
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
            missing += [
                ("rights.full_access", protocol, e)
                for e in errors
                if not _has_row("rights.full_access", protocol, e, True)
            ]
    missing += [("mailbox.send_test", "smtp", e) for e in SEND if not _has_row("mailbox.send_test", "smtp", e, shared)]
    assert missing == []


@pytest.mark.parametrize("key", sorted(ROWS), ids=[f"{c}:{e}" for c, e in sorted(ROWS)])
def test_rows_are_in_the_shared_table_and_complete(key: tuple[str, str]) -> None:
    row = TABLE[key]
    assert row is ROWS[key] and row.section == CHECKS[key[0]].section
    assert placeholders(row.cause) | placeholders(row.remediation) <= FACTS | MAIL_FACTS
