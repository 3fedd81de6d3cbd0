"""Issue 12 item 5: a TCP reset right after accept (a firewall's "reset" action) is a network finding, on
every way in (the endpoint probes of 443/993/995, a mailbox session, the HTTPS client), never a crash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hardening.hostile import Handler, Listener, dns, network, reset
from pytest_ece_o365.checks.network import judge_tcp, judge_tls
from pytest_ece_o365.diagnosis import OWNERS
from pytest_ece_o365.probes.endpoint import probe_endpoint
from pytest_ece_o365.probes.http import HttpProbeError, ResolvingHttpClient
from pytest_ece_o365.probes.mail_imap import probe_imap
from pytest_ece_o365.secret import Secret

Listen = Callable[[Handler], Listener]
TIMEOUT = 2.0


@pytest.mark.parametrize("protocol", ["https", "imap", "pop3"])
def test_a_reset_after_accept_is_a_network_finding(listen: Listen, hostile_bundle: Path, protocol: str) -> None:
    listener = listen(reset)
    for _ in range(3):  # the RST races the client's connect: it may land in connect() or in the handshake
        seen = probe_endpoint(listener.endpoint(), protocol, dns(), network(TIMEOUT, hostile_bundle), TIMEOUT)
        step = seen.tls if seen.tcp is not None and seen.tcp.ok else seen.tcp
        assert step is not None and step.error == "reset", step and step.message
        assert "reset by something on the path" in step.message
        verdict = judge_tls(seen, TIMEOUT) if step is seen.tls else judge_tcp(seen, TIMEOUT)
        assert verdict.status == "failed" and verdict.owner == "network"
        assert verdict.cause in ("tls-reset", "tcp-reset") and "reset" in verdict.detail


def test_reset_causes_have_one_owner_each() -> None:
    assert OWNERS["tls-reset"] == "network.tls"
    assert OWNERS["tcp-reset"] == "network.tcp"


def test_a_reset_mailbox_session_is_an_observation(listen: Listen, hostile_bundle: Path) -> None:
    listener = listen(reset)
    seen = probe_imap(
        listener.endpoint(), "a@hostile.test", Secret("x" * 20), dns(), network(TIMEOUT, hostile_bundle), TIMEOUT
    )
    assert seen.error == "reset" and seen.stage in ("tcp", "tls")


def test_a_reset_https_request_is_classified(listen: Listen, hostile_bundle: Path) -> None:
    listener = listen(reset)
    client = ResolvingHttpClient(network(TIMEOUT, hostile_bundle), TIMEOUT)
    client._address = lambda host, deadline: "127.0.0.1"  # type: ignore[method-assign]  # no DNS server needed
    with pytest.raises(HttpProbeError) as info:
        client.get(f"https://{listener.endpoint()}/token")
    assert info.value.error == "reset"
