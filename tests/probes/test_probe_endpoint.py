"""The endpoint chain against local servers: healthy protocols and locally made faults."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme
from waiting import SLACK

from probes.netfaults import (
    HOST,
    LocalServer,
    closed_port,
    drip,
    garbage,
    hang,
    imap_server,
    implicit_tls,
    pop3_server,
    server_context,
    smtp_server,
)
from pytest_ece_o365.checks.network import judge_tcp, judge_tls, judge_xoauth2
from pytest_ece_o365.config.deployment import Endpoint, Network
from pytest_ece_o365.probes.endpoint import probe_endpoint
from pytest_ece_o365.probes.observation import DnsObservation, EndpointObservation

Serve = Callable[..., LocalServer]
TIMEOUT = 1.0


def probe(port: int, protocol: str, bundle: Path | None, timeout: float = TIMEOUT) -> EndpointObservation:
    dns = DnsObservation(HOST, "recorded", ("127.0.0.1",))
    return probe_endpoint(Endpoint(HOST, port), protocol, dns, Network(timeout, (), bundle), timeout)


def test_imap_over_implicit_tls_offers_xoauth2(serve: Serve, good_cert: trustme.LeafCert, bundle: Path) -> None:
    server = serve(implicit_tls(server_context(good_cert), imap_server()))
    seen = probe(server.port, "imap", bundle)
    assert seen.tcp is not None and seen.tcp.ok and seen.tcp.address == "127.0.0.1"
    assert seen.tls is not None and seen.tls.ok, seen.tls.message
    assert seen.tls.version in ("TLSv1.2", "TLSv1.3") and seen.tls.verified
    assert seen.tls.certificate is not None and seen.tls.certificate.issuer_o == "DigiCert Inc"
    assert seen.tls.greeting.startswith("* OK The Microsoft Exchange IMAP4")
    assert seen.capabilities is not None and seen.capabilities.xoauth2
    assert "AUTH=XOAUTH2" in seen.capabilities.capabilities
    assert "C: A1 CAPABILITY" in seen.transcript
    for judge in (judge_tcp, judge_tls, judge_xoauth2):
        assert judge(seen, TIMEOUT).status == "passed"


def test_imap_without_xoauth2_fails_the_xoauth2_check(serve: Serve, good_cert: trustme.LeafCert, bundle: Path) -> None:
    server = serve(implicit_tls(server_context(good_cert), imap_server(xoauth2=False)))
    verdict = judge_xoauth2(probe(server.port, "imap", bundle), TIMEOUT)
    assert verdict.status == "failed" and "does not offer XOAUTH2" in verdict.detail
    assert verdict.owner == "network"


def test_pop3_capa_lists_sasl_xoauth2(serve: Serve, good_cert: trustme.LeafCert, bundle: Path) -> None:
    server = serve(implicit_tls(server_context(good_cert), pop3_server))
    seen = probe(server.port, "pop3", bundle)
    assert seen.capabilities is not None and seen.capabilities.xoauth2, seen.capabilities
    assert "C: CAPA" in seen.transcript and "S: SASL PLAIN XOAUTH2" in seen.transcript


def test_smtp_starttls_then_ehlo_offers_xoauth2(serve: Serve, good_cert: trustme.LeafCert, bundle: Path) -> None:
    server = serve(smtp_server(server_context(good_cert)))
    seen = probe(server.port, "smtp", bundle)
    assert seen.tls is not None and seen.tls.ok and seen.tls.mode == "starttls", seen.tls
    assert seen.tls.greeting.startswith("220 ")
    assert seen.capabilities is not None and seen.capabilities.xoauth2
    # the XOAUTH2 offer is read from the EHLO *after* STARTTLS
    lines = list(seen.transcript)
    assert lines.index("C: STARTTLS") < lines.index("S: 250-AUTH LOGIN XOAUTH2")


def test_smtp_without_starttls_fails_tls(serve: Serve, good_cert: trustme.LeafCert, bundle: Path) -> None:
    server = serve(smtp_server(server_context(good_cert), offer_starttls=False))
    seen = probe(server.port, "smtp", bundle)
    assert seen.tls is not None and seen.tls.error == "no-starttls"
    assert judge_tls(seen, TIMEOUT).status == "failed"
    assert judge_xoauth2(seen, TIMEOUT).cause == "tls-no-starttls"  # network.tls's finding: the run reports it once


def test_https_endpoint_stops_after_tls(serve: Serve, good_cert: trustme.LeafCert, bundle: Path) -> None:
    server = serve(implicit_tls(server_context(good_cert), hang))
    seen = probe(server.port, "https", bundle)
    assert seen.tls is not None and seen.tls.ok and seen.capabilities is None


def test_closed_port_is_refused(bundle: Path) -> None:
    seen = probe(closed_port(), "imap", bundle)
    assert seen.tcp is not None and seen.tcp.error == "refused"
    verdict = judge_tcp(seen, TIMEOUT)
    assert verdict.status == "failed" and verdict.owner == "network"
    assert "Open TCP" in verdict.remediation and str(seen.endpoint.port) in verdict.remediation
    assert judge_tls(seen, TIMEOUT).cause == "tcp-refused"  # network.tcp's finding: the run reports it once


def test_expired_certificate(serve: Serve, expired_cert: trustme.LeafCert, bundle: Path) -> None:
    server = serve(implicit_tls(server_context(expired_cert), imap_server()))
    seen = probe(server.port, "imap", bundle)
    assert seen.tls is not None and seen.tls.error == "tls-expired", seen.tls.message
    assert seen.tls.certificate is not None and seen.tls.certificate.not_after  # read by the second handshake
    verdict = judge_tls(seen, TIMEOUT)
    assert verdict.status == "failed" and "expired" in verdict.detail
    assert seen.tls.certificate.not_after[:10] in verdict.detail


def test_wrong_name_certificate(serve: Serve, wrong_name_cert: trustme.LeafCert, bundle: Path) -> None:
    server = serve(implicit_tls(server_context(wrong_name_cert), imap_server()))
    seen = probe(server.port, "imap", bundle)
    assert seen.tls is not None and seen.tls.error == "tls-wrong-name", seen.tls.message
    verdict = judge_tls(seen, TIMEOUT)
    assert verdict.status == "failed"
    assert HOST in verdict.detail and "other.example.net" in verdict.detail


def test_untrusted_certificate_without_ca_bundle(serve: Serve, good_cert: trustme.LeafCert) -> None:
    server = serve(implicit_tls(server_context(good_cert), imap_server()))
    seen = probe(server.port, "imap", None)
    assert seen.tls is not None and seen.tls.error == "tls-untrusted"
    verdict = judge_tls(seen, TIMEOUT)
    assert verdict.status == "failed" and "ca_bundle" in verdict.remediation


def test_tls_inspection_untrusted_names_the_issuer(serve: Serve) -> None:
    contoso = trustme.CA(organization_name="Contoso Corp")
    server = serve(implicit_tls(server_context(contoso.issue_cert(HOST)), imap_server()))
    verdict = judge_tls(probe(server.port, "imap", None), TIMEOUT)
    assert verdict.status == "failed"
    assert "TLS inspection" in verdict.detail and "Contoso Corp" in verdict.detail
    assert "ca_bundle" in verdict.remediation


def test_tls_inspection_trusted_is_an_advisory(serve: Serve, tmp_path: Path) -> None:
    contoso = trustme.CA(organization_name="Contoso Corp")
    contoso.cert_pem.write_to_path(str(tmp_path / "contoso.pem"))
    server = serve(implicit_tls(server_context(contoso.issue_cert(HOST)), imap_server()))
    seen = probe(server.port, "imap", tmp_path / "contoso.pem")
    assert seen.tls is not None and seen.tls.ok
    verdict = judge_tls(seen, TIMEOUT)
    assert verdict.status == "advisory" and "Contoso Corp" in verdict.detail
    assert "*" not in verdict.remediation or "inspection" in verdict.remediation
    assert judge_xoauth2(seen, TIMEOUT).status == "passed"


def test_tls_1_0_only_server_is_named_as_such(serve: Serve, good_cert: trustme.LeafCert, bundle: Path) -> None:
    server = serve(implicit_tls(server_context(good_cert, max_tls10=True), imap_server()))
    seen = probe(server.port, "imap", bundle)
    assert seen.tls is not None
    if seen.tls.error == "tls-handshake" and not seen.tls.version:
        pytest.skip(f"this OpenSSL build refuses TLS 1.0 even at @SECLEVEL=0: {seen.tls.message}")
    assert seen.tls.error == "tls-old-protocol", seen.tls.message
    assert seen.tls.version == "TLSv1"
    verdict = judge_tls(seen, TIMEOUT)
    assert verdict.status == "failed" and "TLSv1" in verdict.detail and "TLS 1.2" in verdict.detail


def test_server_that_hangs_before_tls_ends_within_the_timeout(serve: Serve, bundle: Path) -> None:
    server = serve(hang)
    started = time.monotonic()
    seen = probe(server.port, "imap", bundle, timeout=0.5)
    assert time.monotonic() - started < 0.5 + SLACK  # about time: the server would hold it for 30 s
    assert seen.tcp is not None and seen.tcp.ok
    assert seen.tls is not None and seen.tls.error == "read-timeout"
    verdict = judge_tls(seen, 0.5)
    assert verdict.status == "failed" and "holding the connection" in verdict.detail
    assert judge_tcp(seen, 0.5).status == "passed"


def test_server_dripping_one_byte_a_second_ends_within_the_timeout(
    serve: Serve, good_cert: trustme.LeafCert, bundle: Path
) -> None:
    server = serve(drip(b"220 smtp.office365.com Microsoft ESMTP MAIL Service ready\r\n", interval=0.2))
    started = time.monotonic()
    seen = probe(server.port, "smtp", bundle, timeout=1.0)
    assert time.monotonic() - started < 1.0 + SLACK  # about time: the whole drip lasts 12 s
    assert seen.tls is not None and seen.tls.error == "read-timeout"
    assert any("(incomplete)" in line for line in seen.transcript)  # what did arrive is evidence


def test_greeting_drip_over_tls_ends_within_the_timeout(
    serve: Serve, good_cert: trustme.LeafCert, bundle: Path
) -> None:
    server = serve(implicit_tls(server_context(good_cert), drip(b"* OK The Microsoft Exchange IMAP4 service\r\n", 0.2)))
    started = time.monotonic()
    seen = probe(server.port, "imap", bundle, timeout=1.0)
    assert time.monotonic() - started < 1.0 + SLACK  # about time: the whole drip lasts 9 s
    assert seen.tls is not None and seen.tls.error == "read-timeout" and seen.tls.version  # handshake was fine


def test_garbage_instead_of_an_smtp_greeting(serve: Serve, bundle: Path) -> None:
    server = serve(garbage)
    seen = probe(server.port, "smtp", bundle)
    assert seen.tls is not None and seen.tls.error == "garbage", seen.tls.message
    verdict = judge_tls(seen, TIMEOUT)
    assert verdict.status == "failed" and "not SMTP" in verdict.detail


def test_garbage_instead_of_a_tls_handshake(serve: Serve, bundle: Path) -> None:
    server = serve(garbage)
    seen = probe(server.port, "imap", bundle)
    assert seen.tls is not None and seen.tls.error == "tls-handshake", seen.tls.message


def test_garbage_instead_of_an_imap_greeting(serve: Serve, good_cert: trustme.LeafCert, bundle: Path) -> None:
    server = serve(implicit_tls(server_context(good_cert), garbage))
    seen = probe(server.port, "imap", bundle)
    assert seen.tls is not None and seen.tls.error == "garbage", seen.tls.message


def test_a_ca_bundle_that_is_not_pem_is_reported_not_raised(
    serve: Serve, good_cert: trustme.LeafCert, tmp_path: Path
) -> None:
    server = serve(implicit_tls(server_context(good_cert), imap_server()))
    broken = tmp_path / "corp-root.pem"
    broken.write_bytes(b"\x30\x82 this is DER or worse")
    seen = probe(server.port, "imap", broken)
    assert seen.tls is not None and seen.tls.error == "ca-bundle-invalid"
    verdict = judge_tls(seen, TIMEOUT)
    assert verdict.status == "failed" and verdict.owner == "ece-admin" and "PEM" in verdict.remediation


def test_certificate_not_valid_yet(serve: Serve, ca: trustme.CA, bundle: Path) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    future = ca.issue_cert(HOST, not_before=now + dt.timedelta(days=2), not_after=now + dt.timedelta(days=90))
    server = serve(implicit_tls(server_context(future), imap_server()))
    seen = probe(server.port, "imap", bundle)
    assert seen.tls is not None and seen.tls.error == "tls-not-yet-valid", seen.tls.message
    assert "clock" in judge_tls(seen, TIMEOUT).remediation
