"""AADSTS codes with more than one meaning, or a new one: classified on the stable phrase, worded apart,
and every OAuth row sourced (field audit P0-4, P0-5, P0-6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_ece_o365.diagnosis import TABLE
from pytest_ece_o365.diagnosis.oauth import AADSTS_FALLBACK, error_lookup, oauth_row, oauth_verdict
from pytest_ece_o365.probes.token import aadsts_key

REPLIES = Path("/work/shared/reference/office365-replies.jsonl")
SCOPE_REPLY = (
    "AADSTS70000: The request was denied because one or more scopes requested are unauthorized or expired. The "
    "user must first sign in and grant the client application access to the requested scope."
)


@pytest.mark.parametrize(
    "description",
    [
        SCOPE_REPLY,
        SCOPE_REPLY + "\r\nTrace ID: e54c2b41-21c1\r\nCorrelation ID: 067d8324\r\nTimestamp: 2020-08-21 10:00:00Z",
        SCOPE_REPLY + " Trace ID: e54c2b41 Correlation ID: 067d8324 Timestamp: 2020-08-21 10:00:00Z",
        SCOPE_REPLY.replace("one or more scopes", "one or more\r\nscopes"),  # wrapped by whoever quoted it
    ],
)
def test_70000_scope_meaning_is_told_by_its_phrase(description: str) -> None:
    assert aadsts_key(70000, description) == "AADSTS70000-scope"


@pytest.mark.parametrize(
    "description",
    [
        "AADSTS70000: The provided value for the input parameter 'refresh_token' or 'assertion' is not valid. "
        "Trace ID: 91af4011 Correlation ID: ee3f808b Timestamp: 2024-04-15 18:41:56Z",
        "AADSTS70002: Error validating credentials. AADSTS70000: The provided access grant is invalid or malformed.",
        "AADSTS70000: Provided grant is invalid or malformed.",
        "",
    ],
)
def test_70000_grant_meaning_keeps_its_code(description: str) -> None:
    assert aadsts_key(70000, description) == "AADSTS70000"


def test_the_phrase_belongs_to_70000_only() -> None:
    assert aadsts_key(65001, SCOPE_REPLY) == "AADSTS65001"


@pytest.mark.skipif(not REPLIES.exists(), reason="the shared reference replies are not on this machine")
def test_every_quoted_70000_reply_gets_its_own_meaning() -> None:
    replies = [json.loads(line) for line in REPLIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    quoted = {r["id"]: aadsts_key(70000, r["reply"]) for r in replies if "AADSTS70000" in r["reply"]}
    assert quoted["aadsts70000-scopes-unauthorized-or-expired"] == "AADSTS70000-scope"
    assert {key for rid, key in quoted.items() if "scopes" not in rid} == {"AADSTS70000"}


FACTS = {
    "account": "support@example.com", "mailbox": "support@example.com", "client_id": "cid", "tenant": "t",
    "requested": "IMAP.AccessAsUser.All and SMTP.Send", "inbound": "IMAP", "host": "login.microsoftonline.com",
    "aadsts": "AADSTS70000", "code": 70000, "source": "ECE_O365_RT_SUPPORT",
}  # fmt: skip


def test_the_two_meanings_of_70000_have_their_own_wording() -> None:
    grant = oauth_verdict("token.refresh", "AADSTS70000", FACTS)
    scope = oauth_verdict("token.refresh", "AADSTS70000-scope", FACTS)
    assert "malformed" in grant.detail and grant.owner == "ece-admin"
    text = f"{scope.detail} {scope.remediation}"
    assert "malformed" not in text and scope.owner == "azure-admin"
    for words in ("IMAP.AccessAsUser.All and SMTP.Send", "over IMAP", "token.scopes", "inbound", "admin consent"):
        assert words in text


def test_50173_leads_with_revocation_not_with_every_password_change() -> None:
    row = oauth_row("token.refresh", "AADSTS50173")
    assert row.cause.index("revoked") < row.cause.index("password")
    assert "every password change" not in row.remediation
    assert "Revoke-MgUserSignInSession" in row.cause and "Audit logs" in row.remediation
    assert row.source is not None and "refresh-tokens" in row.source.ref
    # Microsoft's revocation table (confidential clients): a user's own change stays alive, an administrator's
    # reset in the Entra / Microsoft 365 admin center revokes
    assert "own change" in row.cause and "admin center revokes them" in row.cause


@pytest.mark.parametrize("code", [9002327, 9002325, 9002326])
def test_spa_redirect_codes_share_one_row_keyed_on_9002327(code: int) -> None:
    row = oauth_row("token.refresh", f"AADSTS{code}")
    assert row is oauth_row("token.refresh", "AADSTS9002327")
    assert "Single-page application" in row.cause and "Add a platform > Web" in row.remediation


def test_700084_is_the_spa_refresh_tokens_24_hours() -> None:
    row = oauth_row("token.refresh", "AADSTS700084")
    assert "24 hours" in row.cause and row.owner == "azure-admin"
    assert row.source is not None and "#7033" in row.source.ref


def test_every_oauth_row_has_a_source() -> None:
    oauth = {key: row for key, row in TABLE.items() if key[0] in ("token.refresh", "token.identity", "token.scopes")}
    oauth |= {key: row for key, row in TABLE.items() if key[0] == "azure_app.token_lifetime"}
    assert len(oauth) > 30
    assert not [key for key, row in oauth.items() if row.source is None]
    aadsts = {key: row for key, row in oauth.items() if key[1].startswith("AADSTS")}
    assert all(row.source is not None and "reference-error-codes" in row.source.ref for row in aadsts.values())
    assert AADSTS_FALLBACK.source is not None


def test_the_fallback_lookup_is_the_clouds_own_from_the_knowledge_table() -> None:
    assert error_lookup("login.partner.microsoftonline.cn") == "https://login.partner.microsoftonline.cn"
    assert error_lookup("login.microsoftonline.com") == "https://login.microsoftonline.com"
    assert error_lookup("login.microsoftonline.us") == "https://login.microsoftonline.us"
    assert error_lookup("login.example.test:8443") == "https://login.microsoftonline.com"  # not a cloud's: worldwide
    china = oauth_verdict(
        "token.refresh", "AADSTS123456", {**FACTS, "host": "login.partner.microsoftonline.cn", "code": 123456}
    )
    assert "https://login.partner.microsoftonline.cn/error?code=123456" in china.remediation
