"""Diagnosis rows of the live OAuth checks (token.refresh, token.identity, token.scopes,
azure_app.token_lifetime): :data:`ROWS`, assembled into :data:`pytest_ece_o365.diagnosis.TABLE`.

Signatures: ``("token.refresh", "AADSTS700082")`` for Entra's refusals (``"AADSTS70000-scope"`` for
70000's second meaning, see :func:`pytest_ece_o365.probes.token.aadsts_key`), ``("token.refresh", <network
error class>)`` when the login host cannot be reached, and one named fault per claim check.

Placeholders are ``{fact}``, filled by :func:`~pytest_ece_o365.diagnosis.table.fill` like every row's:
``{host}``, ``{endpoint}``, ``{scope}``, ``{timeout}`` (the login host) and the OAuth facts in
:data:`OAUTH_FACTS` (``{account}``, ``{mailbox}`` …). ``{source}`` is where this tool read the refresh token
(an environment variable or a file): a copy, which ECE's own rotating token may have outlived.
"""

# One row per line, so that adding a signature is a one-line change: long lines are wanted.
# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Final
from urllib.parse import urlsplit

from pytest_ece_o365.diagnosis.causes import cause_id
from pytest_ece_o365.diagnosis.oauth_entra import ENTRA_ROWS
from pytest_ece_o365.diagnosis.table import Diagnosis, fill, finding, firewall_scope, placeholders
from pytest_ece_o365.knowledge import CLOUDS
from pytest_ece_o365.knowledge.sources import (
    AADSTS_REFERENCE,
    MS_ENDPOINTS,
    MS_MAIL_OAUTH,
    MS_REFRESH_TOKENS,
    MS_TOKEN_LIFETIMES,
    NETWORK_PATHS,
    NETWORK_RFCS,
    TAC_218453,
    Source,
)
from pytest_ece_o365.verdict import Owner, Verdict

#: The OAuth facts a row may name as ``{fact}``, besides the network ones (diagnosis.table.FACTS).
OAUTH_FACTS: Final = frozenset(
    {"account", "mailbox", "client_id", "tenant", "aadsts", "code", "token_user", "minutes", "missing", "granted", "audience", "resource", "login", "source", "requested", "inbound", "lookup"}
)  # fmt: skip

_CHECKED = "2026-12-04"


def _r(
    cause: str,
    remediation: str,
    owner: Owner,
    section: int = 4,
    source: Source | None = None,
    reported_by: str = "",
) -> Diagnosis:
    return Diagnosis(cause, remediation, owner, section, source=source, reported_by=reported_by)


def _seen_in(thread: str, *also: Source) -> Source:
    """Microsoft's error reference (the meaning), plus the thread that quotes Entra's reply (the wording)."""
    refs = [AADSTS_REFERENCE.ref, *(source.ref for source in also), thread]
    return Source("; ".join(refs), _CHECKED)


_REGENERATE = (
    "Generate a new token for {mailbox} in ECE (the alias's OAuth settings, Generate Token), from a browser in a "
    "private/incognito window so that the sign-in asks for credentials, and sign in as {account}."
)
#: The refresh token this tool reads (env var or file) is a copy: ECE rotates its own at every refresh.
_STALE_COPY = "The refresh token this tool was given for {account} ({source})"
_GIVE_CURRENT = (
    "Give the tool ECE's current refresh token for {account} (in {source}). If ECE fails too (its retriever or "
    "dispatcher logs the same AADSTS code), regenerate the token in ECE for {mailbox}: from a browser in a "
    "private/incognito window so that the sign-in asks for credentials, signed in as {account}."
)
_SECRET_PORTAL = "Azure portal > App registrations > {client_id} > Certificates & secrets"
_TO_WEB = "Azure portal > App registrations > {client_id} > Authentication: remove ECE's redirect URI from the Single-page application platform and add it, with exactly the same text, under Add a platform > Web; then: "
#: The redirect URI's platform: what ECE (a server redeeming with its secret, no Origin header) meets when it is SPA.
_SPA = Diagnosis(
    "Azure AD refuses the redemption because ECE's redirect URI is registered under the Single-page application platform ({aadsts}): tokens issued there may only be redeemed by a browser (cross-origin), and ECE redeems on its server with the client secret, the Web-platform way.",
    _TO_WEB + _REGENERATE, "azure-admin", 4,
    source=_seen_in("AzureAD/microsoft-authentication-library-for-js#2482; AzureAD/microsoft-authentication-library-for-js#3032; vippsas/vipps-ecom-api#246"),
)  # fmt: skip

_AADSTS_ROWS: Final[dict[int | str, Diagnosis]] = {
    700082: _r(_STALE_COPY + " expired after 90 days unused ({aadsts}). ECE's own token is another copy: ECE receives a new refresh token each time it refreshes, so it may still be valid.", _GIVE_CURRENT, "ece-admin", source=_seen_in("Azure/azure-cli#14244", MS_REFRESH_TOKENS)),
    70008: _r(_STALE_COPY + " expired because it was not used ({aadsts}). ECE's own token is another copy and may still be valid.", _GIVE_CURRENT, "ece-admin", source=Source(f"{AADSTS_REFERENCE.ref}; {MS_REFRESH_TOKENS.ref}", _CHECKED)),
    # Microsoft's revocation table: a confidential client's (ECE's) refresh tokens stay alive when the password is changed or reset; only a revocation kills them.
    50173: _r("Azure AD revoked the grant behind the refresh token given for {account} ({aadsts}): an administrator or the user revoked the account's sessions (Revoke sessions in the portal, Revoke-MgUserSignInSession), or a risk remediation in Identity Protection did. Azure AD's message also mentions a password change or reset: for a confidential client such as ECE, the user's own change or self-service reset (and an administrator's reset in the Azure portal) leave refresh tokens valid, but an administrator's reset in the Microsoft Entra or Microsoft 365 admin center revokes them (Microsoft's revocation table).", "Look in Entra ID > Audit logs (filter on {account}) for who revoked the sessions or reset the password and why, so that it does not recur unnoticed; then: " + _REGENERATE, "ece-admin", source=_seen_in("microsoft/azuredatastudio#13953", MS_REFRESH_TOKENS)),
    70043: _r("A Conditional Access sign-in frequency policy expired the refresh token given for {account} ({aadsts}).", "Exclude the ECE app (client {client_id}) or {account} from the sign-in frequency policy (Entra ID > Conditional Access), then: " + _REGENERATE, "azure-admin", source=_seen_in("nais/device#45")),
    70000: _r("Azure AD does not accept the refresh token it was given ({aadsts}): it is malformed, truncated, or was issued to another app than client {client_id}.", _REGENERATE + " Copy it whole, for this app's client ID.", "ece-admin", source=_seen_in("BingAds/BingAds-Python-SDK#279; QuePort/passport-azure-oauth#6")),
    # 70000's second meaning (probes.token.aadsts_key): the scopes asked for, not the token, are the cause: token.scopes's.
    "70000-scope": _r("Azure AD refuses to issue a token for {requested} to {account} ({aadsts}): one or more of these scopes has no grant (consent) for the ECE app (client {client_id}). {mailbox} reads mail over {inbound}; this tool asks for the scopes of every mailbox that shares this refresh token, as ECE needs them.", "Check token.scopes: first that [[mailboxes]] inbound says the protocol ECE's alias really uses for {mailbox} (and for the other mailboxes on this token); if it does, add the missing delegated permission(s) among {requested} in Azure portal > App registrations > {client_id} > API permissions, grant admin consent, then regenerate the token in ECE for {mailbox} (private window, signed in as {account}).", "azure-admin", source=_seen_in("Azure-Samples/ms-identity-java-webapi#16", MS_MAIL_OAUTH), reported_by="token.scopes"),
    54005: _r("The authorization code was already redeemed ({aadsts}).", _REGENERATE, "ece-admin", source=_seen_in("snok/django-auth-adfs#245")),
    50126: _r("Azure AD refused {account}'s credentials ({aadsts}).", _REGENERATE + " Check the account's password first.", "ece-admin", source=_seen_in("Azure/azure-cli#18647")),
    50034: _r("The account {account} does not exist in tenant {tenant} ({aadsts}).", "Check the mailbox's address (access = mailbox) or its token_account (access = shared) in ECE and in the deployment file; then " + _REGENERATE, "ece-admin", source=_seen_in("Microsoft365DSC/Microsoft365DSC#801")),
    7000222: _r("The client secret of the ECE app (client {client_id}) has expired ({aadsts}): no token can be refreshed with it.", f"Create a new client secret ({_SECRET_PORTAL} > New client secret), copy its Value, then enter it in ECE's OAuth settings (and where [azure_ad] client_secret reads it). The existing refresh tokens stay valid.", "azure-admin", source=_seen_in("Azure-Samples/active-directory-dotnetcore-daemon-v2#87", MS_REFRESH_TOKENS)),
    7000215: _r("Azure AD rejects the client secret sent for client {client_id} ({aadsts}): it is not the secret's value — usually the Secret ID was copied instead.", f"Enter the secret's Value (not its Secret ID) in ECE's OAuth settings and in [azure_ad] client_secret's source. The value is shown only when the secret is created: if nobody kept it, create a new secret ({_SECRET_PORTAL}).", "ece-admin", source=_seen_in("Azure/sap-automation#418")),
    7000218: _r("No client secret was sent for client {client_id} ({aadsts}).", "Enter the client secret's Value in ECE's OAuth settings and in [azure_ad] client_secret's source.", "ece-admin", source=_seen_in("canonical/authd#1680")),
    700016: _r("Tenant {tenant} has no application with client ID {client_id} ({aadsts}): the client ID or the tenant is wrong, or the app was deleted.", "Compare ECE's client ID and tenant ID with the app's Overview page (Azure portal > App registrations) and correct them in ECE and in [azure_ad]; if the app is gone, register it again.", "ece-admin", source=AADSTS_REFERENCE),
    90002: _r("Tenant {tenant} was not found ({aadsts}): the tenant ID/domain is wrong, or it belongs to another cloud than {login}.", "Correct the tenant in ECE and in [azure_ad] tenant (the Directory (tenant) ID on the app's Overview page), and [o365] cloud if the tenant is not in Microsoft's worldwide cloud.", "ece-admin", source=_seen_in("Azure/azure-cli#22145")),
    65001: _r("Nobody has consented to the ECE app (client {client_id}) using the mail permissions ({aadsts}).", "Grant admin consent: Azure portal > App registrations > {client_id} > API permissions > Grant admin consent for the tenant (IMAP.AccessAsUser.All / POP.AccessAsUser.All, SMTP.Send, offline_access).", "azure-admin", source=_seen_in("stevenmaguire/oauth2-microsoft#31", MS_MAIL_OAUTH)),
    50076: _r("Azure AD asks {account} for multi-factor authentication ({aadsts}): ECE refreshes its token without a user present and cannot answer MFA.", "Exclude {account} from the MFA / Conditional Access policy for the ECE app (client {client_id}), e.g. with a trusted-location condition for the ECE servers; or sign in again: " + _REGENERATE, "azure-admin", source=_seen_in("AzureAD/microsoft-authentication-library-for-objc#1391")),
    50079: _r("Azure AD requires {account} to register for multi-factor authentication ({aadsts}): ECE refreshes without a user present.", "Exclude {account} from the MFA registration policy for the ECE app (client {client_id}), or complete the registration, then: " + _REGENERATE, "azure-admin", source=_seen_in("AzureAD/azure-activedirectory-library-for-nodejs#151")),
    53003: _r("A Conditional Access policy blocks token issuance for {account} to the ECE app ({aadsts}).", "Find the policy in the sign-in logs (Entra ID > Sign-in logs, filter on {account} and client {client_id}, Conditional Access tab) and exclude the ECE app or this account, or allow the ECE servers' location.", "azure-admin", source=_seen_in("AzureAD/microsoft-identity-web#2419")),
    500011: _r("The Office 365 Exchange Online resource ({resource}) is not in tenant {tenant} ({aadsts}): the tenant has no Exchange Online, or the cloud is wrong.", "Check that tenant {tenant} has Exchange Online, and [o365] cloud matches the tenant's cloud.", "azure-admin", source=_seen_in("pnp/sp-starter-kit#428")),
    # SPA redirect URI: 9002327 is what a server-side redemption meets; 9002325 (PKCE for cross-origin) and 9002326 (cross-origin, not SPA) need a browser's Origin header, aliases here.
    9002327: _SPA,
    9002325: _SPA,
    9002326: _SPA,
    700084: _r("The refresh token given for {account} was issued to a redirect URI registered as single-page application, and such tokens die after a fixed 24 hours ({aadsts}): ECE's redirect URI must be under the Web platform for ECE to hold a lasting token.", _TO_WEB + _REGENERATE, "azure-admin", source=_seen_in("AzureAD/microsoft-authentication-library-for-js#7033", MS_REFRESH_TOKENS)),
    **ENTRA_ROWS,
}  # fmt: skip

#: Unknown AADSTS codes: still a finding, quoting Azure AD's own words.
AADSTS_FALLBACK: Final = _r(
    "Azure AD refused to refresh the token given for {account}: {aadsts}.",
    "Look the code up ({lookup}/error?code={code}) and the sign-in logs for {account} and client {client_id}; when in doubt: "
    + _REGENERATE,
    "ece-admin",
    source=AADSTS_REFERENCE,
)


def error_lookup(login_host: str) -> str:
    """Where to look an AADSTS code up (``…/error?code=``): the lookup of the cloud whose login host this is
    (``knowledge.CLOUDS``, each with its source), else Microsoft's documented worldwide one."""
    host = login_host.lower().split(":", 1)[0]
    for cloud in CLOUDS.values():
        if cloud.error_lookup and urlsplit(cloud.login).hostname == host:
            return cloud.error_lookup.removesuffix("/error?code=")
    return str(CLOUDS["global"].error_lookup).removesuffix("/error?code=")


_NET = "The login host {host} cannot be reached from this server, so ECE cannot refresh tokens:"
_NETWORK_ROWS: Final[dict[str, Diagnosis]] = {
    **dict.fromkeys(("nxdomain", "servfail", "dns-refused", "dns-timeout", "dns-unavailable", "no-answer", "dns-error"), _r(_NET + " its name does not resolve.", "Make this server's DNS resolve {host} (`nslookup {host}`); see network.dns.", "network", source=NETWORK_PATHS)),
    **dict.fromkeys(("refused", "tcp-timeout", "unreachable", "tcp-error"), _r(_NET + " TCP {endpoint} does not connect.", "Open TCP 443 from this server to {scope} (firewall and proxy); see network.tcp.", "network", source=NETWORK_PATHS)),
    **dict.fromkeys(("tls-untrusted", "tls-expired", "tls-not-yet-valid", "tls-wrong-name", "tls-handshake", "reset", "closed"), _r(_NET + " the TLS session to {endpoint} fails (a proxy or TLS inspection in the path?).", "Exempt {scope} from TLS inspection, or add the inspection root to ECE's trust store and `[network] ca_bundle`; see network.tls.", "network", source=NETWORK_PATHS)),
    "read-timeout": _r(_NET + " {endpoint} did not answer within {timeout} s.", "Check the firewall/proxy between this server and {scope} (TCP 443); see network.tls.", "network", source=NETWORK_PATHS),
    "ca-bundle-invalid": _r("`[network] ca_bundle` cannot be loaded, so no HTTPS connection to {host} could be verified.", "Give `[network] ca_bundle` a PEM file of the root certificate(s) to trust.", "ece-admin", source=NETWORK_RFCS),
    "discovery-failed": _r("The OpenID configuration of {login} could not be read, so no token could be requested.", "Check [azure_ad] tenant and [o365] cloud/login, and that nothing between this server and {host} answers in Azure AD's place.", "network", source=MS_ENDPOINTS),
    "server-error": _r("The login host {host} answered with a server error.", "Usually transient at Microsoft (check https://status.cloud.microsoft): run again later; if it persists, check the proxy in front of {scope}.", "network", source=MS_ENDPOINTS),
    "bad-response": _r("The login host {host} answered with something that is not Azure AD's JSON: a proxy or captive portal answers in its place.", "Let this server reach {scope} directly on TCP 443 (proxy/firewall).", "network", source=MS_ENDPOINTS),
    "too-large": _r("The login host {host} answered with more than 1 MiB, which no Azure AD reply is: a proxy or captive portal answers in its place.", "Let this server reach {scope} directly on TCP 443 (proxy/firewall).", "network", source=MS_ENDPOINTS),
    "http-error": _r("The HTTPS request to {host} failed.", "Check the firewall/proxy between this server and {scope} (TCP 443).", "network", source=MS_ENDPOINTS),
}  # fmt: skip

#: The network check whose cause each error class reaching the login host is (the client's classes are the
#: network probes' own). "read-timeout" and "closed" may also come after the handshake, from a slow token
#: endpoint: token.refresh's own then, network.tls's only when its probe of the login host failed too.
NETWORK_OWNERS: Final[dict[str, str]] = {
    **dict.fromkeys(("nxdomain", "servfail", "dns-refused", "dns-timeout", "dns-unavailable", "no-answer", "dns-error"), "network.dns"),
    **dict.fromkeys(("refused", "tcp-timeout", "unreachable", "tcp-error"), "network.tcp"),
    **dict.fromkeys(("tls-untrusted", "tls-expired", "tls-not-yet-valid", "tls-wrong-name", "tls-old-protocol", "tls-handshake", "reset", "ca-bundle-invalid"), "network.tls"),
}  # fmt: skip


def _network_cause(error: str, row: Diagnosis) -> Diagnosis:
    """token.refresh's wording of a network check's cause (that check reports it when it runs)."""
    owner = NETWORK_OWNERS.get(error)
    return replace(row, cause_id=cause_id(owner, error), reported_by=owner) if owner else row


_CLAIM_ROWS: Final[dict[tuple[str, str], Diagnosis]] = {
    ("token.identity", "wrong-account"): _r("The refresh token for {mailbox} was issued to {token_user}, not to {account}. This is the private-window pitfall: with Azure AD single sign-on, Kerberos signs the browser in as the Windows user of the workstation, so the token is created for that user (often the administrator who clicked Generate Token) and not for an account that can open the mailbox.", "Generate the token again in a private/incognito browser window (so that Azure AD asks for credentials) and sign in as {account}; then check that ECE shows the new token for {mailbox}.", "ece-admin", source=TAC_218453),
    ("token.scopes", "missing-scope"): _r("The token for {account} lacks {missing} (it grants: {granted}): Azure AD only grants the delegated permissions that the ECE app requests and that are consented.", "In Azure portal > App registrations > {client_id} > API permissions, add the delegated permission(s) {missing}, grant admin consent, then regenerate the token in ECE for {mailbox} (private window, signed in as {account}): existing tokens keep their old scopes.", "azure-admin", source=MS_MAIL_OAUTH),
    ("token.scopes", "wrong-audience"): _r("The token for {account} is for {audience}, not for Office 365 mail ({resource}): IMAP/POP/SMTP refuse it.", "Check [o365] cloud (and the scopes ECE requests: the Outlook resource's IMAP/POP/SMTP permissions, not Microsoft Graph's), then regenerate the token.", "ece-admin", source=MS_MAIL_OAUTH),
    ("azure_app.token_lifetime", "short-lifetime"): _r("Access tokens for the ECE app live {minutes} minutes; the TAC checklist requires 60 (Azure AD's default is 60-90): a token-lifetime policy shortens them.", "Remove the token-lifetime policy that applies to the ECE app or the tenant (Get-MgPolicyTokenLifetimePolicy; Get-MgApplicationTokenLifetimePolicy -ApplicationId with the app's object ID), or set AccessTokenLifetime to at least 01:00:00.", "azure-admin", 3, source=Source(f"{TAC_218453.ref}; {MS_TOKEN_LIFETIMES.ref}", _CHECKED)),
}  # fmt: skip

#: Every OAuth row, by (check id, signature).
ROWS: Final[dict[tuple[str, str], Diagnosis]] = {
    **{("token.refresh", f"AADSTS{code}"): row for code, row in _AADSTS_ROWS.items()},
    **{("token.refresh", error): _network_cause(error, row) for error, row in _NETWORK_ROWS.items()},
    **_CLAIM_ROWS,
}

_GENERIC = _r(
    "The refresh token could not be redeemed at {host}.",
    "Check the evidence; " + _REGENERATE,
    "ece-admin",
    source=AADSTS_REFERENCE,
)


def oauth_row(check_id: str, error: str) -> Diagnosis:
    """The row for ``(check_id, error)``; unknown AADSTS codes get :data:`AADSTS_FALLBACK`."""
    row = ROWS.get((check_id, error))
    if row is not None:
        return row
    return AADSTS_FALLBACK if error.startswith("AADSTS") else _GENERIC


def oauth_verdict(
    check_id: str,
    error: str,
    facts: Mapping[str, object],
    *,
    seen: str = "",
    evidence: tuple[str, ...] = (),
    cause: str = "",
    cause_at: str = "",
) -> Verdict:
    """A failed (or advisory) Verdict from the row for ``(check_id, error)``, both kinds of fact filled.

    ``cause`` (with ``cause_at``, the owner's target) names another check's cause when the judge found
    that check reports it (a network failure on the way to the login host); else the row's own."""
    row = oauth_row(check_id, error)
    if cause:
        row = replace(row, cause_id=cause)
    filled: dict[str, object] = dict(facts)
    host = str(facts.get("host", ""))
    filled.setdefault("scope", firewall_scope(host) if host else "")
    filled.setdefault("lookup", error_lookup(host))
    return finding(
        check_id, error, row, fill(row.cause, filled), fill(row.remediation, filled), seen, evidence, cause_at
    )


def template_facts(row: Diagnosis) -> set[str]:
    """The ``{fact}`` names a row uses (for this table's own test)."""
    return placeholders(row.cause) | placeholders(row.remediation)
