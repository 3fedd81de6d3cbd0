"""What the Microsoft Graph probes saw: immutable observations (:mod:`~pytest_ece_o365.probes.graph_parse` builds
them from Graph's JSON).

Kept apart from the HTTP code (:mod:`pytest_ece_o365.probes.graph`) so that checks and their tests can
build observations from recorded Graph payloads without any network.

Error classes (stable strings; :mod:`pytest_ece_o365.diagnosis.graph` maps the findings among them):

- reader access: ``secret-missing`` (the [graph] secret is not set), ``graph-token-failed`` (Entra ID
  gave the reader no token; ``aadsts`` says why), ``graph-unauthorized`` (401), ``graph-forbidden``
  (403: the reader lacks an application permission; ``lacks`` names it), ``graph-error`` (other
  Graph errors, non-JSON replies), ``no-token`` (a later request that had no token to send);
- directory: ``app-not-found``, ``user-not-found``;
- network (from :class:`~pytest_ece_o365.probes.http.HttpProbeError`): ``nxdomain``, ``refused``,
  ``tcp-timeout``, ``tls-untrusted``, ``read-timeout``, ``http-error``, …
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from pytest_ece_o365.knowledge import GRAPH_APP_ID
from pytest_ece_o365.secret import Secret

#: Errors that mean the reader app itself is not set up to read the directory (not a network problem).
READER_ERRORS = frozenset({"graph-token-failed", "graph-unauthorized", "graph-forbidden"})

#: The delegated permissions that may be requested under "Office 365 Exchange Online" instead of Microsoft
#: Graph: they work as well (the token's audience is Outlook either way).
EXCHANGE_SCOPES = ("IMAP.AccessAsUser.All", "POP.AccessAsUser.All", "SMTP.Send")


def secret_fingerprint(text: str) -> str:
    """A one-way fingerprint of a secret (stripped, lower case): compares it with a Secret ID, reveals nothing."""
    return hashlib.sha256(text.strip().lower().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class EceSecretView:
    """What the azure_app.client_secret check may know of the secret ECE is given: never its value.

    ``hint`` is its first three characters, what Graph itself shows of every secret (never printed);
    ``fingerprint`` is :func:`secret_fingerprint` of it, to catch a Secret ID entered as the value.
    ``message`` says why it is not available (then both are "").
    """

    hint: str = field(default="", repr=False)
    fingerprint: str = field(default="", repr=False)
    message: str = ""

    @classmethod
    def of(cls, value: str) -> EceSecretView:
        return cls(value[:3], secret_fingerprint(value))

    @property
    def available(self) -> bool:
        return bool(self.fingerprint)


@dataclass(frozen=True)
class GraphTokenObservation:
    """The reader app's app-only token for Microsoft Graph (client credentials)."""

    client_id: str
    token: Secret | None = None
    error: str = ""
    aadsts: int | None = None
    message: str = ""
    transcript: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.error and self.token is not None


@dataclass(frozen=True)
class PasswordCredential:
    """One client secret of an app: Graph shows when it is valid, never its value.

    ``hint`` is the value's first three characters (Graph's, as the portal shows them); it is used to
    recognise the secret ECE holds and is never printed.
    """

    key_id: str
    display_name: str = ""
    hint: str = ""
    start: dt.datetime | None = None
    end: dt.datetime | None = None

    def valid_at(self, now: dt.datetime) -> bool:
        return (self.start is None or self.start <= now) and (self.end is None or now < self.end)

    @property
    def label(self) -> str:
        """How a person finds it under Certificates & secrets: its description, else its Secret ID."""
        return f'"{self.display_name}" (Secret ID {self.key_id})' if self.display_name else f"Secret ID {self.key_id}"


@dataclass(frozen=True)
class AppRegistrationView:
    """The parts of an ``application`` object the registration, secret and permission checks read."""

    app_id: str
    object_id: str = ""
    display_name: str = ""
    web_redirect_uris: tuple[str, ...] = ()
    spa_redirect_uris: tuple[str, ...] = ()
    public_client_redirect_uris: tuple[str, ...] = ()
    passwords: tuple[PasswordCredential, ...] = ()
    #: (resourceAppId, permission id, "Scope" | "Role") per requested permission
    requested: tuple[tuple[str, str, str], ...] = ()

    def requested_scope_ids(self, resource_app_id: str = GRAPH_APP_ID) -> frozenset[str]:
        """Ids of the delegated permissions requested under ``resource_app_id`` (lower case)."""
        return frozenset(
            pid.lower()
            for res, pid, kind in self.requested
            if res.lower() == resource_app_id.lower() and kind == "Scope"
        )


@dataclass(frozen=True)
class PermissionGrant:
    """An ``oauth2PermissionGrant``: AllPrincipals is admin consent, Principal one user's consent."""

    consent_type: str
    scopes: tuple[str, ...]
    resource_id: str = ""
    principal_id: str = ""


@dataclass(frozen=True)
class AppObservation:
    """ECE's app registration, its service principal, its consent grants, Graph's permission names."""

    client_id: str
    app: AppRegistrationView | None = None
    error: str = ""  # app-not-found, a reader error, or a network class
    message: str = ""
    lacks: str = ""  # with graph-forbidden: the application permission the reader lacks
    service_principal_id: str = ""  # "" when the app has none in the tenant (nobody consented)
    grants: tuple[PermissionGrant, ...] = ()
    grants_error: str = ""  # reading the grants failed (graph-forbidden: no Directory.Read.All)
    grants_message: str = ""
    grants_lacks: str = ""
    graph_sp_id: str = ""  # Microsoft Graph's service principal in this tenant ("" when unknown)
    scope_names: tuple[tuple[str, str], ...] = ()  # (permission id lower case, name)
    scope_names_source: str = "known"  # "graph" (read from Graph's service principal) or "known"
    exchange_sp_id: str = ""  # Office 365 Exchange Online's service principal ("" when unknown)
    exchange_scope_names: tuple[tuple[str, str], ...] = ()  # its (permission id lower case, name)
    #: (user principal name lower case, object id) of the token accounts, read when users consented
    account_ids: tuple[tuple[str, str], ...] = ()
    transcript: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.error and self.app is not None


@dataclass(frozen=True)
class ServicePlanView:
    name: str
    plan_id: str = ""
    status: str = ""  # licenseDetails provisioningStatus (Success, Disabled, PendingInput, …)


@dataclass(frozen=True)
class SkuView:
    part_number: str  # "" when only the plans are known (assignedPlans fallback, unknown skuId)
    sku_id: str = ""
    plans: tuple[ServicePlanView, ...] = ()


@dataclass(frozen=True)
class LicenseObservation:
    """One mailbox user's licences: from ``licenseDetails``, or ``assignedPlans`` when that is refused."""

    address: str
    skus: tuple[SkuView, ...] = ()
    source: str = ""  # "licenseDetails" | "assignedPlans"
    error: str = ""
    message: str = ""
    lacks: str = ""  # with graph-forbidden: the application permission the reader lacks
    transcript: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class DirectoryUser:
    """The directory's view of one user; ``error`` when it could not be read (or was not asked)."""

    user: str
    upn: str = ""
    mail: str = ""
    proxy_addresses: tuple[str, ...] = ()
    error: str = ""
    message: str = ""
    transcript: tuple[str, ...] = ()

    @property
    def addresses(self) -> frozenset[str]:
        """Every SMTP address of the user's mailbox, lower case, without the ``SMTP:`` prefix."""
        found = {item.split(":", 1)[1] for item in self.proxy_addresses if item.lower().startswith("smtp:")}
        return frozenset(address.lower() for address in (*found, self.mail) if address)

    def holds(self, address: str) -> bool:
        return not self.error and address.lower() in self.addresses
