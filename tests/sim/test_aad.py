"""The simulated Entra ID, driven by MSAL and requests (independent clients), on HTTPS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import msal
import pytest
from simclients import IMAP_SMTP, OUTLOOK, WebSim, example_config, web_sim

from pytest_ece_o365.config.deployment import DeploymentConfig

# MSAL recommends form_post; ECE's redirect (and the simulator's) use the query string.
pytestmark = pytest.mark.filterwarnings("ignore:response_mode:UserWarning")

RT0 = "mailboxes[0].refresh_token"
RT1 = "mailboxes[1].refresh_token"


@pytest.fixture(scope="module")
def cfg() -> DeploymentConfig:
    return example_config()


@pytest.fixture
def healthy(cfg: DeploymentConfig) -> Iterator[WebSim]:
    with web_sim(cfg) as sim:
        yield sim


def verified_claims(sim: WebSim, token: str, audience: str) -> dict[str, Any]:
    """Decode with pyjwt against the JWKS the simulator publishes (fetched over HTTPS)."""
    jwks = sim.session.get(f"{sim.login}/{sim.tenant.default_domain}/discovery/v2.0/keys", timeout=10).json()
    key = jwt.PyJWKSet.from_dict(jwks).keys[0]
    assert jwt.get_unverified_header(token)["kid"] == key.key_id
    return dict(jwt.decode(token, key.key, algorithms=["RS256"], audience=audience))


def refresh(sim: WebSim, key: str = RT0, scopes: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
    app = sim.msal_app(**kwargs)
    result = app.acquire_token_by_refresh_token(sim.tenant.run_secrets[key], scopes or IMAP_SMTP)
    return dict(result)


def test_refresh_token_redeems_for_an_outlook_token_with_real_claims(healthy: WebSim) -> None:
    result = refresh(healthy)
    assert result["token_type"] == "Bearer"
    claims = verified_claims(healthy, result["access_token"], OUTLOOK)
    tenant = healthy.tenant
    assert claims["upn"] == claims["unique_name"] == "support@example.com"
    assert claims["scp"].split() == ["IMAP.AccessAsUser.All", "SMTP.Send"]
    assert claims["tid"] == tenant.tenant_id
    assert claims["oid"] == tenant.accounts["support@example.com"].object_id
    assert claims["appid"] == "11111111-2222-3333-4444-555555555555"
    assert claims["iss"] == f"https://sts.windows.net/{tenant.tenant_id}/"
    assert claims["exp"] - claims["iat"] == 75 * 60
    assert claims["nbf"] <= claims["iat"]
    assert result["id_token_claims"]["preferred_username"] == "support@example.com"
    assert result["refresh_token"] != tenant.run_secrets[RT0]  # a new one on each use


def test_shared_mailbox_token_belongs_to_the_token_account(healthy: WebSim) -> None:
    result = refresh(healthy, RT1, [f"{OUTLOOK}/POP.AccessAsUser.All", f"{OUTLOOK}/SMTP.Send"])
    claims = verified_claims(healthy, result["access_token"], OUTLOOK)
    assert claims["upn"] == "ece-mail@example.com"
    assert claims["scp"].split() == ["POP.AccessAsUser.All", "SMTP.Send"]


def test_discovery_names_the_simulated_host_and_port(healthy: WebSim) -> None:
    doc = healthy.session.get(
        f"{healthy.login}/{healthy.tenant.default_domain}/v2.0/.well-known/openid-configuration", timeout=10
    ).json()
    tid = healthy.tenant.tenant_id
    assert doc["issuer"] == f"{healthy.login}/{tid}/v2.0"
    assert doc["token_endpoint"] == f"{healthy.login}/{tid}/oauth2/v2.0/token"
    assert doc["authorization_endpoint"] == f"{healthy.login}/{tid}/oauth2/v2.0/authorize"
    assert doc["jwks_uri"].startswith(healthy.login)


def test_tenant_is_accepted_by_guid(healthy: WebSim) -> None:
    app = msal.ConfidentialClientApplication(
        healthy.tenant.ece_client_id,
        client_credential=healthy.tenant.run_secrets["azure_ad.client_secret"],
        authority=f"{healthy.login}/{healthy.tenant.tenant_id}",
        instance_discovery=False,
        validate_authority=False,
        http_client=healthy.session,
    )
    result = app.acquire_token_by_refresh_token(healthy.tenant.run_secrets[RT0], IMAP_SMTP)
    assert "access_token" in result, result


def test_unknown_tenant_is_aadsts90002(healthy: WebSim) -> None:
    url = f"{healthy.login}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"
    response = healthy.session.get(url, timeout=10)
    assert response.status_code == 400
    assert response.json()["error_codes"] == [90002]
    with pytest.raises(ValueError):
        msal.ConfidentialClientApplication(
            "x",
            client_credential="y",
            authority=f"{healthy.login}/contoso.onmicrosoft.com",
            instance_discovery=False,
            validate_authority=False,
            http_client=healthy.session,
        )


@pytest.mark.parametrize(
    ("scenario", "key", "error", "code", "status"),
    [
        ("refresh-token-expired", RT0, "invalid_grant", 700082, 400),
        ("refresh-token-revoked", RT0, "invalid_grant", 50173, 400),
        ("client-secret-expired", RT0, "invalid_client", 7000222, 401),
        ("client-secret-wrong", RT0, "invalid_client", 7000215, 401),
        ("app-not-found", RT0, "unauthorized_client", 700016, 400),
        ("consent-missing", RT0, "invalid_grant", 65001, 400),
        ("mfa-required", RT0, "invalid_grant", 50076, 400),
        ("conditional-access-blocked", RT1, "invalid_grant", 53003, 400),
    ],
)
def test_fault_scenarios_answer_with_their_aadsts_code(
    cfg: DeploymentConfig, scenario: str, key: str, error: str, code: int, status: int
) -> None:
    with web_sim(cfg, scenario) as sim:
        result = refresh(sim, key)
        assert result["error"] == error
        assert result["error_codes"] == [code]
        assert result["error_description"].startswith(f"AADSTS{code}: ")
        assert "Trace ID: " in result["error_description"]
        assert result["correlation_id"] and result["trace_id"]
        # The HTTP status, seen without MSAL in between.
        form = {
            "grant_type": "refresh_token",
            "client_id": sim.tenant.ece_client_id,
            "client_secret": sim.tenant.run_secrets["azure_ad.client_secret"],
            "refresh_token": sim.tenant.run_secrets[key],
            "scope": " ".join([*IMAP_SMTP, "offline_access"]),
        }
        raw = sim.session.post(f"{sim.login}/{sim.tenant.default_domain}/oauth2/v2.0/token", data=form, timeout=10)
        assert raw.status_code == status
        body = raw.json()
        assert body["error_uri"].endswith(f"error?code={code}")
        # Errors never echo what was sent: the secret or the refresh token.
        assert form["client_secret"] not in raw.text and form["refresh_token"] not in raw.text
        assert set(body) >= {"error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id"}


def test_client_secret_wrong_hands_the_run_the_secret_id(cfg: DeploymentConfig) -> None:
    with web_sim(cfg, "client-secret-wrong") as sim:
        app = sim.tenant.app(sim.tenant.ece_client_id)
        assert app is not None
        assert sim.tenant.run_secrets["azure_ad.client_secret"] == app.secrets[0].key_id


def test_wrong_token_user_token_is_the_admins(cfg: DeploymentConfig) -> None:
    with web_sim(cfg, "wrong-token-user") as sim:
        claims = verified_claims(sim, refresh(sim)["access_token"], OUTLOOK)
        assert claims["upn"] == "admin@example.com"


def test_missing_imap_scope_refresh_asking_for_it_is_aadsts70000_scope_wording(cfg: DeploymentConfig) -> None:
    # Entra judges a refresh's scopes against the consent: one scope outside it refuses the whole request
    # (Azure-Samples/ms-identity-java-webapi#16), it does not narrow the token quietly.
    with web_sim(cfg, "missing-imap-scope") as sim:
        result = refresh(sim)
        assert result["error"] == "invalid_grant" and result["error_codes"] == [70000]
        assert result["error_description"].startswith(
            "AADSTS70000: The request was denied because one or more scopes requested are unauthorized or expired. "
            "The user must first sign in and grant the client application access to the requested scope."
        )
        # What the grant does cover still redeems, for exactly that.
        smtp_only = refresh(sim, scopes=[f"{OUTLOOK}/SMTP.Send"])
        assert verified_claims(sim, smtp_only["access_token"], OUTLOOK)["scp"] == "SMTP.Send"


def test_an_unusable_refresh_token_is_aadsts70000_grant_wording(healthy: WebSim) -> None:
    app = healthy.msal_app()
    result = app.acquire_token_by_refresh_token("0.not-a-refresh-token", IMAP_SMTP)
    assert result["error_codes"] == [70000]
    assert (
        "The provided value for the input parameter 'refresh_token' or 'assertion' is not valid."
        in (result["error_description"])
    )


def test_short_token_lifetime_is_30_minutes(cfg: DeploymentConfig) -> None:
    with web_sim(cfg, "short-token-lifetime") as sim:
        claims = verified_claims(sim, refresh(sim)["access_token"], OUTLOOK)
        assert claims["exp"] - claims["iat"] == 30 * 60


def authorize(sim: WebSim, flow: dict[str, Any]) -> dict[str, str]:
    response = sim.session.get(flow["auth_uri"], allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == flow["redirect_uri"]
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def test_auth_code_flow_signs_in_the_hinted_account(healthy: WebSim, cfg: DeploymentConfig) -> None:
    app = healthy.msal_app()
    flow = app.initiate_auth_code_flow(
        IMAP_SMTP, redirect_uri=cfg.azure_ad.redirect_uri, login_hint="support@example.com", prompt="login"
    )
    reply = authorize(healthy, flow)
    assert reply["state"] == flow["state"]
    result = app.acquire_token_by_auth_code_flow(flow, reply)
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == "support@example.com"
    # The new refresh token works like the ones ECE stores.
    again = app.acquire_token_by_refresh_token(result["refresh_token"], IMAP_SMTP)
    assert "access_token" in again, again


def test_auth_code_is_single_use_and_pkce_checked(healthy: WebSim, cfg: DeploymentConfig) -> None:
    app = healthy.msal_app()
    flow = app.initiate_auth_code_flow(
        IMAP_SMTP, redirect_uri=cfg.azure_ad.redirect_uri, login_hint="support@example.com"
    )
    reply = authorize(healthy, flow)
    token_url = f"{healthy.login}/{healthy.tenant.tenant_id}/oauth2/v2.0/token"
    form = {
        "grant_type": "authorization_code",
        "client_id": healthy.tenant.ece_client_id,
        "client_secret": healthy.tenant.run_secrets["azure_ad.client_secret"],
        "code": reply["code"],
        "redirect_uri": cfg.azure_ad.redirect_uri,
        "code_verifier": "not-the-verifier",
        "scope": " ".join(IMAP_SMTP),
    }
    bad = healthy.session.post(token_url, data=form, timeout=10).json()
    assert bad["error_codes"] == [501481]
    reused = healthy.session.post(token_url, data={**form, "code_verifier": flow["code_verifier"]}, timeout=10)
    assert reused.json()["error_codes"] == [54005]


def test_unregistered_redirect_uri_is_aadsts50011(cfg: DeploymentConfig) -> None:
    with web_sim(cfg, "redirect-uri-not-registered") as sim:
        flow = sim.msal_app().initiate_auth_code_flow(IMAP_SMTP, redirect_uri=cfg.azure_ad.redirect_uri)
        response = sim.session.get(flow["auth_uri"], allow_redirects=False, timeout=10)
        assert response.status_code == 400
        assert "AADSTS50011" in response.text
        assert cfg.azure_ad.redirect_uri in response.text


def test_sso_signs_in_the_workstation_user_unless_prompted(cfg: DeploymentConfig) -> None:
    with web_sim(cfg, "wrong-token-user") as sim:
        app = sim.msal_app()
        for prompt, expected in ((None, "admin@example.com"), ("login", "support@example.com")):
            flow = app.initiate_auth_code_flow(
                IMAP_SMTP, redirect_uri=cfg.azure_ad.redirect_uri, login_hint="support@example.com", prompt=prompt
            )
            result = app.acquire_token_by_auth_code_flow(flow, authorize(sim, flow))
            assert result["id_token_claims"]["preferred_username"] == expected


def test_client_credentials_needs_a_default_scope(healthy: WebSim) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": healthy.tenant.graph_client_id,
        "client_secret": healthy.tenant.run_secrets["graph.client_secret"],
        "scope": "https://graph.microsoft.com/User.Read",
    }
    response = healthy.session.post(
        f"{healthy.login}/{healthy.tenant.tenant_id}/oauth2/v2.0/token", data=form, timeout=10
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert response.json()["error_codes"] == [1002012]


def test_graph_token_has_the_readers_roles(healthy: WebSim) -> None:
    claims = verified_claims(healthy, healthy.graph_token(), "https://graph.microsoft.com")
    assert sorted(claims["roles"]) == ["Application.Read.All", "Directory.Read.All"]
    assert claims["appid"] == healthy.tenant.graph_client_id


# --- SPA redirect URIs: AADSTS9002327 / 9002326 / 700084 -------------------------------------------


def _spa(sim: WebSim) -> None:
    app = sim.tenant.app(sim.tenant.ece_client_id)
    assert app is not None
    app.spa_redirect_uris, app.web_redirect_uris = list(app.web_redirect_uris), []


def _code_form(sim: WebSim, cfg: DeploymentConfig) -> dict[str, str]:
    """A code for support@ at ECE's redirect URI, and the token request a server would send for it."""
    query = {
        "client_id": sim.tenant.ece_client_id, "redirect_uri": cfg.azure_ad.redirect_uri, "response_type": "code",
        "scope": " ".join([*IMAP_SMTP, "offline_access"]), "login_hint": "support@example.com", "prompt": "login",
    }  # fmt: skip
    reply = sim.session.get(
        f"{sim.login}/{sim.tenant.default_domain}/oauth2/v2.0/authorize",
        params=query,
        allow_redirects=False,
        timeout=10,
    )
    code = parse_qs(urlsplit(reply.headers["Location"]).query)["code"][0]
    return {
        "grant_type": "authorization_code", "code": code, "redirect_uri": cfg.azure_ad.redirect_uri,
        "client_id": sim.tenant.ece_client_id, "client_secret": sim.tenant.run_secrets["azure_ad.client_secret"],
        "scope": query["scope"],
    }  # fmt: skip


def _post(sim: WebSim, form: dict[str, str], origin: str | None = None) -> Any:
    headers = {"Origin": origin} if origin else {}
    url = f"{sim.login}/{sim.tenant.default_domain}/oauth2/v2.0/token"
    return sim.session.post(url, data=form, headers=headers, timeout=10)


def test_spa_redirect_code_redeemed_server_side_is_aadsts9002327(healthy: WebSim, cfg: DeploymentConfig) -> None:
    _spa(healthy)
    raw = _post(healthy, _code_form(healthy, cfg))
    assert raw.status_code == 400
    body = raw.json()
    assert body["error"] == "invalid_request" and body["error_codes"] == [9002327]
    assert body["error_description"].startswith(
        "AADSTS9002327: Tokens issued for the 'Single-Page Application' client-type may only be redeemed via "
        "cross-origin requests."
    )


def test_web_redirect_code_redeemed_cross_origin_is_aadsts9002326(healthy: WebSim, cfg: DeploymentConfig) -> None:
    raw = _post(healthy, _code_form(healthy, cfg), origin="https://ece.example.com")
    assert raw.json()["error_codes"] == [9002326]
    assert (
        "Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type."
        in (raw.json()["error_description"])
    )


def test_spa_refresh_token_works_in_a_browser_for_24_hours_only(healthy: WebSim, cfg: DeploymentConfig) -> None:
    _spa(healthy)
    issued = _post(healthy, _code_form(healthy, cfg), origin="https://ece.example.com").json()
    grant = healthy.tenant.refresh_tokens[issued["refresh_token"]]
    assert grant.spa
    form = {
        "grant_type": "refresh_token", "refresh_token": issued["refresh_token"], "scope": " ".join(IMAP_SMTP),
        "client_id": healthy.tenant.ece_client_id, "client_secret": healthy.tenant.run_secrets["azure_ad.client_secret"],
    }  # fmt: skip
    assert "access_token" in _post(healthy, form, origin="https://ece.example.com").json()
    assert _post(healthy, form).json()["error_codes"] == [9002327]  # a server (ECE) may not redeem it
    grant.issued_at -= dt.timedelta(hours=25)
    body = _post(healthy, form, origin="https://ece.example.com").json()
    assert body["error"] == "invalid_grant" and body["error_codes"] == [700084]
    assert body["error_description"].startswith(
        "AADSTS700084: The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited "
        "lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent "
        "by the SPA to the sign in page. The token was issued on "
    )


def test_redirect_uri_spa_scenario_tokens_fail_as_ece_would(cfg: DeploymentConfig) -> None:
    with web_sim(cfg, "redirect-uri-spa") as sim:
        assert refresh(sim)["error_codes"] == [700084]  # the first mailbox's: two days old
        pop_smtp = [f"{OUTLOOK}/POP.AccessAsUser.All", f"{OUTLOOK}/SMTP.Send"]
        assert refresh(sim, RT1, pop_smtp)["error_codes"] == [9002327]  # fresh, but redeemed by a server
