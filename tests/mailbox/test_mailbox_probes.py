"""The IMAP, POP3 and SMTP mailbox probes against the simulated tenant, with tokens minted as ECE gets
them: what each protocol's success and failure look like, read-only, redacted, within the timeout."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from mailboxkit import DELEGATE, SALES, SUPPORT, access_token, dns, network, simulator

from pytest_ece_o365.probes.mail_imap import probe_imap
from pytest_ece_o365.probes.mail_pop3 import probe_pop3
from pytest_ece_o365.probes.mail_session import MailSessionObservation
from pytest_ece_o365.probes.mail_smtp import TestMessage, probe_smtp
from pytest_ece_o365.secret import Secret
from pytest_ece_o365.sim.runner import RunningSimulator


@pytest.fixture(scope="module")
def healthy() -> Iterator[RunningSimulator]:
    with simulator() as sim:
        yield sim


def imap(sim: RunningSimulator, user: str, token: Secret, timeout: float = 5) -> MailSessionObservation:
    endpoint = sim.endpoints.imap
    return probe_imap(endpoint, user, token, dns(sim, endpoint.host), network(sim), timeout)


def pop3(sim: RunningSimulator, user: str, token: Secret, account: str = "") -> MailSessionObservation:
    endpoint = sim.endpoints.pop3
    return probe_pop3(endpoint, user, token, dns(sim, endpoint.host), network(sim), 5, account=account)


def smtp(sim: RunningSimulator, user: str, token: Secret, send: TestMessage | None = None) -> MailSessionObservation:
    endpoint = sim.endpoints.smtp
    return probe_smtp(endpoint, user, token, dns(sim, endpoint.host), network(sim), 5, send=send)


def test_imap_logs_in_and_examines_inbox_read_only(healthy: RunningSimulator) -> None:
    token = access_token(healthy, SUPPORT)
    healthy.recorder.clear()
    observation = imap(healthy, SUPPORT, token)
    assert observation.ok, observation.message
    assert (observation.stage, observation.messages) == ("done", 3)
    assert observation.auth_reply == "A01 OK AUTHENTICATE completed."
    assert observation.follow_up.startswith("A02 OK [READ-ONLY] EXAMINE completed.")
    transcript = "\n".join(observation.transcript)
    assert "C: A01 AUTHENTICATE XOAUTH2 [redacted]" in observation.transcript
    assert "C: A02 EXAMINE INBOX" in observation.transcript
    assert token.reveal() not in transcript
    assert not [line for line in observation.transcript if line.startswith("C:") and " SELECT " in line]
    assert [line for _, _, line in healthy.recorder.commands("imap")][-2:] == ["A02 EXAMINE INBOX", "A03 LOGOUT"]
    assert healthy.recorder.mutations() == []


def test_pop3_shared_mailbox_uses_two_step_auth_then_stat(healthy: RunningSimulator) -> None:
    token = access_token(healthy, SALES)  # the delegate's token, user= the shared mailbox
    healthy.recorder.clear()
    observation = pop3(healthy, SALES, token, account=DELEGATE)
    assert observation.ok, observation.message
    assert (observation.user, observation.account, observation.messages) == (SALES, DELEGATE, 3)
    commands = [line for _, _, line in healthy.recorder.commands("pop3")]
    assert commands == ["AUTH XOAUTH2", "[redacted]", "STAT", "QUIT"]  # never the one-line form, never DELE
    assert "C: [redacted]" in observation.transcript


def test_smtp_stops_after_auth(healthy: RunningSimulator) -> None:
    token = access_token(healthy, SUPPORT)
    healthy.recorder.clear()
    observation = smtp(healthy, SUPPORT, token)
    assert observation.ok, observation.message
    assert observation.auth_reply == "235 2.7.0 Authentication successful"
    commands = [line.split()[0] for _, _, line in healthy.recorder.commands("smtp")]
    assert commands == ["EHLO", "STARTTLS", "EHLO", "AUTH", "QUIT"]
    assert "C: AUTH XOAUTH2 [redacted]" in observation.transcript


def test_smtp_test_message_goes_from_the_mailbox_itself(healthy: RunningSimulator) -> None:
    token = access_token(healthy, SALES)
    healthy.recorder.clear()
    observation = smtp(healthy, SALES, token, send=TestMessage("someone@example.net"))
    assert observation.ok, observation.message
    assert observation.follow_up.startswith("250 2.0.0 OK")
    commands = [line for _, _, line in healthy.recorder.commands("smtp")]
    assert f"MAIL FROM:<{SALES}>" in commands and "RCPT TO:<someone@example.net>" in commands
    assert [line for _, _, line in healthy.recorder.mutations()] == ["DATA"]


def test_a_bad_token_is_refused_by_imap_and_smtp(healthy: RunningSimulator) -> None:
    bad = Secret("eyJhbGciOiJIUzI1NiJ9.e30.not-a-signature")
    observation = imap(healthy, SUPPORT, bad)
    assert (observation.stage, observation.error) == ("login", "auth-refused")
    assert observation.auth_reply == "A01 NO AUTHENTICATE failed."
    observation = smtp(healthy, SUPPORT, bad)
    assert observation.error == "auth-refused" and observation.auth_reply.startswith("535 5.7.3 ")


@pytest.mark.parametrize(
    ("scenario", "protocol", "error"),
    [
        ("imap-disabled", "imap", "not-connected"),
        ("pop-disabled", "pop3", "auth-refused"),
        ("smtp-auth-disabled", "smtp", "smtp-auth-disabled-tenant"),
        ("no-full-access", "pop3", "auth-refused"),
    ],
)
def test_mailbox_faults_are_classified(scenario: str, protocol: str, error: str) -> None:
    with simulator(scenario) as sim:
        mailbox = SUPPORT if protocol == "imap" else SALES if protocol == "pop3" else SUPPORT
        token = access_token(sim, mailbox)
        observation = {"imap": imap, "pop3": pop3, "smtp": smtp}[protocol](sim, mailbox, token)
        assert observation.error == error, observation.message
        assert observation.reached_server and sim.recorder.mutations() == []


def test_imap_trap_is_judged_after_examine_and_the_hang_up_is_evidence() -> None:
    with simulator("imap-disabled") as sim:
        observation = imap(sim, SUPPORT, access_token(sim, SUPPORT))
    assert observation.auth_reply == "A01 OK AUTHENTICATE completed."
    assert observation.follow_up == "A02 BAD User is authenticated but not connected."
    assert observation.stage == "mailbox"
    assert "S: * BYE Connection closed. 14" in observation.transcript
    assert "C: A03 LOGOUT" not in observation.transcript  # nothing more is sent after the hang-up


def test_send_as_denied_names_the_sender() -> None:
    with simulator() as sim:
        sim.tenant.mailboxes[SALES].send_as.clear()
        observation = smtp(sim, SALES, access_token(sim, SALES), send=TestMessage("someone@example.net"))
    assert (observation.stage, observation.error) == ("send", "send-as-denied")
    assert "554 5.2.252 SendAsDenied" in observation.follow_up


def test_a_server_that_never_greets_costs_one_timeout() -> None:
    with simulator("server-hangs") as sim:
        started = time.monotonic()
        observation = imap(sim, SUPPORT, Secret("unused-token-value"), timeout=1)
        elapsed = time.monotonic() - started
    assert (observation.stage, observation.error) == ("tls", "read-timeout")
    assert not observation.reached_server
    assert elapsed < 2.5


def test_an_unresolvable_host_is_not_connected_to(healthy: RunningSimulator) -> None:
    endpoint = healthy.endpoints.imap
    lookup = dns(healthy, "nowhere.invalid")
    observation = probe_imap(endpoint, SUPPORT, Secret("unused-token-value"), lookup, network(healthy), 2)
    assert (observation.stage, observation.error) == ("dns", lookup.error)
