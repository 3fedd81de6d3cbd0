"""The simulated Exchange Online SMTP submission server, seen by smtplib and a raw client."""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterator
from typing import cast

import pytest
from mailfakes import DELEGATE_TOKEN, GOOD_TOKEN, NO_IMAP_TOKEN, FakeAuthority, RawClient, xoauth2, xoauth2_b64
from mailfixtures import *  # noqa: F403  (pytest fixtures: authority, server_context, recorder, ...)

from pytest_ece_o365.sim.mailserver import Recorder
from pytest_ece_o365.sim.smtp import SmtpServer

pytestmark = pytest.mark.usefixtures("no_leaked_threads")
SUPPORT = "support@example.com"
SHARED = "sales@example.com"
MESSAGE = b"From: support@example.com\r\nTo: someone@example.net\r\nSubject: test\r\n\r\nHello\r\n"


@pytest.fixture
def server(authority: FakeAuthority, server_context: ssl.SSLContext, recorder: Recorder) -> Iterator[SmtpServer]:
    with SmtpServer(authority, server_context, recorder=recorder, timeout=5) as srv:
        yield srv


@pytest.fixture
def smtp(server: SmtpServer) -> Iterator[smtplib.SMTP]:
    client = smtplib.SMTP("127.0.0.1", server.port, local_hostname="ece-svc01.example.com", timeout=5)
    yield client
    client.close()


@pytest.fixture
def tls_smtp(smtp: smtplib.SMTP, client_context: ssl.SSLContext) -> smtplib.SMTP:
    smtp.starttls(context=client_context)
    smtp.ehlo()
    return smtp


def error_text(error: smtplib.SMTPResponseException) -> bytes:
    return cast(bytes, error.smtp_error)


def auth(client: smtplib.SMTP, user: str, token: str, *, inline: bool = True) -> tuple[int, bytes]:
    return client.auth("XOAUTH2", lambda challenge=None: xoauth2(user, token), initial_response_ok=inline)


def test_greeting_names_an_outlook_backend_and_a_date(server: SmtpServer) -> None:
    client = smtplib.SMTP(timeout=5)
    code, text = client.connect("127.0.0.1", server.port)
    client.close()
    assert code == 220
    assert re.fullmatch(
        rb"[A-Z0-9]+\.outlook\.office365\.com Microsoft ESMTP MAIL Service ready at "
        rb"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000 \[[0-9A-F]{16}\]",
        text,
    ), text


def test_ehlo_before_and_after_starttls(smtp: smtplib.SMTP, client_context: ssl.SSLContext) -> None:
    code, text = smtp.ehlo()
    lines = text.decode().splitlines()
    assert code == 250 and re.fullmatch(r"[A-Z0-9]+\.outlook\.office365\.com Hello \[127\.0\.0\.1\]", lines[0])
    assert lines[1:] == [
        "SIZE 157286400", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "STARTTLS", "8BITMIME", "BINARYMIME",
        "CHUNKING", "SMTPUTF8",
    ]  # fmt: skip
    assert "auth" not in smtp.esmtp_features
    assert smtp.starttls(context=client_context) == (220, b"2.0.0 SMTP server ready")
    code, text = smtp.ehlo()
    assert "STARTTLS" not in text.decode() and "AUTH LOGIN XOAUTH2" in text.decode().splitlines()
    assert smtp.esmtp_features["auth"].split() == ["LOGIN", "XOAUTH2"]


def test_auth_before_starttls_is_refused(smtp: smtplib.SMTP) -> None:
    smtp.ehlo()
    code, text = smtp.docmd("AUTH", f"XOAUTH2 {xoauth2_b64(SUPPORT, GOOD_TOKEN)}")
    assert code == 504 and text.startswith(b"5.7.4 Unrecognized authentication type")


def test_mail_from_without_auth(tls_smtp: smtplib.SMTP) -> None:
    assert tls_smtp.mail(SUPPORT) == (530, b"5.7.57 Client not authenticated to send mail.")


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "two-step"])
def test_xoauth2_succeeds(tls_smtp: smtplib.SMTP, recorder: Recorder, inline: bool) -> None:
    assert auth(tls_smtp, SUPPORT, GOOD_TOKEN, inline=inline) == (235, b"2.7.0 Authentication successful")
    expected = ["AUTH XOAUTH2 [redacted]"] if inline else ["AUTH XOAUTH2", "[redacted]"]
    auth_lines = [line for _, _, line in recorder.commands("smtp") if "AUTH" in line or "redacted" in line]
    assert auth_lines == expected


def test_smtp_auth_disabled_for_the_tenant(tls_smtp: smtplib.SMTP, authority: FakeAuthority) -> None:
    authority.smtp_auth_disabled_tenant = True
    with pytest.raises(smtplib.SMTPAuthenticationError) as err:
        auth(tls_smtp, SUPPORT, GOOD_TOKEN)
    assert err.value.smtp_code == 535
    assert re.fullmatch(
        rb"5\.7\.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant\. "
        rb"Visit https://aka\.ms/smtp_auth_disabled for more information\. \[\S+\.prod\.outlook\.com \S+Z [0-9A-F]{16}\]",
        error_text(err.value),
    ), error_text(err.value)


def test_smtp_auth_disabled_for_the_mailbox(tls_smtp: smtplib.SMTP, authority: FakeAuthority) -> None:
    authority.smtp_auth_disabled_mailboxes.add(SUPPORT)
    with pytest.raises(smtplib.SMTPAuthenticationError) as err:
        auth(tls_smtp, SUPPORT, GOOD_TOKEN, inline=False)
    assert err.value.smtp_code == 535
    assert re.fullmatch(
        rb"5\.7\.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox\. "
        rb"Visit https://aka\.ms/smtp_auth_disabled for more information\. "
        rb"\[\S+\.prod\.outlook\.com \S+Z [0-9A-F]{16}\]",
        error_text(err.value),
    ), error_text(err.value)


@pytest.mark.parametrize("token", ["unknown-token-value", GOOD_TOKEN + "x"])
def test_bad_token_is_5_7_3(tls_smtp: smtplib.SMTP, token: str) -> None:
    with pytest.raises(smtplib.SMTPAuthenticationError) as err:
        auth(tls_smtp, SUPPORT, token)
    assert err.value.smtp_code == 535
    # Exchange Online's trailer since 2024: [backend timestamp id] (jstedfast/MailKit#1770)
    assert re.fullmatch(
        rb"5\.7\.3 Authentication unsuccessful \[\S+\.prod\.outlook\.com \d{4}-\d\d-\d\dT[\d:.]+Z [0-9A-F]{16}\]",
        error_text(err.value),
    )


def test_the_shared_mailbox_form_is_refused_for_smtp(tls_smtp: smtplib.SMTP, authority: FakeAuthority) -> None:
    authority.full_access.add(("ece-mail@example.com", SHARED))
    authority.send_as.add(("ece-mail@example.com", SHARED))
    with pytest.raises(smtplib.SMTPAuthenticationError) as err:
        auth(tls_smtp, SHARED, DELEGATE_TOKEN)  # FullAccess and SendAs in place: still 535 5.7.3
    assert err.value.smtp_code == 535 and error_text(err.value).startswith(b"5.7.3 Authentication unsuccessful [")


def test_basic_auth_login_is_off(tls_smtp: smtplib.SMTP, recorder: Recorder) -> None:
    with pytest.raises(smtplib.SMTPAuthenticationError, match="basic authentication is disabled"):
        tls_smtp.login(SUPPORT, "hunter2-password")
    assert "hunter2" not in str(recorder.lines())


def test_accepted_message_lands_in_the_outbox(tls_smtp: smtplib.SMTP, server: SmtpServer, recorder: Recorder) -> None:
    auth(tls_smtp, SUPPORT, GOOD_TOKEN)
    assert recorder.mutations() == []
    assert tls_smtp.sendmail(SUPPORT, ["someone@example.net"], MESSAGE) == {}
    (sent,) = server.outbox
    assert (sent.account, sent.mail_from, sent.rcpt_to, sent.data) == (
        SUPPORT, SUPPORT, ("someone@example.net",), MESSAGE,
    )  # fmt: skip
    assert [line for _, _, line in recorder.mutations()] == ["data"]
    assert tls_smtp.quit() == (221, b"2.0.0 Service closing transmission channel")


def test_send_as_denied_at_end_of_data(tls_smtp: smtplib.SMTP, server: SmtpServer) -> None:
    auth(tls_smtp, SUPPORT, GOOD_TOKEN)
    with pytest.raises(smtplib.SMTPDataError) as err:
        tls_smtp.sendmail(SHARED, ["someone@example.net"], MESSAGE.replace(SUPPORT.encode(), SHARED.encode()))
    assert err.value.smtp_code == 550
    assert error_text(err.value).startswith(
        b"5.7.60 SMTP; Client does not have permissions to send as this sender [SN2PR"
    )
    assert server.outbox == []


def test_send_as_granted(tls_smtp: smtplib.SMTP, server: SmtpServer, authority: FakeAuthority) -> None:
    authority.send_as.add(("ece-mail@example.com", SHARED))
    auth(tls_smtp, "ece-mail@example.com", DELEGATE_TOKEN)
    tls_smtp.sendmail(SHARED, ["someone@example.net"], MESSAGE.replace(SUPPORT.encode(), SHARED.encode()))
    assert [m.account for m in server.outbox] == ["ece-mail@example.com"]


def test_smtp_scope_is_checked_per_protocol(tls_smtp: smtplib.SMTP, authority: FakeAuthority) -> None:
    assert auth(tls_smtp, SUPPORT, NO_IMAP_TOKEN)[0] == 235  # SMTP.Send is all this token has
    assert authority.calls == [("smtp", SUPPORT)]


def test_bdat_and_command_order_on_the_wire(server: SmtpServer, client_context: ssl.SSLContext) -> None:
    raw = RawClient(server.port, None)
    try:
        assert raw.line().startswith("220 ")
        assert raw.ask("MAIL FROM:<support@example.com>") == "503 5.5.2 Send hello first"
        assert raw.ask("EHLO") == "501 5.5.4 Invalid domain name"
        raw.send("EHLO ece")
        while raw.line().startswith("250-"):
            pass
        assert raw.ask("STARTTLS") == "220 2.0.0 SMTP server ready"
        raw.starttls(client_context)
        assert raw.ask(f"AUTH XOAUTH2 {xoauth2_b64(SUPPORT, GOOD_TOKEN)}") == "503 5.5.2 Send hello first"
        assert raw.ask("HELO ece").startswith("250 ")
        assert raw.ask("AUTH XOAUTH2") == "334 "
        assert raw.ask(xoauth2_b64(SUPPORT, GOOD_TOKEN)) == "235 2.7.0 Authentication successful"
        assert raw.ask("RCPT TO:<a@example.net>") == "503 5.5.1 Need mail command"
        assert raw.ask("MAIL FROM:<support@example.com>") == "250 2.1.0 Sender OK"
        assert raw.ask("DATA") == "503 5.5.1 Need rcpt command"
        assert raw.ask("RCPT TO:<a@example.net>") == "250 2.1.5 Recipient OK"
        raw.sock.sendall(b"BDAT 5\r\nHello")
        assert raw.line() == "250 2.0.0 5 bytes received"
        raw.sock.sendall(b"BDAT 2 LAST\r\n\r\n")
        assert re.fullmatch(r"250 2\.0\.0 OK <\S+> \[Hostname=\S+\.prod\.outlook\.com\]", raw.line())
        assert re.fullmatch(
            r"500 5\.3\.3 Unrecognized command 'FROB' \[\S+\.prod\.outlook\.com \S+Z [0-9A-F]{16}\]", raw.ask("FROB")
        )
        assert raw.ask("QUIT") == "221 2.0.0 Service closing transmission channel"
        assert raw.line() == ""
    finally:
        raw.close()
    assert server.outbox[0].data == b"Hello\r\n"
