"""Simulated Microsoft Graph v1.0: the read-only directory endpoints the checklist's Graph checks use.

Bearer-protected with app-only tokens from the simulated token endpoint (client_credentials). Errors use
Graph's shape: ``{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import unquote

import jwt

from pytest_ece_o365.sim.directory import (
    EXCHANGE_SCOPE_IDS,
    GRAPH_APP_ID,
    OUTLOOK_APP_ID,
    SCOPE_IDS,
    Account,
    AppRegistration,
    now_utc,
)
from pytest_ece_o365.sim.https import Request, Response, json_response, served_base
from pytest_ece_o365.sim.tenant import Tenant

__all__ = ["GraphApp"]

_FILTER = re.compile(r"^\s*(appId|clientId)\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)
_DIRECTORY = ("Directory.Read.All", "Directory.ReadWrite.All")
_RESOURCES = {GRAPH_APP_ID: SCOPE_IDS, OUTLOOK_APP_ID: EXCHANGE_SCOPE_IDS}


class _GraphError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class GraphApp:
    """Graph's routes over the tenant model, served at ``graph_base`` (``https://host:port``)."""

    def __init__(self, tenant: Tenant, graph_base: str = "") -> None:
        self.tenant = tenant
        self.base = graph_base.rstrip("/")

    def set_base(self, graph_base: str) -> None:
        """Where the app is served (``https://host:port``); known once the listener is bound."""
        self.base = graph_base.rstrip("/")

    def handle(self, request: Request) -> Response:
        """Route one request (GET only: the product never writes to the directory)."""
        client_request_id = request.headers.get("client-request-id", str(uuid.uuid4()))
        try:
            roles = self._roles(request.headers.get("authorization", ""))
            if request.method != "GET":
                raise _GraphError(405, "Request_BadRequest", "The simulated Graph is read-only.")
            body = self._route(unquote(request.path), request.query, roles)
            context = str(body.get("@odata.context", ""))
            if context.startswith(self.base):  # the self-link names the host the client asked for
                body["@odata.context"] = served_base(request, self.base) + context[len(self.base) :]
            return json_response(200, body)
        except _GraphError as error:
            body = {
                "error": {
                    "code": error.code,
                    "message": error.message,
                    "innerError": {
                        "date": now_utc().strftime("%Y-%m-%dT%H:%M:%S"),
                        "request-id": str(uuid.uuid4()),
                        "client-request-id": client_request_id,
                    },
                }
            }
            return json_response(error.status, body)

    def _roles(self, authorization: str) -> set[str]:
        if not authorization.lower().startswith("bearer ") or not authorization[7:].strip():
            raise _GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        try:
            claims = self.tenant.key.verify(
                authorization[7:].strip(),
                audience=[self.tenant.graph_resource, GRAPH_APP_ID],
                issuer=self.tenant.access_token_issuer,
            )
        except jwt.ExpiredSignatureError:
            raise _GraphError(
                401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."
            ) from None
        except jwt.InvalidAudienceError:
            raise _GraphError(
                401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience."
            ) from None
        except jwt.PyJWTError:
            raise _GraphError(401, "InvalidAuthenticationToken", "Access token validation failure.") from None
        return set(claims.get("roles") or [])

    def _route(self, path: str, query: dict[str, str], roles: set[str]) -> dict[str, Any]:
        if not path.startswith("/v1.0/"):
            raise _GraphError(400, "BadRequest", "Invalid version.")
        rest = path[len("/v1.0/") :].rstrip("/")
        if rest == "applications":
            self._need(roles, "Application.Read.All", *_DIRECTORY)
            app = self._by_app_id(query)
            return self._collection("applications", [self._application(app)] if app else [])
        if rest == "servicePrincipals":
            self._need(roles, "Application.Read.All", *_DIRECTORY)
            app = self._by_app_id(query)
            return self._collection("servicePrincipals", [self._service_principal(app)] if app else [])
        resource = {f"serviceprincipals(appid='{a}')": (a, ids) for a, ids in _RESOURCES.items()}.get(rest.lower())
        if resource is not None:
            self._need(roles, "Application.Read.All", *_DIRECTORY)
            return {
                "@odata.context": f"{self.base}/v1.0/$metadata#servicePrincipals(oauth2PermissionScopes)/$entity",
                "id": self._resource_sp(resource[0]),
                "oauth2PermissionScopes": [
                    {
                        "id": sid,
                        "value": name,
                        "type": "User",
                        "isEnabled": True,
                        "adminConsentDisplayName": name,
                        "userConsentDisplayName": name,
                    }
                    for name, sid in resource[1].items()
                ],
            }
        if rest == "oauth2PermissionGrants":
            self._need(roles, *_DIRECTORY)
            sp_id = self._filter(query, "clientId")
            grants = [
                self._grant(a) for a in self.tenant.apps.values() if a.sp_object_id == sp_id and a.consented_scopes
            ]
            grants += [g for a in self.tenant.apps.values() if a.sp_object_id == sp_id for g in self._user_grants(a)]
            return self._collection("oauth2PermissionGrants", grants)
        match = re.fullmatch(r"users/([^/]+)(/licenseDetails)?", rest)
        if match:
            self._need(roles, "User.Read.All", *_DIRECTORY)
            account = self.tenant.account(match.group(1))
            if account is None:
                raise _GraphError(
                    404,
                    "Request_ResourceNotFound",
                    f"Resource '{match.group(1)}' does not exist or "
                    "one of its queried reference-property objects are not present.",
                )
            if match.group(2):
                details = [
                    {
                        "id": f"{account.object_id}_{sku.sku_id}",
                        "skuId": sku.sku_id,
                        "skuPartNumber": sku.sku_part_number,
                        "servicePlans": [
                            {
                                "servicePlanId": pid,
                                "servicePlanName": name,
                                "provisioningStatus": "Success",
                                "appliesTo": "User",
                            }
                            for pid, name in sku.service_plans
                        ],
                    }
                    for sku in account.licenses
                ]
                return self._collection(f"users('{account.upn}')/licenseDetails", details)
            plans = [
                {
                    "assignedDateTime": "2025-01-06T09:00:00Z",
                    "capabilityStatus": "Enabled",
                    "service": "exchange" if name.startswith("EXCHANGE") else "SharePoint",
                    "servicePlanId": pid,
                }
                for sku in account.licenses
                for pid, name in sku.service_plans
            ]
            user: dict[str, Any] = {
                "@odata.context": f"{self.base}/v1.0/$metadata#users(assignedPlans)/$entity",
                "id": account.object_id,
                "userPrincipalName": account.upn,
                "displayName": account.display_name,
                "assignedPlans": plans,
            }
            if "proxyAddresses" in query.get("$select", "").split(","):  # "Returned only on $select"
                user["mail"] = account.mail or account.upn
                user["proxyAddresses"] = _proxy_addresses(account)
            return user
        raise _GraphError(400, "BadRequest", f"Resource not found for the segment '{rest.split('/')[0]}'.")

    # -- pieces ------------------------------------------------------------------------------------
    @staticmethod
    def _need(roles: set[str], *any_of: str) -> None:
        if not roles.intersection(any_of):
            raise _GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")

    @staticmethod
    def _filter(query: dict[str, str], field: str) -> str:
        match = _FILTER.match(query.get("$filter", ""))
        if not match or match.group(1).lower() != field.lower():
            raise _GraphError(
                400, "Request_UnsupportedQuery", f"The simulated Graph supports $filter={field} eq '…' only."
            )
        return match.group(2)

    def _by_app_id(self, query: dict[str, str]) -> AppRegistration | None:
        return self.tenant.app(self._filter(query, "appId"))

    def _collection(self, context: str, value: list[dict[str, Any]]) -> dict[str, Any]:
        return {"@odata.context": f"{self.base}/v1.0/$metadata#{context}", "value": value}

    @staticmethod
    def _application(app: AppRegistration) -> dict[str, Any]:
        access = [{"id": SCOPE_IDS[s], "type": "Scope"} for s in app.requested_scopes if s in SCOPE_IDS]
        return {
            "id": app.object_id,
            "appId": app.app_id,
            "displayName": app.display_name,
            "signInAudience": "AzureADMyOrg",
            "web": {
                "redirectUris": list(app.web_redirect_uris),
                "implicitGrantSettings": {"enableAccessTokenIssuance": False, "enableIdTokenIssuance": False},
            },
            "spa": {"redirectUris": list(app.spa_redirect_uris)},
            "publicClient": {"redirectUris": list(app.public_client_redirect_uris)},
            "passwordCredentials": [
                {
                    "customKeyIdentifier": None,
                    "displayName": c.display_name,
                    "hint": c.hint,
                    "keyId": c.key_id,
                    "secretText": None,
                    "startDateTime": c.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "endDateTime": c.end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
                for c in app.secrets
            ],
            "requiredResourceAccess": ([{"resourceAppId": GRAPH_APP_ID, "resourceAccess": access}] if access else [])
            + (
                [{"resourceAppId": OUTLOOK_APP_ID, "resourceAccess": exchange}]
                if (exchange := [{"id": EXCHANGE_SCOPE_IDS[s], "type": "Scope"} for s in app.exchange_requested_scopes])
                else []
            ),
        }

    @staticmethod
    def _service_principal(app: AppRegistration) -> dict[str, Any]:
        return {
            "id": app.sp_object_id,
            "appId": app.app_id,
            "displayName": app.display_name,
            "accountEnabled": True,
            "servicePrincipalType": "Application",
        }

    def _resource_sp(self, app_id: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sim:sp:{app_id}:{self.tenant.tenant_id}"))

    def _user_grants(self, app: AppRegistration) -> list[dict[str, Any]]:
        """Principal grants: one per user and resource, as Entra ID keeps them."""
        grants: list[dict[str, Any]] = []
        for upn, scopes in app.user_consents.items():
            account = self.tenant.account(upn)
            for resource in (GRAPH_APP_ID, OUTLOOK_APP_ID):
                mine = [s for s in scopes if (s in app.exchange_requested_scopes) == (resource == OUTLOOK_APP_ID)]
                if account is not None and mine:
                    grants.append(
                        {
                            "clientId": app.sp_object_id,
                            "consentType": "Principal",
                            "id": f"grant-{app.sp_object_id}-{account.object_id}-{resource[:8]}",
                            "principalId": account.object_id,
                            "resourceId": self._resource_sp(resource),
                            "scope": " ".join(mine),
                        }
                    )
        return grants

    def _grant(self, app: AppRegistration) -> dict[str, Any]:
        graph_sp = self._resource_sp(GRAPH_APP_ID)
        return {
            "clientId": app.sp_object_id,
            "consentType": "AllPrincipals",
            "id": f"grant-{app.sp_object_id}",
            "principalId": None,
            "resourceId": graph_sp,
            "scope": " ".join(app.consented_scopes),
        }


def _proxy_addresses(account: Account) -> list[str]:
    """Exchange's proxyAddresses: the primary address as ``SMTP:``, the others as ``smtp:``
    (https://learn.microsoft.com/en-us/graph/api/resources/user, checked 2026-12-04)."""
    primary = account.mail or account.upn
    others = [account.upn] if account.upn.lower() != primary.lower() else []
    return [f"SMTP:{primary}", *(f"smtp:{address}" for address in others)]
