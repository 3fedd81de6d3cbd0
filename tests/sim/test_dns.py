"""The simulated DNS, queried with dnspython over UDP and TCP."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import dns.message
import dns.query
import dns.rdatatype
import dns.resolver
import pytest
from simclients import example_config

from pytest_ece_o365.sim.dns import DnsServer
from pytest_ece_o365.sim.scenarios import build_tenant


def serve(scenario: str = "healthy") -> DnsServer:
    server = DnsServer(build_tenant(example_config(), scenario))
    server.start()
    return server


@pytest.fixture
def healthy() -> Iterator[DnsServer]:
    server = serve()
    yield server
    server.stop()


def resolver(server: DnsServer) -> dns.resolver.Resolver:
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = server.port
    res.lifetime = 2.0
    return res


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
@pytest.mark.parametrize(
    "name", ["login.microsoftonline.com", "graph.microsoft.com", "smtp.office365.com", "outlook.office365.com"]
)
def test_microsoft_hosts_resolve_to_loopback(healthy: DnsServer, name: str, tcp: bool) -> None:
    answer = resolver(healthy).resolve(name, "A", tcp=tcp)
    assert [r.address for r in answer] == ["127.0.0.1"]


def test_outlook_has_the_real_cname_chain(healthy: DnsServer) -> None:
    answer = resolver(healthy).resolve("outlook.office365.com", "A")
    cnames = [
        (str(rrset.name), str(rrset[0].target))
        for rrset in answer.response.answer
        if rrset.rdtype == dns.rdatatype.CNAME
    ]
    assert cnames == [
        ("outlook.office365.com.", "outlook.ha.office365.com."),
        ("outlook.ha.office365.com.", "outlook.ms-acdc.office.com."),
    ]
    assert answer.canonical_name.to_text() == "outlook.ms-acdc.office.com."


def test_aaaa_is_an_empty_noerror(healthy: DnsServer) -> None:
    with pytest.raises(dns.resolver.NoAnswer):
        resolver(healthy).resolve("smtp.office365.com", "AAAA")


def test_unknown_names_are_nxdomain(healthy: DnsServer) -> None:
    with pytest.raises(dns.resolver.NXDOMAIN):
        resolver(healthy).resolve("www.example.org", "A")


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_dns_nxdomain_scenario_removes_the_smtp_host(tcp: bool) -> None:
    server = serve("dns-nxdomain")
    try:
        with pytest.raises(dns.resolver.NXDOMAIN):
            resolver(server).resolve("smtp.office365.com", "A", tcp=tcp)
        assert resolver(server).resolve("outlook.office365.com", "A", tcp=tcp)
    finally:
        server.stop()


def test_garbage_does_not_stop_the_server(healthy: DnsServer) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"\x00garbage", ("127.0.0.1", healthy.port))
    query = dns.message.make_query("login.microsoftonline.com", "A")
    reply = dns.query.udp(query, "127.0.0.1", port=healthy.port, timeout=2)
    assert reply.answer


def test_stop_closes_both_sockets() -> None:
    server = serve()
    port = server.port
    server.stop()
    server.stop()  # idempotent
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
