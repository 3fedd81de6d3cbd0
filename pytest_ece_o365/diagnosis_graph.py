"""Diagnosis rows of the Graph (directory) checks, added to :data:`pytest_ece_o365.diagnosis.TABLE`.

The rows hold no placeholders: what differs from one tenant to the next (the URIs, dates, permission
names, SKUs) is what the check saw, and :func:`graph_finding` puts it after the row's cause. The
remediation names the config keys and portal blades, which are the same everywhere.
"""

# One row per line, as in diagnosis.py: adding a signature stays a one-line change.
# ruff: noqa: E501

from __future__ import annotations

from typing import Final, Literal

from pytest_ece_o365.diagnosis import TABLE, Diagnosis
from pytest_ece_o365.verdict import Owner, Verdict, advisory, failed

_APP = "Azure portal > App registrations > the ECE app ([azure_ad] client_id)"
_READER = "Azure portal > App registrations > the reader app ([graph] client_id)"
_REGENERATE = "then generate the refresh tokens again in ECE (in a private browser window, as each token's account): a token carries the permissions consented when it was issued."


def _row(
    cause: str,
    remediation: str,
    owner: Owner = "azure-admin",
    section: int = 3,
    status: Literal["failed", "advisory"] = "failed",
) -> Diagnosis:
    return Diagnosis(cause, remediation, owner, section, status)


# Licences are assigned in the Microsoft 365 admin center by whoever administers the tenant's mail
# licences: the Exchange/M365 admin, not the Azure app owner (azure-admin) nor ECE's administrator.
_LICENCE_OWNER: Final[Owner] = "exchange-admin"
_ASSIGN_E3 = "Assign an Office 365 E3 or Microsoft 365 E3 (or E5) licence with Exchange Online (Plan 2) switched on to the mailbox's user (Microsoft 365 admin center > Users > Active users > the user > Licenses and apps), or waive this check for the mailbox in [[waivers]]."
_SHARED_NOTE = "Microsoft lets a shared mailbox under 50 GB go unlicensed, but the TAC checklist asks for an E3 licence: assign one (Microsoft 365 admin center > Users > Active users > the mailbox's user > Licenses and apps) or record the decision as a waiver in [[waivers]]."

ROWS: Final[dict[tuple[str, str], Diagnosis]] = {
    # --- the [graph] reader itself: reported once, on azure_app.registration ---------------------
    ("azure_app.registration", "graph-token-failed"): _row("The directory checks could not sign in to Microsoft Graph with the [graph] reader app, so the app registration, its secret, its permissions and the licences were not checked.", f"In {_READER}: check that it exists in this tenant and has a valid client secret, and put the secret's Value (not its Secret ID) in [graph] client_secret's variable or file."),
    ("azure_app.registration", "graph-unauthorized"): _row("Microsoft Graph refused the [graph] reader app's token (HTTP 401), so the directory checks did not run.", f"Check [azure_ad] tenant and [o365] cloud (the token must come from the tenant's own cloud), and that {_READER} is not disabled."),
    ("azure_app.registration", "graph-forbidden"): _row("The [graph] reader app may not read app registrations (HTTP 403), so the directory checks did not run.", f"In {_READER} > API permissions: add the Microsoft Graph application permissions Application.Read.All and Directory.Read.All, then Grant admin consent for the tenant."),
    # --- ECE's app registration ---------------------------------------------------------------
    ("azure_app.registration", "app-not-found"): _row("The ECE app is not registered in this tenant.", "Compare [azure_ad] client_id and the client id entered in ECE with the app's Application (client) ID (App registrations > the app > Overview), and [azure_ad] tenant with its Directory (tenant) ID: one of them names another app or another tenant (AADSTS700016 at token time). If the app was deleted, restore it (App registrations > Deleted applications) or register it again following Cisco's guide."),
    ("azure_app.registration", "redirect-uri-not-registered"): _row("The app does not list ECE's redirect URI exactly under its Web platform, so Entra ID rejects ECE's sign-in (AADSTS50011) when a token is generated.", f"In {_APP} > Authentication > Web > Redirect URIs, add the URI of [azure_ad] redirect_uri exactly as ECE shows it (same scheme, host, path, letter case and trailing slash), then Save."),
    ("azure_app.registration", "redirect-uri-wrong-platform"): _row("The app lists ECE's redirect URI under a Single-page application or Mobile and desktop platform instead of Web. ECE redeems the authorization code on its server with the client secret, the Web-platform way; for an SPA redirect Entra ID requires PKCE for a browser's cross-origin redemption and refuses ECE's with AADSTS9002325.", f"In {_APP} > Authentication: delete the URI from the Single-page application / Mobile and desktop platform, add it under Add a platform > Web with exactly the same text, Save, then generate the tokens again in ECE."),
    # --- its client secret --------------------------------------------------------------------
    ("azure_app.client_secret", "no-client-secret"): _row("The app has no client secret, so ECE cannot redeem or refresh any token (AADSTS7000215/7000218).", f"In {_APP} > Certificates & secrets > New client secret: create one, copy its Value at once (the portal shows it only then), and enter it in ECE."),
    ("azure_app.client_secret", "client-secret-expired"): _row("The app's client secret has expired: every token refresh fails with AADSTS7000222, so ECE stops reading and sending mail.", f"In {_APP} > Certificates & secrets > New client secret: create one, copy its Value (not its Secret ID), enter it in ECE where the client secret is kept, then delete the expired one."),
    ("azure_app.client_secret", "client-secret-id-entered"): _row("The client secret ECE is given is the secret's Secret ID, not its value: Entra ID refuses it with AADSTS7000215.", f"The value is shown only when a secret is created: in {_APP} > Certificates & secrets create a new client secret, copy the Value column (not Secret ID), and enter it in ECE."),
    ("azure_app.client_secret", "client-secret-expiring"): _row("The app's last valid client secret expires soon; on that day every token refresh fails (AADSTS7000222) and ECE stops reading and sending mail.", f"Rotate it before it expires: in {_APP} > Certificates & secrets > New client secret, copy its Value, enter it in ECE, check that mail still flows, then delete the old one.", status="advisory"),
    # --- its delegated permissions ------------------------------------------------------------
    ("azure_app.permissions", "permissions-not-requested"): _row("The app does not request every delegated permission the configured mailboxes need, so tokens lack those scopes.", f"In {_APP} > API permissions > Add a permission > Microsoft Graph > Delegated permissions: add the permissions named above, click Grant admin consent for the tenant, {_REGENERATE}"),
    ("azure_app.permissions", "consent-missing"): _row("The app requests the delegated permissions, but no administrator consented to them for the whole tenant (AADSTS65001 at token time).", f"In {_APP} > API permissions: click Grant admin consent for the tenant (Global, Privileged Role or Cloud Application Administrator), check that every permission shows Granted, {_REGENERATE}"),
    ("azure_app.permissions", "graph-forbidden"): _row("The [graph] reader app may not read the tenant's consent grants (HTTP 403), so admin consent could not be checked.", f"In {_READER} > API permissions: add the Microsoft Graph application permission Directory.Read.All, then Grant admin consent for the tenant."),
    # --- the mailboxes' licences --------------------------------------------------------------
    ("license.exchange", "no-license"): _row("The mailbox's user has no Exchange Online licence.", _ASSIGN_E3, _LICENCE_OWNER, 6),
    ("license.exchange", "exchange-plan1-only"): _row("The mailbox's user has only Exchange Online (Plan 1), not the Exchange Online (Plan 2) of an E3 licence that the TAC checklist requires.", _ASSIGN_E3, _LICENCE_OWNER, 6),
    ("license.exchange", "exchange-plan-disabled"): _row("The mailbox's user has Exchange Online (Plan 2) in a licence, but the service is not active for it.", "Switch Exchange Online (Plan 2) on in the user's licence (Microsoft 365 admin center > Users > Active users > the user > Licenses and apps > Apps), and wait for it to show as provisioned.", _LICENCE_OWNER, 6),
    ("license.exchange", "no-license-shared"): _row("The shared mailbox has no Exchange Online licence.", _SHARED_NOTE, _LICENCE_OWNER, 6, "advisory"),
    ("license.exchange", "exchange-plan1-only-shared"): _row("The shared mailbox has only Exchange Online (Plan 1), not the Plan 2 of an E3 licence.", _SHARED_NOTE, _LICENCE_OWNER, 6, "advisory"),
    ("license.exchange", "exchange-plan-disabled-shared"): _row("The shared mailbox has Exchange Online (Plan 2) in a licence, but the service is not active for it.", _SHARED_NOTE, _LICENCE_OWNER, 6, "advisory"),
    ("license.exchange", "graph-forbidden"): _row("The [graph] reader app may not read users' licences (HTTP 403), so the licence could not be checked.", f"In {_READER} > API permissions: add the Microsoft Graph application permission Directory.Read.All (or User.Read.All), then Grant admin consent for the tenant.", "azure-admin", 6),
}  # fmt: skip

TABLE.update(ROWS)


def graph_finding(check_id: str, error: str, seen: str, *, evidence: tuple[str, ...] = ()) -> Verdict:
    """The failed or advisory verdict of row ``(check_id, error)``: its cause, then what was seen."""
    row = ROWS[(check_id, error)]
    detail = f"{row.cause} {seen}".strip()
    make = advisory if row.status == "advisory" else failed
    return make(detail, row.remediation, row.owner, evidence=evidence)
