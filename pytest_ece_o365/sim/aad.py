"""Simulated Entra ID (Azure AD) on HTTPS: OpenID discovery, JWKS, ``/authorize`` and ``/token`` (v2.0).

The ``/authorize`` endpoint has no browser: it signs in the account named by ``login_hint`` (or, when the
tenant models Kerberos SSO and the request has no ``prompt=login``, the SSO account — the private-window
pitfall of checklist item 4) and redirects straight to the redirect URI with ``code`` and ``state``.
"""

from __future__ import annotations

import base64
import binascii
import html
import threading
import uuid
from urllib.parse import urlencode

from pytest_ece_o365.sim.aadsts import AadError, aadsts
from pytest_ece_o365.sim.directory import AppRegistration
from pytest_ece_o365.sim.entra import AuthCode, Issuer
from pytest_ece_o365.sim.https import Request, Response, json_response, served_base
from pytest_ece_o365.sim.tenant import Tenant

__all__ = ["AadApp"]


class AadApp:
    """The login host's routes, for one tenant served at ``login_base``."""

    def __init__(self, tenant: Tenant, login_base: str = "") -> None:
        self.tenant = tenant
        self.issuer = Issuer(tenant, "")
        self.login_base = ""
        self.set_base(login_base)
        self._lock = threading.Lock()  # codes are created and redeemed from different threads

    def set_base(self, login_base: str) -> None:
        """Where the app is served (``https://host:port``); known once the listener is bound."""
        self.login_base = login_base.rstrip("/")
        self.issuer.login_base = self.login_base

    def handle(self, request: Request) -> Response:
        """Route one request."""
        parts = [p for p in request.path.split("/") if p]
        correlation = request.headers.get("client-request-id")
        base = served_base(request, self.login_base)  # the links and error_uri name the host the client asked
        if len(parts) < 2:
            return json_response(404, {"error": "not_found"})
        tenant_name, rest = parts[0], "/".join(parts[1:])
        if rest in ("discovery/v2.0/keys", "discovery/keys"):
            return json_response(200, self.tenant.key.jwks())
        if not self.tenant.knows_tenant(tenant_name):
            error = aadsts(90002, tenant=tenant_name)
            return json_response(error.status, error.body(base, correlation))
        if rest == "v2.0/.well-known/openid-configuration" and request.method == "GET":
            return json_response(200, self.discovery(tenant_name, base))
        if rest == "oauth2/v2.0/token" and request.method == "POST":
            return self.token(request, correlation, tenant_name)
        if rest == "oauth2/v2.0/authorize" and request.method == "GET":
            return self.authorize(request.query, tenant_name)
        return json_response(404, {"error": "not_found", "error_description": f"no route {request.path}"})

    def discovery(self, tenant_name: str = "", served: str = "") -> dict[str, object]:
        """The OpenID configuration document, with the simulator's host and port in every URL. Through
        /common or /organizations its endpoints keep that alias (as Entra's do), so MSAL asks there."""
        alias = tenant_name.lower() if tenant_name.lower() in ("common", "organizations") else ""
        base = f"{served or self.login_base}/{alias or self.tenant.tenant_id}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": self.issuer.oidc_issuer,
            "request_uri_parameter_supported": False,
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "nonce",
                "preferred_username",
                "name",
                "tid",
                "ver",
                "oid",
            ],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": self.tenant.hosts.graph,
        }

    def token(self, request: Request, correlation: str | None, tenant_name: str = "") -> Response:
        """``POST /{tenant}/oauth2/v2.0/token``."""
        form = request.form()
        grant_type = form.get("grant_type", "")
        try:
            if not grant_type:
                raise aadsts(900144, parameter="grant_type")
            if grant_type not in ("refresh_token", "authorization_code", "client_credentials"):
                raise aadsts(70003)
            app = self.issuer.authenticate(form, _basic(request.headers.get("authorization", "")))
            _audience(app, tenant_name)
            # A browser's redemption carries an Origin header; a server's (ECE, this tool) does not: what
            # Entra tells SPA redemptions from Web ones by (AADSTS9002327 / 9002326).
            cross_origin = bool(request.headers.get("origin"))
            with self._lock:
                if grant_type == "refresh_token":
                    payload = self.issuer.refresh_token_grant(app, form, cross_origin=cross_origin)
                elif grant_type == "authorization_code":
                    payload = self.issuer.authorization_code_grant(app, form, cross_origin=cross_origin)
                else:
                    payload = self.issuer.client_credentials_grant(app, form)
        except AadError as error:
            return json_response(error.status, error.body(served_base(request, self.login_base), correlation))
        return json_response(200, payload)

    def authorize(self, query: dict[str, str], tenant_name: str = "") -> Response:
        """``GET /{tenant}/oauth2/v2.0/authorize``: sign in without a browser and redirect with a code."""
        client_id = query.get("client_id", "")
        redirect_uri = query.get("redirect_uri", "")
        try:
            app = self.issuer.client(client_id)
            _audience(app, tenant_name)
            registered = app.web_redirect_uris + app.spa_redirect_uris + app.public_client_redirect_uris
            if redirect_uri not in registered:
                raise aadsts(50011, redirect_uri=redirect_uri, client_id=client_id)
            if query.get("response_type") != "code":
                raise aadsts(700054, response_type=query.get("response_type", ""))
        except AadError as error:
            return _error_page(error)
        account = self._signed_in(query)
        params: dict[str, str] = {}
        try:
            self.issuer.check_user(account, interactive=True)
        except AadError as error:
            params = {
                "error": "access_denied" if error.code == 53003 else error.error,
                "error_description": f"AADSTS{error.code}: {error.message}",
            }
        else:
            code = AuthCode(
                account,
                app.app_id,
                redirect_uri,
                query.get("scope", ""),
                query.get("code_challenge"),
                query.get("code_challenge_method", "plain"),
                query.get("nonce"),
            )
            with self._lock:
                params = {"code": self.issuer.new_code(code)}
        if "state" in query:
            params["state"] = query["state"]
        params["session_state"] = str(uuid.uuid5(uuid.NAMESPACE_URL, account))
        separator = "&" if "?" in redirect_uri else "?"
        return Response(302, b"", {"Location": f"{redirect_uri}{separator}{urlencode(params)}"})

    def _signed_in(self, query: dict[str, str]) -> str:
        sso = self.tenant.sso_account
        if sso and query.get("prompt") not in ("login", "select_account"):
            return sso  # Kerberos SSO signs the workstation's user in silently
        hint = query.get("login_hint", "").strip()
        if hint:
            return hint
        boxes = self.tenant.config_mailboxes
        return boxes[0].token_user if boxes else self.tenant.admin


def _audience(app: AppRegistration, tenant_name: str) -> None:
    """AADSTS50194 for a single-tenant app reached through /common, at authorize and at the token endpoint
    alike (microsoftgraph/msgraph-training-aspnetmvcapp#54: a code redeemed at /common; Microsoft Q&A
    https://learn.microsoft.com/en-us/answers/a/982308: "use a tenant specific endpoint"; checked 2026-12-05).
    Its own tenant's endpoint (id or domain) serves it. /organizations is refused alike here, though the
    message names /common only and no public report shows /organizations (unknown)."""
    if app.single_tenant and tenant_name.lower() in ("common", "organizations"):
        raise aadsts(50194, client_id=app.app_id, name=app.display_name)


def _basic(header: str) -> tuple[str, str] | None:
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def _error_page(error: AadError) -> Response:
    # Entra shows these on its sign-in page rather than redirecting; the text is what users screenshot.
    text = html.escape(f"AADSTS{error.code}: {error.message}")
    body = (
        f"<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body><h1>Sign in</h1>"
        f'<p>Sorry, but we\'re having trouble signing you in.</p><p id="error">{text}</p></body></html>'
    )
    return Response(error.status, body.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})
