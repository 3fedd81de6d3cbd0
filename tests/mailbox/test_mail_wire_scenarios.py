"""The mail-wire scenarios end to end (--ece-simulate=SCENARIO): the simulator answers in Office 365's exact
words, tag included, and the check that owns each reply reports it with its own cause id, fix and doc."""

from __future__ import annotations

import re

import pytest
from mailboxkit import DELEGATE, SALES, SUPPORT, failures, run_json

TAG = re.compile(r" \[[A-Z0-9]+\.[a-z0-9]+\.prod\.outlook\.com \d{4}-\d\d-\d\dT[\d:.]+Z [0-9A-F]{16}\]")


@pytest.mark.parametrize(
    ("scenario", "cause", "words", "fix", "doc"),
    [
        (
            "smtp-ca-blocked",
            "smtp-auth-conditional-access",
            "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator.",
            "Sign-in logs for {account}",
            "https://learn.microsoft.com/en-us/entra/identity/conditional-access/howto-conditional-access-policy-block-legacy",
        ),
        (
            "smtp-security-defaults",
            "smtp-auth-security-defaults",
            "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy.",
            "as {account}",
            "https://learn.microsoft.com/en-us/entra/fundamentals/security-defaults",
        ),
    ],
)  # fmt: skip
def test_smtp_policy_refusals_are_their_own_causes(
    pytester: pytest.Pytester, scenario: str, cause: str, words: str, fix: str, doc: str
) -> None:
    result, rows = run_json(pytester, f"--ece-simulate={scenario}", "-m", "mailbox")
    assert result.ret == 1
    found = failures(rows)
    assert set(found) == {("mailbox.smtp", SUPPORT), ("mailbox.smtp", SALES)}  # a policy on every sign-in
    for (_, target), row in found.items():
        account = DELEGATE if target == SALES else SUPPORT
        assert row["cause"] == cause
        assert row["owner"] == "azure-admin"
        assert row["doc"] == doc
        assert words in row["detail"]
        assert fix.format(account=account) in row["remediation"]
        auth = next(line for line in row["evidence"] if line.startswith("S: 535 "))
        assert TAG.search(auth), auth  # the reply carried Exchange Online's tag: the cause is the same


def test_imap_auth_failed_lists_the_real_alternatives(pytester: pytest.Pytester) -> None:
    result, rows = run_json(pytester, "--ece-simulate=imap-auth-failed", "-m", "mailbox")
    assert result.ret == 1
    found = failures(rows)
    assert set(found) == {("mailbox.inbound", SUPPORT)}
    row = found["mailbox.inbound", SUPPORT]
    assert row["cause"] == "imap-auth-refused"
    assert "NO AUTHENTICATE failed." in row["detail"]
    for alternative in ("Microsoft Graph instead of Outlook", "an expired token", "IMAP.AccessAsUser.All"):
        assert alternative in row["detail"]
    assert row["doc"].startswith("https://learn.microsoft.com/")


def test_a_bye_instead_of_a_reply_to_examine_is_its_own_cause(pytester: pytest.Pytester) -> None:
    result, rows = run_json(pytester, "--ece-simulate=imap-bye", "-m", "mailbox")
    assert result.ret == 1
    found = failures(rows)
    assert set(found) == {("mailbox.inbound", SUPPORT)}
    row = found["mailbox.inbound", SUPPORT]
    assert row["cause"] == "imap-bye"
    assert "* BYE Connection closed. 14" in row["detail"]
    assert f"Set-CASMailbox {SUPPORT} -ImapEnabled $true" in row["remediation"]
    assert (
        row["doc"]
        == "https://learn.microsoft.com/en-us/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth"
    )
    assert "S: * BYE Connection closed. 14" in row["evidence"]


def test_pop_logon_failure_names_the_password_login(pytester: pytest.Pytester) -> None:
    result, rows = run_json(pytester, "--ece-simulate=pop-logon-failure", "-m", "mailbox")
    assert result.ret == 1
    found = failures(rows)
    assert set(found) == {("mailbox.inbound", SALES)}  # the shared POP3 mailbox: not a FullAccess finding
    row = found["mailbox.inbound", SALES]
    assert row["cause"] == "pop3-logon-failure"
    assert "-ERR Logon failure: unknown user name or bad password." in row["detail"]
    assert "OAuth (XOAUTH2)" in row["remediation"] and DELEGATE in row["remediation"]
    assert (
        row["doc"]
        == "https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/pop3-and-imap4/enable-or-disable-pop3-or-imap4-access"
    )


def test_send_as_in_the_older_5_2_0_wording(pytester: pytest.Pytester) -> None:
    args = ("--ece-simulate=send-as-5-2-0", "-m", "mailbox", "--ece-send-test-mail", "ops@example.net")
    result, rows = run_json(pytester, *args)
    assert result.ret == 1
    found = failures(rows)
    assert set(found) == {("mailbox.send_test", SALES)}
    row = found["mailbox.send_test", SALES]
    assert row["cause"] == "smtp-send-as-denied-shared"
    assert "554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied" in row["detail"]
    assert f"Add-RecipientPermission -Identity {SALES} -Trustee {DELEGATE} -AccessRights SendAs" in row["remediation"]
    assert row["doc"] == "https://learn.microsoft.com/powershell/module/exchangepowershell/add-recipientpermission"
    refusal = next(line for line in row["evidence"] if line.startswith("S: 554 "))
    assert TAG.search(refusal), refusal


def test_the_imap_trap_refuses_the_first_command_and_hangs_up_at_the_second(pytester: pytest.Pytester) -> None:
    """What the probe sees of the real sequence: EXAMINE gets BAD only (the session stays), and the probe
    still judges "not connected"."""
    result, rows = run_json(pytester, "--ece-simulate=imap-disabled", "-m", "mailbox")
    assert result.ret == 1
    row = failures(rows)["mailbox.inbound", SUPPORT]
    assert row["cause"] == "imap-not-connected"
    evidence = row["evidence"]
    assert any(line.endswith(" BAD User is authenticated but not connected.") for line in evidence)
    assert "S: * BYE Connection closed. 14" not in evidence  # only a second failing command earns the BYE


def test_tls_old_at_smtp_auth_is_one_finding_of_mailbox_smtp(pytester: pytest.Pytester) -> None:
    """421 4.7.66 answers AUTH on 587 and ends the session (DSpace/DSpace#8123: JavaMail's
    AuthenticationFailedException). mailbox.smtp reports it with its own cause; the capability probe
    (network.xoauth2, EHLO only) and the TLS check see nothing wrong, so no second finding names it."""
    result, rows = run_json(pytester, "--ece-simulate=smtp-tls-old", "-m", "mailbox or network")
    assert result.ret == 1
    found = failures(rows)
    assert set(found) == {("mailbox.smtp", SUPPORT), ("mailbox.smtp", SALES)}  # every SMTP login meets it
    for row in found.values():
        assert row["cause"] == "smtp-tls-old"
        assert row["owner"] == "network"
        assert row["doc"] == "https://aka.ms/smtp_auth_tls"
        assert "421 4.7.66 TLS 1.0 and 1.1 are not supported" in row["detail"]
        assert "TLS 1.2 or later" in row["remediation"] and "smtp.office365.com" in row["remediation"]
        refusal = next(line for line in row["evidence"] if line.startswith("S: 421 "))
        assert TAG.search(refusal), refusal  # the tag is there and the cause is still the TLS one
    smtp_endpoint = [row for row in rows if row["check"] == "network.xoauth2" and ":587" in row["target"]]
    assert smtp_endpoint and all(row["status"] == "passed" for row in smtp_endpoint), smtp_endpoint
    # No other result carries the cause: whatever else met it is blocked by mailbox.smtp, not a finding.
    others = [r for r in rows if r.get("cause") == "smtp-tls-old" and r["check"] != "mailbox.smtp"]
    assert all(r["status"] == "skipped" and r.get("blocked_by") for r in others), others
