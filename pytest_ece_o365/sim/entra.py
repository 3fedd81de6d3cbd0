"""Entra ID's token issuance rules over the tenant model: client authentication, grants, scopes, claims.

Pure logic: :mod:`pytest_ece_o365.sim.aad` puts it on HTTPS. Errors use Entra's JSON shape and wording
(protocol reference, "Entra ID token endpoint").
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from pytest_ece_o365.sim.tenant import AppRegistration, Tenant, now_utc
from pytest_ece_o365.sim.tokens import b64url_json

__all__ = ["AadError", "Issuer"]

_OIDC = {"openid", "profile", "offline_access", "email"}


class AadError(Exception):
    """An AADSTS error: HTTP status, OAuth ``error``, AADSTS code and message."""

    def __init__(self, status: int, error: str, code: int, message: str, **extra: Any) -> None:
        super().__init__(f"AADSTS{code}: {message}")
        self.status, self.error, self.code, self.message, self.extra = status, error, code, message, extra

    def body(self, login_base: str, correlation_id: str | None = None) -> dict[str, Any]:
        """Entra's error JSON, with trace and correlation ids and a timestamp."""
        trace_id = str(uuid.uuid4())
        correlation_id = correlation_id or str(uuid.uuid4())
        stamp = now_utc().strftime("%Y-%m-%d %H:%M:%SZ")
        body: dict[str, Any] = {
            "error": self.error,
            "error_description": f"AADSTS{self.code}: {self.message} Trace ID: {trace_id} "
            f"Correlation ID: {correlation_id} Timestamp: {stamp}",
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": f"{login_base}/error?code={self.code}",
        }
        body.update(self.extra)
        return body


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class AuthCode:
    account: str
    client_id: str
    redirect_uri: str
    scope: str
    challenge: str | None
    method: str
    nonce: str | None
    used: bool = False


class Issuer:
    """Token issuance for one tenant, as served at ``login_base`` (``https://host:port``)."""

    def __init__(self, tenant: Tenant, login_base: str) -> None:
        self.tenant = tenant
        self.login_base = login_base
        self.codes: dict[str, AuthCode] = {}

    @property
    def oidc_issuer(self) -> str:
        return f"{self.login_base}/{self.tenant.tenant_id}/v2.0"

    # -- client authentication -----------------------------------------------------------------
    def client(self, client_id: str) -> AppRegistration:
        app = self.tenant.app(client_id) if client_id else None
        if app is None:
            raise AadError(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{self.tenant.display_name}'. This can happen if the application has not been installed by "
                "the administrator of the tenant or consented to by any user in the tenant. You may have sent "
                "your authentication request to the wrong tenant.",
            )
        return app

    def authenticate(self, form: dict[str, str], basic: tuple[str, str] | None) -> AppRegistration:
        """The calling app, after checking its client secret (body or HTTP Basic)."""
        client_id = form.get("client_id") or (basic[0] if basic else "")
        app = self.client(client_id)
        offered = form.get("client_secret") or (basic[1] if basic else "")
        if not offered:
            raise AadError(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            )
        now = now_utc()
        for cred in app.secrets:
            if hmac.compare_digest(cred.value.encode(), offered.encode()):
                if cred.end <= now:
                    raise AadError(
                        401,
                        "invalid_client",
                        7000222,
                        f"The provided client secret keys for app "
                        f"'{app.app_id}' are expired. Visit the Azure portal to create new keys for "
                        "your app: https://aka.ms/NewClientSecret, or consider using certificate "
                        "credentials for added security: https://aka.ms/certCreds.",
                    )
                return app
        raise AadError(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being "
            "sent in the request is the client secret value, not the client secret ID, for a secret "
            f"added to app '{app.app_id}'.",
        )

    # -- grants ----------------------------------------------------------------------------------
    def refresh_token_grant(self, app: AppRegistration, form: dict[str, str]) -> dict[str, Any]:
        tenant = self.tenant
        with tenant.lock:
            grant = tenant.refresh_tokens.get(form.get("refresh_token", ""))
        if grant is None or grant.client_id.lower() != app.app_id.lower():
            raise AadError(400, "invalid_grant", 70000, "Provided grant is invalid or malformed.")
        if grant.state == "expired":
            raise AadError(
                400,
                "invalid_grant",
                700082,
                "The refresh token has expired due to inactivity. The "
                f"token was issued on {_stamp(grant.issued_at)} and was inactive for 90.00:00:00.",
            )
        if grant.state == "revoked":
            valid_from = grant.issued_at + dt.timedelta(days=7)
            raise AadError(
                400,
                "invalid_grant",
                50173,
                "The provided grant has expired due to it being revoked, "
                "a fresh auth token is needed. The user might have changed or reset their password. "
                f"The grant was issued on '{_stamp(grant.issued_at)}' and the TokensValidFrom date "
                f"(before which tokens are not valid) for this user is '{_stamp(valid_from)}'.",
            )
        self.check_user(grant.account, interactive=False)
        return self._user_tokens(app, grant.account, form.get("scope", ""), nonce=None)

    def authorization_code_grant(self, app: AppRegistration, form: dict[str, str]) -> dict[str, Any]:
        code = self.codes.get(form.get("code", ""))
        if code is None or code.client_id.lower() != app.app_id.lower():
            raise AadError(400, "invalid_grant", 70000, "Provided grant is invalid or malformed.")
        if code.used:
            raise AadError(
                400,
                "invalid_grant",
                54005,
                "OAuth2 Authorization code was already redeemed, please "
                "retry with a new valid code or use an existing refresh token.",
            )
        code.used = True
        if form.get("redirect_uri", "") != code.redirect_uri:
            raise AadError(
                400,
                "invalid_grant",
                500112,
                "The reply address does not match the reply address provided when requesting Authorization code.",
            )
        if code.challenge is not None and not _pkce_ok(form.get("code_verifier", ""), code.challenge, code.method):
            raise AadError(
                400,
                "invalid_grant",
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
            )
        self.check_user(code.account, interactive=True)
        return self._user_tokens(app, code.account, form.get("scope") or code.scope, nonce=code.nonce)

    def client_credentials_grant(self, app: AppRegistration, form: dict[str, str]) -> dict[str, Any]:
        scope = form.get("scope", "").strip()
        resource = scope[: -len("/.default")] if scope.endswith("/.default") else None
        if not resource or " " in scope:
            raise AadError(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {scope} is not valid. "
                "Client credential flows must have a scope value with /.default suffixed to the "
                "resource identifier (application ID URI).",
            )
        audience = self._resource(resource)
        now = now_utc()
        exp = now + dt.timedelta(minutes=60)
        claims = {
            "aud": audience,
            "iss": self.tenant.access_token_issuer,
            "iat": now,
            "nbf": now,
            "exp": exp,
            "app_displayname": app.display_name,
            "appid": app.app_id,
            "appidacr": "1",
            "idp": self.tenant.access_token_issuer,
            "idtyp": "app",
            "oid": app.sp_object_id,
            "roles": list(app.roles),
            "sub": app.sp_object_id,
            "tid": self.tenant.tenant_id,
            "uti": secrets.token_urlsafe(16),
            "ver": "1.0",
        }
        token = self.tenant.key.sign(claims)
        return {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}

    # -- pieces ----------------------------------------------------------------------------------
    def check_user(self, upn: str, *, interactive: bool) -> None:
        account = self.tenant.account(upn)
        if account is None:
            raise AadError(
                400,
                "invalid_grant",
                50034,
                f"The user account {upn} does not exist in the "
                f"{self.tenant.default_domain} directory. To sign into this application, the account "
                "must be added to the directory.",
            )
        if account.sign_in_block == 53003:
            raise AadError(
                400,
                "invalid_grant",
                53003,
                "Access has been blocked by Conditional Access policies. "
                "The access policy does not allow token issuance.",
                suberror="message_only",
            )
        if account.sign_in_block == 50076 and not interactive:
            raise AadError(
                400,
                "invalid_grant",
                50076,
                "Due to a configuration change made by your "
                "administrator, or because you moved to a new location, you must use multi-factor "
                "authentication to access '00000002-0000-0ff1-ce00-000000000000'.",
                suberror="basic_action",
                claims='{"access_token":{"capolids":{"essential":true}}}',
            )

    def _resource(self, resource: str) -> str:
        origin = _origin(resource)
        for known in (self.tenant.outlook_resource, self.tenant.graph_resource):
            if origin == _origin(known):
                return known
        raise AadError(
            400,
            "invalid_resource",
            500011,
            f"The resource principal named {resource} was not found "
            f"in the tenant named {self.tenant.display_name}. This can happen if the application has "
            "not been installed by the administrator of the tenant or consented to by any user in the "
            "tenant. You might have sent your authentication request to the wrong tenant.",
        )

    def _user_tokens(self, app: AppRegistration, upn: str, scope: str, nonce: str | None) -> dict[str, Any]:
        requested = scope.split()
        resources: dict[str, list[str]] = {}
        for item in requested:
            if item in _OIDC:
                continue
            base, _, name = item.rpartition("/")
            # A bare name is a Microsoft Graph scope: the classic mistake that yields a Graph token.
            audience = self._resource(base) if base else self.tenant.graph_resource
            resources.setdefault(audience, []).append(name)
        if len(resources) != 1:
            raise AadError(
                400,
                "invalid_scope",
                28000,
                "Provided value for the input parameter scope is not valid "
                "because it contains more than one resource. Scope " + scope + " is not valid.",
            )
        ((audience, names),) = resources.items()
        consented = [s for s in app.consented_scopes if s != "offline_access"]
        granted = consented if ".default" in names else [n for n in names if n in consented]
        if not granted:
            raise AadError(
                400,
                "invalid_grant",
                65001,
                f"The user or administrator has not consented to use the "
                f"application with ID '{app.app_id}' named '{app.display_name}'. Send an interactive "
                "authorization request for this user and resource.",
                suberror="consent_required",
            )
        account = self.tenant.account(upn)
        assert account is not None
        now = now_utc()
        exp = now + dt.timedelta(minutes=self.tenant.access_token_minutes)
        tid = self.tenant.tenant_id
        access = {
            "aud": audience,
            "iss": self.tenant.access_token_issuer,
            "iat": now,
            "nbf": now,
            "exp": exp,
            "acr": "1",
            "amr": ["pwd"],
            "app_displayname": app.display_name,
            "appid": app.app_id,
            "appidacr": "1",
            "ipaddr": "127.0.0.1",
            "name": account.display_name,
            "oid": account.object_id,
            "scp": " ".join(granted),
            "sid": str(uuid.uuid4()),
            "sub": account.object_id,
            "tid": tid,
            "unique_name": account.upn,
            "upn": account.upn,
            "uti": secrets.token_urlsafe(16),
            "ver": "1.0",
        }
        result: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": " ".join(f"{audience}/{name}" for name in granted),
            "expires_in": self.tenant.access_token_minutes * 60,
            "ext_expires_in": self.tenant.access_token_minutes * 60,
            "access_token": self.tenant.key.sign(access),
        }
        if "offline_access" in requested:
            result["refresh_token"] = self.tenant.issue_refresh_token(upn, app.app_id, tuple(granted), now)
        if "openid" in requested:
            id_claims = {
                "aud": app.app_id,
                "iss": self.oidc_issuer,
                "iat": now,
                "nbf": now,
                "exp": exp,
                "name": account.display_name,
                "oid": account.object_id,
                "preferred_username": account.upn,
                "sub": account.object_id,
                "tid": tid,
                "ver": "2.0",
            }
            if nonce:
                id_claims["nonce"] = nonce
            result["id_token"] = self.tenant.key.sign(id_claims)
        result["client_info"] = b64url_json({"uid": account.object_id, "utid": tid})
        return result

    def new_code(self, code: AuthCode) -> str:
        value = "1.A" + secrets.token_urlsafe(48)
        self.codes[value] = code
        return value


def _pkce_ok(verifier: str, challenge: str, method: str) -> bool:
    if method.upper() == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    else:
        expected = verifier
    return bool(verifier) and hmac.compare_digest(expected, challenge)


def _origin(url: str) -> str:
    scheme, _, rest = url.lower().partition("://")
    host = rest.split("/", 1)[0]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return f"{scheme}://{host}"
