"""The Graph checks' judgement from recorded Graph payloads: no network."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pytest_ece_o365.checks.azure_app_judge import (
    judge_client_secret,
    judge_permissions,
    judge_registration,
    near_miss,
    needed_permissions,
)
from pytest_ece_o365.checks.license_judge import judge_license
from pytest_ece_o365.config.deployment import Mailbox
from pytest_ece_o365.diagnosis import TABLE
from pytest_ece_o365.diagnosis.graph import ROWS
from pytest_ece_o365.diagnosis.table import placeholders
from pytest_ece_o365.knowledge import EXCHANGE_ONLINE_APP_ID, GRAPH_APP_ID, GRAPH_DELEGATED_PERMISSION_IDS, OWNERS
from pytest_ece_o365.probes.graph_model import (
    AppObservation,
    EceSecretView,
    LicenseObservation,
    PermissionGrant,
)
from pytest_ece_o365.probes.graph_parse import (
    parse_application,
    parse_assigned_plans,
    parse_license_details,
    parse_time,
)

NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.timezone.utc)
URI = "https://ece.example.com/system/oauth/redirect"
ECE = "11111111-2222-3333-4444-555555555555"
IDS = GRAPH_DELEGATED_PERMISSION_IDS
SUPPORT = Mailbox("support@example.com", "imap")
SALES = Mailbox("sales@example.com", "pop3", "shared", "ece-mail@example.com")


def application(**members: Any) -> dict[str, Any]:
    """An application object as Graph returns it, healthy unless ``members`` say otherwise."""
    app: dict[str, Any] = {
        "id": "2b241a94-063c-5a0d-aa0b-1a9fe7e4e2f9",
        "appId": ECE,
        "displayName": "Cisco ECE mail",
        "web": {"redirectUris": [URI]},
        "spa": {"redirectUris": []},
        "publicClient": {"redirectUris": []},
        "passwordCredentials": [secret("abc", "2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z")],
        "requiredResourceAccess": [
            {"resourceAppId": GRAPH_APP_ID, "resourceAccess": [{"id": i, "type": "Scope"} for i in IDS.values()]}
        ],
    }
    app.update(members)
    return app


def secret(
    hint: str, start: str, end: str, name: str = "ECE", key_id: str = "aa68726d-7eda-4d4e-9c2a-dee7c694102e"
) -> dict[str, Any]:
    return {
        "keyId": key_id,
        "displayName": name,
        "hint": hint,
        "startDateTime": start,
        "endDateTime": end,
        "secretText": None,
    }


def observed(app: dict[str, Any] | None = None, **fields: Any) -> AppObservation:
    grant = PermissionGrant("AllPrincipals", tuple(IDS))
    defaults: dict[str, Any] = {"service_principal_id": "sp", "grants": (grant,)}
    return AppObservation(ECE, app=parse_application(app or application()), **{**defaults, **fields})


# --- registration --------------------------------------------------------------------------------


def test_redirect_uri_under_spa_explains_pkce_and_moving_it_to_web() -> None:
    verdict = judge_registration(observed(application(web={"redirectUris": []}, spa={"redirectUris": [URI]})), URI, "t")
    assert (verdict.status, verdict.owner) == ("failed", "azure-admin")
    assert (
        "Single-page application" in verdict.detail
        and "AADSTS9002327" in verdict.detail
        and "cross-origin" in verdict.detail
    )
    assert "Add a platform > Web" in verdict.remediation


def test_redirect_uri_under_mobile_and_desktop_is_the_wrong_platform() -> None:
    verdict = judge_registration(
        observed(application(web={"redirectUris": []}, publicClient={"redirectUris": [URI]})), URI, "t"
    )
    assert verdict.status == "failed" and "Mobile and desktop applications, not under Web" in verdict.detail


def test_unrelated_redirect_uris_are_listed() -> None:
    verdict = judge_registration(observed(application(web={"redirectUris": ["https://other.example.com/x"]})), URI, "t")
    assert verdict.status == "failed"
    assert f'ECE uses "{URI}"; the app\'s Web redirect URIs are: "https://other.example.com/x".' in verdict.detail


@pytest.mark.parametrize(
    ("registered", "how"),
    [
        (URI + "/", "differs only by a trailing slash"),
        (URI.replace("redirect", "Redirect"), "differs only in letter case"),
        (URI.replace("https:", "http:"), "differs in its scheme (http/https)"),
        ("https://ece.example.com/other", ""),
    ],
)
def test_near_miss(registered: str, how: str) -> None:
    assert near_miss(URI, registered) == how


# --- client secret -------------------------------------------------------------------------------


def test_secret_valid_for_long_passes_naming_the_date() -> None:
    verdict = judge_client_secret(observed(), NOW, EceSecretView.of("abc-the-secret-value"))
    assert (
        verdict.status == "passed"
        and "ECE's client secret is valid" in verdict.detail
        and "2028-01-01" in verdict.detail
    )


def test_secret_expiring_within_30_days_is_an_advisory_with_date_and_days_left() -> None:
    app = application(passwordCredentials=[secret("abc", "2025-12-01T00:00:00Z", "2026-12-20T12:00:00.1234567Z")])
    verdict = judge_client_secret(observed(app), NOW, None)
    assert (verdict.status, verdict.owner) == ("advisory", "azure-admin")
    assert "expires on 2026-12-20 (21 days left)" in verdict.detail


def test_a_later_secret_means_no_advisory_for_the_expiring_one() -> None:
    creds = [
        secret("abc", "2025-12-01T00:00:00Z", "2026-12-20T00:00:00Z"),
        secret("xyz", "2026-11-01T00:00:00Z", "2028-11-01T00:00:00Z", "new"),
    ]
    assert judge_client_secret(observed(application(passwordCredentials=creds)), NOW, None).status == "passed"


def test_ece_holding_the_expired_one_of_two_secrets_fails_naming_the_valid_one() -> None:
    creds = [
        secret("abc", "2025-01-01T00:00:00Z", "2026-11-01T00:00:00Z", "old", "11111111-0000-0000-0000-000000000001"),
        secret("xyz", "2026-11-01T00:00:00Z", "2028-11-01T00:00:00Z", "new", "11111111-0000-0000-0000-000000000002"),
    ]
    verdict = judge_client_secret(observed(application(passwordCredentials=creds)), NOW, EceSecretView.of("abc-value"))
    assert verdict.status == "failed"
    assert 'ECE\'s client secret "old"' in verdict.detail and "expired on 2026-11-01 (28 days ago)" in verdict.detail
    assert 'Another secret, "new"' in verdict.detail


def test_secret_id_entered_instead_of_the_value() -> None:
    verdict = judge_client_secret(observed(), NOW, EceSecretView.of("AA68726D-7EDA-4D4E-9C2A-DEE7C694102E"))
    assert (verdict.status, verdict.owner) == ("failed", "ece-admin")
    assert (
        "Secret ID" in verdict.detail and "Enter the secret's Value (not its Secret ID) in ECE" in verdict.remediation
    )


def test_ece_secret_expiring_while_a_newer_one_is_not_entered_in_ece() -> None:
    creds = [
        secret("abc", "2025-12-01T00:00:00Z", "2026-12-20T00:00:00Z", "old", "11111111-0000-0000-0000-000000000001"),
        secret("xyz", "2026-11-01T00:00:00Z", "2028-11-01T00:00:00Z", "new", "11111111-0000-0000-0000-000000000002"),
    ]
    verdict = judge_client_secret(observed(application(passwordCredentials=creds)), NOW, EceSecretView.of("abc-value"))
    assert (verdict.status, verdict.owner) == ("advisory", "ece-admin")
    assert 'ECE\'s client secret "old"' in verdict.detail and "expires on 2026-12-20" in verdict.detail
    assert 'A newer secret, "new"' in verdict.detail and "2028-11-01" in verdict.detail
    assert "no other secret is valid longer" not in verdict.detail
    assert "Enter the newer secret's Value" in verdict.remediation and "only once" in verdict.remediation


def test_ece_secret_expiring_and_being_the_newest_says_so() -> None:
    creds = [
        secret("xyz", "2025-01-01T00:00:00Z", "2026-12-01T00:00:00Z", "older"),
        secret("abc", "2025-12-01T00:00:00Z", "2026-12-20T00:00:00Z", "ece"),
    ]
    verdict = judge_client_secret(observed(application(passwordCredentials=creds)), NOW, EceSecretView.of("abc-value"))
    assert verdict.status == "advisory" and "no other secret is valid longer" in verdict.detail


def test_ece_secret_view_holds_no_value() -> None:
    view = EceSecretView.of("abc8Q~the-whole-secret-value")
    assert "the-whole-secret-value" not in repr(view) + "".join(map(str, vars(view).values()))
    assert view.available and not EceSecretView(message="not set").available


def test_no_secret_at_all() -> None:
    verdict = judge_client_secret(observed(application(passwordCredentials=[])), NOW, None)
    assert verdict.status == "failed" and "has no client secret" in verdict.detail


def test_secret_not_yet_valid_is_not_valid_now() -> None:
    app = application(passwordCredentials=[secret("abc", "2026-12-01T00:00:00Z", "2027-12-01T00:00:00Z")])
    assert judge_client_secret(observed(app), NOW, None).status == "failed"


# --- permissions ---------------------------------------------------------------------------------


def test_needed_permissions_follow_the_mailboxes_inbound_protocols() -> None:
    assert [name for name, _ in needed_permissions([SUPPORT])] == [
        "IMAP.AccessAsUser.All",
        "SMTP.Send",
        "offline_access",
    ]
    assert [name for name, _ in needed_permissions([SALES])] == ["POP.AccessAsUser.All", "SMTP.Send", "offline_access"]


def test_requested_by_id_and_consented_passes() -> None:
    assert judge_permissions(observed(), needed_permissions([SUPPORT, SALES])).status == "passed"


def test_user_consent_only_is_not_admin_consent() -> None:
    grants = (PermissionGrant("Principal", tuple(IDS), principal_id="u1"),)
    verdict = judge_permissions(observed(grants=grants), needed_permissions([SUPPORT]))
    assert (verdict.status, verdict.owner) == ("failed", "azure-admin")
    assert "Requested but not admin-consented: IMAP.AccessAsUser.All" in verdict.detail
    assert "1 user(s) consented for themselves only" in verdict.detail


def test_no_service_principal_means_nobody_consented() -> None:
    verdict = judge_permissions(observed(service_principal_id="", grants=()), needed_permissions([SUPPORT]))
    assert verdict.status == "failed" and "no service principal" in verdict.detail


EXCHANGE_SCOPE_IDS = {
    "IMAP.AccessAsUser.All": "5df07973-7d5d-46ed-9847-1271055cbd51",
    "POP.AccessAsUser.All": "1f3c3c3f-3a35-4c4a-8a7d-5bd7a7c1b0c2",
    "SMTP.Send": "1aa7a1b5-1f5c-4a63-a2d3-0a1b2c3d4e5f",
    "EWS.AccessAsUser.All": "3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5",
}
EXCHANGE_SP = "exchange-sp"
GRAPH_SP = "graph-sp"


def requested_under_exchange(*exchange: str, graph: tuple[str, ...] = ("offline_access",)) -> dict[str, Any]:
    return application(
        requiredResourceAccess=[
            {"resourceAppId": GRAPH_APP_ID, "resourceAccess": [{"id": IDS[n], "type": "Scope"} for n in graph]},
            {
                "resourceAppId": EXCHANGE_ONLINE_APP_ID,
                "resourceAccess": [{"id": EXCHANGE_SCOPE_IDS[n], "type": "Scope"} for n in exchange],
            },
        ]
    )


def exchange_observed(app: dict[str, Any], grants: tuple[PermissionGrant, ...], **fields: Any) -> AppObservation:
    names = tuple((i.lower(), n) for n, i in EXCHANGE_SCOPE_IDS.items())
    return observed(
        app, grants=grants, graph_sp_id=GRAPH_SP, exchange_sp_id=EXCHANGE_SP, exchange_scope_names=names, **fields
    )


def test_imap_pop_smtp_requested_under_exchange_online_count() -> None:
    app = requested_under_exchange("IMAP.AccessAsUser.All", "POP.AccessAsUser.All", "SMTP.Send")
    grants = (
        PermissionGrant("AllPrincipals", ("offline_access",), GRAPH_SP),
        PermissionGrant("AllPrincipals", ("IMAP.AccessAsUser.All", "POP.AccessAsUser.All", "SMTP.Send"), EXCHANGE_SP),
    )
    verdict = judge_permissions(exchange_observed(app, grants), needed_permissions([SUPPORT, SALES]))
    assert verdict.status == "passed", verdict.detail
    assert "Office 365 Exchange Online" in verdict.detail
    assert any("under Office 365 Exchange Online: imap.accessasuser.all" in line for line in verdict.evidence)


def test_exchange_online_permission_not_consented_still_fails() -> None:
    app = requested_under_exchange("IMAP.AccessAsUser.All", "SMTP.Send")
    grants = (PermissionGrant("AllPrincipals", ("offline_access",), GRAPH_SP),)
    verdict = judge_permissions(exchange_observed(app, grants), needed_permissions([SUPPORT]))
    assert verdict.status == "failed"
    assert (
        "Requested but not admin-consented: IMAP.AccessAsUser.All" in verdict.detail and "SMTP.Send" in verdict.detail
    )


def test_other_exchange_online_permissions_do_not_stand_in_for_imap() -> None:
    # EWS under Exchange Online is not IMAP; an id the Exchange names do not resolve counts for nothing.
    app = requested_under_exchange("EWS.AccessAsUser.All", "SMTP.Send")
    verdict = judge_permissions(exchange_observed(app, ()), needed_permissions([SUPPORT]))
    assert (
        verdict.status == "failed" and "Not requested, so not consented either: IMAP.AccessAsUser.All" in verdict.detail
    )
    unnamed = judge_permissions(observed(app, graph_sp_id=GRAPH_SP), needed_permissions([SUPPORT]))
    assert "Not requested" in unnamed.detail and "SMTP.Send" in unnamed.detail


def test_a_permission_id_of_graph_requested_under_another_resource_does_not_count() -> None:
    app = application(
        requiredResourceAccess=[
            {
                "resourceAppId": GRAPH_APP_ID,
                "resourceAccess": [
                    {"id": IDS["IMAP.AccessAsUser.All"], "type": "Scope"},
                    {"id": IDS["offline_access"], "type": "Scope"},
                ],
            },
            {
                "resourceAppId": "00000002-0000-0ff1-ce00-000000000000",
                "resourceAccess": [{"id": IDS["SMTP.Send"], "type": "Scope"}],
            },
        ]
    )
    verdict = judge_permissions(observed(app), needed_permissions([SUPPORT]))
    assert (
        verdict.status == "failed"
        and "Not requested, so not consented either: SMTP.Send (sending mail)" in verdict.detail
    )


USER_IDS = (("support@example.com", "u-support"), ("ece-mail@example.com", "u-ece-mail"))


def test_every_token_account_consented_for_itself_is_an_advisory() -> None:
    grants = (
        PermissionGrant("Principal", tuple(IDS), principal_id="u-support"),
        PermissionGrant("Principal", tuple(IDS), principal_id="u-ece-mail"),
    )
    verdict = judge_permissions(
        observed(grants=grants, account_ids=USER_IDS), needed_permissions([SUPPORT, SALES]), [SUPPORT, SALES]
    )
    assert (verdict.status, verdict.owner) == ("advisory", "azure-admin")
    assert "consented by users only, no admin consent" in verdict.detail
    assert "Grant admin consent" in verdict.remediation


def test_one_token_account_without_its_own_consent_fails() -> None:
    grants = (PermissionGrant("Principal", tuple(IDS), principal_id="u-support"),)
    verdict = judge_permissions(
        observed(grants=grants, account_ids=USER_IDS), needed_permissions([SUPPORT, SALES]), [SUPPORT, SALES]
    )
    assert verdict.status == "failed" and "1 user(s) consented for themselves only" in verdict.detail


def test_a_user_consent_lacking_a_needed_scope_fails() -> None:
    grants = (PermissionGrant("Principal", ("SMTP.Send", "offline_access"), principal_id="u-support"),)
    verdict = judge_permissions(observed(grants=grants, account_ids=USER_IDS), needed_permissions([SUPPORT]), [SUPPORT])
    assert verdict.status == "failed"


def test_consent_unreadable_without_directory_read_all_is_skipped_naming_the_grant() -> None:
    fields: dict[str, Any] = {
        "grants": (),
        "grants_error": "graph-forbidden",
        "grants_message": "Graph denied GET oauth2PermissionGrants: HTTP 403 Authorization_RequestDenied",
        "grants_lacks": "Directory.Read.All",
    }
    verdict = judge_permissions(observed(**fields), needed_permissions([SUPPORT]))
    assert verdict.status == "skipped" and verdict.owner is None
    assert "lacks the Microsoft Graph application permission Directory.Read.All" in verdict.detail
    assert (
        "API permissions > Add a permission > Microsoft Graph > Application permissions > Directory.Read.All"
        in verdict.detail
    )
    assert "Grant admin consent" in verdict.detail


# --- licences ------------------------------------------------------------------------------------


def details(part: str, *plans: tuple[str, str]) -> LicenseObservation:
    payload = [
        {
            "skuId": "sku",
            "skuPartNumber": part,
            "servicePlans": [{"servicePlanName": n, "servicePlanId": "x", "provisioningStatus": s} for n, s in plans],
        }
    ]
    return LicenseObservation(SUPPORT.address, parse_license_details(payload), "licenseDetails")


def test_e3_with_exchange_plan_2_passes() -> None:
    verdict = judge_license(details("ENTERPRISEPACK", ("EXCHANGE_S_ENTERPRISE", "Success")), SUPPORT)
    assert verdict.status == "passed" and "Office 365 E3 (ENTERPRISEPACK): an E3-or-better licence" in verdict.detail


def test_exchange_plan_1_only_fails_saying_so() -> None:
    verdict = judge_license(details("EXCHANGESTANDARD", ("EXCHANGE_S_STANDARD", "Success")), SUPPORT)
    assert (verdict.status, verdict.owner) == ("failed", "exchange-admin")
    assert (
        "has Exchange Online (Plan 1) (EXCHANGE_S_STANDARD) through Exchange Online (Plan 1) (EXCHANGESTANDARD)"
        in verdict.detail
    )
    assert "E3" in verdict.remediation


def test_exchange_plan_2_switched_off_in_the_licence() -> None:
    verdict = judge_license(details("SPE_E3", ("EXCHANGE_S_ENTERPRISE", "Disabled")), SUPPORT)
    assert (
        verdict.status == "failed"
        and "Exchange Online (Plan 2) is Disabled in Microsoft 365 E3 (SPE_E3)" in verdict.detail
    )


def test_shared_mailbox_without_licence_is_an_advisory() -> None:
    verdict = judge_license(LicenseObservation(SALES.address, (), "licenseDetails"), SALES)
    assert (verdict.status, verdict.owner) == ("advisory", "exchange-admin")
    assert "50 GB" in verdict.remediation and "waiver" in verdict.remediation


def test_licence_without_exchange_plan() -> None:
    verdict = judge_license(details("STANDARDPACK", ("SHAREPOINTSTANDARD", "Success")), SUPPORT)
    assert (
        verdict.status == "failed"
        and "Office 365 E1 (STANDARDPACK), with no active Exchange Online mailbox plan" in verdict.detail
    )


def test_assigned_plans_fallback_recognises_plan_2_by_its_id() -> None:
    user = {
        "assignedLicenses": [{"skuId": "6FD2C87F-B296-42F0-B197-1E91E994B900"}],
        "assignedPlans": [
            {
                "servicePlanId": "efb87545-963c-4e0d-99df-69c6916d9eb0",
                "capabilityStatus": "Enabled",
                "service": "exchange",
            }
        ],
    }
    verdict = judge_license(LicenseObservation(SUPPORT.address, parse_assigned_plans(user), "assignedPlans"), SUPPORT)
    assert verdict.status == "passed" and "ENTERPRISEPACK" in verdict.detail and "assignedPlans" in verdict.detail


def test_licences_unreadable_by_the_reader_are_skipped_not_failed() -> None:
    observation = LicenseObservation(
        SUPPORT.address,
        error="graph-forbidden",
        message="Graph denied GET users/support@example.com: HTTP 403 Authorization_RequestDenied",
        lacks="User.Read.All (or Directory.Read.All)",
    )
    verdict = judge_license(observation, SUPPORT)
    assert verdict.status == "skipped" and verdict.owner is None
    assert "User.Read.All (or Directory.Read.All)" in verdict.detail and "Grant admin consent" in verdict.detail


def test_user_not_found_cannot_tell() -> None:
    observation = LicenseObservation(
        SUPPORT.address, error="user-not-found", message="HTTP 404 Request_ResourceNotFound"
    )
    assert judge_license(observation, SUPPORT).status == "skipped"


# --- parsing and the diagnosis rows --------------------------------------------------------------


def test_graph_timestamps_with_seven_digit_fractions() -> None:
    assert parse_time("2026-12-20T12:00:00.1234567Z") == dt.datetime(2026, 12, 20, 12, tzinfo=dt.timezone.utc)
    assert parse_time(None) is None and parse_time("soon") is None


def test_graph_rows_are_in_the_shared_table_with_allowed_owners() -> None:
    for signature, row in ROWS.items():
        assert TABLE[signature] is row
        assert row.owner in OWNERS
        assert placeholders(row.cause) | placeholders(row.remediation) <= {"mailbox"}  # the only fact Graph rows name


@pytest.mark.parametrize(
    ("graph_row", "aadsts"),
    [
        (("azure_app.client_secret", "client-secret-id-entered"), 7000215),
        (("azure_app.registration", "app-not-found"), 700016),
        (("azure_app.client_secret", "client-secret-expired"), 7000222),
        (("azure_app.permissions", "consent-missing"), 65001),
    ],
)
def test_one_cause_has_one_owner_whichever_check_reports_it(graph_row: tuple[str, str], aadsts: int) -> None:
    assert ROWS[graph_row].owner == TABLE[("token.refresh", f"AADSTS{aadsts}")].owner


def test_secret_id_entered_says_enter_the_value_and_create_one_only_if_nobody_has_it() -> None:
    remediation = ROWS[("azure_app.client_secret", "client-secret-id-entered")].remediation
    assert remediation.startswith("Enter the secret's Value (not its Secret ID) in ECE")
    assert "only if nobody kept it, create a new secret" in remediation


def test_no_reader_problem_is_a_finding() -> None:
    assert not [sig for sig in ROWS if sig[1] in ("graph-token-failed", "graph-unauthorized", "graph-forbidden")]
