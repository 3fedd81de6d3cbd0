"""Diagnosis rows of the live OAuth checks (token.refresh, token.identity, token.scopes,
azure_app.token_lifetime), added to :data:`pytest_ece_o365.diagnosis.TABLE` when this module is imported.

Signatures: ``("token.refresh", "AADSTS700082")`` for Entra's refusals, ``("token.refresh", <network
error class>)`` when the login host cannot be reached, and one named fault per claim check.

Two kinds of placeholder: ``{host}``, ``{endpoint}``, ``{scope}``, ``{timeout}`` are the shared
:data:`~pytest_ece_o365.diagnosis.FACTS` (here: the login host), filled by
:func:`~pytest_ece_o365.diagnosis.fill`; ``<account>``, ``<mailbox>`` … are the OAuth facts in
:data:`OAUTH_FACTS`, in the angle form the mailbox rows use too (``diagnosis_mail``): it keeps the shared
table's fact list unchanged. :func:`oauth_verdict` fills both. ``<source>`` is where this tool read the
refresh token (an environment variable or a file): a copy, which ECE's own rotating token may have outlived.
"""

# One row per line, so that adding a signature is a one-line change: long lines are wanted.
# ruff: noqa: E501

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from pytest_ece_o365.diagnosis import TABLE, Diagnosis, fill, firewall_scope
from pytest_ece_o365.verdict import Owner, Verdict, advisory, failed

#: The OAuth facts a row may name as ``<fact>``.
OAUTH_FACTS: Final = frozenset(
    {"account", "mailbox", "client_id", "tenant", "aadsts", "code", "token_user", "minutes", "missing", "granted", "audience", "resource", "login", "source"}
)  # fmt: skip


def _r(cause: str, remediation: str, owner: Owner, section: int = 4) -> Diagnosis:
    return Diagnosis(cause, remediation, owner, section)


_REGENERATE = (
    "Generate a new token for <mailbox> in ECE (the alias's OAuth settings, Generate Token), from a browser in a "
    "private/incognito window so that the sign-in asks for credentials, and sign in as <account>."
)
#: The refresh token this tool reads (env var or file) is a copy: ECE rotates its own at every refresh.
_STALE_COPY = "The refresh token this tool was given for <account> (<source>)"
_GIVE_CURRENT = (
    "Give the tool ECE's current refresh token for <account> (in <source>). If ECE fails too (its retriever or "
    "dispatcher logs the same AADSTS code), regenerate the token in ECE for <mailbox>: from a browser in a "
    "private/incognito window so that the sign-in asks for credentials, signed in as <account>."
)
_SECRET_PORTAL = "Azure portal > App registrations > <client_id> > Certificates & secrets"

_AADSTS_ROWS: Final[dict[int, Diagnosis]] = {
    700082: _r(_STALE_COPY + " expired after 90 days unused (<aadsts>). ECE's own token is another copy: ECE receives a new refresh token each time it refreshes, so it may still be valid.", _GIVE_CURRENT, "ece-admin"),
    70008: _r(_STALE_COPY + " expired because it was not used (<aadsts>). ECE's own token is another copy and may still be valid.", _GIVE_CURRENT, "ece-admin"),
    50173: _r("Azure AD revoked the grant behind the refresh token given for <account> (<aadsts>): the account's password was changed or reset, or an administrator revoked its sessions.", _REGENERATE + " Tokens are revoked again at every password change: plan a new token with each change.", "ece-admin"),
    70043: _r("A Conditional Access sign-in frequency policy expired the refresh token given for <account> (<aadsts>).", "Exclude the ECE app (client <client_id>) or <account> from the sign-in frequency policy (Entra ID > Conditional Access), then: " + _REGENERATE, "azure-admin"),
    70000: _r("Azure AD does not accept the refresh token it was given (<aadsts>): it is malformed, truncated, or was issued to another app than client <client_id>.", _REGENERATE + " Copy it whole, for this app's client ID.", "ece-admin"),
    54005: _r("The authorization code was already redeemed (<aadsts>).", _REGENERATE, "ece-admin"),
    50126: _r("Azure AD refused <account>'s credentials (<aadsts>).", _REGENERATE + " Check the account's password first.", "ece-admin"),
    50034: _r("The account <account> does not exist in tenant <tenant> (<aadsts>).", "Check the mailbox's address (access = mailbox) or its token_account (access = shared) in ECE and in the deployment file; then " + _REGENERATE, "ece-admin"),
    7000222: _r("The client secret of the ECE app (client <client_id>) has expired (<aadsts>): no token can be refreshed with it.", f"Create a new client secret ({_SECRET_PORTAL} > New client secret), copy its Value, then enter it in ECE's OAuth settings (and where [azure_ad] client_secret reads it). The existing refresh tokens stay valid.", "azure-admin"),
    7000215: _r("Azure AD rejects the client secret sent for client <client_id> (<aadsts>): it is not the secret's value — usually the Secret ID was copied instead.", f"Enter the secret's Value (not its Secret ID) in ECE's OAuth settings and in [azure_ad] client_secret's source. The value is shown only when the secret is created: if nobody kept it, create a new secret ({_SECRET_PORTAL}).", "ece-admin"),
    7000218: _r("No client secret was sent for client <client_id> (<aadsts>).", "Enter the client secret's Value in ECE's OAuth settings and in [azure_ad] client_secret's source.", "ece-admin"),
    700016: _r("Tenant <tenant> has no application with client ID <client_id> (<aadsts>): the client ID or the tenant is wrong, or the app was deleted.", "Compare ECE's client ID and tenant ID with the app's Overview page (Azure portal > App registrations) and correct them in ECE and in [azure_ad]; if the app is gone, register it again.", "ece-admin"),
    90002: _r("Tenant <tenant> was not found (<aadsts>): the tenant ID/domain is wrong, or it belongs to another cloud than <login>.", "Correct the tenant in ECE and in [azure_ad] tenant (the Directory (tenant) ID on the app's Overview page), and [o365] cloud if the tenant is not in Microsoft's worldwide cloud.", "ece-admin"),
    65001: _r("Nobody has consented to the ECE app (client <client_id>) using the mail permissions (<aadsts>).", "Grant admin consent: Azure portal > App registrations > <client_id> > API permissions > Grant admin consent for the tenant (IMAP.AccessAsUser.All / POP.AccessAsUser.All, SMTP.Send, offline_access).", "azure-admin"),
    50076: _r("Azure AD asks <account> for multi-factor authentication (<aadsts>): ECE refreshes its token without a user present and cannot answer MFA.", "Exclude <account> from the MFA / Conditional Access policy for the ECE app (client <client_id>), e.g. with a trusted-location condition for the ECE servers; or sign in again: " + _REGENERATE, "azure-admin"),
    50079: _r("Azure AD requires <account> to register for multi-factor authentication (<aadsts>): ECE refreshes without a user present.", "Exclude <account> from the MFA registration policy for the ECE app (client <client_id>), or complete the registration, then: " + _REGENERATE, "azure-admin"),
    53003: _r("A Conditional Access policy blocks token issuance for <account> to the ECE app (<aadsts>).", "Find the policy in the sign-in logs (Entra ID > Sign-in logs, filter on <account> and client <client_id>, Conditional Access tab) and exclude the ECE app or this account, or allow the ECE servers' location.", "azure-admin"),
    500011: _r("The Office 365 Exchange Online resource (<resource>) is not in tenant <tenant> (<aadsts>): the tenant has no Exchange Online, or the cloud is wrong.", "Check that the tenant has Exchange Online, and [o365] cloud matches the tenant's cloud.", "azure-admin"),
    9002325: _r("The ECE app (client <client_id>) is registered as a single-page application, so Azure AD demands PKCE (<aadsts>).", "Register ECE's redirect URI under the Web platform, not Single-page application (Azure portal > App registrations > <client_id> > Authentication), then: " + _REGENERATE, "azure-admin"),
}  # fmt: skip

#: Unknown AADSTS codes: still a finding, quoting Azure AD's own words.
AADSTS_FALLBACK: Final = _r(
    "Azure AD refused to refresh the token given for <account>: <aadsts>.",
    "Look the code up (https://login.microsoftonline.com/error?code=<code>) and the sign-in logs for <account> and client <client_id>; when in doubt: "
    + _REGENERATE,
    "ece-admin",
)

_NET = "The login host {host} cannot be reached from this server, so ECE cannot refresh tokens:"
_NETWORK_ROWS: Final[dict[str, Diagnosis]] = {
    **dict.fromkeys(("nxdomain", "servfail", "dns-refused", "dns-timeout", "dns-unavailable", "no-answer", "dns-error"), _r(_NET + " its name does not resolve.", "Make this server's DNS resolve {host} (`nslookup {host}`); see network.dns.", "network")),
    **dict.fromkeys(("refused", "tcp-timeout", "unreachable", "tcp-error"), _r(_NET + " TCP {endpoint} does not connect.", "Open TCP 443 from this server to {scope} (firewall and proxy); see network.tcp.", "network")),
    **dict.fromkeys(("tls-untrusted", "tls-expired", "tls-not-yet-valid", "tls-wrong-name", "tls-handshake", "closed"), _r(_NET + " the TLS session to {endpoint} fails (a proxy or TLS inspection in the path?).", "Exempt {scope} from TLS inspection, or add the inspection root to ECE's trust store and `[network] ca_bundle`; see network.tls.", "network")),
    "read-timeout": _r(_NET + " {endpoint} did not answer within {timeout} s.", "Check the firewall/proxy between this server and {scope} (TCP 443); see network.tls.", "network"),
    "ca-bundle-invalid": _r("`[network] ca_bundle` cannot be loaded, so no HTTPS connection to {host} could be verified.", "Give `[network] ca_bundle` a PEM file of the root certificate(s) to trust.", "ece-admin"),
    "discovery-failed": _r("The OpenID configuration of <login> could not be read, so no token could be requested.", "Check [azure_ad] tenant and [o365] cloud/login, and that nothing between this server and {host} answers in Azure AD's place.", "network"),
    "server-error": _r("The login host {host} answered with a server error.", "Usually transient at Microsoft (check https://status.cloud.microsoft): run again later; if it persists, check the proxy in front of {scope}.", "network"),
    "bad-response": _r("The login host {host} answered with something that is not Azure AD's JSON: a proxy or captive portal answers in its place.", "Let this server reach {scope} directly on TCP 443 (proxy/firewall).", "network"),
    "http-error": _r("The HTTPS request to {host} failed.", "Check the firewall/proxy between this server and {scope} (TCP 443).", "network"),
}  # fmt: skip

_CLAIM_ROWS: Final[dict[tuple[str, str], Diagnosis]] = {
    ("token.identity", "wrong-account"): _r("The refresh token for <mailbox> was issued to <token_user>, not to <account>. This is the private-window pitfall: with Azure AD single sign-on, Kerberos signs the browser in as the Windows user of the workstation, so the token is created for that user (often the administrator who clicked Generate Token) and not for an account that can open the mailbox.", "Generate the token again in a private/incognito browser window (so that Azure AD asks for credentials) and sign in as <account>; then check that ECE shows the new token for <mailbox>.", "ece-admin"),
    ("token.scopes", "missing-scope"): _r("The token for <account> lacks <missing> (it grants: <granted>): Azure AD only grants the delegated permissions that the ECE app requests and that are consented.", "In Azure portal > App registrations > <client_id> > API permissions, add the delegated permission(s) <missing>, grant admin consent, then regenerate the token in ECE for <mailbox> (private window, signed in as <account>): existing tokens keep their old scopes.", "azure-admin"),
    ("token.scopes", "wrong-audience"): _r("The token for <account> is for <audience>, not for Office 365 mail (<resource>): IMAP/POP/SMTP refuse it.", "Check [o365] cloud (and the scopes ECE requests: the Outlook resource's IMAP/POP/SMTP permissions, not Microsoft Graph's), then regenerate the token.", "ece-admin"),
    ("azure_app.token_lifetime", "short-lifetime"): _r("Access tokens for the ECE app live <minutes> minutes; the TAC checklist requires 60 (Azure AD's default is 60-90): a token-lifetime policy shortens them.", "Remove the token-lifetime policy that applies to the ECE app or the tenant (Get-MgPolicyTokenLifetimePolicy; Get-MgApplicationTokenLifetimePolicy -ApplicationId with the app's object ID), or set AccessTokenLifetime to at least 01:00:00.", "azure-admin", 3),
}  # fmt: skip

TABLE.update({("token.refresh", f"AADSTS{code}"): row for code, row in _AADSTS_ROWS.items()})
TABLE.update({("token.refresh", error): row for error, row in _NETWORK_ROWS.items()})
TABLE.update(_CLAIM_ROWS)

_GENERIC = _r("The refresh token could not be redeemed at {host}.", "Check the evidence; " + _REGENERATE, "ece-admin")


def oauth_row(check_id: str, error: str) -> Diagnosis:
    """The row for ``(check_id, error)``; unknown AADSTS codes get :data:`AADSTS_FALLBACK`."""
    row = TABLE.get((check_id, error))
    if row is not None:
        return row
    return AADSTS_FALLBACK if error.startswith("AADSTS") else _GENERIC


def oauth_verdict(
    check_id: str, error: str, facts: Mapping[str, object], *, seen: str = "", evidence: tuple[str, ...] = ()
) -> Verdict:
    """A failed (or advisory) Verdict from the row for ``(check_id, error)``, both kinds of fact filled."""
    row = oauth_row(check_id, error)
    filled: dict[str, object] = dict(facts)
    host = str(facts.get("host", ""))
    filled.setdefault("scope", firewall_scope(host) if host else "")
    detail = _fill_angles(fill(row.cause, filled), filled)
    remediation = _fill_angles(fill(row.remediation, filled), filled)
    if seen and seen not in detail:
        detail = f"{detail} Seen: {seen}"
    make = advisory if row.status == "advisory" else failed
    return make(detail, remediation, row.owner, evidence=evidence)


_ANGLE = re.compile(r"<([a-z_]+)>")


def _fill_angles(text: str, facts: Mapping[str, object]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        found = facts.get(name)
        return str(found) if name in OAUTH_FACTS and found not in (None, "") else match.group(0)

    return _ANGLE.sub(value, text)


def template_facts(row: Diagnosis) -> set[str]:
    """The ``<fact>`` names a row uses (for this table's own test)."""
    return {name for text in (row.cause, row.remediation) for name in _ANGLE.findall(text)}
