"""The four network checks against the simulated tenant: healthy passes, each network fault is named
by exactly the check and target it should be, and the survey gathers it all at once."""

from __future__ import annotations

from pathlib import Path

from waiting import SLACK

import pytest_ece_o365.checks  # noqa: F401  (registers the checks)
from pytest_ece_o365.checks.base import REGISTRY, CheckContext, RunOptions, Target
from pytest_ece_o365.checks.targets import targets_for
from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.sim import runner
from pytest_ece_o365.survey import Survey
from pytest_ece_o365.verdict import Verdict

EXAMPLE = Path(__file__).resolve().parents[2] / "pytest_ece_o365" / "example_config.toml"
NETWORK_CHECKS = ("network.dns", "network.tcp", "network.tls", "network.xoauth2")
TIMEOUT = 1.0
Results = dict[tuple[str, str], Verdict]  # (check id, test id part "role-target") -> verdict


def run_network_checks(scenario: str, roles: tuple[str, ...] = ("services", "application")) -> tuple[Results, Survey]:
    base = load_config(EXAMPLE)
    with runner.start_simulator(base, scenario) as simulator:
        config: DeploymentConfig = simulator.configure(base)
        items: list[tuple[str, Target]] = [
            (check_id, target)
            for check_id in NETWORK_CHECKS
            for target in targets_for(REGISTRY[check_id].spec, config)
            if set(target.roles) & set(roles)
        ]
        survey = Survey(config, TIMEOUT)
        selected = frozenset((check_id, target.label) for check_id, target in items)  # what a run executes
        context = CheckContext(config, roles, RunOptions(timeout=TIMEOUT), survey=survey, selected=selected)
        needs = [
            need
            for check_id, target in items
            for need in (REGISTRY[check_id].needs or (lambda c, t: []))(context, target)
        ]
        survey.gather(needs)
        results = {
            (check_id, str(target.param_id)): REGISTRY[check_id].run(context, target) for check_id, target in items
        }
        survey.close()
    return results, survey


def findings(results: Results) -> dict[tuple[str, str], str]:
    """Every result that is not a pass, except the by-design skip of XOAUTH2 on the HTTPS login host."""
    return {
        key: verdict.status
        for key, verdict in results.items()
        if verdict.status != "passed" and not (key[0] == "network.xoauth2" and "login." in key[1])
    }


def test_healthy_passes_all_four_checks_for_both_roles() -> None:
    results, survey = run_network_checks("healthy")
    assert findings(results) == {}, {k: v.detail for k, v in results.items() if v.status != "passed"}
    roles = {key[1].split("-", 1)[0] for key in results}
    assert roles == {"services", "application"}
    mail = [v for k, v in results.items() if k[0] == "network.xoauth2" and "outlook.office365.com" in k[1]]
    assert len(mail) == 4 and all(v.status == "passed" for v in mail)  # IMAP and POP3, from each role
    # the login host offers no XOAUTH2 by nature: it is not a target of that check
    assert not [k for k in results if k[0] == "network.xoauth2" and "login." in k[1]]
    # one DNS lookup per host, one chain per endpoint, although both roles list the shared ones
    needs = [timing.need for timing in survey.accounting]
    assert len(needs) == len(set(needs))


def test_dns_nxdomain_fails_network_dns_for_the_smtp_host_only() -> None:
    results, _ = run_network_checks("dns-nxdomain")
    failing = {key for key, status in findings(results).items() if status == "failed"}
    assert failing == {
        ("network.dns", "services-smtp.office365.com"),
        ("network.dns", "application-smtp.office365.com"),
    }
    verdict = results[("network.dns", "services-smtp.office365.com")]
    assert "smtp.office365.com" in verdict.detail and verdict.owner == "network"
    assert "nslookup smtp.office365.com" in verdict.remediation
    skipped = {key for key, status in findings(results).items() if status == "skipped"}
    assert skipped and all("smtp.office365.com" in key[1] for key in skipped)
    assert all(results[key].blocked_by == ("network.dns", "smtp.office365.com") for key in skipped)


def test_port_blocked_fails_network_tcp_for_pop3_naming_port_and_fix() -> None:
    results, _ = run_network_checks("port-blocked")
    failing = {key: results[key] for key, status in findings(results).items() if status == "failed"}
    assert {role_target.split("-", 1)[0] for _, role_target in failing} == {"services", "application"}
    assert len({role_target.split("-", 1)[1] for _, role_target in failing}) == 1  # one endpoint, seen by both
    (check_id, target), verdict = next(iter(failing.items()))
    assert check_id == "network.tcp" and target.startswith("services-outlook.office365.com:")
    port = target.rsplit(":", 1)[1]
    assert f"Open TCP {port} from this server to *.office365.com (outlook.office365.com)" in verdict.remediation


def test_server_hangs_fails_network_tls_for_imap_within_the_timeout() -> None:
    results, survey = run_network_checks("server-hangs")
    failing = {key: results[key] for key, status in findings(results).items() if status == "failed"}
    assert {role_target.split("-", 1)[0] for _, role_target in failing} == {"services", "application"}
    assert len({role_target.split("-", 1)[1] for _, role_target in failing}) == 1  # one endpoint, seen by both
    (check_id, target), verdict = next(iter(failing.items()))
    assert check_id == "network.tls" and target.startswith("services-outlook.office365.com:")
    assert "holding the connection" in verdict.detail and target.rsplit(":", 1)[1] in verdict.remediation
    # About time: each probe ends at its deadline; the simulated server holds the connection until it stops.
    assert all(timing.duration < TIMEOUT + SLACK for timing in survey.accounting)


def test_tls_inspection_is_an_advisory_naming_the_issuer_on_every_endpoint() -> None:
    results, _ = run_network_checks("tls-inspection")
    found = findings(results)
    assert found and set(found.values()) == {"advisory"}
    assert {key[0] for key in found} == {"network.tls"}
    assert len(found) == len([key for key in results if key[0] == "network.tls"])
    verdict = results[next(iter(found))]
    assert "Contoso TLS Inspection Issuing CA" in verdict.detail and "ca_bundle" in verdict.remediation


def test_application_role_probes_the_same_endpoints_as_the_services_server() -> None:
    # TAC 218453 §8: both roles must reach TCP 443, 587, 993 and 995 "at minimum".
    results, _ = run_network_checks("healthy", roles=("application",))
    endpoints = {key[1].split(":")[0] for key in results if key[0] == "network.tcp"}
    assert endpoints == {"application-login.microsoftonline.com", "application-outlook.office365.com",
                         "application-smtp.office365.com"}  # fmt: skip
    ports = sorted(int(key[1].rsplit(":", 1)[1]) for key in results if key[0] == "network.tcp")
    assert len(ports) == 4  # login, IMAP, POP3 and SMTP: the example has an IMAP and a POP3 mailbox
    assert all(verdict.status == "passed" for verdict in results.values())
