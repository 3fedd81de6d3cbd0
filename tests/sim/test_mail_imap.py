"""The simulated Exchange Online IMAP server, seen by independent clients (imaplib, IMAPClient, raw TLS)."""

from __future__ import annotations

import base64
import contextlib
import imaplib
import re
import ssl
from collections.abc import Iterator
from typing import cast

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from mailfakes import DELEGATE_TOKEN, GOOD_TOKEN, NO_IMAP_TOKEN, FakeAuthority, RawClient, xoauth2, xoauth2_b64
from mailfixtures import *  # noqa: F403  (pytest fixtures: authority, server_context, recorder, ...)

from pytest_ece_o365.sim.imap import CAPABILITIES, ImapServer
from pytest_ece_o365.sim.mailserver import Recorder

pytestmark = pytest.mark.usefixtures("no_leaked_threads")
SUPPORT = "support@example.com"
SHARED = "sales@example.com"


@pytest.fixture
def server(authority: FakeAuthority, server_context: ssl.SSLContext, recorder: Recorder) -> Iterator[ImapServer]:
    with ImapServer(authority, server_context, recorder=recorder, timeout=5) as srv:
        yield srv


@pytest.fixture
def imap(server: ImapServer, client_context: ssl.SSLContext) -> Iterator[imaplib.IMAP4_SSL]:
    client = imaplib.IMAP4_SSL("127.0.0.1", server.port, ssl_context=client_context, timeout=5)
    yield client
    with contextlib.suppress(OSError):
        client.shutdown()


def login(client: imaplib.IMAP4_SSL, user: str, token: str) -> tuple[str, list[bytes]]:
    typ, data = client.authenticate("XOAUTH2", lambda _: xoauth2(user, token).encode())
    return typ, cast(list[bytes], data)  # typeshed says str; imaplib returns a list of bytes


def test_greeting_names_a_backend_in_utf16(imap: imaplib.IMAP4_SSL) -> None:
    match = re.fullmatch(rb"\* OK The Microsoft Exchange IMAP4 service is ready\. \[([A-Za-z0-9+/=]+)\]", imap.welcome)
    assert match, imap.welcome
    assert base64.b64decode(match.group(1)).decode("utf-16-le").endswith(".prod.exchangelabs.com")


def test_capabilities_before_login_are_office365s(imap: imaplib.IMAP4_SSL) -> None:
    typ, data = imap.capability()
    assert (typ, data) == ("OK", [CAPABILITIES.encode()])
    assert CAPABILITIES == (
        "IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+"
    )


def test_capabilities_after_login_add_exchanges_own(imap: imaplib.IMAP4_SSL) -> None:
    """jstedfast/MailKit#1494, #1496: MOVE and CLIENTACCESSRULES CLIENTNETWORKPRESENCELOCATION BACKENDAUTHENTICATE."""
    login(imap, SUPPORT, GOOD_TOKEN)
    typ, data = imap.capability()
    assert (typ, data) == (
        "OK",
        [
            b"IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS MOVE ID UNSELECT CLIENTACCESSRULES "
            b"CLIENTNETWORKPRESENCELOCATION BACKENDAUTHENTICATE CHILDREN IDLE NAMESPACE LITERAL+"
        ],
    )


def test_two_step_authenticate_then_examine_inbox(imap: imaplib.IMAP4_SSL, recorder: Recorder) -> None:
    assert login(imap, SUPPORT, GOOD_TOKEN) == ("OK", [b"AUTHENTICATE completed."])
    assert imap.select("INBOX", readonly=True) == ("OK", [b"3"])
    assert imap.response("UIDVALIDITY") == ("UIDVALIDITY", [b"14"])
    replies = [line.line for line in recorder.lines() if line.direction == "S"]
    assert any(re.fullmatch(r"\w+ OK \[READ-ONLY\] EXAMINE completed\.", r) for r in replies)
    assert {"* 3 EXISTS", "* 0 RECENT"} <= set(replies)
    typ, data = imap.fetch("1:*", "(UID RFC822.SIZE FLAGS)")
    assert typ == "OK" and len(data) == 3 and b"RFC822.SIZE 4115" in str(data[0]).encode()
    assert imap.logout() == ("BYE", [b"Microsoft Exchange Server IMAP4 server signing off."])


def test_sasl_ir_authenticate_on_the_wire(server: ImapServer, client_context: ssl.SSLContext) -> None:
    raw = RawClient(server.port, client_context, server_hostname="outlook.office365.com")
    try:
        assert raw.line().startswith("* OK The Microsoft Exchange IMAP4 service is ready.")
        assert (
            raw.ask(f"A01 AUTHENTICATE XOAUTH2 {xoauth2_b64(SUPPORT, GOOD_TOKEN)}") == "A01 OK AUTHENTICATE completed."
        )
        assert raw.ask("A02 NOOP") == "A02 OK NOOP completed."
        assert raw.ask("A03 LOGOUT") == "* BYE Microsoft Exchange Server IMAP4 server signing off."
        assert raw.line() == "A03 OK LOGOUT completed."
        assert raw.line() == ""
    finally:
        raw.close()


def test_imapclient_oauth2_login_and_read_only_select(server: ImapServer, client_context: ssl.SSLContext) -> None:
    with IMAPClient("127.0.0.1", port=server.port, ssl_context=client_context, timeout=5) as client:
        assert client.oauth2_login(SUPPORT, GOOD_TOKEN) == [b"AUTHENTICATE completed."]
        info = client.select_folder("INBOX", readonly=True)
        assert info[b"EXISTS"] == 3 and info[b"READ-ONLY"] == [b""]
        assert sorted(client.search()) == [1, 2, 3]
        headers = client.fetch([3], ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
        assert headers[3][b"BODY[HEADER.FIELDS (SUBJECT)]"] == b"Subject: Question\r\n\r\n"
        assert [name for _, _, name in client.list_folders()][:3] == ["Archive", "Calendar", "Contacts"]
        assert client.namespace().personal == (("", "/"),)


@pytest.mark.parametrize("token", [GOOD_TOKEN + "-tampered", NO_IMAP_TOKEN])
def test_refused_token_gets_no_authenticate_failed(imap: imaplib.IMAP4_SSL, token: str) -> None:
    with pytest.raises(imaplib.IMAP4.error, match=r"AUTHENTICATE failed\."):
        login(imap, SUPPORT, token)


def test_imapclient_sees_refusal_as_login_error(server: ImapServer, client_context: ssl.SSLContext) -> None:
    with (
        IMAPClient("127.0.0.1", port=server.port, ssl_context=client_context, timeout=5) as client,
        pytest.raises(LoginError, match="AUTHENTICATE failed"),
    ):
        client.oauth2_login(SUPPORT, "not-a-token")


def trap_transcript(server: ImapServer, context: ssl.SSLContext, user: str, token: str) -> list[str]:
    raw = RawClient(server.port, context)
    try:
        raw.line()
        lines = [raw.ask(f"A01 AUTHENTICATE XOAUTH2 {xoauth2_b64(user, token)}")]
        lines.append(raw.ask("A02 EXAMINE INBOX"))  # the first mailbox command: BAD only, the session stays
        raw.send('A03 LIST "" "INBOX"')
        while line := raw.line():
            lines.append(line)
        return lines
    finally:
        raw.close()


#: jstedfast/MailKit#1496 (NAMESPACE -> BAD, LIST -> BAD + BYE), simonrob/email-oauth2-proxy#74.
TRAP = [
    "A01 OK AUTHENTICATE completed.",
    "A02 BAD User is authenticated but not connected.",
    "A03 BAD User is authenticated but not connected.",
    "* BYE Connection closed. 14",
]


def test_trap_imap_disabled(server: ImapServer, authority: FakeAuthority, client_context: ssl.SSLContext) -> None:
    authority.disabled.add((SUPPORT, "imap"))
    assert trap_transcript(server, client_context, SUPPORT, GOOD_TOKEN) == TRAP


def test_trap_with_imaplib(imap: imaplib.IMAP4_SSL, authority: FakeAuthority) -> None:
    authority.disabled.add((SUPPORT, "imap"))
    assert login(imap, SUPPORT, GOOD_TOKEN)[0] == "OK"
    with pytest.raises(imaplib.IMAP4.error, match="User is authenticated but not connected"):
        imap.select("INBOX", readonly=True)
    with pytest.raises(imaplib.IMAP4.error, match="User is authenticated but not connected"):
        imap.list()  # the second failing command: BAD, then BYE and the hang-up
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        imap.noop()


def test_shared_mailbox_with_full_access_opens(server: ImapServer, client_context: ssl.SSLContext) -> None:
    raw = RawClient(server.port, client_context)
    try:
        raw.line()
        assert raw.ask(f"A01 AUTHENTICATE XOAUTH2 {xoauth2_b64(SHARED, DELEGATE_TOKEN)}") == TRAP[0]
        assert raw.ask("A02 EXAMINE INBOX") == "* 3 EXISTS"
    finally:
        raw.close()


def test_trap_no_full_access_on_shared_mailbox(
    server: ImapServer, authority: FakeAuthority, client_context: ssl.SSLContext
) -> None:
    authority.full_access.clear()
    assert trap_transcript(server, client_context, SHARED, DELEGATE_TOKEN) == TRAP
    assert authority.calls == [("imap", SHARED)]


def test_commands_in_the_wrong_state(server: ImapServer, client_context: ssl.SSLContext, recorder: Recorder) -> None:
    raw = RawClient(server.port, client_context)
    try:
        raw.line()
        assert raw.ask("A01 EXAMINE INBOX") == "A01 BAD Command received in Invalid state."
        assert raw.ask("A02 FETCH 1 FLAGS") == "A02 BAD Command received in Invalid state."
        assert raw.ask('A03 LOGIN support@example.com "hunter2!"') == "A03 NO LOGIN failed."
        assert raw.ask("A04 FROBNICATE") == "A04 BAD Command Error. 10"
        assert raw.ask("A05 AUTHENTICATE PLAIN AHN1cHBvcnQAaHVudGVyMg==") == "A05 NO AUTHENTICATE failed."
        assert (
            raw.ask(f"A06 AUTHENTICATE XOAUTH2 {xoauth2_b64(SUPPORT, GOOD_TOKEN)}") == "A06 OK AUTHENTICATE completed."
        )
        assert raw.ask("A07 AUTHENTICATE XOAUTH2 =") == "A07 BAD Command received in Invalid state."
        assert raw.ask("A08 FETCH 1 FLAGS") == "A08 BAD Command received in Invalid state."
    finally:
        raw.close()
    assert "hunter2" not in str(recorder.lines()) and "AHN1cHBvcnQ" not in str(recorder.lines())


def test_two_step_cancel_and_literal(server: ImapServer, client_context: ssl.SSLContext) -> None:
    raw = RawClient(server.port, client_context)
    try:
        raw.line()
        assert raw.ask("A01 AUTHENTICATE XOAUTH2") == "+ "
        assert raw.ask("*") == "A01 BAD Command Argument Error. 12"
        assert (
            raw.ask(f"A02 AUTHENTICATE XOAUTH2 {xoauth2_b64(SUPPORT, GOOD_TOKEN)}") == "A02 OK AUTHENTICATE completed."
        )
        assert raw.ask("A03 EXAMINE {5}") == "+ Ready for additional command text."
        assert raw.ask("INBOX") == "* 3 EXISTS"
    finally:
        raw.close()


def test_select_and_store_are_mutations_examine_is_not(imap: imaplib.IMAP4_SSL, recorder: Recorder) -> None:
    login(imap, SUPPORT, GOOD_TOKEN)
    imap.select("INBOX", readonly=True)
    imap.fetch("1", "(BODY.PEEK[])")
    imap.uid("SEARCH", "ALL")
    assert recorder.mutations() == []
    assert imap.select("INBOX") == ("OK", [b"3"])
    assert imap.store("3", "+FLAGS", "\\Seen")[0] == "OK"
    assert imap.uid("STORE", "2", "-FLAGS", "(\\Answered)")[0] == "OK"
    assert [line.split(" ", 1)[1] for _, _, line in recorder.mutations()] == [
        "SELECT INBOX",
        "STORE 3 +FLAGS (\\Seen)",
        "UID STORE 2 -FLAGS (\\Answered)",
    ]


def test_store_in_a_read_only_mailbox_is_refused_but_recorded(imap: imaplib.IMAP4_SSL, recorder: Recorder) -> None:
    login(imap, SUPPORT, GOOD_TOKEN)
    imap.select("INBOX", readonly=True)
    typ, _ = imap.store("1", "+FLAGS", "\\Deleted")
    assert typ == "NO"
    assert len(recorder.mutations()) == 1


def test_tokens_never_reach_the_recorder(
    server: ImapServer, imap: imaplib.IMAP4_SSL, client_context: ssl.SSLContext, recorder: Recorder
) -> None:
    login(imap, SUPPORT, GOOD_TOKEN)  # two-step
    raw = RawClient(server.port, client_context)
    raw.line()
    assert raw.ask(f"A01 AUTHENTICATE XOAUTH2 {xoauth2_b64(SUPPORT, GOOD_TOKEN)}") == TRAP[0]  # SASL-IR
    raw.close()
    with pytest.raises(imaplib.IMAP4.error):
        login(imap, SUPPORT, GOOD_TOKEN)  # a second AUTHENTICATE: invalid state, token still masked
    text = "\n".join(line.line for line in recorder.lines())
    assert GOOD_TOKEN not in text
    assert xoauth2_b64(SUPPORT, GOOD_TOKEN)[:20] not in text
    assert "[redacted]" in text
