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
from pytest_ece_o365.probes.http import HttpProbeError, ResolvingHttpClient

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
