"""The simulated Exchange Online POP3 server, seen by poplib and a raw TLS client."""

from __future__ import annotations

import base64
import poplib
import re
import ssl
from collections.abc import Iterator
from typing import cast

import pytest
from mailfakes import DELEGATE_TOKEN, GOOD_TOKEN, FakeAuthority, RawClient, xoauth2_b64
from mailfixtures import *  # noqa: F403  (pytest fixtures: authority, server_context, recorder, ...)

from pytest_ece_o365.sim.mailserver import Recorder
from pytest_ece_o365.sim.pop3 import Pop3Server

pytestmark = pytest.mark.usefixtures("no_leaked_threads")
SUPPORT = "support@example.com"
SHARED = "sales@example.com"
AUTH_FAILED = b"-ERR Authentication failure: unknown user name or bad password."


@pytest.fixture
def server(authority: FakeAuthority, server_context: ssl.SSLContext, recorder: Recorder) -> Iterator[Pop3Server]:
    with Pop3Server(authority, server_context, recorder=recorder, timeout=5) as srv:
        yield srv


@pytest.fixture
def pop(server: Pop3Server, client_context: ssl.SSLContext) -> Iterator[poplib.POP3_SSL]:
    client = poplib.POP3_SSL("127.0.0.1", server.port, context=client_context, timeout=5)
    yield client
    client.close()


def shortcmd(client: poplib.POP3_SSL, line: str) -> bytes:
    """poplib's one-line command (private but stable since Python 2; raises error_proto on -ERR)."""
    return cast(bytes, client._shortcmd(line))  # type: ignore[attr-defined]


def auth_two_step(client: poplib.POP3_SSL, user: str, token: str) -> bytes:
    """poplib has no AUTH helper: send the two lines ourselves (as the protocol reference says)."""
    assert shortcmd(client, "AUTH XOAUTH2") == b"+ "
    return shortcmd(client, xoauth2_b64(user, token))


def test_greeting_and_capa(pop: poplib.POP3_SSL) -> None:
    match = re.fullmatch(
        rb"\+OK The Microsoft Exchange POP3 service is ready\. \[([A-Za-z0-9+/=]+)\]", pop.getwelcome()
    )
    assert match
    assert base64.b64decode(match.group(1)).decode("utf-16-le").endswith(".prod.exchangelabs.com")
    assert pop.capa() == {"TOP": [], "UIDL": [], "SASL": ["PLAIN", "XOAUTH2"], "USER": []}


def test_two_step_auth_then_stat_list_retr(pop: poplib.POP3_SSL) -> None:
    assert auth_two_step(pop, SUPPORT, GOOD_TOKEN) == b"+OK User successfully authenticated."
    assert pop.stat() == (3, 12345)
    resp, listing, _ = pop.list()
    assert resp == b"+OK 3 12345" and listing == [b"1 4115", b"2 4115", b"3 4115"]
    assert len(pop.uidl()[1]) == 3
    resp, lines, _ = pop.retr(1)
    assert resp == b"+OK" and b"Subject: Order 1001" in lines
    top = pop.top(2, 0)[1]
    assert top[-1] == b"" and b"Subject: Re: Invoice" in top
    assert pop.noop() == b"+OK"
    assert pop.quit() == b"+OK Microsoft Exchange Server 2016 POP3 server signing off."


def test_shared_mailbox_with_delegate_token(pop: poplib.POP3_SSL) -> None:
    assert auth_two_step(pop, SHARED, DELEGATE_TOKEN) == b"+OK User successfully authenticated."


def test_one_line_auth_is_a_protocol_error_and_closes(server: Pop3Server, client_context: ssl.SSLContext) -> None:
    raw = RawClient(server.port, client_context)
    try:
        raw.line()
        reply = raw.ask(f"AUTH XOAUTH2 {xoauth2_b64(SUPPORT, GOOD_TOKEN)}")
        assert reply == "-ERR Protocol error. Connection is closed. 10"
        assert raw.line() == ""  # closed
    finally:
        raw.close()


def test_one_line_auth_with_poplib(pop: poplib.POP3_SSL) -> None:
    with pytest.raises(poplib.error_proto, match=r"Protocol error\. Connection is closed\. 10"):
        shortcmd(pop, f"AUTH XOAUTH2 {xoauth2_b64(SUPPORT, GOOD_TOKEN)}")


@pytest.mark.parametrize(
    ("rule", "user", "token"),
    [
        ("pop-disabled", SUPPORT, GOOD_TOKEN),
        ("no-full-access", SHARED, DELEGATE_TOKEN),
        ("bad-token", SUPPORT, "garbage-token-value"),
    ],
)
def test_every_refusal_is_one_and_the_same_line(
    pop: poplib.POP3_SSL, authority: FakeAuthority, rule: str, user: str, token: str
) -> None:
    if rule == "pop-disabled":
        authority.disabled.add((SUPPORT, "pop3"))
    elif rule == "no-full-access":
        authority.full_access.clear()
    assert shortcmd(pop, "AUTH XOAUTH2") == b"+ "
    with pytest.raises(poplib.error_proto) as err:
        shortcmd(pop, xoauth2_b64(user, token))
    assert err.value.args[0] == AUTH_FAILED
    with pytest.raises(poplib.error_proto, match="not valid in this state"):
        pop.stat()  # still not logged in, but the connection stays open


def test_basic_auth_is_off(pop: poplib.POP3_SSL, recorder: Recorder) -> None:
    assert pop.user(SUPPORT) == b"+OK"
    with pytest.raises(poplib.error_proto, match="Logon failure"):
        pop.pass_("hunter2-password")
    assert "hunter2-password" not in str(recorder.lines())


def test_dele_is_a_mutation_retr_is_not(pop: poplib.POP3_SSL, recorder: Recorder) -> None:
    auth_two_step(pop, SUPPORT, GOOD_TOKEN)
    pop.retr(2)
    pop.top(1, 5)
    assert recorder.mutations() == []
    assert pop.dele(3) == b"+OK"
    assert pop.stat() == (2, 8230)
    with pytest.raises(poplib.error_proto, match="out of range"):
        pop.retr(3)
    pop.rset()
    assert pop.stat() == (3, 12345)
    assert [line for _, _, line in recorder.mutations()] == ["DELE 3"]


def test_tokens_never_reach_the_recorder(pop: poplib.POP3_SSL, recorder: Recorder) -> None:
    auth_two_step(pop, SUPPORT, GOOD_TOKEN)
    text = "\n".join(line.line for line in recorder.lines())
    assert GOOD_TOKEN not in text and "dXNlcj" not in text
    assert ("C: [redacted]") in recorder.transcript("pop3", recorder.sessions("pop3")[0])
