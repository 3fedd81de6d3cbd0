"""A simulated run names what a real one would (contract §4, issue 11): targets and fixes carry the real
endpoints' ports, the evidence the loopback address and port actually probed, and the certificates the
simulator's own CA — accepted as Microsoft's stand-in by fingerprint, never by a borrowed name."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from pytest_ece_o365.config.deployment import Simulation
from pytest_ece_o365.probes.observation import CertificateInfo, Transcript
from pytest_ece_o365.probes.tls import certificate_info, recognise
from pytest_ece_o365.sim.pki import CertificateAuthority, authority

NOMINAL = {443, 587, 993, 995}
#: "host:port", "TCP 993", "port 993": any port a finding names
PORT = re.compile(r"(?:[a-z0-9.\]]:|TCP |port )(\d{2,5})\b")


def run(pytester: pytest.Pytester, scenario: str) -> list[dict[str, Any]]:
    pytester.runpytest(f"--ece-simulate={scenario}", "--ece-json", "results.json")
    results: list[dict[str, Any]] = json.loads((pytester.path / "results.json").read_text())["results"]
    return results


def result(results: list[dict[str, Any]], check: str, target: str) -> dict[str, Any]:
    return next(r for r in results if (r["check"], r["target"]) == (check, target))


def test_targets_and_findings_carry_the_real_ports_and_the_evidence_the_loopback_one(
    pytester: pytest.Pytester,
) -> None:
    results = run(pytester, "healthy")
    targets = {r["target"] for r in results if r["check"] == "network.tcp"}
    assert targets == {
        "login.microsoftonline.com:443", "outlook.office365.com:993", "outlook.office365.com:995",
        "smtp.office365.com:587",
    }  # fmt: skip
    for row in results:
        shown = " ".join(str(row.get(key) or "") for key in ("target", "detail", "remediation"))
        shown = re.sub(r"\d\d:\d\d:\d\d", "", shown)  # times of day are not ports
        assert {int(port) for port in PORT.findall(shown)} <= NOMINAL, (row["check"], shown)
    evidence = "\n".join(result(results, "network.tcp", "outlook.office365.com:993")["evidence"])
    match = re.search(r"connect 127\.0\.0\.1:(\d+) \(outlook\.office365\.com:993, simulated\)", evidence)
    assert match is not None and int(match.group(1)) != 993, evidence
    dns = result(results, "network.dns", "outlook.office365.com")
    assert "the simulated tenant's DNS" in dns["detail"]
    assert re.search(r"asking 127\.0\.0\.1:\d+, the simulated tenant's DNS", "\n".join(dns["evidence"]))


def test_a_blocked_port_is_fixed_by_opening_the_real_port(pytester: pytest.Pytester) -> None:
    results = run(pytester, "port-blocked")
    tcp = result(results, "network.tcp", "outlook.office365.com:995")
    assert tcp["status"] == "failed" and "Open TCP 995 " in tcp["remediation"]
    assert re.search(r"connect 127\.0\.0\.1:\d+ \(outlook\.office365\.com:995, simulated\)", "\n".join(tcp["evidence"]))
    # the mailbox that needs the port points at that very target
    inbound = result(results, "mailbox.inbound", "sales@example.com")
    assert inbound["blocked_by"] == {"check": "network.tcp", "target": "outlook.office365.com:995"}


def test_the_simulators_ca_is_named_as_its_own_and_passes_as_microsofts_stand_in(pytester: pytest.Pytester) -> None:
    results = run(pytester, "healthy")
    text = json.dumps(results)
    assert "DigiCert" not in text and "Microsoft Azure RSA TLS" not in text and "Redmond" not in text
    tls = result(results, "network.tls", "outlook.office365.com:993")
    assert tls["status"] == "passed" and "pytest-ece-o365 simulated Office 365 CA" in tls["detail"]
    evidence = "\n".join(tls["evidence"])
    assert "the simulated Office 365 CA of this --ece-simulate run" in evidence
    # the host it was verified for, not the first name of the simulator's many-named certificate
    assert "certificate verified for outlook.office365.com (" in evidence
    assert "certificate for graph.microsoft.com" not in evidence


def test_tls_inspection_is_still_reported_as_inspection(pytester: pytest.Pytester) -> None:
    results = run(pytester, "tls-inspection")
    tls = result(results, "network.tls", "outlook.office365.com:993")
    assert (tls["status"], tls["cause"]) == ("advisory", "tls-inspection")
    assert "Contoso TLS Inspection" in tls["detail"]


def _issued_by(ca: CertificateAuthority) -> tuple[CertificateInfo, tuple[bytes, ...]]:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    pem = ca.server_certificate(["outlook.office365.com"]).chain_pem
    chain = tuple(c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(pem))
    return certificate_info(chain[0]), chain[1:]


def test_the_stand_in_is_recognised_by_fingerprint_only() -> None:
    simulation = Simulation("healthy", (), authority("microsoft").fingerprints())
    certificate, issuers = _issued_by(authority("microsoft"))
    assert not certificate.microsoft_issued  # by its name it is nobody's: the simulator's own
    assert recognise(certificate, issuers, simulation, Transcript()).microsoft_issued
    assert not recognise(certificate, issuers, None, Transcript()).microsoft_issued  # not a simulated run
    # the same names under other keys are not the run's CA: judged by name, as TLS inspection would be
    look_alike, others = _issued_by(CertificateAuthority("microsoft"))
    assert not recognise(look_alike, others, simulation, Transcript()).microsoft_issued


#: a nominal Microsoft host followed by a port other than 443: the simulator's loopback port leaking into a link
LOOPBACK_LINK = re.compile(r"(?:login\.microsoftonline\.com|graph\.microsoft\.com):(?!443\b)\d+")


def test_token_and_graph_evidence_names_the_nominal_hosts_and_keeps_the_loopback_address(
    pytester: pytest.Pytester,
) -> None:
    """The simulated Entra and Graph answer with links to the host the client asked for (the nominal one on
    443), as the real ones do: the discovery document's token endpoint, the POST MSAL then makes, Graph's
    @odata.context — while the "connect" lines keep the loopback address actually dialled."""
    results = run(pytester, "refresh-token-expired")
    refused = result(results, "token.refresh", "support@example.com")
    assert refused["status"] == "failed"
    evidence = "\n".join(refused["evidence"])
    assert "C: POST https://login.microsoftonline.com/" in evidence
    assert '"token_endpoint": "https://login.microsoftonline.com/' in evidence
    assert "connect 127.0.0.1:" in evidence  # the address probed stays in the evidence
    graph = "\n".join(result(results, "license.exchange", "support@example.com")["evidence"])
    assert '"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#' in graph
    for row in results:
        for text in (row["target"], row.get("remediation", ""), row.get("detail", ""), *row.get("evidence", [])):
            assert not LOOPBACK_LINK.search(text), (row["check"], text)


def test_a_client_that_dials_the_simulators_port_reads_that_port_back() -> None:
    """``ece-o365 sim`` hands out ``https://login.microsoftonline.com:PORT``: links keep what was asked for."""
    from pytest_ece_o365.sim.https import Request, served_base

    def asked(host: str) -> str:
        return served_base(Request("GET", "/", {}, {"host": host} if host else {}), "https://fallback:1")

    assert asked("login.microsoftonline.com") == "https://login.microsoftonline.com"
    assert asked("login.microsoftonline.com:40123") == "https://login.microsoftonline.com:40123"
    assert asked("") == asked("evil/path") == asked("a b") == "https://fallback:1"
