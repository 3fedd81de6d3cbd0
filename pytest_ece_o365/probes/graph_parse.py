"""Parsing Graph's JSON into the observations of :mod:`~pytest_ece_o365.probes.graph_model`.

Tolerant: a missing or mistyped member reads as empty, never as a crash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pytest_ece_o365.knowledge import EXCHANGE_SERVICE_PLANS, SKU_PART_NUMBERS
from pytest_ece_o365.probes.graph_model import (
    AppRegistrationView,
    PasswordCredential,
    PermissionGrant,
    ServicePlanView,
    SkuView,
)


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
