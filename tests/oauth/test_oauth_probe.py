"""The token probe against the simulated tenant and local fault servers: what it observes, that it never
raises, that it ends within the timeout, and that no secret reaches the observation's text."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from probes.localdns import LocalDns
from probes.netfaults import LocalServer, closed_port, hang
from waiting import SLACK

from oauth.localhttps import LocalHttps, network_for
from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.probes.token import TokenNeed, TokenObservation, token_need_for
from pytest_ece_o365.secret import Secret, SecretSource
from pytest_ece_o365.survey import Survey

OUTLOOK = "https://outlook.office.com"


def need_of(config: DeploymentConfig, index: int = 0) -> TokenNeed:
    need = token_need_for(config, config.mailboxes[index])
    assert need is not None
    return need


def gathered(survey: Survey, need: TokenNeed) -> TokenObservation:
    """The need's observation as a check reads it: gathered first (``Survey.get`` refuses what was not)."""
    survey.gather([need])
    return survey.get(need)


def text_of(observation: TokenObservation) -> str:
    return "\n".join((observation.description, repr(observation), *observation.transcript))


def test_healthy_redemption_observes_token_claims_scope_and_lifetime(simulate: Callable[..., tuple]) -> None:
    simulator, config, survey = simulate("healthy")
    observation = gathered(survey, need_of(config))
    assert observation.ok and observation.error == ""
    assert isinstance(observation.access_token, Secret)
    assert observation.claims["upn"] == "support@example.com" and observation.claims["aud"] == OUTLOOK
    assert observation.scope.split() == [f"{OUTLOOK}/IMAP.AccessAsUser.All", f"{OUTLOOK}/SMTP.Send"]
    assert observation.expires_in == 75 * 60
    # the discovery names the host MSAL asked for (the nominal one), as Entra does: no loopback port
    assert any(line.startswith("C: POST https://login.microsoftonline.com/") for line in observation.transcript)
    text = text_of(observation)
    for secret in (observation.access_token.reveal(), *simulator.tenant.run_secrets.values()):
        assert secret not in text
    assert "eyJ" not in text


def test_an_expired_refresh_token_is_observed_with_its_aadsts_code_and_ids_in_the_evidence(
    simulate: Callable[..., tuple],
) -> None:
    _, config, survey = simulate("refresh-token-expired")
    observation = gathered(survey, need_of(config))
    assert not observation.ok and observation.access_token is None
    assert (observation.error, observation.aadsts) == ("invalid_grant", 700082)
    assert observation.description.startswith("AADSTS700082: The refresh token has expired due to inactivity.")
    assert "Trace ID" not in observation.description and "Correlation ID" not in observation.description
    assert any("Trace ID: " in line and "Correlation ID: " in line for line in observation.transcript)


def test_a_wrong_tenant_is_reported_from_discovery_with_aadsts90002(simulate: Callable[..., tuple]) -> None:
    simulator, config, _ = simulate("healthy")
    wrong = replace(config, azure_ad=replace(config.azure_ad, tenant="contoso-typo.onmicrosoft.com"))
    with Survey(wrong, 5.0, secrets=SecretSource(simulator.secrets)) as survey:
        observation = gathered(survey, need_of(wrong))
    assert (observation.error, observation.aadsts) == ("invalid_tenant", 90002)
    assert observation.description.startswith("AADSTS90002: Tenant 'contoso-typo.onmicrosoft.com' not found.")


def test_a_missing_secret_is_observed_naming_its_source_and_sends_nothing(
    example: DeploymentConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECE_O365_CLIENT_SECRET", raising=False)
    with Survey(example, 1.0) as survey:
        observation = gathered(survey, need_of(example))
    assert observation.error == "secret-missing"
    assert "azure_ad.client_secret" in observation.description and "ECE_O365_CLIENT_SECRET" in observation.description
    assert observation.transcript == ()

    monkeypatch.setenv("ECE_O365_CLIENT_SECRET", "client-secret-from-env")
    monkeypatch.delenv("ECE_O365_RT_ECE_MAIL", raising=False)
    with Survey(example, 1.0) as survey:
        observation = gathered(survey, need_of(example, 1))
    assert observation.error == "secret-missing" and "ECE_O365_RT_ECE_MAIL" in observation.description


def _local(example: DeploymentConfig, dns: LocalDns, bundle: Path, port: int, timeout: float = 2.0) -> DeploymentConfig:
    o365 = replace(example.o365, login=f"https://login.ok.test:{port}")
    return replace(example, o365=o365, network=network_for(dns.port, bundle, timeout))


def _observe(config: DeploymentConfig, timeout: float = 2.0) -> TokenObservation:
    secrets = SecretSource(
        {
            config.azure_ad.client_secret.key_path: Secret("client-secret-value-1"),
            "mailboxes[0].refresh_token": Secret("refresh-token-value-1"),
        }
    )
    with Survey(config, timeout, secrets=secrets) as survey:
        observation = gathered(survey, need_of(config))
    return observation


def test_a_refused_login_port_is_observed_as_refused(
    example: DeploymentConfig, local_dns: LocalDns, bundle: Path
) -> None:
    observation = _observe(_local(example, local_dns, bundle, closed_port()))
    assert observation.error == "refused" and "login.ok.test" in observation.description


def test_a_login_host_that_never_answers_ends_within_the_timeout(
    example: DeploymentConfig, local_dns: LocalDns, bundle: Path
) -> None:
    server = LocalServer(hang)  # holds the connection in silence for 30 s, or until stopped
    try:
        started = time.monotonic()
        observation = _observe(_local(example, local_dns, bundle, server.port, 0.8), timeout=0.8)
        # About time: the probe gives up at its deadline, not when the server lets go.
        assert time.monotonic() - started < 0.8 + SLACK
    finally:
        server.stop()
    assert observation.error == "read-timeout"


def _openid(port: int) -> str:
    base = f"https://login.ok.test:{port}/t"
    return json.dumps(
        {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "issuer": f"{base}/v2.0",
        }
    )


@pytest.mark.parametrize(
    ("discovery", "token", "error"),
    [
        ((500, "oops"), None, "server-error"),
        ((404, "<html>not found</html>"), None, "discovery-failed"),
        (None, (502, "<html>bad gateway</html>"), "server-error"),
        (None, (200, "<html>captive portal</html>"), "bad-response"),
        (None, (200, '{"token_type": "Bearer"}'), "bad-response"),
    ],
)
def test_unexpected_answers_from_the_login_host_are_classified_never_raised(
    example: DeploymentConfig,
    local_dns: LocalDns,
    bundle: Path,
    https: Callable[..., LocalHttps],
    discovery: tuple[int, str] | None,
    token: tuple[int, str] | None,
    error: str,
) -> None:
    ports: list[int] = []

    def reply(method: str, path: str) -> tuple[int, str]:
        if method == "GET":
            return discovery or (200, _openid(ports[0]))
        return token or (200, "{}")

    server = https(reply)
    ports.append(server.port)
    observation = _observe(_local(example, local_dns, bundle, server.port))
    assert observation.error == error, observation.description
    assert not observation.ok and observation.access_token is None
    assert "client-secret-value-1" not in text_of(observation) and "refresh-token-value-1" not in text_of(observation)


def test_an_opaque_access_token_is_issued_with_no_claims(
    example: DeploymentConfig, local_dns: LocalDns, bundle: Path, https: Callable[..., LocalHttps]
) -> None:
    ports: list[int] = []
    token = {
        "token_type": "Bearer",
        "access_token": "EwBwA8l6BAAUopaque-token-value",
        "expires_in": 3599,
        "scope": f"{OUTLOOK}/SMTP.Send",
    }
    server = https(lambda method, path: (200, _openid(ports[0]) if method == "GET" else json.dumps(token)))
    ports.append(server.port)
    observation = _observe(_local(example, local_dns, bundle, server.port))
    assert observation.ok and observation.opaque and observation.claims == {}
    assert observation.expires_in == 3599
    assert "EwBwA8l6BAAUopaque-token-value" not in text_of(observation)
