"""Exchange Online licences: mailbox service plans, the SKUs that carry them, and the shared-mailbox rule.

SKU and service-plan ids: MS_LICENSING_REFERENCE, row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from pytest_ece_o365.knowledge.sources import Source

#: Microsoft's "Product names and service plan identifiers for licensing" (the table of SKU part numbers,
#: SKU ids, and the service plans in each, with their ids). Every licence id below was read there.
MS_LICENSING_REFERENCE: Final = Source(
    "https://learn.microsoft.com/en-us/entra/identity/users/licensing-service-plan-reference; "
    "MicrosoftDocs/entra-docs docs/identity/users/licensing-service-plan-reference.md (updated 2025-10-29)",
    "2026-12-04",
)

#: Set-CASMailboxPlan: "ImapEnabled … $false: … This is default value for ExchangeOnlineDeskless"; PopEnabled
#: "$true … This is the default value" (no exception for any plan).
MS_SET_CASMAILBOXPLAN: Final = Source(
    "https://learn.microsoft.com/en-us/powershell/module/exchangepowershell/set-casmailboxplan; "
    "MicrosoftDocs/office-docs-powershell exchange/exchange-ps/ExchangePowerShell/Set-CASMailboxPlan.md",
    "2026-12-04",
)

#: "Remove a license from a shared mailbox": "Shared mailboxes usually don't require a license … An Exchange
#: Online Plan 2 license is required … [when] the shared mailbox has more than 50 GB of storage in use".
MS_SHARED_MAILBOX_LICENCE: Final = Source(
    "https://learn.microsoft.com/en-us/microsoft-365/admin/email/remove-license-from-shared-mailbox; "
    "MicrosoftDocs/microsoft-365-docs microsoft-365/admin/email/remove-license-from-shared-mailbox.md",
    "2026-12-04",
)

#: EXCHANGE_LITE: a mailbox plan name that CIPP counts among the Exchange Online plans (with EXCHANGE_S_STANDARD,
#: _ENTERPRISE and their _GOV forms). Microsoft's licensing table, as far as it was read, does not list it, so
#: its id is unknown and it is matched by name only.
CIPP_EXCHANGE_CAPABILITIES: Final = Source(
    "KelvinTegelaar/CIPP-API Modules/CIPPCore/Public/Standards (Test-CIPPStandardLicense -RequiredCapabilities)",
    "2026-12-04",
)

#: What a mailbox plan is, for license.exchange: "plan2" is what the TAC checklist's E3 licence carries.
PlanKind = Literal["plan2", "plan1", "essentials", "kiosk", "lite"]


@dataclass(frozen=True)
class ExchangePlan:
    """An Exchange Online mailbox service plan, as licenseDetails / assignedPlans name it."""

    name: str  # servicePlanName
    plan_id: str | None  # servicePlanId (lower case); None: no public source gives it (matched by name)
    label: str  # Microsoft's friendly name, for findings
    kind: PlanKind
    source: Source


#: Exchange Online mailbox plans, by servicePlanName. Foundation, archiving and analytics plans give no mailbox
#: and are not listed.
EXCHANGE_PLANS: Final[tuple[ExchangePlan, ...]] = (
    # In EXCHANGEENTERPRISE, ENTERPRISEPACK (E3), ENTERPRISEPREMIUM (E5), SPE_E3/SPE_E5 …
    ExchangePlan(
        "EXCHANGE_S_ENTERPRISE",
        "efb87545-963c-4e0d-99df-69c6916d9eb0",
        "Exchange Online (Plan 2)",
        "plan2",
        MS_LICENSING_REFERENCE,
    ),
    # In EXCHANGEENTERPRISE_GOV, ENTERPRISEPACK_GOV (Office 365 G3 GCC), ENTERPRISEPREMIUM_GOV (G5 GCC).
    ExchangePlan(
        "EXCHANGE_S_ENTERPRISE_GOV",
        "8c3069c0-ccdb-44be-ab77-986203a67df2",
        "Exchange Online (Plan 2) for Government",
        "plan2",
        MS_LICENSING_REFERENCE,
    ),
    # In EXCHANGESTANDARD, EXCHANGEESSENTIALS, O365_BUSINESS_ESSENTIALS (Microsoft 365 Business Basic) …
    ExchangePlan(
        "EXCHANGE_S_STANDARD",
        "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
        "Exchange Online (Plan 1)",
        "plan1",
        MS_LICENSING_REFERENCE,
    ),
    # In EXCHANGESTANDARD_GOV, STANDARDPACK_GOV (Office 365 G1 GCC).
    ExchangePlan(
        "EXCHANGE_S_STANDARD_GOV",
        "e9b4930a-925f-45e2-ac2a-3f7788ca6fdd",
        "Exchange Online (Plan 1) for Government",
        "plan1",
        MS_LICENSING_REFERENCE,
    ),
    # In EXCHANGE_S_ESSENTIALS (the SKU of the same name).
    ExchangePlan(
        "EXCHANGE_S_ESSENTIALS",
        "1126bef5-da20-4f07-b45e-ad25d2581aa8",
        "Exchange Essentials",
        "essentials",
        MS_LICENSING_REFERENCE,
    ),
    # In EXCHANGEDESKLESS, DESKLESSPACK (Office 365 F3) and the F3 suites: CAS mailbox plan ExchangeOnlineDeskless.
    ExchangePlan(
        "EXCHANGE_S_DESKLESS",
        "4a82b400-a79f-41a4-b4e2-e94f5787b113",
        "Exchange Online Kiosk",
        "kiosk",
        MS_LICENSING_REFERENCE,
    ),
    ExchangePlan("EXCHANGE_LITE", None, "Exchange Online Lite", "lite", CIPP_EXCHANGE_CAPABILITIES),
)

#: The plans with a known id (servicePlanName -> servicePlanId), for the assignedPlans fallback.
EXCHANGE_SERVICE_PLANS: Final[dict[str, str]] = {p.name: p.plan_id for p in EXCHANGE_PLANS if p.plan_id}

_PLANS_BY_ID: Final = {p.plan_id: p for p in EXCHANGE_PLANS if p.plan_id}
_PLANS_BY_NAME: Final = {p.name.upper(): p for p in EXCHANGE_PLANS}


def exchange_plan(plan_name: str, plan_id: str) -> ExchangePlan | None:
    """The Exchange mailbox plan of a licence's service plan: by servicePlanId first (ids do not change,
    names have), by servicePlanName when the id is unknown to the table."""
    return _PLANS_BY_ID.get(plan_id.strip().lower()) or _PLANS_BY_NAME.get(plan_name.strip().upper())


#: SKUs that are "E3 or better" in the TAC checklist's sense (skuPartNumber -> product name): the E3/E5 suites
#: and their GCC (Government) forms, which carry Exchange Online (Plan 2) (for Government).
E3_OR_BETTER_SKUS: Final[dict[str, str]] = {
    "ENTERPRISEPACK": "Office 365 E3",
    "ENTERPRISEPREMIUM": "Office 365 E5",
    "SPE_E3": "Microsoft 365 E3",
    "SPE_E5": "Microsoft 365 E5",
    "ENTERPRISEPACK_GOV": "Office 365 G3 GCC",
    "ENTERPRISEPREMIUM_GOV": "Office 365 G5 GCC",
}

#: Product names of other SKUs a mailbox commonly has, to name them in findings (MS_LICENSING_REFERENCE).
SKU_NAMES: Final[dict[str, str]] = {
    **E3_OR_BETTER_SKUS,
    "EXCHANGEENTERPRISE": "Exchange Online (Plan 2)",
    "EXCHANGEENTERPRISE_GOV": "Exchange Online (Plan 2) for GCC",
    "EXCHANGESTANDARD": "Exchange Online (Plan 1)",
    "EXCHANGESTANDARD_GOV": "Exchange Online (Plan 1) for GCC",
    "EXCHANGEESSENTIALS": "Exchange Online Essentials (ExO P1 Based)",
    "EXCHANGE_S_ESSENTIALS": "Exchange Online Essentials",
    "EXCHANGEDESKLESS": "Exchange Online Kiosk",
    "DESKLESSPACK": "Office 365 F3",
    "STANDARDPACK": "Office 365 E1",
    "STANDARDPACK_GOV": "Office 365 G1 GCC",
    "SPB": "Microsoft 365 Business Premium",
    "O365_BUSINESS_PREMIUM": "Microsoft 365 Business Standard",
    "O365_BUSINESS_ESSENTIALS": "Microsoft 365 Business Basic",
}

#: skuId -> skuPartNumber, for the assignedLicenses fallback (only ids read in MS_LICENSING_REFERENCE).
SKU_PART_NUMBERS: Final[dict[str, str]] = {
    "6fd2c87f-b296-42f0-b197-1e91e994b900": "ENTERPRISEPACK",
    "05e9a617-0261-4cee-bb44-138d3ef5d965": "SPE_E3",
    "535a3a29-c5f0-42fe-8215-d3b9e1f38c4a": "ENTERPRISEPACK_GOV",
    "8900a2c0-edba-4079-bdf3-b276e293b6a8": "ENTERPRISEPREMIUM_GOV",
    "3f4babde-90ec-47c6-995d-d223749065d1": "STANDARDPACK_GOV",
    "19ec0d23-8335-4cbd-94ac-6050e30712fa": "EXCHANGEENTERPRISE",
    "7be8dc28-4da4-4e6d-b9b9-c60f2806df8a": "EXCHANGEENTERPRISE_GOV",
    "4b9405b0-7788-4568-add1-99614e613b69": "EXCHANGESTANDARD",
    "f37d5ebf-4bf1-4aa2-8fa3-50c51059e983": "EXCHANGESTANDARD_GOV",
    "7fc0182e-d107-4556-8329-7caaa511197b": "EXCHANGEESSENTIALS",
    "e8f81a67-bd96-4074-b108-cf193eb9433b": "EXCHANGE_S_ESSENTIALS",
    "80b2d799-d2ba-4d2a-8842-fb0d0f3a4b82": "EXCHANGEDESKLESS",
    "3b555118-da6a-4418-894f-7df1e2096870": "O365_BUSINESS_ESSENTIALS",
}

#: A shared mailbox up to this size needs no licence (MS_SHARED_MAILBOX_LICENCE); above it, Plan 2.
SHARED_MAILBOX_UNLICENSED_GB: Final = 50
