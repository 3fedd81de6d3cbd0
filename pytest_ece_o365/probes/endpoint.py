"""One endpoint probed as one chain: DNS -> TCP -> TLS (+ greeting) -> capabilities.

The steps run in order inside one task and the chain stops at the first failure, so a name that does
not resolve costs no TCP timeout and a blocked port no TLS timeout.

Time budget: the DNS lookup is one probe and the session (TCP, TLS, greeting, capabilities) another,
each bounded by the timeout. A slow lookup therefore cannot eat the session's budget; a hanging port
costs exactly one timeout.
"""

from __future__ import annotations

import time

from pytest_ece_o365.config.deployment import Endpoint, Network
from pytest_ece_o365.probes.capabilities import read_capabilities
from pytest_ece_o365.probes.observation import Deadline, DnsObservation, EndpointObservation
from pytest_ece_o365.probes.tcp import connect
from pytest_ece_o365.probes.tls import secure

PROTOCOLS = ("https", "imap", "pop3", "smtp")


def probe_endpoint(
    endpoint: Endpoint, protocol: str, dns: DnsObservation, network: Network, timeout: float
) -> EndpointObservation:
    """Run TCP, TLS and (for mail protocols) capabilities against the addresses ``dns`` found."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; expected one of {', '.join(PROTOCOLS)}")
    started = time.monotonic()
    if not dns.ok:
        return EndpointObservation(endpoint, protocol, dns, elapsed=time.monotonic() - started)
    deadline = Deadline(timeout)
    # A simulated run dials the simulator's loopback port; the observation keeps the nominal endpoint.
    tcp, sock = connect(endpoint, dns.addresses, deadline, network.port_for(endpoint))
    if sock is None:
        return EndpointObservation(endpoint, protocol, dns, tcp, elapsed=time.monotonic() - started)
    tls, reader = secure(endpoint, protocol, sock, tcp.address, network.ca_bundle, deadline, network.simulation)
    if reader is None or protocol == "https":
        if reader is not None:
            reader.sock.close()
        return EndpointObservation(endpoint, protocol, dns, tcp, tls, elapsed=time.monotonic() - started)
    try:
        capabilities = read_capabilities(protocol, reader)
    finally:
        reader.sock.close()
    return EndpointObservation(endpoint, protocol, dns, tcp, tls, capabilities, elapsed=time.monotonic() - started)
