"""The Microsoft Graph probes: the [graph] reader's token, ECE's app registration, a mailbox's licences.

Three survey needs, so that a run asks Graph for each thing once: :class:`GraphTokenNeed` (one app-only
token per run), :class:`AppNeed` (ECE's app, its service principal and consent, once per run) and
:class:`LicenseNeed` (once per mailbox). Every request goes through
:class:`~pytest_ece_o365.probes.http.ResolvingHttpClient` — the run's resolver, SNI and trust store —
also MSAL's. Read-only: GETs only. The probes never raise for a network, HTTP or Graph error: they
classify it (see :mod:`pytest_ece_o365.probes.graph_model`). Each need ends within the run's timeout,
counted from when its token is there (a need that waits for the token does not spend its budget on it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pytest_ece_o365.knowledge import EXCHANGE_ONLINE_APP_ID, GRAPH_APP_ID, GRAPH_DELEGATED_PERMISSION_IDS
from pytest_ece_o365.probes.entra_reply import aadsts_code, aadsts_in, first_sentence
from pytest_ece_o365.probes.graph_client import GraphClient, GraphFailed
from pytest_ece_o365.probes.graph_model import (
    AppObservation,
    EceSecretView,
    GraphTokenObservation,
    LicenseObservation,
)
from pytest_ece_o365.probes.graph_parse import (
    parse_application,
    parse_assigned_plans,
    parse_grants,
    parse_license_details,
    parse_scope_names,
)
from pytest_ece_o365.probes.http import HttpProbeError, probe_client
from pytest_ece_o365.probes.msal_app import confidential_client
from pytest_ece_o365.probes.observation import Transcript
from pytest_ece_o365.redact import redact
from pytest_ece_o365.secret import Secret, SecretRef, SecretUnavailable

if TYPE_CHECKING:
    from pytest_ece_o365.survey.needs import SurveyEnv

_USER_READ = "User.Read.All (or Directory.Read.All)"
_APP_FIELDS = "id,appId,displayName,web,spa,publicClient,passwordCredentials,requiredResourceAccess"


# --- the needs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphTokenNeed:
    """The [graph] reader app's app-only Graph token (one per run)."""

    client_id: str

    def observe(self, env: SurveyEnv) -> GraphTokenObservation:
        return acquire_graph_token(env, self.client_id)


@dataclass(frozen=True)
class AppNeed:
    """ECE's app registration (``[azure_ad] client_id``) as Graph shows it (once per run).

    ``token_accounts``: the accounts whose refresh tokens ECE uses, looked up only when users consented
    for themselves (to tell whether each of them did)."""

    client_id: str
    token_accounts: tuple[str, ...] = ()

    def observe(self, env: SurveyEnv) -> AppObservation:
        return observe_app(env, self.client_id, self.token_accounts)


@dataclass(frozen=True)
class LicenseNeed:
    """The licences of one mailbox's user, looked up by its sign-in name (``Mailbox.own_account``)."""

    address: str

    def observe(self, env: SurveyEnv) -> LicenseObservation:
        return observe_license(env, self.address)


@dataclass(frozen=True)
class EceSecretNeed:
    """What azure_app.client_secret may know of the client secret ECE is given (``[azure_ad]
    client_secret``): its hint and fingerprint, never its value; read here, not in the check."""

    source: SecretRef

    def observe(self, env: SurveyEnv) -> EceSecretView:
        try:
            return EceSecretView.of(env.secrets.get(self.source).reveal())
        except SecretUnavailable as exc:
            return EceSecretView(message=str(exc).removeprefix(f"{self.source.key_path}: "))


def token_need(env: SurveyEnv) -> GraphTokenNeed | None:
    return GraphTokenNeed(env.config.graph.client_id) if env.config.graph is not None else None


# --- the probes -------------------------------------------------------------------------------------


def acquire_graph_token(env: SurveyEnv, client_id: str) -> GraphTokenObservation:
    """Client-credentials token for ``https://{graph host}/.default`` through MSAL."""
    reader = env.config.graph
    if reader is None:
        return GraphTokenObservation(client_id, error="secret-missing", message="the file has no [graph] section")
    try:
        secret = env.secrets.get(reader.client_secret)
    except SecretUnavailable as exc:
        # Without the "graph.client_secret: " prefix, which the output redaction reads as a secret's label.
        reason = str(exc).removeprefix(f"{reader.client_secret.key_path}: ")
        return GraphTokenObservation(client_id, error="secret-missing", message=reason)
    o365 = env.config.o365
    transcript = Transcript()
    client = probe_client(env, transcript)
    # The resource id is Graph's origin without a port, also when the simulator serves it on one.
    scope = f"https://{o365.graph_endpoint.host}/.default"
    transcript.note(f"client credentials for reader app {client_id}, scope {scope}")
    try:
        app = confidential_client(env.config, client_id, secret, client)
        result = app.acquire_token_for_client(scopes=[scope])
    except HttpProbeError as exc:
        return GraphTokenObservation(client_id, error=exc.error, message=exc.message, transcript=transcript.lines())
    except Exception as exc:  # MSAL raises ValueError for a refused discovery, others for 5xx and bad JSON
        said = client.last[1].text if client.last is not None else str(exc)
        code = aadsts_in(said)
        return GraphTokenObservation(
            client_id,
            error="graph-token-failed",
            aadsts=code,
            message=redact(first_sentence(said)) if code else redact(f"{type(exc).__name__}: {exc}"),
            transcript=transcript.lines(),
        )
    if isinstance(result, dict) and result.get("access_token"):
        transcript.note(f"token received ({result.get('token_type', 'Bearer')}, {result.get('expires_in')} s)")
        return GraphTokenObservation(
            client_id, token=Secret(str(result["access_token"])), transcript=transcript.lines()
        )
    result = result if isinstance(result, dict) else {}
    description = str(result.get("error_description") or result.get("error") or "no token and no error")
    return GraphTokenObservation(
        client_id,
        error="graph-token-failed",
        aadsts=aadsts_code(result),
        message=redact(first_sentence(description)),
        transcript=transcript.lines(),
    )


def _reader_token(env: SurveyEnv) -> GraphTokenObservation | None:
    need = token_need(env)
    return env.get(need) if need is not None else None


def observe_app(env: SurveyEnv, client_id: str, token_accounts: tuple[str, ...] = ()) -> AppObservation:
    """ECE's application, service principal, consent grants, and the delegated permission names of
    Microsoft Graph and Office 365 Exchange Online."""
    token = _reader_token(env)
    if token is None or not token.ok or token.token is None:
        return AppObservation(client_id, error="no-token", message=token.message if token else "no [graph] reader")
    graph = GraphClient(env, token.token)
    filter_app = {"$filter": f"appId eq '{client_id}'"}
    try:
        found = graph.get("applications", {**filter_app, "$select": _APP_FIELDS}, permission="Application.Read.All")
    except GraphFailed as exc:
        lines = graph.transcript.lines()
        return AppObservation(client_id, error=exc.error, message=exc.message, lacks=exc.lacks, transcript=lines)
    apps = _objects(found)
    if not apps:
        message = f"no application with appId {client_id} in tenant {env.config.azure_ad.tenant}"
        return AppObservation(client_id, error="app-not-found", message=message, transcript=graph.transcript.lines())
    app = parse_application(apps[0])
    fields: dict[str, Any] = {}
    try:
        sps = graph.get("servicePrincipals", {**filter_app, "$select": "id,appId"}, permission="Application.Read.All")
        sp_list = _objects(sps)
        fields["service_principal_id"] = str(sp_list[0].get("id") or "") if sp_list else ""
        if fields["service_principal_id"]:
            grants = graph.get(
                "oauth2PermissionGrants",
                {"$filter": f"clientId eq '{fields['service_principal_id']}'"},
                permission="Directory.Read.All",
            )
            fields["grants"] = parse_grants(grants.get("value"))
            if any(g.consent_type == "Principal" for g in fields["grants"]):
                fields["account_ids"] = _account_ids(graph, token_accounts)
    except GraphFailed as exc:
        fields.update(grants_error=exc.error, grants_message=exc.message, grants_lacks=exc.lacks)
    # Resolve permission ids by name from the resources themselves; Graph's known ids are the fallback.
    graph_sp = _resource(graph, GRAPH_APP_ID)
    if graph_sp is not None:
        fields.update(scope_names=graph_sp[1], scope_names_source="graph", graph_sp_id=graph_sp[0])
    fields.setdefault("scope_names", tuple((i, n) for n, i in GRAPH_DELEGATED_PERMISSION_IDS.items()))
    if any(res.lower() == EXCHANGE_ONLINE_APP_ID for res, _, _ in app.requested) or fields.get("grants"):
        exchange = _resource(graph, EXCHANGE_ONLINE_APP_ID)
        if exchange is not None:
            fields.update(exchange_sp_id=exchange[0], exchange_scope_names=exchange[1])
    return AppObservation(client_id, app=app, transcript=graph.transcript.lines(), **fields)


def _resource(graph: GraphClient, app_id: str) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """A resource's service principal id and delegated permission (id, name) pairs; None when unreadable."""
    try:
        found = graph.get(
            f"servicePrincipals(appId='{app_id}')",
            {"$select": "id,oauth2PermissionScopes"},
            permission="Application.Read.All",
        )
    except GraphFailed:
        return None
    names = parse_scope_names(found.get("oauth2PermissionScopes"))
    return (str(found.get("id") or ""), names) if names else None


def _account_ids(graph: GraphClient, accounts: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(UPN lower case, object id) of each token account Graph knows (users' own consent is per object id)."""
    found: list[tuple[str, str]] = []
    for account in accounts:
        try:
            user = graph.get(
                f"users/{quote(account, safe='@')}",
                {"$select": "id"},
                permission="User.Read.All (or Directory.Read.All)",
            )
        except GraphFailed:
            continue  # unknown or unreadable: that account's own consent cannot be shown
        if user.get("id"):
            found.append((account.lower(), str(user["id"])))
    return tuple(found)


def observe_license(env: SurveyEnv, address: str) -> LicenseObservation:
    """``users/{address}/licenseDetails``; when Graph refuses it to an app, ``assignedPlans`` instead."""
    token = _reader_token(env)
    if token is None or not token.ok or token.token is None:
        return LicenseObservation(address, error="no-token", message=token.message if token else "no [graph] reader")
    graph = GraphClient(env, token.token)
    user = f"users/{quote(address, safe='@')}"
    permission = _USER_READ
    try:
        try:
            details = graph.get(f"{user}/licenseDetails", permission=permission)
            return LicenseObservation(
                address,
                parse_license_details(details.get("value")),
                "licenseDetails",
                transcript=graph.transcript.lines(),
            )
        except GraphFailed as exc:
            # licenseDetails lists application permissions as unsupported: a 403/400 there is not the end.
            if exc.status not in (400, 403):
                raise
        found = graph.get(
            user, {"$select": "id,userPrincipalName,assignedLicenses,assignedPlans"}, permission=permission
        )
        return LicenseObservation(
            address, parse_assigned_plans(found), "assignedPlans", transcript=graph.transcript.lines()
        )
    except GraphFailed as exc:
        error = "user-not-found" if exc.error == "not-found" else exc.error
        lines = graph.transcript.lines()
        return LicenseObservation(address, error=error, message=exc.message, lacks=exc.lacks, transcript=lines)


def _objects(collection: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The objects in a collection's ``value`` (anything else in it is ignored)."""
    value = collection.get("value")
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
