"""Corner cases of the mail probes against a scripted server: the paths neither the simulator nor
Dovecot take (IMAP without SASL-IR, a BYE instead of a reply, no XOAUTH2, silence after the greeting)."""

from __future__ import annotations

import time
from pathlib import Path

from scriptedmail import CLOSE, Reply, scripted_server

from pytest_ece_o365.checks.mailbox import judge_inbound
from pytest_ece_o365.deployment import Mailbox
from pytest_ece_o365.probes.mail_imap import probe_imap
from pytest_ece_o365.probes.mail_pop3 import probe_pop3
from pytest_ece_o365.probes.mail_smtp import probe_smtp
from pytest_ece_o365.secret import Secret

USER = "support@example.com"
TOKEN = Secret("opaque-access-token-value")
CAPS = "* CAPABILITY IMAP4rev1 AUTH=XOAUTH2 ID"  # no SASL-IR: the two-step form


def imap_replies(after_blob: list[str]) -> dict[str, list[str]]:
    return {
        "A00 CAPABILITY": [CAPS, "A00 OK CAPABILITY completed."],
        "A01 AUTHENTICATE XOAUTH2": ["+ "],
        "blob": after_blob,
        "A02 EXAMINE INBOX": ["* 7 EXISTS", "A02 OK [READ-ONLY] EXAMINE completed."],
        "A03 LOGOUT": ["* BYE bye", "A03 OK LOGOUT completed."],
    }


def play(script: dict[str, list[str]]) -> Reply:
    """Answer each known line from ``script``; any line without a space is taken for the token blob."""

    def reply(line: str) -> list[str] | None:
        return script.get(line, script.get("blob") if line and " " not in line else ["* BAD unexpected"])

    return reply


def test_imap_without_sasl_ir_sends_the_token_after_the_continuation(tmp_path: Path) -> None:
    script = imap_replies(["A01 OK AUTHENTICATE completed."])
    with scripted_server(tmp_path, ["* OK ready"], play(script)) as server:
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    assert observation.ok, observation.transcript
    assert observation.messages == 7
    assert server.received[:2] == ["A00 CAPABILITY", "A01 AUTHENTICATE XOAUTH2"]
    assert "C: [redacted]" in observation.transcript
    assert TOKEN.reveal() not in "\n".join(observation.transcript)


def test_imap_bye_instead_of_a_tagged_reply_is_a_refusal(tmp_path: Path) -> None:
    script = imap_replies(["* BYE Session invalidated - AccessTokenExpired", CLOSE])
    with scripted_server(tmp_path, ["* OK ready"], play(script)) as server:
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    assert (observation.stage, observation.error) == ("login", "auth-refused")
    assert observation.auth_reply == "* BYE Session invalidated - AccessTokenExpired"


def test_imap_without_xoauth2_is_said_so(tmp_path: Path) -> None:
    script = {"A00 CAPABILITY": ["* CAPABILITY IMAP4rev1 AUTH=PLAIN", "A00 OK done"], "A03 LOGOUT": ["A03 OK"]}
    with scripted_server(tmp_path, ["* OK ready"], play(script)) as server:
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    assert observation.error == "no-xoauth2"
    assert not [line for line in server.received if "AUTHENTICATE" in line]


def test_pop3_without_xoauth2_is_said_so(tmp_path: Path) -> None:
    script = {"AUTH XOAUTH2": ["-ERR Unrecognized authentication type."], "QUIT": ["+OK bye"]}
    with scripted_server(tmp_path, ["+OK ready"], play(script)) as server:
        observation = probe_pop3(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    assert observation.error == "no-xoauth2"


def test_smtp_auth_disabled_for_the_mailbox(tmp_path: Path) -> None:
    ehlo = ["250-mail.test Hello", "250-AUTH LOGIN XOAUTH2", "250 SMTPUTF8"]

    def reply(line: str) -> list[str] | None:
        if line.startswith("EHLO"):
            return ["250-mail.test Hello", "250 STARTTLS"] if not server_tls else ehlo
        if line == "STARTTLS":
            server_tls.append(True)
            return ["220 2.0.0 SMTP server ready"]
        if line.startswith("AUTH XOAUTH2 "):
            return [
                "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. "
                "Visit https://aka.ms/smtp_auth_disabled for more information."
            ]
        return ["221 2.0.0 Service closing transmission channel"]

    server_tls: list[bool] = []
    with scripted_server(tmp_path, ["220 mail.test ESMTP"], reply, starttls=True) as server:
        observation = probe_smtp(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    assert observation.error == "smtp-auth-disabled-mailbox", observation.transcript
    assert "C: AUTH XOAUTH2 [redacted]" in observation.transcript


def test_silence_after_the_greeting_ends_within_the_timeout_as_a_network_finding(tmp_path: Path) -> None:
    with scripted_server(tmp_path, ["* OK ready"], lambda line: None) as server:
        started = time.monotonic()
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 1)
        elapsed = time.monotonic() - started
    assert (observation.stage, observation.error) == ("login", "read-timeout")
    assert elapsed < 1.8
    verdict = judge_inbound(observation, Mailbox(USER, "imap"), 1)
    assert (verdict.status, verdict.owner) == ("failed", "network")
