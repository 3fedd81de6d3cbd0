"""The four network checks judged from recorded observations: no network at all."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pytest

from pytest_ece_o365.catalog import CHECKS
from pytest_ece_o365.checks.base import REGISTRY, CheckContext, RunOptions, Target, settle
from pytest_ece_o365.checks.network import judge_dns, judge_tcp, judge_tls, judge_xoauth2
from pytest_ece_o365.checks.targets import targets_for
from pytest_ece_o365.config.deployment import Endpoint
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.probes.observation import (
    CapabilityObservation,
    CertificateInfo,
    DnsObservation,
    EndpointObservation,
    TcpObservation,
    TlsObservation,
)
from pytest_ece_o365.survey import EndpointNeed, HostNeed

EXAMPLE = Path(__file__).resolve().parents[2] / "pytest_ece_o365" / "example_config.toml"
IMAP = Endpoint("outlook.office365.com", 993)
DNS_OK = DnsObservation(
    "outlook.office365.com",
    "10.0.0.53",
    ("52.97.1.1",),
    ("outlook.office365.com", "outlook.ha.office365.com"),
    "10.0.0.53",
)
TCP_OK = TcpObservation(IMAP, "52.97.1.1", message="connected")
MICROSOFT = CertificateInfo(
    "outlook.com",
    "Microsoft Corporation",
    "Microsoft Azure RSA TLS Issuing CA 03",
    "2027-01-01 00:00:00Z",
    ("outlook.office365.com",),
)
ZSCALER = CertificateInfo(
    "outlook.com", "Zscaler Inc.", "Zscaler Intermediate Root CA", "2027-01-01 00:00:00Z", ("outlook.office365.com",)
)
TLS_OK = TlsObservation(
    "implicit", True, "TLSv1.3", "TLS_AES_256_GCM_SHA384", MICROSOFT, "* OK ready", message="TLSv1.3 ok"
)
CAPS_OK = CapabilityObservation(
    "imap",
    ("IMAP4rev1", "AUTH=XOAUTH2"),
    True,
    transcript=("C: A1 CAPABILITY", "S: * CAPABILITY IMAP4rev1 AUTH=XOAUTH2"),
)


def chain(**steps: Any) -> EndpointObservation:
    parts: dict[str, Any] = {"dns": DNS_OK, "tcp": TCP_OK, "tls": TLS_OK, "capabilities": CAPS_OK, **steps}
    return EndpointObservation(IMAP, "imap", **parts)


def test_a_healthy_chain_passes_every_check() -> None:
    observation = chain()
    assert [judge(observation, 10).status for judge in (judge_tcp, judge_tls, judge_xoauth2)] == ["passed"] * 3
    verdict = judge_dns(DNS_OK, 10)
    assert verdict.status == "passed" and "outlook.office365.com -> outlook.ha.office365.com" in verdict.detail
    assert "answered by: 10.0.0.53" in verdict.evidence


def test_the_first_failing_step_is_the_later_steps_finding_which_the_run_reports_once() -> None:
    dns_failed = DnsObservation("outlook.office365.com", "10.0.0.53", error="nxdomain", message="NXDOMAIN")
    observation = EndpointObservation(IMAP, "imap", dns_failed)
    own = judge_dns(dns_failed, 10)
    assert (own.status, own.cause) == ("failed", "dns-nxdomain")
    with_dns = CheckContext(load_config(EXAMPLE), ("services",), RunOptions(timeout=10), selected=frozenset(
        {("network.dns", IMAP.host)}
    ))  # fmt: skip
    for check_id, judge in (("network.tcp", judge_tcp), ("network.tls", judge_tls), ("network.xoauth2", judge_xoauth2)):
        finding = judge(observation, 10)  # DNS's finding, at DNS's own target
        assert (finding.status, finding.cause, finding.cause_at) == ("failed", "dns-nxdomain", IMAP.host)
        verdict = settle(finding, check_id, str(IMAP), with_dns)
        assert verdict.status == "skipped" and verdict.blocked_by == ("network.dns", IMAP.host)
        assert verdict.detail.startswith("blocked by network.dns for outlook.office365.com (dns-nxdomain)")
        alone = settle(finding, check_id, str(IMAP), CheckContext(load_config(EXAMPLE), ("services",), RunOptions(10)))
        assert alone.status == "failed"  # network.dns is not in the run (-k): the finding shows here


def test_tcp_timeout_names_the_timeout_and_the_fix() -> None:
    tcp = TcpObservation(IMAP, "52.97.1.1", "tcp-timeout", "52.97.1.1:993 did not answer within 10 s")
    verdict = judge_tcp(chain(tcp=tcp, tls=None, capabilities=None), 10)
    assert verdict.status == "failed" and "within 10 s" in verdict.detail
    assert "Open TCP 993" in verdict.remediation
    assert judge_xoauth2(chain(tcp=tcp, tls=None, capabilities=None), 10).cause == "tcp-timeout"


def test_trusted_foreign_issuer_is_a_tls_inspection_advisory() -> None:
    verdict = judge_tls(chain(tls=TlsObservation("implicit", True, "TLSv1.3", "x", ZSCALER, message="ok")), 10)
    assert verdict.status == "advisory" and "Zscaler Intermediate Root CA (Zscaler Inc.)" in verdict.detail


def test_untrusted_microsoft_chain_is_not_called_inspection() -> None:
    tls = TlsObservation("implicit", False, "", "", MICROSOFT, error="tls-untrusted", message="not trusted")
    verdict = judge_tls(chain(tls=tls, capabilities=None), 10)
    assert verdict.status == "failed" and "inspection" not in verdict.detail.lower()
    assert "root certificates" in verdict.remediation


def test_untrusted_foreign_chain_is_called_inspection_with_the_ca_bundle_fix() -> None:
    tls = TlsObservation("implicit", False, "", "", ZSCALER, error="tls-untrusted", message="not trusted")
    verdict = judge_tls(chain(tls=tls, capabilities=None), 10)
    assert verdict.status == "failed" and "TLS inspection by Zscaler" in verdict.detail
    assert "ca_bundle" in verdict.remediation


def test_no_xoauth2_lists_what_was_offered() -> None:
    caps = CapabilityObservation("imap", ("IMAP4rev1", "AUTH=PLAIN"), False)
    verdict = judge_xoauth2(chain(capabilities=caps), 10)
    assert verdict.status == "failed" and "AUTH=PLAIN" in verdict.detail


class FakeSurvey:
    def __init__(self, observations: dict[Hashable, object]) -> None:
        self.observations = observations

    def get(self, need: Hashable) -> object:
        return self.observations[need]


@pytest.fixture
def context() -> CheckContext:
    survey = FakeSurvey({HostNeed(IMAP.host): DNS_OK, EndpointNeed(IMAP, "imap"): chain()})
    return CheckContext(load_config(EXAMPLE), ("services",), RunOptions(timeout=10), survey=survey)


@pytest.mark.parametrize("check_id", ["network.dns", "network.tcp", "network.tls", "network.xoauth2"])
def test_registered_checks_declare_and_read_their_needs(check_id: str, context: CheckContext) -> None:
    target = Target(str(IMAP), ("services",), f"services-{IMAP}", endpoint=IMAP, protocol="imap")
    check = REGISTRY[check_id]
    assert check.needs is not None
    needs = list(check.needs(context, target))
    assert needs == [HostNeed(IMAP.host)] if check_id == "network.dns" else [EndpointNeed(IMAP, "imap")]
    assert check.run(context, target).status == "passed"


def test_xoauth2_has_no_target_on_the_https_login_host() -> None:
    config = load_config(EXAMPLE)
    protocols = {target.protocol for target in targets_for(CHECKS["network.xoauth2"], config)}
    assert protocols == {"imap", "pop3", "smtp"}
    assert "https" in {target.protocol for target in targets_for(CHECKS["network.tls"], config)}


def test_without_a_survey_the_checks_skip_instead_of_crashing() -> None:
    context = CheckContext(load_config(EXAMPLE), ("services",), RunOptions(timeout=10))
    target = Target(str(IMAP), ("services",), endpoint=IMAP, protocol="imap")
    for check_id in ("network.dns", "network.tcp", "network.tls", "network.xoauth2"):
        assert REGISTRY[check_id].run(context, target).status == "skipped"
