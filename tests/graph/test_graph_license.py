"""license.exchange: every Exchange Online mailbox plan by its service-plan id, each with its own finding."""

from __future__ import annotations

import pytest

from pytest_ece_o365.checks.license_judge import judge_license
from pytest_ece_o365.config.deployment import Mailbox
from pytest_ece_o365.diagnosis.graph import ROWS
from pytest_ece_o365.knowledge import (
    EXCHANGE_PLANS,
    EXCHANGE_SERVICE_PLANS,
    MS_LICENSING_REFERENCE,
    SHARED_MAILBOX_UNLICENSED_GB,
    SKU_PART_NUMBERS,
    exchange_plan,
)
from pytest_ece_o365.probes.graph_model import LicenseObservation
from pytest_ece_o365.probes.graph_parse import parse_assigned_plans, parse_license_details

SUPPORT = Mailbox("support@example.com", "imap")
SALES = Mailbox("sales@example.com", "pop3", "shared", "ece-mail@example.com")

G3_GCC = ("535a3a29-c5f0-42fe-8215-d3b9e1f38c4a", "ENTERPRISEPACK_GOV")
PLAN2_GOV = "8c3069c0-ccdb-44be-ab77-986203a67df2"

# (plan id, plan name, SKU id, SKU part number, finding, what the finding names) for each plan below Plan 2.
LOWER_PLANS = [
    ("9aaf7827-d63c-4b61-89c3-182f06f82e5c", "EXCHANGE_S_STANDARD", "4b9405b0-7788-4568-add1-99614e613b69",
     "EXCHANGESTANDARD", "exchange-plan1-only", "Exchange Online (Plan 1) (EXCHANGE_S_STANDARD)"),
    ("e9b4930a-925f-45e2-ac2a-3f7788ca6fdd", "EXCHANGE_S_STANDARD_GOV", "f37d5ebf-4bf1-4aa2-8fa3-50c51059e983",
     "EXCHANGESTANDARD_GOV", "exchange-plan1-only", "Exchange Online (Plan 1) for Government (EXCHANGE_S_STANDARD_GOV)"),
    ("1126bef5-da20-4f07-b45e-ad25d2581aa8", "EXCHANGE_S_ESSENTIALS", "e8f81a67-bd96-4074-b108-cf193eb9433b",
     "EXCHANGE_S_ESSENTIALS", "exchange-essentials-only", "Exchange Essentials (EXCHANGE_S_ESSENTIALS)"),
    ("4a82b400-a79f-41a4-b4e2-e94f5787b113", "EXCHANGE_S_DESKLESS", "80b2d799-d2ba-4d2a-8842-fb0d0f3a4b82",
     "EXCHANGEDESKLESS", "exchange-kiosk-only", "Exchange Online Kiosk (EXCHANGE_S_DESKLESS)"),
]  # fmt: skip


def details(sku: tuple[str, str], *plans: tuple[str, str, str], user: str = SUPPORT.address) -> LicenseObservation:
    """licenseDetails with one SKU (id, part number) and its plans (id, name, provisioningStatus)."""
    payload = [
        {
            "skuId": sku[0],
            "skuPartNumber": sku[1],
            "servicePlans": [{"servicePlanId": i, "servicePlanName": n, "provisioningStatus": s} for i, n, s in plans],
        }
    ]
    return LicenseObservation(user, parse_license_details(payload), "licenseDetails")


def test_gcc_g3_passes_with_exchange_plan_2_for_government() -> None:
    verdict = judge_license(details(G3_GCC, (PLAN2_GOV, "EXCHANGE_S_ENTERPRISE_GOV", "Success")), SUPPORT)
    assert verdict.status == "passed"
    assert (
        "has Exchange Online (Plan 2) for Government through Office 365 G3 GCC (ENTERPRISEPACK_GOV): "
        "an E3-or-better licence" in verdict.detail
    )


def test_plans_are_matched_by_id_before_name() -> None:
    # A plan Graph names differently (a renamed plan) is still Plan 2 for Government by its id …
    renamed = judge_license(details(G3_GCC, (PLAN2_GOV, "EXCHANGE_S_ENTERPRISE_GOV_V2", "Success")), SUPPORT)
    assert renamed.status == "passed"
    # … and the id wins over a name that says otherwise.
    kiosk_id = "4a82b400-a79f-41a4-b4e2-e94f5787b113"
    misnamed = judge_license(details(G3_GCC, (kiosk_id, "EXCHANGE_S_ENTERPRISE", "Success")), SUPPORT)
    assert misnamed.status == "failed" and "Exchange Online Kiosk" in misnamed.detail


def test_a_plan_without_a_known_id_is_matched_by_name() -> None:
    verdict = judge_license(details(("sku", "SOMESKU"), ("unknown-id", "EXCHANGE_S_STANDARD_GOV", "Success")), SUPPORT)
    assert verdict.status == "failed" and "Exchange Online (Plan 1) for Government" in verdict.detail


@pytest.mark.parametrize(("plan_id", "name", "sku_id", "part", "error", "named"), LOWER_PLANS)
def test_each_lower_plan_has_its_own_finding_naming_the_plan(
    plan_id: str, name: str, sku_id: str, part: str, error: str, named: str
) -> None:
    verdict = judge_license(details((sku_id, part), (plan_id, name, "Success")), SUPPORT)
    assert (verdict.status, verdict.owner) == ("failed", "exchange-admin")
    assert verdict.detail.startswith(ROWS[("license.exchange", error)].cause)
    assert f"support@example.com has {named} through" in verdict.detail
    # the rule is worded as the TAC document's, not as a technical refusal
    assert "TAC checklist asks for" in verdict.detail and "knows of no Microsoft statement" in verdict.detail
    assert "refuse" not in verdict.detail.lower()


@pytest.mark.parametrize(("plan_id", "name", "sku_id", "part", "error", "named"), LOWER_PLANS)
def test_a_shared_mailboxs_lower_plan_is_an_advisory(
    plan_id: str, name: str, sku_id: str, part: str, error: str, named: str
) -> None:
    verdict = judge_license(details((sku_id, part), (plan_id, name, "Success"), user=SALES.address), SALES)
    assert (verdict.status, verdict.owner) == ("advisory", "exchange-admin")
    assert named in verdict.detail and f"under {SHARED_MAILBOX_UNLICENSED_GB} GB" in verdict.remediation


def test_lite_is_known_by_name_and_has_its_own_finding() -> None:
    verdict = judge_license(details(("sku", "SOMESKU"), ("some-id", "EXCHANGE_LITE", "Success")), SUPPORT)
    assert verdict.status == "failed" and "Exchange Online Lite (EXCHANGE_LITE)" in verdict.detail
    assert verdict.detail.startswith(ROWS[("license.exchange", "exchange-lite-only")].cause)


def test_kiosk_says_imap_is_off_by_default_and_how_to_turn_it_on() -> None:
    kiosk = LOWER_PLANS[3]
    verdict = judge_license(details((kiosk[2], kiosk[3]), (kiosk[0], kiosk[1], "Success")), SUPPORT)
    assert "Kiosk mailboxes have IMAP turned off by default" in verdict.detail
    assert "POP stays on by default" in verdict.detail  # Set-CASMailboxPlan: PopEnabled $true for every plan
    assert "Set-CASMailbox support@example.com -ImapEnabled $true" in verdict.remediation


def test_the_plan_nearest_plan_2_decides_the_finding() -> None:
    plan1, kiosk = LOWER_PLANS[0], LOWER_PLANS[3]
    verdict = judge_license(
        details(("sku", "F3_PLUS"), (kiosk[0], kiosk[1], "Success"), (plan1[0], plan1[1], "Success")), SUPPORT
    )
    assert verdict.detail.startswith(ROWS[("license.exchange", "exchange-plan1-only")].cause)


def test_assigned_plans_fallback_names_government_plans_by_id() -> None:
    user = {
        "assignedLicenses": [{"skuId": G3_GCC[0].upper()}],
        "assignedPlans": [{"servicePlanId": PLAN2_GOV, "capabilityStatus": "Enabled", "service": "exchange"}],
    }
    observation = LicenseObservation(SUPPORT.address, parse_assigned_plans(user), "assignedPlans")
    verdict = judge_license(observation, SUPPORT)
    assert verdict.status == "passed" and "Office 365 G3 GCC (ENTERPRISEPACK_GOV)" in verdict.detail


def test_user_not_found_names_the_account_to_check() -> None:
    jdoe = Mailbox("support@example.com", "imap", account="jdoe@corp.example")
    observation = LicenseObservation("jdoe@corp.example", error="user-not-found", message="HTTP 404")
    verdict = judge_license(observation, jdoe)
    assert verdict.status == "skipped" and "Graph has no user jdoe@corp.example" in verdict.detail
    assert "account set for it" in verdict.detail


def test_every_plan_and_sku_id_rests_on_a_source() -> None:
    for plan in EXCHANGE_PLANS:
        assert plan.source.ref and plan.source.checked == "2026-12-04"
        assert exchange_plan(plan.name, "") is plan  # by name
        if plan.plan_id:
            assert plan.plan_id == plan.plan_id.lower() and exchange_plan("", plan.plan_id.upper()) is plan
            assert plan.source is MS_LICENSING_REFERENCE
    # the plan whose id no source gives is not in the id table
    assert "EXCHANGE_LITE" not in EXCHANGE_SERVICE_PLANS
    assert all(sku_id == sku_id.lower() for sku_id in SKU_PART_NUMBERS)


def test_every_graph_row_has_a_source_but_the_one_being_rewritten() -> None:
    # redirect-uri-wrong-platform is another change's (the AADSTS9002327 correction).
    unsourced = [key for key, row in ROWS.items() if row.source is None]
    assert unsourced in ([], [("azure_app.registration", "redirect-uri-wrong-platform")])
    for key, row in ROWS.items():
        if key[0] == "license.exchange":
            assert row.source is not None and "218453" in row.source.ref  # the TAC document's rule
