"""A mailbox whose sign-in name (UPN) differs from its primary SMTP address (contract §2 ``account``):
Microsoft does not require the two to match, and hybrid tenants often differ. A correct deployment of
that kind passes every check, against the simulated tenant, which models the account by its UPN."""

from __future__ import annotations

import pytest
from mailboxkit import EXAMPLE, SUPPORT, run_json, statuses

from pytest_ece_o365.checks import REGISTRY
from pytest_ece_o365.checks.base import CheckContext, Target
from pytest_ece_o365.config.loader import ConfigError, load_config
from pytest_ece_o365.knowledge import ROLES

UPN = "j.doe@corp.example.com"


def _with_account(pytester: pytest.Pytester, account_line: str, *, mailbox: str = SUPPORT) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    anchor = f'address = "{mailbox}"\n'
    assert anchor in text
    pytester.path.joinpath("prod.toml").write_text(text.replace(anchor, anchor + account_line + "\n"), "utf-8")


def test_a_mailbox_whose_upn_differs_from_its_address_passes_every_check(pytester: pytest.Pytester) -> None:
    _with_account(pytester, f'account = "{UPN}"')
    result, rows = run_json(pytester, "--ece-config", "prod.toml", "--ece-simulate", "-m", "not network")
    assert result.ret == 0, result.stdout.str()
    seen = statuses(rows)
    for check in ("token.refresh", "token.identity", "token.scopes", "mailbox.inbound", "mailbox.smtp"):
        assert seen[check, SUPPORT] == "passed", (check, rows)
    identity = next(r for r in rows if (r["check"], r["target"]) == ("token.identity", SUPPORT))
    assert f"belongs to {UPN}" in identity["detail"]
    access = next(r for r in rows if (r["check"], r["target"]) == ("rights.access_model", SUPPORT))
    assert access["status"] == "passed" and f"its own account {UPN} (its UPN)" in access["detail"]
    smtp = next(r for r in rows if (r["check"], r["target"]) == ("mailbox.smtp", SUPPORT))
    assert f"(logged in as {UPN})" in smtp["detail"]  # SMTP AUTH as the token's own account


def test_a_token_of_another_person_still_is_the_private_window_pitfall(pytester: pytest.Pytester) -> None:
    """``account`` moves what the token is compared with, not the rule: the admin's token still fails."""
    _with_account(pytester, f'account = "{UPN}"')
    result, rows = run_json(pytester, "--ece-config", "prod.toml", "--ece-simulate=wrong-token-user", "-k", "identity")
    assert result.ret == 1
    row = next(r for r in rows if (r["check"], r["target"]) == ("token.identity", SUPPORT))
    assert row["status"] == "failed" and "private" in row["remediation"]
    assert "admin@example.com" in row["detail"] and UPN in row["detail"]


@pytest.mark.parametrize(
    ("line", "mailbox", "message"),
    [
        ('account = "not-an-address"', SUPPORT, "mailboxes[0].account"),
        (f'account = "{UPN}"', "sales@example.com", 'is for access = "mailbox" only'),
    ],
)
def test_account_errors_name_the_key(pytester: pytest.Pytester, line: str, mailbox: str, message: str) -> None:
    _with_account(pytester, line, mailbox=mailbox)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(pytester.path / "prod.toml")


def test_access_model_tells_a_upn_written_as_token_account_what_to_write(pytester: pytest.Pytester) -> None:
    _with_account(pytester, f'token_account = "{UPN}"')
    config = load_config(pytester.path / "prod.toml")
    mailbox = config.mailboxes[0]
    verdict = REGISTRY["rights.access_model"].run(CheckContext(config, ROLES), Target(SUPPORT, mailbox=mailbox))
    assert verdict.status == "failed" and f'account = "{UPN}"' in verdict.remediation


#: A hybrid tenant whose deployment file does not say the UPN: support@example.com's account signs in as
#: j.doe@corp.example.com, and ECE's (correct) token is that account's.
HYBRID_CONFTEST = """
from pytest_ece_o365.secret import SecretSource
from pytest_ece_o365.plugin.session import SESSION_KEY

def pytest_sessionstart(session):
    run = session.config.stash[SESSION_KEY]
    tenant = run.simulator.tenant
    address, upn = "support@example.com", "j.doe@corp.example.com"
    account = tenant.accounts.pop(address)
    account.upn, account.mail = upn, address
    tenant.accounts[upn] = account
    facts = tenant.mailboxes[address]
    facts.owner = upn
    tenant.mailboxes[upn] = facts
    grant = tenant.grant_for("mailboxes[0].refresh_token")
    token = tenant.issue_refresh_token(upn, grant.client_id, grant.scopes)
    tenant.run_secrets["mailboxes[0].refresh_token"] = token
    run.context.secrets = SecretSource(run.simulator.secrets)
"""


def test_with_graph_a_upn_missing_from_the_file_is_no_false_alarm(pytester: pytest.Pytester) -> None:
    """The file omits ``account``, the token is j.doe's: Graph shows j.doe holds support@ — the same
    person — so token.identity passes and says what to write, instead of crying private window."""
    pytester.makeconftest(HYBRID_CONFTEST)
    result, rows = run_json(pytester, "--ece-simulate", "-k", "token or mailbox")
    assert result.ret == 0, result.stdout.str()
    row = next(r for r in rows if (r["check"], r["target"]) == ("token.identity", SUPPORT))
    assert row["status"] == "passed"
    assert f"belongs to {UPN}, who holds {SUPPORT}" in row["detail"] and f'Write account = "{UPN}"' in row["detail"]
    assert any("proxyAddresses" in line for line in row["evidence"])  # the Graph request is the evidence


def test_without_graph_a_upn_missing_from_the_file_says_what_would_tell(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(HYBRID_CONFTEST)
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("[graph]")
    end = text.index("[[mailboxes]]")
    pytester.path.joinpath("prod.toml").write_text(text[:start] + text[end:], "utf-8")
    result, rows = run_json(pytester, "--ece-config", "prod.toml", "--ece-simulate", "-k", "identity")
    assert result.ret == 1
    row = next(r for r in rows if (r["check"], r["target"]) == ("token.identity", SUPPORT))
    assert row["status"] == "failed" and f'write account = "{UPN}"' in row["detail"]
