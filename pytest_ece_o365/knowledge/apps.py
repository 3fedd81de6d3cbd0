"""Well-known Entra application ids and the permissions ECE's app and the [graph] reader app need."""

from __future__ import annotations

from typing import Final

from pytest_ece_o365.knowledge.sources import Source

# Permission ids: the project's protocol reference (o365-protocol.md, "Microsoft Graph"), which took them
# from Microsoft Graph permission dumps (they are resolved by name from Graph's own service principal at
# run time; these are the fallback).

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


#: A client secret expiring within this many days is an advisory (rotate it before ECE stops fetching mail).
SECRET_EXPIRY_WARNING_DAYS: Final = 30
