"""Where the product's facts about Microsoft and Cisco come from, and when each was checked there.

Every row of the knowledge and diagnosis tables carries a :class:`Source`, so that whoever updates a
table next can re-read the page it rests on. A fact no public source confirms is not guessed: the table
says it is unknown (and the source names where it was looked for).

``checked`` is the day the fact was compared with the source; the results file's ``knowledge_date``
(contract §4) is the oldest of them: nothing in the tables is fresher than that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Source:
    """A public page (URL) or an issue thread (``owner/repo#123``) and the day it was read.

    ``ref`` may name several places, separated by ``; `` (a reply quoted in a thread, and the doc that
    explains it).
    """

    ref: str
    checked: str  # ISO date

    def __post_init__(self) -> None:
        dt.date.fromisoformat(self.checked)  # a typo'd date fails at import, in every test run
        if not self.ref.strip():
            raise ValueError("a Source needs a reference")

    def __str__(self) -> str:
        return f"{self.ref} (checked {self.checked})"


def oldest_checked(sources: Iterable[Source]) -> str:
    """The oldest ``checked`` date among ``sources`` (ISO), or "" when there are none."""
    return min((source.checked for source in sources), default="")


# --- Sources many rows share ------------------------------------------------------------------------

#: Cisco TAC's "Troubleshoot ECE OAuth2 authentication with O365" (document 218453): the checklist itself.
#: The path is the one Cisco publishes its translations under (the it_it copy is on cisco.com at it).
TAC_218453: Final = Source(
    "https://www.cisco.com/c/en/us/support/docs/contact-center/enterprise-chat-email-1261/"
    "218453-troubleshoot-ece-oauth2-authentication-w.html",
    "2026-12-04",
)

#: Microsoft's Entra ID error-code reference (AADSTS codes, their names and meanings).
AADSTS_REFERENCE: Final = Source(
    "https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes", "2026-12-04"
)

#: Microsoft's OAuth for IMAP, POP and SMTP (scopes, SASL XOAUTH2, the shared-mailbox ``user=`` form).
MS_MAIL_OAUTH: Final = Source(
    "https://learn.microsoft.com/en-us/exchange/client-developer/legacy-protocols/"
    "how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth",
    "2026-12-04",
)

#: Microsoft's "Enable or disable SMTP AUTH in Exchange Online" (both switches, the 5.7.139 replies).
MS_SMTP_AUTH: Final = Source(
    "https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/"
    "authenticated-client-smtp-submission",
    "2026-12-04",
)

#: Set-CASMailbox (ImapEnabled, PopEnabled, SmtpClientAuthenticationDisabled per mailbox).
MS_SET_CASMAILBOX: Final = Source(
    "https://learn.microsoft.com/powershell/module/exchangepowershell/set-casmailbox", "2026-12-04"
)

#: Add-MailboxPermission (FullAccess).
MS_FULL_ACCESS: Final = Source(
    "https://learn.microsoft.com/powershell/module/exchangepowershell/add-mailboxpermission", "2026-12-04"
)

#: Add-RecipientPermission (SendAs).
MS_SEND_AS: Final = Source(
    "https://learn.microsoft.com/powershell/module/exchangepowershell/add-recipientpermission", "2026-12-04"
)

#: Microsoft 365 URLs and IP address ranges (the endpoints and ports Office 365 mail uses).
MS_ENDPOINTS: Final = Source(
    "https://learn.microsoft.com/en-us/microsoft-365/enterprise/urls-and-ip-address-ranges", "2026-12-04"
)

#: Microsoft Graph's REST API reference (application, servicePrincipal, oauth2PermissionGrant, user).
MS_GRAPH_API: Final = Source("https://learn.microsoft.com/en-us/graph/api/overview", "2026-12-04")

#: Entra ID refresh tokens: lifetimes (90 days, 24 h for SPA), rotation, revocation table.
MS_REFRESH_TOKENS: Final = Source(
    "https://learn.microsoft.com/en-us/entra/identity-platform/refresh-tokens", "2026-12-04"
)

#: Configurable token lifetimes in Entra ID (AccessTokenLifetime policies; 60-90 min default).
MS_TOKEN_LIFETIMES: Final = Source(
    "https://learn.microsoft.com/en-us/entra/identity-platform/configurable-token-lifetimes", "2026-12-04"
)

#: Generic TCP/IP and DNS behaviour (RFC 1035 name errors, RFC 9293 resets), TLS (RFC 8446), SMTP
#: STARTTLS (RFC 3207): what a socket or resolver error means needs no Microsoft source.
NETWORK_RFCS: Final = Source(
    "https://www.rfc-editor.org/rfc/rfc1035; https://www.rfc-editor.org/rfc/rfc9293; "
    "https://www.rfc-editor.org/rfc/rfc8446; https://www.rfc-editor.org/rfc/rfc3207",
    "2026-12-04",
)

#: A socket, resolver or TLS failure on the way to Microsoft's endpoints: the RFCs say what the error
#: means, Microsoft's endpoint list which names and ports this server must reach (and is what to read).
NETWORK_PATHS: Final = Source(f"{NETWORK_RFCS.ref}; {MS_ENDPOINTS.ref}", "2026-12-04")
