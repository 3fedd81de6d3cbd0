"""Diagnosis rows of the Graph (directory) checks: :data:`ROWS`, assembled into :data:`pytest_ece_o365.diagnosis.TABLE`.

The rows hold no placeholders: what differs from one tenant to the next (the URIs, dates, permission
names, SKUs) is what the check saw, and :func:`graph_finding` puts it after the row's cause. The
remediation names the config keys and portal blades, which are the same everywhere.
"""

# One row per line, as in diagnosis.py: adding a signature stays a one-line change.
# ruff: noqa: E501

from __future__ import annotations

from typing import Final, Literal

from pytest_ece_o365.diagnosis import oauth as diagnosis_oauth
from pytest_ece_o365.diagnosis.table import Diagnosis, fill, finding
from pytest_ece_o365.knowledge import (
    CIPP_EXCHANGE_CAPABILITIES,
    MS_LICENSING_REFERENCE,
    MS_SET_CASMAILBOXPLAN,
    MS_SHARED_MAILBOX_LICENCE,
    SHARED_MAILBOX_UNLICENSED_GB,
)
from pytest_ece_o365.knowledge.sources import AADSTS_REFERENCE, MS_MAIL_OAUTH, TAC_218453, Source
from pytest_ece_o365.verdict import Owner, Verdict

_APP = "Azure portal > App registrations > the ECE app ([azure_ad] client_id)"
_READER = "Azure portal > App registrations > the reader app ([graph] client_id)"
_REGENERATE = "then generate the refresh tokens again in ECE (in a private browser window, as each token's account): a token carries the permissions consented when it was issued."


def _oauth_owner(aadsts: int) -> Owner:
    """Who token.refresh names for the same cause: one cause, one owner, whichever check reports it."""
    return diagnosis_oauth.ROWS[("token.refresh", f"AADSTS{aadsts}")].owner


_ENTER_VALUE = f"Enter the secret's Value (not its Secret ID) in ECE's OAuth settings and in [azure_ad] client_secret's source. Azure shows the Value only once, when the secret is created: only if nobody kept it, create a new secret ({_APP} > Certificates & secrets > New client secret) and enter its Value."


def _row(
    cause: str,
    remediation: str,
    owner: Owner = "azure-admin",
    section: int = 3,
    status: Literal["failed", "advisory"] = "failed",
    source: Source | None = None,
) -> Diagnosis:
    return Diagnosis(cause, remediation, owner, section, status, source)


def _also(source: Source, *refs: str) -> Source:
    """``source`` with the threads that show the reply verbatim (office365-replies.jsonl)."""
    return Source("; ".join((source.ref, *refs)), source.checked)


# The AADSTS code's meaning (Microsoft's reference) and a thread quoting the live reply.
_S_50011 = _also(AADSTS_REFERENCE, "unoplatform/uno.todo#180")
_S_65001 = _also(AADSTS_REFERENCE, "stevenmaguire/oauth2-microsoft#31")
_S_7000215 = _also(AADSTS_REFERENCE, "Azure/sap-automation#418")
_S_7000222 = _also(AADSTS_REFERENCE, "Azure-Samples/active-directory-dotnetcore-daemon-v2#87")
#: consentType AllPrincipals (admin consent) vs Principal (a user's own): Graph's oauth2PermissionGrant.
_S_GRANTS = Source("https://learn.microsoft.com/en-us/graph/api/resources/oauth2permissiongrant", "2026-12-04")
#: The licence rows: TAC asks for "at least one E3 licence"; the plan names are Microsoft's licensing table's.
_S_LICENCE = _also(TAC_218453, MS_LICENSING_REFERENCE.ref)
_S_KIOSK = _also(_S_LICENCE, MS_SET_CASMAILBOXPLAN.ref)
_S_SHARED = _also(_S_LICENCE, MS_SHARED_MAILBOX_LICENCE.ref)


# Licences are assigned in the Microsoft 365 admin center by whoever administers the tenant's mail
# licences: the Exchange/M365 admin, not the Azure app owner (azure-admin) nor ECE's administrator.
_LICENCE_OWNER: Final[Owner] = "exchange-admin"
# The rule is the TAC document's ("at least one E3 licence"), worded as such: no Microsoft source was found
# saying that OAuth for IMAP, POP or SMTP needs Exchange Online (Plan 2) (field audit 2026-12, §Licence).
_TAC_E3 = "the E3 licence the TAC checklist asks for carries Exchange Online (Plan 2) (in GCC: Exchange Online (Plan 2) for Government). This is the TAC document's requirement; this tool knows of no Microsoft statement that OAuth for IMAP, POP or SMTP needs Plan 2."
_ASSIGN_E3 = "Assign an Office 365 E3 or Microsoft 365 E3 or E5 licence (in GCC: Office 365 G3 or G5) with Exchange Online (Plan 2) switched on to the mailbox's user (Microsoft 365 admin center > Users > Active users > the user > Licenses and apps), or record the decision to keep this licence as a waiver of license.exchange for the mailbox in [[waivers]]."
_KIOSK_IMAP = "Kiosk mailboxes have IMAP turned off by default (CAS mailbox plan ExchangeOnlineDeskless; POP stays on by default)."
_ENABLE_IMAP = "Until then, if ECE reads this mailbox over IMAP, turn IMAP on for it in Exchange Online PowerShell: Set-CASMailbox {mailbox} -ImapEnabled $true (mailbox.inbound shows whether it is off)."
_SHARED_NOTE = f"Microsoft lets a shared mailbox under {SHARED_MAILBOX_UNLICENSED_GB} GB go unlicensed, but the TAC checklist asks for an E3 licence: assign one (Microsoft 365 admin center > Users > Active users > the mailbox's user > Licenses and apps) or record the decision as a waiver in [[waivers]]."


def _lower_plan(plan: str, *, shared: bool = False) -> str:
    """The cause of a mailbox whose Exchange Online plan is below Plan 2."""
    who = "The shared mailbox" if shared else "The mailbox's user"
    return f"{who} has {plan}, not Exchange Online (Plan 2): {_TAC_E3}"


ROWS: Final[dict[tuple[str, str], Diagnosis]] = {
    # --- ECE's app registration ---------------------------------------------------------------
    ("azure_app.registration", "app-not-found"): _row("The ECE app is not registered in this tenant (AADSTS700016 at token time).", "Compare the client ID and tenant entered in ECE's OAuth settings (and [azure_ad] client_id and tenant) with the app's Application (client) ID and Directory (tenant) ID (Azure portal > App registrations > the app > Overview) and correct them in ECE and in [azure_ad]: one of them names another app or another tenant. If the app was deleted, have an Azure administrator restore it (App registrations > Deleted applications) or register it again following Cisco's guide.", _oauth_owner(700016), source=AADSTS_REFERENCE),
    ("azure_app.registration", "redirect-uri-not-registered"): _row("The app does not list ECE's redirect URI exactly under its Web platform, so Entra ID rejects ECE's sign-in (AADSTS50011) when a token is generated.", f"In {_APP} > Authentication > Web > Redirect URIs, add the URI of [azure_ad] redirect_uri exactly as ECE shows it (same scheme, host, path, letter case and trailing slash), then Save.", source=_S_50011),
    ("azure_app.registration", "redirect-uri-wrong-platform"): _row("The app lists ECE's redirect URI under a Single-page application or Mobile and desktop platform instead of Web. ECE redeems the authorization code on its server with the client secret, the Web-platform way; a code or refresh token issued to an SPA redirect URI may only be redeemed by a browser (cross-origin), so Entra ID refuses ECE's server-side redemption with AADSTS9002327 (and an SPA refresh token dies after 24 hours, AADSTS700084).", f"In {_APP} > Authentication: delete the URI from the Single-page application / Mobile and desktop platform, add it under Add a platform > Web with exactly the same text, Save, then generate the tokens again in ECE.", source=_also(AADSTS_REFERENCE, "AzureAD/microsoft-authentication-library-for-js#2482", "AzureAD/microsoft-authentication-library-for-js#3032", "https://learn.microsoft.com/en-us/entra/identity-platform/refresh-tokens")),
    # --- its client secret --------------------------------------------------------------------
    ("azure_app.client_secret", "no-client-secret"): _row("The app has no client secret, so ECE cannot redeem or refresh any token (AADSTS7000215/7000218).", f"In {_APP} > Certificates & secrets > New client secret: create one, copy its Value at once (the portal shows it only then), and enter it in ECE.", source=_S_7000215),
    ("azure_app.client_secret", "client-secret-expired"): _row("The app's client secret has expired: every token refresh fails with AADSTS7000222, so ECE stops reading and sending mail.", f"In {_APP} > Certificates & secrets > New client secret: create one, copy its Value (not its Secret ID), enter it in ECE where the client secret is kept, then delete the expired one.", source=_S_7000222),
    ("azure_app.client_secret", "client-secret-id-entered"): _row("The client secret ECE is given is the secret's Secret ID, not its value: Entra ID refuses it with AADSTS7000215.", _ENTER_VALUE, _oauth_owner(7000215), source=_S_7000215),
    ("azure_app.client_secret", "client-secret-expiring"): _row("The app's last valid client secret expires soon; on that day every token refresh fails (AADSTS7000222) and ECE stops reading and sending mail.", f"Rotate it before it expires: in {_APP} > Certificates & secrets > New client secret, copy its Value, enter it in ECE, check that mail still flows, then delete the old one.", status="advisory", source=_S_7000222),
    ("azure_app.client_secret", "client-secret-expiring-newer-unused"): _row("ECE's client secret expires soon, and the app already has a newer secret that ECE does not use; on the old one's expiry day every token refresh fails (AADSTS7000222) unless ECE has the newer one by then.", f"Enter the newer secret's Value (not its Secret ID) in ECE's OAuth settings and in [azure_ad] client_secret's source before the old one expires, check that mail still flows, then delete the old one in {_APP} > Certificates & secrets. Azure shows a secret's Value only once, when it is created: if nobody kept the newer one's, create a new secret there and enter its Value instead.", "ece-admin", status="advisory", source=_S_7000222),
    # --- its delegated permissions ------------------------------------------------------------
    ("azure_app.permissions", "permissions-not-requested"): _row("The app does not request every delegated permission the configured mailboxes need, so tokens lack those scopes.", f"In {_APP} > API permissions > Add a permission > Microsoft Graph > Delegated permissions: add the permissions named above, click Grant admin consent for the tenant, {_REGENERATE}", source=MS_MAIL_OAUTH),
    ("azure_app.permissions", "consent-missing"): _row("The app requests the delegated permissions, but no administrator consented to them for the whole tenant (AADSTS65001 at token time).", f"In {_APP} > API permissions: click Grant admin consent for the tenant (Global, Privileged Role or Cloud Application Administrator), check that every permission shows Granted, {_REGENERATE}", source=_S_65001),
    ("azure_app.permissions", "consent-users-only"): _row("The delegated permissions are consented by users only, no admin consent: every mailbox's token account consented for itself, so today's tokens work, but a token generated for any other account (a new mailbox, a changed token_account) fails with AADSTS65001, and a user may revoke their own consent.", f"In {_APP} > API permissions: click Grant admin consent for the tenant (Global, Privileged Role or Cloud Application Administrator), and check that every permission shows Granted.", status="advisory", source=_S_GRANTS),
    # --- the mailboxes' licences --------------------------------------------------------------
    ("license.exchange", "no-license"): _row(f"The mailbox's user has no Exchange Online mailbox plan (none of Plan 2, Plan 1, Essentials, Kiosk or Lite, nor their Government forms): {_TAC_E3}", _ASSIGN_E3, _LICENCE_OWNER, 6, source=_S_LICENCE),
    ("license.exchange", "exchange-plan1-only"): _row(_lower_plan("Exchange Online (Plan 1)"), _ASSIGN_E3, _LICENCE_OWNER, 6, source=_S_LICENCE),
    ("license.exchange", "exchange-essentials-only"): _row(_lower_plan("Exchange Online Essentials"), _ASSIGN_E3, _LICENCE_OWNER, 6, source=_S_LICENCE),
    ("license.exchange", "exchange-kiosk-only"): _row(f"{_lower_plan('Exchange Online Kiosk')} {_KIOSK_IMAP}", f"{_ASSIGN_E3} {_ENABLE_IMAP}", _LICENCE_OWNER, 6, source=_S_KIOSK),
    ("license.exchange", "exchange-lite-only"): _row(_lower_plan("Exchange Online Lite"), _ASSIGN_E3, _LICENCE_OWNER, 6, source=_also(_S_LICENCE, CIPP_EXCHANGE_CAPABILITIES.ref)),
    ("license.exchange", "exchange-plan-disabled"): _row("The mailbox's user has Exchange Online (Plan 2) in a licence, but the service is not active for it.", "Switch Exchange Online (Plan 2) on in the user's licence (Microsoft 365 admin center > Users > Active users > the user > Licenses and apps > Apps), and wait for it to show as provisioned.", _LICENCE_OWNER, 6, source=_S_LICENCE),
    ("license.exchange", "no-license-shared"): _row("The shared mailbox has no Exchange Online licence.", _SHARED_NOTE, _LICENCE_OWNER, 6, "advisory", _S_SHARED),
    ("license.exchange", "exchange-plan1-only-shared"): _row(_lower_plan("Exchange Online (Plan 1)", shared=True), _SHARED_NOTE, _LICENCE_OWNER, 6, "advisory", _S_SHARED),
    ("license.exchange", "exchange-essentials-only-shared"): _row(_lower_plan("Exchange Online Essentials", shared=True), _SHARED_NOTE, _LICENCE_OWNER, 6, "advisory", _S_SHARED),
    ("license.exchange", "exchange-kiosk-only-shared"): _row(f"{_lower_plan('Exchange Online Kiosk', shared=True)} {_KIOSK_IMAP}", f"{_SHARED_NOTE} {_ENABLE_IMAP}", _LICENCE_OWNER, 6, "advisory", _also(_S_SHARED, MS_SET_CASMAILBOXPLAN.ref)),
    ("license.exchange", "exchange-lite-only-shared"): _row(_lower_plan("Exchange Online Lite", shared=True), _SHARED_NOTE, _LICENCE_OWNER, 6, "advisory", _also(_S_SHARED, CIPP_EXCHANGE_CAPABILITIES.ref)),
    ("license.exchange", "exchange-plan-disabled-shared"): _row("The shared mailbox has Exchange Online (Plan 2) in a licence, but the service is not active for it.", _SHARED_NOTE, _LICENCE_OWNER, 6, "advisory", _S_SHARED),
}  # fmt: skip


def graph_finding(
    check_id: str, error: str, seen: str, *, evidence: tuple[str, ...] = (), mailbox: str = ""
) -> Verdict:
    """The failed or advisory verdict of row ``(check_id, error)``: its cause, then what was seen; a
    remediation's ``{mailbox}`` (a command line to paste) names ``mailbox`` when given."""
    row = ROWS[(check_id, error)]
    detail = f"{fill(row.cause, {'mailbox': mailbox})} {seen}".strip()
    remediation = fill(row.remediation, {"mailbox": mailbox})
    return finding(check_id, error, row, detail, remediation, evidence=evidence)


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
