"""The live mailbox checks through the plugin, against the simulated tenant: each mailbox fault fails
the right check for the right mailbox, with the right owner and remediation, and the run is read-only
unless --ece-send-test-mail asks for exactly one message per mailbox."""

from __future__ import annotations

import json

import pytest
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
    assert any(
        line.startswith("C: ") and line.endswith(" AUTHENTICATE XOAUTH2 [redacted]") for line in inbound["evidence"]
    )


def test_imap_disabled_fails_inbound_for_that_mailbox_only(pytester: pytest.Pytester) -> None:
    result, rows = run_json(pytester, "--ece-simulate=imap-disabled", "-m", "mailbox")
    assert result.ret == 1
    found = failures(rows)
    assert set(found) == {("mailbox.inbound", SUPPORT)}
    row = found["mailbox.inbound", SUPPORT]
    assert row["owner"] == "exchange-admin"
    assert "BAD User is authenticated but not connected." in row["detail"]
    assert f"Set-CASMailbox {SUPPORT} -ImapEnabled $true" in row["remediation"]


@pytest.mark.parametrize("selection", [("-m", "mailbox"), ()], ids=["mailbox-only", "full-run"])
@pytest.mark.parametrize("scenario", ["pop-disabled", "no-full-access"])
def test_a_shared_mailbox_refusal_is_one_finding_naming_every_cause(
    pytester: pytest.Pytester, scenario: str, selection: tuple[str, ...]
) -> None:
    result, rows = run_json(pytester, f"--ece-simulate={scenario}", *selection)
    assert result.ret == 1
    found = failures(rows)
    # sales@ is a shared POP3 mailbox: POP3 says one line whatever the cause, so rights.full_access carries
    # the finding, naming every cause. SMTP logs in as the delegate itself: FullAccess plays no part there.
    assert set(found) == {("rights.full_access", SALES)}
    row = found["rights.full_access", SALES]
    assert row["owner"] == "exchange-admin"
    assert f"Set-CASMailbox {SALES} -PopEnabled $true" in row["remediation"]
    assert f"Add-MailboxPermission -Identity {SALES} -User {DELEGATE} -AccessRights FullAccess" in row["remediation"]
    assert "token.identity" in row["remediation"]
    skipped = {(r["check"], r["target"]): r["detail"] for r in rows if r["status"] == "skipped"}
    assert skipped["mailbox.inbound", SALES].startswith(f"blocked by rights.full_access for {SALES} (")
    assert statuses(rows)["mailbox.smtp", SALES] == "passed"


def test_a_correct_shared_mailbox_sends_as_its_delegate(pytester: pytest.Pytester) -> None:
    """Office 365 refuses SMTP AUTH with the shared-mailbox user= form (535 5.7.3): the delegate logs in
    as itself and the test message goes MAIL FROM the shared address, which its SendAs right allows."""
    result, rows = run_json(pytester, "--ece-simulate", "-m", "mailbox", "--ece-send-test-mail", "ops@example.net")
    assert result.ret == 0, result.stdout.str()
    assert statuses(rows)["mailbox.smtp", SALES] == "passed"
    assert statuses(rows)["mailbox.send_test", SALES] == "passed"
    smtp = next(r for r in rows if (r["check"], r["target"]) == ("mailbox.smtp", SALES))
    assert f"(logged in as {DELEGATE})" in smtp["detail"]
    send = next(r for r in rows if (r["check"], r["target"]) == ("mailbox.send_test", SALES))
    assert f"C: MAIL FROM:<{SALES}>" in send["evidence"]


def test_a_shared_mailbox_without_send_as_fails_the_test_message_naming_send_as(pytester: pytest.Pytester) -> None:
    args = ("--ece-simulate=no-send-as", "-m", "mailbox", "--ece-send-test-mail", "ops@example.net")
    result, rows = run_json(pytester, *args)
    assert result.ret == 1
    found = failures(rows)
    assert set(found) == {("mailbox.send_test", SALES)}  # the login itself is fine
    row = found["mailbox.send_test", SALES]
    assert "550 5.7.60 SMTP; Client does not have permissions to send as this sender" in row["detail"]
    assert f"Add-RecipientPermission -Identity {SALES} -Trustee {DELEGATE} -AccessRights SendAs" in row["remediation"]
    assert "FullAccess" not in row["remediation"]


def test_smtp_auth_disabled_for_the_tenant(pytester: pytest.Pytester) -> None:
    result, rows = run_json(pytester, "--ece-simulate=smtp-auth-disabled", "-m", "mailbox")
    assert result.ret == 1
    found = failures(rows)
    assert set(found) == {("mailbox.smtp", SUPPORT), ("mailbox.smtp", SALES)}  # a tenant-wide switch
    for row in found.values():
        assert row["owner"] == "exchange-admin"
        assert "5.7.139" in row["detail"] and "disabled for the Tenant" in row["detail"]
        assert "Set-TransportConfig -SmtpClientAuthenticationDisabled $false" in row["remediation"]


@pytest.mark.parametrize(
    ("selection", "check", "target"),
    [("mailbox or network", "network.tls", "outlook.office365.com"), ("mailbox", "mailbox.inbound", SUPPORT)],
    ids=["with-network-checks", "mailbox-only"],
)
def test_server_hangs_is_one_network_finding_within_the_timeout(
    pytester: pytest.Pytester, selection: str, check: str, target: str
) -> None:
    result, rows = run_json(pytester, "--ece-simulate=server-hangs", "-m", selection, "--ece-timeout", "1")
    assert result.ret == 1
    found = failures(rows)
    assert [(key[0], key[1].split(":")[0]) for key in found] == [(check, target)]
    row = next(iter(found.values()))
    assert row["owner"] == "network" and "within 1 s" in row["detail"]
    inbound = next(row for row in rows if row["check"] == "mailbox.inbound" and row["target"] == SUPPORT)
    if check == "network.tls":
        assert inbound["status"] == "skipped"
        assert "network.tls fails" in inbound["detail"] and "read-timeout" in inbound["detail"]
    else:  # network.tls is not in the run: the mailbox check says it itself, with network.tls's diagnosis
        assert inbound["detail"].startswith(f"The IMAP login of {SUPPORT} could not be tried (network.tls fails).")
    assert statuses(rows)["mailbox.inbound", SALES] == "passed"  # POP3 still answers
    assert max(row["duration_s"] for row in rows) < 3


#: scenario -> the network check that owns it, the endpoint's protocol, the mailbox checks it stops
NETWORK_FAULTS = {
    "port-blocked": ("network.tcp", "outlook.office365.com", {("mailbox.inbound", SALES)}),
    "dns-nxdomain": ("network.dns", "smtp.office365.com", {("mailbox.smtp", SUPPORT), ("mailbox.smtp", SALES)}),
    "server-hangs": ("network.tls", "outlook.office365.com", {("mailbox.inbound", SUPPORT)}),
}


@pytest.mark.parametrize("scenario", sorted(NETWORK_FAULTS))
def test_a_network_fault_fails_the_mailbox_checks_when_the_network_checks_are_not_run(
    pytester: pytest.Pytester, scenario: str
) -> None:
    check, host, stopped = NETWORK_FAULTS[scenario]
    result, rows = run_json(pytester, f"--ece-simulate={scenario}", "-m", "mailbox or oauth", "--ece-timeout", "1")
    assert result.ret == 1
    found = failures(rows)
    assert set(found) == stopped
    for row in found.values():
        assert row["owner"] == "network"
        assert f"could not be tried ({check} fails)" in row["detail"] and host in row["detail"]
    # rights.full_access reads mailbox.inbound's session: the same cause is not reported twice
    assert statuses(rows)["rights.full_access", SALES] in ("passed", "skipped")


@pytest.mark.parametrize("scenario", sorted(NETWORK_FAULTS))
def test_a_network_fault_is_one_finding_in_a_full_run(pytester: pytest.Pytester, scenario: str) -> None:
    check, host, stopped = NETWORK_FAULTS[scenario]
    result, rows = run_json(pytester, f"--ece-simulate={scenario}", "--ece-timeout", "1")
    assert result.ret == 1
    found = failures(rows)
    assert [(key[0], key[1].split(":")[0]) for key in found] == [(check, host)]
    skipped = {(row["check"], row["target"]): row["detail"] for row in rows if row["status"] == "skipped"}
    for key in stopped:
        assert skipped[key].startswith(f"blocked by {check} for {host}")


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
    _, rows = run_json(pytester, "--ece-simulate=refresh-token-expired", "-m", "mailbox or oauth")
    skipped = {(row["check"], row["target"]): row["detail"] for row in rows if row["status"] == "skipped"}
    for check in ("mailbox.inbound", "mailbox.smtp"):
        detail = skipped[check, SUPPORT]
        assert detail.startswith("blocked by token.refresh for support@example.com (aadsts-700082)")
        assert "was not tried (no access token)" in detail
        assert "AADSTS700082" in detail
    assert set(failures(rows)) == {("token.refresh", SUPPORT)}  # the token's own check owns that finding


def test_without_token_refresh_in_the_run_the_mailbox_checks_say_why_the_token_is_dead(
    pytester: pytest.Pytester,
) -> None:
    result, rows = run_json(pytester, "--ece-simulate=refresh-token-expired", "-m", "mailbox")
    assert result.ret == 1  # a dead token must not pass a mailbox-only run
    found = failures(rows)
    assert set(found) == {("mailbox.inbound", SUPPORT), ("mailbox.smtp", SUPPORT)}
    for row in found.values():
        assert row["owner"] == "ece-admin" and "AADSTS700082" in row["detail"] and "90 days" in row["detail"]


def test_an_application_server_probes_every_mail_port_but_opens_no_mailbox_session(pytester: pytest.Pytester) -> None:
    """TAC: both roles reach 443, 587, 993 and 995 "at minimum"; the sessions stay on the services server."""
    spy = SimulatorSpy()
    result, rows = run_json(pytester, "--ece-simulate=healthy", "--ece-role", "application", spy=spy)
    assert result.ret == 0, result.stdout.str()
    assert not [row for row in rows if row["check"] in MAILBOX_CHECKS]  # services-only checks: deselected
    probed = {row["target"].rsplit(":", 1)[0] for row in rows if row["check"] == "network.tcp"}
    assert probed == {"login.microsoftonline.com", "outlook.office365.com", "smtp.office365.com"}
    assert spy.recorder is not None
    # 993 and 995 were reached (the capability probes), but nobody logged in and no mailbox was opened
    assert [line for _, _, line in spy.recorder.commands("imap")] and spy.recorder.commands("pop3")
    logins = ("AUTHENTICATE", "AUTH", "USER", "PASS", "EXAMINE", "SELECT", "STAT", "MAIL")
    for protocol in ("imap", "pop3", "smtp"):
        said = [line.split()[1 if protocol == "imap" else 0].upper() for _, _, line in spy.recorder.commands(protocol)]
        assert not set(said) & set(logins), (protocol, said)
    # and no refresh token was redeemed: the token endpoint saw no refresh_token grant
    requests = [line for protocol, _, line in spy.recorder.commands() if protocol not in ("imap", "pop3", "smtp")]
    assert not [line for line in requests if "grant_type=refresh_token" in line], requests


#: A test conftest for a simulated run: the refresh token of support@ is not handed over (as when its
#: environment variable is not set), and what the simulated servers saw is written down at the end.
MISSING_TOKEN_CONFTEST = """
import json
from pytest_ece_o365.secret import SecretSource
from pytest_ece_o365.plugin.session import SESSION_KEY

def pytest_sessionstart(session):
    run = session.config.stash[SESSION_KEY]
    given = {key: value for key, value in run.simulator.secrets.items() if key != "mailboxes[0].refresh_token"}
    run.context.secrets = SecretSource(given)

def pytest_sessionfinish(session):
    recorder = session.config.stash[SESSION_KEY].simulator.recorder
    with open("recorded.json", "w") as out:
        json.dump(recorder.commands(), out)
"""


def test_a_missing_refresh_token_is_a_skip_not_a_session(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECE_O365_RT_SUPPORT", raising=False)
    pytester.makeconftest(MISSING_TOKEN_CONFTEST)
    result, rows = run_json(pytester, "--ece-simulate=healthy", "--ece-role", "services", "-m", "mailbox or oauth")
    assert result.ret == 0
    for check in ("mailbox.inbound", "mailbox.smtp", "token.refresh"):
        row = next(row for row in rows if (row["check"], row["target"]) == (check, SUPPORT))
        assert row["status"] == "skipped" and "ECE_O365_RT_SUPPORT" in row["detail"], row
    inbound = next(row for row in rows if (row["check"], row["target"]) == ("mailbox.inbound", SUPPORT))
    assert "token.refresh has no access token for support@example.com" in inbound["detail"]
    commands = [(protocol, line) for protocol, _, line in json.loads((pytester.path / "recorded.json").read_text())]
    # support@ is the only IMAP mailbox: no IMAP session at all; sales@ alone logs in over SMTP and
    # alone redeems its refresh token
    assert [line for protocol, line in commands if protocol == "imap"] == []
    assert len([line for protocol, line in commands if protocol == "smtp" and line.startswith("AUTH")]) == 1
    assert len([line for protocol, line in commands if "grant_type=refresh_token" in line]) == 1
    assert [line for protocol, line in commands if protocol == "pop3" and line.startswith("AUTH")]  # sales@ did


def test_smtp_auth_disabled_for_one_mailbox_names_that_account(pytester: pytest.Pytester) -> None:
    result, rows = run_json(pytester, "--ece-simulate=smtp-auth-disabled-mailbox", "-m", "mailbox")
    assert result.ret == 1
    found = failures(rows)
    assert set(found) == {("mailbox.smtp", SUPPORT)}  # one mailbox's own switch, not the tenant's
    row = found["mailbox.smtp", SUPPORT]
    assert row["cause"] == "smtp-auth-disabled-mailbox" and row["owner"] == "exchange-admin"
    assert "disabled for the Mailbox" in row["detail"]
    assert f"Set-CASMailbox {SUPPORT} -SmtpClientAuthenticationDisabled $false" in row["remediation"]
