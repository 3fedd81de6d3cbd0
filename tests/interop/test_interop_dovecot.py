"""The mailbox probes against a real Dovecot: XOAUTH2 on IMAP, POP3 and SMTP submission, the ``+ eyJ…``
error-challenge path of each protocol, EXAMINE, and a test message relayed to a sink.

Dovecot words its replies its own way, so these tests assert the error *class*, not Office 365's wording.
The IMAP probe runs on imapclient; ``mail.lab.test`` is in no DNS, so every session here also shows that
imapclient talks on the probes' own connection (the resolved address, SNI, the configured trust store).
"""

from __future__ import annotations

import email
import logging

import pytest

from interop.dovecotlab import Dovecot
from pytest_ece_o365.config.deployment import Network
from pytest_ece_o365.probes.mail_imap import probe_imap
from pytest_ece_o365.probes.mail_pop3 import probe_pop3
from pytest_ece_o365.probes.mail_session import MailSessionObservation
from pytest_ece_o365.probes.mail_smtp import TestMessage, probe_smtp
from pytest_ece_o365.secret import Secret

ALICE = "alice@lab.test"


def imap(server: Dovecot, token: Secret, user: str = ALICE) -> MailSessionObservation:
    return probe_imap(server.imap, user, token, server.dns, server.network, 5)


def pop3(server: Dovecot, token: Secret, user: str = ALICE) -> MailSessionObservation:
    return probe_pop3(server.pop3, user, token, server.dns, server.network, 5)


def smtp(server: Dovecot, token: Secret, send: TestMessage | None = None) -> MailSessionObservation:
    return probe_smtp(server.smtp, ALICE, token, server.dns, server.network, 5, send=send)


def imap_commands(observation: MailSessionObservation) -> list[str]:
    """What the IMAP client sent, without imaplib's tags (random per session)."""
    return [line[3:].partition(" ")[2] for line in observation.transcript if line.startswith("C: ") and " " in line[3:]]


def untagged(reply: str) -> str:
    return reply.partition(" ")[2]


def _no_token_in(observation: MailSessionObservation, token: Secret) -> None:
    text = "\n".join(observation.transcript)
    assert token.reveal() not in text and "dXNlcj" not in text


def test_imap_xoauth2_login_and_examine(dovecot: Dovecot) -> None:
    token = dovecot.token(ALICE)
    observation = imap(dovecot, token)
    assert observation.ok, observation.transcript
    assert untagged(observation.auth_reply) == "OK Logged in"
    assert untagged(observation.follow_up).startswith("OK [READ-ONLY]")
    assert observation.messages == 0
    # imapclient drives it: imaplib asks CAPABILITY (even though the greeting announced it); Dovecot offers
    # SASL-IR, so the token goes on the AUTHENTICATE line; INBOX is opened read-only, never SELECTed.
    assert imap_commands(observation) == ["CAPABILITY", "AUTHENTICATE XOAUTH2 [redacted]", 'EXAMINE "INBOX"', "LOGOUT"]
    assert "S: * BYE Logging out" in observation.transcript
    _no_token_in(observation, token)


def test_imap_bad_token_takes_the_error_challenge_path(dovecot: Dovecot) -> None:
    token = dovecot.token(ALICE, key=b"not the key that Dovecot was given, 32+ bytes")
    observation = imap(dovecot, token)
    assert (observation.stage, observation.error) == ("login", "auth-refused")
    assert '"status":"401"' in observation.challenge
    assert "C: " in observation.transcript  # the empty line that acknowledges the challenge
    assert untagged(observation.auth_reply).startswith("NO [AUTHENTICATIONFAILED]")
    assert (
        observation.transcript.index("C: ")
        == observation.transcript.index(f"*: error challenge: {observation.challenge}") + 1
    )
    _no_token_in(observation, token)


def test_imap_token_of_another_user_is_refused(dovecot: Dovecot) -> None:
    observation = imap(dovecot, dovecot.token("mallory@lab.test"))
    assert observation.error == "auth-refused"


def test_pop3_two_step_xoauth2_then_stat(dovecot: Dovecot) -> None:
    token = dovecot.token(ALICE)
    observation = pop3(dovecot, token)
    assert observation.ok, observation.transcript
    assert observation.auth_reply.startswith("+OK")
    assert observation.follow_up.startswith("+OK 0 ")
    commands = [line for line in observation.transcript if line.startswith("C:")]
    assert commands == ["C: AUTH XOAUTH2", "C: [redacted]", "C: STAT", "C: QUIT"]
    _no_token_in(observation, token)


def test_pop3_bad_token_takes_the_error_challenge_path(dovecot: Dovecot) -> None:
    observation = pop3(dovecot, dovecot.token(ALICE, lifetime=-60))  # expired
    assert (observation.stage, observation.error) == ("login", "auth-refused")
    assert '"status":"401"' in observation.challenge
    assert observation.auth_reply.startswith("-ERR")


def test_smtp_starttls_then_xoauth2(dovecot: Dovecot) -> None:
    token = dovecot.token(ALICE)
    observation = smtp(dovecot, token)
    assert observation.ok, observation.transcript
    assert observation.auth_reply.startswith("235")
    assert "C: STARTTLS" in observation.transcript and "C: AUTH XOAUTH2 [redacted]" in observation.transcript
    _no_token_in(observation, token)


def test_smtp_bad_token_takes_the_error_challenge_path(dovecot: Dovecot) -> None:
    observation = smtp(dovecot, dovecot.token(ALICE, key=b"another key that Dovecot was not given"))
    assert (observation.stage, observation.error) == ("login", "auth-refused")
    assert '"status":"401"' in observation.challenge
    assert observation.auth_reply.startswith("535")


def test_test_message_is_submitted_and_relayed(dovecot: Dovecot) -> None:
    before = len(dovecot.relay.envelopes)
    observation = smtp(dovecot, dovecot.token(ALICE), send=TestMessage("ops@lab.test", sender=ALICE))
    assert observation.ok, observation.transcript
    assert observation.follow_up.startswith("250")
    relayed = dovecot.relay.envelopes[before:]
    assert [(e.mail_from, e.rcpt_tos) for e in relayed] == [(ALICE, ["ops@lab.test"])]
    message = email.message_from_bytes(relayed[0].content)
    assert message["Subject"] == f"ECE Office 365 test message from {ALICE}"
    assert (message["From"], message["To"], message["Auto-Submitted"]) == (ALICE, "ops@lab.test", "auto-generated")
    assert "--ece-send-test-mail" in message.get_payload()


def test_imap_runs_on_imapclient_whose_debug_log_holds_no_token(
    dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    token = dovecot.token(ALICE)
    with caplog.at_level(logging.DEBUG, logger="imapclient"):
        observation = imap(dovecot, token)
    assert observation.ok, observation.transcript
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("imapclient"))
    assert "AUTHENTICATE **REDACTED**" in logged  # imapclient's own log of the command, redacted by imapclient
    assert 'EXAMINE "INBOX"' in logged
    assert token.reveal() not in logged and "dXNlcj" not in logged


def test_imap_with_a_trust_store_that_lacks_the_lab_ca_stops_before_imap(dovecot: Dovecot) -> None:
    """imapclient talks on the network probes' verified socket: without the lab CA, no IMAP is spoken."""
    observation = probe_imap(dovecot.imap, ALICE, dovecot.token(ALICE), dovecot.dns, Network(timeout=5), 5)
    assert (observation.stage, observation.error) == ("tls", "tls-untrusted"), observation.message
    assert not [line for line in observation.transcript if line.startswith("C:")]
