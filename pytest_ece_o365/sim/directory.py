"""The directory objects of the simulated tenant: accounts, mailboxes, app registrations, grants.

Plain mutable dataclasses: a scenario flips their fields; :class:`~pytest_ece_o365.sim.tenant.Tenant`
holds them and answers questions about them.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Literal

from pytest_ece_o365.sim.authority import MailProtocol

__all__ = [
    "E3",
    "EXCHANGE_SCOPE_IDS",
    "EXO_ESSENTIALS",
    "EXO_KIOSK",
    "EXO_LITE",
    "EXO_PLAN1",
    "EXO_PLAN1_GCC",
    "G3_GCC",
    "GRAPH_APP_ID",
    "GRAPH_READER_ROLES",
    "OUTLOOK_APP_ID",
    "PROTOCOL_SCOPE",
    "SCOPE_IDS",
    "Account",
    "AppRegistration",
    "Behaviour",
    "ClientSecretCredential",
    "GrantState",
    "Hosts",
    "LicenseSku",
    "MailboxFacts",
    "RefreshGrant",
    "new_client_secret_value",
    "new_refresh_token_value",
    "now_utc",
    "object_id",
]

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
OUTLOOK_APP_ID = "00000002-0000-0ff1-ce00-000000000000"

#: Delegated permission ids under Microsoft Graph (protocol reference, "Microsoft Graph").
SCOPE_IDS: dict[str, str] = {
    "IMAP.AccessAsUser.All": "652390e4-393a-48de-9484-05f9b1212954",
    "POP.AccessAsUser.All": "d7b7f2d9-0f45-4ea1-9d42-e50810c06991",
    "SMTP.Send": "258f6531-6087-4cc4-bb90-092c5fb3ed3f",
    "offline_access": "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
}
#: The same mail permissions under "Office 365 Exchange Online" (ids of the simulator's own making).
EXCHANGE_SCOPE_IDS: dict[str, str] = {
    name: str(uuid.uuid5(uuid.NAMESPACE_URL, f"sim:exchange-scope:{name}"))
    for name in ("IMAP.AccessAsUser.All", "POP.AccessAsUser.All", "SMTP.Send", "EWS.AccessAsUser.All")
}
PROTOCOL_SCOPE: dict[MailProtocol, str] = {
    "imap": "IMAP.AccessAsUser.All",
    "pop3": "POP.AccessAsUser.All",
    "smtp": "SMTP.Send",
}
GRAPH_READER_ROLES = ("Application.Read.All", "Directory.Read.All")

Behaviour = Literal["normal", "hang", "blocked"]
GrantState = Literal["valid", "expired", "revoked"]


@dataclass(frozen=True)
class LicenseSku:
    """A subscribed SKU as Graph's licenseDetails shows it."""

    sku_id: str
    sku_part_number: str
    service_plans: tuple[tuple[str, str], ...]  # (servicePlanId, servicePlanName)


E3 = LicenseSku(
    "6fd2c87f-b296-42f0-b197-1e91e994b900",
    "ENTERPRISEPACK",
    (
        ("efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE"),
        ("5dbe027f-2339-4123-9542-606e4d348a72", "SHAREPOINTENTERPRISE"),
        ("43de0ff5-c92c-492b-9116-175376d08c38", "OFFICESUBSCRIPTION"),
    ),
)

# Other licences, as Microsoft's "Product names and service plan identifiers for licensing" lists them
# (knowledge.MS_LICENSING_REFERENCE, checked 2026-12-04): SKU id, part number, and some of the plans in each
# (the Exchange one first).
G3_GCC = LicenseSku(
    "535a3a29-c5f0-42fe-8215-d3b9e1f38c4a",
    "ENTERPRISEPACK_GOV",  # Office 365 G3 GCC
    (
        ("8c3069c0-ccdb-44be-ab77-986203a67df2", "EXCHANGE_S_ENTERPRISE_GOV"),
        ("153f85dd-d912-4762-af6c-d6e0fb4f6692", "SHAREPOINTENTERPRISE_GOV"),
        ("de9234ff-6483-44d9-b15e-dca72fdd27af", "OFFICESUBSCRIPTION_GOV"),
    ),
)
EXO_PLAN1 = LicenseSku(
    "4b9405b0-7788-4568-add1-99614e613b69",
    "EXCHANGESTANDARD",  # Exchange Online (Plan 1)
    (
        ("9aaf7827-d63c-4b61-89c3-182f06f82e5c", "EXCHANGE_S_STANDARD"),
        ("882e1d05-acd1-4ccb-8708-6ee03664b117", "INTUNE_O365"),
        ("5e62787c-c316-451f-b873-1d05acd4d12c", "BPOS_S_TODO_1"),
    ),
)
EXO_PLAN1_GCC = LicenseSku(
    "f37d5ebf-4bf1-4aa2-8fa3-50c51059e983",
    "EXCHANGESTANDARD_GOV",  # Exchange Online (Plan 1) for GCC
    (
        ("e9b4930a-925f-45e2-ac2a-3f7788ca6fdd", "EXCHANGE_S_STANDARD_GOV"),
        ("882e1d05-acd1-4ccb-8708-6ee03664b117", "INTUNE_O365"),
    ),
)
EXO_KIOSK = LicenseSku(
    "80b2d799-d2ba-4d2a-8842-fb0d0f3a4b82",
    "EXCHANGEDESKLESS",  # Exchange Online Kiosk
    (("4a82b400-a79f-41a4-b4e2-e94f5787b113", "EXCHANGE_S_DESKLESS"),),
)
EXO_ESSENTIALS = LicenseSku(
    "e8f81a67-bd96-4074-b108-cf193eb9433b",
    "EXCHANGE_S_ESSENTIALS",  # Exchange Online Essentials
    (
        ("1126bef5-da20-4f07-b45e-ad25d2581aa8", "EXCHANGE_S_ESSENTIALS"),
        ("5e62787c-c316-451f-b873-1d05acd4d12c", "BPOS_S_TODO_1"),
    ),
)
#: A licence with the EXCHANGE_LITE plan. No public source gives its ids nor its SKU: both ids and the part
#: number are the simulator's own making (the judge knows this plan by name only).
EXO_LITE = LicenseSku(
    str(uuid.uuid5(uuid.NAMESPACE_URL, "sim:sku:EXCHANGE_LITE")),
    "SIM_EXCHANGE_LITE",
    ((str(uuid.uuid5(uuid.NAMESPACE_URL, "sim:plan:EXCHANGE_LITE")), "EXCHANGE_LITE"),),
)


@dataclass
class Account:
    """A user in the directory."""

    upn: str
    object_id: str
    display_name: str
    mail: str = ""  # the primary SMTP address (Graph's ``mail``); "" when it is the UPN
    licenses: list[LicenseSku] = field(default_factory=lambda: [E3])
    sign_in_block: int | None = None  # an AADSTS code every token request for this user gets (MFA, CA)


@dataclass
class MailboxFacts:
    """An Exchange Online mailbox and its CAS settings and permissions."""

    address: str  # the primary SMTP address
    kind: Literal["user", "shared"] = "user"
    #: lower-case UPN of the account that owns the mailbox ("" for a shared mailbox, which has no sign-in);
    #: it may differ from the address (hybrid tenants: UPN jdoe@corp.example, address support@example.com)
    owner: str = ""
    imap_enabled: bool = True
    pop_enabled: bool = True
    smtp_auth_enabled: bool | None = None  # None: follow the tenant-wide switch, like Set-CASMailbox $null
    full_access: set[str] = field(default_factory=set)  # lower-case UPNs with FullAccess
    send_as: set[str] = field(default_factory=set)


@dataclass
class ClientSecretCredential:
    """A client secret of an app registration (Graph's passwordCredentials entry)."""

    key_id: str
    display_name: str
    value: str
    start: dt.datetime
    end: dt.datetime

    @property
    def hint(self) -> str:
        return self.value[:3]


@dataclass
class AppRegistration:
    """An app registration with its service principal and its admin-consent grant."""

    app_id: str
    display_name: str
    object_id: str
    sp_object_id: str
    secrets: list[ClientSecretCredential] = field(default_factory=list)
    web_redirect_uris: list[str] = field(default_factory=list)
    spa_redirect_uris: list[str] = field(default_factory=list)
    public_client_redirect_uris: list[str] = field(default_factory=list)
    requested_scopes: list[str] = field(default_factory=list)  # delegated, under Microsoft Graph
    consented_scopes: list[str] = field(default_factory=list)  # AllPrincipals grant; empty: no grant
    roles: list[str] = field(default_factory=list)  # application permissions, admin-consented
    #: delegated, requested under Office 365 Exchange Online instead of Microsoft Graph
    exchange_requested_scopes: list[str] = field(default_factory=list)
    #: users who consented for themselves (Principal grants): lower-case UPN -> scopes
    user_consents: dict[str, list[str]] = field(default_factory=dict)
    #: signInAudience AzureADMyOrg (created after 2018-10-15): no tokens through /common or /organizations
    single_tenant: bool = False


@dataclass
class RefreshGrant:
    """What a refresh token stands for."""

    account: str
    client_id: str
    scopes: tuple[str, ...]
    issued_at: dt.datetime
    state: GrantState = "valid"
    spa: bool = False  # issued to a redirect URI registered as single-page application: 24 h, browser only


@dataclass(frozen=True)
class Hosts:
    """The real Microsoft host names the configuration uses (what the simulator impersonates)."""

    login: str
    graph: str
    imap: str
    pop3: str
    smtp: str

    def all(self) -> list[str]:
        return sorted({self.login, self.graph, self.imap, self.pop3, self.smtp})


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def object_id(seed: str) -> str:
    """A stable object id for ``seed``."""
    # Stable object ids: the same config gives the same directory, which keeps evidence comparable.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sim:{seed.lower()}"))


def new_client_secret_value() -> str:
    """A client secret shaped like Entra's (three characters, a version marker ``8Q~``, random)."""
    return secrets.token_urlsafe(3)[:3] + "8Q~" + secrets.token_urlsafe(27)[:34]


def new_refresh_token_value() -> str:
    return "0.A" + secrets.token_urlsafe(96)
