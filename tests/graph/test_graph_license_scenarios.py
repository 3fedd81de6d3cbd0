"""license.exchange end to end: pytest runs against the simulated tenant's licence scenarios."""

from __future__ import annotations

import json
from typing import Any

# Imported before any in-process pytester run (see tests/conftest.py): MSAL and cryptography must be in
# the sys.modules snapshot that pytester restores after each run.
import msal  # noqa: F401
import pytest
from deployments import deployment_text

SUPPORT = ("license.exchange", "support@example.com")
SALES = ("license.exchange", "sales@example.com")


def licence_rows(pytester: pytest.Pytester, *args: str) -> dict[tuple[str, str], dict[str, Any]]:
    pytester.runpytest(*args, "-m", "graph", "-k", "license", "--ece-json", "r.json")
    rows = json.loads((pytester.path / "r.json").read_text(encoding="utf-8"))["results"]
    return {(row["check"], row["target"]): row for row in rows}


def test_gcc_g3_licence_passes(pytester: pytest.Pytester) -> None:
    rows = licence_rows(pytester, "--ece-simulate=license-gcc")
    assert rows[SUPPORT]["status"] == "passed", rows[SUPPORT]["detail"]
    assert (
        "Exchange Online (Plan 2) for Government through Office 365 G3 GCC (ENTERPRISEPACK_GOV): an E3-or-better"
        in rows[SUPPORT]["detail"]
    )
    assert rows[SALES]["status"] == "passed"


@pytest.mark.parametrize(
    ("scenario", "named"),
    [
        ("license-plan1", "Exchange Online (Plan 1) (EXCHANGE_S_STANDARD) through Exchange Online (Plan 1)"),
        (
            "license-plan1-gcc",
            "Exchange Online (Plan 1) for Government (EXCHANGE_S_STANDARD_GOV) through "
            "Exchange Online (Plan 1) for GCC (EXCHANGESTANDARD_GOV)",
        ),
        ("license-kiosk", "Exchange Online Kiosk (EXCHANGE_S_DESKLESS) through Exchange Online Kiosk"),
        ("license-essentials", "Exchange Essentials (EXCHANGE_S_ESSENTIALS) through Exchange Online Essentials"),
        ("license-lite", "Exchange Online Lite (EXCHANGE_LITE)"),
    ],
)
def test_each_plan_below_plan_2_fails_naming_the_plan(pytester: pytest.Pytester, scenario: str, named: str) -> None:
    rows = licence_rows(pytester, f"--ece-simulate={scenario}")
    row = rows[SUPPORT]
    assert (row["status"], row["owner"]) == ("failed", "exchange-admin")
    assert f"support@example.com has {named}" in row["detail"]
    assert "TAC checklist asks for" in row["detail"] and "E3" in row["remediation"]
    assert rows[SALES]["status"] == "passed"


def test_kiosk_finding_gives_the_imap_line(pytester: pytest.Pytester) -> None:
    row = licence_rows(pytester, "--ece-simulate=license-kiosk")[SUPPORT]
    assert "IMAP turned off by default" in row["detail"]
    assert "Set-CASMailbox support@example.com -ImapEnabled $true" in row["remediation"]


def test_licences_are_looked_up_by_the_mailboxs_sign_in_name(pytester: pytest.Pytester) -> None:
    # support@example.com signs in as jdoe@corp.example: Graph knows the user by that name only.
    text = deployment_text(extra=_GRAPH).replace(
        'address = "support@example.com"\n', 'address = "support@example.com"\naccount = "jdoe@corp.example"\n'
    )
    (pytester.path / "prod.toml").write_text(text, encoding="utf-8")
    rows = licence_rows(pytester, "--ece-config", "prod.toml", "--ece-simulate=license-plan1")
    row = rows[SUPPORT]
    assert row["status"] == "failed", row["detail"]
    assert "support@example.com has Exchange Online (Plan 1)" in row["detail"]
    assert any("users/jdoe@corp.example/licenseDetails" in line for line in row["evidence"])


_GRAPH = '\n[graph]\nclient_id = "66666666-7777-8888-9999-000000000000"\nclient_secret = { env = "ECE_O365_TEST_GRAPH_SECRET" }\n'
