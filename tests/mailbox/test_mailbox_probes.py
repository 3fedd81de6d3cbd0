"""The IMAP, POP3 and SMTP mailbox probes against the simulated tenant, with tokens minted as ECE gets
them: what each protocol's success and failure look like, read-only, redacted, within the timeout."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from mailboxkit import DELEGATE, SALES, SUPPORT, access_token, dns, network, simulator
from waiting import SLACK

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


def untagged(line: str) -> str:
    """A tagged line without its tag (imaplib's tags are random per session)."""
    return line.partition(" ")[2]


def client_commands(observation: MailSessionObservation) -> list[str]:
    return [untagged(line[3:]) for line in observation.transcript if line.startswith("C: ") and " " in line[3:]]


def test_imap_logs_in_and_examines_inbox_read_only(healthy: RunningSimulator) -> None:
    token = access_token(healthy, SUPPORT)
    healthy.recorder.clear()
    observation = imap(healthy, SUPPORT, token)
    assert observation.ok, observation.message
    assert (observation.stage, observation.messages) == ("done", 3)
    assert untagged(observation.auth_reply) == "OK AUTHENTICATE completed."
    assert untagged(observation.follow_up).startswith("OK [READ-ONLY] EXAMINE completed.")
    transcript = "\n".join(observation.transcript)
    # imapclient's session: CAPABILITY, the token on the AUTHENTICATE line (SASL-IR is offered), EXAMINE
    assert client_commands(observation) == [
        "CAPABILITY",
        "AUTHENTICATE XOAUTH2 [redacted]",
        'EXAMINE "INBOX"',
        "LOGOUT",
    ]
    assert token.reveal() not in transcript
    assert [untagged(line) for _, _, line in healthy.recorder.commands("imap")][-2:] == ['EXAMINE "INBOX"', "LOGOUT"]
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
    token = access_token(healthy, SALES)  # the delegate's: it logs in as itself, sends as the shared mailbox
    healthy.recorder.clear()
    observation = smtp(healthy, DELEGATE, token, send=TestMessage("someone@example.net", sender=SALES))
    assert observation.ok, observation.message
    assert observation.follow_up.startswith("250 2.0.0 OK")
    commands = [line for _, _, line in healthy.recorder.commands("smtp")]
    assert f"MAIL FROM:<{SALES}>" in commands and "RCPT TO:<someone@example.net>" in commands
    assert [line for _, _, line in healthy.recorder.mutations()] == ["DATA"]


def test_smtp_refuses_the_shared_mailbox_form_with_5_7_3(healthy: RunningSimulator) -> None:
    """user= the shared mailbox with the delegate's token: IMAP/POP take it, SMTP does not, FullAccess and
    SendAs in place or not (nextcloud/mail#13668)."""
    observation = smtp(healthy, SALES, access_token(healthy, SALES))
    assert (observation.stage, observation.error) == ("login", "auth-refused")
    assert re.fullmatch(
        r"535 5\.7\.3 Authentication unsuccessful \[\S+\.prod\.outlook\.com \d{4}-\d\d-\d\dT[\d:.]+Z [0-9A-F]{16}\]",
        observation.auth_reply,
    )


def test_a_bad_token_is_refused_by_imap_and_smtp(healthy: RunningSimulator) -> None:
    bad = Secret("eyJhbGciOiJIUzI1NiJ9.e30.not-a-signature")
    observation = imap(healthy, SUPPORT, bad)
    assert (observation.stage, observation.error) == ("login", "auth-refused")
    assert untagged(observation.auth_reply) == "NO AUTHENTICATE failed."
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


def test_imap_trap_is_judged_after_examine() -> None:
    """Office 365 answers the first mailbox command with BAD only (the BYE comes with the second failing
    command, which the probe never sends): the tagged BAD is the verdict."""
    with simulator("imap-disabled") as sim:
        observation = imap(sim, SUPPORT, access_token(sim, SUPPORT))
    assert untagged(observation.auth_reply) == "OK AUTHENTICATE completed."
    assert untagged(observation.follow_up) == "BAD User is authenticated but not connected."
    assert (observation.stage, observation.error) == ("mailbox", "not-connected")
    assert "S: * BYE Connection closed. 14" not in observation.transcript
    assert "EXAMINE" in " ".join(client_commands(observation))


def test_send_as_denied_comes_at_the_end_of_data() -> None:
    with simulator("no-send-as") as sim:
        message = TestMessage("someone@example.net", sender=SALES)
        observation = smtp(sim, DELEGATE, access_token(sim, SALES), send=message)
    assert (observation.stage, observation.error) == ("send", "send-as-denied")
    assert observation.follow_up.startswith(
        "550 5.7.60 SMTP; Client does not have permissions to send as this sender ["
    )
    assert "S: 250 2.1.0 Sender OK" in observation.transcript  # MAIL FROM itself was accepted


def test_a_server_that_never_greets_costs_one_timeout() -> None:
    with simulator("server-hangs") as sim:
        started = time.monotonic()
        observation = imap(sim, SUPPORT, Secret("unused-token-value"), timeout=1)
        elapsed = time.monotonic() - started
    assert (observation.stage, observation.error) == ("tls", "read-timeout")
    assert not observation.reached_server
    # About time: the simulated server holds the connection until it stops; the probe ends at its deadline.
    assert elapsed < 1 + SLACK


def test_an_unresolvable_host_is_not_connected_to(healthy: RunningSimulator) -> None:
    endpoint = healthy.endpoints.imap
    lookup = dns(healthy, "nowhere.invalid")
    observation = probe_imap(endpoint, SUPPORT, Secret("unused-token-value"), lookup, network(healthy), 2)
    assert (observation.stage, observation.error) == ("dns", lookup.error)
