"""What the product knows about ECE and Office 365, as tables.

Everything here is a fact that changes over time (a new Engineering Special, a new cloud). Keep each
table dated and sourced, so that updating one is a one-line change with a test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

#: When the tables below were last checked against Cisco's and Microsoft's publications.
KNOWLEDGE_DATE: Final = "2026-11-29"


@dataclass(frozen=True, order=True)
class EsLevel:
    """An Engineering Special, optionally with an Engineering Test build on top (``ES12_ET1``).

    ESs are cumulative: a later ES contains every earlier ES and ET, so levels compare as tuples.
    """

    es: int
    et: int = 0

    def __str__(self) -> str:
        return f"ES{self.es}_ET{self.et}" if self.et else f"ES{self.es}"


@dataclass(frozen=True)
class Release:
    """One ECE release family, as the version checks need it."""

    family: tuple[int, int]
    label: str  # "12.6(1)"
    marker: str  # pytest marker of this version
    oauth_es: EsLevel | None  # ES (and ET) that brought O365 OAuth (CSCvr86493); None: built in
    latest_es: EsLevel | None  # newest ES known on KNOWLEDGE_DATE; None: no ES tracked
    web_url_label: str


_WEB_URL_PRE_12_6: Final = (
    'partition-level setting "Web Server URL or Load Balancer URL" (Partition > System Resources > Settings > General)'
)
_WEB_URL_12_6: Final = 'Partition > Apps > General Settings > "External URL of Application"'

# Required ES per version: Cisco TAC document 218453, "Troubleshoot ECE OAuth2 authentication with O365"
# (bug CSCvr86493), which also says "install the latest ES available for your version".
# Newest ES per version, as far as public sources showed on KNOWLEDGE_DATE:
# - 11.6(1): ES12_ET1 (fixes CSCwd61276 after ES12); no later ES seen.
# - 12.0(1): ES6 and 12.5(1): ES3 are the newest that TAC 218453 names; no later ES seen.
# - 12.6(1): ES10, named in "Release Notes for Cisco CCE Solutions 12.6(1)", ECE chapter (updated after
#   May 2021). From ES10 on, O365 over IMAP/POP3 + SMTP is deprecated in favour of Microsoft Graph.
# - 15.0(1): O365 modern authentication is in the base release ("Release Notes for Cisco CCE Solutions
#   15.0(1)", ECE chapter, April 2025): no ES is required.
RELEASES: Final[tuple[Release, ...]] = (
    Release((11, 6), "11.6(1)", "ece_11_6", EsLevel(12, 1), EsLevel(12, 1), _WEB_URL_PRE_12_6),
    Release((12, 0), "12.0(1)", "ece_12_0", EsLevel(6), EsLevel(6), _WEB_URL_PRE_12_6),
    Release((12, 5), "12.5(1)", "ece_12_5", EsLevel(3), EsLevel(3), _WEB_URL_PRE_12_6),
    Release((12, 6), "12.6(1)", "ece_12_6", EsLevel(1), EsLevel(10), _WEB_URL_12_6),
    Release((15, 0), "15.0(1)", "ece_15_0", None, None, _WEB_URL_12_6),
)

#: The oldest release family with Office 365 OAuth at all (with its ES).
OLDEST_OAUTH_FAMILY: Final = (11, 6)

#: Every ECE version marker, in release order.
VERSION_MARKERS: Final = tuple(release.marker for release in RELEASES)
#: The versions whose OAuth support came in an Engineering Special (the ES checks apply to these).
ES_VERSION_MARKERS: Final = tuple(r.marker for r in RELEASES if r.oauth_es is not None)


def release_for(version: tuple[int, int, int]) -> Release | None:
    """The known release (major, minor, maintenance), or None: ES numbering is per maintenance release,
    so 12.6(2) does not borrow 12.6(1)'s figures."""
    return next((release for release in RELEASES if (*release.family, 1) == version), None)


def version_marker(family: tuple[int, int]) -> str | None:
    """The pytest marker of a version family (12.6(x) -> ece_12_6), or None for an unknown family."""
    return next((release.marker for release in RELEASES if release.family == family), None)


def web_url_label(family: tuple[int, int]) -> str:
    """Where the web (external) URL is set in this version's administration console."""
    return _WEB_URL_12_6 if family >= (12, 6) else _WEB_URL_PRE_12_6


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


# Microsoft's endpoints per national cloud (learn.microsoft.com: "National cloud deployments",
# "Exchange Online in Office 365 GCC High and DoD"). DoD's SMTP submission host is not published
# separately; the Office 365 US Government DoD mail host serves it.
CLOUDS: Final[dict[str, Cloud]] = {
    "global": Cloud(
        login="https://login.microsoftonline.com",
        graph="https://graph.microsoft.com",
        imap="outlook.office365.com:993",
        pop3="outlook.office365.com:995",
        smtp="smtp.office365.com:587",
        outlook_resource="https://outlook.office.com",
    ),
    "gcc-high": Cloud(
        login="https://login.microsoftonline.us",
        graph="https://graph.microsoft.us",
        imap="outlook.office365.us:993",
        pop3="outlook.office365.us:995",
        smtp="smtp.office365.us:587",
        outlook_resource="https://outlook.office365.us",
    ),
    "dod": Cloud(
        login="https://login.microsoftonline.us",
        graph="https://dod-graph.microsoft.us",
        imap="outlook-dod.office365.us:993",
        pop3="outlook-dod.office365.us:995",
        smtp="outlook-dod.office365.us:587",
        outlook_resource="https://outlook-dod.office365.us",
    ),
    "china": Cloud(
        login="https://login.chinacloudapi.cn",
        graph="https://microsoftgraph.chinacloudapi.cn",
        imap="partner.outlook.cn:993",
        pop3="partner.outlook.cn:995",
        smtp="smtp.partner.outlook.cn:587",
        outlook_resource="https://partner.outlook.cn",
    ),
}


# --- Microsoft's public certificate authorities -------------------------------------------------------
# A certificate for a Microsoft host name issued by anything else means something in the path re-signs
# TLS: a TLS-inspection proxy. Sources (checked on KNOWLEDGE_DATE): Microsoft's "Azure Certificate
# Authority details" (learn.microsoft.com, security/fundamentals/azure-ca-details) — issuing CAs named
# "Microsoft Azure RSA/ECC TLS Issuing CA nn", "Microsoft RSA TLS CA 01/02", "Microsoft ECC TLS Issuing AOC
# CA nn", under roots "DigiCert Global Root G2/G3", "Baltimore CyberTrust Root", "Microsoft RSA/ECC Root
# Certificate Authority 2017"; and DigiCert's issuing CAs ("DigiCert Cloud Services CA-1", "DigiCert SHA2
# Secure Server CA") seen on outlook.office365.com.

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
# Checked on 2026-11-29. Sources: the project's protocol reference (o365-protocol.md, "Microsoft Graph"),
# which took the permission ids from Microsoft Graph permission dumps (they are resolved by name from
# Graph's own service principal at run time; these are the fallback), and Microsoft's "Product names and
# service plan identifiers for licensing" (learn.microsoft.com) for the SKU part numbers and plans.

#: appId of Microsoft Graph: the resource ECE's IMAP/POP/SMTP delegated permissions are requested under.
GRAPH_APP_ID: Final = "00000003-0000-0000-c000-000000000000"

#: Delegated Microsoft Graph permissions ECE's app needs (name -> permission id).
GRAPH_DELEGATED_PERMISSION_IDS: Final[dict[str, str]] = {
    "IMAP.AccessAsUser.All": "652390e4-393a-48de-9484-05f9b1212954",
    "POP.AccessAsUser.All": "d7b7f2d9-0f45-4ea1-9d42-e50810c06991",
    "SMTP.Send": "258f6531-6087-4cc4-bb90-092c5fb3ed3f",
    "offline_access": "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
}

#: Application permissions the [graph] reader app needs, and what each one lets it read.
GRAPH_READER_PERMISSIONS: Final = ("Application.Read.All", "Directory.Read.All")

#: Exchange Online service plans (servicePlanName -> servicePlanId). Plan 2 is what E3/E5 include.
EXCHANGE_PLAN_2: Final = "EXCHANGE_S_ENTERPRISE"
EXCHANGE_PLAN_1: Final = "EXCHANGE_S_STANDARD"
EXCHANGE_SERVICE_PLANS: Final[dict[str, str]] = {
    EXCHANGE_PLAN_2: "efb87545-963c-4e0d-99df-69c6916d9eb0",
    EXCHANGE_PLAN_1: "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
}

#: SKUs that are "E3 or better" in the TAC checklist's sense (skuPartNumber -> product name).
E3_OR_BETTER_SKUS: Final[dict[str, str]] = {
    "ENTERPRISEPACK": "Office 365 E3",
    "ENTERPRISEPREMIUM": "Office 365 E5",
    "SPE_E3": "Microsoft 365 E3",
    "SPE_E5": "Microsoft 365 E5",
}

#: Product names of other SKUs a mailbox commonly has, to name them in findings.
SKU_NAMES: Final[dict[str, str]] = {
    **E3_OR_BETTER_SKUS,
    "EXCHANGEENTERPRISE": "Exchange Online (Plan 2)",
    "EXCHANGESTANDARD": "Exchange Online (Plan 1)",
    "STANDARDPACK": "Office 365 E1",
    "SPB": "Microsoft 365 Business Premium",
    "O365_BUSINESS_PREMIUM": "Microsoft 365 Business Standard",
    "O365_BUSINESS_ESSENTIALS": "Microsoft 365 Business Basic",
}

#: skuId -> skuPartNumber, for the assignedLicenses fallback (only the ids the reference confirms).
SKU_PART_NUMBERS: Final[dict[str, str]] = {
    "6fd2c87f-b296-42f0-b197-1e91e994b900": "ENTERPRISEPACK",
    "05e9a617-0261-4cee-bb44-138d3ef5d965": "SPE_E3",
}

#: A client secret expiring within this many days is an advisory (rotate it before ECE stops fetching mail).
SECRET_EXPIRY_WARNING_DAYS: Final = 30

#: Microsoft lets a shared mailbox up to this size go without a licence (Exchange Online limits).
SHARED_MAILBOX_UNLICENSED_GB: Final = 50
