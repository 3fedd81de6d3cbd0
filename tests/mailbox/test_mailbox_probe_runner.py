"""The mail-session runner and the IMAP probe's imapclient seam against a scripted server: the watchdog that
ends a session whatever blocks it, the two-step XOAUTH2 with an error challenge (the token goes out once),
and replies that are not what imaplib expects."""

from __future__ import annotations

from pathlib import Path

from scriptedmail import CLOSE, scripted_server
from test_mailbox_probe_edges import CAPS, TOKEN, USER, imap_replies, play, untagged

from pytest_ece_o365.probes.mail_imap import probe_imap
from pytest_ece_o365.probes.mail_session import Session, run_session, say
from pytest_ece_o365.probes.tcp import LineReader, ProbeError

CHALLENGE = "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0="  # Dovecot's, verbatim


def test_the_watchdog_cuts_off_a_session_that_ignores_the_deadline(tmp_path: Path) -> None:
    """A talk that blocks on the socket on its own terms (as imaplib may) is ended by the watchdog, and the
    cut is a read-timeout, not the 'closed' it causes."""

    def talk(session: Session, reader: LineReader) -> None:
        reader.sock.settimeout(5)  # far beyond the session's deadline: only the watchdog can end this
        try:
            data = reader.sock.recv(1)
        except TimeoutError:
            raise ProbeError("no-watchdog", "nothing cut the session off") from None
        except OSError as exc:
            raise ProbeError("closed", f"cut: {exc}") from None
        if not data:
            raise ProbeError("closed", "cut")

    with scripted_server(tmp_path, ["* OK ready"], lambda line: None) as server:
        session = Session("imap", server.endpoint, USER, USER, 0.5)
        observation = run_session(session, server.dns, server.network, talk, say("A1 LOGOUT", lambda line: True))
    assert (observation.stage, observation.error) == ("login", "read-timeout")
    assert "was cut off" in observation.message


def test_two_step_xoauth2_answers_an_error_challenge_with_an_empty_line_and_sends_the_token_once(
    tmp_path: Path,
) -> None:
    # imapclient's oauth2_login would answer every "+" with the token again; the probe answers the error
    # challenge with an empty line, as SASL wants, and notes the decoded JSON.
    script = imap_replies([f"+ {CHALLENGE}"])
    script[""] = ["{tag} NO [AUTHENTICATIONFAILED] Authentication failed."]
    with scripted_server(tmp_path, ["* OK ready"], play(script)) as server:
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    assert (observation.stage, observation.error) == ("login", "auth-refused"), observation.transcript
    assert observation.challenge == '{"status":"401","schemes":"bearer","scope":"mail"}'
    assert untagged(observation.auth_reply) == "NO [AUTHENTICATIONFAILED] Authentication failed."
    blobs = [line for line in server.received if line and " " not in line]
    assert len(blobs) == 1 and "" in server.received
    note = observation.transcript.index(f"*: error challenge: {observation.challenge}")
    assert (observation.transcript[note - 1], observation.transcript[note + 1]) == (f"S: + {CHALLENGE}", "C: ")
    assert observation.transcript.count("C: [redacted]") == 1
    assert TOKEN.reveal() not in "\n".join(observation.transcript)


def test_an_endless_reply_is_garbage(tmp_path: Path) -> None:
    script = imap_replies(["{tag} OK AUTHENTICATE completed."])
    script['EXAMINE "INBOX"'] = ["* OK still going"] * 600
    with scripted_server(tmp_path, ["* OK ready"], play(script)) as server:
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    assert (observation.stage, observation.error) == ("mailbox", "garbage"), observation.message


def test_a_reply_that_is_not_imap_is_garbage(tmp_path: Path) -> None:
    script = {"CAPABILITY": ["HTTP/1.1 400 Bad Request", CLOSE]}
    with scripted_server(tmp_path, ["* OK ready"], play(script)) as server:
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    assert (observation.stage, observation.error) == ("login", "garbage"), observation.message
    assert "not IMAP" in observation.message


def test_a_refused_capability_is_rejected(tmp_path: Path) -> None:
    script = {"CAPABILITY": ["{tag} BAD not now"], "LOGOUT": ["{tag} OK"]}
    with scripted_server(tmp_path, ["* OK ready"], play(script)) as server:
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    assert (observation.stage, observation.error) == ("login", "rejected"), observation.message


def test_a_literal_in_a_reply_is_read(tmp_path: Path) -> None:
    script = imap_replies(["{tag} OK AUTHENTICATE completed."])
    script['EXAMINE "INBOX"'] = ["* 7 EXISTS", "* X-NOTE {5}", "hello", "{tag} OK [READ-ONLY] EXAMINE completed."]
    with scripted_server(tmp_path, ["* OK ready"], play(script)) as server:
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    assert observation.ok, observation.transcript
    assert observation.messages == 7


def test_a_reply_imapclient_cannot_read_is_garbage_not_a_crash(tmp_path: Path) -> None:
    # imapclient's select_folder fails with TypeError on a literal in an untagged OK (legal IMAP)
    script = imap_replies(["{tag} OK AUTHENTICATE completed."])
    script['EXAMINE "INBOX"'] = ["* OK [ALERT] {5}", "hello", "{tag} OK [READ-ONLY] EXAMINE completed."]
    with scripted_server(tmp_path, ["* OK ready"], play(script)) as server:
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    assert (observation.stage, observation.error) == ("mailbox", "garbage"), observation.message


def test_the_capabilities_announced_with_the_greeting_are_asked_again(tmp_path: Path) -> None:
    """imaplib always asks CAPABILITY while connecting (a documented difference to the hand-written probe)."""
    script = imap_replies(["{tag} OK AUTHENTICATE completed."])
    greeting = f"* OK [{CAPS[2:]} SASL-IR] ready"
    with scripted_server(tmp_path, [greeting], play(script)) as server:
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    assert observation.ok, observation.transcript
    assert [untagged(line) for line in server.received][:2] == ["CAPABILITY", "AUTHENTICATE XOAUTH2"]


def test_an_untrusted_certificate_stops_the_session_before_imap(tmp_path: Path) -> None:
    """The socket imapclient talks on is the network probes' verified one: no trust, no IMAP."""
    script = imap_replies(["{tag} OK AUTHENTICATE completed."])
    with scripted_server(tmp_path, ["* OK ready"], play(script)) as server:
        network = type(server.network)(timeout=2)  # the system store alone: the scripted CA is unknown to it
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, network, 2)
    assert (observation.stage, observation.error) == ("tls", "tls-untrusted"), observation.message
    assert server.received == []
