"""What the Microsoft Graph probes saw: immutable observations, and the parsing of Graph's JSON into them.

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_ece_o365.knowledge import EXCHANGE_SERVICE_PLANS, GRAPH_APP_ID, SKU_PART_NUMBERS
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


# --- Parsing Graph's JSON (tolerant: a missing member reads as empty, never as a crash) --------------


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _uris(member: Any) -> tuple[str, ...]:
    return tuple(str(uri) for uri in _list(_dict(member).get("redirectUris")))


def parse_time(text: Any) -> dt.datetime | None:
    """Graph's ISO 8601 UTC timestamps ("2027-05-01T10:00:00Z", with or without fractions)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        # fromisoformat of Python 3.10 takes neither "Z" nor 7-digit fractions, which Graph sends;
        # a second more or less does not change an expiry date.
        moment = dt.datetime.fromisoformat(text.rstrip("Z").split(".")[0])
    except ValueError:
        return None
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment


def parse_application(item: Mapping[str, Any]) -> AppRegistrationView:
    """An ``application`` object as Graph returns it."""
    passwords = tuple(
        PasswordCredential(
            key_id=str(c.get("keyId") or ""),
            display_name=str(c.get("displayName") or ""),
            hint=str(c.get("hint") or ""),
            start=parse_time(c.get("startDateTime")),
            end=parse_time(c.get("endDateTime")),
        )
        for c in map(_dict, _list(item.get("passwordCredentials")))
    )
    requested = tuple(
        (str(r.get("resourceAppId") or ""), str(a.get("id") or ""), str(a.get("type") or ""))
        for r in map(_dict, _list(item.get("requiredResourceAccess")))
        for a in map(_dict, _list(r.get("resourceAccess")))
    )
    return AppRegistrationView(
        app_id=str(item.get("appId") or ""),
        object_id=str(item.get("id") or ""),
        display_name=str(item.get("displayName") or ""),
        web_redirect_uris=_uris(item.get("web")),
        spa_redirect_uris=_uris(item.get("spa")),
        public_client_redirect_uris=_uris(item.get("publicClient")),
        passwords=passwords,
        requested=requested,
    )


def parse_grants(value: Any) -> tuple[PermissionGrant, ...]:
    """The ``value`` of an ``oauth2PermissionGrants`` collection."""
    return tuple(
        PermissionGrant(
            consent_type=str(g.get("consentType") or ""),
            scopes=tuple(str(g.get("scope") or "").split()),
            resource_id=str(g.get("resourceId") or ""),
            principal_id=str(g.get("principalId") or ""),
        )
        for g in map(_dict, _list(value))
    )


def parse_scope_names(value: Any) -> tuple[tuple[str, str], ...]:
    """``oauth2PermissionScopes`` of a service principal as (id, name) pairs."""
    return tuple(
        (str(s.get("id") or "").lower(), str(s.get("value") or ""))
        for s in map(_dict, _list(value))
        if s.get("id") and s.get("value")
    )


def parse_license_details(value: Any) -> tuple[SkuView, ...]:
    """The ``value`` of ``users/{id}/licenseDetails``."""
    return tuple(
        SkuView(
            part_number=str(d.get("skuPartNumber") or ""),
            sku_id=str(d.get("skuId") or ""),
            plans=tuple(
                ServicePlanView(
                    str(p.get("servicePlanName") or ""),
                    str(p.get("servicePlanId") or ""),
                    str(p.get("provisioningStatus") or ""),
                )
                for p in map(_dict, _list(d.get("servicePlans")))
            ),
        )
        for d in map(_dict, _list(value))
    )


def parse_assigned_plans(user: Mapping[str, Any]) -> tuple[SkuView, ...]:
    """A user's ``assignedPlans`` (and ``assignedLicenses`` when given), as one SKU per known licence.

    assignedPlans has plan ids but no names and no link to its SKU: the Exchange plans are named from
    :data:`~pytest_ece_o365.knowledge.EXCHANGE_SERVICE_PLANS`, and all plans go under one nameless SKU
    unless exactly one licence is assigned.
    """
    names = {plan_id: name for name, plan_id in EXCHANGE_SERVICE_PLANS.items()}
    plans = tuple(
        ServicePlanView(
            names.get(str(p.get("servicePlanId") or "").lower(), str(p.get("service") or "")),
            str(p.get("servicePlanId") or ""),
            # assignedPlans says Enabled where licenseDetails says Success.
            "Success" if p.get("capabilityStatus") == "Enabled" else str(p.get("capabilityStatus") or ""),
        )
        for p in map(_dict, _list(user.get("assignedPlans")))
    )
    if not plans:
        return ()
    sku_ids = [str(_dict(a).get("skuId") or "").lower() for a in _list(user.get("assignedLicenses"))]
    if len(sku_ids) == 1:
        return (SkuView(SKU_PART_NUMBERS.get(sku_ids[0], ""), sku_ids[0], plans),)
    return (SkuView("", "", plans),)
