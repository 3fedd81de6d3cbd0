"""Issue 12 item 1: a peer that keeps sending cannot hold a probe past its deadline nor fill memory — the
HTTPS client caps a reply's body (``too-large``) and ends at its deadline while a trickle continues; the
token and Graph probes get that as a finding."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme
from waiting import SLACK

from hardening.hostile import Handler, Listener, endless_http, login_host, network, redeem, tls
from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.diagnosis.oauth import oauth_row
from pytest_ece_o365.probes.http import MAX_BODY, HttpProbeError, ResolvingHttpClient

Listen = Callable[[Handler], Listener]
TIMEOUT = 3.0


def fetch(listener: Listener, bundle: Path) -> tuple[HttpProbeError, float, int]:
    """GET from ``listener``: the error, the seconds it took and the peak of memory allocated meanwhile."""
    client = ResolvingHttpClient(network(TIMEOUT, bundle), TIMEOUT)
    client._address = lambda host, deadline: "127.0.0.1"  # type: ignore[method-assign]  # no DNS server needed
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(HttpProbeError) as info:
            client.get(f"https://{listener.endpoint()}/common/v2.0/.well-known/openid-configuration")
        took = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return info.value, took, peak


@pytest.mark.parametrize("chunked", [False, True], ids=["close-delimited", "chunked"])
def test_an_endless_fast_body_is_cut_at_the_cap(
    listen: Listen, hostile_cert: trustme.LeafCert, hostile_bundle: Path, chunked: bool
) -> None:
    listener: Listener = listen(lambda conn, stop: None)
    listener.handler = tls(hostile_cert, endless_http(lambda n: None, chunked=chunked))
    error, took, peak = fetch(listener, hostile_bundle)
    assert error.error == "too-large", error.message
    assert "1 MiB" in error.message
    assert peak < 4 * MAX_BODY  # bounded: the cap, not what the peer sent
    assert took < TIMEOUT + SLACK


def test_an_endless_trickle_ends_at_the_deadline(
    listen: Listen, hostile_cert: trustme.LeafCert, hostile_bundle: Path
) -> None:
    listener: Listener = listen(lambda conn, stop: None)
    listener.handler = tls(hostile_cert, endless_http(lambda n: None, delay=0.25))  # 16 KiB every 0.25 s
    error, took, _ = fetch(listener, hostile_bundle)
    assert error.error == "read-timeout", error.message
    assert took < TIMEOUT + SLACK


def test_an_endless_token_reply_is_a_token_refresh_finding(
    listen: Listen, hostile_cert: trustme.LeafCert, at_login_host: Callable[..., DeploymentConfig]
) -> None:
    server = listen(tls(hostile_cert, login_host(lambda issuer: None)))
    config = at_login_host(server.port, TIMEOUT)
    started = time.monotonic()
    seen = redeem(config)
    assert time.monotonic() - started < TIMEOUT + SLACK
    assert seen.error == "too-large" and "1 MiB" in seen.description, seen.description
    row = oauth_row("token.refresh", seen.error)
    assert row.owner == "network" and "1 MiB" in row.cause
