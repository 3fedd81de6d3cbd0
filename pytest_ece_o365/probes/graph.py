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

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from pytest_ece_o365.deployment import Network
from pytest_ece_o365.knowledge import GRAPH_APP_ID, GRAPH_DELEGATED_PERMISSION_IDS
from pytest_ece_o365.probes.graph_model import (
    AppObservation,
    GraphTokenObservation,
    LicenseObservation,
    parse_application,
    parse_assigned_plans,
    parse_grants,
    parse_license_details,
    parse_scope_names,
)
from pytest_ece_o365.probes.http import HttpProbeError, HttpResponse, ResolvingHttpClient
from pytest_ece_o365.probes.observation import Deadline, Transcript
from pytest_ece_o365.redact import redact
from pytest_ece_o365.secret import Secret, SecretUnavailable

if TYPE_CHECKING:
    from pytest_ece_o365.survey import SurveyEnv

_AADSTS = re.compile(r"AADSTS(\d+)")
_APP_FIELDS = "id,appId,displayName,web,spa,publicClient,passwordCredentials,requiredResourceAccess"


class _BudgetClient(ResolvingHttpClient):
    """A ResolvingHttpClient whose requests share one deadline, so a probe of several requests (MSAL's
    discovery and token POST, or four Graph GETs) ends within one timeout, not one per request."""

    def __init__(self, network: Network, deadline: Deadline, transcript: Transcript) -> None:
        super().__init__(network, deadline.seconds, transcript)
        self.deadline = deadline
        self.last: HttpResponse | None = None

    def request(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> HttpResponse:
        remaining = self.deadline.remaining()
        if remaining <= 0:
            raise self._failed("read-timeout", f"the {self.deadline.seconds:g} s budget was spent before {url}")
        self.timeout = remaining
        self.last = super().request(method, url, body=body, headers=headers)
        return self.last


class _GraphFailed(Exception):
    def __init__(self, error: str, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.error, self.message, self.status = error, message, status


class _Graph:
    """GETs against ``{graph}/v1.0/`` with the reader's token; failures become :class:`_GraphFailed`."""

    def __init__(self, env: SurveyEnv, token: Secret) -> None:
        self.transcript = Transcript()
        self.client = _BudgetClient(env.config.network, Deadline(env.timeout), self.transcript)
        self.base = env.config.o365.graph.rstrip("/") + "/v1.0/"
        self.token = token

    def get(self, path: str, params: dict[str, str] | None = None, *, permission: str) -> Mapping[str, Any]:
        """The JSON object at ``path``; ``permission`` is what a 403 there means the reader lacks."""
        headers = {"Authorization": f"Bearer {self.token.reveal()}", "Accept": "application/json"}
        try:
            reply = self.client.get(self.base + path + _query(params), headers=headers)
        except HttpProbeError as exc:
            raise _GraphFailed(exc.error, exc.message) from None
        try:
            body = json.loads(reply.text) if reply.text else {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise _GraphFailed("graph-error", f"Graph answered HTTP {reply.status_code} with no JSON object")
        if reply.status_code < 400:
            return body
        error: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else {}
        said = f"HTTP {reply.status_code} {error.get('code', '')}: {error.get('message', '')}".strip()
        if reply.status_code == 401:
            raise _GraphFailed("graph-unauthorized", f"Graph refused the reader's token ({said})", 401)
        if reply.status_code == 403:
            message = f"Graph denied GET {path.split('?')[0]} ({said}): the reader app lacks {permission}"
            raise _GraphFailed("graph-forbidden", message, 403)
        if reply.status_code == 404:
            raise _GraphFailed("not-found", said, 404)
        raise _GraphFailed("graph-error", f"Graph answered {said}", reply.status_code)


# --- the needs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphTokenNeed:
    """The [graph] reader app's app-only Graph token (one per run)."""

    client_id: str

    def observe(self, env: SurveyEnv) -> GraphTokenObservation:
        return acquire_graph_token(env, self.client_id)


@dataclass(frozen=True)
class AppNeed:
    """ECE's app registration (``[azure_ad] client_id``) as Graph shows it (once per run)."""

    client_id: str

    def observe(self, env: SurveyEnv) -> AppObservation:
        return observe_app(env, self.client_id)


@dataclass(frozen=True)
class LicenseNeed:
    """The licences of one mailbox's user (once per mailbox address)."""

    address: str

    def observe(self, env: SurveyEnv) -> LicenseObservation:
        return observe_license(env, self.address)


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
    import msal  # heavy: loaded only when a run reads Graph

    o365 = env.config.o365
    transcript = Transcript()
    client = _BudgetClient(env.config.network, Deadline(env.timeout), transcript)
    # The resource id is Graph's origin without a port, also when the simulator serves it on one.
    scope = f"https://{o365.graph_endpoint.host}/.default"
    transcript.note(f"client credentials for reader app {client_id}, scope {scope}")
    try:
        app = msal.ConfidentialClientApplication(
            client_id,
            client_credential=secret.reveal(),
            authority=f"{o365.login.rstrip('/')}/{env.config.azure_ad.tenant}",
            http_client=client,
            instance_discovery=False,
            validate_authority=False,
        )
        result = app.acquire_token_for_client(scopes=[scope])
    except HttpProbeError as exc:
        return GraphTokenObservation(client_id, error=exc.error, message=exc.message, transcript=transcript.lines())
    except Exception as exc:  # MSAL raises ValueError for a refused discovery, others for 5xx and bad JSON
        said = client.last.text if client.last is not None else str(exc)
        code = _aadsts(said)
        return GraphTokenObservation(
            client_id,
            error="graph-token-failed",
            aadsts=code,
            message=_first_sentence(said) if code else redact(f"{type(exc).__name__}: {exc}"),
            transcript=transcript.lines(),
        )
    if isinstance(result, dict) and result.get("access_token"):
        transcript.note(f"token received ({result.get('token_type', 'Bearer')}, {result.get('expires_in')} s)")
        return GraphTokenObservation(
            client_id, token=Secret(str(result["access_token"])), transcript=transcript.lines()
        )
    result = result if isinstance(result, dict) else {}
    codes = result.get("error_codes") or []
    description = str(result.get("error_description") or result.get("error") or "no token and no error")
    return GraphTokenObservation(
        client_id,
        error="graph-token-failed",
        aadsts=int(codes[0]) if codes else _aadsts(description),
        message=_first_sentence(description),
        transcript=transcript.lines(),
    )


def _reader_token(env: SurveyEnv) -> GraphTokenObservation | None:
    need = token_need(env)
    return env.get(need) if need is not None else None


def observe_app(env: SurveyEnv, client_id: str) -> AppObservation:
    """ECE's application, service principal, consent grants, and Graph's delegated permission names."""
    token = _reader_token(env)
    if token is None or not token.ok or token.token is None:
        return AppObservation(client_id, error="no-token", message=token.message if token else "no [graph] reader")
    graph = _Graph(env, token.token)
    filter_app = {"$filter": f"appId eq '{client_id}'"}
    try:
        found = graph.get("applications", {**filter_app, "$select": _APP_FIELDS}, permission="Application.Read.All")
    except _GraphFailed as exc:
        return AppObservation(client_id, error=exc.error, message=exc.message, transcript=graph.transcript.lines())
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
    except _GraphFailed as exc:
        fields.update(grants_error=exc.error, grants_message=exc.message)
    try:
        # Resolve permission ids by name from Graph itself; the known ids are only the fallback.
        graph_sp = graph.get(
            f"servicePrincipals(appId='{GRAPH_APP_ID}')",
            {"$select": "id,oauth2PermissionScopes"},
            permission="Application.Read.All",
        )
        names = parse_scope_names(graph_sp.get("oauth2PermissionScopes"))
        if names:
            fields.update(scope_names=names, scope_names_source="graph", graph_sp_id=str(graph_sp.get("id") or ""))
    except _GraphFailed:
        pass  # the known ids below serve
    fields.setdefault("scope_names", tuple((i, n) for n, i in GRAPH_DELEGATED_PERMISSION_IDS.items()))
    return AppObservation(client_id, app=app, transcript=graph.transcript.lines(), **fields)


def observe_license(env: SurveyEnv, address: str) -> LicenseObservation:
    """``users/{address}/licenseDetails``; when Graph refuses it to an app, ``assignedPlans`` instead."""
    token = _reader_token(env)
    if token is None or not token.ok or token.token is None:
        return LicenseObservation(address, error="no-token", message=token.message if token else "no [graph] reader")
    graph = _Graph(env, token.token)
    user = f"users/{quote(address, safe='@')}"
    permission = "User.Read.All (or Directory.Read.All)"
    try:
        try:
            details = graph.get(f"{user}/licenseDetails", permission=permission)
            return LicenseObservation(
                address,
                parse_license_details(details.get("value")),
                "licenseDetails",
                transcript=graph.transcript.lines(),
            )
        except _GraphFailed as exc:
            # licenseDetails lists application permissions as unsupported: a 403/400 there is not the end.
            if exc.status not in (400, 403):
                raise
        found = graph.get(
            user, {"$select": "id,userPrincipalName,assignedLicenses,assignedPlans"}, permission=permission
        )
        return LicenseObservation(
            address, parse_assigned_plans(found), "assignedPlans", transcript=graph.transcript.lines()
        )
    except _GraphFailed as exc:
        error = "user-not-found" if exc.error == "not-found" else exc.error
        return LicenseObservation(address, error=error, message=exc.message, transcript=graph.transcript.lines())


def _objects(collection: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The objects in a collection's ``value`` (anything else in it is ignored)."""
    value = collection.get("value")
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _query(params: dict[str, str] | None) -> str:
    # OData's own characters stay readable in the transcript: $filter=appId%20eq%20'...'&$select=a,b
    return "?" + urlencode(params, safe="$',()", quote_via=quote) if params else ""


def _aadsts(text: str) -> int | None:
    match = _AADSTS.search(text)
    return int(match.group(1)) if match else None


def _first_sentence(description: str) -> str:
    """Entra's error_description without its Trace/Correlation ids and timestamp (noise in a finding)."""
    text = description
    try:
        parsed = json.loads(description)
        if isinstance(parsed, dict) and parsed.get("error_description"):
            text = str(parsed["error_description"])
    except ValueError:
        pass
    return redact(text.split(" Trace ID:")[0].strip())
