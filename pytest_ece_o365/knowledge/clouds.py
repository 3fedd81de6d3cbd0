"""Microsoft's clouds: the login, Graph and mail hosts of each, and where its error codes are looked up.

Every row carries the :class:`~pytest_ece_o365.knowledge.sources.Source` list it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pytest_ece_o365.knowledge.sources import AADSTS_REFERENCE, MS_ENDPOINTS, Source


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
