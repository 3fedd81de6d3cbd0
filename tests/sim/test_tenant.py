"""The tenant model: scenarios as flipped facts, the run's secrets, and the verdicts given to mail servers."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from simclients import example_config

from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.sim.entra import Issuer
from pytest_ece_o365.sim.scenarios import BROKEN, SCENARIOS, build_tenant, describe
from pytest_ece_o365.sim.tenant import ScenarioError, Tenant

# Checklist §C, in order: the scenario names are part of the contract.
CHECKLIST_FAULTS = [
    "refresh-token-expired", "refresh-token-revoked", "client-secret-expired", "client-secret-wrong",
    "app-not-found", "consent-missing", "mfa-required", "conditional-access-blocked", "wrong-token-user",
    "missing-imap-scope", "imap-disabled", "pop-disabled", "smtp-auth-disabled", "no-full-access",
    "no-license", "redirect-uri-not-registered", "redirect-uri-spa", "client-secret-expiring", "short-token-lifetime",
    "dns-nxdomain", "port-blocked", "server-hangs", "tls-inspection",
]  # fmt: skip


@pytest.fixture
def cfg() -> DeploymentConfig:
    return example_config()


def token(tenant: Tenant, key: str, scopes: str = "IMAP.AccessAsUser.All POP.AccessAsUser.All SMTP.Send") -> str:
    """An Outlook access token for the refresh token the run gets under ``key``."""
    issuer = Issuer(tenant, "https://login.microsoftonline.com")
    app = tenant.app(tenant.ece_client_id)
    assert app is not None
    scope = " ".join(f"https://outlook.office.com/{s}" for s in scopes.split())
    form = {"refresh_token": tenant.run_secrets[key], "scope": scope + " offline_access"}
    return str(issuer.refresh_token_grant(app, form)["access_token"])


def test_scenario_names_are_healthy_broken_and_every_checklist_fault() -> None:
    assert list(SCENARIOS[:2]) == ["healthy", "broken"]
    assert [name for name in SCENARIOS if name in CHECKLIST_FAULTS] == CHECKLIST_FAULTS  # each, in order
    assert all(describe(name) for name in SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_builds_from_the_example_config(cfg: DeploymentConfig, scenario: str) -> None:
    tenant = build_tenant(cfg, scenario)
    assert tenant.scenario == scenario
    assert tenant.faults == ([] if scenario == "healthy" else list(BROKEN) if scenario == "broken" else [scenario])


def test_unknown_scenario_lists_the_valid_names(cfg: DeploymentConfig) -> None:
    with pytest.raises(ScenarioError, match="valid: healthy, broken, refresh-token-expired"):
        build_tenant(cfg, "no-such-fault")


def test_a_config_without_a_shared_mailbox_cannot_host_no_full_access(cfg: DeploymentConfig) -> None:
    only_own = dataclasses.replace(cfg, mailboxes=cfg.mailboxes[:1])
    with pytest.raises(ScenarioError, match='needs a mailbox with access = "shared"'):
        build_tenant(only_own, "no-full-access")
    with pytest.raises(ScenarioError, match='needs a mailbox with inbound = "pop3"'):
        build_tenant(only_own, "port-blocked")
    # broken leaves out what the config cannot host
    assert "no-full-access" not in build_tenant(only_own, "broken").faults


def test_the_run_gets_one_secret_per_secret_ref(cfg: DeploymentConfig) -> None:
    tenant = build_tenant(cfg)
    assert set(tenant.run_secrets) == {ref.key_path for ref in cfg.secret_refs()}
    assert tenant.grant_for("mailboxes[1].refresh_token").account == "ece-mail@example.com"
    assert str(tenant.run_secret("azure_ad.client_secret")) == "[redacted]"


def test_a_config_without_graph_or_with_a_guid_tenant_builds(cfg: DeploymentConfig) -> None:
    guid = "0b9e5f4c-1111-4222-8333-944445555666"
    other = dataclasses.replace(cfg, graph=None, azure_ad=dataclasses.replace(cfg.azure_ad, tenant=guid))
    tenant = build_tenant(other, "broken")
    assert tenant.tenant_id == guid
    assert tenant.knows_tenant("example.com")
    assert tenant.graph_client_id is None
    assert set(tenant.run_secrets) == {ref.key_path for ref in other.secret_refs()}


def test_client_secret_wrong_gives_the_secret_id(cfg: DeploymentConfig) -> None:
    tenant = build_tenant(cfg, "client-secret-wrong")
    uuid.UUID(tenant.run_secrets["azure_ad.client_secret"])


def test_graph_tenant_accepts_domain_and_guid(cfg: DeploymentConfig) -> None:
    tenant = build_tenant(cfg)
    assert tenant.knows_tenant("example.onmicrosoft.com")
    assert tenant.knows_tenant(tenant.tenant_id.upper())
    assert not tenant.knows_tenant("contoso.onmicrosoft.com")


def test_healthy_logins_are_accepted(cfg: DeploymentConfig) -> None:
    tenant = build_tenant(cfg)
    own, delegate = token(tenant, "mailboxes[0].refresh_token"), token(tenant, "mailboxes[1].refresh_token")
    for protocol in ("imap", "smtp"):
        assert tenant.mail_login(protocol, "support@example.com", own).ok
    verdict = tenant.mail_login("pop3", "sales@example.com", delegate)  # the shared-mailbox user= form
    assert verdict.ok and verdict.account == "ece-mail@example.com"
    assert tenant.mail_login("smtp", "ece-mail@example.com", delegate).ok  # SMTP: the delegate as itself
    refused = tenant.mail_login("smtp", "sales@example.com", delegate)  # Office 365: 535 5.7.3
    assert (refused.ok, refused.refusal) == (False, "smtp-user-not-token-user")
    assert tenant.may_send_as("ece-mail@example.com", "sales@example.com")
    assert not tenant.may_send_as("support@example.com", "sales@example.com")


def test_another_accounts_mailbox_is_authenticated_but_not_opened(cfg: DeploymentConfig) -> None:
    tenant = build_tenant(cfg)
    verdict = tenant.mail_login("imap", "support@example.com", token(tenant, "mailboxes[1].refresh_token"))
    assert (verdict.token_accepted, verdict.may_open, verdict.refusal) == (True, False, "wrong-account")


@pytest.mark.parametrize(
    ("scenario", "protocol", "user", "key", "refusal"),
    [
        ("imap-disabled", "imap", "support@example.com", "mailboxes[0].refresh_token", "protocol-disabled"),
        ("pop-disabled", "pop3", "sales@example.com", "mailboxes[1].refresh_token", "protocol-disabled"),
        ("no-full-access", "pop3", "sales@example.com", "mailboxes[1].refresh_token", "no-full-access"),
        ("wrong-token-user", "imap", "support@example.com", "mailboxes[0].refresh_token", "wrong-account"),
        (
            "smtp-auth-disabled",
            "smtp",
            "support@example.com",
            "mailboxes[0].refresh_token",
            "smtp-auth-disabled-tenant",
        ),
    ],
)
def test_mailbox_faults_accept_the_token_and_refuse_the_mailbox(
    cfg: DeploymentConfig, scenario: str, protocol: str, user: str, key: str, refusal: str
) -> None:
    tenant = build_tenant(cfg, scenario)
    verdict = tenant.mail_login(protocol, user, token(tenant, key))  # type: ignore[arg-type]
    assert (verdict.token_accepted, verdict.may_open, verdict.refusal) == (True, False, refusal)


def test_smtp_auth_can_be_disabled_per_mailbox(cfg: DeploymentConfig) -> None:
    tenant = build_tenant(cfg)
    tenant.mailboxes["support@example.com"].smtp_auth_enabled = False
    verdict = tenant.mail_login("smtp", "support@example.com", token(tenant, "mailboxes[0].refresh_token"))
    assert verdict.refusal == "smtp-auth-disabled-mailbox"


def test_token_problems_are_refused_before_the_mailbox(cfg: DeploymentConfig) -> None:
    tenant = build_tenant(cfg, "missing-imap-scope")
    smtp_only = token(tenant, "mailboxes[0].refresh_token", "SMTP.Send")  # IMAP asked for: AADSTS70000
    assert tenant.mail_login("imap", "support@example.com", smtp_only).refusal == "missing-scope"
    assert tenant.mail_login("smtp", "support@example.com", smtp_only).ok
    assert tenant.mail_login("imap", "support@example.com", "not-a-jwt").refusal == "invalid-token"
    forged = smtp_only[:-4] + ("AAAA" if not smtp_only.endswith("AAAA") else "BBBB")
    assert tenant.mail_login("smtp", "support@example.com", forged).refusal == "invalid-token"


def test_expired_and_foreign_audience_tokens_are_refused(cfg: DeploymentConfig) -> None:
    tenant = build_tenant(cfg)
    tenant.access_token_minutes = -1
    expired = token(tenant, "mailboxes[0].refresh_token")
    assert tenant.mail_login("imap", "support@example.com", expired).refusal == "expired-token"
    tenant.access_token_minutes = 60
    assert tenant.mail_login("imap", "support@example.com", token(tenant, "mailboxes[0].refresh_token")).ok
    issuer = Issuer(tenant, "https://login.microsoftonline.com")
    reader = tenant.app(str(tenant.graph_client_id))
    assert reader is not None
    app_token = issuer.client_credentials_grant(reader, {"scope": "https://graph.microsoft.com/.default"})
    assert tenant.mail_login("imap", "support@example.com", app_token["access_token"]).refusal == "wrong-audience"


def test_broken_combines_faults_that_do_not_mask_each_other(cfg: DeploymentConfig) -> None:
    tenant = build_tenant(cfg, "broken")
    assert not tenant.mailboxes["support@example.com"].imap_enabled
    assert "ece-mail@example.com" not in tenant.mailboxes["sales@example.com"].full_access
    assert tenant.accounts["support@example.com"].licenses == []
    assert tenant.access_token_minutes == 30
    # Tokens still work, so each mailbox fault stays visible behind them.
    assert all(grant.state == "valid" for grant in tenant.refresh_tokens.values())


def test_behaviour_flags_for_the_mail_servers(cfg: DeploymentConfig) -> None:
    assert build_tenant(cfg, "server-hangs").behaviour["imap"] == "hang"
    assert build_tenant(cfg, "port-blocked").behaviour["pop3"] == "blocked"
    assert build_tenant(cfg, "dns-nxdomain").nxdomain == {"smtp.office365.com"}
    assert build_tenant(cfg, "tls-inspection").tls_chain == "inspection"
