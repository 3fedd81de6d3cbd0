"""Diagnosis rows of the Graph (directory) checks, added to :data:`pytest_ece_o365.diagnosis.TABLE`.

The rows hold no placeholders: what differs from one tenant to the next (the URIs, dates, permission
names, SKUs) is what the check saw, and :func:`graph_finding` puts it after the row's cause. The
remediation names the config keys and portal blades, which are the same everywhere.
"""

# One row per line, as in diagnosis.py: adding a signature stays a one-line change.
# ruff: noqa: E501

from __future__ import annotations

from typing import Final, Literal

from pytest_ece_o365 import diagnosis_oauth  # noqa: F401  (its rows: the owners the secret and app rows share)
from pytest_ece_o365.diagnosis import TABLE, Diagnosis
from pytest_ece_o365.verdict import Owner, Verdict, advisory, failed

_APP = "Azure portal > App registrations > the ECE app ([azure_ad] client_id)"
_READER = "Azure portal > App registrations > the reader app ([graph] client_id)"
_REGENERATE = "then generate the refresh tokens again in ECE (in a private browser window, as each token's account): a token carries the permissions consented when it was issued."


def _oauth_owner(aadsts: int) -> Owner:
    """Who token.refresh names for the same cause: one cause, one owner, whichever check reports it."""
    return TABLE[("token.refresh", f"AADSTS{aadsts}")].owner


_ENTER_VALUE = f"Enter the secret's Value (not its Secret ID) in ECE's OAuth settings and in [azure_ad] client_secret's source. Azure shows the Value only once, when the secret is created: only if nobody kept it, create a new secret ({_APP} > Certificates & secrets > New client secret) and enter its Value."


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
    # --- ECE's app registration ---------------------------------------------------------------
    ("azure_app.registration", "app-not-found"): _row("The ECE app is not registered in this tenant (AADSTS700016 at token time).", "Compare the client ID and tenant entered in ECE's OAuth settings (and [azure_ad] client_id and tenant) with the app's Application (client) ID and Directory (tenant) ID (Azure portal > App registrations > the app > Overview) and correct them in ECE and in [azure_ad]: one of them names another app or another tenant. If the app was deleted, have an Azure administrator restore it (App registrations > Deleted applications) or register it again following Cisco's guide.", _oauth_owner(700016)),
    ("azure_app.registration", "redirect-uri-not-registered"): _row("The app does not list ECE's redirect URI exactly under its Web platform, so Entra ID rejects ECE's sign-in (AADSTS50011) when a token is generated.", f"In {_APP} > Authentication > Web > Redirect URIs, add the URI of [azure_ad] redirect_uri exactly as ECE shows it (same scheme, host, path, letter case and trailing slash), then Save."),
    ("azure_app.registration", "redirect-uri-wrong-platform"): _row("The app lists ECE's redirect URI under a Single-page application or Mobile and desktop platform instead of Web. ECE redeems the authorization code on its server with the client secret, the Web-platform way; for an SPA redirect Entra ID requires PKCE for a browser's cross-origin redemption and refuses ECE's with AADSTS9002325.", f"In {_APP} > Authentication: delete the URI from the Single-page application / Mobile and desktop platform, add it under Add a platform > Web with exactly the same text, Save, then generate the tokens again in ECE."),
    # --- its client secret --------------------------------------------------------------------
    ("azure_app.client_secret", "no-client-secret"): _row("The app has no client secret, so ECE cannot redeem or refresh any token (AADSTS7000215/7000218).", f"In {_APP} > Certificates & secrets > New client secret: create one, copy its Value at once (the portal shows it only then), and enter it in ECE."),
    ("azure_app.client_secret", "client-secret-expired"): _row("The app's client secret has expired: every token refresh fails with AADSTS7000222, so ECE stops reading and sending mail.", f"In {_APP} > Certificates & secrets > New client secret: create one, copy its Value (not its Secret ID), enter it in ECE where the client secret is kept, then delete the expired one."),
    ("azure_app.client_secret", "client-secret-id-entered"): _row("The client secret ECE is given is the secret's Secret ID, not its value: Entra ID refuses it with AADSTS7000215.", _ENTER_VALUE, _oauth_owner(7000215)),
    ("azure_app.client_secret", "client-secret-expiring"): _row("The app's last valid client secret expires soon; on that day every token refresh fails (AADSTS7000222) and ECE stops reading and sending mail.", f"Rotate it before it expires: in {_APP} > Certificates & secrets > New client secret, copy its Value, enter it in ECE, check that mail still flows, then delete the old one.", status="advisory"),
    ("azure_app.client_secret", "client-secret-expiring-newer-unused"): _row("ECE's client secret expires soon, and the app already has a newer secret that ECE does not use; on the old one's expiry day every token refresh fails (AADSTS7000222) unless ECE has the newer one by then.", f"Enter the newer secret's Value (not its Secret ID) in ECE's OAuth settings and in [azure_ad] client_secret's source before the old one expires, check that mail still flows, then delete the old one in {_APP} > Certificates & secrets. Azure shows a secret's Value only once, when it is created: if nobody kept the newer one's, create a new secret there and enter its Value instead.", "ece-admin", status="advisory"),
    # --- its delegated permissions ------------------------------------------------------------
    ("azure_app.permissions", "permissions-not-requested"): _row("The app does not request every delegated permission the configured mailboxes need, so tokens lack those scopes.", f"In {_APP} > API permissions > Add a permission > Microsoft Graph > Delegated permissions: add the permissions named above, click Grant admin consent for the tenant, {_REGENERATE}"),
    ("azure_app.permissions", "consent-missing"): _row("The app requests the delegated permissions, but no administrator consented to them for the whole tenant (AADSTS65001 at token time).", f"In {_APP} > API permissions: click Grant admin consent for the tenant (Global, Privileged Role or Cloud Application Administrator), check that every permission shows Granted, {_REGENERATE}"),
    ("azure_app.permissions", "consent-users-only"): _row("The delegated permissions are consented by users only, no admin consent: every mailbox's token account consented for itself, so today's tokens work, but a token generated for any other account (a new mailbox, a changed token_account) fails with AADSTS65001, and a user may revoke their own consent.", f"In {_APP} > API permissions: click Grant admin consent for the tenant (Global, Privileged Role or Cloud Application Administrator), and check that every permission shows Granted.", status="advisory"),
    # --- the mailboxes' licences --------------------------------------------------------------
    ("license.exchange", "no-license"): _row("The mailbox's user has no Exchange Online licence.", _ASSIGN_E3, _LICENCE_OWNER, 6),
    ("license.exchange", "exchange-plan1-only"): _row("The mailbox's user has only Exchange Online (Plan 1), not the Exchange Online (Plan 2) of an E3 licence that the TAC checklist requires.", _ASSIGN_E3, _LICENCE_OWNER, 6),
    ("license.exchange", "exchange-plan-disabled"): _row("The mailbox's user has Exchange Online (Plan 2) in a licence, but the service is not active for it.", "Switch Exchange Online (Plan 2) on in the user's licence (Microsoft 365 admin center > Users > Active users > the user > Licenses and apps > Apps), and wait for it to show as provisioned.", _LICENCE_OWNER, 6),
    ("license.exchange", "no-license-shared"): _row("The shared mailbox has no Exchange Online licence.", _SHARED_NOTE, _LICENCE_OWNER, 6, "advisory"),
    ("license.exchange", "exchange-plan1-only-shared"): _row("The shared mailbox has only Exchange Online (Plan 1), not the Plan 2 of an E3 licence.", _SHARED_NOTE, _LICENCE_OWNER, 6, "advisory"),
    ("license.exchange", "exchange-plan-disabled-shared"): _row("The shared mailbox has Exchange Online (Plan 2) in a licence, but the service is not active for it.", _SHARED_NOTE, _LICENCE_OWNER, 6, "advisory"),
}  # fmt: skip

TABLE.update(ROWS)


def graph_finding(check_id: str, error: str, seen: str, *, evidence: tuple[str, ...] = ()) -> Verdict:
    """The failed or advisory verdict of row ``(check_id, error)``: its cause, then what was seen."""
    row = ROWS[(check_id, error)]
    detail = f"{row.cause} {seen}".strip()
    make = advisory if row.status == "advisory" else failed
    return make(detail, row.remediation, row.owner, evidence=evidence)


# --- the [graph] reader itself: this tool's own input, never a finding about the deployment ---------
_GRANT = f"{_READER} > API permissions > Add a permission > Microsoft Graph > Application permissions > {{permission}}, then Grant admin consent for the tenant"


def reader_skip_reason(error: str, seen: str, permission: str = "") -> str:
    """Why a Graph check could not judge, when the [graph] reader app (this tool's input, not ECE's app)
    cannot read the directory: what it lacks and how to grant it. The checks skip with this reason."""
    head = "not checked: the [graph] reader app (this tool's read-only app, not ECE's)"
    if error == "graph-forbidden":
        wanted = permission or " / ".join(("Application.Read.All", "Directory.Read.All"))
        return f"{head} lacks the Microsoft Graph application permission {wanted} ({seen}). Grant it: {_GRANT.format(permission=wanted)}."
    if error == "graph-unauthorized":
        return f"{head} has a token that Microsoft Graph refuses ({seen}). Check [azure_ad] tenant and [o365] cloud (the token must come from the tenant's own cloud), and that the reader app is enabled in {_READER}."
    return f"{head} got no Microsoft Graph token ({seen}). In {_READER}: check that it exists in this tenant and has a valid client secret, and put the secret's Value (not its Secret ID) in [graph] client_secret's variable or file."
