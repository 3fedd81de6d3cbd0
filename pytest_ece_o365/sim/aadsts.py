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
pnp/pnpassessment#34. 530035: UNVERIFIED FOR XOAUTH2: as a live reply to a refresh-token grant. The text
is Microsoft's error reference row (BlockedBySecurityDefaults, added by MicrosoftDocs/azure-docs#115250,
2023-09-27); public notes quote only "AADSTS530035: Access has been blocked by security defaults", from
device-code sign-ins (Azure CLI), none with its Trace ID; the diagnosis reads the code (checked 2026-12-05).
Where the quoting source shows no HTTP status or OAuth error (50105, 7000112, 50053, 53000, 53001, 50020,
500208, 90094, 650056, 90038, all seen on sign-in pages or in wrapped exceptions), 400 and the error named
in the table are the simulator's choice, as for every other refusal of a grant.
"""

from __future__ import annotations

import json
import uuid
from importlib import resources
from typing import Any

from pytest_ece_o365.sim.directory import now_utc

__all__ = ["CRLF_TRAILER", "MESSAGES", "UNVERIFIED_LIVE", "VARIANTS", "AadError", "aadsts"]

#: Codes whose wording here no public capture of a live reply confirms (see the module's sources).
UNVERIFIED_LIVE: frozenset[int] = frozenset({530035})

#: The replies, as data (``aadsts_replies.json`` beside this module: code, HTTP status, OAuth error, Microsoft's
#: wording as a template): a table of wordings reads best as one, and adding one is one entry.
_REPLIES: list[dict[str, Any]] = json.loads(
    resources.files(__package__).joinpath("aadsts_replies.json").read_text(encoding="utf-8")
)["replies"]

#: code → (HTTP status, OAuth error, message template)
MESSAGES: dict[int, tuple[int, str, str]] = {
    int(r["code"]): (int(r["status"]), str(r["error"]), str(r["message"])) for r in _REPLIES if "variant" not in r
}

#: Other wordings of a code: "<code>-<variant>" → (HTTP status, OAuth error, message template). AADSTS70000
#: has two: "code" (an authorization code Entra cannot read, or another app's) and "scope" (a refresh asking
#: for a scope no grant covers for this user and app).
VARIANTS: dict[str, tuple[int, str, str]] = {
    f"{r['code']}-{r['variant']}": (int(r["status"]), str(r["error"]), str(r["message"]))
    for r in _REPLIES
    if "variant" in r
}

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
