"""The diagnosis table: every row is complete, fills in, and covers every error the probes classify."""

from __future__ import annotations

import pytest

from pytest_ece_o365.catalog import CHECKS
from pytest_ece_o365.diagnosis import KNOWN_FACTS, TABLE
from pytest_ece_o365.diagnosis.table import (
    Diagnosis,
    diagnose,
    fill,
    firewall_scope,
    placeholders,
    verdict_for,
)
from pytest_ece_o365.knowledge import OWNERS

# Every error class the network probes produce, per check that reports it (probes/observation.py).
PRODUCED = {
    "network.dns": ["nxdomain", "servfail", "dns-refused", "dns-timeout", "dns-unavailable", "no-answer", "dns-error"],
    "network.tcp": ["refused", "tcp-timeout", "unreachable", "tcp-error"],
    "network.tls": [
        "tls-untrusted", "tls-inspection-untrusted", "tls-inspection", "tls-expired", "tls-not-yet-valid", "tls-wrong-name",
        "tls-old-protocol", "tls-handshake", "no-starttls", "starttls-refused", "read-timeout", "garbage",
        "closed", "rejected", "ca-bundle-invalid",
    ],
    "network.xoauth2": ["no-xoauth2", "read-timeout", "garbage", "closed", "rejected"],
}  # fmt: skip


@pytest.mark.parametrize(("signature", "row"), sorted(TABLE.items()), ids=[f"{c}:{e}" for c, e in sorted(TABLE)])
def test_every_row_is_complete(signature: tuple[str, str], row: Diagnosis) -> None:
    check_id, _ = signature
    assert check_id in CHECKS
    assert row.owner in OWNERS
    assert row.section == CHECKS[check_id].section
    assert row.cause.strip() and row.remediation.strip()
    assert placeholders(row.cause) | placeholders(row.remediation) <= KNOWN_FACTS  # one syntax: {fact}


@pytest.mark.parametrize(("check_id", "error"), [(c, e) for c, errors in PRODUCED.items() for e in errors])
def test_every_classified_error_has_its_own_row(check_id: str, error: str) -> None:
    assert (check_id, error) in TABLE


def test_port_blocked_remediation_names_port_and_the_office365_wildcard() -> None:
    verdict = verdict_for(
        "network.tcp",
        "refused",
        {"host": "outlook.office365.com", "port": 995, "endpoint": "outlook.office365.com:995"},
    )
    assert verdict.status == "failed" and verdict.owner == "network"
    assert verdict.remediation.startswith("Open TCP 995 from this server to *.office365.com (outlook.office365.com)")


def test_tls_inspection_is_an_advisory_naming_the_issuer() -> None:
    facts = {
        "host": "smtp.office365.com",
        "port": 587,
        "endpoint": "smtp.office365.com:587",
        "issuer": "Zscaler Intermediate Root CA",
    }
    verdict = verdict_for("network.tls", "tls-inspection", facts, seen="TLSv1.3 ...", evidence=("S: 220",))
    assert verdict.status == "advisory" and "Zscaler Intermediate Root CA" in verdict.detail
    assert "ca_bundle" in verdict.remediation and "*.office365.com" in verdict.remediation
    assert verdict.evidence == ("S: 220",)


def test_a_missing_fact_reads_as_a_placeholder_not_a_crash() -> None:
    assert fill("TLS inspection by {issuer} on {endpoint}", {"endpoint": "x:1"}) == "TLS inspection by <issuer> on x:1"


def test_an_unknown_signature_still_gives_a_finding() -> None:
    row = diagnose("network.tcp", "never-seen")
    assert row.owner == "network" and "{endpoint}" in row.cause


@pytest.mark.parametrize(
    ("host", "scope"),
    [
        ("outlook.office365.com", "*.office365.com (outlook.office365.com)"),
        ("smtp.office365.us", "*.office365.us (smtp.office365.us)"),
        ("login.microsoftonline.com", "login.microsoftonline.com"),
    ],
)
def test_firewall_scope(host: str, scope: str) -> None:
    assert firewall_scope(host) == scope
