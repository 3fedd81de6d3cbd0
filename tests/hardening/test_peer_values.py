"""Issue 12 item 6: out-of-range values from peers are findings, never crashes — ``expires_in`` as a 401-digit
number, negative, a fraction or text; a message count beyond IMAP's 32 bits or in non-ASCII digits."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from hardening.hostile import IMAP, POP3, Handler, Listener, dns, login_host, network, redeem, scripted, tls, with_count
from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.probes.mail_imap import probe_imap
from pytest_ece_o365.probes.mail_pop3 import probe_pop3
from pytest_ece_o365.secret import Secret

Listen = Callable[[Handler], Listener]


@pytest.mark.parametrize(
    "expires_in", [pytest.param(10**400, id="401-digits"), -5, 0, 3599.5, "soon", "²", [3599], {"s": 1}, True]
)
def test_an_out_of_range_expires_in_is_a_bad_response(
    listen: Listen, hostile_cert: trustme.LeafCert, at_login_host: Callable[..., DeploymentConfig], expires_in: object
) -> None:
    body = json.dumps({"token_type": "Bearer", "access_token": "opaque-token-0123456789", "expires_in": expires_in})
    server = listen(tls(hostile_cert, login_host(lambda issuer: (200, body))))
    seen = redeem(at_login_host(server.port))
    assert not seen.ok and seen.error == "bad-response", seen.description
    assert len(seen.description) < 400  # the 401 digits are not the finding


@pytest.mark.parametrize("expires_in", [3599, "3599"])
def test_entras_expires_in_forms_are_read(
    listen: Listen, hostile_cert: trustme.LeafCert, at_login_host: Callable[..., DeploymentConfig], expires_in: object
) -> None:
    body = json.dumps({"token_type": "Bearer", "access_token": "opaque-token-0123456789", "expires_in": expires_in})
    server = listen(tls(hostile_cert, login_host(lambda issuer: (200, body))))
    seen = redeem(at_login_host(server.port))
    assert seen.ok and seen.expires_in == 3599


@pytest.mark.parametrize("count", ["99999999999", "²", "9" * 5000])
def test_a_pop3_message_count_out_of_range_is_garbage(
    listen: Listen, hostile_cert: trustme.LeafCert, hostile_bundle: Path, count: str
) -> None:
    server = listen(tls(hostile_cert, scripted("+OK POP3 ready", with_count(POP3, count))))
    seen = probe_pop3(server.endpoint(), "a@hostile.test", Secret("t" * 20), dns(), network(3, hostile_bundle), 3)
    assert seen.error == "garbage" and seen.messages is None, seen.message


def test_an_imap_exists_count_beyond_32_bits_is_garbage(
    listen: Listen, hostile_cert: trustme.LeafCert, hostile_bundle: Path
) -> None:
    server = listen(tls(hostile_cert, scripted("* OK IMAP4rev1 ready", with_count(IMAP, str(2**40)))))
    seen = probe_imap(server.endpoint(), "a@hostile.test", Secret("t" * 20), dns(), network(3, hostile_bundle), 3)
    assert seen.error == "garbage" and seen.messages is None, seen.message
    assert "outside 0..4294967295" in seen.message


def test_sane_counts_are_read(listen: Listen, hostile_cert: trustme.LeafCert, hostile_bundle: Path) -> None:
    server = listen(tls(hostile_cert, scripted("+OK POP3 ready", with_count(POP3, "12"))))
    seen = probe_pop3(server.endpoint(), "a@hostile.test", Secret("t" * 20), dns(), network(3, hostile_bundle), 3)
    assert seen.ok and seen.messages == 12, seen.message
    server = listen(tls(hostile_cert, scripted("* OK IMAP4rev1 ready", with_count(IMAP, "7"))))
    seen = probe_imap(server.endpoint(), "a@hostile.test", Secret("t" * 20), dns(), network(3, hostile_bundle), 3)
    assert seen.ok and seen.messages == 7, seen.message
