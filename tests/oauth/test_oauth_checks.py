"""The four OAuth checks judged from recorded token observations (no network), and their diagnosis rows."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from pytest_ece_o365.catalog import CHECKS
from pytest_ece_o365.checks.base import REGISTRY, CheckContext, RunOptions, Target
from pytest_ece_o365.checks.token_judge import token_needs, token_user
from pytest_ece_o365.config.deployment import DeploymentConfig, Mailbox
from pytest_ece_o365.diagnosis import TABLE
from pytest_ece_o365.diagnosis.oauth import AADSTS_FALLBACK, OAUTH_FACTS, oauth_verdict, template_facts
from pytest_ece_o365.diagnosis.table import FACTS
from pytest_ece_o365.knowledge import OWNERS
from pytest_ece_o365.probes.graph_user import DirectoryUser, TokenUserNeed
from pytest_ece_o365.probes.observation import DnsObservation, EndpointObservation, TcpObservation, TlsObservation
from pytest_ece_o365.probes.token import TokenNeed, TokenObservation, token_need_for
from pytest_ece_o365.secret import Secret
from pytest_ece_o365.survey import EndpointNeed
from pytest_ece_o365.verdict import Verdict

OUTLOOK = "https://outlook.office.com"
SUPPORT = "support@example.com"
IAT = 1_800_000_000
GOOD_CLAIMS = {
    "aud": OUTLOOK,
    "scp": "IMAP.AccessAsUser.All SMTP.Send",
    "upn": "support@example.com",
    "unique_name": "support@example.com",
    "iat": IAT,
    "exp": IAT + 75 * 60,
}


class RecordedSurvey:
    """Hands the checks a recorded token observation for any token need, and ``directory`` (Graph's view
    of the token's user) for token.identity's directory need."""

    def __init__(self, observation: TokenObservation, directory: DirectoryUser | None = None) -> None:
        self.observation = observation
        self.directory = directory
        self.asked: list[object] = []

    def get(self, need: object) -> object:
        self.asked.append(need)
        if isinstance(need, TokenUserNeed):
            return self.directory or DirectoryUser("", error="graph-error", message="not recorded")
        return self.observation


def need_of(example: DeploymentConfig, index: int = 0) -> TokenNeed:
    need = token_need_for(example, example.mailboxes[index])
    assert need is not None
    return need


def issued(
    example: DeploymentConfig, claims: dict[str, Any] | None = None, index: int = 0, **fields: Any
) -> TokenObservation:
    return TokenObservation(
        need_of(example, index), True, Secret("eyJ.recorded.token"), claims=GOOD_CLAIMS if claims is None else claims,
        transcript=("C: POST https://login.test/token", "S: HTTP 200 {...}"),
        scope=f"{OUTLOOK}/IMAP.AccessAsUser.All {OUTLOOK}/SMTP.Send", login="https://login.test/example.onmicrosoft.com",
        **{"expires_in": 4499, **fields},
    )  # fmt: skip


def refused(
    example: DeploymentConfig, code: int | None, error: str = "invalid_grant", description: str = ""
) -> TokenObservation:
    description = description or (f"AADSTS{code}: something Entra said." if code else "it failed")
    return TokenObservation(
        need_of(example), False, error=error, aadsts=code, description=description, transcript=("S: HTTP 400",)
    )


def judge(
    example: DeploymentConfig,
    check_id: str,
    observation: TokenObservation,
    index: int = 0,
    selected: frozenset[tuple[str, str]] = frozenset(),
    survey: object = None,
) -> Verdict:
    """Run ``check_id`` on a recorded observation, in a run that executes ``selected`` (check, target)."""
    mailbox = example.mailboxes[index]
    ctx = CheckContext(
        example, ("services",), RunOptions(timeout=3), survey=survey or RecordedSurvey(observation), selected=selected
    )
    return REGISTRY[check_id].run(ctx, Target(mailbox.address, ("services",), mailbox.address, mailbox=mailbox))


# --- token.refresh ----------------------------------------------------------------------------------


def test_refresh_passes_with_the_granted_scopes_and_the_transcript_as_evidence(example: DeploymentConfig) -> None:
    verdict = judge(example, "token.refresh", issued(example))
    assert verdict.status == "passed"
    assert (
        "IMAP.AccessAsUser.All SMTP.Send" in verdict.detail and "valid 75 min" in verdict.detail
    )  # 4499 s: Entra counts one short
    assert verdict.evidence == ("C: POST https://login.test/token", "S: HTTP 200 {...}")


@pytest.mark.parametrize(
    ("code", "owner", "words"),
    [
        (700082, "ece-admin", ["90 days", "private/incognito", "support@example.com"]),
        (50173, "ece-admin", ["password", "revoked", "Revoke-MgUserSignInSession", "Audit logs"]),
        (7000222, "azure-admin", ["expired", "New client secret", "ECE"]),
        (7000215, "ece-admin", ["Value", "Secret ID"]),
        (700016, "ece-admin", ["client ID", "example.onmicrosoft.com"]),
        (65001, "azure-admin", ["admin consent"]),
        (50076, "azure-admin", ["multi-factor", "Exclude support@example.com"]),
        (50079, "azure-admin", ["register", "multi-factor"]),
        (53003, "azure-admin", ["Conditional Access", "sign-in logs"]),
        (70043, "azure-admin", ["sign-in frequency"]),
        (70008, "ece-admin", ["not used"]),
        (50126, "ece-admin", ["credentials"]),
        (50034, "ece-admin", ["does not exist"]),
        (90002, "ece-admin", ["Tenant", "cloud"]),
        (500011, "azure-admin", ["Exchange Online"]),
        (70000, "ece-admin", ["malformed"]),
        (54005, "ece-admin", ["already redeemed"]),
        (9002327, "azure-admin", ["Single-page application", "Add a platform > Web", "server"]),
        (9002325, "azure-admin", ["Single-page application", "Add a platform > Web"]),
        (9002326, "azure-admin", ["Single-page application", "Add a platform > Web"]),
        (700084, "azure-admin", ["single-page application", "24 hours", "Add a platform > Web"]),
    ],
)
def test_refresh_failure_is_explained_from_its_aadsts_code(
    example: DeploymentConfig, code: int, owner: str, words: list[str]
) -> None:
    verdict = judge(example, "token.refresh", refused(example, code))
    assert verdict.status == "failed" and verdict.owner == owner
    text = f"{verdict.detail} {verdict.remediation}"
    assert f"AADSTS{code}" in verdict.detail
    for word in words:
        assert word in text
    assert "<" not in text and "{" not in text  # every fact filled
    assert verdict.evidence == ("S: HTTP 400",)


def test_an_unknown_aadsts_code_still_fails_quoting_azure_ad(example: DeploymentConfig) -> None:
    verdict = judge(
        example, "token.refresh", refused(example, 123456, description="AADSTS123456: A brand new refusal.")
    )
    assert verdict.status == "failed" and verdict.owner == "ece-admin"
    assert "AADSTS123456: A brand new refusal." in verdict.detail
    assert "support@example.com" in verdict.remediation and "error?code=123456" in verdict.remediation


def test_a_missing_secret_is_a_skip_naming_the_source_never_a_failure(example: DeploymentConfig) -> None:
    observation = TokenObservation(
        need_of(example), False, error="secret-missing",
        description="mailboxes[0].refresh_token: environment variable ECE_O365_RT_SUPPORT is not set",
    )  # fmt: skip
    for check_id in ("token.refresh", "token.identity", "token.scopes", "azure_app.token_lifetime"):
        verdict = judge(example, check_id, observation)
        assert verdict.status == "skipped" and "ECE_O365_RT_SUPPORT" in verdict.detail


@pytest.mark.parametrize(
    "error", ["nxdomain", "refused", "tcp-timeout", "tls-untrusted", "read-timeout", "server-error"]
)
def test_an_unreachable_login_host_fails_for_the_network_team_naming_the_host(
    example: DeploymentConfig, error: str
) -> None:
    verdict = judge(example, "token.refresh", refused(example, None, error=error, description="what the client saw"))
    assert verdict.status == "failed" and verdict.owner == "network"
    assert "login.microsoftonline.com" in f"{verdict.detail} {verdict.remediation}"
    assert "what the client saw" in verdict.detail


@pytest.mark.parametrize(
    ("error", "check", "label"),
    [
        ("nxdomain", "network.dns", "login.microsoftonline.com"),
        ("refused", "network.tcp", "login.microsoftonline.com:443"),
        ("tls-untrusted", "network.tls", "login.microsoftonline.com:443"),
    ],
)
def test_an_unreachable_login_host_is_left_to_its_network_check_when_the_run_has_it(
    example: DeploymentConfig, error: str, check: str, label: str
) -> None:
    observation = refused(example, None, error=error, description="what the client saw")
    verdict = judge(example, "token.refresh", observation, selected=frozenset({(check, label)}))
    assert verdict.status == "skipped"
    assert verdict.blocked_by == (check, label) and verdict.detail.startswith(f"blocked by {check} for {label} (")
    other = judge(example, "token.refresh", observation, selected=frozenset({(check, "smtp.office365.com:587")}))
    assert (other.status, other.owner) == ("failed", "network")  # only that target's check counts
    claim = judge(example, "token.identity", observation, selected=frozenset({(check, label)}))
    assert claim.status == "skipped" and check in claim.detail  # names the check with the finding


class ChainSurvey(RecordedSurvey):
    """A recorded token observation, and network.tls's own probe of the login host."""

    def __init__(self, observation: TokenObservation, tls_error: str) -> None:
        super().__init__(observation)
        self.tls_error = tls_error

    def get(self, need: object) -> Any:
        if isinstance(need, EndpointNeed):
            dns = DnsObservation(need.endpoint.host, "system resolver", ("192.0.2.1",))
            tls = TlsObservation("implicit", error=self.tls_error, message="no handshake")
            return EndpointObservation(need.endpoint, "https", dns, TcpObservation(need.endpoint), tls)
        return super().get(need)


@pytest.mark.parametrize(("tls_error", "status"), [("read-timeout", "skipped"), ("", "failed")])
def test_a_timeout_is_network_tls_s_only_when_its_own_handshake_failed(
    example: DeploymentConfig, tls_error: str, status: str
) -> None:
    observation = refused(example, None, error="read-timeout", description="no answer within 3 s")
    selected = frozenset({("network.tls", "login.microsoftonline.com:443")})
    survey = ChainSurvey(observation, tls_error)
    verdict = judge(example, "token.refresh", observation, selected=selected, survey=survey)
    assert verdict.status == status  # the handshake worked: the token endpoint itself was slow


def test_the_claim_checks_are_skipped_naming_token_refresh_when_it_failed(example: DeploymentConfig) -> None:
    observation = refused(example, 700082, description="AADSTS700082: The refresh token has expired due to inactivity.")
    for check_id in ("token.identity", "token.scopes", "azure_app.token_lifetime"):
        verdict = judge(example, check_id, observation, selected=frozenset({("token.refresh", SUPPORT)}))
        assert verdict.status == "skipped"
        assert verdict.blocked_by == ("token.refresh", SUPPORT)
        assert verdict.detail.startswith("blocked by token.refresh for support@example.com (aadsts-700082)")


def test_without_token_refresh_in_the_run_the_claim_checks_carry_its_finding(example: DeploymentConfig) -> None:
    observation = refused(example, 700082, description="AADSTS700082: The refresh token has expired due to inactivity.")
    for check_id in ("token.identity", "token.scopes", "azure_app.token_lifetime"):
        verdict = judge(example, check_id, observation, selected=frozenset({(check_id, SUPPORT)}))
        assert (verdict.status, verdict.owner) == ("failed", "ece-admin") and "AADSTS700082" in verdict.detail


def test_the_expired_copy_is_the_tool_s_not_necessarily_ece_s(example: DeploymentConfig) -> None:
    verdict = judge(example, "token.refresh", refused(example, 700082))
    assert "The refresh token this tool was given for support@example.com" in verdict.detail
    assert "(environment variable ECE_O365_RT_SUPPORT)" in verdict.detail and "90 days" in verdict.detail
    assert "retriever has not run" not in verdict.detail  # ECE's own token rotates: it may be fine
    assert verdict.remediation.startswith("Give the tool ECE's current refresh token for support@example.com")
    assert "If ECE fails too" in verdict.remediation and "private/incognito" in verdict.remediation


def test_a_mailbox_without_refresh_token_cannot_tell_and_needs_nothing(example: DeploymentConfig) -> None:
    bare = replace(example, mailboxes=(replace(example.mailboxes[0], refresh_token=None),))
    mailbox = bare.mailboxes[0]
    target = Target(mailbox.address, ("services",), mailbox.address, mailbox=mailbox)
    ctx = CheckContext(bare, ("services",), survey=RecordedSurvey(issued(example)))
    assert list(token_needs(ctx, target)) == []
    verdict = REGISTRY["token.refresh"].run(ctx, target)
    assert verdict.status == "skipped" and "mailboxes[0].refresh_token" in verdict.detail


def test_a_static_run_has_no_survey_and_cannot_tell(example: DeploymentConfig) -> None:
    mailbox = example.mailboxes[0]
    verdict = REGISTRY["token.scopes"].run(
        CheckContext(example, ("services",)), Target(mailbox.address, mailbox=mailbox)
    )
    assert verdict.status == "skipped"


# --- token.identity ---------------------------------------------------------------------------------


def test_identity_passes_case_insensitively_for_the_mailbox_itself(example: DeploymentConfig) -> None:
    claims = {**GOOD_CLAIMS, "upn": "Support@Example.COM"}
    assert judge(example, "token.identity", issued(example, claims)).status == "passed"


def test_identity_of_a_shared_mailbox_is_its_token_account(example: DeploymentConfig) -> None:
    claims = {**GOOD_CLAIMS, "upn": "ece-mail@example.com", "scp": "POP.AccessAsUser.All SMTP.Send"}
    verdict = judge(example, "token.identity", issued(example, claims, index=1), index=1)
    assert verdict.status == "passed" and "ece-mail@example.com" in verdict.detail


@pytest.mark.parametrize(
    ("proxy_addresses", "status", "words"),
    [
        (
            ("SMTP:support@example.com", "smtp:j.doe@corp.example.com"),
            "passed",
            'Write account = "j.doe@corp.example.com"',
        ),
        (("SMTP:j.doe@corp.example.com",), "failed", "is another person (its addresses: j.doe@corp.example.com"),
    ],
    ids=["same-person", "another-person"],
)
def test_with_graph_a_token_of_another_upn_is_told_apart_by_proxy_addresses(
    example: DeploymentConfig, proxy_addresses: tuple[str, ...], status: str, words: str
) -> None:
    """The private-window pitfall only when the token's user does not hold the mailbox's address."""
    assert example.graph is not None  # the packaged example has a [graph] reader
    claims = {**GOOD_CLAIMS, "upn": "j.doe@corp.example.com", "unique_name": "j.doe@corp.example.com"}
    observation = issued(example, claims)
    directory = DirectoryUser("j.doe@corp.example.com", "j.doe@corp.example.com", proxy_addresses=proxy_addresses)
    verdict = judge(example, "token.identity", observation, survey=RecordedSurvey(observation, directory))
    assert verdict.status == status and words in verdict.detail
    if status == "failed":
        assert "private/incognito" in verdict.remediation


def test_identity_mismatch_names_both_accounts_and_the_sso_pitfall(example: DeploymentConfig) -> None:
    claims = {**GOOD_CLAIMS, "upn": "admin@example.com", "unique_name": "admin@example.com"}
    verdict = judge(example, "token.identity", issued(example, claims))
    assert verdict.status == "failed" and verdict.owner == "ece-admin"
    assert "admin@example.com" in verdict.detail and "support@example.com" in verdict.detail
    assert "Kerberos" in verdict.detail and "private/incognito" in verdict.remediation
    assert "claim upn: admin@example.com" in verdict.evidence


@pytest.mark.parametrize(
    ("claims", "user"),
    [
        ({"upn": "a@x.com", "unique_name": "b@x.com"}, "a@x.com"),
        ({"unique_name": "live.com#guest@x.com"}, "guest@x.com"),
        ({"preferred_username": "c@x.com"}, "c@x.com"),
        ({"oid": "123"}, None),
    ],
)
def test_token_user_reads_upn_then_unique_name_then_preferred_username(
    claims: dict[str, str], user: str | None
) -> None:
    assert token_user(claims) == user


def test_opaque_token_leaves_identity_and_scopes_cannot_tell_but_lifetime_from_expires_in(
    example: DeploymentConfig,
) -> None:
    opaque = issued(example, claims={}, expires_in=3599)  # Entra's "60 minutes"
    assert judge(example, "token.identity", opaque).status == "skipped"
    assert "opaque" in judge(example, "token.scopes", opaque).detail
    lifetime = judge(example, "azure_app.token_lifetime", opaque)
    assert lifetime.status == "passed" and "60 minutes" in lifetime.detail and "expires_in" in lifetime.detail


def test_a_token_without_user_claims_cannot_tell(example: DeploymentConfig) -> None:
    claims = {key: value for key, value in GOOD_CLAIMS.items() if key not in ("upn", "unique_name")}
    assert judge(example, "token.identity", issued(example, claims)).status == "skipped"


# --- token.scopes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("audience", [OUTLOOK, OUTLOOK + "/", "00000002-0000-0ff1-ce00-000000000000", [OUTLOOK]])
def test_scopes_pass_for_the_outlook_audience_in_any_form(example: DeploymentConfig, audience: object) -> None:
    assert judge(example, "token.scopes", issued(example, {**GOOD_CLAIMS, "aud": audience})).status == "passed"


def test_missing_inbound_scope_fails_for_the_azure_admin_naming_it(example: DeploymentConfig) -> None:
    verdict = judge(example, "token.scopes", issued(example, {**GOOD_CLAIMS, "scp": "SMTP.Send"}))
    assert verdict.status == "failed" and verdict.owner == "azure-admin"
    assert "lacks IMAP.AccessAsUser.All (it grants: SMTP.Send)" in verdict.detail
    assert "add the delegated permission(s) IMAP.AccessAsUser.All, grant admin consent" in verdict.remediation


def test_missing_smtp_scope_for_a_pop3_mailbox(example: DeploymentConfig) -> None:
    claims = {**GOOD_CLAIMS, "upn": "ece-mail@example.com", "scp": "POP.AccessAsUser.All"}
    verdict = judge(example, "token.scopes", issued(example, claims, index=1), index=1)
    assert verdict.status == "failed" and "lacks SMTP.Send" in verdict.detail


def test_a_graph_token_fails_as_the_wrong_audience(example: DeploymentConfig) -> None:
    verdict = judge(example, "token.scopes", issued(example, {**GOOD_CLAIMS, "aud": "https://graph.microsoft.com"}))
    assert verdict.status == "failed" and "https://graph.microsoft.com" in verdict.detail


# --- azure_app.token_lifetime -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires_in", "minutes", "status"), [(1799, 30, "failed"), (3599, 60, "passed"), (4500, 75, "passed")]
)
def test_lifetime_comes_from_expires_in_plus_one_second(
    example: DeploymentConfig, expires_in: int, minutes: int, status: str
) -> None:
    # iat backdated by 5 minutes, as Entra may do: exp − iat would say 5 minutes more than the truth
    claims = {**GOOD_CLAIMS, "iat": IAT - 300, "exp": IAT + (expires_in + 1)}
    verdict = judge(example, "azure_app.token_lifetime", issued(example, claims, expires_in=expires_in))
    assert verdict.status == status
    assert f"{minutes} minutes" in verdict.detail and "expires_in" in verdict.detail


@pytest.mark.parametrize(("minutes", "status"), [(30, "failed"), (59.5, "failed"), (60, "passed"), (90, "passed")])
def test_lifetime_falls_back_to_exp_minus_iat_in_minutes(
    example: DeploymentConfig, minutes: float, status: str
) -> None:
    claims = {**GOOD_CLAIMS, "exp": IAT + int(minutes * 60)}
    verdict = judge(example, "azure_app.token_lifetime", issued(example, claims, expires_in=None))
    assert verdict.status == status
    assert f"{minutes:g} minutes" in verdict.detail
    if status == "failed":
        assert verdict.owner == "azure-admin" and "token-lifetime policy" in verdict.remediation


# --- the diagnosis rows -----------------------------------------------------------------------------


OAUTH_ROWS = sorted(
    key for key in TABLE if key[0] in ("token.refresh", "token.identity", "token.scopes", "azure_app.token_lifetime")
)


@pytest.mark.parametrize("signature", OAUTH_ROWS, ids=[f"{c}:{e}" for c, e in OAUTH_ROWS])
def test_every_oauth_row_is_complete_and_names_only_known_facts(signature: tuple[str, str]) -> None:
    row = TABLE[signature]
    assert row.owner in OWNERS and row.section == CHECKS[signature[0]].section
    assert template_facts(row) <= FACTS | OAUTH_FACTS  # one placeholder syntax: {fact}
    assert "<" not in row.cause.replace("<br>", "") or "{" in row.cause  # no angle placeholder is left


def test_the_fallback_row_names_only_known_facts() -> None:
    assert template_facts(AADSTS_FALLBACK) <= FACTS | OAUTH_FACTS


def test_the_checklist_faults_have_rows() -> None:
    for code in (700082, 50173, 7000222, 7000215, 700016, 65001, 50076, 50079, 53003):
        assert ("token.refresh", f"AADSTS{code}") in TABLE


def test_oauth_verdict_fills_both_kinds_of_fact() -> None:
    verdict = oauth_verdict(
        "token.refresh",
        "refused",
        {"host": "login.microsoftonline.com", "port": 443, "endpoint": "login.microsoftonline.com:443"},
    )
    assert "login.microsoftonline.com:443" in verdict.detail and "{" not in verdict.remediation


def test_token_need_ignores_the_case_of_the_account(example: DeploymentConfig) -> None:
    sales = example.mailboxes[1]
    shouting = Mailbox("billing@example.com", "pop3", "shared", "ECE-Mail@Example.com", sales.refresh_token)
    config = replace(example, mailboxes=(*example.mailboxes, shouting))
    needs = {token_need_for(config, box) for box in config.mailboxes[1:]}
    assert len(needs) == 1  # one refresh token, one redemption
    assert {need.account for need in needs if need is not None} <= {"ece-mail@example.com", "ECE-Mail@Example.com"}


def test_token_need_is_shared_by_the_mailboxes_of_one_refresh_token(example: DeploymentConfig) -> None:
    twin = Mailbox("billing@example.com", "imap", "shared", "ece-mail@example.com", example.mailboxes[1].refresh_token)
    config = replace(example, mailboxes=(*example.mailboxes, twin))
    sales, billing = (token_need_for(config, box) for box in config.mailboxes[1:])
    assert sales == billing and sales is not None
    assert sales.scopes == (
        f"{OUTLOOK}/IMAP.AccessAsUser.All",
        f"{OUTLOOK}/POP.AccessAsUser.All",
        f"{OUTLOOK}/SMTP.Send",
    )
