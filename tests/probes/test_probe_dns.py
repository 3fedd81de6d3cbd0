"""DNS through configured nameservers (a local dnslib server) and through the system resolver."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from waiting import SLACK

from probes.localdns import LocalDns
from pytest_ece_o365.checks.network import judge_dns
from pytest_ece_o365.config.deployment import Endpoint
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.probes.dns import resolve
from pytest_ece_o365.survey import HostNeed, Survey

EXAMPLE = Path(__file__).resolve().parents[2] / "pytest_ece_o365" / "example_config.toml"


def nameservers(server: LocalDns) -> tuple[Endpoint, ...]:
    return (Endpoint("127.0.0.1", server.port),)


def test_answer_names_the_server_that_answered(local_dns: LocalDns) -> None:
    seen = resolve("outlook.ok.test", nameservers(local_dns), 1.0)
    assert seen.ok and seen.addresses == ("127.0.0.1",)
    assert seen.answered_by == f"127.0.0.1:{local_dns.port}"
    assert {"outlook.ok.test A", "outlook.ok.test AAAA"} <= set(local_dns.queries)
    verdict = judge_dns(seen, 1.0)
    assert verdict.status == "passed" and "127.0.0.1" in verdict.detail


def test_cname_chain_is_evidence(local_dns: LocalDns) -> None:
    seen = resolve("alias.test", nameservers(local_dns), 1.0)
    assert seen.ok and seen.cname_chain == ("alias.test", "outlook.ha.test", "pod1.ha.test")
    verdict = judge_dns(seen, 1.0)
    assert "alias.test -> outlook.ha.test -> pod1.ha.test" in verdict.detail
    assert any(line.startswith("CNAME chain:") for line in verdict.evidence)


def test_ipv6_only_name(local_dns: LocalDns) -> None:
    local_dns.records["v6.test"] = "::1"
    seen = resolve("v6.test", nameservers(local_dns), 1.0)
    assert seen.ok and seen.addresses == ("::1",)


def test_nxdomain(local_dns: LocalDns) -> None:
    seen = resolve("nx.test", nameservers(local_dns), 1.0)
    assert seen.error == "nxdomain"
    assert local_dns.queries == ["nx.test A"]  # NXDOMAIN is about the name: AAAA is not asked
    verdict = judge_dns(seen, 1.0)
    assert verdict.status == "failed" and verdict.owner == "network"
    assert "cannot resolve nx.test" in verdict.detail and "nslookup nx.test" in verdict.remediation


def test_servfail(local_dns: LocalDns) -> None:
    seen = resolve("fail.test", nameservers(local_dns), 1.0)
    assert seen.error == "servfail", seen.message
    assert "SERVFAIL" in judge_dns(seen, 1.0).detail


def test_no_answer(local_dns: LocalDns) -> None:
    assert resolve("empty.test", nameservers(local_dns), 1.0).error == "no-answer"


def test_timeout_ends_within_the_budget(local_dns: LocalDns) -> None:
    started = time.monotonic()
    seen = resolve("slow.test", nameservers(local_dns), 0.5)
    # About time: the whole lookup within the budget (dnspython's own default lifetime is 5 s).
    assert time.monotonic() - started < 0.5 + SLACK
    assert seen.error == "dns-timeout"
    assert "within 0.5 s" in judge_dns(seen, 0.5).detail


def test_ip_literal_needs_no_lookup() -> None:
    seen = resolve("127.0.0.1", (), 1.0)
    assert seen.ok and seen.addresses == ("127.0.0.1",)


def test_system_resolver_honours_the_hosts_file() -> None:
    seen = resolve("localhost", (), 2.0)
    assert seen.ok and seen.resolver == "system resolver"
    assert set(seen.addresses) & {"127.0.0.1", "::1"}


def test_system_resolver_nxdomain() -> None:
    seen = resolve("no-such-host.invalid", (), 2.0)
    assert seen.error in ("nxdomain", "dns-unavailable", "no-answer"), seen.message


def test_importing_the_plugin_and_checks_does_not_load_dnspython_or_cryptography() -> None:
    code = (
        "import sys, pytest_ece_o365.plugin, pytest_ece_o365.checks.network, pytest_ece_o365.survey;"
        "print([m for m in ('dns', 'dns.resolver', 'cryptography') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_survey_resolves_through_the_configured_nameservers(local_dns: LocalDns) -> None:
    config = load_config(EXAMPLE)
    network = replace(config.network, nameservers=nameservers(local_dns))
    with Survey(config.with_endpoints(config.o365, network), 1.0) as survey:
        survey.gather([HostNeed("smtp.ok.test")])
        seen = survey.get(HostNeed("smtp.ok.test"))
    assert seen.ok and seen.answered_by == f"127.0.0.1:{local_dns.port}"
