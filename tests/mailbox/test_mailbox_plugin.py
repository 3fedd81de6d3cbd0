"""The live mailbox checks through the plugin, against the simulated tenant: each mailbox fault fails
the right check for the right mailbox, with the right owner and remediation, and the run is read-only
unless --ece-send-test-mail asks for exactly one message per mailbox."""

from __future__ import annotations

import pytest
from deployments import deployment_text
from mailboxkit import DELEGATE, SALES, SUPPORT, SimulatorSpy, failures, run_json, statuses

MAILBOX_CHECKS = ("mailbox.inbound", "mailbox.smtp", "mailbox.send_test", "rights.full_access")


def test_healthy_tenant_passes_every_mailbox_check(pytester: pytest.Pytester) -> None:
    result, rows = run_json(pytester, "--ece-simulate=healthy", "-m", "mailbox")
    assert result.ret == 0
    assert statuses(rows) == {
        ("mailbox.inbound", SUPPORT): "passed",
        ("mailbox.inbound", SALES): "passed",
        ("mailbox.smtp", SUPPORT): "passed",
        ("mailbox.smtp", SALES): "passed",
        ("mailbox.send_test", SUPPORT): "skipped",
        ("mailbox.send_test", SALES): "skipped",
        ("rights.full_access", SALES): "passed",
    }
    skipped = [row["detail"] for row in rows if row["status"] == "skipped"]
    assert skipped == ["nothing is sent without --ece-send-test-mail"] * 2
    inbound = next(row for row in rows if row["check"] == "mailbox.inbound" and row["target"] == SUPPORT)
    assert "C: A01 AUTHENTICATE XOAUTH2 [redacted]" in inbound["evidence"]


def test_imap_disabled_fails_inbound_for_that_mailbox_only(pytester: pytest.Pytester) -> None:
    result, rows = run_json(pytester, "--ece-simulate=imap-disabled", "-m", "mailbox")
    assert result.ret == 1
    found = failures(rows)
    assert set(found) == {("mailbox.inbound", SUPPORT)}
    row = found["mailbox.inbound", SUPPORT]
    assert row["owner"] == "exchange-admin"
    assert "BAD User is authenticated but not connected." in row["detail"]
    assert f"Set-CASMailbox {SUPPORT} -ImapEnabled $true" in row["remediation"]


def test_pop_disabled_names_every_cause_pop3_cannot_tell_apart(pytester: pytest.Pytester) -> None:
    result, rows = run_json(pytester, "--ece-simulate=pop-disabled", "-m", "mailbox")
    assert result.ret == 1
    found = failures(rows)
    # sales@ is a shared POP3 mailbox: POP3 says one line whatever the cause, so the FullAccess check
    # (same session) cannot rule itself out either.
    assert set(found) == {("mailbox.inbound", SALES), ("rights.full_access", SALES)}
    row = found["mailbox.inbound", SALES]
    assert row["owner"] == "exchange-admin"
    assert f"Set-CASMailbox {SALES} -PopEnabled $true" in row["remediation"]
    assert f"Add-MailboxPermission -Identity {SALES} -User {DELEGATE} -AccessRights FullAccess" in row["remediation"]
    assert "token.identity" in row["remediation"]


def test_smtp_auth_disabled_for_the_tenant(pytester: pytest.Pytester) -> None:
    result, rows = run_json(pytester, "--ece-simulate=smtp-auth-disabled", "-m", "mailbox")
    assert result.ret == 1
    found = failures(rows)
    assert set(found) == {("mailbox.smtp", SUPPORT), ("mailbox.smtp", SALES)}  # a tenant-wide switch
    for row in found.values():
        assert row["owner"] == "exchange-admin"
        assert "5.7.139" in row["detail"] and "disabled for the Tenant" in row["detail"]
        assert "Set-TransportConfig -SmtpClientAuthenticationDisabled $false" in row["remediation"]


def test_no_full_access_fails_the_rights_check(pytester: pytest.Pytester) -> None:
    result, rows = run_json(pytester, "--ece-simulate=no-full-access", "-m", "mailbox")
    assert result.ret == 1
    found = failures(rows)
    assert ("rights.full_access", SALES) in found
    assert {target for _, target in found} == {SALES}
    row = found["rights.full_access", SALES]
    assert row["owner"] == "exchange-admin"
    assert f"Add-MailboxPermission -Identity {SALES} -User {DELEGATE} -AccessRights FullAccess" in row["remediation"]
    assert found["mailbox.smtp", SALES]["owner"] == "exchange-admin"


def test_server_hangs_is_the_network_checks_finding_within_the_timeout(pytester: pytest.Pytester) -> None:
    result, rows = run_json(pytester, "--ece-simulate=server-hangs", "-m", "mailbox or network", "--ece-timeout", "1")
    assert result.ret == 1
    found = failures(rows)
    assert [(check, target.rsplit(":", 1)[0]) for check, target in found] == [("network.tls", "outlook.office365.com")]
    inbound = next(row for row in rows if row["check"] == "mailbox.inbound" and row["target"] == SUPPORT)
    assert inbound["status"] == "skipped"
    assert "network.tls fails" in inbound["detail"] and "read-timeout" in inbound["detail"]
    assert statuses(rows)["mailbox.inbound", SALES] == "passed"  # POP3 still answers
    assert max(row["duration_s"] for row in rows) < 3


def test_the_whole_checklist_is_read_only_without_send_test_mail(pytester: pytest.Pytester) -> None:
    spy = SimulatorSpy()
    result, _ = run_json(pytester, "--ece-simulate=healthy", spy=spy)
    assert result.ret == 0
    assert spy.recorder is not None
    assert {"imap", "pop3", "smtp"} <= {protocol for protocol, _, _ in spy.recorder.commands()}
    assert spy.recorder.mutations() == []


def test_send_test_mail_sends_exactly_one_message_per_mailbox(pytester: pytest.Pytester) -> None:
    spy = SimulatorSpy()
    result, rows = run_json(pytester, "--ece-simulate=healthy", "--ece-send-test-mail", "ops@example.net", spy=spy)
    assert result.ret == 0
    assert spy.recorder is not None
    assert [line for _, _, line in spy.recorder.mutations()] == ["DATA", "DATA"]
    senders = sorted(line for _, _, line in spy.recorder.commands("smtp") if line.startswith("MAIL FROM"))
    assert senders == [f"MAIL FROM:<{SALES}>", f"MAIL FROM:<{SUPPORT}>"]
    sent = [row for row in rows if row["check"] == "mailbox.send_test"]
    assert [row["status"] for row in sent] == ["passed", "passed"]
    assert all("ops@example.net" in row["detail"] for row in sent)


def test_no_secret_reaches_the_outputs(pytester: pytest.Pytester) -> None:
    result, _ = run_json(pytester, "--ece-simulate=imap-disabled", "-m", "mailbox", "-vv", "-rA")
    text = "\n".join(result.outlines) + (pytester.path / "results.json").read_text(encoding="utf-8")
    assert "AUTHENTICATE XOAUTH2 [redacted]" in text
    # No XOAUTH2 blob (base64 of "user=…"), bearer string or JWT (access token) anywhere.
    assert "dXNlcj" not in text and "auth=Bearer" not in text and "eyJ" not in text


def test_without_an_access_token_the_mailbox_checks_point_at_token_refresh(pytester: pytest.Pytester) -> None:
    _, rows = run_json(pytester, "--ece-simulate=refresh-token-expired", "-m", "mailbox")
    skipped = {(row["check"], row["target"]): row["detail"] for row in rows if row["status"] == "skipped"}
    for check in ("mailbox.inbound", "mailbox.smtp"):
        detail = skipped[check, SUPPORT]
        assert "was not tried: token.refresh has no access token for support@example.com" in detail
        assert "AADSTS700082" in detail
    assert not failures(rows)  # the token's own check owns that finding


def test_an_application_server_opens_no_mailbox_session(pytester: pytest.Pytester) -> None:
    spy = SimulatorSpy()
    _, rows = run_json(pytester, "--ece-simulate=healthy", "--ece-role", "application", spy=spy)
    assert not [row for row in rows if row["check"] in MAILBOX_CHECKS]  # services-only checks: deselected
    assert spy.recorder is not None
    assert spy.recorder.commands("imap") == [] and spy.recorder.commands("pop3") == []
    assert not [line for _, _, line in spy.recorder.commands("smtp") if line.startswith("AUTH")]


def test_a_missing_refresh_token_is_a_skip_not_a_session(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECE_O365_TEST_RT_SUPPORT", raising=False)
    monkeypatch.delenv("ECE_O365_TEST_CLIENT_SECRET", raising=False)
    (pytester.path / "prod.toml").write_text(deployment_text(), encoding="utf-8")
    result, rows = run_json(pytester, "--ece-config", "prod.toml", "--ece-role", "services", "-m", "mailbox")
    assert result.ret == 0
    inbound = next(row for row in rows if (row["check"], row["target"]) == ("mailbox.inbound", SUPPORT))
    assert inbound["status"] == "skipped"
    assert "token.refresh has no access token for support@example.com" in inbound["detail"]
