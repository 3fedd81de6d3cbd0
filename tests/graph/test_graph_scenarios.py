"""The Graph checks end to end: pytest runs against the simulated tenant, judged from the results file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

# Imported before any in-process pytester run (see tests/conftest.py): MSAL and cryptography must be in
# the sys.modules snapshot that pytester restores after each run.
import msal  # noqa: F401
import pytest
from deployments import deployment_text

import pytest_ece_o365.sim.runner as runner

GRAPH_CHECKS = ("azure_app.registration", "azure_app.client_secret", "azure_app.permissions", "license.exchange")
# The packaged example: support@ (IMAP, own token) and sales@ (POP3, shared, token of ece-mail@).
TARGETS = [
    ("azure_app.registration", ""),
    ("azure_app.client_secret", ""),
    ("azure_app.permissions", ""),
    ("license.exchange", "support@example.com"),
    ("license.exchange", "sales@example.com"),
]


def run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[tuple[str, str], dict[str, Any]]]:
    result = pytester.runpytest(*args, "-m", "graph", "--ece-json", "r.json")
    rows = json.loads((pytester.path / "r.json").read_text(encoding="utf-8"))["results"]
    return result, {(row["check"], row["target"]): row for row in rows}


def simulate(pytester: pytest.Pytester, scenario: str) -> dict[tuple[str, str], dict[str, Any]]:
    _, rows = run(pytester, f"--ece-simulate={scenario}")
    assert sorted(rows) == sorted(TARGETS)
    return rows


def statuses(rows: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple[str, str], str]:
    return {key: row["status"] for key, row in rows.items()}


def only(rows: dict[tuple[str, str], dict[str, Any]], key: tuple[str, str], status: str) -> dict[str, Any]:
    """Assert ``key`` has ``status`` and every other Graph result passed; return ``key``'s row."""
    assert statuses(rows) == {k: (status if k == key else "passed") for k in rows}
    return rows[key]


def test_healthy_tenant_passes_every_graph_check(pytester: pytest.Pytester) -> None:
    result, rows = run(pytester, "--ece-simulate=healthy")
    assert result.ret == 0
    assert set(statuses(rows).values()) == {"passed"}
    assert "lists https://ece.example.com/system/oauth/redirect exactly under Web" in rows[TARGETS[0]]["detail"]
    assert "IMAP.AccessAsUser.All, POP.AccessAsUser.All, SMTP.Send, offline_access" in rows[TARGETS[2]]["detail"]
    assert "Office 365 E3 (ENTERPRISEPACK)" in rows[TARGETS[3]]["detail"]
    # the evidence is Graph's dialogue, without the reader's token
    evidence = "\n".join(rows[TARGETS[0]]["evidence"])
    # Microsoft's URL; where the simulator really answered is noted beside it (contract §4)
    assert "GET https://graph.microsoft.com/v1.0/applications?$filter=appId" in evidence
    assert re.search(r"connect 127\.0\.0\.1:\d+ \(graph\.microsoft\.com:443, simulated\)", evidence)
    assert "eyJ" not in json.dumps(list(rows.values()))


def test_redirect_uri_differing_by_a_slash_shows_both_strings(pytester: pytest.Pytester) -> None:
    row = only(simulate(pytester, "redirect-uri-not-registered"), ("azure_app.registration", ""), "failed")
    assert row["owner"] == "azure-admin"
    assert 'ECE uses "https://ece.example.com/system/oauth/redirect"' in row["detail"]
    assert '"https://ece.example.com/system/oauth/redirect/"' in row["detail"]
    assert "trailing slash" in row["detail"]
    assert "Authentication > Web" in row["remediation"] and "exactly" in row["remediation"]


def test_client_secret_expiring_in_ten_days_is_an_advisory(pytester: pytest.Pytester) -> None:
    result, rows = run(pytester, "--ece-simulate=client-secret-expiring")
    assert result.ret == 0  # an advisory does not fail the run
    row = only(rows, ("azure_app.client_secret", ""), "advisory")
    assert row["owner"] == "azure-admin"
    assert "(10 days left)" in row["detail"] and "expires on 20" in row["detail"]
    assert "New client secret" in row["remediation"] and "before it expires" in row["remediation"]


def test_client_secret_expired_fails(pytester: pytest.Pytester) -> None:
    row = only(simulate(pytester, "client-secret-expired"), ("azure_app.client_secret", ""), "failed")
    assert row["owner"] == "azure-admin"
    assert "expired on" in row["detail"] and "(3 days ago)" in row["detail"] and "AADSTS7000222" in row["detail"]
    assert "New client secret" in row["remediation"] and "enter it in ECE" in row["remediation"]


def test_consent_missing_names_every_permission_as_not_consented(pytester: pytest.Pytester) -> None:
    row = only(simulate(pytester, "consent-missing"), ("azure_app.permissions", ""), "failed")
    assert row["owner"] == "azure-admin"
    assert "Requested but not admin-consented" in row["detail"]
    for name in ("IMAP.AccessAsUser.All", "POP.AccessAsUser.All", "SMTP.Send", "offline_access"):
        assert name in row["detail"]
    assert "Grant admin consent" in row["remediation"]


def test_missing_imap_scope_is_not_requested(pytester: pytest.Pytester) -> None:
    row = only(simulate(pytester, "missing-imap-scope"), ("azure_app.permissions", ""), "failed")
    assert row["owner"] == "azure-admin"
    assert (
        "Not requested, so not consented either: IMAP.AccessAsUser.All (IMAP mailboxes: support@example.com)"
        in row["detail"]
    )
    assert "POP.AccessAsUser.All" not in row["detail"]
    assert "Delegated permissions" in row["remediation"] and "generate the refresh tokens again" in row["remediation"]


def test_no_license_fails_for_the_own_account_mailbox(pytester: pytest.Pytester) -> None:
    row = only(simulate(pytester, "no-license"), ("license.exchange", "support@example.com"), "failed")
    assert row["owner"] == "exchange-admin"
    assert "support@example.com has no licence assigned" in row["detail"]
    assert "E3" in row["remediation"] and "Licenses and apps" in row["remediation"]


def test_app_not_found_is_one_finding(pytester: pytest.Pytester) -> None:
    rows = simulate(pytester, "app-not-found")
    row = rows[("azure_app.registration", "")]
    assert (row["status"], row["owner"]) == ("failed", "ece-admin")
    assert "appId 11111111-2222-3333-4444-555555555555" in row["detail"]
    assert "client_id" in row["remediation"] and "tenant" in row["remediation"]
    # the secret and the permissions of an app that is not there are not separate findings
    for key in (("azure_app.client_secret", ""), ("azure_app.permissions", "")):
        assert rows[key]["status"] == "skipped" and rows[key]["blocked_by"] == {
            "check": "azure_app.registration",
            "target": "",
        }
    assert rows[("license.exchange", "support@example.com")]["status"] == "passed"


def test_without_a_graph_section_the_graph_checks_are_skipped_with_the_reason(
    pytester: pytest.Pytester,
) -> None:
    (pytester.path / "prod.toml").write_text(deployment_text(), encoding="utf-8")
    result, rows = run(pytester, "--ece-config", "prod.toml", "--ece-simulate=healthy")
    assert result.ret == 0
    assert {check for check, _ in rows} == set(GRAPH_CHECKS)
    for row in rows.values():
        assert row["status"] == "skipped"
        assert row["detail"].startswith("no [graph] section: add a read-only Graph app")
        assert "Application.Read.All, Directory.Read.All" in row["detail"]


def test_graph_secret_not_set_skips_naming_the_variable(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No simulator: the secret is missing, so nothing is sent anywhere.
    monkeypatch.delenv("ECE_O365_TEST_GRAPH_SECRET", raising=False)
    extra = '\n[graph]\nclient_id = "66666666-7777-8888-9999-000000000000"\nclient_secret = { env = "ECE_O365_TEST_GRAPH_SECRET" }\n'
    (pytester.path / "prod.toml").write_text(deployment_text(extra=extra), encoding="utf-8")
    result, rows = run(pytester, "--ece-config", "prod.toml")
    assert result.ret == 0
    assert len(rows) == 5
    for row in rows.values():
        assert row["status"] == "skipped"
        assert row["detail"] == (
            "the [graph] reader's client secret is not available: "
            "environment variable ECE_O365_TEST_GRAPH_SECRET is not set"
        )


def test_broken_reports_the_graph_faults_it_includes(pytester: pytest.Pytester) -> None:
    rows = simulate(pytester, "broken")
    assert statuses(rows) == {
        ("azure_app.registration", ""): "passed",
        ("azure_app.client_secret", ""): "advisory",
        ("azure_app.permissions", ""): "passed",
        ("license.exchange", "support@example.com"): "failed",
        ("license.exchange", "sales@example.com"): "passed",
    }


def test_results_hold_no_graph_secret(pytester: pytest.Pytester, tmp_path: Path) -> None:
    result, rows = run(pytester, "--ece-simulate=client-secret-expired", "-vv", "--tb=long")
    text = json.dumps(list(rows.values())) + "\n".join(result.outlines)
    assert "access_token" not in text.replace('"access_token": "[redacted]', "")
    assert "8Q~" not in text  # the shape of every client secret the simulator mints


def with_token_refresh(pytester: pytest.Pytester, scenario: str) -> dict[tuple[str, str], dict[str, Any]]:
    pytester.runpytest(f"--ece-simulate={scenario}", "-m", "graph or oauth", "--ece-json", "r.json")
    rows = json.loads((pytester.path / "r.json").read_text(encoding="utf-8"))["results"]
    return {(row["check"], row["target"]): row for row in rows}


@pytest.mark.parametrize(
    ("scenario", "graph_check"),
    [("client-secret-wrong", "azure_app.client_secret"), ("app-not-found", "azure_app.registration")],
)
def test_one_cause_one_owner_with_token_refresh(pytester: pytest.Pytester, scenario: str, graph_check: str) -> None:
    rows = with_token_refresh(pytester, scenario)
    graph_row = rows[(graph_check, "")]
    refresh = [row for (check, _), row in rows.items() if check == "token.refresh"]
    assert refresh and {row["status"] for row in refresh} == {"failed"}
    assert graph_row["status"] == "failed"
    assert {row["owner"] for row in refresh} == {graph_row["owner"]} == {"ece-admin"}
    if scenario == "client-secret-wrong":
        # the same advice: the Value in ECE; a new secret only when nobody kept the value
        for remediation in (graph_row["remediation"], refresh[0]["remediation"]):
            assert "Value (not its Secret ID)" in remediation and "ECE's OAuth settings" in remediation
        assert graph_row["remediation"].index("Enter the secret's Value") < graph_row["remediation"].index(
            "create a new secret"
        )


READER = "66666666-7777-8888-9999-000000000000"


@pytest.mark.parametrize(
    ("roles", "passing"),
    [
        ([], set()),
        (["Application.Read.All"], {("azure_app.registration", ""), ("azure_app.client_secret", "")}),
    ],
)
def test_reader_problems_skip_and_the_run_passes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, roles: list[str], passing: set[tuple[str, str]]
) -> None:
    """The [graph] reader is this tool's input: lacking a permission fails nothing (exit 0), once or per mailbox."""
    start = runner.start_simulator

    def limited_reader(*args: Any, **kwargs: Any) -> runner.RunningSimulator:
        simulator = start(*args, **kwargs)
        app = simulator.tenant.app(READER)
        assert app is not None
        app.roles = list(roles)
        return simulator

    monkeypatch.setattr(runner, "start_simulator", limited_reader)
    result, rows = run(pytester, "--ece-simulate=healthy")
    assert result.ret == 0
    assert statuses(rows) == {key: ("passed" if key in passing else "skipped") for key in TARGETS}
    for key in set(TARGETS) - passing:
        assert "the [graph] reader app (this tool's read-only app, not ECE's) lacks" in rows[key]["detail"]
        assert "Grant admin consent for the tenant" in rows[key]["detail"]
