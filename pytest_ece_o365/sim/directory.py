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


@dataclass
class Account:
    """A user in the directory."""

    upn: str
    object_id: str
    display_name: str
    licenses: list[LicenseSku] = field(default_factory=lambda: [E3])
    sign_in_block: int | None = None  # an AADSTS code every token request for this user gets (MFA, CA)


@dataclass
class MailboxFacts:
    """An Exchange Online mailbox and its CAS settings and permissions."""

    address: str
    kind: Literal["user", "shared"] = "user"
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


@dataclass
class RefreshGrant:
    """What a refresh token stands for."""

    account: str
    client_id: str
    scopes: tuple[str, ...]
    issued_at: dt.datetime
    state: GrantState = "valid"


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
