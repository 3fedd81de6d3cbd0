"""Issue 12 item 1: a peer that keeps sending cannot hold a probe past its deadline nor fill memory — the
HTTPS client caps a reply's body (``too-large``) and ends at its deadline while a trickle continues; the
token and Graph probes get that as a finding."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import pytest
import trustme
from waiting import SLACK

from hardening.hostile import (
    HOST,
    Handler,
    Listener,
    dns,
    endless_http,
    imap_flooding_examine,
    login_host,
    network,
    redeem,
    tls,
)
from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.diagnosis.oauth import oauth_row
from pytest_ece_o365.probes.graph_client import GraphClient, GraphFailed
from pytest_ece_o365.probes.http import MAX_BODY, HttpProbeError, ResolvingHttpClient
from pytest_ece_o365.probes.mail_imap import probe_imap
from pytest_ece_o365.probes.observation import Transcript
from pytest_ece_o365.secret import Secret
from pytest_ece_o365.survey.needs import Need

T = TypeVar("T")

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


def test_a_mail_session_flooded_with_lines_ends_at_the_byte_cap(
    listen: Listen, hostile_cert: trustme.LeafCert, hostile_bundle: Path
) -> None:
    server = listen(tls(hostile_cert, imap_flooding_examine))
    started = time.monotonic()
    seen = probe_imap(
        server.endpoint(), "a@hostile.test", Secret("t" * 20), dns(), network(TIMEOUT, hostile_bundle), TIMEOUT
    )
    assert time.monotonic() - started < TIMEOUT + SLACK
    assert seen.error == "garbage" and "more than 1 MiB" in seen.message, seen.message
    assert len(seen.transcript) <= Transcript.MAX_LINES + 10  # the network steps' few lines, then the capped dialogue


class _Env:
    """What the Graph client reads of a survey's environment: the deployment, the timeout, sub-needs."""

    def __init__(self, config: DeploymentConfig, timeout: float) -> None:
        self.config, self.timeout = config, timeout

    def get(self, need: Need[T]) -> T:  # a sub-need (the DNS lookup), computed inline as the survey does
        return need.observe(self)  # type: ignore[arg-type]


def test_an_endless_graph_page_is_too_large(
    listen: Listen, hostile_cert: trustme.LeafCert, at_login_host: Callable[..., DeploymentConfig]
) -> None:
    listener = listen(tls(hostile_cert, endless_http(lambda n: None)))
    config = at_login_host(listener.port, TIMEOUT)
    config = replace(config, o365=replace(config.o365, graph=f"https://{HOST}:{listener.port}"))
    graph = GraphClient(_Env(config, TIMEOUT), Secret("graph-token-0123456789"))  # type: ignore[arg-type]
    with pytest.raises(GraphFailed) as info:
        graph.get("users", {"$select": "id"}, permission="User.Read.All")
    assert info.value.error == "too-large"
