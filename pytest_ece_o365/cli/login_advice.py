"""What ``ece-o365 login`` says about the AADSTS errors an interactive sign-in and its code redemption meet.

One line per code: what to do. The codes' meanings are Microsoft's error reference
(:data:`~pytest_ece_o365.knowledge.sources.AADSTS_REFERENCE`); :data:`SOURCES` names the thread that quotes the live
reply where the advice rests on more than the reference. The lookup link for other codes is the configured
cloud's own (``knowledge.CLOUDS``, through :func:`pytest_ece_o365.diagnosis.oauth.error_lookup`).
"""

from __future__ import annotations

from typing import Final

from pytest_ece_o365.knowledge.sources import AADSTS_REFERENCE, MS_REFRESH_TOKENS, Source

_CHECKED = "2026-12-04"
_MSAL_JS = "AzureAD/microsoft-authentication-library-for-js"

_SPA = (
    "ECE's redirect URI is registered under the Single-page application platform, whose codes only a browser "
    "may redeem: move it to the Web platform (App registrations > the app > Authentication), then sign in again"
)

#: code → what to do.
AADSTS_ADVICE: Final[dict[int, str]] = {
    50011: "the redirect URI does not match the app registration: make [azure_ad] redirect_uri and the "
    "app's Web redirect URI in Entra ID identical (scheme, host, path, trailing slash)",
    50034: "the account does not exist in this tenant: check the mailbox address / token_account",
    50126: "wrong user name or password; sign in again with the account's own password",
    50076: "multi-factor authentication is required: complete MFA in the browser, then paste the address",
    53003: "Conditional Access blocked the sign-in: ask the Azure administrator to allow this account "
    "(and this workstation's location) for the app",
    65001: "the app's permissions are not consented: have an Azure administrator grant admin consent for "
    "IMAP/POP.AccessAsUser.All, SMTP.Send and offline_access on the app registration",
    70000: "the authorization code is invalid or not this app's: run ece-o365 login again and paste the whole "
    "address the browser lands on",
    70008: "the authorization code expired: run ece-o365 login again and paste the address within minutes",
    54005: "this authorization code was already used: run ece-o365 login again",
    90002: "tenant not found: check [azure_ad] tenant and [o365] cloud",
    700016: "application not found in the tenant: check [azure_ad] client_id and tenant",
    7000215: "invalid client secret: give the secret's Value (not its Secret ID) in [azure_ad] client_secret",
    7000222: "the client secret has expired: create a new one on the app registration and update the config",
    7000218: "no client secret was sent: set [azure_ad] client_secret",
    # A server-side redemption (no Origin header, as ECE and this command do) of an SPA code is 9002327;
    # 9002325 and 9002326 need a browser's Origin header: aliases, should a user paste them.
    9002327: _SPA,
    9002325: _SPA,
    9002326: _SPA,
    700084: "the refresh token was issued to a single-page application redirect URI and expired after its fixed "
    "24 hours: " + _SPA[0].lower() + _SPA[1:],
}


def _seen(thread: str, *also: Source) -> Source:
    return Source("; ".join((AADSTS_REFERENCE.ref, *(source.ref for source in also), thread)), _CHECKED)


#: Where each code's advice comes from: the reference, plus the thread quoting the reply.
SOURCES: Final[dict[int, Source]] = {
    **dict.fromkeys(AADSTS_ADVICE, AADSTS_REFERENCE),
    50011: _seen("unoplatform/uno.todo#180"),
    70000: _seen("QuePort/passport-azure-oauth#6"),
    54005: _seen("snok/django-auth-adfs#245"),
    7000215: _seen("Azure/sap-automation#418"),
    9002327: _seen(f"{_MSAL_JS}#2482; {_MSAL_JS}#3032"),
    9002325: _seen(f"{_MSAL_JS}#3032"),
    9002326: _seen("vippsas/vipps-ecom-api#246"),
    700084: _seen(f"{_MSAL_JS}#7033", MS_REFRESH_TOKENS),
}  # fmt: skip
