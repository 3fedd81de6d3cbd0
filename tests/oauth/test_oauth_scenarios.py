"""The four OAuth checks through the plugin against the simulated tenant: healthy passes, and every token
fault is named by exactly the check, target and owner it should be, with the right remedy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oauth.plugin_run import run_plugin
from pytest_ece_o365.catalog import CHECKS

SUPPORT, SALES = "support@example.com", "sales@example.com"
OAUTH_CHECKS = ("token.refresh", "token.identity", "token.scopes", "azure_app.token_lifetime")
CLAIM_CHECKS = ("token.identity", "token.scopes", "azure_app.token_lifetime")


def refresh_failed(owner: str, *targets: str) -> dict[tuple[str, str], tuple[str, str | None]]:
    """token.refresh fails for ``targets``; the claim checks of those targets are skipped naming it."""
    expected: dict[tuple[str, str], tuple[str, str | None]] = {}
    for target in targets:
        expected[("token.refresh", target)] = ("failed", owner)
        expected.update({(check, target): ("skipped", None) for check in CLAIM_CHECKS})
    return expected


# scenario -> (the results that do not pass: (check, target) -> (status, owner)), words the finding must hold
SCENARIOS: dict[str, tuple[dict[tuple[str, str], tuple[str, str | None]], tuple[str, ...]]] = {
    "refresh-token-expired": (refresh_failed("ece-admin", SUPPORT), ("AADSTS700082", "90 days", "private", SUPPORT)),
    "refresh-token-revoked": (refresh_failed("ece-admin", SUPPORT), ("AADSTS50173", "password", "private", SUPPORT)),
    "client-secret-expired": (refresh_failed("azure-admin", SUPPORT, SALES), ("AADSTS7000222", "new client secret", "ECE")),
    "client-secret-wrong": (refresh_failed("ece-admin", SUPPORT, SALES), ("AADSTS7000215", "Value", "Secret ID")),
    "app-not-found": (refresh_failed("ece-admin", SUPPORT, SALES), ("AADSTS700016", "client ID", "tenant")),
    "consent-missing": (refresh_failed("azure-admin", SUPPORT, SALES), ("AADSTS65001", "admin consent")),
    "mfa-required": (refresh_failed("azure-admin", SUPPORT), ("AADSTS50076", "multi-factor", "Exclude", SUPPORT)),
    "conditional-access-blocked": (refresh_failed("azure-admin", SUPPORT, SALES), ("AADSTS53003", "Conditional Access")),
    "wrong-token-user": (
        {("token.identity", SUPPORT): ("failed", "ece-admin")},
        ("admin@example.com", SUPPORT, "private", "Kerberos"),
    ),
    # Entra refuses the refresh whole (AADSTS70000, scope wording): token.scopes owns that cause, so
    # token.refresh and the other claim checks are skipped naming it.
    "missing-imap-scope": (
        {("token.scopes", SUPPORT): ("failed", "azure-admin"), **{(check, SUPPORT): ("skipped", None) for check in ("token.refresh", "token.identity", "azure_app.token_lifetime")}},
        ("IMAP.AccessAsUser.All", "delegated permission", "consent", "regenerate", "AADSTS70000", "IMAP", "token.scopes"),
    ),
    "short-token-lifetime": (
        {("azure_app.token_lifetime", SUPPORT): ("failed", "azure-admin"), ("azure_app.token_lifetime", SALES): ("failed", "azure-admin")},
        ("30 minutes", "token-lifetime policy", "60"),
    ),
}  # fmt: skip


def test_healthy_tenant_passes_every_oauth_check_for_every_mailbox(pytester: pytest.Pytester) -> None:
    result, rows = run_plugin(pytester, "--ece-simulate=healthy", "-m", "oauth")
    assert result.ret == 0
    assert set(rows) == {(check, box) for check in OAUTH_CHECKS for box in (SUPPORT, SALES)}
    assert {row["status"] for row in rows.values()} == {"passed"}
    assert "ece-mail@example.com" in rows[("token.identity", SALES)]["detail"]  # the shared mailbox's delegate
    assert "75 minutes" in rows[("azure_app.token_lifetime", SUPPORT)]["detail"]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_token_fault_is_named_by_its_check_target_and_owner(pytester: pytest.Pytester, scenario: str) -> None:
    expected, words = SCENARIOS[scenario]
    result, rows = run_plugin(pytester, f"--ece-simulate={scenario}", "-m", "oauth")
    assert result.ret == 1
    seen = {key: (row["status"], row.get("owner")) for key, row in rows.items() if row["status"] != "passed"}
    assert seen == expected
    for key, (status, _) in expected.items():
        row = rows[key]
        assert row["section"] == (
            "Azure AD application" if key[0] == "azure_app.token_lifetime" else "Token generation"
        )
        if status == "failed":
            text = f"{row['detail']} {row['remediation']}"
            for word in words:
                assert word in text, (key, word, text)
            assert row["evidence"]
        elif scenario == "missing-imap-scope":  # the scopes asked for are the cause: token.scopes's finding
            assert row["detail"].startswith(f"blocked by token.scopes for {key[1]} (aadsts-70000-scope)")
        else:  # the claim checks say why they did not run
            assert row["detail"].startswith(f"blocked by token.refresh for {key[1]} (")
            assert row["blocked_by"] == {"check": "token.refresh", "target": key[1]}


def test_application_role_redeems_no_refresh_token(pytester: pytest.Pytester) -> None:
    # The simulator mints a new refresh token at every redemption: counting them counts the requests.
    pytester.makeconftest(
        """
        import json
        from pytest_ece_o365.plugin.session import SESSION_KEY

        def pytest_sessionfinish(session):
            sim = session.config.stash[SESSION_KEY].simulator
            with open("issued.json", "w") as out:
                json.dump(len(sim.tenant.refresh_tokens), out)
        """
    )
    result, rows = run_plugin(pytester, "--ece-simulate=healthy", "--ece-role", "application")
    assert result.ret == 0
    assert not [key for key in rows if key[0] in OAUTH_CHECKS]
    assert json.loads(Path(pytester.path, "issued.json").read_text()) == 2  # the two the run was given, no more

    # The same run for the services role redeems each of the two refresh tokens exactly once, although
    # four checks (and the mailbox checks) read each token.
    result, rows = run_plugin(pytester, "--ece-simulate=healthy", "--ece-role", "services", "-m", "oauth")
    assert result.ret == 0 and len(rows) == 8
    assert json.loads(Path(pytester.path, "issued.json").read_text()) == 4


def test_a_missing_secret_skips_the_token_checks_naming_the_variable(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECE_O365_RT_SUPPORT", raising=False)
    monkeypatch.setenv("ECE_O365_CLIENT_SECRET", "not-used-because-a-refresh-token-is-missing")
    example = Path(__file__).resolve().parents[2] / "pytest_ece_o365" / "example_config.toml"
    pytester.path.joinpath("prod.toml").write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    # -k: only the mailbox whose token is missing (no request leaves this machine for it)
    result, rows = run_plugin(
        pytester, "--ece-config", "prod.toml", "--ece-role", "services", "-m", "oauth", "-k", "support"
    )
    support = {key: row for key, row in rows.items() if key[1] == SUPPORT}
    assert {row["status"] for row in support.values()} == {"skipped"}
    assert "ECE_O365_RT_SUPPORT" in support[("token.refresh", SUPPORT)]["detail"]
    assert "mailboxes[0].refresh_token" in support[("token.refresh", SUPPORT)]["detail"]
    assert result.ret == 0


@pytest.mark.parametrize(
    ("scenario", "check", "owner", "mail_skipped"),
    [
        ("wrong-token-user", "token.identity", "ece-admin", ("mailbox.inbound", "mailbox.smtp")),
        ("missing-imap-scope", "token.scopes", "azure-admin", ("mailbox.inbound", "mailbox.smtp")),
    ],
)
def test_a_token_fault_is_one_finding_in_a_full_run(
    pytester: pytest.Pytester, scenario: str, check: str, owner: str, mail_skipped: tuple[str, ...]
) -> None:
    result, rows = run_plugin(pytester, f"--ece-simulate={scenario}")
    assert result.ret == 1
    # The directory checks (Graph) judge the app registration, not the token: not counted here.
    failed = {key: row for key, row in rows.items() if row["status"] == "failed" and CHECKS[key[0]].kind != "graph"}
    assert set(failed) == {(check, SUPPORT)}
    assert failed[check, SUPPORT]["owner"] == owner
    for mail_check in mail_skipped:  # the sessions the token spoiled point at the token's check
        row = rows[mail_check, SUPPORT]
        assert row["status"] == "skipped" and row["blocked_by"] == {"check": check, "target": SUPPORT}
    if scenario == "wrong-token-user":
        assert row["detail"].startswith(f"blocked by {check} for {SUPPORT} (token-wrong-account)")
        assert "issued to admin@example.com" in rows["mailbox.inbound", SUPPORT]["detail"]
        assert not [key for key, row in rows.items() if "the token of support@example.com" in row["detail"]]
    else:  # Entra issued no token at all (the refresh asks for IMAP and SMTP together): SMTP is not tried either
        assert rows["token.refresh", SUPPORT]["detail"].startswith(
            f"blocked by token.scopes for {SUPPORT} (aadsts-70000-scope)"
        )
        assert rows["mailbox.smtp", SUPPORT]["status"] == "skipped"


#: A test conftest: the run's [o365] login host is one the simulated DNS does not know.
UNKNOWN_LOGIN_HOST = """
from dataclasses import replace
from pytest_ece_o365.plugin.session import SESSION_KEY

def pytest_sessionstart(session):
    run = session.config.stash[SESSION_KEY]
    o365 = run.deployment.o365
    login = f"https://login.unknown.invalid:{o365.login_endpoint.port}"
    run.deployment = run.context.config = replace(run.deployment, o365=replace(o365, login=login))
"""


@pytest.mark.parametrize("selection", [(), ("-m", "oauth")], ids=["full-run", "oauth-only"])
def test_an_unresolvable_login_host_is_one_network_finding(
    pytester: pytest.Pytester, selection: tuple[str, ...]
) -> None:
    pytester.makeconftest(UNKNOWN_LOGIN_HOST)
    result, rows = run_plugin(pytester, "--ece-simulate=healthy", "--ece-role", "services", *selection)
    assert result.ret == 1
    failed = {key: row for key, row in rows.items() if row["status"] == "failed"}
    if not selection:  # network.dns reports it; token.refresh and the rest point at it
        assert set(failed) == {("network.dns", "login.unknown.invalid")}
        for mailbox in (SUPPORT, SALES):
            assert rows["token.refresh", mailbox]["detail"].startswith(
                "blocked by network.dns for login.unknown.invalid (dns-nxdomain)"
            )
            blocked = {"check": "network.dns", "target": "login.unknown.invalid"}
            assert rows["mailbox.inbound", mailbox]["blocked_by"] == blocked
    else:  # no network check in the run: token.refresh says it, for the network team
        assert set(failed) == {("token.refresh", SUPPORT), ("token.refresh", SALES)}
        assert {row["owner"] for row in failed.values()} == {"network"}
        assert all("login.unknown.invalid" in row["detail"] for row in failed.values())


def test_a_scope_refusal_without_token_scopes_in_the_run_is_token_refresh_finding(pytester: pytest.Pytester) -> None:
    # AADSTS70000's scope wording → the finding names the scopes asked for, token.scopes and the inbound
    # protocol; token.refresh reports it when token.scopes is not selected.
    result, rows = run_plugin(pytester, "--ece-simulate=missing-imap-scope", "-m", "oauth", "-k", "refresh")
    assert result.ret == 1
    row = rows["token.refresh", SUPPORT]
    assert row["status"] == "failed" and row["owner"] == "azure-admin"
    text = f"{row['detail']} {row['remediation']}"
    for word in ("AADSTS70000", "IMAP.AccessAsUser.All and SMTP.Send", "reads mail over IMAP", "token.scopes",
                 "inbound", "one or more scopes requested are unauthorized or expired"):  # fmt: skip
        assert word in text, word
    assert "malformed" not in text  # not the other meaning of 70000
    assert rows["token.refresh", SALES]["status"] == "passed"  # its POP3 + SMTP scopes are consented


def test_redirect_uri_spa_fails_token_refresh_with_9002327_and_700084(pytester: pytest.Pytester) -> None:
    result, rows = run_plugin(pytester, "--ece-simulate=redirect-uri-spa", "-m", "oauth")
    assert result.ret == 1
    failed = {key: row for key, row in rows.items() if row["status"] == "failed"}
    assert set(failed) == {("token.refresh", SUPPORT), ("token.refresh", SALES)}
    assert {row["owner"] for row in failed.values()} == {"azure-admin"}
    support, sales = failed["token.refresh", SUPPORT], failed["token.refresh", SALES]
    assert "AADSTS700084" in support["detail"] and "24 hours" in support["detail"]
    assert "AADSTS9002327" in sales["detail"] and "Single-page application" in sales["detail"]
    for row in failed.values():
        assert "Add a platform > Web" in row["remediation"]
