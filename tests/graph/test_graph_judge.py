"""The Graph checks' judgement from recorded Graph payloads: no network."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pytest_ece_o365.checks.graph_judge import (
    judge_client_secret,
    judge_license,
    judge_permissions,
    judge_registration,
    near_miss,
    needed_permissions,
)
from pytest_ece_o365.deployment import Mailbox
from pytest_ece_o365.diagnosis import TABLE
from pytest_ece_o365.diagnosis_graph import ROWS
from pytest_ece_o365.knowledge import GRAPH_APP_ID, GRAPH_DELEGATED_PERMISSION_IDS, OWNERS
from pytest_ece_o365.probes.graph_model import (
    AppObservation,
    LicenseObservation,
    PermissionGrant,
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
        "Single-page application" in verdict.detail and "AADSTS9002325" in verdict.detail and "PKCE" in verdict.detail
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
    verdict = judge_client_secret(observed(), NOW, "abc-the-secret-value")
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
    verdict = judge_client_secret(observed(application(passwordCredentials=creds)), NOW, "abc-value")
    assert verdict.status == "failed"
    assert 'ECE\'s client secret "old"' in verdict.detail and "expired on 2026-11-01 (28 days ago)" in verdict.detail
    assert 'Another secret, "new"' in verdict.detail


def test_secret_id_entered_instead_of_the_value() -> None:
    verdict = judge_client_secret(observed(), NOW, "AA68726D-7EDA-4D4E-9C2A-DEE7C694102E")
    assert verdict.status == "failed" and "Secret ID" in verdict.detail and "Value column" in verdict.remediation


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


def test_smtp_send_requested_under_another_resource_does_not_count() -> None:
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


def test_consent_unreadable_without_directory_read_all() -> None:
    fields: dict[str, Any] = {
        "grants": (),
        "grants_error": "graph-forbidden",
        "grants_message": "the reader app lacks Directory.Read.All",
    }
    verdict = judge_permissions(observed(**fields), needed_permissions([SUPPORT]))
    assert verdict.status == "failed" and "Directory.Read.All" in verdict.detail


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
    assert "Exchange Online (Plan 1) only, through Exchange Online (Plan 1) (EXCHANGESTANDARD)" in verdict.detail
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
        and "Office 365 E1 (STANDARDPACK), with no active Exchange Online plan" in verdict.detail
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
        assert row.owner in OWNERS and "{" not in row.cause + row.remediation
