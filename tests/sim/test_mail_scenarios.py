"""Mail faults of the whole simulator, on the wire: start it from the example config with a scenario, get an
access token the way ECE does (refresh token → token endpoint), then talk IMAP/POP3/SMTP with the standard
library's clients. The example config has support@example.com (IMAP, own mailbox) and sales@example.com
(POP3, shared, token of ece-mail@example.com).
"""

from __future__ import annotations

import base64
import imaplib
import poplib
import smtplib
import socket
import ssl
from collections.abc import Iterator
from typing import cast

import pytest
from mailfixtures import *  # noqa: F403  (pytest fixtures: authority, server_context, recorder, ...)
from simclients import example_config, session_for

from pytest_ece_o365.sim.runner import RunningSimulator, start_simulator

pytestmark = pytest.mark.usefixtures("no_leaked_threads")
SUPPORT = "support@example.com"
SALES = "sales@example.com"
SCOPES = " ".join(
    f"https://outlook.office.com/{s}" for s in ("IMAP.AccessAsUser.All", "POP.AccessAsUser.All", "SMTP.Send")
)
TOKEN_KEYS = {SUPPORT: "mailboxes[0].refresh_token", SALES: "mailboxes[1].refresh_token"}


@pytest.fixture
def simulator(request: pytest.FixtureRequest) -> Iterator[RunningSimulator]:
    scenario = getattr(request, "param", "healthy")
    with start_simulator(example_config(), scenario) as sim:
        yield sim


def access_token(sim: RunningSimulator, mailbox: str) -> str:
    """Redeem the mailbox's refresh token at the simulator's token endpoint, as ECE does."""
    session = session_for(sim.ca_bundle, sim.endpoints.login)
    form = {
        "grant_type": "refresh_token",
        "client_id": sim.cfg.azure_ad.client_id,
        "client_secret": sim.tenant.run_secrets["azure_ad.client_secret"],
        "refresh_token": sim.tenant.run_secrets[TOKEN_KEYS[mailbox]],
        "scope": SCOPES + " offline_access",
    }
    reply = session.post(f"{sim.endpoints.login}/{sim.cfg.azure_ad.tenant}/oauth2/v2.0/token", data=form, timeout=5)
    assert reply.status_code == 200, reply.text[:200]
    return cast(str, reply.json()["access_token"])


def tls(sim: RunningSimulator) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(sim.ca_bundle))


def xoauth2(user: str, token: str) -> str:
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def imap_login(sim: RunningSimulator, user: str, token: str) -> imaplib.IMAP4_SSL:
    client = imaplib.IMAP4_SSL("127.0.0.1", sim.endpoints.imap.port, ssl_context=tls(sim), timeout=5)
    typ, data = client.authenticate("XOAUTH2", lambda _: xoauth2(user, token).encode())
    assert (typ, cast(object, data)) == ("OK", [b"AUTHENTICATE completed."])
    return client


def pop_auth(sim: RunningSimulator, user: str, token: str) -> tuple[poplib.POP3_SSL, bytes]:
    client = poplib.POP3_SSL("127.0.0.1", sim.endpoints.pop3.port, context=tls(sim), timeout=5)
    shortcmd = client._shortcmd  # type: ignore[attr-defined]
    assert shortcmd("AUTH XOAUTH2") == b"+ "
    try:
        return client, cast(bytes, shortcmd(base64.b64encode(xoauth2(user, token).encode()).decode()))
    except poplib.error_proto as exc:
        return client, cast(bytes, exc.args[0])


def smtp_auth(sim: RunningSimulator, user: str, token: str) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", sim.endpoints.smtp.port, timeout=5) as client:
        client.starttls(context=tls(sim))
        client.ehlo()
        try:
            return client.auth("XOAUTH2", lambda challenge=None: xoauth2(user, token))
        except smtplib.SMTPAuthenticationError as exc:
            return exc.smtp_code, cast(bytes, exc.smtp_error)


def test_healthy_tenant_on_every_protocol(simulator: RunningSimulator) -> None:
    support, delegate = access_token(simulator, SUPPORT), access_token(simulator, SALES)
    client = imap_login(simulator, SUPPORT, support)
    assert client.select("INBOX", readonly=True) == ("OK", [b"3"])
    client.logout()
    pop, reply = pop_auth(simulator, SALES, delegate)
    assert reply == b"+OK User successfully authenticated."
    assert pop.stat() == (3, 12345)
    pop.quit()
    assert smtp_auth(simulator, SUPPORT, support) == (235, b"2.7.0 Authentication successful")
    assert simulator.recorder.mutations() == []
    recorded = str(simulator.recorder.lines())
    assert support not in recorded and delegate not in recorded


@pytest.mark.parametrize("simulator", ["imap-disabled"], indirect=True)
def test_imap_disabled_is_the_trap(simulator: RunningSimulator) -> None:
    client = imap_login(simulator, SUPPORT, access_token(simulator, SUPPORT))
    with pytest.raises(imaplib.IMAP4.error, match="User is authenticated but not connected"):
        client.select("INBOX", readonly=True)
    assert "* BYE Connection closed. 14" not in [line.line for line in simulator.recorder.lines()]
    with pytest.raises(imaplib.IMAP4.error, match="User is authenticated but not connected"):
        client.list()  # the second failing command ends the session
    assert "* BYE Connection closed. 14" in [line.line for line in simulator.recorder.lines()]


@pytest.mark.parametrize("simulator", ["pop-disabled"], indirect=True)
def test_pop_disabled(simulator: RunningSimulator) -> None:
    pop, reply = pop_auth(simulator, SALES, access_token(simulator, SALES))
    assert reply == b"-ERR Authentication failure: unknown user name or bad password."
    pop.quit()


@pytest.mark.parametrize("simulator", ["smtp-auth-disabled"], indirect=True)
def test_smtp_auth_disabled(simulator: RunningSimulator) -> None:
    code, text = smtp_auth(simulator, SUPPORT, access_token(simulator, SUPPORT))
    assert code == 535
    assert text.startswith(b"5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the")


@pytest.mark.parametrize("simulator", ["no-full-access"], indirect=True)
def test_no_full_access_on_the_shared_mailbox(simulator: RunningSimulator) -> None:
    delegate = access_token(simulator, SALES)
    pop, reply = pop_auth(simulator, SALES, delegate)
    assert reply == b"-ERR Authentication failure: unknown user name or bad password."
    pop.quit()
    client = imap_login(simulator, SALES, delegate)  # IMAP: the trap, as for imap-disabled
    with pytest.raises(imaplib.IMAP4.error, match="not connected"):
        client.select("INBOX", readonly=True)


@pytest.mark.parametrize("simulator", ["server-hangs"], indirect=True)
def test_server_hangs_accepts_tcp_and_never_greets(simulator: RunningSimulator) -> None:
    with (
        socket.create_connection(("127.0.0.1", simulator.endpoints.imap.port), timeout=0.3) as sock,
        pytest.raises(TimeoutError),
    ):
        sock.recv(1)
    with pytest.raises((TimeoutError, ssl.SSLError, OSError)):
        imaplib.IMAP4_SSL("127.0.0.1", simulator.endpoints.imap.port, ssl_context=tls(simulator), timeout=0.3)
    pop, reply = pop_auth(simulator, SALES, access_token(simulator, SALES))  # the others still answer
    assert reply.startswith(b"+OK")
    pop.quit()


@pytest.mark.parametrize("simulator", ["port-blocked"], indirect=True)
def test_port_blocked_refuses_pop3(simulator: RunningSimulator) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", simulator.endpoints.pop3.port), timeout=1)
