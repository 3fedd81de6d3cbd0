"""What the three simulated mail servers share: start/stop, hang mode, bind errors, timeouts, the recorder."""

from __future__ import annotations

import base64
import imaplib
import socket
import ssl
import threading
import time

import pytest
from mailfakes import GOOD_TOKEN, FakeAuthority, RawClient, xoauth2_b64
from mailfixtures import *  # noqa: F403  (pytest fixtures: authority, server_context, recorder, ...)
from waiting import SLACK, wait_until

from pytest_ece_o365.sim.imap import ImapServer
from pytest_ece_o365.sim.mailserver import MailServer, MailServerBindError, Recorder, parse_xoauth2
from pytest_ece_o365.sim.pop3 import Pop3Server
from pytest_ece_o365.sim.smtp import SmtpServer

pytestmark = pytest.mark.usefixtures("no_leaked_threads")
SERVERS: list[type[MailServer]] = [ImapServer, Pop3Server, SmtpServer]


def sim_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("sim-")]


@pytest.mark.parametrize("cls", SERVERS, ids=lambda c: c.protocol)
def test_hang_accepts_tcp_and_never_greets(
    cls: type[MailServer], authority: FakeAuthority, server_context: ssl.SSLContext, client_context: ssl.SSLContext
) -> None:
    with cls(authority, server_context, hang=True) as server:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=0.3)
        with sock, pytest.raises(TimeoutError):
            sock.recv(1)  # TCP is up, but not a byte arrives: no greeting, no TLS ServerHello
        if cls is not SmtpServer:
            with pytest.raises((TimeoutError, ssl.SSLError, OSError)):
                imaplib.IMAP4_SSL("127.0.0.1", server.port, ssl_context=client_context, timeout=0.3)
        assert sim_threads() == [f"sim-{cls.protocol}-accept-{server.port}"]  # hung sessions need no thread
    assert sim_threads() == []


def test_hang_forgets_clients_that_left(authority: FakeAuthority, server_context: ssl.SSLContext) -> None:
    with SmtpServer(authority, server_context, hang=True) as server:
        leaving = [socket.create_connection(("127.0.0.1", server.port), timeout=1) for _ in range(3)]
        wait_until(lambda: server.session_count == 3, "the server to hold the three connections")
        for client in leaving:
            client.close()
        # The next connection makes the server look at the ones it holds: 4 if it kept the three, 1 if not.
        keep = socket.create_connection(("127.0.0.1", server.port), timeout=1)
        wait_until(lambda: server.session_count == 1, "the server to forget the three clients that left")
        keep.close()


@pytest.mark.parametrize("cls", SERVERS, ids=lambda c: c.protocol)
def test_stop_closes_clients_joins_threads_and_frees_the_port(
    cls: type[MailServer], authority: FakeAuthority, server_context: ssl.SSLContext
) -> None:
    server = cls(authority, server_context)
    server.start()
    port = server.port
    clients = [socket.create_connection(("127.0.0.1", port), timeout=2) for _ in range(3)]
    # The accept thread and one per session (they block in the TLS handshake or after the greeting).
    wait_until(lambda: len(sim_threads()) == 4, "the three sessions to start")
    started = time.monotonic()
    server.stop()
    # About time: stop closes the sessions rather than waiting out their 30 s read timeout (or its own
    # 5 s join timeout per thread); it takes milliseconds, and 4 s leaves a loaded machine ample room.
    assert time.monotonic() - started < 4.0
    assert sim_threads() == []
    for client in clients:
        client.settimeout(2)
        data = b""
        while chunk := client.recv(4096):  # read any greeting, then EOF
            data += chunk
        client.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    server.stop()  # idempotent


def test_bind_failure_names_host_and_port(authority: FakeAuthority, server_context: ssl.SSLContext) -> None:
    with ImapServer(authority, server_context) as first:
        second = Pop3Server(authority, server_context, bind=("127.0.0.1", first.port))
        with pytest.raises(MailServerBindError, match=rf"127\.0\.0\.1:{first.port}") as err:
            second.start()
        assert isinstance(err.value, OSError)
        second.stop()


def test_port_before_start_is_an_error(authority: FakeAuthority, server_context: ssl.SSLContext) -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = SmtpServer(authority, server_context).port


def test_idle_client_is_dropped_after_the_read_timeout(
    authority: FakeAuthority, server_context: ssl.SSLContext, client_context: ssl.SSLContext
) -> None:
    with ImapServer(authority, server_context, timeout=0.3) as server:
        raw = RawClient(server.port, client_context)
        assert raw.line().startswith("* OK")
        started = time.monotonic()
        assert raw.line() == ""  # the server gave up on us
        # About time: after its 0.3 s read timeout, well before the client's own 5 s one.
        assert time.monotonic() - started < 0.3 + SLACK
        raw.close()
        wait_until(lambda: sim_threads() == [f"sim-imap-accept-{server.port}"], "the session thread to end")


def test_plain_tcp_client_on_a_tls_port_does_not_break_the_server(
    authority: FakeAuthority, server_context: ssl.SSLContext, client_context: ssl.SSLContext
) -> None:
    with Pop3Server(authority, server_context, timeout=1) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=2) as sock:
            sock.sendall(b"CAPA\r\n")
            sock.recv(100)  # a TLS alert or EOF: the session ends, the server carries on
        raw = RawClient(server.port, client_context)
        assert raw.line().startswith("+OK The Microsoft Exchange POP3 service is ready.")
        raw.close()


def test_one_recorder_for_three_servers(
    authority: FakeAuthority, server_context: ssl.SSLContext, client_context: ssl.SSLContext
) -> None:
    recorder = Recorder()
    with (
        ImapServer(authority, server_context, recorder=recorder) as imap,
        Pop3Server(authority, server_context, recorder=recorder) as pop,
    ):
        for port in (imap.port, pop.port):
            raw = RawClient(port, client_context)
            raw.line()
            raw.send("CAPA" if port == pop.port else "a CAPABILITY")
            raw.close()
    protocols = {p for p, _, _ in recorder.commands()}
    assert protocols <= {"imap", "pop3"}
    assert len(recorder.sessions()) == 2


def test_parse_xoauth2() -> None:
    assert parse_xoauth2(xoauth2_b64("a@example.com", GOOD_TOKEN)) == ("a@example.com", GOOD_TOKEN)
    assert parse_xoauth2(base64.b64encode(b"user=a\x01auth=Basic xyz\x01\x01").decode()) is None
    assert parse_xoauth2("not base64!") is None
    assert parse_xoauth2("") is None


def test_recorder_masks_jwts_and_blobs() -> None:
    recorder = Recorder()
    jwt_like = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    recorder.command("smtp", 1, f"X-Token: {jwt_like}")
    recorder.command("smtp", 1, f"NOTE {xoauth2_b64('a@example.com', GOOD_TOKEN)}")
    text = str(recorder.lines())
    assert jwt_like not in text and "dXNlcj" not in text
