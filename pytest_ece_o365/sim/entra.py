"""Entra ID's token issuance rules over the tenant model: client authentication, grants, scopes, claims.

Pure logic: :mod:`pytest_ece_o365.sim.aad` puts it on HTTPS; the errors and their wording are the table
in :mod:`pytest_ece_o365.sim.aadsts`.
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

from pytest_ece_o365.sim.aadsts import AadError, aadsts
from pytest_ece_o365.sim.directory import AppRegistration, now_utc, object_id
from pytest_ece_o365.sim.tenant import Tenant
from pytest_ece_o365.sim.tokens import b64url_json

__all__ = ["AadError", "AuthCode", "Issuer"]

_OIDC = {"openid", "profile", "offline_access", "email"}
#: Refresh tokens issued to an SPA redirect URI live 24 hours, fixed (Microsoft's refresh-tokens page).
SPA_REFRESH_LIFETIME = dt.timedelta(hours=24)


#: Blocks an interactive sign-in satisfies: MFA (50076), an external security challenge (50158).
_MET_INTERACTIVELY: frozenset[int] = frozenset({50076, 50158})


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class AuthCode:
    """What an authorization code stands for, until it is redeemed (once)."""

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
        """``issuer`` of the discovery document and ``iss`` of ID tokens."""
        return f"{self.login_base}/{self.tenant.tenant_id}/v2.0"

    # -- client authentication -----------------------------------------------------------------
    def client(self, client_id: str) -> AppRegistration:
        """The app registration ``client_id`` names, or AADSTS700016."""
        app = self.tenant.app(client_id) if client_id else None
        if app is None:
            raise aadsts(700016, client_id=client_id, tenant=self.tenant.display_name)
        return app

    def authenticate(self, form: dict[str, str], basic: tuple[str, str] | None) -> AppRegistration:
        """The calling app, after checking its client secret (body or HTTP Basic)."""
        client_id = form.get("client_id") or (basic[0] if basic else "")
        app = self.client(client_id)
        offered = form.get("client_secret") or (basic[1] if basic else "")
        if not offered:
            raise aadsts(7000218)
        for cred in app.secrets:
            if hmac.compare_digest(cred.value.encode(), offered.encode()):
                if cred.end <= now_utc():
                    raise aadsts(7000222, client_id=app.app_id)
                return app
        raise aadsts(7000215, client_id=app.app_id)

    # -- grants ----------------------------------------------------------------------------------
    def refresh_token_grant(
        self, app: AppRegistration, form: dict[str, str], *, cross_origin: bool = False
    ) -> dict[str, Any]:
        """``grant_type=refresh_token``; ``cross_origin``: the request carries an ``Origin`` header (a browser)."""
        with self.tenant.lock:
            grant = self.tenant.refresh_tokens.get(form.get("refresh_token", ""))
        if grant is None or grant.client_id.lower() != app.app_id.lower():
            raise aadsts(70000)
        if grant.state == "expired":
            raise aadsts(700082, issued=_stamp(grant.issued_at))
        if grant.state == "revoked":
            valid_from = grant.issued_at + dt.timedelta(days=7)
            raise aadsts(50173, issued=_stamp(grant.issued_at), valid_from=_stamp(valid_from))
        if grant.spa:
            self._check_spa_grant(grant.issued_at, cross_origin)
        self.check_user(grant.account, interactive=False, app=app, scope=form.get("scope", ""))
        # The response carries a new refresh token; the used one stays valid, as with Entra (no rotation
        # revocation), so a run may redeem the same token several times.
        return self._user_tokens(app, grant.account, form.get("scope", ""), nonce=None, refresh=True)

    def authorization_code_grant(
        self, app: AppRegistration, form: dict[str, str], *, cross_origin: bool = False
    ) -> dict[str, Any]:
        """``grant_type=authorization_code``, with the PKCE check and the redirect URI's platform."""
        code = self.codes.get(form.get("code", ""))
        if code is None or code.client_id.lower() != app.app_id.lower():
            raise aadsts(70000, "code")
        if code.used:
            raise aadsts(54005)
        code.used = True
        if form.get("redirect_uri", "") != code.redirect_uri:
            raise aadsts(500112)
        spa = code.redirect_uri in app.spa_redirect_uris
        if spa and not cross_origin:
            # What a server such as ECE meets when the redirect URI is registered as SPA, not Web.
            raise aadsts(9002327)
        if cross_origin and not spa:
            raise aadsts(9002326)
        if code.challenge is not None and not _pkce_ok(form.get("code_verifier", ""), code.challenge, code.method):
            raise aadsts(501481)
        self.check_user(code.account, interactive=True, app=app, scope=form.get("scope") or code.scope)
        tokens = self._user_tokens(app, code.account, form.get("scope") or code.scope, nonce=code.nonce)
        if spa and "refresh_token" in tokens:
            with self.tenant.lock:
                self.tenant.refresh_tokens[tokens["refresh_token"]].spa = True
        return tokens

    def client_credentials_grant(self, app: AppRegistration, form: dict[str, str]) -> dict[str, Any]:
        """``grant_type=client_credentials``: an app-only token with the app's roles."""
        scope = form.get("scope", "").strip()
        resource = scope[: -len("/.default")] if scope.endswith("/.default") else None
        if not resource or " " in scope:
            raise aadsts(1002012, scope=scope)
        audience = self._resource(resource)
        now = now_utc()
        issuer = self.tenant.access_token_issuer
        claims = {
            "aud": audience, "iss": issuer, "iat": now, "nbf": now, "exp": now + dt.timedelta(minutes=60),
            "app_displayname": app.display_name, "appid": app.app_id, "appidacr": "1", "idp": issuer,
            "idtyp": "app", "oid": app.sp_object_id, "roles": list(app.roles), "sub": app.sp_object_id,
            "tid": self.tenant.tenant_id, "uti": secrets.token_urlsafe(16), "ver": "1.0",
        }  # fmt: skip
        token = self.tenant.key.sign(claims)
        return {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}

    # -- pieces ----------------------------------------------------------------------------------
    def check_user(self, upn: str, *, interactive: bool, app: AppRegistration | None = None, scope: str = "") -> None:
        """Raise what Entra says when ``upn`` may not get a token now (MFA, and an external MFA challenge, are
        met by an interactive sign-in; every other block refuses both)."""
        account = self.tenant.account(upn)
        if account is None:
            raise aadsts(50034, upn=upn, domain=self.tenant.default_domain)
        code = account.sign_in_block
        if code is None or (interactive and code in _MET_INTERACTIVELY):
            return
        values = {
            "upn": upn, "client_id": app.app_id if app else self.tenant.ece_client_id,
            "name": app.display_name if app else "", "tenant": self.tenant.display_name,
            "domain": self.tenant.default_domain, "resource": self.tenant.outlook_resource, "scope": scope,
            "other_tenant": object_id(f"tenant:other:{self.tenant.tenant_id}"),
        }  # fmt: skip
        raise aadsts(code, **values)

    @staticmethod
    def _check_spa_grant(issued_at: dt.datetime, cross_origin: bool) -> None:
        """A refresh token issued to an SPA redirect URI: 24 hours, fixed, and redeemable by a browser only.

        Entra's order of the two checks is not documented; an expired token is refused whoever sends it.
        """
        if now_utc() - issued_at > SPA_REFRESH_LIFETIME:
            raise aadsts(700084, issued=_stamp(issued_at))
        if not cross_origin:
            raise aadsts(9002327)

    def _resource(self, resource: str) -> str:
        origin = _origin(resource)
        for known in (self.tenant.outlook_resource, self.tenant.graph_resource):
            if origin == _origin(known):
                return known
        raise aadsts(500011, resource=resource, tenant=self.tenant.display_name)

    def _user_tokens(
        self, app: AppRegistration, upn: str, scope: str, nonce: str | None, *, refresh: bool = False
    ) -> dict[str, Any]:
        requested = scope.split()
        audience, names = self._one_resource(scope)
        granted = self._granted(app, upn, names, refresh=refresh)
        account = self.tenant.account(upn)
        assert account is not None
        now = now_utc()
        exp = now + dt.timedelta(minutes=self.tenant.access_token_minutes)
        tid = self.tenant.tenant_id
        access = {
            "aud": audience, "iss": self.tenant.access_token_issuer, "iat": now, "nbf": now, "exp": exp,
            "acr": "1", "amr": ["pwd"], "app_displayname": app.display_name, "appid": app.app_id,
            "appidacr": "1", "ipaddr": "127.0.0.1", "name": account.display_name, "oid": account.object_id,
            "scp": " ".join(granted), "sid": str(uuid.uuid4()), "sub": account.object_id, "tid": tid,
            "unique_name": account.upn, "upn": account.upn, "uti": secrets.token_urlsafe(16), "ver": "1.0",
        }  # fmt: skip
        lifetime = self.tenant.access_token_minutes * 60
        result: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": " ".join(f"{audience}/{name}" for name in granted),
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": self.tenant.key.sign(access),
        }
        if "offline_access" in requested:
            result["refresh_token"] = self.tenant.issue_refresh_token(upn, app.app_id, tuple(granted), now)
        if "openid" in requested:
            id_claims = {
                "aud": app.app_id, "iss": self.oidc_issuer, "iat": now, "nbf": now, "exp": exp,
                "name": account.display_name, "oid": account.object_id, "preferred_username": account.upn,
                "sub": account.object_id, "tid": tid, "ver": "2.0",
            }  # fmt: skip
            if nonce:
                id_claims["nonce"] = nonce
            result["id_token"] = self.tenant.key.sign(id_claims)
        result["client_info"] = b64url_json({"uid": account.object_id, "utid": tid})
        return result

    def _one_resource(self, scope: str) -> tuple[str, list[str]]:
        """The one resource ``scope`` names and its scope names (OIDC scopes aside), or AADSTS28000."""
        resources: dict[str, list[str]] = {}
        for item in scope.split():
            if item in _OIDC:
                continue
            base, _, name = item.rpartition("/")
            # A bare name is a Microsoft Graph scope: the classic mistake that yields a Graph token.
            audience = self._resource(base) if base else self.tenant.graph_resource
            resources.setdefault(audience, []).append(name)
        if len(resources) != 1:
            raise aadsts(28000, scope=scope)
        ((audience, names),) = resources.items()
        return audience, names

    def _granted(self, app: AppRegistration, upn: str, names: list[str], *, refresh: bool) -> list[str]:
        """The scopes the token carries: those requested that an admin or the user consented to.

        Nothing consented is AADSTS65001. A refresh asking for a scope outside the consent is refused whole
        with AADSTS70000's scope wording (Azure-Samples/ms-identity-java-webapi#16; the refresh token is bound
        to user and app, its scopes are judged against the consent at each redemption: Microsoft's
        refresh-tokens page). A code redemption gets what the sign-in consented to: the requested scopes
        that are consented (the sign-in page would have asked for the others).
        """
        consented = [s for s in app.consented_scopes if s != "offline_access"]
        consented += [s for s in app.user_consents.get(upn.lower(), []) if s not in consented and s != "offline_access"]
        if ".default" in names:
            granted = consented
        else:
            granted = [n for n in names if n.lower() in {c.lower() for c in consented}]
        if not granted:
            raise aadsts(65001, client_id=app.app_id, name=app.display_name)
        if refresh and ".default" not in names and len(granted) < len(names):
            raise aadsts(70000, "scope")
        return granted

    def new_code(self, code: AuthCode) -> str:
        """Remember ``code`` and return its value."""
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
    """``scheme://host`` without port: resource ids match although the simulator's URLs carry ports."""
    scheme, _, rest = url.lower().partition("://")
    host = rest.split("/", 1)[0]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return f"{scheme}://{host}"
