"""What ``ece-o365 login`` says about the AADSTS errors an interactive sign-in and its code redemption meet.

One line per code: what to do. The codes' meanings are Microsoft's error reference
(:data:`~pytest_ece_o365.knowledge.sources.AADSTS_REFERENCE`); :data:`SOURCES` names the thread that quotes the live
reply where the advice rests on more than the reference. The lookup link for other codes is the configured
cloud's own (``knowledge.CLOUDS``, through :func:`pytest_ece_o365.diagnosis.oauth.error_lookup`).
"""

from __future__ import annotations

from typing import Final

from pytest_ece_o365.knowledge.sources import AADSTS_REFERENCE, MS_REFRESH_TOKENS, Source
from pytest_ece_o365.redact import clip

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
    # Refusals of the account, the app or a policy that the sign-in page shows (issue 15).
    50057: "the account is disabled in Entra ID: an administrator must set Account enabled = Yes on the user",
    50053: "the account is locked (too many failed sign-ins, or a flagged IP address): wait or have it unblocked, "
    "then sign in again",
    50105: "the account is not assigned to the app, which requires assignment: assign it (Enterprise applications "
    "> the app > Users and groups) or set Assignment required = No",
    7000112: "the app is disabled: enable its service principal (Enterprise applications > the app > Properties)",
    50020: "the account signed in is not one of this tenant (a personal Microsoft account, or another tenant's): "
    "sign in with the mailbox's work account, in a private window",
    90072: "the account signed in belongs to another tenant: sign in with the mailbox's work account, in a "
    "private window",
    500208: "this tenant does not accept that type of account: sign in with the mailbox's work account",
    53000: "Conditional Access requires a compliant device: ask the Azure administrator to exclude the app or "
    "this account from that policy (ECE's servers are not compliant devices)",
    53001: "Conditional Access requires a domain-joined device: ask the Azure administrator to exclude the app or "
    "this account from that policy (ECE's servers present no joined device)",
    50158: "an external MFA provider's challenge was not completed: complete it in the browser, then paste the address",
    530035: "security defaults blocked the sign-in: register for MFA and complete it, or have the administrator "
    "replace security defaults with Conditional Access",
    50194: "the app is single-tenant: set [azure_ad] tenant to the tenant's ID, not common",
    90094: "the app's permissions need admin consent: have an administrator grant it on the app registration",
    65004: "the consent was declined: sign in again and accept, or have an administrator grant admin consent",
    650056: "the app lists no Office 365 Exchange Online permission: add the delegated IMAP/POP/SMTP permissions "
    "and grant admin consent",
    650057: "the app does not request the Office 365 Exchange Online resource: add its delegated IMAP/POP/SMTP "
    "permissions and grant admin consent",
    70011: "the scope is not valid: check [[mailboxes]] inbound and [o365] cloud",
    90038: "the tenant belongs to a national cloud: set [o365] cloud to the tenant's cloud",
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
    # The thread quoting each issue-15 code's live reply (diagnosis.oauth_entra has the same).
    50057: _seen("Azure/azure-cli#18945"),
    50053: _seen("AzureAD/microsoft-authentication-library-for-python#211"),
    50105: _seen("microsoftgraph/microsoft-graph-explorer-v4#1333"),
    7000112: _seen("EvanBasalik/OOFSponder#42"),
    50020: _seen("microsoft/PowerBI-CSharp#64"),
    90072: _seen("rootinc/laravel-azure-middleware#22"),
    500208: _seen("MicrosoftDocs/azure-docs#114115"),
    53000: _seen("AzureAD/microsoft-authentication-library-for-dotnet#2821"),
    53001: _seen("microsoft/terminal#8158"),
    50158: _seen("microsoft/vscode-azure-account#723"),
    50194: _seen("microsoftgraph/msgraph-sample-phpapp#199"),
    90094: _seen("microsoft/elk-acs-kubernetes#30"),
    65004: _seen("PuzzleServer/mainpuzzleserver#571"),
    650056: _seen("edgardmessias/glpi-singlesignon#13"),
    650057: _seen("Azure/azure-cli#33887"),
    70011: _seen("jeffcarbs/omniauth-office365#1"),
    90038: _seen("tieto/sipe#182"),
}  # fmt: skip

#: An ID token must carry the nonce of the authentication request that asked for it (OpenID Connect Core 1.0
#: §3.1.3.7 item 11; MSAL refuses one that does not, msal/oauth2cli/oidc.py ``obtain_token_by_auth_code_flow``).
OIDC_NONCE: Final = Source("https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation", "2026-12-05")


def failed_redemption(exc: Exception) -> str:
    """One line for a code redemption MSAL could not complete: a server error (MSAL raises ``HTTP Error: 5xx``),
    an ID token it refused (the nonce, issuer or audience; OIDC_NONCE), or a reply missing what it needs."""
    said = clip(" ".join(str(exc).split()), 160) or type(exc).__name__
    if "nonce" in said.lower():
        return (
            "the ID token the login host returned does not carry this sign-in's nonce (OpenID Connect requires it): "
            "the answer belongs to another sign-in, or something in the path answers for the login host; "
            "nothing was written"
        )
    if said.startswith("HTTP Error: "):
        return (
            f"the login host answered the code redemption with HTTP {said.removeprefix('HTTP Error: ')} (a server "
            "error: run ece-o365 login again later; if it persists, check the proxy in front of the login host); "
            "nothing was written"
        )
    return (
        f"the login host's answer to the code redemption cannot be used ({type(exc).__name__}: {said}); "
        "nothing was written"
    )
