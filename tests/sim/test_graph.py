"""The simulated Microsoft Graph, read with requests and an app-only token from the simulated Entra ID."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from simclients import IMAP_SMTP, WebSim, example_config, web_sim

from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.sim.tenant import SCOPE_IDS

ECE_APP = "11111111-2222-3333-4444-555555555555"
GRAPH_APP = "00000003-0000-0000-c000-000000000000"


@pytest.fixture
def cfg() -> DeploymentConfig:
    return example_config()


@pytest.fixture
def healthy(cfg: DeploymentConfig) -> Iterator[WebSim]:
    with web_sim(cfg) as sim:
        yield sim


def application(sim: WebSim) -> dict[str, object]:
    response = sim.graph_get(f"applications?$filter=appId eq '{ECE_APP}'")
    assert response.status_code == 200, response.text
    value = response.json()["value"]
    assert len(value) == 1
    return dict(value[0])


def test_registration_is_a_web_app_with_the_redirect_uri_and_permissions(
    healthy: WebSim, cfg: DeploymentConfig
) -> None:
    app = application(healthy)
    assert app["appId"] == ECE_APP
    assert app["web"]["redirectUris"] == [cfg.azure_ad.redirect_uri]  # type: ignore[index]
    assert app["spa"]["redirectUris"] == []  # type: ignore[index]
    (access,) = app["requiredResourceAccess"]  # type: ignore[misc]
    assert access["resourceAppId"] == GRAPH_APP
    assert {a["id"] for a in access["resourceAccess"]} == set(SCOPE_IDS.values())
    (secret,) = app["passwordCredentials"]  # type: ignore[misc]
    assert secret["secretText"] is None  # Graph never returns secret values
    end = dt.datetime.fromisoformat(secret["endDateTime"].replace("Z", "+00:00"))
    assert end > dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=300)


def test_redirect_uri_not_registered(cfg: DeploymentConfig) -> None:
    with web_sim(cfg, "redirect-uri-not-registered") as sim:
        uris = application(sim)["web"]["redirectUris"]  # type: ignore[index]
        assert cfg.azure_ad.redirect_uri not in uris
        assert len(uris) == 1


def test_client_secret_expiring_in_ten_days(cfg: DeploymentConfig) -> None:
    with web_sim(cfg, "client-secret-expiring") as sim:
        (secret,) = application(sim)["passwordCredentials"]  # type: ignore[misc]
        end = dt.datetime.fromisoformat(secret["endDateTime"].replace("Z", "+00:00"))
        left = end - dt.datetime.now(dt.timezone.utc)
        assert dt.timedelta(days=9) < left <= dt.timedelta(days=10)


def test_client_secret_expired_shows_a_past_end_date(cfg: DeploymentConfig) -> None:
    with web_sim(cfg, "client-secret-expired") as sim:
        (secret,) = application(sim)["passwordCredentials"]  # type: ignore[misc]
        end = dt.datetime.fromisoformat(secret["endDateTime"].replace("Z", "+00:00"))
        assert end < dt.datetime.now(dt.timezone.utc)


def grants(sim: WebSim) -> list[dict[str, object]]:
    token = sim.graph_token()
    sps = sim.graph_get(f"servicePrincipals?$filter=appId eq '{ECE_APP}'", token).json()["value"]
    assert len(sps) == 1
    response = sim.graph_get(f"oauth2PermissionGrants?$filter=clientId eq '{sps[0]['id']}'", token)
    assert response.status_code == 200, response.text
    return list(response.json()["value"])


def test_admin_consent_grant_lists_the_delegated_scopes(healthy: WebSim) -> None:
    (grant,) = grants(healthy)
    assert grant["consentType"] == "AllPrincipals"
    assert set(str(grant["scope"]).split()) == set(SCOPE_IDS)


def test_consent_missing_has_no_grant(cfg: DeploymentConfig) -> None:
    with web_sim(cfg, "consent-missing") as sim:
        assert grants(sim) == []


def test_permission_scopes_of_microsoft_graph_resolve_by_name(healthy: WebSim) -> None:
    response = healthy.graph_get(f"servicePrincipals(appId='{GRAPH_APP}')?$select=oauth2PermissionScopes")
    scopes = {s["value"]: s["id"] for s in response.json()["oauth2PermissionScopes"]}
    assert scopes == SCOPE_IDS


def plan_names(sim: WebSim, upn: str) -> list[str]:
    response = sim.graph_get(f"users/{upn}/licenseDetails")
    assert response.status_code == 200, response.text
    return [p["servicePlanName"] for sku in response.json()["value"] for p in sku["servicePlans"]]


def test_mailboxes_are_licensed_with_exchange_plan_2(healthy: WebSim) -> None:
    for upn in ("support@example.com", "sales@example.com", "ece-mail@example.com"):
        assert "EXCHANGE_S_ENTERPRISE" in plan_names(healthy, upn)
    plans = healthy.graph_get("users/support@example.com?$select=assignedPlans").json()["assignedPlans"]
    assert "efb87545-963c-4e0d-99df-69c6916d9eb0" in {p["servicePlanId"] for p in plans}


def test_no_license(cfg: DeploymentConfig) -> None:
    with web_sim(cfg, "no-license") as sim:
        assert plan_names(sim, "support@example.com") == []
        assert sim.graph_get("users/support@example.com?$select=assignedPlans").json()["assignedPlans"] == []


def test_app_not_found_is_an_empty_collection(cfg: DeploymentConfig) -> None:
    with web_sim(cfg, "app-not-found") as sim:
        response = sim.graph_get(f"applications?$filter=appId eq '{ECE_APP}'")
        assert response.status_code == 200
        assert response.json()["value"] == []


def test_unknown_user_is_404_in_graphs_error_shape(healthy: WebSim) -> None:
    response = healthy.graph_get("users/nobody@example.com/licenseDetails")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "Request_ResourceNotFound"
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}


def test_graph_refuses_missing_and_outlook_tokens(healthy: WebSim) -> None:
    assert healthy.session.get(f"{healthy.graph}/v1.0/applications", timeout=10).status_code == 401
    outlook = healthy.msal_app().acquire_token_by_refresh_token(
        healthy.tenant.run_secrets["mailboxes[0].refresh_token"], IMAP_SMTP
    )["access_token"]
    response = healthy.graph_get(f"applications?$filter=appId eq '{ECE_APP}'", outlook)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_app_without_directory_roles_gets_403(healthy: WebSim) -> None:
    app = healthy.msal_app()
    token = app.acquire_token_for_client(["https://graph.microsoft.com/.default"])["access_token"]
    response = healthy.graph_get(f"applications?$filter=appId eq '{ECE_APP}'", token)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "Authorization_RequestDenied"
