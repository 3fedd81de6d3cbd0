"""What the product knows about ECE and Office 365, as tables.

Everything here is a fact that changes over time (a new Engineering Special, a new cloud). Every row
carries the :class:`~pytest_ece_o365.knowledge.sources.Source` it rests on, so that whoever updates a table next can
re-read the page; :data:`KNOWLEDGE_DATE` is the oldest day any of them was checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from pytest_ece_o365.knowledge import releases as ece_releases
from pytest_ece_o365.knowledge.sources import AADSTS_REFERENCE, MS_ENDPOINTS, Source, oldest_checked

# The ECE release tables live in ece_releases (Cisco's facts); these are the names the rest of the product
# has always imported from here.
EsLevel = ece_releases.EsLevel
VERSION_MARKERS: Final = ece_releases.VERSION_MARKERS
ES_VERSION_MARKERS: Final = ece_releases.ES_VERSION_MARKERS
version_marker: Final = ece_releases.version_marker

# --- Server roles -----------------------------------------------------------------------------------

ROLES: Final = ("services", "application")
ROLE_MARKERS: Final = {"services": "services_server", "application": "application_server"}


# --- Microsoft clouds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cloud:
    login: str
    graph: str
    imap: str  # host:port
    pop3: str
    smtp: str
    outlook_resource: str
    #: Entra ID's error-code lookup in this cloud: append the AADSTS number ("…/error?code=" + "50126").
    #: None where no source shows one for the cloud.
    error_lookup: str | None
    sources: tuple[Source, ...]  # the endpoint lists (and observed replies) the row rests on


#: Microsoft 365 endpoints, GCC High: ID 5 "outlook.office365.us" TCP 143, 25, 587, 993, 995; ID 13
#: "graph.microsoft.us, login.microsoftonline.us". (smtp.office365.us is not on the list; a user asked
#: for it in MicrosoftDocs/microsoft-365-docs#12348, closed without adding it.)
MS_GCC_HIGH_ENDPOINTS: Final = Source(
    "https://learn.microsoft.com/en-us/microsoft-365/enterprise/microsoft-365-u-s-government-gcc-high-endpoints",
    "2026-12-04",
)
#: Microsoft 365 endpoints, DoD: ID 4 "outlook-dod.office365.us, webmail.apps.mil" TCP 143, 25, 587, 993,
#: 995 (the SMTP submission host is published: the IMAP/POP host); ID 13 "dod-graph.microsoft.us,
#: login.microsoftonline.us".
MS_DOD_ENDPOINTS: Final = Source(
    "https://learn.microsoft.com/en-us/microsoft-365/enterprise/microsoft-365-u-s-government-dod-endpoints",
    "2026-12-04",
)
#: Entra ID national clouds: "Microsoft Entra China operated by 21Vianet | https://login.partner.microsoftonline.cn",
#: "Microsoft Entra ID for US Government | https://login.microsoftonline.us". MSAL Python's authority table
#: lists login.chinacloudapi.cn as DEPRECATED_AZURE_CHINA.
MS_ENTRA_NATIONAL_CLOUDS: Final = Source(
    "https://learn.microsoft.com/en-us/entra/identity-platform/authentication-national-cloud; "
    "https://github.com/AzureAD/microsoft-authentication-library-for-python/blob/dev/msal/authority.py",
    "2026-12-04",
)
#: Microsoft 365 endpoints, operated by 21Vianet: ID 17 "login.partner.microsoftonline.cn,
#: microsoftgraph.chinacloudapi.cn"; ID 20 "*.partner.outlook.cn" TCP 587, 993, 995. Microsoft names no
#: exact mail host: partner.outlook.cn (IMAP/POP) and smtp.partner.outlook.cn (SMTP) are the names public
#: client code uses (low confidence).
MS_21VIANET_ENDPOINTS: Final = Source(
    "https://learn.microsoft.com/en-us/microsoft-365/enterprise/urls-and-ip-address-ranges-21vianet",
    "2026-12-04",
)
#: Graph's national cloud root endpoints (graph.microsoft.us, dod-graph.microsoft.us,
#: microsoftgraph.chinacloudapi.cn).
MS_GRAPH_NATIONAL_CLOUDS: Final = Source("https://learn.microsoft.com/en-us/graph/deployments", "2026-12-04")
#: The Outlook resource (scope prefix) outside the worldwide cloud: no Microsoft page found. Public client
#: code asks for https://outlook.office365.us/IMAP.AccessAsUser.All and https://partner.outlook.cn/... (low-
#: medium confidence); DoD's https://outlook-dod.office365.us follows the DoD mail host (unverified).
NATIONAL_OUTLOOK_RESOURCE: Final = Source(
    "https://github.com/DingMingyu/Protocols/blob/HEAD/src/Mail.Protocols/AzureSettings.Tests.ps1",
    "2026-12-04",
)
#: US Government Entra ID replies carry "error_uri":"https://login.microsoftonline.us/error?code=…"
#: (AADSTS7000215 and AADSTS500011 replies quoted in public code). No Microsoft page documents the lookup
#: there (low-medium confidence).
US_GOV_ERROR_URI: Final = Source(
    "https://github.com/demisto/content/blob/master/Packs/ApiModules/Scripts/MicrosoftApiModule/"
    "MicrosoftApiModule_test.py",
    "2026-12-04",
)
#: The 21Vianet copy of the error-code reference: "link directly to a specific error …
#: https://login.partner.microsoftonline.cn/error?code=50058".
CHINA_ERROR_LOOKUP: Final = Source(
    "https://docs.azure.cn/en-us/entra/identity-platform/reference-error-codes", "2026-12-04"
)

CLOUDS: Final[dict[str, Cloud]] = {
    "global": Cloud(
        login="https://login.microsoftonline.com",
        graph="https://graph.microsoft.com",
        imap="outlook.office365.com:993",
        pop3="outlook.office365.com:995",
        smtp="smtp.office365.com:587",
        outlook_resource="https://outlook.office.com",
        error_lookup="https://login.microsoftonline.com/error?code=",
        sources=(MS_ENDPOINTS, AADSTS_REFERENCE, MS_GRAPH_NATIONAL_CLOUDS),
    ),
    "gcc-high": Cloud(
        login="https://login.microsoftonline.us",
        graph="https://graph.microsoft.us",
        imap="outlook.office365.us:993",
        pop3="outlook.office365.us:995",
        smtp="outlook.office365.us:587",
        outlook_resource="https://outlook.office365.us",
        error_lookup="https://login.microsoftonline.us/error?code=",
        sources=(MS_GCC_HIGH_ENDPOINTS, MS_GRAPH_NATIONAL_CLOUDS, NATIONAL_OUTLOOK_RESOURCE, US_GOV_ERROR_URI),
    ),
    "dod": Cloud(
        login="https://login.microsoftonline.us",
        graph="https://dod-graph.microsoft.us",
        imap="outlook-dod.office365.us:993",
        pop3="outlook-dod.office365.us:995",
        smtp="outlook-dod.office365.us:587",
        outlook_resource="https://outlook-dod.office365.us",
        error_lookup="https://login.microsoftonline.us/error?code=",
        sources=(MS_DOD_ENDPOINTS, MS_GRAPH_NATIONAL_CLOUDS, NATIONAL_OUTLOOK_RESOURCE, US_GOV_ERROR_URI),
    ),
    "china": Cloud(
        login="https://login.partner.microsoftonline.cn",
        graph="https://microsoftgraph.chinacloudapi.cn",
        imap="partner.outlook.cn:993",
        pop3="partner.outlook.cn:995",
        smtp="smtp.partner.outlook.cn:587",
        outlook_resource="https://partner.outlook.cn",
        error_lookup="https://login.partner.microsoftonline.cn/error?code=",
        sources=(
            MS_ENTRA_NATIONAL_CLOUDS,
            MS_21VIANET_ENDPOINTS,
            MS_GRAPH_NATIONAL_CLOUDS,
            NATIONAL_OUTLOOK_RESOURCE,
            CHINA_ERROR_LOOKUP,
        ),
    ),
}


# --- Microsoft's public certificate authorities -------------------------------------------------------
# A certificate for a Microsoft host name issued by anything else means something in the path re-signs
# TLS: a TLS-inspection proxy. What Office 365 has presented (CA_SOURCES, in that order):
# - Microsoft's own issuing CAs ("Microsoft Azure RSA/ECC TLS Issuing CA nn", "Microsoft RSA TLS CA 01/02")
#   under "DigiCert Global Root G2/G3" and "Microsoft RSA/ECC Root Certificate Authority 2017";
# - outlook.office365.com / smtp.office365.com: CN=outlook.com issued by "DigiCert Cloud Services CA-1"
#   (O=DigiCert Inc) under "DigiCert Global Root CA", the G1 root;
# - earlier, "Microsoft IT TLS CA n" / "Microsoft IT SSL SHA2" under "Baltimore CyberTrust Root".
# China (21Vianet) endpoints are unverified: Microsoft's older "encryption chains" page also names
# GlobalSign, Entrust, D-TRUST, CNNIC and thawte roots for its national clouds.
CA_SOURCES: Final[tuple[Source, ...]] = (
    Source("https://learn.microsoft.com/en-us/azure/security/fundamentals/azure-ca-details", "2026-12-04"),
    Source("simonrob/email-oauth2-proxy#209; ddeboer/imap#449", "2026-12-04"),
    Source("PHPMailer/PHPMailer#776; O365/python-o365#406", "2026-12-04"),
)

#: Issuer organisations (the leaf certificate's issuer ``O``) of Microsoft's public TLS chains.
MICROSOFT_ISSUER_ORGANIZATIONS: Final = ("Microsoft Corporation", "DigiCert Inc", "DigiCert, Inc.")

#: Issuer common-name prefixes of the same CAs, for certificates whose issuer has no ``O``.
MICROSOFT_ISSUER_CN_PREFIXES: Final = ("Microsoft ", "DigiCert ", "Baltimore CyberTrust")


def is_microsoft_issuer(organization: str, common_name: str) -> bool:
    """Whether a leaf certificate's issuer is one of the public CAs Microsoft uses."""
    if organization:
        return organization.strip().lower() in {org.lower() for org in MICROSOFT_ISSUER_ORGANIZATIONS}
    return common_name.strip().lower().startswith(tuple(p.lower() for p in MICROSOFT_ISSUER_CN_PREFIXES))


# --- Who acts -------------------------------------------------------------------------------------------

OWNERS: Final = ("ece-admin", "azure-admin", "exchange-admin", "network")


# --- Microsoft Graph: delegated permissions, licences (the directory checks) ----------------------------
# Permission ids: the project's protocol reference (o365-protocol.md, "Microsoft Graph"), which took them
# from Microsoft Graph permission dumps (they are resolved by name from Graph's own service principal at
# run time; these are the fallback). SKU and service-plan ids: MS_LICENSING_REFERENCE, row by row.

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

#: Where the well-known application and permission ids come from (checked 2026-12-04): Entra names Office 365
#: Exchange Online by its appId in its own replies ("… you must use multi-factor authentication to access
#: '00000002-0000-0ff1-ce00-000000000000'", AzureAD/microsoft-authentication-library-for-objc#1391); Graph's
#: appId and its delegated permission ids are those of Graph's service principal (``oauth2PermissionScopes``),
#: as public permission dumps quote them. The checks resolve permission names from the tenant's own service
#: principals at run time: these ids are only the fallback.
WELL_KNOWN_IDS: Final = Source(
    "AzureAD/microsoft-authentication-library-for-objc#1391; "
    "https://learn.microsoft.com/en-us/graph/api/resources/serviceprincipal; "
    "https://learn.microsoft.com/en-us/graph/permissions-reference",
    "2026-12-04",
)

#: appId of Microsoft Graph: the resource ECE's IMAP/POP/SMTP delegated permissions are requested under.
GRAPH_APP_ID: Final = "00000003-0000-0000-c000-000000000000"

#: appId of "Office 365 Exchange Online": the resource of Outlook's mail tokens (their ``aud`` may be it),
#: and where an app may request the same IMAP/POP/SMTP permissions instead of under Graph.
EXCHANGE_ONLINE_APP_ID: Final = "00000002-0000-0ff1-ce00-000000000000"

#: Delegated Microsoft Graph permissions ECE's app needs (name -> permission id).
GRAPH_DELEGATED_PERMISSION_IDS: Final[dict[str, str]] = {
    "IMAP.AccessAsUser.All": "652390e4-393a-48de-9484-05f9b1212954",
    "POP.AccessAsUser.All": "d7b7f2d9-0f45-4ea1-9d42-e50810c06991",
    "SMTP.Send": "258f6531-6087-4cc4-bb90-092c5fb3ed3f",
    "offline_access": "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
}

#: Application permissions the [graph] reader app needs, and what each one lets it read.
GRAPH_READER_PERMISSIONS: Final = ("Application.Read.All", "Directory.Read.All")

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

#: A client secret expiring within this many days is an advisory (rotate it before ECE stops fetching mail).
SECRET_EXPIRY_WARNING_DAYS: Final = 30

#: A shared mailbox up to this size needs no licence (MS_SHARED_MAILBOX_LICENCE); above it, Plan 2.
SHARED_MAILBOX_UNLICENSED_GB: Final = 50


def knowledge_sources() -> tuple[Source, ...]:
    """Every source the release, web-URL, cloud, CA and licence tables rest on."""
    releases = ece_releases.release_sources()
    clouds = [source for cloud in CLOUDS.values() for source in cloud.sources]
    plans = [plan.source for plan in EXCHANGE_PLANS]
    licences = (MS_LICENSING_REFERENCE, MS_SET_CASMAILBOXPLAN, MS_SHARED_MAILBOX_LICENCE, WELL_KNOWN_IDS)
    return (*releases, *clouds, *CA_SOURCES, *plans, *licences)


#: The oldest day any of the tables' sources was checked: nothing in them is fresher (the results file's
#: ``knowledge_date``, contract §4).
KNOWLEDGE_DATE: Final = oldest_checked(knowledge_sources())
