"""The licence scenarios in the simulated Graph: one licence each, with Microsoft's SKU and plan ids."""

from __future__ import annotations

import pytest
from simclients import example_config, web_sim

from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.sim.runner import list_scenarios
from pytest_ece_o365.sim.scenarios import build_tenant

# scenario -> (skuId, skuPartNumber, the Exchange plan's (servicePlanId, servicePlanName))
EXPECTED = {
    "license-gcc": ("535a3a29-c5f0-42fe-8215-d3b9e1f38c4a", "ENTERPRISEPACK_GOV",
                    ("8c3069c0-ccdb-44be-ab77-986203a67df2", "EXCHANGE_S_ENTERPRISE_GOV")),
    "license-plan1": ("4b9405b0-7788-4568-add1-99614e613b69", "EXCHANGESTANDARD",
                      ("9aaf7827-d63c-4b61-89c3-182f06f82e5c", "EXCHANGE_S_STANDARD")),
    "license-plan1-gcc": ("f37d5ebf-4bf1-4aa2-8fa3-50c51059e983", "EXCHANGESTANDARD_GOV",
                          ("e9b4930a-925f-45e2-ac2a-3f7788ca6fdd", "EXCHANGE_S_STANDARD_GOV")),
    "license-kiosk": ("80b2d799-d2ba-4d2a-8842-fb0d0f3a4b82", "EXCHANGEDESKLESS",
                      ("4a82b400-a79f-41a4-b4e2-e94f5787b113", "EXCHANGE_S_DESKLESS")),
    "license-essentials": ("e8f81a67-bd96-4074-b108-cf193eb9433b", "EXCHANGE_S_ESSENTIALS",
                           ("1126bef5-da20-4f07-b45e-ad25d2581aa8", "EXCHANGE_S_ESSENTIALS")),
}  # fmt: skip


@pytest.fixture
def cfg() -> DeploymentConfig:
    return example_config()


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_graph_serves_the_scenarios_licence(cfg: DeploymentConfig, scenario: str) -> None:
    sku_id, part, plan = EXPECTED[scenario]
    with web_sim(cfg, scenario) as sim:
        (sku,) = sim.graph_get("users/support@example.com/licenseDetails").json()["value"]
        assert (sku["skuId"], sku["skuPartNumber"]) == (sku_id, part)
        assert (sku["servicePlans"][0]["servicePlanId"], sku["servicePlans"][0]["servicePlanName"]) == plan
        plans = sim.graph_get("users/support@example.com?$select=assignedPlans").json()["assignedPlans"]
        assert plan[0] in {p["servicePlanId"] for p in plans}
        # only the first own-account mailbox changes
        (other,) = sim.graph_get("users/sales@example.com/licenseDetails").json()["value"]
        assert other["skuPartNumber"] == "ENTERPRISEPACK"


def test_a_kiosk_mailbox_has_imap_off_and_pop_on(cfg: DeploymentConfig) -> None:
    # Set-CASMailboxPlan: ImapEnabled is $false by default for ExchangeOnlineDeskless; PopEnabled $true for all.
    facts = build_tenant(cfg, "license-kiosk").mailboxes["support@example.com"]
    assert (facts.imap_enabled, facts.pop_enabled) == (False, True)
    assert build_tenant(cfg, "license-plan1").mailboxes["support@example.com"].imap_enabled


def test_sim_list_describes_every_licence_scenario() -> None:
    described = dict(list_scenarios())
    for name in (*EXPECTED, "license-lite", "no-license"):
        assert described[name].startswith("first own-account mailbox has")
    assert "Exchange Online Kiosk" in described["license-kiosk"] and "IMAP off" in described["license-kiosk"]
    assert "passes" in described["license-gcc"]
