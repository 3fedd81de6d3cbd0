"""token.refresh's rows for the Entra ID refusals admins really meet beyond the token's own life (issue 15):
the account (disabled, locked, not assigned, a guest or another tenant's), the app (disabled, single-tenant on
/common, permissions not requested or not consented, an invalid scope), Conditional Access and security
defaults, and the cloud. Merged into :data:`pytest_ece_o365.diagnosis.oauth.ROWS` under ``AADSTS{code}``.

Every code's meaning is Microsoft's error reference (:data:`AADSTS_REFERENCE`, names as /tmp research read them
on 2026-12-04); each row's source adds the public thread that quotes Entra's live wording of it. No other check
sees these causes (no check reads an account's accountEnabled, the app's assignment or a device policy), so
token.refresh reports them all, with its own cause id ``aadsts-{code}``.
"""

# One row per line, as in diagnosis.oauth: long lines are wanted.
# ruff: noqa: E501

from __future__ import annotations

from dataclasses import replace
from typing import Final

from pytest_ece_o365.diagnosis.table import Diagnosis
from pytest_ece_o365.knowledge.sources import AADSTS_REFERENCE, MS_MAIL_OAUTH, Source
from pytest_ece_o365.verdict import Owner

_CHECKED = "2026-12-04"
_LEARN = "https://learn.microsoft.com/en-us/entra"
#: Security defaults: what they enforce (the reference's 530035 row links it).
_SECURITY_DEFAULTS = f"{_LEARN}/fundamentals/security-defaults"
#: Microsoft's troubleshooting article for AADSTS50020 (linked from O365/python-o365#1119).
_AADSTS50020_ARTICLE = "https://learn.microsoft.com/en-us/troubleshoot/entra/entra-id/app-integration/error-code-aadsts50020-user-account-identity-provider-does-not-exist"


def _seen_in(thread: str, *also: str) -> Source:
    """The error reference (the meaning), other pages, and the thread(s) quoting Entra's reply (the wording)."""
    return Source("; ".join((AADSTS_REFERENCE.ref, *also, thread)), _CHECKED)


def _r(cause: str, fix: str, owner: Owner, source: Source, doc: str = "") -> Diagnosis:
    return Diagnosis(cause, fix, owner, 4, source=source, doc=doc)


_REGENERATE = "then regenerate the token in ECE for {mailbox} (the alias's OAuth settings, Generate Token, in a private/incognito window, signed in as {account})."
_APP = "Azure portal > Enterprise applications > {client_id}"
_PERMISSIONS = "Azure portal > App registrations > {client_id} > API permissions"
_MAIL_SCOPES = "Office 365 Exchange Online's delegated IMAP.AccessAsUser.All / POP.AccessAsUser.All, SMTP.Send, plus offline_access"
_GUEST = "{account} is not a member of tenant {tenant}, where the ECE app (client {client_id}) is registered ({aadsts}): the token was created by signing in with {who}, and ECE can only hold a token of the mailbox's own tenant."
_FIX_GUEST = "Generate the token again signed in as {account} with its work account of tenant {tenant} (not a personal Microsoft account with the same address, not an account of another tenant): in a private/incognito window, so that no other signed-in account is reused; check that [azure_ad] tenant is the mailbox's tenant."

ENTRA_ROWS: Final[dict[int | str, Diagnosis]] = {
    # --- the account -------------------------------------------------------------------------------
    50057: _r("The account {account} is disabled in Entra ID ({aadsts}): its sign-in is blocked, so no token can be refreshed for {mailbox}.", "In Entra ID > Users > {account}, set Account enabled = Yes (Edit properties > Settings; or Update-MgUser -UserId {account} -AccountEnabled:$true); for a shared mailbox's token account, enable the delegate ECE signs in as. The refresh token becomes usable again.", "azure-admin", _seen_in("Azure/azure-cli#18945; canonical/authd#814")),
    50053: _r("Entra ID refuses {account}'s sign-in as locked ({aadsts}): too many failed sign-ins locked the account (Smart Lockout), or the sign-in came from an IP address Microsoft flags for malicious activity.", "Look in Entra ID > Sign-in logs for {account} (error 50053) to see which one it is; wait for the lockout to end or unblock the user (Identity Protection > Risky users), and stop whatever keeps signing in with a wrong password; if ECE's public IP is the flagged one, open a case with Microsoft with the Trace and Correlation IDs below.", "azure-admin", _seen_in("AzureAD/microsoft-authentication-library-for-python#211; MicrosoftDocs/azure-docs#49494")),
    50105: _r("{account} is not assigned to the ECE app (client {client_id}) and the app requires assignment ({aadsts}).", f"{_APP} > Users and groups > Add user/group: assign {{account}} (or a group holding it); or set Properties > Assignment required = No. {_REGENERATE[0].upper() + _REGENERATE[1:]}", "azure-admin", _seen_in("microsoftgraph/microsoft-graph-explorer-v4#1333")),
    50020: _r(_GUEST.replace("{who}", "an account from another identity provider (a personal Microsoft account, or another tenant's user)"), _FIX_GUEST, "ece-admin", _seen_in("microsoft/PowerBI-CSharp#64; nextauthjs/next-auth#7447", _AADSTS50020_ARTICLE), doc=_AADSTS50020_ARTICLE),
    90072: _r(_GUEST.replace("{who}", "an account of another tenant, which cannot meet this tenant's multi-factor requirement"), _FIX_GUEST, "ece-admin", _seen_in("rootinc/laravel-azure-middleware#22")),
    500208: _r(_GUEST.replace("{who}", "an account whose type this tenant does not accept (a personal Microsoft account where only work or school accounts may sign in)"), _FIX_GUEST, "ece-admin", _seen_in("MicrosoftDocs/azure-docs#114115")),
    500571: _r("The guest account {account} is disabled in tenant {tenant} ({aadsts}): a B2B guest's sign-in to the ECE app is blocked there, so no token can be refreshed for {mailbox} (a code of its own, not 50057's).", "An administrator of tenant {tenant} re-enables the guest {account} (Entra ID > Users > {account} > Edit properties > Account enabled = Yes); better, generate the token with a member account of {tenant}: " + _REGENERATE.removeprefix("then "), "azure-admin", _seen_in("microsoft/AzureStorageExplorer#7111")),
    700003: _r("The refresh token for {account} is tied to a device that no longer exists in tenant {tenant} ({aadsts}): the device object it was issued with was deleted or disabled, so Entra ID refuses to refresh it.", "Generate the token anew, not from a device-bound sign-in: " + _REGENERATE.removeprefix("then ") + " If the device was removed by mistake, re-registering it revives tokens issued to it.", "ece-admin", _seen_in("AzureAD/azure-activedirectory-library-for-java#294")),
    9002313: _r("Entra ID refused the token request as malformed ({aadsts}): the refresh token or code sent is not one it issued intact (cut or altered when copied or stored), or it went to the other endpoint version (v1 /oauth2/token vs v2 /oauth2/v2.0/token).", "Regenerate the token in ECE for {mailbox} and let ECE store it whole (no copy and paste of a token by hand); request and redeem at the same v2.0 endpoint: " + _REGENERATE.removeprefix("then "), "ece-admin", _seen_in("Azure-Samples/ms-identity-dotnet-webapi-azurefunctions#3")),
    70002: _r("Entra ID could not validate the credentials of the token request ({aadsts}); the older, chained form of its refusal names the real cause as a second code: AADSTS70000 (the code or refresh token is invalid or malformed) or AADSTS50126 (wrong user name or password, a federated account's).", "Read the second AADSTS code in the reply (in the evidence): for 70000 regenerate the token in ECE for {mailbox} (" + _REGENERATE.removeprefix("then ").rstrip(".") + "); for 50126 sign in with a cloud or interactive (modern) flow, not a password grant.", "ece-admin", _seen_in("QuePort/passport-azure-oauth#6; fuel9/DisplayMonkey#50")),
    # --- policies ------------------------------------------------------------------------------------
    50078: _r("The multi-factor authentication recorded in {account}'s refresh token has expired under a policy of tenant {tenant} ({aadsts}): the refresh needs a fresh MFA, which ECE, refreshing without a user present, cannot give.", "Generate the token again, completing MFA as {account}: " + _REGENERATE.removeprefix("then ") + " If it recurs, a Conditional Access sign-in frequency (or MFA lifetime) applies to the ECE app: exclude the ECE app (client {client_id}) or {account} from it, with a named location of the ECE servers.", "azure-admin", _seen_in("microsoft/Partner-Center-PowerShell#269")),
    53000: _r("A Conditional Access policy requires a compliant device for {account} on the ECE app ({aadsts}): ECE refreshes its token from its own servers, which are not Intune-compliant devices, so the policy can never be met.", "Exclude the ECE app (client {client_id}) or {account} from the policy that requires a compliant device (Entra ID > Conditional Access; the sign-in log of {account} names it), and protect the service sign-in with a named location of the ECE servers instead; " + _REGENERATE, "azure-admin", _seen_in("AzureAD/microsoft-authentication-library-for-dotnet#2821")),
    53001: _r("A Conditional Access policy requires a domain-joined (hybrid-joined) device for {account} on the ECE app ({aadsts}): ECE refreshes its token from its own servers, which do not present a joined device, so the policy can never be met.", "Exclude the ECE app (client {client_id}) or {account} from the policy that requires a hybrid Azure AD joined device (Entra ID > Conditional Access; the sign-in log of {account} names it), and protect the service sign-in with a named location of the ECE servers instead; " + _REGENERATE, "azure-admin", _seen_in("microsoft/terminal#8158; AzureAD/microsoft-authentication-library-for-dotnet#3050")),
    50158: _r("Entra ID asks {account} to satisfy an external security challenge ({aadsts}): a third-party MFA provider or custom control (Duo, Ping …) must be answered, and ECE refreshes its token without a user present.", "Exclude the ECE app (client {client_id}) or {account} from the Conditional Access policy that requires the external MFA (or its custom control), e.g. with a trusted named location of the ECE servers; " + _REGENERATE, "azure-admin", _seen_in("microsoft/vscode-azure-account#723; AzureAD/microsoft-identity-web#417")),
    # No public thread quoting 530035's live reply with its Trace ID was found (2026-12-04): the simulator speaks
    # the reference's text, and the row rests on the reference and the security-defaults page.
    530035: _r("Security defaults block the sign-in of {account} to the ECE app ({aadsts}): the request was judged legacy or unsafe by the tenant's security defaults.", "Security defaults cannot exclude one app or account: have {account} register for and complete MFA in the interactive sign-in, then " + _REGENERATE.removeprefix("then ") + " If the refresh is still refused, replace security defaults with Conditional Access policies that cover the ECE servers (Entra ID > Overview > Properties > Manage security defaults; needs Entra ID P1).", "azure-admin", Source(f"{AADSTS_REFERENCE.ref}; {_SECURITY_DEFAULTS}", _CHECKED), doc=_SECURITY_DEFAULTS),
    # --- the app ---------------------------------------------------------------------------------------
    7000112: _r("The ECE app (client {client_id}) is disabled in tenant {tenant} ({aadsts}): its service principal has sign-in disabled, by an administrator or by Microsoft.", f"{_APP} > Properties: set Enabled for users to sign in = Yes (or `az ad sp update --id {{client_id}} --set accountEnabled=true`). If Microsoft disabled it (publisher verification, consent-phishing policy), register a new app and enter its client ID and secret in ECE.", "azure-admin", _seen_in("EvanBasalik/OOFSponder#42")),
    50194: _r("The ECE app (client {client_id}) is single-tenant, and the token was requested through the /common endpoint ({aadsts}): a single-tenant app created after 15 Oct 2018 needs the tenant's own endpoint.", "Set [azure_ad] tenant (and the tenant in ECE's OAuth settings) to the Directory (tenant) ID on the app's Overview page instead of \"common\" (tokens are then requested at the tenant's own endpoint, not at /common); or make the app multi-tenant (Authentication > Supported account types).", "ece-admin", _seen_in("microsoftgraph/msgraph-sample-phpapp#199")),
    90094: _r("The ECE app's permissions need an administrator's consent, which tenant {tenant} has not given ({aadsts}): {account} may not consent to them alone.", f"A Global or Privileged Role Administrator: {_PERMISSIONS} > Grant admin consent for the tenant ({_MAIL_SCOPES}); {_REGENERATE}", "azure-admin", _seen_in("microsoft/elk-acs-kubernetes#30; pnp/cli-microsoft365#534", MS_MAIL_OAUTH.ref)),
    65004: _r("The consent to the ECE app (client {client_id}) was declined when the token for {account} was created ({aadsts}), so Entra ID holds no grant for its permissions.", f"Grant admin consent ({_PERMISSIONS} > Grant admin consent for the tenant), or accept the consent prompt when signing in; {_REGENERATE}", "azure-admin", _seen_in("PuzzleServer/mainpuzzleserver#571", MS_MAIL_OAUTH.ref)),
    650056: _r("The ECE app (client {client_id}) does not list the mail permissions it asks for ({aadsts}): its registration requests no permission of Office 365 Exchange Online, or the tenant has not consented to them.", f"{_PERMISSIONS} > Add a permission > APIs my organization uses > Office 365 Exchange Online > Delegated: {_MAIL_SCOPES}; grant admin consent; {_REGENERATE}", "azure-admin", _seen_in("edgardmessias/glpi-singlesignon#13; spinnaker/spinnaker.github.io#1605", MS_MAIL_OAUTH.ref)),
    650057: _r("The ECE app (client {client_id}) asks for a resource its registration does not list ({aadsts}): the token requests {requested}, and the app's API permissions do not include Office 365 Exchange Online.", f"{_PERMISSIONS} > Add a permission > APIs my organization uses > Office 365 Exchange Online > Delegated: {_MAIL_SCOPES} (not Microsoft Graph's IMAP/SMTP permissions); grant admin consent; {_REGENERATE}", "azure-admin", _seen_in("Azure/azure-cli#33887; microsoft/azure-devops-auth-samples#90", MS_MAIL_OAUTH.ref)),
    70011: _r("Entra ID rejects the scope the token is requested with ({aadsts}): {requested} is not a valid scope (scopes must be space-separated, each the resource's URL and the permission, e.g. https://outlook.office.com/IMAP.AccessAsUser.All).", "Check [[mailboxes]] inbound for {mailbox} and [o365] cloud (they decide the scopes this tool asks for) and the scopes ECE's OAuth settings send; no commas, one resource per token request.", "ece-admin", _seen_in("jeffcarbs/omniauth-office365#1; laravel/socialite#315")),
    # --- the cloud -------------------------------------------------------------------------------------
    90038: _r("Tenant {tenant} belongs to a national cloud, not to the cloud of {login} ({aadsts}): the token is requested from the wrong cloud's login host.", "Set [o365] cloud to the tenant's cloud (gcc-high, dod or china; GCC uses the worldwide cloud) and use that cloud's login host in ECE's OAuth settings; then run again.", "ece-admin", _seen_in("tieto/sipe#182; pnp/pnpassessment#34")),
}  # fmt: skip
#: 65005: 650057's sentence under its older code (2017-2018): the same cause, the same fix.
ENTRA_ROWS[65005] = replace(
    ENTRA_ROWS[650057], source=_seen_in("AzureADQuickStarts/WebApp-OpenIDConnect-NodeJS#15", MS_MAIL_OAUTH.ref)
)
