"""The AADSTS errors the simulated Entra ID answers with: Microsoft's wording, OAuth error and HTTP status.

A table, so that the simulator speaks exactly the messages the diagnosis must recognise (protocol
reference, "Entra ID token endpoint"), and adding one is a one-line change. Where one code has several
wordings (AADSTS70000), :data:`VARIANTS` holds the others, keyed ``"<code>-<variant>"``.

Sources of the wordings added 2026-12-04 (checked that day; office365-replies.jsonl quotes most of them):
70000 refresh: BingAds/BingAds-Python-SDK#279; 70000 code: QuePort/passport-azure-oauth#6; 70000 scope:
Azure-Samples/ms-identity-java-webapi#16; 700084: AzureAD/microsoft-authentication-library-for-js#7033 and
#6765; 9002327: AzureAD/microsoft-authentication-library-for-js#2482 (400 invalid_request as in
nextauthjs/next-auth#9414); 9002326: vippsas/vipps-ecom-api#246.

Added for issue 15 (checked 2026-12-04; the codes' meanings are Microsoft's error reference, the wordings
these threads' quotes): 50057 Azure/azure-cli#18945 (400 invalid_grant, CRLF trailer); 50053
AzureAD/microsoft-authentication-library-for-python#211; 50105 microsoftgraph/microsoft-graph-explorer-v4#1333;
7000112 EvanBasalik/OOFSponder#42; 53000 AzureAD/microsoft-authentication-library-for-dotnet#2821; 53001
microsoft/terminal#8158; 50158 microsoft/vscode-azure-account#723 (400 interaction_required); 50020
microsoft/PowerBI-CSharp#64; 90072 rootinc/laravel-azure-middleware#22 (interaction_required, the trailer on
one line, no full stop before it); 500208 MicrosoftDocs/azure-docs#114115; 50194
microsoftgraph/msgraph-sample-phpapp#199 (invalid_request: microsoftgraph/aspnetcore-connect-sample#65); 90094
microsoft/elk-acs-kubernetes#30; 65004 PuzzleServer/mainpuzzleserver#571 (consent_required); 650056
edgardmessias/glpi-singlesignon#13; 650057 Azure/azure-cli#33887 (invalid_client); 70011
jeffcarbs/omniauth-office365#1 (invalid_scope: laravel/socialite#315); 90038 tieto/sipe#182 and
pnp/pnpassessment#34. 530035: no thread quoting its live reply was found; the text is the reference's.
Where the quoting source shows no HTTP status or OAuth error (50105, 7000112, 50053, 53000, 53001, 50020,
500208, 90094, 650056, 90038, all seen on sign-in pages or in wrapped exceptions), 400 and the error named
in the table are the simulator's choice, as for every other refusal of a grant.
"""

from __future__ import annotations

import uuid
from typing import Any

from pytest_ece_o365.sim.directory import now_utc

__all__ = ["CRLF_TRAILER", "MESSAGES", "VARIANTS", "AadError", "aadsts"]

#: code → (HTTP status, OAuth error, message template)
MESSAGES: dict[int, tuple[int, str, str]] = {
    28000: (400, "invalid_scope", "Provided value for the input parameter scope is not valid because it contains "
            "more than one resource. Scope {scope} is not valid."),
    50011: (400, "invalid_request", "The redirect URI '{redirect_uri}' specified in the request does not match the "
            "redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the "
            "request matches one added to your application in the Azure portal. Navigate to "
            "https://aka.ms/redirectUriMismatchError to learn more about how to fix this."),
    50034: (400, "invalid_grant", "The user account {upn} does not exist in the {domain} directory. To sign into "
            "this application, the account must be added to the directory."),
    50076: (400, "invalid_grant", "Due to a configuration change made by your administrator, or because you moved "
            "to a new location, you must use multi-factor authentication to access "
            "'00000002-0000-0ff1-ce00-000000000000'."),
    50173: (400, "invalid_grant", "The provided grant has expired due to it being revoked, a fresh auth token is "
            "needed. The user might have changed or reset their password. The grant was issued on '{issued}' and "
            "the TokensValidFrom date (before which tokens are not valid) for this user is '{valid_from}'."),
    53003: (400, "invalid_grant", "Access has been blocked by Conditional Access policies. The access policy does "
            "not allow token issuance."),
    54005: (400, "invalid_grant", "OAuth2 Authorization code was already redeemed, please retry with a new valid "
            "code or use an existing refresh token."),
    65001: (400, "invalid_grant", "The user or administrator has not consented to use the application with ID "
            "'{client_id}' named '{name}'. Send an interactive authorization request for this user and resource."),
    # A refresh token Entra cannot read (malformed, truncated, another app's). The status is not in the
    # quoted source; Entra answers every invalid_grant with 400.
    70000: (400, "invalid_grant", "The provided value for the input parameter 'refresh_token' or 'assertion' is "
            "not valid."),
    70003: (400, "unsupported_grant_type", "The app requested an unsupported grant type."),
    90002: (400, "invalid_tenant", "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
            "and are signing into the correct cloud. Check with your subscription administrator, this may happen "
            "if there are no active subscriptions for the tenant."),
    500011: (400, "invalid_resource", "The resource principal named {resource} was not found in the tenant named "
             "{tenant}. This can happen if the application has not been installed by the administrator of the "
             "tenant or consented to by any user in the tenant. You might have sent your authentication request "
             "to the wrong tenant."),
    500112: (400, "invalid_grant", "The reply address does not match the reply address provided when requesting "
             "Authorization code."),
    501481: (400, "invalid_grant", "The Code_Verifier does not match the code_challenge supplied in the "
             "authorization request."),
    700016: (400, "unauthorized_client", "Application with identifier '{client_id}' was not found in the directory "
             "'{tenant}'. This can happen if the application has not been installed by the administrator of the "
             "tenant or consented to by any user in the tenant. You may have sent your authentication request to "
             "the wrong tenant."),
    700054: (400, "unsupported_response_type", "response_type '{response_type}' is not enabled for the "
             "application."),
    700084: (400, "invalid_grant", "The refresh token was issued to a single page app (SPA), and therefore has a "
             "fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in "
             "request must be sent by the SPA to the sign in page. The token was issued on {issued}."),
    700082: (400, "invalid_grant", "The refresh token has expired due to inactivity. The token was issued on "
             "{issued} and was inactive for 90.00:00:00."),
    900144: (400, "invalid_request", "The request body must contain the following parameter: '{parameter}'."),
    50057: (400, "invalid_grant", "The user account is disabled."),
    50053: (400, "invalid_grant", "The account is locked, you've tried to sign in too many times with an incorrect "
            "user ID or password."),
    50105: (400, "invalid_grant", "The signed in user '{upn}' is not assigned to a role for the application "
            "'{client_id}'({name})."),
    7000112: (400, "unauthorized_client", "Application '{client_id}'({name}) is disabled."),
    53000: (400, "invalid_grant", "Device is not in required device state: compliant. Conditional Access policy "
            "requires a compliant device, and the device is not compliant. The user must enroll their device "
            "with an approved MDM provider like Intune."),
    53001: (400, "invalid_grant", "Device is not in required device state: domain_joined. Conditional Access "
            "policy requires a domain joined device, and the device is not domain joined."),
    50158: (400, "interaction_required", "External security challenge not satisfied. User will be redirected to "
            "another page or authentication provider to satisfy additional authentication challenges."),
    530035: (400, "invalid_grant", "Access has been blocked by security defaults. This is due to the request using "
             "legacy auth or being deemed unsafe by security defaults policies."),
    50020: (400, "invalid_grant", "User account '{upn}' from identity provider 'live.com' does not exist in tenant "
            "'{tenant}' and cannot access the application '{client_id}'({name}) in that tenant. The account needs "
            "to be added as an external user in the tenant first. Sign out and sign in again with a different "
            "Azure Active Directory user account."),
    90072: (400, "interaction_required", "User account '{{EmailHidden}}' from identity provider "
            "'https://sts.windows.net/{other_tenant}/' does not exist in tenant '{tenant}' and cannot access the "
            "application '{client_id}'({name}) in that tenant. The account needs to be added as an external user "
            "in the tenant first. Sign out and sign in again with a different Azure Active Directory user account"),
    500208: (400, "invalid_grant", "The domain is not a valid login domain for the account type."),
    50194: (400, "invalid_request", "Application '{client_id}'({name}) is not configured as a multi-tenant "
            "application. Usage of the /common endpoint is not supported for such applications created after "
            "'10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant."),
    90094: (400, "invalid_grant", "The grant requires admin permission."),
    65004: (400, "consent_required", "User declined to consent to access the app."),
    650056: (400, "invalid_client", "Misconfigured application. This could be due to one of the following: the "
             "client has not listed any permissions for 'Office 365 Exchange Online' in the requested permissions "
             "in the client's application registration. Or, the admin has not consented in the tenant. Or, check "
             "the application identifier in the request to ensure it matches the configured client application "
             "identifier. Or, check the certificate in the request to ensure it's valid. Please contact your admin "
             "to fix the configuration or consent on behalf of the tenant. Client app ID: {client_id}."),
    650057: (400, "invalid_client", "Invalid resource. The client has requested access to a resource which is not "
             "listed in the requested permissions in the client's application registration. Client app ID: "
             "{client_id}({name}). Resource value from request: {resource}. Resource app ID: "
             "00000002-0000-0ff1-ce00-000000000000. List of valid resources from app registration: "
             "00000003-0000-0000-c000-000000000000."),
    70011: (400, "invalid_scope", "The provided value for the input parameter 'scope' is not valid. The scope "
            "{scope} is not valid."),
    90038: (400, "invalid_request", "Tenant '{tenant}' request is being redirected to the National Cloud "
            "'microsoftonline.us'."),
    1002012: (400, "invalid_scope", "The provided value for scope {scope} is not valid. Client credential flows "
              "must have a scope value with /.default suffixed to the resource identifier (application ID URI)."),
    7000215: (401, "invalid_client", "Invalid client secret provided. Ensure the secret being sent in the request "
              "is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
    7000218: (401, "invalid_client", "The request body must contain the following parameter: 'client_assertion' "
              "or 'client_secret'."),
    7000222: (401, "invalid_client", "The provided client secret keys for app '{client_id}' are expired. Visit the "
              "Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using "
              "certificate credentials for added security: https://aka.ms/certCreds."),
    9002326: (400, "invalid_request", "Cross-origin token redemption is permitted only for the 'Single-Page "
              "Application' client-type."),
    9002327: (400, "invalid_request", "Tokens issued for the 'Single-Page Application' client-type may only be "
              "redeemed via cross-origin requests."),
}  # fmt: skip

#: Other wordings of a code: "<code>-<variant>" → (HTTP status, OAuth error, message template).
VARIANTS: dict[str, tuple[int, str, str]] = {
    # An authorization code Entra cannot read, or another app's.
    "70000-code": (400, "invalid_grant", "The provided access grant is invalid or malformed."),
    # A refresh asking for a scope no grant (consent) covers for this user and app.
    "70000-scope": (400, "invalid_grant", "The request was denied because one or more scopes requested are "
                    "unauthorized or expired. The user must first sign in and grant the client application access "
                    "to the requested scope."),
}  # fmt: skip

# Extra members Entra adds to some errors (MSAL reads ``suberror`` and ``claims``).
_EXTRA: dict[int, dict[str, str]] = {
    50076: {"suberror": "basic_action", "claims": '{"access_token":{"capolids":{"essential":true}}}'},
    53003: {"suberror": "message_only"},
    65001: {"suberror": "consent_required"},
}

#: Codes whose quoted replies carry the Trace ID / Correlation ID / Timestamp trailer on separate CRLF lines
#: (``…\\r\\nTrace ID: …``, as Azure/azure-cli#18945 quotes 50057); the others put it on the same line, as
#: the simulator always did (rootinc/laravel-azure-middleware#22 quotes 90072 so, without a full stop).
CRLF_TRAILER: frozenset[int] = frozenset(
    {50057, 50053, 50105, 7000112, 53000, 53001, 50158, 530035, 50020, 500208, 50194, 90094, 65004, 650056, 650057,
     70011, 90038}
)  # fmt: skip


class AadError(Exception):
    """An AADSTS error: HTTP status, OAuth ``error``, AADSTS code and message."""

    def __init__(self, status: int, error: str, code: int, message: str, *, crlf: bool = False, **extra: Any) -> None:
        super().__init__(f"AADSTS{code}: {message}")
        self.status, self.error, self.code, self.message, self.extra = status, error, code, message, extra
        self.crlf = crlf  # the trailer on CRLF lines (else on the message's own line)

    def body(self, login_base: str, correlation_id: str | None = None) -> dict[str, Any]:
        """Entra's error JSON, with trace and correlation ids and a timestamp."""
        trace_id = str(uuid.uuid4())
        correlation_id = correlation_id or str(uuid.uuid4())
        stamp = now_utc().strftime("%Y-%m-%d %H:%M:%SZ")
        sep = "\r\n" if self.crlf else " "
        body: dict[str, Any] = {
            "error": self.error,
            "error_description": f"AADSTS{self.code}: {self.message}{sep}Trace ID: {trace_id}{sep}"
            f"Correlation ID: {correlation_id}{sep}Timestamp: {stamp}",
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": f"{login_base}/error?code={self.code}",
        }
        body.update(self.extra)
        return body


def aadsts(code: int, variant: str = "", **values: str) -> AadError:
    """The error for ``code`` (in its ``variant`` wording, when given), its message filled with ``values``."""
    status, error, template = VARIANTS[f"{code}-{variant}"] if variant else MESSAGES[code]
    message = template.format(**values)
    return AadError(status, error, code, message, crlf=code in CRLF_TRAILER, **_EXTRA.get(code, {}))
