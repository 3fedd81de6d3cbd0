"""Every IMAP, POP3 and SMTP reply of shared/reference/office365-replies.jsonl (real Office 365 replies, each
with its source) is a test case: the probe's classifier gives it the class whose diagnosis row names its
meaning, and the ``[HOST timestamp id]`` tag at its end changes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pytest_ece_o365.diagnosis import TABLE
from pytest_ece_o365.diagnosis.causes import cause_id
from pytest_ece_o365.probes.mail_imap import classify_imap
from pytest_ece_o365.probes.mail_pop3 import classify_pop3
from pytest_ece_o365.probes.mail_smtp import classify_auth, classify_send


def _reference() -> Path:
    """shared/reference/ beside the clone (CI) or beside the work tree (../shared/reference)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "reference" / "office365-replies.jsonl"
        if candidate.is_file():
            return candidate
    return here.parents[3] / "shared" / "reference" / "office365-replies.jsonl"


REPLIES = _reference()


def _mail_replies() -> list[dict[str, Any]]:
    if not REPLIES.is_file():
        return []
    rows = [json.loads(line) for line in REPLIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row for row in rows if row["protocol"] in ("imap", "pop3", "smtp")]


#: reply id -> (check, error class) that names its meaning (office365-replies.jsonl's ``meaning``).
EXPECTED = {
    "imap-no-authenticate-failed-o365": ("mailbox.inbound", "auth-refused"),
    "imap-bad-not-connected-namespace-bye14": ("mailbox.inbound", "not-connected"),
    "imap-bad-not-connected-basic-login": ("mailbox.inbound", "not-connected"),
    "imap-no-login-failed-basic": ("mailbox.inbound", "basic-auth-refused"),
    "imap-bad-command-argument-error-11-fetch": ("mailbox.inbound", "command-error"),
    "pop3-err-authentication-failure-xoauth2": ("mailbox.inbound", "auth-refused"),
    "pop3-err-auth-failure-oauth-javamail": ("mailbox.inbound", "auth-refused"),
    "pop3-err-server-unavailable-21": ("mailbox.inbound", "server-unavailable"),
    "pop3-err-command-not-valid-stls": ("mailbox.inbound", "rejected"),
    "smtp-421-4.7.66-tls10-11": ("mailbox.smtp", "smtp-tls-old"),
    "smtp-554-5.2.0-sendasdenied-short": ("mailbox.send_test", "send-as-denied"),
    "smtp-554-5.2.252-sendasdenied-named": ("mailbox.send_test", "send-as-denied"),
    "smtp-535-5.7.139-tenant-disabled-tag": ("mailbox.smtp", "smtp-auth-disabled-tenant"),
    "smtp-535-5.7.139-basic-auth-disabled-uppercase": ("mailbox.smtp", "smtp-basic-auth-disabled"),
    "smtp-535-5.7.139-security-defaults-locked": ("mailbox.smtp", "smtp-auth-security-defaults"),
    "smtp-535-5.7.3-upper-sgpp-2025": ("mailbox.smtp", "auth-refused"),
    "smtp-535-5.7.3-docs-plain": ("mailbox.smtp", "auth-refused"),
    "smtp-530-5.7.57-tagged-ccg": ("mailbox.send_test", "not-authenticated"),
    "smtp-550-5.7.60-sendas-tagged-2017": ("mailbox.send_test", "send-as-denied"),
    "smtp-535-5.7.3-auth-unsuccessful": ("mailbox.smtp", "auth-refused"),
    "smtp-535-5.7.139-user-credentials-incorrect": ("mailbox.smtp", "auth-refused"),
    "smtp-550-5.7.60-data-end-phpmailer": ("mailbox.send_test", "send-as-denied"),
    "smtp-535-5.7.139-criteria-truncated": ("mailbox.smtp", "smtp-auth-conditional-access"),
    "smtp-5.7.3-personal-oauth-tagged": ("mailbox.smtp", "auth-refused"),
    "smtp-5.7.57-anonymous-mail-from-2020": ("mailbox.send_test", "not-authenticated"),
}


def classify(protocol: str, stage: str, reply: str) -> str:
    """The class the probe that meets this reply gives it (SMTP: the login's or the transaction's)."""
    if protocol == "smtp":
        during_send = stage.startswith(("MAIL FROM", "end of DATA", "RCPT"))
        return classify_send(reply) if during_send else classify_auth(reply)
    if protocol == "pop3":
        return classify_pop3(reply)
    after_login = stage.startswith(("after EXAMINE", "after AUTHENTICATE (", "after LOGIN ("))
    return classify_imap(reply, "mailbox" if after_login else "login")


def _row_key(check: str, protocol: str, error: str) -> tuple[str, str]:
    for signature in (f"{protocol}-{error}", error):
        if (check, signature) in TABLE:
            return check, signature
    raise AssertionError(f"no diagnosis row for {check} {error}")


_TAG = re.compile(r"\s*\[[A-Z0-9]+\.[A-Za-z0-9.]+(?: \S+Z \S+)?\]?$")


@pytest.mark.skipif(not REPLIES.is_file(), reason=f"the reference replies are not at {REPLIES}")
@pytest.mark.parametrize("reply", _mail_replies(), ids=lambda row: row["id"])
def test_every_real_reply_gets_the_class_that_names_its_meaning(reply: dict[str, Any]) -> None:
    assert reply["id"] in EXPECTED, f"{reply['id']} is new in {REPLIES}: add its expected class here"
    check, expected = EXPECTED[reply["id"]]
    text, protocol, stage = reply["reply"], reply["protocol"], reply["stage"]
    assert classify(protocol, stage, text) == expected, reply["meaning"]
    key = _row_key(check, protocol, expected)
    row = TABLE[key]
    assert row.source is not None and row.cause.strip() and row.remediation.strip()
    # the tag Exchange Online appends changes every time: without it, or with another one, the class stays
    bare = _TAG.sub("", text)
    other = bare + " [DM6PR11CA0012.namprd11.prod.outlook.com 2026-12-04T09:15:27.123Z 08DE12AB34CD56EF]"
    assert classify(protocol, stage, bare) == expected
    assert classify(protocol, stage, other) == expected


def test_each_named_reply_has_a_cause_of_its_own() -> None:
    """The replies issue 15 names are not folded into a generic row: each has its own cause id."""
    named = {
        ("mailbox.smtp", "smtp-auth-conditional-access"),
        ("mailbox.smtp", "smtp-auth-security-defaults"),
        ("mailbox.smtp", "smtp-auth-disabled-tenant"),
        ("mailbox.smtp", "smtp-auth-disabled-mailbox"),
        ("mailbox.smtp", "smtp-tls-old"),
        ("mailbox.smtp", "smtp-auth-refused"),
        ("mailbox.send_test", "send-as-denied"),
        ("mailbox.inbound", "imap-auth-refused"),
        ("mailbox.inbound", "imap-not-connected"),
        ("mailbox.inbound", "imap-bye"),
        ("mailbox.inbound", "pop3-logon-failure"),
        ("mailbox.inbound", "pop3-auth-refused"),
    }
    causes = {TABLE[key].cause_id or cause_id(*key) for key in named}
    assert len(causes) == len(named)
    for key in named:
        assert TABLE[key].source is not None, key


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.", "smtp-auth-disabled-mailbox"),
        ("Invalid login: 535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator. [AM0PR02CA0134.eurprd02.prod.outlook.com 2024-07-11T11:46:49.042Z 08DCA18218166FB4]", "smtp-auth-conditional-access"),
        ("535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. [LO4P123CA0207.GBRP123.PROD.OUTLOOK.COM 2024-10-10T21:50:33.251Z 08DCE9686F3D146F]", "smtp-auth-security-defaults"),
        ("504 5.7.4 Unrecognized authentication type [AM0PR02CA0134.eurprd02.prod.outlook.com]", "no-xoauth2"),
        ("535 5.7.3 Authentication unsuccessful [SN2PR00CA0018.namprd00.prod.outlook.com]", "auth-refused"),
        # 421 4.7.66 as JavaMail quotes it (DSpace/DSpace#8123), with the 2022 host-only tag and with today's
        ("javax.mail.AuthenticationFailedException: 421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2. Visit https://aka.ms/smtp_auth_tls. [SY6PR01CA0029.ausprd01.prod.outlook.com]", "smtp-tls-old"),
        ("421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2. Visit https://aka.ms/smtp_auth_tls. [SN2PR06CA0334.namprd06.prod.outlook.com 2026-12-05T07:20:07.091Z FE0DDCCACA6E4313]", "smtp-tls-old"),
        ("SMTP Error: Password command failed: 421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2.", "smtp-tls-old"),
    ],
)  # fmt: skip
def test_smtp_login_classes_other_wordings(reply: str, expected: str) -> None:
    assert classify_auth(reply) == expected


@pytest.mark.parametrize(
    ("reply", "stage", "expected"),
    [
        ("* BYE Connection closed. 14", "mailbox", "bye"),
        ("* BYE Session invalidated - AccessTokenExpired", "mailbox", "bye"),
        ("* BYE Session invalidated - AccessTokenExpired", "login", "auth-refused"),
        ("A01 NO AUTHENTICATE failed.", "login", "auth-refused"),
        ("A02 NO EXAMINE failed.", "mailbox", "examine-failed"),
    ],
)
def test_imap_bye_and_refusals(reply: str, stage: str, expected: str) -> None:
    assert classify_imap(reply, stage) == expected


def test_pop3_logon_failure_is_not_the_oauth_refusal() -> None:
    assert classify_pop3("-ERR Logon failure: unknown user name or bad password.") == "logon-failure"
    assert classify_pop3("-ERR Authentication failure: unknown user name or bad password.") == "auth-refused"
    assert classify_pop3("-ERR Server Unavailable. 15", default="stat-failed") == "server-unavailable"
    assert classify_pop3("-ERR something else", default="stat-failed") == "stat-failed"
