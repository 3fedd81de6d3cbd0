"""probes/http.py: HTTPS through the run's resolver and trust store, failures classified like the network
probes classify them, every exchange in the (redacted) transcript."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme
from probes.localdns import LocalDns
from probes.netfaults import LocalServer, closed_port

from oauth.localhttps import LocalHttps, network_for
from pytest_ece_o365.config.deployment import Endpoint
from pytest_ece_o365.probes.http import HttpProbeError, ResolvingHttpClient
from pytest_ece_o365.probes.observation import Deadline
from pytest_ece_o365.probes.tls import secure

Https = Callable[..., LocalHttps]


def ok_reply(method: str, path: str) -> tuple[int, str]:
    return 200, '{"hello": "world", "access_token": "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.c2ln"}'


def test_get_resolves_through_the_configured_dns_and_verifies_against_ca_bundle(
    https: Https, local_dns: LocalDns, bundle: Path
) -> None:
    server = https(ok_reply)
    client = ResolvingHttpClient(network_for(local_dns.port, bundle), 2.0)
    reply = client.get(f"https://login.ok.test:{server.port}/tenant/v2.0/config", params={"a": "b c"})
    assert reply.status_code == 200 and reply.json()["hello"] == "world"
    assert server.requests == ["GET /tenant/v2.0/config?a=b+c"]
    assert "login.ok.test A" in local_dns.queries  # asked the configured resolver, not the system's
    lines = client.transcript.lines()
    assert lines[0] == f"C: GET https://login.ok.test:{server.port}/tenant/v2.0/config?a=b+c"
    assert lines[1].startswith("S: HTTP 200") and "eyJ" not in lines[1]  # the body is redacted


def test_post_sends_a_form_and_keeps_the_body_out_of_the_transcript(
    https: Https, local_dns: LocalDns, bundle: Path
) -> None:
    server = https(ok_reply)
    client = ResolvingHttpClient(network_for(local_dns.port, bundle), 2.0)
    reply = client.post(f"https://login.ok.test:{server.port}/token", data={"client_secret": "s3cr3t-value-123"})
    assert reply.status_code == 200
    assert not any("s3cr3t" in line for line in client.transcript.lines())


def test_nxdomain_from_the_configured_resolver_is_classified(local_dns: LocalDns, bundle: Path) -> None:
    client = ResolvingHttpClient(network_for(local_dns.port, bundle), 2.0)
    with pytest.raises(HttpProbeError) as info:
        client.get("https://nx.test/anything")
    assert info.value.error == "nxdomain"
    assert client.transcript.lines()[-1].startswith("*: ")  # the failure is in the evidence


def test_a_certificate_from_a_ca_outside_the_bundle_is_untrusted(
    https: Https, local_dns: LocalDns, bundle: Path
) -> None:
    other = trustme.CA(organization_name="Contoso TLS Inspection")
    server = https(ok_reply, issuer=other)
    client = ResolvingHttpClient(network_for(local_dns.port, bundle), 2.0)
    with pytest.raises(HttpProbeError) as info:
        client.get(f"https://login.ok.test:{server.port}/")
    assert info.value.error == "tls-untrusted"
    assert server.requests == []  # nothing was sent over the unverified connection


def test_a_certificate_for_another_name_is_the_wrong_name(https: Https, local_dns: LocalDns, bundle: Path) -> None:
    server = https(ok_reply, names=("other.example.net",))
    client = ResolvingHttpClient(network_for(local_dns.port, bundle), 2.0)
    with pytest.raises(HttpProbeError) as info:
        client.get(f"https://login.ok.test:{server.port}/")
    assert info.value.error == "tls-wrong-name"


def test_a_refused_port_is_classified_as_refused(local_dns: LocalDns, bundle: Path) -> None:
    client = ResolvingHttpClient(network_for(local_dns.port, bundle), 2.0)
    with pytest.raises(HttpProbeError) as info:
        client.get(f"https://login.ok.test:{closed_port()}/")
    assert info.value.error == "refused"
    assert "login.ok.test" in info.value.message


def test_a_server_that_never_answers_costs_one_timeout(local_dns: LocalDns, bundle: Path) -> None:
    done_waiting = threading.Event()

    def hang(conn: socket.socket, stopping: threading.Event) -> None:
        stopping.wait(5)
        done_waiting.set()

    server = LocalServer(hang)
    try:
        client = ResolvingHttpClient(network_for(local_dns.port, bundle), 0.5)
        with pytest.raises(HttpProbeError) as info:
            client.get(f"https://login.ok.test:{server.port}/")
        assert info.value.error == "read-timeout"
        assert not done_waiting.is_set()  # the client gave up; it did not wait for the server
    finally:
        server.stop()


def test_a_server_that_trickles_its_reply_is_cut_off_at_the_deadline(
    ca: trustme.CA, local_dns: LocalDns, bundle: Path
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("login.ok.test").configure_cert(context)
    sent: list[int] = []

    def trickle(conn: socket.socket, stopping: threading.Event) -> None:
        with context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(65536)
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            for _ in range(100):  # one byte every 0.2 s: 20 s for the body, each read well within T
                if stopping.wait(0.2):
                    return
                tls.sendall(b"x")
                sent.append(1)

    server = LocalServer(trickle)
    try:
        client = ResolvingHttpClient(network_for(local_dns.port, bundle), 1.0)
        with pytest.raises(HttpProbeError) as info:
            client.get(f"https://login.ok.test:{server.port}/")
        assert info.value.error == "read-timeout"
        assert len(sent) < 100  # cut off mid-body, not read to the end
    finally:
        server.stop()


def test_an_unreadable_ca_bundle_is_classified_not_a_crash(local_dns: LocalDns, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pem"
    broken.write_text("not a certificate", encoding="utf-8")
    client = ResolvingHttpClient(network_for(local_dns.port, broken), 2.0)
    with pytest.raises(HttpProbeError) as info:
        client.get("https://login.ok.test:1/")
    assert info.value.error == "ca-bundle-invalid"


def test_http_errors_are_returned_and_raise_for_status_classifies_them(
    https: Https, local_dns: LocalDns, bundle: Path
) -> None:
    server = https(lambda method, path: (503, "busy"))
    client = ResolvingHttpClient(network_for(local_dns.port, bundle), 2.0)
    reply = client.get(f"https://login.ok.test:{server.port}/")
    assert reply.status_code == 503 and reply.text == "busy"
    with pytest.raises(HttpProbeError) as info:
        reply.raise_for_status()
    assert info.value.error == "http-error" and info.value.message.startswith("HTTP 503")


def test_only_https_urls_are_accepted(local_dns: LocalDns, bundle: Path) -> None:
    with pytest.raises(HttpProbeError) as info:
        ResolvingHttpClient(network_for(local_dns.port, bundle), 2.0).get("http://login.ok.test/")
    assert info.value.error == "bad-url"


def test_a_server_that_does_not_speak_tls_is_named_so(local_dns: LocalDns, bundle: Path) -> None:
    def plain_http(conn: socket.socket, stopping: threading.Event) -> None:
        conn.recv(65536)  # the ClientHello, answered in plain text as a non-TLS service would
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    server = LocalServer(plain_http)
    try:
        client = ResolvingHttpClient(network_for(local_dns.port, bundle), 2.0)
        with pytest.raises(HttpProbeError) as info:
            client.get(f"https://login.ok.test:{server.port}/")
        assert info.value.error == "tls-handshake"
        assert "did not answer with TLS" in info.value.message
    finally:
        server.stop()


def test_https_and_the_mail_probes_classify_a_handshake_alike(https: Https, local_dns: LocalDns, bundle: Path) -> None:
    server = https(ok_reply, issuer=trustme.CA(organization_name="Contoso TLS Inspection"))
    client = ResolvingHttpClient(network_for(local_dns.port, bundle), 2.0)
    with pytest.raises(HttpProbeError) as info:
        client.get(f"https://login.ok.test:{server.port}/")
    endpoint = Endpoint("login.ok.test", server.port)
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=2)
    mail, reader = secure(endpoint, "imap", sock, "127.0.0.1", bundle, Deadline(2.0))
    assert reader is None
    assert mail.error == info.value.error == "tls-untrusted"
    assert info.value.message == mail.message  # one classifier, one wording
    assert mail.message.startswith(f"login.ok.test:{server.port}: the certificate is not trusted")


def test_a_client_given_a_deadline_spends_it_across_its_requests(local_dns: LocalDns, bundle: Path) -> None:
    served = threading.Event()

    def hang(conn: socket.socket, stopping: threading.Event) -> None:
        served.set()
        stopping.wait(5)

    slow = LocalServer(hang)
    try:
        client = ResolvingHttpClient(network_for(local_dns.port, bundle), Deadline(0.5))
        with pytest.raises(HttpProbeError) as first:
            client.get(f"https://login.ok.test:{slow.port}/")
        assert first.value.error == "read-timeout" and served.is_set()
        connections = slow.connections
        with pytest.raises(HttpProbeError) as second:  # nothing left: no second connection is even tried
            client.get(f"https://login.ok.test:{slow.port}/again")
        assert second.value.error == "read-timeout" and slow.connections == connections
        assert "0.5 s" in second.value.message
    finally:
        slow.stop()
