"""Corner cases of the mail probes against a scripted server: the paths neither the simulator nor
Dovecot take (IMAP without SASL-IR, a BYE instead of a reply, no XOAUTH2, silence after the greeting)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from scriptedmail import CLOSE, HOST, Reply, scripted_server
from waiting import SLACK

from pytest_ece_o365.checks.base import CheckContext, RunOptions
from pytest_ece_o365.checks.mailbox import judge_full_access, judge_inbound
from pytest_ece_o365.config.deployment import Endpoint, Mailbox, Network
from pytest_ece_o365.probes.mail_imap import probe_imap
from pytest_ece_o365.probes.mail_pop3 import probe_pop3
from pytest_ece_o365.probes.mail_smtp import probe_smtp
from pytest_ece_o365.probes.observation import DnsObservation
from pytest_ece_o365.secret import Secret

USER = "support@example.com"
TOKEN = Secret("opaque-access-token-value")
CAPS = "* CAPABILITY IMAP4rev1 AUTH=XOAUTH2 ID"  # no SASL-IR: the two-step form


def _ctx(timeout: float = 2) -> CheckContext:
    return CheckContext(config=None, roles=("services",), options=RunOptions(timeout=timeout))  # type: ignore[arg-type]


def imap_replies(after_blob: list[str]) -> dict[str, list[str]]:
    return {
        "CAPABILITY": [CAPS, "{tag} OK CAPABILITY completed."],
        "AUTHENTICATE XOAUTH2": ["+ "],
        "blob": after_blob,
        'EXAMINE "INBOX"': ["* 7 EXISTS", "{tag} OK [READ-ONLY] EXAMINE completed."],
        "LOGOUT": ["* BYE bye", "{tag} OK LOGOUT completed."],
    }


def untagged(line: str) -> str:
    """A command or reply without its tag (imaplib's tags are random per session)."""
    return line.partition(" ")[2]


def play(script: dict[str, list[str]]) -> Reply:
    """Answer each command (without its tag) from ``script``, ``{tag}`` standing for the command's tag; a
    line without a space is taken for the token blob, an empty line for the answer to a challenge."""
    tags = [""]

    def reply(line: str) -> list[str] | None:
        if line and " " not in line:
            answer = script.get("blob")
        elif not line:
            answer = script.get("", ["{tag} BAD unexpected"])
        else:
            tags.append(line.partition(" ")[0])
            answer = script.get(untagged(line), ["{tag} BAD unexpected"])
        return None if answer is None else [item.replace("{tag}", tags[-1]) for item in answer]

    return reply


def test_imap_without_sasl_ir_sends_the_token_after_the_continuation(tmp_path: Path) -> None:
    script = imap_replies(["{tag} OK AUTHENTICATE completed."])
    with scripted_server(tmp_path, ["* OK ready"], play(script)) as server:
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    assert observation.ok, observation.transcript
    assert observation.messages == 7
    assert [untagged(line) for line in server.received[:2]] == ["CAPABILITY", "AUTHENTICATE XOAUTH2"]
    assert "C: [redacted]" in observation.transcript
    assert TOKEN.reveal() not in "\n".join(observation.transcript)


def test_imap_bye_instead_of_a_tagged_reply_is_a_refusal(tmp_path: Path) -> None:
    script = imap_replies(["* BYE Session invalidated - AccessTokenExpired", CLOSE])
    with scripted_server(tmp_path, ["* OK ready"], play(script)) as server:
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    assert (observation.stage, observation.error) == ("login", "auth-refused")
    assert observation.auth_reply == "* BYE Session invalidated - AccessTokenExpired"


def test_imap_without_xoauth2_is_said_so(tmp_path: Path) -> None:
    script = {"CAPABILITY": ["* CAPABILITY IMAP4rev1 AUTH=PLAIN", "{tag} OK done"], "LOGOUT": ["{tag} OK"]}
    with scripted_server(tmp_path, ["* OK ready"], play(script)) as server:
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    assert observation.error == "no-xoauth2"
    assert not [line for line in server.received if "AUTHENTICATE" in line]


def test_pop3_without_xoauth2_is_said_so(tmp_path: Path) -> None:
    script = {"AUTH XOAUTH2": ["-ERR Unrecognized authentication type."], "QUIT": ["+OK bye"]}
    with scripted_server(tmp_path, ["+OK ready"], lambda line: script.get(line, ["-ERR unexpected"])) as server:
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
    assert elapsed < 1 + SLACK  # about time: the scripted server never answers; the probe ends at its deadline
    verdict = judge_inbound(_ctx(1), observation, Mailbox(USER, "imap"))
    assert (verdict.status, verdict.owner) == ("failed", "network")


@pytest.mark.parametrize(
    ("after_examine", "error"),
    [
        (["* BYE Connection closed. 14", CLOSE], "bye"),
        ([CLOSE], "not-connected"),
        (["* BYE Connection closed. 14"], "bye"),
    ],
    ids=["bye-and-close", "close", "bye-then-silence"],
)
def test_a_hang_up_instead_of_a_tagged_examine_reply_is_its_own_cause(
    tmp_path: Path, after_examine: list[str], error: str
) -> None:
    """A ``* BYE`` instead of a tagged reply is ``bye`` (its text says which cause: AccessTokenExpired or
    "Connection closed. 14"); a bare hang-up after an accepted login stays the not-connected trap."""
    script = imap_replies(["{tag} OK AUTHENTICATE completed."])
    script['EXAMINE "INBOX"'] = after_examine
    with scripted_server(tmp_path, ["* OK ready"], play(script)) as server:
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    assert (observation.stage, observation.error) == ("mailbox", error), observation.transcript
    assert untagged(observation.auth_reply) == "OK AUTHENTICATE completed."
    assert "LOGOUT" not in [untagged(line) for line in server.received]  # nothing more is said after a hang-up
    inbound = judge_inbound(_ctx(), observation, Mailbox(USER, "imap"))
    assert (inbound.status, inbound.owner) == ("failed", "exchange-admin")
    assert f"Set-CASMailbox {USER} -ImapEnabled $true" in inbound.remediation
    assert inbound.cause == f"imap-{error}"
    if error == "bye":
        assert "* BYE Connection closed. 14" in inbound.detail
    shared = Mailbox(USER, "imap", "shared", "ece-mail@example.com")
    rights = judge_full_access(_ctx(), observation, shared)  # the mailbox never opened: no pass
    assert rights.status == "failed"
    if error == "not-connected":
        assert rights.owner == "exchange-admin"
        assert "Add-MailboxPermission" in rights.remediation


def test_a_tagged_ok_to_examine_is_what_passes(tmp_path: Path) -> None:
    script = imap_replies(["{tag} OK AUTHENTICATE completed."])
    with scripted_server(tmp_path, ["* OK ready"], play(script)) as server:
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 2)
    shared = Mailbox(USER, "imap", "shared", "ece-mail@example.com")
    assert judge_full_access(_ctx(), observation, shared).status == "passed"
    assert judge_inbound(_ctx(), observation, shared).status == "passed"


def test_silence_after_examine_stays_a_network_finding(tmp_path: Path) -> None:
    script = imap_replies(["{tag} OK AUTHENTICATE completed."])

    def reply(line: str) -> list[str] | None:
        return None if line.endswith(' EXAMINE "INBOX"') else answer(line)

    answer = play(script)

    with scripted_server(tmp_path, ["* OK ready"], reply) as server:
        observation = probe_imap(server.endpoint, USER, TOKEN, server.dns, server.network, 1)
    assert (observation.stage, observation.error) == ("mailbox", "read-timeout")
    verdict = judge_inbound(_ctx(1), observation, Mailbox(USER, "imap"))
    assert (verdict.status, verdict.owner) == ("failed", "network")


def test_a_refused_connection_keeps_what_the_network_rows_need() -> None:
    dns = DnsObservation(HOST, "test", ("127.0.0.1",))
    # a port held by a socket that never listens: connections to it are refused, and no other test can
    # take it meanwhile
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        endpoint = Endpoint(HOST, closed.getsockname()[1])
        observation = probe_imap(endpoint, USER, TOKEN, dns, Network(timeout=2), 2)
    assert (observation.stage, observation.error, observation.resolver) == ("tcp", "refused", "test")
    verdict = judge_inbound(_ctx(), observation, Mailbox(USER, "imap"))
    assert (verdict.status, verdict.owner) == ("failed", "network")
    assert f"Open TCP {endpoint.port}" in verdict.remediation
